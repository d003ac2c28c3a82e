"""The « Région par région » page under AppTest, on a store that starts empty.

The page is reached as in the app: ``app.py`` is the main script and the test switches to
the page (with ``?region=…`` in the URL), or clicks a département on Vue d'ensemble.
Every expected figure is computed here with the library from the same store.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import apptest_support
import pytest
from streamlit.testing.v1 import AppTest

from influ_geo import config, referentiel, region_map, region_view, store, ui, ui_filters
from influ_geo.dataset import Dataset
from influ_geo.demo_cli import today_paris
from influ_geo.legend import PALETTE

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
CODE = re.compile(r'"code": "([0-9AB]+)"')
REGION = "_widget_region"
LEVEL = "_widget_niveau_region"


# The shared ``empty_store`` fixture (conftest.py): a fresh store for this module.
pytestmark = pytest.mark.usefixtures("empty_store")


def open_page(**query: str) -> AppTest:
    """The région page as a link opens it: ``app.py`` is the main script."""
    return apptest_support.open_page(ui.REGION_PAGE, **query)


def map_args(at: AppTest) -> dict:
    components = at.get("component_instance")
    assert len(components) == 1
    return json.loads(components[0].proto.json_args)


def drawn(at: AppTest) -> list[str]:
    return sorted(CODE.findall(map_args(at)["script"]))


def layers() -> region_map.Layers:
    return region_map.Layers(referentiel.load_layer("regions"),
                             referentiel.load_layer("departements"),
                             referentiel.load_layer("epci"), referentiel.communes())


@pytest.fixture(scope="module")
def data(bretagne: AppTest, empty_store: str) -> Dataset:
    """The store's data once the page has written the demo into it (the page's cache)."""
    loaded = ui.load_data()
    assert empty_store == config.DATABASE_URL and not store.is_empty(
        store.get_engine(empty_store))
    return loaded.dataset


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.proto.delta) for m in at.metric}


@pytest.fixture(scope="module")
def bretagne() -> AppTest:
    return open_page(region="53")


def test_arriving_with_region_53_shows_bretagne_and_its_4_departements(bretagne) -> None:
    assert not bretagne.exception
    assert [t.value for t in bretagne.title] == ["Région par région"]
    assert bretagne.selectbox(key=REGION).value == "53"
    assert "Carte : Bretagne" in [s.value for s in bretagne.subheader]
    assert drawn(bretagne) == ["22", "29", "35", "56"]
    assert bretagne.query_params["region"] == "53"
    assert bretagne.session_state["region"] == "53"


def test_the_map_is_vendored_and_returns_nothing(bretagne) -> None:
    args = map_args(bretagne)
    assert args["js_links"] == ["/app/static/vendor/leaflet/leaflet.js"]
    assert args["returned_objects"] == []
    assert region_map.OUTLINE_STYLE["color"] in args["script"]


def test_key_figures_of_the_region(bretagne, data) -> None:
    filters = ui_filters.default_filters(today_paris())
    expected = region_view.key_figures(data, filters, layers(), "53")
    assert metrics(bretagne) == {
        f.label: (f.value, "" if f.delta is None else str(f.delta)) for f in expected}
    assert metrics(bretagne)["Départements touchés"][0].endswith(" / 4")


def test_series_table_events_and_comparison(bretagne, data) -> None:
    chart = json.loads(bretagne.get("vega_lite_chart")[0].proto.spec)
    text = json.dumps(chart, ensure_ascii=False)
    for theme, colour in region_view.THEME_COLOURS.items():
        assert colour in text and region_view.THEME_LABELS[theme] in text
    assert "Actions réalisées" in text
    tables = [d.value for d in bretagne.dataframe]
    assert len(tables) == 3
    assert tables[0]["Total"].sum() == int(metrics(bretagne)["Actions"][0])
    filters = ui_filters.default_filters(today_paris())
    events = region_view.events_table(data, filters, "53")
    assert list(tables[1]["Événement"]) == list(events["Événement"])
    avant, apres = region_view.default_halves(filters, today_paris())
    inputs = bretagne.get("date_input")
    assert [d.value for d in inputs if d.key.startswith("_widget_avant")] == [avant]
    expected = region_view.comparison(data, filters, "53", avant, apres)
    assert tables[2].equals(expected)


def test_switching_to_epci_draws_the_epci_of_the_region() -> None:
    at = open_page(region="53")
    at.radio(key=LEVEL).set_value("epci").run()
    assert not at.exception
    assert drawn(at) == region_map.epci_codes(referentiel.communes(), "53")
    assert len(drawn(at)) > 50
    assert at.query_params["niveau_region"] == "epci"
    assert any("dessinée entière" in c.value for c in at.caption)


def test_the_selector_changes_the_region_and_forgets_a_departement_outside_it() -> None:
    at = open_page(region="53", departement="29")
    assert any("Finistère (29)" in c.value for c in at.caption)
    at.selectbox(key=REGION).set_value("94").run()
    assert not at.exception
    assert drawn(at) == ["2A", "2B"]
    assert at.query_params["region"] == "94"
    assert "departement" not in at.query_params
    assert "departement" not in at.session_state


def test_a_bad_link_falls_back_to_the_first_region() -> None:
    at = open_page(region="<script>", departement="xx")
    assert not at.exception
    first = next(iter(region_view.region_options(referentiel.load_layer("regions"))))
    assert at.selectbox(key=REGION).value == first
    assert at.query_params["region"] == first


def test_a_click_on_a_departement_of_vue_d_ensemble_opens_its_region() -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["niveau"] = "departement"
    at.run()
    at.session_state["vue_ensemble_metropole"] = {
        "last_active_drawing": {"type": "Feature", "properties": {"code": "29"}}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Région par région"]
    assert at.selectbox(key=REGION).value == "53"
    assert drawn(at) == ["22", "29", "35", "56"]
    assert region_map.HIGHLIGHT_STYLE["color"] in map_args(at)["script"]
    assert any("Finistère (29)" in c.value for c in at.caption)


def test_a_drom_region_draws_its_departement() -> None:
    at = open_page(region="04")
    assert not at.exception
    assert drawn(at) == ["974"]
    at.radio(key=LEVEL).set_value("epci").run()
    assert drawn(at) == region_map.epci_codes(referentiel.communes(), "04")


def test_empty_state_when_the_filters_match_nothing() -> None:
    at = open_page(region="53", debut="2001-01-01", fin="2001-12-31",
                   types_evenement="salon")
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any("Aucune action ni aucun événement en Bretagne" in i for i in infos)
    assert any("Aucun événement en Bretagne" in i for i in infos)
    assert any("Aucune action réalisée dans la région" in i for i in infos)
    assert not at.get("vega_lite_chart")
    assert len(at.dataframe) == 1  # the two-period table only, zeros
    assert metrics(at)["Actions"][0] == "0"
    assert drawn(at) == ["22", "29", "35", "56"]
    # No action anywhere: the lightest colour, one class.
    assert f'"fillColor": "{PALETTE[0]}"' in map_args(at)["script"]
    assert f'"fillColor": "{PALETTE[-1]}"' not in map_args(at)["script"]


def test_a_theme_of_the_sidebar_applies(data) -> None:
    at = open_page(region="53")
    at.sidebar.multiselect(key="_widget_filtre_themes").set_value(["inclusion"]).run()
    assert not at.exception
    filters = ui_filters.default_filters(today_paris()).replace(themes=("inclusion",))
    expected = region_view.key_figures(data, filters, layers(), "53")
    assert metrics(at)["Actions"][0] == expected[0].value
    assert at.query_params["themes"] == "inclusion"
    table = at.dataframe[0].value
    assert table.loc[table.index != "Inclusion et diversité", "Total"].sum() == 0


def test_two_periods_picked_by_the_user(data) -> None:
    at = open_page(region="53")
    avant_key = next(d.key for d in at.get("date_input") if d.key.startswith("_widget_avant"))
    picked = (date(2026, 1, 1), date(2026, 3, 31))
    at.date_input(key=avant_key).set_value(picked).run()
    assert not at.exception
    filters = ui_filters.default_filters(today_paris())
    apres = region_view.default_halves(filters, today_paris())[1]
    expected = region_view.comparison(data, filters, "53", picked, apres)
    assert at.dataframe[2].value.equals(expected)
