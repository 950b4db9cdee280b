"""The run report opens in headless Chromium with every figure and item image loaded."""

import json
import sqlite3
from pathlib import Path

import pytest
from openai_stub import ScriptedServer, message_text
from scripted_lm import chart_answers, scripted_lm
from test_browser import CHROMIUM, CHROMIUM_ARGS
from test_build import REQUIREMENT
from typer.testing import CliRunner

from benchagent.cli import app
from benchagent.program.build import Build, BuildRequest
from benchagent.store import open_store
from benchagent.store.datasette_metadata import build_metadata

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing; run .ci/install-browser.sh"),
]


def test_report_shows_every_figure_and_item_image(tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    db = tmp_path / "b.db"
    store = open_store(db)
    run_id = Build(store, scripted_lm(chart_answers()), BuildRequest(REQUIREMENT, 3, "scripted", seed=0)).run()
    gold = {r["question"]: json.loads(r["output"])["answer_letter"] for r in store.query("SELECT * FROM samples")}
    store.close()
    monkeypatch.setenv("OPENAI_API_KEY", "none")
    with ScriptedServer(lambda messages: next(g for q, g in gold.items() if q in message_text(messages))) as server:
        evaluated = CliRunner().invoke(app, ["eval", run_id, "--db", str(db), "--model", "openai/a", "--model",
                                             "openai/b", "--api-base", server.base_url, "--chart",
                                             str(tmp_path / "e.png")])
    assert evaluated.exit_code == 0, evaluated.output
    result = CliRunner().invoke(app, ["report", run_id, "--db", str(db), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto((tmp_path / "report" / "index.html").as_uri(), wait_until="load")
            images = page.evaluate("Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, "
                                   "i.naturalWidth])")
            text = page.inner_text("body")
        finally:
            browser.close()
    sources = [src for src, _, _ in images]
    assert all(complete and width > 0 for _, complete, width in images), images
    assert [s for s in sources if s.startswith("figures/")] == [
        "figures/quota.png", "figures/rejections.png", "figures/stages.png", "figures/reviews.png", "figures/eval.png"]
    assert len([s for s in sources if s.startswith("items/")]) == 3
    assert REQUIREMENT in text and "100% [100%, 100%]" in text and "✓" in text
    queries = build_metadata("b")["databases"]["b"]["queries"]
    rows = sqlite3.connect(db).execute(queries["eval_accuracy"]["sql"]).fetchall()
    assert {(r[3].split("@")[0], r[4], r[7]) for r in rows} == {
        ("openai/a", "all", 1.0), ("openai/a", "read_value", 1.0),
        ("openai/b", "all", 1.0), ("openai/b", "read_value", 1.0)}
