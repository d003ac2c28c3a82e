"""Recognise a territory written by hand: a commune, a département or a région.

Campaign records name their territory freely: ``"2A"``, ``"Corse-du-Sud"``,
``"Bretagne"``, ``"Oyonnax (01)"``, ``"97411"``. ``parse_territoire`` tells which level
it is and fills the matching code; commune names are left to the geocoding chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from influ_geo import referentiel, textnorm
from influ_geo.sources import values as v

# Written instead of a territory for actions with no local anchor.
NATIONAL_WORDS = frozenset({"FRANCE", "NATIONAL", "NATIONALE", "FRANCE ENTIERE", "TOUTE LA FRANCE"})
# Usual short names of régions (name keys, as ``textnorm.name_key`` writes them).
REGION_ALIASES = {
    "PACA": "93", "REGION SUD": "93", "AURA": "84", "IDF": "11", "BFC": "27", "CVL": "24",
    "CENTRE": "24", "HDF": "32", "NORD PAS DE CALAIS PICARDIE": "32", "ALSACE": "44",
}
_WITH_DEPARTEMENT = re.compile(r"^(.*\S)\s*\(\s*(\d{2}|2[AB]|97\d)\s*\)$", re.IGNORECASE)


@dataclass(frozen=True)
class TerritoryNames:
    """Name keys ⇒ codes of départements and régions, and each département's région."""

    departements: dict[str, str]
    regions: dict[str, str]
    region_of_departement: dict[str, str]

    @classmethod
    def from_tables(cls, departements: pd.DataFrame, regions: pd.DataFrame) -> TerritoryNames:
        """From frames with ``code_departement, nom, code_region`` and ``code_region, nom``."""
        return cls(
            departements=dict(zip(textnorm.name_keys(departements["nom"]),
                                  departements["code_departement"], strict=True)),
            regions={**REGION_ALIASES,
                     **dict(zip(textnorm.name_keys(regions["nom"]), regions["code_region"],
                                strict=True))},
            region_of_departement=dict(zip(departements["code_departement"],
                                           departements["code_region"], strict=True)),
        )

    @classmethod
    def from_referentiel(cls) -> TerritoryNames:
        """From the shipped referential (the display layers carry the names)."""
        dep = referentiel.load_layer("departements")
        reg = referentiel.load_layer("regions")
        return cls.from_tables(pd.DataFrame(dep.drop(columns="geometry")),
                               pd.DataFrame(reg.drop(columns="geometry")))


@cache
def default_names() -> TerritoryNames:
    """``TerritoryNames.from_referentiel()``, built once per process."""
    return TerritoryNames.from_referentiel()


def empty_territoire() -> dict[str, str | None]:
    """The territory fields of a row that names none."""
    return {"code_insee": None, "commune": None, "code_departement": None,
            "code_region": None, "territoire_niveau": None}


def parse_territoire(value: object, names: TerritoryNames) -> dict[str, str | None]:
    """Which territory a free text names, with its level.

    ``"01053"`` ⇒ commune ``code_insee="01053"``; ``"2A"`` or ``"Corse-du-Sud"`` ⇒
    département ``"2A"`` (région ``"94"``); ``"Bretagne"`` ⇒ région ``"53"``;
    ``"Oyonnax (01)"`` ⇒ commune name ``"Oyonnax"`` in département ``"01"``;
    ``"France"`` ⇒ level ``national``; ``"Figeac"`` ⇒ commune name (for geocoding).
    A bare two-digit code is read as a département (région codes overlap them).
    """
    out = empty_territoire()
    text = v.clean_text(value)
    if text is None:
        return out
    if code := _code_insee(text):
        return {**out, "code_insee": code, "territoire_niveau": "commune"}
    departement = _departement(text, names)
    if departement:
        return _at_departement(out, departement, names)
    key = re.sub(r"^REGION ", "", textnorm.name_key(text))
    if key in names.regions:
        return {**out, "code_region": names.regions[key], "territoire_niveau": "region"}
    if key in NATIONAL_WORDS:
        return {**out, "territoire_niveau": "national"}
    if m := _WITH_DEPARTEMENT.match(text):
        out = _at_departement(out, textnorm.normalize_departement(m.group(2)) or "", names)
        text = m.group(1)
    return {**out, "commune": text, "territoire_niveau": "commune"}


def _code_insee(text: str) -> str | None:
    compact = text.replace(" ", "")
    if re.fullmatch(r"\d{5}|2[ABab]\d{3}", compact):
        return textnorm.normalize_code_insee(compact)
    return None


def _departement(text: str, names: TerritoryNames) -> str | None:
    """``"2a"`` ⇒ ``"2A"``, ``"1"`` ⇒ ``"01"``, ``"Côtes-d'Armor"`` ⇒ ``"22"``, else None."""
    compact = text.strip().upper()
    if re.fullmatch(r"\d{1,2}|2[AB]|97[1-6]", compact):
        code = textnorm.normalize_departement(compact)
        return code if code in names.region_of_departement else None
    return names.departements.get(textnorm.name_key(text))


def _at_departement(out: dict[str, str | None], code: str,
                    names: TerritoryNames) -> dict[str, str | None]:
    if code not in names.region_of_departement:
        return out
    return {**out, "code_departement": code, "code_region": names.region_of_departement[code],
            "territoire_niveau": "departement"}


def parse_region(value: object, names: TerritoryNames) -> str | None:
    """A région column: ``"53"`` or ``"Bretagne"`` ⇒ ``"53"``; ``"R53"`` ⇒ ``"53"``; else None."""
    text = v.clean_text(value)
    if text is None:
        return None
    code = re.sub(r"^R", "", text.upper().replace(" ", ""))
    if code.isdigit() and code.zfill(2) in set(names.regions.values()):
        return code.zfill(2)
    return names.regions.get(textnorm.name_key(text))


def parse_departement(value: object, names: TerritoryNames) -> str | None:
    """A département column: ``"1"``, ``"01"``, ``"Ain"`` ⇒ ``"01"``; unknown ⇒ None."""
    text = v.clean_text(value)
    return None if text is None else _departement(text, names)
