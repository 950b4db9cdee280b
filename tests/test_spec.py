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
                       "ON s.subtask_id = t.id AND s.status IN ('ok', 'fixed') WHERE t.run_id = ? GROUP BY t.id", (run_id,))
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
