"""Step 5 of the geocoding chain: the national address geocoder (Base Adresse Nationale).

Rows still at ``municipality`` or ``failed`` that carry an address are sent through
``ban.geocode_rows``; an answer is taken when its score reaches ``config.BAN_MIN_SCORE``
and it is more precise than the offline result. The service's codes (arrondissements
such as ``75107``) are brought back to the current commune; a row that declared a
commune keeps it, and a disagreement is noted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from influ_geo import config
from influ_geo.geocode_index import commune_index, lookup_codes
from influ_geo.geocode_points import join_notes
from influ_geo.geocode_state import GeoState, disagreement_notes
from influ_geo.locate import locate_points
from influ_geo.textnorm import normalize_codes_insee

# BAN result types ⇒ geo_precision (a "lieu-dit" is finer than the commune point).
BAN_PRECISION = {"housenumber": "housenumber", "street": "street", "locality": "street",
                 "municipality": "municipality"}

Progress = Callable[[int, int], None]


def run_online(inputs: pd.DataFrame, state: GeoState, progress: Progress | None = None
               ) -> list[str]:
    """Send the imprecise rows that have an address; return French lines for the user
    (one when the service is unreachable: the offline results are kept)."""
    from influ_geo import ban

    todo = np.flatnonzero(np.isin(state.precision, ("municipality", "failed"))
                          & (inputs["adresse"].to_numpy(dtype=object) != ""))
    if todo.size == 0:
        return []
    lines = []
    try:
        answers = ban.geocode_rows(ban_queries(inputs, state, todo), progress=progress)
    except ban.BanUnavailable as error:
        lines.append(str(error))
        answers = error.partial
    if answers is not None and not answers.empty:
        merge_ban(state, answers)
    return lines


def ban_queries(inputs: pd.DataFrame, state: GeoState, rows: np.ndarray) -> pd.DataFrame:
    """``adresse, code_postal, commune, code_insee`` of the rows to send, indexed by row."""
    com = commune_index().communes
    code = np.where(state.pos[rows] >= 0, com["code_insee"].to_numpy()[state.pos[rows]], "")
    columns = {name: _cells(inputs, name, rows) for name in ("adresse", "code_postal", "commune")}
    return pd.DataFrame({**columns, "code_insee": code}, index=rows)


def _cells(inputs: pd.DataFrame, name: str, rows: np.ndarray) -> np.ndarray:
    """Cells of a canonical column as text (``""`` when missing or absent)."""
    if name not in inputs:
        return np.full(rows.size, "", dtype=object)
    return inputs[name].iloc[rows].fillna("").astype(str).to_numpy(dtype=object)


def merge_ban(state: GeoState, answers: pd.DataFrame) -> None:
    """Take the BAN answers that beat the offline result (score ≥ ``BAN_MIN_SCORE``)."""
    answers = answers[answers["lon"].notna() & (answers["geo_score"] >= config.BAN_MIN_SCORE)]
    precision = answers["result_type"].map(BAN_PRECISION)
    better = precision.isin(["housenumber", "street"]) | (
        (precision == "municipality") & (state.precision[answers.index] == "failed"))
    answers, precision = answers[better.to_numpy()], precision[better.to_numpy()]
    rows = answers.index.to_numpy(dtype=np.int64)
    if rows.size == 0:
        return
    pos = lookup_codes(normalize_codes_insee(answers["citycode"]))[0]
    missing = pos < 0
    if missing.any():
        lon, lat = answers["lon"].to_numpy(), answers["lat"].to_numpy()
        codes = locate_points(lon[missing], lat[missing])
        pos[missing] = lookup_codes(pd.Series(codes, dtype=object))[0]
    state.lon[rows], state.lat[rows] = answers["lon"].to_numpy(), answers["lat"].to_numpy()
    state.precision[rows] = precision.to_numpy(dtype=object)
    state.score[rows] = answers["geo_score"].to_numpy(dtype=float)
    keep = state.declared[rows] >= 0
    state.pos[rows] = np.where(keep, state.declared[rows], pos)
    disagree = keep & (pos >= 0) & (pos != state.declared[rows])
    state.note[rows[disagree]] = join_notes(
        state.note[rows[disagree]],
        "adresse BAN, " + disagreement_notes(pos[disagree], state.declared[rows[disagree]]))
