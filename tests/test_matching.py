"""Joining actions to events: by id, by title + date + territory, ambiguity, inheritance."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influ_geo import matching
from influ_geo.matching import MatchSettings, match_actions

T = pd.Timestamp


def events_frame() -> pd.DataFrame:
    """Six events: Ardennes, Marne (twice the same title), Corse-du-Sud, La Réunion, and
    the same fair two years running in Lyon."""
    rows = [
        (1, "ev-1", "Salon de la sous-traitance industrielle de Charleville-Mézières",
         "2025-05-10 09:00", "2025-05-11 18:00", "08105", "08", "44", "200041515", None),
        (2, "ev-2", "Forum de l'emploi industriel d'Ajaccio", "2025-07-01 09:00", None,
         "2A004", "2A", "94", "242010056", "ti-ajaccio"),
        (3, "ev-3", "Semaine de l'industrie : portes ouvertes chez Cartonnerie Faurac",
         "2025-06-20 09:00", None, "51454", "51", "44", "200067213", None),
        (4, "ev-4", "Semaine de l'industrie : portes ouvertes chez Cartonnerie Faurac",
         "2025-06-22 09:00", None, "51454", "51", "44", "200067213", None),
        (5, "ev-5", "Job dating de l'industrie à Saint-Denis", "2025-09-01 14:00", None,
         "97411", "974", "04", "249740119", None),
        (6, "ev-6", "Salon Industrie Lyon", "2024-04-02 09:00", "2024-04-05 18:00",
         "69123", "69", "84", "200046977", None),
        (7, "ev-7", "Salon Industrie Lyon", "2025-04-01 09:00", "2025-04-04 18:00",
         "69123", "69", "84", "200046977", None),
    ]
    frame = pd.DataFrame(rows, columns=["id", "source_id", "titre", "date_debut", "date_fin",
                                        "code_insee", "code_departement", "code_region",
                                        "siren_epci", "id_ti"])
    frame["id"] = frame["id"].astype("Int64")
    for name in ("date_debut", "date_fin"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    frame["commune_nom"] = frame["code_insee"].map({
        "08105": "Charleville-Mézières", "2A004": "Ajaccio", "51454": "Reims",
        "97411": "Saint-Denis", "69123": "Lyon"})
    frame["lon"], frame["lat"] = 4.7, 49.7
    frame["geo_precision"] = "municipality"
    return frame.astype({c: "str" for c in ("source_id", "titre", "code_insee",
                                            "code_departement", "code_region", "siren_epci",
                                            "id_ti", "commune_nom", "geo_precision")})


def action(date: str, *, evenement_id: int | None = None, titre: str | None = None,
           ref: str | None = None, insee: str | None = None, dep: str | None = None,
           region: str | None = None, niveau: str | None = None) -> dict[str, object]:
    return {"date": T(date), "evenement_id": evenement_id, "evenement_titre": titre,
            "evenement_ref": ref, "code_insee": insee, "code_departement": dep,
            "code_region": region, "territoire_niveau": niveau}


def actions_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["evenement_id"] = frame["evenement_id"].astype("Int64")
    frame["date"] = frame["date"].astype("datetime64[us]")
    for name in ("evenement_titre", "evenement_ref", "code_insee", "code_departement",
                 "code_region", "territoire_niveau"):
        frame[name] = frame[name].astype("str")
    return frame


def one(row: dict[str, object]) -> pd.Series:
    return match_actions(actions_frame([row]), events_frame()).actions.iloc[0]


def test_by_store_id():
    got = one(action("2025-05-09", evenement_id=1))
    assert (got["liaison"], got["evenement_id"], got["liaison_score"]) == ("id", 1, 1.0)


def test_by_reference_of_the_file():
    got = one(action("2025-05-09", ref="ev-2"))
    assert (got["liaison"], got["evenement_id"]) == ("id", 2)
    assert one(action("2025-05-09", ref="3"))["evenement_id"] == 3  # store id written as text


@pytest.mark.parametrize("titre", [
    "Salon de la sous-traitance industrielle de Charleville-Mézières",  # exact
    "salon de la sous-traitance industrielle de charleville-mezieres",  # typed in lower case
    "Retour sur : Salon de la sous-traitance industrielle de Charleville",  # in a post title
    "SALON DE LA SOUS TRAITANCE INDUSTRIELLE",  # shortened, shouting
])
def test_by_title_date_and_territory(titre):
    got = one(action("2025-05-12", titre=titre, dep="08", region="44"))
    assert got["liaison"] == "titre"
    assert got["evenement_id"] == 1
    assert 0.8 <= got["liaison_score"] <= 1


def test_an_announcement_months_ahead_matches_with_less_confidence():
    near = one(action("2025-06-20", titre="Forum de l'emploi industriel d'Ajaccio", dep="2A"))
    early = one(action("2025-02-01", titre="Forum de l'emploi industriel d'Ajaccio", dep="2A"))
    assert (near["evenement_id"], early["evenement_id"]) == (2, 2)
    assert early["liaison_score"] < near["liaison_score"] == 1.0


@pytest.mark.parametrize(("date", "dep", "region", "why"), [
    ("2024-06-01", "08", "44", "a year before: no event is that far ahead"),
    ("2025-08-01", "08", "44", "more than a month after its end"),
    ("2025-05-12", "2A", "94", "another région"),
])
def test_no_candidate_is_not_found(date, dep, region, why):
    got = one(action(date, titre="Salon de la sous-traitance industrielle de Charleville",
                     dep=dep, region=region))
    assert got["liaison"] == "non_trouve", why
    assert pd.isna(got["evenement_id"])


def test_an_unrelated_title_is_not_found():
    got = one(action("2025-05-12", titre="Conférence quantique sur Mars", dep="08"))
    assert got["liaison"] == "non_trouve"
    assert got["liaison_score"] < 0.8


def test_two_events_with_the_same_title_are_ambiguous_and_listed():
    result = match_actions(actions_frame([
        action("2025-06-10", titre="portes ouvertes chez Cartonnerie Faurac", dep="51")]),
        events_frame())
    got = result.actions.iloc[0]
    assert got["liaison"] == "ambigu"
    assert pd.isna(got["evenement_id"])  # never forced
    assert not got["territoire_herite"]
    assert sorted(result.candidates["evenement_id"].tolist()) == [3, 4]
    assert (result.candidates["action"] == 0).all()
    assert len(result.ambiguous()) == 1 and result.unmatched().empty


def test_the_date_tells_two_editions_of_a_yearly_fair_apart():
    got = one(action("2025-04-06", titre="Salon Industrie Lyon", dep="69"))
    assert (got["liaison"], got["evenement_id"]) == ("titre", 7)
    got = one(action("2024-03-20", titre="Salon Industrie Lyon", dep="69"))
    assert got["evenement_id"] == 6


def test_an_unknown_id_is_never_forced():
    got = one(action("2025-06-02", evenement_id=99, insee="97411", dep="974", region="04"))
    assert got["liaison"] == "non_trouve"
    assert pd.isna(got["evenement_id"])
    assert got["code_insee"] == "97411"


def test_an_unknown_id_falls_back_to_the_title():
    got = one(action("2025-08-25", evenement_id=99, titre="Job dating de l'industrie à "
                     "Saint-Denis", region="04"))
    assert (got["liaison"], got["evenement_id"]) == ("titre", 5)


def test_action_without_territory_inherits_its_event():
    got = one(action("2025-06-25", evenement_id=2))
    assert got["territoire_herite"]
    assert (got["code_insee"], got["code_departement"], got["code_region"]) == \
        ("2A004", "2A", "94")
    assert (got["siren_epci"], got["id_ti"], got["commune_nom"]) == \
        ("242010056", "ti-ajaccio", "Ajaccio")
    assert got["territoire_niveau"] == "commune"


def test_own_territory_and_national_actions_are_kept():
    result = match_actions(actions_frame([
        action("2025-05-12", evenement_id=1, dep="08", region="44", niveau="departement"),
        action("2025-05-12", evenement_id=1, niveau="national"),
    ]), events_frame()).actions
    assert result["territoire_herite"].tolist() == [False, False]
    assert pd.isna(result.loc[0, "code_insee"]) and result.loc[0, "code_departement"] == "08"
    assert result.loc[1, ["code_insee", "code_departement", "code_region"]].isna().all()


def test_counts_and_no_row_lost():
    rows = [action("2025-05-09", evenement_id=1), action("2025-05-09"),
            action("2025-06-10", titre="portes ouvertes chez Cartonnerie Faurac", dep="51"),
            action("2025-05-12", titre="Salon de la sous-traitance", dep="08"),
            action("2025-05-12", titre="Rien à voir", dep="08")]
    frame = actions_frame(rows)
    frame.index = [10, 20, 30, 40, 50]
    result = match_actions(frame, events_frame())
    assert result.actions.index.tolist() == [10, 20, 30, 40, 50]
    assert result.counts() == {"id": 1, "titre": 1, "ambigu": 1, "non_trouve": 1, "aucun": 1}
    assert set(matching.LIAISONS) == set(result.counts())


def test_scoring_in_blocks_gives_the_same_result(monkeypatch):
    titles = events_frame()["titre"].tolist()
    rows = [action("2025-05-20", titre=t.lower()) for t in titles * 5]  # no territory
    whole = match_actions(actions_frame(rows), events_frame()).actions
    monkeypatch.setattr(matching, "_CHUNK_CELLS", 7)  # one action at a time
    matching._MEMO.clear()  # scored again, not recalled
    blocks = match_actions(actions_frame(rows), events_frame()).actions
    pd.testing.assert_frame_equal(whole, blocks)


def test_blocks_of_a_few_days_give_the_same_result_as_one_block(monkeypatch):
    titles = [t[:20] for t in events_frame()["titre"]] + ["Conférence quantique sur Mars"]
    days = pd.date_range("2024-01-01", "2026-01-01", freq="9D")
    rows = [action(str(day.date()), titre=titles[i % len(titles)],
                   dep=("08", "2A", None)[i % 3]) for i, day in enumerate(days)]
    small = match_actions(actions_frame(rows), events_frame())
    monkeypatch.setattr(matching, "_SPAN_DAYS", 10_000)  # every date in one block
    matching._MEMO.clear()  # scored again, not recalled
    whole = match_actions(actions_frame(rows), events_frame())
    assert small.actions["liaison"].nunique() > 1
    pd.testing.assert_frame_equal(small.actions, whole.actions)
    pd.testing.assert_frame_equal(small.candidates, whole.candidates)

def test_verdicts_are_recalled_for_the_same_events_and_worked_out_for_new_ones(monkeypatch):
    rows = [action("2025-05-12", titre="Retour sur : Salon de la sous-traitance", dep="08"),
            action("2025-06-10", titre="portes ouvertes chez Cartonnerie Faurac", dep="51"),
            action("2025-04-06", titre="Salon Industrie Lyon", dep="69")]
    matching._MEMO.clear()
    first = match_actions(actions_frame(rows), events_frame())
    scored: list[int] = []
    real = matching._score
    monkeypatch.setattr(matching, "_score", lambda block, *a: scored.extend(block.rows)
                        or real(block, *a))
    again = match_actions(actions_frame(rows), events_frame())
    assert scored == []  # nothing scored again
    pd.testing.assert_frame_equal(first.actions, again.actions)
    pd.testing.assert_frame_equal(first.candidates, again.candidates)
    more = [*rows, action("2024-03-20", titre="Salon Industrie Lyon", dep="69")]
    grown = match_actions(actions_frame(more), events_frame())
    assert scored == [3] and grown.actions["evenement_id"].tolist()[2:] == [7, 6]
    moved = events_frame().assign(date_debut=lambda f: f["date_debut"] + pd.Timedelta(days=400))
    shifted = match_actions(actions_frame(rows), moved).actions
    assert first.actions["liaison"].iloc[0] == "titre"  # other events: worked out again
    assert shifted["liaison"].iloc[0] == "non_trouve" and 2 in scored[1:]

def test_no_events_at_all():
    result = match_actions(actions_frame([action("2025-05-12", titre="Salon", dep="08")]),
                           events_frame().iloc[:0])
    assert result.actions["liaison"].tolist() == ["non_trouve"]
    assert result.candidates.empty


def test_stricter_settings_refuse_weaker_matches():
    row = action("2025-05-12", titre="Salon de la sous-traitance industrielle", dep="08")
    loose = match_actions(actions_frame([row]), events_frame()).actions.iloc[0]
    strict = match_actions(actions_frame([row]), events_frame(),
                           MatchSettings(min_confidence=0.99)).actions.iloc[0]
    assert loose["liaison"] == "titre"
    assert strict["liaison"] == "non_trouve"


_DATES = st.dates(min_value=pd.Timestamp("2024-01-01").date(),
                  max_value=pd.Timestamp("2026-01-01").date())
_ROWS = st.lists(st.fixed_dictionaries({
    "date": _DATES.map(lambda d: str(d)),
    "evenement_id": st.one_of(st.none(), st.integers(0, 9)),
    "titre": st.one_of(st.none(), st.sampled_from(events_frame()["titre"].tolist()),
                       st.text(max_size=30)),
    "dep": st.sampled_from([None, "08", "51", "2A", "974", "69"]),
}), max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ROWS)
def test_property_every_action_kept_and_only_real_events_linked(rows):
    frame = actions_frame([action(r["date"], evenement_id=r["evenement_id"], titre=r["titre"],
                                  dep=r["dep"]) for r in rows]) if rows else \
        actions_frame([action("2025-01-01")]).iloc[:0]
    result = match_actions(frame, events_frame())
    out = result.actions
    assert len(out) == len(frame) and out.index.equals(frame.index)
    linked = out["evenement_id"].dropna()
    assert linked.isin(events_frame()["id"]).all()
    assert (out["liaison"].isin(["id", "titre"]) == out["evenement_id"].notna()).all()
    given_ids = frame["evenement_id"].isin(range(1, 8)).fillna(False).astype(bool)
    assert (out.loc[given_ids, "liaison"] == "id").all()
    assert set(result.candidates["action"]) == set(out.index[out["liaison"] == "ambigu"])
