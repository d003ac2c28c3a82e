"""Présentation: maps for slides — PNG 1920×1080 or 1080×1080, SVG, interactive HTML."""

import streamlit as st

from influ_geo import exports, overview, ui, ui_exports
from influ_geo.escaping import markdown_text

page = ui.page_setup("Présentation")
st.title("Présentation")
st.markdown(
    "Des cartes prêtes pour vos diapositives : le titre que vous écrivez, la légende, les "
    "sources, la licence et la date des données sont dessinés sur l'image. Choisissez la "
    "carte, relisez l'aperçu, téléchargez le format voulu."
)
st.caption(f"Filtres : {markdown_text(page.filters.describe())}")
if overview.matches_nothing(page.data, page.filters):
    st.info(
        "Aucune action ni aucun événement ne correspond aux filtres choisis : les cartes "
        "d'activité montreront des zéros. Élargissez la période ou retirez des filtres dans "
        "le panneau de gauche."
    )

spec = ui_exports.pick_spec()
view = ui_exports.view(page, spec)
title = ui_exports.title_input(spec, view.title)
texts = exports.slide_texts(title, view.subtitle, ui.data_date_text(page.app_data),
                            ui.DEMO_BADGE if page.demo else None)

st.image(ui_exports.preview_bytes(page, spec, texts), width="stretch",
         caption="Aperçu de l'image 1920×1080 (réduit ; chaque fichier est produit en "
                 "pleine résolution quand vous cliquez sur son bouton)")
ui_exports.downloads(page, spec, texts)
st.caption(
    "PNG 1920×1080 pour une diapositive 16:9, 1080×1080 pour un carré (réseaux sociaux) ; "
    "SVG pour retoucher l'image ; HTML : la carte interactive dans un seul fichier, qui "
    "s'ouvre sans connexion. Les départements et régions d'outre-mer sont dessinés en "
    "encarts, avec les mêmes classes de couleur que la métropole."
)
st.markdown(
    f"[Ouvrir cette page en mode présentation]({ui_exports.presentation_link()}) : sans "
    "panneau latéral ni menus, pour des captures d'écran propres."
)
st.caption(ui.SOURCES)
