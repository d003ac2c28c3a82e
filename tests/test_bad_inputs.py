"""The corpus of bad inputs (``tests/data/bad``) through every importer and the command line.

Every file goes to every kind. Each case ends either in ``UnusableFile`` (one French
line, the store unchanged to the last row) or in a correct import: every row read is
kept, rejected with its line and a French reason, or merged (``read = kept + rejected +
merged``), the store receives exactly the kept rows, and the rows of the file's own kind
do what their ``attendu`` column says. Then focused tests of the bugs the corpus found.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_corpus import BAD, KINDS

from influ_geo import fetch, import_formats, importers, readers, store
from influ_geo.download import FetchRejected

DATA = BAD.parent


@pytest.fixture
def engine(tmp_path: Path):
    """An empty SQLite store (the matrix above runs on PostgreSQL too)."""
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.init_db(engine)
    yield engine
    engine.dispose()


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
        readers.load_json(path)
    path.write_bytes('{"titre": "Fête"}'.encode("cp1252"))
    with pytest.raises(readers.UnreadableInput, match="encodage autre que UTF-8"):
        readers.load_json(path)


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
