"""The corpus of bad inputs (``tests/data/bad/``): how each file is written, and the big ones.

The committed files are small; ``python tests/bad_corpus.py`` writes them again. Files
that would be big on disk (an archive that unpacks to gigabytes, a 200 MB table) are
written by the tests into a temporary folder with ``zip_bomb`` and ``big_table``.

Each table of a kind carries a last column ``attendu`` saying what the importer must do
with its row: ``garde`` (kept), ``rejet`` (rejected with its line and a French reason)
or ``fusion`` (merged into an earlier row). Some files add ``insee_attendu`` (the code
of the commune the row must end in, empty when it cannot be placed) or ``place_attendu``
(``source``: the point of the file; ``commune``: the commune's point, the point of the
file being refused).
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

BAD = Path(__file__).resolve().parent / "data" / "bad"
KINDS = ("sites", "events", "actions", "membres", "territoires-industrie")
# One row of a table: header ⇒ cell, ``attendu`` last.
Row = dict[str, str]

# ---------------------------------------------------------------- hostile strings

SCRIPT = "<script>alert('influ')</script>"
IMG = '<img src=x onerror="alert(1)">'
LONG = "Usine " + "longue " * 14_285  # 100,001 characters
RTL = "\u202eenisu\u202c Fonderie \u200fعربي\u200f"
EMOJI = "Fonderie 👩\u200d🏭🏭 🇫🇷"
FORMULA = '=HYPERLINK("https://exemple.invalid","clic")'
HOSTILE_TEXTS = (SCRIPT, IMG, LONG, RTL, EMOJI, FORMULA, "'); DROP TABLE events;--")
HOSTILE_URLS = ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)",
                "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                "vbscript:msgbox(1)", 'https://exemple.fr/"><script>alert(1)</script>',
                "https://exemple.fr/ok")


# ---------------------------------------------------------------- the rows of each kind

def _site(code: str, nom: str, insee: str = "46102", cp: str = "46100",
          commune: str = "Figeac", attendu: str = "garde", **extra: str) -> Row:
    row = {"code_aiot": code, "nom_ets": nom, "adresse": "Avenue Ratier", "cd_postal": cp,
           "cd_insee": insee, "commune": commune, "date_modif": "2025-01-15",
           "url_fiche": ""}
    return {**row, **extra, "attendu": attendu}


def _event(ident: str, titre: str, debut: str = "2025-03-18", attendu: str = "garde",
           **extra: str) -> Row:
    row = {"id": ident, "titre": titre, "date_debut": debut, "date_fin": "", "lieu": "Usine",
           "code_postal": "46100", "commune": "Figeac", "code_insee": "", "url": ""}
    return {**row, **extra, "attendu": attendu}


def _action(ident: str, titre: str, date: str = "2025-03-18", attendu: str = "garde",
            **extra: str) -> Row:
    row = {"id": ident, "date": date, "membre": "Membre démo 01", "canal": "linkedin",
           "theme": "savoir_faire", "territoire": "", "code_insee": "46102", "titre": titre,
           "url": "", "impressions": "120"}
    return {**row, **extra, "attendu": attendu}


def _membre(pseudo: str, attendu: str = "garde", **extra: str) -> Row:
    row = {"pseudonyme": pseudo, "commune": "Figeac", "code_postal": "46100",
           "code_insee": "", "canaux": "linkedin", "themes": "savoir_faire"}
    return {**row, **extra, "attendu": attendu}


def _ti(code: str, id_ti: str = "ti-8418", lib: str = "Rumilly Usses et Rhône",
        attendu: str = "garde", **extra: str) -> Row:
    row = {"insee_com": code, "lib_com": "", "id_ti": id_ti, "lib_ti": lib}
    return {**row, **extra, "attendu": attendu}


def _plain(kind: str) -> list[Row]:
    """Four good rows with accents, a Corsican and an overseas commune."""
    if kind == "sites":
        return [_site("0003205293", "Fonderie de l’Œuvre – 5 €"),
                _site("0006508112", "Centrale du Vazzio", "2A004", "20090", "Ajaccio"),
                _site("0007000001", "Sucrerie du Gol", "97414", "97450", "Saint-Louis"),
                _site("0007000002", "Forges d'Épinal", "88160", "88000", "Épinal")]
    if kind == "events":
        return [_event("E1", "Fête de l’usine – œuvre à 5 €"),
                _event("E2", "Forum de l'emploi d'Ajaccio", code_postal="20090",
                       commune="Ajaccio"),
                _event("E3", "Journée à Saint-Denis", code_postal="97400",
                       commune="Saint-Denis"),
                _event("E4", "Portes ouvertes à Épinal", code_postal="88000", commune="Épinal")]
    if kind == "actions":
        return [_action("A1", "Fête de l’usine – œuvre à 5 €"),
                _action("A2", "Relais à Ajaccio", code_insee="2A004"),
                _action("A3", "Relais à Saint-Denis", code_insee="97411"),
                _action("A4", "Relais à Épinal", code_insee="88160")]
    if kind == "membres":
        return [_membre("Hélène l’Œuvrière"),
                _membre("Membre d'Ajaccio", commune="Ajaccio", code_postal="20090"),
                _membre("Membre de Saint-Denis", commune="Saint-Denis", code_postal="97400"),
                _membre("Membre d'Épinal", commune="Épinal", code_postal="88000")]
    return [_ti("01010", lib="Rumilly Usses et Rhône – l’Œuvre"),
            _ti("2A004", "ti-corse", "Ajaccio (exemple)"),
            _ti("97411", "ti-reunion", "Saint-Denis (exemple)"),
            _ti("88160", "ti-epinal", "Épinal (exemple)")]


def _dates(kind: str) -> list[Row]:
    """Five accepted forms, and impossible or absurd dates."""
    cases = [("2025-03-18", "garde"), ("18/03/2025", "garde"), ("18.03.2025", "garde"),
             ("18 mars 2025", "garde"), ("45734", "garde"),
             ("mardi 18 mars 2025 à 14h30", "garde"), ("2025-03-18T09:00:00+01:00", "garde"),
             ("29/02/2024", "garde"), ("31/02/2025", "rejet"), ("2025-13-01", "rejet"),
             ("29/02/2025", "rejet"), ("00/03/2025", "rejet"), ("18/03/2025 25:00", "rejet"),
             ("03/18/2025", "rejet"), ("bientôt", "rejet"), ("0001-01-01", "rejet"),
             ("9999-12-31", "rejet")]
    rows = []
    for i, (text, attendu) in enumerate(cases, start=1):
        if kind == "events":
            rows.append(_event(f"D{i}", f"Forum daté {text}", text, attendu))
        elif kind == "actions":
            rows.append(_action(f"D{i}", f"Relais daté {text}", text, attendu))
        else:  # sites: the update date is optional; an unreadable one is emptied
            rows.append(_site(f"00090000{i:02d}", f"Usine datée {text}", date_modif=text))
    if kind == "events":
        rows.append(_event("D99", "Fin avant le début", "20/03/2025", "rejet",
                           date_fin="18/03/2025"))
    return rows


# (code as written, code of the commune the row must end in, or "" when not placed)
INSEE_CASES = (("1001", "01001"), ("01001", "01001"), ("2a004", "2A004"), ("2B033", "2B033"),
               (" 97411 ", "97411"), ("1001.0", "01001"), ("75101", "75056"),
               ("99999", ""), ("00000", ""), ("ABCDE", ""), ("75", ""))


def _insee(kind: str) -> list[Row]:
    """Codes as integers, lower-case Corsica, arrondissement, unknown and invalid codes."""
    rows, seen = [], set()
    for i, (code, expected) in enumerate(INSEE_CASES, start=1):
        if kind == "sites":
            row = _site(f"00080000{i:02d}", f"Usine {i}", code, "", "", cd_postal="")
        elif kind == "events":
            row = _event(f"I{i}", f"Forum {i}", code_insee=code, code_postal="", commune="")
        elif kind == "actions":
            row = _action(f"I{i}", f"Relais {i}", code_insee=code)
        elif kind == "membres":
            row = _membre(f"Membre {i}", code_insee=code, commune="", code_postal="")
        else:  # the same commune twice in one territory is merged
            attendu = "rejet" if not expected else "fusion" if expected in seen else "garde"
            row = _ti(code, attendu=attendu)
        seen.add(expected)
        rows.append({**row, "insee_attendu": expected})
    return rows


# (longitude, latitude, what places the row) — every row also names Figeac.
COORD_CASES = (("2.3488", "48.8534", "source"), ("48.8534", "2.3488", "source"),
               ("2,0317", "44,6086", "source"), ("55.4504", "-20.8789", "source"),
               ("652470", "6862035", "commune"), ("NaN", "nan", "commune"),
               ("inf", "-inf", "commune"), ("1e400", "45", "commune"),
               ("4.3517", "50.8503", "commune"), ("0", "0", "commune"),
               ("-74.006", "40.7128", "commune"), ("2.35", "148.85", "commune"),
               ("2.35", "", "commune"))


def _coordinates(kind: str) -> list[Row]:
    """Swapped, comma decimals, overseas, Lambert-93 in degree columns, NaN, ±inf, abroad."""
    rows = []
    for i, (lon, lat, place) in enumerate(COORD_CASES, start=1):
        extra = {"longitude": lon, "latitude": lat, "place_attendu": place}
        if kind == "sites":
            rows.append(_site(f"00070000{i:02d}", f"Usine {i}", **extra))
        else:
            rows.append(_event(f"C{i}", f"Forum {i}", **extra))
    if kind == "sites":  # Lambert-93 x/y without their EPSG code: not guessed, warned
        rows.append(_site("0007000099", "Usine en Lambert-93", x="652470", y="6862035",
                          place_attendu="commune"))
    return rows


def _duplicates(kind: str) -> list[Row]:
    """The same identifier with different content, and exact repeats."""
    if kind == "sites":  # the most recent version wins, whatever its line
        return [_site("0003205293", "Ancien nom", attendu="fusion", date_modif="2024-01-01"),
                _site("0003205293", "Nouveau nom", date_modif="2025-06-01"),
                _site("0003205293", "Nom intermédiaire", attendu="fusion",
                      date_modif="2024-06-01"),
                _site("0006508112", "Centrale", "2A004", "20090", "Ajaccio"),
                _site("0006508112", "Centrale", "2A004", "20090", "Ajaccio", "fusion"),
                _site("3205293", "Sans zéros", attendu="fusion", date_modif="2023-01-01")]
    if kind == "events":
        return [_event("E1", "Forum"), _event("E1", "Autre titre", attendu="fusion"),
                _event("", "Salon", "2025-04-01"), _event("", "Salon", "01/04/2025",
                                                          attendu="fusion"),
                _event("e1", "Casse différente")]
    if kind == "actions":
        return [_action("A1", "Relais"), _action("A1", "Autre titre", attendu="fusion"),
                _action("", "Même relais"), _action("", "Même relais", attendu="fusion"),
                _action("a1", "Casse différente")]
    if kind == "membres":
        return [_membre("Membre démo 01"),
                _membre("Membre démo 01", "fusion", commune="Ajaccio", code_postal="20090"),
                _membre("membre démo 01")]
    return [_ti("01010"), _ti("01010", lib="Autre libellé", attendu="fusion"),
            _ti("01010", "ti-corse", "Ajaccio (exemple)")]


def _hostile(kind: str) -> list[Row]:
    """Markup, script links, 100,000 characters, right-to-left marks, emoji, formulas."""
    rows = []
    for i, (text, url) in enumerate(zip(HOSTILE_TEXTS, HOSTILE_URLS, strict=False), start=1):
        short = text if text != LONG else "Usine"
        if kind == "sites":
            rows.append(_site(f"00060000{i:02d}", text, url_fiche=url, adresse=short))
        elif kind == "events":
            rows.append(_event(f"H{i}", text, url=url, lieu=short))
        elif kind == "actions":
            rows.append(_action(f"H{i}", text, url=url, membre=text[:200]))
        elif kind == "membres":
            rows.append(_membre(text))
        else:
            rows.append(_ti("01010", f"ti-{i}", text))
    return rows


# ---------------------------------------------------------------- writing

def _csv_text(rows: list[Row], sep: str = ",", columns: list[str] | None = None) -> str:
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=sep, lineterminator="\r\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _header_only(kind: str) -> bytes:
    return _csv_text(_plain(kind))[: _csv_text(_plain(kind)).index("\r\n") + 2].encode()


def _mixed_separators(kind: str) -> bytes:
    """Header and first row with ``;``, then a row with ``,``, one with tabs, one with ``|``."""
    rows = _plain(kind)
    lines = _csv_text(rows, ";").splitlines()
    lines[2] = _csv_text(rows[1:2], ",").splitlines()[1]
    lines[3] = _csv_text(rows[2:3], "\t").splitlines()[1]
    lines[4] = _csv_text(rows[3:4], "|").splitlines()[1]
    return ("\r\n".join(lines) + "\r\n").encode()


def _duplicated_headers(kind: str) -> bytes:
    """A repeated header (its second column holds other values) and two blank headers."""
    rows = _plain(kind)
    columns = list(rows[0])
    first = columns[0] if kind != "territoires-industrie" else "id_ti"
    header = [*columns, first, "", " "]
    body = [[*row.values(), "doublon", "sans nom", ""] for row in rows]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *body])
    return out.getvalue().encode()


def _thousand_columns(kind: str) -> bytes:
    rows = _plain(kind)
    columns = list(rows[0])
    junk = [f"colonne_libre_{i:04d}" for i in range(1000 - len(columns))]
    header = columns[:-1] + junk + columns[-1:]
    body = [[*list(row.values())[:-1], *(str(i) for i in range(len(junk))), row["attendu"]]
            for row in rows]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *body])
    return out.getvalue().encode()


def _open_quote(kind: str) -> bytes:
    """A quote opened in the second row and never closed: the rest of the file is one cell
    for a strict CSV reader."""
    rows = _plain(kind)
    lines = _csv_text(rows).splitlines()
    fields = lines[2].split(",")
    fields[1] = '"' + fields[1]
    lines[2] = ",".join(fields)
    return ("\r\n".join(lines) + "\r\n").encode()


def _mixed_encodings(kind: str) -> bytes:
    """Two files pasted together: UTF-8 rows then Windows-1252 rows."""
    lines = _csv_text(_plain(kind), ";").splitlines()
    head = "\r\n".join(lines[:3]) + "\r\n"
    tail = "\r\n".join(lines[3:]) + "\r\n"
    return head.encode("utf-8") + tail.encode("cp1252")


TableWriter = Callable[[str], bytes]
# file stem ⇒ (kinds it is written for, how)
TABLES: dict[str, tuple[tuple[str, ...], TableWriter]] = {
    "entete_seul": (KINDS, _header_only),
    "cp1252": (KINDS, lambda k: _csv_text(_plain(k), ";").encode("cp1252")),
    "utf16": (KINDS, lambda k: _csv_text(_plain(k), "\t").encode("utf-16")),
    "utf16_sans_bom": (KINDS, lambda k: _csv_text(_plain(k), "\t").encode("utf-16-le")),
    "encodages_melanges": (KINDS, _mixed_encodings),
    "separateurs_mixtes": (KINDS, _mixed_separators),
    "entetes_doubles": (KINDS, _duplicated_headers),
    "colonnes_1000": (KINDS, _thousand_columns),
    "guillemet_ouvert": (KINDS, _open_quote),
    "dates": (("sites", "events", "actions"), lambda k: _csv_text(_dates(k)).encode()),
    "insee": (KINDS, lambda k: _csv_text(_insee(k)).encode()),
    "coordonnees": (("sites", "events"), lambda k: _csv_text(_coordinates(k), ";").encode()),
    "doublons": (KINDS, lambda k: _csv_text(_duplicates(k)).encode()),
    "hostile": (KINDS, lambda k: _csv_text(_hostile(k)).encode()),
}


def _binary() -> bytes:
    return random.Random(7).randbytes(4096)


def _nested_json() -> bytes:
    return b"[" * 5_000 + b"]" * 5_000


def _ole() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def zip_bomb(path: Path, member: str, unpacked: int, *, head: bytes = b"") -> Path:
    """A zip whose ``member`` unpacks to ``unpacked`` bytes (``head`` then zeros) though the
    archive weighs about a thousandth of it; written block by block, never held in memory."""
    block = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open(member, "w", force_zip64=unpacked > 2**31) as f:
        f.write(head)
        left = unpacked - len(head)
        while left > 0:
            f.write(block[: min(left, len(block))])
            left -= len(block)
    return path


def xlsx_bomb(path: Path, unpacked: int) -> Path:
    """A real workbook (written by openpyxl) whose sheet is replaced by ``unpacked`` bytes of
    identical rows ``titre | date_debut``: a reader that trusts it builds millions of rows."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["titre", "date_debut"])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = "xl/worksheets/sheet1.xml"
    row = (b'<row><c t="inlineStr"><is><t>Forum</t></is></c>'
           b'<c t="inlineStr"><is><t>2025-03-18</t></is></c></row>')
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename != sheet:
                archive.writestr(info.filename, source.read(info.filename))
        with archive.open(sheet, "w", force_zip64=unpacked > 2**31) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>'
                    b'<c t="inlineStr"><is><t>titre</t></is></c>'
                    b'<c t="inlineStr"><is><t>date_debut</t></is></c></row>')
            block = row * ((1 << 20) // len(row))
            for _ in range(max(1, unpacked // len(block))):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    return path


IREP_HEAD = (b"identifiant;nom_etablissement;code_postal;commune;coordonnees_x;"
             b"coordonnees_y;code_epsg\r\n")
BOMB_UNPACKED = 32 << 20  # the committed bombs: 32 MiB each, ~33 KB on disk


def write_corpus(directory: Path = BAD) -> list[Path]:
    """Write every committed file of the corpus; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    fixed = {"vide.csv": b"", "blancs.csv": b"  \r\n\t\r\n\r\n   \r\n",
             "binaire.csv": _binary(), "imbrique.json": _nested_json(),
             "excel97.xls": _ole()}
    for name, data in fixed.items():
        (directory / name).write_bytes(data)
        written.append(directory / name)
    written.append(zip_bomb(directory / "bombe.zip", "2023/etablissements.csv",
                            BOMB_UNPACKED, head=IREP_HEAD))
    written.append(zip_bomb(directory / "bombe_shapefile.zip", "InstallationsClassees.shp",
                            BOMB_UNPACKED))
    written.append(xlsx_bomb(directory / "bombe.xlsx", BOMB_UNPACKED))
    for stem, (kinds, writer) in TABLES.items():
        for kind in kinds:
            path = directory / f"{stem}.{kind}.csv"
            path.write_bytes(writer(kind))
            written.append(path)
    return written


def table_files(directory: Path = BAD) -> list[tuple[str, Path]]:
    """``(kind, path)`` of every table written for one kind (``dates.events.csv``…)."""
    return [(kind, directory / f"{stem}.{kind}.csv")
            for stem, (kinds, _) in TABLES.items() for kind in kinds]


# ---------------------------------------------------------------- the 200 MB table

BIG_SIRENE_HEADER = ("siret,activitePrincipaleEtablissement,"
                     "nomenclatureActivitePrincipaleEtablissement,etatAdministratifEtablissement,"
                     "codeCommuneEtablissement,codePostalEtablissement,"
                     "libelleCommuneEtablissement,denominationUsuelleEtablissement\n")


def big_sirene(path: Path, size: int, every: int = 100) -> tuple[int, int]:
    """A Sirene-shaped stock of about ``size`` bytes where one row in ``every`` is an active
    manufacturing establishment; returns (data rows, manufacturing rows)."""
    rows = manufacturing = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(BIG_SIRENE_HEADER)
        written = len(BIG_SIRENE_HEADER)
        while written < size:
            lines = []
            for i in range(rows, rows + 10_000):
                naf = "25.62B" if i % every == 0 else "47.11F"
                lines.append(f"{10_000_000_000_000 + i},{naf},NAFRev2,A,46102,46100,FIGEAC,"
                             f"Etablissement {i}\n")
                manufacturing += i % every == 0
            chunk = "".join(lines)
            f.write(chunk)
            written += len(chunk)
            rows += 10_000
    return rows, manufacturing


def big_table(path: Path, kind: str, size: int) -> int:
    """A ~``size``-byte table of ``kind`` (the first good row repeated); returns its rows."""
    row = _plain(kind)[0]
    text = _csv_text([row])
    header, line = text.splitlines(keepends=True)
    count = max(1, (size - len(header)) // len(line.encode()))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(header)
        for start in range(0, count, 100_000):
            f.write(line * min(100_000, count - start))
    return count


if __name__ == "__main__":
    for written in write_corpus():
        print(written.relative_to(BAD.parent.parent.parent), written.stat().st_size)
