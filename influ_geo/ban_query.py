"""The request side of the BAN adapter, pure: input rows ⇒ normalised queries ⇒ upload body.

See ``influ_geo.ban`` for why one filter per row, why no citycode for Paris/Lyon/Marseille,
and why ``q`` is cut to 200 characters.
"""

from __future__ import annotations

import csv
import io
import math
import re
import uuid
from collections.abc import Iterator
from typing import NamedTuple

import pandas as pd

INPUT_COLUMNS = ["adresse", "code_postal", "commune", "code_insee"]
# The row id the service echoes back; a name no user file is likely to carry.
ID_COLUMN = "influ_geo_ligne"
# Their addresses carry arrondissement codes (75107) at the service: never filter on these.
PLM_COMMUNES = frozenset({"75056", "69123", "13055"})
# addok answers 413 for the whole file when one query is longer.
Q_MAX_CHARS = 200
# Shorter queries are skipped by the service.
Q_MIN_CHARS = 3


class Query(NamedTuple):
    """One normalised request row: the two address parts and at most one filter."""

    adresse: str
    commune: str
    filter_name: str  # "citycode", "postcode" or ""
    filter_value: str

    @property
    def q(self) -> str:
        return " ".join(part for part in (self.adresse, self.commune) if part)


def input_rows(queries: pd.DataFrame) -> Iterator[tuple[str, str, str, str]]:
    """The four input cells of each row as clean strings (a missing column reads as empty)."""
    columns = [
        queries[name] if name in queries else pd.Series("", index=queries.index)
        for name in INPUT_COLUMNS
    ]
    for cells in zip(*columns, strict=True):
        yield tuple(clean_cell(cell) for cell in cells)


def clean_cell(value: object) -> str:
    """``"  20  avenue\\nde Ségur "`` ⇒ ``"20 avenue de Ségur"``; None/NaN ⇒ ``""``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return " ".join(str(value).split())


def build_query(adresse: str, code_postal: str, commune: str, code_insee: str) -> Query | None:
    """``("20 av de Ségur", "75007", "Paris", "75056")`` ⇒ Query(…, "postcode", "75007")."""
    adresse = strip_invalid_start(adresse)
    room = Q_MAX_CHARS - len(commune) - 1
    if len(adresse) > room:
        adresse = adresse[: max(room, 0)].rsplit(" ", 1)[0]
    if not adresse:
        commune = strip_invalid_start(commune)[:Q_MAX_CHARS]
    query = Query(adresse, commune, *row_filter(code_postal, code_insee))
    return query if len(query.q) >= Q_MIN_CHARS else None


def strip_invalid_start(text: str) -> str:
    """Drop what the service refuses at the start of ``q`` (a cased letter or 0–9 must open it).

    ``'"- 3 rue du Port'`` ⇒ ``"3 rue du Port"``; ``"_00"`` ⇒ ``"00"``; ``"²"`` ⇒ ``""``.
    """
    for position, char in enumerate(text):
        if char.lower() != char.upper() or char in "0123456789":
            return text[position:]
    return ""


def row_filter(code_postal: str, code_insee: str) -> tuple[str, str]:
    """``("75007", "75056")`` ⇒ ``("postcode", "75007")``; ``("", "2a004")`` ⇒ citycode 2A004."""
    citycode = (
        code_insee.upper().zfill(5) if re.fullmatch(r"\d{4,5}|2[ABab]\d{3}", code_insee) else ""
    )
    if citycode and citycode not in PLM_COMMUNES:
        return "citycode", citycode
    postcode = code_postal.replace(" ", "")
    if re.fullmatch(r"\d{4,5}", postcode):
        return "postcode", postcode.zfill(5)
    return "", ""


def build_form(chunk: list[tuple[str, Query]]) -> tuple[bytes, str]:
    """The multipart body (CSV in ``data``, then the parameters) and its Content-Type."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([ID_COLUMN, "adresse", "commune", "code_postal", "code_insee"])
    for position, (_, query) in enumerate(chunk):
        postcode = query.filter_value if query.filter_name == "postcode" else ""
        citycode = query.filter_value if query.filter_name == "citycode" else ""
        writer.writerow([position, query.adresse, query.commune, postcode, citycode])
    fields = [
        ("columns", "adresse"),
        ("columns", "commune"),
        ("delimiter", ","),
        ("encoding", "utf-8"),
    ]
    used = {query.filter_name for _, query in chunk}
    fields += [
        (name, column)
        for name, column in (("postcode", "code_postal"), ("citycode", "code_insee"))
        if name in used
    ]
    return multipart(fields, out.getvalue().encode("utf-8"))


def multipart(fields: list[tuple[str, str]], data: bytes) -> tuple[bytes, str]:
    """``multipart/form-data`` with text ``fields`` (repeatable) and the file part ``data``."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"; filename="adresses.csv"\r\n'
        "Content-Type: text/csv; charset=utf-8\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
