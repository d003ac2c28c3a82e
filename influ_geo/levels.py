"""Territorial levels, indicators and DROM, as the maps and the UI name them.

``LEVELS["departement"].code_col == "code_departement"``; ``DROM[0].nom == "Guadeloupe"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from influ_geo.formatting import format_int, is_missing


@dataclass(frozen=True)
class Level:
    """A territorial level of the national map and its referential layer."""

    key: str
    layer: str
    code_col: str
    label: str
    plural: str


LEVELS: dict[str, Level] = {
    "region": Level("region", "regions", "code_region", "Région", "régions"),
    "departement": Level(
        "departement", "departements", "code_departement", "Département", "départements"
    ),
}


@dataclass(frozen=True)
class Indicator:
    """A numeric column of a territorial frame, as the map and its legend name it."""

    column: str
    label: str
    unit: str = ""

    def format(self, value: object) -> str:
        """``12174880`` ⇒ ``"12 174 880 hab."``; ``pd.NA`` ⇒ ``"n.d."``."""
        text = format_int(value)
        return f"{text}\u00a0{self.unit}" if self.unit and not is_missing(value) else text


INDICATORS: dict[str, Indicator] = {
    "population": Indicator("population", "Population", "hab."),
    "nb_communes": Indicator("nb_communes", "Communes"),
    # Activity of the collective (columns of ``indicators.compute``, joined by the app).
    "actions": Indicator("actions", "Actions"),
    "indice_couverture_100": Indicator("indice_couverture_100", "Indice de couverture (base 100)"),
    "score_priorite": Indicator("score_priorite", "Score de priorité (Où agir)"),
    "sites": Indicator("sites", "Sites industriels"),
    "evenements_a_venir": Indicator("evenements_a_venir", "Événements à venir"),
}


@dataclass(frozen=True)
class Drom:
    """A département et région d'outre-mer: one département that is also one région."""

    code_departement: str
    code_region: str
    nom: str


DROM: tuple[Drom, ...] = (
    Drom("971", "01", "Guadeloupe"),
    Drom("972", "02", "Martinique"),
    Drom("973", "03", "Guyane"),
    Drom("974", "04", "La Réunion"),
    Drom("976", "06", "Mayotte"),
)


def drom_mask(frame: pd.DataFrame, level: Level) -> pd.Series:
    """True for the rows of a DROM (``code_region`` 01–06 or ``code_departement`` 97x)."""
    codes = {getattr(d, level.code_col) for d in DROM}
    return frame[level.code_col].astype(str).isin(codes)
