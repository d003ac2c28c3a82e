"""``python -m influ_geo import KIND FILE`` and ``export KIND -o OUT`` on both backends."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from influ_geo import cli, config, store

DATA = Path(__file__).resolve().parent / "data"
PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def database(db_url, monkeypatch) -> str:
    """The commands' store (``INFLU_GEO_DATABASE_URL``) is the test's store."""
    monkeypatch.setattr(config, "DATABASE_URL", db_url)
    return db_url


def _copy(name: str, folder: Path) -> Path:
    target = folder / Path(name).name
    shutil.copy(DATA / name, target)
    return target


def test_import_prints_the_report_and_writes_rejects_next_to_the_file(database, tmp_path,
                                                                      capsys):
    path = _copy("actions/actions_messy.csv", tmp_path)
    assert cli.main(["import", "actions", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("actions_messy.csv : 9 lignes lues, 4 conservées, 4 rejetées, "
                      "1 doublons fusionnés.")
    assert out[1] == "Format : Relevé de mobilisations (CSV/XLSX)."
    assert out[2].startswith("Base : 4 lignes ajoutées, 0 mises à jour")
    assert ("Ligne 6 rejetée : canal « Fax » inconnu ; valeurs acceptées : linkedin, tiktok, "
            "instagram, youtube, presse, evenement, atelier, autre (ou leur intitulé en clair)"
            ) in out
    rejects = tmp_path / "actions_messy.rejets.csv"
    assert f"Lignes rejetées écrites dans {rejects}" in out
    assert "Lignes conservées avec un avertissement :" in out
    assert "  Ligne 3 : doublon de la ligne 2 : fusionné" in out
    assert list(pd.read_csv(rejects, encoding="utf-8-sig")["ligne"]) == [6, 7, 8, 9]
    assert len(store.read_table(store.get_engine(database), "actions")) == 4


def test_second_import_says_already_imported_and_adds_nothing(database, tmp_path, capsys):
    path = _copy("events/evenements.csv", tmp_path)
    assert cli.main(["import", "events", str(path)]) == 0
    before = store.dump_store(store.get_engine(database))
    capsys.readouterr()
    assert cli.main(["import", "events", str(path)]) == 0
    out = capsys.readouterr().out
    assert "evenements.csv : déjà importé le " in out
    assert "Ce fichier a déjà été importé : rien n'a été ajouté." in out
    after = store.dump_store(store.get_engine(database))
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name])


def test_rejects_folder_and_forced_format(database, tmp_path, capsys):
    folder = tmp_path / "rejets"
    folder.mkdir()
    path = _copy("events/openagenda_flat_messy.csv", tmp_path)
    code = cli.main(["import", "events", str(path), "--format", "openagenda-plat",
                     "--rejets", str(folder)])
    assert code == 0
    assert (folder / "openagenda_flat_messy.rejets.csv").is_file()
    assert not (tmp_path / "openagenda_flat_messy.rejets.csv").exists()
    assert "Format : OpenAgenda — copie à plat (Opendatasoft)." in capsys.readouterr().out


def test_clean_file_writes_no_rejects_file(database, tmp_path, capsys):
    path = _copy("ti/liste-ti-com2023.csv", tmp_path)
    assert cli.main(["import", "territoires-industrie", str(path)]) == 0
    assert not (tmp_path / "liste-ti-com2023.rejets.csv").exists()
    assert "rejetées écrites" not in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["import", "sites", "{events}"], "format de sites non reconnu"),
    (["import", "usines", "{events}"], "type de données inconnu : « usines »"),
    (["import", "events", "{missing}"], "fichier introuvable"),
    (["import", "events", "{events}", "--format", "icpe-api"], "format « icpe-api » inconnu"),
    (["import", "events", "{events}", "--rejets", "{missing}"], "dossier des rejets introuvable"),
    (["export", "usines", "-o", "{out}"], "type de données inconnu : « usines »"),
    (["export", "events", "-o", "{nowhere}"], "dossier introuvable"),
])
def test_unusable_input_exits_2_with_one_french_line(database, tmp_path, capsys, args, message):
    before = store.dump_store(store.get_engine(database))
    paths = {"events": DATA / "events/evenements.csv", "missing": tmp_path / "absent",
             "out": tmp_path / "x.csv", "nowhere": tmp_path / "absent" / "x.csv"}
    assert cli.main([a.format(**paths) for a in args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur : ") and message in lines[0]
    after = store.dump_store(store.get_engine(database))
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_writes_the_table(database, tmp_path, capsys, suffix):
    assert cli.main(["import", "events", str(DATA / "events/evenements.csv")]) == 0
    out = tmp_path / f"evenements{suffix}"
    assert cli.main(["export", "events", "-o", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"events : 7 lignes écrites dans {out}"
    read = pd.read_excel(out) if suffix == ".xlsx" else pd.read_csv(out, encoding="utf-8-sig")
    assert len(read) == 7 and "titre" in read.columns


def test_command_line_entry_point(tmp_path):
    """The real ``python -m influ_geo`` process, on an SQLite file."""
    env = {**os.environ, "INFLU_GEO_DATABASE_URL": f"sqlite:///{tmp_path / 'base.sqlite'}"}
    path = _copy("sites/icpe_wfs_messy.csv", tmp_path)
    done = subprocess.run([sys.executable, "-m", "influ_geo", "import", "sites", str(path)],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("icpe_wfs_messy.csv : 9 lignes lues, 5 conservées, 2 rejetées")
    assert (tmp_path / "icpe_wfs_messy.rejets.csv").is_file()
    bad = subprocess.run([sys.executable, "-m", "influ_geo", "import", "events", str(path)],
                         cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("Erreur : icpe_wfs_messy.csv : ")
