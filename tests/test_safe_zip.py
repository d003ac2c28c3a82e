"""Zip bombs: every reader of an archive refuses them before unpacking, in French.

The committed bombs of ``tests/data/bad`` unpack to 32 MiB from ~33 KB (an IREP year zip,
an ICPE shapefile zip, a real workbook); a 1 GiB one is built for the command-line test.
``zipfile.ZipExtFile`` is watched: a refusal must come before any member byte is read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from bad_corpus import BAD, IREP_HEAD, xlsx_bomb, zip_bomb

from influ_geo import config, fetch, import_formats, importers, readers, safe_zip, store
from influ_geo.download import FetchRejected
from influ_geo.sources import csv_stream, icpe, irep

ROOT = Path(__file__).resolve().parent.parent
BOMBS = ["bombe.zip", "bombe_shapefile.zip", "bombe.xlsx"]


@pytest.fixture
def unpacked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes handed out by every zip member read in this test (``ZipExtFile.read``)."""
    counts: list[int] = []
    for name in ("read", "read1"):
        original = getattr(zipfile.ZipExtFile, name)

        def counting(self, n=-1, _original=original):
            data = _original(self, n)
            counts.append(len(data))
            return data

        monkeypatch.setattr(zipfile.ZipExtFile, name, counting)
    return counts


@pytest.mark.parametrize("name", BOMBS)
def test_committed_bombs_are_real_and_refused_unread(name, unpacked):
    with zipfile.ZipFile(BAD / name) as archive:
        biggest = max(archive.infolist(), key=lambda i: i.file_size)
    assert biggest.file_size > 30 << 20 and (BAD / name).stat().st_size < 200_000
    with pytest.raises(safe_zip.UnsafeArchive) as raised:
        safe_zip.check_zip(BAD / name)
    message = str(raised.value)
    assert message.startswith(f"{name} : archive refusée sans être décompressée")
    assert "\n" not in message and f"« {biggest.filename} »" in message and "32 Mo" in message
    assert sum(unpacked) == 0


@pytest.mark.parametrize("kind", ["sites", "events", "actions", "membres",
                                  "territoires-industrie"])
@pytest.mark.parametrize("name", BOMBS)
def test_every_importer_refuses_every_bomb_unread(kind, name, unpacked, tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.init_db(engine)
    with pytest.raises(importers.UnusableFile, match="archive refusée sans être décompressée"):
        importers.import_file(BAD / name, kind, engine=engine)
    assert sum(unpacked) == 0
    assert store.list_imports(engine).empty


def test_each_zip_reader_checks_the_archive_first(unpacked):
    """The readers themselves, not only the pipeline: IREP year, ICPE shapefile, Sirene
    stream, workbook, format detection and the check of a download."""
    calls = [
        lambda: irep.read_irep(BAD / "bombe.zip"),
        lambda: icpe.read_icpe(BAD / "bombe_shapefile.zip"),
        lambda: csv_stream.sniff(BAD / "bombe.zip"),
        lambda: import_formats.detect_format(BAD / "bombe.zip", "sites"),
        lambda: import_formats.header(BAD / "bombe.xlsx"),
    ]
    for call in calls:
        with pytest.raises(safe_zip.UnsafeArchive):
            call()
    with pytest.raises(readers.UnreadableInput, match="archive refusée"):
        readers.read_table(BAD / "bombe.xlsx")
    with pytest.raises(FetchRejected, match=r"Réponse refusée pour 2023\.zip \(archive refusée"):
        fetch.check_content(BAD / "bombe.zip", "2023.zip", "https://exemple.invalid/2023.zip")
    assert sum(unpacked) == 0


def test_the_workbook_bomb_would_really_explode(tmp_path, monkeypatch):
    """With the guard lifted, a 2 MiB version of the workbook bomb is read row by row:
    the refusal above protects from a real workbook, not from a broken file."""
    small = xlsx_bomb(tmp_path / "petite.xlsx", 2 << 20)
    monkeypatch.setattr(config, "ZIP_MAX_RATIO", 1e9)
    frame = readers.read_table(small)
    assert list(frame.columns) == ["titre", "date_debut"] and len(frame) > 20_000


def test_a_workbook_beyond_the_in_memory_limit_is_refused(tmp_path, monkeypatch):
    book = tmp_path / "evenements.xlsx"
    pd.DataFrame({"titre": [f"Forum {i}" for i in range(20_000)],
                  "date_debut": "2025-03-18"}).to_excel(book, index=False)
    assert len(readers.read_table(book)) == 20_000
    monkeypatch.setattr(config, "ARCHIVE_IN_MEMORY_MAX_MB", 0.5)
    with pytest.raises(readers.UnreadableInput, match=r"au-delà de la limite de 512 Ko"):
        readers.read_table(book)


def test_small_compressible_members_and_official_ratios_pass(tmp_path):
    """Below the floor a member is never judged by its ratio; a Sirene-like CSV (ratio ~5)
    passes whatever its size."""
    path = tmp_path / "zeros.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.csv", bytes(1 << 20))
    assert [i.filename for i in safe_zip.check_zip(path)] == ["zeros.csv"]
    info = zipfile.ZipInfo("stock.csv")
    info.file_size, info.compress_size = 7 << 30, 1500 << 20
    safe_zip.check_members([info], "StockEtablissement_utf8.zip")
    with pytest.raises(safe_zip.UnsafeArchive, match="au-delà de la limite"):
        safe_zip.check_members([info], "x.zip", max_unpacked_mb=500)


def test_too_many_members(monkeypatch):
    monkeypatch.setattr(config, "ZIP_MAX_MEMBERS", 3)
    infos = [zipfile.ZipInfo(f"f{i}.csv") for i in range(4)]
    with pytest.raises(safe_zip.UnsafeArchive, match="4 fichiers"):
        safe_zip.check_members(infos, "x.zip")


@pytest.mark.slow
def test_a_gigabyte_bomb_through_the_command_line(tmp_path):
    """A real 1 GiB bomb: the import command exits 2 with one French line, quickly and
    without the memory that unpacking it would take."""
    bomb = zip_bomb(tmp_path / "2023.zip", "2023/etablissements.csv", 1 << 30, head=IREP_HEAD)
    assert bomb.stat().st_size < 2 << 20
    started = time.monotonic()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so the child would
    # report the peak of the (large) pytest process that started it.
    script = ("import runpy, sys; sys.argv = ['influ_geo'] + sys.argv[1:]\n"
              "try:\n    runpy.run_module('influ_geo', run_name='__main__')\n"
              "finally:\n    print([l.split()[1] for l in open('/proc/self/status')\n"
              "           if l.startswith('VmHWM:')][0], file=sys.stderr)\n")
    done = subprocess.run(
        [sys.executable, "-c", script, "import", "sites", str(bomb)], cwd=ROOT,
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "INFLU_GEO_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}"})
    elapsed = time.monotonic() - started
    *lines, peak_kb = done.stderr.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(lines) == 1 and lines[0].startswith("Erreur : 2023.zip : archive refusée")
    assert int(peak_kb) < 600_000 and elapsed < 30  # unpacking would need > 1 GB
    assert done.stdout == ""
