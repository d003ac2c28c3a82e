"""The Carte as data and as folium objects: point layers, popups, cells, outlines, clicks.

Real geography (the shipped referential) and the demonstration data set for a fixed day;
hand-made rows for hostile texts and links.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influ_geo import (
    carte,
    carte_legend,
    config,
    dataset,
    demo,
    indicators,
    maps,
    maps_points,
    popups,
    referentiel,
)
from influ_geo.filters import Filters
from influ_geo.maps_points import CELLS, POINTS
from influ_geo.ui_filters import default_filters, event_type_label

TODAY = date(2026, 11, 26)
HOSTILE = '<img src=x onerror="alert(1)">{{ 7*7 }} & Cie'
ALL_LAYERS = tuple(carte.LAYER_LABELS)
CODE = re.compile(r'"code": "([0-9AB]{2,3})"')


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    return dataset.prepare(dataset.demo_frames(TODAY), TODAY, demo=True)


@pytest.fixture(scope="module")
def layers() -> tuple:
    return referentiel.load_layer("regions"), referentiel.load_layer("departements")


@pytest.fixture(scope="module")
def ti() -> pd.DataFrame:
    return carte.ti_layer(demo.demo_territoires_industrie(), referentiel.communes())


NATIONAL = carte.Scope()


def view(data, layers, scope=NATIONAL, shown=ALL_LAYERS, filters=None, **kwargs):
    return carte.carte_data(data, filters or default_filters(TODAY), scope, shown, *layers,
                            type_label=event_type_label, **kwargs)


def rows_of(layer: maps_points.PointLayer) -> dict:
    return json.loads(layer.rows)


def decoded_lines(payload: dict) -> list[list[str]]:
    """The popup lines of each row, shared ones looked up in the table."""
    return [[payload["lines"][x] if isinstance(x, int) else x for x in row[4]]
            for row in payload["rows"]]


# ---------------------------------------------------------------- texts and links

@pytest.mark.parametrize(("raw", "kept"), [
    ("https://www.salon-industrie.fr/programme", "https://www.salon-industrie.fr/programme"),
    ("http://a.fr/?q=1&r=2", "http://a.fr/?q=1&amp;r=2"),
    ('https://a.fr/"onmouseover="x', "https://a.fr/&quot;onmouseover=&quot;x"),
    ("  HTTPS://A.FR/x  ", "HTTPS://A.FR/x"),
    ("javascript:alert(1)", None),
    ("JavaScript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("ftp://a.fr/fichier", None),
    ("www.salon-industrie.fr", None),
    ("https://", None),
    ("https://a.fr/un lien", None),
    ("https://a.fr/\nx", None),
    ("", None),
    (None, None),
    (float("nan"), None),
    (pd.NA, None),
])
def test_safe_url_keeps_only_http_links_escaped_for_an_attribute(raw, kept) -> None:
    assert popups.safe_url(raw) == kept


def test_details_escape_every_line_and_drop_empty_ones() -> None:
    assert popups.details("Le 12/03/2027", None, "", HOSTILE, float("nan")) == [
        "Le 12/03/2027", '&lt;img src=x onerror="alert(1)"&gt;{{ 7*7 }} &amp; Cie']


def hostile_frames() -> dict[str, pd.DataFrame]:
    base = {"lon": [2.35], "lat": [48.85], "code_departement": ["75"], "code_region": ["11"],
            "commune_nom": [HOSTILE]}
    actions = pd.DataFrame({**base, "titre": [HOSTILE], "membre": ["<b>m</b>"],
                            "canal": ["linkedin"], "theme": ["inclusion"],
                            "public_cible": ["parents"], "statut": ["prevue"],
                            "date": [pd.Timestamp("2026-12-01")], "evenement_titre": [HOSTILE],
                            "url": ["javascript:alert(1)"]})
    events = pd.DataFrame({**base, "titre": [HOSTILE], "type": ["salon"],
                           "date_debut": [pd.Timestamp("2026-12-01")],
                           "date_fin": [pd.Timestamp("2026-12-03")], "organisateur": [HOSTILE],
                           "relais": [2], "url": ["https://a.fr/?x=1&y=<2>"]})
    sites = pd.DataFrame({**base, "nom": [HOSTILE], "naf_libelle": ["Industrie chimique"],
                          "effectifs_libelle": ["10 à 19 salariés"],
                          "seveso": ["Seveso seuil haut"], "url": ["http://georisques.fr/1"]})
    return {"mobilisations": actions, "evenements_a_venir": events, "sites": sites}


@pytest.mark.parametrize("key", ["mobilisations", "evenements_a_venir", "sites"])
def test_popups_carry_no_markup_from_data_and_only_http_links(key: str) -> None:
    frame = hostile_frames()[key]
    layer = maps_points.point_layer(frame, key, [[41, -5], [51, 10]], type_label=event_type_label)
    payload = rows_of(layer)
    row = payload["rows"][0]
    texts = [row[3], *decoded_lines(payload)[0]]
    assert all("<" not in t for t in texts), texts
    assert texts[0] == '&lt;img src=x onerror="alert(1)"&gt;{{ 7*7 }} &amp; Cie'
    url = row[5] if len(row) > 5 else None
    expected = {"mobilisations": None, "evenements_a_venir": "https://a.fr/?x=1&amp;y=&lt;2&gt;",
                "sites": "http://georisques.fr/1"}[key]
    assert url == expected
    assert "<" not in layer.rows  # nothing can close the <script> the rows live in


def test_popup_lines_say_what_each_point_is() -> None:
    frames = hostile_frames()
    action = decoded_lines(rows_of(maps_points.point_layer(
        frames["mobilisations"], "mobilisations", [[41, -5], [51, 10]])))[0]
    assert action[0] == "Prévue le 01/12/2026 · LinkedIn"
    assert action[1] == "Inclusion et diversité"
    assert action[2] == "Par &lt;b&gt;m&lt;/b&gt;, public : parents"
    event = decoded_lines(rows_of(maps_points.point_layer(
        frames["evenements_a_venir"], "evenements_a_venir", [[41, -5], [51, 10]],
        type_label=event_type_label)))[0]
    assert event[0] == "Du 01/12/2026 au 03/12/2026 · Salon"
    assert event[-1] == "2 relais du collectif"
    site = decoded_lines(rows_of(maps_points.point_layer(
        frames["sites"], "sites", [[41, -5], [51, 10]])))[0]
    assert site[:3] == ["Industrie chimique", "10 à 19 salariés", "Seveso seuil haut"]


@given(st.text())
def test_to_json_round_trips_and_never_writes_a_less_than_sign(text: str) -> None:
    written = maps_points.to_json([text, {"t": text}])
    assert "<" not in written and "\u2028" not in written
    assert json.loads(written) == [text, {"t": text}]


@given(st.lists(st.lists(st.sampled_from(["Industrie chimique", "Lyon (69)", "a", "Caen"]),
                         max_size=4), max_size=30))
def test_shared_lines_give_back_every_line_in_order(lines: list[list[str]]) -> None:
    popups = [("t", row, None) for row in lines]
    table, encoded = maps_points.shared_lines(popups)
    assert [[table[x] if isinstance(x, int) else x for x in row] for row in encoded] == lines
    assert len(table) == len(set(table))


# ---------------------------------------------------------------- cells

def test_grid_cells_count_points_at_their_mean() -> None:
    lon, lat, counts = maps_points.grid_cells(np.array([2.0, 2.01, 5.0]),
                                              np.array([48.0, 48.01, 45.0]), 0.5)
    order = np.argsort(lon)
    assert list(counts[order]) == [2, 1]
    assert np.allclose(lon[order], [2.005, 5.0]) and np.allclose(lat[order], [48.005, 45.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-63, 56), st.floats(-22, 52)), max_size=200),
       st.floats(0.01, 2))
def test_grid_cells_lose_no_point_and_keep_each_mean_in_its_cell(points, cell: float) -> None:
    lon = np.array([p[0] for p in points], dtype=float)
    lat = np.array([p[1] for p in points], dtype=float)
    x, y, counts = maps_points.grid_cells(lon, lat, cell)
    assert counts.sum() == len(points)
    cells = {(math.floor(a / cell), math.floor(b / cell)) for a, b in points}
    assert len(x) == len(cells)
    for a, b in zip(x, y, strict=True):
        near = {(math.floor(a / cell + d), math.floor(b / cell + e))
                for d in (-1e-9, 1e-9) for e in (-1e-9, 1e-9)}
        assert near & cells


def test_cell_size_follows_the_view() -> None:
    assert maps_points.cell_size([[41.3, -5.2], [51.1, 9.6]], 60) == pytest.approx(14.8 / 60)


# ---------------------------------------------------------------- selection and layers

def test_layers_hold_the_rows_the_indicators_select(data, layers) -> None:
    filters = default_filters(TODAY)
    sel = indicators.select(data, filters)
    shown = {layer.key: layer for layer in view(data, layers, filters=filters).layers}
    actions = data.actions[sel.done | sel.planned]
    assert shown["mobilisations"].count + shown["mobilisations"].unplaced == len(actions)
    assert shown["mobilisations"].unplaced == int(actions["lon"].isna().sum()) > 0
    assert shown["evenements_a_venir"].count == int(sel.upcoming_events.sum())
    assert shown["evenements_passes"].count == int(sel.past_events.sum())
    assert shown["sites"].count == len(data.sites) == 2000
    assert all(layer.mode == POINTS for layer in shown.values())
    assert all(len(rows_of(layer)["rows"]) == layer.markers == layer.count
               for layer in shown.values())


def test_a_theme_filter_keeps_only_its_mobilisations(data, layers) -> None:
    filters = default_filters(TODAY).replace(themes=("inclusion",))
    mob = view(data, layers, filters=filters, shown=("mobilisations",)).layers[0]
    sel = indicators.select(data, filters)
    placed = data.actions[sel.done | sel.planned]["lon"].notna()
    assert mob.count == int(placed.sum())
    assert all("Inclusion et diversité" in lines for lines in decoded_lines(rows_of(mob)))


def test_a_region_shows_its_departements_and_only_its_points(data, layers) -> None:
    bretagne = view(data, layers, carte.Scope("53"))
    assert sorted(bretagne.base.codes) == ["22", "29", "35", "56"]
    assert bretagne.base.level == "departement" and bretagne.title == "Bretagne"
    sites = next(layer for layer in bretagne.layers if layer.key == "sites")
    assert sites.count == int((data.sites["code_region"] == "53").sum())
    (south, west), (north, east) = bretagne.bounds
    for lat, lon, *_ in rows_of(sites)["rows"]:
        assert south - 0.05 <= lat <= north + 0.05 and west - 0.05 <= lon <= east + 0.05


def test_a_departement_and_a_drom(data, layers) -> None:
    finistere = view(data, layers, carte.Scope("53", "29"))
    assert finistere.base.codes == ("29",) and finistere.title == "Finistère (29)"
    reunion = view(data, layers, carte.Scope("04"))
    assert reunion.base.codes == ("974",)
    assert reunion.bounds[0][0] < -20  # south of the equator, where La Réunion is


@pytest.mark.parametrize("scope", [carte.Scope("99"), carte.Scope("53", "75"),
                                   carte.Scope(None, "2C")])
def test_an_unknown_territory_is_refused_in_french(data, layers, scope) -> None:
    with pytest.raises(carte.ScopeError, match="inconnu"):
        view(data, layers, scope)


def test_national_view_fits_the_metropole_and_counts_the_drom_apart(data, layers) -> None:
    national = view(data, layers)
    assert len(national.base.codes) == 18
    (south, west), (north, east) = national.bounds
    assert 41 < south < 42.5 and -5.5 < west < -4 and 51 < north < 51.2 and 9 < east < 10
    sites = next(layer for layer in national.layers if layer.key == "sites")
    assert sites.outre_mer == int(data.sites["code_region"].isin(carte.DROM_REGIONS).sum()) > 0


def test_above_the_cap_points_are_counted_per_cell(data, layers) -> None:
    capped = view(data, layers, shown=("sites",), points_max=500).layers[0]
    assert capped.mode == CELLS and capped.count == 2000
    counts = [row[2] for row in rows_of(capped)["rows"]]
    assert sum(counts) == 2000 and len(counts) == capped.markers < 2000
    assert capped.cell_km == round(maps_points.cell_size(view(data, layers).bounds) * 111)


def test_over_the_budget_the_heaviest_layer_is_counted_per_cell(data, layers) -> None:
    roomy = view(data, layers)
    tight = view(data, layers, payload_max=maps.payload_bytes(carte.carte_map(roomy)) - 50_000)
    modes = {layer.key: layer.mode for layer in tight.layers}
    assert modes["sites"] == CELLS and modes["mobilisations"] == POINTS


def test_national_demo_map_stays_under_the_payload_budget(data, layers, ti) -> None:
    m = carte.carte_map(view(data, layers, ti=ti), vendor_url=config.VENDOR_URL)
    assert maps.payload_bytes(m) <= config.MAP_PAYLOAD_MAX


def test_500000_sites_at_national_scale_are_cells_under_the_budget(data, layers) -> None:
    communes = referentiel.communes()
    rng = np.random.default_rng(5)
    weight = communes["population"].fillna(0).astype(float).to_numpy() + 50
    picked = communes.iloc[rng.choice(len(communes), 500_000, p=weight / weight.sum())]
    sites = pd.DataFrame({
        "lon": picked["lon"].to_numpy() + rng.normal(0, 0.01, len(picked)),
        "lat": picked["lat"].to_numpy() + rng.normal(0, 0.01, len(picked)),
        "code_region": picked["code_region"].to_numpy(),
        "code_departement": picked["code_departement"].to_numpy()})
    national = view(data, layers)
    layer = maps_points.point_layer(sites, "sites", national.bounds)
    assert layer.mode == CELLS and sum(r[2] for r in rows_of(layer)["rows"]) == 500_000
    with_sites = carte.CarteData(national.scope, national.title, national.bounds, national.base,
                                 (*national.layers[:-1], layer), national.ti)
    assert maps.payload_bytes(carte.carte_map(with_sites)) <= config.MAP_PAYLOAD_MAX


# ---------------------------------------------------------------- Territoires d'industrie

def test_ti_outlines_follow_the_scope(data, layers, ti) -> None:
    assert len(ti) == 12 and ti.geometry.is_valid.all()
    assert view(data, layers, ti=ti).ti.feature_count == 12
    oyonnax = ti[ti["lib_ti"].str.startswith("Oyonnax")].iloc[0]
    assert "01" in oyonnax["departements"].split() and "84" in oyonnax["regions"].split()
    ain = view(data, layers, carte.Scope("84", "01"), ti=ti).ti
    assert oyonnax["id_ti"] in ain.codes
    assert view(data, layers, carte.Scope("84", "01"), ti=ti, shown=("sites",)).ti is None


def test_ti_layer_of_an_empty_list_is_empty() -> None:
    empty = pd.DataFrame({"code_insee": [], "id_ti": [], "lib_ti": []})
    assert carte.ti_layer(empty, referentiel.communes()).empty


# ---------------------------------------------------------------- folium

def test_the_map_draws_base_outlines_and_clusters_without_templates(layers) -> None:
    frame = hostile_frames()["sites"]
    layer = maps_points.point_layer(frame, "sites", [[41, -5], [51, 10]])
    regions = layers[0]
    base = carte.base_outlines(regions, "region", {"sites": frame})
    outlines = carte.CarteData(carte.Scope(), "France entière", ((41.3, -5.2), (51.1, 9.6)),
                               base, (layer,), None)
    html = maps.map_html(carte.carte_map(outlines, vendor_url=config.VENDOR_URL))
    assert sorted(set(CODE.findall(html))) == sorted(regions["code_region"])
    assert "L.markerClusterGroup" in html and '"maxZoom": 18' in html
    assert "{{ 7*7 }}" in html and "<img src=x" not in html  # text is data, never a template
    assert "/app/static/vendor/markercluster/leaflet.markercluster.js" in html
    assert "cdnjs" not in html and "jsdelivr" not in html


def test_clicks_on_points_clusters_or_outlines_are_no_territory(data, layers) -> None:
    base = view(data, layers).base
    polygon = {"type": "Feature", "properties": {"code": "53"}, "geometry": {"type": "Polygon"}}
    assert carte.clicked_territory({"last_active_drawing": polygon}, base) == "53"
    assert carte.clicked_territory({"last_active_drawing": None}, base) is None
    assert carte.clicked_territory({"last_active_drawing": {"properties": {}}}, base) is None
    assert carte.clicked_territory(
        {"last_active_drawing": {"properties": {"code": "ti-demo-01"}}}, base) is None
    assert carte.clicked_territory({"last_object_clicked": {"lat": 48.1, "lng": -2.7}},
                                   base) is None
    assert carte.clicked_territory(None, base) is None


def test_legend_names_each_layer_with_its_count_and_the_notes(data, layers, ti) -> None:
    national = view(data, layers, ti=ti)
    entries = carte_legend.legend_entries(national)
    labels = [e.label for e in entries]
    mob = national.layers[0]
    assert labels[0] == f"Mobilisations : {mob.count:,}".replace(",", "\u202f")
    assert [e.shape for e in entries] == ["dot", "dot", "ring", "dot", "dash", "area"]
    assert labels[-1] == "Régions (cliquez pour ouvrir)"
    notes = carte_legend.legend_notes(national)
    assert any(n.startswith("Hors carte, faute de coordonnées : ") for n in notes)
    assert any(n.startswith("Outre-mer : ") for n in notes)
    capped = view(data, layers, shown=("sites",), points_max=10)
    assert "regroupés par secteurs d'environ" in carte_legend.legend_notes(capped)[0]


def test_nothing_selected_gives_an_empty_map_that_still_has_its_outlines(data, layers) -> None:
    nothing = Filters(debut=date(2000, 1, 1), fin=date(2000, 12, 31),
                      types_evenement=("inexistant",))
    empty = view(data, layers, filters=nothing, shown=("mobilisations", "evenements_passes",
                                                         "evenements_a_venir"))
    assert empty.points == 0 and len(empty.base.codes) == 18


def test_national_outlines_are_coarser_than_regional_ones() -> None:
    communes = referentiel.communes()
    epci = sorted(communes["siren_epci"].dropna().unique())[::20]  # 63 EPCI over France
    members = communes[communes["siren_epci"].isin(epci)]
    frame = pd.DataFrame({"code_insee": members["code_insee"], "id_ti": members["siren_epci"],
                          "lib_ti": "TI " + members["siren_epci"]})
    national, regional = carte.Scope(), carte.Scope("84")
    assert carte.ti_tolerance(national) > carte.ti_tolerance(regional)
    coarse = carte.ti_layer(frame, communes, tolerance=carte.ti_tolerance(national))
    fine = carte.ti_layer(frame, communes, tolerance=carte.ti_tolerance(regional))
    assert len(coarse) == len(fine) == len(epci)
    assert len(carte.ti_outlines(coarse, national).geojson) \
        < 0.7 * len(carte.ti_outlines(fine, national).geojson)
