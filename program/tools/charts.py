"""Chart tools: bar, line and pie charts drawn with Pillow; each returns the PNG, the exact data drawn and
its pixel geometry, so answers about a chart come from the drawing code."""

import math
from typing import Annotated

from PIL import Image, ImageDraw
from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from benchagent.program.tools.fonts import check_text, draw_text, text_length
from benchagent.program.tools.png import encode_png
from benchagent.program.tools.registry import ToolInput, ToolOutput, tool

WIDTH, HEIGHT = 720, 480
PALETTE = ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7")
TEXT, AXIS, GRID, WHITE = "#222222", "#555555", "#DDDDDD", "#FFFFFF"
LEFT, RIGHT, TOP, BOTTOM = 84, WIDTH - 28, 76, HEIGHT - 72

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=70),
                  AfterValidator(check_text)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
                  AfterValidator(check_text)]
AxisLabel = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(check_text)]
Count = Annotated[int, Field(ge=0, le=10**9)]


class Box(BaseModel):
    """A half-open pixel box: columns x0..x1-1, rows y0..y1-1."""

    x0: int
    y0: int
    x1: int
    y1: int


class Point(BaseModel):
    x: int
    y: int


class _Series(ToolInput):
    title: Title

    @model_validator(mode="after")
    def _aligned(self):
        labels, values = self._labels(), self.values
        if len(labels) != len(values):
            raise ValueError(f"{len(labels)} labels but {len(values)} values")
        if len({s.casefold() for s in labels}) != len(labels):
            raise ValueError("labels must be distinct")
        return self


class _AxesArgs(_Series):
    y_label: AxisLabel = Field("", description="unit or quantity on the y axis, drawn above it")


class BarChartArgs(_AxesArgs):
    categories: list[Label] = Field(min_length=3, max_length=7)
    values: list[Count] = Field(min_length=3, max_length=7)
    show_values: bool = Field(False, description="print each value above its bar")

    def _labels(self):
        return self.categories


class LineChartArgs(_AxesArgs):
    x_labels: list[Label] = Field(min_length=3, max_length=12)
    values: list[Count] = Field(min_length=3, max_length=12)

    def _labels(self):
        return self.x_labels


class PieChartArgs(_Series):
    labels: list[Label] = Field(min_length=2, max_length=8)
    values: list[Annotated[int, Field(ge=1, le=10**9)]] = Field(min_length=2, max_length=8)

    def _labels(self):
        return self.labels


class _Chart(ToolOutput):
    image: str = Field(description="name of the PNG in the tool result's images")
    width: int
    height: int
    title: str


class _AxesChart(_Chart):
    y_label: str
    values: list[int]
    y_max: int
    y_ticks: list[int]
    plot: Box


class BarChartOutput(_AxesChart):
    categories: list[str]
    bars: list[Box]
    color: str


class LineChartOutput(_AxesChart):
    x_labels: list[str]
    points: list[Point]
    color: str


class Slice(BaseModel):
    label: str
    value: int
    percent: float
    legend: str = Field(description="the legend text as drawn")
    color: str
    start_deg: float = Field(description="Pillow angle, clockwise from 3 o'clock")
    end_deg: float


class PieChartOutput(_Chart):
    slices: list[Slice]
    center: Point
    radius: int


def nice_ticks(vmax: int) -> list[int]:
    """Gridline values 0..top with a 1-2-5 step, at most 8 intervals, top >= vmax."""
    vmax = max(vmax, 1)
    magnitude = 1
    while True:
        for unit in (1, 2, 5):
            step = unit * magnitude
            if math.ceil(vmax / step) <= 8:
                return list(range(0, math.ceil(vmax / step) * step + 1, step))
        magnitude *= 10


def _fit(text: str, max_width: float):
    """The largest font size and one- or two-line split of text that fits max_width."""
    words = text.split()
    splits = [[text]] + sorted(
        ([" ".join(words[:i]), " ".join(words[i:])] for i in range(1, len(words))),
        key=lambda lines: max(map(len, lines)),
    )
    for size in (14, 12, 11):
        for lines in splits:
            if max(text_length(size, line) for line in lines) <= max_width:
                return lines, size
    return splits[-1], size


def _header(draw: ImageDraw.ImageDraw, title: str, y_label: str) -> None:
    size = next(s for s in (20, 18, 16, 15, 14) if text_length(s, title) <= WIDTH - 40 or s == 14)
    draw_text(draw, (WIDTH // 2, 16), title, size, TEXT, "ma")
    if y_label:
        draw_text(draw, (12, TOP - 30), y_label, 13, TEXT, "la")


def _y_axis(draw: ImageDraw.ImageDraw, ticks: list[int]) -> None:
    for t in ticks:
        y = _y(t, ticks[-1])
        draw.line([(LEFT, y), (RIGHT, y)], fill=GRID if t else AXIS, width=1)
        draw_text(draw, (LEFT - 8, y), f"{t:,}", 13, TEXT, "rm")
    draw.line([(LEFT, TOP - 6), (LEFT, BOTTOM)], fill=AXIS, width=1)


def _y(value: int, y_max: int) -> int:
    return BOTTOM - round(value * (BOTTOM - TOP) / y_max)


def _x_labels(draw: ImageDraw.ImageDraw, labels: list[str], centers: list[int], slot: float) -> None:
    for label, cx in zip(labels, centers, strict=True):
        lines, size = _fit(label, slot - 6)
        for k, line in enumerate(lines):
            draw_text(draw, (cx, BOTTOM + 8 + 16 * k), line, size, TEXT, "ma")


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    return img, ImageDraw.Draw(img)


@tool("bar_chart", "Draw a vertical bar chart (3-7 labelled bars, integer values, labelled y gridlines).")
def bar_chart(args: BarChartArgs) -> BarChartOutput:
    img, draw = _canvas()
    ticks = nice_ticks(max(args.values))
    _header(draw, args.title, args.y_label)
    _y_axis(draw, ticks)
    slot = (RIGHT - LEFT) / len(args.values)
    bar_w = round(slot * 0.6)
    bars = []
    for i, value in enumerate(args.values):
        x0 = LEFT + round(i * slot + (slot - bar_w) / 2)
        box = Box(x0=x0, y0=_y(value, ticks[-1]), x1=x0 + bar_w, y1=BOTTOM)
        if box.y0 < box.y1:
            draw.rectangle([box.x0, box.y0, box.x1 - 1, box.y1 - 1], fill=PALETTE[0])
        if args.show_values:
            draw_text(draw, ((box.x0 + box.x1) // 2, box.y0 - 4), f"{value:,}", 13, TEXT, "md")
        bars.append(box)
    _x_labels(draw, args.categories, [(b.x0 + b.x1) // 2 for b in bars], slot)
    name, data = encode_png(img, "bar_chart")
    return BarChartOutput(
        image=name, images={name: data}, width=WIDTH, height=HEIGHT, title=args.title, y_label=args.y_label,
        categories=args.categories, values=args.values, y_max=ticks[-1], y_ticks=ticks,
        plot=Box(x0=LEFT, y0=TOP, x1=RIGHT, y1=BOTTOM), bars=bars, color=PALETTE[0],
    )


@tool("line_chart", "Draw a line chart of one integer series over 3-12 labelled x positions, with y gridlines.")
def line_chart(args: LineChartArgs) -> LineChartOutput:
    img, draw = _canvas()
    ticks = nice_ticks(max(args.values))
    _header(draw, args.title, args.y_label)
    _y_axis(draw, ticks)
    slot = (RIGHT - LEFT) / len(args.values)
    points = [Point(x=LEFT + round((i + 0.5) * slot), y=_y(v, ticks[-1])) for i, v in enumerate(args.values)]
    draw.line([(p.x, p.y) for p in points], fill=PALETTE[0], width=3)
    for p in points:
        draw.ellipse([p.x - 5, p.y - 5, p.x + 5, p.y + 5], fill=PALETTE[0])
    _x_labels(draw, args.x_labels, [p.x for p in points], slot)
    name, data = encode_png(img, "line_chart")
    return LineChartOutput(
        image=name, images={name: data}, width=WIDTH, height=HEIGHT, title=args.title, y_label=args.y_label,
        x_labels=args.x_labels, values=args.values, y_max=ticks[-1], y_ticks=ticks,
        plot=Box(x0=LEFT, y0=TOP, x1=RIGHT, y1=BOTTOM), points=points, color=PALETTE[0],
    )


def _percent_text(percent: float) -> str:
    return f"{percent:g}%" if percent == int(percent) else f"{percent:.1f}%"


@tool("pie_chart", "Draw a pie chart of 2-8 labelled shares with a legend giving each share's percentage.")
def pie_chart(args: PieChartArgs) -> PieChartOutput:
    img, draw = _canvas()
    _header(draw, args.title, "")
    center, radius = Point(x=250, y=275), 170
    bbox = [center.x - radius, center.y - radius, center.x + radius, center.y + radius]
    total, start, slices = sum(args.values), -90.0, []
    for i, (label, value) in enumerate(zip(args.labels, args.values, strict=True)):
        percent = round(100 * value / total, 1)
        end = start + 360 * value / total
        slices.append(Slice(label=label, value=value, percent=percent, legend=f"{label}: {_percent_text(percent)}",
                            color=PALETTE[i], start_deg=start, end_deg=end))
        draw.pieslice(bbox, start, end, fill=PALETTE[i])
        start = end
    if len(slices) > 1:
        for s in slices:
            a = math.radians(s.start_deg)
            draw.line([(center.x, center.y), (center.x + radius * math.cos(a), center.y + radius * math.sin(a))],
                      fill=WHITE, width=2)
    top = center.y - 15 * len(slices)
    for i, s in enumerate(slices):
        y = top + 30 * i
        draw.rectangle([470, y, 489, y + 19], fill=s.color)
        draw_text(draw, (498, y + 10), s.legend, 15, TEXT, "lm")
    name, data = encode_png(img, "pie_chart")
    return PieChartOutput(image=name, images={name: data}, width=WIDTH, height=HEIGHT, title=args.title,
                          slices=slices, center=center, radius=radius)
