"""Sirene stock filtering: the streamed reader against ``pandas.read_csv`` of the whole file.

Targets (issue "data layer"): on a generated 2,000,000-row stock in the official
column layout, ≥ 300,000 rows/s, a peak memory that does not grow with the file size
(1 M vs 2 M rows), and against ``pandas.read_csv`` of the whole file then filter,
measured in the same run: ≥ 2× faster with ≤ ¼ of its peak memory.

Each measurement runs in a fresh Python process that reports its own peak resident
memory (``VmHWM`` of /proc/self/status), interpreter and imports included. Not
``ru_maxrss``: Linux keeps that high-water mark across fork and exec, so a child of a
big ``python -m bench`` process would report its parent's peak. The stocks are
generated in child processes too, so this parent stays small when run alone.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = (1_000_000, 2_000_000)
TARGET_ROWS_PER_S = 300_000
TARGET_SPEEDUP = 2.0
TARGET_MEMORY_SHARE = 0.25
# "Does not grow": 2× the rows may add at most this share to the peak (the kept rows).
MAX_GROWTH = 0.10


def _filter_pandas(path: Path) -> int:
    """The baseline: read the whole file with pandas (all text), then filter it."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str)
    division = frame["activitePrincipaleEtablissement"].str.slice(0, 2)
    keep = (
        (frame["nomenclatureActivitePrincipaleEtablissement"] == "NAFRev2")
        & division.str.isdigit().fillna(False) & division.between("10", "33")
        & (frame["etatAdministratifEtablissement"] == "A")
    )
    return int(keep.sum())


def _filter_streamed(path: Path) -> int:
    """The project's reader: streamed, only the needed columns, filter per block."""
    from influ_geo.sources import sirene

    return len(sirene.read_sirene(path))


def _import_streamed(path: Path) -> int:
    """The whole import: streamed filter then normalisation into canonical sites."""
    from influ_geo.report import ImportReport
    from influ_geo.sources import sirene

    return len(sirene.normalize_sirene(sirene.read_sirene(path), ImportReport("sites")))


MODES = {"pandas": _filter_pandas, "streamed": _filter_streamed, "import": _import_streamed}


def child(mode: str, path: str) -> None:
    """Run one measurement in this process and print it as JSON."""
    start = time.perf_counter()
    kept = MODES[mode](Path(path))
    seconds = time.perf_counter() - start
    peak_mb = _own_peak_kib() / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "kept": kept}))


def _own_peak_kib() -> float:
    """Peak resident memory of this process image (kB): ``VmHWM``, reset by exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: best effort


def measure(mode: str, path: Path) -> dict[str, float]:
    """One measurement in a fresh interpreter (its peak memory is its own)."""
    return json.loads(_run_child("--child", mode, str(path)))


def _run_child(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "bench.bench_sirene", *args],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def make(rows: int, path: str) -> None:
    """Generate one stock (in a child process, see the module docstring)."""
    from bench.sirene_stock import write_stock

    write_stock(Path(path), rows, seed=rows)
    print(path)


def _line(label: str, value: str, target: str, ok: bool) -> None:
    print(f"  {label:<44} {value:<34} cible {target:<14} {'OK' if ok else 'ÉCHEC'}")


def main() -> None:
    """Generate 1 M and 2 M row stocks, measure both readers, print figures and ratios."""
    with tempfile.TemporaryDirectory(prefix="bench_sirene_") as tmp:
        paths = {}
        for rows in ROWS:
            start = time.perf_counter()
            paths[rows] = Path(_run_child("--make", str(rows), str(Path(tmp) / f"{rows}.csv")))
            size = paths[rows].stat().st_size / 1e6
            print(f"Stock généré : {_n(rows)} lignes, {_n(size)} Mo "
                  f"({time.perf_counter() - start:.1f} s)")
        big = max(ROWS)
        streamed = {rows: measure("streamed", paths[rows]) for rows in ROWS}
        baseline = measure("pandas", paths[big])
        full = measure("import", paths[big])
    _print(streamed, baseline, full, big)


def _print(streamed: dict, baseline: dict, full: dict, big: int) -> None:
    small = min(streamed)
    ours = streamed[big]
    if ours["kept"] != baseline["kept"]:
        print(f"  ATTENTION : {ours['kept']} lignes gardées contre {baseline['kept']} (pandas)")
    rate = big / ours["seconds"]
    base_rate = big / baseline["seconds"]
    speedup = baseline["seconds"] / ours["seconds"]
    share = ours["peak_mb"] / baseline["peak_mb"]
    growth = streamed[big]["peak_mb"] / streamed[small]["peak_mb"] - 1
    print(f"Filtre Sirene sur {_n(big)} lignes ({_n(ours['kept'])} établissements "
          "manufacturiers actifs gardés)")
    _line("débit (lignes/s)", f"{_n(rate)} (pandas {_n(base_rate)})",
          f"≥ {_n(TARGET_ROWS_PER_S)}", rate >= TARGET_ROWS_PER_S)
    _line("durée", f"{ours['seconds']:.2f} s (pandas {baseline['seconds']:.2f} s)",
          f"≥ {TARGET_SPEEDUP:g}× plus vite", speedup >= TARGET_SPEEDUP)
    print(f"  {'':<44} rapport ×{speedup:.1f}")
    _line("mémoire de pointe (processus entier)",
          f"{ours['peak_mb']:.0f} Mo (pandas {baseline['peak_mb']:.0f} Mo)",
          f"≤ {TARGET_MEMORY_SHARE:.0%}", share <= TARGET_MEMORY_SHARE)
    print(f"  {'':<44} rapport {share:.1%}")
    _line(f"mémoire {_n(small)} → {_n(big)} lignes",
          f"{streamed[small]['peak_mb']:.0f} → {ours['peak_mb']:.0f} Mo ({growth:+.1%})",
          f"≤ +{MAX_GROWTH:.0%}", growth <= MAX_GROWTH)
    print(f"  import complet (filtre + normalisation) : {full['seconds']:.2f} s, "
          f"{_n(big / full['seconds'])} lignes/s, {full['peak_mb']:.0f} Mo")


def _n(value: float) -> str:
    """``2000000`` ⇒ ``"2 000 000"``."""
    return f"{value:,.0f}".replace(",", " ")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "--make":
        make(int(sys.argv[2]), sys.argv[3])
    else:
        main()
