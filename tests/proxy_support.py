"""The app as deployed: the deployment options, behind nginx with the shipped configuration.

Used by ``tests/test_deploy.py`` (HTTP, WebSocket, upload limit) and the browser test
``tests/browser/test_behind_proxy.py``. Only the listening ports and the certificate (a
self-signed one made here) differ from ``deploy/nginx-influ_geo.conf``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT_DIR / "deploy"
NGINX_CONF = DEPLOY / "nginx-influ_geo.conf"
STARTUP_SECONDS = 90


def streamlit_settings() -> dict:
    """deploy/streamlit-config.toml as a dict."""
    return tomllib.loads((DEPLOY / "streamlit-config.toml").read_text(encoding="utf-8"))


def base_path() -> str:
    """``server.baseUrlPath`` without slashes: ``"influ_geo"``."""
    return streamlit_settings()["server"]["baseUrlPath"].strip("/")


def env_example(*, commented: bool = False) -> dict[str, str]:
    """``NAME=value`` lines of deploy/env.example (also the commented ones if asked)."""
    values = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if commented and line.startswith("# INFLU_GEO_"):
            line = line[2:]
        if re.match(r"^[A-Z_]+=", line):
            name, value = line.split("=", 1)
            values[name] = value
    return values


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_nginx(folder: Path, app_port: int, http_port: int, https_port: int) -> Path:
    """The shipped configuration with local ports and a self-signed certificate, inside a
    minimal main configuration; returns the main file."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    text = NGINX_CONF.read_text(encoding="utf-8")
    swaps = [(r"listen 80;", f"listen 127.0.0.1:{http_port};"),
             (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
             (r"server 127\.0\.0\.1:8501;", f"server 127.0.0.1:{app_port};"),
             (r"ssl_certificate     \S+;", f"ssl_certificate {folder / 'cert.pem'};"),
             (r"ssl_certificate_key \S+;", f"ssl_certificate_key {folder / 'key.pem'};")]
    for pattern, replacement in swaps:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"{pattern} attendu une fois dans {NGINX_CONF.name}"
    (folder / "influ_geo.conf").write_text(text, encoding="utf-8")
    temp = " ".join(f"{name}_temp_path {folder / name};"
                    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers may read the test's folder
    main = folder / "nginx.conf"
    main.write_text(f"{user}pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
                    f"events {{}}\nhttp {{\naccess_log {folder / 'access.log'};\n{temp}\n"
                    f"include {folder / 'influ_geo.conf'};\n}}\n", encoding="utf-8")
    return main


def wait_for(url: str, seconds: float = STARTUP_SECONDS) -> None:
    """Poll ``url`` until it answers 200."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with opener.open(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"{url} ne répond pas après {seconds} s")


@dataclass(frozen=True)
class Proxied:
    """Where the proxied app answers: ``origin`` is ``https://127.0.0.1:PORT``."""

    origin: str
    http_port: int


@contextmanager
def proxied_app(folder: Path) -> Iterator[Proxied]:
    """``streamlit run app.py`` with deploy/streamlit-config.toml as its user configuration
    (HOME in ``folder``), an empty SQLite store, and nginx in front of it."""
    if shutil.which("nginx") is None or shutil.which("openssl") is None:
        pytest.skip("nginx ou openssl absent (paquets Debian nginx-light et openssl)")
    home = folder / "home"
    (home / ".streamlit").mkdir(parents=True)
    shutil.copy(DEPLOY / "streamlit-config.toml", home / ".streamlit" / "config.toml")
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    env = {**os.environ, "HOME": str(home), "NO_PROXY": "127.0.0.1",
           "INFLU_GEO_DATABASE_URL": f"sqlite:///{folder / 'influ_geo.sqlite'}",
           "INFLU_GEO_VENDOR_URL": env_example()["INFLU_GEO_VENDOR_URL"]}
    with (folder / "streamlit.log").open("w") as log:
        app = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py",
                                f"--server.port={app_port}"], cwd=PROJECT_DIR, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    main = render_nginx(folder, app_port, http_port, https_port)
    nginx = ["nginx", "-p", str(folder), "-c", str(main)]
    checked = subprocess.run([*nginx, "-t"], capture_output=True, text=True, check=False)
    proxy = subprocess.Popen([*nginx, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        assert checked.returncode == 0, checked.stderr
        wait_for(f"http://127.0.0.1:{app_port}/{base_path()}/_stcore/health")
        yield Proxied(f"https://127.0.0.1:{https_port}", http_port)
    finally:
        for process in (proxy, app):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
