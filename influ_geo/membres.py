"""Members near an event: who could relay an upcoming event nobody relays yet.

A member is placed at the point of their **home commune** (the referential's point
inside the commune), never at an address: coordinates given with the roster are not
used. Distances are great-circle distances (haversine, mean Earth radius 6,371 km),
computed as one array per block of events.

    near = members_near(data.membres, events_to_join(data, "departement"), radius_km=30)
    # evenement_id, pseudonyme, commune_nom, code_departement, canaux, themes, distance_km
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from influ_geo import referentiel
from influ_geo.filters import NO_FILTERS, Filters, membre_mask

EARTH_RADIUS_KM = 6371.0088
_BLOCK_CELLS = 4_000_000  # (event, member) distances computed at once: bounds memory
MEMBER_COLUMNS = ("pseudonyme", "code_insee", "commune_nom", "code_departement", "canaux",
                  "themes")


def haversine_km(lon1: np.ndarray | float, lat1: np.ndarray | float,
                 lon2: np.ndarray | float, lat2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km, broadcast over arrays (degrees in, lon/lat order).

    Paris (2.3522, 48.8566) to Lyon (4.8357, 45.7640) ⇒ about 392 km.
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float))
                              for v in (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@cache
def _commune_points() -> pd.DataFrame:
    """``lon``, ``lat``, ``nom``, ``code_departement`` by ``code_insee`` (shared, read-only)."""
    communes = referentiel.communes().set_index("code_insee")
    return communes[["lon", "lat", "nom", "code_departement"]]


def at_commune(membres: pd.DataFrame) -> pd.DataFrame:
    """Members placed at their commune's referential point (``lon``, ``lat`` replaced);
    members whose commune is unknown are left out (they cannot be placed)."""
    communes = _commune_points()
    rows = communes.index.get_indexer(membres["code_insee"])
    out = membres[rows >= 0].copy()
    points = communes.iloc[rows[rows >= 0]]
    out["lon"] = points["lon"].to_numpy()
    out["lat"] = points["lat"].to_numpy()
    names = pd.Series(points["nom"].to_numpy(), index=out.index, dtype="str")
    out["commune_nom"] = out["commune_nom"].fillna(names) if "commune_nom" in out else names
    out["code_departement"] = points["code_departement"].to_numpy()
    return out


def members_near(
    membres: pd.DataFrame,
    events: pd.DataFrame,
    radius_km: float = 30.0,
    filters: Filters = NO_FILTERS,
) -> pd.DataFrame:
    """Every (event, member) pair closer than ``radius_km``, nearest first per event.

    ``events`` has ``id``, ``lon``, ``lat`` (events without a point are skipped);
    ``filters`` selects members by name, channel and theme. Returns ``evenement_id``,
    the member columns of ``MEMBER_COLUMNS`` and ``distance_km`` (rounded to 0.1 km).
    """
    if radius_km < 0:
        raise ValueError("le rayon doit être positif ou nul")
    people = at_commune(membres[membre_mask(membres, filters)])
    placed = events[events["lon"].notna() & events["lat"].notna()]
    pieces = []
    step = max(1, _BLOCK_CELLS // max(len(people), 1))
    for start in range(0, len(placed) if len(people) else 0, step):
        pieces.append(_block(placed.iloc[start:start + step], people, radius_km))
    columns = ["evenement_id", *MEMBER_COLUMNS, "distance_km"]
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    out = pd.concat(pieces, ignore_index=True)
    return out.sort_values(["evenement_id", "distance_km", "pseudonyme"], kind="stable",
                           ignore_index=True)[columns]


def _block(events: pd.DataFrame, people: pd.DataFrame, radius_km: float) -> pd.DataFrame:
    distances = haversine_km(events["lon"].to_numpy()[:, None], events["lat"].to_numpy()[:, None],
                             people["lon"].to_numpy()[None, :], people["lat"].to_numpy()[None, :])
    row, col = np.nonzero(distances <= radius_km)
    out = people.iloc[col][list(MEMBER_COLUMNS)].reset_index(drop=True)
    out.insert(0, "evenement_id", events["id"].to_numpy()[row])
    out["distance_km"] = np.round(distances[row, col], 1)
    return out
