"""Reviewing in Datasette: buttons clicked in real headless Chromium write reviews; CSRF and read-only mode hold."""

import re
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from conftest import build_sample_db, find_free_port
from test_browser import CHROMIUM, CHROMIUM_ARGS
from test_reviews import reviews

from benchagent.store.browse import serve, wait_until_ready


@pytest.fixture(scope="module")
def reviewing(tmp_path_factory):
    """The sample store served with review=True, as reviewer ann."""
    path, ids = build_sample_db(tmp_path_factory.mktemp("reviewing"))
    port = find_free_port()
    process = serve(path, port=port, review=True, reviewer="ann")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/-/versions.json", 60, process=process)
        yield SimpleNamespace(url=url, path=path, page=f"{url}/bench/samples/{ids['sample']}",
                              route=f"{url}/-/benchagent/bench/review/{ids['sample']}")
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing; run .ci/install-browser.sh")
def test_buttons_clicked_in_chromium_write_reviews(reviewing):
    from playwright.sync_api import sync_playwright

    before = len(reviews(reviewing.path))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(reviewing.page, wait_until="load")

            def submit(form: str, message: str, kind: str = "info") -> None:
                with page.expect_navigation(wait_until="load"):
                    page.click(f".benchagent-{form} button")
                assert page.url == reviewing.page
                assert page.locator(f".message-{kind}").inner_text().strip() == message

            submit("accept", "Accepted smp_1 as ann")
            page.select_option(".benchagent-reject select[name=reason]", "ambiguity")
            submit("reject", "Rejected smp_1 (ambiguity) as ann")
            page.fill(".benchagent-reject input[name=reason_text]", "the bars have no values")
            submit("reject", "Rejected smp_1 (the bars have no values) as ann")
            submit("reject", "Review not saved: a rejection needs a reason: an inspector category or free text",
                   "error")
            listed = page.locator(".benchagent-reviews li").all_inner_texts()
        finally:
            browser.close()
    assert reviews(reviewing.path)[before:] == [
        ("smp_1", "ann", "accept", None), ("smp_1", "ann", "reject", "ambiguity"),
        ("smp_1", "ann", "reject", "the bars have no values"),
    ]
    assert [item.split(",")[0] for item in listed[:3]] == [
        "reject by ann (the bars have no values)", "reject by ann (ambiguity)", "accept by ann"]


def test_a_post_without_the_csrf_token_is_refused(reviewing):
    before = reviews(reviewing.path)
    with httpx.Client(trust_env=False) as browser_like:
        page = browser_like.get(reviewing.page).text
        assert "ds_csrftoken" in browser_like.cookies and 'name="csrftoken"' in page
        with_cookie = browser_like.post(reviewing.route, data={"decision": "accept"})
        wrong_token = browser_like.post(reviewing.route, data={"decision": "accept", "csrftoken": "forged"})
    cookieless = httpx.post(reviewing.route, data={"decision": "accept"}, trust_env=False)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
    token_without_cookie = httpx.post(reviewing.route, data={"decision": "accept", "csrftoken": token}, trust_env=False)
    assert [r.status_code for r in (with_cookie, wrong_token, cookieless, token_without_cookie)] == [403] * 4
    assert "CSRF token" in cookieless.text
    assert reviews(reviewing.path) == before


def test_without_review_there_are_no_buttons_and_the_route_refuses(served_db):
    page = httpx.get(f"{served_db.url}/{served_db.db}/samples/{served_db.ids['sample']}", trust_env=False).text
    assert "benchagent-images" in page and "benchagent-review" not in page and "Accept" not in page
    route = f"{served_db.url}/-/benchagent/{served_db.db}/review/{served_db.ids['sample']}"
    refused = httpx.post(route, data={"decision": "accept"}, trust_env=False)
    assert refused.status_code == 403 and "Reviewing is off" in refused.text
    assert httpx.get(route, trust_env=False).status_code == 405
    assert reviews(served_db.path) == []
