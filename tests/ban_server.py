"""A real HTTP server on 127.0.0.1 that imitates the BAN batch endpoint ``POST /search/csv/``.

It follows the contract of the national address geocoder (addok-csv and the Géoplateforme):
a ``multipart/form-data`` upload with the CSV in ``data``, ``columns=<col>`` repeated for the
address columns, ``postcode=<col>`` / ``citycode=<col>`` naming the columns that filter each
row (an empty cell means no filter for that row), optional ``delimiter`` and ``encoding``
(default ``utf-8-sig``). It answers the input columns followed by the result columns, one
row per input row, in order. As on the real service, addresses of Paris, Lyon and Marseille
carry their arrondissement code (``75107``), not the commune code (``75056``).

Misbehaviour is configured on the instance: ``fail_429`` answers 429 with ``Retry-After``
that many times, ``fail_500`` answers 500 that many times, ``delay`` sleeps before answering.

Run it by hand for a demo: ``python tests/ban_server.py 7878``.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import threading
import unicodedata
import zlib
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESULT_COLUMNS = [
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_name",
    "result_street",
    "result_postcode",
    "result_city",
    "result_context",
    "result_citycode",
    "result_status",
]


@dataclass(frozen=True)
class Adresse:
    """One entry of the address table; coordinates are WGS84 (lon, lat)."""

    label: str
    type: str
    lon: float
    lat: float
    postcode: str
    citycode: str
    city: str
    context: str
    housenumber: str = ""
    street: str = ""


# A few real places (BAN labels, arrondissement codes for Paris and Lyon).
ADRESSES = (
    Adresse(
        "20 Avenue de Ségur 75007 Paris",
        "housenumber",
        2.309683,
        48.849913,
        "75007",
        "75107",
        "Paris",
        "75, Paris, Île-de-France",
        "20",
        "Avenue de Ségur",
    ),
    Adresse(
        "Avenue de Ségur 75007 Paris",
        "street",
        2.309520,
        48.849120,
        "75007",
        "75107",
        "Paris",
        "75, Paris, Île-de-France",
        "",
        "Avenue de Ségur",
    ),
    Adresse(
        "Cours Napoléon 20000 Ajaccio",
        "street",
        8.736970,
        41.924810,
        "20000",
        "2A004",
        "Ajaccio",
        "2A, Corse-du-Sud, Corse",
        "",
        "Cours Napoléon",
    ),
    Adresse(
        "Rue de Paris 97400 Saint-Denis",
        "street",
        55.450630,
        -20.879420,
        "97400",
        "97411",
        "Saint-Denis",
        "974, La Réunion",
        "",
        "Rue de Paris",
    ),
    Adresse(
        "Saint-Denis",
        "municipality",
        55.448100,
        -20.882300,
        "97400",
        "97411",
        "Saint-Denis",
        "974, La Réunion",
    ),
    Adresse(
        "Saint-Denis",
        "municipality",
        2.358000,
        48.935800,
        "93200",
        "93066",
        "Saint-Denis",
        "93, Seine-Saint-Denis, Île-de-France",
    ),
    Adresse(
        "1 Place de la Comédie 69001 Lyon",
        "housenumber",
        4.836330,
        45.767590,
        "69001",
        "69381",
        "Lyon",
        "69, Rhône, Auvergne-Rhône-Alpes",
        "1",
        "Place de la Comédie",
    ),
)

# Below this share of common words the service answers "not found".
MIN_SCORE = 0.5


def tokens(text: str) -> set[str]:
    """Lower-case ASCII words: ``"20 Avenue de Ségur"`` ⇒ ``{"20", "avenue", "de", "segur"}``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return set(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def search(q: str, filters: dict[str, str]) -> tuple[Adresse, float] | None:
    """The best entry for ``q`` among those matching every filter, with its score (0–1)."""
    wanted = tokens(q)
    best: tuple[Adresse, float] | None = None
    for adresse in ADRESSES:
        if any(getattr(adresse, key) != value for key, value in filters.items()):
            continue
        label = tokens(adresse.label)
        score = len(wanted & label) / len(wanted | label) if wanted else 0.0
        if score >= MIN_SCORE and (best is None or score > best[1]):
            best = (adresse, score)
    return best


def result_cells(q: str, filters: dict[str, str]) -> dict[str, str]:
    """The result columns for one row (``result_status`` as on the Géoplateforme)."""
    cells = dict.fromkeys(RESULT_COLUMNS, "")
    if len(q) < 3 or not (q[0].lower() != q[0].upper() or q[0] in "0123456789"):
        cells["result_status"] = "skipped"
        return cells
    found = search(q, filters)
    if found is None:
        cells["result_status"] = "not-found"
        return cells
    adresse, score = found
    cells.update(
        latitude=str(adresse.lat),
        longitude=str(adresse.lon),
        result_label=adresse.label,
        result_score=f"{score:.2f}",
        result_type=adresse.type,
        result_id=f"{adresse.citycode}_{zlib.crc32(adresse.label.encode()) % 10**5:05d}",
        result_housenumber=adresse.housenumber,
        result_name=adresse.street or adresse.city,
        result_street=adresse.street,
        result_postcode=adresse.postcode,
        result_city=adresse.city,
        result_context=adresse.context,
        result_citycode=adresse.citycode,
        result_status="ok",
    )
    return cells


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, list[str]], bytes | None]:
    """Split a multipart body into its text fields (repeatable) and the ``data`` file."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not a multipart/form-data body")
    fields: dict[str, list[str]] = {}
    data = None
    for part in message.iter_parts():
        name = _part_name(part)
        payload = part.get_payload(decode=True) or b""
        if name == "data":
            data = payload
        elif name:
            fields.setdefault(name, []).append(payload.decode("utf-8"))
    return fields, data


def _part_name(part: Message) -> str | None:
    """The ``name`` of a form part, from its Content-Disposition header."""
    return part.get_param("name", header="content-disposition")


def geocode_csv(fields: dict[str, list[str]], data: bytes) -> tuple[bytes, str, int]:
    """Answer an uploaded CSV like the service: (body, encoding, rows); ``ValueError`` if bad."""
    encoding = fields.get("encoding", ["utf-8-sig"])[0]
    text = data.decode(encoding)
    delimiter = fields.get("delimiter", [","])[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = list(reader.fieldnames or [])
    columns = fields.get("columns") or names
    filters = {key: fields[key][0] for key in ("postcode", "citycode") if key in fields}
    missing = [c for c in [*columns, *filters.values()] if c not in names]
    if missing:
        raise ValueError(f"Cannot found column '{missing[0]}' in columns {names}")
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, [*names, *RESULT_COLUMNS], delimiter=delimiter)
    writer.writeheader()
    rows = 0
    for row in reader:
        q = " ".join((row[c] or "").strip() for c in columns).strip()
        row_filters = {k: row[col] for k, col in filters.items() if row[col]}
        writer.writerow({**row, **result_cells(q, row_filters)})
        rows += 1
    return out.getvalue().encode(encoding), encoding, rows


@dataclass
class Upload:
    """What one request carried, for the tests to assert on."""

    fields: dict[str, list[str]]
    rows: int


@dataclass
class FakeBan:
    """The server and its knobs; ``url`` is the base URL to give as ``BAN_URL``."""

    fail_429: int = 0
    retry_after: str = "1"
    fail_500: int = 0
    delay: float = 0.0
    uploads: list[Upload] = field(default_factory=list)
    hits: int = 0
    _server: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> FakeBan:
        """Listen on 127.0.0.1 (a free port by default) in a daemon thread."""
        handler = type("Handler", (_Handler,), {"ban": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Wake sleeping handlers, stop serving and free the port."""
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def next_failure(self) -> int | None:
        """The error status the next request must get, if any (counts down the knobs)."""
        with self._lock:
            self.hits += 1
            if self.fail_429 > 0:
                self.fail_429 -= 1
                return 429
            if self.fail_500 > 0:
                self.fail_500 -= 1
                return 500
        return None


class _Handler(BaseHTTPRequestHandler):
    ban: FakeBan
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.rstrip("/") != "/search/csv":
            return self._reply(404, b"Not Found")
        failure = self.ban.next_failure()
        if self.ban.delay and self.ban._stop.wait(self.ban.delay):
            return None
        if failure == 429:
            return self._reply(429, b"Too Many Requests", {"Retry-After": self.ban.retry_after})
        if failure:
            return self._reply(failure, b"Internal Server Error")
        try:
            fields, data = parse_form(self.headers.get("Content-Type", ""), body)
            if data is None:
                raise ValueError("Missing file")
            answer, encoding, rows = geocode_csv(fields, data)
        except (ValueError, UnicodeDecodeError) as error:
            return self._reply(400, str(error).encode())
        self.ban.uploads.append(Upload(fields, rows))
        self._reply(200, answer, {"Content-Type": f"text/csv; charset={encoding}"})

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    server = FakeBan().start(int(sys.argv[1]) if len(sys.argv) > 1 else 7878)
    print(f"Faux service BAN sur {server.url}/search/csv/ (Ctrl-C pour arrêter)")
    threading.Event().wait()
