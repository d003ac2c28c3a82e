"""Backup and restore of the whole store, on SQLite and PostgreSQL (``db_url``, conftest).

A store holding every table (codes with leading zeros and Corsican letters, NULLs, Int64
counts, dates, an edited action, ids with gaps, the import log) goes out to an archive
and comes back identical, across backends; a damaged archive is refused in French and
the store keeps its rows.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from influ_geo import backup, backup_archive, cli, config, schema, store

CODES = ["01001", "2A004", "97411"]  # L'Abergement-Clémenciat, Ajaccio, Saint-Denis (Réunion)


def _fill(engine) -> None:
    """Every table, with the values a backup must not bend."""
    store.init_db(engine)
    sites = pd.DataFrame({
        "source": "sirene", "source_id": ["00012345600017", "00012345600025", "00098765400011"],
        "siret": ["00012345600017", "00012345600025", None],
        "nom": ["Fonderie", "Atelier", "Usine"], "naf": ["24.51Z", None, "10.81Z"],
        "code_insee": CODES, "code_postal": ["01400", None, "97400"],
        "code_departement": ["01", "2A", "974"], "code_region": ["84", "94", "04"],
        "lon": [5.35, 8.74, None], "lat": [46.15, 41.93, None],
        "effectif_estime": pd.array([15, None, 0], dtype="Int64"),
        "date_maj": pd.to_datetime(["2024-03-01 10:15:30.123456", None, "1999-12-31"],
                                   format="ISO8601"),
        "geo_note": ["", "<script>alert(1)</script>", "Saint-Denis « La Réunion » 🏭"],
    })
    store.import_frame(engine, "sites", sites, source="sirene", file_name="stock.csv",
                       checksum="c1", report_counts={"rows_read": 4, "rows_rejected": 1},
                       licence="Licence Ouverte 2.0", details={"format": "sirene"})
    events = pd.DataFrame({
        "source": "openagenda", "source_id": ["e1", "e2"], "titre": ["Salon", "Forum"],
        "date_debut": pd.to_datetime(["2025-03-20 09:00", "2025-04-02"], format="ISO8601"),
        "date_fin": pd.to_datetime([None, "2025-04-03 18:30"]), "code_insee": CODES[1:]})
    store.import_frame(engine, "events", events, source="openagenda", checksum="c2")
    event_id = int(store.read_table(engine, "events")["id"].iloc[0])
    actions = pd.DataFrame({
        "date": pd.to_datetime(["2025-03-19", "2025-03-21", "2025-03-22"]),
        "membre": ["Lina", "Marc", "Zoé"], "canal": ["linkedin", "tiktok", "presse"],
        "theme": ["territoires", "inclusion", "imaginaire"], "evenement_id": [event_id, None, None],
        "impressions": pd.array([1200, None, 0], dtype="Int64"), "titre": ["a", "b", "c"]})
    store.import_frame(engine, "actions", actions, source="posts.csv", checksum="c3")
    middle = int(store.read_table(engine, "actions")["id"].iloc[1])
    store.delete_actions(engine, [middle])  # a gap in the ids
    store.insert_action(engine, {"date": "2025-06-12", "membre": "Lina", "canal": "atelier",
                                 "theme": "savoir_faire", "code_insee": "2A004"})
    store.import_frame(engine, "membres", pd.DataFrame({
        "pseudonyme": ["Lina", "Marc"], "code_insee": ["2A004", None],
        "canaux": ["linkedin tiktok", None]}), source="membres.csv", checksum="c4")
    store.import_frame(engine, "territoires_industrie", pd.DataFrame({
        "code_insee": CODES, "id_ti": ["TI084", "TI094", "TI004"]}), source="anct",
        checksum="c5")


def _assert_same_store(expected: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame]) -> None:
    assert list(expected) == list(got) == list(schema.TABLES)
    for name in expected:
        pd.testing.assert_frame_equal(expected[name], got[name], obj=name)


@pytest.fixture
def filled(store_engine):
    _fill(store_engine)
    return store_engine


def _sqlite_engine(path: Path):
    engine = store.get_engine(f"sqlite:///{path}")
    store.init_db(engine)
    return engine


# ---------------------------------------------------------------- round trips


def test_backup_then_restore_gives_back_the_same_store(filled, tmp_path):
    before = store.dump_store(filled)
    assert before["actions"]["id"].diff().max() == 2  # the gap is there to keep
    path = tmp_path / "sauvegarde.zip"
    assert backup.backup_store(filled, path) == {k: len(f) for k, f in before.items()}
    archive = backup.read_archive(path)
    assert archive.manifest["format_version"] == backup.FORMAT_VERSION
    assert archive.manifest["backend"] == filled.dialect.name
    backup.restore_store(filled, archive, replace=True)
    _assert_same_store(before, store.dump_store(filled))
    sites = store.read_table(filled, "sites")
    assert sites["code_insee"].tolist() == CODES and sites["siret"].isna().tolist()[2]
    assert sites["effectif_estime"].dtype == "Int64" and pd.isna(sites["effectif_estime"][1])
    new_id = store.insert_action(filled, {"date": "2025-07-01", "membre": "Zoé",
                                          "canal": "presse", "theme": "inclusion"})
    assert new_id == before["actions"]["id"].max() + 1  # ids continue after the restored ones


def test_sqlite_to_the_other_backend_and_back_is_exact(db_url, store_engine, tmp_path):
    source = _sqlite_engine(tmp_path / "source.sqlite")
    _fill(source)
    expected = store.dump_store(source)
    backup.backup_store(source, tmp_path / "a.zip")
    backup.restore_store(store_engine, backup.read_archive(tmp_path / "a.zip"))
    _assert_same_store(expected, store.dump_store(store_engine))
    backup.backup_store(store_engine, tmp_path / "b.zip")
    back = _sqlite_engine(tmp_path / "back.sqlite")
    backup.restore_store(back, backup.read_archive(tmp_path / "b.zip"))
    _assert_same_store(expected, store.dump_store(back))
    tables_a = backup.read_archive(tmp_path / "a.zip").manifest["tables"]
    tables_b = backup.read_archive(tmp_path / "b.zip").manifest["tables"]
    assert {k: t["sha256"] for k, t in tables_a.items()} == \
        {k: t["sha256"] for k, t in tables_b.items()}  # same content, same bytes
    for engine in (source, back):
        engine.dispose()


def test_archive_is_zip_of_parquet_with_a_manifest(filled, tmp_path):
    path = tmp_path / "s.zip"
    backup.backup_store(filled, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        sites = pq.read_table(io.BytesIO(archive.read("tables/sites.parquet")))
        for kind, entry in manifest["tables"].items():
            assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
            assert entry["columns"] == schema.dtypes(kind)
    assert names == ["manifest.json", *[f"tables/{k}.parquet" for k in schema.TABLES]]
    assert manifest["schema_version"] == backup.schema_version()
    assert sites.schema.field("code_insee").type == pa.string()
    assert sites.schema.field("effectif_estime").type == pa.int64()
    assert sites.schema.field("date_maj").type == pa.timestamp("us")
    assert sites.column("code_insee").to_pylist() == CODES
    assert not list(tmp_path.glob(".*.tmp"))  # written aside, then renamed


def test_an_older_backup_without_an_optional_column_restores_it_empty(filled, tmp_path):
    path = tmp_path / "s.zip"
    backup.backup_store(filled, path)

    def drop_theme_column(members: dict[str, bytes], manifest: dict) -> None:
        table = pq.read_table(io.BytesIO(members["tables/membres.parquet"])).drop(["themes"])
        _put(members, manifest, "membres", table)

    old = _rewrite(path, tmp_path / "old.zip", drop_theme_column)
    backup.restore_store(filled, backup.read_archive(old), replace=True)
    membres = store.read_table(filled, "membres")
    assert membres["pseudonyme"].tolist() == ["Lina", "Marc"] and membres["themes"].isna().all()


# ---------------------------------------------------------------- the command line


def _cli(monkeypatch, db_url: str, *argv: str) -> int:
    monkeypatch.setattr(config, "DATABASE_URL", db_url)
    return cli.main(list(argv))


def test_commands_back_up_and_restore(db_url, filled, tmp_path, monkeypatch, capsys):
    before = store.dump_store(filled)
    path = tmp_path / "sauvegarde.zip"
    assert _cli(monkeypatch, db_url, "backup", "-o", str(path)) == 0
    out = capsys.readouterr().out
    assert f"Sauvegarde écrite : {path}" in out
    assert "Sites industriels 3, Événements 2, Mobilisations 3" in out
    assert "Journal des imports 5." in out
    empty = _sqlite_engine(tmp_path / "vide.sqlite")
    target = str(empty.url)
    assert _cli(monkeypatch, target, "restore", str(path)) == 0  # empty store: no --yes needed
    assert "Restauration terminée" in capsys.readouterr().out
    _assert_same_store(before, store.dump_store(empty))
    empty.dispose()


def test_restore_refuses_a_store_that_is_not_empty_without_yes(
        db_url, filled, tmp_path, monkeypatch, capsys):
    path = tmp_path / "sauvegarde.zip"
    backup.backup_store(filled, path)
    store.insert_action(filled, {"date": "2025-07-01", "membre": "Zoé", "canal": "presse",
                                 "theme": "inclusion"})
    after_backup = store.dump_store(filled)
    assert _cli(monkeypatch, db_url, "restore", str(path)) == 2
    err = capsys.readouterr().err
    assert "la base n'est pas vide" in err and "--yes" in err
    _assert_same_store(after_backup, store.dump_store(filled))
    assert _cli(monkeypatch, db_url, "restore", str(path), "--yes") == 0
    assert len(store.read_table(filled, "actions")) == len(after_backup["actions"]) - 1


def test_backup_to_a_missing_folder_is_a_french_error(db_url, tmp_path, monkeypatch, capsys):
    assert _cli(monkeypatch, db_url, "backup", "-o", str(tmp_path / "absent" / "s.zip")) == 2
    assert "impossible d'écrire la sauvegarde" in capsys.readouterr().err


# ---------------------------------------------------------------- damaged archives


def _rewrite(source: Path, target: Path,
             change: Callable[[dict[str, bytes], dict], None]) -> Path:
    """A copy of the archive ``source`` after ``change(members, manifest)``."""
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
        manifest = json.loads(archive.read("manifest.json"))
    change(members, manifest)
    with zipfile.ZipFile(target, "w") as archive:
        if manifest:  # an emptied manifest is left out
            archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def _put(members: dict[str, bytes], manifest: dict, kind: str, table: pa.Table) -> None:
    """Replace one member by ``table`` and describe it truthfully in the manifest."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    name = f"tables/{kind}.parquet"
    members[name] = buffer.getvalue()
    manifest["tables"][kind].update(
        rows=table.num_rows, sha256=hashlib.sha256(members[name]).hexdigest(),
        columns={n: schema.dtypes(kind).get(n, "str") for n in table.schema.names})


def _edit_table(kind: str, edit: Callable[[pd.DataFrame], pd.DataFrame]):
    def change(members: dict[str, bytes], manifest: dict) -> None:
        frame = pq.read_table(io.BytesIO(members[f"tables/{kind}.parquet"])).to_pandas()
        _put(members, manifest, kind, pa.Table.from_pandas(edit(frame), preserve_index=False))
    return change


def _truncated(path: Path, target: Path) -> Path:
    data = path.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def _flipped_byte(path: Path, target: Path) -> Path:
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("tables/actions.parquet")
    data[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF  # inside the member
    target.write_bytes(bytes(data))
    return target


def _other_content_same_manifest(members: dict[str, bytes], manifest: dict) -> None:
    table = pq.read_table(io.BytesIO(members["tables/sites.parquet"]))
    buffer = io.BytesIO()
    pq.write_table(table.slice(0, 2), buffer)
    members["tables/sites.parquet"] = buffer.getvalue()  # manifest keeps the old SHA-256


def _without_member(name: str):
    return lambda members, manifest: members.pop(name)


def _without_table(kind: str):
    def change(members: dict[str, bytes], manifest: dict) -> None:
        members.pop(f"tables/{kind}.parquet")
        del manifest["tables"][kind]
    return change


def _manifest_edit(edit: Callable[[dict], None]):
    return lambda members, manifest: edit(manifest)


DAMAGES = {
    "tronquée": (lambda p, t: _truncated(p, t), "archive illisible ou tronquée"),
    "octet modifié": (lambda p, t: _flipped_byte(p, t), "archive illisible ou tronquée"),
    "pas un zip": (lambda p, t: (t.write_text("id;nom\n1;Usine\n"), t)[1],
                   "archive illisible ou tronquée"),
    "empreinte fausse": (lambda p, t: _rewrite(p, t, _other_content_same_manifest),
                         "empreinte SHA-256 incorrecte pour tables/sites.parquet"),
    "table absente": (lambda p, t: _rewrite(p, t, _without_table("imports")),
                      "table(s) absente(s) de la sauvegarde : imports"),
    "fichier absent": (lambda p, t: _rewrite(p, t, _without_member("tables/events.parquet")),
                       "fichier tables/events.parquet absent de l'archive"),
    "sans manifeste": (lambda p, t: _rewrite(p, t, lambda members, manifest: manifest.clear()),
                       "pas de manifest.json"),
    "format futur": (lambda p, t: _rewrite(p, t, _manifest_edit(
        lambda m: m.update(format_version=backup.FORMAT_VERSION + 1))), "ne sait pas lire"),
    "table inconnue": (lambda p, t: _rewrite(p, t, _manifest_edit(
        lambda m: m["tables"].update(utilisateurs=m["tables"]["sites"]))),
        "table(s) inconnue(s) dans la sauvegarde : utilisateurs"),
    "lignes annoncées": (lambda p, t: _rewrite(p, t, _manifest_edit(
        lambda m: m["tables"]["events"].update(rows=3))), "events : 2 lignes au lieu des 3"),
    "code en entier": (lambda p, t: _rewrite(p, t, _edit_table(
        "sites", lambda f: f.assign(code_insee=[1001, 2, 97411]))),
        "colonne sites.code_insee de type int64"),
    "colonne inconnue": (lambda p, t: _rewrite(p, t, _edit_table(
        "membres", lambda f: f.assign(mot_de_passe="x"))),
        "colonne(s) inconnue(s) dans membres : mot_de_passe"),
    "colonne obligatoire absente": (lambda p, t: _rewrite(p, t, _edit_table(
        "events", lambda f: f.drop(columns="titre"))), "colonne(s) absente(s) de events : titre"),
    "identifiants en double": (lambda p, t: _rewrite(p, t, _edit_table(
        "sites", lambda f: f.assign(id=1))), "sites : identifiants vides ou en double"),
    "obligatoire vide": (lambda p, t: _rewrite(p, t, _edit_table(
        "actions", lambda f: f.assign(membre=None))), "colonne obligatoire membre vide"),
    "import en double": (lambda p, t: _rewrite(p, t, _edit_table(
        "imports", lambda f: f.assign(checksum="même", kind="sites"))),
        "imports : doublons de la clé kind + checksum"),
    "événement absent": (lambda p, t: _rewrite(p, t, _edit_table(
        "events", lambda f: f.iloc[1:])), "actions : 1 ligne(s) renvoient à events absent(s)"),
}


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory) -> Path:
    """A backup of a filled SQLite store, made once for the checks below."""
    folder = tmp_path_factory.mktemp("sauvegarde")
    engine = _sqlite_engine(folder / "source.sqlite")
    _fill(engine)
    backup.backup_store(engine, folder / "bonne.zip")
    engine.dispose()
    return folder / "bonne.zip"


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_every_damage_is_found_before_the_store_is_touched(damage, good_archive, tmp_path):
    """``read_archive`` takes no store: whatever it finds, nothing can have been written."""
    make, message = DAMAGES[damage]
    bad = make(good_archive, tmp_path / "abimee.zip")
    with pytest.raises(backup.BackupError) as raised:
        backup.read_archive(bad)
    text = str(raised.value)
    assert text.startswith("abimee.zip : ") and message in text, text
    assert text.endswith("la base n'a pas été modifiée") and "\n" not in text


@pytest.mark.parametrize("damage", ["tronquée", "empreinte fausse", "table absente"])
def test_restoring_a_damaged_archive_says_why_in_french_and_changes_nothing(
        damage, db_url, filled, tmp_path, monkeypatch, capsys):
    good = tmp_path / "bonne.zip"
    backup.backup_store(filled, good)
    store.insert_action(filled, {"date": "2025-07-01", "membre": "Zoé", "canal": "presse",
                                 "theme": "inclusion"})  # the store now differs from the archive
    before = store.dump_store(filled)
    make, message = DAMAGES[damage]
    bad = make(good, tmp_path / "abimee.zip")
    assert _cli(monkeypatch, db_url, "restore", str(bad), "--yes") == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : abimee.zip : ") and message in err, err
    assert "la base n'a pas été modifiée" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    _assert_same_store(before, store.dump_store(filled))


def test_a_restore_failing_half_way_changes_nothing(filled, tmp_path, monkeypatch):
    path = tmp_path / "s.zip"
    backup.backup_store(filled, path)
    archive = backup.read_archive(path)
    store.insert_action(filled, {"date": "2025-07-01", "membre": "Zoé", "canal": "presse",
                                 "theme": "inclusion"})
    before = store.dump_store(filled)
    written: list[str] = []
    real_insert = backup.insert_rows

    def insert_then_fail(conn, tbl, rows, on_chunk) -> None:
        if tbl.name == "actions":  # imports, sites, events… are already replaced
            raise OSError("disque plein")
        real_insert(conn, tbl, rows, on_chunk)
        written.append(tbl.name)

    monkeypatch.setattr(backup, "insert_rows", insert_then_fail)
    with pytest.raises(OSError, match="disque plein"):
        backup.restore_store(filled, archive, replace=True)
    assert "imports" in written and "events" in written
    _assert_same_store(before, store.dump_store(filled))


def test_the_database_refusing_rows_changes_nothing(filled, tmp_path, monkeypatch):
    """Rows the checks would refuse (two logs of the same file), checks switched off: the
    database's own constraint stops the restore, and the transaction undoes the rest."""
    path = tmp_path / "s.zip"
    backup.backup_store(filled, path)
    bad = _rewrite(path, tmp_path / "b.zip", _edit_table(
        "imports", lambda f: f.assign(checksum="même", kind="sites")))
    monkeypatch.setattr(backup_archive, "UNIQUE_KEYS", {})
    archive = backup.read_archive(bad)
    before = store.dump_store(filled)
    with pytest.raises(backup.BackupError, match="restauration refusée par la base"):
        backup.restore_store(filled, archive, replace=True)
    _assert_same_store(before, store.dump_store(filled))
