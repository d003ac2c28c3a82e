"""The location step of an import: geocode canonical rows, then place them in the
commune, département, région, EPCI and Territoire d'industrie.

- sites and events: the geocoding chain (``geocode.geocode``); a row the chain cannot
  place but whose source named a département keeps that département (and its région)
  with ``geo_precision = "departement"``;
- actions: their own territory columns (``sources.actions_csv.actions_for_store``), else
  the territory of the event they relay, found by id, else by its exact title (case and
  spaces aside; the nearest date wins between namesakes);
- members: the point of their home commune only (no address is ever sent);
- every row with a commune gets ``id_ti`` from the store's ``territoires_industrie`` table.

Failed rows are kept: ``warn_unplaced`` lists them in the report as warnings.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from influ_geo import geocode
from influ_geo.report import ImportReport
from influ_geo.sources import actions_csv
from influ_geo.sources.territory_names import default_names

GeoProgress = Callable[[int, int], None]
ORIGINAL = geocode.ORIGINAL_SUFFIX
NOTE_DEPARTEMENT = "placé au département indiqué par la source"
NOTE_EVENT_MISSING = "événement relayé introuvable dans la base : territoire inconnu"
# The location columns an action takes from the event it relays.
INHERITED = ("code_insee", "commune_nom", "code_departement", "code_region", "siren_epci",
             "lon", "lat", "geo_precision", "geo_score")
EVENT_COLUMNS = ("id", "source_id", "titre", "date_debut", *INHERITED)
SENTINEL_ID = -1


def locate(kind: str, frame: pd.DataFrame, report: ImportReport, lines: np.ndarray | None, *,
           online: bool = False, progress: GeoProgress | None = None,
           events: pd.DataFrame | None = None, territoires: pd.DataFrame | None = None,
           messages: list[str] | None = None, suffix: str = "") -> pd.DataFrame:
    """Place the canonical rows of ``kind`` (``sites``, ``events``, ``actions``, ``membres``).

    ``events`` (``EVENT_COLUMNS``) serve the actions, ``territoires`` (``code_insee,
    id_ti``) every kind but members; ``lines`` are the rows' lines in the file (for the
    warnings), ``suffix`` ends each warning (JSON record numbers). The precision
    breakdown goes to ``report``.
    """
    if kind == "membres":
        located = locate_membres(frame, messages=messages)
        warn_unplaced(located, report, lines, precision="_geo_precision", note="_geo_note")
        report.count_precision(located["_geo_precision"])
        return located
    geocoded = geocode_rows(frame, online=online, progress=progress, messages=messages)
    if kind == "actions":
        located = locate_actions(geocoded, events if events is not None else _no_events())
        warn_unknown_events(located, report, lines)
    else:
        located = keep_declared_departement(geocoded)
    if territoires is not None:
        located = attach_territoires_industrie(located, territoires)
    warn_unplaced(located, report, lines, suffix=suffix)
    report.count_precision(located["geo_precision"])
    return located


def _no_events() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in EVENT_COLUMNS})


def geocode_rows(frame: pd.DataFrame, *, online: bool = False,
                 progress: GeoProgress | None = None,
                 messages: list[str] | None = None) -> pd.DataFrame:
    """``geocode.geocode`` on canonical rows; its French messages are added to ``messages``."""
    result = geocode.geocode(frame, online=online, progress=progress)
    if messages is not None:
        messages += result.attrs.get("geo_messages", [])
    result.attrs = {}
    return result


def keep_declared_departement(geocoded: pd.DataFrame) -> pd.DataFrame:
    """Failed rows whose source named a département are placed at that département.

    ``geo_precision="failed", code_departement_origine="2A"`` ⇒ ``geo_precision=
    "departement", code_departement="2A", code_region="94"``; the ``*_origine`` columns
    (the codes as the source gave them) are dropped.
    """
    out = geocoded.copy()
    declared = out.get(f"code_departement{ORIGINAL}")
    if declared is not None:
        regions = default_names().region_of_departement
        usable = (out["geo_precision"] == "failed") & declared.isin(list(regions))
        out.loc[usable, "code_departement"] = declared[usable]
        out.loc[usable, "code_region"] = declared[usable].map(regions)
        out.loc[usable, "geo_precision"] = "departement"
        out.loc[usable, "geo_note"] = _joined_note(out.loc[usable, "geo_note"], NOTE_DEPARTEMENT)
    return out.drop(columns=[c for c in out.columns if ORIGINAL in str(c)])


def _joined_note(notes: pd.Series, note: str) -> pd.Series:
    """``"commune introuvable : « Xyz »"`` + note ⇒ ``"commune introuvable : « Xyz » ; note"``."""
    text = notes.fillna("").astype(str)
    return (text + " ; ").where(text != "", "") + note


def attach_territoires_industrie(frame: pd.DataFrame, ti: pd.DataFrame) -> pd.DataFrame:
    """``id_ti`` of each row's commune from the ``code_insee, id_ti`` table (first one when a
    commune is in two territories; empty when the list is not loaded)."""
    out = frame.copy()
    first = ti.sort_values(["code_insee", "id_ti"]).drop_duplicates("code_insee")
    out["id_ti"] = out["code_insee"].map(dict(zip(first["code_insee"], first["id_ti"],
                                                  strict=True))).astype("str")
    return out


def locate_actions(geocoded: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Actions after ``geocode.geocode``: own territory, else the relayed event's.

    ``events`` has ``EVENT_COLUMNS`` (the store's events). An action relaying no known
    event and naming no territory is ``failed`` with a note.
    """
    out = actions_csv.actions_for_store(geocoded, _with_sentinel(events))
    out["evenement_id"] = out["evenement_id"].mask(out["evenement_id"] == SENTINEL_ID)
    out = match_titles(out, events)
    inherits = out["territoire_niveau"].isna() & out["geo_precision"].isna()
    linked = inherits & out["evenement_id"].notna()
    by_id = events.drop_duplicates("id").set_index("id")
    for name in INHERITED:
        values = out.loc[linked, "evenement_id"].astype("int64").map(by_id[name])
        out[name] = out[name].astype(object)
        out.loc[linked, name] = values.astype(object).to_numpy()
    out.loc[linked, "territoire_niveau"] = _levels(out.loc[linked])
    lost = inherits & out["evenement_id"].isna()
    out.loc[lost, "geo_precision"] = "failed"
    out.loc[lost, "geo_note"] = NOTE_EVENT_MISSING
    _commune_not_found(out)
    return _typed_location(out)


def _commune_not_found(out: pd.DataFrame) -> None:
    """A commune the chain cannot find, in a known département: the action stays there."""
    fallback = ((out["territoire_niveau"] == "commune") & (out["geo_precision"] == "failed")
                & out["code_departement"].notna())
    out.loc[fallback, "territoire_niveau"] = "departement"
    out.loc[fallback, "geo_precision"] = "departement"
    out.loc[fallback, "geo_note"] = _joined_note(out.loc[fallback, "geo_note"], NOTE_DEPARTEMENT)


def _with_sentinel(events: pd.DataFrame) -> pd.DataFrame:
    """``id, source_id, titre`` of the events, never empty: ``link_events`` fails on an
    empty table (its title fallback is then an integer column), so an event that no
    reference can name (id -1, no source id, no title) stands in; its id is removed after."""
    table = events[["id", "source_id", "titre"]]
    if not table.empty:
        return table
    return pd.DataFrame({"id": pd.array([SENTINEL_ID], dtype="Int64"),
                         "source_id": pd.array([""], dtype="str"),
                         "titre": pd.array([""], dtype="str")})


def _levels(rows: pd.DataFrame) -> pd.Series:
    """The territorial level of inherited places: commune, else département, else région."""
    level = pd.Series(None, index=rows.index, dtype=object)
    level[rows["code_region"].notna()] = "region"
    level[rows["code_departement"].notna()] = "departement"
    level[rows["code_insee"].notna()] = "commune"
    return level


def _typed_location(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in ("lon", "lat", "geo_score"):
        out[name] = pd.to_numeric(out[name]).astype("float64")
    for name in ("code_insee", "commune_nom", "code_departement", "code_region", "siren_epci",
                 "geo_precision", "geo_note", "territoire_niveau", "evenement_titre"):
        out[name] = out[name].astype("str")
    return out


def match_titles(actions: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Link actions that name their event by title only (``evenement_id`` empty).

    The title must be the same once case and spaces are set aside (fuzzy matching is
    the analytics' job: the title stays in ``evenement_titre``); between events of the
    same title the one starting nearest the action's date wins.
    """
    out = actions.copy()
    wanted = out["evenement_id"].isna() & out["evenement_titre"].notna()
    if not wanted.any() or events.empty:
        return out
    left = pd.DataFrame({"row": out.index[wanted], "key": _title_keys(out.loc[wanted,
                                                                      "evenement_titre"]),
                         "date": out.loc[wanted, "date"].to_numpy()})
    right = pd.DataFrame({"key": _title_keys(events["titre"]), "id": events["id"].to_numpy(),
                          "date_debut": events["date_debut"].to_numpy()})
    pairs = left.merge(right, on="key")
    if pairs.empty:
        return out
    pairs["gap"] = (pairs["date_debut"] - pairs["date"]).abs()
    best = pairs.sort_values(["row", "gap", "id"]).drop_duplicates("row")
    out.loc[best["row"].to_numpy(), "evenement_id"] = best["id"].to_numpy()
    return out


def _title_keys(titles: pd.Series) -> np.ndarray:
    """``"  Forum de l'Emploi "`` ⇒ ``"forum de l'emploi"`` (typographic apostrophes too)."""
    text = titles.astype("str").fillna("").str.replace("\u2019", "'", regex=False)
    return text.str.casefold().str.split().str.join(" ").to_numpy(dtype=object)


def locate_membres(frame: pd.DataFrame, *, messages: list[str] | None = None) -> pd.DataFrame:
    """Members at the point of their home commune; the commune inputs are dropped.

    Returns the canonical ``membres`` columns plus ``geo_precision``/``geo_note`` (for the
    report; the table has no such columns, the store leaves ``_``-prefixed ones out).
    """
    inputs = frame[["code_insee", "code_postal", "commune", "code_departement"]]
    placed = geocode_rows(inputs, messages=messages)
    placed = keep_declared_departement(placed)
    out = frame.drop(columns=["code_insee", "code_postal", "commune", "code_departement"])
    for name in ("code_insee", "commune_nom", "code_departement", "code_region", "lon", "lat"):
        out[name] = placed[name].to_numpy()
    out["_geo_precision"] = placed["geo_precision"].to_numpy()
    out["_geo_note"] = placed["geo_note"].to_numpy()
    return out


def warn_unplaced(frame: pd.DataFrame, report: ImportReport, lines: np.ndarray | None,
                  *, precision: str = "geo_precision", note: str = "geo_note",
                  suffix: str = "") -> None:
    """One warning per kept row that could not be placed (``failed``), with the reason.

    ``lines[i]`` is the line of row ``i`` in the file; ``None`` when unknown (the row is
    then named by its title or name).
    """
    failed = np.flatnonzero((frame[precision] == "failed").to_numpy())
    for position in failed:
        reason = str(frame[note].iloc[position] or "raison inconnue")
        if lines is None:
            report.warn(0, f"« {_label(frame.iloc[position])} » non placé : {reason}" + suffix)
        else:
            report.warn(int(lines[position]), f"non placé sur la carte : {reason}" + suffix)


def warn_unknown_events(actions: pd.DataFrame, report: ImportReport,
                        lines: np.ndarray | None) -> None:
    """An event named by an action but found neither by id nor by exact title."""
    unknown = np.flatnonzero((actions["evenement_id"].isna()
                              & actions["evenement_titre"].notna()).to_numpy())
    for position in unknown:
        title = actions["evenement_titre"].iloc[position]
        line = 0 if lines is None else int(lines[position])
        report.warn(line, f"événement « {title} » introuvable dans la base (ni par "
                          "identifiant, ni par titre exact) : gardé pour un rapprochement "
                          "ultérieur")


def _label(row: pd.Series) -> str:
    for name in ("titre", "nom", "pseudonyme", "membre"):
        if name in row.index and isinstance(row[name], str):
            return row[name]
    return "ligne"
