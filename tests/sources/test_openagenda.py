"""OpenAgenda: the events.v2.json export and its flat Opendatasoft copy."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from influ_geo.report import ImportReport
from influ_geo.sources import openagenda as oa
from influ_geo.sources.event_rows import EVENT_COLUMNS

DATA = Path(__file__).resolve().parent.parent / "data" / "events"


def _import(reader, normalizer, name: str) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport("events", name)
    return normalizer(reader(DATA / name), report), report


@pytest.fixture(scope="module")
def v2() -> tuple[pd.DataFrame, ImportReport]:
    return _import(oa.read_openagenda, oa.normalize_openagenda, "openagenda_events.v2.json")


def _event(frame: pd.DataFrame, uid: str) -> pd.Series:
    return frame.set_index("source_id").loc[uid]


def test_v2_counts_and_cancelled_event_rejected(v2):
    frame, report = v2
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (8, 7, 1)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (4, "événement annulé (statut OpenAgenda 6) : non importé (enregistrement n° 4 du JSON)")]
    assert report.rejections[0].row["uid"] == 41852313
    assert "41852313" not in set(frame["source_id"])
    assert list(frame.columns) == EVENT_COLUMNS
    assert set(frame["source"]) == {"openagenda"}


def test_v2_timings_give_first_begin_and_last_end_in_local_time(v2):
    frame, _ = v2
    figeac = _event(frame, "41852310")  # timings listed out of order
    assert figeac["date_debut"] == pd.Timestamp("2025-03-24 09:00")
    assert figeac["date_fin"] == pd.Timestamp("2025-03-25 12:00")
    bourg = _event(frame, "41852314")
    assert (bourg["date_debut"], bourg["date_fin"]) == (
        pd.Timestamp("2025-09-16 10:00"), pd.Timestamp("2025-09-18 18:00"))
    # La Réunion (+04:00) keeps its wall-clock time; UTC in Toulouse becomes Paris time.
    assert _event(frame, "41852312")["date_debut"] == pd.Timestamp("2025-05-06 08:30")
    assert _event(frame, "41852316")["date_debut"] == pd.Timestamp("2025-11-20 09:00")
    assert str(frame["date_debut"].dtype) == "datetime64[us]"


def test_v2_texts_location_and_links(v2):
    frame, _ = v2
    figeac = _event(frame, "41852310")
    assert figeac["titre"] == "Semaine de l'industrie : portes ouvertes de la fonderie"
    assert figeac["type"] == "semaine_industrie"
    assert (figeac["lieu"], figeac["commune"], figeac["code_postal"]) == (
        "Fonderie du Célé", "Figeac", "46100")
    assert (figeac["lon"], figeac["lat"]) == (2.0317, 44.6086)
    assert figeac["organisateur"] == "Semaine de l'industrie Occitanie"
    assert figeac["url"] == ("https://openagenda.com/agendas/12345678/events/"
                             "portes-ouvertes-fonderie-figeac")
    assert _event(frame, "41852315")["titre"] == "Journée des métiers de la plasturgie"
    assert _event(frame, "41852316")["titre"] == "Aerospace careers day"  # English only
    assert _event(frame, "41852312")["url"].endswith("/usine-ouverte-le-port")
    online = _event(frame, "41852317")
    assert online["url"] == "https://example.fr/webinaire"  # the registration link
    assert pd.isna(online["commune"]) and pd.isna(online["lon"])
    assert _event(frame, "41852311")["code_postal"] == "20000"
    assert _event(frame, "41852314")["code_postal"] == "01000"


def test_v2_messy_report():
    frame, report = _import(oa.read_openagenda, oa.normalize_openagenda,
                            "openagenda_events.v2_messy.json")
    suffix = lambda n: f" (enregistrement n° {n} du JSON)"  # noqa: E731
    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "date de début manquante" + suffix(3)),
        (4, "date « 2025-02-30T10:00:00+01:00 » impossible" + suffix(4)),
        (5, "titre manquant" + suffix(5)),
        (6, "événement annulé (statut OpenAgenda 6) : non importé" + suffix(6)),
        (8, "date de fin (11/06/2025) avant la date de début (12/06/2025)" + suffix(8)),
    ]
    assert sorted((w.line, w.reason) for w in report.warnings) == [
        (2, "doublon de la ligne 1 : fusionné" + suffix(2)),
        (7, "lien « javascript:alert(1) » ignoré (seuls http:// et https:// sont acceptés)"
         + suffix(7)),
        (8, "code postal « ABCDE » invalide : ignoré" + suffix(8)),
    ]
    assert (report.rows_read, report.rows_kept, report.rows_merged) == (8, 2, 1)
    assert report.rows_read == report.rows_kept + report.rows_rejected + report.rows_merged
    bastia = _event(frame, "51000001")
    assert bastia["titre"] == "<b>Portes ouvertes</b> de l'usine de Bastia & co"
    assert (bastia["code_postal"], bastia["lat"], bastia["lon"]) == ("20200", 42.6977, 9.45)
    martinique = _event(frame, "51000006")  # 13:00 UTC is 09:00 in Martinique
    assert martinique["date_debut"] == pd.Timestamp("2025-06-12 09:00")
    assert pd.isna(martinique["url"])


@pytest.fixture(scope="module")
def flat() -> tuple[pd.DataFrame, ImportReport]:
    return _import(oa.read_openagenda_flat, oa.normalize_openagenda_flat, "openagenda_flat.json")


def test_flat_json_fields(flat):
    frame, report = flat
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (5, 5, 0)
    assert list(frame.columns) == EVENT_COLUMNS
    nantes = _event(frame, "41852320")
    assert (nantes["lat"], nantes["lon"]) == (47.2, -1.55)
    assert (nantes["code_postal"], nantes["code_departement"]) == ("44000", "44")
    assert nantes["date_debut"] == pd.Timestamp("2025-06-19 19:00")
    # Département names and codes of the copy both become codes.
    assert list(frame["code_departement"]) == ["46", "2A", "974", "01", "44"]


def test_both_routes_agree_on_the_same_events(v2, flat):
    columns = ["titre", "date_debut", "date_fin", "code_postal", "commune", "lon", "lat"]
    common = sorted(set(v2[0]["source_id"]) & set(flat[0]["source_id"]))
    assert common == ["41852310", "41852311", "41852312", "41852314"]
    left = v2[0].set_index("source_id").loc[common, columns]
    right = flat[0].set_index("source_id").loc[common, columns]
    pd.testing.assert_frame_equal(left, right)


def test_flat_messy_csv_report():
    path = DATA / "openagenda_flat_messy.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the sample really is Windows-1252
    frame, report = _import(oa.read_openagenda_flat, oa.normalize_openagenda_flat, path.name)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (5, "date de début manquante"),
        (6, "date de début manquante"),
        (7, "date « 2025-13-01T08:00:00+00:00 » impossible"),
    ]
    assert [(w.line, w.reason) for w in report.warnings] == [
        (3, "doublon de la ligne 2 : fusionné")]
    arles = _event(frame, "61000001")
    assert arles["titre"] == "<i>Forum</i> des métiers de l'industrie"
    assert (arles["lat"], arles["lon"]) == (43.6766, 4.6278)  # "lat, lon" text
    assert arles["type"] == "forum_emploi"
    assert _event(frame, "61000002")["date_debut"] == pd.Timestamp("2025-05-15 06:00")


@pytest.mark.parametrize(("value", "expected"), [
    ({"fr": "Forum", "en": "Fair"}, "Forum"),
    ({"en": "Fair"}, "Fair"),
    ({"fr": "", "de": "Messe"}, "Messe"),
    ("Forum", "Forum"),
    (None, None),
    ({}, None),
])
def test_text_of(value, expected):
    assert oa.text_of(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ({"lat": 47.2, "lon": -1.55}, (47.2, -1.55)),
    ("47.2, -1.55", (47.2, -1.55)),
    ([47.2, -1.55], (47.2, -1.55)),
    ("", (None, None)),
    (None, (None, None)),
])
def test_coordinates_of_reads_latitude_first(value, expected):
    assert oa.coordinates_of(value) == expected


def test_not_an_openagenda_file(tmp_path):
    other = tmp_path / "autre.json"
    other.write_text(json.dumps([{"name": "x"}]), encoding="utf-8")
    with pytest.raises(oa.OpenAgendaFormatError, match=r"events\.v2\.json"):
        oa.read_openagenda(other)
    broken = tmp_path / "coupe.json"
    broken.write_text('{"events": [{"uid": 1, "title"', encoding="utf-8")
    with pytest.raises(oa.OpenAgendaFormatError, match="JSON illisible"):
        oa.read_openagenda(broken)
