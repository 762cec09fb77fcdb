"""Sea lanes that stay at sea.

Rule: each sea port is linked to its ``settings.sea_lane_k`` nearest sea ports within
``settings.sea_lane_max_km``. Without land polygons the lane is the straight line (logged).
With land polygons:

1. land within ``settings.sea_lane_port_km`` of either port is ignored (a port stands on the
   shore and its recorded position may be a few km inland);
2. a straight lane that crosses no other land is kept;
3. otherwise the lane is the least-cost path over a sea grid of ``settings.sea_lane_grid_km``
   cells (land cells impassable; :class:`skimage.graph.MCP_Geometric`, one search per port
   for all its partners), drawn through the cell centres and simplified;
4. a pair with no path at sea (a port on an inland lake or mislabelled river port) gets no
   lane; it is counted in ``excluded``.

Every lane's length is multiplied by ``settings.sea_lane_detour_factor``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import shapely
from affine import Affine
from rasterio.features import rasterize
from scipy.spatial import cKDTree
from skimage.graph import MCP_Geometric

from kewaspadaan import settings

__all__ = ["lane_pairs", "sea_lanes"]

logger = logging.getLogger(__name__)


def lane_pairs(xy: np.ndarray) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of ports linked by a lane (k nearest within range)."""
    if len(xy) < 2:
        return []
    k = min(settings.sea_lane_k + 1, len(xy))
    dist, nb = cKDTree(xy).query(xy, k=k, distance_upper_bound=settings.sea_lane_max_km * 1000)
    return sorted(
        {
            (min(i, j), max(i, j))
            for i in range(len(xy))
            for d, j in zip(np.atleast_1d(dist[i]), np.atleast_1d(nb[i]), strict=True)
            if np.isfinite(d) and j != i
        }
    )


def sea_lanes(xy: np.ndarray, land: Any | None) -> tuple[dict[tuple[int, int], Any], int]:
    """Lane geometry (projected) for every linked pair of ports, staying at sea.

    Parameters
    ----------
    xy : numpy.ndarray
        Port coordinates (projected metres), shape ``(n, 2)``.
    land : shapely geometry, optional
        Land polygons in the same CRS; ``None`` keeps straight lanes.

    Returns
    -------
    (dict, int)
        ``{(i, j): LineString}`` from port ``i`` to port ``j``, and the number of pairs left
        without a lane (no path at sea).
    """
    pairs = lane_pairs(xy)
    if not pairs:
        return {}, 0
    straight = {(i, j): shapely.LineString([xy[i], xy[j]]) for i, j in pairs}
    if land is None or land.is_empty:
        logger.warning("sea lanes: no land polygons given, lanes are straight lines")
        return straight, 0
    shapely.prepare(land)
    port_km = settings.sea_lane_port_km * 1000
    out: dict[tuple[int, int], Any] = {}
    todo: list[tuple[int, int]] = []
    for (i, j), ln in straight.items():
        ends = shapely.union(
            shapely.buffer(shapely.Point(xy[i]), port_km),
            shapely.buffer(shapely.Point(xy[j]), port_km),
        )
        if shapely.difference(shapely.intersection(ln, land), ends).length < 1.0:
            out[(i, j)] = ln
        else:
            todo.append((i, j))
    lost = 0
    if todo:
        routed = _grid_lanes(xy, todo, land)
        lost = len(todo) - len(routed)
        out.update(routed)
        logger.info(
            "sea lanes: %d straight, %d routed around land, %d without a path at sea",
            len(out) - len(routed),
            len(routed),
            lost,
        )
    return out, lost


def _grid_lanes(
    xy: np.ndarray, pairs: list[tuple[int, int]], land: Any
) -> dict[tuple[int, int], Any]:
    """Least-cost sea paths for ``pairs`` over a rasterised sea grid."""
    cell = settings.sea_lane_grid_km * 1000
    margin = 60_000.0
    x0, y0 = xy.min(axis=0) - margin
    x1, y1 = xy.max(axis=0) + margin
    ncol, nrow = int(np.ceil((x1 - x0) / cell)), int(np.ceil((y1 - y0) / cell))
    tr = Affine(cell, 0, x0, 0, -cell, y1)
    is_land = rasterize([(land, 1)], out_shape=(nrow, ncol), transform=tr, fill=0, dtype="uint8")
    cost = np.where(is_land == 1, np.inf, 1.0)
    port_km = settings.sea_lane_port_km * 1000
    rc = np.column_stack([(y1 - xy[:, 1]) // cell, (xy[:, 0] - x0) // cell]).astype(int)
    sea_rc = np.argwhere(np.isfinite(cost))
    tree = cKDTree(sea_rc * cell)
    # each port starts from the nearest sea cell within the port tolerance
    d, k = tree.query(rc * cell, distance_upper_bound=port_km + cell)
    start = {i: tuple(sea_rc[k[i]]) for i in range(len(xy)) if np.isfinite(d[i])}
    by_src: dict[int, list[int]] = {}
    for i, j in pairs:
        if i in start and j in start:
            by_src.setdefault(i, []).append(j)
    out: dict[tuple[int, int], Any] = {}
    for i, js in sorted(by_src.items()):
        mcp = MCP_Geometric(cost, fully_connected=True)
        ends = [start[j] for j in js]
        costs, _ = mcp.find_costs([start[i]], ends, find_all_ends=True)
        for j in js:
            if not np.isfinite(costs[start[j]]):
                continue
            path = np.array(mcp.traceback(start[j]))
            px = x0 + (path[:, 1] + 0.5) * cell
            py = y1 - (path[:, 0] + 0.5) * cell
            coords = np.vstack([xy[i], np.column_stack([px, py]), xy[j]])
            out[(i, j)] = shapely.LineString(coords).simplify(cell / 2)
    return out
