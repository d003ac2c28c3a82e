"""Step 1 of the geocoding chain: the coordinates a row already carries.

WGS84 ``lon``/``lat`` columns, or projected ``x``/``y`` with a per-row EPSG code
(Lambert-93 2154, Antilles 5490, Guyane 2972, Réunion 2975, Mayotte 4471…) reprojected
with ``always_xy=True``. A pair is kept only if it is finite, not (0, 0) and inside one
of the boxes of France; a lat/lon swap is detected and corrected. Every rejected pair
gets a French note and the row falls through to the next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyproj
from pyproj.exceptions import CRSError

from influ_geo.locate import in_france_boxes
from influ_geo.textnorm import map_distinct

WGS84_EPSG = 4326
LAMBERT93_EPSG = 2154
# Spellings of a CRS met in user files besides a bare EPSG number.
EPSG_ALIASES = {"L93": 2154, "LAMBERT93": 2154, "RGF93LAMBERT93": 2154, "WGS84": 4326}
_EPSG_DIGITS = re.compile(r"(\d{4,6})")
# Lambert-93 covers metropolitan France with x ∈ [0, 1.3e6] m, y ∈ [6.0e6, 7.2e6] m.
_L93_X = (0.0, 1.3e6)
_L93_Y = (6.0e6, 7.2e6)

# Cells that mean "no value": Sirene writes [ND] for undisclosed coordinates.
MISSING_MARKERS = frozenset({"", "[ND]", "ND", "NA", "N/A", "NAN", "NULL", "NONE", "\\N", "-"})

NOTE_ZERO = "coordonnées (0, 0) ignorées"
NOTE_UNREADABLE = "coordonnées illisibles ignorées"
NOTE_INCOMPLETE = "coordonnée incomplète ignorée"
NOTE_OUTSIDE = "coordonnées hors de France ignorées"
NOTE_SWAPPED = "latitude et longitude inversées, corrigées"
NOTE_L93_GUESS = "EPSG absent : Lambert-93 supposé"
NOTE_NO_EPSG = "x/y sans EPSG ignorés"
NOTE_BAD_EPSG = "EPSG inconnu"


@dataclass
class SourcePoints:
    """WGS84 points taken from the rows; NaN where a row has none usable."""

    lon: np.ndarray
    lat: np.ndarray
    note: np.ndarray  # object: "" or one French note
    swapped: np.ndarray  # bool


def parse_numbers(values: pd.Series) -> np.ndarray:
    """Numbers written by hand: ``["48,85", " 2.35 ", "", "abc", "1 234,5"]`` ⇒
    ``[48.85, 2.35, nan, nan, 1234.5]`` (``inf`` stays ``inf``)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype(object).where(values.notna(), "").astype(str)
    text = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _present(values: pd.Series | None, n: int) -> np.ndarray:
    """True where a cell holds something: not empty, NaN or a "no value" marker such as
    Sirene's ``[ND]`` (not disclosed)."""
    if values is None:
        return np.zeros(n, dtype=bool)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip().str.upper()
    return (~text.isin(MISSING_MARKERS)).to_numpy()


def parse_epsg(value: object) -> int:
    """``"2154"``, ``2154.0``, ``"EPSG:2154"``, ``"Lambert 93"`` ⇒ ``2154``; unknown ⇒ ``-1``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return -1
    text = str(value).upper().replace(" ", "").replace("-", "")
    if text in EPSG_ALIASES:
        return EPSG_ALIASES[text]
    match = _EPSG_DIGITS.search(text.removesuffix(".0"))
    return int(match.group(1)) if match else -1


@lru_cache(maxsize=64)
def _transformer(epsg: int) -> pyproj.Transformer:
    """EPSG code ⇒ WGS84, cached (``CRSError`` for a code pyproj does not know)."""
    # always_xy: x/easting/longitude first whatever the axis order of the CRS definition.
    return pyproj.Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def _guess_epsg(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Without an EPSG column: degrees ⇒ 4326, Lambert-93 ranges ⇒ 2154, else ``-1``."""
    degrees = (np.abs(x) <= 180) & (np.abs(y) <= 90)
    l93 = (x >= _L93_X[0]) & (x <= _L93_X[1]) & (y >= _L93_Y[0]) & (y <= _L93_Y[1])
    return np.where(degrees, WGS84_EPSG, np.where(l93, LAMBERT93_EPSG, -1))


def reproject(
    x: np.ndarray, y: np.ndarray, epsg: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Projected x/y to WGS84 lon/lat, one transformer per distinct EPSG code.

    ``reproject([652470.0], [6862035.0], [2154])`` ⇒ ``([2.3488], [48.8534], [""])``.
    Returns lon, lat (NaN where impossible) and a note per row.
    """
    n = len(x)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    note = np.full(n, "", dtype=object)
    finite = np.isfinite(x) & np.isfinite(y)
    if epsg is None:
        epsg = _guess_epsg(x, y)
        note[finite & (epsg == LAMBERT93_EPSG)] = NOTE_L93_GUESS
    note[finite & (epsg < 0)] = NOTE_NO_EPSG
    for code in np.unique(epsg[finite & (epsg > 0)]):
        rows = finite & (epsg == code)
        try:
            lon[rows], lat[rows] = _transformer(int(code)).transform(x[rows], y[rows])
        except CRSError:
            note[rows] = f"{NOTE_BAD_EPSG} : {int(code)}"
    return lon, lat, note


def check_points(
    lon: np.ndarray, lat: np.ndarray, present: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keep the pairs that can be in France; fix swapped ones.

    ``present`` marks rows where some coordinate was written (a note explains why it
    was dropped). Returns lon, lat (NaN when dropped), note, swapped.
    """
    note = np.full(len(lon), "", dtype=object)
    lon, lat = lon.copy(), lat.copy()
    finite = np.isfinite(lon) & np.isfinite(lat)
    note[present & ~finite] = NOTE_UNREADABLE
    zero = finite & (lon == 0) & (lat == 0)
    note[zero] = NOTE_ZERO
    inside = finite & ~zero & in_france_boxes(lon, lat)
    swapped = finite & ~zero & ~inside & in_france_boxes(lat, lon)
    lon[swapped], lat[swapped] = lat[swapped], lon[swapped].copy()
    note[swapped] = NOTE_SWAPPED
    outside = finite & ~zero & ~inside & ~swapped
    note[outside] = [f"{NOTE_OUTSIDE} : ({a:.5g}, {b:.5g})" for a, b in
                     zip(lon[outside], lat[outside], strict=True)]
    drop = ~(inside | swapped)
    lon[drop], lat[drop] = np.nan, np.nan
    return lon, lat, note, swapped


def source_points(inputs: pd.DataFrame) -> SourcePoints:
    """Step 1 over canonical columns ``lon, lat`` and/or ``x, y, epsg`` (any may be absent).

    WGS84 columns win; x/y fill the rows where they are empty or unusable.
    """
    n = len(inputs)
    nan = np.full(n, np.nan)
    lon = parse_numbers(inputs["lon"]) if "lon" in inputs else nan
    lat = parse_numbers(inputs["lat"]) if "lat" in inputs else nan
    present = _present(inputs.get("lon"), n) | _present(inputs.get("lat"), n)
    lon, lat, note, swapped = check_points(lon, lat, present)
    half = present & (_present(inputs.get("lon"), n) != _present(inputs.get("lat"), n))
    note[half] = NOTE_INCOMPLETE
    if "x" in inputs and "y" in inputs:
        _fill_from_xy(inputs, np.isnan(lon), lon, lat, note, swapped)
    return SourcePoints(lon, lat, note, swapped)


def _fill_from_xy(inputs: pd.DataFrame, todo: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                  note: np.ndarray, swapped: np.ndarray) -> None:
    """Reproject x/y where ``todo`` and write the accepted points and notes in place."""
    n = len(inputs)
    x, y = parse_numbers(inputs["x"])[todo], parse_numbers(inputs["y"])[todo]
    epsg = None
    if "epsg" in inputs:
        epsg = map_distinct(inputs["epsg"], parse_epsg).to_numpy(dtype=np.int64)[todo]
    px, py, xy_note = reproject(x, y, epsg)
    present = (_present(inputs["x"], n) | _present(inputs["y"], n))[todo]
    usable = (xy_note == "") | (xy_note == NOTE_L93_GUESS)
    px, py, check_note, xy_swapped = check_points(px, py, present & usable)
    rows = np.flatnonzero(todo)
    lon[rows], lat[rows], swapped[rows] = px, py, xy_swapped
    note[rows] = join_notes(note[rows], xy_note, check_note)


def join_notes(*parts: np.ndarray) -> np.ndarray:
    """Element-wise ``"a ; b"`` of object arrays of notes, skipping empty ones.

    ``join_notes(["", "a"], ["b", "c"])`` ⇒ ``["b", "a ; c"]``.
    """
    out = np.asarray(parts[0], dtype=object).copy()
    for part in parts[1:]:
        part = np.asarray(part, dtype=object)
        has = part != ""
        both = has & (out != "")
        out[both] = out[both] + " ; " + part[both]
        out[has & ~both] = part[has & ~both]
    return out
