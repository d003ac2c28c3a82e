"""« Où agir » in headless Chromium against a real streamlit server (demo data).

The page opens from a link; the map must draw every région with the first ten numbered;
moving the "Poids industriel" slider re-ranks (the first territory is checked against the
library, on the server's own store); the CSV of the ranking is downloaded and read back.
"""

from __future__ import annotations

import csv
import time

import pytest
from browser_support import ARTIFACTS, Watched

from influ_geo import app_data, levels, priorities, store, ui_filters
from influ_geo.demo_cli import today_paris
from influ_geo.formatting import format_int

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_S = 30
PROBES = ("/Ou_agir/_stcore/health", "/Ou_agir/_stcore/host-config")


def wait_until(read, accept, what: str):
    start = time.monotonic()
    value = None
    while time.monotonic() - start < TIMEOUT_S:
        value = read()
        if accept(value):
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} : {value!r}")


def territories(page) -> list[int]:
    frames = page.frame_locator(MAP_IFRAME)
    return [frames.nth(i).locator("path.leaflet-interactive").count()
            for i in range(page.locator(MAP_IFRAME).count())]


def rank_discs(page) -> int:
    frames = page.frame_locator(MAP_IFRAME)
    return sum(frames.nth(i).locator(".influ-rang").count()
               for i in range(page.locator(MAP_IFRAME).count()))


def first_label(page) -> str:
    """The label of the first territory's expander: ``"1. Grand Est — score 75 · …"``."""
    summaries = page.locator('[data-testid="stExpander"] summary').filter(has_text=" — score ")
    return summaries.first.inner_text().splitlines()[-1]  # after the icon's name


def expected_first(weights: priorities.Weights) -> tuple[str, str]:
    """The name and label of the first région of the ranking, from the server's store."""
    today = today_paris()
    # The store of the server started by conftest.app_url.
    data = app_data.load_app_data(store.get_engine(f"sqlite:///{ARTIFACTS / 'store.sqlite'}"),
                                  today)
    ranking = priorities.rank(data.dataset, "region", ui_filters.default_filters(today),
                              weights)
    first = ranking.iloc[0]
    return str(first["nom"]), f"1. {first['nom']} — score {format_int(first['score'])} · "


def test_ranking_map_slider_and_csv(app_url: str, watched: Watched) -> None:
    page = watched.page
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.set_viewport_size({"width": 1440, "height": 2600})
    start = time.monotonic()
    page.goto(f"{app_url}/Ou_agir")
    wait_until(lambda: territories(page), lambda c: c == [13] + [1] * len(levels.DROM),
               "territoires dessinés")
    drawn = time.monotonic() - start
    assert wait_until(lambda: rank_discs(page), lambda n: n == 10, "rangs numérotés") == 10
    page.screenshot(path=str(ARTIFACTS / "ou_agir_regions.png"))

    before = first_label(page)
    assert before.startswith(expected_first(priorities.Weights())[1])
    slider = page.locator('[data-testid="stSlider"]').filter(
        has_text="Poids industriel").get_by_role("slider")
    slider.focus()
    for _ in range(13):  # 35 % → 100 %, by steps of 5
        slider.press("ArrowRight")
    weights = priorities.Weights(1.0, 0.30, 0.20, 0.15)
    name, label = expected_first(weights)
    after = wait_until(lambda: first_label(page), lambda t: t.startswith(label),
                       f"premier après le curseur (attendu {label})")
    shown = page.locator('[data-testid="stSlider"]').filter(has_text="Poids industriel")
    assert shown.locator('[data-testid="stSliderThumbValue"]').inner_text() == "100 %"
    assert after != before  # the score of the first changed with its weights

    with page.expect_download(timeout=TIMEOUT_S * 1000) as download:
        page.get_by_role("button", name="Télécharger le classement (CSV)").click()
    path = download.value.path()
    assert download.value.suggested_filename == "ou-agir-regions.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert len(rows) == 18 and rows[0]["nom"] == name and rows[0]["rang"] == "1"

    page.locator('[data-testid="stRadio"]').filter(has_text="Niveau").get_by_text(
        "Départements").click()
    wait_until(lambda: territories(page), lambda c: c == [96] + [1] * len(levels.DROM),
               "départements dessinés")
    page.screenshot(path=str(ARTIFACTS / "ou_agir_departements.png"))
    print(f"carte dessinée {drawn:.1f} s après l'ouverture")
    assert watched.external == [], "requêtes hors de 127.0.0.1"
    assert all(url.endswith(PROBES) for url in failed), failed
    assert len(watched.errors) == len(failed), watched.errors
