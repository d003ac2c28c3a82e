"""The Carte page as data: a territory, its outlines, the point layers the user chose.

No streamlit here. :func:`carte_data` gathers everything one view draws as immutable
data (safe to cache per filter set and store version); :func:`carte_map` turns it into a
folium map, built anew for every render.

- The base layer, readable with no tile layer, is the régions of France (national view),
  the départements of the chosen région, or the chosen département; clicking one opens it
  in the Région par région view (:func:`clicked_territory`).
- The Territoires d'industrie are dashed outlines without fill, so that a click inside
  one still reaches the territory below.
- Points are DOM markers (``maps_points``) drawn above the polygons: the base layer keeps
  its SVG renderer, shared with the outlines so that no layer hides another's clicks.

    view = carte_data(data, filters, Scope(region="53"), ("mobilisations", "sites"),
                      regions, departements)
    view.base.feature_count       # 4 départements of Bretagne
    carte_map(view, vendor_url="/app/static/vendor")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
from folium.utilities import JsCode

from influ_geo import assets, config, indicators, maps, maps_points
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters
from influ_geo.formatting import format_int
from influ_geo.levels import DROM, LEVELS, drom_mask
from influ_geo.maps_points import POINT_LAYERS, PointLayer
from influ_geo.sources.territoires_industrie import dissolve_territoires

TI_KEY = "territoires_industrie"
TI_LABEL = "Territoires d'industrie"
TI_COLOUR = "#e7298a"
# Every layer the user can switch, in menu order (points, then outlines).
LAYER_LABELS: dict[str, str] = {**{k: s.label for k, s in POINT_LAYERS.items()},
                                TI_KEY: TI_LABEL}
DEFAULT_LAYERS: tuple[str, ...] = ("mobilisations", "evenements_a_venir", "sites", TI_KEY)
LAND_COLOUR = "#f4f1ea"
OUTLINE_COLOUR = "#7d7d7d"
RENDERER = "influ_carte_svg"  # one SVG renderer for every polygon layer of the map
DROM_REGIONS = tuple(d.code_region for d in DROM)
CLICK_HINT = "Cliquez pour l'ouvrir dans la vue Région par région"


class ScopeError(ValueError):
    """A région or département code that the referential does not know (French message)."""


@dataclass(frozen=True)
class Scope:
    """The territory shown: all France, one région, or one département of a région."""

    region: str | None = None
    departement: str | None = None

    @property
    def level(self) -> str:
        """``"france"``, ``"region"`` or ``"departement"``."""
        return "departement" if self.departement else "region" if self.region else "france"


@dataclass(frozen=True)
class Outlines:
    """Polygons as GeoJSON text (``code`` and ``tooltip`` properties) with their bounds."""

    level: str
    geojson: str
    bounds: tuple[tuple[float, float], tuple[float, float]]
    codes: tuple[str, ...]

    @property
    def feature_count(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class CarteData:
    """What one view of the Carte page draws (immutable, shared between sessions)."""

    scope: Scope
    title: str
    bounds: tuple[tuple[float, float], tuple[float, float]]
    base: Outlines
    layers: tuple[PointLayer, ...]
    ti: Outlines | None

    @property
    def points(self) -> int:
        """Points the layers stand for (a cell counts its points)."""
        return sum(layer.count for layer in self.layers)


# ---------------------------------------------------------------- territories

def check_scope(scope: Scope, departements: pd.DataFrame) -> Scope:
    """The scope if its codes exist (a département must lie in the région), else
    ``ScopeError``: ``Scope("53", "29")`` ⇒ itself; ``Scope("53", "75")`` ⇒ error."""
    regions = set(departements["code_region"])
    if scope.region and scope.region not in regions:
        raise ScopeError(f"région « {scope.region} » inconnue")
    if scope.departement:
        row = departements[departements["code_departement"] == scope.departement]
        if row.empty or (scope.region and row["code_region"].iloc[0] != scope.region):
            raise ScopeError(f"département « {scope.departement} » inconnu dans cette région")
    return scope


def base_frame(scope: Scope, regions: gpd.GeoDataFrame,
               departements: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """The polygons of the base layer and their level: the 18 régions (``"region"``), the
    départements of a région, or one département (``"departement"``)."""
    if scope.departement:
        return departements[departements["code_departement"] == scope.departement], \
            "departement"
    if scope.region:
        return departements[departements["code_region"] == scope.region], "departement"
    return regions, "region"


def scope_title(scope: Scope, regions: pd.DataFrame, departements: pd.DataFrame) -> str:
    """``Scope()`` ⇒ ``"France entière"``; ``Scope("53", "29")`` ⇒ ``"Finistère (29)"``."""
    if scope.departement:
        nom = departements.loc[departements["code_departement"] == scope.departement, "nom"]
        return f"{nom.iloc[0]} ({scope.departement})"
    if scope.region:
        return str(regions.loc[regions["code_region"] == scope.region, "nom"].iloc[0])
    return "France entière"


def _bounds(frame: gpd.GeoDataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    (south, west), (north, east) = maps.latlon_bounds(frame)
    return (south, west), (north, east)


def view_bounds(scope: Scope, base: gpd.GeoDataFrame, level: str
                ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the map opens: metropolitan France for the national view (the DROM are
    chosen in the territory list), else the chosen territory."""
    if scope.level == "france":
        return _bounds(base[~drom_mask(base, LEVELS[level])])
    return _bounds(base)


def _counts(frames: Mapping[str, pd.DataFrame], code_col: str) -> dict[str, pd.Series]:
    """Located rows per territory code, for each point layer."""
    out = {}
    for key, frame in frames.items():
        placed = frame["lon"].notna() & frame["lat"].notna()
        out[key] = frame.loc[placed, code_col].value_counts()
    return out


def base_outlines(base: gpd.GeoDataFrame, level: str,
                  frames: Mapping[str, pd.DataFrame]) -> Outlines:
    """The base layer with escaped tooltips: name (code), then the points of each layer."""
    code_col = LEVELS[level].code_col
    counts = _counts(frames, code_col)
    tooltips = pd.Series([
        maps.tooltip_html(nom, code, [(POINT_LAYERS[k].label, format_int(c.get(code, 0)))
                                      for k, c in counts.items()]) + f"<br><i>{CLICK_HINT}</i>"
        for nom, code in zip(base["nom"], base[code_col], strict=True)], index=base.index)
    return Outlines(level, maps.feature_collection(base, code_col, tooltips), _bounds(base),
                    tuple(base[code_col].astype(str)))


# ---------------------------------------------------------------- Territoires d'industrie

def ti_layer(ti_frame: pd.DataFrame, communes: pd.DataFrame,
             polygons: gpd.GeoDataFrame | None = None,
             tolerance: float = config.SIMPLIFY_TI) -> gpd.GeoDataFrame:
    """The outline of each Territoire d'industrie (``dissolve_territoires``) with the
    départements and régions of its communes (``"01 39"``, space-separated) and an
    escaped ``tooltip``. Empty list ⇒ empty layer."""
    members = ti_frame.dropna(subset=["code_insee", "id_ti"])
    if members.empty:
        return gpd.GeoDataFrame({"id_ti": [], "tooltip": [], "departements": [],
                                 "regions": []}, geometry=[], crs=config.CRS_WGS84)
    layer = dissolve_territoires(members, polygons, communes, tolerance)
    places = members.merge(communes[["code_insee", "code_departement", "code_region"]],
                           on="code_insee")
    for column, name in (("code_departement", "departements"), ("code_region", "regions")):
        joined = places.groupby("id_ti")[column].agg(lambda s: " ".join(sorted(set(s))))
        layer[name] = layer["id_ti"].map(joined).fillna("")
    layer["tooltip"] = [
        maps.tooltip_html(f"Territoire d'industrie : {lib}", code,
                          [("Communes", format_int(n)), ("Population", format_int(p))])
        for lib, code, n, p in zip(layer["lib_ti"], layer["id_ti"], layer["nb_communes"],
                                   layer["population"], strict=True)]
    return layer[~layer.geometry.is_empty & layer.geometry.notna()]


def ti_tolerance(scope: Scope) -> float:
    """Simplification of the outlines for a scope: at national scale the ~180 territories
    of the official list, simplified like the départements, would weigh ~0.6–1 MB of
    GeoJSON; simplified like the EPCI of a national map (0.02°) they weigh ~0.2–0.3 MB."""
    return config.SIMPLIFY_EPCI_NATIONAL if scope.level == "france" else config.SIMPLIFY_TI


def ti_outlines(layer: gpd.GeoDataFrame, scope: Scope) -> Outlines | None:
    """The Territoires d'industrie with a commune in the scope; ``None`` when none."""
    shown = layer
    if scope.departement:
        shown = layer[layer["departements"].str.split().map(lambda c: scope.departement in c)]
    elif scope.region:
        shown = layer[layer["regions"].str.split().map(lambda c: scope.region in c)]
    if shown.empty:
        return None
    return Outlines("ti", maps.feature_collection(shown, "id_ti", shown["tooltip"]),
                    _bounds(shown), tuple(shown["id_ti"].astype(str)))


# ---------------------------------------------------------------- the view

def carte_data(data: Dataset, filters: Filters, scope: Scope, layers: Sequence[str],
               regions: gpd.GeoDataFrame, departements: gpd.GeoDataFrame, *,
               ti: gpd.GeoDataFrame | None = None,
               type_label: Callable[[str], str] = str,
               points_max: int = maps_points.POINTS_MAX,
               payload_max: int = config.MAP_PAYLOAD_MAX) -> CarteData:
    """Everything one view draws.

    Parameters
    ----------
    data, filters: the data set and the shared filters (the indicators' selection).
    scope: the territory shown (checked against ``departements``).
    layers: keys of :data:`LAYER_LABELS` switched on, in any order.
    regions, departements: the referential layers (not modified).
    ti: the Territoires d'industrie layer (:func:`ti_layer`), drawn when switched on.
    type_label: French label of an event type code (``"salon"`` ⇒ ``"Salon"``).
    points_max: above this many points in the view a layer is counted per grid cell.
    payload_max: bytes of the rendered map; above, the layers with the most text are
        counted per grid cell too (largest first).
    """
    check_scope(scope, departements)
    base, level = base_frame(scope, regions, departements)
    bounds = view_bounds(scope, base, level)
    selection = indicators.select(data, filters)
    keys = [k for k in POINT_LAYERS if k in layers]
    frames = {k: maps_points.in_scope(maps_points.selected_rows(data, filters, k, selection),
                                      scope.region, scope.departement) for k in keys}
    drom = DROM_REGIONS if scope.level == "france" else ()

    def layer(key: str, most: int) -> PointLayer:
        return maps_points.point_layer(frames[key], key, bounds, type_label=type_label,
                                       points_max=most, drom=drom)

    outlines = ti_outlines(ti, scope) if ti is not None and TI_KEY in layers else None
    base_layer = base_outlines(base, level, frames)
    point_layers = [layer(k, points_max) for k in keys]
    # Over the budget, the largest layer of points is counted per cell, until it fits.
    fixed = fixed_bytes(base_layer, outlines)
    while fixed + sum(len(p.rows) for p in point_layers) > payload_max:
        drawn = [p for p in point_layers if p.mode == maps_points.POINTS and p.markers]
        if not drawn:
            break
        largest = max(drawn, key=lambda p: len(p.rows))
        point_layers[point_layers.index(largest)] = layer(largest.key, -1)
    return CarteData(scope, scope_title(scope, regions, departements), bounds, base_layer,
                     tuple(point_layers), outlines)


def fixed_bytes(base: Outlines, ti: Outlines | None) -> int:
    """Bytes of a rendered map besides its points: folium writes the GeoJSON again with
    spaces (+25 %), and the scripts, styles and options weigh ~15 KB (measured)."""
    polygons = len(base.geojson) + (len(ti.geojson) if ti is not None else 0)
    return int(polygons * 1.25) + 15_000


class _Renderer(folium.MacroElement):
    """Declares the SVG renderer shared by the polygon layers (added before them)."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "Renderer"
        self._template = folium.template.Template(
            "{% macro script(this, kwargs) %}var " + RENDERER
            + " = L.svg({padding: 0.5});{% endmacro %}")


def _add_base(m: folium.Map, base: Outlines) -> None:
    bounds = [list(corner) for corner in base.bounds]
    maps.BoundedGeoJson(
        base.geojson, bounds, name="Territoires",
        style_function=lambda _: {"fillColor": LAND_COLOUR, "fillOpacity": 1,
                                  "color": OUTLINE_COLOUR, "weight": 1},
        highlight_function=lambda _: {"weight": 2.5, "color": "#333333",
                                      "fillColor": "#e8e2d4"},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        control=False, attribution=maps.html.escape(maps.CREDITS),
        renderer=JsCode(RENDERER)).add_to(m)


def _add_ti(m: folium.Map, ti: Outlines) -> None:
    bounds = [list(corner) for corner in ti.bounds]
    maps.BoundedGeoJson(
        ti.geojson, bounds, name=TI_LABEL,
        style_function=lambda _: {"fill": False, "color": TI_COLOUR, "weight": 2,
                                  "dashArray": "6 4"},
        highlight_function=lambda _: {"weight": 4},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        control=False, renderer=JsCode(RENDERER)).add_to(m)


def carte_map(data: CarteData, *, vendor_url: str | None = None) -> folium.Map:
    """The folium map of a view: base polygons, Territoires d'industrie, point layers.

    ``vendor_url`` (``config.VENDOR_URL``) points the front-end files at the app's copies;
    ``None`` keeps folium's CDN URLs (exports inline them with ``assets.standalone_html``).
    """
    m = maps.base_map([list(corner) for corner in data.bounds])
    _Renderer().add_to(m)
    _add_base(m, data.base)
    if data.ti is not None:
        _add_ti(m, data.ti)
    maps_points.add_points(m, data.layers)
    maps.add_tile_switch(m)
    if vendor_url is not None:
        assets.localize(m, vendor_url)
    return m


def clicked_territory(returned: Mapping[str, object] | None, base: Outlines) -> str | None:
    """The code of the base-layer territory the user clicked, from what ``st_folium``
    returned (``last_active_drawing.properties.code``); a point, a cluster or a
    Territoire d'industrie is no territory of the base layer ⇒ ``None``."""
    feature = (returned or {}).get("last_active_drawing")
    if not isinstance(feature, Mapping):
        return None
    code = str((feature.get("properties") or {}).get("code", ""))
    return code if code in base.codes else None
