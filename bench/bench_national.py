"""National scale: every page on 500,000 sites, 50,000 events and 100,000 actions.

Targets of the view issues, checked here on the national store (``bench.national_store``,
generated once and cached under the temporary folder), each printed next to the same
figure on the demonstration data measured in the same run (the baseline, as a ratio):

- data load (store ⇒ prepared ``Dataset``) in a fresh interpreter: aim ≤ 10 s, then
  cached per store version (shared by every session); the title links it needs are
  worked out by the import of events or actions (aim ≤ 10 s too) and kept on disk;
- server render of each page (AppTest, the data already loaded by the server): first
  run of a new session ≤ 1.5 s, rerun after a filter change ≤ 300 ms; Près de chez moi:
  results for a 30 km radius ≤ 300 ms after the commune is typed;
- map payload of each page (the ``st_folium`` components' arguments) ≤ 800 KB;
- Chromium, navigation ⇒ map drawn ≤ 3 s for Vue d'ensemble and Carte, on a server
  whose data is loaded (the first navigation after the start, which loads it, is shown).

Run alone with ``python -m bench.bench_national`` (about 2–3 minutes once the store is
cached; writing it takes about half a minute more).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench import national_store
from influ_geo import config, store
from influ_geo.demo_cli import today_paris, write_demo

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
LOAD_TARGET_S = 10.0
COLD_TARGET_S, CHANGE_TARGET_S, NEARBY_TARGET_S = 1.5, 0.300, 0.300
PAYLOAD_TARGET = config.MAP_PAYLOAD_MAX
BROWSER_TARGET_S = 3.0
PAGES = {  # label ⇒ file, in menu order
    "Vue d'ensemble": "app.py", "Carte": "pages/1_Carte.py",
    "Région par région": "pages/2_Region_par_region.py",
    "Près de chez moi": "pages/3_Pres_de_chez_moi.py", "Où agir": "pages/4_Ou_agir.py",
    "Mobilisations": "pages/5_Mobilisations.py", "Données": "pages/6_Donnees.py",
    "Présentation": "pages/7_Presentation.py",
}
THEME_CHANGES = (["inclusion"], ["responsable"], ["territoires", "imaginaire"])
COMMUNES = ("Lyon", "Rennes", "Valenciennes")  # typed one after the other (30 km)
LOAD_SCRIPT = """
import json, sys, time
start = time.perf_counter()
from datetime import date
from influ_geo import dataset, store
imported = time.perf_counter()
engine = store.get_engine(sys.argv[1])
frames = dataset.read_frames(engine)
read = time.perf_counter()
data = dataset.prepare(frames, date.fromisoformat(sys.argv[2]))
done = time.perf_counter()
# The next load of the same process after a write that leaves the events as they were
# (an action added): read again, title verdicts recalled.
dataset.prepare(dataset.read_frames(engine), date.fromisoformat(sys.argv[2]))
again = time.perf_counter()
print(json.dumps({"imports": imported - start, "lecture": read - imported,
                  "préparation": done - read, "total": done - imported,
                  "rechargement": again - done}))
"""


LINKS_SCRIPT = """
import json, sys, time
from influ_geo import dataset, store
engine = store.get_engine(sys.argv[1])
start = time.perf_counter()
dataset.work_out_links(engine)
print(json.dumps({"liaisons": time.perf_counter() - start}))
"""


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# ---------------------------------------------------------------- data load

def data_load_s(url: str, today: date, verdicts: Path) -> dict[str, float]:
    """Seconds to read the store and prepare the data set in a fresh interpreter, after
    another one has worked the title links out as an import of events or actions does
    (``"liaisons à l'import"``), sharing the folder of verdicts ``verdicts`` (empty at
    first): the dashboard's first load after that import, or after a restart."""
    env = {**os.environ, "INFLU_GEO_MATCH_CACHE_DIR": str(verdicts)}

    def run(script: str) -> dict[str, float]:
        out = subprocess.run([sys.executable, "-c", script, url, today.isoformat()],
                             check=True, capture_output=True, text=True, cwd=PROJECT, env=env)
        return json.loads(out.stdout.strip().splitlines()[-1])

    links = run(LINKS_SCRIPT)
    return {**run(LOAD_SCRIPT), "liaisons à l'import": links["liaisons"]}


# ---------------------------------------------------------------- server render

@dataclass
class PageFigures:
    """One page's figures: first run of a session, reruns after a filter change (median),
    map payload in bytes (0 without map), and the page's own interaction if any."""

    cold: float
    change: float
    payload: int
    extra: dict[str, float]


def payload_bytes(at) -> int:
    """Bytes of the arguments of the page's components (the maps sent to the browser)."""
    return sum(len(c.proto.json_args.encode("utf-8")) for c in at.get("component_instance"))


def _new_session(page: str):
    from streamlit.testing.v1 import AppTest

    _quiet_streamlit()  # again: each run reads streamlit's config, which resets the levels
    at = AppTest.from_file(str(APP), default_timeout=600)
    if page != "app.py":
        at.switch_page(page)
    return at


def _check(at, page: str) -> None:
    assert not at.exception, (page, [e.value for e in at.exception])


def page_figures(page: str) -> PageFigures:
    """Cold run of ``page`` in a new session, then three theme filter changes."""
    at = _new_session(page)
    cold = _timed(at.run)
    _check(at, page)
    payload = payload_bytes(at)
    changes = []
    for themes in THEME_CHANGES:
        widgets = [w for w in at.sidebar.multiselect if w.key == "_widget_filtre_themes"]
        action = widgets[0].set_value(themes).run if widgets else at.run  # Données: no filter
        changes.append(_timed(action))
        _check(at, page)
    extra = nearby_figures(at) if page == PAGES["Près de chez moi"] else {}
    return PageFigures(cold, statistics.median(changes), payload, extra)


def nearby_figures(at) -> dict[str, float]:
    """Près de chez moi: the first commune typed (index built), then the median of others."""
    def typed(name: str) -> float:
        seconds = _timed(at.text_input(key="_widget_pres_commune").set_value(name).run)
        _check(at, "Près de chez moi")
        return seconds

    first = typed("Saint-Étienne")
    return {"première commune": first,
            "commune suivante": statistics.median(typed(c) for c in COMMUNES),
            "carte (Ko)": payload_bytes(at) / 1000}


def render_figures(url: str) -> tuple[float, dict[str, PageFigures]]:
    """The first run of the app on ``url`` (loads the data: the server's start), then each
    page in a new session of the same server (data cached)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest  # noqa: F401  (streamlit's loggers exist)

    _quiet_streamlit()
    previous = config.DATABASE_URL
    config.DATABASE_URL = url
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        first = _new_session("app.py")
        start = _timed(first.run)
        _check(first, "app.py")
        return start, {label: page_figures(page) for label, page in PAGES.items()}
    finally:
        config.DATABASE_URL = previous


def _quiet_streamlit() -> None:
    """No "missing ScriptRunContext" warnings between the figures (sessions started
    outside a server)."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


# ---------------------------------------------------------------- Chromium

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _drawn_overview(page) -> bool:
    frame = page.frame_locator(MAP_IFRAME).first
    return frame.locator("path.leaflet-interactive").count() >= 13


def _drawn_carte(page) -> bool:
    frame = page.frame_locator(MAP_IFRAME).first
    return (frame.locator('path.leaflet-interactive[fill="#f4f1ea"]').count() >= 18
            and frame.locator(".influ-cluster").count() > 0)


BROWSER_PAGES = {"Vue d'ensemble": ("", _drawn_overview), "Carte": ("Carte", _drawn_carte)}


def _navigate(browser, base_url: str, path: str, drawn, timeout_s: float) -> float:
    """Seconds from ``goto`` to the map drawn, in a fresh context (CDN served locally)."""
    from influ_geo import assets

    context = browser.new_context(viewport={"width": 1440, "height": 1700}, locale="fr-FR")

    def route(request_route) -> None:
        local = assets.CDN_FILES.get(request_route.request.url)
        if local:
            request_route.fulfill(path=str(assets.VENDOR_DIR / local))
        else:
            request_route.abort()

    context.route(_browser_support().EXTERNAL, route)
    page = context.new_page()
    start = time.monotonic()
    page.goto(f"{base_url}/{path}")
    while not drawn(page):
        if time.monotonic() - start > timeout_s:
            context.close()
            raise TimeoutError(f"carte non dessinée après {timeout_s:.0f} s : /{path}")
        time.sleep(0.05)
    seconds = time.monotonic() - start
    context.close()
    return seconds


def _browser_support():
    sys.path.insert(0, str(PROJECT / "tests" / "browser"))
    import browser_support

    return browser_support


def browser_figures(url: str, folder: Path) -> dict[str, tuple[float, float]]:
    """Per page: (first navigation after the server's start, median of three navigations
    in new sessions), seconds to the map drawn. Empty without Chromium or Playwright."""
    support = _browser_support()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not support.CHROMIUM.is_file():
        return {}
    log = folder / f"streamlit-{abs(hash(url))}.log"
    verdicts = {"INFLU_GEO_MATCH_CACHE_DIR": str(config.MATCH_CACHE_DIR)}
    with support.streamlit_server(url, log, **verdicts) as base_url, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(support.CHROMIUM),
                                             args=support.LAUNCH_ARGS)
        out = {}
        for label, (path, drawn) in BROWSER_PAGES.items():
            first = _navigate(browser, base_url, path, drawn, 600)
            warm = [_navigate(browser, base_url, path, drawn, 60) for _ in range(3)]
            out[label] = (first, statistics.median(warm))
        browser.close()
    return out


# ---------------------------------------------------------------- output

def _verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "HORS CIBLE"


def _line(label: str, value: float, base: float, target: float, unit: str = "s") -> str:
    scale, fmt = {"s": (1, "{:6.2f} s "), "ms": (1000, "{:6.0f} ms"),
                  "Ko": (1 / 1000, "{:6.0f} Ko")}[unit]
    target_text = fmt.format(target * scale).strip()
    ratio = f"×{value / base:.1f}" if base > 0 else "—"
    return (f"  {label:<34} {fmt.format(value * scale)} (démo {fmt.format(base * scale).strip()}"
            f", rapport {ratio} ; cible ≤ {target_text} : {_verdict(value, target)})")


def print_load(national: dict[str, float], demo: dict[str, float]) -> None:
    print("Chargement des données (base ⇒ Dataset, interpréteur neuf) :")
    print(_line("liaisons par titre, à l'import", national["liaisons à l'import"],
                demo["liaisons à l'import"], LOAD_TARGET_S))
    print("    (ajouté à un import d'événements ou de mobilisations ; verdicts gardés sur disque)")
    print(_line("premier chargement ensuite", national["total"], demo["total"],
                LOAD_TARGET_S))
    for step in ("lecture", "préparation"):
        print(f"    dont {step:<12} {national[step]:6.2f} s (démo {demo[step]:.2f} s)")
    print(_line("rechargement après une écriture", national["rechargement"],
                demo["rechargement"], LOAD_TARGET_S))


def print_pages(national: dict[str, PageFigures], demo: dict[str, PageFigures]) -> None:
    for label, figures in national.items():
        base = demo[label]
        print(f"{label} :")
        print(_line("rendu à froid (nouvelle session)", figures.cold, base.cold, COLD_TARGET_S))
        print(_line("changement de filtre (médiane)", figures.change, base.change,
                    CHANGE_TARGET_S, "ms"))
        if figures.payload or base.payload:
            print(_line("cartes envoyées", figures.payload, base.payload, PAYLOAD_TARGET, "Ko"))
        for name, value in figures.extra.items():
            if name.endswith("(Ko)"):
                print(f"    {name:<30} {value:6.0f} Ko (démo {base.extra[name]:.0f} Ko)")
            else:
                print(_line(f"résultats à 30 km, {name}", value, base.extra[name],
                            NEARBY_TARGET_S, "ms"))


def print_browser(national: dict[str, tuple[float, float]],
                  demo: dict[str, tuple[float, float]]) -> None:
    if not national:
        print("Chromium ou Playwright absent : temps navigateur non mesurés.")
        return
    for label, (first, warm) in national.items():
        print(f"Chromium, {label} :")
        print(_line("navigation ⇒ carte dessinée", warm, demo[label][1], BROWSER_TARGET_S))
        print(f"    première navigation après le démarrage du serveur (chargement des "
              f"données compris) : {first:.1f} s (démo {demo[label][0]:.1f} s)")


def main() -> None:
    """Build (or reuse) the stores, measure the demo then the national store, print."""
    today = today_paris()
    url, written = national_store.national_store_url(today)
    if written:
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in written.items())
        print(f"Base nationale écrite (mise en cache) : {steps}")
    print(f"Base nationale : {national_store.N_SITES:,} sites, {national_store.N_EVENTS:,} "
          f"événements, {national_store.N_ACTIONS:,} mobilisations".replace(",", " "))
    with tempfile.TemporaryDirectory(prefix="bench_national_") as directory:
        folder = Path(directory)
        demo_url = f"sqlite:///{folder / 'demo.sqlite'}"
        write_demo(store.get_engine(demo_url), today)
        loads = {name: data_load_s(u, today, folder / f"liaisons-{name}")
                 for name, u in (("demo", demo_url), ("national", url))}
        print_load(loads["national"], loads["demo"])
        starts, pages = {}, {}
        for name, u in (("demo", demo_url), ("national", url)):
            config.MATCH_CACHE_DIR = folder / f"liaisons-{name}"  # as a restarted server
            starts[name], pages[name] = render_figures(u)
        print(f"Premier rendu du serveur (chargement compris) : {starts['national']:.1f} s "
              f"(démo {starts['demo']:.1f} s)")
        print_pages(pages["national"], pages["demo"])
        browser = {}
        for name, u in (("demo", demo_url), ("national", url)):
            config.MATCH_CACHE_DIR = folder / f"liaisons-{name}"
            browser[name] = browser_figures(u, folder)
        print_browser(browser["national"], browser["demo"])


if __name__ == "__main__":
    main()
