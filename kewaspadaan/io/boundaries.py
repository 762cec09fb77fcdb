"""Administrative boundaries (Kemendagri kecamatan / desa / kabupaten) → the normalised schema.

:func:`load_boundaries` reads GeoJSON, GeoPackage and Shapefile (also zipped), maps the column
names found in Indonesian data (Kemendagri, BIG/RBI ``KDCPUM``/``WADMKC``/``NAMOBJ``, BPS-style
``kd_kec``) to :data:`kewaspadaan.schema.BOUNDARY_COLUMNS` / :data:`~kewaspadaan.schema.DESA_COLUMNS`,
normalises codes to the dotted Kemendagri form and validates everything, reporting all problems
at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from kewaspadaan._errors import GeometryError, ValidationError
from kewaspadaan.io._common import (
    apply_crs,
    format_rows,
    missing_columns_error,
    read_vector,
    rename_columns,
)
from kewaspadaan.schema import BOUNDARY_COLUMNS, DESA_COLUMNS

__all__ = ["BOUNDARY_ALIASES", "CODE_DIGITS", "load_boundaries", "normalise_code"]

logger = logging.getLogger(__name__)

Level = Literal["kecamatan", "desa", "kabupaten"]

#: Digits of a Kemendagri code by level, and how they are grouped with dots.
CODE_DIGITS: dict[str, tuple[int, ...]] = {
    "provinsi": (2,),
    "kabupaten": (2, 2),
    "kecamatan": (2, 2, 2),
    "desa": (2, 2, 2, 4),
}

_KODE_KAB = ("kode_kab", "kd_kab", "kdpkab", "kdkab", "kode_kabupaten", "kode_kabkota", "kab_kode")
_NAMA_KAB = (
    "nama_kab",
    "wadmkk",
    "nm_kab",
    "nmkab",
    "nama_kabupaten",
    "nama_kabkota",
    "kabupaten",
    "kabkota",
    "kab_kota",
)
_KODE_KEC = ("kode_kec", "kd_kec", "kdcpum", "kdkec", "kode_kecamatan", "kec_kode")
_NAMA_KEC = ("nama_kec", "wadmkc", "nm_kec", "nmkec", "nama_kecamatan", "kecamatan")

#: Accepted column names per level and schema column (case-insensitive, first match wins).
BOUNDARY_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "kecamatan": {
        "kode": ("kode_kemendagri", *_KODE_KEC, "kode_wilayah"),
        "nama": ("nama_kemendagri", *_NAMA_KEC, "namobj", "name"),
        "kode_kab": _KODE_KAB,
        "nama_kab": _NAMA_KAB,
    },
    "desa": {
        "kode": (
            "kode_kemendagri",
            "kode_desa",
            "kd_desa",
            "kdepum",
            "kddesa",
            "kode_kel",
            "kode_desa_kel",
            "kode_wilayah",
        ),
        "nama": (
            "nama_kemendagri",
            "nama_desa",
            "wadmkd",
            "nm_desa",
            "nmdesa",
            "namobj",
            "desa",
            "kelurahan",
            "desa_kel",
            "name",
        ),
        "kode_kec": _KODE_KEC,
        "nama_kec": _NAMA_KEC,
        "kode_kab": _KODE_KAB,
        "nama_kab": _NAMA_KAB,
    },
    "kabupaten": {
        "kode": ("kode_kemendagri", *_KODE_KAB, "kode_wilayah"),
        "nama": ("nama_kemendagri", *_NAMA_KAB, "namobj", "name"),
    },
}

#: Codes derived from the object's own code when the file lacks them.
_DERIVED_CODES = {"kode_kab": "kabupaten", "kode_kec": "kecamatan"}


def normalise_code(value: Any, level: str) -> str:
    """Return a Kemendagri code in dotted form, or raise ``ValueError`` saying why.

    Dots, spaces and dashes are ignored; the digits must number exactly as the level needs
    (kabupaten 4, kecamatan 6, desa 10). A 7-digit kecamatan code is read as the BPS-style
    ``PP KK KK0`` (3-digit kecamatan part ending in 0): ``6401010`` → ``64.01.01``.

    Parameters
    ----------
    value : str or int
        The code as found in the file.
    level : {"provinsi", "kabupaten", "kecamatan", "desa"}
        Administrative level.

    Examples
    --------
    >>> normalise_code("6401010", "kecamatan")
    '64.01.01'
    >>> normalise_code(6401012009, "desa")
    '64.01.01.2009'
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        raise ValueError("code is empty")
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    digits = re.sub(r"[.\s\-/]", "", text)
    if not digits:
        raise ValueError("code is empty")
    if not digits.isdigit():
        raise ValueError(f"code {text!r} contains characters other than digits and dots")
    groups = CODE_DIGITS[level]
    need = sum(groups)
    if level == "kecamatan" and len(digits) == 7 and digits.endswith("0"):
        digits = digits[:6]
    if len(digits) != need:
        dotted = ".".join("9" * g for g in groups)
        raise ValueError(
            f"code {text!r} has {len(digits)} digits; a {level} code has {need} ({dotted})"
        )
    parts, start = [], 0
    for g in groups:
        parts.append(digits[start : start + g])
        start += g
    return ".".join(parts)


def load_boundaries(
    path: str | Path,
    *,
    level: Level = "kecamatan",
    layer: str | int | None = None,
    crs: str | CRS | None = None,
    columns: Mapping[str, str] | None = None,
    repair: bool = True,
) -> gpd.GeoDataFrame:
    """Read administrative boundaries and normalise them to the kewaspadaan schema.

    Parameters
    ----------
    path : str or pathlib.Path
        GeoJSON, GeoPackage, Shapefile (``.shp``) or zipped Shapefile (``.zip``).
    level : {"kecamatan", "desa", "kabupaten"}
        Administrative level of the polygons.
    layer : str or int, optional
        Layer of a multi-layer file (GeoPackage).
    crs : str or pyproj.CRS, optional
        CRS of a file that has none (e.g. a Shapefile without ``.prj``). Never overrides a
        different CRS found in the file: that raises :class:`~kewaspadaan._errors.CRSError`.
    columns : mapping, optional
        Explicit ``{file_column: schema_column}`` mapping, winning over the known names.
    repair : bool, default True
        Repair invalid polygons with :func:`shapely.make_valid` (keeping the polygonal parts);
        each repair is logged as a warning and marked in the ``repaired`` column. With
        ``False`` invalid polygons are an error.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of :data:`~kewaspadaan.schema.BOUNDARY_COLUMNS` (kecamatan, kabupaten — where
        ``kode_kab``/``nama_kab`` repeat ``kode``/``nama``) or
        :data:`~kewaspadaan.schema.DESA_COLUMNS` (desa), then the file's other columns, then
        ``repaired``; CRS as in the file; RangeIndex; ``attrs["source"]`` and ``attrs["level"]``.

    Raises
    ------
    FileNotFoundError, kewaspadaan._errors.EmptyDataError, kewaspadaan._errors.DataFileError
        The file is missing, empty or unreadable.
    kewaspadaan._errors.MissingColumnError
        A required column was not found (every missing column is listed).
    kewaspadaan._errors.CRSError
        No CRS (and none given), or ``crs=`` contradicts the file.
    kewaspadaan._errors.ValidationError
        Row-level problems (codes, duplicates, geometry), all listed at once; rows are 1-based
        feature numbers.
    """
    if level not in BOUNDARY_ALIASES:
        raise ValueError(f"level must be one of {sorted(BOUNDARY_ALIASES)}, not {level!r}")
    source = str(path)
    raw = read_vector(path, layer=layer, what=f"{level} boundary file")
    raw = apply_crs(raw, crs, source)
    gdf, mapping = _map_columns(raw, level, columns, source)
    problems: list[str] = []
    gdf = _normalise_codes(gdf, level, problems)
    if level == "kabupaten":
        gdf["kode_kab"] = gdf["kode"]
        gdf["nama_kab"] = gdf["nama"]
    gdf, repaired = _check_geometry(gdf, repair, problems)
    _check_names(gdf, level, problems)
    if problems:
        raise ValidationError(source, problems)
    if repaired:
        logger.warning(
            "%s: repaired %d polygon(s) (make_valid, or the polygonal parts of a "
            "GeometryCollection): kode %s",
            source,
            len(repaired),
            format_rows(repaired),
        )
    ordered = [
        c for c in (DESA_COLUMNS if level == "desa" else BOUNDARY_COLUMNS) if c != "geometry"
    ]
    extra = [c for c in gdf.columns if c not in ordered and c not in ("geometry", "repaired")]
    out = gdf[[*ordered, *extra, "repaired", "geometry"]].reset_index(drop=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=gdf.crs)
    out.attrs["source"] = source
    out.attrs["level"] = level
    out.attrs["columns"] = mapping
    out.attrs["repaired"] = list(repaired)
    logger.info("%s: %d %s boundaries loaded", source, len(out), level)
    return out


def _map_columns(
    raw: gpd.GeoDataFrame, level: str, columns: Mapping[str, str] | None, source: str
) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    aliases = BOUNDARY_ALIASES[level]
    names = [c for c in raw.columns if c != raw.geometry.name]
    mapping = rename_columns(names, aliases, columns, source)
    found = set(mapping.values())
    # parent codes come from the unit's own code; parent names from the parent layer (the derive
    # step of kewaspadaan.io.derive fills them when that layer is given)
    derivable = {"kode_kab", "kode_kec", "nama_kab", "nama_kec"} if level != "kabupaten" else set()
    missing = {t: aliases[t] for t in aliases if t not in found and t not in derivable}
    if missing:
        raise missing_columns_error(
            source,
            missing,
            names,
            hint="Rename the column(s) in the file, or map them explicitly, e.g. "
            f"load_boundaries(path, level={level!r}, columns={{'your_column': "
            f"{next(iter(missing))!r}}}).",
        )
    # keep unmapped columns; a file column that would collide with a schema name is renamed
    rename = dict(mapping)
    for col in names:
        if col not in rename and col in aliases:
            rename[col] = f"{col}_asli"
    gdf = raw.rename(columns=rename)
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    for name in ("nama_kab", "nama_kec"):
        if name in aliases and name not in found:
            gdf[name] = pd.Series(None, index=gdf.index, dtype="object")
            gdf.attrs.setdefault("absent_names", []).append(name)
            logger.info(
                "%s: no %s column; filled from the parent layer when it is given", source, name
            )
    return gdf, {schema: str(file_col) for file_col, schema in mapping.items()}


def _normalise_codes(gdf: gpd.GeoDataFrame, level: str, problems: list[str]) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    code_cols = {"kode": level}
    for col, col_level in _DERIVED_CODES.items():
        if col in gdf.columns and col in _schema_for(level) and col_level != level:
            code_cols[col] = col_level
    for col, col_level in code_cols.items():
        values: list[str | None] = []
        bad: list[str] = []
        for i, v in enumerate(gdf[col].tolist(), start=1):
            try:
                values.append(normalise_code(v, col_level))
            except ValueError as exc:
                values.append(None)
                bad.append(f"row {i}: {exc}")
        gdf[col] = pd.array(values, dtype="str")
        if bad:
            problems.append(
                f"column {col!r}: {len(bad)} invalid {col_level} code(s): "
                f"{format_rows(bad, 5)}. Give codes like "
                f"{'.'.join('9' * g for g in CODE_DIGITS[col_level])}."
            )
    for col, col_level in _DERIVED_CODES.items():
        if col in _schema_for(level) and col not in gdf.columns:
            n = sum(CODE_DIGITS[col_level]) + len(CODE_DIGITS[col_level]) - 1
            gdf[col] = gdf["kode"].str.slice(0, n)
    _check_prefixes(gdf, level, problems)
    dup = gdf["kode"].dropna()
    dup = dup[dup.duplicated(keep=False)]
    if len(dup):
        listed = [
            f"{k} (rows {', '.join(str(i + 1) for i in idx)})"
            for k, idx in dup.groupby(dup).groups.items()
        ]
        problems.append(
            f"column 'kode': {dup.nunique()} duplicated code(s): "
            f"{format_rows(listed, 5)}. Each {level} must appear once; merge the "
            "parts into one (Multi)Polygon (e.g. GeoDataFrame.dissolve('kode'))."
        )
    return gdf


def _schema_for(level: str) -> tuple[str, ...]:
    return DESA_COLUMNS if level == "desa" else BOUNDARY_COLUMNS


def _check_prefixes(gdf: gpd.GeoDataFrame, level: str, problems: list[str]) -> None:
    """A parent code given in the file must prefix the object's own code."""
    for col in ("kode_kab", "kode_kec"):
        if col not in gdf.columns or level == "kabupaten":
            continue
        ok = [
            (k is None or p is None or pd.isna(k) or pd.isna(p) or str(k).startswith(f"{p}."))
            for k, p in zip(gdf["kode"], gdf[col], strict=True)
        ]
        bad = [
            f"row {i + 1} ({gdf['kode'].iloc[i]} vs {gdf[col].iloc[i]})"
            for i, good in enumerate(ok)
            if not good
        ]
        if bad:
            problems.append(
                f"column {col!r}: {len(bad)} row(s) whose {col} does not prefix "
                f"their kode: {format_rows(bad, 5)}. Fix the codes in the file."
            )


def _check_geometry(
    gdf: gpd.GeoDataFrame, repair: bool, problems: list[str]
) -> tuple[gpd.GeoDataFrame, list[str]]:
    geom = np.asarray(gdf.geometry.values).copy()
    rows = np.arange(1, len(gdf) + 1)
    # a GeometryCollection (a polygon with stray lines or points, as some exports write it)
    # keeps its polygonal parts, and is reported as repaired
    collections = shapely.get_type_id(geom) == 7
    for i in np.flatnonzero(collections):
        geom[i] = _polygonal_part(geom[i]) or shapely.Polygon()
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    if missing.any():
        problems.append(
            f"geometry: {int(missing.sum())} row(s) with no or empty geometry: rows "
            f"{format_rows(list(rows[missing]))}. Draw them or remove the rows."
        )
    types = shapely.get_type_id(geom)
    polygonal = np.isin(types, (3, 6))  # Polygon, MultiPolygon
    wrong = ~polygonal & ~missing
    if wrong.any():
        names = ", ".join(sorted(set(gdf.geometry.geom_type[wrong])))
        problems.append(
            f"geometry: {int(wrong.sum())} row(s) are not polygons ({names}): rows "
            f"{format_rows(list(rows[wrong]))}. Boundaries must be Polygon or "
            "MultiPolygon."
        )
    invalid = polygonal & ~missing & ~shapely.is_valid(geom)
    gdf = gdf.copy()
    gdf["geometry"] = gpd.GeoSeries(geom, index=gdf.index, crs=gdf.crs)
    gdf["repaired"] = invalid | (collections & ~missing)
    if not invalid.any():
        codes = [str(k) for k in gdf.loc[gdf["repaired"].to_numpy(), "kode"]]
        return gdf, codes
    reasons = shapely.is_valid_reason(geom[invalid])
    if not repair:
        listed = [f"row {r} ({why})" for r, why in zip(rows[invalid], reasons, strict=True)]
        problems.append(
            f"geometry: {int(invalid.sum())} invalid polygon(s): "
            f"{format_rows(listed, 5)}. Use repair=True or fix them in a GIS."
        )
        return gdf, []
    fixed = [_polygonal_part(g) for g in shapely.make_valid(geom[invalid])]
    bad = [int(r) for r, g in zip(rows[invalid], fixed, strict=True) if g is None]
    if bad:
        raise GeometryError(
            f"geometry rows {format_rows(bad)} cannot be repaired into "
            "polygons (make_valid leaves no area). Redraw them."
        )
    new = geom.copy()
    new[invalid] = fixed
    gdf["geometry"] = gpd.GeoSeries(new, index=gdf.index, crs=gdf.crs)
    codes = [str(k) for k in gdf.loc[gdf["repaired"].to_numpy(), "kode"]]
    return gdf, codes


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry | None:
    """Polygonal part of a ``make_valid`` result (Polygon/MultiPolygon) or ``None``."""
    if isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)):
        return None if geom.is_empty else geom
    parts = [
        p
        for p in shapely.get_parts(geom)
        if isinstance(p, (shapely.Polygon, shapely.MultiPolygon)) and not p.is_empty
    ]
    if not parts:
        return None
    out = shapely.union_all(parts)
    return out if isinstance(out, (shapely.Polygon, shapely.MultiPolygon)) else None


def _check_names(gdf: gpd.GeoDataFrame, level: str, problems: list[str]) -> None:
    for col in ("nama", "nama_kab", "nama_kec"):
        if col not in gdf.columns or gdf[col].isna().all():
            continue
        text = gdf[col].astype("str").str.strip()
        empty = gdf[col].isna().to_numpy() | (text == "").to_numpy()
        if empty.any():
            rows = [int(i) + 1 for i in np.flatnonzero(empty)]
            problems.append(
                f"column {col!r}: {len(rows)} row(s) with no name: rows "
                f"{format_rows(rows)}. Fill in the {level} names."
            )
