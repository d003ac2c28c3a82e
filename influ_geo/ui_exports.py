"""Streamlit widgets of « Présentation »: which map, its title, preview and downloads.

Part of the ui layer (imports streamlit). The map to export is described by a hashable
:class:`ViewSpec`; the view (:mod:`influ_geo.choropleths`), the preview and each file
(:mod:`influ_geo.exports`) are cached per spec, texts, filters and store version. A run
draws only the preview (the slide at 1280×720, ``exports.preview_png``); every file —
the 1920×1080 PNG included — is rendered when its button is clicked (a callable as
``st.download_button`` data, run by Streamlit on the click, without a rerun), so that a
filter change no longer pays for a full-size PNG nobody downloads.

The choices reuse the session keys of the pages they mirror: level and indicator of Vue
d'ensemble (``niveau``, ``indicateur``), région and level of Région par région
(``region``, ``niveau_region``), level, colour and weights of Où agir — the export shows
what the user has just looked at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import streamlit as st

from influ_geo import choropleths, exports, levels, ou_agir, region_map, ui, ui_ou_agir, ui_region
from influ_geo.app_data import StoreVersion
from influ_geo.filters import Filters
from influ_geo.priorities import Weights
from influ_geo.static_maps import SlideTexts
from influ_geo.ui_data import Page

KIND_KEY = "presentation_carte"
TITLE_MAX_CHARS = 120


@dataclass(frozen=True)
class ViewSpec:
    """The map to export: ``ViewSpec("region", "departement", "actions", region="53")``."""

    kind: str
    level: str
    indicator: str
    region: str | None = None
    weights: Weights | None = None


@st.cache_resource(show_spinner=False, max_entries=16)
def _view(spec: ViewSpec, filters: Filters, version: StoreVersion, today: date,
          _page: Page) -> choropleths.ChoroplethView:
    page = _page
    if spec.kind == "ou_agir":
        return ui_ou_agir.gaps_view(page, spec.level, spec.weights or Weights(), spec.indicator)
    known = {"layer": ui_ou_agir.layer(page, spec.level, fine=spec.kind == "region"),
             "ranking": ui_ou_agir.ranking(page, spec.level, Weights())}
    if spec.kind == "region":
        return choropleths.region_view(page.data, spec.region or "", spec.indicator, filters,
                                       spec.level, **known)
    return choropleths.national_view(page.data, spec.level, spec.indicator, filters, **known)


def view(page: Page, spec: ViewSpec) -> choropleths.ChoroplethView:
    """The map of ``spec`` as data, for the page's filters (read-only, shared)."""
    return _view(spec, page.filters, page.app_data.version, page.today, page)


@st.cache_resource(show_spinner=False, max_entries=32)
def _export(spec: ViewSpec, texts: SlideTexts, fmt: str, filters: Filters,
            version: StoreVersion, today: date, _page: Page) -> bytes:
    return exports.render(view(_page, spec), texts, fmt)


def export_bytes(page: Page, spec: ViewSpec, texts: SlideTexts, fmt: str) -> bytes:
    """The file of the map in ``fmt`` (``png``, ``png-carre``, ``svg``, ``html``)."""
    return _export(spec, texts, fmt, page.filters, page.app_data.version, page.today, page)


@st.cache_resource(show_spinner=False, max_entries=32)
def _preview(spec: ViewSpec, texts: SlideTexts, filters: Filters, version: StoreVersion,
             today: date, _page: Page) -> bytes:
    return exports.preview_png(view(_page, spec), texts)


def preview_bytes(page: Page, spec: ViewSpec, texts: SlideTexts) -> bytes:
    """The PNG preview of the 1920×1080 slide (1280×720, same layout and texts)."""
    return _preview(spec, texts, page.filters, page.app_data.version, page.today, page)


# ---------------------------------------------------------------- widgets

def pick_spec() -> ViewSpec:
    """The choice of the map: national, one région, or the « Où agir » gaps."""
    kind = ui.choice("Carte à exporter", choropleths.KINDS, KIND_KEY)
    indicators = {key: levels.INDICATORS[key].label for key in choropleths.MAP_INDICATORS}
    if kind == "ou_agir":
        level = ui.choice("Niveau", ou_agir.LEVEL_OPTIONS, ui_ou_agir.LEVEL_KEY)
        colour = ui.choice("Couleur", ou_agir.MAP_OPTIONS, ui_ou_agir.MAP_INDICATOR_KEY)
        st.caption("Poids du score : ceux choisis dans la page Où agir "
                   f"({choropleths.weights_text(ui_ou_agir.stored_weights())}).")
        return ViewSpec(kind, level, colour, weights=ui_ou_agir.stored_weights())
    if kind == "region":
        code, _ = ui_region.pick_region()
        level = ui.choice("Niveau", region_map.LEVEL_LABELS, "niveau_region")
        indicator = ui.choice("Indicateur", indicators, "indicateur")
        return ViewSpec(kind, level, indicator, region=code)
    level = ui.choice("Niveau", {k: s.plural.capitalize() for k, s in levels.LEVELS.items()},
                      "niveau")
    return ViewSpec(kind, level, ui.choice("Indicateur", indicators, "indicateur"))


def title_input(spec: ViewSpec, default: str) -> str:
    """The title of the slide, editable; it starts from the map's own title and comes
    back to it when emptied. One text per map choice, kept while the user switches."""
    key = f"_widget_titre_{spec.kind}_{spec.level}_{spec.indicator}_{spec.region}"
    text = st.text_input("Titre", value=default, key=key, max_chars=TITLE_MAX_CHARS,
                         help="Écrit en haut de l'image et de la page HTML.")
    return text.strip() or default


def downloads(page: Page, spec: ViewSpec, texts: SlideTexts) -> None:
    """One button per format; each file is rendered when its button is clicked (deferred
    data), then kept in the cache for the next click."""
    columns = st.columns(len(exports.FORMATS))
    for column, fmt in zip(columns, exports.FORMATS.values(), strict=True):
        column.download_button(
            fmt.label, _deferred(page, spec, texts, fmt.key),
            file_name=exports.file_name(texts.title, fmt.key), mime=fmt.mime,
            icon=":material/download:", key=f"telecharger_{fmt.key}", on_click="ignore",
            width="stretch")


def _deferred(page: Page, spec: ViewSpec, texts: SlideTexts, fmt: str) -> Callable[[], bytes]:
    """The file of ``fmt`` for the choices of this run, rendered when called."""
    def render() -> bytes:
        return export_bytes(page, spec, texts, fmt)

    return render


def presentation_link() -> str:
    """``"?niveau=region&presentation=1"``: this view, without sidebar nor menus."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    params["presentation"] = ["1"]
    return "?" + urlencode(params, doseq=True)
