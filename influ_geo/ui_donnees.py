"""Widgets of the Données page: import, rows not placed, provenance, online fetch.

Tables and checks are in ``data_admin`` (pure). Every write (an import, a row placed by
hand, a download) is drawn only for a signed-in editor; reading is open.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from influ_geo import commune_search, data_admin, fetch, importers, store, ui, ui_import
from influ_geo.download import FetchRejected, FetchUnavailable
from influ_geo.fetch_cli import format_size, import_jobs
from influ_geo.formatting import format_int
from influ_geo.import_formats import LoadOptions

FLASH = "donnees_message"
DOWNLOADED = "donnees_telechargements"
FETCH_KEY = "donnees_officiel"
ROWS_SHOWN = 500


def flash(message: str) -> None:
    ui.flash(FLASH, message)


def show_flash() -> None:
    ui.show_flash(FLASH)


# ---------------------------------------------------------------- import

def import_section() -> None:
    """Choose the kind, upload, read the report, confirm."""
    kind = ui.choice("Type de données", data_admin.KIND_LABELS, "donnees_type")
    key = f"donnees_import_{kind}"
    ui_import.upload_and_preview(kind, key)
    ui_import.pending_import(key)


# ---------------------------------------------------------------- rows not placed

def _unplaced_frame(kind: str) -> pd.DataFrame:
    """The rows of ``kind`` the geocoding could not place, read from the store."""
    engine = ui_import.engine()
    if kind == "membres":
        return store.read_table(engine, kind, code_insee=None)
    return store.read_table(engine, kind, geo_precision="failed")


def unplaced_section(editor: str | None) -> None:
    """The rows that failed to geocode; an editor places one by picking its commune."""
    kind = ui.choice("Données", {k: data_admin.KIND_LABELS[k] for k in data_admin.PLACEABLE},
                     "donnees_non_places")
    rows = data_admin.unplaced_rows(_unplaced_frame(kind), kind)
    if rows.empty:
        st.success(f"{data_admin.KIND_LABELS[kind]} : toutes les lignes sont placées.")
        return
    st.markdown(f"**{format_int(len(rows))} ligne(s) non placée(s)**")
    shown = rows[["id", "libelle", "motif"]].head(ROWS_SHOWN)
    st.dataframe(shown.rename(columns={"id": "N°", "libelle": "Ligne", "motif": "Motif"}),
                 hide_index=True)
    if editor:
        _place_one(kind, rows.head(ROWS_SHOWN))


def _place_one(kind: str, rows: pd.DataFrame) -> None:
    labels = dict(zip(rows["id"], rows["libelle"], strict=True))
    row_id = st.selectbox("Ligne à placer", list(labels), index=None,
                          format_func=lambda i: f"n° {i} — {labels[i]}",
                          placeholder="Choisir une ligne", key=f"donnees_ligne_{kind}")
    if row_id is None:
        return
    written = rows.loc[rows["id"] == row_id, "recherche"].iloc[0]
    query = st.text_input("Commune (nom, code postal ou code INSEE)", value=written,
                          key=f"donnees_recherche_{kind}_{row_id}")
    found = commune_search.search(query) if query.strip() else pd.DataFrame()
    if found.empty:
        st.caption("Aucune commune ne correspond : modifiez la recherche.")
        return
    names = dict(zip(found["code_insee"], found["libelle"], strict=True))
    code = st.selectbox("Commune choisie", list(names), format_func=names.__getitem__,
                        key=f"donnees_commune_{kind}_{row_id}")
    if st.button("Placer la ligne dans cette commune", type="primary",
                 key=f"donnees_placer_{kind}_{row_id}"):
        _place(kind, int(row_id), code, names[code])


def _place(kind: str, row_id: int, code: str, name: str) -> None:
    communes = ui.load_communes()
    commune = communes.loc[communes["code_insee"] == code].iloc[0]
    territoires = store.read_table(ui_import.engine(), "territoires_industrie",
                                   columns=["code_insee", "id_ti"])
    try:
        store.update_location(ui_import.engine(), kind, row_id,
                              data_admin.commune_location(kind, commune, territoires))
    except store.StoreError as error:
        st.error(f"Placement refusé : {error}.")
        return
    ui.refresh_data()
    flash(f"Ligne n° {row_id} placée à {name}.")
    st.rerun()


# ---------------------------------------------------------------- provenance

def provenance_section() -> None:
    """Every import in the store: source, licence, file, checksum, date, rows."""
    log = store.list_imports(ui_import.engine())
    if log.empty:
        st.info("Aucun import enregistré dans la base.")
        return
    st.dataframe(data_admin.provenance_table(log), hide_index=True,
                 column_config={"Date": st.column_config.DatetimeColumn(
                     format="DD/MM/YYYY HH:mm")})


# ---------------------------------------------------------------- online fetch

def _fetch_options(source: str) -> dict[str, object]:
    """The options of one source (year, agenda, format, geolocation)."""
    if source == "irep":
        return {"annee": int(st.number_input("Année du registre", min_value=fetch.FIRST_IREP_YEAR,
                                             max_value=2100, value=2023, step=1,
                                             key="donnees_annee"))}
    if source == "openagenda":
        return {"uid": st.text_input("Identifiant de l'agenda (uid)", key="donnees_uid").strip()
                or None}
    if source == "icpe":
        chosen = st.radio("Format", ["shapezip", "csv"], horizontal=True, key="donnees_icpe",
                          format_func={"shapezip": "Shapefile zippé", "csv": "CSV"}.__getitem__)
        return {"icpe_format": chosen}
    if source == "sirene":
        return {"geolocalisation": st.checkbox("Avec le fichier de géolocalisation (1,2 Go)",
                                               value=True, key="donnees_geoloc")}
    return {}


def fetch_section() -> None:
    """Download an official file (network needed), then import it like an upload."""
    source = st.selectbox("Fichier officiel", list(data_admin.FETCH_LABELS),
                          format_func=data_admin.FETCH_LABELS.__getitem__, key="donnees_source")
    options = _fetch_options(source)
    if st.button("Télécharger", icon=":material/cloud_download:", key="donnees_telecharger"):
        _download(source, options)
    for job in st.session_state.get(DOWNLOADED, []):
        if st.button(f"Préparer l'import de {job.path.name}", key=f"donnees_preparer_{job.sha256}"):
            ui_import.prepare(FETCH_KEY, ("fetch", job.sha256), lambda progress, job=job:
                              importers.preview(job.path, job.kind, fmt=job.fmt,
                                                engine=ui_import.engine(), progress=progress,
                                                options=LoadOptions(job.geolocalisation)))
    ui_import.pending_import(FETCH_KEY)


def _download(source: str, options: dict[str, object]) -> None:
    """Every file of ``source`` with a progress bar; a missing network is said plainly."""
    try:
        remotes = fetch.remote_files(source, **options)
        downloaded = [_download_one(remote) for remote in remotes]
    except FetchUnavailable as error:
        st.error(f"Pas de réseau, ou le service ne répond pas : rien n'a été téléchargé. "
                 f"{error} Déposez le fichier vous-même avec « Importer un fichier » si vous "
                 "l'avez.", icon=":material/wifi_off:")
        return
    except (FetchRejected, fetch.FetchOptionError) as error:
        st.error(f"Téléchargement refusé : {error}")
        return
    except OSError as error:
        st.error(f"Écriture impossible du fichier téléchargé : {error.strerror or error}")
        return
    st.session_state[DOWNLOADED] = import_jobs(remotes, downloaded)
    for item in downloaded:
        state = "déjà à jour" if item.up_to_date else "téléchargé"
        st.success(f"{item.path.name} {state} ({format_size(item.size)}).")


def _download_one(remote: fetch.RemoteFile):
    bar = st.progress(0.0, text=f"{remote.file_name} : connexion…")

    def progress(done: int, total: int | None) -> None:
        size = f"{format_size(done)} / {format_size(total)}" if total else format_size(done)
        bar.progress(data_admin.fetch_share(done, total), text=f"{remote.file_name} : {size}")

    try:
        return fetch.fetch_file(remote, progress=progress)
    finally:
        bar.empty()
