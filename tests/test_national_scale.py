"""National scale stays light: 500,000 sites, 50,000 events, 20,000 actions in memory.

Structural, not timed: what the pages send to the browser is bounded however large the
store grows. The maps of Carte, Vue d'ensemble and Près de chez moi stay under the payload
budget (``config.MAP_PAYLOAD_MAX``, 800 KB) because dense layers are counted per grid
cell, choropleths draw territories (never rows), and the radius map draws the soonest
events and the nearest sites only. The rows are generated at real communes, weighted by
population (``bench.national_store``), dated around the fixed day below.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bench import national_store
from influ_geo import (
    carte,
    config,
    dataset,
    indicators,
    levels,
    maps,
    maps_nearby,
    maps_points,
    nearby,
    overview,
    referentiel,
)
from influ_geo.ui_filters import default_filters

pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 26)
N_SITES = 500_000


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    frames = national_store.national_frames(TODAY, sites=N_SITES, events=50_000,
                                            actions=20_000)
    return dataset.prepare(frames, TODAY)


@pytest.fixture(scope="module")
def ti(data):
    return carte.ti_layer(data.territoires_industrie, referentiel.communes(),
                          tolerance=config.SIMPLIFY_EPCI_NATIONAL)


def test_the_national_carte_counts_every_site_in_cells_under_the_budget(data, ti) -> None:
    view = carte.carte_data(data, default_filters(TODAY), carte.Scope(),
                            tuple(carte.LAYER_LABELS), referentiel.load_layer("regions"),
                            referentiel.load_layer("departements"), ti=ti)
    layers = {layer.key: layer for layer in view.layers}
    assert layers["sites"].mode == maps_points.CELLS and layers["sites"].count == N_SITES
    assert all(layer.markers <= config.CARTE_POINTS_MAX or layer.mode == maps_points.CELLS
               for layer in view.layers)
    assert view.ti is not None and view.ti.feature_count == len(ti)
    assert maps.payload_bytes(carte.carte_map(view, vendor_url=config.VENDOR_URL)) \
        <= config.MAP_PAYLOAD_MAX


@pytest.mark.parametrize("level", ["region", "departement"])
def test_the_overview_maps_stay_under_the_budget(data, level) -> None:
    layer = referentiel.load_layer(levels.LEVELS[level].layer)
    frame = indicators.indicators(data, level, default_filters(TODAY))
    assert frame["sites"].sum() <= N_SITES and frame["sites"].sum() > 0.99 * N_SITES
    shown = overview.indicator_layer(layer, frame, level)
    for indicator in overview.MAP_INDICATORS:
        drawn = maps.national_data(shown, level, indicator, tooltip=overview.TOOLTIP)
        built = maps.national_maps(drawn, vendor_url=config.VENDOR_URL)
        total = sum(maps.payload_bytes(m) for m in built.maps())
        assert total <= config.MAP_PAYLOAD_MAX, (level, indicator, total)


def test_the_radius_map_around_paris_stays_under_the_budget(data) -> None:
    centre = nearby.place_of(nearby.search_communes("75056").iloc[0])
    events = nearby.events_near(data, centre, 100, TODAY, TODAY + timedelta(days=60))
    sites = nearby.sites_near(data, centre, 100)
    assert len(events) > config.NEARBY_MAX_EVENT_MARKERS
    assert len(sites) > config.NEARBY_MAX_SITE_POINTS
    m = maps_nearby.nearby_map(centre, 100, events, sites, vendor_url=config.VENDOR_URL)
    assert maps.payload_bytes(m) <= config.MAP_PAYLOAD_MAX
