"""``python -m influ_geo fetch SOURCE``: download an official file, optionally import it.

::

    python -m influ_geo fetch sirene                  # stock + geolocation, data/raw/sirene/
    python -m influ_geo fetch irep --annee 2023 --import
    python -m influ_geo fetch openagenda --uid 12345678
    python -m influ_geo fetch icpe --format csv --dossier /tmp/brut

With ``--import`` each file then goes through the import pipeline
(``importers.import_file``), which records its SHA-256 in the store's import log.

Exit codes: 0 done (or already up to date); 2 unusable option, refused download (404…,
one French line with the URL) or a file the import cannot use; 3 network or server
unreachable (connection refused, unknown host, timeout, 429/5xx after the retries);
130 interrupted by Ctrl-C (the partial file is kept: the same command resumes it).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from influ_geo.cli import CommandError
from influ_geo.download import Downloaded, FetchRejected, FetchUnavailable
from influ_geo.fetch import (
    ICPE_FORMATS,
    SOURCES,
    FetchOptionError,
    RemoteFile,
    fetch_file,
    remote_files,
)
from influ_geo.formatting import format_decimal

EXIT_NETWORK = 3
EXIT_INTERRUPTED = 130


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` sub-command."""
    p = sub.add_parser("fetch", help="télécharge les fichiers officiels (réseau nécessaire)",
                       description="Télécharge un fichier officiel dans data/raw/<source>/.")
    p.add_argument("source", choices=SOURCES, help="fichier à télécharger")
    p.add_argument("--annee", type=int, default=None, help="irep : année du registre (AAAA)")
    p.add_argument("--uid", default=None, help="openagenda : identifiant de l'agenda")
    p.add_argument("--format", dest="icpe_format", choices=sorted(ICPE_FORMATS),
                   default=None, help="icpe : shapefile zippé (défaut) ou CSV")
    p.add_argument("--sans-geolocalisation", action="store_true",
                   help="sirene : seulement le stock, sans le fichier de géolocalisation (1,2 Go)")
    p.add_argument("--dossier", type=Path, default=None,
                   help="dossier de destination (défaut : data/raw)")
    p.add_argument("--forcer", action="store_true",
                   help="tout retélécharger : ni reprise d'un fichier partiel, ni « déjà à jour »")
    p.add_argument("--import", dest="chain_import", action="store_true",
                   help="importer dans la base les fichiers téléchargés")
    p.set_defaults(handler=run)


def options_for(args: argparse.Namespace) -> dict[str, object]:
    """The options of ``remote_files`` for this source; an option of another source is refused."""
    given = {"--annee": (args.annee is not None, "irep"),
             "--uid": (args.uid is not None, "openagenda"),
             "--format": (args.icpe_format is not None, "icpe"),
             "--sans-geolocalisation": (args.sans_geolocalisation, "sirene")}
    for flag, (used, owner) in given.items():
        if used and owner != args.source:
            raise CommandError(f"{flag} ne s'emploie qu'avec la source {owner}.")
    return {"irep": {"annee": args.annee}, "openagenda": {"uid": args.uid},
            "icpe": {"icpe_format": args.icpe_format or "shapezip"},
            "sirene": {"geolocalisation": not args.sans_geolocalisation}}.get(args.source, {})


def run(args: argparse.Namespace) -> int:
    """Download every file of the source; a network failure is exit 3 with one French line."""
    try:
        remotes = remote_files(args.source, **options_for(args))
    except FetchOptionError as error:
        raise CommandError(str(error)) from error
    try:
        downloaded = [_fetch_one(remote, args) for remote in remotes]
    except FetchUnavailable as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return EXIT_NETWORK
    except FetchRejected as error:
        raise CommandError(str(error)) from error
    except KeyboardInterrupt:
        print("Téléchargement interrompu : relancez la même commande pour le reprendre.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:  # disk full, read-only folder…
        raise CommandError(f"écriture impossible : {error.strerror or error}") from error
    if args.chain_import:
        return chain_import(remotes, downloaded)
    return 0


def _fetch_one(remote: RemoteFile, args: argparse.Namespace) -> Downloaded:
    """One file with a progress bar on a terminal, then its French summary line."""
    bar = TerminalProgress(remote.file_name) if sys.stderr.isatty() else None
    try:
        item = fetch_file(remote, dest_dir=args.dossier, progress=bar, resume=not args.forcer)
    finally:
        if bar is not None:
            bar.close()
    print(summary_line(item))
    return item


def summary_line(item: Downloaded) -> str:
    """``Téléchargé : data/raw/irep/2023.zip (12,4 Mo en 3,1 s), sha256 9f86…``."""
    if item.up_to_date:
        return f"Déjà à jour : {item.path} ({format_size(item.size)}), sha256 {item.sha256}"
    resumed = f", reprise à {format_size(item.resumed_from)}" if item.resumed_from else ""
    took = f" en {format_decimal(item.seconds)} s" if item.seconds >= 0.05 else ""
    return (f"Téléchargé : {item.path} ({format_size(item.size)}{took}{resumed}), "
            f"sha256 {item.sha256}")


def format_size(size: int) -> str:
    """``512`` ⇒ ``"512 octets"``, ``2_808`` ⇒ ``"2,8 ko"``, ``712_300_000`` ⇒ ``"712,3 Mo"``.

    Units of 10³ bytes, as the download pages of the publishers count.
    """
    for scale, unit in ((1e9, "Go"), (1e6, "Mo"), (1e3, "ko")):
        if size >= scale:
            return f"{format_decimal(size / scale)} {unit}"
    return f"{size} octets"


class TerminalProgress:
    """``2023.zip   42 % [==========>             ] 5,2 Mo / 12,4 Mo`` redrawn on one line.

    Callable as the ``progress(done, total)`` of the downloads; without a total it shows
    the megabytes received. Redraws at most every ``interval`` seconds.
    """

    def __init__(self, label: str, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.label, self.stream, self.interval = label, stream or sys.stderr, interval
        self._last, self._width = 0.0, 0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < self.interval and done != total:
            return
        line = render_bar(self.label, done, total)
        self._last, self._width = now, max(self._width, len(line))
        self.stream.write("\r" + line.ljust(self._width))  # blank out a longer previous line
        self.stream.flush()

    def close(self) -> None:
        if self._width:
            self.stream.write("\n")
            self.stream.flush()


def render_bar(label: str, done: int, total: int | None, width: int = 24) -> str:
    """``("a.zip", 5_000, 10_000)`` ⇒ ``"a.zip   50 % [============>    …] 5,0 ko / 10,0 ko"``.

    Without a total (chunked answer): ``"a.zip  5,0 ko reçus"``.
    """
    if not total:
        return f"{label}  {format_size(done)} reçus"
    share = min(done / total, 1.0)
    filled = round(share * width)
    arrow = ">" if 0 < filled < width else ""
    bar = ("=" * filled + arrow).ljust(width)[:width]
    return f"{label}  {share * 100:3.0f} % [{bar}] {format_size(done)} / {format_size(total)}"


# ---------------------------------------------------------------- --import

@dataclass(frozen=True)
class ImportJob:
    """One ``importers.import_file`` call: a downloaded file, its kind and format."""

    path: Path
    kind: str
    fmt: str
    sha256: str
    geolocalisation: Path | None = None


def import_jobs(remotes: Sequence[RemoteFile], downloaded: Sequence[Downloaded]
                ) -> list[ImportJob]:
    """One import per file; the geolocation file rides along with the Sirene stock.

    ``[StockEtablissement_utf8.zip, Geolocalisation….zip]`` ⇒
    ``[ImportJob(StockEtablissement_utf8.zip, "sites", "sirene", "…", Geolocalisation….zip)]``.
    """
    pairs = list(zip(remotes, downloaded, strict=True))
    joined = [item.path for remote, item in pairs if not remote.format]
    return [ImportJob(item.path, remote.kind, remote.format, item.sha256,
                      joined[0] if remote.format == "sirene" and joined else None)
            for remote, item in pairs if remote.format]


def chain_import(remotes: Sequence[RemoteFile], downloaded: Sequence[Downloaded]) -> int:
    """Import each downloaded file as ``python -m influ_geo import`` does, and print its report.

    The pipeline logs the file's SHA-256 (the one computed during the download: same bytes)
    in the store's import log; a file already imported is not imported twice.
    """
    from influ_geo import importers
    from influ_geo.import_formats import LoadOptions

    for job in import_jobs(remotes, downloaded):
        try:
            report = importers.import_file(
                job.path, job.kind, fmt=job.fmt, rejects=importers.rejects_path(job.path),
                options=LoadOptions(geolocalisation=job.geolocalisation))
        except importers.UnusableFile as error:
            raise CommandError(f"fichier téléchargé ({job.path}) mais inutilisable : {error}") \
                from error
        for line in [*report.summary_lines(), *report.warning_lines()]:
            print(line)
    return 0
