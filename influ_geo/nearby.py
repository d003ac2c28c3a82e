"""« Près de chez moi »: the events and industrial sites around a place, for a member.

    centre = place_of(search_communes("st etienne").iloc[0])      # Saint-Étienne (42)
    found = events_near(data, centre, 30, date(2026, 11, 26), date(2027, 1, 25))
    # id, titre, date_debut, …, distance_km, relais, relais_prevus, relaye — by date, distance
    around = sites_near(data, centre, 30)                          # nearest first
    ics_bytes = nearby_tables.calendar_file(found, centre, radius_km=30, stamp=now)

Distances are great-circle distances (``membres.haversine_km``) from the place's point,
computed as one array over the rows inside the box that holds the circle (500,000 sites
at national scale: a few thousand candidates, found by two comparisons per row). The
place's point is a commune's referential point (inside the commune) or the point picked
on the map. An event is shown when its dates overlap the
window (``filters.event_mask``: an event already running counts) and its point lies
within the radius; events that could not be placed are never shown. The relay status
counts every action of the collective linked to the event (done or planned, any
member, any date): a member asks whether *anyone* relays it already.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from influ_geo import config, ics, naf, referentiel, schema
from influ_geo.commune_search import search as search_communes
from influ_geo.dataset import Dataset
from influ_geo.filters import CLASSES_TAILLE, NO_FILTERS, Filters, event_mask, site_mask
from influ_geo.formatting import format_decimal
from influ_geo.membres import EARTH_RADIUS_KM, haversine_km

__all__ = ["search_communes"]

RADIUS_MIN_KM = config.NEARBY_RADIUS_MIN_KM
RADIUS_MAX_KM = config.NEARBY_RADIUS_MAX_KM
BOX_MARGIN = 1.0001  # the box around the circle, widened by 0.01 % (≤ 10 m at 100 km)
EVENT_COLUMNS = ("id", "source", "source_id", "titre", "description", "date_debut", "date_fin",
                 "type", "public", "lieu", "adresse", "code_postal", "code_insee", "commune_nom",
                 "code_departement", "organisateur", "url", "lon", "lat")
SITE_COLUMNS = ("nom", "naf_division", "classe_taille", "effectif", "commune_nom",
                "code_departement", "lon", "lat")


class NearbyError(ValueError):
    """A radius or date window that cannot be searched; the message is French."""


@dataclass(frozen=True)
class Centre:
    """The point searched around: ``Centre(4.3903, 45.4339, "Saint-Étienne (42 – Loire)",
    "42218", "42")``; ``code_insee`` is None for a point picked on the map."""

    lon: float
    lat: float
    label: str
    code_insee: str | None = None
    code_departement: str | None = None

    @property
    def from_text(self) -> str:
        """``"de Saint-Étienne (42 – Loire)"``; a map point: ``"du point choisi près de
        Beaux (43)"`` — to follow "à 12 km"."""
        return f"de {self.label}" if self.code_insee else f"du {self.label}"


def place_of(commune: Mapping[str, object]) -> Centre:
    """A row of ``search_communes`` as the centre of the search."""
    return Centre(float(commune["lon"]), float(commune["lat"]), str(commune["libelle"]),
                  str(commune["code_insee"]), str(commune["code_departement"]))


def nearest_commune(lon: float, lat: float) -> pd.Series:
    """The commune whose referential point is nearest to ``(lon, lat)``: a row of
    ``referentiel.communes()`` with ``distance_km``."""
    communes = referentiel.communes()
    distances = haversine_km(lon, lat, communes["lon"].to_numpy(), communes["lat"].to_numpy())
    at = int(np.nanargmin(distances))
    return pd.concat([communes.iloc[at], pd.Series({"distance_km": float(distances[at])})])


def point_centre(lon: float, lat: float) -> Centre:
    """A point picked on the map, named after the nearest commune:
    ``(4.39, 45.43)`` ⇒ ``Centre(…, "point choisi près de Saint-Étienne (42)")``."""
    commune = nearest_commune(lon, lat)
    label = f"point choisi près de {commune['nom']} ({commune['code_departement']})"
    return Centre(float(lon), float(lat), label, None, str(commune["code_departement"]))


def check_radius(radius_km: float) -> float:
    """``30`` ⇒ ``30.0``; outside 5–100 km ⇒ :class:`NearbyError` in French."""
    if not RADIUS_MIN_KM <= float(radius_km) <= RADIUS_MAX_KM:
        raise NearbyError(f"le rayon doit être compris entre {RADIUS_MIN_KM} et "
                          f"{RADIUS_MAX_KM} km (reçu : {format_decimal(radius_km)} km)")
    return float(radius_km)


def check_window(debut: date, fin: date) -> tuple[date, date]:
    """The window itself when ``debut ≤ fin``, else :class:`NearbyError` in French."""
    if fin < debut:
        raise NearbyError(f"période vide : le début ({debut:%d/%m/%Y}) est après la fin "
                          f"({fin:%d/%m/%Y})")
    return debut, fin


def within(frame: pd.DataFrame, centre: Centre, radius_km: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows of ``frame`` whose point lies within ``radius_km`` of
    ``centre``, in row order, and their distances in km (rows without a point: never).

    Only the rows inside the latitude/longitude box of the circle are measured: on a
    sphere, a point at angular distance ``r`` from the centre is at most ``r`` away in
    latitude and ``asin(sin r / cos φ)`` in longitude (the box of a spherical cap), both
    widened by a hair so that rounding never drops a point on the circle."""
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    angle = radius_km / EARTH_RADIUS_KM
    near = np.abs(lat - centre.lat) <= math.degrees(angle) * BOX_MARGIN
    ratio = math.sin(angle) / math.cos(math.radians(centre.lat))
    if ratio < 1:
        gap = np.abs((lon - centre.lon + 180.0) % 360.0 - 180.0)
        near &= gap <= math.degrees(math.asin(ratio)) * BOX_MARGIN
    candidates = np.flatnonzero(near)
    distances = haversine_km(centre.lon, centre.lat, lon[candidates], lat[candidates])
    inside = distances <= radius_km
    return candidates[inside], distances[inside]


def relay_counts(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Per event row: actions linked to it (done or planned), and the planned ones."""
    linked = data.actions["evenement_pos"].to_numpy()
    ok = linked >= 0
    planned = data.actions["prevue"].to_numpy(dtype=bool)
    n = len(data.events)
    return (np.bincount(linked[ok], minlength=n),
            np.bincount(linked[ok & planned], minlength=n))


def default_type_label(code: str) -> str:
    """``"forum_emploi"`` ⇒ ``"Forum emploi"`` (the UI passes its own French labels)."""
    return code.replace("_", " ").capitalize()


def events_near(
    data: Dataset, centre: Centre, radius_km: float, debut: date, fin: date,
    filters: Filters = NO_FILTERS, type_label: Callable[[str], str] = default_type_label,
) -> pd.DataFrame:
    """The events within ``radius_km`` of ``centre`` whose dates overlap ``debut``–``fin``.

    ``filters`` keeps the sidebar's event types (its period is replaced by the window).
    Returns the columns of ``EVENT_COLUMNS`` (those present), ``distance_km`` (0.1 km),
    ``relais`` (actions linked to it), ``relais_prevus`` (planned among them) and
    ``relaye`` (bool), ``type_libelle`` and ``public_libelle`` (French, None when
    missing), sorted by start date, then distance, then id.
    """
    check_radius(radius_km)
    check_window(debut, fin)
    events = data.events
    near, distances = within(events, centre, radius_km)
    keep = event_mask(events.iloc[near], filters.replace(debut=debut, fin=fin))
    rows = near[keep]
    out = events.iloc[rows][[c for c in EVENT_COLUMNS if c in events.columns]].copy()
    out["type"] = out["type"].astype("object")
    out["url"] = [ics.http_url(u) for u in out["url"]]
    out["distance_km"] = np.round(distances[keep], 1)
    relais, prevus = relay_counts(data)
    out["relais"] = relais[rows]
    out["relais_prevus"] = prevus[rows]
    out["relaye"] = out["relais"] > 0
    out["type_libelle"] = [type_label(t) if present(t) else None for t in out["type"]]
    out["public_libelle"] = [schema.PUBLICS.get(str(p), str(p)) if present(p) else None
                             for p in out["public"]]
    return out.sort_values(["date_debut", "distance_km", "id"], kind="stable", ignore_index=True)


def sites_near(data: Dataset, centre: Centre, radius_km: float,
               filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """The industrial sites within ``radius_km`` (sidebar sector and size filters apply),
    nearest first: ``SITE_COLUMNS`` and ``distance_km``."""
    check_radius(radius_km)
    sites = data.sites
    near, distances = within(sites, centre, radius_km)
    keep = site_mask(sites.iloc[near], filters)
    out = sites.iloc[near[keep]][[c for c in SITE_COLUMNS if c in sites.columns]].copy()
    out["distance_km"] = np.round(distances[keep], 1)
    return out.sort_values(["distance_km", "nom"], kind="stable", ignore_index=True)


def sites_by(sites: pd.DataFrame, column: str) -> pd.DataFrame:
    """Sites per sector (``"naf_division"``) or size class (``"classe_taille"``), largest
    count first: ``libelle``, ``sites``. Sectors use the short NAF labels."""
    labels = naf.DIVISIONS_COURTES if column == "naf_division" else CLASSES_TAILLE
    names = sites[column].astype("str").map(lambda c: labels.get(c, "Non renseigné"))
    counts = names.value_counts(sort=False).rename_axis("libelle").reset_index(name="sites")
    return counts.sort_values(["sites", "libelle"], ascending=[False, True], kind="stable",
                              ignore_index=True)


# ---------------------------------------------------------------- "Je relaie"

def relay_record(event: Mapping[str, object], membre: str, canal: str, theme: str,
                 public_cible: str | None, today: date) -> dict[str, object]:
    """The planned action a member records on « Je relaie », linked to the event.

    Dated on the event's start (or ``today`` for an event already running), placed at the
    event's commune. Raises :class:`NearbyError` (French) for an empty member or a code
    outside the schema's channels, themes or audiences.
    """
    membre = " ".join(str(membre or "").split())
    if not membre:
        raise NearbyError("indiquez le membre qui relaie (pseudonyme)")
    record: dict[str, object] = {
        "date": max(pd.Timestamp(event["date_debut"]).normalize(), pd.Timestamp(today)),
        "membre": membre, "canal": canal, "theme": theme, "public_cible": public_cible or None,
        "statut": "prevue", "evenement_id": int(event["id"]),  # type: ignore[call-overload]
        "evenement_titre": event.get("titre"), "titre": f"Relais : {event.get('titre')}",
        "code_insee": event.get("code_insee"), "territoire_niveau": "commune"}
    problems = schema.enumeration_problems("actions", record)
    if problems:
        raise NearbyError(" ; ".join(problems))
    return record


def present(value: object) -> bool:
    """``None``, NA, NaN and blank text are absent: ``present(" ")`` ⇒ False."""
    return (value is not None and value is not pd.NA and value == value
            and str(value).strip() != "")
