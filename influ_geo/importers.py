"""The import pipeline: one file ⇒ canonical rows ⇒ placed on the map ⇒ ONE store import.

read and normalise (``influ_geo.sources``, rejected rows in the report with their line)
⇒ geocode and locate (``import_locate``: commune, département, région, EPCI, Territoire
d'industrie; actions inherit their event's territory) ⇒ SHA-256 of the file ⇒ one
transactional ``store.import_frame``. The same functions serve the command line and
the app::

    report = import_file("evenements.csv", "events")          # read, place, write
    print("\\n".join(report.summary_lines()))
    prepared = preview_bytes(upload.getvalue(), upload.name, "actions")   # no write
    show(prepared.report.summary_lines(), prepared.frame)
    report = write_prepared(prepared)                          # then write, as shown

Re-importing a file already in the import log adds nothing (the report says so and
the file is not even parsed). A file that cannot be used at all raises
``UnusableFile`` (one French line) and changes nothing. Rows that cannot be placed are
kept and listed as warnings; they are not rejections.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from influ_geo import geocode, import_locate, readers, safe_zip, schema, store
from influ_geo.import_formats import (
    FORMATS,
    Format,
    FormatNotRecognised,
    LoadOptions,
    is_json,
    resolve_format,
    store_kind,
)
from influ_geo.import_report import PipelineReport
from influ_geo.report import ImportReport
from influ_geo.sources import csv_stream, icpe, irep, openagenda, territoires_industrie
from influ_geo.sources.values import MissingColumns

log = logging.getLogger(__name__)

__all__ = ["FORMATS", "LoadOptions", "PipelineReport", "PreparedImport", "Progress",
           "UnusableFile", "checksum_of", "import_bytes", "import_file", "preview",
           "preview_bytes", "rejects_path", "write_prepared"]

# ``progress("Géocodage", 0.4)``: the stage in French and the share of the work done.
Progress = Callable[[str, float], None]
LINE = "_ligne"
DUPLICATE_PREFIX = "doublon de la ligne"

# Every failure that means "this file cannot be used"; each carries a French message.
_UNUSABLE: tuple[type[BaseException], ...] = (
    readers.UnreadableInput, FormatNotRecognised, csv_stream.CsvFormatError,
    icpe.IcpeFormatError, irep.IrepFormatError, openagenda.OpenAgendaFormatError,
    territoires_industrie.TerritoiresFormatError, MissingColumns, geocode.NoUsableColumn,
    store.StoreError, safe_zip.UnsafeArchive,
)


class UnusableFile(ValueError):
    """The file cannot be imported at all; nothing was written. One French line."""


@dataclass
class PreparedImport:
    """A file read, checked and placed, not yet written: what ``preview`` gives the app.

    ``frame`` holds the canonical rows the store will receive; ``previous_import`` is the
    id of the import that already brought this very file (then writing adds nothing).
    """

    kind: str
    format: Format
    file_name: str
    checksum: str
    frame: pd.DataFrame
    report: PipelineReport
    previous_import: int | None = None
    options: dict[str, object] = field(default_factory=dict)


# Errors of the file itself while it is read (a cut gzip stream, a damaged zip member…).
_BROKEN: tuple[type[BaseException], ...] = (OSError, EOFError, zipfile.BadZipFile,
                                            UnicodeDecodeError, pa.ArrowException)


@contextmanager
def _unusable(file_name: str, *, reading: bool = False) -> Iterator[None]:
    """Turn every "cannot use this file" error into ``UnusableFile`` with the file name;
    while ``reading``, system and decoding errors too (``fichier illisible ou incomplet``)."""
    try:
        yield
    except _UNUSABLE as error:
        raise UnusableFile(_one_line(file_name, str(error) or type(error).__name__)) from error
    except _BROKEN as error:
        if not reading:
            raise
        detail = " ".join(str(error).split()) or type(error).__name__
        raise UnusableFile(_one_line(file_name, f"fichier illisible ou incomplet ({detail})")) \
            from error


def _one_line(file_name: str, message: str) -> str:
    """``"fichier.csv : <message on one line>"`` (the name is not repeated)."""
    message = " ".join(message.split())
    return message if message.startswith(file_name) else f"{file_name} : {message}"


def _step(progress: Progress | None, stage: str, done: float) -> None:
    if progress is not None:
        progress(stage, done)


# ---------------------------------------------------------------- public entry points

def import_file(
    path: Path | str, kind: str, *, fmt: str | None = None, engine: Engine | None = None,
    online: bool = False, progress: Progress | None = None, options: LoadOptions | None = None,
    rejects: Path | None = None, file_name: str | None = None,
) -> PipelineReport:
    """Import one file into the store; the whole pipeline.

    Parameters
    ----------
    path: the file (a folder of ICPE API pages is accepted too).
    kind: ``sites``, ``events``, ``actions``, ``territoires-industrie`` or ``membres``.
    fmt: a code of ``FORMATS`` to force instead of detecting it (``"openagenda-plat"``).
    engine: the store (default: ``store.get_engine()``, i.e. ``INFLU_GEO_DATABASE_URL``).
    online: refine addresses with the Base Adresse Nationale (network).
    progress: ``progress(stage, share_done)`` while it works.
    options: Sirene's geolocation file, closed establishments.
    rejects: where to write the rejected rows (CSV), when there are some.
    file_name: the name shown in the report and the import log (default: ``path.name``).

    Returns
    -------
    ``PipelineReport``: counts, format, store result (``already_imported`` when the file
    was imported before: then nothing is parsed nor written).

    Raises
    ------
    UnusableFile
        When the file cannot be used at all (unknown format, missing column, cut archive,
        unreadable JSON…); the store is unchanged.
    """
    path, engine = Path(path), engine or store.get_engine()
    name = file_name or path.name
    with _unusable(name):
        table = store_kind(kind)
        with _unusable(name, reading=True):
            checksum = checksum_of(path)
        previous = _previous_import(engine, table, checksum)
    if previous is not None:
        return _already_imported(path, table, fmt, name, previous)
    prepared = _prepare(path, table, checksum, fmt=fmt, engine=engine, online=online,
                        progress=progress, options=options, file_name=name)
    report = write_prepared(prepared, engine, progress=progress)
    if rejects is not None:
        report.rejects_path = report.write_rejects(rejects)
    return report


def preview(
    path: Path | str, kind: str, *, fmt: str | None = None, engine: Engine | None = None,
    online: bool = False, progress: Progress | None = None, options: LoadOptions | None = None,
    file_name: str | None = None,
) -> PreparedImport:
    """Everything ``import_file`` does except the store write (same parameters).

    The store is only read (events to link actions to, Territoires d'industrie, the
    import log). Pass the result to ``write_prepared`` to write it.
    """
    path, engine = Path(path), engine or store.get_engine()
    name = file_name or path.name
    with _unusable(name, reading=True):
        checksum = checksum_of(path)
    return _prepare(path, store_kind(kind), checksum, fmt=fmt, engine=engine, online=online,
                    progress=progress, options=options, file_name=name)


def write_prepared(prepared: PreparedImport, engine: Engine | None = None, *,
                   progress: Progress | None = None) -> PipelineReport:
    """Write a ``preview`` into the store in one transaction; returns its report.

    Raises ``UnusableFile`` when the store refuses the rows (nothing is written then).
    """
    engine = engine or store.get_engine()
    report = prepared.report
    _step(progress, "Écriture dans la base", 0.9)
    details = {"format": prepared.format.code,
               "avertissements": len(report.warnings), **prepared.options}
    with _unusable(prepared.file_name):
        result = store.import_frame(
            engine, prepared.kind, prepared.frame, source=prepared.format.source,
            file_name=prepared.file_name, checksum=prepared.checksum, report_counts=report,
            details=details)
    report.result, report.already_imported = result, result.already_imported
    merged_by_store = result.rows_merged - report.rows_merged
    if not result.already_imported and merged_by_store > 0:
        report.rows_merged += merged_by_store
        report.rows_kept -= merged_by_store
    if not result.already_imported and prepared.kind in ("events", "actions"):
        _step(progress, "Liaison des mobilisations aux événements", 0.95)
        _work_out_links(engine)
    _step(progress, "Terminé", 1.0)
    return report


def _work_out_links(engine: Engine) -> None:
    """Title links worked out right after the import (the dashboard then recalls them);
    the import is written whatever happens here: the dashboard would work them out."""
    from influ_geo import dataset

    try:
        dataset.work_out_links(engine)
    except (SQLAlchemyError, OSError, ValueError) as error:
        log.warning("Liaisons par titre non préparées après l'import : %s", error)


def import_bytes(data: bytes, file_name: str, kind: str, **kwargs: object) -> PipelineReport:
    """``import_file`` on the bytes of an uploaded file (same keyword arguments)."""
    with _temporary_file(data, file_name) as path:
        return import_file(path, kind, file_name=file_name, **kwargs)  # type: ignore[arg-type]


def preview_bytes(data: bytes, file_name: str, kind: str, **kwargs: object) -> PreparedImport:
    """``preview`` on the bytes of an uploaded file (same keyword arguments)."""
    with _temporary_file(data, file_name) as path:
        return preview(path, kind, file_name=file_name, **kwargs)  # type: ignore[arg-type]


@contextmanager
def _temporary_file(data: bytes, file_name: str) -> Iterator[Path]:
    """The bytes in a private temporary folder, under the uploaded name (formats are
    recognised by name and content)."""
    with tempfile.TemporaryDirectory(prefix="influ_geo_") as directory:
        path = Path(directory) / (Path(file_name).name or "fichier")
        path.write_bytes(data)
        yield path


def rejects_path(path: Path | str, directory: Path | None = None) -> Path:
    """Where the CLI writes rejected rows: ``actions.csv`` ⇒ ``actions.rejets.csv`` next to
    it, or in ``directory``."""
    path = Path(path)
    return (directory or path.parent) / f"{path.stem}.rejets.csv"


def checksum_of(path: Path) -> str:
    """SHA-256 of the file's bytes (``store.file_checksum``); for a folder of JSON pages,
    of their names and checksums in name order."""
    if not path.exists():
        raise readers.UnreadableInput(f"fichier introuvable : {path}")
    if not path.is_dir():
        return store.file_checksum(path)
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.json")):
        digest.update(f"{file.name}\x1f{store.file_checksum(file)}\n".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------- the steps

def _previous_import(engine: Engine, table: str, checksum: str) -> dict[str, object] | None:
    """The import-log row of the import that already brought this file, else None."""
    found = store.find_import(engine, table, checksum)
    if found is None:
        return None
    log = store.list_imports(engine)
    return log.loc[log["id"] == found].iloc[0].to_dict()


def _already_imported(path: Path, table: str, fmt: str | None, name: str,
                      log: dict[str, object]) -> PipelineReport:
    with _unusable(name):
        chosen = resolve_format(path, table, fmt)
    report = PipelineReport(table, name, format_code=chosen.code, format_label=chosen.label,
                            previous=log, already_imported=True)
    for attribute in ("rows_read", "rows_kept", "rows_merged"):
        value = log.get(attribute)
        setattr(report, attribute, 0 if value is None or pd.isna(value) else int(value))
    return report


def _prepare(path: Path, table: str, checksum: str, *, fmt: str | None, engine: Engine,
             online: bool, progress: Progress | None, options: LoadOptions | None,
             file_name: str) -> PreparedImport:
    options = options or LoadOptions()
    with _unusable(file_name):
        with _unusable(file_name, reading=True):
            chosen = resolve_format(path, table, fmt)
        _check_options(options)
        report = PipelineReport(table, file_name, format_code=chosen.code,
                                format_label=chosen.label)
        _step(progress, "Lecture du fichier", 0.0)
        with _unusable(file_name, reading=True):
            frame = chosen.load(path, report, options)
        if report.rows_read == 0:
            raise readers.UnreadableInput(f"{file_name} : aucune ligne de données.")
        lines = row_lines(frame, report, _first_line(chosen, path))
        _step(progress, "Géocodage", 0.4)
        frame = _locate(chosen, frame, report, engine, online, progress, lines)
        previous = store.find_import(engine, table, checksum)
    used = {"geolocalisation": options.geolocalisation.name} if options.geolocalisation else {}
    return PreparedImport(table, chosen, file_name, checksum, _store_columns(table, frame),
                          report, previous, used)


def _check_options(options: LoadOptions) -> None:
    """The Sirene geolocation file, when given, must exist."""
    extra = options.geolocalisation
    if extra is not None and not Path(extra).is_file():
        raise readers.UnreadableInput(f"fichier de géolocalisation introuvable : {extra}")


def _first_line(chosen: Format, path: Path) -> int:
    """Line of the first row in the report: JSON records count from 1, tables from 2."""
    if chosen.json_records or (chosen.code == "openagenda-plat" and is_json(path)):
        return 1
    return 2


def row_lines(frame: pd.DataFrame, report: ImportReport, first: int) -> np.ndarray | None:
    """The file line of each kept row: ``_ligne`` when the reader gives it, else every
    line read minus the rejected ones and the merged duplicates (both are in the report).
    None when the two do not add up (lines are then unknown)."""
    if LINE in frame.columns:
        return frame[LINE].to_numpy(dtype=np.int64)
    dropped = {r.line for r in report.rejections}
    dropped |= {w.line for w in report.warnings if w.reason.startswith(DUPLICATE_PREFIX)}
    lines = np.array([x for x in range(first, first + report.rows_read) if x not in dropped],
                     dtype=np.int64)
    return lines if len(lines) == len(frame) else None


def _locate(chosen: Format, frame: pd.DataFrame, report: PipelineReport, engine: Engine,
            online: bool, progress: Progress | None, lines: np.ndarray | None) -> pd.DataFrame:
    """Geocode and locate the rows of one kind with the store's events and Territoires
    d'industrie; the geocoder's messages become file-level notes of the report."""
    kind = chosen.kind
    if kind == "territoires_industrie" or frame.empty:
        return frame
    messages: list[str] = []
    located = import_locate.locate(
        kind, frame, report, lines, online=online, progress=_geo_progress(progress),
        events=_events(engine) if kind == "actions" else None,
        territoires=_territoires(engine) if kind != "membres" else None,
        messages=messages, suffix=icpe.JSON_RECORD if chosen.json_records else "")
    for message in messages:
        report.warn(0, message)
    return located


def _geo_progress(progress: Progress | None) -> Callable[[int, int], None] | None:
    """The geocoder's ``(done, total)`` mapped onto 40–85 % of the whole import."""
    if progress is None:
        return None
    return lambda done, total: progress("Géocodage en ligne (BAN)",
                                        0.4 + 0.45 * done / max(total, 1))


def _events(engine: Engine) -> pd.DataFrame:
    return store.read_table(engine, "events", columns=list(import_locate.EVENT_COLUMNS))


def _territoires(engine: Engine) -> pd.DataFrame:
    return store.read_table(engine, "territoires_industrie", columns=["code_insee", "id_ti"])


def _store_columns(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical columns of ``table`` and the importer's own ``_`` columns (the store
    skips them); readers' helper inputs (``commune`` of actions…) are left out."""
    known = set(schema.column_names(table))
    return frame[[c for c in frame.columns if c in known or str(c).startswith("_")]]
