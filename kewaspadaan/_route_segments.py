"""Unique route segments for the map: the union of the route edges, not one line per desa.

Every route of the route table is the full path from its depot, so routes to the desa of one
valley share the same trunk road, drawn hundreds of times on top of each other. The map draws
each piece of road, river, sea lane or flight once:

1. every route line is cut into its straight segments in the projected analysis CRS, the end
   points snapped to a ``grid_m`` grid (shared edges have the same vertices: they come from the
   same network edges);
2. segments are made undirected and deduplicated; each unique segment records how many
   destinations are served through it and the worst delivery status among them
   (``tidak_terjangkau`` routes have no line; ``terlambat`` beats ``tepat_waktu``);
3. segments with the same status and count are merged into lines (they break at junctions),
   simplified with ``tolerance_m`` and returned in EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kewaspadaan import settings
from kewaspadaan.crs import MAP_CRS, require_crs, to_analysis_crs

__all__ = ["route_segments", "route_status"]

#: Rank of the delivery statuses drawn on the map (worse is higher).
_STATUS_RANK = {"tepat_waktu": 0, "terlambat": 1}
_RANK_STATUS = {v: k for k, v in _STATUS_RANK.items()}


def route_status(routes: pd.DataFrame, overrides: Mapping[str, str] | None = None) -> pd.Series:
    """Delivery status (``schema.DELIVERY_STATUS``) of each route row.

    ``status`` when the table has it, else from ``terjangkau``/``terlambat``; ``overrides``
    (destination code → status, e.g. from the delivery plan's problems) win.
    """
    if "status" in routes:
        status = routes["status"].astype(object).where(routes["status"].notna(), "tepat_waktu")
    else:
        reach = (
            routes["terjangkau"].fillna(False).astype(bool)
            if "terjangkau" in routes
            else pd.Series(True, index=routes.index)
        )
        late = (
            routes["terlambat"].fillna(False).astype(bool)
            if "terlambat" in routes
            else pd.Series(False, index=routes.index)
        )
        status = pd.Series(
            np.where(~reach, "tidak_terjangkau", np.where(late, "terlambat", "tepat_waktu")),
            index=routes.index,
            dtype=object,
        )
    if overrides and "tujuan_kode" in routes:
        mapped = routes["tujuan_kode"].astype(str).map(dict(overrides))
        status = mapped.where(mapped.notna(), status)
    return status


def route_segments(
    routes: gpd.GeoDataFrame,
    *,
    status: pd.Series | None = None,
    grid_m: float = 1.0,
    tolerance_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Deduplicate the route lines into unique, merged, simplified segments.

    Parameters
    ----------
    routes : GeoDataFrame
        Route table (``schema.ROUTE_COLUMNS``), one LineString per destination, any CRS.
    status : Series, optional
        Delivery status per row (default :func:`route_status`).
    grid_m : float, default 1.0
        Vertices closer than this (metres, analysis CRS) are one vertex.
    tolerance_m : float, optional
        Simplification tolerance, metres (default ``settings.map_simplify_tolerance_m``).

    Returns
    -------
    GeoDataFrame
        ``status`` (``tepat_waktu`` or ``terlambat``), ``n_tujuan`` (destinations served
        through the segment) and the line, in EPSG:4326; the most used segments first.
    """
    require_crs(routes, "routes")
    tol = settings.map_simplify_tolerance_m if tolerance_m is None else tolerance_m
    st = route_status(routes) if status is None else status.reindex(routes.index)
    ok = routes.geometry.notna() & ~routes.geometry.is_empty & (st != "tidak_terjangkau")
    empty = gpd.GeoDataFrame(
        {"status": pd.Series(dtype=object), "n_tujuan": pd.Series(dtype=np.int64)},
        geometry=gpd.GeoSeries([], crs=MAP_CRS),
    )
    if not ok.any():
        return empty
    proj = to_analysis_crs(routes.loc[ok])
    rank = st[ok].map(_STATUS_RANK).fillna(0).to_numpy(np.int64)
    parts = proj.geometry.reset_index(drop=True).explode(index_parts=False)
    row_of_part = parts.index.to_numpy()
    coords, part = shapely.get_coordinates(parts.to_numpy(), return_index=True)
    q = np.round(coords / grid_m).astype(np.int64)
    same = part[1:] == part[:-1]
    a, b = q[:-1][same], q[1:][same]
    route = row_of_part[part[:-1][same]]
    keep = (a != b).any(axis=1)
    a, b, route = a[keep], b[keep], route[keep]
    if len(a) == 0:
        return empty
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo, hi = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)
    uniq, seg = np.unique(np.column_stack([lo, hi]), axis=0, return_inverse=True)
    seg = seg.ravel()
    pairs = np.unique(np.column_stack([seg, route]), axis=0)
    n_dest = np.bincount(pairs[:, 0], minlength=len(uniq))
    worst = np.zeros(len(uniq), dtype=np.int64)
    np.maximum.at(worst, seg, rank[route])
    lines = shapely.linestrings(
        uniq.reshape(-1, 2).astype(float) * grid_m, indices=np.repeat(np.arange(len(uniq)), 2)
    )
    frame = pd.DataFrame({"rank": worst, "n": n_dest})
    rows = []
    for (r, n), idx in frame.groupby(["rank", "n"], sort=True).indices.items():
        merged = shapely.line_merge(shapely.multilinestrings(lines[idx]))
        rows.append({"status": _RANK_STATUS[int(r)], "n_tujuan": int(n), "geometry": merged})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=proj.crs)
    if tol > 0:
        out = out.set_geometry(out.geometry.simplify(tol))
    out = out.sort_values(["n_tujuan", "status"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True).to_crs(MAP_CRS)
