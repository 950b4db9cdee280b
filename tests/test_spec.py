"""Plan, edit the YAML spec, build exactly what it says; bad spec files get one clear error."""

import copy

import pytest
import yaml
from scripted_lm import chart_answers, scripted_lm

from benchagent import api
from benchagent.errors import InputError
from benchagent.program.build import Build, BuildRequest
from benchagent.specfile import read_spec, write_spec
from benchagent.store import open_store

REQ = "Build a benchmark that tests whether a model can read values off bar charts"


def two_subtask_answers():
    answers = chart_answers(quotas={"quotas": [{"key": "read_value", "importance": 1.0, "quota": 3},
                                               {"key": "find_largest", "importance": 0.5, "quota": 2}]})
    second = dict(answers["subtasks"]["subtasks"][0], key="find_largest", name="Find the largest bar",
                  description="ask which category is largest", answer_type="label")
    answers["subtasks"]["subtasks"].append(second)
    return answers


@pytest.fixture
def planned(tmp_path):
    store = open_store(tmp_path / "p.db")
    spec = Build(store, scripted_lm(two_subtask_answers()), BuildRequest(REQ, 5, "scripted", seed=4)).plan_only()
    path = tmp_path / "spec.yaml"
    write_spec(spec, path)
    return store, spec, path


def test_plan_only_stores_a_planned_run_and_an_editable_spec(planned):
    store, spec, path = planned
    assert store.one("SELECT status FROM runs")["status"] == "planned"
    assert store.query("SELECT * FROM slots") == []
    assert [(s.key, s.quota) for s in spec.subtasks] == [("read_value", 3), ("find_largest", 2)]
    assert read_spec(path) == spec
    text = path.read_text()
    assert text.startswith("# benchagent spec") and "gen_bar_chart_values" in text


def test_edited_spec_builds_exactly_as_edited(tmp_path, planned):
    _, _, path = planned
    data = yaml.safe_load(path.read_text())
    data["subtasks"] = [s for s in data["subtasks"] if s["key"] == "find_largest"]
    data["subtasks"][0]["quota"] = 4
    path.write_text(yaml.safe_dump(data))
    spec = api.checked_spec(path)
    assert spec.size == 4 and spec.subtasks[0].sources[0].share == 4

    store = open_store(tmp_path / "b.db")
    lm = scripted_lm(two_subtask_answers())
    run_id = Build(store, lm, BuildRequest(spec.requirement, spec.size, "scripted", seed=spec.seed), spec=spec).run()
    rows = store.query("SELECT t.key, t.quota, count(s.id) AS accepted FROM subtasks t LEFT JOIN samples s "
                       "ON s.subtask_id = t.id AND s.status IN ('ok', 'fixed') WHERE t.run_id = ? GROUP BY t.id",
                       (run_id,))
    assert rows == [{"key": "find_largest", "quota": 4, "accepted": 4}]
    stages = {r["stage"] for r in store.query("SELECT DISTINCT stage FROM lm_calls WHERE run_id = ?", (run_id,))}
    assert stages == {"realize", "verify"}
    grounding = store.one("SELECT rationale, share FROM groundings WHERE run_id = ?", (run_id,))
    assert grounding == {"rationale": "chosen in the edited spec", "share": 4}


@pytest.mark.parametrize("edit, message", [
    (lambda d: "subtasks: [", "not valid YAML"),
    (lambda d: {**d, "subtasks": [dict(d["subtasks"][0], quota=-1)]}, "greater than or equal to 0"),
    (lambda d: {**d, "subtasks": [dict(s, quota=0) for s in d["subtasks"]]}, "nothing to build"),
    (lambda d: {**d, "subtasks": [dict(d["subtasks"][0], sources=[dict(d["subtasks"][0]["sources"][0],
                                                                        source_id="nope")])]}, "unknown source 'nope'"),
    (lambda d: {**d, "subtasks": [dict(d["subtasks"][0], sources=[dict(
        d["subtasks"][0]["sources"][0], plan=dict(d["subtasks"][0]["sources"][0]["plan"],
                                                  steps=d["subtasks"][0]["sources"][0]["plan"]["steps"][:-1]))])]},
     "never produces"),
    (lambda d: {**d, "subtasks": [d["subtasks"][0], d["subtasks"][0]]}, "keys repeat"),
])
def test_bad_spec_files_are_refused_clearly(planned, edit, message):
    _, _, path = planned
    data = yaml.safe_load(path.read_text())
    edited = edit(copy.deepcopy(data))
    path.write_text(edited if isinstance(edited, str) else yaml.safe_dump(edited))
    with pytest.raises(InputError, match=message):
        api.checked_spec(path)


def test_missing_spec_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="cannot read spec"):
        api.checked_spec(tmp_path / "absent.yaml")


def test_rescaled_spec_apportions_quotas_and_shares_anew(planned):
    _, spec, _ = planned
    from benchagent.program.planner.allocation import rescaled
    for size in (1, 7, 50):
        bigger = rescaled(spec, size)
        assert bigger.size == size
        first = round(size * 3 / 5)
        assert [s.quota for s in bigger.subtasks] == ([1, 0] if size == 1 else [first, size - first])
        assert all(sum(src.share for src in s.sources) == s.quota for s in bigger.subtasks)
        assert [s.sources[0].plan for s in bigger.subtasks] == [s.sources[0].plan for s in spec.subtasks]


def test_build_of_a_spec_takes_size_and_seed_from_the_command_line(tmp_path, planned, monkeypatch):
    _, spec, path = planned
    import benchagent.lm.select as lm_module
    monkeypatch.setattr(lm_module, "make_lm", lambda model, api_base, **_: scripted_lm(two_subtask_answers()))
    monkeypatch.setattr(lm_module, "sees_images", lambda lm: False)
    monkeypatch.setattr(lm_module, "describe_model", lambda lm: "scripted")
    summary = api.build(db=tmp_path / "s.db", spec_path=path, size=7, seed=11, concurrency=1)
    store = open_store(tmp_path / "s.db", readonly=True)
    run = store.one("SELECT size, seed FROM runs WHERE id = ?", (summary["run"]["id"],))
    assert run == {"size": 7, "seed": 11}
    quotas = store.query("SELECT key, quota FROM subtasks WHERE run_id = ? ORDER BY rowid", (summary["run"]["id"],))
    assert [(q["key"], q["quota"]) for q in quotas] == [("read_value", 4), ("find_largest", 3)]
    assert summary["totals"]["accepted"] == 7
    kept = api.build(db=tmp_path / "s.db", spec_path=path, concurrency=1)
    assert store.one("SELECT size, seed FROM runs WHERE id = ?", (kept["run"]["id"],)) == {"size": 5, "seed": 4}


@pytest.mark.parametrize("size", ["0", "100000000"])
def test_a_spec_build_refuses_a_size_out_of_range_in_one_line(tmp_path, planned, size):
    import subprocess
    import sys
    _, _, path = planned
    db = tmp_path / "none.db"
    result = subprocess.run([sys.executable, "-m", "benchagent", "build", "--spec", str(path), "--size", size,
                             "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "--size must be between 1" in result.stderr
    assert not db.exists()
