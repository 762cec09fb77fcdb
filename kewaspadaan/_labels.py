"""Labels for people, from ``kewaspadaan/locale/*.json``: the data keep fixed identifiers.

The risk class, transport mode, delivery status and hot-spot trend are stored in every table as
the fixed identifiers of :mod:`kewaspadaan.schema` (``kelas = "sangat tinggi"``,
``moda = "road+river"``, ``status = "terlambat"``, ``tren_hotspot = "menguat"``); only what is
shown changes with the language. This module turns identifiers and numbers into text:

- :func:`class_label`, :func:`mode_label`, :func:`status_label`, :func:`trend_label`,
  :func:`event_type_label` — one identifier to its label;
- :func:`normalise_classes` — class column to identifiers (a table written with translated
  labels by an older engine is read back, with a warning);
- :func:`fmt_number`, :func:`fmt_int`, :func:`format_date`, :func:`format_month` — numbers and
  dates in the conventions of the language (``1.234,5`` in Bahasa Indonesia).
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pandas as pd

from kewaspadaan._assets import load_strings
from kewaspadaan._errors import KewaspadaanWarning
from kewaspadaan.schema import RISK_CLASSES

__all__ = [
    "class_label",
    "event_type_label",
    "fmt_int",
    "fmt_number",
    "format_date",
    "format_month",
    "is_missing",
    "mode_label",
    "normalise_classes",
    "status_label",
    "to_date",
    "trend_label",
]


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA (strings are never missing)."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, lists
        return False


def _strings(strings: dict[str, Any] | str | None) -> dict[str, Any]:
    return strings if isinstance(strings, dict) else load_strings(strings)


def class_label(kelas: Any, language: dict[str, Any] | str | None = None) -> str:
    """Label of a class identifier (``"sangat tinggi"`` → ``"very high"`` in English)."""
    return str(_strings(language)["classes"].get(kelas, kelas))


def mode_label(moda: Any, language: dict[str, Any] | str | None = None) -> str:
    """Label of a mode or of a route's modes joined by ``+`` (``"road+river"`` → ``"darat +
    sungai"``)."""
    if is_missing(moda) or moda == "":
        return ""
    labels = _strings(language)["modes"]
    return " + ".join(str(labels.get(m, m)) for m in str(moda).split("+"))


def status_label(status: Any, language: dict[str, Any] | str | None = None) -> str:
    """Label of a delivery status (``schema.DELIVERY_STATUS``)."""
    return "" if is_missing(status) else str(_strings(language)["statuses"].get(status, status))


def trend_label(trend: Any, language: dict[str, Any] | str | None = None) -> str:
    """Label of an emerging hot-spot category (``schema.HOTSPOT_TRENDS``)."""
    return (
        ""
        if is_missing(trend) or trend == ""
        else str(_strings(language)["trends"].get(trend, trend))
    )


def event_type_label(event_type: Any, language: dict[str, Any] | str | None = None) -> str:
    """Label of an ACLED event type (unknown types are shown as they are)."""
    if is_missing(event_type):
        return ""
    return str(_strings(language)["event_types"].get(event_type, event_type))


def normalise_classes(kelas: pd.Series, *, source: str = "risk table") -> pd.Series:
    """Class column as identifiers of ``schema.RISK_CLASSES``.

    A class written as a translated label (``"very high"``: a table scored with
    ``settings.language = "en"`` by an older engine) is mapped back to its identifier with a
    :class:`~kewaspadaan._errors.KewaspadaanWarning`; other values are kept (the caller
    validates them).
    """
    back: dict[str, str] = {}
    for lang in ("id", "en"):
        back.update({str(v): k for k, v in load_strings(lang)["classes"].items()})
    out = kelas.map(lambda v: v if v in RISK_CLASSES else back.get(str(v), v))
    changed = ~kelas.isin(RISK_CLASSES) & out.isin(RISK_CLASSES)
    if changed.any():
        warnings.warn(
            f"{source}: {int(changed.sum())} row(s) carry a translated class label "
            f"(e.g. {kelas[changed].iloc[0]!r}) instead of the identifier of "
            "kewaspadaan.schema.RISK_CLASSES; read as identifiers. Score again with this "
            "version: the class value never depends on the language.",
            KewaspadaanWarning,
            stacklevel=3,
        )
    return out


def _group(digits: str, sep: str) -> str:
    head, _, tail = digits.partition(".")
    sign = "-" if head.startswith("-") else ""
    head = head.lstrip("-+")
    groups: list[str] = []
    while len(head) > 3:
        groups.insert(0, head[-3:])
        head = head[:-3]
    groups.insert(0, head)
    return sign + sep.join(groups) + ("." + tail if tail else "")


def fmt_number(
    value: Any,
    decimals: int,
    language: dict[str, Any] | str | None = None,
    *,
    sign: bool = False,
    scale: float = 1.0,
) -> str:
    """A number with the language's separators (``1234.5`` → ``"1.234,5"`` in Bahasa)."""
    if is_missing(value):
        return ""
    t = _strings(language)
    text = f"{float(value) * scale:.{decimals}f}"
    if sign and float(value) * scale >= 0:
        text = "+" + text
    plus = text.startswith("+")
    grouped = _group(text.lstrip("+"), "\0").replace(".", t["decimal_sep"])
    return ("+" if plus else "") + grouped.replace("\0", t["thousands_sep"])


def fmt_int(value: Any, language: dict[str, Any] | str | None = None) -> str:
    """A whole number with thousands separators (``65625`` → ``"65.625"`` in Bahasa)."""
    return "" if is_missing(value) else fmt_number(round(float(value)), 0, language)


def to_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, Timestamp or ISO string; None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)[:10]).date()


def format_date(
    date: Any, strings: dict[str, Any] | str | None = None
) -> tuple[str, str] | tuple[None, None]:
    """``(iso, text)`` of a date, e.g. ``("2024-11-27", "27 Nov 2024")``; ``(None, None)`` if
    no date is given (the report never substitutes today's date)."""
    day = to_date(date)
    if day is None:
        return None, None
    t = _strings(strings)
    return day.isoformat(), f"{day.day} {t['months'][day.month - 1]} {day.year}"


def format_month(date: Any, strings: dict[str, Any] | str | None = None) -> str:
    """``"Nov 2024"`` in the language's month names; empty when missing."""
    day = to_date(date)
    return "" if day is None else f"{_strings(strings)['months'][day.month - 1]} {day.year}"
