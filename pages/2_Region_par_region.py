"""Région par région: one région's départements and EPCI, figures, series, events."""

import streamlit as st

from influ_geo import levels, overview, region_map, region_view, ui, ui_region
from influ_geo.escaping import markdown_text

page = ui.page_setup("Région par région")
st.title("Région par région")
data, filters = page.data, page.filters

code, departement = ui_region.pick_region()
nom = region_view.region_options(ui_region.layers().regions)[code]
st.caption(f"Filtres : {markdown_text(filters.describe())}")

ui_region.key_figures(page, code)
if region_view.is_empty(data, filters, code):
    st.info(f"Aucune action ni aucun événement en {nom} ne correspond aux filtres choisis. "
            "Élargissez la période ou retirez des filtres dans le panneau de gauche ; "
            "la carte montre des zéros en attendant.")

st.subheader(f"Carte : {nom}")
level = ui.choice("Niveau", region_map.LEVEL_LABELS, "niveau_region")
indicator = ui.choice(
    "Indicateur", {key: levels.INDICATORS[key].label for key in overview.MAP_INDICATORS},
    "indicateur",
)
ui_region.region_map_view(page, code, level, indicator, departement)
notes = ["Le trait noir marque la limite de la région."]
if level == "epci":
    notes.append("Chaque intercommunalité ayant au moins une commune dans la région est "
                 "dessinée entière, avec ses chiffres sur tout son territoire.")
if departement:
    name = region_view.departement_name(departement, ui_region.layers().departements)
    notes.append(f"Contour rose : {name} ({departement}), le département choisi.")
st.caption(" ".join(notes) + " Les couleurs comparent les territoires de la région entre eux.")

st.subheader("Actions par mois et par thème")
ui_region.monthly_chart(region_view.monthly_by_theme(data, filters, code))

st.subheader("Thèmes × canaux")
ui_region.theme_channel_table(region_view.theme_channel_table(data, filters, code))

st.subheader("Événements de la région")
ui_region.events_table(page, code, nom)

st.subheader("Avant / après : deux périodes comparées")
avant, apres = ui_region.periods(filters, page.today)
ui_region.comparison_table(region_view.comparison(data, filters, code, avant, apres))
st.caption("La région puis chacun de ses départements ; écart = après − avant. Les autres "
           "filtres (thèmes, canaux, publics, membres) s'appliquent aux deux périodes.")
st.caption(ui.SOURCES)
