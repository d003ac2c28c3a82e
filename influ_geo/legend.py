"""Class breaks and legends of choropleths, shared by interactive and static maps.

A legend is data (:class:`Legend`), drawn by the app or by an export, never by branca
inside a folium map (``st_folium`` would then fetch d3 from a CDN).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from influ_geo.formatting import format_int, is_missing, round_significant

# ColorBrewer YlGnBu, 5 classes: the light end stays distinct from the sea colour.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class LegendClass:
    """One swatch of a legend: ``LegendClass("270 000 – 1 300 000", "#a1dab4")``."""

    label: str
    colour: str


@dataclass(frozen=True)
class Legend:
    """A legend drawn by the app (never by branca inside the map)."""

    title: str
    classes: tuple[LegendClass, ...]


@dataclass(frozen=True)
class Classification:
    """Class breaks of an indicator and their colours (``len(edges) == len(colours) + 1``)."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]

    def colour(self, value: object) -> str:
        """Colour of a value; the first class holds the minimum, the last the maximum."""
        if is_missing(value) or not self.colours:
            return NO_DATA_COLOUR
        index = bisect_right(self.edges, float(value)) - 1
        return self.colours[min(max(index, 0), len(self.colours) - 1)]

    def legend(self, title: str, with_missing: bool = False) -> Legend:
        """``edges (0, 1300, 5115)`` ⇒ swatches ``"0 – 1 300"``, ``"1 300 – 5 115"``."""
        classes = [
            LegendClass(f"{format_int(low)} – {format_int(high)}", colour)
            for low, high, colour in zip(self.edges, self.edges[1:], self.colours, strict=False)
        ]
        if with_missing or not classes:
            classes.append(LegendClass("Donnée non disponible", NO_DATA_COLOUR))
        return Legend(title, tuple(classes))


def classify(values: pd.Series, k: int = 5, palette: Sequence[str] = PALETTE) -> Classification:
    """Quantile classes with inner breaks rounded to 2 significant figures.

    ``[22, 24, 32, 34, 1266, 4446]`` (k=3) ⇒ edges ``(22, 29, 440, 4446)``; all values
    equal ⇒ one class in the lightest colour (nothing stands out, so nothing reads as
    "maximum"); no value ⇒ no class (every territory grey).
    """
    known = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if known.empty:
        return Classification((), ())
    low, high = float(known.min()), float(known.max())
    quantiles = np.quantile(known, np.linspace(0, 1, k + 1)[1:-1])
    inner = sorted({round_significant(float(q)) for q in quantiles} - {low, high})
    edges = (low, *(e for e in inner if low < e < high), high)
    count = max(len(edges) - 1, 1)
    picks = np.linspace(0, len(palette) - 1, count).round().astype(int) if count > 1 else [0]
    return Classification(edges, tuple(palette[i] for i in picks))
