"""A tiny hand-built data set for the indicator and priority tests (reference day 15/06/2025).

Real communes: Charleville-Mézières (08105, Ardennes, Grand Est), Reims (51454, Marne,
Grand Est), Ajaccio (2A004, Corse-du-Sud, Corse), Saint-Denis (97411, La Réunion),
Lyon (69123, Rhône, Auvergne-Rhône-Alpes). Two Territoires d'industrie: ``ti-ardennes``
(Charleville and Reims) and ``ti-corse`` (Ajaccio).

Events (``id``):
  1 Charleville fair, 10–11/05/2025 (past)       2 Ajaccio job forum, 01/07/2025
  3, 4 Reims open days, same title, 20 and 22/06  5 Saint-Denis job dating, 01/09/2025
  6 Lyon company visit, 01/03/2025 (past)

Actions:
  a1 relays 1 by id, no territory ⇒ inherits Charleville      (A, linkedin, savoir_faire)
  a2 relays 1 by title, département 08                         (B, tiktok, imaginaire)
  a3 names "portes ouvertes…" in the Marne ⇒ ambiguous (3 or 4) (A, linkedin, territoires)
  a4 plans to relay 2 (statut prévue) ⇒ inherits Ajaccio        (C, evenement, inclusion)
  a5 on its own in Ajaccio, 01/12/2024, no reach figures        (C, presse, inclusion)
  a6 names an event nobody knows, Rhône                          (D, linkedin, territoires)
  a7 national, no event                                          (B, linkedin, imaginaire)
  a8 names event id 99 (unknown), Saint-Denis                    (D, instagram, inclusion)

Sites: two in Charleville (bands 12 and 32: 35 and 375 jobs), one in Reims (band 01: 2),
one in Ajaccio (no band), one in Lyon (band 11: 15). La Réunion has no site; the Ain
(01) has nothing at all.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from influ_geo import dataset
from influ_geo.store_frames import coerce_frame

TODAY = date(2025, 6, 15)
TI = {"08105": "ti-ardennes", "51454": "ti-ardennes", "2A004": "ti-corse"}


def _frame(kind: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """Canonical columns and dtypes, as ``store.read_table`` gives them."""
    return coerce_frame(kind, pd.DataFrame(rows))


def events() -> pd.DataFrame:
    rows = [
        (1, "Salon de la sous-traitance industrielle de Charleville-Mézières",
         "2025-05-10T09:00", "2025-05-11T18:00", "08105", "salon"),
        (2, "Forum de l'emploi industriel d'Ajaccio", "2025-07-01T09:00", None, "2A004",
         "forum_emploi"),
        (3, "Semaine de l'industrie : portes ouvertes chez Cartonnerie Faurac",
         "2025-06-20T09:00", None, "51454", "semaine_industrie"),
        (4, "Semaine de l'industrie : portes ouvertes chez Cartonnerie Faurac",
         "2025-06-22T09:00", None, "51454", "semaine_industrie"),
        (5, "Job dating de l'industrie à Saint-Denis", "2025-09-01T14:00", None, "97411",
         "forum_emploi"),
        (6, "Visite d'entreprise : Fonderie Dalvène", "2025-03-01T10:00", None, "69123",
         "visite"),
    ]
    frame = _frame("events", [
        {"id": i, "source": "test", "source_id": f"ev-{i}", "titre": titre, "date_debut": debut,
         "date_fin": fin, "code_insee": insee, "type": kind, "geo_precision": "municipality"}
        for i, titre, debut, fin, insee, kind in rows])
    return frame


def actions() -> pd.DataFrame:
    base = {"source": "test", "statut": "realisee"}
    rows = [
        {"membre": "A", "canal": "linkedin", "theme": "savoir_faire", "date": "2025-05-09T10:00",
         "evenement_id": 1, "impressions": 1000, "reactions": 30},
        {"membre": "B", "canal": "tiktok", "theme": "imaginaire", "date": "2025-05-12T10:00",
         "evenement_titre": "salon de la sous-traitance industrielle de charleville-mezieres",
         "code_departement": "08", "territoire_niveau": "departement",
         "impressions": 500, "reactions": 10},
        {"membre": "A", "canal": "linkedin", "theme": "territoires", "date": "2025-06-10T10:00",
         "evenement_titre": "Semaine de l'industrie : portes ouvertes chez Cartonnerie Faurac",
         "code_departement": "51", "territoire_niveau": "departement",
         "impressions": 200, "reactions": 5},
        {"membre": "C", "canal": "evenement", "theme": "inclusion", "date": "2025-07-01T09:00",
         "evenement_id": 2, "statut": "prevue"},
        {"membre": "C", "canal": "presse", "theme": "inclusion", "date": "2024-12-01T10:00",
         "code_insee": "2A004", "territoire_niveau": "commune"},
        {"membre": "D", "canal": "linkedin", "theme": "territoires", "date": "2025-06-01T10:00",
         "evenement_titre": "Conférence quantique sur Mars", "code_departement": "69",
         "territoire_niveau": "departement", "impressions": 300, "reactions": 3},
        {"membre": "B", "canal": "linkedin", "theme": "imaginaire", "date": "2025-06-01T11:00",
         "territoire_niveau": "national", "impressions": 4000, "reactions": 80},
        {"membre": "D", "canal": "instagram", "theme": "inclusion", "date": "2025-06-02T10:00",
         "evenement_id": 99, "code_insee": "97411", "territoire_niveau": "commune"},
    ]
    return _frame("actions", [{**base, **row} for row in rows])


def sites() -> pd.DataFrame:
    rows = [("08105", "25", "12"), ("08105", "24", "32"), ("51454", "17", "01"),
            ("2A004", "10", None), ("69123", "25", "11")]
    return _frame("sites", [
        {"source": "test", "source_id": f"s{i}", "nom": f"Site {i}", "code_insee": insee,
         "naf_division": division, "tranche_effectifs": band}
        for i, (insee, division, band) in enumerate(rows, start=1)])


def territoires_industrie() -> pd.DataFrame:
    return pd.DataFrame({"code_insee": list(TI), "id_ti": list(TI.values()),
                         "lib_ti": ["Ardennes et Marne (test)", "Ardennes et Marne (test)",
                                    "Pays ajaccien (test)"]}).astype("str")


def frames() -> dict[str, pd.DataFrame]:
    return {"events": events(), "actions": actions(), "sites": sites(),
            "territoires_industrie": territoires_industrie()}


def prepared() -> dataset.Dataset:
    return dataset.prepare(frames(), TODAY)
