"""What « Près de chez moi » shows of the events found: tables, labels, the calendar file.

Pure (no streamlit): the rows of ``nearby.events_near`` and ``nearby.sites_near`` become
the French tables of the page, the entries of the « Je relaie » list and the ``.ics`` file
(``influ_geo.ics``), e.g. ``calendar_file(found, centre, radius_km=30, stamp=now)``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from influ_geo import config, ics, naf
from influ_geo.formatting import format_decimal
from influ_geo.nearby import Centre, present
from influ_geo.textnorm import fold

# ---------------------------------------------------------------- calendar

def event_uid(event: Mapping[str, object], domain: str = config.ICS_UID_DOMAIN) -> str:
    """A UID that survives re-imports: from the event's source and source id when it has
    them, else from its store id: ``"evt-3f1c…@evenements.influstriels.fr"``."""
    source_id = event.get("source_id")
    if isinstance(source_id, str) and source_id:
        digest = hashlib.sha256(f"{event.get('source')}\x1f{source_id}".encode()).hexdigest()
        return f"evt-{digest[:24]}@{domain}"
    return f"evt-id-{int(event['id'])}@{domain}"  # type: ignore[call-overload]


def _location(event: Mapping[str, object]) -> str:
    """``"Parc des expositions, 47 zone des Champs, 60420 Domfront"`` (missing parts skipped)."""
    town = " ".join(str(v) for v in (event.get("code_postal"), event.get("commune_nom"))
                    if present(v))
    parts = [event.get("lieu"), event.get("adresse"), town]
    return ", ".join(str(p) for p in parts if present(p))


def _description(event: Mapping[str, object], centre: Centre) -> str:
    """Type, audience, organiser, distance, relay status, then the event's own text."""
    lines = [f"Type : {event['type_libelle']}"] if present(event.get("type_libelle")) else []
    if present(event.get("public_libelle")):
        lines.append(f"Public : {event['public_libelle']}")
    if present(event.get("organisateur")):
        lines.append(f"Organisateur : {event['organisateur']}")
    lines.append(f"À {format_decimal(event['distance_km'])} km {centre.from_text}")
    lines.append(relay_text(int(event["relais"]), int(event["relais_prevus"])))  # type: ignore[call-overload]
    if present(event.get("description")):
        lines += ["", str(event["description"])]
    return "\n".join(lines)


def relay_text(relais: int, prevus: int) -> str:
    """``(0, 0)`` ⇒ ``"Pas encore relayé par le collectif"``; ``(3, 1)`` ⇒
    ``"Relayé par le collectif : 3 relais dont 1 prévu"``."""
    if relais == 0:
        return "Pas encore relayé par le collectif"
    text = f"Relayé par le collectif : {relais} relais"
    return text + (f" dont {prevus} prévu{'s' if prevus > 1 else ''}" if prevus else "")


def calendar_events(found: pd.DataFrame, centre: Centre) -> list[ics.CalendarEvent]:
    """One :class:`ics.CalendarEvent` per row of :func:`events_near`, in order."""
    out = []
    for event in found.to_dict("records"):
        end = event.get("date_fin")
        out.append(ics.CalendarEvent(
            uid=event_uid(event), summary=str(event["titre"]),
            start=pd.Timestamp(event["date_debut"]).to_pydatetime(),
            end=pd.Timestamp(end).to_pydatetime() if present(end) else None,
            timezone=ics.timezone_of(event.get("code_departement")),
            location=_location(event), description=_description(event, centre),
            url=event.get("url"), geo=_geo(event),
            categories=_categories(event)))
    return out


def _categories(event: Mapping[str, object]) -> tuple[str, ...]:
    label = event.get("type_libelle")
    return (str(label),) if present(label) else ()


def _geo(event: Mapping[str, object]) -> tuple[float, float] | None:
    lat, lon = event.get("lat"), event.get("lon")
    return (float(lat), float(lon)) if present(lat) and present(lon) else None  # type: ignore[arg-type]


def calendar_file(found: pd.DataFrame, centre: Centre, *, radius_km: float,
                  stamp: datetime) -> bytes:
    """The ``.ics`` file (UTF-8 bytes) of the events ``found`` around ``centre``."""
    name = f"Événements à moins de {format_decimal(radius_km, 0)} km {centre.from_text}"
    return ics.calendar_bytes(calendar_events(found, centre), stamp=stamp, name=name)



# ---------------------------------------------------------------- tables and labels

def dates_text(event: Mapping[str, object]) -> str:
    """``"28/11/2026 10:00 – 14:00"``; ``"03/12/2026 – 05/12/2026"`` (all day); French."""
    start = pd.Timestamp(event.get("date_debut")).to_pydatetime()
    end = event.get("date_fin")
    end = pd.Timestamp(end).to_pydatetime() if present(end) else None
    clock = "" if ics.is_all_day(start, end) else " %H:%M"
    first = start.strftime("%d/%m/%Y" + clock)
    if end is None or end <= start:
        return first
    if end.date() == start.date():
        return first + (end.strftime(" – %H:%M") if clock else "")
    return first + " – " + end.strftime("%d/%m/%Y" + clock)


def _place(event: Mapping[str, object]) -> str:
    """``"Parc des expositions, Domfront (60)"``."""
    town = event.get("commune_nom")
    if present(town) and present(event.get("code_departement")):
        town = f"{town} ({event['code_departement']})"
    return ", ".join(str(v) for v in (event.get("lieu"), town) if present(v))


def events_table(found: pd.DataFrame) -> pd.DataFrame:
    """The events of :func:`events_near` as shown: French headers, ``Exporter`` ticked."""
    records = found.to_dict("records")
    return pd.DataFrame({
        "Exporter": [True] * len(records),
        "Date": [dates_text(e) for e in records],
        "Événement": found["titre"].astype("str").to_numpy(),
        "Lieu": [_place(e) for e in records],
        "Distance (km)": found["distance_km"].to_numpy(dtype=float),
        "Relais du collectif": [_relay_short(e["relais"], e["relais_prevus"]) for e in records],
        "Type": found["type_libelle"].to_numpy(),
        "Public": found["public_libelle"].to_numpy(),
        "Lien": found["url"].to_numpy(),
    })


def _relay_short(relais: int, prevus: int) -> str:
    """``(0, 0)`` ⇒ ``"Pas encore"``; ``(3, 1)`` ⇒ ``"Oui : 3 (dont 1 prévu)"``."""
    if relais == 0:
        return "Pas encore"
    return f"Oui : {relais}" + (f" (dont {prevus} prévu{'s' if prevus > 1 else ''})"
                                if prevus else "")


def nearest_sites_table(sites: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` nearest sites as shown: site, distance, sector, commune."""
    head = sites.head(n)
    return pd.DataFrame({
        "Site": head["nom"].astype("str").to_numpy(),
        "Distance (km)": head["distance_km"].to_numpy(dtype=float),
        "Secteur": head["naf_division"].astype("str").map(naf.DIVISIONS_COURTES).to_numpy(),
        "Commune": head["commune_nom"].to_numpy(),
    })


def event_choice(event: Mapping[str, object]) -> str:
    """``"28/11/2026 · Visite d'entreprise : Yzorac (Bonson, 18,6 km)"``: a list entry."""
    day = pd.Timestamp(event["date_debut"]).strftime("%d/%m/%Y")
    return (f"{day} · {event['titre']} ({event.get('commune_nom')}, "
            f"{format_decimal(event['distance_km'])} km)")


def calendar_file_name(centre: Centre) -> str:
    """``"evenements-pres-de-saint-etienne.ics"``; a map point: ``"…-pres-de-point-…"``."""
    name = centre.label.split(" (")[0] if centre.code_insee else centre.label
    slug = "-".join(fold(name).lower().replace("'", " ").split())
    slug = re.sub(r"[^a-z0-9-]+", "", slug).strip("-") or "lieu"
    return f"evenements-pres-de-{slug[:60]}.ics"


def unrelayed_phrase(n: int, unrelayed: int) -> str:
    """``(3, 3)`` ⇒ ``"aucun n'est encore relayé par le collectif"``; ``(3, 1)`` ⇒
    ``"1 pas encore relayé"``; ``(1, 0)`` ⇒ ``"déjà relayé par le collectif"``;
    ``(3, 0)`` ⇒ ``"tous déjà relayés par le collectif"``."""
    if unrelayed == 0:
        return "déjà relayé par le collectif" if n == 1 else "tous déjà relayés par le collectif"
    if unrelayed == n:
        return ("pas encore relayé par le collectif" if n == 1
                else "aucun n'est encore relayé par le collectif")
    return f"{unrelayed} pas encore relayé{'s' if unrelayed > 1 else ''}"
