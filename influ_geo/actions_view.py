"""The table of the Mobilisations page, as plain data (no streamlit).

``visible_actions(data.actions, filters, "worldskills")`` keeps the actions the sidebar's
filters keep whose title, member or campaign contains the searched words (accents and
case ignored), most recent first; ``display_table`` gives them French headers and
labels; ``export_frame`` their canonical columns (an export imports back as is).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from influ_geo import schema
from influ_geo.escaping import http_url
from influ_geo.filters import Filters, apply_filters
from influ_geo.formatting import format_int
from influ_geo.textnorm import fold

SEARCHED = ("titre", "membre", "campagne")
# How many actions the edit and delete choosers list (the search narrows them down).
CHOICES_SHOWN = 200
DISPLAY_COLUMNS: dict[str, str] = {
    "id": "N°", "date": "Date", "membre": "Membre", "canal": "Canal", "theme": "Thème",
    "public_cible": "Public", "statut": "Statut", "titre": "Titre", "territoire": "Territoire",
    "campagne": "Campagne", "evenement_titre": "Événement relayé", "url": "Lien",
    "impressions": "Impressions", "reactions": "Réactions",
}
_LABELS = {"canal": schema.CANAUX, "theme": schema.THEMES, "public_cible": schema.PUBLICS,
           "statut": schema.STATUTS_ACTION}


def search_mask(actions: pd.DataFrame, text: str) -> pd.Series:
    """Rows whose title, member or campaign holds every word of ``text``.

    ``"worldskills lyon"`` keeps ``campagne = "WorldSkills Lyon 2024"``; ``"élus"``
    keeps ``"Rencontre des ELUS"``; an empty text keeps everything.
    """
    words = fold(text or "").split()
    keep = pd.Series(True, index=actions.index)
    if not words:
        return keep
    haystack = actions[list(SEARCHED)].astype(object).fillna("").astype(str).agg(" ".join, axis=1)
    folded = haystack.map(fold)
    for word in words:
        keep &= folded.str.contains(word, regex=False)
    return keep


def visible_actions(actions: pd.DataFrame, filters: Filters, text: str = "") -> pd.DataFrame:
    """The actions the filters and the search keep, most recent first."""
    kept = apply_filters(actions, "actions", filters)
    kept = kept[search_mask(kept, text)]
    return kept.sort_values(["date", "id"], ascending=False, na_position="last")


def territory_label(row: Mapping[str, object]) -> str:
    """``"Oyonnax (01283)"``, ``"Département 2A"``, ``"Région 53"``, ``"National"``, ``""``."""
    level = row.get("territoire_niveau")
    if isinstance(row.get("commune_nom"), str) and level in ("commune", None):
        return f"{row['commune_nom']} ({row.get('code_insee')})"
    if level == "departement" or (level is None and isinstance(row.get("code_departement"), str)):
        return f"Département {row.get('code_departement')}"
    if level == "region":
        return f"Région {row.get('code_region')}"
    return "National" if level == "national" else ""


def display_table(actions: pd.DataFrame) -> pd.DataFrame:
    """French headers, labels instead of codes, dates as ``date``: what the page shows;
    a link only when it is http(s) (the column is clickable: ``javascript:…`` ⇒ empty)."""
    out = actions.copy()
    out["url"] = out["url"].map(http_url, na_action="ignore").astype(object)
    out["territoire"] = [territory_label(r) for r in out.to_dict("records")]
    for name, labels in _LABELS.items():
        out[name] = out[name].map(lambda code, labels=labels: labels.get(code, code))
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out[list(DISPLAY_COLUMNS)].rename(columns=DISPLAY_COLUMNS)


def export_frame(actions: pd.DataFrame) -> pd.DataFrame:
    """The canonical ``actions`` columns of the shown rows (the file imports back)."""
    names = [n for n in schema.column_names("actions") if n in actions.columns]
    return actions[names].reset_index(drop=True)


def choices(actions: pd.DataFrame, limit: int = CHOICES_SHOWN) -> dict[int, str]:
    """Store id ⇒ ``"n° 12 · 18/03/2025 · Membre démo 07 · LinkedIn · J'y serai…"`` for the
    first ``limit`` actions that have a store id."""
    stored = actions[actions["id"].notna()].head(limit)
    return {int(r["id"]): _choice_label(r) for r in stored.to_dict("records")}


def _choice_label(row: Mapping[str, object]) -> str:
    when = pd.Timestamp(row["date"]).strftime("%d/%m/%Y") if pd.notna(row["date"]) else "?"
    title = row.get("titre") if isinstance(row.get("titre"), str) else ""
    title = title if len(title) <= 60 else title[:59] + "…"
    canal = schema.CANAUX.get(str(row.get("canal")), str(row.get("canal")))
    return f"n° {row['id']} · {when} · {row.get('membre')} · {canal} · {title}".rstrip(" ·")


def count_text(shown: int, total: int) -> str:
    """``"1 204 mobilisations sur 1 500"``; ``"1 mobilisation sur 1"``."""
    word = "mobilisation" if shown <= 1 else "mobilisations"
    return f"{format_int(shown)} {word} sur {format_int(total)}"
