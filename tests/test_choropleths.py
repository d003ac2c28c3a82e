"""Choropleth views (national, région, Où agir), territory polygons of the four levels,
their folium maps, and the pure helpers of the « Où agir » page.

Every expected value is computed here with the library (``priorities.rank``,
``legend.classify``, the referential), never typed in; the data are the demonstration
set of a fixed day, prepared in memory.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest
import shapely

from influ_geo import (
    choropleth_maps,
    choropleths,
    dataset,
    levels,
    ou_agir,
    priorities,
    referentiel,
    territory_layers,
)
from influ_geo.filters import Filters
from influ_geo.legend import PALETTE
from influ_geo.region_map import epci_codes

TODAY = date(2026, 11, 26)
DROM_REGIONS = [d.code_region for d in levels.DROM]
CODE = re.compile(r'"code": "([^"]+)"')


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(TODAY), TODAY, demo=True)


# ---------------------------------------------------------------- territory polygons

@pytest.mark.parametrize("level, count", [("region", 18), ("departement", 101),
                                          ("epci", 1253)])
def test_every_referential_territory_has_an_outline(data, level, count) -> None:
    layer = territory_layers.territory_layer(data, level)
    assert len(layer) == count == len(data.territories[level])
    assert list(layer.columns) == list(territory_layers.COLUMNS)
    assert layer.crs.to_epsg() == 4326
    assert shapely.is_valid(layer.geometry.to_numpy()).all()
    assert layer["code"].tolist() == sorted(layer["code"])


def test_national_epci_are_simplified_but_keep_their_shared_borders(data) -> None:
    coarse = territory_layers.territory_layer(data, "epci")
    fine = territory_layers.territory_layer(data, "epci", fine=True)
    vertices = shapely.get_num_coordinates
    assert vertices(coarse.geometry.to_numpy()).sum() < vertices(fine.geometry.to_numpy()).sum() / 2
    # Coverage simplification: neighbours do not overlap (≤ 0.01 % of the area of France).
    projected = coarse.geometry.to_crs(2154)
    union_area = shapely.union_all(projected.to_numpy()).area
    assert projected.area.sum() == pytest.approx(union_area, rel=1e-4)


def test_territoires_industrie_are_the_union_of_their_communes(data) -> None:
    ti = data.territoires_industrie
    layer = territory_layers.territory_layer(data, "ti")
    assert sorted(layer["code"]) == sorted(ti["id_ti"].unique())
    communes = referentiel.load_layer("communes_polygones")
    first = layer.iloc[0]
    members = communes[communes["code_insee"].isin(ti.loc[ti["id_ti"] == first["code"],
                                                          "code_insee"])]
    exact = shapely.union_all(members.geometry.to_numpy())
    # Simplified for display: the same land within 2 %.
    assert first.geometry.area == pytest.approx(exact.area, rel=0.02)
    population = referentiel.communes().set_index("code_insee")["population"]
    assert first["population"] == population.reindex(members["code_insee"]).sum()


def test_no_territoire_d_industrie_table_gives_no_outline() -> None:
    assert territory_layers.ti_shapes(None).empty
    unknown = pd.DataFrame({"code_insee": ["99999"], "id_ti": ["x"]})
    assert territory_layers.ti_shapes(unknown).empty


# ---------------------------------------------------------------- views

def test_national_view_colours_every_departement_with_the_legend_classes(data) -> None:
    view = choropleths.national_view(data, "departement", "actions")
    ranking = priorities.rank(data, "departement")
    assert len(view.frame) == 101
    expected = ranking.set_index("code")["actions"]
    assert (view.frame.set_index("code")["actions"] == expected.reindex(view.frame["code"])).all()
    assert view.frame["colour"].tolist() == [view.classification.colour(v)
                                             for v in view.frame["actions"]]
    assert {c.colour for c in view.legend.classes} >= set(view.frame["colour"])
    assert view.title == "Actions par département" and view.highlighted == ()
    names = [name for name, _ in view.parts()]
    assert names == ["metropole", *DROM_REGIONS]
    assert len(view.parts()[0][1]) == 96


def test_the_classes_are_computed_over_every_territory_drom_included(data) -> None:
    view = choropleths.national_view(data, "region", "population")
    values = view.frame["population"]
    assert view.classification.edges[0] == values.min()  # Mayotte, the smallest
    assert view.classification.edges[-1] == values.max()  # Île-de-France


def test_region_view_shows_its_departements_or_every_epci_touching_it(data) -> None:
    view = choropleths.region_view(data, "53", "sites")
    assert sorted(view.frame["code"]) == ["22", "29", "35", "56"]
    assert view.region == ("53", "Bretagne") and view.title.endswith("— Bretagne")
    assert [name for name, _ in view.parts()] == ["53"]
    epci = choropleths.region_view(data, "53", "sites", level="epci")
    assert sorted(epci.frame["code"]) == epci_codes(referentiel.communes(), "53")


def test_a_region_where_nothing_happens_takes_the_lightest_colour(data) -> None:
    nothing = Filters(debut=date(2001, 1, 1), fin=date(2001, 12, 31))
    view = choropleths.region_view(data, "94", "actions", nothing)
    assert set(view.frame["colour"]) == {PALETTE[0]}


@pytest.mark.parametrize("level", ["region", "departement", "epci", "ti"])
def test_gaps_view_outlines_the_first_of_the_ranking(data, level) -> None:
    weights = priorities.Weights(industrie=1, evenements=1, absence=0, sous_mobilisation=0)
    view = choropleths.gaps_view(data, level, weights=weights, top=5)
    ranking = priorities.rank(data, level, weights=weights)
    drawn = set(view.frame["code"])
    assert list(view.highlighted) == [c for c in ranking["code"].head(5) if c in drawn]
    assert view.frame.set_index("code")["rang"].to_dict() == \
        ranking.set_index("code")["rang"].reindex(list(drawn)).to_dict()
    assert "poids industriel 50" in view.subtitle and "absence du collectif 0" in view.subtitle


def test_bad_requests_are_french_view_errors(data) -> None:
    with pytest.raises(choropleths.ViewError, match="région « 99 » inconnue"):
        choropleths.region_view(data, "99", "actions")
    with pytest.raises(choropleths.ViewError, match="départements ou ses EPCI"):
        choropleths.region_view(data, "53", "actions", level="region")
    with pytest.raises(choropleths.ViewError, match="indicateur « foo » inconnu"):
        choropleths.national_view(data, "region", "foo")
    with pytest.raises(choropleths.ViewError, match="indicateur « actions » inconnu"):
        choropleths.gaps_view(data, "region", indicator="actions")


# ---------------------------------------------------------------- folium maps

def test_folium_maps_draw_each_territory_once_and_number_the_first(data) -> None:
    view = choropleths.gaps_view(data, "departement", top=10)
    result = choropleth_maps.folium_maps(view, vendor_url="/app/static/vendor")
    scripts = [m.get_root().render() for m in result.maps()]
    codes = [code for script in scripts for code in CODE.findall(script)]
    assert sorted(codes) == sorted(view.frame["code"])
    assert sum(script.count('class=\\"influ-rang\\"') + script.count('class="influ-rang"')
               for script in scripts) == 10
    assert all("cdn.jsdelivr" not in script for script in scripts)


def test_tooltips_are_escaped_and_tell_the_rank(data) -> None:
    view = choropleths.gaps_view(data, "region")
    frame = view.frame.copy()
    frame.loc[frame.index[0], "nom"] = "<img src=x onerror=alert(1)>"
    hacked = choropleths.ChoroplethView(view.kind, view.level, view.indicator, frame,
                                        view.classification, view.legend, view.highlighted,
                                        view.title, view.subtitle)
    tips = choropleth_maps.tooltips(hacked)
    assert "&lt;img src=x" in tips[0] and "<img" not in tips[0]
    assert "Rang\u00a0: " in tips[0] and "/ 18" in tips[0]


def test_the_map_data_follow_the_view(data) -> None:
    view = choropleths.national_view(data, "region", "sites")
    national = choropleth_maps.map_data(view)
    features = json.loads(national.metropole.geojson)["features"]
    assert len(features) == 13 and national.feature_count == 18
    assert [i.title for i in national.insets] == [d.nom for d in levels.DROM]


# ---------------------------------------------------------------- Où agir helpers

def test_weights_in_percent() -> None:
    assert ou_agir.default_percent() == {"industrie": 35, "evenements": 30, "absence": 20,
                                         "sous_mobilisation": 15}
    weights = ou_agir.weights_from_percent({"industrie": 50, "evenements": 50})
    assert weights.normalised() == {"industrie": 0.5, "evenements": 0.5, "absence": 0.0,
                                    "sous_mobilisation": 0.0}


def test_breakdown_adds_up_to_the_score(data) -> None:
    row = priorities.rank(data, "departement").iloc[0]
    text = ou_agir.breakdown(row)
    numbers = [float(n.replace(",", ".").replace("\u202f", ""))
               for n in re.findall(r"\d[\d\u202f]*,\d", text)]
    assert numbers[0] == pytest.approx(sum(numbers[1:]), abs=0.25)
    assert text.startswith("Score ") and "absence du collectif" in text


@pytest.mark.parametrize("url, kept", [("https://x.fr/a", "https://x.fr/a"),
                                       ("http://x.fr", "http://x.fr"),
                                       ("javascript:alert(1)", None), (None, None),
                                       ("ftp://x", None)])
def test_only_http_links_are_kept(url, kept) -> None:
    assert ou_agir.http_url(url) == kept


def test_events_table_lists_dates_place_and_link(data) -> None:
    events = priorities.events_to_join(data, "departement")
    table = ou_agir.events_table(events.head(5), str.upper)
    assert list(table.columns) == ["dates", "evenement", "lieu", "type", "organisateur", "lien"]
    first = events.iloc[0]
    assert table["dates"].iloc[0].startswith(f"{first['date_debut']:%d/%m/%Y}")
    assert table["type"].iloc[0] == str(first["type"]).upper()
    assert ou_agir.dates_text(date(2026, 12, 3), date(2026, 12, 5)) == "03/12/2026 – 05/12/2026"
    assert ou_agir.dates_text(date(2026, 12, 3), None) == "03/12/2026"


def test_an_unknown_place_or_organiser_is_shown_empty(data) -> None:
    events = priorities.events_to_join(data, "departement").head(3).copy()
    events["organisateur"] = pd.Series([None, "CCI du Lot", None], dtype="str",
                                       index=events.index)
    events["commune_nom"] = pd.Series([None, None, "Figeac"], dtype="str", index=events.index)
    table = ou_agir.events_table(events)
    assert table["organisateur"].tolist() == ["", "CCI du Lot", ""]
    assert table["lieu"].tolist() == ["", "", "Figeac"]


def test_counts_and_names() -> None:
    assert ou_agir.events_count(0) == "aucun événement à relayer"
    assert ou_agir.events_count(1) == "1 événement à relayer"
    assert ou_agir.events_count(3) == "3 événements à relayer"
    assert ou_agir.csv_name("ti") == "ou-agir-territoires-industrie.csv"


def test_territoires_d_industrie_are_drawn_over_the_regions_of_france(data) -> None:
    view = choropleths.gaps_view(data, "ti")
    assert choropleths.background(view, "metropole")["code_region"].nunique() == 13
    assert choropleths.background(choropleths.gaps_view(data, "departement"), "metropole") \
        is None
    national = choropleth_maps.map_data(view)
    regions = referentiel.load_layer("regions")
    metropole = regions[~regions["code_region"].isin(DROM_REGIONS)]
    west, south, east, north = metropole.total_bounds
    (s, w), (n, e) = national.metropole.bounds
    assert (s, w, n, e) == pytest.approx((south, west, north, east))
    html = choropleth_maps.folium_maps(view).metropole.get_root().render()
    assert re.search(r'createPane\(\s*"fond"', html)  # the grey régions, under the TI
