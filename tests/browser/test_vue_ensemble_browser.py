"""Vue d'ensemble in headless Chromium against a real streamlit server (demo data)."""

from __future__ import annotations

import time

import pytest
from browser_support import ARTIFACTS, Watched, get

from influ_geo import config, levels, referentiel, ui

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAW_TIMEOUT_S = 30


def path_counts(page) -> list[int]:
    """``path.leaflet-interactive`` elements drawn in each st_folium iframe, in page order."""
    frames = page.frame_locator(MAP_IFRAME)
    return [
        frames.nth(i).locator("path.leaflet-interactive").count()
        for i in range(page.locator(MAP_IFRAME).count())
    ]


def wait_for_territories(page, expected: list[int]) -> float:
    """Wait until the maps draw ``expected`` paths (metropole, then each DROM); seconds waited."""
    start = time.monotonic()
    counts: list[int] = []
    while time.monotonic() - start < DRAW_TIMEOUT_S:
        counts = path_counts(page)
        if counts == expected:
            return time.monotonic() - start
        time.sleep(0.2)
    pytest.fail(f"territoires dessinés par carte : {counts}, attendu {expected}")


def radio_option(page, group: str, label: str):
    return page.locator('[data-testid="stRadio"]').filter(has_text=group).get_by_text(label)


def metric_value(page, label: str) -> str:
    """The value of the key figure ``label`` as displayed."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def wait_for_change(read, before: str) -> str:
    """Poll ``read()`` until it differs from ``before``; the new value."""
    start = time.monotonic()
    while time.monotonic() - start < DRAW_TIMEOUT_S:
        value = read()
        if value != before:
            return value
        time.sleep(0.2)
    pytest.fail(f"valeur inchangée après {DRAW_TIMEOUT_S} s : {before}")


def assert_offline_and_clean(seen: Watched) -> None:
    assert seen.external == [], "requêtes hors de 127.0.0.1"
    assert seen.errors == [], "erreurs dans la console"


def test_health_endpoint_and_vendored_leaflet(app_url: str) -> None:
    assert get(f"{app_url}/_stcore/health") == (200, b"ok")
    status, body = get(f"{app_url}/app/static/vendor/leaflet/leaflet.js")
    assert status == 200 and b"Leaflet" in body[:2000]


def test_regions_map_draws_18_territories(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(app_url)
    page.frame_locator(MAP_IFRAME).first.locator(".leaflet-container").wait_for(
        timeout=DRAW_TIMEOUT_S * 1000
    )
    wait_for_territories(page, [13] + [1] * len(levels.DROM))
    captions = [d.nom for d in levels.DROM]
    for nom in captions:
        assert page.get_by_text(nom, exact=True).first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "vue_ensemble_regions.png"))
    assert_offline_and_clean(watched)


def test_switch_to_departements_draws_101(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(app_url)
    wait_for_territories(page, [13] + [1] * len(levels.DROM))
    radio_option(page, "Niveau", "Départements").click()
    wait_for_territories(page, [96] + [1] * len(levels.DROM))
    assert "niveau=departement" in page.url
    tooltip_target = page.frame_locator(MAP_IFRAME).first.locator("path.leaflet-interactive")
    tooltip_target.nth(40).hover()
    tooltip = page.frame_locator(MAP_IFRAME).first.locator(".leaflet-tooltip")
    assert "Actions" in tooltip.inner_text(timeout=5000)
    page.screenshot(path=str(ARTIFACTS / "vue_ensemble_departements.png"))
    assert_offline_and_clean(watched)


def test_copied_link_reopens_departements(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{app_url}/?niveau=departement&indicateur=sites&themes=inclusion")
    wait_for_territories(page, [96] + [1] * len(levels.DROM))
    assert radio_option(page, "Indicateur", "Sites industriels").is_visible()
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("Vue d'ensemble").is_visible()
    assert sidebar.get_by_text("Inclusion et diversité").is_visible()
    assert_offline_and_clean(watched)


def test_a_theme_changes_the_key_figures(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(app_url)
    wait_for_territories(page, [13] + [1] * len(levels.DROM))
    assert page.get_by_text("Données de démonstration").first.is_visible()
    before = metric_value(page, "Membres actifs"), metric_value(page, "Actions")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Thèmes").click()
    page.get_by_role("option", name="Inclusion et diversité").click()
    page.keyboard.press("Escape")
    after = wait_for_change(lambda: metric_value(page, "Actions"), before[1])
    assert int(after.replace("\u202f", "")) < int(before[1].replace("\u202f", ""))
    assert "themes=inclusion" in page.url
    wait_for_territories(page, [13] + [1] * len(levels.DROM))
    page.screenshot(path=str(ARTIFACTS / "vue_ensemble_theme_inclusion.png"))
    assert_offline_and_clean(watched)


def test_presentation_mode_shows_no_sidebar(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{app_url}/?presentation=1&niveau=departement")
    wait_for_territories(page, [96] + [1] * len(levels.DROM))
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.get_by_text("Données de démonstration").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "vue_ensemble_presentation.png"))
    assert_offline_and_clean(watched)


def test_a_click_on_a_departement_opens_its_region(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{app_url}/?niveau=departement&themes=inclusion")
    wait_for_territories(page, [96] + [1] * len(levels.DROM))
    target = page.frame_locator(MAP_IFRAME).first.locator("path.leaflet-interactive").nth(40)
    target.hover()
    tooltip = page.frame_locator(MAP_IFRAME).first.locator(".leaflet-tooltip")
    code = tooltip.inner_text(timeout=5000).splitlines()[0].rsplit("(", 1)[1].rstrip(")")
    departements = referentiel.load_layer("departements").set_index("code_departement")
    region = departements.loc[code, "code_region"]
    target.click()
    if (config.PROJECT_DIR / ui.REGION_PAGE).is_file():
        page.wait_for_url(f"**/Region_par_region?*region={region}*", timeout=DRAW_TIMEOUT_S * 1000)
        assert f"departement={code}" in page.url and "themes=inclusion" in page.url
    else:
        page.get_by_text("n'est pas encore disponible").wait_for(timeout=DRAW_TIMEOUT_S * 1000)
    page.screenshot(path=str(ARTIFACTS / "vue_ensemble_clic_departement.png"))
    assert_offline_and_clean(watched)


@pytest.mark.skipif(not (config.PROJECT_DIR / "pages/1_Carte.py").is_file(),
                    reason="page Carte absente")
def test_a_filter_survives_the_sidebar_links(app_url: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{app_url}/?themes=inclusion")
    wait_for_territories(page, [13] + [1] * len(levels.DROM))
    filtered = metric_value(page, "Actions")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("link", name="Carte").click()
    page.get_by_role("heading", name="Carte").wait_for(timeout=DRAW_TIMEOUT_S * 1000)
    page.wait_for_url("**/Carte?*themes=inclusion*", timeout=DRAW_TIMEOUT_S * 1000)
    assert sidebar.get_by_text("Inclusion et diversité").is_visible()
    sidebar.get_by_role("link", name="Vue d'ensemble").click()
    wait_for_territories(page, [13] + [1] * len(levels.DROM))
    assert "themes=inclusion" in page.url
    assert metric_value(page, "Actions") == filtered
    assert_offline_and_clean(watched)
