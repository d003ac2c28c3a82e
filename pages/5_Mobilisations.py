"""Mobilisations: the collective's actions; editors add, edit, delete and import them."""

import streamlit as st

from influ_geo import actions_view, ui, ui_auth
from influ_geo import ui_mobilisations as mob
from influ_geo.escaping import markdown_text

page = ui.page_setup("Mobilisations")
st.title("Mobilisations")
st.markdown(
    "Les actions des membres du collectif : publications, interventions, ateliers, relais "
    "d'événements. Tout le monde peut les consulter et les exporter ; les éditeurs les "
    "ajoutent, les corrigent, les suppriment ou les importent depuis un fichier."
)
editor = ui_auth.require_editor(
    "ajouter, modifier, supprimer ou importer des mobilisations", where="sidebar")
mob.show_flash()

search = mob.search_box()
shown = actions_view.visible_actions(page.data.actions, page.filters, search)
st.caption(f"{actions_view.count_text(len(shown), len(page.data.actions))} · "
           f"Filtres : {markdown_text(page.filters.describe())}")
if shown.empty:
    st.info(
        "Aucune mobilisation ne correspond à la recherche et aux filtres. Effacez la "
        "recherche, élargissez la période ou retirez des filtres dans le panneau de gauche."
    )
else:
    mob.actions_table(shown)
    mob.export_buttons(shown)

if editor:
    st.subheader("Saisie")
    mob.undo_box()
    section = ui.choice("Que faire ?", mob.SECTIONS, "mobilisations_section")
    if section == "ajouter":
        mob.add_form()
    elif section == "modifier":
        mob.edit_section(shown)
    else:
        mob.import_section()
