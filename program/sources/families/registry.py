"""The generator registry: a family module registers each generator with its card and recipe by @generator; the
card's tools and the recipe's tools and record fields are checked then, so a misspelt name fails at import."""

import json
import random
from collections.abc import Callable
from typing import Any, NamedTuple

from benchagent.program.sources.cards import SourceCard
from benchagent.program.tools import get_tool
from benchagent.signatures import ANSWER_TYPES, TransformPlan

SIZE = 10_000

Make = Callable[[random.Random], dict[str, Any]]
Recipe = Callable[[str], TransformPlan | None]  # answer type -> the plan making items of it, or None if it cannot
Picks = Callable[[str], dict[str, list[str]]]   # a requirement's words -> the records they ask for, as a plan's where
Fit = Callable[[TransformPlan], TransformPlan]  # a plan -> the plan asking about the fields its where and within keep


class Generator(NamedTuple):
    """A generator source: its card, `make(rng)` giving one record, the recipe turning records into items, what
    makes two records the same (`identity(record)`), which records a requirement's words ask for (`picks`), and how a
    plan asks about the fields it picks records by (`fit`)."""

    card: SourceCard
    make: Make
    recipe: Recipe
    identity: Callable[[dict[str, Any]], str]
    picks: Picks
    fit: Fit


GENERATORS: dict[str, Generator] = {}


def whole_record(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True)


def plans(recipe: Recipe) -> dict[str, TransformPlan]:
    """The recipe's plan for every answer type it can make."""
    return {kind: plan for kind in ANSWER_TYPES if (plan := recipe(kind)) is not None}


def fields_read(plan: TransformPlan) -> set[str]:
    """The record fields (`original.*`) a plan's steps read."""
    refs = (ref.partition(":")[0] for step in plan.steps for ref in step.inputs)
    return {ref.removeprefix("original.") for ref in refs if ref.startswith("original.")}


def _check(card: SourceCard, recipe: Recipe) -> None:
    """Every tool the card lists (bar the recipe's LLM steps) or a PURE step runs is registered (ToolError otherwise);
    every field a plan reads is on the card."""
    by_kind = plans(recipe)
    llm_steps = {step.tool for plan in by_kind.values() for step in plan.steps if step.kind == "LLM"}
    for name in set(card.tools) - llm_steps:
        get_tool(name)
    for kind, plan in by_kind.items():
        for step in plan.steps:
            if step.kind == "PURE":
                get_tool(step.tool)
        if missing := fields_read(plan) - set(card.fields):
            raise ValueError(f"{card.id}: the {kind} recipe reads fields the card lacks: {sorted(missing)}")


def every_record(_: str) -> dict[str, list[str]]:
    return {}


def as_planned(plan: TransformPlan) -> TransformPlan:
    return plan


def generator(card: SourceCard, recipe: Recipe, identity: Callable[[dict[str, Any]], str] = whole_record,
              picks: Picks = every_record, fit: Fit = as_planned) -> Callable[[Make], Make]:
    """Register `make(rng) -> record` as the generator of card, its records made into items by recipe."""

    def register(make: Make) -> Make:
        if card.id in GENERATORS:
            raise ValueError(f"generator {card.id} is already registered")
        _check(card, recipe)
        GENERATORS[card.id] = Generator(card, make, recipe, identity, picks, fit)
        return make

    return register
