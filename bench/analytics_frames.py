"""Generated actions, events and sites at real communes, for the indicator benchmark.

Every row sits in a commune of the referential drawn with a weight that grows with its
population; events are numbered 1…n like the store does; actions relay an event by id
(45 %), by title (10 %) or none (45 %), at commune, département, région or national
precision; a few are planned relays. Deterministic for a given seed.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from influ_geo import naf, referentiel, schema

TODAY = date(2025, 11, 26)
_PREFIXES = ("Forum de l'emploi industriel", "Portes ouvertes de l'usine", "Salon de la "
             "sous-traitance", "Job dating de l'industrie", "Semaine de l'industrie",
             "Visite d'entreprise", "Atelier découverte des métiers", "French Fab Tour")
_TYPES = ("forum_emploi", "portes_ouvertes", "salon", "forum_emploi", "semaine_industrie",
          "visite", "atelier", "french_fab_tour")


def _communes(rng: np.random.Generator, n: int) -> pd.DataFrame:
    communes = referentiel.communes()
    weight = np.sqrt(communes["population"].astype("Float64").fillna(150).to_numpy(float))
    picked = rng.choice(len(communes), n, p=weight / weight.sum())
    return communes.iloc[picked].reset_index(drop=True)


def _days(rng: np.random.Generator, n: int, low: int, high: int) -> pd.Series:
    offsets = rng.integers(low, high, n) * 86_400 + rng.integers(8, 20, n) * 3600
    return pd.Series(pd.Timestamp(TODAY) + pd.to_timedelta(offsets, unit="s"),
                     dtype="datetime64[us]")


def territoires_industrie(rng: np.random.Generator, n: int = 180) -> pd.DataFrame:
    """``n`` Territoires d'industrie, each the communes of one real EPCI."""
    communes = referentiel.communes()
    epci = rng.choice(communes["siren_epci"].dropna().unique(), n, replace=False)
    members = communes[communes["siren_epci"].isin(epci)]
    ids = {code: f"ti-{i:03d}" for i, code in enumerate(sorted(epci), start=1)}
    return pd.DataFrame({"code_insee": members["code_insee"].to_numpy(),
                         "id_ti": members["siren_epci"].map(ids).to_numpy(),
                         "lib_ti": members["siren_epci"].map(ids).to_numpy()}).astype("str")


def _location(places: pd.DataFrame, ti: pd.DataFrame) -> dict[str, object]:
    ti_of = dict(zip(ti["code_insee"], ti["id_ti"], strict=True))
    return {"code_insee": places["code_insee"].to_numpy(),
            "commune_nom": places["nom"].to_numpy(),
            "code_departement": places["code_departement"].to_numpy(),
            "code_region": places["code_region"].to_numpy(),
            "siren_epci": places["siren_epci"].to_numpy(),
            "id_ti": places["code_insee"].map(ti_of).astype("str").to_numpy(),
            "lon": places["lon"].to_numpy(), "lat": places["lat"].to_numpy()}


def events(rng: np.random.Generator, n: int, ti: pd.DataFrame) -> pd.DataFrame:
    """``n`` events over the past 18 months and the next 6, ids 1…n."""
    places = _communes(rng, n)
    kind = rng.integers(0, len(_PREFIXES), n)
    start = _days(rng, n, -548, 183)
    return pd.DataFrame({
        "id": pd.array(np.arange(1, n + 1), dtype="Int64"),
        "source": "bench", "source_id": [f"bench-ev-{i}" for i in range(1, n + 1)],
        "titre": [f"{_PREFIXES[k]} – {nom} n° {i}"
                  for i, (k, nom) in enumerate(zip(kind, places["nom"], strict=True), 1)],
        "date_debut": start,
        "date_fin": start + pd.to_timedelta(rng.integers(2, 60, n), unit="h"),
        "type": np.asarray(_TYPES, dtype=object)[kind],
        **_location(places, ti),
    })


def actions(rng: np.random.Generator, n: int, evs: pd.DataFrame,
            ti: pd.DataFrame) -> pd.DataFrame:
    """``n`` actions of 2,000 members; see the module docstring for the mix."""
    how = rng.choice(3, n, p=[0.45, 0.10, 0.45])  # 0 by id, 1 by title, 2 no event
    event = rng.integers(0, len(evs), n)
    places = _communes(rng, n)
    precision = rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])  # commune … national
    home = _location(places, ti)
    linked = evs.iloc[event].reset_index(drop=True)
    at_event = _location(linked.rename(columns={"commune_nom": "nom"}), ti)
    location = pd.DataFrame({c: np.where(how == 2, home[c], at_event[c]) for c in home})
    for column, keep in (("code_insee", 1), ("commune_nom", 1), ("siren_epci", 1),
                         ("id_ti", 1), ("lon", 1), ("lat", 1), ("code_departement", 2),
                         ("code_region", 3)):
        location[column] = location[column].where(precision < keep)
    by_id = how == 0
    reach = rng.lognormal(7, 1, n).astype(np.int64)
    themes, canaux, publics = (list(schema.THEMES), list(schema.CANAUX), list(schema.PUBLICS))
    frame = pd.DataFrame({
        "source": "bench", "membre": [f"Membre {m:04d}" for m in rng.integers(0, 2000, n)],
        "canal": np.asarray(canaux, dtype=object)[rng.integers(0, len(canaux), n)],
        "theme": np.asarray(themes, dtype=object)[rng.integers(0, len(themes), n)],
        "public_cible": np.asarray(publics, dtype=object)[rng.integers(0, len(publics), n)],
        "statut": np.where(rng.random(n) < 0.05, "prevue", "realisee"),
        "date": _dates(rng, how, linked),
        "evenement_id": pd.array(np.where(by_id, linked["id"].to_numpy(int), 0),
                                 dtype="Int64").copy(),
        "evenement_titre": np.where(how == 1, _typed_titles(rng, linked["titre"]), None),
        "impressions": pd.array(np.where(rng.random(n) < 0.1, -1, reach), dtype="Int64"),
        "reactions": pd.array(reach // 30, dtype="Int64"),
        "territoire_niveau": np.asarray(["commune", "departement", "region", "national"],
                                        dtype=object)[precision],
        **{c: location[c].to_numpy() for c in location.columns},
    })
    frame.loc[~by_id, "evenement_id"] = pd.NA
    frame.loc[frame["impressions"] < 0, "impressions"] = pd.NA
    by_id_no_place = by_id & (rng.random(n) < 0.5)  # half of the relays inherit their event
    for column in location.columns:
        frame.loc[by_id_no_place, column] = None
    frame.loc[by_id_no_place, "territoire_niveau"] = None
    for column in ("evenement_titre", "territoire_niveau", *location.columns.drop(["lon",
                                                                                   "lat"])):
        frame[column] = frame[column].astype("str")
    return frame


def _dates(rng: np.random.Generator, how: np.ndarray, linked: pd.DataFrame) -> pd.Series:
    """A relay is dated around its event (up to 25 days before, 5 after), never after
    today; an action without event anywhere in the past 18 months."""
    own = _days(rng, len(how), -548, 0)
    around = linked["date_debut"] + pd.to_timedelta(rng.integers(-25, 6, len(how)), unit="D")
    latest = pd.Timestamp(TODAY) - pd.Timedelta(hours=6)
    return own.where(how == 2, around.clip(upper=latest)).astype("datetime64[us]")


def _typed_titles(rng: np.random.Generator, titles: pd.Series) -> np.ndarray:
    """The event's title as a member types it: in lower case, or inside a post title."""
    lower = titles.str.lower().to_numpy(dtype=object)
    post = ("Retour sur : " + titles).to_numpy(dtype=object)
    return np.where(rng.random(len(titles)) < 2 / 3, lower, post)


def sites(rng: np.random.Generator, n: int, ti: pd.DataFrame) -> pd.DataFrame:
    """``n`` manufacturing sites with a NAF division and a headcount band (5 % unknown)."""
    places = _communes(rng, n)
    bands = np.asarray([b for b in naf.TRANCHES if b not in ("NN",)], dtype=object)
    band = pd.Series(bands[rng.integers(0, len(bands), n)], dtype="str")
    band = band.where(rng.random(n) >= 0.05)
    divisions = np.asarray(list(naf.DIVISIONS), dtype=object)
    return pd.DataFrame({
        "source": "bench", "naf_division": divisions[rng.integers(0, len(divisions), n)],
        "tranche_effectifs": band, "effectif_estime": naf.effectifs_estimes(band),
        **_location(places, ti),
    })


def frames(n_actions: int = 100_000, n_sites: int = 500_000, n_events: int = 50_000,
           seed: int = 0) -> dict[str, pd.DataFrame]:
    """The four tables the indicators read, generated."""
    rng = np.random.default_rng(seed)
    ti = territoires_industrie(rng)
    evs = events(rng, n_events, ti)
    return {"territoires_industrie": ti, "events": evs,
            "actions": actions(rng, n_actions, evs, ti), "sites": sites(rng, n_sites, ti)}
