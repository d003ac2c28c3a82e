"""The landing page: server render times (AppTest) and national map payloads.

Targets, on the demonstration data: cold render ≤ 1.5 s, rerun on a filter or widget
change ≤ 300 ms, national map payload ≤ 800 KB. Baselines measured in the same run: the
payload of the same maps drawn from the finest shipped geometry (commune polygons
dissolved per territory), a rerun with every ``st.cache_resource`` cleared, and the first
start on an empty store (which writes the demo data set first).

The app runs on a store of its own (a temporary SQLite file), never on ``data/``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd

from influ_geo import config, levels, maps, referentiel, schema

APP = Path(__file__).resolve().parent.parent / "app.py"
REPEAT = 5
COLD_SCRIPT = """
import sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
start, cpu = time.perf_counter(), time.process_time()
at.run()
assert not at.exception, at.exception
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def cold_render_s(database_url: str) -> tuple[float, float]:
    """First run of app.py in a fresh interpreter (imports, data and referential load,
    maps) on the store at ``database_url``.

    Returns ``(wall, cpu)`` seconds: CPU time (all threads of the process) stays
    meaningful when other work shares the machine.
    """
    out = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT, str(APP)],
        check=True, capture_output=True, text=True, cwd=APP.parent,
        env={**os.environ, "INFLU_GEO_DATABASE_URL": database_url},
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _timed(action) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of ``action()``."""
    start, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - start, time.process_time() - cpu


def _median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def rerun_times_s(database_url: str) -> dict[str, tuple[float, float]]:
    """Median ``(wall, cpu)`` seconds of reruns: unchanged, level switch, indicator switch,
    theme filter, period filter, and all caches cleared (the baseline)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    config.DATABASE_URL = database_url
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    # Reversed before each switch: the first switch goes to the non-default value.
    levels, indicators = ["region", "departement"], ["actions", "indice_couverture_100"]
    # Filter changes to values never seen before: the map data cache cannot answer them.
    themes = iter([[code] for code in schema.THEMES] * 2)
    periods = iter([(date(2025, 1, 1) + timedelta(days=7 * n), date(2026, 6, 30))
                    for n in range(2 * REPEAT)])

    def switch(key: str, values: list[str]) -> None:
        values.reverse()
        at.radio(key=key).set_value(values[0]).run()

    def widget(kind: str, key: str, values) -> None:
        getattr(at.sidebar, kind)(key=key).set_value(next(values)).run()

    def uncached() -> None:
        st.cache_resource.clear()
        at.run()

    cases = {
        "rerun": at.run,
        "niveau": lambda: switch("_widget_niveau", levels),
        "indicateur": lambda: switch("_widget_indicateur", indicators),
        "thème": lambda: widget("multiselect", "_widget_filtre_themes", themes),
        "période": lambda: widget("date_input", "_widget_filtre_periode", periods),
        "sans cache": uncached,
    }
    result = {
        name: _median([_timed(action) for _ in range(REPEAT)])
        for name, action in cases.items()
    }
    assert not at.exception, at.exception
    return result


def fine_layer(level: levels.Level) -> gpd.GeoDataFrame:
    """The display layer with its geometry replaced by the dissolved commune polygons."""
    layer = referentiel.load_layer(level.layer)
    communes = referentiel.communes()[["code_insee", level.code_col]]
    polygons = referentiel.load_layer("communes_polygones").merge(communes, on="code_insee")
    fine = polygons.dissolve(level.code_col, method="coverage").geometry
    return layer.assign(geometry=layer[level.code_col].map(fine).to_numpy())


def payload_kb(layer: gpd.GeoDataFrame, level: str) -> tuple[float, float]:
    """``(metropole map, all maps)`` payload in KB of the national population map."""
    built = maps.national_maps(maps.national_data(layer, level), vendor_url=config.VENDOR_URL)
    sizes = [maps.payload_bytes(m) / 1000 for m in built.maps()]
    return sizes[0], sum(sizes)


def main() -> None:
    """Print each figure with its target or baseline and the ratio."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'influ_geo.sqlite'}"
        first, first_cpu = cold_render_s(url)  # empty store: writes the demo data set first
        cold, cold_cpu = cold_render_s(url)
        times = rerun_times_s(url)
    print(f"app.py rendu à froid (AppTest)      : {cold:6.2f} s  (CPU {cold_cpu:.2f} s, "
          "cible ≤ 1,5 s, données de démonstration)")
    print(f"app.py premier démarrage, base vide : {first:6.2f} s  (CPU {first_cpu:.2f} s, "
          "écriture des données de démonstration comprise)")
    for name in ("rerun", "niveau", "indicateur", "thème", "période"):
        wall, cpu = times[name]
        print(f"app.py relance « {name:<10} »     : {wall * 1000:6.0f} ms "
              f"(CPU {cpu * 1000:.0f} ms, cible ≤ 300 ms)")
    base_wall, base_cpu = times["sans cache"]
    print(f"app.py relance sans cache (réf.)    : {base_wall * 1000:6.0f} ms (CPU "
          f"{base_cpu * 1000:.0f} ms) → gain du cache ×{base_cpu / times['rerun'][1]:.1f} (CPU)")
    for level in ("region", "departement"):
        spec = levels.LEVELS[level]
        metro, total = payload_kb(referentiel.load_layer(spec.layer), level)
        _, fine_total = payload_kb(fine_layer(spec), level)
        print(f"carte {spec.plural:<12}: {total:6.0f} Ko (métropole {metro:.0f} Ko, "
              f"cible ≤ {config.MAP_PAYLOAD_MAX / 1000:.0f} Ko) ; polygones des communes "
              f"dissous (réf.) {fine_total:6.0f} Ko → ×{fine_total / total:.1f} plus léger")


if __name__ == "__main__":
    main()
