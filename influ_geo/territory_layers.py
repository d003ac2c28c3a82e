"""Polygons of every territory of the four levels, for maps at national scale.

One frame per level with the same columns whatever the level — ``code``, ``nom``,
``code_region`` (the région holding most of it), ``population`` and ``geometry``
(EPSG:4326) — so that « Où agir » and the slide exports draw régions, départements, EPCI
and Territoires d'industrie alike:

    territory_layer(data, "departement").iloc[0]   # code "01", nom "Ain", code_region "84"
    territory_layer(data, "ti")                    # one row per TI with an outline

- régions and départements: the display layers of the referential;
- EPCI: the display layer simplified again (``config.SIMPLIFY_EPCI_NATIONAL``) with
  ``shapely.coverage_simplify``, so that shared borders stay shared: 1,253 EPCI in 0.6 MB
  of GeoJSON instead of 3.3 MB;
- Territoires d'industrie: the union of the polygons of their communes (the
  ``territoires_industrie`` table of the data set), then coverage-simplified; a TI whose
  communes are unknown has no outline and is left out of the map (not of the ranking).
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd
import shapely

from influ_geo import config, referentiel
from influ_geo.dataset import Dataset, check_level
from influ_geo.referentiel_display import simplify_coverage

# Referential layer and code column of each level drawn from the shipped layers.
_REFERENTIAL: dict[str, tuple[str, str]] = {
    "region": ("regions", "code_region"),
    "departement": ("departements", "code_departement"),
    "epci": ("epci", "siren_epci"),
}
COLUMNS = ("code", "nom", "code_region", "population", "geometry")


def territory_layer(data: Dataset, level: str, *, fine: bool = False) -> gpd.GeoDataFrame:
    """Every territory of ``data.territories[level]`` that has an outline, in code order.

    ``fine=True`` keeps the EPCI of the display layer as they are (a map of one région);
    by default they are simplified for a map of France. Returns a new GeoDataFrame
    (EPSG:4326) with :data:`COLUMNS`; the caller must not modify it when it caches it.
    """
    check_level(level)
    shapes = ti_shapes(data.territoires_industrie) if level == "ti" \
        else referential_shapes(level, fine)
    territories = data.territories[level][["code", "nom", "code_region"]]
    out = territories.merge(shapes, on="code", how="inner", validate="one_to_one")
    return gpd.GeoDataFrame(out[list(COLUMNS)], geometry="geometry", crs=config.CRS_WGS84)


@cache
def referential_shapes(level: str, fine: bool = False) -> pd.DataFrame:
    """``code``, ``population``, ``geometry`` of a referential level (cached, read-only)."""
    name, code_col = _REFERENTIAL[level]
    layer = referentiel.load_layer(name)
    geometry = layer.geometry
    if level == "epci" and not fine:
        geometry = simplify_coverage(geometry, config.SIMPLIFY_EPCI_NATIONAL)
    return pd.DataFrame({"code": layer[code_col].astype(str).to_numpy(),
                         "population": layer["population"].to_numpy(),
                         "geometry": geometry.to_numpy()})


def ti_shapes(ti: pd.DataFrame | None) -> pd.DataFrame:
    """``code`` (``id_ti``), ``population``, ``geometry`` of each Territoire d'industrie.

    ``ti`` lists the communes of each TI (``code_insee``, ``id_ti``); a commune code that
    the referential does not know is ignored. ``None`` or empty ⇒ no row.
    """
    empty = pd.DataFrame({"code": pd.Series(dtype=str), "population": pd.Series(dtype="Int64"),
                          "geometry": pd.Series(dtype=object)})
    if ti is None or ti.empty:
        return empty
    members = ti[["code_insee", "id_ti"]].dropna().drop_duplicates("code_insee")
    polygons = referentiel.load_layer("communes_polygones")
    population = referentiel.communes().set_index("code_insee")["population"]
    joined = polygons.merge(members, on="code_insee", how="inner")
    if joined.empty:
        return empty
    joined["population"] = joined["code_insee"].map(population).to_numpy()
    grouped = joined.groupby("id_ti", sort=True)
    shapes = grouped["geometry"].agg(lambda s: shapely.coverage_union_all(s.to_numpy()))
    simple = simplify_coverage(gpd.GeoSeries(shapes, crs=config.CRS_WGS84), config.SIMPLIFY_TI)
    return pd.DataFrame({"code": shapes.index.astype(str),
                         "population": grouped["population"].sum(min_count=1).astype("Int64")
                         .to_numpy(),
                         "geometry": simple.to_numpy()})
