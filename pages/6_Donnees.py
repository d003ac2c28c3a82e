"""Données: import files, fix the rows not placed, see where every row comes from."""

import streamlit as st

from influ_geo import ui, ui_auth
from influ_geo import ui_donnees as donnees

page = ui.page_setup("Données", filters=False)
st.title("Données")
st.markdown(
    "Les fichiers qui alimentent le tableau de bord : sites industriels, événements, "
    "mobilisations, membres et Territoires d'industrie. Chaque import est contrôlé et "
    "son rapport montré **avant** toute écriture ; la provenance de chaque ligne reste "
    "consultable."
)
editor = ui_auth.require_editor(
    "importer des fichiers, placer des lignes ou télécharger les fichiers officiels",
    where="sidebar")
donnees.show_flash()

st.header("Importer un fichier")
if editor:
    donnees.import_section()
else:
    st.caption("Réservé aux éditeurs connectés.")

st.header("Lignes non placées sur la carte")
donnees.unplaced_section(editor)

st.header("Provenance des données")
donnees.provenance_section()

st.header("Fichiers officiels en ligne")
if editor:
    donnees.fetch_section()
else:
    st.caption("Téléchargement réservé aux éditeurs connectés (réseau nécessaire).")
