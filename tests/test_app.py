"""The landing page (Vue d'ensemble) under AppTest: no exception, title, figures, maps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from influ_geo import levels, referentiel, ui
from influ_geo.formatting import format_int

APP = Path(__file__).resolve().parent.parent / "app.py"
CODE = re.compile(r'"code": "([0-9AB]{2,3})"')


def run_app(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def drawn_codes(at: AppTest) -> list[list[str]]:
    """Territory codes in each st_folium component, read from the Leaflet script it receives."""
    scripts = [json.loads(c.proto.json_args)["script"] for c in at.get("component_instance")]
    return [CODE.findall(script) for script in scripts]


@pytest.fixture(scope="module")
def app() -> AppTest:
    return run_app()


def test_runs_without_exception_with_its_title(app: AppTest) -> None:
    assert not app.exception
    assert [t.value for t in app.title] == ["Vue d'ensemble"]


def test_key_figures_come_from_the_referential_in_french_format(app: AppTest) -> None:
    communes = referentiel.communes()
    figures = {m.label: m.value for m in app.metric}
    assert figures["Communes"] == format_int(len(communes)) == "34\u202f875"
    assert figures["Régions"] == "18"
    assert figures["Départements"] == "101"
    assert figures["Population"].endswith("millions")


def test_regions_by_default_18_territories_with_one_map_per_drom(app: AppTest) -> None:
    codes = drawn_codes(app)
    assert len(codes) == 1 + len(levels.DROM)
    assert sum(len(c) for c in codes) == 18
    assert codes[1:] == [[d.code_region] for d in levels.DROM]
    assert sorted(code for part in codes for code in part) == sorted(
        referentiel.load_layer("regions")["code_region"]
    )


def test_maps_have_stable_keys_and_return_nothing(app: AppTest) -> None:
    args = [json.loads(c.proto.json_args) for c in app.get("component_instance")]
    assert all(a["returned_objects"] == [] for a in args)
    assert all(a["js_links"] == ["/app/static/vendor/leaflet/leaflet.js"] for a in args)


def test_switching_to_departements_draws_101(app: AppTest) -> None:
    at = run_app()
    at.radio(key="_widget_niveau").set_value("departement").run()
    assert not at.exception
    codes = drawn_codes(at)
    assert sum(len(c) for c in codes) == 101
    assert codes[1:] == [[d.code_departement] for d in levels.DROM]
    assert at.query_params["niveau"] == "departement"


def test_a_copied_link_reopens_the_same_view() -> None:
    at = run_app(niveau="departement", indicateur="nb_communes")
    assert not at.exception
    assert sum(len(c) for c in drawn_codes(at)) == 101
    assert at.radio(key="_widget_indicateur").value == "nb_communes"
    assert any(m.value.startswith("**Communes**") for m in at.markdown)


def test_unknown_link_values_fall_back_to_the_defaults() -> None:
    at = run_app(niveau="<script>", indicateur="inconnu")
    assert not at.exception
    assert sum(len(c) for c in drawn_codes(at)) == 18


def test_legend_and_credits_are_drawn_by_the_app(app: AppTest) -> None:
    texts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    legend = next(t for t in texts if t.startswith("**Population**"))
    assert legend.count("background:#") >= 5
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
