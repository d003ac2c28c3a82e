"""Events, actions and sites whose texts and links are hostile, in communes the pages show.

Shared by the escaping tests and the browser test: each row carries one hostile value in
every text column (title, place, organiser, description, member, campaign, site name) and
one link that must never become clickable, around Paris, Lyon and Saint-Denis (La Réunion).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from influ_geo import referentiel

SCRIPT = "<script>alert(1)</script>"
VALUES = [
    SCRIPT,
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "Salon {{ 7*7 }} fin",
    "{% raw %}",
    "`${alert(1)}`\\`",
    "Salon \u202egnp.exe",
    "Usine 🏭 ouverte 👩‍🔧",
    "Forum de l'industrie " * 5_000,
    "[Gagnez](https://piege.example) :red[alerte] $x$",
]
URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " \tjavascript:alert(1)",
        "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
        "java\nscript:alert(1)", "//piege.example/x", "https://exemple.fr/salon?id=3&x=1",
        "https://a.fr/\"><script>alert(1)</script>", "\x01javascript:alert(1)"]
# Paris, Lyon, Saint-Denis (La Réunion): shown by default and reached by the DROM insets.
COMMUNES = ("75056", "69123", "97411")
SOURCE = "hostile"


def _places() -> pd.DataFrame:
    communes = referentiel.communes().set_index("code_insee")
    return communes.loc[list(COMMUNES), ["nom", "code_departement", "code_region",
                                         "siren_epci", "lon", "lat"]]


def _rows(today: date) -> list[dict]:
    """One row per (commune, hostile value), on a grid north-east of the commune's point
    (where the demo's points are), 0.02° apart so that each point can be clicked."""
    rows = []
    for code, place in _places().iterrows():
        for i, value in enumerate(VALUES):
            rows.append({
                "value": value, "url": URLS[i % len(URLS)], "code_insee": code,
                "commune_nom": place["nom"], "code_departement": place["code_departement"],
                "code_region": place["code_region"], "siren_epci": place["siren_epci"],
                "lon": round(float(place["lon"]) + 0.01 + 0.02 * (i % 5), 5),
                "lat": round(float(place["lat"]) + 0.01 + 0.02 * (i // 5), 5),
                "day": today + timedelta(days=3 + i)})
    return rows


def _place_columns(row: dict, shift: float = 0.0) -> dict:
    """The place of ``row``, ``shift`` degrees south (each layer's points apart: a point
    of one layer never hides the same row's point of another layer)."""
    return {k: row[k] for k in ("code_insee", "commune_nom", "code_departement", "code_region",
                                "siren_epci", "lon")} | {"lat": round(row["lat"] - shift, 5),
                                                         "geo_precision": "municipality"}


def hostile_events(today: date, first_id: int = 100_000) -> pd.DataFrame:
    """Upcoming events (in 3 to 12 days) titled, placed and organised by hostile texts."""
    return pd.DataFrame([{
        "id": first_id + n, "source": SOURCE, "source_id": f"hostile-ev-{n}",
        "titre": r["value"], "description": r["value"], "lieu": r["value"],
        "adresse": r["value"], "organisateur": r["value"], "url": r["url"],
        "date_debut": pd.Timestamp(r["day"]) + pd.Timedelta(hours=9),
        "date_fin": pd.Timestamp(r["day"]) + pd.Timedelta(hours=18),
        "type": "salon", "public": "grand_public", "code_postal": None,
        "commune": r["commune_nom"], **_place_columns(r)} for n, r in enumerate(_rows(today))])


def hostile_actions(today: date) -> pd.DataFrame:
    """Actions done two days ago by a hostile member, title and campaign."""
    return pd.DataFrame([{
        "source": SOURCE, "source_id": f"hostile-act-{n}", "membre": r["value"][:200],
        "canal": "linkedin", "theme": "territoires", "public_cible": "parents",
        "statut": "realisee", "date": pd.Timestamp(today - timedelta(days=2)),
        "titre": r["value"], "campagne": r["value"][:200], "url": r["url"],
        "evenement_titre": None, "territoire_niveau": "commune", **_place_columns(r, 0.006)}
        for n, r in enumerate(_rows(today))])


def hostile_sites(today: date) -> pd.DataFrame:
    """Industrial sites named by hostile texts."""
    return pd.DataFrame([{
        "source": SOURCE, "source_id": f"hostile-site-{n}", "nom": r["value"],
        "naf": "25.62A", "naf_division": "25", "naf_libelle": r["value"],
        "tranche_effectifs": "12", "effectifs_libelle": "20 à 49 salariés",
        "effectif_estime": 35, "adresse": r["value"], "url": r["url"],
        "date_maj": pd.Timestamp(today), "commune": r["commune_nom"], **_place_columns(r, 0.012)}
        for n, r in enumerate(_rows(today))])


def with_hostile_rows(frames: dict[str, pd.DataFrame], today: date) -> dict[str, pd.DataFrame]:
    """The demo frames with the hostile events, actions and sites appended."""
    out = dict(frames)
    first_id = int(frames["events"]["id"].max()) + 1
    out["events"] = pd.concat([frames["events"], hostile_events(today, first_id)],
                              ignore_index=True)
    out["actions"] = pd.concat([frames["actions"], hostile_actions(today)], ignore_index=True)
    out["sites"] = pd.concat([frames["sites"], hostile_sites(today)], ignore_index=True)
    return out
