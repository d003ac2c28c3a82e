"""``python -m influ_geo geocode IN -o OUT``: a messy file through the command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from influ_geo.cli import main
from influ_geo.geocode import OUTPUT_COLUMNS

PROJECT_DIR = Path(__file__).resolve().parent.parent
MESSY = PROJECT_DIR / "tests" / "data" / "geocode" / "sites_messy.csv"

# What each row of the messy file (Windows-1252, ";", mixed cases) must become.
EXPECTED = {
    "Atelier du port": ("municipality", "76351", ""),
    "Chantier naval": ("municipality", "76351", ""),
    "Forge de Bresse": ("municipality", "01053", ""),
    "Filature": ("municipality", "76575", ""),
    "Sucrerie": ("municipality", "97418", ""),
    "Siège social": ("municipality", "75056", ""),
    "Agence Aquitaine": ("municipality", "33063", "CEDEX"),
    "Bureau du Vieux-Port": ("municipality", "13055", ""),
    "Laboratoire": ("municipality", "69123", ""),
    "Scierie": ("municipality", "2A004", ""),
    "Carrière": ("municipality", "2B033", ""),
    "Distillerie": ("municipality", "97105", ""),
    "Rhumerie": ("municipality", "97209", ""),
    "Centre spatial": ("municipality", "97304", ""),
    "Port de Longoni": ("municipality", "97611", ""),
    "Ancienne mairie": ("municipality", "01138", "ancien code"),
    "Mairie du 8e": ("municipality", "75056", ""),
    "Tour": ("source", "75056", "inversées"),
    "Point zéro": ("municipality", "76351", "(0, 0)"),
    "Bruxelles": ("failed", "", "hors de France"),
    "Entrepôt déclaré au Havre": ("source", "76351", "Montivilliers (76447)"),
    "Inconnue": ("failed", "", "commune introuvable"),
    "Ligne vide": ("failed", "", "rien pour localiser"),
    "Code sans zéro": ("municipality", "01001", ""),
    "Ministère": ("municipality", "75056", ""),
}


def read_output(path: Path) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def check_messy_output(out: pd.DataFrame) -> None:
    source = pd.read_csv(MESSY, sep=";", dtype=str, keep_default_na=False, encoding="cp1252")
    assert list(out.columns) == [*source.columns, *OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(out[list(source.columns)], source)  # untouched, in order
    for _, row in out.iterrows():
        precision, code, note = EXPECTED[row["Nom"]]
        assert (row["geo_precision"], row["code_insee"]) == (precision, code), row["Nom"]
        assert note in row["geo_note"], (row["Nom"], row["geo_note"])
        assert (row["lon"] == "") == (precision == "failed")


def test_messy_csv_to_csv(tmp_path, capsys) -> None:
    target = tmp_path / "sites_geo.csv"
    assert main(["geocode", str(MESSY), "-o", str(target)]) == 0
    check_messy_output(read_output(target))
    said = capsys.readouterr().out
    assert "25 lignes traitées" in said
    assert "précision : coordonnées du fichier 2, commune 20, non géocodé 3" in said
    assert ("3 lignes non géocodées : coordonnées hors de France ignorées (1), "
            "commune introuvable (1), rien pour localiser (1)") in said


def test_xlsx_in_xlsx_out(tmp_path) -> None:
    source = pd.read_csv(MESSY, sep=";", dtype=str, keep_default_na=False, encoding="cp1252")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(source.columns))
    for row in source.itertuples(index=False):
        sheet.append([cell or None for cell in row])
    workbook = tmp_path / "sites.xlsx"
    book.save(workbook)
    assert main(["geocode", str(workbook)]) == 0  # default output: sites_geo.xlsx
    check_messy_output(read_output(tmp_path / "sites_geo.xlsx"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "fichier introuvable"), (b"", "fichier vide"),
     (bytes(range(256)) * 4, "contenu binaire"),
     ("société;montant\nA;12\n".encode("cp1252"), "aucune colonne utilisable")],
)
def test_unusable_input_exits_non_zero_with_one_french_line(tmp_path, capsys, content,
                                                            reason) -> None:
    source = tmp_path / "entree.csv"
    if content is not None:
        source.write_bytes(content)
    assert main(["geocode", str(source), "-o", str(tmp_path / "sortie.csv")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Erreur : ") and reason in err[0]
    assert not (tmp_path / "sortie.csv").exists()


def test_output_must_not_overwrite_the_input(tmp_path, capsys) -> None:
    copy = tmp_path / "sites.csv"
    shutil.copy(MESSY, copy)
    assert main(["geocode", str(copy), "-o", str(copy)]) != 0
    assert copy.read_bytes() == MESSY.read_bytes()
    assert "différent du fichier d'entrée" in capsys.readouterr().err


def test_python_m_influ_geo_geocode(tmp_path) -> None:
    target = tmp_path / "sites_geo.csv"
    done = subprocess.run([sys.executable, "-m", "influ_geo", "geocode", str(MESSY), "-o",
                           str(target)], cwd=PROJECT_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Résultat écrit dans" in done.stdout
    assert len(read_output(target)) == 25
