"""Chart tools: the rendered pixels match the data and geometry the tools report."""

import io
import json
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageColor

from benchagent.program.tools import ToolError, get_tool, run_tool
from benchagent.program.tools.charts import GRID, nice_ticks

FRUIT = {"title": "Fruit harvested at Willow Farm", "y_label": "Crates",
         "categories": ["Apples", "Pears", "Plums", "Cherries", "Blueberries"], "values": [45, 80, 35, 60, 25]}


def _image(result):
    return Image.open(io.BytesIO(result.images[result.output.image])).convert("RGB")


def _run_length(img, x, y_bottom, color):
    """Pixels of color in column x counted upwards from row y_bottom - 1."""
    n = 0
    while y_bottom - 1 - n >= 0 and img.getpixel((x, y_bottom - 1 - n)) == color:
        n += 1
    return n


def _check_bars(result):
    img, out = _image(result), result.output
    color = ImageColor.getrgb(out.color)
    scale = (out.plot.y1 - out.plot.y0) / out.y_max
    for box, value in zip(out.bars, out.values, strict=True):
        for x in (box.x0, (box.x0 + box.x1) // 2, box.x1 - 1):
            height = _run_length(img, x, box.y1, color)
            assert height == box.y1 - box.y0
            assert abs(height - value * scale) <= 1
        assert img.getpixel((box.x0 - 1, box.y1 - 1)) != color
        assert img.getpixel((box.x1, box.y1 - 1)) != color
    return img


def test_bar_chart_pixels_match_values():
    result = run_tool("bar_chart", FRUIT)
    img = _check_bars(result)
    out = result.output
    heights = [b.y1 - b.y0 for b in out.bars]
    assert out.categories[heights.index(max(heights))] == "Pears"
    assert out.y_ticks == [0, 10, 20, 30, 40, 50, 60, 70, 80]
    gaps = [(a.x1 + b.x0) // 2 for a, b in pairwise(out.bars)]
    for tick in out.y_ticks[1:]:
        y = out.plot.y1 - round(tick * (out.plot.y1 - out.plot.y0) / out.y_max)
        assert all(img.getpixel((x, y)) == ImageColor.getrgb(GRID) for x in gaps)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=3, max_size=7))
def test_bar_heights_proportional_for_any_values(values):
    args = {"title": "Any values", "categories": [f"C{i}" for i in range(len(values))], "values": values}
    _check_bars(run_tool("bar_chart", args))


def test_bar_chart_is_deterministic_and_json_clean():
    first, second = run_tool("bar_chart", FRUIT), run_tool("bar_chart", FRUIT)
    assert first.images == second.images and first.result == second.result
    assert list(first.images) == [first.result["image"]]
    text = json.dumps({"args": first.args, "result": first.result})
    assert "images" not in first.result and "PNG" not in text
    other = run_tool("bar_chart", {**FRUIT, "values": [45, 80, 35, 60, 30]})
    assert other.output.image != first.output.image


def test_bar_chart_with_value_labels_and_zero_bar():
    result = run_tool("bar_chart", {**FRUIT, "values": [0, 80, 35, 60, 25], "show_values": True})
    _check_bars(result)
    zero = result.output.bars[0]
    assert zero.y0 == zero.y1


def test_line_chart_points_match_values():
    labels = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    values = [1200, 1350, 1500, 1450, 1800, 2250, 2600, 2550, 1900, 1600, 1300, 1250]
    result = run_tool("line_chart", {"title": "Monthly visitors", "x_labels": labels, "values": values})
    img, out = _image(result), result.output
    color = ImageColor.getrgb(out.color)
    scale = (out.plot.y1 - out.plot.y0) / out.y_max
    assert out.y_max == 3000
    for point, value in zip(out.points, values, strict=True):
        assert abs((out.plot.y1 - point.y) - value * scale) <= 0.5
        assert all(img.getpixel((point.x + dx, point.y + dy)) == color for dx in (-3, 0, 3) for dy in (-3, 0, 3))
    highest = min(out.points, key=lambda p: p.y)
    assert labels[out.points.index(highest)] == "Jul"


def _slice_pixels(result):
    img, out = _image(result), result.output
    c, r = out.center, out.radius
    disc = img.crop((c.x - r, c.y - r, c.x + r + 1, c.y + r + 1))
    counts = {color: n for n, color in disc.getcolors(maxcolors=1 << 16)}
    return img, [counts.get(ImageColor.getrgb(s.color), 0) for s in out.slices]


def test_pie_slice_areas_and_legend_match_shares():
    shares = [35, 20, 15, 12, 10, 8]
    labels = ["Housing", "Food", "Transport", "Savings", "Leisure", "Other"]
    result = run_tool("pie_chart", {"title": "Household budget", "labels": labels, "values": shares})
    img, pixels = _slice_pixels(result)
    for count, share in zip(pixels, shares, strict=True):
        assert abs(count / sum(pixels) - share / 100) < 0.005
    out = result.output
    assert [s.legend for s in out.slices] == [f"{lab}: {v}%" for lab, v in zip(labels, shares, strict=True)]
    for i, s in enumerate(out.slices):
        assert img.getpixel((480, out.center.y - 15 * len(shares) + 30 * i + 10)) == ImageColor.getrgb(s.color)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 1000), min_size=2, max_size=8))
def test_pie_slice_areas_proportional_for_any_values(values):
    result = run_tool("pie_chart", {"title": "Any", "labels": [f"S{i}" for i in range(len(values))], "values": values})
    _, pixels = _slice_pixels(result)
    for count, value in zip(pixels, values, strict=True):
        assert abs(count / sum(pixels) - value / sum(values)) < 0.02  # slice edges are anti-aliased away


def test_pie_percent_labels_round_to_one_decimal():
    result = run_tool("pie_chart", {"title": "Thirds", "labels": ["A", "B", "C"], "values": [1, 1, 1]})
    assert [s.legend for s in result.output.slices] == ["A: 33.3%", "B: 33.3%", "C: 33.3%"]


def test_nice_ticks():
    assert nice_ticks(80) == [0, 10, 20, 30, 40, 50, 60, 70, 80]
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(1250)[-1] == 1400
    for vmax in range(1, 5000, 7):
        ticks = nice_ticks(vmax)
        assert ticks[-1] >= vmax and len(ticks) - 1 <= 8 and ticks[-2] < vmax


@pytest.mark.parametrize("args, message", [
    ({**FRUIT, "values": [1, 2, 3]}, "5 labels but 3 values"),
    ({**FRUIT, "categories": ["A", "a", "B", "C", "D"]}, "distinct"),
    ({**FRUIT, "categories": ["A", "B"], "values": [1, 2]}, "at least 3"),
    ({**FRUIT, "values": [1, 2, -3, 4, 5]}, "greater than or equal to 0"),
    ({**FRUIT, "values": [1, 2, 3.5, 4, 5]}, "values.2"),
    ({**FRUIT, "title": "Crème brûlée sales"}, "cannot draw"),
    ({**FRUIT, "colour": "red"}, "colour: Extra inputs are not permitted"),
    ({"title": "No data"}, "categories: Field required"),
])
def test_bad_chart_args_raise_tool_error(args, message):
    with pytest.raises(ToolError, match="bar_chart: bad arguments") as err:
        run_tool("bar_chart", args)
    assert message in str(err.value)


def test_chart_specs_are_json():
    for name in ("bar_chart", "line_chart", "pie_chart"):
        spec = json.loads(json.dumps(get_tool(name).spec()))
        assert "images" not in spec["output"]["properties"]
