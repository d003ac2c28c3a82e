"""Widgets of the Mobilisations page: the table, its exports, the action form, delete + undo.

The checks are in ``action_form`` and the table in ``actions_view`` (pure); this module
draws them and writes through ``store`` once an editor is signed in. After a write the
page reruns: an insert or a delete changes the store version (the data reload by
themselves), an edit calls ``ui.refresh_data()``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from influ_geo import action_form, actions_view, config, data_admin, schema, store, ui, ui_import
from influ_geo.escaping import markdown_text
from influ_geo.formatting import format_int
from influ_geo.import_locate import EVENT_COLUMNS

FLASH = "mobilisations_message"
DELETED = "mobilisations_supprimees"  # undo stack: the rows of each delete, in order
TO_DELETE = "mobilisations_a_supprimer"
ROUND = "mobilisations_tour"  # raised after a write: the form and the chooser start afresh
TERRITORY_HELP = ("Commune (nom ou code INSEE, « Oyonnax (01) » pour lever une homonymie), "
                  "département (« 2A », « Ain »), région (« Bretagne ») ou « France ». "
                  "Laissé vide, l'action prend le territoire de l'événement qu'elle relaie.")


def flash(message: str) -> None:
    ui.flash(FLASH, message)


def show_flash() -> None:
    ui.show_flash(FLASH)


def search_box() -> str:
    return st.text_input("Rechercher", key="mobilisations_recherche",
                         placeholder="Mots du titre, du membre ou de la campagne")


def actions_table(shown: pd.DataFrame) -> None:
    """The actions (the most recent ``config.MOBILISATIONS_TABLE_ROWS``), French headers,
    links clickable."""
    head = shown.head(config.MOBILISATIONS_TABLE_ROWS)
    if len(head) < len(shown):
        st.caption(f"Les {format_int(len(head))} plus récentes sont affichées : affinez la "
                   "recherche ou les filtres, ou exportez-les toutes.")
    st.dataframe(
        actions_view.display_table(head), hide_index=True,
        column_config={"Lien": st.column_config.LinkColumn(display_text="ouvrir"),
                       "Date": st.column_config.DateColumn(format="DD/MM/YYYY"),
                       "N°": st.column_config.NumberColumn(format="%d")})


def export_buttons(shown: pd.DataFrame) -> None:
    """CSV and XLSX of the shown actions, canonical columns, formula-safe; written only
    when a button is clicked."""
    frame = actions_view.export_frame(shown)
    left, right = st.columns(2)
    left.download_button(
        "Exporter en CSV", lambda: data_admin.frame_bytes(frame, ".csv", "actions"),
        file_name="mobilisations.csv", mime="text/csv", key="export_csv",
        icon=":material/download:")
    right.download_button(
        "Exporter en XLSX", lambda: data_admin.frame_bytes(frame, ".xlsx", "actions"),
        file_name="mobilisations.xlsx", key="export_xlsx", icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# ---------------------------------------------------------------- the form

def _round() -> int:
    return int(st.session_state.get(ROUND, 0))


def _next_round() -> None:
    st.session_state[ROUND] = _round() + 1


def _enum_select(label: str, field: str, default: object, prefix: str, required: bool) -> Any:
    options = list(schema.ENUMERATIONS["actions"][field])
    labels = schema.ENUMERATIONS["actions"][field]
    index = options.index(default) if default in options else None
    return st.selectbox(label + (" *" if required else ""), options, index=index,
                        format_func=labels.__getitem__, key=f"{prefix}_{field}",
                        placeholder="Choisir…")


def _form(prefix: str, defaults: dict[str, object], submit: str) -> dict[str, object] | None:
    """The action form; the typed values when submitted, else None."""
    with st.form(prefix):
        left, right = st.columns(2)
        values: dict[str, object] = {
            "date": left.date_input("Date *", value=defaults.get("date") or date.today(),
                                    min_value=date(action_form.FIRST_YEAR, 1, 1),
                                    max_value=date(action_form.LAST_YEAR, 12, 31),
                                    format="DD/MM/YYYY", key=f"{prefix}_date"),
            "membre": right.text_input("Membre *", value=defaults.get("membre") or "",
                                       key=f"{prefix}_membre"),
        }
        with left:
            values["canal"] = _enum_select("Canal", "canal", defaults.get("canal"), prefix, True)
            values["public_cible"] = _enum_select("Public visé", "public_cible",
                                                  defaults.get("public_cible"), prefix, False)
        with right:
            values["theme"] = _enum_select("Thème", "theme", defaults.get("theme"), prefix, True)
            values["statut"] = _enum_select("Statut", "statut", defaults.get("statut"), prefix,
                                            False)
        values["territoire"] = st.text_input("Territoire", value=defaults.get("territoire") or "",
                                             help=TERRITORY_HELP, key=f"{prefix}_territoire")
        for name in ("titre", "url", "campagne"):
            values[name] = st.text_input(action_form.LABELS[name],
                                         value=defaults.get(name) or "", key=f"{prefix}_{name}")
        for column, name in zip(st.columns(4), action_form.COUNTS, strict=True):
            values[name] = column.number_input(action_form.LABELS[name], min_value=0, step=1,
                                               value=defaults.get(name), key=f"{prefix}_{name}")
        values["evenement_id"] = defaults.get("evenement_id")
        submitted = st.form_submit_button(submit, type="primary")
    return values if submitted else None


def _checked(values: dict[str, object]) -> action_form.Checked:
    """The form checked, with the store's relayed event and Territoires d'industrie."""
    engine = ui_import.engine()
    events = None
    if values.get("evenement_id") is not None:
        events = store.read_table(engine, "events", columns=list(EVENT_COLUMNS),
                                  id=int(values["evenement_id"]))
    territoires = store.read_table(engine, "territoires_industrie",
                                   columns=["code_insee", "id_ti"])
    return action_form.validate(values, events=events, territoires=territoires)


def _show_errors(checked: action_form.Checked) -> None:
    st.error("L'action n'a pas été enregistrée : corrigez les champs signalés.")
    for name in action_form.LABELS:
        if name in checked.errors:
            st.error(checked.errors[name], icon=":material/error:")


def add_form() -> None:
    """A new action; written when every field is right."""
    values = _form(f"mobilisation_nouvelle_{_round()}", action_form.form_defaults(None, {}),
                   "Ajouter la mobilisation")
    if values is None:
        return
    checked = _checked(values)
    if not checked.ok:
        _show_errors(checked)
        return
    try:
        new_id = store.insert_action(ui_import.engine(), checked.record)
    except store.StoreError as error:
        st.error(f"Enregistrement refusé : {error}.")
        return
    _next_round()
    flash(f"Mobilisation n° {new_id} ajoutée ({checked.place}).")
    st.rerun()


def _region_names() -> dict[str, str]:
    regions = ui.load_layer("regions")
    return dict(zip(regions["code_region"], regions["nom"], strict=True))


def edit_section(shown: pd.DataFrame) -> None:
    """Pick one of the shown actions: edit it, or delete it (with confirmation)."""
    options = actions_view.choices(shown)
    if not options:
        st.info("Aucune mobilisation enregistrée parmi celles affichées.")
        return
    if len(shown) > len(options):
        st.caption(f"Les {len(options)} plus récentes sont proposées : affinez la recherche "
                   "pour en trouver une autre.")
    chosen = st.selectbox("Mobilisation à modifier ou supprimer", list(options), index=None,
                          format_func=options.__getitem__, placeholder="Choisir une mobilisation",
                          key=f"mobilisations_choix_{_round()}")
    if chosen is None:
        return
    row = shown.loc[shown["id"] == chosen].iloc[0].to_dict()
    defaults = action_form.form_defaults(row, _region_names())
    values = _form(f"mobilisation_{chosen}_{_round()}", defaults, "Enregistrer les modifications")
    if values is not None:
        _save(chosen, values)
    delete_box(chosen, options[chosen])


def _save(action_id: int, values: dict[str, object]) -> None:
    checked = _checked(values)
    if not checked.ok:
        _show_errors(checked)
        return
    try:
        store.update_action(ui_import.engine(), action_id, action_form.changes(checked.record))
    except store.StoreError as error:
        st.error(f"Modification refusée : {error}.")
        return
    ui.refresh_data()
    flash(f"Mobilisation n° {action_id} modifiée ({checked.place}).")
    st.rerun()


# ---------------------------------------------------------------- delete and undo

def delete_box(action_id: int, label: str) -> None:
    """A delete button, then a confirmation; the deleted rows go on the undo stack."""
    if st.session_state.get(TO_DELETE) != action_id:
        if st.button("Supprimer cette mobilisation", icon=":material/delete:",
                     key="mobilisations_supprimer"):
            st.session_state[TO_DELETE] = action_id
            st.rerun()
        return
    st.warning(f"Supprimer la mobilisation {markdown_text(label)} ? Vous pourrez annuler la "
               "suppression tant que cette session est ouverte.")
    yes, no = st.columns(2)
    if yes.button("Oui, supprimer", type="primary", key="mobilisations_confirmer_suppression"):
        deleted = store.delete_actions(ui_import.engine(), [action_id])
        st.session_state.setdefault(DELETED, []).append(deleted)
        st.session_state.pop(TO_DELETE, None)
        _next_round()
        flash(f"Mobilisation n° {action_id} supprimée.")
        st.rerun()
    if no.button("Non, la garder", key="mobilisations_garder"):
        st.session_state.pop(TO_DELETE, None)
        st.rerun()


def undo_box() -> None:
    """The last delete of this session, and the button that puts its rows back."""
    stack: list[pd.DataFrame] = st.session_state.get(DELETED, [])
    if not stack:
        return
    ids = ", ".join(f"n° {i}" for i in stack[-1]["id"])
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(f"Dernière suppression : mobilisation {ids}.")
    if right.button("Annuler la suppression", icon=":material/undo:",
                    key="mobilisations_annuler"):
        try:
            store.restore_actions(ui_import.engine(), stack[-1])
        except store.StoreError as error:
            st.error(f"Rétablissement impossible : {error}.")
            return
        stack.pop()
        flash(f"Mobilisation {ids} rétablie.")
        st.rerun()


SECTIONS = {"ajouter": "Ajouter", "modifier": "Modifier ou supprimer",
            "importer": "Importer un fichier"}


def import_section() -> None:
    """A file of actions: the report first, then the write on confirmation."""
    ui_import.upload_and_preview("actions", "mobilisations_import")
    ui_import.pending_import("mobilisations_import")
