"""Disruptions: close links (low water, a bridge, an airstrip in bad weather), see who is hit,
and rank the critical links by the TPS or population they cut off or delay.

Closing never deletes anything: edges get ``closed=True`` on a copy of the graph, so the same
node ids and routes can be compared before and after.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from kewaspadaan._errors import MissingColumnError, NetworkError
from kewaspadaan.crs import MAP_CRS
from kewaspadaan.network.routing import destination_table, route_all, to_csr

__all__ = ["close_edges", "close_low_water", "critical_links", "disruption_report"]

logger = logging.getLogger(__name__)

EdgePredicate = Callable[[Any, Any, dict[str, Any]], bool]


def close_edges(
    G: nx.MultiDiGraph,
    *,
    ids: Iterable[str] | None = None,
    modes: Iterable[str] | None = None,
    nodes: Iterable[Any] | None = None,
    predicate: EdgePredicate | None = None,
) -> nx.MultiDiGraph:
    """Return a copy of ``G`` with the matching edges closed (``closed=True``), both directions.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network.
    ids : iterable of str, optional
        Edge ``id`` (source feature, e.g. a road ``J12`` or river reach) or ``edge_id``
        (one segment, e.g. ``jalan:J12:0``). Unknown ids raise :class:`NetworkError`.
    modes : iterable of str, optional
        Close every edge of these modes (e.g. ``["air"]`` for bad flying weather).
    nodes : iterable, optional
        Node ids or node names (e.g. an airstrip's ``nama``): every edge touching them closes.
    predicate : callable, optional
        ``predicate(u, v, data) -> bool``; e.g. ``lambda u, v, d: d.get("jembatan", False)``.

    Returns
    -------
    networkx.MultiDiGraph
        A copy; ``graph["closed"]`` lists the ``edge_id`` closed (accumulating over calls).
    """
    ids = set(map(str, ids or ()))
    modes = set(modes or ())
    node_set = _resolve_nodes(G, nodes)
    found: set[str] = set()
    H = G.copy()
    closed = []
    for u, v, d in H.edges(data=True):
        hit_id = ids and (str(d.get("id")) in ids or str(d.get("edge_id")) in ids)
        if hit_id:
            found.update({str(d.get("id")), str(d.get("edge_id"))} & ids)
        hit = (
            hit_id
            or d.get("mode") in modes
            or u in node_set
            or v in node_set
            or (predicate is not None and predicate(u, v, d))
        )
        if hit and not d.get("closed", False):
            d["closed"] = True
            closed.append(d.get("edge_id", f"{u}-{v}"))
    unknown = sorted(ids - found)
    if unknown:
        raise NetworkError(
            f"close_edges: unknown edge id(s) {unknown[:10]}; use an edge 'id' or "
            "'edge_id' of the network (see graph_to_gdfs(G, nodes=False))"
        )
    H.graph["closed"] = [*G.graph.get("closed", []), *sorted(set(closed))]
    logger.info("closed %d directed edges (%d links)", len(closed), len(set(closed)))
    return H


def _resolve_nodes(G: nx.MultiDiGraph, nodes: Iterable[Any] | None) -> set[Any]:
    out: set[Any] = set()
    unknown = []
    by_name: dict[str, list[Any]] = {}
    for n, name in G.nodes(data="name"):
        if name is not None:
            by_name.setdefault(str(name), []).append(n)
    for item in nodes or ():
        if item in G:
            out.add(item)
        elif str(item) in by_name:
            out.update(by_name[str(item)])
        else:
            unknown.append(item)
    if unknown:
        raise NetworkError(
            f"close_edges: unknown node(s) {unknown[:10]}; give node ids or names "
            "of ports/airstrips/settlements"
        )
    return out


def close_low_water(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Close every river reach flagged ``surut_musiman`` (impassable at seasonal low water)."""
    return close_edges(G, predicate=lambda u, v, d: bool(d.get("surut_musiman", False)))


def disruption_report(
    before: pd.DataFrame, after: pd.DataFrame, *, include_unaffected: bool = False
) -> pd.DataFrame:
    """Compare two route tables: who becomes late or unreachable, and by how much.

    Parameters
    ----------
    before, after : DataFrame
        Route tables from :func:`~kewaspadaan.network.routing.route_all` (same destinations).
    include_unaffected : bool, default False
        Keep destinations whose time did not change.

    Returns
    -------
    DataFrame
        ``tujuan_kode``, ``tujuan_nama``, ``waktu_sebelum_h``, ``waktu_sesudah_h``,
        ``tambahan_h`` (inf when cut off), ``terlambat_sebelum/sesudah``,
        ``terjangkau_sebelum/sesudah`` and ``status``: ``tidak terjangkau`` (newly
        unreachable), ``terlambat`` (newly late), ``tertunda`` (slower, still on time),
        ``lebih cepat`` or ``tetap``; worst first.
    """
    cols = ["tujuan_kode", "tujuan_nama", "waktu_tempuh_h", "terlambat", "terjangkau"]
    for name, df in (("before", before), ("after", after)):
        missing = [c for c in cols if c not in df]
        if missing:
            raise MissingColumnError(
                f"disruption_report: {name} lacks {missing}; pass route tables from route_all"
            )
    b = pd.DataFrame(before[cols])
    a = pd.DataFrame(after[cols[:1] + cols[2:]])
    m = b.merge(
        a, on="tujuan_kode", how="outer", suffixes=("_sebelum", "_sesudah"), validate="one_to_one"
    )
    m = m.rename(
        columns={
            "waktu_tempuh_h_sebelum": "waktu_sebelum_h",
            "waktu_tempuh_h_sesudah": "waktu_sesudah_h",
        }
    )
    with np.errstate(invalid="ignore"):
        delta = m["waktu_sesudah_h"] - m["waktu_sebelum_h"]
    new_cut = m["terjangkau_sebelum"].astype(bool) & ~m["terjangkau_sesudah"].astype(bool)
    delta = delta.where(~new_cut, np.inf).fillna(0.0)
    m["tambahan_h"] = delta
    new_late = ~m["terlambat_sebelum"].astype(bool) & m["terlambat_sesudah"].astype(bool)
    status = np.select(
        [new_cut, new_late & ~new_cut, delta > 1e-9, delta < -1e-9],
        ["tidak terjangkau", "terlambat", "tertunda", "lebih cepat"],
        "tetap",
    )
    m["status"] = status
    order = {"tidak terjangkau": 0, "terlambat": 1, "tertunda": 2, "lebih cepat": 3, "tetap": 4}
    m = (
        m.assign(_o=m["status"].map(order))
        .sort_values(["_o", "tambahan_h", "tujuan_kode"], ascending=[True, False, True])
        .drop(columns="_o")
    )
    if not include_unaffected:
        m = m[m["status"] != "tetap"]
    return m.reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# Critical links
# ------------------------------------------------------------------------------------------
def _usage(
    G: nx.MultiDiGraph, routes: pd.DataFrame, paths: dict[str, list[Any]], weights: pd.Series
) -> tuple[dict[str, float], dict[str, tuple[Any, Any, Any]]]:
    """Weight of destinations using each link, and one directed edge of each link."""
    csr = to_csr(G)
    usage: dict[str, float] = {}
    edge_of: dict[str, tuple[Any, Any, Any]] = {}
    pos = {k: i for i, k in enumerate(routes["tujuan_kode"])}
    for kode, p in paths.items():
        i = pos[kode]
        for u, v in itertools.pairwise(p):
            k = csr.edge_key(u, v)
            eid = str(G.edges[u, v, k].get("edge_id", f"{u}-{v}"))
            if eid not in edge_of:
                edge_of[eid] = (u, v, k)
            usage[eid] = usage.get(eid, 0.0) + float(weights.iloc[i])
    return usage, edge_of


def _graph_cuts(G: nx.MultiDiGraph) -> tuple[set[frozenset[Any]], set[Any]]:
    """Bridges and articulation points of the undirected simple view of the open edges."""
    H = nx.Graph()
    H.add_nodes_from(G)
    multi: set[frozenset[Any]] = set()
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


def critical_links(
    G: nx.MultiDiGraph,
    depots: pd.DataFrame | None = None,
    destinations: pd.DataFrame | None = None,
    *,
    weight_col: str = "tps",
    top: int = 20,
    max_candidates: int = 300,
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    modes: Iterable[str] = ("road", "river", "sea", "air"),
) -> gpd.GeoDataFrame:
    """Rank links by what their closure cuts off or makes late.

    Each candidate link (the ``max_candidates`` links carrying the most ``weight_col`` on the
    current fastest routes) is closed in turn (both directions, parallel links stay open) and
    the routes from the same depots recomputed on the CSR copy.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network.
    depots, destinations : DataFrame, optional
        As :func:`~kewaspadaan.network.routing.route_all` (default: every depot, every desa).
    weight_col : str, default "tps"
        Destination column weighting the impact (``tps`` or ``penduduk``).
    top : int, default 20
        Rows returned.
    max_candidates : int, default 300
        Links evaluated (most used first).
    departure, deadline : str or Timestamp, optional
        As ``route_all``.
    modes : iterable of str, default ("road", "river", "sea", "air")
        Modes of the links ranked: physical infrastructure that can close. The model's
        ``access`` and ``transfer`` connectors are left out by default.

    Returns
    -------
    GeoDataFrame
        ``peringkat``, ``edge_id``, ``id``, ``mode``, ``kelas``, ``nama``,
        ``tujuan_terputus``, ``<weight_col>_terputus``, ``tujuan_terlambat_baru``,
        ``<weight_col>_terlambat_baru``, ``tambahan_maks_h``, ``<weight_col>_x_jam``
        (weighted delay), ``pemakai_<weight_col>``, ``jembatan_graf`` (a bridge of the
        undirected network), ``simpul_artikulasi`` (an end is an articulation point), geometry
        (EPSG:4326); ranked by TPS cut off, then made late, then weighted delay.
    """
    dest = destination_table(G) if destinations is None else destinations
    if weight_col not in dest:
        raise MissingColumnError(
            f"critical_links: destinations lack {weight_col!r} (has "
            f"{list(dest.columns)}); pass units with it to "
            "destination_table or use weight_col='penduduk'"
        )
    routes, paths = route_all(
        G, depots, dest, departure=departure, deadline=deadline, return_paths=True
    )
    weights = pd.to_numeric(routes[weight_col], errors="coerce").fillna(0.0)
    usage, edge_of = _usage(G, routes, paths, weights)
    wanted = set(modes)
    ranked = [e for e in usage if G.edges[edge_of[e]].get("mode") in wanted]
    cands = sorted(ranked, key=lambda e: (-usage[e], e))[:max_candidates]
    bridges, artic = _graph_cuts(G)
    csr = to_csr(G)
    dep_nodes = list(dict.fromkeys(routes["depot_node"]))
    dep_row = {n: i for i, n in enumerate(dep_nodes)}
    src = np.array([csr.index[n] for n in dep_nodes])
    rows_i = np.array([dep_row[n] for n in routes["depot_node"]])
    reach = routes["terjangkau"].to_numpy()
    tgt = np.array([csr.index.get(n, 0) for n in routes["tujuan_node"]])
    base_t = routes["waktu_tempuh_h"].to_numpy(float)
    deadline_h = ((routes["tenggat"] - routes["berangkat"]).dt.total_seconds() / 3600).to_numpy()
    was_late = routes["terlambat"].to_numpy()
    recs = []
    for eid in cands:
        u, v, _ = edge_of[eid]
        data = _without_link(G, csr, eid, u, v)
        dist = np.atleast_2d(dijkstra(data, directed=True, indices=src))
        new_t = np.where(reach, dist[rows_i, tgt], np.inf)
        cut = reach & ~np.isfinite(new_t)
        late_new = ~was_late & ~cut & (new_t > deadline_h)
        with np.errstate(invalid="ignore"):
            delay = np.where(reach & ~cut, new_t - base_t, 0.0)
        recs.append(
            _link_record(
                G,
                eid,
                edge_of[eid],
                weight_col,
                weights,
                cut,
                late_new,
                delay,
                usage[eid],
                bridges,
                artic,
            )
        )
    out = pd.DataFrame(recs)
    if out.empty:
        return gpd.GeoDataFrame(out, geometry=[], crs=MAP_CRS)
    out = out.sort_values(
        [
            f"{weight_col}_terputus",
            f"{weight_col}_terlambat_baru",
            f"{weight_col}_x_jam",
            "edge_id",
        ],
        ascending=[False, False, False, True],
    ).head(top)
    out.insert(0, "peringkat", np.arange(1, len(out) + 1))
    gdf = gpd.GeoDataFrame(out, geometry="geometry", crs=G.graph["crs"]).to_crs(MAP_CRS)
    return gdf.reset_index(drop=True)


def _without_link(G: nx.MultiDiGraph, csr: Any, eid: str, u: Any, v: Any) -> Any:
    """CSR matrix with link ``eid`` removed both ways (other parallel open links kept)."""
    m = csr.matrix.copy()
    for a, b in ((u, v), (v, u)):
        if not G.has_edge(a, b):
            continue
        alt = [
            d[csr.weight]
            for d in G[a][b].values()
            if not d.get("closed", False) and str(d.get("edge_id")) != eid
        ]
        i, j = csr.index[a], csr.index[b]
        lo, hi = m.indptr[i], m.indptr[i + 1]
        pos = lo + int(np.searchsorted(m.indices[lo:hi], j))
        if pos < hi and m.indices[pos] == j:
            m.data[pos] = min(alt) if alt else np.inf
    return m


def _link_record(
    G: nx.MultiDiGraph,
    eid: str,
    edge: tuple[Any, Any, Any],
    wcol: str,
    weights: pd.Series,
    cut: np.ndarray,
    late_new: np.ndarray,
    delay: np.ndarray,
    used: float,
    bridges: set[frozenset[Any]],
    artic: set[Any],
) -> dict[str, Any]:
    u, v, k = edge
    d = G.edges[u, v, k]
    w = weights.to_numpy(float)
    return {
        "edge_id": eid,
        "id": d.get("id"),
        "mode": d.get("mode"),
        "kelas": d.get("kelas"),
        "nama": d.get("nama"),
        "tujuan_terputus": int(cut.sum()),
        f"{wcol}_terputus": float(w[cut].sum()),
        "tujuan_terlambat_baru": int(late_new.sum()),
        f"{wcol}_terlambat_baru": float(w[late_new].sum()),
        "tambahan_maks_h": float(delay.max()) if len(delay) else 0.0,
        f"{wcol}_x_jam": float((w * delay).sum()),
        f"pemakai_{wcol}": used,
        "jembatan_graf": frozenset((u, v)) in bridges,
        "simpul_artikulasi": u in artic or v in artic,
        "geometry": d.get("geometry"),
    }
