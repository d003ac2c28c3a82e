"""The map of « Près de chez moi »: the radius circle, the events, the sites around.

No streamlit here (``influ_geo.ui_nearby`` shows the map). What it draws:

- the départements the circle touches, in grey, as the base layer (readable with no
  tiles; an OpenStreetMap layer can be switched on when online); before any place is
  chosen, the régions of the metropole, to click a point in;
- the circle of the radius and the centre;
- the events as individual markers (a window of weeks around one place holds a few
  dozen, a few hundred around Paris at national scale: the soonest
  ``config.NEARBY_MAX_EVENT_MARKERS`` are drawn, the list shows them all): red when
  nobody relays them yet, green when the collective does; each with a tooltip and a
  popup whose every text is HTML-escaped, the link kept only when it is http(s);
- the industrial sites as clusters (``FastMarkerCluster``: thousands of points in one
  array, drawn by the browser), the nearest ``config.NEARBY_MAX_SITE_POINTS`` at most.

:func:`drawn_note` says in French what was left out, if anything.
"""

from __future__ import annotations

import math
from functools import lru_cache

import folium
import pandas as pd
from folium.plugins import FastMarkerCluster
from folium.utilities import JsCode

from influ_geo import config, naf, referentiel
from influ_geo.assets import localize
from influ_geo.escaping import html_text, http_url, shorten, template_inert
from influ_geo.formatting import format_decimal, format_int
from influ_geo.maps import (
    BoundedGeoJson,
    add_tile_switch,
    base_map,
    feature_collection,
    latlon_bounds,
    tooltip_html,
)
from influ_geo.nearby import Centre
from influ_geo.nearby_tables import dates_text, relay_text

MAX_ZOOM = 18
EVENTS_ON_TOP = 1000  # z-index offset: an event marker is never hidden under a site cluster
KM_PER_DEGREE = 111.195  # mean Earth radius 6,371 km × π / 180
RELAYED_COLOUR, UNRELAYED_COLOUR = "green", "red"
CIRCLE_COLOUR = "#1f5f99"
BASE_FILL = "#d9d9d9"
SITE_CSS = (".influ-site { background: #4d4d4d; border: 1px solid #ffffff; "
            "border-radius: 2px; }")
# A site: a small grey square, its escaped name as tooltip (row = [lat, lon, tooltip]).
SITE_CALLBACK = """function (row) {
    var icon = L.divIcon({className: 'influ-site', iconSize: [9, 9]});
    var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: icon});
    marker.bindTooltip(row[2]);
    return marker;
}"""


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


def event_popup(event: pd.Series | dict) -> str:
    """The escaped popup of an event: title, dates, place, type, audience, distance,
    relay status and the link (http(s) only).

    folium writes it in a JavaScript template literal of a script that branca renders
    again as a Jinja template: every text goes through ``escaping.html_text``, so that
    ``{{ 7*7 }}``, a backtick or ``${…}`` in a title stays text."""
    get = event.get
    rows = [f"<b>{html_text(shorten(str(get('titre'))))}</b>", html_text(dates_text(event)),
            html_text(shorten(", ".join(str(v) for v in (get("lieu"), get("commune_nom"))
                                        if isinstance(v, str) and v)))]
    if isinstance(get("type_libelle"), str):
        rows.append(html_text(get("type_libelle")))
    if isinstance(get("public_libelle"), str):
        rows.append("Public : " + html_text(get("public_libelle")))
    rows.append(f"À {html_text(format_decimal(get('distance_km')))} km")
    rows.append(html_text(relay_text(int(get("relais")), int(get("relais_prevus")))))
    url = http_url(get("url"))
    if url:
        rows.append(f'<a href="{html_text(url)}" target="_blank" '
                    'rel="noopener noreferrer">Page de l\'événement</a>')
    return "<br>".join(rows)


def _add_events(m: folium.Map, events: pd.DataFrame) -> None:
    """One marker per event, the first ``config.NEARBY_MAX_EVENT_MARKERS`` (``events`` is
    sorted by date)."""
    for event in events.head(config.NEARBY_MAX_EVENT_MARKERS).to_dict("records"):
        if pd.isna(event.get("lat")) or pd.isna(event.get("lon")):
            continue
        colour = RELAYED_COLOUR if event["relaye"] else UNRELAYED_COLOUR
        folium.Marker(
            [float(event["lat"]), float(event["lon"])],
            popup=folium.Popup(event_popup(event), max_width=320),
            tooltip=folium.Tooltip(html_text(shorten(str(event["titre"])))),
            icon=folium.Icon(color=colour, icon="calendar", prefix="fa"),
            z_index_offset=EVENTS_ON_TOP,
        ).add_to(m)


def site_rows(sites: pd.DataFrame, limit: int = config.NEARBY_MAX_SITE_POINTS) -> list[list]:
    """``[lat, lon, escaped tooltip]`` of the nearest ``limit`` sites (``sites`` is sorted);
    the tooltips are also inert for the Jinja pass branca makes over the cluster's script."""
    head = sites.head(limit)
    sectors = head["naf_division"].astype("str").map(naf.DIVISIONS_COURTES)
    tips = [template_inert(tooltip_html(
                nom, sector if isinstance(sector, str) else "secteur non renseigné",
                [("Distance", f"{format_decimal(d)} km")]))
            for nom, sector, d in zip(head["nom"], sectors, head["distance_km"], strict=True)]
    return [[float(lat), float(lon), tip] for lat, lon, tip in
            zip(head["lat"], head["lon"], tips, strict=True)]


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
            m.get_root().header.add_child(folium.Element(f"<style>{SITE_CSS}</style>"),
                                          name="influ_geo_sites")
            FastMarkerCluster(site_rows(sites), callback=SITE_CALLBACK, name="Sites industriels",
                              control=False).add_to(m)
        _add_events(m, events)
    add_tile_switch(m)
    if vendor_url is not None:
        localize(m, vendor_url)
    return m
