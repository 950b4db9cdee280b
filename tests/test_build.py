"""End-to-end builds against a scripted LM and a real SQLite store."""

import io
import json
import re

import dspy
import pytest
from PIL import Image
from scripted_lm import FieldKey, chart_answers, scripted_lm, section

from benchagent.program.build import Build, BuildRequest
from benchagent.program.errors import BuildAborted, PlanningError
from benchagent.program.planner.grounding import GroundingAgent
from benchagent.signatures import GroundSubtask
from benchagent.store import open_store
from benchagent.store.lineage import sample_lineage
from benchagent.store.reports import run_summary

REQUIREMENT = "Build a benchmark that tests whether a model can read values off bar charts"


def run_build(tmp_path, answers, size=3, seed=0, requirement=REQUIREMENT):
    store = open_store(tmp_path / "b.db")
    events = []
    build = Build(store, scripted_lm(answers), BuildRequest(requirement, size, "scripted", seed=seed),
                  on_event=lambda kind, **data: events.append((kind, data)))
    run_id = build.run()
    return store, run_id, events


def test_build_delivers_quota_with_tool_made_answers(tmp_path):
    store, run_id, events = run_build(tmp_path, chart_answers())
    summary = run_summary(store, run_id)
    assert summary["run"]["status"] == "done"
    assert summary["totals"]["accepted"] == 3
    samples = store.query("SELECT * FROM samples WHERE run_id = ? AND status = 'ok'", (run_id,))
    assert len(samples) == 3
    for sample in samples:
        options = json.loads(sample["options"])
        assert options.count(sample["answer"]) == 1 and len(set(options)) == 4
        record = json.loads(sample["record"])
        assert int(sample["answer"]) in record["values"] or any(
            int(sample["answer"]) == a - b for a in record["values"] for b in record["values"])
        asset = store.one("SELECT content, width, height FROM assets WHERE sample_id = ?", (sample["id"],))
        with Image.open(io.BytesIO(asset["content"])) as img:
            assert img.format == "PNG" and img.size == (asset["width"], asset["height"])
    assert ("execute", {"total": 3, "accepted": 0}) in events
    assert sum(1 for kind, data in events if kind == "sample" and data["status"] == "ok") == 3


def test_lineage_links_every_record(tmp_path):
    store, run_id, _ = run_build(tmp_path, chart_answers(), size=1)
    sample_id = store.one("SELECT id FROM samples WHERE run_id = ?", (run_id,))["id"]
    lineage = sample_lineage(store, sample_id)
    for key in ("run", "spec", "subtask", "source", "steps", "lm_calls", "tool_calls", "verdicts", "reviews",
                "program"):
        assert key in lineage
    assert lineage["run"]["requirement"] == REQUIREMENT
    assert lineage["source"]["kind"] == "generator"
    tools = [t["tool"] for t in lineage["tool_calls"]]
    assert tools[:2] == ["chart_number_target", "bar_chart"] and "shuffle_options" in tools
    stages = {c["stage"] for c in lineage["lm_calls"]}
    assert {"scope", "design", "grounding", "realize", "verify"} <= stages and "allocation" not in stages  # one subtask
    steps = {s["id"]: s for s in lineage["steps"]}
    predicts = [s for s in steps.values() if s["name"] == "Predict(PhraseQuestion)"]
    assert predicts and steps[predicts[0]["parent_id"]]["name"] == "Realizer"
    assert all(c["step_id"] in steps for c in lineage["lm_calls"])
    assert all(c["model"] for c in lineage["lm_calls"])
    assert {v["name"] for v in lineage["verdicts"]} >= {"schema", "answer_in_options", "single_correct_option"}
    brief = lineage["sample"]["brief"]
    assert brief["goal"] and brief["core_facts"] and brief["reasoning_hops"] in (1, 2)
    assert "the answer must only be readable from the image" in brief["leakage_guards"]


def test_inspector_rejection_is_replaced_until_quota(tmp_path):
    store = open_store(tmp_path / "b.db")
    lm = scripted_lm(chart_answers())
    lm.answers["fields: `issues`"] = {
        "issues": [{"category": "ambiguity", "severity": "major", "detail": "two readings"}]}

    def accept_after_first_sample(kind, **data):
        if kind == "sample":
            lm.answers["fields: `issues`"] = {"issues": []}

    run_id = Build(store, lm, BuildRequest(REQUIREMENT, 2, "scripted", seed=1, concurrency=1),
                   on_event=accept_after_first_sample).run()
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 2 and summary["totals"]["rejected"] == 1
    assert summary["rejection_reasons"] == [{"stage": "inspector", "name": "ambiguity", "count": 1}]
    rejected = store.one("SELECT reasons FROM samples WHERE status = 'rejected'")
    assert "ambiguity" in rejected["reasons"]


def test_inspector_cannot_overrule_tool_made_answer(tmp_path):
    answers = chart_answers(issues={"issues": [
        {"category": "semantic_correctness", "severity": "fatal", "detail": "cannot see the image"}]})
    store, run_id, _ = run_build(tmp_path, answers, size=1)
    assert run_summary(store, run_id)["totals"]["accepted"] == 1
    verdict = store.one("SELECT severity FROM verdicts WHERE name = 'semantic_correctness'")
    assert verdict["severity"] == "overridden"


def test_ungroundable_subtask_is_dropped_with_reason(tmp_path):
    answers = chart_answers()
    extra = dict(answers["subtasks"]["subtasks"][0], key="find_span", name="Quote a span", answer_type="span")
    answers["subtasks"]["subtasks"].append(extra)
    store, run_id, events = run_build(tmp_path, answers, size=2)
    assert ("ungrounded", "find_span") in [(k, d.get("subtask")) for k, d in events]
    rows = {r["key"]: r["quota"] for r in store.query("SELECT key, quota FROM subtasks WHERE run_id = ?", (run_id,))}
    assert rows == {"read_value": 2, "find_span": 0}
    spec = json.loads(store.one("SELECT spec FROM specs WHERE run_id = ?", (run_id,))["spec"])
    assert spec["dropped"][0]["key"] == "find_span"
    assert run_summary(store, run_id)["totals"]["accepted"] == 2


def test_nothing_groundable_fails_the_run_clearly(tmp_path):
    answers = chart_answers()
    answers["subtasks"]["subtasks"][0]["answer_type"] = "span"
    store = open_store(tmp_path / "b.db")
    with pytest.raises(PlanningError, match="cannot build this from what is here"):
        Build(store, scripted_lm(answers), BuildRequest(REQUIREMENT, 2, "scripted")).run()
    run = store.one("SELECT status, error FROM runs")
    assert run["status"] == "failed" and "grounded" in run["error"]


@pytest.mark.parametrize("judge", [dspy.Predict, dspy.ChainOfThought])
def test_grounding_replies_the_model_could_not_read_stop_the_build_for_resume(tmp_path, monkeypatch, judge):
    """The judge's unreadable replies are found by its predictor's name in the program tree, whatever module holds
    it: the run is interrupted (resumable), not failed as if nothing could be built."""
    made = GroundingAgent.__init__

    def judged_by(self, *args, **kwargs):
        made(self, *args, **kwargs)
        self.judge = judge(GroundSubtask)

    monkeypatch.setattr(GroundingAgent, "__init__", judged_by)
    store = open_store(tmp_path / "b.db")
    answers = chart_answers(judgments={"judgments": "no list here"},
                            reasoning={"reasoning": "r", "judgments": "no list here"})
    with pytest.raises(BuildAborted, match="planning failed after 2 of the model's replies could not be read"):
        Build(store, scripted_lm(answers), BuildRequest(REQUIREMENT, 2, "scripted")).run()
    assert store.one("SELECT status FROM runs")["status"] == "interrupted"


def test_same_seed_same_records(tmp_path):
    records = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        store, run_id, _ = run_build(tmp_path / name, chart_answers(), size=2)
        rows = store.query("SELECT record FROM samples WHERE run_id = ?", (run_id,))
        records.append(sorted(r["record"] for r in rows))
    assert records[0] == records[1] and len(records[0]) == 2


def test_source_exhaustion_during_execution_is_reported(tmp_path):
    store = open_store(tmp_path / "b.db")
    planner = Build(store, scripted_lm(chart_answers()), BuildRequest(REQUIREMENT, 3, "scripted"))
    planner.plan_only()
    build = Build(store, scripted_lm(chart_answers()), planner.request, run_id=planner.run_id)
    bars = build.cards["gen_bar_chart_values"]
    build.cards[bars.id] = bars.model_copy(update={"size": 2})  # the data shrank
    run_id = build.run()
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 2
    assert summary["shortfalls"] == [
        {"subtask": "read_value", "missing": 1, "attempts": 2, "unfinished": 0, "reasons": {}}]
    assert "ran out of unused records" in summary["run"]["error"]


def test_capacity_below_size_is_planned_and_reported(tmp_path):
    store = open_store(tmp_path / "b.db")
    build = Build(store, scripted_lm(chart_answers()), BuildRequest(REQUIREMENT, 3, "scripted"))
    build.cards["gen_bar_chart_values"] = build.cards["gen_bar_chart_values"].model_copy(update={"size": 2})
    run_id = build.run()
    document = json.loads(store.one("SELECT spec FROM specs WHERE run_id = ?", (run_id,))["spec"])
    assert document["unfillable"] == 1 and "read_value" in document["unfillable_reasons"]
    summary = run_summary(store, run_id)
    assert summary["totals"]["target"] == 3 and summary["totals"]["accepted"] == 2
    assert summary["unplaced"] == {"count": 1, "reasons": document["unfillable_reasons"]}


def test_attempt_budget_ends_a_hopeless_subtask_with_reasons(tmp_path):
    answers = chart_answers(
        issues={"issues": [{"category": "leakage", "severity": "fatal", "detail": "gives it away"}]},
        actions={"actions": []})
    store, run_id, events = run_build(tmp_path, answers, size=2)
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 0 and summary["totals"]["rejected"] == 6
    (short,) = summary["shortfalls"]
    assert short["missing"] == 2 and short["attempts"] == 6 and short["reasons"] == {"leakage": 6}
    assert [d for k, d in events if k == "shortfall"][0]["reason"].startswith("6 attempts used")


def test_ungroundable_subtask_goes_back_to_design_and_its_replacement_is_built(tmp_path):
    answers = chart_answers()
    span = dict(answers["subtasks"]["subtasks"][0], key="quote_span", name="Quote a span", answer_type="span")
    lm = scripted_lm({**answers, "subtasks": {"subtasks": [span]}})
    # the redesign prompt carries the grounding feedback; it gets the groundable proposal
    replies = dict(lm.answers)
    lm.answers.clear()
    lm.answers[FieldKey("No source could ground these subtasks")] = answers["subtasks"]
    lm.answers.update(replies)
    store = open_store(tmp_path / "b.db")
    events = []
    run_id = Build(store, lm, BuildRequest(REQUIREMENT, 2, "scripted"),
                   on_event=lambda kind, **data: events.append((kind, data))).run()
    assert ("ungrounded", "quote_span") in [(k, d.get("subtask")) for k, d in events]
    rows = {r["key"]: r["quota"] for r in store.query("SELECT key, quota FROM subtasks WHERE run_id = ?", (run_id,))}
    assert rows == {"read_value": 2, "quote_span": 0}
    document = json.loads(store.one("SELECT spec FROM specs WHERE run_id = ?", (run_id,))["spec"])
    assert any(d.get("redesign") for d in document["design_decisions"])
    assert run_summary(store, run_id)["totals"]["accepted"] == 2


def test_relevant_source_wins_over_a_modality_the_design_guessed(tmp_path):
    answers = chart_answers(
        scope={"scope": {"topic": "chemistry", "modalities": ["text"],
                         "keywords": ["chemical elements", "atomic mass"]}},
        judgments={"judgments": [{"source_id": "builtin_elements", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.8, "risk": 0.1, "rationale": "elements"}]},
        question={"question": "What is the atomic number of this element?"})
    answers["subtasks"]["subtasks"][0].update(key="element_facts", name="Element facts", answer_type="number",
                                              capability="chemical elements knowledge", modalities=["image"])
    answers["quotas"] = {"quotas": [{"key": "element_facts", "importance": 1.0, "quota": 1}]}
    store = open_store(tmp_path / "b.db")
    request = BuildRequest("Test knowledge of the chemical elements", 1, "scripted")
    spec = Build(store, scripted_lm(answers), request).plan_only()
    (subtask,) = spec.subtasks
    assert subtask.modalities == ["table", "text"] and [s.source_id for s in subtask.sources] == ["builtin_elements"]


DOCS = "Test comprehension of passages from Python's documentation"


def passage_word(text: str) -> str:
    """The first long word of a passage: a gold the passage states, as a careful writer's would be."""
    return re.findall(r"\b[a-z]{7,}\b", text)[0]


def written_item(prompt: str, count: int = 4) -> dict:
    gold = passage_word(section(prompt, "passage"))
    others = [w for w in ("immutable", "hashable", "ordered", "sorted") if w != gold]
    return {"question": "Which word does the passage use?", "options": [gold, *others][:count], "answer": gold}


def docs_answers(solved: str | None = None) -> dict:
    """A comprehension subtask on Python's docs: items the LLM writes, each gold a word of its passage, which the
    solver answers with that word too, or with `solved`."""
    answers = chart_answers(
        scope={"scope": {"topic": "Python documentation", "modalities": ["text"],
                         "keywords": ["python", "documentation", "comprehension"]}},
        judgments={"judgments": [{"source_id": "builtin_python_docs", "transformable": True, "alignment": 0.9,
                                  "coverage": 0.9, "simplicity": 0.7, "risk": 0.2, "rationale": "doc passages"}]},
        brief={"brief": {"fit": "a definition", "core_facts": ["lists can change"], "goal": "ask what a list is",
                         "reasoning_hops": 1, "difficulty_plan": "paraphrase", "leakage_guards": ["no 'mutable'"]}},
        question=written_item,
        answer=(lambda prompt: {"answer": passage_word(section(prompt, "context").removeprefix("context: "))})
        if solved is None
        else {"answer": solved})
    answers["subtasks"]["subtasks"][0].update(
        key="docs_comprehension", name="Docs comprehension", description="explain what a passage of the docs means",
        capability="reading comprehension", modalities=["text"], answer_type="choice",
        facets=["capability_python_documentation"])
    answers["quotas"] = {"quotas": [{"key": "docs_comprehension", "importance": 1.0, "quota": 2}]}
    return answers


def test_llm_written_items_keep_their_brief_and_face_the_solver(tmp_path):
    store, run_id, _ = run_build(tmp_path, docs_answers(), size=2, requirement=DOCS)
    samples = store.query("SELECT * FROM samples WHERE run_id = ?", (run_id,))
    assert [s["status"] for s in samples] == ["ok", "ok"]
    for sample in samples:
        shown = json.loads(sample["input"])["context"]
        assert sample["answer_origin"] == "llm" and sample["answer"] == passage_word(shown)
        assert json.loads(sample["brief"])["leakage_guards"] == ["no 'mutable'"]
        [solver] = store.query("SELECT name, passed, detail FROM verdicts WHERE sample_id = ? AND stage = 'solver'",
                               (sample["id"],))
        assert solver["name"] == "agreement" and solver["passed"] == 1 and not solver["detail"].startswith("skipped")
        steps = [s["name"] for s in sample_lineage(store, sample["id"])["steps"]]
        assert "Predict(WriteBrief)" in steps and "Predict(WriteItem)" in steps


@pytest.mark.parametrize("writes", ["as asked", "always four"])
def test_llm_written_items_offer_the_option_count_the_requirement_states(tmp_path, writes):
    def written(prompt):
        return written_item(prompt, int(section(prompt, "option_count") or 0) if writes == "as asked" else 4)

    answers = docs_answers() | {"question": written}
    store, run_id, _ = run_build(tmp_path, answers, size=2, requirement=f"{DOCS}, with exactly 3 options")
    samples = store.query("SELECT input FROM samples WHERE run_id = ? AND status IN ('ok', 'fixed')", (run_id,))
    if writes == "as asked":
        assert len(samples) == 2 and all(len(json.loads(s["input"])["options"]) == 3 for s in samples)
    else:
        assert not samples
        reason = store.one("SELECT reason FROM slots WHERE run_id = ?", (run_id,))["reason"]
        assert "4 options written, 3 asked" in reason


def test_llm_written_items_the_solver_disputes_are_rejected(tmp_path):
    store, run_id, _ = run_build(tmp_path, docs_answers("immutable"), size=2, requirement=DOCS)
    summary = run_summary(store, run_id)
    assert summary["totals"]["accepted"] == 0 and summary["shortfalls"]
    assert {r["name"] for r in summary["rejection_reasons"]} >= {"solver_disagreement"}


def test_comprehension_the_user_said_makes_written_items_though_the_facet_values_drop_the_word(tmp_path):
    quote = "multiple-choice reading comprehension questions"
    answers = docs_answers()
    answers["scope"]["scope"]["facets"] = [
        {"key": "", "kind": "operation", "value": "creating multiple-choice questions", "quote": quote}]
    answers["subtasks"]["subtasks"][0].update(key="docs_questions", name="Python documentation",
                                              description="creating multiple-choice questions",
                                              capability="Python documentation",
                                              facets=["operation_creating_multiple_choice_quest"])
    answers["quotas"] = {"quotas": [{"key": "docs_questions", "importance": 1.0, "quota": 2}]}
    request = BuildRequest(f"Build a benchmark of {quote} on passages from Python's documentation", 2, "scripted")
    spec = Build(open_store(tmp_path / "b.db"), scripted_lm(answers), request).plan_only()
    (subtask,) = spec.subtasks
    assert [s.tool for s in subtask.sources[0].plan.steps][:3] == ["choose_chunk", "write_brief", "write_item"]
