"""The « Région par région » view as data: key figures, monthly series by theme, the
theme × channel table, the events with their relay status, two periods compared.

No streamlit here; everything is computed from a :class:`~influ_geo.dataset.Dataset`,
the shared :class:`~influ_geo.filters.Filters` and a région code (the map is in
:mod:`influ_geo.region_map`)::

    key_figures(data, filters, layers, "53")    # [Figure("Actions", "51", 12, …), …]
    monthly_by_theme(data, filters, "53")       # Mois "déc. 2025" | Nouvel imaginaire | …
    comparison(data, filters, "53", avant, apres)  # Bretagne, then 22, 29, 35, 56
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from influ_geo import indicators, priorities, region_counts, schema, textnorm
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters, event_mask
from influ_geo.formatting import format_int
from influ_geo.overview import Figure, comparison_period
from influ_geo.region_map import Layers, epci_codes

# Short French names of the five themes (chart legends), in ``schema.THEMES`` order.
THEME_LABELS: dict[str, str] = {
    "imaginaire": "Nouvel imaginaire",
    "inclusion": "Inclusion et diversité",
    "responsable": "Industrie responsable",
    "savoir_faire": "Savoir-faire",
    "territoires": "Mobilisations territoriales",
}
# One colour per theme (colour-blind safe, Okabe–Ito), the same on every chart.
THEME_COLOURS: dict[str, str] = {
    "imaginaire": "#E69F00",
    "inclusion": "#CC79A7",
    "responsable": "#009E73",
    "savoir_faire": "#0072B2",
    "territoires": "#D55E00",
}
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")
# Indicators of the two-period comparison (columns of ``indicators_series.compare_periods``).
# Indicator ⇒ (short word of the column names, full French name for the column help); two
# indicators keep the table readable at full width without scrolling.
COMPARED: dict[str, tuple[str, str]] = {
    "actions": ("Actions", "Actions réalisées"),
    "membres_actifs": ("Membres", "Membres actifs"),
}
WHEN = {"avant": "avant", "apres": "après", "ecart": "écart"}


# ---------------------------------------------------------------- which région

def region_options(regions: pd.DataFrame) -> dict[str, str]:
    """The 18 régions, code ⇒ name, in French alphabetical order (accents ignored):
    ``{"84": "Auvergne-Rhône-Alpes", …, "11": "Île-de-France", …}``."""
    rows = sorted(zip(regions["code_region"].astype(str), regions["nom"].astype(str),
                      strict=True), key=lambda row: textnorm.fold(row[1]))
    return dict(rows)


def resolve_region(*wanted: object, options: Mapping[str, str]) -> str:
    """The first of ``wanted`` that is a région code of ``options``, else the first option:
    ``("xx", "53")`` ⇒ ``"53"``; ``(None,)`` ⇒ ``"84"``."""
    for code in wanted:
        if isinstance(code, str) and code in options:
            return code
    return next(iter(options))


def resolve_departement(wanted: object, code_region: str, departements: pd.DataFrame) -> str | None:
    """``wanted`` when it is a département of the région, else ``None``:
    ``("29", "53")`` ⇒ ``"29"``; ``("29", "84")`` ⇒ ``None``."""
    if not isinstance(wanted, str):
        return None
    inside = departements["code_departement"][departements["code_region"] == code_region]
    return wanted if wanted in set(inside.astype(str)) else None


def departement_name(code: str, departements: pd.DataFrame) -> str:
    """``"29"`` ⇒ ``"Finistère"``."""
    rows = departements.loc[departements["code_departement"] == code, "nom"]
    return str(rows.iloc[0])


# ---------------------------------------------------------------- key figures

def _region_counts(data: Dataset, done: np.ndarray, code_region: str,
                   epci: list[str]) -> dict[str, int]:
    """Actions and members of the région, départements and EPCI touched (``done``: the
    actions done in a period)."""
    departements = data.territories["departement"]
    departements = departements.loc[departements["code_region"] == code_region, "code"].tolist()
    known = set(data.territories["epci"]["code"])
    epci = [code for code in epci if code in known]
    region = region_counts.done_counts(data, done, "region", [code_region])
    in_departements = region_counts.done_counts(data, done, "departement", departements)
    in_epci = region_counts.done_counts(data, done, "epci", epci)
    return {
        "actions": int(region["actions"][0]), "membres_actifs": int(region["membres_actifs"][0]),
        "departements_touches": int((in_departements["actions"] > 0).sum()),
        "departements": len(departements),
        "epci_touches": int((in_epci["actions"] > 0).sum()), "epci": len(epci),
    }


def key_figures(data: Dataset, filters: Filters, layers: Layers, code_region: str) -> list[Figure]:
    """Five figures of the région, each with its change over the period just before (as
    long as the elapsed part of the filter period), none for upcoming events."""
    epci = epci_codes(layers.communes, code_region)
    selection = indicators.select(data, filters)
    now = _region_counts(data, selection.done, code_region, epci)
    now["a_venir"], now["a_venir_non_relayes"] = region_counts.upcoming_events(
        data, selection.upcoming_events, selection.relayed, code_region)
    period = comparison_period(filters, data.today)
    before = None if period is None else _region_counts(
        data, region_counts.done_rows(data, filters.replace(debut=period[0], fin=period[1])),
        code_region, epci)
    since = "" if period is None else \
        f" Évolution par rapport au {period[0]:%d/%m/%Y} – {period[1]:%d/%m/%Y}."

    def delta(name: str) -> int | None:
        return None if before is None else now[name] - before[name]

    def share(name: str, total: str) -> str:
        return f"{format_int(now[name])} / {format_int(now[total])}"

    return [
        Figure("Actions", format_int(now["actions"]), delta("actions"),
               "Actions réalisées dans la région pendant la période." + since),
        Figure("Membres actifs", format_int(now["membres_actifs"]), delta("membres_actifs"),
               "Membres ayant réalisé au moins une action dans la région." + since),
        Figure("Départements touchés", share("departements_touches", "departements"),
               delta("departements_touches"),
               "Départements de la région avec au moins une action." + since),
        Figure("EPCI touchés", share("epci_touches", "epci"), delta("epci_touches"),
               "Intercommunalités ayant au moins une commune dans la région et au moins "
               "une action (sur tout leur territoire)." + since),
        Figure("À venir sans relais", share("a_venir_non_relayes", "a_venir"), None,
               "Événements à venir de la région qu'aucune action ne relaie encore, sur "
               "l'ensemble de ses événements à venir ; la période ne s'y applique pas."),
    ]


def is_empty(data: Dataset, filters: Filters, code_region: str) -> bool:
    """True when the filters keep no action (done or planned) and no event of the
    période in the région."""
    selection = indicators.select(data, filters)
    in_actions = region_counts.slots(data, "actions", "region", [code_region]) == 0
    in_events = region_counts.slots(data, "events", "region", [code_region]) == 0
    return not (((selection.done | selection.planned) & in_actions).any()
                or (event_mask(data.events, filters) & in_events).any())


# ---------------------------------------------------------------- series and tables

def month_label(day: pd.Timestamp) -> str:
    """``2026-01-01`` ⇒ ``"janv. 2026"``."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def monthly_by_theme(data: Dataset, filters: Filters, code_region: str) -> pd.DataFrame:
    """Actions done per month of the filter period in the région, up to the current month,
    one column per theme (``THEME_LABELS``), zeros included: ``Mois`` ``"déc. 2025"``,
    ``Nouvel imaginaire`` 3…"""
    if filters.fin and filters.fin > data.today >= (filters.debut or data.today):
        filters = filters.replace(fin=data.today)  # later months hold no action done yet
    months, counts = region_counts.monthly_by_theme(data, filters, code_region)
    table = pd.DataFrame(counts, columns=[THEME_LABELS[t] for t in schema.THEMES])
    table.insert(0, "Mois", [month_label(pd.Timestamp(n // 12, n % 12 + 1, 1)) for n in months])
    return table


def theme_channel_table(data: Dataset, filters: Filters, code_region: str) -> pd.DataFrame:
    """Actions done in the région, theme (rows) × channel (columns), French labels and a
    ``Total`` column; the channels nobody used are dropped (all eight when none is used)."""
    table = region_counts.theme_by_channel(data, indicators.select(data, filters).done,
                                           code_region)
    used = table.columns[table.sum() > 0]
    table = table[used] if len(used) else table
    table = table.rename(index=THEME_LABELS, columns=schema.CANAUX)
    table["Total"] = table.sum(axis=1)
    return table.rename_axis(index="Thème", columns=None)


def _http(url: object) -> str | None:
    """Only http(s) links are kept: ``"javascript:…"`` ⇒ ``None``."""
    text = str(url).strip() if isinstance(url, str) else ""
    return text if text.lower().startswith(("http://", "https://")) else None


def _http_links(urls: pd.Series) -> pd.Series:
    """``_http`` of each value, the text methods run on the whole column at once."""
    text = pd.Series([value if isinstance(value, str) else "" for value in
                      urls.to_numpy(dtype=object)], index=urls.index, dtype="str").str.strip()
    return text.where(text.str.lower().str.startswith(("http://", "https://")), None)


def relay_status(upcoming: bool, relayed: bool) -> str:
    """``(True, False)`` ⇒ ``"À venir, à relayer"``; ``(True, True)`` ⇒ ``"À venir,
    relayé"``; ``(False, False)`` ⇒ ``"Passé, non relayé"``; ``(False, True)`` ⇒
    ``"Passé, relayé"``."""
    if upcoming:
        return "À venir, relayé" if relayed else "À venir, à relayer"
    return "Passé, relayé" if relayed else "Passé, non relayé"


def _relay_statuses(upcoming: pd.Series, relayed: pd.Series) -> list[str]:
    """``relay_status`` of each event, from the four texts."""
    texts = np.array([relay_status(up, rel) for up in (False, True) for rel in (False, True)],
                     dtype=object)
    return texts[2 * upcoming.to_numpy(dtype=int) + relayed.to_numpy(dtype=int)].tolist()


def _type_labels(types: pd.Series, type_label: Callable[[str], str]) -> list[str]:
    """The label of each event type (``""`` when missing), asked once per distinct type."""
    codes, uniques = pd.factorize(types)
    labels = [type_label(str(t)) if isinstance(t, str) else "" for t in uniques]
    return np.array([*labels, ""], dtype=object)[codes].tolist()  # code -1 (missing): the last


def events_table(data: Dataset, filters: Filters, code_region: str,
                 type_label: Callable[[str], str] = str) -> pd.DataFrame:
    """The events of the région kept by the filters, upcoming first (soonest first), then
    past (latest first), with their relay status and an http(s) link (else empty; no
    ``Lien`` column when no event has one)."""
    events = priorities.events_status(data, "region", filters, code_region)
    out = pd.DataFrame({
        "Début": events["date_debut"],
        "Fin": events["date_fin"].where(events["date_fin"].notna(), events["date_debut"]),
        "Événement": events["titre"].astype("str"),
        "Type": _type_labels(events["type"], type_label),
        "Commune": events["commune_nom"].astype("str"),
        "Dép.": events["code_departement"].astype("str"),
        "Statut": _relay_statuses(events["a_venir"], events["relaye"]),
        "Relais": events["relais"].astype("int64"),
        "Lien": _http_links(events["url"]),
    })
    return out if out["Lien"].notna().any() else out.drop(columns="Lien")

# ---------------------------------------------------------------- two periods

def default_halves(filters: Filters, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The two halves of the filter period's elapsed part (up to ``today``: later months
    hold no action yet and would always read as a fall), the whole period when it has not
    begun, the last twelve months when it is open: ``2025-11-26 … 2027-05-26`` on
    ``2026-11-26`` ⇒ ``(2025-11-26, 2026-05-27)``, ``(2026-05-28, 2026-11-26)`` (183 days
    each)."""
    fin = filters.fin or today
    debut = filters.debut or min(fin, today) - timedelta(days=364)
    if debut <= today < fin:
        fin = today
    if fin <= debut:
        return (debut, debut), (debut, debut)
    middle = debut + timedelta(days=((fin - debut).days + 1) // 2 - 1)
    return (debut, middle), (middle + timedelta(days=1), fin)


def comparison(data: Dataset, filters: Filters, code_region: str,
               avant: tuple[date, date], apres: tuple[date, date]) -> pd.DataFrame:
    """The région, then each of its départements: ``COMPARED`` indicators before, after
    and their change (``Actions avant``, ``Actions après``, ``Actions écart``, ``Membres
    avant``…); the figures of ``indicators_series.compare_periods``, for these rows only."""
    regions, departements = data.territories["region"], data.territories["departement"]
    region = regions[regions["code"] == code_region]
    inside = departements[departements["code_region"] == code_region]

    def counts(days: tuple[date, date]) -> dict[str, np.ndarray]:
        done = region_counts.done_rows(data, filters.replace(debut=days[0], fin=days[1]))
        parts = [region_counts.done_counts(data, done, "region", region["code"].tolist()),
                 region_counts.done_counts(data, done, "departement", inside["code"].tolist())]
        return {name: np.concatenate([part[name] for part in parts]) for name in COMPARED}

    before, after = counts(avant), counts(apres)
    out = pd.DataFrame({"Territoire": [f"{nom} ({code})" for nom, code in zip(
        [*region["nom"], *inside["nom"]], [*region["code"], *inside["code"]], strict=True)]})
    for name, (word, _) in COMPARED.items():
        for suffix, values in (("avant", before[name]), ("apres", after[name]),
                               ("ecart", after[name] - before[name])):
            out[f"{word} {WHEN[suffix]}"] = values.astype("int64")
    return out


def comparison_help(column: str) -> str | None:
    """The help of a comparison column: ``"Membres écart"`` ⇒ ``"Membres actifs : après −
    avant"``; ``"Territoire"`` ⇒ ``None``."""
    for word, full in COMPARED.values():
        for when in WHEN.values():
            if column == f"{word} {when}":
                text = "après − avant" if when == "écart" else f"période « {when} »"
                return f"{full} : {text}"
    return None
