"""Lookup tables of the referential for the geocoding chain, built once per process.

- INSEE codes accepted in input ⇒ current commune: current codes, old codes of communes
  déléguées/associées and arrondissements (``communes_anciennes``), Corsican ``20xxx``
  codes of before 1976;
- every name a commune is known by (current and old), as a matching key, with each of
  its postcodes, its département, and how many communes share a postcode or a name;
- postcode prefix ⇒ départements using it (CEDEX codes follow the département).

Positions refer to rows of ``referentiel.communes()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from influ_geo import referentiel
from influ_geo.textnorm import full_name_keys, name_keys

SEP = "|"


@dataclass(frozen=True)
class CommuneIndex:
    """Lookup tables over the referential, built once (``commune_index()``)."""

    communes: pd.DataFrame
    code_keys: pd.Index  # INSEE codes accepted in input ⇒ ``code_pos``
    code_pos: np.ndarray
    code_note: np.ndarray  # "" or "ancien code 01039 (Béon)"
    pairs: pd.DataFrame  # code_postal, key, pos: every name a commune is known by
    pair_keys: pd.Index  # "01400|ABERGEMENT CLEMENCIAT" ⇒ ``pair_pos``
    pair_pos: np.ndarray
    postcode_communes: pd.DataFrame  # code_postal ⇒ n (communes), pos (the first)
    dep_pairs: pd.DataFrame  # code_departement, key, pos
    prefix_departements: pd.DataFrame  # prefix ("33", "974"), code_departement
    national: pd.DataFrame  # key ⇒ n (communes bearing the name), pos (the first)


def _code_table(com: pd.DataFrame, anciennes: pd.DataFrame) -> pd.DataFrame:
    """code ⇒ position: current codes, then old codes, then Corsican ``20xxx`` aliases."""
    pos = pd.Series(np.arange(len(com)), index=com["code_insee"].to_numpy())
    current = pd.DataFrame({"code": com["code_insee"], "pos": np.arange(len(com)), "note": ""})
    current_codes = pd.Index(com["code_insee"].to_numpy(dtype=object))
    old = anciennes[current_codes.get_indexer(anciennes["code_ancien"].to_numpy(object)) < 0]
    is_arm = old["type"].eq("ARM").to_numpy()
    old_notes = np.where(is_arm, "", "ancien code " + old["code_ancien"] + " (" +
                         old["nom_ancien"] + ")")
    older = pd.DataFrame({"code": old["code_ancien"].to_numpy(),
                          "pos": pos.reindex(old["code_insee"]).to_numpy(), "note": old_notes})
    table = pd.concat([current, older], ignore_index=True).dropna(subset=["pos"])
    corse = table[table["code"].str.match(r"2[AB]")]
    alias = corse.assign(code="20" + corse["code"].str[2:])
    alias = alias[~alias["code"].duplicated(keep=False)]
    return pd.concat([table, alias], ignore_index=True).drop_duplicates("code")


def _names(com: pd.DataFrame, anciennes: pd.DataFrame, code_table: pd.DataFrame
           ) -> pd.DataFrame:
    """(key, pos) for every current name, then every old name, of each commune."""
    pos_of = pd.Series(code_table["pos"].to_numpy(), index=code_table["code"].to_numpy())
    names = pd.DataFrame({"key": name_keys(com["nom"]).to_numpy(), "pos": np.arange(len(com)),
                          "full": full_name_keys(com["nom"]).to_numpy(), "current": True})
    old = pd.DataFrame({"key": name_keys(anciennes["nom_ancien"]).to_numpy(),
                        "pos": pos_of.reindex(anciennes["code_insee"]).to_numpy(),
                        "full": full_name_keys(anciennes["nom_ancien"]).to_numpy(),
                        "current": False})
    keyed = pd.concat([names, old], ignore_index=True).dropna()
    keyed = keyed.astype({"pos": np.int64}).drop_duplicates(["key", "pos"])
    return keyed.reset_index(drop=True)


def _postcode_pairs(postcodes: pd.DataFrame, names: pd.DataFrame,
                    code_table: pd.DataFrame) -> pd.DataFrame:
    """(code_postal, key, pos): each name of a commune with each of its postcodes."""
    pos_of = pd.Series(code_table["pos"].to_numpy(), index=code_table["code"].to_numpy())
    cp = pd.DataFrame({"code_postal": postcodes["code_postal"].to_numpy(),
                       "pos": pos_of.reindex(postcodes["code_insee"]).to_numpy()}).dropna()
    pairs = cp.astype({"pos": np.int64}).merge(names[["key", "pos"]], on="pos")
    return pairs.drop_duplicates(["code_postal", "key"]).reset_index(drop=True)


def postcode_prefix(postcode: pd.Series) -> pd.Series:
    """``"97400"`` ⇒ ``"974"``; ``"20000"`` ⇒ ``"20"``; ``"01400"`` ⇒ ``"01"``."""
    return postcode.str[:3].where(postcode.str.startswith("97"), postcode.str[:2])


def _counted(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """``by`` ⇒ ``n``, the number of distinct ``pos`` sharing it, and the first ``pos``."""
    grouped = frame.groupby(by)["pos"]
    return pd.DataFrame({"n": grouped.nunique(), "pos": grouped.min()})


def _build_index() -> CommuneIndex:
    """Read the three referential tables and derive every lookup table."""
    com = referentiel.communes()
    anciennes = referentiel.load_table("communes_anciennes")
    codes = _code_table(com, anciennes)
    names = _names(com, anciennes, codes)
    pairs = _postcode_pairs(referentiel.load_table("codes_postaux"), names, codes)
    dep = com["code_departement"].to_numpy()
    prefixes = pairs.assign(prefix=postcode_prefix(pairs["code_postal"]),
                            code_departement=dep[pairs["pos"].to_numpy()])
    prefixes = (prefixes.groupby(["prefix", "code_departement"]).size().rename("n")
                .reset_index().sort_values(["prefix", "n"], ascending=[True, False]))
    return CommuneIndex(
        communes=com,
        code_keys=pd.Index(codes["code"].to_numpy(dtype=object)),
        code_pos=codes["pos"].to_numpy(dtype=np.int64),
        code_note=codes["note"].to_numpy(dtype=object),
        pairs=pairs,
        pair_keys=pd.Index((pairs["code_postal"] + SEP + pairs["key"]).to_numpy(dtype=object)),
        pair_pos=pairs["pos"].to_numpy(),
        postcode_communes=_counted(pairs, "code_postal"),
        dep_pairs=names.assign(code_departement=dep[names["pos"].to_numpy()]),
        prefix_departements=prefixes[["prefix", "code_departement"]].reset_index(drop=True),
        national=_counted(names, "key"),
    )


@cache
def commune_index() -> CommuneIndex:
    """The lookup tables of the referential (built in ~1 s, then cached)."""
    return _build_index()


def lookup_codes(codes: pd.Series, index: CommuneIndex | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Normalised INSEE codes ⇒ (position in the communes table or -1, note).

    ``["75108", "01039", "2A004", "20004", "99999"]`` ⇒ positions of Paris, Val-Revermont,
    Ajaccio, Ajaccio, -1; the note of ``01039`` reads ``"ancien code 01039 (Béon)"``.
    """
    index = index or commune_index()
    factor, uniques = pd.factorize(codes.astype(object), use_na_sentinel=True)
    found = index.code_keys.get_indexer(pd.Index(uniques, dtype=object))
    pos = np.append(np.where(found >= 0, index.code_pos[found], -1), -1)[factor]
    note = np.append(np.where(found >= 0, index.code_note[found], ""), "")[factor]
    return pos.astype(np.int64), note.astype(object)
