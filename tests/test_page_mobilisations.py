"""The Mobilisations page under AppTest, on a store of its own (the demo is written into it).

Editors are configured through an environment variable, as a deployment would; every
expected count is computed here from the same store with the library.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from influ_geo import (
    actions_view,
    app_data,
    auth,
    config,
    data_admin,
    importers,
    store,
    ui_auth,
    ui_filters,
)
from influ_geo.demo_cli import today_paris

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/5_Mobilisations.py"
ACTIONS_CSV = PROJECT / "tests" / "data" / "actions" / "actions.csv"
PASSWORD = "mot de passe d'essai"
NEW = "mobilisation_nouvelle_0"
SUBMIT_NEW = f"FormSubmitter:{NEW}-Ajouter la mobilisation"
SIGN_IN = "FormSubmitter:connexion-Se connecter"


@pytest.fixture(scope="module", autouse=True)
def page_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite store and one editor, ``alice``, for the module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'influ_geo.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "DATABASE_URL", url)
        patch.setattr(config, "AUTH_DELAY_SECONDS", 0.0)
        patch.setenv("INFLU_GEO_EDITOR_ALICE", auth.hash_password(PASSWORD, iterations=1000))
        yield url


def open_page(editor: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).switch_page(PAGE)
    if editor:
        at.session_state[ui_auth.EDITOR_KEY] = editor
    return at.run()


def engine(url: str):
    return store.get_engine(url)


def actions(url: str) -> pd.DataFrame:
    return store.read_table(engine(url), "actions")


def count_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if " sur " in c.value)


def expected_count(url: str, search: str = "") -> str:
    data = app_data.load_app_data(engine(url), today_paris()).dataset
    shown = actions_view.visible_actions(data.actions, ui_filters.default_filters(today_paris()),
                                         search)
    return actions_view.count_text(len(shown), len(data.actions))


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="connexion_identifiant").input(login)
    at.text_input(key="connexion_mot_de_passe").input(password)
    return at.button(key=SIGN_IN).click().run()


def fill(at: AppTest, prefix: str, **values: object) -> None:
    for name, value in values.items():
        widget = at.get("text_input") + at.get("selectbox") + at.get("date_input")
        found = [w for w in widget if w.key == f"{prefix}_{name}"]
        assert found, f"{prefix}_{name} absent"
        found[0].set_value(value)


# ---------------------------------------------------------------- reading


def test_readers_see_the_table_read_only(page_store: str) -> None:
    at = open_page()
    assert not at.exception
    assert [t.value for t in at.title] == ["Mobilisations"]
    assert any(i.value == ui_auth.READ_ONLY.format(
        where=ui_auth.WHERE["sidebar"],
        action="ajouter, modifier, supprimer ou importer des mobilisations") for i in at.info)
    assert count_caption(at).startswith(expected_count(page_store))
    table = at.dataframe[0].value
    assert list(table.columns) == list(actions_view.DISPLAY_COLUMNS.values())
    assert len(table) == int(count_caption(at).split(" mobilisation")[0].replace("\u202f", ""))
    assert [b.label for b in at.get("download_button")] == ["Exporter en CSV", "Exporter en XLSX"]
    assert not [s for s in at.subheader if s.value == "Saisie"]
    assert at.sidebar.text_input(key="connexion_identifiant") is not None


def test_a_long_table_shows_the_most_recent_rows_and_says_so(monkeypatch) -> None:
    monkeypatch.setattr(config, "MOBILISATIONS_TABLE_ROWS", 10)
    at = open_page()
    table = at.dataframe[0].value
    assert len(table) == 10 and table["Date"].is_monotonic_decreasing
    assert any(c.value.startswith("Les 10 plus récentes sont affichées") for c in at.caption)
    assert int(count_caption(at).split(" mobilisation")[0].replace("\u202f", "")) > 10


def test_the_search_narrows_the_table_and_an_empty_result_says_so(page_store: str) -> None:
    at = open_page()
    at.text_input(key="mobilisations_recherche").input("tournée des territoires").run()
    assert count_caption(at).startswith(expected_count(page_store, "tournée des territoires"))
    assert all("Tournée des territoires" in c for c in at.dataframe[0].value["Campagne"])
    at.text_input(key="mobilisations_recherche").input("zzz introuvable").run()
    assert not at.exception
    assert not at.dataframe
    assert any(i.value.startswith("Aucune mobilisation ne correspond") for i in at.info)


def test_without_any_editor_the_app_says_how_to_configure_one(monkeypatch) -> None:
    monkeypatch.delenv("INFLU_GEO_EDITOR_ALICE")
    at = open_page()
    assert not at.exception
    assert any(i.value == ui_auth.HOW_TO_CONFIGURE for i in at.info)
    assert "hash-password" in ui_auth.HOW_TO_CONFIGURE
    assert not [w for w in at.text_input if w.key == "connexion_identifiant"]


def test_the_export_reimports_every_shown_action(page_store: str, tmp_path) -> None:
    data = app_data.load_app_data(engine(page_store), today_paris()).dataset
    shown = actions_view.visible_actions(data.actions, ui_filters.default_filters(today_paris()),
                                         "tournée")
    frame = actions_view.export_frame(shown)
    for suffix in (".csv", ".xlsx"):
        content = data_admin.frame_bytes(frame, suffix, "actions")
        prepared = importers.preview_bytes(content, f"export{suffix}", "actions",
                                           engine=store.get_engine(f"sqlite:///{tmp_path}/x.db"))
        assert (prepared.report.rows_kept, prepared.report.rows_rejected) == (len(shown), 0)


# ---------------------------------------------------------------- signing in


def test_a_wrong_password_is_refused(page_store: str) -> None:
    at = sign_in(open_page(), "alice", "pas le bon")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Identifiant ou mot de passe incorrect. Essais restants avant blocage : 4."]
    assert ui_auth.EDITOR_KEY not in at.session_state
    assert not [s for s in at.subheader if s.value == "Saisie"]


def test_five_wrong_passwords_lock_the_session(page_store: str) -> None:
    at = open_page()
    for _ in range(config.AUTH_MAX_FAILURES):
        at = sign_in(at, "alice", "pas le bon")
    assert at.error[0].value.endswith("connexion bloquée encore 15 min.")
    at = sign_in(at, "alice", PASSWORD)
    assert [e.value for e in at.error] == [
        "Trop d'essais infructueux : connexion bloquée encore 15 min."]
    assert ui_auth.EDITOR_KEY not in at.session_state


def test_a_login_locked_in_one_session_stays_locked_in_a_new_session(page_store: str) -> None:
    at = open_page()
    for _ in range(config.AUTH_MAX_FAILURES):
        at = sign_in(at, "alice", "pas le bon")
    other = sign_in(open_page(), "Alice", PASSWORD)  # a new browser session
    assert [e.value for e in other.error] == [
        "Trop d'essais infructueux : connexion bloquée encore 15 min."]
    assert ui_auth.EDITOR_KEY not in other.session_state


def test_the_right_password_opens_the_editing_tools(page_store: str) -> None:
    at = sign_in(open_page(), "Alice", PASSWORD)
    assert not at.exception
    assert at.session_state[ui_auth.EDITOR_KEY] == "alice"
    assert [s.value for s in at.subheader if s.value == "Saisie"] == ["Saisie"]
    assert "Éditeur connecté : **alice**" in [c.value for c in at.sidebar.caption]
    at.button(key="connexion_deconnecter").click().run()
    assert not [s for s in at.subheader if s.value == "Saisie"]


# ---------------------------------------------------------------- writing


def test_the_form_tells_each_wrong_field_and_writes_nothing(page_store: str) -> None:
    at = open_page("alice")
    before = len(actions(page_store))
    fill(at, NEW, territoire="Xyzvillé-sur-Rien", url="javascript:alert(1)",
         titre="x" * 301)
    at.button(key=SUBMIT_NEW).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "L'action n'a pas été enregistrée : corrigez les champs signalés.",
        "Membre : obligatoire.", "Canal : obligatoire.", "Thème : obligatoire.",
        "Territoire : commune introuvable : « Xyzvillé-sur-Rien »",
        "Titre : 301 caractères, 300 au plus",
        "Lien : lien « javascript:alert(1) » ignoré (seuls http:// et https:// sont acceptés)"]
    assert len(actions(page_store)) == before
    assert at.text_input(key=f"{NEW}_territoire").value == "Xyzvillé-sur-Rien"  # input kept


def test_an_editor_adds_an_action_placed_at_its_commune(page_store: str) -> None:
    at = open_page("alice")
    before = actions(page_store)
    fill(at, NEW, date=date(2026, 3, 18), membre="Membre essai", canal="tiktok",
         theme="inclusion", public_cible="parents", territoire="Oyonnax (01)",
         url="https://www.tiktok.com/@essai/video/1", titre="Visite de l'usine")
    at.button(key=SUBMIT_NEW).click().run()
    assert not at.exception
    after = actions(page_store)
    added = after[~after["id"].isin(before["id"])]
    assert len(added) == 1
    row = added.iloc[0]
    assert (row["source"], row["membre"], row["canal"], row["theme"], row["public_cible"],
            row["code_insee"], row["territoire_niveau"], row["date"]) == (
        "saisie", "Membre essai", "tiktok", "inclusion", "parents", "01283", "commune",
        pd.Timestamp("2026-03-18"))
    assert at.success[0].value.startswith(f"Mobilisation n° {row['id']} ajoutée (commune Oyonnax")
    assert count_caption(at).startswith(expected_count(page_store))
    assert at.text_input(key="mobilisation_nouvelle_1_membre").value == ""  # a fresh form


def _edit(at: AppTest, search: str) -> tuple[AppTest, int]:
    at.text_input(key="mobilisations_recherche").input(search)
    at.radio(key="_widget_mobilisations_section").set_value("modifier").run()
    chooser = at.selectbox(key="mobilisations_choix_0")
    action_id = int(chooser.options[0].split(" ")[1])
    chooser.set_value(action_id).run()
    return at, action_id


def test_an_editor_edits_then_deletes_then_undoes(page_store: str) -> None:
    at, action_id = _edit(open_page("alice"), "Visite de l'usine")
    prefix = f"mobilisation_{action_id}_0"
    assert at.text_input(key=f"{prefix}_territoire").value == "01283"
    fill(at, prefix, canal="linkedin", territoire="Bretagne")
    at.button(key=f"FormSubmitter:{prefix}-Enregistrer les modifications").click().run()
    assert not at.exception
    row = actions(page_store).set_index("id").loc[action_id]
    assert (row["canal"], row["territoire_niveau"], row["code_region"]) == (
        "linkedin", "region", "53")
    assert at.success[0].value == (f"Mobilisation n° {action_id} modifiée (région 53).")
    assert at.dataframe[0].value.set_index("N°").loc[action_id, "Canal"] == "LinkedIn"

    at.button(key="mobilisations_supprimer").click().run()
    assert at.warning[0].value.startswith(f"Supprimer la mobilisation n° {action_id}")
    assert action_id in set(actions(page_store)["id"])  # not before the confirmation
    at.button(key="mobilisations_confirmer_suppression").click().run()
    assert not at.exception
    assert action_id not in set(actions(page_store)["id"])
    assert at.success[0].value == f"Mobilisation n° {action_id} supprimée."

    at.button(key="mobilisations_annuler").click().run()
    assert not at.exception
    restored = actions(page_store).set_index("id").loc[action_id]
    assert (restored["canal"], restored["code_region"]) == ("linkedin", "53")
    assert at.success[0].value == f"Mobilisation n° {action_id} rétablie."
    assert not [b for b in at.button if b.key == "mobilisations_annuler"]


def test_a_delete_can_be_called_off(page_store: str) -> None:
    at, action_id = _edit(open_page("alice"), "")
    at.button(key="mobilisations_supprimer").click().run()
    at.button(key="mobilisations_garder").click().run()
    assert not at.warning
    assert action_id in set(actions(page_store)["id"])


def test_an_import_shows_its_report_before_writing(page_store: str) -> None:
    at = open_page("alice")
    before = len(actions(page_store))
    at.radio(key="_widget_mobilisations_section").set_value("importer").run()
    at.file_uploader[0].set_value(("actions.csv", ACTIONS_CSV.read_bytes(), "text/csv")).run()
    assert not at.exception
    expected = importers.preview(ACTIONS_CSV, "actions", engine=engine(page_store)).report
    figures = {m.label: m.value for m in at.metric}
    assert figures["Lignes lues"] == str(expected.rows_read)
    assert figures["Conservées"] == str(expected.rows_kept)
    assert len(actions(page_store)) == before  # nothing written yet
    assert any("format détecté : Relevé de mobilisations" in m.value for m in at.markdown)
    at.button(key="mobilisations_import_confirmer").click().run()
    assert not at.exception
    assert len(actions(page_store)) == before + expected.rows_kept
    assert at.success[0].value.startswith(f"actions.csv : {expected.rows_read} lignes lues")
    log = store.list_imports(engine(page_store)).iloc[0]
    assert (log["file_name"], log["kind"]) == ("actions.csv", "actions")
    assert not at.get("metric")  # the report is gone, the uploader is empty again


def test_an_unusable_file_is_refused_before_the_store(page_store: str) -> None:
    at = open_page("alice")
    before = store.list_imports(engine(page_store))
    at.radio(key="_widget_mobilisations_section").set_value("importer").run()
    buffer = io.BytesIO()
    pd.DataFrame({"titre": ["Forum"], "date_debut": ["2025-03-18"]}).to_csv(buffer, index=False)
    at.file_uploader[0].set_value(("evenements.csv", buffer.getvalue(), "text/csv")).run()
    assert not at.exception
    assert at.error[0].value.startswith("Fichier inutilisable, rien n'a été écrit : evenements.csv")
    assert len(store.list_imports(engine(page_store))) == len(before)


def test_an_upload_over_the_limit_gets_a_french_message(page_store: str, monkeypatch) -> None:
    monkeypatch.setattr(config, "UPLOAD_MAX_MB", 1)
    at = open_page("alice")
    at.radio(key="_widget_mobilisations_section").set_value("importer").run()
    big = b"date,membre,canal,theme\n" + b"2025-03-18,M,linkedin,inclusion\n" * 40_000
    at.file_uploader[0].set_value(("gros.csv", big, "text/csv")).run()
    assert not at.exception
    assert at.error[0].value.startswith("« gros.csv » pèse 1,2 Mo : la limite est de 1 Mo")
    assert "taille maximale 1 Mo" in " ".join(c.value for c in at.caption)
