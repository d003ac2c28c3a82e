"""Canonical tables out of the store, to CSV (UTF-8 with BOM) or XLSX, safe to open.

A cell of a text column that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would be run as a formula by a spreadsheet (``=HYPERLINK("http://…")``); it is
written with a leading apostrophe instead: ``"=1+1"`` ⇒ ``"'=1+1"``. Numeric columns
(``lon = -3.5``, counts) are numbers and stay numbers. Headers are the canonical column
names (the README glossary explains them), so an export can be imported again.

    export_table(engine, "events", Path("evenements.xlsx"))  ⇒ 400 (rows written)
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from influ_geo import schema, store

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters an XLSX file cannot hold (openpyxl refuses them): C0 controls but tab/LF/CR.
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Kinds of the command line ⇒ store tables (the import log can be exported too).
EXPORT_KINDS: dict[str, str] = {
    "sites": "sites", "events": "events", "evenements": "events", "actions": "actions",
    "mobilisations": "actions", "membres": "membres",
    "territoires-industrie": "territoires_industrie",
    "territoires_industrie": "territoires_industrie", "imports": "imports",
    "journal": "imports",
}


class ExportError(ValueError):
    """The export cannot be written (unknown kind, extension, folder); one French line."""


def neutralize(value: object) -> object:
    """A text cell made inert for spreadsheets: ``"=SUM(1)"`` ⇒ ``"'=SUM(1)"``,
    ``"@SUM(1)"`` ⇒ ``"'@SUM(1)"``, ``"Forum"`` ⇒ ``"Forum"``; non-text values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """Every text column neutralised (``kind`` tells which ones; else the text dtypes)."""
    out = frame.copy()
    text = _text_columns(out, kind)
    for name in text:
        values = out[name].astype(object)
        starts = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
        out[name] = values.where(~starts, "'" + values.astype(str)).astype(out[name].dtype)
    return out


def _text_columns(frame: pd.DataFrame, kind: str | None) -> list[str]:
    if kind is not None:
        dtypes = schema.dtypes(kind)
        return [c for c in frame.columns if dtypes.get(c) in ("str", "text")]
    return [c for c in frame.columns
            if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]


def export_kind(kind: str) -> str:
    """``"territoires-industrie"`` ⇒ ``"territoires_industrie"``; ``ExportError`` if unknown."""
    try:
        return EXPORT_KINDS[kind.strip().lower()]
    except KeyError:
        expected = "sites, events, actions, membres, territoires-industrie, imports"
        raise ExportError(f"type de données inconnu : « {kind} » (attendu : {expected})") \
            from None


def write_frame(frame: pd.DataFrame, path: Path, kind: str | None = None) -> None:
    """Write ``frame`` neutralised: XLSX when ``path`` ends in ``.xlsx``, CSV otherwise
    (``,``, UTF-8 with BOM so that spreadsheets read the accents, CRLF line ends)."""
    safe = neutralize_frame(frame, kind)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsm", ".ods"):
        raise ExportError(f"{path.name} : extension non prise en charge (.csv ou .xlsx).")
    try:
        if suffix == ".xlsx":
            _write_xlsx(safe, path)
        else:
            # CRLF line ends: the csv module then quotes cells holding a lone CR as well.
            safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    except OSError as error:
        raise ExportError(f"écriture impossible de {path} : {error.strerror or error}") \
            from error


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for name in _text_columns(out, None):
        out[name] = out[name].map(
            lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v)
    out.to_excel(path, index=False, engine="openpyxl", sheet_name="données")


def export_table(engine: Engine, kind: str, path: Path | str) -> int:
    """Write the canonical table ``kind`` of the store to ``path``; returns the row count.

    ``kind``: ``sites``, ``events``, ``actions``, ``membres``, ``territoires-industrie`` or
    ``imports`` (the import log). Raises ``ExportError`` with a French message.
    """
    table = export_kind(kind)
    path = Path(path)
    if not path.parent.is_dir():
        raise ExportError(f"dossier introuvable : {path.parent}")
    frame = store.read_table(engine, table)
    write_frame(frame, path, table)
    return len(frame)
