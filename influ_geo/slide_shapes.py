"""Territory outlines prepared once per process for the static slides: projected, and
turned into matplotlib paths drawn as one collection per map.

No streamlit. Drawing a slide used to project every part (``GeoDataFrame.to_crs``) and
build one matplotlib ``Patch`` per territory (``GeoDataFrame.plot``) at each export: about
two thirds of the time of a 1,253-EPCI slide. The outlines do not change with the filters
(only the colours do), so the projected geometries and their paths are kept per
(CRS, geometries) and each slide only hands new colours to one ``PathCollection``:

    shapes = projected(view.frame.geometry, 2154)     # Lambert-93; cached
    ax.add_collection(shapes.collection(colours, edgecolor="#ffffff", linewidth=0.5))
    shapes.bounds                                      # (west, south, east, north) in metres

The cache key holds the geometries themselves (shapely geometries hash and compare by
value), so another set of outlines — a région's EPCI, the detailed layer, Territoires
d'industrie rebuilt from a new file — is another entry, never a stale one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.collections import PathCollection
from matplotlib.path import Path

from influ_geo import config

# Distinct sets of outlines kept: levels × parts (metropole, five DROM) × région maps.
CACHE_ENTRIES = 96


@dataclass(frozen=True, eq=False)
class Shapes:
    """Projected outlines, in the order given: ``geometries`` (shapely, projected CRS),
    one closed ``Path`` per geometry (holes and islands as sub-paths), and ``bounds``."""

    geometries: np.ndarray
    paths: tuple[Path, ...]
    bounds: tuple[float, float, float, float]

    def collection(self, colours: Sequence[str] | str, edgecolor: str, linewidth: float,
                   zorder: float = 1) -> PathCollection:
        """One collection drawing every outline: ``colours`` one per path, or one for all
        (``"none"`` draws the borders only)."""
        return PathCollection(list(self.paths), facecolors=colours, edgecolors=edgecolor,
                              linewidths=linewidth, zorder=zorder)

    def subset(self, mask: np.ndarray) -> Shapes:
        """The outlines where ``mask`` is true (e.g. the territories to outline)."""
        keep = np.flatnonzero(mask)
        geometries = self.geometries[keep]
        return Shapes(geometries, tuple(self.paths[i] for i in keep), _bounds(geometries))


def projected(geometries: gpd.GeoSeries | Sequence, epsg: int) -> Shapes:
    """The outlines of ``geometries`` (EPSG:4326) projected to ``epsg``, as
    :class:`Shapes`; computed once per distinct (geometries, ``epsg``)."""
    values = geometries.to_numpy() if hasattr(geometries, "to_numpy") else geometries
    return _projected(tuple(values), int(epsg))


@lru_cache(maxsize=CACHE_ENTRIES)
def _projected(geometries: tuple, epsg: int) -> Shapes:
    source = gpd.GeoSeries(list(geometries), crs=config.CRS_WGS84)
    shown = source.to_crs(epsg=epsg).to_numpy()
    return Shapes(shown, paths_of(shown), _bounds(shown))


def _bounds(geometries: np.ndarray) -> tuple[float, float, float, float]:
    """``(west, south, east, north)``; NaN for no geometry."""
    if len(geometries) == 0:
        return (np.nan,) * 4
    west, south, east, north = shapely.total_bounds(geometries)
    return (float(west), float(south), float(east), float(north))


def paths_of(geometries: np.ndarray) -> tuple[Path, ...]:
    """One matplotlib path per (Multi)Polygon: each ring a sub-path (``MOVETO`` then
    ``LINETO``), as ``geopandas`` plots them; a missing or empty geometry ⇒ an empty
    path. ``[box(0, 0, 1, 1)]`` ⇒ one path of 5 vertices."""
    if len(geometries) == 0:
        return ()
    kind, coords, offsets = shapely.to_ragged_array(np.asarray(geometries, dtype=object))
    if kind == shapely.GeometryType.POLYGON:  # no MultiPolygon among them: one part each
        (rings, polygons), parts = offsets, np.arange(len(geometries) + 1)
    else:
        rings, polygons, parts = offsets
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[rings[:-1]] = Path.MOVETO
    # Vertex range of each geometry: from its first polygon's first ring to the next's.
    starts = rings[polygons[parts]]
    return tuple(Path(coords[a:b], codes[a:b], readonly=True)
                 for a, b in pairwise(starts))
