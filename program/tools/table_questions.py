"""Question targets over a table whose first column names the rows: lookups, totals, filtered sums and counts,
extremes and comparisons, answered by the exact table operations."""

import random
from collections import Counter
from collections.abc import Callable
from fractions import Fraction

from pydantic import Field

from benchagent.program.tools.arithmetic import decimal_text, round_half_up, terminates
from benchagent.program.tools.registry import tool
from benchagent.program.tools.tables import Condition, TableData, aggregate, cell_text
from benchagent.program.tools.targets import Target, mentions, narrowed, unique_extreme


class TableTargetArgs(TableData):
    title: str
    seed: int
    sum_columns: list[str] | None = Field(None, description="numeric columns whose totals mean something (units, "
                                          "revenue); the others get averages instead; default: every numeric column")
    asks: list[str] | None = Field(None, description="the kinds of question allowed (default: every kind)")
    ask_columns: list[str] | None = Field(None, description="the numeric columns a question may be about (default: "
                                                            "every one)")
    row_scale: bool = Field(False, description="every numeric column holds the same kind of number (marks in "
                                               "subjects), so a row's average across them is asked")
    places: int | None = Field(None, ge=0, le=4, description="decimal places a row's average is rounded to")


def _numeric(args: TableTargetArgs) -> list[str]:
    return [c for i, c in enumerate(args.columns) if all(isinstance(r[i], int) for r in args.rows)]


def _shape(args: TableTargetArgs) -> tuple[str, list[str], list[str]]:
    """The row-naming column, the numeric columns, and the grouping columns (text with repeated values)."""
    label = args.columns[0]
    names = [row[0] for row in args.rows]
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise ValueError(f"the first column {label!r} must name every row uniquely")
    numeric = _numeric(args)
    groups = [c for i, c in enumerate(args.columns[1:], 1)
              if all(isinstance(r[i], str) for r in args.rows) and len({r[i] for r in args.rows}) < len(args.rows)]
    if not numeric:
        raise ValueError("the table has no numeric column")
    if args.ask_columns:
        numeric = [c for c in numeric if c in args.ask_columns]
        if not numeric:
            raise ValueError(f"the table has none of the numeric columns asked: {', '.join(args.ask_columns)}")
    return label, numeric, groups


def _value(args: TableTargetArgs, name: str, column: str) -> int:
    return next(row[args.index(column)] for row in args.rows if row[0] == name)


def _target(args: TableTargetArgs, goal: str, answer: str, query: dict) -> Target:
    lines = (" | ".join(cell_text(v) for v in row) for row in [args.columns, *args.rows])
    facts = f"table '{args.title}': " + "; ".join(lines)
    return Target(goal=goal, answer=answer, context=f"an image of a table titled '{args.title}'", facts=facts,
                  label_pool=[row[0] for row in args.rows], query=query)


def _choose(args: TableTargetArgs, kinds: dict[str, list[Callable[[], tuple[str, str, dict]]]]) -> Target:
    """A seeded pick: a kind of question uniformly, then one of its questions whose goal does not state the answer."""
    rng = random.Random(args.seed)
    order = [k for k in kinds if kinds[k]]
    rng.shuffle(order)
    for kind in order:
        candidates = list(kinds[kind])
        rng.shuffle(candidates)
        for make in candidates:
            goal, answer, query = make()
            if not mentions(goal, answer) and not mentions(args.title, answer):
                return _target(args, goal, answer, query)
    raise ValueError("every question this table allows would state its answer")


def _number(args: TableTargetArgs, agg: str, column: str | None, where: Condition | None) -> str:
    return decimal_text(aggregate(args, agg, column, where))


def _group_values(args: TableTargetArgs, groups: list[str]) -> list[Condition]:
    """A condition for every value that two or more rows share in a grouping column."""
    conditions = []
    for group in groups:
        counts = Counter(row[args.index(group)] for row in args.rows)
        conditions += [Condition(column=group, op="==", value=v) for v in sorted(counts) if counts[v] > 1]
    return conditions


@tool("table_number_target",
      "Ask a cell, a column total, a group's sum or average, a count of rows over a threshold, or a row's average "
      "across its columns; exact.",
      asks={"lookup": ("lookup", "look up", "look-up", "cell", "price of", "value of", "read a value", "find the"),
            "total": ("total", "sum", "add up", "altogether"),
            "count": ("count", "how many rows", "number of rows", "threshold", "how many of the", "strictly above",
                      "strictly greater"),
            "group": ("average", "mean", "group", "category", "per class"),
            "row": ("average ... across", "mean ... across", "across all", "across the subjects", "across subjects",
                    "across every", "row average", "row mean", "student's average", "average of one student",
                    "average of a student", "average of the student", "average of one named")})
def table_number_target(args: TableTargetArgs) -> Target:
    label, numeric, groups = _shape(args)
    summable = numeric if args.sum_columns is None else args.sum_columns
    if set(summable) - set(_numeric(args)):
        raise ValueError(f"sum_columns {sorted(set(summable) - set(_numeric(args)))} are not numeric columns")
    kinds = {"lookup": [], "total": [], "count": [], "group": [], "row": _row_means(args, label)}
    for column in numeric:
        for row in args.rows:
            where = Condition(column=label, op="==", value=row[0])
            kinds["lookup"].append(lambda c=column, w=where: (
                f"the '{c}' of '{w.value}' in the table; the answer is a number",
                _number(args, "sum", c, w), {"agg": "sum", "column": c, "where": w.model_dump()}))
        for threshold in sorted(set(args.numeric(column)))[:-1]:
            where = Condition(column=column, op=">", value=threshold)
            kinds["count"].append(lambda w=where: (
                f"how many rows have '{w.column}' greater than {cell_text(w.value)}; the answer is a number",
                _number(args, "count", None, w), {"agg": "count", "column": None, "where": w.model_dump()}))
        if column in summable:
            kinds["total"].append(lambda c=column: (
                f"the total of the '{c}' column over all rows; the answer is a number",
                _number(args, "sum", c, None), {"agg": "sum", "column": c, "where": None}))
        for where in _group_values(args, groups):
            if column in summable:
                kinds["group"].append(lambda c=column, w=where: (
                    f"the total '{c}' of the rows whose '{w.column}' is '{w.value}'; the answer is a number",
                    _number(args, "sum", c, w), {"agg": "sum", "column": c, "where": w.model_dump()}))
            elif _short_decimal(aggregate(args, "mean", column, where)):
                kinds["group"].append(lambda c=column, w=where: (
                    f"the average '{c}' of the rows whose '{w.column}' is '{w.value}'; the answer is a number",
                    _number(args, "mean", c, w), {"agg": "mean", "column": c, "where": w.model_dump()}))
    return _choose(args, narrowed(kinds, args.asks))


def _row_means(args: TableTargetArgs, label: str) -> list[Callable[[], tuple[str, str, dict]]]:
    """A row's average across every numeric column, when they hold the same kind of number: rounded half up to the
    places asked (written with all of them: '78.0'), else only a row whose average has at most two decimals."""
    if not args.row_scale:
        return []
    columns = _numeric(args)
    means = []
    for row in args.rows:
        mean = Fraction(sum(row[args.index(c)] for c in columns), len(columns))
        if args.places is not None:
            answer = f"{float(round_half_up(mean, args.places)):.{args.places}f}"  # rounded already: exact
            rounding = f", rounded to {args.places} decimal place{'s' * (args.places != 1)}"
        elif _short_decimal(mean):
            answer, rounding = decimal_text(mean), ""
        else:
            continue
        means.append(lambda r=row[0], a=answer, ro=rounding: (
            f"the average of the {label} '{r}' across all {len(columns)} columns "
            f"{', '.join(repr(c) for c in columns)}{ro}; the answer is a number", a,
            {"agg": "row mean", "row": r, "columns": columns}))
    return means


def _short_decimal(value) -> bool:
    return terminates(value) and (value * 100).denominator == 1


@tool("table_label_target",
      "Ask which row has the unique highest or lowest number in a column; the answer is its name.", untied=True)
def table_label_target(args: TableTargetArgs) -> Target:
    label, numeric, _ = _shape(args)
    candidates = []
    for column in numeric:
        values = {row[0]: row[args.index(column)] for row in args.rows}
        for largest in (True, False):
            if name := unique_extreme(values, largest):
                candidates.append(lambda c=column, hi=largest, n=name: (
                    f"which {label} has the {'highest' if hi else 'lowest'} '{c}' in the table; "
                    f"the answer is a {label}",
                    n, {"column": c, "largest": hi}))
    return _choose(args, {"extreme": candidates})


@tool("table_binary_target", "Ask whether one row's number in a column exceeds another row's; the answer is yes or no.")
def table_binary_target(args: TableTargetArgs) -> Target:
    _, numeric, _ = _shape(args)
    candidates = []
    for column in numeric:
        for a in args.rows:
            for b in args.rows:
                if _value(args, a[0], column) > _value(args, b[0], column):
                    candidates.append((column, a[0], b[0]))
    if not candidates:
        raise ValueError("no two rows differ in any numeric column")
    rng = random.Random(args.seed)
    column, x, y = rng.choice(candidates)
    if rng.random() < 0.5:
        x, y = y, x
    goal = f"whether the '{column}' of '{x}' is greater than that of '{y}' (answer yes or no)"
    answer = "yes" if _value(args, x, column) > _value(args, y, column) else "no"
    return _target(args, goal, answer, {"column": column, "first": x, "second": y})
