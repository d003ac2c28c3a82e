"""Normalisation of commune names, postcodes, INSEE and département codes.

Every function here is pure and idempotent (``f(f(x)) == f(x)``). The scalar
functions take anything a spreadsheet may hold (``str``, ``int``, ``float``, ``None``,
``NaN``); the ``*_series`` twins apply them to the distinct values of a column only,
so a 200,000-row column with 30,000 distinct values costs 30,000 calls.

- ``name_key("Saint-Étienne-du-Rouvray")`` ⇒ ``"SAINT ETIENNE DU ROUVRAY"``, and so
  does ``"ST ETIENNE DU ROUVRAY"``: the key compared between a user's file and the
  referential, not a name to display.
- ``normalize_postcode(1000)`` ⇒ ``"01000"``; ``normalize_code_insee("2a004")`` ⇒
  ``"2A004"``; ``normalize_departement("1")`` ⇒ ``"01"``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

# Leading articles carry no identity: "Le Havre", "Havre (Le)" and "HAVRE" are one key.
ARTICLES = frozenset({"LE", "LA", "LES", "L"})
# La Poste abbreviations of "Saint"/"Sainte" ("ST ETIENNE", "STE MARIE").
ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
# The three communes split into arrondissements municipaux.
PLM = frozenset({"PARIS", "LYON", "MARSEILLE"})

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss"})
_COMBINING = re.compile(r"[\u0300-\u036f]")
_OTHER = re.compile(r"[^\x00-\x7f]")
_PAREN_ARTICLE = re.compile(r"\(\s*(LES|LE|LA|L)\s*['’]?\s*\)")
_POSTCODE_WORD = re.compile(r"\d{5}")
_SUR = re.compile(r"(?<![A-Z0-9])S\s*/")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_CEDEX = re.compile(r"CEDEX\d*")
_ARRONDISSEMENT = re.compile(
    r"(?:\d{1,2} ?(?:ER|ERE|E|EME|IEME|ND|NDE)?(?: ?(?:ARRONDISSEMENT|ARRT|ARR))?"
    r"|(?:ARRONDISSEMENT|ARRT|ARR) ?\d{1,2})"
)
_CODE_INSEE = re.compile(r"\d{5}|2[AB]\d{3}")
_FLOAT_INT = re.compile(r"(\d+)\.0*")
_POSTCODE = re.compile(r"(?<!\d)(\d{4,5})(?!\d)")
_SPACED_POSTCODE = re.compile(r"(?<!\d)(\d{2}) (\d{3})(?!\d)")
_DEPARTEMENT = re.compile(r"(97\d|2[AB]|\d{1,2})(?![\dAB])")
# Values already in normal form (the fast path of the column functions); "00…" never is.
_NORMAL_CODE_INSEE = re.compile(r"\d{5}|2[AB]\d{3}")
_NORMAL_POSTCODE = re.compile(r"\d{5}")
_NORMAL_DEPARTEMENT = re.compile(r"\d{2}|2[AB]|97\d")


def _is_missing(value: object) -> bool:
    """``None``, ``NaN``, ``pd.NA`` and blank strings are missing."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _is_number(value: object) -> bool:
    """Numbers equal as values get one text (``0`` and ``0.0`` ⇒ ``"0"``), as the column
    functions see them as one distinct value."""
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def fold(text: str) -> str:
    """ASCII upper case without accents or ligatures: ``"Œuilly-Bérée"`` ⇒ ``"OEUILLY-BEREE"``;
    any other non-ASCII character (``’``, ``–``, ``·``) becomes a space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return _OTHER.sub(" ", _COMBINING.sub("", decomposed)).upper()


def _tokens(text: str) -> list[str]:
    """Words of a folded name, a bracketed article put first, postcodes dropped, cut at
    "CEDEX": ``"HAVRE (LE) 76600 CEDEX"`` ⇒ ``["LE", "HAVRE"]``."""
    article = _PAREN_ARTICLE.search(text)
    text = _SUR.sub(" SUR ", _PAREN_ARTICLE.sub(" ", text))
    words = [w for w in _NON_ALNUM.sub(" ", text).split() if not _POSTCODE_WORD.fullmatch(w)]
    for i, word in enumerate(words):
        if _CEDEX.fullmatch(word):
            words = words[:i]
            break
    return ([article.group(1)] if article and words else []) + words


def _drop_articles(words: list[str]) -> list[str]:
    """``["LE", "HAVRE"]`` ⇒ ``["HAVRE"]``; a lone article is kept (``["LE"]``)."""
    while len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return words


def _drop_arrondissement(words: list[str]) -> list[str]:
    """``["PARIS", "08"]``, ``["LYON", "3EME"]``, ``["MARSEILLE", "1ER", "ARRONDISSEMENT"]``
    ⇒ the commune alone, since the arrondissement belongs to the commune."""
    if len(words) > 1 and words[0] in PLM and _ARRONDISSEMENT.fullmatch(" ".join(words[1:])):
        return words[:1]
    return words


@lru_cache(maxsize=200_000)
def _name_key(text: str, articles: bool = False) -> str:
    """The key of a non-missing name, with or without its leading articles (cached)."""
    words = [ABBREVIATIONS.get(w, w) for w in _tokens(fold(text))]
    if not articles:
        words = _drop_articles(words)
    return " ".join(_drop_arrondissement(words))


def name_key(name: object) -> str:
    """The matching key of a commune name; ``""`` when missing.

    ``"Havre (Le)"``, ``"LE HAVRE"``, ``"le havre cedex"`` ⇒ ``"HAVRE"``;
    ``"L'Abergement-Clémenciat"`` ⇒ ``"ABERGEMENT CLEMENCIAT"``;
    ``"ST ETIENNE DU ROUVRAY"`` ⇒ ``"SAINT ETIENNE DU ROUVRAY"``;
    ``"Marseille 1er Arrondissement"``, ``"PARIS 08"`` ⇒ ``"MARSEILLE"``, ``"PARIS"``.
    """
    if _is_missing(name):
        return ""
    return _name_key(_as_text(name) if _is_number(name) else str(name))


def full_name_key(name: object) -> str:
    """``name_key`` keeping the leading article, to tell apart the rare communes whose
    names differ only by it: ``"La Vergne"`` ⇒ ``"LA VERGNE"``, ``"Vergné"`` ⇒ ``"VERGNE"``;
    ``"Havre (Le)"`` ⇒ ``"LE HAVRE"``."""
    if _is_missing(name):
        return ""
    return _name_key(_as_text(name) if _is_number(name) else str(name), articles=True)


def _as_text(value: object) -> str:
    """A spreadsheet cell as text; integral floats lose their ``.0`` (``1000.0`` ⇒ ``"1000"``)."""
    if isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value):
        return str(int(value))
    text = str(value).strip().upper()
    match = _FLOAT_INT.fullmatch(text)
    return match.group(1) if match else text


def normalize_postcode(value: object) -> str | None:
    """A five-digit postcode or ``None``.

    ``1000`` ⇒ ``"01000"``; ``"75 008"`` ⇒ ``"75008"``; ``"33076 CEDEX"`` ⇒ ``"33076"``;
    ``"F-20000"`` ⇒ ``"20000"``; ``"abc"`` ⇒ ``None``.
    """
    if _is_missing(value) or isinstance(value, bool):
        return None
    text = _SPACED_POSTCODE.sub(r"\1\2", _as_text(value))
    match = _POSTCODE.search(text)
    if match is None:
        return None
    code = match.group(1).zfill(5)
    return None if code.startswith("00") else code


def normalize_code_insee(value: object) -> str | None:
    """A commune code as five characters, or ``None`` when it cannot be one.

    ``1001`` ⇒ ``"01001"``; ``"2a004"`` ⇒ ``"2A004"``; ``" 97411 "`` ⇒ ``"97411"``;
    ``"1001.0"`` ⇒ ``"01001"``; ``"Paris"`` ⇒ ``None``.
    """
    if _is_missing(value) or isinstance(value, bool):
        return None
    text = _as_text(value).replace(" ", "")
    if text.isdigit() and 3 < len(text) < 5:
        text = text.zfill(5)
    if not _CODE_INSEE.fullmatch(text) or text.startswith("00"):
        return None
    return text


def normalize_departement(value: object) -> str | None:
    """A département code: ``"1"`` ⇒ ``"01"``; ``"2a"`` ⇒ ``"2A"``; ``"974 - La Réunion"`` ⇒
    ``"974"``; ``"20"`` (Corsica before 1976) stays ``"20"``; ``"Ain"`` ⇒ ``None``."""
    if _is_missing(value) or isinstance(value, bool):
        return None
    match = _DEPARTEMENT.match(_as_text(value))
    if match is None:
        return None
    code = match.group(1).zfill(2)
    return None if code == "00" else code


def departement_of_code_insee(code: str) -> str:
    """``"2A004"`` ⇒ ``"2A"``; ``"97411"`` ⇒ ``"974"``; ``"01001"`` ⇒ ``"01"``."""
    return code[:3] if code.startswith("97") else code[:2]


def map_distinct(
    values: pd.Series, func: Callable[[object], object], valid: re.Pattern[str] | None = None
) -> pd.Series:
    """Apply ``func`` once per distinct value of ``values``; same index, ``object`` dtype.

    Distinct strings that fully match ``valid`` are already normal and kept as they are
    (a fast path for clean columns). ``map_distinct(pd.Series(["2a004", "2a004", 1001]),
    normalize_code_insee)`` ⇒ ``["2A004", "2A004", "01001"]``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = pd.Series(uniques, dtype=object)
    done = np.zeros(len(uniques), dtype=bool)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    if valid is not None and len(uniques):
        is_text = uniques.map(type).eq(str).to_numpy()
        text = uniques[is_text].astype(str)
        normal = text.str.fullmatch(valid.pattern) & ~text.str.startswith("00")
        done[np.flatnonzero(is_text)[normal.to_numpy(dtype=bool)]] = True
        mapped[:-1][done] = uniques.to_numpy()[done]
    mapped[:-1][~done] = [func(u) for u in uniques.to_numpy()[~done]]
    mapped[-1] = func(None)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def name_keys(values: pd.Series) -> pd.Series:
    """``name_key`` over a column (distinct values only)."""
    return map_distinct(values, name_key)


def full_name_keys(values: pd.Series) -> pd.Series:
    """``full_name_key`` over a column (distinct values only)."""
    return map_distinct(values, full_name_key)


def normalize_postcodes(values: pd.Series) -> pd.Series:
    """``normalize_postcode`` over a column (distinct values only)."""
    return map_distinct(values, normalize_postcode, _NORMAL_POSTCODE)


def normalize_codes_insee(values: pd.Series) -> pd.Series:
    """``normalize_code_insee`` over a column (distinct values only)."""
    return map_distinct(values, normalize_code_insee, _NORMAL_CODE_INSEE)


def normalize_departements(values: pd.Series) -> pd.Series:
    """``normalize_departement`` over a column (distinct values only)."""
    return map_distinct(values, normalize_departement, _NORMAL_DEPARTEMENT)
