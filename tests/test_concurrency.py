"""Two processes write the store at the same time and no write is lost (SQLite, PostgreSQL).

``tests/test_store.py`` runs two editors and an import in threads of one process; here
they are separate processes (``multiprocessing``, spawn), each with its own engine and
connections, as the app's server and a data steward's command would be: one imports two
files of actions (two transactions, thousands of rows), the other adds, changes and
deletes actions one by one until the imports are over. Every import and every edit
must be in the store afterwards.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import traceback
from pathlib import Path

import pandas as pd

from influ_geo import config, store

ROWS_PER_FILE = 2_500
CODES = ["46102", "2A004", "97411", "01001", "75056"]  # Figeac, Ajaccio, Saint-Denis…
MIN_EDITS = 10
MAX_EDITS = 400  # a stuck import must not make the editor loop for ever


def _actions_file(path: Path, prefix: str) -> Path:
    """A campaign file of actions, as members export it."""
    n = ROWS_PER_FILE
    pd.DataFrame({
        "date": [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
        "membre": [f"{prefix} {i % 30:02d}" for i in range(n)],
        "canal": ["linkedin", "tiktok", "presse", "atelier"] * (n // 4),
        "theme": ["territoires", "inclusion", "imaginaire", "responsable", "savoir_faire"]
                 * (n // 5),
        "public_cible": "parents", "territoire": [CODES[i % len(CODES)] for i in range(n)],
        "titre": [f"{prefix} : publication {i}" for i in range(n)],
        "impressions": [100 + i for i in range(n)],
    }).to_csv(path, index=False)
    return path


def import_files(url: str, paths: list[Path], start, done, results) -> None:
    """Child process: import the files one after the other, then say so."""
    try:
        from influ_geo import importers

        engine = store.get_engine(url)
        start.wait(timeout=60)
        began = time.time()
        inserted = [importers.import_file(path, "actions", engine=engine).result.rows_inserted
                    for path in paths]
        results.put(("import", {"inserted": inserted, "began": began, "ended": time.time()}))
    except BaseException:
        results.put(("import", {"error": traceback.format_exc()}))
    finally:
        done.set()


def edit_actions(url: str, start, done, results) -> None:
    """Child process: add an action, change it, delete one in five, until the imports end."""
    try:
        engine = store.get_engine(url)
        start.wait(timeout=60)
        kept, deleted, times = {}, [], []
        i = 0
        while (i < MIN_EDITS or not done.is_set()) and i < MAX_EDITS:
            action_id = store.insert_action(engine, {
                "date": "2025-06-12", "membre": "Lina", "canal": "atelier", "theme": "inclusion",
                "titre": f"Visite n° {i}", "code_insee": CODES[i % len(CODES)]})
            store.update_action(engine, action_id, {"impressions": 10 * i,
                                                    "titre": f"Visite n° {i} (revue)"})
            if i % 5 == 4:
                store.delete_actions(engine, [action_id])
                deleted.append(action_id)
            else:
                kept[action_id] = i
            times.append(time.time())
            i += 1
        results.put(("edit", {"kept": kept, "deleted": deleted, "times": times}))
    except BaseException:
        results.put(("edit", {"error": traceback.format_exc()}))


def test_sqlite_store_uses_wal_and_waits_for_the_lock(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert timeout == int(config.STORE_LOCK_TIMEOUT * 1000)
    engine.dispose()
    with sqlite3.connect(tmp_path / "s.sqlite") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # kept in the file


def test_two_processes_importing_and_editing_lose_no_write(db_url, store_engine, tmp_path):
    files = [_actions_file(tmp_path / "campagne_a.csv", "Membre A"),
             _actions_file(tmp_path / "campagne_b.csv", "Membre B")]
    spawn = multiprocessing.get_context("spawn")
    start, done, results = spawn.Barrier(2), spawn.Event(), spawn.Queue()
    workers = [spawn.Process(target=import_files, args=(db_url, files, start, done, results)),
               spawn.Process(target=edit_actions, args=(db_url, start, done, results))]
    for worker in workers:
        worker.start()
    try:
        reports = dict(results.get(timeout=180) for _ in workers)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    assert "error" not in reports["import"], reports["import"]["error"]
    assert "error" not in reports["edit"], reports["edit"]["error"]
    imported, edits = reports["import"], reports["edit"]

    assert imported["inserted"] == [ROWS_PER_FILE, ROWS_PER_FILE]
    during = [t for t in edits["times"] if imported["began"] < t < imported["ended"]]
    assert during, "the editor never wrote while the imports ran"

    actions = store.read_table(store_engine, "actions").set_index("id")
    from_files = actions[actions["source"] != store.SOURCE_SAISIE]
    assert len(from_files) == 2 * ROWS_PER_FILE
    assert from_files["titre"].str.startswith(("Membre A : ", "Membre B : ")).all()
    typed = actions[actions["source"] == store.SOURCE_SAISIE]
    assert sorted(typed.index) == sorted(edits["kept"])  # every insert kept, every delete done
    assert not set(edits["deleted"]) & set(actions.index)
    expected = pd.Series(edits["kept"]).sort_index()
    assert typed.loc[expected.index, "impressions"].tolist() == (expected * 10).tolist()
    assert typed["titre"].str.endswith("(revue)").all()  # every update landed
    log = store.list_imports(store_engine)
    assert sorted(log["file_name"]) == ["campagne_a.csv", "campagne_b.csv"]
    assert log["rows_inserted"].tolist() == [ROWS_PER_FILE, ROWS_PER_FILE]
    print(f"\n{store_engine.dialect.name} : {len(edits['times'])} modifications, "
          f"dont {len(during)} pendant les imports")



def test_an_undo_after_another_editors_insert_brings_the_row_back(store_engine):
    """Editor 1 deletes the newest action, editor 2 adds one, editor 1 undoes: both stay.

    A deleted id must never be handed out again, or the undo would find "its" id taken
    and silently drop the row (SQLite reuses the largest rowid unless AUTOINCREMENT).
    """
    def typed(title: str) -> dict[str, object]:
        return {"date": "2025-06-12", "membre": "Lina", "canal": "atelier",
                "theme": "inclusion", "titre": title}

    store.insert_action(store_engine, typed("Première"))
    newest = store.insert_action(store_engine, typed("Visite de la fonderie"))
    deleted = store.delete_actions(store_engine, [newest])
    other = store.insert_action(store_engine, typed("Saisie d'un autre éditeur"))
    assert other != newest
    assert store.restore_actions(store_engine, deleted) == 1
    titles = store.read_table(store_engine, "actions").set_index("id")["titre"]
    assert titles[newest] == "Visite de la fonderie"
    assert titles[other] == "Saisie d'un autre éditeur"
