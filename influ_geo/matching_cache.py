"""Title-match verdicts kept on disk, one Parquet file per events table.

The verdict of an action matched by title depends only on its processed title, its
territory key and its day, given the events and the match settings (see
:mod:`influ_geo.matching`). ``matching`` keeps the verdicts in memory per events table;
this module keeps them on disk too, under ``config.MATCH_CACHE_DIR``, so a restarted app
(or a second server on the same data) recalls them instead of scoring 10,000 titles again.

    table = read(key)        # {("salon industrie lyon", "d:69", 20199): Verdict(…)} or {}
    write(key, table)        # atomic: a reader sees the old file or the new one

The file name is the hex digest of the events, the settings and the scoring version:
a changed events table gives another file, never a stale verdict. Files that cannot be
read are ignored (scored again); only the ``KEPT_FILES`` most recent are kept.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from influ_geo import config

log = logging.getLogger(__name__)

# Events tables whose verdicts stay on disk (the most recently written): the current one
# and a few before it, for a second server still on the previous data.
KEPT_FILES = 4
# (processed title, territory key, day): what a verdict depends on besides the events.
Triple = tuple[str, str, int]
_COLUMNS = ("titre", "territoire", "jour", "liaison", "confiance", "evenement", "candidats")


@dataclass(frozen=True)
class Verdict:
    """What the title match concluded for one (title, territory, day)."""

    liaison: str
    confiance: float
    event: int  # position in the events, -1: none
    candidates: tuple[tuple[int, float], ...]  # (event position, confidence) if ambiguous


def folder() -> Path | None:
    """``config.MATCH_CACHE_DIR`` (``None``: verdicts are kept in memory only)."""
    return config.MATCH_CACHE_DIR


def read(key: bytes) -> dict[Triple, Verdict]:
    """The verdicts kept for the events table ``key``; ``{}`` when there are none or the
    file cannot be read (it is then scored again and rewritten)."""
    path = _path(key)
    if path is None or not path.is_file():
        return {}
    try:
        frame = pq.read_table(path).to_pandas()
        rows = zip(*(frame[name].tolist() for name in _COLUMNS), strict=True)
        return {(title, territory, int(day)): Verdict(
                    liaison, float(confiance), int(event),
                    tuple((int(p), float(c)) for p, c in json.loads(candidates)))
                for title, territory, day, liaison, confiance, event, candidates in rows}
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        log.warning("Verdicts de liaison illisibles (%s), recalculés : %s", path.name, error)
        return {}


def write(key: bytes, table: Mapping[Triple, Verdict]) -> None:
    """Keep ``table`` on disk for the events table ``key`` (atomically), then remove the
    oldest files beyond ``KEPT_FILES``. A folder that cannot be written is logged, not
    raised: the verdicts are then only kept in memory."""
    path = _path(key)
    if path is None:
        return
    triples = list(table)
    verdicts = list(table.values())
    frame = pd.DataFrame({
        "titre": pd.Series([t[0] for t in triples], dtype="str"),
        "territoire": pd.Series([t[1] for t in triples], dtype="str"),
        "jour": pd.Series([t[2] for t in triples], dtype="int64"),
        "liaison": pd.Series([v.liaison for v in verdicts], dtype="str"),
        "confiance": pd.Series([v.confiance for v in verdicts], dtype="float64"),
        "evenement": pd.Series([v.event for v in verdicts], dtype="int64"),
        "candidats": pd.Series([json.dumps(v.candidates) for v in verdicts], dtype="str"),
    })
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        os.close(handle)
        try:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temporary)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        _prune(path.parent)
    except OSError as error:
        log.warning("Verdicts de liaison non conservés sur disque (%s) : %s", path.parent, error)


def _path(key: bytes) -> Path | None:
    directory = folder()
    return None if directory is None else directory / f"{key.hex()}.parquet"


def _prune(directory: Path) -> None:
    files = sorted(directory.glob("*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEPT_FILES:]:
        old.unlink(missing_ok=True)
