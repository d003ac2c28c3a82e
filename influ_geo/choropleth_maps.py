"""Folium maps of a :class:`~influ_geo.choropleths.ChoroplethView` (no streamlit here).

The same rules as :mod:`influ_geo.maps` (no tiles, escaped tooltips, no branca legend):
the metropole and each DROM are separate maps (see ``maps``), coloured with the same
classes. The territories to outline (the first of the « Où agir » ranking) get a dark
border and their rank in a small disc, drawn in a pane that lets the mouse through to
the territory below.

    data = map_data(view)                  # maps.NationalData: GeoJSON text, colours, legend
    result = folium_maps(view, vendor_url="/app/static/vendor")   # maps.NationalMaps
"""

from __future__ import annotations

import dataclasses
import html
import json

import folium
import shapely
from branca.element import MacroElement
from folium.template import Template

from influ_geo import assets, maps
from influ_geo.choropleths import BACKGROUND_COLOUR, ChoroplethView, background, part_title
from influ_geo.formatting import format_decimal, format_int
from influ_geo.levels import INDICATORS

# What a tooltip lists after the mapped indicator (keys of ``levels.INDICATORS``).
TOOLTIP = ("actions", "evenements_a_venir", "indice_couverture_100", "score_priorite",
           "sites", "population")
OUTLINE_PANE = "premiers"
BACKGROUND_PANE = "fond"
BACKGROUND_STYLE = {"fillColor": BACKGROUND_COLOUR, "fillOpacity": 1, "color": "#c9ced4",
                    "weight": 0.8}
OUTLINE_STYLE = {"fill": False, "color": "#111111", "weight": 2.5, "opacity": 1}
# Inline (not a stylesheet): the disc keeps its look when the map moves to another page.
RANK_STYLE = ("background:#111;color:#fff;border:2px solid #fff;border-radius:50%;"
              "font:bold 12px/20px sans-serif;text-align:center;width:20px;height:20px;"
              "box-shadow:0 0 2px #000")


def tooltips(view: ChoroplethView) -> list[str]:
    """One escaped tooltip per row of ``view.frame``: name, code, rank (« Où agir »),
    the mapped indicator first, then the others."""
    frame = view.frame
    shown = [view.indicator] + [INDICATORS[k] for k in TOOLTIP
                                if INDICATORS[k].column != view.indicator.column]
    total = format_int(len(frame)) if view.region is None else None
    out = []
    for row in frame.itertuples(index=False):
        rows = [(i.label, i.format(getattr(row, i.column))) for i in shown]
        if view.kind == "ou_agir":
            rows.insert(0, ("Rang", f"{format_int(row.rang)} / {total}"))
            rows.insert(2, ("Score exact", format_decimal(row.score)))
        out.append(maps.tooltip_html(row.nom, row.code, rows))
    return out


def map_data(view: ChoroplethView) -> maps.NationalData:
    """The view as the data of ``maps``: one map per part (metropole, then DROM)."""
    level = view.map_level
    tips = dict(zip(view.frame["code"], tooltips(view), strict=True))
    colours = dict(zip(view.frame["code"], view.frame["colour"], strict=True))
    built = []
    for name, part in view.parts():
        part_tips = part["code"].map(tips)
        title = view.region[1] if view.region else part_title(name)
        data = maps.map_data(part, level, name, title, part_tips, colours)
        regions = background(view, name)
        if regions is not None:  # fitted to the whole metropole or DROM, not to the TI
            (south, west), (north, east) = maps.latlon_bounds(regions)
            data = dataclasses.replace(data, bounds=((south, west), (north, east)))
        built.append(data)
    return maps.NationalData(level=level, indicator=view.indicator, metropole=built[0],
                             insets=tuple(built[1:]), legend=view.legend)


def folium_maps(view: ChoroplethView, *, vendor_url: str | None = None,
                online_tiles: bool = True) -> maps.NationalMaps:
    """Folium maps of the view: the first part interactive, the DROM still; the
    ``highlighted`` territories outlined and numbered on each map. ``online_tiles=False``
    leaves out the OpenStreetMap switch (exports that must work offline)."""
    data = map_data(view)
    first = maps.choropleth_map(data.metropole) if online_tiles \
        else _without_tiles(data.metropole)
    built = [first, *(maps.choropleth_map(inset, interactive=False) for inset in data.insets)]
    ranks = {code: i + 1 for i, code in enumerate(view.highlighted)}
    for m, (name, part) in zip(built, view.parts(), strict=True):
        add_background(m, background(view, name))
        add_highlights(m, part[part["code"].isin(ranks)], ranks)
        if vendor_url is not None:
            assets.localize(m, vendor_url)
    return maps.NationalMaps(data=data, metropole=built[0], insets=tuple(built[1:]))


def _without_tiles(data: maps.MapData) -> folium.Map:
    """An interactive map (zoom, drag) without the online tile switch: exports stay offline."""
    bounds = [list(corner) for corner in data.bounds]
    m = maps.base_map(bounds)
    maps.add_choropleth(m, data.geojson, dict(data.colours), data.title, bounds)
    return m


def add_background(m: folium.Map, regions) -> None:
    """The régions in grey under the territories (a pane below the overlays, mute)."""
    if regions is None or regions.empty:
        return
    folium.map.CustomPane(BACKGROUND_PANE, z_index=350, pointer_events=False).add_to(m)
    features = [{"type": "Feature", "properties": {}, "geometry": json.loads(g)}
                for g in shapely.to_geojson(regions.geometry.to_numpy())]
    folium.GeoJson({"type": "FeatureCollection", "features": features}, name="Régions",
                   style_function=lambda _: BACKGROUND_STYLE, interactive=False,
                   control=False, pane=BACKGROUND_PANE).add_to(m)


def add_highlights(m: folium.Map, part, ranks: dict[str, int]) -> None:
    """Outline the territories of ``part`` (a frame slice) and put their rank on them."""
    if part.empty:
        return
    folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(m)
    features = [{"type": "Feature", "properties": {}, "geometry": json.loads(g)}
                for g in shapely.to_geojson(part.geometry.to_numpy())]
    folium.GeoJson({"type": "FeatureCollection", "features": features},
                   name="Premiers du classement", style_function=lambda _: OUTLINE_STYLE,
                   interactive=False, control=False, pane=OUTLINE_PANE).add_to(m)
    points = shapely.point_on_surface(part.geometry.to_numpy())
    for code, point in zip(part["code"], points, strict=True):
        RankLabel([point.y, point.x], ranks[code]).add_to(m)


class RankLabel(MacroElement):
    """A rank in a disc at ``location``: ``L.marker`` created with its ``L.divIcon``.

    (``folium.Marker`` first builds Leaflet's default icon, then swaps it: the browser
    then asks for ``marker-icon.png``, which a self-contained export does not hold.)
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            L.marker({{ this.location|tojson }}, {
                icon: L.divIcon({{ this.icon|tojavascript }}),
                interactive: false, keyboard: false, pane: {{ this.pane|tojson }}
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, location: list[float], rank: int) -> None:
        super().__init__()
        self._name = "RankLabel"
        self.location = [float(location[0]), float(location[1])]
        self.pane = OUTLINE_PANE
        self.icon = {"html": f'<div class="influ-rang" style="{RANK_STYLE}">'
                             f"{html.escape(str(rank))}</div>",
                     "iconSize": [24, 24], "iconAnchor": [12, 12], "className": "rang"}
