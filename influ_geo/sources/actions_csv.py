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

Output columns: the canonical ``actions`` columns this file can fill, plus three
inputs resolved later: ``evenement_ref`` (the event id as written in the file, turned
into ``evenement_id`` by ``link_events``), ``commune`` (a commune name for the
geocoding chain) and, when given, ``code_insee`` / ``code_departement`` / ``code_region``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from influ_geo import readers
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
    report.rows_read = len(raw)
    rows, lines = [], []
    for position, record in enumerate(raw.to_dict("records")):
        line = position + 2
        if warning := v.spill_warning(record):
            report.warn(line, warning)
        row = _clean_action(record, line, report, names)
        if row is not None:
            row["source"] = source
            rows.append(row)
            lines.append(line)
    return _actions_frame(rows, lines, report)


def _clean_action(record: Mapping[str, object], line: int, report: ImportReport,
                  names: TerritoryNames) -> dict[str, object] | None:
    """One raw record ⇒ clean action, or None when rejected (one reason per problem)."""
    problems: list[str] = []
    row: dict[str, object] = {"source_id": v.clean_text(record.get("source_id")),
                              "membre": v.clean_text(record.get("membre"))}
    try:
        row["date"] = v.parse_date(record.get("date"))
    except v.ValueInvalid as error:
        problems.append(str(error))
        row["date"] = pd.NaT
    for field in ENUMS:
        try:
            row[field] = enum_code(field, record.get(field))
        except v.ValueInvalid as error:
            problems.append(str(error))
            row[field] = pd.NA  # read but unknown: not reported as missing too
    problems += _missing(row)
    if problems:
        report.reject(line, " — ".join(problems), v.raw_record(record))
        return None
    _optional_fields(row, record, line, report)
    row.update(_event_reference(record))
    row.update(_territory(record, names, line, report))
    return row


def _missing(row: Mapping[str, object]) -> list[str]:
    labels = {"date": "date", "membre": "membre", "canal": "canal", "theme": "thème"}
    return [f"{label} manquant" + ("e" if name == "date" else "")
            for name, label in labels.items() if row.get(name) is None]


def _optional_fields(row: dict[str, object], record: Mapping[str, object], line: int,
                     report: ImportReport) -> None:
    """Texts, link and reach figures; an unreadable one is emptied with a warning."""
    for name in ("titre", "campagne"):
        row[name] = v.clean_text(record.get(name))
    try:
        row["url"] = v.http_url(record.get("url"))
    except v.ValueInvalid as error:
        report.warn(line, str(error))
        row["url"] = None
    for name in COUNTS:
        try:
            row[name] = v.parse_count(record.get(name))
        except v.ValueInvalid as error:
            report.warn(line, f"{name} : {error} ; laissé vide")
            row[name] = None


def _event_reference(record: Mapping[str, object]) -> dict[str, str | None]:
    """``evenement`` is an id (``"demo-ev-0042"``, ``"41852310"``) or a title."""
    ref = v.clean_text(record.get("evenement_ref"))
    title = v.clean_text(record.get("evenement_titre"))
    either = v.clean_text(record.get("evenement"))
    if either is not None:
        if _EVENT_ID.match(either) and ref is None:
            ref = either
        elif title is None:
            title = either
    return {"evenement_ref": ref, "evenement_titre": title}


def _territory(record: Mapping[str, object], names: TerritoryNames, line: int,
               report: ImportReport) -> dict[str, str | None]:
    """The most precise territory among the columns ``code_insee``, ``commune``,
    ``code_departement``, ``code_region`` and a free ``territoire``."""
    out = parse_territoire(record.get("territoire"), names)
    out["code_departement"] = out["code_departement"] or parse_departement(
        record.get("code_departement"), names)
    out["code_region"] = out["code_region"] or parse_region(record.get("code_region"), names)
    if out["code_departement"] and not out["code_region"]:
        out["code_region"] = names.region_of_departement.get(out["code_departement"])
    try:
        out["code_insee"] = out["code_insee"] or v.code_insee(record.get("code_insee"))
    except v.ValueInvalid as error:
        report.warn(line, f"{error} : ignoré")
    commune = parse_territoire(record.get("commune"), names)
    if commune["territoire_niveau"] == "commune" and not out["code_insee"]:
        out["commune"] = out["commune"] or commune["commune"] or None
        out["code_insee"] = commune["code_insee"]
    out["territoire_niveau"] = _level(out)
    return out


def _level(out: Mapping[str, str | None]) -> str | None:
    if out["code_insee"] or out["commune"]:
        return "commune"
    if out["code_departement"]:
        return "departement"
    if out["code_region"]:
        return "region"
    return out["territoire_niveau"]


def _actions_frame(rows: list[dict[str, object]], lines: list[int],
                   report: ImportReport) -> pd.DataFrame:
    """Assemble kept rows; merge repeated ones (same id, or same business fields)."""
    frame = pd.DataFrame(rows, columns=ACTION_COLUMNS)
    key_fields = ["date", "membre", "canal", "theme", "titre", "url", "evenement_ref",
                  "evenement_titre"]
    fingerprints = pd.Series([v.stable_id(*r) for r in frame[key_fields].itertuples(index=False)],
                             index=frame.index, dtype=object)
    key = frame["source_id"].astype(object).where(frame["source_id"].notna(), fingerprints)
    duplicated = key.duplicated()
    first = pd.Series(lines, index=frame.index).groupby(key).transform("first")
    for position in frame.index[duplicated]:
        report.warn(lines[position], f"doublon de la ligne {int(first[position])} : fusionné")
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
