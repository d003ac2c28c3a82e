"""The shipped referential (data/referentiel/*.parquet): counts, codes, geometry, totals."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from influ_geo import config, referentiel
from influ_geo.referentiel_build import FORMER_PARENT
from influ_geo.referentiel_geometry import FOREIGN_ENCLAVES

DISPLAY_LAYERS = ("regions", "departements", "epci")
COLUMNS = {
    "regions": ["code_region", "nom", "population", "nb_communes", "geometry"],
    "departements": ["code_departement", "nom", "code_region", "population", "nb_communes",
                     "geometry"],
    "epci": ["siren_epci", "nom", "type", "population", "nb_communes", "geometry"],
    "communes_polygones": ["code_insee", "geometry"],
}
CODE_PATTERNS = {
    "code_insee": r"(\d{5}|2[AB]\d{3})",
    "code_departement": r"(\d{2}|2[AB]|97[1-6])",
    "code_region": r"\d{2}",
    "siren_epci": r"\d{9}",
}


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return referentiel.communes()


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {name: referentiel.load_layer(name) for name in referentiel.LAYERS}


@pytest.fixture(scope="module")
def polygons(layers: dict[str, gpd.GeoDataFrame]) -> gpd.GeoSeries:
    return layers["communes_polygones"].set_index("code_insee").geometry


@pytest.mark.parametrize(("name", "rows"), [
    ("regions", 18), ("departements", 101), ("epci", 1_253), ("communes_polygones", 34_871)])
def test_layer_counts_and_columns(layers: dict[str, gpd.GeoDataFrame], name: str,
                                  rows: int) -> None:
    layer = layers[name]
    assert len(layer) == rows
    assert list(layer.columns) == COLUMNS[name]
    assert layer.crs.to_epsg() == 4326
    assert layer.iloc[:, 0].is_unique


def test_every_commune_once(communes: pd.DataFrame) -> None:
    assert len(communes) == 34_875
    assert communes["code_insee"].is_unique
    assert communes["code_departement"].nunique() == 101
    assert communes["code_region"].nunique() == 18


def test_only_the_recreated_cantal_communes_lack_a_polygon(
        communes: pd.DataFrame, polygons: gpd.GeoSeries) -> None:
    missing = set(communes["code_insee"]) - set(polygons.index)
    assert missing == set(FORMER_PARENT)
    assert set(communes.loc[communes["point_approx"], "code_insee"]) == missing


def test_departements_include_corsica_and_overseas(layers: dict[str, gpd.GeoDataFrame]) -> None:
    codes = set(layers["departements"]["code_departement"])
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= codes
    assert not {"20", "975", "977"} & codes


@pytest.mark.parametrize("column", list(CODE_PATTERNS))
def test_codes_are_strings(communes: pd.DataFrame, layers: dict[str, gpd.GeoDataFrame],
                           column: str) -> None:
    frames = [communes, *[layer for layer in layers.values() if column in layer]]
    for frame in frames:
        values = frame[column].dropna()
        assert values.map(type).eq(str).all()
        assert values.str.fullmatch(CODE_PATTERNS[column]).all(), column


def test_epci_types(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert set(layers["epci"]["type"]) == {"CC", "CA", "CU", "ME"}


@pytest.mark.parametrize("name", DISPLAY_LAYERS)
def test_display_layers_are_valid_coverages(layers: dict[str, gpd.GeoDataFrame],
                                            name: str) -> None:
    geometries = layers[name].geometry.to_numpy()
    assert shapely.is_valid(geometries).all()
    assert shapely.coverage_is_valid(geometries)  # no overlap, shared borders identical


@pytest.mark.parametrize("name", DISPLAY_LAYERS)
def test_display_coordinates_are_rounded(layers: dict[str, gpd.GeoDataFrame], name: str) -> None:
    coords = shapely.get_coordinates(layers[name].geometry.to_numpy())
    steps = coords / config.DISPLAY_PRECISION
    share_on_grid = np.isclose(steps, np.round(steps), atol=1e-6).all(axis=1).mean()
    assert share_on_grid > 0.999  # a handful of nodes re-created where rounding folded a spit


def test_regions_are_the_union_of_their_departements(
        layers: dict[str, gpd.GeoDataFrame]) -> None:
    union = layers["departements"].dissolve("code_region", method="coverage").geometry
    for code, geometry in layers["regions"].set_index("code_region").geometry.items():
        assert shapely.normalize(geometry).equals_exact(shapely.normalize(union[code]), 0), code


def _holes(geometry: shapely.Geometry) -> list[shapely.Polygon]:
    return [shapely.Polygon(ring) for part in shapely.get_parts(geometry)
            for ring in part.interiors]


@pytest.mark.parametrize("name", ["departements", "communes_polygones"])
def test_only_llivia_is_left_out(layers: dict[str, gpd.GeoDataFrame], name: str) -> None:
    """The union of all polygons (metropole and DROM) has exactly one hole: Llívia."""
    holes = _holes(shapely.coverage_union_all(layers[name].geometry.to_numpy()))
    assert len(holes) == 1
    _, lon, lat = FOREIGN_ENCLAVES[0]
    assert holes[0].contains(shapely.Point(lon, lat))
    area_km2 = gpd.GeoSeries(holes, crs=4326).to_crs(config.CRS_LAMBERT93).area.iloc[0] / 1e6
    assert 12 < area_km2 < 14


def test_real_enclaves_stay_holes_filled_by_their_own_departement(
        layers: dict[str, gpd.GeoDataFrame]) -> None:
    """The 16 holes of départements: Llívia and 15 enclaves of another département.

    e.g. the Enclave des Papes: communes of Vaucluse (84) inside Drôme (26); the
    gaps of communes nouvelles, once closed, leave no hole.
    """
    departements = layers["departements"].set_index("code_departement").geometry
    others = {code: shapely.coverage_union_all(departements.drop(code).to_numpy())
              for code in departements.index if _holes(departements[code])}
    enclaves = [(code, hole) for code in others for hole in _holes(departements[code])
                if not hole.contains(shapely.Point(*FOREIGN_ENCLAVES[0][1:]))]
    assert len(enclaves) == 15
    assert sum(len(_holes(shape)) for shape in departements) == 16
    for code, hole in enclaves:
        assert others[code].covers(hole.representative_point()), code
    papes = shapely.Point(4.99, 44.38)  # Valréas
    assert any(hole.contains(papes) for code, hole in enclaves if code == "26")
    assert departements["84"].contains(papes)


def test_population_totals_agree_across_levels(communes: pd.DataFrame,
                                               layers: dict[str, gpd.GeoDataFrame]) -> None:
    total = communes["population"].sum()
    assert total > 60_000_000
    assert layers["departements"]["population"].sum() == total
    assert layers["regions"]["population"].sum() == total
    by_region = layers["departements"].groupby("code_region")["population"].sum(min_count=1)
    regions = layers["regions"].set_index("code_region")["population"]
    pd.testing.assert_series_equal(by_region, regions, check_names=False)
    in_epci = communes.loc[communes["siren_epci"].notna(), "population"].sum()
    assert layers["epci"]["population"].sum() == in_epci


def test_commune_counts_agree_across_levels(communes: pd.DataFrame,
                                            layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert layers["regions"]["nb_communes"].sum() == len(communes)
    assert layers["departements"]["nb_communes"].sum() == len(communes)
    assert layers["epci"]["nb_communes"].sum() == communes["siren_epci"].notna().sum()
    ain = layers["departements"].set_index("code_departement").loc["01"]
    assert ain["nb_communes"] == (communes["code_departement"] == "01").sum()


def test_mayotte_population_is_unknown_not_zero(layers: dict[str, gpd.GeoDataFrame]) -> None:
    mayotte = layers["regions"].set_index("code_region").loc["06"]
    assert pd.isna(mayotte["population"])
    assert mayotte["nb_communes"] == 17


def _points(communes: pd.DataFrame) -> pd.Series:
    points = shapely.points(communes[["lon", "lat"]].to_numpy())
    return pd.Series(points, index=communes["code_insee"].to_numpy())


def test_every_commune_point_is_inside_its_polygon(communes: pd.DataFrame,
                                                   polygons: gpd.GeoSeries) -> None:
    points = _points(communes)
    inside = shapely.contains(polygons.to_numpy(), points[polygons.index].to_numpy())
    assert inside.all(), list(polygons.index[~inside][:10])


def test_recreated_cantal_communes_sit_in_their_former_commune(
        communes: pd.DataFrame, polygons: gpd.GeoSeries) -> None:
    points = _points(communes)
    for code, former in FORMER_PARENT.items():
        assert polygons[former].contains(points[code]), code


def test_every_commune_point_is_inside_its_departement(communes: pd.DataFrame,
                                                       polygons: gpd.GeoSeries) -> None:
    """Against the unsimplified départements: the union of their commune polygons."""
    frame = gpd.GeoDataFrame({"code_departement": communes.set_index("code_insee")
                              .loc[polygons.index, "code_departement"].to_numpy()},
                             geometry=polygons.to_numpy(), crs=4326)
    departements = frame.dissolve("code_departement", method="coverage").geometry
    points = _points(communes)
    shapes = departements[communes["code_departement"]].to_numpy()
    inside = shapely.contains(shapes, points.to_numpy())
    assert inside.all(), list(communes.loc[~inside, "code_insee"][:10])


@pytest.mark.slow
def test_commune_polygons_are_a_valid_coverage(polygons: gpd.GeoSeries) -> None:
    geometries = polygons.to_numpy()
    assert shapely.is_valid(geometries).all()
    assert shapely.coverage_is_valid(geometries)


def test_commune_polygons_stay_fine(polygons: gpd.GeoSeries) -> None:
    """Detail fit for point-in-polygon: about a million vertices on a 1e-5° grid."""
    assert shapely.get_num_coordinates(polygons.to_numpy()).sum() > 1_000_000
    assert polygons["75056"].contains(shapely.Point(2.2945, 48.8584))  # Tour Eiffel
    assert polygons["92012"].contains(shapely.Point(2.2400, 48.8350))  # Boulogne


@pytest.mark.parametrize(("code", "nom", "departement", "region"), [
    ("76351", "Le Havre", "76", "28"),
    ("01001", "L'Abergement-Clémenciat", "01", "84"),
    ("2A004", "Ajaccio", "2A", "94"),
    ("97411", "Saint-Denis", "974", "04"),
    ("93066", "Saint-Denis", "93", "11"),
    ("75056", "Paris", "75", "11"),
])
def test_known_communes(communes: pd.DataFrame, polygons: gpd.GeoSeries, code: str, nom: str,
                        departement: str, region: str) -> None:
    row = communes.set_index("code_insee").loc[code]
    assert (row["nom"], row["code_departement"], row["code_region"]) == (nom, departement, region)
    assert polygons[code].contains(shapely.Point(row["lon"], row["lat"]))


@pytest.mark.parametrize(("code_postal", "code_insee", "arrondissement"), [
    ("75008", "75056", "75108"),
    ("75116", "75056", "75116"),
    ("69001", "69123", "69381"),
    ("13001", "13055", "13201"),
])
def test_arrondissement_postcodes(code_postal: str, code_insee: str, arrondissement: str) -> None:
    table = referentiel.load_table("codes_postaux")
    rows = table[table["code_postal"] == code_postal]
    assert (code_insee, arrondissement) in set(
        zip(rows["code_insee"], rows["code_arrondissement"], strict=True))


def test_layer_names_carry_no_article(layers: dict[str, gpd.GeoDataFrame]) -> None:
    departements = layers["departements"].set_index("code_departement")["nom"]
    regions = layers["regions"].set_index("code_region")["nom"]
    assert departements[["01", "2A", "974"]].tolist() == ["Ain", "Corse-du-Sud", "La Réunion"]
    assert regions[["11", "94"]].tolist() == ["Île-de-France", "Corse"]
