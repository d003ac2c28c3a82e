"""Files for slides and spreadsheets: PNG sizes read back, SVG parsed as XML, HTML that
needs no network, texts from users kept as text, the ranking as a safe CSV."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from PIL import Image

from influ_geo import choropleths, dataset, exports, priorities

TODAY = date(2026, 11, 26)
HOSTILE = 'Carte <script>alert("x")</script> & « Où agir »'
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(TODAY), TODAY, demo=True)


@pytest.fixture(scope="module")
def gaps(data) -> choropleths.ChoroplethView:
    return choropleths.gaps_view(data, "departement")


def texts(title: str = "Actions par département") -> exports.SlideTexts:
    return exports.slide_texts(title, "Aucun filtre", "Données au 26/11/2026 (dernier import).",
                               exports.DEMO_BADGE)


@pytest.mark.parametrize("fmt, size", [("png", (1920, 1080)), ("png-carre", (1080, 1080))])
def test_png_is_exactly_1920x1080_or_1080x1080(gaps, fmt, size) -> None:
    content = exports.render(gaps, texts(), fmt)
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG" and image.size == size
    assert image.info.get("Title") == "Actions par département"


def test_svg_parses_and_keeps_the_title_as_escaped_text(gaps) -> None:
    content = exports.render(gaps, texts(HOSTILE), "svg")
    root = ET.fromstring(content)
    assert root.tag == f"{SVG}svg"
    shown = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert HOSTILE in shown
    raw = content.decode("utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert len(list(root.iter(f"{SVG}path"))) > 101  # the territories are vector paths


def test_html_needs_no_network_and_holds_every_feature(gaps) -> None:
    page = exports.render(gaps, texts(), "html").decode("utf-8")
    assert not re.search(r'<script[^>]+src="(https?:)?//', page)
    assert not re.search(r'<link[^>]+href="(https?:)?//', page)
    assert "tile.openstreetmap" not in page
    assert "L.map(" in page and "/* @preserve" in page  # Leaflet itself is inlined
    codes = re.findall(r'"code": "([0-9AB]+)"', page)
    assert sorted(codes) == sorted(gaps.frame["code"])
    for name in gaps.frame.set_index("code").loc[list(gaps.highlighted), "nom"]:
        assert name in page  # the first of the ranking are listed beside the map
    assert exports.DEMO_BADGE in page and "Licence Ouverte 2.0" in page


def test_a_hostile_title_stays_text_in_the_html_page(gaps) -> None:
    page = exports.render(gaps, texts(HOSTILE), "html").decode("utf-8")
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<" not in title


def test_unknown_format_is_a_french_error(gaps) -> None:
    with pytest.raises(exports.ExportFormatError, match="format « gif » inconnu"):
        exports.render(gaps, texts(), "gif")


@pytest.mark.parametrize("title, fmt, name", [
    ("Actions par département", "png", "actions-par-departement.png"),
    ("Actions par département", "png-carre", "actions-par-departement-carre.png"),
    ("Où agir : EPCI", "html", "ou-agir-epci.html"),
    ("<>", "svg", "carte.svg"),
])
def test_file_names(title, fmt, name) -> None:
    assert exports.file_name(title, fmt) == name


def test_date_line_of_a_slide() -> None:
    assert exports.data_date_text(False, datetime(2026, 11, 26, 8), TODAY) == \
        "Données au 26/11/2026 (dernier import)."
    assert exports.data_date_text(True, None, TODAY) == \
        "Données de démonstration générées pour le 26/11/2026."
    assert exports.data_date_text(False, None, TODAY) == "Données (date d'import inconnue)."


def test_ranking_csv_is_excel_safe_and_complete(data) -> None:
    ranking = priorities.rank(data, "departement")
    ranking.loc[0, "nom"] = "=HYPERLINK(\"http://x\")"
    content = exports.ranking_csv(ranking)
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 101
    assert rows[0]["nom"] == "'=HYPERLINK(\"http://x\")"
    assert rows[1]["code"] == ranking.loc[1, "code"]
    assert float(rows[1]["score"]) == pytest.approx(ranking.loc[1, "score"])
    assert rows[1]["explication"] == ranking.loc[1, "explication"]
