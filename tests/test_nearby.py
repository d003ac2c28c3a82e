"""« Près de chez moi »: commune search, events and sites within a radius, relays, exports.

Expected results come from the referential or from a plain row-by-row loop written here,
never typed in; the small data set below places events at real communes (a Corsican and
an overseas one among them), with traps in their text.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import icalendar
import nearby_map_support
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influ_geo import config, dataset, maps, maps_nearby, nearby, nearby_tables, referentiel
from influ_geo.commune_search import split_query
from influ_geo.escaping import html_text
from influ_geo.filters import Filters
from influ_geo.membres import haversine_km
from influ_geo.nearby import Centre, NearbyError

TODAY = date(2026, 11, 26)
END = date(2027, 1, 25)


def commune(code: str) -> pd.Series:
    communes = referentiel.communes()
    return communes[communes["code_insee"] == code].iloc[0]


def centre_of(code: str) -> Centre:
    row = commune(code)
    return Centre(float(row["lon"]), float(row["lat"]), str(row["nom"]), code,
                  str(row["code_departement"]))


def event_at(n: int, code: str, start: str, end: str | None, **extra) -> dict:
    row = commune(code)
    return {"id": n, "source": "test", "source_id": f"ev-{n}", "titre": f"Événement {n}",
            "date_debut": pd.Timestamp(start), "date_fin": pd.Timestamp(end) if end else None,
            "type": "salon", "public": "parents", "lieu": "Parc des expositions",
            "code_insee": code, "commune_nom": row["nom"], "lon": row["lon"],
            "lat": row["lat"], **extra}


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    events = pd.DataFrame([
        event_at(1, "42218", "2026-12-03 09:00", "2026-12-03 18:00"),  # Saint-Étienne
        event_at(2, "42095", "2026-12-01 10:00", "2026-12-01 12:00",  # Firminy
                 titre="<script>alert('x')</script> Salon ; usine, « 2026 »",
                 url="javascript:alert(1)"),
        event_at(3, "69123", "2026-12-10 00:00", "2026-12-12 00:00",  # Lyon, all day
                 url="https://exemple.fr/salon?id=3", type="forum_emploi"),
        event_at(4, "42218", "2027-03-01 09:00", None),  # outside the window
        event_at(5, "42218", "2026-11-20 09:00", "2026-11-28 18:00"),  # already running
        event_at(6, "2A004", "2026-12-05 09:00", "2026-12-05 17:00"),  # Ajaccio
        event_at(7, "97411", "2026-12-05 09:00", "2026-12-05 17:00"),  # Saint-Denis (974)
        {**event_at(8, "42218", "2026-12-04 09:00", None), "lon": None, "lat": None},
        event_at(9, "42218", "2026-12-03 09:00", "2026-12-03 18:00", type="visite"),
    ])
    actions = pd.DataFrame({
        "source": "test", "date": pd.to_datetime(["2026-11-01", "2026-11-02", "2026-12-20"]),
        "membre": ["Alice", "Bruno", "Alice"], "canal": "linkedin", "theme": "territoires",
        "statut": ["realisee", "realisee", "prevue"], "evenement_id": [1, 1, 3]})
    sites = pd.DataFrame([
        {"source": "test", "nom": f"Site {code}", "naf": "25.62A", "naf_division": "25",
         "tranche_effectifs": band, "lon": commune(code)["lon"] + 0.001,
         "lat": commune(code)["lat"], "code_insee": code, "commune_nom": commune(code)["nom"]}
        for code, band in (("42218", "12"), ("42095", "01"), ("69123", "32"), ("2A004", None))])
    return dataset.prepare({"events": events, "actions": actions, "sites": sites}, TODAY)


# ---------------------------------------------------------------- commune search

@pytest.mark.parametrize(("query", "code"), [
    ("st etienne", "42218"), ("saint-étienne", "42218"), ("SAINT ETIENNE", "42218"),
    ("  Saint   Étienne ", "42218"), ("42000", "42218"), ("Sant-Etiene", "42218"),
    ("2A004", "2A004"), ("2a004", "2A004"), ("Ajaccio", "2A004"), ("ajaccio 20000", "2A004"),
    ("97411", "97411"), ("saint denis 97400", "97411"), ("Saint-Denis (93)", "93066"),
    ("75008", "75056"), ("Paris 8e", "75056"), ("le havre", "76351"), ("Havre (Le)", "76351"),
    ("1000", "01053"), ("69003", "69123"),
])
def test_search_finds_the_commune_first(query: str, code: str) -> None:
    found = nearby.search_communes(query)
    assert found["code_insee"].iloc[0] == code


def test_a_shared_name_gives_every_commune_with_its_departement() -> None:
    found = nearby.search_communes("Saint-Denis")
    communes = referentiel.communes()
    expected = set(communes.loc[communes["nom"] == "Saint-Denis", "code_insee"])
    assert set(found["code_insee"]) == expected and len(expected) > 1
    assert found["population"].is_monotonic_decreasing
    for row in found.itertuples():
        assert f"({row.code_departement} – {row.departement})" in row.libelle


def test_a_code_both_insee_and_postal_gives_both_communes() -> None:
    found = nearby.search_communes("97411")
    postcodes = referentiel.load_table("codes_postaux")
    by_postcode = set(postcodes.loc[postcodes["code_postal"] == "97411", "code_insee"])
    assert set(found["code_insee"]) == by_postcode | {"97411"}
    assert {"code INSEE 97411", "code postal 97411"} <= set(found["correspondance"])


def test_a_former_commune_leads_to_todays() -> None:
    anciennes = referentiel.load_table("communes_anciennes")
    old = anciennes[anciennes["type"] == "COMD"].iloc[0]
    found = nearby.search_communes(old["nom_ancien"])
    assert old["code_insee"] in set(found["code_insee"])


@pytest.mark.parametrize("query", ["xyzzy", "", "   ", "Qwertyuiopville"])
def test_nothing_matches(query: str) -> None:
    assert nearby.search_communes(query).empty


def test_split_query() -> None:
    assert split_query("Saint-Denis 97400") == ("Saint-Denis", ["97400"], None)
    assert split_query("Saint-Étienne (42)") == ("Saint-Étienne", [], "42")
    assert split_query("ajaccio, 2a") == ("ajaccio", [], "2A")
    assert split_query("2a004") == ("", ["2A004"], None)
    assert split_query("1000") == ("", ["01000"], None)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=34_874))
def test_every_commune_is_found_by_its_name_and_its_code(row: int) -> None:
    target = referentiel.communes().iloc[row]
    by_name = nearby.search_communes(target["nom"], limit=200)
    assert target["code_insee"] in set(by_name["code_insee"])
    assert target["code_insee"] in set(nearby.search_communes(target["code_insee"])["code_insee"])
    for postcode in str(target["codes_postaux"]).split()[:2]:
        found = nearby.search_communes(postcode, limit=200)
        assert target["code_insee"] in set(found["code_insee"])


# ---------------------------------------------------------------- within the radius

def loop_events(data: dataset.Dataset, centre: Centre, radius: float, debut: date,
                fin: date) -> list[int]:
    """The events expected, found the slow obvious way: one row at a time."""
    rows = []
    for event in data.events.itertuples():
        if pd.isna(event.lon) or pd.isna(event.lat):
            continue
        d = _haversine(centre.lon, centre.lat, event.lon, event.lat)
        last = event.date_fin if not pd.isna(event.date_fin) else event.date_debut
        overlaps = last >= pd.Timestamp(debut) and event.date_debut < pd.Timestamp(fin) + \
            pd.Timedelta(days=1)
        if d <= radius and overlaps:
            rows.append((event.date_debut, round(d, 1), event.id))
    return [r[2] for r in sorted(rows)]


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@settings(max_examples=100, deadline=None)
@given(centre=st.integers(0, 34_000), radius=st.floats(5, 100), shift=st.floats(-1, 1))
def test_the_box_around_the_circle_loses_no_point(centre: int, radius: float,
                                                  shift: float) -> None:
    """``within`` measures only the points of the box around the circle: the same points,
    distances and order as measuring every commune of France (metropole and DROM)."""
    communes = referentiel.communes()
    row = communes.iloc[centre]
    # Near the centre's commune, not on it: the circle's edge falls anywhere.
    place = Centre(float(row["lon"]) + shift * 0.3, float(row["lat"]) + shift * 0.2, "x")
    everywhere = haversine_km(place.lon, place.lat, communes["lon"].to_numpy(dtype=float),
                              communes["lat"].to_numpy(dtype=float))
    rows, distances = nearby.within(communes, place, radius)
    assert rows.tolist() == np.flatnonzero(everywhere <= radius).tolist()
    assert np.allclose(distances, everywhere[rows])


def test_a_point_on_the_edge_of_the_box_is_kept() -> None:
    """Where the circle touches its box — due north, and at its easternmost point (on a
    sphere, a little north of the centre's latitude) — a point just inside the radius is
    kept; just outside, or without a point, it is not."""
    centre, angle = Centre(5.0, 50.0, "x"), 29.999 / 6371.0088
    phi = math.radians(centre.lat)
    east = (centre.lon + math.degrees(math.asin(math.sin(angle) / math.cos(phi))),
            math.degrees(math.asin(math.sin(phi) / math.cos(angle))))
    north = (centre.lon, centre.lat + math.degrees(angle))
    outside = (centre.lon, centre.lat + 30.01 / 111.195)
    points = pd.DataFrame([north, east, outside, (None, None)], columns=["lon", "lat"])
    rows, distances = nearby.within(points, centre, 30)
    assert rows.tolist() == [0, 1]
    assert distances == pytest.approx([29.999, 29.999], abs=1e-6)


@pytest.mark.parametrize(("code", "radius"), [("42218", 5), ("42218", 30), ("42218", 100),
                                              ("69123", 60), ("2A004", 30), ("97411", 30)])
def test_events_near_match_a_row_by_row_loop(data, code: str, radius: float) -> None:
    centre = centre_of(code)
    found = nearby.events_near(data, centre, radius, TODAY, END)
    assert found["id"].tolist() == loop_events(data, centre, radius, TODAY, END)
    assert (found["distance_km"] <= radius).all()


def test_events_are_sorted_by_date_then_distance_and_carry_what_a_member_needs(data) -> None:
    found = nearby.events_near(data, centre_of("42218"), 30, TODAY, END)
    assert found["id"].tolist() == [5, 2, 1, 9]  # running one first; 1 and 9 tie on date
    keys = list(zip(found["date_debut"], found["distance_km"], strict=True))
    assert keys == sorted(keys)
    for column in ("distance_km", "date_debut", "date_fin", "lieu", "commune_nom",
                   "type_libelle", "public_libelle", "url", "relais", "relaye"):
        assert column in found.columns
    assert found.set_index("id").loc[1, "relais"] == 2  # Alice and Bruno
    assert found.set_index("id").loc[2, "url"] is None  # javascript: dropped
    assert found.set_index("id").loc[2, "public_libelle"] == "Parents"


def test_relay_counts_include_planned_relays(data) -> None:
    found = nearby.events_near(data, centre_of("69123"), 10, TODAY, END).set_index("id")
    assert (found.loc[3, "relais"], found.loc[3, "relais_prevus"], found.loc[3, "relaye"]) == (
        1, 1, True)


def test_the_event_type_filter_applies_and_the_window_replaces_the_period(data) -> None:
    centre = centre_of("42218")
    salons = nearby.events_near(data, centre, 30, TODAY, END,
                                Filters(types_evenement=["salon"], debut=date(2020, 1, 1),
                                        fin=date(2020, 1, 2)))
    assert salons["id"].tolist() == [5, 2, 1]
    later = nearby.events_near(data, centre, 30, date(2027, 2, 1), date(2027, 3, 31))
    assert later["id"].tolist() == [4]


def test_nothing_near_is_an_empty_table_with_the_columns(data) -> None:
    far = Centre(-1.5536, 47.2184, "Nantes")
    found = nearby.events_near(data, far, 5, TODAY, END)
    assert found.empty and "distance_km" in found.columns


def test_sites_near_nearest_first_and_their_breakdown(data) -> None:
    sites = nearby.sites_near(data, centre_of("42218"), 30)
    assert sites["nom"].tolist() == ["Site 42218", "Site 42095"]
    assert sites["distance_km"].is_monotonic_increasing
    assert nearby.sites_by(sites, "naf_division")["sites"].sum() == len(sites)
    sizes = nearby.sites_by(sites, "classe_taille")
    assert set(sizes["libelle"]) == {"10 à 49 salariés", "0 à 9 salariés"}
    unknown = nearby.sites_near(data, centre_of("2A004"), 10)
    assert nearby.sites_by(unknown, "classe_taille")["libelle"].tolist() == ["Effectif inconnu"]


@pytest.mark.parametrize("radius", [0, 4.9, 100.1, -3])
def test_a_radius_out_of_range_is_refused_in_french(data, radius: float) -> None:
    with pytest.raises(NearbyError, match="rayon doit être compris entre 5 et 100 km"):
        nearby.events_near(data, centre_of("42218"), radius, TODAY, END)


def test_an_empty_window_is_refused_in_french() -> None:
    with pytest.raises(NearbyError, match="période vide"):
        nearby.check_window(END, TODAY)


def test_a_point_is_named_after_the_nearest_commune() -> None:
    target = commune("2A004")
    centre = nearby.point_centre(float(target["lon"]) + 0.001, float(target["lat"]))
    assert centre.label == "point choisi près de Ajaccio (2A)"
    assert centre.from_text.startswith("du point choisi") and centre.code_insee is None
    assert centre_of("42218").from_text == "de Saint-Étienne"


# ---------------------------------------------------------------- "Je relaie"

def test_relay_record_is_a_planned_action_linked_to_the_event(data) -> None:
    event = nearby.events_near(data, centre_of("42218"), 30, TODAY, END).iloc[2]
    record = nearby.relay_record(event.to_dict(), "  Alice  ", "linkedin", "inclusion",
                                 "parents", TODAY)
    assert record["statut"] == "prevue" and record["evenement_id"] == event["id"]
    assert record["membre"] == "Alice" and record["date"] == pd.Timestamp("2026-12-03")
    running = nearby.events_near(data, centre_of("42218"), 30, TODAY, END).iloc[0]
    assert nearby.relay_record(running.to_dict(), "Alice", "presse", "territoires", None,
                               TODAY)["date"] == pd.Timestamp(TODAY)


@pytest.mark.parametrize(("membre", "canal", "theme", "message"), [
    ("", "linkedin", "inclusion", "indiquez le membre"),
    ("Alice", "fax", "inclusion", "canal « fax » inconnu"),
    ("Alice", "linkedin", "cuisine", "theme « cuisine » inconnu"),
])
def test_relay_record_refuses_bad_values_in_french(data, membre, canal, theme, message) -> None:
    event = nearby.events_near(data, centre_of("42218"), 30, TODAY, END).iloc[0]
    with pytest.raises(NearbyError, match=message):
        nearby.relay_record(event.to_dict(), membre, canal, theme, None, TODAY)


def test_a_relay_is_written_to_the_store_as_planned(store_engine, data) -> None:
    from influ_geo import store

    store.import_frame(store_engine, "events", data.events[["source", "source_id", "titre",
                       "date_debut", "date_fin", "code_insee", "lon", "lat"]], source="test")
    stored = dataset.prepare({"events": store.read_table(store_engine, "events")}, TODAY)
    event = nearby.events_near(stored, centre_of("42218"), 30, TODAY, END).iloc[0]
    record = nearby.relay_record(event.to_dict(), "Alice", "linkedin", "inclusion", None, TODAY)
    action_id = store.insert_action(store_engine, record)
    saved = store.read_table(store_engine, "actions").set_index("id").loc[action_id]
    assert (saved["statut"], int(saved["evenement_id"]), saved["membre"]) == (
        "prevue", int(event["id"]), "Alice")
    with pytest.raises(store.DuplicateAction):
        store.insert_action(store_engine, record)
    again = dataset.prepare({"events": store.read_table(store_engine, "events"),
                             "actions": store.read_table(store_engine, "actions")}, TODAY)
    relays = nearby.events_near(again, centre_of("42218"), 30, TODAY, END).set_index("id")
    assert (relays.loc[event["id"], "relais"], relays.loc[event["id"], "relais_prevus"]) == (1, 1)


# ---------------------------------------------------------------- tables and calendar

def test_tables_as_shown(data) -> None:
    found = nearby.events_near(data, centre_of("42218"), 100, TODAY, END)
    table = nearby_tables.events_table(found)
    assert table["Exporter"].all() and len(table) == len(found)
    by_title = table.set_index("Événement")
    assert by_title.loc["Événement 3", "Date"] == "10/12/2026 – 12/12/2026"
    assert by_title.loc["Événement 1", "Date"] == "03/12/2026 09:00 – 18:00"
    assert by_title.loc["Événement 1", "Relais du collectif"] == "Oui : 2"
    assert by_title.loc["Événement 3", "Relais du collectif"] == "Oui : 1 (dont 1 prévu)"
    assert by_title.loc["Événement 3", "Lieu"] == "Parc des expositions, Lyon (69)"
    sites = nearby_tables.nearest_sites_table(nearby.sites_near(data, centre_of("42218"), 100), 2)
    assert sites["Site"].tolist() == ["Site 42218", "Site 42095"]


def test_calendar_file_of_the_events_found(data) -> None:
    centre = centre_of("42218")
    found = nearby.events_near(data, centre, 100, TODAY, END)
    raw = nearby_tables.calendar_file(found, centre, radius_km=100,
                                      stamp=datetime(2026, 11, 26, 9, tzinfo=UTC))
    events = list(icalendar.Calendar.from_ical(raw).walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == [
        t.replace("<", "\u2039").replace(">", "\u203a") for t in found["titre"]]
    assert len({str(e["UID"]) for e in events}) == len(found)
    trap = next(e for e in events if "script" in str(e["SUMMARY"]))
    assert str(trap["SUMMARY"]) == "‹script›alert('x')‹/script› Salon ; usine, « 2026 »"
    assert "URL" not in trap
    lyon = next(e for e in events if str(e["SUMMARY"]) == "Événement 3")
    assert str(lyon["URL"]) == "https://exemple.fr/salon?id=3"
    assert lyon.decoded("DTSTART") == date(2026, 12, 10)
    assert lyon.decoded("DTEND") == date(2026, 12, 13)
    assert "Relayé par le collectif : 1 relais dont 1 prévu" in str(lyon["DESCRIPTION"])
    assert "km de Saint-Étienne" in str(lyon["DESCRIPTION"])


def test_event_uid_is_stable_and_distinct(data) -> None:
    found = nearby.events_near(data, centre_of("42218"), 100, TODAY, END)
    uids = [nearby_tables.event_uid(e) for e in found.to_dict("records")]
    again = [nearby_tables.event_uid(e) for e in found.to_dict("records")]
    assert uids == again and len(set(uids)) == len(uids)
    assert all(u.endswith("@" + config.ICS_UID_DOMAIN) for u in uids)
    assert nearby_tables.event_uid({"id": 12, "source_id": None}) == (
        f"evt-id-12@{config.ICS_UID_DOMAIN}")


@pytest.mark.parametrize(("centre", "name"), [
    (Centre(4.4, 45.4, "Saint-Étienne (42 – Loire)", "42218"),
     "evenements-pres-de-saint-etienne.ics"),
    (Centre(5.0, 45.0, "L'Abergement-Clémenciat (01 – Ain)", "01001"),
     "evenements-pres-de-l-abergement-clemenciat.ics"),
    (Centre(4.4, 45.4, "point choisi près de Beaux (43)"),
     "evenements-pres-de-point-choisi-pres-de-beaux-43.ics"),
])
def test_calendar_file_name(centre: Centre, name: str) -> None:
    assert nearby_tables.calendar_file_name(centre) == name


@pytest.mark.parametrize(("n", "unrelayed", "text"), [
    (1, 0, "déjà relayé par le collectif"), (3, 0, "tous déjà relayés par le collectif"),
    (1, 1, "pas encore relayé par le collectif"),
    (3, 3, "aucun n'est encore relayé par le collectif"), (3, 1, "1 pas encore relayé"),
    (5, 2, "2 pas encore relayés"),
])
def test_unrelayed_phrase(n: int, unrelayed: int, text: str) -> None:
    assert nearby_tables.unrelayed_phrase(n, unrelayed) == text


# ---------------------------------------------------------------- the map

def test_map_draws_circle_events_and_clustered_sites_escaped(data) -> None:
    centre = centre_of("42218")
    events = nearby.events_near(data, centre, 30, TODAY, END)
    sites = nearby.sites_near(data, centre, 30)
    html = maps.map_html(maps_nearby.nearby_map(centre, 30, events, sites,
                                                vendor_url=config.VENDOR_URL))
    drawn = nearby_map_support.event_rows(html)  # one marker each, in the list's order
    assert [row[3] for row in drawn] == [html_text(t) for t in events["titre"]]
    assert [row[:3] for row in drawn] == [
        [round(la, 5), round(lo, 5), int(r)]
        for la, lo, r in zip(events["lat"], events["lon"], events["relaye"], strict=True)]
    assert nearby_map_support.circle(html) == (centre.lat, centre.lon, 30000.0)
    assert nearby_map_support.centre(html) == (centre.lat, centre.lon)
    shown = nearby_map_support.site_data(html)
    assert [row[2] for row in shown["rows"]] == sites["nom"].tolist()
    assert [row[4] for row in shown["rows"]] == sites["distance_km"].tolist()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "javascript:alert" not in html
    assert html.count("L.marker(") == 2  # one in each script: no folium marker per point
    assert "https://cdn" not in html and "https://code.jquery" not in html  # vendored files
    assert '"maxZoom": 18' in html


def test_beyond_the_caps_the_map_draws_the_soonest_events_and_nearest_sites(
        data, monkeypatch) -> None:
    centre = centre_of("42218")
    events = nearby.events_near(data, centre, 100, TODAY, END)
    sites = nearby.sites_near(data, centre, 100)
    assert len(events) > 2 and len(sites) > 1
    monkeypatch.setattr(config, "NEARBY_MAX_EVENT_MARKERS", 2)
    monkeypatch.setattr(config, "NEARBY_MAX_SITE_POINTS", 1)
    html = maps.map_html(maps_nearby.nearby_map(centre, 100, events, sites))
    drawn = [row[3] for row in nearby_map_support.event_rows(html)]
    assert drawn == [html_text(t) for t in events["titre"].head(2)]
    assert [row[2] for row in nearby_map_support.site_data(html)["rows"]] == [
        sites["nom"].iloc[0]]
    note = maps_nearby.drawn_note(len(events), len(sites))
    assert note == (f"La carte montre les 2 premiers événements sur {len(events)} et le"
                    f"s 1 sites les plus proches sur {len(sites)} ; la liste et les chiffres "
                    "les comptent tous.")
    assert maps_nearby.drawn_note(2, 1) is None


def test_site_names_and_sectors_are_escaped_in_their_tooltips() -> None:
    sites = pd.DataFrame({"nom": ["<b>R&D</b> Forge", "Scierie", "Sans point"],
                          "naf_division": ["25", None, "16"], "distance_km": [1.0, 2.5, 3.0],
                          "lat": [45.0, 45.1, None], "lon": [4.0, 4.1, None]})
    data = maps_nearby.site_rows(sites)
    assert data["sectors"] == ["Produits métalliques", "secteur non renseigné"]
    assert [row[2:] for row in data["rows"]] == [["&lt;b&gt;R&amp;D&lt;/b&gt; Forge", 0, 1.0],
                                                  ["Scierie", 1, 2.5]]
    tooltip = maps_nearby.site_tooltip(data["rows"][0], data["sectors"])
    assert tooltip == ("<b>&lt;b&gt;R&amp;D&lt;/b&gt; Forge</b> (Produits métalliques)<br>"
                       "Distance\u00a0: 1,0 km")
    assert tooltip == maps.tooltip_html("<b>R&D</b> Forge", "Produits métalliques",
                                        [("Distance", "1,0 km")])


def test_map_before_a_place_is_chosen_shows_the_metropole(data) -> None:
    empty = pd.DataFrame()
    m = maps_nearby.nearby_map(None, 30, empty, empty, vendor_url=config.VENDOR_URL)
    html = maps.map_html(m)
    assert html.count('"code": "') == 13  # the 13 régions of the metropole
    assert maps.payload_bytes(m) < config.MAP_PAYLOAD_MAX


def test_popup_text(data) -> None:
    found = nearby.events_near(data, centre_of("42218"), 100, TODAY, END).set_index("id")
    trap = maps_nearby.event_popup(found.loc[2].to_dict())
    assert "&lt;script&gt;" in trap and "<script>" not in trap and "href" not in trap
    lyon = maps_nearby.event_popup(found.loc[3].to_dict())
    assert 'href="https://exemple.fr/salon?id=3"' in lyon and 'rel="noopener noreferrer"' in lyon
    row = maps_nearby.event_row(found.loc[3].to_dict())
    assert row[3] == "Événement 3" and row[5] == "https://exemple.fr/salon?id=3"
    assert lyon == "<br>".join([f"<b>{row[3]}</b>", *row[4]]) + (
        f'<br><a href="{row[5]}" target="_blank" rel="noopener noreferrer">'
        "Page de l'événement</a>")
    km = f"{found.loc[3, 'distance_km']:.1f}".replace(".", ",")
    assert "Parc des expositions, Lyon" in row[4] and f"À {km} km" in row[4]


def test_an_insee_code_that_is_also_a_postcode_keeps_its_commune() -> None:
    """``80300`` is Falvy's INSEE code and the postcode of Albert and 20-odd communes:
    the 20 results keep Falvy although the bigger communes of the postcode come first."""
    found = nearby.search_communes("80300", limit=20)
    assert len(found) == 20 and {"80300", "80016"} <= set(found["code_insee"])
