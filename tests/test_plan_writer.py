"""Template plans validate and run end to end through the Realizer to the record's exact answer; the LLM plan
writer accepts a valid plan, retries an invalid one once with the error, then gives up."""

import json
import re
from decimal import Decimal

import dspy
import pytest
from PIL import Image

from benchagent.program.errors import RealizationError
from benchagent.program.executor.realize import Realizer, item_from_flow, llm_steps
from benchagent.program.planner.plan_check import validate_plan
from benchagent.program.planner.plan_writer import PlanWriter, dry_run, template_plans
from benchagent.program.sources.builtin import builtin_source
from benchagent.program.sources.families import GENERATORS
from benchagent.program.sources.recipes import answer_origin
from benchagent.program.sources.user import user_source
from benchagent.program.tools import list_tools
from benchagent.program.tools.targets import mentions
from benchagent.signatures import PlanStep, SubtaskDraft
from scripted_lm import ScriptedLM, scripted_lm

QUESTION = "What does the item ask about the record?"
CASES = [("builtin_elements", "number"), ("builtin_elements", "label"), ("builtin_elements", "choice"),
         ("builtin_iris", "label"), ("builtin_iris", "choice"), ("builtin_countries", "label"),
         ("builtin_countries", "choice"), ("builtin_countries", "number"), ("builtin_countries", "binary"),
         ("builtin_languages", "choice"),
         ("builtin_python_docs", "span"), ("builtin_python_docs", "choice"), ("builtin_digits", "label"),
         ("builtin_digits", "choice")]
INDICES = (0, 25, 57, 101)


def _card(source_id):
    return builtin_source(source_id).card


def _validate(plan, card, kind):
    validate_plan(plan, answer_type=kind, modalities=card.modalities, record_fields=set(card.fields),
                  tools={t.name for t in list_tools()}, predictors=set(llm_steps()))


def _realize(plan, record, index):
    slot = {"seed": 1000 * index + 3, "gold_position": index % 4}
    with dspy.context(lm=scripted_lm({"question": {"question": QUESTION}}), adapter=dspy.JSONAdapter()):
        flow = Realizer()(plan, record, slot, subtask="test subtask")
    return flow, item_from_flow(flow, answer_origin=answer_origin(plan))


def _asked_field(plan, flow):
    """The record field behind the answer: the binding of the target step's asked label."""
    target = plan.steps[0]
    label = flow.values["interim.query"]["ask"]
    return next(ref.removeprefix("original.") for ref, _, name in (e.partition(":") for e in target.inputs)
                if name == f"answer.{label}")


def _check(plan, record, flow, item, kind, index):
    if plan.steps[0].tool == "passage_cloze":
        query = flow.values["interim.query"]
        assert item.answer == record["text"][query["start"]:query["end"]]
        assert not mentions(item.extra_input["context"], item.answer)
    elif plan.steps[0].tool == "compare_target":  # the answer names the compared record holding the extreme value
        query, others = flow.values["interim.query"], next(
            json.loads(e[1:].rpartition(":")[0]) for e in plan.steps[0].inputs if e.endswith(":others"))
        field = _asked_field(plan, flow)
        named = next(ref.removeprefix("original.") for ref, _, name in (e.partition(":") for e in plan.steps[0].inputs)
                     if name.startswith("subject."))  # the name field, or another naming every record apart
        values = {name: value for name, value in others} | {str(record[named]): record[field]}
        assert str(record[named]) in query["among"] and (kind != "choice" or set(item.options) == set(query["among"]))
        extreme = max if query["kind"] == "largest" else min
        assert item.answer == extreme(query["among"], key=values.get)
    elif plan.steps[0].tool == "holds_target":  # yes when the record holds the value asked, else no
        query = flow.values["interim.query"]
        field = next(ref.removeprefix("original.") for ref, _, name in (e.partition(":") for e in plan.steps[0].inputs)
                     if name == f"answer.{query['field']}")
        held = record[field] if isinstance(record[field], list) else [record[field]]
        assert item.answer == ("yes" if query["holds"] in held else "no") and query["of"] == record["name"]
    else:
        value = record[_asked_field(plan, flow)]
        if isinstance(value, float):
            assert Decimal(item.answer) == Decimal(repr(value))
        else:
            assert item.answer == str(value)
        assert not mentions(flow.values["interim.goal"], item.answer)
    if plan.steps[0].tool == "passage_cloze":
        assert re.fullmatch(r"Which word is hidden by (the blank|\[blank \d\]) in the passage\?", item.question)
    else:
        assert item.question == QUESTION
    assert item.answer_origin == "tool" and item.facts
    if kind == "choice":
        assert item.options.count(item.answer) == 1 and len(set(item.options)) == len(item.options) >= 2
        assert item.options.index(item.answer) == index % 4 % len(item.options)
    else:
        assert item.options is None


@pytest.mark.parametrize("source_id, kind", CASES)
def test_template_plans_validate_and_run_to_the_exact_answer(source_id, kind):
    card = _card(source_id)
    plans = template_plans(card, kind)
    assert plans
    source = builtin_source(source_id)
    for plan in plans:
        _validate(plan, card, kind)
    if source_id == "builtin_python_docs":  # the LLM-written plan is tested on its own below
        assert [answer_origin(p) for p in plans] == ["tool", "llm"]
        plans = plans[:1]
    for plan in plans:
        cloze = plan.steps[0].tool == "passage_cloze"  # its question is worded by the tool, no LLM step rephrases it
        assert [s.kind for s in plan.steps][-1] == ("PURE" if cloze else "LLM") and answer_origin(plan) == "tool"
        for index in INDICES:
            record = source.record(index)
            try:
                flow, item = _realize(plan, record, index)
            except RealizationError:  # only a single-field plan over a field this record lacks, or whose value its
                # question would state (the capital of Djibouti is Djibouti), may fail
                assert plan.steps[0].tool in ("field_target", "compare_target", "holds_target") and len(
                    [e for e in plan.steps[0].inputs if ":answer." in e]) == 1
                field = next(e for e in plan.steps[0].inputs if ":answer." in e).partition(":")[0]
                value = record[field.removeprefix("original.")]
                assert value in (None, []) or str(value) in str(record.get("name"))
                continue
            _check(plan, record, flow, item, kind, index)
            if "image" in card.modalities:
                assert list(item.images) == ["image"] and item.images["image"] == record["image"]
            read = source_id in ("builtin_iris", "builtin_python_docs")  # knowledge and image items have no context
            assert ("context" in item.extra_input) == read


def test_sources_get_only_the_answer_types_they_can_serve():
    assert template_plans(_card("builtin_languages"), "number") == []
    assert {e.partition(":")[2] for p in template_plans(_card("builtin_countries"), "number")
            for e in p.steps[0].inputs if ":answer." in e} == {"answer.population", "answer.area"}
    assert template_plans(_card("builtin_python_docs"), "number") == []
    assert template_plans(_card("builtin_iris"), "number") == []
    generator = next(generator.card for generator in GENERATORS.values())
    assert template_plans(generator, "number") == []


def test_plans_asking_what_the_subtask_names_come_first():
    card = _card("builtin_elements")
    mixed = template_plans(card, "number")[0]
    assert sum(":answer." in e for e in mixed.steps[0].inputs) > 2
    mass = template_plans(card, "number", about="Atomic mass: ask the atomic mass of an element")[0]
    assert [e for e in mass.steps[0].inputs if ":answer." in e] == ["original.mass:answer.atomic mass"]
    flow, item = _realize(mass, builtin_source("builtin_elements").record(25), 25)
    assert item.answer == "55.845" and flow.values["interim.goal"].startswith("the atomic mass of 'iron'")


BRIEF = {"fit": "the passage defines a term", "core_facts": ["a list is mutable"], "goal": "ask what a list is",
         "reasoning_hops": 1, "difficulty_plan": "paraphrase the definition", "leakage_guards": ["do not say mutable"]}


@pytest.mark.parametrize("kind", ["choice", "span"])
def test_written_passage_plan_makes_an_llm_item_with_its_brief(kind):
    card = _card("builtin_python_docs")
    plan = template_plans(card, kind, about="Reading comprehension: explain what a passage means")[0]
    _validate(plan, card, kind)
    assert [s.tool for s in plan.steps][:3] == ["choose_chunk", "write_brief", "write_item"]
    assert answer_origin(plan) == "llm"
    record = builtin_source("builtin_python_docs").record(7)
    options = ["mutable", "immutable", "hashable", "ordered"]
    written = {"question": "Which word describes a list?", "options": options if kind == "choice" else [],
               "answer": "mutable"}
    lm = scripted_lm({"brief": {"brief": BRIEF}, "question": written})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        flow = Realizer()(plan, record, {"seed": 5, "gold_position": 2}, subtask="test subtask")
    item = item_from_flow(flow, answer_origin=answer_origin(plan))
    assert item.answer_origin == "llm" and item.question == written["question"] and item.answer == "mutable"
    assert item.extra_input["context"] == flow.values["interim.passage"]
    assert item.extra_input["context"] in record["text"]
    assert flow.values["interim.brief"].model_dump() == BRIEF
    if kind == "choice":
        assert sorted(item.options) == sorted(options) and item.options.index("mutable") == 2
    else:
        assert item.options is None
    brief_prompt = next(h["messages"] for h in lm.history if "fields: `brief`" in h["messages"][-1]["content"])
    assert item.extra_input["context"] in "".join(m["content"] for m in brief_prompt)


def test_a_written_answer_missing_from_its_options_is_retried_then_refused():
    plan = template_plans(_card("builtin_python_docs"), "choice", about="comprehension")[0]
    lm = scripted_lm({"brief": {"brief": BRIEF}, "question": {
        "question": "Which word describes a list?", "options": ["a", "b", "c", "d"], "answer": "mutable"}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()), pytest.raises(RealizationError, match="not exactly one"):
        Realizer()(plan, builtin_source("builtin_python_docs").record(7), {"seed": 5, "gold_position": 0},
                   subtask="test subtask")
    assert sum("fields: `question`" in h["messages"][-1]["content"] for h in lm.history) == 3  # first try + 2 retries


def test_written_options_that_repeat_are_written_again():
    plan = template_plans(_card("builtin_python_docs"), "choice", about="comprehension")[0]
    tries = iter([["mutable", "Mutable ", "hashable", "ordered"], ["mutable", "immutable", "hashable", "ordered"]])
    lm = scripted_lm({"brief": {"brief": BRIEF}, "question": lambda prompt: {
        "question": "Which word describes a list?", "options": next(tries), "answer": "mutable"}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        flow = Realizer()(plan, builtin_source("builtin_python_docs").record(7), {"seed": 5, "gold_position": 0},
                          subtask="test subtask")
    assert sorted(item_from_flow(flow, answer_origin="llm").options) == ["hashable", "immutable", "mutable", "ordered"]
    assert sum("fields: `question`" in h["messages"][-1]["content"] for h in lm.history) == 2


def test_cloze_stays_first_unless_the_subtask_is_about_comprehension():
    card = _card("builtin_python_docs")
    assert template_plans(card, "choice", about="Fill in the missing word")[0].steps[0].tool == "passage_cloze"
    assert template_plans(card, "choice", about="Python docs questions")[0].steps[0].tool == "passage_cloze"
    assert template_plans(card, "span", about="Understand why the docs say so")[0].steps[0].tool == "choose_chunk"


def test_user_table_gets_lookup_plans(tmp_path):
    path = tmp_path / "fruit.csv"
    rows = [("apple", 1.25, "pome", 95), ("pear", 1.5, "pome", 101), ("plum", 0.75, "drupe", 30),
            ("cherry", 4.0, "drupe", 5), ("peach", 2.25, "drupe", 59), ("quince", 3.5, "pome", 52),
            ("grape", 2.5, "berry", 3), ("kiwi", 0.5, "berry", 42)]
    path.write_text("name,price,family,calories\n" + "".join(f"{n},{p},{f},{c}\n" for n, p, f, c in rows))
    source = user_source(path)
    card = source.card
    for kind in ("number", "label", "choice"):
        plans = template_plans(card, kind)
        assert plans
        for plan in plans:
            _validate(plan, card, kind)
            for index in range(len(rows)):
                record = source.record(index)
                flow, item = _realize(plan, record, index)
                _check(plan, record, flow, item, kind, index)
                context = item.extra_input["context"]
                assert context.splitlines()[0] == f"name: {record['name']}" and item.answer in context
    family = template_plans(card, "choice", about="which family a fruit belongs to")[0]
    assert family.steps[1].tool == "label_options"


SUBTASK = SubtaskDraft(key="atomic_numbers", name="Atomic numbers", description="ask the atomic number of an element",
                       capability="chemistry knowledge", modalities=["text"], answer_type="number", rationale="core")


def _write(replies):
    lm = ScriptedLM([{"plan": p.model_dump()} for p in replies], adapter=dspy.JSONAdapter())
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        plan = PlanWriter()(subtask=SUBTASK, card=_card("builtin_elements"))
    return plan, [entry["messages"][-1]["content"] for entry in lm.history]


def _good():
    return template_plans(_card("builtin_elements"), "number", about="atomic number")[0]


def test_plan_writer_accepts_a_valid_plan():
    plan, prompts = _write([_good()])
    assert plan == _good() and len(prompts) == 1
    assert "field_target(" in prompts[0] and "- number: int: atomic number" in prompts[0]
    assert '"produce": ["final.input.question", "final.output.answer"]' in prompts[0]


def test_plan_writer_retries_once_with_the_error():
    unknown = _good().model_copy(update={"steps": [_good().steps[0].model_copy(update={"tool": "oracle"}),
                                                   *_good().steps[1:]]})
    plan, prompts = _write([unknown, _good()])
    assert plan == _good() and len(prompts) == 2
    assert "oracle" not in prompts[0] and "rejected: step 1 (PURE oracle): unknown tool" in prompts[1]


def test_plan_writer_dry_runs_the_plan_and_gives_up_after_the_retry():
    no_subject = _good().model_copy(update={"steps": [
        _good().steps[0].model_copy(update={"inputs": ["original.number:answer.atomic number", "slot.seed"]}),
        *_good().steps[1:]]})
    plan, prompts = _write([no_subject, no_subject])
    assert plan is None and len(prompts) == 2
    assert "rejected: step 1 (PURE field_target): field_target: bad arguments: subject: Field required" in prompts[1]


def test_dry_run_checks_llm_step_arguments():
    plan = _good()
    wrong = PlanStep(kind="LLM", tool="phrase_question", inputs=["interim.goal", "interim.facts"],
                     outputs=["final.input.question"], instruction="phrase")
    with pytest.raises(Exception, match="takes \\['context', 'goal'\\]"):
        dry_run(plan.model_copy(update={"steps": [*plan.steps[:-1], wrong]}),
                builtin_source("builtin_elements").record(0))


def test_user_image_folder_gets_image_label_plans(tmp_path):
    labels = ["warm", "cool", "neutral"]
    for i in range(8):
        Image.new("RGB", (20, 20), ("red", "blue")[i % 2]).save(tmp_path / f"img{i}.png")
    (tmp_path / "labels.csv").write_text("file,label\n" + "".join(f"img{i}.png,{labels[i % 3]}\n" for i in range(8)))
    source = user_source(tmp_path)
    assert template_plans(source.card, "number") == []
    for kind in ("label", "choice"):
        (plan,) = template_plans(source.card, kind)
        assert plan.steps[0].tool == "label_pool_target" and plan.steps[1].tool == "record_image"
        for index in range(8):
            record = source.record(index)
            flow, item = _realize(plan, record, index)
            _check(plan, record, flow, item, kind, index)
            assert item.images["image"] == record["image"] and "context" not in item.extra_input
            assert kind == "label" or sorted(item.options) == sorted(labels)
