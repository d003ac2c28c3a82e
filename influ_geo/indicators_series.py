"""Indicators over time: monthly series per territory, and two periods compared.

``monthly_series`` counts actions done per territory and month (optionally per theme or
channel), with a zero for every month without action, so a chart never skips a month.
``compare_periods`` puts the indicators of two periods side by side (before / after a
campaign) with their difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from influ_geo import schema
from influ_geo.dataset import Dataset, check_level
from influ_geo.filters import NO_FILTERS, Filters
from influ_geo.indicators import compute, select

# Indicators compared between two periods (the others do not depend on the period).
COMPARED = ("actions", "membres_actifs", "portee", "themes_couverts", "evenements_passes",
            "evenements_relayes", "indice_couverture")
BY = {"theme": "theme", "canal": "canal", "public": "public_cible"}


def _month_numbers(values: pd.Series) -> np.ndarray:
    """``2025-03-18`` ⇒ ``2025 × 12 + 2``: months as consecutive integers."""
    return (values.dt.year * 12 + values.dt.month - 1).to_numpy(dtype=np.int64)


def monthly_series(
    data: Dataset, level: str, filters: Filters = NO_FILTERS, *, by: str | None = None,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Actions done per territory and month, zeros included, for ``filters``.

    The months run from ``filters.debut`` (else the first action) to ``filters.fin``
    (else the month of ``today``). ``by`` (``"theme"``, ``"canal"`` or ``"public"``) splits
    each month by that column; ``codes`` limits the territories.

    Returns a long frame: ``code``, ``nom``, ``mois`` (first day of the month),
    [``theme`` | ``canal`` | ``public``], ``actions``.
    """
    check_level(level)
    if by is not None and by not in BY:
        raise ValueError(f"unknown split {by!r}; expected one of {tuple(BY)}")
    actions = data.actions
    sel = select(data, filters).done
    territories = data.territories[level]
    positions = data.position("actions", level)
    months = _month_numbers(actions["date"])
    first, last = _month_range(data, filters, months[sel])
    keep = sel & (positions >= 0) & (months >= first) & (months <= last)
    n_months = last - first + 1
    groups, labels = _split(actions, by)
    n_groups = len(labels)
    keep &= groups >= 0
    cells = (positions[keep] * n_months + (months[keep] - first)) * n_groups + groups[keep]
    counts = np.bincount(cells, minlength=len(territories) * n_months * n_groups)
    frame = _long_frame(territories, first, n_months, by, labels, counts)
    if codes is not None:
        frame = frame[frame["code"].isin(list(codes))].reset_index(drop=True)
    return frame


def _month_range(data: Dataset, filters: Filters, months: np.ndarray) -> tuple[int, int]:
    today = pd.Timestamp(data.today)
    end = pd.Timestamp(filters.fin) if filters.fin else today
    last = end.year * 12 + end.month - 1
    if filters.debut:
        first = filters.debut.year * 12 + filters.debut.month - 1
    else:
        first = int(months.min()) if len(months) else last
    return min(first, last), last


def _split(actions: pd.DataFrame, by: str | None) -> tuple[np.ndarray, list[str]]:
    """Group code of each action and the group labels (one group when ``by`` is None)."""
    if by is None:
        return np.zeros(len(actions), dtype=np.int64), [""]
    column = actions[BY[by]].astype("category")
    return column.cat.codes.to_numpy().astype(np.int64), list(column.cat.categories)


def _long_frame(territories: pd.DataFrame, first: int, n_months: int, by: str | None,
                labels: list[str], counts: np.ndarray) -> pd.DataFrame:
    n_territories, n_groups = len(territories), len(labels)
    month_numbers = first + np.arange(n_months)
    months = pd.to_datetime({"year": month_numbers // 12, "month": month_numbers % 12 + 1,
                             "day": 1}).to_numpy()
    per_territory = n_months * n_groups
    frame = pd.DataFrame({
        "code": np.repeat(territories["code"].to_numpy(), per_territory),
        "nom": np.repeat(territories["nom"].to_numpy(), per_territory),
        "mois": np.tile(np.repeat(months, n_groups), n_territories),
    })
    if by is not None:
        frame[by] = np.tile(np.asarray(labels, dtype=object), n_territories * n_months)
    frame["actions"] = counts.astype(np.int64)
    return frame


def previous_period(debut: date, fin: date) -> tuple[date, date]:
    """The period of the same length just before: ``(2025-04-01, 2025-06-30)`` ⇒
    ``(2024-12-31, 2025-03-31)`` (91 days each)."""
    length = (fin - debut).days + 1
    return debut - timedelta(days=length), debut - timedelta(days=1)


def compare_periods(
    data: Dataset, level: str, avant: tuple[date, date], apres: tuple[date, date],
    filters: Filters = NO_FILTERS,
) -> pd.DataFrame:
    """The indicators of ``COMPARED`` for two periods, and ``<indicator>_ecart`` =
    after − before, for every territory of ``level`` (``filters``' own period is replaced).

    ``compare_periods(data, "region", (d1, d2), (d3, d4))`` ⇒ ``code, nom, actions_avant,
    actions_apres, actions_ecart, …``.
    """
    check_level(level)
    before = compute(data, filters.replace(debut=avant[0], fin=avant[1]), (level,))[level]
    after = compute(data, filters.replace(debut=apres[0], fin=apres[1]), (level,))[level]
    out = before[["code", "nom", "code_region"]].copy()
    for name in COMPARED:
        out[f"{name}_avant"] = before[name]
        out[f"{name}_apres"] = after[name]
        out[f"{name}_ecart"] = after[name] - before[name]
    out.attrs.update(level=level, avant=avant, apres=apres)
    return out


def crosstab(
    data: Dataset, filters: Filters = NO_FILTERS, *, rows: str = "theme",
    columns: str = "canal", level: str | None = None, code: str | None = None,
) -> pd.DataFrame:
    """Actions done in the period, ``rows`` × ``columns`` (``"theme"``, ``"canal"`` or
    ``"public"``), every code of the schema present (zeros included); only the territory
    ``code`` of ``level`` when given. ``crosstab(data, level="region", code="84")`` ⇒
    5 themes × 8 channels."""
    names = {"theme": (BY["theme"], schema.THEMES), "canal": (BY["canal"], schema.CANAUX),
             "public": (BY["public"], schema.PUBLICS)}
    if rows not in names or columns not in names or rows == columns:
        raise ValueError(f"rows and columns: two of {tuple(names)}")
    keep = select(data, filters).done
    if code is not None:
        if level is None:
            raise ValueError("a territory code needs its level")
        codes = data.territories[check_level(level)]["code"].to_numpy()
        positions = data.position("actions", level)
        keep &= (positions >= 0) & (codes[np.maximum(positions, 0)] == code)
    actions = data.actions[keep]
    (row_column, row_codes), (col_column, col_codes) = names[rows], names[columns]
    table = pd.crosstab(actions[row_column].astype("str"), actions[col_column].astype("str"))
    table = table.reindex(index=list(row_codes), columns=list(col_codes), fill_value=0)
    table.index.name, table.columns.name = rows, columns
    return table.astype(np.int64)
