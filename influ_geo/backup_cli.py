"""``python -m influ_geo backup -o FILE`` and ``restore FILE [--yes]``: the whole store.

``backup`` writes every table (the import log included) into one archive (see
``influ_geo.backup``). ``restore`` checks the whole archive first, then replaces the
content of the store in one transaction; it refuses a store that is not empty unless
``--yes`` is given. Both work on the store of ``INFLU_GEO_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from influ_geo import backup, schema, store
from influ_geo.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``backup`` and ``restore`` sub-commands."""
    p = sub.add_parser("backup", help="sauvegarde toute la base dans une archive (.zip)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FICHIER",
                   help="archive à écrire, par exemple sauvegarde-2025-06-01.zip")
    p.set_defaults(handler=run_backup)
    p = sub.add_parser("restore", help="remplace tout le contenu de la base par une sauvegarde")
    p.add_argument("file", type=Path, metavar="FICHIER", help="archive écrite par backup")
    p.add_argument("--yes", action="store_true",
                   help="confirme le remplacement quand la base n'est pas vide")
    p.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    """Write the archive and print what it holds."""
    output: Path = args.output
    if output.is_dir() or not output.parent.is_dir():
        raise CommandError(f"impossible d'écrire la sauvegarde à cet endroit : {output}")
    start = time.perf_counter()
    try:
        rows = backup.backup_store(store.get_engine(), output)
    except OSError as error:
        raise CommandError(f"écriture de la sauvegarde impossible : {error}") from error
    except sa.exc.OperationalError as error:
        raise CommandError(f"lecture de la base impossible : {_first_line(error)}") from error
    size = output.stat().st_size / 1e6
    print(f"Sauvegarde écrite : {output} ({_number(size, 1)} Mo, "
          f"en {_number(time.perf_counter() - start, 1)} s).")
    print(_rows_line(rows))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Check the archive, then replace the store's content by it."""
    start = time.perf_counter()
    try:
        archive = backup.read_archive(args.file)
        rows = backup.restore_store(store.get_engine(), archive, replace=args.yes)
    except backup.BackupError as error:
        raise CommandError(str(error)) from error
    except sa.exc.OperationalError as error:
        raise CommandError(f"écriture dans la base impossible : {_first_line(error)}; "
                           "la base n'a pas été modifiée") from error
    made = _date_text(archive.manifest.get("created_at"))
    print(f"Restauration terminée depuis {args.file} (sauvegarde du {made}, base "
          f"{archive.manifest.get('backend', '?')}), en "
          f"{_number(time.perf_counter() - start, 1)} s.")
    print(_rows_line(rows))
    return 0


def _rows_line(rows: Mapping[str, int]) -> str:
    """``"4 359 lignes : Sites industriels 2 000, Événements 400, …"``."""
    parts = ", ".join(f"{schema.TABLE_LABELS[kind]} {_number(n)}" for kind, n in rows.items())
    return f"{_number(sum(rows.values()))} lignes : {parts}."


def _number(value: float, decimals: int = 0) -> str:
    """French digits: ``12345`` ⇒ ``"12 345"``, ``(0.46, 1)`` ⇒ ``"0,5"``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def _date_text(value: object) -> str:
    """``"2025-06-01T03:00:12+02:00"`` ⇒ ``"01/06/2025 03:00"``; anything else as it is."""
    try:
        return datetime.fromisoformat(str(value)).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return str(value)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
