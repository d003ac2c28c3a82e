"""Carte: mobilisations, events, industrial sites and Territoires d'industrie on one map."""

import streamlit as st

from influ_geo import ui, ui_carte
from influ_geo.escaping import markdown_text

page = ui.page_setup("Carte")
st.title("Carte")
st.markdown(
    "Où le collectif s'est mobilisé, les événements industriels à venir et passés, les sites "
    "industriels et les Territoires d'industrie. Choisissez un territoire pour voir chaque "
    "point ; à l'échelle nationale, les points proches sont regroupés en bulles chiffrées."
)
st.caption(f"Filtres : {markdown_text(page.filters.describe())}")

scope = ui_carte.territory_picker()
layers = ui_carte.layer_picker()
view = ui_carte.carte_view(page, scope, layers)

if not layers:
    st.info("Aucune couche choisie : cochez au moins une couche ci-dessus.")
elif view.layers and not view.points:
    st.info(
        "Aucun point ne correspond aux filtres choisis dans ce territoire. Élargissez la "
        "période ou retirez des filtres dans le panneau de gauche, ou choisissez un autre "
        "territoire ; les contours restent cliquables."
    )

ui_carte.legend(view)
clicked = ui_carte.show_map(view, key="carte")
if clicked:
    ui.open_region(clicked, view.base.level)

st.caption(
    "Cliquez sur un point pour sa fiche (avec le lien vers sa source quand il existe), sur "
    "une bulle pour zoomer, sur un territoire pour l'ouvrir dans la vue Région par région. "
    "Le fond de carte sans tuiles montre les contours du référentiel ; un fond OpenStreetMap "
    "s'active en ligne avec le bouton des couches de la carte."
)
st.caption(ui.SOURCES)
