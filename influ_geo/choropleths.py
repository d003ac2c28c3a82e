"""Choropleths of territories as data: the national map, one région, the « Où agir » gaps.

No streamlit, no drawing here: a :class:`ChoroplethView` holds the territories (polygons
in EPSG:4326, the mapped value, its colour, the rank of the « Où agir » ranking), the
legend, the territories to outline and a default title. The same view is drawn by the
app (folium, :mod:`influ_geo.choropleth_maps`), by the slide exports (matplotlib,
:mod:`influ_geo.static_maps`) and by ``python -m influ_geo export-map``:

    view = national_view(data, "departement", "actions", filters)
    view.frame[["code", "nom", "actions", "colour"]].iloc[0]   # "01", "Ain", 12, "#a1dab4"
    gaps_view(data, "epci", filters, Weights(industrie=1)).highlighted  # 10 SIREN, best first

Every territory of the level is in the frame (a territory without any action is a row of
zeros), DROM included; the classes are computed over every territory drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from influ_geo import config, priorities, referentiel, territory_layers
from influ_geo.dataset import Dataset, check_level
from influ_geo.filters import NO_FILTERS, Filters
from influ_geo.formatting import format_int
from influ_geo.legend import PALETTE, Classification, Legend, classify
from influ_geo.levels import DROM, INDICATORS, Indicator, Level
from influ_geo.region_map import epci_codes

KINDS = {"national": "Carte nationale", "region": "Une région", "ou_agir": "Où agir (manques)"}
# Every level, as the maps name it; all frames of this module carry the code in ``code``.
MAP_LEVELS: dict[str, Level] = {
    "region": Level("region", "regions", "code", "Région", "régions"),
    "departement": Level("departement", "departements", "code", "Département", "départements"),
    "epci": Level("epci", "epci", "code", "EPCI", "EPCI"),
    "ti": Level("ti", "ti", "code", "Territoire d'industrie", "Territoires d'industrie"),
}
# "Actions par département", "… par Territoire d'industrie".
BY_LEVEL = {"region": "par région", "departement": "par département", "epci": "par EPCI",
            "ti": "par Territoire d'industrie"}
# The indicators a map offers (keys of ``levels.INDICATORS``), in menu order.
MAP_INDICATORS = ("actions", "indice_couverture_100", "score_priorite", "sites",
                  "evenements_a_venir", "population")
# The indicators of the map of gaps: where to act, and where the collective is thin.
GAP_INDICATORS = ("score_priorite", "indice_couverture_100")
# ColorBrewer YlOrRd: the priority score reads as heat (the darkest: act first).
PRIORITY_PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
DROM_REGIONS = tuple(d.code_region for d in DROM)
# Levels whose territories leave most of France blank: drawn over the régions in grey.
PARTIAL_LEVELS = ("ti",)
BACKGROUND_COLOUR = "#eef0f2"


class ViewError(ValueError):
    """A map that cannot be drawn (unknown région, indicator or level); French message."""


@dataclass(frozen=True, eq=False)
class ChoroplethView:
    """What one choropleth draws (read-only once built).

    ``frame``: ``code``, ``nom``, ``code_region``, ``population``, the indicator columns
    of :data:`MAP_INDICATORS`, ``rang`` (« Où agir » rank, 1 = act first), ``colour``,
    ``geometry`` (EPSG:4326). ``highlighted``: codes outlined and numbered, best first.
    ``region``: the région's code and name for a région map, else ``None``.
    """

    kind: str
    level: str
    indicator: Indicator
    frame: gpd.GeoDataFrame
    classification: Classification
    legend: Legend
    highlighted: tuple[str, ...]
    title: str
    subtitle: str
    region: tuple[str, str] | None = None

    @property
    def map_level(self) -> Level:
        return MAP_LEVELS[self.level]

    def parts(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        """``[("metropole", …), ("01", Guadeloupe's territories), …]``: the metropole, then
        each DROM région that has territories (a région map: one part, the région)."""
        if self.region is not None:
            return [(self.region[0], self.frame)]
        drom = self.frame["code_region"].isin(DROM_REGIONS)
        parts = [("metropole", self.frame[~drom])]
        parts += [(d.code_region, self.frame[self.frame["code_region"] == d.code_region])
                  for d in DROM]
        return [(name, part) for name, part in parts if len(part)]


def background(view: ChoroplethView, name: str) -> gpd.GeoDataFrame | None:
    """The régions drawn in grey under a map whose territories do not cover France
    (Territoires d'industrie): those of the metropole for ``"metropole"``, else the DROM
    région ``name``; ``None`` for the levels that cover everything."""
    if view.level not in PARTIAL_LEVELS:
        return None
    regions = referentiel.load_layer("regions")
    codes = regions["code_region"].astype(str)
    keep = ~codes.isin(DROM_REGIONS) if name == "metropole" else codes == name
    return regions.loc[keep, ["code_region", "geometry"]]


def part_title(name: str) -> str:
    """``"metropole"`` ⇒ ``"France métropolitaine"``; ``"04"`` ⇒ ``"La Réunion"``."""
    names = {d.code_region: d.nom for d in DROM}
    return names.get(name, "France métropolitaine" if name == "metropole" else name)


# ---------------------------------------------------------------- values

def territory_values(ranking: pd.DataFrame) -> pd.DataFrame:
    """The indicator columns of a ranking (``priorities.rank``) by territory ``code``:
    ``indice_couverture_100`` (coverage × 100, rounded; NaN without industry) and
    ``score_priorite`` (the score, rounded) are added."""
    out = ranking.set_index("code").copy()
    out["indice_couverture_100"] = (out["indice_couverture"].astype(float) * 100).round()
    out["score_priorite"] = out["score"].astype(float).round()
    return out


def values_frame(layer: gpd.GeoDataFrame, ranking: pd.DataFrame) -> gpd.GeoDataFrame:
    """``layer`` (``territory_layers``) with the values of ``ranking`` joined by code."""
    values = territory_values(ranking)
    out = layer.copy()
    for name in ("rang", "score", "actions", "indice_couverture_100", "score_priorite",
                 "sites", "evenements_a_venir", "evenements_a_venir_non_relayes",
                 "explication"):
        out[name] = out["code"].map(values[name]).to_numpy()
    out["population"] = pd.to_numeric(out["population"], errors="coerce")
    return out


def _coloured(frame: gpd.GeoDataFrame, indicator: str,
              palette: tuple[str, ...] = PALETTE) -> tuple[gpd.GeoDataFrame, Classification]:
    values = frame[INDICATORS[indicator].column]
    # All territories alike (no action anywhere): one class, the lightest colour.
    uniform = pd.to_numeric(values, errors="coerce").nunique() <= 1
    classes = classify(values, palette=palette[:1] if uniform else palette)
    out = frame.copy()
    out["colour"] = [classes.colour(v) for v in out[INDICATORS[indicator].column]]
    return out, classes


def _legend(frame: gpd.GeoDataFrame, indicator: str, classes: Classification) -> Legend:
    column = INDICATORS[indicator].column
    return classes.legend(INDICATORS[indicator].label,
                          with_missing=bool(frame[column].isna().any()))


def check_indicator(indicator: str, allowed: tuple[str, ...] = MAP_INDICATORS) -> str:
    """``"actions"`` ⇒ ``"actions"``; an unknown key ⇒ :class:`ViewError` in French."""
    if indicator not in allowed:
        raise ViewError(f"indicateur « {indicator} » inconnu ; indicateurs possibles : "
                        + ", ".join(allowed))
    return indicator


# ---------------------------------------------------------------- the three views

def national_view(
    data: Dataset, level: str, indicator: str, filters: Filters = NO_FILTERS, *,
    layer: gpd.GeoDataFrame | None = None, ranking: pd.DataFrame | None = None,
) -> ChoroplethView:
    """Every territory of ``level`` coloured by ``indicator`` (the score: default weights).

    ``layer`` (``territory_layers.territory_layer``) and ``ranking``
    (``priorities.rank``) may be given when the caller already has them.
    """
    check_level(level)
    check_indicator(indicator)
    layer = territory_layers.territory_layer(data, level) if layer is None else layer
    ranking = priorities.rank(data, level, filters) if ranking is None else ranking
    frame, classes = _coloured(values_frame(layer, ranking), indicator)
    ind = INDICATORS[indicator]
    return ChoroplethView("national", level, ind, frame, classes,
                          _legend(frame, indicator, classes), (),
                          f"{ind.label} {BY_LEVEL[level]}", filters.describe())


def region_view(
    data: Dataset, code_region: str, indicator: str, filters: Filters = NO_FILTERS,
    level: str = "departement", *, layer: gpd.GeoDataFrame | None = None,
    ranking: pd.DataFrame | None = None,
) -> ChoroplethView:
    """The territories of one région (its départements, or its EPCI: every EPCI with a
    commune in it, whole) coloured by ``indicator``, with classes computed over them
    alone. ``layer``: ``territory_layer(data, level, fine=True)`` when given."""
    check_indicator(indicator)
    if level not in ("departement", "epci"):
        raise ViewError("une carte de région montre ses départements ou ses EPCI "
                        "(niveau departement ou epci)")
    names = data.territories["region"].set_index("code")["nom"]
    if code_region not in names.index:
        raise ViewError(f"région « {code_region} » inconnue ; codes possibles : "
                        + ", ".join(names.index))
    layer = territory_layers.territory_layer(data, level, fine=True) if layer is None else layer
    ranking = priorities.rank(data, level, filters) if ranking is None else ranking
    if level == "departement":
        inside = layer["code_region"] == code_region
    else:
        inside = layer["code"].isin(epci_codes(referentiel.communes(), code_region))
    frame, classes = _coloured(values_frame(layer[inside], ranking), indicator)
    ind, nom = INDICATORS[indicator], str(names[code_region])
    return ChoroplethView("region", level, ind, frame, classes,
                          _legend(frame, indicator, classes), (),
                          f"{ind.label} {BY_LEVEL[level]} — {nom}", filters.describe(),
                          region=(code_region, nom))


def gaps_view(
    data: Dataset, level: str, filters: Filters = NO_FILTERS,
    weights: priorities.Weights | None = None, indicator: str = "score_priorite",
    top: int = config.OU_AGIR_TOP, *, layer: gpd.GeoDataFrame | None = None,
    ranking: pd.DataFrame | None = None,
) -> ChoroplethView:
    """The « Où agir » map: every territory of ``level`` by its priority score (or its
    coverage index), the ``top`` first of the ranking outlined and numbered."""
    check_level(level)
    check_indicator(indicator, GAP_INDICATORS)
    weights = weights or priorities.Weights()
    layer = territory_layers.territory_layer(data, level) if layer is None else layer
    ranking = priorities.rank(data, level, filters, weights) if ranking is None else ranking
    palette = PRIORITY_PALETTE if indicator == "score_priorite" else PALETTE
    frame, classes = _coloured(values_frame(layer, ranking), indicator, palette)
    drawn = set(frame["code"])
    highlighted = tuple(c for c in ranking["code"].head(top) if c in drawn)
    title = f"Où agir : {INDICATORS[indicator].label.split(' (')[0].lower()} {BY_LEVEL[level]}"
    subtitle = f"{filters.describe()} ; {weights_text(weights)}"
    return ChoroplethView("ou_agir", level, INDICATORS[indicator], frame, classes,
                          _legend(frame, indicator, classes), highlighted, title, subtitle)


def weights_text(weights: priorities.Weights) -> str:
    """``Weights()`` ⇒ ``"poids : poids industriel 35 %, événements à venir sans relais
    30 %, absence du collectif 20 %, sous-mobilisation 15 %"``."""
    shares = weights.normalised()
    parts = [f"{label[0].lower()}{label[1:]} {format_int(100 * shares[name])}\u00a0%"
             for name, label in priorities.PARTS.items()]
    return "poids : " + ", ".join(parts)
