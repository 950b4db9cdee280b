"""Tables: rendered as a PNG (title, shaded header, striped rows, numeric columns right-aligned) and exact operations:
filter rows by a column condition, sort, and count/sum/mean/min/max."""

import operator
from fractions import Fraction
from typing import Annotated, Literal

from PIL import Image, ImageDraw
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from benchagent.program.tools.arithmetic import decimal_text, fraction_text, terminates
from benchagent.program.tools.charts import Box
from benchagent.program.tools.fonts import check_text, font
from benchagent.program.tools.png import encode_png
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), AfterValidator(check_text)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
                  AfterValidator(check_text)]
Cell = StrictInt | Text
PAD_X, ROW_H, MARGIN, TITLE_H = 14, 32, 20, 44
TEXT, HEADER_BG, RULE, STRIPE = "#222222", "#DCE6F0", "#8899AA", "#F4F6F8"
COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
           ">=": operator.ge}


class TableData(ToolInput):
    columns: list[Text] = Field(min_length=1, max_length=8)
    rows: list[list[Cell]] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _rectangular(self):
        if len({c.casefold() for c in self.columns}) != len(self.columns):
            raise ValueError("column names must be distinct")
        bad = [i for i, row in enumerate(self.rows) if len(row) != len(self.columns)]
        if bad:
            raise ValueError(f"rows {bad} do not have {len(self.columns)} cells")
        return self

    def index(self, column: str) -> int:
        if column not in self.columns:
            raise ValueError(f"unknown column {column!r}; columns: {', '.join(self.columns)}")
        return self.columns.index(column)

    def numeric(self, column: str) -> list[int]:
        values = [row[self.index(column)] for row in self.rows]
        if not all(isinstance(v, int) for v in values):
            raise ValueError(f"column {column!r} is not numeric")
        return values


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    value: Cell


def select(table: TableData, where: Condition | None) -> list[list]:
    """The rows meeting the condition (all rows without one); order comparisons need a numeric column."""
    if where is None:
        return list(table.rows)
    i = table.index(where.column)
    if where.op not in ("==", "!="):
        table.numeric(where.column)
        if not isinstance(where.value, int):
            raise ValueError(f"{where.op} needs a number, got {where.value!r}")
    test = COMPARE[where.op]
    return [row for row in table.rows if test(row[i], where.value)]


def aggregate(table: TableData, agg: str, column: str | None = None, where: Condition | None = None) -> Fraction:
    """count of the selected rows, or sum, mean, min or max of a numeric column over them, exactly."""
    rows = select(table, where)
    if agg == "count":
        return Fraction(len(rows))
    if column is None:
        raise ValueError(f"{agg} needs a column")
    table.numeric(column)
    values = [row[table.index(column)] for row in rows]
    if not values:
        raise ValueError(f"no rows to take the {agg} of")
    return {"sum": lambda: Fraction(sum(values)), "mean": lambda: Fraction(sum(values), len(values)),
            "min": lambda: Fraction(min(values)), "max": lambda: Fraction(max(values))}[agg]()


def cell_text(value: int | str) -> str:
    return f"{value:,}" if isinstance(value, int) else value


class TableImageArgs(TableData):
    title: Title


class TableImageOutput(ToolOutput):
    image: str = Field(description="name of the PNG in the tool result's images")
    width: int
    height: int
    title: str
    columns: list[str]
    rows: list[list[int | str]]
    cells: list[list[Box]] = Field(description="cell boxes, header row first")


@tool("table_image",
      "Render a table (title, header, up to 20 rows, numbers right-aligned) as a PNG with its cell boxes.")
def table_image(args: TableImageArgs) -> TableImageOutput:
    f = font(15)
    widths = [round(max(f.getlength(cell_text(v)) for v in [c, *(r[i] for r in args.rows)])) + 2 * PAD_X
              for i, c in enumerate(args.columns)]
    title_font = font(18)
    width = max(sum(widths), round(title_font.getlength(args.title))) + 2 * MARGIN
    height = TITLE_H + ROW_H * (len(args.rows) + 1) + MARGIN
    img = Image.new("RGB", (width, height), "#FFFFFF")
    draw = ImageDraw.Draw(img)
    draw.text((width // 2, 14), args.title, font=title_font, fill=TEXT, anchor="ma")
    lefts = [MARGIN + sum(widths[:i]) for i in range(len(widths))]
    numeric = [all(isinstance(r[i], int) for r in args.rows) for i in range(len(args.columns))]
    cells = []
    for r, row in enumerate([args.columns, *args.rows]):
        y0 = TITLE_H + r * ROW_H
        if r == 0 or r % 2 == 0:
            draw.rectangle([MARGIN, y0, MARGIN + sum(widths) - 1, y0 + ROW_H - 1], fill=HEADER_BG if r == 0 else STRIPE)
        boxes = []
        for i, value in enumerate(row):
            box = Box(x0=lefts[i], y0=y0, x1=lefts[i] + widths[i], y1=y0 + ROW_H)
            right = numeric[i]
            x = box.x1 - PAD_X if right else box.x0 + PAD_X
            draw.text((x, y0 + ROW_H // 2), cell_text(value), font=f, fill=TEXT, anchor="rm" if right else "lm")
            boxes.append(box)
        cells.append(boxes)
    bottom = TITLE_H + ROW_H * (len(args.rows) + 1) - 1
    draw.line([(MARGIN, TITLE_H + ROW_H - 1), (MARGIN + sum(widths) - 1, TITLE_H + ROW_H - 1)], fill=RULE, width=1)
    draw.line([(MARGIN, bottom), (MARGIN + sum(widths) - 1, bottom)], fill=RULE, width=1)
    name, data = encode_png(img, "table")
    return TableImageOutput(image=name, images={name: data}, width=width, height=height, title=args.title,
                            columns=args.columns, rows=args.rows, cells=cells)


class FilterArgs(TableData):
    where: Condition


class RowsOutput(ToolOutput):
    columns: list[str]
    rows: list[list[int | str]]
    count: int


@tool("table_filter", "Keep the table rows whose column meets a condition (==, !=, <, <=, >, >=).")
def table_filter(args: FilterArgs) -> RowsOutput:
    rows = select(args, args.where)
    return RowsOutput(columns=args.columns, rows=rows, count=len(rows))


class SortArgs(TableData):
    column: str
    descending: bool = False


@tool("table_sort", "Sort table rows by a column (stable; numbers numerically, text alphabetically).")
def table_sort(args: SortArgs) -> RowsOutput:
    i = args.index(args.column)
    kinds = {type(row[i]) for row in args.rows}
    if len(kinds) > 1:
        raise ValueError(f"column {args.column!r} mixes numbers and text")
    rows = sorted(args.rows, key=lambda row: row[i], reverse=args.descending)
    return RowsOutput(columns=args.columns, rows=rows, count=len(rows))


class AggregateArgs(TableData):
    agg: Literal["count", "sum", "mean", "min", "max"]
    column: str | None = Field(None, description="numeric column; not needed for count")
    where: Condition | None = None


class AggregateOutput(ToolOutput):
    value: str = Field(description="exact decimal, or the fraction when its decimal never ends")
    fraction: str
    rows: int = Field(description="rows the aggregate ran over")


@tool("table_aggregate",
      "Count rows, or the sum, mean, min or max of a numeric column, over all or filtered rows; exact.")
def table_aggregate(args: AggregateArgs) -> AggregateOutput:
    value = aggregate(args, args.agg, args.column, args.where)
    return AggregateOutput(value=decimal_text(value) if terminates(value) else fraction_text(value),
                           fraction=fraction_text(value), rows=len(select(args, args.where)))
