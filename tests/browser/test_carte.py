"""Carte in headless Chromium against a real streamlit server (demo data).

The map must draw: the régions as SVG paths, the point layers as cluster bubbles and dots
(DOM markers), the Territoires d'industrie as dashed outlines. Choosing a région redraws
the map with its départements and every point individually; a popup shows escaped text.
"""

from __future__ import annotations

import time

import pytest
from browser_support import ARTIFACTS, Watched

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAW_TIMEOUT_S = 30
BASE_PATHS = 'path.leaflet-interactive[fill="#f4f1ea"]'
TI_PATHS = 'path.leaflet-interactive[stroke-dasharray="6 4"]'
# A link opened straight on a page of a multipage app: Streamlit's front end first probes
# its server under the page's path (two 404s logged in the console), then at the root.
PROBE_ERROR = "Failed to load resource: the server responded with a status of 404"


def wait_until(read, accept, what: str) -> object:
    """Poll ``read()`` until ``accept(value)``; the value (fails with the last one seen)."""
    start, value = time.monotonic(), None
    while time.monotonic() - start < DRAW_TIMEOUT_S:
        value = read()
        if accept(value):
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} : {value!r} après {DRAW_TIMEOUT_S} s")


def counts(frame) -> dict[str, int]:
    return {
        "base": frame.locator(BASE_PATHS).count(),
        "ti": frame.locator(TI_PATHS).count(),
        "clusters": frame.locator(".influ-cluster").count(),
        "points": frame.locator(".influ-point").count(),
    }


def click_uncovered(markers) -> None:
    """Click the first of ``markers`` that no other marker covers."""
    for i in range(markers.count()):
        try:
            markers.nth(i).click(timeout=1000)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail(f"aucun des {markers.count()} points n'est cliquable")


def open_carte(seen: Watched, app_url: str, query: str = "") -> list[str]:
    """Open the page from a link; the URLs that failed (only Streamlit's probes may)."""
    failed: list[str] = []
    seen.page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    seen.page.goto(f"{app_url}/Carte{query}")
    return failed


def assert_offline_and_clean(seen: Watched, failed: list[str]) -> None:
    assert seen.external == [], "requêtes hors de 127.0.0.1"
    assert all("/Carte/_stcore/" in url for url in failed), failed
    errors = [e for e in seen.errors if not e.startswith(PROBE_ERROR)]
    assert errors == [], "erreurs dans la console"


def test_national_map_then_a_region_with_each_point(app_url: str, watched: Watched) -> None:
    page = watched.page
    start = time.monotonic()
    failed = open_carte(watched, app_url)
    frame = page.frame_locator(MAP_IFRAME).first
    drawn = wait_until(lambda: counts(frame),
                       lambda c: c["base"] == 18 and c["clusters"] > 0 and c["ti"] == 12,
                       "carte nationale : 18 régions, des bulles, 12 Territoires d'industrie")
    opened = time.monotonic() - start
    assert drawn["clusters"] + drawn["points"] > 50, drawn
    assert page.get_by_text("Mobilisations :", exact=False).first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "carte_nationale.png"))

    page.locator('[data-testid="stSelectbox"]').filter(has_text="Territoire").click()
    page.get_by_role("option", name="Bretagne").click()
    start = time.monotonic()
    wait_until(lambda: counts(frame), lambda c: c["base"] == 4 and c["points"] > 0,
               "Bretagne : 4 départements et des points")
    switched = time.monotonic() - start
    assert "carte_region=53" in page.url
    click_uncovered(frame.locator(".influ-point.influ-evenements_a_venir"))
    text = frame.locator(".leaflet-popup-content").inner_text(timeout=5000)
    assert "relais du collectif" in text.lower() and "<" not in text
    page.wait_for_timeout(400)  # the popup's fade-in
    page.screenshot(path=str(ARTIFACTS / "carte_bretagne.png"))
    # The first page of the server may write the demo into its empty store: only the
    # switch is held to the interactive budget.
    print(f"carte nationale dessinée en {opened:.1f} s, Bretagne en {switched:.1f} s")
    assert switched < 5, f"Bretagne dessinée en {switched:.1f} s"
    assert_offline_and_clean(watched, failed)


def test_clicking_a_region_opens_the_region_view(app_url: str, watched: Watched) -> None:
    page = watched.page
    failed = open_carte(watched, app_url, "?couches=aucune")
    frame = page.frame_locator(MAP_IFRAME).first
    wait_until(lambda: counts(frame), lambda c: c["base"] == 18 and c["points"] == 0,
               "contours seuls")
    # The largest path of the map is a big région of the metropole: click its middle.
    paths = frame.locator(BASE_PATHS)
    boxes = [paths.nth(i).bounding_box() for i in range(paths.count())]
    box = max((b for b in boxes if b), key=lambda b: b["width"] * b["height"])
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/Region_par_region**", timeout=DRAW_TIMEOUT_S * 1000)
    assert "region=" in page.url
    assert_offline_and_clean(watched, failed)
