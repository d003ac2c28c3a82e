"""IREP ``etablissements.csv`` (CSV or yearly zip) into canonical sites."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from influ_geo import schema
from influ_geo.report import ImportReport
from influ_geo.sources import irep

DATA = Path(__file__).resolve().parent.parent / "data" / "sites"
CLEAN = DATA / "irep_etablissements.csv"
MESSY = DATA / "irep_etablissements_messy.csv"


def _load(path: Path) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport("sites", path.name)
    return irep.load_irep(path, report), report


@pytest.fixture(scope="module")
def clean() -> tuple[pd.DataFrame, ImportReport]:
    return _load(CLEAN)


def test_every_establishment_is_kept(clean):
    sites, report = clean
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (8, 8, 0)
    assert not report.warnings
    assert (sites["source"] == "irep").all()
    assert (sites["source_id"] == sites["code_aiot"]).all()
    assert sites["_ligne"].tolist() == list(range(2, 10))
    assert all(c in schema.column_names("sites") or c.startswith("_") for c in sites.columns)


@pytest.mark.parametrize(
    ("identifiant", "code_insee", "lon", "lat"),
    [
        ("0006508112", "2A004", 8.7641, 41.9337),  # Corse-du-Sud, Lambert-93
        ("0006508245", "2B148", 9.4512, 42.5321),  # Haute-Corse
        ("0100012345", "97407", 55.2921, -20.9376),  # La Réunion, EPSG:2975
        ("0100067890", "97103", -61.5630, 16.2413),  # Guadeloupe, EPSG:5490
        ("0100099001", "97304", -52.6520, 5.1590),  # Guyane, WGS84 (EPSG:4326)
        ("0005102345", "69199", 4.8553, 45.7021),  # Lambert II étendu (EPSG:27572)
    ],
)
def test_per_row_epsg(clean, identifiant, code_insee, lon, lat):
    row = clean[0].set_index("code_aiot").loc[identifiant]
    assert row["code_insee"] == code_insee
    assert (row["lon"], row["lat"]) == (pytest.approx(lon, abs=1e-4), pytest.approx(lat, abs=1e-4))


def test_activity_and_links(clean):
    row = clean[0].set_index("code_aiot").loc["0005800077"]
    assert (row["naf"], row["naf_division"], row["naf_libelle"]) == (
        "19.20Z", "19", "Raffinage du pétrole")
    assert row["siret"] == "54210765400188"
    assert row["url"].endswith("/details/0005800077")
    assert pd.isna(row["date_maj"])


def test_yearly_zip_gives_the_year(tmp_path, clean):
    archive = tmp_path / "2023.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2023/emissions.csv", "identifiant;nom_etablissement;annee_emission\n")
        z.write(CLEAN, "2023/Etablissements.csv")
    sites, _ = _load(archive)
    assert (sites["date_maj"] == pd.Timestamp("2023-12-31")).all()
    columns = [c for c in sites.columns if c != "date_maj"]
    pd.testing.assert_frame_equal(sites[columns], clean[0][columns])


def test_bom_and_comma_variant_reads_the_same(tmp_path, clean):
    text = CLEAN.read_text(encoding="utf-8")
    variant = tmp_path / "etablissements.csv"
    variant.write_text(text.replace(",", " ").replace(";", ","), encoding="utf-8-sig")
    sites, _ = _load(variant)
    assert sites["code_aiot"].tolist() == clean[0]["code_aiot"].tolist()
    assert sites["nom"].iloc[0] == "SOCIÉTÉ CHIMIQUE DU PÉAGE"


def test_messy_file_report():
    sites, report = _load(MESSY)
    assert (report.rows_read, report.rows_kept, report.rows_rejected, report.rows_merged) == (
        9, 6, 2, 1)
    assert {r.line: r.reason for r in report.rejections} == {
        8: "identifiant IREP manquant",
        9: "ni nom, ni adresse, ni commune, ni coordonnées : ce n'est pas un site",
    }
    assert report.rejections[0].row["nom_etablissement"] == "CHIMIE DE LA VALLÉE"
    warnings = {w.line: w.reason for w in report.warnings}
    assert set(warnings) == {3, 5, 6, 7, 10}
    assert warnings[3] == "doublon de la ligne 2 : fusionné"
    assert warnings[5].startswith("coordonnées x=42,5321, y=9,4512 (EPSG 4326) hors de France")
    assert "« en trop »" in warnings[6]
    assert warnings[7].endswith("ne pourra pas être placé")
    assert warnings[10] == "SIRET « 4430618410011 » invalide (14 chiffres attendus), ignoré"
    by_code = sites.set_index("code_aiot")
    vazzio = by_code.loc["0006508112"]  # "6508112" padded, "3511Z" dotted, "1178664,2" read
    assert (vazzio["naf"], vazzio["code_insee"]) == ("35.11Z", "2A004")
    assert (vazzio["lon"], vazzio["lat"]) == (pytest.approx(8.7641, abs=1e-4),
                                              pytest.approx(41.9337, abs=1e-4))
    assert pd.isna(by_code.loc["0006508245", "lon"])
    assert by_code.loc["0006508245", "code_insee"] == "2B148"
    assert by_code.loc["0100012345", "lat"] == pytest.approx(-20.9376, abs=1e-4)


def test_not_an_irep_file(tmp_path):
    other = tmp_path / "emissions.csv"
    other.write_text("annee;polluant\n2023;CO2\n", encoding="utf-8")
    with pytest.raises(irep.IrepFormatError, match="colonne identifiant absente"):
        irep.load_irep(other, ImportReport("sites"))
    archive = tmp_path / "2022.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("2022/emissions.csv", "identifiant;annee_emission\n")
    with pytest.raises(irep.IrepFormatError, match=r"pas de fichier etablissements\.csv"):
        irep.read_irep(archive)
