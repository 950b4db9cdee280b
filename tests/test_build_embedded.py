"""The embedded model end to end: `plan` writes a spec, `build --spec` builds it at size 2, then status and lineage;
then the two samples are reviewed, `compile` runs, and a build with `--program latest` records the program."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from benchagent import api

pytestmark = pytest.mark.integration

REQ = "Build a benchmark that tests whether a model can read values off bar charts"


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "benchagent", *args], capture_output=True, text=True, env=env,
                          timeout=900)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("embedded")
    env = {**os.environ, "DSPY_CACHEDIR": str(tmp_path / "dspy-cache")}  # a cold cache: every LM call is real
    db, spec = tmp_path / "x.db", tmp_path / "spec.yaml"
    planned = cli("plan", REQ, "--size", "2", "--db", str(db), "--seed", "3", "--out", str(spec), env=env)
    assert planned.returncode == 0, planned.stderr[-2000:]
    return tmp_path, env, db, spec


def test_real_build_delivers_and_records_lineage(planned):
    tmp_path, env, db, spec = planned
    checked = api.checked_spec(spec)
    assert 1 <= len(checked.subtasks) <= 3 and checked.size == 2
    assert all(s.sources for s in checked.subtasks if s.quota)

    built = cli("build", "--spec", str(spec), "--db", str(db), env=env)
    assert built.returncode == 0, built.stderr[-2000:]
    assert "run id: run_" in built.stdout and "LM use by stage" in built.stdout

    status = json.loads(cli("status", "--db", str(db), "--json", env=env).stdout)
    assert status["run"]["status"] == "done"
    assert status["totals"]["accepted"] == 2 == sum(s["accepted"] for s in status["subtasks"])
    assert status["totals"]["lm_calls"] >= 4 and status["totals"]["tokens"] > 1000

    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM samples WHERE status IN ('ok', 'fixed')")]
    assert len(ids) == 2
    for sample_id in ids:
        lineage = json.loads(cli("lineage", sample_id, "--db", str(db), env=env).stdout)
        sample = lineage["sample"]
        assert sample["question"].strip() and sample["answer"].strip()
        assert lineage["assets"] and lineage["assets"][0]["mime"] == "image/png"
        real_calls = [c for c in lineage["lm_calls"] if not c["cache_hit"]]
        assert real_calls
        for call in real_calls:
            assert call["model"] == "local/qwen2.5-coder-1.5b-instruct-q4_k_m"
            assert call["prompt_tokens"] > 0 and call["completion_tokens"] > 0 and call["latency_ms"] > 0
        assert {c["stage"] for c in lineage["lm_calls"]} == {"realize", "verify"}  # the spec was planned before


def test_real_compile_of_reviewed_samples_feeds_the_next_build(planned):
    """Stand-in reviewer: every delivered sample is accepted (the product path is a human)."""
    tmp_path, env, db, spec = planned
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM samples WHERE status IN ('ok', 'fixed') ORDER BY id")]
    assert len(ids) == 2, "runs after test_real_build_delivers_and_records_lineage"
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("sample_id,decision,reason\n" + "".join(f"{i},accept,\n" for i in ids))
    imported = cli("review", "import", str(reviews), "--db", str(db), "--reviewer", "rule:accept-all", env=env)
    assert imported.returncode == 0, imported.stderr[-2000:]

    compiled = cli("compile", "--db", str(db), env=env)
    assert compiled.returncode == 0, compiled.stderr[-2000:]
    assert "judge agreement with humans" in compiled.stdout and "predicted acceptance" in compiled.stdout
    [program] = json.loads(cli("programs", "--db", str(db), "--json", env=env).stdout)
    m = program["metrics"]
    assert m["n_train"] == 1 and m["n_heldout"] == 1 and program["train_sample_ids"][0] in ids
    for name in ("judge_agreement", "predicted_acceptance"):
        assert m[f"{name}_before"] in (0.0, 1.0) and m[f"{name}_after"] in (0.0, 1.0)
    assert m["lm_calls"] >= 4 and m["wall_s"] > 0

    built = cli("build", "--spec", str(spec), "--size", "1", "--seed", "5", "--db", str(db), "--program", "latest",
                env=env)
    assert built.returncode == 0, built.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        [(new_id,)] = conn.execute("SELECT id FROM samples WHERE status IN ('ok', 'fixed') AND program_id = ?",
                                   (program["id"],)).fetchall()
    lineage = json.loads(cli("lineage", new_id, "--db", str(db), env=env).stdout)
    assert lineage["program"]["id"] == program["id"]
    assert lineage["program"]["train_sample_ids"] == program["train_sample_ids"]
    trained = json.loads(cli("lineage", program["train_sample_ids"][0], "--db", str(db), env=env).stdout)
    [demo_context] = {s["inputs"]["context"] for s in trained["steps"] if s["name"] == "Predict(PhraseQuestion)"}
    phrased = [c for c in lineage["lm_calls"] if c["stage"] == "realize"]
    assert any(demo_context in str(m["content"]) for c in phrased for m in c["messages"])  # the demo is in the prompt
