"""« Près de chez moi »: the page's results after a commune is chosen, and the library behind.

Target, on the demonstration data: results for a 30 km radius ≤ 300 ms after the commune is
typed (AppTest rerun of the page: search, events, sites, map, table, calendar file).
Baseline measured in the same run: the same results computed row by row (a Python loop
with ``math`` over the communes for the name, then over the events and the sites for the
distances), on the demo data and on 100,000 sites, where the difference shows.

The app runs on a store of its own (a temporary SQLite file), never on ``data/``.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from influ_geo import config, nearby, referentiel, textnorm
from influ_geo.dataset import Dataset

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE = "pages/3_Pres_de_chez_moi.py"
RADIUS_KM = 30
TARGET_S = 0.300
# Communes typed one after the other: never the same twice, so nothing is served from a cache.
QUERIES = ("Saint-Étienne", "69003", "Ajaccio", "Rennes", "st nazaire", "Mulhouse",
           "Le Mans", "97411", "Bordeaux", "Valenciennes", "Annecy", "2B033")
SCALED_SITES = 100_000


def _timed(action) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of ``action()``."""
    start, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - start, time.process_time() - cpu


def page_times(database_url: str) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """The first commune typed (the commune index is built then) and each of the others."""
    from streamlit.testing.v1 import AppTest

    config.DATABASE_URL = database_url
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()  # an empty store: the demo data set is written first
    at.switch_page(PAGE)
    at.run()
    box = at.text_input(key="_widget_pres_commune")
    first = _timed(lambda: box.set_value("Lyon").run())
    times = []
    for query in QUERIES:
        times.append(_timed(lambda q=query: at.text_input(key="_widget_pres_commune")
                            .set_value(q).run()))
        assert not at.exception, at.exception
        assert any("km de" in m.value for m in [*at.markdown, *at.info]), query
    return first, times


# ---------------------------------------------------------------- the row-by-row baseline

def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def loop_results(data: Dataset, query: str, radius: float) -> tuple[int, int]:
    """The commune by its name (or code), then its events and sites, one row at a time."""
    key = textnorm.name_key(query)
    centre = None
    for row in referentiel.communes().itertuples():
        if row.code_insee == query or textnorm.name_key(row.nom) == key:
            centre = (row.lon, row.lat)
            break
    if centre is None:
        return 0, 0
    start, end = pd.Timestamp(data.today), pd.Timestamp(data.today + timedelta(days=60))
    events = [e.id for e in data.events.itertuples()
              if not (pd.isna(e.lon) or pd.isna(e.lat)) and e.date_debut <= end
              and (e.fin_effective >= start) and _haversine(*centre, e.lon, e.lat) <= radius]
    sites = [s.nom for s in data.sites.itertuples()
             if not pd.isna(s.lon) and _haversine(*centre, s.lon, s.lat) <= radius]
    return len(events), len(sites)


def library_results(data: Dataset, query: str, radius: float) -> tuple[int, int]:
    """The same with the library: the search, then one array per table."""
    centre = nearby.place_of(nearby.search_communes(query).iloc[0])
    events = nearby.events_near(data, centre, radius, data.today,
                                data.today + timedelta(days=60))
    return len(events), len(nearby.sites_near(data, centre, radius))


def scaled(data: Dataset, n: int) -> Dataset:
    """The demo data with ``n`` sites: the demo sites repeated, moved by up to ±0.2°."""
    rng = np.random.default_rng(7)
    sites = data.sites.iloc[np.arange(n) % len(data.sites)].reset_index(drop=True)
    sites["lon"] = sites["lon"] + rng.uniform(-0.2, 0.2, n)
    sites["lat"] = sites["lat"] + rng.uniform(-0.2, 0.2, n)
    return dataclasses.replace(data, sites=sites)


def median_s(action, queries) -> float:
    return statistics.median(_timed(lambda q=q: action(q))[0] for q in queries)


def library_vs_loop(data: Dataset) -> dict[str, tuple[float, float]]:
    """Median seconds per commune, library and row loop, on the demo and a scaled set."""
    queries = ("Lyon", "Nantes", "Brest", "Metz")
    out = {}
    for label, frame in (("démo", data), (f"{SCALED_SITES:,} sites".replace(",", " "),
                                          scaled(data, SCALED_SITES))):
        for q in queries:  # same answers, else the comparison means nothing
            assert library_results(frame, q, RADIUS_KM) == loop_results(frame, q, RADIUS_KM), q
        out[label] = (median_s(lambda q, f=frame: library_results(f, q, RADIUS_KM), queries),
                      median_s(lambda q, f=frame: loop_results(f, q, RADIUS_KM), queries))
    return out


def main() -> None:
    """Print the page timings against the target and the library against the loop."""
    from influ_geo import app_data, store
    from influ_geo.demo_cli import today_paris

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'influ_geo.sqlite'}"
        (first, first_cpu), times = page_times(url)
        engine = store.get_engine(url)
        data = app_data.load_app_data(engine, today_paris()).dataset
        engine.dispose()
    walls = [t[0] for t in times]
    cpu = statistics.median(t[1] for t in times)
    verdict = "atteinte" if max(walls) <= TARGET_S else "MANQUÉE"
    print(f"Près de chez moi, première commune saisie : {first * 1000:6.0f} ms "
          f"(CPU {first_cpu * 1000:.0f} ms ; index des 34 875 communes construit)")
    print(f"Près de chez moi, résultats à {RADIUS_KM} km      : médiane "
          f"{statistics.median(walls) * 1000:4.0f} ms, max {max(walls) * 1000:4.0f} ms "
          f"(CPU {cpu * 1000:.0f} ms) sur {len(walls)} communes, cible ≤ "
          f"{TARGET_S * 1000:.0f} ms : {verdict}")
    for label, (lib, loop) in library_vs_loop(data).items():
        print(f"recherche + événements + sites ({label:>13}) : {lib * 1000:7.1f} ms ; "
              f"boucle ligne à ligne (réf.) {loop * 1000:7.1f} ms → ×{loop / lib:.0f}")


if __name__ == "__main__":
    main()
