"""Property tests of the importers and of the geocoder over arbitrary tables of strings.

Importers: a table whose headers are spellings of the kind's columns (one per field) and
junk, whose cells mix well-formed values and any text (separators, quotes, line breaks,
any script), written as CSV in a drawn encoding and separator. The importer either
refuses the whole file with one French line, or reads every row: each row is kept,
rejected with its line or merged (``read = kept + rejected + merged``), every row built
valid is kept with its identity, every row built broken is rejected at its line, and
the output types hold (codes ``str``, dates ``datetime64``, numbers numeric).

Geocoder: for any frame (user spellings of every geographic header, text, numbers,
±inf, NaN), one output row per input row in the same order, a precision from the allowed
set, points in France or missing, and codes as text.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influ_geo import geocode, importers, readers, store
from influ_geo.locate import in_france_boxes
from influ_geo.sources.actions_csv import ACTION_SYNONYMS
from influ_geo.sources.enums import ENUMS
from influ_geo.sources.events_csv import EVENT_SYNONYMS
from influ_geo.sources.membres_csv import MEMBRE_SYNONYMS
from influ_geo.sources.territoires_industrie import TI_SYNONYMS

# Any text a spreadsheet cell may hold: separators, quotes, line breaks, accents, other
# scripts, emoji, bidirectional marks; no control character (a file holding them is
# refused as binary, which the tests of the corpus cover).
TEXT = st.text(st.one_of(st.sampled_from(list(';,\t|"\'\n\r  éÉœ’–€ßŁ字🏭\u202e-/:.0123')),
                         st.characters(blacklist_categories=("Cs", "Cc"))), max_size=12)
SEPARATORS = [";", ",", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]
COMMUNES = ["46102", "2A004", "97411", "75056", "01001", "1001", "2b033", "69123"]
DATE_FORMS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S"]
CODE_COLUMNS = ("code_insee", "code_postal", "code_departement", "code_region", "siret",
                "id_ti")


@dataclass(frozen=True)
class Field:
    """One column of a kind: its canonical name, whether a row needs it, and the values of
    a valid row and of a row broken by it (None: the field cannot break a row)."""

    name: str
    required: bool
    valid: st.SearchStrategy[str]
    broken: st.SearchStrategy[str] | None = None


def _dates() -> st.SearchStrategy[str]:
    moments = st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                           max_value=pd.Timestamp("2090-12-31").to_pydatetime())
    return st.builds(lambda m, f: m.strftime(f), moments, st.sampled_from(DATE_FORMS))


BAD_DATES = st.sampled_from(["31/02/2025", "2025-13-01", "bientôt", "0001-01-01", "", "  "])
NAME = st.builds(lambda t: "x" + t, TEXT)  # never empty, never a "no value" marker
OPTIONAL_TEXT = st.one_of(TEXT, st.just(""))
ENUM = {field: st.sampled_from(sorted(codes) + list(codes.values()))
        for field, codes in ENUMS.items()}
KINDS: dict[str, tuple[dict[str, tuple[str, ...]], list[Field]]] = {
    "events": (EVENT_SYNONYMS, [
        Field("titre", True, NAME, st.sampled_from(["", " ", "nan", "-"])),
        Field("date_debut", True, _dates(), BAD_DATES),
        Field("lieu", False, OPTIONAL_TEXT), Field("commune", False, OPTIONAL_TEXT),
        Field("code_insee", False, st.one_of(st.sampled_from(COMMUNES), TEXT)),
        Field("url", False, st.one_of(st.just("https://exemple.fr/a"), TEXT)),
        Field("lon", False, st.one_of(st.sampled_from(["2,35", "inf", "652470"]), TEXT)),
        Field("lat", False, st.one_of(st.sampled_from(["48.85", "-inf", "NaN"]), TEXT)),
    ]),
    "actions": (ACTION_SYNONYMS, [
        Field("date", True, _dates(), BAD_DATES),
        Field("membre", True, NAME, st.just("")),
        Field("canal", True, ENUM["canal"], st.sampled_from(["Fax", "", "pigeon"])),
        Field("theme", True, ENUM["theme"], st.sampled_from(["", "météo"])),
        Field("titre", False, OPTIONAL_TEXT),
        Field("code_insee", False, st.one_of(st.sampled_from(COMMUNES), TEXT)),
        Field("impressions", False, st.one_of(st.sampled_from(["1 200", "12.0", "-3"]), TEXT)),
        Field("url", False, st.one_of(st.just("javascript:alert(1)"), TEXT)),
    ]),
    "membres": (MEMBRE_SYNONYMS, [
        Field("pseudonyme", True, NAME, st.sampled_from(["", "null"])),
        Field("commune", False, OPTIONAL_TEXT),
        Field("code_postal", False, st.one_of(st.sampled_from(["46100", "1000"]), TEXT)),
        Field("canaux", False, st.one_of(ENUM["canal"], st.just("")),
              st.just("Minitel")),
    ]),
    "territoires-industrie": (TI_SYNONYMS, [
        Field("code_insee", True, st.sampled_from(COMMUNES),
              st.sampled_from(["", "99999", "ZZ123", "00000"])),
        Field("id_ti", True, st.builds(lambda n: f"ti-{n}", st.integers(1, 3)), st.just("")),
        Field("lib_ti", False, OPTIONAL_TEXT),
    ]),
}
IDENTITY = {"events": "source_id", "actions": "source_id", "membres": "pseudonyme"}


@dataclass
class Drawn:
    """A drawn file: its bytes, the valid flag of each row, the identities of the rows."""

    data: bytes
    valid: list[bool]
    identities: list[str | None]
    required_present: bool


def _header(draw: st.DrawFn, synonyms: dict[str, tuple[str, ...]], name: str) -> str:
    return draw(st.sampled_from([name, *synonyms.get(name, ())]))


def _junk(draw: st.DrawFn, synonyms: dict[str, tuple[str, ...]]) -> list[str]:
    """Distinct headers that are no spelling of any field of the kind (nor of the
    geocoder's); ``attendu`` when none is drawn, so that a table has two columns."""
    known = {readers.header_key(s) for name, spellings in {**synonyms,
             **readers.GEO_SYNONYMS}.items() for s in (name, *spellings)}
    names = draw(st.lists(TEXT, max_size=3))
    junk = [n for n in names if readers.header_key(n) not in known and n.strip()]
    return list(dict.fromkeys(junk)) or ["remarque libre"]


@st.composite
def drawn_files(draw: st.DrawFn, kind: str) -> Drawn:
    synonyms, fields = KINDS[kind]
    chosen = [f for f in fields if f.required or draw(st.booleans())]
    required_present = draw(st.integers(0, 9)) > 0  # now and then a required column is gone
    if not required_present:
        chosen = [f for f in chosen if f is not next(f for f in fields if f.required)]
    identity = IDENTITY.get(kind)
    columns = [_header(draw, synonyms, f.name) for f in chosen]
    if identity == "source_id":
        columns.append(_header(draw, synonyms, "source_id"))
    columns += _junk(draw, synonyms)
    n = draw(st.integers(min_value=1, max_value=12))
    rows, valid, identities = [], [], []
    for i in range(n):
        broken = draw(st.sampled_from([None, *[f for f in chosen if f.broken is not None]]))
        values = [draw(f.broken if f is broken else f.valid) for f in chosen]
        identities.append(f"R{i}" if identity == "source_id" else
                          f"Membre {i}" if identity == "pseudonyme" else None)
        if identity == "pseudonyme" and broken is None and required_present:
            values[0] = identities[-1]
        if identity == "source_id":
            values.append(identities[-1])
        values += [draw(TEXT) for _ in columns[len(values):]]
        rows.append(values)
        valid.append(broken is None)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from(SEPARATORS)), lineterminator="\r\n")
    writer.writerows([columns, *rows])
    encoding = draw(st.sampled_from(ENCODINGS))
    return Drawn(out.getvalue().encode(encoding, errors="replace"), valid, identities,
                 required_present)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    engine = store.get_engine(f"sqlite:///{tmp_path_factory.mktemp('props') / 's.sqlite'}")
    store.init_db(engine)
    yield engine
    engine.dispose()


def _check_types(frame: pd.DataFrame) -> None:
    for name in CODE_COLUMNS:
        if name in frame.columns:
            assert all(isinstance(c, str) for c in frame[name].dropna()), name
    for name in ("date", "date_debut", "date_fin"):
        if name in frame.columns:
            assert pd.api.types.is_datetime64_any_dtype(frame[name]), name
    for name in ("lon", "lat", "geo_score", "impressions", "reactions"):
        if name in frame.columns:
            assert pd.api.types.is_numeric_dtype(frame[name]), name
    if "lon" in frame.columns:
        placed = frame["lon"].notna().to_numpy()
        assert in_france_boxes(frame["lon"][placed], frame["lat"][placed]).all()


def _check_file(engine, kind: str, drawn: Drawn, tmp_path: Path) -> None:
    path = tmp_path / "tableau.csv"
    path.write_bytes(drawn.data)
    try:
        prepared = importers.preview(path, kind, engine=engine)
    except importers.UnusableFile as error:
        message = str(error)
        assert message.startswith("tableau.csv : ") and "\n" not in message
        if drawn.required_present:  # a well-formed table with its columns is never refused
            pytest.fail(message)
        assert "absente" in message, message
        return
    report = prepared.report
    assert drawn.required_present
    assert report.rows_read == len(drawn.valid)
    assert report.rows_read == report.rows_kept + report.rows_rejected + report.rows_merged
    assert len(prepared.frame) == report.rows_kept
    rejected = {r.line for r in report.rejections}
    assert rejected == {i + 2 for i, ok in enumerate(drawn.valid) if not ok}
    identity = IDENTITY.get(kind)
    if identity is not None:
        kept = Counter(prepared.frame[identity])
        assert kept == Counter(x for x, ok in zip(drawn.identities, drawn.valid, strict=True)
                               if ok)
    _check_types(prepared.frame)


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_row_is_kept_rejected_or_merged(engine, tmp_path, kind):
    @SETTINGS
    @given(drawn_files(kind))
    def check(drawn: Drawn) -> None:
        _check_file(engine, kind, drawn, tmp_path)

    check()


# ---------------------------------------------------------------- the geocoder

GEO_VALUES = {
    "code_insee": st.one_of(st.sampled_from([*COMMUNES, "75101", "01039", "99999", "", None,
                                             1001, 97411.0]), TEXT),
    "code_postal": st.one_of(st.sampled_from(["46100", "1000", "20000", "97400", "75008 ",
                                              None, 75008]), TEXT),
    "commune": st.one_of(st.sampled_from(["FIGEAC", "Ajaccio", "ST DENIS", "Havre (Le)",
                                          "PARIS 08", None]), TEXT),
    "code_departement": st.one_of(st.sampled_from(["46", "2A", "974", "1", None]), TEXT),
    "lon": st.one_of(st.floats(), st.sampled_from(["2,35", "652470", "[ND]", ""]), TEXT),
    "lat": st.one_of(st.floats(), st.sampled_from(["48,85", "6862035", "-inf", ""]), TEXT),
    "x": st.one_of(st.floats(), st.sampled_from(["652470", "1178664,2", ""]), TEXT),
    "y": st.one_of(st.floats(), st.sampled_from(["6862035", "6110037.3", ""]), TEXT),
    "epsg": st.one_of(st.sampled_from(["2154", "EPSG:2975", "L93", "4326", "99999", None]),
                      TEXT),
}


@st.composite
def geo_frames(draw: st.DrawFn) -> pd.DataFrame:
    fields = draw(st.lists(st.sampled_from(sorted(GEO_VALUES)), min_size=1, max_size=6,
                           unique=True))
    headers = [draw(st.sampled_from([f, *readers.GEO_SYNONYMS[f]])) for f in fields]
    junk = [h for h in draw(st.lists(TEXT, max_size=2))
            if h not in headers and readers.header_key(h) not in
            {readers.header_key(s) for f in fields for s in (f, *readers.GEO_SYNONYMS[f])}]
    n = draw(st.integers(min_value=0, max_value=12))
    data = {h: draw(st.lists(GEO_VALUES[f], min_size=n, max_size=n))
            for h, f in zip(headers, fields, strict=True)}
    data.update({h: draw(st.lists(TEXT, min_size=n, max_size=n)) for h in junk})
    index = draw(st.lists(st.integers(), min_size=n, max_size=n))
    return pd.DataFrame(data, index=index, dtype=object)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(geo_frames())
def test_the_geocoder_keeps_every_row_in_order_and_places_in_france(frame: pd.DataFrame):
    try:
        out = geocode.geocode(frame)
    except geocode.NoUsableColumn as error:
        assert not geocode.usable_columns(readers.canonical_columns(frame.columns,
                                                                   readers.GEO_SYNONYMS))
        assert "\n" not in str(error) and str(error).startswith("aucune colonne utilisable")
        return
    assert len(out) == len(frame) and list(out.index) == list(frame.index)
    kept = [f"{c}{geocode.ORIGINAL_SUFFIX}" if c in geocode.OUTPUT_COLUMNS else c
            for c in frame.columns]
    pd.testing.assert_frame_equal(out[kept].set_axis(frame.columns, axis=1), frame)
    assert set(out["geo_precision"]) <= set(geocode.PRECISIONS) - {"housenumber", "street"}
    lon, lat = out["lon"].to_numpy(dtype=float), out["lat"].to_numpy(dtype=float)
    placed = ~np.isnan(lon)
    assert (placed == ~np.isnan(lat)).all() and np.isfinite(lon[placed]).all()
    assert in_france_boxes(lon[placed], lat[placed]).all()
    assert (placed == (out["geo_precision"] != "failed").to_numpy()).all()
    assert all(isinstance(c, str) for c in out["code_insee"].dropna())
    assert out["code_insee"].dropna().str.fullmatch(r"\d{5}|2[AB]\d{3}").all()
