"""Reading user tables: encodings, separators, XLSX, header synonyms, unreadable files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from influ_geo.readers import (
    GEO_SYNONYMS,
    UnreadableInput,
    canonical_columns,
    detect_encoding,
    detect_separator,
    header_key,
    read_canonical,
    read_table,
)

DATA = Path(__file__).parent / "data" / "geocode"
TABLE = pd.DataFrame({
    "Nom": ["Forge de Bresse", "Carrière", "Sucrerie"],
    "CP": ["01000", "20200", "97438"],
    "Ville": ["Bourg-en-Bresse", "Bastia", "Sainte-Marie"],
    "Adresse": ["3, rue de l'Église", "Quai « Nord »", ""],
})


def _valid_utf8_other_text(text: str) -> bool:
    """True when ``text`` in Windows-1252 is also valid UTF-8 meaning something else."""
    raw = text.encode("cp1252")
    try:
        return raw.decode("utf-8") != text
    except UnicodeDecodeError:
        return False


def write(tmp_path: Path, text: str, encoding: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def as_csv(frame: pd.DataFrame, separator: str) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=separator, index=False, lineterminator="\r\n")
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
@pytest.mark.parametrize("separator", [";", ",", "\t", "|"])
def test_encodings_and_separators_give_the_same_table(tmp_path, encoding, separator) -> None:
    path = write(tmp_path, as_csv(TABLE, separator), encoding)
    pd.testing.assert_frame_equal(read_table(path), TABLE)


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [("Vergné".encode(), "utf-8"), ("Vergné".encode("utf-8-sig"), "utf-8-sig"),
     ("Vergné".encode("cp1252"), "cp1252"), ("Œuilly".encode("cp1252"), "cp1252"),
     (b"caf\xe9\x81", "latin-1"), ("Vergné".encode("utf-16"), "utf-16")],
)
def test_detect_encoding(raw: bytes, encoding: str) -> None:
    assert detect_encoding(raw) == encoding


@pytest.mark.parametrize(
    ("text", "separator"),
    [("nom;adresse\nUsine;3, rue X\n", ";"), ("nom,cp\nA,01000\n", ","),
     ("nom\tcp\nA\t01000\n", "\t"), ("nom|cp\nA|01000\n", "|"), ("nom\nA\n", ","),
     ('nom,lat\n"Usine; atelier","48,85"\n', ","),
     ("nom;lat;lon\nUsine;48,85;2,35\n", ";")],
)
def test_detect_separator(text: str, separator: str) -> None:
    assert detect_separator(text) == separator


def test_windows_1252_file_with_semicolons(tmp_path) -> None:
    frame = read_table(DATA / "sites_messy.csv")
    assert list(frame.columns[:4]) == ["Nom", "Adresse", "CP", "VILLE"]
    assert frame.loc[5, "Nom"] == "Siège social"
    assert frame.loc[2, "CP"] == "1000"  # text stays text: no lost zero, no float
    assert len(frame) == 25
    assert frame.map(lambda cell: isinstance(cell, str)).all().all()


def test_latin1_la_poste_file_with_hash_header() -> None:
    frame, mapping = read_canonical(DATA / "laposte_hexasmal.csv", GEO_SYNONYMS)
    assert mapping == {"#Code_commune_INSEE": "code_insee", "Nom_de_la_commune": "commune",
                       "Code_postal": "code_postal"}
    assert "Libellé_d_acheminement" in frame.columns
    assert frame.loc[0, "code_insee"] == "35238"


def test_ragged_lines_lose_no_row(tmp_path) -> None:
    path = write(tmp_path, "a;b;c\n1;2\n3;4;5;6\n7;8;9\n", "utf-8")
    frame = read_table(path)
    assert frame["a"].tolist() == ["1", "3", "7"]
    assert frame["c"].tolist() == ["", "5", "9"]
    assert frame["colonne_4"].tolist() == ["", "6", ""]


def test_quoted_separators_and_newlines(tmp_path) -> None:
    path = write(tmp_path, 'nom;adresse\n"Usine; atelier";"3 rue X\nBât. B"\n', "utf-8")
    frame = read_table(path)
    assert frame.to_dict("list") == {"nom": ["Usine; atelier"], "adresse": ["3 rue X\nBât. B"]}


def test_duplicate_and_empty_headers_are_named(tmp_path) -> None:
    frame = read_table(write(tmp_path, "a;a;\n1;2;3\n", "utf-8"))
    assert list(frame.columns) == ["a", "a.1", "colonne_3"]


def test_xlsx_cells_become_text(tmp_path) -> None:
    path = tmp_path / "sites.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nom", "CP", "Code INSEE", "Longitude", "Date"])
    sheet.append(["Forge", 1000, "2A004", 2.35, pd.Timestamp("2025-03-14").to_pydatetime()])
    sheet.append(["Vide", None, None, None, None])
    book.save(path)
    frame = read_table(path)
    assert frame.to_dict("list") == {"Nom": ["Forge", "Vide"], "CP": ["1000", ""],
                                     "Code INSEE": ["2A004", ""], "Longitude": ["2.35", ""],
                                     "Date": ["2025-03-14", ""]}


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "fichier introuvable"), (b"", "fichier vide"), (b"  \r\n\n ", "fichier vide"),
     (bytes(range(256)) * 8, "contenu binaire"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                                                 "contenu binaire"),
     (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
     (b"PK\x03\x04 not really a workbook", "XLSX illisible")],
)
def test_unreadable_files_raise_one_french_line(tmp_path, content, message) -> None:
    path = tmp_path / "entree.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableInput) as error:
        read_table(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("code_insee", "code_insee"), ("Code INSEE", "code_insee"), ("insee", "code_insee"),
        ("CODGEO", "code_insee"), ("cd_insee", "code_insee"),
        ("codeCommuneEtablissement", "code_insee"), ("citycode", "code_insee"),
        ("#Code_commune_INSEE", "code_insee"), ("insee_com", "code_insee"),
        ("code_postal", "code_postal"), ("Code postal", "code_postal"), ("CP", "code_postal"),
        ("postcode", "code_postal"), ("codePostalEtablissement", "code_postal"),
        ("commune", "commune"), ("Ville", "commune"), ("city", "commune"),
        ("libelleCommuneEtablissement", "commune"), ("Nom_de_la_commune", "commune"),
        ("lib_com", "commune"),
        ("longitude", "lon"), ("lon", "lon"), ("x_longitude", "lon"), ("lng", "lon"),
        ("latitude", "lat"), ("Lat", "lat"), ("y_latitude", "lat"),
        ("x", "x"), ("X", "x"), ("coordonneeLambertAbscisseEtablissement", "x"),
        ("y", "y"), ("coordonneeLambertOrdonneeEtablissement", "y"),
        ("epsg", "epsg"), ("code_epsg", "epsg"), ("EPSG", "epsg"),
        ("Département", "code_departement"), ("dep", "code_departement"),
        ("Adresse", "adresse"), ("libelleVoieEtablissement", "libelle_voie"),
    ],
)
def test_geo_header_synonyms(header: str, canonical: str) -> None:
    assert canonical_columns(["nom", header], GEO_SYNONYMS) == {header: canonical}


def test_earliest_spelling_wins_and_each_canonical_once() -> None:
    columns = ["x_longitude", "longitude", "cp", "Code Postal", "ville", "commune"]
    assert canonical_columns(columns, GEO_SYNONYMS) == {
        "longitude": "lon", "Code Postal": "code_postal", "commune": "commune"}


def test_another_synonym_table() -> None:
    synonyms = {"titre": ("titre", "title", "nom_evenement"), "date_debut": ("date", "start")}
    assert canonical_columns(["Title", "Start", "Lieu"], synonyms) == {
        "Title": "titre", "Start": "date_debut"}


@pytest.mark.parametrize(
    ("header", "key"),
    [("#Code_commune_INSEE", "codecommuneinsee"), ("Libellé commune", "libellecommune"),
     ("code-postal", "codepostal"), ("codePostal", "codepostal")],
)
def test_header_key(header: str, key: str) -> None:
    assert header_key(header) == key


# Characters of user files; é, è, à, ç, É are unambiguous between UTF-8 and Windows-1252.
ALPHABET = "abcXYZ 019éèàçÉ'-;,.\t\"«»"
CELL = st.text(alphabet=ALPHABET, max_size=8)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    width = draw(st.integers(min_value=2, max_value=5))
    names = draw(st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=6), min_size=width,
                          max_size=width, unique=True))
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=12))
    return pd.DataFrame(rows, columns=names, dtype=str)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables(), separator=st.sampled_from([";", ",", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       quoting=st.sampled_from([csv.QUOTE_ALL, csv.QUOTE_MINIMAL]))
def test_round_trip_keeps_every_row_in_order(tmp_path, table, separator, encoding,
                                              quoting) -> None:
    buffer = io.StringIO()
    table.to_csv(buffer, sep=separator, index=False, quoting=quoting)
    # Windows-1252 bytes that also form valid UTF-8 ("É«" is C9 AB, UTF-8 for "ɫ") cannot be
    # told apart from UTF-8: such a file is read as UTF-8, as every detector would.
    assume(encoding != "cp1252" or not _valid_utf8_other_text(buffer.getvalue()))
    path = write(tmp_path, buffer.getvalue(), encoding, "prop.csv")
    read = read_table(path)
    assert list(read.columns) == list(table.columns)
    pd.testing.assert_frame_equal(read, table.reset_index(drop=True), check_dtype=False)
