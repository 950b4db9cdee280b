"""Chemistry from a formula: periodictable parses and validates it and computes the molar mass; the distractors are
the masses a student gets by miscounting one atom."""

import random
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from pydantic import Field

from benchagent.program.tools.arithmetic import significant_text
from benchagent.program.tools.registry import ToolInput, tool
from benchagent.program.tools.targets import Target

FORMULA = re.compile(r"[A-Z][A-Za-z0-9()]*")
MAX_ATOMS = 60


class FormulaArgs(ToolInput):
    formula: str = Field(max_length=40, description="a chemical formula such as H2SO4 or Ca(OH)2")
    seed: int
    element: str | None = Field(None, description="the element, by its English name, the compound was asked to hold")
    avoid: list[str] = Field(default_factory=list, description="elements, by English name, it must not hold")
    figures: int | None = Field(None, ge=1, le=10, description="significant figures of the masses (default: two "
                                                               "decimal places)")
    places: int = Field(2, ge=0, le=10, description="decimal places of the masses, unless figures are asked")


SPELLINGS = {"aluminium": "aluminum", "caesium": "cesium"}  # periodictable names elements in US spelling


class FormulaTarget(Target):
    options: list[str] = Field(description="the gold mass first, then three miscounted masses")


def _mass(atoms: dict, figures: int | None = None, places: int = 2) -> Decimal:
    """The molar mass to `places` decimal places, or to `figures` significant figures."""
    exact = Decimal(str(sum(element.mass * count for element, count in atoms.items())))
    if figures is None:
        return exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return Decimal(significant_text(Fraction(exact), figures))


def _named(name: str) -> str:
    return SPELLINGS.get(name.lower(), name.lower())


def parse_formula(text: str) -> tuple[str, dict]:
    """The formula's canonical text and its atoms; ValueError unless it is a formula of 2 or more elements."""
    text = "".join(text.split()).rstrip(".")
    if not FORMULA.fullmatch(text):
        raise ValueError(f"{text[:40]!r} is not a chemical formula")
    import periodictable  # loads its tables: only when a formula is checked

    try:
        parsed = periodictable.formula(text)
    except Exception as exc:  # pyparsing's errors and periodictable's ValueError for unknown elements
        raise ValueError(f"{text!r} is not a chemical formula: {exc}") from None
    atoms = dict(parsed.atoms)
    if len(atoms) < 2 or sum(atoms.values()) > MAX_ATOMS or any(int(n) != n or n < 1 for n in atoms.values()):
        raise ValueError(f"{text!r} needs 2 or more elements and at most {MAX_ATOMS} whole atoms")
    return text, atoms


@tool("molar_mass_target", "Check a proposed chemical formula with periodictable and ask its molar mass in g/mol to "
                           "two decimals (or the decimals or significant figures asked); the options are the mass and "
                           "three masses with one atom miscounted.")
def molar_mass_target(args: FormulaArgs) -> FormulaTarget:
    text, atoms = parse_formula(args.formula)
    held = {e.name for e in atoms}
    if args.element and _named(args.element) not in held:
        raise ValueError(f"{text!r} holds no {args.element}, which the compound was asked to hold")
    if barred := [name for name in args.avoid if _named(name) in held]:
        raise ValueError(f"{text!r} holds {', '.join(barred)}, which the requirement leaves out")
    gold = _mass(atoms, args.figures, args.places)
    wrong = set()
    for element in atoms:
        for step in (1, -1, 2):
            changed = {**atoms, element: atoms[element] + step}
            if changed[element] >= 1:
                wrong.add(_mass(changed, args.figures, args.places))
    wrong = sorted(w for w in wrong if abs(w - gold) >= Decimal("0.5") and w != gold)
    distractors = random.Random(f"molar:{args.seed}").sample(wrong, 3) if len(wrong) >= 3 else wrong
    if len(distractors) < 3:
        raise ValueError(f"{text!r} leaves too few miscounted masses for distractors")
    parts = ", ".join(f"{int(n)} {el.symbol} x {el.mass}" for el, n in atoms.items())
    rounding = (f"{args.figures} significant figures" if args.figures else
                f"{args.places} decimal place{'s' * (args.places != 1)}")
    return FormulaTarget(
        goal=f"the molar mass of {text} in g/mol, rounded to {rounding}", answer=str(gold),
        context=f"Compound: {text}. Use standard atomic masses.", facts=f"{text}: {parts} = {gold} g/mol",
        label_pool=[], query={"formula": text}, options=[str(gold), *map(str, distractors)])
