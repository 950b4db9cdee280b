"""Bad input: one clear line on stderr, a non-zero exit, no traceback, nothing corrupted."""

import sqlite3
import subprocess
import sys

import pytest

from benchagent.store import SCHEMA_VERSION, open_store

REQ = "Build a benchmark that tests whether a model can read values off bar charts"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "benchagent", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def assert_one_line_error(result, fragment):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["   ", "--size", "3"], "requirement is empty"),
    ([REQ, "--size", "0"], "--size must be between 1"),
    ([REQ, "--size", "100000000"], "--size must be between 1"),
    ([REQ, "--size", "2", "--max-subtasks", "9"], "--max-subtasks"),
    ([REQ, "--size", "2", "--model", "nonsense-model"], "unknown model"),
    ([REQ, "--size", "2", "--model", "local:/no/such/file.gguf"], "file.gguf"),
])
def test_build_refuses_bad_input(tmp_path, args, fragment):
    db = tmp_path / "x.db"
    result = cli("build", *args, "--db", str(db))
    assert_one_line_error(result, fragment)
    if db.exists():
        store = open_store(db)
        assert store.query("SELECT * FROM samples") == []


def test_build_refuses_database_in_missing_folder(tmp_path):
    result = cli("build", REQ, "--size", "2", "--db", str(tmp_path / "missing" / "x.db"))
    assert_one_line_error(result, "does not exist")
    assert not (tmp_path / "missing").exists()


def test_commands_refuse_corrupt_database_and_leave_it_alone(tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"garbage, not sqlite" * 200)
    before = db.read_bytes()
    for args in (["build", REQ, "--size", "2"], ["status"], ["lineage", "smp_x"], ["browse"]):
        assert_one_line_error(cli(*args, "--db", str(db)), "not a readable SQLite database")
    assert db.read_bytes() == before


def test_commands_refuse_newer_schema(tmp_path):
    db = tmp_path / "new.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE runs (id TEXT)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    for args in (["build", REQ, "--size", "2"], ["status"], ["browse"]):
        assert_one_line_error(cli(*args, "--db", str(db)), "newer than this benchagent")


def test_status_and_lineage_on_missing_things(tmp_path):
    db = tmp_path / "x.db"
    assert_one_line_error(cli("status", "--db", str(db)), "does not exist")
    open_store(db).close()
    assert_one_line_error(cli("status", "--db", str(db)), "no run yet")
    assert_one_line_error(cli("lineage", "smp_nope", "--db", str(db)), "no sample 'smp_nope'")
