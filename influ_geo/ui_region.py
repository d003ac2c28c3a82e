"""Streamlit widgets of the « Région par région » page (ui layer: imports streamlit).

The page picks its région from the URL (``?region=53``, written by ``ui.open_region`` after
a click on another page), else from ``st.session_state["region"]``, else the first région
of the list; the selector then mirrors its choice in both, so a copied link reopens the
same région. The data comes from :mod:`influ_geo.region_view` and
:mod:`influ_geo.region_map` (pure), cached per store version and filter set.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from influ_geo import config, region_map, region_view, ui, ui_filters
from influ_geo.app_data import StoreVersion
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters
from influ_geo.overview import Figure
from influ_geo.ui_data import Page

REGION_KEY, DEPARTEMENT_KEY = "region", "departement"
MAP_KEY = "region_carte"
MAP_HEIGHT = 560


@st.cache_resource(show_spinner=False)
def layers() -> region_map.Layers:
    """The referential layers of the view, read once and shared (never modified)."""
    return region_map.Layers(ui.load_layer("regions"), ui.load_layer("departements"),
                             ui.load_layer("epci"), ui.load_communes())


def _mirror(key: str, value: str | None) -> None:
    """Keep ``value`` in the session and the URL under ``key`` (removed when ``None``)."""
    if value is None:
        st.session_state.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]
        return
    st.session_state[key] = value
    if st.query_params.get(key) != value:
        st.query_params[key] = value


def pick_region() -> tuple[str, str | None]:
    """The région selector; returns the région code and the département to outline
    (from a click on a département elsewhere), both mirrored in the session and the URL."""
    options = region_view.region_options(layers().regions)
    wanted = region_view.resolve_region(st.query_params.get(REGION_KEY),
                                        st.session_state.get(REGION_KEY), options=options)
    code = st.selectbox("Région", list(options), index=list(options).index(wanted),
                        format_func=options.__getitem__, key=f"_widget_{REGION_KEY}",
                        placeholder="Choisissez une région",
                        help="Les 18 régions, outre-mer compris.")
    departement = region_view.resolve_departement(
        st.query_params.get(DEPARTEMENT_KEY) or st.session_state.get(DEPARTEMENT_KEY), code,
        layers().departements)
    _mirror(REGION_KEY, code)
    _mirror(DEPARTEMENT_KEY, departement)
    return code, departement


@st.cache_resource(show_spinner=False, max_entries=64)
def _key_figures(code: str, filters: Filters, version: StoreVersion, today: date,
                 _data: Dataset) -> tuple[Figure, ...]:
    return tuple(region_view.key_figures(_data, filters, layers(), code))


def key_figures(page: Page, code: str) -> tuple[Figure, ...]:
    """The five key figures of the région, with their change over the period before."""
    figures = _key_figures(code, page.filters, page.app_data.version, page.today, page.data)
    widths = [max(1.0, len(f.label) / 18) for f in figures]
    for column, figure in zip(st.columns(widths), figures, strict=True):
        column.metric(figure.label, figure.value, delta=figure.delta, help=figure.help,
                      border=True, height="stretch")
    return figures


@st.cache_resource(show_spinner=False, max_entries=64)
def _map_data(code: str, level: str, indicator: str, departement: str | None,
              filters: Filters, version: StoreVersion, today: date,
              _data: Dataset) -> region_map.RegionMapData:
    return region_map.region_map_data(_data, filters, layers(), code, level, indicator,
                                      departement)


def region_map_view(page: Page, code: str, level: str, indicator: str,
                    departement: str | None) -> region_map.RegionMapData:
    """The choropleth of the région (built anew each run from cached data), its legend."""
    data = _map_data(code, level, indicator, departement, page.filters,
                     page.app_data.version, page.today, page.data)
    ui.folium_map(region_map.region_map(data, vendor_url=config.VENDOR_URL), key=MAP_KEY,
                  height=MAP_HEIGHT)
    ui.legend(data.legend)
    return data


def monthly_chart(frame: pd.DataFrame) -> None:
    """Stacked bars of the actions per month, one colour per theme (or an empty state)."""
    themes = list(region_view.THEME_LABELS.values())
    if not frame[themes].to_numpy().any():
        st.info("Aucune action réalisée dans la région pendant la période pour ces filtres.")
        return
    st.bar_chart(frame, x="Mois", y=themes, color=list(region_view.THEME_COLOURS.values()),
                 stack=True, sort=False, x_label="Mois", y_label="Actions réalisées")
    st.caption("Actions réalisées, du début de la période au mois en cours.")


def theme_channel_table(table: pd.DataFrame) -> None:
    """The theme × channel table (or nothing when no action is counted)."""
    if not table["Total"].any():
        st.caption("Aucune action à répartir par thème et par canal.")
        return
    st.dataframe(table, width="stretch")
    st.caption("Actions réalisées dans la région pendant la période, par thème et par canal.")


def events_table(page: Page, code: str, nom: str) -> pd.DataFrame:
    """The events of the région with their relay status and a link (or an empty state);
    the frame shown."""
    frame = region_view.events_table(page.data, page.filters, code,
                                     ui_filters.event_type_label)
    if frame.empty:
        st.info(f"Aucun événement en {nom} pour ces filtres (période et types d'événement).")
        return frame
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "Début": st.column_config.DatetimeColumn(format="DD/MM/YYYY", width="small"),
        "Fin": st.column_config.DatetimeColumn(format="DD/MM/YYYY", width="small"),
        "Événement": st.column_config.TextColumn(width="medium"),
        "Dép.": st.column_config.TextColumn(help="Code du département", width="small"),
        "Relais": st.column_config.NumberColumn(help="Actions (réalisées ou prévues) qui "
                                                     "relaient l'événement"),
        "Lien": st.column_config.LinkColumn(display_text="Ouvrir"),
    })
    st.caption("À venir d'abord (les plus proches en premier), puis passés. « À relayer » : "
               "aucune action du collectif, réalisée ou prévue, ne relaie encore l'événement ; "
               "« Relais » : nombre de ces actions.")
    return frame


def _range(label: str, default: tuple[date, date], key: str, help_text: str) -> tuple[date, date]:
    """A date range; while only its first day is picked, the default stands."""
    picked = st.date_input(label, value=default, format="DD/MM/YYYY", key=key, help=help_text,
                           min_value=date(2000, 1, 1))
    dates = list(picked) if isinstance(picked, (list, tuple)) else [picked]
    return (dates[0], dates[1]) if len(dates) == 2 else default


def periods(filters: Filters, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """Two date ranges, « avant » and « après » (default: the halves of the elapsed part
    of the filter period; a new filter period resets them)."""
    avant, apres = region_view.default_halves(filters, today)
    suffix = f"{avant[0]:%Y%m%d}_{apres[1]:%Y%m%d}"
    left, right = st.columns(2)
    with left:
        avant = _range("Avant (période de référence)", avant, f"_widget_avant_{suffix}",
                       "Par exemple les mois précédant une campagne.")
    with right:
        apres = _range("Après (période comparée)", apres, f"_widget_apres_{suffix}",
                       "Par exemple la campagne et les mois qui suivent.")
    return avant, apres


def comparison_table(frame: pd.DataFrame) -> None:
    """The two-period table; the changes signed (``+3``, ``-2``), each column explained."""
    config_ = {name: st.column_config.NumberColumn(
        format="%+d" if name.endswith("écart") else "%d", help=region_view.comparison_help(name))
        for name in frame.columns if name != "Territoire"}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config_)
