"""INSEE Sirene ``StockEtablissement``: the manufacturing establishments of France.

The national file (CSV or the official zip, UTF-8, comma, ~44 million rows, parsed by
header name) is streamed: ``read_sirene`` keeps only NAF rév. 2 divisions 10 to 33
(``activitePrincipaleEtablissement`` ``"25.62B"`` with
``nomenclatureActivitePrincipaleEtablissement == "NAFRev2"``) and, by default, active
establishments (``etatAdministratifEtablissement == "A"``). ``normalize_sirene`` turns
them into canonical ``sites``; INSEE's geolocation file
(``GeolocalisationEtablissement_Sirene_pour_etudes_statistiques``, ``;``-separated,
``siret, x, y, epsg, qualite_xy, x_longitude, y_latitude…``), read with
``read_sirene_geolocalisation``, gives the coordinates when it is provided; the
geolocated Etalab variant (``longitude``, ``latitude`` columns) is read as is.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influ_geo import naf
from influ_geo.report import ImportReport
from influ_geo.sources import csv_stream
from influ_geo.sources.site_frame import (
    LINE,
    clean_text,
    empty_sites,
    finalize_sites,
    join_text,
    parse_dates,
    parse_number,
    to_wgs84,
)
from influ_geo.textnorm import normalize_codes_insee, normalize_postcodes

NAF = "activitePrincipaleEtablissement"
NOMENCLATURE = "nomenclatureActivitePrincipaleEtablissement"
ETAT = "etatAdministratifEtablissement"
# The columns read from the stock (any other column of the file is skipped unparsed).
COLUMNS = [
    "siret", "statutDiffusionEtablissement", "trancheEffectifsEtablissement",
    "dateDernierTraitementEtablissement", "complementAdresseEtablissement",
    "numeroVoieEtablissement", "indiceRepetitionEtablissement", "typeVoieEtablissement",
    "libelleVoieEtablissement", "distributionSpecialeEtablissement",
    "codePostalEtablissement", "libelleCommuneEtablissement", "codeCommuneEtablissement",
    "coordonneeLambertAbscisseEtablissement", "coordonneeLambertOrdonneeEtablissement",
    ETAT, "enseigne1Etablissement", "enseigne2Etablissement", "enseigne3Etablissement",
    "denominationUsuelleEtablissement", NAF, NOMENCLATURE,
    # Etalab's geolocated variant ("géo-Sirene") adds these.
    "longitude", "latitude",
]
REQUIRED = ("siret", NAF)
GEOLOC_COLUMNS = ["siret", "x", "y", "epsg", "qualite_xy", "x_longitude", "y_latitude"]
# EPSG of the stock's Lambert columns by département prefix: Lambert-93 in metropolitan
# France; overseas the stock's projection is undocumented, the local CRS is assumed.
_EPSG_OUTRE_MER = {"971": "5490", "972": "5490", "973": "2972", "974": "2975", "976": "4471"}
# INSEE codes of typeVoieEtablissement, written out so the address geocoder reads them.
TYPES_VOIE = {
    "ALL": "Allée", "AV": "Avenue", "BD": "Boulevard", "CAR": "Carrefour", "CHE": "Chemin",
    "CHS": "Chaussée", "CITE": "Cité", "COR": "Corniche", "CRS": "Cours", "DOM": "Domaine",
    "DSC": "Descente", "ECA": "Écart", "ESP": "Esplanade", "FG": "Faubourg",
    "GR": "Grande Rue", "HAM": "Hameau", "HLE": "Halle", "IMP": "Impasse", "LD": "Lieu-dit",
    "LOT": "Lotissement", "MAR": "Marché", "MTE": "Montée", "PARC": "Parc",
    "PAS": "Passage", "PL": "Place", "PLN": "Plaine", "PLT": "Plateau", "PRO": "Promenade",
    "PRV": "Parvis", "QUA": "Quartier", "QUAI": "Quai", "RES": "Résidence",
    "RLE": "Ruelle", "ROC": "Rocade", "RPT": "Rond-point", "RTE": "Route", "RUE": "Rue",
    "SEN": "Sentier", "SQ": "Square", "TPL": "Terre-plein", "TRA": "Traverse",
    "VLA": "Villa", "VLGE": "Village", "VOIE": "Voie", "ZA": "Zone d'activité",
    "ZAC": "ZAC", "ZI": "Zone industrielle",
}
FICHE_URL = "https://annuaire-entreprises.data.gouv.fr/etablissement/{}"
NOM_NON_DIFFUSIBLE = "Établissement non diffusible"


class SireneFormatError(csv_stream.CsvFormatError):
    """The file is not a Sirene establishment stock (a required column is missing)."""


def read_sirene(path: Path, *, include_closed: bool = False,
                block_size: int = csv_stream.BLOCK_SIZE) -> pd.DataFrame:
    """The manufacturing establishments of a Sirene stock, every column as text.

    Parameters
    ----------
    path: ``StockEtablissement_utf8.zip`` or the CSV it holds (or a ``.csv.gz``).
    include_closed: keep closed establishments (``etatAdministratifEtablissement == "F"``).

    Returns
    -------
    The kept rows with the columns of ``COLUMNS`` and ``_ligne``; ``attrs`` holds
    ``lignes_lues`` (every data row), ``hors_industrie``, ``fermes`` and
    ``lignes_invalides`` (line, French description of the broken row).
    """
    header, _, _ = csv_stream.sniff(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SireneFormatError(
            f"{path.name} : colonne(s) {', '.join(missing)} absente(s) ; "
            "ce n'est pas un fichier StockEtablissement de Sirene."
        )
    keep = _manufacturing_filter(header, include_closed)
    result = csv_stream.stream_filter(path, COLUMNS, keep, block_size=block_size)
    raw = result.table.to_pandas()
    raw.attrs = {"lignes_lues": result.rows_scanned,
                 "hors_industrie": result.counts.get("hors_industrie", 0),
                 "fermes": result.counts.get("fermes", 0), "lignes_invalides": result.invalid,
                 "sans_etat": ETAT not in header}
    return raw


def _manufacturing_filter(header: list[str], include_closed: bool) -> csv_stream.Keep:
    """The batch filter: NAF rév. 2 division 10–33 and (unless asked) active; it counts
    the rows it sets aside (``hors_industrie``, ``fermes``)."""
    check_nomenclature = NOMENCLATURE in header
    check_state = ETAT in header and not include_closed

    def keep(batch: pa.RecordBatch) -> tuple[pa.Array, dict[str, int]]:
        division = pc.utf8_slice_codeunits(batch.column(NAF), 0, 2)
        mask = pc.and_kleene(pc.greater_equal(division, "10"), pc.less_equal(division, "33"))
        mask = pc.and_kleene(mask, pc.utf8_is_digit(division))
        if check_nomenclature:
            mask = pc.and_kleene(mask, pc.equal(batch.column(NOMENCLATURE), "NAFRev2"))
        mask = pc.fill_null(mask, False)
        counts = {"hors_industrie": batch.num_rows - (pc.sum(mask).as_py() or 0)}
        if check_state:
            active = pc.fill_null(pc.equal(batch.column(ETAT), "A"), False)
            counts["fermes"] = pc.sum(pc.and_(mask, pc.invert(active))).as_py() or 0
            mask = pc.and_(mask, active)
        return mask, counts

    return keep


def read_sirene_geolocalisation(path: Path, sirets: pd.Series | None = None) -> pd.DataFrame:
    """INSEE's geolocation file, streamed, restricted to ``sirets`` when given (text columns).

    ``read_sirene_geolocalisation(p, raw["siret"])`` ⇒ ``siret, x, y, epsg, qualite_xy,
    x_longitude, y_latitude`` of those establishments only.
    """
    header, _, _ = csv_stream.sniff(path)
    if "siret" not in header:
        raise SireneFormatError(
            f"{path.name} : colonne siret absente du fichier de géolocalisation."
        )
    wanted = pa.array(sirets.dropna().unique(), pa.string()) if sirets is not None else None

    def keep(batch: pa.RecordBatch) -> tuple[pa.Array, dict[str, int]]:
        if wanted is None:
            return pa.array([True] * batch.num_rows), {}
        return pc.is_in(batch.column("siret"), value_set=wanted), {}

    table = csv_stream.stream_filter(path, GEOLOC_COLUMNS, keep).table
    return table.drop_columns([LINE]).to_pandas().drop_duplicates("siret", keep="last")


def normalize_sirene(
    raw: pd.DataFrame, report: ImportReport, geolocalisation: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Canonical ``sites`` (source ``sirene``, ``source_id`` = SIRET) from ``read_sirene``.

    ``geolocalisation`` (from ``read_sirene_geolocalisation``) gives lon/lat by SIRET,
    in preference to the Lambert columns of the stock.
    """
    raw = raw.copy()
    attrs, raw.attrs = raw.attrs, {}
    _report_reading(attrs, report)
    sites = empty_sites(raw.index)
    sites[LINE] = raw[LINE]
    sites["source"] = "sirene"
    siret = clean_text(raw["siret"]).str.replace(" ", "")
    valid = siret.str.fullmatch(r"\d{14}").fillna(False).astype(bool)
    _reject_bad_sirets(raw, siret, valid, report)
    raw, siret, sites = raw[valid], siret[valid], sites[valid]
    sites["source_id"] = sites["siret"] = siret
    _fill_identity(sites, raw)
    _fill_activity(sites, raw, report)
    _fill_address(sites, raw)
    _fill_coordinates(sites, raw, geolocalisation)
    sites["url"] = siret.map(FICHE_URL.format)
    sites["date_maj"] = parse_dates(raw["dateDernierTraitementEtablissement"], sites[LINE],
                                    report)
    etat = clean_text(raw[ETAT]).map({"A": "actif", "F": "ferme"})
    sites["_etat"] = etat.astype("str")
    return _default_names(finalize_sites(sites, raw, report, id_label="SIRET"))


def _report_reading(attrs: dict, report: ImportReport) -> None:
    """Rows read, broken rows (rejected) and rows out of scope (a line-0 note)."""
    invalid = attrs.get("lignes_invalides", [])
    report.rows_read += attrs.get("lignes_lues", 0)
    for line, text in invalid:
        report.reject(line, f"ligne illisible : {text}")
    out_of_scope = attrs.get("hors_industrie", 0)
    closed = attrs.get("fermes", 0)
    if out_of_scope or closed:
        report.warn(0, f"écartés par le filtre Sirene : {_n(out_of_scope)} établissement(s) "
                       "hors industrie manufacturière (NAF rév. 2, divisions 10 à 33), "
                       f"{_n(closed)} établissement(s) fermé(s)")
    if attrs.get("sans_etat"):
        report.warn(0, "colonne etatAdministratifEtablissement absente : "
                       "établissements actifs et fermés conservés")


def _n(value: int) -> str:
    """``1840000`` ⇒ ``"1 840 000"`` (narrow no-break spaces, as in the report)."""
    return f"{value:,}".replace(",", "\u202f")


def _reject_bad_sirets(raw: pd.DataFrame, siret: pd.Series, valid: pd.Series,
                       report: ImportReport) -> None:
    """A row without a 14-digit SIRET cannot be identified: reject it with its value."""
    for index in raw.index[~valid]:
        value = siret[index]
        reason = ("SIRET manquant" if pd.isna(value)
                  else f"SIRET « {value} » invalide (14 chiffres attendus)")
        row = {k: v for k, v in raw.loc[index].items() if k != LINE and pd.notna(v)}
        report.reject(int(raw.at[index, LINE]), reason, row)


def _fill_identity(sites: pd.DataFrame, raw: pd.DataFrame) -> None:
    """Name, sign and the partial-diffusion flag (``[ND]`` fields are never shown)."""
    hidden = raw.isin(["[ND]"]).any(axis=1)
    partial = (clean_text(raw["statutDiffusionEtablissement"]) == "P").fillna(False) | hidden
    enseigne = join_text([raw[f"enseigne{i}Etablissement"] for i in (1, 2, 3)], " / ")
    sites["nom"] = clean_text(raw["denominationUsuelleEtablissement"]).fillna(enseigne)
    sites["enseigne"] = enseigne
    sites["_diffusion_partielle"] = partial.astype(bool)


def _default_names(sites: pd.DataFrame) -> pd.DataFrame:
    """The stock has no company name (it is in ``StockUniteLegale``): a site without a
    usual name or sign is shown as ``Établissement 38012986600034``, or as
    ``Établissement non diffusible`` when INSEE hides it."""
    fallback = ("Établissement " + sites["siret"]).where(
        ~sites["_diffusion_partielle"], NOM_NON_DIFFUSIBLE)
    sites["nom"] = sites["nom"].fillna(fallback)
    return sites


def _fill_activity(sites: pd.DataFrame, raw: pd.DataFrame, report: ImportReport) -> None:
    """NAF code, division and its label, headcount band with label and estimate."""
    sites["naf"] = naf.naf_codes(raw[NAF]).astype("str")
    division = naf.naf_divisions(raw[NAF])
    sites["naf_division"] = division.astype("str")
    sites["naf_libelle"] = naf.division_labels(division).astype("str")
    for index in sites.index[sites["naf"].isna()]:
        report.warn(int(sites.at[index, LINE]), f"code NAF « {raw.at[index, NAF]} » illisible")
    tranche = clean_text(raw["trancheEffectifsEtablissement"])
    sites["tranche_effectifs"] = tranche
    sites["effectifs_libelle"] = naf.tranche_labels(tranche).astype("str")
    sites["effectif_estime"] = naf.effectifs_estimes(tranche)


def _fill_address(sites: pd.DataFrame, raw: pd.DataFrame) -> None:
    """``12 B Rue des Forges, ZI Nord, BP 12`` plus postcode, commune name and code."""
    type_voie = clean_text(raw["typeVoieEtablissement"])
    type_voie = type_voie.map(TYPES_VOIE).fillna(type_voie)
    street = join_text([raw["numeroVoieEtablissement"], raw["indiceRepetitionEtablissement"],
                        type_voie, raw["libelleVoieEtablissement"]], " ")
    sites["adresse"] = join_text([street, raw["complementAdresseEtablissement"],
                                  raw["distributionSpecialeEtablissement"]], ", ")
    postcode = normalize_postcodes(clean_text(raw["codePostalEtablissement"]))
    sites["code_postal"] = postcode.astype("str")
    sites["commune"] = clean_text(raw["libelleCommuneEtablissement"])
    code_insee = normalize_codes_insee(clean_text(raw["codeCommuneEtablissement"]))
    sites["code_insee"] = code_insee.astype("str")


def _fill_coordinates(sites: pd.DataFrame, raw: pd.DataFrame,
                      geolocalisation: pd.DataFrame | None) -> None:
    """lon/lat from the geolocation file, else the geolocated variant, else the Lambert
    columns of the stock (EPSG chosen by département)."""
    lon, lat = parse_number(raw["longitude"]), parse_number(raw["latitude"])
    departement = sites["code_insee"].str.slice(0, 3)
    epsg = departement.map(_EPSG_OUTRE_MER).fillna("2154")
    lambert = to_wgs84(raw["coordonneeLambertAbscisseEtablissement"],
                       raw["coordonneeLambertOrdonneeEtablissement"], epsg)
    lon, lat = lon.fillna(lambert[0]), lat.fillna(lambert[1])
    if geolocalisation is not None:
        geo_lon, geo_lat = _geoloc_points(sites["siret"], geolocalisation)
        lon, lat = geo_lon.fillna(lon), geo_lat.fillna(lat)
    sites["lon"], sites["lat"] = lon, lat


def _geoloc_points(siret: pd.Series, geoloc: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """WGS84 columns of the geolocation file, else its x/y in the per-row ``epsg``."""
    points = pd.DataFrame({"siret": siret.to_numpy()}, index=siret.index)
    points = points.merge(geoloc, on="siret", how="left").set_index(siret.index)
    lon, lat = parse_number(points["x_longitude"]), parse_number(points["y_latitude"])
    x_lon, y_lat = to_wgs84(points["x"], points["y"], points["epsg"])
    return lon.fillna(x_lon), lat.fillna(y_lat)


def load_sirene(path: Path, report: ImportReport, *, geolocalisation: Path | None = None,
                include_closed: bool = False) -> pd.DataFrame:
    """Read, join with the geolocation file when given, and normalise: the whole import."""
    raw = read_sirene(path, include_closed=include_closed)
    geo = None
    if geolocalisation is not None:
        geo = read_sirene_geolocalisation(geolocalisation, raw["siret"])
    return normalize_sirene(raw, report, geo)
