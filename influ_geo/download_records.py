"""The files around a download: ``.part`` notes for resuming, the record of a finished file.

``data/raw/irep/2023.zip`` comes with:

- while it downloads, ``2023.zip.part`` (the bytes so far) and ``2023.zip.part.json``
  (``{"url": …, "validator": "\"5e1f…\""}``: the ``ETag``, else the ``Last-Modified``, that
  the resumed request sends in ``If-Range``);
- once complete, ``2023.zip.sha256`` (``sha256sum -c`` format) and ``2023.zip.origine.json``
  (``url, validator, size, sha256, date``: the next run asks ``If-None-Match`` or
  ``If-Modified-Since`` with it).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
from datetime import UTC, datetime
from pathlib import Path


def part_path(dest: Path) -> Path:
    """``data/raw/irep/2023.zip`` ⇒ ``data/raw/irep/2023.zip.part``."""
    return dest.with_name(dest.name + ".part")


def meta_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part.json")


def resume_point(part: Path, meta: Path, url: str) -> tuple[int, str]:
    """(bytes already in ``part``, the validator to send in ``If-Range``) or (0, "").

    A ``.part`` is resumed only when it comes from the same URL and the server gave a
    strong ``ETag`` or a ``Last-Modified``: without one, a changed file would be spliced.
    """
    try:
        noted = json.loads(meta.read_text(encoding="utf-8"))
        size = part.stat().st_size
    except (OSError, ValueError):
        return 0, ""
    validator = noted.get("validator", "") if isinstance(noted, dict) else ""
    if noted.get("url") != url or not validator or not size:
        return 0, ""
    return size, validator


def save_meta(meta: Path, url: str, headers: http.client.HTTPMessage) -> None:
    """Note what identifies this version of the file, for a later ``If-Range``."""
    etag = (headers.get("ETag") or "").strip()
    validator = etag if etag and not etag.startswith("W/") else headers.get("Last-Modified", "")
    meta.write_text(json.dumps({"url": url, "validator": validator.strip()}), encoding="utf-8")


def conditional_headers(validator: str) -> dict[str, str]:
    """``'"abc"'`` ⇒ ``If-None-Match``; ``"Tue, 01 Jul 2025 …"`` ⇒ ``If-Modified-Since``."""
    if validator.startswith('"'):
        return {"If-None-Match": validator}
    return {"If-Modified-Since": validator}


def record_path(dest: Path) -> Path:
    """``2023.zip`` ⇒ ``2023.zip.origine.json``: where the file came from, its checksum."""
    return dest.with_name(dest.name + ".origine.json")


def known_version(dest: Path, url: str) -> dict | None:
    """The record of ``dest`` when it came from ``url`` with a validator and is intact."""
    try:
        record = json.loads(record_path(dest).read_text(encoding="utf-8"))
        size = dest.stat().st_size
    except (OSError, ValueError):
        return None
    fits = isinstance(record, dict) and record.get("url") == url and record.get("size") == size
    return record if fits and record.get("validator") and record.get("sha256") else None


def finish(dest: Path, meta: Path, url: str, size: int, sha256: str) -> None:
    """Turn the transfer notes into the file's record and write its ``.sha256``."""
    try:
        validator = json.loads(meta.read_text(encoding="utf-8")).get("validator", "")
    except (OSError, ValueError, AttributeError):
        validator = ""
    write_record(dest, url, size, sha256, validator)
    meta.unlink(missing_ok=True)


def write_record(dest: Path, url: str, size: int, sha256: str, validator: str = "") -> None:
    """``<file>.origine.json`` and ``<file>.sha256`` next to a complete file."""
    record = {"url": url, "validator": validator, "size": size, "sha256": sha256,
              "date": datetime.now(UTC).isoformat(timespec="seconds")}
    write_atomic(record_path(dest), json.dumps(record, ensure_ascii=False, indent=1).encode())
    write_checksum(dest, sha256)


def discard(part: Path, meta: Path) -> None:
    part.unlink(missing_ok=True)
    meta.unlink(missing_ok=True)


def write_checksum(dest: Path, sha256: str) -> Path:
    """``<file>.sha256`` in ``sha256sum`` format: ``"<hex>  <name>\\n"`` (written atomically)."""
    sidecar = dest.with_name(dest.name + ".sha256")
    write_atomic(sidecar, f"{sha256}  {dest.name}\n".encode())
    return sidecar


def write_atomic(dest: Path, data: bytes) -> str:
    """Write ``data`` through ``<file>.part`` then rename; returns its SHA-256 (hex)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    with open(part, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, dest)
    return hashlib.sha256(data).hexdigest()
