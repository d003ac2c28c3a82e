"""The dashboard as a team reaches it: Chromium ⇒ nginx (HTTPS, /influ_geo/) ⇒ Streamlit.

The app runs with deploy/streamlit-config.toml and the map-file path of deploy/env.example,
behind deploy/nginx-influ_geo.conf (local ports, self-signed certificate): the landing
page opens under the base path, its WebSocket goes through the proxy, and the maps draw
from the files the app serves itself (a wrong INFLU_GEO_VENDOR_URL leaves them blank).
"""

from __future__ import annotations

import time

import pytest
from browser_support import ARTIFACTS, VIEWPORT
from proxy_support import base_path, env_example, proxied_app

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAW_SECONDS = 60


def test_maps_draw_behind_the_reverse_proxy(browser, tmp_path):
    with proxied_app(tmp_path) as app:
        context = browser.new_context(viewport=VIEWPORT, locale="fr-FR",
                                      ignore_https_errors=True)
        page = context.new_page()
        failed: list[str] = []
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(app.origin) else route.abort())
        try:
            page.goto(f"{app.origin}/{base_path()}/")
            start = time.monotonic()
            frame = page.frame_locator(MAP_IFRAME).first
            frame.locator("path.leaflet-interactive").first.wait_for(timeout=DRAW_SECONDS * 1000)
            drawn = frame.locator("path.leaflet-interactive").count()
            print(f"\ncarte dessinée derrière nginx en {time.monotonic() - start:.1f} s "
                  f"({drawn} territoires)")
            page.screenshot(path=str(ARTIFACTS / "derriere_le_proxy.png"))
        finally:
            context.close()
    assert drawn >= 13  # the régions of metropolitan France at least
    vendor = env_example()["INFLU_GEO_VENDOR_URL"]
    assert [f for f in failed if vendor in f or "/static/" in f] == []
    assert errors == []
