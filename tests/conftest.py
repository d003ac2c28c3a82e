"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
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
