"""Streamlit widgets of the Carte page: territory, layers, the map and its legend.

Part of the ui layer (it imports streamlit); the view itself is computed by
:mod:`influ_geo.carte` and cached here per filter set, store version, territory and layers.
The territory and the layers survive reruns and page changes (non-widget keys of
``st.session_state``) and live in the URL (``?carte_region=53&couches=sites,…``), so a
copied link reopens the same map.
"""

from __future__ import annotations

import html
from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st

from influ_geo import carte, carte_legend, config, ui, ui_filters
from influ_geo.app_data import StoreVersion
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters
from influ_geo.ui_data import Page

MAP_HEIGHT = 640
REGION_KEY, DEPARTEMENT_KEY, LAYERS_KEY = "carte_region", "carte_departement", "couches"
NO_LAYER = "aucune"  # the URL value of an empty selection (an absent one means the default)
_SWATCH = {
    "dot": "border-radius:50%;background:{c};border:2px solid #fff;box-shadow:0 0 0 1px #777",
    "ring": "border-radius:50%;background:#fff;border:3px solid {c}",
    "dash": "height:0;border-top:3px dashed {c};margin-bottom:0.25em",
    "area": "background:" + carte.LAND_COLOUR + ";border:1px solid {c}",
}


def _remembered_select(label: str, options: dict[str, str], key: str, widget_key: str) -> str:
    """A selectbox whose value is kept in ``st.session_state[key]`` and the URL."""
    values = list(options)
    stored = st.session_state.get(key, st.query_params.get(key, ""))
    value = st.selectbox(label, values, index=values.index(stored) if stored in values else 0,
                         format_func=options.__getitem__, key=widget_key)
    st.session_state[key] = value
    if value:
        st.query_params[key] = value
    else:
        st.query_params.pop(key, None)
    return value


def territory_picker() -> carte.Scope:
    """The région (or all France) and the département shown; DROM are régions of the list."""
    regions, departements = ui.load_layer("regions"), ui.load_layer("departements")
    left, right = st.columns(2)
    with left:
        names = dict(sorted(zip(regions["code_region"], regions["nom"], strict=True),
                            key=lambda item: item[1]))
        region = _remembered_select("Territoire", {"": "France entière", **names},
                                    REGION_KEY, f"_widget_{REGION_KEY}")
    departement = ""
    if region:
        own = departements[departements["code_region"] == region]
        options = {"": "Toute la région", **{c: f"{n} ({c})" for c, n in
                                               zip(own["code_departement"], own["nom"],
                                                   strict=True)}}
        with right:
            # One widget per région: a département of another région is never kept.
            departement = _remembered_select("Département", options, DEPARTEMENT_KEY,
                                             f"_widget_{DEPARTEMENT_KEY}_{region}")
    else:
        st.session_state[DEPARTEMENT_KEY] = ""
        st.query_params.pop(DEPARTEMENT_KEY, None)
    return carte.Scope(region or None, departement or None)


def _stored_layers() -> list[str]:
    stored = st.session_state.get(LAYERS_KEY)
    if stored is None:
        raw = st.query_params.get(LAYERS_KEY)
        stored = carte.DEFAULT_LAYERS if raw is None else raw.split(",")
    return [k for k in carte.LAYER_LABELS if k in stored]


def layer_picker() -> tuple[str, ...]:
    """The layers switched on (keys of ``carte.LAYER_LABELS``), kept like the territory."""
    chosen = st.pills("Couches", list(carte.LAYER_LABELS), selection_mode="multi",
                      default=_stored_layers(), format_func=carte.LAYER_LABELS.__getitem__,
                      key=f"_widget_{LAYERS_KEY}")
    layers = tuple(k for k in carte.LAYER_LABELS if k in (chosen or []))
    st.session_state[LAYERS_KEY] = layers
    st.query_params[LAYERS_KEY] = ",".join(layers) or NO_LAYER
    return layers


@st.cache_resource(show_spinner="Contours des Territoires d'industrie…", max_entries=8)
def _ti_layer(url: str, version: StoreVersion, today: date, tolerance: float,
              _data: Dataset) -> gpd.GeoDataFrame:
    """The Territoires d'industrie of the data, dissolved once per store version and
    simplification (national or within a région)."""
    frame = _data.territoires_industrie
    if frame is None:
        frame = pd.DataFrame({"code_insee": [], "id_ti": [], "lib_ti": []})
    return carte.ti_layer(frame, ui.load_communes(), ui.load_layer("communes_polygones"),
                          tolerance)


@st.cache_resource(show_spinner=False, max_entries=64)
def _view(url: str, version: StoreVersion, today: date, filters: Filters, scope: carte.Scope,
          layers: tuple[str, ...], _data: Dataset) -> carte.CarteData:
    ti = (_ti_layer(url, version, today, carte.ti_tolerance(scope), _data)
          if carte.TI_KEY in layers else None)
    return carte.carte_data(_data, filters, scope, layers, ui.load_layer("regions"),
                            ui.load_layer("departements"), ti=ti,
                            type_label=ui_filters.event_type_label)


def carte_view(page: Page, scope: carte.Scope, layers: tuple[str, ...]) -> carte.CarteData:
    """The view of ``scope`` with ``layers`` for the page's filters (cached, shared)."""
    return _view(config.DATABASE_URL, page.app_data.version, page.today, page.filters, scope,
                 layers, page.data)


def show_map(view: carte.CarteData, key: str) -> str | None:
    """Draw the view; the code of the base territory the user clicked, consumed once read."""
    m = carte.carte_map(view, vendor_url=config.VENDOR_URL)
    ui.folium_map(m, key=key, height=MAP_HEIGHT, returned=["last_active_drawing"])
    return carte.clicked_territory(st.session_state.pop(key, None), view.base)


def legend(view: carte.CarteData) -> None:
    """The legend drawn by Streamlit: one swatch per layer, then the notes."""
    item = ('<span style="white-space:nowrap;margin-right:1.2em"><span style="display:'
            'inline-block;width:0.85em;height:0.85em;margin-right:0.35em;vertical-align:'
            '-0.1em;box-sizing:border-box;{style}"></span>{label}</span> ')
    items = "".join(item.format(style=_SWATCH[e.shape].format(c=e.colour),
                                label=html.escape(e.label))
                    for e in carte_legend.legend_entries(view))
    st.markdown(f"**{html.escape(view.title)}** — {items}", unsafe_allow_html=True)
    for note in carte_legend.legend_notes(view):
        st.caption(note)
