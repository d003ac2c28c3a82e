"""Editor access: salted password hashes, the editor list and the sign-in throttles.

Pure: no streamlit import. The page layer (``influ_geo.ui_auth``) passes ``st.secrets``,
``os.environ``, the throttle states and the clock. Wrong passwords are counted twice:
per browser session (``SignInState`` in the session) and per login for the whole server
(:class:`LoginThrottles`), so opening new sessions does not give a login fresh attempts;
an attempt waits for the stricter of the two (:func:`stricter`).

A stored hash reads ``pbkdf2_sha256$600000$<salt hex>$<hash hex>`` (PBKDF2-HMAC-SHA256,
a random 16-byte salt per password); ``python -m influ_geo hash-password`` prints one.
Editors come from ``[editors]`` of ``.streamlit/secrets.toml`` (``alice = "pbkdf2_sha256$…"``)
and from the environment: ``INFLU_GEO_EDITORS="alice=pbkdf2_sha256$…,bob=…"`` or one
variable per editor, ``INFLU_GEO_EDITOR_ALICE="pbkdf2_sha256$…"``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from influ_geo import config

ALGORITHM = "pbkdf2_sha256"
SALT_BYTES = 16
# Logins are simple words so that they survive environment variable names and TOML keys.
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ENV_EDITORS = "INFLU_GEO_EDITORS"
ENV_EDITOR_PREFIX = "INFLU_GEO_EDITOR_"
WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."


class InvalidHash(ValueError):
    """A stored hash that does not read ``pbkdf2_sha256$<iterations>$<salt>$<hash>``."""


def hash_password(
    password: str, *, iterations: int | None = None, salt: bytes | None = None
) -> str:
    """Salted PBKDF2 hash of ``password``: ``"s3cret" ⇒ "pbkdf2_sha256$600000$9f…$4a…"``.

    Parameters
    ----------
    password: the clear password (not empty).
    iterations: PBKDF2 rounds, ``config.AUTH_ITERATIONS`` by default (tests pass fewer).
    salt: random ``SALT_BYTES`` bytes by default.
    """
    if not password:
        raise ValueError("Le mot de passe est vide.")
    rounds = iterations or config.AUTH_ITERATIONS
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, rounds)
    return f"{ALGORITHM}${rounds}${salt.hex()}${digest.hex()}"


def parse_hash(encoded: str) -> tuple[int, bytes, bytes]:
    """``"pbkdf2_sha256$1000$00ff$ab…" ⇒ (1000, b"\\x00\\xff", b"\\xab…")``, else InvalidHash."""
    parts = encoded.strip().split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        raise InvalidHash(f"Empreinte illisible (attendu {ALGORITHM}$itérations$sel$empreinte).")
    try:
        rounds, salt, digest = int(parts[1]), bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
    except ValueError as error:
        message = "Empreinte illisible : itérations, sel ou empreinte mal écrits."
        raise InvalidHash(message) from error
    if rounds < 1 or not salt or not digest:
        raise InvalidHash("Empreinte illisible : itérations, sel ou empreinte vides.")
    return rounds, salt, digest


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` gives ``encoded``; compared in constant time; a bad hash is False."""
    try:
        rounds, salt, expected = parse_hash(encoded)
    except InvalidHash:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, rounds)
    return hmac.compare_digest(digest, expected)


def normalize_login(login: str) -> str:
    """``"  Alice "`` ⇒ ``"alice"`` (logins are case-insensitive)."""
    return login.strip().lower()


def editors_from(
    secrets_map: Mapping[str, object] | None, environ: Mapping[str, str]
) -> dict[str, str]:
    """Every configured editor, ``{"alice": "pbkdf2_sha256$…"}``.

    ``secrets_map`` is ``st.secrets`` (its ``editors`` table); ``environ`` adds
    ``INFLU_GEO_EDITORS`` (``login=hash`` separated by commas, spaces or new lines) and
    ``INFLU_GEO_EDITOR_<LOGIN>``; the environment wins over the secrets file.
    Logins that are not simple words are left out.
    """
    editors: dict[str, str] = {}
    table = (secrets_map or {}).get("editors") or {}
    if isinstance(table, Mapping):
        editors.update({str(k): str(v) for k, v in table.items()})
    for entry in re.split(r"[,\s]+", environ.get(ENV_EDITORS, "")):
        login, sep, encoded = entry.partition("=")
        if sep:
            editors[login] = encoded
    for name, encoded in environ.items():
        if name.startswith(ENV_EDITOR_PREFIX) and name != ENV_EDITORS:
            editors[name.removeprefix(ENV_EDITOR_PREFIX)] = encoded
    return _clean_editors(editors)


def _clean_editors(editors: Mapping[str, str]) -> dict[str, str]:
    """Logins normalized, invalid logins and empty hashes dropped."""
    cleaned = {normalize_login(k): v.strip() for k, v in editors.items()}
    return {k: v for k, v in cleaned.items() if LOGIN_PATTERN.match(k) and v}


def invalid_editors(editors: Mapping[str, str]) -> list[str]:
    """Logins whose hash cannot be read (told to the administrator, never to visitors)."""
    bad = []
    for login, encoded in editors.items():
        try:
            parse_hash(encoded)
        except InvalidHash:
            bad.append(login)
    return sorted(bad)


# Compared against when the login is unknown, so that timing does not reveal logins.
_DUMMY_HASH = hash_password("mot de passe factice", iterations=1000, salt=b"\0" * SALT_BYTES)


def check_credentials(editors: Mapping[str, str], login: str, password: str) -> str | None:
    """The normalized login when ``password`` matches its hash, else None."""
    name = normalize_login(login)
    encoded = editors.get(name)
    if encoded is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return name if verify_password(password, encoded) else None


@dataclass(frozen=True)
class SignInState:
    """Wrong passwords of one session: ``failures`` in a row and the time (monotonic
    seconds) before which no attempt is checked."""

    failures: int = 0
    blocked_until: float = 0.0


@dataclass(frozen=True)
class SignInResult:
    """Outcome of one attempt: the editor signed in (or None), a French message, the new state."""

    editor: str | None
    message: str
    state: SignInState


def wait_message(state: SignInState, now: float) -> str | None:
    """French refusal while the session must wait, else None.

    ``SignInState(5, now + 840)`` ⇒ ``"Trop d'essais infructueux : connexion bloquée
    encore 14 min."``; ``SignInState(2, now + 2)`` ⇒ ``"Patientez 2 s avant un nouvel essai."``.
    """
    # To the millisecond: (now + 900) - now may be 900.0000000000009, read "16 min".
    remaining = round(state.blocked_until - now, 3)
    if remaining <= 0:
        return None
    if state.failures >= config.AUTH_MAX_FAILURES:
        minutes = max(1, math.ceil(remaining / 60))
        return f"Trop d'essais infructueux : connexion bloquée encore {minutes} min."
    return f"Patientez {math.ceil(remaining)} s avant un nouvel essai."


def record_failure(state: SignInState, now: float) -> SignInState:
    """One more wrong password: a doubling pause (1, 2, 4, 8 s), then the lock."""
    failures = state.failures + 1
    if failures >= config.AUTH_MAX_FAILURES:
        return SignInState(failures, now + config.AUTH_LOCKOUT_SECONDS)
    return SignInState(failures, now + config.AUTH_DELAY_SECONDS * 2 ** (failures - 1))


def unlock_if_expired(state: SignInState, now: float) -> SignInState:
    """A lock that is over starts a fresh count; a running pause is kept."""
    if state.failures >= config.AUTH_MAX_FAILURES and now >= state.blocked_until:
        return SignInState()
    return state


def sign_in(
    editors: Mapping[str, str], login: str, password: str, state: SignInState, now: float
) -> SignInResult:
    """Check one attempt under the session's throttle.

    A blocked session is refused without checking the password; a wrong password
    counts a failure; a right one clears the count.
    """
    return sign_in_throttled(editors, login, password, state, SignInState(), now)[0]


def sign_in_throttled(
    editors: Mapping[str, str], login: str, password: str, session: SignInState,
    per_login: SignInState, now: float,
) -> tuple[SignInResult, SignInState]:
    """Check one attempt under the session's and the login's throttles.

    The attempt waits for the stricter of the two; a wrong password counts one failure
    in each, a right one clears both. Returns the result (its ``state``: the session's
    new state) and the login's new state.
    """
    session, per_login = unlock_if_expired(session, now), unlock_if_expired(per_login, now)
    refusal = wait_message(stricter(session, per_login), now)
    if refusal:
        return SignInResult(None, refusal, session), per_login
    editor = check_credentials(editors, login, password)
    if editor:
        return (SignInResult(editor, f"Connecté·e en tant que {editor}.", SignInState()),
                SignInState())
    session, per_login = record_failure(session, now), record_failure(per_login, now)
    both = stricter(session, per_login)
    left = config.AUTH_MAX_FAILURES - both.failures
    if left <= 0:
        message = WRONG_CREDENTIALS + " " + wait_message(both, now)
    else:
        message = f"{WRONG_CREDENTIALS} Essais restants avant blocage : {left}."
    return SignInResult(None, message, session), per_login


def stricter(first: SignInState, second: SignInState) -> SignInState:
    """The state that makes an attempt wait the longest: ``SignInState(2, t + 2)`` and
    ``SignInState(5, t + 900)`` ⇒ ``SignInState(5, t + 900)``."""
    return SignInState(max(first.failures, second.failures),
                       max(first.blocked_until, second.blocked_until))


class LoginThrottles:
    """Wrong-password states per login (normalised), shared by every session of the
    server; at most ``size`` logins are remembered (the least recently tried forgotten
    first), so guessing random logins cannot fill the memory."""

    def __init__(self, size: int = 10_000) -> None:
        self._states: OrderedDict[str, SignInState] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()  # sessions run in threads of one process

    def get(self, login: str) -> SignInState:
        with self._lock:
            return self._states.get(normalize_login(login), SignInState())

    def put(self, login: str, state: SignInState) -> None:
        """Keep ``state`` for ``login``; a clean state (signed in) forgets the login."""
        key = normalize_login(login)
        with self._lock:
            if state == SignInState():
                self._states.pop(key, None)
                return
            self._states[key] = state
            self._states.move_to_end(key)
            while len(self._states) > self._size:
                self._states.popitem(last=False)
