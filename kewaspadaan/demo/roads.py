"""Road network of the demonstration province: least-cost paths over the terrain.

Roads are traced with :class:`skimage.graph.MCP_Geometric` on a cost surface (slope makes roads
expensive, crossing a river costs a bridge, the sea is impassable) on a grid ``road_factor`` times
coarser than the DEM:

1. *arteri*: a minimum spanning tree over the kabupaten/kota capitals, each edge a least-cost path;
2. *kolektor*: every kecamatan capital to the nearest point of the arteri network;
3. *lokal* / *setapak*: every desa settlement to the nearest road (shared trunks emerge because
   the paths follow one shortest-path forest); very remote desa get no road (river/air only).

The remote interior kabupaten gets its own network rooted at its capital, confined to its
territory, so no road links it to the rest of the province.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from shapely.geometry import LineString
from skimage.graph import MCP_Geometric

from kewaspadaan.demo.admin import Admin
from kewaspadaan.demo.hydrology import Hydrology
from kewaspadaan.demo.terrain import Terrain

__all__ = ["CLASSES", "Roads", "build_roads"]

logger = logging.getLogger(__name__)

#: Road classes, most important first.
CLASSES = ("arteri", "kolektor", "lokal", "setapak")


@dataclass
class Roads:
    """Road segments (UTM) split at junctions, class changes and bridges."""

    lines: list[LineString]
    kelas: list[str]
    jembatan: list[bool]
    nama: list[str]
    cells: np.ndarray  # bool raster (road grid) of road cells
    factor: int
    desa_connected: np.ndarray  # bool per desa: its settlement is on a road


def _coarse(a: np.ndarray, f: int, how: str) -> np.ndarray:
    if f == 1:
        return a.copy()
    r, c = a.shape[0] // f, a.shape[1] // f
    b = a[: r * f, : c * f].reshape(r, f, c, f)
    return {
        "any": b.any(axis=(1, 3)),
        "all": b.all(axis=(1, 3)),
        "mean": b.mean(axis=(1, 3)),
        "max": b.max(axis=(1, 3)),
    }[how]


def _cost(t: Terrain, h: Hydrology, f: int) -> tuple[np.ndarray, np.ndarray]:
    z = _coarse(h.filled_m, f, "mean")
    gy, gx = np.gradient(z, t.spec.cell_m * f)
    slope_pct = 100.0 * np.hypot(gx, gy)
    so = _coarse(h.strahler.reshape(t.shape), f, "max")
    river = so > 0
    cost = (1.0 + (slope_pct / 7.0) ** 2) + np.where(river, 12.0 + 6.0 * so, 0.0)
    land = _coarse(t.land, f, "any")
    return np.where(land, cost, np.inf), river


class _Builder:
    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        self.edges: dict[tuple[int, int], tuple[int, str]] = {}
        self.cells = np.zeros(shape, dtype=bool)

    def add(self, path: list[tuple[int, int]], rank: int, name: str) -> None:
        nc = self.shape[1]
        idx = [r * nc + c for r, c in path]
        for a, b in itertools.pairwise(idx):
            key = (min(a, b), max(a, b))
            if key not in self.edges or self.edges[key][0] > rank:
                self.edges[key] = (rank, name)
        rr, cc = zip(*path, strict=True)
        self.cells[list(rr), list(cc)] = True


def _mst_arteri(
    b: _Builder, cost: np.ndarray, caps: list[tuple[int, int]], names: list[str]
) -> None:
    pts = np.asarray(caps, dtype=float)
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    tree = minimum_spanning_tree(d + 1e-9 * (d > 0)).tocoo()
    for i, j in sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True)):
        m = MCP_Geometric(cost)
        m.find_costs([caps[i]], [caps[j]])
        b.add(m.traceback(caps[j]), 0, f"Jalan Poros {names[i]} - {names[j]}")


def _connect(
    b: _Builder,
    cost: np.ndarray,
    targets: list[tuple[int, int]],
    names: list[str],
    rank_of,
    max_cost: float | None = None,
) -> list[bool]:
    """Connect each target to the nearest existing road cell of the builder."""
    starts = np.argwhere(b.cells & np.isfinite(cost))
    if starts.size == 0:
        return [False] * len(targets)
    m = MCP_Geometric(cost)
    cum, _ = m.find_costs([tuple(x) for x in starts.tolist()])
    done = []
    for (r, c), name in zip(targets, names, strict=True):
        if not np.isfinite(cum[r, c]) or (max_cost is not None and cum[r, c] > max_cost):
            done.append(False)
            continue
        path = m.traceback((r, c))
        if len(path) > 1:
            b.add(path, rank_of(len(path), cum[r, c]), name)
        done.append(True)
    return done


def build_roads(
    t: Terrain, h: Hydrology, a: Admin, desa_names: list[str], rng: np.random.Generator
) -> Roads:
    """Trace the road network (see the module docstring).

    Parameters
    ----------
    t, h, a : Terrain, Hydrology, Admin
    desa_names : list of str
        Name of each desa (roads are named after the places they serve).
    rng : numpy.random.Generator
    """
    f = t.spec.road_factor
    cost, river = _cost(t, h, f)
    kab_c = _coarse(np.where(t.land, a.kab, -1), f, "max")
    remote_k = np.flatnonzero(a.kab_remote)
    in_remote = np.isin(kab_c, remote_k)
    cost_out = np.where(ndimage.binary_dilation(in_remote, iterations=3), np.inf, cost)
    cost_rem = np.where(ndimage.binary_erosion(in_remote, iterations=3), cost, np.inf)
    rc = np.minimum(a.desa_rc // f, np.array(cost.shape) - 1)
    b = _Builder(cost.shape)
    cell_km = t.spec.cell_m * f / 1000.0
    for remote, cst in ((False, cost_out), (True, cost_rem)):
        caps = [k for k in range(len(a.kab_jenis)) if a.kab_remote[k] == remote]
        cap_rc = [tuple(rc[a.kab_capital_desa[k]]) for k in caps]
        cap_names = [desa_names[a.kab_capital_desa[k]] for k in caps]
        for r, c in cap_rc:
            cst[r, c] = min(cst[r, c], cost[r, c]) if np.isfinite(cost[r, c]) else 1.0
        if len(caps) > 1:
            _mst_arteri(b, cst, cap_rc, cap_names)
        else:
            b.cells[cap_rc[0]] = True
        for k in caps:
            kec_desa = [
                int(a.kec_capital_desa[j])
                for j in np.flatnonzero(a.kec_kab == k)
                if not a.kec_island[j]
            ]
            _mst_roads(
                b,
                cst,
                [tuple(rc[d]) for d in kec_desa],
                [f"Jalan {desa_names[d]}" for d in kec_desa],
            )
        orphans = [
            int(a.kec_capital_desa[j])
            for j in range(len(a.kec_kab))
            if a.kab_remote[a.kec_kab[j]] == remote
            and not a.kec_island[j]
            and not b.cells[tuple(rc[a.kec_capital_desa[j]])]
        ]
        _connect(
            b,
            cst,
            [tuple(rc[d]) for d in orphans],
            [f"Jalan {desa_names[d]}" for d in orphans],
            lambda n, c: 1,
        )
    connected = np.zeros(len(a.desa_rc), dtype=bool)
    for j in range(len(a.kec_kab)):
        remote = bool(a.kab_remote[a.kec_kab[j]])
        cst = cost if a.kec_island[j] else (cost_rem if remote else cost_out)
        max_cost = (30.0 if remote else 60.0) * 3.0 / cell_km
        _desa_roads(b, cst, rc, a, j, desa_names, cell_km, max_cost, connected)
    lines, kelas, jembatan, nama = _segments(b, river, t, f)
    logger.info(
        "roads: %d segments, %.0f km, %d bridges; %d of %d desa on a road",
        len(lines),
        sum(ln.length for ln in lines) / 1000.0,
        sum(jembatan),
        int(connected.sum()),
        len(connected),
    )
    return Roads(
        lines=lines,
        kelas=kelas,
        jembatan=jembatan,
        nama=nama,
        cells=b.cells,
        factor=f,
        desa_connected=connected,
    )


def _path(cost: np.ndarray, p: tuple[int, int], q: tuple[int, int]) -> tuple[list, float]:
    """Least-cost path from ``p`` to ``q`` searched in a window around both (fast)."""
    margin = max(10, int(0.6 * np.hypot(p[0] - q[0], p[1] - q[1])))
    r0, c0 = max(min(p[0], q[0]) - margin, 0), max(min(p[1], q[1]) - margin, 0)
    r1 = min(max(p[0], q[0]) + margin + 1, cost.shape[0])
    c1 = min(max(p[1], q[1]) + margin + 1, cost.shape[1])
    m = MCP_Geometric(cost[r0:r1, c0:c1])
    a, b = (p[0] - r0, p[1] - c0), (q[0] - r0, q[1] - c0)
    cum, _ = m.find_costs([a], [b])
    if not np.isfinite(cum[b]):
        return [], np.inf
    return [(r + r0, c + c0) for r, c in m.traceback(b)], float(cum[b])


def _mst_roads(b: _Builder, cost: np.ndarray, pts: list[tuple[int, int]], names: list[str]) -> None:
    """Kolektor roads: a minimum spanning tree over a kabupaten's capitals (its own first)."""
    if len(pts) < 2:
        return
    p = np.asarray(pts, dtype=float)
    d = np.hypot(p[:, None, 0] - p[None, :, 0], p[:, None, 1] - p[None, :, 1])
    tree = minimum_spanning_tree(d + 1e-9 * (d > 0)).tocoo()
    for u, v in sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True)):
        path, _ = _path(cost, pts[u], pts[v])
        if path:
            b.add(path, 1, names[max(u, v)])


def _desa_roads(
    b: _Builder,
    cost: np.ndarray,
    rc: np.ndarray,
    a: Admin,
    j: int,
    desa_names: list[str],
    cell_km: float,
    max_cost: float,
    connected: np.ndarray,
) -> None:
    """Village roads of kecamatan ``j``: a minimum spanning tree over its settlements, each edge
    a least-cost path; too costly edges stay unbuilt (those desa are reached by river or air)."""
    ds = np.flatnonzero(a.desa_kec == j)  # the kecamatan capital first
    pts = rc[ds].astype(float)
    if len(ds) > 1:
        d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
        tree = minimum_spanning_tree(d + 1e-9 * (d > 0)).tocoo()
        built = []
        for u, v in sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True)):
            path, c = _path(cost, tuple(rc[ds[u]]), tuple(rc[ds[v]]))
            if not path or c > max_cost:
                continue
            far = ds[max(u, v)]
            rank = 2 if len(path) * cell_km < 15.0 and c / len(path) < 5.0 else 3
            b.add(path, rank, f"Jalan Desa {desa_names[far]}")
            built.append((u, v))
        if built:
            g = np.zeros((len(ds), len(ds)))
            for u, v in built:
                g[u, v] = g[v, u] = 1
            _, comp = connected_components(g, directed=False)
            cap_on_road = bool(b.cells[tuple(rc[ds[0]])])
            if cap_on_road or a.kec_island[j]:
                connected[ds[comp == comp[0]]] = True
    connected[ds] |= b.cells[rc[ds, 0], rc[ds, 1]] & ~np.isinf(cost[rc[ds, 0], rc[ds, 1]])


def _segments(
    b: _Builder, river: np.ndarray, t: Terrain, f: int
) -> tuple[list[LineString], list[str], list[bool], list[str]]:
    """Contract the cell graph into line segments between junctions, class changes and bridges."""
    nc = b.shape[1]
    adj: dict[int, list[tuple[int, tuple[int, str, bool]]]] = {}
    for (u, v), (rank, name) in b.edges.items():
        bridge = bool(river.flat[u] or river.flat[v])
        attr = (rank, name, bridge)
        adj.setdefault(u, []).append((v, attr))
        adj.setdefault(v, []).append((u, attr))

    def is_break(n: int) -> bool:
        nb = adj[n]
        return len(nb) != 2 or nb[0][1][0::2] != nb[1][1][0::2]

    seen: set[tuple[int, int]] = set()
    out: list[tuple[list[int], tuple[int, str, bool]]] = []
    starts = [n for n in sorted(adj) if is_break(n)] + sorted(adj)
    for s in starts:
        for nxt, attr in adj[s]:
            key = (min(s, nxt), max(s, nxt))
            if key in seen:
                continue
            chain = [s, nxt]
            seen.add(key)
            cur, prev = nxt, s
            while not is_break(cur) and cur != s:
                cand = [x for x, _ in adj[cur] if x != prev]
                if not cand:
                    break
                k2 = (min(cur, cand[0]), max(cur, cand[0]))
                if k2 in seen:
                    break
                seen.add(k2)
                prev, cur = cur, cand[0]
                chain.append(cur)
            out.append((chain, attr))
    lines, kelas, jembatan, nama = [], [], [], []
    scale = t.spec.cell_m * f
    for chain, (rank, name, bridge) in out:
        arr = np.asarray(chain)
        x = t.spec.x0_m + (arr % nc + 0.5) * scale
        y = t.spec.y0_m + t.spec.height_m - (arr // nc + 0.5) * scale
        line = LineString(np.column_stack([x, y]))
        lines.append(line.simplify(0.4 * scale) if not bridge else line)
        kelas.append(CLASSES[rank])
        jembatan.append(bridge)
        nama.append(name)
    return lines, kelas, jembatan, nama
