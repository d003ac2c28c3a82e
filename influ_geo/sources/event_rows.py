"""Checks and assembly shared by the event readers (OpenAgenda, its flat copy, CSV/XLSX).

Each reader gathers the raw canonical fields of its records in a frame; ``clean_events``
validates them column by column, once per distinct value (title and start date
required, dates in the local time of the place, web links only) and ``events_frame``
merges duplicates.
The frame has the input columns of the ``events`` table (``EVENT_COLUMNS``); the
geocoding columns are added afterwards by the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
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


_TYPE_PATTERNS = [(code, re.compile(r"(?:^| )(?:" + "|".join(words) + r")(?: |$)"))
                  for code, words in _TYPE_WORDS]


def guess_type(*texts: object) -> str | None:
    """``("Portes ouvertes – Fonderie de Fumel",)`` ⇒ ``"portes_ouvertes"``; nothing ⇒ None."""
    key = " ".join(v.simple_key(t) for t in texts if t)
    for code, pattern in _TYPE_PATTERNS:
        if pattern.search(key):
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
    return key if key in EVENT_TYPES else _TYPE_BY_LABEL.get(key) or guess_type(text) or key


_TYPE_BY_LABEL = {v.simple_key(label).replace(" ", "_"): code
                  for code, label in EVENT_TYPES.items()}


def public_code(value: str | None) -> str | None:
    """An audience as the code of the actions' list when it is one, else as written.

    ``"Grand public"`` ⇒ ``"grand_public"``; ``"Collégiens et lycéens"`` ⇒ unchanged.
    """
    try:
        return enum_code("public_cible", value)
    except v.ValueInvalid:
        return value


def _date_in_zone(pair: tuple[object, str] | None) -> pd.Timestamp | None:
    """``("2025-03-18T05:00:00Z", "Indian/Reunion")`` ⇒ ``Timestamp("2025-03-18 09:00")``."""
    return None if pair is None else v.parse_date(pair[0], pair[1])


def _departement(value: object) -> str | None:
    return parse_departement(value, default_names())


def _declared_type(value: object) -> str | None:
    return None if v.is_empty(value) else event_type(value)


def guess_types(titles: pd.Series, keywords: pd.Series) -> pd.Series:
    """``guess_type`` over whole columns with vectorised string operations.

    ``(["Forum emploi de Brest", "AG"], [None, None])`` ⇒ ``["forum_emploi", None]``.
    """
    text = titles.astype("str").fillna("") + " " + keywords.astype("str").fillna("")
    key = (text.str.replace("œ", "oe").str.replace("Œ", "OE").str.normalize("NFKD")
           .str.replace("[\u0300-\u036f]", "", regex=True).str.lower()
           .str.replace("[^a-z0-9]+", " ", regex=True))
    key = " " + key.str.strip() + " "
    out = pd.Series(None, index=titles.index, dtype=object)
    for code, words in reversed(_TYPE_WORDS):  # the first matching kind wins
        out[key.str.contains("|".join(f" {w} " for w in words), regex=True)] = code
    return out


def _types(declared: pd.Series, titles: pd.Series, keywords: pd.Series) -> pd.Series:
    """The declared type, else one guessed from title and keywords (distinct values once)."""
    types = v.map_cells(declared, _declared_type)[0]
    missing = types.isna()
    if missing.any():
        types[missing] = guess_types(titles[missing], keywords[missing])
    return types


def clean_events(fields: pd.DataFrame, report: ImportReport,
                 raw_of: Callable[[int], dict[str, object]], lines: np.ndarray | None = None,
                 warnings: Iterable[tuple[int, str]] = ()) -> pd.DataFrame:
    """Validate the raw canonical fields of every event, column by column.

    ``fields`` has ``EVENT_COLUMNS`` (missing ones are empty) and may have ``mots_cles``;
    row ``i`` is line ``lines[i]`` (default: spreadsheet lines, ``i + 2``); ``raw_of(i)``
    gives its raw cells for the rejects file. Title and start are required, an
    unreadable date or an end before the start rejects the row; a bad postcode, INSEE
    code or link is emptied with a warning (``warnings`` from the reader are merged in
    line order). Each distinct cell is cleaned once. Returns the kept rows, duplicates
    merged (``events_frame``).
    """
    f = fields.reindex(columns=[*EVENT_COLUMNS, "mots_cles"]).reset_index(drop=True)
    lines = np.arange(len(f)) + 2 if lines is None else np.asarray(lines)
    out = pd.DataFrame({name: v.map_cells(f[name], v.clean_text)[0]
                        for name in [*_TEXT, "source_id"]})
    out["source"] = f["source"].to_numpy()
    out["public"] = v.map_cells(out["public"], public_code)[0]
    out["type"] = _types(f["type"], out["titre"], f["mots_cles"])
    reasons = pd.Series(np.where(out["titre"].isna(), "titre manquant", None), dtype=object)
    notes = list(warnings) + _clean_place(f, out, reasons.isna(), lines)
    _clean_dates(f, out, reasons)
    out["url"], url_errors = v.map_cells(f["url"], v.http_url)
    out.loc[url_errors.notna(), "url"] = None
    notes += [(int(lines[i]), str(url_errors[i]))
              for i in np.flatnonzero((url_errors.notna() & reasons.isna()).to_numpy())]
    for line, note in sorted(notes, key=lambda item: item[0]):
        report.warn(line, note)
    for position in np.flatnonzero(reasons.notna().to_numpy()):
        report.reject(int(lines[position]), str(reasons[position]), raw_of(int(position)))
    kept = reasons.isna().to_numpy()
    return events_frame(out.loc[kept, EVENT_COLUMNS], lines[kept], report)


def _clean_place(f: pd.DataFrame, out: pd.DataFrame, checked: pd.Series,
                 lines: np.ndarray) -> list[tuple[int, str]]:
    """Codes as text, coordinates as floats; returns warnings for bad codes of ``checked`` rows."""
    notes = []
    for name, cleaner in (("code_postal", v.code_postal), ("code_insee", v.code_insee)):
        out[name], errors = v.map_cells(f[name], cleaner)
        notes += [(int(lines[i]), f"{errors[i]} : ignoré")
                  for i in np.flatnonzero((errors.notna() & checked).to_numpy())]
    out["code_departement"] = v.map_cells(f["code_departement"], _departement)[0]
    lon = pd.to_numeric(v.map_cells(f["lon"], v.parse_float)[0]).astype(float)
    lat = pd.to_numeric(v.map_cells(f["lat"], v.parse_float)[0]).astype(float)
    empty = (lon == 0) & (lat == 0)  # (0, 0) is an empty position, not a place
    out["lon"], out["lat"] = lon.mask(empty), lat.mask(empty)
    return notes


def _clean_dates(f: pd.DataFrame, out: pd.DataFrame, reasons: pd.Series) -> None:
    """Dates in the zone of the place; fills ``reasons`` of rows whose dates fail.

    A missing end is the start; an end given as a bare date (midnight) on the start day
    is the start itself (``18/03 09:00 → 18/03`` is not "before").
    """
    where = out["code_postal"].fillna(out["code_insee"]).fillna(out["code_departement"])
    zones = v.map_cells(where, v.zone_of)[0]
    start, start_error = v.map_cells(v.row_tuples(f["date_debut"], zones), _date_in_zone)
    end, end_error = v.map_cells(v.row_tuples(f["date_fin"], zones), _date_in_zone)
    start = pd.to_datetime(start.mask(start_error.notna()))
    end = pd.to_datetime(end.mask(end_error.notna()))
    _fill(reasons, v.first_problem(start_error, end_error))
    _fill(reasons, pd.Series(np.where(start.isna(), "date de début manquante", None),
                             dtype=object))
    bare_same_day = (end == end.dt.normalize()) & (end.dt.normalize() == start.dt.normalize())
    end = end.mask(bare_same_day & (end < start), start)
    before = (end < start).to_numpy()
    _fill(reasons, pd.Series([
        f"date de fin ({e:%d/%m/%Y}) avant la date de début ({s:%d/%m/%Y})" if b else None
        for b, s, e in zip(before, start, end, strict=True)], dtype=object))
    out["date_debut"], out["date_fin"] = start, end.fillna(start)


def _fill(reasons: pd.Series, new: pd.Series) -> None:
    """Give a reason to rows that have none yet (the first problem of a row wins)."""
    reasons.update(new.where(reasons.isna() & new.notna()).dropna())


def events_frame(frame: pd.DataFrame, lines: np.ndarray, report: ImportReport) -> pd.DataFrame:
    """Merge duplicates of clean rows (same id, or same title, start and place).

    The first occurrence is kept; each merged line is a warning naming the line kept.
    Sets ``report.rows_kept`` and ``report.rows_merged``.
    """
    frame = frame.reset_index(drop=True)
    fingerprints = pd.util.hash_pandas_object(frame[list(_FINGERPRINT)], index=False)
    key = frame["source_id"].astype(object).where(frame["source_id"].notna(),
                                                  "h" + fingerprints.astype(str))
    duplicated = key.duplicated().to_numpy()
    first_line = pd.Series(lines).groupby(key.to_numpy()).transform("first").to_numpy()
    for line, kept in zip(lines[duplicated], first_line[duplicated], strict=True):
        report.warn(int(line), f"doublon de la ligne {int(kept)} : fusionné")
    frame = frame.loc[~duplicated].reset_index(drop=True)
    report.rows_merged += int(duplicated.sum())
    report.rows_kept = len(frame)
    return typed_events(frame)


_FINGERPRINT = ("titre", "date_debut", "lieu", "adresse", "code_postal", "commune")


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
