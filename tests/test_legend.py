"""Class breaks and legends of choropleths."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo import legend


def test_classes_keep_extremes_and_round_inner_breaks() -> None:
    classes = legend.classify(pd.Series([22, 24, 32, 34, 1266, 4446]), k=3)
    assert classes.edges == (22, 29, 440, 4446)  # quantiles 28.7 and 442 ⇒ 2 figures
    assert classes.colour(22) == classes.colours[0]
    assert classes.colour(4446) == classes.colours[-1]


@pytest.mark.parametrize(
    "values, count",
    [([5, 5, 5], 1), ([pd.NA, pd.NA], 0), ([0, 10], 5), (list(range(100)), 5)],
)
def test_class_count_on_degenerate_inputs(values: list, count: int) -> None:
    classes = legend.classify(pd.Series(values, dtype="Int64"))
    assert len(classes.colours) == count
    assert len(classes.edges) == (count + 1 if count else 0)


@given(st.lists(st.integers(min_value=0, max_value=20_000_000), min_size=1, max_size=120))
def test_classes_are_monotonic_and_cover_every_value(values: list[int]) -> None:
    classes = legend.classify(pd.Series(values))
    order = {colour: i for i, colour in enumerate(classes.colours)}
    ranks = [order[classes.colour(v)] for v in sorted(values)]
    assert ranks == sorted(ranks)
    assert len(classes.legend("x").classes) == len(classes.colours)


def test_legend_labels_are_french_ranges_and_missing_is_listed() -> None:
    classes = legend.classify(pd.Series([268700, 853659, 12174880, pd.NA], dtype="Int64"), k=2)
    drawn = classes.legend("Population", with_missing=True)
    assert [c.label for c in drawn.classes] == [
        "268\u202f700 – 850\u202f000",
        "850\u202f000 – 12\u202f174\u202f880",
        "Donnée non disponible",
    ]
    assert classes.colour(pd.NA) == legend.NO_DATA_COLOUR
