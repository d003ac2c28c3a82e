"""The région view as data, on the hand-built sample (reference day 15/06/2025).

Grand Est (44) holds, between 01/05 and 30/06/2025: action a1 (A, LinkedIn, savoir-faire,
Charleville, relays the fair by id), a2 (B, TikTok, imaginaire, Ardennes, relays the fair by
title), a3 (A, LinkedIn, territoires, Marne, ambiguous title: relays nothing); the fair of
Charleville (10–11/05, past) and two open days in Reims (20 and 22/06, upcoming). Corse
(94) holds nothing in that period (a5 in December; the forum on 01/07, that a4 plans to
relay).
Every expected figure below is counted from that description, not by the code under test.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import analytics_sample as sample
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo import (
    dataset,
    indicators,
    indicators_series,
    levels,
    maps,
    referentiel,
    region_counts,
    region_map,
    region_view,
)
from influ_geo.filters import Filters
from influ_geo.legend import PALETTE, classify

PERIOD = Filters(debut=date(2025, 5, 1), fin=date(2025, 6, 30))
AVANT, APRES = (date(2025, 3, 1), date(2025, 4, 30)), (date(2025, 5, 1), date(2025, 6, 15))
GRAND_EST = ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    frames = sample.frames()
    events = frames["events"]
    events["url"] = events["url"].astype("object")
    events.loc[events["id"] == 1, "url"] = "https://example.org/salon-charleville"
    events.loc[events["id"] == 3, "url"] = "javascript:alert(1)"
    return dataset.prepare(frames, sample.TODAY)


@pytest.fixture(scope="module")
def layers() -> region_map.Layers:
    return region_map.Layers(referentiel.load_layer("regions"),
                             referentiel.load_layer("departements"),
                             referentiel.load_layer("epci"), referentiel.communes())


# ---------------------------------------------------------------- which région

def test_eighteen_regions_drom_included_in_french_order(layers) -> None:
    options = region_view.region_options(layers.regions)
    assert len(options) == 18
    assert {d.code_region for d in levels.DROM} <= set(options)
    names = list(options.values())
    assert names[0] == "Auvergne-Rhône-Alpes"
    # Accents ignored: Île-de-France between Hauts-de-France and La Réunion.
    assert names.index("Hauts-de-France") + 1 == names.index("Île-de-France")
    assert names.index("Île-de-France") + 1 == names.index("La Réunion")


@pytest.mark.parametrize(("wanted", "expected"), [
    (("53", "84"), "53"),          # the URL before the session
    ((None, "84"), "84"),          # no URL: the session
    (("<script>", "xx"), "84"),    # nothing usable: the first région of the list
    ((["53"], None), "84"),        # not a single code
])
def test_resolve_region(layers, wanted, expected) -> None:
    options = region_view.region_options(layers.regions)
    assert region_view.resolve_region(*wanted, options=options) == expected


@pytest.mark.parametrize(("wanted", "region", "expected"), [
    ("29", "53", "29"), ("29", "84", None), ("2A", "94", "2A"), ("974", "04", "974"),
    (None, "53", None), ("99", "53", None),
])
def test_resolve_departement(layers, wanted, region, expected) -> None:
    assert region_view.resolve_departement(wanted, region, layers.departements) == expected


def test_departements_of_a_region(layers) -> None:
    codes = lambda r: sorted(region_map.region_territories(layers, "departement", r)  # noqa: E731
                             ["code_departement"])
    assert codes("53") == ["22", "29", "35", "56"]
    assert codes("94") == ["2A", "2B"]
    assert codes("04") == ["974"]
    assert codes("44") == list(GRAND_EST)


def test_every_epci_with_a_commune_in_the_region(layers) -> None:
    communes = layers.communes.dropna(subset=["siren_epci"])
    regions_of = communes.groupby("siren_epci")["code_region"].agg(set)
    per_region = {r: set(region_map.epci_codes(layers.communes, r))
                  for r in layers.regions["code_region"]}
    # Each EPCI is in the view of every région where it has a commune, and only there.
    for siren, regions in regions_of.items():
        assert {r for r, codes in per_region.items() if siren in codes} == regions
    straddling = regions_of[regions_of.map(len) > 1]
    assert len(straddling) > 0
    assert sum(map(len, per_region.values())) == len(layers.epci) + sum(
        len(r) - 1 for r in straddling)
    drawn = region_map.region_territories(layers, "epci", "53")
    assert set(drawn["siren_epci"]) == per_region["53"]


# ---------------------------------------------------------------- figures

def test_key_figures_counted_by_hand(data, layers) -> None:
    figures = {f.label: f for f in region_view.key_figures(data, PERIOD, layers, "44")}
    assert list(figures) == ["Actions", "Membres actifs", "Départements touchés",
                             "EPCI touchés", "À venir sans relais"]
    epci = region_map.epci_codes(layers.communes, "44")
    # Previous period: 16/03–30/04/2025 (as long as 01/05–15/06), no action in Grand Est.
    assert (figures["Actions"].value, figures["Actions"].delta) == ("3", 3)
    assert (figures["Membres actifs"].value, figures["Membres actifs"].delta) == ("2", 2)
    assert figures["Départements touchés"].value == "2 / 10"
    assert figures["EPCI touchés"].value == f"1 / {len(epci)}"  # Charleville's only
    assert (figures["À venir sans relais"].value, figures["À venir sans relais"].delta) == \
        ("2 / 2", None)
    assert "16/03/2025 – 30/04/2025" in figures["Actions"].help


def test_key_figures_without_a_start_show_no_change(data, layers) -> None:
    figures = region_view.key_figures(data, Filters(), layers, "44")
    assert all(f.delta is None for f in figures)


def test_empty_state(data) -> None:
    assert region_view.is_empty(data, PERIOD, "94")
    assert not region_view.is_empty(data, PERIOD, "44")
    assert not region_view.is_empty(data, PERIOD, "84")  # a6 in the Rhône
    assert region_view.is_empty(data, Filters(debut=date(2001, 1, 1), fin=date(2001, 12, 31)),
                                "44")


def test_monthly_series_by_theme(data) -> None:
    frame = region_view.monthly_by_theme(data, PERIOD, "44")
    assert list(frame.columns) == ["Mois", *region_view.THEME_LABELS.values()]
    assert list(frame["Mois"]) == ["mai 2025", "juin 2025"]  # stops at today's month
    assert frame.set_index("Mois").to_dict("index") == {
        "mai 2025": {"Nouvel imaginaire": 1, "Inclusion et diversité": 0,
                     "Industrie responsable": 0, "Savoir-faire": 1,
                     "Mobilisations territoriales": 0},
        "juin 2025": {"Nouvel imaginaire": 0, "Inclusion et diversité": 0,
                      "Industrie responsable": 0, "Savoir-faire": 0,
                      "Mobilisations territoriales": 1},
    }


def test_month_labels_and_colours() -> None:
    assert region_view.month_label(pd.Timestamp("2026-02-01")) == "févr. 2026"
    assert region_view.month_label(pd.Timestamp("2025-08-01")) == "août 2025"
    assert list(region_view.THEME_COLOURS) == list(region_view.THEME_LABELS) == list(
        sample.dataset.schema.THEMES)
    assert len(set(region_view.THEME_COLOURS.values())) == 5


def test_theme_by_channel_table(data) -> None:
    table = region_view.theme_channel_table(data, PERIOD, "44")
    assert list(table.columns) == ["LinkedIn", "TikTok", "Total"]  # channels used only
    assert table.loc["Savoir-faire", "LinkedIn"] == 1
    assert table.loc["Nouvel imaginaire", "TikTok"] == 1
    assert table.loc["Mobilisations territoriales", "LinkedIn"] == 1
    assert table["Total"].sum() == 3
    assert table.index.name == "Thème" and len(table) == 5
    empty = region_view.theme_channel_table(data, PERIOD, "94")
    assert len(empty.columns) == 9 and empty.to_numpy().sum() == 0


# ---------------------------------------------------------------- events

def test_events_upcoming_first_with_their_relay_status(data) -> None:
    table = region_view.events_table(data, PERIOD, "44", type_label=str.upper)
    assert list(table["Début"].dt.date) == [date(2025, 6, 20), date(2025, 6, 22),
                                            date(2025, 5, 10)]
    assert list(table["Statut"]) == ["À venir, à relayer", "À venir, à relayer",
                                     "Passé, relayé"]
    assert list(table["Relais"]) == [0, 0, 2]
    assert list(table["Type"]) == ["SEMAINE_INDUSTRIE"] * 2 + ["SALON"]
    assert list(table["Dép."]) == ["51", "51", "08"]
    # Only http(s) links are kept: the javascript: one is dropped.
    assert table["Lien"].isna().tolist() == [True, True, False]
    assert table["Lien"].iloc[2] == "https://example.org/salon-charleville"


def test_events_of_a_region_without_links_have_no_link_column(data) -> None:
    table = region_view.events_table(data, Filters(), "94")
    assert "Lien" not in table.columns
    assert list(table["Statut"]) == ["À venir, relayé"]  # the forum of 01/07: a4 plans it
    assert list(table["Relais"]) == [1]
    # Upcoming events ignore the period, not the event types.
    assert not region_view.events_table(data, PERIOD, "94").empty
    assert region_view.events_table(data, PERIOD.replace(types_evenement=("salon",)), "94").empty


def test_links_of_a_whole_column_are_those_of_one_link_at_a_time() -> None:
    urls = pd.Series([" https://a.fr/x ", "HTTP://B.FR", "javascript:alert(1)", None, 5, "",
                      "ftp://c.fr", float("nan"), "https://d.fr/é?q=1"], dtype="object")
    links = region_view._http_links(urls)
    assert [None if pd.isna(v) else v for v in links] == [region_view._http(u) for u in urls]
    assert links.tolist()[:2] == ["https://a.fr/x", "HTTP://B.FR"]


@pytest.mark.parametrize(("upcoming", "relayed", "text"), [
    (True, False, "À venir, à relayer"), (True, True, "À venir, relayé"),
    (False, False, "Passé, non relayé"), (False, True, "Passé, relayé"),
])
def test_relay_status(upcoming, relayed, text) -> None:
    assert region_view.relay_status(upcoming, relayed) == text


# ---------------------------------------------------------------- two periods

def test_default_halves_of_the_elapsed_period() -> None:
    today = date(2026, 11, 26)
    period = Filters(debut=date(2025, 11, 26), fin=date(2027, 5, 26))
    assert region_view.default_halves(period, today) == (
        (date(2025, 11, 26), date(2026, 5, 27)), (date(2026, 5, 28), date(2026, 11, 26)))
    past = Filters(debut=date(2025, 1, 1), fin=date(2025, 12, 31))
    assert region_view.default_halves(past, today) == (
        (date(2025, 1, 1), date(2025, 7, 1)), (date(2025, 7, 2), date(2025, 12, 31)))
    future = Filters(debut=date(2027, 1, 1), fin=date(2027, 1, 10))
    assert region_view.default_halves(future, today) == (
        (date(2027, 1, 1), date(2027, 1, 5)), (date(2027, 1, 6), date(2027, 1, 10)))


@given(debut=st.dates(date(2000, 1, 1), date(2030, 1, 1)), days=st.integers(0, 4000),
       today=st.dates(date(2000, 1, 1), date(2035, 1, 1)))
def test_property_halves_are_contiguous_and_ordered(debut, days, today) -> None:
    filters = Filters(debut=debut, fin=debut + timedelta(days=days))
    (a0, a1), (b0, b1) = region_view.default_halves(filters, today)
    assert a0 == debut and a0 <= a1 <= b0 <= b1 <= filters.fin
    if b1 > a0:
        assert b0 == a1 + timedelta(days=1)
        assert abs((a1 - a0).days - (b1 - b0).days) <= 1


def test_comparison_per_departement(data) -> None:
    table = region_view.comparison(data, PERIOD, "44", AVANT, APRES)
    assert list(table["Territoire"]) == ["Grand Est (44)"] + [
        f"{n} ({c})" for c, n in referentiel.load_layer("departements")
        .set_index("code_departement").loc[list(GRAND_EST), "nom"].items()]
    rows = table.set_index("Territoire")
    assert rows.loc["Grand Est (44)", ["Actions avant", "Actions après", "Actions écart"]
                    ].tolist() == [0, 3, 3]
    assert rows.loc["Ardennes (08)", ["Actions après", "Membres après"]].tolist() == [2, 2]
    assert rows.loc["Marne (51)", "Actions écart"] == 1
    assert (table["Actions écart"] == table["Actions après"] - table["Actions avant"]).all()
    assert region_view.comparison_help("Membres écart") == "Membres actifs : après − avant"
    assert region_view.comparison_help("Territoire") is None


# ---------------------------------------------------------------- the same figures as the tables

DEMO_DAY = date(2025, 11, 26)
FILTER_SETS = [
    Filters(),
    Filters(debut=date(2025, 3, 1), fin=date(2025, 9, 30)),
    Filters(debut=date(2024, 11, 26), fin=date(2026, 5, 26), themes=["inclusion", "territoires"]),
    Filters(canaux=["linkedin"], publics=["parents"], types_evenement=["salon"]),
]


@pytest.fixture(scope="module")
def demo() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(DEMO_DAY), DEMO_DAY, demo=True)


def _counts_from_tables(data, filters, code_region, epci) -> dict[str, int]:
    """The région's key figures read from the full indicator tables (the reference)."""
    tables = indicators.compute(data, filters, ("region", "departement", "epci"))
    region = tables["region"].set_index("code").loc[code_region]
    departements = tables["departement"][tables["departement"]["code_region"] == code_region]
    in_epci = tables["epci"][tables["epci"]["code"].isin(epci)]
    return {
        "actions": int(region["actions"]), "membres_actifs": int(region["membres_actifs"]),
        "departements_touches": int((departements["actions"] > 0).sum()),
        "departements": len(departements),
        "epci_touches": int((in_epci["actions"] > 0).sum()), "epci": len(in_epci),
        "a_venir": int(region["evenements_a_venir"]),
        "a_venir_non_relayes": int(region["evenements_a_venir_non_relayes"]),
    }


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_key_figures_are_those_of_the_indicator_tables(demo, layers, filters) -> None:
    selection = indicators.select(demo, filters)
    for code in demo.territories["region"]["code"]:
        epci = region_map.epci_codes(layers.communes, code)
        got = region_view._region_counts(demo, selection.done, code, epci)
        got["a_venir"], got["a_venir_non_relayes"] = region_counts.upcoming_events(
            demo, selection.upcoming_events, selection.relayed, code)
        assert got == _counts_from_tables(demo, filters, code, epci), code
    assert any(region_view._region_counts(demo, selection.done, code, [])["actions"]
               for code in demo.territories["region"]["code"])


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_monthly_series_is_that_of_monthly_series(demo, filters) -> None:
    for code in ("84", "44", "94", "04"):
        capped = filters.replace(fin=DEMO_DAY) if filters.fin and filters.fin > DEMO_DAY \
            else filters
        long = indicators_series.monthly_series(demo, "region", capped, by="theme",
                                                codes=[code])
        expected = long.pivot_table(index="mois", columns="theme", values="actions",
                                    aggfunc="sum", fill_value=0)
        expected = expected.reindex(columns=list(region_view.THEME_LABELS), fill_value=0)
        table = region_view.monthly_by_theme(demo, filters, code)
        assert table["Mois"].tolist() == [region_view.month_label(d) for d in expected.index]
        assert table.drop(columns="Mois").to_numpy().tolist() == expected.to_numpy().tolist()


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_theme_channel_table_is_that_of_crosstab(demo, filters) -> None:
    for code in ("84", "44", "94", "04"):
        expected = indicators_series.crosstab(demo, filters, level="region", code=code)
        table = region_view.theme_channel_table(demo, filters, code)
        assert table["Total"].tolist() == expected.sum(axis=1).tolist()
        used = expected.loc[:, expected.sum() > 0] if expected.to_numpy().any() else expected
        assert table.drop(columns="Total").to_numpy().tolist() == used.to_numpy().tolist()


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_comparison_is_that_of_compare_periods(demo, filters) -> None:
    avant, apres = (date(2024, 12, 1), date(2025, 5, 31)), (date(2025, 6, 1), date(2025, 11, 26))
    region = indicators_series.compare_periods(demo, "region", avant, apres, filters)
    departement = indicators_series.compare_periods(demo, "departement", avant, apres, filters)
    for code in ("84", "44", "94", "04"):
        expected = pd.concat([region[region["code"] == code],
                              departement[departement["code_region"] == code]])
        table = region_view.comparison(demo, filters, code, avant, apres)
        assert table["Territoire"].tolist() == [f"{n} ({c})" for n, c in
                                                zip(expected["nom"], expected["code"], strict=True)]
        for name, (word, _) in region_view.COMPARED.items():
            for suffix, when in region_view.WHEN.items():
                assert table[f"{word} {when}"].tolist() == \
                    expected[f"{name}_{suffix}"].astype(int).tolist(), (code, name, suffix)


# ---------------------------------------------------------------- the map

CODE = re.compile(r'"code": "([0-9AB]+)"')


def test_map_data_of_the_departements(data, layers) -> None:
    drawn = region_map.region_map_data(data, PERIOD, layers, "44", "departement", "actions",
                                       departement="08")
    assert sorted(CODE.findall(drawn.map.geojson)) == list(GRAND_EST)
    actions = indicators.indicators(data, "departement", PERIOD).set_index("code")["actions"]
    tips = {f["properties"]["code"]: f["properties"]["tooltip"]
            for f in json.loads(drawn.map.geojson)["features"]}
    assert tips["08"].startswith("<b>Ardennes</b> (08)<br>Actions\u00a0: 2")
    assert f"Actions\u00a0: {actions['51']}" in tips["51"]
    colours = dict(drawn.map.colours)
    assert colours["08"] != colours["10"]  # 2 actions against none
    region = layers.regions[layers.regions["code_region"] == "44"]
    assert [list(c) for c in drawn.map.bounds] == maps.latlon_bounds(region)
    assert len(json.loads(drawn.outline)["features"]) == 1
    assert len(json.loads(drawn.highlight)["features"]) == 1
    assert drawn.legend.title == "Actions"


def test_map_data_of_the_epci_and_referential_indicators(data, layers) -> None:
    drawn = region_map.region_map_data(data, PERIOD, layers, "04", "epci", "population")
    assert sorted(CODE.findall(drawn.map.geojson)) == region_map.epci_codes(layers.communes,
                                                                            "04")
    assert drawn.map.feature_count == 5 and drawn.highlight is None
    assert "Population" in drawn.map.geojson
    scored = region_map.region_map_data(data, PERIOD, layers, "44", "epci", "score_priorite")
    assert scored.map.feature_count == len(region_map.epci_codes(layers.communes, "44"))
    assert scored.legend.title == "Score de priorité (Où agir)"


def test_folium_map_outlines_let_the_mouse_through(data, layers) -> None:
    drawn = region_map.region_map_data(data, PERIOD, layers, "53", "departement", "sites",
                                       departement="29")
    html = maps.map_html(region_map.region_map(drawn, vendor_url="/app/static/vendor"))
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert re.search(r'createPane\(\s*"contours"\s*\)', html)
    assert "style.pointerEvents = 'none'" in html
    assert html.count('"interactive": false') >= 2
    assert region_map.HIGHLIGHT_STYLE["color"] in html


def test_classes_of_a_region_without_any_difference() -> None:
    same = classify(pd.Series([0, 0, 0]))
    assert same.colour(0) == PALETTE[0]
    spread = classify(pd.Series([0, 1, 2, 5, 9, 30]))
    assert spread.colour(0) == PALETTE[0] and spread.colour(30) == PALETTE[-1]
