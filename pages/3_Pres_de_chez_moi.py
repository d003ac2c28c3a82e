"""Près de chez moi: the industrial events a member can relay around a place."""

import streamlit as st

from influ_geo import ui, ui_nearby

page = ui.page_setup("Près de chez moi")
st.title("Près de chez moi")
st.caption(ui_nearby.INTRO)

search = ui_nearby.search_inputs(page.today)
found = ui_nearby.results(page, search)
ui_nearby.summary(found)

left, right = st.columns([3, 2]) if found is not None else (st.container(), None)
with left:
    ui_nearby.area_map(search, found)
    ui_nearby.nearest_sites(found)
if right is not None:
    with right:
        ui_nearby.sites_context(found)

chosen = ui_nearby.events_table(found)
ui_nearby.calendar_download(found, chosen)
ui_nearby.relay_form(page, found)
