"""Données in headless Chromium: an editor signs in, uploads a small events file through the
upload widget, reads the report, confirms, and finds the file in the provenance.

The app runs on a server of its own, with an editor configured by environment variable
and a store of its own (the import must not change the figures the other browser tests
read on the shared server).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, Watched, streamlit_server

from influ_geo import auth, store

pytestmark = pytest.mark.browser

PASSWORD = "mot de passe du navigateur"
EVENTS = ("titre,date_debut,commune,code_postal\n"
          "Forum des métiers,18/03/2026,Oyonnax,01100\n"
          "Portes ouvertes,19/03/2026,Xyzvillé-sur-Rien,\n"
          "Salon sans date,,Lyon,69001\n")
TIMEOUT_MS = 30_000


def wait_until(condition, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Poll ``condition()`` until it is true."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition non remplie à temps")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def donnees_app() -> Iterator[tuple[str, str]]:
    """``streamlit run app.py`` with the editor ``navigateur``; (base URL, store URL)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    database = ARTIFACTS / "store_donnees.sqlite"
    for stale in ARTIFACTS.glob("store_donnees.sqlite*"):
        stale.unlink()
    log = ARTIFACTS / "streamlit_donnees.log"
    editor = auth.hash_password(PASSWORD, iterations=20_000)
    with streamlit_server(f"sqlite:///{database}", log,
                          INFLU_GEO_EDITOR_NAVIGATEUR=editor) as base_url:
        yield base_url, f"sqlite:///{database}"


def test_sign_in_upload_report_confirm_provenance(donnees_app: tuple[str, str],
                                                  watched: Watched, tmp_path: Path) -> None:
    base_url, store_url = donnees_app
    page = watched.page
    page.goto(f"{base_url}/Donnees")
    page.get_by_role("heading", name="Données", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Lecture seule : connectez-vous").wait_for(timeout=TIMEOUT_MS)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label("Identifiant").fill("navigateur")
    sidebar.get_by_label("Mot de passe").fill("faux")
    sidebar.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1100)  # the pause after a wrong password
    sidebar.get_by_label("Mot de passe").fill(PASSWORD)
    sidebar.get_by_role("button", name="Se connecter").click()
    sidebar.get_by_text("Éditeur connecté").wait_for(timeout=TIMEOUT_MS)

    page.locator('[data-testid="stRadio"]').filter(has_text="Type de données") \
        .get_by_text("Événements", exact=True).click()
    uploaders = page.locator('[data-testid="stFileUploader"]')
    # The radio's rerun replaces the uploader of sites by the one of events.
    wait_until(lambda: uploaders.count() == 1
               and "(événements)" in (uploaders.first.text_content() or ""))
    upload = tmp_path / "agenda.csv"
    upload.write_text(EVENTS, encoding="utf-8")
    uploaders.first.locator('input[type="file"]').set_input_files(upload)

    page.get_by_text("Rapport d'import de « agenda.csv »").wait_for(timeout=TIMEOUT_MS)
    figures = page.locator('[data-testid="stMetric"]')
    figures.filter(has_text="Non placées").wait_for(timeout=TIMEOUT_MS)
    assert [[part for part in figures.nth(i).inner_text().split("\n") if part]
            for i in range(figures.count())] == [
        ["Lignes lues", "3"], ["Conservées", "2"], ["Rejetées", "1"],
        ["Doublons fusionnés", "0"], ["Non placées", "1"]]
    assert page.get_by_text("format détecté : Tableau d'événements").is_visible()
    engine = store.get_engine(store_url)
    logged = len(store.list_imports(engine))
    page.screenshot(path=str(ARTIFACTS / "donnees_rapport.png"), full_page=True)
    assert len(store.list_imports(engine)) == logged  # nothing written before confirming

    page.get_by_role("button", name="Écrire dans la base (2 lignes)").click()
    page.get_by_text("agenda.csv : 3 lignes lues, 2 conservées, 1 rejetées").wait_for(
        timeout=TIMEOUT_MS)
    log = store.list_imports(engine)
    assert len(log) == logged + 1
    assert (log.iloc[0]["file_name"], log.iloc[0]["rows_kept"],
            log.iloc[0]["rows_rejected"]) == ("agenda.csv", 2, 1)
    heading = page.get_by_role("heading", name="Provenance des données")
    wait_until(lambda: heading.count() == 1)  # the stale copy of the rerun is gone
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    provenance = page.locator('[data-testid="stDataFrame"]').last
    # The grid draws on a canvas; its accessible copy holds the cells in order, but only
    # of the columns in view (the rejected count may lie beyond; the store has it above).
    first_row = (provenance.text_content() or "").split("Événementsfichier", 1)
    assert len(first_row) == 2 and first_row[1].startswith("agenda.csv" + log.iloc[0][
        "checksum"][:16] + "32"), "provenance : la ligne de agenda.csv manque en tête"
    page.screenshot(path=str(ARTIFACTS / "donnees_apres_import.png"), full_page=True)
    assert watched.external == [], "requêtes hors de 127.0.0.1"
