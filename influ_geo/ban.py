"""Online adapter to the national address geocoder (Base Adresse Nationale, batch CSV endpoint).

``geocode_rows()`` (public) → ``_request_batch()`` (the only HTTP call: timeout, retries on
429/5xx honouring ``Retry-After``, specific exceptions) → ``_parse_results()`` (pure).

What is sent, and why:

- one CSV per chunk of distinct queries, ``POST {BAN_URL}/search/csv/`` as
  ``multipart/form-data`` (UTF-8, ``,``), with ``columns=adresse`` and ``columns=commune``
  (the service joins them into its query ``q``) and a row id column it echoes back, so
  answers are matched by id and never by position;
- one filter per row at most: ``citycode=code_insee`` when the row has a usable INSEE code,
  else ``postcode=code_postal`` when it has a 5-digit postcode, else none. Both filters
  together would AND, and a CEDEX or mistyped postcode would then hide the right answer;
  the INSEE code alone already pins the commune. An empty filter cell means "no filter for
  this row" on both engines behind the service (addok drops empty filter values; the
  Géoplateforme batch reads only non-empty cells), and a filter column is declared only
  when a row of the chunk uses it;
- Paris, Lyon and Marseille codes (75056, 69123, 13055) are never sent as ``citycode``:
  the service files their addresses under arrondissement codes (75107), so the filter would
  find nothing; the postcode (75007) does the job instead;
- ``q`` is cut to 200 characters (addok answers 413 for the whole file beyond that) and
  rows whose ``q`` has fewer than 3 characters are not sent (the service skips them).

The result keeps the service's own codes: ``citycode`` is the arrondissement code for
Paris, Lyon and Marseille (``75107``). No score threshold is applied here: callers compare
``geo_score`` with ``config.BAN_MIN_SCORE``.
"""

from __future__ import annotations

import csv
import http.client
import io
import math
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pandas as pd

from influ_geo import __version__, config
from influ_geo.ban_cache import Answer, AnswerCache, cache_key
from influ_geo.ban_query import ID_COLUMN, Query, build_form, build_query, input_rows
from influ_geo.http_retry import RETRY_STATUSES, RetryPolicy
from influ_geo.http_retry import (  # noqa: F401  (kept under its former name)
    retry_after_seconds as _retry_after_seconds,
)

OUTPUT_COLUMNS = ["lon", "lat", "geo_score", "result_type", "citycode", "label"]
KEPT = "les résultats hors ligne sont conservés"


class BanUnavailable(Exception):
    """The service could not be used; ``str(error)`` is one French line for the user.

    ``partial`` holds the rows answered before the failure (cache and finished chunks),
    in the output shape of ``geocode_rows``, or None.
    """

    def __init__(self, message: str, partial: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class BanRejected(BanUnavailable):
    """The service answered but refused the request or sent something unreadable (4xx, 3xx)."""


def _policy() -> RetryPolicy:
    """The BAN retry settings, read at call time (``BAN_MAX_RETRIES``, ``BAN_MAX_WAIT``…)."""
    return RetryPolicy(config.BAN_MAX_RETRIES, config.BAN_MAX_WAIT, config.BAN_BACKOFF)


def geocode_rows(
    queries: pd.DataFrame,
    *,
    base_url: str | None = None,
    cache_dir: Path | None = None,
    timeout: float | None = None,
    chunk_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Geocode address rows with the BAN batch endpoint, using and filling the on-disk cache.

    Parameters
    ----------
    queries
        Columns ``adresse, code_postal, commune, code_insee`` (strings; any may be empty or
        missing), e.g. ``("20 avenue de Ségur", "75007", "Paris", "75056")``.
    base_url, cache_dir, timeout, chunk_rows
        Default to ``config.BAN_URL``, ``BAN_CACHE_DIR``, ``BAN_TIMEOUT``, ``BAN_CHUNK_ROWS``.
    progress
        Called as ``progress(rows_done, rows_total)`` after the cache look-up and each chunk.

    Returns
    -------
    The same index, columns ``lon, lat`` (WGS84), ``geo_score`` (0–1), ``result_type``
    (``housenumber|street|locality|municipality``), ``citycode``, ``label``; rows the service
    could not place have NaN ``lon``/``lat`` and empty strings. Example row:
    ``2.309683, 48.849913, 0.97, "housenumber", "75107", "20 Avenue de Ségur 75007 Paris"``.

    Raises
    ------
    BanUnavailable
        Network unreachable, timeout, 429 or 5xx after the retries (``BanRejected`` for a
        refused request); ``error.partial`` holds what was answered before.
    """
    prepared = [build_query(*row) for row in input_rows(queries)]
    if not prepared:
        return _assemble(queries.index, [], {})
    endpoint = (base_url or config.BAN_URL).rstrip("/") + "/search/csv/"
    keys = [_key(endpoint, query) for query in prepared]
    cache = AnswerCache(cache_dir if cache_dir is not None else config.BAN_CACHE_DIR)
    answers = cache.get_many(k for k in keys if k)
    todo = {k: q for k, q in zip(keys, prepared, strict=True) if k and k not in answers}
    report = _progress_reporter(keys, answers, progress)
    report()
    try:
        for chunk in _chunks(list(todo.items()), chunk_rows or config.BAN_CHUNK_ROWS):
            answered = _geocode_chunk(chunk, endpoint, timeout or config.BAN_TIMEOUT)
            cache.put_many(
                {k: a for k, a in answered.items() if a.status not in ("error", "aborted")}
            )
            answers.update(answered)
            report()
    except BanUnavailable as error:
        error.partial = _assemble(queries.index, keys, answers)
        raise
    return _assemble(queries.index, keys, answers)


def _key(endpoint: str, query: Query | None) -> str | None:
    return cache_key(endpoint, query.q, query.filter_name, query.filter_value) if query else None


def _progress_reporter(
    keys: list[str | None], answers: dict[str, Answer], progress: Callable[[int, int], None] | None
) -> Callable[[], None]:
    """A no-argument callable reporting rows done (not sendable, or answered) out of all."""

    def report() -> None:
        if progress is not None:
            progress(sum(1 for k in keys if k is None or k in answers), len(keys))

    return report


def _chunks(items: list, size: int) -> Iterator[list]:
    """``[a, b, c, d, e]`` by 2 ⇒ ``[a, b]``, ``[c, d]``, ``[e]``."""
    size = max(int(size), 1)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _geocode_chunk(
    chunk: list[tuple[str, Query]], endpoint: str, timeout: float
) -> dict[str, Answer]:
    """Send one chunk and map each key to its answer."""
    body, content_type = build_form(chunk)
    text = _request_batch(
        body, content_type, url=endpoint, timeout=timeout, policy=_policy()
    )
    try:
        parsed = _parse_results(text)
    except ValueError as error:
        raise BanRejected(
            f"Géocodage en ligne refusé (réponse illisible : {error}) : {KEPT}."
        ) from error
    return _match_answers(parsed, [key for key, _ in chunk])


class _NoRedirect(HTTPRedirectHandler):
    """urllib would turn a redirected POST into a GET without body: surface the 3xx instead."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = build_opener(_NoRedirect)


def _request_batch(
    body: bytes, content_type: str, *, url: str, timeout: float, policy: RetryPolicy
) -> str:
    """POST one batch and return the CSV text; retries 429/5xx/slow answers per ``policy``."""
    reason = ""
    for attempt in range(policy.max_retries + 1):
        retry_after = None
        try:
            return _post(url, body, content_type, timeout)
        except HTTPError as error:
            if error.code not in RETRY_STATUSES:
                raise BanRejected(_rejected_message(error)) from error
            retry_after = error.headers.get("Retry-After") if error.code == 429 else None
            reason = (
                "trop de requêtes, HTTP 429"
                if error.code == 429
                else f"erreur HTTP {error.code} du service"
            )
        except URLError as error:  # DNS failure, connection refused, connect timeout
            raise BanUnavailable(_unreachable_message(error)) from error
        except TimeoutError:
            reason = f"pas de réponse en {timeout:g} s"
        except (ConnectionError, http.client.HTTPException) as error:
            reason = f"connexion interrompue : {type(error).__name__}"
        if attempt < policy.max_retries:
            time.sleep(policy.wait(attempt, retry_after))
    tries = policy.max_retries + 1
    raise BanUnavailable(f"Géocodage en ligne indisponible ({reason}, {tries} essai(s)) : {KEPT}.")


def _unreachable_message(error: URLError) -> str:
    """One French line for a service that could not be reached at all."""
    if isinstance(error.reason, ssl.SSLCertVerificationError):
        return f"Géocodage en ligne indisponible (certificat TLS du service refusé) : {KEPT}."
    return f"Géocodage en ligne indisponible (réseau injoignable) : {KEPT}."


def _post(url: str, body: bytes, content_type: str, timeout: float) -> str:
    """One POST; the whole answer must arrive within ``timeout`` seconds of the request."""
    headers = {
        "Content-Type": content_type,
        "Accept": "text/csv",
        "User-Agent": f"influ_geo/{__version__}",
    }
    request = Request(url, data=body, headers=headers, method="POST")
    deadline = time.monotonic() + timeout
    with _OPENER.open(request, timeout=timeout) as response:
        raw = bytearray()
        while chunk := response.read(65536):
            raw += chunk
            if time.monotonic() > deadline:
                raise TimeoutError("answer too slow")
        charset = response.headers.get_content_charset() or "utf-8"
    return _decode(bytes(raw), charset)


def _decode(raw: bytes, charset: str) -> str:
    """Bytes of the answer as text; a UTF-8 BOM is dropped."""
    try:
        return raw.decode("utf-8-sig" if charset.lower().startswith("utf-8") else charset)
    except (LookupError, UnicodeDecodeError) as error:
        raise BanRejected(
            f"Géocodage en ligne refusé (réponse mal encodée : {error}) : {KEPT}."
        ) from error


def _rejected_message(error: HTTPError) -> str:
    """One French line for a 3xx/4xx answer, with the server's own words when short."""
    if 300 <= error.code < 400:
        where = error.headers.get("Location", "?")
        hint = f"redirection vers {where} : vérifiez INFLU_GEO_BAN_URL"
        return f"Géocodage en ligne refusé ({hint}) : {KEPT}."
    try:
        detail = " ".join(error.read(300).decode("utf-8", "replace").split())[:160]
    except (OSError, http.client.HTTPException):
        detail = ""
    detail = f" : {detail}" if detail else ""
    return f"Géocodage en ligne refusé (HTTP {error.code}{detail}) : {KEPT}."


def _parse_results(text: str) -> pd.DataFrame:
    """The service's CSV answer ⇒ one row per input row, indexed by ``ID_COLUMN`` when present.

    ``"influ_geo_ligne,…,latitude,longitude,result_score,result_type,…\\r\\n0,…,48.849913,
    2.309683,0.97,housenumber,…"`` ⇒ ``lon=2.309683, lat=48.849913, geo_score=0.97, …,
    status="ok"``. Columns: ``lon, lat, geo_score, result_type, citycode, label, status``.
    Raises ValueError when the text is not a geocoding CSV (no latitude/longitude header).
    """
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    names = reader.fieldnames or []
    if "latitude" not in names or "longitude" not in names:
        found = ", ".join(names[:6]) or "vide"
        raise ValueError(f"colonnes latitude/longitude absentes ({found})")
    rows = list(reader)
    frame = pd.DataFrame.from_records(
        [_parse_row(row) for row in rows], columns=[*OUTPUT_COLUMNS, "status"]
    ).astype({"lon": float, "lat": float, "geo_score": float})
    if ID_COLUMN in names:
        frame.index = pd.Index([(row[ID_COLUMN] or "").strip() for row in rows], name=ID_COLUMN)
    return frame


def _delimiter(text: str) -> str:
    """The separator of the header line: ``"a;b;latitude"`` ⇒ ``";"`` (the service echoes ours)."""
    header = text.split("\n", 1)[0]
    return max(",;\t|", key=header.count)


def _parse_row(row: dict[str, str | None]) -> tuple:
    """One CSV row ⇒ (lon, lat, score, type, citycode, label, status); unplaced ⇒ NaN and ""."""
    lon, lat = _number(row.get("longitude")), _number(row.get("latitude"))
    status = (row.get("result_status") or "").strip()
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN fails both comparisons
        return (math.nan, math.nan, math.nan, "", "", "", status or "not-found")
    score = min(max(_number(row.get("result_score")), 0.0), 1.0)
    cells = [(row.get(name) or "").strip() for name in _TEXT_RESULTS]
    return (lon, lat, score, *cells, status or "ok")


_TEXT_RESULTS = ("result_type", "result_citycode", "result_label")


def _number(cell: str | None) -> float:
    """``"48.85"`` ⇒ 48.85; ``""``, None or junk ⇒ NaN."""
    try:
        return float(cell) if cell not in (None, "") else math.nan
    except ValueError:
        return math.nan


def _match_answers(parsed: pd.DataFrame, keys: list[str]) -> dict[str, Answer]:
    """Map each sent key to its answer by echoed row id (by position if the id was dropped)."""
    records = list(parsed.itertuples(index=False))
    if parsed.index.name == ID_COLUMN:
        by_id = dict(zip(parsed.index, records, strict=True))
        records = [by_id.get(str(position)) for position in range(len(keys))]
    elif len(records) != len(keys):
        got = f"{len(records)} lignes reçues pour {len(keys)} envoyées"
        raise BanRejected(f"Géocodage en ligne refusé ({got}) : {KEPT}.")
    return {key: _answer(record) for key, record in zip(keys, records, strict=True)}


def _answer(row: tuple | None) -> Answer:
    """A parsed row ⇒ Answer; a row missing from the answer counts as an error (not cached)."""
    if row is None:
        return Answer(None, None, None, "", "", "", "error")
    lon, lat, score, kind, citycode, label, status = row
    placed = not math.isnan(lon)
    return Answer(
        lon if placed else None,
        lat if placed else None,
        None if math.isnan(score) else score,
        kind,
        citycode,
        label,
        status,
    )


def _assemble(index: pd.Index, keys: list[str | None], answers: dict[str, Answer]) -> pd.DataFrame:
    """The output frame in input order; rows without an answer are unplaced."""
    empty = Answer(None, None, None, "", "", "", "")
    rows = [answers.get(k, empty) if k else empty for k in keys]
    frame = pd.DataFrame(
        {
            "lon": pd.array([r.lon if r.lon is not None else math.nan for r in rows], dtype=float),
            "lat": pd.array([r.lat if r.lat is not None else math.nan for r in rows], dtype=float),
            "geo_score": pd.array(
                [r.score if r.score is not None else math.nan for r in rows], dtype=float
            ),
            "result_type": [r.type if r.lon is not None else "" for r in rows],
            "citycode": [r.citycode if r.lon is not None else "" for r in rows],
            "label": [r.label if r.lon is not None else "" for r in rows],
        },
        index=index,
    )
    return frame.astype({"result_type": str, "citycode": str, "label": str})
