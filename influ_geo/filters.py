"""The filters shared by every indicator, page and command.

A :class:`Filters` is frozen and hashable (a cache key for the app): each selection is
a sorted tuple of codes, empty meaning "all". What each filter selects:

========================  =====================================================
``debut``, ``fin``        actions dated within the days (both included); events
                          whose dates overlap them. Upcoming events and the
                          days since the last action ignore the period.
``themes``                actions of these themes (codes of ``schema.THEMES``)
``canaux``                actions on these channels (``schema.CANAUX``)
``publics``               actions aimed at these audiences (``schema.PUBLICS``)
``membres``               actions of these members (pseudonymes)
``types_evenement``       events of these types (``salon``, ``forum_emploi``…)
``divisions_naf``         sites of these NAF divisions (``"25"``)
``classes_taille``        sites of these size classes (codes of ``CLASSES_TAILLE``)
========================  =====================================================

``apply_filters`` only ever selects rows: it never adds, copies out of order, nor
changes one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from influ_geo import naf, schema

# Size classes of the sites, from the INSEE headcount band (``naf.CLASSES_TAILLE``).
CLASSES_TAILLE: dict[str, str] = {
    "0_9": "0 à 9 salariés",
    "10_49": "10 à 49 salariés",
    "50_249": "50 à 249 salariés",
    "250_plus": "250 salariés et plus",
    "inconnue": "Effectif inconnu",
}
_CLASS_OF_LABEL = {label: code for code, label in CLASSES_TAILLE.items()}
_CLASS_OF_BAND = {band: _CLASS_OF_LABEL[label] for band, label in naf.CLASSES_TAILLE.items()}
SELECTIONS = ("themes", "canaux", "publics", "membres", "types_evenement", "divisions_naf",
              "classes_taille")
# The codes each selection accepts (None: any text).
_ALLOWED: dict[str, Iterable[str] | None] = {
    "themes": schema.THEMES, "canaux": schema.CANAUX, "publics": schema.PUBLICS,
    "membres": None, "types_evenement": None, "divisions_naf": None,
    "classes_taille": CLASSES_TAILLE,
}
_LABELS = {"themes": "Thèmes", "canaux": "Canaux", "publics": "Publics", "membres": "Membres",
           "types_evenement": "Types d'événement", "divisions_naf": "Secteurs (NAF)",
           "classes_taille": "Tailles"}
_NAMES = {"themes": schema.THEMES, "canaux": schema.CANAUX, "publics": schema.PUBLICS,
          "divisions_naf": naf.DIVISIONS_COURTES, "classes_taille": CLASSES_TAILLE}


class FiltersError(ValueError):
    """A filter value that does not exist; the message is French and lists the accepted."""


def size_classes(bands: pd.Series) -> pd.Series:
    """Size class code of each headcount band: ``"12"`` ⇒ ``"10_49"``; ``None`` ⇒ ``"inconnue"``."""
    return bands.map(_CLASS_OF_BAND).fillna("inconnue").astype("str")


@dataclass(frozen=True)
class Filters:
    """A filter set; ``Filters(themes=["inclusion"])`` keeps the inclusion actions only."""

    debut: date | None = None
    fin: date | None = None
    themes: tuple[str, ...] = ()
    canaux: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    membres: tuple[str, ...] = ()
    types_evenement: tuple[str, ...] = ()
    divisions_naf: tuple[str, ...] = ()
    classes_taille: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("debut", "fin"):
            object.__setattr__(self, name, _as_date(getattr(self, name), name))
        if self.debut and self.fin and self.debut > self.fin:
            raise FiltersError(f"période vide : le début ({self.debut:%d/%m/%Y}) est après "
                               f"la fin ({self.fin:%d/%m/%Y})")
        for name in SELECTIONS:
            object.__setattr__(self, name, _selection(name, getattr(self, name)))

    def replace(self, **changes: object) -> Filters:
        """A copy with some fields changed: ``f.replace(themes=("inclusion",))``."""
        return dataclasses.replace(self, **changes)

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self == Filters()

    def to_query(self) -> dict[str, str]:
        """URL query parameters: ``{"debut": "2025-01-01", "themes": "inclusion,territoires"}``."""
        out = {name: getattr(self, name).isoformat() for name in ("debut", "fin")
               if getattr(self, name)}
        out.update({name: ",".join(getattr(self, name)) for name in SELECTIONS
                    if getattr(self, name)})
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str | list[str]]) -> Filters:
        """The inverse of ``to_query``; unknown keys are ignored, bad values raise
        ``FiltersError``. A value may be ``"a,b"`` or ``["a", "b"]``."""
        values: dict[str, object] = {}
        for name in ("debut", "fin"):
            if params.get(name):
                values[name] = _last(params[name])
        for name in SELECTIONS:
            raw = params.get(name)
            if raw:
                parts = [raw] if isinstance(raw, str) else list(raw)
                values[name] = [p for part in parts for p in part.split(",") if p]
        return cls(**values)

    def describe(self) -> str:
        """French summary: ``"Période : 01/01/2025 – 30/06/2025 ; Thèmes : Inclusion et
        diversité"``; ``"Aucun filtre"`` when empty."""
        parts = []
        if self.debut or self.fin:
            start = f"{self.debut:%d/%m/%Y}" if self.debut else "…"
            end = f"{self.fin:%d/%m/%Y}" if self.fin else "…"
            parts.append(f"Période : {start} – {end}")
        for name in SELECTIONS:
            codes = getattr(self, name)
            if codes:
                names = _NAMES.get(name, {})
                parts.append(f"{_LABELS[name]} : " + ", ".join(names.get(c, c) for c in codes))
        return " ; ".join(parts) or "Aucun filtre"


def _last(value: str | list[str]) -> str:
    return value if isinstance(value, str) else value[-1]


def _as_date(value: object, name: str) -> date | None:
    """``"2025-03-01"`` ⇒ ``date(2025, 3, 1)``; a datetime keeps its day; ``None`` stays."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FiltersError(f"{name} : date « {value} » invalide (attendu AAAA-MM-JJ)") from None


def _selection(name: str, values: object) -> tuple[str, ...]:
    """Sorted unique codes; a code outside the enumeration raises ``FiltersError``."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    codes = tuple(sorted({str(v) for v in values}))  # type: ignore[union-attr]
    allowed = _ALLOWED[name]
    unknown = [c for c in codes if allowed is not None and c not in allowed]
    if unknown:
        raise FiltersError(f"{_LABELS[name].lower()} inconnu(s) : {', '.join(unknown)} ; "
                           f"valeurs acceptées : {', '.join(allowed)}")
    return codes


NO_FILTERS = Filters()


# ---------------------------------------------------------------- masks

def _isin(values: pd.Series, codes: tuple[str, ...]) -> np.ndarray:
    return values.isin(codes).to_numpy(dtype=bool)


def _period_bounds(filters: Filters) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Start at midnight of ``debut``; end at midnight after ``fin`` (excluded)."""
    start = pd.Timestamp(filters.debut) if filters.debut else None
    end = pd.Timestamp(filters.fin) + pd.Timedelta(days=1) if filters.fin else None
    return start, end


def action_mask(actions: pd.DataFrame, filters: Filters, *, period: bool = True) -> np.ndarray:
    """Rows of ``actions`` kept by ``filters`` (the period only when ``period``)."""
    keep = np.ones(len(actions), dtype=bool)
    for name, column in (("themes", "theme"), ("canaux", "canal"),
                         ("publics", "public_cible"), ("membres", "membre")):
        if getattr(filters, name):
            keep &= _isin(actions[column], getattr(filters, name))
    start, end = _period_bounds(filters)
    if period and start is not None:
        keep &= (actions["date"] >= start).to_numpy(dtype=bool)
    if period and end is not None:
        keep &= (actions["date"] < end).to_numpy(dtype=bool)
    return keep


def event_mask(events: pd.DataFrame, filters: Filters, *, period: bool = True) -> np.ndarray:
    """Rows of ``events`` of the selected types whose dates overlap the period."""
    keep = np.ones(len(events), dtype=bool)
    if filters.types_evenement:
        keep &= _isin(events["type"], filters.types_evenement)
    start, end = _period_bounds(filters)
    last = events["date_fin"].where(events["date_fin"].notna(), events["date_debut"])
    if period and start is not None:
        keep &= (last >= start).to_numpy(dtype=bool)
    if period and end is not None:
        keep &= (events["date_debut"] < end).to_numpy(dtype=bool)
    return keep


def site_mask(sites: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Rows of ``sites`` of the selected NAF divisions and size classes."""
    keep = np.ones(len(sites), dtype=bool)
    if filters.divisions_naf:
        keep &= _isin(sites["naf_division"], filters.divisions_naf)
    if filters.classes_taille:
        classes = (sites["classe_taille"] if "classe_taille" in sites.columns
                   else size_classes(sites["tranche_effectifs"]))
        keep &= _isin(classes, filters.classes_taille)
    return keep


def membre_mask(membres: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Members selected by name, and sharing a selected channel and theme (space-separated)."""
    keep = np.ones(len(membres), dtype=bool)
    if filters.membres:
        keep &= _isin(membres["pseudonyme"], filters.membres)
    for name, column in (("canaux", "canaux"), ("themes", "themes")):
        wanted = set(getattr(filters, name))
        if wanted:
            own = membres[column].fillna("").astype("str").str.split()
            keep &= np.array([bool(wanted.intersection(v)) for v in own], dtype=bool)
    return keep


_MASKS = {"actions": action_mask, "events": event_mask, "sites": site_mask,
          "membres": membre_mask}


def apply_filters(frame: pd.DataFrame, kind: str, filters: Filters) -> pd.DataFrame:
    """The rows of ``frame`` (a table of ``kind``: actions, events, sites, membres) that
    ``filters`` keeps, in their order, unchanged; never a row more."""
    if kind not in _MASKS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {tuple(_MASKS)}")
    return frame[_MASKS[kind](frame, filters)]
