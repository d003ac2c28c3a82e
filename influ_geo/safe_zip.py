"""Zip archives opened without trusting them: sizes and ratios checked before any read.

A zip bomb is a small archive whose members unpack to gigabytes. The central directory
of a zip declares each member's packed and unpacked size, and Python's ``zipfile``
never returns more bytes than the declared size (nor does GDAL's ``/vsizip/``): checking
the declared sizes before a member is opened therefore bounds what any reader unpacks.
Every reader of a zip (Sirene stock, IREP year, ICPE shapefile, XLSX workbook, the
downloads of ``fetch``) opens it through ``open_zip`` or checks it with ``check_zip``::

    with open_zip(Path("2023.zip"), max_unpacked=config.ARCHIVE_IN_MEMORY_MAX_MB) as archive:
        data = archive.read("2023/etablissements.csv")

    check_zip(Path("bombe.zip"))
    ⇒ UnsafeArchive("bombe.zip : archive refusée sans être décompressée : « 2023/
       etablissements.csv » passerait de 33 Ko à 32 Mo (rapport 1 021 pour 1, au-delà de
       200) — archive piégée ou abîmée.")
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from influ_geo import config

MB = 1 << 20


class UnsafeArchive(ValueError):
    """An archive refused before being unpacked; the message is one French line."""


def check_members(infos: Sequence[zipfile.ZipInfo], name: str,
                  max_unpacked_mb: float | None = None) -> None:
    """Refuse a member list that unpacks too far: too many members, a member whose
    unpacked size exceeds ``config.ZIP_MAX_RATIO`` times its packed size (above
    ``config.ZIP_RATIO_FLOOR_MB``), or more than ``max_unpacked_mb`` in all."""
    limit = config.ARCHIVE_STREAMED_MAX_MB if max_unpacked_mb is None else max_unpacked_mb
    prefix = f"{name} : archive refusée sans être décompressée"
    if len(infos) > config.ZIP_MAX_MEMBERS:
        raise UnsafeArchive(f"{prefix} : {_n(len(infos))} fichiers (au plus "
                            f"{_n(config.ZIP_MAX_MEMBERS)}).")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > config.ZIP_RATIO_FLOOR_MB * MB and ratio > config.ZIP_MAX_RATIO:
            raise UnsafeArchive(
                f"{prefix} : « {info.filename} » passerait de {_size(info.compress_size)} à "
                f"{_size(info.file_size)} (rapport {_n(round(ratio))} pour 1, au-delà de "
                f"{_n(round(config.ZIP_MAX_RATIO))}) — archive piégée ou abîmée.")
    total = sum(info.file_size for info in infos)
    if total > limit * MB:
        raise UnsafeArchive(f"{prefix} : {_size(total)} une fois décompressée, au-delà de la "
                            f"limite de {_size(limit * MB)} pour ce type de fichier.")


def check_zip(path: Path | str, max_unpacked_mb: float | None = None) -> list[zipfile.ZipInfo]:
    """The members of the zip at ``path`` once checked by ``check_members`` (nothing is
    unpacked); ``zipfile.BadZipFile`` for a damaged archive."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    check_members(infos, Path(path).name, max_unpacked_mb)
    return infos


@contextmanager
def open_zip(path: Path | str, max_unpacked_mb: float | None = None) -> Iterator[zipfile.ZipFile]:
    """``zipfile.ZipFile(path)`` once its members passed ``check_members``."""
    with zipfile.ZipFile(path) as archive:
        check_members(archive.infolist(), Path(path).name, max_unpacked_mb)
        yield archive


def _size(size: float) -> str:
    """``33_000`` ⇒ ``"33 Ko"``; ``32 * MB`` ⇒ ``"32 Mo"``; ``5e9`` ⇒ ``"4,7 Go"``."""
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} Go".replace(".", ",")
    if size >= MB:
        return f"{_n(round(size / MB))} Mo"
    return f"{_n(max(1, round(size / 1024)))} Ko"


def _n(value: int) -> str:
    """``1021`` ⇒ ``"1 021"`` (narrow no-break space, as in the reports)."""
    return f"{value:,}".replace(",", "\u202f")
