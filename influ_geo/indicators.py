"""Indicators per territory, for each level and any filter set.

``compute(data, filters)`` gives one frame per level (``region``, ``departement``,
``epci``, ``ti``) with **every territory of the level**, in code order: a territory
with no action, no event or no site is a row of zeros, never a missing row. All levels
come from one selection of rows (the filter masks are computed once) and each column
is a ``numpy.bincount`` over the territory position each row already carries.

Columns (French names, shared with the maps and the CSV exports):

=================================  ==================================================
``code``, ``nom``, ``code_region``  the territory and the région holding most of it
``actions``                        actions done in the period (``statut`` ≠ prévue)
``actions_prevues``                relays planned in the period ("Je relaie")
``membres_actifs``                 distinct members with an action done in the period
``portee``                         sum of impressions of those actions (when known)
``reactions``                      sum of reactions (when known)
``actions_mesurees``               actions whose impressions are known
``themes_couverts``                themes among the five with at least one action (0–5)
``derniere_action``                date of the last action done up to ``today``, any
                                   period (other filters apply); NaT when none ever
``jours_depuis_derniere_action``   days from it to ``today`` (NA: never)
``evenements_passes``              events started before ``today`` overlapping the period
``evenements_a_venir``             events starting on ``today`` or later (any period)
``evenements_relayes``             of those past and upcoming events, relayed by at
                                   least one selected action (done or planned, any period)
``evenements_non_relayes``         the others
``evenements_a_venir_non_relayes`` upcoming events nobody relays yet
``sites``                          industrial sites (sector and size filters apply)
``sites_0_9`` … ``sites_inconnue``  sites per size class (``filters.CLASSES_TAILLE``)
``emplois_estimes``                employment estimate: middle of each headcount band
``poids``                          the industrial weight used below (see below)
``part_actions``                   share of the collective's located actions
``part_poids``                     share of the industrial weight
``indice_couverture``              ``part_actions / part_poids``: 1 = mobilised as
                                   much as industry weighs, below 1 = under-mobilised
=================================  ==================================================

Shares are taken over the rows located precisely enough for the level (a région,
département, EPCI; for Territoires d'industrie, every row whose commune is known, so a
TI's share is a share of the whole country). **Zero weight**: a territory without any
industrial weight has no coverage index (NaN, shown "n.d."): its actions cannot be
compared with an industry that is not there, and it is never ranked as under-mobilised.

The industrial weight ``poids`` is the employment estimate (``"emplois"``; a site
without headcount band counts as the median estimate of the selected sites that have
one, so a territory whose sites lack bands still weighs) or the number of sites
(``"sites"``); ``"auto"`` (default) takes employment when at least half of the selected
sites have a headcount band, else sites (ICPE lists carry no headcount). The frame's
``attrs`` say which (``attrs["poids"]``), with the ``level`` and ``today``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from influ_geo import config
from influ_geo.dataset import LEVELS, Dataset, check_level
from influ_geo.filters import (
    CLASSES_TAILLE,
    NO_FILTERS,
    Filters,
    action_mask,
    event_mask,
    site_mask,
)

POIDS = {"emplois": "Emplois estimés", "sites": "Sites industriels"}
N_THEMES = 5
# Share of sites with a headcount band above which "auto" weighs by employment.
MIN_SHARE_WITH_HEADCOUNT = config.MIN_SHARE_WITH_HEADCOUNT
# Site columns per data set, level, weight basis and site selection: they do not depend on
# the period, themes, channels… so a filter change on 500,000 sites reuses them.
_SITE_MEMO: weakref.WeakKeyDictionary[Dataset, dict[tuple, dict[str, np.ndarray]]] = \
    weakref.WeakKeyDictionary()
_SITE_MEMO_SIZE = 64
# Row masks per data set and filter set: one page run asks for the rows of the same
# filters several times (key figures, map, tables: ~4 ms each on 100,000 actions and
# 500,000 sites); a few filter sets per session are enough (period, the one before…).
_SELECT_MEMO: weakref.WeakKeyDictionary[Dataset, OrderedDict[Filters, Selection]] = \
    weakref.WeakKeyDictionary()
_SELECT_MEMO_SIZE = 16
_SELECT_LOCK = threading.Lock()  # sessions run in threads of one process


@dataclass(frozen=True)
class Selection:
    """The rows one filter set keeps, computed once for every level."""

    done: np.ndarray  # actions done in the period
    planned: np.ndarray  # actions planned in the period
    recent: np.ndarray  # actions done up to today, any period
    past_events: np.ndarray
    upcoming_events: np.ndarray
    relayed: np.ndarray  # per event: relayed by a selected action (any period)
    sites: np.ndarray
    relaying: np.ndarray  # actions that count as relays: selected, done or planned, any period


def select(data: Dataset, filters: Filters = NO_FILTERS) -> Selection:
    """Boolean masks of the rows of ``data`` that ``filters`` keeps.

    The masks are computed once per data set and filter set (the last
    ``_SELECT_MEMO_SIZE``); each call returns its own copies, which the caller may modify.
    """
    with _SELECT_LOCK:
        memo = _SELECT_MEMO.setdefault(data, OrderedDict())
        kept = memo.get(filters)
        if kept is not None:
            memo.move_to_end(filters)
    if kept is None:
        kept = _select(data, filters)
        with _SELECT_LOCK:
            memo[filters] = kept
            while len(memo) > _SELECT_MEMO_SIZE:
                memo.popitem(last=False)
    return Selection(**{field.name: getattr(kept, field.name).copy()
                        for field in dataclasses.fields(Selection)})


def _select(data: Dataset, filters: Filters) -> Selection:
    actions, events = data.actions, data.events
    today = pd.Timestamp(data.today)
    prevue = actions["prevue"].to_numpy(dtype=bool)
    in_period = action_mask(actions, filters)
    any_period = action_mask(actions, filters, period=False)
    until_today = (actions["date"] < today + pd.Timedelta(days=1)).to_numpy(dtype=bool)
    starts_later = (events["date_debut"] >= today).to_numpy(dtype=bool)
    relayed = np.zeros(len(events), dtype=bool)
    linked = actions["evenement_pos"].to_numpy()
    relayed[linked[any_period & (linked >= 0)]] = True
    return Selection(
        done=in_period & ~prevue, planned=in_period & prevue,
        recent=any_period & ~prevue & until_today,
        past_events=event_mask(events, filters) & ~starts_later,
        upcoming_events=event_mask(events, filters, period=False) & starts_later,
        relayed=relayed, sites=site_mask(data.sites, filters), relaying=any_period)


def compute(
    data: Dataset, filters: Filters = NO_FILTERS, levels: tuple[str, ...] = LEVELS,
    *, poids: str = "auto",
) -> dict[str, pd.DataFrame]:
    """Indicators of every territory of each of ``levels`` (see the module doc).

    ``compute(data, Filters(themes=["inclusion"]))["departement"]`` ⇒ 101 rows.
    """
    selection = select(data, filters)
    basis = weight_basis(data, selection, poids)
    return {level: _level_frame(data, selection, check_level(level), basis) for level in levels}


def indicators(
    data: Dataset, level: str, filters: Filters = NO_FILTERS, *, poids: str = "auto",
) -> pd.DataFrame:
    """Indicators of every territory of one ``level`` (see the module doc)."""
    return compute(data, filters, (level,), poids=poids)[level]


def weight_basis(data: Dataset, selection: Selection, poids: str = "auto") -> str:
    """``"emplois"`` or ``"sites"``; ``"auto"`` picks employment when half the selected
    sites or more have a headcount band."""
    if poids not in (*POIDS, "auto"):
        raise ValueError(f"poids « {poids} » inconnu ; valeurs acceptées : auto, "
                         + ", ".join(POIDS))
    if poids != "auto":
        return poids
    effectif = data.sites["effectif"].to_numpy()[selection.sites]
    known = np.isfinite(effectif).sum()
    return "emplois" if len(effectif) and known >= MIN_SHARE_WITH_HEADCOUNT * len(effectif) \
        else "sites"


class _Counter:
    """``bincount`` of one table's rows over the territories of one level."""

    def __init__(self, positions: np.ndarray, size: int) -> None:
        self.positions = positions
        self.size = size

    def count(self, mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        keep = mask & (self.positions >= 0)
        w = None if weights is None else weights[keep]
        return np.bincount(self.positions[keep], weights=w, minlength=self.size)

    def distinct(self, mask: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
        """Distinct non-negative ``codes`` per territory (members, themes)."""
        keep = mask & (self.positions >= 0) & (codes >= 0)
        pairs = np.unique(self.positions[keep].astype(np.int64) * n_codes + codes[keep])
        return np.bincount(pairs // n_codes, minlength=self.size)

    def latest(self, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Largest int64 value per territory; ``iinfo.min`` where none."""
        out = np.full(self.size, np.iinfo(np.int64).min, dtype=np.int64)
        keep = mask & (self.positions >= 0)
        np.maximum.at(out, self.positions[keep], values[keep])
        return out


def _level_frame(data: Dataset, sel: Selection, level: str, basis: str) -> pd.DataFrame:
    territories = data.territories[level]
    size = len(territories)
    columns: dict[str, np.ndarray] = {}
    columns.update(_action_columns(data, sel, level, size))
    columns.update(_event_columns(data, sel, level, size))
    sites = _site_part(data, sel, level, size, basis)
    columns.update({name: values for name, values in sites.items() if name != "poids_total"})
    columns.update(_coverage(data, sel, level, columns, float(sites["poids_total"][0])))
    # One constructor rather than a column at a time (~25 insertions: half the time).
    named = {name: territories[name] for name in ("code", "nom", "code_region")}
    out = pd.DataFrame({**named, **columns}, index=territories.index)
    out.attrs.update(level=level, poids=basis, today=data.today)
    return out


def _action_columns(data: Dataset, sel: Selection, level: str,
                    size: int) -> dict[str, np.ndarray]:
    counter = _Counter(data.position("actions", level), size)
    impressions, reactions, members, themes, dates = _action_arrays(data)
    measured = np.isfinite(impressions)
    last = counter.latest(sel.recent, dates)
    never = last == np.iinfo(np.int64).min
    last_dates = np.where(never, np.datetime64("NaT", "us"), last.astype("datetime64[us]"))
    today = np.datetime64(data.today, "D")
    days = (today - last_dates.astype("datetime64[D]")).astype(np.int64)
    n_members = len(data.actions["membre"].cat.categories)
    return {
        "actions": counter.count(sel.done),
        "actions_prevues": counter.count(sel.planned),
        "membres_actifs": counter.distinct(sel.done, members, max(n_members, 1)),
        "portee": counter.count(sel.done & measured, np.nan_to_num(impressions)).astype(np.int64),
        "reactions": counter.count(sel.done & np.isfinite(reactions),
                                   np.nan_to_num(reactions)).astype(np.int64),
        "actions_mesurees": counter.count(sel.done & measured),
        "themes_couverts": counter.distinct(sel.done, themes, N_THEMES),
        "derniere_action": last_dates,
        "jours_depuis_derniere_action": pd.array(np.where(never, np.nan, days), dtype="Int64"),
    }


_ACTION_ARRAYS: weakref.WeakKeyDictionary[Dataset, tuple[np.ndarray, ...]] = \
    weakref.WeakKeyDictionary()


def _action_arrays(data: Dataset) -> tuple[np.ndarray, ...]:
    """Impressions and reactions (float, NaN unknown), member and theme codes, dates
    (int64 µs) of the actions: converted once per data set (read-only), not per level."""
    if data not in _ACTION_ARRAYS:
        actions = data.actions
        arrays = (
            actions["impressions"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            actions["reactions"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            actions["membre"].cat.codes.to_numpy().astype(np.int64),
            actions["theme"].cat.codes.to_numpy().astype(np.int64),
            actions["date"].to_numpy("datetime64[us]").astype(np.int64))
        for array in arrays:
            array.flags.writeable = False
        _ACTION_ARRAYS[data] = arrays
    return _ACTION_ARRAYS[data]


def _event_columns(data: Dataset, sel: Selection, level: str,
                   size: int) -> dict[str, np.ndarray]:
    counter = _Counter(data.position("events", level), size)
    shown = sel.past_events | sel.upcoming_events
    return {
        "evenements_passes": counter.count(sel.past_events),
        "evenements_a_venir": counter.count(sel.upcoming_events),
        "evenements_relayes": counter.count(shown & sel.relayed),
        "evenements_non_relayes": counter.count(shown & ~sel.relayed),
        "evenements_a_venir_non_relayes": counter.count(sel.upcoming_events & ~sel.relayed),
    }


def _site_columns(data: Dataset, sel: Selection, level: str,
                  size: int) -> dict[str, np.ndarray]:
    sites = data.sites
    counter = _Counter(data.position("sites", level), size)
    classes = sites["classe_taille"].cat.codes.to_numpy().astype(np.int64)
    effectif = sites["effectif"].to_numpy(dtype=float)
    known = np.isfinite(effectif)
    out = {"sites": counter.count(sel.sites)}
    for number, code in enumerate(CLASSES_TAILLE):
        out[f"sites_{code}"] = counter.count(sel.sites & (classes == number))
    out["emplois_estimes"] = counter.count(sel.sites & known,
                                           np.nan_to_num(effectif)).astype(np.int64)
    return out


def _site_part(data: Dataset, sel: Selection, level: str, size: int,
               basis: str) -> dict[str, np.ndarray]:
    """Site columns, the industrial weight per territory (``poids_weight``) and in all
    (``poids_total``, one value), computed once per data set, level, weight basis and
    site selection; the arrays are read-only (shared by every later call)."""
    digest = hashlib.blake2b(np.packbits(sel.sites).tobytes(), digest_size=16).digest()
    key = (level, basis, len(sel.sites), digest)
    memo = _SITE_MEMO.setdefault(data, {})
    if key not in memo:
        if len(memo) >= _SITE_MEMO_SIZE:
            memo.clear()
        part = _site_columns(data, sel, level, size)
        weights = site_weights(data, sel, basis)
        part["poids_weight"] = _Counter(data.position("sites", level), size).count(
            sel.sites, weights)
        located = sel.sites & data.located[("sites", level)]
        part["poids_total"] = np.array([float(weights[located].sum())])
        for values in part.values():
            values.flags.writeable = False
        memo[key] = part
    return memo[key]


def site_weights(data: Dataset, selection: Selection, basis: str) -> np.ndarray:
    """Industrial weight of each site: 1 (``"sites"``), or its employment estimate with a
    site of unknown headcount counted at the median estimate of the selected sites that
    have one (``"emplois"``): ``[35, 375, NaN, 15]`` ⇒ ``[35, 375, 35, 15]``."""
    effectif = data.sites["effectif"].to_numpy(dtype=float)
    if basis == "sites":
        return np.ones(len(effectif))
    known = effectif[selection.sites & np.isfinite(effectif)]
    fill = float(np.median(known)) if len(known) else 0.0
    return np.where(np.isfinite(effectif), effectif, fill)


def _coverage(data: Dataset, sel: Selection, level: str, columns: dict[str, np.ndarray],
              total_weight: float) -> dict[str, np.ndarray]:
    """Shares of actions and of industrial weight (``columns["poids_weight"]``, popped),
    and their ratio (NaN for zero weight)."""
    size = len(columns["actions"])
    weight = columns.pop("poids_weight")
    total_actions = int((sel.done & data.located[("actions", level)]).sum())
    part_actions = columns["actions"] / total_actions if total_actions else np.zeros(size)
    part_poids = weight / total_weight if total_weight else np.zeros(size)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(part_poids > 0, part_actions / np.where(part_poids > 0, part_poids, 1),
                         np.nan)
    return {"poids": np.round(weight).astype(np.int64), "part_actions": part_actions,
            "part_poids": part_poids, "indice_couverture": index}


def key_figures(data: Dataset, filters: Filters = NO_FILTERS) -> dict[str, int]:
    """National figures of the landing page for ``filters``.

    ``{"actions": 1204, "membres_actifs": 38, "departements_touches": 61,
    "ti_touches": 9, "evenements_a_venir": 100, "evenements_a_venir_non_relayes": 71}``
    (a département is "touché" when it has an action done in the period).
    """
    sel = select(data, filters)
    upcoming = sel.upcoming_events
    members = data.actions["membre"].cat.codes.to_numpy()[sel.done]
    return {
        "actions": int(sel.done.sum()),
        "membres_actifs": int(np.unique(members[members >= 0]).size),
        "departements_touches": _reached(data, sel, "departement"),
        "departements": len(data.territories["departement"]),
        "ti_touches": _reached(data, sel, "ti"),
        "ti": len(data.territories["ti"]),
        "evenements_a_venir": int(upcoming.sum()),
        "evenements_a_venir_non_relayes": int((upcoming & ~sel.relayed).sum()),
    }


def _reached(data: Dataset, sel: Selection, level: str) -> int:
    """Territories of ``level`` with at least one action done in the selection."""
    positions = data.position("actions", level)[sel.done]
    return int(np.unique(positions[positions >= 0]).size)
