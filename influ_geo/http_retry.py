"""Retry rules shared by the online adapters (BAN geocoder, open-data downloads).

A request answered 429 or 5xx is tried again after the server's ``Retry-After`` (seconds
or an HTTP date) or, without it, after a doubling back-off; every pause is capped so a
server asking for an hour does not freeze a command. The French wording of the reasons
lives here so every adapter tells the user the same thing.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.error import URLError

from influ_geo import __version__

# Answers worth another try: rate limit and transient server or gateway failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Sent with every request, so the publishers can tell who downloads their files.
USER_AGENT = f"influ_geo/{__version__}"


@dataclass(frozen=True)
class RetryPolicy:
    """How long to insist on one request: retries, longest wait, first back-off pause (s)."""

    max_retries: int
    max_wait: float
    backoff: float

    def wait(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds before try ``attempt + 1``: the ``Retry-After`` or 2ⁿ back-off, capped."""
        seconds = retry_after_seconds(retry_after)
        if seconds is None:
            seconds = self.backoff * 2**attempt
        return min(seconds, self.max_wait)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``"5"`` ⇒ 5.0; ``"Wed, 21 Oct 2015 07:28:05 GMT"`` ⇒ seconds to wait from ``now``."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def status_reason(code: int) -> str:
    """``429`` ⇒ ``"trop de requêtes, HTTP 429"``; ``503`` ⇒ ``"erreur HTTP 503 du service"``."""
    return "trop de requêtes, HTTP 429" if code == 429 else f"erreur HTTP {code} du service"


def seconds_text(seconds: float) -> str:
    """``30.0`` ⇒ ``"30"``; ``0.5`` ⇒ ``"0,5"`` (French decimal comma)."""
    return f"{seconds:g}".replace(".", ",")


def unreachable_reason(error: URLError, timeout: float) -> str:
    """Why a server could not be reached at all, in French, for a one-line message.

    ``URLError(ConnectionRefusedError())`` ⇒ ``"connexion refusée"``;
    ``URLError(socket.gaierror())`` ⇒ ``"nom de serveur introuvable"``.
    """
    reason = error.reason
    if isinstance(reason, ssl.SSLCertVerificationError):
        return "certificat TLS du serveur refusé"
    if isinstance(reason, socket.gaierror):
        return "nom de serveur introuvable, pas de réseau ou pas de DNS"
    if isinstance(reason, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(reason, TimeoutError):
        return f"pas de réponse en {seconds_text(timeout)} s"
    if isinstance(reason, OSError) and reason.strerror:
        return f"réseau injoignable : {reason.strerror}"
    return "réseau injoignable"
