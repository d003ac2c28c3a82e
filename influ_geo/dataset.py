"""The analysed data set: sites, events and actions joined and coded once per data load.

``prepare(frames, today)`` turns the canonical tables (as ``store.read_table`` returns
them, or the demonstration frames) into a :class:`Dataset` that every indicator reads
without re-joining anything:

- actions are joined to their events (``matching.match_actions``): by id, else by
  title, date and territory; an action without a territory inherits its event's;
- every action, event and site row carries the codes of its commune, département,
  région, EPCI and Territoire d'industrie: missing codes are completed from the commune
  (``"2A004"`` ⇒ ``2A``, ``94``, EPCI ``242010056``) and from the département
  (``"971"`` ⇒ région ``01``);
- for each level (``region``, ``departement``, ``epci``, ``ti``) each row holds the
  position of its territory in ``Dataset.territories[level]`` (``-1``: not located at that
  level), so that an indicator is a ``numpy.bincount`` and never a per-territory loop.

    data = load(store.get_engine(), today)       # the store, or the demo when it is empty
    data.territories["departement"].head(1)      # code 01, nom Ain, code_region 84
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from influ_geo import naf, referentiel, schema
from influ_geo.filters import CLASSES_TAILLE, size_classes
from influ_geo.matching import MatchResult, MatchSettings, match_actions
from influ_geo.store_frames import pandas_dtype

LEVELS: tuple[str, ...] = ("region", "departement", "epci", "ti")
# The column holding each level's code on every row.
CODE_COLUMNS: dict[str, str] = {"region": "code_region", "departement": "code_departement",
                                "epci": "siren_epci", "ti": "id_ti"}
LEVEL_LABELS: dict[str, str] = {"region": "Région", "departement": "Département",
                                "epci": "Intercommunalité (EPCI)",
                                "ti": "Territoire d'industrie"}
KINDS = ("actions", "events", "sites")
_LOCATION = ("code_insee", "code_departement", "code_region", "siren_epci", "id_ti")


class LevelError(ValueError):
    """An unknown territorial level; the message is French."""


def check_level(level: str) -> str:
    """``"departement"`` ⇒ ``"departement"``; ``"canton"`` ⇒ ``LevelError`` (French)."""
    if level not in LEVELS:
        raise LevelError(f"niveau « {level} » inconnu ; niveaux possibles : {', '.join(LEVELS)}")
    return level


@dataclass(frozen=True, eq=False)
class Dataset:
    """Prepared tables, the territories of each level and each row's territory position.

    Read-only once built: the indicators and filters never modify it.
    """

    today: date
    actions: pd.DataFrame
    events: pd.DataFrame
    sites: pd.DataFrame
    membres: pd.DataFrame
    territories: dict[str, pd.DataFrame]
    positions: dict[tuple[str, str], np.ndarray]
    located: dict[tuple[str, str], np.ndarray]
    matching: MatchResult
    demo: bool = False
    # The communes of each Territoire d'industrie (``code_insee``, ``id_ti``, ``lib_ti``):
    # the outlines of the TI maps are dissolved from them.
    territoires_industrie: pd.DataFrame | None = None

    def position(self, kind: str, level: str) -> np.ndarray:
        """Territory position of each row of ``kind`` at ``level`` (``-1``: none)."""
        return self.positions[(kind, check_level(level))]


def prepare(
    frames: Mapping[str, pd.DataFrame],
    today: date,
    *,
    demo: bool = False,
    settings: MatchSettings | None = None,
) -> Dataset:
    """Join, complete and code the canonical tables of ``frames`` for ``today``.

    Parameters
    ----------
    frames: ``{"actions": …, "events": …, "sites": …, "membres": …,
        "territoires_industrie": …}``; a missing table counts as empty, a missing column
        as empty; events without store ``id`` are numbered 1…n (actions may then name
        them by ``evenement_ref``, their ``source_id``).
    today: the reference day: events from it on are "à venir", days since the last
        action count up to it.
    demo: the frames are the demonstration data set (shown with a badge).

    Returns
    -------
    Dataset: actions gain ``evenement_id`` (resolved), ``liaison``, ``liaison_score``,
    ``territoire_herite`` and ``evenement_pos`` (row of the event, ``-1``).
    """
    tables = {kind: _table(frames, kind) for kind in (*KINDS, "membres")}
    ti = _table(frames, "territoires_industrie")
    codes = _CodeCompleter(ti)
    events, result = _joined(tables, codes, settings)
    actions = codes.complete(result.actions)
    actions = _coded_actions(actions, events)
    sites = _coded_sites(codes.complete(tables["sites"].reset_index(drop=True)))
    events = _coded_events(events)
    territories = territory_tables(ti, [actions, events, sites])
    positions, located = {}, {}
    for kind, frame in (("actions", actions), ("events", events), ("sites", sites)):
        commune_known = codes.known_communes.get_indexer(frame["code_insee"]) >= 0
        for level in LEVELS:
            pos = _positions(frame[CODE_COLUMNS[level]], territories[level]["code"])
            positions[(kind, level)] = pos
            located[(kind, level)] = commune_known if level == "ti" else pos >= 0
    return Dataset(today, actions, events, sites, tables["membres"], territories, positions,
                   located, result, demo, territoires_industrie=ti)


def _joined(tables: Mapping[str, pd.DataFrame], codes: _CodeCompleter,
            settings: MatchSettings | None) -> tuple[pd.DataFrame, MatchResult]:
    """The events with complete territory codes, and the actions joined to them."""
    events = codes.complete(tables["events"].reset_index(drop=True))
    actions = codes.complete(tables["actions"].reset_index(drop=True))
    return events, match_actions(actions, events, settings or MatchSettings())


def work_out_links(engine: Engine) -> MatchResult | None:
    """Join the stored actions to the stored events now, as :func:`load` will.

    Called after an import of events or actions: the title verdicts are then kept (in
    memory and on disk, see :mod:`influ_geo.matching_cache`), and the next load of the
    dashboard, in this process or another, recalls them instead of scoring thousands of
    titles while a page waits. ``None`` (nothing read beyond the actions) when no action
    names its event by title.
    """
    from influ_geo import store

    titles = store.read_table(engine, "actions", columns=["evenement_titre"])
    if not titles["evenement_titre"].fillna("").str.strip().ne("").any():
        return None
    frames = {"actions": store.read_table(engine, "actions"),
              "events": store.read_table(engine, "events"),
              "territoires_industrie": store.read_table(engine, "territoires_industrie")}
    tables = {kind: _table(frames, kind) for kind in ("actions", "events")}
    codes = _CodeCompleter(_table(frames, "territoires_industrie"))
    return _joined(tables, codes, None)[1]


def _table(frames: Mapping[str, pd.DataFrame], kind: str) -> pd.DataFrame:
    """``frames[kind]`` with every canonical column (missing ones empty, extra ones kept);
    an empty canonical table when absent. Events without store ``id`` are numbered 1…n."""
    given = frames.get(kind)
    frame = pd.DataFrame() if given is None else given.copy()
    for column in schema.columns(kind):
        if column.name not in frame.columns:
            frame[column.name] = pd.Series(None, index=frame.index,
                                           dtype=pandas_dtype(column.dtype))
    if kind == "events" and frame["id"].isna().all():
        frame["id"] = pd.array(range(1, len(frame) + 1), dtype="Int64")
    return frame


class _CodeCompleter:
    """Fills missing territory codes of a row from its commune, then its département."""

    def __init__(self, ti: pd.DataFrame) -> None:
        self.by_commune, self.region_of = _referential_codes()
        self.known_communes = self.by_commune.index
        # A commune in several Territoires d'industrie counts in the first one (by id).
        first = ti.sort_values("id_ti", kind="stable").drop_duplicates("code_insee")
        self.ti_of = pd.Series(first["id_ti"].to_numpy(), index=first["code_insee"].to_numpy(),
                               dtype="str")

    def complete(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``code_insee "2A004"`` and nothing else ⇒ ``2A``, ``94``, ``242010056``, TI."""
        out = frame.copy()
        for name in _LOCATION:
            if name not in out.columns:
                out[name] = pd.Series(pd.NA, index=out.index, dtype="str")
        insee = out["code_insee"]
        for name in ("code_departement", "code_region", "siren_epci"):
            out[name] = _fill(out[name], insee.map(self.by_commune[name]))
        out["id_ti"] = _fill(out["id_ti"], insee.map(self.ti_of))
        out["code_region"] = _fill(out["code_region"], out["code_departement"].map(self.region_of))
        return out


def _fill(values: pd.Series, fallback: pd.Series) -> pd.Series:
    """``values`` where present, else ``fallback``, as ``str``."""
    return values.astype("str").where(values.notna(), fallback.astype("str"))


def _coded_actions(actions: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Enumerations as categoricals, ``prevue`` flag, ``evenement_pos`` (row in ``events``)."""
    out = actions.copy()
    out["theme"] = pd.Categorical(out["theme"], categories=list(schema.THEMES))
    for name in ("canal", "public_cible", "membre"):
        out[name] = out[name].astype("category")
    out["prevue"] = (out["statut"] == "prevue").fillna(False).astype(bool)
    row_of = pd.Series(np.arange(len(events)), index=events["id"].astype("Int64"))
    row_of = row_of[~row_of.index.duplicated()]
    pos = out["evenement_id"].astype("Int64").map(row_of)
    out["evenement_pos"] = pos.fillna(-1).astype("int64").to_numpy()
    return out


def _coded_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events with ``date_fin`` completed from ``date_debut`` in ``fin_effective``."""
    out = events.copy()
    out["fin_effective"] = out["date_fin"].where(out["date_fin"].notna(), out["date_debut"])
    out["type"] = out["type"].astype("category")
    return out


def _coded_sites(sites: pd.DataFrame) -> pd.DataFrame:
    """Sites with ``classe_taille`` (a code of ``CLASSES_TAILLE``) and ``effectif`` (float).

    ``effectif`` is ``effectif_estime``, else the middle of the headcount band, else NaN.
    """
    out = sites.copy()
    out["classe_taille"] = pd.Categorical(size_classes(out["tranche_effectifs"]),
                                          categories=list(CLASSES_TAILLE))
    estimate = out["effectif_estime"].astype("Float64")
    from_band = naf.effectifs_estimes(out["tranche_effectifs"].astype("str")).astype("Float64")
    out["effectif"] = estimate.fillna(from_band).astype("float64")
    out["naf_division"] = out["naf_division"].astype("category")
    return out


@cache
def _referential_codes() -> tuple[pd.DataFrame, pd.Series]:
    """Commune ⇒ département, région, EPCI; département ⇒ région (read-only, shared)."""
    communes = referentiel.communes().set_index("code_insee")
    departements = referentiel.load_layer("departements")
    region_of = pd.Series(departements["code_region"].to_numpy(),
                          index=departements["code_departement"].to_numpy())
    return communes[["code_departement", "code_region", "siren_epci"]], region_of


@cache
def _referential_territories() -> dict[str, pd.DataFrame]:
    """Régions, départements and EPCI of the referential (read-only, shared)."""
    regions = referentiel.load_layer("regions")
    departements = referentiel.load_layer("departements")
    epci = referentiel.load_layer("epci")
    main_region = _main_region(referentiel.communes(), "siren_epci")
    return {
        "region": _territories(regions["code_region"], regions["nom"], regions["code_region"]),
        "departement": _territories(departements["code_departement"], departements["nom"],
                                    departements["code_region"]),
        "epci": _territories(epci["siren_epci"], epci["nom"],
                             epci["siren_epci"].map(main_region)),
    }


def territory_tables(ti: pd.DataFrame, frames: list[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every territory of each level: ``code``, ``nom``, ``code_region`` (its main région).

    Régions, départements and EPCI come from the referential (18, 101, 1,253 rows);
    Territoires d'industrie from the ``territoires_industrie`` table, plus any ``id_ti``
    found on a row (named by its id when the table does not list it). Shared, read-only.
    """
    return {**_referential_territories(), "ti": _ti_territories(ti, frames)}


def _territories(codes: pd.Series, names: pd.Series, regions: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"code": codes.to_numpy(), "nom": names.to_numpy(),
                          "code_region": regions.to_numpy()}).astype("str")
    return frame.sort_values("code", ignore_index=True)


def _main_region(communes: pd.DataFrame, column: str) -> pd.Series:
    """Code of ``column`` ⇒ the région holding most of its communes."""
    counts = communes.groupby([column, "code_region"]).size().rename("n").reset_index()
    counts = counts.sort_values(["n", "code_region"], ascending=[False, True], kind="stable")
    first = counts.drop_duplicates(column)
    return pd.Series(first["code_region"].to_numpy(), index=first[column].to_numpy())


def _ti_territories(ti: pd.DataFrame, frames: list[pd.DataFrame]) -> pd.DataFrame:
    listed = ti.drop_duplicates("id_ti")[["id_ti", "lib_ti"]]
    seen = pd.concat([f["id_ti"] for f in frames] + [ti["id_ti"]]).dropna().astype("str")
    codes = sorted(set(seen))
    names = dict(zip(listed["id_ti"], listed["lib_ti"].fillna(listed["id_ti"]), strict=True))
    communes = referentiel.communes()[["code_insee", "code_region"]]
    located = ti[["code_insee", "id_ti"]].merge(communes, on="code_insee")
    region = _main_region(located, "id_ti") if len(located) else pd.Series(dtype="str")
    return pd.DataFrame({"code": codes, "nom": [names.get(c, c) for c in codes],
                         "code_region": [region.get(c) for c in codes]}).astype("str")


def _positions(values: pd.Series, codes: pd.Series) -> np.ndarray:
    """Position of each value in ``codes`` (``-1`` when missing or unknown), as int64."""
    return pd.Categorical(values, categories=codes.to_numpy()).codes.astype("int64")


# ---------------------------------------------------------------- loading

def demo_frames(today: date) -> dict[str, pd.DataFrame]:
    """The demonstration tables as the store holds them after ``python -m influ_geo demo``
    on an empty store: events numbered 1…n in order, actions naming them by ``evenement_id``.
    """
    from influ_geo import demo

    events = demo.demo_events(today)
    events.insert(0, "id", pd.array(range(1, len(events) + 1), dtype="Int64"))
    return {"territoires_industrie": demo.demo_territoires_industrie(),
            "sites": demo.demo_sites(today), "events": events,
            "membres": demo.demo_membres(), "actions": demo.demo_actions(today, events)}


# The columns of the sites the views read (indicators, filters, popups, nearby lists):
# the others (siret, address, geocoding notes…) stay in the store, where the exports and
# the Données page read them. 500,000 sites are then read in ~half the time.
SITE_COLUMNS: tuple[str, ...] = (
    "id", "source", "nom", "naf_division", "naf_libelle", "tranche_effectifs",
    "effectifs_libelle", "effectif_estime", "seveso", "url", "lon", "lat", "code_insee",
    "commune_nom", "code_departement", "code_region", "siren_epci", "id_ti")


def read_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table the indicators use, read from the store (the sites: ``SITE_COLUMNS``;
    ``prepare`` gives the others as empty columns)."""
    from influ_geo import store

    kinds = ("actions", "events", "membres", "territoires_industrie")
    frames = {kind: store.read_table(engine, kind) for kind in kinds}
    return {**frames, "sites": store.read_table(engine, "sites", columns=SITE_COLUMNS)}


def load(engine: Engine, today: date, *, demo: bool = False) -> Dataset:
    """The store's data prepared for ``today``; the demonstration data set (in memory,
    nothing written) when the store holds no site, event nor action, or when ``demo``.
    ``Dataset.demo`` is also True when the store holds demonstration rows.
    """
    from influ_geo import store
    from influ_geo.demo import SOURCE

    if demo or store.is_empty(engine):
        return prepare(demo_frames(today), today, demo=True)
    frames = read_frames(engine)
    shown = ("sites", "events", "actions")
    return prepare(frames, today, demo=any(frames[k]["source"].eq(SOURCE).any() for k in shown))
