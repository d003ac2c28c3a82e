"""Join the collective's actions to the events they relay, with a confidence score.

An action names its event by store id (``evenement_id``), by the id written in its
file (``evenement_ref``: the event's ``source_id`` such as ``"demo-ev-0042"``, or its
store id as text) or only by a title (``evenement_titre``). The join, in order:

1. **by id** — the id is an event of the table: confidence 1;
2. **by title** — otherwise, among the events whose dates fit the action's date and
   whose territory fits the action's territory, the one whose title is the most similar.
   The confidence multiplies three factors:

   - title similarity (rapidfuzz ``WRatio`` on lower-cased, punctuation-free titles, 0–1;
     ``"retour sur : salon de la sous-traitance"`` vs ``"Salon de la sous-traitance
     industrielle d'Oyonnax"`` ⇒ 0.86);
   - date: 1 when the action is from ``days_near`` days before the start to
     ``days_after`` days after the end; ``far_factor`` when it is an announcement up to
     ``days_before`` days ahead; out of these windows the event is no candidate;
   - territory: the event must lie in the action's région when the action has one;
     1 in the same département (or when the action knows only its région),
     ``other_departement`` in another département, ``no_territory`` when the action has
     no territory at all.

   The best event is taken when its confidence reaches ``min_confidence`` and no other
   event comes within ``ambiguity_margin`` of it; otherwise the action is **ambiguous**
   (the candidates are listed) or **not found**. Nothing is forced: an ambiguous or
   unmatched action keeps no event and stays in every count that does not need one.
3. An action with no territory of its own (no commune, département nor région, and not
   marked ``national``) **inherits its event's** territory (``territoire_herite``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

# How an action was joined to its event (``liaison`` column), in French for the UI.
LIAISONS: dict[str, str] = {
    "id": "Par identifiant",
    "titre": "Par titre",
    "ambigu": "Ambiguë (plusieurs événements possibles)",
    "non_trouve": "Événement introuvable",
    "aucun": "Sans événement",
}
# The location columns an action inherits from its event.
INHERITED = ("code_insee", "commune_nom", "code_departement", "code_region", "siren_epci",
             "id_ti", "lon", "lat", "geo_precision")
_CHUNK_CELLS = 2_000_000  # (action, event) pairs scored at once: bounds the score matrices


@dataclass(frozen=True)
class MatchSettings:
    """Windows (days), factors and thresholds of the title match (see the module doc)."""

    days_before: int = 270
    days_near: int = 30
    days_after: int = 30
    far_factor: float = 0.9
    other_departement: float = 0.9
    no_territory: float = 0.9
    min_confidence: float = 0.8
    ambiguity_margin: float = 0.03


@dataclass(frozen=True, eq=False)
class MatchResult:
    """Actions with their event resolved, and the candidates of the ambiguous ones.

    ``actions`` keeps every input row and column, plus ``evenement_id`` (resolved, else
    NA), ``liaison`` (a code of ``LIAISONS``), ``liaison_score`` (0–1, NaN when no event
    was named) and ``territoire_herite``. ``candidates`` has one row per (ambiguous
    action, candidate event): ``action`` (row label in ``actions``), ``evenement_id``,
    ``titre``, ``date_debut``, ``confiance``.
    """

    actions: pd.DataFrame
    candidates: pd.DataFrame

    def ambiguous(self) -> pd.DataFrame:
        """The actions whose event could be several: listed, never forced."""
        return self.actions[self.actions["liaison"] == "ambigu"]

    def unmatched(self) -> pd.DataFrame:
        """The actions that name an event no row of ``events`` fits."""
        return self.actions[self.actions["liaison"] == "non_trouve"]

    def counts(self) -> dict[str, int]:
        """``{"id": 675, "titre": 210, "ambigu": 4, "non_trouve": 11, "aucun": 600}``."""
        counts = self.actions["liaison"].value_counts()
        return {code: int(counts.get(code, 0)) for code in LIAISONS}


def match_actions(
    actions: pd.DataFrame, events: pd.DataFrame, settings: MatchSettings | None = None,
) -> MatchResult:
    """Join each action to its event (by id, else by title) and inherit territories.

    ``actions`` and ``events`` are canonical frames (``events`` with the store ``id``);
    territory codes should be complete (``dataset.prepare`` does it). No row is added
    or removed; the row labels of ``actions`` are kept.
    """
    settings = settings or MatchSettings()
    out = actions.copy()
    for name in ("evenement_titre", "territoire_niveau"):
        if name not in out.columns:
            out[name] = pd.Series(pd.NA, index=out.index, dtype="str")
    ids = _ids_given(out, events)
    known = ids.isin(events["id"].dropna()).fillna(False).astype(bool)
    out["evenement_id"] = ids.where(known).astype("Int64")
    out["liaison"] = np.where(known, "id", np.where(ids.notna(), "non_trouve", "aucun"))
    out["liaison_score"] = np.where(known, 1.0, np.nan)
    titles = out["evenement_titre"].astype("str").str.strip()
    by_title = ~known & titles.fillna("").ne("")
    found, candidates = match_titles(out[by_title], events, settings)
    out.loc[by_title, "liaison"] = found["liaison"].to_numpy()
    out.loc[by_title, "liaison_score"] = found["confiance"].to_numpy()
    out.loc[by_title, "evenement_id"] = found["evenement_id"].to_numpy()
    out["evenement_id"] = out["evenement_id"].astype("Int64")
    return MatchResult(inherit_territory(out, events), candidates)


def _ids_given(actions: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """``evenement_id``, else ``evenement_ref`` read as a ``source_id`` or a store id."""
    given = (actions["evenement_id"].astype("Int64") if "evenement_id" in actions.columns
             else pd.Series(pd.NA, index=actions.index, dtype="Int64"))
    if "evenement_ref" not in actions.columns:
        return given
    by_ref = dict(zip(events["source_id"].astype("str"), events["id"], strict=True))
    by_ref.update({str(i): i for i in events["id"].dropna()})
    from_ref = actions["evenement_ref"].map(by_ref).astype("Int64")
    return given.fillna(from_ref)


def match_titles(
    actions: pd.DataFrame, events: pd.DataFrame, settings: MatchSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best event of each action by title, date and territory.

    Returns one row per action (same index): ``evenement_id`` (NA unless ``titre``),
    ``confiance``, ``liaison`` (``titre``, ``ambigu`` or ``non_trouve``); and the
    candidates of the ambiguous actions.
    """
    found = pd.DataFrame({"evenement_id": pd.array([pd.NA] * len(actions), dtype="Int64"),
                          "confiance": 0.0, "liaison": "non_trouve"}, index=actions.index)
    pieces: list[pd.DataFrame] = []
    if actions.empty or events.empty:
        return found, _candidates_frame(pieces)
    ev = _EventArrays(events)
    region = actions["code_region"].astype("str")
    for key, group in actions.groupby(region.fillna("\x00"), sort=True):
        choices = ev.subset(None if key == "\x00" else str(key))
        step = max(1, _CHUNK_CELLS // max(len(choices), 1))
        for start in range(0, len(group) if len(choices) else 0, step):
            pieces.append(_score(group.iloc[start:start + step], ev, choices, settings, found))
    return found, _candidates_frame(pieces)


class _EventArrays:
    """Event columns as arrays: processed titles, start/end days, région, département."""

    def __init__(self, events: pd.DataFrame) -> None:
        self.ids = events["id"].astype("Int64").to_numpy()
        self.titles = events["titre"].astype("str").fillna("").map(utils.default_process)
        self.titles = self.titles.to_numpy(dtype=object)
        self.raw_titles = events["titre"].to_numpy(dtype=object)
        self.starts = events["date_debut"].to_numpy()
        start = events["date_debut"].dt.floor("D")
        end = events["date_fin"].where(events["date_fin"].notna(), events["date_debut"])
        self.first_day = start.to_numpy("datetime64[D]").astype("int64")
        self.last_day = np.maximum(end.dt.floor("D").to_numpy("datetime64[D]").astype("int64"),
                                   self.first_day)
        self.region = events["code_region"].astype("str").fillna("").to_numpy(dtype=object)
        self.departement = events["code_departement"].astype("str").fillna("").to_numpy(
            dtype=object)

    def subset(self, region: str | None) -> np.ndarray:
        """Positions of the events of ``region`` (all events when ``None``)."""
        if region is None:
            return np.arange(len(self.ids))
        return np.flatnonzero(self.region == region)


def _score(actions: pd.DataFrame, ev: _EventArrays, choices: np.ndarray,
           settings: MatchSettings, found: pd.DataFrame) -> pd.DataFrame:
    """Score ``actions`` against the events ``choices``; write the verdicts into ``found``."""
    conf = _similarity(actions["evenement_titre"], ev.titles[choices])
    conf *= _date_factor(actions["date"], ev, choices, settings)
    conf *= _territory_factor(actions, ev, choices, settings)
    rows = np.arange(len(actions))
    best = conf.argmax(axis=1)
    best_value = conf[rows, best]
    runner_up = conf.copy()
    runner_up[rows, best] = 0.0
    second = runner_up.max(axis=1)
    close = np.maximum(best_value - settings.ambiguity_margin, settings.min_confidence)
    accepted = best_value >= settings.min_confidence
    ambiguous = accepted & (second >= close)
    verdict = np.where(ambiguous, "ambigu", np.where(accepted, "titre", "non_trouve"))
    found.loc[actions.index, "liaison"] = verdict
    found.loc[actions.index, "confiance"] = np.round(best_value.astype(np.float64), 4)
    chosen = pd.array(np.where(accepted & ~ambiguous, ev.ids[choices[best]], None), dtype="Int64")
    found.loc[actions.index, "evenement_id"] = chosen
    row, col = np.nonzero(ambiguous[:, None] & (conf >= close[:, None]))
    return pd.DataFrame({"action": actions.index.to_numpy()[row],
                         "evenement_id": ev.ids[choices[col]],
                         "titre": ev.raw_titles[choices[col]],
                         "date_debut": ev.starts[choices[col]],
                         "confiance": np.round(conf[row, col].astype(np.float64), 4)})


def _similarity(titles: pd.Series, choices: np.ndarray) -> np.ndarray:
    """Title similarity 0–1, one row per action, one column per event (float32)."""
    processed = titles.astype("str").fillna("").map(utils.default_process).to_numpy(dtype=object)
    unique, inverse = np.unique(processed, return_inverse=True)
    scores = process.cdist(unique, choices, scorer=fuzz.WRatio, processor=None,
                           dtype=np.uint8, workers=1)
    return scores[inverse].astype(np.float32) / np.float32(100)


def _date_factor(dates: pd.Series, ev: _EventArrays, choices: np.ndarray,
                 settings: MatchSettings) -> np.ndarray:
    """1 near the event's dates, ``far_factor`` for an early announcement, else 0."""
    day = dates.dt.floor("D").to_numpy("datetime64[D]").astype("int64")[:, None]
    first, last = ev.first_day[choices][None, :], ev.last_day[choices][None, :]
    near = (day >= first - settings.days_near) & (day <= last + settings.days_after)
    early = (day >= first - settings.days_before) & (day < first - settings.days_near)
    return np.where(near, 1.0, np.where(early, settings.far_factor, 0.0)).astype(np.float32)


def _territory_factor(actions: pd.DataFrame, ev: _EventArrays, choices: np.ndarray,
                      settings: MatchSettings) -> np.ndarray:
    """1 in the action's département (or région when it has no département), less elsewhere.

    Events outside the action's région were left out before; an action with no
    territory gets ``no_territory`` for every event.
    """
    departement = actions["code_departement"].astype("str").fillna("").to_numpy(dtype=object)
    region = actions["code_region"].astype("str").fillna("").to_numpy(dtype=object)
    same = departement[:, None] == ev.departement[choices][None, :]
    only_region = (departement == "")[:, None]
    factor = np.where(same | only_region, 1.0, settings.other_departement)
    nowhere = (region == "") & (departement == "")
    factor = np.where(nowhere[:, None], settings.no_territory, factor)
    return factor.astype(np.float32)


def _candidates_frame(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    columns = ["action", "evenement_id", "titre", "date_debut", "confiance"]
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame = pd.concat(pieces, ignore_index=True)
    frame["evenement_id"] = frame["evenement_id"].astype("Int64")
    return frame.sort_values(["action", "confiance"], ascending=[True, False], ignore_index=True)


def inherit_territory(actions: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Actions with no territory of their own take their event's location columns.

    An action marked ``territoire_niveau = "national"`` keeps no territory on purpose.
    ``territoire_herite`` tells which rows inherited.
    """
    out = actions.copy()
    own = out[["code_insee", "code_departement", "code_region"]].notna().any(axis=1)
    national = out["territoire_niveau"].eq("national").fillna(False).astype(bool)
    heir = ~own & ~national & out["evenement_id"].notna()
    out["territoire_herite"] = heir.to_numpy()
    if not heir.any():
        return out
    by_id = events.drop_duplicates("id").set_index("id")
    source = by_id.reindex(out.loc[heir, "evenement_id"].to_numpy())
    for name in INHERITED:
        if name in source.columns:
            if name not in out.columns:
                out[name] = pd.Series(None, index=out.index, dtype=source[name].dtype)
            out.loc[heir, name] = source[name].to_numpy()
    levels = np.where(source["code_insee"].notna(), "commune",
                      np.where(source["code_departement"].notna(), "departement", "region"))
    out.loc[heir, "territoire_niveau"] = levels
    return out
