"""Streamlit widgets of « Près de chez moi » (ui layer: it imports streamlit).

State kept across reruns (all keys start with ``pres_``):

- the commune box (``_widget_pres_commune``) and the radius (``_widget_pres_rayon``), mirrored
  in the URL as ``?commune=…&rayon=…`` so that a link reopens the same search;
- a point picked on the map: ``st_folium`` (key :data:`MAP_KEY`) copies its last click into
  ``st.session_state[MAP_KEY]``; a click not seen before becomes ``pres_point`` and wins over
  the commune until the commune box changes.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from influ_geo import (
    commune_search,
    config,
    maps_nearby,
    nearby,
    nearby_tables,
    schema,
    store,
    ui,
    ui_auth,
    ui_filters,
)
from influ_geo.escaping import markdown_text
from influ_geo.formatting import format_decimal, format_int
from influ_geo.nearby import Centre
from influ_geo.store_frames import StoreError

MAP_KEY = "pres_carte"
POINT_KEY = "pres_point"
SEEN_CLICK_KEY = "pres_clic_vu"
DONE_KEY = "pres_relais_enregistre"
COMMUNE_WIDGET = "_widget_pres_commune"
CHOICE_WIDGET = "_widget_pres_choix"
RADIUS_WIDGET = "_widget_pres_rayon"
PERIOD_WIDGET = "_widget_pres_periode"
MAP_HEIGHT = 520
NEAREST_SITES = 5
INTRO = ("Les événements industriels autour de chez vous, à relayer : salons, portes "
         "ouvertes, forums… Saisissez votre commune ou votre code postal, ou cliquez sur la carte.")
LEGEND = ("Marqueurs rouges : événements pas encore relayés ; verts : déjà relayés par le "
          "collectif. Carrés gris : sites industriels (regroupés et comptés quand ils sont "
          "proches). Cliquez sur la carte pour chercher autour d'un autre point.")


@dataclass(frozen=True)
class Search:
    """What the member asked: the centre (None until chosen), radius and window."""

    centre: Centre | None
    radius_km: float
    debut: date
    fin: date


@dataclass(frozen=True)
class Results:
    """The events (by date, then distance) and sites (nearest first) in the radius."""

    search: Search
    events: pd.DataFrame
    sites: pd.DataFrame


# ---------------------------------------------------------------- the search

def _forget_point() -> None:
    st.session_state.pop(POINT_KEY, None)


def _new_click() -> tuple[float, float] | None:
    """``(lon, lat)`` of a map click not seen before, else None."""
    returned = st.session_state.get(MAP_KEY) or {}
    click = returned.get("last_clicked") if isinstance(returned, dict) else None
    if not click or click == st.session_state.get(SEEN_CLICK_KEY):
        return None
    st.session_state[SEEN_CLICK_KEY] = click
    try:
        return float(click["lng"]), float(click["lat"])
    except (KeyError, TypeError, ValueError):
        return None


@st.cache_resource(show_spinner=False)
def _search_index_thread() -> threading.Thread:
    """The commune search's index (~0.7 s once per process) built in the background from
    the first opening of the page, while the member types: the first search is then as
    fast as the next ones."""
    thread = threading.Thread(target=commune_search.search_index, name="index-communes",
                              daemon=True)
    thread.start()
    return thread


def _commune_centre(text: str) -> Centre | None:
    """The commune typed (asking which one when several match), or None with a message."""
    _search_index_thread().join()  # built once: wait for it rather than build it twice
    found = nearby.search_communes(text)
    if found.empty:
        # ``text`` may come from a link (``?commune=…``): shown as typed, never as Markdown.
        st.error(f"Aucune commune ne correspond à « {markdown_text(text)} ». Vérifiez "
                 "l'orthographe, ou saisissez un code postal (5 chiffres) ou un code INSEE.",
                 icon=":material/search_off:")
        return None
    row = 0
    if len(found) > 1:
        labels = [_option(r) for r in found.to_dict("records")]
        row = st.selectbox(f"{len(found)} communes correspondent à « {markdown_text(text)} » : "
                           "laquelle ?",
                           range(len(found)), format_func=labels.__getitem__, key=CHOICE_WIDGET)
    return nearby.place_of(found.iloc[row])


def _option(commune: dict) -> str:
    """``"Saint-Paul (974 – La Réunion) — code postal 97411"`` (how it matched, if not by name)."""
    how = commune["correspondance"]
    return commune["libelle"] + ("" if how == "nom" else f" — {how}")


def search_inputs(today: date) -> Search:
    """The commune box, radius and window; a new map click moves the centre there."""
    _search_index_thread()  # started at the first opening, while the member types
    click = _new_click()
    if click is not None:
        st.session_state[POINT_KEY] = click
    top = st.columns([3, 2, 2])
    text = top[0].text_input("Commune ou code postal", value=st.query_params.get("commune", ""),
                             placeholder="ex. Saint-Étienne, 42000, 2A004", key=COMMUNE_WIDGET,
                             on_change=_forget_point)
    radius = top[1].slider("Rayon (km)", nearby.RADIUS_MIN_KM, nearby.RADIUS_MAX_KM,
                           value=_radius_param(), step=5, key=RADIUS_WIDGET)
    window = top[2].date_input("Période", value=(today, today + timedelta(days=config.NEARBY_DAYS)),
                               format="DD/MM/YYYY", key=PERIOD_WIDGET)
    debut, fin = (window[0], window[-1]) if window else (today, today)
    _remember(text.strip(), radius)
    centre = _point_centre(text) or (_commune_centre(text.strip()) if text.strip() else None)
    return Search(centre, float(radius), debut, fin)


def _remember(text: str, radius: int) -> None:
    """The commune typed and the radius in the URL (a copied link reopens the search)."""
    if text:
        st.query_params["commune"] = text
    else:
        st.query_params.pop("commune", None)
    st.query_params["rayon"] = str(radius)


def _radius_param() -> int:
    """The radius of the URL when it is a whole number of km in range, else the default."""
    raw = st.query_params.get("rayon", "")
    value = int(raw) if raw.isdigit() else config.NEARBY_RADIUS_DEFAULT_KM
    return min(max(value, nearby.RADIUS_MIN_KM), nearby.RADIUS_MAX_KM)


def _point_centre(text: str) -> Centre | None:
    """The point picked on the map, with a button to go back to the commune typed."""
    point = st.session_state.get(POINT_KEY)
    if point is None:
        return None
    centre = nearby.point_centre(*point)
    if text.strip() and st.button(f"Revenir à « {text.strip()} »", key="pres_revenir",
                                  on_click=_forget_point):
        return None
    return centre


def results(page: ui.Page, search: Search) -> Results | None:
    """The events and sites around the centre (None before a centre is chosen)."""
    if search.centre is None:
        return None
    events = nearby.events_near(page.data, search.centre, search.radius_km, search.debut,
                                search.fin, page.filters, ui_filters.event_type_label)
    sites = nearby.sites_near(page.data, search.centre, search.radius_km, page.filters)
    return Results(search, events, sites)


# ---------------------------------------------------------------- showing them

def summary(found: Results | None) -> None:
    """One line saying what was found, or how to start, or the empty state."""
    if found is None:
        st.info("Saisissez une commune ou un code postal, ou cliquez sur la carte pour "
                "choisir un point.", icon=":material/near_me:")
        return
    s = found.search
    where = (f"à moins de {format_decimal(s.radius_km, 0)} km {s.centre.from_text}, "
             f"du {s.debut:%d/%m/%Y} au {s.fin:%d/%m/%Y}")
    n = len(found.events)
    if n == 0:
        st.info(f"Aucun événement {where}. Élargissez le rayon ou la période"
                " (ou les types d'événement du filtre).", icon=":material/event_busy:")
        return
    unrelayed = int((~found.events["relaye"]).sum())
    st.markdown(f"**{format_int(n)} événement{'s' if n > 1 else ''}** {where} : "
                f"{nearby_tables.unrelayed_phrase(n, unrelayed)}.")


def area_map(search: Search, found: Results | None) -> None:
    """The map: circle, events and sites (France before a place is chosen); legend below."""
    empty = pd.DataFrame()
    events = found.events if found is not None else empty
    sites = found.sites if found is not None else empty
    m = maps_nearby.nearby_map(search.centre, search.radius_km, events, sites,
                               vendor_url=config.VENDOR_URL)
    ui.folium_map(m, key=MAP_KEY, height=MAP_HEIGHT, returned=["last_clicked"])
    note = maps_nearby.drawn_note(len(events), len(sites))
    st.caption(LEGEND + (f" {note}" if note else ""))


def sites_context(found: Results | None) -> None:
    """The industrial sites in the radius: their count, by sector and by size."""
    if found is None:
        return
    sites = found.sites
    st.metric("Sites industriels dans le rayon", format_int(len(sites)), border=True)
    if sites.empty:
        st.caption("Aucun site industriel connu dans ce rayon.")
        return
    st.markdown("**Par secteur**")
    st.dataframe(nearby.sites_by(sites, "naf_division").head(8), hide_index=True,
                 column_config={"libelle": "Secteur", "sites": "Sites"})
    st.markdown("**Par taille**")
    st.dataframe(nearby.sites_by(sites, "classe_taille"), hide_index=True,
                 column_config={"libelle": "Effectif", "sites": "Sites"})


def nearest_sites(found: Results | None) -> None:
    """The few sites nearest to the centre."""
    if found is None or found.sites.empty:
        return
    st.markdown("**Les sites industriels les plus proches**")
    st.dataframe(nearby_tables.nearest_sites_table(found.sites, NEAREST_SITES), hide_index=True,
                 column_config={"Distance (km)": st.column_config.NumberColumn(format="%.1f")})


def events_table(found: Results | None) -> pd.DataFrame:
    """The events, each with a box to tick for the calendar (all ticked); the ticked rows."""
    if found is None or found.events.empty:
        return pd.DataFrame()
    st.subheader("Événements")
    table = nearby_tables.events_table(found.events)
    ids = ",".join(map(str, found.events["id"].tolist()))
    key = "pres_selection_" + hashlib.sha1(ids.encode()).hexdigest()[:12]
    edited = st.data_editor(
        table, key=key, hide_index=True, disabled=[c for c in table.columns if c != "Exporter"],
        column_config={"Exporter": st.column_config.CheckboxColumn("Exporter", default=True),
                       "Distance (km)": st.column_config.NumberColumn(format="%.1f"),
                       "Lien": st.column_config.LinkColumn("Lien", display_text="Ouvrir")})
    return found.events[edited["Exporter"].fillna(False).to_numpy(dtype=bool)]


def calendar_download(found: Results | None, chosen: pd.DataFrame) -> None:
    """The ``.ics`` download of the ticked events."""
    if found is None or found.events.empty:
        return
    n = len(chosen)
    search = found.search
    data = nearby_tables.calendar_file(chosen, search.centre, radius_km=search.radius_km,
                                       stamp=datetime.now(UTC))
    st.download_button(f"Télécharger le calendrier (.ics) — {n} événement{'s' if n > 1 else ''}",
                       data, file_name=nearby_tables.calendar_file_name(search.centre),
                       mime="text/calendar", icon=":material/calendar_month:", disabled=n == 0,
                       on_click="ignore", key="pres_ics")
    if n == 0:
        st.caption("Cochez au moins un événement pour l'exporter.")


# ---------------------------------------------------------------- "Je relaie"

@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return store.get_engine(url)


def relay_form(page: ui.Page, found: Results | None) -> None:
    """« Je relaie » : an editor records a planned action (member, channel, theme) on one of
    the events found; reading stays open, writing needs the editor sign-in."""
    if found is None or found.events.empty:
        return
    st.subheader("Je relaie")
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    if not ui_auth.require_editor("enregistrer un relais"):
        return
    events = found.events.reset_index(drop=True)
    membres = sorted(page.data.membres["pseudonyme"].dropna().astype(str), key=str.casefold)
    with st.form("pres_relais"):
        row = st.selectbox("Événement", range(len(events)),
                           format_func=lambda i: nearby_tables.event_choice(events.iloc[i]))
        membre = st.selectbox("Membre", membres, index=None, accept_new_options=True,
                              placeholder="Pseudonyme du membre")
        cols = st.columns(3)
        canal = cols[0].selectbox("Canal", list(schema.CANAUX), format_func=schema.CANAUX.get)
        theme = cols[1].selectbox("Thème", list(schema.THEMES), format_func=schema.THEMES.get)
        public = cols[2].selectbox("Public visé", [None, *schema.PUBLICS], format_func=lambda p:
                                   "Non précisé" if p is None else schema.PUBLICS[p])
        submitted = st.form_submit_button("Je relaie", type="primary", icon=":material/campaign:")
    if submitted:
        _record(events.iloc[row], membre, canal, theme, public, page.today)


def _record(event: pd.Series, membre: str | None, canal: str, theme: str,
            public: str | None, today: date) -> None:
    """Write the planned action; a refused write shows its French reason."""
    try:
        record = nearby.relay_record(event.to_dict(), membre or "", canal, theme, public, today)
        action_id = store.insert_action(_engine(config.DATABASE_URL), record)
    except (nearby.NearbyError, StoreError) as error:
        st.error(f"Relais non enregistré : {error}.")
        return
    except SQLAlchemyError as error:
        st.error(f"Relais non enregistré : base de données indisponible "
                 f"({type(error).__name__}).")
        return
    st.session_state[DONE_KEY] = (f"Relais prévu enregistré (action n° {action_id}) : "
                                  f"{record['membre']} relaie « {event['titre']} ».")
    st.rerun()
