"""Cell cleaners shared by the event, action and Territoires d'industrie readers."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo.sources import values as v

MOIS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-18", "2025-03-18 00:00"),
    ("18/03/2025", "2025-03-18 00:00"),
    ("18/03/2025 14:00", "2025-03-18 14:00"),
    ("18/03/2025 à 14h", "2025-03-18 14:00"),
    ("18-03-2025", "2025-03-18 00:00"),
    ("18.03.25", "2025-03-18 00:00"),
    ("18 mars 2025", "2025-03-18 00:00"),
    ("18 Mars 2025 14:00", "2025-03-18 14:00"),
    ("mardi 1er avril 2025 à 9h30", "2025-04-01 09:30"),
    ("3 févr. 2025", "2025-02-03 00:00"),
    ("18 août 2025 à 14h", "2025-08-18 14:00"),
    ("45734", "2025-03-18 00:00"),
    ("45734.5", "2025-03-18 12:00"),
    ("2025-03-18 00:00:00", "2025-03-18 00:00"),
    ("2025-03-18T09:00:00+01:00", "2025-03-18 09:00"),
    ("2025-07-18T09:00:00Z", "2025-07-18 11:00"),
])
def test_parse_date_forms(text, expected):
    assert v.parse_date(text) == pd.Timestamp(expected)


@pytest.mark.parametrize(("text", "reason"), [
    ("31/02/2025", "date « 31/02/2025 » impossible"),
    ("2025-13-01", "date « 2025-13-01 » impossible"),
    ("32 mars 2025", "date « 32 mars 2025 » impossible"),
    ("18/03/2025 25:00", "date « 18/03/2025 25:00 » impossible"),
    ("demain", "date « demain » illisible"),
    ("18 mois 2025", "date « 18 mois 2025 » illisible"),
])
def test_parse_date_rejects_with_the_value(text, reason):
    with pytest.raises(v.ValueInvalid) as error:
        v.parse_date(text)
    assert str(error.value).startswith(reason)


def test_parse_date_converts_to_the_zone_of_the_place():
    assert v.parse_date("2025-03-18T05:00:00Z", v.zone_of("97400")) == pd.Timestamp(
        "2025-03-18 09:00")
    assert v.parse_date("2025-03-18T09:00:00+04:00", v.zone_of("97411")) == pd.Timestamp(
        "2025-03-18 09:00")
    assert v.zone_of("2A004") == v.zone_of(None) == "Europe/Paris"
    assert v.zone_of("973") == "America/Cayenne"


@given(st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2100, 12, 31)))
def test_every_written_form_reads_back_the_same_day(moment):
    day = pd.Timestamp(moment.date())
    forms = [day.strftime("%Y-%m-%d"), day.strftime("%d/%m/%Y"),
             f"{day.day} {MOIS_FR[day.month - 1]} {day.year}"]
    assert {v.parse_date(f) for f in forms} == {day}
    minute = pd.Timestamp(moment).floor("min")
    assert v.parse_date(minute.strftime("%d/%m/%Y %H:%M")) == minute


@pytest.mark.parametrize(("text", "expected"), [
    ("1 234", 1234), ("1\u202f234", 1234), ("12.0", 12), ("0", 0), ("", None), (None, None),
])
def test_parse_count(text, expected):
    assert v.parse_count(text) == expected


@pytest.mark.parametrize("text", ["-3", "beaucoup", "1.5", "12k"])
def test_parse_count_rejects(text):
    with pytest.raises(v.ValueInvalid, match="entier positif ou nul"):
        v.parse_count(text)


@pytest.mark.parametrize(("text", "ok"), [
    ("https://x.fr/a", True), ("HTTP://x.fr", True), ("javascript:alert(1)", False),
    ("ftp://x.fr", False), ("www.x.fr", False), ("mailto:a@b.fr", False),
])
def test_http_url(text, ok):
    if ok:
        assert v.http_url(f"  {text} ") == text
    else:
        with pytest.raises(v.ValueInvalid, match="ignoré"):
            v.http_url(text)


def test_codes_keep_their_zeros_and_corsica():
    assert v.code_postal("1000") == "01000"
    assert v.code_postal(1100.0) == "01100"
    assert v.code_insee("2a004") == "2A004"
    assert v.code_insee("1053") == "01053"
    with pytest.raises(v.ValueInvalid, match="code postal « ABCDE » invalide"):
        v.code_postal("ABCDE")


@given(st.text(max_size=40))
def test_simple_key_is_idempotent(text):
    assert v.simple_key(v.simple_key(text)) == v.simple_key(text)
