"""Travel times and distances per vehicle type: the matrices the delivery planner works on.

Each vehicle type moves on its own network (:func:`vehicle_network`), cut from the graph's
edge table by the mode registry and the type's limits:

- the edges of its mode whose class it may use (``VehicleType.kelas``), riam reaches only if it
  passes riam, flights only where both runways are long enough (``landas_min_m``; unknown
  length: helicopters only);
- the access and transfer edges touching a node of its mode (its line nodes and terminals:
  river ports for boats, sea ports for ships, airstrips for aircraft), so it can load at a
  depot or hub and unload at a settlement;
- moving time per edge: roads ``length / min(class speed, type speed)``; rivers ``length /
  speed over ground`` (still-water speed -/+ the current, riam capped,
  :func:`~kewaspadaan.network.rivers.river_speed_kmh`); sea and air ``length / cruise speed``
  plus ``settings.air_leg_overhead_h`` per flight; connectors their walk and handling time;
- distance counts only the vehicle's own edges (the walk to a landing is not vehicle-km).

A helicopter that lands at settlements (``mendarat_di_permukiman``) flies straight between any
two points within ``settings.air_max_range_km["helikopter"]`` instead.

One Dijkstra per source gives both the moving time and the distance along the fastest path:
edge weights encode ``(centiseconds, km)`` lexicographically (exact to 0.01 km).
"""

from __future__ import annotations

import itertools
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from kewaspadaan import settings
from kewaspadaan.network.graph import EdgeTable, _aggregate, edge_table
from kewaspadaan.network.modes import VehicleType, get_mode
from kewaspadaan.network.rivers import river_speed_kmh

__all__ = ["VehicleNetwork", "edge_hours_km", "mode_nodes", "travel_matrices", "vehicle_network"]

logger = logging.getLogger(__name__)

_SCALE_T = 360_000.0  # centiseconds per hour
_SCALE_K = 1e5  # km slot of the encoded weight (km < 1e5)

_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[Any, VehicleNetwork]] = (
    weakref.WeakKeyDictionary()
)


def mode_nodes(table: EdgeTable, mode: str) -> np.ndarray:
    """Mask of the nodes of a mode's own network (line nodes and terminals)."""
    m = get_mode(mode)
    ok = np.isin(table.kind, list(m.node_kinds))
    for kind, kategori in m.terminals:
        here = table.kind == kind
        if kategori is not None:
            here &= table.node_cols["kategori"] == kategori
        ok |= here
    return ok


def edge_hours_km(table: EdgeTable, vt: VehicleType) -> tuple[np.ndarray, np.ndarray]:
    """Moving hours and vehicle-km per edge of ``table`` for ``vt`` (``inf`` = not usable)."""
    mode = table["mode"]
    length = table["length_km"]
    kelas = table["kelas"]
    hours = np.full(len(table), np.inf)
    km = np.zeros(len(table))
    own = mode == vt.moda
    if vt.kelas:
        own &= np.isin(kelas, list(vt.kelas))
    if vt.moda == "road":
        cls = np.array(
            [settings.network_speeds_kmh["road"].get(k, np.nan) for k in kelas], dtype=float
        )
        speed = np.fmin(cls, vt.kecepatan_kmh)
        hours = np.where(own, length / speed, hours)
    elif vt.moda == "river":
        if not vt.riam:
            own &= ~table["riam"]
        speed = river_speed_kmh(vt.kecepatan_kmh, table["arus_kmh"], table["hilir"], table["riam"])
        with np.errstate(divide="ignore"):
            hours = np.where(own & (speed > 0), length / speed, hours)
    elif vt.moda == "air":
        runway = table["landas_min_m"]
        fits = np.where(np.isnan(runway), vt.landas_min_m <= 0, runway >= vt.landas_min_m)
        own &= fits
        hours = np.where(own, length / vt.kecepatan_kmh + settings.air_leg_overhead_h, hours)
    else:
        hours = np.where(own, length / vt.kecepatan_kmh, hours)
    km = np.where(own, length, 0.0)
    mine = mode_nodes(table, vt.moda)
    conn = np.isin(mode, ["access", "transfer"]) & (mine[table.u] | mine[table.v])
    hours = np.where(conn, table["travel_time_h"], hours)
    hours = np.where(table.open(), hours, np.inf)
    return hours, km


@dataclass
class VehicleNetwork:
    """The network of one vehicle type as an encoded CSR matrix (see the module doc).

    Attributes
    ----------
    vt : VehicleType
    table : EdgeTable
    matrix : scipy.sparse.csr_matrix or None
        Encoded weights; ``None`` for a helicopter flying straight (``direct``).
    direct : bool
        Straight flights between any two points.
    """

    vt: VehicleType
    table: EdgeTable
    matrix: csr_matrix | None
    direct: bool = False
    rows: np.ndarray | None = None

    def path_rows(self, source: Any, target: Any) -> list[int]:
        """:class:`EdgeTable` rows of the vehicle's fastest path (empty: none, or direct)."""
        if self.direct or self.matrix is None or source == target:
            return []
        s, t = self.table.index[source], self.table.index[target]
        _, pred = dijkstra(self.matrix, directed=True, indices=s, return_predecessors=True)
        path = [t]
        while path[-1] != s:
            p = int(pred[path[-1]])
            if p < 0:
                return []
            path.append(p)
        path = path[::-1]
        m = self.matrix
        rows = self.rows if self.rows is not None else np.zeros(0, dtype=np.int64)
        out = []
        for a, b in itertools.pairwise(path):
            lo, hi = m.indptr[a], m.indptr[a + 1]
            out.append(int(rows[lo + int(np.searchsorted(m.indices[lo:hi], b))]))
        return out

    def times(
        self, sources: Sequence[Any], targets: Sequence[Any], *, limit_h: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Moving hours and vehicle-km from each source to each target node (``inf``/NaN if
        unreachable; ``limit_h`` stops the search there, farther targets come out ``inf``)."""
        src = np.array([self.table.index[s] for s in sources], dtype=np.int64)
        tgt = np.array([self.table.index[t] for t in targets], dtype=np.int64)
        if self.direct:
            return self._direct(src, tgt)
        if len(src) == 0 or len(tgt) == 0:
            return np.zeros((len(src), len(tgt))), np.zeros((len(src), len(tgt)))
        lim = np.inf if limit_h is None else (limit_h * _SCALE_T + 1) * _SCALE_K
        enc = np.atleast_2d(dijkstra(self.matrix, directed=True, indices=src, limit=lim))[:, tgt]
        ok = np.isfinite(enc)
        cs = np.where(ok, np.floor(np.where(ok, enc, 0) / _SCALE_K), np.inf)
        km = np.where(ok, np.where(ok, enc, 0) - cs * _SCALE_K, np.nan)
        return cs / _SCALE_T, km

    def _direct(self, src: np.ndarray, tgt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.table.node_cols["x"], self.table.node_cols["y"]
        d = np.hypot(x[src][:, None] - x[tgt][None, :], y[src][:, None] - y[tgt][None, :]) / 1000
        rng = settings.air_max_range_km.get("helikopter", np.inf)
        h = np.where(d <= rng, d / self.vt.kecepatan_kmh + settings.air_leg_overhead_h, np.inf)
        h = np.where(d == 0, 0.0, h)
        return h, np.where(np.isfinite(h), d, np.nan)


def vehicle_network(G: nx.MultiDiGraph, vt: VehicleType) -> VehicleNetwork:
    """The network of vehicle type ``vt`` on ``G`` (cached per graph and type; the cache is
    checked against the graph like :func:`~kewaspadaan.network.graph.to_csr`)."""
    per = _CACHE.setdefault(G, {})
    table = edge_table(G)
    key = (vt, id(table))
    hit = per.get(key)
    if hit is not None and hit.table is table:
        return hit
    if vt.moda == "air" and vt.mendarat_di_permukiman:
        net = VehicleNetwork(vt, table, None, direct=True)
    else:
        hours, km = edge_hours_km(table, vt)
        ok = np.isfinite(hours)
        idx = np.flatnonzero(ok)
        w = np.round(hours[idx] * _SCALE_T) * _SCALE_K + np.minimum(km[idx], _SCALE_K - 1)
        m, pos = _aggregate(table.u[idx], table.v[idx], w, table.n_nodes)
        net = VehicleNetwork(vt, table, m, rows=idx[pos])
    per[key] = net
    return net


def travel_matrices(
    G: nx.MultiDiGraph, vt: VehicleType, nodes: Sequence[Any], *, origins: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Moving hours and vehicle-km between every pair of ``nodes`` for ``vt``.

    The first ``origins`` nodes are origins (depot, hubs): their rows and columns are exact.
    Between two destinations the search is bounded (``t(i, origin) + max_j t(origin, j)``): a
    longer direct leg is never better than passing through the origin, whose time (and
    distance) it is then given — a real path.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``hours[i, j]`` (``inf`` = no path) and ``km[i, j]``.
    """
    net = vehicle_network(G, vt)
    nodes = list(nodes)
    n = len(nodes)
    hours, km = np.full((n, n), np.inf), np.full((n, n), np.nan)
    o = max(1, origins)
    h_o, k_o = net.times(nodes[:o], nodes)
    hours[:o], km[:o] = h_o, k_o
    if n > o:
        h_back, k_back = net.times(nodes[o:], nodes[:o])
        hours[o:, :o], km[o:, :o] = h_back, k_back
        out_f = hours[:o, o:][np.isfinite(hours[:o, o:])]
        back_f = h_back[np.isfinite(h_back)]
        lim = None
        if len(out_f) and len(back_f) and not net.direct:
            lim = float(back_f.max() + out_f.max()) + 1e-6
        h_d, k_d = net.times(nodes[o:], nodes[o:], limit_h=lim)
        # through the best origin: a real path, used where the bounded search stopped short
        via_all = hours[o:, :o][:, :, None] + hours[:o, o:][None, :, :]  # (i, origin, j)
        best = np.argmin(np.where(np.isnan(via_all), np.inf, via_all), axis=1)  # (i, j)
        ii, jj = np.indices(best.shape)
        via = via_all[ii, best, jj]
        km_via = km[o:, :o][ii, best] + km[:o, o:][best, jj]
        worse = ~(h_d <= via)
        hours[o:, o:] = np.where(worse, via, h_d)
        km[o:, o:] = np.where(worse, km_via, k_d)
    np.fill_diagonal(hours, 0.0)
    np.fill_diagonal(km, 0.0)
    return hours, km
