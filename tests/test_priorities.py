"""« Où agir »: the score and its parts, French reasons, events to piggy-back on,
members nearby, and a ranking that does not move between runs."""

from __future__ import annotations

import math

import analytics_sample as sample
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influ_geo import dataset, indicators, membres, priorities
from influ_geo.filters import Filters
from influ_geo.priorities import Weights, WeightsError, explanation, rank, rank_table

NNBSP = "\u202f"


@pytest.fixture(scope="module")
def data():
    return sample.prepared()


def table(rows: list[tuple]) -> pd.DataFrame:
    """An indicator table: code, nom, poids, sites, upcoming, unrelayed, days, index."""
    frame = pd.DataFrame(rows, columns=["code", "nom", "poids", "sites", "evenements_a_venir",
                                        "evenements_a_venir_non_relayes",
                                        "jours_depuis_derniere_action", "indice_couverture"])
    frame["jours_depuis_derniere_action"] = frame["jours_depuis_derniere_action"].astype("Int64")
    frame["indice_couverture"] = frame["indice_couverture"].astype(float)
    frame["code_region"] = "44"
    frame["actions"] = 0
    return frame


HAND = table([
    ("08", "Ardennes", 99, 312, 14, 14, None, 0.0),
    ("51", "Marne", 9, 20, 3, 1, 73, 0.5),
    ("10", "Aube", 0, 0, 0, 0, 730, np.nan),
    ("52", "Haute-Marne", 999, 1204, 0, 0, 0, 2.0),
])


def test_parts_by_hand():
    parts = priorities.score_parts(HAND).set_index(HAND["code"])
    top = math.log(1000)
    assert parts.loc["08", "industrie"] == pytest.approx(math.log(100) / top)
    assert parts.loc["51", "industrie"] == pytest.approx(math.log(10) / top)
    assert parts.loc[["10", "52"], "industrie"].tolist() == [0, 1]
    assert parts["evenements"].tolist() == pytest.approx([1, math.log(2) / math.log(15), 0, 0])
    assert parts["absence"].tolist() == pytest.approx([1, 73 / 365, 1, 0])  # 730 days: full
    assert parts["sous_mobilisation"].tolist() == [1, 0.5, 0, 0]  # no weight ⇒ 0; 2 ⇒ 0


def test_score_is_the_sum_of_its_points_and_weights_are_normalised():
    ranked = rank_table(HAND, Weights(industrie=2, evenements=1, absence=1,
                                      sous_mobilisation=0))
    points = ranked[[f"points_{p}" for p in priorities.PARTS]].sum(axis=1)
    assert np.allclose(points, ranked["score"])
    ardennes = ranked.set_index("code").loc["08"]
    expected = 100 * (0.5 * math.log(100) / math.log(1000) + 0.25 + 0.25)
    assert ardennes["score"] == pytest.approx(expected)
    assert ranked["rang"].tolist() == [1, 2, 3, 4]
    assert ranked["code"].tolist()[0] == "08"


def test_one_weight_alone_orders_by_its_part():
    only_industry = rank_table(HAND, Weights(1, 0, 0, 0))
    assert only_industry["code"].tolist() == ["52", "08", "51", "10"]
    only_events = rank_table(HAND, Weights(0, 1, 0, 0))
    assert only_events["code"].tolist()[:2] == ["08", "51"]
    assert only_events["code"].tolist()[2:] == ["10", "52"]  # tie at 0: by code


@pytest.mark.parametrize("weights", [Weights(0, 0, 0, 0), Weights(-1, 1, 1, 1)])
def test_bad_weights(weights):
    with pytest.raises(WeightsError):
        rank_table(HAND, weights)


@pytest.mark.parametrize(("values", "expected"), [
    (("Ardennes", 14, 14, 340, 312),
     "Ardennes : 14 événements à venir, aucun relais depuis 11 mois, 312 sites industriels"),
    (("Aube", 0, 0, None, 0),
     "Aube : aucun événement à venir, jamais de relais, aucun site industriel"),
    (("Marne", 1, 1, 1, 1),
     "Marne : 1 événement à venir, dernier relais hier, 1 site industriel"),
    (("Marne", 1, 0, 0, 2),
     "Marne : 1 événement à venir, déjà relayé, dernier relais aujourd'hui, 2 sites industriels"),
    (("Nord", 12, 9, 12, 1204),
     f"Nord : 12 événements à venir dont 9 sans relais, dernier relais il y a 12 jours, "
     f"1{NNBSP}204 sites industriels"),
    (("Corse-du-Sud", 3, 0, 31, 5),
     "Corse-du-Sud : 3 événements à venir, tous relayés, aucun relais depuis 1 mois, "
     "5 sites industriels"),
    (("La Réunion", 2, 2, 730, 7),
     "La Réunion : 2 événements à venir, aucun relais depuis 2 ans, 7 sites industriels"),
    (("Mayotte", 2, 2, 400, 7),
     "Mayotte : 2 événements à venir, aucun relais depuis 13 mois, 7 sites industriels"),
])
def test_french_explanations(values, expected):
    nom, upcoming, unrelayed, days, sites = values
    assert explanation({"nom": nom, "evenements_a_venir": upcoming,
                        "evenements_a_venir_non_relayes": unrelayed,
                        "jours_depuis_derniere_action": pd.NA if days is None else days,
                        "sites": sites}) == expected


def test_ranking_on_hand_built_data(data):
    ranked = rank(data, "departement")
    assert len(ranked) == 101
    by_code = ranked.set_index("code")
    # Default weights 0.35 / 0.30 / 0.20 / 0.15; weights 410 (08), 2 (51), 25 (2A), 15 (69).
    log = math.log1p
    expected = {
        "08": 35 + 20 * 34 / 365 + 15 * (1 - (2 / 6) / (410 / 452)),
        "51": 35 * log(2) / log(410) + 30 + 20 * 5 / 365,
        "2A": 35 * log(25) / log(410) + 20 * 196 / 365,
        "01": 20.0,  # never any action, nothing else
        "974": 30 * log(1) / log(2) + 20 * 13 / 365,
        "69": 35 * log(15) / log(410) + 20 * 14 / 365,
    }
    for code, score in expected.items():
        assert by_code.loc[code, "score"] == pytest.approx(score, abs=1e-5), code
    assert ranked["code"].tolist()[:4] == ["08", "51", "2A", "01"]
    assert ranked["code"].tolist()[-2:] == ["974", "69"]
    assert by_code.loc["51", "explication"] == ("Marne : 2 événements à venir, dernier relais "
                                                "il y a 5 jours, 1 site industriel")
    assert by_code.loc["974", "explication"] == ("La Réunion : 1 événement à venir, dernier "
                                                 "relais il y a 13 jours, aucun site industriel")
    assert by_code.loc["2A", "explication"] == (
        "Corse-du-Sud : 1 événement à venir, déjà relayé, aucun relais depuis 6 mois, "
        "1 site industriel")
    assert by_code.loc["01", "explication"] == \
        "Ain : aucun événement à venir, jamais de relais, aucun site industriel"
    assert ranked["score"].is_monotonic_decreasing


def test_events_to_piggy_back_on(data):
    events = priorities.events_to_join(data, "departement")
    assert events[["code", "id"]].values.tolist() == [["51", 3], ["51", 4], ["974", 5]]
    assert priorities.events_to_join(data, "region", codes=["04"])["id"].tolist() == [5]
    # with the inclusion filter the Charleville fair is still past: nothing more to relay
    inclusion = priorities.events_to_join(data, "departement", Filters(themes=["inclusion"]))
    assert inclusion["id"].tolist() == [3, 4, 5]


def test_haversine():
    paris_lyon = membres.haversine_km(2.3522, 48.8566, 4.8357, 45.7640)
    assert paris_lyon == pytest.approx(392, abs=2)
    assert membres.haversine_km(55.45, -20.94, 55.45, -20.94) == 0


def test_members_near_an_event_at_commune_precision():
    roster = pd.DataFrame({
        "pseudonyme": ["Ardennes", "Reims", "Réunion", "Sans commune"],
        "code_insee": ["08105", "51454", "97415", None],  # 97415: Saint-Paul, La Réunion
        "commune_nom": [None, "Reims", None, None],
        "lon": [0.0, 0.0, 0.0, 0.0], "lat": [0.0, 0.0, 0.0, 0.0],  # never used
        "canaux": ["linkedin", "tiktok", "linkedin instagram", "linkedin"],
        "themes": ["inclusion", "imaginaire", "inclusion", "inclusion"],
    })
    events = pd.DataFrame({"id": [5, 3], "lon": [55.44746, 4.04797], "lat": [-20.94335,
                                                                             49.25271]})
    near = membres.members_near(roster, events, radius_km=100)
    assert near[["evenement_id", "pseudonyme"]].values.tolist() == \
        [[3, "Reims"], [3, "Ardennes"], [5, "Réunion"]]
    assert near["distance_km"].tolist()[0] == 0
    assert 70 < near["distance_km"].tolist()[1] < 90  # Charleville–Reims
    assert near["commune_nom"].tolist() == ["Reims", "Charleville-Mézières", "Saint-Paul"]
    linkedin = membres.members_near(roster, events, 100, Filters(canaux=["linkedin"]))
    assert linkedin["pseudonyme"].tolist() == ["Ardennes", "Réunion"]
    assert membres.members_near(roster, events, 1)["pseudonyme"].tolist() == ["Reims"]


def test_members_near_in_blocks(monkeypatch):
    roster = pd.DataFrame({"pseudonyme": ["A", "B"], "code_insee": ["08105", "51454"],
                           "canaux": ["linkedin"] * 2, "themes": ["inclusion"] * 2})
    events = pd.DataFrame({"id": range(10), "lon": np.linspace(4, 5, 10), "lat": 49.5})
    whole = membres.members_near(roster, events, 60)
    monkeypatch.setattr(membres, "_BLOCK_CELLS", 3)
    pd.testing.assert_frame_equal(whole, membres.members_near(roster, events, 60))


_ROWS = st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 3000), st.integers(0, 20),
                           st.integers(0, 20), st.one_of(st.none(), st.integers(0, 900)),
                           st.one_of(st.none(), st.floats(0, 5))),
                 min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(_ROWS, st.randoms(use_true_random=False))
def test_property_ranking_stable_under_rerun_and_row_order(rows, rnd):
    frame = table([(f"{i:03d}", f"T{i}", poids, sites, max(a, u), u, days,
                    np.nan if index is None else index)
                   for i, (poids, sites, a, u, days, index) in enumerate(rows)])
    first = rank_table(frame)
    again = rank_table(frame)
    pd.testing.assert_frame_equal(first, again)
    order = list(frame.index)
    rnd.shuffle(order)
    shuffled = rank_table(frame.loc[order].reset_index(drop=True))
    assert shuffled["code"].tolist() == first["code"].tolist()
    assert first["score"].between(0, 100).all()
    parts = first[[f"part_{p}" for p in priorities.PARTS]]
    assert ((parts >= 0) & (parts <= 1)).all().all()


def test_ranking_of_the_same_data_twice_is_identical(data):
    pd.testing.assert_frame_equal(rank(data, "epci"), rank(data, "epci"))
    table_ = indicators.indicators(data, "region")
    pd.testing.assert_frame_equal(rank(data, "region", table=table_), rank(data, "region"))


def test_events_with_their_relay_status(data):
    events = priorities.events_status(data, "departement")
    assert events["id"].tolist() == [3, 4, 2, 5, 1, 6]  # upcoming soonest first, then past
    assert events["a_venir"].tolist() == [True, True, True, True, False, False]
    assert events["relais"].tolist() == [0, 0, 1, 0, 2, 0]  # a1 by id and a2 by title
    assert events["relaye"].tolist() == [False, False, True, False, True, False]
    assert events["code"].tolist() == ["51", "51", "2A", "974", "08", "69"]
    grand_est = priorities.events_status(data, "region", code="44")
    assert grand_est["id"].tolist() == [3, 4, 1]
    june = priorities.events_status(data, "region", Filters(debut="2025-06-01"), code="44")
    assert june["id"].tolist() == [3, 4]  # the May fair is out of the period


@pytest.fixture(scope="module")
def demo():
    today = pd.Timestamp("2025-11-26").date()
    return dataset.prepare(dataset.demo_frames(today), today, demo=True)


@pytest.mark.parametrize("level", ["region", "departement", "epci"])
def test_events_of_some_territories_are_those_of_the_whole_frame(demo, level):
    """Asked for a few territories, the frames hold the same rows as the whole ones cut."""
    filters = Filters(debut="2025-05-01", themes=["inclusion", "imaginaire"])
    to_join = priorities.events_to_join(demo, level, filters)
    status = priorities.events_status(demo, level, filters)
    assert len(to_join) and len(status)
    codes = [*to_join["code"].drop_duplicates().head(3), "inconnu"]
    wanted = to_join[to_join["code"].isin(codes)].reset_index(drop=True)
    pd.testing.assert_frame_equal(priorities.events_to_join(demo, level, filters, codes), wanted)
    for code in codes:
        mine = status[status["code"] == code].reset_index(drop=True)
        pd.testing.assert_frame_equal(priorities.events_status(demo, level, filters, code),
                                      mine, check_dtype=False)
