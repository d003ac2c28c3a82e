"""The action form: French messages field by field, the territory resolved as the importer
does, and a record the store accepts."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from influ_geo import action_form, referentiel, store
from influ_geo.import_locate import EVENT_COLUMNS

BASE = {"date": date(2025, 3, 18), "membre": "Membre démo 07", "canal": "linkedin",
        "theme": "savoir_faire", "territoire": "01283"}


def commune(code: str) -> pd.Series:
    communes = referentiel.communes()
    return communes.loc[communes["code_insee"] == code].iloc[0]


def test_a_complete_form_gives_a_record_placed_at_its_commune() -> None:
    checked = action_form.validate({**BASE, "public_cible": "Parents", "statut": "Réalisée",
                                    "url": "https://www.linkedin.com/posts/x", "titre": " Visite ",
                                    "impressions": "1 200", "campagne": "Tournée 2025"})
    assert checked.ok, checked.errors
    oyonnax = commune("01283")
    record = checked.record
    assert record["date"] == pd.Timestamp("2025-03-18")
    assert (record["canal"], record["theme"], record["public_cible"], record["statut"]) == (
        "linkedin", "savoir_faire", "parents", "realisee")
    assert (record["titre"], record["impressions"], record["campagne"]) == (
        "Visite", 1200, "Tournée 2025")
    assert (record["code_insee"], record["commune_nom"], record["code_departement"],
            record["code_region"]) == ("01283", oyonnax["nom"], "01", "84")
    assert (record["lon"], record["lat"]) == pytest.approx((oyonnax["lon"], oyonnax["lat"]))
    assert record["territoire_niveau"] == "commune"
    assert record["geo_precision"] == "municipality"
    assert checked.place == f"commune {oyonnax['nom']} (01283), département 01, région 84"


@pytest.mark.parametrize("territoire, level, codes", [
    ("Oyonnax (01)", "commune", ("01283", "01", "84")),
    ("2a004", "commune", ("2A004", "2A", "94")),
    ("Saint-Denis (974)", "commune", ("97411", "974", "04")),
    ("Corse-du-Sud", "departement", (None, "2A", "94")),
    ("971", "departement", (None, "971", "01")),
    ("Bretagne", "region", (None, None, "53")),
    ("France", "national", (None, None, None)),
])
def test_territories_are_resolved_as_the_importer_resolves_them(
        territoire: str, level: str, codes: tuple) -> None:
    checked = action_form.validate({**BASE, "territoire": territoire})
    assert checked.ok, checked.errors
    record = checked.record
    assert record["territoire_niveau"] == level
    assert (record.get("code_insee"), record.get("code_departement"),
            record.get("code_region")) == codes


def test_every_wrong_field_gets_its_own_french_message() -> None:
    checked = action_form.validate({
        "date": "31/02/2025", "membre": "  ", "canal": "fax", "theme": "Inclusion et diversité",
        "public_cible": "martiens", "url": "javascript:alert(1)", "impressions": "-3",
        "titre": "x" * 301, "territoire": "Oyonnax"})
    assert not checked.ok
    assert checked.errors == {
        "date": "Date : date « 31/02/2025 » impossible",
        "membre": "Membre : obligatoire.",
        "canal": checked.errors["canal"],
        "public_cible": checked.errors["public_cible"],
        "url": "Lien : lien « javascript:alert(1) » ignoré (seuls http:// et https:// sont "
               "acceptés)",
        "impressions": "Impressions : « -3 » n'est pas un entier positif ou nul",
        "titre": "Titre : 301 caractères, 300 au plus",
    }
    assert checked.errors["canal"].startswith("Canal : canal « fax » inconnu ; valeurs "
                                              "acceptées : linkedin, tiktok")
    assert checked.errors["public_cible"].startswith("Public visé : public cible « martiens »")
    assert checked.record == {}


def test_a_wrong_territory_is_told_with_the_other_wrong_fields() -> None:
    checked = action_form.validate({**BASE, "canal": "fax", "membre": "", "url": "x",
                                    "territoire": "Xyzvillé-sur-Rien"})
    assert set(checked.errors) == {"membre", "canal", "url", "territoire"}
    assert checked.errors["territoire"] == ("Territoire : commune introuvable : "
                                            "« Xyzvillé-sur-Rien »")


@pytest.mark.parametrize("values, field, message", [
    ({"date": None}, "date", "Date : obligatoire."),
    ({"date": "1/1/1899"}, "date", "Date : année 1899 hors de la plage acceptée (2000 à 2100)"),
    ({"date": "demain"}, "date", "Date : date « demain » illisible"),
    ({"canal": None}, "canal", "Canal : obligatoire."),
    ({"theme": ""}, "theme", "Thème : obligatoire."),
    ({"url": "ftp://x.fr/a"}, "url", "Lien : lien « ftp://x.fr/a » ignoré"),
    ({"territoire": "Xyzvillé-sur-Rien"}, "territoire",
     "Territoire : commune introuvable : « Xyzvillé-sur-Rien »"),
    ({"territoire": ""}, "territoire",
     "Territoire : obligatoire quand l'action ne relaie aucun événement."),
])
def test_one_wrong_field(values: dict, field: str, message: str) -> None:
    checked = action_form.validate({**BASE, **values})
    assert list(checked.errors) == [field]
    assert checked.errors[field].startswith(message)


def test_an_action_relaying_an_event_takes_its_territory() -> None:
    event = {name: None for name in EVENT_COLUMNS}
    event.update(id=17, source_id="ev-17", titre="Forum des métiers",
                 date_debut=pd.Timestamp("2025-03-20"), code_insee="2A004",
                 commune_nom="Ajaccio", code_departement="2A", code_region="94",
                 lon=8.73, lat=41.93, geo_precision="municipality", geo_score=1.0)
    events = pd.DataFrame([event])
    checked = action_form.validate({**BASE, "territoire": "", "evenement_id": 17},
                                   events=events)
    assert checked.ok, checked.errors
    assert (checked.record["evenement_id"], checked.record["code_insee"],
            checked.record["evenement_titre"]) == (17, "2A004", "Forum des métiers")


def test_a_territoire_d_industrie_is_attached() -> None:
    territoires = pd.DataFrame({"code_insee": ["01283"], "id_ti": ["TI-EX"]})
    checked = action_form.validate(BASE, territoires=territoires)
    assert checked.record["id_ti"] == "TI-EX"


def test_the_record_is_accepted_by_the_store_and_reads_back(tmp_path) -> None:
    engine = store.get_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    checked = action_form.validate({**BASE, "url": "https://x.fr/p"})
    new_id = store.insert_action(engine, checked.record)
    row = store.read_table(engine, "actions").iloc[0]
    assert (row["id"], row["source"], row["code_insee"], row["url"]) == (
        new_id, "saisie", "01283", "https://x.fr/p")
    edited = action_form.validate({**BASE, "territoire": "Bretagne", "canal": "tiktok"})
    store.update_action(engine, new_id, action_form.changes(edited.record))
    row = store.read_table(engine, "actions").iloc[0]
    assert (row["canal"], row["territoire_niveau"], row["code_region"]) == (
        "tiktok", "region", "53")
    assert pd.isna(row["code_insee"]) and pd.isna(row["lon"])


def test_form_defaults_give_back_a_territory_that_resolves_to_the_same_place() -> None:
    regions = {"53": "Bretagne"}
    for text in ("01283", "2A", "Bretagne", "France"):
        record = action_form.validate({**BASE, "territoire": text}).record
        defaults = action_form.form_defaults(record, regions)
        assert defaults["territoire"] == text
        assert defaults["date"] == date(2025, 3, 18)
        again = action_form.validate({**record, **defaults}).record
        assert again["territoire_niveau"] == record["territoire_niveau"]


def test_an_inherited_territory_is_left_empty_in_the_form() -> None:
    action = {"territoire_niveau": "commune", "territoire_herite": True, "code_insee": "2A004"}
    assert action_form.territory_text(action, {}) == ""
    assert action_form.form_defaults(None, {}) == {"date": None, "statut": "realisee"}
