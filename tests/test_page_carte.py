"""The Carte page under AppTest, on a store that starts empty.

The page is reached as in the app (``app.py`` is the main script, the test switches to the
page with the URL of a link). What the map draws is read from the Leaflet script the
component receives and compared with the library's view of the same store.
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import apptest_support
import pytest
from streamlit.testing.v1 import AppTest

from influ_geo import app_data, carte, carte_legend, config, store, ui
from influ_geo.demo_cli import today_paris

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/1_Carte.py"
CODE = re.compile(r'"code": "([0-9AB]{2,3})"')
TI_CODE = re.compile(r'"code": "(ti-[^"]+)"')
ROWS = re.compile(r"var data = (\{.*?\}), rows = data\.rows;")


# The shared ``empty_store`` fixture (conftest.py): a fresh store for this module.
pytestmark = pytest.mark.usefixtures("empty_store")


def open_page(**query: str) -> AppTest:
    return apptest_support.open_page(PAGE, **query)


def map_args(at: AppTest) -> dict:
    components = at.get("component_instance")
    assert len(components) == 1
    return json.loads(components[0].proto.json_args)


def drawn(at: AppTest) -> tuple[list[str], list[str], list[dict]]:
    """Base territory codes, Territoire d'industrie codes, point layers (rows) drawn."""
    script = map_args(at)["script"]
    return (sorted(CODE.findall(script)), sorted(set(TI_CODE.findall(script))),
            [json.loads(rows) for rows in ROWS.findall(script)])


@pytest.fixture(scope="module")
def national() -> AppTest:
    return open_page()


def library_view(url: str, scope: carte.Scope, layers=carte.DEFAULT_LAYERS) -> carte.CarteData:
    data = app_data.load_app_data(store.get_engine(url), today_paris()).dataset
    ti = carte.ti_layer(data.territoires_industrie, ui.load_communes())
    filters = ui.ui_filters.default_filters(today_paris())
    return carte.carte_data(data, filters, scope, layers, ui.load_layer("regions"),
                            ui.load_layer("departements"), ti=ti)


def test_runs_without_exception_with_its_title(national: AppTest) -> None:
    assert not national.exception
    assert [t.value for t in national.title] == ["Carte"]
    assert any(ui.DEMO_BADGE in m.value for m in national.markdown)


def test_national_map_draws_the_18_regions_the_outlines_and_the_layers(national, empty_store):
    codes, ti, layers = drawn(national)
    expected = library_view(empty_store, carte.Scope())
    assert codes == sorted(ui.load_layer("regions")["code_region"]) and len(codes) == 18
    assert ti == sorted(expected.ti.codes) and len(ti) == 12
    assert [len(rows["rows"]) for rows in layers] == [p.markers for p in expected.layers]
    assert sum(row[2] for rows in layers for row in rows["rows"]) == expected.points
    assert len(map_args(national)["script"]) <= config.MAP_PAYLOAD_MAX
    assert map_args(national)["returned_objects"] == ["last_active_drawing"]


def test_legend_lists_the_layers_with_their_counts(national, empty_store) -> None:
    expected = library_view(empty_store, carte.Scope())
    legend = next(m.value for m in national.markdown if m.value.startswith("**France entière**"))
    for entry in carte_legend.legend_entries(expected):
        assert html.escape(entry.label) in legend
    captions = [c.value for c in national.caption]
    assert any(c.startswith("Outre-mer : ") for c in captions)


def test_a_link_to_a_departement_draws_it_with_each_point(empty_store) -> None:
    at = open_page(carte_region="53", carte_departement="29", couches="mobilisations,sites")
    assert not at.exception
    codes, ti, layers = drawn(at)
    assert codes == ["29"] and ti == []
    expected = library_view(empty_store, carte.Scope("53", "29"), ("mobilisations", "sites"))
    assert [len(rows["rows"]) for rows in layers] == [p.count for p in expected.layers]
    assert all(row[2] == 1 for rows in layers for row in rows["rows"])
    boxes = {s.label: s.value for s in at.selectbox}
    assert boxes == {"Territoire": "53", "Département": "29"}
    assert at.query_params["carte_departement"] == "29"


def test_choosing_a_region_in_the_list_redraws_the_map(national: AppTest) -> None:
    at = open_page()
    at.selectbox(key="_widget_carte_region").set_value("94")
    start = time.monotonic()
    at.run()
    rerun = time.monotonic() - start
    assert not at.exception
    assert drawn(at)[0] == ["2A", "2B"]
    assert at.query_params["carte_region"] == "94"
    print(f"nouvelle région en {rerun:.2f} s")


def test_no_layer_and_nothing_selected_say_so(empty_store) -> None:
    none = open_page(couches="aucune")
    assert any("Aucune couche choisie" in i.value for i in none.info)
    assert drawn(none)[2] == [] and len(drawn(none)[0]) == 18
    empty = open_page(couches="mobilisations,evenements_passes", debut="2000-01-01",
                      fin="2000-12-31")
    assert not empty.exception
    assert any("Aucun point ne correspond aux filtres" in i.value for i in empty.info)
    assert all(rows["rows"] == [] for rows in drawn(empty)[2])


def test_clicking_a_region_opens_the_region_view() -> None:
    at = open_page()
    at.session_state["carte"] = {"last_active_drawing": {"type": "Feature",
                                                         "properties": {"code": "53"}}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Région par région"]
    assert at.session_state["region"] == "53"


def test_clicking_a_departement_of_a_region_opens_it_with_its_departement() -> None:
    at = open_page(carte_region="53")
    at.session_state["carte"] = {"last_active_drawing": {"properties": {"code": "29"}}}
    at.run()
    assert [t.value for t in at.title] == ["Région par région"]
    assert at.session_state["region"] == "53" and at.session_state["departement"] == "29"


def test_clicking_a_point_stays_on_the_map() -> None:
    at = open_page()
    at.session_state["carte"] = {"last_active_drawing": None,
                                 "last_object_clicked": {"lat": 48.11, "lng": -1.68}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Carte"]


def test_switching_layers_off_and_a_theme_on_redraws_and_keeps_the_link(empty_store) -> None:
    at = open_page()
    at.button_group(key="_widget_couches").set_value(["mobilisations"])
    at.run()
    assert at.query_params["couches"] == "mobilisations"
    assert len(drawn(at)[2]) == 1 and drawn(at)[1] == []
    before = sum(row[2] for row in drawn(at)[2][0]["rows"])
    at.sidebar.multiselect(key="_widget_filtre_themes").set_value(["inclusion"])
    start = time.monotonic()
    at.run()
    elapsed = time.monotonic() - start
    after = sum(row[2] for row in drawn(at)[2][0]["rows"])
    assert not at.exception and 0 < after < before
    print(f"nouveau thème en {elapsed:.2f} s")
