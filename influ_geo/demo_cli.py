"""``python -m influ_geo demo``: write the demonstration data set into the store.

Each table is one import of source ``demo`` (``replace_source``: demo rows that the new
set no longer has are removed, real data is never touched). Running the command twice
the same day changes nothing: every frame has the checksum of an import already logged.
Another day moves the dates and updates the same rows.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.engine import Engine

from influ_geo import demo, store
from influ_geo.cli import CommandError

FILE_NAME = "données de démonstration"
# Written first: events must have their store ids before the actions refer to them.
ORDER = ("territoires_industrie", "sites", "events", "membres")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser("demo", help="(re)génère les données de démonstration dans la base")
    p.add_argument("--date", dest="today", type=_day, default=None,
                   help="date du jour AAAA-MM-JJ (par défaut : aujourd'hui)")
    p.add_argument("-o", "--out", type=Path, default=None,
                   help="écrit aussi chaque table en CSV dans ce dossier")
    p.add_argument("--sans-base", action="store_true",
                   help="n'écrit rien dans la base (avec -o seulement)")
    p.set_defaults(handler=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date « {text} » invalide (attendu AAAA-MM-JJ)") from None


def today_paris() -> date:
    """Today's date in metropolitan France (the collective's calendar)."""
    return datetime.now(ZoneInfo("Europe/Paris")).date()


def run(args: argparse.Namespace) -> int:
    """Generate the demo for ``--date`` (default today), into the store and/or CSV files."""
    today = args.today or today_paris()
    if args.sans_base and args.out is None:
        raise CommandError("--sans-base n'a de sens qu'avec -o DOSSIER")
    if not args.sans_base:
        for result in write_demo(store.get_engine(), today):
            print(result.summary())
    if args.out is not None:
        for path in write_csv(demo.demo_frames(today), args.out):
            print(f"Écrit : {path}")
    print(f"Données de démonstration au {today:%d/%m/%Y} (source « {demo.SOURCE} »).")
    return 0


def write_demo(engine: Engine, today: date) -> list[store.ImportResult]:
    """Write every demo table into the store, one import each; actions last, linked to
    the stored events by id. Returns the import results in order."""
    store.init_db(engine)
    frames = {"territoires_industrie": demo.demo_territoires_industrie(),
              "sites": demo.demo_sites(today), "events": demo.demo_events(today),
              "membres": demo.demo_membres()}
    results = [_import(engine, kind, frames[kind]) for kind in ORDER]
    events = store.read_table(engine, "events", source=demo.SOURCE)
    results.append(_import(engine, "actions", demo.demo_actions(today, events)))
    return results


def _import(engine: Engine, kind: str, frame: pd.DataFrame) -> store.ImportResult:
    return store.import_frame(engine, kind, frame, source=demo.SOURCE, file_name=FILE_NAME,
                              replace_source=True, report_counts={"rows_read": len(frame)},
                              licence="Données fictives de démonstration")


def write_csv(frames: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    """One UTF-8 CSV per table (``sites.csv``…); actions name their event by its
    ``source_id`` in ``evenement_ref``, as a campaign file would."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, frame in frames.items():
        path = directory / f"{kind}.csv"
        frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M")
        paths.append(path)
    return paths
