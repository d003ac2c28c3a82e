"""The bad-input corpus uploaded through the Données page (AppTest, an editor signed in).

Each file ends in a French message on the page (nothing written) or in the import
report, then a confirmed import; never an exception. Texts of the file and its name are
shown as typed, never as Markdown or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from bad_corpus import BAD
from streamlit.testing.v1 import AppTest

from influ_geo import auth, config, store, ui_auth

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE = "pages/6_Donnees.py"
KIND = "_widget_donnees_type"


@pytest.fixture(scope="module", autouse=True)
def page_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite store and one editor, ``alice``, for the module."""
    folder = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "DATABASE_URL", f"sqlite:///{folder / 'influ_geo.sqlite'}")
        patch.setenv("INFLU_GEO_EDITOR_ALICE", auth.hash_password("secret", iterations=1000))
        yield config.DATABASE_URL


def open_page(kind: str) -> AppTest:
    """The page as ``alice`` (the first run writes the demo into an empty store), ``kind``
    chosen."""
    at = AppTest.from_file(str(APP), default_timeout=120).switch_page(PAGE)
    at.session_state[ui_auth.EDITOR_KEY] = "alice"
    at.run()
    return at.radio(key=KIND).set_value(kind).run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "application/octet-stream")).run()
    assert not at.exception
    return at


def cells(at: AppTest) -> list[object]:
    """Every cell of every table on the page."""
    return [x for frame in at.dataframe for x in frame.value.to_numpy().ravel().tolist()]


def shown(markdown: str) -> str:
    """A Markdown body as the reader sees it (escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def dump(url: str) -> dict[str, pd.DataFrame]:
    return store.dump_store(store.get_engine(url))


@pytest.mark.parametrize(("kind", "name", "message"), [
    ("events", "vide.csv", "« vide.csv » est vide."),
    ("events", "binaire.csv", "Fichier inutilisable, rien n'a été écrit : binaire.csv : "
                              "contenu binaire, ni CSV ni XLSX."),
    ("events", "imbrique.json", "Fichier inutilisable, rien n'a été écrit : imbrique.json : "
                                "JSON illisible (structures imbriquées trop profondément)."),
    ("sites", "bombe.zip", "Fichier inutilisable, rien n'a été écrit : bombe.zip : archive "
                           "refusée sans être décompressée : « 2023/etablissements.csv » "),
    ("actions", "bombe.xlsx", "Fichier inutilisable, rien n'a été écrit : bombe.xlsx : archive "
                              "refusée sans être décompressée"),
    ("membres", "guillemet_ouvert.membres.csv", "Fichier inutilisable, rien n'a été écrit : "
     "guillemet_ouvert.membres.csv : guillemet ouvert à la ligne 3 et jamais refermé"),
    ("actions", "excel97.xls", "Fichier inutilisable, rien n'a été écrit : classeur.xlsx : "
                               "format Excel 97 (.xls) non pris en charge"),
])
def test_unusable_uploads_say_why_in_french_and_write_nothing(page_store, kind, name, message):
    at = open_page(kind)
    before = dump(page_store)
    # An Excel 97 workbook renamed .xlsx (the uploader itself refuses a .xls name).
    upload(at, "classeur.xlsx" if name == "excel97.xls" else name, (BAD / name).read_bytes())
    [error] = at.error
    assert shown(error.value).startswith(message), error.value
    assert not at.metric and not [b for b in at.button if b.key.endswith("_confirmer")]
    after = dump(page_store)
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table])


def test_utf16_upload_reads_every_row_with_its_accents(page_store):
    at = upload(open_page("events"), "utf16.events.csv", (BAD / "utf16.events.csv").read_bytes())
    assert not at.error
    assert {m.label: m.value for m in at.metric} == {
        "Lignes lues": "4", "Conservées": "4", "Rejetées": "0", "Doublons fusionnés": "0",
        "Non placées": "0"}
    assert "Fête de l’usine – œuvre à 5 €" in cells(at)


def test_script_titles_and_a_hostile_file_name_are_shown_as_text(page_store):
    name = "[clic](javascript:alert(1)) <b>gras</b>.csv"
    before = len(store.read_table(store.get_engine(page_store), "events"))
    at = upload(open_page("events"), name, (BAD / "hostile.events.csv").read_bytes())
    assert not at.error
    report = next(m.value for m in at.markdown if m.value.startswith("**Rapport d'import"))
    assert "\\[clic\\]\\(javascript" in report and "\\<b\\>" in report
    assert shown(report).startswith(f"**Rapport d'import de « {name} »**")
    assert {m.label: m.value for m in at.metric}["Conservées"] == "7"
    warnings = [m.value for m in at.markdown if m.value.startswith("- Ligne")]
    assert warnings and "javascript:alert" in shown(warnings[0])
    assert "](" not in warnings[0].replace("\\]\\(", "")  # no live Markdown link
    assert "<script>alert('influ')</script>" in cells(at)  # a table cell: plain text
    at.button(key="donnees_import_events_confirmer").click().run()
    assert not at.exception
    assert shown(at.success[0].value).startswith(f"{name} : 7 lignes lues, 7 conservées")
    events = store.read_table(store.get_engine(page_store), "events")
    assert len(events) == before + 7
    assert "<img src=x onerror=\"alert(1)\">" in events["titre"].tolist()
    assert not events["url"].dropna().str.contains("javascript:", case=False).any()
