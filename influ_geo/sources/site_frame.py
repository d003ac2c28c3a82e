"""What the three site importers (ICPE, Sirene, IREP) share: the canonical ``sites``
frame, text and coordinate cleaning, rejections and the merge of duplicates.

Each ``normalize_*`` builds a frame with the columns of ``SITE_COLUMNS`` plus
``_ligne`` (the spreadsheet line of the raw row), then calls ``finalize_sites``.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
from pyproj import Transformer
from pyproj.exceptions import CRSError

from influ_geo import config, naf, schema
from influ_geo.report import ImportReport
from influ_geo.sources import values as v
from influ_geo.table_repairs import NOTES

LINE = "_ligne"
# Filled by the geocoding chain and the store, not by the site importers.
_ADDED_LATER = {"id", "import_id", "commune_nom", "code_departement", "code_region",
                "siren_epci", "id_ti", "geo_precision", "geo_score", "geo_note"}
# Not in the schema (the store skips ``_`` columns): the state of the site (``actif``,
# ``ferme``) and the Sirene partial-diffusion flag (``[ND]`` fields, name not shown).
EXTRA_COLUMNS = ("_etat", "_diffusion_partielle")
SITE_COLUMNS: tuple[str, ...] = (
    *(c for c in schema.column_names("sites") if c not in _ADDED_LATER), *EXTRA_COLUMNS
)
# ``_etat`` values: the site works, or has closed for good.
ETATS = {"actif": "En activité", "ferme": "Fermé"}
# Columns that can place a site on a map; a row with none of them and no name is useless.
_LOCATION = ("adresse", "code_postal", "commune", "code_insee", "lon", "lat")
# Boxes (lon_min, lon_max, lat_min, lat_max) of metropolitan France and the five DROM.
FRANCE_BOXES = (
    (-5.8, 10.0, 41.2, 51.3), (-61.9, -60.7, 15.8, 16.6), (-61.3, -60.7, 14.3, 14.95),
    (-54.7, -51.5, 2.0, 6.0), (55.1, 56.0, -21.5, -20.8), (44.9, 45.4, -13.1, -12.5),
)


def clean_text(values: pd.Series) -> pd.Series:
    """Trimmed text, inner blanks collapsed, empty or ``[ND]`` ⇒ missing.

    ``["  Usine  du Nord ", "", "[ND]", None]`` ⇒ ``["Usine du Nord", nan, nan, nan]``.
    """
    text = values.astype("str").str.replace(r"\s+", " ", regex=True).str.strip()
    return text.where(~text.isin(["", "[ND]", "nan", "None"]) & values.notna())


def join_text(parts: list[pd.Series], sep: str) -> pd.Series:
    """Join the non-missing parts of each row: ``["12", nan, "Rue X"]`` with " " ⇒ "12 Rue X"."""
    out = clean_text(parts[0])
    for part in map(clean_text, parts[1:]):
        out = out.where(part.isna(), (out + sep + part).where(out.notna(), part))
    return out


def parse_number(values: pd.Series) -> pd.Series:
    """Decimal numbers written either way: ``"652345,5"`` or ``"652345.5"`` ⇒ 652345.5."""
    text = clean_text(values).str.replace(",", ".", regex=False).str.replace(" ", "")
    return pd.to_numeric(text, errors="coerce").astype("float64")


def parse_dates(values: pd.Series, lines: pd.Series | None = None,
                report: ImportReport | None = None, label: str = "") -> pd.Series:
    """Dates of update ⇒ naive datetimes: ``"2025-08-30"``, ``"30/08/2025"`` ⇒ 2025-08-30.

    ISO and ``JJ/MM/AAAA`` are read column-wise (millions of Sirene rows); the rest goes
    through ``values.parse_date`` (``"30.08.2025"``, ``"30 août 2025"``, Excel serials).
    A date still unreadable, impossible or outside the accepted years is left empty,
    with a warning at its line when ``report`` is given (the site is kept).
    """
    text = clean_text(values)
    iso = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True).dt.tz_localize(None)
    french = pd.to_datetime(text.where(iso.isna()), errors="coerce", format="%d/%m/%Y")
    dates = iso.fillna(french).astype("datetime64[us]")
    years = dates.dt.year
    dates = dates.where(years.between(config.DATE_MIN_YEAR, config.DATE_MAX_YEAR))
    rest = text.notna() & dates.isna()
    if rest.any():
        parsed, errors = v.map_cells(text[rest], v.parse_date)
        dates[rest] = pd.to_datetime(parsed, errors="coerce")
        for index in errors.index[errors.notna()]:
            if report is not None and lines is not None:
                report.warn(int(lines[index]), f"date de mise à jour : {errors[index]} ; "
                            f"laissée vide{label}")
    return dates.astype("datetime64[us]")


@cache
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def to_wgs84(x: pd.Series, y: pd.Series, epsg: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Projected x/y with a per-row EPSG code ⇒ lon/lat, one transform per EPSG group.

    ``x=652469, y=6862035, epsg="2154"`` ⇒ ``lon≈2.35, lat≈48.86``; an unknown EPSG or a
    point outside France and the DROM ⇒ NaN (the geocoder then uses the commune).
    """
    xs, ys = parse_number(x), parse_number(y)
    codes = pd.to_numeric(clean_text(epsg), errors="coerce")
    lon = pd.Series(np.nan, index=x.index)
    lat = pd.Series(np.nan, index=x.index)
    usable = xs.notna() & ys.notna() & codes.notna()
    for code, index in codes[usable].groupby(codes[usable]).groups.items():
        try:
            lon[index], lat[index] = _transformer(int(code)).transform(xs[index], ys[index])
        except CRSError:
            continue
    inside = in_france(lon, lat)
    return lon.where(inside), lat.where(inside)


def in_france(lon: pd.Series, lat: pd.Series) -> pd.Series:
    """True where the point falls in metropolitan France or a DROM (coarse boxes)."""
    inside = pd.Series(False, index=lon.index)
    for lon_min, lon_max, lat_min, lat_max in FRANCE_BOXES:
        inside |= lon.between(lon_min, lon_max) & lat.between(lat_min, lat_max)
    return inside


def warn_spilled(raw: pd.DataFrame, report: ImportReport) -> None:
    """Warn about rows longer than the header: their extra cells (``colonne_18``…, named
    by ``readers.read_table``) belong to no column and are ignored; the reader's own notes
    (``table_repairs.NOTES``: a row split again…) come first."""
    for line, note in raw.attrs.get(NOTES, []):
        report.warn(line, note)
    extra = [c for c in raw.columns if re.fullmatch(r"colonne_\d+", str(c))]
    if not extra:
        return
    cells = raw[extra].apply(clean_text)
    for index in raw.index[cells.notna().any(axis=1)]:
        values = ", ".join(f"« {v} »" for v in cells.loc[index].dropna()[:3])
        report.warn(int(raw.at[index, LINE]),
                    f"plus de champs que d'en-têtes : valeur(s) sans colonne ignorée(s) ({values})")


def clean_siret(values: pd.Series, lines: pd.Series, report: ImportReport,
                label: str = "") -> pd.Series:
    """14-digit SIRET or missing: ``"642 043 897 00049"`` ⇒ ``"64204389700049"``; a
    malformed one (``"642043897"``, a SIREN) is dropped with a warning, the row stays."""
    siret = clean_text(values).str.replace(r"[\s.]", "", regex=True)
    bad = siret.notna() & ~siret.str.fullmatch(r"\d{14}").fillna(False)
    for index in siret.index[bad]:
        report.warn(int(lines[index]),
                    f"SIRET « {siret[index]} » invalide (14 chiffres attendus), ignoré" + label)
    return siret.where(~bad)


def web_links(values: pd.Series, lines: pd.Series, report: ImportReport,
              label: str = "") -> pd.Series:
    """Links kept only when they are web links (``values.http_url``); another one
    (``javascript:…``, ``data:…``, a link with ``"><script>``) is emptied with a warning."""
    links, errors = v.map_cells(values, v.http_url)
    for index in values.index[errors.notna()]:
        report.warn(int(lines[index]), str(errors[index]) + label)
    return links.astype("str")


def checked_pairs(lon: pd.Series, lat: pd.Series, lines: pd.Series, report: ImportReport,
                  label: str = "") -> tuple[pd.Series, pd.Series]:
    """WGS84 columns as the geocoder takes them (``geocode_points.check_points``): pairs in
    France kept, swapped ones set right, the others (abroad, ±inf, Lambert-93 values,
    (0, 0)) emptied; each change is a warning at its line."""
    from influ_geo.geocode_points import check_points

    present = (clean_text(lon).notna() | clean_text(lat).notna()).to_numpy()
    fixed_lon, fixed_lat, notes, _ = check_points(parse_number(lon).to_numpy(),
                                                   parse_number(lat).to_numpy(), present)
    for position in np.flatnonzero(notes != ""):
        report.warn(int(lines.iloc[position]), f"longitude/latitude : {notes[position]}"
                    + label)
    return (pd.Series(fixed_lon, index=lon.index), pd.Series(fixed_lat, index=lat.index))


def warn_lost_points(sites: pd.DataFrame, x: pd.Series, y: pd.Series, epsg: pd.Series,
                     report: ImportReport, label: str = "") -> None:
    """Warn where x/y were given but gave no point in France (the commune is used instead)."""
    given = clean_text(x).notna() & clean_text(y).notna()
    codes = clean_text(epsg).astype(object).map(lambda code: f"EPSG {code}",
                                                 na_action="ignore")
    codes = codes.astype(object).fillna("sans code EPSG")
    for index in sites.index[given & sites["lon"].isna()]:
        report.warn(int(sites.at[index, LINE]),
                    f"coordonnées x={x[index]}, y={y[index]} ({codes[index]}) hors de France "
                    "ou illisibles : ignorées, le site sera placé par sa commune" + label)


def fill_naf(sites: pd.DataFrame, code: pd.Series, label: pd.Series) -> None:
    """``naf``, ``naf_division``, ``naf_libelle`` from a code (``2014Z``, ``20.14Z`` or
    the division ``20``) and the source's own label, else the division's INSEE label."""
    sites["naf"] = naf.naf_codes(code).astype("str")
    division = naf.naf_divisions(code)
    sites["naf_division"] = division.astype("str")
    sites["naf_libelle"] = label.fillna(naf.division_labels(division).astype("str"))


def empty_sites(index: pd.Index) -> pd.DataFrame:
    """A ``sites`` frame of missing values with the given index, to fill column by column."""
    frame = pd.DataFrame(index=index)
    for name, dtype in schema.dtypes("sites").items():
        if name in SITE_COLUMNS:
            frame[name] = pd.Series(np.nan, index=index).astype(_PANDAS_DTYPES[dtype])
    frame["_etat"] = pd.Series(np.nan, index=index).astype("str")
    frame["_diffusion_partielle"] = False
    return frame


_PANDAS_DTYPES = {"str": "str", "text": "str", "int": "Int64", "float": "float64",
                  "datetime": "datetime64[us]"}


def finalize_sites(
    sites: pd.DataFrame, raw: pd.DataFrame, report: ImportReport, *,
    id_label: str = "identifiant", record_label: str = "",
) -> pd.DataFrame:
    """Reject unusable rows, merge duplicates, count what is kept; canonical columns out.

    ``sites`` carries ``_ligne``; ``raw`` (same index) gives the rejected rows as read.
    The result keeps ``_ligne`` (for the geocoding report) after the canonical columns.
    ``id_label`` names the identifier (``"code AIOT"``); ``record_label`` is appended to
    each reason when lines are not spreadsheet lines (JSON records).
    """
    sites = _reject(sites, raw, report, sites["source_id"].isna(),
                    f"{id_label} manquant" + record_label)
    located = sites[list(_LOCATION)].notna().any(axis=1)
    sites = _reject(sites, raw, report, sites["nom"].isna() & ~located,
                    "ni nom, ni adresse, ni commune, ni coordonnées : ce n'est pas un site"
                    + record_label)
    sites["url"] = web_links(sites["url"], sites[LINE], report, record_label)
    sites = _merge_duplicates(sites, report, record_label)
    for index in sites.index[~sites[list(_LOCATION)].notna().any(axis=1)]:
        report.warn(int(sites.at[index, LINE]), "ni adresse, ni commune, ni coordonnées : "
                    "le site est gardé mais ne pourra pas être placé" + record_label)
    report.rows_kept = len(sites)
    return sites.reset_index(drop=True)[[*SITE_COLUMNS, LINE]]


def fill_missing_names(sites: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """``nom`` is required: a kept site without one is named ``"<prefix> <source_id>"``."""
    sites["nom"] = sites["nom"].fillna(prefix + " " + sites["source_id"])
    return sites


def _reject(
    sites: pd.DataFrame, raw: pd.DataFrame, report: ImportReport, mask: pd.Series, reason: str
) -> pd.DataFrame:
    """Record every row of ``mask`` in the report (line, reason, raw row) and drop it."""
    for index in sites.index[mask]:
        row = {k: v for k, v in raw.loc[index].items() if k != LINE and pd.notna(v)}
        report.reject(int(sites.at[index, LINE]), reason, row)
    return sites[~mask]


def _merge_duplicates(sites: pd.DataFrame, report: ImportReport, label: str) -> pd.DataFrame:
    """Exact duplicates are merged; for one id with different content the most recent
    ``date_maj`` wins (the later line on a tie) and each dropped line is warned about."""
    content = [c for c in SITE_COLUMNS if c in sites.columns]
    exact = sites.duplicated(subset=content, keep="first")
    first = sites.groupby(content, dropna=False)[LINE].transform("first")
    for index in sites.index[exact]:
        report.warn(int(sites.at[index, LINE]),
                    f"doublon de la ligne {int(first[index])} : fusionné" + label)
    sites = sites[~exact]
    ordered = sites.sort_values(["date_maj", LINE], na_position="first", kind="stable")
    older = ordered.duplicated(subset=["source", "source_id"], keep="last")
    winners = ordered[~older].set_index(["source", "source_id"])[LINE]
    for index in ordered.index[older]:
        key = (sites.at[index, "source"], sites.at[index, "source_id"])
        report.warn(int(sites.at[index, LINE]),
                    f"identifiant {key[1]} en double avec un contenu différent : la version "
                    f"la plus récente (ligne {winners[key]}) est conservée" + label)
    report.rows_merged += int(exact.sum() + older.sum())
    return ordered[~older].sort_values(LINE)
