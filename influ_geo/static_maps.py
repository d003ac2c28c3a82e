"""Static maps for slides: a :class:`~influ_geo.choropleths.ChoroplethView` drawn by
matplotlib on a 1920×1080 (``"paysage"``) or 1080×1080 (``"carre"``) figure.

No streamlit, no pyplot (no global state: safe in the app's threads). Everything a slide
needs is drawn on the figure itself: the title the user typed, a subtitle (filters,
weights), the legend, the sources and licence, the date of the data and the
demonstration badge when the data are the demo set.

- ``figsize`` in inches × ``DPI`` = the pixel size, and no ``bbox_inches="tight"``
  (which would crop): a PNG of exactly 1920×1080 or 1080×1080 pixels.
- The metropole is drawn in Lambert-93 (EPSG:2154); each DROM in an inset in its own
  projected CRS (:data:`DROM_CRS`), with the same classes (computed over every territory
  by ``legend.classify``) as the metropole.
- A région map draws the région alone (Lambert-93, or its local CRS for a DROM), with
  the names of its territories when they are few.

    fig = figure(view, SlideTexts("Actions par département"), "paysage")
    fig.savefig(buffer, format="png")            # 1920×1080
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import matplotlib
import matplotlib.patheffects as path_effects
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from influ_geo import config, referentiel, slide_shapes
from influ_geo.choropleths import BACKGROUND_COLOUR, ChoroplethView, background, part_title
from influ_geo.formatting import format_int
from influ_geo.legend import Legend
from influ_geo.slide_layout import LAYOUTS, Box, Layout, class_label, short_name, wrap

DPI = 100
# Lambert-93, as an EPSG number (geopandas ``to_crs(epsg=…)``).
METROPOLE_CRS = int(config.CRS_LAMBERT93.split(":")[1])
# Projected CRS of each DROM (by région code): RGAF09 UTM 20N for the Antilles, RGFG95
# UTM 22N for Guyane, RGR92 UTM 40S for La Réunion, RGM04 UTM 38S for Mayotte.
DROM_CRS = {"01": 5490, "02": 5490, "03": 2972, "04": 2975, "06": 4471}
EDGE_COLOUR = "#ffffff"
TEXT_COLOUR = "#1f2933"
MUTED_COLOUR = "#52606d"
BADGE_COLOUR = "#f59e0b"
HIGHLIGHT_COLOUR = "#111111"
# Border width of the territories, by level (many small EPCI need thin borders).
EDGE_WIDTH = {"region": 0.9, "departement": 0.5, "epci": 0.15, "ti": 0.6}
# A région map names its territories when there are at most this many.
MAX_LABELS = 30


@dataclass(frozen=True)
class SlideTexts:
    """The texts of a slide: ``SlideTexts("Actions par département", "Aucun filtre",
    ("Sources : INSEE, IGN…",), "Données au 26/11/2026 (dernier import).", None)``."""

    title: str
    subtitle: str = ""
    credits: tuple[str, ...] = ()
    data_date: str = ""
    badge: str | None = None


def figure(view: ChoroplethView, texts: SlideTexts, shape: str = "paysage") -> Figure:
    """The slide of ``view``: a matplotlib Figure of ``LAYOUTS[shape].size`` × ``DPI``.

    Every text is drawn as typed: ``$…$`` is no mathtext (a title or a territory name
    holding ``$\\href{…}$`` would otherwise stop the export with a parse error)."""
    with matplotlib.rc_context({"text.parse_math": False}):
        return _figure(view, texts, LAYOUTS[shape])


def _figure(view: ChoroplethView, texts: SlideTexts, layout: Layout) -> Figure:
    fig = Figure(figsize=layout.size, dpi=DPI, facecolor="white")
    parts = view.parts()
    if view.region is not None:
        _draw_region(fig, layout, view)
    else:
        _draw_part(fig, layout.main, view, parts[0][1], METROPOLE_CRS)
        for box, (name, part) in zip(layout.insets, parts[1:], strict=False):
            ax = _draw_part(fig, box, view, part, DROM_CRS.get(name, METROPOLE_CRS), name)
            _frame(ax)
            fig.text(box.x, box.y + box.h + 0.006, part_title(name), fontsize=11,
                     color=MUTED_COLOUR, va="bottom")
    _draw_titles(fig, layout, texts)
    bottom = _draw_legend(fig, layout, view.legend)
    if view.highlighted:
        _draw_top(fig, layout, view, bottom - layout.line)
    _draw_credits(fig, layout, texts)
    return fig


# ---------------------------------------------------------------- the maps

def _axes(fig: Figure, box: Box) -> Axes:
    ax = fig.add_axes(box.rect())
    ax.set_axis_off()
    return ax


def _draw_part(fig: Figure, box: Box, view: ChoroplethView, part: gpd.GeoDataFrame,
               crs: int, name: str = "metropole") -> Axes:
    """One map of the slide: the territories of ``part`` projected to ``crs``, over the
    régions in grey when they do not cover France (``choropleths.background``). The
    outlines come from :mod:`influ_geo.slide_shapes` (projected once per process)."""
    ax = _axes(fig, box)
    regions = background(view, name)
    shown = None
    if regions is not None:
        shown = slide_shapes.projected(regions.geometry, crs)
        ax.add_collection(shown.collection(BACKGROUND_COLOUR, "#c9ced4", 0.6), autolim=False)
    shapes = slide_shapes.projected(part.geometry, crs)
    width = EDGE_WIDTH.get(view.level, 0.5)
    ax.add_collection(shapes.collection(part["colour"].tolist(), EDGE_COLOUR,
                                        max(width, 0.5) if view.region else width),
                      autolim=False)
    _fit(ax, (shapes if shown is None else shown).bounds)
    _draw_highlights(ax, view, part, shapes)
    return ax


def _fit(ax: Axes, bounds: object, margin: float = 0.02) -> None:
    """Show ``bounds`` (west, south, east, north) with a small margin, at equal scale,
    the limits widened to the shape of the axes (so matplotlib never overrides them)."""
    west, south, east, north = (float(b) for b in bounds)
    width, height = (east - west) * (1 + 2 * margin), (north - south) * (1 + 2 * margin)
    position = ax.get_position(original=True)
    fig_w, fig_h = ax.figure.get_size_inches()
    shape = position.width * fig_w / (position.height * fig_h)
    width, height = max(width, height * shape, 1.0), max(height, width / shape, 1.0)
    cx, cy = (west + east) / 2, (south + north) / 2
    ax.set_xlim(cx - width / 2, cx + width / 2)
    ax.set_ylim(cy - height / 2, cy + height / 2)
    ax.set_aspect("equal", adjustable="box")


def _frame(ax: Axes) -> None:
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False,
                           edgecolor="#b0b7bf", linewidth=0.8, clip_on=False))


def _draw_highlights(ax: Axes, view: ChoroplethView, part: gpd.GeoDataFrame,
                     shapes: slide_shapes.Shapes) -> None:
    """The first of the ranking: a dark outline and the rank in a disc."""
    ranks = {code: i + 1 for i, code in enumerate(view.highlighted)}
    inside = part["code"].isin(ranks).to_numpy()
    if not inside.any():
        return
    chosen = shapes.subset(inside)
    ax.add_collection(chosen.collection("none", HIGHLIGHT_COLOUR, 2.2, zorder=2),
                      autolim=False)
    points = shapely.point_on_surface(chosen.geometries)
    for code, point in zip(part["code"].to_numpy()[inside], points, strict=True):
        ax.text(point.x, point.y, str(ranks[code]), fontsize=11, fontweight="bold",
                color="white", ha="center", va="center", zorder=5,
                bbox={"boxstyle": "circle,pad=0.3", "facecolor": HIGHLIGHT_COLOUR,
                      "edgecolor": "white", "linewidth": 1.5})


def _draw_region(fig: Figure, layout: Layout, view: ChoroplethView) -> None:
    """A région alone: its territories, its border, and their names when few."""
    code = view.region[0]
    crs = DROM_CRS.get(code, METROPOLE_CRS)
    ax = _draw_part(fig, layout.main_alone, view, view.frame, crs)
    regions = referentiel.load_layer("regions")
    border = slide_shapes.projected(regions.geometry[regions["code_region"] == code], crs)
    ax.add_collection(border.collection("none", "#333333", 1.6, zorder=2), autolim=False)
    _fit(ax, border.bounds)
    if len(view.frame) <= MAX_LABELS:
        points = shapely.point_on_surface(slide_shapes.projected(view.frame.geometry,
                                                                 crs).geometries)
        halo = [path_effects.withStroke(linewidth=3, foreground="white")]
        for name, point in zip(view.frame["nom"], points, strict=True):
            ax.text(point.x, point.y, "\n".join(wrap(str(name), 18, 2)), fontsize=11,
                    color=TEXT_COLOUR, ha="center", va="center", path_effects=halo)


# ---------------------------------------------------------------- the texts

def _draw_titles(fig: Figure, layout: Layout, texts: SlideTexts) -> None:
    title = wrap(texts.title, layout.title_chars, 2)
    fig.text(0.03, 0.965, "\n".join(title), fontsize=layout.title_size, fontweight="bold",
             color=TEXT_COLOUR, va="top", linespacing=1.1)
    if texts.subtitle:
        top = 0.965 - len(title) * layout.title_size * 1.25 / (72 * layout.size[1])
        fig.text(0.03, top - 0.012, "\n".join(wrap(texts.subtitle, layout.subtitle_chars, 2)),
                 fontsize=layout.subtitle_size, color=MUTED_COLOUR, va="top")
    if texts.badge:
        x, y = layout.badge_xy
        fig.text(x, y, texts.badge, fontsize=14, fontweight="bold", color="#3b2300",
                 ha="right", va="top" if y > 0.5 else "bottom",
                 bbox={"boxstyle": "round,pad=0.45", "facecolor": BADGE_COLOUR,
                       "edgecolor": "none"})


def _draw_legend(fig: Figure, layout: Layout, legend: Legend) -> float:
    """The legend at the top of the panel; returns the figure y below it."""
    box, step = layout.panel, layout.line
    title = wrap(legend.title, int(layout.panel_chars * 0.75), 2)
    y = box.y + box.h
    fig.text(box.x, y, "\n".join(title), fontsize=layout.legend_size + 2, fontweight="bold",
             color=TEXT_COLOUR, va="top")
    y -= step * (len(title) + 0.6)
    height = step * 0.75
    width = height * layout.size[1] / layout.size[0]
    for item in legend.classes:
        fig.add_artist(Rectangle((box.x, y - height), width, height, facecolor=item.colour,
                                 edgecolor="#8a8a8a", linewidth=0.6,
                                 transform=fig.transFigure))
        fig.text(box.x + width + 0.008, y - height / 2, class_label(item.label),
                 fontsize=layout.legend_size, color=TEXT_COLOUR, va="center")
        y -= step
    return y


def _draw_top(fig: Figure, layout: Layout, view: ChoroplethView, y: float) -> None:
    """The first of the « Où agir » ranking, numbered as on the map."""
    box, step = layout.panel, layout.line * 0.85
    fig.text(box.x, y, "Où agir d'abord", fontsize=layout.legend_size + 1, fontweight="bold",
             color=TEXT_COLOUR, va="top")
    names = view.frame.set_index("code")
    column = view.indicator.column
    for rank, code in enumerate(view.highlighted, start=1):
        y -= step
        if y < box.y:
            break
        row = names.loc[code]
        name = wrap(short_name(str(row["nom"])), layout.panel_chars - 4, 1)[0]
        fig.text(box.x, y - step * 0.2, f"{rank}. {name} — {format_int(row[column])}",
                 fontsize=layout.legend_size - 1.5, color=TEXT_COLOUR, va="top")


def _draw_credits(fig: Figure, layout: Layout, texts: SlideTexts) -> None:
    lines = [line for text in (*texts.credits, texts.data_date) if text
             for line in wrap(text, layout.credits_chars, 3)]
    box = layout.credits
    fig.text(box.x, box.y, "\n".join(lines), fontsize=layout.credits_size,
             color=MUTED_COLOUR, va="bottom", linespacing=1.3)


def projected_parts(view: ChoroplethView) -> dict[str, str]:
    """``{"metropole": "EPSG:2154", "01": "EPSG:5490", …}``: the CRS of each map drawn."""
    if view.region is not None:
        return {view.region[0]: f"EPSG:{DROM_CRS.get(view.region[0], METROPOLE_CRS)}"}
    return {name: f"EPSG:{DROM_CRS.get(name, METROPOLE_CRS)}" for name, _ in view.parts()}

