"""The output every question-target tool shares: what to ask, the exact answer, what the model under test
sees, and the query as data so the answer can be recomputed."""

import random
import re
from typing import Any

from pydantic import Field

from benchagent.program.tools.registry import ToolOutput


class Target(ToolOutput):
    goal: str = Field(description="what the question must ask, without the answer")
    answer: str
    context: str = Field(description="what the model under test sees besides the question")
    facts: str = Field(description="the source data as text, for text-only checkers")
    label_pool: list[str] = Field(description="labels a label answer is chosen among")
    query: dict[str, Any] = Field(description="what is asked, as data")


def narrowed(kinds: dict[str, list], asks: list[str] | None, default: tuple[str, ...] = ()) -> dict[str, list]:
    """The kinds of question a target may ask: those `asks` names (a plan narrows a target to what the requirement
    states), else the default ones (all when none are given); none left to ask is an error."""
    if not asks:
        return {k: v for k, v in kinds.items() if k in default} if default else kinds
    unknown = set(asks) - set(kinds)
    if unknown:
        raise ValueError(f"unknown kinds of question {sorted(unknown)}; this target asks {sorted(kinds)}")
    kept = {k: v for k, v in kinds.items() if k in asks}
    if not any(kept.values()):
        raise ValueError(f"this input allows no question of the kinds {sorted(asks)}")
    return kept


def mentions(text: str, value: str) -> bool:
    """Whole-token, case-insensitive occurrence of value in text (so '4' is not found in '45' or '4.5')."""
    value = value.strip()
    return bool(value) and re.search(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)", text, re.IGNORECASE) is not None


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def unique_extreme(values: dict[str, Any], largest: bool) -> str | None:
    """The key holding the unique largest (or smallest) value, or None on a tie."""
    best = (max if largest else min)(values.values())
    keys = [k for k, v in values.items() if v == best]
    return keys[0] if len(keys) == 1 else None


def pick_comparison(values: dict[str, Any], seed: int) -> tuple[str, str]:
    """Two keys with different values, in random order (so either answer, yes or no, is as likely)."""
    pairs = [(a, b) for a in values for b in values if values[a] > values[b]]
    if not pairs:
        raise ValueError("all quantities are equal")
    rng = random.Random(seed)
    a, b = rng.choice(pairs)
    return (b, a) if rng.random() < 0.5 else (a, b)
