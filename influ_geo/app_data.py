"""The data every page of the app shows: the store's tables prepared once per import.

No streamlit here: ``influ_geo.ui`` caches :func:`load_app_data` on the database URL and
the :func:`store_version`, so a new import (or an edited action) gives a new version and
the next page run reads the store again.

    engine = store.get_engine()
    version = ensure_data(engine, today)     # writes the demo when the store is empty
    app = load_app_data(engine, today)       # AppData(dataset=…, demo=True, data_date=…)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from influ_geo import dataset, demo, store
from influ_geo.dataset import Dataset
from influ_geo.store_db import TABLES

# A version of the store's content: the latest import (id, date), then for each table
# the apps read its largest id, and its row count for the tables edited outside imports.
StoreVersion = tuple[object, ...]
_VERSIONED = ("sites", "events", "actions", "membres")
# Rows are added or deleted one by one (editors, « Je relaie », undo) only in these: the
# others change through imports, which the latest import tells. Counting 500,000 sites on
# every page run would cost ~40 ms.
_COUNTED = ("actions", "membres")


@dataclass(frozen=True, eq=False)
class AppData:
    """What the pages read: the prepared tables, whether they are the demonstration set,
    and the date of the data (the latest import; ``None`` when nothing was imported)."""

    dataset: Dataset
    demo: bool
    data_date: datetime | None
    version: StoreVersion


def store_version(engine: Engine) -> StoreVersion:
    """``(5, "2026-11-26T08:20:48", 2000, 400, 1500, 1500, 40, 40)`` — changes with every
    import and every action or member added or deleted; ``()`` for a store without tables."""
    inspector = sa.inspect(engine)
    if not inspector.has_table("imports"):
        return ()
    imports = TABLES["imports"]
    with engine.connect() as conn:
        last = conn.execute(sa.select(imports.c.id, imports.c.imported_at)
                            .order_by(imports.c.id.desc()).limit(1)).first()
        out: list[object] = [None, None] if last is None else [last[0], str(last[1])]
        for kind in _VERSIONED:
            tbl = TABLES[kind]
            if inspector.has_table(kind):
                counted = (sa.func.count(),) if kind in _COUNTED else ()
                out.extend(conn.execute(sa.select(*counted, sa.func.max(tbl.c.id))).one())
    return tuple(out)


def ensure_data(engine: Engine, today: date) -> StoreVersion:
    """Write the demonstration data set into an empty store (so a fresh install shows a
    living dashboard), then return the store's version."""
    if store.is_empty(engine):
        from influ_geo.demo_cli import write_demo

        write_demo(engine, today)
    return store_version(engine)


def load_app_data(engine: Engine, today: date, version: StoreVersion = ()) -> AppData:
    """Every table of the store, prepared for ``today`` (see :func:`dataset.prepare`).

    ``demo`` is True when any shown site, event or action comes from the demonstration
    set (source ``demo``); ``data_date`` is the date of the latest import.
    """
    frames = dataset.read_frames(engine)
    is_demo = any(_has_demo(frames[kind]) for kind in ("sites", "events", "actions"))
    prepared = dataset.prepare(frames, today, demo=is_demo)
    return AppData(prepared, is_demo, latest_import_date(engine), version)


def demo_in_memory(today: date) -> AppData:
    """The demonstration set prepared in memory: the fallback when the store cannot be
    written (a read-only database)."""
    return AppData(dataset.prepare(dataset.demo_frames(today), today, demo=True), True,
                   None, ())


def _has_demo(frame: pd.DataFrame) -> bool:
    return bool(len(frame)) and bool((frame["source"] == demo.SOURCE).any())


def latest_import_date(engine: Engine) -> datetime | None:
    """``imported_at`` of the most recent import, ``None`` when the log is empty."""
    log = store.list_imports(engine)
    if log.empty:
        return None
    return pd.Timestamp(log["imported_at"].iloc[0]).to_pydatetime()
