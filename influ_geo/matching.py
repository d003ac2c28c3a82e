"""Join the collective's actions to the events they relay, with a confidence score.

An action names its event by store id (``evenement_id``), by the id written in its
file (``evenement_ref``: the event's ``source_id`` such as ``"demo-ev-0042"``, or its
store id as text) or only by a title (``evenement_titre``). The join, in order:

1. **by id** — the id is an event of the table: confidence 1;
2. **by title** — otherwise, among the events whose dates fit the action's date and
   whose territory fits the action's territory, the one whose title is the most similar.
   The confidence multiplies three factors:

   - title similarity (rapidfuzz ``WRatio`` on lower-cased, punctuation-free titles, 0–1;
     ``"Retour sur : Salon de la sous-traitance industrielle d'Oyonnax"`` vs ``"Salon de
     la sous-traitance industrielle d'Oyonnax"`` ⇒ 0.95);
   - date: 1 when the action is from ``days_near`` days before the start to
     ``days_after`` days after the end; ``far_factor`` when it is an announcement up to
     ``days_before`` days ahead; out of these windows the event is no candidate;
   - territory: an action that knows its département is matched among the events of
     that département, one that knows only its région among the events of the région
     (factor 1); an action with no territory among all events, factor ``no_territory``.

   A title equal to an event's title once lower-cased and stripped of punctuation scores
   1 against that event only (no costly comparison); the others are compared with every
   event that their dates and territory allow — actions are scored in blocks of a few
   days, against the events of their territory whose windows reach those days — and a
   similarity under ``min_confidence`` is not worked out (it counts as 0: such an event
   can be neither taken nor a rival).

   The best event is taken when its confidence reaches ``min_confidence`` and no other
   event comes within ``ambiguity_margin`` of it; otherwise the action is **ambiguous**
   (the candidates are listed) or **not found**. Nothing is forced: an ambiguous or
   unmatched action keeps no event and stays in every count that does not need one.
3. An action with no territory of its own (no commune, département nor région, and not
   marked ``national``) **inherits its event's** territory (``territoire_herite``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from influ_geo import config, matching_cache
from influ_geo.matching_cache import Triple, Verdict

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
# Actions scored together span at most this many days: the events their dates allow are
# then few (at national scale, ~45 % of a territory's events instead of all of them).
_SPAN_DAYS = 14


@dataclass(frozen=True)
class MatchSettings:
    """Windows (days), factors and thresholds of the title match (see the module doc)."""

    days_before: int = config.MATCH_DAYS_BEFORE
    days_near: int = config.MATCH_DAYS_NEAR
    days_after: int = config.MATCH_DAYS_AFTER
    far_factor: float = 0.9
    no_territory: float = 0.9
    min_confidence: float = config.MATCH_MIN_CONFIDENCE
    ambiguity_margin: float = config.MATCH_AMBIGUITY_MARGIN


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
    """``evenement_id``, else ``evenement_ref`` read as a ``source_id`` or a store id,
    else ``evenement_titre`` equal to a ``source_id``: an import keeps there the id of an
    event that was not in the store yet (``"41852310"``), so the action is joined to it
    once the event is imported."""
    given = (actions["evenement_id"].astype("Int64") if "evenement_id" in actions.columns
             else pd.Series(pd.NA, index=actions.index, dtype="Int64"))
    by_source = {source: i for source, i in zip(events["source_id"].astype("str"),
                                                 events["id"], strict=True)
                 if isinstance(source, str)}  # NaN: an event without source id
    if "evenement_ref" in actions.columns:
        by_ref = {**by_source, **{str(i): i for i in events["id"].dropna()}}
        given = given.fillna(actions["evenement_ref"].map(by_ref).astype("Int64"))
    if "evenement_titre" in actions.columns:
        titles = actions["evenement_titre"].astype("str").str.strip()
        given = given.fillna(titles.map(by_source).astype("Int64"))
    return given


def match_titles(
    actions: pd.DataFrame, events: pd.DataFrame, settings: MatchSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best event of each action by title, date and territory.

    Returns one row per action (same index): ``evenement_id`` (NA unless ``titre``),
    ``confiance``, ``liaison`` (``titre``, ``ambigu`` or ``non_trouve``); and the
    candidates of the ambiguous actions.
    """
    verdicts = _Verdicts(len(actions))
    if actions.empty or events.empty:
        return verdicts.frame(actions.index, np.array([], dtype=object)), _candidates_frame([])
    ev = _EventArrays(events)
    queries = actions["evenement_titre"].astype("str").fillna("").map(utils.default_process)
    queries = queries.to_numpy(dtype=object)
    codes = ev.title_index.get_indexer(queries)
    keys = _group_keys(actions)
    days = actions["date"].dt.floor("D").to_numpy("datetime64[D]").astype("int64")
    key = _memo_key(ev, settings)
    memo = _memo(key)
    triples = list(zip(queries.tolist(), keys.tolist(), days.tolist(), strict=True))
    seen = np.array([t in memo for t in triples], dtype=bool)
    known = np.flatnonzero(seen)
    verdicts.recall(known, [memo[triples[r]] for r in known.tolist()])
    new = np.flatnonzero(~seen)
    if len(new):
        _score_rows(new, queries, codes, keys, days, ev, settings, verdicts)
        verdicts.remember(new, [triples[r] for r in new], memo)
        with _MEMO_LOCK:
            matching_cache.write(key, dict(memo))
    return verdicts.frame(actions.index, ev.ids), verdicts.candidates(actions.index, ev)


def _score_rows(new: np.ndarray, queries: np.ndarray, codes: np.ndarray, keys: np.ndarray,
                days: np.ndarray, ev: _EventArrays, settings: MatchSettings,
                verdicts: _Verdicts) -> None:
    """Score the actions at positions ``new``, block by block (territory, then dates)."""
    for key, found in pd.Series(keys[new]).groupby(keys[new]).indices.items():
        rows = new[found]
        territory = ev.subset(str(key))
        rows = rows[np.argsort(days[rows], kind="stable")]  # a block spans few dates
        for part in _date_parts(rows, days[rows], max(len(territory), 1)):
            # Only the events whose windows reach the block's days can be candidates.
            choices = ev.within(territory, days[part[0]], days[part[-1]], settings)
            if len(choices):
                block = _Block(part, days[part], queries[part], codes[part], choices, str(key))
                _score(block, ev, settings, verdicts)


# The verdict of an action depends only on its processed title, territory key and day,
# given the events and the settings: verdicts are kept per events table (the few most
# recent in memory, on disk through ``matching_cache``), so reloading the store after a
# write that leaves the events as they were (an action added, edited or imported), or
# restarting the app, scores only the actions not seen before.
_MEMO: OrderedDict[bytes, dict[Triple, Verdict]] = OrderedDict()
_MEMO_TABLES = 2
_MEMO_LOCK = threading.Lock()
# Part of the key of the verdicts kept on disk: change it with the scoring, and the
# verdicts worked out by the former scoring are no longer recalled.
SCORING_VERSION = "titre-1"


def _memo_key(ev: _EventArrays, settings: MatchSettings) -> bytes:
    """A digest of the events, the settings and the scoring version."""
    digest = hashlib.blake2b(f"{SCORING_VERSION}{settings!r}".encode(), digest_size=20)
    digest.update("\x1f".join(ev.titles.tolist()).encode())
    for array in (ev.ids.astype("float64"), ev.first_day, ev.last_day):
        digest.update(np.ascontiguousarray(array).tobytes())
    for places in ev.places.values():
        digest.update("\x1f".join(places.tolist()).encode())
    return digest.digest()


def _memo(key: bytes) -> dict[Triple, Verdict]:
    """The verdicts already worked out against the events table ``key`` (in memory, else
    read from disk)."""
    with _MEMO_LOCK:
        table = _MEMO.get(key)
        if table is None:
            table = _MEMO[key] = matching_cache.read(key)
        _MEMO.move_to_end(key)
        while len(_MEMO) > _MEMO_TABLES:
            _MEMO.popitem(last=False)
    return table


class _Verdicts:
    """The verdict of each action (by position) and the candidates of the ambiguous ones."""

    def __init__(self, n: int) -> None:
        self.liaison = np.full(n, "non_trouve", dtype=object)
        self.confiance = np.zeros(n)
        self.event = np.full(n, -1, dtype=np.int64)  # position in the events, -1: none
        self.pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # row, event, conf

    def frame(self, index: pd.Index, ids: np.ndarray) -> pd.DataFrame:
        """``evenement_id`` (the id of the event taken, else NA), ``confiance``, ``liaison``."""
        taken = self.event >= 0
        event_ids = pd.array([pd.NA] * len(index), dtype="Int64")
        event_ids[taken] = pd.array(ids[self.event[taken]], dtype="Int64")
        return pd.DataFrame({"evenement_id": event_ids, "confiance": self.confiance,
                             "liaison": self.liaison}, index=index)

    def recall(self, rows: np.ndarray, known: list[Verdict]) -> None:
        """Write the verdicts ``known`` of the actions at ``rows``."""
        for row, verdict in zip(rows.tolist(), known, strict=True):
            self.liaison[row], self.confiance[row] = verdict.liaison, verdict.confiance
            self.event[row] = verdict.event
            if verdict.candidates:
                cols, confs = zip(*verdict.candidates, strict=True)
                self.pairs.append((np.full(len(cols), row), np.array(cols), np.array(confs)))

    def remember(self, rows: np.ndarray, triples: list[Triple],
                 memo: dict[Triple, Verdict]) -> None:
        """Keep the verdicts of the actions at ``rows`` in ``memo`` under ``triples``."""
        listed: dict[int, list[tuple[int, float]]] = {}
        for row, col, conf in self.pairs:
            for r, c, v in zip(row.tolist(), col.tolist(), conf.tolist(), strict=True):
                listed.setdefault(r, []).append((c, v))
        for row, triple in zip(rows.tolist(), triples, strict=True):
            memo[triple] = Verdict(str(self.liaison[row]), float(self.confiance[row]),
                                    int(self.event[row]), tuple(listed.get(row, ())))

    def candidates(self, index: pd.Index, ev: _EventArrays) -> pd.DataFrame:
        return _candidates_frame([pd.DataFrame({
            "action": index.to_numpy()[row], "evenement_id": ev.ids[col],
            "titre": ev.raw_titles[col], "date_debut": ev.starts[col], "confiance": conf})
            for row, col, conf in self.pairs])


def _date_parts(rows: np.ndarray, days: np.ndarray, width: int) -> list[np.ndarray]:
    """``rows`` (sorted by ``days``) cut into blocks spanning at most ``_SPAN_DAYS`` days
    and ``_CHUNK_CELLS // width`` rows: small score matrices, few candidate events each."""
    if not len(rows):
        return []
    step = max(1, _CHUNK_CELLS // width)
    period = (days - days[0]) // _SPAN_DAYS
    cuts = np.flatnonzero(np.diff(period)) + 1
    cuts = np.union1d(cuts, np.arange(step, len(rows), step))
    return np.split(rows, cuts)


def _group_keys(actions: pd.DataFrame) -> np.ndarray:
    """``"d:08"`` (département known), ``"r:44"`` (région only) or ``""`` (no territory)."""
    departement = actions["code_departement"].astype("str")
    region = actions["code_region"].astype("str")
    keys = np.where(departement.notna(), "d:" + departement.fillna(""),
                    np.where(region.notna(), "r:" + region.fillna(""), ""))
    return keys.astype(object)


class _EventArrays:
    """Event columns as arrays: processed titles and their codes, days, territories."""

    def __init__(self, events: pd.DataFrame) -> None:
        self.ids = events["id"].astype("Int64").to_numpy()
        titles = events["titre"].astype("str").fillna("").map(utils.default_process)
        self.titles = titles.to_numpy(dtype=object)
        self.title_codes, uniques = pd.factorize(self.titles)
        self.title_index = pd.Index(uniques)
        self.raw_titles = events["titre"].to_numpy(dtype=object)
        self.starts = events["date_debut"].to_numpy()
        start = events["date_debut"].dt.floor("D")
        end = events["date_fin"].where(events["date_fin"].notna(), events["date_debut"])
        self.first_day = start.to_numpy("datetime64[D]").astype("int64")
        self.last_day = np.maximum(end.dt.floor("D").to_numpy("datetime64[D]").astype("int64"),
                                   self.first_day)
        self.places = {"d": events["code_departement"].astype("str").fillna("").to_numpy(),
                       "r": events["code_region"].astype("str").fillna("").to_numpy()}

    def within(self, choices: np.ndarray, first: int, last: int,
               settings: MatchSettings) -> np.ndarray:
        """The events of ``choices`` that an action dated from day ``first`` to day
        ``last`` can relay (see ``_date_factor``): the others score 0 for all of them."""
        reach = ((self.first_day[choices] - settings.days_before <= last)
                 & (self.last_day[choices] + settings.days_after >= first))
        return choices[reach]

    def subset(self, key: str) -> np.ndarray:
        """Positions of the events of ``"d:08"``, ``"r:44"``, or all events for ``""``."""
        if not key:
            return np.arange(len(self.ids))
        kind, code = key.split(":", 1)
        return np.flatnonzero(self.places[kind] == code)


@dataclass(frozen=True, eq=False)
class _Block:
    """Actions scored together against the same candidate events."""

    rows: np.ndarray  # positions of the actions
    days: np.ndarray  # their day (days since 1970)
    queries: np.ndarray  # processed titles
    codes: np.ndarray  # code of the event title equal to the query, -1 if none
    choices: np.ndarray  # positions of the candidate events
    key: str  # the territory the block shares (see ``_group_keys``)


def _score(block: _Block, ev: _EventArrays, settings: MatchSettings,
           verdicts: _Verdicts) -> None:
    """Score a block of actions; write the verdicts and the candidates of the ambiguous
    ones into ``verdicts``."""
    choices = block.choices
    factor = _date_factor(block.days, ev, choices, settings)
    if not block.key:
        factor *= np.float32(settings.no_territory)
    # Factors are at most 1: a similarity under ``min_confidence`` can neither be taken
    # nor compete, and is not worked out (the same for every block, so no verdict nor
    # confidence depends on how the actions were cut into blocks).
    conf = _similarity(block, ev, factor > 0, settings.min_confidence) * factor
    rows = np.arange(len(conf))
    best = conf.argmax(axis=1)
    best_value = conf[rows, best]
    runner_up = conf.copy()
    runner_up[rows, best] = 0.0
    second = runner_up.max(axis=1)
    close = np.maximum(best_value - settings.ambiguity_margin, settings.min_confidence)
    accepted = best_value >= settings.min_confidence
    ambiguous = accepted & (second >= close)
    verdicts.liaison[block.rows] = np.where(ambiguous, "ambigu",
                                            np.where(accepted, "titre", "non_trouve"))
    verdicts.confiance[block.rows] = np.round(best_value.astype(np.float64), 4)
    verdicts.event[block.rows] = np.where(accepted & ~ambiguous, choices[best], -1)
    row, col = np.nonzero(ambiguous[:, None] & (conf >= close[:, None]))
    if len(row):
        verdicts.pairs.append((block.rows[row], choices[col],
                               np.round(conf[row, col].astype(np.float64), 4)))


def _similarity(block: _Block, ev: _EventArrays, possible: np.ndarray,
                cutoff: float = 0.0) -> np.ndarray:
    """Title similarity 0–1, one row per action, one column per candidate event.

    A title equal (once processed) to the title of a possible event scores 1 against the
    events of that title only; the other titles are scored with ``WRatio`` against the
    possible events (dates and territory allow them), the only costly step.
    """
    equal = (block.codes[:, None] == ev.title_codes[block.choices][None, :]) & possible
    exact = equal.any(axis=1)
    similarity = equal.astype(np.float32)
    fuzzy = np.flatnonzero(~exact)
    columns = np.flatnonzero(possible[fuzzy].any(axis=0)) if len(fuzzy) else fuzzy
    if len(columns):
        unique, inverse = np.unique(block.queries[fuzzy], return_inverse=True)
        scores = process.cdist(unique, ev.titles[block.choices[columns]], scorer=fuzz.WRatio,
                               processor=None, dtype=np.uint8, workers=-1,
                               score_cutoff=max(0, int(cutoff * 100) - 1))
        similarity[np.ix_(fuzzy, columns)] = scores[inverse].astype(np.float32) / 100
    return similarity


def _date_factor(days: np.ndarray, ev: _EventArrays, choices: np.ndarray,
                 settings: MatchSettings) -> np.ndarray:
    """1 near the event's dates, ``far_factor`` for an early announcement, else 0."""
    day = days[:, None]
    first, last = ev.first_day[choices][None, :], ev.last_day[choices][None, :]
    near = (day >= first - settings.days_near) & (day <= last + settings.days_after)
    early = (day >= first - settings.days_before) & (day < first - settings.days_near)
    return np.where(near, 1.0, np.where(early, settings.far_factor, 0.0)).astype(np.float32)


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
