"""The offline geocoding chain: speed against a naive row-by-row fuzzy match, and accuracy.

Targets (issue "foundation", part 3), on generated 200,000-row inputs:

- rows carrying an INSEE code ≥ 200,000 rows/s; rows with postcode + commune name
  ≥ 30,000 rows/s; each ≥ 100× a naive row-by-row fuzzy match over all communes,
  measured in the same run on a sample;
- accuracy computed from the referential itself: every commune's official name with
  each of its postcodes ⇒ the right INSEE code for ≥ 99.5 % of pairs; the same with
  La Poste-style names (upper case, no accents, "ST"/"STE") ≥ 99 %; INSEE code ⇒
  département and région 100 %.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from influ_geo import referentiel
from influ_geo.geocode import geocode
from influ_geo.textnorm import fold

ROWS = 200_000
BASELINE_SAMPLE = 200
SEED = 2024
TARGET_INSEE = 200_000
TARGET_POSTCODE = 30_000
TARGET_RATIO = 100.0
TARGET_OFFICIAL = 0.995
TARGET_LA_POSTE = 0.99
TARGET_CODES = 1.0
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def la_poste_name(name: str) -> str:
    """``"Saint-Étienne-du-Rouvray"`` ⇒ ``"ST ETIENNE DU ROUVRAY"``; ``"L'Haÿ-les-Roses"``
    ⇒ ``"L HAY LES ROSES"`` (the spelling of La Poste's postcode file)."""
    words = _NON_ALNUM.sub(" ", fold(name)).split()
    return " ".join({"SAINT": "ST", "SAINTE": "STE"}.get(w, w) for w in words)


def name_postcode_pairs() -> pd.DataFrame:
    """Every (official name, postcode) pair of the referential with its INSEE code."""
    com = referentiel.communes()
    pairs = com.assign(code_postal=com["codes_postaux"].str.split()).explode("code_postal")
    return pairs.dropna(subset=["code_postal"])[["code_insee", "nom", "code_postal"]]


def accuracy(pairs: pd.DataFrame, names: pd.Series) -> float:
    """Share of ``pairs`` whose ``names`` + postcode geocode to their own INSEE code."""
    out = geocode(pd.DataFrame({"code_postal": pairs["code_postal"].to_numpy(),
                                "commune": names.to_numpy()}))
    return float((out["code_insee"].to_numpy() == pairs["code_insee"].to_numpy()).mean())


def code_accuracy() -> float:
    """Share of communes whose INSEE code gives back their département and région."""
    com = referentiel.communes()
    out = geocode(pd.DataFrame({"codgeo": com["code_insee"].to_numpy()}))
    same = ((out["code_departement"].to_numpy() == com["code_departement"].to_numpy())
            & (out["code_region"].to_numpy() == com["code_region"].to_numpy()))
    return float(same.mean())


def _typo(name: str, rng: np.random.Generator) -> str:
    """One letter dropped: ``"Montivilliers"`` ⇒ ``"Montiviliers"``."""
    i = int(rng.integers(1, max(len(name) - 1, 2)))
    return name[:i] + name[i + 1:]


def insee_rows(rng: np.random.Generator, n: int = ROWS) -> pd.DataFrame:
    """INSEE-code rows as files carry them: current codes, a few arrondissement and old
    codes, some integers that lost their leading zero."""
    com = referentiel.communes()
    old = referentiel.load_table("communes_anciennes")["code_ancien"].to_numpy()
    codes = com["code_insee"].to_numpy()[rng.integers(0, len(com), n)].astype(object)
    swap = rng.random(n) < 0.05
    codes[swap] = old[rng.integers(0, len(old), int(swap.sum()))]
    as_int = (rng.random(n) < 0.05) & np.char.isdigit(codes.astype(str))
    codes[as_int] = codes[as_int].astype(int)
    return pd.DataFrame({"siret": np.arange(n), "codeCommuneEtablissement": codes})


def postcode_rows(rng: np.random.Generator, n: int = ROWS) -> tuple[pd.DataFrame, np.ndarray]:
    """Postcode + name rows: official names, La Poste spellings, lower case, "CEDEX"
    suffixes, and 2 % with a typo; returns the rows and the expected INSEE codes."""
    pairs = name_postcode_pairs()
    pick = pairs.iloc[rng.integers(0, len(pairs), n)]
    names = pick["nom"].to_numpy().astype(object)
    style = rng.random(n)
    poste = style < 0.4
    names[poste] = [la_poste_name(x) for x in names[poste]]
    lower = (style >= 0.4) & (style < 0.5)
    names[lower] = [x.lower() for x in names[lower]]
    cedex = (style >= 0.5) & (style < 0.53)
    names[cedex] = [f"{x} CEDEX" for x in names[cedex]]
    typo = (style >= 0.53) & (style < 0.55)
    names[typo] = [_typo(x, rng) for x in names[typo]]
    frame = pd.DataFrame({"nom": "Site", "CP": pick["code_postal"].to_numpy(), "Ville": names})
    return frame, pick["code_insee"].to_numpy()


def naive_match(frame: pd.DataFrame, column: str, choices: list[str], codes: np.ndarray
                ) -> tuple[float, list[str]]:
    """The baseline: for each row, one fuzzy look-up over all communes. Returns rows/s
    and the codes found."""
    start = time.perf_counter()
    found = []
    for value in frame[column]:
        query = _NON_ALNUM.sub(" ", fold(str(value))).strip()
        match = process.extractOne(query, choices, scorer=fuzz.WRatio)
        found.append(codes[match[2]] if match else "")
    return len(frame) / (time.perf_counter() - start), found


def timed(func: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, float]:
    """Run ``func`` and return its result and the seconds it took."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def _line(label: str, value: str, target: str, ok: bool) -> None:
    print(f"  {label:<44} {value:<24} cible {target:<12} {'OK' if ok else 'ÉCHEC'}")


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def speed() -> None:
    """Rows/s of both kinds of rows, each against the naive baseline on a sample."""
    rng = np.random.default_rng(SEED)
    com = referentiel.communes()
    _, warm = timed(lambda: geocode(pd.DataFrame({"codgeo": ["01001"]})))
    print(f"Chargement du référentiel et des index : {warm:.2f} s (une fois par processus)")
    print(f"Vitesse sur {_n(ROWS)} lignes générées ; référence naïve ligne à ligne "
          f"(rapidfuzz.extractOne sur les {_n(len(com))} communes) sur {BASELINE_SAMPLE} lignes")
    codes = com["code_insee"].to_numpy()
    names = [_NON_ALNUM.sub(" ", fold(x)).strip() for x in com["nom"]]
    rows = insee_rows(rng)
    out, seconds = timed(lambda: geocode(rows))
    naive, _ = naive_match(rows.head(BASELINE_SAMPLE), "codeCommuneEtablissement",
                           list(codes), codes)
    _report("code INSEE", ROWS / seconds, TARGET_INSEE, naive, out)
    rows, _ = postcode_rows(rng)
    out, seconds = timed(lambda: geocode(rows))
    naive, _ = naive_match(rows.head(BASELINE_SAMPLE), "Ville", names, codes)
    _report("code postal + nom", ROWS / seconds, TARGET_POSTCODE, naive, out)


def _report(label: str, rate: float, target: float, naive: float, out: pd.DataFrame) -> None:
    placed = (out["geo_precision"] != "failed").mean()
    _line(f"{label} ({placed:.2%} placées)", f"{_n(rate)} lignes/s", f"≥ {_n(target)}",
          rate >= target)
    ratio = rate / naive
    _line(f"  naïf : {_n(naive)} lignes/s", f"rapport ×{ratio:,.0f}".replace(",", " "),
          f"≥ ×{TARGET_RATIO:.0f}", ratio >= TARGET_RATIO)


def exactness() -> None:
    """The three accuracy figures, and the share found with one typo (no target)."""
    pairs = name_postcode_pairs()
    print(f"Exactitude, calculée sur le référentiel ({_n(len(pairs))} couples nom + code postal)")
    official = accuracy(pairs, pairs["nom"])
    _line("nom officiel + chaque code postal", f"{official:.3%}", f"≥ {TARGET_OFFICIAL:.1%}",
          official >= TARGET_OFFICIAL)
    poste = accuracy(pairs, pairs["nom"].map(la_poste_name))
    _line("nom façon La Poste (ST ETIENNE DU ROUVRAY)", f"{poste:.3%}",
          f"≥ {TARGET_LA_POSTE:.0%}", poste >= TARGET_LA_POSTE)
    codes = code_accuracy()
    _line("code INSEE ⇒ département et région", f"{codes:.3%}", "100 %", codes >= TARGET_CODES)
    rng = np.random.default_rng(SEED)
    typo = accuracy(pairs, pairs["nom"].map(lambda x: _typo(x, rng)))
    print(f"  (pour information) une lettre en moins dans le nom : {typo:.2%} justes")


def main() -> None:
    """Print the speed and accuracy figures, each with its target."""
    speed()
    exactness()


if __name__ == "__main__":
    main()
