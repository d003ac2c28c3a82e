"""Checks and assembly shared by the event readers (OpenAgenda, its flat copy, CSV/XLSX).

Each reader turns one raw record into a dict of raw canonical fields; ``clean_event``
validates it (title and start date required, dates in the local time of the place,
web links only) and ``events_frame`` assembles the kept rows, merging duplicates.
The frame has the input columns of the ``events`` table (``EVENT_COLUMNS``); the
geocoding columns are added afterwards by the pipeline.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from influ_geo.report import ImportReport
from influ_geo.sources import values as v
from influ_geo.sources.enums import enum_code
from influ_geo.sources.territory_names import default_names, parse_departement

EVENT_COLUMNS = [
    "source", "source_id", "titre", "description", "date_debut", "date_fin", "lieu",
    "adresse", "code_postal", "commune", "code_departement", "code_insee", "lon", "lat",
    "url", "organisateur", "type", "public",
]
_TEXT = ["titre", "description", "lieu", "adresse", "commune", "organisateur", "public"]

# Kinds of events the collective relays, guessed from the title and keywords when the
# source has no type ("Portes ouvertes de l'usine X" ⇒ portes_ouvertes).
EVENT_TYPES: dict[str, str] = {
    "semaine_industrie": "Semaine de l'industrie",
    "portes_ouvertes": "Portes ouvertes",
    "forum_emploi": "Forum emploi",
    "salon": "Salon",
    "concours": "Concours (WorldSkills…)",
    "french_fab_tour": "French Fab Tour",
    "visite": "Visite d'entreprise",
    "conference": "Conférence",
    "atelier": "Atelier",
}
_TYPE_WORDS = [
    ("semaine_industrie", ("semaine de l industrie", "semaine industrie")),
    ("french_fab_tour", ("french fab tour", "frenchfab tour")),
    ("concours", ("worldskills", "olympiades des metiers", "concours", "trophee")),
    ("portes_ouvertes", ("portes ouvertes", "porte ouverte", "usine ouverte")),
    ("forum_emploi", ("forum", "job dating", "salon de l emploi", "recrutement")),
    ("salon", ("salon", "global industrie", "rencontres", "expo")),
    ("visite", ("visite",)),
    ("conference", ("conference", "table ronde", "webinaire", "colloque")),
    ("atelier", ("atelier",)),
]


def guess_type(*texts: object) -> str | None:
    """``("Portes ouvertes – Fonderie de Fumel",)`` ⇒ ``"portes_ouvertes"``; nothing ⇒ None."""
    key = " " + " ".join(v.simple_key(t) for t in texts if t) + " "
    for code, words in _TYPE_WORDS:
        if any(f" {w} " in key or key.startswith(f" {w}") for w in words):
            return code
    return None


def event_type(value: object, *texts: object) -> str | None:
    """A type code from a declared type or, failing that, from the title and keywords.

    ``"Portes ouvertes"`` ⇒ ``"portes_ouvertes"``; ``"Salon"`` ⇒ ``"salon"``;
    ``"Hackathon"`` (unknown) ⇒ ``"hackathon"`` (kept, in snake_case).
    """
    text = v.clean_text(value)
    if text is None:
        return guess_type(*texts)
    key = v.simple_key(text).replace(" ", "_")
    by_label = {v.simple_key(label).replace(" ", "_"): code for code, label in EVENT_TYPES.items()}
    return key if key in EVENT_TYPES else by_label.get(key) or guess_type(text) or key


def public_code(value: str | None) -> str | None:
    """An audience as the code of the actions' list when it is one, else as written.

    ``"Grand public"`` ⇒ ``"grand_public"``; ``"Collégiens et lycéens"`` ⇒ unchanged.
    """
    try:
        return enum_code("public_cible", value)
    except v.ValueInvalid:
        return value


@lru_cache(maxsize=65_536)
def _date(text: str, zone: str) -> pd.Timestamp | None:
    """``parse_date`` memoised on distinct (text, zone): exports repeat the same dates."""
    return v.parse_date(text, zone)


def _parse_date(value: object, zone: str) -> pd.Timestamp | None:
    if v.is_empty(value):
        return None
    if isinstance(value, str):
        return _date(value.strip(), zone)
    return v.parse_date(value, zone)


def clean_event(fields: dict[str, object], line: int, report: ImportReport,
                raw: dict[str, object]) -> dict[str, object] | None:
    """One event's raw canonical fields ⇒ clean values, or None (rejected, reported).

    ``{"titre": " Forum ", "date_debut": "18/03/2025", "code_postal": "1000", …}`` ⇒
    ``{"titre": "Forum", "date_debut": Timestamp("2025-03-18"), "code_postal": "01000", …}``.
    """
    row = {c: fields.get(c) for c in EVENT_COLUMNS}
    for name in _TEXT:
        row[name] = v.clean_text(row[name])
    if row["titre"] is None:
        report.reject(line, "titre manquant", raw)
        return None
    row["public"] = public_code(row["public"])
    _clean_place(row, line, report)
    zone = v.zone_of(row["code_postal"] or row["code_insee"] or row["code_departement"])
    try:
        row["date_debut"] = _parse_date(row["date_debut"], zone)
        row["date_fin"] = _parse_date(row["date_fin"], zone)
    except v.ValueInvalid as error:
        report.reject(line, str(error), raw)
        return None
    return _check_dates(row, line, report, raw)


def _check_dates(row: dict[str, object], line: int, report: ImportReport,
                 raw: dict[str, object]) -> dict[str, object] | None:
    """Start required; a missing end is the start; an end before the start is rejected.

    An end given as a bare date (midnight) on the start day is the start day itself:
    ``18/03 09:00 → 18/03`` ⇒ ends ``18/03 09:00``, not rejected.
    """
    start, end = row["date_debut"], row["date_fin"]
    if start is None:
        report.reject(line, "date de début manquante", raw)
        return None
    if end is not None and end.normalize() == end and end.date() == start.date():
        end = max(end, start)
    if end is not None and end < start:
        report.reject(line, f"date de fin ({end:%d/%m/%Y}) avant la date de début "
                            f"({start:%d/%m/%Y})", raw)
        return None
    row["date_fin"] = end if end is not None else start
    _clean_link(row, line, report)
    return row


def _clean_place(row: dict[str, object], line: int, report: ImportReport) -> None:
    """Codes as text, coordinates as floats; a bad optional value is blanked and reported."""
    for name, cleaner in (("code_postal", v.code_postal), ("code_insee", v.code_insee)):
        try:
            row[name] = cleaner(row[name])
        except v.ValueInvalid as error:
            report.warn(line, f"{error} : ignoré")
            row[name] = None
    row["code_departement"] = parse_departement(row["code_departement"], default_names())
    row["lon"], row["lat"] = v.parse_float(row["lon"]), v.parse_float(row["lat"])
    if row["lon"] == 0 and row["lat"] == 0:  # (0, 0) is an empty position, not a place
        row["lon"] = row["lat"] = None
    row["source_id"] = v.clean_text(row["source_id"])


def _clean_link(row: dict[str, object], line: int, report: ImportReport) -> None:
    try:
        row["url"] = v.http_url(row["url"])
    except v.ValueInvalid as error:
        report.warn(line, str(error))
        row["url"] = None


def events_frame(rows: list[dict[str, object]], lines: list[int],
                 report: ImportReport) -> pd.DataFrame:
    """Assemble clean rows, merge duplicates (same id, or same title, start and place).

    The first occurrence is kept; each merged line is a warning naming the line kept.
    Sets ``report.rows_kept`` and ``report.rows_merged``.
    """
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    frame["_line"] = lines
    key = frame["source_id"].where(frame["source_id"].notna(), _fingerprints(frame))
    duplicated = key.duplicated()
    first_line = frame["_line"].groupby(key).transform("first")
    for line, kept in zip(frame.loc[duplicated, "_line"], first_line[duplicated], strict=True):
        report.warn(int(line), f"doublon de la ligne {int(kept)} : fusionné")
    frame = frame.loc[~duplicated].drop(columns="_line").reset_index(drop=True)
    report.rows_merged += int(duplicated.sum())
    report.rows_kept = len(frame)
    return typed_events(frame)


def _fingerprints(frame: pd.DataFrame) -> pd.Series:
    parts = frame[["titre", "date_debut", "lieu", "adresse", "code_postal", "commune"]]
    return pd.Series([v.stable_id(*p) for p in parts.itertuples(index=False)],
                     index=frame.index, dtype=object)


def typed_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes: codes and texts ``str``, dates ``datetime64``, lon/lat ``float``."""
    out = frame.copy()
    for name in ("date_debut", "date_fin"):
        out[name] = pd.to_datetime(out[name]).astype("datetime64[us]")
    for name in ("lon", "lat"):
        out[name] = pd.to_numeric(out[name]).astype(float)
    for name in EVENT_COLUMNS:
        if name not in ("date_debut", "date_fin", "lon", "lat"):
            out[name] = out[name].astype("str")
    return out
