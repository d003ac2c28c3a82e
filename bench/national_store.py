"""A store at national scale: 500,000 sites, 50,000 events, 100,000 actions, 2,000 members.

The rows come from :mod:`bench.analytics_frames` (real communes weighted by population,
events numbered like the store does, actions relaying an event by id, by title or none),
completed with what a real file brings to the store: a ``source_id`` and a name on every
site and event, an id on every action, the commune name, the geocoding precision, and a
roster of members. The dates are moved so that ``today`` is the day of the data: the
same mix of past and upcoming events on any day.

Written through ``store.import_frame`` (one import per table, as the importers do) into
an SQLite file cached under the temporary folder: generated once per day and seed, then
reused by every run of the benchmark.

    url = national_store_url()           # sqlite:////tmp/influ_geo_bench/national-…sqlite
    frames = national_frames(today)      # the same tables, in memory
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from bench import analytics_frames
from influ_geo import referentiel, schema, store

SOURCE = "bench"
N_SITES, N_EVENTS, N_ACTIONS, N_MEMBRES = 500_000, 50_000, 100_000, 2_000
GENERATOR_VERSION = 2  # bump when the rows change: a new cache file is written
CACHE_DIR = Path(tempfile.gettempdir()) / "influ_geo_bench"
ORDER = ("territoires_industrie", "sites", "events", "membres", "actions")


def _shift(frame: pd.DataFrame, columns: tuple[str, ...], days: int) -> pd.DataFrame:
    out = frame.copy()
    for name in columns:
        out[name] = out[name] + pd.Timedelta(days=days)
    return out


def _sites(frame: pd.DataFrame) -> pd.DataFrame:
    """``"Établissement 000001"`` at ``commune_nom``, ids ``bench-site-1``…, placed at
    municipality precision."""
    n = len(frame)
    numbers = np.arange(1, n + 1)
    return frame.assign(
        source_id=[f"bench-site-{i}" for i in numbers],
        siret=[f"{i:09d}{i % 100_000:05d}" for i in numbers],
        nom=[f"Établissement {i:06d}" for i in numbers],
        commune=frame["commune_nom"], geo_precision="municipality")


def _events(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="id").assign(commune=frame["commune_nom"],
                                           geo_precision="municipality")


def _actions(frame: pd.DataFrame) -> pd.DataFrame:
    """Actions with an id and a post title each (``"Publication n° 12"``)."""
    numbers = np.arange(1, len(frame) + 1)
    return frame.assign(source_id=[f"bench-act-{i}" for i in numbers],
                        titre=[f"Publication n° {i}" for i in numbers])


def _pick(rng: np.random.Generator, codes: dict[str, str], n: int) -> np.ndarray:
    return np.asarray(list(codes), dtype=object)[rng.integers(0, len(codes), n)]


def membres(n: int = N_MEMBRES, seed: int = 1) -> pd.DataFrame:
    """The ``n`` members the actions name (``"Membre 0000"``…), each in a commune."""
    rng = np.random.default_rng(seed)
    communes = referentiel.communes()
    homes = communes.iloc[rng.choice(len(communes), n)].reset_index(drop=True)
    return pd.DataFrame({
        "source": SOURCE, "pseudonyme": [f"Membre {m:04d}" for m in range(n)],
        "code_insee": homes["code_insee"], "commune_nom": homes["nom"],
        "code_departement": homes["code_departement"], "code_region": homes["code_region"],
        "lon": homes["lon"], "lat": homes["lat"],
        "canaux": _pick(rng, schema.CANAUX, n), "themes": _pick(rng, schema.THEMES, n),
    })


def national_frames(today: date, seed: int = 0, *, sites: int = N_SITES, events: int = N_EVENTS,
                    actions: int = N_ACTIONS) -> dict[str, pd.DataFrame]:
    """The tables as ``dataset.prepare`` reads them (events numbered 1…n), dated for ``today``."""
    raw = analytics_frames.frames(actions, sites, events, seed)
    days = (today - analytics_frames.TODAY).days
    evs = _shift(raw["events"], ("date_debut", "date_fin"), days)
    evs = evs.assign(commune=evs["commune_nom"], geo_precision="municipality")
    return {"territoires_industrie": raw["territoires_industrie"],
            "sites": _sites(raw["sites"]), "events": evs, "membres": membres(),
            "actions": _actions(_shift(raw["actions"], ("date",), days))}


def cache_path(today: date, seed: int = 0) -> Path:
    """``/tmp/influ_geo_bench/national-v1-s0-2026-11-26.sqlite``."""
    return CACHE_DIR / f"national-v{GENERATOR_VERSION}-s{seed}-{today.isoformat()}.sqlite"


def write_store(path: Path, today: date, seed: int = 0) -> dict[str, float]:
    """Generate the tables and import them into a new SQLite file; seconds per step."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    frames = national_frames(today, seed)
    timings["génération"] = time.perf_counter() - start
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = store.get_engine(f"sqlite:///{partial}")
    store.init_db(engine)
    for kind in ORDER:
        frame = frames[kind]
        if kind == "events":
            frame = _events(frame)
        if kind == "actions":  # a relay by id names the id the store gave its event
            stored = store.read_table(engine, "events", columns=["id", "source_id"])
            by_number = stored.set_index(stored["source_id"].str.removeprefix("bench-ev-")
                                         .astype(int))["id"]
            frame = frame.assign(evenement_id=frame["evenement_id"].map(by_number)
                                 .astype("Int64"))
        start = time.perf_counter()
        store.import_frame(engine, kind, frame, source=SOURCE, file_name=f"{kind}.csv",
                           report_counts={"rows_read": len(frame)})
        timings[f"import {kind}"] = time.perf_counter() - start
    engine.dispose()
    partial.rename(path)
    return timings


def national_store_url(today: date, seed: int = 0) -> tuple[str, dict[str, float]]:
    """The URL of the cached national store for ``today`` (written first when absent) and
    the seconds of each writing step (empty when the cache answered)."""
    path = cache_path(today, seed)
    timings: dict[str, float] = {}
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f"national-v*-s{seed}-*.sqlite"):
            stale.unlink()
        timings = write_store(path, today, seed)
    return f"sqlite:///{path}", timings
