"""The demonstration data set: deterministic, all régions, upcoming events, valid codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import shapely

from influ_geo import demo, demo_cli, referentiel, schema, store
from influ_geo.store_frames import normalize_frame

TODAY = date(2025, 11, 26)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    events = demo.demo_events(TODAY)
    stored = events.assign(id=range(1, len(events) + 1))  # as read back from the store
    return {"sites": demo.demo_sites(TODAY), "events": events,
            "actions": demo.demo_actions(TODAY, stored), "membres": demo.demo_membres(),
            "territoires_industrie": demo.demo_territoires_industrie()}


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return referentiel.communes().set_index("code_insee")


def test_counts(frames):
    assert len(frames["sites"]) == 2000
    assert len(frames["events"]) == 400
    assert len(frames["actions"]) == 1500
    assert len(frames["membres"]) == 40
    assert frames["territoires_industrie"]["id_ti"].nunique() == 12


def test_same_today_gives_the_same_frames(frames):
    pd.testing.assert_frame_equal(demo.demo_sites(TODAY), frames["sites"])
    pd.testing.assert_frame_equal(demo.demo_events(TODAY), frames["events"])
    events = frames["events"].assign(id=range(1, 401))
    pd.testing.assert_frame_equal(demo.demo_actions(TODAY, events), frames["actions"])


def test_another_day_moves_dates_only(frames):
    later = demo.demo_sites(TODAY + timedelta(days=30))
    same = frames["sites"].columns.drop("date_maj")
    pd.testing.assert_frame_equal(later[same], frames["sites"][same])
    assert (later["date_maj"] - frames["sites"]["date_maj"] == pd.Timedelta(days=30)).all()


@pytest.mark.parametrize("kind", ["sites", "events", "actions", "membres"])
def test_marked_as_demo(frames, kind):
    assert set(frames[kind]["source"]) == {demo.SOURCE}


@pytest.mark.parametrize("kind", ["sites", "events", "actions"])
def test_all_eighteen_regions(frames, kind):
    regions = set(referentiel.communes()["code_region"])
    assert len(regions) == 18
    assert set(frames[kind]["code_region"].dropna()) == regions


@pytest.mark.parametrize("today", [date(2025, 11, 26), date(2025, 3, 19), date(2026, 8, 10),
                                   date(2027, 12, 28), date(2024, 1, 1)])
def test_upcoming_events_relative_to_today(today):
    events = demo.demo_events(today)
    now = pd.Timestamp(today)
    starts = events["date_debut"]
    assert (starts > now + pd.Timedelta(days=1)).sum() >= 95
    assert ((starts > now) & (starts <= now + pd.Timedelta(days=31))).sum() >= 15
    assert starts.min() >= now - pd.Timedelta(days=demo.PAST_DAYS)
    assert starts.max() <= now + pd.Timedelta(days=demo.FUTURE_DAYS + 1)
    assert (events["date_fin"] >= starts).all()
    assert not (starts.dt.day_of_week == 6).any()  # no Sunday events


def test_codes_exist_in_the_referential(frames, communes):
    for kind in ("sites", "events", "actions", "membres"):
        frame = frames[kind]
        placed = frame[frame["code_insee"].notna()]
        assert placed["code_insee"].isin(communes.index).all(), kind
        truth = communes.loc[placed["code_insee"]]
        assert (placed["code_departement"].to_numpy() == truth["code_departement"]).all(), kind
        assert (placed["code_region"].to_numpy() == truth["code_region"]).all(), kind
        assert (placed["commune_nom"].to_numpy() == truth["nom"]).all(), kind
    for kind in ("sites", "events"):
        frame = frames[kind]
        postcodes = communes.loc[frame["code_insee"], "codes_postaux"].str.split()
        assert all(cp in known for cp, known in zip(frame["code_postal"], postcodes, strict=True))
    ti = frames["territoires_industrie"]
    assert ti["code_insee"].isin(communes.index).all()
    placed = frames["sites"][frames["sites"]["id_ti"].notna()]
    assert placed["id_ti"].isin(set(ti["id_ti"])).all() and len(placed) > 0


def test_sites_lie_inside_their_commune(frames):
    sites = frames["sites"]
    polygons = referentiel.load_layer("communes_polygones").set_index("code_insee").geometry
    shapes = polygons.reindex(sites["code_insee"]).to_numpy()
    inside = shapely.contains_xy(shapes, sites["lon"], sites["lat"])
    assert inside.mean() > 0.99  # a few tiny communes fall back to their reference point


def test_sites_shape(frames):
    sites = frames["sites"]
    assert set(sites["naf_division"]) <= {f"{d}" for d in range(10, 34)}
    assert sites["naf"].str.fullmatch(r"\d{2}\.\d{2}[A-Z]").all()
    assert (sites["naf"].str[:2] == sites["naf_division"]).all()
    assert sites["effectifs_libelle"].notna().all() and sites["effectif_estime"].notna().all()
    assert sites["source_id"].is_unique


def test_actions_cover_every_theme_channel_and_relay_kind(frames):
    actions = frames["actions"]
    assert set(actions["theme"]) == set(schema.THEMES)
    assert set(actions["canal"]) == set(schema.CANAUX)
    assert set(actions["public_cible"]) <= set(schema.PUBLICS)
    assert set(actions["statut"]) == {"realisee", "prevue"}
    by_id = actions["evenement_id"].notna()
    by_title = ~by_id & actions["evenement_titre"].notna()
    alone = actions["evenement_titre"].isna()
    assert 0.35 < by_id.mean() < 0.55 and 0.1 < by_title.mean() < 0.2 and 0.3 < alone.mean() < 0.5
    assert actions["evenement_id"].dropna().between(1, 400).all()
    assert (actions["date"] <= pd.Timestamp(TODAY) + pd.Timedelta(days=1))[
        actions["statut"] == "realisee"].all()
    assert actions["impressions"].dropna().gt(0).all()
    assert (actions["reactions"].dropna() <= actions["impressions"].dropna()).all()


def test_members_are_clearly_fictional(frames):
    names = set(frames["actions"]["membre"])
    assert names == set(frames["membres"]["pseudonyme"])
    assert len(names) == 40
    assert all(re.fullmatch(r"Membre démo \d{2}", name) for name in names)


def test_gaps_some_departements_have_no_action_but_have_events(frames):
    gaps = demo.gap_departements()
    assert len(gaps) >= 15
    actions, events = frames["actions"], frames["events"]
    assert not actions["code_departement"].isin(gaps).any()
    assert not frames["membres"]["code_departement"].isin(gaps).any()
    upcoming = events[events["date_debut"] > pd.Timestamp(TODAY)]
    assert upcoming["code_departement"].isin(gaps).sum() >= 5  # events nobody relays


@pytest.mark.parametrize("kind", ["sites", "events", "actions", "membres", "territoires_industrie"])
def test_frames_fit_the_store_schema(frames, kind):
    normalized = normalize_frame(kind, frames[kind], source=demo.SOURCE)
    assert normalized.merged == 0
    assert len(normalized.rows) == len(frames[kind])


@pytest.mark.slow
def test_demo_twice_gives_the_same_store(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    first = demo_cli.write_demo(engine, TODAY)
    assert [r.rows_inserted for r in first] == [414, 2000, 400, 40, 1500]
    before = store.dump_store(engine)
    second = demo_cli.write_demo(engine, TODAY)
    assert all(r.already_imported for r in second)
    after = store.dump_store(engine)
    for name in ("sites", "events", "actions", "membres", "territoires_industrie"):
        pd.testing.assert_frame_equal(before[name], after[name])
    actions = after["actions"]
    assert actions["evenement_id"].notna().sum() > 500
    assert actions["evenement_id"].dropna().isin(after["events"]["id"]).all()
    moved = demo_cli.write_demo(engine, TODAY + timedelta(days=7))
    assert [r.rows_inserted for r in moved[1:]] == [0, 0, 0, 0]  # same rows, new dates
    assert len(store.read_table(engine, "events")) == 400


@pytest.mark.slow
def test_demo_command_writes_csv_without_store(tmp_path):
    env = {**os.environ, "INFLU_GEO_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.sqlite'}"}
    done = subprocess.run(
        [sys.executable, "-m", "influ_geo", "demo", "--date", "2025-11-26", "--sans-base",
         "-o", str(tmp_path / "csv")], cwd=ROOT, env=env, capture_output=True, text=True,
        check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "26/11/2025" in done.stdout
    assert not (tmp_path / "absent.sqlite").exists()
    events = pd.read_csv(tmp_path / "csv" / "events.csv", dtype=str)
    assert len(events) == 400 and (pd.to_datetime(events["date_debut"]) > "2025-11-26").sum() >= 95
    actions = pd.read_csv(tmp_path / "csv" / "actions.csv", dtype=str)
    assert actions["evenement_ref"].dropna().isin(events["source_id"]).all()
    refused = subprocess.run([sys.executable, "-m", "influ_geo", "demo", "--sans-base"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                             timeout=120)
    assert refused.returncode == 2 and "Erreur : --sans-base" in refused.stderr
