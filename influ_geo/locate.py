"""Point → commune: which current commune holds each WGS84 point.

``locate_points([2.2945], [48.8584])`` ⇒ ``["75056"]`` (the Eiffel Tower is in Paris);
a point at sea, abroad, or in Llívia ⇒ ``None``. Vectorised over arrays with one STRtree
of the commune polygons of the referential, built once per process.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from numpy.typing import ArrayLike

from influ_geo import config, referentiel

# Boxes (lon_min, lat_min, lon_max, lat_max) around each part of France, a little wide:
# metropole with Corsica, then the five DROM. A first cheap filter, and the test of a
# lat/lon swap; whether a point is in France is decided by the commune polygons.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "metropole": (-5.3, 41.3, 9.7, 51.2),
    "guadeloupe": (-61.9, 15.8, -60.9, 16.6),
    "martinique": (-61.3, 14.3, -60.7, 14.95),
    "guyane": (-54.7, 2.0, -51.5, 5.9),
    "reunion": (55.1, -21.45, 55.9, -20.8),
    "mayotte": (44.9, -13.1, 45.4, -12.5),
}


def in_france_boxes(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where ``(lon, lat)`` falls in one of ``FRANCE_BOXES``; NaN ⇒ False.

    ``in_france_boxes([2.35, 48.85], [48.85, 2.35])`` ⇒ ``[True, False]``.
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for lon_min, lat_min, lon_max, lat_max in FRANCE_BOXES.values():
        inside |= (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)
    return inside


@cache
def _commune_tree() -> tuple[shapely.STRtree, np.ndarray]:
    """The STRtree of the commune polygons and the ``code_insee`` of each (cached)."""
    layer = referentiel.load_layer("communes_polygones")
    geometries = layer.geometry.to_numpy()
    shapely.prepare(geometries)
    return shapely.STRtree(geometries), layer["code_insee"].to_numpy(dtype=object)


def locate_points(
    lon: ArrayLike, lat: ArrayLike, tolerance: float | None = None
) -> np.ndarray:
    """The ``code_insee`` of the commune holding each point, ``None`` where there is none.

    Parameters
    ----------
    lon, lat
        WGS84 degrees, same length; NaN allowed (⇒ ``None``).
    tolerance
        Degrees; a point in no polygon takes the nearest commune within this distance
        (coastal points just offshore of the simplified coastline). Default
        ``config.LOCATE_TOLERANCE_DEG``; ``0`` disables it.

    Returns
    -------
    An ``object`` array of codes (``"75056"``, ``"2A004"``, ``"97411"``) or ``None``. A point
    on a border shared by two communes takes the first in ``code_insee`` order.
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    codes = np.full(lon.shape, None, dtype=object)
    candidates = np.flatnonzero(in_france_boxes(lon, lat))
    if candidates.size == 0:
        return codes
    tree, tree_codes = _commune_tree()
    points = shapely.points(lon[candidates], lat[candidates])
    found = _containing(tree, points)
    codes[candidates[found >= 0]] = tree_codes[found[found >= 0]]
    tolerance = config.LOCATE_TOLERANCE_DEG if tolerance is None else tolerance
    if tolerance > 0 and (found < 0).any():
        missing = np.flatnonzero(found < 0)
        near = _nearest(tree, points[missing], tolerance)
        hit = near >= 0
        codes[candidates[missing[hit]]] = tree_codes[near[hit]]
    return codes


def _containing(tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """Index in the tree of the first polygon holding each point, ``-1`` for none."""
    point_idx, tree_idx = tree.query(points, predicate="intersects")
    found = np.full(len(points), -1, dtype=np.int64)
    order = np.lexsort((tree_idx, point_idx))
    point_idx, tree_idx = point_idx[order], tree_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    found[point_idx[first]] = tree_idx[first]
    return found


def _nearest(tree: shapely.STRtree, points: np.ndarray, tolerance: float) -> np.ndarray:
    """Index of the nearest polygon within ``tolerance`` degrees, ``-1`` for none."""
    point_idx, tree_idx = tree.query_nearest(points, max_distance=tolerance, all_matches=False)
    found = np.full(len(points), -1, dtype=np.int64)
    found[point_idx] = tree_idx
    return found
