"""Fixtures shared by the test modules."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy
from ban_server import FakeBan


@pytest.fixture
def ban_server(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[FakeBan]:
    """A fake BAN batch endpoint on 127.0.0.1; child processes get its URL and a fresh cache."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = FakeBan().start()
    monkeypatch.setenv("INFLU_GEO_BAN_URL", server.url)
    monkeypatch.setenv("INFLU_GEO_BAN_CACHE_DIR", str(tmp_path / "ban_cache"))
    yield server
    server.stop()


# ---------------------------------------------------------------- the store, on both backends
# Every test that takes ``db_url`` (or ``store_engine``) runs twice: on an SQLite file and on
# the PostgreSQL server named by INFLU_GEO_TEST_PG_URL (see .ci/postgres.sh), each
# PostgreSQL test in a schema of its own. Without that server the PostgreSQL cases are
# skipped with the reason; INFLU_GEO_TEST_PG_REQUIRED=1 (CI) turns the skip into a failure.

PG_URL_VARIABLE = "INFLU_GEO_TEST_PG_URL"


@functools.cache
def _pg_unavailable() -> str | None:
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


def _pg_schema_url(base_url: str) -> Iterator[str]:
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty store: an SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'influ_geo.sqlite'}"
        return
    reason = _pg_unavailable()
    if reason is not None:
        if os.environ.get("INFLU_GEO_TEST_PG_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield from _pg_schema_url(os.environ[PG_URL_VARIABLE])


@pytest.fixture
def store_engine(db_url: str):
    """An initialised, empty store on each backend (engine disposed after the test)."""
    from influ_geo import store

    engine = store.get_engine(db_url)
    store.init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite store for a module of page tests (the app writes the demo into it)."""
    from influ_geo import config

    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'influ_geo.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "DATABASE_URL", url)
        yield url
