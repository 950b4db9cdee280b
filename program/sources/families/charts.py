"""The chart family: bar, line and pie chart data with each record's answers, drawn exactly by the bar_chart,
line_chart and pie_chart tools."""

import json
import random
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families.chart_themes import BAR_THEMES, LINE_THEMES, PIE_THEMES, X_AXES, theme_field
from benchagent.program.sources.families.plans import OPTION_TOOLS, PHRASE, PLACE_GOLD, TARGET_OUTPUTS, answer_output
from benchagent.program.sources.families.registry import SIZE, generator
from benchagent.program.sources.families.words import PLACES
from benchagent.signatures import PlanStep, TransformPlan

_TARGET = {"number": "chart_number_target", "choice": "chart_number_target",
           "label": "chart_label_target", "binary": "chart_binary_target"}


@dataclass(frozen=True)


class ChartRecipe:
    """Target (exact answer from the chart's data) -> chart drawn -> numeric options, for choice -> question."""

    chart: str  # the tool drawing it
    labels: str  # the record field holding its labels
    axis: list[str]  # the record fields naming its axis, passed to target and chart
    kinds: frozenset[str] = frozenset(_TARGET)
    ordered: bool = False  # its labels are consecutive times: the target may ask the largest rise or fall
    shown: bool = False  # it prints every value: a number question computes one from them

    def _target_inputs(self) -> list[str]:
        labels = f"original.{self.labels}"
        return ["original.title", f"{labels}:categories", "original.values", "slot.seed", *self.axis,
                *(["=true:ordered"] if self.ordered else []), *(["=true:shown"] if self.shown else [])]

    def __call__(self, answer_type: str) -> TransformPlan | None:
        if answer_type not in self.kinds:
            return None
        labels = f"original.{self.labels}"
        steps = [
            PlanStep(kind="PURE", tool=_TARGET[answer_type], inputs=self._target_inputs(),
                     outputs=[*TARGET_OUTPUTS, answer_output(answer_type)],
                     instruction="choose what to ask and compute the exact answer"),
            PlanStep(kind="PURE", tool=self.chart, inputs=["original.title", labels, "original.values", *self.axis],
                     outputs=["final.input.image:image"], instruction="draw the chart from the record's data"),
        ]
        if answer_type == "choice":
            steps += [
                PlanStep(kind="PURE", tool="number_options",
                         inputs=["interim.answer", "slot.seed", "original.resolution:step"],
                         outputs=["interim.options"], instruction="make distinct numeric distractors near the answer"),
                PLACE_GOLD,
            ]
        steps.append(PHRASE)
        return TransformPlan(kind="metadata_rich", steps=steps)

    def target_tools(self) -> dict[str, str]:
        """Answer type -> the tool choosing what to ask."""
        return {kind: tool for kind, tool in _TARGET.items() if kind in self.kinds}

    def choice_from(self, answer_type: str) -> TransformPlan | None:
        """Choice items asking what the target of answer_type asks: numbers near the number target's answer, other
        labels beside the label target's."""
        return {"number": self("choice"), "label": self.named_choice()}.get(answer_type)

    def named_choice(self) -> TransformPlan | None:
        """Choice items whose options are the chart's labels: which one holds the largest or smallest value (or, on
        a time axis, the largest rise or fall)."""
        if "label" not in self.kinds:
            return None
        labels = f"original.{self.labels}"
        return TransformPlan(kind="metadata_rich", steps=[
            PlanStep(kind="PURE", tool=_TARGET["label"], inputs=self._target_inputs(),
                     outputs=[*TARGET_OUTPUTS, answer_output("choice"), "interim.label_pool"],
                     instruction="choose what to ask and compute the exact answer"),
            PlanStep(kind="PURE", tool=self.chart, inputs=["original.title", labels, "original.values", *self.axis],
                     outputs=["final.input.image:image"], instruction="draw the chart from the record's data"),
            PlanStep(kind="PURE", tool="label_options",
                     inputs=["interim.answer", "interim.label_pool:pool", "slot.seed"],
                     outputs=["interim.options"], instruction="offer other labels of the chart as distractors"),
            PLACE_GOLD, PHRASE])

    def identity(self, record: dict[str, Any]) -> str:
        """Two charts are the same when their theme, labels and values are."""
        return json.dumps([record["theme"], record[self.labels], record["values"]])


BAR = ChartRecipe("bar_chart", "categories", ["original.y_label"])
LINE = ChartRecipe("line_chart", "x_labels", ["original.y_label"], ordered=True)
# A pie chart's legend prints its shares: a number question adds or subtracts them, never reads one off.
PIE = ChartRecipe("pie_chart", "labels", [], shown=True)
_AXES_FIELDS = {
    "title": "str: chart title", "y_label": "str: y axis label", "unit": "str: value unit",
    "resolution": "int: every value is a multiple of it, half a gridline step when drawn",
}
_PAIR_FIELDS = {"pair": "list[str]: two labels, larger value first",
                "difference": "int: value of pair[0] minus pair[1]"}


def _title(rng: random.Random, template: str) -> str:
    """The theme's title for a random place and year, so that charts of one theme rarely share a title."""
    place = template.format(**{k: rng.choice(v) for k, v in PLACES.items() if "{" + k + "}" in template})
    return f"{place}, {rng.randint(2004, 2025)}"


def _pick(rng: random.Random, pool: list[str], n: int, consecutive: bool) -> list[str]:
    if consecutive:
        start = rng.randrange(len(pool) - n + 1)
        return pool[start:start + n]
    return rng.sample(pool, n)


def _pair(rng: random.Random, labels: list[str], values: list[int]) -> dict[str, Any]:
    """Two labels with different values, larger first, and their difference."""
    a, b = rng.choice([(a, b) for a in range(len(values)) for b in range(len(values)) if values[a] > values[b]])
    return {"pair": [labels[a], labels[b]], "difference": values[a] - values[b]}


@generator(SourceCard(
    id="gen_bar_chart_values", name="bar_chart_values", kind="generator", modalities=["image", "table"],
    description="Generated bar chart data on everyday themes (monthly sales, town populations in thousands, "
                "fruit harvests, favourite sports, electricity by source ...): 3-7 categories with distinct "
                "integer values, drawn exactly by the bar_chart tool. Answers for a category's value, the "
                "largest and smallest category, the total and the difference of two categories come with "
                "each record.",
    fields={"theme": theme_field(BAR_THEMES), **_AXES_FIELDS, "categories": "list[str]: 3-7 bar labels",
            "bars": "int: how many bars, 3-7", "values": "list[int]: distinct",
            "max_category": "str", "min_category": "str", "total": "int", **_PAIR_FIELDS},
    size=SIZE, license="generated",
    keywords=["bar chart", "chart reading", "chart QA", "compare values", "maximum", "difference",
              "visual reasoning", "statistics"],
    tools=["bar_chart", *OPTION_TOOLS]), BAR, BAR.identity)


def bar_chart_values(rng: random.Random) -> dict[str, Any]:
    key, template, pool, consecutive, y_label, unit, steps = rng.choice(BAR_THEMES)
    n, step, top = rng.randint(3, 7), rng.choice(steps), rng.randint(5, 8)
    half = step // 2
    # distinct multiples of half a gridline step; the largest lies in the top interval so the axis ends there
    units = rng.sample(range(1, 2 * top - 1), n - 1) + [rng.choice((2 * top - 1, 2 * top))]
    rng.shuffle(units)
    values = [u * half for u in units]
    categories = _pick(rng, pool, n, consecutive)
    return {
        "theme": key, "title": _title(rng, template), "y_label": y_label, "unit": unit, "resolution": half,
        "categories": categories, "bars": n, "values": values,
        "max_category": categories[values.index(max(values))], "min_category": categories[values.index(min(values))],
        "total": sum(values), **_pair(rng, categories, values),
    }


def _walk(rng: random.Random, n: int, top: int) -> list[int]:
    """A random walk in half-gridline units whose maximum lies in the top interval, with a unique maximum,
    minimum and largest rise."""
    while True:
        walk = [0]
        for _ in range(n - 1):
            walk.append(walk[-1] + rng.choice((-3, -2, -1, 1, 2, 3, 4)))
        high = rng.choice((2 * top - 1, 2 * top))
        units = [u + high - max(walk) for u in walk]
        rises = [b - a for a, b in pairwise(units)]
        if (min(units) >= 1 and units.count(max(units)) == 1 and units.count(min(units)) == 1
                and max(rises) > 0 and rises.count(max(rises)) == 1):
            return units


@generator(SourceCard(
    id="gen_line_chart_values", name="line_chart_values", kind="generator", modalities=["image", "table"],
    description="Generated line chart data: one integer series over 5-12 consecutive months, weekdays, "
                "hours or years (museum visitors, revenue, bike rentals, reservoir levels, rainfall ...), drawn "
                "exactly by the line_chart tool. Answers for a point's value, the peak and lowest point, "
                "the net change, the largest rise between neighbours and the difference of two points come "
                "with each record.",
    fields={"theme": theme_field(LINE_THEMES), **_AXES_FIELDS, "x_labels": "list[str]: consecutive time labels",
            "values": "list[int]",
            "max_label": "str", "min_label": "str", "net_change": "int: last minus first value",
            "largest_rise": "object: from, to, amount", **_PAIR_FIELDS},
    size=SIZE, license="generated",
    keywords=["line chart", "time series", "trend", "chart reading", "chart QA", "peak", "change over time",
              "visual reasoning"],
    tools=["line_chart", *OPTION_TOOLS]), LINE, LINE.identity)


def line_chart_values(rng: random.Random) -> dict[str, Any]:
    key, template, axis, y_label, unit, steps = rng.choice(LINE_THEMES)
    labels = X_AXES[axis]
    n = rng.randint(5, min(12, len(labels)))
    step, top = rng.choice(steps), rng.randint(6, 8)
    values = [u * (step // 2) for u in _walk(rng, n, top)]
    x_labels = _pick(rng, labels, n, consecutive=True)
    rises = [b - a for a, b in pairwise(values)]
    i = rises.index(max(rises))
    return {
        "theme": key, "title": _title(rng, template), "y_label": y_label, "unit": unit, "resolution": step // 2,
        "x_labels": x_labels, "values": values,
        "max_label": x_labels[values.index(max(values))], "min_label": x_labels[values.index(min(values))],
        "net_change": values[-1] - values[0],
        "largest_rise": {"from": x_labels[i], "to": x_labels[i + 1], "amount": rises[i]},
        **_pair(rng, x_labels, values),
    }


@generator(SourceCard(
    id="gen_pie_chart_shares", name="pie_chart_shares", kind="generator", modalities=["image", "table"],
    description="Generated pie chart data: 3-6 labelled shares in whole, distinct percentages summing to 100 "
                "(household budgets, survey answers, energy mix, land use ...), drawn by the pie_chart tool "
                "with a percentage legend. Grounds the largest and smallest share, the difference of two shares "
                "in percentage points and the sum of the two largest or smallest shares, computed from the data.",
    fields={"theme": theme_field(PIE_THEMES), "title": "str: chart title", "labels": "list[str]: 3-6 slice labels",
            "slices": "int: how many slices, 3-6", "resolution": "int: 1, shares are whole percentages",
            "values": "list[int]: percentages, distinct, sum 100", "unit": "str: percent",
            "largest": "str", "smallest": "str", **_PAIR_FIELDS},
    size=SIZE, license="generated",
    keywords=["pie chart", "proportions", "percentages", "shares", "chart reading", "chart QA",
              "visual reasoning"],
    tools=["pie_chart", *OPTION_TOOLS]), PIE, PIE.identity)


def pie_chart_shares(rng: random.Random) -> dict[str, Any]:
    key, template, pool = rng.choice(PIE_THEMES)
    n = rng.randint(3, 6)
    while True:
        cuts = sorted(rng.sample(range(1, 100), n - 1))
        shares = [b - a for a, b in pairwise([0, *cuts, 100])]
        if min(shares) >= 4 and len(set(shares)) == n:
            break
    labels = rng.sample(pool, n)
    return {
        "theme": key, "title": _title(rng, template), "labels": labels, "slices": n, "resolution": 1,
        "values": shares, "unit": "percent",
        "largest": labels[shares.index(max(shares))], "smallest": labels[shares.index(min(shares))],
        **_pair(rng, labels, shares),
    }
