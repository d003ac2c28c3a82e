"""Manufacturing activities (NAF rév. 2 section C) and INSEE headcount bands.

- ``naf_code("2562B")`` ⇒ ``"25.62B"``; ``naf_division("25.62B")`` ⇒ ``"25"``;
  ``DIVISIONS["25"]`` ⇒ ``"Fabrication de produits métalliques, à l'exception des
  machines et des équipements"``.
- ``TRANCHES["12"]`` ⇒ ``Tranche("20 à 49 salariés", 20, 49, 35)``: the label shown in
  the UI and an employment estimate (the middle of the band, rounded up) that the
  indicators add up to weigh territories.

Sources: INSEE, NAF rév. 2 (décret n° 2007-1888, divisions 10 to 33 = section C,
"Industrie manufacturière"); headcount bands of the Sirene files
(``trancheEffectifsEtablissement``), labels as published by INSEE.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from influ_geo.textnorm import map_distinct

# NAF rév. 2 divisions of section C "Industrie manufacturière", INSEE labels.
DIVISIONS: dict[str, str] = {
    "10": "Industries alimentaires",
    "11": "Fabrication de boissons",
    "12": "Fabrication de produits à base de tabac",
    "13": "Fabrication de textiles",
    "14": "Industrie de l'habillement",
    "15": "Industrie du cuir et de la chaussure",
    "16": "Travail du bois et fabrication d'articles en bois et en liège, à l'exception "
    "des meubles ; fabrication d'articles en vannerie et sparterie",
    "17": "Industrie du papier et du carton",
    "18": "Imprimerie et reproduction d'enregistrements",
    "19": "Cokéfaction et raffinage",
    "20": "Industrie chimique",
    "21": "Industrie pharmaceutique",
    "22": "Fabrication de produits en caoutchouc et en plastique",
    "23": "Fabrication d'autres produits minéraux non métalliques",
    "24": "Métallurgie",
    "25": "Fabrication de produits métalliques, à l'exception des machines et des équipements",
    "26": "Fabrication de produits informatiques, électroniques et optiques",
    "27": "Fabrication d'équipements électriques",
    "28": "Fabrication de machines et équipements n.c.a.",
    "29": "Industrie automobile",
    "30": "Fabrication d'autres matériels de transport",
    "31": "Fabrication de meubles",
    "32": "Autres industries manufacturières",
    "33": "Réparation et installation de machines et d'équipements",
}

# Short labels for legends and filters, where the full INSEE label does not fit.
DIVISIONS_COURTES: dict[str, str] = {
    "10": "Alimentaire",
    "11": "Boissons",
    "12": "Tabac",
    "13": "Textile",
    "14": "Habillement",
    "15": "Cuir et chaussure",
    "16": "Bois",
    "17": "Papier et carton",
    "18": "Imprimerie",
    "19": "Raffinage",
    "20": "Chimie",
    "21": "Pharmacie",
    "22": "Caoutchouc et plastique",
    "23": "Minéraux non métalliques",
    "24": "Métallurgie",
    "25": "Produits métalliques",
    "26": "Électronique et optique",
    "27": "Équipements électriques",
    "28": "Machines et équipements",
    "29": "Automobile",
    "30": "Autres matériels de transport",
    "31": "Meubles",
    "32": "Autres industries manufacturières",
    "33": "Réparation et installation de machines",
}


class Tranche(NamedTuple):
    """One headcount band: ``Tranche("20 à 49 salariés", 20, 49, 35)``."""

    libelle: str
    minimum: int
    maximum: int | None
    estimation: int


def _tranche(libelle: str, low: int, high: int | None) -> Tranche:
    """The band with its middle rounded up; an open band is estimated at its lower bound."""
    middle = low if high is None else (low + high + 1) // 2
    return Tranche(libelle, low, high, middle)


# INSEE codes of trancheEffectifsEtablissement (salaried headcount at 31 December).
TRANCHES: dict[str, Tranche] = {
    "NN": _tranche("Non employeur", 0, 0),
    "00": _tranche("0 salarié", 0, 0),
    "01": _tranche("1 ou 2 salariés", 1, 2),
    "02": _tranche("3 à 5 salariés", 3, 5),
    "03": _tranche("6 à 9 salariés", 6, 9),
    "11": _tranche("10 à 19 salariés", 10, 19),
    "12": _tranche("20 à 49 salariés", 20, 49),
    "21": _tranche("50 à 99 salariés", 50, 99),
    "22": _tranche("100 à 199 salariés", 100, 199),
    "31": _tranche("200 à 249 salariés", 200, 249),
    "32": _tranche("250 à 499 salariés", 250, 499),
    "41": _tranche("500 à 999 salariés", 500, 999),
    "42": _tranche("1 000 à 1 999 salariés", 1000, 1999),
    "51": _tranche("2 000 à 4 999 salariés", 2000, 4999),
    "52": _tranche("5 000 à 9 999 salariés", 5000, 9999),
    "53": _tranche("10 000 salariés et plus", 10000, None),
}

# Size classes for the indicators ("by size class"), keyed by headcount band.
CLASSES_TAILLE: dict[str, str] = {
    **dict.fromkeys(("NN", "00", "01", "02", "03"), "0 à 9 salariés"),
    **dict.fromkeys(("11", "12"), "10 à 49 salariés"),
    **dict.fromkeys(("21", "22", "31"), "50 à 249 salariés"),
    **dict.fromkeys(("32", "41", "42", "51", "52", "53"), "250 salariés et plus"),
}

_NAF_REV2 = re.compile(r"(\d{2})\.?(\d{2})([A-Z])")
_SEPARATORS = re.compile(r"[\s.\-_]")


def naf_code(value: object) -> str | None:
    """A NAF rév. 2 sub-class in INSEE spelling, or ``None``.

    ``"2562B"`` ⇒ ``"25.62B"``; ``" 25.62b "`` ⇒ ``"25.62B"``; ``"25 62 B"`` ⇒ ``"25.62B"``;
    ``"25"`` ⇒ ``None`` (a division alone, see ``naf_division``); ``"[ND]"`` ⇒ ``None``.
    """
    if not isinstance(value, str):
        return None
    match = _NAF_REV2.fullmatch(_SEPARATORS.sub("", value.upper()))
    if match is None:
        return None
    return f"{match[1]}.{match[2]}{match[3]}"


def naf_division(value: object) -> str | None:
    """The two-digit division of a NAF code or of a bare division.

    ``"25.62B"`` ⇒ ``"25"``; ``"2562B"`` ⇒ ``"25"``; ``"82"`` ⇒ ``"82"``; ``"8"`` ⇒ ``None``.
    """
    if not isinstance(value, str):
        return None
    text = _SEPARATORS.sub("", value)
    head = text[:2]
    if len(head) == 2 and head.isdigit() and (len(text) == 2 or text[2:3].isdigit()):
        return head
    return None


def is_manufacturing(division: str | None) -> bool:
    """Section C of NAF rév. 2: ``"25"`` ⇒ True, ``"35"`` ⇒ False, ``None`` ⇒ False."""
    return division in DIVISIONS


def naf_codes(values: pd.Series) -> pd.Series:
    """``naf_code`` over a column, once per distinct value; missing ⇒ ``None``."""
    return map_distinct(values, naf_code)


def naf_divisions(values: pd.Series) -> pd.Series:
    """``naf_division`` over a column, once per distinct value; missing ⇒ ``None``."""
    return map_distinct(values, naf_division)


def division_labels(divisions: pd.Series) -> pd.Series:
    """INSEE label of each manufacturing division; other divisions ⇒ ``None``."""
    return divisions.map(DIVISIONS).astype(object).where(divisions.isin(DIVISIONS), None)


def tranche_labels(codes: pd.Series) -> pd.Series:
    """French label of each headcount band: ``"12"`` ⇒ ``"20 à 49 salariés"``; unknown ⇒ None."""
    labels = {code: t.libelle for code, t in TRANCHES.items()}
    return codes.map(labels).astype(object).where(codes.isin(labels), None)


def effectifs_estimes(codes: pd.Series) -> pd.Series:
    """Employment estimate of each band (``Int64``): ``"12"`` ⇒ 35, ``"53"`` ⇒ 10000, "" ⇒ NA."""
    estimates = {code: t.estimation for code, t in TRANCHES.items()}
    return codes.map(estimates).astype("Int64")
