"""Géorisques classified installations (ICPE) in their three published shapes.

- API v1 pages (``/api/v1/installations_classees``): ``{"results": 2, "page": 1,
  "data": [{"codeAIOT": "0003205293", "raisonSociale": "…", "statutSeveso": "Seveso
  seuil haut" | "1", "longitude": null, "coordonneeXAIOT": 652469.1, …}]}``; a file
  may hold one page, a list of pages or a list of records, and a folder several files;
- the WFS CSV export and the shapefile zip of layer ``InstallationsClassees``, whose
  attribute names are cut to 10 characters: ``code_aiot, nom_ets, adresse, cd_postal,
  cd_insee, commune, code_naf, lib_naf, num_siret, cd_regime, lib_regime, seveso,
  lib_seveso, x, y, code_epsg, date_modif, url_fiche``… (older S3IC extracts:
  ``code_s3ic, nomcommune, regime`` and Seveso ``NS``/``SB``/``SH``).

``read_icpe`` returns the raw text columns; ``normalize_icpe`` renames them through
``ICPE_SYNONYMS`` (header spellings are compared without case or separators, so
``codeAIOT`` and ``code_aiot`` are one) and builds canonical ``sites`` (source
``icpe``, ``source_id`` = code AIOT).
"""

from __future__ import annotations

import math
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from influ_geo import config, input_checks, readers, safe_zip
from influ_geo.report import ImportReport
from influ_geo.sources.site_frame import (
    LINE,
    checked_pairs,
    clean_siret,
    clean_text,
    empty_sites,
    fill_missing_names,
    fill_naf,
    finalize_sites,
    in_france,
    join_text,
    parse_dates,
    parse_number,
    to_wgs84,
    warn_lost_points,
    warn_spilled,
    web_links,
)
from influ_geo.textnorm import normalize_codes_insee, normalize_postcodes

FICHE_URL = "https://www.georisques.gouv.fr/risques/installations/donnees/details/{}"
JSON_RECORD = " (n° d'enregistrement JSON)"
# The 10-character cut of long names (``priorite_n``) is covered by the spellings.
ICPE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code_aiot": ("codeAIOT", "code_s3ic", "aiot", "identifiant"),
    "nom": ("raisonSociale", "nom_ets", "nom_etablissement", "raison_sociale"),
    "adresse": ("adresse",),
    "adresse1": ("adresse1",), "adresse2": ("adresse2",), "adresse3": ("adresse3",),
    "code_postal": ("codePostal", "cd_postal"),
    "code_insee": ("codeInsee", "cd_insee", "code_commune"),
    "commune": ("nomcommune", "libelle_commune"),
    "naf_code": ("codeNaf", "code_naf"),
    "naf_texte": ("lib_naf", "libelleNaf"),
    "siret": ("num_siret", "numero_siret"),
    "regime_texte": ("lib_regime",),
    "regime_code": ("regime", "cd_regime"),
    "seveso_texte": ("lib_seveso",),
    "seveso_code": ("statutSeveso", "seveso"),
    "etat": ("etatActivite", "etat_activite"),
    "lon": ("longitude",), "lat": ("latitude",),
    "x": ("coordonneeXAIOT", "coordonnee_x"), "y": ("coordonneeYAIOT", "coordonnee_y"),
    "epsg": ("systemeCoordonneesAIOT", "code_epsg", "epsg"),
    "lon_geometrie": ("longitude_geometrie",), "lat_geometrie": ("latitude_geometrie",),
    "date_maj": ("dateMaj", "date_modif", "date_mise_a_jour"),
    "url": ("url_fiche", "urlFiche"),
}
SEVESO = {"1": "Seveso seuil haut", "2": "Seveso seuil bas", "3": "Non Seveso",
          "SH": "Seveso seuil haut", "SB": "Seveso seuil bas", "NS": "Non Seveso",
          "SEVESO SEUIL HAUT": "Seveso seuil haut", "SEVESO SEUIL BAS": "Seveso seuil bas",
          "NON SEVESO": "Non Seveso"}
REGIMES = {"A": "Autorisation", "E": "Enregistrement", "D": "Déclaration",
           "DC": "Déclaration avec contrôle", "NC": "Non classé"}


class IcpeFormatError(ValueError):
    """The file is none of the ICPE shapes; the message is one French line."""


def read_icpe(path: Path | str) -> pd.DataFrame:
    """The raw installations of an API page file (or a folder of them), a WFS CSV export
    or a shapefile zip; every cell as text, ``_ligne`` = spreadsheet line (JSON: record
    number). ``attrs["format"]`` is ``"api"``, ``"csv"`` or ``"shapefile"``."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == ".json":
        raw, kind = _read_json_pages(path), "api"
    elif zipfile.is_zipfile(path) and _has_shapefile(path):
        raw, kind = _read_shapefile(path), "shapefile"
    else:
        raw = readers.read_table(path)
        raw[LINE] = raw.index + 2
        kind = "csv"
    raw.attrs["format"] = kind
    return raw


def _read_json_pages(path: Path) -> pd.DataFrame:
    """Records of every page, in order; nested lists (rubriques, inspections) left out."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    records: list[dict[str, object]] = []
    for file in files:
        try:
            document = input_checks.load_json(file)
        except readers.UnreadableInput as error:
            raise IcpeFormatError(str(error)) from error
        records += _records(document, file.name)
    rows = [{k: _json_text(v) for k, v in r.items() if not isinstance(v, list | dict)}
            for r in records]
    raw = pd.DataFrame(rows, dtype="str")
    raw[LINE] = range(1, len(raw) + 1)
    return raw


def _records(document: object, name: str) -> list[dict[str, object]]:
    """``{"data": [...]}``, ``[{"data": [...]}, …]`` or ``[{…record…}, …]`` ⇒ records."""
    pages = document if isinstance(document, list) else [document]
    records = []
    for page in pages:
        if isinstance(page, dict) and isinstance(page.get("data"), list):
            records += [r if isinstance(r, dict) else {} for r in page["data"]]
        elif isinstance(page, dict):
            records.append(page)
        else:
            raise IcpeFormatError(f"{name} : ni page de l'API Géorisques ni liste d'installations.")
    return records


def _json_text(value: object) -> str | None:
    """A JSON scalar as text: ``652469.0`` ⇒ ``"652469.0"``, ``true`` ⇒ ``"true"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _has_shapefile(path: Path) -> bool:
    """True for a zip holding a ``.shp``; ``safe_zip.UnsafeArchive`` for a zip bomb or a
    shapefile beyond ``config.ARCHIVE_IN_MEMORY_MAX_MB`` (GDAL reads it whole)."""
    infos = safe_zip.check_zip(path, config.ARCHIVE_IN_MEMORY_MAX_MB)
    return any(info.filename.lower().endswith(".shp") for info in infos)


def _read_shapefile(path: Path) -> pd.DataFrame:
    """Attributes as text plus the point geometry in WGS84 (``longitude_geometrie``…)."""
    import geopandas as gpd
    from pyogrio.errors import DataSourceError

    try:
        layer = gpd.read_file(path, engine="pyogrio")
    except DataSourceError as error:
        raise IcpeFormatError(f"{path.name} : shapefile illisible ({error}).") from error
    raw = pd.DataFrame({c: layer[c].map(_cell_text) for c in layer.columns
                        if c != layer.geometry.name}, dtype="str")
    if layer.crs is not None and not layer.geometry.is_empty.all():
        points = layer.geometry.to_crs("EPSG:4326")
        raw["longitude_geometrie"] = points.x.map(repr).where(points.notna())
        raw["latitude_geometrie"] = points.y.map(repr).where(points.notna())
    raw[LINE] = raw.index + 2
    return raw


def _cell_text(value: object) -> str | None:
    """A DBF value as text: ``64204389700049.0`` ⇒ ``"64204389700049"``; dates ISO."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e7:
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def normalize_icpe(raw: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """Canonical ``sites`` from ``read_icpe``; rejected rows go to ``report`` with their line.

    Seveso status accepts labels, API codes ``1/2/3`` and S3IC codes ``SH/SB/NS``;
    positions come from ``longitude/latitude`` when they fall in France, else from
    x/y in the row's EPSG, else from the shapefile geometry.
    """
    label = JSON_RECORD if raw.attrs.get("format") == "api" else ""
    original = raw
    raw = raw.rename(columns=readers.canonical_columns(raw.columns, ICPE_SYNONYMS))
    report.rows_read += len(raw)
    warn_spilled(raw, report)
    col = _columns(raw)
    sites = empty_sites(raw.index)
    sites[LINE] = raw[LINE]
    sites["source"] = "icpe"
    code = clean_text(col("code_aiot")).str.upper()
    code = code.where(~code.str.fullmatch(r"\d{1,9}").fillna(False), code.str.zfill(10))
    sites["source_id"] = sites["code_aiot"] = code
    sites["nom"] = clean_text(col("nom"))
    sites["siret"] = clean_siret(col("siret"), sites[LINE], report, label)
    _fill_activity(sites, col)
    _fill_address(sites, col)
    _fill_coordinates(sites, col, report, label)
    warn_lost_points(sites, col("x"), col("y"), col("epsg"), report, label)
    given = web_links(clean_text(col("url")), sites[LINE], report, label)
    sites["url"] = given.fillna(code.map(FICHE_URL.format, na_action="ignore"))
    sites["date_maj"] = parse_dates(col("date_maj"), sites[LINE], report, label)
    sites["_etat"] = _etat(col("etat"))
    out = finalize_sites(sites, original, report, id_label="code AIOT", record_label=label)
    return fill_missing_names(out, "Installation")


def _columns(raw: pd.DataFrame):
    """``col(name)``: the column renamed ``name``, or an empty text column."""
    empty = pd.Series(pd.NA, index=raw.index, dtype="str")
    return lambda name: raw[name] if name in raw.columns else empty


def _fill_activity(sites: pd.DataFrame, col) -> None:
    """NAF (full code or division only), regime and Seveso status in clear."""
    fill_naf(sites, clean_text(col("naf_code")), clean_text(col("naf_texte")))
    regime_code = clean_text(col("regime_code"))
    regime = clean_text(col("regime_texte")).fillna(
        regime_code.str.upper().map(REGIMES).fillna(regime_code))
    sites["regime"] = regime
    seveso = clean_text(col("seveso_texte")).fillna(clean_text(col("seveso_code")))
    sites["seveso"] = seveso.str.upper().map(SEVESO).fillna(seveso).astype("str")


def _fill_address(sites: pd.DataFrame, col) -> None:
    """``adresse`` (shapefile) or ``adresse1, adresse2, adresse3`` (API), postcode, commune."""
    api = join_text([col("adresse1"), col("adresse2"), col("adresse3")], ", ")
    sites["adresse"] = clean_text(col("adresse")).fillna(api)
    sites["code_postal"] = normalize_postcodes(clean_text(col("code_postal"))).astype("str")
    sites["commune"] = clean_text(col("commune"))
    sites["code_insee"] = normalize_codes_insee(clean_text(col("code_insee"))).astype("str")


def _fill_coordinates(sites: pd.DataFrame, col, report: ImportReport, label: str) -> None:
    """WGS84 pair if inside France (swapped pairs set right), else projected x/y (per-row
    EPSG), else geometry; a pair dropped or swapped is warned about at its line."""
    lon, lat = checked_pairs(col("lon"), col("lat"), sites[LINE], report, label)
    x_lon, y_lat = to_wgs84(col("x"), col("y"), col("epsg"))
    geo_lon, geo_lat = parse_number(col("lon_geometrie")), parse_number(col("lat_geometrie"))
    geo_inside = in_france(geo_lon, geo_lat)
    sites["lon"] = lon.fillna(x_lon).fillna(geo_lon.where(geo_inside))
    sites["lat"] = lat.fillna(y_lat).fillna(geo_lat.where(geo_inside))


def _etat(values: pd.Series) -> pd.Series:
    """``"En exploitation avec titre"`` ⇒ ``"actif"``; ``"À l'arrêt définitif"`` ⇒ ``"ferme"``."""
    text = clean_text(values).str.lower()
    etat = pd.Series(pd.NA, index=values.index, dtype="str")
    etat = etat.mask(text.str.contains("exploitation", na=False), "actif")
    return etat.mask(text.str.contains("arrêt|arret|cessation", na=False, regex=True), "ferme")


def load_icpe(path: Path | str, report: ImportReport) -> pd.DataFrame:
    """Read and normalise: the whole ICPE import of one file."""
    return normalize_icpe(read_icpe(path), report)
