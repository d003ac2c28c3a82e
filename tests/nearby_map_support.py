"""Reading back what the « Près de chez moi » map draws, from its HTML or its st_folium
script: the event rows and the site rows the browser turns into markers
(``influ_geo.maps_nearby.EVENTS_JS`` and ``SITES_JS``), the circle and the centre."""

from __future__ import annotations

import json
import re

# Each data array is written on one line of its script (JSON holds no raw line break).
_EVENTS = re.compile(r"var spec = (\{.*?\}), rows = (\[.*\]), group = L\.featureGroup\(\);")
_SITES = re.compile(r"var data = (\{.*\}), sectors = data\.sectors;")
_CIRCLE = re.compile(r"L\.circle\(\s*\[([-\d.]+), ([-\d.]+)\],\s*\{[^}]*\"radius\": ([\d.]+)")
_CENTRE = re.compile(r"L\.circleMarker\(\s*\[([-\d.]+), ([-\d.]+)\]")


def event_rows(script: str) -> list[list]:
    """``[lat, lon, relayed, title, lines, url]`` of each event marker ([] without events)."""
    found = _EVENTS.findall(script)
    assert len(found) <= 1, "deux couches d'événements"
    return json.loads(found[0][1]) if found else []


def site_data(script: str) -> dict:
    """``{"sectors": […], "rows": [[lat, lon, name, sector, km], …]}`` ({} without sites)."""
    found = _SITES.findall(script)
    assert len(found) <= 1, "deux couches de sites"
    return json.loads(found[0]) if found else {}


def circle(script: str) -> tuple[float, float, float] | None:
    """``(lat, lon, radius in metres)`` of the radius circle, if drawn."""
    found = _CIRCLE.search(script)
    return tuple(float(v) for v in found.groups()) if found else None


def centre(script: str) -> tuple[float, float] | None:
    """``(lat, lon)`` of the centre's dot, if drawn."""
    found = _CENTRE.search(script)
    return (float(found.group(1)), float(found.group(2))) if found else None
