"""Question targets over chart data: what to ask and the exact answer, computed from the data itself."""

import random
from pydantic import Field, model_validator

from benchagent.program.tools.registry import ToolInput, ToolOutput, tool


class ChartTargetArgs(ToolInput):
    title: str
    categories: list[str] = Field(min_length=2)
    values: list[int] = Field(min_length=2)
    seed: int

    @model_validator(mode="after")
    def _aligned(self):
        if len(self.categories) != len(self.values):
            raise ValueError(f"{len(self.categories)} categories but {len(self.values)} values")
        return self


class ChartTarget(ToolOutput):
    goal: str = Field(description="what the question must ask, without the answer")
    answer: str
    context: str = Field(description="what the model under test sees besides the question")
    facts: str = Field(description="the chart's data as text, for text-only checkers")
    label_pool: list[str] = Field(description="labels a label answer is chosen among")


def _unique_extreme(values: list[int], pick) -> int | None:
    best = pick(values)
    return values.index(best) if values.count(best) == 1 else None


def _target(args: ChartTargetArgs, answer_kind: str) -> ChartTarget:
    rng = random.Random(args.seed)
    cats, vals = args.categories, args.values
    facts = f"chart '{args.title}': " + ", ".join(f"{c} = {v}" for c, v in zip(cats, vals))
    context = f"an image of a chart titled '{args.title}'"
    if answer_kind == "label":
        kinds = [k for k, pick in (("largest", max), ("smallest", min)) if _unique_extreme(vals, pick) is not None]
        if not kinds:
            raise ValueError("no unique largest or smallest value to ask about")
        kind = rng.choice(kinds)
        index = _unique_extreme(vals, max if kind == "largest" else min)
        goal = f"which category has the {kind} value in the chart '{args.title}'; the answer is a category name"
        return ChartTarget(goal=goal, answer=cats[index], context=context, facts=facts, label_pool=list(cats))
    pairs = [(i, j) for i in range(len(vals)) for j in range(len(vals)) if vals[i] > vals[j]]
    if answer_kind == "binary":
        if not pairs:
            raise ValueError("all values are equal; nothing to compare")
        i, j = rng.choice(pairs)
        if rng.random() < 0.5:
            i, j = j, i
        goal = (f"whether the value for '{cats[i]}' is greater than the value for '{cats[j]}' in the chart "
                f"'{args.title}' (answer yes or no)")
        answer = "yes" if vals[i] > vals[j] else "no"
    elif pairs and rng.random() < 0.3:
        i, j = rng.choice(pairs)
        goal = (f"how much larger the value for '{cats[i]}' is than the value for '{cats[j]}' in the chart "
                f"'{args.title}'; the answer is a number")
        answer = str(vals[i] - vals[j])
    else:
        i = rng.randrange(len(cats))
        goal = f"the value shown for '{cats[i]}' in the chart '{args.title}'; the answer is a number"
        answer = str(vals[i])
    return ChartTarget(goal=goal, answer=answer, context=context, facts=facts, label_pool=list(cats))


@tool("chart_number_target", "Choose a value or a difference to ask about in a chart's data; the answer is the exact number.")
def chart_number_target(args: ChartTargetArgs) -> ChartTarget:
    return _target(args, "number")


@tool("chart_label_target", "Ask which category holds the unique largest or smallest value; the answer is its label.")
def chart_label_target(args: ChartTargetArgs) -> ChartTarget:
    return _target(args, "label")


@tool("chart_binary_target", "Ask whether one category's value exceeds another's; the answer is yes or no.")
def chart_binary_target(args: ChartTargetArgs) -> ChartTarget:
    return _target(args, "binary")
