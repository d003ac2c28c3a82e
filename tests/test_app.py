"""The landing page (Vue d'ensemble) under AppTest, on a store that starts empty.

The first run writes the demonstration data set into a fresh SQLite store (as a fresh
``make run`` does); every expected figure is computed here from the same store with the
library, never typed in.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import apptest_support
import pytest
from streamlit.testing.v1 import AppTest

from influ_geo import (
    app_data,
    config,
    indicators,
    levels,
    overview,
    priorities,
    referentiel,
    store,
    ui,
    ui_filters,
)
from influ_geo.demo_cli import today_paris
from influ_geo.filters import Filters

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
CODE = re.compile(r'"code": "([0-9AB]{2,3})"')
THEMES = "_widget_filtre_themes"
PERIOD = "_widget_filtre_periode"
# A page standing in for the région view: shows what it received.
REGION_STUB = '''
import streamlit as st
from influ_geo import ui
page = ui.page_setup("Région par région")
st.title("Région par région")
st.text(f"region={st.query_params.get('region')}|{st.session_state.get('region')}")
st.text(f"departement={st.query_params.get('departement')}|{st.session_state.get('departement')}")
st.text(f"filtres={page.filters.describe()}")
'''


# The shared ``empty_store`` fixture (conftest.py): a fresh store for this module.
pytestmark = pytest.mark.usefixtures("empty_store")


def run_app(script: Path = APP, **query: str) -> AppTest:
    return apptest_support.open_page(None, app=script, **query)


def drawn_codes(at: AppTest) -> list[list[str]]:
    """Territory codes in each st_folium component, read from the Leaflet script it receives."""
    scripts = apptest_support.map_scripts(at)
    return [CODE.findall(script) for script in scripts]


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.proto.delta) for m in at.metric}


def expected_metrics(url: str, filters: Filters) -> dict[str, tuple[str, str]]:
    data = app_data.load_app_data(store.get_engine(url), today_paris()).dataset
    figures = overview.key_figures(data, filters)
    return {f.label: (f.value, "" if f.delta is None else str(f.delta)) for f in figures}


def default_filters() -> Filters:
    return ui_filters.default_filters(today_paris())


@pytest.fixture(scope="module")
def app() -> AppTest:
    return run_app()


def test_runs_without_exception_with_its_title(app: AppTest) -> None:
    assert not app.exception
    assert [t.value for t in app.title] == ["Vue d'ensemble"]


def test_an_empty_store_receives_the_demo_and_shows_the_badge(app: AppTest, empty_store) -> None:
    engine = store.get_engine(empty_store)
    assert not store.is_empty(engine)
    assert set(store.read_table(engine, "actions")["source"]) == {"demo"}
    assert any(ui.DEMO_BADGE in m.value and "badge" in m.value for m in app.markdown)
    today = f"{date.today():%d/%m/%Y}"
    assert any(c.value.startswith(f"Données de démonstration au {today}")
               for c in app.sidebar.caption)


def test_an_unusable_store_falls_back_to_the_demo_in_memory(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    monkeypatch.setattr(config, "DATABASE_URL", f"sqlite:///{blocker / 'influ_geo.sqlite'}")
    at = run_app()
    assert not at.exception
    assert any("Base de données indisponible" in w.value for w in at.warning)
    assert any(ui.DEMO_BADGE in m.value for m in at.markdown)
    assert int(metrics(at)["Actions"][0].replace("\u202f", "")) > 0


def test_key_figures_and_their_change_over_the_previous_period(app: AppTest, empty_store) -> None:
    shown = metrics(app)
    assert list(shown) == ["Actions", "Membres actifs", "Départements touchés",
                           "Territoires d'industrie", "À venir sans relais"]
    assert shown == expected_metrics(empty_store, default_filters())
    assert shown["Départements touchés"][0].endswith(" / 101")
    assert int(shown["Actions"][0].replace("\u202f", "")) > 0


def test_the_filters_are_written_to_the_url(app: AppTest) -> None:
    period = default_filters()
    assert app.query_params["debut"] == period.debut.isoformat()
    assert app.query_params["fin"] == period.fin.isoformat()
    assert "themes" not in app.query_params


def test_regions_by_default_18_territories_with_one_map_per_drom(app: AppTest) -> None:
    codes = drawn_codes(app)
    assert len(codes) == 1 + len(levels.DROM)
    assert codes[1:] == [[d.code_region] for d in levels.DROM]
    assert sorted(code for part in codes for code in part) == sorted(
        referentiel.load_layer("regions")["code_region"]
    )


def test_maps_are_clickable_and_vendored(app: AppTest) -> None:
    args = [json.loads(c.proto.json_args) for c in app.get("component_instance")]
    assert all(a["returned_objects"] == list(ui.CLICK_OBJECTS) for a in args)
    assert all(a["js_links"] == ["/app/static/vendor/leaflet/leaflet.js"] for a in args)


def test_departements_level_draws_all_101() -> None:
    at = run_app()
    at.radio(key="_widget_niveau").set_value("departement").run()
    assert not at.exception
    codes = drawn_codes(at)
    assert sorted(c for part in codes for c in part) == sorted(
        referentiel.load_layer("departements")["code_departement"])
    assert codes[1:] == [[d.code_departement] for d in levels.DROM]
    assert at.query_params["niveau"] == "departement"


def tooltips(at: AppTest) -> dict[str, str]:
    """Tooltip text of each territory drawn, by code (from the GeoJSON each map receives)."""
    out = {}
    for component in at.get("component_instance"):
        script = json.loads(component.proto.json_args)["script"]
        for match in re.finditer(r'"properties": (\{[^{}]*\})', script):
            properties = json.loads(match.group(1))
            out[properties["code"]] = properties["tooltip"]
    return out


def test_tooltips_tell_the_activity_of_each_departement(empty_store) -> None:
    at = run_app(niveau="departement", indicateur="score_priorite")
    data = app_data.load_app_data(store.get_engine(empty_store), today_paris()).dataset
    table = indicators.indicators(data, "departement", default_filters()).set_index("code")
    ranking = priorities.rank(data, "departement", default_filters()).set_index("code")
    tips = tooltips(at)
    assert len(tips) == 101
    for code in ("29", "2A", "974"):
        lines = tips[code].split("<br>")
        assert lines[0] == f"<b>{table.loc[code, 'nom']}</b> ({code})"
        assert lines[1] == f"Score de priorité (Où agir)\u00a0: {round(ranking.loc[code, 'score'])}"
        assert f"Actions\u00a0: {table.loc[code, 'actions']}" in lines
        assert f"Événements à venir\u00a0: {table.loc[code, 'evenements_a_venir']}" in lines


@pytest.mark.parametrize("indicator", overview.MAP_INDICATORS)
def test_each_indicator_titles_the_legend(indicator: str) -> None:
    at = run_app(indicateur=indicator)
    assert not at.exception
    title = f"**{levels.INDICATORS[indicator].label}**"
    assert any(m.value.startswith(title) for m in at.markdown)
    assert sum(len(c) for c in drawn_codes(at)) == 18


def test_a_theme_changes_the_figures_and_the_url(empty_store) -> None:
    at = run_app()
    at.sidebar.multiselect(key=THEMES).set_value(["inclusion"]).run()
    assert not at.exception
    chosen = default_filters().replace(themes=("inclusion",))
    assert metrics(at) == expected_metrics(empty_store, chosen)
    assert metrics(at) != expected_metrics(empty_store, default_filters())
    assert at.query_params["themes"] == "inclusion"
    assert at.session_state[ui_filters.SESSION_KEY] == chosen


def test_empty_state_when_the_period_matches_nothing() -> None:
    at = run_app()
    at.sidebar.date_input(key=PERIOD).set_value((date(2001, 1, 1), date(2001, 12, 31))).run()
    assert not at.exception
    assert any("Aucune action ni aucun événement" in i.value for i in at.info)
    assert metrics(at)["Actions"] == ("0", "0")
    assert sum(len(c) for c in drawn_codes(at)) == 18
    assert at.query_params["debut"] == "2001-01-01"


def test_a_copied_link_reopens_the_same_view(empty_store) -> None:
    at = run_app(niveau="departement", indicateur="sites", themes="savoir_faire,territoires",
                 debut="2026-01-01", fin="2026-06-30")
    assert not at.exception
    assert at.sidebar.multiselect(key=THEMES).value == ["savoir_faire", "territoires"]
    assert at.sidebar.date_input(key=PERIOD).value == (date(2026, 1, 1), date(2026, 6, 30))
    chosen = Filters(debut=date(2026, 1, 1), fin=date(2026, 6, 30),
                     themes=("savoir_faire", "territoires"))
    assert metrics(at) == expected_metrics(empty_store, chosen)
    assert sum(len(c) for c in drawn_codes(at)) == 101
    assert any(m.value.startswith("**Sites industriels**") for m in at.markdown)


def test_bad_link_values_are_ignored() -> None:
    at = run_app(niveau="<script>", indicateur="inconnu", themes="inclusion,<b>x</b>",
                 canaux="fax", debut="hier", fin="2020-13-45")
    assert not at.exception
    assert sum(len(c) for c in drawn_codes(at)) == 18
    assert at.session_state[ui_filters.SESSION_KEY] == default_filters().replace(
        themes=("inclusion",))
    assert at.query_params["themes"] == "inclusion"
    assert "canaux" not in at.query_params


def test_a_period_beyond_the_calendar_is_brought_inside() -> None:
    at = run_app(debut="1990-01-01", fin="2099-01-01")
    assert not at.exception
    low, high = ui_filters.period_bounds(today_paris())
    assert at.sidebar.date_input(key=PERIOD).value == (low, high)
    assert at.query_params["fin"] == high.isoformat()


def test_presentation_mode_hides_the_sidebar_and_keeps_the_badge() -> None:
    at = run_app(presentation="1", themes="inclusion")
    assert not at.exception
    assert not at.sidebar.multiselect
    assert any("stSidebar" in m.value and "display: none" in m.value for m in at.markdown)
    assert any(ui.DEMO_BADGE in m.value for m in at.markdown)
    assert "Inclusion et diversité" in at.caption[0].value


def test_legend_and_credits_are_drawn_by_the_app(app: AppTest) -> None:
    texts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    legend = next(t for t in texts if t.startswith("**Actions**"))
    assert legend.count("background:#") >= 2
    assert any("Licence Ouverte 2.0" in t and "INSEE" in t and "IGN" in t for t in texts)


def test_sidebar_links_the_pages_that_exist(app: AppTest, tmp_path, monkeypatch) -> None:
    links = [p.proto.label for p in app.sidebar.get("page_link")]
    assert links == [p.label for p in ui.available_pages()]
    assert links[0] == "Vue d'ensemble"
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").touch()
    (tmp_path / "pages" / "1_Carte.py").touch()
    monkeypatch.setattr(ui.config, "PROJECT_DIR", tmp_path)
    assert [p.label for p in ui.available_pages()] == ["Vue d'ensemble", "Carte"]


# ---------------------------------------------------------------- across pages

@pytest.fixture
def with_region_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the app whose région page is a stub showing what it receives."""
    shutil.copy(APP, tmp_path / "app.py")
    (tmp_path / "pages").mkdir()
    (tmp_path / ui.REGION_PAGE).write_text(REGION_STUB, encoding="utf-8")
    monkeypatch.setattr(ui.config, "PROJECT_DIR", tmp_path)
    return tmp_path / "app.py"


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def test_filters_survive_a_page_switch(with_region_page: Path) -> None:
    at = run_app(with_region_page)
    at.sidebar.multiselect(key=THEMES).set_value(["responsable"]).run()
    at.switch_page(ui.REGION_PAGE).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Région par région"]
    assert at.sidebar.multiselect(key=THEMES).value == ["responsable"]
    assert "filtres=Période" in texts(at)[2] and "Industrie responsable" in texts(at)[2]
    assert at.query_params["themes"] == "responsable"
    at.switch_page("app.py").run()
    assert at.sidebar.multiselect(key=THEMES).value == ["responsable"]


def test_a_click_on_a_departement_opens_its_region(with_region_page: Path) -> None:
    at = run_app(with_region_page, niveau="departement", themes="inclusion")
    at.session_state["vue_ensemble_metropole"] = {
        "last_active_drawing": {"type": "Feature", "properties": {"code": "29"}}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Région par région"]
    assert texts(at)[:2] == ["region=53|53", "departement=29|29"]
    assert at.query_params["themes"] == "inclusion"


def test_a_click_on_a_drom_inset_by_its_point(with_region_page: Path) -> None:
    at = run_app(with_region_page)
    at.session_state["vue_ensemble_04"] = {"last_object_clicked": {"lat": -21.13, "lng": 55.53}}
    at.run()
    assert not at.exception
    assert texts(at)[0] == "region=04|04"


def test_a_click_outside_any_territory_stays_on_the_page(with_region_page: Path) -> None:
    at = run_app(with_region_page)
    at.session_state["vue_ensemble_metropole"] = {"last_object_clicked": {"lat": 45.0,
                                                                          "lng": -8.0}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Vue d'ensemble"]


# ---------------------------------------------------------------- with the real pages

OTHER_PAGES = [p.path for p in ui.available_pages() if p.path != "app.py"]


@pytest.mark.slow
@pytest.mark.skipif(not OTHER_PAGES, reason="aucune autre page dans pages/")
def test_filters_follow_the_user_to_every_page_and_back() -> None:
    at = run_app()
    at.sidebar.multiselect(key=THEMES).set_value(["responsable"]).run()
    at.sidebar.date_input(key=PERIOD).set_value((date(2026, 1, 1), date(2026, 9, 30))).run()
    chosen = Filters(debut=date(2026, 1, 1), fin=date(2026, 9, 30), themes=("responsable",))
    with_widgets = []
    for path in [*OTHER_PAGES, "app.py"]:
        at.switch_page(path).run()
        assert not at.exception, path
        if any(w.key == THEMES for w in at.sidebar.multiselect):  # Données shows none
            assert at.sidebar.multiselect(key=THEMES).value == ["responsable"], path
            with_widgets.append(path)
        assert at.session_state[ui_filters.SESSION_KEY] == chosen, path
        assert at.query_params["themes"] == "responsable", path
        assert at.query_params["debut"] == "2026-01-01", path
    assert len(with_widgets) >= len(OTHER_PAGES)  # every page but one at most, and app.py
    assert metrics(at)["Actions"] == expected_metrics(config.DATABASE_URL, chosen)["Actions"]


@pytest.mark.skipif(ui.REGION_PAGE not in OTHER_PAGES, reason="page Région par région absente")
def test_a_click_opens_the_real_region_page() -> None:
    at = run_app(niveau="departement", themes="inclusion")
    at.session_state["vue_ensemble_metropole"] = {
        "last_active_drawing": {"type": "Feature", "properties": {"code": "29"}}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Région par région"]
    assert any("Bretagne" in h.value for h in at.subheader)
    assert at.sidebar.multiselect(key=THEMES).value == ["inclusion"]
