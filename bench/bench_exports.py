"""Slide exports: PNG 1920×1080 ≤ 3 s (issue "coordinator views"), on the demo data.

Measured:

- the in-app export (what « Présentation » does on a click): the view of the map, the
  matplotlib slide and the PNG bytes, warm (median of ``REPEAT``) and cold (a fresh
  interpreter: imports, referential, demo data prepared in memory, then the export —
  the import of the libraries and the data preparation are printed apart);
- the other formats (square PNG, SVG, offline HTML) and the 1,253 EPCI of « Où agir »;
- ``python -m influ_geo export-map`` end to end (empty store: demo in memory).

Baseline, in the same run: the same slide drawn from the finest shipped geometry — the
commune polygons dissolved per département (what one gets without the simplified display
layers) — with its dissolve counted, as a first export would pay it; and a second
baseline where those polygons are simplified one by one (``GeoSeries.simplify``, which
opens slivers along shared borders, see stack-notes) instead of by coverage.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from geopandas import GeoSeries
from PIL import Image

from influ_geo import choropleths, dataset, exports, referentiel
from influ_geo.choropleths import ChoroplethView

TODAY = date(2026, 11, 26)
REPEAT = 5
TARGET_PNG_S = 3.0
ROOT = Path(__file__).resolve().parent.parent
TEXTS = exports.slide_texts("Actions par département", "Aucun filtre",
                            "Données de démonstration au 26/11/2026 (dernier import).",
                            exports.DEMO_BADGE)
COLD_SCRIPT = """
import sys, time
start = time.perf_counter()
from datetime import date
from influ_geo import choropleths, dataset, exports
imported = time.perf_counter()
today = date(2026, 11, 26)
data = dataset.prepare(dataset.demo_frames(today), today, demo=True)
prepared = time.perf_counter()
view = choropleths.national_view(data, "departement", "actions")
png = exports.render(view, exports.slide_texts("Actions", "", "", None), "png")
done = time.perf_counter()
print(imported - start, prepared - imported, done - prepared, len(png))
"""


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _median(action: Callable[[], object]) -> tuple[float, object]:
    runs = [_timed(action) for _ in range(REPEAT)]
    return statistics.median(r[0] for r in runs), runs[-1][1]


def png_size(content: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(content)).size


def cold_export_s() -> tuple[float, float, float]:
    """``(imports, demo data prepared, view + PNG)`` seconds in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", COLD_SCRIPT], check=True, cwd=ROOT,
                         capture_output=True, text=True)
    imports, prepare, export, _ = out.stdout.split()
    return float(imports), float(prepare), float(export)


def cli_export_s(folder: Path) -> float:
    """Wall seconds of ``python -m influ_geo export-map`` on an empty store."""
    env = {**os.environ, "INFLU_GEO_DATABASE_URL": f"sqlite:///{folder / 'vide.sqlite'}"}
    target = folder / "carte.png"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "influ_geo", "export-map", "--level", "departement",
                    "--date", TODAY.isoformat(), "-o", str(target)],
                   check=True, cwd=ROOT, env=env, capture_output=True)
    seconds = time.perf_counter() - start
    assert png_size(target.read_bytes()) == (1920, 1080)
    return seconds


def dissolved_departements() -> GeoSeries:
    """Each département as the union of its commune polygons (unsimplified)."""
    communes = referentiel.communes()[["code_insee", "code_departement"]]
    polygons = referentiel.load_layer("communes_polygones").merge(communes, on="code_insee")
    return polygons.dissolve("code_departement").geometry


def with_geometry(view: ChoroplethView, geometry: GeoSeries) -> ChoroplethView:
    """The same view, each territory drawn with ``geometry`` (by code)."""
    frame = view.frame.assign(geometry=view.frame["code"].map(geometry).to_numpy())
    return ChoroplethView(view.kind, view.level, view.indicator, frame, view.classification,
                          view.legend, view.highlighted, view.title, view.subtitle, view.region)


def main() -> None:
    """Print each figure with its target or baseline and the ratio."""
    data = dataset.prepare(dataset.demo_frames(TODAY), TODAY, demo=True)
    choropleths.national_view(data, "departement", "actions")  # layers read once

    def export(fmt: str = "png", level: str = "departement") -> bytes:
        view = choropleths.national_view(data, level, "actions")
        return exports.render(view, TEXTS, fmt)

    png_s, png = _median(export)
    assert png_size(png) == (1920, 1080)
    view_s, view = _median(lambda: choropleths.national_view(data, "departement", "actions"))
    render_s, _ = _median(lambda: exports.render(view, TEXTS, "png"))
    svg = exports.render(view, TEXTS, "svg")
    dissolve_s, fine = _timed(dissolved_departements)
    fine_view = with_geometry(view, fine)
    fine_s, _ = _median(lambda: exports.render(fine_view, TEXTS, "png"))
    fine_svg = exports.render(fine_view, TEXTS, "svg")
    naive_view = with_geometry(view, fine.simplify(0.005))
    naive_s, _ = _median(lambda: exports.render(naive_view, TEXTS, "png"))
    imports, prepare, cold = cold_export_s()
    print(f"PNG 1920×1080, 101 départements : {png_s:5.2f} s  (cible ≤ {TARGET_PNG_S:.0f} s ; "
          f"{len(png) / 1000:.0f} ko) = vue {view_s:.2f} s + image {render_s:.2f} s")
    print(f"  référence, communes fondues non simplifiées : image {fine_s:5.2f} s "
          f"(×{fine_s / render_s:.1f}) après {dissolve_s:.2f} s de fusion "
          f"(premier export ×{(dissolve_s + fine_s + view_s) / png_s:.1f}) ; SVG "
          f"{len(fine_svg) / 1e6:.1f} Mo au lieu de {len(svg) / 1e6:.1f} Mo "
          f"(×{len(fine_svg) / len(svg):.1f})")
    print(f"  référence, les mêmes simplifiées une à une (0,005°) : image {naive_s:5.2f} s "
          f"(×{naive_s / render_s:.1f}), avec des interstices le long des limites")
    print(f"PNG à froid, nouvel interpréteur : {cold:5.2f} s d'export, après {imports:.2f} s "
          f"d'imports et {prepare:.2f} s de préparation des données de démonstration "
          f"(total {imports + prepare + cold:.2f} s)")
    for fmt in ("png-carre", "svg", "html"):
        seconds, content = _median(lambda fmt=fmt: export(fmt))
        print(f"{exports.FORMATS[fmt].label:<16} 101 départements : {seconds:5.2f} s  "
              f"({len(content) / 1000:.0f} ko)")
    gaps_s, gaps = _median(lambda: exports.render(
        choropleths.gaps_view(data, "epci"), TEXTS, "png"))
    print(f"PNG « Où agir », 1 253 EPCI : {gaps_s:5.2f} s  (cible ≤ {TARGET_PNG_S:.0f} s ; "
          f"{len(gaps) / 1000:.0f} ko)")
    with tempfile.TemporaryDirectory() as folder:
        cli_s = cli_export_s(Path(folder))
    print(f"python -m influ_geo export-map (base vide, démo en mémoire) : {cli_s:5.2f} s "
          "de bout en bout (démarrage de Python et préparation des données comprises)")


if __name__ == "__main__":
    main()
