"""The figures of one région counted on its own rows (no streamlit here).

The « Région par région » page shows a few figures of one région for several periods
(the filters', the one before, two compared) plus monthly and theme × channel counts.
``indicators.compute`` and ``indicators_series`` give the same figures for *every*
territory of a level, which costs ~10 ms per level and period on 100,000 actions; the
functions here count only the rows of the territories asked, from one mask of the
actions done::

    done = done_rows(data, Filters(debut=date(2025, 5, 1), fin=date(2025, 6, 30)))
    done_counts(data, done, "departement", ["08", "51"])
    # {"actions": array([2, 1]), "membres_actifs": array([2, 1])}
    theme_by_channel(data, done, "44")        # 5 themes × 8 channels, as ``crosstab``

Each function gives exactly the figures of its counterpart (tests compare them on the
demo data); the counterpart is named in its docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from influ_geo import schema
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters, action_mask

# Months as consecutive integers (``year × 12 + month − 1``), as ``indicators_series``.
_EPOCH_MONTH = 1970 * 12


def done_rows(data: Dataset, filters: Filters) -> np.ndarray:
    """The actions done in the period of ``filters`` (``indicators.select(…).done``),
    without the event, site and relay masks a whole selection computes as well."""
    return action_mask(data.actions, filters) & ~data.actions["prevue"].to_numpy(dtype=bool)


def slots(data: Dataset, kind: str, level: str, codes: Sequence[str]) -> np.ndarray:
    """Per row of ``kind`` (``"actions"``, ``"events"``), the rank of its territory at
    ``level`` in ``codes``, else ``-1``: ``("actions", "departement", ["08", "51"])`` ⇒
    0 for an action in the Ardennes, 1 in the Marne, -1 elsewhere or unlocated."""
    ranks = pd.Index(list(codes)).get_indexer(data.territories[level]["code"])
    return np.append(ranks, -1)[data.position(kind, level)]  # position -1: the last


def done_counts(data: Dataset, done: np.ndarray, level: str,
                codes: Sequence[str]) -> dict[str, np.ndarray]:
    """``actions`` and ``membres_actifs`` of ``indicators.compute`` (``done``: its
    ``done`` mask) for the territories ``codes`` of ``level`` only, in that order:
    ``("departement", ["08", "51"])`` ⇒ ``{"actions": [2, 1], "membres_actifs": [2, 1]}``."""
    rank = slots(data, "actions", level, codes)
    keep = done & (rank >= 0)
    members = data.actions["membre"].cat.codes.to_numpy().astype(np.int64)
    n_members = max(len(data.actions["membre"].cat.categories), 1)
    active = keep & (members >= 0)
    pairs = np.unique(rank[active] * n_members + members[active])
    return {"actions": np.bincount(rank[keep], minlength=len(codes)),
            "membres_actifs": np.bincount(pairs // n_members, minlength=len(codes))}


def upcoming_events(data: Dataset, upcoming: np.ndarray, relayed: np.ndarray,
                    code_region: str) -> tuple[int, int]:
    """``evenements_a_venir`` and ``evenements_a_venir_non_relayes`` of the région (masks
    ``upcoming_events`` and ``relayed`` of ``indicators.select``): ``(2, 2)``."""
    mine = upcoming & (slots(data, "events", "region", [code_region]) == 0)
    return int(mine.sum()), int((mine & ~relayed).sum())


def _codes(column: pd.Series, codes: Sequence[str]) -> np.ndarray:
    """Rank of each value in ``codes`` (``-1``: missing or another value), looked up once
    per category: ``(["tiktok", None, "fax"], ["linkedin", "tiktok"])`` ⇒ ``[1, -1, -1]``."""
    values = column if isinstance(column.dtype, pd.CategoricalDtype) \
        else column.astype("category")
    ranks = pd.Index(list(codes)).get_indexer(values.cat.categories.astype("str"))
    return np.append(ranks, -1)[values.cat.codes.to_numpy()]  # code -1 (missing): the last


def theme_by_channel(data: Dataset, done: np.ndarray, code_region: str) -> pd.DataFrame:
    """Actions of ``done`` in the région, theme × channel, every code of the schema in
    its order, zeros included: ``indicators_series.crosstab(data, filters,
    level="region", code=code_region)``."""
    themes, canaux = list(schema.THEMES), list(schema.CANAUX)
    theme, canal = _codes(data.actions["theme"], themes), _codes(data.actions["canal"], canaux)
    keep = done & (slots(data, "actions", "region", [code_region]) == 0) & (theme >= 0) & \
        (canal >= 0)
    cells = np.bincount(theme[keep] * len(canaux) + canal[keep],
                        minlength=len(themes) * len(canaux))
    return pd.DataFrame(cells.reshape(len(themes), len(canaux)).astype(np.int64),
                        index=pd.Index(themes, name="theme"),
                        columns=pd.Index(canaux, name="canal"))


def month_number(day: date) -> int:
    """``2025-03-18`` ⇒ ``2025 × 12 + 2``."""
    return day.year * 12 + day.month - 1


def monthly_by_theme(data: Dataset, filters: Filters,
                     code_region: str) -> tuple[list[int], np.ndarray]:
    """Actions done per month and theme in the région: the month numbers and a months ×
    themes array (``schema.THEMES`` order), the figures of
    ``indicators_series.monthly_series(data, "region", filters, by="theme",
    codes=[code_region])``: from ``filters.debut`` (else the first month of an action
    done anywhere) to ``filters.fin`` (else today's month)."""
    done = done_rows(data, filters)
    dates = data.actions["date"].to_numpy("datetime64[M]")
    months = np.where(np.isnat(dates), np.iinfo(np.int64).min,
                      dates.astype(np.int64) + _EPOCH_MONTH)
    last = month_number(filters.fin or data.today)
    first = month_number(filters.debut) if filters.debut else \
        int(months[done].min()) if done.any() else last
    first = min(first, last)
    themes = list(schema.THEMES)
    theme = _codes(data.actions["theme"], themes)
    keep = done & (slots(data, "actions", "region", [code_region]) == 0) & (theme >= 0) & \
        (months >= first) & (months <= last)
    n_months = last - first + 1
    cells = np.bincount((months[keep] - first) * len(themes) + theme[keep],
                        minlength=n_months * len(themes))
    return list(range(first, last + 1)), cells.reshape(n_months, len(themes)).astype(np.int64)
