"""The roster of the collective's members, from a CSV or XLSX file.

::

    pseudonyme;commune;code_postal;canaux;themes
    Membre démo 01;Figeac;46100;LinkedIn, TikTok;savoir_faire imaginaire

A member is placed at the point of their home commune, never at an address: only the
commune columns (code INSEE, postcode, name, département) are read. ``canaux`` and
``themes`` list codes or French labels separated by ``,`` ``;`` ``/`` or spaces; an
unknown value rejects the row with the accepted values (as for actions). Rows with the
same pseudonym are merged, the first one is kept.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from influ_geo import readers
from influ_geo.report import ImportReport
from influ_geo.sources import values as v
from influ_geo.sources.enums import enum_code

SOURCE = "fichier"
LINE = "_ligne"

MEMBRE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "pseudonyme": ("pseudo", "membre", "member", "nom", "name", "auteur", "influenceur"),
    "code_insee": readers.GEO_SYNONYMS["code_insee"],
    "code_postal": readers.GEO_SYNONYMS["code_postal"],
    "commune": readers.GEO_SYNONYMS["commune"] + ("commune_de_residence", "residence"),
    "code_departement": readers.GEO_SYNONYMS["code_departement"],
    "canaux": ("canal", "channels", "channel", "reseaux", "reseaux_sociaux", "plateformes"),
    "themes": ("theme", "thematiques", "topics", "axes"),
}
MEMBRE_COLUMNS = ["source", "pseudonyme", "code_insee", "code_postal", "commune",
                  "code_departement", "canaux", "themes", LINE]
_SEPARATORS = re.compile(r"\s*[,;/|+]\s*")


def read_membres_csv(path: Path | str) -> pd.DataFrame:
    """The file as text columns, recognised headers renamed (``Pseudo`` ⇒ ``pseudonyme``)."""
    frame, _ = readers.read_canonical(path, MEMBRE_SYNONYMS)
    return frame


def enum_list(field: str, value: object) -> str | None:
    """Codes of a list cell, space-separated, in order, without repeats.

    ``enum_list("canal", "LinkedIn, Tik Tok")`` ⇒ ``"linkedin tiktok"``;
    ``enum_list("theme", "savoir_faire imaginaire")`` ⇒ ``"savoir_faire imaginaire"``.
    Raises ``values.ValueInvalid`` for an unknown value.
    """
    text = v.clean_text(value)
    if text is None:
        return None
    codes: list[str] = []
    for part in (p for p in _SEPARATORS.split(text) if p):
        codes += _part_codes(field, part)
    return " ".join(dict.fromkeys(codes)) or None


def _part_codes(field: str, part: str) -> list[str]:
    """One separated item: a code or label, else space-separated codes."""
    try:
        return [enum_code(field, part)]
    except v.ValueInvalid:
        words = part.split()
        if len(words) < 2:
            raise
        try:
            return [enum_code(field, word) for word in words]
        except v.ValueInvalid:
            raise v.ValueInvalid(str(_first_error(field, words))) from None


def _first_error(field: str, words: list[str]) -> v.ValueInvalid:
    for word in words:
        try:
            enum_code(field, word)
        except v.ValueInvalid as error:
            return error
    return v.ValueInvalid(field)


def normalize_membres_csv(raw: pd.DataFrame, report: ImportReport,
                          source: str = SOURCE) -> pd.DataFrame:
    """Clean members; rejected rows go to ``report`` with their line and French reason.

    Returns ``MEMBRE_COLUMNS`` (``commune``, ``code_postal`` and ``code_departement`` are
    inputs of the geocoding chain; ``_ligne`` is the spreadsheet line). Raises
    ``values.MissingColumns`` without a pseudonym column.
    """
    raw = raw.rename(columns=readers.canonical_columns(raw.columns, MEMBRE_SYNONYMS))
    v.require_columns(raw, {"pseudonyme": "pseudonyme"}, "membres")
    raw = raw.reset_index(drop=True)
    report.rows_read = len(raw)
    lines = np.arange(len(raw)) + 2
    out = pd.DataFrame({name: v.map_cells(v.column(raw, name), v.clean_text)[0]
                        for name in ("pseudonyme", "commune", "code_departement")})
    out["code_insee"], insee_errors = v.map_cells(v.column(raw, "code_insee"), v.code_insee)
    out["code_postal"], postcode_errors = v.map_cells(v.column(raw, "code_postal"),
                                                      v.code_postal)
    problems = [pd.Series(np.where(out["pseudonyme"].isna(), "pseudonyme manquant", None),
                          dtype=object)]
    for name, field in (("canaux", "canal"), ("themes", "theme")):
        out[name], errors = v.map_cells(v.column(raw, name), partial(enum_list, field))
        problems.append(errors)
    reasons = _joined(problems)
    kept = reasons.isna().to_numpy()
    notes = v.spill_warnings(raw)
    for errors in (insee_errors, postcode_errors):
        notes += [(int(lines[i]), f"{errors[i]} : ignoré")
                  for i in np.flatnonzero(errors.notna().to_numpy() & kept)]
    for line, note in sorted(notes):
        report.warn(line, note)
    for position in np.flatnonzero(~kept):
        report.reject(int(lines[position]), str(reasons[position]),
                      v.raw_record(raw.iloc[position].to_dict()))
    out["source"], out[LINE] = source, lines
    return _merge(out.loc[kept, MEMBRE_COLUMNS].reset_index(drop=True), report)


def _joined(problems: list[pd.Series]) -> pd.Series:
    """Every problem of a row in one reason: ``"pseudonyme manquant — canal « Fax » …"``."""
    table = pd.concat(problems, axis=1)
    return pd.Series([" — ".join(p for p in row if p is not None) or None
                      for row in table.itertuples(index=False)], dtype=object)


def _merge(frame: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """One row per pseudonym (the first); each later line is a warning naming the kept one."""
    duplicated = frame["pseudonyme"].duplicated()
    first = frame.groupby("pseudonyme")[LINE].transform("first")
    for line, kept in zip(frame.loc[duplicated, LINE], first[duplicated], strict=True):
        report.warn(int(line), f"doublon de la ligne {int(kept)} (même pseudonyme) : fusionné")
    report.rows_merged += int(duplicated.sum())
    frame = frame.loc[~duplicated].reset_index(drop=True)
    report.rows_kept = len(frame)
    text = [c for c in MEMBRE_COLUMNS if c != LINE]
    return frame.astype(dict.fromkeys(text, "str"))
