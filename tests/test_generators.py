"""Generator sources: cards fit the store, records are deterministic, distinct, consistent and drawable."""

import json
import sqlite3
from importlib import resources
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchagent.program.sources.families import GENERATORS
from benchagent.program.sources.generators import generate_record, generator_cards
from benchagent.program.tools import run_tool
from benchagent.program.tools.charts import nice_ticks

BAR, LINE, PIE = "gen_bar_chart_values", "gen_line_chart_values", "gen_pie_chart_shares"
CHARTS = [BAR, LINE, PIE]
seeds = st.integers(0, 2**31)
indices = st.integers(0, 80)


def _labels(record):
    return record.get("categories") or record.get("x_labels") or record["labels"]


def test_cards_insert_into_the_store_schema_and_are_searchable():
    sql = (resources.files("benchagent.store") / "sql" / "0001_initial.sql").read_text()
    db = sqlite3.connect(":memory:")
    db.executescript(sql)
    for row in (c.row() for c in generator_cards() if c.id in CHARTS):
        assert row["kind"] == "generator" and row["license"] == "generated" and row["size"] == 10_000
        assert row["card"]["tools"][0] in {"bar_chart", "line_chart", "pie_chart"}
        encoded = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()}
        db.execute(f"INSERT INTO sources ({', '.join(encoded)}) VALUES ({', '.join('?' * len(encoded))})",
                   list(encoded.values()))
    found = db.execute("SELECT name FROM sources_fts WHERE sources_fts MATCH 'pie'").fetchall()
    assert found == [("pie_chart_shares",)]
    assert {r[0] for r in db.execute("SELECT id FROM sources")} == set(CHARTS) and set(CHARTS) <= set(GENERATORS)


@settings(deadline=None)
@given(st.sampled_from(CHARTS), seeds, indices)
def test_same_seed_and_index_give_the_same_json_record(source, seed, index):
    record = generate_record(source, index, seed)
    assert record == generate_record(source, index, seed)
    assert json.loads(json.dumps(record)) == record
    record["values"].append(-1)
    assert generate_record(source, index, seed)["values"][-1] != -1


@settings(deadline=None)
@given(st.sampled_from(CHARTS), seeds, indices, indices)
def test_different_indices_give_different_charts(source, seed, i, j):
    if i != j:
        a, b = generate_record(source, i, seed), generate_record(source, j, seed)
        assert (a["theme"], _labels(a), a["values"]) != (b["theme"], _labels(b), b["values"])


@pytest.mark.parametrize("source", sorted(GENERATORS))
def test_no_duplicate_records_within_capacity(source):
    size = GENERATORS[source][0].size
    records = {json.dumps(generate_record(source, i, seed=42), sort_keys=True) for i in range(size)}
    assert len(records) == size


def _check_bar(r):
    values, cats = r["values"], r["categories"]
    assert 3 <= len(cats) == len(values) <= 7 and len(set(values)) == len(values)
    assert r["max_category"] == cats[values.index(max(values))]
    assert r["min_category"] == cats[values.index(min(values))]
    assert r["total"] == sum(values)


def _check_line(r):
    values, labels = r["values"], r["x_labels"]
    assert 5 <= len(labels) == len(values) <= 12
    assert values.count(max(values)) == 1 and r["max_label"] == labels[values.index(max(values))]
    assert values.count(min(values)) == 1 and r["min_label"] == labels[values.index(min(values))]
    rise = r["largest_rise"]
    i = labels.index(rise["from"])
    assert labels[i + 1] == rise["to"] and rise["amount"] == values[i + 1] - values[i] > 0
    rises = [b - a for a, b in pairwise(values)]
    assert rises.count(max(rises)) == 1 and max(rises) == rise["amount"]
    assert r["net_change"] == values[-1] - values[0]


def _check_pie(r):
    values, labels = r["values"], r["labels"]
    assert sum(values) == 100 and min(values) >= 4 and len(set(values)) == len(values) == len(labels)
    assert r["largest"] == labels[values.index(max(values))]
    assert r["smallest"] == labels[values.index(min(values))]


@settings(deadline=None)
@given(seeds, indices)
def test_records_carry_consistent_answers(seed, index):
    _check_bar(generate_record(BAR, index, seed))
    _check_line(generate_record(LINE, index, seed))
    _check_pie(generate_record(PIE, index, seed))
    for source in CHARTS:
        r = generate_record(source, index, seed)
        labels = _labels(r)
        a, b = r["pair"]
        assert r["difference"] == r["values"][labels.index(a)] - r["values"][labels.index(b)] > 0
        if source != PIE:
            ticks = nice_ticks(max(r["values"]))
            assert ticks[1] == 2 * r["resolution"] and all(v % r["resolution"] == 0 for v in r["values"])
            assert ticks[-1] - ticks[1] < max(r["values"]) <= ticks[-1]


@pytest.mark.parametrize("source, tool, fields", [
    (BAR, "bar_chart", ("title", "y_label", "categories", "values")),
    (LINE, "line_chart", ("title", "y_label", "x_labels", "values")),
    (PIE, "pie_chart", ("title", "labels", "values")),
])
def test_records_render_with_their_tool(source, tool, fields):
    for index in range(15):
        record = generate_record(source, index, seed=7)
        out = run_tool(tool, {k: record[k] for k in fields}).output
        if tool == "bar_chart":
            tallest = min(range(len(out.bars)), key=lambda i: out.bars[i].y0)
            assert out.categories[tallest] == record["max_category"]
        if tool == "pie_chart":
            shares = zip(record["labels"], record["values"], strict=True)
            assert [s.legend for s in out.slices] == [f"{lab}: {v}%" for lab, v in shares]


def test_records_vary_across_themes():
    themes = {generate_record(BAR, i, seed=1)["theme"] for i in range(200)}
    assert len(themes) >= 8


def test_bad_requests():
    with pytest.raises(ValueError, match="unknown generator source 'nope'"):
        generate_record("nope", 0, 0)
    with pytest.raises(ValueError, match="record index 10000 outside 0..9999"):
        generate_record(BAR, 10_000, 0)
