"""An import killed (SIGKILL) at random points leaves the store as before or fully imported.

Each run starts the real command ``python -m influ_geo import events FILE`` on a file of
20,000 generated events (real communes), in a fresh store holding some earlier data,
reads its progress lines through a pseudo-terminal (the command prints them only to a
terminal) and kills it a seeded random delay after one of them, or after the moment it
takes the import's write lock (seen from outside: SQLite refuses a second writer,
PostgreSQL lists the lock): while the file is read and geocoded (before the transaction),
while the chunks are written (1,000 rows each), around the commit and after it. The
store must then equal, table by table, either the state before the run or the state of a
complete import (the import log's date aside), and stay usable: no SQLite lock left, no
PostgreSQL session left in a transaction.
Runs on both backends (``db_url``, conftest).
"""

from __future__ import annotations

import copy
import os
import pty
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from influ_geo import config, importers, referentiel, store
from influ_geo.store_db import metadata

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEED = 20_250_607  # printed with each run's delay: a failure can be replayed
EVENTS = 20_000
CHUNK_ROWS = 1_000  # 20 chunks: kills land between and inside them
READING, WRITING, DONE = "Géocodage", "Écriture dans la base", "Terminé"
IN_TRANSACTION = "transaction"  # anchor: the command holds the import's write lock

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class KillPoint:
    """Kill ``offset`` seconds (a share of the write time W, or absolute) after ``anchor``."""

    anchor: str
    low: float
    high: float
    of_write_time: bool = True

    def delay(self, rng: random.Random, write_seconds: float) -> float:
        scale = write_seconds if self.of_write_time else 1.0
        return rng.uniform(self.low, self.high) * scale


KILL_POINTS = [
    KillPoint(READING, 0.0, 0.3, of_write_time=False),  # reading, geocoding: no transaction yet
    KillPoint(IN_TRANSACTION, 0.0, 0.3),                # inside the transaction: chunks
    KillPoint(IN_TRANSACTION, 0.3, 1.0),                # last chunks, commit
    KillPoint(DONE, 0.0, 0.05, of_write_time=False),    # committed, report not printed yet
]


@pytest.fixture(scope="module")
def events_file(tmp_path_factory) -> Path:
    """20,000 events in the members' CSV layout, at real postcodes and commune names."""
    communes = referentiel.communes().sample(EVENTS, replace=True, random_state=SEED)
    rows = communes.reset_index(drop=True)
    frame = pd.DataFrame({
        "titre": [f"Portes ouvertes de l'atelier n° {i}" for i in range(EVENTS)],
        "date_debut": [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} {8 + i % 10}:00"
                       for i in range(EVENTS)],
        "date_fin": ["" if i % 3 else f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} 18:00"
                     for i in range(EVENTS)],
        "lieu": "Usine", "code_postal": rows["codes_postaux"].str.split().str[0],
        "commune": rows["nom"], "url": "https://example.fr/evenement",
        "organisateur": "CCI", "type": "Portes ouvertes", "public": "Grand public",
    })
    path = tmp_path_factory.mktemp("kill") / "evenements_20000.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def prepared(events_file: Path, tmp_path_factory) -> importers.PreparedImport:
    """The file read and placed once (what the command writes), from a store like the runs'."""
    engine = _fresh_store(f"sqlite:///{tmp_path_factory.mktemp('prep') / 'p.sqlite'}")
    result = importers.preview(events_file, "events", engine=engine)
    engine.dispose()
    return result


def _fresh_store(url: str) -> sa.Engine:
    """An empty store (tables dropped and created: ids start at 1) with earlier data in it."""
    engine = store.get_engine(url)
    metadata.drop_all(engine)
    store.init_db(engine)
    earlier = PROJECT_DIR / "tests" / "data" / "events" / "evenements.csv"
    importers.import_file(earlier, "events", engine=engine)
    store.insert_action(engine, {"date": "2025-03-24", "membre": "Lina", "canal": "linkedin",
                                 "theme": "territoires", "code_insee": "46102"})
    return engine


def _comparable(dump: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The store without the import log's wall-clock date (the one value a rerun changes)."""
    return {**dump, "imports": dump["imports"].drop(columns="imported_at")}


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> bool:
    try:
        for name in a:
            pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    except AssertionError:
        return False
    return a.keys() == b.keys()


def _run_url(db_url: str, run: int, tmp_path: Path) -> str:
    """A fresh SQLite file per run; on PostgreSQL the test's own schema, emptied each run."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'run{run}.sqlite'}"
    return db_url


def _command_url(url: str, tag: str) -> str:
    """The store's URL for the command: on PostgreSQL its sessions are named ``tag``."""
    if url.startswith("sqlite"):
        return url
    named = sa.make_url(url).update_query_dict({"application_name": tag})
    return named.render_as_string(hide_password=False)


@dataclass
class Killed:
    """What one run saw: the command's output before the kill and how it ended."""

    output: str
    returncode: int
    inside: bool  # the import's write transaction was open just before the kill


def _import_and_kill(url: str, path: Path, point: KillPoint, delay: float,
                     writing_now: Callable[[], bool]) -> Killed:
    """Start the import command on a pseudo-terminal, SIGKILL it ``delay`` s after the anchor."""
    master, slave = pty.openpty()
    env = {**os.environ, "INFLU_GEO_DATABASE_URL": url,
           "INFLU_GEO_STORE_CHUNK_ROWS": str(CHUNK_ROWS)}
    process = subprocess.Popen(
        [sys.executable, "-m", "influ_geo", "import", "events", str(path)], cwd=PROJECT_DIR,
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    output = ""
    try:
        anchor = WRITING if point.anchor == IN_TRANSACTION else point.anchor
        output = _read_until(master, process, lambda text: anchor in text, output, 120)
        if point.anchor == IN_TRANSACTION:
            _wait_until(writing_now, process)
        output = _read_until(master, process, lambda text: False, output, delay)
        inside = writing_now()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        output = _drain(master, output)  # what it printed before dying, read or not
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return Killed(output, process.returncode, inside)


def _read_until(master: int, process: subprocess.Popen, done, output: str,
                seconds: float) -> str:
    """Collect the terminal's output until ``done(output)``, the process ends or time is up."""
    deadline = time.monotonic() + seconds
    while not done(output) and process.poll() is None:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([master], [], [], min(left, 0.05))
        if ready:
            try:
                output += os.read(master, 4096).decode("utf-8", "replace")
            except OSError:  # the terminal closed with the process
                break
    return output


def _drain(master: int, output: str) -> str:
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk.decode("utf-8", "replace")
    return output


def _wait_until(condition: Callable[[], bool], process: subprocess.Popen) -> None:
    """Poll ``condition`` every few milliseconds while the process runs (60 s at most)."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and not condition():
        time.sleep(0.005)


def _writer_probe(url: str, tag: str) -> Callable[[], bool]:
    """``probe()`` is True while the command holds the import's write lock.

    SQLite: another connection cannot take the write lock (``BEGIN IMMEDIATE`` fails at
    once). PostgreSQL: the session named ``tag`` holds the lock ``lock_for_import`` takes.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        def probe() -> bool:
            conn = sqlite3.connect(parsed.database, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:  # database is locked: the import is writing
                return True
            finally:
                conn.close()
        return probe
    admin = sa.create_engine(os.environ["INFLU_GEO_TEST_PG_URL"], poolclass=sa.pool.NullPool)
    query = sa.text("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE a.application_name = :tag AND l.granted "
                    "AND l.mode = 'ShareRowExclusiveLock'")

    def probe() -> bool:
        with admin.connect() as conn:
            return bool(conn.execute(query, {"tag": tag}).scalar_one())
    return probe


def _assert_no_leftover_lock(url: str, tag: str) -> None:
    """SQLite: a write lock is free at once; PostgreSQL: the killed session has ended."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(parsed.database, timeout=0, isolation_level=None) as conn:
            conn.execute("BEGIN IMMEDIATE")  # "database is locked" if a lock were left
            conn.execute("ROLLBACK")
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return
    # AUTOCOMMIT: inside one transaction pg_stat_activity is a snapshot taken at its first
    # read, so polling would see the killed session forever.
    admin = sa.create_engine(os.environ["INFLU_GEO_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :tag")
    try:
        deadline = time.monotonic() + 15
        with admin.connect() as conn:
            while (left := conn.execute(query, {"tag": tag}).scalar_one()) and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
        assert left == 0, "la session tuée est restée ouverte sur le serveur"
    finally:
        admin.dispose()


def test_killed_import_leaves_the_store_before_or_complete(
        db_url, events_file, prepared, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(config, "STORE_LOCK_TIMEOUT", 2.0)  # a leftover lock fails fast
    backend = sa.make_url(db_url).get_backend_name()
    rng = random.Random(f"{SEED}-{backend}")
    tag = f"kill_{uuid.uuid4().hex[:12]}"

    engine = _fresh_store(_run_url(db_url, 0, tmp_path))
    before = _comparable(store.dump_store(engine))
    start = time.perf_counter()
    importers.write_prepared(copy.deepcopy(prepared), engine)
    write_seconds = max(time.perf_counter() - start, 0.1)
    complete = _comparable(store.dump_store(engine))
    engine.dispose()
    assert len(complete["events"]) == len(before["events"]) + EVENTS
    assert not _same(before, complete)

    outcomes = []
    for run, point in enumerate(KILL_POINTS, start=1):
        url = _run_url(db_url, run, tmp_path)
        _fresh_store(url).dispose()
        delay = point.delay(rng, write_seconds)
        killed = _import_and_kill(_command_url(url, tag), events_file, point, delay,
                                  _writer_probe(url, tag))
        _assert_no_leftover_lock(url, tag)
        engine = store.get_engine(url)
        after = _comparable(store.dump_store(engine))
        is_before, is_complete = _same(after, before), _same(after, complete)
        where = "dans la transaction" if killed.inside else "hors transaction"
        outcomes.append(f"{point.anchor} +{delay:.2f} s ({where}) ⇒ "
                        f"{'avant' if is_before else 'complet' if is_complete else 'MÉLANGE'}")
        assert is_before or is_complete, outcomes[-1]
        if WRITING not in killed.output:  # killed before the write began (printed first)
            assert is_before, outcomes[-1]
        if DONE in killed.output or killed.returncode == 0:  # printed after the commit
            assert is_complete, outcomes[-1]
        store.insert_action(engine, {"date": "2025-06-12", "membre": "Marc", "canal": "presse",
                                     "theme": "inclusion"})  # the store takes writes again
        engine.dispose()
    with capsys.disabled():
        print(f"\n[{backend}] écriture {write_seconds:.2f} s ; " + " ; ".join(outcomes))
