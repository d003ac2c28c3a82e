"""The data of every page, loaded once per store version, and what a page receives.

Part of the ui layer (it imports streamlit; re-exported by :mod:`influ_geo.ui`). The
store is read through :mod:`influ_geo.app_data`, cached with ``st.cache_resource`` on the
database URL, the store version (latest import, row counts) and the day: a new import
gives a new version, and the next page run reads the store again.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from influ_geo import app_data, config, store
from influ_geo.app_data import AppData, StoreVersion
from influ_geo.dataset import Dataset
from influ_geo.demo_cli import today_paris
from influ_geo.filters import Filters
from influ_geo.store_frames import StoreError

DEMO_BADGE = "Données de démonstration"


@dataclass(frozen=True, eq=False)
class Page:
    """What :func:`page_setup` hands to a page: the data and the shared filters.

    ``page.data`` is the prepared :class:`~influ_geo.dataset.Dataset` (read-only),
    ``page.filters`` the sidebar's :class:`~influ_geo.filters.Filters`, ``page.demo``
    whether demonstration data is shown, ``page.data_date`` the latest import's date.
    """

    title: str
    app_data: AppData
    filters: Filters
    presentation: bool

    @property
    def data(self) -> Dataset:
        return self.app_data.dataset

    @property
    def demo(self) -> bool:
        return self.app_data.demo

    @property
    def data_date(self) -> datetime | None:
        return self.app_data.data_date

    @property
    def today(self) -> date:
        return self.app_data.dataset.today


def data_date_text(loaded: AppData) -> str:
    """``"Données au 26/11/2026 (dernier import)."``; demo data say so."""
    when = loaded.data_date.strftime("%d/%m/%Y") if loaded.data_date else "date inconnue"
    kind = "Données de démonstration" if loaded.demo else "Données"
    return f"{kind} au {when} (dernier import)."


def data_badge(loaded: AppData) -> None:
    """The demonstration badge at the top of the page, when demo data is shown."""
    if loaded.demo:
        st.badge(DEMO_BADGE, icon=":material/science:", color="orange",
                 help="Données fictives générées par « python -m influ_geo demo » ; "
                      "importez vos fichiers dans la page Données pour les remplacer.")


# ---------------------------------------------------------------- data

@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return store.get_engine(url)


@st.cache_resource(show_spinner="Chargement des données…", max_entries=4)
def _app_data(url: str, version: StoreVersion, today: date) -> AppData:
    """The store's data, prepared once per store version and day, shared by sessions."""
    loaded = app_data.load_app_data(_engine(url), today, version)
    _out_of_the_collectors_reach()
    return loaded


def _out_of_the_collectors_reach() -> None:
    """The data just loaded lives as long as the server: frozen out of the cycle
    collector's generations (``gc.freeze``), so that page reruns are not paused ~100 ms
    (one in five, 500,000 sites) while it walks them again. What was frozen before is
    given back first, so the data of a former store version can still be collected."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner=False, max_entries=2)
def _demo_in_memory(today: date) -> AppData:
    return app_data.demo_in_memory(today)


def load_data(today: date | None = None) -> AppData:
    """The data of every page, cached on the database URL, the store version (latest
    import, row counts) and the day; an empty store first receives the demo data set.
    A store that cannot be read or written gives the demo in memory, with a warning."""
    today = today or today_paris()
    url = config.DATABASE_URL
    try:
        version = app_data.ensure_data(_engine(url), today)
    except (SQLAlchemyError, StoreError, OSError) as error:
        st.warning(f"Base de données indisponible ({type(error).__name__}) : "
                   "affichage des données de démonstration.")
        return _demo_in_memory(today)
    return _app_data(url, version, today)


def refresh_data() -> None:
    """Forget the cached data (after a write the store version does not show)."""
    _app_data.clear()
