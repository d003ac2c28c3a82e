"""Front-end files of folium maps, served from ``static/vendor/`` instead of CDNs.

Folium 0.20 asks for Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers (and
markercluster for its plugins) from CDNs that machines without internet cannot reach:
a map then stays blank. ``static/vendor/`` holds copies from the npm registry (see
``static/vendor/update.sh``); Streamlit serves them at ``/app/static/vendor/...``
(``server.enableStaticServing``).

- :func:`localize` points every folium element of a map at those copies (the app);
- :func:`inline` turns rendered map HTML into one self-contained file (exports), every
  script, stylesheet, image and font embedded.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path

import folium
from branca.element import Element

from influ_geo import config

VENDOR_DIR = config.STATIC_DIR / "vendor"

_JSDELIVR = "https://cdn.jsdelivr.net/npm"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
# CDN URL requested by folium 0.20 ⇒ path under static/vendor/. ``None``: dropped on purpose
# (Bootstrap 3 glyphicons and folium's icon-rotation CSS serve only Icon(prefix="glyphicon")
# and Icon(angle=…), which the maps never use, and neither is on the npm registry).
CDN_FILES: dict[str, str | None] = {
    f"{_JSDELIVR}/leaflet@1.9.3/dist/leaflet.js": "leaflet/leaflet.js",
    f"{_JSDELIVR}/leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    f"{_JSDELIVR}/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        "bootstrap/js/bootstrap.bundle.min.js",
    f"{_JSDELIVR}/bootstrap@5.2.2/dist/css/bootstrap.min.css": "bootstrap/css/bootstrap.min.css",
    f"{_JSDELIVR}/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        "fontawesome/css/all.min.css",
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        "awesome-markers/leaflet.awesome-markers.js",
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        "awesome-markers/leaflet.awesome-markers.css",
    f"{_CDNJS}/leaflet.markercluster/1.1.0/leaflet.markercluster.js":
        "markercluster/leaflet.markercluster.js",
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.css": "markercluster/MarkerCluster.css",
    f"{_CDNJS}/leaflet.markercluster/1.1.0/MarkerCluster.Default.css":
        "markercluster/MarkerCluster.Default.css",
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css": None,
}

_SCRIPT_TAG = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>')
_LINK_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>')
_EXTERNAL_TAG = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="((?:https?:)?//[^"]+)"')
_CSS_URL = re.compile(r"""url\(\s*['"]?(?!data:|#)([^'")]+?)['"]?\s*\)""")


class AssetNotVendored(LookupError):
    """A map asks for a front-end file that static/vendor/ does not hold."""


def vendor_path(url: str, base_url: str = config.VENDOR_URL) -> str | None:
    """Vendored path of a CDN or app URL; ``None`` when deliberately dropped.

    ``".../leaflet@1.9.3/dist/leaflet.js"`` ⇒ ``"leaflet/leaflet.js"``;
    ``"/app/static/vendor/jquery/jquery.min.js"`` ⇒ ``"jquery/jquery.min.js"``.
    """
    if url in CDN_FILES:
        return CDN_FILES[url]
    prefix = base_url.rstrip("/") + "/"
    if url.startswith(prefix) and (VENDOR_DIR / url[len(prefix):]).is_file():
        return url[len(prefix):]
    raise AssetNotVendored(
        f"Fichier front-end non disponible hors ligne : {url} "
        "(ajoutez-le à static/vendor/ et à influ_geo.assets.CDN_FILES)."
    )


def _elements(root: Element) -> Iterator[Element]:
    """Every element of a folium tree, the root first."""
    yield root
    for child in root._children.values():
        yield from _elements(child)


def _localized(links: list[tuple[str, str]], base_url: str) -> list[tuple[str, str]]:
    """``[("leaflet", CDN URL)]`` ⇒ ``[("leaflet", "/app/static/vendor/leaflet/leaflet.js")]``."""
    out = []
    for name, url in links:
        path = vendor_path(url, base_url)
        if path is not None:
            out.append((name, f"{base_url.rstrip('/')}/{path}"))
    return out


def localize(m: folium.Map, base_url: str = config.VENDOR_URL) -> folium.Map:
    """Point every script and stylesheet of ``m`` at ``base_url`` (in place; returns ``m``).

    Call it once the map is complete (plugins add their own files). Lists are set on each
    element instance, never on folium's classes, so other maps are left as they were.
    Raises :class:`AssetNotVendored` for a file that static/vendor/ does not hold.
    """
    for element in _elements(m):
        if isinstance(element, folium.elements.JSCSSMixin):
            element.default_js = _localized(element.default_js, base_url)
            element.default_css = _localized(element.default_css, base_url)
    return m


def requested_urls(m: folium.Map) -> list[str]:
    """Every script and stylesheet URL the map's elements ask for, in order, deduplicated."""
    urls: list[str] = []
    for element in _elements(m):
        if isinstance(element, folium.elements.JSCSSMixin):
            urls += [url for _, url in element.default_js + element.default_css]
    return list(dict.fromkeys(urls))


def _data_uri(path: Path) -> str:
    """``images/layers.png`` ⇒ ``"data:image/png;base64,iVBOR…"``."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        mime = "font/woff2"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    """A stylesheet whose relative ``url(...)`` images and fonts become data URIs.

    A referenced file that is not vendored (Font Awesome's .ttf fallbacks) keeps its URL:
    browsers load the woff2 listed before it.
    """

    def embed(match: re.Match[str]) -> str:
        target = (path.parent / match.group(1)).resolve()
        return f'url("{_data_uri(target)}")' if target.is_file() else match.group(0)

    return _CSS_URL.sub(embed, path.read_text(encoding="utf-8"))


def inline(html: str, base_url: str = config.VENDOR_URL) -> str:
    """Rendered map HTML ⇒ one self-contained page (no network, opens from ``file://``).

    ``<script src="…leaflet.js"></script>`` becomes ``<script>/* Leaflet */…</script>`` and
    ``<link rel="stylesheet" href="…">`` a ``<style>`` block, for CDN URLs and for
    ``base_url`` URLs alike. Raises :class:`AssetNotVendored` for any other external file.
    """

    def script(match: re.Match[str]) -> str:
        path = vendor_path(match.group(1), base_url)
        if path is None:
            return ""
        code = (VENDOR_DIR / path).read_text(encoding="utf-8")
        return "<script>" + code.replace("</script", "<\\/script") + "</script>"

    def style(match: re.Match[str]) -> str:
        path = vendor_path(match.group(1), base_url)
        return "" if path is None else f"<style>{_inline_css(VENDOR_DIR / path)}</style>"

    leftover = _EXTERNAL_TAG.search(_LINK_TAG.sub("", _SCRIPT_TAG.sub("", html)))
    if leftover:
        raise AssetNotVendored(f"Fichier front-end externe non intégré : {leftover.group(1)}")
    return _LINK_TAG.sub(style, _SCRIPT_TAG.sub(script, html))


def standalone_html(m: folium.Map) -> str:
    """The map as one self-contained HTML page, every front-end file embedded."""
    return inline(m.get_root().render())
