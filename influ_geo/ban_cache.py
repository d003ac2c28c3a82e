"""On-disk cache of BAN answers, so a re-run sends nothing for rows already geocoded.

One SQLite file (``<BAN_CACHE_DIR>/ban.sqlite``), one row per distinct request: the key is a
hash of the endpoint and of the normalised query actually sent (``q`` and its filter), so
``"20 AVENUE DE SEGUR"`` and ``"20  avenue de Segur"`` share one answer. Each batch is saved
in one transaction: an interrupted run keeps every finished batch and never a half-written
one. "Not found" answers are cached too (the service gave a definite answer); transport
errors are not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

LOG = logging.getLogger(__name__)
CACHE_FILE = "ban.sqlite"
# Another process (a second Streamlit session) may be writing: wait rather than fail.
BUSY_TIMEOUT_S = 10.0

_SCHEMA = """CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY, lon REAL, lat REAL, score REAL, type TEXT,
    citycode TEXT, label TEXT, status TEXT, saved_at REAL)"""


_FIELDS = "key, lon, lat, score, type, citycode, label, status"


class Answer(NamedTuple):
    """The service's answer for one query; ``lon``/``lat`` are None when not found."""

    lon: float | None
    lat: float | None
    score: float | None
    type: str
    citycode: str
    label: str
    status: str


def cache_key(endpoint: str, q: str, filter_name: str, filter_value: str) -> str:
    """A stable key: ``("…/search/csv/", "20 av de Ségur Paris", "postcode", "75007")`` ⇒ hex."""
    payload = json.dumps([endpoint, q.casefold(), filter_name, filter_value])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AnswerCache:
    """Read and write answers; degrades to no cache (with a warning) if the file is unusable."""

    def __init__(self, directory: Path | None) -> None:
        self._path = directory / CACHE_FILE if directory is not None else None
        if self._path is not None:
            self._open_or_disable()

    def _open_or_disable(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            LOG.warning("Cache BAN inutilisable (%s) : %s", self._path, error)
            self._path = None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_S)

    def get_many(self, keys: Iterable[str]) -> dict[str, Answer]:
        """The cached answers among ``keys`` (missing keys are simply absent)."""
        wanted = list(dict.fromkeys(keys))
        if self._path is None or not wanted:
            return {}
        found: dict[str, Answer] = {}
        conn = self._connect()
        try:
            for start in range(0, len(wanted), 500):  # SQLite caps bound parameters
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                sql = f"SELECT {_FIELDS} FROM answers WHERE key IN ({marks})"
                for key, *fields in conn.execute(sql, part):
                    found[key] = Answer(*fields)
        except sqlite3.Error as error:
            LOG.warning("Lecture du cache BAN impossible : %s", error)
        finally:
            conn.close()
        return found

    def put_many(self, answers: Mapping[str, Answer]) -> None:
        """Save one batch of answers in a single transaction (all or nothing)."""
        if self._path is None or not answers:
            return
        now = time.time()
        rows = [(key, *answer, now) for key, answer in answers.items()]
        conn = self._connect()
        try:
            with conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
        except sqlite3.Error as error:
            LOG.warning("Écriture du cache BAN impossible : %s", error)
        finally:
            conn.close()
