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
from bad_corpus import BAD

from influ_geo import fetch, importers, readers, store
from influ_geo.download import FetchRejected


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
