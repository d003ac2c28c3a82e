"""Indicators of every territory of the four levels, against a per-territory loop.

Targets (issue "analytics"): all indicators for all four levels on 100,000 actions,
500,000 sites and 50,000 events (generated at real communes) in ≤ 1 s once the data is
in memory and prepared; re-computing after a filter change on the demo data ≤ 100 ms.

Baseline, measured in the same run: the straightforward loop — for each territory,
select its rows with a boolean mask and compute each indicator with pandas
(``loop_indicators``). It is timed on an evenly spread sample of the territories of
each level and extrapolated to all of them (said so in the output); its values are
checked against ``indicators.compute`` on that sample.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pandas as pd

from bench import analytics_frames
from influ_geo import dataset, indicators, priorities
from influ_geo.dataset import CODE_COLUMNS, LEVELS, Dataset
from influ_geo.filters import Filters
from influ_geo.matching import LIAISONS

TARGET_ALL_LEVELS = 1.0
TARGET_FILTER_CHANGE = 0.100
LOOP_SAMPLE = 24  # territories per level timed in the baseline loop
CHECKED = ("actions", "actions_prevues", "membres_actifs", "portee", "themes_couverts",
           "jours_depuis_derniere_action", "evenements_passes", "evenements_a_venir",
           "evenements_relayes", "evenements_a_venir_non_relayes", "sites",
           "emplois_estimes")


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def loop_indicators(data: Dataset, level: str, codes: list[str]) -> pd.DataFrame:
    """The baseline: one pass over every table per territory of ``codes``, no filter."""
    column = CODE_COLUMNS[level]
    actions, events, sites = data.actions, data.events, data.sites
    today = pd.Timestamp(data.today)
    relayed = set(actions["evenement_id"].dropna().astype(int))
    rows = []
    for code in codes:
        mine = actions[actions[column] == code]
        done = mine[~mine["prevue"]]
        recent = done[done["date"] < today + pd.Timedelta(days=1)]
        evs = events[events[column] == code]
        upcoming = evs[evs["date_debut"] >= today]
        here = sites[sites[column] == code]
        last = recent["date"].max()
        rows.append({
            "code": code, "actions": len(done), "actions_prevues": int(mine["prevue"].sum()),
            "membres_actifs": done["membre"].nunique(),
            "portee": int(done["impressions"].sum()),
            "themes_couverts": done["theme"].nunique(),
            "jours_depuis_derniere_action": (today - last.normalize()).days
            if len(recent) else pd.NA,
            "evenements_passes": int((evs["date_debut"] < today).sum()),
            "evenements_a_venir": len(upcoming),
            "evenements_relayes": int(evs["id"].isin(relayed).sum()),
            "evenements_a_venir_non_relayes": int((~upcoming["id"].isin(relayed)).sum()),
            "sites": len(here), "emplois_estimes": int(here["effectif"].sum()),
            **{f"sites_{c}": int((here["classe_taille"] == c).sum())
               for c in here["classe_taille"].cat.categories},
        })
    return pd.DataFrame(rows)


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _sample(codes: pd.Series) -> list[str]:
    step = max(1, len(codes) // LOOP_SAMPLE)
    return codes.iloc[::step].tolist()


def _check(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """The loop's values equal ``compute``'s on the sampled territories."""
    mine = fast.set_index("code").loc[slow["code"], list(CHECKED)]
    theirs = slow.set_index("code")[list(CHECKED)]
    pd.testing.assert_frame_equal(mine.astype("Float64"), theirs.astype("Float64"),
                                  check_names=False)


def large(seed: int = 0) -> None:
    """100,000 actions, 500,000 sites, 50,000 events: vectorised vs loop."""
    seconds, frames = _timed(lambda: analytics_frames.frames(seed=seed))
    sizes = {k: len(v) for k, v in frames.items()}
    print(f"Données générées en {seconds:.1f} s : {_n(sizes['actions'])} actions, "
          f"{_n(sizes['sites'])} sites, {_n(sizes['events'])} événements")
    prep, data = _timed(lambda: dataset.prepare(frames, analytics_frames.TODAY))
    counts = ", ".join(f"{LIAISONS[code].split(' (')[0].lower()} {_n(n)}"
                       for code, n in data.matching.counts().items())
    print(f"Préparation (jointure actions ↔ événements, codes, positions) : {prep:.1f} s ; "
          f"liaisons : {counts}")
    runs = [_timed(lambda: indicators.compute(data)) for _ in range(3)]
    fast_seconds = min(s for s, _ in runs)
    tables = runs[0][1]
    verdict = "OK" if fast_seconds <= TARGET_ALL_LEVELS else "HORS CIBLE"
    levels = ", ".join(f"{len(tables[level])} {level}" for level in LEVELS)
    print(f"Tous les indicateurs, 4 niveaux ({levels}) : {fast_seconds * 1000:.0f} ms "
          f"(meilleur de 3 ; cible ≤ "
          f"{TARGET_ALL_LEVELS:.0f} s : {verdict})")
    loop_total = 0.0
    for level in LEVELS:
        codes = data.territories[level]["code"]
        sample = _sample(codes)
        seconds, slow = _timed(lambda level=level, sample=sample:
                               loop_indicators(data, level, sample))
        _check(tables[level], slow)
        extrapolated = seconds * len(codes) / len(sample)
        loop_total += extrapolated
        how = "mesurée" if len(sample) == len(codes) else \
            f"mesurée sur {len(sample)} territoires, extrapolée"
        print(f"  boucle par territoire, {level} ({len(codes)}) : {extrapolated:.1f} s ({how}) ;"
              f" valeurs identiques au calcul vectorisé")
    print(f"Référence boucle par territoire, 4 niveaux : {loop_total:.1f} s ; rapport boucle / "
          f"vectorisé : {_n(loop_total / fast_seconds)}×")


FILTER_CHANGES = (
    Filters(themes=["inclusion"]),
    Filters(canaux=["linkedin", "tiktok"]),
    Filters(themes=["territoires", "savoir_faire"], publics=["parents"]),
    Filters(types_evenement=["salon", "forum_emploi"]),
    Filters(divisions_naf=["25", "28"], classes_taille=["50_249", "250_plus"]),
    Filters(membres=["Membre démo 07", "Membre démo 12"]),
)


def demo_filter_change() -> None:
    """On the demo data: indicators of the four levels and the Où agir ranking of the
    départements after each filter change."""
    today = analytics_frames.TODAY
    data = dataset.prepare(dataset.demo_frames(today), today, demo=True)
    indicators.compute(data)  # warm: first use of each code path

    def recompute(filters: Filters) -> None:
        tables = indicators.compute(data, filters)
        priorities.rank(data, "departement", filters, table=tables["departement"])

    timings = []
    for filters in FILTER_CHANGES:
        timings.append(min(_timed(lambda f=filters: recompute(f))[0] for _ in range(3)))
    median, worst = statistics.median(timings), max(timings)
    verdict = "OK" if worst <= TARGET_FILTER_CHANGE else "HORS CIBLE"
    print(f"Données de démonstration, changement de filtre (4 niveaux + classement Où agir) : "
          f"médiane {median * 1000:.0f} ms, pire {worst * 1000:.0f} ms sur "
          f"{len(timings)} filtres (cible ≤ {TARGET_FILTER_CHANGE * 1000:.0f} ms : {verdict})")


def main() -> None:
    """Print the figures of both targets."""
    demo_filter_change()
    large()


if __name__ == "__main__":
    main()
