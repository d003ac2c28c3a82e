"""The store as the views read it: only the site columns they use, same results."""

from __future__ import annotations

from datetime import date

import pandas as pd

from influ_geo import dataset, indicators, popups, store
from influ_geo.demo_cli import write_demo

TODAY = date(2026, 11, 26)


def test_sites_read_for_the_views_give_the_same_figures_and_popups(tmp_path) -> None:
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    write_demo(engine, TODAY)
    light = dataset.read_frames(engine)
    assert list(light["sites"].columns) == list(dataset.SITE_COLUMNS)
    full = {**light, "sites": store.read_table(engine, "sites")}
    assert len(full["sites"].columns) > len(dataset.SITE_COLUMNS)
    read, whole = dataset.prepare(light, TODAY), dataset.prepare(full, TODAY)
    for level, table in indicators.compute(read).items():
        pd.testing.assert_frame_equal(table, indicators.compute(whole)[level])
    assert popups.site_popups(read.sites.head(50)) == popups.site_popups(whole.sites.head(50))
    assert read.sites["siret"].isna().all()  # left in the store, an empty column here
    engine.dispose()
