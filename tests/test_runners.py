"""Export, eval and report on real scripted builds: round trips with the real readers, Inspect and lm-eval runs
against a loopback scripted OpenAI server, the evals table, and bad input."""

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openai_stub import ScriptedServer, has_image, message_text
from PIL import Image
from scripted_lm import chart_answers, scripted_lm
from test_build import DOCS, REQUIREMENT, docs_answers
from typer.testing import CliRunner

from benchagent.cli import app
from benchagent.items import NO_IMAGE, BenchItem
from benchagent.program.build import Build, BuildRequest
from benchagent.program.executor.item import Item
from benchagent.store import open_store

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One database with a bar-chart run (3 image items) and a docs run (2 text items), built on the scripted LM."""
    folder = tmp_path_factory.mktemp("runners")
    db = folder / "b.db"
    store = open_store(db)
    try:
        chart = Build(store, scripted_lm(chart_answers()), BuildRequest(REQUIREMENT, 3, "scripted", seed=0)).run()
        docs = Build(store, scripted_lm(docs_answers()), BuildRequest(DOCS, 2, "scripted", seed=0)).run()
        accepted = store.query("SELECT run_id, question, output FROM samples WHERE status IN ('ok', 'fixed')")
    finally:
        store.close()
    gold = {row["question"]: json.loads(row["output"]) for row in accepted}
    charts = sorted(row["question"] for row in accepted if row["run_id"] == chart)
    letters = sorted(json.loads(row["output"])["answer_letter"] for row in accepted if row["run_id"] == docs)
    return {"db": db, "chart": chart, "docs": docs, "gold": gold, "chart_questions": charts, "docs_letters": letters}


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def gold_letter(gold: dict, text: str) -> str:
    return next(out["answer_letter"] for question, out in gold.items() if question in text)


def test_export_round_trips_with_the_real_readers(built, tmp_path):
    import datasets
    from inspect_ai.dataset import json_dataset
    from lm_eval.tasks import TaskManager, get_task_dict

    out = tmp_path / "export"
    result = invoke("export", built["chart"], "--db", built["db"], "--format", "jsonl,csv,hf",
                    "--format", "inspect", "--format", "lm-eval", "--out", out)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(built["db"])
    pngs = dict(conn.execute("SELECT s.id, a.content FROM assets a JOIN samples s ON s.id = a.sample_id "
                             "WHERE s.run_id = ? AND s.status IN ('ok', 'fixed')", (built["chart"],)).fetchall())
    assert len(pngs) == 3

    hf = datasets.load_from_disk(str(out / "hf"))["test"]
    assert sorted(hf["id"]) == sorted(pngs)
    for row in hf:
        stored = Image.open(io.BytesIO(pngs[row["id"]]))
        assert row["image"].size == stored.size and list(row["image"].convert("RGB").getdata()) == list(
            stored.convert("RGB").getdata())
        assert row["options"][ord(row["answer_letter"]) - 65] == row["answer"]

    lines = [json.loads(line) for line in (out / "jsonl" / "data.jsonl").read_text().splitlines()]
    assert {r["id"] for r in lines} == set(pngs)
    for r in lines:
        assert (out / "jsonl" / r["images"][0]).read_bytes() == pngs[r["id"]]
        assert r["prompt"].endswith("Answer with the letter of the correct option only.")
    rows = list(csv.DictReader((out / "csv" / "data.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == [r["id"] for r in lines]
    assert json.loads(rows[0]["options"]) == lines[0]["options"]
    assert (out / "csv" / json.loads(rows[0]["images"])[0]).read_bytes() == pngs[rows[0]["id"]]

    samples = json_dataset(str(out / "inspect" / "choice.jsonl"))
    assert len(samples) == 3
    for sample in samples:
        image, text = sample.input[0].content
        assert Path(image.image).read_bytes() == pngs[sample.id]  # relative to the JSONL's folder
        assert sample.target == gold_letter(built["gold"], text.text) and len(sample.choices) == 4

    base = "benchagent_" + built["chart"].removeprefix("run_")
    manager = TaskManager(include_path=str(out / "lm-eval"))
    tasks = get_task_dict([base], manager)
    [task] = [t for group in tasks.values() for t in group.values()]
    docs = list(task.test_docs())
    assert len(docs) == 3 and all(doc["image"].size == (720, 480) for doc in docs)
    assert {task.doc_to_target(doc) for doc in docs} <= set("ABCD")

    card = (out / "README.md").read_text()
    for fragment in (REQUIREMENT, "capability_bar_chart_reading", "| read_value | Read a bar value | choice | 3 | 3 |",
                     "gen_bar_chart_values", "license", "program version: uncompiled", "model: `scripted`",
                     "Human review", "inspect eval", "lm_eval run", "load_from_disk"):
        assert fragment in card, fragment
    assert (out / "inspect" / "README.md").exists() and (out / "hf" / "README.md").exists()


def test_text_items_export_a_multiple_choice_variant_for_lm_eval(built, tmp_path):
    from lm_eval.tasks import TaskManager, get_task_dict

    assert invoke("export", built["docs"], "--db", built["db"], "--format", "lm-eval", "--out", tmp_path).exit_code == 0
    base = "benchagent_" + built["docs"].removeprefix("run_")
    tasks = get_task_dict([f"{base}_choice_mc"], TaskManager(include_path=str(tmp_path / "lm-eval")))
    [task] = tasks.values()
    docs = list(task.test_docs())
    assert task.OUTPUT_TYPE == "multiple_choice" and len(docs) == 2
    # both items ask the same question, and which gold letter each got depends on which slot finished first
    assert sorted(task.doc_to_choice(d)[task.doc_to_target(d)] for d in docs) == built["docs_letters"]


def test_inspect_and_lm_eval_score_the_export_against_a_loopback_server(built, tmp_path):
    """The server answers every chart item right but one; both runners' scores, read from their logs, are 2/3."""
    from inspect_ai.log import read_eval_log

    out = tmp_path / "export"
    exported = invoke("export", built["chart"], "--db", built["db"], "--format", "inspect,lm-eval", "--out", out)
    assert exported.exit_code == 0
    wrong = built["chart_questions"][0]

    def reply(messages):
        text = message_text(messages)
        letter = gold_letter(built["gold"], text)
        if wrong in text:
            letter = "A" if letter != "A" else "B"
        return f"ANSWER: {letter}" if "ANSWER" in text else f"The answer is {letter}."

    with ScriptedServer(reply) as server:
        env = {**os.environ, "LOCAL_BASE_URL": server.base_url, "LOCAL_API_KEY": "none"}
        subprocess.run([BIN / "inspect", "eval", "task.py", "--model", "openai-api/local/scripted",  # as the card says
                        "--log-dir", tmp_path / "logs", "--display", "none"], env=env, check=True, timeout=300,
                       capture_output=True, cwd=out / "inspect")
        assert all(has_image(r["messages"]) for r in server.requests)
        seen = len(server.requests)
        base = "benchagent_" + built["chart"].removeprefix("run_")
        subprocess.run([BIN / "lm_eval", "run", "--model", "local-chat-completions", "--model_args",
                        f"model=scripted,base_url={server.base_url}/chat/completions,max_retries=1",
                        "--apply_chat_template", "--include_path", out / "lm-eval", "--tasks", base, "--limit", "3",
                        "--output_path", tmp_path / "lm"], env={**env, "OPENAI_API_KEY": "none"}, check=True,
                       timeout=300, capture_output=True)
        assert all(has_image(r["messages"]) for r in server.requests[seen:])
        seen = len(server.requests)
        subprocess.run([BIN / "lm_eval", "run", "--model", "local-chat-completions", "--model_args",
                        f"model=scripted,base_url={server.base_url}/chat/completions,max_retries=1",
                        "--apply_chat_template", "--include_path", out / "lm-eval", "--tasks", f"{base}_text",
                        "--limit", "3", "--output_path", tmp_path / "lm_text"], env={**env, "OPENAI_API_KEY": "none"},
                       check=True, timeout=300, capture_output=True)
        text_only = server.requests[seen:]
        assert len(text_only) == 3 and not any(has_image(r["messages"]) for r in text_only)
        assert all(NO_IMAGE in message_text(r["messages"]) for r in text_only)
    expected = 2 / 3
    [log_path] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log_path))
    assert log.status == "success"
    assert log.results.scores[0].metrics["accuracy"].value == pytest.approx(expected)
    [results] = (tmp_path / "lm").rglob("results_*.json")
    figures = json.loads(results.read_text())["results"][f"{base}_choice_image"]
    assert figures["exact_match,extract"] == pytest.approx(expected)
    [results] = (tmp_path / "lm_text").rglob("results_*.json")
    assert json.loads(results.read_text())["results"][f"{base}_text"]["exact_match,extract"] == pytest.approx(expected)


def test_inspect_tasks_ask_image_items_without_their_image_for_text_only_models(built, tmp_path):
    import importlib.util

    exported = invoke("export", built["chart"], "--db", built["db"], "--format", "inspect", "--out", tmp_path)
    assert exported.exit_code == 0
    spec = importlib.util.spec_from_file_location("exported_task", tmp_path / "inspect" / "task.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    task = getattr(module, "benchagent_" + built["chart"].removeprefix("run_") + "_choice")
    shown, blind = list(task().dataset), list(task(images=False).dataset)
    assert [s.id for s in shown] == [s.id for s in blind] and [s.target for s in shown] == [s.target for s in blind]
    assert all([c.type for c in s.input[0].content] == ["image", "text"] for s in shown)
    assert all([c.type for c in s.input[0].content] == ["text"] and s.input[0].content[0].text.startswith(NO_IMAGE)
               for s in blind)


def test_lm_eval_number_tasks_compare_numbers_not_strings(tmp_path):
    from lm_eval.tasks import TaskManager, get_task_dict

    from benchagent.export.lm_eval_task import write_lm_eval

    items = [BenchItem(f"smp_{i}", "s", "S", "number", Item("How many?", gold, "tool"), "src", "src", "", "tool",
                       "ok", None) for i, gold in enumerate(["1000", "3.14", "-2"])]
    write_lm_eval(tmp_path, items, "bench")
    [task] = get_task_dict(["bench_number"], TaskManager(include_path=str(tmp_path))).values()
    thousand, pi, minus_two = task.test_docs()
    cases = [(thousand, "There are 1,000 of them.", 1), (thousand, "about 1000.0", 1), (thousand, "999 or 1001", 0),
             (pi, "Pi is 3.14159", 1), (pi, "3.2", 0), (minus_two, "It fell by -2.", 1), (minus_two, "2", 0),
             (pi, "no idea", 0)]
    assert [task.process_results(doc, [reply])["exact_match"] for doc, reply, _ in cases] == [c for *_, c in cases]


def test_eval_scores_two_models_into_the_evals_table_with_a_chart(built, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "none")
    seen = []

    def reply(messages):
        seen.append(has_image(messages))
        letter = gold_letter(built["gold"], message_text(messages))
        return letter if has_image(messages) else "I cannot see the image."

    chart = tmp_path / "eval.png"
    with ScriptedServer(reply) as server:
        result = invoke("eval", built["chart"], "--db", built["db"], "--model", "openai/small-text-model",
                        "--model", "openai/gpt-4o", "--api-base", server.base_url, "--chart", chart, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    small, large = figures["models"]
    assert small["accuracy"] == 0 and small["images_not_shown"] == 3 and large["accuracy"] == 1
    assert large["low"] == large["high"] == 1.0
    assert figures["consistency"]["rises"] and figures["consistency"]["verdict"] == "accuracy rises with size"
    assert figures["discrimination"]["separating"] == 3 and figures["discrimination"]["spread"]["delta"] == 1
    assert seen == [False] * 3 + [True] * 3
    conn = sqlite3.connect(built["db"])
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT * FROM evals WHERE eval_id = ?", (figures["eval_id"],)).fetchall()
    assert len(rows) == 6 and {r["run_id"] for r in rows} == {built["chart"]}
    text_only = [r for r in rows if r["model_rank"] == 0]
    assert all(r["saw_image"] == 0 and r["correct"] == 0 and r["parsed_answer"] is None for r in text_only)
    assert all(r["saw_image"] == 1 and r["correct"] == 1 and r["prompt_tokens"] > 0 and r["latency_ms"] > 0
               for r in rows if r["model_rank"] == 1)
    with Image.open(chart) as png:
        assert png.format == "PNG"


def test_eval_keeps_parallel_requests_in_flight_and_stores_them_in_item_order(built, tmp_path, monkeypatch):
    import threading
    import time

    monkeypatch.setenv("OPENAI_API_KEY", "none")
    lock, in_flight, peak = threading.Lock(), [0], [0]

    def reply(messages):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        return gold_letter(built["gold"], message_text(messages))

    with ScriptedServer(reply) as server:
        result = invoke("eval", built["chart"], "--db", built["db"], "--model", "openai/gpt-4o", "--api-base",
                        server.base_url, "--parallel", "3", "--chart", tmp_path / "e.png", "--json")
    assert result.exit_code == 0, result.output
    assert peak[0] == 3 and json.loads(result.stdout)["models"][0]["accuracy"] == 1
    conn = sqlite3.connect(built["db"])
    stored = [row[0] for row in conn.execute("SELECT sample_id FROM evals WHERE eval_id = ? ORDER BY rowid",
                                             (json.loads(result.stdout)["eval_id"],))]
    accepted = [row[0] for row in conn.execute("SELECT id FROM samples WHERE run_id = ? AND status IN ('ok', 'fixed') "
                                               "ORDER BY created_at, rowid", (built["chart"],))]
    assert stored == accepted


def item(answer, answer_type="number", options=None) -> BenchItem:
    return BenchItem("smp_x", "s", "S", answer_type, Item("How many?", answer, "tool", options), "src", "src", "",
                     "tool", "ok", None)


@pytest.mark.parametrize("reply, bench_item, parsed, correct", [
    ("The answer is B.", item("7", "choice", ["5", "7", "9"]), "7", True),
    ("ANSWER: A", item("7", "choice", ["5", "7", "9"]), "5", False),
    ("9", item("9", "choice", ["5", "7", "9"]), "9", True),
    ("I think it is D", item("7", "choice", ["5", "7", "9"]), None, False),
    ("Option A adds too few days and option C too many, so the answer is B.", item("7", "choice", ["5", "7", "9"]),
     "7", True),
    ("25 August 2016. Therefore, the correct answer is \\(\\boxed{C}\\).", item("7", "choice", ["5", "7", "9"]),
     "9", False),
    ("About 1,250.0 units", item("1250"), "1250.0", True),
    ("3.14159", item("3.14"), "3.14159", True),
    ("Yes.", item("yes", "binary"), "Yes.", True),
])
def test_replies_are_read_by_letter_text_or_number(reply, bench_item, parsed, correct):
    from benchagent.evaluate.score import is_correct, parse_reply

    assert parse_reply(reply, bench_item) == parsed
    assert is_correct(parse_reply(reply, bench_item), bench_item) is correct


def test_statistics_intervals_and_a_fall_in_accuracy():
    from benchagent.evaluate.stats import accuracy, summarize

    figures = accuracy([1, 0] * 20)
    assert figures["accuracy"] == 0.5 and 0.3 < figures["low"] < 0.5 < figures["high"] < 0.7
    predictions = [{"model": m, "model_rank": rank, "sample_id": f"s{i}", "subtask": "t", "correct": c,
                    "has_image": False, "saw_image": 0, "parsed_answer": "x", "prompt_tokens": 1,
                    "completion_tokens": 1, "latency_ms": 1.0}
                   for rank, (m, pattern) in enumerate([("small", [1, 1, 1, 0]), ("large", [1, 0, 0, 0])])
                   for i, c in enumerate(pattern * 5)]
    result = summarize(predictions)
    assert not result["consistency"]["rises"] and "small -> large falls by 50%" in result["consistency"]["verdict"]
    assert len(result["discrimination"]["solved_by_all"]) == 5 and len(result["discrimination"]["solved_by_none"]) == 5


def one_line_error(result, fragment):
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_bad_input_is_one_line_and_changes_nothing(built, tmp_path):
    db = built["db"]
    store = open_store(db)
    store.insert("runs", {"id": "run_empty", "requirement": "nothing", "size": 1, "model": "scripted", "seed": 0,
                          "status": "failed", "started_at": "2026-01-01T00:00:00+00:00"})
    store.close()
    before = (sqlite3.connect(db).execute("SELECT count(*) FROM evals").fetchone(), )
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = tmp_path / "out"
    cases = [
        (["export", "run_nope", "--db", db, "--format", "jsonl", "--out", out], "no run 'run_nope'"),
        (["export", "run_empty", "--db", db, "--format", "jsonl", "--out", out], "no accepted sample"),
        (["export", built["chart"], "--db", db, "--format", "jsonl", "--out", blocker], "is a file"),
        (["export", built["chart"], "--db", db, "--format", "jsonl", "--out", blocker / "sub"], "cannot create --out"),
        (["export", built["chart"], "--db", db, "--format", "parquet", "--out", out], "unknown format 'parquet'"),
        (["eval", "run_nope", "--db", db, "--model", "openai/x"], "no run 'run_nope'"),
        (["eval", "run_empty", "--db", db, "--model", "openai/x"], "no accepted sample"),
        (["eval", built["chart"], "--db", db, "--model", "nonsense-model"], "unknown model"),
        (["eval", built["chart"], "--db", db, "--model", "local:/no/such.gguf"], "model file not found"),
        (["eval", built["chart"], "--db", db, "--model", "openai/x", "--parallel", "0"], "--parallel must be"),
        (["report", "run_nope", "--db", db, "--out", out], "no run 'run_nope'"),
        (["report", built["chart"], "--db", db, "--out", blocker], "is a file"),
        (["export", built["chart"], "--db", tmp_path / "missing.db", "--format", "jsonl", "--out", out],
         "does not exist"),
        (["serve", "--model", "openai/x"], "not a GGUF model"),
        (["serve", "--model", "local:/no/such.gguf"], "model file not found"),
    ]
    for args, fragment in cases:
        one_line_error(invoke(*args), fragment)
    assert not out.exists() and not (tmp_path / "missing.db").exists()
    assert (sqlite3.connect(db).execute("SELECT count(*) FROM evals").fetchone(), ) == before


def test_eval_model_that_never_answers_stores_nothing(built, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "none")
    count = lambda: sqlite3.connect(built["db"]).execute("SELECT count(*) FROM evals").fetchone()[0]  # noqa: E731
    before = count()
    with ScriptedServer(lambda messages: 404) as server:
        result = invoke("eval", built["chart"], "--db", built["db"], "--model", "openai/x", "--api-base",
                        server.base_url, "--chart", tmp_path / "c.png")
    one_line_error(result, "failed on its first 3 items")
    assert count() == before and not (tmp_path / "c.png").exists()


def test_export_refuses_to_overwrite_unless_forced(built, tmp_path):
    args = ["export", built["docs"], "--db", built["db"], "--format", "jsonl", "--out", tmp_path]
    assert invoke(*args).exit_code == 0
    one_line_error(invoke(*args), "already holds files")
    assert invoke(*args, "--force").exit_code == 0
    assert len((tmp_path / "jsonl" / "data.jsonl").read_text().splitlines()) == 2


def test_serve_prints_the_runner_commands_for_an_export(built, tmp_path):
    from benchagent.serve import runner_commands

    assert invoke("export", built["chart"], "--db", built["db"], "--format", "inspect,lm-eval", "--out",
                  tmp_path).exit_code == 0
    inspect, lm_eval, ours = runner_commands("http://127.0.0.1:8080/v1", "qwen", tmp_path)
    base = "benchagent_" + built["chart"].removeprefix("run_")
    assert inspect == (f"cd {tmp_path / 'inspect'} && LOCAL_BASE_URL=http://127.0.0.1:8080/v1 LOCAL_API_KEY=none "
                       # the served model is text-only
                       "inspect eval task.py --model openai-api/local/qwen -T images=false")
    assert lm_eval.endswith(f"--include_path {tmp_path / 'lm-eval'} --tasks {base}_text")
    assert "--model openai/qwen --api-base http://127.0.0.1:8080/v1" in ours
