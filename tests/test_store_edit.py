"""Placing one row by hand (``store.update_location``), on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from influ_geo import data_admin, referentiel, store
from influ_geo.store_edit import read_row


def _commune(code: str) -> pd.Series:
    communes = referentiel.communes()
    return communes.loc[communes["code_insee"] == code].iloc[0]


def _failed_event(engine) -> int:
    frame = pd.DataFrame([{"source_id": "ev-1", "titre": "Forum", "commune": "Xyz",
                           "date_debut": pd.Timestamp("2025-03-20"), "geo_precision": "failed",
                           "geo_note": "commune introuvable : « Xyz »"},
                          {"source_id": "ev-2", "titre": "Salon", "code_insee": "01283",
                           "date_debut": pd.Timestamp("2025-04-20"),
                           "geo_precision": "municipality"}])
    store.import_frame(engine, "events", frame, source="fichier")
    return int(store.read_table(engine, "events", source_id="ev-1")["id"].iloc[0])


def test_a_failed_event_is_placed_at_the_chosen_commune(store_engine) -> None:
    event_id = _failed_event(store_engine)
    location = data_admin.commune_location("events", _commune("2A004"))
    store.update_location(store_engine, "events", event_id, location)
    row = read_row(store_engine, "events", event_id)
    ajaccio = _commune("2A004")
    assert (row["code_insee"], row["commune_nom"], row["code_departement"],
            row["code_region"], row["siren_epci"]) == (
        "2A004", "Ajaccio", "2A", "94", ajaccio["siren_epci"])
    assert (row["lon"], row["lat"]) == pytest.approx((ajaccio["lon"], ajaccio["lat"]))
    assert row["geo_precision"] == "municipality"
    assert row["titre"] == "Forum"  # nothing else changed
    other = store.read_table(store_engine, "events", source_id="ev-2").iloc[0]
    assert other["code_insee"] == "01283" and pd.isna(other["lon"])


def test_a_member_gets_only_member_columns(store_engine) -> None:
    store.import_frame(store_engine, "membres", pd.DataFrame([{"pseudonyme": "M1"}]),
                       source="fichier")
    member_id = int(store.read_table(store_engine, "membres")["id"].iloc[0])
    location = data_admin.commune_location("membres", _commune("97411"))
    assert set(location) == {"lon", "lat", "code_insee", "commune_nom", "code_departement",
                             "code_region"}
    store.update_location(store_engine, "membres", member_id, location)
    assert read_row(store_engine, "membres", member_id)["code_departement"] == "974"


def test_refusals_leave_the_row_unchanged(store_engine) -> None:
    event_id = _failed_event(store_engine)
    with pytest.raises(store.SchemaError, match="colonnes de placement : titre"):
        store.update_location(store_engine, "events", event_id, {"titre": "Autre"})
    with pytest.raises(store.SchemaError, match="geo_precision « partout » inconnu"):
        store.update_location(store_engine, "events", event_id, {"geo_precision": "partout"})
    with pytest.raises(store.RowNotFound, match="n° 999 n'existe plus"):
        store.update_location(store_engine, "events", 999, {"code_insee": "01283"})
    row = read_row(store_engine, "events", event_id)
    assert (row["titre"], row["geo_precision"]) == ("Forum", "failed")
