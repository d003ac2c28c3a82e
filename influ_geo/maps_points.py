"""Point layers of the Carte page: mobilisations, events, industrial sites.

No streamlit here. A layer is computed as immutable data (:class:`PointLayer`), then drawn
on a folium map by :func:`add_points`; the browser clusters the markers of each layer
(Leaflet.markercluster, vendored under ``static/vendor/markercluster``).

Two modes, chosen per layer from the number of points in the view:

- ``"points"`` (up to ``config.CARTE_POINTS_MAX``): one marker per row, with a popup whose
  texts are HTML-escaped and whose link is kept only when ``http(s)`` (``influ_geo.popups``);
- ``"cellules"`` (above, or when the map would exceed ``config.MAP_PAYLOAD_MAX``, see
  ``carte.carte_data``): the points are counted per grid cell on the server
  (``config.CARTE_GRID_CELLS`` cells across the view) and each cell is one marker carrying
  its count, placed at the mean of its points; the browser clusters cells like points and
  adds their counts. 500,000 sites at national scale become ~1,250 cells (25 KB).

A layer's data is ``{"lines": [...], "rows": [...]}``; a row is ``[lat, lon, 1, title,
lines(, url)]`` for a point (a line is its text or its position in ``lines``, the popup
lines met more than once) and ``[lat, lon, count]`` for a cell. The popup HTML is
assembled in the browser from these already-escaped parts, so that no markup is sent
once per point.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import folium
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster

from influ_geo import config, indicators, priorities
from influ_geo.dataset import Dataset
from influ_geo.escaping import RawElement
from influ_geo.filters import Filters
from influ_geo.popups import Popup, action_popups, event_popups, site_popups

POINTS, CELLS = "points", "cellules"
POINTS_MAX = config.CARTE_POINTS_MAX
GRID_CELLS = config.CARTE_GRID_CELLS
COORD_DIGITS = 4  # 1e-4° ≈ 10 m: the precision of the display layers
LINK_TEXT = "Voir la source"


@dataclass(frozen=True)
class LayerSpec:
    """How a point layer is named and drawn: ``LayerSpec("sites", "Sites industriels", …)``.

    ``singular``/``plural`` name a count in a popup (``"12 sites industriels"``); a point
    is a dot of ``colour`` (hollow when ``hollow``), a cluster a bubble of ``bubble`` with
    its count in ``text``. ``z`` orders the layers: a higher one draws above (its own
    Leaflet pane, since markers of one pane are ordered by latitude, not by layer).
    """

    key: str
    label: str
    singular: str
    plural: str
    colour: str
    bubble: str
    text: str
    z: int
    hollow: bool = False

    @property
    def pane(self) -> str:
        return f"influ-{self.key}"


POINT_LAYERS: dict[str, LayerSpec] = {
    "mobilisations": LayerSpec("mobilisations", "Mobilisations", "mobilisation",
                               "mobilisations", "#d95f02", "#d95f02", "#ffffff", 640),
    "evenements_a_venir": LayerSpec("evenements_a_venir", "Événements à venir",
                                    "événement à venir", "événements à venir", "#1b9e77",
                                    "#1b9e77", "#ffffff", 630),
    "evenements_passes": LayerSpec("evenements_passes", "Événements passés", "événement passé",
                                   "événements passés", "#1b9e77", "#c7e9df", "#0b3d2e", 620,
                                   hollow=True),
    # Sites are the backdrop (industrial weight): pale bubbles under the collective's layers.
    "sites": LayerSpec("sites", "Sites industriels", "site industriel", "sites industriels",
                       "#7570b3", "#d4d2ea", "#2f2a66", 610),
}


@dataclass(frozen=True)
class PointLayer:
    """One point layer of a view, as plain data (safe to cache and share).

    ``rows`` is the JSON text of the rows (see the module doc); ``count`` the points the
    layer stands for, ``markers`` the markers sent (points or cells), ``unplaced`` the
    selected rows of the view that have no coordinates (placed at a département or région
    only), ``outre_mer`` the points in a DROM.
    """

    spec: LayerSpec
    mode: str
    rows: str
    count: int
    markers: int
    unplaced: int
    outre_mer: int
    cell: float = 0.0  # side of a grid cell in degrees (``"cellules"`` mode)

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def cell_km(self) -> int:
        """Side of a grid cell in kilometres (a degree of latitude ≈ 111 km), 0 for points."""
        return round(self.cell * 111)


# ---------------------------------------------------------------- rows and cells

def grid_cells(lon: np.ndarray, lat: np.ndarray, cell: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points counted per square cell of ``cell`` degrees: ``(lon, lat, count)`` per
    non-empty cell, at the mean of its points; counts add up to the number of points.

    ``([2.0, 2.01, 5.0], [48.0, 48.01, 45.0], 0.5)`` ⇒ ``([2.005, 5.0], [48.005, 45.0], [2, 1])``.
    """
    if len(lon) == 0:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.int64)
    ix = np.floor(np.asarray(lon, dtype=float) / cell).astype(np.int64)
    iy = np.floor(np.asarray(lat, dtype=float) / cell).astype(np.int64)
    iy -= iy.min()
    # One integer per cell (a 1-D unique is ~30× faster than unique rows).
    _, inverse, counts = np.unique(ix * (int(iy.max()) + 1) + iy, return_inverse=True,
                                   return_counts=True)
    mean_lon = np.bincount(inverse, weights=lon) / counts
    mean_lat = np.bincount(inverse, weights=lat) / counts
    return mean_lon, mean_lat, counts


def cell_size(bounds: Sequence[Sequence[float]], cells: int = GRID_CELLS) -> float:
    """Side of a grid cell (degrees) for a view ``[[south, west], [north, east]]``:
    metropolitan France (14.6° wide) at 60 cells ⇒ 0.24° (~20 km)."""
    (south, west), (north, east) = bounds
    return max(east - west, north - south, 1e-3) / cells


def to_json(value: object) -> str:
    """Compact JSON safe inside a ``<script>``: every ``<`` written ``\\u003c`` (so no
    ``</script>`` nor ``<!--`` can appear), as are the JavaScript line separators."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def shared_lines(popups: Sequence[Popup], min_count: int = 2, min_length: int = 8
                 ) -> tuple[list[str], list[list[int | str]]]:
    """Popup lines met ``min_count`` times or more go to one table, the popups refer to
    them by position: ``[("A", ["Chimie", "Lyon"], None), ("B", ["Chimie", "Caen"], None)]`` ⇒
    ``(["Chimie"], [[0, "Lyon"], [0, "Caen"]])`` (the same text, sent once)."""
    counts: dict[str, int] = {}
    for _, lines, _ in popups:
        for line in lines:
            counts[line] = counts.get(line, 0) + 1
    table = [line for line, n in counts.items() if n >= min_count and len(line) >= min_length]
    index = {line: i for i, line in enumerate(table)}
    return table, [[index.get(line, line) for line in lines] for _, lines, _ in popups]


def point_rows(lon: Sequence[float], lat: Sequence[float], popups: Sequence[Popup]
               ) -> dict[str, list]:
    """``{"lines": [...], "rows": [[lat, lon, 1, title, lines(, url)], …]}``: coordinates
    rounded to 1e-4°, repeated popup lines shared (:func:`shared_lines`)."""
    table, encoded = shared_lines(popups)
    rows = []
    for x, y, (title, _, url), lines in zip(lon, lat, popups, encoded, strict=True):
        row: list[object] = [round(float(y), COORD_DIGITS), round(float(x), COORD_DIGITS), 1,
                             title, lines]
        if url:
            row.append(url)
        rows.append(row)
    return {"lines": table, "rows": rows}


def cell_rows(lon: np.ndarray, lat: np.ndarray, cell: float) -> dict[str, list]:
    """``{"lines": [], "rows": [[lat, lon, count], …]}`` per grid cell (:func:`grid_cells`)."""
    x, y, counts = grid_cells(lon, lat, cell)
    return {"lines": [], "rows": [[round(float(b), COORD_DIGITS), round(float(a), COORD_DIGITS),
                                   int(n)] for a, b, n in zip(x, y, counts, strict=True)]}


# ---------------------------------------------------------------- selection

def selected_rows(data: Dataset, filters: Filters, key: str,
                  selection: indicators.Selection | None = None) -> pd.DataFrame:
    """The rows of layer ``key`` that ``filters`` keep (the indicators' selection):
    mobilisations done or planned in the period; upcoming events (any period) or past
    events of the period, with their relay status; sites of the sector and size filters.
    """
    sel = selection or indicators.select(data, filters)
    if key == "mobilisations":
        return data.actions[sel.done | sel.planned]
    if key in ("evenements_a_venir", "evenements_passes"):
        events = priorities.events_status(data, "region", filters)
        return events[events["a_venir"] == (key == "evenements_a_venir")]
    if key == "sites":
        return data.sites[sel.sites]
    raise KeyError(f"couche inconnue : {key}")


def in_scope(frame: pd.DataFrame, region: str | None, departement: str | None) -> pd.DataFrame:
    """Rows of one région and/or département (``None``: no restriction)."""
    keep = np.ones(len(frame), dtype=bool)
    if region:
        keep &= (frame["code_region"] == region).fillna(False).to_numpy(dtype=bool)
    if departement:
        keep &= (frame["code_departement"] == departement).fillna(False).to_numpy(dtype=bool)
    return frame[keep]


def _popups(frame: pd.DataFrame, key: str,
            type_label: Callable[[str], str]) -> list[Popup]:
    if key == "mobilisations":
        return action_popups(frame)
    if key == "sites":
        return site_popups(frame)
    return event_popups(frame, type_label)


def point_layer(frame: pd.DataFrame, key: str, bounds: Sequence[Sequence[float]], *,
                type_label: Callable[[str], str] = str, points_max: int = POINTS_MAX,
                drom: Sequence[str] = ()) -> PointLayer:
    """The layer ``key`` of the rows of ``frame`` (already selected and scoped): every
    point with its popup up to ``points_max`` points, else counts per grid cell sized on
    ``bounds`` (the view). ``drom``: codes of the DROM régions (points counted apart)."""
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    placed = np.isfinite(lon) & np.isfinite(lat)
    located = frame[placed]
    outre_mer = int(located["code_region"].isin(list(drom)).sum()) if drom else 0
    cell = 0.0
    if len(located) <= points_max:
        rows = point_rows(lon[placed], lat[placed], _popups(located, key, type_label))
        mode = POINTS
    else:
        cell = cell_size(bounds)
        rows = cell_rows(lon[placed], lat[placed], cell)
        mode = CELLS
    return PointLayer(POINT_LAYERS[key], mode, to_json(rows), int(placed.sum()),
                      len(rows["rows"]), int((~placed).sum()), outre_mer, cell)


# ---------------------------------------------------------------- folium

CLUSTER_JS = """var %(name)s = (function() {
  var spec = %(spec)s;
  var data = %(rows)s, rows = data.rows;
  function fmt(n) { return n.toLocaleString("fr-FR"); }
  function bubble(n) {
    var s = n < 10 ? 24 : n < 100 ? 30 : n < 1000 ? 36 : n < 10000 ? 42 : 48;
    return L.divIcon({html: "<div><span>" + fmt(n) + "</span></div>", iconSize: [s, s],
                      className: "influ-cluster influ-" + spec.key});
  }
  function popup(r) {
    if (r[2] > 1 || r.length < 4) {
      return "<b>" + fmt(r[2]) + " " + (r[2] > 1 ? spec.plural : spec.singular) +
        "</b><br>" + spec.cell;
    }
    var text = "<b>" + r[3] + "</b>";
    r[4].forEach(function(line) {
      text += "<br>" + (typeof line === "number" ? data.lines[line] : line);
    });
    if (r[5]) {
      text += '<br><a href="' + r[5] + '" target="_blank" rel="noopener noreferrer">' +
        spec.link + "</a>";
    }
    return '<div class="influ-popup">' + text + "</div>";
  }
  if (!%(map)s.getPane(spec.pane)) {
    %(map)s.createPane(spec.pane).style.zIndex = spec.z;
  }
  var group = L.markerClusterGroup({maxClusterRadius: 40, showCoverageOnHover: false,
    chunkedLoading: true, clusterPane: spec.pane, iconCreateFunction: function(cluster) {
      var n = 0;
      cluster.getAllChildMarkers().forEach(function(m) { n += m.options.poids; });
      return bubble(n);
    }});
  group.addLayers(rows.map(function(r) {
    var icon = r.length < 4 ? bubble(r[2]) :
      L.divIcon({className: "influ-point influ-" + spec.key, iconSize: [12, 12]});
    var marker = L.marker([r[0], r[1]], {icon: icon, poids: r[2], keyboard: false,
                                         pane: spec.pane});
    // A point is no territory: its click must not be read as one by the app.
    marker.toGeoJSON = function() { return null; };
    return marker.bindPopup(function() { return popup(r); }, {maxWidth: 320});
  }));
  return group;
})();
%(name)s.addTo(%(map)s);"""


class PlainScript(JSCSSMixin, MacroElement):
    """A map element whose script is plain text, never a Jinja template: its data may
    hold any text (a ``{{`` in a title) and is large. ``st_folium`` reads the script
    through ``_template.module.script`` like any folium element's; a figure render adds
    it as is, after the element's ``default_js`` and ``default_css`` links. Subclasses
    write ``_script``."""

    def __init__(self) -> None:
        super().__init__()
        self._template = SimpleNamespace(module=SimpleNamespace(script=self._script))

    def _script(self, this: object = None, kwargs: object = None) -> str:
        raise NotImplementedError

    def render(self, **kwargs: object) -> None:
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(folium.JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(folium.CssLink(url), name=name)
        figure.script.add_child(RawElement(self._script()), name=self.get_name())


class PointCluster(PlainScript):
    """One point layer clustered by Leaflet.markercluster, rendered from :class:`PointLayer`
    (a plain-text script: see :class:`PlainScript`)."""

    def __init__(self, layer: PointLayer) -> None:
        super().__init__()
        # Leaflet.markercluster and its animation styles; the colours are ours.
        self.default_js = list(MarkerCluster.default_js)
        self.default_css = [link for link in MarkerCluster.default_css
                            if link[0] == "markerclustercss"]
        self._name = "PointCluster"
        self.layer = layer

    def _script(self, this: object = None, kwargs: object = None) -> str:
        spec = self.layer.spec
        settings = {"key": spec.key, "plural": spec.plural, "singular": spec.singular,
                    "pane": spec.pane, "z": spec.z,
                    "link": LINK_TEXT, "cell": "dans ce secteur : choisissez une région ou "
                    "un département au-dessus de la carte pour voir chaque point."}
        return CLUSTER_JS % {"name": self.get_name(), "spec": to_json(settings),
                             "rows": self.layer.rows, "map": self._parent.get_name()}


def layer_css(specs: Iterable[LayerSpec]) -> str:
    """The ``<style>`` of the dots and cluster bubbles of ``specs``."""
    rules = [
        ".influ-point { border-radius: 50%; box-sizing: border-box; "
        "box-shadow: 0 0 0 1px rgba(0,0,0,.35); }",
        ".influ-cluster div { width: 100%; height: 100%; border-radius: 50%; display: flex; "
        "align-items: center; justify-content: center; box-sizing: border-box; "
        "border: 2px solid rgba(255,255,255,.85); box-shadow: 0 0 0 1px rgba(0,0,0,.3); "
        "font: 600 11px/1 sans-serif; }",
        ".influ-popup { font-size: 0.8rem; line-height: 1.35; }",
    ]
    for s in specs:
        inside, ring = ("#ffffff", f"3px solid {s.colour}") if s.hollow \
            else (s.colour, "2px solid #ffffff")
        rules.append(f".influ-point.influ-{s.key} {{ background: {inside}; border: {ring}; }}")
        rules.append(f".influ-cluster.influ-{s.key} div {{ background: {s.bubble}; "
                     f"color: {s.text}; }}")
    return "<style>" + "\n".join(rules) + "</style>"


def add_points(m: folium.Map, layers: Sequence[PointLayer]) -> None:
    """Add each layer to ``m`` (in order: later layers draw on top) with their style."""
    if not layers:
        return
    m.get_root().header.add_child(Element(layer_css(layer.spec for layer in layers)),
                                  name="influ_points_css")
    for layer in layers:
        PointCluster(layer).add_to(m)
