"""Où agir: the territories to act in first, why, and which events to relay there."""

import streamlit as st

from influ_geo import config, ou_agir, overview, ui, ui_ou_agir
from influ_geo.escaping import markdown_text

page = ui.page_setup("Où agir")
st.title("Où agir")
st.markdown(
    "Les territoires où l'industrie pèse lourd, où des événements arrivent sans relais et où "
    "le collectif est absent, classés par **score de priorité** ; pour chacun, la raison en "
    "une phrase et les événements à venir sur lesquels s'appuyer."
)
st.caption(f"Filtres : {markdown_text(page.filters.describe())}")

if overview.matches_nothing(page.data, page.filters):
    st.info(
        "Aucune action ni aucun événement ne correspond aux filtres choisis : il n'y a rien à "
        "classer. Élargissez la période ou retirez des filtres dans le panneau de gauche."
    )
    st.stop()

level = ui.choice("Niveau", ou_agir.LEVEL_OPTIONS, ui_ou_agir.LEVEL_KEY)
with st.expander("Poids du score", expanded=True, icon=":material/tune:"):
    weights = ui_ou_agir.weight_sliders()
    st.caption(ou_agir.FORMULA)
ranking = ui_ou_agir.ranking(page, level, weights)

st.subheader("Carte des manques")
indicator = ui.choice("Couleur", ou_agir.MAP_OPTIONS, ui_ou_agir.MAP_INDICATOR_KEY)
ui_ou_agir.gaps_map(ui_ou_agir.gaps_view(page, level, weights, indicator))
st.caption(
    f"Les {config.OU_AGIR_TOP} premiers du classement sont cerclés de noir et numérotés. "
    "Indice de couverture : 100 = le collectif agit autant que l'industrie pèse ; moins de "
    "100 = territoire sous-mobilisé (n.d. sans poids industriel). Survolez un territoire pour "
    "ses chiffres ; les DROM sont dessinés chacun dans sa carte."
)

st.subheader(f"Les {config.OU_AGIR_TOP} premiers : pourquoi, et quels événements relayer")
ui_ou_agir.top_details(page, level, ranking)

st.subheader("Classement complet")
ui_ou_agir.ranking_table(ranking)
ui_ou_agir.csv_button(ranking, level)
st.caption(ui.SOURCES)
