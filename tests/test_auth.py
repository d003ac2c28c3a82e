"""Editor access: salted hashes, the editor list, the sign-in throttle, the hash command."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from influ_geo import auth, auth_cli, config
from influ_geo.auth import SignInState

FAST = 1000  # PBKDF2 rounds for tests (the default is 600,000)
PROJECT = Path(__file__).resolve().parent.parent
# The command, with the terminal prompt replaced by lines read from stdin.
COMMAND = ("import getpass, sys; getpass.getpass = lambda prompt='': sys.stdin.readline()"
           ".rstrip('\\n'); from influ_geo.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.fixture
def throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented defaults, whatever the environment says."""
    monkeypatch.setattr(config, "AUTH_MAX_FAILURES", 5)
    monkeypatch.setattr(config, "AUTH_DELAY_SECONDS", 1.0)
    monkeypatch.setattr(config, "AUTH_LOCKOUT_SECONDS", 900.0)


def test_a_hash_is_salted_pbkdf2_sha256_in_the_documented_format() -> None:
    encoded = auth.hash_password("changez-moi", iterations=FAST)
    algorithm, rounds, salt, digest = encoded.split("$")
    assert (algorithm, rounds) == ("pbkdf2_sha256", "1000")
    assert len(bytes.fromhex(salt)) == auth.SALT_BYTES
    expected = hashlib.pbkdf2_hmac("sha256", b"changez-moi", bytes.fromhex(salt), FAST)
    assert bytes.fromhex(digest) == expected
    assert auth.hash_password("changez-moi", iterations=FAST) != encoded  # a new salt each time


def test_the_default_uses_the_configured_iterations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "AUTH_ITERATIONS", 1234)
    assert auth.parse_hash(auth.hash_password("x"))[0] == 1234


@pytest.mark.parametrize("password, expected", [
    ("s3cret été", True), ("s3cret ete", False), ("S3cret été", False), ("", False),
])
def test_verify_password(password: str, expected: bool) -> None:
    encoded = auth.hash_password("s3cret été", iterations=FAST)
    assert auth.verify_password(password, encoded) is expected


@pytest.mark.parametrize("encoded", [
    "", "s3cret", "md5$1$00$00", "pbkdf2_sha256$x$00$00", "pbkdf2_sha256$10$zz$00",
    "pbkdf2_sha256$0$00$00", "pbkdf2_sha256$10$$00",
])
def test_an_unreadable_hash_never_matches(encoded: str) -> None:
    assert auth.verify_password("s3cret", encoded) is False
    with pytest.raises(auth.InvalidHash):
        auth.parse_hash(encoded)


def test_an_empty_password_cannot_be_hashed() -> None:
    with pytest.raises(ValueError, match="vide"):
        auth.hash_password("")


def test_editors_from_secrets_and_environment() -> None:
    secrets = {"editors": {"Alice": "hash-a", "bob": "hash-b", "pas valide!": "x"}}
    environ = {"INFLU_GEO_EDITORS": "carla=hash-c, dora=hash-d\nemma=hash-e",
               "INFLU_GEO_EDITOR_BOB": "hash-b2", "INFLU_GEO_EDITOR_FRED": " ", "HOME": "/"}
    assert auth.editors_from(secrets, environ) == {
        "alice": "hash-a", "bob": "hash-b2", "carla": "hash-c", "dora": "hash-d",
        "emma": "hash-e"}
    assert auth.editors_from(None, {}) == {}
    assert auth.editors_from({"editors": "pas une table"}, {}) == {}


def test_invalid_editors_are_named_for_the_administrator() -> None:
    editors = {"alice": auth.hash_password("a", iterations=FAST), "bob": "pbkdf2_sha256$oops"}
    assert auth.invalid_editors(editors) == ["bob"]


def test_check_credentials_ignores_the_case_of_the_login() -> None:
    editors = {"alice": auth.hash_password("s3cret", iterations=FAST)}
    assert auth.check_credentials(editors, "  Alice ", "s3cret") == "alice"
    assert auth.check_credentials(editors, "alice", "S3CRET") is None
    assert auth.check_credentials(editors, "mallory", "s3cret") is None


def test_a_right_password_signs_in_and_clears_the_count(throttle: None) -> None:
    editors = {"alice": auth.hash_password("s3cret", iterations=FAST)}
    result = auth.sign_in(editors, "alice", "s3cret", SignInState(2, 0.0), now=100.0)
    assert result.editor == "alice"
    assert result.state == SignInState()
    assert "alice" in result.message


def test_wrong_passwords_wait_longer_each_time_then_lock_the_session(throttle: None) -> None:
    editors = {"alice": auth.hash_password("s3cret", iterations=FAST)}
    state, now, pauses = SignInState(), 1000.0, []
    for attempt in range(1, 5):
        result = auth.sign_in(editors, "alice", "faux", state, now)
        assert result.editor is None
        assert result.message == (f"Identifiant ou mot de passe incorrect. Essais restants "
                                  f"avant blocage : {5 - attempt}.")
        pauses.append(result.state.blocked_until - now)
        state = result.state
        early = auth.sign_in(editors, "alice", "s3cret", state, now + pauses[-1] - 0.5)
        assert early.editor is None and early.message.startswith("Patientez")
        assert early.state == state  # a refused attempt is not counted, not checked
        now += pauses[-1]
    assert pauses == [1.0, 2.0, 4.0, 8.0]
    locked = auth.sign_in(editors, "alice", "faux", state, now)
    assert locked.state.failures == 5
    assert "bloquée encore 15 min" in locked.message
    # Even the right password is refused while locked.
    assert auth.sign_in(editors, "alice", "s3cret", locked.state, now + 899).editor is None
    after = auth.sign_in(editors, "alice", "s3cret", locked.state, now + 900)
    assert after.editor == "alice" and after.state == SignInState()


def test_an_unknown_login_counts_as_a_failure(throttle: None) -> None:
    result = auth.sign_in({"alice": "pbkdf2_sha256$1$00$00"}, "mallory", "x", SignInState(), 0.0)
    assert result.editor is None and result.state.failures == 1


def test_a_login_locked_in_one_session_is_locked_in_a_new_one(throttle: None) -> None:
    editors = {"alice": auth.hash_password("s3cret", iterations=FAST),
               "bob": auth.hash_password("b0b", iterations=FAST)}
    throttles, now = auth.LoginThrottles(), 1000.0
    for _ in range(5):  # an attacker's session, always a fresh one
        result, state = auth.sign_in_throttled(editors, "Alice", "faux", SignInState(),
                                               throttles.get("Alice"), now)
        throttles.put("Alice", state)
        if state.failures < 5:
            now = state.blocked_until  # waits out each pause; the lock then starts at now
    assert throttles.get(" alice ").failures == 5 and "bloquée" in result.message
    fresh = auth.sign_in_throttled(editors, "alice", "s3cret", SignInState(),
                                   throttles.get("alice"), now + 1)[0]
    assert fresh.editor is None and fresh.message.startswith("Trop d'essais")
    bob = auth.sign_in_throttled(editors, "bob", "b0b", SignInState(), throttles.get("bob"),
                                 now + 1)[0]
    assert bob.editor == "bob"  # other logins are not locked by alice's failures
    later, cleared = auth.sign_in_throttled(editors, "alice", "s3cret", SignInState(),
                                            throttles.get("alice"), now + 901)
    assert later.editor == "alice" and cleared == SignInState()
    throttles.put("alice", cleared)
    assert throttles.get("alice") == SignInState()


def test_the_session_count_and_the_login_count_add_up_separately(throttle: None) -> None:
    editors = {"alice": auth.hash_password("s3cret", iterations=FAST)}
    session, per_login = SignInState(3, 0.0), SignInState(1, 0.0)
    result, login_state = auth.sign_in_throttled(editors, "alice", "x", session, per_login,
                                                 100.0)
    assert (result.state.failures, login_state.failures) == (4, 2)
    assert result.message.endswith("Essais restants avant blocage : 1.")


def test_login_throttles_remember_a_bounded_number_of_logins() -> None:
    throttles = auth.LoginThrottles(size=3)
    for name in ("a", "b", "c", "d"):
        throttles.put(name, SignInState(1, 5.0))
    assert throttles.get("a") == SignInState() and throttles.get("D") == SignInState(1, 5.0)


def test_a_lock_reads_its_full_minutes_whatever_the_clock() -> None:
    now = 7906.02674611629  # (now + 900) - now == 900.0000000000009 in floating point
    locked = auth.record_failure(SignInState(4, 0.0), now)
    assert auth.wait_message(locked, now) == ("Trop d'essais infructueux : connexion bloquée "
                                             "encore 15 min.")


def test_wait_message_rounds_up() -> None:
    message = auth.wait_message(SignInState(1, 10.2), now=9.0)
    assert message == "Patientez 2 s avant un nouvel essai."
    assert auth.wait_message(SignInState(1, 10.0), now=10.0) is None


def test_the_secrets_line() -> None:
    line = auth_cli.secrets_line("alice", "pbkdf2_sha256$1$00$00")
    assert line == 'alice = "pbkdf2_sha256$1$00$00"'
    assert auth_cli.secrets_line(None, "h") == "h"


def test_hash_password_command_prints_a_line_that_verifies() -> None:
    """The real command in a child process, the password given on stdin twice."""
    done = subprocess.run(
        [sys.executable, "-c", COMMAND, "hash-password", "--login", "Alice"], cwd=PROJECT,
        input="mot de passe\nmot de passe\n", capture_output=True, text=True, timeout=60,
        env={"INFLU_GEO_AUTH_ITERATIONS": "2000", "PATH": ""})
    assert done.returncode == 0, done.stderr
    login, _, quoted = done.stdout.strip().partition(" = ")
    assert login == "alice"
    encoded = quoted.strip('"')
    assert auth.parse_hash(encoded)[0] == 2000
    assert auth.verify_password("mot de passe", encoded)


@pytest.mark.parametrize("stdin, login, message", [
    ("un\ndeux\n", "alice", "les deux mots de passe diffèrent"),
    ("\n\n", "alice", "mot de passe vide"),
    ("x\nx\n", "pas valide!", "identifiant « pas valide! » refusé"),
])
def test_hash_password_command_refuses(stdin: str, login: str, message: str) -> None:
    done = subprocess.run([sys.executable, "-c", COMMAND, "hash-password", "--login", login],
                          cwd=PROJECT, input=stdin, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


def test_the_example_secrets_file_is_valid_toml_and_signs_nobody_in() -> None:
    import tomllib

    example = tomllib.loads((PROJECT / ".streamlit" / "secrets.toml.example").read_text())
    assert auth.editors_from(example, {}) == {}
    assert "hash-password" in (PROJECT / ".streamlit" / "secrets.toml.example").read_text()


def test_the_real_secrets_file_is_ignored_by_git() -> None:
    done = subprocess.run(["git", "check-ignore", ".streamlit/secrets.toml"], cwd=PROJECT,
                          capture_output=True, text=True)
    assert done.stdout.strip() == ".streamlit/secrets.toml"
