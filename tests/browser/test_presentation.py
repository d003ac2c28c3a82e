"""« Présentation » in headless Chromium against a real streamlit server (demo data).

The exports are downloaded as a user would: the PNG files are read back with PIL (exact
pixel sizes), the HTML file is opened from disk with every network request refused and
must draw every territory. The presentation mode (``?presentation=1``) must hide the
sidebar and the menus.
"""

from __future__ import annotations

import time

import pytest
from browser_support import ARTIFACTS, Watched
from PIL import Image

from influ_geo import levels

pytestmark = pytest.mark.browser

TIMEOUT_S = 30
PROBES = ("/Presentation/_stcore/health", "/Presentation/_stcore/host-config")
PREVIEW = '[data-testid="stImage"] img'


def title_box(page):
    return page.locator('[data-testid="stTextInput"]').filter(has_text="Titre").locator("input")


def download(page, label: str):
    """Click the download button ``label``; the Playwright download."""
    with page.expect_download(timeout=TIMEOUT_S * 1000) as info:
        page.get_by_role("button", name=label).click()
    return info.value


def test_png_and_offline_html_downloads(app_url: str, watched: Watched, tmp_path) -> None:
    page = watched.page
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{app_url}/Presentation")
    page.locator(PREVIEW).wait_for(timeout=TIMEOUT_S * 1000)
    before = page.locator(PREVIEW).get_attribute("src")
    title = title_box(page)
    title.fill("Nos actions <script>alert(1)</script>")
    title.press("Enter")
    start = time.monotonic()  # the preview is drawn again with the new title
    while page.locator(PREVIEW).get_attribute("src") == before:
        assert time.monotonic() - start < TIMEOUT_S, "aperçu inchangé"
        time.sleep(0.2)
    page.locator('[data-test-script-state="notRunning"]').wait_for(timeout=TIMEOUT_S * 1000)

    start = time.monotonic()
    png = download(page, "PNG 1920×1080")
    png_s = time.monotonic() - start
    assert png.suggested_filename == "nos-actions-script-alert-1-script.png"
    image = Image.open(png.path())
    assert image.size == (1920, 1080)
    assert image.info["Title"] == "Nos actions <script>alert(1)</script>"
    assert Image.open(download(page, "PNG 1080×1080").path()).size == (1080, 1080)
    page.screenshot(path=str(ARTIFACTS / "presentation.png"))

    html = download(page, "HTML interactif")
    assert html.suggested_filename.endswith(".html")
    saved = tmp_path / html.suggested_filename
    html.save_as(saved)
    viewer = page.context.new_page()
    dialogs: list[str] = []
    viewer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    viewer.set_viewport_size({"width": 1600, "height": 900})
    viewer.goto(saved.as_uri())
    start = time.monotonic()
    while time.monotonic() - start < TIMEOUT_S:
        drawn = viewer.locator("path.leaflet-interactive").count()
        if drawn == 13 + len(levels.DROM):
            break
        time.sleep(0.2)
    assert drawn == 13 + len(levels.DROM)
    assert viewer.locator("h1").inner_text() == "Nos actions <script>alert(1)</script>"
    assert dialogs == []
    viewer.screenshot(path=str(ARTIFACTS / "presentation_export_html.png"))
    print(f"PNG 1920×1080 téléchargé en {png_s:.2f} s")
    assert png_s < 3, f"PNG en {png_s:.1f} s"
    assert watched.external == [], "requêtes hors de 127.0.0.1 (HTML compris)"
    assert all(url.endswith(PROBES) for url in failed), failed
    assert len(watched.errors) == len(failed), watched.errors


def test_presentation_mode_hides_sidebar_and_menus(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{app_url}/Presentation?presentation=1&presentation_carte=ou_agir"
              "&ou_agir_niveau=departement")
    page.locator(PREVIEW).wait_for(timeout=TIMEOUT_S * 1000)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stToolbar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert title_box(page).input_value() == "Où agir : score de priorité par département"
    assert page.get_by_text("Données de démonstration").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "presentation_mode.png"))
    assert watched.external == []
