"""The unit-conversion family: a quantity to express in another unit with exact factors, and three quantities in
different units to compare."""

import random
import re
from fractions import Fraction
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.plans import Step, TargetRecipe
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.program.tools.arithmetic import decimal_text, round_half_up, terminates
from benchagent.program.tools.units import UNITS, convert, quantity_text, to_base

_CONVERSION = ["original.value", "original.from_unit", "original.to_unit", "original.places"]
RECIPE = TargetRecipe({"number": Step("unit_number_target", _CONVERSION),
                       "choice": Step("unit_number_target", _CONVERSION),
                       "label": Step("unit_label_target", ["original.quantities"]),
                       "binary": Step("unit_binary_target", ["original.quantities"])}, None, "decimal_options")


# symbols a terse requirement writes ("-> km"); those that are also words ("in", "m", "g") are left out
SYMBOLS = {"km": "kilometre", "cm": "centimetre", "mm": "millimetre", "kg": "kilogram", "mg": "milligram",
           "ft": "foot", "yd": "yard", "mi": "mile", "lb": "pound", "lbs": "pound", "oz": "ounce",
           "mph": "mile per hour", "km/h": "kilometre per hour", "kph": "kilometre per hour"}


def _unit_names() -> dict[str, str]:
    """Every way a requirement may name a unit ('Fahrenheit', 'degrees Celsius', 'feet'), to its unit."""
    names = {}
    for unit, spec in UNITS.items():
        for name in (unit, spec.plural or f"{unit}s", unit.removeprefix("degree ").removeprefix("US ")):
            names[name.lower()] = unit
    return names | {symbol: unit for symbol, unit in SYMBOLS.items() if unit in UNITS}


_NAMES = _unit_names()
_NAMED = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _NAMES), key=len, reverse=True)) + r")\b")
_DIMENSIONS = {"temperature": "temperature", "length": "length", "distance": "length", "mass": "mass",
               "weight": "mass", "volume": "volume", "speed": "speed", "area": "area", "data size": "data",
               "duration": "time"}


def picked_conversions(text: str) -> dict[str, list[str]]:
    """The records a requirement's words ask for: conversions into a named unit from the others it names of that
    dimension ('Fahrenheit to Celsius', 'from miles into kilometres', 'qs -> km. from miles feet yards'), else those
    of a named dimension ('temperatures'); none else."""
    text = text.lower()
    target = re.search(r"(?:->|→|\b(?:to|into|in)\b)\s*(?:degrees?\s+)?" + _NAMED.pattern, text)
    if target:
        to_unit = _NAMES[target.group(1)]
        named = [_NAMES[m.group(1)] for m in _NAMED.finditer(text) if m.start(1) != target.start(1)]
        sources = [u for u in dict.fromkeys(named) if u != to_unit and UNITS[u].dimension == UNITS[to_unit].dimension]
        if sources:
            return {"from_unit": sources, "to_unit": [to_unit]}
    named = {dimension for word, dimension in _DIMENSIONS.items() if re.search(rf"\b{word}s?\b", text)}
    return {"dimension": sorted(named)} if len(named) == 1 else {}


def _round_quantity(value: Fraction, dimension: str) -> str:
    """A compared quantity as people write it: whole degrees, else two significant digits."""
    if dimension == "temperature":
        return decimal_text(value, 0)
    k = 0
    while value >= 10 ** (k + 1):
        k += 1
    while value < Fraction(10) ** k:
        k -= 1
    if k <= 1:
        return decimal_text(round_half_up(value, 1 - k))
    step = 10 ** (k - 1)
    return str(int(round_half_up(value / step, 0)) * step)


def _sized_units(dimension: str, base: Fraction) -> list[str]:
    """Units of the dimension in which base reads as a number between 0.1 and 100,000."""
    return [u for u, spec in UNITS.items() if spec.dimension == dimension
            and (dimension == "temperature" or Fraction(1, 10) <= (base - spec.offset) / spec.scale <= 100_000)]


def _scaled(value: str, from_unit: str, to_unit: str) -> str | None:
    """value times the power of ten nearest 1 that makes the converted quantity read between 1 and 100,000 with the
    value itself between 0.1 and 1,000,000 (56 ft in kilometres is asked as 5,600 ft, 1.71 km); None if none does."""
    ratio = convert(Fraction(1), from_unit, to_unit)
    for k in sorted(range(-6, 7), key=lambda k: (abs(k), -k)):
        scaled = Fraction(value) * Fraction(10) ** k
        if Fraction(1, 10) <= scaled <= 10**6 and 1 <= scaled * ratio <= 100_000:
            return decimal_text(scaled)
    return None


@generator(SourceCard(
    id="gen_unit_conversions", name="unit_conversions", kind="generator", modalities=["text"],
    description="Generated unit conversions with exact factors (metric, US customary, time, speed, "
                "temperature, area, data sizes): a quantity to express in another unit, exact or rounded "
                "to 2 decimal places, and three quantities in different units to compare. Grounds "
                "conversion questions and which quantity is longer, heavier, larger or warmer.",
    fields={"theme": "str: the dimension", "dimension": "str", "value": "str: decimal",
            "from_unit": "str", "to_unit": "str", "places": "int | null: rounding, null for exact",
            "answer": "str: exact decimal", "quantities": "list[object]: value, unit (same dimension)",
            "largest": "str", "smallest": "str"},
    size=SIZE, license="generated",
    keywords=["unit conversion", "units", "measurement", "metric", "imperial", "temperature",
              "physics", "quantitative reasoning", "science", "kilometres", "metres", "miles", "feet", "yards",
              "inches", "kilograms", "pounds", "ounces", "litres", "gallons", "Celsius", "Fahrenheit"],
    tools=["unit_number_target", "unit_label_target", "unit_binary_target", "convert_units",
           "decimal_options", "shuffle_options"]), RECIPE, picks=picked_conversions)


def unit_conversion(rng: random.Random) -> dict[str, Any]:
    dimensions = sorted({u.dimension for u in UNITS.values()})
    while True:
        dimension = rng.choice(dimensions)
        from_unit = rng.choice([u for u, spec in UNITS.items() if spec.dimension == dimension])
        if dimension == "temperature":
            value = str(rng.randint(-30, 110) if from_unit != "kelvin" else rng.randint(240, 380))
        else:
            value = rng.choice((str(rng.randint(1, 100)), f"{rng.randint(1, 99)}.{rng.randint(1, 9)}"))
        to_unit = rng.choice([u for u, spec in UNITS.items() if spec.dimension == dimension and u != from_unit])
        if dimension != "temperature" and (value := _scaled(value, from_unit, to_unit)) is None:
            continue
        base = to_base(Fraction(value), from_unit)
        sized = _sized_units(dimension, base)
        if len(sized) < 3:
            continue
        exact = convert(Fraction(value), from_unit, to_unit)
        places = None if terminates(exact) and len(decimal_text(exact).partition(".")[2]) <= 3 else 2
        answer = decimal_text(exact, places)
        compared = rng.sample(sized, 3)
        jitter = [base + rng.randint(-15, 15) if dimension == "temperature"
                  else base * Fraction(rng.randint(60, 150), 100) for _ in compared]
        quantities = [{"value": _round_quantity((b - UNITS[u].offset) / UNITS[u].scale, dimension), "unit": u}
                      for b, u in zip(jitter, compared, strict=True)]
        sizes = {quantity_text(q["value"], q["unit"]): to_base(Fraction(q["value"]), q["unit"]) for q in quantities}
        if (Fraction(answer) != 0 and answer != value and len(set(sizes.values())) == 3
                and all(Fraction(q["value"]) != 0 for q in quantities)):
            break
    return {
        "theme": dimension, "dimension": dimension, "value": value, "from_unit": from_unit, "to_unit": to_unit,
        "places": places, "answer": answer, "quantities": quantities,
        "largest": max(sizes, key=sizes.get), "smallest": min(sizes, key=sizes.get),
    }
