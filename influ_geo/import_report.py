"""The report of one file import: ``report.ImportReport`` plus what the pipeline adds.

``summary_lines()`` keeps the shared report's lines and inserts the detected format and
what the store received; an already imported file shows the import that brought it::

    evenements.csv : 9 lignes lues, 5 conservées, 3 rejetées, 1 doublons fusionnés.
    Format : Tableau d'événements (CSV/XLSX).
    Base : 5 lignes ajoutées, 0 mises à jour, 0 inchangées (import n° 3).
    Géocodage : commune 4, département 1.
    Ligne 6 rejetée : date « 31/04/2025 » impossible
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from influ_geo import schema, store
from influ_geo.report import PRECISION_LABELS, ImportReport

WARNINGS_SHOWN = 30


@dataclass
class PipelineReport(ImportReport):
    """``ImportReport`` with what the pipeline adds: the format, the store's counts, the
    import already logged for this file, and where the rejected rows were written."""

    format_code: str = ""
    format_label: str = ""
    result: store.ImportResult | None = None
    previous: dict[str, object] | None = None
    rejects_path: Path | None = None

    def summary_lines(self) -> list[str]:
        """The French report: counts, format, store, geocoding precision, rejections."""
        lines = super().summary_lines()
        if self.previous is not None:
            lines[0] = _previous_line(self.file_name, self.previous)
        lines = [self._precision_line() if x.startswith("Géocodage : ") else x for x in lines]
        head = [lines[0]]
        if self.format_label:
            head.append(f"Format : {self.format_label}.")
        if self.result is not None and not self.result.already_imported:
            head.append(_store_line(self.result))
        tail = [f"Lignes rejetées écrites dans {self.rejects_path}"] if self.rejects_path else []
        return [*head, *lines[1:], *tail]

    def warning_lines(self, limit: int = WARNINGS_SHOWN) -> list[str]:
        """``["Ligne 7 : non placé sur la carte : commune introuvable : « Xyz »", …]``."""
        ordered = sorted((w for w in self.warnings if w.line > 0), key=lambda w: w.line)
        shown = [f"Ligne {w.line} : {w.reason}" for w in ordered]
        if len(shown) > limit:
            return [*shown[:limit], f"… et {_n(len(shown) - limit)} autres avertissements."]
        return shown

    def _precision_line(self) -> str:
        order = list(schema.GEO_PRECISIONS)
        counts = sorted(self.precision.items(),
                        key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        parts = [f"{_precision_label(k)} {_n(v)}" for k, v in counts]
        return "Géocodage : " + ", ".join(parts) + "."


def _precision_label(code: str) -> str:
    """``"municipality"`` ⇒ ``"commune"``; ``"departement"`` ⇒ ``"département"``."""
    return PRECISION_LABELS.get(code) or schema.GEO_PRECISIONS.get(code, code).lower()


def _previous_line(file_name: str, log: dict[str, object]) -> str:
    when = pd.Timestamp(log["imported_at"])
    return (f"{file_name} : déjà importé le {when:%d/%m/%Y à %H:%M} (import n° {log['id']} : "
            f"{_n(log['rows_read'])} lignes lues, {_n(log['rows_kept'])} conservées, "
            f"{_n(log['rows_rejected'])} rejetées).")


def _store_line(result: store.ImportResult) -> str:
    return (f"Base : {_n(result.rows_inserted)} lignes ajoutées, "
            f"{_n(result.rows_updated)} mises à jour, {_n(result.rows_unchanged)} inchangées "
            f"(import n° {result.import_id}).")


def _n(value: object) -> str:
    """``12345`` ⇒ ``"12 345"``; missing ⇒ ``"?"``."""
    if value is None or pd.isna(value):
        return "?"
    return f"{int(value):,}".replace(",", "\u202f")
