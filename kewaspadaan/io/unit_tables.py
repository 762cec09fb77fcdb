"""Tables of numbers per administrative unit — TPS counts (KPU), population (BPS, Kemendagri) —
matched to the boundary layers by code, else by name, with every row accounted for.

:func:`read_unit_table` reads a CSV/XLSX, finds the code, name and value columns, and matches
each row to a unit of the boundaries:

1. by Kemendagri code (dots optional, ``6401012009`` → ``64.01.01.2009``), also from a KPU code
   column (``kode_kpu``) whose digits give a Kemendagri code;
2. else by normalised name within the kabupaten named in the row (or anywhere when that name is
   unknown) — :class:`kewaspadaan.io.places.Gazetteer`. BPS codes (``DISTRICT_CODE``) are not
   Kemendagri codes, even at kabupaten level (BPS 6402 is Kutai Barat, Kemendagri 64.02 Kutai
   Kartanegara), so they are never used to match;
3. rows at another level (the province total of a kabupaten table), rows that match no unit and
   units with no row are listed in :attr:`UnitValues.report`, never dropped silently.

:func:`read_tps` and :func:`read_population` are the two uses the engine has.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.io._common import find_column, format_rows, missing_columns_error
from kewaspadaan.io.boundaries import CODE_DIGITS
from kewaspadaan.io.places import Gazetteer
from kewaspadaan.io.tables import read_table

__all__ = [
    "POPULATION_ALIASES",
    "TPS_ALIASES",
    "UnitValues",
    "read_population",
    "read_tps",
    "read_unit_table",
]

logger = logging.getLogger(__name__)

_CODE = (
    "kode",
    "kode_kemendagri",
    "kode_wilayah",
    "kode_desa",
    "kode_kec",
    "kode_kab",
    "kd_desa",
    "kd_kec",
    "kd_kab",
    "kode_kel",
)
_KPU_CODE = ("kode_kpu", "kd_kpu", "kode_wilayah_kpu")
_BPS_CODE = ("kode_bps", "district_code", "kode_bps_kec", "bps_code", "kdkec_bps")
_NAME = (
    "nama",
    "nama_desa",
    "nama_kelurahan",
    "nama_kec",
    "nama_kecamatan",
    "nama_kab",
    "district",
    "desa",
    "kelurahan",
    "kecamatan",
    "wilayah",
    "name",
)
_KAB_NAME = ("nama_kab", "kabupaten", "kab_kota", "regency", "region", "nama_kabupaten")
#: Accepted TPS count columns.
TPS_ALIASES: tuple[str, ...] = ("jumlah_tps", "tps", "jml_tps", "total_tps", "n_tps")
#: Accepted population columns.
POPULATION_ALIASES: tuple[str, ...] = (
    "penduduk",
    "jumlah_penduduk",
    "total",
    "total_population",
    "jml_penduduk",
    "populasi",
    "population",
)
_LEVEL_DIGITS = {level: sum(d) for level, d in CODE_DIGITS.items()}


@dataclass
class UnitValues:
    """Values per unit code, and the accounting of the table's rows.

    Attributes
    ----------
    values : pandas.Series
        Value per unit code (index ``kode``); units without a row are absent.
    report : dict
        ``n_rows``, ``matched`` (by rule: ``kode``, ``kode_kpu``, ``nama``), ``other_level``,
        ``unmatched`` (rows: ``"row N (name/code): reason"``), ``units_without_value``.
    column : str
        The value column used; ``mapping`` gives ``{schema: file column}``.
    """

    values: pd.Series
    report: dict[str, object] = field(default_factory=dict)
    column: str = ""
    mapping: dict[str, str] = field(default_factory=dict)


def _digits(value: object) -> str:
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    return re.sub(r"[.\s\-/]", "", text)


def _dotted(digits: str, level: str) -> str | None:
    groups = CODE_DIGITS[level]
    if len(digits) != sum(groups) or not digits.isdigit():
        return None
    parts, start = [], 0
    for g in groups:
        parts.append(digits[start : start + g])
        start += g
    return ".".join(parts)


def read_unit_table(
    path: str | Path,
    units: gpd.GeoDataFrame | pd.DataFrame,
    *,
    level: str,
    value_aliases: tuple[str, ...],
    value: str | None = None,
    columns: dict[str, str] | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    kabupaten: pd.DataFrame | None = None,
    what: str = "table",
) -> UnitValues:
    """Match a table of values to units (rules in the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        CSV/XLSX/ODS.
    units : DataFrame
        Units of ``level`` with ``kode``, ``nama`` (and ``kode_kab``).
    level : {"desa", "kecamatan", "kabupaten"}
        Level of ``units``.
    value_aliases : tuple of str
        Accepted names of the value column.
    value : str, optional
        The value column, explicitly.
    columns : dict, optional
        ``{schema: file column}`` for ``kode``, ``kode_kpu``, ``nama``, ``nama_kab``, ``nilai``.
    sheet, encoding : optional
        As :func:`kewaspadaan.io.tables.read_table`.
    kabupaten : DataFrame, optional
        Kabupaten units (``kode``, ``nama``) to scope name matching by a kabupaten name column.
    what : str
        For messages.

    Returns
    -------
    UnitValues
    """
    table = read_table(path, sheet=sheet, encoding=encoding, what=what)
    first = int(table.attrs.get("first_row", 1))
    cols = list(table.columns)
    explicit = dict(columns or {})
    for k, v in explicit.items():
        if v not in cols:
            raise missing_columns_error(
                path,
                {k: (v,)},
                cols,
                hint=f"columns.{k} names a column "
                "the file lacks; fix the mapping in the project file.",
            )
    pick = {
        "kode": explicit.get("kode") or find_column(cols, _CODE),
        "kode_kpu": explicit.get("kode_kpu") or find_column(cols, _KPU_CODE),
        "kode_bps": explicit.get("kode_bps") or find_column(cols, _BPS_CODE),
        "nama": explicit.get("nama") or find_column(cols, _NAME),
        "nama_kab": explicit.get("nama_kab") or find_column(cols, _KAB_NAME),
        "nilai": value or explicit.get("nilai") or find_column(cols, value_aliases),
    }
    if pick["nilai"] is None:
        raise missing_columns_error(
            path,
            {"nilai": value_aliases},
            cols,
            hint='Name the value column: columns = {nilai = "..."}.',
        )
    if not any(pick[k] for k in ("kode", "kode_kpu", "kode_bps", "nama")):
        raise MissingColumnError(
            f"{path}: no code or name column to match rows to {level} "
            f"(accepted: {', '.join(_CODE + _KPU_CODE + _NAME)}); the file "
            f"has {', '.join(cols)}."
        )
    nums = pd.to_numeric(
        table[pick["nilai"]].str.replace(",", "", regex=False).str.strip(), errors="coerce"
    )
    bad = [
        f"row {first + i}: {table[pick['nilai']].iloc[i]!r}"
        for i in np.flatnonzero(nums.isna())
        if table[pick["nilai"]].iloc[i].strip() != ""
    ]
    neg = [f"row {first + i}" for i in np.flatnonzero((nums < 0).to_numpy())]
    if bad or neg:
        raise ValidationError(
            str(path),
            [f"column {pick['nilai']!r}: not a number: {format_rows(bad)}"] * bool(bad)
            + [f"column {pick['nilai']!r}: negative: {format_rows(neg)}"] * bool(neg),
        )
    codes = set(units["kode"].astype(str))
    width = _LEVEL_DIGITS[level]
    gaz = Gazetteer({level: pd.DataFrame(units)}, min_score=88)
    kab_gaz = Gazetteer({"kabupaten": kabupaten}) if kabupaten is not None else None
    matched: dict[str, int] = {"kode": 0, "kode_kpu": 0, "nama": 0}
    other, unmatched = 0, []
    out: dict[str, float] = {}
    for i in range(len(table)):
        if pd.isna(nums.iloc[i]):
            continue
        code, rule, why = _match_row(table.iloc[i], pick, level, width, codes, gaz, kab_gaz)
        if code is None:
            if why == "level":
                other += 1
            else:
                unmatched.append(f"row {first + i}: {why}")
            continue
        if code in out:
            unmatched.append(
                f"row {first + i}: {code} already given by an earlier row (kept the first)"
            )
            continue
        out[code] = float(nums.iloc[i])
        matched[rule] += 1
    values = pd.Series(out, name=pick["nilai"], dtype="float64")
    values.index.name = "kode"
    without = sorted(codes - set(values.index))
    report = {
        "n_rows": len(table),
        "matched": matched,
        "other_level": other,
        "unmatched": unmatched,
        "units_without_value": without,
    }
    if unmatched or without:
        logger.warning(
            "%s: %d row(s) matched no %s (%s); %d %s have no value (%s)",
            path,
            len(unmatched),
            level,
            format_rows(unmatched, 3),
            len(without),
            level,
            format_rows(without, 5),
        )
    mapping = {k: v for k, v in pick.items() if v}
    return UnitValues(values.sort_index(), report, pick["nilai"], mapping)


def _match_row(
    row: pd.Series,
    pick: dict[str, str | None],
    level: str,
    width: int,
    codes: set[str],
    gaz: Gazetteer,
    kab_gaz: Gazetteer | None,
) -> tuple[str | None, str, str]:
    for key in ("kode", "kode_kpu"):
        col = pick[key]
        if not col or not str(row[col]).strip():
            continue
        d = _digits(row[col])
        if level == "kecamatan" and len(d) == 7 and d.endswith("0") and key == "kode":
            d = d[:6]
        if len(d) != width:
            if key == "kode" and d.isdigit() and len(d) in _LEVEL_DIGITS.values():
                return None, key, "level"
            continue
        code = _dotted(d, level)
        if code in codes:
            return code, key, ""
    name_col = pick["nama"]
    if not name_col or not str(row[name_col]).strip():
        ref = row[pick["kode"]] if pick["kode"] else ""
        return None, "nama", f"code {ref!r} is not a {level} of the boundaries and no name given"
    kab: list[str] | None = None
    if pick["nama_kab"] and kab_gaz is not None and str(row[pick["nama_kab"]]).strip():
        name = str(row[pick["nama_kab"]])
        kab = kab_gaz.kabupaten_codes(name) or None
        if kab is None:
            km = kab_gaz.resolve(name, "kabupaten")
            kab = [km.code] if km.code else None  # unknown kabupaten name: search every unit
    elif pick["kode"] and len(_digits(row[pick["kode"]])) >= 4 and not pick["kode_bps"]:
        d = _digits(row[pick["kode"]])
        kab = [f"{d[:2]}.{d[2:4]}"]
    m = gaz.resolve(str(row[name_col]), level, kode_kab=kab)
    if m.code is None and kab:  # re-districted since the table was made (Mahakam Ulu, 2013)
        wide = gaz.resolve(str(row[name_col]), level)
        m = wide if wide.code is not None else m
    if m.code is None:
        return None, "nama", m.reason
    return m.code, "nama", ""


def read_tps(
    path: str | Path,
    units: gpd.GeoDataFrame | pd.DataFrame,
    *,
    level: str = "desa",
    **kwargs: Any,
) -> UnitValues:
    """TPS per unit from a KPU table (``jumlah_tps``/``tps``; Kemendagri or KPU codes)."""
    out = read_unit_table(
        path, units, level=level, value_aliases=TPS_ALIASES, what="TPS table", **kwargs
    )
    out.values = out.values.round().astype("int64").rename("tps")
    return out


def read_population(
    path: str | Path,
    units: gpd.GeoDataFrame | pd.DataFrame,
    *,
    level: str = "kecamatan",
    **kwargs: Any,
) -> UnitValues:
    """Population per unit (``penduduk``/``total``/``TOTAL_POPULATION``; codes or names)."""
    out = read_unit_table(
        path,
        units,
        level=level,
        value_aliases=POPULATION_ALIASES,
        what="population table",
        **kwargs,
    )
    out.values = out.values.rename("penduduk")
    return out
