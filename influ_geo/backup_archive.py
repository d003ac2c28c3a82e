"""The backup archive: one ZIP file, one Parquet file per table and a manifest. No database.

    manifest.json               format, versions, date, backend; per table: member,
                                row count, SHA-256 of the member, columns and dtypes
    tables/sites.parquet        every row, ids included
    tables/events.parquet
    tables/actions.parquet
    tables/membres.parquet
    tables/territoires_industrie.parquet
    tables/imports.parquet      the import log

A manifest entry reads ``"sites": {"file": "tables/sites.parquet", "rows": 2000,
"sha256": "68845d4f…", "columns": {"id": "int", "source": "str", …}}``. Parquet keeps
the canonical types: codes stay text (``"01001"``, ``"2A004"``), counts nullable 64-bit
integers, dates naive timestamps (µs), NULL stays NULL; nothing depends on the backend.

``write_archive(frames, path, backend="sqlite")`` writes it (aside, then renamed);
``read_archive(path)`` reads it back and checks everything, raising ``BackupError``
(French) at the first problem.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import uuid
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from influ_geo import schema
from influ_geo.store_frames import pandas_dtype

TABLES = tuple(schema.TABLES)
FORMAT_NAME = "influ_geo-sauvegarde"
# Bumped when the archive layout changes; an older reader refuses a newer archive.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# A manifest is a few kB; anything far larger is not one of ours.
MANIFEST_MAX_BYTES = 1 << 20

_ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(), "text": pa.string(), "int": pa.int64(), "float": pa.float64(),
    "datetime": pa.timestamp("us"),
}


# Columns unique together in each table (the store's unique constraints).
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {**schema.NATURAL_KEYS, "imports": ("kind", "checksum")}


class BackupError(Exception):
    """An archive that cannot be used, or a restore refused; one French sentence."""


@dataclass(frozen=True)
class Archive:
    """A checked backup: its manifest and every table as canonical frames."""

    manifest: dict[str, object]
    frames: dict[str, pd.DataFrame]

    def rows(self) -> dict[str, int]:
        """Rows per table: ``{"sites": 2000, "events": 400, …, "imports": 5}``."""
        return {kind: len(frame) for kind, frame in self.frames.items()}


def member_name(kind: str) -> str:
    """``"sites"`` ⇒ ``"tables/sites.parquet"``."""
    return f"tables/{kind}.parquet"


def schema_version() -> str:
    """A 12-hex-digit fingerprint of the canonical tables, columns and dtypes."""
    text = ";".join(f"{kind}.{c.name}:{c.dtype}"
                    for kind, cols in schema.TABLES.items() for c in cols)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------- writing

def write_archive(frames: Mapping[str, pd.DataFrame], path: Path, *, backend: str) -> None:
    """Write canonical frames (one per table of the store) as a backup archive at ``path``."""
    members = {kind: _parquet_bytes(kind, frames[kind]) for kind in TABLES}
    manifest = _manifest(frames, members, backend)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "wb") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
                text = json.dumps(manifest, ensure_ascii=False, indent=2)
                archive.writestr(MANIFEST, text, compress_type=zipfile.ZIP_DEFLATED)
                for kind, data in members.items():  # Parquet is compressed already
                    archive.writestr(member_name(kind), data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _parquet_bytes(kind: str, frame: pd.DataFrame) -> bytes:
    fields = [pa.field(c.name, _ARROW_TYPES[c.dtype]) for c in schema.columns(kind)]
    table = pa.Table.from_pandas(frame[schema.column_names(kind)], schema=pa.schema(fields),
                                 preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _manifest(frames: Mapping[str, pd.DataFrame], members: Mapping[str, bytes],
              backend: str) -> dict[str, object]:
    created = datetime.now(ZoneInfo("Europe/Paris")).isoformat(timespec="seconds")
    tables = {kind: {"file": member_name(kind), "rows": len(frames[kind]),
                     "sha256": hashlib.sha256(data).hexdigest(),
                     "columns": schema.dtypes(kind)}
              for kind, data in members.items()}
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "schema_version": schema_version(), "created_at": created, "backend": backend,
            "tables": tables}


# ---------------------------------------------------------------- reading and checking

def read_archive(path: Path) -> Archive:
    """Read and check a backup completely; ``BackupError`` (French) at the first problem.

    Checks: a ZIP whose members are intact (CRC), our manifest in a known version, every
    table of the store present and none unknown, the SHA-256 of each member, Parquet that
    reads, known columns of the right type, the announced row counts, ids present and
    unique, required columns filled, natural keys unique, references that resolve.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _read_manifest(archive)
            frames = {kind: _read_table(archive, kind, manifest["tables"][kind])
                      for kind in TABLES}
            _check_references(frames)
    except FileNotFoundError:
        raise BackupError(f"sauvegarde introuvable : {path}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise BackupError(f"{path.name} : archive illisible ou tronquée ({_detail(error)}) ; "
                          "la base n'a pas été modifiée") from error
    except BackupError as error:
        raise BackupError(f"{path.name} : {error} ; la base n'a pas été modifiée") from error
    return Archive(manifest, frames)


def _detail(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, object]:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise BackupError(f"pas de {MANIFEST} : ce n'est pas une sauvegarde influ_geo") from None
    if info.file_size > MANIFEST_MAX_BYTES:
        raise BackupError(f"{MANIFEST} démesuré : ce n'est pas une sauvegarde influ_geo")
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{MANIFEST} illisible ({_detail(error)})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BackupError(f"{MANIFEST} ne décrit pas une sauvegarde influ_geo")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(f"sauvegarde au format {version!r}, que cette version de "
                          f"l'application ne sait pas lire (format {FORMAT_VERSION})")
    _check_table_list(manifest.get("tables"))
    return manifest


def _check_table_list(tables: object) -> None:
    if not isinstance(tables, dict):
        raise BackupError(f"{MANIFEST} sans liste des tables")
    missing = [kind for kind in TABLES if kind not in tables]
    unknown = sorted(set(tables) - set(TABLES))
    if missing:
        raise BackupError(f"table(s) absente(s) de la sauvegarde : {', '.join(missing)}")
    if unknown:
        raise BackupError(f"table(s) inconnue(s) dans la sauvegarde : {', '.join(unknown)}")
    for kind in TABLES:
        entry = tables[kind]
        if not (isinstance(entry, dict) and isinstance(entry.get("rows"), int)
                and isinstance(entry.get("sha256"), str) and isinstance(entry.get("file"), str)
                and isinstance(entry.get("columns"), dict)):
            raise BackupError(f"{MANIFEST} : description de la table {kind} incomplète")


def _read_table(archive: zipfile.ZipFile, kind: str, entry: dict[str, object]) -> pd.DataFrame:
    name = str(entry["file"])
    try:
        data = archive.read(name)  # checks the member's CRC
    except KeyError:
        raise BackupError(f"fichier {name} absent de l'archive (table {kind})") from None
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise BackupError(f"empreinte SHA-256 incorrecte pour {name} : "
                          "l'archive a été modifiée ou abîmée")
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as error:
        raise BackupError(f"{name} illisible ({_detail(error)})") from None
    if list(table.schema.names) != list(entry["columns"]):  # type: ignore[call-overload]
        raise BackupError(f"les colonnes de {name} ne sont pas celles du manifeste")
    _check_columns(kind, table.schema)
    if table.num_rows != entry["rows"]:
        raise BackupError(f"{kind} : {table.num_rows} lignes au lieu des {entry['rows']} "
                          "annoncées par le manifeste")
    frame = _canonical(kind, table)
    _check_rows(kind, frame)
    return frame


def _check_columns(kind: str, arrow_schema: pa.Schema) -> None:
    """Known columns with their canonical type; optional ones may be missing (an older
    backup, before a column was added), required ones and natural keys may not."""
    dtypes = schema.dtypes(kind)
    unknown = [n for n in arrow_schema.names if n not in dtypes]
    if unknown:
        raise BackupError(f"colonne(s) inconnue(s) dans {kind} : {', '.join(unknown)}")
    needed = ["id", *schema.required_columns(kind), *schema.NATURAL_KEYS.get(kind, ())]
    missing = [n for n in dict.fromkeys(needed) if n not in arrow_schema.names]
    if missing:
        raise BackupError(f"colonne(s) absente(s) de {kind} : {', '.join(missing)}")
    for field in arrow_schema:
        if not _type_fits(dtypes[field.name], field.type):
            raise BackupError(f"colonne {kind}.{field.name} de type {field.type} au lieu de "
                              f"{_ARROW_TYPES[dtypes[field.name]]}")


def _type_fits(dtype: str, arrow_type: pa.DataType) -> bool:
    if pa.types.is_null(arrow_type):  # a column with no value at all, written by other tools
        return True
    if dtype in ("str", "text"):
        return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    if dtype == "datetime":
        return pa.types.is_timestamp(arrow_type) and arrow_type.tz is None
    return arrow_type == _ARROW_TYPES[dtype]


def _canonical(kind: str, table: pa.Table) -> pd.DataFrame:
    """The Parquet table in canonical column order and dtypes; absent columns empty."""
    frame = table.to_pandas()
    out = {c.name: (frame[c.name] if c.name in frame else pd.Series([None] * len(frame)))
           .astype(pandas_dtype(c.dtype)) for c in schema.columns(kind)}
    return pd.DataFrame(out, columns=schema.column_names(kind))


def _check_rows(kind: str, frame: pd.DataFrame) -> None:
    if frame["id"].isna().any() or frame["id"].duplicated().any():
        raise BackupError(f"{kind} : identifiants vides ou en double")
    for name in schema.required_columns(kind):
        empty = int(frame[name].isna().sum())
        if empty:
            raise BackupError(f"{kind} : colonne obligatoire {name} vide sur {empty} ligne(s)")
    keys = list(UNIQUE_KEYS.get(kind, ()))
    if keys and frame.duplicated(keys).any():
        raise BackupError(f"{kind} : doublons de la clé {' + '.join(keys)}")


def _check_references(frames: Mapping[str, pd.DataFrame]) -> None:
    """``import_id`` must name a row of ``imports``; ``evenement_id`` a row of ``events``."""
    targets = {"import_id": "imports", "evenement_id": "events"}
    for kind, frame in frames.items():
        for name, target in targets.items():
            if name not in frame:
                continue
            dangling = frame[name].notna() & ~frame[name].isin(frames[target]["id"])
            if dangling.any():
                raise BackupError(f"{kind} : {int(dangling.sum())} ligne(s) renvoient à "
                                  f"{target} absent(s) de la sauvegarde (colonne {name})")
