"""The territorial referential at run time: read the files of data/referentiel/.

Files (written by ``python -m influ_geo build-referentiel``):

- ``communes.parquet``: one row per current commune — ``code_insee, nom,
  code_departement, code_region, siren_epci, population, codes_postaux`` (space
  separated), ``lon, lat`` (a point inside the commune), ``point_approx``;
- ``codes_postaux.parquet``: ``code_postal, code_insee, code_arrondissement``;
- ``communes_anciennes.parquet``: ``code_ancien, nom_ancien, type`` (COMD, COMA,
  ARM), ``code_insee`` of the current commune;
- GeoParquet display layers ``regions``, ``departements``, ``epci`` and the cleaned
  ``communes_polygones`` used for point-in-polygon checks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from influ_geo import config

TABLES = ("communes", "codes_postaux", "communes_anciennes")
LAYERS = ("regions", "departements", "epci", "communes_polygones")


class ReferentielMissing(FileNotFoundError):
    """The referential files are absent: run ``python -m influ_geo build-referentiel``."""


def _path(name: str, directory: Path | None = None) -> Path:
    path = (directory or config.REFERENTIEL_DIR) / f"{name}.parquet"
    if not path.exists():
        raise ReferentielMissing(
            f"Référentiel absent : {path.name} introuvable. "
            "Lancez « python -m influ_geo build-referentiel »."
        )
    return path


@cache
def load_table(name: str) -> pd.DataFrame:
    """One of ``TABLES`` as a DataFrame; codes are strings (``"2A004"``, ``"01001"``).

    Cached for the process: callers must not mutate the returned frame.
    """
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; expected one of {TABLES}")
    return pd.read_parquet(_path(name))


@cache
def load_layer(name: str) -> gpd.GeoDataFrame:
    """One of ``LAYERS`` as a GeoDataFrame in EPSG:4326 (cached, do not mutate)."""
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r}; expected one of {LAYERS}")
    return gpd.read_parquet(_path(name))


def communes() -> pd.DataFrame:
    """Current communes (34,875 rows), indexed 0..n-1, sorted by ``code_insee``."""
    return load_table("communes")
