"""Importing a file from the app: upload, checks, the report BEFORE writing, then confirm.

Shared by the Mobilisations page (actions) and the Données page (every kind). Nothing
reaches the store before the editor confirms: the upload is checked
(``data_admin.upload_problem``), read, placed and reported by
``importers.preview_bytes``; the prepared import waits in ``st.session_state`` until
"Écrire dans la base" runs ``importers.write_prepared``.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from influ_geo import config, data_admin, importers, store
from influ_geo.escaping import markdown_text
from influ_geo.formatting import format_int
from influ_geo.importers import PreparedImport

PREVIEW_ROWS = 20
REJECTS_SHOWN = 200


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return store.get_engine(url)


def engine() -> Engine:
    """The store the app writes to (``config.DATABASE_URL``, read at call time)."""
    return _engine(config.DATABASE_URL)


def upload_limit_mb() -> int:
    """The upload limit: ``config.UPLOAD_MAX_MB``, never above Streamlit's own
    ``server.maxUploadSize`` (the server refuses larger bodies whatever the widget says)."""
    return int(min(config.UPLOAD_MAX_MB, st.get_option("server.maxUploadSize")))


def progress_bar(first_stage: str) -> tuple[st.delta_generator.DeltaGenerator, importers.Progress]:
    """A progress bar and the ``progress(stage, share)`` callback that moves it."""
    bar = st.progress(0.0, text=first_stage)

    def progress(stage: str, share: float) -> None:
        bar.progress(min(max(float(share), 0.0), 1.0), text=stage)

    return bar, progress


# ---------------------------------------------------------------- upload → preview

def upload_and_preview(kind: str, key: str) -> None:
    """The upload widget of ``kind``; a new file is checked and previewed (report shown),
    then waits for confirmation (:func:`pending_import`)."""
    limit = upload_limit_mb()
    upload = st.file_uploader(
        f"Fichier à importer ({data_admin.KIND_LABELS[kind].lower()})",
        # No per-widget limit: the browser would refuse a larger file in English; the
        # file reaches the check below, which refuses it in French.
        type=data_admin.accepted_suffixes(kind), key=f"{key}_fichier_{_round(key)}",
        help=f"Taille maximale : {limit} Mo. Le fichier est lu et contrôlé ; rien n'est écrit "
             "dans la base avant votre confirmation.")
    st.caption(f"Formats : {', '.join(data_admin.SUFFIXES[kind])} · taille maximale {limit} Mo.")
    if upload is None:
        _forget(key, "upload")
        return
    signature = ("upload", upload.file_id, kind)
    if st.session_state.get(f"{key}_signature") == signature:
        return
    problem = data_admin.upload_problem(upload.name, upload.size, kind, limit)
    if problem:
        st.error(markdown_text(problem))  # holds the file's name: shown as typed
        return
    prepare(key, signature, lambda progress: importers.preview_bytes(
        upload.getvalue(), upload.name, kind, engine=engine(), progress=progress))


def prepare(key: str, signature: tuple, preview) -> None:
    """Run ``preview(progress)`` under a progress bar; keep its result for confirmation,
    or show the French reason the file cannot be used (nothing is kept then)."""
    bar, progress = progress_bar("Lecture du fichier")
    try:
        prepared = preview(progress)
    except importers.UnusableFile as error:
        st.error(f"Fichier inutilisable, rien n'a été écrit : {markdown_text(error)}")
        return
    finally:
        bar.empty()
    st.session_state[f"{key}_signature"] = signature
    st.session_state[f"{key}_prepare"] = prepared


def _round(key: str) -> int:
    """A counter in the uploader's key: raised after a write, it empties the widget."""
    return int(st.session_state.get(f"{key}_tour", 0))


def _forget(key: str, origin: str) -> None:
    """Drop a waiting import that came from ``origin`` (its file was removed)."""
    signature = st.session_state.get(f"{key}_signature")
    if signature and signature[0] == origin:
        st.session_state.pop(f"{key}_signature", None)
        st.session_state.pop(f"{key}_prepare", None)


# ---------------------------------------------------------------- report → confirm

def pending_import(key: str) -> None:
    """The last write's result, or the waiting import's report with Confirm / Cancel."""
    done = st.session_state.pop(f"{key}_resultat", None)
    if done:
        shown = [*done[:3], *(line for line in done[3:] if line.startswith("Géocodage"))]
        st.success("\n\n".join(map(markdown_text, shown)), icon=":material/check_circle:")
    prepared: PreparedImport | None = st.session_state.get(f"{key}_prepare")
    if prepared is None:
        return
    show_report(prepared)
    if prepared.previous_import is not None:
        st.info(f"Ce fichier a déjà été importé (import n° {prepared.previous_import}) : "
                "le confirmer n'ajoutera rien.")
    left, right = st.columns(2)
    rows = format_int(len(prepared.frame))
    if left.button(f"Écrire dans la base ({rows} lignes)", type="primary",
                   key=f"{key}_confirmer"):
        _write(key, prepared)
    if right.button("Abandonner cet import", key=f"{key}_abandonner"):
        _clear(key)
        st.rerun()


def _write(key: str, prepared: PreparedImport) -> None:
    bar, progress = progress_bar("Écriture dans la base")
    try:
        report = importers.write_prepared(prepared, engine(), progress=progress)
    except importers.UnusableFile as error:
        bar.empty()
        st.error(f"Import refusé par la base, rien n'a été écrit : {markdown_text(error)}")
        return
    _clear(key)
    st.session_state[f"{key}_resultat"] = report.summary_lines()
    st.rerun()


def _clear(key: str) -> None:
    """Forget the waiting import and empty the upload widget."""
    st.session_state.pop(f"{key}_prepare", None)
    st.session_state.pop(f"{key}_signature", None)
    st.session_state[f"{key}_tour"] = _round(key) + 1


def show_report(prepared: PreparedImport) -> None:
    """The import report before writing: format, figures, precision, rejections, warnings
    and the first rows that will be written."""
    report = prepared.report
    st.markdown(f"**Rapport d'import de « {markdown_text(prepared.file_name)} »** — format "
                f"détecté : {report.format_label or prepared.format.label}")
    for column, (label, value) in zip(st.columns(5), data_admin.report_figures(report).items(),
                                      strict=True):
        column.metric(label, format_int(value))
    for line in report.summary_lines():
        if line.startswith("Note : "):
            st.caption(markdown_text(line))
    if report.precision:
        st.dataframe(data_admin.precision_table(report.precision), hide_index=True)
    _rejections(prepared)
    warnings = report.warning_lines()
    if warnings:
        with st.expander(f"Avertissements ({format_int(len(warnings))})"):
            # Warnings quote the cells of the file: shown as typed, never as Markdown.
            st.markdown("\n".join(f"- {markdown_text(line)}" for line in warnings))
    with st.expander(f"Aperçu des {PREVIEW_ROWS} premières lignes à écrire"):
        st.dataframe(data_admin.preview_frame(prepared.frame, PREVIEW_ROWS), hide_index=True)


def _rejections(prepared: PreparedImport) -> None:
    rejects = data_admin.rejects_frame(prepared.report)
    if rejects.empty:
        st.caption("Aucune ligne rejetée.")
        return
    st.markdown(f"**Lignes rejetées : {format_int(len(rejects))}** (non écrites)")
    st.dataframe(rejects[["ligne", "motif"]].head(REJECTS_SHOWN), hide_index=True)
    stem = prepared.file_name.rsplit(".", 1)[0]
    st.download_button("Télécharger les lignes rejetées (CSV)",
                       data_admin.frame_bytes(rejects, ".csv"), file_name=f"{stem}.rejets.csv",
                       mime="text/csv", key=f"rejets_{prepared.checksum[:12]}")
