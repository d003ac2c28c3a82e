"""Helpers of the browser suite: paths, Chromium launch settings, server polling."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_DIR / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("INFLU_GEO_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 1700}
STARTUP_TIMEOUT_S = 60
EXTERNAL = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    """HTTP GET bypassing any proxy settings: ``(status, body)``."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_healthy(base_url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll ``/_stcore/health`` until it answers ``ok``; fail with the log otherwise."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit s'est arrêté (code {process.returncode}) :\n{log.read_text()}")
        try:
            if get(f"{base_url}/_stcore/health", timeout=2)[1] == b"ok":
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"streamlit ne répond pas après {STARTUP_TIMEOUT_S} s :\n{log.read_text()}")


@contextmanager
def streamlit_server(database_url: str, log: Path, **env: str) -> Iterator[str]:
    """``streamlit run app.py`` on a free port of 127.0.0.1 with its own store; yields the
    base URL once ``/_stcore/health`` answers, stops the server afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_DIR / "app.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "INFLU_GEO_DATABASE_URL": database_url, **env})
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Watched:
    """A page and what happened in it: external requests, console errors."""

    page: object
    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
