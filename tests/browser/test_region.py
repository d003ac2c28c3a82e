"""Région par région in headless Chromium against a real streamlit server (demo data)."""

from __future__ import annotations

import time

import pytest
from browser_support import ARTIFACTS, Watched

from influ_geo import referentiel, region_map

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAW_TIMEOUT_S = 30
# A link opened straight on a page of a multipage app: Streamlit's front end first probes
# its server under the page's path (404), then at the root. Harmless, and the only 404s.
STREAMLIT_PROBES = ("/Region_par_region/_stcore/health", "/Region_par_region/_stcore/host-config")


def territories(page) -> int:
    """Territories drawn by the région map (its interactive paths; outlines are not)."""
    return page.frame_locator(MAP_IFRAME).first.locator("path.leaflet-interactive").count()


def wait_for_territories(page, expected: int) -> float:
    """Wait until the map draws ``expected`` territories; seconds waited."""
    start = time.monotonic()
    count = -1
    while time.monotonic() - start < DRAW_TIMEOUT_S:
        count = territories(page)
        if count == expected:
            return time.monotonic() - start
        time.sleep(0.2)
    pytest.fail(f"territoires dessinés : {count}, attendu {expected}")


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_bretagne_from_a_link_then_its_epci_then_corse(app_url: str, watched: Watched) -> None:
    page = watched.page
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.set_viewport_size({"width": 1440, "height": 3300})  # the whole page in one shot
    start = time.monotonic()
    page.goto(f"{app_url}/Region_par_region?region=53&departement=29")
    wait_for_territories(page, 4)
    drawn_after = time.monotonic() - start
    region_box = page.get_by_role("combobox", name="Région")
    assert region_box.input_value() == "Bretagne"
    assert metric_value(page, "Départements touchés").endswith("/ 4")
    assert page.get_by_text("Finistère (29), le département choisi").is_visible()
    assert page.locator('[data-testid="stVegaLiteChart"]').first.is_visible()
    tables = page.locator('[data-testid="stDataFrame"]')
    tables.nth(2).wait_for(timeout=DRAW_TIMEOUT_S * 1000)  # below the map: may come later
    assert tables.count() == 3
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator("path.leaflet-interactive").nth(1).hover()
    assert "Actions" in frame.locator(".leaflet-tooltip").inner_text(timeout=5000)
    page.screenshot(path=str(ARTIFACTS / "region_bretagne.png"))

    page.locator('[data-testid="stRadio"]').filter(has_text="Niveau").get_by_text(
        "Intercommunalités (EPCI)").click()
    switched = wait_for_territories(page, len(region_map.epci_codes(referentiel.communes(),
                                                                   "53")))
    assert "niveau_region=epci" in page.url
    page.screenshot(path=str(ARTIFACTS / "region_bretagne_epci.png"))

    region_box.click()
    page.get_by_role("option", name="Corse").click()
    wait_for_territories(page, len(region_map.epci_codes(referentiel.communes(), "94")))
    assert "region=94" in page.url and "departement=" not in page.url
    assert region_box.input_value() == "Corse"

    # The first page of the server may write the demo into its empty store: only the
    # switch is held to the interactive budget.
    print(f"carte dessinée {drawn_after:.1f} s après l'ouverture, EPCI en {switched:.1f} s")
    assert switched < 5, f"EPCI dessinés en {switched:.1f} s"
    assert watched.external == [], "requêtes hors de 127.0.0.1"
    assert all(url.endswith(STREAMLIT_PROBES) for url in failed), failed
    assert len(watched.errors) == len(failed), watched.errors
