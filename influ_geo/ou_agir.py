"""« Où agir » as the page shows it: levels, weights in percent, the score broken into
its parts, the events to relay as a table, the ranking as a file. No streamlit here.

    weights_from_percent({"industrie": 50, "evenements": 50, "absence": 0,
                          "sous_mobilisation": 0})        # Weights(0.5, 0.5, 0.0, 0.0)
    breakdown(ranking.iloc[0])
    # "Score 72,4 = poids industriel 30,6 + événements à venir sans relais 21,0 + …"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict

import pandas as pd

from influ_geo.formatting import format_decimal, format_int
from influ_geo.priorities import PARTS, Weights

LEVEL_OPTIONS: dict[str, str] = {"region": "Régions", "departement": "Départements",
                                 "epci": "EPCI", "ti": "Territoires d'industrie"}
MAP_OPTIONS: dict[str, str] = {"score_priorite": "Score de priorité",
                               "indice_couverture_100": "Indice de couverture"}
# What each part of the score measures, for the help of its slider.
PART_HELP: dict[str, str] = {
    "industrie": "L'industrie pèse lourd (emplois estimés ou nombre de sites), en échelle "
                 "logarithmique : une métropole n'écrase pas les autres territoires.",
    "evenements": "Des événements arrivent et personne ne les relaie encore.",
    "absence": "Le collectif n'y a jamais agi, ou plus depuis longtemps (plein au bout "
               "d'un an sans action).",
    "sous_mobilisation": "Moins d'actions que le poids de l'industrie (indice de "
                         "couverture inférieur à 100).",
}
FORMULA = (
    "Le score (0 à 100) est la moyenne pondérée de quatre parts comprises entre 0 et 1 : "
    "**poids industriel**, **événements à venir sans relais**, **absence du collectif** "
    "et **sous-mobilisation**. Chaque part vaut 1 pour le territoire le plus concerné ; "
    "les poids sont normalisés (seules leurs proportions comptent). Les « points » de "
    "chaque part s'additionnent pour donner le score."
)
RANKING_COLUMNS = ("rang", "nom", "code", "score", *(f"points_{p}" for p in PARTS),
                   "explication")


def default_percent() -> dict[str, int]:
    """``{"industrie": 35, "evenements": 30, "absence": 20, "sous_mobilisation": 15}``."""
    return {name: round(100 * value) for name, value in asdict(Weights()).items()}


def weights_from_percent(values: Mapping[str, float]) -> Weights:
    """Slider values in percent ⇒ :class:`Weights` (a missing part counts as 0)."""
    return Weights(**{name: float(values.get(name, 0)) / 100 for name in PARTS})


def breakdown(row: Mapping[str, object]) -> str:
    """``"Score 72,4 = poids industriel 30,6 + événements à venir sans relais 21,0 +
    absence du collectif 20,0 + sous-mobilisation 0,8"`` from a row of the ranking."""
    parts = " + ".join(f"{label[0].lower()}{label[1:]} {format_decimal(row[f'points_{name}'])}"
                       for name, label in PARTS.items())
    return f"Score {format_decimal(row['score'])} = {parts}"


def http_url(value: object) -> str | None:
    """A link kept only when it is http(s): ``"javascript:…"`` ⇒ ``None``."""
    if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def dates_text(start: object, end: object) -> str:
    """``(2026-12-03, 2026-12-05)`` ⇒ ``"03/12/2026 – 05/12/2026"``; one day ⇒
    ``"03/12/2026"``; no end ⇒ the start alone."""
    first = pd.Timestamp(start)
    last = pd.Timestamp(end) if pd.notna(end) else first
    if last.normalize() <= first.normalize():
        return f"{first:%d/%m/%Y}"
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


def events_table(events: pd.DataFrame, type_label: Callable[[str], str] = str) -> pd.DataFrame:
    """Events to relay (``priorities.events_to_join``) as the page lists them: ``dates``,
    ``evenement``, ``lieu``, ``type`` (French), ``organisateur`` (place and organiser
    empty when unknown, not "None"), ``lien`` (http(s) only, else empty)."""
    return pd.DataFrame({
        "dates": [dates_text(a, b) for a, b in zip(events["date_debut"], events["date_fin"],
                                                  strict=True)],
        "evenement": events["titre"].astype("string").to_numpy(),
        "lieu": events["commune_nom"].astype("string").fillna("").to_numpy(),
        "type": [type_label(str(t)) if pd.notna(t) else "" for t in events["type"]],
        "organisateur": events["organisateur"].astype("string").fillna("").to_numpy(),
        "lien": [http_url(u) for u in events["url"]],
    })


def ranking_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """The columns of the ranking the page shows (:data:`RANKING_COLUMNS`), without the
    ranking's ``attrs`` (weights, day: not for display)."""
    out = ranking[list(RANKING_COLUMNS)].copy()
    out.attrs = {}
    return out


def events_count(n: int) -> str:
    """``0`` ⇒ ``"aucun événement à relayer"``; ``1`` ⇒ ``"1 événement à relayer"``;
    ``3`` ⇒ ``"3 événements à relayer"``."""
    if n == 0:
        return "aucun événement à relayer"
    return f"{format_int(n)} événement{'s' if n > 1 else ''} à relayer"


def csv_name(level: str) -> str:
    """``"departement"`` ⇒ ``"ou-agir-departements.csv"``."""
    slug = {"region": "regions", "departement": "departements", "epci": "epci",
            "ti": "territoires-industrie"}[level]
    return f"ou-agir-{slug}.csv"
