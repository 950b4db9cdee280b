"""Question targets over chart data: what to ask and the exact answer, computed from the data itself."""

import random

from pydantic import Field, model_validator

from benchagent.program.tools.registry import ToolInput, tool
from benchagent.program.tools.targets import Target, narrowed, pick_comparison, unique_extreme

CHART_ASKS = {"value": ("value of", "value for", "read values", "reading values", "single value", "look up",
                        "lookup", "exact value", "exact values"),
              "difference": ("difference", "how much more", "how much larger", "how much less", "how much taller",
                             "how much higher", "how much shorter", "compare", "comparison", "two bars", "two values"),
              "largest": ("maximum", "largest value", "highest value", "biggest value", "max value",
                          "tallest"),
              "smallest": ("minimum", "smallest value", "lowest value", "min value", "shortest bar")}


# the words that ask for the category holding the largest or smallest value ('which month was wettest')
SUPERLATIVES = {"largest": ("most", "highest", "largest", "biggest", "greatest", "tallest", "longest bar", "wettest",
                            "rainiest", "hottest", "warmest", "busiest", "sunniest", "most popular", "best-selling",
                            "peak"),
                "smallest": ("least", "fewest", "lowest", "smallest", "shortest", "driest", "coldest", "coolest",
                             "quietest", "least popular")}


class ChartTargetArgs(ToolInput):
    title: str
    categories: list[str] = Field(min_length=2)
    values: list[int] = Field(min_length=2)
    seed: int
    y_label: str = Field("", description="what the values measure, as the y axis says")
    asks: list[str] | None = Field(None, description="the kinds of question allowed (default: every kind)")
    nearest: int | None = Field(None, ge=1, le=10**6, description="round a number answer to the nearest multiple "
                                                                  "of this (10 for 'to the nearest ten')")

    @model_validator(mode="after")
    def _aligned(self):
        if len(self.categories) != len(self.values):
            raise ValueError(f"{len(self.categories)} categories but {len(self.values)} values")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must be distinct")
        return self


def _number(args: ChartTargetArgs, value: int) -> tuple[str, str]:
    """The number answer, rounded half away from zero to the nearest multiple asked for, and the goal's words
    saying so."""
    if not args.nearest:
        return str(value), ""
    magnitude = (abs(value) + args.nearest // 2) // args.nearest * args.nearest
    return str(magnitude if value >= 0 else -magnitude), f", rounded to the nearest {args.nearest}"


def _target(args: ChartTargetArgs, answer_kind: str) -> Target:
    rng = random.Random(args.seed)
    data = dict(zip(args.categories, args.values, strict=True))
    chart = f"the chart '{args.title}'"
    measure = f"; its y axis shows {args.y_label}" if args.y_label else ""
    common = {"context": f"an image of a chart titled '{args.title}'{measure}", "label_pool": list(data),
              "facts": f"chart '{args.title}': " + ", ".join(f"{c} = {v}" for c, v in data.items())}
    if answer_kind == "label":
        extremes = {k: [k] if unique_extreme(data, k == "largest") is not None else [] for k in ("largest", "smallest")}
        if not any(extremes.values()):
            raise ValueError("no unique largest or smallest value to ask about")
        kind = rng.choice([k for k, unique in narrowed(extremes, args.asks).items() if unique])
        answer = unique_extreme(data, kind == "largest")
        return Target(goal=f"which category has the {kind} value in {chart}; the answer is a category name",
                      answer=answer, query={"kind": kind}, **common)
    if answer_kind == "binary":
        a, b = pick_comparison(data, args.seed)
        return Target(goal=f"whether the value for '{a}' is greater than the value for '{b}' in {chart} "
                           "(answer yes or no)",
                      answer="yes" if data[a] > data[b] else "no", query={"kind": "greater", "pair": [a, b]}, **common)
    kinds = narrowed({"value": list(data), "difference": [(a, b) for a in data for b in data if data[a] > data[b]],
                      "largest": [max(data.values())], "smallest": [min(data.values())]},
                     args.asks, default=("value", "difference"))
    extremes = [k for k in ("largest", "smallest") if kinds.get(k)]
    if extremes and not ({"value", "difference"} & set(kinds) and rng.random() < 0.5):
        kind = rng.choice(extremes)
        answer, rounding = _number(args, kinds[kind][0])
        return Target(goal=f"the {kind} value shown in {chart} (not which category holds it){rounding}; the answer "
                           "is a number", answer=answer, query={"kind": kind}, **common)
    pairs = kinds.get("difference")
    if pairs and ("value" not in kinds or rng.random() < 0.3):
        a, b = rng.choice(pairs)
        answer, rounding = _number(args, data[a] - data[b])
        return Target(goal=f"how much larger the value for '{a}' is than the value for '{b}' in {chart}{rounding}; "
                           "the answer is a number",
                      answer=answer, query={"kind": "difference", "pair": [a, b]}, **common)
    category = rng.choice(list(data))
    answer, rounding = _number(args, data[category])
    return Target(goal=f"the value shown for '{category}' in {chart}{rounding}; the answer is a number",
                  answer=answer, query={"kind": "value", "category": category}, **common)


@tool("chart_number_target",
      "Choose a value or a difference to ask about in a chart's data; the answer is the exact number.",
      asks=CHART_ASKS)
def chart_number_target(args: ChartTargetArgs) -> Target:
    return _target(args, "number")


@tool("chart_label_target", "Ask which category holds the unique largest or smallest value; the answer is its label.",
      asks={kind: CHART_ASKS[kind] + words for kind, words in SUPERLATIVES.items()})
def chart_label_target(args: ChartTargetArgs) -> Target:
    return _target(args, "label")


@tool("chart_binary_target", "Ask whether one category's value exceeds another's; the answer is yes or no.")
def chart_binary_target(args: ChartTargetArgs) -> Target:
    return _target(args, "binary")
