"""The deployment files stay in step with the code, and work behind a real nginx.

``Dockerfile``, ``deploy/influ_geo.service``, ``deploy/nginx-influ_geo.conf``,
``deploy/streamlit-config.toml``, ``deploy/env.example`` and ``deploy/influ_geo.cron``
name options, paths and commands that must exist: every Streamlit option is one
Streamlit knows, every ``INFLU_GEO_*`` variable one the code reads, the base URL path,
the map files' path and the upload limits agree across files. The last test starts the
app with the deployment options and the nginx configuration as shipped (ports and
certificate swapped for local ones) and goes through the proxy over HTTPS: health,
redirects, map files, the WebSocket upgrade, the upload limit.
"""

from __future__ import annotations

import base64
import configparser
import os
import re
import shutil
import socket
import ssl
import subprocess
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import proxy_support
import pytest
import sqlalchemy as sa
from proxy_support import DEPLOY, NGINX_CONF, base_path, env_example, streamlit_settings
from streamlit import config as streamlit_config

from influ_geo import auth, cli, config

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _nginx_location(path: str) -> str:
    """The body of ``location <path> { … }`` in the nginx configuration."""
    found = re.search(r"location\s+" + re.escape(path) + r"\s*\{(.*?)\n\s*\}",
                      NGINX_CONF.read_text(encoding="utf-8"), re.S)
    assert found, f"location {path} absente de {NGINX_CONF.name}"
    return found.group(1)


def _megabytes(nginx_size: str) -> float:
    """nginx sizes: ``"210m"`` ⇒ 210, ``"1g"`` ⇒ 1024, ``"500k"`` ⇒ 0.49."""
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", nginx_size).groups()
    return int(number) * {"": 1 / 2**20, "k": 1 / 1024, "m": 1, "g": 1024}[unit.lower()]


# ---------------------------------------------------------------- Streamlit options


@pytest.mark.parametrize("path", [DEPLOY / "streamlit-config.toml",
                                  PROJECT_DIR / ".streamlit" / "config.toml"])
def test_streamlit_files_name_only_real_options(path):
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    known = streamlit_config._config_options_template
    names = [f"{section}.{key}" for section, keys in settings.items() for key in keys]
    assert names and [n for n in names if n not in known] == []
    for name in names:
        value, default = settings[name.split(".")[0]][name.split(".")[1]], known[name].default_val
        if default is not None:
            assert isinstance(value, type(default)), name


def test_reverse_proxy_options_are_set():
    server = streamlit_settings()["server"]
    assert server["headless"] is True and server["address"] == "127.0.0.1"
    assert server["enableXsrfProtection"] is True and server["enableCORS"] is True
    assert base_path() and "/" not in base_path()
    assert streamlit_settings()["browser"]["gatherUsageStats"] is False


def test_upload_limits_agree():
    streamlit_mb = streamlit_settings()["server"]["maxUploadSize"]
    app_mb = int(env_example()["INFLU_GEO_UPLOAD_MAX_MB"])
    nginx = re.search(r"client_max_body_size\s+(\w+);", NGINX_CONF.read_text(encoding="utf-8"))
    assert app_mb <= streamlit_mb < _megabytes(nginx.group(1))  # nginx counts the envelope
    assert streamlit_mb >= config.UPLOAD_MAX_MB


def test_secrets_stay_outside_the_repository():
    files = streamlit_settings()["secrets"]["files"]
    assert files == ["/etc/influ_geo/secrets.toml"]
    assert "/etc/influ_geo/secrets.toml:ro" in (PROJECT_DIR / "Dockerfile").read_text()
    example = tomllib.loads((PROJECT_DIR / ".streamlit" / "secrets.toml.example").read_text())
    assert isinstance(example.get("editors"), dict)
    ignored = (PROJECT_DIR / ".dockerignore").read_text().split()
    assert ".streamlit/secrets.toml" in ignored and "data/*.sqlite" in ignored
    assert ".streamlit/secrets.toml" in (PROJECT_DIR / ".gitignore").read_text().split()


# ---------------------------------------------------------------- environment file


def test_env_example_names_only_variables_the_code_reads():
    sources = (PROJECT_DIR / "influ_geo").glob("*.py")
    code = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    env = env_example(commented=True)
    assert auth.ENV_EDITORS in env
    for name in env:
        suffix = name.removeprefix("INFLU_GEO_")
        assert f'"{name}"' in code or f'_env_path("{suffix}"' in code, name


def test_env_example_points_at_postgresql_and_the_served_map_files():
    env = env_example()
    url = sa.make_url(env["INFLU_GEO_DATABASE_URL"])
    assert (url.get_backend_name(), url.get_driver_name()) == ("postgresql", "psycopg")
    assert "psycopg[binary]" in (PROJECT_DIR / "requirements.txt").read_text()
    vendor = env["INFLU_GEO_VENDOR_URL"]
    assert vendor == f"/{base_path()}{config.VENDOR_URL}"  # /app/static/… under the base path
    assert (config.STATIC_DIR / "vendor" / "leaflet" / "leaflet.js").is_file()


# ---------------------------------------------------------------- Docker, systemd, cron, nginx


def test_dockerfile_installs_the_requirements_and_runs_the_app():
    text = (PROJECT_DIR / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    assert "COPY requirements.txt ." in lines and "RUN pip install -r requirements.txt" in lines
    assert lines.index("COPY requirements.txt .") < lines.index("COPY . .")  # cached layer
    assert lines[-1].startswith('CMD ["streamlit", "run", "app.py"')
    assert (PROJECT_DIR / "app.py").is_file()
    assert "COPY --chown=influ_geo:influ_geo deploy/streamlit-config.toml " \
           "/var/lib/influ_geo/.streamlit/config.toml" in text
    assert "HOME=/var/lib/influ_geo" in text and "USER influ_geo" in lines
    assert f"INFLU_GEO_VENDOR_URL={env_example()['INFLU_GEO_VENDOR_URL']}" in text
    assert f"/{base_path()}/_stcore/health" in text
    ignored = (PROJECT_DIR / ".dockerignore").read_text().split()
    assert not {"data", "data/referentiel", "static", "influ_geo", "pages"} & set(ignored)


def test_systemd_unit_runs_the_app_with_the_env_file():
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str
    unit.read(DEPLOY / "influ_geo.service", encoding="utf-8")
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/influ_geo/env"
    assert service["User"] == "influ_geo" and service["Environment"] == "HOME=/var/lib/influ_geo"
    workdir = service["WorkingDirectory"]
    assert service["ExecStart"] == f"{workdir}/.venv/bin/python -m streamlit run app.py"
    writable = service["ReadWritePaths"].split()
    for name in ("INFLU_GEO_BAN_CACHE_DIR", "INFLU_GEO_FETCH_DIR"):
        assert any(env_example()[name].startswith(w + "/") for w in writable), name
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_accepts_the_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze absent")
    shutil.copy(DEPLOY / "influ_geo.service", tmp_path / "influ_geo.service")
    checked = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "influ_geo.service")],
                             capture_output=True, text=True, check=False, timeout=60)
    complaints = [line for line in (checked.stdout + checked.stderr).splitlines()
                  if line.strip() and "is not executable" not in line]  # no venv on this machine
    assert complaints == [], complaints


def test_cron_runs_real_commands():
    text = (DEPLOY / "influ_geo.cron").read_text(encoding="utf-8")
    backup_line = next(line for line in text.splitlines() if "-m influ_geo backup" in line)
    assert backup_line.split()[5] == "influ_geo"  # /etc/cron.d lines name the user
    assert "sed -n 's/^INFLU_GEO_DATABASE_URL=//p' /etc/influ_geo/env" in backup_line
    assert r"date +\%F" in backup_line  # cron turns an unescaped % into a new line
    parser = cli.build_parser()
    assert parser.parse_args(["backup", "-o", "s.zip"]).handler.__name__ == "run_backup"
    restore = re.search(r"python -m influ_geo (restore \S+ --yes)", text).group(1).split()
    assert parser.parse_args(restore).yes is True


def test_nginx_passes_the_websocket_upgrade_under_thebase_path():
    text = NGINX_CONF.read_text(encoding="utf-8")
    assert re.search(r"map \$http_upgrade \$connection_upgrade \{", text)
    stream = _nginx_location(f"/{base_path()}/_stcore/stream")
    for directive in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                      "proxy_set_header Connection $connection_upgrade;",
                      "proxy_set_header Host $http_host;", "proxy_buffering off;"):
        assert directive in stream, directive
    assert re.search(r"proxy_read_timeout (\d+)h;", stream)
    app = _nginx_location(f"/{base_path()}/")
    assert "proxy_set_header Host $http_host;" in app
    port = streamlit_settings()["server"]["port"]
    assert re.search(rf"server 127\.0\.0\.1:{port};", text)


# ---------------------------------------------------------------- behind a real nginx


@pytest.fixture
def proxied(tmp_path) -> Iterator[proxy_support.Proxied]:
    with proxy_support.proxied_app(tmp_path) as app:
        yield app


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(
        context=_unverified()))
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _raw_request(origin: str, request: str) -> str:
    """Send ``request`` over TLS and return the status line and headers of the answer."""
    host, port = origin.removeprefix("https://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw, \
            _unverified().wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(request.encode("latin-1"))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = tls.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n\r\n")[0].decode("latin-1")


def _websocket_handshake(origin: str, path: str, browser_origin: str) -> str:
    key = base64.b64encode(os.urandom(16)).decode()
    host = origin.removeprefix("https://")
    return _raw_request(origin, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                                f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                                f"Origin: {browser_origin}\r\n\r\n")


@pytest.mark.slow
def test_the_app_answers_through_nginx_as_deployed(proxied):
    origin, http_port = proxied.origin, proxied.http_port
    base = f"/{base_path()}"
    status, _, body = _get(f"{origin}{base}/_stcore/health")
    assert (status, body) == (200, b"ok")
    status, headers, _ = _get(f"http://127.0.0.1:{http_port}{base}/")
    assert status == 301 and headers["Location"].startswith("https://")
    status, headers, _ = _get(f"{origin}{base}")
    assert status == 301 and headers["Location"].endswith(f"{base}/")
    status, _, body = _get(f"{origin}{base}/")
    assert status == 200 and b"<html" in body.lower()

    vendor = env_example()["INFLU_GEO_VENDOR_URL"]
    status, _, body = _get(f"{origin}{vendor}/leaflet/leaflet.js")
    assert status == 200 and b"Leaflet" in body[:2000]
    assert _get(f"{origin}{config.VENDOR_URL}/leaflet/leaflet.js")[0] == 404  # hence the variable

    answer = _websocket_handshake(origin, f"{base}/_stcore/stream", origin)
    assert answer.startswith("HTTP/1.1 101"), answer
    assert "upgrade: websocket" in answer.lower()
    foreign = _websocket_handshake(origin, f"{base}/_stcore/stream", "https://autre-site.example")
    assert not foreign.startswith("HTTP/1.1 101"), foreign  # enableCORS: same origin only

    limit_mb = streamlit_settings()["server"]["maxUploadSize"]
    too_big = (limit_mb + 50) * 2**20
    answer = _raw_request(origin, f"PUT {base}/_stcore/upload_file/s/f HTTP/1.1\r\n"
                                  f"Host: {origin.removeprefix('https://')}\r\n"
                                  f"Content-Length: {too_big}\r\n\r\n")
    assert answer.startswith("HTTP/1.1 413"), answer
