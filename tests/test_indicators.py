"""Indicators per territory on hand-built data (expected values worked out by hand),
totals across levels (property tests), series and period comparison."""

from __future__ import annotations

from datetime import date

import analytics_sample as sample
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influ_geo import dataset, indicators, referentiel
from influ_geo.filters import Filters
from influ_geo.indicators_series import (
    compare_periods,
    crosstab,
    monthly_series,
    previous_period,
)


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    return sample.prepared()


@pytest.fixture(scope="module")
def tables(data) -> dict[str, pd.DataFrame]:
    return indicators.compute(data)


def row(table: pd.DataFrame, code: str) -> dict[str, object]:
    found = table[table["code"] == code]
    assert len(found) == 1, code
    return found.iloc[0].to_dict()


# Weight: employment; the Ajaccio site has no band and counts as the median of the
# four known estimates (2, 15, 35, 375) = 25. Total weight 410 + 2 + 25 + 15 = 452.
# Actions done with a département: a1, a2 (08), a3 (51), a5 (2A), a6 (69), a8 (974) = 6.
EXPECTED_DEPARTEMENTS = {
    "08": dict(actions=2, actions_prevues=0, membres_actifs=2, portee=1500, reactions=40,
               actions_mesurees=2, themes_couverts=2, jours_depuis_derniere_action=34,
               evenements_passes=1, evenements_a_venir=0, evenements_relayes=1,
               evenements_non_relayes=0, evenements_a_venir_non_relayes=0, sites=2,
               sites_0_9=0, sites_10_49=1, sites_50_249=0, sites_250_plus=1,
               sites_inconnue=0, emplois_estimes=410, poids=410),
    "51": dict(actions=1, actions_prevues=0, membres_actifs=1, portee=200, reactions=5,
               actions_mesurees=1, themes_couverts=1, jours_depuis_derniere_action=5,
               evenements_passes=0, evenements_a_venir=2, evenements_relayes=0,
               evenements_non_relayes=2, evenements_a_venir_non_relayes=2, sites=1,
               sites_0_9=1, sites_inconnue=0, emplois_estimes=2, poids=2),
    "2A": dict(actions=1, actions_prevues=1, membres_actifs=1, portee=0, reactions=0,
               actions_mesurees=0, themes_couverts=1, jours_depuis_derniere_action=196,
               evenements_passes=0, evenements_a_venir=1, evenements_relayes=1,
               evenements_non_relayes=0, evenements_a_venir_non_relayes=0, sites=1,
               sites_inconnue=1, emplois_estimes=0, poids=25),
    "69": dict(actions=1, membres_actifs=1, portee=300, themes_couverts=1,
               jours_depuis_derniere_action=14, evenements_passes=1, evenements_relayes=0,
               evenements_non_relayes=1, sites=1, sites_10_49=1, poids=15),
    "974": dict(actions=1, membres_actifs=1, portee=0, jours_depuis_derniere_action=13,
                evenements_a_venir=1, evenements_a_venir_non_relayes=1,
                evenements_non_relayes=1, sites=0, poids=0),
}


@pytest.mark.parametrize("code", sorted(EXPECTED_DEPARTEMENTS))
def test_departement_by_hand(tables, code):
    got = row(tables["departement"], code)
    for name, expected in EXPECTED_DEPARTEMENTS[code].items():
        assert got[name] == expected, name


def test_coverage_index_by_hand(tables):
    dep = tables["departement"].set_index("code")
    assert dep.loc["08", "part_actions"] == pytest.approx(2 / 6)
    assert dep.loc["08", "part_poids"] == pytest.approx(410 / 452)
    assert dep.loc["08", "indice_couverture"] == pytest.approx((2 / 6) / (410 / 452))
    assert dep.loc["51", "indice_couverture"] == pytest.approx((1 / 6) / (2 / 452))
    assert dep.loc["2A", "indice_couverture"] == pytest.approx((1 / 6) / (25 / 452))
    assert dep["part_actions"].sum() == pytest.approx(1)
    assert dep["part_poids"].sum() == pytest.approx(1)
    assert tables["departement"].attrs["poids"] == "emplois"


def test_territory_without_site_has_no_coverage_index(tables):
    reunion = row(tables["departement"], "974")
    assert reunion["part_poids"] == 0 and np.isnan(reunion["indice_couverture"])


def test_territory_without_anything_is_a_row_of_zeros(tables):
    ain = row(tables["departement"], "01")
    counts = {k: v for k, v in ain.items()
              if k not in ("code", "nom", "code_region", "derniere_action",
                           "jours_depuis_derniere_action", "indice_couverture")}
    assert all(v == 0 for v in counts.values()), counts
    assert pd.isna(ain["derniere_action"]) and pd.isna(ain["jours_depuis_derniere_action"])
    assert np.isnan(ain["indice_couverture"])
    assert ain["nom"] == "Ain" and ain["code_region"] == "84"


def test_every_territory_of_each_level_is_there(tables):
    assert len(tables["region"]) == 18 and len(tables["departement"]) == 101
    assert len(tables["epci"]) == len(referentiel.load_layer("epci"))
    assert tables["ti"]["code"].tolist() == ["ti-ardennes", "ti-corse"]
    assert tables["ti"]["nom"].tolist() == ["Ardennes et Marne (test)", "Pays ajaccien (test)"]
    for table in tables.values():
        assert table["code"].is_unique and table["code"].is_monotonic_increasing


def test_regions_drom_and_corsica(tables):
    grand_est = row(tables["region"], "44")
    assert (grand_est["actions"], grand_est["membres_actifs"], grand_est["portee"]) == \
        (3, 2, 1700)
    assert (grand_est["themes_couverts"], grand_est["jours_depuis_derniere_action"]) == (3, 5)
    assert (grand_est["evenements_a_venir_non_relayes"], grand_est["poids"]) == (2, 412)
    corse = row(tables["region"], "94")
    assert (corse["nom"], corse["actions"], corse["actions_prevues"], corse["poids"]) == \
        ("Corse", 1, 1, 25)
    reunion = row(tables["region"], "04")
    assert (reunion["nom"], reunion["actions"], reunion["sites"]) == ("La Réunion", 1, 0)
    assert tables["region"]["actions"].sum() == 6  # the national action counts nowhere


def test_epci_and_ti_count_commune_located_rows_only(tables, data):
    epci = tables["epci"]
    assert epci["actions"].sum() == 3  # a1 (inherited), a5, a8: the others know a département
    charleville = referentiel.communes().set_index("code_insee").loc["08105", "siren_epci"]
    assert row(epci, charleville)["part_actions"] == pytest.approx(1 / 3)
    ti = tables["ti"].set_index("code")
    assert ti.loc["ti-ardennes", ["actions", "sites", "poids", "evenements_a_venir"]] \
        .tolist() == [1, 3, 412, 2]
    assert ti.loc["ti-corse", ["actions", "actions_prevues", "poids"]].tolist() == [1, 1, 25]
    # a TI's shares are shares of the whole country's commune-located rows
    assert ti.loc["ti-ardennes", "part_actions"] == pytest.approx(1 / 3)
    assert ti.loc["ti-ardennes", "part_poids"] == pytest.approx(412 / 452)


def test_theme_filter_changes_relays_and_recency(data):
    dep = indicators.indicators(data, "departement", Filters(themes=["inclusion"]))
    ardennes = row(dep, "08")
    assert (ardennes["actions"], ardennes["evenements_relayes"],
            ardennes["evenements_non_relayes"]) == (0, 0, 1)
    assert pd.isna(ardennes["jours_depuis_derniere_action"])  # never an inclusion action
    assert row(dep, "2A")["evenements_relayes"] == 1  # the planned relay still counts


def test_period_filter_keeps_recency_and_upcoming(data):
    dep = indicators.indicators(data, "departement",
                                Filters(debut="2025-06-01", fin="2025-06-15"))
    ardennes = row(dep, "08")
    assert ardennes["actions"] == 0 and ardennes["jours_depuis_derniere_action"] == 34
    assert dep["evenements_passes"].sum() == 0
    assert row(dep, "51")["evenements_a_venir"] == 2 and row(dep, "974")["actions"] == 1


def test_site_filters_and_weight_bases(data):
    dep = indicators.indicators(data, "departement", Filters(divisions_naf=["25"]))
    assert (row(dep, "08")["sites"], row(dep, "08")["poids"]) == (1, 35)
    assert dep["sites"].sum() == 2
    by_sites = indicators.indicators(data, "departement", poids="sites")
    assert by_sites.attrs["poids"] == "sites" and row(by_sites, "08")["poids"] == 2
    with pytest.raises(ValueError, match="poids « tonnes » inconnu"):
        indicators.indicators(data, "departement", poids="tonnes")


def test_site_columns_reused_across_filter_changes_stay_unchanged(data):
    sectors = Filters(divisions_naf=["25"])
    first = indicators.indicators(data, "departement", sectors)
    expected = first.copy()
    first["sites"] = -1  # a page changing its frame must not change the next one
    again = indicators.indicators(data, "departement", Filters(divisions_naf=["25"],
                                                               themes=["inclusion"]))
    pd.testing.assert_series_equal(again["sites"], expected["sites"])
    pd.testing.assert_series_equal(again["poids"], expected["poids"])
    assert again["sites"].sum() < indicators.indicators(data, "departement")["sites"].sum()

def test_selection_is_remembered_per_filter_set_and_handed_out_as_copies(data):
    inclusion = Filters(themes=["inclusion"])
    first = indicators.select(data, inclusion)
    expected = indicators._select(data, inclusion)
    first.done[:] = True  # a caller changing its masks must not change the next ones
    first.sites[:] = False
    again = indicators.select(data, inclusion)
    for name in ("done", "planned", "recent", "past_events", "upcoming_events", "relayed",
                 "sites", "relaying"):
        np.testing.assert_array_equal(getattr(again, name), getattr(expected, name), name)
    assert again.done is not indicators.select(data, inclusion).done
    assert indicators.select(data).done.sum() > again.done.sum()  # another filter set


def test_selection_is_remembered_per_data_set(data):
    """Two data sets (another day: other upcoming events) never share their masks."""
    later = sample.TODAY.replace(year=sample.TODAY.year + 1)
    other = dataset.prepare(sample.frames(), later)
    assert indicators.select(data).upcoming_events.any()
    assert not indicators.select(other).upcoming_events.any()
    assert indicators.select(data).upcoming_events.any()


def test_selection_memo_keeps_the_latest_filter_sets_only(data):
    for day in range(1, indicators._SELECT_MEMO_SIZE + 6):
        indicators.select(data, Filters(debut=date(2025, 1, day)))
    assert len(indicators._SELECT_MEMO[data]) == indicators._SELECT_MEMO_SIZE
    assert Filters(debut=date(2025, 1, 1)) not in indicators._SELECT_MEMO[data]


def test_key_figures(data):
    assert indicators.key_figures(data) == {
        "actions": 7, "membres_actifs": 4, "departements_touches": 5, "departements": 101,
        "ti_touches": 2, "ti": 2, "evenements_a_venir": 4,
        "evenements_a_venir_non_relayes": 3}


def test_monthly_series_with_zero_months(data):
    series = monthly_series(data, "region", codes=["44"])
    assert series["mois"].dt.strftime("%Y-%m").tolist() == \
        ["2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert series["actions"].tolist() == [0, 0, 0, 0, 0, 2, 1]
    by_theme = monthly_series(data, "departement", by="theme", codes=["08"])
    may = by_theme[by_theme["mois"] == "2025-05-01"].set_index("theme")["actions"]
    assert may.to_dict() == {"imaginaire": 1, "inclusion": 0, "responsable": 0,
                             "savoir_faire": 1, "territoires": 0}
    whole = monthly_series(data, "departement")
    assert whole["actions"].sum() == 6 and len(whole) == 101 * 7


def test_compare_periods(data):
    out = compare_periods(data, "departement", (date(2025, 5, 1), date(2025, 5, 31)),
                          (date(2025, 6, 1), date(2025, 6, 30))).set_index("code")
    assert out.loc["08", ["actions_avant", "actions_apres", "actions_ecart"]].tolist() == \
        [2, 0, -2]
    assert out.loc[["51", "69", "974"], "actions_ecart"].tolist() == [1, 1, 1]
    assert previous_period(date(2025, 4, 1), date(2025, 6, 30)) == \
        (date(2024, 12, 31), date(2025, 3, 31))


def test_unknown_level(data):
    with pytest.raises(dataset.LevelError, match="niveau « canton » inconnu"):
        indicators.indicators(data, "canton")


# ---------------------------------------------------------------- property tests

_COMMUNES = ["08105", "51454", "2A004", "2B033", "97411", "97101", "97302", "97611",
             "69123", "75056", "13055", "59350", "01053", "29019", "64445"]
_ACTION = st.fixed_dictionaries({
    "commune": st.sampled_from(_COMMUNES),
    "precision": st.sampled_from(["commune", "departement", "region", "national"]),
    "theme": st.sampled_from(["imaginaire", "inclusion", "responsable"]),
    "membre": st.sampled_from(["A", "B", "C"]),
    "day": st.integers(0, 500),
    "impressions": st.one_of(st.none(), st.integers(0, 10_000)),
})
_SITE = st.tuples(st.sampled_from(_COMMUNES), st.sampled_from(["12", "32", "01", None]))


def _random_data(rows: list[dict[str, object]], sites: list[tuple[str, str | None]]):
    communes = referentiel.communes().set_index("code_insee")
    records = []
    for r in rows:
        place = communes.loc[r["commune"]]
        keep = {"commune": 3, "departement": 2, "region": 1, "national": 0}[r["precision"]]
        records.append({
            "source": "test", "membre": r["membre"], "canal": "linkedin", "theme": r["theme"],
            "date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=r["day"]),
            "impressions": r["impressions"],
            "code_insee": r["commune"] if keep >= 3 else None,
            "code_departement": place["code_departement"] if keep >= 2 else None,
            "code_region": place["code_region"] if keep >= 1 else None,
            "territoire_niveau": r["precision"]})
    frames = {"actions": sample._frame("actions", records) if records else None,
              "sites": sample._frame("sites", [
                  {"source": "t", "source_id": str(i), "nom": "s", "code_insee": c,
                   "tranche_effectifs": band} for i, (c, band) in enumerate(sites)])
              if sites else None}
    return dataset.prepare({k: v for k, v in frames.items() if v is not None}, sample.TODAY)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ACTION, max_size=40), st.lists(_SITE, max_size=20))
def test_property_totals_preserved_from_commune_to_departement_to_region(rows, sites):
    data = _random_data(rows, sites)
    t = indicators.compute(data)
    located = {p: sum(r["precision"] == p for r in rows) for p in
               ("commune", "departement", "region")}
    assert t["epci"]["actions"].sum() == located["commune"]
    assert t["departement"]["actions"].sum() == located["commune"] + located["departement"]
    assert t["region"]["actions"].sum() == sum(located.values())
    # each région = its départements + the actions known only at the région level
    dep_by_region = t["departement"].groupby("code_region")["actions"].sum()
    only_region = pd.Series([referentiel.communes().set_index("code_insee")
                             .loc[r["commune"], "code_region"] for r in rows
                             if r["precision"] == "region"], dtype="str").value_counts()
    region = t["region"].set_index("code")["actions"]
    expected = dep_by_region.add(only_region, fill_value=0).reindex(region.index, fill_value=0)
    assert (region == expected).all()
    for name in ("sites", "poids", "emplois_estimes"):  # every site is at a commune
        assert t["epci"][name].sum() == t["departement"][name].sum() == t["region"][name].sum()
    assert t["region"]["sites"].sum() == len(sites)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ACTION, min_size=1, max_size=30),
       st.sets(st.sampled_from(["imaginaire", "inclusion", "responsable"]), min_size=1),
       st.sets(st.sampled_from(["A", "B", "C"]), min_size=1))
def test_property_a_filter_never_raises_a_count(rows, themes, membres):
    data = _random_data(rows, [("08105", "12")])
    everything = indicators.compute(data)
    narrowed = indicators.compute(data, Filters(themes=themes, membres=membres))
    for level, table in everything.items():
        for name in ("actions", "membres_actifs", "portee", "themes_couverts",
                     "evenements_relayes", "sites"):
            assert (narrowed[level][name] <= table[name]).all(), (level, name)


def test_same_values_as_a_plain_loop_over_territories_on_the_demo():
    """The benchmark's baseline (one pandas selection per territory) agrees everywhere."""
    from bench.bench_indicators import CHECKED, loop_indicators

    today = date(2025, 11, 26)
    demo = dataset.prepare(dataset.demo_frames(today), today, demo=True)
    tables = indicators.compute(demo)
    for level in ("region", "departement", "ti"):
        codes = demo.territories[level]["code"].tolist()
        slow = loop_indicators(demo, level, codes).set_index("code")[list(CHECKED)]
        fast = tables[level].set_index("code")[list(CHECKED)]
        pd.testing.assert_frame_equal(fast.astype("Float64"), slow.astype("Float64"),
                                      check_names=False)


def test_theme_by_channel_table(data):
    table = crosstab(data)
    assert table.shape == (5, 8) and table.to_numpy().sum() == 7
    assert table.loc["imaginaire", "linkedin"] == 1 and table.loc["imaginaire", "tiktok"] == 1
    grand_est = crosstab(data, level="region", code="44")
    assert grand_est.to_numpy().sum() == 3
    assert grand_est.loc["territoires", "linkedin"] == 1
    by_public = crosstab(data, rows="public", columns="theme", level="departement", code="2A")
    assert by_public.shape == (12, 5)
    assert by_public.to_numpy().sum() == 0  # a5 names no audience; a4 is only planned
    with pytest.raises(ValueError):
        crosstab(data, rows="theme", columns="theme")


def test_partial_frames_are_completed():
    """Tables given with few columns (events without store id, sites without headcount)."""
    events = pd.DataFrame({"source_id": ["e1"], "titre": ["Forum"], "code_insee": ["2B033"],
                           "date_debut": pd.to_datetime(["2025-07-01 09:00"])})
    actions = pd.DataFrame({"membre": ["A"], "canal": ["linkedin"], "theme": ["inclusion"],
                            "date": pd.to_datetime(["2025-06-01 10:00"]),
                            "evenement_ref": ["e1"]})
    sites = pd.DataFrame({"code_insee": ["2B033", "2B033"]})
    data = dataset.prepare({"events": events, "actions": actions, "sites": sites},
                           sample.TODAY)
    haute_corse = row(indicators.indicators(data, "departement"), "2B")
    assert (haute_corse["actions"], haute_corse["evenements_relayes"],
            haute_corse["sites"], haute_corse["poids"]) == (1, 1, 2, 2)  # weighed by sites
    assert data.actions.loc[0, "territoire_herite"]
