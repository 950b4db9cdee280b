"""Bad input to every command, as a table: one line on stderr (typer's short usage box for a malformed option
value), a non-zero exit, and every file left byte for byte as it was, with no file added."""

import hashlib
import socket
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from scripted_lm import chart_answers, scripted_lm
from typer.testing import CliRunner

from benchagent.cli import app
from benchagent.program.build import Build, BuildRequest
from benchagent.review import SHOWN_PROBLEMS
from benchagent.settings import MAX_REQUIREMENT_CHARS
from benchagent.specfile import write_spec
from benchagent.store import SCHEMA_VERSION, open_store

REQ = "Build a benchmark that tests whether a model can read values off bar charts"
FAKE = ["--model", "openai/fake", "--api-base", "http://127.0.0.1:9/v1"]  # never called: every case fails before
USAGE = "usage"  # typer's usage box for a malformed or missing option (exit 2)
BAD_ROWS = 20_000


def _sqlite(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _spec_variant(good: dict, path: Path, change) -> None:
    data = yaml.safe_load(yaml.safe_dump(good))
    change(data)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def _specs(d: Path, spec) -> None:
    write_spec(spec, d / "good.yaml")
    good = yaml.safe_load((d / "good.yaml").read_text(encoding="utf-8"))
    first = lambda data: data["subtasks"][0]  # noqa: E731
    variants = {
        "unknown_source": lambda data: first(data)["sources"][0].update(source_id="no_such_source"),
        "neg_quota": lambda data: first(data).update(quota=-1),
        "zero_quota": lambda data: first(data).update(quota=0),
        "neg_share": lambda data: first(data)["sources"][0].update(share=-2),
        "huge_quota": lambda data: first(data).update(quota=1_000_000_000),
        "req_ws": lambda data: data.update(requirement=" \t\n "),
        "badtool": lambda data: first(data)["sources"][0]["plan"]["steps"][0].update(tool="os_system"),
        "nosubtasks": lambda data: data.update(subtasks=[]),
        "long_req": lambda data: data.update(requirement="bar charts " * MAX_REQUIREMENT_CHARS),
    }
    for name, change in variants.items():
        _spec_variant(good, d / f"{name}.yaml", change)
    (d / "empty.yaml").write_text("", encoding="utf-8")
    (d / "invalid.yaml").write_text("subtasks: [\n  - key: {\n", encoding="utf-8")
    (d / "scalar.yaml").write_text("just words\n", encoding="utf-8")
    (d / "python_tag.yaml").write_text("!!python/object/apply:os.system ['true']\n", encoding="utf-8")
    (d / "binary.yaml").write_bytes(bytes(range(256)) * 40)


def _review_files(d: Path, sample: str) -> None:
    header = "sample_id,decision,reason\n"
    texts = {
        "rv_empty.csv": "", "rv_empty.jsonl": "", "rv_header_only.csv": header,
        "rv_wrong_header.csv": "id,verdict\nx,accept\n", "rv_unknown.csv": header + "smp_nope,accept,\n",
        "rv_maybe.csv": header + f"{sample},maybe,\n",
        "rv_dup.csv": header + f"{sample},accept,\n{sample},reject,bad\n",
        "rv_dup_same.csv": header + f"{sample},accept,\n{sample},accept,\n",
        "rv_nul.csv": header + f"{sample}\x00,accept,\n",
        "rv_badjson.jsonl": '{"sample_id": \n[1]\n{"decision": "accept"}\n',
        "rv_reject_noreason.csv": header + f"{sample},reject,\n",
        "rv_wrongtypes.jsonl": f'{{"sample_id": 5, "decision": "accept"}}\n'
                               f'{{"sample_id": "{sample}", "decision": "reject", "reason": [1]}}\n',
        "rv.txt": f"{sample},accept\n", "rv_good.csv": header + f"{sample},accept,\n",
        "rv_big.csv": header + "".join(f"smp_{i:08d},accept,\n" for i in range(BAD_ROWS)),
        "rv_bigline.csv": header + f"{sample},reject,{'x' * 300_000}\n",
    }
    for name, text in texts.items():
        (d / name).write_text(text, encoding="utf-8")
    (d / "rv_binary.csv").write_bytes(b"sample_id,decision\n\xff\xfe\x00\x81" * 50)
    (d / "rv_binary.jsonl").write_bytes(b"\xff\xfe\x00\x81" * 50)


def _source_files(d: Path) -> None:
    for name, text in {"src_empty.csv": "", "src_header_only.csv": "a,b\n", "src_bad.jsonl": '{"a": 1}\n{a: 2}\n',
                       "src_empty.jsonl": "", "src.parquet": "not parquet", "src.xyz": "a,b\n1,2\n"}.items():
        (d / name).write_text(text, encoding="utf-8")
    (d / "src_binary.jsonl").write_bytes(b"\xff\xfe\x81" * 30)
    (d / "imgs_nolabels").mkdir()
    (d / "imgs_nolabels" / "0.png").write_bytes(b"\x89PNG\r\n\x1a\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A folder of stores and files: a built store ("ok"), the wrong kinds of database, bad specs, review files and
    sources; and a port something else listens on."""
    d = tmp_path_factory.mktemp("bad-input")
    store = open_store(d / "ok.db")
    run = Build(store, scripted_lm(chart_answers()), BuildRequest(REQ, 2, "scripted")).run()
    spec = Build(store, scripted_lm(chart_answers()), BuildRequest(REQ, 2, "scripted")).plan_only()
    sample = store.one("SELECT id FROM samples WHERE run_id = ? AND status = 'ok'", (run,))["id"]
    store.close()
    _sqlite(d / "foreign.db", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
            "INSERT INTO notes VALUES (1, 'x')")
    _sqlite(d / "foreign_wal.db", "PRAGMA journal_mode = WAL", "CREATE TABLE t (x)", "PRAGMA user_version = 7")
    _sqlite(d / "newer.db", "CREATE TABLE runs (id TEXT)", f"PRAGMA user_version = {SCHEMA_VERSION + 97}")
    (d / "zero.db").touch()
    (d / "corrupt.db").write_bytes(b"garbage, not sqlite" * 200)
    (d / "dir.db").mkdir()
    (d / "emptydir").mkdir()
    (d / "afile").write_text("x", encoding="utf-8")
    _specs(d, spec)
    _review_files(d, sample)
    _source_files(d)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield SimpleNamespace(d=d, run=run, sample=sample, busy=busy.getsockname()[1])


def _case(name, args, fragment):
    return pytest.param(args, fragment, id=name)


NEW = "{d}/new.db"
CASES = [
    # status
    _case("s_unknown_run", "status --db {d}/ok.db run_nope", "no run 'run_nope'"),
    _case("s_unknown_run_json", "status --db {d}/ok.db run_nope --json", "no run 'run_nope'"),
    _case("s_missing_db", f"status --db {NEW}", "does not exist"),
    _case("s_missing_folder", "status --db {d}/nope/x.db", "folder {d}/nope does not exist"),
    _case("s_dir", "status --db {d}/dir.db", "is a directory"),
    _case("s_corrupt", "status --db {d}/corrupt.db", "not a readable SQLite database"),
    _case("s_foreign", "status --db {d}/foreign.db", "not a benchagent database"),
    _case("s_foreign_wal", "status --db {d}/foreign_wal.db", "not a benchagent database"),
    _case("s_zero_byte_db", "status --db {d}/zero.db", "empty file"),
    _case("s_newer", "status --db {d}/newer.db", "newer than this benchagent"),
    _case("s_devnull", "status --db /dev/null", "not a regular file"),
    _case("s_sql_like", ["status", "--db", "{d}/ok.db", "' OR '1'='1"], "no run"),
    # lineage
    _case("l_unknown", "lineage smp_nope --db {d}/ok.db", "no sample 'smp_nope'"),
    _case("l_empty", ["lineage", "", "--db", "{d}/ok.db"], "no sample ''"),
    _case("l_missing_db", f"lineage x --db {NEW}", "does not exist"),
    _case("l_corrupt", "lineage x --db {d}/corrupt.db", "not a readable SQLite database"),
    _case("l_foreign", "lineage x --db {d}/foreign.db", "not a benchagent database"),
    _case("l_zero", "lineage x --db {d}/zero.db", "empty file"),
    _case("l_sql_like", ["lineage", "' OR 1=1 --", "--db", "{d}/ok.db"], "no sample"),
    # programs
    _case("pr_missing_db", f"programs --db {NEW}", "does not exist"),
    _case("pr_corrupt", "programs --db {d}/corrupt.db", "not a readable SQLite database"),
    _case("pr_foreign", "programs --db {d}/foreign.db", "not a benchagent database"),
    _case("pr_foreign_wal", "programs --db {d}/foreign_wal.db --json", "not a benchagent database"),
    _case("pr_zero", "programs --db {d}/zero.db", "empty file"),
    _case("pr_dir", "programs --db {d}/dir.db", "is a directory"),
    # review import
    _case("ri_rv_empty_csv", "review import {d}/rv_empty.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_empty_jsonl", "review import {d}/rv_empty.jsonl --db {d}/ok.db", "holds no reviews"),
    _case("ri_rv_header_only_csv", "review import {d}/rv_header_only.csv --db {d}/ok.db", "holds no reviews"),
    _case("ri_rv_wrong_header_csv", "review import {d}/rv_wrong_header.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_unknown_csv", "review import {d}/rv_unknown.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_maybe_csv", "review import {d}/rv_maybe.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_dup_csv", "review import {d}/rv_dup.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_dup_same_csv", "review import {d}/rv_dup_same.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_binary_csv", "review import {d}/rv_binary.csv --db {d}/ok.db", "not UTF-8 text"),
    _case("ri_rv_binary_jsonl", "review import {d}/rv_binary.jsonl --db {d}/ok.db", "not UTF-8 text"),
    _case("ri_rv_nul_csv", "review import {d}/rv_nul.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_badjson_jsonl", "review import {d}/rv_badjson.jsonl --db {d}/ok.db", "3 bad row(s)"),
    _case("ri_rv_reject_noreason_csv", "review import {d}/rv_reject_noreason.csv --db {d}/ok.db", "1 bad row(s)"),
    _case("ri_rv_wrongtypes_jsonl", "review import {d}/rv_wrongtypes.jsonl --db {d}/ok.db", "2 bad row(s)"),
    _case("ri_rv_txt", "review import {d}/rv.txt --db {d}/ok.db", "must be .csv or .jsonl"),
    _case("ri_missing_file", "review import {d}/nope.csv --db {d}/ok.db", "does not exist"),
    _case("ri_dir_file", "review import {d}/emptydir --db {d}/ok.db", "does not exist"),
    _case("ri_devnull_file", "review import /dev/null --db {d}/ok.db", "does not exist"),
    _case("ri_missing_db", f"review import {{d}}/rv_good.csv --db {NEW}", "does not exist"),
    _case("ri_corrupt_db", "review import {d}/rv_good.csv --db {d}/corrupt.db", "not a readable SQLite database"),
    _case("ri_foreign_db", "review import {d}/rv_good.csv --db {d}/foreign.db", "not a benchagent database"),
    _case("ri_zero_db", "review import {d}/rv_good.csv --db {d}/zero.db", "empty file"),
    _case("ri_long_reviewer", f"review import {{d}}/rv_good.csv --db {{d}}/ok.db --reviewer {'x' * 300}",
          "1 bad row(s)"),
    _case("ri_empty_reviewer", ["review", "import", "{d}/rv_good.csv", "--db", "{d}/ok.db", "--reviewer", " "],
          "1 bad row(s)"),
    _case("ri_big", "review import {d}/rv_big.csv --db {d}/ok.db", f"{BAD_ROWS:,} bad row(s)"),
    _case("ri_bigline", "review import {d}/rv_bigline.csv --db {d}/ok.db", "1 bad row(s)"),
    # review (the terminal loop)
    _case("rv_nodb", "review", "--db is required"),
    _case("rv_unknown_run", "review --db {d}/ok.db --run nope", "no run 'nope'"),
    _case("rv_missing_db", f"review --db {NEW}", "does not exist"),
    _case("rv_foreign", "review --db {d}/foreign.db", "not a benchagent database"),
    _case("rv_zero", "review --db {d}/zero.db", "empty file"),
    # sources
    _case("so_missing_path", "sources --db {d}/ok.db --source {d}/nope.csv", "no such file or folder"),
    _case("so_src_empty_csv", "sources --db {d}/ok.db --source {d}/src_empty.csv", "is empty"),
    _case("so_src_header_only_csv", "sources --db {d}/ok.db --source {d}/src_header_only.csv", "holds no records"),
    _case("so_src_bad_jsonl", "sources --db {d}/ok.db --source {d}/src_bad.jsonl", "invalid JSON"),
    _case("so_src_empty_jsonl", "sources --db {d}/ok.db --source {d}/src_empty.jsonl", "is empty"),
    _case("so_src_binary_jsonl", "sources --db {d}/ok.db --source {d}/src_binary.jsonl", "not UTF-8 text"),
    _case("so_src_parquet", "sources --db {d}/ok.db --source {d}/src.parquet", "not a readable Parquet file"),
    _case("so_src_xyz", "sources --db {d}/ok.db --source {d}/src.xyz", "unsupported file type"),
    _case("so_imgs_nolabels", "sources --db {d}/ok.db --source {d}/imgs_nolabels", "labels"),
    _case("so_emptydir", "sources --db {d}/ok.db --source {d}/emptydir", "holds no records"),
    _case("so_db_as_source", "sources --db {d}/ok.db --source {d}/corrupt.db", "unsupported file type"),
    _case("so_rv_bigline_csv", "sources --db {d}/ok.db --source {d}/rv_bigline.csv", "malformed CSV"),
    _case("so_devnull", "sources --db {d}/ok.db --source /dev/null", "unsupported file type"),
    _case("so_missing_folder_db", "sources --db {d}/nope/x.db", "folder {d}/nope does not exist"),
    _case("so_corrupt_db", "sources --db {d}/corrupt.db", "not a readable SQLite database"),
    _case("so_foreign_db", "sources --db {d}/foreign.db", "not a benchagent database"),
    _case("so_zero_db", "sources --db {d}/zero.db --json", "empty file"),
    _case("so_new_db_bad_source", f"sources --db {NEW} --source {{d}}/src_empty.csv", "is empty"),
    # build
    _case("b_empty", ["build", "", "--size", "2", "--db", NEW, *FAKE], "requirement is empty"),
    _case("b_ws", ["build", " \t\n ", "--size", "2", "--db", NEW, *FAKE], "requirement is empty"),
    _case("b_noreq", ["build", "--size", "2", "--db", NEW, *FAKE], "requirement is empty"),
    _case("b_long_requirement", ["build", "bar charts " * MAX_REQUIREMENT_CHARS, "--db", NEW, *FAKE],
          f"more than {MAX_REQUIREMENT_CHARS:,}"),
    _case("b_size_0", ["build", REQ, "--size", "0", "--db", NEW, *FAKE], "--size must be between 1"),
    _case("b_size_-1", ["build", REQ, "--size", "-1", "--db", NEW, *FAKE], "--size must be between 1"),
    _case("b_size_abc", ["build", REQ, "--size", "abc", "--db", NEW, *FAKE], USAGE),
    _case("b_size_1000000000", ["build", REQ, "--size", "1000000000", "--db", NEW, *FAKE], "--size must be between 1"),
    _case("b_size_100001", ["build", REQ, "--size", "100001", "--db", NEW, *FAKE], "--size must be between 1"),
    _case("b_size_1.5", ["build", REQ, "--size", "1.5", "--db", NEW, *FAKE], USAGE),
    _case("b_conc_0", ["build", REQ, "--concurrency", "0", "--db", NEW, *FAKE], "--concurrency must be between"),
    _case("b_conc_1000", ["build", REQ, "--concurrency", "1000", "--db", NEW, *FAKE], "--concurrency must be between"),
    _case("b_conc_-3", ["build", REQ, "--concurrency", "-3", "--db", NEW, *FAKE], "--concurrency must be between"),
    _case("b_maxsub_0", ["build", REQ, "--max-subtasks", "0", "--db", NEW, *FAKE], "--max-subtasks must be between"),
    _case("b_maxsub_9", ["build", REQ, "--max-subtasks", "9", "--db", NEW, *FAKE], "--max-subtasks must be between"),
    _case("b_seed_abc", ["build", REQ, "--seed", "abc", "--db", NEW, *FAKE], USAGE),
    _case("b_missing_folder", ["build", REQ, "--db", "{d}/nope/x.db", *FAKE], "folder {d}/nope does not exist"),
    _case("b_dir", ["build", REQ, "--db", "{d}/dir.db", *FAKE], "is a directory"),
    _case("b_corrupt", ["build", REQ, "--db", "{d}/corrupt.db", *FAKE], "not a readable SQLite database"),
    _case("b_newer", ["build", REQ, "--db", "{d}/newer.db", *FAKE], "newer than this benchagent"),
    _case("b_foreign", ["build", REQ, "--db", "{d}/foreign.db", *FAKE], "not a benchagent database"),
    _case("b_foreign_wal", ["build", REQ, "--db", "{d}/foreign_wal.db", *FAKE], "not a benchagent database"),
    _case("b_zero", ["build", REQ, "--db", "{d}/zero.db", *FAKE], "empty file"),
    _case("b_devnull", ["build", REQ, "--db", "/dev/null", *FAKE], "not a regular file"),
    _case("b_nodb", ["build", REQ, *FAKE], USAGE),
    _case("b_model_unknown_new", ["build", REQ, "--db", NEW, "--model", "foo/bar"], "unknown model 'foo/bar'"),
    _case("b_model_unknown_ok", ["build", REQ, "--db", "{d}/ok.db", "--model", "foo/bar"], "unknown model"),
    _case("b_model_noslash", ["build", REQ, "--db", NEW, "--model", "nonsense"], "unknown model 'nonsense'"),
    _case("b_model_local_missing", ["build", REQ, "--db", NEW, "--model", "local:/nope.gguf"], "model file not found"),
    _case("b_model_local_notgguf", ["build", REQ, "--db", NEW, "--model", "local:{d}/corrupt.db"], "not a GGUF file"),
    _case("b_model_embedded_apibase", ["build", REQ, "--db", NEW, "--model", "embedded", "--api-base", "http://x/v1"],
          "--api-base applies to provider/model"),
    _case("b_program_unknown", ["build", REQ, "--db", "{d}/ok.db", "--program", "prog_nope", *FAKE],
          "no program 'prog_nope'"),
    _case("b_program_new_db", ["build", REQ, "--db", NEW, "--program", "latest", *FAKE], "is a new database"),
    _case("b_spec_empty_yaml", ["build", "--spec", "{d}/empty.yaml", "--db", NEW, *FAKE], "valid dictionary"),
    _case("b_spec_invalid_yaml", ["build", "--spec", "{d}/invalid.yaml", "--db", NEW, *FAKE], "not valid YAML"),
    _case("b_spec_scalar_yaml", ["build", "--spec", "{d}/scalar.yaml", "--db", NEW, *FAKE], "valid dictionary"),
    _case("b_spec_unknown_source", ["build", "--spec", "{d}/unknown_source.yaml", "--db", NEW, *FAKE],
          "unknown source 'no_such_source'"),
    _case("b_spec_neg_quota", ["build", "--spec", "{d}/neg_quota.yaml", "--db", NEW, *FAKE], "greater than or equal"),
    _case("b_spec_zero_quota", ["build", "--spec", "{d}/zero_quota.yaml", "--db", NEW, *FAKE], "every quota is 0"),
    _case("b_spec_neg_share", ["build", "--spec", "{d}/neg_share.yaml", "--db", NEW, *FAKE], "greater than or equal"),
    _case("b_spec_huge_quota", ["build", "--spec", "{d}/huge_quota.yaml", "--db", NEW, *FAKE],
          "--size must be between 1"),
    _case("b_spec_python_tag", ["build", "--spec", "{d}/python_tag.yaml", "--db", NEW, *FAKE], "not valid YAML"),
    _case("b_spec_req_ws", ["build", "--spec", "{d}/req_ws.yaml", "--db", NEW, *FAKE], "requirement is empty"),
    _case("b_spec_long_req", ["build", "--spec", "{d}/long_req.yaml", "--db", NEW, *FAKE], "characters, more than"),
    _case("b_spec_badtool", ["build", "--spec", "{d}/badtool.yaml", "--db", NEW, *FAKE], "unknown tool"),
    _case("b_spec_nosubtasks", ["build", "--spec", "{d}/nosubtasks.yaml", "--db", NEW, *FAKE], "every quota is 0"),
    _case("b_spec_binary", ["build", "--spec", "{d}/binary.yaml", "--db", NEW, *FAKE], "not UTF-8 text"),
    _case("b_spec_db_file", ["build", "--spec", "{d}/ok.db", "--db", NEW, *FAKE], "not UTF-8 text"),
    _case("b_spec_missing", ["build", "--spec", "{d}/nope.yaml", "--db", NEW, *FAKE], "No such file"),
    _case("b_spec_dir", ["build", "--spec", "{d}/emptydir", "--db", NEW, *FAKE], "Is a directory"),
    _case("b_spec_size0", ["build", "--spec", "{d}/good.yaml", "--size", "0", "--db", NEW, *FAKE],
          "--size must be between 1"),
    _case("b_spec_size_huge", ["build", "--spec", "{d}/good.yaml", "--size", "1000000000", "--db", NEW, *FAKE],
          "--size must be between 1"),
    _case("b_spec_foreign_db", ["build", "--spec", "{d}/good.yaml", "--db", "{d}/foreign.db", *FAKE],
          "not a benchagent database"),
    _case("b_source_missing", ["build", REQ, "--source", "{d}/nope.csv", "--db", NEW, *FAKE], "no such file"),
    # plan
    _case("p_empty", ["plan", "", "--db", NEW, *FAKE], "requirement is empty"),
    _case("p_ws", ["plan", "   ", "--db", NEW, *FAKE], "requirement is empty"),
    _case("p_long_requirement", ["plan", "x" * (MAX_REQUIREMENT_CHARS + 1), "--db", NEW, *FAKE], "characters"),
    _case("p_size0", ["plan", REQ, "--size", "0", "--db", NEW, *FAKE], "--size must be between 1"),
    _case("p_size_neg", ["plan", REQ, "--size", "-1", "--db", NEW, *FAKE], "--size must be between 1"),
    _case("p_size_huge", ["plan", REQ, "--size", "1000000000", "--db", NEW, *FAKE], "--size must be between 1"),
    _case("p_size_abc", ["plan", REQ, "--size", "abc", "--db", NEW, *FAKE], USAGE),
    _case("p_maxsub_9", ["plan", REQ, "--max-subtasks", "9", "--db", NEW, *FAKE], "--max-subtasks must be between"),
    _case("p_out_missing_folder", ["plan", REQ, "--db", NEW, "--out", "{d}/nope/spec.yaml", *FAKE],
          "folder {d}/nope does not exist"),
    _case("p_missing_folder_db", ["plan", REQ, "--db", "{d}/nope/x.db", *FAKE], "folder {d}/nope does not exist"),
    _case("p_corrupt", ["plan", REQ, "--db", "{d}/corrupt.db", *FAKE], "not a readable SQLite database"),
    _case("p_foreign", ["plan", REQ, "--db", "{d}/foreign.db", *FAKE], "not a benchagent database"),
    _case("p_zero", ["plan", REQ, "--db", "{d}/zero.db", *FAKE], "empty file"),
    _case("p_model_unknown", ["plan", REQ, "--db", NEW, "--model", "foo/bar"], "unknown model 'foo/bar'"),
    _case("p_source_bad", ["plan", REQ, "--db", NEW, "--source", "{d}/src_bad.jsonl", *FAKE], "invalid JSON"),
    # resume
    _case("r_unknown_run", ["resume", "run_nope", "--db", "{d}/ok.db", *FAKE], "no run 'run_nope'"),
    _case("r_missing_db", ["resume", "run_x", "--db", NEW, *FAKE], "does not exist"),
    _case("r_corrupt", ["resume", "run_x", "--db", "{d}/corrupt.db", *FAKE], "not a readable SQLite database"),
    _case("r_foreign", ["resume", "run_x", "--db", "{d}/foreign.db", *FAKE], "not a benchagent database"),
    _case("r_zero", ["resume", "run_x", "--db", "{d}/zero.db", *FAKE], "empty file"),
    _case("r_conc0", ["resume", "{run}", "--db", "{d}/ok.db", "--concurrency", "0", *FAKE], "--concurrency must be"),
    _case("r_conc1000", ["resume", "{run}", "--db", "{d}/ok.db", "--concurrency", "1000", *FAKE],
          "--concurrency must be"),
    _case("r_model_unknown", ["resume", "{run}", "--db", "{d}/ok.db", "--model", "foo/bar"], "unknown model"),
    # compile
    _case("c_missing_db", ["compile", "--db", NEW, *FAKE], "does not exist"),
    _case("c_corrupt", ["compile", "--db", "{d}/corrupt.db", *FAKE], "not a readable SQLite database"),
    _case("c_foreign", ["compile", "--db", "{d}/foreign.db", *FAKE], "not a benchagent database"),
    _case("c_zero", ["compile", "--db", "{d}/zero.db", *FAKE], "empty file"),
    _case("c_no_reviews", ["compile", "--db", "{d}/ok.db", *FAKE], "holds no reviewed sample"),
    _case("c_bad_optimizer", ["compile", "--db", "{d}/ok.db", "--optimizer", "nope", *FAKE], "unknown optimizer"),
    _case("c_heldout_1_5", ["compile", "--db", "{d}/ok.db", "--heldout", "1.5", *FAKE], "--heldout must be between"),
    _case("c_heldout_neg", ["compile", "--db", "{d}/ok.db", "--heldout", "-0.1", *FAKE], "--heldout must be between"),
    _case("c_max_demos_neg", ["compile", "--db", "{d}/ok.db", "--max-demos", "-1", *FAKE], "--max-demos must be"),
    _case("c_threads0", ["compile", "--db", "{d}/ok.db", "--threads", "0", *FAKE], "--threads must be between"),
    _case("c_trials0", ["compile", "--db", "{d}/ok.db", "--trials", "0", *FAKE], "--trials must be between"),
    _case("c_unknown_run", ["compile", "--db", "{d}/ok.db", "--run", "run_nope", *FAKE], "of run run_nope"),
    _case("c_model_unknown", ["compile", "--db", "{d}/ok.db", "--model", "foo/bar"], "holds no reviewed sample"),
    # ab
    _case("ab_missing_db", ["ab", "run", "--spec", "{d}/good.yaml", "--db", NEW, *FAKE], "does not exist"),
    _case("ab_foreign", ["ab", "run", "--spec", "{d}/good.yaml", "--db", "{d}/foreign.db", *FAKE],
          "not a benchagent database"),
    _case("ab_no_program", ["ab", "run", "--spec", "{d}/good.yaml", "--db", "{d}/ok.db", *FAKE],
          "holds no compiled program"),
    _case("ab_bad_spec", ["ab", "run", "--spec", "{d}/invalid.yaml", "--db", "{d}/ok.db", *FAKE], "not valid YAML"),
    _case("ab_concurrency0", ["ab", "run", "--spec", "{d}/good.yaml", "--db", "{d}/ok.db", "--concurrency", "0",
                              *FAKE], "--concurrency must be between"),
    _case("ab_show_unknown", ["ab", "show", "pair_nope", "--db", "{d}/ok.db"], "no paired build 'pair_nope'"),
    _case("ab_show_none", ["ab", "show", "--db", "{d}/ok.db"], "holds no paired build"),
    _case("ab_show_zero", ["ab", "show", "--db", "{d}/zero.db"], "empty file"),
    # browse
    _case("br_missing_db", f"browse --db {NEW}", "does not exist"),
    _case("br_corrupt", "browse --db {d}/corrupt.db", "not a readable SQLite database"),
    _case("br_foreign", "browse --db {d}/foreign.db", "not a benchagent database"),
    _case("br_foreign_wal", "browse --db {d}/foreign_wal.db --review", "not a benchagent database"),
    _case("br_zero", "browse --db {d}/zero.db", "empty file"),
    _case("br_dir", "browse --db {d}/dir.db", "is a directory"),
    _case("br_newer", "browse --db {d}/newer.db", "newer than this benchagent"),
    _case("br_port_neg", "browse --db {d}/ok.db --port -1", "--port must be between 1 and 65535"),
    _case("br_port_70000", "browse --db {d}/ok.db --port 70000", "--port must be between 1 and 65535"),
    _case("br_port_abc", "browse --db {d}/ok.db --port abc", USAGE),
    _case("br_port_in_use", "browse --db {d}/ok.db --port {busy}", "Address already in use"),
    _case("br_host_bad", ["browse", "--db", "{d}/ok.db", "--host", "no such host!"], "cannot serve on host"),
    _case("br_host_unassigned", "browse --db {d}/ok.db --host 10.254.254.254", "Cannot assign requested address"),
    # export
    _case("ex_unknown_format", "export {run} --db {d}/ok.db --format nope --out {d}/out", "unknown format 'nope'"),
    _case("ex_no_format", "export {run} --db {d}/ok.db --out {d}/out", USAGE),
    _case("ex_unknown_run", "export run_nope --db {d}/ok.db --format jsonl --out {d}/out", "run_nope"),
    _case("ex_missing_db", f"export run_x --db {NEW} --format jsonl --out {{d}}/out", "does not exist"),
    _case("ex_foreign", "export run_x --db {d}/foreign.db --format jsonl --out {d}/out", "not a benchagent database"),
    _case("ex_zero", "export run_x --db {d}/zero.db --format csv --out {d}/out", "empty file"),
    # eval
    _case("ev_no_model", "eval {run} --db {d}/ok.db", USAGE),
    _case("ev_unknown_run", "eval run_nope --db {d}/ok.db --model foo/bar --chart {d}/c.png", "run_nope"),
    _case("ev_foreign", "eval run_x --db {d}/foreign.db --model foo/bar --chart {d}/c.png", "not a benchagent"),
    _case("ev_zero", "eval run_x --db {d}/zero.db --model foo/bar --chart {d}/c.png", "empty file"),
    _case("ev_chart_folder", "eval {run} --db {d}/ok.db --model foo/bar --chart {d}/nope/c.png",
          "cannot write the chart"),
    _case("ev_model_unknown", "eval {run} --db {d}/ok.db --model foo/bar --chart {d}/c.png", "unknown model"),
    # report
    _case("rp_unknown_run", "report run_nope --db {d}/ok.db --out {d}/report", "run_nope"),
    _case("rp_missing_db", f"report run_x --db {NEW} --out {{d}}/report", "does not exist"),
    _case("rp_foreign", "report run_x --db {d}/foreign.db --out {d}/report", "not a benchagent database"),
    _case("rp_zero", "report run_x --db {d}/zero.db --out {d}/report", "empty file"),
    # serve and models
    _case("sv_model_unknown", "serve --model foo/bar", "not a GGUF model"),
    _case("sv_model_missing", "serve --model local:/nope.gguf", "model file not found"),
    _case("sv_port_70000", "serve --port 70000", "--port must be between"),
    _case("sv_port_abc", "serve --port abc", USAGE),
    _case("mo_unknown_option", "models --nope", USAGE),
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under root, files by their sha256: any change, -wal/-shm or new file shows."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(root.rglob("*"))}


def assert_refused(result, fragment: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if fragment == USAGE:  # typer's box: a usage line, a hint and three to five box lines
        assert result.exit_code == 2 and lines[0].startswith("Usage: ") and len(lines) <= 8, result.stderr
        return
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert lines and lines[0].startswith("error: ") and fragment in lines[0], result.stderr[:2000]
    examples = lines[1:]  # only a review file's bad rows: a few, indented, then a count of the rest
    assert all(line.startswith("  ") for line in examples) and len(examples) <= SHOWN_PROBLEMS + 1, result.stderr
    assert result.stdout == "", result.stdout  # nothing announced before the refusal (browse's URL included)


@pytest.mark.parametrize("args, fragment", CASES)
def test_bad_input_is_one_line_and_changes_nothing(world, monkeypatch, args, fragment):
    monkeypatch.delenv("BENCHAGENT_MODEL", raising=False)
    values = {"d": world.d, "run": world.run, "busy": world.busy}
    argv = [a.format(**values) for a in (args.split() if isinstance(args, str) else args)]
    before = snapshot(world.d)
    result = CliRunner().invoke(app, argv, input="")
    assert_refused(result, fragment.format(**values))
    assert snapshot(world.d) == before


def test_a_large_bad_review_file_is_one_summary_line_and_a_few_rows(world):
    result = CliRunner().invoke(app, ["review", "import", str(world.d / "rv_big.csv"), "--db", str(world.d / "ok.db")])
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {world.d / 'rv_big.csv'}: {BAD_ROWS:,} bad row(s), nothing written"
    assert lines[1:] == [*(f"  line {n}: unknown sample 'smp_{n - 2:08d}'" for n in range(2, 2 + SHOWN_PROBLEMS)),
                         f"  ... and {BAD_ROWS - SHOWN_PROBLEMS:,} more"]


def test_sources_on_a_new_path_lists_the_catalog_without_creating_a_store(tmp_path):
    result = CliRunner().invoke(app, ["sources", "--db", str(tmp_path / "new.db"), "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"gen_bar_chart_values"' in result.stdout and list(tmp_path.iterdir()) == []
