"""Dates as they come in incident lists and field reports, parsed without guessing.

:func:`parse_dates` reads, value by value, whichever of these a file holds:

- ISO ``2024-01-15``, and ISO date-times with or without a time zone
  (``2024-01-15T10:00:00+08:00``, ``2024-01-15 10:00:00.000``): the date as written, in the
  writer's own time zone (an event's day does not move across midnight UTC);
- ``20240115`` (eight digits);
- ``15 January 2024``, ``15-Jan-2024``, also with Indonesian month names (``3 Agustus 2023``);
- ``15/01/2024``, ``15-01-2024``, ``15.01.2024`` — numeric day and month: **the order is
  decided per file**. A value with a first number above 12 proves day-first, one with a second
  number above 12 proves month-first (ACLED's US-style exports, Excel in an English locale). A
  file that proves both is an error naming a row of each; a file where no value tells
  (``03/05/2024`` only) is refused, and the message names ``date_format`` (``--date-format``):
  kewaspadaan does not guess between 3 May and 5 March;
- Excel serial day numbers (``45306`` → 2024-01-15) from a spreadsheet saved as CSV with
  the date cells formatted as numbers.

A date before :data:`EARLIEST` (``0001-01-01`` placeholders, two-digit-year slips) is not a
date: it becomes ``NaT`` and the caller rejects that row, naming it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kewaspadaan._errors import DataFileError

__all__ = ["EARLIEST", "parse_dates"]

#: Dates before this are rejected as not a real event date.
EARLIEST = pd.Timestamp("1900-01-01")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # the 1900 date system, after Excel's leap-year bug
_ID_MONTHS = {
    "januari": "January",
    "februari": "February",
    "pebruari": "February",
    "maret": "March",
    "mei": "May",
    "juni": "June",
    "juli": "July",
    "agustus": "August",
    "oktober": "October",
    "nopember": "November",
    "desember": "December",
    "agu": "Aug",
    "agt": "Aug",
    "okt": "Oct",
    "des": "Dec",
    "nop": "Nov",
}
_ID_MONTH_RE = re.compile(
    r"\b(" + "|".join(sorted(_ID_MONTHS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_ISO_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_WORD_FORMATS = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y", "%b %d, %Y")
_OTHER_FORMATS = ("%Y/%m/%d", "%Y.%m.%d")


def parse_dates(
    values: pd.Series,
    date_format: str | None = None,
    *,
    source: str = "dates",
    first_row: int = 1,
) -> pd.Series:
    """Parse date text (rules in the module docstring); unparsable values become ``NaT``.

    Parameters
    ----------
    values : pandas.Series of str
        The raw dates.
    date_format : str, optional
        One ``strftime`` format for every value instead of the rules.
    source : str
        The file, for messages.
    first_row : int, default 1
        Data-row number of the first value (messages name rows as the file numbers them).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` at midnight, ``NaT`` where unparsable; same index as ``values``.

    Raises
    ------
    kewaspadaan._errors.DataFileError
        Numeric dates whose day/month order the file does not settle.

    Examples
    --------
    >>> parse_dates(pd.Series(["2024-01-15", "15 January 2024", "3 Agustus 2023"])).tolist()
    [Timestamp('2024-01-15 00:00:00'), Timestamp('2024-01-15 00:00:00'), Timestamp('2023-08-03 00:00:00')]
    >>> parse_dates(pd.Series(["2024-01-15T23:30:00+08:00", "20240116", "45308"])).dt.day.tolist()
    [15, 16, 17]
    """
    text = values.astype("str").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if date_format:
        _fill(out, text, text != "", date_format)
        return _in_bounds(out)
    out = _iso_fast(text)  # plain ISO dates (ACLED's export) in one vectorised pass
    todo = (text != "") & out.isna()
    if todo.any():  # the other forms, on the few values left
        sub = text[todo]
        out.loc[sub.index] = _other_forms(sub, source, first_row, text.index)
    return _in_bounds(out)


def _other_forms(text: pd.Series, source: str, first_row: int, full: pd.Index) -> pd.Series:
    """Every form but plain ISO (rules in the module docstring), on the values left."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    stamp = text.str.match(_ISO_DATETIME)
    if stamp.any():
        _fill(out, text.where(~stamp, text.str.slice(0, 10)), stamp, "%Y-%m-%d")
    compact = out.isna() & text.str.fullmatch(r"\d{8}")
    _fill(out, text, compact, "%Y%m%d")
    serial = out.isna() & text.str.fullmatch(r"\d{5}(?:\.0+)?")
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        ok = days.between(20_000, 80_000)  # 1954 .. 2119
        out.loc[ok[ok].index] = _EXCEL_EPOCH + pd.to_timedelta(days[ok], unit="D")
    numeric = out.isna() & text.str.match(_NUMERIC)
    if numeric.any():
        _numeric_dates(out, text, numeric, source, first_row, full)
    words = out.isna() & text.str.contains(r"[A-Za-z]", regex=True)
    if words.any():
        english = text[words].str.replace(
            _ID_MONTH_RE, lambda m: _ID_MONTHS[m.group(1).lower()], regex=True
        )
        for fmt in _WORD_FORMATS:
            left = out.isna() & words
            if not left.any():
                break
            _fill(out, english.reindex(text.index, fill_value=""), left, fmt)
    for fmt in _OTHER_FORMATS:
        left = out.isna()
        if not left.any():
            break
        _fill(out, text, left, fmt)
    return out


def _iso_fast(text: pd.Series) -> pd.Series:
    """Plain ISO dates (``2024-01-15``) parsed in one vectorised pass (pyarrow); ``NaT`` for
    every other value, which the value-by-value rules then read."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.astype("str"), type=pa.string())
    plain = pc.and_(
        pc.equal(pc.utf8_length(arr), 10), pc.match_substring_regex(arr, r"^\d{4}-\d{2}-\d{2}$")
    )
    parsed = pc.strptime(
        pc.if_else(plain, arr, pa.scalar(None, pa.string())),
        format="%Y-%m-%d",
        unit="s",
        error_is_null=True,
    )
    # Arrow's parser rolls impossible days over (2024-02-31 -> 2024-03-02): a date counts only
    # if it writes back as the text it was read from
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), arr)
    parsed = pc.if_else(same, parsed, pa.scalar(None, pa.timestamp("s")))
    # years before 1678 do not fit nanoseconds: they are not event dates anyway
    early = pc.less(parsed, pa.scalar(EARLIEST.to_pydatetime(), pa.timestamp("s")))
    parsed = pc.if_else(early, pa.scalar(None, pa.timestamp("s")), parsed)
    values = parsed.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    return pd.Series(values, index=text.index, dtype="datetime64[ns]")


def _fill(out: pd.Series, text: pd.Series, mask: pd.Series, fmt: str) -> None:
    if not mask.any():
        return
    parsed = pd.to_datetime(text[mask], format=fmt, errors="coerce")
    parsed = parsed.where(parsed.isna() | (parsed >= EARLIEST))  # 0001-01-01: not a date
    out.loc[mask] = parsed.dt.tz_localize(None) if parsed.dt.tz is not None else parsed


def _in_bounds(out: pd.Series) -> pd.Series:
    out = out.where(out.isna() | (out >= EARLIEST))
    return out.dt.normalize()


def _numeric_dates(
    out: pd.Series,
    text: pd.Series,
    mask: pd.Series,
    source: str,
    first_row: int,
    full: pd.Index | None = None,
) -> None:
    """``d/m/y`` or ``m/d/y``, decided once for the file (see the module docstring)."""
    parts = text[mask].str.extract(_NUMERIC)
    a = parts[0].astype(int)
    b = parts[2].astype(int)
    day_first = a > 12
    month_first = b > 12
    if day_first.any() and month_first.any():
        i, j = day_first[day_first].index[0], month_first[month_first].index[0]
        raise DataFileError(
            f"{source}: the numeric dates mix two orders: {text[i]!r} (row {_row(full, i) + first_row - 1}) is "
            f"day/month but {text[j]!r} (row {_row(full, j) + first_row - 1}) is month/day. Fix them in the "
            "file, or pass date_format= (--date-format) for the order of most rows."
        )
    if not day_first.any() and not month_first.any():
        unclear = a != b
        if unclear.any():
            i = unclear[unclear].index[0]
            raise DataFileError(
                f"{source}: dates like {text[i]!r} (row {_row(full, i) + first_row - 1}) could be day/month or "
                "month/day, and no date in the file tells which. kewaspadaan does not guess: "
                "pass date_format='%d/%m/%Y' (day first, as written in Indonesia) or "
                "'%m/%d/%Y' (month first) — in a project file date_format = \"...\", on the "
                "command line --date-format."
            )
    order = "%m{sep}%d{sep}" if month_first.any() else "%d{sep}%m{sep}"
    for sep in sorted(set(parts[1])):
        for year in ("%Y", "%y"):
            sel = mask & text.str.match(_NUMERIC) & (text.str.extract(_NUMERIC)[1] == sep)
            digits = 4 if year == "%Y" else 2
            sel &= text.str.extract(_NUMERIC)[3].str.len() == digits
            _fill(out, text, sel, order.format(sep=sep) + year)


def _row(index: pd.Index | None, label: object) -> int:
    """1-based position of ``label`` in ``index`` (the data row)."""
    if index is None:
        return 0
    return int(np.flatnonzero(index == label)[0]) + 1
