"""``python -m influ_geo hash-password``: prompt for a password, print the line to paste."""

from __future__ import annotations

import argparse
import getpass

from influ_geo import auth
from influ_geo.cli import CommandError


def secrets_line(login: str | None, encoded: str) -> str:
    """``("alice", "pbkdf2…")`` ⇒ ``'alice = "pbkdf2…"'``; without login, the hash alone."""
    return f'{login} = "{encoded}"' if login else encoded


def _check_login(login: str | None) -> str | None:
    """The normalized login, or a ``CommandError`` when it is not a simple word."""
    if login is None:
        return None
    name = auth.normalize_login(login)
    if not auth.LOGIN_PATTERN.match(name):
        raise CommandError(
            f"identifiant « {login} » refusé : lettres minuscules, chiffres, . _ - uniquement.")
    return name


def _hash_password(args: argparse.Namespace) -> int:
    login = _check_login(args.login)
    password = getpass.getpass("Mot de passe : ")
    if not password:
        raise CommandError("mot de passe vide.")
    if getpass.getpass("Mot de passe (encore) : ") != password:
        raise CommandError("les deux mots de passe diffèrent.")
    print(secrets_line(login, auth.hash_password(password)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``hash-password`` to the command line."""
    p = sub.add_parser(
        "hash-password",
        help="empreinte salée d'un mot de passe d'éditeur (à coller dans secrets.toml)")
    p.add_argument("--login", default=None,
                   help="identifiant : affiche la ligne complète « identifiant = \"…\" »")
    p.set_defaults(handler=_hash_password)
