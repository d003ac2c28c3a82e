"""Checks on an input file before it is parsed: its size, its kind, its JSON.

Every reader that loads a whole file in memory calls ``check_size`` first (the limit is
``config.TABLE_MAX_MB``; the Sirene stock is streamed instead). ``load_json`` turns every
way a JSON file can fail (syntax, encoding, nesting deeper than Python's recursion
limit) into an ``UnreadableInput`` in French::

    check_size(Path("evenements.csv"))   # UnreadableInput("evenements.csv : 210 Mo, …")
    load_json(Path("imbrique.json"))     # UnreadableInput("… structures imbriquées …")
"""

from __future__ import annotations

import json
from pathlib import Path

from influ_geo import config

_ZIP_MAGIC = b"PK\x03\x04"


class UnreadableInput(ValueError):
    """The file cannot be read as a table; the message is one French line."""


def is_zip(path: Path) -> bool:
    """True when the file starts like a zip archive (XLSX, zipped CSV, shapefile…)."""
    with open(path, "rb") as handle:
        return handle.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC


def check_size(path: Path, limit_mb: float | None = None) -> None:
    """Refuse a file read whole in memory above ``config.TABLE_MAX_MB`` (one French line):
    ``"evenements.csv : 210 Mo, au-delà des 100 Mo qu'un tableau peut peser…"``."""
    limit = config.TABLE_MAX_MB if limit_mb is None else limit_mb
    size = path.stat().st_size / (1 << 20)
    if size > limit:
        raise UnreadableInput(
            f"{path.name} : {_mb(size)} Mo, au-delà des {_mb(limit)} Mo qu'un tableau peut "
            "peser (INFLU_GEO_TABLE_MAX_MB) ; découpez-le en plusieurs fichiers.")


def _mb(size: float) -> str:
    """``1234.4`` ⇒ ``"1 234"`` (narrow no-break space)."""
    return f"{size:,.0f}".replace(",", "\u202f")


# The parser's messages (``json.JSONDecodeError.msg``) in French.
_JSON_ERRORS = {
    "Expecting value": "valeur attendue", "Extra data": "données après la fin du JSON",
    "Expecting ',' delimiter": "virgule attendue", "Expecting ':' delimiter": "« : » attendu",
    "Expecting property name enclosed in double quotes": "nom entre guillemets attendu",
    "Unterminated string": "texte jamais fermé par un guillemet",
    "Invalid control character": "caractère de contrôle dans un texte",
    "Invalid \\escape": "échappement « \\ » invalide",
}


def load_json(path: Path) -> object:
    """The parsed JSON of a file read whole (``check_size`` first); ``UnreadableInput`` in
    French for bad syntax, another encoding than UTF-8, or nesting deeper than Python's
    recursion limit (``[[[[…]]]]``), which the parser turns into a ``RecursionError``."""
    check_size(path)
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        what = _JSON_ERRORS.get(error.msg.split(" at")[0].split(" starting")[0],
                                "syntaxe incorrecte")
        raise UnreadableInput(f"{path.name} : JSON illisible (ligne {error.lineno}, colonne "
                              f"{error.colno} : {what}).") from error
    except UnicodeDecodeError as error:
        raise UnreadableInput(f"{path.name} : JSON illisible (octet {error.start} : "
                              "encodage autre que UTF-8).") from error
    except RecursionError as error:
        raise UnreadableInput(f"{path.name} : JSON illisible (structures imbriquées trop "
                              "profondément).") from error
