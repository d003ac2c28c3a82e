"""What hand-made CSV files get wrong, and how ``readers`` copes without losing a row.

- two files pasted together, one in UTF-8 and one in Windows-1252: each line is decoded
  in its own encoding (``decode_lines``) instead of turning ``é`` into ``Ã©``;
- a quote opened and never closed: a strict reader would swallow the rest of the file
  into one cell, silently; the file is refused with the line of the quote
  (``open_quote_line``);
- rows typed with another separator than the header (``a;b;c`` then ``1,2,3``): such a
  row lands whole in the first column; it is split again when the other separator gives
  exactly the header's number of fields (``resplit_rows``), with a note.

Notes for the import report travel in ``frame.attrs[NOTES]`` as ``(line, French text)``
(line 0: the whole file); the normalisers add them to their warnings.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

NOTES = "notes_lecture"
NOTE_MIXED_ENCODINGS = ("lignes en UTF-8 et en Windows-1252 mêlées : chaque ligne a été lue "
                        "dans son propre encodage")


def decode_lines(raw: bytes) -> str | None:
    """Each line in UTF-8 when it is valid UTF-8, else in Windows-1252 (else Latin-1);
    None when no line with non-ASCII bytes is UTF-8 (a plain Windows-1252 file).

    ``"Fête\\n".encode() + "Forêt\\n".encode("cp1252")`` ⇒ ``"Fête\\nForêt\\n"``.
    """
    lines = raw.splitlines(keepends=True)
    decoded, mixed = [], False
    for line in lines:
        try:
            text = line.decode("utf-8")
            mixed = mixed or not line.isascii()
        except UnicodeDecodeError:
            text = _single_byte(line)
        decoded.append(text)
    return "".join(decoded) if mixed else None


def _single_byte(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def open_quote_line(text: str, separator: str) -> int:
    """The line where the last record of ``text`` starts: for a text that ends inside a
    quoted field, the line of the quote that was never closed.

    ``'a,b\\n1,2\\n3,"x\\n4,5\\n'`` ⇒ ``3``.
    """
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    previous = last = 0
    for _ in reader:
        previous, last = last, reader.line_num
    return previous + 1


def open_quote_message(name: str, line: int) -> str:
    return (f"{name} : guillemet ouvert à la ligne {line} et jamais refermé : la suite du "
            "fichier serait lue comme une seule cellule ; refermez ou retirez ce guillemet.")


def resplit_rows(frame: pd.DataFrame, text: str, separator: str,
                 separators: tuple[str, ...]) -> list[tuple[int, str]]:
    """Split again, in place, the rows written with another separator than the header.

    A row ``"E2,Forum,2025-03-18"`` read with ``;`` fills the first column only; it is
    split with ``,`` when its line of ``text`` holds no ``;`` at all (a quoted ``";"`` is
    data, not a separator) and ``,`` gives exactly the header's field count. Returns a note per
    row repaired, ``(line, "séparateur « , » au lieu de « ; » : ligne relue")``; lines
    count from the header (line 1) and assume one line per row.
    """
    if frame.shape[1] < 2 or frame.empty:
        return []
    others = [s for s in separators if s != separator]
    first = frame.iloc[:, 0].astype(str)
    alone = (frame.iloc[:, 1:] == "").all(axis=1).to_numpy()
    pattern = "|".join(re.escape(s) for s in others)
    candidates = alone & first.str.contains(pattern, regex=True).to_numpy()
    if not candidates.any():
        return []
    lines = {line for line in text.splitlines() if separator not in line}
    notes = []
    for position in candidates.nonzero()[0]:
        if first.iloc[position] not in lines:
            continue
        for other in others:
            fields = next(csv.reader([first.iloc[position]], delimiter=other))
            if len(fields) == frame.shape[1]:
                frame.iloc[position] = fields
                notes.append((int(position) + 2, f"séparateur « {_shown(other)} » au lieu "
                              f"de « {_shown(separator)} » : ligne relue avec « "
                              f"{_shown(other)} »"))
                break
    return notes


def _shown(separator: str) -> str:
    return "tabulation" if separator == "\t" else separator
