"""Streamed filtering of very large official CSV files (Sirene: ~44 million rows).

The file is read block by block with ``pyarrow.csv.open_csv``, only the needed
columns are converted, a filter keeps a few rows of each block and the rest is
freed at once: the peak memory depends on the block size and on the rows kept, not
on the size of the file. Rows keep their spreadsheet line number (header = 1) in
the column ``_ligne``; rows with a wrong number of fields are set aside with their
line and text instead of stopping the read.

``stream_filter(Path("StockEtablissement_utf8.zip"), ["siret", …], keep)`` ⇒
``StreamResult(table=<kept rows>, rows_scanned=43_896_818, invalid=[(1204, "…")])``.
"""

from __future__ import annotations

import csv
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from influ_geo import readers, safe_zip

LINE = "_ligne"
# Bytes parsed at once. Measured on a 54-column Sirene stock: 1 MiB reads ~1.4 M rows/s
# with a flat peak; 8 MiB is no faster and adds ~300 MB of parser buffers.
BLOCK_SIZE = 1 << 20
# Bytes inspected to choose between UTF-8 and Windows-1252 before the real read.
SNIFF_BYTES = 1 << 20

# A filter: the mask of rows to keep in a batch, and counts to add up (``{"fermes": 3}``).
Keep = Callable[[pa.RecordBatch], tuple[pa.Array, dict[str, int]]]


class CsvFormatError(ValueError):
    """The file cannot be read as the expected CSV; the message is one French line."""


@dataclass
class StreamResult:
    """What a streamed read kept, with the count of rows it went through."""

    table: pa.Table
    header: list[str]
    rows_scanned: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "utf8"
    counts: dict[str, int] = field(default_factory=dict)


@contextmanager
def open_binary(path: Path) -> Iterator[BinaryIO | pa.NativeFile]:
    """The CSV bytes of ``path``: a plain file, a ``.gz`` or the CSV inside a zip.

    Plain and gzip files are opened by Arrow itself (twice as fast as a Python file); a
    zip is checked first (``safe_zip``: no bomb, at most ``ARCHIVE_STREAMED_MAX_MB``).
    """
    if zipfile.is_zipfile(path):
        with safe_zip.open_zip(path) as archive, archive.open(_zip_member(archive, path)) as f:
            yield f  # type: ignore[misc]
    else:
        compression = "gzip" if path.suffix.lower() == ".gz" else None
        with pa.input_stream(str(path), compression=compression) as f:
            yield f


def _zip_member(archive: zipfile.ZipFile, path: Path) -> str:
    """The largest ``.csv`` of the archive (the official zips hold exactly one)."""
    members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
    if not members:
        raise CsvFormatError(f"{path.name} : l'archive ne contient aucun fichier CSV.")
    return max(members, key=lambda i: i.file_size).filename


def sniff(path: Path) -> tuple[list[str], str, str]:
    """Header names, delimiter and encoding of the file.

    ``sniff(Path("StockEtablissement_utf8.csv"))`` ⇒ ``(["siren", "nic", …], ",", "utf8")``.
    """
    with open_binary(path) as f:
        head = f.read(SNIFF_BYTES)
    if not head.strip():
        raise CsvFormatError(f"{path.name} : fichier vide.")
    text, encoding = _decode_head(head, path.name)
    first = text.lstrip("\ufeff").splitlines()[0]
    delimiter = max([",", ";", "\t", "|"], key=first.count)
    header = [name.strip() for name in next(csv.reader([first], delimiter=delimiter))]
    return header, delimiter, encoding


def _decode_head(head: bytes, name: str) -> tuple[str, str]:
    """The first bytes as text and the codec to read the file with: UTF-16 (with or
    without BOM), else UTF-8, else Windows-1252, else Latin-1. ``CsvFormatError`` for an
    Excel 97 workbook or binary content, which no codec turns into a table."""
    if head.startswith(readers.OLE_MAGIC):
        raise CsvFormatError(f"{name} : {readers.XLS_MESSAGE}")
    utf16 = readers.detect_encoding(head[:4096])
    if utf16.startswith("utf-16"):
        text, encoding = head[: len(head) // 2 * 2].decode(utf16, errors="replace"), utf16
    else:
        try:
            text, encoding = _decode_utf8_prefix(head), "utf8"
        except UnicodeDecodeError:
            encoding = "cp1252" if _decodes(head, "cp1252") else "latin-1"
            text = head.decode(encoding)
        if b"\x00" in head[:65536]:
            raise CsvFormatError(f"{name} : contenu binaire, ni CSV ni XLSX.")
    if readers.looks_binary(text) or not text.strip("\ufeff\x00 \r\n\t"):
        raise CsvFormatError(f"{name} : contenu binaire, ni CSV ni XLSX.")
    return text, encoding


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _decode_utf8_prefix(head: bytes) -> str:
    """Decode a prefix that may end in the middle of a multi-byte character."""
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:
            raise
        return head[: error.start].decode("utf-8")


def stream_filter(
    path: Path, columns: list[str], keep: Keep, *, block_size: int = BLOCK_SIZE
) -> StreamResult:
    """Read ``columns`` (as text) of every row and keep those where ``keep(batch)`` is true.

    Columns absent from the header come back as nulls. The read uses both cores; pyarrow
    then cannot number broken rows, so a file that has some is read again on one thread
    to give their lines. An invalid UTF-8 byte found after the sniffed prefix restarts
    the read in Windows-1252.
    """
    header, delimiter, encoding = sniff(path)
    dialect = (header, delimiter)
    try:
        result = _stream(path, dialect, encoding, columns, keep, block_size, threads=True)
        if result.invalid:
            result = _stream(path, dialect, encoding, columns, keep, block_size, threads=False)
        return result
    except pa.ArrowInvalid as error:
        if encoding != "utf8" or "UTF8" not in str(error):
            raise CsvFormatError(f"{path.name} : CSV illisible ({error}).") from error
        return _stream(path, dialect, "cp1252", columns, keep, block_size, threads=False)


def _stream(
    path: Path,
    dialect: tuple[list[str], str],
    encoding: str,
    columns: list[str],
    keep: Keep,
    block_size: int,
    *,
    threads: bool,
) -> StreamResult:
    header, delimiter = dialect
    invalid: list[tuple[int, str]] = []
    lock = threading.Lock()

    def on_invalid(row: pacsv.InvalidRow) -> str:
        with lock:
            found = f"{row.actual_columns} champs au lieu de {row.expected_columns}"
            invalid.append((int(row.number or 0), f"{found} : {row.text[:200]}"))
        return "skip"

    wanted = [c for c in columns if c in header]
    read_options = pacsv.ReadOptions(
        # pyarrow numbers invalid rows (InvalidRow.number) only when single-threaded.
        use_threads=threads, block_size=block_size, column_names=_unique(header), skip_rows=1,
        encoding=encoding,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=wanted, column_types=dict.fromkeys(wanted, pa.string()),
        strings_can_be_null=True, quoted_strings_can_be_null=True,
    )
    kept: list[pa.RecordBatch] = []
    counts: dict[str, int] = {}
    scanned = 0
    with open_binary(path) as f:
        reader = pacsv.open_csv(f, read_options, parse_options, convert_options)
        for batch in reader:
            mask, batch_counts = keep(batch)
            for name, count in batch_counts.items():
                counts[name] = counts.get(name, 0) + count
            rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            if len(rows):
                kept.append(_with_lines(batch.take(pa.array(rows)), rows + scanned, invalid))
            scanned += batch.num_rows
    table = _assemble(kept, wanted, columns)
    return StreamResult(table, header, scanned + len(invalid), sorted(invalid), encoding, counts)


def _unique(header: list[str]) -> list[str]:
    """Header names made unique (pyarrow refuses duplicates): ``a, a`` ⇒ ``a, a.1``."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name}.{count}")
    return names


def _with_lines(batch: pa.RecordBatch, valid_index: np.ndarray, invalid: list) -> pa.RecordBatch:
    """Add ``_ligne``: the n-th valid row is line n + 2 plus the invalid rows before it."""
    skipped = np.sort(np.array([line - 2 for line, _ in invalid], dtype=np.int64))
    # Skipped rows s_0 < s_1 < …: valid row v sits after every s_j with s_j - j <= v.
    shifted = skipped - np.arange(len(skipped))
    position = valid_index + np.searchsorted(shifted, valid_index, side="right")
    return batch.append_column(LINE, pa.array(position + 2, type=pa.int64()))


def _assemble(kept: list[pa.RecordBatch], wanted: list[str], columns: list[str]) -> pa.Table:
    """One table with every requested column (absent ones as nulls) and ``_ligne``."""
    fields = [pa.field(c, pa.string()) for c in wanted] + [pa.field(LINE, pa.int64())]
    table = pa.Table.from_batches(kept, schema=pa.schema(fields))
    for name in columns:
        if name not in wanted:
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    return table.select([*columns, LINE])
