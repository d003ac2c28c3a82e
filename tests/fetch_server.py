"""A real HTTP server on 127.0.0.1 that mirrors the official open-data downloads.

Files are served under the mirror layout of ``INFLU_GEO_FETCH_BASE_URL``:
``/<host>/<path>`` (``/files.georisques.fr/irep/2023.zip``); a file registered with its
query string (the Géorisques WFS ``outputformat=…``) is matched on it first. The bodies are
the hand-made samples of ``tests/data`` packed as the publishers pack them (the Sirene CSV
inside ``StockEtablissement_utf8.zip``, the IREP CSV as ``2023/etablissements.csv`` inside
``2023.zip``…), and an OpenAgenda agenda answers ``events.v2.json`` in pages of
``page_size`` events with an ``after`` cursor (``after[]=<index>`` asks the next page).

Like a real file server it sends ``ETag``, ``Last-Modified`` and ``Content-Length`` (or
``Transfer-Encoding: chunked`` for paths in ``chunked``), answers ``Range: bytes=N-`` with
206 when ``If-Range`` still matches, and 304 to a matching ``If-None-Match``.

Misbehaviour, set on the instance: ``fail_429[path] = n`` answers 429 with
``Retry-After: retry_after`` n times, ``fail_503[path] = n`` answers 503 n times,
``cut[path] = (n_bytes, times)`` sends the headers and ``n_bytes`` of the body then closes
the connection, ``delay`` sleeps that many seconds before answering anything.
Every request is logged in ``requests`` as ``(path_with_query, headers)``.

Run it by hand: ``python tests/fetch_server.py 8000`` then
``INFLU_GEO_FETCH_BASE_URL=http://127.0.0.1:8000 python -m influ_geo fetch irep --annee 2023``.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import sys
import threading
import zipfile
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).parent / "data"
AGENDA_UID = "12345678"
IREP_YEAR = 2023
# Fixed modification time of the served files (an HTTP date, as file servers send).
LAST_MODIFIED = formatdate(1_735_689_600, usegmt=True)


def zipped(member: str, data: bytes) -> bytes:
    """A deterministic zip holding ``data`` as ``member`` (fixed date, deflated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(member, date_time=(2025, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def mirror_path(url: str) -> str:
    """``https://files.georisques.fr/irep/2023.zip`` ⇒ ``/files.georisques.fr/irep/2023.zip``."""
    parts = urlsplit(url)
    return f"/{parts.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def official_files(config) -> dict[str, bytes]:
    """Mirror path ⇒ body for every file ``fetch`` knows (URLs read from ``config``)."""
    read = lambda name: (DATA / name).read_bytes()  # noqa: E731
    return {
        mirror_path(config.ICPE_URL.format(format="SHAPEZIP")): read("sites/icpe_shapefile.zip"),
        mirror_path(config.ICPE_URL.format(format="csv")): read("sites/icpe_wfs.csv"),
        mirror_path(config.SIRENE_STOCK_URL): zipped(
            "StockEtablissement_utf8.csv", read("sites/sirene_stock.csv")),
        mirror_path(config.SIRENE_GEOLOC_URL): zipped(
            "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.csv",
            read("sites/sirene_geolocalisation.csv")),
        mirror_path(config.IREP_URL.format(annee=IREP_YEAR)): zipped(
            f"{IREP_YEAR}/etablissements.csv", read("sites/irep_etablissements.csv")),
        mirror_path(config.TERRITOIRES_INDUSTRIE_URL): read("ti/liste-ti-com2023.csv"),
    }


def agenda_events() -> list[dict]:
    """The events of the sample ``events.v2.json`` export."""
    return json.loads((DATA / "events" / "openagenda_events.v2.json").read_text("utf-8"))["events"]


@dataclass
class FetchServer:
    """The mirror; ``start()`` serves it in a thread, ``stop()`` ends it."""

    files: dict[str, bytes] = field(default_factory=dict)
    agendas: dict[str, list[dict]] = field(default_factory=dict)
    page_size: int = 3
    chunked: set[str] = field(default_factory=set)
    ranges: bool = True
    fail_429: dict[str, int] = field(default_factory=dict)
    fail_503: dict[str, int] = field(default_factory=dict)
    retry_after: str = "1"
    cut: dict[str, tuple[int, int]] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> FetchServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes handlers sleeping in ``delay``
        self._server.shutdown()
        self._server.server_close()

    def take(self, counters: dict[str, int], path: str) -> bool:
        """Use one planned failure of ``path`` if any is left."""
        with self._lock:
            if counters.get(path, 0) <= 0:
                return False
            counters[path] -= 1
            return True

    def take_cut(self, path: str) -> int | None:
        with self._lock:
            n_bytes, times = self.cut.get(path, (0, 0))
            if times <= 0:
                return None
            self.cut[path] = (n_bytes, times - 1)
            return n_bytes


def etag_of(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:16] + '"'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked transfer needs it

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    @property
    def fake(self) -> FetchServer:
        return self.server.fake  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        fake, path = self.fake, urlsplit(self.path).path
        fake.requests.append((self.path, dict(self.headers.items())))
        if fake.delay and fake._stop.wait(fake.delay):
            return
        if fake.take(fake.fail_429, path):
            return self._reply(429, b"Too Many Requests", {"Retry-After": fake.retry_after})
        if fake.take(fake.fail_503, path):
            return self._reply(503, b"Service Unavailable")
        if path in fake.agendas:
            return self._agenda_page(fake.agendas[path])
        data = fake.files.get(self.path, fake.files.get(path))
        if data is None:
            return self._reply(404, b"<html><body>404 Not Found</body></html>",
                               {"Content-Type": "text/html"})
        self._file(path, data)

    def _file(self, path: str, data: bytes) -> None:
        fake, etag = self.fake, etag_of(data)
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Accept-Ranges": "bytes"}
        if self.headers.get("If-None-Match") == etag:
            return self._reply(304, b"", headers)
        status, body = 200, data
        start = _range_start(self.headers.get("Range"))
        if_range = self.headers.get("If-Range")
        if fake.ranges and start is not None and if_range in (None, etag, LAST_MODIFIED):
            if start >= len(data):
                return self._reply(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            status, body = 206, data[start:]
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        cut = fake.take_cut(path)
        if path in fake.chunked:
            return self._chunked(status, body, headers, cut)
        self._reply(status, body, headers, cut)

    def _agenda_page(self, events: list[dict]) -> None:
        """Page of ``page_size`` events from index ``after[]`` (0 without it)."""
        query = parse_qs(urlsplit(self.path).query)
        start = int((query.get("after[]") or ["0"])[0])
        stop = start + self.fake.page_size
        page = {"total": len(events), "events": events[start:stop],
                "after": [stop] if stop < len(events) else None}
        self._reply(200, json.dumps(page, ensure_ascii=False).encode(),
                    {"Content-Type": "application/json; charset=utf-8"})

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None,
               cut: int | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body if cut is None else body[:cut])
        if cut is not None:
            self._hang_up()

    def _chunked(self, status: int, body: bytes, headers: dict[str, str], cut: int | None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = body if cut is None else body[:cut]
        for offset in range(0, len(sent), 1000):
            piece = sent[offset : offset + 1000]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        if cut is not None:
            return self._hang_up()
        self.wfile.write(b"0\r\n\r\n")

    def _hang_up(self) -> None:
        """Close the connection mid-body, as a dropped link or a restarted server does."""
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


def _range_start(header: str | None) -> int | None:
    """``"bytes=1024-"`` ⇒ 1024; anything else ⇒ None (only open-ended ranges are used)."""
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return None
    value = header[len("bytes=") : -1]
    return int(value) if value.isdigit() else None


def serve_official(port: int = 0) -> FetchServer:
    """The mirror with every official file and the sample agenda ``AGENDA_UID``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from influ_geo import config

    server = FetchServer(files=official_files(config))
    server.agendas[mirror_path(config.OPENAGENDA_URL.format(uid=AGENDA_UID))] = agenda_events()
    return server.start(port)


if __name__ == "__main__":
    running = serve_official(int(sys.argv[1]) if len(sys.argv) > 1 else 8000)
    print(f"Miroir des fichiers officiels sur {running.url} (Ctrl-C pour arrêter)")
    threading.Event().wait()
