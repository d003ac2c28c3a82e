"""Campaign records ("actions") from CSV/XLSX."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from influ_geo import geocode, schema
from influ_geo.report import ImportReport
from influ_geo.sources import actions_csv
from influ_geo.sources.enums import enum_code
from influ_geo.sources.values import MissingColumns, ValueInvalid
from influ_geo.store_frames import normalize_frame

DATA = Path(__file__).resolve().parent.parent / "data" / "actions"


def _import(path: Path) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport("actions", path.name)
    return actions_csv.normalize_actions_csv(actions_csv.read_actions_csv(path), report), report


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, ImportReport]:
    return _import(DATA / "actions.csv")


def test_sample_in_documented_shape(sample):
    frame, report = sample
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (11, 11, 0)
    assert not report.warnings
    assert list(frame.columns) == actions_csv.ACTION_COLUMNS
    assert set(frame["theme"]) == set(schema.THEMES)
    assert set(frame["canal"]) <= set(schema.CANAUX)
    assert set(frame["public_cible"]) <= set(schema.PUBLICS)
    assert frame["impressions"].dtype == "Int64"
    assert frame["impressions"].sum() == 4200 + 15300 + 2100 + 3100 + 8900 + 5600 + 1900


def test_event_given_by_id_or_by_title(sample):
    frame, _ = sample
    assert list(frame["evenement_ref"].iloc[:4].fillna("")) == ["41852310", "41852310", "",
                                                               "41852312"]
    assert frame["evenement_titre"].iloc[2] == "Forum de l'emploi industriel d'Ajaccio"
    assert frame["evenement_ref"].iloc[4:7].isna().all()


@pytest.mark.parametrize(("row", "level", "codes"), [
    (0, "commune", {"code_insee": "46102"}),
    (1, None, {}),  # inherited from its event later
    (2, "departement", {"code_departement": "2A", "code_region": "94"}),
    (4, "departement", {"code_departement": "974", "code_region": "04"}),
    (5, "region", {"code_region": "53"}),
    (6, "commune", {"commune": "Oyonnax", "code_departement": "01"}),
    (8, "commune", {"code_insee": "2B033"}),
    (10, "national", {}),
])
def test_territory_forms_are_recognised(sample, row, level, codes):
    action = sample[0].iloc[row]
    assert (None if pd.isna(action["territoire_niveau"]) else action["territoire_niveau"]) == level
    for name, code in codes.items():
        assert action[name] == code


def test_messy_variant_report():
    path = DATA / "actions_messy.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    frame, report = _import(path)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (6, "canal « Fax » inconnu ; valeurs acceptées : linkedin, tiktok, instagram, youtube, "
            "presse, evenement, atelier, autre (ou leur intitulé en clair)"),
        (7, "thème « Sport » inconnu ; valeurs acceptées : imaginaire, inclusion, responsable, "
            "savoir_faire, territoires (ou leur intitulé en clair)"),
        (8, "date « 31/02/2025 » impossible"),
        (9, "membre manquant"),
    ]
    assert [(w.line, w.reason) for w in report.warnings] == [
        (4, "impressions : « -15 » n'est pas un entier positif ou nul ; laissé vide"),
        (5, "lien « javascript:alert(1) » ignoré (seuls http:// et https:// sont acceptés)"),
        (10, "plus de champs que d'en-têtes : valeur(s) sans colonne ignorée(s) (« en trop », "
             "« encore »)"),
        (3, "doublon de la ligne 2 : fusionné"),
    ]
    assert (report.rows_read, report.rows_kept, report.rows_merged) == (9, 4, 1)
    assert report.rejections[0].row["canal"] == "Fax"
    # French labels, upper case, accents and an Excel date all become codes.
    assert list(frame["theme"]) == ["savoir_faire", "imaginaire", "inclusion", "territoires"]
    assert list(frame["canal"]) == ["linkedin", "tiktok", "evenement", "instagram"]
    assert list(frame["public_cible"]) == ["parents", "jeunes", "elus", "jeunes"]
    assert list(frame["date"]) == [pd.Timestamp("2025-03-20"), pd.Timestamp("2025-03-18"),
                                   pd.Timestamp("2025-03-18"), pd.Timestamp("2025-03-24")]
    assert frame["impressions"].iloc[0] == 4200 and pd.isna(frame["impressions"].iloc[1])
    assert frame["titre"].iloc[0] == "<b>Fonderie</b> & apprentis"
    assert "partages" in frame.columns and frame["partages"].isna().all()  # column absent


def test_unknown_channel_and_theme_give_one_rejection_with_both_reasons(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("date,membre,canal,theme\n2025-03-18,M,Minitel,Cuisine\n", encoding="utf-8")
    frame, report = _import(path)
    assert frame.empty and report.rows_rejected == 1
    reason = report.rejections[0].reason
    assert "canal « Minitel » inconnu" in reason and "thème « Cuisine » inconnu" in reason


@pytest.mark.parametrize(("field", "value", "code"), [
    ("theme", "Savoir-faire et produits du tissu industriel", "savoir_faire"),
    ("theme", "savoir faire", "savoir_faire"),
    ("theme", "INDUSTRIE RESPONSABLE ET CIRCULAIRE", "responsable"),
    ("theme", "Mobilisations territoriales dans leur diversité", "territoires"),
    ("theme", "Accélérer l’émergence d’un nouvel imaginaire autour de l’industrie", "imaginaire"),
    ("canal", "Événement", "evenement"),
    ("canal", "LinkedIn", "linkedin"),
    ("canal", "Insta", "instagram"),
    ("public_cible", "Élus", "elus"),
    ("public_cible", "Demandeurs d'emploi", "demandeurs_emploi"),
    ("public_cible", "parent", "parents"),
    ("statut", "Réalisée", "realisee"),
    ("canal", "", None),
])
def test_enum_code_accepts_codes_and_labels(field, value, code):
    assert enum_code(field, value) == code


def test_enum_code_lists_the_accepted_values():
    with pytest.raises(ValueInvalid) as error:
        enum_code("public_cible", "Martiens")
    assert str(error.value).startswith("public cible « Martiens » inconnu ; valeurs acceptées : "
                                       "grand_public, parents")


def test_link_events_resolves_ids_and_keeps_unknown_refs_as_titles(sample):
    events = pd.DataFrame({"id": [7, 8], "source_id": ["41852310", "41852314"],
                           "titre": ["Portes ouvertes de la fonderie", "French Fab Tour"]})
    linked = actions_csv.link_events(sample[0], events)
    assert "evenement_ref" not in linked.columns
    assert list(linked["evenement_id"].iloc[[0, 1, 7]]) == [7, 7, 8]
    assert linked["evenement_titre"].iloc[0] == "Portes ouvertes de la fonderie"
    assert pd.isna(linked["evenement_id"].iloc[3])  # 41852312 is not in the store
    assert linked["evenement_titre"].iloc[3] == "41852312"
    assert linked["evenement_titre"].iloc[2] == "Forum de l'emploi industriel d'Ajaccio"
    assert linked["evenement_id"].notna().sum() == 3


def test_linked_actions_fit_the_store_schema(sample):
    events = pd.DataFrame({"id": [7], "source_id": ["41852310"], "titre": ["Portes ouvertes"]})
    linked = actions_csv.link_events(sample[0], events).drop(columns="commune")
    rows = normalize_frame("actions", linked, source="fichier").rows
    assert len(rows) == 11 and rows["cle"].is_unique


def test_actions_for_store_keeps_every_territory_level(sample):
    events = pd.DataFrame({"id": [7], "source_id": ["41852310"], "titre": ["Portes ouvertes"]})
    out = actions_csv.actions_for_store(geocode.geocode(sample[0]), events)
    assert set(out.columns) <= set(schema.column_names("actions"))
    levels = out.set_index(out.index)[["territoire_niveau", "code_insee", "code_departement",
                                       "code_region", "geo_precision"]].astype(object)
    assert list(levels.iloc[0]) == ["commune", "46102", "46", "76", "municipality"]
    assert list(levels.iloc[2].fillna("")) == ["departement", "", "2A", "94", "departement"]
    assert list(levels.iloc[5].fillna("")) == ["region", "", "", "53", "region"]
    assert list(levels.iloc[6].fillna("")) == ["commune", "01283", "01", "84", "municipality"]
    assert pd.isna(out["geo_precision"].iloc[1])  # inherits its event's territory
    assert out["geo_note"].iloc[1] == "territoire de l'événement relayé"
    assert out["geo_note"].iloc[10] == "action nationale"
    assert list(out["evenement_id"].iloc[:2]) == [7, 7]
    assert len(normalize_frame("actions", out, source="fichier").rows) == 11


def test_missing_required_column_is_fatal(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("date,membre,canal\n2025-03-18,M,linkedin\n", encoding="utf-8")
    with pytest.raises(MissingColumns, match="theme"):
        _import(path)
