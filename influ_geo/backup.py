"""Backup and restore of the whole store: one portable archive, checked before any write.

Every table (sites, events, actions, membres, territoires_industrie and the import log
``imports``) goes into one archive (``influ_geo.backup_archive``: a ZIP of Parquet files
with a manifest); nothing in it depends on the backend, so a backup of the SQLite file
restores into PostgreSQL and back::

    rows = backup_store(engine, Path("sauvegarde.zip"))   # {"sites": 2000, …}
    archive = read_archive(Path("sauvegarde.zip"))        # every check, or BackupError
    restore_store(engine, archive, replace=True)          # ONE transaction

``read_archive`` checks everything (manifest, checksums, columns, types, row counts,
ids, keys, references between tables) without touching the store; ``restore_store``
then empties and refills every table in one transaction, so a failed restore changes
nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from influ_geo import schema
from influ_geo.backup_archive import (
    FORMAT_VERSION,
    Archive,
    BackupError,
    read_archive,
    schema_version,
    write_archive,
)
from influ_geo.store_db import (
    TABLES,
    ensure_schema,
    insert_rows,
    integrity_errors,
    metadata,
    select_frame,
    writing,
)

__all__ = ["FORMAT_VERSION", "Archive", "BackupError", "StoreNotEmpty", "backup_store",
           "read_archive", "restore_store", "row_counts", "schema_version", "snapshot",
           "write_archive"]


class StoreNotEmpty(BackupError):
    """The store has rows and the caller did not ask to replace them."""


# ---------------------------------------------------------------- backup

def snapshot(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table, ordered by id, read in ONE transaction: a consistent state even while
    others write (SQLite WAL snapshot; PostgreSQL REPEATABLE READ)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return {kind: select_frame(conn, kind, _select_all(kind)) for kind in TABLES}


def _select_all(kind: str) -> sa.Select:
    tbl = TABLES[kind]
    return sa.select(*[tbl.c[n] for n in schema.column_names(kind)]).order_by(tbl.c.id)


def backup_store(engine: Engine, path: Path) -> dict[str, int]:
    """Write the whole store to ``path`` (written aside, then renamed: never half a file).

    Returns the rows per table. ``OSError`` when ``path`` cannot be written.
    """
    frames = snapshot(engine)
    write_archive(frames, path, backend=engine.dialect.name)
    return {kind: len(frame) for kind, frame in frames.items()}


# ---------------------------------------------------------------- restore

def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the store: ``{"sites": 0, …, "imports": 0}`` when empty."""
    ensure_schema(engine)
    with engine.connect() as conn:
        return _row_counts(conn)


def _row_counts(conn: Connection) -> dict[str, int]:
    return {kind: int(conn.execute(sa.select(sa.func.count()).select_from(tbl)).scalar_one())
            for kind, tbl in TABLES.items()}


def restore_store(engine: Engine, archive: Archive, *, replace: bool = False) -> dict[str, int]:
    """Replace the whole content of the store by ``archive``, in ONE transaction.

    Without ``replace``, a store that holds any row raises ``StoreNotEmpty`` and keeps
    them. Ids are kept, and new rows get ids after them. Any failure rolls back: the
    store is then exactly as before. Returns the rows per table.
    """
    try:
        with writing(engine) as conn:
            _lock_all(conn)
            present = sum(_row_counts(conn).values())
            if present and not replace:
                raise StoreNotEmpty(_not_empty_message(present))
            for tbl in reversed(metadata.sorted_tables):
                conn.execute(tbl.delete())
            for tbl in metadata.sorted_tables:
                insert_rows(conn, tbl, archive.frames[tbl.name], _ignore_chunk)
            _reset_sequences(conn)
    except integrity_errors(engine) as error:
        raise BackupError("restauration refusée par la base, qui n'a pas été modifiée "
                          f"({_first_line(getattr(error, 'orig', error))})") from error
    return archive.rows()


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _not_empty_message(present: int) -> str:
    rows = f"{present:,}".replace(",", "\u202f")
    return (f"la base n'est pas vide ({rows} lignes) : la restauration remplacerait tout son "
            "contenu ; relancez avec --yes pour confirmer (après une sauvegarde)")


def _ignore_chunk(_number: int) -> None:
    """Restores report nothing per chunk."""


def _lock_all(conn: Connection) -> None:
    """PostgreSQL: writers wait until the restore ends, readers keep seeing the old rows."""
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        names = ", ".join(quote(t.name) for t in metadata.sorted_tables)
        conn.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: the next id of each table follows the restored ones (SQLite does it
    itself: a new rowid is the largest one plus one)."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for tbl in TABLES.values():
        name = quote(tbl.name)
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)")
