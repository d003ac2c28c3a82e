"""Fixing where one row of the store is placed (the Données page: a row that failed to
geocode gets the commune an editor picked).

    update_location(engine, "events", 17, {"code_insee": "01283", "commune_nom": "Oyonnax",
                    "code_departement": "01", "code_region": "84", "lon": 5.65,
                    "lat": 46.25, "geo_precision": "municipality"})
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from influ_geo import schema
from influ_geo.store_db import table, writing
from influ_geo.store_frames import SchemaError, StoreError, coerce_frame, to_records

# The columns a location fix may write, per table (what the geocoding chain fills).
LOCATION_COLUMNS = ("lon", "lat", "code_insee", "commune_nom", "code_departement",
                    "code_region", "siren_epci", "id_ti", "geo_precision", "geo_score",
                    "geo_note", "territoire_niveau")


class RowNotFound(StoreError, LookupError):
    """The row to fix is no longer in the store (deleted meanwhile)."""


def location_columns(kind: str) -> list[str]:
    """``location_columns("membres")`` ⇒ ``["lon", "lat", "code_insee", "commune_nom", …]``."""
    names = set(schema.column_names(kind))
    return [name for name in LOCATION_COLUMNS if name in names]


def update_location(engine: Engine, kind: str, row_id: int,
                    location: Mapping[str, object]) -> None:
    """Write the location columns of one row of ``kind`` (one transaction).

    Raises ``SchemaError`` for a column that is not a location column of ``kind`` or a
    code outside its enumeration, ``RowNotFound`` when the row does not exist; the
    messages are French.
    """
    allowed = location_columns(kind)
    unknown = sorted(set(location) - set(allowed))
    if unknown:
        raise SchemaError(f"{kind} : ces colonnes ne sont pas des colonnes de placement : "
                          f"{', '.join(unknown)}")
    problems = schema.enumeration_problems(kind, location)
    if problems:
        raise SchemaError(f"{kind} : {' ; '.join(problems)}")
    values = _typed(kind, location)
    tbl = table(kind)
    with writing(engine) as conn:
        done = conn.execute(tbl.update().where(tbl.c.id == int(row_id)).values(values))
        if done.rowcount == 0:
            raise RowNotFound(f"{schema.TABLE_LABELS[kind]} : la ligne n° {row_id} n'existe plus")


def _typed(kind: str, location: Mapping[str, object]) -> dict[str, object]:
    """The values in the store's types (codes ``str``, coordinates ``float``)."""
    frame = pd.DataFrame([dict(location)])
    typed = coerce_frame(kind, frame)[list(location)]
    return to_records(typed, list(location))[0]


def read_row(engine: Engine, kind: str, row_id: int) -> dict[str, object] | None:
    """One row as a dict (None when absent): to check a fix."""
    tbl = table(kind)
    with engine.connect() as conn:
        row = conn.execute(sa.select(tbl).where(tbl.c.id == int(row_id))).mappings().first()
    return None if row is None else dict(row)
