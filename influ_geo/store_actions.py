"""Editing the collective's actions one by one (the "Mobilisations" page, "Je relaie").

Each function is one write transaction; a refused write raises a ``StoreError`` whose
message is French. ``delete_actions`` returns the deleted rows so that
``restore_actions`` can undo it with the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from influ_geo import schema
from influ_geo.store_db import TABLES, integrity_errors, select_frame, writing
from influ_geo.store_frames import (
    ActionNotFound,
    ConstraintError,
    DuplicateAction,
    SchemaError,
    normalize_frame,
    to_records,
)

# Source written on actions typed in the app (not imported from a file).
SOURCE_SAISIE = "saisie"


def insert_action(engine: Engine, record: Mapping[str, object]) -> int:
    """Add one action typed in the app; returns its id.

    ``record`` holds canonical action columns (``date, membre, canal, theme`` at least).
    Raises ``SchemaError`` for an invalid value, ``DuplicateAction`` if it exists.
    """
    values = {"source": SOURCE_SAISIE, **record}
    prepared = _one_action(values)
    names = [n for n in prepared.columns if n not in ("id", "import_id")]
    with _editing(engine) as conn:
        _raise_if_duplicate(conn, prepared.at[0, "cle"], None)
        statement = TABLES["actions"].insert().values(to_records(prepared, names)[0])
        return int(conn.execute(statement).inserted_primary_key[0])


def update_action(engine: Engine, action_id: int, changes: Mapping[str, object]) -> None:
    """Change some fields of one action; its key follows when it was a fingerprint."""
    forbidden = {"id", "import_id"} & set(changes)
    if forbidden:
        raise SchemaError(f"ces colonnes ne se modifient pas : {', '.join(sorted(forbidden))}")
    actions = TABLES["actions"]
    with _editing(engine) as conn:
        current = _read_actions(conn, [action_id])
        if current.empty:
            raise ActionNotFound(f"l'action n° {action_id} n'existe plus")
        record = {k: (None if pd.isna(v) else v) for k, v in current.iloc[0].items()}
        if str(record["cle"]).startswith("h:") and "cle" not in changes:
            record["cle"] = None
        record.update(changes)
        prepared = _one_action(record)
        _raise_if_duplicate(conn, prepared.at[0, "cle"], action_id)
        names = [n for n in prepared.columns if n not in ("id", "import_id")]
        values = to_records(prepared, names)[0]
        conn.execute(actions.update().where(actions.c.id == action_id).values(values))


def delete_actions(engine: Engine, ids: Iterable[int]) -> pd.DataFrame:
    """Delete actions by id; returns the deleted rows, to give to ``restore_actions``."""
    wanted = sorted({int(i) for i in ids})
    actions = TABLES["actions"]
    with _editing(engine) as conn:
        deleted = _read_actions(conn, wanted)
        if wanted:
            conn.execute(actions.delete().where(actions.c.id.in_(wanted)))
    return deleted


def restore_actions(engine: Engine, deleted: pd.DataFrame) -> int:
    """Put deleted actions back with their ids (undo); rows already present are skipped."""
    if deleted.empty:
        return 0
    actions = TABLES["actions"]
    rows = deleted.reindex(columns=schema.column_names("actions"))
    with _editing(engine) as conn:
        present = set(_read_actions(conn, rows["id"].astype(int).tolist())["id"].astype(int))
        todo = rows[~rows["id"].astype(int).isin(present)]
        for cle in todo["cle"]:
            _raise_if_duplicate(conn, cle, None)
        if not todo.empty:
            conn.execute(actions.insert(), to_records(todo, list(todo.columns)))
    return len(todo)


@contextmanager
def _editing(engine: Engine) -> Iterator[Connection]:
    """A write transaction whose constraint violations become French ``StoreError``s."""
    try:
        with writing(engine) as conn:
            yield conn
    except integrity_errors(engine) as error:
        detail = str(getattr(error, "orig", error)).strip().splitlines()[0]
        if "cle" in detail:  # a concurrent writer added the same action first
            raise DuplicateAction("cette action existe déjà") from error
        raise ConstraintError(f"modification refusée par la base ({detail})") from error


def _one_action(record: Mapping[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame([{k: v for k, v in record.items() if k not in ("id", "import_id")}])
    prepared = normalize_frame("actions", frame, source=str(record.get("source") or SOURCE_SAISIE))
    return prepared.rows


def _read_actions(conn: Connection, ids: list[int]) -> pd.DataFrame:
    actions = TABLES["actions"]
    names = schema.column_names("actions")
    query = sa.select(*[actions.c[n] for n in names]).where(actions.c.id.in_(ids))
    return select_frame(conn, "actions", query.order_by(actions.c.id))


def _raise_if_duplicate(conn: Connection, cle: str, action_id: int | None) -> None:
    actions = TABLES["actions"]
    query = sa.select(actions.c.id).where(actions.c.cle == cle)
    if action_id is not None:
        query = query.where(actions.c.id != action_id)
    other = conn.execute(query).scalar()
    if other is not None:
        raise DuplicateAction(f"cette action existe déjà (action n° {other})")
