"""Tables: the rendered cells hold their text where the boxes say, and filter/sort/aggregate and the question
targets give the answers plain Python gives."""

import io
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageColor

from benchagent.program.tools import ToolError, run_tool
from benchagent.program.tools.tables import HEADER_BG

SALES = {
    "columns": ["Product", "Category", "Units sold", "Price ($)", "Revenue ($)"],
    "rows": [["Cola", "Drinks", 40, 2, 80], ["Bagel", "Bakery", 25, 3, 75], ["Iced tea", "Drinks", 61, 3, 183],
             ["Muffin", "Bakery", 12, 4, 48], ["Lemonade", "Drinks", 33, 2, 66]],
}
names = st.text("abcdefghij", min_size=1, max_size=6)


@st.composite
def tables(draw):
    n = draw(st.integers(1, 12))
    labels = draw(st.lists(names, min_size=n, max_size=n, unique=True))
    groups = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n))
    a = draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n))
    b = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n))
    return {"columns": ["Name", "Group", "A", "B"], "rows": [list(r) for r in zip(labels, groups, a, b, strict=True)]}


def _dark(img, box):
    return sum(sum(img.getpixel((x, y))) < 300 for x in range(box.x0, box.x1) for y in range(box.y0, box.y1))


def _dark_columns(img, box):
    return [x for x in range(box.x0, box.x1) for y in range(box.y0, box.y1) if sum(img.getpixel((x, y))) < 300]


def test_rendered_cells_hold_text_in_their_boxes_and_numbers_sit_right():
    result = run_tool("table_image", {"title": "Sales at Corner Deli", **SALES})
    img = Image.open(io.BytesIO(result.images[result.output.image])).convert("RGB")
    cells = result.output.cells
    assert len(cells) == len(SALES["rows"]) + 1 and all(len(r) == 5 for r in cells)
    for r, row in enumerate(cells):
        for c, box in enumerate(row):
            assert _dark(img, box) > 10, (r, c)
            if c:
                assert box.x0 == row[c - 1].x1 and box.y0 == row[c - 1].y0
        assert row[0].y0 == cells[0][0].y0 + 32 * r
    header = cells[0][0]
    assert img.getpixel((header.x0 + 2, header.y0 + 2)) == ImageColor.getrgb(HEADER_BG)
    for row in cells[1:]:
        number, text = row[2], row[0]
        dark_x = _dark_columns(img, number)
        assert max(dark_x) > number.x1 - 20 and min(dark_x) > number.x0 + 20
        assert min(_dark_columns(img, text)) < text.x0 + 20
    title_band = [(x, y) for x in range(img.width) for y in range(0, cells[0][0].y0)]
    assert sum(sum(img.getpixel(p)) < 300 for p in title_band) > 50
    empty = result.output.cells[-1][-1]
    below = [(x, y) for x in range(img.width) for y in range(empty.y1 + 2, img.height)]
    assert all(img.getpixel(p) == (255, 255, 255) for p in below)


def test_table_image_is_deterministic_and_refuses_ragged_rows():
    args = {"title": "T", **SALES}
    assert run_tool("table_image", args).images == run_tool("table_image", args).images
    with pytest.raises(ToolError, match=r"rows \[1\] do not have 5 cells"):
        run_tool("table_image", {"title": "T", "columns": SALES["columns"], "rows": [SALES["rows"][0], ["x"]]})
    with pytest.raises(ToolError, match="cannot draw"):
        run_tool("table_image", {"title": "T", "columns": ["名前"], "rows": [["a"]]})


OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
       ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@settings(max_examples=80, deadline=None)
@given(tables(), st.sampled_from(sorted(OPS)), st.integers(-1000, 1000), st.booleans())
def test_filter_and_sort_match_plain_python(table, op, value, descending):
    out = run_tool("table_filter", {**table, "where": {"column": "A", "op": op, "value": value}}).output
    assert out.rows == [r for r in table["rows"] if OPS[op](r[2], value)] and out.count == len(out.rows)
    out = run_tool("table_filter", {**table, "where": {"column": "Group", "op": "==", "value": "x"}}).output
    assert out.rows == [r for r in table["rows"] if r[1] == "x"]
    out = run_tool("table_sort", {**table, "column": "B", "descending": descending}).output
    assert [r[3] for r in out.rows] == sorted((r[3] for r in table["rows"]), reverse=descending)
    assert sorted(map(tuple, out.rows)) == sorted(map(tuple, table["rows"]))


@settings(max_examples=80, deadline=None)
@given(tables(), st.sampled_from(["count", "sum", "mean", "min", "max"]), st.sampled_from(["x", "y", "z", None]))
def test_aggregates_are_exact(table, agg, group):
    where = {"column": "Group", "op": "==", "value": group} if group else None
    values = [r[2] for r in table["rows"] if group is None or r[1] == group]
    args = {**table, "agg": agg, "column": "A", "where": where}
    if not values and agg != "count":
        with pytest.raises(ToolError, match="no rows"):
            run_tool("table_aggregate", args)
        return
    out = run_tool("table_aggregate", args).output
    expected = {"count": lambda: Fraction(len(values)), "sum": lambda: Fraction(sum(values)),
                "mean": lambda: Fraction(sum(values), len(values)), "min": lambda: Fraction(min(values)),
                "max": lambda: Fraction(max(values))}[agg]()
    assert Fraction(out.fraction) == expected and out.rows == len(values)
    if "/" in out.value:
        assert Fraction(out.value) == expected and (expected * 10**12).denominator != 1
    else:
        assert "." not in out.value or not out.value.endswith("0")
        assert Fraction(out.value) == expected


def test_mean_that_never_ends_is_given_as_a_fraction():
    rows = [["a", 1], ["b", 1], ["c", 2]]
    out = run_tool("table_aggregate", {"columns": ["N", "V"], "rows": rows, "agg": "mean", "column": "V"}).output
    assert out.value == out.fraction == "4/3"


def test_table_operations_refuse_bad_requests():
    with pytest.raises(ToolError, match="unknown column 'Nope'"):
        run_tool("table_sort", {**SALES, "column": "Nope"})
    with pytest.raises(ToolError, match="'Category' is not numeric"):
        run_tool("table_filter", {**SALES, "where": {"column": "Category", "op": ">", "value": 3}})
    with pytest.raises(ToolError, match="needs a number"):
        run_tool("table_filter", {**SALES, "where": {"column": "Units sold", "op": ">", "value": "3"}})
    with pytest.raises(ToolError, match="mixes numbers and text"):
        run_tool("table_sort", {"columns": ["N", "V"], "rows": [["a", 1], ["b", "x"]], "column": "V"})
    with pytest.raises(ToolError, match="sum needs a column"):
        run_tool("table_aggregate", {**SALES, "agg": "sum"})


def _args(seed, **extra):
    return {"title": "Sales at Corner Deli", **SALES, "seed": seed, **extra}


def test_number_targets_cover_every_kind_and_recompute():
    queries = set()
    for seed in range(120):
        out = run_tool("table_number_target", _args(seed, sum_columns=["Units sold", "Revenue ($)"])).output
        q, cols = out.query, SALES["columns"]
        rows = SALES["rows"]
        if q["where"]:
            i, v = cols.index(q["where"]["column"]), q["where"]["value"]
            rows = [r for r in rows if (r[i] == v if q["where"]["op"] == "==" else r[i] > v)]
        values = [r[cols.index(q["column"])] for r in rows] if q["column"] else []
        if q["agg"] == "count":
            expected = len(rows)
        elif q["agg"] == "sum":
            expected = sum(values)
        else:
            expected = Decimal(sum(values)) / len(values)
        assert out.answer == str(expected)
        assert out.answer not in out.goal.replace("'", " ").split()
        if q["agg"] == "sum" and (q["where"] or {}).get("column") != "Product":
            assert q["column"] in ("Units sold", "Revenue ($)")
        if q["agg"] == "mean":
            assert q["column"] == "Price ($)" and q["where"]["column"] == "Category"
        queries.add((q["agg"], (q["where"] or {}).get("column")))
    assert queries >= {("sum", "Product"), ("sum", None), ("sum", "Category"), ("mean", "Category"),
                       ("count", "Units sold")}


def test_label_and_binary_targets_recompute():
    for seed in range(40):
        label = run_tool("table_label_target", _args(seed)).output
        i = SALES["columns"].index(label.query["column"])
        pick = max if label.query["largest"] else min
        assert label.answer == pick(SALES["rows"], key=lambda r: r[i])[0]
        binary = run_tool("table_binary_target", _args(seed)).output
        i = SALES["columns"].index(binary.query["column"])
        by_name = {r[0]: r[i] for r in SALES["rows"]}
        assert binary.answer == ("yes" if by_name[binary.query["first"]] > by_name[binary.query["second"]] else "no")
        assert "Cola | Drinks | 40 | 2 | 80" in binary.facts


def test_targets_refuse_tables_without_row_names():
    with pytest.raises(ToolError, match="must name every row uniquely"):
        run_tool("table_label_target", {"title": "T", "columns": ["N", "V"], "rows": [["a", 1], ["a", 2]], "seed": 0})
    with pytest.raises(ToolError, match="not numeric columns"):
        run_tool("table_number_target", _args(0, sum_columns=["Category"]))
