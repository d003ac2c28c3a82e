"""Vue d'ensemble: the landing page of the dashboard (``streamlit run app.py``)."""

import streamlit as st

from influ_geo import levels, ui

ui.page_setup("Vue d'ensemble")

st.title("Vue d'ensemble")
st.markdown(
    "**influ_geo** cartographie les mobilisations territoriales des **Influstriels**, "
    "un collectif qui rend l'industrie française attractive auprès du grand public, "
    "partout en France et pas seulement dans les grandes villes. Cette première vue "
    "présente le référentiel territorial officiel sur lequel reposent toutes les cartes : "
    "régions, départements et communes, avec leur population."
)

ui.key_figures()

level = ui.choice(
    "Niveau", {key: spec.plural.capitalize() for key, spec in levels.LEVELS.items()}, "niveau"
)
indicator = ui.choice(
    "Indicateur", {key: ind.label for key, ind in levels.INDICATORS.items()}, "indicateur"
)
ui.national_map(level, indicator, key="vue_ensemble")

st.caption(
    "Les départements et régions d'outre-mer (DROM) sont dessinés à leur vraie place, "
    "chacun dans sa propre carte sous la métropole. Survolez un territoire pour voir "
    "son nom, son code, son nombre de communes et sa population."
)
st.caption(ui.SOURCES)
