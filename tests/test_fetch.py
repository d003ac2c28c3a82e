"""``fetch``: official files downloaded from a real HTTP server on 127.0.0.1 (fetch_server.py)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from fetch_server import AGENDA_UID, IREP_YEAR, FetchServer, agenda_events, mirror_path
from fetch_server import official_files as served_files

from influ_geo import cli, config, fetch, fetch_cli, store
from influ_geo.download import FetchRejected, FetchUnavailable, download, part_path

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The mirror of every official file; fetch points at it and writes under tmp_path."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    running = FetchServer(files=served_files(config))
    running.agendas[mirror_path(config.OPENAGENDA_URL.format(uid=AGENDA_UID))] = agenda_events()
    running.start()
    monkeypatch.setattr(config, "FETCH_BASE_URL", running.url)
    monkeypatch.setattr(config, "FETCH_DIR", tmp_path / "raw")
    monkeypatch.setattr(config, "FETCH_TIMEOUT", 5.0)
    monkeypatch.setattr(config, "FETCH_MAX_RETRIES", 2)
    monkeypatch.setattr(config, "FETCH_BACKOFF", 0.05)
    monkeypatch.setattr(config, "FETCH_MAX_WAIT", 3.0)
    yield running
    running.stop()


def served(url: str, server: FetchServer) -> bytes:
    return server.files[mirror_path(url)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """A ``progress(done, total)`` callback that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))


# --- every source ------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "options", "urls"), [
    ("icpe", {}, lambda: [config.ICPE_URL.format(format="SHAPEZIP")]),
    ("icpe", {"icpe_format": "csv"}, lambda: [config.ICPE_URL.format(format="csv")]),
    ("sirene", {}, lambda: [config.SIRENE_STOCK_URL, config.SIRENE_GEOLOC_URL]),
    ("sirene", {"geolocalisation": False}, lambda: [config.SIRENE_STOCK_URL]),
    ("irep", {"annee": IREP_YEAR}, lambda: [config.IREP_URL.format(annee=IREP_YEAR)]),
    ("territoires-industrie", {}, lambda: [config.TERRITOIRES_INDUSTRIE_URL]),
])
def test_each_source_lands_byte_for_byte_with_its_checksum(server, source, options, urls):
    files = fetch.fetch_source(source, **options)
    assert [f.url for f in files] == [f"{server.url}{mirror_path(url)}" for url in urls()]
    for item, url in zip(files, urls(), strict=True):
        data = served(url, server)
        assert item.path.parent == config.FETCH_DIR / source
        assert item.path.read_bytes() == data
        assert (item.size, item.sha256) == (len(data), sha256(data))
        assert item.path.with_name(item.path.name + ".sha256").read_text() == (
            f"{sha256(data)}  {item.path.name}\n")
        record = json.loads(item.path.with_name(item.path.name + ".origine.json").read_text())
        assert record["sha256"] == sha256(data) and record["url"] == item.url
    assert not list(config.FETCH_DIR.rglob("*.part"))


def test_downloaded_files_open_as_the_official_archives(server):
    stock, geo = fetch.fetch_source("sirene")
    with zipfile.ZipFile(stock.path) as archive:
        assert archive.namelist() == ["StockEtablissement_utf8.csv"]
        assert archive.read("StockEtablissement_utf8.csv").startswith(b"siren,nic,siret,")
    with zipfile.ZipFile(geo.path) as archive:
        assert archive.read(archive.namelist()[0]).startswith(b"siret;x;y;")
    irep = fetch.fetch_source("irep", annee=IREP_YEAR)[0]
    assert zipfile.ZipFile(irep.path).namelist() == [f"{IREP_YEAR}/etablissements.csv"]


# --- progress ----------------------------------------------------------------------------

def test_progress_counts_bytes_up_to_content_length(server, monkeypatch):
    monkeypatch.setattr(config, "FETCH_BLOCK_BYTES", 500)
    data = served(config.SIRENE_STOCK_URL, server)
    progress = Recorder()
    fetch.fetch_source("sirene", geolocalisation=False, progress=progress)
    dones = [done for done, _ in progress.calls]
    assert progress.calls[0] == (0, len(data))
    assert progress.calls[-1] == (len(data), len(data))
    assert {total for _, total in progress.calls} == {len(data)}
    assert dones == sorted(set(dones))  # strictly increasing
    assert len(dones) == 1 + -(-len(data) // 500)  # one call per block after the first


def test_chunked_answer_without_content_length(server, monkeypatch):
    monkeypatch.setattr(config, "FETCH_BLOCK_BYTES", 700)
    path = mirror_path(config.TERRITOIRES_INDUSTRIE_URL)
    server.chunked.add(path)
    data = server.files[path]
    progress = Recorder()
    item = fetch.fetch_source("territoires-industrie", progress=progress)[0]
    assert item.path.read_bytes() == data and item.sha256 == sha256(data)
    assert {total for _, total in progress.calls} == {None}
    assert progress.calls[0][0] == 0 and progress.calls[-1][0] == len(data)


# --- interrupted transfers ---------------------------------------------------------------

@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_cut_transfer_is_resumed_with_range(server, chunked):
    path = mirror_path(config.SIRENE_STOCK_URL)
    data = server.files[path]
    if chunked:
        server.chunked.add(path)
    server.cut[path] = (1000, 1)
    item = fetch.fetch_source("sirene", geolocalisation=False)[0]
    assert item.path.read_bytes() == data and item.sha256 == sha256(data)
    asked = [headers for p, headers in server.requests if p == path]
    assert len(asked) == 2
    assert asked[1]["Range"] == "bytes=1000-"
    assert asked[1]["If-Range"].startswith('"')  # the ETag noted at the first answer
    assert not part_path(item.path).exists()


def test_cut_transfer_leaves_no_final_file_and_the_next_run_resumes(server, monkeypatch):
    monkeypatch.setattr(config, "FETCH_MAX_RETRIES", 0)
    path = mirror_path(config.IREP_URL.format(annee=IREP_YEAR))
    data = server.files[path]
    server.cut[path] = (600, 1)
    final = config.FETCH_DIR / "irep" / f"{IREP_YEAR}.zip"
    with pytest.raises(FetchUnavailable, match="transfert interrompu : 600 octets reçus sur"):
        fetch.fetch_source("irep", annee=IREP_YEAR)
    assert not final.exists()
    assert part_path(final).read_bytes() == data[:600]
    item = fetch.fetch_source("irep", annee=IREP_YEAR)[0]
    assert item.resumed_from == 600
    assert final.read_bytes() == data and item.sha256 == sha256(data)
    assert not part_path(final).exists()


def test_ctrl_c_keeps_the_partial_file_for_the_next_run(server, monkeypatch, capsys):
    monkeypatch.setattr(config, "FETCH_BLOCK_BYTES", 1000)
    data = served(config.SIRENE_STOCK_URL, server)
    final = config.FETCH_DIR / "sirene" / "StockEtablissement_utf8.zip"

    class Interrupting(fetch_cli.TerminalProgress):
        """The bar of a user who presses Ctrl-C once 2 000 bytes are in."""

        def __call__(self, done: int, total: int | None) -> None:
            if done >= 2000:
                raise KeyboardInterrupt

    monkeypatch.setattr(fetch_cli, "TerminalProgress", Interrupting)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.main(["fetch", "sirene", "--sans-geolocalisation"]) == 130
    assert "relancez la même commande pour le reprendre" in capsys.readouterr().err
    assert not final.exists() and part_path(final).read_bytes() == data[:2000]
    item = fetch.fetch_source("sirene", geolocalisation=False)[0]
    assert item.resumed_from == 2000 and item.sha256 == sha256(data)


def test_partial_file_of_an_older_version_is_not_spliced(server):
    """The server's file changed since the cut: If-Range fails, the whole file comes again."""
    url = f"{server.url}{mirror_path(config.TERRITOIRES_INDUSTRIE_URL)}"
    dest = config.FETCH_DIR / "territoires-industrie" / "liste.csv"
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(b"insee_com,lib_com,id_ti,lib_ti\n01010,ANCIEN")
    dest.with_name(dest.name + ".part.json").write_text(
        json.dumps({"url": url, "validator": '"ancienne-version"'}))
    item = download(url, dest)
    data = server.files[mirror_path(config.TERRITOIRES_INDUSTRIE_URL)]
    assert item.resumed_from == 0
    assert dest.read_bytes() == data and item.sha256 == sha256(data)


# --- retries and refusals ----------------------------------------------------------------

def test_429_waits_for_retry_after_then_succeeds(server):
    path = mirror_path(config.TERRITOIRES_INDUSTRIE_URL)
    server.fail_429[path], server.retry_after = 1, "1"
    started = time.monotonic()
    item = fetch.fetch_source("territoires-industrie")[0]
    assert time.monotonic() - started >= 0.95
    assert item.sha256 == sha256(server.files[path])
    assert [p for p, _ in server.requests].count(path) == 2


def test_5xx_is_retried_and_persistent_failure_is_unavailable(server, monkeypatch):
    path = mirror_path(config.TERRITOIRES_INDUSTRIE_URL)
    server.fail_503[path] = 2
    assert fetch.fetch_source("territoires-industrie")[0].sha256 == sha256(server.files[path])
    monkeypatch.setattr(config, "FETCH_MAX_RETRIES", 1)
    server.fail_503[path] = 5
    with pytest.raises(FetchUnavailable, match=r"erreur HTTP 503 du service, 2 essai\(s\)"):
        fetch.fetch_source("territoires-industrie", resume=False)


def test_404_is_one_french_line_with_the_url(server, capsys):
    code = cli.main(["fetch", "irep", "--annee", str(IREP_YEAR - 1)])
    err = capsys.readouterr().err
    url = f"{server.url}/files.georisques.fr/irep/{IREP_YEAR - 1}.zip"
    assert code == 2
    assert err == (f"Erreur : Fichier introuvable sur le serveur (HTTP 404) : {url} "
                   "(adresse réglable par INFLU_GEO_IREP_URL)\n")
    assert not list(config.FETCH_DIR.rglob("*.zip*"))


def test_html_page_instead_of_the_zip_is_refused(server):
    server.files[mirror_path(config.SIRENE_STOCK_URL)] = b"<!DOCTYPE html><html>Maintenance</html>"
    with pytest.raises(FetchRejected, match=r"ce n'est pas une archive zip.*Maintenance"):
        fetch.fetch_source("sirene", geolocalisation=False)
    assert not list(config.FETCH_DIR.rglob("StockEtablissement*"))


def test_unchanged_file_is_not_downloaded_again(server):
    first = fetch.fetch_source("irep", annee=IREP_YEAR)[0]
    again = fetch.fetch_source("irep", annee=IREP_YEAR)[0]
    assert again.up_to_date and again.sha256 == first.sha256
    assert server.requests[-1][1]["If-None-Match"] == json.loads(
        first.path.with_name(first.path.name + ".origine.json").read_text())["validator"]
    forced = fetch.fetch_source("irep", annee=IREP_YEAR, resume=False)[0]
    assert not forced.up_to_date and "If-None-Match" not in server.requests[-1][1]


# --- network unreachable: exit 3, one French line ----------------------------------------

def test_connection_refused_exits_3_without_traceback(tmp_path):
    env = {**os.environ, "INFLU_GEO_FETCH_BASE_URL": f"http://127.0.0.1:{closed_port()}",
           "INFLU_GEO_FETCH_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "influ_geo", "fetch", "territoires-industrie"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stderr.startswith("Erreur : Réseau injoignable (connexion refusée) : "
                                  "téléchargement impossible de http://127.0.0.1:")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not any(tmp_path.rglob("*.csv"))


def test_timeout_exits_3(server, monkeypatch, capsys):
    monkeypatch.setattr(config, "FETCH_TIMEOUT", 0.3)
    monkeypatch.setattr(config, "FETCH_MAX_RETRIES", 1)
    server.delay = 10
    started = time.monotonic()
    assert cli.main(["fetch", "territoires-industrie"]) == 3
    assert time.monotonic() - started < 3
    err = capsys.readouterr().err
    assert err.startswith("Erreur : Téléchargement impossible (pas de réponse en 0,3 s, "
                          "2 essai(s)) : http://127.0.0.1:")
    assert err.count("\n") == 1


def test_unknown_host_exits_3(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(config, "FETCH_BASE_URL", "http://miroir.invalid")
    monkeypatch.setattr(config, "FETCH_DIR", tmp_path)
    assert cli.main(["fetch", "irep", "--annee", "2023"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Erreur : Réseau injoignable (nom de serveur introuvable")


# --- OpenAgenda --------------------------------------------------------------------------

def test_openagenda_follows_the_after_cursor_across_pages(server):
    progress = Recorder()
    item = fetch.fetch_source("openagenda", uid=AGENDA_UID, progress=progress)[0]
    events = agenda_events()
    pages = [p for p, _ in server.requests if "/agendas/" in p]
    assert len(pages) == 3  # 8 events, 3 per page
    assert pages[1].endswith("events.v2.json?after%5B%5D=3")
    assert pages[2].endswith("events.v2.json?after%5B%5D=6")
    saved = json.loads(item.path.read_bytes())
    assert [e["uid"] for e in saved["events"]] == [e["uid"] for e in events]
    assert saved["total"] == len(events)
    assert progress.calls == [(3, 8), (6, 8), (8, 8)]
    assert item.sha256 == sha256(item.path.read_bytes())


def test_openagenda_single_page_and_unknown_agenda(server):
    server.page_size = 50
    item = fetch.fetch_source("openagenda", uid=AGENDA_UID)[0]
    assert len(json.loads(item.path.read_bytes())["events"]) == 8
    with pytest.raises(FetchRejected, match=r"HTTP 404.*agendas/999/events\.v2\.json"):
        fetch.fetch_source("openagenda", uid="999")


# --- options, URLs, terminal output ------------------------------------------------------

def test_mirror_keeps_host_path_and_query():
    assert fetch.mirrored("https://files.georisques.fr/irep/2023.zip", "http://h:1/") == (
        "http://h:1/files.georisques.fr/irep/2023.zip")
    assert fetch.mirrored("https://a.fr/dl?&outputformat=csv", "http://h:1") == (
        "http://h:1/a.fr/dl?&outputformat=csv")
    assert fetch.mirrored("https://a.fr/x.zip", "") == "https://a.fr/x.zip"


@pytest.mark.parametrize(("argv", "message"), [
    (["fetch", "irep"], "irep : précisez l'année avec --annee"),
    (["fetch", "irep", "--annee", "1990"], "année 1990 hors de la période publiée (2003–"),
    (["fetch", "openagenda"], "openagenda : précisez l'identifiant de l'agenda avec --uid"),
    (["fetch", "openagenda", "--uid", "../x"], "précisez l'identifiant de l'agenda"),
    (["fetch", "sirene", "--annee", "2023"], "--annee ne s'emploie qu'avec la source irep"),
    (["fetch", "irep", "--annee", "2023", "--format", "csv"], "--format ne s'emploie qu'avec"),
])
def test_unusable_options_are_refused_in_french(argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_prints_a_summary_per_file(server, capsys):
    assert cli.main(["fetch", "sirene"]) == 0
    out = capsys.readouterr().out.splitlines()
    stock = served(config.SIRENE_STOCK_URL, server)
    assert len(out) == 2
    stock_path = config.FETCH_DIR / "sirene" / "StockEtablissement_utf8.zip"
    assert out[0].startswith(f"Téléchargé : {stock_path} (")
    assert out[0].endswith(f"sha256 {sha256(stock)}")
    assert cli.main(["fetch", "sirene"]) == 0
    assert capsys.readouterr().out.startswith("Déjà à jour : ")


def test_terminal_progress_bar():
    assert fetch_cli.render_bar("a.zip", 5_000, 10_000, width=10) == (
        "a.zip   50 % [=====>    ] 5,0 ko / 10,0 ko")
    assert fetch_cli.render_bar("a.zip", 2_500_000, None) == "a.zip  2,5 Mo reçus"
    stream = io.StringIO()
    bar = fetch_cli.TerminalProgress("a.zip", stream=stream, interval=60)
    for done in (0, 400, 800, 1000):
        bar(done, 1000)
    bar.close()
    # the first call draws, the next ones are throttled, the last one always draws and
    # blanks out the end of the longer line before it
    assert stream.getvalue() == (
        "\ra.zip    0 % [                        ] 0 octets / 1,0 ko"
        "\ra.zip  100 % [========================] 1,0 ko / 1,0 ko  \n")


# --- --import ----------------------------------------------------------------------------

def test_import_jobs_send_the_geolocation_with_the_stock(server):
    remotes = fetch.remote_files("sirene")
    files = [fetch.fetch_file(remote) for remote in remotes]
    assert fetch_cli.import_jobs(remotes, files) == [fetch_cli.ImportJob(
        files[0].path, "sites", "sirene", files[0].sha256, geolocalisation=files[1].path)]
    assert [job.fmt for job in fetch_cli.import_jobs(
        fetch.remote_files("icpe", icpe_format="csv"), files[:1])] == ["icpe-csv"]


@pytest.fixture
def store_url(monkeypatch, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setattr(config, "DATABASE_URL", url)
    return url


@pytest.mark.parametrize(("argv", "source_url", "kind"), [
    (["irep", "--annee", str(IREP_YEAR)], lambda: config.IREP_URL.format(annee=IREP_YEAR),
     "sites"),
    (["sirene"], lambda: config.SIRENE_STOCK_URL, "sites"),
    (["openagenda", "--uid", AGENDA_UID], None, "events"),
])
def test_import_option_logs_the_download_checksum(server, store_url, capsys, argv, source_url,
                                                   kind):
    assert cli.main(["fetch", *argv, "--import"]) == 0
    out = capsys.readouterr().out
    log = store.list_imports(store.get_engine(store_url))
    assert len(log) == 1 and log.loc[0, "kind"] == kind
    downloaded = [line.rsplit("sha256 ", 1)[1] for line in out.splitlines()
                  if line.startswith("Téléchargé : ")]
    assert log.loc[0, "checksum"] == downloaded[0]
    if source_url is not None:
        assert downloaded[0] == sha256(served(source_url(), server))
    assert log.loc[0, "rows_kept"] > 0
    # the same command again: the file is up to date and already in the log, nothing added
    assert cli.main(["fetch", *argv, "--import"]) == 0
    assert len(store.list_imports(store.get_engine(store_url))) == 1
