"""The store: sites, events, actions, members, Territoires d'industrie and the import log.

SQLAlchemy Core over an SQLite file under ``data/`` (default) or PostgreSQL
(``INFLU_GEO_DATABASE_URL``). Every import is ONE transaction: its log row and all its
rows, or nothing. Re-importing a file (same kind, same SHA-256) adds nothing; rows are
matched on their natural key (``schema.NATURAL_KEYS``), so an overlapping file updates
rows instead of duplicating them.

    engine = get_engine()                      # config.DATABASE_URL
    init_db(engine)
    result = import_frame(engine, "sites", frame, source="sirene",
                          file_name="StockEtablissement.zip", checksum=file_checksum(path))
    print(result.summary())                    # "sites : 1 204 lignes ajoutées, …"
    sites = read_table(engine, "sites", code_region="84")

The editor pages write actions one by one with ``insert_action``, ``update_action``,
``delete_actions`` and ``restore_actions`` (undo), from ``store_actions``; the Données
page places a row by hand with ``update_location`` (``store_edit``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from influ_geo import schema
from influ_geo.store_actions import (
    SOURCE_SAISIE,
    delete_actions,
    insert_action,
    restore_actions,
    update_action,
)
from influ_geo.store_db import (
    TABLES,
    column,
    delete_ids,
    ensure_schema,
    get_engine,
    init_db,
    insert_rows,
    integrity_errors,
    lock_for_import,
    select_frame,
    table,
    update_rows,
    writing,
)
from influ_geo.store_edit import RowNotFound, update_location
from influ_geo.store_frames import (
    ActionNotFound,
    ConstraintError,
    DuplicateAction,
    NormalizedFrame,
    SchemaError,
    StoreError,
    file_checksum,
    frame_checksum,
    normalize_frame,
)

__all__ = [
    "SOURCE_SAISIE", "ActionNotFound", "ConstraintError", "DuplicateAction", "ImportResult",
    "RowNotFound", "SchemaError", "StoreError", "delete_actions", "dump_store", "file_checksum",
    "find_import", "frame_checksum", "get_engine", "import_frame", "init_db", "insert_action",
    "is_empty", "list_imports", "normalize_frame", "read_table", "restore_actions",
    "update_action", "update_location",
]

# ---------------------------------------------------------------- imports

@dataclass(frozen=True)
class ImportResult:
    """What one ``import_frame`` did; ``already_imported`` when the file was known."""

    import_id: int
    kind: str
    already_imported: bool
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_deleted: int = 0
    rows_merged: int = 0

    def summary(self) -> str:
        """One French line: ``"sites : 120 lignes ajoutées, 3 mises à jour, 40 inchangées, …"``."""
        if self.already_imported:
            return (f"{self.kind} : ce fichier a déjà été importé (import n° {self.import_id}) ; "
                    "rien n'a été ajouté.")
        return (f"{self.kind} : {_n(self.rows_inserted)} lignes ajoutées, "
                f"{_n(self.rows_updated)} mises à jour, {_n(self.rows_unchanged)} inchangées, "
                f"{_n(self.rows_deleted)} retirées, {_n(self.rows_merged)} doublons fusionnés "
                f"(import n° {self.import_id}).")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


# Called after each chunk written by an import; tests replace it to inject a crash.
_after_chunk: Callable[[str, int], None] = lambda kind, chunk: None  # noqa: E731


def import_frame(
    engine: Engine,
    kind: str,
    frame: pd.DataFrame,
    *,
    source: str,
    file_name: str = "",
    checksum: str | None = None,
    report_counts: Mapping[str, int] | object | None = None,
    replace_source: bool = False,
    licence: str | None = None,
    details: Mapping[str, object] | None = None,
) -> ImportResult:
    """Write a canonical frame of ``kind`` and its import-log row in ONE transaction.

    Parameters
    ----------
    kind: one of ``schema.KINDS``; ``frame`` has canonical columns (missing ones are empty).
    source: short source name (``"sirene"``, ``"icpe"``, ``"openagenda"``, ``"demo"``…),
        written on rows that have no ``source`` of their own.
    checksum: SHA-256 of the file (``file_checksum(path)``); computed from the frame when None.
    report_counts: the importer's counts, a mapping or an ``ImportReport``
        (``rows_read``, ``rows_rejected``, ``rows_merged``; ``precision`` goes to details).
    replace_source: also delete the rows of ``source`` that this frame no longer has.

    Returns
    -------
    ImportResult: inserted / updated / deleted counts, or ``already_imported=True`` (and
    nothing written) when this kind already has an import with this checksum.

    Raises ``SchemaError`` (French message) when the frame does not fit; then nothing
    is written.
    """
    if checksum is not None and (previous := find_import(engine, kind, checksum)) is not None:
        return ImportResult(previous, kind, already_imported=True)
    prepared = normalize_frame(kind, frame, source=source)
    checksum = checksum or frame_checksum(frame)
    try:
        return _import_prepared(engine, prepared, checksum, source=source, file_name=file_name,
                                licence=licence, report_counts=report_counts, details=details,
                                replace_source=replace_source, rows_given=len(frame))
    except integrity_errors(engine) as error:
        detail = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise ConstraintError(f"{kind} : import refusé par la base, rien n'a été écrit "
                              f"({detail})") from error


def _import_prepared(
    engine: Engine, prepared: NormalizedFrame, checksum: str, *, source: str, file_name: str,
    licence: str | None, report_counts: Mapping[str, int] | object | None,
    details: Mapping[str, object] | None, replace_source: bool, rows_given: int,
) -> ImportResult:
    kind = prepared.kind
    with writing(engine) as conn:
        lock_for_import(conn, table(kind))
        previous = _previous_import(conn, kind, checksum)
        if previous is not None:
            return ImportResult(previous, kind, already_imported=True)
        log = _log_values(kind, source, file_name, checksum, licence, report_counts, details)
        log["rows_merged"] = int(log["rows_merged"]) + prepared.merged
        log["rows_read"] = log["rows_read"] if log["rows_read"] is not None else rows_given
        import_id = conn.execute(TABLES["imports"].insert().values(log)).inserted_primary_key[0]
        counts = _write_rows(conn, prepared, import_id, source, replace_source)
        if kind == "territoires_industrie":
            _refresh_territoires_industrie(conn)
        conn.execute(TABLES["imports"].update().where(TABLES["imports"].c.id == import_id).values(
            rows_kept=counts.inserted + counts.updated + counts.unchanged,
            rows_inserted=counts.inserted, rows_updated=counts.updated,
            rows_unchanged=counts.unchanged, rows_deleted=counts.deleted))
    return ImportResult(import_id, kind, False, counts.inserted, counts.updated,
                        counts.unchanged, counts.deleted, int(log["rows_merged"]))


def _refresh_territoires_industrie(conn: Connection) -> None:
    """After a Territoires d'industrie list is written, in its transaction: ``id_ti`` of
    every stored row with a commune, as an import would give it now (the first TI of the
    commune by id, see ``import_locate.attach_territoires_industrie``; empty when the
    commune is in none). Rows stored before the list then count in their TI too."""
    ti = TABLES["territoires_industrie"]
    first_id = ti.c.id_ti.collate("C") if conn.dialect.name == "postgresql" else ti.c.id_ti
    for kind in ("sites", "events", "actions"):
        located = TABLES[kind]
        first = (sa.select(sa.func.min(first_id)).where(ti.c.code_insee == located.c.code_insee)
                 .scalar_subquery())
        conn.execute(located.update().where(located.c.code_insee.is_not(None))
                     .values(id_ti=first))


def find_import(engine: Engine, kind: str, checksum: str) -> int | None:
    """The id of the import that already brought this file, else None.

    Importers call it before parsing a large file: ``find_import(engine, "sites",
    file_checksum(path))`` ⇒ ``12`` means "already imported, nothing to do".
    """
    ensure_schema(engine)
    with engine.connect() as conn:
        return _previous_import(conn, kind, checksum)


def _previous_import(conn: Connection, kind: str, checksum: str) -> int | None:
    imports = TABLES["imports"]
    query = sa.select(imports.c.id).where(imports.c.kind == kind, imports.c.checksum == checksum)
    return conn.execute(query).scalar()


def _log_values(
    kind: str, source: str, file_name: str, checksum: str, licence: str | None,
    report_counts: Mapping[str, int] | object | None, details: Mapping[str, object] | None,
) -> dict[str, object]:
    counts = _counts(report_counts)
    info = dict(details or {})
    precision = getattr(report_counts, "precision", None)
    if precision:
        info.setdefault("precision", dict(precision))
    now = datetime.now(ZoneInfo("Europe/Paris")).replace(tzinfo=None)
    return {"kind": kind, "source": source, "file_name": file_name, "checksum": checksum,
            "imported_at": now, "licence": licence, **counts,
            "details": json.dumps(info, ensure_ascii=False, default=str) if info else None}


def _counts(report: Mapping[str, int] | object | None) -> dict[str, int | None]:
    """``rows_read``, ``rows_rejected``, ``rows_merged`` from a mapping or a report object."""
    def get(name: str) -> int | None:
        value = report.get(name) if isinstance(report, Mapping) else getattr(report, name, None)
        return None if value is None else int(value)

    return {"rows_read": get("rows_read"), "rows_rejected": get("rows_rejected") or 0,
            "rows_merged": get("rows_merged") or 0}


@dataclass(frozen=True)
class WriteCounts:
    """Rows inserted, changed, matched but identical, and deleted by one import."""

    inserted: int
    updated: int
    unchanged: int
    deleted: int


def _write_rows(
    conn: Connection, prepared: NormalizedFrame, import_id: int, source: str, replace: bool,
) -> WriteCounts:
    tbl = table(prepared.kind)
    keys = list(schema.NATURAL_KEYS[prepared.kind])
    existing = _existing_keys(conn, tbl, keys, prepared.rows, source)
    rows = prepared.rows.drop(columns="id").assign(import_id=import_id)
    matched = rows.merge(existing[["id", *keys]], on=keys, how="left", validate="one_to_one")
    new, old = matched[matched["id"].isna()], matched[matched["id"].notna()]
    done = 0

    def on_chunk(_number: int) -> None:
        nonlocal done
        done += 1
        _after_chunk(tbl.name, done)

    insert_rows(conn, tbl, new.drop(columns="id"), on_chunk)
    old = old.astype({"id": "int64"})
    values = [n for n in prepared.given_columns if n not in keys]  # keys match already
    changed = update_rows(conn, tbl, old, values, on_chunk, stamp={"import_id": import_id})
    deleted = 0
    if replace:
        stale = existing.loc[(existing["source"] == source) & ~existing["id"].isin(old["id"]), "id"]
        deleted = delete_ids(conn, tbl, stale.astype(int).tolist())
    return WriteCounts(len(new), changed, len(old) - changed, deleted)


def _existing_keys(
    conn: Connection, tbl: sa.Table, keys: list[str], rows: pd.DataFrame, source: str,
) -> pd.DataFrame:
    """``id``, ``source`` and the natural key of the rows this import may touch."""
    names = list(dict.fromkeys(["id", "source", *keys]))
    query = sa.select(*[tbl.c[n] for n in names])
    if "source" in keys:
        query = query.where(tbl.c.source.in_(sorted({*rows["source"], source})))
    return select_frame(conn, tbl.name, query)


# ---------------------------------------------------------------- reading

def read_table(
    engine: Engine, kind: str, /, *, columns: Sequence[str] | None = None, **filters: object,
) -> pd.DataFrame:
    """One table as a DataFrame in canonical dtypes, ordered by ``id``.

    Codes are ``str`` (``"2A004"``), dates ``datetime64``, counts ``Int64``. Each filter
    is ``column=value`` (equality), ``column=[v1, v2]`` (any of) or ``column=None``
    (empty): ``read_table(engine, "events", code_region=["84", "94"])``.
    """
    ensure_schema(engine)
    tbl = table(kind)
    names = list(columns or schema.column_names(kind))
    query = sa.select(*[column(tbl, n) for n in names]).order_by(tbl.c.id)
    for name, value in filters.items():
        query = query.where(_condition(column(tbl, name), value))
    with engine.connect() as conn:
        return select_frame(conn, kind, query)


def _condition(column: sa.Column, value: object) -> sa.ColumnElement[bool]:
    if value is None:
        return column.is_(None)
    if isinstance(value, (list, tuple, set, frozenset, pd.Series, pd.Index)):
        return column.in_(list(value))
    return column == value


def list_imports(engine: Engine) -> pd.DataFrame:
    """The import log (provenance table), most recent first."""
    log = read_table(engine, "imports")
    return log.sort_values(["imported_at", "id"], ascending=False, ignore_index=True)


def is_empty(engine: Engine) -> bool:
    """True when the store holds no site, event nor action (the app then loads the demo)."""
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for kind in ("sites", "events", "actions"):
            if inspector.has_table(kind) and conn.execute(
                    sa.select(TABLES[kind].c.id).limit(1)).first() is not None:
                return False
    return True


def dump_store(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table in full, ordered by id: for backups and exact comparisons."""
    return {kind: read_table(engine, kind) for kind in TABLES}
