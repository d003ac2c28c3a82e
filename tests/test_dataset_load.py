"""The store as the views read it: only the site columns they use, same results."""

from __future__ import annotations

from datetime import date

import pandas as pd

from influ_geo import app_data, dataset, indicators, popups, store
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


def test_the_version_follows_imports_and_actions_added_or_deleted(tmp_path) -> None:
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    assert app_data.store_version(engine) == ()
    write_demo(engine, TODAY)
    demo = app_data.store_version(engine)
    assert app_data.store_version(engine) == demo  # nothing written: same version
    new_id = store.insert_action(engine, {
        "date": pd.Timestamp("2026-11-20 10:00"), "membre": "Membre démo 01",
        "canal": "linkedin", "theme": "inclusion", "titre": "Un relais de plus"})
    added = app_data.store_version(engine)
    assert added != demo
    store.delete_actions(engine, [new_id])
    assert app_data.store_version(engine) == demo  # the same rows as before: same data
    sites = store.read_table(engine, "sites").head(1).assign(source_id="nouveau-site")
    store.import_frame(engine, "sites", sites.drop(columns=["id", "import_id"]),
                       source="essai")
    imported = app_data.store_version(engine)
    assert imported[0] == demo[0] + 1 and imported[2] == demo[2] + 1  # import id, sites id
    engine.dispose()
