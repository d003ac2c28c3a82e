"""The corpus of bad inputs (``tests/data/bad``) through every importer and the command line.

Every file goes to every kind, on SQLite and PostgreSQL. Each case ends either in
``UnusableFile`` (one French line, the store unchanged to the last row) or in a correct
import: every row read is kept, rejected with its line and a French reason, or merged
(``read = kept + rejected + merged``), the store receives the kept rows and nothing else,
and the rows of the file's own kind do what its ``attendu`` column says. The same cases
through ``python -m influ_geo import``: exit 2 with one French line, or exit 0. Then
the 200 MB files, and focused tests of the bugs the corpus found.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from bad_corpus import BAD, KINDS, TABLES, big_sirene, big_table
from pg_support import PG_URL_VARIABLE, pg_schema_url, pg_unavailable
from sqlalchemy.engine import Engine

from influ_geo import (
    cli,
    config,
    fetch,
    geocode,
    import_formats,
    importers,
    input_checks,
    readers,
    store,
)
from influ_geo.download import FetchRejected
from influ_geo.sources import values as v

DATA = BAD.parent
ROOT = BAD.parent.parent.parent
FILES = sorted(p.name for p in BAD.iterdir() if p.name != "README.md")
CASES = [(kind, name) for kind in KINDS for name in FILES]
# What every store holds before the corpus: the clean sample of each kind.
BASELINE = [("events", "events/evenements.csv"), ("sites", "sites/icpe_wfs.csv"),
            ("actions", "actions/actions.csv"), ("membres", "membres/membres.csv"),
            ("territoires-industrie", "ti/liste-ti-com2023.csv")]
# English words of Python, pandas or GDAL errors that must never reach a message.
NOT_FRENCH = re.compile(r"\b(Traceback|Error|Exception|Expected|expected|codec|invalid|not "
                        r"found|No such|object|NoneType|recognized)\b")
PRECISION = {"source": "source", "commune": "municipality"}


@pytest.fixture
def engine(tmp_path: Path):
    """An empty SQLite store (the matrix runs on PostgreSQL too)."""
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.init_db(engine)
    yield engine
    engine.dispose()


@dataclass
class Filled:
    """The matrix's store and its last dump (the store changes only through the cases,
    each of which dumps it after its import: that dump is the next case's "before")."""

    engine: Engine
    dump: dict[str, pd.DataFrame]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def filled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One store per backend for the whole matrix, holding the clean samples first."""
    if request.param == "sqlite":
        urls = iter([f"sqlite:///{tmp_path_factory.mktemp('bad') / 'store.sqlite'}"])
    else:
        reason = pg_unavailable()
        if reason is not None:
            if os.environ.get("INFLU_GEO_TEST_PG_REQUIRED") == "1":
                pytest.fail(reason)
            pytest.skip(reason)
        urls = pg_schema_url(os.environ[PG_URL_VARIABLE])
    engine = store.get_engine(next(urls))
    store.init_db(engine)
    for kind, sample in BASELINE:
        importers.import_file(DATA / sample, kind, engine=engine)
    yield Filled(engine, store.dump_store(engine))
    engine.dispose()
    next(urls, None)  # PostgreSQL: the schema is dropped


def _expected(path: Path, kind: str) -> pd.DataFrame | None:
    """The file's own expectations (``attendu``…) by line, for a table of ``kind``."""
    if not path.name.endswith(f".{kind}.csv"):
        return None
    try:
        frame = readers.read_table(path)
    except readers.UnreadableInput:
        return None
    if "attendu" not in frame.columns:
        return None
    return frame.set_axis(range(2, len(frame) + 2))


def _assert_one_french_line(message: str, name: str) -> None:
    assert message.startswith(f"{name} : ") and "\n" not in message, message
    assert not NOT_FRENCH.search(message), message
    assert not readers.CONTROL_CHARACTERS.search(message), message


def _assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame],
                 skip: tuple[str, ...] = (), columns: tuple[str, ...] = ()) -> None:
    """The tables are equal but the ``skip`` ones, and but their ``columns``."""
    assert before.keys() == after.keys()
    for name in before:
        if name not in skip:
            pd.testing.assert_frame_equal(before[name].drop(columns=list(columns), errors="ignore"),
                                          after[name].drop(columns=list(columns), errors="ignore"),
                                          obj=name)


def _assert_placed_in_their_ti(after: dict[str, pd.DataFrame]) -> None:
    """After a Territoires d'industrie list: each row with a commune is in the first TI of
    its commune (by id), or in none."""
    ti = after["territoires_industrie"].sort_values(["code_insee", "id_ti"])
    of_commune = ti.drop_duplicates("code_insee").set_index("code_insee")["id_ti"]
    for name in ("sites", "events", "actions"):
        rows = after[name][after[name]["code_insee"].notna()]
        pd.testing.assert_series_equal(rows["id_ti"], rows["code_insee"].map(of_commune)
                                       .astype("str"), check_names=False, obj=name)


def _merged_lines(report: importers.PipelineReport) -> set[int]:
    return {w.line for w in report.warnings
            if w.reason.startswith(importers.DUPLICATE_PREFIX) or " en double " in w.reason}


def test_each_corpus_file_has_its_line_in_the_readme():
    """The README says what each file tries; no file without a line, no line without a file."""
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^- `([^`]+)` : ", readme, flags=re.MULTILINE)
    assert sorted(listed) == FILES and len(set(listed)) == len(listed)
    assert len(FILES) == 8 + sum(len(kinds) for kinds, _ in TABLES.values())


# ---------------------------------------------------------------- every file, every kind

@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}-{n}" for k, n in CASES])
def test_every_file_ends_in_a_message_or_a_correct_import(filled, kind, name):
    path, before = BAD / name, filled.dump
    try:
        report = importers.import_file(path, kind, engine=filled.engine)
    except importers.UnusableFile as error:
        _assert_one_french_line(str(error), name)
        _assert_same(before, store.dump_store(filled.engine))
        return
    table = import_formats.store_kind(kind)
    after = filled.dump = store.dump_store(filled.engine)
    if table == "territoires_industrie":  # the rows already stored join their TI
        _assert_same(before, after, skip=(table, "imports"), columns=("id_ti",))
        _assert_placed_in_their_ti(after)
    else:
        _assert_same(before, after, skip=(table, "imports"))
    assert len(after["imports"]) == len(before["imports"]) + 1
    result = report.result
    assert report.rows_read > 0
    assert report.rows_read == report.rows_kept + report.rows_rejected + report.rows_merged
    assert result.rows_inserted + result.rows_updated + result.rows_unchanged == report.rows_kept
    assert len(after[table]) == len(before[table]) + result.rows_inserted
    for rejection in report.rejections:
        assert rejection.line >= 1 and rejection.reason and "\n" not in rejection.reason
        assert not NOT_FRENCH.search(rejection.reason), rejection.reason
    mine = after[table][after[table]["import_id"] == result.import_id]
    _assert_types(mine)
    expected = _expected(path, kind)
    if expected is not None:
        _assert_as_expected(report, expected, mine if result.rows_unchanged == 0 else None)


def _assert_types(rows: pd.DataFrame) -> None:
    """Codes as text, dates as datetimes, points in France or missing."""
    for name in ("code_insee", "code_departement", "code_region", "code_postal", "siret"):
        if name in rows.columns:
            codes = rows[name].dropna()
            assert all(isinstance(c, str) for c in codes)
            assert codes.str.fullmatch(r"[0-9AB]{2,14}").all()
    for name in ("date", "date_debut", "date_fin", "date_maj"):
        if name in rows.columns:
            assert pd.api.types.is_datetime64_any_dtype(rows[name])
    if "lon" in rows.columns:
        placed = rows[["lon", "lat"]].dropna()
        assert placed["lon"].between(-62, 56).all() and placed["lat"].between(-22, 52).all()


def _assert_as_expected(report: importers.PipelineReport, expected: pd.DataFrame,
                        mine: pd.DataFrame | None) -> None:
    """Rejected lines, merged lines and kept rows as the ``attendu`` column says."""
    attendu = expected["attendu"]
    assert {r.line for r in report.rejections} == set(attendu.index[attendu == "rejet"])
    assert _merged_lines(report) == set(attendu.index[attendu == "fusion"])
    assert report.rows_kept == (attendu == "garde").sum()
    if mine is None:
        return
    kept = expected[attendu == "garde"]
    if "insee_attendu" in kept.columns:
        codes = Counter(mine["code_insee"].fillna(""))
        assert codes == Counter(kept["insee_attendu"])
    if "place_attendu" in kept.columns:
        assert Counter(mine["geo_precision"]) == Counter(kept["place_attendu"].map(PRECISION))


# ---------------------------------------------------------------- the command line

GENERIC = [name for name in FILES if name.count(".") == 1]
CLI_CASES = [(kind, name) for kind in KINDS for name in GENERIC] + [
    (name.split(".")[1], name) for name in FILES if name.count(".") == 2]


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The commands' SQLite store and a folder for the rejected rows."""
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    store.init_db(store.get_engine(url))
    return url, folder


@pytest.mark.parametrize(("kind", "name"), CLI_CASES, ids=[f"{k}-{n}" for k, n in CLI_CASES])
def test_the_import_command_exits_2_with_one_french_line_or_0(cli_store, monkeypatch, capsys,
                                                              kind, name):
    """Each generic file for every kind, each table for its own kind."""
    url, folder = cli_store
    monkeypatch.setattr(config, "DATABASE_URL", url)
    engine = store.get_engine(url)
    try:
        importers.preview(BAD / name, kind, engine=engine)
        usable = True
    except importers.UnusableFile:
        usable = False
    before = store.dump_store(engine)
    code = cli.main(["import", kind, str(BAD / name), "--rejets", str(folder)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if not usable:
        assert code == 2 and out == ""
        [line] = err.splitlines()
        assert line.startswith(f"Erreur : {name} : ") and not NOT_FRENCH.search(line)
        _assert_same(before, store.dump_store(engine))
        return
    assert code == 0 and err == ""
    assert re.match(rf"{re.escape(name)} : [\d\u202f]+ lignes lues, [\d\u202f]+ conservées, ",
                    out)


@pytest.mark.parametrize(("kind", "name"), [("events", "imbrique.json"),
                                            ("membres", "guillemet_ouvert.membres.csv")])
def test_the_real_entry_point_prints_no_traceback(tmp_path, kind, name):
    """``python -m influ_geo import`` in its own process: the two inputs that raised a
    traceback or lost rows before the corpus existed."""
    env = {**os.environ, "INFLU_GEO_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}"}
    done = subprocess.run([sys.executable, "-m", "influ_geo", "import", kind, str(BAD / name),
                           "--rejets", str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"Erreur : {name} : ")


# ---------------------------------------------------------------- 200 MB

BIG = 200 << 20


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_200_mb_table_is_refused_by_its_size_unread(engine, tmp_path, kind):
    """Tables (events, actions, members, Territoires d'industrie, ICPE exports) are read
    whole in memory: above ``TABLE_MAX_MB`` they are refused before being read."""
    path = tmp_path / f"grand.{kind}.csv"
    rows = big_table(path, kind, BIG)
    assert path.stat().st_size > BIG - (1 << 20) and rows > 1_000_000
    before = store.dump_store(engine)
    started = time.monotonic()
    with pytest.raises(importers.UnusableFile) as raised:
        importers.import_file(path, kind, engine=engine)
    assert time.monotonic() - started < 5
    assert str(raised.value) == (f"{path.name} : 200 Mo, au-delà des 100 Mo qu'un tableau peut "
                                 "peser (INFLU_GEO_TABLE_MAX_MB) ; découpez-le en plusieurs "
                                 "fichiers.")
    _assert_same(before, store.dump_store(engine))


@pytest.mark.slow
def test_a_200_mb_sirene_stock_is_streamed_in_bounded_memory(tmp_path):
    """The Sirene stock is read as a stream whatever its size (the national one has ~44
    million rows): 200 MB import through the command, peak memory measured."""
    path = tmp_path / "StockEtablissement_utf8.csv"
    rows, manufacturing = big_sirene(path, BIG)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    script = ("import resource, runpy, sys; sys.argv = ['influ_geo'] + sys.argv[1:]\n"
              "try:\n    runpy.run_module('influ_geo', run_name='__main__')\n"
              "finally:\n    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
              "file=sys.stderr)\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, "import", "sites", str(path)],
                          cwd=ROOT, env={**os.environ, "INFLU_GEO_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stderr.split()[-1]) / 1024
    n = lambda value: f"{value:,}".replace(",", "\u202f")  # noqa: E731
    assert done.stdout.startswith(f"{path.name} : {n(rows)} lignes lues, "
                                  f"{n(manufacturing)} conservées, 0 rejetées")
    assert f"{n(rows - manufacturing)} établissement(s) hors industrie" in done.stdout
    assert len(store.read_table(store.get_engine(url), "sites")) == manufacturing
    assert peak_mb < 1000, peak_mb  # measured ~370 MB; the file is 200 MB
    print(f"Sirene 200 Mo : {rows} lignes en {elapsed:.1f} s, pic mémoire {peak_mb:.0f} Mo")


def test_the_table_size_limit_is_a_setting(engine, monkeypatch):
    monkeypatch.setattr(config, "TABLE_MAX_MB", 0.0001)
    with pytest.raises(importers.UnusableFile, match=r"au-delà des 0 Mo qu'un tableau"):
        importers.import_file(BAD / "cp1252.events.csv", "events", engine=engine)
    with pytest.raises(importers.UnusableFile, match=r"au-delà des 0 Mo qu'un tableau"):
        importers.import_file(DATA / "sites/icpe_api_page.json", "sites", engine=engine)


# ---------------------------------------------------------------- focused regressions

@pytest.mark.parametrize("kind", ["sites", "events"])
def test_deeply_nested_json_is_refused_in_french(engine, kind):
    """``[[[[…]]]]`` made ``json.loads`` raise ``RecursionError`` through the ICPE and
    OpenAgenda readers: a traceback instead of a message."""
    with pytest.raises(importers.UnusableFile) as raised:
        importers.import_file(BAD / "imbrique.json", kind, engine=engine)
    assert str(raised.value) == ("imbrique.json : JSON illisible (structures imbriquées trop "
                                 "profondément).")
    with pytest.raises(FetchRejected, match="OpenAgenda : réponse illisible"):
        fetch.parse_page((BAD / "imbrique.json").read_bytes(), "https://exemple.invalid/")


def test_json_errors_are_french_with_their_place(tmp_path):
    path = tmp_path / "events.json"
    path.write_text('{"events": [1, 2,]}', encoding="utf-8")
    expected = r"^events\.json : JSON illisible \(ligne 1, colonne 18 : valeur attendue\)\.$"
    with pytest.raises(readers.UnreadableInput, match=expected):
        input_checks.load_json(path)
    path.write_bytes('{"titre": "Fête"}'.encode("cp1252"))
    with pytest.raises(readers.UnreadableInput, match="encodage autre que UTF-8"):
        input_checks.load_json(path)


@pytest.mark.parametrize("kind", ["sites", "events"])
@pytest.mark.parametrize(("name", "message"), [
    ("binaire.csv", "binaire.csv : contenu binaire, ni CSV ni XLSX."),
    ("excel97.xls", "excel97.xls : format Excel 97 (.xls) non pris en charge, enregistrez-le en "
                    ".xlsx ou en .csv."),
])
def test_format_detection_names_binary_and_excel_97_files(engine, kind, name, message):
    """Detection of sites and events formats read the header through the streamed reader,
    which decoded anything as Windows-1252: a codec error in English, or a message
    quoting NUL bytes as "headers"."""
    with pytest.raises(importers.UnusableFile) as raised:
        importers.import_file(BAD / name, kind, engine=engine)
    assert str(raised.value) == message


@pytest.mark.parametrize("kind", KINDS)
def test_utf16_without_byte_order_mark_is_read(engine, kind):
    """UTF-16 saved without BOM was refused as binary; now every row comes out, accents
    intact, as from the same file with its BOM."""
    report = importers.import_file(BAD / f"utf16_sans_bom.{kind}.csv", kind, engine=engine)
    same = importers.preview(BAD / f"utf16.{kind}.csv", kind, engine=engine)
    assert (report.rows_read, report.rows_kept) == (4, 4)
    table = store.read_table(engine, import_formats.store_kind(kind))
    assert len(table) == len(same.frame) == 4
    texts = " ".join(map(str, table.to_numpy().ravel()))
    assert "É" in texts and "Ã" not in texts


def test_utf16_detection_without_bom():
    assert readers.utf16_without_bom("id\ttitre\r\nE1\tFête".encode("utf-16-be")) == "utf-16-be"
    assert readers.utf16_without_bom("id;titre;Fête".encode()) is None
    assert readers.utf16_without_bom(bytes(range(256)) * 4) is None


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "cp1252"])
def test_a_streamed_sirene_stock_in_another_codec(engine, tmp_path, codec):
    """The streamed reader (Sirene) now knows UTF-16 too, with or without BOM."""
    text = (DATA / "sites" / "sirene_stock.csv").read_text(encoding="utf-8")
    path = tmp_path / "StockEtablissement.csv"
    path.write_bytes(text.encode(codec, errors="replace"))
    reference = importers.preview(DATA / "sites" / "sirene_stock.csv", "sites", engine=engine)
    prepared = importers.preview(path, "sites", engine=engine)
    assert prepared.format.code == "sirene"
    assert prepared.frame["source_id"].tolist() == reference.frame["source_id"].tolist()
    assert prepared.frame["commune"].tolist() == reference.frame["commune"].tolist()


@pytest.mark.parametrize("kind", KINDS)
def test_a_quote_never_closed_is_refused_with_its_line(engine, kind):
    """The rest of the file was read as one cell: two rows of four vanished silently."""
    name = f"guillemet_ouvert.{kind}.csv"
    with pytest.raises(importers.UnusableFile) as raised:
        importers.import_file(BAD / name, kind, engine=engine)
    assert str(raised.value) == (
        f"{name} : guillemet ouvert à la ligne 3 et jamais refermé : la suite du fichier "
        "serait lue comme une seule cellule ; refermez ou retirez ce guillemet.")
    assert store.list_imports(engine).empty


def test_open_quote_after_a_ragged_row_and_quoted_newlines(tmp_path):
    """Found by the csv fallback too, and a legitimate multi-line cell is not one."""
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,2,3\n"x\ny",4\n5,"6\n7,8\n', encoding="utf-8")
    with pytest.raises(readers.UnreadableInput, match="guillemet ouvert à la ligne 5 "):
        readers.read_table(path)
    path.write_text('a,b\n"x\ny",4\n5,6\n', encoding="utf-8")
    assert readers.read_table(path)["a"].tolist() == ["x\ny", "5"]


@pytest.mark.parametrize("kind", KINDS)
def test_rows_typed_with_another_separator_are_split_again(engine, kind):
    """A row in ``,``, tabs or ``|`` under a ``;`` header landed whole in the first column
    (members kept "Membre d'Ajaccio,Ajaccio,20090,,linkedin" as a pseudonym)."""
    report = importers.import_file(BAD / f"separateurs_mixtes.{kind}.csv", kind, engine=engine)
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (4, 4, 0)
    notes = {w.line: w.reason for w in report.warnings if "séparateur" in w.reason}
    assert notes == {3: "séparateur « , » au lieu de « ; » : ligne relue avec « , »",
                     4: "séparateur « tabulation » au lieu de « ; » : ligne relue avec "
                        "« tabulation »",
                     5: "séparateur « | » au lieu de « ; » : ligne relue avec « | »"}
    same = importers.preview(BAD / f"cp1252.{kind}.csv", kind, engine=engine)
    table = store.read_table(engine, import_formats.store_kind(kind))
    for name in ("code_insee", "source_id", "pseudonyme", "id_ti"):
        if name in table.columns:
            assert sorted(table[name].dropna()) == sorted(same.frame[name].dropna())


def test_a_quoted_separator_is_data_not_another_separator(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n";",\n"x;y",\nz|w,\n', encoding="utf-8")
    frame = readers.read_table(path)
    assert frame["a"].tolist() == [";", "x;y", "z|w"] and frame["b"].tolist() == ["", "", ""]


@pytest.mark.parametrize("kind", KINDS)
def test_utf8_and_windows_1252_lines_pasted_together(engine, kind):
    """The whole file fell back to Windows-1252: ``Fête`` became ``FÃªte`` in the store."""
    report = importers.import_file(BAD / f"encodages_melanges.{kind}.csv", kind, engine=engine)
    assert report.rows_kept == 4
    assert "Note : lignes en UTF-8 et en Windows-1252 mêlées : chaque ligne a été lue dans " \
           "son propre encodage" in report.summary_lines()
    table = store.read_table(engine, import_formats.store_kind(kind))
    texts = " ".join(map(str, table.to_numpy().ravel()))
    assert "Ã" not in texts and "â€" not in texts
    assert "Œ" in texts or "œ" in texts


def test_site_links_are_web_links_only(engine):
    """``url_fiche`` of an ICPE export was kept as written: ``javascript:``, ``data:`` and
    ``vbscript:`` links reached the store (and the popups). Now such a link is dropped
    with a warning and the site keeps its Géorisques page; an http link is kept as text
    whatever it holds (every writer escapes it)."""
    report = importers.import_file(BAD / "hostile.sites.csv", "sites", engine=engine)
    sites = store.read_table(engine, "sites").set_index("source_id")
    assert report.rows_kept == 7 and sites["url"].str.match(r"https://").all()
    assert sites.loc["0006000001", "url"].endswith("/details/0006000001")
    assert sites.loc["0006000006", "url"] == 'https://exemple.fr/"><script>alert(1)</script>'
    warned = {w.line: w.reason for w in report.warnings}
    assert set(warned) == {2, 3, 4, 5, 6}
    assert warned[2] == ("lien « javascript:alert(1) » ignoré (seuls http:// et https:// sont "
                         "acceptés)")


@pytest.mark.parametrize("kind", ["events", "actions"])
def test_links_with_invisible_characters_are_dropped(engine, kind, tmp_path):
    """The import keeps a link only by the rule the pages show links with."""
    report = importers.import_file(BAD / f"hostile.{kind}.csv", kind, engine=engine)
    urls = store.read_table(engine, import_formats.store_kind(kind))["url"].dropna()
    assert sorted(urls) == ['https://exemple.fr/"><script>alert(1)</script>',
                            "https://exemple.fr/ok"]
    assert len([w for w in report.warnings if w.reason.startswith("lien")]) == 5
    with pytest.raises(v.ValueInvalid) as raised:
        v.http_url("https://exemple.fr/\u202egnp.exe")
    assert str(raised.value).endswith("(espace, caractère invisible ou de contrôle interdits "
                                      "dans un lien)")


@pytest.mark.parametrize("kind", ["events", "actions"])
def test_dates_of_year_1_or_9999_are_rejected(engine, kind):
    """``0001-01-01`` and ``9999-12-31`` were kept: one typo stretched every monthly
    series of the dashboard over millennia."""
    report = importers.import_file(BAD / f"dates.{kind}.csv", kind, engine=engine)
    reasons = {r.line: r.reason for r in report.rejections}
    assert reasons[17] == "année 1 hors de la plage acceptée (1900 à 2100)"
    assert reasons[18] == "année 9999 hors de la plage acceptée (1900 à 2100)"
    column = "date_debut" if kind == "events" else "date"
    years = store.read_table(engine, import_formats.store_kind(kind))[column].dt.year
    assert years.between(1900, 2100).all()


def test_site_update_dates_take_every_form_and_warn_when_unreadable(engine):
    """``date_modif`` of an ICPE export took only ISO and JJ/MM/AAAA: ``18.03.2025``, ``18
    mars 2025`` or an Excel serial were emptied silently, impossible dates too."""
    report = importers.import_file(BAD / "dates.sites.csv", "sites", engine=engine)
    assert report.rows_kept == report.rows_read == 17
    sites = store.read_table(engine, "sites").set_index("source_id")["date_maj"]
    assert (sites.loc[[f"00090000{i:02d}" for i in range(1, 7)]].dt.normalize()
            == "2025-03-18").all()
    assert sites.loc[[f"00090000{i:02d}" for i in range(9, 18)]].isna().all()
    warned = {w.line: w.reason for w in report.warnings}
    assert sorted(warned) == list(range(10, 19))
    assert warned[10] == "date de mise à jour : date « 31/02/2025 » impossible ; laissée vide"


def test_icpe_coordinates_are_checked_like_the_geocoder_does(engine):
    """The ICPE reader dropped any longitude/latitude pair outside France silently: a
    swapped pair lost its exact point, ±inf or Lambert-93 values vanished unexplained."""
    report = importers.import_file(BAD / "coordonnees.sites.csv", "sites", engine=engine)
    sites = store.read_table(engine, "sites").set_index("source_id")
    assert sites.loc["0007000002", ["lon", "lat"]].tolist() == [2.3488, 48.8534]
    assert sites.loc["0007000002", "geo_precision"] == "source"
    warned = {w.line: w.reason for w in report.warnings}
    assert warned[3] == "longitude/latitude : latitude et longitude inversées, corrigées"
    assert warned[8] == "longitude/latitude : coordonnées illisibles ignorées"  # inf, -inf
    assert warned[6].startswith("longitude/latitude : coordonnées hors de France ignorées")
    assert warned[15] == ("coordonnées x=652470, y=6862035 (sans code EPSG) hors de France ou "
                          "illisibles : ignorées, le site sera placé par sa commune")


def test_messages_naming_headers_stay_on_one_line():
    """A header holding a line break (a quoted cell of a spreadsheet's first row) made
    the geocoder's and the readers' "columns found" messages span two lines (found by
    tests/test_properties_import.py)."""
    frame = pd.DataFrame({"code_departement": ["46"], "note\nlibre": ["x"]})
    with pytest.raises(geocode.NoUsableColumn) as raised:
        geocode.geocode(frame)
    assert "\n" not in str(raised.value) and "note libre" in str(raised.value)
    with pytest.raises(v.MissingColumns) as missing:
        v.require_columns(frame, {"titre": "titre"}, "événements")
    assert "\n" not in str(missing.value) and str(missing.value).endswith(
        "(en-têtes trouvés : code_departement, note libre)")
