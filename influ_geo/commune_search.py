"""Find a commune from what a person types: a name, a postcode or an INSEE code.

Accents, case, hyphens, "St"/"Saint" and leading articles are ignored (``textnorm``); the
search covers the 34,875 current communes and the names and codes of former communes
(communes déléguées, associées, arrondissements), which lead to today's commune.

    search("st etienne")   # Saint-Étienne (42218)
    search("42000")        # Saint-Étienne, by its postcode
    search("2A004")        # Ajaccio, by its INSEE code
    search("Saint-Denis")  # four communes: the page asks which département

Results are ranked: exact codes and exact names first (the name with its article before
the name without, ``"La Vergne"`` before ``"Vergné"``), then names that start with
what was typed, then close spellings (``rapidfuzz``); within a rank, the most populated
commune first. A ``(42)`` or ``42`` after a name keeps the communes of that département.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from influ_geo import config, referentiel
from influ_geo.geocode_index import CommuneIndex, commune_index
from influ_geo.textnorm import full_name_key, name_key, normalize_postcode

RESULT_COLUMNS = ("code_insee", "nom", "code_departement", "departement", "population",
                  "lon", "lat", "correspondance", "libelle")
MAX_RESULTS = 20
# Ranks of a match (lower first).
_CODE, _FULL_NAME, _NAME, _PREFIX, _FUZZY = range(5)
_CODE_TOKEN = re.compile(r"(?<![0-9A-Z])(\d{5}|2[AB]\d{3})(?![0-9A-Z])", re.IGNORECASE)
_SHORT_POSTCODE = re.compile(r"\d{4}")
_DEPARTEMENT_HINT = re.compile(r"[\s(,/-]+\(?\s*(\d{2}|2[AB]|97[1-6])\s*\)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class SearchIndex:
    """The referential seen by the search (built once, read-only)."""

    index: CommuneIndex
    names: dict[str, np.ndarray]  # name key ⇒ rows of ``index.dep_pairs``
    keys: np.ndarray  # the distinct name keys, for prefix and fuzzy matching
    departements: pd.Series  # code ⇒ name
    anciennes: pd.DataFrame  # former communes: code_insee, nom_ancien, key


@cache
def search_index() -> SearchIndex:
    """The search tables over the referential (~1.5 s the first time, then shared)."""
    index = commune_index()
    pairs = index.dep_pairs
    groups = pairs.groupby("key", sort=False).indices
    layer = referentiel.load_layer("departements")
    anciennes = referentiel.load_table("communes_anciennes")
    anciennes = anciennes.assign(key=anciennes["nom_ancien"].map(name_key))
    return SearchIndex(
        index=index, names={k: np.asarray(v) for k, v in groups.items()},
        keys=np.array(sorted(groups), dtype=object),
        departements=pd.Series(layer["nom"].to_numpy(), index=layer["code_departement"]),
        anciennes=anciennes[["code_insee", "nom_ancien", "key"]])


def split_query(query: str) -> tuple[str, list[str], str | None]:
    """``"Saint-Denis 97400"`` ⇒ ``("Saint-Denis", ["97400"], None)``;
    ``"Saint-Étienne (42)"`` ⇒ ``("Saint-Étienne", [], "42")``; ``"2a004"`` ⇒ ``("", ["2A004"],
    None)``; ``"1000"`` ⇒ ``("", ["01000"], None)``."""
    text = " ".join(str(query).split())
    if _SHORT_POSTCODE.fullmatch(text):
        return "", [normalize_postcode(text) or text], None
    codes = [code.upper() for code in _CODE_TOKEN.findall(text)]
    name = _CODE_TOKEN.sub(" ", text).strip(" ,-")
    hint = _DEPARTEMENT_HINT.search(name)
    if hint and name[:hint.start()].strip():
        return name[:hint.start()].strip(" ,-"), codes, hint.group(1).upper()
    return name, codes, None


def _by_code(ix: SearchIndex, codes: list[str]) -> list[tuple[int, int, str]]:
    """(row, rank, how) for each commune with this postcode or INSEE code (old codes too)."""
    found: list[tuple[int, int, str]] = []
    pairs = ix.index.pairs
    for code in codes:
        for pos in pairs.loc[pairs["code_postal"] == code, "pos"].unique():
            found.append((int(pos), _CODE, f"code postal {code}"))
        at = ix.index.code_keys.get_indexer([code])[0]
        if at >= 0:
            note = ix.index.code_note[at]
            found.append((int(ix.index.code_pos[at]), _CODE,
                          f"code INSEE {code}" + (f", {note}" if note else "")))
    return found


def _by_name(ix: SearchIndex, name: str) -> list[tuple[int, int, str]]:
    """(row, rank, how) for the communes called ``name``, else starting so, else close."""
    key, full = name_key(name), full_name_key(name)
    if not key:
        return []
    if key in ix.names:
        return [_name_match(ix, row, full) for row in ix.names[key]]
    starts = [k for k in ix.keys if k.startswith(key)]
    if starts:
        return [(int(ix.index.dep_pairs["pos"].iat[row]), _PREFIX, "début du nom")
                for k in starts for row in ix.names[k]]
    close = process.extract(key, ix.keys, scorer=fuzz.ratio, limit=MAX_RESULTS,
                            score_cutoff=config.FUZZY_MIN_SCORE)
    return [(int(ix.index.dep_pairs["pos"].iat[row]), _FUZZY, "orthographe approchée")
            for k, _score, _i in close for row in ix.names[k]]


def _name_match(ix: SearchIndex, row: int, full: str) -> tuple[int, int, str]:
    pair = ix.index.dep_pairs.iloc[row]
    rank = _FULL_NAME if pair["full"] == full else _NAME
    if pair["current"]:
        return int(pair["pos"]), rank, "nom"
    return int(pair["pos"]), rank + 1, "ancienne commune " + _former_name(ix, pair)


def _former_name(ix: SearchIndex, pair: pd.Series) -> str:
    """The name as written of the former commune behind a name key: ``"Béon"``."""
    code = ix.index.communes["code_insee"].iat[int(pair["pos"])]
    rows = ix.anciennes[(ix.anciennes["code_insee"] == code) & (ix.anciennes["key"] == pair["key"])]
    return str(rows["nom_ancien"].iat[0]) if len(rows) else str(pair["key"]).title()


def search(query: str, limit: int = MAX_RESULTS) -> pd.DataFrame:
    """Communes matching ``query``, best first (at most ``limit``), one row per commune.

    Returns
    -------
    DataFrame: ``code_insee``, ``nom``, ``code_departement``, ``departement`` (name),
    ``population``, ``lon``, ``lat``, ``correspondance`` (how it matched: ``"nom"``,
    ``"code postal 42000"``, ``"ancienne commune Béon"``, ``"orthographe approchée"``…)
    and ``libelle`` (``"Saint-Denis (974 – La Réunion)"``); empty when nothing matches.
    """
    ix = search_index()
    name, codes, hint = split_query(query)
    found = _by_code(ix, codes) if codes else []
    if name:
        named = _by_name(ix, name)
        found = [m for m in named if m[0] in {f[0] for f in found}] if codes else named
    frame = _frame(ix, found)
    if hint is not None and (frame["code_departement"] == hint).any():
        frame = frame[frame["code_departement"] == hint]
    return _keep_insee_match(frame, limit).reset_index(drop=True)


def _keep_insee_match(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The first ``limit`` rows, never cutting the commune whose INSEE code was typed:
    ``80300`` is Falvy's INSEE code and the postcode of Albert and 20-odd bigger communes
    that rank before it."""
    head = frame.head(limit)
    exact = frame[frame["correspondance"].str.startswith("code INSEE")]
    missing = exact[~exact.index.isin(head.index)]
    return pd.concat([frame.head(limit - len(missing)), missing]) if len(missing) else head


def _frame(ix: SearchIndex, found: list[tuple[int, int, str]]) -> pd.DataFrame:
    """The result table: best rank per commune, then population, then code."""
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in RESULT_COLUMNS})
    matches = pd.DataFrame(found, columns=["pos", "rang", "correspondance"])
    matches = matches.sort_values(["pos", "rang"], kind="stable").drop_duplicates("pos")
    communes = ix.index.communes.iloc[matches["pos"].to_numpy()]
    out = pd.DataFrame({
        "code_insee": communes["code_insee"].to_numpy(), "nom": communes["nom"].to_numpy(),
        "code_departement": communes["code_departement"].to_numpy(),
        "population": communes["population"].to_numpy(),
        "lon": communes["lon"].to_numpy(), "lat": communes["lat"].to_numpy(),
        "correspondance": matches["correspondance"].to_numpy(),
        "rang": matches["rang"].to_numpy()})
    out["departement"] = out["code_departement"].map(ix.departements).astype("str")
    out["libelle"] = (out["nom"] + " (" + out["code_departement"] + " – "
                      + out["departement"].fillna("") + ")")
    order = out.assign(pop=out["population"].astype("Float64").fillna(-1))
    out = out.loc[order.sort_values(["rang", "pop", "code_insee"],
                                    ascending=[True, False, True], kind="stable").index]
    return out[list(RESULT_COLUMNS)].reset_index(drop=True)
