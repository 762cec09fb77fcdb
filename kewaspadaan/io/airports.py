"""Airports, airstrips and helipads → the ``bandara`` layer.

Reads the OurAirports CSVs (``airports.csv``, optionally ``runways.csv`` for runway lengths,
https://ourairports.com/data/, public domain), a table with name and coordinates (e.g. the
``airportsdata`` export: ``icao``, ``name``, ``lat``, ``lon``) or a point layer.

OurAirports ``type`` → ``jenis``: ``heliport`` → ``helipad``; ``large_airport``,
``medium_airport`` and ``small_airport`` → ``bandara`` when the longest open runway is at least
``AIRPORT_MIN_RUNWAY_M`` (or, without runway data, for large/medium airports), else
``lapangan_terbang`` (an airstrip for small aircraft). ``closed``, ``balloonport`` and
``seaplane_base`` rows are left out and counted in ``attrs["excluded"]`` (OurAirports lists
Samarinda's closed Temindung airport, for one). ``panjang_landas_m`` is the longest open runway
(``length_ft`` × 0.3048; NaN when unknown): the network lets an aircraft use a runway only when
it is long enough for it.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.crs import MAP_CRS
from kewaspadaan.io._common import apply_crs, find_column, format_rows, read_vector
from kewaspadaan.io.tables import read_table

__all__ = ["AIRPORT_MIN_RUNWAY_M", "OURAIRPORTS_TYPES", "read_airports"]

logger = logging.getLogger(__name__)

#: Runway length (m) from which an airfield counts as ``bandara`` rather than ``lapangan_terbang``.
AIRPORT_MIN_RUNWAY_M: float = 1400.0
#: OurAirports type → jenis (``None``: left out).
OURAIRPORTS_TYPES: dict[str, str | None] = {
    "large_airport": "bandara",
    "medium_airport": "bandara",
    "small_airport": "lapangan_terbang",
    "heliport": "helipad",
    "closed": None,
    "balloonport": None,
    "seaplane_base": None,
}
_FT_M = 0.3048


def read_airports(
    path: str | Path,
    *,
    runways: str | Path | None = None,
    columns: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read airports into the ``bandara`` schema (rules in the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        OurAirports ``airports.csv`` (or an extract), a CSV/XLSX with name and lat/lon, or a
        point layer (GeoJSON/GeoPackage) with ``nama`` and optional ``jenis``.
    runways : str or pathlib.Path, optional
        OurAirports ``runways.csv`` (``airport_ref``/``airport_ident``, ``length_ft``,
        ``closed``).
    columns : dict, optional
        ``{schema: file column}`` for ``nama``, ``jenis``, ``latitude``, ``longitude``,
        ``panjang_landas_m``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``nama``, ``jenis``, ``panjang_landas_m``, ``kode`` (ICAO/ident), ``iata``,
        ``tipe_sumber``; EPSG:4326 points; ``attrs["excluded"]`` counts the rows left out.
    """
    p = Path(path)
    if p.suffix.lower() in (".geojson", ".json", ".gpkg", ".shp", ".zip"):
        gdf = apply_crs(read_vector(p, what="airport layer"), None, str(p))
        wrong = ~gdf.geometry.geom_type.isin(["Point", "MultiPoint"])
        if wrong.any():
            raise ValidationError(
                str(p),
                [
                    f"{int(wrong.sum())} feature(s) are not points "
                    f"({', '.join(sorted(set(gdf.geom_type[wrong])))}): "
                    "airports are points"
                ],
            )
        return _from_points(gdf, columns, p)
    table = read_table(p, what="airport table")
    cols = dict(columns or {})
    lat = cols.get("latitude") or find_column(table.columns, ["latitude_deg", "latitude", "lat"])
    lon = cols.get("longitude") or find_column(
        table.columns, ["longitude_deg", "longitude", "lon", "lng"]
    )
    name = cols.get("nama") or find_column(table.columns, ["name", "nama", "nama_bandara"])
    if lat is None or lon is None or name is None:
        raise MissingColumnError(
            f"{p}: an airport table needs name and coordinates (OurAirports: name, latitude_deg, "
            f"longitude_deg); the file has {', '.join(table.columns)}. Map them with "
            'columns = {nama = "...", latitude = "...", longitude = "..."}.'
        )
    y = pd.to_numeric(table[lat], errors="coerce")
    x = pd.to_numeric(table[lon], errors="coerce")
    first = int(table.attrs.get("first_row", 1))
    bad = [first + i for i in np.flatnonzero((y.isna() | x.isna()).to_numpy())]
    if bad:
        raise ValidationError(str(p), [f"rows {format_rows(bad)} have no numeric coordinates"])
    type_col = cols.get("jenis") or find_column(table.columns, ["type", "jenis"])
    kinds = (
        table[type_col].str.strip().str.lower() if type_col else pd.Series("", index=table.index)
    )
    excluded = Counter(k for k in kinds if k in OURAIRPORTS_TYPES and OURAIRPORTS_TYPES[k] is None)
    runway_m = _runway_lengths(table, runways, p)
    jenis = [_jenis(k, r) for k, r in zip(kinds, runway_m, strict=True)]
    keep = np.array([j is not None for j in jenis])
    ident = find_column(table.columns, ["gps_code", "icao", "ident", "kode"])
    iata = find_column(table.columns, ["iata_code", "iata"])
    out = (
        gpd.GeoDataFrame(
            {
                "nama": table[name].astype(str).str.strip(),
                "jenis": jenis,
                "panjang_landas_m": runway_m,
                "kode": table[ident].astype(str) if ident else "",
                "iata": table[iata].astype(str) if iata else "",
                "tipe_sumber": kinds,
            },
            geometry=gpd.points_from_xy(x, y),
            crs=MAP_CRS,
        )
        .loc[keep]
        .reset_index(drop=True)
    )
    out.attrs["excluded"] = dict(excluded)
    out.attrs["source"] = str(p)
    if excluded:
        logger.info("%s: left out %s", p, dict(excluded))
    return out


def _jenis(kind: str, runway_m: float) -> str | None:
    if kind in OURAIRPORTS_TYPES:
        base = OURAIRPORTS_TYPES[kind]
        if base in ("bandara", "lapangan_terbang") and np.isfinite(runway_m):
            return "bandara" if runway_m >= AIRPORT_MIN_RUNWAY_M else "lapangan_terbang"
        return base
    if kind in ("bandara", "lapangan_terbang", "helipad"):
        return kind
    return "bandara" if not kind else "lapangan_terbang"


def _runway_lengths(table: pd.DataFrame, runways: str | Path | None, p: Path) -> np.ndarray:
    """Longest open runway per airport (m), NaN where unknown."""
    direct = find_column(table.columns, ["panjang_landas_m", "runway_m"])
    if direct is not None:
        return pd.to_numeric(table[direct], errors="coerce").to_numpy(dtype=float)
    out = np.full(len(table), np.nan)
    if runways is None:
        return out
    rw = read_table(runways, what="runway table")
    ref = find_column(rw.columns, ["airport_ref"])
    length = find_column(rw.columns, ["length_ft"])
    if ref is None or length is None or find_column(table.columns, ["id"]) is None:
        raise MissingColumnError(
            f"{runways}: an OurAirports runway table needs airport_ref and length_ft, and the "
            f"airport table ({p}) its id column; the runway file has {', '.join(rw.columns)}."
        )
    closed = rw[find_column(rw.columns, ["closed"])] if find_column(rw.columns, ["closed"]) else "0"
    ft = pd.to_numeric(rw[length], errors="coerce").where(pd.Series(closed, index=rw.index) != "1")
    longest = ft.groupby(rw[ref].astype(str)).max() * _FT_M
    ids = table[find_column(table.columns, ["id"])].astype(str)
    return ids.map(longest).to_numpy(dtype=float)


def _from_points(
    gdf: gpd.GeoDataFrame, columns: dict[str, str] | None, p: Path
) -> gpd.GeoDataFrame:
    cols = dict(columns or {})
    name = cols.get("nama") or find_column(gdf.columns, ["nama", "name"])
    if name is None:
        raise MissingColumnError(f"{p}: the airport layer needs a name column (nama/name).")
    jenis_col = cols.get("jenis") or find_column(gdf.columns, ["jenis", "type"])
    runway = cols.get("panjang_landas_m") or find_column(gdf.columns, ["panjang_landas_m"])
    kinds = gdf[jenis_col].astype(str).str.lower() if jenis_col else pd.Series("", index=gdf.index)
    rw = (
        pd.to_numeric(gdf[runway], errors="coerce")
        if runway
        else pd.Series(np.nan, index=gdf.index)
    )
    out = gpd.GeoDataFrame(
        {
            "nama": gdf[name].astype(str),
            "jenis": [_jenis(k, r) for k, r in zip(kinds, rw, strict=True)],
            "panjang_landas_m": rw.to_numpy(dtype=float),
            "kode": "",
            "iata": "",
            "tipe_sumber": kinds,
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    out = out[out["jenis"].notna()].reset_index(drop=True)
    out.attrs["source"] = str(p)
    out.attrs["excluded"] = {}
    return out
