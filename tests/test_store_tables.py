"""The store modules for runs, plans, slots, samples and steps, on real SQLite files."""

import io
import sqlite3

import pytest
from PIL import Image

from benchagent.store import open_store
from benchagent.store.benchmark import accepted_rows, verdict_counts
from benchagent.store.catalog import upsert_cards
from benchagent.store.db import now
from benchagent.store.plans import accepted_groundings, latest_spec, planned_subtasks, save_plan, subtask_draft
from benchagent.store.runs import create_run, get_run, update_run
from benchagent.store.samples import accepted_samples, asset, sample_images, save_sample
from benchagent.store.slots import close_slot, open_slot, run_slots
from benchagent.store.steps import end_step, last_inputs, open_stage, save_calls, unreadable_replies

CARD = {"id": "src", "name": "bar_charts", "kind": "generator", "modalities": ["image"], "description": "bar charts",
        "size": 10}
SUBTASK = {"key": "bars", "name": "Bars", "description": "pick the tallest bar", "capability": "chart reading",
           "modalities": ["image", "text"], "answer_type": "choice", "rationale": "core", "importance": 1.0,
           "quota": 2, "sample_schema": {"input": ["question", "image"]}}


def _png(width: int = 6, height: int = 4) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "t.db") as store:
        upsert_cards(store, [CARD])
        create_run(store, "run_1", requirement="read bar charts", size=2, model="m", seed=3,
                   settings={"vision": True, "sources": []}, program_id=None)
        yield store


def _plan(store) -> tuple[str, str, str]:
    """A saved plan with one subtask (an accepted and a refused grounding) and one dropped subtask."""
    grounding = {"source_id": "src", "kind": "qa_like", "plan": {"steps": []}, "scores": {"alignment": 5},
                 "score": 0.9, "accepted": 1, "rationale": "fits", "share": 2}
    spec_id = save_plan(store, "run_1", {"topic": "charts"}, {"spec": {"subtasks": [{"key": "bars", "facets": ["f"]}]}},
                        [(SUBTASK, [grounding, dict(grounding, accepted=0, score=0.2, share=0)]),
                         (dict(SUBTASK, key="dropped", quota=0, importance=None), [])])
    [subtask] = planned_subtasks(store, spec_id)
    [chosen] = accepted_groundings(store, subtask["id"])
    return spec_id, subtask["id"], chosen["id"]


def _slot(store) -> tuple[str, str]:
    _, subtask_id, grounding_id = _plan(store)
    return subtask_id, open_slot(store, "run_1", subtask_id=subtask_id, source_id="src", grounding_id=grounding_id,
                                 record_index=0, seed=0)


def _sample(subtask_id: str, slot_id: str, sample_id: str = "smp_1", **values) -> dict:
    return {"id": sample_id, "run_id": "run_1", "subtask_id": subtask_id, "slot_id": slot_id, "source_id": "src",
            "question": "q", "answer": "a", "status": "ok", "created_at": now(), **values}


def test_runs_are_created_read_with_settings_decoded_and_updated(store):
    run = get_run(store, "run_1")
    assert (run["status"], run["settings"], run["seed"]) == ("planning", {"vision": True, "sources": []}, 3)
    update_run(store, "run_1", status="done", wall_s=1.5, error=None)
    assert (get_run(store, "run_1")["status"], get_run(store, "run_1")["wall_s"]) == ("done", 1.5)
    assert get_run(store, "run_nope") is None


def test_a_plan_is_saved_whole_and_read_back_decoded(store):
    spec_id, subtask_id, grounding_id = _plan(store)
    spec = latest_spec(store, "run_1")
    assert (spec["id"], spec["scope"], spec["spec"]["spec"]["subtasks"][0]["facets"]) == (spec_id, {"topic": "charts"},
                                                                                          ["f"])
    [row] = planned_subtasks(store, spec_id)  # the dropped subtask has no quota
    assert (row["modalities"], row["sample_schema"]) == (["image", "text"], {"input": ["question", "image"]})
    [grounding] = accepted_groundings(store, subtask_id)
    assert (grounding["id"], grounding["plan"], grounding["share"]) == (grounding_id, {"steps": []}, 2)
    draft = subtask_draft(row, ["f"])
    assert (draft.key, draft.modalities, draft.facets) == ("bars", ["image", "text"], ["f"])
    assert latest_spec(store, "run_other") is None


def test_a_plan_that_fails_midway_leaves_nothing(store):
    with pytest.raises(sqlite3.IntegrityError):
        save_plan(store, "run_1", {}, {}, [(SUBTASK, [{"source_id": "no_such_source", "plan": {}, "accepted": 1}])])
    assert latest_spec(store, "run_1") is None
    assert store.query("SELECT * FROM subtasks") == []


def test_slots_open_pending_and_close_with_their_reason(store):
    _, subtask_id, grounding_id = _plan(store)
    ids = [open_slot(store, "run_1", subtask_id=subtask_id, source_id="src", grounding_id=grounding_id,
                     record_index=i, seed=i) for i in range(3)]
    close_slot(store, ids[0], "accepted", None, None)
    close_slot(store, ids[1], "failed", "realization: no bars", "realization")
    assert [(s["id"], s["status"], s["category"]) for s in run_slots(store, "run_1")] == [
        (ids[0], "accepted", None), (ids[1], "failed", "realization"), (ids[2], "pending", None)]


def test_a_sample_is_saved_with_its_images_and_verdicts_and_read_back(store):
    png = _png()
    sample = _sample(*_slot(store), record={"values": [1, 2]}, question="Which bar?", options=["a", "b"], answer="b",
                     input={"question": "Which bar?", "chart": "asset:chart"}, output={"answer": "b"},
                     answer_origin="tool", reasons=[])
    save_sample(store, sample, {"chart": png}, [{"stage": "check", "name": "leakage", "passed": 1, "severity": None,
                                                 "detail": ""}])
    save_sample(store, dict(sample, id="smp_2", status="rejected"), {}, [
        {"stage": "check", "name": "leakage", "passed": 0, "severity": "fatal", "detail": "says b"}])
    [row] = accepted_samples(store, "run_1")
    assert (row["id"], row["options"], row["record"], row["images"]) == ("smp_1", ["a", "b"], {"values": [1, 2]},
                                                                         {"chart": png})
    [stored] = store.query("SELECT id, width, height FROM assets")
    assert (stored["width"], stored["height"]) == (6, 4)
    assert asset(store, stored["id"]) == {"mime": "image/png", "content": png}
    assert sample_images(store, ["smp_1", "smp_2", "smp_none"]) == {"smp_1": {"chart": png}}
    assert verdict_counts(store, ["smp_1", "smp_2"]) == [{"stage": "check", "name": "leakage", "passed": 1,
                                                          "checked": 2}]
    [benchmark_row] = accepted_rows(store, "run_1")
    assert (benchmark_row["subtask"], benchmark_row["input"]["chart"]) == ("bars", "asset:chart")


def test_a_sample_whose_verdict_fails_to_write_is_not_saved(store):
    sample = _sample(*_slot(store))
    with pytest.raises(sqlite3.IntegrityError):
        save_sample(store, sample, {"chart": _png()}, [{"stage": "check", "name": "x"}])  # passed is NOT NULL
    assert store.query("SELECT id FROM samples") == store.query("SELECT id FROM assets") == []


def test_stage_steps_and_the_inputs_of_the_last_step_of_each_sample(store):
    step_id = open_stage(store, "run_1", "grounding")
    end_step(store, step_id, status="failed", error="boom", duration_ms=12.5)
    assert store.one("SELECT status, error, duration_ms FROM steps WHERE id = ?", (step_id,)) == {
        "status": "failed", "error": "boom", "duration_ms": 12.5}
    save_calls(store, {"steps": [
        {"id": f"st{i}", "run_id": "run_1", "name": "Predict(GroundSubtask)", "predictor": predictor, "kind": "module",
         "status": "failed", "error": error, "started_at": now()} for i, (predictor, error) in enumerate([
            ("planner.grounding.judge", "AdapterParseError: no JSON"), ("planner.grounding.judge", "LMError: down"),
            ("planner.design.propose", "AdapterParseError")])]})
    assert unreadable_replies(store, "run_1", ["planner.grounding.judge"]) == 1
    subtask_id, slot_id = _slot(store)
    for sample in ("s1", "s2", "s3"):
        save_sample(store, _sample(subtask_id, slot_id, sample), {}, [])
    for i, (sample, inputs) in enumerate([("s1", {"goal": "old"}), ("s1", {"goal": "new"}), ("s2", {"goal": "x"})]):
        step = {"id": f"in{i}", "run_id": "run_1", "name": "Predict(PhraseQuestion)", "kind": "module", "status": "ok",
                "inputs": inputs, "started_at": f"2026-01-0{i + 1}"}
        call = {"id": f"lm{i}", "run_id": "run_1", "step_id": f"in{i}", "model": "m", "status": "ok",
                "created_at": now()}
        save_calls(store, {"lm_calls": [call], "steps": [step]}, sample)
    assert store.one("SELECT count(*) AS n FROM lm_calls WHERE sample_id = 's1'")["n"] == 2
    assert last_inputs(store, [], ["Predict(PhraseQuestion)"], ["s1", "s3"]) == {"s1": {"goal": "new"}}
    named = {"id": "in9", "run_id": "run_1", "name": "Predict(StringSignature)", "kind": "module", "status": "ok",
             "predictor": "executor.realizer.phrase_question.predict", "inputs": {"goal": "cot"}, "started_at": now()}
    save_calls(store, {"steps": [named]}, "s3")
    assert last_inputs(store, ["executor.realizer.phrase_question.predict"], ["Predict(PhraseQuestion)"],
                       ["s1", "s3"]) == {"s1": {"goal": "new"}, "s3": {"goal": "cot"}}
