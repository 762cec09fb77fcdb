"""The network kernel: the edges of a logistics graph as arrays, CSR matrices, shortest paths.

networkx holds the model (:func:`~kewaspadaan.network.build.build_network`); everything that
computes on it goes through this module, which imports no other part of
:mod:`kewaspadaan.network` (routing, disruption, planning and security all import it, so there
is no import cycle):

- :func:`edge_table` — every directed edge as aligned numpy arrays (cached per graph);
- :func:`to_csr` / :meth:`CSRGraph.from_table` — a compressed sparse row matrix of the fastest
  open edge per node pair, for any weight vector and edge mask (one vehicle type, one scenario);
- :func:`travel_time_matrix` — many-to-many shortest paths with
  :func:`scipy.sparse.csgraph.dijkstra`, and :class:`ShortestPaths` to recover them.

Parallel edges collapse to the lightest open one; closed edges (``closed=True``) are left out,
so the results equal ``networkx.single_source_dijkstra`` on the open edges.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from kewaspadaan._errors import NetworkError

__all__ = [
    "EDGE_COLUMNS",
    "NODE_COLUMNS",
    "CSRGraph",
    "EdgeTable",
    "ShortestPaths",
    "clear_cache",
    "edge_table",
    "shortest_times",
    "to_csr",
    "travel_time_matrix",
]

#: Edge attributes copied into :class:`EdgeTable` (absent ones get a neutral default).
EDGE_COLUMNS: dict[str, Any] = {
    "mode": "",
    "kelas": "",
    "length_km": 0.0,
    "speed_kmh": np.nan,
    "travel_time_h": 0.0,
    "cost": 0.0,
    "edge_id": "",
    "id": "",
    "closed": False,
    "jembatan": False,
    "surut_musiman": False,
    "riam": False,
    "hilir": False,
    "arus_kmh": 0.0,
    "landas_min_m": np.nan,
    "extra_time_h": 0.0,
}

#: Node attributes copied into :class:`EdgeTable` (strings; ``x``/``y`` floats).
NODE_COLUMNS: tuple[str, ...] = ("name", "kategori", "jenis", "kode_kec", "kode_desa", "kode_kab")

_TABLES: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[Any, EdgeTable]] = (
    weakref.WeakKeyDictionary()
)
_CSR: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[str, tuple[Any, CSRGraph]]] = (
    weakref.WeakKeyDictionary()
)


def _signature(G: nx.MultiDiGraph) -> tuple[int, int, int]:
    """Cheap change detector: nodes, linked node pairs, closures made by ``close_edges``."""
    pairs = sum(map(len, G._adj.values()))  # the dict behind G.adj: a C-speed count
    return (G.number_of_nodes(), pairs, len(G.graph.get("closed", ())))


def clear_cache(G: nx.MultiDiGraph) -> None:
    """Forget the cached arrays and CSR matrices of ``G`` (call after editing it in place)."""
    _TABLES.pop(G, None)
    _CSR.pop(G, None)


@dataclass(frozen=True)
class EdgeTable:
    """Every directed edge of a graph as aligned arrays (row ``i`` = one edge).

    Attributes
    ----------
    nodes : numpy.ndarray
        Node id of each node position.
    index : dict
        Node id → position.
    kind : numpy.ndarray
        ``kind`` of each node (road, river, port, airstrip, settlement, depot).
    u, v : numpy.ndarray
        Positions of the edge ends (int64).
    key : numpy.ndarray
        Multigraph key of each edge (0 for simple graphs).
    cols : dict of numpy.ndarray
        The attributes of :data:`EDGE_COLUMNS`, one array each.
    node_cols : dict of numpy.ndarray
        Node attributes :data:`NODE_COLUMNS` (``name``, ``kategori``, ``x``, ``y``...).
    """

    nodes: np.ndarray
    index: dict[Any, int]
    kind: np.ndarray
    u: np.ndarray
    v: np.ndarray
    key: np.ndarray
    cols: dict[str, np.ndarray]
    node_cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.u)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def open(self) -> np.ndarray:
        """Mask of the open edges."""
        return ~self.cols["closed"]


def edge_table(G: nx.MultiDiGraph) -> EdgeTable:
    """The edges of ``G`` as an :class:`EdgeTable` (cached per graph, like :func:`to_csr`).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (a ``DiGraph``/``Graph`` works too; an undirected edge gives two rows).

    Returns
    -------
    EdgeTable
    """
    sig = _signature(G)
    hit = _TABLES.get(G)
    if hit is not None and hit[0] == sig:
        return hit[1]
    nodes = np.array(list(G.nodes), dtype=object)
    index = {n: i for i, n in enumerate(nodes.tolist())}
    kind = np.array([d.get("kind", "") for _, d in G.nodes(data=True)], dtype=object)
    multi = G.is_multigraph()
    rows = list(G.edges(keys=True, data=True) if multi else G.edges(data=True))
    if not G.is_directed():
        rows = rows + [(b, a, *rest) for a, b, *rest in rows]
    u = np.array([index[r[0]] for r in rows], dtype=np.int64)
    v = np.array([index[r[1]] for r in rows], dtype=np.int64)
    key = np.array([r[2] if multi else 0 for r in rows], dtype=object)
    cols: dict[str, np.ndarray] = {}
    for name, default in EDGE_COLUMNS.items():
        vals = [r[-1].get(name, default) for r in rows]
        if isinstance(default, bool):
            cols[name] = np.array([bool(x) if x is not None else False for x in vals], dtype=bool)
        elif isinstance(default, float):
            cols[name] = np.array([np.nan if x is None else float(x) for x in vals], dtype=float)
        else:
            cols[name] = np.array(["" if x is None else str(x) for x in vals], dtype=object)
    node_data = [d for _, d in G.nodes(data=True)]
    node_cols = {
        c: np.array(["" if d.get(c) is None else str(d.get(c)) for d in node_data], dtype=object)
        for c in NODE_COLUMNS
    }
    for c in ("x", "y"):
        node_cols[c] = np.array([float(d.get(c, np.nan)) for d in node_data], dtype=float)
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [r[-1].get("geometry") for r in rows]
    cols["geometry"] = geoms
    table = EdgeTable(nodes, index, kind, u, v, key, cols, node_cols)
    _TABLES[G] = (sig, table)
    return table


@dataclass(frozen=True)
class CSRGraph:
    """A graph as a compressed sparse row matrix of the lightest open edge per node pair.

    Attributes
    ----------
    nodes : numpy.ndarray
        Node id of each matrix row/column.
    index : dict
        Node id → row.
    matrix : scipy.sparse.csr_matrix
        ``matrix[i, j]`` = weight of the best open edge i→j (explicit zeros are edges).
    keys : numpy.ndarray
        Multigraph key of that edge, aligned with ``matrix.data``.
    weight : str
        Name of the weight (an edge attribute or a label such as ``"truk"``).
    rows : numpy.ndarray
        :class:`EdgeTable` row of that edge, aligned with ``matrix.data`` (-1 if not from a
        table).
    """

    nodes: np.ndarray
    index: dict[Any, int]
    matrix: csr_matrix
    keys: np.ndarray
    weight: str
    rows: np.ndarray

    @classmethod
    def from_table(
        cls, table: EdgeTable, weights: np.ndarray, *, mask: np.ndarray | None = None, name: str
    ) -> CSRGraph:
        """CSR of the edges of ``table`` with ``weights`` where ``mask`` (and open, finite).

        Parameters
        ----------
        table : EdgeTable
            From :func:`edge_table`.
        weights : numpy.ndarray
            One non-negative weight per table row (``inf`` = unusable).
        mask : numpy.ndarray of bool, optional
            Rows to keep (default: every open row).
        name : str
            Label of the weight.
        """
        keep = table.open() & np.isfinite(weights)
        if mask is not None:
            keep &= mask
        idx = np.flatnonzero(keep)
        if (weights[idx] < 0).any():
            raise NetworkError(f"weight {name!r}: negative edge weights; fix the edge data")
        csr, pos = _aggregate(table.u[idx], table.v[idx], weights[idx], table.n_nodes)
        return cls(table.nodes, table.index, csr, table.key[idx][pos], name, idx[pos])

    def edge_key(self, u: Any, v: Any) -> Any:
        """Key of the edge u→v used by the shortest paths."""
        return self.keys[self._pos(u, v)]

    def edge_row(self, u: Any, v: Any) -> int:
        """:class:`EdgeTable` row of the edge u→v used by the shortest paths."""
        return int(self.rows[self._pos(u, v)])

    def _pos(self, u: Any, v: Any) -> int:
        i, j = self.index[u], self.index[v]
        lo, hi = self.matrix.indptr[i], self.matrix.indptr[i + 1]
        return int(lo + np.searchsorted(self.matrix.indices[lo:hi], j))


def _aggregate(
    rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int
) -> tuple[csr_matrix, np.ndarray]:
    """Keep the lightest edge of each (row, col), sorted as CSR wants; return the matrix and
    the position (in the input) of each kept edge."""
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[first], minlength=n), out=indptr[1:])
    return csr_matrix((w[first], cols[first], indptr), shape=(n, n)), order[first]


def to_csr(G: nx.MultiDiGraph, weight: str = "travel_time_h") -> CSRGraph:
    """Convert ``G`` to a :class:`CSRGraph` of the edge attribute ``weight`` (cached).

    The cache is checked against the node count, the number of linked node pairs and the
    closures recorded by :func:`~kewaspadaan.network.disruption.close_edges` (which returns a
    new graph anyway). After editing ``G`` in place otherwise (weights, ``closed`` flags,
    parallel edges) call :func:`clear_cache`.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network.
    weight : str, default "travel_time_h"
        Edge attribute to minimise; must be present and non-negative on every open edge.

    Returns
    -------
    CSRGraph
    """
    sig = _signature(G)
    per_graph = _CSR.setdefault(G, {})
    hit = per_graph.get(weight)
    if hit is not None and hit[0] == sig:
        return hit[1]
    table = edge_table(G)
    if weight in table.cols:
        w = table.cols[weight].astype(float)
    else:
        rows = G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)
        w = np.array([float(r[-1].get(weight, np.nan)) for r in rows], dtype=float)
        if not G.is_directed():
            w = np.concatenate([w, w])
    bad = table.open() & ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        first = [(table.nodes[table.u[i]], table.nodes[table.v[i]]) for i in np.flatnonzero(bad)]
        raise NetworkError(
            f"{int(bad.sum())} open edge(s) lack a finite non-negative {weight!r} "
            f"(first: {first[:5]}); set it or close those edges"
        )
    out = CSRGraph.from_table(table, w, name=weight)
    per_graph[weight] = (sig, out)
    return out


class ShortestPaths:
    """Predecessor trees from each source, for path recovery.

    Parameters
    ----------
    csr : CSRGraph
        The graph the trees were computed on.
    sources : sequence
        Source node ids (one tree each).
    predecessors : numpy.ndarray
        ``(len(sources), n_nodes)`` predecessor rows from scipy (-9999 = none).
    """

    def __init__(self, csr: CSRGraph, sources: Sequence[Any], predecessors: np.ndarray) -> None:
        self.csr = csr
        self.sources = list(sources)
        self._row = {s: i for i, s in enumerate(self.sources)}
        self.predecessors = predecessors

    def path(self, source: Any, target: Any) -> list[Any]:
        """Node ids from ``source`` to ``target`` (empty list if unreachable)."""
        return self.csr.nodes[self.path_positions(source, target)].tolist()

    def path_positions(self, source: Any, target: Any) -> list[int]:
        """Node positions from ``source`` to ``target`` (empty list if unreachable)."""
        pred = self.predecessors[self._row[source]]
        s, t = self.csr.index[source], self.csr.index[target]
        out = [t]
        while out[-1] != s:
            p = pred[out[-1]]
            if p < 0:
                return []
            out.append(int(p))
        return out[::-1]

    def edges(self, source: Any, target: Any) -> list[tuple[Any, Any, Any]]:
        """``(u, v, key)`` of each edge on the path (empty if unreachable or source=target)."""
        p = self.path(source, target)
        return [(u, v, self.csr.edge_key(u, v)) for u, v in itertools.pairwise(p)]

    def edge_rows(self, source: Any, target: Any) -> list[int]:
        """:class:`EdgeTable` rows of the edges on the path."""
        p = self.path(source, target)
        return [self.csr.edge_row(u, v) for u, v in itertools.pairwise(p)]


def _node_positions(csr: CSRGraph, nodes: Iterable[Any], what: str) -> np.ndarray:
    nodes = list(nodes)
    missing = [n for n in nodes if n not in csr.index]
    if missing:
        raise NetworkError(
            f"{what}: {len(missing)} node(s) not in the graph (first: "
            f"{missing[:5]}); snap points to nodes first (destination_table)"
        )
    return np.array([csr.index[n] for n in nodes], dtype=np.int64)


def shortest_times(
    csr: CSRGraph,
    sources: Sequence[Any],
    targets: Sequence[Any] | None = None,
    *,
    return_predecessors: bool = False,
) -> Any:
    """Shortest-path weights on a :class:`CSRGraph` (array ``(len(sources), len(targets))``)."""
    src = _node_positions(csr, sources, "sources")
    tgt = np.arange(len(csr.nodes)) if targets is None else _node_positions(csr, targets, "targets")
    if len(src) == 0:
        empty = np.zeros((0, len(tgt)))
        return (empty, np.zeros((0, len(csr.nodes)), int)) if return_predecessors else empty
    dist, pred = dijkstra(csr.matrix, directed=True, indices=src, return_predecessors=True)
    dist = np.atleast_2d(dist)[:, tgt]
    return (dist, np.atleast_2d(pred)) if return_predecessors else dist


def travel_time_matrix(
    G: nx.MultiDiGraph,
    sources: Iterable[Any],
    targets: Iterable[Any] | None = None,
    *,
    weight: str = "travel_time_h",
    return_predecessors: bool = False,
) -> Any:
    """Shortest travel times from every source to every target (scipy csgraph Dijkstra).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network; closed edges are ignored.
    sources : iterable of node ids
        Origins (e.g. depot nodes).
    targets : iterable of node ids, optional
        Destinations; default every node of ``G``.
    weight : str, default "travel_time_h"
        Edge attribute minimised (hours by default).
    return_predecessors : bool, default False
        Also return a :class:`ShortestPaths` for path recovery.

    Returns
    -------
    DataFrame or (DataFrame, ShortestPaths)
        ``times.loc[source, target]`` in the unit of ``weight``; ``inf`` if unreachable.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", travel_time_h=1.5); G.add_edge("b", "c", travel_time_h=2.0)
    0
    0
    >>> float(travel_time_matrix(G, ["a"]).loc["a", "c"])
    3.5
    """
    csr = to_csr(G, weight)
    sources = list(dict.fromkeys(sources))
    targets = csr.nodes.tolist() if targets is None else list(targets)
    dist, pred = shortest_times(csr, sources, targets, return_predecessors=True)
    times = pd.DataFrame(dist, index=pd.Index(sources), columns=pd.Index(targets))
    if return_predecessors:
        return times, ShortestPaths(csr, sources, pred)
    return times
