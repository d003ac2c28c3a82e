"""« Près de chez moi » under AppTest, on a store that starts empty (the app writes the demo).

Every expected figure comes from the library on the same store, never typed in; the
communes with and without events are found in the demo data, not assumed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import nearby_map_support
import pytest
from streamlit.testing.v1 import AppTest

from influ_geo import (
    app_data,
    auth,
    commune_search,
    config,
    nearby,
    referentiel,
    store,
    ui_auth,
    ui_nearby,
)
from influ_geo.demo_cli import today_paris
from influ_geo.escaping import html_text

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/3_Pres_de_chez_moi.py"
RADIUS = config.NEARBY_RADIUS_DEFAULT_KM


@pytest.fixture(scope="module", autouse=True)
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite store for the module (the app writes the demo into it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'influ_geo.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "DATABASE_URL", url)
        for name in [n for n in os.environ if n.startswith("INFLU_GEO_EDITOR")]:
            patch.delenv(name)
        yield url


@pytest.fixture(scope="module")
def data(store_url: str):
    open_page()  # writes the demo data set into the empty store
    return app_data.load_app_data(store.get_engine(store_url), today_paris()).dataset


def open_page(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(PAGE)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def search(at: AppTest, text: str) -> AppTest:
    return at.text_input(key=ui_nearby.COMMUNE_WIDGET).set_value(text).run()


def expected_events(data, query: str, radius: float = RADIUS):
    centre = nearby.place_of(nearby.search_communes(query).iloc[0])
    today = data.today
    return centre, nearby.events_near(data, centre, radius, today,
                                      today + timedelta(days=config.NEARBY_DAYS))


def commune_with_events(data) -> str:
    """The name of a commune of an upcoming demo event that the search finds first."""
    today = data.today
    window = data.events[(data.events["date_debut"] >= str(today))
                         & (data.events["date_debut"] < str(today + timedelta(days=30)))]
    for code, name in zip(window["code_insee"], window["commune_nom"], strict=True):
        if nearby.search_communes(name)["code_insee"].iloc[0] == code:
            return name
    pytest.fail("aucun événement de démonstration dans les 30 prochains jours")


def commune_without_events(data) -> str:
    communes = referentiel.communes()
    for row in communes.iloc[::997].itertuples():
        query = row.code_insee
        if nearby.search_communes(query)["code_insee"].iloc[0] != row.code_insee:
            continue
        if expected_events(data, query)[1].empty:
            return query
    pytest.fail("toutes les communes essayées ont un événement à proximité")


def map_script(at: AppTest) -> str:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)["script"]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_page_opens_with_its_title_and_how_to_start(data) -> None:
    at = open_page()
    assert not at.exception
    assert [t.value for t in at.title] == ["Près de chez moi"]
    assert any("Saisissez une commune" in i.value for i in at.info)
    assert at.text_input(key=ui_nearby.COMMUNE_WIDGET).value == ""
    assert at.slider(key=ui_nearby.RADIUS_WIDGET).value == RADIUS
    assert at.date_input(key=ui_nearby.PERIOD_WIDGET).value == (
        data.today, data.today + timedelta(days=config.NEARBY_DAYS))
    assert map_script(at).count('"code": "') == 13  # France to click a point in


def test_the_commune_search_is_prepared_while_the_member_types(data) -> None:
    """Opening the page starts building the search index (once per process) in the
    background: the first commune typed does not wait for it."""
    commune_search.search_index.cache_clear()
    ui_nearby._search_index_thread.clear()
    at = open_page()
    assert not at.exception and at.text_input(key=ui_nearby.COMMUNE_WIDGET).value == ""
    building = ui_nearby._search_index_thread()
    building.join(timeout=60)
    assert not building.is_alive()
    assert commune_search.search_index.cache_info().currsize == 1
    at = search(at, "Lyon")  # the search then uses it
    assert "de Lyon (69 – Rhône)" in markdown(at) + "".join(i.value for i in at.info)
    assert commune_search.search_index.cache_info().misses == 1  # built once, not twice


def test_events_near_a_commune_as_the_library_finds_them(data) -> None:
    name = commune_with_events(data)
    centre, found = expected_events(data, name)
    at = search(open_page(), name)
    assert not at.exception
    n = len(found)
    assert f"**{n} événement{'s' if n > 1 else ''}** à moins de {RADIUS} km de {centre.label}" \
        in markdown(at)
    (table,) = at.get("data_editor")
    assert table.value["Événement"].tolist() == found["titre"].tolist()
    assert table.value["Distance (km)"].tolist() == found["distance_km"].tolist()
    script = map_script(at)
    drawn = nearby_map_support.event_rows(script)  # each event on the map, escaped title
    assert [row[3] for row in drawn] == [html_text(t) for t in found["titre"]]
    assert [bool(row[2]) for row in drawn] == found["relaye"].tolist()
    assert nearby_map_support.circle(script) == (centre.lat, centre.lon, RADIUS * 1000)
    assert nearby_map_support.centre(script) == (centre.lat, centre.lon)
    sites = nearby.sites_near(data, centre, RADIUS)
    assert [row[2] for row in nearby_map_support.site_data(script).get("rows", [])] == [
        html_text(n) for n in sites["nom"].head(config.NEARBY_MAX_SITE_POINTS)]
    (button,) = at.get("download_button")
    assert button.label.endswith(f"{n} événement{'s' if n > 1 else ''}")
    assert at.query_params["commune"] == [name] or at.query_params["commune"] == name
    assert at.metric[0].value == str(len(nearby.sites_near(data, centre, RADIUS)))


def test_nothing_near_shows_the_empty_state(data) -> None:
    query = commune_without_events(data)
    centre, _ = expected_events(data, query)
    at = search(open_page(), query)
    assert not at.exception
    assert any(f"Aucun événement à moins de {RADIUS} km de {centre.label}" in i.value
               for i in at.info)
    assert not at.get("data_editor") and not at.get("download_button")
    assert nearby_map_support.event_rows(map_script(at)) == []
    assert nearby_map_support.circle(map_script(at))[2] == RADIUS * 1000


def test_an_unknown_commune_is_told_in_french(data) -> None:
    at = search(open_page(), "Zzyzx-sur-Mer")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Aucune commune ne correspond à « Zzyzx-sur-Mer ». Vérifiez l'orthographe, ou "
        "saisissez un code postal (5 chiffres) ou un code INSEE."]
    assert not at.get("data_editor")


def test_a_shared_name_asks_which_departement(data) -> None:
    at = search(open_page(), "Saint-Denis")
    (choice,) = at.selectbox
    labels = list(choice.options)  # as displayed
    assert len(labels) == len(nearby.search_communes("Saint-Denis"))
    assert any("Seine-Saint-Denis" in label for label in labels)
    index = next(i for i, label in enumerate(labels) if "(93 – Seine-Saint-Denis)" in label)
    at = choice.select_index(index).run()
    assert not at.exception
    assert "Saint-Denis (93 – Seine-Saint-Denis)" in markdown(at) + "".join(
        i.value for i in at.info)


def test_a_link_reopens_the_search_and_a_click_moves_the_centre(data) -> None:
    name = commune_with_events(data)
    at = open_page(commune=name, rayon="50")
    assert at.text_input(key=ui_nearby.COMMUNE_WIDGET).value == name
    assert at.slider(key=ui_nearby.RADIUS_WIDGET).value == 50
    assert nearby_map_support.circle(map_script(at))[2] == 50_000
    target = referentiel.communes().query("code_insee == '2A004'").iloc[0]
    at.session_state[ui_nearby.MAP_KEY] = {"last_clicked": {"lat": float(target["lat"]),
                                                            "lng": float(target["lon"])}}
    at.run()
    assert not at.exception
    text = markdown(at) + "".join(i.value for i in at.info)
    assert "du point choisi près de Ajaccio (2A)" in text
    at.run()  # the same click again is not a new click: the point stays
    assert "du point choisi près de Ajaccio (2A)" in markdown(at) + "".join(
        i.value for i in at.info)
    at = search(at, "Lyon")  # typing a commune again wins over the point
    assert "de Lyon (69 – Rhône)" in markdown(at) + "".join(i.value for i in at.info)


def test_without_an_editor_je_relaie_stays_read_only(data) -> None:
    at = search(open_page(), commune_with_events(data))
    assert any(i.value == ui_auth.HOW_TO_CONFIGURE for i in at.info)
    assert "Je relaie" not in [b.label for b in at.button]


@pytest.fixture
def editor(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setenv("INFLU_GEO_EDITOR_TESTEUR", auth.hash_password("s3cret!", iterations=1000))
    return "testeur", "s3cret!"


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="connexion_identifiant").set_value(login)
    at.text_input(key="connexion_mot_de_passe").set_value(password)
    return next(b for b in at.button if b.label == "Se connecter").click().run()


def test_a_wrong_password_is_refused(data, editor) -> None:
    at = search(open_page(), commune_with_events(data))
    assert any(i.value == ui_auth.READ_ONLY.format(where=ui_auth.WHERE["page"],
                                                   action="enregistrer un relais")
               for i in at.info)
    at = sign_in(at, editor[0], "mauvais")
    (error,) = at.error
    assert error.value.startswith(auth.WRONG_CREDENTIALS)
    assert "Je relaie" not in [b.label for b in at.button]


def test_je_relaie_after_sign_in_records_a_planned_action(data, editor, store_url) -> None:
    name = commune_with_events(data)
    _, found = expected_events(data, name)
    at = sign_in(search(open_page(), name), *editor)
    assert not at.exception
    submit = next(b for b in at.button if b.label == "Je relaie")
    at = submit.click().run()  # no member chosen
    assert [e.value for e in at.error] == [
        "Relais non enregistré : indiquez le membre qui relaie (pseudonyme)."]
    membre = next(s for s in at.selectbox if s.label == "Membre")
    pseudo = sorted(data.membres["pseudonyme"], key=str.casefold)[0]
    membre.set_value(pseudo)
    next(s for s in at.selectbox if s.label == "Canal").set_value("tiktok")
    next(s for s in at.selectbox if s.label == "Thème").set_value("inclusion")
    engine = store.get_engine(store_url)
    before = len(store.read_table(engine, "actions"))
    at = next(b for b in at.button if b.label == "Je relaie").click().run()
    assert not at.exception
    actions = store.read_table(engine, "actions")
    assert len(actions) == before + 1
    added = actions.sort_values("id").iloc[-1]
    event = found.iloc[0]
    assert (added["membre"], added["canal"], added["theme"], added["statut"],
            int(added["evenement_id"])) == (pseudo, "tiktok", "inclusion", "prevue",
                                            int(event["id"]))
    assert any(s.value.startswith("Relais prévu enregistré") for s in at.success)
    table = at.get("data_editor")[0].value.set_index("Événement")
    relais = int(event["relais"]) + 1
    assert table.loc[event["titre"], "Relais du collectif"].startswith(f"Oui : {relais}")
