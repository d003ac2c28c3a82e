"""Numbers written the French way, for the UI, tooltips, legends and exports.

French typography groups thousands with a narrow no-break space (U+202F) and uses a
decimal comma: ``12174880`` ⇒ ``"12 174 880"``, ``0.375`` ⇒ ``"0,4"``.
"""

from __future__ import annotations

import math

import pandas as pd

# Narrow no-break space: the thousands separator of French typography (CLDR "fr").
THOUSANDS_SEP = "\u202f"
# What a missing figure reads as, everywhere in the UI ("non disponible").
MISSING = "n.d."


def is_missing(value: object) -> bool:
    """``None``, ``pd.NA`` and NaN are missing: ``pd.NA`` ⇒ True, ``0`` ⇒ False."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_int(value: object) -> str:
    """Whole number with French grouping: ``34875`` ⇒ ``"34 875"``; ``pd.NA`` ⇒ ``"n.d."``."""
    if is_missing(value):
        return MISSING
    return f"{round(float(value)):,}".replace(",", THOUSANDS_SEP)


def format_decimal(value: object, digits: int = 1) -> str:
    """Decimal number with a comma: ``1234.56`` ⇒ ``"1 234,6"``; NaN ⇒ ``"n.d."``."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", THOUSANDS_SEP)


def format_compact(value: object) -> str:
    """Short form for key figures: ``66526267`` ⇒ ``"66,5 millions"``, ``4021`` ⇒ ``"4 021"``."""
    if is_missing(value):
        return MISSING
    number = float(value)
    for scale, unit in ((1e9, "milliard"), (1e6, "million")):
        if abs(number) >= scale:
            plural = "s" if abs(number) >= 2 * scale else ""
            return f"{format_decimal(number / scale)} {unit}{plural}"
    return format_int(number)


def round_significant(value: float, digits: int = 2) -> float:
    """Round to ``digits`` significant figures: ``1266`` ⇒ ``1300.0``; ``0`` ⇒ ``0.0``."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))
