"""Another process holding the database's write lock: review import, sources and the review page each give up after
the busy timeout (lowered here) with one clear line instead of a traceback or an HTTP 500."""

import re
import sqlite3
import time

import httpx
import pytest
from conftest import find_free_port
from test_reviews import reviews
from typer.testing import CliRunner

from benchagent.cli import app
from benchagent.store.browse import serve, wait_until_ready
from benchagent.store.db import BUSY_TIMEOUT_ENV


@pytest.fixture
def locked(sample_db, monkeypatch):
    """The sample store with another connection holding its write lock; the busy timeout is 0.2 s."""
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "0.2")
    path, ids = sample_db
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield path, ids
    holder.execute("ROLLBACK")
    holder.close()


@pytest.mark.parametrize("command", [
    lambda path, d: ["review", "import", str(d / "r.csv"), "--db", str(path)],
    lambda path, d: ["sources", "--db", str(path)],
], ids=["review import", "sources"])
def test_a_locked_store_is_one_line_after_the_busy_timeout(locked, tmp_path, command):
    path, ids = locked
    (tmp_path / "r.csv").write_text(f"sample_id,decision,reason\n{ids['sample']},accept,\n", encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(app, command(path, tmp_path))
    assert time.monotonic() - started < 10
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr == (f"error: {path} is busy: another process held its lock for over 0.2 s; try again when "
                             f"it is done (or raise {BUSY_TIMEOUT_ENV})\n")


def test_the_review_page_says_a_locked_store_did_not_take_the_review(locked):
    path, ids = locked
    port = find_free_port()
    process = serve(path, port=port, review=True, reviewer="ann")  # inherits the lowered busy timeout
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/-/versions.json", 60, process=process)
        with httpx.Client(trust_env=False, follow_redirects=True, timeout=30) as browser_like:
            page = browser_like.get(f"{url}/bench/samples/{ids['sample']}").text
            token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
            answer = browser_like.post(f"{url}/-/benchagent/bench/review/{ids['sample']}",
                                       data={"decision": "accept", "csrftoken": token})
    finally:
        process.terminate()
        process.wait(10)
    assert answer.status_code == 200 and answer.url.path == f"/bench/samples/{ids['sample']}"
    assert "Review not saved: " in answer.text and "is busy: another process held its lock" in answer.text
    assert reviews(path) == []
