"""Line geometry for the network builder: split lines at crossings, T-junctions and beside
points (settlements), and snap line ends into shared nodes.

- :func:`explode_lines` — single LineStrings of a layer and the row each came from;
- :func:`split_lines` — cut lines at crossings, T-junctions (ends within the tolerance) and
  beside points that lie near a line but far from its nodes (osmnx splits the nearest edge the
  same way);
- :func:`snap_nodes` — cluster points within the tolerance (deterministic numbering).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.ops import substring

from kewaspadaan import settings

__all__ = ["explode_lines", "snap_nodes", "split_lines"]


def explode_lines(gdf: Any) -> tuple[np.ndarray, np.ndarray]:
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


def split_lines(
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


def snap_nodes(xy: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
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
