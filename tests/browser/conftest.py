"""A real ``streamlit run app.py`` on 127.0.0.1 and Debian's headless Chromium.

The server is started once per session on a free port, on a store of its own that starts
empty (the app writes the demonstration data set into it), and stopped at the end; each test
gets a fresh browser context in which any request leaving 127.0.0.1 is recorded, and a
CDN file that the app has vendored is served from ``static/vendor/`` (anything else is
aborted: the machines running the suite have no internet).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    EXTERNAL,
    LAUNCH_ARGS,
    VIEWPORT,
    Watched,
    streamlit_server,
)

from influ_geo import assets


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of ``streamlit run app.py`` on a free port of 127.0.0.1."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "streamlit.log"
    database = ARTIFACTS / "store.sqlite"
    for stale in ARTIFACTS.glob("store.sqlite*"):
        stale.unlink()
    with streamlit_server(f"sqlite:///{database}", log) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (skipped, with the reason, when it is not installed)."""
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium absent ({CHROMIUM}) : installez le paquet Debian « chromium »")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser) -> Iterator[Watched]:
    """A fresh context and page; CDN files served from static/vendor/, the rest aborted."""
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
    page = context.new_page()
    seen = Watched(page)

    def route(request_route) -> None:
        url = request_route.request.url
        seen.external.append(url)
        path = assets.CDN_FILES.get(url)
        if path:
            request_route.fulfill(path=str(assets.VENDOR_DIR / path))
        else:
            request_route.abort()

    context.route(EXTERNAL, route)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(f"pageerror: {e}"))
    yield seen
    context.close()
