"""Download the official open-data files into ``data/raw/<source>/``.

- ``icpe``: Géorisques WFS export ``InstallationsClassees.zip`` (shapefile) or ``.csv``
  (``icpe_format="csv"``) ⇒ sites;
- ``sirene``: ``StockEtablissement_utf8.zip`` (~700 MB) and INSEE's geolocation zip
  (~1.2 GB, skipped with ``geolocalisation=False``) ⇒ sites;
- ``irep``: ``{annee}.zip`` of the register of pollutant releases ⇒ sites;
- ``territoires-industrie``: ANCT list ``liste-ti-com2023-20240704.csv`` ⇒ territoires-industrie;
- ``openagenda``: ``events.v2.json`` of agenda ``uid``, every page merged ⇒ events.

URLs come from ``config`` (one ``INFLU_GEO_*_URL`` each); ``INFLU_GEO_FETCH_BASE_URL``
sends every request to a mirror laid out as ``<base>/<host>/<path>``:
``https://files.georisques.fr/irep/2023.zip`` ⇒ ``http://127.0.0.1:8000/files.georisques.fr/irep/2023.zip``.

    files = fetch_source("irep", annee=2023, progress=lambda done, total: ...)
    files[0].path, files[0].sha256      # data/raw/irep/2023.zip, "9f86d0…"

The files are streamed, checked and renamed atomically by ``influ_geo.download``.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from influ_geo import config, safe_zip
from influ_geo.download import Downloaded, FetchRejected, Progress, download, get_bytes
from influ_geo.download_records import write_atomic, write_record

SOURCES = ("icpe", "sirene", "irep", "territoires-industrie", "openagenda")
# --format ⇒ (WFS outputformat, file name, import format).
ICPE_FORMATS = {"shapezip": ("SHAPEZIP", "InstallationsClassees.zip", "icpe-shapefile"),
                "csv": ("csv", "InstallationsClassees.csv", "icpe-csv")}
FIRST_IREP_YEAR = 2003


class FetchOptionError(ValueError):
    """A source or option that cannot be fetched; the message is one French line."""


@dataclass(frozen=True)
class RemoteFile:
    """One official file: where it is, where it goes, and how the import reads it."""

    source: str  # folder under data/raw, e.g. "sirene"
    url: str  # the official URL, before any mirror
    file_name: str  # e.g. "StockEtablissement_utf8.zip"
    setting: str  # the variable that overrides the URL, e.g. "INFLU_GEO_SIRENE_STOCK_URL"
    kind: str  # import kind: "sites" | "events" | "territoires-industrie"
    format: str  # import format (importers.FORMATS): "sirene", "irep", "ti"…; "" not imported
    paged: bool = False  # OpenAgenda: JSON pages merged into one file


def remote_files(source: str, *, annee: int | None = None, uid: str | None = None,
                 icpe_format: str = "shapezip", geolocalisation: bool = True) -> list[RemoteFile]:
    """The files of ``source``: ``remote_files("irep", annee=2023)`` ⇒ ``[…/irep/2023.zip]``."""
    if source == "icpe":
        return [_icpe(icpe_format)]
    if source == "sirene":
        return _sirene(geolocalisation)
    if source == "irep":
        return [_irep(annee)]
    if source == "territoires-industrie":
        url = config.TERRITOIRES_INDUSTRIE_URL
        return [RemoteFile(source, url, _last_segment(url), "INFLU_GEO_TERRITOIRES_INDUSTRIE_URL",
                           "territoires-industrie", "ti")]
    if source == "openagenda":
        return [_openagenda(uid)]
    raise FetchOptionError(f"source « {source} » inconnue (attendu : {', '.join(SOURCES)}).")


def _icpe(icpe_format: str) -> RemoteFile:
    if icpe_format not in ICPE_FORMATS:
        raise FetchOptionError(f"format ICPE « {icpe_format} » inconnu "
                               f"(attendu : {', '.join(ICPE_FORMATS)}).")
    output, name, import_format = ICPE_FORMATS[icpe_format]
    return RemoteFile("icpe", config.ICPE_URL.format(format=output), name, "INFLU_GEO_ICPE_URL",
                      "sites", import_format)


def _sirene(geolocalisation: bool) -> list[RemoteFile]:
    stock = RemoteFile("sirene", config.SIRENE_STOCK_URL, _last_segment(config.SIRENE_STOCK_URL),
                       "INFLU_GEO_SIRENE_STOCK_URL", "sites", "sirene")
    if not geolocalisation:
        return [stock]
    geo = RemoteFile("sirene", config.SIRENE_GEOLOC_URL, _last_segment(config.SIRENE_GEOLOC_URL),
                     "INFLU_GEO_SIRENE_GEOLOC_URL", "sites", "")  # joined to the stock
    return [stock, geo]


def _irep(annee: int | None) -> RemoteFile:
    last = date.today().year
    if annee is None:
        raise FetchOptionError("irep : précisez l'année avec --annee "
                               f"(par exemple --annee {last - 2}).")
    if not FIRST_IREP_YEAR <= annee <= last:
        raise FetchOptionError(f"irep : année {annee} hors de la période publiée "
                               f"({FIRST_IREP_YEAR}–{last}).")
    url = config.IREP_URL.format(annee=annee)
    return RemoteFile("irep", url, f"{annee}.zip", "INFLU_GEO_IREP_URL", "sites", "irep")


def _openagenda(uid: str | None) -> RemoteFile:
    if not uid or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", uid):
        raise FetchOptionError("openagenda : précisez l'identifiant de l'agenda avec --uid "
                               "(le nombre de son adresse, par exemple --uid 12345678).")
    url = config.OPENAGENDA_URL.format(uid=quote(uid))
    return RemoteFile("openagenda", url, f"agenda-{uid}.events.v2.json", "INFLU_GEO_OPENAGENDA_URL",
                      "events", "openagenda", paged=True)


def _last_segment(url: str) -> str:
    """``https://h/a/b/liste.csv?x=1`` ⇒ ``liste.csv``."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or "fichier"


def mirrored(url: str, base: str | None = None) -> str:
    """The URL on the mirror ``base`` (``config.FETCH_BASE_URL``), or ``url`` without one.

    ``("https://files.georisques.fr/irep/2023.zip", "http://127.0.0.1:8000")`` ⇒
    ``"http://127.0.0.1:8000/files.georisques.fr/irep/2023.zip"`` (query string kept).
    """
    base = config.FETCH_BASE_URL if base is None else base
    if not base:
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{base.rstrip('/')}/{parts.netloc}{parts.path}{query}"


def fetch_source(source: str, *, dest_dir: Path | None = None, progress: Progress | None = None,
                 resume: bool = True, **options: object) -> list[Downloaded]:
    """Download every file of ``source`` into ``<dest_dir>/<source>/``, in order.

    Parameters
    ----------
    dest_dir
        Defaults to ``config.FETCH_DIR`` (``data/raw``).
    progress
        ``progress(done, total)`` for each file in turn: bytes (``total`` None when the
        server does not announce the size); events for OpenAgenda.
    options
        ``annee`` (irep), ``uid`` (openagenda), ``icpe_format`` (``shapezip`` | ``csv``),
        ``geolocalisation`` (sirene, default True).

    Returns one ``Downloaded`` per file (path, size, sha256, up_to_date…).
    Raises ``FetchOptionError``, ``FetchUnavailable`` or ``FetchRejected`` (French line).
    """
    return [fetch_file(remote, dest_dir=dest_dir, progress=progress, resume=resume)
            for remote in remote_files(source, **options)]


def fetch_file(remote: RemoteFile, *, dest_dir: Path | None = None,
               progress: Progress | None = None, resume: bool = True) -> Downloaded:
    """Download one official file (through the mirror when one is set)."""
    dest = (dest_dir or config.FETCH_DIR) / remote.source / remote.file_name
    url = mirrored(remote.url)
    try:
        if remote.paged:
            return fetch_openagenda(url, dest, progress=progress)
        return download(url, dest, progress=progress, resume=resume,
                        check=lambda part: check_content(part, remote.file_name, url))
    except FetchRejected as error:
        raise FetchRejected(f"{error} (adresse réglable par {remote.setting})") from error


def check_content(path: Path, file_name: str, url: str) -> None:
    """Refuse what is obviously not the file: an HTML page or XML error instead of data."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if file_name.lower().endswith(".zip"):
        if zipfile.is_zipfile(path):
            _check_archive(path, file_name, url)
            return
        what = "ce n'est pas une archive zip"
    elif head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        what = "page HTML ou message XML au lieu de données"
    elif not head.strip():
        what = "fichier vide"
    else:
        return
    start = " ".join(head[:80].decode("utf-8", "replace").split())
    raise FetchRejected(f"Réponse inattendue pour {file_name} ({what}, "
                        f"début : « {start} ») : {url}")


def _check_archive(path: Path, file_name: str, url: str) -> None:
    """A downloaded zip that is a bomb (``safe_zip``) is refused before anyone unpacks it."""
    try:
        safe_zip.check_zip(path)
    except safe_zip.UnsafeArchive as error:
        detail = str(error).split(" : ", 1)[-1]
        raise FetchRejected(f"Réponse refusée pour {file_name} ({detail}) : {url}") from error


# ---------------------------------------------------------------- OpenAgenda

def fetch_openagenda(url: str, dest: Path, *, progress: Progress | None = None) -> Downloaded:
    """Every page of an agenda's ``events.v2.json``, merged into one file of the same shape.

    A page is ``{"total": 123, "events": [...], "after": [cursor…]}``; while ``after`` is
    given and the page had events, the next page is asked with ``after[]=cursor``.
    The result is ``{"total": <events>, "events": [...]}`` written atomically.
    """
    events: list[dict] = []
    page_url, seen, started = url, set(), time.monotonic()
    for _ in range(config.OPENAGENDA_MAX_PAGES):
        page = parse_page(get_bytes(page_url), page_url)
        events.extend(page["events"])
        if progress is not None:
            progress(len(events), _total(page, len(events)))
        after = page.get("after")
        key = json.dumps(after, sort_keys=True)
        if not page["events"] or after in (None, "", []) or key in seen:
            break
        seen.add(key)
        page_url = with_cursor(url, after)
    else:
        raise FetchRejected(f"OpenAgenda : plus de {config.OPENAGENDA_MAX_PAGES} pages, "
                            f"pagination interrompue (INFLU_GEO_OPENAGENDA_MAX_PAGES) : {url}")
    data = json.dumps({"total": len(events), "events": events}, ensure_ascii=False).encode()
    sha256 = write_atomic(dest, data)
    write_record(dest, url, len(data), sha256)
    return Downloaded(dest, url, len(data), sha256, time.monotonic() - started)


def parse_page(body: bytes, url: str) -> dict:
    """One answer ⇒ ``{"events": [...], …}``; a bare list is one page without cursor."""
    try:
        page = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise FetchRejected(f"OpenAgenda : réponse illisible ({error.__class__.__name__}) : "
                            f"{url}") from error
    if isinstance(page, list):
        page = {"events": page}
    if not isinstance(page, dict) or not isinstance(page.get("events"), list):
        raise FetchRejected(f"OpenAgenda : pas de liste « events » dans la réponse : {url}")
    return page


def _total(page: dict, done: int) -> int | None:
    """The agenda's announced event count, when the page gives a sensible one."""
    total = page.get("total")
    return total if isinstance(total, int) and total >= done else None


def with_cursor(url: str, after: object) -> str:
    """``(u, [1712, "abc"])`` ⇒ ``u?after%5B%5D=1712&after%5B%5D=abc``; a scalar ⇒ ``after=``."""
    if isinstance(after, list):
        pairs = [("after[]", str(value)) for value in after]
    else:
        pairs = [("after", str(after))]
    return f"{url}{'&' if '?' in url else '?'}{urlencode(pairs)}"
