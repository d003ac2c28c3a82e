"""Which reader reads a file: the import formats, and their detection by content.

Each format names the reader/normaliser pair of ``influ_geo.sources`` that turns a file
into canonical rows, with a French label for the report::

    detect_format(Path("StockEtablissement_utf8.zip"), "sites")  ⇒ "sirene"
    detect_format(Path("events.v2.json"), "events")              ⇒ "openagenda"
    FORMATS["sirene"].label                                      ⇒ "INSEE Sirene — stock …"

Detection reads only the beginning of a file (its header, or the first bytes of a JSON),
never a whole national stock. A file that fits no format of its kind raises
``FormatNotRecognised`` with the headers it found.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from influ_geo import config, readers, safe_zip
from influ_geo.report import ImportReport
from influ_geo.sources import (
    actions_csv,
    csv_stream,
    events_csv,
    icpe,
    irep,
    membres_csv,
    openagenda,
    sirene,
    territoires_industrie,
)

# The kinds of the command line (and of the app) ⇒ the store table they fill.
KINDS: dict[str, str] = {
    "sites": "sites", "events": "events", "evenements": "events", "actions": "actions",
    "mobilisations": "actions", "territoires-industrie": "territoires_industrie",
    "territoires_industrie": "territoires_industrie", "ti": "territoires_industrie",
    "membres": "membres",
}
_ZIP_MAGIC = b"PK\x03\x04"
_HEAD_BYTES = 1 << 16


class FormatNotRecognised(ValueError):
    """No import format of the kind fits the file; the message is one French line."""


@dataclass(frozen=True)
class LoadOptions:
    """Options some formats take: Sirene's geolocation file and closed establishments."""

    geolocalisation: Path | None = None
    include_closed: bool = False


Loader = Callable[[Path, ImportReport, LoadOptions], pd.DataFrame]


@dataclass(frozen=True)
class Format:
    """One import format: ``Format("irep", "sites", "IREP — etablissements.csv", "irep", …)``.

    ``json_records``: the report's line numbers are JSON record numbers (first = 1).
    """

    code: str
    kind: str
    label: str
    source: str
    load: Loader
    json_records: bool = False


def _rows(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``raw`` itself; ``readers.UnreadableInput`` when it has no data row (header only)."""
    if raw.empty:
        raise readers.UnreadableInput(f"{path.name} : aucune ligne de données.")
    return raw


def _icpe(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    return icpe.normalize_icpe(_rows(icpe.read_icpe(path), path), report)


def _sirene(path: Path, report: ImportReport, options: LoadOptions) -> pd.DataFrame:
    return sirene.load_sirene(path, report, geolocalisation=options.geolocalisation,
                              include_closed=options.include_closed)


def _irep(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    return irep.normalize_irep(_rows(irep.read_irep(path), path), report)


def _openagenda(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    return openagenda.normalize_openagenda(_rows(openagenda.read_openagenda(path), path), report)


def _openagenda_flat(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    raw = _rows(openagenda.read_openagenda_flat(path), path)
    return openagenda.normalize_openagenda_flat(raw, report, json_lines=is_json(path))


def _events(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    return events_csv.normalize_events_csv(_rows(events_csv.read_events_csv(path), path), report)


def _actions(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    raw = _rows(actions_csv.read_actions_csv(path), path)
    return actions_csv.normalize_actions_csv(raw, report)


def _territoires(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    raw = _rows(territoires_industrie.read_territoires_industrie(path), path)
    return territoires_industrie.normalize_territoires_industrie(raw, report)


def _membres(path: Path, report: ImportReport, _options: LoadOptions) -> pd.DataFrame:
    return membres_csv.normalize_membres_csv(_rows(membres_csv.read_membres_csv(path), path),
                                             report)


FORMATS: dict[str, Format] = {f.code: f for f in (
    Format("icpe-api", "sites", "Géorisques ICPE — pages de l'API v1 (JSON)", "icpe", _icpe,
           json_records=True),
    Format("icpe-csv", "sites", "Géorisques ICPE — export CSV de la couche WFS", "icpe", _icpe),
    Format("icpe-shapefile", "sites", "Géorisques ICPE — shapefile zippé", "icpe", _icpe),
    Format("sirene", "sites", "INSEE Sirene — stock des établissements (StockEtablissement)",
           "sirene", _sirene),
    Format("irep", "sites", "IREP — etablissements.csv (registre des émissions polluantes)",
           "irep", _irep),
    Format("openagenda", "events", "OpenAgenda — export events.v2.json", "openagenda",
           _openagenda, json_records=True),
    Format("openagenda-plat", "events", "OpenAgenda — copie à plat (Opendatasoft)",
           "openagenda", _openagenda_flat),
    Format("evenements", "events", "Tableau d'événements (CSV/XLSX)", events_csv.SOURCE,
           _events),
    Format("actions", "actions", "Relevé de mobilisations (CSV/XLSX)", actions_csv.SOURCE,
           _actions),
    Format("ti", "territoires_industrie",
           "Liste des communes des Territoires d'industrie (ANCT)", territoires_industrie.SOURCE,
           _territoires),
    Format("membres", "membres", "Liste des membres (CSV/XLSX)", membres_csv.SOURCE, _membres),
)}


def store_kind(kind: str) -> str:
    """The store table of a command-line kind: ``"territoires-industrie"`` ⇒
    ``"territoires_industrie"``; ``FormatNotRecognised`` for an unknown kind."""
    try:
        return KINDS[kind.strip().lower()]
    except KeyError:
        expected = "sites, events, actions, territoires-industrie, membres"
        raise FormatNotRecognised(f"type de données inconnu : « {kind} » "
                                  f"(attendu : {expected})") from None


def formats_of(kind: str) -> list[str]:
    """The format codes of a kind: ``formats_of("events")`` ⇒ ``["openagenda", …]``."""
    table = store_kind(kind)
    return [code for code, f in FORMATS.items() if f.kind == table]


def resolve_format(path: Path, kind: str, fmt: str | None = None) -> Format:
    """The format to read ``path`` with: ``fmt`` when given (checked), else detected."""
    table = store_kind(kind)
    if fmt is None:
        return FORMATS[detect_format(path, table)]
    chosen = FORMATS.get(fmt.strip().lower())
    if chosen is None or chosen.kind != table:
        raise FormatNotRecognised(f"format « {fmt} » inconnu pour {kind} "
                                  f"(formats possibles : {', '.join(formats_of(table))})")
    return chosen


def detect_format(path: Path, kind: str) -> str:
    """The format code of ``path`` for ``kind``, judged on its beginning.

    ``sites``: JSON pages or a folder ⇒ ``icpe-api``; a zip holding a shapefile ⇒
    ``icpe-shapefile``, ``etablissements.csv`` ⇒ ``irep``; otherwise the header decides
    (``activitePrincipaleEtablissement`` ⇒ ``sirene``, ``identifiant`` +
    ``coordonnees_x`` ⇒ ``irep``, ``code_aiot``/``nom_ets`` ⇒ ``icpe-csv``).
    ``events``: JSON or CSV with ``title_fr``/``firstdate_begin`` ⇒ ``openagenda-plat``,
    other JSON ⇒ ``openagenda``, other tables ⇒ ``evenements``.
    """
    table = store_kind(kind)
    if table == "sites":
        return _site_format(path)
    if table == "events":
        return _event_format(path)
    return {"actions": "actions", "territoires_industrie": "ti", "membres": "membres"}[table]


def is_json(path: Path) -> bool:
    """True for a ``.json`` name or content starting with ``[`` / ``{`` (BOM, blanks skipped)."""
    if path.suffix.lower() == ".json":
        return True
    return _head(path).lstrip(b"\xef\xbb\xbf \r\n\t").startswith((b"[", b"{"))


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(_HEAD_BYTES)


def _zip_names(path: Path) -> list[str]:
    """Member names of a zip; ``FormatNotRecognised`` for a cut or damaged archive,
    ``safe_zip.UnsafeArchive`` for a zip bomb (nothing is unpacked)."""
    try:
        return [info.filename for info in safe_zip.check_zip(path)]
    except zipfile.BadZipFile:
        raise FormatNotRecognised(f"{path.name} : archive zip incomplète ou abîmée "
                                  "(fichier coupé pendant le téléchargement ?).") from None


def _site_format(path: Path) -> str:
    if path.is_dir() or is_json(path):
        return "icpe-api"
    if _head(path).startswith(_ZIP_MAGIC):
        names = [n.lower() for n in _zip_names(path)]
        if any(n.endswith(".shp") for n in names):
            return "icpe-shapefile"
        if any(n.rsplit("/", 1)[-1] == "etablissements.csv" for n in names):
            return "irep"
    return _site_format_of_header(path, header(path))


def _site_format_of_header(path: Path, columns: list[str]) -> str:
    keys = {readers.header_key(c) for c in columns}
    if {"siret", "activiteprincipaleetablissement"} <= keys:
        return "sirene"
    if "identifiant" in keys and keys & {"coordonneesx", "nometablissement", "codeeprtr"}:
        return "irep"
    if keys & {"codeaiot", "nomets", "codes3ic", "raisonsociale", "cdinsee", "numsiret"}:
        return "icpe-csv"
    raise FormatNotRecognised(
        f"{path.name} : format de sites non reconnu (attendu : stock Sirene, export ICPE de "
        f"Géorisques ou etablissements.csv de l'IREP) ; en-têtes lus : {_shown(columns)}")


def _event_format(path: Path) -> str:
    if is_json(path):
        head = _head(path)
        return "openagenda-plat" if b'"title_fr"' in head or b'"firstdate_begin"' in head \
            else "openagenda"
    keys = {readers.header_key(c) for c in header(path)}
    return "openagenda-plat" if keys & {"titlefr", "firstdatebegin"} else "evenements"


def header(path: Path) -> list[str]:
    """The column names of a CSV (plain, ``.gz`` or zipped) or XLSX, reading its start only."""
    if _head(path).startswith(_ZIP_MAGIC):
        names = _zip_names(path)
        if any(n.startswith("xl/") for n in names):
            safe_zip.check_zip(path, config.ARCHIVE_IN_MEMORY_MAX_MB)
            try:
                return [str(c) for c in pd.read_excel(path, nrows=0, engine="openpyxl").columns]
            except (ValueError, KeyError, OSError) as error:
                raise readers.UnreadableInput(f"{path.name} : classeur XLSX illisible "
                                              f"({error}).") from error
    return csv_stream.sniff(path)[0]


def _shown(columns: list[str]) -> str:
    """The first headers for a message, control characters left out (one printable line)."""
    shown = ", ".join(" ".join(str(c).split()) for c in columns[:12])
    return readers.CONTROL_CHARACTERS.sub("", shown) or "aucun"
