"""No text from the data is ever read as markup, script, template or link.

Every builder that writes a text from data into HTML, folium, Markdown, SVG, iCalendar or a
spreadsheet gets the same hostile values; each output must hold them as text only:
escaped (``&lt;script&gt;``), never as a tag, an event handler, a ``javascript:`` link, a
Jinja expression evaluated on the server (``{{ 7*7 }}`` ⇒ ``49``) or a spreadsheet formula.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import hostile_data as hostile
import icalendar
import nearby_map_support
import openpyxl
import pandas as pd
import pytest

from influ_geo import (
    actions_view,
    choropleth_maps,
    choropleths,
    data_admin,
    dataset,
    escaping,
    exports,
    maps,
    maps_nearby,
    maps_points,
    nearby,
    nearby_tables,
    ou_agir,
    popups,
    priorities,
    region_view,
)
from influ_geo.filters import NO_FILTERS
from influ_geo.nearby import Centre

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG_BREAK = '"><svg onload=alert(1)>'
JINJA = "Salon {{ 7*7 }} fin"
EVALUATED = "Salon 49 fin"  # what a Jinja pass over JINJA would write
JINJA_BLOCK = "{% raw %}"
TEMPLATE_LITERAL = "`${alert(1)}`\\`"
RTL = "Salon \u202egnp.exe"
MATH = r"Coût $\href{javascript:alert(1)}{x}$ et $x^2$"
EMOJI = "Usine 🏭 ouverte 👩‍🔧"
LONG = "Forum de l'industrie " * 5_000  # 105,000 characters
TEXTS = [SCRIPT, IMG, SVG_BREAK, JINJA, JINJA_BLOCK, TEMPLATE_LITERAL, RTL, EMOJI, LONG,
         "javascript:alert(1)"]
BAD_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " \tjavascript:alert(1)",
            "\x01javascript:alert(1)", "java\nscript:alert(1)", "data:text/html,<script>x</script>",
            "vbscript:msgbox(1)", "//piege.example/x", "/relatif", "https://", "http:/x",
            "https://a b.fr", "https://exemple.fr/\u202egnp.exe", "ftp://exemple.fr",
            SCRIPT, JINJA]
# A web link that breaks out of an attribute unless escaped where it is written.
QUOTED_URL = "https://a.fr/\"><script>alert(1)</script>'><svg/onload=alert(1)>"

GOOD_URL = "https://exemple.fr/salon?id=3&x=1"
# What must never reach a page: tags and handlers from the data, evaluated templates.
EXECUTABLE = ("<script>alert", "<img src=x", "<svg onload", "<svg/onload", "onerror=alert(1)>",
              'href="javascript', "href='javascript", "href=javascript")


def assert_inert(output: str, *, evaluated: tuple[str, ...] = ()) -> None:
    """No executable form of the hostile values in ``output``; ``evaluated`` lists texts
    that would only be there if a template had been evaluated."""
    lowered = output.lower()
    for form in EXECUTABLE:
        assert form.lower() not in lowered, form
    for form in evaluated:
        assert form not in output, form


# ---------------------------------------------------------------- the helpers

@pytest.mark.parametrize("value", TEXTS)
def test_html_text_is_shown_as_the_same_characters(value: str) -> None:
    out = escaping.html_text(value)
    assert html.unescape(out) == value
    assert not set(out) & set("<>\"'`{}\\")
    assert_inert(out)


def test_html_text_of_missing_values_is_empty() -> None:
    assert [escaping.html_text(v) for v in (None, float("nan"))] == ["", ""]


def test_template_inert_keeps_markup_and_hides_template_characters() -> None:
    assert escaping.template_inert("<b>{{ x }}</b>`\\") == \
        "<b>&#123;&#123; x &#125;&#125;</b>&#96;&#92;"


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_web_links_are_kept(url: str) -> None:
    assert escaping.http_url(url) is None


@pytest.mark.parametrize("url, kept", [
    (GOOD_URL, GOOD_URL), ("  HTTP://Exemple.fr/a  ", "HTTP://Exemple.fr/a"),
    ("https://exemple.fr/événement", "https://exemple.fr/événement"),
    (None, None), (float("nan"), None), (12, None)])
def test_web_links_are_kept_stripped(url: object, kept: str | None) -> None:
    assert escaping.http_url(url) == kept


@pytest.mark.parametrize("value, expected", [
    ("[Gagnez](https://piege.example)", "\\[Gagnez\\]\\(https:\u2060//piege.example\\)"),
    ("![x](https://traceur.example/p.png)",
     "\\!\\[x\\]\\(https:\u2060//traceur.example/p.png\\)"),
    ("voir www.piege.example, ecrire@piege.example",
     "voir www\u2060.piege.example, ecrire\u2060@piege.example"),
    (":red[alerte] **gras** $x$ ~~barré~~ `code`",
     r"\:red\[alerte\] \*\*gras\*\* \$x\$ \~\~barré\~\~ \`code\`"),
    (":material/home: :smile: javascript:alert(1)",
     r"\:material/home: \:smile: javascript\:alert\(1\)"),
    ("<b>gras</b> &lt;i&gt;", r"\<b\>gras\</b\> \&lt;i\&gt;"),
    ("Titre\n# Faux titre\r\n- liste", "Titre # Faux titre - liste"),
    ("# Titre", r"\# Titre"), ("- liste", r"\- liste"), ("  + liste", r"  \+ liste"),
    ("12. Salon", r"12\. Salon"), ("3) Salon", r"3\) Salon"), ("> cité", r"\> cité"),
    ("Saint-Étienne : 3 sites, R&D.", "Saint-Étienne : 3 sites, R&D."), (None, "")])
def test_markdown_text_escapes_what_markdown_reads(value: object, expected: str) -> None:
    assert escaping.markdown_text(value) == expected


def test_markdown_text_keeps_every_character() -> None:
    for value in TEXTS:
        shown = escaping.markdown_text(value).replace(escaping.WORD_JOINER, "")
        unescaped = re.sub(r"\\(.)", r"\1", shown)
        assert unescaped == re.sub(r"[\r\n]+", " ", value)


# ---------------------------------------------------------------- Près de chez moi

CENTRE = Centre(2.3522, 48.8566, "Paris (75 – Paris)", "75056", "75")


def nearby_event(value: str, url: str) -> dict:
    return {"titre": value, "lieu": value, "commune_nom": "Paris", "type_libelle": value,
            "public_libelle": value, "date_debut": "2027-01-12", "date_fin": "2027-01-12",
            "distance_km": 1.5, "relais": 0, "relais_prevus": 0, "relaye": False, "url": url,
            "lat": 48.86, "lon": 2.35}


def nearby_site(value: str) -> dict:
    return {"nom": value, "naf_division": "25", "distance_km": 2.0, "lat": 48.85, "lon": 2.34}


@pytest.mark.parametrize("value", TEXTS)
def test_nearby_map_shows_hostile_texts_as_text(value: str) -> None:
    events = pd.DataFrame([nearby_event(value, url) for url in (*BAD_URLS[:6], GOOD_URL)])
    sites = pd.DataFrame([nearby_site(value)])
    m = maps_nearby.nearby_map(CENTRE, 10, events, sites)
    page = m.get_root().render()  # what st_folium renders first: the Jinja pass included
    assert_inert(page, evaluated=(EVALUATED,))
    assert escaping.html_text(escaping.shorten(value)) in page  # a long title is cut
    rows = nearby_map_support.event_rows(page)
    assert [row[5] for row in rows] == [""] * 6 + [html.escape(GOOD_URL)]  # the safe link only
    assert "javascript:alert" not in page.replace(escaping.html_text(value), "")


def test_nearby_popup_and_tooltips_cannot_leave_their_json_strings() -> None:
    """The events and sites are JSON strings read by the map's scripts (no template
    literal any more): a backtick, ``${…}``, a backslash or ``{{`` stays inside them."""
    events = pd.DataFrame([nearby_event(TEMPLATE_LITERAL, GOOD_URL)])
    page = maps_nearby.nearby_map(CENTRE, 10, events, pd.DataFrame([nearby_site(JINJA)])
                                  ).get_root().render()
    literals = re.findall(r"`((?:\\.|[^`\\])*)`", page)
    assert [text for text in literals if "alert(1)" in text] == []
    (row,) = nearby_map_support.event_rows(page)
    assert row[3] == escaping.html_text(TEMPLATE_LITERAL) and "${" not in row[3]
    assert html.unescape(row[3]) == TEMPLATE_LITERAL
    (site,) = nearby_map_support.site_data(page)["rows"]
    assert html.unescape(site[2]) == JINJA and EVALUATED not in page


# ---------------------------------------------------------------- Présentation exports

TODAY = date(2026, 11, 26)
STAMP = datetime(2026, 11, 26, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def hostile_ti_view() -> choropleths.ChoroplethView:
    """The « Où agir » gaps of Territoires d'industrie named with hostile texts."""
    frames = dataset.demo_frames(TODAY)
    ti = frames["territoires_industrie"].copy()
    names = {code: TEXTS[i % 8] for i, code in enumerate(sorted(ti["id_ti"].unique()))}
    ti["lib_ti"] = ti["id_ti"].map(names)
    frames["territoires_industrie"] = ti
    return choropleths.gaps_view(dataset.prepare(frames, TODAY, demo=True), "ti")


def slide(value: str) -> exports.SlideTexts:
    return exports.slide_texts(value, value, "Données au 26/11/2026.", exports.DEMO_BADGE)


@pytest.mark.parametrize("value", [SCRIPT, SVG_BREAK, JINJA, JINJA_BLOCK, TEMPLATE_LITERAL, RTL,
                                   EMOJI, LONG, MATH])
def test_html_export_shows_typed_and_data_texts_as_text(hostile_ti_view, value: str) -> None:
    page = exports.render(hostile_ti_view, slide(value), "html").decode("utf-8")
    assert_inert(page, evaluated=(EVALUATED,))
    heading = re.search(r'<header class="titre"><h1>(.*?)</h1>', page, re.S).group(1)
    assert html.unescape(heading) == value.strip()
    assert html.escape(SCRIPT) in page and html.escape(JINJA) in page  # the TI names


@pytest.mark.parametrize("value, fmt", [
    (SCRIPT, "svg"), (JINJA_BLOCK, "svg"), (MATH, "svg"), (MATH, "png"), (LONG, "png"),
    ("Coût : 5 $ et 7 $", "svg")])
@pytest.mark.filterwarnings("ignore:Glyph")  # the emoji of a TI name: no glyph, no matter
def test_slides_draw_any_title_as_typed(hostile_ti_view, value: str, fmt: str) -> None:
    content = exports.render(hostile_ti_view, slide(value), fmt)
    if fmt == "png":
        assert content.startswith(b"\x89PNG")
        return
    root = ET.fromstring(content)  # well-formed XML
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "foreignObject")]
    assert not [k for e in root.iter() for k in e.attrib if k.lower().startswith("on")]
    texts = "".join(t for e in root.iter() for t in (e.text or "",))
    if value != JINJA_BLOCK:
        assert value in texts  # drawn as typed, dollars and all


# ---------------------------------------------------------------- Carte: popups and points

def hostile_rows(value: str, urls: list[str]) -> dict[str, pd.DataFrame]:
    """Actions, events and sites whose every text is ``value``, one row per URL."""
    n = len(urls)
    place = {"commune_nom": [value] * n, "code_departement": ["75"] * n,
             "code_region": ["11"] * n, "lon": [2.35 + i / 1000 for i in range(n)],
             "lat": [48.85] * n, "url": urls}
    actions = pd.DataFrame({**place, "titre": value, "membre": value, "statut": "realisee",
                            "date": pd.Timestamp("2026-11-20"), "public_cible": "parents",
                            "evenement_titre": value + " (événement)", "canal": value,
                            "theme": value})
    events = pd.DataFrame({**place, "titre": value, "type": value, "relais": 0,
                           "date_debut": pd.Timestamp("2027-01-12"), "date_fin": pd.NaT,
                           "organisateur": value})
    sites = pd.DataFrame({**place, "nom": value, "naf_libelle": value,
                          "effectifs_libelle": value, "seveso": value + " seuil haut"})
    return {"mobilisations": actions, "evenements_a_venir": events, "sites": sites}


def popup_texts(popup: tuple[str, list[str], str | None]) -> list[str]:
    title, lines, _ = popup
    return [title, *lines]


@pytest.mark.parametrize("value", TEXTS)
def test_carte_popups_hold_escaped_texts_and_web_links_only(value: str) -> None:
    rows = hostile_rows(value, [*BAD_URLS, GOOD_URL])
    built = {"mobilisations": popups.action_popups(rows["mobilisations"]),
             "evenements_a_venir": popups.event_popups(rows["evenements_a_venir"]),
             "sites": popups.site_popups(rows["sites"])}
    for key, found in built.items():
        texts = [t for p in found for t in popup_texts(p)]
        assert not any(set(t) & set("<>") for t in texts), key
        # The title as typed (a long one cut, so that the popup fits on a screen).
        assert html.unescape(found[0][0]) == escaping.shorten(value.strip()), key
        assert max(len(html.unescape(t)) for t in texts) <= escaping.TEXT_MAX_CHARS, key
        assert [p[2] for p in found] == [None] * len(BAD_URLS) + [html.escape(GOOD_URL)], key


@pytest.mark.parametrize("value", TEXTS)
def test_carte_points_reach_the_page_as_json_text(value: str) -> None:
    m = maps.base_map([[48.8, 2.3], [48.9, 2.4]], markers=True)
    bounds = [[48.8, 2.3], [48.9, 2.4]]
    layers = [maps_points.point_layer(frame, key, bounds)
              for key, frame in hostile_rows(value, [BAD_URLS[0], GOOD_URL]).items()]
    maps_points.add_points(m, layers)
    page = m.get_root().render()
    assert_inert(page, evaluated=(EVALUATED,))
    assert "</script" not in " ".join(layer.rows for layer in layers).lower()
    for layer in layers:
        data = json.loads(layer.rows)
        title = data["rows"][0][3]
        assert html.unescape(title).startswith(value[:40])
        assert layer.rows in page  # written as is: no template pass over the rows


def test_a_quoted_web_link_stays_inside_its_attribute() -> None:
    events = pd.DataFrame([nearby_event("Salon", QUOTED_URL)])
    page = maps_nearby.nearby_map(CENTRE, 10, events, pd.DataFrame([nearby_site("x")])
                                  ).get_root().render()
    assert_inert(page)
    (row,) = nearby_map_support.event_rows(page)
    assert row[5].startswith("https://a.fr/&quot;&gt;&lt;script&gt;")
    assert 'href="https://a.fr/&quot;&gt;&lt;script&gt;' in maps_nearby.event_popup(
        nearby_event("Salon", QUOTED_URL))
    assert popups.safe_url(QUOTED_URL) == html.escape(QUOTED_URL, quote=True)


# ---------------------------------------------------------------- tables, calendar, files

@pytest.fixture(scope="module")
def hostile_data() -> dataset.Dataset:
    """The demo data set with the hostile events, actions and sites of ``hostile_data``."""
    frames = hostile.with_hostile_rows(dataset.demo_frames(TODAY), TODAY)
    return dataset.prepare(frames, TODAY, demo=True)


def hostile_only(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[frame[column].isin(hostile.VALUES)]


def assert_links_are_web_links(links: pd.Series) -> None:
    kept = links.dropna().tolist()
    assert kept and all(escaping.http_url(link) == link for link in kept)
    assert not any(str(link).strip().lower().startswith(("javascript", "data", "vbscript"))
                   for link in kept)


def test_link_columns_of_every_table_hold_web_links_only(hostile_data) -> None:
    """Mobilisations, Région par région, Où agir and Près de chez moi: clickable links."""
    shown = actions_view.display_table(hostile_only(hostile_data.actions, "titre"))
    assert_links_are_web_links(shown["Lien"])
    region = region_view.events_table(hostile_data, NO_FILTERS, "11")
    assert_links_are_web_links(region[region["Événement"].isin(hostile.VALUES)]["Lien"])
    to_join = priorities.events_to_join(hostile_data, "departement", NO_FILTERS, codes=["69"])
    table = ou_agir.events_table(hostile_only(to_join, "titre"))
    assert_links_are_web_links(table["lien"])
    found = nearby.events_near(hostile_data, CENTRE, 30, TODAY, TODAY + timedelta(days=30))
    assert_links_are_web_links(nearby_tables.events_table(hostile_only(found, "titre"))["Lien"])


def test_texts_of_tables_are_kept_as_typed(hostile_data) -> None:
    """Tables are drawn on a canvas as text: the values must arrive unchanged."""
    shown = actions_view.display_table(hostile_only(hostile_data.actions, "titre"))
    assert set(shown["Titre"]) == set(hostile.VALUES)
    assert set(shown["Campagne"]) == {v[:200] for v in hostile.VALUES}


def test_calendar_keeps_texts_as_text_and_drops_non_web_links(hostile_data) -> None:
    found = nearby.events_near(hostile_data, CENTRE, 30, TODAY, TODAY + timedelta(days=30))
    found = hostile_only(found, "titre")
    raw = nearby_tables.calendar_file(found, CENTRE, radius_km=30, stamp=STAMP)
    lines = raw.decode("utf-8").split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    urls = [line for line in lines if line.startswith("URL")]
    assert urls and all(line.startswith("URL;VALUE=URI:http") for line in urls)
    # No line break from the data starts a property of its own (``\nURL:javascript:``).
    names = {re.match(r"[A-Z-]+", line).group(0) for line in lines if line[:1] not in (" ", "")}
    assert names <= {"BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME",
                     "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "GEO", "URL",
                     "CATEGORIES", "DESCRIPTION"}
    assert b"<" not in raw and b">" not in raw  # no tag for an app that reads HTML
    events = list(icalendar.Calendar.from_ical(raw).walk("VEVENT"))
    shown = found["titre"].str.replace("<", "\u2039").str.replace(">", "\u203a")
    assert sorted(str(e["SUMMARY"]) for e in events) == sorted(shown)
    assert all(str(e["DESCRIPTION"]).strip().endswith(str(e["SUMMARY"]).strip()) for e in events)
    assert all("javascript" not in str(e.get("URL", "")).lower() for e in events)


FORMULAS = ["=HYPERLINK(\"http://piege.example\",\"clic\")", "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_spreadsheets_get_no_formula_from_the_data(hostile_data, suffix: str) -> None:
    actions = hostile_only(hostile_data.actions, "titre").head(len(FORMULAS)).copy()
    actions["titre"] = FORMULAS
    actions["membre"] = FORMULAS
    content = data_admin.frame_bytes(actions_view.export_frame(actions), suffix, "actions")
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        cells = [row[name] for row in rows for name in ("titre", "membre")]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        header = [c.value for c in sheet[1]]
        columns = [header.index("titre") + 1, header.index("membre") + 1]
        cells = [sheet.cell(row=r, column=c) for r in range(2, sheet.max_row + 1)
                 for c in columns]
        assert all(cell.data_type == "s" for cell in cells)  # text, never a formula
        cells = [cell.value.replace("\n", "\r") for cell in cells]  # XML reads CR as LF
    assert cells and all(cell.startswith("'") for cell in cells)
    assert sorted(c[1:] for c in cells) == sorted(FORMULAS * 2)


# ---------------------------------------------------------------- what st_folium sends

@pytest.mark.parametrize("value", [SCRIPT, JINJA, JINJA_BLOCK, TEMPLATE_LITERAL])
def test_st_folium_scripts_hold_hostile_texts_as_text(hostile_ti_view, value: str) -> None:
    """``st_folium`` renders the figure (Jinja pass included), then sends each element's
    script: the Près de chez moi map, the Carte points and the « Où agir » TI map."""
    from streamlit_folium import generate_leaflet_string

    near = maps_nearby.nearby_map(CENTRE, 10, pd.DataFrame([nearby_event(value, BAD_URLS[0])]),
                                  pd.DataFrame([nearby_site(value)]))
    points = maps.base_map([[48.8, 2.3], [48.9, 2.4]], markers=True)
    maps_points.add_points(points, [maps_points.point_layer(
        hostile_rows(value, [BAD_URLS[0]])["sites"], "sites", [[48.8, 2.3], [48.9, 2.4]])])
    gaps = choropleth_maps.folium_maps(hostile_ti_view, online_tiles=False).maps()[0]
    for m in (near, points, gaps):
        m.get_root().render()
        script = generate_leaflet_string(m)
        assert_inert(script, evaluated=(EVALUATED,))
        # Outside JSON strings and the escaped text, no trace of the value is left: it
        # cannot end a string, a template literal or a tag and run as code.
        code = re.sub(r'"(?:\\.|[^"\\])*"', '""', script).replace(escaping.html_text(value), "")
        assert "alert(1)" not in code and "7*7" not in code and "raw %" not in code
