"""Resumable builds: SIGKILL mid-run then resume, a failing model, and finished runs that cost nothing."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from dspy.utils.exceptions import LMTransportError
from scripted_lm import ScriptedLM, chart_answers, phrase_goal, scripted_lm

from benchagent.program.build import Build, BuildAborted, BuildRequest
from benchagent.store import open_store
from benchagent.store.errors import NotAStoreError
from benchagent.store.reports import run_summary

REQ = "Build a benchmark that tests whether a model can read values off bar charts"
TESTS = Path(__file__).parent


def accepted_samples(store, run_id):
    return store.query("SELECT s.question, s.answer, s.slot_id, l.record_index FROM samples s "
                       "JOIN slots l ON l.id = s.slot_id WHERE s.run_id = ? AND s.status IN ('ok', 'fixed')", (run_id,))


def real_lm_calls(store, run_id):
    return store.one("SELECT count(*) AS n FROM lm_calls WHERE run_id = ? AND cache_hit = 0", (run_id,))["n"]


def test_sigkill_mid_build_then_resume_delivers_exactly_the_quota(tmp_path):
    db = tmp_path / "k.db"
    answers = chart_answers(quotas={"quotas": [{"key": "read_value", "importance": 1.0, "quota": 8}]})
    del answers["question"]  # the child process phrases from the goal with the same function
    (tmp_path / "answers.json").write_text(json.dumps(answers))
    script = textwrap.dedent(f"""
        import json, sys, time
        sys.path.insert(0, {str(TESTS)!r})
        from scripted_lm import ScriptedLM, phrase_goal, scripted_lm
        from benchagent.program.build import Build, BuildRequest
        from benchagent.store import open_store

        class Slow(ScriptedLM):
            def __call__(self, *args, **kwargs):
                time.sleep(0.15)
                return super().__call__(*args, **kwargs)

        fast = scripted_lm(json.load(open({str(tmp_path / "answers.json")!r})) | {{"question": phrase_goal}})
        lm = Slow(fast.answers, adapter=fast.adapter)
        store = open_store({str(db)!r})
        Build(store, lm, BuildRequest({REQ!r}, 8, "scripted", seed=5, concurrency=2),
              on_event=lambda kind, **d: print(kind, d, flush=True)).run()
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    deadline = time.monotonic() + 120
    accepted = 0
    while time.monotonic() < deadline and accepted < 3:
        time.sleep(0.2)
        if db.exists():
            try:
                probe = open_store(db)
            except NotAStoreError:  # the child has made the file and not yet its schema
                continue
            row = probe.one("SELECT count(*) AS n FROM samples WHERE status IN ('ok', 'fixed')")
            accepted = row["n"] if row else 0
            probe.close()
        assert process.poll() is None, process.stdout.read()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 3 <= accepted < 8

    store = open_store(db)
    run_id = store.one("SELECT id FROM runs")["id"]
    assert store.one("SELECT status FROM runs")["status"] == "running"
    Build.resume(store, scripted_lm(answers | {"question": phrase_goal}), run_id).run()

    samples = accepted_samples(store, run_id)
    assert len(samples) == 8
    assert len({(s["question"], s["answer"], s["record_index"]) for s in samples}) == 8
    assert len({s["record_index"] for s in samples}) == 8
    assert store.query("SELECT * FROM slots WHERE run_id = ? AND status = 'pending'", (run_id,)) == []
    summary = run_summary(store, run_id)
    assert summary["run"]["status"] == "done" and summary["totals"]["accepted"] == 8


class FlakyLM(ScriptedLM):
    """Answers planning calls, then its engine refuses every connection while `down` is set."""

    down = False

    def _format_answer_fields(self, fields):
        if self.down:
            raise LMTransportError("connection refused")
        return super()._format_answer_fields(fields)


def test_persistently_failing_model_stops_cleanly_and_resumes(tmp_path):
    store = open_store(tmp_path / "f.db")
    answers = scripted_lm(chart_answers()).answers
    lm = FlakyLM(answers, adapter=scripted_lm({}).adapter)
    lm.num_retries = 1  # DSPy retries transport errors with backoff; one retry keeps the test quick

    def go_down(kind, **data):
        if kind == "execute":
            FlakyLM.down = True

    try:
        with pytest.raises(BuildAborted, match="benchagent resume"):
            Build(store, lm, BuildRequest(REQ, 3, "scripted", concurrency=1), on_event=go_down).run()
    finally:
        FlakyLM.down = False
    run = store.one("SELECT id, status, error FROM runs")
    assert run["status"] == "interrupted" and "connection refused" in run["error"]
    failed_calls = store.query("SELECT * FROM lm_calls WHERE status = 'failed'")
    assert failed_calls and all("connection refused" in c["error"] for c in failed_calls)
    assert store.query("SELECT count(*) AS n FROM samples")[0]["n"] == 0

    Build.resume(store, scripted_lm(chart_answers()), run["id"]).run()
    assert len(accepted_samples(store, run["id"])) == 3
    assert store.one("SELECT status FROM runs")["status"] == "done"


def test_resuming_a_finished_run_makes_no_lm_call(tmp_path):
    store = open_store(tmp_path / "d.db")
    run_id = Build(store, scripted_lm(chart_answers()), BuildRequest(REQ, 2, "scripted")).run()
    calls = real_lm_calls(store, run_id)
    lm = scripted_lm(chart_answers())
    Build.resume(store, lm, run_id).run()
    assert lm.history == [] and real_lm_calls(store, run_id) == calls
    assert len(accepted_samples(store, run_id)) == 2
