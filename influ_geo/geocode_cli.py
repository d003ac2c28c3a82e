"""``python -m influ_geo geocode IN -o OUT [--online]``: geocode any CSV/XLSX file.

Every input row is written, in order, with its columns and the geocoding columns; the
output is CSV (UTF-8) or XLSX by its extension. A French summary follows: rows,
precision breakdown, failed rows by reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from influ_geo.geocode import NoUsableColumn, geocode, summary_lines
from influ_geo.readers import UnreadableInput, read_table


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``geocode`` sub-command."""
    parser = sub.add_parser(
        "geocode", help="géocode un fichier CSV/XLSX (toutes les lignes sont conservées)")
    parser.add_argument("input", type=Path, help="fichier CSV ou XLSX à géocoder")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="fichier de sortie, CSV ou XLSX selon l'extension "
                             "(défaut : <entrée>_geo.csv)")
    parser.add_argument("--online", action="store_true",
                        help="préciser les adresses avec la Base Adresse Nationale (réseau)")
    parser.set_defaults(handler=run)


def default_output(path: Path) -> Path:
    """``sites.xlsx`` ⇒ ``sites_geo.xlsx``; ``sites.txt`` ⇒ ``sites_geo.csv``."""
    suffix = ".xlsx" if path.suffix.lower() == ".xlsx" else ".csv"
    return path.with_name(f"{path.stem}_geo{suffix}")


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """XLSX when the name ends in ``.xlsx``, else CSV in UTF-8 with ``,``."""
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    else:
        frame.to_csv(path, index=False, encoding="utf-8")


def _progress(done: int, total: int) -> None:
    """``Adresses envoyées à la BAN : 1 200 / 5 000`` on one refreshed terminal line."""
    text = f"{done:,} / {total:,}".replace(",", " ")
    end = "\n" if done >= total else ""
    print(f"\rAdresses envoyées à la BAN : {text}", end=end, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Read, geocode, write, summarise; unusable input ⇒ ``CommandError`` (one French line)."""
    from influ_geo.cli import CommandError

    output = args.output or default_output(args.input)
    if output.resolve() == args.input.resolve():
        raise CommandError("le fichier de sortie doit être différent du fichier d'entrée.")
    try:
        frame = read_table(args.input)
        result = geocode(frame, online=args.online, messages=print,
                         progress=_progress if sys.stderr.isatty() else None)
    except (UnreadableInput, NoUsableColumn) as error:
        raise CommandError(str(error)) from error
    try:
        write_table(result, output)
    except OSError as error:
        raise CommandError(f"écriture impossible de {output} : {error.strerror}") from error
    print(f"{args.input.name} :")
    for line in summary_lines(result):
        print(f"  {line}")
    print(f"Résultat écrit dans {output}")
    return 0
