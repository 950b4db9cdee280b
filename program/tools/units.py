"""Unit conversion with an exact table (SI and US customary definitions as fractions, temperatures affine), and
question targets that convert or compare quantities."""

import random
from fractions import Fraction
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from benchagent.program.tools.arithmetic import (NumberText, decimal_text, fraction_text, parse_number,
                                                 significant_text, terminates)
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool
from benchagent.program.tools.targets import Target, mentions, narrowed, pick_comparison, unique_extreme


class Unit(NamedTuple):
    dimension: str
    scale: Fraction          # base = scale * value + offset
    offset: Fraction = Fraction(0)
    plural: str = ""


F = Fraction
UNITS: dict[str, Unit] = {
    "millimetre": Unit("length", F(1, 1000)), "centimetre": Unit("length", F(1, 100)), "metre": Unit("length", F(1)),
    "kilometre": Unit("length", F(1000)), "inch": Unit("length", F("0.0254"), plural="inches"),
    "foot": Unit("length", F("0.3048"), plural="feet"), "yard": Unit("length", F("0.9144")),
    "mile": Unit("length", F("1609.344")),
    "milligram": Unit("mass", F(1, 10**6)), "gram": Unit("mass", F(1, 1000)), "kilogram": Unit("mass", F(1)),
    "tonne": Unit("mass", F(1000)), "ounce": Unit("mass", F("0.028349523125")),
    "pound": Unit("mass", F("0.45359237")), "stone": Unit("mass", F("6.35029318"), plural="stone"),
    "millilitre": Unit("volume", F(1, 1000)), "litre": Unit("volume", F(1)), "cubic metre": Unit("volume", F(1000)),
    "US fluid ounce": Unit("volume", F("0.0295735295625")), "US cup": Unit("volume", F("0.2365882365")),
    "US pint": Unit("volume", F("0.473176473")), "US quart": Unit("volume", F("0.946352946")),
    "US gallon": Unit("volume", F("3.785411784")),
    "second": Unit("time", F(1)), "minute": Unit("time", F(60)), "hour": Unit("time", F(3600)),
    "day": Unit("time", F(86400)), "week": Unit("time", F(604800)),
    "metre per second": Unit("speed", F(1), plural="metres per second"),
    "kilometre per hour": Unit("speed", F(1000, 3600), plural="kilometres per hour"),
    "mile per hour": Unit("speed", F("1609.344") / 3600, plural="miles per hour"),
    "knot": Unit("speed", F(1852, 3600)),
    "kelvin": Unit("temperature", F(1), plural="kelvin"),
    "degree Celsius": Unit("temperature", F(1), F("273.15"), "degrees Celsius"),
    "degree Fahrenheit": Unit("temperature", F(5, 9), F("273.15") - F(32 * 5, 9), "degrees Fahrenheit"),
    "square metre": Unit("area", F(1)), "hectare": Unit("area", F(10**4)), "square kilometre": Unit("area", F(10**6)),
    "acre": Unit("area", F("4046.8564224")), "square foot": Unit("area", F("0.09290304"), plural="square feet"),
    "byte": Unit("data", F(1)), "kilobyte": Unit("data", F(1000)), "megabyte": Unit("data", F(10**6)),
    "gigabyte": Unit("data", F(10**9)), "kibibyte": Unit("data", F(1024)), "mebibyte": Unit("data", F(1024**2)),
    "gibibyte": Unit("data", F(1024**3)),
}
UnitName = Literal[tuple(UNITS)]
# comparative, superlative largest, superlative smallest
WORDS = {"length": ("longer", "longest", "shortest"), "mass": ("heavier", "heaviest", "lightest"),
         "volume": ("more", "largest amount", "smallest amount"), "time": ("longer", "longest", "shortest"),
         "speed": ("faster", "fastest", "slowest"), "temperature": ("warmer", "warmest", "coldest"),
         "area": ("larger", "largest", "smallest"), "data": ("larger", "largest", "smallest")}


def plural(unit: str) -> str:
    return UNITS[unit].plural or f"{unit}s"


def quantity_text(value: str, unit: str) -> str:
    return f"{value} {unit if parse_number(value) == 1 else plural(unit)}"


def to_base(value: Fraction, unit: str) -> Fraction:
    u = UNITS[unit]
    return u.scale * value + u.offset


def convert(value: Fraction, from_unit: str, to_unit: str) -> Fraction:
    """value in from_unit expressed in to_unit, exactly; both units must measure the same dimension."""
    a, b = UNITS[from_unit], UNITS[to_unit]
    if a.dimension != b.dimension:
        raise ValueError(f"cannot convert {a.dimension} ({from_unit}) to {b.dimension} ({to_unit})")
    return (to_base(value, from_unit) - b.offset) / b.scale


class ConvertArgs(ToolInput):
    value: NumberText
    from_unit: UnitName
    to_unit: UnitName
    places: int | None = Field(None, ge=0, le=10, description="round half away from zero to this many decimals")
    figures: int | None = Field(None, ge=1, le=10, description="round half away from zero to this many significant "
                                                                "figures instead")


class ConvertOutput(ToolOutput):
    fraction: str = Field(description="the exact result")
    decimal: str | None = Field(description="its exact decimal digits, or null when they never end")
    answer: str = Field(description="the result rounded to places; without places its exact decimal, or the "
                        "fraction when the decimal never ends")


def rounded_text(value: Fraction, places: int | None, figures: int | None = None) -> str:
    """value to `figures` significant figures when given, else to `places` decimals, else exactly."""
    return significant_text(value, figures) if figures is not None else decimal_text(value, places)


@tool("convert_units",
      "Convert a quantity between units (length, mass, volume, time, speed, temperature, area, data) exactly.")
def convert_units(args: ConvertArgs) -> ConvertOutput:
    result = convert(parse_number(args.value), args.from_unit, args.to_unit)
    exact = decimal_text(result) if terminates(result) else None
    answer = (rounded_text(result, args.places, args.figures) if args.places is not None or args.figures is not None
              else exact or fraction_text(result))
    return ConvertOutput(fraction=fraction_text(result), decimal=exact, answer=answer)


class UnitTargetArgs(ConvertArgs):
    seed: int
    asks: list[str] | None = Field(None, description="the kinds of question allowed: conversion, the only one")


def _rounding(places: int | None, figures: int | None = None) -> str:
    if figures is not None:
        return f"rounded to {figures} significant figure{'s' if figures != 1 else ''}"
    return "exactly" if places is None else f"rounded to {places} decimal place{'s' if places != 1 else ''}"


@tool("unit_number_target",
      "Ask to convert a quantity to another unit; the answer is the exact or stated-rounding number.",
      asks={"conversion": ("convert", "conversion", "unit conversion", "express in", "expressed in", "in another unit",
                           "in other units", "from one unit to another")})
def unit_number_target(args: UnitTargetArgs) -> Target:
    narrowed({"conversion": ["conversion"]}, args.asks, default=("conversion",))
    answer = rounded_text(convert(parse_number(args.value), args.from_unit, args.to_unit), args.places, args.figures)
    rounding = _rounding(args.places, args.figures)
    source, target = quantity_text(args.value, args.from_unit), plural(args.to_unit)
    goal = random.Random(args.seed).choice([
        f"how many {target} {source} is, {rounding}; the answer is a number",
        f"{source} converted to {target}, {rounding}; the answer is a number",
    ])
    context = f"Quantity: {source}. Express it in {target}, {rounding}."
    if mentions(goal, answer) or mentions(context, answer):
        raise ValueError(f"the question would state its answer {answer}")
    facts = f"{source} = {answer} {target} ({rounding})"
    query = args.model_dump(include={"value", "from_unit", "to_unit", "places"}) | (
        {"figures": args.figures} if args.figures is not None else {})
    return Target(goal=goal, answer=answer, context=context, facts=facts, label_pool=[], query=query)


class Quantity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: NumberText
    unit: UnitName


class CompareArgs(ToolInput):
    quantities: list[Quantity] = Field(min_length=2, max_length=6)
    seed: int

    @model_validator(mode="after")
    def _comparable(self):
        if len({UNITS[q.unit].dimension for q in self.quantities}) != 1:
            raise ValueError("quantities must all measure the same dimension")
        if len(self.sizes()) != len(self.quantities):
            raise ValueError("quantities must be distinct")
        return self

    def sizes(self) -> dict[str, Fraction]:
        return {quantity_text(q.value, q.unit): to_base(parse_number(q.value), q.unit) for q in self.quantities}


def _compare_target(args: CompareArgs, goal: str, answer: str, query: dict) -> Target:
    texts = list(args.sizes())
    return Target(goal=goal, answer=answer, context=f"Quantities: {'; '.join(texts)}.",
                  facts="; ".join(texts), label_pool=texts, query=query)


@tool("unit_label_target",
      "Ask which of some quantities in different units is largest or smallest; the answer is that quantity.",
      untied=True)
def unit_label_target(args: CompareArgs) -> Target:
    sizes, words = args.sizes(), WORDS[UNITS[args.quantities[0].unit].dimension]
    options = [(hi, name) for hi in (True, False) if (name := unique_extreme(sizes, hi))]
    if not options:
        raise ValueError("no quantity is uniquely the largest or smallest")
    largest, answer = random.Random(args.seed).choice(options)
    goal = (f"which of the {len(sizes)} quantities given is the {words[1] if largest else words[2]}; "
            "the answer is that quantity exactly as written")
    return _compare_target(args, goal, answer, {"largest": largest})


@tool("unit_binary_target",
      "Ask whether one quantity exceeds another given in a different unit; the answer is yes or no.")
def unit_binary_target(args: CompareArgs) -> Target:
    sizes, words = args.sizes(), WORDS[UNITS[args.quantities[0].unit].dimension]
    a, b = pick_comparison(sizes, args.seed)
    goal = f"whether {a} is {words[0]} than {b} (answer yes or no)"
    return _compare_target(args, goal, "yes" if sizes[a] > sizes[b] else "no", {"first": a, "second": b})
