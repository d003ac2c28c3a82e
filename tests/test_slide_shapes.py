"""Outlines prepared once for the slides: paths that keep every ring, projected as
geopandas projects them, and a cache that never hands back another set's outlines."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import shapely
from matplotlib.path import Path

from influ_geo import referentiel, slide_shapes

SQUARE = shapely.box(0, 0, 1, 1)
WITH_HOLE = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))
ISLANDS = shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.box(12, 12, 13, 13)])


def rings(path: Path) -> list[np.ndarray]:
    """The vertices of each sub-path (one per ring)."""
    starts = [*np.flatnonzero(path.codes == Path.MOVETO), len(path.vertices)]
    return [path.vertices[a:b] for a, b in pairwise(starts)]


def test_one_path_per_geometry_and_one_sub_path_per_ring() -> None:
    square, hole, islands, missing = slide_shapes.paths_of(
        np.array([SQUARE, WITH_HOLE, ISLANDS, None], dtype=object))
    assert [len(r) for r in rings(square)] == [5]
    assert [len(r) for r in rings(hole)] == [5, 5]
    assert np.allclose(rings(hole)[1], shapely.get_coordinates(WITH_HOLE.interiors[0]))
    assert [r[0].tolist() for r in rings(islands)] == [[11.0, 10.0], [13.0, 12.0]]
    assert len(missing.vertices) == 0


def test_polygons_alone_give_the_same_paths() -> None:
    (alone,) = slide_shapes.paths_of(np.array([WITH_HOLE], dtype=object))
    mixed = slide_shapes.paths_of(np.array([WITH_HOLE, ISLANDS], dtype=object))[0]
    assert np.array_equal(alone.vertices, mixed.vertices)
    assert np.array_equal(alone.codes, mixed.codes)


def test_projected_like_geopandas_and_cached_per_set_of_outlines() -> None:
    regions = referentiel.load_layer("regions")
    bretagne = regions[regions["code_region"] == "53"]
    shapes = slide_shapes.projected(bretagne.geometry, 2154)
    expected = bretagne.to_crs(epsg=2154)
    assert shapes.bounds == pytest.approx(tuple(expected.total_bounds))
    assert shapely.equals_exact(shapes.geometries[0], expected.geometry.iloc[0], tolerance=1e-6)
    assert slide_shapes.projected(bretagne.geometry.copy(), 2154) is shapes
    assert slide_shapes.projected(bretagne.geometry, 2154).paths[0].readonly
    other = slide_shapes.projected(regions[regions["code_region"] == "52"].geometry, 2154)
    assert other is not shapes and other.bounds != shapes.bounds
    assert slide_shapes.projected(bretagne.geometry, 5490).bounds != shapes.bounds


def test_subset_keeps_the_outlines_chosen() -> None:
    shapes = slide_shapes.projected([SQUARE, ISLANDS], 4326)
    chosen = shapes.subset(np.array([False, True]))
    assert chosen.paths == (shapes.paths[1],)
    assert chosen.bounds == pytest.approx((10.0, 10.0, 13.0, 13.0))
