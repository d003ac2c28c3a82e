"""Events from any CSV or XLSX with French or English headers.

::

    titre;date_debut;date_fin;lieu;adresse;code_postal;commune;url;organisateur;type;public
    Portes ouvertes – Fonderie;18/03/2025 09:00;18/03/2025 17:00;Usine;2 rue…;46100;Figeac;…

Headers are recognised whatever their case and accents, with synonyms
(``title``/``titre``, ``start``/``début``, ``venue``/``lieu``, ``cp``/``postcode``,
``ville``/``city``, ``lien``/``link``, ``organizer``…), and an optional time column
(``heure_debut``, ``heure_fin``) is joined to its date. Dates are accepted as
``2025-03-18``, ``18/03/2025``, ``18/03/2025 14:00``, ``18 mars 2025`` or an Excel
date, and kept naive (the local time as written). Title and start date are required;
an impossible date rejects the row with its line and value. HTML in a title is kept as
text (the UI escapes it). Rows with the same id, or the same title, start and place,
are merged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from influ_geo import readers
from influ_geo.report import ImportReport
from influ_geo.sources import values as v
from influ_geo.sources.event_rows import EVENT_COLUMNS, clean_events

SOURCE = "fichier"

EVENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "source_id": ("id", "identifiant", "uid", "id_evenement", "event_id", "reference"),
    "titre": ("title", "intitule", "nom_evenement", "evenement", "event", "event_name",
              "name", "nom", "libelle"),
    "description": ("resume", "summary", "descriptif", "details", "presentation"),
    "date_debut": ("debut", "start", "start_date", "date_start", "starts_at", "date_de_debut",
                   "premiere_date", "begin", "date", "du"),
    "heure_debut": ("heure", "heure_de_debut", "start_time", "horaire", "horaire_debut"),
    "date_fin": ("fin", "end", "end_date", "date_end", "ends_at", "date_de_fin",
                 "derniere_date", "au", "jusqu_au"),
    "heure_fin": ("heure_de_fin", "end_time", "horaire_fin"),
    "lieu": ("venue", "location", "location_name", "salle", "site", "etablissement", "place",
             "nom_du_lieu"),
    "adresse": readers.GEO_SYNONYMS["adresse"],
    "code_postal": readers.GEO_SYNONYMS["code_postal"],
    "commune": readers.GEO_SYNONYMS["commune"],
    "code_departement": readers.GEO_SYNONYMS["code_departement"],
    "code_insee": readers.GEO_SYNONYMS["code_insee"],
    "lon": readers.GEO_SYNONYMS["lon"],
    "lat": readers.GEO_SYNONYMS["lat"],
    "url": ("lien", "link", "site_web", "website", "page", "lien_inscription", "inscription"),
    "organisateur": ("organizer", "organiser", "organisation", "porteur", "structure",
                     "organise_par"),
    "type": ("type_evenement", "event_type", "categorie", "category", "format", "nature"),
    "public": ("audience", "public_cible", "cible", "target", "public_vise"),
    "mots_cles": ("keywords", "tags", "etiquettes"),
}


def read_events_csv(path: Path | str) -> pd.DataFrame:
    """The file as text columns, recognised headers renamed (``Début`` ⇒ ``date_debut``)."""
    frame, _ = readers.read_canonical(path, EVENT_SYNONYMS)
    return frame


def normalize_events_csv(raw: pd.DataFrame, report: ImportReport,
                         source: str = SOURCE) -> pd.DataFrame:
    """Clean events of a user table; rejected rows go to ``report`` with their line.

    Parameters
    ----------
    raw: text cells as from ``read_events_csv`` (headers renamed again here, so a raw
        ``readers.read_table`` frame works too).
    report: rejections (line, French reason, raw row), warnings, counts.
    source: the ``source`` of every row (``"fichier"``).

    Returns
    -------
    ``event_rows.EVENT_COLUMNS``: one row per kept event, duplicates merged; dates
    ``datetime64`` (naive), codes ``str``; geocoding columns are added later. Raises
    ``values.MissingColumns`` when no title or start-date column is recognised.
    """
    raw = raw.rename(columns=readers.canonical_columns(raw.columns, EVENT_SYNONYMS))
    v.require_columns(raw, {"titre": "titre", "date_debut": "date_debut"}, "événements")
    report.rows_read = len(raw)
    fields = pd.DataFrame({name: v.column(raw, name) for name in [*EVENT_COLUMNS, "mots_cles"]})
    fields["source"] = source
    for day, hour in (("date_debut", "heure_debut"), ("date_fin", "heure_fin")):
        fields[day] = with_time(v.column(raw, day), v.column(raw, hour))
    return clean_events(fields, report, lambda i: v.raw_record(raw.iloc[i].to_dict()),
                        warnings=v.spill_warnings(raw))


def with_time(day: pd.Series, hour: pd.Series) -> pd.Series:
    """Join a separate time column to its date: ``("18/03/2025", "14h30")`` ⇒
    ``"18/03/2025 14h30"``; a date that already has a time, or no time ⇒ the date."""
    filled = ~day.map(v.is_empty) & ~hour.map(v.is_empty)
    text = day.astype("str").str.strip()
    has_time = text.str.contains(r"\d\s*[:h]\s*\d*$", regex=True) & (text.str.len() > 10)
    joined = text + " " + hour.astype("str").str.strip()
    return day.astype(object).where(~(filled & ~has_time), joined)
