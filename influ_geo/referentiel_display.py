"""Display layers of the referential: régions, départements and EPCI for maps.

Each layer is dissolved from the cleaned commune coverage (``referentiel_geometry``)
with ``method="coverage"`` and simplified with ``shapely.coverage_simplify``, which
keeps every shared border identical (no slivers, no overlaps), then rounded to the
``DISPLAY_PRECISION`` grid.

Régions and départements are simplified as a hierarchy so that the two layers line
up exactly: the borders of régions (including coasts) are simplified once at
``SIMPLIFY_REGIONS``; départements reuse those borders vertex for vertex and only their
inner borders are simplified at ``SIMPLIFY_DEPARTEMENTS``; régions are then the union
of the simplified départements.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from influ_geo import config
from influ_geo.referentiel_geometry import CoverageError, round_coverage


def dissolve_level(polygons: gpd.GeoDataFrame, key: str) -> gpd.GeoSeries:
    """Union of a commune coverage per ``key`` (``"code_departement"`` ⇒ 101 shapes)."""
    return polygons[[key, "geometry"]].dissolve(key, method="coverage").geometry


def count_by(communes: pd.DataFrame, key: str) -> pd.DataFrame:
    """``population`` (sum) and ``nb_communes`` per ``key`` over every commune."""
    grouped = communes.groupby(key)
    return pd.DataFrame({"population": grouped["population"].sum(min_count=1),
                         "nb_communes": grouped.size().astype(np.int64)})


def vertex_keys(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct (polygon position, vertex) pair, vertices as ``x + iy`` complexes."""
    coords, index = shapely.get_coordinates(geometries, return_index=True)
    pairs = np.unique(np.column_stack([index, coords]), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1] + 1j * pairs[:, 2]


def junction_vertices(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Vertices where an inner border meets an outer one (shared by more inner polygons).

    On the border between two régions a vertex belongs to one département on each
    side; where a border between two départements of one région reaches it, to three.
    """
    _, inner_keys = vertex_keys(inner)
    _, outer_keys = vertex_keys(outer)
    values, inner_count = np.unique(inner_keys, return_counts=True)
    outer_values, outer_count = np.unique(outer_keys, return_counts=True)
    counted = np.clip(np.searchsorted(outer_values, values), 0, len(outer_values) - 1)
    on_outer = is_member(values, outer_values)
    return values[on_outer & (inner_count > outer_count[counted])]


def drop_vertices(geometry: shapely.Geometry, dropped: np.ndarray) -> shapely.Geometry:
    """``geometry`` without the vertices listed in ``dropped`` (``x + iy`` complexes)."""
    polygons = [_drop_in_polygon(part, dropped) for part in shapely.get_parts(geometry)]
    return shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]


def _drop_in_polygon(polygon: shapely.Polygon, dropped: np.ndarray) -> shapely.Polygon:
    rings = [_drop_in_ring(polygon.exterior, dropped)]
    rings += [_drop_in_ring(ring, dropped) for ring in polygon.interiors]
    return shapely.Polygon(rings[0], [ring for ring in rings[1:] if ring is not None])


def _drop_in_ring(ring: shapely.LinearRing, dropped: np.ndarray) -> np.ndarray | None:
    coords = np.asarray(ring.coords)[:-1]
    keep = ~is_member(coords[:, 0] + 1j * coords[:, 1], dropped)
    return coords[keep] if keep.sum() >= 3 else None


def is_member(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """``np.isin`` against an already sorted array (no re-sort per call)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    pos = np.clip(np.searchsorted(sorted_values, values), 0, len(sorted_values) - 1)
    return sorted_values[pos] == values


def simplify_nested(inner: gpd.GeoSeries, parent: pd.Series, inner_tolerance: float,
                    outer_tolerance: float) -> tuple[gpd.GeoSeries, gpd.GeoSeries]:
    """Simplify a two-level coverage so both levels share their borders exactly.

    ``inner`` (départements) is indexed by code, ``parent`` maps each inner code to its
    outer code (région). The outer borders are simplified at ``outer_tolerance`` and
    copied vertex for vertex into the inner shapes, whose own borders are then
    simplified at ``inner_tolerance``. Returns (inner, outer = union of inner), rounded.
    """
    groups = parent[inner.index].to_numpy()
    outer_raw = inner.groupby(groups).agg(shapely.coverage_union_all)
    _, border = vertex_keys(outer_raw.to_numpy())
    _, kept = vertex_keys(shapely.coverage_simplify(outer_raw.to_numpy(), outer_tolerance))
    protected = np.union1d(kept, junction_vertices(inner.to_numpy(), outer_raw.to_numpy()))
    reduced = drop_until_valid(inner, np.setdiff1d(border, protected), outer_tolerance)
    simple = pd.concat([
        pd.Series(shapely.coverage_simplify(group.to_numpy(), inner_tolerance,
                                            simplify_boundary=False), index=group.index)
        for _, group in reduced.groupby(groups)
    ]).reindex(inner.index)
    simple = gpd.GeoSeries(round_display(simple.to_numpy()), index=inner.index, crs=inner.crs)
    outer = simple.groupby(groups).agg(shapely.coverage_union_all)
    return simple, gpd.GeoSeries(outer, crs=inner.crs)


def drop_until_valid(shapes: gpd.GeoSeries, dropped: np.ndarray,
                     margin: float) -> gpd.GeoSeries:
    """Drop ``dropped`` vertices from a coverage; keep back those that break it.

    Raises ``CoverageError`` when ``shapes`` itself is not a valid coverage.

    Where an outer chord cuts across an inner border (an estuary whose mouth the
    région border skips while the border between two départements runs up it), the
    dropped vertices around the conflict are restored and the drop is retried.
    """
    while True:
        reduced = shapes.apply(drop_vertices, dropped=dropped)
        zones = conflict_zones(reduced.to_numpy(), margin)
        if zones is None:
            return reduced
        restored = shapely.intersects(zones, shapely.points(dropped.real, dropped.imag))
        if not restored.any():
            raise CoverageError("the coverage is invalid even with every vertex kept")
        dropped = dropped[~restored]


def conflict_zones(geometries: np.ndarray, margin: float) -> shapely.Geometry | None:
    """Boxes around the places where ``geometries`` is not a valid coverage, else None."""
    invalid_edges = shapely.coverage_invalid_edges(geometries)
    broken = invalid_edges[~shapely.is_empty(invalid_edges)]
    broken = np.concatenate([broken, geometries[~shapely.is_valid(geometries)]])
    if not len(broken):
        return None
    return shapely.union_all(shapely.buffer(shapely.envelope(broken), margin))


def round_display(geometries: np.ndarray) -> np.ndarray:
    """Snap vertices to the ``DISPLAY_PRECISION`` grid; shared vertices stay shared."""
    return round_coverage(geometries, config.DISPLAY_PRECISION)


def simplify_coverage(shapes: gpd.GeoSeries, tolerance: float) -> gpd.GeoSeries:
    """Coverage-simplify one level (shared borders stay identical), then round."""
    simple = shapely.coverage_simplify(shapes.to_numpy(), tolerance)
    return gpd.GeoSeries(round_display(simple), index=shapes.index, crs=shapes.crs)


def build_display_layers(polygons: gpd.GeoDataFrame, communes: pd.DataFrame,
                         names: dict[str, pd.DataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """régions, départements and EPCI layers.

    ``polygons``: cleaned commune coverage with ``code_departement, code_region,
    siren_epci``; ``communes``: every commune (population, codes), polygon or not;
    ``names``: ``code, nom`` (+ ``type``) per level.
    """
    parent = communes.groupby("code_departement")["code_region"].first()
    departements, regions = simplify_nested(
        dissolve_level(polygons, "code_departement"), parent,
        config.SIMPLIFY_DEPARTEMENTS, config.SIMPLIFY_REGIONS)
    epci = simplify_coverage(dissolve_level(polygons, "siren_epci"), config.SIMPLIFY_EPCI)
    return {
        "regions": _table(regions, "code_region", communes, names["regions"]),
        "departements": _table(departements, "code_departement", communes,
                               names["departements"], parent.rename("code_region")),
        "epci": _table(epci, "siren_epci", communes, names["epci"]),
    }


def _table(shapes: gpd.GeoSeries, key: str, communes: pd.DataFrame, names: pd.DataFrame,
           *extra: pd.Series) -> gpd.GeoDataFrame:
    """``key, nom, [code_region | type], population, nb_communes, geometry`` sorted by key."""
    named = names.set_index("code")
    frame = pd.DataFrame({key: shapes.index.to_numpy(), "nom": named["nom"].reindex(shapes.index)
                          .to_numpy()})
    for column in [*extra, *([named["type"]] if "type" in named else [])]:
        frame[column.name] = column.reindex(shapes.index).to_numpy()
    frame = frame.join(count_by(communes, key), on=key)
    layer = gpd.GeoDataFrame(frame, geometry=shapes.to_numpy(), crs=config.CRS_WGS84)
    return layer.sort_values(key).reset_index(drop=True)
