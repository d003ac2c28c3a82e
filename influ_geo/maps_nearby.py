"""The map of « Près de chez moi »: the radius circle, the events, the sites around.

No streamlit here (``influ_geo.ui_nearby`` shows the map). What it draws:

- the départements the circle touches, in grey, as the base layer (readable with no
  tiles; an OpenStreetMap layer can be switched on when online); before any place is
  chosen, the régions of the metropole, to click a point in;
- the circle of the radius and the centre;
- the events as calendar markers, red when nobody relays them yet, green when the
  collective does (a window of weeks around one place holds a few dozen, a few hundred
  around Paris at national scale: the soonest ``config.NEARBY_MAX_EVENT_MARKERS`` are
  drawn, the list shows them all);
- the industrial sites as grey squares clustered by the browser (Leaflet.markercluster),
  the nearest ``config.NEARBY_MAX_SITE_POINTS`` at most.

Events and sites are each one data array (:func:`event_rows`, :func:`site_rows`) read by one
script that makes the markers in the browser, instead of one folium element per point
(each element costs a Jinja template on the server and its markup in the payload: 200
events and 2,000 sites took ~0.3 s and 370 KB). Every text of a row is HTML-escaped on the
server (``escaping.html_text``), the link kept only when it is http(s); the browser only
joins these escaped parts into the tooltips and popups. The scripts are plain text, never
Jinja templates, and their JSON is safe inside ``<script>`` (``maps_points.to_json``).

:func:`drawn_note` says in French what was left out, if anything.
"""

from __future__ import annotations

import math
from functools import lru_cache

import folium
import numpy as np
import pandas as pd
from folium.plugins import MarkerCluster
from folium.utilities import JsCode

from influ_geo import config, naf, referentiel
from influ_geo.assets import localize
from influ_geo.escaping import html_text, http_url, shorten
from influ_geo.formatting import format_decimal, format_int
from influ_geo.maps import (
    BoundedGeoJson,
    add_tile_switch,
    base_map,
    feature_collection,
    latlon_bounds,
    tooltip_html,
)
from influ_geo.maps_points import PlainScript, to_json
from influ_geo.nearby import Centre
from influ_geo.nearby_tables import dates_text, relay_text

MAX_ZOOM = 18
EVENTS_ON_TOP = 1000  # z-index offset: an event marker is never hidden under a site cluster
KM_PER_DEGREE = 111.195  # mean Earth radius 6,371 km × π / 180
COORD_DIGITS = 5  # 1e-5° ≈ 1 m: a point placed at an address stays on its building
RELAYED_COLOUR, UNRELAYED_COLOUR = "green", "red"
CIRCLE_COLOUR = "#1f5f99"
BASE_FILL = "#d9d9d9"
LINK_TEXT = "Page de l'événement"
NO_SECTOR = "secteur non renseigné"
SITE_CSS = (".influ-site { background: #4d4d4d; border: 1px solid #ffffff; "
            "border-radius: 2px; }")
# The events: row = [lat, lon, relayed (0/1), title, [lines], url or ""], texts escaped.
EVENTS_JS = """var %(name)s = (function() {
  var spec = %(spec)s, rows = %(rows)s, group = L.featureGroup();
  var icons = [false, true].map(function(relayed) {
    return L.AwesomeMarkers.icon({icon: "calendar", prefix: "fa", iconColor: "white",
      markerColor: relayed ? spec.relayed : spec.unrelayed, extraClasses: "fa-rotate-0"});
  });
  function popup(r) {
    var text = ["<b>" + r[3] + "</b>"].concat(r[4]).join("<br>");
    if (r[5]) {
      text += '<br><a href="' + r[5] + '" target="_blank" rel="noopener noreferrer">' +
        spec.link + "</a>";
    }
    return text;
  }
  rows.forEach(function(r) {
    L.marker([r[0], r[1]], {icon: icons[r[2]], zIndexOffset: spec.z})
      .bindTooltip(r[3])
      .bindPopup(function() { return popup(r); }, {maxWidth: 320})
      .addTo(group);
  });
  return group;
})();
%(name)s.addTo(%(map)s);"""
# The sites: data = {sectors: [...], rows: [[lat, lon, name, sector index, km], ...]}.
SITES_JS = """var %(name)s = (function() {
  var data = %(data)s, sectors = data.sectors;
  var icon = L.divIcon({className: "influ-site", iconSize: [9, 9]});
  function tooltip(r) {
    return "<b>" + r[2] + "</b> (" + sectors[r[3]] + ")<br>Distance\\u00a0: " +
      r[4].toFixed(1).replace(".", ",") + " km";
  }
  var group = L.markerClusterGroup({chunkedLoading: true});
  group.addLayers(data.rows.map(function(r) {
    return L.marker([r[0], r[1]], {icon: icon}).bindTooltip(function() { return tooltip(r); });
  }));
  return group;
})();
%(name)s.addTo(%(map)s);"""


def circle_bounds(centre: Centre, radius_km: float) -> list[list[float]]:
    """Leaflet bounds ``[[south, west], [north, east]]`` of the circle (a little wider)."""
    dlat = radius_km / KM_PER_DEGREE * 1.05
    dlon = dlat / max(math.cos(math.radians(centre.lat)), 0.1)
    return [[centre.lat - dlat, centre.lon - dlon], [centre.lat + dlat, centre.lon + dlon]]


@lru_cache(maxsize=128)
def _background(south: float, west: float, north: float, east: float) -> tuple[str, int]:
    """GeoJSON of the départements meeting the box (name as tooltip) and their count."""
    layer = referentiel.load_layer("departements")
    shown = layer.cx[west:east, south:north]
    tips = pd.Series([tooltip_html(n, c, []) for n, c in
                      zip(shown["nom"], shown["code_departement"], strict=True)], index=shown.index)
    return feature_collection(shown, "code_departement", tips), len(shown)


@lru_cache(maxsize=1)
def _metropole() -> tuple[str, list[list[float]]]:
    """GeoJSON of the 13 régions of the metropole and their bounds (no place chosen yet)."""
    layer = referentiel.load_layer("regions")
    shown = layer[~layer["code_region"].isin(["01", "02", "03", "04", "06"])]
    tips = pd.Series([tooltip_html(n, c, []) for n, c in
                      zip(shown["nom"], shown["code_region"], strict=True)], index=shown.index)
    return feature_collection(shown, "code_region", tips), latlon_bounds(shown)


def _map(bounds: list[list[float]]) -> folium.Map:
    """``maps.base_map`` with markers, and a maximum zoom on the map itself: without tiles
    shown, MarkerCluster stops with "Map has no maxZoom specified" and nothing draws."""
    m = base_map(bounds, markers=True)
    m.options["maxZoom"] = MAX_ZOOM
    return m


def _add_base(m: folium.Map, geojson: str, bounds: list[list[float]]) -> None:
    BoundedGeoJson(
        geojson, bounds, name="Départements",
        style_function=lambda _: {"fillColor": BASE_FILL, "fillOpacity": 0.6,
                                  "color": "#ffffff", "weight": 1},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        control=False, renderer=JsCode("L.svg({padding: 0.5})"),
    ).add_to(m)


def event_lines(event: pd.Series | dict) -> list[str]:
    """The escaped lines of an event's popup under its title: dates, place, type,
    audience, distance and relay status (empty ones left out)."""
    get = event.get
    place = ", ".join(str(v) for v in (get("lieu"), get("commune_nom")) if isinstance(v, str) and v)
    lines = [html_text(dates_text(event)), html_text(shorten(place))]
    if isinstance(get("type_libelle"), str):
        lines.append(html_text(get("type_libelle")))
    if isinstance(get("public_libelle"), str):
        lines.append("Public : " + html_text(get("public_libelle")))
    lines.append(f"À {html_text(format_decimal(get('distance_km')))} km")
    lines.append(html_text(relay_text(int(get("relais")), int(get("relais_prevus")))))
    return [line for line in lines if line]


def event_row(event: pd.Series | dict) -> list:
    """``[lat, lon, relayed (0/1), title, lines, url]`` of one event, every text escaped
    (``escaping.html_text``; the title cut at ``escaping.TEXT_MAX_CHARS``), the url ``""``
    unless http(s)."""
    url = http_url(event.get("url"))
    return [round(float(event["lat"]), COORD_DIGITS), round(float(event["lon"]), COORD_DIGITS),
            int(bool(event["relaye"])), html_text(shorten(str(event.get("titre")))),
            event_lines(event), html_text(url) if url else ""]


def event_rows(events: pd.DataFrame, limit: int | None = None) -> list[list]:
    """The rows (:func:`event_row`) of the first ``limit`` placed events (``events`` is
    sorted by date: the soonest); by default ``config.NEARBY_MAX_EVENT_MARKERS``."""
    limit = config.NEARBY_MAX_EVENT_MARKERS if limit is None else limit
    placed = events[events["lat"].notna() & events["lon"].notna()] if len(events) else events
    return [event_row(e) for e in placed.head(limit).to_dict("records")]


def event_popup(event: pd.Series | dict) -> str:
    """The popup the browser builds from :func:`event_row` (the same joins as
    :data:`EVENTS_JS`): ``"<b>title</b><br>line<br>…"`` and the link, all escaped."""
    _, _, _, title, lines, url = event_row(event)
    link = (f'<br><a href="{url}" target="_blank" rel="noopener noreferrer">{LINK_TEXT}</a>'
            if url else "")
    return "<br>".join([f"<b>{title}</b>", *lines]) + link


def site_rows(sites: pd.DataFrame, limit: int | None = None) -> dict:
    """``{"sectors": [escaped label, …], "rows": [[lat, lon, escaped name, sector index,
    km], …]}`` of the nearest ``limit`` placed sites (``sites`` is sorted by distance; by
    default ``config.NEARBY_MAX_SITE_POINTS``); the browser writes each tooltip
    ``"<b>name</b> (sector)<br>Distance : 1,5 km"``."""
    head = sites.head(config.NEARBY_MAX_SITE_POINTS if limit is None else limit)
    head = head[head["lat"].notna() & head["lon"].notna()]
    labels = head["naf_division"].astype("str").map(naf.DIVISIONS_COURTES).fillna(NO_SECTOR)
    codes, sectors = pd.factorize(labels)
    lat = np.round(head["lat"].to_numpy(dtype=float), COORD_DIGITS).tolist()
    lon = np.round(head["lon"].to_numpy(dtype=float), COORD_DIGITS).tolist()
    names = [html_text(n) for n in head["nom"]]
    km = head["distance_km"].to_numpy(dtype=float).tolist()
    return {"sectors": [html_text(s) for s in sectors],
            "rows": [list(r) for r in zip(lat, lon, names, codes.tolist(), km, strict=True)]}


def site_tooltip(row: list, sectors: list[str]) -> str:
    """The tooltip the browser writes for a row of :func:`site_rows` (as
    :data:`SITES_JS`), the same as ``maps.tooltip_html`` would."""
    return f"<b>{row[2]}</b> ({sectors[row[3]]})<br>Distance\u00a0: {format_decimal(row[4])} km"


class PointsScript(PlainScript):
    """A layer of points made in the browser by ``code`` (:data:`EVENTS_JS`,
    :data:`SITES_JS`) from the JSON ``values`` it is given (a plain-text script: see
    :class:`~influ_geo.maps_points.PlainScript`)."""

    def __init__(self, name: str, code: str, values: dict[str, str],
                 js: list | None = None, css: list | None = None) -> None:
        super().__init__()
        self._name = name
        self.default_js, self.default_css = list(js or []), list(css or [])
        self._code, self._values = code, values

    def _script(self, this: object = None, kwargs: object = None) -> str:
        return self._code % {**self._values, "name": self.get_name(),
                             "map": self._parent.get_name()}


def _add_events(m: folium.Map, events: pd.DataFrame) -> None:
    """The first ``config.NEARBY_MAX_EVENT_MARKERS`` events as calendar markers."""
    rows = event_rows(events)
    if not rows:
        return
    spec = {"relayed": RELAYED_COLOUR, "unrelayed": UNRELAYED_COLOUR, "link": LINK_TEXT,
            "z": EVENTS_ON_TOP}
    PointsScript("NearbyEvents", EVENTS_JS, {"spec": to_json(spec), "rows": to_json(rows)}
                 ).add_to(m)


def _add_sites(m: folium.Map, sites: pd.DataFrame) -> None:
    """The nearest ``config.NEARBY_MAX_SITE_POINTS`` sites, clustered by the browser."""
    data = site_rows(sites)
    if not data["rows"]:
        return
    m.get_root().header.add_child(folium.Element(f"<style>{SITE_CSS}</style>"),
                                  name="influ_geo_sites")
    PointsScript("NearbySites", SITES_JS, {"data": to_json(data)},
                 js=MarkerCluster.default_js, css=MarkerCluster.default_css).add_to(m)


def drawn_note(events: int, sites: int) -> str | None:
    """``"La carte montre les 200 premiers événements sur 552 et les 2 000 sites les plus
    proches sur 62 437 ; la liste et les chiffres les comptent tous."``; ``None`` when
    everything is drawn."""
    parts = []
    if events > config.NEARBY_MAX_EVENT_MARKERS:
        parts.append(f"les {format_int(config.NEARBY_MAX_EVENT_MARKERS)} premiers événements "
                     f"sur {format_int(events)}")
    if sites > config.NEARBY_MAX_SITE_POINTS:
        parts.append(f"les {format_int(config.NEARBY_MAX_SITE_POINTS)} sites les plus proches "
                     f"sur {format_int(sites)}")
    if not parts:
        return None
    return f"La carte montre {' et '.join(parts)} ; la liste et les chiffres les comptent tous."


def nearby_map(centre: Centre | None, radius_km: float, events: pd.DataFrame,
               sites: pd.DataFrame, *, vendor_url: str | None = None) -> folium.Map:
    """The map around ``centre`` (France when ``None``); ``vendor_url`` (e.g.
    ``config.VENDOR_URL``) points the front-end files at the app's copies."""
    if centre is None:
        geojson, bounds = _metropole()
        m = _map(bounds)
        _add_base(m, geojson, bounds)
    else:
        bounds = circle_bounds(centre, radius_km)
        (south, west), (north, east) = bounds
        m = _map(bounds)
        _add_base(m, _background(*(round(v, 3) for v in (south, west, north, east)))[0], bounds)
        folium.Circle([centre.lat, centre.lon], radius=radius_km * 1000, color=CIRCLE_COLOUR,
                      weight=2, fill=True, fill_opacity=0.06, interactive=False).add_to(m)
        folium.CircleMarker([centre.lat, centre.lon], radius=5, color=CIRCLE_COLOUR, fill=True,
                            fill_opacity=1, tooltip=html_text(centre.label)).add_to(m)
        if len(sites):
            _add_sites(m, sites)
        if len(events):
            _add_events(m, events)
    add_tile_switch(m)
    if vendor_url is not None:
        localize(m, vendor_url)
    return m
