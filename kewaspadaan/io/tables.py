"""Tables as users hold them — CSV (any common encoding and separator), XLSX, XLS, ODS — read
as text, so that every loader validates values itself and names the row at fault.

:func:`read_table` is the one reader of tabular files in kewaspadaan (incidents, field reports,
TPS and population tables, airports, fleet). It

1. decodes CSV text: a byte-order mark wins (UTF-8, UTF-16 LE/BE); else UTF-16 without a mark
   is recognised by its NUL bytes; else UTF-8, and a file that is not UTF-8 is an error that
   names the byte, the line and the fix (``encoding=``);
2. picks the separator from the header line (``,`` ``;`` tab ``|``);
3. reads spreadsheets natively with ``python-calamine`` (XLSX/XLSM/XLS/ODS), refusing to guess
   when a workbook holds data on several sheets (``sheet=``); spreadsheet dates become ISO text,
   whole numbers lose their ``.0``;
4. drops an HXL hashtag row (``#date+start,#geo+lat,...``, as in HDX exports) right under the
   header and records it in ``attrs["hxl_row"]``;
5. returns a DataFrame of ``str`` (empty cells ``""``), with ``attrs``: ``source``, ``encoding``
   or ``sheet``, and ``first_row`` — the 1-based data-row number of the first row returned (2
   when an HXL row was dropped), so messages point at the row the user sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kewaspadaan._errors import DataFileError, EmptyDataError
from kewaspadaan.io._common import check_file

__all__ = ["SPREADSHEET_SUFFIXES", "TABLE_SUFFIXES", "decode_text", "read_header", "read_table"]

logger = logging.getLogger(__name__)

#: File suffixes read as spreadsheets.
SPREADSHEET_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".ods")
#: Every suffix :func:`read_table` accepts.
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", *SPREADSHEET_SUFFIXES)
_SEPARATORS = (",", ";", "\t", "|")


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    what: str = "table",
    usecols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or spreadsheet as a table of text (see the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm``/``.xls``/``.ods``.
    sheet : str or int, optional
        Sheet of a workbook (name or 0-based position). Required when several sheets hold data.
    encoding : str, optional
        Text encoding of a CSV (default: detected; see the module docstring).
    what : str, default "table"
        What the file is, for messages ("incident file", "TPS table", ...).
    usecols : sequence of str, optional
        Only these columns (header names as in the file, see :func:`read_header`); the others
        are not parsed (an ACLED export has 31 columns, the engine uses 12).

    Returns
    -------
    pandas.DataFrame
        Every column ``str``; header names stripped.

    Raises
    ------
    FileNotFoundError, kewaspadaan._errors.EmptyDataError, kewaspadaan._errors.DataFileError
        Missing, empty, undecodable or malformed file; ambiguous workbook.
    """
    p = check_file(path, what)
    if p.suffix.lower() in SPREADSHEET_SUFFIXES:
        df = _read_spreadsheet(p, sheet, what)
        df.columns = [str(c).strip() for c in df.columns]
        if usecols is not None:
            df = df[[c for c in df.columns if c in set(usecols)]]
    else:
        df = _read_csv_fast(p, encoding, usecols)
        if df is None:  # anything unusual: the careful reader, which names the problem
            df = _read_csv(p, encoding, what)
            df.columns = [str(c).strip() for c in df.columns]
            if usecols is not None:
                df = df[[c for c in df.columns if c in set(usecols)]]
    df = _drop_hxl_row(df, p)
    df.attrs["source"] = str(p)
    return df


def read_header(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    what: str = "table",
) -> list[str]:
    """The column names of a table, without reading its rows (CSV: the first line)."""
    p = check_file(path, what)
    if p.suffix.lower() in SPREADSHEET_SUFFIXES:
        return list(read_table(p, sheet=sheet, what=what).columns)
    with p.open("rb") as fh:
        head = fh.read(1 << 16)
    text, _ = decode_text(head, p, encoding, partial=True)
    if not text.strip():
        raise EmptyDataError(f"{p}: the file holds only whitespace; no header, no data.")
    first = text.lstrip("\ufeff").splitlines()[0]
    sep = "\t" if p.suffix.lower() == ".tsv" else max(_SEPARATORS, key=first.count)
    row = next(csv.reader([first], delimiter=sep))
    return [str(c).strip() for c in row]


def _read_csv_fast(
    path: Path, encoding: str | None, usecols: Sequence[str] | None
) -> pd.DataFrame | None:
    """A well-formed UTF-8 CSV with pyarrow (every column as text); ``None`` when the file needs
    the careful reader (another encoding, a quote over a line break, ragged rows, ...)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if encoding not in (None, "utf-8", "utf-8-sig", "utf8"):
        return None
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00"):
        return None
    start = head.lstrip(b"\xef\xbb\xbf")
    first = start.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    sep = "\t" if path.suffix.lower() == ".tsv" else max(_SEPARATORS, key=first.count)
    names = [str(c).strip() for c in next(csv.reader([first.rstrip("\r")], delimiter=sep))]
    if len(set(names)) != len(names) or "" in names:
        return None
    wanted = names if usecols is None else [c for c in names if c in set(usecols)]
    raw = [c for c in next(csv.reader([first.rstrip("\r")], delimiter=sep))]
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=raw, skip_rows=1, encoding="utf8"),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in raw},
                include_columns=[raw[names.index(c)] for c in wanted],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
        return None
    if table.num_rows == 0:
        return None  # the careful reader says "header but no data rows"
    # one row per line, or a field spans lines (a quoted note, or an unbalanced quote that
    # swallows rows): the careful reader then checks which
    data = path.read_bytes()
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if table.num_rows + 1 != lines:
        return None
    df = table.to_pandas()
    df.columns = wanted
    df.attrs["encoding"] = "utf-8"
    df.attrs["separator"] = sep
    df.attrs["first_row"] = 1
    return df


def decode_text(
    data: bytes, path: Path, encoding: str | None, *, partial: bool = False
) -> tuple[str, str]:
    """Decode a text file; return ``(text, encoding used)`` (see the module docstring).

    ``partial``: ``data`` is the head of the file; a character cut at its end is ignored."""
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataFileError(f"{path}: cannot decode with encoding={encoding!r}: {exc}") from exc
    for bom, name in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name), name
    head = data[:4096]
    if head and head.count(b"\x00") > len(head) // 4:
        name = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 4:
            return data[: exc.start].decode("utf-8"), "utf-8"
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1]
        raise DataFileError(
            f"{path}: not UTF-8 text: byte {bad!r} at offset {exc.start} (line {line}) cannot "
            "be decoded. The file was probably saved by Excel in a Windows code page; pass "
            "encoding='cp1252' (or encoding='latin-1'), or save it as 'CSV UTF-8' — or give "
            "the .xlsx itself, which is read directly."
        ) from exc


def _read_csv(path: Path, encoding: str | None, what: str) -> pd.DataFrame:
    text, used = decode_text(path.read_bytes(), path, encoding)
    if not text.strip():
        raise EmptyDataError(f"{path}: the file holds only whitespace; no header, no data.")
    first = text.lstrip("\ufeff").splitlines()[0]
    sep = "\t" if path.suffix.lower() == ".tsv" else max(_SEPARATORS, key=first.count)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            df = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=True,
                index_col=False,  # a separator at the end of every line does not shift columns
            )
    except pd.errors.ParserError as exc:
        raise DataFileError(
            f"{path}: not a well-formed CSV ({exc}). {_quote_hint(text, sep)}Quote fields "
            f"that contain the separator {sep!r}, or re-export the file."
        ) from exc
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        _check_extra_fields(text, sep, len(df.columns), path)
    _check_swallowed_lines(df, text, sep, path)
    if len(df) == 0:
        raise EmptyDataError(
            f"{path}: the file has a header ({', '.join(map(str, df.columns))}) but no data rows."
        )
    df.attrs["encoding"] = used
    df.attrs["separator"] = sep
    df.attrs["first_row"] = 1
    return df.fillna("")


def _check_extra_fields(text: str, sep: str, width: int, path: Path) -> None:
    """Rows with more fields than the header: fine when the extra ones are empty (a separator
    at the end of each line), an error naming the rows otherwise (values would be lost)."""
    bad = []
    for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=0):
        if n and len(row) > width and any(v.strip() for v in row[width:]):
            bad.append(n)
    if bad:
        raise DataFileError(
            f"{path}: data row(s) {', '.join(map(str, bad[:10]))} have more values than the "
            f"header has columns ({width}); the extra values would be lost. Add the missing "
            "column name(s) to the header, or quote values that contain the separator."
        )
    logger.info("%s: a separator ends each line; the empty last field is ignored", path)


def _check_swallowed_lines(df: pd.DataFrame, text: str, sep: str, path: Path) -> None:
    """An unbalanced quote makes one field swallow the lines after it: refuse such a file.

    A field may hold a line break (a quoted multi-line note); it may not hold what looks like
    whole rows — a line with as many separators as the header.
    """
    need = max(len(df.columns) - 1, 1)
    for col in df.columns:
        cells = df[col]
        multi = cells.str.contains("\n", regex=False)
        if not multi.any():
            continue
        for pos in np.flatnonzero(multi.to_numpy()):
            lines = str(cells.iloc[pos]).split("\n")[1:]
            rows_inside = [ln for ln in lines if ln.count(sep) >= need]
            if rows_inside:
                raise DataFileError(
                    f'{path}: data row {pos + 1}, column {col!r}: a quote (") opens a field that '
                    f"only closes {len(lines)} line(s) later, swallowing {len(rows_inside)} "
                    f"row(s) (e.g. {rows_inside[0][:60]!r}). {_quote_hint(text, sep)}Close the "
                    "quote in the file, or re-export it."
                )


def _quote_hint(text: str, sep: str) -> str:
    """``"line N has an odd number of quotes. "`` for the first such line, else ``""``."""
    for n, line in enumerate(text.splitlines(), start=1):
        if line.count('"') % 2:
            return f"Line {n} has an unbalanced quote. "
    return ""


def _read_spreadsheet(path: Path, sheet: str | int | None, what: str) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise DataFileError(
            f"{path}: cannot read it as a spreadsheet ({exc}). Save it again as .xlsx or "
            "export it as CSV UTF-8."
        ) from exc
    names = list(book.sheet_names)
    if sheet is None:
        filled = [
            n for n in names if len(book.get_sheet_by_name(n).to_python(skip_empty_area=True)) > 1
        ]
        if len(filled) > 1:
            raise DataFileError(
                f"{path}: the workbook has data on {len(filled)} sheets ({', '.join(filled)}); "
                "kewaspadaan does not guess which one holds the "
                f"{what}. Name it: sheet = {filled[0]!r} in the project file (or sheet=)."
            )
        chosen = filled[0] if filled else names[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise DataFileError(
                f"{path}: sheet {sheet} requested; the workbook has sheets "
                f"{names} (0-based positions 0..{len(names) - 1})."
            )
        chosen = names[sheet]
    else:
        if sheet not in names:
            raise DataFileError(f"{path}: no sheet {sheet!r}; the workbook has sheets {names}.")
        chosen = sheet
    rows = book.get_sheet_by_name(chosen).to_python(skip_empty_area=True)
    rows = [r for r in rows if any(_cell_text(v) != "" for v in r)]
    if not rows:
        raise EmptyDataError(f"{path}: sheet {chosen!r} is empty.")
    header = [_cell_text(v) for v in rows[0]]
    if len(rows) == 1:
        raise EmptyDataError(
            f"{path}: sheet {chosen!r} has a header ({', '.join(h for h in header if h)}) but no "
            "data rows."
        )
    width = len(header)
    body = [[_cell_text(v) for v in r[:width]] + [""] * (width - len(r)) for r in rows[1:]]
    df = pd.DataFrame(body, columns=_unique(header), dtype=str)
    df.attrs["sheet"] = chosen
    df.attrs["first_row"] = 1
    return df


def _cell_text(value: Any) -> str:
    """Text of a spreadsheet cell: ISO dates, whole numbers without ``.0``, "" for empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return ""
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    return str(value).strip()


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n or f"kolom_{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


def _drop_hxl_row(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Drop an HXL hashtag row (all filled cells start with ``#``) right under the header."""
    if len(df) == 0:
        return df
    first = [str(v).strip() for v in df.iloc[0].tolist()]
    filled = [v for v in first if v]
    if filled and all(v.startswith("#") for v in filled):
        attrs = dict(df.attrs)
        out = df.iloc[1:].reset_index(drop=True)
        out.attrs.update(attrs)
        out.attrs["hxl_row"] = ",".join(first)
        out.attrs["first_row"] = int(attrs.get("first_row", 1)) + 1
        logger.info(
            "%s: row 1 under the header is an HXL hashtag row (%s...); read as a second "
            "header, not as data",
            path,
            ",".join(filled[:3]),
        )
        if len(out) == 0:
            raise EmptyDataError(f"{path}: the file has a header and an HXL row but no data rows.")
        return out
    return df
