"""Importing 100,000 events and 100,000 actions, commune-level geocoding, into SQLite.

Target (issue "data layer"): ≤ 10 s each for the whole pipeline (read the CSV, check and
normalise, geocode by postcode + commune name or INSEE code, locate, one store import).
The pipeline is timed as ``preview`` (read, check, geocode, locate) plus
``write_prepared`` (one transaction), which is what ``import_file`` runs. Baselines
measured in the same run on the same canonical rows: one ``INSERT`` per row
(on a 5,000-row sample, extrapolated to 100,000) and a plain ``DataFrame.to_sql``; both
only write, they neither read, check nor geocode anything.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from influ_geo import importers, referentiel, schema, store

ROWS = 100_000
SAMPLE_ROWS = 5_000
TARGET_SECONDS = 10.0
CANAUX = ["LinkedIn", "TikTok", "Instagram", "YouTube", "Presse", "Événement", "Atelier"]
THEMES = ["imaginaire", "Inclusion et diversité", "responsable", "savoir_faire",
          "territoires"]
PUBLICS = ["Parents", "jeunes", "grand_public", "Dirigeants", "enseignants"]


def _communes(rows: int, seed: int) -> pd.DataFrame:
    """Real communes drawn with replacement, each with one of its postcodes."""
    communes = referentiel.communes()
    communes = communes[communes["codes_postaux"].fillna("") != ""]
    drawn = communes.sample(rows, replace=True, random_state=seed).reset_index(drop=True)
    drawn["code_postal"] = drawn["codes_postaux"].str.split().str[0]
    return drawn


def write_events_csv(path: Path, rows: int = ROWS, seed: int = 1) -> Path:
    """An events table as members type it: French headers, ``;``, names in capitals
    for one row in three (``SAINT-ETIENNE``), placed by postcode and commune name."""
    rng = np.random.default_rng(seed)
    places = _communes(rows, seed)
    names = places["nom"].where(rng.random(rows) > 0.33, places["nom"].str.upper())
    days = pd.Timestamp("2025-01-06") + pd.to_timedelta(rng.integers(0, 700, rows), unit="D")
    frame = pd.DataFrame({
        "titre": [f"Portes ouvertes de l'usine n° {i}" for i in range(rows)],
        "date_debut": days.strftime("%d/%m/%Y") + " 09:00",
        "date_fin": days.strftime("%d/%m/%Y") + " 17:00",
        "lieu": "Atelier principal", "adresse": [f"{i % 90 + 1} rue de l'Industrie"
                                                 for i in range(rows)],
        "code_postal": places["code_postal"], "commune": names,
        "organisateur": "CCI", "type": "Portes ouvertes", "public": "Grand public",
    })
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


def write_actions_csv(path: Path, rows: int = ROWS, seed: int = 2) -> Path:
    """Campaign records: territory as an INSEE code (70 %), ``Commune (dép)`` (20 %), a
    département (7 %) or a région (3 %); labels and codes mixed as members write them."""
    rng = np.random.default_rng(seed)
    places = _communes(rows, seed)
    draw = rng.random(rows)
    territoire = places["code_insee"].where(
        draw < 0.7, (places["nom"] + " (" + places["code_departement"] + ")").where(
            draw < 0.9, places["code_departement"].where(draw < 0.97, "Bretagne")))
    days = pd.Timestamp("2025-01-06") + pd.to_timedelta(rng.integers(0, 700, rows), unit="D")
    frame = pd.DataFrame({
        "date": days.strftime("%Y-%m-%d"), "membre": [f"Membre {i % 400:03d}"
                                                      for i in range(rows)],
        "canal": rng.choice(CANAUX, rows), "theme": rng.choice(THEMES, rows),
        "public_cible": rng.choice(PUBLICS, rows), "territoire": territoire,
        "titre": [f"Publication n° {i}" for i in range(rows)],
        "url": [f"https://www.linkedin.com/posts/p-{i}" for i in range(rows)],
        "impressions": rng.integers(0, 20_000, rows), "reactions": rng.integers(0, 500, rows),
    })
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def row_by_row_seconds(frame: pd.DataFrame, kind: str, url: str) -> float:
    """Seconds to write ``frame`` with one INSERT per row (one transaction), measured on
    ``SAMPLE_ROWS`` rows and extrapolated to the whole frame."""
    engine = sa.create_engine(url)
    names = [c for c in schema.column_names(kind) if c in frame.columns and c != "id"]
    table = sa.Table(f"naive_{kind}", sa.MetaData(), *[sa.Column(n, sa.Text) for n in names])
    table.create(engine)
    sample = frame[names].head(SAMPLE_ROWS).astype(object).where(frame[names].head(
        SAMPLE_ROWS).notna(), None)
    records = [{k: (str(v) if v is not None else None) for k, v in r.items()}
               for r in sample.to_dict("records")]

    def insert() -> None:
        with engine.begin() as conn:
            for record in records:
                conn.execute(table.insert().values(**record))

    seconds, _ = _timed(insert)
    engine.dispose()
    return seconds * len(frame) / len(records)


def to_sql_seconds(frame: pd.DataFrame, kind: str, url: str) -> float:
    """Seconds of a plain ``DataFrame.to_sql`` of the same rows (no keys, no log)."""
    engine = sa.create_engine(url)
    names = [c for c in frame.columns if not str(c).startswith("_")]
    seconds, _ = _timed(lambda: frame[names].to_sql(f"plain_{kind}", engine, index=False,
                                                    chunksize=10_000))
    engine.dispose()
    return seconds


def _measure(kind: str, path: Path, engine: sa.Engine, url: str) -> dict[str, float]:
    """The pipeline in its two halves (``import_file`` is exactly ``preview`` then
    ``write_prepared``), so the baselines can reuse the prepared rows."""
    read, prepared = _timed(lambda: importers.preview(path, kind, engine=engine))
    write, report = _timed(lambda: importers.write_prepared(prepared, engine))
    assert report.rows_kept == ROWS and report.result.rows_inserted == ROWS
    return {"pipeline": read + write, "read": read, "write": write, "rows": report.rows_kept,
            "commune": report.precision.get("municipality", 0),
            "row_by_row": row_by_row_seconds(prepared.frame, prepared.kind, url),
            "to_sql": to_sql_seconds(prepared.frame, prepared.kind, url)}


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _print(kind: str, figures: dict[str, float]) -> None:
    pipeline = figures["pipeline"]
    verdict = "OK" if pipeline <= TARGET_SECONDS else "AU-DESSUS DE LA CIBLE"
    print(f"{kind} : {_n(figures['rows'])} lignes importées en {pipeline:.1f} s "
          f"(lecture, contrôles et géocodage {figures['read']:.1f} s, écriture "
          f"{figures['write']:.1f} s ; {_n(figures['rows'] / pipeline)} lignes/s ; "
          f"cible ≤ {TARGET_SECONDS:.0f} s : {verdict}) ; {_n(figures['commune'])} placées "
          "à la commune")
    naive = figures["row_by_row"]
    print(f"  base un INSERT par ligne (extrapolé de {_n(SAMPLE_ROWS)} lignes) : {naive:.1f} s "
          f"⇒ le pipeline complet est {naive / pipeline:.1f}× plus rapide que cette seule "
          "écriture")
    print(f"  base DataFrame.to_sql (écriture seule, sans clés ni journal) : "
          f"{figures['to_sql']:.1f} s ⇒ pipeline / to_sql = {pipeline / figures['to_sql']:.1f}")


def main() -> None:
    """Generate both files, import them into a fresh SQLite store, print the figures."""
    referentiel.communes()  # the referential is loaded once per process, as in the app
    with tempfile.TemporaryDirectory(prefix="bench_import_") as directory:
        folder = Path(directory)
        url = f"sqlite:///{folder / 'bench.sqlite'}"
        engine = store.get_engine(url)
        store.init_db(engine)
        events = write_events_csv(folder / "evenements.csv")
        actions = write_actions_csv(folder / "actions.csv")
        _print("événements", _measure("events", events, engine, url))
        _print("mobilisations", _measure("actions", actions, engine, url))
        engine.dispose()


if __name__ == "__main__":
    main()
