"""The Données page as data: upload checks, report figures, provenance, unplaced rows."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from influ_geo import data_admin, importers, referentiel, store
from influ_geo.report import ImportReport

MB = 1024 * 1024


@pytest.mark.parametrize("name, size, kind, message", [
    ("gros.csv", 201 * MB, "actions", "« gros.csv » pèse 201,0 Mo : la limite est de 200 Mo"),
    ("vide.csv", 0, "actions", "« vide.csv » est vide."),
    ("photo.png", 10, "actions", "« photo.png » : extension « .png » non lue pour mobilisations"),
    ("sans_extension", 10, "membres", "extension « aucune »"),
    ("agenda.json", 10, "actions", "extension « .json » non lue"),
])
def test_uploads_refused_before_reading(name: str, size: int, kind: str, message: str) -> None:
    assert message in data_admin.upload_problem(name, size, kind, 200)


@pytest.mark.parametrize("name, kind", [
    ("actions.csv", "actions"), ("ACTIONS.XLSX", "actions"), ("events.v2.json", "events"),
    ("StockEtablissement_utf8.zip", "sites"), ("liste-ti.csv", "territoires_industrie"),
])
def test_uploads_that_may_be_read(name: str, kind: str) -> None:
    assert data_admin.upload_problem(name, 200 * MB, kind, 200) is None
    assert name.rsplit(".", 1)[-1].lower() in data_admin.accepted_suffixes(kind)


def test_precision_table_most_precise_first() -> None:
    table = data_admin.precision_table({"failed": 1, "municipality": 3})
    assert table.to_dict("list") == {"Placement": ["Commune", "Non géocodé"], "Lignes": [3, 1],
                                     "Part": ["75 %", "25 %"]}


def test_report_figures() -> None:
    report = ImportReport("actions", rows_read=9, rows_kept=5, rows_merged=1,
                          precision={"municipality": 4, "failed": 1})
    report.reject(3, "date manquante")
    assert data_admin.report_figures(report) == {
        "Lignes lues": 9, "Conservées": 5, "Rejetées": 1, "Doublons fusionnés": 1,
        "Non placées": 1}


def test_rejected_rows_download_is_formula_safe() -> None:
    report = ImportReport("actions")
    report.reject(4, "canal « =1+1 » inconnu", {"canal": "=HYPERLINK(\"http://x\")"})
    data = data_admin.frame_bytes(data_admin.rejects_frame(report), ".csv")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert back.to_dict("records") == [{"ligne": "4", "motif": "canal « =1+1 » inconnu",
                                        "canal": "'=HYPERLINK(\"http://x\")"}]
    xlsx = data_admin.frame_bytes(data_admin.rejects_frame(report), ".xlsx")
    assert pd.read_excel(io.BytesIO(xlsx)).loc[0, "canal"].startswith("'=")


def test_provenance_table_of_a_real_import(tmp_path) -> None:
    engine = store.get_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    data = (b"date,membre,canal,theme,territoire\n2025-03-18,M1,linkedin,inclusion,01283\n"
            b"2025-03-19,M2,fax,inclusion,01283\n")
    prepared = importers.preview_bytes(data, "releve.csv", "actions", engine=engine)
    importers.write_prepared(prepared, engine)
    table = data_admin.provenance_table(store.list_imports(engine))
    assert list(table.columns) == list(data_admin.PROVENANCE_COLUMNS.values())
    row = table.iloc[0]
    assert (row["Données"], row["Source"], row["Fichier"], row["Format"]) == (
        "Mobilisations", "fichier", "releve.csv", "actions")
    assert (row["Lues"], row["Conservées"], row["Rejetées"]) == (2, 1, 1)
    assert row["Empreinte SHA-256"] == prepared.checksum[:16]


def test_unplaced_rows_and_what_to_search() -> None:
    events = pd.DataFrame({
        "id": pd.array([1, 2, 3], dtype="Int64"), "titre": ["Forum", "Salon", "Atelier"],
        "lieu": [None, "Hall 3", None], "code_postal": ["42000", None, None],
        "commune": ["ST ETIENE", "Lyon", None],
        "geo_precision": ["failed", "municipality", "failed"],
        "geo_note": ["commune introuvable : « ST ETIENE »", None, None]})
    rows = data_admin.unplaced_rows(events, "events")
    assert rows.to_dict("records") == [
        {"id": 1, "libelle": "Forum — 42000 — ST ETIENE",
         "motif": "commune introuvable : « ST ETIENE »", "recherche": "ST ETIENE"},
        {"id": 3, "libelle": "Atelier", "motif": "", "recherche": ""}]
    membres = pd.DataFrame({"id": pd.array([5, 6], dtype="Int64"), "pseudonyme": ["A", "B"],
                            "commune_nom": [None, "Lyon"], "code_insee": [None, "69123"]})
    assert data_admin.unplaced_rows(membres, "membres")["id"].tolist() == [5]
    assert data_admin.unplaced_rows(events.iloc[[1]], "events").empty


def test_commune_location_with_its_territoire_d_industrie() -> None:
    communes = referentiel.communes()
    oyonnax = communes.loc[communes["code_insee"] == "01283"].iloc[0]
    ti = pd.DataFrame({"code_insee": ["01283", "01283"], "id_ti": ["TI-B", "TI-A"]})
    location = data_admin.commune_location("actions", oyonnax, ti)
    assert location["id_ti"] == "TI-A"
    assert location["territoire_niveau"] == "commune"
    assert location["geo_precision"] == "municipality"
    assert "territoire_niveau" not in data_admin.commune_location("sites", oyonnax)
