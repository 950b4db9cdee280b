"""Recipe lookup: the plan that turns a generator's records into items of an answer type, where a plan's answer
comes from and how many options it offers."""

import json
import re
from collections.abc import Callable

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families import GENERATORS
from benchagent.program.tools.chart_questions import SUPERLATIVES
from benchagent.signatures import TransformPlan


# A subtask whose items ask for a name: "which category has the tallest bar", "which colour is most common".
ASKS_A_NAME = re.compile(r"\bwhich\s+(?:\w+\s+){0,2}?(?:category|categories|colou?r|shape|kind|bar|label|name|one|"
                         r"person|item)\b|\b(?:tallest|highest|largest|longest|biggest|smallest|lowest|shortest)\s+"
                         r"(?:bar|category)\b|\bmost common\b|\bleast common\b|\bwhich\s+\w+\s+(?:had|has|have|"
                         r"was|is|shows?|sold|got)\s+the\s+(?:most|least|fewest|highest|lowest|largest|smallest|"
                         r"biggest|greatest|tallest)\b|\bwhich\s+(?!value|amount|number|figure|total|reading)\w+\s+(?:was|is|were|had|has|saw|"
                         r"got)\s+(?:the\s+)?(?:"
                         + "|".join(word for words in SUPERLATIVES.values() for word in words) + r")\b")

ASKS_AN_AMOUNT = re.compile(r"\bhow (?:much|many)\b")
# an item asking how much, not which one: 'how much rain fell in the wettest month', 'the highest sales figure'
AMOUNT_WORDS = re.compile(r"\bhow (?:much|many)\b|\b(?:value|amount|figure|total|number of|difference|sum|average)\b"
                          r"|(?<!est )\brise\b")  # 'the rise from May to June', not 'the biggest rise'

ASKS_YES_NO = re.compile(r"\b(?:yes|no|true|false|whether)\b|^\W*(?:is|are|does|do|can|will|was|were)\b")


def recipe_for(card: SourceCard, answer_type: str, about: str = "", requirement: str = "") -> TransformPlan | None:
    """The plan turning this source's records into items of answer_type, or None if it cannot (or is no generator).
    Choice items of a subtask or requirement that asks for a name (`about`: the subtask's name and description;
    'which month had the highest sales') choose among names, from the label target, where the source has one,
    unless the requirement asks for an amount ('how much taller')."""
    generator = GENERATORS.get(card.id)
    if generator is None:
        return None
    named = getattr(generator.recipe, "named_choice", None)
    if answer_type == "choice" and named and ASKS_A_NAME.search(f"{about} {requirement}".lower()) \
            and not ASKS_AN_AMOUNT.search(requirement.lower()):
        return named() or generator.recipe(answer_type)
    return generator.recipe(answer_type)


def asking_recipe(card: SourceCard, answer_type: str, asks: Callable[[str], bool],
                  said: str = "") -> tuple[str, TransformPlan] | None:
    """When the target this generated source uses for answer_type does not ask what the subtask asks (`asks(tool)`)
    and exactly one other of its targets does: the answer type and plan of that one. Choice stays choice, its options
    made around that target's answer; other answer types become that target's. None otherwise, and when `said` (what
    the subtask says) asks yes or no of a binary subtask, or an amount where that target answers with a name."""
    generator = GENERATORS.get(card.id)
    tools = generator.recipe.target_tools() if generator and hasattr(generator.recipe, "target_tools") else {}
    if not tools or (answer_type in tools and asks(tools[answer_type])) or (
            answer_type == "binary" and ASKS_YES_NO.search(said.lower())):
        return None
    others = {tool: kind for kind, tool in tools.items() if kind != "choice" and asks(tool)}
    if len(others) != 1:
        return None
    other = next(iter(others.values()))
    if other == "label" and AMOUNT_WORDS.search(said.lower()):
        return None
    plan = generator.recipe.choice_from(other) if answer_type == "choice" else generator.recipe(other)
    return (answer_type if answer_type == "choice" else other, plan) if plan else None


DEFAULT_OPTIONS = 4
OPTION_COUNT_ARGUMENTS = ("n", "option_count")  # the option tools' argument, and the item writer's input
# Tools that only move a value they are given (the gold among the options): they do not make an answer.
PASS_THROUGH = frozenset({"shuffle_options"})


def answer_origin(plan: TransformPlan) -> str:
    """'tool' when a computing PURE step made final.output.answer (from a record, or from content an LLM proposed and
    the tool checked), 'llm' when an LLM step made it (an LLM-written answer a tool only moved among the options is
    still the LLM's)."""
    made_by = {}
    for step in plan.steps:
        for ref in (o.partition(":")[0] for o in step.outputs):
            made_by[ref] = step
    seen, todo, origin = set(), ["final.output.answer"], "llm"
    while todo:
        step = made_by.get(todo.pop())
        if step is None or id(step) in seen:
            continue
        seen.add(id(step))
        if step.kind == "LLM":
            return "llm"
        if step.tool not in PASS_THROUGH:
            origin = "tool"
            continue
        todo += [i.partition(":")[0] for i in step.inputs]
    return origin


def option_count(plan: TransformPlan) -> int:
    """How many options the plan's choice items offer: the count a step is given as a literal ('=3:n' to a tool,
    '=3:option_count' to the LLM writing the item), else the default."""
    for step in plan.steps:
        for entry in step.inputs:
            value, _, name = entry.rpartition(":")
            if entry.startswith("=") and name in OPTION_COUNT_ARGUMENTS:
                return int(json.loads(value[1:]))
    return DEFAULT_OPTIONS
