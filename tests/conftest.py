"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from ban_server import FakeBan
from hypothesis import settings
from pg_support import PG_URL_VARIABLE, pg_schema_url, pg_unavailable

# CI runs the property tests on a fixed sequence of examples (HYPOTHESIS_PROFILE=ci in
# .ci/run) so a landing is reproducible; a developer's run explores new examples each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Title-match verdicts are not kept on disk by the tests (nor by the servers they start):
# a test scores its titles itself, and writes nothing under data/. The tests of that
# cache give it a folder of their own.
os.environ["INFLU_GEO_MATCH_CACHE_DIR"] = ""


@pytest.fixture(autouse=True)
def _no_match_cache_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    from influ_geo import config

    monkeypatch.setattr(config, "MATCH_CACHE_DIR", None)


@pytest.fixture(autouse=True)
def _fresh_login_throttles() -> Iterator[None]:
    """Wrong passwords are counted per login for the whole server (one per test process
    here): each test starts with none."""
    yield
    ui_auth = sys.modules.get("influ_geo.ui_auth")
    if ui_auth is not None:
        ui_auth.login_throttles.clear()


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

@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty store: an SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'influ_geo.sqlite'}"
        return
    reason = pg_unavailable()
    if reason is not None:
        if os.environ.get("INFLU_GEO_TEST_PG_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield from pg_schema_url(os.environ[PG_URL_VARIABLE])


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
