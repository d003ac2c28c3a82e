"""Stream one remote file to disk: ``<file>.part``, SHA-256 on the fly, atomic rename.

``download()`` (public) → ``with_retries()`` (429/5xx honouring ``Retry-After``, timeouts,
cut transfers) → ``_transfer()`` (the only HTTP call). What it guarantees:

- the body goes to ``<file>.part`` block by block (``config.FETCH_BLOCK_BYTES``) and is
  hashed as it arrives: a 700 MB zip never sits in memory;
- the final name appears only through ``os.replace`` of a complete ``.part`` (same folder,
  so the rename is atomic): a reader never sees half a file;
- a transfer cut short (the server closes mid-body, fewer bytes than ``Content-Length``,
  a broken chunked body, a stalled socket) is tried again and resumes where it stopped
  with ``Range: bytes=N-``, guarded by ``If-Range`` with the ``ETag`` (or ``Last-Modified``)
  noted in ``<file>.part.json`` — a file changed on the server meanwhile is sent whole
  (200) and the download starts over. The same resume happens on the next run of the
  command after a crash or Ctrl-C;
- ``<file>.sha256`` (``sha256sum -c`` format) records the checksum next to the file, and
  ``<file>.origine.json`` where it came from (``url, validator, size, sha256, date``): the
  next run asks ``If-None-Match`` / ``If-Modified-Since`` and an answer 304 keeps the file
  without downloading it again (``Downloaded.up_to_date``).

Errors are one French line: ``FetchUnavailable`` (network or service down: connection
refused, unknown host, timeout, 429/5xx after the retries) and ``FetchRejected`` (the
server answered 404 or another refusal, or sent something that is not the file).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from influ_geo import config
from influ_geo.download_records import (
    conditional_headers,
    discard,
    finish,
    known_version,
    meta_path,
    part_path,
    resume_point,
    save_meta,
)
from influ_geo.http_retry import (
    RETRY_STATUSES,
    USER_AGENT,
    RetryPolicy,
    seconds_text,
    status_reason,
    unreachable_reason,
)

Progress = Callable[[int, "int | None"], None]
T = TypeVar("T")


class FetchError(Exception):
    """A download that did not happen; ``str(error)`` is one French line for the user."""


class FetchUnavailable(FetchError):
    """The network or the server is unreachable or keeps failing (try again later)."""


class FetchRejected(FetchError):
    """The server answered but refused (404, 403…) or sent something that is not the file."""


class _NotModified(Exception):
    """The server answered 304: the file on disk is the current version."""


class _Truncated(ConnectionError):
    """The body stopped short: fewer bytes than announced, or a network error mid-body."""


@dataclass(frozen=True)
class Downloaded:
    """One file on disk: ``size`` bytes whose SHA-256 is ``sha256`` (hex), from ``url``.

    ``resumed_from`` is the number of bytes kept from an earlier interrupted transfer;
    ``up_to_date`` means the server answered 304 and nothing was transferred.
    """

    path: Path
    url: str
    size: int
    sha256: str
    seconds: float
    resumed_from: int = 0
    up_to_date: bool = False


def policy_from_config() -> RetryPolicy:
    """The download retry settings, read at call time (``FETCH_MAX_RETRIES``…)."""
    return RetryPolicy(config.FETCH_MAX_RETRIES, config.FETCH_MAX_WAIT, config.FETCH_BACKOFF)


def download(
    url: str,
    dest: Path,
    *,
    progress: Progress | None = None,
    resume: bool = True,
    check: Callable[[Path], None] | None = None,
    timeout: float | None = None,
    policy: RetryPolicy | None = None,
) -> Downloaded:
    """Download ``url`` into ``dest`` atomically and return its size and SHA-256.

    Parameters
    ----------
    progress
        Called as ``progress(bytes_done, bytes_total)`` at the start and after each block;
        ``bytes_total`` is None when the server sends no ``Content-Length`` (chunked).
    resume
        Continue a ``.part`` left by an interrupted run, and keep a ``dest`` the server says
        is unchanged (False: download everything again from zero).
    check
        Called on the complete ``.part`` before the rename; raises ``FetchRejected`` when
        the content is not the expected file (an HTML error page instead of a zip).

    Raises ``FetchUnavailable`` / ``FetchRejected`` (one French line); after a failure the
    ``.part`` stays for the next run, the final ``dest`` is untouched.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part, meta = part_path(dest), meta_path(dest)
    if not resume:
        discard(part, meta)
    known = known_version(dest, url) if resume and not part.exists() else None
    started, starts = time.monotonic(), []
    timeout = timeout or config.FETCH_TIMEOUT
    try:
        size, sha256 = with_retries(
            lambda: _transfer(url, part, meta, timeout, progress, starts, known), url, timeout,
            policy or policy_from_config())
    except _NotModified:
        if progress is not None:
            progress(known["size"], known["size"])
        return Downloaded(dest, url, known["size"], known["sha256"],
                          time.monotonic() - started, up_to_date=True)
    if check is not None:
        try:
            check(part)
        except FetchRejected:
            discard(part, meta)  # not the file: nothing worth resuming
            raise
    os.replace(part, dest)
    finish(dest, meta, url, size, sha256)
    return Downloaded(dest, url, size, sha256, time.monotonic() - started, starts[0])


def with_retries(attempt: Callable[[], T], url: str, timeout: float, policy: RetryPolicy) -> T:
    """``attempt()`` again after 429/5xx, a timeout or a cut transfer, per ``policy``."""
    reason = ""
    for number in range(policy.max_retries + 1):
        retry_after = None
        try:
            return attempt()
        except HTTPError as error:
            if error.code not in RETRY_STATUSES:
                raise FetchRejected(rejected_message(error, url)) from error
            retry_after = error.headers.get("Retry-After") if error.code == 429 else None
            reason = status_reason(error.code)
        except URLError as error:  # DNS failure, connection refused, connect timeout
            raise FetchUnavailable(
                f"Réseau injoignable ({unreachable_reason(error, timeout)}) : "
                f"téléchargement impossible de {url}") from error
        except TimeoutError:
            reason = f"pas de réponse en {seconds_text(timeout)} s"
        except (ConnectionError, http.client.HTTPException) as error:
            reason = f"transfert interrompu : {_describe(error)}"
        if number < policy.max_retries:
            time.sleep(policy.wait(number, retry_after))
    tries = policy.max_retries + 1
    raise FetchUnavailable(f"Téléchargement impossible ({reason}, {tries} essai(s)) : {url} ; "
                           "relancez la commande plus tard, la partie reçue sera reprise.")


def _describe(error: Exception) -> str:
    """``_Truncated("3 000 octets sur 9 000")`` ⇒ its text; others ⇒ their class name."""
    return str(error) if isinstance(error, _Truncated) else type(error).__name__


def rejected_message(error: HTTPError, url: str) -> str:
    """One French line for a refusal: ``Fichier introuvable (HTTP 404) : https://…``."""
    if error.code in (404, 410):
        return f"Fichier introuvable sur le serveur (HTTP {error.code}) : {url}"
    if 300 <= error.code < 400:
        where = error.headers.get("Location", "?")
        return f"Téléchargement refusé (redirection HTTP {error.code} vers {where}) : {url}"
    return f"Téléchargement refusé par le serveur (HTTP {error.code}) : {url}"


def _transfer(url: str, part: Path, meta: Path, timeout: float, progress: Progress | None,
              starts: list[int], known: dict | None = None) -> tuple[int, str]:
    """One GET streamed into ``part`` (resumed when possible); returns (size, sha256 hex).

    ``starts`` receives the byte each answered attempt starts from (0, or the resume point);
    ``known`` (the record of the file on disk) makes the request conditional.
    """
    offset, validator = resume_point(part, meta, url)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers |= {"Range": f"bytes={offset}-", "If-Range": validator}
    elif known:
        headers |= conditional_headers(known["validator"])
    try:
        response = urlopen(Request(url, headers=headers), timeout=timeout)
    except HTTPError as error:
        if error.code == 304 and known and not offset:
            raise _NotModified from error
        if error.code != 416 or not offset:
            raise
        discard(part, meta)  # the .part does not fit the file any more: start over
        return _transfer(url, part, meta, timeout, progress, starts)
    with response:
        start = offset if response.status == 206 else 0
        starts.append(start)
        save_meta(meta, url, response.headers)
        total = _expected_total(response.headers, start)
        return _stream(response, part, start, total, progress)


def _stream(response: http.client.HTTPResponse, part: Path, start: int, total: int | None,
            progress: Progress | None) -> tuple[int, str]:
    """Append the body to ``part`` from byte ``start``, hashing everything written."""
    digest = _hash_prefix(part, start)
    done = start
    with open(part, "r+b" if start else "wb") as out:
        out.seek(start)
        out.truncate()

        def keep(block: bytes) -> None:
            nonlocal done
            out.write(block)
            digest.update(block)
            done += len(block)
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(done, total)
        try:
            while block := _next_block(response):
                keep(block)
        except http.client.IncompleteRead as error:
            keep(error.partial)  # a cut chunked body: keep what arrived, to resume after it
            raise
        finally:
            out.flush()
            os.fsync(out.fileno())
    if total is not None and done < total:
        # http.client's read(n) returns b"" on an early close instead of raising.
        raise _Truncated(f"{done} octets reçus sur {total}")
    return done, digest.hexdigest()


def _next_block(response: http.client.HTTPResponse) -> bytes:
    """One block of the body; a network error while reading is a cut transfer (retried).

    Without this, a TLS or socket error mid-body (an ``OSError``) would read like a disk
    error to the caller.
    """
    try:
        return response.read(config.FETCH_BLOCK_BYTES)
    except (TimeoutError, ConnectionError, http.client.HTTPException):
        raise
    except OSError as error:  # ssl.SSLError, ENETUNREACH…
        raise _Truncated(error.strerror or type(error).__name__) from error


def _expected_total(headers: http.client.HTTPMessage, start: int) -> int | None:
    """Whole-file size: ``Content-Range: bytes 100-999/1000`` ⇒ 1000; else start + length."""
    content_range = headers.get("Content-Range", "")
    if start and "/" in content_range and content_range.rsplit("/", 1)[1].strip().isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = headers.get("Content-Length")
    return start + int(length) if length and length.strip().isdigit() else None


def _hash_prefix(part: Path, size: int) -> hashlib._Hash:
    """SHA-256 state after the first ``size`` bytes already on disk (a resumed transfer)."""
    digest = hashlib.sha256()
    if size:
        with open(part, "rb") as handle:
            remaining = size
            while remaining and (block := handle.read(min(remaining, 1 << 20))):
                digest.update(block)
                remaining -= len(block)
    return digest


def get_bytes(url: str, *, timeout: float | None = None,
              policy: RetryPolicy | None = None) -> bytes:
    """The whole body of a small answer (an API page), with the same retries and messages."""
    timeout = timeout or config.FETCH_TIMEOUT

    def attempt() -> bytes:
        request = Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        with urlopen(request, timeout=timeout) as response:
            body = response.read()
            total = _expected_total(response.headers, 0)
        if total is not None and len(body) < total:
            raise _Truncated(f"{len(body)} octets reçus sur {total}")
        return body

    return with_retries(attempt, url, timeout, policy or policy_from_config())
