"""The geocoding chain: every row of any table gets a point, its commune and a precision.

``geocode(frame)`` returns every input row, in order, with its original columns and
``lon, lat, code_insee, commune_nom, code_departement, code_region, siren_epci,
geo_precision, geo_score, geo_note``. The chain, offline first:

1. coordinates of the row (WGS84, or x/y + EPSG reprojected) ⇒ ``source``
   (``geocode_points``);
2. INSEE code, 3. postcode + name, 4. name + département ⇒ commune point,
   ``municipality`` (``geocode_communes``);
5. with ``online=True``, rows still at ``municipality`` or ``failed`` that have an address
   ⇒ the national address geocoder (``ban``): ``housenumber`` / ``street``;
6. otherwise ``failed`` with the reason in ``geo_note``.

Every point taken from the row is then located in the commune polygons (``locate``):
codes are filled from the polygon when the row declares no commune, and a point lying
in another commune than the declared one is kept and flagged in ``geo_note``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from influ_geo.geocode_communes import Declared, match_communes
from influ_geo.geocode_index import commune_index, lookup_codes
from influ_geo.geocode_online import Progress, run_online
from influ_geo.geocode_points import NOTE_OUTSIDE, SourcePoints, join_notes, source_points
from influ_geo.geocode_state import GeoState, disagreement_notes
from influ_geo.locate import locate_points
from influ_geo.readers import GEO_SYNONYMS, canonical_columns
from influ_geo.textnorm import (
    name_keys,
    normalize_codes_insee,
    normalize_departements,
    normalize_postcodes,
)

OUTPUT_COLUMNS = ["lon", "lat", "code_insee", "commune_nom", "code_departement", "code_region",
                  "siren_epci", "geo_precision", "geo_score", "geo_note"]
PRECISIONS = ("source", "housenumber", "street", "municipality", "failed")
# Suffix given to an input column whose name is one of OUTPUT_COLUMNS (its values kept).
ORIGINAL_SUFFIX = "_origine"
# Score of a point taken from the row; lowered when it had to be repaired or disagrees.
SCORE_SOURCE = 1.0
SCORE_SWAPPED = 0.9
SCORE_DISAGREES = 0.7
_TEXT = ("geo_precision", "geo_note")
NOTE_NOTHING = "rien pour localiser : ni coordonnées, ni code, ni commune"
# Canonical columns the chain reads (readers.GEO_SYNONYMS names them).
_READ = ("code_insee", "code_postal", "commune", "code_departement", "lon", "lat", "x", "y",
         "epsg", "adresse", "numero_voie", "type_voie", "libelle_voie")

Messages = Callable[[str], None]


class NoUsableColumn(ValueError):
    """No column of the table can locate a row; the message is one French line."""


def usable_columns(mapping: Mapping[object, str]) -> bool:
    """True if the ``{original: canonical}`` mapping holds a column that can locate rows."""
    found = set(mapping.values())
    return bool(found & {"code_insee", "code_postal", "commune", "adresse", "libelle_voie"}
                or {"lon", "lat"} <= found or {"x", "y"} <= found)


def geocode(
    frame: pd.DataFrame,
    *,
    online: bool = False,
    columns: Mapping[object, str] | None = None,
    messages: Messages | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Geocode every row of ``frame``; never drops, adds or reorders rows.

    Parameters
    ----------
    frame
        Any table; its headers are recognised with ``readers.GEO_SYNONYMS`` (``codgeo``,
        ``CP``, ``Ville``, ``x_longitude``…). Cells may be text or numbers.
    online
        Send the rows still at commune precision (or failed) that carry an address to
        the Base Adresse Nationale (``config.BAN_URL``).
    columns
        ``{original header: canonical name}`` to use instead of recognising the headers.
    messages
        Receives French lines about the run (e.g. the BAN being unreachable); they are
        also kept in ``result.attrs["geo_messages"]``.
    progress
        With ``online``, called as ``progress(rows_done, rows_total)`` while the service works.

    Returns
    -------
    ``frame``'s columns (an input column named like an output column is kept as
    ``<name>_origine``) followed by ``OUTPUT_COLUMNS``, same index. Example row:
    ``code_postal="76600", ville="LE HAVRE"`` ⇒ ``lon=0.1419, lat=49.4942,
    code_insee="76351", commune_nom="Le Havre", code_departement="76", code_region="28",
    siren_epci="200084952", geo_precision="municipality", geo_score=1.0, geo_note=""``.

    Raises
    ------
    NoUsableColumn
        When no header can locate anything (no coordinates, code, postcode, name, address).
    """
    mapping = dict(columns) if columns is not None else canonical_columns(frame.columns,
                                                                          GEO_SYNONYMS)
    if not usable_columns(mapping):
        raise NoUsableColumn(_no_column_message(frame.columns))
    inputs = extract_inputs(frame, mapping)
    state = _offline(inputs)
    lines = run_online(inputs, state, progress) if online else []
    state.note[(state.precision == "failed") & (state.note == "")] = NOTE_NOTHING
    result = _assemble(frame, state)
    result.attrs["geo_messages"] = lines
    for line in lines:
        if messages is not None:
            messages(line)
    return result


def _no_column_message(columns: pd.Index) -> str:
    """One French line naming what was expected and the headers read."""
    shown = ", ".join(" ".join(str(c).split()) for c in list(columns)[:12]) or "aucune"
    return ("aucune colonne utilisable pour géocoder (attendu : code INSEE, code postal et "
            f"commune, longitude/latitude ou x/y/EPSG, adresse) ; colonnes lues : {shown}")


def extract_inputs(frame: pd.DataFrame, mapping: Mapping[object, str]) -> pd.DataFrame:
    """The canonical, normalised columns the chain reads, on a 0..n-1 index.

    ``{"CP": "1000", "Ville": "Bourg en Bresse"}`` ⇒ ``code_postal="01000"``,
    ``commune_key="BOURG EN BRESSE"``, ``commune="Bourg en Bresse"``…
    """
    duplicated = set(frame.columns[frame.columns.duplicated()])
    raw = {canonical: frame[original].reset_index(drop=True)
           for original, canonical in mapping.items()
           if canonical in _READ and original not in duplicated and original in frame.columns}
    inputs = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in ("lon", "lat", "x", "y", "epsg"):
        if name in raw:
            inputs[name] = raw[name].to_numpy()
    if "code_insee" in raw:
        inputs["code_insee"] = normalize_codes_insee(raw["code_insee"])
        inputs["code_insee_texte"] = raw["code_insee"].astype(object).to_numpy()
    if "commune" in raw:
        inputs["commune"] = raw["commune"].astype(object).where(raw["commune"].notna(), "")
        inputs["commune_key"] = name_keys(raw["commune"])
    _add_postcode(inputs, raw)
    if "code_departement" in raw:
        inputs["code_departement"] = normalize_departements(raw["code_departement"])
    inputs["adresse"] = _address(raw)
    return inputs


def _add_postcode(inputs: pd.DataFrame, raw: Mapping[str, pd.Series]) -> None:
    """The postcode column, else a postcode written in the commune cell (``"75008 PARIS"``)."""
    if "code_postal" in raw:
        inputs["code_postal"] = normalize_postcodes(raw["code_postal"])
        inputs["code_postal_texte"] = raw["code_postal"].astype(object).to_numpy()
    if "commune" not in raw:
        return
    if "code_postal" not in inputs:
        inputs["code_postal"] = pd.Series(None, index=inputs.index, dtype=object)
    missing = inputs["code_postal"].isna().to_numpy()
    if missing.any():
        names = raw["commune"][missing].astype(object).fillna("").astype(str)
        with_digits = names.str.contains(r"\d{5}", regex=True)
        found = normalize_postcodes(names.where(with_digits, None)).to_numpy(dtype=object)
        inputs.loc[missing, "code_postal"] = found


def _address(raw: Mapping[str, pd.Series]) -> pd.Series:
    """The street address: the ``adresse`` column, else number + type + name of the way
    (Sirene: ``"3"``, ``"RUE"``, ``"DE LA PAIX"`` ⇒ ``"3 RUE DE LA PAIX"``)."""
    n = len(next(iter(raw.values()))) if raw else 0
    parts = [raw[c].astype(object).where(raw[c].notna(), "").astype(str).str.strip()
             for c in ("numero_voie", "type_voie", "libelle_voie") if c in raw]
    if "adresse" in raw:
        address = raw["adresse"].astype(object).where(raw["adresse"].notna(), "").astype(str)
        if parts:
            built = _join_words(parts)
            address = address.where(address.str.strip() != "", built)
        return address.str.strip().astype(object)
    return _join_words(parts) if parts else pd.Series([""] * n, dtype=object)


def _join_words(parts: list[pd.Series]) -> pd.Series:
    """``["3", "RUE", "DE LA PAIX"]`` column-wise ⇒ ``"3 RUE DE LA PAIX"``."""
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + " " + part
    return joined.str.replace(r"\s+", " ", regex=True).str.strip().astype(object)


def _offline(inputs: pd.DataFrame) -> GeoState:
    """Steps 1–4 and the polygon check."""
    state = GeoState(len(inputs))
    declared = match_communes(inputs)
    points = source_points(inputs)
    has_point = np.isfinite(points.lon)
    located = np.full(len(inputs), -1, dtype=np.int64)
    if has_point.any():
        codes = locate_points(points.lon[has_point], points.lat[has_point])
        located[has_point] = lookup_codes(pd.Series(codes, dtype=object))[0]
    abroad = has_point & (located < 0)
    points.note[abroad] = [f"{NOTE_OUTSIDE} : ({a:.5g}, {b:.5g})" for a, b in
                           zip(points.lon[abroad], points.lat[abroad], strict=True)]
    source = has_point & ~abroad
    _place_declared(state, declared)
    _place_source(state, declared, points, source, located)
    state.note = join_notes(points.note, state.note)
    return state


def _place_declared(state: GeoState, declared: Declared) -> None:
    """Rows placed at the point of their declared commune."""
    found = declared.found()
    com = commune_index().communes
    state.declared = declared.pos.copy()
    state.pos[found] = declared.pos[found]
    state.lon[found] = com["lon"].to_numpy()[declared.pos[found]]
    state.lat[found] = com["lat"].to_numpy()[declared.pos[found]]
    state.precision[found] = "municipality"
    state.score[found] = declared.score[found]
    state.note = declared.note.copy()


def _place_source(state: GeoState, declared: Declared, points: SourcePoints, source: np.ndarray,
                  located: np.ndarray) -> None:
    """Rows placed at their own point; codes from the declared commune, else the polygon."""
    state.lon[source] = points.lon[source]
    state.lat[source] = points.lat[source]
    state.precision[source] = "source"
    state.score[source] = np.where(points.swapped[source], SCORE_SWAPPED, SCORE_SOURCE)
    has_declared = source & declared.found()
    state.pos[source & ~declared.found()] = located[source & ~declared.found()]
    disagree = np.flatnonzero(has_declared & (declared.pos != located))
    state.score[disagree] = np.minimum(state.score[disagree], SCORE_DISAGREES)
    state.note[disagree] = join_notes(state.note[disagree],
                                      disagreement_notes(located[disagree], declared.pos[disagree]))


def _assemble(frame: pd.DataFrame, state: GeoState) -> pd.DataFrame:
    """``frame`` (clashing headers renamed ``<name>_origine``) + the output columns."""
    result = frame.rename(columns=_renames(frame.columns))
    attribute = _attributes(state.pos)
    added = {
        "lon": np.round(state.lon, 6), "lat": np.round(state.lat, 6),
        "code_insee": attribute("code_insee"), "commune_nom": attribute("nom"),
        "code_departement": attribute("code_departement"),
        "code_region": attribute("code_region"), "siren_epci": attribute("siren_epci"),
        "geo_precision": state.precision, "geo_score": np.round(state.score, 3),
        "geo_note": state.note,
    }
    extra = pd.DataFrame({k: pd.Series(v, index=frame.index, dtype="str" if k in _TEXT else None)
                          for k, v in added.items()})
    return pd.concat([result, extra], axis=1)


def _attributes(pos: np.ndarray) -> Callable[[str], pd.api.extensions.ExtensionArray]:
    """A getter of a communes-table column for each row (missing where ``pos`` is -1)."""
    com = commune_index().communes

    def attribute(name: str) -> pd.api.extensions.ExtensionArray:
        """The column ``name`` of each row's commune."""
        return com[name].array.take(pos, allow_fill=True)

    return attribute


def _renames(columns: pd.Index) -> dict[str, str]:
    """``code_insee`` ⇒ ``code_insee_origine`` (then ``_origine2``…) for clashing headers."""
    taken = {str(c) for c in columns}
    renames = {}
    for column in columns:
        if column in OUTPUT_COLUMNS:
            new, i = f"{column}{ORIGINAL_SUFFIX}", 2
            while new in taken:
                new, i = f"{column}{ORIGINAL_SUFFIX}{i}", i + 1
            taken.add(new)
            renames[column] = new
    return renames


def summary_lines(result: pd.DataFrame) -> list[str]:
    """A short French summary of a geocoded table.

    ``["12 lignes géocodées", "précision : coordonnées du fichier 3, commune 8, non géocodé 1",
    "1 ligne non géocodée : commune introuvable (1)"]``
    """
    from influ_geo.report import PRECISION_LABELS

    n = len(result)
    counts = result["geo_precision"].value_counts()
    parts = [f"{PRECISION_LABELS[p]} {_n(int(counts[p]))}" for p in PRECISIONS if p in counts]
    lines = [f"{_n(n)} ligne{'s' if n > 1 else ''} traitée{'s' if n > 1 else ''}",
             "précision : " + (", ".join(parts) or "—")]
    failed = result.loc[result["geo_precision"] == "failed", "geo_note"]
    if len(failed):
        reasons = failed.map(failure_reason).value_counts()
        shown = ", ".join(f"{r} ({_n(int(k))})" for r, k in reasons.head(8).items())
        lines.append(f"{_n(len(failed))} ligne{'s' if len(failed) > 1 else ''} non "
                     f"géocodée{'s' if len(failed) > 1 else ''} : {shown}")
    doubtful = ((result["geo_precision"] != "failed") & (result["geo_note"] != "")).sum()
    if doubtful:
        lines.append(f"{_n(int(doubtful))} ligne{'s' if doubtful > 1 else ''} placée"
                     f"{'s' if doubtful > 1 else ''} avec une remarque (colonne geo_note)")
    return lines


def failure_reason(note: str) -> str:
    """The kind of the last reason of a note, without its values:
    ``"code INSEE inconnu : 99999 ; commune introuvable : « Xyz »"`` ⇒ ``"commune introuvable"``.
    """
    return str(note).split(" ; ")[-1].split(" : ")[0].strip()


def _n(value: int) -> str:
    """``12345`` ⇒ ``"12 345"``."""
    return f"{value:,}".replace(",", " ")
