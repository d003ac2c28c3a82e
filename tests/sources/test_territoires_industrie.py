"""Territoires d'industrie: the commune list, checked against the referential, and its layer."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from influ_geo import config, referentiel
from influ_geo.report import ImportReport
from influ_geo.sources import territoires_industrie as ti
from influ_geo.store_frames import normalize_frame

DATA = Path(__file__).resolve().parent.parent / "data" / "ti"


def _import(path: Path) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport("territoires_industrie", path.name)
    raw = ti.read_territoires_industrie(path)
    return ti.normalize_territoires_industrie(raw, report), report


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, ImportReport]:
    return _import(DATA / "liste-ti-com2023.csv")


def test_sample_in_documented_shape(sample):
    frame, report = sample
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (11, 11, 0)
    assert not report.warnings
    assert list(frame.columns) == ti.TI_COLUMNS
    assert frame["id_ti"].nunique() == 5
    row = frame.set_index("code_insee").loc["01010"]
    assert (row["commune_nom"], row["id_ti"], row["lib_ti"]) == (
        "Anglefort", "ti-8418", "Rumilly Usses et Rhône")
    assert {"2B033", "97407"} <= set(frame["code_insee"])


def test_list_fits_the_store_schema(sample):
    rows = normalize_frame("territoires_industrie", sample[0], source="anct").rows
    assert len(rows) == 11


def test_messy_variant_report():
    path = DATA / "liste-ti-com2023_messy.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    frame, report = _import(path)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (7, "code INSEE « 99999 » inconnu du référentiel (ni commune actuelle ni ancienne "
            "commune)"),
        (8, "code INSEE « ABCDE » invalide"),
        (9, "identifiant du territoire (id_ti) manquant"),
    ]
    assert [(w.line, w.reason) for w in report.warnings] == [
        (5, "01039 (Béon) est aujourd'hui rattachée à 01138 (Culoz-Béon)"),
        (6, "13201 (Marseille 1er Arrondissement) est aujourd'hui rattachée à 13055 (Marseille)"),
        (12, "plus de champs que d'en-têtes : valeur(s) sans colonne ignorée(s) (« en trop »)"),
        (4, "doublon de la ligne 3 : fusionné"),
        (13, "la commune 97407 appartient à plusieurs territoires : ti-0401, ti-0402"),
    ]
    assert (report.rows_read, report.rows_kept, report.rows_merged) == (12, 8, 1)
    by_code = frame.groupby("code_insee")["id_ti"].apply(list)
    assert by_code["01010"] == ["ti-8418"]  # "1010": leading zero restored
    assert by_code["01138"] == ["ti-8418"]
    assert by_code["13055"] == ["ti-9301"]
    assert by_code["97407"] == ["ti-0401", "ti-0402"]
    furiani = frame.set_index("code_insee").loc["2B120"]
    assert furiani["lib_ti"] == "Bastia – Furiani (exemple)"  # filled from its territory


def test_missing_column_is_fatal(tmp_path):
    path = tmp_path / "ti.csv"
    path.write_text("insee_com;lib_com\n01010;Anglefort\n", encoding="utf-8")
    with pytest.raises(ti.TerritoiresFormatError, match="id_ti"):
        _import(path)


def test_dissolved_layer_counts_and_covers_its_communes(sample):
    frame, _ = sample
    layer = ti.dissolve_territoires(frame)
    assert isinstance(layer, gpd.GeoDataFrame) and layer.crs == config.CRS_WGS84
    assert list(layer.columns) == ["id_ti", "lib_ti", "nb_communes", "population", "geometry"]
    assert list(layer["id_ti"]) == sorted(frame["id_ti"].unique())
    communes = referentiel.communes().set_index("code_insee")
    expected = frame.groupby("id_ti")["code_insee"].apply(
        lambda codes: int(communes.loc[list(codes), "population"].sum()))
    assert layer.set_index("id_ti")["population"].astype(int).to_dict() == expected.to_dict()
    assert layer.set_index("id_ti")["nb_communes"].to_dict() == frame.groupby("id_ti").size(
        ).to_dict()
    assert layer.is_valid.all()
    polygons = referentiel.load_layer("communes_polygones").set_index("code_insee")
    for row in layer.itertuples():
        members = polygons.loc[frame.loc[frame["id_ti"] == row.id_ti, "code_insee"], "geometry"]
        union = shapely.union_all(members.to_numpy())
        # The simplified shape keeps the area of its communes (within 3 %).
        assert row.geometry.area == pytest.approx(union.area, rel=0.03)
        assert row.geometry.buffer(0.01).contains(union.point_on_surface())


def test_neighbouring_territories_share_their_border_without_overlap():
    frame = pd.DataFrame({"code_insee": ["01283", "01014", "01031"],
                          "id_ti": ["ti-a", "ti-b", "ti-b"], "lib_ti": ["A", "B", "B"]})
    layer = ti.dissolve_territoires(frame)
    a, b = layer.geometry
    assert a.touches(b) or a.intersection(b).area < 1e-9
    assert a.intersection(b).length > 0  # they still meet along a line


def test_commune_in_two_territories_gives_valid_shapes():
    frame = pd.DataFrame({"code_insee": ["97407", "97407", "97408"],
                          "id_ti": ["ti-x", "ti-y", "ti-y"], "lib_ti": ["X", "Y", "Y"]})
    layer = ti.dissolve_territoires(frame)
    assert layer.is_valid.all() and layer.geometry.notna().all()
    assert list(layer["nb_communes"]) == [1, 2]
