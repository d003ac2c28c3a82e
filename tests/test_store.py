"""The store on SQLite and PostgreSQL: round trips, atomic and idempotent imports, edits.

Every test takes ``store_engine`` (conftest), so it runs once per backend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from influ_geo import config, referentiel, schema, store, store_db
from influ_geo.report import ImportReport

CODES = ["2A004", "01001", "97411"]  # Ajaccio, L'Abergement-Clémenciat, Saint-Denis (La Réunion)
PROJECT_DIR = Path(__file__).resolve().parent.parent


def _located(codes: list[str]) -> pd.DataFrame:
    """The location columns of real communes, as the geocoding chain writes them."""
    communes = referentiel.communes().set_index("code_insee").loc[codes].reset_index()
    return pd.DataFrame({
        "code_insee": communes["code_insee"], "commune_nom": communes["nom"],
        "code_departement": communes["code_departement"], "code_region": communes["code_region"],
        "siren_epci": communes["siren_epci"], "lon": communes["lon"], "lat": communes["lat"],
        "geo_precision": "municipality", "geo_score": 0.9,
    })


def _sites(codes: list[str] = CODES, prefix: str = "Usine") -> pd.DataFrame:
    location = _located(codes)
    return location.assign(
        source="sirene",
        source_id=[f"1234567890{i:04d}" for i in range(len(codes))],
        siret=[f"1234567890{i:04d}" for i in range(len(codes))],
        nom=[f"{prefix} {c}" for c in codes],
        naf="25.62A", naf_division="25", tranche_effectifs="12",
        effectif_estime=pd.array([15] * len(codes), dtype="Int64"),
        code_postal=["20000", "01400", "97400"][: len(codes)],
        date_maj=pd.Timestamp("2024-03-01"),
    )


def _events() -> pd.DataFrame:
    return _located(CODES).assign(
        source="openagenda", source_id=["ev-1", "ev-2", "ev-3"],
        titre=["Portes ouvertes à l'usine", "Salon de l'industrie", "Forum des métiers"],
        date_debut=pd.to_datetime(["2025-03-20 09:00", "2025-04-02 10:00", "2025-05-15 14:30"]),
        date_fin=pd.to_datetime(["2025-03-20 17:00", None, "2025-05-15 18:00"]),
        type="portes_ouvertes", code_postal=["20000", "01400", "97400"],
    )


def _actions(n: int = 3) -> pd.DataFrame:
    codes = (CODES * n)[:n]
    return _located(codes).assign(
        source="posts.csv",
        date=pd.date_range("2025-01-06", periods=n, freq="D"),
        membre=[f"membre_{i % 4}" for i in range(n)],
        canal="linkedin", theme="territoires", public_cible="parents",
        titre=[f"Publication {i}" for i in range(n)],
        impressions=pd.array(range(100, 100 + n), dtype="Int64"),
        territoire_niveau="commune",
    )


def _import(engine, kind, frame, checksum, **kwargs) -> store.ImportResult:
    kwargs.setdefault("source", str(frame["source"].iloc[0]) if "source" in frame else "test")
    return store.import_frame(engine, kind, frame, file_name=f"{checksum}.csv",
                              checksum=checksum, **kwargs)


def _assert_dumps_equal(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    assert before.keys() == after.keys()
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("kind, frame_of", [
    ("sites", _sites), ("events", _events), ("actions", _actions),
    ("membres", lambda: _located(CODES)[["code_insee", "commune_nom", "code_departement",
                                         "code_region", "lon", "lat"]].assign(
        source="membres.csv", pseudonyme=["Lina", "Marc", "Zoé"],
        canaux=["linkedin tiktok", "presse", "linkedin"], themes=["inclusion", "territoires",
                                                                  "imaginaire savoir_faire"])),
    ("territoires_industrie", lambda: pd.DataFrame({
        "source": "anct", "code_insee": CODES, "commune_nom": ["Ajaccio", "x", "Saint-Denis"],
        "id_ti": ["TI094", "TI084", "TI004"], "lib_ti": ["Ajaccio", "Bresse", "Nord Réunion"]})),
])
def test_round_trip_keeps_values_and_codes_as_strings(store_engine, kind, frame_of):
    frame = frame_of()
    result = _import(store_engine, kind, frame, checksum=f"rt-{kind}")
    back = store.read_table(store_engine, kind)
    assert result.rows_inserted == len(frame) == len(back)
    for name in frame.columns:
        expected = frame[name].reset_index(drop=True)
        got = back[name]
        if schema.dtypes(kind)[name] == "datetime":
            expected = expected.astype("datetime64[us]")
        pd.testing.assert_series_equal(got, expected, check_dtype=False, check_names=False)
    for code in ("code_insee", "code_departement", "code_region", "siren_epci"):
        if code in back:
            assert back[code].map(type).eq(str).all(), code
    assert set(back.get("code_insee", pd.Series(CODES))) == set(CODES)
    assert back["import_id"].eq(result.import_id).all()


def test_read_table_returns_canonical_dtypes_even_when_empty(store_engine):
    for kind in schema.TABLES:
        frame = store.read_table(store_engine, kind)
        assert list(frame.columns) == schema.column_names(kind)
        assert frame.empty
    sites = store.read_table(store_engine, "sites")
    assert sites["code_insee"].dtype == "str"
    assert sites["effectif_estime"].dtype == "Int64"
    assert sites["date_maj"].dtype.kind == "M"


def test_values_of_another_type_written_outside_the_app_are_read_in_canonical_dtypes(
        tmp_path):
    """SQLite keeps what it is given: a code written as a number, a count as text, a
    date with a time zone offset or without microseconds still read as str, Int64 and
    datetime64 (the column-wise fast path falls back value by value)."""
    engine = store.get_engine(f"sqlite:///{tmp_path / 'mixed.sqlite'}")
    _import(engine, "sites", _sites(), checksum="mixed")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE sites SET code_insee = 1001, effectif_estime = '12', "
                             "lon = '4.5', date_maj = '2026-03-01 08:00:00' WHERE id = 1"))
        conn.execute(sa.text("UPDATE sites SET date_maj = NULL, lat = NULL WHERE id = 2"))
    sites = store.read_table(engine, "sites")
    assert sites["code_insee"].dtype == "str" and sites.loc[0, "code_insee"] == "1001"
    assert sites["effectif_estime"].dtype == "Int64" and sites.loc[0, "effectif_estime"] == 12
    assert sites["lon"].dtype == "float64" and sites.loc[0, "lon"] == 4.5
    assert sites.loc[0, "date_maj"] == pd.Timestamp("2026-03-01 08:00")
    assert pd.isna(sites.loc[1, "date_maj"]) and pd.isna(sites.loc[1, "lat"])
    assert sites.loc[2, "code_insee"] == "97411"


def test_read_table_filters(store_engine):
    _import(store_engine, "sites", _sites(), checksum="a")
    corse_or_reunion = store.read_table(store_engine, "sites", code_region=["94", "04"])
    assert sorted(corse_or_reunion["code_insee"]) == ["2A004", "97411"]
    ain = store.read_table(store_engine, "sites", code_departement="01", columns=["id", "nom"])
    assert list(ain.columns) == ["id", "nom"] and ain["nom"].tolist() == ["Usine 01001"]
    assert store.read_table(store_engine, "sites", id_ti=None).shape[0] == 3
    with pytest.raises(store.SchemaError, match="colonne inconnue"):
        store.read_table(store_engine, "sites", ville="Ajaccio")


def test_a_store_created_before_an_index_gets_it_at_start(store_engine):
    with store_engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_sites_geo_precision"))
    store_db._READY.discard(store_engine)
    store.ensure_schema(store_engine)
    names = {i["name"] for i in sa.inspect(store_engine).get_indexes("sites")}
    assert "ix_sites_geo_precision" in names
    store.init_db(store_engine)  # again: nothing to add, no error

def test_is_empty(db_url, store_engine):
    assert store.is_empty(store.get_engine(db_url))
    _import(store_engine, "events", _events(), checksum="e")
    assert not store.is_empty(store_engine)


# ---------------------------------------------------------------- the import log


def test_import_log_counts_and_provenance(store_engine):
    counts = {"rows_read": 7, "rows_rejected": 2, "rows_merged": 1}
    result = _import(store_engine, "sites", _sites(), checksum="abc123", report_counts=counts,
                     licence="Licence Ouverte 2.0", details={"format": "csv"})
    log = store.list_imports(store_engine)
    assert len(log) == 1
    row = log.iloc[0]
    assert row["id"] == result.import_id
    assert (row["kind"], row["source"], row["file_name"], row["checksum"]) == (
        "sites", "sirene", "abc123.csv", "abc123")
    assert (row["rows_read"], row["rows_kept"], row["rows_rejected"], row["rows_merged"]) == (
        7, 3, 2, 1)
    assert (row["rows_inserted"], row["rows_updated"], row["rows_deleted"]) == (3, 0, 0)
    assert row["licence"] == "Licence Ouverte 2.0" and '"csv"' in row["details"]
    assert row["imported_at"].year >= 2025
    assert store.read_table(store_engine, "imports", kind="events").empty  # kind: a filter too


def test_import_log_takes_an_import_report_object(store_engine):
    report = ImportReport("events", "agenda.csv", rows_read=5, rows_kept=3)
    report.reject(4, "date « 31/02/2025 » impossible")
    report.count_precision(_events()["geo_precision"])
    _import(store_engine, "events", _events(), checksum="rep", report_counts=report)
    row = store.list_imports(store_engine).iloc[0]
    assert (row["rows_read"], row["rows_rejected"]) == (5, 1)
    assert '"municipality": 3' in row["details"]


def test_list_imports_most_recent_first(store_engine):
    first = _import(store_engine, "sites", _sites(), checksum="one")
    second = _import(store_engine, "events", _events(), checksum="two")
    assert store.list_imports(store_engine)["id"].tolist() == [second.import_id, first.import_id]


# ---------------------------------------------------------------- idempotence and overlap


def test_reimporting_the_same_file_adds_nothing(store_engine):
    first = _import(store_engine, "sites", _sites(), checksum="same")
    before = store.dump_store(store_engine)
    assert store.find_import(store_engine, "sites", "same") == first.import_id
    assert store.find_import(store_engine, "events", "same") is None
    again = _import(store_engine, "sites", _sites(prefix="Changé"), checksum="same")
    assert again.already_imported and again.import_id == first.import_id
    assert "déjà été importé" in again.summary()
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_same_frame_without_checksum_is_recognised_by_content(store_engine):
    frame = _actions(4)
    assert not store.import_frame(store_engine, "actions", frame, source="x").already_imported
    assert store.import_frame(store_engine, "actions", frame, source="x").already_imported
    assert len(store.read_table(store_engine, "actions")) == 4


def test_overlapping_file_updates_instead_of_duplicating(store_engine):
    first = _import(store_engine, "sites", _sites(CODES[:2]), checksum="jan")
    ids_before = store.read_table(store_engine, "sites").set_index("source_id")["id"]
    overlap = _sites(CODES, prefix="Usine rénovée")  # rows 0-1 again, row 2 new
    second = _import(store_engine, "sites", overlap, checksum="feb")
    assert (second.rows_inserted, second.rows_updated) == (1, 2)
    sites = store.read_table(store_engine, "sites").set_index("source_id")
    assert len(sites) == 3
    assert sites.loc[ids_before.index, "id"].tolist() == ids_before.tolist()  # ids are stable
    assert sites["nom"].str.startswith("Usine rénovée").all()
    assert sites["import_id"].eq(second.import_id).all()
    assert first.import_id != second.import_id


def test_identical_rows_of_a_new_file_are_counted_unchanged_and_not_rewritten(store_engine):
    first = _import(store_engine, "sites", _sites(), checksum="2025-01")
    before = store.read_table(store_engine, "sites")
    changed = _sites()
    changed.loc[1, "nom"] = "Usine agrandie"
    second = _import(store_engine, "sites", changed, checksum="2025-02")
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (0, 1, 2)
    assert "1 mises à jour, 2 inchangées" in second.summary()
    after = store.read_table(store_engine, "sites")
    assert after["import_id"].tolist() == [first.import_id, second.import_id, first.import_id]
    pd.testing.assert_frame_equal(after.drop(index=1), before.drop(index=1))
    log = store.list_imports(store_engine).iloc[0]
    assert (log["rows_kept"], log["rows_updated"], log["rows_unchanged"]) == (3, 1, 2)


def test_update_leaves_columns_the_file_does_not_have(store_engine):
    _import(store_engine, "sites", _sites(), checksum="full")
    partial = _sites()[["source", "source_id", "nom"]].assign(nom="Nouveau nom")
    _import(store_engine, "sites", partial, checksum="partial")
    sites = store.read_table(store_engine, "sites")
    assert sites["nom"].eq("Nouveau nom").all()
    assert sites["code_insee"].tolist() == CODES  # untouched by the partial file


def test_rows_without_ids_are_matched_by_fingerprint(store_engine):
    events = _events().drop(columns="source_id")
    _import(store_engine, "events", events, checksum="v1")
    events["description"] = "Programme mis à jour"
    events["titre"] = events["titre"].str.upper()  # case does not change the fingerprint
    result = _import(store_engine, "events", events, checksum="v2")
    assert (result.rows_inserted, result.rows_updated) == (0, 3)
    back = store.read_table(store_engine, "events")
    assert len(back) == 3 and back["source_id"].str.startswith("h:").all()

    actions = _actions(5)
    _import(store_engine, "actions", actions, checksum="posts-v1")
    actions["impressions"] = actions["impressions"] * 10  # newer export, same posts
    result = _import(store_engine, "actions", actions, checksum="posts-v2")
    assert (result.rows_inserted, result.rows_updated) == (0, 5)
    assert store.read_table(store_engine, "actions")["impressions"].min() == 1000


def test_duplicates_within_a_frame_are_merged_and_counted(store_engine):
    frame = pd.concat([_sites(), _sites(prefix="Doublon").iloc[[1]]], ignore_index=True)
    result = _import(store_engine, "sites", frame, checksum="dup",
                     report_counts={"rows_merged": 2})
    assert result.rows_merged == 3 and result.rows_inserted == 3
    assert store.list_imports(store_engine)["rows_merged"].iloc[0] == 3
    assert "Doublon 01001" in set(store.read_table(store_engine, "sites")["nom"])


def test_replace_source_removes_rows_the_new_file_no_longer_has(store_engine):
    _import(store_engine, "events", _events(), checksum="ag-1")
    _import(store_engine, "sites", _sites(), checksum="other-source")
    event_id = int(store.read_table(store_engine, "events", source_id="ev-3")["id"].iloc[0])
    relay = _actions(1).assign(evenement_id=event_id, evenement_titre="Forum des métiers")
    _import(store_engine, "actions", relay, checksum="relay")
    result = _import(store_engine, "events", _events().iloc[:2], checksum="ag-2",
                     replace_source=True)
    assert (result.rows_unchanged, result.rows_deleted) == (2, 1)
    assert store.read_table(store_engine, "events")["source_id"].tolist() == ["ev-1", "ev-2"]
    assert len(store.read_table(store_engine, "sites")) == 3  # another kind: untouched
    action = store.read_table(store_engine, "actions").iloc[0]
    assert pd.isna(action["evenement_id"]) and action["evenement_titre"] == "Forum des métiers"


# ---------------------------------------------------------------- atomicity


def test_crash_between_chunks_leaves_the_store_unchanged(store_engine, monkeypatch):
    _import(store_engine, "sites", _sites(CODES[:2]), checksum="before")
    before = store.dump_store(store_engine)
    monkeypatch.setattr(config, "STORE_CHUNK_ROWS", 2)
    chunks = []

    def crash(table: str, number: int) -> None:
        chunks.append(number)
        if number == 2:
            raise RuntimeError("panne simulée entre deux paquets")

    monkeypatch.setattr(store, "_after_chunk", crash)
    big = pd.concat([_sites(prefix="Nouvelle usine")] * 3, ignore_index=True)
    big["source_id"] = [f"9{i:013d}" for i in range(len(big))]
    big = pd.concat([big, _sites(CODES[:2], prefix="Modifiée")], ignore_index=True)
    with pytest.raises(RuntimeError, match="panne simulée"):
        _import(store_engine, "sites", big, checksum="crashing")
    assert chunks == [1, 2]  # the first chunk was written inside the transaction
    _assert_dumps_equal(before, store.dump_store(store_engine))
    monkeypatch.setattr(store, "_after_chunk", lambda table, number: None)
    result = _import(store_engine, "sites", big, checksum="crashing")  # not marked as imported
    assert (result.rows_inserted, result.rows_updated) == (9, 2)


def test_crash_during_updates_leaves_the_store_unchanged(store_engine, monkeypatch):
    _import(store_engine, "actions", _actions(6), checksum="v1")
    before = store.dump_store(store_engine)
    monkeypatch.setattr(config, "STORE_CHUNK_ROWS", 2)

    def crash(table: str, number: int) -> None:
        if number == 3:
            raise OSError("disque plein")

    monkeypatch.setattr(store, "_after_chunk", crash)
    changed = _actions(6).assign(impressions=pd.array([1] * 6, dtype="Int64"))
    with pytest.raises(OSError, match="disque plein"):
        _import(store_engine, "actions", changed, checksum="v2")
    _assert_dumps_equal(before, store.dump_store(store_engine))


_KILLED_IMPORT = textwrap.dedent("""
    import os, sys
    import pandas as pd
    from influ_geo import config, store
    config.STORE_CHUNK_ROWS = 50
    def die(table, number):
        if number == 3:
            os._exit(9)  # no rollback, no cleanup: as if the process were killed
    store._after_chunk = die
    frame = pd.DataFrame({"source": "kill", "source_id": [f"k{i}" for i in range(500)],
                          "nom": [f"Usine {i}" for i in range(500)], "code_insee": "2A004"})
    store.import_frame(store.get_engine(sys.argv[1]), "sites", frame, source="kill",
                       checksum="killed")
""")


def test_killed_process_leaves_the_store_unchanged(db_url, store_engine):
    _import(store_engine, "sites", _sites(), checksum="before")
    before = store.dump_store(store_engine)
    store_engine.dispose()
    done = subprocess.run([sys.executable, "-c", _KILLED_IMPORT, db_url], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 9, done.stderr
    _assert_dumps_equal(before, store.dump_store(store_engine))
    frame = pd.DataFrame({"source": "kill", "source_id": ["k1"], "nom": ["Usine 1"]})
    assert _import(store_engine, "sites", frame, checksum="killed").rows_inserted == 1


@pytest.mark.parametrize("kind, frame, message", [
    ("sites", pd.DataFrame({"source": ["s"], "source_id": ["1"], "nom": ["A"],
                            "code_insee": [1001]}), "doit contenir du texte"),
    ("sites", pd.DataFrame({"source": ["s"], "nom": ["A"], "ville": ["Ajaccio"]}),
     "colonnes inconnues pour sites : ville"),
    ("events", pd.DataFrame({"source": ["s"], "titre": ["Salon"], "date_debut": [None]}),
     "obligatoire date_debut"),
    ("actions", pd.DataFrame({"date": ["2025-01-02"], "membre": ["Lina"], "canal": ["fax"],
                              "theme": ["inclusion"]}),
     "canal : fax ; valeurs acceptées : linkedin"),
    ("events", pd.DataFrame({"source": ["s"], "titre": ["Salon"], "date_debut": ["31/02/2025"]}),
     "doit contenir des dates"),
])
def test_frames_that_do_not_fit_raise_a_french_error_and_write_nothing(
        store_engine, kind, frame, message):
    before = store.dump_store(store_engine)
    with pytest.raises(store.SchemaError, match=message):
        store.import_frame(store_engine, kind, frame, source="s", checksum="bad")
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_importer_private_columns_are_not_stored(store_engine):
    frame = _sites().assign(_ligne=[2, 3, 4])
    _import(store_engine, "sites", frame, checksum="lines")
    assert "_ligne" not in store.read_table(store_engine, "sites")


def test_dangling_event_reference_fails_the_whole_import(store_engine):
    frame = _actions(2).assign(evenement_id=[None, 4242])
    with pytest.raises(store.ConstraintError, match="actions : import refusé par la base"):
        _import(store_engine, "actions", frame, checksum="dangling")
    assert store.read_table(store_engine, "actions").empty
    assert store.list_imports(store_engine).empty


# ---------------------------------------------------------------- editing actions


def _typed_action(**changes) -> dict[str, object]:
    return {"date": "2025-06-12", "membre": "Lina", "canal": "tiktok", "theme": "imaginaire",
            "public_cible": "jeunes", "titre": "Visite d'atelier", "code_insee": "2A004",
            "code_departement": "2A", "code_region": "94", "territoire_niveau": "commune",
            **changes}


def test_insert_and_update_an_action(store_engine):
    action_id = store.insert_action(store_engine, _typed_action(date=dt.date(2025, 6, 12)))
    row = store.read_table(store_engine, "actions", id=action_id).iloc[0]
    assert (row["source"], row["canal"], row["code_insee"]) == ("saisie", "tiktok", "2A004")
    assert row["date"] == pd.Timestamp("2025-06-12") and row["cle"].startswith("h:")
    store.update_action(store_engine, action_id, {"theme": "inclusion", "impressions": 300})
    updated = store.read_table(store_engine, "actions", id=action_id).iloc[0]
    assert (updated["theme"], updated["impressions"]) == ("inclusion", 300)
    assert updated["cle"] != row["cle"]  # the fingerprint follows the business fields
    assert updated["titre"] == "Visite d'atelier"


def test_invalid_edits_raise_and_change_nothing(store_engine):
    action_id = store.insert_action(store_engine, _typed_action())
    before = store.dump_store(store_engine)
    with pytest.raises(store.SchemaError, match="theme : cuisine"):
        store.update_action(store_engine, action_id, {"theme": "cuisine"})
    with pytest.raises(store.SchemaError, match="obligatoire membre"):
        store.update_action(store_engine, action_id, {"membre": None})
    with pytest.raises(store.SchemaError, match="ne se modifient pas"):
        store.update_action(store_engine, action_id, {"id": 99})
    with pytest.raises(store.ActionNotFound):
        store.update_action(store_engine, action_id + 100, {"theme": "inclusion"})
    with pytest.raises(store.DuplicateAction, match=f"action n° {action_id}"):
        store.insert_action(store_engine, _typed_action())
    _assert_dumps_equal(before, store.dump_store(store_engine))


def test_an_action_relaying_an_unknown_event_is_refused_in_french(store_engine):
    with pytest.raises(store.ConstraintError, match="modification refusée par la base"):
        store.insert_action(store_engine, _typed_action(evenement_id=4242))
    assert store.read_table(store_engine, "actions").empty


def test_update_cannot_turn_an_action_into_a_duplicate(store_engine):
    first = store.insert_action(store_engine, _typed_action())
    second = store.insert_action(store_engine, _typed_action(titre="Autre visite"))
    with pytest.raises(store.DuplicateAction, match=f"action n° {first}"):
        store.update_action(store_engine, second, {"titre": "Visite d'atelier"})


def test_delete_then_undo_restores_exactly(store_engine):
    _import(store_engine, "actions", _actions(5), checksum="posts")
    before = store.dump_store(store_engine)
    ids = store.read_table(store_engine, "actions")["id"].tolist()
    deleted = store.delete_actions(store_engine, [ids[1], ids[3], 999_999])
    assert deleted["id"].tolist() == [ids[1], ids[3]]
    assert store.read_table(store_engine, "actions")["id"].tolist() == [ids[0], ids[2], ids[4]]
    assert store.restore_actions(store_engine, deleted) == 2
    _assert_dumps_equal(before, store.dump_store(store_engine))
    assert store.restore_actions(store_engine, deleted) == 0  # a second undo does nothing
    new_id = store.insert_action(store_engine, _typed_action())
    assert new_id > max(ids)  # restored ids do not collide with new ones


# ---------------------------------------------------------------- schema


def test_init_db_is_idempotent_and_adds_new_columns(db_url, store_engine):
    _import(store_engine, "membres", pd.DataFrame({"pseudonyme": ["Lina"], "themes": ["x"]}),
            checksum="m", source="membres.csv")
    with store_engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE membres DROP COLUMN themes")
    fresh = store.get_engine(db_url)
    store.init_db(fresh)
    store.init_db(fresh)
    membres = store.read_table(fresh, "membres")
    assert membres["pseudonyme"].tolist() == ["Lina"] and membres["themes"].isna().all()
    fresh.dispose()


def test_every_column_has_a_french_label_and_a_known_dtype():
    for kind, cols in schema.TABLES.items():
        assert schema.TABLE_LABELS[kind]
        for col in cols:
            assert col.label and col.dtype in schema.DTYPES, (kind, col.name)
        assert set(schema.NATURAL_KEYS.get(kind, ())) <= set(schema.column_names(kind))
    assert list(schema.THEMES) == ["imaginaire", "inclusion", "responsable", "savoir_faire",
                                   "territoires"]
    assert {"linkedin", "tiktok", "presse", "evenement", "atelier", "autre"} <= set(schema.CANAUX)
    assert schema.enumeration_problems("actions", {"canal": "fax", "theme": "inclusion"}) == [
        "canal « fax » inconnu ; valeurs acceptées : " + ", ".join(schema.CANAUX)]


def test_file_checksum_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes("siret;nom\n12345678901234;Usine de Corte\n".encode("cp1252"))
    assert store.file_checksum(path) == hashlib.sha256(path.read_bytes()).hexdigest()


@settings(max_examples=25, deadline=None)
@given(titles=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=12),
       day=st.integers(min_value=0, max_value=800))
def test_normalizing_twice_changes_nothing_and_keys_ignore_case_and_spaces(titles, day):
    frame = pd.DataFrame({"titre": titles, "code_insee": "2A004",
                          "date_debut": pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)})
    once = store.normalize_frame("events", frame, source="agenda").rows
    twice = store.normalize_frame("events", once, source="agenda").rows
    pd.testing.assert_frame_equal(once, twice)
    shouted = frame.assign(titre=[f"\u00a0 {t.upper()}\u202f" for t in titles])
    keys = store.normalize_frame("events", shouted, source="agenda").rows["source_id"]
    same_text = [t.casefold().split() == t.upper().casefold().split() for t in titles]
    if all(same_text):
        assert set(keys) == set(once["source_id"])


def test_concurrent_writers_queue_and_lose_nothing(db_url, store_engine):
    """Two editors and one import at the same time, each on its own engine (own connections)."""
    errors: list[BaseException] = []

    def edit(member: str) -> None:
        engine = store.get_engine(db_url)
        try:
            for day in range(1, 11):
                store.insert_action(engine, _typed_action(membre=member, date=f"2025-03-{day:02d}"))
        except BaseException as error:
            errors.append(error)
        finally:
            engine.dispose()

    def bulk() -> None:
        engine = store.get_engine(db_url)
        try:
            _import(engine, "actions", _actions(300), checksum="bulk")
        except BaseException as error:
            errors.append(error)
        finally:
            engine.dispose()

    workers = [threading.Thread(target=edit, args=(m,)) for m in ("Lina", "Marc")]
    workers.append(threading.Thread(target=bulk))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    actions = store.read_table(store_engine, "actions")
    assert len(actions) == 320
    assert actions["membre"].value_counts()[["Lina", "Marc"]].tolist() == [10, 10]
