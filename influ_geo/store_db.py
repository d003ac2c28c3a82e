"""The database side of the store: tables, engines, write transactions, bulk writes.

Bulk writes bypass SQLAlchemy's per-row parameter handling (it costs more than the
database itself): SQLite gets ``executemany`` of plain tuples, PostgreSQL gets
``COPY``. Both run inside the caller's transaction, one chunk of
``config.STORE_CHUNK_ROWS`` rows at a time.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakSet

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from influ_geo import config, schema
from influ_geo.store_frames import SchemaError, pandas_dtype

# Columns indexed wherever they exist: territory codes, dates, links (filters and joins);
# the geocoding precision, for the rows not placed that the Données page lists on every
# run (500,000 sites: ~50 ms scanned, ~0 ms through the index).
INDEXED = ("code_insee", "code_departement", "code_region", "siren_epci", "id_ti",
           "date", "date_debut", "evenement_id", "import_id", "geo_precision")

OnChunk = Callable[[int], None]

metadata = sa.MetaData()

_SA_TYPES: dict[str, Callable[[], sa.types.TypeEngine]] = {
    "str": sa.String, "text": sa.Text, "int": sa.BigInteger, "float": sa.Float,
    "datetime": sa.DateTime,
}


def _sa_column(kind: str, col: schema.Column) -> sa.Column:
    if col.name == "id":
        return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)
    if col.name == "import_id":
        return sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", ondelete="SET NULL"))
    if col.name == "evenement_id":
        return sa.Column(col.name, sa.Integer, sa.ForeignKey("events.id", ondelete="SET NULL"))
    not_null = col.required or col.name in schema.NATURAL_KEYS.get(kind, ())
    return sa.Column(col.name, _SA_TYPES[col.dtype](), nullable=not not_null)


def _build_table(kind: str) -> sa.Table:
    cols = [_sa_column(kind, c) for c in schema.columns(kind)]
    extra: list[sa.SchemaItem] = []
    if kind in schema.NATURAL_KEYS:
        extra.append(sa.UniqueConstraint(*schema.NATURAL_KEYS[kind], name=f"uq_{kind}_cle"))
    if kind == "imports":
        extra.append(sa.UniqueConstraint("kind", "checksum", name="uq_imports_fichier"))
    names = {c.name for c in cols}
    extra += [sa.Index(f"ix_{kind}_{n}", n) for n in INDEXED if n in names]
    # SQLite AUTOINCREMENT: a deleted id is never handed out again (else an undo of a
    # delete finds its id taken by a newer row and drops it); PostgreSQL sequences never do.
    return sa.Table(kind, metadata, *cols, *extra, sqlite_autoincrement=True)


TABLES: dict[str, sa.Table] = {kind: _build_table(kind) for kind in schema.TABLES}


def table(kind: str) -> sa.Table:
    """The SQLAlchemy table of ``kind``; ``SchemaError`` for an unknown name."""
    try:
        return TABLES[kind]
    except KeyError:
        raise SchemaError(f"table inconnue : {kind!r} (attendu : {', '.join(TABLES)})") from None


def column(tbl: sa.Table, name: str) -> sa.Column:
    """A column of ``tbl``; ``SchemaError`` for an unknown name."""
    try:
        return tbl.c[name]
    except KeyError:
        raise SchemaError(f"colonne inconnue dans {tbl.name} : {name}") from None


# ---------------------------------------------------------------- engines

def get_engine(url: str | sa.URL | None = None) -> Engine:
    """An engine on ``url``, else ``config.DATABASE_URL`` (``INFLU_GEO_DATABASE_URL``).

    SQLite files get WAL journaling (readers never block the writer), foreign keys,
    a lock timeout, and ``BEGIN IMMEDIATE`` for writes so two writers queue instead
    of failing half-way.
    """
    url = sa.make_url(url or config.DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: sa.URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": config.STORE_LOCK_TIMEOUT})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: index pages of bulk inserts stay hot
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


_READY: WeakSet[Engine] = WeakSet()


def init_db(engine: Engine) -> None:
    """Create the missing tables and indexes; add the columns a newer schema defines."""
    metadata.create_all(engine, checkfirst=True)
    _add_missing_columns(engine)
    _add_missing_indexes(engine)
    _READY.add(engine)


def ensure_schema(engine: Engine) -> None:
    """``init_db`` once per engine and process."""
    if engine not in _READY:
        init_db(engine)


def _add_missing_columns(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        for tbl in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(tbl.name)}
            for col in tbl.columns:
                if col.name not in present:
                    ddl = col.type.compile(dialect=engine.dialect)
                    conn.exec_driver_sql(
                        f"ALTER TABLE {quote(tbl.name)} ADD COLUMN {quote(col.name)} {ddl}")


def _add_missing_indexes(engine: Engine) -> None:
    """The indexes a newer schema defines, on tables created before it (``IF NOT EXISTS``:
    two processes starting together do not fail)."""
    inspector = sa.inspect(engine)
    missing = [index for tbl in metadata.sorted_tables
               for index in tbl.indexes
               if index.name not in {i["name"] for i in inspector.get_indexes(tbl.name)}]
    if missing:
        with engine.begin() as conn:
            for index in missing:
                conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed at the end, rolled back on any exception."""
    ensure_schema(engine)
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


def integrity_errors(engine: Engine) -> tuple[type[Exception], ...]:
    """Constraint violations as SQLAlchemy wraps them and as COPY raises them (driver's own)."""
    return (sa.exc.IntegrityError, engine.dialect.loaded_dbapi.IntegrityError)


def lock_for_import(conn: Connection, tbl: sa.Table) -> None:
    """Serialise imports of one table; readers are not blocked (SQLite: BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        name = conn.dialect.identifier_preparer.quote(tbl.name)
        conn.exec_driver_sql(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")


# ---------------------------------------------------------------- bulk writes

def _chunks(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    size = max(1, config.STORE_CHUNK_ROWS)
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def _tuples(conn: Connection, rows: pd.DataFrame, names: Sequence[str]) -> list[tuple]:
    """Rows as tuples of plain Python values; ``NaN``/``NaT``/``NA`` ⇒ ``None``."""
    return list(zip(*[_python_values(conn, rows[n]) for n in names], strict=True))


def _python_values(conn: Connection, values: pd.Series) -> list[object]:
    if pd.api.types.is_datetime64_any_dtype(values):
        if conn.dialect.name == "sqlite":  # the text format SQLAlchemy reads back
            text = values.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            return text.to_numpy(dtype=object, na_value=None).tolist()
        return [None if v is pd.NaT else v for v in values.dt.to_pydatetime()]
    return values.to_numpy(dtype=object, na_value=None).tolist()


def _names_sql(conn: Connection, names: Sequence[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(n) for n in names)


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_rows(conn: Connection, tbl: sa.Table, rows: pd.DataFrame, on_chunk: OnChunk) -> None:
    """Insert every row of ``rows`` (columns named as in ``tbl``), chunk by chunk."""
    names = list(rows.columns)
    target = f"{conn.dialect.identifier_preparer.quote(tbl.name)} ({_names_sql(conn, names)})"
    for number, part in enumerate(_chunks(rows), start=1):
        _copy_or_insert(conn, target, len(names), _tuples(conn, part, names))
        on_chunk(number)


def _copy_or_insert(conn: Connection, target: str, width: int, tuples: list[tuple]) -> None:
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # psycopg: COPY is fastest
        with cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for values in tuples:
                copy.write_row(values)
        return
    marks = ", ".join([_placeholder(conn)] * width)
    conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", tuples)


def update_rows(
    conn: Connection, tbl: sa.Table, rows: pd.DataFrame, names: Sequence[str], on_chunk: OnChunk,
    *, stamp: Mapping[str, object] | None = None,
) -> int:
    """Overwrite columns ``names`` of the rows whose ``id`` is in ``rows["id"]``.

    Only rows whose values differ are written (and get ``stamp``, e.g. the new
    ``import_id``); returns how many rows changed.
    """
    names = [n for n in names if n != "id" and n not in (stamp or {})]
    if rows.empty or not names:
        return 0
    if conn.dialect.name == "postgresql":
        return _update_through_copy(conn, tbl, rows, names, dict(stamp or {}), on_chunk)
    quote = conn.dialect.identifier_preparer.quote
    mark = _placeholder(conn)
    sets = ", ".join(f"{quote(n)} = {mark}" for n in [*names, *(stamp or {})])
    olds = ", ".join(quote(n) for n in names)
    news = ", ".join([mark] * len(names))
    statement = (f"UPDATE {quote(tbl.name)} SET {sets} "
                 f"WHERE id = {mark} AND ({olds}) IS NOT ({news})")
    changed = 0
    for number, part in enumerate(_chunks(rows), start=1):
        values = _tuples(conn, part, names)
        ids = part["id"].astype(int).tolist()
        extra = tuple((stamp or {}).values())
        params = [(*v, *extra, i, *v) for v, i in zip(values, ids, strict=True)]
        changed += conn.exec_driver_sql(statement, params).rowcount
        on_chunk(number)
    return changed


def _update_through_copy(
    conn: Connection, tbl: sa.Table, rows: pd.DataFrame, names: list[str],
    stamp: dict[str, object], on_chunk: OnChunk,
) -> int:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE … FROM."""
    quote = conn.dialect.identifier_preparer.quote
    staging = f"maj_{uuid.uuid4().hex[:12]}"
    cols = _names_sql(conn, ["id", *names])
    conn.exec_driver_sql(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
                         f"SELECT {cols} FROM {quote(tbl.name)} WITH NO DATA")
    for number, part in enumerate(_chunks(rows), start=1):
        _copy_or_insert(conn, f"{staging} ({cols})", len(names) + 1,
                        _tuples(conn, part, ["id", *names]))
        on_chunk(number)
    sets = ", ".join([f"{quote(n)} = s.{quote(n)}" for n in names]
                     + [f"{quote(n)} = %({n})s" for n in stamp])
    olds = ", ".join(f"t.{quote(n)}" for n in names)
    news = ", ".join(f"s.{quote(n)}" for n in names)
    changed = conn.exec_driver_sql(
        f"UPDATE {quote(tbl.name)} AS t SET {sets} FROM {staging} AS s "
        f"WHERE t.id = s.id AND ({olds}) IS DISTINCT FROM ({news})", stamp).rowcount
    conn.exec_driver_sql(f"DROP TABLE {staging}")
    return changed


def delete_ids(conn: Connection, tbl: sa.Table, ids: Sequence[int]) -> int:
    """Delete rows by id, in chunks; returns how many ids were given."""
    size = max(1, config.STORE_CHUNK_ROWS)
    for start in range(0, len(ids), size):
        conn.execute(tbl.delete().where(tbl.c.id.in_(list(ids[start:start + size]))))
    return len(ids)


# ---------------------------------------------------------------- reading

def select_frame(conn: Connection, kind: str, query: sa.Select) -> pd.DataFrame:
    """Run a select over columns of ``kind`` and return canonical dtypes.

    ``select_frame(conn, "sites", select(sites.c.code_insee))`` ⇒ a ``str`` column
    (``"2A004"``), never a number. The rows are taken from the driver's cursor as they
    are and converted column by column (Arrow): SQLAlchemy's per-value row processing
    costs more than the database itself on 500,000 sites.
    """
    result = conn.execute(query)
    names = list(result.keys())
    with _no_garbage_collection():
        rows = result.cursor.fetchall() if result.cursor is not None else []
        values = list(zip(*rows, strict=True)) if rows else [()] * len(names)
        del rows
        dtypes = schema.dtypes(kind)
        out = {name: _series(dtypes[name], column_values)
               for name, column_values in zip(names, values, strict=True)}
    return pd.DataFrame(out, columns=names)


@contextmanager
def _no_garbage_collection() -> Iterator[None]:
    """Millions of row tuples (no cycles among them) would start the cycle collector
    again and again: a third of the read time of 500,000 sites."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_ARROW_TYPES = {"str": pa.large_string(), "text": pa.large_string(), "int": pa.int64(),
                "float": pa.float64()}


def _series(dtype: str, values: tuple) -> pd.Series:
    """One column of driver values in its canonical dtype: ``("2A004", None)`` ⇒ ``str``;
    dates come as text from SQLite (``"2026-11-26 10:00:00.000000"``), as ``datetime``
    from PostgreSQL."""
    if dtype == "datetime":
        return pd.Series(pd.to_datetime(list(values), format="ISO8601"), dtype="datetime64[us]")
    try:
        array = pa.array(values, type=_ARROW_TYPES[dtype], from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        # A value of another type (SQLite keeps what it is given): converted one by one.
        if dtype == "float":
            return pd.Series(values, dtype="float64")  # None ⇒ NaN
        return pd.Series(list(values), dtype=pandas_dtype(dtype))
    if dtype == "float":
        return pd.Series(array.to_numpy(zero_copy_only=False), dtype="float64")
    return pd.Series(array, dtype=pd.ArrowDtype(array.type)).astype(pandas_dtype(dtype))
