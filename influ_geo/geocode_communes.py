"""Steps 2–4 of the geocoding chain: the commune a row declares, by code or by name.

2. INSEE code ⇒ current commune (arrondissements of Paris/Lyon/Marseille, old codes of
   communes déléguées/associées, Corsican ``20xxx`` codes of before 1976);
3. postcode + name ⇒ exact key join, then fuzzy match among the communes of that
   postcode (pairs built by a join, scored by ``rapidfuzz.process.cpdist``);
4. name + département (given, or deduced from the postcode, CEDEX included) ⇒ exact
   join, then fuzzy match grouped by département (``rapidfuzz.process.cdist``); without
   any département, a name borne by a single commune of France.

Exact matches are hash joins (``pandas.Index.get_indexer``) on the tables of
``geocode_index``; only the rest is fuzzy. Results are positions in
``referentiel.communes()`` (``-1`` when not found).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from influ_geo import config
from influ_geo.geocode_index import (
    SEP,
    CommuneIndex,
    commune_index,
    lookup_codes,
    postcode_prefix,
)
from influ_geo.geocode_points import join_notes
from influ_geo.textnorm import full_name_keys

# Confidence given to each way of finding the commune (geo_score, 0–1).
SCORE_CODE = 1.0
SCORE_POSTCODE_NAME = 1.0
SCORE_POSTCODE_FUZZY = 0.9  # × similarity
SCORE_POSTCODE_ONLY = 0.7
SCORE_DEPARTEMENT_NAME = 0.9
SCORE_DEPARTEMENT_FUZZY = 0.8  # × similarity
SCORE_NAME_ONLY = 0.8


@dataclass
class Declared:
    """The commune each row declares: position in the communes table, score and note."""

    pos: np.ndarray  # int64, -1 when none
    score: np.ndarray  # float
    note: np.ndarray  # object: "" or French notes

    def found(self) -> np.ndarray:
        """True for the rows whose commune is known."""
        return self.pos >= 0

    def accept(self, rows: np.ndarray, pos: np.ndarray, score: np.ndarray | float) -> None:
        """Set the commune of ``rows`` (positional indices) where ``pos >= 0``."""
        ok = pos >= 0
        self.pos[rows[ok]] = pos[ok]
        self.score[rows[ok]] = score[ok] if isinstance(score, np.ndarray) else score

    def add_note(self, rows: np.ndarray, notes: np.ndarray | str) -> None:
        """Append French notes to ``rows``."""
        notes = np.full(len(rows), notes, dtype=object) if isinstance(notes, str) else notes
        self.note[rows] = join_notes(self.note[rows], notes)


def match_communes(inputs: pd.DataFrame) -> Declared:
    """Steps 2–4 over canonical, normalised columns, all optional: ``code_insee``,
    ``code_insee_texte``, ``code_postal``, ``code_postal_texte``, ``commune_key``,
    ``commune`` (as written), ``code_departement``.

    Returns one ``Declared`` entry per row (same order).
    """
    n = len(inputs)
    index = commune_index()
    declared = Declared(np.full(n, -1, dtype=np.int64), np.zeros(n), np.full(n, "", object))
    _by_code(inputs, index, declared)
    _by_postcode(inputs, index, declared)
    _by_departement(inputs, index, declared)
    return declared


def _column(inputs: pd.DataFrame, name: str) -> pd.Series:
    """A canonical column, or an all-missing one."""
    if name in inputs:
        return inputs[name]
    return pd.Series([None] * len(inputs), index=inputs.index, dtype=object)


def _by_code(inputs: pd.DataFrame, index: CommuneIndex, declared: Declared) -> None:
    """Step 2: ``75108`` ⇒ Paris, ``01039`` ⇒ Culoz-Béon (noted), ``99999`` ⇒ noted."""
    if "code_insee" not in inputs:
        return
    code = inputs["code_insee"]
    pos, note = lookup_codes(code, index)
    rows = np.arange(len(inputs))
    declared.accept(rows, pos, SCORE_CODE)
    noted = np.flatnonzero(note != "")
    declared.add_note(noted, note[noted])
    unknown = np.flatnonzero(code.notna().to_numpy() & (pos < 0))
    declared.add_note(unknown, "code INSEE inconnu : " + code.to_numpy()[unknown].astype(object))
    _note_unreadable(inputs, "code_insee", code.isna().to_numpy(), "code INSEE illisible : ",
                     declared)


def _note_unreadable(inputs: pd.DataFrame, name: str, missing: np.ndarray, label: str,
                     declared: Declared) -> None:
    """Note the rows where ``<name>_texte`` holds something that did not normalise."""
    rows = np.flatnonzero(missing)
    if rows.size == 0 or f"{name}_texte" not in inputs:
        return
    written = inputs[f"{name}_texte"].iloc[rows].fillna("").astype(str).str.strip().to_numpy()
    bad = written != ""
    declared.add_note(rows[bad], label + written[bad].astype(object))


def _shown(text: np.ndarray) -> np.ndarray:
    """Names as written, shortened for a note: ``« Havre (Le) »``."""
    return np.array([f"« {str(t).strip()[:40]} »" for t in text], dtype=object)


def _by_postcode(inputs: pd.DataFrame, index: CommuneIndex, declared: Declared) -> None:
    """Step 3 for the rows not found yet: exact, then fuzzy, then postcode alone."""
    if "code_postal" not in inputs:
        return
    cp = inputs["code_postal"]
    key = _column(inputs, "commune_key").fillna("")
    _note_unreadable(inputs, "code_postal", ~declared.found() & cp.isna().to_numpy(),
                     "code postal illisible : ", declared)
    todo = ~declared.found() & cp.notna().to_numpy()
    if not todo.any():
        return
    known = cp.isin(index.postcode_communes.index).to_numpy()
    unknown = np.flatnonzero(todo & ~known)
    declared.add_note(unknown, "code postal inconnu (CEDEX ?) : " + cp.to_numpy()[unknown])
    named = np.flatnonzero(todo & known & (key != "").to_numpy())
    _postcode_exact(cp, key, named, index, declared)
    named = named[declared.pos[named] < 0]
    _postcode_fuzzy(inputs, cp, key, named, index, declared)
    _postcode_alone(cp, np.flatnonzero(todo & known & (key == "").to_numpy()), index, declared)


def _postcode_exact(cp: pd.Series, key: pd.Series, rows: np.ndarray, index: CommuneIndex,
                    declared: Declared) -> None:
    """``"76600|HAVRE"`` looked up in the hash index of every (postcode, name key)."""
    pair = (cp.iloc[rows] + SEP + key.iloc[rows]).astype(object)
    factor, uniques = pd.factorize(pair)
    found = index.pair_keys.get_indexer(pd.Index(uniques, dtype=object))
    pos = np.where(found >= 0, index.pair_pos[found], -1)[factor]
    declared.accept(rows, pos, SCORE_POSTCODE_NAME)


def _best(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per query ``qid``, the best candidate ``pos`` by ``score`` then ``rank`` (optional,
    breaks exact ties); two communes still equal give ``pos = -1`` and ``tie = True``."""
    if "rank" not in pairs:
        pairs = pairs.assign(rank=0)
    pairs = pairs.sort_values(["score", "rank"], ascending=False, kind="stable")
    pairs = pairs.drop_duplicates(["qid", "pos"])
    first = pairs.drop_duplicates("qid")
    rest = pairs[~pairs.index.isin(first.index)].drop_duplicates("qid").set_index("qid")
    second = rest[["score", "rank"]].reindex(first["qid"])
    tie = ((first["score"].to_numpy() == second["score"].to_numpy())
           & (first["rank"].to_numpy() == second["rank"].to_numpy()))
    return first.assign(tie=tie, pos=np.where(tie, -1, first["pos"].to_numpy()))


def _fuzzy_notes(inputs: pd.DataFrame, rows: np.ndarray, pos: np.ndarray,
                 index: CommuneIndex) -> np.ndarray:
    """``nom approché : « Havr » ≈ Le Havre``."""
    names = index.communes["nom"].to_numpy()[pos]
    return "nom approché : " + _shown(_column(inputs, "commune").to_numpy()[rows]) + " ≈ " + names


def _postcode_fuzzy(inputs: pd.DataFrame, cp: pd.Series, key: pd.Series, rows: np.ndarray,
                    index: CommuneIndex, declared: Declared) -> None:
    """Each distinct (postcode, name) against the names of that postcode's communes:
    the pairs come from one join, their scores from one ``cpdist`` call."""
    if rows.size == 0:
        return
    queries = pd.DataFrame({"code_postal": cp.to_numpy()[rows], "qkey": key.to_numpy()[rows]})
    factor, uniques = pd.factorize(queries["code_postal"] + SEP + queries["qkey"])
    distinct = queries.iloc[np.unique(factor, return_index=True)[1]].assign(
        qid=np.arange(len(uniques)))
    pairs = distinct.merge(index.pairs, on="code_postal")
    pairs["score"] = process.cpdist(pairs["qkey"].tolist(), pairs["key"].tolist(),
                                    scorer=fuzz.ratio, workers=1)
    best = _best(pairs)
    ok = best[(best["score"] >= config.FUZZY_MIN_SCORE) & (best["pos"] >= 0)]
    pos = ok.set_index("qid")["pos"].reindex(factor).fillna(-1).to_numpy(dtype=np.int64)
    sim = ok.set_index("qid")["score"].reindex(factor).fillna(0).to_numpy()
    declared.accept(rows, pos, SCORE_POSTCODE_FUZZY * sim / 100)
    hit = pos >= 0
    declared.add_note(rows[hit], _fuzzy_notes(inputs, rows[hit], pos[hit], index))
    miss = rows[~hit]
    declared.add_note(miss, "commune absente du code postal : "
                      + _shown(_column(inputs, "commune").to_numpy()[miss])
                      + " n'est pas au " + cp.to_numpy()[miss])


def _postcode_alone(cp: pd.Series, rows: np.ndarray, index: CommuneIndex,
                    declared: Declared) -> None:
    """No name: a postcode of a single commune gives it; a shared one is noted."""
    if rows.size == 0:
        return
    count, first = _count_first(index.postcode_communes, cp.to_numpy()[rows])
    single = count == 1
    declared.accept(rows, np.where(single, first, -1), SCORE_POSTCODE_ONLY)
    declared.add_note(rows[single], "sans nom de commune : commune du code postal")
    shared = rows[~single]
    counts = count[~single].astype(str).astype(object)
    declared.add_note(shared, "code postal partagé, commune absente : " + cp.to_numpy()[shared]
                      + " couvre " + counts + " communes")


def _departements(inputs: pd.DataFrame, rows: np.ndarray, index: CommuneIndex) -> pd.DataFrame:
    """(row, code_departement) candidates: the given département (``20`` ⇒ 2A and 2B),
    else the départements using the postcode's prefix (CEDEX codes included)."""
    frame = pd.DataFrame({"row": rows,
                          "dep": _column(inputs, "code_departement").to_numpy()[rows],
                          "cp": _column(inputs, "code_postal").to_numpy()[rows]})
    given = frame[frame["dep"].notna()]
    given = given.assign(code_departement=[("2A", "2B") if d == "20" else (d,)
                                           for d in given["dep"]]).explode("code_departement")
    by_cp = frame[frame["dep"].isna() & frame["cp"].notna()]
    by_cp = by_cp.assign(prefix=postcode_prefix(by_cp["cp"].astype(str))).merge(
        index.prefix_departements, on="prefix")
    both = pd.concat([given[["row", "code_departement"]], by_cp[["row", "code_departement"]]])
    return both.astype({"row": np.int64}).reset_index(drop=True)


def _by_departement(inputs: pd.DataFrame, index: CommuneIndex, declared: Declared) -> None:
    """Step 4 for the named rows not found yet: exact then fuzzy within the candidate
    départements; without any, a name unique in France."""
    key = _column(inputs, "commune_key").fillna("").to_numpy(dtype=object)
    rows = np.flatnonzero(~declared.found() & (key != ""))
    if rows.size == 0:
        return
    candidates = _departements(inputs, rows, index)
    candidates["qkey"] = key[candidates["row"].to_numpy()]
    exact = candidates.merge(index.dep_pairs, left_on=["code_departement", "qkey"],
                             right_on=["code_departement", "key"])
    ambiguous = _accept_best(_ranked(exact, inputs), declared, SCORE_DEPARTEMENT_NAME)
    left = candidates[declared.pos[candidates["row"].to_numpy()] < 0]
    ambiguous = np.union1d(ambiguous, _departement_fuzzy(left, inputs, index, declared))
    written = _column(inputs, "commune").to_numpy()
    declared.add_note(ambiguous, "nom ambigu : " + _shown(written[ambiguous])
                      + " désigne plusieurs communes du département")
    with_dep = np.unique(candidates["row"].to_numpy())
    missed = np.setdiff1d(with_dep[declared.pos[with_dep] < 0], ambiguous)
    declared.add_note(missed, "commune introuvable : " + _shown(written[missed]) + " absente de "
                      + _departement_list(candidates, missed))
    _national(np.setdiff1d(rows, with_dep), key, inputs, index, declared)


def _ranked(exact: pd.DataFrame, inputs: pd.DataFrame) -> pd.DataFrame:
    """Exact name matches, ranked: same name with its article first, then current names
    before old ones (``"La Vergne"`` is not ``"Vergné"``; Longeville is not the old
    Longeville inside Pays-de-Montbenoît)."""
    written = full_name_keys(_column(inputs, "commune").iloc[exact["row"].to_numpy()])
    same = written.to_numpy(dtype=object) == exact["full"].to_numpy(dtype=object)
    return exact.assign(score=100.0, rank=2 * same + exact["current"].to_numpy(dtype=int))


def _departement_list(candidates: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """``"le département 33"`` or ``"les départements 2A, 2B"`` for each row."""
    deps = candidates.groupby("row")["code_departement"].agg(lambda d: ", ".join(sorted(set(d))))
    deps = deps.reindex(rows).to_numpy(dtype=object)
    return np.array([("les départements " if "," in d else "le département ") + d for d in deps],
                    dtype=object)


def _accept_best(matches: pd.DataFrame, declared: Declared, weight: float) -> np.ndarray:
    """Accept each ``row``'s best ``pos`` (score × ``weight`` / 100); return the rows whose
    best communes tie."""
    if matches.empty:
        return np.array([], dtype=np.int64)
    best = _best(matches.rename(columns={"row": "qid"}))
    rows = best["qid"].to_numpy(dtype=np.int64)
    declared.accept(rows, best["pos"].to_numpy(), weight * best["score"].to_numpy() / 100)
    return rows[best["tie"].to_numpy()]


def _departement_fuzzy(candidates: pd.DataFrame, inputs: pd.DataFrame, index: CommuneIndex,
                       declared: Declared) -> np.ndarray:
    """Fuzzy match per département: one ``cdist`` of its distinct names × its communes.
    Returns the rows whose best communes tie."""
    found = []
    for dep, group in candidates.groupby("code_departement", sort=False):
        choices = index.dep_pairs[index.dep_pairs["code_departement"] == dep]
        qkeys = group["qkey"].unique()
        scores = process.cdist(list(qkeys), choices["key"].tolist(), scorer=fuzz.ratio,
                               score_cutoff=config.FUZZY_MIN_SCORE, workers=1)
        q, c = np.nonzero(scores)
        hits = pd.DataFrame({"qkey": np.asarray(qkeys, dtype=object)[q],
                             "pos": choices["pos"].to_numpy()[c],
                             "score": scores[q, c].astype(float)})
        found.append(group[["row", "qkey"]].merge(hits, on="qkey"))
    if not found:
        return np.array([], dtype=np.int64)
    before = declared.pos.copy()
    ties = _accept_best(pd.concat(found, ignore_index=True), declared, SCORE_DEPARTEMENT_FUZZY)
    new = np.flatnonzero((before < 0) & (declared.pos >= 0))
    declared.add_note(new, _fuzzy_notes(inputs, new, declared.pos[new], index))
    return ties


def _count_first(table: pd.DataFrame, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``n`` and ``pos`` of ``table`` for each key (0 and -1 when absent)."""
    found = table.reindex(pd.Index(keys, dtype=object))
    return (found["n"].fillna(0).to_numpy(dtype=np.int64),
            found["pos"].fillna(-1).to_numpy(dtype=np.int64))


def _national(rows: np.ndarray, key: np.ndarray, inputs: pd.DataFrame, index: CommuneIndex,
              declared: Declared) -> None:
    """Without postcode nor département: a name borne by one commune of France only."""
    if rows.size == 0:
        return
    count, first = _count_first(index.national, key[rows])
    declared.accept(rows, np.where(count == 1, first, -1), SCORE_NAME_ONLY)
    declared.add_note(rows[count == 1], "commune trouvée par son seul nom")
    written = _column(inputs, "commune").to_numpy()
    many = rows[count > 1]
    declared.add_note(many, "nom ambigu : " + _shown(written[many]) + " porté par "
                      + count[count > 1].astype(str).astype(object)
                      + " communes, précisez le code postal ou le département")
    none = rows[count == 0]
    declared.add_note(none, "commune introuvable : " + _shown(written[none]))
