"""Géorisques ICPE: API v1 pages, WFS CSV export and shapefile zip into canonical sites."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from influ_geo import referentiel, schema
from influ_geo.report import ImportReport
from influ_geo.sources import icpe

DATA = Path(__file__).resolve().parent.parent / "data" / "sites"
API = DATA / "icpe_api_page.json"
CSV = DATA / "icpe_wfs.csv"
SHAPEFILE = DATA / "icpe_shapefile.zip"
SAME = ["code_aiot", "source_id", "nom", "siret", "naf", "naf_division", "regime", "seveso",
        "adresse", "code_postal", "commune", "code_insee", "url", "date_maj"]


def _load(path: Path) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport("sites", path.name)
    return icpe.load_icpe(path, report), report


def _km_to_commune(row: pd.Series, code_insee: str) -> float:
    commune = referentiel.communes().set_index("code_insee").loc[code_insee]
    dx = math.radians(row["lon"] - commune["lon"]) * math.cos(math.radians(commune["lat"]))
    dy = math.radians(row["lat"] - commune["lat"])
    return 6371 * math.hypot(dx, dy)


@pytest.fixture(scope="module")
def api() -> pd.DataFrame:
    return _load(API)[0]


@pytest.mark.parametrize("path", [CSV, SHAPEFILE], ids=["wfs_csv", "shapefile"])
def test_three_shapes_give_the_same_sites(api, path):
    sites, report = _load(path)
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (8, 8, 0)
    pd.testing.assert_frame_equal(sites[SAME], api[SAME])
    assert sites["lon"].to_numpy() == pytest.approx(api["lon"].to_numpy(), abs=1e-4)
    assert sites["lat"].to_numpy() == pytest.approx(api["lat"].to_numpy(), abs=1e-4)


def test_api_page_is_canonical(api):
    assert (api["source"] == "icpe").all()
    assert all(c in schema.column_names("sites") or c.startswith("_") for c in api.columns)
    assert api["_ligne"].tolist() == list(range(1, 9))
    row = api.set_index("code_aiot").loc["0003205293"]
    assert row["url"] == "https://www.georisques.gouv.fr/risques/installations/donnees/details/0003205293"
    assert (row["seveso"], row["regime"], row["naf_division"]) == ("Seveso seuil haut",
                                                                   "Autorisation", "20")
    assert row["naf_libelle"] == "Industrie chimique"
    assert row["adresse"] == "Rue de la Chimie, BP 15"
    assert row["date_maj"] == pd.Timestamp("2025-08-30")
    assert api.set_index("code_aiot").loc["0007001188", "_etat"] == "ferme"


@pytest.mark.parametrize(
    ("code_aiot", "code_insee"),
    [("0006508112", "2A004"), ("0006508245", "2B148"),
     ("0100012345", "97407"),  # no lon/lat: x/y in EPSG:2975
     ("0100067890", "97103")],  # no lon/lat: x/y in EPSG:5490
)
def test_corsica_and_overseas_are_placed(api, code_aiot, code_insee):
    row = api.set_index("code_aiot").loc[code_aiot]
    assert row["code_insee"] == code_insee
    assert _km_to_commune(row, code_insee) < 10


@pytest.mark.parametrize(
    ("value", "label"),
    [("1", "Seveso seuil haut"), ("2", "Seveso seuil bas"), ("3", "Non Seveso"),
     ("SH", "Seveso seuil haut"), ("SB", "Seveso seuil bas"), ("NS", "Non Seveso"),
     ("Seveso seuil haut", "Seveso seuil haut"), ("non seveso", "Non Seveso"), (None, None)],
)
def test_seveso_labels_and_codes(value, label):
    raw = pd.DataFrame({"codeAIOT": ["0003205293"], "raisonSociale": ["Usine"],
                        "statutSeveso": [value], "_ligne": [1]}, dtype="str")
    sites = icpe.normalize_icpe(raw, ImportReport("sites"))
    assert (sites["seveso"].iloc[0] if label else pd.isna(sites["seveso"].iloc[0])) == (
        label or True)


def test_messy_api_pages():
    sites, report = _load(DATA / "icpe_api_messy.json")
    assert (report.rows_read, report.rows_kept, report.rows_merged) == (9, 5, 2)
    reasons = {r.line: r.reason for r in report.rejections}
    assert reasons == {
        4: "code AIOT manquant (n° d'enregistrement JSON)",
        8: "ni nom, ni adresse, ni commune, ni coordonnées : ce n'est pas un site "
           "(n° d'enregistrement JSON)",
    }
    assert report.rejections[0].row["raisonSociale"] == "ACIÉRIE DU LITTORAL"
    swap, older, exact = sorted(report.warnings, key=lambda w: -w.line)
    assert older.line == 6 and "ligne 2" in older.reason
    assert swap.line == 7 and "latitude et longitude inversées, corrigées" in swap.reason
    assert exact.line == 5 and exact.reason.startswith("doublon de la ligne 1 : fusionné")
    by_code = sites.set_index("code_aiot")
    assert by_code.loc["0006508245", "nom"] == "DÉPÔT PÉTROLIER DE LUCCIANA"
    assert by_code.loc["0006508112", "seveso"] == "Seveso seuil bas"
    swapped = by_code.loc["0005800077"]  # lon/lat swapped: outside France, x/y used instead
    assert _km_to_commune(swapped, "76305") < 5 and swapped["_etat"] == "ferme"
    assert pd.isna(swapped["seveso"])
    assert pd.isna(by_code.loc["0100012345", "code_insee"])
    assert _km_to_commune(by_code.loc["0100012345"], "97407") < 5
    kourou = by_code.loc["0100099001"]  # lon/lat given as strings
    assert (kourou["lon"], kourou["lat"]) == (-52.652, 5.159)


def test_folder_of_pages_reads_like_one_file(tmp_path):
    pages = json.loads((DATA / "icpe_api_messy.json").read_text(encoding="utf-8"))
    for number, page in enumerate(pages, start=1):
        (tmp_path / f"page_{number}.json").write_text(json.dumps(page), encoding="utf-8")
    expected, _ = _load(DATA / "icpe_api_messy.json")
    pd.testing.assert_frame_equal(_load(tmp_path)[0], expected)


def test_messy_wfs_csv():
    sites, report = _load(DATA / "icpe_wfs_messy.csv")
    assert (report.rows_read, report.rows_kept, report.rows_rejected, report.rows_merged) == (
        9, 5, 2, 2)
    assert {r.line: r.reason for r in report.rejections} == {
        8: "code AIOT manquant",
        7: "ni nom, ni adresse, ni commune, ni coordonnées : ce n'est pas un site",
    }
    warnings = {w.line: w.reason for w in report.warnings}
    assert "« en trop », « encore »" in warnings[6]
    assert "ligne 9" in warnings[10]  # the most recent version wins, not the last line
    by_code = sites.set_index("code_aiot")
    oyonnax = by_code.loc["0006304422"]
    assert (oyonnax["nom"], oyonnax["code_insee"], oyonnax["code_postal"]) == (
        "PLASTURGIE DU HAUT-BUGEY", "01283", "01100")
    assert oyonnax["date_maj"] == pd.Timestamp("2025-05-15")
    distillerie = by_code.loc["0006600123"]
    assert distillerie["nom"] == "DISTILLERIE DE L'EXTRÊME SUD"
    assert (distillerie["naf_division"], distillerie["seveso"]) == ("11", "Non Seveso")
    assert pd.isna(distillerie["naf"]) and pd.isna(distillerie["lon"])
    assert by_code.loc["0006508112", "seveso"] == "Seveso seuil bas"
    assert _km_to_commune(by_code.loc["0006508112"], "2A004") < 10
    assert _km_to_commune(by_code.loc["0100012345"], "97407") < 5
    assert by_code.loc["0006508112", "url"].endswith("/details/0006508112")


def test_messy_shapefile():
    sites, report = _load(DATA / "icpe_shapefile_messy.zip")
    assert (report.rows_read, report.rows_kept, report.rows_rejected, report.rows_merged) == (
        9, 5, 2, 2)
    assert {r.line: r.reason for r in report.rejections} == {
        8: "code AIOT manquant",
        9: "ni nom, ni adresse, ni commune, ni coordonnées : ce n'est pas un site",
    }
    warnings = {w.line: w.reason for w in report.warnings}
    assert warnings[10] == "SIRET « 642043897 » invalide (14 chiffres attendus), ignoré"
    assert "ligne 6" in warnings[7]
    by_code = sites.set_index("code_aiot")
    assert by_code.loc["0006304422", "nom"] == "PLASTURGIE DU HAUT-BUGEY"  # "6304422" padded
    assert by_code.loc["0006508245", "nom"] == "DÉPÔT PÉTROLIER DE LUCCIANA"  # Latin-1 DBF
    assert pd.isna(by_code.loc["0003205293", "siret"])
    for code, commune in [("0006508112", "2A004"), ("0100012345", "97407")]:
        assert _km_to_commune(by_code.loc[code], commune) < 10  # from the Lambert-93 geometry


def test_not_an_icpe_file(tmp_path):
    scalar = tmp_path / "page.json"
    scalar.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(icpe.IcpeFormatError, match="ni page de l'API"):
        icpe.read_icpe(scalar)
    broken = tmp_path / "InstallationsClassees.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("InstallationsClassees.shp", b"not a shapefile")
    with pytest.raises(icpe.IcpeFormatError, match="shapefile illisible"):
        icpe.read_icpe(broken)
