"""Importing a 10,000-row actions file through the Mobilisations page (AppTest).

Target (issue "members and data stewards"): ≤ 10 s for the whole import through the page,
report included: the upload is read, checked, placed and reported (first run), then the
editor confirms and the rows are written and the page shows them (second run, which
reloads the data). Baseline measured in the same run on the same file: the command
``python -m influ_geo import actions FILE`` (in process), which writes without showing
anything. Both start from a store holding the demonstration data set.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from bench.bench_import import write_actions_csv
from influ_geo import auth, cli, config, importers, referentiel, store, ui_auth
from influ_geo.demo_cli import today_paris, write_demo

ROWS = 10_000
TARGET_SECONDS = 10.0
PROJECT = Path(__file__).resolve().parent.parent
KEY = "mobilisations_import"


def _store(folder: Path, name: str) -> str:
    """A store holding the demonstration data set; its URL."""
    url = f"sqlite:///{folder / name}"
    write_demo(store.get_engine(url), today_paris())
    return url


def cli_seconds(path: Path, url: str) -> float:
    """Seconds of ``python -m influ_geo import actions FILE`` on the store ``url``."""
    config.DATABASE_URL = url
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["import", "actions", str(path)])
    seconds = time.perf_counter() - start
    assert code == 0
    return seconds


def page_seconds(path: Path, url: str) -> dict[str, float]:
    """Upload ⇒ report (first run), confirm ⇒ write and reload (second run), in seconds."""
    config.DATABASE_URL = url
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.switch_page("pages/5_Mobilisations.py")
    at.session_state[ui_auth.EDITOR_KEY] = "banc"
    at.run()
    at.radio(key="_widget_mobilisations_section").set_value("importer").run()
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "text/csv"))
    start = time.perf_counter()
    at.run()
    report = time.perf_counter() - start
    figures = {m.label: m.value.replace("\u202f", "") for m in at.metric}
    assert not at.exception and figures["Conservées"] == str(ROWS), figures
    start = time.perf_counter()
    at.button(key=f"{KEY}_confirmer").click().run()
    write = time.perf_counter() - start
    assert not at.exception and at.success, [e.value for e in at.error]
    return {"report": report, "write": write, "total": report + write}


def main() -> None:
    """Generate the file, time the command and the page on two equal stores, print."""
    referentiel.communes()  # loaded once per process, as in the app
    previous_url = config.DATABASE_URL
    os.environ["INFLU_GEO_EDITOR_BANC"] = auth.hash_password("banc", iterations=1000)
    with tempfile.TemporaryDirectory(prefix="bench_pages_data_") as directory:
        folder = Path(directory)
        path = write_actions_csv(folder / "mobilisations.csv", rows=ROWS)
        # Both paths then find the geocoding indexes built, as a running app does.
        warm = write_actions_csv(folder / "echauffement.csv", rows=100, seed=3)
        importers.preview(warm, "actions", engine=store.get_engine(f"sqlite:///{folder}/w.db"))
        baseline = cli_seconds(path, _store(folder, "cli.sqlite"))
        page = page_seconds(path, _store(folder, "page.sqlite"))
    config.DATABASE_URL = previous_url
    os.environ.pop("INFLU_GEO_EDITOR_BANC", None)
    verdict = "OK" if page["total"] <= TARGET_SECONDS else "AU-DESSUS DE LA CIBLE"
    rows = f"{ROWS:,}".replace(",", " ")
    print(f"Import de {rows} mobilisations par la page Mobilisations : {page['total']:.1f} s "
          f"(rapport affiché {page['report']:.1f} s, écriture et rechargement "
          f"{page['write']:.1f} s ; cible ≤ {TARGET_SECONDS:.0f} s : {verdict})")
    print(f"  base : commande « import actions » sur le même fichier {baseline:.1f} s ⇒ "
          f"page / commande = {page['total'] / baseline:.2f}")


if __name__ == "__main__":
    main()
