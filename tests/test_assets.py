"""Vendored front-end files: every folium asset is local, exports are self-contained."""

from __future__ import annotations

import re

import folium
import folium.plugins
import pytest

from influ_geo import assets, config

EXTERNAL_TAG = re.compile(r'<(script|link)\b[^>]*\b(src|href)="(https?:)?//')


def test_every_vendored_file_exists_with_its_licence() -> None:
    for path in filter(None, assets.CDN_FILES.values()):
        assert (assets.VENDOR_DIR / path).is_file(), path
    for package in {p.split("/")[0] for p in filter(None, assets.CDN_FILES.values())}:
        licences = [f for f in (assets.VENDOR_DIR / package).iterdir() if "LICEN" in f.name]
        assert licences, package


def test_folium_defaults_and_plugins_are_all_known() -> None:
    m = folium.Map()
    folium.plugins.MarkerCluster().add_to(m)
    folium.plugins.FastMarkerCluster([[45.0, 5.0]]).add_to(m)
    for url in assets.requested_urls(m):
        assert url in assets.CDN_FILES, url


def test_localize_points_at_the_app_and_leaves_folium_classes_alone() -> None:
    m = folium.Map()
    folium.plugins.MarkerCluster().add_to(m)
    assets.localize(m, config.VENDOR_URL)
    urls = assets.requested_urls(m)
    assert urls and all(u.startswith(config.VENDOR_URL + "/") for u in urls)
    assert not any("glyphicons" in u or "rotate" in u for u in urls)  # dropped on purpose
    assert folium.Map.default_js[0][1].startswith("https://")  # class list untouched
    assert "https://" not in m.get_root().header.render()


def test_marker_map_export_embeds_scripts_styles_images_and_fonts() -> None:
    m = folium.Map(location=[45.0, 5.0], tiles=None)
    folium.Marker([45.0, 5.0], icon=folium.Icon(icon="industry", prefix="fa")).add_to(m)
    page = assets.standalone_html(m)
    assert not EXTERNAL_TAG.search(page)
    assert "data:font/woff2;base64," in page and "data:image/png;base64," in page
    assert page.count("<script>") >= 4


def test_unknown_external_file_is_refused_with_a_french_message() -> None:
    page = '<html><head><script src="https://example.org/x.js"></script></head></html>'
    with pytest.raises(assets.AssetNotVendored, match="non disponible hors ligne"):
        assets.inline(page)
    tag = '<script defer src="https://example.org/x.js"></script>'
    with pytest.raises(assets.AssetNotVendored, match="non intégré"):
        assets.inline(tag)
