"""The choropleth of one région: its départements or its EPCI, zoomed to the région.

No streamlit here. ``region_map_data(data, filters, layers, "53", "epci", "actions")``
gives the 61 EPCI of Bretagne coloured by actions, with escaped tooltips, the legend and
the outline of the région; :func:`region_map` turns it into a folium map.

EPCI that straddle two régions
------------------------------
26 of the 1,253 EPCI have communes in two régions. The région view draws **every EPCI
with at least one commune in the région** (communes table: ``siren_epci`` and
``code_region``), whole, with its indicators for the whole EPCI: an intercommunality is
one actor, and cutting it at the border would invent figures for a part of it. The map
stays fitted to the région and the région's border is drawn over the EPCI, so the part
outside is seen as such. (The data set files each EPCI under the région holding most of
its communes; that rule would drop from a région EPCI that act in it.)

The legend classes are computed over the territories drawn, so the colours tell the
differences inside the région; the priority score and the coverage index keep their
national meaning (computed over every territory of the level).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
import shapely

from influ_geo import indicators, maps, overview
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters
from influ_geo.legend import Legend, classify
from influ_geo.levels import INDICATORS, LEVELS, Level

EPCI_LEVEL = Level("epci", "epci", "siren_epci", "EPCI", "intercommunalités (EPCI)")
# The levels of the région map: key ⇒ Level (layer name, code column).
MAP_LEVELS: dict[str, Level] = {"departement": LEVELS["departement"], "epci": EPCI_LEVEL}
LEVEL_LABELS: dict[str, str] = {"departement": "Départements",
                                "epci": "Intercommunalités (EPCI)"}
# Indicators that come with the referential layer (no activity computed).
REFERENTIEL_INDICATORS = ("population", "nb_communes")
OUTLINE_STYLE = {"fill": False, "color": "#333333", "weight": 2.5, "opacity": 0.9}
HIGHLIGHT_STYLE = {"fill": False, "color": "#c2185b", "weight": 4, "opacity": 1}
# Outlines sit in a pane that lets clicks and hovers through to the territories below.
OUTLINE_PANE = "contours"


@dataclass(frozen=True, eq=False)
class Layers:
    """The read-only referential layers the région view needs (never modified)."""

    regions: gpd.GeoDataFrame
    departements: gpd.GeoDataFrame
    epci: gpd.GeoDataFrame
    communes: pd.DataFrame

    def of(self, level: str) -> gpd.GeoDataFrame:
        """The layer of a map level: ``"epci"`` ⇒ the 1,253 EPCI."""
        return {"departement": self.departements, "epci": self.epci}[level]


def epci_codes(communes: pd.DataFrame, code_region: str) -> list[str]:
    """SIREN of every EPCI with at least one commune in the région, sorted:
    ``"53"`` ⇒ 61 codes (``"200000438"``, …); the 4 communes without EPCI are skipped."""
    in_region = communes.loc[communes["code_region"] == code_region, "siren_epci"]
    return sorted(set(in_region.dropna().astype(str)))


def region_territories(layers: Layers, level: str, code_region: str) -> gpd.GeoDataFrame:
    """The territories of ``level`` drawn for a région (rows of the layer, not copied):
    ``("departement", "53")`` ⇒ 22, 29, 35, 56; ``("epci", "53")`` ⇒ 61 EPCI."""
    layer = layers.of(level)
    if level == "departement":
        return layer[layer["code_region"].astype(str) == code_region]
    return layer[layer["siren_epci"].astype(str).isin(epci_codes(layers.communes, code_region))]


@dataclass(frozen=True)
class RegionMapData:
    """What the région map draws, as immutable data (safe to cache and share).

    ``map`` holds the territories (GeoJSON with ``code`` and ``tooltip`` only, colours,
    bounds of the région), ``outline`` the GeoJSON of the région's border, ``highlight``
    that of the chosen département (or ``None``).
    """

    level: Level
    indicator: str
    map: maps.MapData
    legend: Legend
    outline: str
    highlight: str | None


def _geojson(geometries: gpd.GeoSeries) -> str:
    """A FeatureCollection of bare geometries (no property): outlines."""
    features = [{"type": "Feature", "properties": {}, "geometry": json.loads(text)}
                for text in shapely.to_geojson(geometries.to_numpy())]
    return json.dumps({"type": "FeatureCollection", "features": features})


def indicator_frame(data: Dataset, filters: Filters, layers: Layers, level: str,
                    code_region: str, indicator: str) -> gpd.GeoDataFrame:
    """The territories of the région with the indicator columns (see ``overview``)."""
    shown = region_territories(layers, level, code_region)
    if indicator in REFERENTIEL_INDICATORS:
        return shown
    frame = indicators.indicators(data, level, filters)
    return overview.indicator_layer(shown, frame, level)


def region_map_data(data: Dataset, filters: Filters, layers: Layers, code_region: str,
                    level: str, indicator: str, departement: str | None = None) -> RegionMapData:
    """The choropleth of the région ``code_region`` at ``level`` (``"departement"`` or
    ``"epci"``) by ``indicator`` (a key of ``levels.INDICATORS``), fitted to the région,
    with the département ``departement`` outlined when given."""
    spec, ind = MAP_LEVELS[level], INDICATORS[indicator]
    frame = indicator_frame(data, filters, layers, level, code_region, indicator)
    classes = classify(frame[ind.column])
    codes = frame[spec.code_col].astype(str)
    colours = dict(zip(codes, map(classes.colour, frame[ind.column]), strict=True))
    tooltip = [] if indicator in REFERENTIEL_INDICATORS else list(overview.TOOLTIP)
    shown = [ind] + [INDICATORS[k] for k in (*tooltip, "population") if k != indicator]
    tooltips = maps.territory_tooltips(frame, spec, list(dict.fromkeys(shown)))
    region = layers.regions[layers.regions["code_region"].astype(str) == code_region]
    title = str(region["nom"].iloc[0])
    data_map = maps.map_data(frame, spec, code_region, title, tooltips, colours)
    (south, west), (north, east) = maps.latlon_bounds(region)
    chosen = layers.departements[layers.departements["code_departement"] == departement]
    return RegionMapData(
        level=spec, indicator=indicator,
        map=dataclasses.replace(data_map, bounds=((south, west), (north, east))),
        legend=classes.legend(ind.label, with_missing=bool(frame[ind.column].isna().any())),
        outline=_geojson(region.geometry.boundary),
        highlight=_geojson(chosen.geometry.boundary) if departement and len(chosen) else None,
    )


def _add_outline(m: folium.Map, geojson: str, style: dict, name: str) -> None:
    folium.GeoJson(geojson, name=name, style_function=lambda _: style, interactive=False,
                   control=False, pane=OUTLINE_PANE).add_to(m)


def region_map(data: RegionMapData, *, vendor_url: str | None = None) -> folium.Map:
    """The folium map of :func:`region_map_data`: territories, then the région's border
    and the chosen département's outline on top (they let the mouse through)."""
    m = maps.choropleth_map(data.map, vendor_url=vendor_url)
    folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(m)
    _add_outline(m, data.outline, OUTLINE_STYLE, "Limite de la région")
    if data.highlight:
        _add_outline(m, data.highlight, HIGHLIGHT_STYLE, "Département choisi")
    return m
