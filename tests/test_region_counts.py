"""The région's own counts give the figures of the whole indicator tables, on the demo
data (a few hundred actions over every région) and on the hand-built sample."""

from __future__ import annotations

from datetime import date

import analytics_sample as sample
import numpy as np
import pandas as pd
import pytest

from influ_geo import dataset, indicators, indicators_series, region_counts
from influ_geo.filters import Filters

DEMO_DAY = date(2025, 11, 26)
FILTER_SETS = [
    Filters(),
    Filters(debut=date(2025, 3, 1), fin=date(2025, 9, 30)),
    Filters(debut=date(2024, 11, 26), fin=date(2026, 5, 26), themes=["inclusion", "territoires"]),
    Filters(canaux=["linkedin"], publics=["parents"], membres=["nobody"]),
]


@pytest.fixture(scope="module")
def demo() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(DEMO_DAY), DEMO_DAY, demo=True)


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_done_rows_are_the_selection_s(demo, filters) -> None:
    np.testing.assert_array_equal(region_counts.done_rows(demo, filters),
                                  indicators.select(demo, filters).done)


@pytest.mark.parametrize("filters", FILTER_SETS)
@pytest.mark.parametrize("level", ["region", "departement", "epci", "ti"])
def test_done_counts_are_the_tables_columns(demo, filters, level) -> None:
    table = indicators.indicators(demo, level, filters).set_index("code")
    codes = [*table.index[::-3], "inconnu"]  # any order, an unknown code
    counts = region_counts.done_counts(demo, region_counts.done_rows(demo, filters), level,
                                       codes)
    for name in ("actions", "membres_actifs"):
        expected = table[name].reindex(codes, fill_value=0).astype(int).tolist()
        assert counts[name].tolist() == expected, name


def test_slots_of_actions_and_events() -> None:
    data = sample.prepared()
    ranks = region_counts.slots(data, "actions", "departement", ["51", "08"])
    codes = data.actions["code_departement"].to_numpy()
    assert (ranks == np.select([codes == "51", codes == "08"], [0, 1], -1)).all()
    assert (ranks == 1).sum() == 2  # a1, a2 in the Ardennes
    events = region_counts.slots(data, "events", "region", ["44"])
    assert (events == 0).sum() == 3  # the fair of Charleville, the two open days of Reims


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_upcoming_events_are_the_tables_columns(demo, filters) -> None:
    table = indicators.indicators(demo, "region", filters)
    selection = indicators.select(demo, filters)
    for code, upcoming, unrelayed in zip(table["code"], table["evenements_a_venir"],
                                         table["evenements_a_venir_non_relayes"], strict=True):
        assert region_counts.upcoming_events(demo, selection.upcoming_events,
                                             selection.relayed, code) == (upcoming, unrelayed)


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_theme_by_channel_is_crosstab(demo, filters) -> None:
    done = indicators.select(demo, filters).done
    for code in demo.territories["region"]["code"]:
        pd.testing.assert_frame_equal(
            region_counts.theme_by_channel(demo, done, code),
            indicators_series.crosstab(demo, filters, level="region", code=code))


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_monthly_by_theme_is_monthly_series(demo, filters) -> None:
    for code in ("84", "11", "94", "06"):
        months, counts = region_counts.monthly_by_theme(demo, filters, code)
        long = indicators_series.monthly_series(demo, "region", filters, by="theme",
                                                codes=[code])
        expected = long.pivot_table(index="mois", columns="theme", values="actions",
                                    aggfunc="sum", fill_value=0)
        expected = expected.reindex(columns=list(region_counts.schema.THEMES), fill_value=0)
        assert months == [region_counts.month_number(day) for day in expected.index]
        assert counts.tolist() == expected.to_numpy().tolist()


def test_codes_of_values_outside_the_list() -> None:
    column = pd.Series(["tiktok", None, "fax", "linkedin"], dtype="str")
    assert region_counts._codes(column, ["linkedin", "tiktok"]).tolist() == [1, -1, -1, 0]
