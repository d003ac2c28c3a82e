"""Pure helpers of the store: check a canonical frame, give each row its natural key.

No database here: ``normalize_frame`` turns what an importer produced into the exact
frame the store writes (every canonical column, canonical dtypes, natural keys filled,
duplicates merged), or raises ``SchemaError`` with a French message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from influ_geo import schema


class StoreError(Exception):
    """A write the store refused; the message is one French sentence for the user."""


class SchemaError(StoreError, ValueError):
    """A frame that does not fit the canonical schema (unknown column, code not text…)."""


class ActionNotFound(StoreError, LookupError):
    """No action has this id (deleted meanwhile by someone else)."""


class DuplicateAction(StoreError):
    """The same action (same natural key) is already in the store."""


class ConstraintError(StoreError):
    """The database refused the rows (an unknown ``evenement_id``…); nothing was written."""


@dataclass
class NormalizedFrame:
    """A frame ready to write: ``rows`` (canonical), the columns the caller gave, merged count."""

    kind: str
    rows: pd.DataFrame
    given_columns: list[str]
    merged: int


def normalize_frame(kind: str, frame: pd.DataFrame, *, source: str) -> NormalizedFrame:
    """Check and complete a canonical frame of ``kind``; raise ``SchemaError`` if it cannot fit.

    ``source`` fills the ``source`` column where the frame has none. Columns whose
    name starts with ``_`` (an importer's own, like ``_ligne``) and the store's own
    ``id`` and ``import_id`` (a re-imported export) are not stored. Rows
    with the same natural key (``schema.NATURAL_KEYS``) are merged, the last one wins.
    """
    if kind not in schema.KINDS:
        expected = ", ".join(schema.KINDS)
        raise SchemaError(f"type de données inconnu : {kind!r} (attendu : {expected})")
    frame = frame[[c for c in frame.columns
                   if not str(c).startswith("_") and c not in schema.GENERATED_COLUMNS]]
    _check_column_names(kind, frame)
    given = list(frame.columns)
    rows = frame.reset_index(drop=True).copy()
    if "source" not in rows.columns:
        rows["source"] = source
    rows["source"] = rows["source"].where(rows["source"].notna(), source)
    rows = coerce_frame(kind, rows)
    _check_required(kind, rows)
    _check_enumerations(kind, rows)
    rows = fill_natural_keys(kind, rows)
    keys = list(schema.NATURAL_KEYS[kind])
    before = len(rows)
    rows = rows.drop_duplicates(subset=keys, keep="last").reset_index(drop=True)
    return NormalizedFrame(kind, rows, sorted(set(given) | {"source"}), before - len(rows))


def _check_column_names(kind: str, frame: pd.DataFrame) -> None:
    known = set(schema.column_names(kind))
    unknown = [str(c) for c in frame.columns if c not in known]
    if unknown:
        raise SchemaError(f"colonnes inconnues pour {kind} : {', '.join(unknown)}")
    if frame.columns.duplicated().any():
        raise SchemaError(f"colonnes en double pour {kind}")


def coerce_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every canonical column of ``kind``, in order, with its canonical dtype.

    Missing columns are added empty; a code given as a number raises ``SchemaError``
    (``1001`` would have lost the leading zero of ``"01001"``).
    """
    out = {}
    for col in schema.columns(kind):
        if col.name in frame.columns:
            out[col.name] = _coerce(col, frame[col.name])
        else:
            out[col.name] = _empty(col.dtype, len(frame))
    return pd.DataFrame(out, index=frame.index)


def _empty(dtype: str, length: int) -> pd.Series:
    values = [None] * length
    if dtype == "datetime":
        return pd.Series(pd.to_datetime(values), dtype="datetime64[us]")
    return pd.Series(values, dtype=pandas_dtype(dtype))


def pandas_dtype(dtype: str) -> str:
    """The pandas dtype of a canonical dtype: ``"int"`` ⇒ ``"Int64"``, ``"str"`` ⇒ ``"str"``."""
    return {"str": "str", "text": "str", "int": "Int64", "float": "float64",
            "datetime": "datetime64[us]"}[dtype]


def _coerce(col: schema.Column, values: pd.Series) -> pd.Series:
    if col.dtype in ("str", "text"):
        return _coerce_text(col, values)
    if col.dtype == "int":
        return _coerce_int(col, values)
    if col.dtype == "float":
        return _coerce_float(col, values)
    return _coerce_datetime(col, values)


def _coerce_text(col: schema.Column, values: pd.Series) -> pd.Series:
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred not in ("string", "empty"):
        raise SchemaError(
            f"la colonne {col.name} doit contenir du texte (trouvé : {inferred}) ; "
            "un code lu comme nombre perd ses zéros (« 01001 »)"
        )
    return values.astype("str")


def _coerce_int(col: schema.Column, values: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(values, errors="raise").astype("Int64")
    except (ValueError, TypeError) as error:
        raise SchemaError(f"la colonne {col.name} doit contenir des entiers ({error})") from None


def _coerce_float(col: schema.Column, values: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(values, errors="raise").astype("float64")
    except (ValueError, TypeError) as error:
        raise SchemaError(f"la colonne {col.name} doit contenir des nombres ({error})") from None


def _coerce_datetime(col: schema.Column, values: pd.Series) -> pd.Series:
    try:
        parsed = pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as error:
        raise SchemaError(f"la colonne {col.name} doit contenir des dates ({error})") from None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)  # keep the local wall-clock time of the place
    return parsed.astype("datetime64[us]")


def _check_required(kind: str, rows: pd.DataFrame) -> None:
    for name in schema.required_columns(kind):
        missing = rows.index[rows[name].isna()]
        if len(missing):
            first = ", ".join(str(i + 1) for i in missing[:5])
            raise SchemaError(
                f"{kind} : la colonne obligatoire {name} est vide sur {len(missing)} ligne(s) "
                f"(ligne(s) {first} du tableau)"
            )


def _check_enumerations(kind: str, rows: pd.DataFrame) -> None:
    for name, allowed in schema.ENUMERATIONS.get(kind, {}).items():
        bad = rows[name].notna() & ~rows[name].isin(list(allowed))
        if bad.any():
            values = ", ".join(sorted(set(rows.loc[bad, name]))[:5])
            raise SchemaError(
                f"{kind} : valeur(s) inconnue(s) de {name} : {values} ; "
                f"valeurs acceptées : {', '.join(allowed)}"
            )


def fill_natural_keys(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Give every row its natural key where the importer left it empty.

    Sites and events without ``source_id`` get ``"h:"`` + a fingerprint of their
    business fields; actions get ``cle`` = ``"id:<source>:<source_id>"`` when the file
    had its own id, else ``"h:<fingerprint>"``.
    """
    rows = rows.copy()
    if kind in ("sites", "events"):
        missing = rows["source_id"].isna()
        if missing.any():
            prints = fingerprint(rows.loc[missing], schema.FINGERPRINT_FIELDS[kind])
            rows.loc[missing, "source_id"] = "h:" + prints
    elif kind == "actions":
        rows["cle"] = action_keys(rows)
    return rows


def action_keys(rows: pd.DataFrame) -> pd.Series:
    """``cle`` of each action: the given one, else from ``source_id``, else a fingerprint."""
    keys = rows["cle"].copy() if "cle" in rows.columns else pd.Series(None, index=rows.index)
    with_id = keys.isna() & rows["source_id"].notna()
    keys[with_id] = "id:" + rows.loc[with_id, "source"] + ":" + rows.loc[with_id, "source_id"]
    hashed = keys.isna()
    if hashed.any():
        keys[hashed] = "h:" + fingerprint(rows.loc[hashed], schema.FINGERPRINT_FIELDS["actions"])
    return keys.astype("str")


def fingerprint(rows: pd.DataFrame, fields: Iterable[str]) -> pd.Series:
    """A 20-hex-digit hash of normalised business fields, stable across runs and case.

    ``"Salon  de l'Industrie"`` and ``"salon de l'industrie"`` give the same fingerprint.
    """
    parts = [_normalized_text(rows[name]) for name in fields]
    joined = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]
    digest = [hashlib.sha1(s.encode("utf-8")).hexdigest()[:20] for s in joined]
    return pd.Series(digest, index=rows.index, dtype="str")


def _normalized_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        midnight = values.dt.normalize() == values
        text = values.dt.strftime("%Y-%m-%dT%H:%M").where(~midnight, values.dt.strftime("%Y-%m-%d"))
    elif pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values):
        text = values.astype("str")
    else:
        # str.split(): every Unicode space (no-break spaces of French typography too)
        words = [" ".join(v.casefold().split()) if isinstance(v, str) else "" for v in values]
        text = pd.Series(words, index=values.index, dtype="str")
    return text.where(values.notna(), "").astype("str")


def frame_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's columns and content, for imports that come from no file."""
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    hashed = pd.util.hash_pandas_object(frame.astype("str"), index=False)
    digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def file_checksum(path: Path, block_size: int = 1 << 20) -> str:
    """SHA-256 of a file read in 1 MiB blocks (the import log's ``checksum``)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(block_size):
            digest.update(block)
    return digest.hexdigest()


def to_records(rows: pd.DataFrame, names: list[str]) -> list[dict[str, object]]:
    """Rows as plain Python dicts for executemany: ``NaN``/``NaT``/``NA`` ⇒ ``None``.

    Drivers bind ``int``/``float``/``datetime``, never numpy scalars.
    """
    columns = [_python_values(rows[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _python_values(values: pd.Series) -> list[object]:
    if pd.api.types.is_datetime64_any_dtype(values):
        return [None if v is pd.NaT else v for v in values.dt.to_pydatetime()]
    return values.to_numpy(dtype=object, na_value=None).tolist()
