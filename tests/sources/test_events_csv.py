"""Events from a user CSV/XLSX with French or English headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from influ_geo.report import ImportReport
from influ_geo.sources import events_csv
from influ_geo.sources.event_rows import EVENT_COLUMNS, event_type, guess_type, guess_types
from influ_geo.sources.values import MissingColumns
from influ_geo.store_frames import normalize_frame

DATA = Path(__file__).resolve().parent.parent / "data" / "events"


def _import(path: Path) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport("events", path.name)
    return events_csv.normalize_events_csv(events_csv.read_events_csv(path), report), report


def test_sample_in_documented_shape():
    frame, report = _import(DATA / "evenements.csv")
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (7, 7, 0)
    assert not report.warnings
    assert list(frame.columns) == EVENT_COLUMNS
    assert list(frame["code_postal"]) == ["46100", "20000", "97410", "97139", "01100", "20200",
                                          "59300"]
    assert list(frame["type"]) == ["semaine_industrie", "forum_emploi", "portes_ouvertes",
                                   "concours", "salon", "french_fab_tour", "visite"]
    assert list(frame["public"]) == ["grand_public", "demandeurs_emploi", "parents", "jeunes",
                                     "dirigeants", "lyceens", "enseignants"]
    first = frame.iloc[0]
    assert (first["date_debut"], first["date_fin"]) == (
        pd.Timestamp("2025-03-24 09:00"), pd.Timestamp("2025-03-24 17:00"))
    last = frame.iloc[-1]  # no end date: the event ends the day it starts
    assert last["date_fin"] == last["date_debut"] == pd.Timestamp("2025-11-20")
    assert pd.isna(last["url"])
    assert set(frame["source"]) == {"fichier"}


def test_messy_variant_report():
    path = DATA / "evenements_messy.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    frame, report = _import(path)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (6, "date « 31/04/2025 » impossible"),
        (7, "titre manquant"),
        (10, "date de fin (19/03/2025) avant la date de début (20/03/2025)"),
    ]
    assert [(w.line, w.reason) for w in report.warnings] == [
        (5, "lien « ftp://example.fr/c » ignoré (seuls http:// et https:// sont acceptés)"),
        (9, "plus de champs que d'en-têtes : valeur(s) sans colonne ignorée(s) "
            "(« en trop », « encore »)"),
        (8, "doublon de la ligne 3 : fusionné"),
    ]
    assert (report.rows_read, report.rows_kept, report.rows_merged) == (9, 5, 1)
    assert report.rejections[1].row["lieu"] == "Sans titre"  # the raw row is kept for the user
    by_title = frame.set_index("titre")
    assert "<b>Portes ouvertes</b> & visite de l'atelier" in by_title.index  # HTML kept as text
    # Every date form of the file gives the same day.
    for title in ("Forum emploi Ajaccio", "Salon Réunion", "Visite de la sucrerie"):
        assert by_title.loc[title, "date_debut"].date() == pd.Timestamp("2025-03-18").date()
    assert by_title.loc["Visite de la sucrerie", "date_fin"] == pd.Timestamp("2025-03-18 17:30")
    assert by_title.loc["Ligne cassée", "code_postal"] == "01100"  # lost leading zero


def test_xlsx_with_real_dates_and_separate_time(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Intitulé", "Date", "Heure", "Ville", "Code postal", "Site web"])
    sheet.append(["Salon de l'usine", datetime(2025, 3, 18), "14h30", "Bastia", 20200,
                  "https://example.fr"])
    sheet.append(["Forum 974", 45734, None, "Saint-Denis", 97400, None])
    sheet.append(["Code perdu", "18/03/2025", None, "Oyonnax", 1100, None])
    path = tmp_path / "agenda.xlsx"
    book.save(path)
    frame, report = _import(path)
    assert report.rows_kept == 3 and not report.rejections
    assert list(frame["date_debut"]) == [pd.Timestamp("2025-03-18 14:30"),
                                         pd.Timestamp("2025-03-18"), pd.Timestamp("2025-03-18")]
    assert list(frame["code_postal"]) == ["20200", "97400", "01100"]
    assert list(frame["commune"]) == ["Bastia", "Saint-Denis", "Oyonnax"]


def test_missing_required_column_is_fatal(tmp_path):
    path = tmp_path / "sans_date.csv"
    path.write_text("titre,lieu\nForum,Salle\n", encoding="utf-8")
    with pytest.raises(MissingColumns, match="date_debut"):
        _import(path)


@pytest.mark.parametrize(("declared", "title", "expected"), [
    ("Portes ouvertes", None, "portes_ouvertes"),
    ("portes_ouvertes", None, "portes_ouvertes"),
    ("Forum emploi", None, "forum_emploi"),
    (None, "WorldSkills : sélections régionales", "concours"),
    (None, "French Fab Tour - étape de Brest", "french_fab_tour"),
    (None, "Semaine de l'industrie 2025 : visite", "semaine_industrie"),
    (None, "Job dating de l'industrie", "forum_emploi"),
    (None, "Assemblée générale", None),
    ("Hackathon", None, "hackathon"),
])
def test_event_type(declared, title, expected):
    assert event_type(declared, title) == expected


@pytest.mark.parametrize("title", [
    "Forum emploi de Brest", "Assemblée générale", "Semaine de l'industrie : visite",
    "<b>Portes ouvertes</b>", "Salon Global Industrie", "French Fab Tour – étape de Lens",
    "Job dating", "Œuvre d'atelier", "WORLDSKILLS Bretagne", "Conférence-débat",
])
def test_vectorised_type_guess_agrees_with_the_scalar_one(title):
    titles, keywords = pd.Series([title]), pd.Series([None], dtype=object)
    guessed = guess_types(titles, keywords).iloc[0]
    assert (None if pd.isna(guessed) else guessed) == guess_type(title)


def test_events_fit_the_store_schema():
    frame, _ = _import(DATA / "evenements_messy.csv")
    rows = normalize_frame("events", frame, source="fichier").rows
    assert len(rows) == len(frame)
    assert rows["source_id"].str.startswith("h:").all()  # the store fingerprints them
