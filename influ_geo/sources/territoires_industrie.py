"""Territoires d'industrie (ANCT, phase 2023–2027): the commune list and its layer.

The official file lists one commune per row on the 2023 COG::

    insee_com,lib_com,id_ti,lib_ti
    01010,Anglefort,ti-8418,Rumilly Usses et Rhône

Its separator and encoding are not documented, so both are detected. Each code is
checked against the referential: a current commune is kept; a former code (commune
déléguée or associée, arrondissement) is mapped to today's commune with a warning; an
unknown code is rejected. ``dissolve_territoires`` builds the territory layer by
merging the commune polygons of each territory.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from influ_geo import config, readers, referentiel
from influ_geo.report import ImportReport
from influ_geo.sources import values as v

SOURCE = "anct"
# A Territoire d'industrie groups a few EPCIs: display it with the EPCI tolerance.
SIMPLIFY_TI = config.SIMPLIFY_EPCI

TI_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code_insee": ("insee_com", "code_insee", "codgeo", "insee", "code_commune", "com"),
    "commune_nom": ("lib_com", "libelle_commune", "nom_commune", "commune", "libgeo"),
    "id_ti": ("code_terr_ind", "code_ti", "identifiant_ti", "id_territoire"),
    "lib_ti": ("nom_ti", "libelle_ti", "lib_terr_ind", "nom_territoire", "territoire"),
}
TI_COLUMNS = ["source", "code_insee", "commune_nom", "id_ti", "lib_ti"]


class TerritoiresFormatError(ValueError):
    """The file lacks the columns of the list; the message is one French line."""


def read_territoires_industrie(path: Path | str) -> pd.DataFrame:
    """The list as text columns, headers renamed (``insee_com`` ⇒ ``code_insee``)."""
    frame, _ = readers.read_canonical(path, TI_SYNONYMS)
    return frame


def normalize_territoires_industrie(raw: pd.DataFrame, report: ImportReport,
                                    communes: pd.DataFrame | None = None,
                                    anciennes: pd.DataFrame | None = None,
                                    source: str = SOURCE) -> pd.DataFrame:
    """Check the list against the referential; one row per (commune, territory).

    Parameters
    ----------
    raw: text cells (``insee_com, lib_com, id_ti, lib_ti`` or synonyms).
    report: rejected rows (unknown or invalid code, no ``id_ti``) and warnings
        (former code mapped, duplicate merged, commune in two territories).
    communes, anciennes: referential tables (default: ``referentiel.communes()`` and
        ``referentiel.load_table("communes_anciennes")``).

    Returns
    -------
    ``source, code_insee, commune_nom, id_ti, lib_ti`` (codes ``str``; ``commune_nom``
    is today's official name). Raises ``TerritoiresFormatError`` if the code or the
    territory column is missing.
    """
    raw = raw.rename(columns=readers.canonical_columns(raw.columns, TI_SYNONYMS))
    missing = [c for c in ("code_insee", "id_ti") if c not in raw.columns]
    if missing:
        raise TerritoiresFormatError(
            "colonnes absentes : " + ", ".join(missing) + " (attendu : insee_com, lib_com, "
            "id_ti, lib_ti)")
    names = _current_names(communes)
    mapping = _former_codes(anciennes, names)
    raw = raw.reset_index(drop=True)
    report.rows_read = len(raw)
    lines = np.arange(len(raw)) + 2
    codes, errors = v.map_cells(v.column(raw, "code_insee"), v.code_insee)
    id_ti = v.map_cells(v.column(raw, "id_ti"), v.clean_text)[0]
    reasons = _reasons(codes, errors, id_ti, names, mapping)
    kept = reasons.isna().to_numpy()
    former = (codes.isin(mapping.keys()) & ~codes.isin(names.keys())).to_numpy() & kept
    notes = v.spill_warnings(raw) + [(int(lines[i]), _renamed(codes[i], mapping, names))
                                     for i in np.flatnonzero(former)]
    for line, note in sorted(notes, key=lambda item: item[0]):
        report.warn(line, note)
    for i in np.flatnonzero(~kept):
        report.reject(int(lines[i]), str(reasons[i]), v.raw_record(raw.iloc[i].to_dict()))
    current = codes.map(lambda c: mapping[c][0] if c in mapping else c)
    frame = pd.DataFrame({"source": source, "code_insee": current,
                          "commune_nom": current.map(names), "id_ti": id_ti,
                          "lib_ti": v.map_cells(v.column(raw, "lib_ti"), v.clean_text)[0]})
    return _finish(frame[kept].reset_index(drop=True), list(lines[kept]), report)


def _reasons(codes: pd.Series, errors: pd.Series, id_ti: pd.Series, names: dict[str, str],
             mapping: dict[str, tuple]) -> pd.Series:
    """The first problem of each row: invalid or missing code, no territory, unknown code."""
    unknown = [None if c is None or c in names or c in mapping else
               f"code INSEE « {c} » inconnu du référentiel (ni commune actuelle ni ancienne "
               "commune)" for c in codes]
    return v.first_problem(errors, _where(codes.isna(), "code INSEE de la commune manquant"),
                           _where(id_ti.isna(), "identifiant du territoire (id_ti) manquant"),
                           pd.Series(unknown, dtype=object))


def _renamed(code: str, mapping: dict[str, tuple], names: dict[str, str]) -> str:
    """``"01039 (Béon) est aujourd'hui rattachée à 01138 (Culoz-Béon)"``."""
    new, old = mapping[code]
    return f"{code} ({old}) est aujourd'hui rattachée à {new} ({names[new]})"


def _where(condition: pd.Series, message: str) -> pd.Series:
    return pd.Series(np.where(condition, message, None), dtype=object)


def _current_names(communes: pd.DataFrame | None) -> dict[str, str]:
    table = referentiel.communes() if communes is None else communes
    return dict(zip(table["code_insee"], table["nom"], strict=True))


def _former_codes(anciennes: pd.DataFrame | None, names: dict[str, str]) -> dict[str, tuple]:
    """Former code ⇒ (today's code, former name), for codes that are not current ones."""
    table = referentiel.load_table("communes_anciennes") if anciennes is None else anciennes
    table = table[~table["code_ancien"].isin(names.keys())]
    return {code: (new, old) for code, new, old in
            zip(table["code_ancien"], table["code_insee"], table["nom_ancien"], strict=True)}


def _finish(frame: pd.DataFrame, lines: list[int], report: ImportReport) -> pd.DataFrame:
    """Merge repeated (commune, territory) pairs; flag communes in several territories."""
    frame["_line"] = lines
    duplicated = frame.duplicated(["code_insee", "id_ti"])
    first = frame.groupby(["code_insee", "id_ti"])["_line"].transform("first")
    for line, kept in zip(frame.loc[duplicated, "_line"], first[duplicated], strict=True):
        report.warn(int(line), f"doublon de la ligne {int(kept)} : fusionné")
    frame = frame.loc[~duplicated]
    shared = frame[frame.groupby("code_insee")["id_ti"].transform("nunique") > 1]
    for code, group in shared.groupby("code_insee"):
        report.warn(int(group["_line"].iloc[-1]), f"la commune {code} appartient à "
                    f"plusieurs territoires : {', '.join(group['id_ti'])}")
    frame["lib_ti"] = frame.groupby("id_ti")["lib_ti"].transform("first")
    report.rows_merged += int(duplicated.sum())
    report.rows_kept = len(frame)
    return frame.drop(columns="_line").reset_index(drop=True).astype("str")


def dissolve_territoires(ti_frame: pd.DataFrame,
                         polygons: gpd.GeoDataFrame | None = None,
                         communes: pd.DataFrame | None = None,
                         tolerance: float = SIMPLIFY_TI) -> gpd.GeoDataFrame:
    """The territory layer: one simplified (multi)polygon per Territoire d'industrie.

    Parameters
    ----------
    ti_frame: ``code_insee, id_ti, lib_ti`` (as from ``normalize_territoires_industrie``).
    polygons: cleaned commune polygons ``code_insee, geometry`` (default: the
        referential's ``communes_polygones``, a valid coverage).
    communes: ``code_insee, population`` (default: ``referentiel.communes()``).
    tolerance: coverage simplification in degrees (shared borders stay identical),
        then coordinates are rounded to ``config.DISPLAY_PRECISION``.

    Returns
    -------
    GeoDataFrame ``id_ti, lib_ti, nb_communes, population, geometry`` in EPSG:4326,
    sorted by ``id_ti``. A commune without polygon counts but adds no surface.
    """
    polygons = referentiel.load_layer("communes_polygones") if polygons is None else polygons
    communes = referentiel.communes() if communes is None else communes
    members = ti_frame[["code_insee", "id_ti", "lib_ti"]].drop_duplicates(["code_insee", "id_ti"])
    stats = _stats(members, communes)
    shapes = members.merge(polygons[["code_insee", "geometry"]], on="code_insee", how="inner")
    geometry = {key: shapely.coverage_union_all(group["geometry"].to_numpy())
                for key, group in shapes.groupby("id_ti")}
    layer = stats.assign(geometry=[geometry.get(k) for k in stats["id_ti"]])
    layer = gpd.GeoDataFrame(layer, geometry="geometry", crs=config.CRS_WGS84)
    overlapping = members["code_insee"].duplicated().any()
    layer["geometry"] = _simplify(layer.geometry.to_numpy(), tolerance, overlapping)
    return layer


def _stats(members: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    population = members.merge(communes[["code_insee", "population"]], on="code_insee",
                               how="left")
    stats = population.groupby("id_ti", sort=True).agg(
        lib_ti=("lib_ti", "first"), nb_communes=("code_insee", "nunique"),
        population=("population", "sum"))
    stats["population"] = stats["population"].astype("Int64")
    return stats.reset_index()


def _simplify(geometries: np.ndarray, tolerance: float, overlapping: bool) -> np.ndarray:
    """Coverage simplification (borders shared by two territories stay identical); when
    territories overlap (one commune in two) they are no coverage: simplify each alone."""
    present = ~shapely.is_missing(geometries)
    out = geometries.copy()
    if overlapping:
        out[present] = shapely.simplify(geometries[present], tolerance, preserve_topology=True)
    else:
        out[present] = shapely.coverage_simplify(geometries[present], tolerance)
    out[present] = shapely.set_precision(out[present], config.DISPLAY_PRECISION,
                                         mode="pointwise")
    return out
