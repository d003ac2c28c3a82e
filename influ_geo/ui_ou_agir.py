"""Streamlit widgets of « Où agir » (ui layer: imports streamlit).

The weights of the score are four sliders whose values (in percent) are mirrored in
``st.session_state["ou_agir_poids"]``: they survive page changes, and the Présentation
page exports the map with the same weights. The indicator table of a level is cached per
filter set and store version, the polygons per level; moving a slider only re-ranks
(``priorities.rank`` on the cached table, ~0.1 s for the 1,253 EPCI).
"""

from __future__ import annotations

from datetime import date

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from influ_geo import (
    choropleth_maps,
    choropleths,
    config,
    exports,
    indicators,
    ou_agir,
    priorities,
    territory_layers,
    ui,
    ui_filters,
)
from influ_geo.app_data import StoreVersion
from influ_geo.dataset import Dataset
from influ_geo.escaping import markdown_text
from influ_geo.filters import Filters
from influ_geo.formatting import format_int
from influ_geo.ui_data import Page

WEIGHTS_KEY = "ou_agir_poids"
LEVEL_KEY = "ou_agir_niveau"
MAP_INDICATOR_KEY = "ou_agir_couleur"
MAP_KEY = "ou_agir_carte"
MAP_HEIGHT = 560


# ---------------------------------------------------------------- cached data

@st.cache_resource(show_spinner=False, max_entries=16)
def _table(level: str, filters: Filters, version: StoreVersion, today: date,
           _data: Dataset) -> pd.DataFrame:
    return indicators.indicators(_data, level, filters)


@st.cache_resource(show_spinner=False, max_entries=8)
def _layer(level: str, fine: bool, version: StoreVersion, today: date,
           _data: Dataset) -> gpd.GeoDataFrame:
    return territory_layers.territory_layer(_data, level, fine=fine)


@st.cache_resource(show_spinner=False, max_entries=32)
def _ranking(level: str, filters: Filters, weights: priorities.Weights, version: StoreVersion,
             today: date, _data: Dataset) -> pd.DataFrame:
    table = _table(level, filters, version, today, _data)
    return priorities.rank(_data, level, filters, weights, table=table)


def layer(page: Page, level: str, *, fine: bool = False) -> gpd.GeoDataFrame:
    """The polygons of every territory of ``level`` (read-only, shared); ``fine``: the
    detailed EPCI, for a map of one région."""
    return _layer(level, fine, page.app_data.version, page.today, page.data)


def ranking(page: Page, level: str, weights: priorities.Weights) -> pd.DataFrame:
    """The « Où agir » ranking of ``level`` for the page's filters (read-only, shared)."""
    return _ranking(level, page.filters, weights, page.app_data.version, page.today,
                    page.data)


@st.cache_resource(show_spinner=False, max_entries=16)
def _gaps_view(level: str, indicator: str, weights: priorities.Weights, filters: Filters,
               version: StoreVersion, today: date, _page: Page) -> choropleths.ChoroplethView:
    return choropleths.gaps_view(_page.data, level, filters, weights, indicator,
                                 layer=layer(_page, level), ranking=ranking(_page, level, weights))


def gaps_view(page: Page, level: str, weights: priorities.Weights,
              indicator: str = "score_priorite") -> choropleths.ChoroplethView:
    """The map of gaps as data (cached per level, weights, filters and store version)."""
    return _gaps_view(level, indicator, weights, page.filters, page.app_data.version,
                      page.today, page)


# ---------------------------------------------------------------- widgets

def stored_weights() -> priorities.Weights:
    """The weights last chosen on « Où agir » in this session (default ones otherwise)."""
    try:
        weights = ou_agir.weights_from_percent(st.session_state.get(WEIGHTS_KEY)
                                               or ou_agir.default_percent())
        weights.normalised()
    except priorities.WeightsError:
        return priorities.Weights()
    return weights


def _reset_weights() -> None:
    for name, value in ou_agir.default_percent().items():
        st.session_state[f"_widget_poids_{name}"] = value
    st.session_state[WEIGHTS_KEY] = ou_agir.default_percent()


def weight_sliders() -> priorities.Weights:
    """Four sliders (percent) for the parts of the score; all at zero ⇒ a French warning
    and the default weights."""
    stored = st.session_state.get(WEIGHTS_KEY) or ou_agir.default_percent()
    values = {}
    for column, (name, label) in zip(st.columns(len(priorities.PARTS)),
                                     priorities.PARTS.items(), strict=True):
        key = f"_widget_poids_{name}"
        if key not in st.session_state:  # back on the page: the value kept in the session
            st.session_state[key] = int(stored.get(name, 0))
        values[name] = column.slider(label, 0, 100, step=5, format="%d %%", key=key,
                                     help=ou_agir.PART_HELP[name])
    st.session_state[WEIGHTS_KEY] = values
    st.button("Rétablir les poids par défaut", on_click=_reset_weights)
    weights = ou_agir.weights_from_percent(values)
    try:
        weights.normalised()
    except priorities.WeightsError as error:
        st.warning(f"{str(error).capitalize()} : le classement utilise les poids par défaut.")
        return priorities.Weights()
    return weights


def _folium_map(m: folium.Map, key: str, height: int) -> None:
    """``ui.folium_map`` rendering the map once: ``st_folium`` first renders the whole
    figure (an HTML page it does not use), then the map again for what it sends; the
    second render alone gives the same component arguments (~5 ms per map of the six)."""
    st_folium(m, key=key, height=height, use_container_width=True, returned_objects=[],
              render=False)


def gaps_map(view: choropleths.ChoroplethView) -> None:
    """The map of gaps: metropole, a row of DROM insets, then the legend."""
    result = choropleth_maps.folium_maps(view, vendor_url=config.VENDOR_URL)
    _folium_map(result.metropole, key=f"{MAP_KEY}_metropole", height=MAP_HEIGHT)
    if result.insets:
        for column, inset, m in zip(st.columns(len(result.insets)), result.data.insets,
                                    result.insets, strict=True):
            with column:
                st.caption(inset.title)
                _folium_map(m, key=f"{MAP_KEY}_{inset.name}", height=ui.INSET_HEIGHT)
    ui.legend(view.legend)


def ranking_table(frame: pd.DataFrame) -> None:
    """The whole ranking: rank, name, score (bar) and its four parts in points."""
    points = {f"points_{name}": st.column_config.NumberColumn(label, format="%.1f")
              for name, label in priorities.PARTS.items()}
    st.dataframe(
        ou_agir.ranking_table(frame), hide_index=True, height=420,
        column_config={
            "rang": st.column_config.NumberColumn("Rang", width="small"),
            "nom": st.column_config.TextColumn("Territoire"),
            "code": st.column_config.TextColumn("Code", width="small"),
            "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100,
                                                     format="%.1f"),
            **points,
            "explication": st.column_config.TextColumn("Pourquoi", width="large"),
        },
    )


def csv_button(frame: pd.DataFrame, level: str) -> None:
    """Download the whole ranking as CSV (text cells neutralised for spreadsheets),
    written when the button is pressed rather than at every run."""
    st.download_button("Télécharger le classement (CSV)", lambda: exports.ranking_csv(frame),
                       file_name=ou_agir.csv_name(level), mime="text/csv",
                       icon=":material/download:", key="ou_agir_csv")


def top_details(page: Page, level: str, frame: pd.DataFrame,
                top: int = config.OU_AGIR_TOP) -> None:
    """One expander per territory at the top: its reason, its score broken into parts,
    the upcoming events nobody relays yet (date, place, link)."""
    first = frame.head(top)
    events = priorities.events_to_join(page.data, level, page.filters,
                                       codes=first["code"].tolist())
    counts = events["code"].value_counts()
    # Sorted by territory then date: the soonest of each, made into one table at once.
    shown = events.groupby("code", sort=False).head(config.OU_AGIR_EVENTS_SHOWN)
    tables = ou_agir.events_table(shown, ui_filters.event_type_label)
    tables.index = shown["code"].to_numpy()
    for row in first.to_dict("records"):
        total = int(counts.get(row["code"], 0))
        # Names of imported Territoires d'industrie are data: shown as typed, not Markdown.
        label = f"{row['rang']}. {markdown_text(row['nom'])} — score {format_int(row['score'])}"
        with st.expander(f"{label} · {ou_agir.events_count(total)}",
                         expanded=row["rang"] == 1):
            st.markdown(markdown_text(row["explication"]))
            st.caption(ou_agir.breakdown(row))
            _events_of(tables[tables.index == row["code"]].reset_index(drop=True), total)


def _events_of(table: pd.DataFrame, total: int) -> None:
    """The events to relay of one territory (its soonest ``table`` rows of ``total``)."""
    if total == 0:
        st.caption("Aucun événement à venir sans relais dans ce territoire.")
        return
    if len(table) < total:
        st.caption(f"Les {format_int(len(table))} plus proches dans le temps, "
                   f"sur {format_int(total)} événements à venir sans relais.")
    shown = [c for c in table.columns if c != "lien" or table["lien"].notna().any()]
    st.dataframe(table, hide_index=True, column_config=EVENT_COLUMNS, column_order=shown)


EVENT_COLUMNS = {
    "dates": st.column_config.TextColumn("Dates"),
    "evenement": st.column_config.TextColumn("Événement", width="medium"),
    "lieu": st.column_config.TextColumn("Lieu"),
    "type": st.column_config.TextColumn("Type"),
    "organisateur": st.column_config.TextColumn("Organisateur"),
    "lien": st.column_config.LinkColumn("Lien", display_text="ouvrir"),
}
