"""Recipes: every (generator, answer type) plan validates against its card, and runs end to end through the
Realizer to an item whose answer is the record's exact answer (for choice: among the options exactly once)."""

import re
from decimal import Decimal
from fractions import Fraction

import dspy
import pytest

from benchagent.program.executor.realize import Realizer, item_from_flow, llm_steps
from benchagent.program.planner.plan_check import validate_plan
from benchagent.program.sources.families import GENERATORS
from benchagent.program.sources.generators import generate_record
from benchagent.program.sources.recipes import answer_origin, recipe_for
from benchagent.program.tools import list_tools
from benchagent.program.tools.units import quantity_text
from scripted_lm import scripted_lm

ANSWER_TYPES = ("number", "choice", "label", "binary")
NEW = ["gen_shape_scenes", "gen_small_tables", "gen_arithmetic_facts", "gen_unit_conversions", "gen_calendar_dates"]
CARDS = {sid: generator.card for sid, generator in GENERATORS.items()}
QUESTION = "What does the item ask about the material shown?"


def _pairs():
    return [(sid, kind) for sid in GENERATORS for kind in ANSWER_TYPES if recipe_for(CARDS[sid], kind)]


def test_every_new_generator_grounds_all_four_answer_types():
    for sid in NEW:
        assert {k for s, k in _pairs() if s == sid} == set(ANSWER_TYPES), sid
        assert recipe_for(CARDS[sid], "span") is None


@pytest.mark.parametrize("sid, kind", _pairs())
def test_plan_validates_with_the_card_fields(sid, kind):
    card = CARDS[sid]
    plan = recipe_for(card, kind)
    validate_plan(plan, answer_type=kind, modalities=card.modalities, record_fields=set(card.fields),
                  tools={t.name for t in list_tools()}, predictors=set(llm_steps()))
    assert answer_origin(plan) == "tool"
    assert plan.steps[-1].tool == "phrase_question"
    assert all(s.kind == "PURE" for s in plan.steps[:-1] if s.tool != "propose_content")
    if sid in NEW:
        assert {s.tool for s in plan.steps[:-1]} <= set(card.tools)


def _mentions(text, value):
    """The leakage check's notion of a mention: value as a whole token."""
    return re.search(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)", text, re.IGNORECASE) is not None


def _count(record, group):
    return sum(all(s[k] == v for k, v in group.items()) for s in record["shapes"])


def _extreme(counts: dict, largest: bool):
    best = (max if largest else min)(counts.values())
    return [k for k, v in counts.items() if v == best]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _scene_answer(record, kind, query):
    if kind in ("number", "choice"):
        return str(_count(record, query["count"]))
    if kind == "label":
        counts = record["color_counts"] if query["attribute"] == "color" else record["shape_counts"]
        winners = _extreme(counts, query["largest"])
        assert len(winners) == 1
        return winners[0]
    return _yes(_count(record, query["more"]) > _count(record, query["than"]))


def _table_answer(record, kind, query):
    cols, rows = record["columns"], record["rows"]
    if kind in ("number", "choice") and query["agg"] == "row mean":  # a student's average over every subject
        [row] = [r for r in rows if r[0] == query["row"]]
        marks = [row[cols.index(c)] for c in query["columns"]]
        assert query["columns"] == record["numeric_columns"] and record["row_scale"]
        return str(Decimal(sum(marks)) / Decimal(len(marks)))
    if kind in ("number", "choice"):
        where = query["where"]
        if where:
            i, v = cols.index(where["column"]), where["value"]
            rows = [r for r in rows if (r[i] == v if where["op"] == "==" else r[i] > v)]
        if query["agg"] == "count":
            return str(len(rows))
        values = [r[cols.index(query["column"])] for r in rows]
        if query["agg"] == "mean":
            return str(Decimal(sum(values)) / Decimal(len(values)))
        return str(sum(values))
    i = cols.index(query["column"])
    if kind == "label":
        winners = _extreme({r[0]: r[i] for r in rows}, query["largest"])
        assert len(winners) == 1
        return winners[0]
    by_name = {r[0]: r[i] for r in rows}
    return _yes(by_name[query["first"]] > by_name[query["second"]])


def _story_answer(record, kind, query):
    if kind in ("number", "choice"):
        return record["answers"][query["quantity"]] if query["quantity"] else record["total"]
    if kind == "label":
        return record["most"] if query["largest"] else record["least"]
    values = {k: Fraction(v) for k, v in record["answers"].items()}
    return _yes(values[query["first"]] > values[query["second"]])


def _unit_answer(record, kind, query):
    if kind in ("number", "choice"):
        return record["answer"]
    if kind == "label":
        return record["largest"] if query["largest"] else record["smallest"]
    texts = [quantity_text(q["value"], q["unit"]) for q in record["quantities"]]
    middle = [t for t in texts if t not in (record["smallest"], record["largest"])]
    assert len(middle) == 1
    rank = {record["smallest"]: 0, middle[0]: 1, record["largest"]: 2}
    return _yes(rank[query["first"]] > rank[query["second"]])


def _calendar_answer(record, kind, query):
    if kind == "number":
        return str(record["days_between"])
    if kind in ("label", "choice"):
        assert query["weekday_after"] == record["offset_days"]
        return record["target_weekday"]
    if "month" in query:
        return _yes(record["target_month"] == query["month"])
    return _yes(record["end_weekday"] == query["weekday"])


EXPECTED = {"gen_shape_scenes": _scene_answer, "gen_small_tables": _table_answer,
            "gen_arithmetic_facts": _story_answer, "gen_unit_conversions": _unit_answer,
            "gen_calendar_dates": _calendar_answer}


def _realize(sid, kind, index, seed):
    card, record = CARDS[sid], generate_record(sid, index, seed)
    plan = recipe_for(card, kind)
    slot = {"seed": 1000 * index + seed, "gold_position": index % 4}
    with dspy.context(lm=scripted_lm({"question": {"question": QUESTION}}), adapter=dspy.JSONAdapter()):
        flow = Realizer()(plan, record, slot, subtask="test subtask")
    return record, flow, item_from_flow(flow, answer_origin=answer_origin(plan))


@pytest.mark.parametrize("sid, kind", [(s, k) for s in NEW for k in ANSWER_TYPES])
def test_recipe_runs_end_to_end_to_the_exact_answer(sid, kind):
    card = CARDS[sid]
    for index in range(6):
        record, flow, item = _realize(sid, kind, index, seed=3)
        assert item.question == QUESTION and item.answer_origin == "tool"
        assert item.answer == EXPECTED[sid](record, kind, flow.values["interim.query"])
        goal = flow.values["interim.goal"]
        assert item.facts and goal
        if kind != "binary":
            assert not _mentions(goal, item.answer), goal
        if kind == "choice":
            assert item.options.count(item.answer) == 1 and len(item.options) == 4
            assert item.options.index(item.answer) == index % 4
        else:
            assert item.options is None
        if kind == "binary":
            assert item.answer in ("yes", "no")
        if kind == "number":
            assert re.fullmatch(r"-?\d+(\.\d+)?", item.answer)
        if "image" in card.modalities:
            assert list(item.images) == ["image"] and item.images["image"].startswith(b"\x89PNG")
            assert "context" not in item.extra_input
        else:
            context = item.extra_input["context"]
            assert not item.images and context == flow.values["interim.context"]
            if kind in ("number", "choice"):
                assert not _mentions(context, item.answer)


def test_binary_answers_are_balanced():
    for sid in NEW:
        answers = [_realize(sid, "binary", i, seed=5)[2].answer for i in range(24)]
        assert 5 <= answers.count("yes") <= 19, (sid, answers)


CHARTS = {"gen_bar_chart_values": "categories", "gen_line_chart_values": "x_labels", "gen_pie_chart_shares": "labels"}


@pytest.mark.parametrize("sid, kind", [(s, k) for s, k in _pairs() if s in CHARTS])
def test_chart_recipes_run_end_to_end_too(sid, kind):
    for index in range(4):
        record, _, item = _realize(sid, kind, index, seed=3)
        values, labels = record["values"], record[CHARTS[sid]]
        if kind in ("number", "choice"):
            assert int(item.answer) in values + [a - b for a in values for b in values if a > b]
        elif kind == "label":
            assert item.answer in (labels[values.index(max(values))], labels[values.index(min(values))])
        else:
            assert item.answer in ("yes", "no")
        assert item.options is None or item.options.count(item.answer) == 1
        assert list(item.images) == ["image"]
