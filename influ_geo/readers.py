"""Read any user table (CSV or XLSX) as text columns, and recognise its headers.

- ``read_table(path)``: every cell as ``str`` (``""`` when empty), headers as written,
  every row kept in file order. Encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
  Windows-1252, Latin-1) and separator (``,`` ``;`` tab ``|``) are detected.
- ``canonical_columns(columns, synonyms)``: which header means which canonical column,
  e.g. ``["codeCommuneEtablissement", "CP", "Ville"]`` ⇒ ``{"codeCommuneEtablissement":
  "code_insee", "CP": "code_postal", "Ville": "commune"}`` with ``GEO_SYNONYMS``.

Every failure to read is an ``UnreadableInput`` whose message is one French line.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from influ_geo import config, safe_zip, table_repairs
from influ_geo.input_checks import UnreadableInput, check_size, is_zip
from influ_geo.textnorm import fold

# Headers that locate a row, by canonical name; earlier spellings win over later ones.
GEO_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code_insee": (
        "code_insee", "insee", "codgeo", "cd_insee", "codeCommuneEtablissement", "citycode",
        "code_commune_insee", "code_insee_commune", "insee_com", "code_commune", "depcom",
        "codecom", "com", "cog", "num_insee", "plg_code_commune",
    ),
    "code_postal": (
        "code_postal", "cp", "postcode", "codePostalEtablissement", "code_postal_commune",
        "postal_code", "zip_code", "zipcode", "zip", "cpostal",
    ),
    "commune": (
        "commune", "ville", "city", "libelleCommuneEtablissement", "nom_commune",
        "nom_de_la_commune", "libelle_commune", "lib_commune", "libcom", "libgeo", "nom_com",
        "localite", "municipality", "town", "libelle_d_acheminement",
    ),
    "code_departement": (
        "code_departement", "departement", "dep", "code_dep", "dept", "dpt", "num_dep",
        "department", "cd_dept",
    ),
    "lon": (
        "longitude", "lon", "lng", "long", "x_longitude", "longitude_wgs84", "lon_wgs84",
        "geo_longitude", "coord_lon",
    ),
    "lat": (
        "latitude", "lat", "y_latitude", "latitude_wgs84", "lat_wgs84", "geo_latitude",
        "coord_lat",
    ),
    "x": (
        "x", "coord_x", "coordonnee_x", "x_lambert93", "x_l93", "lambert_x",
        "coordonneeLambertAbscisseEtablissement",
    ),
    "y": (
        "y", "coord_y", "coordonnee_y", "y_lambert93", "y_l93", "lambert_y",
        "coordonneeLambertOrdonneeEtablissement",
    ),
    "epsg": ("epsg", "code_epsg", "srid", "crs"),
    "adresse": (
        "adresse", "address", "adresse_postale", "adresse_complete", "adresse_ligne_1",
        "adresse1", "adr",
    ),
    "numero_voie": ("numero_voie", "numeroVoieEtablissement", "num_voie", "numero"),
    "type_voie": ("type_voie", "typeVoieEtablissement"),
    "libelle_voie": ("libelle_voie", "libelleVoieEtablissement", "nom_voie", "voie", "rue"),
}

SEPARATORS = (";", ",", "\t", "|")
_SAMPLE_LINES = 50
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls)
XLS_MESSAGE = "format Excel 97 (.xls) non pris en charge, enregistrez-le en .xlsx ou en .csv."
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01
_HEADER_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def header_key(name: object) -> str:
    """The comparable form of a header: ``"#Code_commune_INSEE"`` ⇒ ``"codecommuneinsee"``,
    ``"Code postal"`` ⇒ ``"codepostal"``, ``"Libellé commune"`` ⇒ ``"libellecommune"``."""
    return _HEADER_NON_ALNUM.sub("", fold(str(name)).lower())


def canonical_columns(
    columns: Iterable[object], synonyms: Mapping[str, Iterable[str]]
) -> dict[object, str]:
    """Map the headers of a table to canonical names; headers not recognised are left out.

    Parameters
    ----------
    columns: the headers as read (any spelling, case, accents, separators).
    synonyms: canonical name ⇒ accepted spellings, best first (see ``GEO_SYNONYMS``).

    Returns
    -------
    ``{original header: canonical name}`` (headers as given, not converted to text),
    ready for ``frame.rename(columns=...)``. Each
    canonical name is given to one header at most: the one matching its earliest
    spelling, then the leftmost. ``canonical_columns(["Ville", "CP", "cp2"],
    GEO_SYNONYMS)`` ⇒ ``{"Ville": "commune", "CP": "code_postal"}``.
    """
    keys: dict[str, list[object]] = {}
    for column in columns:
        keys.setdefault(header_key(column), []).append(column)
    mapping: dict[object, str] = {}
    for canonical, spellings in synonyms.items():
        for spelling in (canonical, *spellings):
            free = [c for c in keys.get(header_key(spelling), []) if c not in mapping]
            if free:
                mapping[free[0]] = canonical
                break
    return mapping


def detect_encoding(raw: bytes) -> str:
    """The codec of a text file: a BOM decides, else UTF-8 if it decodes, else Windows-1252,
    else Latin-1. ``"Vergné".encode("cp1252")`` ⇒ ``"cp1252"``."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec
    utf16 = utf16_without_bom(raw)
    if utf16 is not None:
        return utf16
    for codec in ("utf-8", "cp1252"):
        try:
            raw.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return "latin-1"


def utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 saved without its byte order mark: Latin text then has a NUL byte in every
    other byte. ``"id\ttitre".encode("utf-16-le")`` ⇒ ``"utf-16-le"``; UTF-8 ⇒ None."""
    sample = raw[: min(len(raw), 4096) // 2 * 2]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def looks_binary(text: str) -> bool:
    """True when more than 1 % of the characters are control characters (not text)."""
    sample = text[:65536]
    controls = len(CONTROL_CHARACTERS.findall(sample))
    return bool(sample) and controls > _MAX_CONTROL_SHARE * len(sample)


def decode_text(raw: bytes, name: str = "fichier") -> str:
    """Decode the bytes of a CSV file; ``UnreadableInput`` for binary content."""
    return _decode(raw, name)[0]


def _decode(raw: bytes, name: str) -> tuple[str, list[tuple[int, str]]]:
    """The text and the reader's notes (lines in UTF-8 and Windows-1252 mixed)."""
    codec = detect_encoding(raw)
    if not codec.startswith("utf-16") and b"\x00" in raw[:65536]:
        raise UnreadableInput(f"{name} : contenu binaire, ni CSV ni XLSX.")
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:  # UTF-16 cut in the middle of a character
        raise UnreadableInput(f"{name} : texte UTF-16 incomplet ou abîmé (octet "
                              f"{error.start}).") from error
    if looks_binary(text):
        raise UnreadableInput(f"{name} : contenu binaire, ni CSV ni XLSX.")
    notes = []
    if codec in ("cp1252", "latin-1"):
        mixed = table_repairs.decode_lines(raw)
        if mixed is not None:
            text, notes = mixed, [(0, table_repairs.NOTE_MIXED_ENCODINGS)]
    return text.removeprefix("\ufeff"), notes


def _field_counts(lines: list[str], separator: str) -> list[int]:
    """Fields per line: ``["a;b", "1;2;3"]`` with ``;`` ⇒ ``[2, 3]``."""
    return [len(row) for row in csv.reader(lines, delimiter=separator)]


def detect_separator(text: str) -> str:
    """The field separator of a CSV text, judged on its first lines.

    The separator splits the header into most fields while giving the same count on
    most lines: ``"nom;adresse\\nUsine;3, rue X"`` ⇒ ``";"``. One column ⇒ ``","``.
    """
    lines = [line for line in text.splitlines()[: _SAMPLE_LINES * 2] if line.strip()]
    lines = lines[:_SAMPLE_LINES]
    best, best_score = ",", (0.0, 1)
    for separator in SEPARATORS:
        counts = _field_counts(lines, separator)
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if score > best_score:
            best, best_score = separator, score
    return best


def _parse_ragged(text: str, separator: str, name: str) -> pd.DataFrame:
    """Parse with the csv module, padding short rows and naming extra fields, so that
    a malformed line costs no row; a quote never closed is refused (it would swallow
    every following line)."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=separator, strict=True)
                if row]
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            line = table_repairs.open_quote_line(text, separator)
            raise UnreadableInput(table_repairs.open_quote_message(name, line)) from error
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=separator) if row]
    header, body = rows[0], rows[1:]
    width = max(len(r) for r in rows)
    header = header + [f"colonne_{i + 1}" for i in range(len(header), width)]
    body = [r + [""] * (width - len(r)) for r in body]
    return pd.DataFrame(body, columns=_unique_headers(header), dtype=str)


def _unique_headers(header: list[str]) -> list[str]:
    """``["a", "a", ""]`` ⇒ ``["a", "a.1", "colonne_3"]``."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        name = name.strip() or f"colonne_{i + 1}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out


def parse_csv_text(text: str, name: str = "fichier") -> pd.DataFrame:
    """A CSV text as a frame of ``str`` columns (``""`` when empty), rows in file order."""
    if not text.strip():
        raise UnreadableInput(f"{name} : fichier vide.")
    separator = detect_separator(text)
    try:
        with warnings.catch_warnings():
            # pandas warns, then drops fields, when rows are longer than the header.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, index_col=False,
                                keep_default_na=False, na_filter=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error):
        frame = _parse_ragged(text, separator, name)
    if frame.columns.duplicated().any() or any(str(c).startswith("Unnamed: ") for c in frame):
        frame.columns = _unique_headers(["" if str(c).startswith("Unnamed: ") else str(c)
                                         for c in frame.columns])
    frame.attrs[table_repairs.NOTES] = table_repairs.resplit_rows(frame, text, separator,
                                                                  SEPARATORS)
    return frame


def read_csv_bytes(raw: bytes, name: str = "fichier") -> pd.DataFrame:
    """``decode_text`` then ``parse_csv_text``; the reader's notes in
    ``attrs[table_repairs.NOTES]`` (see ``table_repairs``)."""
    text, notes = _decode(raw, name)
    frame = parse_csv_text(text, name)
    frame.attrs[table_repairs.NOTES] = notes + frame.attrs[table_repairs.NOTES]
    return frame


def _cell_text(value: object) -> str:
    """An Excel cell as text: ``1000`` ⇒ ``"1000"``, ``2.5`` ⇒ ``"2.5"``, empty ⇒ ``""``,
    a date ⇒ ``"2025-03-14"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet of a workbook, every cell as text (see ``_cell_text``); a workbook
    that would unpack beyond ``config.ARCHIVE_IN_MEMORY_MAX_MB`` is refused unread."""
    try:
        safe_zip.check_zip(path, config.ARCHIVE_IN_MEMORY_MAX_MB)
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl", header=0)
    except safe_zip.UnsafeArchive as error:
        raise UnreadableInput(str(error)) from error
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableInput(f"{path.name} : classeur XLSX illisible ({error}).") from error
    if frame.columns.empty:
        raise UnreadableInput(f"{path.name} : classeur vide.")
    headers = ["" if str(c).startswith("Unnamed: ") else _cell_text(c) for c in frame.columns]
    frame.columns = _unique_headers(headers)
    return frame.map(_cell_text).astype(str)


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a user CSV or XLSX file (by content, not only by extension).

    Returns a frame whose headers are those of the file and whose cells are all ``str``
    (``""`` when empty), every row in file order. Raises ``UnreadableInput`` (one French
    line) when the file is missing, empty, binary or a format not handled.
    """
    path = Path(path)
    if not path.is_file():
        raise UnreadableInput(f"fichier introuvable : {path.name}")
    if not is_zip(path):
        check_size(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise UnreadableInput(f"{path.name} : fichier vide.")
    if raw.startswith(_ZIP_MAGIC):
        return read_xlsx(path)
    if raw.startswith(OLE_MAGIC):
        raise UnreadableInput(f"{path.name} : {XLS_MESSAGE}")
    return read_csv_bytes(raw, path.name)


def read_canonical(
    path: Path | str, synonyms: Mapping[str, Iterable[str]]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """``read_table`` then rename the recognised headers to canonical names.

    Returns the renamed frame and the ``{original: canonical}`` mapping applied.
    """
    frame = read_table(path)
    mapping = canonical_columns(frame.columns, synonyms)
    return frame.rename(columns=mapping), mapping
