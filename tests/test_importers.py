"""The import pipeline, end to end into a store (SQLite, and PostgreSQL when reachable).

Every hand-made sample of tests/data/ goes through reading, geocoding, locating and one
store import; the messy variants give their report; failed imports change nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from influ_geo import config, dataset, import_formats, import_locate, importers, store
from influ_geo.report import ImportReport

DATA = Path(__file__).resolve().parent / "data"

# kind, sample file, detected format, rows read / kept / rejected / merged.
SAMPLES = [
    ("sites", "sites/icpe_api_page.json", "icpe-api", (8, 8, 0, 0)),
    ("sites", "sites/icpe_wfs.csv", "icpe-csv", (8, 8, 0, 0)),
    ("sites", "sites/icpe_shapefile.zip", "icpe-shapefile", (8, 8, 0, 0)),
    ("sites", "sites/sirene_stock.csv", "sirene", (16, 12, 0, 0)),
    ("sites", "sites/geo_siret_2A.csv", "sirene", (3, 2, 0, 0)),
    ("sites", "sites/irep_etablissements.csv", "irep", (8, 8, 0, 0)),
    ("events", "events/openagenda_events.v2.json", "openagenda", (8, 7, 1, 0)),
    ("events", "events/openagenda_flat.json", "openagenda-plat", (5, 5, 0, 0)),
    ("events", "events/evenements.csv", "evenements", (7, 7, 0, 0)),
    ("actions", "actions/actions.csv", "actions", (11, 11, 0, 0)),
    ("territoires-industrie", "ti/liste-ti-com2023.csv", "ti", (11, 11, 0, 0)),
    ("membres", "membres/membres.csv", "membres", (6, 6, 0, 0)),
]
MESSY = [
    ("sites", "sites/icpe_api_messy.json", "icpe-api", (9, 5, 2, 2)),
    ("sites", "sites/icpe_wfs_messy.csv", "icpe-csv", (9, 5, 2, 2)),
    ("sites", "sites/icpe_shapefile_messy.zip", "icpe-shapefile", (9, 5, 2, 2)),
    ("sites", "sites/sirene_stock_messy.csv", "sirene", (12, 4, 4, 2)),
    ("sites", "sites/irep_etablissements_messy.csv", "irep", (9, 6, 2, 1)),
    ("events", "events/openagenda_events.v2_messy.json", "openagenda", (8, 2, 5, 1)),
    ("events", "events/openagenda_flat_messy.csv", "openagenda-plat", (6, 2, 3, 1)),
    ("events", "events/evenements_messy.csv", "evenements", (9, 5, 3, 1)),
    ("actions", "actions/actions_messy.csv", "actions", (9, 4, 4, 1)),
    ("territoires-industrie", "ti/liste-ti-com2023_messy.csv", "ti", (12, 8, 3, 1)),
    ("membres", "membres/membres_messy.csv", "membres", (7, 4, 2, 1)),
]


def _import(engine, kind: str, name: str, **kwargs) -> importers.PipelineReport:
    return importers.import_file(DATA / name, kind, engine=engine, **kwargs)


def _counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.rows_read, report.rows_kept, report.rows_rejected, report.rows_merged


def _assert_dumps_equal(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    assert before.keys() == after.keys()
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


# ---------------------------------------------------------------- every sample, end to end

@pytest.mark.parametrize(("kind", "name", "fmt", "counts"), SAMPLES,
                         ids=[s[1] for s in SAMPLES])
def test_each_sample_imports_end_to_end(store_engine, kind, name, fmt, counts):
    report = _import(store_engine, kind, name)
    assert report.format_code == fmt and f"Format : {report.format_label}." in \
        report.summary_lines()
    assert _counts(report) == counts
    table = import_formats.store_kind(kind)
    stored = store.read_table(store_engine, table)
    assert len(stored) == report.rows_kept == report.result.rows_inserted
    codes = stored["code_insee"].dropna()
    assert codes.str.fullmatch(r"\d{5}|2[AB]\d{3}").all()  # text codes, zeros kept
    assert codes.str.startswith(("2A", "2B")).any()
    assert codes.str.startswith("97").any() or name.endswith("_2A.csv")  # Corsica's file
    log = store.list_imports(store_engine).iloc[0]
    assert log["checksum"] == hashlib.sha256((DATA / name).read_bytes()).hexdigest()
    assert (log["kind"], log["file_name"], log["rows_read"]) == (table, Path(name).name,
                                                                 counts[0])
    if "geo_precision" in stored.columns:
        assert sum(report.precision.values()) == stored["geo_precision"].notna().sum()
        located = stored[stored["code_insee"].notna()]
        assert located["code_departement"].notna().all() and located["code_region"].notna().all()


@pytest.mark.parametrize(("kind", "name", "fmt", "counts"), MESSY, ids=[m[1] for m in MESSY])
def test_each_messy_variant_gives_its_report(store_engine, tmp_path, kind, name, fmt, counts):
    rejects = tmp_path / "rejets.csv"
    report = _import(store_engine, kind, name, rejects=rejects)
    assert report.format_code == fmt
    assert _counts(report) == counts
    if fmt != "sirene":  # Sirene sets rows outside manufacturing aside (a line-0 note)
        assert report.rows_read == report.rows_kept + report.rows_rejected + report.rows_merged
    assert len(store.read_table(store_engine, import_formats.store_kind(kind))) == counts[1]
    written = pd.read_csv(rejects, dtype=str, encoding="utf-8-sig")
    assert list(written["ligne"].astype(int)) == [r.line for r in report.rejections]
    assert list(written["motif"]) == [r.reason for r in report.rejections]
    assert report.rejects_path == rejects
    lines = report.summary_lines()
    assert f"Lignes rejetées écrites dans {rejects}" in lines
    assert sum(line.startswith("Ligne ") and "rejetée" in line for line in lines) == counts[2]


# ---------------------------------------------------------------- idempotence and atomicity

def test_reimporting_the_same_file_adds_nothing(store_engine, tmp_path):
    first = _import(store_engine, "events", "events/evenements_messy.csv")
    before = store.dump_store(store_engine)
    copy = tmp_path / "copie.csv"
    shutil.copy(DATA / "events/evenements_messy.csv", copy)
    again = importers.import_file(copy, "events", engine=store_engine)
    assert again.already_imported and again.result is None
    assert (again.rows_read, again.rows_kept) == (first.rows_read, first.rows_kept)
    lines = again.summary_lines()
    assert lines[0].startswith("copie.csv : déjà importé le ") and "5 conservées, 3 rejetées" \
        in lines[0]
    assert "Ce fichier a déjà été importé : rien n'a été ajouté." in lines
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_a_json_cut_in_the_middle_changes_nothing(store_engine, tmp_path):
    _import(store_engine, "events", "events/evenements.csv")
    before = store.dump_store(store_engine)
    data = (DATA / "events/openagenda_events.v2.json").read_bytes()
    cut = tmp_path / "events.v2.json"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(importers.UnusableFile, match=r"^events\.v2\.json : .*JSON illisible"):
        importers.import_file(cut, "events", engine=store_engine)
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_a_zip_cut_in_the_middle_changes_nothing(store_engine, tmp_path):
    before = store.dump_store(store_engine)
    data = (DATA / "sites/icpe_shapefile.zip").read_bytes()
    cut = tmp_path / "InstallationsClassees.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(importers.UnusableFile, match="archive zip incomplète ou abîmée"):
        importers.import_file(cut, "sites", engine=store_engine)
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_a_gzip_stock_cut_in_the_middle_changes_nothing(store_engine, tmp_path):
    import gzip

    before = store.dump_store(store_engine)
    data = gzip.compress((DATA / "sites/sirene_stock.csv").read_bytes())
    cut = tmp_path / "StockEtablissement_utf8.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(importers.UnusableFile, match=r"^StockEtablissement_utf8\.csv\.gz : "
                                                     "fichier illisible ou incomplet"):
        importers.import_file(cut, "sites", engine=store_engine)
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_a_missing_geolocation_file_is_unusable(store_engine, tmp_path):
    options = import_formats.LoadOptions(geolocalisation=tmp_path / "geo.csv")
    with pytest.raises(importers.UnusableFile, match="fichier de géolocalisation introuvable"):
        importers.import_file(DATA / "sites/sirene_stock.csv", "sites", engine=store_engine,
                              options=options)


def test_sirene_with_its_geolocation_file(store_engine):
    options = import_formats.LoadOptions(geolocalisation=DATA / "sites/sirene_geolocalisation.csv")
    report = importers.import_file(DATA / "sites/sirene_stock.csv", "sites", engine=store_engine,
                                   options=options)
    without = importers.preview(DATA / "sites/sirene_stock.csv", "sites", engine=store_engine)
    assert report.precision.get("source", 0) > without.report.precision.get("source", 0)
    details = store.list_imports(store_engine).iloc[0]["details"]
    assert '"geolocalisation": "sirene_geolocalisation.csv"' in details


def test_a_csv_cut_in_the_middle_of_a_row_loses_no_row_silently(store_engine, tmp_path):
    text = (DATA / "events/evenements.csv").read_text(encoding="utf-8")
    cut = tmp_path / "evenements.csv"
    cut.write_text(text[: text.index("Valexpo")], encoding="utf-8")  # in the 5th event
    report = importers.import_file(cut, "events", engine=store_engine)
    assert report.rows_read == 5 and report.rows_kept + report.rows_rejected == 5
    assert len(store.read_table(store_engine, "events")) == report.rows_kept


def test_a_crash_between_two_inserts_leaves_the_store_unchanged(store_engine, monkeypatch):
    _import(store_engine, "territoires-industrie", "ti/liste-ti-com2023.csv")
    _import(store_engine, "events", "events/evenements.csv")
    before = store.dump_store(store_engine)
    monkeypatch.setattr(config, "STORE_CHUNK_ROWS", 2)
    chunks = []

    def crash(table: str, number: int) -> None:
        chunks.append(number)
        if number == 2:
            raise RuntimeError("panne simulée entre deux insertions")

    monkeypatch.setattr(store, "_after_chunk", crash)
    with pytest.raises(RuntimeError, match="panne simulée"):
        _import(store_engine, "sites", "sites/sirene_stock.csv")
    assert chunks == [1, 2]
    _assert_dumps_equal(before, store.dump_store(store_engine))
    monkeypatch.setattr(store, "_after_chunk", lambda table, number: None)
    report = _import(store_engine, "sites", "sites/sirene_stock.csv")  # not marked imported
    assert report.result.rows_inserted == 12


def test_rows_the_store_refuses_raise_in_french_and_write_nothing(store_engine):
    prepared = importers.preview(DATA / "actions/actions.csv", "actions", engine=store_engine)
    before = store.dump_store(store_engine)
    prepared.frame.loc[0, "evenement_id"] = 999  # an event that does not exist
    with pytest.raises(importers.UnusableFile, match=r"^actions\.csv : actions : import refusé"):
        importers.write_prepared(prepared, store_engine)
    _assert_dumps_equal(before, store.dump_store(store_engine))


# ---------------------------------------------------------------- files that cannot be used

@pytest.mark.parametrize(("kind", "content", "message"), [
    ("sites", "nom,ville\nUsine,Figeac\n", "format de sites non reconnu"),
    ("events", "titre,lieu\nForum,Salle\n", "colonne(s) obligatoire(s) absente(s) : date_debut"),
    ("actions", "date,membre,canal\n2025-03-18,M,linkedin\n", "absente(s) : theme"),
    ("territoires-industrie", "insee_com,lib_com\n01001,X\n", "colonnes absentes : id_ti"),
    ("events", "titre,date_debut\n", "aucune ligne de données"),
    ("events", "", "fichier vide"),
    ("actions", "\x00\x01\x02binaire" * 100, "contenu binaire"),
])
def test_unusable_files_raise_one_french_line_and_change_nothing(store_engine, tmp_path, kind,
                                                                 content, message):
    path = tmp_path / "fichier.csv"
    path.write_text(content, encoding="utf-8")
    before = store.dump_store(store_engine)
    with pytest.raises(importers.UnusableFile) as error:
        importers.import_file(path, kind, engine=store_engine)
    assert str(error.value).startswith("fichier.csv : ") and message in str(error.value)
    assert "\n" not in str(error.value)
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_unknown_kind_missing_file_and_foreign_format(store_engine, tmp_path):
    with pytest.raises(importers.UnusableFile, match="type de données inconnu : « usines »"):
        importers.import_file(DATA / "sites/icpe_wfs.csv", "usines", engine=store_engine)
    with pytest.raises(importers.UnusableFile, match="fichier introuvable"):
        importers.import_file(tmp_path / "absent.csv", "events", engine=store_engine)
    with pytest.raises(importers.UnusableFile, match=r"format « sirene » inconnu pour events "
                                                     r"\(formats possibles : openagenda, "):
        importers.import_file(DATA / "events/evenements.csv", "events", fmt="sirene",
                              engine=store_engine)


# ---------------------------------------------------------------- format detection

@pytest.mark.parametrize(("kind", "name", "fmt"), [(k, n, f) for k, n, f, _ in SAMPLES + MESSY])
def test_format_detection(kind, name, fmt):
    assert import_formats.detect_format(DATA / name, kind) == fmt


def test_forced_format_is_used_instead_of_the_detected_one(store_engine, tmp_path):
    path = tmp_path / "agenda.csv"
    path.write_text("titre;date_debut;commune;code_postal\nForum;2025-04-10;Ajaccio;20000\n",
                    encoding="utf-8")
    assert import_formats.detect_format(path, "events") == "evenements"
    report = importers.import_file(path, "events", fmt="openagenda-plat", engine=store_engine)
    assert report.format_code == "openagenda-plat"
    assert [(r.line, r.reason) for r in report.rejections] == [(2, "titre manquant")]
    flat = DATA / "events/openagenda_flat_messy.csv"
    with pytest.raises(importers.UnusableFile, match=r"colonne.*obligatoire.*titre"):
        importers.import_file(flat, "events", fmt="evenements", engine=store_engine)


def test_zipped_sirene_stock_and_irep_year_are_recognised(tmp_path):
    import zipfile

    stock = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(stock, "w") as archive:
        archive.write(DATA / "sites/sirene_stock.csv", "StockEtablissement_utf8.csv")
    year = tmp_path / "2023.zip"
    with zipfile.ZipFile(year, "w") as archive:
        archive.write(DATA / "sites/irep_etablissements.csv", "2023/etablissements.csv")
    assert import_formats.detect_format(stock, "sites") == "sirene"
    assert import_formats.detect_format(year, "sites") == "irep"


# ---------------------------------------------------------------- location

def test_actions_inherit_their_event_territory(store_engine):
    _import(store_engine, "events", "events/openagenda_events.v2.json")
    report = _import(store_engine, "actions", "actions/actions.csv")
    events = store.read_table(store_engine, "events").set_index("source_id")
    actions = store.read_table(store_engine, "actions")
    relay = actions.iloc[1]  # event 41852310 by id, no territory of its own
    figeac = events.loc["41852310"]
    assert relay["evenement_id"] == figeac["id"]
    assert relay["territoire_niveau"] == "commune"
    for name in ("code_insee", "commune_nom", "code_departement", "code_region", "siren_epci",
                 "lon", "lat", "geo_precision"):
        assert relay[name] == figeac[name], name
    assert relay["geo_note"] == "territoire de l'événement relayé"
    by_title = actions.iloc[2]  # "Forum de l'emploi industriel d'Ajaccio", territory "2A"
    assert by_title["evenement_id"] == events.loc["41852311", "id"]
    assert (by_title["territoire_niveau"], by_title["code_departement"]) == ("departement", "2A")
    relayed = actions.loc[actions["evenement_id"].notna(), "evenement_id"]
    assert list(relayed.map(events.reset_index().set_index("id")["source_id"])) == [
        "41852310", "41852310", "41852311", "41852312", "41852314"]
    assert not [w for w in report.warnings if "introuvable" in w.reason]


def test_actions_without_their_event_in_the_store_are_kept_and_warned(store_engine):
    report = _import(store_engine, "actions", "actions/actions.csv")
    actions = store.read_table(store_engine, "actions")
    assert len(actions) == 11 and actions["evenement_id"].isna().all()
    assert actions.loc[1, "geo_precision"] == "failed"
    assert actions.loc[1, "evenement_titre"] == "41852310"  # kept for later matching
    line_3 = [w.reason for w in report.warnings if w.line == 3]
    assert line_3[0].startswith("événement « 41852310 » introuvable dans la base")
    assert line_3[1] == ("non placé sur la carte : événement relayé introuvable dans la base "
                         ": territoire inconnu")
    assert report.precision["failed"] == 1


def test_actions_imported_before_their_event_are_joined_to_it_once_it_arrives(store_engine):
    _import(store_engine, "actions", "actions/actions.csv")
    before = dataset.load(store_engine, date(2026, 11, 26)).actions
    assert before.loc[1, "liaison"] == "non_trouve" and pd.isna(before.loc[1, "code_insee"])
    _import(store_engine, "events", "events/openagenda_events.v2.json")
    after = dataset.load(store_engine, date(2026, 11, 26)).actions
    figeac = store.read_table(store_engine, "events").set_index("source_id").loc["41852310"]
    assert after.loc[1, "liaison"] == "id" and after.loc[1, "evenement_id"] == figeac["id"]
    assert after.loc[1, "territoire_herite"]
    assert after.loc[1, "code_insee"] == figeac["code_insee"]
    assert len(after) == len(before) == 11


def test_title_matching_is_exact_and_prefers_the_nearest_date():
    events = pd.DataFrame({"id": [1, 2, 3], "titre": ["Semaine de l'industrie",
                                                      "Semaine de l’industrie", "Autre"],
                           "date_debut": pd.to_datetime(["2024-03-18", "2025-03-17",
                                                         "2025-03-18"])})
    actions = pd.DataFrame({
        "evenement_id": pd.array([None, None, None, 3], dtype="Int64"),
        "evenement_titre": ["  SEMAINE de l'industrie ", "Semaine de l'industrie", "Semaine",
                            "Semaine de l'industrie"],
        "date": pd.to_datetime(["2025-03-20", "2024-03-01", "2025-03-20", "2025-03-20"])})
    linked = import_locate.match_titles(actions, events)
    assert list(linked["evenement_id"].astype(object).fillna(0)) == [2, 1, 0, 3]


def test_rows_are_placed_in_territoires_industrie(store_engine):
    _import(store_engine, "territoires-industrie", "ti/liste-ti-com2023.csv")
    _import(store_engine, "sites", "sites/sirene_stock.csv")
    ti = store.read_table(store_engine, "territoires_industrie")
    sites = store.read_table(store_engine, "sites")
    expected = sites["code_insee"].map(ti.drop_duplicates("code_insee").set_index(
        "code_insee")["id_ti"])
    pd.testing.assert_series_equal(sites["id_ti"], expected.astype("str"), check_names=False)
    assert sites["id_ti"].notna().sum() >= 2  # Oyonnax (ti-8413), Bastia…


def test_a_ti_list_imported_after_the_rows_places_them_too(store_engine, tmp_path):
    _import(store_engine, "sites", "sites/sirene_stock.csv")
    _import(store_engine, "events", "events/evenements.csv")
    assert store.read_table(store_engine, "sites")["id_ti"].isna().all()
    _import(store_engine, "territoires-industrie", "ti/liste-ti-com2023.csv")
    ti = store.read_table(store_engine, "territoires_industrie")
    first = ti.sort_values(["code_insee", "id_ti"]).drop_duplicates("code_insee")
    of_commune = first.set_index("code_insee")["id_ti"]
    for kind in ("sites", "events"):
        rows = store.read_table(store_engine, kind)
        pd.testing.assert_series_equal(rows["id_ti"], rows["code_insee"].map(of_commune)
                                       .astype("str"), check_names=False)
    assert store.read_table(store_engine, "sites")["id_ti"].notna().sum() >= 2
    # A commune moved to another TI (a second list): the rows follow.
    oyonnax = tmp_path / "ti-2024.csv"
    oyonnax.write_text("insee_com,lib_com,id_ti,lib_ti\n01283,Oyonnax,ti-0001,Nouveau TI\n",
                       encoding="utf-8")
    _import(store_engine, "territoires-industrie", oyonnax)
    sites = store.read_table(store_engine, "sites")
    assert set(sites.loc[sites["code_insee"] == "01283", "id_ti"]) == {"ti-0001"}


def test_unplaced_rows_are_kept_with_their_line_and_declared_departement(store_engine, tmp_path):
    path = tmp_path / "evenements.csv"
    path.write_text(
        "titre,date_debut,commune,code_departement\n"
        "Forum,2025-04-10,Ajaccio,2A\n"
        ",2025-04-11,Bastia,2B\n"                       # rejected: no title
        "Portes ouvertes,2025-04-12,Xyzville,2B\n"      # unknown commune, known département
        "Visite,2025-04-13,Nulle-Part,\n",              # nothing usable
        encoding="utf-8")
    report = importers.import_file(path, "events", engine=store_engine)
    events = store.read_table(store_engine, "events")
    assert list(events["geo_precision"]) == ["municipality", "departement", "failed"]
    assert list(events["code_departement"].fillna("")) == ["2A", "2B", ""]
    assert events.loc[1, "code_region"] == "94"
    assert "placé au département indiqué par la source" in events.loc[1, "geo_note"]
    assert [(w.line, w.reason) for w in report.warnings] == [
        (5, "non placé sur la carte : commune introuvable : « Nulle-Part »")]
    assert report.precision == {"municipality": 1, "departement": 1, "failed": 1}
    assert "Géocodage : commune 1, département 1, non géocodé 1." in report.summary_lines()


def test_row_lines_skip_rejected_and_merged_rows():
    report = ImportReport("events", "x.csv", rows_read=6)
    report.reject(3, "titre manquant")
    report.warn(5, "doublon de la ligne 2 : fusionné")
    report.warn(6, "lien ignoré")
    frame = pd.DataFrame({"titre": ["a", "b", "c", "d"]})
    assert list(importers.row_lines(frame, report, 2)) == [2, 4, 6, 7]
    assert importers.row_lines(frame.iloc[:3], report, 2) is None  # do not add up


def test_members_are_placed_at_their_commune_never_at_an_address(store_engine):
    report = _import(store_engine, "membres", "membres/membres_messy.csv")
    membres = store.read_table(store_engine, "membres").set_index("pseudonyme")
    assert membres.loc["Membre démo 01", "canaux"] == "linkedin tiktok"
    assert membres.loc["Membre démo 01", "themes"] == "savoir_faire"
    assert membres.loc["Membre démo 07", "code_insee"] == "97411"  # Saint-Denis 97400
    figeac = store.read_table(store_engine, "membres").iloc[0]
    from influ_geo import referentiel

    point = referentiel.communes().set_index("code_insee").loc["46102", ["lon", "lat"]]
    assert (figeac["lon"], figeac["lat"]) == (point["lon"], point["lat"])
    assert (7, "non placé sur la carte : commune introuvable : « Xyzville »") in \
        [(w.line, w.reason) for w in report.warnings]


# ---------------------------------------------------------------- the app's entry points

def test_preview_writes_nothing_then_write_prepared_writes(store_engine):
    before = store.dump_store(store_engine)
    prepared = importers.preview(DATA / "events/evenements.csv", "events", engine=store_engine)
    _assert_dumps_equal(before, store.dump_store(store_engine))
    assert len(prepared.frame) == 7 and prepared.previous_import is None
    assert prepared.report.precision == {"municipality": 7}
    report = importers.write_prepared(prepared, store_engine)
    assert report.result.rows_inserted == 7
    again = importers.preview(DATA / "events/evenements.csv", "events", engine=store_engine)
    assert again.previous_import == report.result.import_id


def test_import_bytes_of_an_upload(store_engine):
    data = (DATA / "actions/actions_messy.csv").read_bytes()
    stages = []
    report = importers.import_bytes(data, "mes actions.csv", "actions", engine=store_engine,
                                    progress=lambda stage, done: stages.append((stage, done)))
    assert report.file_name == "mes actions.csv" and report.rows_kept == 4
    assert store.list_imports(store_engine).iloc[0]["checksum"] == hashlib.sha256(
        data).hexdigest()
    assert stages[0] == ("Lecture du fichier", 0.0) and stages[-1] == ("Terminé", 1.0)
    assert [d for _, d in stages] == sorted(d for _, d in stages)
    prepared = importers.preview_bytes(data, "mes actions.csv", "actions", engine=store_engine)
    assert prepared.previous_import == report.result.import_id


def test_a_folder_of_api_pages_has_one_checksum(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(DATA / "sites/icpe_api_page.json", folder / "page1.json")
    first = importers.checksum_of(folder)
    (folder / "page2.json").write_text('{"data": []}', encoding="utf-8")
    assert importers.checksum_of(folder) != first


def test_rejects_path_next_to_the_file_or_in_a_folder(tmp_path):
    assert importers.rejects_path(Path("/d/actions.csv")) == Path("/d/actions.rejets.csv")
    assert importers.rejects_path("a/b.xlsx", tmp_path) == tmp_path / "b.rejets.csv"


def test_xlsx_tables_are_recognised_and_imported(store_engine, tmp_path):
    actions = pd.read_csv(DATA / "actions/actions.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "mobilisations.xlsx"
    actions.to_excel(path, index=False)
    events = tmp_path / "evenements.xlsx"
    pd.read_csv(DATA / "events/evenements.csv", dtype=str).to_excel(events, index=False)
    assert import_formats.detect_format(events, "events") == "evenements"
    assert importers.import_file(events, "events", engine=store_engine).rows_kept == 7
    report = importers.import_file(path, "actions", engine=store_engine)
    assert (report.format_code, report.rows_kept, report.rows_rejected) == ("actions", 11, 0)
    stored = store.read_table(store_engine, "actions")
    assert stored.loc[8, "code_insee"] == "2B033" and stored.loc[3, "code_insee"] == "97407"


def test_benchmark_files_import_completely(store_engine, tmp_path):
    from bench import bench_import

    events = bench_import.write_events_csv(tmp_path / "evenements.csv", rows=300)
    actions = bench_import.write_actions_csv(tmp_path / "actions.csv", rows=300)
    report = importers.import_file(events, "events", engine=store_engine)
    assert report.rows_kept == 300 and report.precision == {"municipality": 300}
    report = importers.import_file(actions, "actions", engine=store_engine)
    assert report.rows_kept == 300 and not report.rejections
    assert set(report.precision) <= {"municipality", "departement", "region"}


def test_online_geocoding_refines_addresses_through_the_ban(ban_server, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "BAN_URL", ban_server.url)
    monkeypatch.setattr(config, "BAN_CACHE_DIR", tmp_path / "ban_cache")
    path = tmp_path / "evenements.csv"
    path.write_text("titre;date_debut;adresse;code_postal;commune\n"
                    "Visite;2025-04-10;20 avenue de Ségur;75007;PARIS\n"
                    "Atelier;2025-04-11;Cours Napoléon;20000;Ajaccio\n"
                    "Forum;2025-04-12;Rue de Paris;97400;Saint-Denis\n", encoding="utf-8")
    engine = store.get_engine(f"sqlite:///{tmp_path / 'base.sqlite'}")
    stages = []
    report = importers.import_file(path, "events", engine=engine, online=True,
                                   progress=lambda stage, done: stages.append(stage))
    events = store.read_table(engine, "events")
    assert list(events["geo_precision"]) == ["housenumber", "street", "street"]
    assert list(events["code_insee"]) == ["75056", "2A004", "97411"]
    assert report.precision == {"housenumber": 1, "street": 2}
    assert "Géocodage : adresse (numéro) 1, adresse (voie) 2." in report.summary_lines()
    assert ban_server.uploads and "Géocodage en ligne (BAN)" in stages
    engine.dispose()
