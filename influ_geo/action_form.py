"""The action form of the Mobilisations page: check what an editor typed, field by field.

Pure (no streamlit). Each field is read with the same helpers as the actions importer
(``sources.values``, ``sources.enums``), and the territory is resolved exactly as an
imported file's ``territoire`` column is (``actions_csv.normalize_actions_csv`` then
``import_locate.locate``): ``"59066"``, ``"Bérelles"``, ``"Oyonnax (01)"``, ``"2A"``,
``"Bretagne"`` or ``"France"``::

    checked = validate({"date": date(2025, 3, 18), "membre": "Membre 07", "canal": "linkedin",
                        "theme": "savoir_faire", "territoire": "Oyonnax (01)",
                        "url": "javascript:alert(1)"})
    checked.errors   # {"url": "Lien : lien « javascript:alert(1) » ignoré (seuls http:// …)"}
    checked.record   # canonical action columns for store.insert_action (when no error)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from influ_geo import import_locate, schema
from influ_geo.report import ImportReport
from influ_geo.sources import actions_csv
from influ_geo.sources import values as v
from influ_geo.sources.enums import enum_code
from influ_geo.sources.territory_names import TerritoryNames, default_names
from influ_geo.store_actions import SOURCE_SAISIE

# The fields of the form, in display order, with their French labels.
LABELS: dict[str, str] = {
    "date": "Date", "membre": "Membre", "canal": "Canal", "theme": "Thème",
    "public_cible": "Public visé", "statut": "Statut", "territoire": "Territoire",
    "titre": "Titre", "url": "Lien", "campagne": "Campagne", "impressions": "Impressions",
    "reactions": "Réactions", "commentaires": "Commentaires", "partages": "Partages",
}
REQUIRED = ("date", "membre", "canal", "theme")
ENUM_FIELDS = ("canal", "theme", "public_cible", "statut")
COUNTS = ("impressions", "reactions", "commentaires", "partages")
TEXT_LIMITS = {"membre": 80, "titre": 300, "campagne": 120, "url": 2000, "territoire": 120}
# Oldest and farthest dates accepted: a typo like 0225 or 2205 is caught.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# What the form writes besides its own fields (the territory, resolved).
LOCATION = ("territoire_niveau", "code_insee", "commune_nom", "code_departement",
            "code_region", "siren_epci", "id_ti", "lon", "lat", "geo_precision", "geo_score",
            "geo_note")


@dataclass(frozen=True)
class Checked:
    """The outcome of :func:`validate`: French messages by field, or the action to write.

    ``record`` holds canonical ``actions`` columns (``date``, ``membre``, ``canal``…, the
    location columns); ``place`` describes the resolved territory in French.
    """

    errors: dict[str, str] = field(default_factory=dict)
    record: dict[str, object] = field(default_factory=dict)
    place: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(
    values: Mapping[str, object], *, events: pd.DataFrame | None = None,
    territoires: pd.DataFrame | None = None, names: TerritoryNames | None = None,
) -> Checked:
    """Check every field; when all are right, resolve the territory and build the record.

    Parameters
    ----------
    values: the form, ``LABELS`` keys (plus ``evenement_id`` of a relayed event);
        enumerations as codes or French labels, the date as ``date`` or text.
    events: the store's events (``import_locate.EVENT_COLUMNS``): an action without a
        territory of its own takes its event's.
    territoires: ``code_insee, id_ti`` of the Territoires d'industrie.
    """
    cleaned, errors = check_fields(values)
    if errors:
        # The territory is still checked, so that every wrong field is told at once.
        stand_in = {**cleaned, **{name: _STAND_IN.get(name) for name in errors}}
        problem = None if "territoire" in errors else locate(
            stand_in, events=events, territoires=territoires, names=names)[1]
        return Checked({**errors, **_territory_error(problem)})
    record, problem = locate(cleaned, events=events, territoires=territoires, names=names)
    if problem:
        return Checked(_territory_error(problem))
    return Checked({}, record, describe_place(record))


# Right values put in place of wrong ones while the territory alone is checked (the
# other wrong fields are left empty).
_STAND_IN: dict[str, object] = {"date": pd.Timestamp("2025-01-01"), "membre": "membre",
                                "canal": "autre", "theme": "territoires"}


def _territory_error(problem: str | None) -> dict[str, str]:
    return {"territoire": f"{LABELS['territoire']} : {problem}"} if problem else {}


def check_fields(values: Mapping[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """Each field read on its own: ``({"canal": "linkedin", …}, {"membre": "Membre :
    obligatoire."})``."""
    cleaned: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name, reader in _READERS.items():
        try:
            cleaned[name] = reader(name, values.get(name))
        except v.ValueInvalid as error:
            errors[name] = f"{LABELS[name]} : {error}"
    for name in REQUIRED:
        if name not in errors and cleaned.get(name) is None:
            errors[name] = f"{LABELS[name]} : obligatoire."
    cleaned["evenement_id"] = _event_id(values.get("evenement_id"))
    return cleaned, errors


def _date(_name: str, value: object) -> pd.Timestamp | None:
    """``date(2025, 3, 18)`` or ``"18/03/2025"`` ⇒ ``Timestamp("2025-03-18")``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = pd.Timestamp(value)
    return v.parse_date(value, years=(FIRST_YEAR, LAST_YEAR))


def _text(name: str, value: object) -> str | None:
    """Spaces trimmed; too long ⇒ ``ValueInvalid``."""
    text = v.clean_text(value)
    limit = TEXT_LIMITS.get(name)
    if text is not None and limit and len(text) > limit:
        raise v.ValueInvalid(f"{len(text)} caractères, {limit} au plus")
    return text


def _enum(name: str, value: object) -> str | None:
    return enum_code(name, value)


def _url(name: str, value: object) -> str | None:
    return v.http_url(_text(name, value))


def _count(_name: str, value: object) -> int | None:
    return v.parse_count(value)


def _territory(name: str, value: object) -> str | None:
    return _text(name, value)


_READERS: dict[str, Callable[[str, object], object]] = {
    "date": _date, "membre": _text, "canal": _enum, "theme": _enum, "public_cible": _enum,
    "statut": _enum, "territoire": _territory, "titre": _text, "url": _url,
    "campagne": _text, **dict.fromkeys(COUNTS, _count),
}


def _event_id(value: object) -> int | None:
    """The relayed event's store id, or None."""
    if v.is_empty(value):
        return None
    return int(value)  # type: ignore[call-overload]


def locate(
    cleaned: Mapping[str, object], *, events: pd.DataFrame | None = None,
    territoires: pd.DataFrame | None = None, names: TerritoryNames | None = None,
) -> tuple[dict[str, object], str | None]:
    """The action as the importer would store it, and the territory problem (or None).

    The checked fields go through ``normalize_actions_csv`` and ``import_locate.locate``
    as a one-line file whose ``territoire`` is the typed text; a territory that cannot
    be placed is a problem (``"commune introuvable : « Xyzville »"``), never a silent
    "non géocodé".
    """
    report = ImportReport("actions")
    raw = pd.DataFrame([_raw_row(cleaned)], dtype=object)
    frame = actions_csv.normalize_actions_csv(raw, report, names or default_names(),
                                              source=SOURCE_SAISIE)
    if report.rejections:
        return {}, report.rejections[0].reason
    located = import_locate.locate("actions", frame, report, np.array([2]),
                                   events=events, territoires=territoires)
    row = located.iloc[0]
    record = {name: _plain(row[name]) for name in located.columns
              if name in schema.column_names("actions") and name != "source"}
    record["evenement_id"] = cleaned.get("evenement_id")
    if cleaned.get("territoire") and row["geo_precision"] == "failed":
        return record, str(row["geo_note"] or "territoire introuvable")
    if record.get("territoire_niveau") is None and record.get("evenement_id") is None:
        return record, "obligatoire quand l'action ne relaie aucun événement."
    return record, None


def _raw_row(cleaned: Mapping[str, object]) -> dict[str, object]:
    """The checked fields as the cells of a file line (text)."""
    row: dict[str, object] = {name: cleaned.get(name) for name in LABELS}
    stamp = cleaned.get("date")
    row["date"] = pd.Timestamp(stamp).isoformat() if stamp is not None else None
    row["evenement"] = None if cleaned.get("evenement_id") is None else str(
        cleaned["evenement_id"])
    return {k: (None if val is None else str(val)) for k, val in row.items()}


def _plain(value: object) -> object:
    """A pandas cell as a Python value: ``pd.NA`` / ``NaN`` ⇒ None, numpy ⇒ Python."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def describe_place(record: Mapping[str, object]) -> str:
    """``"commune Oyonnax (01283), département 01, région 84"``; ``"national"``."""
    level = record.get("territoire_niveau")
    if level == "national":
        return "national (aucun territoire)"
    parts = []
    if record.get("code_insee"):
        parts.append(f"commune {record.get('commune_nom') or ''} ({record['code_insee']})")
    if record.get("code_departement"):
        parts.append(f"département {record['code_departement']}")
    if record.get("code_region"):
        parts.append(f"région {record['code_region']}")
    return ", ".join(p.replace("  ", " ") for p in parts) or "non placé"


def territory_text(action: Mapping[str, object], region_names: Mapping[str, str]) -> str:
    """The text that resolves back to an action's own territory, for the edit form.

    Commune ⇒ its INSEE code (``"59066"``); département ⇒ its code (``"2A"``); région ⇒
    its name (a bare région code would read as a département); national ⇒ ``"France"``;
    a territory inherited from the relayed event ⇒ ``""``.
    """
    level = _plain(action.get("territoire_niveau"))
    if level == "commune" and not _plain(action.get("territoire_herite")):
        return str(_plain(action.get("code_insee")) or "")
    if level == "departement":
        return str(_plain(action.get("code_departement")) or "")
    if level == "region":
        code = _plain(action.get("code_region"))
        return str(region_names.get(str(code), code or ""))
    return "France" if level == "national" else ""


def form_defaults(action: Mapping[str, object] | None,
                  region_names: Mapping[str, str]) -> dict[str, object]:
    """The form's initial values: empty for a new action, else the action's own values."""
    if action is None:
        return {"date": None, "statut": "realisee"}
    out = {name: _plain(action.get(name)) for name in LABELS if name != "territoire"}
    stamp = out.get("date")
    out["date"] = pd.Timestamp(stamp).date() if stamp is not None else None
    out["territoire"] = territory_text(action, region_names)
    out["evenement_id"] = _plain(action.get("evenement_id"))
    return out


def changes(record: Mapping[str, object]) -> dict[str, object]:
    """The fields an edit writes: the form's own and the resolved location."""
    names = [n for n in (*LABELS, *LOCATION, "evenement_id") if n != "territoire"]
    return {name: record.get(name) for name in names}
