"""The legend of the Carte page as data: one entry per layer, then the notes.

No streamlit here; ``influ_geo.ui_carte`` draws it (never branca inside the map).

    legend_entries(view)[0]   # LegendEntry("Mobilisations : 740", "#d95f02", "dot")
    legend_notes(view)[0]     # "Hors carte, faute de coordonnées : 370 mobilisations (…)."
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from influ_geo import maps_points
from influ_geo.carte import OUTLINE_COLOUR, TI_COLOUR, TI_LABEL, CarteData
from influ_geo.formatting import format_int
from influ_geo.levels import LEVELS


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: ``LegendEntry("Sites industriels : 2 000", "#7570b3", "dot")``;
    ``shape`` is ``dot`` (filled), ``ring`` (hollow), ``dash`` (outline) or ``area``."""

    label: str
    colour: str
    shape: str


def legend_entries(view: CarteData) -> list[LegendEntry]:
    """What the map shows, with the number of points of each layer."""
    entries = [LegendEntry(f"{p.spec.label} : {format_int(p.count)}", p.spec.colour,
                           "ring" if p.spec.hollow else "dot") for p in view.layers]
    if view.ti is not None:
        entries.append(LegendEntry(f"{TI_LABEL} : {format_int(view.ti.feature_count)}",
                                   TI_COLOUR, "dash"))
    plural = LEVELS[view.base.level].plural
    entries.append(LegendEntry(f"{plural.capitalize()} (cliquez pour ouvrir)",
                               OUTLINE_COLOUR, "area"))
    return entries


def _listing(items: Sequence[tuple[int, str]]) -> str:
    """``[(370, "mobilisations"), (2, "sites industriels")]`` ⇒ ``"370 mobilisations,
    2 sites industriels"`` (zeros left out)."""
    return ", ".join(f"{format_int(n)} {name}" for n, name in items if n)


def legend_notes(view: CarteData) -> list[str]:
    """Sentences under the legend: layers counted per cell, rows without coordinates, points
    in the DROM (national view)."""
    notes = [f"{p.spec.label} : {format_int(p.count)} points regroupés par secteurs d'environ "
             f"{p.cell_km} km (bulles chiffrées) ; choisissez une région ou un département "
             "pour voir chaque point." for p in view.layers if p.mode == maps_points.CELLS]
    unplaced = _listing([(p.unplaced, p.spec.plural) for p in view.layers])
    if unplaced:
        notes.append(f"Hors carte, faute de coordonnées : {unplaced} (leur territoire est un "
                     "département, une région ou la France entière).")
    outre_mer = _listing([(p.outre_mer, p.spec.plural) for p in view.layers])
    if outre_mer:
        notes.append(f"Outre-mer : {outre_mer} ; choisissez Guadeloupe, Martinique, Guyane, "
                     "La Réunion ou Mayotte dans la liste des territoires.")
    return notes
