"""The « Où agir » page under AppTest, on a store that starts empty.

The page is reached as in the app (``app.py`` is the main script, the test switches to
the page). Every expected ranking, event and territory is computed here with the library
from the same store.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import apptest_support
import pytest
from streamlit.testing.v1 import AppTest

from influ_geo import config, levels, priorities, ui, ui_filters, ui_ou_agir
from influ_geo.dataset import Dataset

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/4_Ou_agir.py"
CODE = re.compile(r'"code": "([^"]+)"')
LEVEL = f"_widget_{ui_ou_agir.LEVEL_KEY}"
COLOUR = f"_widget_{ui_ou_agir.MAP_INDICATOR_KEY}"
PARTS = list(priorities.PARTS)


# The shared ``empty_store`` fixture (conftest.py): a fresh store for this module.
pytestmark = pytest.mark.usefixtures("empty_store")


def open_page(**query: str) -> AppTest:
    return apptest_support.open_page(PAGE, **query)


def drawn(at: AppTest) -> list[list[str]]:
    """Territory codes of each map (metropole, then the DROM insets)."""
    scripts = apptest_support.map_scripts(at)
    return [CODE.findall(script) for script in scripts]


def rank_discs(at: AppTest) -> int:
    scripts = apptest_support.map_scripts(at)
    return sum(s.count("influ-rang") for s in scripts)


def ranking_shown(at: AppTest) -> list[str]:
    """Codes of the full ranking table (the last dataframe of the page)."""
    return at.dataframe[-1].value["code"].tolist()


@pytest.fixture(scope="module")
def regions() -> AppTest:
    return open_page()


@pytest.fixture(scope="module")
def data(regions: AppTest) -> Dataset:
    return ui.load_data().dataset


def filters(at: AppTest):
    return at.session_state[ui_filters.SESSION_KEY]


def test_the_page_ranks_the_regions_with_the_default_weights(regions, data) -> None:
    assert not regions.exception
    assert [t.value for t in regions.title] == ["Où agir"]
    expected = priorities.rank(data, "region", filters(regions))
    assert ranking_shown(regions) == expected["code"].tolist()
    first = expected.iloc[0]
    labels = [e.label for e in regions.main.expander]
    assert labels[1].startswith(f"1. {first['nom']} — score ")
    assert len(labels) == 1 + config.OU_AGIR_TOP
    assert regions.markdown.values.count(first["explication"]) == 1


def test_the_map_draws_every_region_and_numbers_the_first_ten(regions) -> None:
    maps = drawn(regions)
    assert len(maps) == 1 + len(levels.DROM)
    assert sorted(c for m in maps for c in m) == sorted(ui.load_layer("regions")["code_region"])
    assert len(maps[0]) == 13
    assert rank_discs(regions) == config.OU_AGIR_TOP
    args = json.loads(regions.get("component_instance")[0].proto.json_args)
    assert "/app/static/vendor/leaflet/leaflet.js" in json.dumps(args)


def test_the_first_territory_lists_its_events_to_relay(regions, data) -> None:
    expected = priorities.rank(data, "region", filters(regions))
    events = priorities.events_to_join(data, "region", filters(regions),
                                       codes=[expected["code"].iloc[0]])
    table = regions.dataframe[0].value  # inside the first expander, open
    assert table["evenement"].tolist() == events["titre"].tolist()
    assert all(link is None or link.startswith("http") for link in table["lien"])
    assert any("Score " in c.value and " = poids industriel " in c.value
               for c in regions.caption)


def test_each_of_the_first_ten_lists_its_own_events(regions, data) -> None:
    ranking = priorities.rank(data, "region", filters(regions))
    tables = iter(regions.dataframe[:-1])  # one per territory with events, then the ranking
    listed = 0
    for code in ranking["code"].head(config.OU_AGIR_TOP):
        events = priorities.events_to_join(data, "region", filters(regions), codes=[code])
        if len(events):
            wanted = events["titre"].head(config.OU_AGIR_EVENTS_SHOWN).tolist()
            assert next(tables).value["evenement"].tolist() == wanted, code
            listed += 1
    assert next(tables, None) is None and listed > 1


def test_the_events_listed_are_the_soonest_few_with_their_count(data, monkeypatch) -> None:
    monkeypatch.setattr(config, "OU_AGIR_EVENTS_SHOWN", 2)
    at = open_page()
    first = priorities.rank(data, "region", filters(at))["code"].iloc[0]
    events = priorities.events_to_join(data, "region", filters(at), codes=[first])
    assert len(events) > 2
    assert at.dataframe[0].value["evenement"].tolist() == events["titre"].head(2).tolist()
    assert any(c.value == f"Les 2 plus proches dans le temps, sur {len(events)} événements "
               "à venir sans relais." for c in at.caption)

def test_a_slider_reranks_and_is_kept_in_the_session(data) -> None:
    at = open_page()
    at.slider(key="_widget_poids_industrie").set_value(100)
    for name in PARTS[1:]:
        at.slider(key=f"_widget_poids_{name}").set_value(0)
    at.run()
    assert not at.exception
    weights = priorities.Weights(1, 0, 0, 0)
    expected = priorities.rank(data, "region", filters(at), weights)
    assert ranking_shown(at) == expected["code"].tolist()
    assert ranking_shown(at) != priorities.rank(data, "region", filters(at))["code"].tolist()
    assert at.session_state[ui_ou_agir.WEIGHTS_KEY] == {"industrie": 100, "evenements": 0,
                                                       "absence": 0, "sous_mobilisation": 0}
    at.switch_page("app.py").run()
    at.switch_page(PAGE).run()
    assert at.slider(key="_widget_poids_industrie").value == 100
    assert ranking_shown(at) == expected["code"].tolist()


def test_all_weights_at_zero_warn_in_french_and_keep_the_default(data) -> None:
    at = open_page()
    for name in PARTS:
        at.slider(key=f"_widget_poids_{name}").set_value(0)
    at.run()
    assert any("strictement positif" in w.value for w in at.warning)
    assert ranking_shown(at) == priorities.rank(data, "region", filters(at))["code"].tolist()
    at.button[0].click().run()  # « Rétablir les poids par défaut »
    assert [s.value for s in at.slider] == [35, 30, 20, 15]
    assert not at.warning


def test_departements_epci_and_ti_levels(data) -> None:
    at = open_page()
    at.radio(key=LEVEL).set_value("departement").run()
    assert [len(m) for m in drawn(at)] == [96, 1, 1, 1, 1, 1]
    at.radio(key=LEVEL).set_value("epci").run()
    assert not at.exception
    assert sum(len(m) for m in drawn(at)) == 1253
    assert ranking_shown(at)[:10] == priorities.rank(data, "epci", filters(at))["code"].head(
        10).tolist()
    at.radio(key=LEVEL).set_value("ti").run()
    assert sorted(c for m in drawn(at) for c in m) == sorted(data.territories["ti"]["code"])
    assert at.query_params[ui_ou_agir.LEVEL_KEY] == "ti"


def test_coverage_colours_and_a_copied_link(data) -> None:
    at = open_page(ou_agir_niveau="departement", ou_agir_couleur="indice_couverture_100")
    assert at.radio(key=LEVEL).value == "departement"
    assert at.radio(key=COLOUR).value == "indice_couverture_100"
    assert any("Indice de couverture" in m.value for m in at.markdown)  # the legend


def test_csv_download_is_offered(regions) -> None:
    buttons = regions.get("download_button")
    assert len(buttons) == 1
    assert "Télécharger le classement (CSV)" in buttons[0].proto.label


def test_empty_state_when_the_filters_match_nothing() -> None:
    at = open_page(debut="2001-01-01", fin="2001-12-31")
    assert not at.exception
    assert any("il n'y a rien à classer" in i.value for i in at.info)
    assert not at.get("component_instance") and not at.dataframe
