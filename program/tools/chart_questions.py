"""Question targets over chart data: what to ask and the exact answer, computed from the data itself."""

import random
import re
from itertools import pairwise

from pydantic import Field, model_validator

from benchagent.program.tools.registry import ToolInput, tool
from benchagent.program.tools.targets import Target, narrowed, pick_comparison, unique_extreme

CHART_ASKS = {"value": ("value of", "value for", "read values", "reading values", "single value", "look up",
                        "lookup", "exact value", "exact values"),
              "difference": ("difference", "how much more", "how much larger", "how much less", "how much taller",
                             "how much higher", "how much shorter", "compare", "comparison", "two bars", "two values"),
              "largest": ("maximum", "largest value", "highest value", "biggest value", "max value",
                          "tallest"),
              "smallest": ("minimum", "smallest value", "lowest value", "min value", "shortest bar"),
              # the largest value less the smallest: 'how much bigger the tallest bar is vs the shortest'; its words
              # hold the superlatives' ('tallest'), so that those are not named apart, and the comparisons'
              "range": ("range of the values", "value range", "tallest ... shortest", "tallest ... shortest bar",
                        "highest ... lowest", "highest value ... lowest value", "largest ... smallest",
                        "largest value ... smallest value", "biggest ... smallest", "biggest value ... smallest value",
                        "maximum ... minimum", "max ... min", "max value ... min value", "vs the shortest",
                        "than the shortest", "than the smallest", "than the lowest", "compare", "comparison",
                        "highest ... lowest value", "largest ... smallest value", "tallest ... shortest value",
                        *(f"difference between the {high} ... {low}" for high, low in (
                            ("highest", "lowest"), ("largest", "smallest"), ("tallest", "shortest"),
                            ("maximum", "minimum"), ("biggest", "smallest"), ("max", "min")))),
              # the sum of the two largest (smallest) values: 'what % do the 2 smallest slices make together'
              "two largest": ("two largest", "2 largest", "largest two", "two biggest", "2 biggest", "biggest two",
                              "two highest", "2 highest", "highest two", "top two", "top 2"),
              "two smallest": ("two smallest", "2 smallest", "smallest two", "two lowest", "2 lowest", "lowest two",
                               "bottom two", "bottom 2")}


# the words that ask for the time whose value rose (fell) most from the one before ('which month had the biggest
# increase compared to the month before'); only a chart whose labels are consecutive times has one
CHANGES = {"rise": ("biggest increase", "largest increase", "greatest increase", "biggest rise", "largest rise",
                    "greatest rise", "steepest rise", "sharpest rise", "biggest jump", "largest jump",
                    "increased the most", "increased most", "rose the most", "rose most", "grew the most", "grew most",
                    "biggest growth", "largest growth"),
           "fall": ("biggest decrease", "largest decrease", "greatest decrease", "biggest drop", "largest drop",
                    "greatest drop", "steepest drop", "sharpest drop", "biggest fall", "largest fall",
                    "biggest decline", "largest decline", "decreased the most", "dropped the most", "fell the most",
                    "fell most")}
# a change from the one before, rise or fall alike ('compared to the month before')
NEIGHBOUR = ("month before", "previous month", "month-over-month", "month over month", "one before", "day before",
             "previous day", "year before", "previous year", "hour before", "from one month to the next")
CHANGES = {kind: words + NEIGHBOUR for kind, words in CHANGES.items()}
CHANGE_WORDS = re.compile(r"\b(?:increas|rise|rose|risen|rising|jump|grew|grow|gain|climb|decreas|drop|fall|fell|"
                          r"declin|lost|loss|change)", re.I)
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
    ordered: bool = Field(False, description="the categories are consecutive times (a line chart's x axis), so a "
                                             "value's change from the one before is asked")
    shown: bool = Field(False, description="the chart prints every value (a pie chart's legend), so a number "
                                           "question computes one from them and never reads one off")

    @model_validator(mode="after")
    def _aligned(self):
        if len(self.categories) != len(self.values):
            raise ValueError(f"{len(self.categories)} categories but {len(self.values)} values")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must be distinct")
        return self


TIME_UNITS = {"month": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
              "day": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def _time_unit(labels: list[str]) -> str:
    """What a time axis's labels are ('month' for Jan, Feb ...; 'year' for 2019, 2020 ...), else 'point'."""
    for unit, names in TIME_UNITS.items():
        if all(label[:3].title() in names for label in labels):
            return unit
    if all(re.fullmatch(r"\d{4}", label) for label in labels):
        return "year"
    return "hour" if all(re.fullmatch(r"\d{1,2}:00", label) for label in labels) else "point"


def _changes(args: ChartTargetArgs) -> dict[str, tuple[str, str] | None]:
    """The neighbours (before, after) between which the value rises most and falls most, each None when no change of
    that sign is the unique largest."""
    steps = [(b - a, before, after) for (before, a), (after, b) in pairwise(zip(args.categories, args.values,
                                                                                 strict=True))]
    found = {}
    for kind, sign in (("rise", 1), ("fall", -1)):
        sized = [(sign * change, before, after) for change, before, after in steps if sign * change > 0]
        best = max((size for size, *_ in sized), default=None)
        ends = [(before, after) for size, before, after in sized if size == best]
        found[kind] = ends[0] if len(ends) == 1 else None
    return found


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
        changes = _changes(args) if args.ordered else {"rise": None, "fall": None}
        extremes |= {k: [k] if change else [] for k, change in changes.items()}
        if not any(extremes.values()):
            raise ValueError("no unique largest or smallest value to ask about")
        kind = rng.choice([k for k, unique in narrowed(extremes, args.asks, default=("largest", "smallest")).items()
                           if unique])
        if kind in changes:
            before, label = changes[kind]
            grew, time = "rose" if kind == "rise" else "fell", _time_unit(args.categories)
            return Target(goal=f"which {time}'s value {grew} the most from the {time} just before it in {chart} "
                               f"(the {time} the change ends at, not the {time} with the "
                               f"{'highest' if kind == 'rise' else 'lowest'} value); the answer is a {time} as the "
                               f"axis writes it",
                          answer=label, query={"kind": kind, "from": before}, **common)
        answer = unique_extreme(data, kind == "largest")
        return Target(goal=f"which category has the {kind} value in {chart}; the answer is a category name",
                      answer=answer, query={"kind": kind}, **common)
    if answer_kind == "binary":
        a, b = pick_comparison(data, args.seed)
        return Target(goal=f"whether the value for '{a}' is greater than the value for '{b}' in {chart} "
                           "(answer yes or no)",
                      answer="yes" if data[a] > data[b] else "no", query={"kind": "greater", "pair": [a, b]}, **common)
    ranked = sorted(data.values())
    kinds = {"value": list(data), "difference": [(a, b) for a in data for b in data if data[a] > data[b]],
             "largest": [ranked[-1]], "smallest": [ranked[0]], "range": [ranked[-1] - ranked[0]],
             "two largest": [sum(ranked[-2:])] if len(ranked) > 2 else [],
             "two smallest": [sum(ranked[:2])] if len(ranked) > 2 else []}
    if args.shown:
        kinds["value"] = []
    kinds = narrowed(kinds, args.asks, default=("difference",) if args.shown else ("value", "difference"))
    if "range" in kinds and (len(kinds) == 1 or rng.random() < 1 / len(kinds)):
        answer, rounding = _number(args, kinds["range"][0])
        return Target(goal=f"how much larger the largest value is than the smallest value in {chart}{rounding}; the "
                           "answer is a number", answer=answer, query={"kind": "range"}, **common)
    sums = [k for k in ("two largest", "two smallest") if kinds.get(k)]
    if sums and (len(sums) == len(kinds) or rng.random() < len(sums) / len(kinds)):
        kind = rng.choice(sums)
        answer, rounding = _number(args, kinds[kind][0])
        return Target(goal=f"the sum of the {kind} values in {chart}, added together{rounding}; the answer is a "
                           "number", answer=answer, query={"kind": kind}, **common)
    extremes = [k for k in ("largest", "smallest") if kinds.get(k)]
    if extremes and not ({"value", "difference"} & set(kinds) and rng.random() < 0.5):
        kind = rng.choice(extremes)
        answer, rounding = _number(args, kinds[kind][0])
        return Target(goal=f"the {kind} value shown in {chart} (not which category holds it){rounding}; the answer "
                           "is a number", answer=answer, query={"kind": kind}, **common)
    pairs = kinds.get("difference")
    if pairs and (not kinds.get("value") or rng.random() < 0.3):
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
      "Choose a value, a difference, an extreme, the range or the sum of the two largest or smallest values to ask "
      "about in a chart's data; the answer is the exact number.",
      asks=CHART_ASKS)
def chart_number_target(args: ChartTargetArgs) -> Target:
    return _target(args, "number")


@tool("chart_label_target", "Ask which category holds the unique largest or smallest value, or, on a time axis, which "
                            "time the value rose or fell most to from the one before; the answer is its label.",
      asks={**{kind: CHART_ASKS[kind] + words for kind, words in SUPERLATIVES.items()}, **CHANGES}, untied=True)
def chart_label_target(args: ChartTargetArgs) -> Target:
    return _target(args, "label")


@tool("chart_binary_target", "Ask whether one category's value exceeds another's; the answer is yes or no.")
def chart_binary_target(args: ChartTargetArgs) -> Target:
    return _target(args, "binary")
