"""The national maps as objects: what they draw, how they escape text, what they weigh."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pytest
from branca.colormap import ColorMap

from influ_geo import assets, config, legend, levels, maps, referentiel
from influ_geo.formatting import format_int

DROM_REGIONS = [d.code_region for d in levels.DROM]
DROM_DEPARTEMENTS = [d.code_departement for d in levels.DROM]


@pytest.fixture(scope="module")
def regions() -> gpd.GeoDataFrame:
    return referentiel.load_layer("regions")


@pytest.fixture(scope="module")
def departements() -> gpd.GeoDataFrame:
    return referentiel.load_layer("departements")


@pytest.fixture(scope="module")
def data_departements(departements: gpd.GeoDataFrame) -> maps.NationalData:
    return maps.national_data(departements, "departement")


def features(data: maps.MapData) -> list[dict]:
    return json.loads(data.geojson)["features"]


def all_codes(data: maps.NationalData) -> list[str]:
    parts = [data.metropole, *data.insets]
    return [f["properties"]["code"] for part in parts for f in features(part)]


def test_regions_draws_18_territories_13_in_metropole(regions: gpd.GeoDataFrame) -> None:
    data = maps.national_data(regions, "region")
    assert data.feature_count == 18
    assert len(features(data.metropole)) == 13
    assert sorted(all_codes(data)) == sorted(regions["code_region"])


def test_departements_draws_101_territories(data_departements, departements) -> None:
    assert data_departements.feature_count == 101
    assert len(features(data_departements.metropole)) == 96
    assert sorted(all_codes(data_departements)) == sorted(departements["code_departement"])
    assert {"2A", "2B"} <= {f["properties"]["code"] for f in features(data_departements.metropole)}


@pytest.mark.parametrize(
    "level, codes", [("region", DROM_REGIONS), ("departement", DROM_DEPARTEMENTS)]
)
def test_each_drom_has_its_own_inset_in_order(level: str, codes: list[str]) -> None:
    layer = referentiel.load_layer(levels.LEVELS[level].layer)
    data = maps.national_data(layer, level)
    assert [inset.name for inset in data.insets] == codes
    assert [inset.title for inset in data.insets] == [d.nom for d in levels.DROM]
    for inset in data.insets:
        assert [f["properties"]["code"] for f in features(inset)] == [inset.name]


def test_insets_are_fitted_to_their_drom_and_the_metropole_excludes_them(regions) -> None:
    data = maps.national_data(regions, "region")
    (south, west), (north, east) = data.metropole.bounds
    assert 41 < south < 42.5 and 50.5 < north < 51.5 and -5.5 < west < -4 and 9 < east < 10
    for inset in data.insets:
        row = regions[regions["code_region"] == inset.name]
        minx, miny, maxx, maxy = row.total_bounds
        (s, w), (n, e) = inset.bounds
        assert (s, w, n, e) == pytest.approx((miny, minx, maxy, maxx))
        assert n < 20 or s < 0  # Caribbean, Guyane, Indian Ocean: nowhere near the metropole


def test_geojson_has_only_the_tooltip_properties_no_id_no_bbox(data_departements) -> None:
    collection = json.loads(data_departements.metropole.geojson)
    assert "bbox" not in collection
    for feature in collection["features"]:
        assert set(feature) == {"type", "properties", "geometry"}
        assert set(feature["properties"]) == {"code", "tooltip"}


def test_tooltips_use_french_number_formatting(regions: gpd.GeoDataFrame) -> None:
    data = maps.national_data(regions, "region")
    row = regions[regions["code_region"] == "11"].iloc[0]
    tip = next(f for f in features(data.metropole) if f["properties"]["code"] == "11")
    tooltip = tip["properties"]["tooltip"]
    assert tooltip.startswith(f"<b>{row['nom']}</b> (11)")
    assert f"Communes\u00a0: {format_int(row['nb_communes'])}" in tooltip
    assert f"Population\u00a0: {format_int(row['population'])}\u00a0hab." in tooltip
    assert "\u202f" in format_int(row["population"])


def test_names_from_data_are_escaped_in_tooltips_and_html(regions: gpd.GeoDataFrame) -> None:
    hostile = regions.assign(
        nom=regions["nom"].mask(regions["code_region"] == "94", "<script>alert('x')</script>")
    )
    data = maps.national_data(hostile, "region")
    tip = next(f for f in features(data.metropole) if f["properties"]["code"] == "94")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in tip["properties"]["tooltip"]
    page = maps.map_html(maps.national_maps(data).metropole)
    assert "<script>alert" not in page and "alert('x')" not in page
    assert regions["nom"].str.contains("<").sum() == 0  # the shared layer was not modified


def test_missing_values_are_grey_and_listed_in_the_legend(regions: gpd.GeoDataFrame) -> None:
    layer = regions.assign(population=regions["population"].mask(regions["code_region"] == "06"))
    data = maps.national_data(layer, "region")
    assert dict(data.insets[-1].colours) == {"06": legend.NO_DATA_COLOUR}
    assert "Population\u00a0: n.d." in features(data.insets[-1])[0]["properties"]["tooltip"]
    missing = legend.LegendClass("Donnée non disponible", legend.NO_DATA_COLOUR)
    assert data.legend.classes[-1] == missing


def test_legend_is_data_not_a_branca_colormap(data_departements, departements) -> None:
    built = maps.national_maps(data_departements)
    missing = [legend.NO_DATA_COLOUR] if departements["population"].isna().any() else []
    assert data_departements.legend.title == "Population"
    assert [c.colour for c in data_departements.legend.classes] == [*legend.PALETTE, *missing]
    for m in built.maps():
        assert not any(isinstance(e, ColorMap) for e in assets._elements(m))


def test_maps_need_no_tile_layer_and_prefer_canvas(data_departements) -> None:
    built = maps.national_maps(data_departements)
    for m in built.maps():
        assert m.options["prefer_canvas"] is True
        tiles = [e for e in assets._elements(m) if isinstance(e, folium.TileLayer)]
        assert all(not t.show for t in tiles)  # the optional OSM layer starts switched off
    assert "L.svg(" in maps.map_html(built.metropole)  # polygons keep crisp SVG paths


def test_vendored_assets_only_when_served_by_the_app(data_departements) -> None:
    built = maps.national_maps(data_departements, vendor_url=config.VENDOR_URL)
    for m in built.maps():
        urls = assets.requested_urls(m)
        paths = [assets.vendor_path(url) for url in urls]
        assert paths == ["leaflet/leaflet.js", "leaflet/leaflet.css"]
        assert all(url.startswith(config.VENDOR_URL + "/") for url in urls)
        assert "https://" not in m.get_root().header.render()


def test_departements_payload_within_budget(data_departements) -> None:
    built = maps.national_maps(data_departements, vendor_url=config.VENDOR_URL)
    sizes = [maps.payload_bytes(m) for m in built.maps()]
    assert sum(sizes) <= config.MAP_PAYLOAD_MAX, sizes
    assert max(sizes[1:]) < 50_000  # each DROM inset stays small


def test_standalone_export_is_self_contained(regions: gpd.GeoDataFrame) -> None:
    built = maps.national_maps(maps.national_data(regions, "region"))
    page = assets.standalone_html(built.metropole)
    assert not re.search(r'<(script|link)\b[^>]*\b(src|href)="(https?:)?//', page)
    assert "L.map(" in page and "Leaflet" in page and "leaflet-container" in page


def test_given_bounds_match_what_folium_would_compute(data_departements) -> None:
    built = maps.national_maps(data_departements)
    for m in built.maps():
        layer = next(e for e in assets._elements(m) if isinstance(e, maps.BoundedGeoJson))
        walked = folium.utilities.get_bounds(layer.data, lonlat=True)
        (s, w), (n, e) = layer.get_bounds()
        assert [s, w, n, e] == pytest.approx([*walked[0], *walked[1]])


def test_fast_render_gives_the_same_page_as_folium(regions: gpd.GeoDataFrame) -> None:
    data = maps.national_data(regions, "region").metropole
    bounds = [list(corner) for corner in data.bounds]

    def pages(layer: folium.GeoJson) -> list[str]:
        m = maps.base_map(bounds)
        folium.GeoJsonTooltip(fields=["tooltip"], labels=False).add_to(layer)
        layer.add_to(m)
        # st_folium renders twice; folium then repeats its addTo line, harmless in Leaflet
        return [re.sub(r"_[0-9a-f]{32}", "_ID", maps.map_html(m)) for _ in range(2)]

    style = {"style_function": lambda _: {"color": "#000000"}}
    fast = pages(maps.BoundedGeoJson(data.geojson, bounds, **style))
    plain = pages(folium.GeoJson(data.geojson, **style))
    assert fast == plain
    assert fast[0].index("_add({") < fast[0].index("bindTooltip")  # tooltip binds after data


def test_base_map_carries_its_own_max_zoom_for_clusters() -> None:
    """Without tiles, folium gives maxZoom to no layer; clusters need it on the map."""
    m = maps.base_map([[41.0, -5.0], [51.5, 10.0]], markers=True)
    assert '"maxZoom": 18' in m.get_root().render()
