"""Program versions in the store: save with hash and parent, get by id or latest, list; the `programs` command."""

import json

import dspy
import pytest
import typer
from typer.testing import CliRunner

from benchagent.commands import optimize
from benchagent.signatures import PhraseQuestion, RecallRejections
from benchagent.store import open_store
from benchagent.store.errors import NotFoundError
from benchagent.store.programs import get_program, list_programs, save_program, state_hash

STATE = {"realizer": {"phrase_question": {"demos": [{"goal": "g", "question": "q"}], "traces": [], "train": []}},
         "judge": {"judge": {"demos": []}}}


def app() -> typer.Typer:
    """The two commands registered the way cli.py registers them."""
    application = typer.Typer()
    optimize.register(application)
    return application


def save(store, n: int, **metrics):
    return save_program(store, state={**STATE, "n": n}, optimizer="bootstrap", train_sample_ids=[f"smp_{n}", "smp_a"],
                        metrics={"judge_agreement_before": 0.5, "judge_agreement_after": 0.75, **metrics})


def test_versions_chain_to_their_parents(tmp_path):
    store = open_store(tmp_path / "p.db")
    first, second, third = (save(store, n) for n in range(3))
    assert first["parent_id"] is None
    assert second["parent_id"] == first["id"] and third["parent_id"] == second["id"]
    listed = list_programs(store)
    assert [p["id"] for p in listed] == [first["id"], second["id"], third["id"]]
    assert "state" not in listed[0] and listed[0]["n_train"] == 2
    assert listed[0]["train_sample_ids"] == ["smp_0", "smp_a"]
    assert listed[2]["metrics"]["judge_agreement_after"] == 0.75


def test_state_round_trips_with_its_hash(tmp_path):
    store = open_store(tmp_path / "p.db")
    row = save(store, 1)
    latest, by_id = get_program(store, "latest"), get_program(store, row["id"])
    assert latest == by_id and latest["state"] == {**STATE, "n": 1}
    assert latest["hash"] == state_hash(latest["state"]) == row["hash"]
    assert latest["train_sample_ids"] == ["smp_1", "smp_a"]
    assert state_hash({"b": 1, "a": [1, 2]}) == state_hash({"a": [1, 2], "b": 1})


def test_missing_programs_are_named(tmp_path):
    store = open_store(tmp_path / "p.db")
    with pytest.raises(NotFoundError, match="no compiled program yet"):
        get_program(store, "latest")
    save(store, 1)
    with pytest.raises(NotFoundError, match="prg_nope"):
        get_program(store, "prg_nope")


def test_programs_command_lists_versions_with_parents(tmp_path):
    db = tmp_path / "p.db"
    store = open_store(db)
    first, second = save(store, 1), save(store, 2, predicted_acceptance_before=0.25, predicted_acceptance_after=1.0)
    store.close()
    result = CliRunner().invoke(app(), ["programs", "--db", str(db)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "2 program versions" in result.output
    line = next(line for line in result.output.splitlines() if second["id"] in line)
    assert first["id"] in line and "25% → 100%" in line and "50% → 75%" in line
    listed = json.loads(CliRunner().invoke(app(), ["programs", "--db", str(db), "--json"]).stdout)
    assert [(p["id"], p["parent_id"]) for p in listed] == [(first["id"], None), (second["id"], first["id"])]


def test_programs_command_refuses_a_missing_database(tmp_path):
    result = CliRunner().invoke(app(), ["programs", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "does not exist" in result.output and not (tmp_path / "none.db").exists()


def test_programs_tree_prints_every_predictor_of_the_root_module():
    from benchagent.program.agent import BenchmarkAgent

    result = CliRunner().invoke(app(), ["programs", "--tree"], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "BenchmarkAgent" and any(line.endswith("executor: Executor") for line in lines)
    for name, predictor in BenchmarkAgent().named_predictors():
        assert sum(line.endswith(f"{name}: Predict({predictor.signature.__name__})") for line in lines) == 1
    listed = json.loads(CliRunner().invoke(app(), ["programs", "--tree", "--json"]).stdout)
    assert [p["name"] for p in listed["predictors"]] == [name for name, _ in BenchmarkAgent().named_predictors()]


def _predictor_state(signature, demos: list[dict]) -> dict:
    predictor = dspy.Predict(signature)
    predictor.demos = demos
    return predictor.dump_state()


def test_programs_tree_of_a_version_shows_what_it_compiled(tmp_path):
    db = tmp_path / "p.db"
    store = open_store(db)
    # a version stored before the root module: its predictors under "realizer" by attribute name
    old_realizer = {"phrase_question": _predictor_state(PhraseQuestion, [{"goal": "g"}])}
    first = save_program(store, state={"realizer": old_realizer, "judge": {}, "lessons": [], "checked_lessons": []},
                         optimizer="bootstrap", train_sample_ids=[], metrics={})
    recall = _predictor_state(RecallRejections, [{"item": "i"}, {"item": "j"}])
    newest = save_program(store, state={"executor.verifier.recall": recall, "checked_lessons": []},
                          optimizer="bootstrap", train_sample_ids=[], metrics={})
    store.close()
    result = CliRunner().invoke(app(), ["programs", "--tree", "--db", str(db)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"BenchmarkAgent (program {newest['id']})")
    compiled = [line for line in result.output.splitlines() if "←" in line]
    assert len(compiled) == 1 and compiled[0].endswith("executor.verifier.recall: Predict(RecallRejections) ← 2 demos")
    older = CliRunner().invoke(app(), ["programs", "--tree", "--db", str(db), "--program", first["id"]],
                               terminal_width=200)
    assert "executor.realizer.phrase_question: Predict(PhraseQuestion) ← 1 demos" in older.output


def test_programs_without_tree_needs_a_database():
    result = CliRunner().invoke(app(), ["programs"])
    assert result.exit_code == 1 and "--db is required" in result.output
