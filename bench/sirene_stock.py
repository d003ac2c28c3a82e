"""A synthetic Sirene ``StockEtablissement`` in the official column layout, for benchmarks.

Values are drawn from real pools (current communes with their postcodes and Lambert
coordinates, real NAF codes, INSEE headcount bands) with the shares of the national
file: ~8 % manufacturing (NAF rév. 2 divisions 10–33), ~50 % closed, ~3 % partially
diffusible (``[ND]``), a few establishments coded in an older nomenclature.
Columns are built as Arrow arrays (no Python string per cell) and written chunk by
chunk, so generating 2 million rows takes seconds and little memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pyproj import Transformer

from influ_geo import referentiel

# The 54 columns of the official file, in file order (format 3.11 + NAF 2025 column).
HEADER = [
    "siren", "nic", "siret", "statutDiffusionEtablissement", "dateCreationEtablissement",
    "trancheEffectifsEtablissement", "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement", "dateDernierTraitementEtablissement",
    "etablissementSiege", "nombrePeriodesEtablissement", "complementAdresseEtablissement",
    "numeroVoieEtablissement", "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement", "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement", "libelleVoieEtablissement", "codePostalEtablissement",
    "libelleCommuneEtablissement", "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement", "codeCommuneEtablissement",
    "codeCedexEtablissement", "libelleCedexEtablissement", "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement", "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement", "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement", "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement", "typeVoie2Etablissement", "libelleVoie2Etablissement",
    "codePostal2Etablissement", "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement", "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement", "codeCedex2Etablissement", "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement", "libellePaysEtranger2Etablissement", "dateDebut",
    "etatAdministratifEtablissement", "enseigne1Etablissement", "enseigne2Etablissement",
    "enseigne3Etablissement", "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement", "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement", "activitePrincipaleNAF25Etablissement",
]

MANUFACTURING = ["10.71C", "10.13B", "11.02B", "13.92Z", "16.23Z", "18.12Z", "20.59Z",
                 "22.29A", "23.61Z", "24.10Z", "25.11Z", "25.62B", "26.51B", "27.12Z",
                 "28.29B", "29.32Z", "30.30Z", "31.09B", "32.50A", "33.12Z", "33.20C"]
OTHER = ["47.11B", "56.10A", "68.20A", "70.22Z", "43.21A", "86.21Z", "62.02A", "96.02A",
         "45.20A", "41.20A", "49.41A", "01.11Z", "85.59A", "94.99Z", "46.90Z", "81.21Z"]
TRANCHES = ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42"]
TRANCHE_WEIGHTS = [30, 10, 20, 12, 8, 8, 6, 3, 1.5, 0.5, 0.5, 0.3, 0.2]
TYPES_VOIE = ["RUE", "AV", "BD", "CHE", "RTE", "ZI", "IMP", "PL", "ALL", "ZA"]
VOIES = ["DE LA REPUBLIQUE", "DU GENERAL DE GAULLE", "JEAN JAURES", "DES FORGES",
         "DE L INDUSTRIE", "PASTEUR", "VICTOR HUGO", "DU MOULIN", "DE LA GARE", "DES ACACIAS"]
ENSEIGNES = ["BOULANGERIE DU CENTRE", "ATELIER MECANIQUE", "GARAGE DE LA GARE",
             "MENUISERIE DUPONT", "IMPRIMERIE MODERNE", "LA FORGE"]
_EPSG = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}


def _communes() -> dict[str, np.ndarray]:
    """Code, upper-case name, first postcode and Lambert x/y of every current commune."""
    table = referentiel.communes()
    x = np.empty(len(table))
    y = np.empty(len(table))
    dep = table["code_insee"].str.slice(0, 3).map(_EPSG).fillna(2154).astype(int)
    for epsg, index in table.groupby(dep.to_numpy()).indices.items():
        tr = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
        x[index], y[index] = tr.transform(table["lon"].to_numpy()[index],
                                          table["lat"].to_numpy()[index])
    return {
        "code": table["code_insee"].to_numpy(str),
        "nom": table["nom"].str.upper().to_numpy(str),
        "cp": table["codes_postaux"].str.slice(0, 5).to_numpy(str),
        "x": x, "y": y, "weight": (table["population"].fillna(0).to_numpy(float) + 50),
    }


def _pick(rng: np.random.Generator, pool: list[str], n: int, p=None, null: float = 0.0):
    """``n`` values drawn from ``pool`` as an Arrow string array, a share ``null`` empty."""
    p = None if p is None else np.asarray(p, float) / np.sum(p)
    idx = rng.choice(len(pool), size=n, p=p)
    arr = pa.DictionaryArray.from_arrays(pa.array(idx, pa.int32()), pa.array(pool))
    return _nullify(rng, arr.cast(pa.string()), null)


def _nullify(rng: np.random.Generator, arr: pa.Array, null: float) -> pa.Array:
    if null <= 0:
        return arr
    return pc.if_else(pa.array(rng.random(len(arr)) < null), pa.nulls(len(arr), pa.string()), arr)


def _digits(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    """Zero-padded random numbers: ``width=5`` ⇒ ``"00042"``."""
    values = pa.array(rng.integers(0, 10**width, size=n)).cast(pa.string())
    return pc.utf8_lpad(values, width, "0")


def _dates(rng: np.random.Generator, n: int, start: str, end: str) -> pa.Array:
    lo, hi = np.datetime64(start), np.datetime64(end)
    days = lo + rng.integers(0, int((hi - lo).astype(int)), size=n).astype("timedelta64[D]")
    return pa.array(days.astype(str))


def _chunk(rng: np.random.Generator, n: int, communes: dict[str, np.ndarray]) -> pa.Table:
    """``n`` rows in the official column order."""
    col: dict[str, pa.Array] = {name: pa.nulls(n, pa.string()) for name in HEADER}
    siren, nic = _digits(rng, n, 9), _digits(rng, n, 5)
    col.update(siren=siren, nic=nic, siret=pc.binary_join_element_wise(siren, nic, ""))
    partial = rng.random(n) < 0.03
    col["statutDiffusionEtablissement"] = pa.array(np.where(partial, "P", "O"))
    col["dateCreationEtablissement"] = _dates(rng, n, "1960-01-01", "2025-06-30")
    col["trancheEffectifsEtablissement"] = _pick(rng, TRANCHES, n, TRANCHE_WEIGHTS, 0.55)
    col["anneeEffectifsEtablissement"] = pc.if_else(
        pc.is_null(col["trancheEffectifsEtablissement"]), pa.nulls(n, pa.string()), "2022")
    col["dateDernierTraitementEtablissement"] = pc.binary_join_element_wise(
        _dates(rng, n, "2015-01-01", "2025-10-31"), "T14:26:05", "")
    col["etablissementSiege"] = _pick(rng, ["true", "false"], n, [4, 6])
    col["nombrePeriodesEtablissement"] = _pick(rng, ["1", "2", "3", "4"], n, [6, 2, 1, 1])
    col["complementAdresseEtablissement"] = _pick(rng, ["ZI NORD", "BAT A", "LIEU DIT"], n,
                                                  null=0.9)
    col["numeroVoieEtablissement"] = _nullify(
        rng, pa.array(rng.integers(1, 250, size=n)).cast(pa.string()), 0.3)
    col["indiceRepetitionEtablissement"] = _pick(rng, ["B", "T"], n, null=0.97)
    col["typeVoieEtablissement"] = _pick(rng, TYPES_VOIE, n, null=0.1)
    col["libelleVoieEtablissement"] = _pick(rng, VOIES, n, null=0.05)
    weights = communes["weight"] / communes["weight"].sum()
    where = rng.choice(len(communes["code"]), size=n, p=weights)
    col["codePostalEtablissement"] = pa.array(communes["cp"][where])
    col["libelleCommuneEtablissement"] = pa.array(communes["nom"][where])
    col["codeCommuneEtablissement"] = pa.array(communes["code"][where])
    jitter = rng.normal(0, 800, size=(2, n))
    for axis, (key, name) in enumerate((("x", "Abscisse"), ("y", "Ordonnee"))):
        values = np.round(communes[key][where] + jitter[axis], 1).astype(str)
        col[f"coordonneeLambert{name}Etablissement"] = pa.array(np.where(partial, "[ND]", values))
    col["dateDebut"] = _dates(rng, n, "2000-01-01", "2025-06-30")
    col["etatAdministratifEtablissement"] = _pick(rng, ["A", "F"], n)
    col["enseigne1Etablissement"] = _pick(rng, ENSEIGNES, n, null=0.85)
    col["denominationUsuelleEtablissement"] = _pick(rng, ENSEIGNES, n, null=0.9)
    manufacturing = rng.random(n) < 0.08
    naf = np.where(manufacturing, rng.choice(MANUFACTURING, n), rng.choice(OTHER, n))
    old = rng.random(n) < 0.03
    col["activitePrincipaleEtablissement"] = pa.array(np.where(old, "28.1A", naf))
    col["nomenclatureActivitePrincipaleEtablissement"] = pa.array(
        np.where(old, "NAFRev1", "NAFRev2"))
    col["caractereEmployeurEtablissement"] = _pick(rng, ["O", "N"], n, [3, 7])
    col["activitePrincipaleNAF25Etablissement"] = pa.array(naf)
    return pa.table([col[name] for name in HEADER], names=HEADER)


def write_stock(path: Path, rows: int, *, seed: int = 0, chunk: int = 200_000) -> Path:
    """Write ``rows`` synthetic establishments to ``path`` (UTF-8, comma, header)."""
    rng = np.random.default_rng(seed)
    communes = _communes()
    options = pacsv.WriteOptions(quoting_style="none")
    schema = pa.schema([(name, pa.string()) for name in HEADER])
    with pacsv.CSVWriter(str(path), schema, write_options=options) as writer:
        for start in range(0, rows, chunk):
            writer.write_table(_chunk(rng, min(chunk, rows - start), communes))
    return path
