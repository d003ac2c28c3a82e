"""``python -m influ_geo indicators|priorities``: the indicators and « Où agir » in French.

    python -m influ_geo indicators --level departement --theme inclusion -o dep.csv
    python -m influ_geo priorities --level departement --top 10 [-o ou_agir.csv]

Both read the store (``INFLU_GEO_DATABASE_URL``); when it holds no site, event nor
action they use the demonstration data set in memory, as the app does, and say so
(``--demo`` forces it). ``--date`` sets the reference day (default: today in Paris).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from influ_geo import dataset, exporters, store
from influ_geo.cli import CommandError
from influ_geo.dataset import LEVELS, Dataset, LevelError
from influ_geo.filters import Filters, FiltersError
from influ_geo.formatting import format_decimal
from influ_geo.indicators import POIDS, indicators
from influ_geo.priorities import PARTS, Weights, WeightsError, events_to_join, rank

LEVEL_PLURALS = {"region": "régions", "departement": "départements", "epci": "EPCI",
                 "ti": "Territoires d'industrie"}
_SELECTIONS = (("--theme", "themes", "thème (code, répétable ou séparé par des virgules)"),
               ("--canal", "canaux", "canal (linkedin, tiktok…)"),
               ("--public", "publics", "public visé (parents, jeunes…)"),
               ("--membre", "membres", "membre (pseudonyme)"),
               ("--type-evenement", "types_evenement", "type d'événement (salon…)"),
               ("--division", "divisions_naf", "division NAF des sites (« 25 »)"),
               ("--taille", "classes_taille", "classe de taille des sites (0_9, 10_49…)"))
EVENTS_SHOWN = 3


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``indicators`` and ``priorities`` sub-commands."""
    p = sub.add_parser("indicators", help="indicateurs par territoire (CSV ou XLSX)")
    _common(p)
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="fichier de sortie, CSV ou XLSX selon l'extension")
    p.set_defaults(handler=run_indicators)
    p = sub.add_parser("priorities", help="classement « Où agir » avec explications")
    _common(p)
    p.add_argument("--top", type=_positive, default=10, help="nombre de territoires (10)")
    for name in PARTS:
        default = getattr(Weights(), name)
        p.add_argument(f"--poids-{name.replace('_', '-')}", dest=f"w_{name}", type=float,
                       default=default, help=f"poids de la part « {PARTS[name]} » ({default})")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="écrit aussi le classement en CSV (ou XLSX)")
    p.set_defaults(handler=run_priorities)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"« {text} » : un entier positif est attendu")
    return value


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--level", required=True, choices=LEVELS,
                   help="niveau : region, departement, epci ou ti")
    p.add_argument("--debut", default=None, help="début de la période AAAA-MM-JJ")
    p.add_argument("--fin", default=None, help="fin de la période AAAA-MM-JJ (incluse)")
    for flag, dest, text in _SELECTIONS:
        p.add_argument(flag, dest=dest, action="append", default=[], help=text)
    p.add_argument("--base-poids", default="auto", choices=("auto", *POIDS),
                   help="poids industriel : emplois estimés, sites, ou auto")
    p.add_argument("--date", dest="today", default=None,
                   help="jour de référence AAAA-MM-JJ (défaut : aujourd'hui)")
    p.add_argument("--demo", action="store_true",
                   help="utiliser les données de démonstration même si la base en contient")


def filters_from_args(args: argparse.Namespace) -> Filters:
    """The ``Filters`` of the command line; a bad value ⇒ ``CommandError`` (French)."""
    values: dict[str, object] = {"debut": args.debut, "fin": args.fin}
    for _, dest, _ in _SELECTIONS:
        values[dest] = [v.strip() for item in getattr(args, dest) for v in item.split(",")
                        if v.strip()]
    try:
        return Filters(**values)
    except FiltersError as error:
        raise CommandError(str(error)) from error


def _today(args: argparse.Namespace) -> date:
    if args.today is None:
        from influ_geo.demo_cli import today_paris

        return today_paris()
    try:
        return date.fromisoformat(args.today)
    except ValueError:
        raise CommandError(f"date « {args.today} » invalide (attendu AAAA-MM-JJ)") from None


def load_data(args: argparse.Namespace) -> Dataset:
    """The store's data for the reference day, or the demo when the store is empty."""
    today = _today(args)
    engine = store.get_engine()
    try:
        empty = store.is_empty(engine)
        data = dataset.load(engine, today, demo=args.demo)
    except sa.exc.OperationalError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise CommandError(f"base de données inaccessible ({reason})") from error
    if args.demo:
        source = "données de démonstration (--demo)"
    elif empty:
        source = "données de démonstration (la base est vide ; rien n'y est écrit)"
    else:
        source = "données de démonstration de la base" if data.demo else "données de la base"
    print(f"Source : {source}, jour de référence {today:%d/%m/%Y}.")
    return data


def run_indicators(args: argparse.Namespace) -> int:
    """Write the indicator table of ``--level`` for the filters."""
    filters = filters_from_args(args)
    data = load_data(args)
    table = _checked(lambda: indicators(data, args.level, filters, poids=args.base_poids))
    _write(table, args.output)
    located = int((table["actions"] > 0).sum())
    print(f"{len(table)} {LEVEL_PLURALS[args.level]} ({filters.describe()}) ; "
          f"{located} avec au moins une action ; poids industriel : "
          f"{POIDS[table.attrs['poids']].lower()}.")
    print(f"Écrit : {args.output}")
    return 0


def run_priorities(args: argparse.Namespace) -> int:
    """Print the top of the « Où agir » ranking, each line with its French reason."""
    filters = filters_from_args(args)
    weights = Weights(**{name: getattr(args, f"w_{name}") for name in PARTS})
    data = load_data(args)
    ranking = _checked(lambda: rank(data, args.level, filters, weights,
                                    poids=args.base_poids))
    top = ranking.head(args.top)
    print(f"Où agir — {LEVEL_PLURALS[args.level]} ({filters.describe()}) :")
    joinable = events_to_join(data, args.level, filters, codes=top["code"].tolist())
    for row in top.itertuples(index=False):
        print(f"{row.rang:>3}. {row.explication} (score {format_decimal(row.score)})")
        for line in _event_lines(joinable[joinable["code"] == row.code]):
            print(f"       {line}")
    if args.output is not None:
        _write(top, args.output)
        print(f"Écrit : {args.output}")
    return 0


def _event_lines(events: pd.DataFrame) -> list[str]:
    """``"À relayer : 12/12/2025 Salon de la sous-traitance… (Oyonnax)"``, at most three."""
    lines = [f"À relayer : {e.date_debut:%d/%m/%Y} {e.titre} ({e.commune_nom})"
             for e in events.head(EVENTS_SHOWN).itertuples(index=False)]
    if len(events) > EVENTS_SHOWN:
        rest = len(events) - EVENTS_SHOWN
        lines.append(f"… et {rest} autre{'s' if rest > 1 else ''}")
    return lines


def _checked(compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Run ``compute``; a level, weight or value error becomes a French ``CommandError``."""
    try:
        return compute()
    except (LevelError, WeightsError, ValueError) as error:
        raise CommandError(str(error)) from error


def _write(frame: pd.DataFrame, path: Path) -> None:
    if not path.parent.is_dir():
        raise CommandError(f"dossier introuvable : {path.parent}")
    try:
        exporters.write_frame(frame, path)
    except exporters.ExportError as error:
        raise CommandError(str(error)) from error
