"""The server-wide data cache: loaded once per store version, kept out of the collector."""

from __future__ import annotations

import gc
import weakref
from datetime import date

import pytest

from influ_geo import store, ui_data
from influ_geo.demo_cli import write_demo

TODAY = date(2026, 11, 26)


class _Node:
    """An object in a reference cycle: only the cycle collector can free it."""


@pytest.fixture
def url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    write_demo(store.get_engine(url), TODAY)
    ui_data._app_data.clear()
    yield url
    ui_data._app_data.clear()
    gc.unfreeze()


def test_loaded_data_is_frozen_and_a_former_versions_cycles_are_freed_by_the_next(url):
    node = _Node()
    node.me = node  # a cycle alive when the first version is loaded
    alive = weakref.ref(node)
    first = ui_data._app_data(url, ("v1",), TODAY)
    assert first.dataset.actions.shape[0] > 0 and gc.get_freeze_count() > 0
    del node
    gc.collect()
    assert alive() is not None  # frozen: the collector leaves it alone between loads
    second = ui_data._app_data(url, ("v2",), TODAY)
    assert alive() is None  # given back, then collected, before the new data is frozen
    assert second.dataset.actions.shape == first.dataset.actions.shape
    assert ui_data._app_data(url, ("v2",), TODAY) is second  # cached per version
