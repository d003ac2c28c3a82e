"""No script from the data ever runs, in headless Chromium against a real streamlit server.

The server has a store of its own: the demonstration data set, then events, actions and
sites around Paris, Lyon and Saint-Denis (La Réunion) whose titles, places, organisers,
members, campaigns and links are hostile (``tests/hostile_data.py``: ``<script>``,
``<img onerror>``, ``{{ 7*7 }}``, ``{% raw %}``, ``${…}``, ``javascript:`` links…). Every
page that shows them is opened; any dialog (``alert``) in the page or in a map's iframe,
any console error, any request for the ``x`` of ``<img src=x>`` or leaving 127.0.0.1
fails the test. The hostile title must be read as text in the map popups, and the
self-contained HTML export of those points opened from ``file://`` must behave the same.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import quote

import hostile_data as hostile
import pytest
from browser_support import ARTIFACTS, Watched, streamlit_server

from influ_geo import assets, carte, dataset, referentiel, store, ui_filters
from influ_geo.demo_cli import today_paris, write_demo

pytestmark = pytest.mark.browser
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

SCRIPT = hostile.SCRIPT
MARKDOWN = hostile.VALUES[-1]  # "[Gagnez](https://piege.example) :red[alerte] $x$"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
CARTE_EVENTS = ".influ-point.influ-evenements_a_venir"
NEARBY_EVENTS = ".leaflet-marker-pane .awesome-marker"
POPUP = ".leaflet-popup-content"
TIMEOUT_MS = 30_000
# A page opened from a link: Streamlit first probes its server under the page's path.
PROBE_ERROR = "Failed to load resource: the server responded with a status of 404"


@pytest.fixture(scope="module")
def hostile_app() -> Iterator[str]:
    """``streamlit run app.py`` on a store holding the demo and the hostile rows."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    database = ARTIFACTS / "store_hostile.sqlite"
    for stale in ARTIFACTS.glob("store_hostile.sqlite*"):
        stale.unlink()
    url, today = f"sqlite:///{database}", today_paris()
    engine = store.get_engine(url)
    write_demo(engine, today)
    for kind, frame in (("events", hostile.hostile_events(today).drop(columns="id")),
                        ("actions", hostile.hostile_actions(today)),
                        ("sites", hostile.hostile_sites(today))):
        store.import_frame(engine, kind, frame, source=hostile.SOURCE, file_name="piege.csv")
    engine.dispose()
    with streamlit_server(url, ARTIFACTS / "streamlit_hostile.log") as base_url:
        yield base_url


class Guard:
    """What the page must never do: open a dialog, load ``<img src=x>``, log an error."""

    def __init__(self, seen: Watched) -> None:
        self.seen, self.dialogs, self.injected = seen, [], []
        page = seen.page
        # Dialogs of every frame (the maps' iframes included) are reported on the page.
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.injected.append(r.url)
                if re.search(r"/x(\?|$)", r.url) else None)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, where: str) -> None:
        errors = [e for e in self.seen.errors if not e.startswith(PROBE_ERROR)]
        assert self.dialogs == [], f"{where} : boîte de dialogue ouverte"
        assert self.injected == [], f"{where} : image injectée chargée"
        assert errors == [], f"{where} : erreurs dans la console"
        assert self.seen.external == [], f"{where} : requêtes hors de 127.0.0.1"


def wait_until(read, accept, what: str) -> object:
    """Poll ``read()`` until ``accept(value)``; the value (fails with the last one seen)."""
    start, value = time.monotonic(), None
    while time.monotonic() - start < TIMEOUT_MS / 1000:
        value = read()
        if accept(value):
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} : {value!r}")


def open_popup_titled(frame, markers: str, title: str) -> object:
    """Click the markers one by one until a popup shows ``title``: that popup's locator."""
    found = frame.locator(markers)
    wait_until(found.count, lambda n: n > 0, f"marqueurs {markers}")
    popup = frame.locator(POPUP).filter(has_text=title)
    for i in range(found.count()):
        try:
            found.nth(i).click(timeout=1000)
        except PlaywrightTimeout:  # a marker under another one: try the next
            continue
        try:
            popup.wait_for(timeout=500)
            return popup
        except PlaywrightTimeout:
            continue
    pytest.fail(f"aucun des {found.count()} marqueurs n'ouvre « {title} »")


def wait_for_text(page, selector: str, text: str) -> None:
    """Wait until an element of ``selector`` shows ``text`` (word joiners, which break
    Markdown's autolinks, are invisible and ignored)."""
    read = page.locator(selector).all_inner_texts
    wait_until(lambda: [t.replace("\u2060", "") for t in read()],
               lambda texts: any(text in t for t in texts), f"« {text} » dans {selector}")


def assert_text_not_markup(popup) -> None:
    """The hostile title is read as text; no element came out of the data."""
    assert SCRIPT in popup.inner_text()
    assert "&lt;script&gt;" in popup.inner_html()
    assert popup.locator("script, img, svg, iframe").count() == 0
    assert "Salon 49 fin" not in popup.inner_text()


LINKS_JS = """() => [...document.querySelectorAll('a[href]')].map(
    a => [a.getAttribute('href'), a.textContent.trim()])"""


def assert_no_link_from_data(page) -> None:
    """No link with a non-web target, none to an address written in the data."""
    links = page.evaluate(LINKS_JS)
    assert not [h for h, _ in links if re.match(r"\s*(javascript|data|vbscript):", h, re.I)]
    assert [(h, t) for h, t in links if "piege" in h or "traceur" in h] == []


def test_hostile_texts_stay_text_on_every_page(hostile_app: str, watched: Watched) -> None:
    start = time.monotonic()
    page, guard = watched.page, Guard(watched)

    # Vue d'ensemble, filtered on the hostile member through a link.
    page.goto(f"{hostile_app}/?membres={quote(MARKDOWN[:200])}")
    wait_for_text(page, '[data-testid="stCaptionContainer"]', f"Membres : {MARKDOWN}")
    page.frame_locator(MAP_IFRAME).first.locator("path.leaflet-interactive").first.wait_for(
        timeout=TIMEOUT_MS)
    assert_no_link_from_data(page)
    guard.check("Vue d'ensemble")

    # Carte, zoomed on Paris: every point is drawn with its popup.
    page.goto(f"{hostile_app}/Carte?carte_region=11&carte_departement=75")
    frame = page.frame_locator(MAP_IFRAME).first
    popup = open_popup_titled(frame, CARTE_EVENTS, SCRIPT)
    assert_text_not_markup(popup)
    assert popup.locator("a").count() == 0  # javascript: link of that event dropped
    page.wait_for_timeout(300)  # the popup's fade-in
    page.screenshot(path=str(ARTIFACTS / "hostile_carte_popup.png"))
    guard.check("Carte")

    # Région par région: the events table of Île-de-France.
    page.goto(f"{hostile_app}/Region_par_region?region=11")
    page.locator('[data-testid="stDataFrame"]').last.wait_for(timeout=TIMEOUT_MS)
    assert_no_link_from_data(page)
    guard.check("Région par région")

    # Près de chez moi: Paris, then a commune typed as a Markdown link in the URL.
    page.goto(f"{hostile_app}/Pres_de_chez_moi?commune=Paris&rayon=5")  # zoomed: markers apart
    popup = open_popup_titled(page.frame_locator(MAP_IFRAME).first, NEARBY_EVENTS, SCRIPT)
    assert_text_not_markup(popup)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "hostile_pres_de_chez_moi_popup.png"))
    page.goto(f"{hostile_app}/Pres_de_chez_moi?commune={quote(MARKDOWN)}")
    wait_for_text(page, '[data-testid="stAlert"]', f"« {MARKDOWN} »")
    assert_no_link_from_data(page)
    page.locator('[data-testid="stAlert"]').first.screenshot(
        path=str(ARTIFACTS / "hostile_commune_du_lien.png"))
    guard.check("Près de chez moi")

    # Où agir and Mobilisations: rankings, reasons, tables.
    page.goto(f"{hostile_app}/Ou_agir")
    page.locator('[data-testid="stExpander"]').first.wait_for(timeout=TIMEOUT_MS)
    page.goto(f"{hostile_app}/Mobilisations")
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=TIMEOUT_MS)
    assert_no_link_from_data(page)
    guard.check("Où agir, Mobilisations")
    print(f"pages parcourues en {time.monotonic() - start:.1f} s")


def test_exported_map_opened_from_a_file_runs_no_script(watched: Watched, tmp_path) -> None:
    """The Carte of Paris with the hostile rows, as one self-contained HTML page
    (``assets.standalone_html``), opened from ``file://``."""
    page, guard = watched.page, Guard(watched)
    today = today_paris()
    data = dataset.prepare(hostile.with_hostile_rows(dataset.demo_frames(today), today), today)
    view = carte.carte_data(data, ui_filters.default_filters(today), carte.Scope("11", "75"),
                            ["mobilisations", "evenements_a_venir", "sites"],
                            referentiel.load_layer("regions"),
                            referentiel.load_layer("departements"))
    path = tmp_path / "carte_piegee.html"
    path.write_text(assets.standalone_html(carte.carte_map(view)), encoding="utf-8")
    page.goto(path.as_uri())
    popup = open_popup_titled(page, CARTE_EVENTS, SCRIPT)
    assert_text_not_markup(popup)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "hostile_export_popup.png"))
    guard.check("export HTML")
