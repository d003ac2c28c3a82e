r"""iCalendar (RFC 5545) files of events, written by hand: no dependency, every rule tested.

    text = calendar([CalendarEvent(uid="evt-1@influstriels.fr", summary="Salon ; usine, 2026",
                                   start=datetime(2026, 12, 3, 9), end=datetime(2026, 12, 3, 18),
                                   timezone="Europe/Paris")],
                    stamp=datetime(2026, 11, 26, 8, tzinfo=UTC), name="Près de Lyon")
    # BEGIN:VCALENDAR … SUMMARY:Salon \; usine\, 2026 … DTSTART:20261203T080000Z …

What the file holds, and why:

- ``VCALENDAR`` with ``PRODID``, ``VERSION:2.0``, ``CALSCALE:GREGORIAN``, ``METHOD:PUBLISH``
  (a calendar to import, not an invitation) and ``X-WR-CALNAME`` (the name most calendar
  apps give the imported calendar);
- one ``VEVENT`` per event: ``UID`` (stable, so a second import updates instead of
  duplicating), ``DTSTAMP``, ``DTSTART``/``DTEND``, ``SUMMARY``, ``LOCATION``, ``GEO``,
  ``URL`` (http(s) only), ``CATEGORIES``, ``DESCRIPTION``;
- **timed events are written in UTC** (``DTSTART:20261203T080000Z``). The store keeps the
  local wall-clock time of the place (10:00 in La Réunion is stored as 10:00), so each
  time is read in the zone of its place (``Europe/Paris``, ``Indian/Reunion``…, see
  :func:`timezone_of`) and converted to UTC. UTC needs no ``VTIMEZONE`` block, which
  every calendar app reads alike; the app then shows the time in its user's zone, the
  right instant wherever the member lives;
- **all-day events** (start at midnight, end missing or at midnight) are ``VALUE=DATE``
  with ``DTEND`` the day *after* the last day (RFC 5545: the end is exclusive);
  a timed event without end has no ``DTEND`` (it ends when it starts, RFC 5545 3.6.1);
- TEXT values escape ``\``, ``;``, ``,`` and line breaks (``\n``); other control
  characters are dropped (TEXT excludes them); ``<`` and ``>`` are written ``‹`` and ``›``,
  so a calendar app that shows descriptions as HTML finds no tag from the data;
- content lines are folded at 75 octets of UTF-8, never inside a character, each
  continuation starting with one space; lines end with CRLF.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from influ_geo import escaping

PRODID = "-//Les Influstriels//influ_geo//FR"
CRLF = "\r\n"
MAX_LINE_OCTETS = 75  # RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets
MEDIA_TYPE = "text/calendar"
DEFAULT_TIMEZONE = "Europe/Paris"
# Local zone of each DROM by département code (no daylight saving time in any of them).
DROM_TIMEZONES: dict[str, str] = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # CTLs but HTAB (\t); \n handled apart
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MARKUP = str.maketrans({"<": "\u2039", ">": "\u203a"})  # no tag in any text: ‹ ›
_URI_EXCLUDED = re.compile(r"[<>\"\\^`{|}]")  # RFC 3986: never in a URI
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


@dataclass(frozen=True)
class CalendarEvent:
    """One event as the calendar writes it.

    ``start`` and ``end`` are naive: the local wall-clock time of the place, in
    ``timezone``. ``geo`` is ``(lat, lon)``. ``url`` must be http(s) (else it is left out).
    """

    uid: str
    summary: str
    start: datetime
    end: datetime | None = None
    timezone: str = DEFAULT_TIMEZONE
    location: str = ""
    description: str = ""
    url: str | None = None
    geo: tuple[float, float] | None = None
    categories: tuple[str, ...] = ()


# ---------------------------------------------------------------- values

def escape_text(value: str) -> str:
    r"""A TEXT value (RFC 5545 3.3.11): ``a;b,c\d`` + newline + ``e`` ⇒ ``a\;b\,c\\d\ne``;
    other control characters are dropped, and ``<`` ``>`` become ``‹`` ``›``: some calendar
    apps show a description as HTML, where ``<img src=x onerror=…>`` from the data would
    be a tag; ``‹img …›`` reads the same everywhere and is never markup."""
    text = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.translate(_MARKUP)
    return _CONTROL.sub("", _LINE_BREAK.sub("\\\\n", text))


def http_url(value: object) -> str | None:
    """An http(s) URL (the rule of ``escaping.http_url``) as an ASCII URI, else ``None``.

    ``"https://exemple.fr/événement?id=3"`` ⇒ ``"https://exemple.fr/%C3%A9v%C3%A9nement?id=3"``;
    ``"javascript:alert(1)"``, ``"ftp://x"``, ``"https://"``, ``"https://a b"`` ⇒ ``None``;
    characters no URI may hold (``<>"\\^`{|}``) refuse the link rather than being quoted.
    """
    text = escaping.http_url(value)
    if text is None or _URI_EXCLUDED.search(text):
        return None
    return quote(text, safe=_URL_SAFE)


def timezone_of(code_departement: object) -> str:
    """``"974"`` ⇒ ``"Indian/Reunion"``; ``"69"``, ``"2A"``, ``None`` ⇒ ``"Europe/Paris"``."""
    return DROM_TIMEZONES.get(str(code_departement), DEFAULT_TIMEZONE)


def utc_stamp(moment: datetime) -> str:
    """An aware datetime in UTC form: ``2026-11-26 09:30+01:00`` ⇒ ``"20261126T083000Z"``."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_to_utc(moment: datetime, timezone: str) -> str:
    """A naive wall-clock time of ``timezone`` in UTC form:
    ``(2026-12-03 10:00, "Indian/Reunion")`` ⇒ ``"20261203T060000Z"``."""
    return utc_stamp(moment.replace(tzinfo=ZoneInfo(timezone)))


def is_all_day(start: datetime, end: datetime | None) -> bool:
    """True when the event carries dates only: both times at midnight (or no end)."""
    midnight = time(0, 0)
    return start.time() == midnight and (end is None or end.time() == midnight)


# ---------------------------------------------------------------- lines

def fold(line: str) -> str:
    """A content line cut into lines of at most 75 octets of UTF-8, joined by CRLF + space.

    A character is never split: ``"é"`` (2 octets) or ``"🏭"`` (4 octets) goes whole to the
    next line when it does not fit. ``fold("A" * 80)`` ⇒ ``"A" * 75 + "\\r\\n " + "A" * 5``.
    """
    pieces: list[str] = []
    current: list[str] = []
    room, used = MAX_LINE_OCTETS, 0
    for char in line:
        size = len(char.encode("utf-8"))
        if used + size > room:
            pieces.append("".join(current))
            current, used, room = [], 0, MAX_LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        used += size
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def content_line(name: str, value: str, params: str = "") -> str:
    """``("SUMMARY", "Salon")`` ⇒ ``"SUMMARY:Salon"`` folded; ``value`` already escaped."""
    return fold(f"{name}{params}:{value}")


def _date_lines(event: CalendarEvent) -> list[str]:
    """DTSTART/DTEND of a timed (UTC) or all-day (``VALUE=DATE``, end exclusive) event."""
    start, end = event.start, event.end
    if end is not None and end < start:
        end = None  # an end before the start is a data error: the start alone is sure
    if is_all_day(start, end):
        last = (end or start).date()
        if end is not None and end.date() > start.date():
            last = end.date()
        return [content_line("DTSTART", _date(start.date()), ";VALUE=DATE"),
                content_line("DTEND", _date(last + timedelta(days=1)), ";VALUE=DATE")]
    lines = [content_line("DTSTART", local_to_utc(start, event.timezone))]
    if end is not None:
        lines.append(content_line("DTEND", local_to_utc(end, event.timezone)))
    return lines


def _date(day: date) -> str:
    return day.strftime("%Y%m%d")


def vevent_lines(event: CalendarEvent, stamp: datetime) -> list[str]:
    """The folded lines of one ``VEVENT``; ``stamp`` (aware) is the file's creation time."""
    lines = ["BEGIN:VEVENT", content_line("UID", escape_text(event.uid)),
             content_line("DTSTAMP", utc_stamp(stamp)), *_date_lines(event),
             content_line("SUMMARY", escape_text(event.summary))]
    if event.location:
        lines.append(content_line("LOCATION", escape_text(event.location)))
    if event.geo is not None:
        lat, lon = event.geo
        lines.append(content_line("GEO", f"{lat:.6f};{lon:.6f}"))
    url = http_url(event.url)
    if url:
        lines.append(content_line("URL", url, ";VALUE=URI"))
    if event.categories:
        lines.append(content_line("CATEGORIES", ",".join(map(escape_text, event.categories))))
    if event.description:
        lines.append(content_line("DESCRIPTION", escape_text(event.description)))
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[CalendarEvent], *, stamp: datetime, name: str = "") -> str:
    """The whole ``VCALENDAR`` text, CRLF line endings (the last line too).

    Parameters
    ----------
    events: the events, written in this order.
    stamp: creation time (aware datetime), the ``DTSTAMP`` of every event.
    name: the calendar's name (``X-WR-CALNAME``), left out when empty.
    """
    if stamp.tzinfo is None:
        raise ValueError("stamp must be an aware datetime")
    lines: list[str] = ["BEGIN:VCALENDAR", content_line("PRODID", escape_text(PRODID)),
                        "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        lines.append(content_line("X-WR-CALNAME", escape_text(name)))
    for event in events:
        lines += vevent_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF


def calendar_bytes(events: Sequence[CalendarEvent], *, stamp: datetime, name: str = "") -> bytes:
    """:func:`calendar` encoded in UTF-8 (the file to download, ``text/calendar``)."""
    return calendar(events, stamp=stamp, name=name).encode("utf-8")
