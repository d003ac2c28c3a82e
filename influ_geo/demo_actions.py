"""Demonstration members ("Membre démo 01"…) and their campaign records.

Forty fictional members live in real communes outside the *gap* départements (about
one département in three of each large metropolitan région, where nothing happens, so
that the dashboard shows gaps). Their 1,500 actions relay events by id (45 %), by
title only (15 %) or none (40 %); a few relays of upcoming events are planned
(``statut = "prevue"``). Each région has at least one action.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from influ_geo import demo_vocab as vocab
from influ_geo import referentiel
from influ_geo.demo_places import (
    PAST_DAYS,
    SOURCE,
    a,
    de,
    location_columns,
    membre_name,
    pick_communes,
    place_names,
    rng_for,
    ti_map,
)
from influ_geo.demo_places import without_article as bare

N_ACTIONS, N_MEMBRES = 1_500, 40
KINDS = {"id": 0.45, "titre": 0.15, "aucun": 0.40}  # how an action names its event
SHARE_PLANNED = 0.15  # relays of upcoming events that are planned, not yet done
SHARE_NO_REACH = 0.08  # social posts whose figures were not collected
LOCATION = ["code_insee", "commune_nom", "code_departement", "code_region", "siren_epci",
            "id_ti", "lon", "lat", "geo_precision"]


@cache
def gap_departements() -> frozenset[str]:
    """Départements with no member and no action: a third of each metropolitan région of
    four départements or more, never one holding a demonstration Territoire d'industrie."""
    rng = rng_for("gaps")
    communes = referentiel.communes()
    with_ti = set(communes.loc[communes["code_insee"].isin(ti_map()), "code_departement"])
    gaps: set[str] = set()
    for _, deps in sorted(communes.groupby("code_region")["code_departement"].unique().items()):
        candidates = sorted(set(deps) - with_ti)
        if len(deps) >= 4:
            gaps.update(rng.choice(candidates, len(deps) // 3, replace=False).tolist())
    return frozenset(gaps)


@cache
def _profiles() -> pd.DataFrame:
    """Members with their home commune, channels, favourite themes and activity."""
    rng = rng_for("membres")
    communes = referentiel.communes()
    homes = communes.iloc[pick_communes(rng, communes, N_MEMBRES, 0.6, per_region=1,
                                        excluded=gap_departements())].reset_index(drop=True)
    channels = list(vocab.CHANNEL_WEIGHTS)
    shares = np.array(list(vocab.CHANNEL_WEIGHTS.values()), dtype=float)
    # LinkedIn is the collective's main channel today; a few members lead elsewhere.
    mains = np.where(rng.random(N_MEMBRES) < 0.75, "linkedin",
                     rng.choice(channels, N_MEMBRES, p=shares / shares.sum()))
    seconds = [rng.choice([c for c in channels if c != m]) for m in mains]
    themes = [rng.choice(list(vocab.POST_TITLES), 2, replace=False) for _ in range(N_MEMBRES)]
    return pd.DataFrame({
        "pseudonyme": [membre_name(i) for i in range(1, N_MEMBRES + 1)],
        "code_insee": homes["code_insee"], "canal_principal": mains, "canal_second": seconds,
        "themes": [" ".join(t) for t in themes],
        "activite": rng.gamma(1.2, 1.0, N_MEMBRES) + 0.15,
    })


def demo_membres() -> pd.DataFrame:
    """The roster of the 40 fictional members (canonical ``membres`` columns); their
    location is the point of their home commune, never an address. A fresh copy."""
    return _membres().copy()


@cache
def _membres() -> pd.DataFrame:
    profiles = _profiles()
    located = location_columns(profiles["code_insee"], ti_map())
    communes = referentiel.communes().set_index("code_insee").loc[profiles["code_insee"]]
    return pd.DataFrame({
        "source": SOURCE, "pseudonyme": profiles["pseudonyme"],
        "code_insee": located["code_insee"], "commune_nom": located["commune_nom"],
        "code_departement": located["code_departement"], "code_region": located["code_region"],
        "lon": communes["lon"].to_numpy(), "lat": communes["lat"].to_numpy(),
        "canaux": profiles["canal_principal"] + " " + profiles["canal_second"],
        "themes": profiles["themes"],
    })


def demo_actions(today: date, events: pd.DataFrame) -> pd.DataFrame:
    """1,500 campaign records of the demonstration members (canonical ``actions``).

    ``events`` is ``demo_events(today)``, or the same rows read back from the store:
    when it has the store ``id``, relays by id fill ``evenement_id``; otherwise they
    carry the event's ``source_id`` in an extra ``evenement_ref`` column (see
    ``actions_csv.link_events``). Sorted by date, ``source_id`` ``"demo-act-0001"``….
    """
    rng = rng_for("actions")
    events = events.sort_values("source_id", ignore_index=True)
    relayable = events[~events["code_departement"].isin(gap_departements())]
    pool = _EventPool(relayable.to_dict("records"))
    profiles = _profiles()
    homes = referentiel.communes().set_index("code_insee").loc[profiles["code_insee"]]
    homes = homes.reset_index().to_dict("records")
    members = profiles.to_dict("records")
    rows = [_action(rng, today, members[m], homes[m], pool, kind="aucun", level="commune")
            for m in _one_member_per_region(homes)]
    odds = profiles["activite"].to_numpy() / profiles["activite"].sum()
    picks = rng.choice(N_MEMBRES, N_ACTIONS - len(rows), p=odds)
    kinds = rng.choice(list(KINDS), N_ACTIONS - len(rows), p=list(KINDS.values()))
    rows += [_action(rng, today, members[m], homes[m], pool, str(kind))
             for m, kind in zip(picks, kinds, strict=True)]
    return _finish(pd.DataFrame(rows), events, rng)


class _EventPool:
    """The relayable events, by région for quick draws."""

    def __init__(self, records: list[dict[str, object]]) -> None:
        self.records = records
        self.by_region: dict[str, list[int]] = {}
        for position, record in enumerate(records):
            self.by_region.setdefault(str(record["code_region"]), []).append(position)

    def draw(self, rng: np.random.Generator, region: str) -> dict[str, object]:
        """An event of ``region`` seven times in ten (when it has some), else anywhere."""
        local = self.by_region.get(region, [])
        if local and rng.random() < 0.7:
            return self.records[local[int(rng.integers(len(local)))]]
        return self.records[int(rng.integers(len(self.records)))]


def _one_member_per_region(homes: list[dict[str, object]]) -> list[int]:
    """The first member living in each région: each gets one action there first."""
    first: dict[str, int] = {}
    for position, home in enumerate(homes):
        first.setdefault(str(home["code_region"]), position)
    return [first[region] for region in sorted(first)]


Record = dict[str, object]


def _action(rng: np.random.Generator, today: date, member: Record, home: Record,
            pool: _EventPool, kind: str, level: str | None = None) -> Record:
    """One action of ``member``: relaying an event (by id or title) or on its own."""
    canal = _channel(rng, member)
    event = None if kind == "aucun" else pool.draw(rng, str(home["code_region"]))
    when, statut = _when(rng, today, event)
    theme = _theme(rng, member, event)
    row = {"membre": member["pseudonyme"], "canal": canal, "theme": theme,
           "public_cible": str(rng.choice(vocab.CHANNEL_PUBLICS[canal])), "statut": statut,
           "date": when, **_reach(rng, canal)}
    if event is None:
        words = _words(home)
        row.update(titre=str(rng.choice(vocab.POST_TITLES[theme])).format(**words),
                   campagne=_campaign(rng, None, when), **_home_territory(rng, home, level))
        return row
    before = statut == "prevue" or when < event["date_debut"]
    templates = vocab.RELAY_BEFORE if before else vocab.RELAY_AFTER
    row.update(titre=str(rng.choice(templates)).format(event=event["titre"]),
               campagne=_campaign(rng, event, when), **_event_link(rng, event, kind))
    return row


def _channel(rng: np.random.Generator, member: Record) -> str:
    draw = rng.random()
    if draw < 0.7:
        return member["canal_principal"]
    if draw < 0.9:
        return member["canal_second"]
    return str(rng.choice(list(vocab.CHANNEL_WEIGHTS)))


def _when(rng: np.random.Generator, today: date,
          event: Record | None) -> tuple[pd.Timestamp, str]:
    """Date and status: around a past event, before an upcoming one (or planned on its day)."""
    now = pd.Timestamp(today)
    first = now - pd.Timedelta(days=PAST_DAYS)
    hour = pd.Timedelta(hours=int(rng.integers(7, 21)))
    if event is None:
        return now - pd.Timedelta(days=int(rng.integers(1, PAST_DAYS))) + hour, "realisee"
    start = event["date_debut"].normalize()
    if start > now:
        if rng.random() < SHARE_PLANNED:
            return start + hour, "prevue"
        return max(now - pd.Timedelta(days=int(rng.integers(1, 21))), first) + hour, "realisee"
    moment = start + pd.Timedelta(days=int(rng.integers(-10, 5)))
    return min(max(moment, first), now - pd.Timedelta(days=1)) + hour, "realisee"


def _theme(rng: np.random.Generator, member: Record, event: Record | None) -> str:
    if event is not None and rng.random() < 0.7:
        return str(rng.choice(vocab.EVENT_THEMES[event["type"]]))
    if rng.random() < 0.75:
        return str(rng.choice(member["themes"].split()))
    return str(rng.choice(list(vocab.POST_TITLES)))


def _reach(rng: np.random.Generator, canal: str) -> dict[str, int | None]:
    """Impressions around the channel's median; reactions ~3 %, comments and shares fewer."""
    if canal not in vocab.REACH or rng.random() < SHARE_NO_REACH:
        return dict.fromkeys(("impressions", "reactions", "commentaires", "partages"))
    median, spread = vocab.REACH[canal]
    impressions = int(median * rng.lognormal(0, spread)) + 20
    reactions = int(impressions * rng.beta(2, 60))
    return {"impressions": impressions, "reactions": reactions,
            "commentaires": int(reactions * rng.beta(2, 18)),
            "partages": int(reactions * rng.beta(1, 20))}


def _campaign(rng: np.random.Generator, event: Record | None, when: pd.Timestamp) -> str | None:
    if event is not None and event["type"] in vocab.CAMPAIGNS:
        return vocab.CAMPAIGNS[event["type"]].format(year=event["date_debut"].year)
    return f"Tournée des territoires {when.year}" if rng.random() < 0.15 else None


def _words(home: Record) -> dict[str, str]:
    departements = place_names("departements")
    return {"commune": home["nom"], "de_commune": de(home["nom"]), "a_commune": a(home["nom"]),
            "departement": departements[home["code_departement"]],
            "region": bare(place_names("regions")[home["code_region"]])}


def _home_territory(rng: np.random.Generator, home: Record,
                    level: str | None) -> dict[str, str | None]:
    """The member's commune (half), département, région, or the whole country."""
    level = level or str(rng.choice(["commune", "departement", "region", "national"],
                                    p=[0.5, 0.3, 0.15, 0.05]))
    return {"territoire_niveau": level,
            "code_insee": home["code_insee"] if level == "commune" else None,
            "code_departement": home["code_departement"] if level in ("commune",
                                                                      "departement") else None,
            "code_region": home["code_region"] if level != "national" else None}


def _event_link(rng: np.random.Generator, event: Record, kind: str) -> dict[str, object]:
    """By id: the event itself, at its commune or inheriting it; by title: a title as a
    member types it (sometimes in lower case or shortened), at the event's département."""
    if kind == "id":
        at_commune = rng.random() < 0.55
        return {"evenement_source_id": event["source_id"], "evenement_titre": event["titre"],
                "territoire_niveau": "commune" if at_commune else None,
                "code_insee": event["code_insee"] if at_commune else None,
                "code_departement": event["code_departement"] if at_commune else None,
                "code_region": event["code_region"] if at_commune else None}
    title = event["titre"]
    variant = rng.integers(3)
    title = title.lower() if variant == 1 else title.split(" : ")[-1] if variant == 2 else title
    return {"evenement_source_id": None, "evenement_titre": title,
            "territoire_niveau": "departement", "code_insee": None,
            "code_departement": event["code_departement"], "code_region": event["code_region"]}


def _finish(frame: pd.DataFrame, events: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every channel and theme present, event ids, places, order and identifiers."""
    frame = _all_values_present(frame, rng)
    frame = frame.sort_values(["date", "membre"], kind="stable", ignore_index=True)
    frame.insert(0, "source", SOURCE)
    frame.insert(1, "source_id", [f"demo-act-{i:04d}" for i in range(1, len(frame) + 1)])
    if "id" in events.columns:
        ids = dict(zip(events["source_id"], events["id"], strict=True))
        frame["evenement_id"] = pd.array(frame["evenement_source_id"].map(ids), dtype="Int64")
    else:
        frame["evenement_ref"] = frame["evenement_source_id"]
    frame = frame.drop(columns="evenement_source_id")
    for name in ("impressions", "reactions", "commentaires", "partages"):
        frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
    return _locate(frame)


def _all_values_present(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Rare channels or themes missing by chance are given to a few random actions."""
    out = frame.copy()
    for column, values in (("canal", vocab.CHANNEL_WEIGHTS), ("theme", vocab.POST_TITLES)):
        for value in [v for v in values if v not in set(out[column])]:
            out.loc[int(rng.integers(len(out))), column] = value
    return out


def _locate(frame: pd.DataFrame) -> pd.DataFrame:
    """Geocoding columns: commune codes placed at the commune point, else the level's codes."""
    at_commune = frame["code_insee"].notna()
    located = location_columns(frame.loc[at_commune, "code_insee"], ti_map())
    located.index = frame.index[at_commune]
    communes = referentiel.communes().set_index("code_insee")
    out = frame.copy()
    for name in ("commune_nom", "siren_epci", "id_ti"):
        out[name] = located[name].reindex(out.index)
    out["lon"] = out["code_insee"].map(communes["lon"])
    out["lat"] = out["code_insee"].map(communes["lat"])
    precision = {"commune": "municipality", "departement": "departement", "region": "region"}
    out["geo_precision"] = out["territoire_niveau"].map(precision)
    return out
