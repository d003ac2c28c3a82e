"""The shared filters of the sidebar: widgets, their memory across pages, the URL.

Part of the ui layer (it imports streamlit). The value of the filters lives in one
non-widget key of ``st.session_state`` (:data:`SESSION_KEY`, a :class:`Filters`), so it
outlives a page change (Streamlit forgets widget values when the page changes), and in
the URL query string (``?debut=2025-11-26&fin=2027-05-26&themes=inclusion``), so a copied
link reopens the same view on any page. The encoding is pure and tested without
streamlit: :func:`filters_from_query` never raises — a bad value in a link is dropped,
the rest of the link still applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from influ_geo import schema
from influ_geo.dataset import Dataset
from influ_geo.filters import Filters, FiltersError

SESSION_KEY = "filtres"
# The URL parameters the sidebar owns (names of the ``Filters`` fields); the pages own
# the others (``niveau``, ``indicateur``, ``region``…) and these never touch them.
PARAMS = ("debut", "fin", "themes", "canaux", "publics", "membres", "types_evenement")
SELECTIONS = PARAMS[2:]
# Default period: the last twelve months and the next six (planned relays included).
MONTHS_BEFORE, MONTHS_AFTER = 12, 6
# Bounds of the period widget (a date outside them in a link is brought back inside).
FIRST_DAY = date(2000, 1, 1)
MONTHS_AHEAD_MAX = 60
# French labels of the event types met in the data (others are shown from their code).
TYPES_EVENEMENT: dict[str, str] = {
    "atelier": "Atelier", "concours": "Concours", "conference": "Conférence",
    "forum_emploi": "Forum de l'emploi", "french_fab_tour": "French Fab Tour",
    "portes_ouvertes": "Portes ouvertes", "salon": "Salon",
    "semaine_industrie": "Semaine de l'industrie", "visite": "Visite d'entreprise",
}
LABELS = {"themes": "Thèmes", "canaux": "Canaux", "publics": "Publics",
          "membres": "Membres", "types_evenement": "Types d'événement"}
_WIDGET = "_widget_filtre_"


@dataclass(frozen=True)
class FilterOptions:
    """The values each selection offers, code ⇒ French label, in display order."""

    themes: Mapping[str, str]
    canaux: Mapping[str, str]
    publics: Mapping[str, str]
    membres: Mapping[str, str]
    types_evenement: Mapping[str, str]

    def of(self, name: str) -> Mapping[str, str]:
        """The options of the selection ``name`` (``"themes"``…)."""
        return getattr(self, name)


def event_type_label(code: str) -> str:
    """``"forum_emploi"`` ⇒ ``"Forum de l'emploi"``; ``"job_dating"`` ⇒ ``"Job dating"``."""
    return TYPES_EVENEMENT.get(code) or code.replace("_", " ").capitalize()


def filter_options(data: Dataset | None) -> FilterOptions:
    """Options of the sidebar: the five themes, channels and audiences of the schema, and
    the members and event types found in ``data`` (sorted)."""
    membres: set[str] = set()
    types: set[str] = set()
    if data is not None:
        membres = {*data.membres["pseudonyme"].dropna().astype(str),
                   *_distinct(data.actions["membre"])}
        types = _distinct(data.events["type"])
    return FilterOptions(
        themes=dict(schema.THEMES), canaux=dict(schema.CANAUX), publics=dict(schema.PUBLICS),
        membres={m: m for m in sorted(membres, key=str.casefold)},
        types_evenement={t: event_type_label(t) for t in sorted(types)},
    )


def _distinct(values: pd.Series) -> set[str]:
    """The values present, as text: the categories of a prepared column (100,000 actions:
    ~1 ms instead of ~150 ms for a set of every row)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = pd.Series(values.cat.remove_unused_categories().cat.categories)
    return set(values.dropna().astype(str))


def add_months(day: date, months: int) -> date:
    """``(2024-02-29, 12)`` ⇒ ``2025-02-28``; ``(2026-11-26, -12)`` ⇒ ``2025-11-26``."""
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def default_filters(today: date) -> Filters:
    """No selection; the period runs from twelve months ago to six months ahead."""
    return Filters(debut=add_months(today, -MONTHS_BEFORE), fin=add_months(today, MONTHS_AFTER))


def period_bounds(today: date) -> tuple[date, date]:
    """The days the period widget offers: ``2000-01-01`` to five years after ``today``."""
    return FIRST_DAY, add_months(today, MONTHS_AHEAD_MAX)


def clamp_period(filters: Filters, today: date) -> Filters:
    """``filters`` with its period brought inside :func:`period_bounds`:
    ``1990-01-01 … 2099-01-01`` ⇒ ``2000-01-01 … 2031-11-26`` (on 2026-11-26)."""
    low, high = period_bounds(today)
    debut = min(max(filters.debut or low, low), high)
    fin = min(max(filters.fin or high, debut), high)
    return filters.replace(debut=debut, fin=fin)


def filters_to_query(filters: Filters) -> dict[str, str]:
    """``Filters(debut=2025-11-26, fin=2027-05-26, themes=("inclusion",))`` ⇒
    ``{"debut": "2025-11-26", "fin": "2027-05-26", "themes": "inclusion"}``."""
    return {k: v for k, v in filters.to_query().items() if k in PARAMS}


def filters_from_query(params: Mapping[str, str | list[str]], options: FilterOptions,
                       default: Filters) -> Filters:
    """The filters a URL asks for; never raises.

    Each parameter is read on its own: an unknown code is dropped (``themes=inclusion,xx``
    ⇒ ``("inclusion",)``), an unreadable or reversed period falls back to ``default``'s,
    a missing parameter takes ``default``'s value.
    """
    debut, fin = _date_param(params, "debut"), _date_param(params, "fin")
    debut, fin = debut or default.debut, fin or default.fin
    if debut and fin and debut > fin:
        debut, fin = default.debut, default.fin
    values: dict[str, object] = {"debut": debut, "fin": fin}
    for name in SELECTIONS:
        raw = params.get(name)
        codes = _split(raw) if raw is not None else list(getattr(default, name))
        values[name] = tuple(c for c in codes if c in options.of(name))
    try:
        return Filters(**values)
    except FiltersError:
        return default


def _split(raw: str | list[str]) -> list[str]:
    """``"a,b"`` or ``["a", "b,c"]`` ⇒ ``["a", "b", "c"]``."""
    parts = [raw] if isinstance(raw, str) else list(raw)
    return [p.strip() for part in parts for p in str(part).split(",") if p.strip()]


def _date_param(params: Mapping[str, str | list[str]], name: str) -> date | None:
    """``"2025-03-01"`` ⇒ ``date(2025, 3, 1)``; unreadable ⇒ ``None``."""
    raw = params.get(name)
    if not raw:
        return None
    text = raw if isinstance(raw, str) else raw[-1]
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def restrict(filters: Filters, options: FilterOptions) -> Filters:
    """``filters`` without the codes ``options`` no longer offer (after a new import)."""
    changes = {name: tuple(c for c in getattr(filters, name) if c in options.of(name))
               for name in SELECTIONS}
    return filters.replace(**changes)


# ---------------------------------------------------------------- streamlit

def current_filters(options: FilterOptions, today: date) -> Filters:
    """The filters of this session: kept in ``st.session_state``, else read from the URL
    (first page of a session, or a copied link), else the defaults."""
    stored = st.session_state.get(SESSION_KEY)
    if isinstance(stored, Filters):
        return restrict(stored, options)
    params = {key: st.query_params.get_all(key) for key in PARAMS if key in st.query_params}
    return clamp_period(filters_from_query(params, options, default_filters(today)), today)


def remember(filters: Filters) -> None:
    """Keep ``filters`` in the session and write them to the URL (other params untouched)."""
    st.session_state[SESSION_KEY] = filters
    wanted = filters_to_query(filters)
    for key in PARAMS:
        if key in wanted:
            if st.query_params.get_all(key) != [wanted[key]]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def filter_widgets(options: FilterOptions, today: date) -> Filters:
    """Draw the shared filters (in the current container, the sidebar) and return them."""
    current = current_filters(options, today)
    debut, fin = _period_widget(current, today)
    values: dict[str, object] = {"debut": debut, "fin": fin}
    values["themes"] = _multiselect("themes", options, current)
    active = [n for n in SELECTIONS[1:] if getattr(current, n)]
    with st.expander("Autres filtres" + (f" ({len(active)} actifs)" if active else ""),
                     expanded=bool(active)):
        for name in SELECTIONS[1:]:
            values[name] = _multiselect(name, options, current)
    filters = Filters(**values)
    st.button("Réinitialiser les filtres", on_click=_reset, args=(today,),
              icon=":material/restart_alt:", disabled=filters == default_filters(today))
    remember(filters)
    return filters


def _period_widget(current: Filters, today: date) -> tuple[date, date]:
    """Two dates; while the user has picked only the first one, the previous end stays."""
    low, high = period_bounds(today)
    picked = st.date_input(
        "Période", value=(current.debut, current.fin), min_value=low, max_value=high,
        format="DD/MM/YYYY", key=f"{_WIDGET}periode",
        help="Actions datées dans la période ; les événements à venir sont comptés "
             "quelle que soit la période.",
    )
    dates = list(picked) if isinstance(picked, (list, tuple)) else [picked]
    debut = dates[0] if dates else current.debut
    fin = dates[1] if len(dates) > 1 else max(current.fin, debut)
    return debut, fin


def _multiselect(name: str, options: FilterOptions, current: Filters) -> tuple[str, ...]:
    choices = options.of(name)
    picked = st.multiselect(
        LABELS[name], list(choices), default=list(getattr(current, name)),
        format_func=choices.__getitem__, placeholder="Tous", key=f"{_WIDGET}{name}",
    )
    return tuple(picked)


def _reset(today: date) -> None:
    """Back to the defaults: the widgets are re-created from the mirrored value."""
    st.session_state[SESSION_KEY] = default_filters(today)
    for name in ("periode", *SELECTIONS):
        st.session_state.pop(f"{_WIDGET}{name}", None)
