"""The demonstration data set: sites, events, actions, members, Territoires d'industrie.

Deterministic (fixed seeds): the same ``today`` gives the same frames, and only the
dates move with ``today``. About 2,000 manufacturing sites at real communes, 400
events over the past 18 months and the next 6 (always 100 upcoming, 15 of them within
30 days), 1,500 actions by 40 fictional members ("Membre démo 01"…), in all 18
régions, with départements left without any action so that the dashboard shows gaps.
Every row has ``source = "demo"``; firm names are invented words.

    sites = demo_sites(today)           # canonical ``sites`` columns
    events = demo_events(today)         # canonical ``events`` columns
    actions = demo_actions(today, events)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from influ_geo import demo_vocab as vocab
from influ_geo import naf, referentiel
from influ_geo.demo_actions import demo_actions, demo_membres, gap_departements
from influ_geo.demo_places import (
    FUTURE_DAYS,
    PAST_DAYS,
    SOURCE,
    a,
    de,
    demo_territoires_industrie,
    pick_communes,
    place_names,
    points_in_communes,
    rng_for,
    with_location,
)
from influ_geo.demo_places import without_article as bare

__all__ = ["SOURCE", "demo_actions", "demo_events", "demo_frames", "demo_membres",
           "demo_sites", "demo_territoires_industrie", "gap_departements"]

N_SITES, N_EVENTS = 2_000, 400
N_UPCOMING, N_THIS_MONTH = 100, 15
SEMAINE_INDUSTRIE_WEEK, SEMAINE_INDUSTRIE_EVENTS = 12, 20  # ISO week in March; events each


def demo_frames(today: date) -> dict[str, pd.DataFrame]:
    """Every demonstration table for ``today``, keyed by store table name.

    Actions carry ``evenement_ref`` (the event's ``source_id``) since no store id exists
    yet; ``demo_cli`` links them once the events are stored.
    """
    events = demo_events(today)
    return {"territoires_industrie": demo_territoires_industrie(), "sites": demo_sites(today),
            "events": events, "membres": demo_membres(), "actions": demo_actions(today, events)}


# ---------------------------------------------------------------- sites

def demo_sites(today: date) -> pd.DataFrame:
    """About 2,000 manufacturing sites placed inside real communes (canonical ``sites``)."""
    rng = rng_for("sites")
    communes = referentiel.communes()
    chosen = communes.iloc[pick_communes(rng, communes, N_SITES, 0.8)].reset_index(drop=True)
    divisions = list(vocab.DIVISIONS)
    weights = np.array([vocab.DIVISIONS[d][0] for d in divisions], dtype=float)
    division = rng.choice(divisions, N_SITES, p=weights / weights.sum())
    bands = list(vocab.TRANCHES)
    shares = np.array(list(vocab.TRANCHES.values()))
    tranche = pd.Series(rng.choice(bands, N_SITES, p=shares / shares.sum()))
    lon, lat = points_in_communes(rng, chosen["code_insee"])
    frame = pd.DataFrame({
        "source": SOURCE,
        "source_id": [f"demo-site-{i:04d}" for i in range(1, N_SITES + 1)],
        "nom": [_firm(rng, d) for d in division],
        "naf": [rng.choice(vocab.DIVISIONS[d][1]) for d in division],
        "naf_division": division,
        "naf_libelle": [naf.DIVISIONS[d] for d in division],
        "tranche_effectifs": tranche,
        "effectifs_libelle": naf.tranche_labels(tranche),
        "effectif_estime": naf.effectifs_estimes(tranche),
        **_icpe(rng, N_SITES),
        "adresse": [f"{rng.integers(1, 120)} {rng.choice(vocab.STREETS)}" for _ in division],
        "code_postal": chosen["codes_postaux"].str.split().str[0],
        "commune": chosen["nom"],
        "lon": lon, "lat": lat,
        "geo_precision": "source",
        "date_maj": [pd.Timestamp(today) - pd.Timedelta(days=int(d))
                     for d in rng.integers(0, 400, N_SITES)],
    })
    return with_location(frame, chosen["code_insee"])


def _firm(rng: np.random.Generator, division: str) -> str:
    """``"25"`` ⇒ ``"Chaudronnerie Dalvène"``: a trade word and an invented name."""
    return f"{rng.choice(vocab.DIVISIONS[division][2])} {rng.choice(vocab.FIRM_NAMES)}"


def _icpe(rng: np.random.Generator, n: int) -> dict[str, list[str | None]]:
    """A third of the sites are classified installations; a few of those are Seveso."""
    regimes = list(vocab.REGIMES)
    odds = np.array(list(vocab.REGIMES.values()))
    classified = rng.random(n) < 0.35
    regime = [rng.choice(regimes, p=odds / odds.sum()) if c else None for c in classified]
    draw = rng.random(n)
    seveso = [None if r is None else
              "Seveso seuil haut" if r == "Autorisation" and x < 0.08 else
              "Seveso seuil bas" if r == "Autorisation" and x < 0.18 else "Non Seveso"
              for r, x in zip(regime, draw, strict=True)]
    return {"regime": regime, "seveso": seveso}


# ---------------------------------------------------------------- events

def event_days(today: date, rng: np.random.Generator) -> list[tuple[date, bool]]:
    """Start days of the 400 events, each flagged when it belongs to the Semaine de
    l'industrie (20 per March week inside the window); 100 are after ``today``, 15 of
    them within 30 days."""
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    semaine = _semaine_days(first, last, rng)
    n_future = N_UPCOMING - sum(d > today for d in semaine)
    soon = rng.integers(1, 31, N_THIS_MONTH)
    later = rng.integers(1, FUTURE_DAYS + 1, n_future - N_THIS_MONTH)
    past = -rng.integers(1, PAST_DAYS + 1, N_EVENTS - len(semaine) - n_future)
    others = [_working_day(today + timedelta(days=int(x)), today) for x in (*soon, *later, *past)]
    return [(d, True) for d in semaine] + [(d, False) for d in others]


def _working_day(day: date, today: date) -> date:
    """Move a Sunday to the Saturday before, and days of the Christmas and mid-August
    breaks out of them, staying on the same side of ``today`` and inside the window."""
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    low, high = (today + timedelta(days=1), last) if day > today else (first, today)
    for step in (-1, 1):
        moved = day
        while _off(moved) and low <= moved <= high:
            moved += timedelta(days=step)
        if low <= moved <= high:
            return moved
    return day


# Fixed public holidays (month, day) on which no factory opens its doors.
HOLIDAYS = frozenset({(5, 1), (5, 8), (7, 14), (11, 1), (11, 11)})


def _off(day: date) -> bool:
    """Sunday, a fixed public holiday, 23 December – 2 January or 1–20 August."""
    return (day.weekday() == 6 or (day.month, day.day) in HOLIDAYS
            or (day.month, day.day) >= (12, 23) or (day.month, day.day) <= (1, 2)
            or (day.month == 8 and day.day <= 20))


def _semaine_days(first: date, last: date, rng: np.random.Generator) -> list[date]:
    days = []
    for year in range(first.year, last.year + 1):
        monday = date.fromisocalendar(year, SEMAINE_INDUSTRIE_WEEK, 1)
        week = [monday + timedelta(days=k) for k in range(6)]
        week = [d for d in week if first <= d <= last]
        if week:
            days += [week[int(i)] for i in rng.integers(0, len(week), SEMAINE_INDUSTRIE_EVENTS)]
    return days


def demo_events(today: date) -> pd.DataFrame:
    """400 events of the kinds the collective relays (canonical ``events``), sorted by
    start, ``source_id`` ``"demo-ev-0001"``…; 100 start after ``today``."""
    rng = rng_for("events")
    days = event_days(today, rng)
    others = iter(rng.choice(list(vocab.EVENT_TYPES), N_EVENTS,
                             p=_normalized(vocab.EVENT_TYPES.values())))
    types = ["semaine_industrie" if semaine else str(next(others)) for _, semaine in days]
    communes = referentiel.communes()
    chosen = communes.iloc[pick_communes(rng, communes, N_EVENTS, 0.7)].reset_index(drop=True)
    chosen = _worldskills_at_largest(chosen, types, communes)
    rows = [_event_row(rng, kind, day, place) for kind, (day, _), (_, place) in
            zip(types, days, chosen.iterrows(), strict=True)]
    frame = pd.DataFrame(rows)
    frame["code_postal"] = chosen["codes_postaux"].str.split().str[0]
    frame["commune"] = chosen["nom"]
    frame["lon"], frame["lat"] = chosen["lon"], chosen["lat"]
    frame["geo_precision"] = "municipality"
    frame = with_location(frame, chosen["code_insee"])
    frame = frame.sort_values(["date_debut", "titre"], kind="stable", ignore_index=True)
    frame.insert(1, "source_id", [f"demo-ev-{i:04d}" for i in range(1, len(frame) + 1)])
    return frame


def _normalized(values: Iterable[float]) -> np.ndarray:
    array = np.array(list(values), dtype=float)
    return array / array.sum()


def _worldskills_at_largest(chosen: pd.DataFrame, types: list[str],
                            communes: pd.DataFrame) -> pd.DataFrame:
    """A WorldSkills regional selection takes place in the largest commune of its région."""
    largest = communes.sort_values("population", ascending=False, na_position="last",
                                   kind="stable")
    largest = largest.drop_duplicates("code_region").set_index("code_region", drop=False)
    out = chosen.copy()
    for position in [i for i, kind in enumerate(types) if kind == "concours"]:
        region = out.iloc[position]["code_region"]
        out.iloc[position] = largest.loc[region, out.columns]
    return out


def _event_row(rng: np.random.Generator, kind: str, day: date,
               place: pd.Series) -> dict[str, object]:
    words = _words(rng, place)
    hour = 18 if kind == "conference" else int(rng.choice([9, 9, 10, 14]))
    start = pd.Timestamp(day) + pd.Timedelta(hours=hour)
    if kind == "salon":  # two or three days, closing at 18:00
        end = pd.Timestamp(day) + pd.Timedelta(days=int(rng.integers(1, 3)), hours=18)
    else:
        end = start + pd.Timedelta(hours=int(rng.integers(2, 8)))
    return {
        "source": SOURCE, "titre": str(rng.choice(vocab.EVENT_TITLES[kind])).format(**words),
        "description": "Événement fictif des données de démonstration.",
        "date_debut": start, "date_fin": end,
        "lieu": vocab.EVENT_PLACES[kind].format(**words),
        "adresse": f"{rng.integers(1, 80)} {rng.choice(vocab.STREETS)}",
        "organisateur": vocab.EVENT_ORGANISERS[kind].format(**words),
        "type": kind, "public": str(rng.choice(vocab.EVENT_PUBLICS[kind])),
    }


def _words(rng: np.random.Generator, place: pd.Series) -> dict[str, str]:
    """Placeholders of the title templates for one commune."""
    division = str(rng.choice(list(vocab.DIVISIONS)))
    return {"site": _firm(rng, division), "commune": place["nom"],
            "de_commune": de(place["nom"]), "a_commune": a(place["nom"]),
            "departement": place_names("departements")[place["code_departement"]],
            "region": bare(place_names("regions")[place["code_region"]])}
