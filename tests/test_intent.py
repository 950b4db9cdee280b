"""Intent fidelity against a scripted LM and real SQLite: every failure class of a build that tested something other
than what was asked, and the contract that replaces it."""

import datetime as dt
import json
from collections import Counter
import math
import re
import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import dspy
import periodictable
import pytest
from scripted_lm import chart_answers, phrase_goal, scripted_lm, section
from typer.testing import CliRunner

from benchagent.cli import app
from benchagent.program.build import Build, BuildRequest
from benchagent.program.errors import Interrupted, PlanningError
from benchagent.program.executor.checks import leakage_check, open_question_check, target_check
from benchagent.program.executor.item import Item
from benchagent.program.executor.verify import Verifier
from benchagent.program.sources.cards import listed_values
from benchagent.program.intent import (Intent, intent_problem, carried, contract, copied_card, demanded_modalities,
                                       detect_language, missing_topic, other_chart, seen_facets, shares_topic,
                                       subjects)
from benchagent.program.planner.facets import (STATED, asked_kinds, asks_all, coverage, kinds_named,
                                                one_kind_asked,
                                                with_asks, with_columns, with_degradations, with_language,
                                                with_named_values, with_picks, with_stated_formats,
                                                with_target_guarantees, with_theme)
from benchagent.program.planner.limits import (answer_bounds, answer_outside, bounded_field, excluded_values,
                                              stated_bounds, with_limits, within)
from benchagent.program.planner.plan_writer import example_record, template_plans
from benchagent.program.tools.chart_questions import ChartTargetArgs, chart_number_target
from benchagent.program.tools.chemistry import FormulaArgs, molar_mass_target
from benchagent.program.tools.scenes import SceneTargetArgs, Shape, scene_number_target
from benchagent.program.planner.grounding import GroundingAgent, asked_by_code
from benchagent.program.sources.catalog import catalog_cards, source_for
from benchagent.program.sources.generators import generate_record
from benchagent.program.sources.recipes import asking_recipe, option_count, recipe_for
from benchagent.program.executor.realize import llm_steps
from benchagent.program.tools.registry import ToolError, get_tool, list_tools, run_tool, tool
from benchagent.signatures import Facet, Scope, SubtaskDraft, TransformPlan
from benchagent.store import open_store
from benchagent.store.datasette_metadata import build_metadata
from benchagent.store.reports import run_summary

CHARTS = "Build a benchmark that tests whether a model can read values off bar charts"
CARDS = {c.id: c for c in catalog_cards()}
READ = SubtaskDraft(key="read_value", name="Read a bar value", description="ask the value of one bar",
                    capability="reading charts", modalities=["image"], answer_type="choice", rationale="core")


def facet(kind, value, quote, key=""):
    return {"key": key, "kind": kind, "value": value, "quote": quote}


def build(tmp_path, answers, requirement=CHARTS, size=2, **request):
    store = open_store(tmp_path / "b.db")
    events = []
    run_id = Build(store, scripted_lm(answers), BuildRequest(requirement, size, "scripted", **request),
                   on_event=lambda kind, **data: events.append((kind, data))).run()
    return store, run_id, events


# The contract


def test_a_three_letter_code_names_no_letters_to_read():
    assert not seen_facets("Give a US airport's three-letter code and ask which city it serves", [])
    assert [f.value for f in seen_facets("Reading comprehension of news-style passages", [])] == ["news texts"]
    for answer in ("cars datset mcq: which has best mpg? letter ans A-D, no ties plz", "4 options, answer with the "
                   "letter", "mcq, letter (A-D)"):
        assert not [f for f in seen_facets(answer, []) if f.kind == "topic"], answer  # the letter is the answer
    assert [f.value for f in seen_facets("Write a formal letter to a landlord", [])] == ["letter texts"]


def test_one_clause_given_as_several_kinds_of_facet_is_kept_under_the_first():
    """The embedded model gave 'Create unit conversion questions from miles to kilometres ...' as an operation, a
    presentation and an answer format; as a presentation it barred the unit conversion generator from grounding."""
    requirement = ("Create unit conversion questions from miles to kilometres for distances over 100 miles, with the "
                   "answer rounded to 2 decimal places.")
    clause = "Create unit conversion questions from miles to kilometres for distances over 100 miles"
    scope = contract(requirement, Scope(topic="math", modalities=["text"], keywords=["unit conversion"], facets=[
        facet("capability", "math", "unit conversion"), facet("operation", clause, clause),
        facet("presentation", clause, clause), facet("answer_format", clause, clause)]))
    assert [(f.kind, f.value) for f in scope.facets if f.value == clause] == [("operation", clause)]
    assert not [f for f in scope.facets if f.kind == "presentation"]


def test_facets_keep_only_the_requirements_own_words_and_gain_the_items_language():
    requirement = "Crée un test de calcul mental pour des élèves de collège, avec des questions à choix multiple."
    scope = Scope(topic="calcul mental", modalities=["text"], keywords=["calcul"], facets=[
        Facet(kind="level", value="collège pupils", quote="élèves de collège"),
        Facet(kind="topic", value="quantum physics", quote="quantum physics for experts")])
    planned = contract(requirement, scope)
    assert planned.language == "French"
    kinds = [(f.kind, f.value) for f in planned.facets]
    assert ("level", "collège pupils") in kinds and ("topic", "quantum physics") not in kinds
    assert ("capability", "calcul mental") in kinds and ("language", "items in French") in kinds
    assert len({f.key for f in planned.facets}) == len(planned.facets) and all(f.key for f in planned.facets)


def test_a_vague_requirement_gets_a_stated_interpretation():
    planned = contract("make me a hard benchmark", Scope(topic="the benchmark", modalities=["text"], keywords=[],
                                                        facets=[Facet(kind="level", value="hard", quote="hard")]))
    assert planned.interpretation and "benchmark" not in planned.facets[0].value
    assert planned.facets[0].kind == "capability" and planned.facets[0].value == planned.interpretation[:120]
    assert ("level", "hard") in [(f.kind, f.value) for f in planned.facets]


# Grounding


def test_a_weakly_aligned_source_is_not_accepted_however_simple():
    plan = recipe_for(CARDS["gen_line_chart_values"], "choice")
    lm = scripted_lm({"judgments": {"judgments": [{
        "source_id": "gen_line_chart_values", "transformable": True, "alignment": 0.5, "coverage": 1.0,
        "simplicity": 1.0, "risk": 0.0, "rationale": "line charts are near enough"}]}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        [result] = GroundingAgent()(READ, [(CARDS["gen_line_chart_values"], plan)], {t.name for t in list_tools()},
                                    set(llm_steps()))
    assert result.score >= 0.5 and not result.accepted
    assert result.rationale.startswith("not aligned with the subtask (alignment 0.50")


def test_a_verdict_on_a_numbered_copy_of_the_sources_id_is_the_sources():
    plan = recipe_for(CARDS["gen_bar_chart_values"], "choice")
    verdict = {"transformable": True, "alignment": 0.9, "coverage": 0.9, "simplicity": 0.9, "risk": 0.1,
               "rationale": "the bars hold the values"}
    looping = [{**verdict, "source_id": f"gen_bar_chart_values_{n}", "alignment": 0.9 - n / 10} for n in (1, 2, 3)]
    lm = scripted_lm({"judgments": {"judgments": looping}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        [result] = GroundingAgent()(READ, [(CARDS["gen_bar_chart_values"], plan)], {t.name for t in list_tools()},
                                    set(llm_steps()))
    assert result.accepted and result.scores["alignment"] == pytest.approx(0.8)


def test_a_degenerate_judge_rationale_is_refused_not_stored():
    plan = recipe_for(CARDS["gen_bar_chart_values"], "choice")
    lm = scripted_lm({"judgments": {"judgments": [{
        "source_id": "gen_bar_chart_values", "transformable": True, "alignment": 0.9, "coverage": 0.9,
        "simplicity": 0.9, "risk": 0.1, "rationale": "The bars hold values. " * 12}]}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        [result] = GroundingAgent()(READ, [(CARDS["gen_bar_chart_values"], plan)], {t.name for t in list_tools()},
                                    set(llm_steps()))
    assert not result.accepted and "degenerate" in result.rationale and "The bars hold values" not in result.rationale


def test_a_facet_no_subtask_carries_is_a_reported_gap_not_a_silent_fill(tmp_path):
    requirement = CHARTS + ", and also quizzes the model on planet facts"
    answers = chart_answers(scope={"scope": {
        "topic": "bar chart reading", "modalities": ["image"], "keywords": ["bar", "chart", "values"],
        "facets": [facet("capability", "reading values off bar charts", "read values off bar charts"),
                   facet("topic", "planet facts", "planet facts")]}})
    store, run_id, _ = build(tmp_path, answers, requirement)
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 2
    gaps = summary["intent"]["gaps"]
    assert [g["facet"] for g in gaps] == ["topic_planet_facts"]
    assert "no grounded subtask carries it" in gaps[0]["reason"] and "--source" in gaps[0]["remedy"]
    carried = {f["key"]: f["carried_by"] for f in summary["intent"]["facets"]}
    assert carried["capability_reading_values_off_bar_charts"] == ["read_value"]
    result = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "b.db"), "--json"])
    assert json.loads(result.stdout)["intent"]["gaps"][0]["facet"] == "topic_planet_facts"
    table = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "b.db")])
    assert "not carried topic_planet_facts: no grounded subtask carries it" in " ".join(table.stdout.split())
    query = build_metadata("b")["databases"]["b"]["queries"]["facet_coverage"]["sql"]
    with sqlite3.connect(tmp_path / "b.db") as conn:
        rows = {r[1]: r[5:] for r in conn.execute(query)}
    assert rows == {"capability_reading_values_off_bar_charts": ("read_value", None),
                    "presentation_image_inputs_charts": ("read_value", None),  # read by code off "charts"
                    "topic_planet_facts": (None, "no grounded subtask carries it")}


def test_an_unaligned_catalog_is_an_honest_failure_not_a_neighbouring_benchmark(tmp_path):
    answers = chart_answers(
        scope={"scope": {"topic": "capital cities", "modalities": ["text"], "keywords": ["capital", "chart"],
                         "facets": [facet("topic", "capital cities", "capital cities of Africa")]}},
        subtasks={"subtasks": [{"key": "capitals", "name": "Name the capital", "description": "ask a capital city",
                                "capability": "capital cities", "modalities": ["text"], "answer_type": "choice",
                                "rationale": "core", "facets": ["topic_capital_cities"]}]},
        judgments={"judgments": [{"source_id": "gen_bar_chart_values", "transformable": True, "alignment": 0.3,
                                  "coverage": 1.0, "simplicity": 1.0, "risk": 0.0,
                                  "rationale": "charts, not capitals"}]})
    store = open_store(tmp_path / "b.db")
    with pytest.raises(PlanningError, match="cannot build this from what is here: topic_capital_cities"):
        Build(store, scripted_lm(answers), BuildRequest("Test the capital cities of Africa", 4, "scripted")).run()
    assert store.one("SELECT count(*) AS n FROM samples")["n"] == 0
    assert store.one("SELECT count(*) AS n FROM slots")["n"] == 0


def test_a_refusal_says_what_the_nearest_source_holds(tmp_path):
    answers = chart_answers(
        scope={"scope": {"topic": "weekdays of 1900s dates", "modalities": ["text"],
                         "keywords": ["calendar", "weekday"],
                         "facets": [facet("topic", "weekday of a date", "day of week for random dates in 1900s")]}},
        subtasks={"subtasks": [{"key": "weekday_1900s", "name": "Weekday of a 1900s date",
                                "description": "ask the weekday a date in the 1900s falls on",
                                "capability": "calendar arithmetic", "modalities": ["text"], "answer_type": "label",
                                "rationale": "core", "facets": ["topic_weekday_of_a_date"]}]},
        judgments={"judgments": [{"source_id": "gen_calendar_dates", "transformable": True, "alignment": 0.0,
                                  "coverage": 0.2, "simplicity": 1.0, "risk": 0.5,
                                  "rationale": "This source is not suitable for this subtask."}]})
    store = open_store(tmp_path / "b.db")
    with pytest.raises(PlanningError, match="not aligned with the subtask") as refused:
        Build(store, scripted_lm(answers), BuildRequest("day of week for random dates in 1900s", 4, "scripted")).run()
    # the judge's rationale says nothing of why; the card's own words show the date range it lacks
    assert "the nearest source, gen_calendar_dates, holds: Generated calendar questions from a dated 'today' " \
           "(2000-2035)" in str(refused.value)
    assert store.one("SELECT count(*) AS n FROM samples")["n"] == 0


def test_a_modality_no_tool_produces_is_a_gap_never_a_swap(tmp_path):
    requirement = "Test whether a model can transcribe spoken phone numbers from audio recordings"
    answers = chart_answers(
        scope={"scope": {"topic": "spoken numbers", "modalities": ["audio"], "keywords": ["audio", "numbers"],
                         "facets": [facet("capability", "transcribe spoken phone numbers",
                                          "transcribe spoken phone numbers")]}},
        subtasks={"subtasks": [{"key": "transcribe", "name": "Transcribe a number", "description": "write the digits",
                                "capability": "transcription", "modalities": ["audio"], "answer_type": "choice",
                                "rationale": "core", "facets": []}]})
    store = open_store(tmp_path / "b.db")
    with pytest.raises(PlanningError, match="no tool or source here produces audio"):
        Build(store, scripted_lm(answers), BuildRequest(requirement, 4, "scripted")).run()
    assert store.one("SELECT count(*) AS n FROM samples")["n"] == 0
    assert not [c for c in store.query("SELECT stage FROM lm_calls") if c["stage"] in ("realize", "verify")]


# Degradation


def degraded_answers():
    return chart_answers(scope={"scope": {
        "topic": "bar chart reading", "modalities": ["image"], "keywords": ["bar", "chart", "values"],
        "facets": [facet("capability", "reading values off bar charts", "read values off bar charts"),
                   facet("degradation", "blurred or rotated charts", "blurred or rotated")]}})


def test_a_degradation_facet_adds_a_step_that_serves_it(tmp_path):
    store, run_id, _ = build(tmp_path, degraded_answers(), CHARTS + ", some blurred or rotated", size=2)
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 2 and not summary["intent"]["gaps"]
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    [step] = [s for s in plan["steps"] if s["tool"] == "degrade_image"]
    assert step["serves"] == ["degradation_blurred_or_rotated_charts"]
    assert '=["blur", "rotation"]:kinds' in step["inputs"] and "=0.5:share" in step["inputs"]
    calls = store.query("SELECT result FROM tool_calls WHERE tool = 'degrade_image'")
    assert len(calls) >= 2 and {json.loads(c["result"])["degradation"] for c in calls} <= {"blur", "rotation", "none"}


def test_degradation_on_text_inputs_is_a_gap():
    facets = [Facet(key="deg", kind="degradation", value="typos in the text", quote="with typos")]
    plan = recipe_for(CARDS["gen_arithmetic_facts"], "number")
    assert with_degradations(plan, facets) == plan
    draft = READ.model_copy(update={"modalities": ["text"], "facets": []})
    _, gaps = coverage(facets, [(draft, [plan])], [], "word problems with typos")
    assert gaps[0].facet == "deg" and "no tool degrades text" in gaps[0].reason


def test_a_stated_format_no_step_can_write_is_a_gap_though_the_subtask_claims_it():
    rounding = Facet(key="two_dp", kind="answer_format", value="rounded to 2 decimal places", quote="2 decimal places")
    three = Facet(key="three", kind="answer_format", value="exactly 3 options", quote="3 options")
    requirement = "reading comprehension on Python docs passages, 3 options, numbers to 2 decimal places"
    draft = READ.model_copy(update={"modalities": ["text"], "facets": ["two_dp", "three"]})
    written = next(p for p in template_plans(CARDS["builtin_python_docs"], "choice", about="documented behaviour")
                   if any(s.tool == "write_item" for s in p.steps))
    written = with_stated_formats(written, [rounding, three], requirement)
    [writer] = [s for s in written.steps if s.tool == "write_item"]
    assert "=3:option_count" in writer.inputs and writer.serves == ["three"]
    carriers, gaps = coverage([rounding, three], [(draft, [written])], [], requirement)
    assert carriers == {"two_dp": [], "three": ["read_value"]}
    assert [g.facet for g in gaps] == ["two_dp"] and "no step of the grounded plans writes" in gaps[0].reason
    chart = with_stated_formats(recipe_for(CARDS["gen_bar_chart_values"], "choice"), [three], requirement)
    assert [s.tool for s in chart.steps if "=3:n" in s.inputs] == ["number_options"]
    assert option_count(chart) == option_count(written) == 3
    figures = Facet(key="sf", kind="answer_format", value="3 significant figures", quote="to 3 significant figures")
    units = with_stated_formats(recipe_for(CARDS["gen_unit_conversions"], "number"), [figures],
                                "imperial to SI conversions, answers to 3 significant figures")
    [target] = [s for s in units.steps if s.tool == "unit_number_target"]
    assert "=3:figures" in target.inputs and target.serves == ["sf"]
    # "how much taller one bar is than another, to the nearest 10": the chart's difference is rounded
    tens = Facet(key="tens", kind="answer_format", value="to the nearest 10", quote="to the nearest 10")
    bars = with_stated_formats(recipe_for(CARDS["gen_bar_chart_values"], "choice", "difference"), [tens],
                               "how much taller one bar is than another, answers to the nearest 10")
    [chart_target] = [s for s in bars.steps if s.tool == "chart_number_target"]
    assert "=10:nearest" in chart_target.inputs and chart_target.serves == ["tens"]
    rounded = chart_number_target(ChartTargetArgs(title="Ice cream", categories=["Chocolate", "Pistachio"],
                                                  values=[125, 50], seed=0, asks=["difference"], nearest=10))
    assert rounded.answer == "80" and "rounded to the nearest 10" in rounded.goal
    # "exactly 3 city options" states the option count too
    cities = Facet(key="three_cities", kind="constraint", value="3 city options", quote="exactly 3 city options")
    fresh = recipe_for(CARDS["gen_bar_chart_values"], "choice")
    assert option_count(fresh) == 4
    assert option_count(with_stated_formats(fresh, [cities], "a code and exactly 3 city options")) == 3

def test_ranges_and_exclusions_are_read_off_the_requirement_and_reported_as_gaps_not_carried():
    """'skip countries that use the euro' and 'offsets over 100 days' were neither facets nor checked: the builds
    said nothing of them. Code reads them; a plan that does not keep to one leaves it a gap even when claimed, and
    the countries' plan leaves out the records whose currency is the Euro."""
    currency = ("Multiple choice, 5 options each: given a country's name, pick its ISO 4217 currency code. "
                "Distractors should be real currency codes, and skip countries that use the euro.")
    dates = ("Date questions like 'what weekday is it 137 days after 03/11/2021', dates DD/MM/YYYY and offsets over "
             "100 days; keep every number at or below 500.")
    assert [(f.kind, f.value) for f in seen_facets(currency, []) if f.kind == "constraint"] == [
        ("constraint", "skip countries that use the euro")]
    assert [f.value for f in seen_facets(dates, []) if f.kind == "constraint"] == [
        "offsets over 100 days", "every number at or below 500"]
    assert not [f for f in seen_facets(CHARTS + ", 4 options, rounded to 2 decimal places", [])
                if f.kind == "constraint"]
    scope = contract(currency, Scope(topic="currency codes", modalities=["text"], keywords=["currency"]))
    [euro] = [f for f in scope.facets if f.kind == "constraint"]
    draft = READ.model_copy(update={"name": "Country currency codes", "modalities": ["text"],
                                    "facets": [f.key for f in scope.facets]})
    assert euro.key in carried(draft, scope.facets)
    plan = template_plans(CARDS["builtin_countries"], "choice", about="currency code")[0]
    carriers, gaps = coverage(scope.facets, [(draft, [plan])], [], currency)
    assert carriers[euro.key] == [] and [g.facet for g in gaps] == [euro.key]
    assert "made without it" in gaps[0].reason and "--source" in gaps[0].remedy
    kept = with_limits(plan, CARDS["builtin_countries"], scope.facets)
    assert kept.without == {"currency_name": ["Euro"]} and euro.key in kept.steps[0].serves
    assert coverage(scope.facets, [(draft, [kept])], [], currency) == ({**carriers, euro.key: ["read_value"]}, [])
    assert stated_bounds("years between 1,900 and 2000")[0] == {"ge": 1900, "le": 2000}
    assert stated_bounds("skip countries that use the euro") is None
    calendar = CARDS["gen_calendar_dates"]
    assert bounded_field(calendar, stated_bounds("offsets over 100 days")[1]) == "offset_days"
    assert bounded_field(calendar, stated_bounds("over 100 days")[1]) is None  # two fields count days
    assert within(101, {"gt": 100}) and not within(100, {"gt": 100}) and not within("101", {"gt": 100})
    assert stated_bounds("values between 100 and 900, asking which")[0] == {"ge": 100, "le": 900}
    # an unseen requirement: 'cars datset mcq: 4 japanese cars from 1980+ model yrs'
    cars, japanese = CARDS["builtin_cars"], "display 4 japanese cars from 1980+ model yrs"
    assert stated_bounds(japanese)[0] == {"ge": 1980}
    assert bounded_field(cars, stated_bounds(japanese)[1]) == "model_year"
    assert stated_bounds("5 or more bars")[0] == {"ge": 5} and stated_bounds("100 or fewer words")[0] == {"le": 100}
    assert stated_bounds("C++ questions") is None and stated_bounds("a 3+4 sum") is None
    # unseen requirements: a range left out keeps the other side; a distance between two records bounds neither
    countries = CARDS["builtin_countries"]
    skipped = stated_bounds("Skip microstates under 1,000 km²")
    assert skipped[0] == {"ge": 1000} and bounded_field(countries, skipped[1]) == "area_km2"
    assert stated_bounds("exclude cars 3000+ lbs")[0] == {"lt": 3000}
    assert stated_bounds("skip years between 1990 and 2000") is None
    assert stated_bounds("at least 1 deg of latitude apart") is None
    shown = Facet(key="shown", kind="presentation", value=japanese, quote=japanese)
    plan = with_named_values(with_limits(template_plans(cars, "choice", "which car has the highest mpg")[0], cars,
                                         [shown]), cars, japanese)
    assert (plan.where, plan.within) == ({"origin": ["Japan"]}, {"model_year": {"ge": 1980}})
    # a text naming the start date excludes by it, never by 'February' as the target month
    assert excluded_values(calendar, "skip any start date that falls in February") == {}
    assert excluded_values(CARDS["builtin_countries"], "do not include countries that use the euro") == {
        "currency_name": ["Euro"]}


def test_a_kind_named_only_in_the_requirements_example_asks_the_kind_it_is_a_case_of():
    """An unseen requirement asked 'how many shapes of ONE specific colour AND ONE specific type (e.g. "How many blue
    triangles are in the image?")'; the subtask was named after the example, and every item counted blue triangles."""
    requirement = ('I want a visual counting benchmark: each item is a generated picture with a mix of circles, '
                   'squares and triangles in several colours, and the question asks how many shapes of ONE specific '
                   'colour AND ONE specific type there are (e.g. "How many blue triangles are in the image?").')
    draft = READ.model_copy(update={"name": "Counting Blue Triangles", "facets": [],
                                    "description": "How many blue triangles are in the image?"})
    recipe = recipe_for(CARDS["gen_shape_scenes"], "number")

    def asks(text):
        [step] = [s for s in with_asks(recipe, [], draft, text).steps if any(i.endswith(":asks") for i in s.inputs)]
        return json.loads(next(i for i in step.inputs if i.endswith(":asks")).removesuffix(":asks").removeprefix("="))

    assert asks(requirement) == ["colour and kind"]
    assert asks("count the blue triangles in generated pictures") == ["blue triangles"]  # asked, not an example
    assert asks("counting shapes, e.g. blue triangles; only blue triangles count") == ["blue triangles"]
    shapes = [Shape(shape="triangle", color="red"), Shape(shape="circle", color="blue"),
              Shape(shape="circle", color="blue")]
    goals = {scene_number_target(SceneTargetArgs(shapes=shapes, seed=seed, asks=["colour and kind"])).goal
             for seed in range(30)}
    assert goals == {f"how many {p} there are in the image; the answer is a number" for p in ("red triangles",
                                                                                              "blue circles")}
    # the author also asked for distractors of the same colour and of the same kind: a group the image shows both
    # beside is asked first (red triangles, beside a red circle and a blue triangle; not the red circles, beside no
    # other circle)
    distracted = [Shape(shape="triangle", color="red"), Shape(shape="circle", color="red"),
                  Shape(shape="triangle", color="blue"), Shape(shape="square", color="green")]
    goals = {scene_number_target(SceneTargetArgs(shapes=distracted, seed=seed, asks=["colour and kind"])).goal
             for seed in range(30)}
    assert goals == {"how many red triangles there are in the image; the answer is a number"}
    with pytest.raises(TypeError, match="instances name kinds it does not ask"):
        tool("bad_target", "asks one kind", asks={"kind": ("kind",)}, instances={"red kind": "kind"})(
            scene_number_target)

def test_unseen_wordings_reach_the_right_question_kind_and_modality():
    # a subtask counting triangles does not repeat the card named "countries"
    triangles = READ.model_copy(update={"name": "Count Red Triangles", "description": "how many red triangles"})
    assert copied_card(triangles, list(CARDS.values()), "how many red triangles are there?") is None
    # ... and counts the red triangles only: the longer match "red triangle" wins over "triangle"
    scenes = with_asks(recipe_for(CARDS["gen_shape_scenes"], "number"), [], triangles)
    [asks] = [i for s in scenes.steps for i in s.inputs if i.endswith(":asks")]
    assert asks == '=["red triangles"]:asks'
    shapes = [Shape(shape="triangle", color="red"), Shape(shape="triangle", color="blue"),
              Shape(shape="circle", color="red"), Shape(shape="triangle", color="red")]
    counted = {scene_number_target(SceneTargetArgs(shapes=shapes, seed=seed, asks=["red triangles"])).answer
               for seed in range(8)}
    assert counted == {"2"}
    assert copied_card(READ.model_copy(update={"name": "List the countries"}), [CARDS["builtin_countries"]],
                       "read bar charts") == "builtin_countries"
    # "significant figures" asks a rounding, not image inputs
    assert demanded_modalities("imperial to SI conversions, answers to 3 significant figures", []) == set()
    assert demanded_modalities("read the figures in a chart", []) == {"image"}
    # the weekday some days after a date: "days after" is the step, the weekday what is asked
    weekday = READ.model_copy(update={"name": "What day of the week is it 137 days after 03/11/2021",
                                      "description": "the weekday some days after a date", "facets": []})
    calendar = with_asks(recipe_for(CARDS["gen_calendar_dates"], "choice"), [], weekday)
    assert [i for s in calendar.steps for i in s.inputs if i.endswith(":asks")] == ['=["weekday"]:asks']
    # "how much taller one bar is than another" asks an amount, even of a subtask named "Which bar is taller?"
    requirement = "multiple-choice items where the model says how much taller one named bar is than another"
    taller = READ.model_copy(update={"name": "Which bar is taller?", "description": "compare two bars"})
    card = CARDS["gen_bar_chart_values"]
    assert recipe_for(card, "choice", "Which bar is taller?").steps[0].tool == "chart_label_target"
    plan = recipe_for(card, "choice", "Which bar is taller?", requirement)
    assert plan.steps[0].tool == "chart_number_target"
    difference = Facet(key="cap", kind="capability", value="bar chart analysis", quote=requirement)
    how = Facet(key="how", kind="operation", value="read off the axis", quote="Values should be read off the axis")
    asked = with_asks(plan, [difference, how], taller.model_copy(update={"facets": ["cap", "how"]}))
    assert '=["difference"]:asks' in asked.steps[0].inputs  # reading off the axis is how, not what is asked
    reading = READ.model_copy(update={"name": "Read values from bar charts", "facets": []})
    assert '=["value"]:asks' in with_asks(plan, [], reading).steps[0].inputs


# Item-level checks


def test_a_tool_made_item_whose_options_cannot_answer_it_is_rejected_as_off_target():
    item = Item(question="Which animal is shown in the picture?", answer="7", answer_origin="tool",
                options=["3", "7", "1", "9"], images={"image": b"\x89PNG"}, facts="an 8x8 digit image of 7")
    lm = scripted_lm({"fits": {"fits": False},
                      "issues": {"issues": []}})
    intent = Intent("Test whether a model recognises animals in photos")
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = Verifier()(item, subtask="animals", answer_type="choice", needs_image=True, intent=intent)
    assert outcome.status == "rejected" and outcome.category == "off_target"
    assert "judged not to test what the requirement asks: Test whether a model recognises" in outcome.reasons[0]
    assert not any("fields: `issues`" in str(h["messages"][-1]["content"]) for h in lm.history)  # no inspector call


def test_a_tools_yes_or_no_question_is_not_put_to_the_fit_model():
    """The 1.5B fit model refused every 'no' question of official languages, none of the 'yes' ones."""
    lm = scripted_lm({"fits": {"fits": False}, "issues": {"issues": []}})
    intent = Intent('yes/no qs "is <lang> an official languge of <country>?"')
    asked = Item(question="Is Russian an official language of Greece?", answer="no", answer_origin="tool",
                 facts="name: Greece; official languages: Greek", query={"holds": "Russian", "of": "Greece"})
    written = Item(question="Is Russian an official language of Greece?", answer="no", answer_origin="llm")
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        kept = Verifier()(asked, subtask="official languages", answer_type="binary", needs_image=False, intent=intent)
        refused = Verifier()(written, subtask="official languages", answer_type="binary", needs_image=False,
                             intent=intent)
    assert kept.category != "off_target" and refused.category == "off_target"
    assert sum("fields: `fits`" in str(h["messages"][-1]["content"]) for h in lm.history) == 1


COUNTS = ("I want a visual counting benchmark: each item is a generated picture with a mix of circles, squares and "
          "triangles in several colours. Answers should be integers between 0 and 8, and include some distractors.")


def test_an_answer_outside_the_range_the_requirement_states_is_rejected_and_the_facet_is_kept_by_that_check():
    """An unseen requirement's 'Answers should be integers between 0 and 8' was reported as not kept: no field of
    the scenes bounds it. A code check now rejects an answer outside the range, and counts as keeping it."""
    assert answer_bounds(COUNTS) == {"ge": 0, "le": 8}
    assert answer_bounds("only europe countries w/ pop over 10 mil. The answer is yes or no") is None  # not answers
    assert answer_outside("3", COUNTS) is None and answer_outside("Tuesday", COUNTS) is None
    assert answer_outside("9", COUNTS) == ("the answer 9 is outside the range the requirement states for answers "
                                           "(at least 0 and at most 8)")
    lm = scripted_lm({"fits": {"fits": True}, "issues": {"issues": []}})
    made = [Item(question="How many blue triangles are in the image?", answer=answer, answer_origin="tool",
                 images={"image": b"\x89PNG"}, facts="shapes", query={"count": {"color": "blue"}})
            for answer in ("9", "3")]
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outside, inside = (Verifier()(item, subtask="count", answer_type="number", needs_image=True,
                                      intent=Intent(COUNTS)) for item in made)
    assert outside.status == "rejected" and outside.category == "off_target" and "outside the range" in \
        outside.reasons[0]
    assert inside.category != "off_target"
    bound = Facet(key="range", kind="constraint", value="be integers between 0 and 8",
                  quote="be integers between 0 and 8")
    other = Facet(key="other", kind="constraint", value="between 2 and 5 colours", quote="between 2 and 5 colours")
    count = READ.model_copy(update={"key": "count", "answer_type": "number", "facets": []})
    plan = recipe_for(CARDS["gen_shape_scenes"], "number")
    carriers, gaps = coverage([bound, other], [(count, [plan])], [], COUNTS)
    assert carriers == {"range": ["count"], "other": []} and [g.facet for g in gaps] == ["other"]
    label = count.model_copy(update={"answer_type": "label"})
    assert coverage([bound], [(label, [plan])], [], COUNTS)[0] == {"range": []}  # a label answer keeps no range


def test_no_ties_half_yes_half_no_and_no_repeats_are_kept_where_the_build_guarantees_them():
    """'no ties plz' and 'roughly half yes half no' were reported as not kept, though the targets asked only a unique
    largest value and the executor balances a tool's yes and no answers; so was 'never the same month twice', though
    a subtask never draws a record twice."""
    ties = Facet(key="ties", kind="constraint", value="no ties", quote="no ties plz")
    rain = Facet(key="rain", kind="constraint", value="no two months tie for the highest value",
                 quote="please make sure no two months tie for the highest value")
    half = Facet(key="half", kind="constraint", value="roughly half yes half no", quote="roughly half yes half no pls")
    label = recipe_for(CARDS["gen_bar_chart_values"], "label")
    kept = with_target_guarantees(label, [ties, rain, half], "label")
    assert [s.serves for s in kept.steps if s.tool == "chart_label_target"] == [["ties", "rain"]]
    number = with_target_guarantees(recipe_for(CARDS["gen_bar_chart_values"], "number"), [ties, half], "number")
    assert not [s for s in number.steps if s.serves]  # a value read off a chart can tie: nothing guarantees it
    binary = with_target_guarantees(recipe_for(CARDS["gen_bar_chart_values"], "binary"), [ties, half], "binary")
    assert [s.serves for s in binary.steps if s.tool == "chart_binary_target"] == [["half"]]
    draft = READ.model_copy(update={"key": "which", "answer_type": "label", "facets": []})
    carriers, gaps = coverage([ties, half], [(draft, [kept])], [], "bar charts, no ties plz")
    assert carriers == {"ties": ["which"], "half": []} and [g.facet for g in gaps] == ["half"]
    once = Facet(key="once", kind="constraint", value="don't ask about the same month/year twice",
                 quote="don't ask about the same month/year twice")
    other = draft.model_copy(update={"key": "other"})
    assert coverage([once], [(draft, [kept])], [], "")[0] == {"once": ["which"]}  # a subtask draws a record once
    assert coverage([once], [(draft, [kept]), (other, [kept])], [], "")[0] == {"once": []}  # two may draw it twice
    for loose in ("the ties between countries", "neckties for sale", "yes or no answers"):
        assert not with_target_guarantees(label, [Facet(key="x", kind="constraint", value=loose, quote=loose)],
                                          "label").steps[0].serves


def test_the_inspector_cannot_be_overridden_on_sense_for_tool_answers():
    item = Item(question="What is the value for March?", answer="42", answer_origin="tool",
                options=["40", "42", "44", "46"], images={"image": b"\x89PNG"}, facts="chart: March = 42")
    lm = scripted_lm({"fits": {"fits": True}, "actions": {"actions": []},
                      "issues": {"issues": [{"category": "answerability", "severity": "major",
                                             "detail": "two bars are labelled March"}]}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = Verifier()(item, subtask="read", answer_type="choice", needs_image=True, intent=Intent(CHARTS))
    assert outcome.status == "rejected" and outcome.category == "answerability"


def test_a_phrasing_that_asks_other_than_the_tools_target_is_caught():
    goal = "the value shown for 'Apples' in the chart 'Fruit'; the answer is a number"
    item = Item(question="What is the difference between Apples and Pears?", answer="12", answer_origin="tool",
                goal=goal, query={"kind": "value", "category": "Apples"})
    assert not target_check(item).passed and "difference" in target_check(item).detail
    item.question = "What value does the chart show for Pears?"
    assert not target_check(item).passed and "'Apples'" in target_check(item).detail
    item.question = "What value does the chart show for Apples?"
    assert target_check(item).passed


def test_the_largest_value_on_the_axis_is_not_the_tallest_bar():
    """A compiled phrasing copied 'the maximum value shown on the y-axis of the bar chart' from one accepted demo into
    7 of 30 questions: it can be read as the top of the axis."""
    goal = "the largest value shown in the chart 'Rainfall' (not which category holds it); the answer is a number"
    item = Item(question="What is the maximum value shown on the y-axis of the bar chart titled 'Rainfall'?",
                answer="140", answer_origin="tool", goal=goal, query={"kind": "largest"})
    assert not target_check(item).passed and "axis's end" in target_check(item).detail
    item.question = "What is the largest value shown in the bar chart titled 'Rainfall'?"
    assert target_check(item).passed


def test_a_build_rejects_phrasings_that_change_the_tools_question(tmp_path):
    def difference(prompt):
        return {"question": "How much larger is " + phrase_goal(prompt)["question"][8:-1] + " than the smallest bar?"}

    store, run_id, _ = build(tmp_path, chart_answers(question=difference), size=2)
    rows = store.query(
        "SELECT s.id, s.status, t.result ->> '$.query.kind' AS kind, "
        "  (SELECT v.detail FROM verdicts v WHERE v.sample_id = s.id AND v.name = 'asks_tool_target') AS detail "
        "FROM samples s JOIN tool_calls t ON t.slot_id = s.slot_id AND t.tool = 'chart_number_target'")
    asked_value = [r for r in rows if r["kind"] == "value"]
    assert asked_value and all(r["status"] == "rejected" for r in asked_value)
    assert all(r["detail"].startswith("the question asks for a difference and a largest or smallest value but the "
                                      "tool computed: the value shown") for r in asked_value)
    assert all(r["kind"] == "difference" for r in rows if r["status"] == "ok")


FRENCH_CHARTS = "Construis un test de lecture de graphiques à barres pour des élèves de collège"


def french_answers(translation):
    return chart_answers(scope={"scope": {
        "topic": "lecture de graphiques", "modalities": ["image"], "keywords": ["bar", "chart", "values"],
        "facets": [facet("capability", "lecture de graphiques à barres", "lecture de graphiques à barres")]}},
        subtasks={"subtasks": [{**READ.model_dump(), "facets": ["capability_lecture_de_graphiques_barres"]}]},
        translation=translation)


def in_french(prompt: str) -> dict:
    """A translator that keeps the quoted names and every number."""
    quoted = re.findall(r"'[^']*'", section(prompt, "text"))
    return {"translation": "Quelle est la valeur indiquée pour " + " dans le graphique ".join(quoted) + " ?"}


def test_the_items_language_reaches_the_phrasing_and_a_translation_step_writes_them_in_it(tmp_path):
    store, run_id, _ = build(tmp_path, french_answers(in_french), FRENCH_CHARTS, size=2)
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    [translate] = [s for s in plan["steps"] if s["tool"] == "translate"]
    assert translate["serves"] == ["language_items_in_french"] and '="French":language' in translate["inputs"]
    assert not run_summary(store, run_id)["intent"]["gaps"]
    prompts = [json.loads(r["messages"])[-1]["content"] for r in store.query(
        "SELECT messages FROM lm_calls WHERE stage = 'realize'")]
    assert prompts and all("write every question and option in French" in section(p, "subtask") for p in prompts)
    questions = [r["question"] for r in store.query("SELECT question FROM samples WHERE status != 'rejected'")]
    assert len(questions) == 2 and all(q.startswith("Quelle est la valeur indiquée pour '") for q in questions)
    assert detect_language(questions[0])[0] == "fr"


def test_a_translation_left_in_english_is_retried_then_the_slot_fails_never_an_english_item(tmp_path):
    store, run_id, _ = build(tmp_path, french_answers(lambda p: {"translation": section(p, "text")}), FRENCH_CHARTS,
                             size=1)
    assert run_summary(store, run_id)["totals"]["accepted"] == 0
    errors = [r["reason"] for r in store.query("SELECT reason FROM slots WHERE status = 'failed'")]
    assert errors and all("the translation is in English, not French" in e for e in errors)
    assert store.one("SELECT count(*) AS n FROM samples WHERE status != 'rejected'")["n"] == 0


def test_an_english_passage_cannot_carry_a_french_requirement_and_says_so():
    facets = [Facet(key="language_items_in_french", kind="language", value="items in French", quote="en français")]
    card = CARDS["builtin_python_docs"]
    plan = template_plans(card, "choice")[0]
    assert with_language(plan, facets, "French", example_record(card)) == plan
    draft = READ.model_copy(update={"modalities": ["text"]})
    _, gaps = coverage(facets, [(draft, [plan])], [], "en français", "French")
    assert gaps[0].facet == "language_items_in_french" and "not in French" in gaps[0].reason
    french = {"text": "Le chat dort sur le canapé du salon depuis ce matin, et personne ne veut le réveiller."}
    served = with_language(plan, facets, "French", french)
    assert served.steps[0].serves == ["language_items_in_french"] and not any(
        s.tool == "translate" for s in served.steps)


def test_degenerate_items_are_refused():
    item = Item(question="What is the value? " * 60, answer="4", answer_origin="tool", options=["4", "5", "6", "7"])
    lm = scripted_lm({"fits": {"fits": True}, "issues": {"issues": []}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = Verifier()(item, subtask="read", answer_type="choice", needs_image=False, intent=Intent(CHARTS))
    assert outcome.status == "rejected" and outcome.category == "degenerate_text" and not lm.history


# The user's own documents


def test_build_grounds_on_a_users_folder_given_with_source(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.md").write_text(
        "The harbour of Port Ellis was dredged in 1897 so that steamers could berth at low tide. The work took four "
        "years and cost the town twice its annual budget. Fishing boats moved to the north quay, where the water "
        "stayed shallow, and the old fish market followed them within a decade.\n\n" * 3, encoding="utf-8")
    from benchagent.program.sources.user import user_source
    card_id = user_source(docs).card.id
    requirement = "Write comprehension questions about my documents on the harbour's history"
    answers = chart_answers(
        scope={"scope": {"topic": "harbour history comprehension", "modalities": ["text"],
                         "keywords": ["harbour", "comprehension"],
                         "facets": [facet("capability", "comprehension of my documents", "comprehension questions")]}},
        subtasks={"subtasks": [{"key": "harbour_comprehension", "name": "Harbour comprehension",
                                "description": "ask what a passage about the harbour says", "capability":
                                "reading comprehension", "modalities": ["text"], "answer_type": "choice",
                                "rationale": "core", "facets": ["capability_comprehension_of_my_documents"]}]},
        judgments={"judgments": [{"source_id": card_id, "transformable": True, "alignment": 0.9, "coverage": 0.9,
                                  "simplicity": 0.7, "risk": 0.2, "rationale": "the user's documents"}]},
        brief={"brief": {"fit": "a dated event", "core_facts": ["dredged in 1897"], "goal": "ask when",
                         "reasoning_hops": 1, "difficulty_plan": "find the year", "leakage_guards": ["no year"]}},
        question={"question": "In which year was the harbour dredged?", "options": ["1897", "1901", "1887", "1910"],
                  "answer": "1897"},
        answer={"answer": "1897"},
        quotas={"quotas": [{"key": "harbour_comprehension", "importance": 1.0, "quota": 1}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=1, sources=[str(docs)])
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 1 and not summary["intent"]["gaps"]
    assert store.one("SELECT source_id FROM samples")["source_id"] == card_id


# The model proposes, a tool computes


def test_the_model_proposes_a_formula_and_periodictable_computes_the_answer(tmp_path):
    holding = {"hydrogen": "H2SO4", "carbon": "NaHCO3", "nitrogen": "HNO3", "oxygen": "H2SO4", "sodium": "NaHCO3",
               "magnesium": "MgO", "aluminium": "Al2O3", "silicon": "SiO2", "phosphorus": "H3PO4", "sulfur": "H2SO4",
               "chlorine": "NaCl", "potassium": "KCl", "calcium": "Ca(OH)2", "iron": "Fe2O3", "copper": "CuSO4",
               "zinc": "ZnO", "barium": "BaSO4", "lithium": "LiOH", "fluorine": "HF", "bromine": "KBr",
               "silver": "AgNO3", "lead": "PbO", "manganese": "KMnO4", "iodine": "KI"}
    calls = iter(range(1000))

    def propose(prompt):  # an unreadable proposal, then a compound without the element asked, then right ones
        asked = re.search(r"that contains (\w+)", prompt)[1]
        call = next(calls)
        lacking = "NaCl" if asked not in ("sodium", "chlorine") else "MgO"
        return {"content": ["not a formula", lacking][call] if call < 2 else holding[asked]}

    answers = chart_answers(
        scope={"scope": {"topic": "molar mass", "modalities": ["text"], "keywords": ["molar", "mass", "formula"],
                         "facets": [facet("capability", "compute molar mass from a formula",
                                          "compute the molar mass of compounds from their formula")]}},
        subtasks={"subtasks": [{"key": "molar_mass", "name": "Molar mass", "description": "compute a molar mass",
                                "capability": "stoichiometry", "modalities": ["text"], "answer_type": "choice",
                                "rationale": "core", "facets": ["capability_compute_molar_mass_from_a_formula"]}]},
        judgments={"judgments": [{"source_id": "gen_proposed_compounds", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "exact masses"}]},
        content=propose,
        quotas={"quotas": [{"key": "molar_mass", "importance": 1.0, "quota": 3}]})
    requirement = "Test whether a model can compute the molar mass of compounds from their formula"
    store, run_id, _ = build(tmp_path, answers, requirement, size=3, concurrency=1)
    samples = store.query("SELECT question, options, answer, answer_origin, record FROM samples WHERE status = 'ok'")
    assert len(samples) == 3
    for sample in samples:
        formula = next(f for f in set(holding.values()) if re.search(rf"\b{re.escape(f)}\b", sample["question"]))
        mass = Decimal(str(periodictable.formula(formula).mass)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert sample["answer"] == str(mass) and sample["answer_origin"] == "tool"
        assert len(set(json.loads(sample["options"]))) == 4
    failed = [r["reason"] for r in store.query("SELECT reason FROM slots WHERE status = 'failed'")]
    assert len(failed) == 2 and "'notaformula' is not a chemical formula" in failed[0] and "holds no" in failed[1]
    solver = store.query("SELECT detail FROM verdicts WHERE stage = 'solver'")
    assert solver and all(v["detail"].startswith("skipped") for v in solver)


@pytest.mark.parametrize("others", [None, 0.8], ids=["every-score", "alignment-only"])
def test_a_judge_that_scores_alignment_one_half_is_asked_again(others):
    plan = recipe_for(CARDS["gen_bar_chart_values"], "choice")
    verdicts = iter([0.5, 0.9])

    def judge(prompt):
        score = next(verdicts, 0.5)
        return {"judgments": [{"source_id": "gen_bar_chart_values", "transformable": True, "alignment": score,
                               "coverage": others or score, "simplicity": others or score, "risk": 0.5,
                               "rationale": "charts"}]}

    lm = scripted_lm({"judgments": judge})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        [result] = GroundingAgent()(READ, [(CARDS["gen_bar_chart_values"], plan)], {t.name for t in list_tools()},
                                    set(llm_steps()))
    assert result.accepted and result.scores["alignment"] == 0.9 and len(lm.history) == 2


def test_a_tool_that_asks_what_the_subtask_asks_is_aligned_whatever_the_judge_says():
    reading = Facet(key="cap", kind="capability", value="can read values off bar charts",
                    quote="can read values off bar charts")
    counting = Facet(key="count", kind="operation", value="count the triangles", quote="count the triangles")
    draft = READ.model_copy(update={"name": "Read values from bar chart 1", "facets": ["cap"]})
    bars, lines = CARDS["gen_bar_chart_values"], CARDS["gen_line_chart_values"]
    asked = with_asks(recipe_for(bars, "choice"), [reading], draft)
    verdict = {"transformable": True, "alignment": 0.3, "coverage": 0.8, "simplicity": 0.7, "risk": 0.2,
               "rationale": "aligns well"}
    lm = scripted_lm({"judgments": {"judgments": [{"source_id": "gen_bar_chart_values", **verdict},
                                                  {"source_id": "gen_line_chart_values", **verdict}]}})
    tools = {t.name for t in list_tools()}
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        [alone] = GroundingAgent()(draft, [(bars, asked)], tools, set(llm_steps()), facets=[reading])
        assert not lm.history  # the only candidate, aligned by code: nothing for the judge to decide
        by_code, judged = GroundingAgent()(draft, [(bars, asked), (lines, recipe_for(lines, "choice"))], tools,
                                           set(llm_steps()), facets=[reading])
        [part] = GroundingAgent()(draft.model_copy(update={"facets": ["cap", "count"]}), [(bars, asked)], tools,
                                  set(llm_steps()), facets=[reading, counting])
    assert alone.accepted and (alone.scores, alone.score) == ({"alignment": 0.7}, 0.7)
    assert alone.rationale.endswith("asks what cap name: aligned by code at the bar (0.7), no judge asked")
    assert by_code.accepted and by_code.scores["alignment"] == 0.3 and by_code.score == 0.74
    assert by_code.rationale.startswith("aligned by code, its tool asks what cap name (the judge gave alignment 0.30)")
    assert not judged.accepted and judged.rationale.startswith("not aligned with the subtask (alignment 0.30 < 0.7)")
    assert not part.accepted and len(lm.history) == 2


def test_a_judge_scoring_every_source_zero_decides_nothing_and_the_tool_aligned_by_code_is_taken():
    """The 1.5B judge gave the unit conversions and pint's unit table 0 on every score, twice ('does not provide any
    alignment information'), and a temperature requirement was refused though its tool asks the conversion."""
    temperature = Facet(key="op", kind="operation", quote="temperature only",
                        value="conversion of temperature scales between Celsius, Fahrenheit, and Kelvin")
    draft = SubtaskDraft(key="convert", name="Convert Celsius to Fahrenheit", description="convert a temperature",
                         capability="unit conversion", modalities=["text"], answer_type="number", rationale="",
                         facets=["op"])
    units, table = CARDS["gen_unit_conversions"], CARDS["builtin_units"]
    asked = with_asks(recipe_for(units, "number"), [temperature], draft)
    other = template_plans(table, "number", "convert a temperature")[0]
    zero = {"transformable": False, "alignment": 0.0, "coverage": 0.0, "simplicity": 0.0, "risk": 0.0,
            "rationale": "does not provide any alignment information"}
    lm = scripted_lm({"judgments": {"judgments": [{"source_id": "builtin_units", **zero},
                                                  {"source_id": "gen_unit_conversions", **zero}]}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        results = GroundingAgent()(draft, [(table, other), (units, asked)], {t.name for t in list_tools()},
                                   set(llm_steps()), facets=[temperature])
    assert len(lm.history) == 2  # asked again once
    by_id = {g.source_id: g for g in results}
    assert by_id["gen_unit_conversions"].accepted and by_id["gen_unit_conversions"].rationale.startswith(
        "the judge decided nothing twice, and its tool asks what op name")
    assert not by_id["builtin_units"].accepted


def test_only_what_a_facet_says_not_the_words_it_quotes_aligns_a_tool_by_code():
    counting = Facet(key="cnt", kind="capability", value="counting",
                     quote="count the days between two calendar dates written in different formats")
    convert = SubtaskDraft(key="convert", name="Convert Calendar Dates to a Common Format", description="convert",
                           capability="counting", modalities=["text"], answer_type="label", rationale="",
                           facets=["cnt"])
    plan = with_asks(recipe_for(CARDS["gen_calendar_dates"], "label"), [counting], convert)
    assert asked_kinds(plan) is None  # 'calendar dates' names a thing, not a kind of question
    assert asked_by_code(convert, plan, [counting]) == []
    weekday = counting.model_copy(update={"value": "the day of the week N days later"})
    assert asked_by_code(convert, with_asks(recipe_for(CARDS["gen_calendar_dates"], "label"), [weekday], convert),
                         [weekday]) == ["cnt"]  # the facet's weekday is what the items ask
    dated = convert.model_copy(update={"name": "Which date is it N days later"})
    assert asked_by_code(dated, with_asks(recipe_for(CARDS["gen_calendar_dates"], "label"), [weekday], dated),
                         [weekday]) == []  # the name's kinds (dates) are asked, not the facet's weekday


def test_a_unit_conversion_is_aligned_by_code_whatever_the_judge_says():
    """The 1.5B judge scored the unit conversions 0.5 then 0.0 for 'conversion of temperature scales between
    Celsius, Fahrenheit, and Kelvin' ('does not provide any alignment information'), and a temperature requirement
    was refused; the conversion target now names the conversion as its kind of question."""
    temperature = Facet(key="op", kind="operation", quote="Unit conversion items but temperature only",
                        value="conversion of temperature scales between Celsius, Fahrenheit, and Kelvin")
    draft = SubtaskDraft(key="convert", name="Convert Celsius to Fahrenheit", description="convert a temperature",
                         capability="unit conversion", modalities=["text"], answer_type="number", rationale="",
                         facets=["op"])
    plan = with_asks(recipe_for(CARDS["gen_unit_conversions"], "number"), [temperature], draft)
    assert asked_kinds(plan)[1] == ["conversion"] and asked_by_code(draft, plan, [temperature]) == ["op"]
    with pytest.raises(ToolError, match="unknown kinds of question"):
        run_tool("unit_number_target", {"value": "3", "from_unit": "mile", "to_unit": "kilometre", "seed": 0,
                                        "asks": ["largest"]})


def test_a_judge_reply_that_cannot_be_read_is_asked_again_then_refused():
    plan = recipe_for(CARDS["gen_bar_chart_values"], "choice")
    lm = scripted_lm({"judgments": {"judgments": [{"source_id": "gen_bar_chart_values", "transformable": True}]}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        [result] = GroundingAgent()(READ, [(CARDS["gen_bar_chart_values"], plan)], {t.name for t in list_tools()},
                                    set(llm_steps()))
    assert not result.accepted and result.rationale == "the judge's reply could not be read twice"
    assert len(lm.history) == 2


def test_list_schemas_sent_to_llama_cpp_are_bounded():
    from benchagent.lm.llama_engine import MAX_ITEMS, response_format_fields

    judgment = {"type": "object", "properties": {"tags": {"type": "array", "maxItems": 3, "items": {"type": "string"}}}}
    schema = {"type": "object", "properties": {"judgments": {"type": "array", "items": judgment}}}
    sent = response_format_fields({"type": "json_schema", "schema": schema})["json_schema"]
    assert sent["properties"]["judgments"]["maxItems"] == MAX_ITEMS
    assert sent["properties"]["judgments"]["items"]["properties"]["tags"]["maxItems"] == 3


def test_a_vague_requirement_is_not_read_as_a_benchmark_about_benchmarks():
    scope = Scope(topic="hard benchmark", modalities=["text", "audio"], keywords=["hard"],
                  interpretation="The user should be asked to create a hard benchmark with a complex scenario.")
    planned = contract("make me a hard benchmark", scope)
    assert "benchmark" not in planned.interpretation and "word problems" in planned.interpretation


def test_an_audio_modality_nobody_asked_for_is_dropped_not_a_gap(tmp_path):
    answers = chart_answers(subtasks={"subtasks": [{**READ.model_dump(), "modalities": ["image", "audio"]}]})
    store, run_id, _ = build(tmp_path, answers, size=1)
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 1 and not summary["intent"]["gaps"]
    assert json.loads(store.one("SELECT modalities FROM subtasks")["modalities"]) == ["image"]


@pytest.mark.parametrize("requirement, said", [
    ("Reading comprehension on short passages about everyday science, with why-questions", ["everyday science"]),
    ("Read values off bar charts about rainfall and count the bars", ["rainfall"]),
    ("About 20 questions testing SQL joins.", []),
    ("Count the triangles in images about 200 pixels wide", []),
    ("Questions about what happens in the story", []),
    ("How about a benchmark of reading comprehension on news articles?", []),
    ("Short passages about it and questions regarding them", []),
    ("Questions related to about 100 cities", []),
    ("Monthly rainfall questions, and don't ask about the same month/year twice.", []),
    ("Questions not about sports but about history", ["history"]),
])
def test_what_the_items_are_about_is_a_short_phrase_after_about(requirement, said):
    assert subjects(requirement) == said
    assert set(said) <= {f.value for f in seen_facets(requirement, []) if f.kind == "topic"}


def test_facets_filed_under_the_wrong_kind_are_dropped_and_those_quoting_everything_requoted():
    requirement = ("Test whether a model can answer lookup questions about a table of product prices, where the "
                   "table is given as an image, not as text.")
    junk = "the table is given as an image"
    scope = Scope(topic="tables", modalities=["image"], keywords=[], facets=[
        Facet(kind=kind, value=junk, quote=requirement) for kind in ("degradation", "answer_format", "level")] + [
        Facet(kind="presentation", value=junk, quote=junk), Facet(kind="operation", value="lookup", quote=requirement)])
    kept = [(f.kind, f.value) for f in contract(requirement, scope).facets]
    # the operation quoted everything, and quotes instead the words its value names: 'lookup'
    assert kept == [("presentation", junk), ("operation", "lookup"), ("topic", "a table of product prices")]
    assert contract(requirement, scope).facets[1].quote == "lookup"


def test_a_capability_or_topic_that_only_says_benchmark_is_replaced_by_the_requirement():
    requirement = "Build a benchmark that tests whether a model can read values off bar charts"
    said = Facet(kind="capability", value="benchmark", quote="benchmark")
    scope = Scope(topic="benchmark", modalities=["image"], keywords=[], facets=[said])
    [capability] = [f for f in contract(requirement, scope).facets if f.kind == "capability"]
    assert capability.value == requirement


def test_a_source_whose_items_keep_missing_the_requirement_is_dropped_for_the_others():
    from benchagent.program.executor.quota import Scheduler, SourceQuota, SubtaskQuota

    plan = recipe_for(CARDS["gen_bar_chart_values"], "choice")
    good, off = (SourceQuota(f"grd_{n}", f"src_{n}", plan, 2, list(range(10))) for n in ("good", "off"))
    subtask = SubtaskQuota("sub", READ, 4, 12, [good, off])
    scheduler = Scheduler([subtask], 0)
    jobs = [scheduler.next_job() for _ in range(4)]
    assert [j.source.source_id for j in jobs] == ["src_good", "src_off", "src_good", "src_off"]
    for job in jobs:
        scheduler.finish(job, job.source is good, None if job.source is good else "off_target")
    assert not off.cut  # two misses against two good items of the subtask: not yet evidence enough
    job = scheduler.next_job()
    assert job.source is off
    scheduler.finish(job, False, "off_target")
    assert off.cut and not good.cut
    refill = [scheduler.next_job() for _ in range(2)]
    assert [j.source.source_id for j in refill] == ["src_good", "src_good"]  # the dropped source's share moves
    for job in refill:
        scheduler.finish(job, False, "ambiguity")
    assert "src_off dropped after 3 off-target items" in subtask.shortfall_reason()


def test_the_plan_tree_and_the_yaml_show_facets_what_carries_them_and_gaps(tmp_path):
    from io import StringIO

    from rich.console import Console

    from benchagent.report import print_spec
    from benchagent.specfile import read_spec, write_spec

    answers = degraded_answers()
    answers["scope"]["scope"]["facets"].append(facet("topic", "planet facts", "planet facts"))
    store = open_store(tmp_path / "b.db")
    spec = Build(store, scripted_lm(answers), BuildRequest(CHARTS + ", some blurred or rotated, and planet facts", 2,
                                                           "scripted")).plan_only()
    buffer = StringIO()
    print_spec(Console(file=buffer, width=400), spec)
    tree = buffer.getvalue()
    assert "degradation_blurred_or_rotated_charts (degradation) 'blurred or rotated charts' from \"blurred or " \
           "rotated\": carried by read_value" in tree
    assert "topic_planet_facts (topic) 'planet facts' from \"planet facts\": not carried: no grounded subtask" in tree
    assert "PURE degrade_image: interim.clean_image:image, =[\"blur\", \"rotation\"]:kinds" in tree
    assert "[serves degradation_blurred_or_rotated_charts]" in tree
    write_spec(spec, tmp_path / "spec.yaml")
    again = read_spec(tmp_path / "spec.yaml")
    assert again.scope.facets == spec.scope.facets and again.gaps == spec.gaps
    assert again.subtasks[0].facets == spec.subtasks[0].facets


def test_a_source_sharing_no_topic_with_the_subtask_is_not_offered_to_the_judge(tmp_path):
    requirement = "Create a reading comprehension benchmark of short passages"
    answers = chart_answers(
        scope={"scope": {"topic": "passage comprehension", "modalities": ["text"], "keywords": ["molar", "passage"],
                         "facets": [facet("capability", "reading comprehension", "reading comprehension")]}},
        subtasks={"subtasks": [{"key": "news", "name": "Passage comprehension", "description": "ask about a passage",
                                "capability": "reading comprehension", "modalities": ["text"],
                                "answer_type": "choice", "rationale": "core", "facets": []}]},
        judgments={"judgments": [{"source_id": "gen_proposed_compounds", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "anything goes"}]})
    store = open_store(tmp_path / "b.db")
    Build(store, scripted_lm(answers), BuildRequest(requirement, 2, "scripted")).plan_only()
    judged = [json.loads(r["messages"])[-1]["content"] for r in store.query(
        "SELECT messages FROM lm_calls WHERE stage = 'grounding'")]
    assert judged and all("builtin_python_docs" in m for m in judged)  # passages share the topic
    assert not any("gen_proposed_compounds" in m for m in judged)  # chemistry does not, however the judge rates it


def test_a_subtask_nothing_can_serve_is_dropped_with_its_reason_beside_one_that_is_built(tmp_path):
    spoken = {"key": "spoken", "name": "Spoken values", "description": "listen to an audio recording of the values",
              "capability": "listening", "modalities": ["audio"], "answer_type": "choice", "rationale": "also asked",
              "facets": []}
    answers = chart_answers(subtasks={"subtasks": [READ.model_dump(), spoken]},
                            quotas={"quotas": [{"key": "read_value", "importance": 1.0, "quota": 2}]})
    store, run_id, _ = build(tmp_path, answers, CHARTS + " and from audio recordings", size=2)
    assert run_summary(store, run_id)["totals"]["accepted"] == 2
    document = json.loads(store.one("SELECT spec FROM specs")["spec"])
    assert document["dropped"] == [{"key": "spoken", "name": "Spoken values", "reasons": [
        "no tool or source here produces audio inputs, so items cannot be spoken or heard"]}]
    assert store.query("SELECT g.source_id FROM groundings g JOIN subtasks t ON t.id = g.subtask_id "
                       "WHERE t.key = 'spoken'") == []


def named_bar_answers():
    return chart_answers(scope={"scope": {
        "topic": "bar chart reading", "modalities": ["image"], "keywords": ["bar", "chart", "values"],
        "facets": [facet("capability", "reading values off bar charts", "read values off bar charts"),
                   facet("question_kind", "the value of one named bar", "asking for the value of one named bar")]}})


def test_a_question_kind_facet_narrows_the_tools_target_and_the_step_serves_it(tmp_path):
    store, run_id, _ = build(tmp_path, named_bar_answers(), CHARTS + ", asking for the value of one named bar", size=4)
    assert run_summary(store, run_id)["totals"]["accepted"] == 4
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    [target] = [s for s in plan["steps"] if s["tool"] == "chart_number_target"]
    assert '=["value"]:asks' in target["inputs"] and "question_kind_the_value_of_one_named_bar" in target["serves"]
    queries = [json.loads(c["result"])["query"] for c in store.query(
        "SELECT result FROM tool_calls WHERE tool = 'chart_number_target'")]
    assert len(queries) >= 4 and {q["kind"] for q in queries} == {"value"}


@pytest.mark.parametrize("tool, args, asks, kind_of", [
    ("chart_number_target", {"title": "Sales", "categories": ["A", "B", "C"], "values": [3, 9, 5]}, ["difference"],
     lambda q: q["kind"]),
    ("table_number_target", {"title": "Prices", "columns": ["Product", "Kind", "Price"],
                             "rows": [["Tea", "drink", 3], ["Jam", "food", 5], ["Milk", "drink", 2]]}, ["lookup"],
     lambda q: "lookup" if q["where"] and q["where"]["column"] == "Product" else "other"),
    ("scene_number_target", {"shapes": [{"shape": s, "color": c} for s, c in
                                        [("circle", "red"), ("square", "red"), ("square", "blue")]]}, ["colour"],
     lambda q: "colour" if list(q["count"]) == ["color"] else "other"),
])
def test_a_narrowed_target_asks_only_the_named_kind(tool, args, asks, kind_of):
    free = {kind_of(run_tool(tool, {**args, "seed": s}).result["query"]) for s in range(40)}
    kept = {kind_of(run_tool(tool, {**args, "seed": s, "asks": asks}).result["query"]) for s in range(40)}
    assert len(free) > 1 and kept == {asks[0]}
    with pytest.raises(Exception, match="unknown kinds of question"):
        run_tool(tool, {**args, "seed": 0, "asks": ["nonsense"]})


def test_a_table_of_product_prices_gets_price_lookups_from_shop_tables_only(tmp_path):
    requirement = ("Test whether a model can answer lookup questions about a table of product prices, where the "
                   "table is given as an image")
    answers = chart_answers(
        scope={"scope": {"topic": "price tables", "modalities": ["image"], "keywords": ["table", "prices"],
                         "facets": [facet("question_kind", "lookup questions", "lookup questions")]}},
        subtasks={"subtasks": [{**READ.model_dump(), "key": "price_lookup", "name": "Price lookup",
                                "description": "look up a product's price in a table image",
                                "facets": ["question_kind_lookup_questions"]}]},
        judgments={"judgments": [{"source_id": "gen_small_tables", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "tables"}]},
        quotas={"quotas": [{"key": "price_lookup", "importance": 1.0, "quota": 4}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=4)
    assert run_summary(store, run_id)["totals"]["accepted"] == 4
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert plan["where"] == {"theme": ["shop_sales"]}
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'table_number_target'")]
    assert len(calls) >= 4 and all(c["columns"][0] == "Product" for c in calls)
    assert all(c["query"]["where"]["column"] == "Product" for c in calls)  # a cell of a named product, no aggregate


def test_when_the_users_own_source_serves_a_subtask_the_built_in_ones_are_set_aside():
    from benchagent.program.planner.planning import own_first
    from benchagent.program.planner.grounding import Grounding
    judged = [Grounding("user_news_1", None, {}, 0.8, True, "the user's articles"),
              Grounding("builtin_python_docs", None, {}, 0.9, True, "passages to read"),
              Grounding("gen_small_tables", None, {}, 0.2, False, "not aligned")]
    kept = own_first(judged, {"user_news_1"})
    assert [g.accepted for g in kept] == [True, False, False]
    assert kept[1].rationale.startswith("set aside: the user's own source serves this subtask")
    assert own_first(judged[1:], {"user_news_1"}) == judged[1:]  # no own source accepted: the others stand


def test_the_fit_check_sees_the_whole_table_the_question_is_about():
    rows = "; ".join(f"Product {i} | Drinks | {100 + i} | {i % 9 + 1} | {(100 + i) * (i % 9 + 1)}" for i in range(12))
    item = Item(question="What is the price of the product 'Product 11'?", answer="3", answer_origin="tool",
                options=["1", "2", "3", "4"], images={"image": b"\x89PNG"},
                facts=f"table 'Sales at the kiosk': Product | Category | Units sold | Price ($) | Revenue ($); {rows}")
    lm = scripted_lm({"fits": lambda prompt: {"fits": "Product 11 |" in section(prompt, "item")},
                      "issues": {"issues": []}})
    intent = Intent("Test whether a model can answer lookup questions about a table of product prices")
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = Verifier()(item, subtask="price lookup", answer_type="choice", needs_image=True, intent=intent)
    assert outcome.status != "rejected" and outcome.category != "off_target"


def test_a_source_that_cannot_serve_a_facet_another_serves_is_set_aside():
    from benchagent.program.planner.planning import served_first
    from benchagent.program.planner.grounding import Grounding
    scenes = with_asks(recipe_for(CARDS["gen_shape_scenes"], "choice"),
                       [Facet(key="op", kind="operation", value="count shapes of a given colour", quote="q")],
                       READ.model_copy(update={"facets": ["op"]}))
    digits = template_plans(CARDS["builtin_digits"], "choice")[0]
    judged = [Grounding("gen_shape_scenes", scenes, {}, 0.8, True, "shapes"),
              Grounding("builtin_digits", digits, {}, 0.8, True, "images to count")]
    kept = served_first(judged)
    assert [g.accepted for g in kept] == [True, False] and "serves op, this one cannot" in kept[1].rationale
    assert served_first(judged[1:]) == judged[1:]


def test_a_question_that_does_not_ask_the_field_the_tool_chose_is_caught():
    item = Item(question="How many red circles are in the image?", answer="7", answer_origin="tool",
                options=["5", "9", "1", "7"], images={"image": b"\x89PNG"}, goal="the digit shown in the image",
                query={"ask": "digit"})
    result = target_check(item)
    assert not result.passed and "does not ask for the digit" in result.detail
    asked = Item(question="Which digit does the image show?", answer="7", answer_origin="tool",
                 options=["5", "9", "1", "7"], goal="the digit shown in the image", query={"ask": "digit"})
    assert target_check(asked).passed


def test_a_record_lookup_about_other_things_than_the_subtask_is_refused():
    from benchagent.program.planner.plan_writer import asks_about_other_things
    capitals = "Capital city: ask the capital city of a country"
    airports = template_plans(CARDS["builtin_airports"], "choice", capitals)[0]
    assert "its records are airports named by their iata" in asks_about_other_things(
        airports, CARDS["builtin_airports"], capitals)
    codes = "Country codes: ask the alpha 3 code of a country"
    assert asks_about_other_things(template_plans(CARDS["builtin_countries"], "choice", codes)[0],
                                   CARDS["builtin_countries"], codes) is None
    country = template_plans(CARDS["builtin_countries"], "choice", capitals)[0]  # GeoNames gives the capitals
    assert asks_about_other_things(country, CARDS["builtin_countries"], capitals, "Capital city") is None
    assert any(i.startswith("original.capital:answer.") for i in country.steps[0].inputs)
    driving = "Driving side: ask which side of the road a country drives on"
    assert "holds no field for what the subtask asks (Driving side)" in asks_about_other_things(
        template_plans(CARDS["builtin_countries"], "choice", driving)[0], CARDS["builtin_countries"], driving,
        "Driving side")
    assert asks_about_other_things(country, CARDS["builtin_countries"], codes, "Country codes") is None
    flags = "Flag Quiz: Show Emoji and Identify Country"  # 'quiz', 'show' and 'identify' say how, not what
    assert asks_about_other_things(country, CARDS["builtin_countries"], flags, flags) is None
    molar = "Molar mass: compute the molar mass of a compound from its formula"
    elements = template_plans(CARDS["builtin_elements"], "number", molar)[0]
    assert asks_about_other_things(elements, CARDS["builtin_elements"], molar)


def test_a_table_question_about_a_row_the_tool_did_not_pick_is_caught():
    query = {"agg": "sum", "column": "Price ($)", "where": {"column": "Product", "op": "==", "value": "Popcorn"}}
    goal = "the 'Price ($)' of 'Popcorn' in the table; the answer is a number"
    wrong = Item(question="What is the price of the product 'Laptop'?", answer="9", answer_origin="tool",
                 options=["6", "8", "7", "9"], goal=goal, query=query)
    assert not target_check(wrong).passed and "'Popcorn'" in target_check(wrong).detail
    right = Item(question="What is the price of Popcorn in the table?", answer="9", answer_origin="tool",
                 options=["6", "8", "7", "9"], goal=goal, query=query)
    assert target_check(right).passed


def test_a_kind_of_text_the_requirement_names_must_be_held_by_the_source(tmp_path):
    requirement = ("Create a reading comprehension benchmark where each item gives a short news-style passage and "
                   "asks a question answerable only from that passage")
    scope = contract(requirement, Scope(topic="reading comprehension", modalities=["text"],
                                        keywords=["reading", "comprehension", "passage"]))
    [news] = [f for f in scope.facets if f.kind == "topic" and f.quote == "news"]
    assert news.value == "news texts"
    assert missing_topic(CARDS["builtin_python_docs"], [news]) == "topic 'news texts'"
    answers = chart_answers(
        scope={"scope": {"topic": "reading comprehension", "modalities": ["text"],
                         "keywords": ["reading", "comprehension", "passage"]}},
        subtasks={"subtasks": [{"key": "news_reading", "name": "News reading", "description":
                                "ask what a short news passage says", "capability": "reading comprehension",
                                "modalities": ["text"], "answer_type": "choice", "rationale": "core"}]},
        judgments={"judgments": [{"source_id": "builtin_python_docs", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "passages"}]})
    with pytest.raises(PlanningError, match="does not hold the topic 'news texts'"):
        build(tmp_path, answers, requirement)


def test_a_subtask_that_names_the_maximum_asks_the_largest_value_and_a_phrasing_mixing_it_is_caught(tmp_path):
    maximum = {**READ.model_dump(), "key": "max_value", "name": "Identify the maximum value in a bar chart",
               "description": "read the highest value the chart shows", "answer_type": "number"}
    answers = chart_answers(subtasks={"subtasks": [maximum]},
                            quotas={"quotas": [{"key": "max_value", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'chart_number_target'")]
    assert len(calls) >= 3 and all(c["asks"] == ["largest"] and c["query"] == {"kind": "largest"} for c in calls)
    assert all(c["answer"] == str(max(c["values"])) for c in calls)

    mixed = Item(question="What is the maximum value shown for 'Red' in the chart 'Cars sold'?", answer="10",
                 answer_origin="tool",
                 goal="the value shown for 'Red' in the chart 'Cars sold'; the answer is a number",
                 query={"kind": "value", "category": "Red"})
    result = target_check(mixed)
    assert not result.passed and "asks for a largest or smallest value" in result.detail
    mixed.question = "What value does the chart 'Cars sold' show for Red? Answer at least one number."
    assert target_check(mixed).passed  # 'at least' is no superlative


def test_a_subtask_about_dates_is_not_grounded_on_shapes_for_sharing_count_and_compare(tmp_path):
    requirement = "Test whether a model can count the days between two calendar dates written in different formats"
    compare = {"key": "compare_dates", "name": "Compare two calendar dates",
               "description": "compare two calendar dates written in different formats and say which is later",
               "capability": "counting dates", "modalities": ["text", "image"], "answer_type": "binary",
               "rationale": "dates", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "counting dates", "modalities": ["text", "image"],
                         "keywords": ["date", "count", "calendar", "format", "comparison"]}},
        subtasks={"subtasks": [compare]},
        judgments={"judgments": [{"source_id": source, "transformable": True, "alignment": 0.8, "coverage": 0.8,
                                  "simplicity": 0.8, "risk": 0.1, "rationale": "fits"}
                                 for source in ("gen_shape_scenes", "gen_calendar_dates")]},
        quotas={"quotas": [{"key": "compare_dates", "importance": 1.0, "quota": 2}]})
    store, _, _ = build(tmp_path, answers, requirement, size=2)
    judged = {r["source_id"] for r in store.query("SELECT source_id FROM groundings")}
    assert "gen_shape_scenes" not in judged and "gen_calendar_dates" in judged
    assert json.loads(store.one("SELECT modalities FROM subtasks WHERE key = 'compare_dates'")["modalities"]) == [
        "text"]
    scenes = CARDS["gen_shape_scenes"]
    assert not shares_topic(scenes, requirement + " compare two dates and find the most common format")
    assert shares_topic(scenes, "count the red circles in a scene")


@pytest.mark.parametrize("question, answer, options, passed", [
    ("What are the main topics covered in the local news articles?", "The community orchard", None, False),
    ("What is the main topic of the passage?", "Photosynthesis", None, False),
    ("What is the main topic of the passage?", "Photosynthesis", ["Photosynthesis", "Rain", "Soil", "Wind"], True),
    ("What are the benefits of the new bridge?", "Shorter commutes", None, False),
    ("What are the benefits of the new bridge?", "Shorter commutes and cleaner air", None, True),
    ("List the ingredients of the cake.", "flour", None, False),
    ("Why does ice float on water?", "It is less dense than water", None, True),
    ("What are the odds of rain in the forecast?", "30 percent", None, True),
])
def test_a_written_question_with_more_right_answers_than_its_gold_is_caught(question, answer, options, passed):
    written = Item(question=question, answer=answer, answer_origin="llm", options=options)
    assert open_question_check(written).passed is passed
    assert open_question_check(Item(question=question, answer=answer, answer_origin="tool", options=options)).passed


def test_passages_that_hold_none_of_the_requirements_subject_are_not_grounded_on(tmp_path):
    requirement = "Reading comprehension on short passages about everyday science, with multiple-choice questions"
    why = {"key": "why_it_happens", "name": "Explain why something happens", "capability": "reading comprehension",
           "description": "read the passage and choose why something happens", "modalities": ["text"],
           "answer_type": "choice", "rationale": "asked", "facets": ["topic_reading_comprehension"]}
    answers = chart_answers(
        scope={"scope": {"topic": "reading comprehension", "modalities": ["text"],
                         "keywords": ["reading comprehension", "passages", "science"],
                         "facets": [facet("topic", "Reading comprehension", requirement),
                                    facet("topic", "Everyday science", requirement)]}},
        subtasks={"subtasks": [why]},
        judgments={"judgments": [{"source_id": "builtin_python_docs", "transformable": True, "alignment": 0.8,
                                  "coverage": 0.8, "simplicity": 0.8, "risk": 0.1, "rationale": "passages"}]},
        quotas={"quotas": [{"key": "why_it_happens", "importance": 1.0, "quota": 2}]})
    with pytest.raises(PlanningError, match="topic 'Everyday science' the requirement is about"):
        build(tmp_path, answers, requirement, size=2)
    store = open_store(tmp_path / "b.db")
    assert store.query("SELECT source_id FROM groundings WHERE accepted = 1") == []


def test_counting_only_triangles_is_grounded_on_scenes_and_asks_the_triangles(tmp_path):
    requirement = ("I want images with a mix of coloured circles, squares and triangles, and the model has to count "
                   "only the triangles (any colour). Answer is a single integer.")
    triangles = {"key": "count_triangles", "name": "Count triangles in coloured images", "capability": "counting",
                 "description": "count the triangles; the images can have coloured circles, squares and triangles",
                 "modalities": ["image"], "answer_type": "number", "rationale": "asked",
                 "facets": ["operation_count_only_the_triangles"]}
    answers = chart_answers(
        scope={"scope": {"topic": "image processing", "modalities": ["image"],
                         "keywords": ["image processing", "image analysis", "image recognition"],
                         "facets": [facet("operation", "count only the triangles (any colour)",
                                          "count only the triangles", "operation_count_only_the_triangles")]}},
        subtasks={"subtasks": [triangles]},
        judgments={"judgments": [{"source_id": source, "transformable": True, "alignment": 1.0, "coverage": 1.0,
                                  "simplicity": 1.0, "risk": 0.0, "rationale": "easy to count"}
                                 for source in ("gen_small_tables", "gen_printed_numbers", "gen_shape_scenes")]},
        quotas={"quotas": [{"key": "count_triangles", "importance": 1.0, "quota": 3}]})
    circles = {**triangles, "key": "count_circles", "name": "Identify coloured circles in images",
               "description": "count the coloured circles in each image", "facets": []}
    answers["subtasks"]["subtasks"].append(circles)  # invented beside what was asked: 'only' keeps one subtask
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    assert [r["key"] for r in store.query("SELECT key FROM subtasks")] == ["count_triangles"]
    assert {r["source_id"] for r in store.query("SELECT source_id FROM groundings WHERE accepted = 1")} == {
        "gen_shape_scenes"}
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'scene_number_target'")]
    assert len(calls) >= 3 and all(c["asks"] == ["triangles"] and c["query"] == {"count": {"shape": "triangle"}}
                                   for c in calls)
    assert all(c["answer"] == str(sum(s["shape"] == "triangle" for s in c["shapes"])) for c in calls)


def test_fahrenheit_to_celsius_to_one_decimal_draws_those_conversions_rounded_so(tmp_path):
    requirement = ("Test Fahrenheit to Celsius conversion. Answers must be in °C rounded to one decimal place; "
                   "include negative temperatures.")
    convert = {"key": "f_to_c", "name": "Convert Fahrenheit to Celsius", "capability": "temperature conversion",
               "description": "convert a temperature in Fahrenheit to Celsius", "modalities": ["text"],
               "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "temperature conversion", "modalities": ["text"],
                         "keywords": ["temperature", "conversion", "Fahrenheit", "Celsius"],
                         "facets": [facet("operation", "convert Fahrenheit to Celsius", "Fahrenheit to Celsius"),
                                    facet("answer_format", "rounded to one decimal place",
                                          "rounded to one decimal place")]}},
        subtasks={"subtasks": [convert]},
        judgments={"judgments": [{"source_id": "gen_unit_conversions", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "conversions"}]},
        quotas={"quotas": [{"key": "f_to_c", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert plan["where"] == {"from_unit": ["degree Fahrenheit"], "to_unit": ["degree Celsius"]}
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'unit_number_target'")]
    assert len(calls) >= 3
    for call in calls:
        assert (call["from_unit"], call["to_unit"], call["places"]) == ("degree Fahrenheit", "degree Celsius", 1)
        assert float(call["answer"]) == pytest.approx((float(call["value"]) - 32) * 5 / 9, abs=0.051)
    document = json.loads(store.one("SELECT spec FROM specs")["spec"])
    assert not [g for g in document["spec"]["gaps"] if "decimal" in g["facet"]]
    assert document["facet_carriers"]["answer_format_rounded_to_one_decimal_pla"] == ["f_to_c"]


def test_the_weekday_of_dates_in_the_1900s_asks_that_of_dates_of_that_century(tmp_path):
    """An unseen requirement was refused: the calendar source asked weekdays only some days from a 'today' in
    2000-2035. Its any-year date is now drawn from the century named, and the question asks its weekday."""
    from benchagent.program.sources.families.calendar import picked_dates

    requirement = "day of week for random dates in 1900s, answer full weekday name"
    assert picked_dates(requirement) == {"century": ["1900s"]}
    assert picked_dates("the weekday of dates in the 1930s") == {"decade": ["1930s"]}
    assert picked_dates("weekday of a date in the nineteenth century") == {"century": ["1800s"]}
    assert picked_dates("days between two dates in the 1990s") == {}  # not a weekday of a date
    # the 1.5B model's subtask names a date and a weekday, which both weekday kinds share: the requirement settles it
    drawn = READ.model_copy(update={"name": "Random Date in 1900s", "facets": [], "description": (
        "Generate a random date in the 1900s and provide the full weekday name.")})
    calendar = recipe_for(CARDS["gen_calendar_dates"], "label")
    assert [i for s in with_asks(calendar, [], drawn, requirement).steps for i in s.inputs if i.endswith(":asks")] == [
        '=["weekday of a date"]:asks']
    plain = drawn.model_copy(update={"name": "Weekday", "description": "provide the full weekday name"})
    assert [i for s in with_asks(calendar, [], plain, requirement).steps for i in s.inputs if i.endswith(":asks")] == [
        '=["weekday of a date"]:asks']
    assert [i for s in with_asks(calendar, [], plain, "weekday questions").steps for i in s.inputs
            if i.endswith(":asks")] == ['=["weekday", "weekday of a date"]:asks']  # nothing settles them
    weekday = {"key": "weekday", "name": "Day of week for random dates in 1900s", "capability": "date reasoning",
               "description": "say the day of the week a date in the 1900s fell on", "modalities": ["text"],
               "answer_type": "label", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "day of week", "modalities": ["text"], "keywords": ["day of week", "dates"],
                         "facets": [facet("operation", "day of week for random dates", "day of week for random dates"),
                                    facet("answer_format", "full weekday name", "answer full weekday name")]}},
        subtasks={"subtasks": [weekday]},
        judgments={"judgments": [{"source_id": "gen_calendar_dates", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "weekdays"}]},
        quotas={"quotas": [{"key": "weekday", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert plan["where"] == {"century": ["1900s"]}
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'calendar_label_target'")]
    assert len(calls) >= 3
    for call in calls:
        day = dt.date.fromisoformat(call["date"])
        assert call["asks"] == ["weekday of a date"] and 1900 <= day.year <= 1999
        assert call["answer"] == day.strftime("%A") and call["context"] == ""
        assert f"{day.day} {day.strftime('%B')} {day.year}" in call["goal"]


def test_days_between_dates_of_the_years_named_are_written_as_the_example_writes_them(tmp_path):
    """An unseen requirement got dates of any year from 2000 to 2035, written day first, and its year constraint was
    reported as not kept: today and the later date now fall in the years named, written 'March 5, 2024'."""
    from benchagent.program.sources.families.calendar import picked_dates

    requirement = ('Generate 40 date-arithmetic questions of the form "How many days are there between DATE A and '
                   'DATE B?" Both dates must fall in 2023 or 2024 (so some intervals cross Feb 29, 2024). Count the '
                   'days exclusive of the start date. The answer is just an integer, no units. Write dates as "March '
                   '5, 2024", not numerically.')
    assert picked_dates("weekday of dates between 1950 and 1959") == {"date_year": [str(y) for y in range(1950, 1960)]}
    assert picked_dates("days until a date given as 03/11/2021") == {}  # a year inside a written date picks none
    days = {"key": "days", "name": "Days between two dates", "capability": "date arithmetic",
            "description": "how many days there are between two dates", "modalities": ["text"],
            "answer_type": "number", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "date arithmetic", "modalities": ["text"], "keywords": ["dates", "days between"],
                         "facets": [facet("operation", "how many days between two dates",
                                          "How many days are there between DATE A and DATE B"),
                                    facet("constraint", "both dates fall in 2023 or 2024",
                                          "Both dates must fall in 2023 or 2024"),
                                    facet("presentation", 'dates written as "March 5, 2024"',
                                                  'Write dates as "March 5, 2024"')]}},
        subtasks={"subtasks": [days]},
        judgments={"judgments": [{"source_id": "gen_calendar_dates", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "dates"}]},
        quotas={"quotas": [{"key": "days", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert plan["where"] == {"start_year": ["2023", "2024"], "end_year": ["2023", "2024"]}
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'calendar_number_target'")]
    assert len(calls) >= 3
    for call in calls:
        start, end = dt.date.fromisoformat(call["start"]), dt.date.fromisoformat(call["end"])
        assert {start.year, end.year} <= {2023, 2024} and call["answer"] == str((end - start).days)
        assert call["date_format"] == "Month D, YYYY" and call["context"] == ""  # both dates asked, no 'today'
        assert (f"between {start.strftime('%B')} {start.day}, {start.year} and {end.strftime('%B')} {end.day}, "
                f"{end.year};") in call["goal"]
    document = json.loads(store.one("SELECT spec FROM specs")["spec"])
    [key] = [k for k in document["facet_carriers"] if k.startswith("constraint_both_dates")]
    assert document["facet_carriers"][key] == ["days"] and not [g for g in document["spec"]["gaps"]
                                                                 if g["facet"] == key]

def test_a_date_some_days_after_a_date_of_the_years_named_counts_from_that_date_not_today(tmp_path):
    """An unseen requirement ('what date is N days after <date>', start dates 1700-1799) got 'What date is 94 days
    after today' in 2008, and its year constraint was reported as kept: the records were bounded by the year of
    the date of any year, which that question does not show."""
    from benchagent.program.sources.families.calendar import picked_dates

    requirement = ('date math qs: "what date is N days after <date>", start dates 1700-1799, N between 100 and '
                   '1000. ans as YYYY-MM-DD. make sure a few of them cross end of feb 1700 or 1800')
    assert picked_dates(requirement) == {"date_year": [str(y) for y in range(1700, 1800)]}
    after = {"key": "date_math", "name": "Date math", "capability": "date arithmetic",
             "description": "calculate the date N days after a given date", "modalities": ["text"],
             "answer_type": "label", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "date math", "modalities": ["text"], "keywords": ["dates"],
                         "facets": [facet("operation", "calculate the date N days after a given date",
                                          '"what date is N days after <date>"'),
                                    facet("constraint", "the date must be between 1700 and 1799",
                                          "start dates 1700-1799"),
                                    facet("constraint", "the number of days must be between 100 and 1000",
                                          "N between 100 and 1000")]}},
        subtasks={"subtasks": [after]},
        judgments={"judgments": [{"source_id": "gen_calendar_dates", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "dates"}]},
        quotas={"quotas": [{"key": "date_math", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert {'=["date after"]:asks', '="date":counts_from'} <= set(plan["steps"][0]["inputs"])
    # 'the number of days' names the offset and the days between two dates alike: the question reads the offset
    assert plan["within"] == {"offset_days": {"ge": 100, "le": 1000}, "date_year": {"ge": 1700, "le": 1799}}
    assert not json.loads(store.one("SELECT spec FROM specs")["spec"])["spec"]["gaps"]
    for call in [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
            "SELECT args, result FROM tool_calls WHERE tool = 'calendar_label_target'")]:
        day = dt.date.fromisoformat(call["date"])
        assert 1700 <= day.year <= 1799 and call["context"] == "" and "today" not in call["goal"]
        assert 100 <= call["offset_days"] <= 1000
        assert call["answer"] == (day + dt.timedelta(days=call["offset_days"])).isoformat()
        assert call["goal"].startswith(f"the date {call['offset_days']} days after {day.day} ")


def test_a_percent_change_is_asked_of_prices_that_rise_and_fall_rounded_to_a_whole_percent(tmp_path):
    """An unseen requirement got the change a shopper gets from a note, four items delivered as a success: no source
    asked a percentage change, and 'change' matched the shopping stories."""
    from benchagent.program.executor.item import Item

    requirement = ("word problems where a price or quantity changes from one value to another and you have to find "
                   "the percent change. include both increases and decreases, decreases should be negative numbers. "
                   "round to nearest whole percent, answer just the number without the % sign")
    intent = Intent(requirement)
    change = Item(question="How much change does Jack get from his purchase?", answer="6", answer_origin="tool")
    assert intent_problem(change, intent) == "the requirement asks a percentage; this item's question asks none"
    percent = Item(question="What is the percentage change in the price of Tom's bike?", answer="6",
                   answer_origin="tool")
    assert intent_problem(percent, intent) is None
    story = next(r for i in range(200) if (r := generate_record("gen_arithmetic_facts", i, 0))["theme"] == "prices"
                 and {a.startswith("-") for a in r["answers"].values()} == {True, False})
    args = {k: story[k] for k in ("facts", "quantities", "total_ask", "compare")}
    signs = Counter(run_tool("word_problem_number_target", {**args, "seed": seed}).output.answer.startswith("-")
                    for seed in range(40))
    assert min(signs[True], signs[False]) >= 12  # a rise or a fall, half and half, however many of each it holds
    percent_change = {"key": "percent", "name": "Percent change in a word problem", "capability": "arithmetic",
                      "description": "find the percent change from one value to another", "modalities": ["text"],
                      "answer_type": "number", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "percent change", "modalities": ["text"], "keywords": ["percent change"],
                         "facets": [facet("operation", "find the percent change", "find the percent change"),
                                    facet("answer_format", "rounded to nearest whole percent",
                                          "round to nearest whole percent")]}},
        subtasks={"subtasks": [percent_change]},
        judgments={"judgments": [{"source_id": "gen_arithmetic_facts", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "word problems"}]},
        quotas={"quotas": [{"key": "percent", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert plan["where"] == {"theme": ["prices"]}
    for sample in store.query("SELECT question, answer, record FROM samples WHERE status = 'ok'"):
        record = json.loads(sample["record"])
        before_after = {q["name"]: q for q in record["quantities"]}
        assert "percentage change" in sample["question"] and re.fullmatch(r"-?\d+", sample["answer"])
        [name] = [n for n in before_after if n in sample["question"]]
        exact = Fraction(record["answers"][name])
        assert int(sample["answer"]) == math.floor(abs(exact) + Fraction(1, 2)) * (1 if exact >= 0 else -1)

def test_dates_the_requirement_wants_day_first_are_written_day_first_everywhere(tmp_path):
    requirement = ("date arithmetic eval - 'what is the date N days after/before X', all dates DD/MM/YYYY, make "
                   "sure some cross a month end")
    dates = {"key": "date_after", "name": "Date N days after a date", "capability": "date arithmetic",
             "description": "the date some days after or before a given date", "modalities": ["text"],
             "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "date arithmetic", "modalities": ["text"], "keywords": ["date", "calendar"],
                         "facets": [facet("operation", "date arithmetic", "date arithmetic"),
                                    facet("presentation", "dates written DD/MM/YYYY", "all dates DD/MM/YYYY")]}},
        subtasks={"subtasks": [dates]},
        judgments={"judgments": [{"source_id": "gen_calendar_dates", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "dates"}]},
        quotas={"quotas": [{"key": "date_after", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'calendar_label_target'")]
    assert len(calls) >= 3 and all(c["date_format"] == "DD/MM/YYYY" for c in calls)
    day_first = re.compile(r"\d{2}/\d{2}/\d{4}")
    for call in calls:
        assert day_first.fullmatch(call["answer"]) and all(day_first.fullmatch(o) for o in call["label_pool"])
        assert day_first.search(call["context"]) and "-" not in call["context"]
    for sample in store.query("SELECT input, output FROM samples WHERE status IN ('ok', 'fixed')"):
        shown = json.loads(sample["input"])
        assert all(day_first.fullmatch(o) for o in shown["options"].values())
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    [target] = [s for s in plan["steps"] if s["tool"] == "calendar_label_target"]
    assert "presentation_dates_written_dd_mm_yyyy" in target["serves"]


def test_a_range_naming_a_number_field_draws_only_records_within_it_and_is_carried(tmp_path):
    """'offsets over 100 days' bounds the calendar's offset_days: every slot's record keeps to it, and the facet is
    carried; 'every number at or below 500' names no field of the source and stays a gap."""
    requirement = ("weekday questions like 'what day of the week is it 137 days after 03/11/2021', offsets over 100 "
                   "days, every number at or below 500")
    weekday = {"key": "weekday_after", "name": "Weekday some days after a date", "capability": "date arithmetic",
               "description": "the weekday some days after a given date", "modalities": ["text"],
               "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "date arithmetic", "modalities": ["text"], "keywords": ["date", "weekday"],
                         "facets": [facet("operation", "date arithmetic", "what day of the week")]}},
        subtasks={"subtasks": [weekday]},
        judgments={"judgments": [{"source_id": "gen_calendar_dates", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "dates"}]},
        quotas={"quotas": [{"key": "weekday_after", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    document = json.loads(store.one("SELECT spec FROM specs")["spec"])
    carriers = {k: v for k, v in document["facet_carriers"].items() if k.startswith("constraint_")}
    assert carriers == {"constraint_offsets_over_100_days": ["weekday_after"],
                        "constraint_every_number_at_or_below_500": []}
    assert [g["facet"] for g in document["spec"]["gaps"]] == ["constraint_every_number_at_or_below_500"]
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert plan["within"] == {"offset_days": {"gt": 100.0}}
    offsets = [json.loads(r["record"])["offset_days"] for r in store.query("SELECT record FROM samples")]
    assert len(offsets) >= 3 and all(100 < o <= 1000 for o in offsets)
    asked = [json.loads(c["args"])["offset_days"] for c in store.query(
        "SELECT args FROM tool_calls WHERE tool = 'calendar_label_target'")]
    assert len(asked) >= 3 and all(o > 100 for o in asked)


def test_skipping_countries_that_use_the_euro_leaves_out_their_records_and_asks_the_code(tmp_path):
    asked = "Multiple choice: given a country's name, pick its ISO 4217 currency code"
    codes = {"key": "currency_code", "name": "Country currency code", "capability": "currency codes",
             "description": "the ISO 4217 currency code of a named country", "modalities": ["text"],
             "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "currency codes", "modalities": ["text"], "keywords": ["currency", "country"],
                         "facets": [facet("operation", "pick its ISO 4217 currency code", "pick its ISO 4217 "
                                                                                           "currency code")]}},
        subtasks={"subtasks": [codes]},
        judgments={"judgments": [{"source_id": "builtin_countries", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "codes"}]},
        quotas={"quotas": [{"key": "currency_code", "importance": 1.0, "quota": 12}]})
    currencies = {}
    for name, requirement in (("all", asked), ("skip", asked + ", and skip countries that use the euro")):
        (tmp_path / name).mkdir()
        store, run_id, _ = build(tmp_path / name, answers, requirement, size=12, seed=5)
        assert run_summary(store, run_id)["totals"]["accepted"] == 12
        samples = store.query("SELECT record, answer FROM samples WHERE status IN ('ok', 'fixed')")
        assert all(json.loads(s["record"])["currency"] == s["answer"] for s in samples)  # the code, not its name
        currencies[name] = [json.loads(s["record"])["currency_name"] for s in samples]
    assert "Euro" in currencies["all"] and "Euro" not in currencies["skip"]
    document = json.loads(store.one("SELECT spec FROM specs")["spec"])
    assert {k: v for k, v in document["facet_carriers"].items() if k.startswith("constraint")} == {
        "constraint_skip_countries_that_use_the_e": ["currency_code"]}


def test_compounds_excluding_an_element_and_to_significant_figures_are_checked_by_the_tool():
    """'excluding anything that contains carbon' delivered Ba(CO3)2, the exclusion claimed carried because the
    records asking for carbon compounds were left out; the tool now refuses a formula holding a left-out element."""
    requirement = ("Ask for the molar mass in g/mol of inorganic compounds, excluding anything that contains carbon, "
                   "and give answers to 3 significant figures.")
    carbon = Facet(key="no_carbon", kind="constraint", value="excluding anything that contains carbon",
                   quote="excluding anything that contains carbon")
    figures = Facet(key="sf", kind="answer_format", value="3 significant figures", quote="3 significant figures")
    card = CARDS["gen_proposed_compounds"]
    plan = with_limits(with_stated_formats(recipe_for(card, "choice"), [carbon, figures], requirement), card,
                       [carbon, figures])
    [target] = [s for s in plan.steps if s.tool == "molar_mass_target"]
    assert '=["carbon"]:avoid' in target.inputs and "=3:figures" in target.inputs
    assert set(target.serves) == {"no_carbon", "sf"} and plan.without == {}
    with pytest.raises(ValueError, match="holds carbon"):
        molar_mass_target(FormulaArgs(formula="BaCO3", seed=0, avoid=["carbon"]))
    gypsum = molar_mass_target(FormulaArgs(formula="CaSO4", seed=0, avoid=["carbon"], figures=3))
    assert gypsum.answer == "136" and "3 significant figures" in gypsum.goal and len(set(gypsum.options)) == 4


def test_molar_masses_to_stated_decimal_places_are_written_so_and_carried():
    """Items were rounded to 2 decimals, as asked, by the tool's default, and the build reported '2 decimal places'
    not carried: no step took the places it could see."""
    places = Facet(key="dp", kind="answer_format", value="the molar mass rounded to 2 decimal places",
                   quote="g/mol rounded to 2 decimal places")
    plan = with_stated_formats(recipe_for(CARDS["gen_proposed_compounds"], "number"), [places],
                               "Molar mass questions, g/mol rounded to 2 decimal places.")
    [target] = [s for s in plan.steps if s.tool == "molar_mass_target"]
    assert "=2:places" in target.inputs and target.serves == ["dp"]
    draft = READ.model_copy(update={"facets": ["dp"], "modalities": ["text"], "answer_type": "number"})
    assert coverage([places], [(draft, [plan])], [], "rounded to 2 decimal places")[1] == []
    three = molar_mass_target(FormulaArgs(formula="CaSO4", seed=0, places=3))
    assert three.answer == "136.134" and "3 decimal places" in three.goal and all(
        len(o.split(".")[1]) == 3 for o in three.options)


def test_which_month_had_the_highest_sales_asks_that_month_on_monthly_sales_charts(tmp_path):
    """An unseen requirement got a generic subtask ('Bar charts') and items asking fruit values and sports
    differences: the requirement's own question and theme now reach the plan."""
    requirement = ("Build multiple-choice questions over bar charts of monthly sales where each chart has 5 to 8 "
                   "bars, asking which month had the highest sales, with exactly 4 options per question.")
    generic = {**READ.model_dump(), "key": "bar_charts", "name": "Bar charts",
               "description": "build multiple-choice questions", "answer_type": "choice"}
    answers = chart_answers(subtasks={"subtasks": [generic]},
                            quotas={"quotas": [{"key": "bar_charts", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert plan["steps"][0]["tool"] == "chart_label_target" and plan["where"] == {"theme": ["monthly_sales"]}
    assert '=["largest"]:asks' in plan["steps"][0]["inputs"]
    for sample in store.query("SELECT record, answer, options FROM samples WHERE status IN ('ok', 'fixed')"):
        record = json.loads(sample["record"])
        assert record["theme"] == "monthly_sales" and sample["answer"] == record["max_category"]
        assert set(json.loads(sample["options"])) <= set(record["categories"])


def test_choice_items_asking_which_category_has_the_tallest_bar_offer_the_charts_categories(tmp_path):
    requirement = ("Multiple-choice VQA on bar charts: ask only which category has the tallest bar, 4 options, "
                   "exactly one correct.")
    tallest = {**READ.model_dump(), "key": "tallest_bar", "name": "Which category has the tallest bar",
               "description": "choose the category whose bar is tallest", "answer_type": "choice"}
    answers = chart_answers(subtasks={"subtasks": [tallest]},
                            quotas={"quotas": [{"key": "tallest_bar", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    calls = [json.loads(c["args"]) | json.loads(c["result"]) for c in store.query(
        "SELECT args, result FROM tool_calls WHERE tool = 'chart_label_target'")]
    assert len(calls) >= 3 and all(c["asks"] == ["largest"] and c["query"] == {"kind": "largest"} for c in calls)
    for call in calls:
        values = dict(zip(call["categories"], call["values"], strict=True))
        assert call["answer"] == max(values, key=values.get)
    for sample in store.query("SELECT input, output FROM samples WHERE status IN ('ok', 'fixed')"):
        options = list(json.loads(sample["input"])["options"].values())
        assert len(options) == 4 and json.loads(sample["output"])["answer"] in options
    assert not store.query("SELECT id FROM tool_calls WHERE tool = 'chart_number_target'")


@pytest.mark.parametrize(("stated", "n", "subtask"), [
    ("exactly 3 options", 3, {"key": "read_value", "name": "Read a bar value", "description": "ask one bar's value"}),
    ("five answer options", 5, {"key": "tallest_bar", "name": "Which category has the tallest bar",
                                "description": "choose the category whose bar is tallest"})])
def test_choice_items_offer_as_many_options_as_the_requirement_states_with_the_gold_spread_over_them(
        tmp_path, stated, n, subtask):
    requirement = f"Multiple-choice questions on bar charts, {stated} each."
    draft = {**READ.model_dump(), **subtask, "answer_type": "choice"}
    answers = chart_answers(subtasks={"subtasks": [draft]},
                            quotas={"quotas": [{"key": subtask["key"], "importance": 1.0, "quota": n}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=n, concurrency=1)
    assert run_summary(store, run_id)["totals"]["accepted"] == n
    golds = []
    for sample in store.query("SELECT input, output FROM samples WHERE status IN ('ok', 'fixed')"):
        options = json.loads(sample["input"])["options"]
        assert len(options) == n
        golds.append(json.loads(sample["output"])["answer_letter"])
    assert sorted(golds) == list("ABCDE"[:n])  # one slot at a time: each position once, the last included
    plan = json.loads(store.one("SELECT plan FROM groundings WHERE accepted = 1")["plan"])
    assert option_count(TransformPlan(**plan)) == n


DATES = "Test whether a model can count the days between two calendar dates written in different formats"
# the embedded model's scope for DATES: every facet quotes the whole requirement
WHOLE_QUOTES = {"scope": {"topic": "counting", "modalities": ["text", "image"],
                          "keywords": ["count", "days", "calendar", "dates", "format"], "facets": [
    facet("operation", "count days between two calendar dates", DATES),
    facet("presentation", "input two calendar dates in different formats", DATES),
    facet("degradation", "input dates in different formats", DATES),
    facet("answer_format", "output the number of days between the two dates", DATES),
    facet("level", "easy", DATES),
    facet("presentation", "dates as photos of handwritten notes", DATES),  # the requirement says 'dates' only
    facet("constraint", "dates between 1900 and 1950", DATES)]}}


def test_facets_quoting_the_whole_requirement_quote_the_words_their_value_names():
    scope = contract(DATES, Scope(**WHOLE_QUOTES["scope"]))
    assert [(f.kind, f.value, f.quote) for f in scope.facets] == [
        ("capability", "counting", DATES),  # the topic, as no capability was kept
        ("operation", "count days between two calendar dates", "count the days between two calendar dates"),
        ("presentation", "input two calendar dates in different formats",
         "calendar dates written in different formats")]
    # the degradation, answer format and level say nothing of their kind in the requirement's words, the photos and
    # years share one word of four with it: dropped


@pytest.mark.parametrize("values, kind", [
    ([("operation", "count days between two calendar dates"), ("capability", "counting")],
     "calendar_number_target: days between"),
    ([("capability", "read values off bar charts")], "chart_number_target: value"),
    ([("capability", "read values off bar charts and compare two bars")], None),
    ([("capability", "counting")], "table_number_target: count"),
    ([("operation", "what the highest value is"), ("operation", "which month was wettest")], None),  # number, name
    ([("operation", "which month had the most rain and how much rain fell in it")], None),
    ([("operation", "count days between two dates"), ("capability", "identify the weekday of a date")], None),
    ([("capability", "counting"), ("capability", "arithmetic")], None),  # arithmetic names no kind
    ([("operation", "solve arithmetic word problems"), ("operation", "count days between dates")], None),
    ([("topic", "days between dates")], None),
])
def test_a_requirement_asks_one_kind_of_question_only_when_everything_it_asks_names_that_kind(values, kind):
    assert one_kind_asked([Facet(kind=k, value=v, quote=v) for k, v in values]) == kind


def test_a_subtask_asking_what_another_target_of_its_source_asks_takes_that_target():
    calendar, bars = CARDS["gen_calendar_dates"], CARDS["gen_bar_chart_values"]
    days = [Facet(key="op", kind="operation", value="count days between two calendar dates", quote="count the days")]
    counting = lambda tool: asks_all(tool, days)  # noqa: E731
    answer_type, plan = asking_recipe(calendar, "label", counting)
    assert (answer_type, plan.steps[0].tool) == ("number", "calendar_number_target")
    answer_type, plan = asking_recipe(calendar, "choice", counting)  # choice stays choice, options are numbers
    assert answer_type == "choice" and [s.tool for s in plan.steps] == [
        "calendar_number_target", "number_options", "shuffle_options", "phrase_question"]
    assert asking_recipe(calendar, "number", counting) is None  # its own target asks it already
    tallest = [Facet(key="op", kind="operation", value="which month had the highest sales", quote="highest")]
    answer_type, plan = asking_recipe(bars, "binary", lambda tool: asks_all(tool, tallest))
    assert (answer_type, plan.steps[0].tool) == ("label", "chart_label_target")
    assert asking_recipe(bars, "binary", lambda tool: asks_all(tool, [])) is None  # nothing asked: as designed
    assert asking_recipe(bars, "binary", lambda tool: asks_all(tool, tallest),
                         "answer yes or no: is the tallest bar the one for March") is None
    rain = [Facet(key="op", kind="operation", value="how much rain fell in the wettest month", quote="wettest")]
    assert asking_recipe(bars, "number", lambda tool: asks_all(tool, rain), rain[0].value) is None  # an amount


def test_adding_days_to_a_date_asks_the_resulting_date():
    label = get_tool("calendar_label_target").asks
    assert kinds_named("add between 30 and 400 days to a start date and ask for the resulting date", label) == [
        "date after"]
    assert kinds_named("count the days between two calendar dates", label) == []  # a thing, not a kind of question


@pytest.mark.parametrize("text, stated", [
    ("two calendar dates written in different formats", "mixed"),
    ("dates in mixed date formats", "mixed"),
    ("all dates dd/mm/yyyy", "DD/MM/YYYY"),
    ("all dates dd/mm/yyyy, answer as an iso date", "DD/MM/YYYY"),
    ("questions phrased in different styles", None),
    ("count the days between two dates", None),
])
def test_dates_in_different_formats_are_a_stated_format(text, stated):
    plan = with_stated_formats(recipe_for(CARDS["gen_calendar_dates"], "number"), [], text)
    assert [i for i in plan.steps[0].inputs if i.endswith(":date_format")] == (
        [f'="{stated}":date_format'] if stated else [])


def test_counting_days_between_dates_in_different_formats_is_planned_as_asked_with_no_judge(tmp_path):
    """The embedded model's plan for DATES had three subtasks: the days between (weekday labels for choice), dates
    after and before, and whether a date falls in a month, each judged, none in different formats, and no gap."""
    three = [{"key": key, "name": name, "description": name, "capability": "counting", "modalities": ["text"],
              "answer_type": kind, "rationale": "dates", "facets": ["capability_counting"]}
             for key, name, kind in (("count", "Count Days Between Two Calendar Dates", "label"),
                                     ("convert", "Convert Calendar Dates to a Common Format", "label"),
                                     ("validate", "Validate Calendar Date Format", "binary"))]
    answers = chart_answers(scope=WHOLE_QUOTES, subtasks={"subtasks": three},
                            judgments={"judgments": [{"source_id": "gen_weekdays", "transformable": True}]})
    store, run_id, events = build(tmp_path, answers, DATES, size=4)
    assert [k for k, _ in events if k == "gap"] == []
    [subtask] = store.query("SELECT key, answer_type, quota FROM subtasks")
    assert dict(subtask) == {"key": "count", "answer_type": "number", "quota": 4}  # the design said label
    stages = [r["stage"] for r in store.query("SELECT DISTINCT stage FROM lm_calls")]
    assert stages == ["scope", "design", "realize", "verify"]  # no critic, judge or allocation call
    [grounding] = store.query("SELECT rationale, plan FROM groundings WHERE accepted = 1")
    assert "aligned by code" in grounding["rationale"]
    target = json.loads(grounding["plan"])["steps"][0]
    assert target["tool"] == "calendar_number_target"
    assert {'=["days between"]:asks', '="mixed":date_format'} <= set(target["inputs"])
    assert set(target["serves"]) == {"capability_counting", "operation_count_days_between_two_calenda",
                                     "presentation_input_two_calendar_dates_in"}
    samples = store.query("SELECT input, answer, record FROM samples WHERE status = 'ok'")
    assert len(samples) == 4
    for sample in samples:
        shown = json.loads(sample["input"])
        record = json.loads(sample["record"])
        assert sample["answer"] == str(record["days_between"])
        assert not shown.get("context")
        first, later = shown["question"].split(" between ", 1)[1].removesuffix("?").split(" and ")
        ways = [re.sub(r"\d", "9", text) for text in (first, later)]
        assert ways[0] != ways[1], shown  # the two dates written two different ways


RAIN = ("Make line charts of monthly rainfall for one year (Jan through Dec) and ask which month was wettest. Answer "
        "with the full month name, and please make sure no two months tie for the highest value.")


@pytest.mark.parametrize("requirement, refused", [
    (RAIN, {"gen_bar_chart_values": "line charts the requirement asks for (it draws bar charts)",
            "gen_pie_chart_shares": "line charts the requirement asks for (it draws pie charts)"}),
    ("Bar or line graphs of sales; ask the largest value", {"gen_pie_chart_shares": "bar charts or line charts the "
                                                             "requirement asks for (it draws pie charts)"}),
    ("Read values off charts", {}),
    ("bar, line, or pie charts of sales", {}),
])
def test_a_named_kind_of_chart_is_drawn_by_no_other_source(requirement, refused):
    charts = [c for c in CARDS.values() if c.id.startswith(("gen_bar", "gen_line", "gen_pie"))]
    assert {c.id: why for c in charts if (why := other_chart(c, requirement))} == refused
    assert other_chart(CARDS["gen_calendar_dates"], RAIN) is None  # it draws no chart


def test_which_month_was_wettest_asks_the_month_of_the_largest_value_on_line_charts_only(tmp_path):
    """The embedded model planned RAIN on bar charts beside line charts, and two of four items asked the highest
    value (a number) instead of the month; every facet was reported carried."""
    wettest = {"key": "wettest", "name": "Identify the wettest month", "capability": "data analysis",
               "description": "read the chart and pick the month with the most rain", "modalities": ["image"],
               "answer_type": "choice", "rationale": "asked", "facets": []}
    verdict = {"transformable": True, "alignment": 0.9, "coverage": 0.9, "simplicity": 0.8, "risk": 0.1,
               "rationale": "fits"}
    answers = chart_answers(
        scope={"scope": {"topic": "rainfall", "modalities": ["image"], "keywords": ["line chart", "rainfall", "month"],
                         "facets": [facet("operation", "Identify the month with the highest rainfall",
                                          "ask which month was wettest")]}},
        subtasks={"subtasks": [wettest]},
        judgments={"judgments": [{"source_id": s, **verdict} for s in ("gen_line_chart_values",
                                                                       "gen_bar_chart_values")]},
        quotas={"quotas": [{"key": "wettest", "importance": 1.0, "quota": 3}]})
    store, _, _ = build(tmp_path, answers, RAIN, size=3)
    assert {r["source_id"] for r in store.query("SELECT source_id FROM groundings")} == {"gen_line_chart_values"}
    samples = store.query("SELECT options, answer, record FROM samples WHERE status = 'ok'")
    assert len(samples) == 3
    for sample in samples:
        record = json.loads(sample["record"])
        # the month of the largest value, asked open: 'Answer with the full month name' asks for no options
        assert sample["answer"] == record["max_label"] and sample["options"] is None
        assert record["theme"] == "monthly_rainfall"
    line = CARDS["gen_line_chart_values"]
    assert recipe_for(line, "choice", "", "ask which month was driest").steps[0].tool == "chart_label_target"
    label = get_tool("chart_label_target").asks
    assert (kinds_named("which month was wettest", label), kinds_named("the driest month", label)) == (
        ["largest"], ["smallest"])


def test_how_much_the_tallest_bar_exceeds_the_shortest_is_asked_of_charts_with_the_bars_stated():
    """An unseen requirement ('ask how much bigger the tallest bar is vs the shortest. whole number. at least 5 bars
    per chart') had six of seven items rejected by the build's own check: the target asked the largest value, the
    question its difference from the smallest. No kind of question asked it, and no field counted the bars."""
    number = get_tool("chart_number_target").asks
    said = "bar chart imgs - ask how much bigger the tallest bar is vs the shortest. whole number."
    assert kinds_named(said, number) == ["range"]
    assert kinds_named("Compare the tallest bar to the shortest bar", number) == ["range"]
    assert kinds_named("the difference between the highest and lowest values", number) == ["range"]
    assert kinds_named("how much taller one named bar is than another", number) == ["difference"]  # two named bars
    assert kinds_named("identify the tallest bar", number) == ["largest"]
    args = ChartTargetArgs(title="Fruit", categories=["a", "b", "c", "d", "e"], values=[42, 35, 18, 27, 30],
                           asks=["range"], seed=0)
    target = chart_number_target(args)
    assert (target.answer, target.query) == ("24", {"kind": "range"})
    assert target.goal.startswith("how much larger the largest value is than the smallest value")
    bars = Facet(key="bars", kind="constraint", value="at least 5 bars per chart", quote="at least 5 bars per chart")
    card = CARDS["gen_bar_chart_values"]
    plan = with_limits(recipe_for(card, "number"), card, [bars])
    assert plan.within == {"bars": {"ge": 5}} and "bars" in plan.steps[0].serves
    record = generate_record("gen_bar_chart_values", 0, 3)
    assert record["bars"] == len(record["categories"]) == len(record["values"])
    # the design's second subtask, 'identify the tallest bar', took 'tallest' out of the phrase asking the range
    tallest = READ.model_copy(update={"name": "Identify the tallest bar", "description": "the tallest bar's value",
                                      "facets": [], "answer_type": "number"})
    full = said + " at least 5 bars per chart"
    [asked] = [i for s in with_asks(recipe_for(card, "number"), [], tallest, full).steps for i in s.inputs
               if i.endswith(":asks")]
    assert asked == '=["range"]:asks'
    [asked] = [i for s in with_asks(recipe_for(card, "number"), [], tallest, CHARTS).steps for i in s.inputs
               if i.endswith(":asks")]
    assert asked == '=["largest"]:asks'  # 'read values off bar charts' holds the largest value


def test_a_presentation_stating_a_range_does_not_bar_a_source_as_off_topic():
    """The embedded model gave 'keep it under 15 shapes' as a presentation, and the shape scenes were refused for
    not holding 'keep' and 'under'."""
    scenes = CARDS["gen_shape_scenes"]
    under = Facet(kind="presentation", value="keep it under 15 shapes", quote="Keep it under 15 shapes")
    paintings = Facet(kind="presentation", value="photographs of paintings", quote="photographs of paintings")
    assert missing_topic(scenes, [under]) is None
    assert missing_topic(scenes, [under, paintings]) == "presentation 'photographs of paintings'"
    news = Facet(kind="topic", value="news articles under 200 words", quote="news articles under 200 words")
    assert missing_topic(scenes, [news]) == "topic 'news articles under 200 words'"  # what comes before the range


def test_a_weather_table_counts_the_days_strictly_above_a_temperature():
    """Two unseen requirements asked how many days of a weather table were above a temperature; no table held
    weather, and the builtin Seattle records have no table transformation."""
    requirement = ("Build items from small weather tables (day, high temp in °C, rainfall in mm) with at least 7 rows "
                   "each; ask how many days had a high strictly above a stated temperature, integer answers only.")
    tables = CARDS["gen_small_tables"]
    counting = SubtaskDraft(key="hot", name="Count days with a high above a temperature", capability="tables",
                            description="count the days with a high greater than a threshold", modalities=["image"],
                            answer_type="number", rationale="asked", facets=[])
    plan = with_columns(with_theme(with_asks(recipe_for(tables, "number"), [], counting), tables, requirement),
                        tables, counting, [])
    assert plan.where == {"theme": ["daily_weather"]} and asked_kinds(plan)[1] == ["count"]
    assert plan.steps[0].inputs[-1] == '=["High (°C)"]:ask_columns'  # not the low or the rainfall
    wet = Facet(key="wet", kind="operation", value="count days whose rainfall exceeds 5 mm", quote="rainfall")
    highs = counting.model_copy(update={"name": "Daily highs", "facets": ["wet"]})
    themed = with_theme(recipe_for(tables, "number"), tables, requirement)
    assert with_columns(themed, tables, highs, [wet]) == themed  # the name and the facets disagree: no column
    weather = [r for r in (generate_record("gen_small_tables", i, 3) for i in range(80))
               if r["theme"] == "daily_weather"]
    assert len(weather) >= 15
    for seed, record in enumerate(weather):
        assert len(record["rows"]) >= 7
        target = run_tool("table_number_target", {"title": record["title"], "columns": record["columns"],
                                                  "rows": record["rows"], "seed": seed, "asks": ["count"],
                                                  "ask_columns": ["High (°C)"]}).output
        column, threshold = target.query["where"]["column"], target.query["where"]["value"]
        assert column == "High (°C)"
        at = record["columns"].index(column)
        assert target.answer == str(sum(row[at] > threshold for row in record["rows"]))  # strictly above


def test_a_constraint_nothing_keeps_says_why_in_its_own_terms():
    real = Facet(key="real", kind="constraint", value="only real compounds", quote="Only real compounds")
    wide = Facet(key="wide", kind="constraint", value="more than 12 atoms", quote="more than 12 atoms")
    draft = READ.model_copy(update={"facets": ["real", "wide"], "modalities": ["text"]})
    gaps = coverage([real, wide], [(draft, [recipe_for(CARDS["gen_proposed_compounds"], "number")])], [], "")[1]
    assert [(g.facet, g.reason) for g in gaps] == [
        ("real", "no tool or check keeps the items to it: they are made without it"),
        ("wide", "no number field of the grounded sources is what it bounds, and no tool or check keeps the items "
                 "to it: they are made without it")]


def test_word_problems_about_buying_things_and_getting_change_are_held_and_drawn():
    """An unseen requirement for two-step shopping problems with change was refused: no story bought and paid."""
    requirement = ("Write two-step arithmetic word problems about buying things and getting change; whole-number "
                   "answers between 10 and 500, never negative, and no fractions or decimals anywhere in the question.")
    card = CARDS["gen_arithmetic_facts"]
    [topic] = [f for f in seen_facets(requirement, []) if f.kind == "topic"]
    assert topic.value == "buying things and getting change" and missing_topic(card, [topic]) is None
    plan = with_theme(recipe_for(card, "number"), card, requirement)
    assert plan.where == {"theme": ["shopping"]}
    stories = [r for r in (generate_record("gen_arithmetic_facts", i, 5) for i in range(60))
               if r["theme"] == "shopping"]
    assert stories and all("pays with a $" in fact for r in stories for fact in r["facts"])


def test_a_build_counting_hot_days_asks_only_about_the_high(tmp_path):
    requirement = ("Build items from small weather tables (day, high temp in °C, rainfall in mm) with at least 7 rows "
                   "each; ask how many days had a high strictly above a stated temperature, integer answers only.")
    hot = {"key": "hot", "name": "Days with high temperature above 20 °C", "capability": "tables",
           "description": "count the days whose high is above a temperature", "modalities": ["image"],
           "answer_type": "number", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "weather", "modalities": ["image"], "keywords": ["table", "weather"], "facets": [
            facet("operation", "count the days with a high above a stated temperature",
                  "ask how many days had a high strictly above a stated temperature")]}},
        subtasks={"subtasks": [hot]},
        judgments={"judgments": [{"source_id": "gen_small_tables", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "fits"}]},
        quotas={"quotas": [{"key": "hot", "importance": 1.0, "quota": 4}]})
    store, _, _ = build(tmp_path, answers, requirement, size=4)
    samples = store.query("SELECT answer, record, brief FROM samples WHERE status = 'ok'")
    assert len(samples) == 4
    for sample in samples:
        record, goal = json.loads(sample["record"]), json.loads(sample["brief"])["goal"]
        threshold = int(re.search(r"'High \(°C\)' greater than (-?\d+)", goal).group(1))
        at = record["columns"].index("High (°C)")
        assert record["theme"] == "daily_weather"
        assert sample["answer"] == str(sum(row[at] > threshold for row in record["rows"]))


def test_passages_on_the_modules_a_requirement_names_come_from_those_modules_only(tmp_path):
    """An unseen requirement asked for passages on one function 'from modules like itertools, collections or
    functools'; the docs it was grounded on held no function of theirs, and every item was rejected."""
    from test_build import docs_answers

    requirement = ("Make a reading-comprehension benchmark from Python standard library documentation: show a short "
                   "passage about one function (from modules like itertools, collections or functools) and ask what "
                   "the function returns or raises in a specific situation, where the correct answer must be stated "
                   "in the passage itself.")
    card = CARDS["builtin_python_stdlib"]
    written = template_plans(card, "choice", about="returns or raises")[0]
    assert with_named_values(written, card, requirement).where == {"module": ["itertools", "functools", "collections"]}
    for loose in ("Ask what Python's random and time functions return", "re-run the modules' examples"):
        assert with_named_values(written, card, loose).where == {}  # words, not picks
    answers = docs_answers()
    answers["judgments"]["judgments"][0]["source_id"] = "builtin_python_stdlib"
    answers["quotas"]["quotas"][0]["quota"] = 4
    store, run_id, _ = build(tmp_path, answers, requirement, size=4)
    [plan] = store.query("SELECT plan FROM groundings WHERE accepted = 1")
    assert json.loads(plan["plan"])["where"] == {"module": ["itertools", "functools", "collections"]}
    records = [json.loads(r["record"]) for r in store.query("SELECT record FROM samples WHERE run_id = ?", (run_id,))]
    assert records and {r["module"] for r in records} <= {"itertools", "functools", "collections"}
    assert all(r["text"].startswith(f"{r['name']}") for r in records)


def test_which_module_a_docstring_comes_from_is_asked_with_its_names_hidden(tmp_path):
    """An unseen requirement got four cloze items ('which word is hidden by [blank 1]') delivered as a success: the
    passages had no plan asking their module."""
    requirement = ("Build a quiz from Python standard library documentation: show a docstring passage (with the "
                   "function/class name redacted) and ask which stdlib module it comes from. Multiple choice with 4 "
                   "module names as options, all options must be real stdlib modules.")
    module = {"key": "module", "name": "Identify the stdlib module", "capability": "code knowledge",
              "description": "which standard library module a docstring passage comes from", "modalities": ["text"],
              "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "python standard library", "modalities": ["text"], "keywords": ["stdlib", "module"],
                         "facets": [facet("operation", "ask which stdlib module it comes from",
                                          "ask which stdlib module it comes from")]}},
        subtasks={"subtasks": [module]},
        judgments={"judgments": [{"source_id": "builtin_python_stdlib", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "docstrings"}]},
        quotas={"quotas": [{"key": "module", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    assert plan["steps"][0]["tool"] == "label_pool_target"
    modules = set(listed_values(CARDS["builtin_python_stdlib"].fields["module"]))
    for sample in store.query("SELECT record, input, options, answer FROM samples WHERE status = 'ok'"):
        record, options = json.loads(sample["record"]), json.loads(sample["options"])
        context = json.loads(sample["input"])["context"]
        assert sample["answer"] == record["module"] and len(options) == 4 and set(options) <= modules
        assert "[hidden]" in context and record["name"] not in context
        assert not re.search(rf"(?<![\w.]){re.escape(record['module'])}(?!\w)", context)
        assert record["name"].split(".")[-1] not in re.findall(r"\w+", context)

def test_a_terse_conversion_requirement_draws_its_units_from_the_generator():
    """An unseen requirement, 'unit conversion qs -> km. from miles feet yards. round 1 dp pls', was grounded on
    the table of unit definitions and asked SI factors: the generator's card named no mile, and '-> km' no target."""
    from benchagent.program.sources.families.units import picked_conversions

    requirement = "unit conversion qs -> km. from miles feet yards. round 1 dp pls"
    card = CARDS["gen_unit_conversions"]
    miles = [Facet(kind="presentation", value=v, quote=v) for v in ("miles", "feet")]
    assert missing_topic(card, miles) is None
    assert picked_conversions(requirement) == {"from_unit": ["mile", "foot", "yard"], "to_unit": ["kilometre"]}
    assert picked_conversions("Test Fahrenheit to Celsius conversion") == {
        "from_unit": ["degree Fahrenheit"], "to_unit": ["degree Celsius"]}
    assert picked_conversions("how many days in a week") == {}
    records = [generate_record(card.id, i, 3) for i in range(2000)]
    wanted = [r for r in records if r["from_unit"] in ("mile", "foot", "yard") and r["to_unit"] == "kilometre"]
    # the generator draws every pair named, so a plan's `where` finds them within its span; feet and yards are
    # scaled so that kilometres read at least 1 (the build drew 1-100 ft, under 0.1 km, and asked only miles)
    assert {r["from_unit"] for r in wanted} == {"mile", "foot", "yard"}
    assert all(Fraction(r["answer"]) >= 1 for r in wanted)
    feet = Facet(key="to_km", kind="presentation", value="feet to km", quote="-> km. from miles feet")
    picked = with_picks(recipe_for(card, "number"), card, requirement, [feet])
    assert picked.where == picked_conversions(requirement) and "to_km" in picked.steps[0].serves
    plan = with_stated_formats(recipe_for(card, "number"), [], requirement)  # '1 dp' is one decimal place
    [target] = [s for s in plan.steps if s.tool == "unit_number_target"]
    assert "=1:places" in target.inputs and "original.places" not in target.inputs


CURRENCY = ("I'd like a set of questions that give a South American country and ask which currency it uses, with the "
            "answer given as the three-letter ISO 4217 code like BRL, not the currency's name.")


def test_a_country_given_and_its_currency_asked_draws_south_american_countries_and_answers_their_codes(tmp_path):
    # the 1.5B model's replies on this unseen requirement: every facet quotes the first 100 characters, and the
    # design names single questions, which are refused
    clipped = CURRENCY[:100]
    scope = {"scope": {"topic": "Currency", "modalities": ["text"], "keywords": ["currency", "iso 4217", "brl"],
                       "facets": [facet(kind, value, clipped) for kind, value in (
                           ("topic", "currency"), ("operation", "ask"), ("presentation", "show"),
                           ("answer_format", "three-letter ISO 4217 code"), ("question_kind", "name"))]}}
    one_question = {"name": "What is the ISO 4217 code for Brazil?", "capability": "language",
                    "description": "Choose the correct three-letter ISO 4217 code for Brazil.", "modalities": ["text"],
                    "answer_type": "choice", "rationale": "core", "facets": ["topic_currency", "operation_ask"]}
    answers = chart_answers(
        scope=scope, subtasks={"subtasks": [one_question]},
        judgments={"judgments": [{"source_id": "builtin_countries", "transformable": True, "alignment": 0.8,
                                  "coverage": 0.9, "simplicity": 0.7, "risk": 0.2, "rationale": "holds currencies"}]},
        quotas={"quotas": [{"key": "currency", "importance": 1.0, "quota": 6}]})
    store, run_id, _ = build(tmp_path, answers, requirement=CURRENCY, size=6)
    spec = json.loads(store.one("SELECT spec FROM specs WHERE run_id = ?", [run_id])["spec"])["spec"]
    facets = {f["kind"]: f for f in spec["scope"]["facets"]}
    # the format said at the end is kept, quoting its own words; 'name' is said only after a 'not'
    assert facets["answer_format"]["quote"] in CURRENCY and "question_kind" not in facets
    [subtask] = spec["subtasks"]
    assert "give a South American country" in subtask["description"]
    [source] = subtask["sources"]
    assert source["source_id"] == "builtin_countries"
    assert source["plan"]["where"] == {"continent": ["South America"], "region": ["South America"]}
    assert "original.currency:answer.currency" in source["plan"]["steps"][0]["inputs"]
    refused = {r["source_id"]: r["rationale"] for r in store.query(
        "SELECT source_id, rationale FROM groundings WHERE run_id = ? AND accepted = 0", [run_id])}
    assert refused["builtin_currencies"] == ("each item gives a South American country, but its records are "
                                             "currencies named by their alpha 3")
    source = source_for(CARDS["builtin_countries"])
    codes = {r["name"]: r["currency"] for r in map(source.record, range(source.capacity))
             if r["continent"] == "South America"}
    items = store.query("SELECT question, options, answer FROM samples WHERE run_id = ? AND status = 'ok'", [run_id])
    assert len(items) == 6
    for item in items:
        [country] = [name for name in codes if name in item["question"]]
        assert item["answer"] == codes[country] and re.fullmatch(r"[A-Z]{3}", item["answer"])
        assert all(re.fullmatch(r"[A-Z]{3}", option) for option in json.loads(item["options"]))


@pytest.mark.parametrize("about, where", [
    ("give a South American country and ask its currency", {"continent": ["South America"],
                                                             "region": ["South America"]}),
    ("capitals of Western European countries", {"continent": ["Europe"], "region": ["Western Europe"]}),
    ("Which continent is a country in? Ask about African and Asian ones", {"continent": ["Africa", "Asia"]}),
    ("ask the flag of a country in south-eastern asia", {"continent": ["Asia"], "region": ["South-eastern Asia"]}),
    ("ask the currency of a country", {}),
])
def test_places_a_requirement_names_pick_the_countries_drawn(about, where):
    card = CARDS["builtin_countries"]
    plan = template_plans(card, "choice", about=about)[0]
    assert with_named_values(plan, card, about).where == where


def test_a_facet_quoting_a_clause_without_its_value_is_requoted_unless_the_requirement_negates_it():
    requirement = ("Ask which country a flag emoji stands for, with the answer given as its two-letter ISO code, not "
                   "the nation's full name")
    clipped = requirement[:40]
    scope = Scope(topic="flags", modalities=["text"], keywords=[], facets=[
        Facet(kind="topic", value="flag emoji", quote=clipped),
        Facet(kind="answer_format", value="two-letter ISO code", quote=clipped),
        Facet(kind="question_kind", value="nation's full name", quote=clipped)])
    facets = {f.kind: f for f in contract(requirement, scope).facets}
    assert facets["answer_format"].quote == "two-letter ISO code"
    assert "question_kind" not in facets


RISE = ("Build a benchmark where the model looks at a line chart of monthly rainfall for one city and has to say which "
        "month had the biggest increase compared to the month before; the answer should be just the month name.")


def test_the_month_of_the_biggest_rise_is_asked_of_line_charts_and_is_not_the_wettest_month(tmp_path):
    """An unseen requirement: the line chart subtask was judged at alignment 0.5 and refused, no tool asked the
    largest month-over-month rise, and nothing was delivered."""
    rise = {"key": "biggest_rise", "name": "Month of the biggest rise", "capability": "chart reading",
            "description": "say which month's rainfall rose most over the month before", "modalities": ["image"],
            "answer_type": "label", "rationale": "asked", "facets": ["operation_had_the_biggest_increase",
                                                                    "operation_compared_to_the_month_before",
                                                                    "operation_say_which_month"]}
    answers = chart_answers(
        scope={"scope": {"topic": "rainfall", "modalities": ["image"], "keywords": ["line chart", "rainfall", "month"],
                         "facets": [facet("operation", "had the biggest increase", "had the biggest increase"),
                                    facet("operation", "compared to the month before",
                                          "compared to the month before"),
                                    # how to answer, not what to ask: it names no kind of question of any tool
                                    facet("operation", "say which month", "has to say which month")]}},
        subtasks={"subtasks": [rise]},
        judgments={"judgments": [{"source_id": "gen_line_chart_values", "transformable": True, "alignment": 0.5,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "maybe"}]},
        quotas={"quotas": [{"key": "biggest_rise", "importance": 1.0, "quota": 4}]},
        question=lambda prompt: {"question": "Which month had the biggest increase in rainfall over the month before?"})
    store, _, _ = build(tmp_path, answers, RISE, size=4)
    [grounding] = store.query("SELECT source_id, plan, rationale FROM groundings WHERE accepted = 1")
    assert grounding["source_id"] == "gen_line_chart_values" and "aligned by code" in grounding["rationale"]
    plan = json.loads(grounding["plan"])
    assert plan["where"] == {"theme": ["monthly_rainfall"]} and '=["rise"]:asks' in plan["steps"][0]["inputs"]
    samples = store.query("SELECT answer, record FROM samples WHERE status = 'ok'")
    assert len(samples) == 4
    for sample in samples:
        record = json.loads(sample["record"])
        assert sample["answer"] == record["largest_rise"]["to"] and record["theme"] == "monthly_rainfall"
    wettest = Item(question="Which month had the highest rainfall?", answer="Mar", answer_origin="tool",
                   goal="which category's value rose the most from the category just before it",
                   query={"kind": "rise", "from": "Feb"})
    assert not target_check(wettest).passed


def test_the_largest_rise_and_fall_are_asked_only_of_consecutive_times():
    data = {"title": "Rainfall", "categories": ["Jan", "Feb", "Mar", "Apr", "May"], "values": [40, 30, 70, 90, 20],
            "seed": 3}
    rise = run_tool("chart_label_target", {**data, "ordered": True, "asks": ["rise"]}).result
    fall = run_tool("chart_label_target", {**data, "ordered": True, "asks": ["fall"]}).result
    assert (rise["answer"], rise["query"]) == ("Mar", {"kind": "rise", "from": "Feb"})  # +40, though Apr is wettest
    assert rise["goal"].startswith("which month's value rose the most from the month just before it")
    assert "Mar" not in rise["goal"]
    assert (fall["answer"], fall["query"]) == ("May", {"kind": "fall", "from": "Apr"})
    with pytest.raises(ToolError, match="no question of the kinds"):
        run_tool("chart_label_target", {**data, "asks": ["rise"]})  # bars in no order have no 'month before'
    tied = {**data, "values": [10, 30, 50, 40, 20], "ordered": True}
    with pytest.raises(ToolError, match="no question of the kinds"):
        run_tool("chart_label_target", {**tied, "asks": ["rise"]})  # +20 twice: no one answer
    label = get_tool("chart_label_target").asks
    assert kinds_named("the biggest drop compared to the month before", label) == ["fall"]
    assert kinds_named("a change from the month before", label) == ["rise", "fall"]


NOBLE = "noble gases only mcq, which one is heavier (atomic mass), 4 choices"


def test_which_noble_gas_is_heavier_compares_four_noble_gases_by_atomic_mass(tmp_path):
    """An unseen requirement, refused before: the elements' card held no families, and no tool compared records."""
    heavier = {"key": "heavier_noble_gas", "name": "Heavier noble gas", "capability": "chemistry",
               "description": "pick which of four noble gases has the greater atomic mass", "modalities": ["text"],
               "answer_type": "choice", "rationale": "asked", "facets": ["topic_noble_gases_only_mcq",
                                                                       "operation_which_one_is_heavier_atomic_ma"]}
    answers = chart_answers(
        scope={"scope": {"topic": "noble gases", "modalities": ["text"], "keywords": ["noble gases", "atomic mass"],
                         "facets": [facet("topic", "noble gases only mcq", "noble gases only mcq"),
                                    facet("operation", "which one is heavier (atomic mass)",
                                          "which one is heavier (atomic mass)")]}},
        subtasks={"subtasks": [heavier]},
        judgments={"judgments": [{"source_id": "builtin_elements", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "masses"}]},
        quotas={"quotas": [{"key": "heavier_noble_gas", "importance": 1.0, "quota": 3}]})
    store, _, _ = build(tmp_path, answers, NOBLE, size=3)
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    assert plan["where"] == {"family": ["noble gas"]} and plan["steps"][0]["tool"] == "compare_target"
    masses = {r["name"]: r["mass"] for r in map(source_for(CARDS["builtin_elements"]).record, range(118))}
    noble = {"helium", "neon", "argon", "krypton", "xenon", "radon", "oganesson"}
    samples = store.query("SELECT options, answer FROM samples WHERE status = 'ok'")
    assert len(samples) == 3
    for sample in samples:
        options = json.loads(sample["options"])
        assert len(options) == 4 and set(options) <= noble
        assert sample["answer"] == max(options, key=masses.get)


def test_atomic_masses_of_period_3_elements_are_asked_rounded_with_their_letter_as_the_answer(tmp_path):
    """An unseen requirement was refused: 'correct letter as answer' was read as letters to write about. Now period 3
    picks the elements and '1 decimal' rounds the masses, the gold and its neighbours alike."""
    requirement = ("MCQ on atomic mass, period 3 elements only (Na thru Ar). 4 options each, masses rounded to 1 "
                   "decimal, correct letter as answer")
    assert not [f for f in seen_facets(requirement, []) if f.kind == "topic"]
    assert "letters texts" in [f.value for f in seen_facets("passages from business letters", [])]
    mass = {"key": "mass", "name": "Atomic mass of period 3 elements", "capability": "chemistry",
            "description": "choose the atomic mass of a period 3 element", "modalities": ["text"],
            "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(  # the 1.5B model's scope of this requirement
        scope={"scope": {"topic": "Atomic Mass", "modalities": ["text"], "keywords": ["atomic mass"],
                         "facets": [facet("topic", "MCQ on atomic mass, period 3 elements only (Na thru Ar).",
                                          "MCQ on atomic mass, period 3 elements only (Na thru Ar)."),
                                    facet("constraint", "period 3 elements only", "period 3 elements only"),
                                    facet("degradation", "masses rounded to 1 decimal", "masses rounded to 1 decimal"),
                                    facet("answer_format", "correct letter as answer", "correct letter as answer")]}},
        subtasks={"subtasks": [mass]},
        judgments={"judgments": [{"source_id": "builtin_elements", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "masses"}]},
        quotas={"quotas": [{"key": "mass", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=3)
    assert run_summary(store, run_id)["totals"]["accepted"] == 3
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    assert plan["where"] == {"period": ["3"]} and plan["steps"][0]["tool"] == "field_target"
    assert "=1:places" in plan["steps"][0]["inputs"]
    masses = {r["name"]: r["mass"] for r in map(source_for(CARDS["builtin_elements"]).record, range(118))
              if r["period"] == 3}
    for sample in store.query("SELECT record, options, answer FROM samples WHERE status = 'ok'"):
        name = json.loads(sample["record"])["name"]
        options = json.loads(sample["options"])
        assert name in masses and sample["answer"] == f"{masses[name]:.1f}" and sample["answer"] in options
        assert len(options) == 4 and all(re.fullmatch(r"\d+\.\d", o) for o in options)
    document = json.loads(store.one("SELECT spec FROM specs")["spec"])
    [key] = [k for k in document["facet_carriers"] if k.startswith("constraint_period_3")]
    assert document["facet_carriers"][key] == ["mass"]

OFFICIAL = ('yes/no qs "is <lang> an official languge of <country>?" only europe countries w/ pop over 10 mil. '
            'roughly half yes half no pls')


def official_answers(quota: int) -> dict:
    official = {"key": "official", "name": "Official language yes or no", "capability": "geography",
                "description": "is <lang> an official language of <country>", "modalities": ["text"],
                "answer_type": "binary", "rationale": "asked",
                "facets": ["question_kind_is_lang_an_official_langua", "constraint_only_europe_countries_w_pop_o",
                           "constraint_roughly_half_yes_half_no_pls"]}
    return chart_answers(
        scope={"scope": {"topic": "official languages", "modalities": ["text"], "keywords": ["official language"],
                         "facets": [facet("question_kind", "is <lang> an official language of <country>",
                                          'is <lang> an official languge of <country>?'),
                                    facet("constraint", "only europe countries w/ pop over 10 mil",
                                          "only europe countries w/ pop over 10 mil"),
                                    facet("constraint", "roughly half yes half no pls",
                                          "roughly half yes half no pls")]}},
        subtasks={"subtasks": [official]},
        judgments={"judgments": [{"source_id": "builtin_countries", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "countries"}]},
        quotas={"quotas": [{"key": "official", "importance": 1.0, "quota": quota}]})


def test_a_resumed_yes_no_build_goes_on_from_the_sides_it_accepted(tmp_path):
    store, stopped = open_store(tmp_path / "b.db"), []

    def stop_after_three(kind, **data):
        if kind == "sample" and data["status"] in ("ok", "fixed"):
            stopped.append(data)
            if len(stopped) == 3:
                raise KeyboardInterrupt

    with pytest.raises(Interrupted):  # what a Ctrl-C mid-build raises
        Build(store, scripted_lm(official_answers(6)), BuildRequest(OFFICIAL, 6, "scripted", concurrency=1),
              on_event=stop_after_three).run()
    run_id = store.one("SELECT id FROM runs")["id"]
    first = [r["answer"] for r in store.query("SELECT answer FROM samples WHERE status = 'ok' ORDER BY rowid")]
    assert len(first) == 3
    Build.resume(store, scripted_lm(official_answers(6)), run_id).run()
    golds = [r["answer"] for r in store.query("SELECT answer FROM samples WHERE status = 'ok' ORDER BY rowid")]
    fewer = min(("yes", "no"), key=first.count)
    assert golds[3] == fewer  # the first slot resumed is handed the side the run had accepted fewer of
    assert sorted(golds) == ["no"] * 3 + ["yes"] * 3


def test_whether_a_language_is_official_in_a_european_country_is_asked_yes_or_no(tmp_path):
    """An unseen requirement was refused: the countries held no languages and no populations, and no tool asked yes
    or no of a record. 'pop over 10 mil' now bounds the population (GeoNames)."""
    requirement = OFFICIAL
    store, run_id, _ = build(tmp_path, official_answers(6), requirement, size=6)
    assert run_summary(store, run_id)["totals"]["accepted"] == 6
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    assert plan["where"] == {"continent": ["Europe"]} and plan["steps"][0]["tool"] == "holds_target"
    assert plan["within"] == {"population": {"gt": 10_000_000}}
    assert stated_bounds("between 1 and 2.5 million people")[0] == {"ge": 1e6, "le": 2.5e6}
    assert stated_bounds("more than 2.5 m tall")[0] == {"gt": 2.5}  # metres, not millions
    golds, countries = [], map(source_for(CARDS["builtin_countries"]).record, range(CARDS["builtin_countries"].size))
    european = {lang for r in countries if r["continent"] == "Europe" and (r["population"] or 0) > 10_000_000
                for lang in r["languages"]}
    for sample in store.query("SELECT record, question, answer FROM samples WHERE status = 'ok'"):
        record = json.loads(sample["record"])
        [asked] = [q["result"] for q in store.query(  # the last call: a target may be asked again for a side
            "SELECT result FROM tool_calls WHERE tool = 'holds_target' AND slot_id = (SELECT slot_id FROM samples "
            "WHERE question = ?) ORDER BY rowid DESC LIMIT 1", (sample["question"],))]
        language = json.loads(asked)["query"]["holds"]
        assert record["continent"] == "Europe" and record["population"] > 10_000_000
        assert record["name"] in sample["question"]
        assert language in sample["question"]
        assert sample["answer"] == ("yes" if language in record["languages"] else "no")
        assert language not in record["regional_languages"]
        assert language in european  # a plausible 'no': a language official in another country drawn
        golds.append(sample["answer"])
    assert sorted(golds) == ["no"] * 3 + ["yes"] * 3  # each slot is handed the side its subtask has fewer of
    asked = store.query("SELECT slot_id, count(*) AS n FROM tool_calls WHERE tool = 'holds_target' GROUP BY slot_id")
    assert any(row["n"] > 1 for row in asked)  # a target giving the other side is asked again with other seeds
    document = json.loads(store.one("SELECT spec FROM specs")["spec"])
    assert not [g for g in document["spec"]["gaps"] if g["facet"].startswith("constraint_only_europe")]
    assert "constraint_roughly_half_yes_half_no_pls" in plan["steps"][0]["serves"]
    assert not [g for g in document["spec"]["gaps"] if g["facet"].startswith("constraint_roughly_half")]
    # a fit check reads the requirement without what code keeps: an item cannot show a population (the 1.5B model
    # judged 'Is Spanish an official language of Spain?' off target against the whole requirement)
    scope = Scope.model_validate(json.loads(store.one("SELECT scope FROM specs")["scope"]))
    read = Intent.of(requirement, scope).keeping(TransformPlan.model_validate(plan)).text()
    assert read.startswith('yes/no qs "is <lang> an official languge of <country>?"') and "pop over" not in read

def test_the_capital_of_an_african_country_is_asked_among_african_capitals(tmp_path):
    """Capitals had no source; now GeoNames gives them, and the distractors come from the countries drawn: Singapore
    and Tarawa beside Mbabane made the 1.5B fit check call the item off target."""
    requirement = "capital city of african countries, 4 options"
    capital = {"key": "capital", "name": "Capital city", "capability": "geography",
               "description": "ask the capital city of an African country", "modalities": ["text"],
               "answer_type": "choice", "rationale": "asked", "facets": ["topic_capital_city_of_african_countri"]}
    answers = chart_answers(
        scope={"scope": {"topic": "capital city", "modalities": ["text"], "keywords": ["capital city"],
                         "facets": [facet("topic", "capital city of african countries",
                                          "capital city of african countries")]}},
        subtasks={"subtasks": [capital]},
        judgments={"judgments": [{"source_id": "builtin_countries", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "countries"}]},
        quotas={"quotas": [{"key": "capital", "importance": 1.0, "quota": 4}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=4)
    assert run_summary(store, run_id)["totals"]["accepted"] == 4
    countries = [source_for(CARDS["builtin_countries"]).record(i) for i in range(CARDS["builtin_countries"].size)]
    african = {r["capital"] for r in countries if r["continent"] == "Africa" and r["capital"]}
    for sample in store.query("SELECT record, options, answer FROM samples WHERE status = 'ok'"):
        record, options = json.loads(sample["record"]), json.loads(sample["options"])
        assert record["continent"] == "Africa" and sample["answer"] == record["capital"]
        assert len(options) == 4 and set(options) <= african
    # a knowledge question shows the fit model no input: "nothing but the question" made it refuse right items
    checked = [json.loads(json.loads(r["inputs"])["item"]) for r in store.query(
        "SELECT inputs FROM steps WHERE name = 'Predict(CheckFit)'")]
    assert checked and all(set(c) == {"question", "options"} for c in checked)

def test_a_flag_shown_asks_which_asian_country_it_is_among_asian_countries(tmp_path):
    """An unseen flag quiz ('show a country's flag emoji and ask which country it is. Asian countries only, and the 3
    wrong options must ALSO be Asian countries') got the reverse, 'What is the flag of Bhutan?', with three options:
    no plan asked a record from a value shown, and '3 wrong options' was read as three options."""
    requirement = ("Flag quiz: show a country's flag emoji and ask which country it is. Asian countries only, and the "
                   "3 wrong options must ALSO be Asian countries (no freebies like Brazil next to Japan). 4 options "
                   "A-D, answer with the letter.")
    quiz = {"key": "flags", "name": "Flag Quiz: Show Emoji and Identify Country", "capability": "flag quiz",
            "description": "Show a country's flag emoji and ask which country it is. Asian countries only",
            "modalities": ["text"], "answer_type": "choice", "rationale": "asked", "facets": ["topic_flag_quiz"]}
    answers = chart_answers(
        scope={"scope": {"topic": "flags", "modalities": ["text"], "keywords": ["flag"],
                         "facets": [facet("topic", "Flag Quiz", requirement[:100]),
                                    facet("answer_format", "multiple choice", "4 options")]}},
        subtasks={"subtasks": [quiz]},
        judgments={"judgments": [{"source_id": "builtin_countries", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.9, "risk": 0.1, "rationale": "countries"}]},
        quotas={"quotas": [{"key": "flags", "importance": 1.0, "quota": 4}]})
    store, run_id, _ = build(tmp_path, answers, requirement, size=4)
    assert run_summary(store, run_id)["totals"]["accepted"] == 4
    countries = [source_for(CARDS["builtin_countries"]).record(i) for i in range(CARDS["builtin_countries"].size)]
    asian = {r["name"] for r in countries if r["continent"] == "Asia"}
    for sample in store.query("SELECT record, input, options, answer FROM samples WHERE status = 'ok'"):
        record, options = json.loads(sample["record"]), json.loads(sample["options"])
        assert record["continent"] == "Asia" and sample["answer"] == record["name"]
        assert record["flag"] in json.loads(sample["input"])["context"]  # the flag is shown, the country asked
        assert len(options) == 4 and set(options) <= asian
    assert STATED["n"]("the 3 wrong options must be asian") == 4 and STATED["n"](requirement.lower()) == 4
    # the embedded model wrote "What country is this flag emoji representing?": the answer is asked as the country,
    # not as the record's 'name', which that question never says
    [query] = {r["result"] for r in store.query("SELECT json_extract(result, '$.query') AS result FROM tool_calls "
                                                "WHERE tool = 'label_pool_target'")}
    assert json.loads(query) == {"ask": "country"}
    written = Item(question="What country is this flag emoji representing?", answer="India", answer_origin="tool",
                   goal="the country of the record described in the context", query={"ask": "country"})
    assert target_check(written).passed


def test_element_families_and_places_are_picked_by_their_names_alone():
    elements = CARDS["builtin_elements"]
    plan = template_plans(elements, "choice", about="halogens: which is lightest")[0]
    assert with_named_values(plan, elements, "halogens: which is lightest").where == {"family": ["halogen"]}
    assert plan.steps[0].tool == "compare_target"
    assert template_plans(elements, "choice", about="the symbol of an element")[0].steps[0].tool == "field_target"


def test_a_source_whose_records_cannot_give_the_kind_of_question_asked_is_refused_at_planning():
    from benchagent.program.planner.plan_writer import unaskable
    rise = SubtaskDraft(key="rise", name="Month of the biggest increase", description="", capability="charts",
                        modalities=["image"], answer_type="label", rationale="asked")
    bars, lines = CARDS["gen_bar_chart_values"], CARDS["gen_line_chart_values"]
    narrowed = {card.id: with_asks(recipe_for(card, "label"), [], rise) for card in (bars, lines)}
    assert all('=["rise"]:asks' in plan.steps[0].inputs for plan in narrowed.values())
    assert "allow no question of the kinds asked (rise)" in unaskable(narrowed[bars.id], bars)
    assert unaskable(narrowed[lines.id], lines) is None


def test_a_source_drawing_only_the_records_named_sets_aside_those_drawing_any():
    from benchagent.program.planner.grounding import Grounding
    from benchagent.program.planner.planning import picked_first
    requirement = "a passage about one function (from modules like itertools, collections or functools)"
    stdlib, docs = CARDS["builtin_python_stdlib"], CARDS["builtin_python_docs"]
    named = with_named_values(template_plans(stdlib, "choice", requirement)[0], stdlib, requirement)
    judged = [Grounding("builtin_python_docs", template_plans(docs, "choice", requirement)[0], {}, 0.8, True, "docs"),
              Grounding("builtin_python_stdlib", named, {}, 0.8, True, "docstrings")]
    kept = picked_first(judged)
    assert [g.accepted for g in kept] == [False, True]
    assert kept[0].rationale.startswith("set aside: builtin_python_stdlib draws only the records the requirement "
                                        "names (module: itertools, functools, collections)")
    assert picked_first(judged[:1]) == judged[:1]  # nothing picks: the others stand


CARS_MPG = ("cars datset mcq: display 4 japanese cars from 1980+ model yrs, which has best mpg? letter ans A-D, no "
            "ties plz")


def test_which_of_four_japanese_cars_has_the_best_mpg_compares_them_by_miles_per_gallon(tmp_path):
    """An unseen requirement delivered 4 items asking a car's origin: 'best' named no direction, a car's name (several
    model years share one) named no record to compare, and 'mpg' named no field."""
    best = {"key": "best_mpg", "name": "Best mpg", "capability": "reading car data",
            "description": "which of four Japanese cars has the best mpg", "modalities": ["text"],
            "answer_type": "choice", "rationale": "asked", "facets": []}
    shown = "display 4 japanese cars from 1980+ model yrs"
    answers = chart_answers(
        scope={"scope": {"topic": "cars", "modalities": ["text"], "keywords": ["cars", "mpg"],
                         "facets": [facet("presentation", shown, shown),
                                    facet("operation", "which has best mpg", "which has best mpg?"),
                                    facet("answer_format", "letter ans A-D", "letter ans A-D"),
                                    facet("constraint", "no ties", "no ties plz")]}},
        subtasks={"subtasks": [best]},
        judgments={"judgments": [{"source_id": "builtin_cars", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "mpg"}]},
        quotas={"quotas": [{"key": "best_mpg", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, CARS_MPG, size=3)
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    step = plan["steps"][0]
    assert step["tool"] == "compare_target" and "original.miles_per_gallon:answer.miles per gallon" in step["inputs"]
    assert '=["largest"]:asks' in step["inputs"]
    assert (plan["where"], plan["within"]) == ({"origin": ["Japan"]}, {"model_year": {"ge": 1980}})
    cars = [source_for(CARDS["builtin_cars"]).record(i) for i in range(406)]
    mpg = {}
    for car in cars:
        if car["origin"] == "Japan" and car["model_year"] >= 1980 and car["miles_per_gallon"] is not None:
            mpg.setdefault(car["name"], set()).add(car["miles_per_gallon"])
    targets = [json.loads(c["result"]) for c in store.query(
        "SELECT result FROM tool_calls WHERE tool = 'compare_target'")]
    for target in targets:
        among = target["query"]["among"]
        values = {name.strip(): float(v) for name, v in re.findall(r"([^;]+): miles per gallon ([\d.]+)",
                                                                    target["facts"])}
        assert len(among) == 4 == len(set(among)) and set(values) == set(among) <= set(mpg)
        assert len(set(values.values())) == 4 and all(values[n] in mpg[n] for n in among)  # no ties, true values
        assert target["answer"] == max(among, key=values.get)
    samples = store.query("SELECT options, answer FROM samples WHERE status = 'ok'")
    assert len(samples) == 3 and all(
        any(set(json.loads(s["options"])) == set(t["query"]["among"]) and s["answer"] == t["answer"] for t in targets)
        for s in samples)
    assert run_summary(store, run_id)["intent"]["gaps"] == []
    assert kinds_named("which has the worst mpg", get_tool("compare_target").asks) == ["smallest"]


PIE_TWO = "pie charts w/ 4-6 slices: what % do the 2 smallest slices make togther? answer just the integer, no % sign"


def test_the_two_smallest_slices_of_a_pie_are_added_on_charts_of_four_to_six_slices(tmp_path):
    """An unseen requirement delivered 'What category has the smallest value' as a success: pies took no number
    question, 'answer just the integer' left a label subtask a label, and no question added two values."""
    smallest = {"key": "two_smallest", "name": "Calculate the percentage of the 2 smallest slices",
                "capability": "data visualization", "description": "what % do the 2 smallest slices make together",
                "modalities": ["image"], "answer_type": "label", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "pie charts", "modalities": ["image"], "keywords": ["pie chart", "percentage"],
                         "facets": [facet("operation", "calculate the percentage of the 2 smallest slices",
                                          "what % do the 2 smallest slices make togther?"),
                                    facet("presentation", "pie charts w/ 4-6 slices", "pie charts w/ 4-6 slices"),
                                    facet("answer_format", "integer", "answer just the integer")]}},
        subtasks={"subtasks": [smallest]},
        judgments={"judgments": [{"source_id": "gen_pie_chart_shares", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "shares"}]},
        quotas={"quotas": [{"key": "two_smallest", "importance": 1.0, "quota": 4}]})
    store, run_id, _ = build(tmp_path, answers, PIE_TWO, size=4)
    [subtask] = store.query("SELECT answer_type FROM subtasks")
    assert subtask["answer_type"] == "number"
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    assert plan["steps"][0]["tool"] == "chart_number_target" and '=["two smallest"]:asks' in plan["steps"][0]["inputs"]
    assert plan["within"] == {"slices": {"ge": 4, "le": 6}}
    samples = store.query("SELECT answer, record FROM samples WHERE status = 'ok'")
    assert len(samples) == 4
    for sample in samples:
        shares = json.loads(sample["record"])["values"]
        assert 4 <= len(shares) <= 6 and sample["answer"] == str(sum(sorted(shares)[:2]))
    assert run_summary(store, run_id)["intent"]["gaps"] == []
    values = {"title": "Budget", "categories": ["Rent", "Food", "Fun", "Travel"], "values": [50, 30, 12, 8], "seed": 1}
    with pytest.raises(ToolError, match="no question of the kinds"):
        run_tool("chart_number_target", {**values, "shown": True, "asks": ["value"]})  # the legend prints it
    assert run_tool("chart_number_target", {**values, "shown": True, "asks": ["two largest"]}).result["answer"] == "80"


PRINTED = ("printed number imgs, only ints >= 1,000 w/ comma seperators (no prices/decimals/negatives) - answer digits "
           "only, no commas")


def test_printed_integers_with_comma_separators_are_asked_with_the_digits_as_the_answer(tmp_path):
    """An unseen requirement was refused: the printed numbers' card named no commas, and its kinds picked nothing."""
    read = {"key": "comma_numbers", "name": "Printed number with comma", "capability": "number reading",
            "description": "read a printed integer of 1,000 or more with comma separators", "modalities": ["image"],
            "answer_type": "number", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "printed numbers", "modalities": ["image"], "keywords": ["printed numbers"],
                         "facets": [facet("presentation", "ints >= 1,000 w/ comma seperators",
                                          "only ints >= 1,000 w/ comma seperators"),
                                    facet("constraint", "no prices/decimals/negatives",
                                          "(no prices/decimals/negatives)"),
                                    facet("answer_format", "digits only, no commas",
                                          "answer digits only, no commas")]}},
        subtasks={"subtasks": [read]},
        judgments={"judgments": [{"source_id": "gen_printed_numbers", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "numbers"}]},
        quotas={"quotas": [{"key": "comma_numbers", "importance": 1.0, "quota": 4}]})
    store, run_id, _ = build(tmp_path, answers, PRINTED, size=4)
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    assert plan["where"] == {"kind": ["comma"]} and plan["within"] == {"value": {"ge": 1000}}
    assert plan["without"] == {"kind": ["decimal", "negative", "price"]}
    samples = store.query("SELECT answer, record FROM samples WHERE status = 'ok'")
    assert len(samples) == 4
    for sample in samples:
        printed = json.loads(sample["record"])["text"]
        assert "," in printed and sample["answer"] == printed.replace(",", "") and int(sample["answer"]) >= 1000
    assert run_summary(store, run_id)["intent"]["gaps"] == []


def test_the_first_letter_of_a_name_names_no_letters_to_write():
    """An unseen requirement was refused: 'the first letter of the name' was read as letters, a kind of text."""
    symbols = ("Write questions that give an element's English name and ask for its chemical symbol, but only for "
               "elements whose symbol does not begin with the first letter of the name (like iron → Fe)")
    assert not [f for f in seen_facets(symbols, []) if f.kind == "topic"]
    assert not [f for f in seen_facets("words with a capital letter; letters of the alphabet", []) if f.kind == "topic"]
    assert [f.value for f in seen_facets("Write a formal letter to a landlord", [])] == ["letter texts"]


DENSITY = ("Which of three countries from the same region has the highest population density (people per km²)? Give "
           "the country's common name. Skip microstates under 1,000 km².")


def test_the_densest_of_three_countries_of_one_region_is_asked_by_population_per_area(tmp_path):
    """An unseen requirement was refused: no comparison divided one field by another, none kept to one region, and
    'skip microstates under 1,000 km²' bounded nothing."""
    densest = {"key": "densest", "name": "Find the country with the highest population density",
               "description": "which of three countries from the same region has the highest population density",
               "capability": "geography", "modalities": ["text"], "answer_type": "choice", "rationale": "asked",
               "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "geography", "modalities": ["text"], "keywords": ["population density"],
                         "facets": [facet("operation", "which of three countries has the highest population density",
                                          "Which of three countries from the same region has the highest population "
                                          "density (people per km²)?"),
                                    facet("constraint", "Skip microstates under 1,000 km²",
                                          "Skip microstates under 1,000 km².")]}},
        subtasks={"subtasks": [densest]},
        judgments={"judgments": [{"source_id": "builtin_countries", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "areas"}]},
        quotas={"quotas": [{"key": "densest", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, DENSITY, size=3)
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    step = plan["steps"][0]
    assert step["tool"] == "compare_target" and '=["largest"]:asks' in step["inputs"] and "=3:n" in step["inputs"]
    assert {"original.population:answer.population", "original.area_km2:per.area",
            "original.region:same.region"} <= set(step["inputs"])
    assert plan["within"] == {"area_km2": {"ge": 1000}}
    countries = {r["name"]: r for r in map(source_for(CARDS["builtin_countries"]).record, range(249))}
    targets = [json.loads(c["result"]) for c in store.query(
        "SELECT result FROM tool_calls WHERE tool = 'compare_target'")]
    for target in targets:
        among = [countries[n] for n in target["query"]["among"]]
        assert len(among) == 3 and len({c["region"] for c in among}) == 1
        assert all(c["area_km2"] >= 1000 for c in among)
        assert target["answer"] == max(among, key=lambda c: c["population"] / c["area_km2"])["name"]
    samples = store.query("SELECT options, answer FROM samples WHERE status = 'ok'")
    assert len(samples) == 3 and all(len(json.loads(s["options"])) == 3 for s in samples)
    assert run_summary(store, run_id)["intent"]["gaps"] == []


POWER = ("cars dataset — list 5 cars with their horsepower and weight and ask which has the highest power-to-weight "
         "ratio (hp per lb); answer with the car name as listed")


def test_the_best_power_to_weight_ratio_of_five_listed_cars_is_computed_from_the_numbers_shown(tmp_path):
    """An unseen requirement: the ratio of two fields, each car's two numbers listed, five cars to choose from."""
    ratio = {"key": "power_to_weight", "name": "Highest power-to-weight ratio",
             "description": "list 5 cars with their horsepower and weight; which has the highest power-to-weight "
                            "ratio", "capability": "arithmetic on car data", "modalities": ["text"],
             "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "cars", "modalities": ["text"], "keywords": ["horsepower", "weight"],
                         "facets": [facet("operation", "which has the highest power-to-weight ratio (hp per lb)",
                                          "ask which has the highest power-to-weight ratio (hp per lb)")]}},
        subtasks={"subtasks": [ratio]},
        judgments={"judgments": [{"source_id": "builtin_cars", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "cars"}]},
        quotas={"quotas": [{"key": "power_to_weight", "importance": 1.0, "quota": 3}]})
    store, _, _ = build(tmp_path, answers, POWER, size=3)
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    step = plan["steps"][0]
    assert {"original.horsepower:answer.horsepower", "original.weight_lbs:per.weight", "=true:show",
            "=5:n"} <= set(step["inputs"])
    [subtask] = store.query("SELECT answer_type FROM subtasks")
    assert subtask["answer_type"] == "label"  # 'answer with the car name as listed': no options asked
    samples = store.query("SELECT options, answer, input FROM samples WHERE status = 'ok'")
    assert len(samples) == 3
    for sample in samples:
        listed = dict((name, (int(hp), int(lb))) for name, hp, lb in re.findall(
            r"^(.+): horsepower (\d+), weight (\d+)$", json.loads(sample["input"])["context"], re.M))
        assert len(listed) == 5 and sample["answer"] in listed and not json.loads(sample["options"] or "[]")
        assert sample["answer"] == max(listed, key=lambda n: listed[n][0] / listed[n][1])


NORTH = ("2 US airports per q, which one is further north? diff states, at least 1 deg of latitude apart, answer = "
         "IATA code")


def test_which_of_two_airports_in_different_states_is_further_north_compares_latitudes_a_degree_apart(tmp_path):
    """An unseen requirement: 'further north' named no direction or field, and nothing kept the two airports in
    different states or a degree of latitude apart."""
    north = {"key": "north", "name": "Which airport is further north",
             "description": "which of two US airports is further north", "capability": "geography",
             "modalities": ["text"], "answer_type": "choice", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "airports", "modalities": ["text"], "keywords": ["airports", "latitude"],
                         "facets": [facet("operation", "which one is further north", "which one is further north?"),
                                    facet("constraint", "diff states", "diff states"),
                                    facet("constraint", "at least 1 deg of latitude apart",
                                          "at least 1 deg of latitude apart"),
                                    facet("answer_format", "IATA code", "answer = IATA code")]}},
        subtasks={"subtasks": [north]},
        judgments={"judgments": [{"source_id": "builtin_airports", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "airports"}]},
        quotas={"quotas": [{"key": "north", "importance": 1.0, "quota": 3}]})
    store, run_id, _ = build(tmp_path, answers, NORTH, size=3)
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    step = plan["steps"][0]
    assert step["tool"] == "compare_target" and '=["largest"]:asks' in step["inputs"] and "=2:n" in step["inputs"]
    assert {"original.iata:subject.iata", "original.latitude:answer.latitude", "=1.0:gap"} <= set(step["inputs"])
    airports = {r["iata"]: r for r in map(source_for(CARDS["builtin_airports"]).record, range(3376))}
    targets = [json.loads(c["result"]) for c in store.query(
        "SELECT result FROM tool_calls WHERE tool = 'compare_target' AND result IS NOT NULL")]
    for target in targets:
        a, b = (airports[code] for code in target["query"]["among"])
        assert a["state"] != b["state"] and abs(a["latitude"] - b["latitude"]) >= 1
        assert target["answer"] == max((a, b), key=lambda r: r["latitude"])["iata"]
    samples = store.query("SELECT options FROM samples WHERE status = 'ok'")
    assert len(samples) == 3 and all(len(json.loads(s["options"])) == 2 for s in samples)
    assert run_summary(store, run_id)["intent"]["gaps"] == []
    # the embedded model typed the subtask as a label ('answer = IATA code'): an open question names both airports
    [open_plan] = template_plans(CARDS["builtin_airports"], "label", "which airport is further north", "IATA code")[:1]
    assert open_plan.steps[0].tool == "compare_target" and "final.output.answer:answer" in open_plan.steps[0].outputs
    which = Item(question="Which airport is further north, SEA or PDX?", answer="SEA", answer_origin="tool",
                 query={"kind": "largest", "among": ["PDX", "SEA"]})
    assert leakage_check(which).passed
    assert not leakage_check(Item(question="Is SEA the airport further north?", answer="SEA", answer_origin="tool",
                                  query={"kind": "largest", "among": ["PDX", "SEA"]})).passed


GRADES = ("Small table images of students' grades: ask for the average score of one named student across all subjects, "
          "rounded to 1 decimal place; tables should have 3-5 subjects.")


def test_a_students_average_across_all_subjects_is_asked_rounded_to_one_decimal(tmp_path):
    """An unseen requirement: no table question averaged a row across its columns; 'average' asked a group's."""
    average = {"key": "student_average", "name": "Average score of one student",
               "description": "the average score of one named student across all subjects", "capability": "tables",
               "modalities": ["image"], "answer_type": "number", "rationale": "asked", "facets": []}
    answers = chart_answers(
        scope={"scope": {"topic": "students' grades", "modalities": ["image"], "keywords": ["table", "grades"],
                         "facets": [facet("operation", "average score of one named student across all subjects",
                                          "ask for the average score of one named student across all subjects"),
                                    facet("degradation", "rounded to 1 decimal place", "rounded to 1 decimal place"),
                                    facet("constraint", "tables should have 3-5 subjects",
                                          "tables should have 3-5 subjects")]}},
        subtasks={"subtasks": [average]},
        judgments={"judgments": [{"source_id": "gen_small_tables", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "tables"}]},
        quotas={"quotas": [{"key": "student_average", "importance": 1.0, "quota": 4}]})
    store, run_id, _ = build(tmp_path, answers, GRADES, size=4)
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    step = plan["steps"][0]
    assert '=["row"]:asks' in step["inputs"] and "=1:places" in step["inputs"]
    assert plan["within"] == {"subjects": {"ge": 3, "le": 5}}
    samples = store.query("SELECT s.answer, s.record, c.result FROM samples s JOIN tool_calls c ON c.sample_id = s.id "
                          "AND c.tool = 'table_number_target' WHERE s.status = 'ok'")
    assert len(samples) == 4
    for sample in samples:
        record, query = json.loads(sample["record"]), json.loads(sample["result"])["query"]
        assert record["theme"] == "class_results" and 3 <= len(record["numeric_columns"]) <= 5
        [row] = [r for r in record["rows"] if r[0] == query["row"]]
        marks = [row[record["columns"].index(c)] for c in record["numeric_columns"]]
        expected = Decimal(sum(marks)) / Decimal(len(marks))
        assert sample["answer"] == str(expected.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    assert run_summary(store, run_id)["intent"]["gaps"] == []


TRUE_FALSE = ("python language ref true/false: give a passage + one statement, answer True or False, ~half true half "
              "false, false statements should be plausible tweaks not nonsense")


def test_true_or_false_statements_on_passages_are_written_half_true_half_false(tmp_path):
    """An unseen requirement delivered cloze and open questions as a success: 'answer True or False' left the
    subtasks choice, and no plan wrote a statement to judge. Now the writer is told which side each slot wants."""
    judged = {"key": "true_false", "name": "Understand Python syntax",
              "description": "Given a passage about Python syntax, answer True or False if the statement is true",
              "capability": "python", "modalities": ["text"], "answer_type": "choice", "rationale": "asked",
              "facets": []}

    def write(prompt):  # a statement as the slot wants it: one detail changed for a false one
        truth = section(prompt, "truth").strip().strip('"')
        false = truth == "no"
        return {"question": f"The passage says that a statement {'never ' if false else ''}ends with a newline.",
                "options": [], "answer": "False" if false else "True"}

    answers = chart_answers(
        scope={"scope": {"topic": "Python language", "modalities": ["text"], "keywords": ["python", "true/false"],
                         "facets": [facet("operation", "give a passage + one statement, answer True or False",
                                          "give a passage + one statement, answer True or False")]}},
        subtasks={"subtasks": [judged]},
        judgments={"judgments": [{"source_id": "builtin_python_docs", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "docs"}]},
        brief={"brief": {"fit": "a rule", "core_facts": ["statements end"], "goal": "a statement to judge",
                         "reasoning_hops": 1, "difficulty_plan": "read", "leakage_guards": []}},
        question=write,
        answer=lambda prompt: {"answer": "False" if "never" in section(prompt, "question") else "True"},
        quotas={"quotas": [{"key": "true_false", "importance": 1.0, "quota": 4}]})
    store, run_id, _ = build(tmp_path, answers, TRUE_FALSE, size=4)
    [subtask] = store.query("SELECT answer_type FROM subtasks")
    assert subtask["answer_type"] == "binary"
    [plan] = [json.loads(r["plan"]) for r in store.query("SELECT plan FROM groundings WHERE accepted = 1")]
    [writer] = [s for s in plan["steps"] if s["tool"] == "write_item"]
    assert "slot.wanted_answer:truth" in writer["inputs"]
    samples = store.query("SELECT question, answer, options FROM samples WHERE status = 'ok'")
    assert len(samples) == 4 and Counter(s["answer"] for s in samples) == {"True": 2, "False": 2}
    assert all(s["options"] is None for s in samples)
    assert run_summary(store, run_id)["intent"]["gaps"] == []


def test_a_question_naming_another_record_than_the_tools_fails_even_when_their_names_look_alike():
    """An unseen build delivered 'What is the chemical symbol for potassium?' with the gold Hs: the record was
    hassium, and a loose match let 'potassium' stand for it."""
    item = Item(question="What is the chemical symbol for potassium?", answer="Hs", answer_origin="tool",
                goal="the symbol of 'hassium'", query={"ask": "symbol", "of": {"name": "hassium"}})
    assert not target_check(item).passed
    assert target_check(Item(question="What is the chemical symbol for Hassium?", answer="Hs", answer_origin="tool",
                             goal="the symbol of 'hassium'", query={"ask": "symbol", "of": {"name": "hassium"}})).passed
