"""Disruptions: close links (low water, a bridge, an airstrip in bad weather), see who is hit,
and rank the critical links by the TPS or population they cut off or delay.

Closing never deletes anything: edges get ``closed=True`` on a copy of the graph, so the same
node ids and routes can be compared before and after. A closure is plain data
(:class:`Closure`): edge or feature ids, node names, modes, or a named scenario of
:data:`SCENARIOS` — never a function — so it can be written to a file, read from the command
line and shown in a report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kewaspadaan._errors import MissingColumnError, NetworkError
from kewaspadaan.network.modes import modes as registered_modes

__all__ = [
    "SCENARIOS",
    "Closure",
    "close_edges",
    "close_low_water",
    "disruption_report",
]

logger = logging.getLogger(__name__)

EdgePredicate = Callable[[Any, Any, dict[str, Any]], bool]

#: Named closure scenarios: ``{name: (description, rule)}``. Rules: ``flag:<attr>`` closes the
#: edges whose attribute is true; ``modes:<a>,<b>`` closes every edge of these modes;
#: ``keep:<a>,<b>`` closes every vehicle mode except these (connectors stay open).
SCENARIOS: dict[str, tuple[str, str]] = {
    "surut": ("air surut: ruas sungai surut_musiman ditutup", "flag:surut_musiman"),
    "low water": ("low water: river reaches flagged surut_musiman closed", "flag:surut_musiman"),
    "riam_ditutup": ("riam ditutup untuk logistik (kebijakan keselamatan)", "flag:riam"),
    "banjir": ("banjir: riam ditutup", "flag:riam"),
    "tanpa_udara": ("cuaca buruk: penerbangan dihentikan", "modes:air"),
    "jalan_saja": ("hanya jalan darat", "keep:road"),
    "road_only": ("roads only", "keep:road"),
}


@dataclass(frozen=True)
class Closure:
    """What to close: plain data, applied with :meth:`apply`.

    Attributes
    ----------
    ids : tuple of str
        Edge ``id`` (a road or river feature such as ``J12``) or ``edge_id`` (one segment,
        ``jalan:J12:0``).
    nodes : tuple of str
        Node names (an airstrip, a port, a settlement) or node ids: every edge touching them.
    modes : tuple of str
        Every edge of these modes.
    scenarios : tuple of str
        Names of :data:`SCENARIOS` (``surut``, ``riam_ditutup``, ``tanpa_udara``,
        ``jalan_saja``...).
    """

    ids: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        unknown = [s for s in self.scenarios if s not in SCENARIOS]
        if unknown:
            raise NetworkError(f"unknown closure scenario(s) {unknown}; known: {sorted(SCENARIOS)}")

    @classmethod
    def from_value(cls, value: Any, G: nx.MultiDiGraph | None = None) -> Closure:
        """A closure from a :class:`Closure`, a mapping (``{"ids": [...], "nodes": [...],
        "modes": [...], "scenarios": [...]}``), a scenario name, or a comma-separated string /
        list of tokens (each a scenario, an edge/feature id or a node name; with ``G`` the
        tokens are sorted into ids and node names, unknown ones raise)."""
        if isinstance(value, Closure):
            return value
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - {"ids", "nodes", "modes", "scenarios", "scenario"})
            if unknown:
                raise NetworkError(
                    f"closure keys {unknown} unknown; use ids, nodes, modes, scenarios"
                )
            sc = value.get("scenarios", ())
            if "scenario" in value:
                sc = (*_tuple(sc), value["scenario"])
            return cls(
                _tuple(value.get("ids")),
                _tuple(value.get("nodes")),
                _tuple(value.get("modes")),
                _tuple(sc),
            )
        tokens = [t.strip() for t in value.split(",")] if isinstance(value, str) else list(value)
        tokens = [str(t) for t in tokens if str(t)]
        scen = tuple(t for t in tokens if t in SCENARIOS)
        rest = [t for t in tokens if t not in SCENARIOS]
        if G is None:
            return cls(ids=tuple(rest), scenarios=scen)
        edge_ids = {str(d.get(k)) for *_, d in G.edges(data=True) for k in ("id", "edge_id")}
        names = {str(n) for n in G.nodes} | {str(v) for _, v in G.nodes(data="name") if v}
        unknown = [t for t in rest if t not in edge_ids and t not in names]
        if unknown:
            raise NetworkError(
                f"closure: {unknown} are neither scenarios ({sorted(SCENARIOS)}), edge ids "
                "(a road/river feature id or edge_id) nor node names (airstrip, port, "
                "settlement)"
            )
        ids = tuple(t for t in rest if t in edge_ids)
        return cls(ids=ids, nodes=tuple(t for t in rest if t not in edge_ids), scenarios=scen)

    @property
    def empty(self) -> bool:
        """Whether the closure closes nothing."""
        return not (self.ids or self.nodes or self.modes or self.scenarios)

    def describe(self) -> str:
        """One line saying what is closed (scenario descriptions from :data:`SCENARIOS`)."""
        parts = [SCENARIOS[s][0] for s in self.scenarios]
        if self.ids:
            parts.append("ruas " + ", ".join(self.ids))
        if self.nodes:
            parts.append("simpul " + ", ".join(self.nodes))
        if self.modes:
            parts.append("moda " + ", ".join(self.modes))
        return "; ".join(parts) if parts else "tidak ada penutupan"

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-ready form (the inverse of :meth:`from_value` on a mapping)."""
        return {
            "ids": list(self.ids),
            "nodes": list(self.nodes),
            "modes": list(self.modes),
            "scenarios": list(self.scenarios),
        }

    def apply(self, G: nx.MultiDiGraph) -> nx.MultiDiGraph:
        """A copy of ``G`` with everything of this closure closed (``G`` itself if empty)."""
        if self.empty:
            return G
        flags: list[str] = []
        close_modes = set(self.modes)
        for s in self.scenarios:
            kind, _, arg = SCENARIOS[s][1].partition(":")
            if kind == "flag":
                flags.append(arg)
            elif kind == "modes":
                close_modes |= set(arg.split(","))
            elif kind == "keep":
                close_modes |= set(registered_modes()) - set(arg.split(","))
        pred = None
        if flags:

            def pred(u: Any, v: Any, d: dict[str, Any]) -> bool:
                return any(bool(d.get(f, False)) for f in flags)

        return close_edges(
            G,
            ids=self.ids or None,
            modes=close_modes or None,
            nodes=self.nodes or None,
            predicate=pred,
        )


def _tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


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
        ``predicate(u, v, data) -> bool`` (library use; :class:`Closure` is the data form).

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
        hit_id = bool(ids) and (str(d.get("id")) in ids or str(d.get("edge_id")) in ids)
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
        elif str(item).lstrip("-").isdigit() and int(str(item)) in G:
            out.add(int(str(item)))
        else:
            unknown.append(item)
    if unknown:
        raise NetworkError(
            f"close_edges: unknown node(s) {unknown[:10]}; give node ids or names "
            "of ports/airstrips/settlements"
        )
    return out


def close_low_water(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Close every river reach flagged ``surut_musiman`` (the ``surut`` scenario)."""
    return Closure(scenarios=("surut",)).apply(G)


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
