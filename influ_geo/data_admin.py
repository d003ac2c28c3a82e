"""What the Données page shows and checks, as plain data (no streamlit).

- :func:`upload_problem`: an uploaded file refused before it is even read (too large,
  empty, not a kind of file the importers read), with a French message;
- :func:`report_figures`, :func:`precision_table`: the import report as figures;
- :func:`provenance_table`: the import log in French, one row per import;
- :func:`unplaced_rows`, :func:`commune_location`: the rows that could not be placed,
  and the location columns of the commune an editor picks for one of them;
- :func:`frame_bytes`: a table as formula-safe CSV or XLSX bytes (downloads).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from influ_geo import exporters, schema
from influ_geo.formatting import format_decimal, format_int
from influ_geo.report import ImportReport
from influ_geo.store_edit import location_columns

# The kinds a file can bring, in the page's order, with their French names.
KIND_LABELS: dict[str, str] = {
    "sites": "Sites industriels", "events": "Événements", "actions": "Mobilisations",
    "membres": "Membres", "territoires_industrie": "Territoires d'industrie",
}
# File name endings each kind's formats read (``import_formats.FORMATS``).
SUFFIXES: dict[str, tuple[str, ...]] = {
    "sites": (".csv", ".txt", ".gz", ".zip", ".json", ".xlsx"),
    "events": (".csv", ".txt", ".json", ".jsonl", ".xlsx"),
    "actions": (".csv", ".txt", ".xlsx"),
    "membres": (".csv", ".txt", ".xlsx"),
    "territoires_industrie": (".csv", ".txt", ".xlsx"),
}
_MB = 1024 * 1024


def accepted_suffixes(kind: str) -> list[str]:
    """``accepted_suffixes("actions")`` ⇒ ``["csv", "txt", "xlsx"]`` (for ``file_uploader``)."""
    return [s.lstrip(".") for s in SUFFIXES[kind]]


def upload_problem(file_name: str, size: int, kind: str, limit_mb: float) -> str | None:
    """Why an upload is refused before reading it, in French; None when it may be read.

    ``("big.csv", 250 * 2**20, "actions", 200)`` ⇒ ``"« big.csv » pèse 250 Mo : la limite
    est de 200 Mo (réglage INFLU_GEO_UPLOAD_MAX_MB)."``
    """
    if size > limit_mb * _MB:
        return (f"« {file_name} » pèse {format_decimal(size / _MB)} Mo : la limite est de "
                f"{format_int(limit_mb)} Mo (réglage INFLU_GEO_UPLOAD_MAX_MB, et "
                "server.maxUploadSize de .streamlit/config.toml).")
    if size == 0:
        return f"« {file_name} » est vide."
    suffix = "".join(Path(file_name).suffixes[-1:]).lower()
    if suffix not in SUFFIXES[kind]:
        accepted = ", ".join(SUFFIXES[kind])
        return (f"« {file_name} » : extension « {suffix or 'aucune'} » non lue pour "
                f"{KIND_LABELS[kind].lower()} (acceptées : {accepted}).")
    return None


# ---------------------------------------------------------------- the report

def report_figures(report: ImportReport) -> dict[str, int]:
    """``{"Lignes lues": 9, "Conservées": 5, "Rejetées": 3, "Doublons fusionnés": 1,
    "Non placées": 1}``."""
    return {"Lignes lues": report.rows_read, "Conservées": report.rows_kept,
            "Rejetées": report.rows_rejected, "Doublons fusionnés": report.rows_merged,
            "Non placées": int(report.precision.get("failed", 0))}


def precision_table(precision: Mapping[str, int]) -> pd.DataFrame:
    """The precision breakdown, most precise first: ``Placement``, ``Lignes``, ``Part``.

    ``{"municipality": 3, "failed": 1}`` ⇒ ``[("Commune", 3, "75 %"), ("Non géocodé", 1,
    "25 %")]``.
    """
    order = list(schema.GEO_PRECISIONS)
    items = sorted(precision.items(),
                   key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    total = sum(precision.values()) or 1
    return pd.DataFrame({
        "Placement": [schema.GEO_PRECISIONS.get(k, k) for k, _ in items],
        "Lignes": [int(n) for _, n in items],
        "Part": [f"{format_int(100 * n / total)} %" for _, n in items],
    })


def preview_frame(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """The first ``rows`` rows to be written, without the importer's ``_`` columns nor the
    columns that are empty in all of them."""
    head = frame[[c for c in frame.columns if not str(c).startswith("_")]].head(rows)
    return head.dropna(axis=1, how="all")


def rejects_frame(report: ImportReport) -> pd.DataFrame:
    """The rejected rows as read, ``ligne`` and ``motif`` first (for the download)."""
    return report.rejects_frame()


# ---------------------------------------------------------------- provenance

PROVENANCE_COLUMNS: dict[str, str] = {
    "imported_at": "Date", "kind": "Données", "source": "Source", "licence": "Licence",
    "file_name": "Fichier", "checksum": "Empreinte SHA-256", "rows_read": "Lues",
    "rows_kept": "Conservées", "rows_rejected": "Rejetées", "rows_inserted": "Ajoutées",
    "rows_updated": "Mises à jour", "format": "Format",
}


def provenance_table(log: pd.DataFrame) -> pd.DataFrame:
    """The import log (``store.list_imports``) with French headers, most recent first.

    The checksum is cut to 16 characters (enough to tell two files apart on screen);
    ``Format`` comes from the log's JSON details.
    """
    out = log.copy()
    out["kind"] = out["kind"].map(lambda k: KIND_LABELS.get(k, k))
    out["checksum"] = out["checksum"].astype(str).str[:16]
    out["format"] = out["details"].map(_format_of)
    out["licence"] = out["licence"].fillna("")
    return out[list(PROVENANCE_COLUMNS)].rename(columns=PROVENANCE_COLUMNS)


def _format_of(details: object) -> str:
    """``'{"format": "actions", …}'`` ⇒ ``"actions"``; unreadable ⇒ ``""``."""
    if not isinstance(details, str):
        return ""
    try:
        return str(json.loads(details).get("format", ""))
    except (ValueError, AttributeError):
        return ""


# ---------------------------------------------------------------- rows not placed

# What names a row of each kind on screen.
_NAMES: dict[str, tuple[str, ...]] = {
    "sites": ("nom", "adresse", "code_postal", "commune"),
    "events": ("titre", "lieu", "code_postal", "commune"),
    "actions": ("titre", "membre", "evenement_titre"),
    "membres": ("pseudonyme", "commune_nom"),
}
PLACEABLE = tuple(_NAMES)


def unplaced_mask(frame: pd.DataFrame, kind: str) -> pd.Series:
    """Rows the geocoding could not place: ``geo_precision == "failed"``; for members
    (no precision column), no commune code."""
    if kind == "membres":
        return frame["code_insee"].isna()
    return frame["geo_precision"].eq("failed").fillna(False).astype(bool)


def unplaced_rows(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``id``, ``libelle`` (``"Forum des métiers — 42000 SAINT ETIENE"``), ``motif`` and
    ``recherche`` (the commune as the source wrote it, to search for) of each unplaced row."""
    rows = frame[unplaced_mask(frame, kind)]
    names = [c for c in _NAMES[kind] if c in rows.columns]
    label = rows[names].astype(object).apply(
        lambda r: " — ".join(str(x) for x in r if isinstance(x, str) and x.strip()), axis=1)
    search = _search_text(rows)
    note = rows["geo_note"] if "geo_note" in rows.columns else pd.Series("", index=rows.index)
    return pd.DataFrame({"id": rows["id"].astype("int64"),
                         "libelle": label.astype(str) if len(rows) else pd.Series(dtype=str),
                         "motif": note.fillna("").astype(str),
                         "recherche": search}, index=rows.index).reset_index(drop=True)


def _search_text(rows: pd.DataFrame) -> pd.Series:
    """``commune`` as written, else the postcode, else ``""``."""
    out = pd.Series("", index=rows.index, dtype=object)
    for name in ("code_postal", "commune", "commune_nom"):
        if name in rows.columns:
            out = rows[name].astype(object).where(rows[name].notna(), out)
    return out.astype(str)


def commune_location(kind: str, commune: Mapping[str, object],
                     territoires: pd.DataFrame | None = None) -> dict[str, object]:
    """The location columns of ``kind`` for a commune picked by hand.

    ``commune`` is a row of ``referentiel.communes()`` (``code_insee, nom,
    code_departement, code_region, siren_epci, lon, lat``); ``territoires`` the
    ``code_insee, id_ti`` list. Precision ``municipality``, score 1, a note saying so.
    """
    code = str(commune["code_insee"])
    id_ti = None
    if territoires is not None and len(territoires):
        match = territoires.loc[territoires["code_insee"] == code, "id_ti"].sort_values()
        id_ti = None if match.empty else str(match.iloc[0])
    values: dict[str, object] = {
        "code_insee": code, "commune_nom": commune["nom"],
        "code_departement": commune["code_departement"], "code_region": commune["code_region"],
        "siren_epci": commune.get("siren_epci"), "id_ti": id_ti,
        "lon": float(commune["lon"]), "lat": float(commune["lat"]),
        "geo_precision": "municipality", "geo_score": 1.0,
        "geo_note": "commune choisie à la main (page Données)", "territoire_niveau": "commune",
    }
    allowed = location_columns(kind)
    return {k: (None if _missing(val) else val) for k, val in values.items() if k in allowed}


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


# ---------------------------------------------------------------- online fetch

# The official files ``fetch.fetch_source`` downloads, as the page names them.
FETCH_LABELS: dict[str, str] = {
    "territoires-industrie": "Territoires d'industrie — liste des communes (ANCT, < 1 Mo)",
    "openagenda": "Événements — un agenda OpenAgenda (identifiant de l'agenda)",
    "irep": "Sites — registre des émissions polluantes IREP (une année)",
    "icpe": "Sites — installations classées ICPE (Géorisques)",
    "sirene": "Sites — stock Sirene de l'INSEE (≈ 700 Mo, et 1,2 Go de géolocalisation)",
}


def fetch_share(done: int, total: int | None) -> float:
    """Share of a download done (0 when the size is unknown): ``(5, 10)`` ⇒ ``0.5``."""
    return min(done / total, 1.0) if total else 0.0


# ---------------------------------------------------------------- downloads

def frame_bytes(frame: pd.DataFrame, suffix: str = ".csv", kind: str | None = None) -> bytes:
    """``frame`` written by ``exporters.write_frame`` (formula-safe) as the file's bytes."""
    with tempfile.TemporaryDirectory(prefix="influ_geo_export_") as directory:
        path = Path(directory) / f"export{suffix}"
        exporters.write_frame(frame, path, kind)
        return path.read_bytes()
