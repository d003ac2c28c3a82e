"""The PostgreSQL server of the store tests (see .ci/postgres.sh), shared by conftest
and the tests that open their own schemas. A plain module, not conftest: two conftest
files (tests/, tests/browser/) would make ``from conftest import`` ambiguous."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator

import sqlalchemy

PG_URL_VARIABLE = "INFLU_GEO_TEST_PG_URL"


@functools.cache
def pg_unavailable() -> str | None:
    """Why the PostgreSQL cases cannot run, or None when the server answers."""
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        return f"PostgreSQL non testé : {PG_URL_VARIABLE} absent (lancer .ci/postgres.sh)"
    engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            return None
    except sqlalchemy.exc.OperationalError as error:
        where = sqlalchemy.make_url(url).render_as_string(hide_password=True)
        return f"PostgreSQL injoignable ({where}) : {str(error.orig).strip().splitlines()[0]}"
    finally:
        engine.dispose()


def pg_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose connections work in a fresh schema, dropped after the test."""
    schema_name = f"test_{uuid.uuid4().hex[:16]}"
    admin = sqlalchemy.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema_name}")
    url = sqlalchemy.make_url(base_url).update_query_dict(
        {"options": f"-csearch_path={schema_name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema_name} CASCADE")
        admin.dispose()
