"""Chemistry from a formula: periodictable parses and validates it and computes the molar mass; the distractors are
the masses a student gets by miscounting one atom."""

import random
import re
from decimal import ROUND_HALF_UP, Decimal

from pydantic import Field

from benchagent.program.tools.registry import ToolInput, tool
from benchagent.program.tools.targets import Target

FORMULA = re.compile(r"[A-Z][A-Za-z0-9()]*")
MAX_ATOMS = 60


class FormulaArgs(ToolInput):
    formula: str = Field(max_length=40, description="a chemical formula such as H2SO4 or Ca(OH)2")
    seed: int
    element: str | None = Field(None, description="the element, by its English name, the compound was asked to hold")


SPELLINGS = {"aluminium": "aluminum", "caesium": "cesium"}  # periodictable names elements in US spelling


class FormulaTarget(Target):
    options: list[str] = Field(description="the gold mass first, then three miscounted masses")


def _mass(atoms: dict) -> Decimal:
    return Decimal(str(sum(element.mass * count for element, count in atoms.items()))).quantize(
        Decimal("0.01"), ROUND_HALF_UP)


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
                           "two decimals; the options are the exact mass and three masses with one atom miscounted.")
def molar_mass_target(args: FormulaArgs) -> FormulaTarget:
    text, atoms = parse_formula(args.formula)
    if args.element and SPELLINGS.get(args.element.lower(), args.element.lower()) not in {e.name for e in atoms}:
        raise ValueError(f"{text!r} holds no {args.element}, which the compound was asked to hold")
    gold = _mass(atoms)
    wrong = set()
    for element in atoms:
        for step in (1, -1, 2):
            changed = {**atoms, element: atoms[element] + step}
            if changed[element] >= 1:
                wrong.add(_mass(changed))
    wrong = sorted(w for w in wrong if abs(w - gold) >= Decimal("0.5"))
    distractors = random.Random(f"molar:{args.seed}").sample(wrong, 3) if len(wrong) >= 3 else wrong
    if len(distractors) < 3:
        raise ValueError(f"{text!r} leaves too few miscounted masses for distractors")
    parts = ", ".join(f"{int(n)} {el.symbol} x {el.mass}" for el, n in atoms.items())
    return FormulaTarget(
        goal=f"the molar mass of {text} in g/mol, rounded to two decimal places", answer=str(gold),
        context=f"Compound: {text}. Use standard atomic masses.", facts=f"{text}: {parts} = {gold} g/mol",
        label_pool=[], query={"formula": text}, options=[str(gold), *map(str, distractors)])
