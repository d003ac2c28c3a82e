"""The iCalendar writer, read back by an independent parser (the ``icalendar`` package)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influ_geo import ics

STAMP = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
TRICKY = "Salon ; usine, « 2026 »\\ atelier\nDeuxième ligne\r\nTroisième 🏭🔧"
LONG_TITLE = ("Journée portes ouvertes de l'usine élévatrice à Saint-Étienne-du-Grès : "
              "découverte des métiers, rencontres avec les équipes, ateliers pour les "
              "lycéens, les étudiants et les parents — entrée libre ! 🏭🔧")
assert len(LONG_TITLE) == 200, len(LONG_TITLE)


def event(**fields) -> ics.CalendarEvent:
    values = {"uid": "evt-1@test.influstriels.fr", "summary": "Salon",
              "start": datetime(2026, 12, 3, 9), "end": datetime(2026, 12, 3, 18)}
    return ics.CalendarEvent(**{**values, **fields})


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text.encode("utf-8"))


def vevents(text: str) -> list[icalendar.Event]:
    return list(parse(text).walk("VEVENT"))


SAMPLES = [
    event(uid="a@x", summary=TRICKY, description=TRICKY, location="Lieu ; A, B"),
    event(uid="b@x", summary=LONG_TITLE, description=LONG_TITLE * 3),
    event(uid="c@x", summary="Forum, toute la journée", start=datetime(2026, 12, 5),
          end=None),
    event(uid="d@x", summary="Salon sur trois jours", start=datetime(2027, 3, 30),
          end=datetime(2027, 4, 1)),
    event(uid="e@x", summary="Visite à La Réunion", start=datetime(2026, 12, 3, 10),
          end=datetime(2026, 12, 3, 12), timezone="Indian/Reunion"),
    event(uid="f@x", summary="Conférence sans fin connue", start=datetime(2027, 6, 15, 18),
          end=None, url="https://exemple.fr/évènement?id=3&x=a,b;c"),
    event(uid="g@x", summary="Lien piégé", url="javascript:alert(1)", geo=(45.4339, 4.3903),
          categories=("Salon, foire", "Semaine de l'industrie")),
]


@pytest.fixture(scope="module")
def text() -> str:
    return ics.calendar(SAMPLES, stamp=STAMP, name="Événements ; près de Saint-Étienne")


def test_an_independent_parser_reads_every_event(text: str) -> None:
    calendar = parse(text)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == ics.PRODID
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    # X- properties are TEXT (RFC 5545 3.8.8.2); the parser leaves them as written.
    assert str(calendar["X-WR-CALNAME"]) == "Événements \\; près de Saint-Étienne"
    events = vevents(text)
    assert [str(e["UID"]) for e in events] == [s.uid for s in SAMPLES]
    assert all(e.decoded("DTSTAMP") == STAMP for e in events)


def test_no_text_of_the_data_is_markup_in_an_app_that_reads_html() -> None:
    hostile = '<img src=x onerror="alert(1)"> & <script>alert(2)</script>'
    raw = ics.calendar([event(summary=hostile, description=f"Organisé par {hostile}",
                              location="<b>Lyon</b>", categories=("<i>salon</i>",))],
                       stamp=STAMP)
    assert "<" not in raw and ">" not in raw
    (parsed,) = vevents(raw)
    assert str(parsed["SUMMARY"]) == ('‹img src=x onerror="alert(1)"› & '
                                      "‹script›alert(2)‹/script›")
    assert str(parsed["LOCATION"]) == "‹b›Lyon‹/b›"
    assert str(parsed["DESCRIPTION"]).startswith("Organisé par ‹img")


def test_text_is_escaped_and_comes_back_unchanged(text: str) -> None:
    first, second = vevents(text)[:2]
    expected = TRICKY.replace("\r\n", "\n")
    assert str(first["SUMMARY"]) == expected
    assert str(first["DESCRIPTION"]) == expected
    assert str(first["LOCATION"]) == "Lieu ; A, B"
    assert str(second["SUMMARY"]) == LONG_TITLE
    assert str(second["DESCRIPTION"]) == LONG_TITLE * 3
    raw = text.replace("\r\n ", "")  # unfolded
    assert "SUMMARY:Salon \\; usine\\, « 2026 »\\\\ atelier\\nDeuxième ligne\\nTroisième" in raw


def test_timed_events_are_utc_instants_of_the_local_time(text: str) -> None:
    events = {str(e["UID"]): e for e in vevents(text)}
    paris = ZoneInfo("Europe/Paris")
    winter = events["a@x"]
    assert winter.decoded("DTSTART") == datetime(2026, 12, 3, 9, tzinfo=paris)
    assert winter.decoded("DTSTART").utcoffset() == timedelta(0)  # written with Z
    assert "DTSTART:20261203T080000Z" in text
    assert winter.decoded("DTEND") == datetime(2026, 12, 3, 18, tzinfo=paris)
    summer = events["f@x"]  # daylight saving time: 18:00 in Paris is 16:00 UTC
    assert summer.decoded("DTSTART") == datetime(2027, 6, 15, 16, tzinfo=UTC)
    assert "DTEND" not in summer  # no end given: none invented
    reunion = events["e@x"]
    assert reunion.decoded("DTSTART") == datetime(2026, 12, 3, 6, tzinfo=UTC)
    assert reunion.decoded("DTEND") == datetime(2026, 12, 3, 12, tzinfo=ZoneInfo("Indian/Reunion"))


def test_all_day_events_are_dates_with_an_exclusive_end(text: str) -> None:
    events = {str(e["UID"]): e for e in vevents(text)}
    one_day = events["c@x"]
    assert one_day.decoded("DTSTART") == date(2026, 12, 5)
    assert not isinstance(one_day.decoded("DTSTART"), datetime)
    assert one_day.decoded("DTEND") == date(2026, 12, 6)
    three_days = events["d@x"]  # 30 March – 1 April included
    assert three_days.decoded("DTSTART") == date(2027, 3, 30)
    assert three_days.decoded("DTEND") == date(2027, 4, 2)
    assert "DTSTART;VALUE=DATE:20270330" in text


def test_urls_kept_only_when_http_and_written_as_ascii(text: str) -> None:
    events = {str(e["UID"]): e for e in vevents(text)}
    assert str(events["f@x"]["URL"]) == "https://exemple.fr/%C3%A9v%C3%A8nement?id=3&x=a,b;c"
    assert "URL" not in events["g@x"]
    assert "javascript" not in text


def test_geo_and_categories(text: str) -> None:
    events = {str(e["UID"]): e for e in vevents(text)}
    geo = events["g@x"]["GEO"]
    assert (geo.latitude, geo.longitude) == pytest.approx((45.4339, 4.3903))
    assert events["g@x"]["CATEGORIES"].cats == ["Salon, foire", "Semaine de l'industrie"]


def test_lines_are_crlf_folded_at_75_octets_never_inside_a_character(text: str) -> None:
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF
    assert b"\r" not in data.replace(b"\r\n", b"")  # no bare CR
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # a split multibyte character would raise here
    folded = [line for line in lines if line.startswith(b" ")]
    assert len(folded) > 10  # the long title, the descriptions, the emoji lines


def test_the_long_accented_title_folds_and_unfolds_exactly(text: str) -> None:
    block = text.split("SUMMARY:" + LONG_TITLE[:20])[1].split("\r\nDESCRIPTION")[0]
    physical = ("SUMMARY:" + LONG_TITLE[:20] + block).split("\r\n")
    assert len(physical) >= 3  # 200 characters, some of 2 octets: at least three lines
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join([physical[0], *(p[1:] for p in physical[1:])]) == "SUMMARY:" + ics.escape_text(
        LONG_TITLE)


def test_a_character_that_does_not_fit_moves_whole_to_the_next_line() -> None:
    line = "X" * 73 + "🏭"  # 73 + 4 octets: the emoji does not fit in 75
    assert ics.fold(line) == "X" * 73 + "\r\n 🏭"
    assert ics.fold("é" * 40) == "é" * 37 + "\r\n " + "é" * 3  # 74 octets, then the rest
    assert ics.fold("A" * 75) == "A" * 75


def test_an_end_before_the_start_is_dropped_not_written_backwards() -> None:
    text = ics.calendar([event(end=datetime(2026, 12, 2, 9))], stamp=STAMP)
    (only,) = vevents(text)
    assert "DTEND" not in only


def test_control_characters_are_dropped_and_the_stamp_must_be_aware() -> None:
    assert ics.escape_text("a\x00b\x07c\td") == "abc\td"
    with pytest.raises(ValueError, match="aware"):
        ics.calendar([], stamp=datetime(2026, 1, 1))


@pytest.mark.parametrize(("value", "expected"), [
    ("https://exemple.fr/a", "https://exemple.fr/a"),
    (" http://exemple.fr ", "http://exemple.fr"),
    ("HTTPS://Exemple.fr/x", "HTTPS://Exemple.fr/x"),
    ("ftp://exemple.fr", None), ("javascript:alert(1)", None), ("https://", None),
    ("https://a b.fr", None), ('https://x.fr/"onmouseover=', None), (None, None), (3, None),
])
def test_http_url(value, expected) -> None:
    assert ics.http_url(value) == expected


@pytest.mark.parametrize(("code", "zone"), [
    ("974", "Indian/Reunion"), ("971", "America/Guadeloupe"), ("973", "America/Cayenne"),
    ("976", "Indian/Mayotte"), ("972", "America/Martinique"), ("2A", "Europe/Paris"),
    ("69", "Europe/Paris"), (None, "Europe/Paris"),
])
def test_timezone_of(code, zone) -> None:
    assert ics.timezone_of(code) == zone


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_survives_escaping_folding_and_parsing(value: str) -> None:
    text = ics.calendar([event(summary=value, description=value)], stamp=STAMP)
    lines = text.encode("utf-8").split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    (parsed,) = vevents(text)
    expected = ics._CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    expected = expected.replace("<", "\u2039").replace(">", "\u203a")  # never markup
    assert str(parsed.get("SUMMARY", "")) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_folding_is_lossless(value: str) -> None:
    folded = ics.fold(value)
    assert folded.replace("\r\n ", "") == value
    assert all(len(p.encode("utf-8")) <= 75 for p in folded.split("\r\n"))


def test_days_of_a_multi_day_timed_event_stay_timed() -> None:
    start = datetime(2026, 12, 3, 9)
    text = ics.calendar([event(start=start, end=start + timedelta(days=2, hours=9))],
                        stamp=STAMP)
    (only,) = vevents(text)
    assert only.decoded("DTEND") - only.decoded("DTSTART") == timedelta(days=2, hours=9)
