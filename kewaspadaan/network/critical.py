"""Critical links: which road, river reach, sea lane or flight would cut off or delay the most
TPS if it closed.

Rule, in this order:

1. the fastest routes from the depots (:func:`~kewaspadaan.network.routing.route_all`) and
   their shortest-path trees;
2. links are grouped by source feature (a road ``id`` between junctions, a river reach
   between confluences; sea lanes, flights and connectors one by one): closing a link closes
   every segment of it, both directions;
3. the candidates are **every** link used by a fastest route and every bridge
   (``jembatan=True``), unless ``max_candidates`` limits them to the most used;
4. only the destinations whose fastest path uses a link can be hit by its closure (removing
   edges never shortens a path). A link whose used segments are bridges of the undirected
   network cuts all of them off (no search needed); any other re-runs Dijkstra only from the
   depots of those destinations, on the CSR matrix with that link's entries removed (parallel
   links stay open): exact, and at most one Dijkstra per used link;
5. a destination is cut off (``terputus``) when no path is left, newly late
   (``terlambat_baru``) when its new time passes the deadline; ranked by TPS cut off, then
   TPS made late, then TPS x hours of delay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError
from kewaspadaan.crs import MAP_CRS
from kewaspadaan.network.disruption import Closure
from kewaspadaan.network.graph import EdgeTable, edge_table, to_csr, travel_time_matrix
from kewaspadaan.network.modes import modes as registered_modes
from kewaspadaan.network.routing import destination_table, route_all

__all__ = ["critical_links"]

logger = logging.getLogger(__name__)


def _group_keys(table: EdgeTable, group: str) -> np.ndarray:
    """Rule 2: the link each edge belongs to."""
    eid = table["edge_id"]
    if group == "segment":
        return eid
    if group != "feature":
        raise ValueError(f"group must be 'feature' or 'segment', not {group!r}")
    line = np.isin(table["mode"], ["road", "river"]) & (table["id"] != "")
    prefix = np.where(table["mode"] == "road", "jalan:", "sungai:")
    return np.where(line, np.char.add(prefix.astype(str), table["id"].astype(str)), eid)


def _tree_usage(
    csr: Any, pred: np.ndarray, routes: pd.DataFrame, dep_row: dict[Any, int]
) -> dict[int, list[int]]:
    """Table rows of tree edges → destinations (route rows) whose fastest path uses them."""
    n = len(csr.nodes)
    entry_row = np.repeat(np.arange(n), np.diff(csr.matrix.indptr))
    keys = entry_row * n + csr.matrix.indices
    usage: dict[int, list[int]] = {}
    for i, (d, t, ok) in enumerate(
        zip(routes["depot_node"], routes["tujuan_node"], routes["terjangkau"], strict=True)
    ):
        if not ok:
            continue
        r, s, x = dep_row[d], csr.index[d], csr.index[t]
        path = [x]
        while path[-1] != s:
            path.append(int(pred[r, path[-1]]))
        p = np.array(path[::-1])
        if len(p) < 2:
            continue
        pos = np.searchsorted(keys, p[:-1] * n + p[1:])
        for row in csr.rows[pos].tolist():
            usage.setdefault(int(row), []).append(i)
    return usage


def _alternatives(table: EdgeTable, weights: np.ndarray) -> dict[tuple[int, int], list[tuple]]:
    """Open parallel edges per node pair, lightest first (pairs with more than one)."""
    ok = table.open() & np.isfinite(weights)
    pairs: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for i in np.flatnonzero(ok):
        pairs.setdefault((int(table.u[i]), int(table.v[i])), []).append((float(weights[i]), int(i)))
    return {k: sorted(v) for k, v in pairs.items() if len(v) > 1}


def critical_links(
    G: nx.MultiDiGraph,
    depots: pd.DataFrame | None = None,
    destinations: pd.DataFrame | None = None,
    *,
    weight_col: str = "tps",
    top: int = 20,
    max_candidates: int | None = None,
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    modes: Iterable[str] | None = None,
    scenario: str | None = None,
    group: str = "feature",
) -> gpd.GeoDataFrame:
    """Rank links by what their closure cuts off or makes late (rules in the module doc).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (closures already applied stay closed).
    depots, destinations : DataFrame, optional
        As :func:`~kewaspadaan.network.routing.route_all` (default: every depot, every desa).
    weight_col : str, default "tps"
        Destination column weighting the impact (``tps`` or ``penduduk``).
    top : int, default 20
        Rows returned (``0`` = every candidate).
    max_candidates : int, optional
        Evaluate only this many links, most used first (default: every used link and every
        bridge, or ``settings.critical_links_max_candidates`` when
        ``settings.critical_links_all`` is false).
    departure, deadline : str or Timestamp, optional
        As ``route_all``.
    modes : iterable of str, optional
        Modes of the links ranked (default the vehicle modes: physical infrastructure that can
        close; add ``access``/``transfer`` for the model's connectors).
    scenario : str, optional
        A closure scenario applied first (``jalan_saja``: the road network alone).
    group : {"feature", "segment"}, default "feature"
        Rank whole links (roads between junctions, river reaches) or single segments.

    Returns
    -------
    GeoDataFrame
        ``peringkat``, ``edge_id`` (first segment), ``id``, ``kelompok`` (the link), ``mode``,
        ``kelas``, ``nama``, ``ruas`` (segments), ``tujuan_terputus``,
        ``<weight_col>_terputus``, ``tujuan_terlambat_baru``, ``<weight_col>_terlambat_baru``,
        ``tambahan_maks_h``, ``<weight_col>_x_jam`` (weighted delay), ``pemakai_<weight_col>``,
        ``jembatan`` (a bridge), ``jembatan_graf`` (a bridge of the undirected network),
        ``simpul_artikulasi`` (an end is an articulation point), ``skenario``; geometry in
        EPSG:4326.
    """
    if scenario is not None:
        G = Closure(scenarios=(scenario,)).apply(G)
    dest = destination_table(G) if destinations is None else destinations
    if weight_col not in dest:
        raise MissingColumnError(
            f"critical_links: destinations lack {weight_col!r} (has "
            f"{list(dest.columns)}); pass units with it to "
            "destination_table or use weight_col='penduduk'"
        )
    routes = pd.DataFrame(
        route_all(G, depots, dest, departure=departure, deadline=deadline, records=False)
    )
    weights = pd.to_numeric(routes[weight_col], errors="coerce").fillna(0.0).to_numpy(float)
    csr, table = to_csr(G), edge_table(G)
    dep_nodes = list(dict.fromkeys(routes["depot_node"]))
    dep_row = {n: i for i, n in enumerate(dep_nodes)}
    _, sp = travel_time_matrix(G, dep_nodes, [], return_predecessors=True)
    usage_rows = _tree_usage(csr, sp.predecessors, routes, dep_row)
    keys = _group_keys(table, group)
    wanted = set(registered_modes() if modes is None else modes)
    in_mode = np.isin(table["mode"], list(wanted))
    used: dict[str, set[int]] = {}
    used_rows: dict[str, set[int]] = {}
    for row, dests in usage_rows.items():
        if in_mode[row]:
            used.setdefault(str(keys[row]), set()).update(dests)
            used_rows.setdefault(str(keys[row]), set()).add(row)
    bridges = {str(k) for k in keys[in_mode & table["jembatan"] & table.open()]}
    cands = _candidates(used, bridges, weights, max_candidates)
    graph_bridges, artic = _graph_cuts(G)
    alt = _alternatives(table, table["travel_time_h"])
    rows_of = pd.Series(np.arange(len(table))).groupby(keys).apply(list).to_dict()
    reach = routes["terjangkau"].to_numpy(bool)
    ctx = {
        "n": len(routes),
        "csr": csr,
        "table": table,
        "alt": alt,
        "src": {n: csr.index[n] for n in dep_nodes},
        "dep": routes["depot_node"].to_numpy(),
        "tgt": np.array(
            [csr.index[t] if ok else 0 for t, ok in zip(routes["tujuan_node"], reach, strict=True)]
        ),
        "base": routes["waktu_tempuh_h"].to_numpy(float),
        "was_late": routes["terlambat"].to_numpy(bool),
        "deadline_h": (
            (routes["tenggat"] - routes["berangkat"]).dt.total_seconds() / 3600
        ).to_numpy(float),
    }
    recs = []
    is_bridge = np.array(
        [
            frozenset((table.nodes[a], table.nodes[b])) in graph_bridges
            for a, b in zip(table.u, table.v, strict=True)
        ],
        dtype=bool,
    )
    for key in cands:
        hit = sorted(used.get(key, ()))
        if hit and all(is_bridge[r] for r in used_rows[key]):
            # a bridge of the network: whoever's path crosses it is cut off (no Dijkstra)
            cut = np.zeros(len(routes), dtype=bool)
            cut[hit] = True
            late, delay = np.zeros(len(routes), dtype=bool), np.zeros(len(routes))
        else:
            cut, late, delay = _impact(ctx, rows_of[key], hit)
        recs.append(
            _record(
                G,
                table,
                key,
                rows_of[key],
                weight_col,
                weights,
                cut,
                late,
                delay,
                float(weights[hit].sum()),
                graph_bridges,
                artic,
            )
        )
    logger.info(
        "critical links: %d links tested (%d used by fastest routes, %d bridges), %d cut off TPS",
        len(cands),
        len(used),
        len(bridges),
        sum(r["tujuan_terputus"] > 0 for r in recs),
    )
    return _rank(recs, G, weight_col, top, scenario)


def _candidates(
    used: dict[str, set[int]], bridges: set[str], weights: np.ndarray, limit: int | None
) -> list[str]:
    """Rule 3: every used link and every bridge, or the ``limit`` most used."""
    load = {k: float(weights[sorted(v)].sum()) for k, v in used.items()}
    ordered = sorted(set(used) | bridges, key=lambda k: (-load.get(k, 0.0), k))
    if limit is None and not settings.critical_links_all:
        limit = settings.critical_links_max_candidates
    return ordered if limit is None else ordered[:limit]


def _impact(
    ctx: dict[str, Any], rows: list[int], hit: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 4-5: cut off / newly late / delay per destination when the rows close."""
    csr, table = ctx["csr"], ctx["table"]
    n = ctx["n"]
    cut, late, delay = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n)
    if not hit:
        return cut, late, delay
    m = csr.matrix
    closed = set(rows)
    saved: list[tuple[int, float]] = []
    for r in rows:  # take the link's entries out in place; restored below
        u, v = int(table.u[r]), int(table.v[r])
        lo, hi = m.indptr[u], m.indptr[u + 1]
        pos = lo + int(np.searchsorted(m.indices[lo:hi], v))
        if pos < hi and m.indices[pos] == v:
            others = [w for w, i in ctx["alt"].get((u, v), []) if i not in closed]
            saved.append((pos, float(m.data[pos])))
            m.data[pos] = others[0] if others else np.inf
    try:
        hit_arr = np.array(hit)
        dep = ctx["dep"][hit_arr]
        for d in dict.fromkeys(dep.tolist()):
            idx = hit_arr[dep == d]
            dist = dijkstra(m, directed=True, indices=ctx["src"][d])
            new_t = dist[ctx["tgt"][idx]]
            gone = ~np.isfinite(new_t)
            cut[idx] = gone
            late[idx] = ~gone & ~ctx["was_late"][idx] & (new_t > ctx["deadline_h"][idx])
            delay[idx] = np.where(gone, 0.0, new_t - ctx["base"][idx])
    finally:
        for pos, w in reversed(saved):
            m.data[pos] = w
    return cut, late, delay


def _graph_cuts(G: nx.MultiDiGraph) -> tuple[set[frozenset[Any]], set[Any]]:
    """Bridges and articulation points of the undirected simple view of the open edges."""
    H = nx.Graph()
    H.add_nodes_from(G)
    ids: dict[frozenset[Any], set[str]] = {}
    for u, v, d in G.edges(data=True):
        if d.get("closed", False) or u == v:
            continue
        pair = frozenset((u, v))
        ids.setdefault(pair, set()).add(str(d.get("edge_id")))
        H.add_edge(u, v)
    multi = {p for p, s in ids.items() if len(s) > 1}
    bridges = {frozenset(e) for e in nx.bridges(H)} - multi
    return bridges, set(nx.articulation_points(H))


def _record(
    G: nx.MultiDiGraph,
    table: EdgeTable,
    key: str,
    rows: list[int],
    wcol: str,
    w: np.ndarray,
    cut: np.ndarray,
    late: np.ndarray,
    delay: np.ndarray,
    used: float,
    bridges: set[frozenset[Any]],
    artic: set[Any],
) -> dict[str, Any]:
    first = min(rows, key=lambda r: str(table["edge_id"][r]))
    ends = [(table.nodes[table.u[r]], table.nodes[table.v[r]]) for r in rows]
    line = str(table["mode"][first]) in ("road", "river")
    geoms = [
        table["geometry"][r]
        for r in rows
        if (table.u[r] < table.v[r] or not line) and table["geometry"][r] is not None
    ]
    if not line:
        geoms = geoms[:1]
    return {
        "edge_id": str(table["edge_id"][first]),
        "id": str(table["id"][first]),
        "kelompok": key,
        "mode": str(table["mode"][first]),
        "kelas": str(table["kelas"][first]),
        "nama": G.edges[ends[0][0], ends[0][1], table.key[first]].get("nama"),
        "ruas": len({str(table["edge_id"][r]) for r in rows}),
        "tujuan_terputus": int(cut.sum()),
        f"{wcol}_terputus": float(w[cut].sum()),
        "tujuan_terlambat_baru": int(late.sum()),
        f"{wcol}_terlambat_baru": float(w[late].sum()),
        "tambahan_maks_h": float(delay.max()) if len(delay) else 0.0,
        f"{wcol}_x_jam": float((w * delay).sum()),
        f"pemakai_{wcol}": used,
        "jembatan": bool(table["jembatan"][rows].any()),
        "jembatan_graf": any(frozenset(e) in bridges for e in ends),
        "simpul_artikulasi": any(a in artic or b in artic for a, b in ends),
        "_geoms": geoms,
    }


def _rank(
    recs: list[dict[str, Any]], G: nx.MultiDiGraph, wcol: str, top: int, scenario: str | None
) -> gpd.GeoDataFrame:
    out = pd.DataFrame(recs)
    if out.empty:
        return gpd.GeoDataFrame(out, geometry=[], crs=MAP_CRS)
    out = out.sort_values(
        [f"{wcol}_terputus", f"{wcol}_terlambat_baru", f"{wcol}_x_jam", "kelompok"],
        ascending=[False, False, False, True],
    )
    if top:
        out = out.head(top)
    # geometry only for the rows kept (a long road is many segments)
    out["geometry"] = [
        shapely.union_all(g) if len(g) > 1 else (g[0] if g else None) for g in out.pop("_geoms")
    ]
    out.insert(0, "peringkat", np.arange(1, len(out) + 1))
    out["skenario"] = scenario or "semua_moda"
    gdf = gpd.GeoDataFrame(out, geometry="geometry", crs=G.graph["crs"]).to_crs(MAP_CRS)
    return gdf.reset_index(drop=True)
