"""Build the multimodal election-logistics graph (road, river, sea, air) on networkx.

The model is a :class:`networkx.MultiDiGraph` in a projected CRS (metres), one node layer per
mode plus the places where loads start, change mode or end:

========== ====================================================================================
node kind  what
========== ====================================================================================
road       end of a road segment (line ends, crossings and T-junctions merged within
           ``settings.network_snap_tolerance_m``)
river      end of a navigable river reach (same rule)
port       a port (``kategori`` laut: sea lanes to other sea ports; sungai: on a river)
airstrip   an airport, airstrip or helipad (flights to the others within range)
settlement a settlement (``permukiman``): the destination of a desa/kecamatan
depot      a KPU warehouse (``gudang_kpu``): the origin of deliveries
========== ====================================================================================

Every edge is directed (both directions are added) and carries ``mode`` (road, river, sea,
air, transfer, access), ``kelas``, ``length_km``, ``speed_kmh``, ``travel_time_h``,
``capacity`` (NaN where unknown), ``cost`` (rupiah), ``id`` (the source feature), ``edge_id``
(shared by both directions), ``closed`` and ``geometry`` (projected, oriented from u to v).

Transfers: a port or airstrip is linked to the nearest road and river node by an edge whose time
is the walk at ``setapak`` speed plus the handling time of ``settings.transfer_time_h`` for the
pair of modes; a settlement or depot is linked the same way to the road (no handling) and to the
river, port and airstrip (with handling, so a village is never a free mode change).

Fallback for missing roads (documented): each settlement is linked to its ``k`` nearest
settlements within ``max_km`` by a straight track of class ``kelas`` whose length is the straight
distance times ``detour_factor`` (``settings.road_fallback``).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.ops import substring

from kewaspadaan import settings
from kewaspadaan._errors import EmptyDataError, ValidationError
from kewaspadaan.crs import MAP_CRS, analysis_crs_for, require_crs
from kewaspadaan.schema import DEMO_FILES

__all__ = ["LAYER_ALIASES", "MODES", "build_network", "graph_to_gdfs", "read_network_layers"]

logger = logging.getLogger(__name__)

#: Transport modes of vehicles (``transfer`` and ``access`` edges join them).
MODES: tuple[str, ...] = ("road", "river", "sea", "air")
#: Layer names accepted by :func:`build_network` (demo names first, English aliases after).
LAYER_ALIASES: dict[str, str] = {
    "jalan": "roads",
    "roads": "roads",
    "sungai": "rivers",
    "rivers": "rivers",
    "pelabuhan": "ports",
    "ports": "ports",
    "bandara": "airstrips",
    "airstrips": "airstrips",
    "permukiman": "settlements",
    "settlements": "settlements",
    "gudang_kpu": "depots",
    "depots": "depots",
}
_RUNWAY = ("bandara", "lapangan_terbang")


def read_network_layers(data_dir: str | Path) -> dict[str, Any]:
    """Read the network layers of a data folder laid out like :data:`schema.DEMO_FILES`.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        Folder holding ``network/jalan.geojson`` etc. Absent files are simply absent from the
        result (``build_network`` then uses its fallbacks).

    Returns
    -------
    dict
        ``{"jalan": GeoDataFrame, ..., "armada": DataFrame, "desa": ..., "kecamatan": ...}``.
    """
    data_dir = Path(data_dir)
    out: dict[str, Any] = {}
    for name in (
        "jalan",
        "sungai",
        "pelabuhan",
        "bandara",
        "permukiman",
        "gudang_kpu",
        "desa",
        "kecamatan",
        "armada",
    ):
        path = data_dir / DEMO_FILES[name]
        if not path.exists():
            logger.info("%s: absent, layer %r not used", path, name)
            continue
        if path.suffix == ".csv":
            out[name] = pd.read_csv(path, dtype={"kode_kab": str})
        else:
            gdf = gpd.read_file(path)
            out[name] = require_crs(gdf, str(path))
        if len(out[name]) == 0:
            raise EmptyDataError(
                f"{path}: the layer {name!r} has no features; remove the file "
                "or regenerate the data (kewaspadaan demo-data)"
            )
    return out


# ------------------------------------------------------------------------------------------
# Line layers → split segments and shared nodes
# ------------------------------------------------------------------------------------------
def _explode_lines(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Single LineStrings (non-empty) and the row position of the feature each came from."""
    parts, idx = shapely.get_parts(gdf.geometry.values, return_index=True)
    keep = (shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)
    return parts[keep], idx[keep]


def _cut_positions(geoms: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Where each line must be cut: crossings with other lines and other lines' ends nearby."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=tol)
    keep = a != b
    a, b = a[keep], b[keep]
    lines, pos = [], []
    # crossings (each unordered pair once; pairs that only touch at ends are T-junctions or
    # shared ends, handled below)
    half = a < b
    pa, pb = a[half], b[half]
    cross = shapely.intersects(geoms[pa], geoms[pb]) & ~shapely.touches(geoms[pa], geoms[pb])
    pa, pb = pa[cross], pb[cross]
    inter = shapely.intersection(geoms[pa], geoms[pb])
    pts, k = shapely.get_parts(shapely.extract_unique_points(inter), return_index=True)
    for owner in (pa[k], pb[k]):
        lines.append(owner)
        pos.append(shapely.line_locate_point(geoms[owner], pts))
    # ends of line a lying within tol of line b (T-junctions, near misses)
    for end in (0, -1):
        p = shapely.get_point(geoms[a], end)
        near = shapely.distance(p, geoms[b]) <= tol
        lines.append(b[near])
        pos.append(shapely.line_locate_point(geoms[b[near]], p[near]))
    return np.concatenate(lines), np.concatenate(pos)


def _split_lines(
    geoms: np.ndarray, tol: float, points: np.ndarray | None = None, max_m: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Split lines at crossings and T-junctions, and beside ``points`` (settlements) that lie
    within ``max_m`` of a line but far from its nodes (see :func:`_access_cuts`; osmnx splits
    the nearest edge the same way); return segments and their parent index."""
    if len(geoms) == 0:
        return geoms, np.zeros(0, dtype=np.int64)
    line_idx, pos = _cut_positions(geoms, tol)
    if points is not None and len(points):
        near_line, near_pos = _access_cuts(geoms, line_idx, pos, points, max_m)
        line_idx = np.concatenate([line_idx, near_line])
        pos = np.concatenate([pos, near_pos])
    lengths = shapely.length(geoms)
    inner = (pos > tol) & (pos < lengths[line_idx] - tol)
    line_idx, pos = line_idx[inner], pos[inner]
    if len(line_idx) == 0:
        return geoms, np.arange(len(geoms))
    order = np.lexsort((pos, line_idx))
    line_idx, pos = line_idx[order], pos[order]
    cuts: dict[int, list[float]] = {}
    for i, p in zip(line_idx.tolist(), pos.tolist(), strict=True):
        lst = cuts.setdefault(i, [])
        if not lst or p - lst[-1] > tol:
            lst.append(p)
    out, parent = [], []
    for i, g in enumerate(geoms):
        if i not in cuts:
            out.append(g)
            parent.append(i)
            continue
        bounds = [0.0, *cuts[i], float(lengths[i])]
        for s, e in itertools.pairwise(bounds):
            out.append(substring(g, s, e))
            parent.append(i)
    return np.asarray(out, dtype=object), np.asarray(parent)


def _access_cuts(
    geoms: np.ndarray, line_idx: np.ndarray, pos: np.ndarray, points: np.ndarray, max_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Extra cuts (line index, position) beside points that are near a line but far from its
    nodes: where the nearest node (line end or crossing) is more than
    ``settings.network_access_split_gain_m`` farther than the line itself."""
    pts = shapely.points(points)
    src, near = shapely.STRtree(geoms).query_nearest(pts, max_distance=max_m, all_matches=False)
    if len(src) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    node_xy = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)),
            shapely.get_coordinates(shapely.line_interpolate_point(geoms[line_idx], pos)).reshape(
                -1, 2
            ),
        ]
    )
    d_node, _ = cKDTree(node_xy).query(points[src])
    d_line = shapely.distance(pts[src], geoms[near])
    cut = d_node - d_line > settings.network_access_split_gain_m
    return near[cut], shapely.line_locate_point(geoms[near[cut]], pts[src][cut])


def _snap_nodes(xy: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Cluster points within ``tol``; return cluster label per point and cluster coordinates."""
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
    pairs = cKDTree(xy).query_pairs(tol, output_type="ndarray")
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    # renumber clusters in order of first appearance (deterministic), coordinate of first member
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    labels = rank[inv]
    coords = np.empty((len(first), 2))
    coords[rank] = xy[first]
    return labels, coords


class _Builder:
    """Accumulates nodes and edges (both directions) before one bulk insert into networkx."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, dict[str, Any]]] = []
        self.edges: list[tuple[int, int, dict[str, Any]]] = []
        self.problems: list[str] = []
        self.excluded: list[dict[str, Any]] = []

    def add_nodes(
        self, xy: np.ndarray, kind: str, attrs: list[dict[str, Any]] | None = None
    ) -> np.ndarray:
        start = len(self.nodes)
        for i, (x, y) in enumerate(xy.tolist()):
            d = {"x": x, "y": y, "kind": kind}
            if attrs is not None:
                d.update({k: v for k, v in attrs[i].items() if _present(v)})
            self.nodes.append((start + i, d))
        return np.arange(start, start + len(xy))

    def add_edge(
        self,
        u: int,
        v: int,
        geom: Any,
        *,
        mode: str,
        kelas: str,
        length_km: float,
        speed_kmh: float,
        extra_time_h: float = 0.0,
        cost: float = 0.0,
        reverse_geom: Any = None,
        **attrs: Any,
    ) -> None:
        time_h = (length_km / speed_kmh if length_km > 0 else 0.0) + extra_time_h
        d = {
            "mode": mode,
            "kelas": kelas,
            "length_km": length_km,
            "speed_kmh": speed_kmh,
            "travel_time_h": time_h,
            "capacity": np.nan,
            "cost": cost,
            "closed": False,
        }
        d.update(attrs)
        self.edges.append((u, v, {**d, "geometry": geom}))
        back = shapely.reverse(geom) if reverse_geom is None else reverse_geom
        self.edges.append((v, u, {**d, "geometry": back}))

    def xy(self, ids: np.ndarray) -> np.ndarray:
        return np.array(
            [[self.nodes[i][1]["x"], self.nodes[i][1]["y"]] for i in ids.tolist()], dtype=float
        ).reshape(-1, 2)


def _present(v: Any) -> bool:
    if v is None:
        return False
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def _line_layer(
    b: _Builder,
    gdf: gpd.GeoDataFrame,
    *,
    layer: str,
    mode: str,
    class_col: str,
    speeds: Mapping[str, float],
    tol: float,
    split: bool = True,
    skip_classes: tuple[str, ...] = (),
    cut_points: np.ndarray | None = None,
    access_max_m: float = 0.0,
) -> np.ndarray:
    """Add a line layer (roads or rivers) as nodes + edges; return its node ids.

    ``cut_points`` (projected x, y; e.g. settlements) split the nearest line within
    ``access_max_m`` at their closest point, giving each a node beside it."""
    problems = []
    classes = gdf[class_col].astype("object")
    bad = ~classes.isin([*speeds, *skip_classes])
    for pos in np.flatnonzero(bad.to_numpy())[:20]:
        problems.append(
            f"{layer}: row {pos}: {class_col}={classes.iloc[pos]!r} has no speed; "
            f"use one of {sorted(speeds)} or add it to "
            f"settings.network_speeds_kmh[{mode!r}]"
        )
    if bad.sum() > 20:
        problems.append(f"{layer}: {int(bad.sum()) - 20} more rows with unknown {class_col}")
    b.problems.extend(problems)
    if problems:
        return np.zeros(0, dtype=np.int64)
    skip = classes.isin(skip_classes).to_numpy()
    if skip.any():
        b.excluded.append(
            {
                "layer": layer,
                "count": int(skip.sum()),
                "reason": f"{class_col} in {list(skip_classes)} (not navigable)",
            }
        )
        logger.info(
            "%s: %d features excluded: %s in %s",
            layer,
            int(skip.sum()),
            class_col,
            list(skip_classes),
        )
    gdf = gdf.loc[~skip]
    geoms, parent = _explode_lines(gdf)
    if split:
        geoms, sub = _split_lines(geoms, tol, cut_points, access_max_m)
        parent = parent[sub]
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)),
        ]
    )
    labels, coords = _snap_nodes(ends, tol)
    ids = b.add_nodes(coords, mode)
    n = len(geoms)
    u_all, v_all = ids[labels[:n]], ids[labels[n:]]
    ident = gdf["id"].astype(str).to_numpy() if "id" in gdf else gdf.index.astype(str).to_numpy()
    names = gdf["nama"].astype("object").to_numpy() if "nama" in gdf else np.full(len(gdf), None)
    detour = gdf["faktor_jalan"].to_numpy(float) if "faktor_jalan" in gdf else np.ones(len(gdf))
    cap = gdf["kapasitas"].to_numpy(float) if "kapasitas" in gdf else np.full(len(gdf), np.nan)
    flags = {
        c: gdf[c].fillna(False).astype(bool).to_numpy()
        for c in ("jembatan", "surut_musiman")
        if c in gdf
    }
    kel = gdf[class_col].astype(str).to_numpy()
    lengths_km = shapely.length(geoms) / 1000.0 * detour[parent]
    cost_km = settings.network_cost_rp_per_km.get(mode, 0.0)
    part_no: dict[int, int] = {}
    rgeoms = shapely.reverse(geoms)
    for j in range(n):
        u, v = int(u_all[j]), int(v_all[j])
        if u == v:
            continue  # a segment shorter than the snap tolerance
        p = int(parent[j])
        k = part_no[p] = part_no.get(p, -1) + 1
        speed = float(speeds[kel[p]])
        extra = {f: bool(vals[p]) for f, vals in flags.items()}
        b.add_edge(
            u,
            v,
            geoms[j],
            mode=mode,
            kelas=kel[p],
            length_km=float(lengths_km[j]),
            speed_kmh=speed,
            cost=float(lengths_km[j]) * cost_km,
            id=ident[p],
            edge_id=f"{layer}:{ident[p]}:{k}",
            nama=names[p],
            capacity=float(cap[p]),
            reverse_geom=rgeoms[j],
            **extra,
        )
    return ids


def _fallback_roads(settlements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Straight tracks from each settlement to its k nearest within range (no road layer)."""
    cfg = settings.road_fallback
    xy = shapely.get_coordinates(settlements.geometry.values)
    k = min(int(cfg["k"]) + 1, len(xy))
    dist, nb = cKDTree(xy).query(xy, k=k, distance_upper_bound=float(cfg["max_km"]) * 1000)
    dist, nb = np.atleast_2d(dist), np.atleast_2d(nb)
    pairs = {
        (min(i, j), max(i, j))
        for i in range(len(xy))
        for d, j in zip(dist[i], nb[i], strict=True)
        if np.isfinite(d) and j != i and d > 0
    }
    pairs_sorted = sorted(pairs)
    lines = [shapely.LineString([xy[i], xy[j]]) for i, j in pairs_sorted]
    logger.info(
        "no road layer: fallback tracks (k=%s nearest within %s km, kelas %r, detour x%s)"
        ": %d links between %d settlements",
        cfg["k"],
        cfg["max_km"],
        cfg["kelas"],
        cfg["detour_factor"],
        len(lines),
        len(xy),
    )
    return gpd.GeoDataFrame(
        {
            "id": [f"fallback_{i}_{j}" for i, j in pairs_sorted],
            "kelas": cfg["kelas"],
            "faktor_jalan": float(cfg["detour_factor"]),
            "jembatan": False,
        },
        geometry=lines,
        crs=settlements.crs,
    )


# ------------------------------------------------------------------------------------------
# Point layers, access and transfer edges
# ------------------------------------------------------------------------------------------
def _point_attrs(gdf: gpd.GeoDataFrame, cols: tuple[str, ...]) -> list[dict[str, Any]]:
    present = [c for c in cols if c in gdf]
    recs = pd.DataFrame(gdf[present]).astype("object").to_dict("records")
    for r in recs:
        if "nama" in r:
            r["name"] = r.pop("nama")
    return recs


def _nearest(
    src_xy: np.ndarray, dst_ids: np.ndarray, dst_xy: np.ndarray, max_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target node per source point within ``max_m`` (-1 where none)."""
    if len(dst_ids) == 0 or len(src_xy) == 0:
        return np.full(len(src_xy), -1), np.full(len(src_xy), np.inf)
    d, j = cKDTree(dst_xy).query(src_xy, k=1, distance_upper_bound=max_m)
    ok = np.isfinite(d)
    out = np.full(len(src_xy), -1)
    out[ok] = dst_ids[j[ok]]
    return out, d


def _handling_h(a: str, b: str) -> float:
    if a == b or "access" in (a, b):
        return 0.0
    key = "-".join(sorted((a, b), key=MODES.index))
    return float(settings.transfer_time_h.get(key, 0.0))


def _link(
    b: _Builder,
    src: np.ndarray,
    dst_ids: np.ndarray,
    *,
    max_m: float,
    mode_a: str,
    mode_b: str,
    kind: str,
) -> int:
    """Access/transfer edges from each ``src`` node to its nearest ``dst`` node."""
    src_xy, dst_xy = b.xy(src), b.xy(dst_ids)
    near, dist = _nearest(src_xy, dst_ids, dst_xy, max_m)
    walk = settings.network_speeds_kmh["road"]["setapak"]
    handling = _handling_h(mode_a, mode_b)
    n = 0
    for s, t, d in zip(src.tolist(), near.tolist(), dist.tolist(), strict=True):
        if t < 0:
            continue
        geom = shapely.LineString([b.xy(np.array([s]))[0], b.xy(np.array([t]))[0]])
        mode = "transfer" if handling > 0 else "access"
        cost = settings.transfer_cost_rp if handling > 0 else 0.0
        b.add_edge(
            s,
            t,
            geom,
            mode=mode,
            kelas=f"{mode_a}-{mode_b}" if handling else kind,
            length_km=d / 1000.0,
            speed_kmh=walk,
            extra_time_h=handling,
            cost=cost,
            id=f"{kind}:{s}-{t}",
            edge_id=f"{kind}:{s}-{t}",
        )
        n += 1
    return n


def _sea_lanes(b: _Builder, ports: np.ndarray) -> None:
    xy = b.xy(ports)
    if len(ports) < 2:
        return
    k = min(settings.sea_lane_k + 1, len(ports))
    dist, nb = cKDTree(xy).query(xy, k=k, distance_upper_bound=settings.sea_lane_max_km * 1000)
    pairs = sorted(
        {
            (min(i, j), max(i, j))
            for i in range(len(ports))
            for d, j in zip(dist[i], nb[i], strict=True)
            if np.isfinite(d) and j != i
        }
    )
    speed = settings.network_speeds_kmh["sea"]["default"]
    for i, j in pairs:
        u, v = int(ports[i]), int(ports[j])
        geom = shapely.LineString([xy[i], xy[j]])
        length = geom.length / 1000.0 * settings.sea_lane_detour_factor
        b.add_edge(
            u,
            v,
            geom,
            mode="sea",
            kelas="default",
            length_km=length,
            speed_kmh=speed,
            cost=length * settings.network_cost_rp_per_km["sea"],
            id=f"laut:{u}-{v}",
            edge_id=f"laut:{u}-{v}",
        )


def _flights(b: _Builder, strips: np.ndarray, jenis: list[str]) -> None:
    xy = b.xy(strips)
    speeds = settings.network_speeds_kmh["air"]
    for i in range(len(strips)):
        for j in range(i + 1, len(strips)):
            both_runway = jenis[i] in _RUNWAY and jenis[j] in _RUNWAY
            kelas = "pesawat_kecil" if both_runway else "helikopter"
            geom = shapely.LineString([xy[i], xy[j]])
            length = geom.length / 1000.0
            if length > settings.air_max_range_km[kelas]:
                continue
            u, v = int(strips[i]), int(strips[j])
            b.add_edge(
                u,
                v,
                geom,
                mode="air",
                kelas=kelas,
                length_km=length,
                speed_kmh=speeds[kelas],
                cost=length * settings.network_cost_rp_per_km["air"],
                id=f"udara:{u}-{v}",
                edge_id=f"udara:{u}-{v}",
            )


def _require(gdf: gpd.GeoDataFrame, layer: str, cols: tuple[str, ...], problems: list[str]) -> None:
    for c in cols:
        if c not in gdf:
            problems.append(
                f"{layer}: column {c!r} is missing (columns: {list(gdf.columns)}); "
                "add it or pass the default as a keyword argument"
            )


def _infer_port_kategori(
    ports: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame | None, max_m: float
) -> gpd.GeoDataFrame:
    """``kategori`` for ports lacking it: ``sungai`` within ``max_m`` of a river, else ``laut``."""
    ports = ports.copy()
    if rivers is None or len(rivers) == 0:
        ports["kategori"] = "laut"
    else:
        d = shapely.distance(ports.geometry.values, shapely.union_all(rivers.geometry.values))
        ports["kategori"] = np.where(d <= max_m, "sungai", "laut")
    logger.warning(
        "pelabuhan has no 'kategori' column: %d ports within %.0f km of a river set "
        "to 'sungai', the rest 'laut'",
        int((ports["kategori"] == "sungai").sum()),
        max_m / 1000,
    )
    return ports


def _collect_layers(layers: Mapping[str, Any] | None, explicit: dict[str, Any]) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for name, value in (layers or {}).items():
        if name in LAYER_ALIASES and value is not None:
            got[LAYER_ALIASES[name]] = value
    got.update({k: v for k, v in explicit.items() if v is not None})
    return got


def build_network(
    layers: Mapping[str, Any] | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    airstrips: gpd.GeoDataFrame | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    depots: gpd.GeoDataFrame | None = None,
    crs: Any = None,
    snap_tolerance_m: float | None = None,
    access_max_km: float | None = None,
    default_navigasi: str | None = None,
    default_road_kelas: str | None = None,
) -> nx.MultiDiGraph:
    """Build the multimodal logistics graph from layers.

    Parameters
    ----------
    layers : mapping, optional
        Layers by name: ``jalan``/``roads``, ``sungai``/``rivers``, ``pelabuhan``/``ports``,
        ``bandara``/``airstrips``, ``permukiman``/``settlements``, ``gudang_kpu``/``depots``
        (e.g. the result of :func:`read_network_layers`). Other keys are ignored.
    roads, rivers, ports, airstrips, settlements, depots : GeoDataFrame, optional
        Explicit layers (win over ``layers``). Columns as ``schema.DEMO_LAYER_COLUMNS``; every
        layer needs a CRS. Without roads, the documented fallback tracks link settlements.
    crs : str or pyproj.CRS, optional
        Projected analysis CRS (default: ``settings.analysis_crs`` or the UTM zone of the data).
    snap_tolerance_m : float, optional
        Line ends/crossings closer than this share a node (``settings.network_snap_tolerance_m``).
    access_max_km : float, optional
        Maximum access/transfer link length (``settings.network_access_max_km``).
    default_navigasi : str, optional
        ``navigasi`` of every river reach when the river layer has no such column (e.g. Natural
        Earth rivers); without it a missing column is an error.
    default_road_kelas : str, optional
        ``kelas`` of every road when the road layer has no such column.

    Returns
    -------
    networkx.MultiDiGraph
        Graph attributes ``crs`` (projected), ``excluded`` (features left out, with reasons) and
        ``road_fallback`` (whether the fallback tracks were used).

    Raises
    ------
    ValidationError
        Listing every missing column and unknown class at once.
    """
    got = _collect_layers(
        layers,
        {
            "roads": roads,
            "rivers": rivers,
            "ports": ports,
            "airstrips": airstrips,
            "settlements": settlements,
            "depots": depots,
        },
    )
    if not got:
        raise EmptyDataError("build_network: no layer given; pass at least settlements or roads")
    for name, g in got.items():
        require_crs(g, name)
    target = analysis_crs_for(next(iter(got.values())), crs)
    got = {k: (g if g.crs.equals(target) else g.to_crs(target)) for k, g in got.items()}
    tol = settings.network_snap_tolerance_m if snap_tolerance_m is None else snap_tolerance_m
    max_m = (settings.network_access_max_km if access_max_km is None else access_max_km) * 1000
    b = _Builder()
    road_ids, fallback = _build_roads(b, got, tol, default_road_kelas, max_m)
    river_ids = _build_rivers(b, got, tol, default_navigasi)
    if b.problems:
        raise ValidationError("build_network", b.problems)
    _build_points(b, got, road_ids, river_ids, max_m)
    if b.problems:
        raise ValidationError("build_network", b.problems)
    G = nx.MultiDiGraph(crs=target.to_string(), excluded=b.excluded, road_fallback=fallback)
    G.add_nodes_from(b.nodes)
    G.add_edges_from(b.edges)
    kinds = pd.Series([d["kind"] for _, d in b.nodes]).value_counts().to_dict()
    modes = pd.Series([d["mode"] for _, _, d in b.edges]).value_counts().to_dict()
    logger.info(
        "network built: %d nodes %s, %d directed edges %s",
        G.number_of_nodes(),
        kinds,
        G.number_of_edges(),
        modes,
    )
    return G


def _build_roads(
    b: _Builder,
    got: dict[str, Any],
    tol: float,
    default_kelas: str | None,
    access_max_m: float = 0.0,
) -> tuple[np.ndarray, bool]:
    given = got.get("roads")
    fallback = given is None or len(given) == 0
    if given is None or fallback:
        if "settlements" not in got:
            return np.zeros(0, dtype=np.int64), False
        roads = _fallback_roads(got["settlements"])
    else:
        roads = given
    if "kelas" not in roads and default_kelas is not None:
        roads = roads.assign(kelas=default_kelas)
    _require(roads, "jalan", ("kelas",), b.problems)
    if "kelas" not in roads:
        return np.zeros(0, dtype=np.int64), fallback
    points = [
        shapely.get_coordinates(got[k].geometry.values)
        for k in ("settlements", "depots")
        if got.get(k) is not None and len(got[k])
    ]
    ids = _line_layer(
        b,
        roads,
        layer="jalan",
        mode="road",
        class_col="kelas",
        speeds=settings.network_speeds_kmh["road"],
        tol=tol,
        split=not fallback,
        cut_points=np.vstack(points) if points else None,
        access_max_m=access_max_m,
    )
    return ids, fallback


def _build_rivers(
    b: _Builder, got: dict[str, Any], tol: float, default_navigasi: str | None
) -> np.ndarray:
    rivers = got.get("rivers")
    if rivers is None or len(rivers) == 0:
        return np.zeros(0, dtype=np.int64)
    if "navigasi" not in rivers and default_navigasi is not None:
        logger.warning(
            "sungai has no 'navigasi' column: every reach treated as %r", default_navigasi
        )
        rivers = rivers.assign(navigasi=default_navigasi)
    _require(rivers, "sungai", ("navigasi",), b.problems)
    if "navigasi" not in rivers:
        return np.zeros(0, dtype=np.int64)
    return _line_layer(
        b,
        rivers,
        layer="sungai",
        mode="river",
        class_col="navigasi",
        speeds=settings.network_speeds_kmh["river"],
        tol=tol,
        skip_classes=("tidak",),
    )


def _build_points(
    b: _Builder, got: dict[str, Any], road_ids: np.ndarray, river_ids: np.ndarray, max_m: float
) -> None:
    ports = got.get("ports")
    port_ids, sea_ids = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if ports is not None and len(ports):
        if "kategori" not in ports:
            ports = _infer_port_kategori(ports, got.get("rivers"), max_m)
        xy = shapely.get_coordinates(ports.geometry.values)
        port_ids = b.add_nodes(xy, "port", _point_attrs(ports, ("nama", "kategori", "kode_kec")))
        laut = (ports["kategori"].astype(str) == "laut").to_numpy()
        sea_ids = port_ids[laut]
        _link(
            b,
            port_ids[~laut],
            road_ids,
            max_m=max_m,
            mode_a="road",
            mode_b="river",
            kind="pelabuhan",
        )
        _link(
            b,
            port_ids[~laut],
            river_ids,
            max_m=max_m,
            mode_a="river",
            mode_b="river",
            kind="pelabuhan",
        )
        _link(b, sea_ids, road_ids, max_m=max_m, mode_a="road", mode_b="sea", kind="pelabuhan")
        _link(b, sea_ids, river_ids, max_m=max_m, mode_a="river", mode_b="sea", kind="pelabuhan")
        _sea_lanes(b, sea_ids)
    strip_ids = np.zeros(0, dtype=np.int64)
    strips = got.get("airstrips")
    if strips is not None and len(strips):
        _require(strips, "bandara", ("jenis",), b.problems)
        if "jenis" in strips:
            xy = shapely.get_coordinates(strips.geometry.values)
            strip_ids = b.add_nodes(
                xy,
                "airstrip",
                _point_attrs(strips, ("nama", "jenis", "panjang_landas_m", "kode_kec")),
            )
            _link(b, strip_ids, road_ids, max_m=max_m, mode_a="road", mode_b="air", kind="bandara")
            _link(
                b, strip_ids, river_ids, max_m=max_m, mode_a="river", mode_b="air", kind="bandara"
            )
            _flights(b, strip_ids, strips["jenis"].astype(str).tolist())
    for layer, kind, cols in (
        (
            "settlements",
            "settlement",
            ("nama", "kode_desa", "kode_kec", "kode_kab", "penduduk", "peran"),
        ),
        ("depots", "depot", ("nama", "kode_kab")),
    ):
        gdf = got.get(layer)
        if gdf is None or len(gdf) == 0:
            continue
        xy = shapely.get_coordinates(gdf.geometry.values)
        ids = b.add_nodes(xy, kind, _point_attrs(gdf, cols))
        linked = np.zeros(len(ids), dtype=bool)
        for dst, ma, mb in (
            (road_ids, "road", "road"),
            (river_ids, "road", "river"),
            (port_ids, "road", "sea"),
            (strip_ids, "road", "air"),
        ):
            near, _ = _nearest(xy, dst, b.xy(dst), max_m)
            linked |= near >= 0
            _link(b, ids, dst, max_m=max_m, mode_a=ma, mode_b=mb, kind=f"akses_{kind}")
        if (~linked).any():
            logger.warning(
                "%s: %d of %d have no network node within %.1f km and stay unreachable",
                layer,
                int((~linked).sum()),
                len(ids),
                max_m / 1000,
            )


def graph_to_gdfs(
    G: nx.MultiDiGraph, *, nodes: bool = True, edges: bool = True, to_map_crs: bool = False
) -> Any:
    """Nodes and/or edges of ``G`` as GeoDataFrames (like ``osmnx.graph_to_gdfs``).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`build_network`.
    nodes, edges : bool
        Which tables to return.
    to_map_crs : bool, default False
        Reproject to EPSG:4326 (for maps/GeoJSON); otherwise the projected CRS of ``G``.

    Returns
    -------
    GeoDataFrame or tuple of GeoDataFrame
        Nodes indexed by node id; edges indexed by ``(u, v, key)``.
    """
    out = []
    crs = G.graph["crs"]
    if nodes:
        ids, data = zip(*G.nodes(data=True), strict=True) if len(G) else ((), ())
        df = pd.DataFrame(list(data), index=pd.Index(list(ids), name="node"))
        geom = shapely.points(df["x"].to_numpy(float), df["y"].to_numpy(float)) if len(df) else []
        out.append(gpd.GeoDataFrame(df, geometry=geom, crs=crs))
    if edges:
        rows = list(G.edges(keys=True, data=True))
        idx = pd.MultiIndex.from_tuples([(u, v, k) for u, v, k, _ in rows], names=["u", "v", "key"])
        df = pd.DataFrame([d for *_, d in rows], index=idx)
        out.append(gpd.GeoDataFrame(df, geometry="geometry", crs=crs))
    if to_map_crs:
        out = [g.to_crs(MAP_CRS) for g in out]
    return out[0] if len(out) == 1 else tuple(out)
