"""The national view (Vue d'ensemble) as data: key figures with their change, the
indicator layer of the choropleth, the territory under a map click.

No streamlit here. ``key_figures(data, filters)`` compares the period with the one of
the same length just before it:

    key_figures(data, Filters(debut=date(2025, 11, 26), fin=date(2026, 11, 26)))
    # [Figure("Actions", "1 204", delta=+87, …), Figure("Départements touchés", "61 / 101", …)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from influ_geo import indicators, priorities
from influ_geo.dataset import CODE_COLUMNS, Dataset
from influ_geo.filters import Filters, event_mask
from influ_geo.formatting import format_int
from influ_geo.levels import LEVELS

# Indicators the national map offers, in menu order (keys of ``levels.INDICATORS``).
MAP_INDICATORS: tuple[str, ...] = (
    "actions", "indice_couverture_100", "score_priorite", "sites", "evenements_a_venir",
    "population",
)
# What a tooltip of the activity map lists after the mapped indicator.
TOOLTIP: tuple[str, ...] = ("actions", "evenements_a_venir", "indice_couverture_100",
                            "score_priorite", "sites", "population")
# Indicator columns computed from the data (the others come with the referential layer).
_ACTIVITY = ("actions", "membres_actifs", "sites", "evenements_a_venir",
             "evenements_a_venir_non_relayes", "indice_couverture")


@dataclass(frozen=True)
class Figure:
    """One key figure: ``Figure("Actions", "1 204", 87, "…")``; ``delta`` None: no change shown."""

    label: str
    value: str
    delta: int | None
    help: str


def comparison_period(filters: Filters, today: date) -> tuple[date, date] | None:
    """The period just before ``filters``', as long as its elapsed part (up to ``today``):
    ``2025-11-26 … 2027-05-26`` on ``2026-11-26`` ⇒ ``2024-11-25 … 2025-11-25``.
    ``None`` without a start or when the period has not begun."""
    if filters.debut is None:
        return None
    end = min(filters.fin or today, today)
    if end < filters.debut:
        return None
    length = (end - filters.debut).days + 1
    return filters.debut - timedelta(days=length), filters.debut - timedelta(days=1)


def key_figures(data: Dataset, filters: Filters) -> list[Figure]:
    """The five figures of the landing page, each with its change over the comparison
    period (none for upcoming events: they do not depend on the period)."""
    now = indicators.key_figures(data, filters)
    period = comparison_period(filters, data.today)
    before = indicators.key_figures(data, filters.replace(debut=period[0], fin=period[1])) \
        if period else None

    def delta(name: str) -> int | None:
        return None if before is None else now[name] - before[name]

    since = "" if period is None else \
        f" Évolution par rapport au {period[0]:%d/%m/%Y} – {period[1]:%d/%m/%Y}."
    return [
        Figure("Actions", format_int(now["actions"]), delta("actions"),
               "Actions réalisées dans la période." + since),
        Figure("Membres actifs", format_int(now["membres_actifs"]), delta("membres_actifs"),
               "Membres ayant réalisé au moins une action dans la période." + since),
        Figure("Départements touchés",
               f"{format_int(now['departements_touches'])} / {format_int(now['departements'])}",
               delta("departements_touches"),
               "Départements où au moins une action a été réalisée." + since),
        Figure("Territoires d'industrie",
               f"{format_int(now['ti_touches'])} / {format_int(now['ti'])}",
               delta("ti_touches"),
               "Territoires d'industrie où au moins une action a été réalisée." + since),
        Figure("À venir sans relais",
               f"{format_int(now['evenements_a_venir_non_relayes'])} / "
               f"{format_int(now['evenements_a_venir'])}", None,
               "Événements à venir qu'aucune action (réalisée ou prévue) ne relaie encore, "
               "sur l'ensemble des événements à venir ; la période ne s'y applique pas."),
    ]


def matches_nothing(data: Dataset, filters: Filters) -> bool:
    """True when ``filters`` keep no action (done or planned) and no event in the period
    (upcoming events outside the period do not count: the map would show only them)."""
    selection = indicators.select(data, filters)
    return not (selection.done.any() or selection.planned.any()
                or event_mask(data.events, filters).any())


def indicator_layer(layer: gpd.GeoDataFrame, frame: pd.DataFrame, level: str) -> gpd.GeoDataFrame:
    """``layer`` (régions, départements or EPCI of the referential, not modified) with the
    activity columns of ``frame`` (``indicators.compute(…)[level]``) joined by code, plus

    - ``indice_couverture_100``: the coverage index × 100, rounded (100 = as mobilised as
      industry weighs; NaN where there is no industry);
    - ``score_priorite``: the « Où agir » score (0–100, default weights), rounded.
    """
    code_col = CODE_COLUMNS[level]  # every level of the data set (EPCI for the région view)
    columns = frame.set_index("code")[list(_ACTIVITY)]
    scores = priorities.rank_table(frame).set_index("code")["score"]
    out = layer.copy()
    codes = out[code_col].astype(str)
    for name in _ACTIVITY:
        out[name] = codes.map(columns[name]).to_numpy()
    out["indice_couverture_100"] = (out["indice_couverture"].astype(float) * 100).round()
    out["score_priorite"] = codes.map(scores).astype(float).round().to_numpy()
    return out


def clicked_code(returned: Mapping[str, object] | None, layer: gpd.GeoDataFrame,
                 level: str) -> str | None:
    """The code of the territory the user clicked on a choropleth, from what ``st_folium``
    returned: the clicked feature (``last_active_drawing.properties.code``), else the
    territory holding the click point (``last_object_clicked`` ``{"lat", "lng"}``)."""
    if not returned:
        return None
    code_col = LEVELS[level].code_col
    codes = set(layer[code_col].astype(str))
    feature = returned.get("last_active_drawing")
    if isinstance(feature, Mapping):
        code = str((feature.get("properties") or {}).get("code", ""))
        if code in codes:
            return code
    point = returned.get("last_object_clicked")
    if isinstance(point, Mapping) and {"lat", "lng"} <= point.keys():
        try:
            where = Point(float(point["lng"]), float(point["lat"]))
        except (TypeError, ValueError):
            return None
        hits = layer[layer.geometry.contains(where)]
        return None if hits.empty else str(hits[code_col].iloc[0])
    return None


def region_of(code: str, layer: gpd.GeoDataFrame, level: str) -> str:
    """The région code of a territory of ``layer``: ``"29"`` (département) ⇒ ``"53"``."""
    if level == "region":
        return code
    row = layer[layer[LEVELS[level].code_col].astype(str) == code]
    return str(row["code_region"].iloc[0])
