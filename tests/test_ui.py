"""The pure parts of the ui layer: filters ↔ URL, default period, national view helpers."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo import maps, overview, referentiel, schema
from influ_geo.filters import Filters
from influ_geo.ui_filters import (
    FilterOptions,
    add_months,
    clamp_period,
    default_filters,
    event_type_label,
    filters_from_query,
    filters_to_query,
    restrict,
)

TODAY = date(2026, 11, 26)
OPTIONS = FilterOptions(
    themes=schema.THEMES, canaux=schema.CANAUX, publics=schema.PUBLICS,
    membres={"Aline": "Aline", "Bruno-67": "Bruno-67", "Zoé": "Zoé"},
    types_evenement={"salon": "Salon", "forum_emploi": "Forum de l'emploi"},
)
DEFAULT = default_filters(TODAY)


def subsets(codes) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(sorted(codes)), unique=True).map(lambda v: tuple(sorted(v)))


@st.composite
def filter_sets(draw) -> Filters:
    debut = draw(st.dates(date(2000, 1, 1), date(2030, 12, 31)))
    fin = draw(st.dates(debut, date(2031, 12, 31)))
    return Filters(debut=debut, fin=fin, themes=draw(subsets(schema.THEMES)),
                   canaux=draw(subsets(schema.CANAUX)), publics=draw(subsets(schema.PUBLICS)),
                   membres=draw(subsets(OPTIONS.membres)),
                   types_evenement=draw(subsets(OPTIONS.types_evenement)))


@given(filter_sets())
def test_query_round_trip(filters: Filters) -> None:
    query = filters_to_query(filters)
    assert all(isinstance(v, str) and v for v in query.values())
    assert filters_from_query(query, OPTIONS, DEFAULT) == filters


@given(filter_sets())
def test_query_as_lists_like_st_query_params_get_all(filters: Filters) -> None:
    query = {key: value.split(",") for key, value in filters_to_query(filters).items()}
    assert filters_from_query(query, OPTIONS, DEFAULT) == filters


@given(st.dictionaries(st.sampled_from(["debut", "fin", "themes", "canaux", "membres",
                                        "publics", "types_evenement", "niveau"]),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=12),
                                                                max_size=3))))
def test_any_link_gives_valid_filters_without_raising(params) -> None:
    filters = filters_from_query(params, OPTIONS, DEFAULT)
    assert filters.debut and filters.fin and filters.debut <= filters.fin
    for name in ("themes", "canaux", "publics", "membres", "types_evenement"):
        assert set(getattr(filters, name)) <= set(OPTIONS.of(name))


def test_query_holds_only_what_is_chosen() -> None:
    filters = DEFAULT.replace(themes=("inclusion", "imaginaire"), membres=("Zoé",))
    assert filters_to_query(filters) == {
        "debut": "2025-11-26", "fin": "2027-05-26", "themes": "imaginaire,inclusion",
        "membres": "Zoé"}


@pytest.mark.parametrize(("params", "expected"), [
    ({}, DEFAULT),
    ({"themes": "inclusion,<script>alert(1)</script>"}, DEFAULT.replace(themes=("inclusion",))),
    ({"canaux": "fax", "publics": ""}, DEFAULT),
    ({"membres": "Zoé,Inconnu"}, DEFAULT.replace(membres=("Zoé",))),
    ({"debut": "hier", "fin": "2026-02-30"}, DEFAULT),
    ({"debut": "2026-03-01"}, DEFAULT.replace(debut=date(2026, 3, 1))),
    ({"debut": "2026-03-01", "fin": "2026-01-01"}, DEFAULT),  # reversed: the default period
    ({"fin": "2020-01-01"}, DEFAULT),  # before the default start: the default period
    ({"types_evenement": ["salon", "forum_emploi,visite"]},
     DEFAULT.replace(types_evenement=("forum_emploi", "salon"))),
    ({"niveau": "departement", "presentation": "1"}, DEFAULT),  # not the sidebar's
])
def test_bad_or_partial_links(params, expected: Filters) -> None:
    assert filters_from_query(params, OPTIONS, DEFAULT) == expected


def test_default_period_twelve_months_back_six_ahead() -> None:
    assert (DEFAULT.debut, DEFAULT.fin) == (date(2025, 11, 26), date(2027, 5, 26))
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert DEFAULT.themes == DEFAULT.membres == ()


@pytest.mark.parametrize(("debut", "fin", "expected"), [
    (date(1990, 1, 1), date(2099, 1, 1), (date(2000, 1, 1), date(2031, 11, 26))),
    (date(2040, 1, 1), date(2041, 1, 1), (date(2031, 11, 26), date(2031, 11, 26))),
    (date(1990, 1, 1), date(1995, 1, 1), (date(2000, 1, 1), date(2000, 1, 1))),
    (date(2025, 1, 1), date(2025, 2, 1), (date(2025, 1, 1), date(2025, 2, 1))),
])
def test_clamp_period_to_the_widget_bounds(debut, fin, expected) -> None:
    clamped = clamp_period(Filters(debut=debut, fin=fin, themes=("inclusion",)), TODAY)
    assert (clamped.debut, clamped.fin) == expected
    assert clamped.themes == ("inclusion",)


def test_restrict_drops_codes_no_longer_offered() -> None:
    filters = DEFAULT.replace(membres=("Aline", "Parti"), themes=("inclusion",))
    assert restrict(filters, OPTIONS) == DEFAULT.replace(membres=("Aline",), themes=("inclusion",))


def test_event_type_labels() -> None:
    assert event_type_label("forum_emploi") == "Forum de l'emploi"
    assert event_type_label("job_dating") == "Job dating"


# ---------------------------------------------------------------- overview helpers

@pytest.mark.parametrize(("debut", "fin", "expected"), [
    # Elapsed part only: 26/11/2025 → today (366 days) vs the 366 days before.
    (date(2025, 11, 26), date(2027, 5, 26), (date(2024, 11, 25), date(2025, 11, 25))),
    (date(2026, 1, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
    (date(2027, 1, 1), date(2027, 3, 1), None),  # not begun yet
    (None, date(2026, 1, 1), None),
])
def test_comparison_period(debut, fin, expected) -> None:
    assert overview.comparison_period(Filters(debut=debut, fin=fin), TODAY) == expected


@pytest.fixture(scope="module")
def departements():
    return referentiel.load_layer("departements")


def test_clicked_code_from_the_feature_or_the_point(departements) -> None:
    feature = {"last_active_drawing": {"properties": {"code": "2A"}}}
    assert overview.clicked_code(feature, departements, "departement") == "2A"
    quimper = {"last_object_clicked": {"lat": 47.996, "lng": -4.102}}
    assert overview.clicked_code(quimper, departements, "departement") == "29"
    sea = {"last_object_clicked": {"lat": 45.0, "lng": -8.0}}
    assert overview.clicked_code(sea, departements, "departement") is None
    unknown = {"last_active_drawing": {"properties": {"code": "<b>"}}}
    assert overview.clicked_code(unknown, departements, "departement") is None
    assert overview.clicked_code(None, departements, "departement") is None
    assert overview.clicked_code({"last_object_clicked": {"lat": "x", "lng": 1}},
                                 departements, "departement") is None


def test_region_of(departements) -> None:
    assert overview.region_of("29", departements, "departement") == "53"
    assert overview.region_of("2B", departements, "departement") == "94"
    assert overview.region_of("976", departements, "departement") == "06"
    assert overview.region_of("53", departements, "region") == "53"


def test_indicator_layer_joins_by_code_without_touching_the_layer(departements) -> None:
    codes = departements["code_departement"].to_numpy()
    frame = pd.DataFrame({"code": codes[::-1], "nom": "x", "code_region": "00",
                          "actions": np.arange(len(codes)), "membres_actifs": 1,
                          "sites": 2, "poids": 2, "evenements_a_venir": 3,
                          "evenements_a_venir_non_relayes": 0,
                          "jours_depuis_derniere_action": pd.array([pd.NA] * len(codes),
                                                                   dtype="Int64"),
                          "indice_couverture": [np.nan] + [0.456] * (len(codes) - 1)})
    before = departements.copy()
    out = overview.indicator_layer(departements, frame, "departement")
    pd.testing.assert_frame_equal(departements, before)
    assert out.loc[out["code_departement"] == codes[-1], "actions"].item() == 0
    assert out.loc[out["code_departement"] == codes[0], "actions"].item() == len(codes) - 1
    assert out["indice_couverture_100"].isna().sum() == 1
    assert set(out["indice_couverture_100"].dropna()) == {46.0}
    # Same weight, no action ever, no event to relay: industry (0.35) and absence (0.20)
    # score everywhere, under-mobilisation (0.15 × 0.544) where the index is known.
    scores = out.set_index("code_departement")["score_priorite"]
    assert scores[codes[-1]] == 55.0  # the first row of the frame: no coverage index
    assert set(scores.drop(codes[-1])) == {round(35 + 20 + 15 * 0.544)}


def test_feature_collection_is_the_geojson_of_geopandas(departements) -> None:
    """The fast writer of the maps gives the same features as ``to_json(drop_id=True)``."""
    tips = pd.Series([f"<b>{n}</b> « é »" for n in departements["nom"]], index=departements.index)
    frame = departements.copy()
    frame.loc[frame.index[0], "geometry"] = None
    fast = maps.feature_collection(frame, "code_departement", tips)
    slim = gpd.GeoDataFrame({"code": frame["code_departement"].to_numpy(),
                             "tooltip": tips.to_numpy()}, geometry=frame.geometry.to_numpy())
    assert json.loads(fast) == json.loads(slim.to_json(drop_id=True))
