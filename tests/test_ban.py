"""The BAN online adapter against a real HTTP server on 127.0.0.1 (tests/ban_server.py)."""

from __future__ import annotations

import math
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo import ban, config
from influ_geo.ban import BanRejected, BanUnavailable, RetryPolicy, geocode_rows
from influ_geo.ban_query import Q_MAX_CHARS, build_query, strip_invalid_start

# Real addresses with the codes a data file gives (commune codes, not arrondissements).
ROWS = pd.DataFrame(
    {
        "adresse": ["20 avenue de Ségur", "Cours Napoléon", "Rue de Paris", "", "rue inconnue"],
        "code_postal": ["75007", "20000", "97400", "", "01000"],
        "commune": ["PARIS", "Ajaccio", "Saint-Denis", "Saint-Denis", "Bourg-en-Bresse"],
        "code_insee": ["75056", "2A004", "97411", "97411", "01053"],
    },
    index=[40, 7, 12, 3, 99],
)


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries short enough for a test run (the real pauses are seconds)."""
    monkeypatch.setattr(config, "BAN_MAX_RETRIES", 2)
    monkeypatch.setattr(config, "BAN_BACKOFF", 0.05)
    monkeypatch.setattr(config, "BAN_MAX_WAIT", 2.0)


def run(server, frame=ROWS, tmp_path=None, **kwargs) -> pd.DataFrame:
    return geocode_rows(frame, base_url=server.url, cache_dir=tmp_path, **kwargs)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- the pure parts ---------------------------------------------------------------------

ANSWER_CSV = (
    "\ufeffinfluid,influ_geo_ligne,adresse,commune,latitude,longitude,result_label,result_score,"
    "result_type,result_citycode,result_status\r\n"
    "a,0,20 avenue de Ségur,Paris,48.849913,2.309683,20 Avenue de Ségur 75007 Paris,0.97,"
    "housenumber,75107,ok\r\n"
    "b,1,zzz,Nulle-Part,,,,,,,not-found\r\n"
    'c,2,"Cours Napoléon, bât. B",Ajaccio,41.92481,8.73697,Cours Napoléon 20000 Ajaccio,'
    "0.64,street,2A004,ok\r\n"
)


def test_parse_results_reads_the_service_columns() -> None:
    parsed = ban._parse_results(ANSWER_CSV)
    assert list(parsed.index) == ["0", "1", "2"]
    first = parsed.loc["0"]
    assert (first.lon, first.lat, first.geo_score) == (2.309683, 48.849913, 0.97)
    assert (first.result_type, first.citycode, first.status) == ("housenumber", "75107", "ok")
    assert first.label == "20 Avenue de Ségur 75007 Paris"
    assert math.isnan(parsed.loc["1", "lon"]) and parsed.loc["1", "result_type"] == ""
    assert parsed.loc["1", "status"] == "not-found"
    assert parsed.loc["2", "citycode"] == "2A004"
    assert parsed["lon"].dtype == float and parsed["geo_score"].dtype == float


def test_parse_results_semicolons_without_id_or_status() -> None:
    """The older addok service has no result_status; a missing id falls back to position."""
    text = (
        "adresse;latitude;longitude;result_score;result_type\n"
        "1 rue X;;;;\n"
        "Y;-20.88;55.45;0.5;municipality\n"
    )
    parsed = ban._parse_results(text)
    assert list(parsed["status"]) == ["not-found", "ok"]
    assert parsed.index.name is None and parsed.iloc[1]["lon"] == 55.45


@pytest.mark.parametrize("text", ["<html><body>Proxy login</body></html>", ""])
def test_parse_results_refuses_what_is_not_a_geocoding_csv(text: str) -> None:
    with pytest.raises(ValueError, match="latitude"):
        ban._parse_results(text)


NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(minutes=5), usegmt=True), 0.0),
        ("bientôt", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_http_date(header: str | None, seconds: float | None) -> None:
    assert ban._retry_after_seconds(header, now=NOW) == seconds


def test_retry_policy_honours_retry_after_within_the_cap() -> None:
    policy = RetryPolicy(max_retries=3, max_wait=10.0, backoff=2.0)
    assert policy.wait(0, "1") == 1.0
    assert policy.wait(0, "3600") == 10.0
    assert [policy.wait(n) for n in range(4)] == [2.0, 4.0, 8.0, 10.0]


@pytest.mark.parametrize(
    ("row", "q", "row_filter"),
    [
        # Paris: addresses carry 75107 at the service, so 75056 would find nothing.
        (
            ("20 avenue de Ségur", "75007", "PARIS", "75056"),
            "20 avenue de Ségur PARIS",
            ("postcode", "75007"),
        ),
        (
            ("Cours Napoléon", "20000", "Ajaccio", "2a004"),
            "Cours Napoléon Ajaccio",
            ("citycode", "2A004"),
        ),
        (
            ("1 place Bellecour", "69002", "Lyon", "69123"),
            "1 place Bellecour Lyon",
            ("postcode", "69002"),
        ),
        # A CEDEX postcode never filters when the INSEE code is known.
        (
            ("2 place de la Défense", "92092", "Puteaux", "92062"),
            "2 place de la Défense Puteaux",
            ("citycode", "92062"),
        ),
        (
            ("4 rue Bourgmayer", "1000", "Bourg-en-Bresse", ""),
            "4 rue Bourgmayer Bourg-en-Bresse",
            ("postcode", "01000"),
        ),
        (("", "", "Saint-Denis", "97411"), "Saint-Denis", ("citycode", "97411")),
        (('"- 3 rue du Port', "", "", "1001"), "3 rue du Port", ("citycode", "01001")),
        (("rue du Port", "CEDEX 9", "Nantes", "inconnu"), "rue du Port Nantes", ("", "")),
    ],
)
def test_build_query_filters_one_way(row: tuple, q: str, row_filter: tuple) -> None:
    query = build_query(*row)
    assert query.q == q
    assert (query.filter_name, query.filter_value) == row_filter


@pytest.mark.parametrize(
    "row", [("", "75007", "", "75056"), ("-", "", "", ""), ("  ", "", "Y", "")]
)
def test_build_query_skips_what_the_service_would_skip(row: tuple) -> None:
    assert build_query(*row) is None


@given(st.text(max_size=400), st.text(max_size=60), st.text(max_size=8), st.text(max_size=8))
def test_build_query_always_fits_the_service(adresse, commune, code_postal, code_insee) -> None:
    query = build_query(adresse, code_postal, commune, code_insee)
    if query is not None:
        assert 3 <= len(query.q) <= Q_MAX_CHARS
        assert strip_invalid_start(query.q) == query.q
        assert query.filter_name in ("", "citycode", "postcode")


# --- against the local server -----------------------------------------------------------


def test_places_real_addresses_in_input_order(ban_server, tmp_path) -> None:
    result = run(ban_server, tmp_path=tmp_path)
    assert list(result.index) == list(ROWS.index)
    assert list(result.columns) == ban.OUTPUT_COLUMNS
    assert list(result["result_type"]) == ["housenumber", "street", "street", "municipality", ""]
    # The service's own codes: the arrondissement for Paris; La Réunion, not Seine-Saint-Denis.
    assert list(result["citycode"]) == ["75107", "2A004", "97411", "97411", ""]
    assert result.loc[3, "lat"] < 0 and result.loc[40, "lon"] == pytest.approx(2.3097, abs=1e-3)
    assert result["geo_score"].between(0, 1).iloc[:4].all()
    assert math.isnan(result.loc[99, "lon"]) and result.loc[99, "label"] == ""


def test_sends_the_documented_form(ban_server, tmp_path) -> None:
    run(ban_server, tmp_path=tmp_path)
    (upload,) = ban_server.uploads
    assert upload.fields["columns"] == ["adresse", "commune"]
    assert upload.fields["postcode"] == ["code_postal"]
    assert upload.fields["citycode"] == ["code_insee"]
    assert upload.fields["encoding"] == ["utf-8"]
    assert upload.rows == 5


def test_sends_chunks_of_chunk_rows(ban_server, tmp_path) -> None:
    seen: list[tuple[int, int]] = []
    result = run(
        ban_server, tmp_path=tmp_path, chunk_rows=2, progress=lambda d, t: seen.append((d, t))
    )
    assert [u.rows for u in ban_server.uploads] == [2, 2, 1]
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert result["lon"].notna().sum() == 4


def test_same_query_twice_is_sent_once(ban_server, tmp_path) -> None:
    frame = pd.concat([ROWS.iloc[:1], ROWS.iloc[:1].assign(adresse="20  AVENUE DE SÉGUR")])
    result = run(ban_server, frame=frame, tmp_path=tmp_path)
    assert ban_server.uploads[0].rows == 1
    assert list(result["citycode"]) == ["75107", "75107"]


def test_cache_hit_sends_no_request(ban_server, tmp_path) -> None:
    first = run(ban_server, tmp_path=tmp_path)
    hits = ban_server.hits
    second = run(ban_server, tmp_path=tmp_path)
    assert ban_server.hits == hits == 1
    pd.testing.assert_frame_equal(first, second)


def test_empty_input_sends_nothing(ban_server, tmp_path) -> None:
    empty = ROWS.iloc[:0]
    result = run(ban_server, frame=empty, tmp_path=tmp_path)
    assert result.empty and list(result.columns) == ban.OUTPUT_COLUMNS
    nothing_to_send = pd.DataFrame({"adresse": ["", None], "commune": ["", "-"]})
    assert run(ban_server, frame=nothing_to_send, tmp_path=tmp_path)["lon"].isna().all()
    assert ban_server.hits == 0


def test_429_then_success_waits_retry_after(ban_server, tmp_path, fast_retries) -> None:
    ban_server.fail_429, ban_server.retry_after = 1, "1"
    start = time.monotonic()
    result = run(ban_server, tmp_path=tmp_path)
    assert time.monotonic() - start >= 0.95
    assert ban_server.hits == 2 and result["lon"].notna().sum() == 4


def test_long_retry_after_is_capped(ban_server, tmp_path, fast_retries, monkeypatch) -> None:
    monkeypatch.setattr(config, "BAN_MAX_WAIT", 0.2)
    ban_server.fail_429, ban_server.retry_after = 1, "3600"
    start = time.monotonic()
    run(ban_server, tmp_path=tmp_path)
    assert time.monotonic() - start < 2


def test_429_without_end_gives_up(ban_server, tmp_path, fast_retries) -> None:
    ban_server.fail_429, ban_server.retry_after = 99, "0"
    with pytest.raises(BanUnavailable, match="HTTP 429"):
        run(ban_server, tmp_path=tmp_path)
    assert ban_server.hits == 3


def test_500_is_retried_then_reported(ban_server, tmp_path, fast_retries) -> None:
    ban_server.fail_500 = 1
    assert run(ban_server, tmp_path=tmp_path)["lon"].notna().sum() == 4
    ban_server.fail_500 = 99
    with pytest.raises(BanUnavailable, match="HTTP 500") as caught:
        run(ban_server, frame=ROWS.assign(commune="Ailleurs"), tmp_path=tmp_path)
    assert "\n" not in str(caught.value) and "hors ligne sont conservés" in str(caught.value)


def test_slow_server_times_out_quickly(ban_server, tmp_path, fast_retries, monkeypatch) -> None:
    monkeypatch.setattr(config, "BAN_MAX_RETRIES", 1)
    ban_server.delay = 10
    start = time.monotonic()
    with pytest.raises(BanUnavailable, match=r"pas de réponse en 0\.3 s"):
        run(ban_server, tmp_path=tmp_path, timeout=0.3)
    assert time.monotonic() - start < 2.5 and ban_server.hits == 2


def test_refused_connection_is_network_unreachable(tmp_path) -> None:
    start = time.monotonic()
    with pytest.raises(BanUnavailable) as caught:
        geocode_rows(ROWS, base_url=closed_port_url(), cache_dir=tmp_path)
    assert str(caught.value) == (
        "Géocodage en ligne indisponible (réseau injoignable) : "
        "les résultats hors ligne sont conservés."
    )
    assert time.monotonic() - start < 2


def test_unknown_path_is_rejected_not_retried(ban_server, tmp_path) -> None:
    with pytest.raises(BanRejected, match="HTTP 404"):
        geocode_rows(ROWS, base_url=ban_server.url + "/ailleurs", cache_dir=tmp_path)
    assert ban_server.hits == 0  # the fake counts only its endpoint


def test_failure_keeps_what_was_already_answered(ban_server, tmp_path, fast_retries) -> None:
    run(ban_server, frame=ROWS.iloc[:2], tmp_path=tmp_path)
    ban_server.fail_500 = 99
    with pytest.raises(BanUnavailable) as caught:
        run(ban_server, tmp_path=tmp_path)
    partial = caught.value.partial
    assert list(partial.index) == list(ROWS.index)
    assert list(partial["citycode"]) == ["75107", "2A004", "", "", ""]
