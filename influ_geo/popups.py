"""What a point of the Carte says when clicked: escaped texts and a safe link.

No streamlit here. Every text from data is HTML-escaped for an element's content (the
popup HTML is assembled in the browser from these parts) and a link is kept only when it
is ``http(s)``, escaped for an attribute:

    action_popups(actions)[0]
    # ("J'y serai : Salon de la sous-traitance…", ["Le 26/11/2025 · Atelier", …], None)
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd

from influ_geo import schema
from influ_geo.escaping import http_url, shorten
from influ_geo.formatting import format_int, is_missing


def safe_url(value: object) -> str | None:
    """An ``http(s)`` link (``escaping.http_url``) escaped for an attribute, else ``None``:
    ``"https://a.fr/?q=1&r=2"`` ⇒ ``"https://a.fr/?q=1&amp;r=2"``; ``"javascript:alert(1)"``,
    ``"ftp://a.fr"``, ``"www.a.fr"`` ⇒ ``None``."""
    url = http_url(value)
    return None if url is None else html.escape(url, quote=True)


def _text(value: object) -> str:
    """Escaped text of a cell for an element's content (cut at ``escaping.TEXT_MAX_CHARS``),
    ``""`` when missing:
    ``"<b>R&D</b>"`` ⇒ ``"&lt;b&gt;R&amp;D&lt;/b&gt;"`` (quotes need no escaping there)."""
    if is_missing(value) or str(value).strip() == "":
        return ""
    return html.escape(shorten(str(value).strip()), quote=False)


def details(*parts: object) -> list[str]:
    """Escaped lines of a popup, empty parts left out:
    ``("Le 12/03/2027", None, "R&D")`` ⇒ ``["Le 12/03/2027", "R&amp;D"]``."""
    return [t for t in (_text(p) for p in parts) if t]


def _place(commune: object, departement: object) -> str | None:
    """``("Cognac", "16")`` ⇒ ``"Cognac (16)"``; no commune ⇒ ``"Département 16"``."""
    if not is_missing(commune) and str(commune).strip():
        return f"{commune} ({departement})" if not is_missing(departement) else str(commune)
    return None if is_missing(departement) else f"Département {departement}"


def _date(value: object) -> str | None:
    return None if is_missing(value) or pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def _dates(start: object, end: object) -> str | None:
    """``(12/03/2027, 14/03/2027)`` ⇒ ``"Du 12/03/2027 au 14/03/2027"``; one day ⇒ ``"Le …"``."""
    first, last = _date(start), _date(end)
    if first is None:
        return None
    return f"Le {first}" if last in (None, first) else f"Du {first} au {last}"


def _joined(*parts: object, sep: str = " · ") -> str | None:
    kept = [str(p) for p in parts if not is_missing(p) and str(p).strip()]
    return sep.join(kept) or None


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{format_int(n)} {singular if n == 1 else plural}"


# A popup: escaped title, escaped lines, escaped http(s) link or None.
Popup = tuple[str, list[str], str | None]


def action_popups(actions: pd.DataFrame) -> list[Popup]:
    """``(title, details, url)`` of each action, escaped: title, date · channel · theme,
    member and audience, the event relayed, the commune."""
    out = []
    for row in actions.itertuples(index=False):
        title = row.titre if not is_missing(row.titre) else f"Action de {row.membre}"
        status = "Prévue le" if row.statut == "prevue" else "Le"
        when = f"{status} {_date(row.date)}" if _date(row.date) else None
        public = schema.PUBLICS.get(str(row.public_cible)) if not is_missing(row.public_cible) \
            else None
        relayed = None if is_missing(row.evenement_titre) or (
            not is_missing(row.titre) and str(row.evenement_titre) in str(row.titre)) \
            else f"Relaie : {row.evenement_titre}"
        out.append((_text(title), details(
            _joined(when, schema.CANAUX.get(str(row.canal), row.canal)),
            schema.THEMES.get(str(row.theme), row.theme),
            _joined(f"Par {row.membre}" if not is_missing(row.membre) else None,
                    f"public : {public.lower()}" if public else None, sep=", "),
            relayed, _place(row.commune_nom, row.code_departement)), safe_url(row.url)))
    return out


def event_popups(events: pd.DataFrame,
                 type_label: Callable[[str], str] = str) -> list[Popup]:
    """``(title, details, url)`` of each event of ``priorities.events_status``: dates ·
    type, place, organiser, relay status."""
    out = []
    for row in events.itertuples(index=False):
        kind = None if is_missing(row.type) else type_label(str(row.type))
        relays = (_plural(int(row.relais), "relais du collectif", "relais du collectif")
                  if row.relais else "Aucun relais du collectif")
        out.append((_text(row.titre), details(
            _joined(_dates(row.date_debut, row.date_fin), kind),
            _place(row.commune_nom, row.code_departement),
            None if is_missing(row.organisateur) else f"Organisé par {row.organisateur}",
            relays), safe_url(row.url)))
    return out


def site_popups(sites: pd.DataFrame) -> list[Popup]:
    """``(title, details, url)`` of each site: activity, headcount, Seveso status, commune."""
    out = []
    for row in sites.itertuples(index=False):
        seveso = row.seveso if not is_missing(row.seveso) and "seuil" in str(row.seveso) \
            else None
        out.append((_text(row.nom), details(
            row.naf_libelle, row.effectifs_libelle, seveso,
            _place(row.commune_nom, row.code_departement)), safe_url(row.url)))
    return out
