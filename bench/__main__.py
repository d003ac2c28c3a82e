"""Run every benchmark module of bench/ (``python -m bench``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    """Import each ``bench/bench_*.py`` module and call its ``main()``."""
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if not names:
        print("Aucun benchmark trouvé.")
        return 1
    for name in names:
        print(f"\n== {name}")
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
