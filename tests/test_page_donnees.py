"""The Données page under AppTest, on a store of its own (the demo is written into it).

An editor configured through the environment uploads a small events file, reads the
report (nothing written yet), confirms, sees the provenance row, then places the event
that could not be geocoded by picking its commune. The online fetch runs against a real
HTTP server on 127.0.0.1 (the mirror of ``tests/fetch_server.py``) and against a closed
port (no network).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fetch_server import FetchServer, official_files
from streamlit.testing.v1 import AppTest

from influ_geo import auth, config, data_admin, store, ui_auth
from influ_geo.store_edit import read_row

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/6_Donnees.py"
EVENTS = ("titre,date_debut,commune,code_postal\n"
          "Forum des métiers,18/03/2026,Oyonnax,01100\n"
          "Portes ouvertes,19/03/2026,Xyzvillé-sur-Rien,\n"
          "Salon sans date,,Lyon,69001\n").encode()
KIND = "_widget_donnees_type"
UNPLACED = "_widget_donnees_non_places"


@pytest.fixture(scope="module", autouse=True)
def page_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite store and one editor, ``alice``, for the module."""
    folder = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "DATABASE_URL", f"sqlite:///{folder / 'influ_geo.sqlite'}")
        patch.setattr(config, "FETCH_DIR", folder / "raw")
        patch.setenv("INFLU_GEO_EDITOR_ALICE", auth.hash_password("secret", iterations=1000))
        yield config.DATABASE_URL


def open_page(editor: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).switch_page(PAGE)
    if editor:
        at.session_state[ui_auth.EDITOR_KEY] = editor
    return at.run()


def imports(url: str):
    return store.list_imports(store.get_engine(url))


def test_readers_see_provenance_and_unplaced_rows_but_no_upload(page_store: str) -> None:
    at = open_page()
    assert not at.exception
    assert [t.value for t in at.title] == ["Données"]
    assert [h.value for h in at.header] == [
        "Importer un fichier", "Lignes non placées sur la carte", "Provenance des données",
        "Fichiers officiels en ligne"]
    assert any(i.value.startswith("Lecture seule : connectez-vous") for i in at.info)
    assert not at.file_uploader
    assert not [b for b in at.button if b.key == "donnees_telecharger"]
    provenance = at.dataframe[-1].value
    assert list(provenance.columns) == list(data_admin.PROVENANCE_COLUMNS.values())
    assert len(provenance) == len(imports(page_store)) > 0
    assert not at.sidebar.multiselect  # the shared filters are not drawn on this page


def test_a_rejected_sign_in_keeps_the_page_read_only(page_store: str) -> None:
    at = open_page()
    at.text_input(key="connexion_identifiant").input("alice")
    at.text_input(key="connexion_mot_de_passe").input("faux")
    at.button(key="FormSubmitter:connexion-Se connecter").click().run()
    assert at.error[0].value.startswith("Identifiant ou mot de passe incorrect.")
    assert not at.file_uploader


def test_upload_report_confirm_provenance_then_place_the_failed_row(page_store: str) -> None:
    at = open_page("alice")
    before = len(imports(page_store))
    at.radio(key=KIND).set_value("events").run()
    at.file_uploader[0].set_value(("agenda.csv", EVENTS, "text/csv")).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {
        "Lignes lues": "3", "Conservées": "2", "Rejetées": "1", "Doublons fusionnés": "0",
        "Non placées": "1"}
    assert any("format détecté : Tableau d'événements (CSV/XLSX)" in m.value for m in at.markdown)
    precision = at.dataframe[0].value
    assert precision.to_dict("list") == {"Placement": ["Commune", "Non géocodé"],
                                         "Lignes": [1, 1], "Part": ["50 %", "50 %"]}
    rejected = at.dataframe[1].value
    assert rejected["ligne"].tolist() == [4]
    assert [b.label for b in at.get("download_button")] == [
        "Télécharger les lignes rejetées (CSV)"]
    assert len(imports(page_store)) == before  # nothing written before the confirmation

    at.button(key="donnees_import_events_confirmer").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("agenda.csv : 3 lignes lues, 2 conservées, 1 rejetées")
    log = imports(page_store)
    assert len(log) == before + 1
    provenance = at.dataframe[-1].value
    assert provenance.iloc[0][["Données", "Fichier", "Lues", "Conservées", "Rejetées"]].tolist() \
        == ["Événements", "agenda.csv", 3, 2, 1]
    assert provenance.iloc[0]["Empreinte SHA-256"] == log.iloc[0]["checksum"][:16]

    at.radio(key=UNPLACED).set_value("events").run()
    unplaced = at.dataframe[0].value
    assert unplaced["Ligne"].tolist() == ["Portes ouvertes — Xyzvillé-sur-Rien"]
    event_id = int(unplaced["N°"].iloc[0])
    at.selectbox(key="donnees_ligne_events").set_value(event_id).run()
    search = at.text_input(key=f"donnees_recherche_events_{event_id}")
    assert search.value == "Xyzvillé-sur-Rien"
    search.input("Oyonnax").run()
    assert at.selectbox(key=f"donnees_commune_events_{event_id}").value == "01283"
    at.button(key=f"donnees_placer_events_{event_id}").click().run()
    assert not at.exception
    row = read_row(store.get_engine(page_store), "events", event_id)
    assert (row["code_insee"], row["code_departement"], row["geo_precision"]) == (
        "01283", "01", "municipality")
    assert at.success[0].value.startswith(f"Ligne n° {event_id} placée à Oyonnax")
    assert "Événements : toutes les lignes sont placées." in [s.value for s in at.success]


def test_a_file_of_the_wrong_kind_is_refused_with_its_reason(page_store: str) -> None:
    at = open_page("alice")
    at.radio(key=KIND).set_value("territoires_industrie").run()
    at.file_uploader[0].set_value(("agenda.csv", EVENTS, "text/csv")).run()
    assert not at.exception
    assert at.error[0].value.startswith("Fichier inutilisable, rien n'a été écrit : agenda.csv")
    assert not at.metric


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_network_the_fetch_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "FETCH_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setattr(config, "FETCH_MAX_RETRIES", 0)
    at = open_page("alice")
    at.button(key="donnees_telecharger").click().run()
    assert not at.exception
    message = at.error[0].value
    assert message.startswith("Pas de réseau, ou le service ne répond pas : rien n'a été "
                              "téléchargé.")
    assert "Importer un fichier" in message


def test_fetch_then_import_an_official_file(page_store: str, monkeypatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = FetchServer(files=official_files(config)).start()
    try:
        monkeypatch.setattr(config, "FETCH_BASE_URL", server.url)
        at = open_page("alice")
        at.button(key="donnees_telecharger").click().run()
        assert not at.exception, at.exception
        assert any(s.value.startswith("liste-ti-com2023-20240704.csv téléchargé")
                   for s in at.success)
    finally:
        server.stop()
    prepare = next(b for b in at.button if b.key.startswith("donnees_preparer_"))
    prepare.click().run()
    assert any("Liste des communes des Territoires d'industrie" in m.value for m in at.markdown)
    before = len(store.read_table(store.get_engine(page_store), "territoires_industrie"))
    at.button(key="donnees_officiel_confirmer").click().run()
    assert not at.exception
    assert len(store.read_table(store.get_engine(page_store), "territoires_industrie")) > before
    assert imports(page_store).iloc[0]["file_name"] == "liste-ti-com2023-20240704.csv"
