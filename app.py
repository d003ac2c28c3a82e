"""Vue d'ensemble: the landing page of the dashboard (``streamlit run app.py``)."""

import streamlit as st

from influ_geo import levels, overview, ui
from influ_geo.escaping import markdown_text

page = ui.page_setup("Vue d'ensemble")

st.title("Vue d'ensemble")
st.markdown(
    "Les mobilisations territoriales des **Influstriels**, le collectif qui rend l'industrie "
    "française attractive auprès du grand public, partout en France : où le collectif agit, "
    "où sont les manques, quels événements à venir restent sans relais."
)
# Member names in the filters are data: shown as typed, never as Markdown.
st.caption(f"Filtres : {markdown_text(page.filters.describe())}. "
           f"{ui.data_date_text(page.app_data)}")

ui.key_figures(page)
if overview.matches_nothing(page.data, page.filters):
    st.info(
        "Aucune action ni aucun événement ne correspond aux filtres choisis. "
        "Élargissez la période ou retirez des filtres dans le panneau de gauche ; "
        "la carte montre des zéros en attendant."
    )

level = ui.choice(
    "Niveau", {key: spec.plural.capitalize() for key, spec in levels.LEVELS.items()}, "niveau"
)
indicator = ui.choice(
    "Indicateur",
    {key: levels.INDICATORS[key].label for key in overview.MAP_INDICATORS},
    "indicateur",
)
view = ui.national_map(level, indicator, key="vue_ensemble", page=page, clickable=True)
if view.clicked:
    ui.open_region(view.clicked, level)

st.caption(
    "Cliquez sur un territoire pour l'ouvrir dans la vue Région par région. "
    "Les départements et régions d'outre-mer (DROM) sont dessinés à leur vraie place, "
    "chacun dans sa propre carte sous la métropole. L'indice de couverture compare la part "
    "des actions du collectif à la part du poids industriel (100 : autant d'actions que "
    "l'industrie pèse ; moins de 100 : territoire sous-mobilisé)."
)
st.caption(ui.SOURCES)
