"""`benchagent review` driven through its input, and `benchagent review import` with good and bad files."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from test_reviews import add_samples, reviews

from benchagent.cli import app


@pytest.fixture
def db(sample_db, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("BENCHAGENT_CACHE", str(tmp_path / "cache"))
    path, ids = sample_db
    add_samples(path, ids, ["Is 2 even?", "Is 3 even?", "Is 4 even?"])
    return path


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, ["review", *(str(a) for a in args)], input=input)


def test_loop_accepts_rejects_quits_and_continues(db, sample_db):
    _, ids = sample_db
    first = run("--db", db, "--reviewer", "ann", input="a\nx\nr\n\n6\nq\n")
    assert first.exit_code == 0, first.output
    out = first.output
    assert "1/4  smp_1  Bar chart reading  (pipeline: ok)" in out and "2/4  smp_2" in out and "3/4  smp_3" in out
    assert "smp_4" not in out
    assert "Which bar is the tallest?" in out and "  A. red" in out and "  B. green   <- gold" in out
    assert 'source record: {"values":[60,120,90]}' in out
    image = Path(out.split("image: ")[1].split()[0])
    assert image.suffix == ".png" and image.read_bytes() == ids["png"]
    assert "press a, r, s or q" in out and "6. choice_uniqueness" in out and "type 1-13" in out
    assert "ann: 1 accepted, 1 rejected, 0 skipped; 2 left to review (run the same command to continue)" in out
    assert reviews(db) == [("smp_1", "ann", "accept", None), ("smp_2", "ann", "reject", "choice_uniqueness")]

    second = run("--db", db, "--reviewer", "ann", "--run", "run_1", input="s\nreject\nthe question gives it away\n")
    assert second.exit_code == 0, second.output
    assert "1/2  smp_3" in second.output and "2/2  smp_4" in second.output and "smp_1" not in second.output
    assert "ann: 0 accepted, 1 rejected, 1 skipped; 1 left to review" in second.output
    assert reviews(db)[2:] == [("smp_4", "ann", "reject", "the question gives it away")]

    third = run("--db", db, "--reviewer", "ann", input="a\n")
    assert "1/1  smp_3" in third.output and "ann: 1 accepted, 0 rejected, 0 skipped; 0 left to review" in third.output
    assert "1/4  smp_1" in run("--db", db, "--reviewer", "bob", input="q\n").output


@pytest.mark.parametrize("args, message", [
    (["--db", "{tmp}/missing.db"], "error: database {tmp}/missing.db does not exist\n"),
    (["--db", "{db}", "--run", "run_9"], "error: no run 'run_9' in {db}\n"),
    ([], "error: --db is required: benchagent review --db PATH\n"),
])
def test_loop_errors_are_one_line(db, tmp_path, args, message):
    result = run(*[a.format(tmp=tmp_path, db=db) for a in args], input="a\n")
    assert result.exit_code == 1
    assert result.stderr == message.format(tmp=tmp_path, db=db)
    assert not (tmp_path / "missing.db").exists() and reviews(db) == []


def test_import_csv_and_jsonl(db, tmp_path):
    csv_file = tmp_path / "reviews.csv"
    csv_file.write_text('sample_id,decision,reason\nsmp_1,accept,\nsmp_2,reject,"Choice uniqueness"\n'
                        'smp_3,Reject,"wrong, the answer is no"\n', encoding="utf-8")
    result = run("import", csv_file, "--db", db, "--reviewer", "ann")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"3 review(s) written to {db}\n"
    jsonl = tmp_path / "reviews.jsonl"
    jsonl.write_text(json.dumps({"sample_id": "smp_4", "decision": "accept"}) + "\n\n"
                     + json.dumps({"sample_id": "smp_1", "decision": "reject", "reason": "leakage",
                                   "reviewer": "carol"}) + "\n", encoding="utf-8")
    result = run("import", jsonl, "--db", db, "--reviewer", "bob")
    assert result.exit_code == 0 and result.stdout == f"2 review(s) written to {db}\n"
    assert reviews(db) == [
        ("smp_1", "ann", "accept", None), ("smp_2", "ann", "reject", "choice_uniqueness"),
        ("smp_3", "ann", "reject", "wrong, the answer is no"), ("smp_4", "bob", "accept", None),
        ("smp_1", "carol", "reject", "leakage"),
    ]


@pytest.mark.parametrize("name, text, problems", [
    ("bad.csv", "sample_id,decision,reason\nsmp_1,accept,\nnope,accept,\nsmp_2,maybe,\nsmp_3,,\n"
                "smp_4,reject,\nsmp_1,accept,,extra\n",
     ["line 3: unknown sample 'nope'", "line 4: decision must be accept or reject, got 'maybe'",
      "line 5: missing decision", "line 6: a rejection needs a reason: an inspector category or free text",
      "line 7: more fields than the header"]),
    ("bad.csv", "id,verdict\nsmp_1,accept\n",
     ["line 1: the header must be sample_id,decision,reason (no decision, sample_id column)"]),
    ("bad.jsonl", '{"sample_id": "smp_1", "decision": "accept"}\n{"sample_id": "smp_2",\n["smp_3"]\n'
                  '{"sample_id": "smp_3"}\n{"sample_id": "gone", "decision": "accept"}\n'
                  '{"sample_id": "smp_1", "decision": "reject", "reason": "ambiguity"}\n',
     ["line 2: bad JSON (Expecting property name enclosed in double quotes at column 23)",
      "line 3: expected a JSON object", "line 4: missing decision", "line 5: unknown sample 'gone'",
      "line 6: sample 'smp_1' is reviewed twice by 'ann'"]),
])
def test_import_reports_every_bad_line_and_writes_nothing(db, tmp_path, name, text, problems):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run("import", path, "--db", db, "--reviewer", "ann")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {path}: {len(problems)} bad row(s), nothing written",
                                          *[f"  {p}" for p in problems]]
    assert reviews(db) == []


@pytest.mark.parametrize("name, text, message", [
    ("missing.csv", None, "review file {path} does not exist"),
    ("reviews.txt", "smp_1,accept\n", "{path}: review files must be .csv or .jsonl"),
    ("empty.jsonl", "\n", "{path} holds no reviews"),
    ("latin1.csv", "sample_id,decision,reason\nsmp_2,reject,caf\xe9\n", "{path} is not UTF-8 text"),
])
def test_import_refuses_unusable_files(db, tmp_path, name, text, message):
    path = tmp_path / name
    if text is not None:
        path.write_bytes(text.encode("latin-1"))
    result = run("import", path, "--db", db)
    assert result.exit_code == 1 and result.stderr == f"error: {message.format(path=path)}\n"
    assert reviews(db) == []


def test_image_protocol_follows_the_terminal():
    from benchagent.terminal_images import image_protocol
    assert image_protocol({"TERM": "xterm-kitty"}) == image_protocol({"KITTY_WINDOW_ID": "3"}) == "kitty"
    assert image_protocol({"TERM_PROGRAM": "iTerm.app"}) == image_protocol({"TERM_PROGRAM": "WezTerm"}) == "iterm"
    assert image_protocol({"TERM": "xterm-256color"}) is None and image_protocol({}) is None


def test_inline_sequences_carry_the_whole_png(sample_db):
    import base64
    import re
    from benchagent.terminal_images import KITTY_CHUNK, inline_png
    png = sample_db[1]["png"] * 8  # several kitty chunks
    iterm = inline_png(png, "iterm")
    assert iterm.startswith(f"\033]1337;File=inline=1;size={len(png)};") and iterm.endswith("\a\n")
    assert base64.b64decode(iterm.split(":", 1)[1][:-2]) == png
    kitty = inline_png(png, "kitty")
    chunks = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", kitty)
    assert len(chunks) > 1 and all(len(data) <= KITTY_CHUNK for _, data in chunks)
    assert chunks[0][0].startswith("a=T,f=100,") and chunks[0][0].endswith("m=1") and chunks[-1][0] == "m=0"
    assert base64.b64decode("".join(data for _, data in chunks)) == png
    with pytest.raises(ValueError):
        inline_png(png, "sixel")


def test_the_loop_draws_the_image_inline_only_on_a_capable_terminal(db, sample_db, monkeypatch):
    import io
    from rich.console import Console
    from benchagent.review import review_loop
    monkeypatch.setenv("TERM", "xterm-kitty")
    for terminal in (True, False):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=120)
        monkeypatch.setattr(console, "input", lambda prompt: "s")
        review_loop(db, reviewer="ann", console=console)
        assert ("\033_Ga=T,f=100" in out.getvalue()) is terminal
