"""LM faults in every stage against a loopback OpenAI-compatible server: one line, a non-zero exit, an interrupted run
whose failed steps are recorded, and a resume against a healthy server that completes; credentials kept out of the
store and stderr; the cache keyed by endpoint with its hits recorded."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from fault_server import FaultServer, quick_faults
from scripted_lm import chart_answers
from typer.testing import CliRunner

from benchagent import settings
from benchagent.cli import app
from benchagent.lm.select import make_lm
from benchagent.store.redact import public_url, scrub, url_credential

REQ = "Build a benchmark that tests whether a model can read values off bar charts"
STAGE_FIELD = {"scope": "scope", "design": "subtasks", "grounding": "judgments", "allocation": "quotas",
               "realize": "question", "verify": "issues"}
OUTAGES = ("refused", "reset", "timeout", "429", "500", "html")
UNREADABLE = ("truncated", "garbage", "refusal")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    quick_faults(monkeypatch)


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def build(db, base_url, *more):
    return cli("build", REQ, "--size", 2, "--db", db, "--model", "openai/scripted", "--api-base", base_url,
               "--timeout", 0.3, *more)


def error_lines(result) -> list[str]:
    assert "Traceback" not in result.stderr + result.stdout and result.exception is None or \
        isinstance(result.exception, SystemExit), result.exception
    return [line for line in result.stderr.splitlines() if line.startswith("error:") or "Warning" in line]


def assert_one_line(result, *fragments):
    assert result.exit_code != 0
    lines = error_lines(result)
    assert len(lines) == 1 and result.stderr.rstrip().endswith(lines[0]), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def rows(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def resume_completes(db, run_id, answers=None):
    with FaultServer(answers or chart_answers()) as healthy:
        result = cli("resume", run_id, "--db", db, "--api-base", healthy.base_url)
    assert result.exit_code == 0, result.stderr
    run = rows(db, "SELECT status FROM runs WHERE id = ?", (run_id,))[0]
    assert run["status"] == "done"
    assert rows(db, "SELECT count(*) AS n FROM samples WHERE status IN ('ok', 'fixed')")[0]["n"] == 2


# A truncated reply to the realizer is repaired by DSPy's JSON parsing and the item goes on to verification.
CASES = ([(fault, "design") for fault in OUTAGES + UNREADABLE]
         + [(fault, "realize") for fault in OUTAGES + ("garbage", "refusal")]
         + [("500", "scope"), ("reset", "grounding"), ("429", "allocation"), ("garbage", "grounding"),
            ("truncated", "allocation"), ("500", "verify"), ("garbage", "verify")])


def two_subtasks() -> dict:
    """Answers whose design keeps two subtasks, so allocation asks the model (one subtask takes the whole size)."""
    answers = chart_answers()
    read = answers["subtasks"]["subtasks"][0]
    answers["subtasks"]["subtasks"].append(dict(read, key="compare_bars", name="Compare two bars",
                                                description="ask which of two bars is taller"))
    return answers


@pytest.mark.parametrize("fault, stage", CASES)
def test_a_persistent_fault_interrupts_the_build_in_one_line_and_resume_completes(tmp_path, fault, stage):
    db = tmp_path / "f.db"
    field = STAGE_FIELD[stage]
    answers = two_subtasks() if stage == "allocation" else chart_answers()
    with FaultServer(answers, fault, lambda prompt: f"fields: `{field}`" in prompt, delay=1.0) as server:
        started = time.monotonic()
        result = build(db, server.base_url)
        assert time.monotonic() - started < 15
    run = rows(db, "SELECT id, status, error FROM runs")[0]
    line = assert_one_line(result, f"benchagent resume {run['id']}")
    assert run["status"] == "interrupted" and run["error"] in line
    assert server.faults >= 1
    failed = rows(db, "SELECT stage, error FROM steps WHERE status = 'failed'")
    assert failed and all(s["error"] for s in failed)
    if fault in OUTAGES:
        calls = rows(db, "SELECT error FROM lm_calls WHERE status = 'failed'")
        assert calls and all(c["error"] for c in calls)
        if fault != "html":  # transient, so retried: each attempt is a call of its own
            assert len(calls) >= settings.LM_RETRIES + 1
    if stage in ("realize", "verify"):
        slots = rows(db, "SELECT status, category FROM slots")
        if fault in OUTAGES:  # an outage spends no attempt: the slot stays pending for resume
            assert {s["status"] for s in slots} == {"pending"}
        else:
            assert {s["category"] for s in slots if s["status"] == "failed"} == {"malformed model output"}
    resume_completes(db, run["id"], answers)


def test_a_transient_fault_is_retried_and_the_build_succeeds(tmp_path):
    db = tmp_path / "t.db"
    hits = iter(range(100))
    with FaultServer(chart_answers(), "429", lambda prompt: "fields: `subtasks`" in prompt and next(hits) < 2,
                     retry_after=0.05) as server:
        result = build(db, server.base_url)
    assert result.exit_code == 0, result.stderr
    assert rows(db, "SELECT status FROM runs")[0]["status"] == "done"
    failed = rows(db, "SELECT stage, error FROM lm_calls WHERE status = 'failed'")
    assert [c["stage"] for c in failed] == ["design", "design"] and "RateLimit" in failed[0]["error"]


def test_retry_after_is_capped(tmp_path):
    with FaultServer(chart_answers(), "429", retry_after=3600) as server:
        lm = make_lm("openai/scripted", server.base_url)
        started = time.monotonic()
        with pytest.raises(Exception, match="rate limited"):
            lm(messages=[{"role": "user", "content": "hi"}])
    assert time.monotonic() - started < 2 and server.faults == settings.LM_RETRIES + 1


def test_outage_during_realization_spends_no_attempt(tmp_path):
    """Every second realization request fails with HTTP 500 after all retries: the build still delivers, each
    attempt that failed on the server is redone rather than counted."""
    db = tmp_path / "o.db"
    seen = []

    def flaky(prompt):
        if "fields: `question`" not in prompt:
            return False
        seen.append(1)
        return len(seen) <= settings.LM_RETRIES + 1  # the first call fails with all its retries

    with FaultServer(chart_answers(), "500", flaky) as server:
        result = build(db, server.base_url)
    assert result.exit_code == 0, result.stderr
    slots = rows(db, "SELECT status FROM slots")
    assert [s["status"] for s in slots].count("accepted") == 2 and len(slots) == 2


CREDENTIAL_URL = "http://bob:pa55word@{host}:{port}/v1?api_key=K3YK3Y"


def all_text(db) -> str:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(str(row) for table in tables for row in conn.execute(f"SELECT * FROM {table}"))
    finally:
        conn.close()


def test_credentials_in_the_url_are_sent_as_the_key_and_never_stored_or_printed(tmp_path, monkeypatch):
    db = tmp_path / "c.db"
    with FaultServer(chart_answers(), "500", lambda prompt: "fields: `subtasks`" in prompt) as server:
        port = server.base_url.split(":")[2].split("/")[0]
        result = build(db, CREDENTIAL_URL.format(host="127.0.0.1", port=port))
    assert_one_line(result, "resume")
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["headers"]["Authorization"] == "Bearer K3YK3Y"
    stored = all_text(db)
    for secret in ("pa55word", "K3YK3Y", "bob:"):
        assert secret not in stored and secret not in result.stderr + result.stdout
    run = rows(db, "SELECT id, model, settings FROM runs")[0]
    assert f"127.0.0.1:{port}/v1" in run["model"] and '"url_credential": true' in run["settings"]

    refused = cli("resume", run["id"], "--db", db)
    assert_one_line(refused, "give --api-base with the key again, or set OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    with FaultServer(chart_answers()) as healthy:
        rows_before = rows(db, "SELECT count(*) AS n FROM lm_calls")[0]["n"]
        resumed = cli("resume", run["id"], "--db", db, "--api-base", healthy.base_url)
    assert resumed.exit_code == 0, resumed.stderr
    assert healthy.requests[0]["headers"]["Authorization"] == "Bearer from-env"
    assert rows(db, "SELECT count(*) AS n FROM lm_calls")[0]["n"] > rows_before


def test_a_local_server_needs_no_key_and_ipv6_urls_keep_their_brackets(tmp_path):
    db = tmp_path / "v6.db"
    try:
        server = FaultServer(chart_answers(), host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with server:
        result = build(db, server.base_url.replace("://[", "://user:pw@["))
    assert result.exit_code == 0, result.stderr
    assert server.requests[0]["headers"]["Authorization"] == "Bearer pw"
    run = rows(db, "SELECT model, settings FROM runs")[0]
    assert re.search(r"@http://\[::1\]:\d+/v1$", run["model"]) and "pw" not in all_text(db)


def test_the_url_helper_strips_userinfo_and_secret_keys():
    url = "https://me:s3cret@[fe80::1]:8443/v1?api_key=K&mode=x&access_token=T#frag"
    assert public_url(url) == "https://[fe80::1]:8443/v1?mode=x"
    assert url_credential(url) == "K" and url_credential("http://tok@h/v1") == "tok"
    assert url_credential("http://h:1/v1") is None
    text = "cannot reach http://me:s3cret@host:1/v1?key=ABC&x=1 (s3cret)"
    assert scrub(text).count("s3cret") == 1  # the bare value is masked only once remembered
    make_lm("openai/x", "http://me:s3cret@host:1/v1")
    assert "s3cret" not in scrub(text) and "ABC" not in scrub(text)


@pytest.mark.parametrize("url, fragment", [
    ("http://host:1/v1?mode=x", "no query parameters"), ("ftp://host/v1", "http:// or https://"),
    ("http://host:99999/v1", "invalid port"),
])
def test_unusable_api_base_is_one_line(tmp_path, url, fragment):
    assert_one_line(build(tmp_path / "u.db", url), fragment)


def test_timeout_must_be_positive(tmp_path):
    result = cli("build", REQ, "--db", tmp_path / "t.db", "--model", "openai/x", "--timeout", 0)
    assert_one_line(result, "--timeout must be a positive number")


def test_the_cache_key_holds_the_endpoint_and_hits_are_recorded_with_tokens(tmp_path):
    db = tmp_path / "k.db"
    with FaultServer(chart_answers()) as server:
        assert build(db, server.base_url).exit_code == 0
        first = len(server.requests)
        again = build(db, server.base_url)
        assert again.exit_code == 0 and len(server.requests) == first  # the same endpoint: all from the cache
    runs = [r["id"] for r in rows(db, "SELECT id FROM runs ORDER BY started_at")]
    hits = rows(db, "SELECT cache_hit, prompt_tokens, completion_tokens FROM lm_calls WHERE run_id = ?", (runs[1],))
    assert hits and all(h["cache_hit"] == 1 and h["prompt_tokens"] and h["completion_tokens"] for h in hits)
    assert all(h["cache_hit"] == 0 for h in rows(db, "SELECT cache_hit FROM lm_calls WHERE run_id = ?", (runs[0],)))

    with FaultServer(chart_answers(), "refused") as dead:  # another endpoint: nothing comes from the cache
        result = build(db, dead.base_url)
    assert_one_line(result, "resume")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_during_realization_stops_at_once_in_one_line(tmp_path, stop):
    db = tmp_path / "i.db"
    with FaultServer(chart_answers(), "timeout", lambda prompt: "fields: `question`" in prompt, delay=30) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchagent", "build", REQ, "--size", "3", "--db", str(db), "--concurrency", "3",
             "--model", "openai/scripted", "--api-base", server.base_url, "--timeout", "30"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "DSPY_CACHEDIR": str(tmp_path / "cache")})
        deadline = time.monotonic() + 30
        while server.faults < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.faults == 3
        process.send_signal(stop)
        started = time.monotonic()
        _, stderr = process.communicate(timeout=10)
    assert time.monotonic() - started < 3
    assert process.returncode == 130
    lines = [line for line in stderr.splitlines() if line.startswith("error:") or "database" in line
             or "Warning" in line or "Traceback" in line]
    assert lines == [lines[-1]] and "interrupted" in lines[0] and "resume" in lines[0], stderr
    run = rows(db, "SELECT status FROM runs")[0]
    assert run["status"] == "interrupted"
    in_flight = rows(db, "SELECT status, error FROM lm_calls WHERE stage = 'realize'")
    assert len(in_flight) == 3 and all(c["status"] == "failed" and "interrupted" in c["error"] for c in in_flight)
    assert rows(db, "SELECT count(*) AS n FROM steps WHERE status = 'running'")[0]["n"] == 0
    assert {s["status"] for s in rows(db, "SELECT status FROM slots")} == {"pending"}


def test_an_interrupted_plan_resumes_to_a_plan_and_builds_nothing(tmp_path):
    db = tmp_path / "p.db"
    with FaultServer(chart_answers(), "500", lambda prompt: "fields: `subtasks`" in prompt) as server:
        result = cli("plan", REQ, "--size", 2, "--db", db, "--model", "openai/scripted", "--api-base", server.base_url,
                     "--timeout", 0.3)
    run_id = rows(db, "SELECT id FROM runs")[0]["id"]
    assert_one_line(result, f"benchagent resume {run_id}")
    with FaultServer(chart_answers()) as healthy:
        resumed = cli("resume", run_id, "--db", db, "--api-base", healthy.base_url)
        assert resumed.exit_code == 0, resumed.stderr
        assert rows(db, "SELECT status FROM runs")[0]["status"] == "planned"
        assert rows(db, "SELECT count(*) AS n FROM specs")[0]["n"] == 1
        assert rows(db, "SELECT count(*) AS n FROM samples")[0]["n"] == 0
        built = cli("resume", run_id, "--db", db, "--api-base", healthy.base_url)  # a finished plan is built
    assert built.exit_code == 0, built.stderr
    assert rows(db, "SELECT status FROM runs")[0]["status"] == "done"
    assert rows(db, "SELECT count(*) AS n FROM samples WHERE status IN ('ok', 'fixed')")[0]["n"] == 2


def test_a_build_that_delivers_nothing_says_so_and_exits_non_zero(tmp_path):
    db = tmp_path / "none.db"
    with FaultServer(chart_answers(fits={"fits": False})) as server:
        result = build(db, server.base_url)
    line = assert_one_line(result, "no item was delivered", "benchagent status")
    run = rows(db, "SELECT id, status FROM runs")[0]
    assert run["id"] in line and run["status"] == "done"
    assert "shortfall" in result.stdout and rows(db, "SELECT count(*) AS n FROM samples WHERE status = 'ok'")[0][
        "n"] == 0
