"""Exact arithmetic: expression trees of integers, decimals and fractions evaluated with fractions.Fraction
(an explicit operator table, never eval), exact decimal formatting and decimal answer options."""

import math
import re
from fractions import Fraction
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from benchagent.program.tools.options import make_number_options
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool

NUMBER = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?(/[1-9][0-9]{0,39})?")
DECIMAL = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?")
MAX_DEPTH = 32


def parse_number(text: str) -> Fraction:
    """'12', '-0.75' or '3/4' as an exact Fraction; anything else is refused."""
    if not NUMBER.fullmatch(text.strip()):
        raise ValueError(f"not an integer, decimal or fraction: {text!r}")
    return Fraction(text.strip())


def _literal(text: str) -> str:
    parse_number(text)
    return text.strip()


def _decimal(text: str) -> str:
    if not DECIMAL.fullmatch(text.strip()):
        raise ValueError(f"not a decimal number: {text!r}")
    return text.strip()


NumberText = Annotated[str, AfterValidator(_literal)]
DecimalText = Annotated[str, AfterValidator(_decimal)]


class Node(BaseModel):
    """An operation over two to six operands: '-' and '/' apply left to right."""

    model_config = ConfigDict(extra="forbid")
    op: Literal["+", "-", "*", "/"]
    args: list["Expr"] = Field(min_length=2, max_length=6)


Expr = Union[StrictInt, NumberText, Node]
Node.model_rebuild()


def _product(values: list[Fraction]) -> Fraction:
    return math.prod(values, start=Fraction(1))


def _quotient(values: list[Fraction]) -> Fraction:
    divisor = _product(values[1:])
    if divisor == 0:
        raise ValueError("division by zero")
    return values[0] / divisor


OPERATIONS = {
    "+": lambda vs: sum(vs, Fraction(0)),
    "-": lambda vs: vs[0] - sum(vs[1:], Fraction(0)),
    "*": _product,
    "/": _quotient,
}


def evaluate(expr: Expr | dict, depth: int = 0) -> Fraction:
    """The exact value of an expression tree (a Node, a dict of one, an int or a number string)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"expression nested deeper than {MAX_DEPTH}")
    if isinstance(expr, bool):
        raise ValueError("booleans are not numbers")
    if isinstance(expr, int):
        return Fraction(expr)
    if isinstance(expr, str):
        return parse_number(expr)
    node = expr if isinstance(expr, Node) else Node.model_validate(expr)
    return OPERATIONS[node.op]([evaluate(a, depth + 1) for a in node.args])


def terminates(value: Fraction) -> bool:
    """True when value has a finite decimal expansion (its denominator has no prime but 2 and 5)."""
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def round_half_up(value: Fraction, places: int) -> Fraction:
    """value rounded to places decimals, halves away from zero."""
    scale = 10**places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))
    return Fraction(magnitude if value >= 0 else -magnitude, scale)


def decimal_text(value: Fraction, places: int | None = None) -> str:
    """Exact decimal digits of value (no exponent, no trailing zeros), or value rounded to places decimals
    printed with exactly that many; a non-terminating value without places is refused."""
    if places is None:
        if not terminates(value):
            raise ValueError(f"{value} has no finite decimal expansion; give places")
        places = 0
        while (value * 10**places).denominator != 1:
            places += 1
        trim = True
    else:
        value, trim = round_half_up(value, places), False
    scaled = abs(int(value * 10**places))
    whole, frac = divmod(scaled, 10**places)
    digits = f"{whole}.{frac:0{places}d}" if places else str(whole)
    if trim and "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return ("-" if value < 0 and scaled else "") + digits


def significant_text(value: Fraction, figures: int) -> str:
    """value rounded half away from zero to `figures` significant figures, printed with all of them ('0.0120',
    '12300', '10.0' for 9.996 to three)."""
    if value == 0:
        return decimal_text(value, figures - 1)
    power = 0  # 10**power <= |value| < 10**(power + 1)
    while abs(value) >= Fraction(10) ** (power + 1):
        power += 1
    while abs(value) < Fraction(10) ** power:
        power -= 1
    for exponent in (power, power + 1):  # rounding up may reach the next power of ten
        places = figures - 1 - exponent
        scale = Fraction(10) ** places
        rounded = math.floor(abs(value) * scale + Fraction(1, 2)) / scale
        if rounded < Fraction(10) ** (exponent + 1):
            break
    return decimal_text(rounded if value > 0 else -rounded, max(places, 0))


def fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


class ArithmeticArgs(ToolInput):
    expression: Expr = Field(description="an int, a number string ('0.75', '3/4') or {op, args} with op in + - * /")


class ArithmeticOutput(ToolOutput):
    fraction: str = Field(description="exact value as 'p/q' or an integer")
    decimal: str | None = Field(description="exact decimal digits, or null when the expansion never ends")
    integer: bool


@tool("exact_arithmetic",
      "Evaluate an expression tree (+ - * /) exactly with fractions; gives the fraction and its decimal.")
def exact_arithmetic(args: ArithmeticArgs) -> ArithmeticOutput:
    value = evaluate(args.expression)
    return ArithmeticOutput(fraction=fraction_text(value), decimal=decimal_text(value) if terminates(value) else None,
                            integer=value.denominator == 1)


def make_decimal_options(answer: str, seed: int, n: int = 4, step: str | None = None) -> list[str]:
    """n distinct decimals printed with the answer's number of places, gold first, spaced by step (default:
    the answer's roundness in its last place), same sign and digit count where possible."""
    places = len(answer.partition(".")[2])
    scale = 10**places
    scaled = Fraction(answer) * scale
    unit = None
    if step is not None:
        unit = Fraction(step) * scale
        if unit.denominator != 1 or unit <= 0:
            raise ValueError(f"step {step} is not a positive multiple of the answer's last place")
    values = make_number_options(int(scaled), seed, n, int(unit) if unit else None)
    return [decimal_text(Fraction(v, scale), places) for v in values]


class DecimalOptionsArgs(ToolInput):
    answer: DecimalText
    seed: int = 0
    n: int = Field(4, ge=2, le=10)
    step: DecimalText | None = Field(None, description="spacing between options, a multiple of the answer's last place")


class DecimalOptionsOutput(ToolOutput):
    options: list[str] = Field(description="gold first; place it with shuffle_options")


@tool("decimal_options", "Make n distinct decimal options near an exact decimal answer, printed like it (gold first).")
def decimal_options(args: DecimalOptionsArgs) -> DecimalOptionsOutput:
    return DecimalOptionsOutput(options=make_decimal_options(args.answer, args.seed, args.n, args.step))
