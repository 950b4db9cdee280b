"""The scene, word-problem, unit, calendar and table generators: cards fit the store, records are deterministic,
distinct, and carry answers recomputed here independently (stories re-read from their text)."""

import json
import re
import sqlite3
from collections import Counter
from fractions import Fraction
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchagent.program.executor.realize import binding
from benchagent.program.sources.families import GENERATORS
from benchagent.program.sources.generators import generate_record, generator_cards
from benchagent.program.sources.recipes import recipe_for
from benchagent.program.tools import get_tool, run_tool
from benchagent.program.tools.units import UNITS, quantity_text
from test_tools_calendar import MONTHS, _from_jdn, _jdn, _ymd, _zeller
from test_tools_units import RELATIONS

NEW = ["gen_shape_scenes", "gen_arithmetic_facts", "gen_unit_conversions", "gen_calendar_dates", "gen_small_tables"]
seeds, indices = st.integers(0, 2**31), st.integers(0, 200)


def test_cards_fit_the_store_and_are_found_by_their_keywords():
    db = sqlite3.connect(":memory:")
    db.executescript((resources.files("benchagent.store") / "sql" / "0001_initial.sql").read_text())
    rows = {c.id: c.row() for c in generator_cards()}
    for sid in NEW:
        row = rows[sid]
        assert row["kind"] == "generator" and row["license"] == "generated" and row["size"] == 10_000
        assert all(get_tool(t) for t in row["card"]["tools"])
        assert set(generate_record(sid, 0, 0)) == set(row["fields"])
        encoded = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()}
        db.execute(f"INSERT INTO sources ({', '.join(encoded)}) VALUES ({', '.join('?' * len(encoded))})",
                   list(encoded.values()))
    for word, name in [("calendar", "calendar_dates"), ("counting", "shape_scenes"), ("conversion", "unit_conversions"),
                       ("fractions", "arithmetic_facts"), ("tabular", "small_tables")]:
        found = db.execute("SELECT name FROM sources_fts WHERE sources_fts MATCH ?", (word,)).fetchall()
        assert found == [(name,)], word
    assert rows["gen_shape_scenes"]["modalities"] == ["image"]
    assert rows["gen_small_tables"]["modalities"] == ["image", "table"]
    assert {rows[s]["modalities"][0] for s in NEW[1:4]} == {"text"}


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(NEW), seeds, indices, indices)
def test_records_are_deterministic_json_and_distinct(source, seed, i, j):
    record = generate_record(source, i, seed)
    assert record == generate_record(source, i, seed) and json.loads(json.dumps(record)) == record
    if i != j:
        assert record != generate_record(source, j, seed)


@pytest.mark.parametrize("source", NEW)
def test_two_thousand_records_are_all_different(source):
    assert len({json.dumps(generate_record(source, i, seed=3), sort_keys=True) for i in range(2000)}) == 2000


def _scene(r):
    shapes = r["shapes"]
    assert 5 <= r["n_shapes"] == len(shapes) <= 14
    assert r["counts"] == dict(Counter(f"{s['color']} {s['shape']}" for s in shapes))
    for key, field in (("color", "color_counts"), ("shape", "shape_counts")):
        counts = Counter(s[key] for s in shapes)
        assert r[field] == dict(counts) and len(counts) > 1
        top = max(counts.values())
        assert [k for k, v in counts.items() if v == top] == [r[f"most_common_{key}"]]


NUMBER = r"(\d+)"
STORY_LINES = [
    (rf"^(\w+) has {NUMBER} [\w ]+\.$", lambda s, a, n: s.__setitem__(a, Fraction(n))),
    (rf"^(\w+) gives {NUMBER} [\w ]+ to (\w+)\.$", lambda s, a, n, b: (s.__setitem__(a, s[a] - int(n)),
                                                                         s.__setitem__(b, s[b] + int(n)))),
    (rf"^(\w+) buys {NUMBER} packs of [\w ]+ with {NUMBER} [\w ]+ in each pack\.$",
     lambda s, a, p, k: s.__setitem__(a, s[a] + int(p) * int(k))),
    (rf"^(\w+) loses {NUMBER} [\w ]+\.$", lambda s, a, n: s.__setitem__(a, s[a] - int(n))),
    (rf"^(\w+) bakes {NUMBER} [\w ]+, and each [\w ]+ needs (\d+ )?(\d/4|1/2)? ?cups? of flour\.$",
     lambda s, a, n, whole, part: s.__setitem__(a, int(n) * (int(whole or 0) + Fraction(part or 0)))),
    (rf"^(\w+) has \${NUMBER}, saves \${NUMBER} every week for {NUMBER} weeks, then spends \${NUMBER} on [\w ]+\.$",
     lambda s, a, start, w, n, x: s.__setitem__(a, Fraction(int(start) + int(w) * int(n) - int(x)))),
    (rf"^(\w+) buys {NUMBER} [\w ]+ at \${NUMBER} each and pays with a \${NUMBER} note\.$",
     lambda s, a, n, price, note: s.__setitem__(a, Fraction(int(note) - int(n) * int(price)))),
    (rf"^(\w+)'s [\w ]+ cost \${NUMBER} last year and costs \${NUMBER} now\.$",
     lambda s, a, old, new: s.__setitem__(a, Fraction(100 * (int(new) - int(old)), int(old)))),
    (rf"^(\w+) counted {NUMBER} [\w ]+ at [\w ]+ last year and {NUMBER} this year\.$",
     lambda s, a, old, new: s.__setitem__(a, Fraction(100 * (int(new) - int(old)), int(old)))),
]


def _read_story(facts):
    """Each person's final amount, by re-reading the story sentence by sentence."""
    amounts = {}
    for line in facts:
        matches = [(pattern, act) for pattern, act in STORY_LINES if re.match(pattern, line)]
        assert len(matches) == 1, line
        pattern, act = matches[0]
        act(amounts, *re.match(pattern, line).groups())
    return amounts


def _decimal(value: Fraction) -> str:
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    assert Fraction(text) == value
    return text


def _story(r):
    amounts = _read_story(r["facts"])
    assert [q["name"] for q in r["quantities"]] == list(amounts)
    assert r["answers"] == {k: _decimal(v) for k, v in amounts.items()}
    changes = r["theme"] == "prices"  # percentage changes: no total, and a fall is negative
    assert r["total"] == (None if changes else _decimal(sum(amounts.values())))
    assert (r["total_ask"] is None) == changes
    assert r["most"] == max(amounts, key=amounts.get) and r["least"] == min(amounts, key=amounts.get)
    assert len(set(amounts.values())) == 3 and (0 not in amounts.values() if changes else min(amounts.values()) > 0)
    words = set(" ".join(r["facts"]).replace(",", " ").replace("$", " ").rstrip(".").replace(". ", " ").split())
    assert not {*r["answers"].values(), r["total"]} & words
    for q in r["quantities"]:
        value = run_tool("exact_arithmetic", {"expression": q["expression"]}).output
        assert Fraction(value.fraction) == amounts[q["name"]]


def _factors():
    """Each unit's size in the first unit of its relation chain, built only from the RELATIONS typed in the tests."""
    linear = [(a, ua, b, ub) for a, ua, b, ub in RELATIONS if "degree" not in ua + ub and "kelvin" not in (ua, ub)]
    size = {"metre": Fraction(1), "gram": Fraction(1, 1000), "litre": Fraction(1), "second": Fraction(1),
            "metre per second": Fraction(1), "square metre": Fraction(1), "byte": Fraction(1)}
    while True:
        grown = False
        for a, ua, b, ub in linear:
            if ua in size and ub not in size:
                size[ub], grown = size[ua] * Fraction(a) / Fraction(b), True
            elif ub in size and ua not in size:
                size[ua], grown = size[ub] * Fraction(b) / Fraction(a), True
        if not grown:
            return size


SIZES = _factors()


TEMPERATURES = {"kelvin": (Fraction(1), Fraction(0)), "degree Celsius": (Fraction(1), Fraction("273.15")),
                "degree Fahrenheit": (Fraction(5, 9), Fraction("273.15") - Fraction(160, 9))}


def _size(value: Fraction, unit: str) -> Fraction:
    if unit in TEMPERATURES:
        scale, offset = TEMPERATURES[unit]
        return value * scale + offset
    return value * SIZES[unit]


def _units(r):
    if r["to_unit"] in TEMPERATURES:
        scale, offset = TEMPERATURES[r["to_unit"]]
        exact = (_size(Fraction(r["value"]), r["from_unit"]) - offset) / scale
    else:
        exact = _size(Fraction(r["value"]), r["from_unit"]) / SIZES[r["to_unit"]]
    if r["places"] is None:
        assert Fraction(r["answer"]) == exact and len(r["answer"].partition(".")[2]) <= 3
    else:
        assert r["places"] == 2 and len(r["answer"].partition(".")[2]) == 2
        assert abs(Fraction(r["answer"]) - exact) <= Fraction(1, 200)
    assert r["answer"] != r["value"] and Fraction(r["answer"]) != 0
    sizes = {quantity_text(q["value"], q["unit"]): _size(Fraction(q["value"]), q["unit"]) for q in r["quantities"]}
    assert len(set(sizes.values())) == 3
    assert r["largest"] == max(sizes, key=sizes.get) and r["smallest"] == min(sizes, key=sizes.get)


def test_the_independent_unit_sizes_cover_every_unit():
    assert set(SIZES) | set(TEMPERATURES) == set(UNITS)


def _calendar(r):
    start = _jdn(*_ymd(r["start"]))
    assert r["start_weekday"] == _zeller(*_ymd(r["start"]))
    assert _ymd(r["target_date"]) == _from_jdn(start + r["offset_days"]) and r["offset_days"] % 7
    assert r["target_weekday"] == _zeller(*_ymd(r["target_date"]))
    assert r["target_month"] == MONTHS[_ymd(r["target_date"])[1] - 1]
    assert _jdn(*_ymd(r["end"])) - start == r["days_between"] and 5 <= r["days_between"] <= 400
    assert r["end_weekday"] == _zeller(*_ymd(r["end"]))
    assert 2000 <= _ymd(r["start"])[0] <= 2035
    year = _ymd(r["date"])[0]
    assert r["date_weekday"] == _zeller(*_ymd(r["date"])) and 1700 <= year == r["date_year"] <= 2299
    assert (r["decade"], r["century"]) == (f"{year - year % 10}s", f"{year - year % 100}s")


def _table(r):
    cols, rows = r["columns"], r["rows"]
    assert r["row_label"] == cols[0] and len({row[0] for row in rows}) == len(rows)
    assert r["numeric_columns"] == [c for i, c in enumerate(cols) if all(isinstance(row[i], int) for row in rows)]
    assert set(r["sum_columns"]) <= set(r["numeric_columns"])
    assert min(Counter(row[cols.index(r["group_column"])] for row in rows).values()) >= 2
    if r["theme"] == "shop_sales":
        assert all(row[4] == row[2] * row[3] for row in rows) and len({row[2] for row in rows}) == len(rows)
    for c in r["numeric_columns"]:
        values = {row[0]: row[cols.index(c)] for row in rows}
        assert r["totals"][c] == sum(values.values())
        top = [k for k, v in values.items() if v == max(values.values())]
        assert r["highest"][c] == (top[0] if len(top) == 1 else None)


CHECKS = {"gen_shape_scenes": _scene, "gen_arithmetic_facts": _story, "gen_unit_conversions": _units,
          "gen_calendar_dates": _calendar, "gen_small_tables": _table}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NEW), seeds, indices)
def test_records_carry_answers_recomputed_independently(source, seed, index):
    CHECKS[source](generate_record(source, index, seed))


def test_themes_vary():
    themes = {sid: Counter(generate_record(sid, i, 9)["theme"] for i in range(300)) for sid in NEW}
    assert set(themes["gen_arithmetic_facts"]) == {"exchange", "baking", "savings", "shopping", "prices"}
    assert len(themes["gen_unit_conversions"]) == 8
    assert set(themes["gen_small_tables"]) == {"shop_sales", "class_results", "daily_weather"}


@pytest.mark.parametrize("source", NEW)
def test_every_record_feeds_every_target(source):
    card = GENERATORS[source].card
    steps = {kind: recipe_for(card, kind).steps[0] for kind in ("number", "label", "binary")}
    for index in range(150):
        record = generate_record(source, index, seed=21)
        for step in steps.values():
            args = {name: record[ref.removeprefix("original.")] for ref, name in map(binding, step.inputs)
                    if ref.startswith("original.")}
            run_tool(step.tool, {**args, "seed": index})
