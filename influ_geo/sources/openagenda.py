"""OpenAgenda events: the JSON export ``events.v2.json`` and its flat public copy.

- ``events.v2.json`` (public export of an agenda, or pages of API v2): ``{"events":
  [...]}`` or a bare list. Texts are ``{lang: text}`` maps or plain strings (French is
  taken first); ``timings[]`` are ``{begin, end}`` with offsets: ``date_debut`` is the
  first begin and ``date_fin`` the last end, converted to the local wall-clock time of
  the place (``Europe/Paris`` in the metropole, ``Indian/Reunion`` in La Réunion…) and
  made naive, as the canonical schema stores dates; ``location{name, address, city,
  postalCode, latitude, longitude}``; the link is the canonical URL, else the agenda
  page of the event, else the first registration link.
- The flat copy (Opendatasoft ``evenements-publics-openagenda``, JSON list or CSV with
  ``;``): ``uid, title_fr, description_fr, firstdate_begin, lastdate_end,
  location_name, location_address, location_postalcode, location_city,
  location_department, location_coordinates{lat, lon}, canonicalurl, keywords_fr``.

A cancelled event (``status`` 6) is **rejected** with the reason "événement annulé":
it can no longer be relayed, it would count as an upcoming event in the priorities,
and the canonical schema has no status column. It stays in the rejects file.
Lines in the report are the 1-based record numbers of the JSON (or the spreadsheet
lines of a CSV); each reason of a JSON file says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from influ_geo import input_checks, readers
from influ_geo.report import ImportReport
from influ_geo.sources import values as v
from influ_geo.sources.event_rows import EVENT_COLUMNS, clean_events

SOURCE = "openagenda"
CANCELLED = 6
AGENDA_URL = "https://openagenda.com/agendas/{agenda}/events/{slug}"
LANGUAGES = ("fr", "en")


FieldsOf = Callable[[dict[str, object]], dict[str, object]]


class OpenAgendaFormatError(ValueError):
    """The file is not an OpenAgenda export; the message is one French line."""


def read_openagenda(path: Path | str) -> pd.DataFrame:
    """The records of an ``events.v2.json`` file, one row each, nested values kept as is."""
    path = Path(path)
    records = _json_records(path)
    if records and not any("timings" in r or "title" in r for r in records[:20]):
        raise OpenAgendaFormatError(f"{path.name} : ni « title » ni « timings » — ce n'est "
                                    "pas un export events.v2.json d'OpenAgenda.")
    return pd.DataFrame.from_records(records)


def read_openagenda_flat(path: Path | str) -> pd.DataFrame:
    """The flat Opendatasoft copy: a JSON list of records or a CSV (separator detected)."""
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith((b"[", b"{")):
        return pd.DataFrame.from_records(_json_records(path))
    return readers.read_table(path)


def _json_records(path: Path) -> list[dict[str, object]]:
    """``[...]``, ``{"events": [...]}`` or ``{"results": [...]}`` ⇒ the list of records."""
    try:
        data = input_checks.load_json(path)
    except readers.UnreadableInput as error:
        raise OpenAgendaFormatError(str(error)) from error
    if isinstance(data, dict):
        data = data.get("events", data.get("results"))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise OpenAgendaFormatError(f"{path.name} : liste d'événements introuvable "
                                    "(attendu une liste ou {\"events\": [...]}).")
    return data


def text_of(value: object) -> str | None:
    """A multilingual field: ``{"fr": "Forum", "en": "Fair"}`` ⇒ ``"Forum"``; ``"Forum"`` ⇒ same."""
    if isinstance(value, dict):
        for lang in (*LANGUAGES, *value):
            if not v.is_empty(value.get(lang)):
                return str(value[lang])
        return None
    if isinstance(value, list):
        return "; ".join(str(x) for x in value if not v.is_empty(x)) or None
    return None if v.is_empty(value) else str(value)


def keywords_of(value: object) -> str | None:
    """``{"fr": ["usine", "emploi"]}`` or ``"usine;emploi"`` ⇒ ``"usine; emploi"``."""
    if isinstance(value, dict):
        value = next((value[k] for k in (*LANGUAGES, *value) if value.get(k)), None)
    if isinstance(value, str):
        value = value.split(";")
    if isinstance(value, list):
        return "; ".join(str(x).strip() for x in value if not v.is_empty(x)) or None
    return None


def timing_bounds(timings: object) -> tuple[str | None, str | None]:
    """The first ``begin`` and the last ``end`` of ``timings`` (compared as instants).

    ``[{"begin": "2025-03-19T09:00:00+01:00", …}, {"begin": "2025-03-18T09:00:00+01:00",
    "end": "2025-03-18T12:00:00+01:00"}]`` ⇒ ``("2025-03-18T09:00:00+01:00", "…")``.
    """
    if not isinstance(timings, list):
        return None, None
    pairs = [(t.get("begin"), t.get("end")) for t in timings if isinstance(t, dict)]
    begins = [b for b, _ in pairs if isinstance(b, str)]
    ends = [e for _, e in pairs if isinstance(e, str)] or begins
    return _extreme(begins, min), _extreme(ends, max)


def _extreme(stamps: list[str], pick: type[min] | type[max]) -> str | None:
    instants = []
    for stamp in stamps:
        try:
            instants.append((pd.Timestamp(stamp).tz_convert("UTC")
                             if pd.Timestamp(stamp).tzinfo else pd.Timestamp(stamp), stamp))
        except ValueError:
            instants.append((None, stamp))
    valid = [i for i in instants if i[0] is not None]
    if not valid:
        return stamps[0] if stamps else None  # unreadable: let the date check report it
    return pick(valid, key=lambda i: i[0])[1]


def normalize_openagenda(raw: pd.DataFrame, report: ImportReport,
                         source: str = SOURCE) -> pd.DataFrame:
    """Events of an ``events.v2.json`` export in the canonical schema.

    Parameters
    ----------
    raw: as from ``read_openagenda`` (one row per JSON record).
    report: rejections and warnings with the 1-based record number.
    source: the ``source`` of every row; ``source_id`` is the OpenAgenda ``uid``.

    Returns
    -------
    ``event_rows.EVENT_COLUMNS``, one row per kept event, duplicates (same uid) merged.
    """
    return _normalize(raw, report, _fields_v2, source, json_lines=True)


def normalize_openagenda_flat(raw: pd.DataFrame, report: ImportReport,
                              source: str = SOURCE, json_lines: bool | None = None
                              ) -> pd.DataFrame:
    """Events of the flat Opendatasoft copy (JSON records or CSV rows), same output.

    ``json_lines``: number lines as JSON records (default: when cells hold dicts).
    """
    if json_lines is None:
        json_lines = bool(len(raw)) and any(isinstance(x, dict | list)
                                            for x in raw.iloc[0].tolist())
    return _normalize(raw, report, _fields_flat, source, json_lines=json_lines)


def _normalize(raw: pd.DataFrame, report: ImportReport, fields_of: FieldsOf, source: str,
               json_lines: bool) -> pd.DataFrame:
    report.rows_read = len(raw)
    first_rejection, first_warning = len(report.rejections), len(report.warnings)
    records = raw.to_dict("records")
    offset = 1 if json_lines else 2
    kept = [i for i, record in enumerate(records) if _not_cancelled(record, i + offset, report)]
    fields = pd.DataFrame([fields_of(records[i]) for i in kept],
                          columns=[*EVENT_COLUMNS, "mots_cles"])
    fields["source"] = source
    frame = clean_events(fields, report, lambda i: v.raw_record(_flat(records[kept[i]])),
                         lines=np.array(kept, dtype=int) + offset)
    new = report.rejections[first_rejection:]
    report.rejections[first_rejection:] = sorted(new, key=lambda r: r.line)
    if json_lines:
        for entry in (*report.rejections[first_rejection:], *report.warnings[first_warning:]):
            entry.reason += f" (enregistrement n° {entry.line} du JSON)"
    return frame


def _not_cancelled(record: dict[str, object], line: int, report: ImportReport) -> bool:
    status = record.get("status")
    if isinstance(status, dict):  # some exports give {"id": 6, "label": {...}}
        status = status.get("id")
    if str(status).strip() in (str(CANCELLED), "cancelled", "annulé", "annule"):
        report.reject(line, "événement annulé (statut OpenAgenda 6) : non importé",
                      v.raw_record(_flat(record)))
        return False
    return True


def _flat(record: dict[str, object]) -> dict[str, object]:
    """Nested values as compact JSON text, for the rejects CSV."""
    return {k: json.dumps(x, ensure_ascii=False) if isinstance(x, dict | list) else x
            for k, x in record.items()}


def _fields_v2(record: dict[str, object]) -> dict[str, object]:
    """One ``events.v2.json`` record ⇒ raw canonical fields."""
    location = record.get("location") if isinstance(record.get("location"), dict) else {}
    begin, end = timing_bounds(record.get("timings"))
    if begin is None:
        begin = _timing_field(record.get("firstTiming"), "begin")
        end = _timing_field(record.get("lastTiming"), "end")
    title = text_of(record.get("title"))
    keywords = keywords_of(record.get("keywords"))
    return {
        "source_id": None if v.is_empty(record.get("uid")) else str(record["uid"]),
        "titre": title,
        "description": text_of(record.get("description")),
        "date_debut": begin, "date_fin": end,
        "lieu": location.get("name"), "adresse": location.get("address"),
        "code_postal": location.get("postalCode"), "commune": location.get("city"),
        "code_departement": location.get("department"), "code_insee": location.get("insee"),
        "lon": location.get("longitude"), "lat": location.get("latitude"),
        "url": _link_v2(record),
        "organisateur": _agenda_title(record),
        "type": None, "mots_cles": keywords,
        "public": None,
    }


def _timing_field(timing: object, key: str) -> object:
    return timing.get(key) if isinstance(timing, dict) else None


def _agenda_title(record: dict[str, object]) -> str | None:
    agenda = record.get("originAgenda")
    return text_of(agenda.get("title")) if isinstance(agenda, dict) else None


def _link_v2(record: dict[str, object]) -> str | None:
    """Canonical URL, else the event page on its agenda, else the first registration link."""
    for key in ("canonicalUrl", "canonicalurl", "url", "link"):
        if isinstance(record.get(key), str) and record[key].strip():
            return record[key]  # checked by clean_events: only http(s) is kept
    agenda = record.get("originAgenda")
    agenda_uid = agenda.get("uid") if isinstance(agenda, dict) else record.get("agendaUid")
    if agenda_uid and record.get("slug"):
        return AGENDA_URL.format(agenda=agenda_uid, slug=record["slug"])
    return registration_link(record.get("registration"))


def registration_link(registration: object) -> str | None:
    """``[{"type": "email", …}, {"type": "link", "value": "https://…"}]`` ⇒ ``"https://…"``."""
    if not isinstance(registration, list):
        return None
    for entry in registration:
        value = entry.get("value") if isinstance(entry, dict) else entry
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


def _fields_flat(record: dict[str, object]) -> dict[str, object]:
    """One record of the flat copy ⇒ raw canonical fields."""
    lat, lon = coordinates_of(record.get("location_coordinates"))
    title = text_of(record.get("title_fr"))
    keywords = keywords_of(record.get("keywords_fr"))
    return {
        "source_id": None if v.is_empty(record.get("uid")) else str(record["uid"]),
        "titre": title,
        "description": text_of(record.get("description_fr")),
        "date_debut": record.get("firstdate_begin"),
        "date_fin": record.get("lastdate_end") or record.get("firstdate_end"),
        "lieu": record.get("location_name"), "adresse": record.get("location_address"),
        "code_postal": record.get("location_postalcode"),
        "commune": record.get("location_city"),
        "code_departement": record.get("location_department"),
        "code_insee": record.get("location_insee"),
        "lon": lon, "lat": lat,
        "url": record.get("canonicalurl") or registration_link(record.get("registration")),
        "organisateur": text_of(record.get("originagenda_title")),
        "type": None, "mots_cles": keywords,
        "public": None,
    }


def coordinates_of(value: object) -> tuple[float | None, float | None]:
    """``{"lat": 47.2, "lon": -1.55}``, ``"47.2, -1.55"`` or ``[47.2, -1.55]`` ⇒ ``(47.2, -1.55)``.

    Opendatasoft writes geo points latitude first.
    """
    if isinstance(value, dict):
        return v.parse_float(value.get("lat")), v.parse_float(value.get("lon"))
    if isinstance(value, str) and "," in value:
        value = value.split(",")
    if isinstance(value, list | tuple) and len(value) == 2:
        return v.parse_float(value[0]), v.parse_float(value[1])
    return None, None
