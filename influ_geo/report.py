"""The import report: what was read, kept, rejected (with line and French reason), merged.

The same report is printed by the CLI and shown by the app. Line numbers are those a
user sees in a spreadsheet: the header is line 1, the first data row line 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# geo_precision values, from most to least precise, as shown to users.
PRECISION_LABELS = {
    "source": "coordonnées du fichier",
    "housenumber": "adresse (numéro)",
    "street": "adresse (voie)",
    "municipality": "commune",
    "failed": "non géocodé",
}


@dataclass
class Rejection:
    """One rejected row: ``Rejection(line=7, reason="date « 31/02/2025 » impossible")``."""

    line: int
    reason: str
    row: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportReport:
    """Counts and rejections of one import; nothing is dropped without a line here."""

    kind: str
    file_name: str = ""
    rows_read: int = 0
    rows_kept: int = 0
    rows_merged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)
    precision: dict[str, int] = field(default_factory=dict)
    already_imported: bool = False

    @property
    def rows_rejected(self) -> int:
        """Number of rejected rows (one rejection per row)."""
        return len(self.rejections)

    def reject(self, line: int, reason: str, row: dict[str, object] | None = None) -> None:
        """Record one rejected row with its line number and French reason."""
        self.rejections.append(Rejection(line, reason, dict(row or {})))

    def warn(self, line: int, reason: str) -> None:
        """Record a kept row that needs a look (doubtful geocoding, value fixed…).

        ``line=0`` is a note on the whole file ("écartés par le filtre Sirene : …").
        """
        self.warnings.append(Rejection(line, reason))

    def count_precision(self, precision: pd.Series) -> None:
        """Store the breakdown of ``geo_precision`` of the kept rows."""
        self.precision = {k: int(v) for k, v in precision.value_counts().items()}

    def rejects_frame(self) -> pd.DataFrame:
        """The rejected rows as they were read, with ``ligne`` and ``motif`` first."""
        rows = [{"ligne": r.line, "motif": r.reason, **r.row} for r in self.rejections]
        return pd.DataFrame(rows, columns=None if rows else ["ligne", "motif"])

    def write_rejects(self, path: Path) -> Path | None:
        """Write the rejected rows to a CSV (UTF-8 with BOM for spreadsheets); None if none."""
        if not self.rejections:
            return None
        self.rejects_frame().to_csv(path, index=False, encoding="utf-8-sig")
        return path

    def summary_lines(self) -> list[str]:
        """The report as short French lines, for the CLI and the app."""
        lines = [f"{self.file_name or self.kind} : {_n(self.rows_read)} lignes lues, "
                 f"{_n(self.rows_kept)} conservées, {_n(self.rows_rejected)} rejetées, "
                 f"{_n(self.rows_merged)} doublons fusionnés."]
        if self.already_imported:
            lines.append("Ce fichier a déjà été importé : rien n'a été ajouté.")
        lines += [f"Note : {w.reason}" for w in self.warnings if w.line == 0]
        line_warnings = sum(1 for w in self.warnings if w.line > 0)
        if line_warnings:
            lines.append(f"{_n(line_warnings)} ligne(s) conservée(s) avec un avertissement.")
        if self.precision:
            parts = [f"{PRECISION_LABELS.get(k, k)} {_n(v)}" for k, v in self.precision.items()]
            lines.append("Géocodage : " + ", ".join(parts) + ".")
        lines += [f"Ligne {r.line} rejetée : {r.reason}" for r in self.rejections[:50]]
        if self.rows_rejected > 50:
            more = _n(self.rows_rejected - 50)
            lines.append(f"… et {more} autres rejets (voir le fichier des rejets).")
        return lines


def _n(value: int) -> str:
    """French thousands separator: 12345 ⇒ "12 345"."""
    return f"{value:,}".replace(",", "\u202f")
