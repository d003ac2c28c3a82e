"""The shared filters: normalised, hashable, French errors, never adding a row."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influ_geo import schema
from influ_geo.filters import (
    CLASSES_TAILLE,
    NO_FILTERS,
    SELECTIONS,
    Filters,
    FiltersError,
    apply_filters,
    size_classes,
)


def actions() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.to_datetime(["2025-01-01 08:00", "2025-01-31 23:59", "2025-02-01 00:00",
                                "2024-12-31 23:00", "2025-01-15 12:00"]),
        "theme": ["inclusion", "territoires", "inclusion", "imaginaire", "savoir_faire"],
        "canal": ["linkedin", "tiktok", "linkedin", "presse", "linkedin"],
        "public_cible": ["parents", "jeunes", None, "elus", "parents"],
        "membre": ["Membre démo 01", "Membre démo 02", "Membre démo 01", "Membre démo 03",
                   "Membre démo 02"],
    }, index=[5, 3, 9, 1, 7])


def events() -> pd.DataFrame:
    return pd.DataFrame({
        "date_debut": pd.to_datetime(["2024-12-30 09:00", "2025-01-31 18:00", "2025-02-01 09:00",
                                      "2025-01-10 09:00"]),
        "date_fin": pd.to_datetime(["2025-01-02", None, None, "2025-01-11"]),
        "type": ["salon", "forum_emploi", "salon", None],
    })


def sites() -> pd.DataFrame:
    return pd.DataFrame({"naf_division": ["25", "10", "25", None],
                         "tranche_effectifs": ["12", "NN", None, "53"]})


def test_selections_are_sorted_unique_and_hashable():
    a = Filters(themes=["territoires", "inclusion", "inclusion"], canaux="linkedin")
    b = Filters(themes=("inclusion", "territoires"), canaux=["linkedin"])
    assert a.themes == ("inclusion", "territoires") and a.canaux == ("linkedin",)
    assert a == b and hash(a) == hash(b)
    assert len({a, b, NO_FILTERS}) == 2
    with pytest.raises(AttributeError):
        a.themes = ()  # type: ignore[misc]


def test_dates_from_text_and_datetimes():
    f = Filters(debut="2025-01-01", fin=pd.Timestamp("2025-03-31 18:00"))
    assert (f.debut, f.fin) == (date(2025, 1, 1), date(2025, 3, 31))


@pytest.mark.parametrize(("changes", "message"), [
    ({"themes": ["industrie"]}, "thèmes inconnu(s) : industrie ; valeurs acceptées : imaginaire"),
    ({"canaux": ["fax"]}, "canaux inconnu(s) : fax"),
    ({"publics": ["martiens"]}, "publics inconnu(s) : martiens"),
    ({"classes_taille": ["géant"]}, "tailles inconnu(s) : géant"),
    ({"debut": "2025-13-01"}, "debut : date « 2025-13-01 » invalide (attendu AAAA-MM-JJ)"),
    ({"debut": "2025-03-01", "fin": "2025-02-01"},
     "période vide : le début (01/03/2025) est après la fin (01/02/2025)"),
])
def test_bad_values_raise_a_french_message(changes, message):
    with pytest.raises(FiltersError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Filters(**changes)


def test_query_string_round_trip_and_description():
    f = Filters(debut="2025-01-01", themes=["inclusion", "territoires"], canaux=["tiktok"],
                classes_taille=["250_plus"])
    query = f.to_query()
    assert query == {"debut": "2025-01-01", "themes": "inclusion,territoires",
                     "canaux": "tiktok", "classes_taille": "250_plus"}
    assert Filters.from_query(query) == f
    assert Filters.from_query({"themes": ["inclusion", "territoires"], "niveau": "x"}) == \
        Filters(themes=["inclusion", "territoires"])
    assert f.describe() == ("Période : 01/01/2025 – … ; Thèmes : Inclusion et diversité, "
                            "Mobilisations territoriales dans leur diversité ; Canaux : TikTok ; "
                            "Tailles : 250 salariés et plus")
    assert NO_FILTERS.describe() == "Aucun filtre" and NO_FILTERS.is_empty()


def test_period_includes_both_days():
    kept = apply_filters(actions(), "actions", Filters(debut="2025-01-01", fin="2025-01-31"))
    assert kept.index.tolist() == [5, 3, 7]


def test_action_selections_combine():
    kept = apply_filters(actions(), "actions",
                         Filters(themes=["inclusion", "savoir_faire"], canaux=["linkedin"],
                                 publics=["parents"]))
    assert kept.index.tolist() == [5, 7]
    assert apply_filters(actions(), "actions", Filters(membres=["Membre démo 02"])).index \
        .tolist() == [3, 7]


def test_events_overlapping_the_period_and_types():
    kept = apply_filters(events(), "events", Filters(debut="2025-01-01", fin="2025-01-31"))
    assert kept.index.tolist() == [0, 1, 3]  # a fair from 30/12 to 02/01 overlaps January
    assert apply_filters(events(), "events", Filters(types_evenement=["salon"])).index \
        .tolist() == [0, 2]


def test_sites_by_division_and_size_class():
    assert size_classes(sites()["tranche_effectifs"]).tolist() == \
        ["10_49", "0_9", "inconnue", "250_plus"]
    kept = apply_filters(sites(), "sites", Filters(divisions_naf=["25"],
                                                   classes_taille=["10_49", "inconnue"]))
    assert kept.index.tolist() == [0, 2]
    assert list(CLASSES_TAILLE)[-1] == "inconnue"


def test_members_by_channel_and_theme():
    membres = pd.DataFrame({"pseudonyme": ["A", "B", "C"],
                            "canaux": ["linkedin tiktok", "presse", None],
                            "themes": ["inclusion", "inclusion territoires", "imaginaire"]})
    kept = apply_filters(membres, "membres", Filters(canaux=["tiktok", "presse"],
                                                     themes=["inclusion"]))
    assert kept["pseudonyme"].tolist() == ["A", "B"]


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind"):
        apply_filters(actions(), "sirene", NO_FILTERS)


_FILTERS = st.builds(
    Filters,
    debut=st.one_of(st.none(), st.dates(date(2024, 12, 1), date(2025, 1, 20))),
    fin=st.one_of(st.none(), st.dates(date(2025, 1, 21), date(2025, 3, 1))),
    themes=st.lists(st.sampled_from(list(schema.THEMES)), max_size=3),
    canaux=st.lists(st.sampled_from(list(schema.CANAUX)), max_size=3),
    publics=st.lists(st.sampled_from(list(schema.PUBLICS)), max_size=3),
    membres=st.lists(st.sampled_from(["Membre démo 01", "Membre démo 02", "X"]), max_size=2),
    types_evenement=st.lists(st.sampled_from(["salon", "forum_emploi", "visite"]), max_size=2),
    divisions_naf=st.lists(st.sampled_from(["10", "25", "33"]), max_size=2),
    classes_taille=st.lists(st.sampled_from(list(CLASSES_TAILLE)), max_size=2),
)


@settings(max_examples=150, deadline=None)
@given(_FILTERS, _FILTERS)
def test_property_filters_never_add_rows(f, g):
    for kind, frame in (("actions", actions()), ("events", events()), ("sites", sites())):
        kept = apply_filters(frame, kind, f)
        assert len(kept) <= len(frame)
        assert kept.index.isin(frame.index).all() and kept.index.is_unique
        pd.testing.assert_frame_equal(kept, frame.loc[kept.index])  # rows unchanged
        # one more filter on top keeps a subset
        both = apply_filters(kept, kind, g)
        assert both.index.isin(kept.index).all()
    assert Filters.from_query(f.to_query()) == f


@settings(max_examples=60, deadline=None)
@given(_FILTERS)
def test_property_empty_selection_means_all(f):
    for name in SELECTIONS:
        wider = f.replace(**{name: ()})
        narrow = apply_filters(actions(), "actions", f)
        assert narrow.index.isin(apply_filters(actions(), "actions", wider).index).all()
    assert np.array_equal(apply_filters(actions(), "actions", NO_FILTERS).index,
                          actions().index)
