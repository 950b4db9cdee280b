"""A real headless Chromium shows the sample's chart on its Datasette row page."""

import io
from pathlib import Path

import pytest
from PIL import Image

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing; run .ci/install-browser.sh"),
]


def test_row_page_shows_the_chart(served_db):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            page.goto(f"{served_db.url}/{served_db.db}/samples/{served_db.ids['sample']}", wait_until="load")
            image = page.locator(".benchagent-images img")
            image.wait_for(state="visible")
            complete, width, height = image.evaluate("i => [i.complete, i.naturalWidth, i.naturalHeight]")
            assert complete and (width, height) == (240, 160)
            shot = Image.open(io.BytesIO(image.screenshot())).convert("RGB")
        finally:
            browser.close()
    # The element may sit at a fractional offset, so the capture can be one pixel larger.
    assert shot.size[0] - 240 in (0, 1) and shot.size[1] - 160 in (0, 1)
    for color, (x0, y0, x1, y1) in served_db.ids["bars"]:
        pixel = shot.getpixel(((x0 + x1) // 2, (y0 + y1) // 2))
        assert all(abs(a - b) <= 8 for a, b in zip(pixel, color, strict=True)), (pixel, color)
    assert shot.getpixel((5, 5)) == (255, 255, 255)
