"""Editor sign-in widgets: reading is open, writing needs a signed-in editor.

The checks are in ``influ_geo.auth`` (pure); this module keeps the session's editor in
``st.session_state["editeur"]``, the session's wrong-password throttle in
``st.session_state["connexion_essais"]`` and every login's in :func:`login_throttles`
(one per server).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Literal

import streamlit as st

from influ_geo import auth

EDITOR_KEY = "editeur"
THROTTLE_KEY = "connexion_essais"

HOW_TO_CONFIGURE = (
    "Aucun éditeur n'est configuré : l'application reste en lecture seule. "
    "Pour ajouter un éditeur, lancez `python -m influ_geo hash-password --login <identifiant>`, "
    "collez la ligne affichée sous `[editors]` dans `.streamlit/secrets.toml` "
    "(modèle commenté : `.streamlit/secrets.toml.example`) ou mettez l'empreinte dans la "
    "variable d'environnement `INFLU_GEO_EDITOR_<IDENTIFIANT>`, puis relancez l'application."
)
READ_ONLY = "Lecture seule : connectez-vous comme éditeur{where} pour {action}."
WHERE = {"page": " (ci-dessous)", "sidebar": " (panneau de gauche)"}


def _secrets() -> Mapping[str, object]:
    """``st.secrets``, or an empty mapping when no secrets file exists."""
    try:
        return {"editors": st.secrets.get("editors") or {}}
    except FileNotFoundError:
        return {}


def editors() -> dict[str, str]:
    """Configured editors (secrets file and environment), ``{"alice": "pbkdf2_sha256$…"}``."""
    return auth.editors_from(_secrets(), os.environ)


def current_editor() -> str | None:
    """The login of the editor signed in this session, or None (also when since removed)."""
    login = st.session_state.get(EDITOR_KEY)
    return login if login and login in editors() else None


@st.cache_resource(show_spinner=False)
def login_throttles() -> auth.LoginThrottles:
    """The wrong-password states of every login, shared by the sessions of the server."""
    return auth.LoginThrottles()


def _attempt(login: str, password: str) -> auth.SignInResult:
    """Check one attempt against the stricter of the session's and the login's throttles
    and remember the outcome in both."""
    throttles = login_throttles()
    session = st.session_state.get(THROTTLE_KEY, auth.SignInState())
    result, per_login = auth.sign_in_throttled(editors(), login, password, session,
                                               throttles.get(login), time.monotonic())
    st.session_state[THROTTLE_KEY] = result.state
    throttles.put(login, per_login)
    if result.editor:
        st.session_state[EDITOR_KEY] = result.editor
    return result


def _sign_out_box(container, editor: str) -> None:
    """Who is signed in, and the sign-out button."""
    container.caption(f"Éditeur connecté : **{editor}**")
    if container.button("Se déconnecter", key="connexion_deconnecter"):
        st.session_state.pop(EDITOR_KEY, None)
        st.rerun()


def sign_in_box(where: Literal["page", "sidebar"] = "page") -> str | None:
    """Sign-in form (or the signed-in editor and a sign-out button); returns the editor.

    Draw it once per page run (widget keys are fixed). Nothing is drawn when no
    editor is configured (``require_editor`` explains how to configure one).
    """
    container = st.sidebar if where == "sidebar" else st.container()
    editor = current_editor()
    if editor:
        _sign_out_box(container, editor)
        return editor
    if not editors():
        return None
    with container.form("connexion", clear_on_submit=False):
        st.markdown("**Connexion éditeur**")
        login = st.text_input("Identifiant", key="connexion_identifiant")
        password = st.text_input("Mot de passe", type="password", key="connexion_mot_de_passe")
        submitted = st.form_submit_button("Se connecter")
    if submitted:
        result = _attempt(login, password)
        if result.editor:
            st.rerun()
        container.error(result.message)
    return None


Where = Literal["page", "sidebar"]


def require_editor(action: str = "modifier les données", where: Where = "page") -> str | None:
    """The signed-in editor, else None after showing why writing is off.

    No editor configured ⇒ the read-only notice and how to configure one; otherwise the
    read-only notice and the sign-in form (``sign_in_box``). Call it once per page run.
    """
    editor = current_editor()
    if editor:
        sign_in_box(where)
        return editor
    if not editors():
        st.info(HOW_TO_CONFIGURE, icon=":material/lock:")
        return None
    st.info(READ_ONLY.format(where=WHERE[where], action=action), icon=":material/lock:")
    sign_in_box(where)
    return None
