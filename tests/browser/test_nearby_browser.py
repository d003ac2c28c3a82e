"""Près de chez moi in headless Chromium: find the events near a commune, download the .ics.

The commune and the expected events come from the server's own store (the demo data set it
wrote at start) through the library; the downloaded calendar is read by ``icalendar``.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import icalendar
import pytest
from browser_support import ARTIFACTS, Watched

from influ_geo import app_data, config, nearby, store
from influ_geo.demo_cli import today_paris

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_S = 30
# Event markers (awesome-markers icons; their shadows sit in the shadow pane).
EVENT_MARKERS = ".leaflet-marker-pane .awesome-marker"


def wait_until(read, accept, what: str) -> object:
    """Poll ``read()`` until ``accept(value)``; the value (fails with the last one seen)."""
    start, value = time.monotonic(), None
    while time.monotonic() - start < TIMEOUT_S:
        value = read()
        if accept(value):
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} : {value!r} après {TIMEOUT_S} s")


def expected():
    """A commune with upcoming demo events (first match of its name), and those events."""
    engine = store.get_engine(f"sqlite:///{ARTIFACTS / 'store.sqlite'}")
    data = wait_until(lambda: app_data.load_app_data(engine, today_paris()).dataset,
                      lambda d: len(d.events) > 0, "événements dans la base du serveur")
    engine.dispose()
    today = data.today
    end = today + timedelta(days=config.NEARBY_DAYS)
    soon = data.events[(data.events["date_debut"] >= str(today))
                       & (data.events["date_debut"] < str(end))]
    for code, name in zip(soon["code_insee"], soon["commune_nom"], strict=True):
        first = nearby.search_communes(name).iloc[0]
        if first["code_insee"] == code:
            centre = nearby.place_of(first)
            found = nearby.events_near(data, centre, config.NEARBY_RADIUS_DEFAULT_KM, today, end)
            return name, centre, found
    pytest.fail(f"aucun événement de démonstration à venir ({len(data.events)} événements, "
                f"{len(soon)} dans la période)")


def test_find_events_near_a_commune_and_download_the_calendar(app_url: str,
                                                             watched: Watched) -> None:
    page = watched.page
    page.goto(app_url)
    page.get_by_role("link", name="Près de chez moi").click()
    box = page.get_by_label("Commune ou code postal")
    box.wait_for(timeout=TIMEOUT_S * 1000)
    name, centre, found = expected()
    n = len(found)
    box.fill(name)
    box.press("Enter")
    summary = page.get_by_text(re.compile(rf"{n} événements? à moins de"))
    summary.wait_for(timeout=TIMEOUT_S * 1000)
    assert centre.label in summary.inner_text()
    frame = page.frame_locator(MAP_IFRAME)
    wait_until(lambda: frame.locator(EVENT_MARKERS).count(), lambda c: c == n,
               "marqueurs d'événements dessinés")
    assert frame.locator("path.leaflet-interactive").count() >= 2  # départements + circle
    wait_until(lambda: frame.locator(".marker-cluster, .influ-site").count(), lambda c: c > 0,
               "sites industriels dessinés")
    frame.locator(EVENT_MARKERS).first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_S * 1000)
    assert "km" in popup.inner_text()
    page.wait_for_timeout(300)  # the popup's fade-in, for a readable screenshot
    page.screenshot(path=str(ARTIFACTS / "pres_de_chez_moi.png"), full_page=True)

    button = page.get_by_role("button", name=re.compile("Télécharger le calendrier"))
    with page.expect_download(timeout=TIMEOUT_S * 1000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("evenements-pres-de-")
    assert download.suggested_filename.endswith(".ics")
    raw = download.path().read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    events = list(icalendar.Calendar.from_ical(raw).walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == found["titre"].tolist()
    assert [e.decoded("DTSTART").replace(tzinfo=None) <= e.decoded("DTEND").replace(tzinfo=None)
            for e in events] == [True] * n
    assert watched.external == [], "requêtes hors de 127.0.0.1"
    assert watched.errors == [], "erreurs dans la console"
