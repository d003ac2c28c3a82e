"""Sirene ``StockEtablissement``: streamed manufacturing filter and normalisation into sites."""

from __future__ import annotations

import gzip
import math
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influ_geo import naf, referentiel, schema
from influ_geo.report import ImportReport
from influ_geo.sources import sirene

DATA = Path(__file__).resolve().parent.parent / "data" / "sites"
STOCK = DATA / "sirene_stock.csv"
MESSY = DATA / "sirene_stock_messy.csv"
GEOLOC = DATA / "sirene_geolocalisation.csv"
ETALAB = DATA / "geo_siret_2A.csv"

KEPT = {
    "38012986600034", "44306184100047", "52341200400012", "81234567800015", "49087654300021",
    "33012345600018", "90123456700013", "60123456700020", "72345678900017", "85012345600014",
    "13002526500013", "97612345600011",
}


def _load(path: Path, geoloc: Path | None = None, **options) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport("sites", path.name)
    return sirene.load_sirene(path, report, geolocalisation=geoloc, **options), report


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance, enough to tell "in this commune" from "elsewhere"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlon, dlat = math.radians(lon2 - lon1), p2 - p1
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def _commune_point(code: str) -> tuple[float, float]:
    row = referentiel.communes().set_index("code_insee").loc[code]
    return float(row["lon"]), float(row["lat"])


@pytest.fixture(scope="module")
def stock() -> tuple[pd.DataFrame, ImportReport]:
    return _load(STOCK, GEOLOC)


def test_keeps_active_manufacturing_only(stock):
    sites, report = stock
    assert set(sites["siret"]) == KEPT
    assert (sites["source"] == "sirene").all()
    assert (sites["source_id"] == sites["siret"]).all()
    assert sites["naf_division"].astype(int).between(10, 33).all()
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (16, 12, 0)
    assert report.warnings[0].line == 0
    assert "1 établissement(s) fermé(s)" in report.warnings[0].reason
    assert "3 établissement(s) hors industrie" in report.warnings[0].reason


def test_columns_are_canonical(stock):
    sites, _ = stock
    names = set(schema.column_names("sites"))
    assert all(c in names or c.startswith("_") for c in sites.columns)
    assert sites["code_insee"].map(type).eq(str).all()
    assert sites.loc[sites["siret"] == "52341200400012", "code_insee"].item() == "2A004"
    assert sites.loc[sites["siret"] == "81234567800015", "code_insee"].item() == "2B033"
    assert sites.loc[sites["siret"] == "38012986600034", "code_postal"].item() == "01100"


def test_activity_and_headcount_are_labelled(stock):
    sites, _ = stock
    row = sites.set_index("siret").loc["72345678900017"]
    assert (row["naf"], row["naf_division"]) == ("29.32Z", "29")
    assert row["naf_libelle"] == "Industrie automobile"
    assert (row["tranche_effectifs"], row["effectifs_libelle"]) == ("41", "500 à 999 salariés")
    assert row["effectif_estime"] == 750
    no_band = sites.set_index("siret").loc["85012345600014"]
    assert pd.isna(no_band["tranche_effectifs"]) and pd.isna(no_band["effectif_estime"])


def test_address_is_assembled_with_street_types_written_out(stock):
    sites = stock[0].set_index("siret")
    assert sites.loc["60123456700020", "adresse"] == (
        "7 B Rue DES ARMURIERS, ZI MOLINA LA CHAZOTTE, BP 12")
    assert sites.loc["13002526500013", "adresse"] == "Zone industrielle DE DEGRAD DES CANNES"
    assert sites.loc["60123456700020", "url"].endswith("/etablissement/60123456700020")
    assert sites.loc["60123456700020", "date_maj"] == pd.Timestamp("2024-10-01 09:30:00")


def test_non_diffusible_establishment_is_flagged_and_not_named(stock):
    row = stock[0].set_index("siret").loc["90123456700013"]
    assert row["nom"] == "Établissement non diffusible"
    assert bool(row["_diffusion_partielle"])
    assert pd.isna(row["adresse"]) and pd.isna(row["lon"])
    assert row["code_insee"] == "46102"
    assert "[ND]" not in " ".join(str(v) for v in row.to_numpy())


@pytest.mark.parametrize(
    ("siret", "code_insee", "max_km"),
    [
        ("38012986600034", "01283", 3),  # geolocation file, WGS84 columns
        ("44306184100047", "01283", 3),  # Lambert-93 columns of the stock
        ("52341200400012", "2A004", 3),  # Corsica, Lambert-93
        ("49087654300021", "97411", 5),  # Réunion: x/y in EPSG:2975 of the geolocation file
        ("33012345600018", "97209", 5),  # Martinique: EPSG:5490
        ("13002526500013", "97302", 8),  # Guyane: WGS84 columns
        ("97612345600011", "97611", 8),  # Mayotte: EPSG:4471
    ],
)
def test_coordinates_land_in_their_commune(stock, siret, code_insee, max_km):
    row = stock[0].set_index("siret").loc[siret]
    assert _km(row["lon"], row["lat"], *_commune_point(code_insee)) < max_km


def test_without_geolocation_overseas_rows_have_no_point():
    sites, _ = _load(STOCK)
    by_siret = sites.set_index("siret")
    assert pd.isna(by_siret.loc["49087654300021", "lon"])
    assert by_siret.loc["44306184100047", "lon"] == pytest.approx(5.6577, abs=1e-3)


def test_closed_establishments_on_request():
    sites, report = _load(STOCK, include_closed=True)
    assert len(sites) == 13
    closed = sites.set_index("siret").loc["40912345600027"]
    assert closed["_etat"] == "ferme"
    assert "0 établissement(s) fermé(s)" in report.warnings[0].reason


def test_zip_and_gzip_give_the_same_sites(tmp_path):
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(STOCK, "StockEtablissement_utf8.csv")
    compressed = tmp_path / "stock.csv.gz"
    with open(STOCK, "rb") as src, gzip.open(compressed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    expected, _ = _load(STOCK)
    for path in (archive, compressed):
        pd.testing.assert_frame_equal(_load(path)[0], expected)


def test_etalab_geolocated_variant_gives_wgs84_points():
    sites, report = _load(ETALAB)
    assert set(sites["siret"]) == {"41876543200019", "50432198700033"}
    row = sites.set_index("siret").loc["41876543200019"]
    assert (row["lon"], row["lat"]) == (8.765432, 41.948765)
    assert row["nom"] == "CHARCUTERIE CORSE DU PRUNELLI"
    assert report.rows_read == 3


def test_messy_file_report():
    sites, report = _load(MESSY)
    assert (report.rows_read, report.rows_kept) == (12, 4)
    assert report.rows_rejected == 4 and report.rows_merged == 2
    reasons = {r.line: r.reason for r in report.rejections}
    assert reasons[5].startswith("ligne illisible : 8 champs au lieu de 19")
    assert reasons[6] == "SIRET manquant"
    assert reasons[7] == "SIRET « 1234 » invalide (14 chiffres attendus)"
    assert reasons[11].startswith("ni nom, ni adresse")
    assert report.rejections[1].row["libelleCommuneEtablissement"] == "BESANÇON"
    duplicate = [w for w in report.warnings if w.line == 4]
    assert duplicate and "ligne 2" in duplicate[0].reason
    by_siret = sites.set_index("siret")
    assert by_siret.loc["52341200400020", "nom"] == "PÂTISSERIE SAN CARLU"
    assert by_siret.loc["52341200400020", "_ligne"] == 2
    assert by_siret.loc["44881234500026", "naf"] == "25.62B"
    assert by_siret.loc["35600099900018", "adresse"] == "BAT. B; ZONE DE LA JAMBETTE"
    assert by_siret.loc["35600099900018", "nom"] == "Établissement non diffusible"
    assert by_siret.loc["31086240000014", "effectif_estime"] == 10000


def test_every_row_is_accounted_for():
    for path in (STOCK, MESSY):
        raw = sirene.read_sirene(path)
        report = ImportReport("sites")
        sirene.normalize_sirene(raw, report)
        out = raw.attrs["hors_industrie"] + raw.attrs["fermes"]
        assert report.rows_read == report.rows_kept + report.rows_rejected \
            + report.rows_merged + out


@pytest.mark.parametrize("broken", [True, False], ids=["broken_rows", "clean"])
def test_line_numbers_survive_blocks_and_broken_rows(tmp_path, broken):
    lines = STOCK.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    out = [header]
    for copy in range(60):
        for line in body:
            siret = line.split(",")[2]
            new = f"{copy:02d}{siret[2:]}"
            out.append(line.replace(siret, new).replace(siret[:9], new[:9], 1))
        if broken:
            out.append("cassée,en,trois")
    path = tmp_path / "stock.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    raw = sirene.read_sirene(path, block_size=4096)
    assert len(raw) == 60 * 12
    for _, row in raw.iterrows():
        assert row["siret"] in out[row["_ligne"] - 1]
    invalid = [line for line, _ in raw.attrs["lignes_invalides"]]
    assert invalid[:2] == ([18, 35] if broken else [])
    assert len(invalid) == (60 if broken else 0)


def test_missing_required_column_is_a_french_error(tmp_path):
    path = tmp_path / "etablissements.csv"
    path.write_text("siren,nic\n123456789,00012\n", encoding="utf-8")
    with pytest.raises(sirene.SireneFormatError, match="activitePrincipaleEtablissement"):
        sirene.read_sirene(path)


def test_benchmark_stock_is_filtered_like_pandas(tmp_path):
    from bench.bench_sirene import _filter_pandas
    from bench.sirene_stock import write_stock

    path = write_stock(tmp_path / "stock.csv", 3000, seed=7)
    assert len(sirene.read_sirene(path)) == _filter_pandas(path) > 0


@pytest.mark.parametrize(
    ("code", "expected"),
    [("25.62B", "25.62B"), ("2562b", "25.62B"), (" 10.71C ", "10.71C"), ("28.1A", None),
     ("[ND]", None), ("", None), (None, None)],
)
def test_naf_code(code, expected):
    assert naf.naf_code(code) == expected


@given(st.text(alphabet="0123456789.ABZ -", max_size=8))
def test_naf_code_is_idempotent(text):
    once = naf.naf_code(text)
    assert naf.naf_code(once) == once


def test_headcount_bands_are_ordered_and_estimated_inside():
    bands = list(naf.TRANCHES.values())
    assert [b.minimum for b in bands] == sorted(b.minimum for b in bands)
    for band in bands:
        assert band.minimum <= band.estimation <= (band.maximum or band.minimum)
    assert set(naf.CLASSES_TAILLE) == set(naf.TRANCHES)
    assert len(naf.DIVISIONS) == 24 and min(naf.DIVISIONS) == "10" and max(naf.DIVISIONS) == "33"
