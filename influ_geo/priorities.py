"""« Où agir » : the priority ranking of territories, with its parts and a French reason.

The score (0–100) of a territory is a weighted mean of four parts, each between 0 and 1
and computed from the indicator table of its level (``indicators.compute``):

===========================  =============================================================
``industrie``                industry weighs a lot: ``log(1 + poids) / log(1 + max poids)``
                             over the territories of the level (``poids``: estimated
                             employment, or sites — see ``indicators``)
``evenements``               events are coming that nobody relays yet:
                             ``log(1 + n) / log(1 + max n)``, ``n`` =
                             ``evenements_a_venir_non_relayes``
``absence``                  the collective is absent or fading: 1 when it never acted
                             there, else ``min(days since the last action / 365, 1)``
                             (``config.ABSENCE_FULL_DAYS``)
``sous_mobilisation``        less action than industrial weight: ``1 − indice_couverture``
                             clipped to 0–1 (0 when the territory has no industrial weight)
===========================  =============================================================

``score = 100 × Σ weight × part / Σ weight``. The ``points_<part>`` columns are each
part's contribution to the score (they add up to it). The log scale keeps one
metropolis from flattening every other territory. Ties are broken by territory code, so
the ranking is the same at every run. The weights are parameters (:class:`Weights`), the
sliders of the « Où agir » page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from influ_geo import config
from influ_geo.dataset import Dataset, check_level
from influ_geo.filters import NO_FILTERS, Filters
from influ_geo.formatting import format_int
from influ_geo.indicators import indicators, select

PARTS: dict[str, str] = {
    "industrie": "Poids industriel",
    "evenements": "Événements à venir sans relais",
    "absence": "Absence du collectif",
    "sous_mobilisation": "Sous-mobilisation",
}
# Days without action after which the "absence" part is full.
ABSENCE_FULL_DAYS = config.ABSENCE_FULL_DAYS
# Columns of the indicator table kept next to the score in the ranking.
CONTEXT = ("actions", "jours_depuis_derniere_action", "evenements_a_venir",
           "evenements_a_venir_non_relayes", "sites", "poids", "indice_couverture")


class WeightsError(ValueError):
    """Weights that cannot make a score (negative, or all zero); French message."""


@dataclass(frozen=True)
class Weights:
    """Weight of each part of the score (any scale: they are normalised to sum 1)."""

    industrie: float = 0.35
    evenements: float = 0.30
    absence: float = 0.20
    sous_mobilisation: float = 0.15

    def normalised(self) -> dict[str, float]:
        """``Weights(1, 1, 0, 0).normalised()`` ⇒ ``{"industrie": 0.5, "evenements": 0.5, …}``."""
        values = asdict(self)
        if any(v < 0 for v in values.values()):
            raise WeightsError("les poids du score doivent être positifs ou nuls")
        total = sum(values.values())
        if total <= 0:
            raise WeightsError("au moins un poids du score doit être strictement positif")
        return {name: value / total for name, value in values.items()}


def score_parts(table: pd.DataFrame) -> pd.DataFrame:
    """The four parts (0–1) of each territory of an indicator table, same index."""
    never = table["jours_depuis_derniere_action"].isna().to_numpy()
    days = table["jours_depuis_derniere_action"].astype("Float64").fillna(0).to_numpy(float)
    coverage = table["indice_couverture"].to_numpy(dtype=float)
    return pd.DataFrame({
        "industrie": _log_share(table["poids"].to_numpy(dtype=float)),
        "evenements": _log_share(table["evenements_a_venir_non_relayes"].to_numpy(dtype=float)),
        "absence": np.where(never, 1.0, np.minimum(days / ABSENCE_FULL_DAYS, 1.0)),
        "sous_mobilisation": np.where(np.isnan(coverage), 0.0, np.clip(1 - coverage, 0, 1)),
    }, index=table.index)


def _log_share(values: np.ndarray) -> np.ndarray:
    """``[0, 9, 99]`` ⇒ ``[0, 0.5, 1]``: ``log(1 + x) / log(1 + max)``; zeros when max is 0."""
    top = np.log1p(values.max()) if len(values) else 0.0
    return np.log1p(values) / top if top > 0 else np.zeros(len(values))


def rank(
    data: Dataset,
    level: str,
    filters: Filters = NO_FILTERS,
    weights: Weights | None = None,
    *,
    poids: str = "auto",
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every territory of ``level`` ranked by priority score, highest first.

    Parameters
    ----------
    table: the indicator table of ``level`` for ``filters`` when the caller already has
        it (``indicators.indicators(data, level, filters)``), else it is computed.

    Returns
    -------
    DataFrame: ``rang`` (1…n), ``code``, ``nom``, ``code_region``, ``score`` (0–100),
    ``points_<part>`` (contributions, summing to ``score``), ``part_<part>`` (0–1), the
    indicators of ``CONTEXT`` and ``explication`` (one French line).
    """
    check_level(level)
    table = indicators(data, level, filters, poids=poids) if table is None else table
    return rank_table(table, weights)


def rank_table(table: pd.DataFrame, weights: Weights | None = None) -> pd.DataFrame:
    """The ranking of ``rank`` from an indicator table (the pure part, no data set)."""
    shares = weights or Weights()
    parts = score_parts(table)
    points = pd.DataFrame({name: 100 * w * parts[name]
                           for name, w in shares.normalised().items()}, index=table.index)
    columns = {name: table[name] for name in ("code", "nom", "code_region")}
    columns["score"] = points.sum(axis=1).round(6)
    columns.update({f"points_{name}": points[name].round(6) for name in PARTS})
    columns.update({f"part_{name}": parts[name] for name in PARTS})
    columns.update({name: table[name] for name in CONTEXT})
    columns["explication"] = pd.Series(_explanations(table), index=table.index, dtype="str")
    out = pd.DataFrame(columns, index=table.index)  # one constructor: ~25 columns
    out = out.sort_values(["score", "code"], ascending=[False, True], kind="stable",
                          ignore_index=True)
    out.insert(0, "rang", np.arange(1, len(out) + 1))
    out.attrs.update(table.attrs, weights=shares)
    return out


# Columns of the indicator table that ``explanation`` reads.
_EXPLAINED = ("nom", "evenements_a_venir", "evenements_a_venir_non_relayes",
              "jours_depuis_derniere_action", "sites")


def _explanations(table: pd.DataFrame) -> list[str]:
    """``explanation`` of every row, reading only the columns it needs."""
    values = zip(*(table[name].tolist() for name in _EXPLAINED), strict=True)
    return [explanation(dict(zip(_EXPLAINED, row, strict=True))) for row in values]


# ---------------------------------------------------------------- the French reason

def explanation(row: Mapping[str, object]) -> str:
    """One French line from a row of the indicator table.

    ``{"nom": "Ardennes", "evenements_a_venir": 14, "evenements_a_venir_non_relayes": 14,
    "jours_depuis_derniere_action": 340, "sites": 312}`` ⇒
    ``"Ardennes : 14 événements à venir, aucun relais depuis 11 mois, 312 sites industriels"``.
    """
    events = events_phrase(int(row["evenements_a_venir"]),
                           int(row["evenements_a_venir_non_relayes"]))
    recency = recency_phrase(row["jours_depuis_derniere_action"])
    return f"{row['nom']} : {events}, {recency}, {sites_phrase(int(row['sites']))}"


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{format_int(n)} {singular if n == 1 else plural}"


def events_phrase(upcoming: int, unrelayed: int) -> str:
    """``(0, 0)`` ⇒ ``"aucun événement à venir"``; ``(1, 1)`` ⇒ ``"1 événement à venir"``;
    ``(14, 9)`` ⇒ ``"14 événements à venir dont 9 sans relais"``; ``(3, 0)`` ⇒
    ``"3 événements à venir, tous relayés"``; ``(1, 0)`` ⇒ ``"1 événement à venir, déjà relayé"``.
    """
    if upcoming == 0:
        return "aucun événement à venir"
    text = _plural(upcoming, "événement à venir", "événements à venir")
    if unrelayed == upcoming:
        return text
    if unrelayed == 0:
        return text + (", déjà relayé" if upcoming == 1 else ", tous relayés")
    return f"{text} dont {format_int(unrelayed)} sans relais"


def months_between(days: int) -> int:
    """Whole months in ``days``: ``days × 12 // 365`` (``340`` ⇒ 11, ``31`` ⇒ 1)."""
    return days * 12 // 365


def recency_phrase(days: object) -> str:
    """``None`` ⇒ ``"jamais de relais"``; ``0`` ⇒ ``"dernier relais aujourd'hui"``; ``1`` ⇒
    ``"dernier relais hier"``; ``12`` ⇒ ``"dernier relais il y a 12 jours"``; ``340`` ⇒
    ``"aucun relais depuis 11 mois"``; ``800`` ⇒ ``"aucun relais depuis 2 ans"``."""
    if days is None or days is pd.NA or (isinstance(days, float) and np.isnan(days)):
        return "jamais de relais"
    days = int(days)  # type: ignore[call-overload]
    if days <= 0:
        return "dernier relais aujourd'hui"
    if days == 1:
        return "dernier relais hier"
    months = months_between(days)
    if months < 1:
        return f"dernier relais il y a {days} jours"
    if months < 24:
        return f"aucun relais depuis {months} mois"
    return f"aucun relais depuis {days // 365} ans"


def sites_phrase(sites: int) -> str:
    """``0`` ⇒ ``"aucun site industriel"``; ``1`` ⇒ ``"1 site industriel"``;
    ``1204`` ⇒ ``"1 204 sites industriels"`` (narrow no-break space)."""
    if sites == 0:
        return "aucun site industriel"
    return _plural(sites, "site industriel", "sites industriels")


# ---------------------------------------------------------------- events to piggy-back on

EVENT_COLUMNS = ("id", "titre", "date_debut", "date_fin", "type", "commune_nom", "code_insee",
                 "code_departement", "code_region", "lon", "lat", "url", "organisateur")


def events_to_join(
    data: Dataset, level: str, filters: Filters = NO_FILTERS,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Upcoming events that no selected action relays yet, with their territory ``code``
    at ``level``; only the territories ``codes`` when given. Sorted by territory, then
    start date (the soonest first)."""
    sel = select(data, filters)
    keep = sel.upcoming_events & ~sel.relayed
    positions = data.position("events", level)
    territories = data.territories[level]["code"].to_numpy()
    if codes is None:
        keep &= positions >= 0
    else:  # the frame is built for the territories asked only
        keep &= np.isin(positions, _positions_of(territories, codes))
    events = data.events.loc[keep, [c for c in EVENT_COLUMNS if c in data.events.columns]]
    events.insert(0, "code", territories[positions[keep]])
    return events.sort_values(["code", "date_debut", "id"], kind="stable", ignore_index=True)


def events_status(
    data: Dataset, level: str, filters: Filters = NO_FILTERS, code: str | None = None,
) -> pd.DataFrame:
    """The selected events (past in the period, and upcoming) with their relay status:
    ``a_venir`` (bool), ``relais`` (selected actions linked to it, done or planned, any
    period), ``relaye`` (bool), and the territory ``code`` at ``level``; only territory
    ``code`` when given. Upcoming first (soonest first), then past (latest first)."""
    sel = select(data, filters)
    keep = sel.past_events | sel.upcoming_events
    positions = data.position("events", level)
    territories = data.territories[level]["code"].to_numpy()
    if code is not None:  # the frame is built for that territory only
        keep &= np.isin(positions, _positions_of(territories, [code]))
    linked = data.actions["evenement_pos"].to_numpy()
    counts = np.bincount(linked[sel.relaying & (linked >= 0)], minlength=len(data.events))
    rows = np.flatnonzero(keep)
    rows = rows[_status_order(data.events, rows, sel.upcoming_events[rows])]
    columns = [c for c in EVENT_COLUMNS if c in data.events.columns]
    events = data.events[columns].iloc[rows].reset_index(drop=True)  # one take per column
    events.insert(0, "code", np.where(positions[rows] >= 0,
                                      territories[np.maximum(positions[rows], 0)], None))
    events["a_venir"] = sel.upcoming_events[rows]
    events["relais"] = counts[rows]
    events["relaye"] = sel.relayed[rows]
    return events


def _status_order(events: pd.DataFrame, rows: np.ndarray, upcoming: np.ndarray) -> np.ndarray:
    """Order of the events ``rows``: the upcoming ones by start date then id, then the past
    ones latest first (positions in ``rows``)."""
    keys = events[["date_debut", "id"]].iloc[rows].reset_index(drop=True)
    soon = keys[upcoming].sort_values(["date_debut", "id"], kind="stable")
    past = keys[~upcoming].sort_values(["date_debut", "id"], ascending=False, kind="stable")
    return np.concatenate([soon.index.to_numpy(), past.index.to_numpy()])


def _positions_of(territories: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """Positions of ``codes`` among the ``territories`` codes (unknown codes left out):
    ``(["08", "10", "51"], ["51", "99"])`` ⇒ ``[2]``."""
    return np.flatnonzero(np.isin(territories, list(codes)))
