"""Cell-level cleaners shared by the event, action and Territoires d'industrie readers.

Each function takes one raw cell (text as read, or a value from JSON) and returns the
canonical value, ``None`` for an empty cell, or raises ``ValueInvalid`` whose message is
a short French reason quoting the value (the caller adds the line number).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from influ_geo import config, escaping, textnorm
from influ_geo.table_repairs import NOTES


class ValueInvalid(ValueError):
    """A cell that cannot be read; the message is French and quotes the value."""


class MissingColumns(ValueError):
    """A file without a required column: unusable as a whole (one French line)."""


def require_columns(raw: pd.DataFrame, required: dict[str, str], what: str) -> None:
    """Raise ``MissingColumns`` naming the absent columns and the headers found.

    ``required`` maps canonical names to how users write them (``{"date": "date"}``).
    """
    absent = [label for name, label in required.items() if name not in raw.columns]
    if absent:
        found = ", ".join(" ".join(str(c).split()) for c in raw.columns[:12])
        raise MissingColumns(f"{what} : colonne(s) obligatoire(s) absente(s) : "
                             f"{', '.join(absent)} (en-têtes trouvés : {found})")


MOIS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Excel stores dates as days since 1899-12-30; serials in this range are 1954–2119.
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_SERIAL_RANGE = (20_000, 80_000)

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")  # accents once decomposed by NFKD
PARIS = "Europe/Paris"
# Overseas départements and collectivities by the first three digits of their codes.
ZONES_OUTRE_MER = {
    "971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
    "974": "Indian/Reunion", "975": "America/Miquelon", "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy", "978": "America/Marigot",
}

_EMPTY = {"", "nan", "none", "null", "nat", "n/a", "na", "-", "—"}
_TIME = r"(?:[ T]+(?:à\s*)?(\d{1,2})\s*[:h]\s*(\d{2})?(?::(\d{2}))?(?:\.\d+)?)?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"\s*(Z|[+-]\d{2}:?\d{2})?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})" + _TIME + r"$")
_WORDS = re.compile(r"^(\d{1,2})\s+([a-z]+)\s+(\d{4})"
                    r"(?:\s+(?:a\s+)?(\d{1,2})\s*(?:h|\s)\s*(\d{2})?)?$")


def is_empty(value: object) -> bool:
    """``None``, NaN, ``""``, ``"  "``, ``"NaN"`` ⇒ True; ``"0"`` ⇒ False."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _EMPTY


def clean_text(value: object) -> str | None:
    """``"  Portes   ouvertes\\n"`` ⇒ ``"Portes ouvertes"``; HTML is kept as text."""
    if is_empty(value):
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text or None


def simple_key(value: object) -> str:
    """Accent/case-insensitive key: ``"Savoir-Faire  É"`` ⇒ ``"savoir faire e"``,
    ``"Œuvre"`` ⇒ ``"oeuvre"``."""
    text = unicodedata.normalize("NFKD", str(value or "").translate(_LIGATURES))
    return _NOT_ALNUM.sub(" ", _COMBINING.sub("", text).lower()).strip()


def parse_date(value: object, zone: str = PARIS,
               years: tuple[int, int] | None = None) -> pd.Timestamp | None:
    """A date in the forms people type, as a tz-naive Timestamp.

    ``"2025-03-18"``, ``"18/03/2025"``, ``"18/03/2025 14:00"``, ``"18 mars 2025"``,
    ``"mardi 1er avril 2025 à 9h30"``, ``"45734"`` (Excel) ⇒ ``Timestamp("2025-03-18")``…;
    ``""`` ⇒ None; ``"31/02/2025"`` ⇒ ``ValueInvalid("date « 31/02/2025 » impossible")``.
    A timestamp with an offset is converted to ``zone`` (the time zone of the place, see
    ``zone_of``) then made naive: the canonical schema stores local wall-clock time, so
    ``"2025-03-18T05:00:00Z"`` in La Réunion (``"Indian/Reunion"``) ⇒ 09:00.
    A year outside ``years`` (default ``config.DATE_MIN_YEAR``–``DATE_MAX_YEAR``) raises:
    ``"0001-01-01"`` ⇒ ``ValueInvalid("année 1 hors de la plage acceptée (1900 à 2100)")``.
    """
    if is_empty(value):
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return _in_years(_naive(pd.Timestamp(value), zone), years)
    text = str(value).strip()
    parsed = _parse_date_text(text, zone)
    if parsed is None:
        raise ValueInvalid(f"date « {text} » illisible (attendu AAAA-MM-JJ, JJ/MM/AAAA "
                           "ou « 18 mars 2025 »)")
    return _in_years(parsed, years)


def _in_years(stamp: pd.Timestamp, years: tuple[int, int] | None) -> pd.Timestamp:
    """``stamp`` when its year is plausible, else ``ValueInvalid``: a typed ``0001`` or
    ``9999`` would stretch every time series over centuries."""
    first, last = years or (config.DATE_MIN_YEAR, config.DATE_MAX_YEAR)
    if not first <= stamp.year <= last:
        raise ValueInvalid(f"année {stamp.year} hors de la plage acceptée ({first} à {last})")
    return stamp


def _parse_date_text(text: str, zone: str) -> pd.Timestamp | None:
    """Try each accepted form in turn; None when none matches."""
    serial = _excel_serial(text)
    if serial is not None:
        return serial
    if m := _ISO.match(text):
        y, mo, d, h, mi, s, tz = m.groups()
        return _build(text, (y, mo, d, h, mi, s), tz, zone)
    if m := _DMY.match(text):
        d, mo, y, h, mi, s = m.groups()
        year = int(y) + 2000 if len(y) == 2 else int(y)
        return _build(text, (year, mo, d, h, mi, s), None, zone)
    words = simple_key(re.sub(r"\b1er\b", "1", text))
    words = re.sub(r"^(?:" + "|".join(JOURS) + r")\s+", "", words)
    if (m := _WORDS.match(words)) and m.group(2) in MOIS:
        d, month, y, h, mi = m.groups()
        return _build(text, (y, MOIS[month], d, h, mi, None), None, zone)
    return None


def _excel_serial(text: str) -> pd.Timestamp | None:
    """``"45734"`` or ``"45734.5"`` ⇒ 2025-03-18 (00:00 or 12:00); other text ⇒ None."""
    if not re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        return None
    number = float(text)
    if not EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1]:
        return None
    moment = EXCEL_EPOCH + timedelta(days=number)
    return pd.Timestamp(moment).round("s")


def _build(text: str, parts: tuple[object, ...], tz: str | None, zone: str) -> pd.Timestamp:
    """Assemble ``(y, m, d, h, mi, s)`` and check it; an impossible date raises with the text."""
    try:
        moment = datetime(*(int(p or 0) for p in parts))
    except ValueError as error:
        raise ValueInvalid(f"date « {text} » impossible") from error
    stamp = pd.Timestamp(moment)
    if tz:
        stamp = stamp.tz_localize("UTC" if tz == "Z" else _offset(tz))
    return _naive(stamp, zone)


def _offset(tz: str) -> str:
    """``"+0200"`` ⇒ ``"+02:00"`` (pandas accepts the colon form)."""
    return tz if ":" in tz else f"{tz[:3]}:{tz[3:]}"


def _naive(stamp: pd.Timestamp, zone: str) -> pd.Timestamp:
    """An aware timestamp ⇒ wall time in ``zone`` without zone; a naive one unchanged."""
    if stamp.tzinfo is None:
        return stamp
    return stamp.tz_convert(zone).tz_localize(None)


def zone_of(code: object) -> str:
    """Time zone of a place from its postcode, INSEE or département code.

    ``"97400"`` ⇒ ``"Indian/Reunion"``, ``"972"`` ⇒ ``"America/Martinique"``,
    ``"2A004"`` or ``None`` ⇒ ``"Europe/Paris"``.
    """
    text = str(code or "").strip()
    return ZONES_OUTRE_MER.get(text[:3], PARIS)


def parse_count(value: object) -> int | None:
    """A non-negative integer: ``"1 234"`` ⇒ 1234, ``"12.0"`` ⇒ 12, ``""`` ⇒ None.

    ``"-3"`` or ``"beaucoup"`` ⇒ ``ValueInvalid``.
    """
    if is_empty(value):
        return None
    text = re.sub(r"[\s\u202f\u00a0]", "", str(value))
    if re.fullmatch(r"\d+(?:[.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    raise ValueInvalid(f"« {str(value).strip()} » n'est pas un entier positif ou nul")


def parse_float(value: object) -> float | None:
    """``"47,2"`` ⇒ 47.2, ``47.2`` ⇒ 47.2, ``""`` ⇒ None, ``"abc"`` ⇒ None."""
    if is_empty(value):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return None if math.isnan(number) else number


def http_url(value: object) -> str | None:
    """Keep only web links: ``"https://x.fr/a"`` ⇒ same; ``"javascript:alert(1)"``,
    ``"https://x.fr/\u202egnp.exe"`` ⇒ raises (the rule of ``escaping.http_url``, applied
    to every link shown later, which escapes quotes and ``<>`` where it writes them)."""
    text = clean_text(value)
    if text is None:
        return None
    if escaping.http_url(text) is not None:
        return text
    if re.match(r"https?://", text, flags=re.IGNORECASE):
        raise ValueInvalid(f"lien « {text} » ignoré (espace, caractère invisible ou de "
                           "contrôle interdits dans un lien)")
    raise ValueInvalid(f"lien « {text} » ignoré (seuls http:// et https:// sont acceptés)")


def code_postal(value: object) -> str | None:
    """``"1000"`` ⇒ ``"01000"``, ``"75 001"`` ⇒ ``"75001"``, ``""`` ⇒ None, ``"abc"`` ⇒ raises."""
    if is_empty(value):
        return None
    code = textnorm.normalize_postcode(value)
    if code is None:
        raise ValueInvalid(f"code postal « {str(value).strip()} » invalide")
    return code


def code_insee(value: object) -> str | None:
    """``"1053"`` ⇒ ``"01053"``, ``"2a004"`` ⇒ ``"2A004"``, ``"Paris"`` ⇒ raises."""
    if is_empty(value):
        return None
    code = textnorm.normalize_code_insee(value)
    if code is None:
        raise ValueInvalid(f"code INSEE « {str(value).strip()} » invalide")
    return code


Cleaner = Callable[[object], object]


def map_cells(values: pd.Series, func: Cleaner) -> tuple[pd.Series, pd.Series]:
    """Apply a cleaner once per distinct cell: the cleaned values and the French error of
    each cell (``None`` when fine), both aligned on ``values``.

    ``map_cells(pd.Series(["1 234", "-3", "1 234"]), parse_count)`` ⇒
    ``([1234, None, 1234], [None, "« -3 » n'est pas un entier positif ou nul", None])``.
    A column of 100,000 cells with 300 distinct values costs 300 calls.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results, errors = [], []
    for unique in [*uniques, None]:  # the last slot serves missing cells (code -1)
        try:
            results.append(func(unique))
            errors.append(None)
        except ValueInvalid as error:
            results.append(None)
            errors.append(str(error))
    result_array = np.empty(len(results), dtype=object)
    for position, result in enumerate(results):  # element-wise: results may be tuples
        result_array[position] = result
    return (pd.Series(result_array[codes], index=values.index, dtype=object),
            pd.Series(np.array(errors, dtype=object)[codes], index=values.index, dtype=object))


def row_tuples(*columns: pd.Series) -> pd.Series:
    """Row-wise tuples of aligned columns as one object series, for ``map_cells`` over
    combinations: ``row_tuples(a, b)`` ⇒ ``[(a0, b0), (a1, b1), …]``."""
    values = np.empty(len(columns[0]), dtype=object)
    for position, row in enumerate(zip(*(c.to_numpy() for c in columns), strict=True)):
        values[position] = row
    return pd.Series(values, index=columns[0].index, dtype=object)


def column(raw: pd.DataFrame, name: str) -> pd.Series:
    """A column of ``raw``, or an empty one when the file does not have it."""
    if name in raw.columns:
        return raw[name]
    return pd.Series(None, index=raw.index, dtype=object)


def first_problem(*problems: pd.Series) -> pd.Series:
    """Row-wise first non-empty message among aligned series (``None`` if none)."""
    out = pd.Series(None, index=problems[0].index, dtype=object)
    for problem in problems:
        out = out.where(out.notna(), problem)
    return out


def spill_warnings(raw: pd.DataFrame) -> list[tuple[int, str]]:
    """``(line, warning)`` for each row with values under no header (see ``spill_warning``),
    after the reader's own notes (``table_repairs.NOTES``: a row split again…)."""
    notes = list(raw.attrs.get(NOTES, []))
    extra = [c for c in raw.columns if re.fullmatch(r"colonne_\d+", str(c))]
    if not extra:
        return notes
    filled = raw[extra].map(lambda x: not is_empty(x)).any(axis=1)
    return notes + [(int(position) + 2, str(spill_warning(raw.iloc[position].to_dict())))
                    for position in np.flatnonzero(filled.to_numpy())]


def spilled_cells(record: Mapping[str, object]) -> list[str]:
    """Values of a row found under no header (``colonne_13``…): the row had extra fields.

    ``{"titre": "Forum", "colonne_13": "en trop", "colonne_14": ""}`` ⇒ ``["en trop"]``.
    """
    return [str(x).strip() for k, x in record.items()
            if re.fullmatch(r"colonne_\d+", str(k)) and not is_empty(x)]


def spill_warning(record: Mapping[str, object]) -> str | None:
    """The French warning for a row with more fields than the header, or None."""
    extra = spilled_cells(record)
    if not extra:
        return None
    quoted = ", ".join(f"« {x} »" for x in extra[:3])
    return f"plus de champs que d'en-têtes : valeur(s) sans colonne ignorée(s) ({quoted})"


def raw_record(record: Mapping[str, object]) -> dict[str, object]:
    """The raw cells of one row for the rejects file, empty cells as None."""
    return {str(k): (None if is_empty(x) else x) for k, x in record.items()}
