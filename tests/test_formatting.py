"""French number formatting of the UI, tooltips and legends."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo.formatting import (
    MISSING,
    THOUSANDS_SEP,
    format_compact,
    format_decimal,
    format_int,
    round_significant,
)

S = THOUSANDS_SEP


@pytest.mark.parametrize(
    "value, expected",
    [
        (34875, f"34{S}875"),
        (12174880, f"12{S}174{S}880"),
        (101, "101"),
        (0, "0"),
        (-4021, f"-4{S}021"),
        (1266.6, f"1{S}267"),
        (pd.NA, MISSING),
        (None, MISSING),
        (math.nan, MISSING),
    ],
)
def test_format_int(value: object, expected: str) -> None:
    assert format_int(value) == expected


@pytest.mark.parametrize(
    "value, digits, expected",
    [(1234.56, 1, f"1{S}234,6"), (0.375, 2, "0,38"), (66.5, 1, "66,5"), (pd.NA, 1, MISSING)],
)
def test_format_decimal(value: object, digits: int, expected: str) -> None:
    assert format_decimal(value, digits) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (66526267, "66,5 millions"),
        (1_200_000, "1,2 million"),
        (2_000_000_000, "2,0 milliards"),
        (853659, f"853{S}659"),
        (pd.NA, MISSING),
    ],
)
def test_format_compact(value: object, expected: str) -> None:
    assert format_compact(value) == expected


@pytest.mark.parametrize(
    "value, expected", [(1266, 1300), (442.3, 440), (28.67, 29), (0, 0), (-5115, -5100)]
)
def test_round_significant(value: float, expected: float) -> None:
    assert round_significant(value) == expected


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_int_round_trips(value: int) -> None:
    text = format_int(value)
    assert int(text.replace(S, "")) == value
    assert all(len(group) == 3 for group in text.lstrip("-").split(S)[1:])
