"""Independent solver for answers an LLM wrote, and the deterministic rule for when two answers agree."""

import base64
import math
import re

import dspy

from benchagent.program.executor.item import LETTERS, Item
from benchagent.signatures import SolveImageSample, SolveSample

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_YES = frozenset({"yes", "y", "true", "correct", "right"})
_NO = frozenset({"no", "n", "false", "incorrect", "wrong"})
_LETTER = re.compile(r"(?:option\s+)?\(?([a-j])\)?[.:]?(?:\s+(.*))?")


def _normal(text: str) -> str:
    """Case, spacing and punctuation dropped; numbers kept whole ("1,000.5" -> "1000.5")."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.lower())
    return " ".join(re.findall(r"[-+]?\d+(?:\.\d+)?|[^\W_]+", text))


def _number(text: str) -> str | None:
    """The one number a reply states, or None when it states none or several."""
    found = _NUMBER.findall(_normal(text))
    return found[0] if len(found) == 1 else None


def _numbers_agree(gold: str, predicted: str) -> bool:
    """Equal within float noise, or equal once the reply is rounded to the gold's decimals (3.14159 for 3.14)."""
    g, p = _number(gold), _number(predicted)
    if g is None or p is None:
        return False
    decimals = len(g.partition(".")[2])
    return math.isclose(float(g), float(p), rel_tol=1e-9, abs_tol=1e-9) or (
        decimals > 0 and abs(round(float(p), decimals) - float(g)) < 10 ** -(decimals + 3))


def _polarity(text: str) -> str | None:
    first = (_normal(text).split() or [""])[0]
    return "yes" if first in _YES else "no" if first in _NO else None


def _same(a: str, b: str) -> bool:
    na, nb = _normal(a), _normal(b)
    if na == nb:
        return True
    if _NUMBER.fullmatch(na):
        return _numbers_agree(a, b)
    return len(na.split()) == len(nb.split()) == 1 and _polarity(a) is not None and _polarity(a) == _polarity(b)


def _chosen(predicted: str, options: list[str]) -> int | None:
    """The option a reply picks, by its text or by its letter ("B", "(b)", "B. 42", "option B")."""
    by_text = [i for i, option in enumerate(options) if _normal(option) == _normal(predicted)]
    if len(by_text) == 1:
        return by_text[0]
    match = _LETTER.fullmatch(predicted.strip().lower())
    if match and LETTERS.lower().index(match[1]) < len(options):
        index = LETTERS.lower().index(match[1])
        if not match[2] or _same(options[index], match[2]):
            return index
    by_value = [i for i, option in enumerate(options) if _same(option, predicted)]
    return by_value[0] if len(by_value) == 1 else None


def answers_agree(gold: str, predicted: str, options: list[str] | None, answer_type: str) -> bool:
    """Whether a solver's reply means the gold answer: numbers with tolerance, labels up to case and punctuation,
    choices by option text or letter, yes/no by their synonyms."""
    if options:
        picked = _chosen(predicted, options)
        return picked is not None and _normal(options[picked]) == _normal(gold)
    if answer_type == "number":
        return _numbers_agree(gold, predicted)
    if answer_type == "binary":
        return _polarity(gold) is not None and _polarity(gold) == _polarity(predicted)
    return _same(gold, predicted)


def solver_context(item: Item) -> str:
    """What a text-only model under test sees besides the question and options: the image as text, the text context."""
    parts = [f"image shows: {item.facts}"] if item.images else []
    parts += [f"{name}: {value}" for name, value in item.extra_input.items()]
    return "\n".join(parts) or "none"


class Solver(dspy.Module):
    """Answers the item as the model under test would, never seeing the gold answer; a vision model sees the image."""

    def __init__(self, vision: bool = False):
        super().__init__()
        self.vision = vision
        self.solve = dspy.Predict(SolveSample)
        self.solve_image = dspy.Predict(SolveImageSample)

    def forward(self, item: Item) -> str:
        if self.vision and item.images:
            context = "\n".join(f"{name}: {value}" for name, value in item.extra_input.items()) or "none"
            return self.solve_image(context=context, question=item.question, options=item.options or [],
                                    image=as_image(item)).answer
        return self.solve(context=solver_context(item), question=item.question, options=item.options or []).answer


def as_image(item: Item) -> dspy.Image:
    """The item's first image as DSPy sends it to a vision model."""
    png = next(iter(item.images.values()))
    return dspy.Image(f"data:image/png;base64,{base64.b64encode(png).decode()}")
