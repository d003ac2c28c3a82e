"""The Mobilisations table: search, filters, labels, export columns, choices."""

from __future__ import annotations

from datetime import date

import pandas as pd

from influ_geo import actions_view, schema
from influ_geo.filters import Filters

ACTIONS = pd.DataFrame({
    "id": pd.array([1, 2, 3, None], dtype="Int64"),
    "date": pd.to_datetime(["2025-03-18", "2025-05-02", "2024-01-10", "2025-04-01"]),
    "membre": ["Membre démo 07", "Élodie", "Membre démo 07", "Zoé"],
    "canal": ["linkedin", "tiktok", "presse", "linkedin"],
    "theme": ["inclusion", "imaginaire", "territoires", "inclusion"],
    "public_cible": ["parents", None, "elus", "jeunes"],
    "statut": ["realisee", "prevue", "realisee", "realisee"],
    "titre": ["Visite de l'usine", "=HYPERLINK(\"x\")", None, "Rencontre des ÉLUS"],
    "campagne": ["WorldSkills Lyon 2024", None, "Tournée", None],
    "territoire_niveau": ["commune", "departement", "region", "national"],
    "commune_nom": ["Oyonnax", None, None, None], "code_insee": ["01283", None, None, None],
    "code_departement": ["01", "2A", None, None], "code_region": ["84", "94", "53", None],
    "evenement_titre": [None] * 4, "url": ["https://x.fr/a", None, None, None],
    "impressions": pd.array([10, None, None, None], dtype="Int64"),
    "reactions": pd.array([1, None, None, None], dtype="Int64"),
})


def test_search_ignores_accents_and_case_and_needs_every_word() -> None:
    mask = actions_view.search_mask
    assert mask(ACTIONS, "worldskills LYON").tolist() == [True, False, False, False]
    assert mask(ACTIONS, "elus").tolist() == [False, False, False, True]
    assert mask(ACTIONS, "élodie").tolist() == [False, True, False, False]
    assert mask(ACTIONS, "membre 07 tournee").tolist() == [False, False, True, False]
    assert mask(ACTIONS, "  ").all()


def test_visible_actions_apply_the_filters_then_sort_most_recent_first() -> None:
    filters = Filters(debut=date(2025, 1, 1), fin=date(2025, 12, 31))
    shown = actions_view.visible_actions(ACTIONS, filters)
    assert shown["membre"].tolist() == ["Élodie", "Zoé", "Membre démo 07"]
    only = Filters(debut=date(2025, 1, 1), fin=date(2025, 12, 31), canaux=("linkedin",))
    assert actions_view.visible_actions(ACTIONS, only, "visite")["id"].tolist() == [1]


def test_display_table_has_french_headers_and_labels() -> None:
    table = actions_view.display_table(ACTIONS)
    assert list(table.columns) == list(actions_view.DISPLAY_COLUMNS.values())
    first = table.iloc[0]
    assert (first["Canal"], first["Thème"], first["Public"], first["Statut"]) == (
        "LinkedIn", schema.THEMES["inclusion"], "Parents", "Réalisée")
    assert table["Territoire"].tolist() == ["Oyonnax (01283)", "Département 2A", "Région 53",
                                            "National"]
    assert first["Date"] == date(2025, 3, 18)


def test_export_frame_keeps_canonical_columns_only() -> None:
    extra = ACTIONS.assign(liaison="id", evenement_pos=-1)
    out = actions_view.export_frame(extra)
    assert list(out.columns) == [c for c in schema.column_names("actions") if c in ACTIONS]


def test_choices_list_stored_actions_only() -> None:
    labels = actions_view.choices(ACTIONS, limit=2)
    assert list(labels) == [1, 2]
    assert labels[1] == "n° 1 · 18/03/2025 · Membre démo 07 · LinkedIn · Visite de l'usine"
    assert actions_view.count_text(1204, 1500) == "1\u202f204 mobilisations sur 1\u202f500"
