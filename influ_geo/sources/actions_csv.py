"""Campaign records of the collective ("actions"): one row per thing a member did.

A CSV or XLSX with French or English headers (``date, membre, canal, theme,
public_cible, evenement, territoire, titre, url, impressions, reactions,
commentaires, partages, campagne``)::

    date;membre;canal;theme;evenement;territoire;impressions
    18/03/2025;Membre démo 07;LinkedIn;Savoir-faire et produits du tissu industriel;…

Choices, the same for every enumeration (``canal``, ``theme``, ``public_cible``,
``statut``): a code or its French label is accepted whatever the accents and case
(``"Événement"`` ⇒ ``evenement``); an unknown value **rejects the row** with the
accepted values in the reason (no silent ``autre``). ``date``, ``membre``, ``canal``
and ``theme`` are required. Optional fields that cannot be read (a negative reach
figure, a ``javascript:`` link) are emptied and reported as warnings: the action is
kept. Dates are naive (local time as written).

Output columns: the canonical ``actions`` columns this file can fill, plus two inputs
resolved later: ``evenement_ref`` (the event id as written in the file) and ``commune``
(a commune name), next to ``code_insee`` / ``code_departement`` / ``code_region``. The
pipeline is ``normalize_actions_csv`` → ``geocode.geocode`` → ``actions_for_store``
(levels kept, events linked by ``link_events``, canonical columns only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from influ_geo import readers, schema
from influ_geo.report import ImportReport
from influ_geo.sources import values as v
from influ_geo.sources.enums import ENUMS, enum_code
from influ_geo.sources.territory_names import (
    TerritoryNames,
    default_names,
    parse_departement,
    parse_region,
    parse_territoire,
)

SOURCE = "fichier"

ACTION_SYNONYMS: dict[str, tuple[str, ...]] = {
    "source_id": ("id", "identifiant", "id_action", "action_id", "ref", "reference"),
    "date": ("date_action", "date_publication", "date_de_publication", "date_de_l_action",
             "publie_le", "published", "published_at", "jour", "day"),
    "membre": ("member", "auteur", "author", "pseudo", "pseudonyme", "influenceur", "nom"),
    "canal": ("channel", "reseau", "reseau_social", "plateforme", "platform", "support"),
    "theme": ("thematique", "topic", "axe"),
    "public_cible": ("public", "cible", "audience", "target", "target_audience"),
    "evenement_ref": ("evenement_id", "id_evenement", "event_id", "uid_evenement"),
    "evenement_titre": ("titre_evenement", "event_title", "nom_evenement"),
    "evenement": ("event", "evenement_relaye", "relais", "evenement_associe"),
    "territoire": ("territory", "zone", "localisation", "perimetre", "lieu"),
    "code_insee": readers.GEO_SYNONYMS["code_insee"],
    "commune": readers.GEO_SYNONYMS["commune"],
    "code_departement": readers.GEO_SYNONYMS["code_departement"],
    "code_region": ("region", "reg", "code_reg", "nom_region"),
    "titre": ("title", "intitule", "sujet", "objet", "accroche"),
    "url": ("lien", "link", "permalien", "permalink", "adresse_web"),
    "impressions": ("vues", "views", "affichages", "impressions_totales"),
    "reactions": ("likes", "j_aime", "reaction"),
    "commentaires": ("comments", "commentaire"),
    "partages": ("shares", "republications", "reposts", "partage"),
    "campagne": ("campaign", "operation"),
    "statut": ("status", "etat"),
}

ACTION_COLUMNS = [
    "source", "source_id", "date", "membre", "canal", "theme", "public_cible", "statut",
    "evenement_ref", "evenement_titre", "titre", "url", "impressions", "reactions",
    "commentaires", "partages", "campagne", "territoire_niveau", "code_insee", "commune",
    "code_departement", "code_region",
]
REQUIRED = {"date": "date", "membre": "membre", "canal": "canal", "theme": "theme"}
COUNTS = ("impressions", "reactions", "commentaires", "partages")
# An event reference that is an identifier rather than a title: no space, a digit.
_EVENT_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,63}$")


def read_actions_csv(path: Path | str) -> pd.DataFrame:
    """The file as text columns, recognised headers renamed (``Thème`` ⇒ ``theme``)."""
    frame, _ = readers.read_canonical(path, ACTION_SYNONYMS)
    return frame


def normalize_actions_csv(raw: pd.DataFrame, report: ImportReport,
                          names: TerritoryNames | None = None,
                          source: str = SOURCE) -> pd.DataFrame:
    """Clean campaign records; every rejected or doubtful row is in ``report``.

    Parameters
    ----------
    raw: as from ``read_actions_csv`` (text cells, canonical headers where recognised).
    report: receives rejections (line, French reason, raw row) and warnings.
    names: département and région names (default: the shipped referential).
    source: the ``source`` column of every row.

    Returns
    -------
    One row per kept action with ``ACTION_COLUMNS``, duplicates merged. Raises
    ``values.MissingColumns`` when ``date``, ``membre``, ``canal`` or ``theme`` is absent.
    """
    raw = raw.rename(columns=readers.canonical_columns(raw.columns, ACTION_SYNONYMS))
    v.require_columns(raw, REQUIRED, "mobilisations")
    names = names or default_names()
    raw = raw.reset_index(drop=True)
    report.rows_read = len(raw)
    lines = np.arange(len(raw)) + 2
    out, reasons = _required_fields(raw)
    kept = reasons.isna().to_numpy()
    notes = v.spill_warnings(raw) + _optional_fields(raw, out, lines, kept)
    out = out.join(_event_reference(raw))
    territory, territory_notes = _territories(raw, names)
    out = out.join(territory)
    notes += [(int(lines[i]), str(territory_notes[i]))
              for i in np.flatnonzero((territory_notes.notna() & reasons.isna()).to_numpy())]
    for line, note in sorted(notes, key=lambda item: item[0]):
        report.warn(line, note)
    for position in np.flatnonzero(~kept):
        report.reject(int(lines[position]), str(reasons[position]),
                      v.raw_record(raw.iloc[position].to_dict()))
    out["source"] = source
    return _actions_frame(out.loc[kept, ACTION_COLUMNS], lines[kept], report)


def _required_fields(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Date, member and the enumerations; the reason of each row that fails (else None).

    All the problems of a row are given together: ``"date « 31/02/2025 » impossible —
    canal « Fax » inconnu ; valeurs acceptées : …"``.
    """
    out = pd.DataFrame({"source_id": v.map_cells(v.column(raw, "source_id"), v.clean_text)[0],
                        "membre": v.map_cells(v.column(raw, "membre"), v.clean_text)[0]})
    out["date"], date_error = v.map_cells(v.column(raw, "date"), v.parse_date)
    problems = [date_error]
    for field in ENUMS:
        out[field], error = v.map_cells(v.column(raw, field), partial(enum_code, field))
        problems.append(error)
    labels = {"date": ("date manquante", date_error), "membre": ("membre manquant", None),
              "canal": ("canal manquant", problems[1]), "theme": ("thème manquant", problems[2])}
    for name, (message, error) in labels.items():
        absent = out[name].isna() & (error.isna() if error is not None else True)
        problems.append(pd.Series(np.where(absent, message, None), dtype=object))
    table = pd.concat(problems, axis=1)
    failing = table.notna().any(axis=1)
    reasons = pd.Series(None, index=out.index, dtype=object)
    reasons[failing] = [" — ".join(p for p in row if p is not None)
                        for row in table[failing].itertuples(index=False)]
    return out, reasons


def _optional_fields(raw: pd.DataFrame, out: pd.DataFrame, lines: np.ndarray,
                     kept: np.ndarray) -> list[tuple[int, str]]:
    """Texts, link and reach figures; an unreadable one is emptied with a warning."""
    for name in ("titre", "campagne"):
        out[name] = v.map_cells(v.column(raw, name), v.clean_text)[0]
    out["url"], url_errors = v.map_cells(v.column(raw, "url"), v.http_url)
    notes = [(int(lines[i]), str(url_errors[i]))
             for i in np.flatnonzero(url_errors.notna().to_numpy() & kept)]
    for name in COUNTS:
        out[name], errors = v.map_cells(v.column(raw, name), v.parse_count)
        notes += [(int(lines[i]), f"{name} : {errors[i]} ; laissé vide")
                  for i in np.flatnonzero(errors.notna().to_numpy() & kept)]
    return notes


def _event_reference(raw: pd.DataFrame) -> pd.DataFrame:
    """``evenement`` is an id (``"demo-ev-0042"``, ``"41852310"``) or a title."""
    triples = v.row_tuples(*(v.column(raw, n) for n in ("evenement_ref", "evenement_titre",
                                                        "evenement")))
    pairs = v.map_cells(triples, _reference)[0]
    return pd.DataFrame(pairs.tolist(), columns=["evenement_ref", "evenement_titre"],
                        index=raw.index)


def _reference(triple: tuple[object, object, object] | None) -> tuple[str | None, str | None]:
    """``(None, None, "41852310")`` ⇒ ``("41852310", None)``; ``(None, None, "Forum")`` ⇒
    ``(None, "Forum")``."""
    ref, title, either = (v.clean_text(x) for x in (triple or (None, None, None)))
    if either is not None:
        if _EVENT_ID.match(either) and ref is None:
            ref = either
        elif title is None:
            title = either
    return ref, title


_TERRITORY_COLUMNS = ("territoire", "code_departement", "code_region", "code_insee", "commune")


def _territories(raw: pd.DataFrame, names: TerritoryNames) -> tuple[pd.DataFrame, pd.Series]:
    """The territory of each row (once per distinct combination) and its warnings."""
    combos = v.row_tuples(*(v.column(raw, n) for n in _TERRITORY_COLUMNS))
    results = v.map_cells(combos, partial(_territory, names=names))[0]
    frame = pd.DataFrame([r[0] for r in results], index=raw.index)
    return frame, pd.Series([r[1] for r in results], index=raw.index, dtype=object)


def _territory(combo: tuple[object, ...] | None,
               names: TerritoryNames) -> tuple[dict[str, str | None], str | None]:
    """The most precise territory among ``code_insee``, ``commune``, ``code_departement``,
    ``code_region`` and a free ``territoire``, with a warning for a bad INSEE code."""
    territoire, departement, region, code, commune = combo or (None,) * 5
    out = parse_territoire(territoire, names)
    out["code_departement"] = out["code_departement"] or parse_departement(departement, names)
    out["code_region"] = out["code_region"] or parse_region(region, names)
    if out["code_departement"] and not out["code_region"]:
        out["code_region"] = names.region_of_departement.get(out["code_departement"])
    note = None
    try:
        out["code_insee"] = out["code_insee"] or v.code_insee(code)
    except v.ValueInvalid as error:
        note = f"{error} : ignoré"
    named = parse_territoire(commune, names)
    if named["territoire_niveau"] == "commune" and not out["code_insee"]:
        out["commune"] = out["commune"] or named["commune"] or None
        out["code_insee"] = named["code_insee"]
    out["territoire_niveau"] = _level(out)
    return out, note


def _level(out: Mapping[str, str | None]) -> str | None:
    if out["code_insee"] or out["commune"]:
        return "commune"
    if out["code_departement"]:
        return "departement"
    if out["code_region"]:
        return "region"
    return out["territoire_niveau"]


def _actions_frame(frame: pd.DataFrame, lines: np.ndarray, report: ImportReport) -> pd.DataFrame:
    """Merge repeated rows (same id, or same business fields); the first one is kept."""
    frame = frame.reset_index(drop=True)
    key_fields = ["date", "membre", "canal", "theme", "titre", "url", "evenement_ref",
                  "evenement_titre"]
    fingerprints = "h" + pd.util.hash_pandas_object(frame[key_fields], index=False).astype(str)
    key = frame["source_id"].astype(object).where(frame["source_id"].notna(), fingerprints)
    duplicated = key.duplicated().to_numpy()
    first = pd.Series(lines).groupby(key.to_numpy()).transform("first").to_numpy()
    for line, kept in zip(lines[duplicated], first[duplicated], strict=True):
        report.warn(int(line), f"doublon de la ligne {int(kept)} : fusionné")
    frame = frame.loc[~duplicated].reset_index(drop=True)
    report.rows_merged += int(duplicated.sum())
    report.rows_kept = len(frame)
    return typed_actions(frame)


def typed_actions(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes: ``date`` datetime, reach figures ``Int64``, the rest ``str``."""
    out = frame.copy()
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[us]")
    for name in COUNTS:
        out[name] = pd.array(out[name].tolist(), dtype="Int64")
    for name in out.columns.difference(["date", *COUNTS]):
        out[name] = out[name].astype("str")
    return out


def link_events(actions: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Resolve ``evenement_ref`` into the store id ``evenement_id`` of the event.

    ``events`` has ``id``, ``source_id`` and ``titre``. A reference matches an event's
    ``source_id`` (``"41852310"``, ``"demo-ev-0042"``) or its store ``id`` (``"17"``).
    A matched action gets the event's title in ``evenement_titre`` when it had none; an
    unmatched reference is kept as ``evenement_titre``, for the title matcher that lists
    what it cannot match. The ``evenement_ref`` column is dropped.
    """
    out = actions.copy()
    by_ref = dict(zip(events["source_id"].astype("str"), events["id"], strict=True))
    by_ref.update({str(i): i for i in events["id"]})
    titles = dict(zip(events["id"], events["titre"], strict=True))
    ids = out["evenement_ref"].map(by_ref)
    out["evenement_id"] = pd.array(ids.tolist(), dtype="Int64")
    unmatched = out["evenement_ref"].notna() & ids.isna()
    fallback = out["evenement_id"].map(titles, na_action="ignore")
    fallback = fallback.where(out["evenement_id"].notna(), out["evenement_ref"].where(unmatched))
    out["evenement_titre"] = out["evenement_titre"].where(out["evenement_titre"].notna(),
                                                          fallback).astype("str")
    return out.drop(columns="evenement_ref")


# Notes of actions placed above the commune, or not placed on purpose.
NOTE_LEVEL = {"departement": "action à l'échelle du département",
              "region": "action à l'échelle de la région", "national": "action nationale"}
NOTE_INHERITED = "territoire de l'événement relayé"


def actions_for_store(geocoded: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Actions after ``geocode.geocode``, ready for ``store.import_frame("actions", …)``.

    The geocoder places communes and renames the input codes ``*_origine``; actions set
    at a département or a région get those codes back with ``geo_precision``
    ``departement`` / ``region``; national actions and relays without a territory of
    their own (the event's is inherited later) are not "failed" but unplaced on purpose,
    with a note. Event references become store ids (``link_events``). Only canonical
    ``actions`` columns are kept.
    """
    out = geocoded.copy()
    for name in ("code_departement", "code_region"):
        given = out.get(f"{name}_origine", pd.Series(None, index=out.index, dtype=object))
        out[name] = out[name].where(out[name].notna(), given)
    above = out["territoire_niveau"].isin(["departement", "region"])
    out.loc[above, "geo_precision"] = out.loc[above, "territoire_niveau"]
    on_purpose = above | (out["territoire_niveau"] == "national")
    out.loc[on_purpose, "geo_note"] = out.loc[on_purpose, "territoire_niveau"].map(NOTE_LEVEL)
    inherited = out["territoire_niveau"].isna() & (out["evenement_ref"].notna()
                                                   | out["evenement_titre"].notna())
    unplaced = (out["territoire_niveau"] == "national") | inherited
    out.loc[unplaced, "geo_precision"] = None
    out.loc[inherited, "geo_note"] = NOTE_INHERITED
    out = link_events(out, events)
    return out[[c for c in schema.column_names("actions") if c in out.columns and c != "id"]]
