"""IREP (national register of pollutant releases): ``etablissements.csv`` into sites.

::

    identifiant;nom_etablissement;numero_siret;adresse;code_postal;commune;departement;
    region;coordonnees_x;coordonnees_y;code_epsg;code_ape;libelle_ape;code_eprtr;
    libelle_eprtr[;code_insee;code_departement;code_region]
    0006508112;CENTRALE THERMIQUE DU VAZZIO;55208131799012;Route du Vazzio;20090;Ajaccio;…

``;``-separated UTF-8 (a BOM, Windows-1252 or another separator are accepted too),
read from the CSV or from the yearly zip ``{YEAR}.zip`` (member
``{YEAR}/etablissements.csv``, any case). The header changes between years, so
columns are found by name. ``identifiant`` is the ICPE code AIOT (left-padded to 10
digits); coordinates carry a per-row ``code_epsg`` and are known to be unreliable,
so a point outside France is dropped with a warning and the commune is used instead.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from influ_geo import config, readers, safe_zip
from influ_geo.report import ImportReport
from influ_geo.sources.icpe import FICHE_URL
from influ_geo.sources.site_frame import (
    LINE,
    clean_siret,
    clean_text,
    empty_sites,
    fill_missing_names,
    fill_naf,
    finalize_sites,
    to_wgs84,
    warn_lost_points,
    warn_spilled,
)
from influ_geo.textnorm import normalize_codes_insee, normalize_postcodes

IREP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "identifiant": ("code_aiot", "identifiant_etablissement"),
    "nom": ("nom_etablissement", "nom_ets", "raison_sociale"),
    "siret": ("numero_siret", "num_siret"),
    "adresse": ("adresse",),
    "code_postal": ("cp",),
    "commune": ("nom_commune", "libelle_commune"),
    "code_insee": ("code_commune", "code_insee_commune"),
    "x": ("coordonnees_x", "coordonnee_x"),
    "y": ("coordonnees_y", "coordonnee_y"),
    "epsg": ("code_epsg",),
    "naf_code": ("code_ape", "code_naf"),
    "naf_texte": ("libelle_ape", "libelle_naf"),
}
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


class IrepFormatError(ValueError):
    """The file is not an IREP establishments file; the message is one French line."""


def read_irep(path: Path | str) -> pd.DataFrame:
    """``etablissements.csv`` (or the yearly zip holding it) as text columns.

    ``_ligne`` is the spreadsheet line; ``attrs["annee"]`` the declaration year when the
    path tells it (``2023.zip``, ``2023/etablissements.csv``), else ``None``.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        member, raw = _read_member(path)
        year = _year(member) or _year(path.name)
    else:
        raw = readers.read_table(path)
        year = _year(path.parent.name) or _year(path.name)
    raw[LINE] = raw.index + 2
    raw.attrs["annee"] = year
    return raw


def _read_member(path: Path) -> tuple[str, pd.DataFrame]:
    """The ``etablissements.csv`` of a yearly zip, matched case-insensitively; the zip is
    checked first (``safe_zip``: read whole, so at most ``ARCHIVE_IN_MEMORY_MAX_MB``)."""
    with safe_zip.open_zip(path, config.ARCHIVE_IN_MEMORY_MAX_MB) as archive:
        names = [n for n in archive.namelist()
                 if n.lower().rsplit("/", 1)[-1] == "etablissements.csv"]
        if not names:
            raise IrepFormatError(
                f"{path.name} : pas de fichier etablissements.csv dans l'archive."
            )
        data = archive.read(names[0])
    return names[0], readers.read_csv_bytes(data, names[0])


def _year(text: str) -> int | None:
    """``"2023/etablissements.csv"`` ⇒ 2023; ``"etablissements.csv"`` ⇒ None."""
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def normalize_irep(raw: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """Canonical ``sites`` (source ``irep``, ``source_id`` = identifiant = code AIOT).

    ``date_maj`` is the 31 December of the declaration year when it is known.
    """
    original = raw
    raw = raw.rename(columns=readers.canonical_columns(raw.columns, IREP_SYNONYMS))
    if "identifiant" not in raw.columns:
        found = ", ".join(str(c) for c in original.columns[:12])
        raise IrepFormatError(f"colonne identifiant absente : ce n'est pas un fichier "
                              f"etablissements.csv de l'IREP (en-têtes trouvés : {found})")
    report.rows_read += len(raw)
    warn_spilled(raw, report)
    empty = pd.Series(pd.NA, index=raw.index, dtype="str")
    col = lambda name: raw[name] if name in raw.columns else empty  # noqa: E731
    sites = empty_sites(raw.index)
    sites[LINE] = raw[LINE]
    sites["source"] = "irep"
    code = clean_text(col("identifiant")).str.upper()
    code = code.where(~code.str.fullmatch(r"\d{1,9}").fillna(False), code.str.zfill(10))
    sites["source_id"] = sites["code_aiot"] = code
    sites["nom"] = clean_text(col("nom"))
    sites["siret"] = clean_siret(col("siret"), sites[LINE], report)
    _fill_activity(sites, col)
    sites["adresse"] = clean_text(col("adresse"))
    sites["code_postal"] = normalize_postcodes(clean_text(col("code_postal"))).astype("str")
    sites["commune"] = clean_text(col("commune"))
    sites["code_insee"] = normalize_codes_insee(clean_text(col("code_insee"))).astype("str")
    sites["lon"], sites["lat"] = to_wgs84(col("x"), col("y"), col("epsg"))
    warn_lost_points(sites, col("x"), col("y"), col("epsg"), report)
    sites["url"] = code.map(FICHE_URL.format, na_action="ignore")
    year = raw.attrs.get("annee")
    sites["date_maj"] = pd.Timestamp(year, 12, 31) if year else pd.NaT
    out = finalize_sites(sites, original, report, id_label="identifiant IREP")
    return fill_missing_names(out, "Établissement")


def _fill_activity(sites: pd.DataFrame, col) -> None:
    """APE code (``2014Z`` or ``20.14Z``), its division and label."""
    fill_naf(sites, clean_text(col("naf_code")), clean_text(col("naf_texte")))


def load_irep(path: Path | str, report: ImportReport) -> pd.DataFrame:
    """Read and normalise: the whole IREP import of one file."""
    return normalize_irep(read_irep(path), report)
