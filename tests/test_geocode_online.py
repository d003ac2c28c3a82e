"""``python -m influ_geo geocode IN -o OUT --online`` end to end, against the local BAN server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("influ_geo.geocode")

PROJECT_DIR = Path(__file__).resolve().parent.parent
# A data steward's file: street addresses with postcode and commune, no coordinates.
INPUT = (
    "nom;adresse;code_postal;commune\n"
    "Ministère;20 avenue de Ségur;75007;PARIS\n"
    "Atelier;Cours Napoléon;20000;Ajaccio\n"
    "Forum;Rue de Paris;97400;Saint-Denis\n"
    "Mairie;;93200;Saint-Denis\n"
)


def geocode_cli(tmp_path: Path) -> tuple[subprocess.CompletedProcess, pd.DataFrame]:
    """Run the command on INPUT with the current environment; return it and the output file."""
    source, target = tmp_path / "sites.csv", tmp_path / "sites_geo.csv"
    source.write_text(INPUT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "influ_geo", "geocode", str(source), "-o", str(target), "--online"],
        cwd=PROJECT_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done, pd.read_csv(target, dtype=str, keep_default_na=False, sep=None, engine="python")


@pytest.mark.slow
def test_online_gives_street_precision(ban_server, tmp_path) -> None:
    _, result = geocode_cli(tmp_path)
    assert list(result["nom"]) == ["Ministère", "Atelier", "Forum", "Mairie"]
    assert list(result["geo_precision"]) == ["housenumber", "street", "street", "municipality"]
    # The service's arrondissement code (75107) is brought back to the commune (75056).
    assert list(result["code_insee"]) == ["75056", "2A004", "97411", "93066"]
    assert float(result.loc[0, "lon"]) == pytest.approx(2.3097, abs=1e-3)
    assert ban_server.uploads, "the rows were not sent to the service"


@pytest.mark.slow
def test_server_down_keeps_offline_results(ban_server, tmp_path, monkeypatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("INFLU_GEO_BAN_URL", f"http://127.0.0.1:{port}")
    done, result = geocode_cli(tmp_path)
    said = [line for line in (done.stdout + done.stderr).splitlines() if "en ligne" in line]
    assert said == [
        "Géocodage en ligne indisponible (réseau injoignable) : "
        "les résultats hors ligne sont conservés."
    ]
    assert list(result["geo_precision"]) == ["municipality"] * 4
    assert list(result["code_insee"]) == ["75056", "2A004", "97411", "93066"]
    assert all(result["lon"])
