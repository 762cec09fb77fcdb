"""Fastest routes from KPU depots to every desa/kecamatan, with deadline checks.

Shortest paths run on the CSR kernel (:mod:`kewaspadaan.network.graph`): the fastest open
edge per node pair, closed edges left out, so the results equal
``networkx.single_source_dijkstra`` on the open edges. The routes are the *fastest* paths on
the network (any mode, the reference speeds); what vehicles actually do, and when they
arrive, is the delivery plan's (:mod:`kewaspadaan.network.plan`).

Times are naive local timestamps (WITA for Kalimantan Timur).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, NetworkError
from kewaspadaan.crs import MAP_CRS
from kewaspadaan.network.graph import (
    CSRGraph,
    EdgeTable,
    ShortestPaths,
    clear_cache,
    edge_table,
    to_csr,
    travel_time_matrix,
)
from kewaspadaan.network.modes import modes
from kewaspadaan.network.security import route_risk_exposure
from kewaspadaan.schema import ROUTE_COLUMNS

__all__ = [
    "CSRGraph",
    "ShortestPaths",
    "clear_cache",
    "default_deadline",
    "default_departure",
    "depot_table",
    "destination_table",
    "echelon_deadlines",
    "route_all",
    "to_csr",
    "travel_time_matrix",
]

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------
# Depots and destinations
# ------------------------------------------------------------------------------------------
def depot_table(G: nx.MultiDiGraph) -> pd.DataFrame:
    """The depot nodes of ``G`` (kind ``depot``): columns ``node``, ``nama``, ``kode_kab``."""
    rows = [
        {"node": n, "nama": d.get("name", str(n)), "kode_kab": d.get("kode_kab")}
        for n, d in G.nodes(data=True)
        if d.get("kind") == "depot"
    ]
    if not rows:
        raise NetworkError(
            "the network has no depot (KPU warehouse): pass depots= (gudang_kpu) to build_network"
        )
    return pd.DataFrame(rows, columns=["node", "nama", "kode_kab"])


_RANK = {"ibukota_provinsi": 0, "ibukota_kabupaten": 1, "ibukota_kecamatan": 2, "desa": 3}


def _settlements(G: nx.MultiDiGraph) -> pd.DataFrame:
    rows = [
        {
            "node": n,
            "nama": d.get("name"),
            "kode_desa": d.get("kode_desa"),
            "kode_kec": d.get("kode_kec"),
            "kode_kab": d.get("kode_kab"),
            "penduduk": d.get("penduduk", np.nan),
            "peran": d.get("peran", "desa"),
        }
        for n, d in G.nodes(data=True)
        if d.get("kind") == "settlement"
    ]
    cols = ["node", "nama", "kode_desa", "kode_kec", "kode_kab", "penduduk", "peran"]
    df = pd.DataFrame(rows, columns=cols).astype({"penduduk": float})
    df["rank"] = df["peran"].map(_RANK).fillna(3)
    return df


def destination_table(
    G: nx.MultiDiGraph, level: str = "desa", *, units: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One destination node per desa or kecamatan.

    The settlement of a unit is its most important one (capital first, then the most
    populous). Units of ``units`` without any settlement node are kept with ``node = -1`` (they
    come out of :func:`route_all` as unreachable, never dropped).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Network with settlement nodes carrying ``kode_desa``/``kode_kec``.
    level : {"desa", "kecamatan"}
        Which unit.
    units : DataFrame, optional
        The desa or kecamatan table (``kode``, ``nama``, optional ``tps``, ``penduduk``): its
        units are the destinations and its ``tps``/``penduduk`` win.

    Returns
    -------
    DataFrame
        ``kode``, ``nama``, ``node``, ``kode_kec``, ``kode_kab``, ``penduduk``, ``tps``.
    """
    if level not in ("desa", "kecamatan"):
        raise ValueError(f"level must be 'desa' or 'kecamatan', not {level!r}")
    key = "kode_desa" if level == "desa" else "kode_kec"
    s = _settlements(G)
    s = s[s[key].notna()].sort_values(
        [key, "rank", "penduduk", "node"], ascending=[True, True, False, True]
    )
    pop = s.groupby(key)["penduduk"].sum(min_count=1)
    best = s.drop_duplicates(key).set_index(key)
    out = pd.DataFrame(
        {
            "kode": best.index.astype(str),
            "nama": best["nama"].to_numpy(),
            "node": best["node"].to_numpy(),
            "kode_kec": (best["kode_kec"] if key != "kode_kec" else best.index).to_numpy(),
            "kode_kab": best["kode_kab"].to_numpy(),
            "penduduk": pop.reindex(best.index).to_numpy(),
            "tps": np.nan,
        }
    )
    if units is not None:
        out = _merge_units(out, units, level)
    out["kode_kab"] = out["kode_kab"].fillna(out["kode"].str[:5])
    if level == "kecamatan":
        out["kode_kec"] = out["kode_kec"].fillna(out["kode"])
    return out.reset_index(drop=True)


def _merge_units(out: pd.DataFrame, units: pd.DataFrame, level: str) -> pd.DataFrame:
    if "kode" not in units:
        raise MissingColumnError(
            f"{level} table: column 'kode' is missing (has {list(units.columns)})"
        )
    u = pd.DataFrame(units.drop(columns="geometry", errors="ignore")).copy()
    u["kode"] = u["kode"].astype(str)
    keep = ["kode", *[c for c in ("nama", "tps", "penduduk", "kode_kec", "kode_kab") if c in u]]
    merged = u[keep].merge(out, on="kode", how="left", suffixes=("", "_node"))
    for c in ("nama", "tps", "penduduk", "kode_kec", "kode_kab"):
        if f"{c}_node" in merged:
            merged[c] = merged[c].fillna(merged[f"{c}_node"]) if c in keep else merged[f"{c}_node"]
            merged = merged.drop(columns=f"{c}_node")
    missing = merged["node"].isna()
    if missing.any():
        logger.warning(
            "%d %s have no settlement node; they are reported unreachable: %s",
            int(missing.sum()),
            level,
            merged.loc[missing, "kode"].tolist()[:10],
        )
    merged["node"] = merged["node"].fillna(-1).astype(np.int64)
    return merged[["kode", "nama", "node", "kode_kec", "kode_kab", "penduduk", "tps"]]


# ------------------------------------------------------------------------------------------
# Routes
# ------------------------------------------------------------------------------------------
def default_departure() -> pd.Timestamp:
    """Departure from the warehouses: ``settings.departure_days_before`` days before voting, 06:00."""
    day = pd.Timestamp(settings.voting_day).normalize()
    return day - pd.Timedelta(days=settings.departure_days_before) + pd.Timedelta(hours=6)


def default_deadline() -> pd.Timestamp:
    """The delivery deadline: H-``deadline_days_before`` at ``deadline_hour`` (H-1 18:00)."""
    day = pd.Timestamp(settings.voting_day).normalize()
    return (
        day
        - pd.Timedelta(days=settings.deadline_days_before)
        + pd.Timedelta(hours=settings.deadline_hour)
    )


def echelon_deadlines(
    deadline: str | pd.Timestamp | None = None,
) -> dict[str, pd.Timestamp]:
    """Deadline of each echelon: ``pps`` (the desa: ``deadline`` or H-1 18:00), ``ppk`` and
    ``tps`` counted from it in days (``settings.ppk_deadline_days_before`` vs
    ``deadline_days_before``: H-3 18:00 by default; ``tps_deadline_*``: H 06:00), so a deadline
    given for another election moves all three."""
    pps = pd.Timestamp(deadline) if deadline is not None else default_deadline()
    day = pps.normalize() + pd.Timedelta(days=settings.deadline_days_before)  # voting day
    ppk = day - pd.Timedelta(days=settings.ppk_deadline_days_before)
    ppk += pd.Timedelta(hours=settings.ppk_deadline_hour)
    tps = day - pd.Timedelta(days=settings.tps_deadline_days_before)
    tps += pd.Timedelta(hours=settings.tps_deadline_hour)
    return {"ppk": min(ppk, pps), "pps": pps, "tps": max(tps, pps)}


def _assign_depots(
    times: pd.DataFrame, depots: pd.DataFrame, dest: pd.DataFrame, assign: str
) -> np.ndarray:
    """Depot node serving each destination: its kabupaten's depot, else the fastest."""
    reach = dest["node"].to_numpy() >= 0
    nodes = np.where(reach, dest["node"].to_numpy(), times.columns[0] if len(times.columns) else 0)
    sub = times.reindex(columns=pd.Index(nodes)).to_numpy()
    fastest = np.asarray(times.index)[np.argmin(sub, axis=0)] if len(times) else np.array([])
    if assign == "fastest" or "kode_kab" not in depots:
        return fastest
    if assign != "kabupaten":
        raise ValueError(f"assign must be 'kabupaten' or 'fastest', not {assign!r}")
    by_kab = (
        depots.dropna(subset=["kode_kab"]).drop_duplicates("kode_kab").set_index("kode_kab")["node"]
    )
    own = dest["kode_kab"].map(by_kab)
    return np.where(own.notna(), own.to_numpy(dtype=object), fastest)


_MODE_LABEL = {"access": "akses", "transfer": "alih_moda"}


def _path_records(table: EdgeTable, rows: list[int]) -> dict[str, Any]:
    """Geometry (projected), modes, length and cost of a path given as edge-table rows."""
    coords: list[np.ndarray] = []
    runs: list[list[Any]] = []
    mode_col, len_col, t_col = table["mode"], table["length_km"], table["travel_time_h"]
    geoms = table["geometry"]
    for r in rows:
        geom = geoms[r]
        if geom is not None:
            xy = shapely.get_coordinates(geom)
        else:
            u, v = table.u[r], table.v[r]
            xy = np.array(
                [
                    [table.node_cols["x"][u], table.node_cols["y"][u]],
                    [table.node_cols["x"][v], table.node_cols["y"][v]],
                ]
            )
        coords.append(xy if not coords else xy[1:])
        mode = _MODE_LABEL.get(mode_col[r], mode_col[r])
        if runs and runs[-1][0] == mode:
            runs[-1][1] += len_col[r]
            runs[-1][2] += t_col[r]
        else:
            runs.append([mode, len_col[r], t_col[r]])
    vehicle_modes = set(modes())
    used = list(dict.fromkeys(r[0] for r in runs if r[0] in vehicle_modes))
    geom = None
    if coords:
        allxy = np.vstack(coords)
        geom = shapely.LineString(allxy) if len(allxy) >= 2 else None
    detail = " > ".join(f"{m} {km:.1f} km {h:.2f} h" for m, km, h in runs if h > 0 or km > 0)
    idx = np.array(rows, dtype=np.int64)
    return {
        "geometry": geom,
        "moda": "+".join(used) if used else "akses",
        "jalur_moda": detail,
        "panjang_km": float(len_col[idx].sum()) if len(idx) else 0.0,
        "biaya_rp": float(table["cost"][idx].sum()) if len(idx) else 0.0,
    }


def _depot_frame(G: nx.MultiDiGraph, depots: pd.DataFrame | Sequence[Any] | None) -> pd.DataFrame:
    if depots is None:
        return depot_table(G)
    if isinstance(depots, pd.DataFrame):
        return depots
    nodes = list(depots)
    return pd.DataFrame(
        {"node": nodes, "nama": [G.nodes[n].get("name", str(n)) for n in nodes], "kode_kab": None}
    )


def route_all(
    G: nx.MultiDiGraph,
    depots: pd.DataFrame | Sequence[Any] | None = None,
    destinations: pd.DataFrame | None = None,
    *,
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    weight: str = "travel_time_h",
    assign: str = "kabupaten",
    risk: pd.DataFrame | None = None,
    return_paths: bool = False,
    records: bool = True,
) -> Any:
    """Fastest route from a depot to every destination, with arrival and deadline check.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Network from :func:`~kewaspadaan.network.build.build_network`.
    depots : DataFrame or sequence of node ids, optional
        Depots (``node``, ``nama``, ``kode_kab``); default every depot node of ``G``.
    destinations : DataFrame, optional
        From :func:`destination_table` (``kode``, ``nama``, ``node``...); default every desa.
    departure : str or Timestamp, optional
        Departure time from the depot (default :func:`default_departure`).
    deadline : str or Timestamp, optional
        Arrival deadline (default :func:`default_deadline`, H-1 18:00).
    weight : str, default "travel_time_h"
        Edge attribute minimised.
    assign : {"kabupaten", "fastest"}
        Serve each destination from its kabupaten's depot (KPU practice; fastest depot when its
        kabupaten has none) or from the fastest depot.
    risk : DataFrame, optional
        Risk table (``kode``, ``kelas``, geometry) for ``jam_zona_rawan_h``; without it the
        column is NaN.
    return_paths : bool, default False
        Also return ``{tujuan_kode: [node, ...]}``.
    records : bool, default True
        Build each route's geometry, ``jalur_moda``, ``panjang_km`` and ``biaya_rp`` (off:
        only times, for callers that need no geometry, such as the critical links).

    Returns
    -------
    GeoDataFrame or (GeoDataFrame, dict)
        Columns of :data:`schema.ROUTE_COLUMNS` plus ``jalur_moda``, ``panjang_km``,
        ``biaya_rp``, ``depot_node``, ``tujuan_node``, ``kode_kab``, ``penduduk``, ``tps``; one
        row per destination (unreachable ones have ``terjangkau=False``, ``tiba`` NaT, empty
        geometry and ``terlambat=True``), EPSG:4326.
    """
    dep = _depot_frame(G, depots)
    dest = destination_table(G) if destinations is None else destinations.reset_index(drop=True)
    dep_t = pd.Timestamp(departure) if departure is not None else default_departure()
    dead_t = pd.Timestamp(deadline) if deadline is not None else default_deadline()
    times, sp = travel_time_matrix(G, dep["node"], None, weight=weight, return_predecessors=True)
    table = edge_table(G)
    chosen = _assign_depots(times, dep, dest, assign)
    names = dict(zip(dep["node"], dep.get("nama", dep["node"]), strict=True))
    recs, paths = [], {}
    for i, row in enumerate(dest.itertuples(index=False)):
        depot, node = chosen[i], row.node
        t = float(times.at[depot, node]) if node in G else np.inf
        rec: dict[str, Any] = {
            "geometry": None,
            "moda": "",
            "jalur_moda": "",
            "panjang_km": np.nan,
            "biaya_rp": np.nan,
        }
        if np.isfinite(t):
            path = sp.path(depot, node)
            paths[row.kode] = path
            if records:
                rows = [sp.csr.edge_row(a, b) for a, b in itertools.pairwise(path)]
                rec.update(_path_records(table, rows))
        recs.append(
            {
                "tujuan_kode": row.kode,
                "tujuan_nama": row.nama,
                "depot": names[depot],
                "waktu_tempuh_h": t,
                "depot_node": depot,
                "tujuan_node": node,
                **rec,
            }
        )
    out = pd.DataFrame(recs)
    return _finish_routes(G, out, dest, dep_t, dead_t, risk, paths, return_paths)


def _finish_routes(
    G: nx.MultiDiGraph,
    out: pd.DataFrame,
    dest: pd.DataFrame,
    dep_t: pd.Timestamp,
    dead_t: pd.Timestamp,
    risk: pd.DataFrame | None,
    paths: dict[str, list[Any]],
    return_paths: bool,
) -> Any:
    ok = np.isfinite(out["waktu_tempuh_h"].to_numpy(float))
    out["terjangkau"] = ok
    out["berangkat"] = dep_t
    hours = pd.to_timedelta(np.where(ok, out["waktu_tempuh_h"], 0.0), unit="h").round("s")
    out["tiba"] = (dep_t + hours).where(ok, pd.NaT)
    out["tenggat"] = dead_t
    out["terlambat"] = ~ok | (out["tiba"] > dead_t).to_numpy()
    out["jam_zona_rawan_h"] = np.nan
    for c in ("kode_kab", "kode_kec", "penduduk", "tps"):
        if c in dest:
            out[c] = dest[c].to_numpy()
    if risk is not None:
        exp = route_risk_exposure(G, paths, risk)
        out["jam_zona_rawan_h"] = out["tujuan_kode"].map(exp["jam_zona_rawan_h"])
        out["kelas_tertinggi"] = out["tujuan_kode"].map(exp["kelas_tertinggi"])
    else:
        logger.debug("no risk table given: jam_zona_rawan_h left empty")
    gdf = gpd.GeoDataFrame(out, geometry="geometry", crs=G.graph["crs"]).to_crs(MAP_CRS)
    extra = [c for c in gdf.columns if c not in ROUTE_COLUMNS]
    gdf = gdf[[*ROUTE_COLUMNS[:-1], *extra, "geometry"]]
    late = int((gdf["terlambat"] & gdf["terjangkau"]).sum())
    logger.info(
        "routes: %d destinations, %d unreachable, %d late (deadline %s)",
        len(gdf),
        int((~gdf["terjangkau"]).sum()),
        late,
        dead_t,
    )
    return (gdf, paths) if return_paths else gdf
