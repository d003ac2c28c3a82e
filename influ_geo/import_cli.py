"""``python -m influ_geo import KIND FILE [--format F]`` and ``export KIND -o OUT``.

``import`` prints the French report (counts, format, what the store received,
geocoding precision, rejected lines, then the rows kept with a warning), writes the
rejected rows to ``<file>.rejets.csv`` (next to the input, or in ``--rejets DIR``) and
exits 0 whenever the file was processed, even with rejections; a file that cannot be
used at all gives one French line and exit 2, and the store is unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sqlalchemy as sa

from influ_geo import exporters, importers, store
from influ_geo.cli import CommandError
from influ_geo.import_formats import FORMATS, KINDS, LoadOptions


def register_import(sub: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command."""
    p = sub.add_parser("import", help="importe un fichier dans la base (sites, événements, "
                                      "mobilisations, Territoires d'industrie, membres)")
    p.add_argument("kind", metavar="KIND",
                   help="sites | events | actions | territoires-industrie | membres")
    p.add_argument("file", metavar="FILE", type=Path,
                   help="fichier à importer (CSV, XLSX, JSON, zip)")
    p.add_argument("--format", dest="fmt", default=None, metavar="F",
                   help="format imposé au lieu de le reconnaître : " + ", ".join(FORMATS))
    p.add_argument("--online", action="store_true",
                   help="préciser les adresses avec la Base Adresse Nationale (réseau)")
    p.add_argument("--rejets", type=Path, default=None, metavar="DOSSIER",
                   help="dossier du fichier des lignes rejetées (défaut : celui du fichier)")
    p.add_argument("--geolocalisation", type=Path, default=None, metavar="FICHIER",
                   help="Sirene : fichier INSEE de géolocalisation des établissements")
    p.add_argument("--fermes", action="store_true",
                   help="Sirene : garder aussi les établissements fermés")
    p.set_defaults(handler=run_import)


def register_export(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` sub-command."""
    p = sub.add_parser("export", help="écrit une table de la base en CSV ou XLSX")
    p.add_argument("kind", metavar="KIND",
                   help="sites | events | actions | membres | territoires-industrie | imports")
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="fichier de sortie (.csv en UTF-8, ou .xlsx)")
    p.set_defaults(handler=run_export)


def _progress(stage: str, done: float) -> None:
    """``[ 40 %] Géocodage`` on one refreshed terminal line."""
    end = "\n" if done >= 1 else ""
    print(f"\r[{done:4.0%}] {stage:<40}", end=end, file=sys.stderr, flush=True)


def run_import(args: argparse.Namespace) -> int:
    """Import one file and print its report; ``CommandError`` when it cannot be used."""
    if args.kind.strip().lower() not in KINDS:
        raise CommandError(f"type de données inconnu : « {args.kind} » (attendu : sites, "
                           "events, actions, territoires-industrie, membres)")
    if args.rejets is not None and not args.rejets.is_dir():
        raise CommandError(f"dossier des rejets introuvable : {args.rejets}")
    options = LoadOptions(geolocalisation=args.geolocalisation, include_closed=args.fermes)
    try:
        report = importers.import_file(
            args.file, args.kind, fmt=args.fmt, online=args.online, options=options,
            rejects=importers.rejects_path(args.file, args.rejets),
            progress=_progress if sys.stderr.isatty() else None)
    except importers.UnusableFile as error:
        raise CommandError(str(error)) from error
    except (OSError, sa.exc.OperationalError) as error:
        raise CommandError(f"écriture dans la base impossible : {_first_line(error)}") \
            from error
    for line in report.summary_lines():
        print(line)
    warnings = report.warning_lines()
    if warnings:
        print("Lignes conservées avec un avertissement :")
        for line in warnings:
            print(f"  {line}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write one canonical table; ``CommandError`` for an unknown kind or an unwritable path."""
    try:
        rows = exporters.export_table(store.get_engine(), args.kind, args.output)
    except exporters.ExportError as error:
        raise CommandError(str(error)) from error
    except sa.exc.OperationalError as error:
        raise CommandError(f"lecture de la base impossible : {_first_line(error)}") from error
    print(f"{exporters.export_kind(args.kind)} : {rows:,} lignes écrites dans "
          f"{args.output}".replace(",", "\u202f"))
    return 0


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
