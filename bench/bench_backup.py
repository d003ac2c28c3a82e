"""Backup and restore of the whole store: the demo store, then 100,000 sites plus the demo.

For each backend (SQLite; PostgreSQL when INFLU_GEO_TEST_PG_URL answers): seconds to write
the archive, to read and check it, to restore it (one transaction, every table replaced),
and the archive's size. Baselines measured in the same run on the same store: reading
every table (``store.dump_store``) for the backup, and the first import of the same rows
(``store.import_frame``) for the restore.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.bench_store import _pg_url, sites_frame
from influ_geo import backup, demo_cli, store

ROWS = 100_000
DEMO_DAY = date(2025, 6, 2)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _measure(url: str, folder: Path, label: str) -> dict[str, float]:
    """Seconds of backup, check, restore, and the archive's megabytes, on the store at ``url``."""
    engine = store.get_engine(url)
    path = folder / f"{label}.zip"
    figures = {"dump": _timed(lambda: store.dump_store(engine)),
               "backup": _timed(lambda: backup.backup_store(engine, path))}
    archive = None

    def check() -> None:
        nonlocal archive
        archive = backup.read_archive(path)

    figures["check"] = _timed(check)
    figures["restore"] = _timed(lambda: backup.restore_store(engine, archive, replace=True))
    figures["mb"] = path.stat().st_size / 1e6
    figures["rows"] = sum(archive.rows().values())
    engine.dispose()
    return figures


def _print(backend: str, label: str, figures: dict[str, float], baseline: float | None) -> None:
    rows = f"{figures['rows']:,.0f}".replace(",", "\u202f")
    print(f"{backend} {label} ({rows} lignes, archive {figures['mb']:.1f} Mo) : sauvegarde "
          f"{figures['backup']:.2f} s (lecture seule des tables {figures['dump']:.2f} s), "
          f"contrôle {figures['check']:.2f} s, restauration {figures['restore']:.2f} s")
    if baseline:
        print(f"{backend} {label} : restauration / premier import des mêmes sites "
              f"{figures['restore'] / baseline:.2f}")


def _run(backend: str, url: str, folder: Path) -> None:
    engine = store.get_engine(url)
    demo_cli.write_demo(engine, DEMO_DAY)
    _print(backend, "démo", _measure(url, folder, f"{backend}-demo"), None)
    frame = sites_frame(ROWS)
    first_import = _timed(lambda: store.import_frame(engine, "sites", frame, source="sirene",
                                                     checksum="bench-backup"))
    engine.dispose()
    _print(backend, "démo + 100 000 sites", _measure(url, folder, f"{backend}-100k"),
           first_import)


def main() -> None:
    """Print the figures for SQLite, then PostgreSQL when reachable."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _run("SQLite", f"sqlite:///{folder / 'bench.sqlite'}", folder)
        with _pg_url() as url:
            if url is None:
                print("PostgreSQL : non mesuré (INFLU_GEO_TEST_PG_URL absent ou injoignable)")
            else:
                _run("PostgreSQL", url, folder)


if __name__ == "__main__":
    main()
