"""The result of the geocoding chain while it is built: one entry per row (positional)."""

from __future__ import annotations

import numpy as np

from influ_geo.geocode_index import commune_index

NOTE_DISAGREES = "autre commune que celle déclarée"


class GeoState:
    """Arrays of the rows being geocoded: point, commune position (``pos``, -1 for none),
    precision, score, note, and the commune the row itself declares (``declared``)."""

    def __init__(self, n: int) -> None:
        self.lon = np.full(n, np.nan)
        self.lat = np.full(n, np.nan)
        self.pos = np.full(n, -1, dtype=np.int64)
        self.precision = np.full(n, "failed", dtype=object)
        self.score = np.zeros(n)
        self.note = np.full(n, "", dtype=object)
        self.declared = np.full(n, -1, dtype=np.int64)


def disagreement_notes(located: np.ndarray, declared: np.ndarray) -> np.ndarray:
    """``autre commune que celle déclarée : point à Montivilliers (76447), commune déclarée
    Le Havre (76351)``."""
    com = commune_index().communes
    names, codes = com["nom"].to_numpy(), com["code_insee"].to_numpy()
    return np.array([f"{NOTE_DISAGREES} : point à {names[a]} ({codes[a]}), commune déclarée "
                     f"{names[b]} ({codes[b]})" for a, b in zip(located, declared, strict=True)],
                    dtype=object)
