"""Opening pages under AppTest as a browser does: ``app.py`` is the main script."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def open_page(page: str | None = None, *, app: Path = APP, **query: str) -> AppTest:
    """Run ``page`` (``"pages/1_Carte.py"``; None for the landing page) with ``query``.

    A page opened directly has no sidebar links (Streamlit registers the pages from the
    main script), so every page is reached from ``app.py`` like a link would.
    """
    at = AppTest.from_file(str(app), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    return at.run()


def map_scripts(at: AppTest) -> list[str]:
    """The Leaflet script of each st_folium component of the page, in order."""
    return [json.loads(c.proto.json_args)["script"] for c in at.get("component_instance")]
