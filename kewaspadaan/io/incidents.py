"""Incident lists (ACLED exports, generic CSV, GeoJSON/GeoPackage points) → the incident schema.

:func:`load_incidents` returns an :class:`IncidentLoad`: the valid incidents in
:data:`kewaspadaan.schema.INCIDENT_COLUMNS` and every other row in a rejection table with its
reason, so that ``n_read == len(incidents) + len(rejected)`` always holds. File-level problems
(missing file, no rows, missing columns, wrong encoding, latitude/longitude swapped in the whole
file) raise an error that says how to fix them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from kewaspadaan._errors import CRSError, DataFileError, KewaspadaanError
from kewaspadaan.crs import MAP_CRS, require_crs
from kewaspadaan.io._common import check_file, missing_columns_error, read_vector, rename_columns
from kewaspadaan.io.acled import (
    ACLED_EVENT_TYPES,
    ACLED_REQUIRED,
    ACLED_TO_SCHEMA,
    is_acled,
)
from kewaspadaan.io.dates import parse_dates
from kewaspadaan.io.tables import read_header, read_table
from kewaspadaan.io.ucdp import UCDP_TO_SCHEMA, is_ucdp, normalise_ucdp
from kewaspadaan.schema import INCIDENT_COLUMNS, REJECTION_COLUMNS

__all__ = [
    "GENERIC_ALIASES",
    "INCIDENT_FORMATS",
    "INDONESIA_LAT_RANGE",
    "INDONESIA_LON_RANGE",
    "AccountingError",
    "IncidentLoad",
    "RowReasons",
    "combine_loads",
    "detect_format",
    "load_incidents",
    "parse_dates",
]

logger = logging.getLogger(__name__)

#: Latitudes (degrees) spanned by Indonesia, with a margin.
INDONESIA_LAT_RANGE = (-11.5, 6.5)
#: Longitudes (degrees) spanned by Indonesia, with a margin.
INDONESIA_LON_RANGE = (94.5, 141.5)

#: Accepted column names of a generic incident table (case-insensitive, first match wins).
GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "latitude": ("lat", "lintang", "lat_c", "y_lat"),
    "longitude": ("lon", "lng", "long", "bujur", "lng_c", "lon_c", "x_lon"),
    "event_date": ("date", "tanggal", "tgl", "tanggal_kejadian", "waktu"),
    "event_id": ("id", "event_id_cnty", "id_kejadian", "no", "nomor"),
    "event_type": ("jenis", "jenis_kejadian", "kategori", "type"),
    "sub_event_type": ("sub_jenis", "subkategori"),
    "actor1": ("aktor1", "pelaku", "actor"),
    "actor2": ("aktor2", "korban_pihak"),
    "location": ("lokasi", "tempat", "desa", "nama_lokasi"),
    "fatalities": ("korban_jiwa", "meninggal", "tewas", "korban_meninggal"),
    "geo_precision": ("presisi", "geo_presisi"),
    "notes": ("keterangan", "catatan", "deskripsi", "uraian", "description"),
    "reliability": ("keandalan", "penilaian", "grade", "nilai_sumber"),
}
_REQUIRED = ("latitude", "longitude", "event_date")
#: Incident formats ``load_incidents`` reads (``auto`` detects the others by their columns).
INCIDENT_FORMATS: tuple[str, ...] = ("auto", "acled", "ucdp", "generic")
_TEXT = ("event_type", "sub_event_type", "actor1", "actor2", "location", "notes", "reliability")


class RowReasons(dict[int, list[str]]):
    """Rejection reasons by 0-based row position, kept only for rows that have one (a million
    clean rows cost nothing): ``reasons[i].append(...)`` creates the entry on first use."""

    def __missing__(self, key: int) -> list[str]:
        value: list[str] = []
        self[key] = value
        return value

    def mask(self, n: int) -> np.ndarray:
        """Boolean array of the rows with at least one reason."""
        out = np.zeros(n, dtype=bool)
        rows = [k for k, v in self.items() if v]
        out[rows] = True
        return out

    def joined(self) -> list[str]:
        """``"; "``-joined reasons of the rows that have some, in row order."""
        return ["; ".join(self[k]) for k in sorted(k for k, v in self.items() if v)]


class AccountingError(KewaspadaanError, AssertionError):
    """Rows were lost: ``read != kept + rejected`` (a bug, never expected)."""


@dataclass
class IncidentLoad:
    """Result of :func:`load_incidents`.

    Attributes
    ----------
    incidents : geopandas.GeoDataFrame
        Valid incidents, :data:`~kewaspadaan.schema.INCIDENT_COLUMNS`, EPSG:4326 points.
    rejected : pandas.DataFrame
        Rejected rows, :data:`~kewaspadaan.schema.REJECTION_COLUMNS`, with the reason.
    n_read : int
        Data rows (or features) read from the file.
    source : str
        The file (several joined with ``" + "`` after :func:`combine_loads`).
    kind : str
        The format read (``acled``, ``ucdp``, ``generic``, ``laporan`` or ``gabungan``).
    parts : list of dict
        One summary per file combined (empty for a single file).
    """

    incidents: gpd.GeoDataFrame
    rejected: pd.DataFrame
    n_read: int
    source: str
    kind: str = "generic"
    parts: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts: read, valid, rejected, and rejections per reason (text before ``:``)."""
        return {
            "source": self.source,
            "n_read": self.n_read,
            "n_valid": len(self.incidents),
            "n_rejected": len(self.rejected),
            "reasons": reason_counts(self.rejected),
        }

    def check_accounting(self) -> None:
        """Raise :class:`AccountingError` unless ``n_read == valid + rejected``."""
        if self.n_read != len(self.incidents) + len(self.rejected):
            raise AccountingError(
                f"{self.source}: read {self.n_read} rows but kept "
                f"{len(self.incidents)} and rejected {len(self.rejected)}"
            )


def combine_loads(loads: Sequence[IncidentLoad]) -> IncidentLoad:
    """Concatenate the loads of several files (ACLED, UCDP, field reports) into one.

    Rows keep their ``source_file``/``source_row``; an ``event_id`` repeated across files gets
    the file's name as prefix (``acled.csv:IDN123``) so ids stay unique. Duplicates of the same
    event reported by two sources are merged later, after assignment, when the unit is known
    (:func:`kewaspadaan.io.assign.merge_duplicates`).

    Parameters
    ----------
    loads : sequence of IncidentLoad
        In order of precedence (the first file wins a duplicate).

    Returns
    -------
    IncidentLoad
        ``n_read`` is the sum; ``parts`` lists each file's summary.
    """
    if len(loads) == 1:
        return loads[0]
    if not loads:
        raise ValueError("combine_loads needs at least one IncidentLoad")
    frames = []
    seen: set[str] = set()
    for load in loads:
        inc = load.incidents.copy()
        ids = inc["event_id"].astype(str)
        clash = ids.isin(seen)
        if clash.any():
            inc.loc[clash, "event_id"] = [f"{load.source}:{v}" for v in ids[clash]]
        seen.update(inc["event_id"].astype(str))
        frames.append(inc)
    incidents = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=MAP_CRS)
    rejected = pd.concat([ld.rejected for ld in loads], ignore_index=True)
    out = IncidentLoad(
        incidents=incidents,
        rejected=rejected[list(REJECTION_COLUMNS)],
        n_read=sum(ld.n_read for ld in loads),
        source=" + ".join(ld.source for ld in loads),
        kind="gabungan",
        parts=[ld.summary() | {"kind": ld.kind} for ld in loads],
    )
    out.check_accounting()
    return out


def reason_counts(rejected: pd.DataFrame) -> dict[str, int]:
    """Rejections per reason category: the first reason of a row, up to its ``:`` or ``(``."""
    if rejected.empty:
        return {}
    first = rejected["reason"].astype("str").str.split(";").str[0]
    keys = first.str.split(r"[:(]", regex=True).str[0].str.strip()
    counts = keys.value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def detect_format(columns: Iterable[str]) -> str:
    """The incident format of a table from its columns: ``"acled"``, ``"ucdp"`` or ``"generic"``.

    Examples
    --------
    >>> detect_format(["EVENT_ID_CNTY", "EVENT_DATE", "LATITUDE", "LONGITUDE"])
    'acled'
    >>> detect_format(["id", "tanggal", "lat", "lon"])
    'generic'
    """
    cols = list(columns)
    if is_acled(cols):
        return "acled"
    if is_ucdp(cols):
        return "ucdp"
    return "generic"


def load_incidents(
    path: str | Path,
    *,
    format: Literal["auto", "acled", "ucdp", "generic"] = "auto",
    crs: str | CRS = "EPSG:4326",
    today: dt.date | str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
    swap_latlon: bool = False,
    layer: str | int | None = None,
    sheet: str | int | None = None,
) -> IncidentLoad:
    """Read an incident list and validate every row.

    Parameters
    ----------
    path : str or pathlib.Path
        ACLED export (CSV, or the UPPER-CASE xlsx export, also saved as CSV), UCDP GED export
        (CSV, with or without HDX's HXL row), generic table (CSV/XLSX/ODS with columns
        lat/latitude/lintang, lon/lng/longitude/bujur, date/tanggal; id optional), or
        GeoJSON/GeoPackage/Shapefile of points.
    format : {"auto", "acled", "ucdp", "generic"}
        ``"auto"`` recognises ACLED and UCDP exports by their columns.
    crs : str or pyproj.CRS, default "EPSG:4326"
        CRS of the coordinates of a table (ignored for vector files, which carry their own).
    today : datetime.date or str, optional
        Dates after this are rejected as future dates. Default: today's date.
    date_format : str, optional
        ``strftime`` format of the dates; default: ISO, ``15 January 2024`` (also Indonesian
        month names), ``15/01/2024`` (day first) and a few others are tried.
    encoding : str, optional
        Text encoding of a CSV (default: detected, see :func:`kewaspadaan.io.tables.read_table`).
    columns : mapping, optional
        Explicit ``{file_column: schema_column}`` mapping, e.g. ``{"lat_c": "latitude"}``.
    swap_latlon : bool, default False
        The file has latitude and longitude exchanged: swap them back.
    layer : str or int, optional
        Layer of a GeoPackage.
    sheet : str or int, optional
        Sheet of a workbook.

    Returns
    -------
    IncidentLoad
        Valid incidents (EPSG:4326 points, ``event_date`` datetime64 at day precision) and
        rejections with reasons; ``n_read == len(incidents) + len(rejected)``.

    Raises
    ------
    FileNotFoundError, kewaspadaan._errors.EmptyDataError, kewaspadaan._errors.DataFileError
        File missing, without data rows, unreadable, wrongly encoded, or with latitude and
        longitude swapped in most rows.
    kewaspadaan._errors.MissingColumnError
        Required columns missing (all listed, with the nearest existing names).
    """
    if format not in INCIDENT_FORMATS:
        raise ValueError(f"format must be one of {list(INCIDENT_FORMATS)}, not {format!r}")
    p = check_file(path, "incident file")
    source = p.name
    vector = p.suffix.lower() in (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb")
    if vector:
        table, coord_crs = _read_points(p, layer), CRS.from_user_input(MAP_CRS)
        kind = format if format != "auto" else detect_format(table.columns)
    else:
        # the header decides the format and the columns used; only those are parsed
        header = read_header(p, sheet=sheet, encoding=encoding, what="incident file")
        kind = format if format != "auto" else detect_format(header)
        used = list(_incident_mapping(header, kind, columns, p))
        table = read_table(p, sheet=sheet, encoding=encoding, what="incident file", usecols=used)
        coord_crs = CRS.from_user_input(crs)
    first_row = int(table.attrs.get("first_row", 1))
    table = _map_incident_columns(table, kind, columns, p)
    table.attrs["first_row"] = first_row
    extra = None
    if kind == "ucdp":
        table, extra = normalise_ucdp(table)
    today_d = _as_date(today)
    parsed, reasons = _validate_rows(
        table, kind, coord_crs, source, today_d, date_format, swap_latlon
    )
    if extra is not None:
        for i, why in enumerate(extra.tolist()):
            if why:
                reasons[i].insert(0, why)
    parsed["source_kind"] = kind
    parsed["place_code"] = pd.Series(None, index=parsed.index, dtype="str")
    load = _assemble(parsed, reasons, table, coord_crs, source, len(table), first_row=first_row)
    load.kind = kind
    return load


def _read_points(path: Path, layer: str | int | None) -> pd.DataFrame:
    gdf = require_crs(read_vector(path, layer=layer, what="incident file"), str(path))
    if not CRS.from_user_input(gdf.crs).equals(MAP_CRS):
        gdf = gdf.to_crs(MAP_CRS)
    geom = gdf.geometry
    is_point = (geom.geom_type == "Point").to_numpy() & ~geom.is_empty.to_numpy()
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    table = pd.DataFrame(index=range(len(gdf)))
    for col in attrs.columns:
        values = attrs[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d")
        table[str(col)] = ["" if _isna(v) else str(v) for v in values]
    table = table.drop(columns=[c for c in ("latitude", "longitude") if c in table.columns])
    values = np.asarray(geom.values)
    xs = np.where(is_point, shapely.get_x(values), np.nan)
    ys = np.where(is_point, shapely.get_y(values), np.nan)
    table["latitude"] = ["" if np.isnan(v) else repr(float(v)) for v in ys]
    table["longitude"] = ["" if np.isnan(v) else repr(float(v)) for v in xs]
    table["_geom_problem"] = [
        "" if ok else f"geometri bukan titik: {t}"
        for ok, t in zip(is_point, geom.geom_type, strict=True)
    ]
    return table


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _incident_mapping(
    names: Sequence[str], kind: str, columns: Mapping[str, str] | None, path: Path
) -> dict[str, str]:
    """``{file column: schema column}`` of an incident table; every missing required column is
    an error listing the nearest names."""
    names = [c for c in names if c != "_geom_problem"]
    aliases: dict[str, tuple[str, ...]]
    accepted: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    if kind == "acled":
        aliases = {v: (() if k == v else (k,)) for k, v in ACLED_TO_SCHEMA.items()}
        required = tuple(ACLED_TO_SCHEMA[c] for c in ACLED_REQUIRED)
        accepted = {v: (k,) for k, v in ACLED_TO_SCHEMA.items()}
    elif kind == "ucdp":
        aliases = {v: (k,) for k, v in UCDP_TO_SCHEMA.items()}
        required = ("event_id", "event_date", "latitude", "longitude")
        accepted = {v: (k,) for k, v in UCDP_TO_SCHEMA.items()}
    else:
        aliases = dict(GENERIC_ALIASES)
        required = _REQUIRED
        accepted = {k: (k, *v) for k, v in GENERIC_ALIASES.items()}
    mapping = rename_columns(names, aliases, columns, path)
    missing = {t: accepted[t] for t in required if t not in mapping.values()}
    if missing:
        hint = (
            "Rename the column(s), or map them: load_incidents(path, columns="
            f"{{'your_column': {next(iter(missing))!r}}})"
        )
        if kind == "acled":
            hint += (
                ". ACLED exports must keep ACLED's column names; use format='generic' for "
                "other tables."
            )
        raise missing_columns_error(path, missing, names, hint=hint)
    return mapping


def _map_incident_columns(
    table: pd.DataFrame, kind: str, columns: Mapping[str, str] | None, path: Path
) -> pd.DataFrame:
    mapping = _incident_mapping(list(table.columns), kind, columns, path)
    out = pd.DataFrame({target: table[col] for col, target in mapping.items()}, index=table.index)
    if "_geom_problem" in table.columns:
        out["_geom_problem"] = table["_geom_problem"]
    return out


def _as_date(today: dt.date | str | None) -> dt.date:
    if today is None:
        return dt.date.today()
    if isinstance(today, dt.datetime):
        return today.date()
    if isinstance(today, dt.date):
        return today
    return dt.date.fromisoformat(str(today))


def _parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers written as text: ``.`` or ``,`` decimals, a Unicode minus; NaN where not a
    number. Clean columns take one vectorised cast (pyarrow); others the careful path."""
    fast = _cast_float(values)
    if fast is not None:
        return fast
    plain = _cast_float_partial(values)
    rest = plain.isna() & (values.astype("str").str.strip() != "")
    if not rest.any():
        return plain
    text = values[rest].astype("str").str.strip().str.replace("\u2212", "-", regex=False)
    comma_decimal = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
    text = text.where(~comma_decimal, text.str.replace(",", ".", regex=False))
    plain.loc[text.index] = pd.to_numeric(text, errors="coerce").astype("float64")
    return plain


def _cast_float_partial(values: pd.Series) -> pd.Series:
    """The plain decimal numbers of ``values`` (pyarrow), NaN elsewhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.utf8_trim_whitespace(pa.array(values.astype("str"), type=pa.string()))
    plain = pc.match_substring_regex(arr, r"^[+-]?(\d+\.?\d*|\.\d+)$")
    out = pc.cast(pc.if_else(plain, arr, pa.scalar(None, pa.string())), pa.float64())
    return pd.Series(out.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def _cast_float(values: pd.Series) -> pd.Series | None:
    """Plain decimal numbers (``-0.5``, ``117``) cast at once with pyarrow; empty cells NaN.
    ``None`` when other forms remain (``0,5``, ``1e3``, a Unicode minus, text): the careful
    path then reads those."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.utf8_trim_whitespace(pa.array(values.astype("str"), type=pa.string()))
    plain = pc.match_substring_regex(arr, r"^[+-]?(\d+\.?\d*|\.\d+)$")
    empty = pc.equal(arr, "")
    if not pc.all(pc.or_(plain, empty)).as_py():
        return None
    out = pc.cast(pc.if_else(plain, arr, pa.scalar(None, pa.string())), pa.float64())
    return pd.Series(out.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def _validate_rows(
    table: pd.DataFrame,
    kind: str,
    coord_crs: CRS,
    source: str,
    today: dt.date,
    date_format: str | None,
    swap_latlon: bool,
) -> tuple[pd.DataFrame, RowReasons]:
    n = len(table)
    reasons = RowReasons()

    def flag(mask: np.ndarray, make: Any) -> None:
        for i in np.flatnonzero(mask).tolist():
            reasons[i].append(make(i))

    geom_bad = np.zeros(n, dtype=bool)
    if "_geom_problem" in table.columns:
        gp = table["_geom_problem"].to_numpy()
        geom_bad = gp != ""
        flag(geom_bad, lambda i: gp[i])
    parsed = pd.DataFrame(index=table.index)
    lat, lon = _validate_coordinates(table, coord_crs, source, swap_latlon, flag, geom_bad)
    parsed["latitude"], parsed["longitude"] = lat, lon
    parsed["event_date"] = _validate_dates(
        table["event_date"],
        today,
        date_format,
        flag,
        source=source,
        first_row=int(table.attrs.get("first_row", 1)),
    )
    parsed["fatalities"] = _validate_int(table, "fatalities", 0, None, flag)
    parsed["geo_precision"] = _validate_int(table, "geo_precision", 1, (1, 2, 3), flag)
    parsed["event_id"] = _validate_ids(table, source, flag)
    for col in _TEXT:
        if col in table.columns:
            text = table[col].astype("str").str.strip()
            parsed[col] = text.where(text != "", None).astype("str")
        else:
            parsed[col] = pd.Series(None, index=table.index, dtype="str")
    if kind == "acled":
        unknown = ~parsed["event_type"].isin(ACLED_EVENT_TYPES) & parsed["event_type"].notna()
        if unknown.any():
            logger.info(
                "%s: %d row(s) have event types outside ACLED's six: %s",
                source,
                int(unknown.sum()),
                sorted(parsed.loc[unknown, "event_type"].unique()),
            )
    return parsed, reasons


def _validate_coordinates(
    table: pd.DataFrame, coord_crs: CRS, source: str, swap: bool, flag: Any, skip: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """Flag empty/unreadable/out-of-range/swapped coordinates (``skip``: already rejected)."""
    raw_lat, raw_lon = table["latitude"].astype("str"), table["longitude"].astype("str")
    lat, lon = _parse_numbers(raw_lat), _parse_numbers(raw_lon)
    if swap:
        lat, lon, raw_lat, raw_lon = lon, lat, raw_lon, raw_lat
    empty = ((raw_lat.str.strip() == "") | (raw_lon.str.strip() == "")).to_numpy() & ~skip
    bad = (~np.isfinite(lat) | ~np.isfinite(lon)).to_numpy() & ~empty & ~skip
    flag(empty, lambda i: "koordinat kosong: latitude/longitude tidak diisi")
    flag(
        bad,
        lambda i: (
            f"koordinat tidak terbaca: latitude={raw_lat.iloc[i]!r}, longitude={raw_lon.iloc[i]!r}"
        ),
    )
    ok = ~(empty | bad | skip)
    _check_coordinate_kind(lat[ok], lon[ok], coord_crs, source)
    if not coord_crs.is_geographic:
        return lat, lon
    in_lat = lambda v, r: (v >= r[0]) & (v <= r[1])  # noqa: E731
    swapped = (
        ok
        & in_lat(lat, INDONESIA_LON_RANGE).to_numpy()
        & in_lat(lon, INDONESIA_LAT_RANGE).to_numpy()
    )
    n_ok = int(ok.sum())
    if n_ok and not swap and swapped.sum() > 0.5 * n_ok:
        raise DataFileError(
            f"{source}: latitude and longitude look swapped in {int(swapped.sum())} of {n_ok} "
            "rows (latitude values 95..141 are Indonesian longitudes). Swap the two column "
            "names in the file, or pass swap_latlon=True."
        )
    flag(
        swapped,
        lambda i: f"lintang/bujur tertukar? (latitude={lat.iloc[i]}, longitude={lon.iloc[i]})",
    )
    out_range = ok & ~swapped & ((lat.abs() > 90) | (lon.abs() > 180)).to_numpy()
    flag(
        out_range,
        lambda i: f"koordinat di luar rentang: latitude={lat.iloc[i]}, longitude={lon.iloc[i]}",
    )
    zero = ok & ((lat == 0) & (lon == 0)).to_numpy()
    flag(zero, lambda i: "koordinat 0,0: kemungkinan koordinat tidak diisi")
    return lat, lon


#: Largest plausible value of ``fatalities`` in one event (anything above is a typing slip).
MAX_FATALITIES = 100_000


def _check_coordinate_kind(lat: pd.Series, lon: pd.Series, crs: CRS, source: str) -> None:
    """Refuse a file whose coordinates are of another kind than its declared CRS."""
    n = len(lat)
    if n == 0:
        return
    degrees = ((lat.abs() <= 90) & (lon.abs() <= 180)).to_numpy()
    metres = ((lat.abs() > 1000) | (lon.abs() > 1000)).to_numpy()
    name = crs.to_string()
    if crs.is_geographic and metres.sum() > 0.5 * n:
        i = int(np.flatnonzero(metres)[0])
        raise DataFileError(
            f"{source}: the coordinates look like metres (e.g. latitude={lat.iloc[i]:.0f}, "
            f"longitude={lon.iloc[i]:.0f}) but are read as degrees ({name}). They are in a "
            "projected CRS (a UTM zone such as EPSG:32750, or TM-3): give it with crs= "
            '(project file: crs = "EPSG:...").'
        )
    if crs.is_projected and degrees.sum() > 0.5 * n:
        i = int(np.flatnonzero(degrees)[0])
        raise DataFileError(
            f"{source}: the coordinates look like degrees (e.g. {lat.iloc[i]}, {lon.iloc[i]}) but "
            f"are declared in the projected CRS {name} (metres). Drop crs= (degrees are "
            "EPSG:4326), or fix the declared CRS."
        )


def _check_inside_indonesia(gdf: gpd.GeoDataFrame, crs: CRS, source: str) -> None:
    """Most points of an Indonesian incident list lie in Indonesia; else the CRS is wrong."""
    if len(gdf) < 5:
        return
    x, y = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
    inside = (
        (x >= INDONESIA_LON_RANGE[0])
        & (x <= INDONESIA_LON_RANGE[1])
        & (y >= INDONESIA_LAT_RANGE[0])
        & (y <= INDONESIA_LAT_RANGE[1])
    )
    if inside.mean() < 0.5:
        raise DataFileError(
            f"{source}: {int((~inside).sum())} of {len(gdf)} points lie outside Indonesia once "
            f"read in {crs.to_string()} (e.g. lon {x[~inside][0]:.3f}, lat {y[~inside][0]:.3f}): "
            "the declared CRS is probably wrong (another UTM zone or hemisphere, e.g. EPSG:32750 "
            "for 50S rather than EPSG:32650). Fix crs=."
        )


def _validate_dates(
    raw: pd.Series,
    today: dt.date,
    date_format: str | None,
    flag: Any,
    *,
    source: str = "dates",
    first_row: int = 1,
) -> pd.Series:
    dates = parse_dates(raw, date_format, source=source, first_row=first_row)
    text = raw.astype("str").str.strip()
    empty = (text == "").to_numpy()
    bad = dates.isna().to_numpy() & ~empty
    hint = f"format {date_format!r}" if date_format else "e.g. 2024-01-15 or 15 January 2024"
    flag(empty, lambda i: "tanggal kosong")
    flag(
        bad,
        lambda i: (
            f"tanggal tidak terbaca: {text.iloc[i]!r} ({hint}; or pass date_format=; "
            "dates before 1900 are not accepted)"
        ),
    )
    future = (dates > pd.Timestamp(today)).to_numpy()
    flag(future, lambda i: f"tanggal di masa depan: {dates.iloc[i].date()} > {today}")
    return dates


def _validate_int(
    table: pd.DataFrame, col: str, default: int, allowed: tuple[int, ...] | None, flag: Any
) -> pd.Series:
    if col not in table.columns:
        return pd.Series(default, index=table.index, dtype="int64")
    text = table[col].astype("str").str.strip()
    values = _parse_numbers(text)
    empty = (text == "").to_numpy()
    if empty.any():
        logger.info("%s empty in %d row(s); %d used", col, int(empty.sum()), default)
    values = values.where(~empty, default)
    whole = np.isfinite(values) & (values == np.round(values))
    bad = ~whole.to_numpy()
    flag(bad, lambda i: f"{col} tidak valid: {text.iloc[i]!r} (bilangan bulat)")
    if allowed is None:
        neg = whole.to_numpy() & (values < 0).to_numpy()
        flag(neg, lambda i: f"{col} negatif: {text.iloc[i]}")
        huge = whole.to_numpy() & (values > MAX_FATALITIES).to_numpy()
        flag(huge, lambda i: f"{col} tidak masuk akal: {text.iloc[i]} (> {MAX_FATALITIES})")
        whole = whole & (values <= MAX_FATALITIES)
    else:
        out = whole.to_numpy() & ~values.isin(allowed).to_numpy()
        flag(
            out, lambda i: f"{col} tidak valid: {text.iloc[i]!r} (harus salah satu dari {allowed})"
        )
    return values.where(whole, default).astype("int64")


def _validate_ids(table: pd.DataFrame, source: str, flag: Any) -> pd.Series:
    """Event ids: the file's, or ``<file>#<row>`` where empty; a repeated id is rejected (the
    first is kept). A generated id never equals one of the file's."""
    stem = Path(source).stem
    first_row = int(table.attrs.get("first_row", 1))
    n = len(table)
    given = (
        table["event_id"].astype("str").str.strip()
        if "event_id" in table.columns
        else pd.Series([""] * n, index=table.index, dtype="str")
    )
    empty = (given == "").to_numpy()
    if empty.any():
        rows = np.flatnonzero(empty) + first_row
        generated = pd.Series([f"{stem}#{r}" for r in rows], dtype="str")
        clash = generated.isin(given[~empty]).to_numpy()
        if clash.any():
            generated[clash] = [
                f"{g}~{i}" for i, g in zip(np.flatnonzero(clash), generated[clash], strict=True)
            ]
        ids = given.copy()
        ids[empty] = generated.to_numpy()
    else:
        ids = given
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        sel = ids.isin(set(ids[dup])).to_numpy()
        first_pos: dict[str, int] = {}
        for pos, value in zip(np.flatnonzero(sel), ids[sel], strict=True):
            first_pos.setdefault(value, int(pos))
        flag(
            dup,
            lambda i: (
                f"event_id ganda: {ids.iloc[i]!r} sudah ada di baris "
                f"{first_pos[ids.iloc[i]] + first_row}"
            ),
        )
    return ids


def _assemble(
    parsed: pd.DataFrame,
    reasons: RowReasons,
    table: pd.DataFrame,
    coord_crs: CRS,
    source: str,
    n_read: int,
    *,
    first_row: int = 1,
) -> IncidentLoad:
    bad = reasons.mask(n_read)
    rows = np.arange(first_row, first_row + n_read)
    rejected = pd.DataFrame(
        {
            "source_file": pd.Series([source] * int(bad.sum()), dtype="str"),
            "source_row": rows[bad].astype("int64"),
            "event_id": pd.Series(parsed["event_id"].to_numpy()[bad], dtype="str"),
            "reason": pd.Series(reasons.joined(), dtype="str"),
        }
    )[list(REJECTION_COLUMNS)]
    good = (parsed.take(np.flatnonzero(~bad)) if bad.any() else parsed).reset_index(drop=True)
    geometry = gpd.points_from_xy(good["longitude"], good["latitude"], crs=coord_crs)
    gdf = gpd.GeoDataFrame(good, geometry=geometry)
    if not coord_crs.equals(MAP_CRS):
        try:
            gdf = gdf.to_crs(MAP_CRS)
        except Exception as exc:  # pragma: no cover - pyproj errors
            raise CRSError(
                f"{source}: cannot transform coordinates from {coord_crs}: {exc}"
            ) from exc
        _check_inside_indonesia(gdf, coord_crs, source)
    gdf["source_file"] = pd.Series([source] * len(gdf), dtype="str")
    gdf["source_row"] = rows[~bad].astype("int64")
    gdf = gdf[list(INCIDENT_COLUMNS)]
    gdf.attrs["source"] = source
    load = IncidentLoad(incidents=gdf, rejected=rejected, n_read=n_read, source=source)
    load.check_accounting()
    logger.info("%s: %d read, %d valid, %d rejected", source, n_read, len(gdf), len(rejected))
    return load
