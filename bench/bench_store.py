"""Bulk writes of the store: 100,000 sites on SQLite (and PostgreSQL when reachable).

Target (issue "data layer"): 100,000 rows in a few seconds on SQLite. Baseline measured in
the same run: ``DataFrame.to_sql`` of the same frame into a plain table (no index, no key
matching, no import log).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from influ_geo import referentiel, store

ROWS = 100_000
TARGET_SECONDS = 5.0


def sites_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """Generated sites in real communes, with every location column filled."""
    rng = np.random.default_rng(seed)
    communes = referentiel.communes().sample(rows, replace=True, random_state=seed)
    communes = communes.reset_index(drop=True)
    sirets = [f"{n:014d}" for n in rng.choice(10**13, rows, replace=False)]
    return pd.DataFrame({
        "source": "sirene", "source_id": sirets, "siret": sirets,
        "nom": [f"Établissement {i}" for i in range(rows)],
        "naf": "25.62A", "naf_division": "25", "tranche_effectifs": "12",
        "effectif_estime": pd.array(rng.integers(0, 500, rows), dtype="Int64"),
        "code_postal": communes["codes_postaux"].str.slice(0, 5),
        "commune": communes["nom"], "code_insee": communes["code_insee"],
        "commune_nom": communes["nom"], "code_departement": communes["code_departement"],
        "code_region": communes["code_region"], "siren_epci": communes["siren_epci"],
        "lon": communes["lon"], "lat": communes["lat"], "geo_precision": "municipality",
        "geo_score": 0.8, "date_maj": pd.Timestamp("2025-01-01"),
    })


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


@contextmanager
def _pg_url() -> Iterator[str | None]:
    """A fresh schema on the PostgreSQL server of INFLU_GEO_TEST_PG_URL, or None."""
    base = os.environ.get("INFLU_GEO_TEST_PG_URL")
    if not base:
        yield None
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    except sa.exc.OperationalError:
        yield None
        return
    try:
        url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()


def run(url: str, frame: pd.DataFrame) -> dict[str, float]:
    """Seconds for: first import, re-import with every row changed, re-import of identical
    rows (another file), read back, and the ``to_sql`` baseline."""
    engine = store.get_engine(url)
    store.init_db(engine)

    def load(rows: pd.DataFrame, checksum: str) -> store.ImportResult:
        return store.import_frame(engine, "sites", rows, source="sirene", checksum=checksum)

    changed = frame.assign(nom=frame["nom"] + " (maj)")
    seconds = {
        "insert": _timed(lambda: load(frame, "bench-1"))[0],
        "update": _timed(lambda: load(changed, "bench-2"))[0],
        "unchanged": _timed(lambda: load(changed, "bench-3"))[0],
    }
    seconds["read"], back = _timed(lambda: store.read_table(engine, "sites"))
    assert len(back) == len(frame)
    seconds["to_sql"], _ = _timed(lambda: frame.to_sql("baseline_to_sql", engine, index=False,
                                                       chunksize=10_000))
    engine.dispose()
    return seconds


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _print(backend: str, rows: int, seconds: dict[str, float]) -> None:
    verdict = "OK" if seconds["insert"] <= TARGET_SECONDS else "HORS CIBLE"
    print(f"{backend} : import de {_n(rows)} sites en {seconds['insert']:.2f} s "
          f"({_n(rows / seconds['insert'])} lignes/s ; cible ≤ {TARGET_SECONDS:.0f} s : {verdict})")
    print(f"{backend} : ré-import, toutes les lignes modifiées {seconds['update']:.2f} s ; "
          f"lignes identiques {seconds['unchanged']:.2f} s ; relecture {seconds['read']:.2f} s")
    print(f"{backend} : référence DataFrame.to_sql (sans index, sans clé, sans journal) "
          f"{seconds['to_sql']:.2f} s ; rapport import / to_sql "
          f"{seconds['insert'] / seconds['to_sql']:.2f}")


def main() -> None:
    """Print the figures for SQLite, then PostgreSQL when INFLU_GEO_TEST_PG_URL answers."""
    frame = sites_frame()
    with tempfile.TemporaryDirectory() as tmp:
        _print("SQLite", len(frame), run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", frame))
    with _pg_url() as url:
        if url is None:
            print("PostgreSQL : non mesuré (INFLU_GEO_TEST_PG_URL absent ou serveur injoignable)")
        else:
            _print("PostgreSQL", len(frame), run(url, frame))


if __name__ == "__main__":
    main()
