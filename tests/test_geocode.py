"""The geocoding chain over the real referential: each special case, invariants, BAN merge."""

from __future__ import annotations

import math
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influ_geo import config, referentiel
from influ_geo.geocode import OUTPUT_COLUMNS, NoUsableColumn, geocode, summary_lines
from influ_geo.locate import locate_points
from influ_geo.readers import read_table

DATA = Path(__file__).parent / "data"


def one(**row: object) -> pd.Series:
    """Geocode a single row given as canonical or user headers; return the output row."""
    return geocode(pd.DataFrame([row])).iloc[0]


# Postcode + name as data stewards write them ⇒ INSEE code of the current commune.
POSTCODE_NAME = [
    ("76600", "LE HAVRE", "76351"),
    ("76600", "Havre (Le)", "76351"),
    ("76600", "Le Havre", "76351"),
    ("76620", "le havre", "76351"),
    ("1000", "BOURG EN BRESSE", "01053"),  # postcode without its leading zero
    (1400, "L ABERGEMENT CLEMENCIAT", "01001"),  # integer postcode, La Poste name
    ("76800", "ST ETIENNE DU ROUVRAY", "76575"),
    ("76800", "Saint-Étienne-du-Rouvray", "76575"),
    ("97438", "STE MARIE", "97418"),  # Réunion, "STE"
    ("75008", "PARIS 08", "75056"),
    ("75016", "Paris 16e Arrondissement", "75056"),
    ("13001", "Marseille 1er Arrondissement", "13055"),
    ("69003", "LYON 3EME", "69123"),
    ("75008", "PARIS CEDEX 08", "75056"),  # CEDEX suffix in the name
    ("33076", "BORDEAUX CEDEX", "33063"),  # CEDEX postcode, in no postcode list
    ("20000", "AJACCIO", "2A004"),  # Corsica: 20xxx postcode, 2A code
    ("20200", "Bastia", "2B033"),
    ("97100", "BASSE TERRE", "97105"),  # the five DROM
    ("97200", "fort-de-france", "97209"),
    ("97310", "Kourou", "97304"),
    ("97400", "Saint-Denis", "97411"),
    ("97600", "MAMOUDZOU", "97611"),
    ("01350", "Béon", "01138"),  # a commune déléguée's name ⇒ its commune nouvelle
]


@pytest.mark.parametrize(("postcode", "name", "code"), POSTCODE_NAME)
def test_postcode_and_name(postcode: object, name: str, code: str) -> None:
    row = one(code_postal=postcode, commune=name)
    assert row["code_insee"] == code
    assert row["geo_precision"] == "municipality"
    assert row["geo_score"] >= 0.85


@pytest.mark.parametrize(
    ("code", "expected", "departement", "region"),
    [
        ("01001", "01001", "01", "84"),
        (1001, "01001", "01", "84"),  # integer, leading zero lost
        ("2a004", "2A004", "2A", "94"),  # lower-case Corsican code
        ("2B033", "2B033", "2B", "94"),
        ("20004", "2A004", "2A", "94"),  # Corsican code before 1976
        ("75108", "75056", "75", "11"),  # arrondissements of Paris, Lyon, Marseille
        ("69383", "69123", "69", "84"),
        ("13201", "13055", "13", "93"),
        ("01039", "01138", "01", "84"),  # commune déléguée Béon ⇒ Culoz-Béon
        ("02285", "59545", "59", "32"),  # commune associée Escaufourt, in another département
        ("97105", "97105", "971", "01"),
        ("97209", "97209", "972", "02"),
        ("97302", "97302", "973", "03"),
        ("97411", "97411", "974", "04"),
        ("97611", "97611", "976", "06"),
    ],
)
def test_code_insee(code: object, expected: str, departement: str, region: str) -> None:
    row = one(code_insee=code)
    assert (row["code_insee"], row["code_departement"], row["code_region"]) == (
        expected, departement, region)
    assert row["geo_precision"] == "municipality"
    assert row["geo_score"] == 1.0
    assert math.isfinite(row["lon"]) and math.isfinite(row["lat"])


def test_old_code_is_noted() -> None:
    assert "ancien code 01039 (Béon)" in one(code_insee="01039")["geo_note"]


def test_unknown_code_falls_to_postcode_and_name() -> None:
    row = one(code_insee="99999", code_postal="76600", commune="Le Havre")
    assert row["code_insee"] == "76351"
    assert "code INSEE inconnu : 99999" in row["geo_note"]


@pytest.mark.parametrize(
    ("row", "code", "note"),
    [
        ({"commune": "Montivillier", "code_departement": "76"}, "76447", "nom approché"),
        ({"commune": "La Vergne", "code_departement": "17"}, "17465", ""),
        ({"commune": "Vergné", "code_departement": "17"}, "17464", ""),
        ({"commune": "Cayenne", "code_departement": "973"}, "97302", ""),
        ({"commune": "Porto-Vecchio", "code_departement": "20"}, "2A247", ""),
        ({"commune": "Le Havre"}, "76351", "seul nom"),
        ({"commune": "HAVR", "code_postal": "76600"}, "76351", "nom approché"),
        ({"commune": "Saint-Denis", "code_departement": "93"}, "93066", ""),
    ],
)
def test_name_and_departement(row: dict, code: str, note: str) -> None:
    out = one(**row)
    assert out["code_insee"] == code
    assert out["geo_precision"] == "municipality"
    assert note in out["geo_note"]


@pytest.mark.parametrize(
    ("row", "note"),
    [
        ({"commune": "Saint-Denis"}, "nom ambigu"),
        ({"commune": "Nulle-Part-sur-Mer", "code_postal": "76600"}, "commune introuvable"),
        ({"code_postal": "54490"}, "code postal partagé"),
        ({"code_insee": "abc"}, "code INSEE illisible : abc"),
        ({"code_insee": "", "commune": ""}, "rien pour localiser"),
        ({"lon": "4,3517", "lat": "50,8503"}, "hors de France"),  # Brussels, inside the box
        ({"lon": -73.98, "lat": 40.75}, "hors de France"),  # New York
    ],
)
def test_failed_rows_say_why(row: dict, note: str) -> None:
    out = one(**row)
    assert out["geo_precision"] == "failed"
    assert note in out["geo_note"]
    assert pd.isna(out["code_insee"]) and math.isnan(out["lon"])


def test_postcode_of_a_single_commune_without_name() -> None:
    out = one(code_postal="20000")
    assert out["code_insee"] == "2A004"
    assert out["geo_score"] < 1
    assert "commune du code postal" in out["geo_note"]


# Coordinates carried by the rows.
@pytest.mark.parametrize(
    ("row", "code", "note"),
    [
        ({"longitude": 2.2945, "latitude": 48.8584}, "75056", ""),  # Eiffel Tower
        ({"longitude": "2,2945", "latitude": "48,8584"}, "75056", ""),  # decimal comma
        ({"longitude": 48.8584, "latitude": 2.2945}, "75056", "inversées"),  # swapped
        ({"lon": 8.7369, "lat": 41.9248}, "2A004", ""),
        ({"lon": -61.55, "lat": 16.24}, "97103", ""),  # Guadeloupe
        ({"lon": 55.4475, "lat": -20.9434}, "97411", ""),
        ({"x": 650114.5, "y": 6862129.6, "epsg": 2154}, "75056", ""),  # Lambert-93
        ({"x": 650114.5, "y": 6862129.6, "code_epsg": "EPSG:2154"}, "75056", ""),
        ({"x": 650114.5, "y": 6862129.6}, "75056", "Lambert-93 supposé"),
        ({"x": 636301.0, "y": 1769324.3, "epsg": 5490}, "97105", ""),  # Guadeloupe
        ({"x": 707884.1, "y": 1620291.8, "epsg": 5490}, "97209", ""),  # Martinique
        ({"x": 353614.3, "y": 544056.6, "epsg": 2972}, "97302", ""),  # Guyane
        ({"x": 338570.7, "y": 7683340.0, "epsg": 2975}, "97411", ""),  # Réunion
        ({"x": 521102.0, "y": 8586220.8, "epsg": 4471}, "97611", ""),  # Mayotte
    ],
)
def test_source_coordinates(row: dict, code: str, note: str) -> None:
    out = one(**row)
    assert out["geo_precision"] == "source"
    assert out["code_insee"] == code  # filled from the polygon
    assert note in out["geo_note"]


@pytest.mark.parametrize(
    ("lon", "lat", "note"),
    [(0, 0, "(0, 0)"), ("abc", "48.8", "illisibles"), (math.inf, 48.8, "illisibles"),
     (math.nan, math.nan, ""), ("", "", ""), ("[ND]", "[ND]", ""), ("", "48.8", "incomplète"),
     (-3.0, 46.0, "hors de France")],  # Bay of Biscay
)
def test_rejected_coordinates_fall_to_the_code(lon: object, lat: object, note: str) -> None:
    out = one(code_insee="76351", lon=lon, lat=lat)
    assert out["geo_precision"] == "municipality"
    assert out["code_insee"] == "76351"
    assert note in out["geo_note"]
    if not note:
        assert out["geo_note"] == ""


def test_point_in_another_commune_than_declared_is_kept_and_flagged() -> None:
    # The point of Montivilliers, declared as Le Havre.
    out = one(code_insee="76351", lon=0.19305, lat=49.54181)
    assert out["geo_precision"] == "source"
    assert (out["lon"], out["lat"]) == (0.19305, 49.54181)
    assert out["code_insee"] == "76351"
    assert "Montivilliers (76447)" in out["geo_note"]
    assert "Le Havre (76351)" in out["geo_note"]
    assert out["geo_score"] < 1


def test_point_in_declared_commune_has_no_note() -> None:
    out = one(code_insee="75108", lon=2.3089, lat=48.8730)  # 8e arrondissement ⇒ Paris
    assert (out["geo_precision"], out["code_insee"], out["geo_note"]) == ("source", "75056", "")


def test_reprojected_xy_match_the_wgs84_columns() -> None:
    frame = read_table(DATA / "geocode" / "geoloc_sirene_drom.csv")
    projected = geocode(frame.drop(columns=["x_longitude", "y_latitude"]))
    assert (projected["geo_precision"] == "source").all()
    assert list(projected["code_insee"]) == list(frame["plg_code_commune"])
    assert np.allclose(projected["lon"], frame["x_longitude"].astype(float), atol=1e-4)
    assert np.allclose(projected["lat"], frame["y_latitude"].astype(float), atol=1e-4)


@pytest.mark.parametrize("name", ["sites/sirene_stock.csv", "sites/sirene_geolocalisation.csv",
                                  "geocode/laposte_hexasmal.csv"])
def test_official_file_shapes_are_placed(name: str) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} absent")
    frame = read_table(path)
    out = geocode(frame)
    assert len(out) == len(frame)
    assert (out["geo_precision"] != "failed").all(), out.loc[out["geo_precision"] == "failed",
                                                             "geo_note"].tolist()


def test_index_order_and_original_columns_are_kept() -> None:
    frame = pd.DataFrame({"CP": ["76600", "", "97400"], "Ville": ["Le Havre", "?", "St Denis"],
                          "autre": [1, 2, 3]}, index=["z", "a", "z"])
    out = geocode(frame)
    assert list(out.index) == ["z", "a", "z"]
    pd.testing.assert_frame_equal(out[frame.columns], frame)
    assert list(out.columns) == [*frame.columns, *OUTPUT_COLUMNS]


def test_clashing_input_columns_are_kept_as_origine() -> None:
    frame = pd.DataFrame({"code_insee": ["1001"], "lon": ["2,35"], "lat": [""]})
    out = geocode(frame)
    assert out.loc[0, "code_insee_origine"] == "1001"
    assert out.loc[0, "lon_origine"] == "2,35"
    assert out.loc[0, "code_insee"] == "01001"
    assert "incomplète" in out.loc[0, "geo_note"]


def test_no_usable_column() -> None:
    with pytest.raises(NoUsableColumn, match=r"aucune colonne utilisable.*colonnes lues : a, b"):
        geocode(pd.DataFrame({"a": [1], "b": [2]}))


def test_empty_frame() -> None:
    out = geocode(pd.DataFrame({"commune": pd.Series([], dtype=str)}))
    assert list(out.columns) == ["commune", *OUTPUT_COLUMNS]
    assert out.empty


def test_summary_lines() -> None:
    out = geocode(pd.DataFrame({"commune": ["Le Havre", "Saint-Denis", "Xyzzy"],
                                "lon": ["", "", "2.2945"], "lat": ["", "", "48.8584"]}))
    lines = summary_lines(out)
    assert lines[0] == "3 lignes traitées"
    assert lines[1] == "précision : coordonnées du fichier 1, commune 1, non géocodé 1"
    assert lines[2] == "1 ligne non géocodée : nom ambigu (1)"


def test_locate_points() -> None:
    codes = locate_points([2.2945, 8.7369, 55.4475, -52.32, -3.0, 4.3517, np.nan],
                          [48.8584, 41.9248, -20.9434, 4.92, 46.0, 50.8503, np.nan])
    assert list(codes) == ["75056", "2A004", "97411", "97302", None, None, None]
    assert locate_points([], []).size == 0


def test_a_point_just_offshore_belongs_to_the_coastal_commune() -> None:
    polygons = referentiel.load_layer("communes_polygones")
    la_rochelle = polygons.loc[polygons["code_insee"] == "17300", "geometry"].iloc[0]
    coords = shapely.get_coordinates(la_rochelle)
    west = coords[coords[:, 0].argmin()]  # on the Atlantic shore
    lon, lat = [west[0] - 0.002], [west[1]]  # ≈ 150 m at sea
    assert locate_points(lon, lat, tolerance=0)[0] is None
    assert locate_points(lon, lat)[0] == "17300"


# Invariants, on rows drawn from realistic and broken values.
CELL = {
    "code_insee": st.sampled_from(["76351", "2a004", "1001", "75108", "01039", "99999", "abc",
                                   "", None, 97411, 20004]),
    "code_postal": st.sampled_from(["76600", "1000", "33076", "20200", "97400", "54490", "x",
                                    "", None, 75008]),
    "commune": st.one_of(st.sampled_from(["LE HAVRE", "Havre (Le)", "ST DENIS", "PARIS 08",
                                          "Bastia", "Saint-Denis", "", None]), st.text(max_size=8)),
    "lon": st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from(["2,2945", "48.8584", "0", "", "[ND]"])),
    "lat": st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from(["48,8584", "2.2945", "0", "", "[ND]"])),
}


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    columns = draw(st.lists(st.sampled_from(sorted(CELL)), min_size=1, max_size=5, unique=True))
    if not set(columns) & {"code_insee", "code_postal", "commune"}:
        columns.append("commune")
    n = draw(st.integers(min_value=0, max_value=15))
    data = {c: draw(st.lists(CELL[c], min_size=n, max_size=n)) for c in columns}
    index = draw(st.lists(st.integers(), min_size=n, max_size=n))
    return pd.DataFrame(data, index=index, dtype=object)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_no_row_lost_order_kept_types_right(frame: pd.DataFrame) -> None:
    out = geocode(frame)
    assert len(out) == len(frame)
    assert list(out.index) == list(frame.index)
    kept = [f"{c}_origine" if c in OUTPUT_COLUMNS else c for c in frame.columns]
    pd.testing.assert_frame_equal(out[kept].set_axis(frame.columns, axis=1), frame)
    assert set(out["geo_precision"]) <= {"source", "municipality", "failed"}
    assert out["geo_score"].between(0, 1).all()
    failed = (out["geo_precision"] == "failed").to_numpy()
    assert np.isnan(out["lon"].to_numpy()[failed]).all()
    assert np.isfinite(out["lon"].to_numpy(dtype=float)[~failed]).all()
    assert out["code_insee"][~failed].str.fullmatch(r"\d{5}|2[AB]\d{3}").all()
    assert out["code_insee"][failed].isna().all()
    assert (out["geo_note"][failed] != "").all()
    for column in ("code_insee", "commune_nom", "code_departement", "code_region",
                   "geo_precision", "geo_note"):
        assert pd.api.types.is_string_dtype(out[column])


# --online against the local imitation of the BAN batch endpoint (tests/ban_server.py).
ONLINE = pd.DataFrame({
    "nom": ["Ministère", "Place", "Sans adresse", "Mairie", "Tour", "Inconnue"],
    "adresse": ["20 avenue de Ségur", "1 Place de la Comédie", "", "Saint-Denis", "",
                "Rue de Nulle Part"],
    "code_postal": ["75007", "69001", "76600", "", "", "76600"],
    "commune": ["Paris", "Lyon", "Le Havre", "Saint-Denis", "", "Le Havre"],
    "lon": ["", "", "", "", "2.2945", ""],
    "lat": ["", "", "", "", "48.8584", ""],
})


@pytest.fixture
def online_server(ban_server, monkeypatch, tmp_path):
    monkeypatch.setattr(config, "BAN_URL", ban_server.url)
    monkeypatch.setattr(config, "BAN_CACHE_DIR", tmp_path / "cache")
    return ban_server


def test_online_merges_street_precision(online_server) -> None:
    out = geocode(ONLINE, online=True)
    assert list(out["geo_precision"]) == ["housenumber", "housenumber", "municipality",
                                          "municipality", "source", "municipality"]
    # The service answers the arrondissement codes 75107 and 69381.
    assert list(out["code_insee"][:2]) == ["75056", "69123"]
    assert out.loc[0, "lon"] == pytest.approx(2.309683)
    # A failed row (ambiguous name) placed by the service at commune precision.
    assert out.loc[3, "code_insee"] in {"97411", "93066"}
    sent = sum(upload.rows for upload in online_server.uploads)
    assert sent == 4  # rows with an address that were not yet precise


def test_online_low_scores_are_refused(online_server, monkeypatch) -> None:
    monkeypatch.setattr(config, "BAN_MIN_SCORE", 1.01)
    out = geocode(ONLINE, online=True)
    offline = geocode(ONLINE)
    pd.testing.assert_frame_equal(out, offline)


def test_online_unreachable_keeps_offline_results(monkeypatch, tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(config, "BAN_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setattr(config, "BAN_CACHE_DIR", tmp_path / "cache")
    said: list[str] = []
    out = geocode(ONLINE, online=True, messages=said.append)
    assert len(said) == 1 and "hors ligne sont conservés" in said[0]
    assert out.attrs["geo_messages"] == said
    pd.testing.assert_frame_equal(out, geocode(ONLINE), check_like=False)


@pytest.mark.slow
def test_accuracy_on_the_whole_referential() -> None:
    from bench.bench_geocode import (
        TARGET_LA_POSTE,
        TARGET_OFFICIAL,
        accuracy,
        code_accuracy,
        la_poste_name,
        name_postcode_pairs,
    )

    pairs = name_postcode_pairs()
    assert len(pairs) > 35_000
    assert la_poste_name("Saint-Étienne-du-Rouvray") == "ST ETIENNE DU ROUVRAY"
    assert accuracy(pairs, pairs["nom"]) >= TARGET_OFFICIAL
    assert accuracy(pairs, pairs["nom"].map(la_poste_name)) >= TARGET_LA_POSTE
    assert code_accuracy() == 1.0
