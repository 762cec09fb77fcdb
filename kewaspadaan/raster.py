"""Fast raster kernels: zonal statistics, cost distance, slope, ruggedness, rasterising, distance.

The two heavy kernels reproduce the reference libraries exactly, only faster:

- :func:`zonal_stats` gives the same numbers as ``rasterstats.zonal_stats`` (pixel-centre rule or
  ``all_touched``, nodata and NaN excluded) but rasterises all polygons at once into a label
  raster and aggregates with ``np.bincount`` and a grouped sort, instead of one window per
  polygon. Overlapping polygons each still get all their pixels: the overlap graph is coloured
  and each colour class (no two members overlap) is rasterised separately.
- :func:`cost_distance` gives the same accumulated cost as
  ``skimage.graph.MCP_Geometric(cost).find_costs(sources)`` (8-connected, edge cost = length x
  mean of the two cells' costs, diagonal length sqrt(2), ``inf``/NaN impassable) with a Dijkstra
  compiled by numba on flat integer arrays, and can also return the allocation (which source is
  nearest to each cell).

Both are compared with the reference libraries in ``tests/test_raster.py`` and timed in
``benchmarks/bench_raster.py``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from numba import njit
from pyproj import CRS
from rasterio import features as rio_features
from scipy import ndimage

from kewaspadaan._errors import CRSError, GeometryError
from kewaspadaan._relief import _pair, slope_deg, terrain_ruggedness

__all__ = [
    "DEFAULT_STATS",
    "Zones",
    "cost_distance",
    "distance_to",
    "fraction_above",
    "rasterize_lines",
    "slope_deg",
    "terrain_ruggedness",
    "zonal_stats",
]

logger = logging.getLogger(__name__)

#: Statistics computed by :func:`zonal_stats` by default (as ``rasterstats``' ``"*"`` minus the
#: categorical ones).
DEFAULT_STATS: tuple[str, ...] = ("count", "mean", "min", "max", "std", "median", "sum")
_KNOWN_STATS = frozenset({*DEFAULT_STATS, "range"})

_SQRT2 = math.sqrt(2.0)


# ================================================================================================
# Zonal statistics
# ================================================================================================
def _check_crs(polygons: gpd.GeoDataFrame | gpd.GeoSeries, crs: Any) -> None:
    if crs is None:
        raise CRSError(
            "zonal statistics: the raster CRS was not given; pass crs= (e.g. terrain.crs) so the "
            "polygons can be checked against it."
        )
    if polygons.crs is None:
        raise CRSError(
            "zonal statistics: the polygons have no CRS; set it from the source file "
            "(kewaspadaan never guesses one)."
        )
    if not CRS.from_user_input(polygons.crs).equals(CRS.from_user_input(crs)):
        raise CRSError(
            f"zonal statistics: polygons are in {CRS.from_user_input(polygons.crs).to_string()} "
            f"but the raster is in {CRS.from_user_input(crs).to_string()}; reproject the "
            "polygons with .to_crs(raster_crs) first."
        )


def _colour_classes(geoms: np.ndarray, *, all_touched: bool, pixel_diag: float) -> list[np.ndarray]:
    """Split polygon positions into classes of which no two members share a pixel.

    With the pixel-centre rule two polygons can share a pixel only if their interiors intersect;
    with ``all_touched`` any two polygons closer than a pixel diagonal can.
    """
    n = len(geoms)
    valid = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(valid) == 0:
        return []
    sub = geoms[valid]
    tree = shapely.STRtree(sub)
    if all_touched:
        left, right = tree.query(sub, predicate="dwithin", distance=pixel_diag)
    else:
        left, right = tree.query(sub, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if not all_touched and len(left):
        interior = ~shapely.touches(sub[left], sub[right])
        left, right = left[interior], right[interior]
    if len(left) == 0:
        return [valid]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(sub)))
    graph.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    colours = nx.greedy_color(graph, strategy="largest_first")
    colour = np.array([colours[i] for i in range(len(sub))])
    logger.debug("%d polygons in %d non-overlapping classes", n, colour.max() + 1)
    return [valid[colour == c] for c in range(colour.max() + 1)]


def _window_of(
    geoms: np.ndarray,
    shape: tuple[int, int],
    transform: Affine,
) -> tuple[slice, slice] | None:
    """Pixel window (row slice, col slice) covering ``geoms``, clipped to the raster."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    inv = ~transform
    cols, rows = inv @ (np.array([xmin, xmax, xmin, xmax]), np.array([ymin, ymin, ymax, ymax]))
    r0 = max(math.floor(np.min(rows)) - 1, 0)
    r1 = min(math.ceil(np.max(rows)) + 1, shape[0])
    c0 = max(math.floor(np.min(cols)) - 1, 0)
    c1 = min(math.ceil(np.max(cols)) + 1, shape[1])
    if r0 >= r1 or c0 >= c1:
        return None
    return slice(r0, r1), slice(c0, c1)


def _clip_to_bounds_windows(
    labels: np.ndarray, geoms: np.ndarray, transform: Affine, row0: int, col0: int
) -> None:
    """Drop labelled pixels outside each polygon's bounds window, in place.

    rasterstats reads, per polygon, the window ``floor``/``ceil`` of its bounds and rasterises
    within it; with ``all_touched`` a boundary lying exactly on a pixel edge touches the pixel
    outside that window too, which rasterstats therefore never counts. Same here.
    """
    bounds = shapely.bounds(geoms)
    r_start = np.floor((bounds[:, 3] - transform.f) / transform.e).astype(np.int64)
    r_stop = np.ceil((bounds[:, 1] - transform.f) / transform.e).astype(np.int64)
    c_start = np.floor((bounds[:, 0] - transform.c) / transform.a).astype(np.int64)
    c_stop = np.ceil((bounds[:, 2] - transform.c) / transform.a).astype(np.int64)
    rr, cc = np.nonzero(labels)
    k = labels[rr, cc] - 1
    r, c = rr + row0, cc + col0
    out = (r < r_start[k]) | (r >= r_stop[k]) | (c < c_start[k]) | (c >= c_stop[k])
    labels[rr[out], cc[out]] = 0


class Zones:
    """Polygons rasterised once onto a grid, ready for statistics of any number of rasters.

    Build with :meth:`from_polygons`; then :meth:`stats` and :meth:`fraction_above` take arrays of
    the grid's shape. Each entry of ``classes`` is ``(positions, (rows, cols), labels)``:
    ``labels`` is an int32 window where pixel value ``k > 0`` belongs to polygon
    ``positions[k - 1]`` (0-based position in the input).
    """

    def __init__(
        self,
        index: pd.Index,
        shape: tuple[int, int],
        classes: list[tuple[np.ndarray, tuple[slice, slice], np.ndarray]],
    ) -> None:
        self.index = index
        self.shape = shape
        self.classes = classes

    @classmethod
    def from_polygons(
        cls,
        polygons: gpd.GeoDataFrame | gpd.GeoSeries,
        shape: tuple[int, int],
        transform: Affine,
        *,
        crs: Any,
        all_touched: bool = False,
    ) -> Zones:
        """Rasterise ``polygons`` (same CRS as the raster, checked) onto the grid.

        Parameters
        ----------
        polygons : GeoDataFrame or GeoSeries
            Polygons or MultiPolygons; missing/empty geometries get no pixels.
        shape : tuple of int
            ``(rows, cols)`` of the raster.
        transform : affine.Affine
            Raster transform.
        crs : CRS-like
            The raster CRS; must equal ``polygons.crs`` (:class:`CRSError` otherwise).
        all_touched : bool, default False
            False: a pixel belongs to a polygon when its centre is inside (rasterstats default);
            True: every pixel the polygon touches.
        """
        _check_crs(polygons, crs)
        geoms = np.asarray(polygons.geometry.values, dtype=object)
        kinds = shapely.get_type_id(geoms)
        bad = np.flatnonzero(~np.isin(kinds, (-1, 3, 6)) & ~shapely.is_empty(geoms))
        if len(bad):
            raise GeometryError(
                f"zonal statistics need Polygon/MultiPolygon geometries; rows at index "
                f"{list(polygons.index[bad[:10]])} are {sorted(set(shapely.get_type_id(geoms[bad])))}"
                " (shapely type ids); buffer points/lines first or drop those rows."
            )
        pixel_diag = math.hypot(transform.a, transform.b) + math.hypot(transform.d, transform.e)
        classes = []
        for members in _colour_classes(geoms, all_touched=all_touched, pixel_diag=pixel_diag):
            window = _window_of(geoms[members], shape, transform)
            if window is None:
                continue
            rows, cols = window
            wtransform = transform @ Affine.translation(cols.start, rows.start)
            labels = rio_features.rasterize(
                zip(geoms[members], range(1, len(members) + 1), strict=True),
                out_shape=(rows.stop - rows.start, cols.stop - cols.start),
                transform=wtransform,
                fill=0,
                dtype="int32",
                all_touched=all_touched,
            )
            if all_touched:
                _clip_to_bounds_windows(labels, geoms[members], transform, rows.start, cols.start)
            classes.append((members, window, labels))
        return cls(polygons.index, (int(shape[0]), int(shape[1])), classes)

    def _windows(
        self,
        array: np.ndarray,
        nodata: float | None,
    ) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, float, bool]]:
        """Yield ``(positions, labels, values, nodata, use_nodata)`` per colour class."""
        if array.shape != self.shape:
            raise ValueError(
                f"raster shape {array.shape} differs from the zones grid {self.shape}; use the "
                "raster the zones were built for."
            )
        use_nodata = nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata))
        nd = float(nodata) if use_nodata else 0.0  # type: ignore[arg-type]
        for members, (rows, cols), labels in self.classes:
            yield members, labels, array[rows, cols], nd, use_nodata

    def stats(
        self,
        array: np.ndarray,
        *,
        stats: Sequence[str] = DEFAULT_STATS,
        nodata: float | None = None,
    ) -> pd.DataFrame:
        """Statistics of ``array`` per polygon, as :func:`zonal_stats`."""
        stats = _check_stats(stats)
        n = len(self.index)
        out = {s: np.full(n, np.nan) for s in stats}
        counts = np.zeros(n, dtype=np.int64)
        for members, labels, values, nd, use_nd in self._windows(array, nodata):
            k = len(members) + 1
            cnt = np.zeros(k, dtype=np.int64)
            total, lo, hi = np.zeros(k), np.full(k, np.nan), np.full(k, np.nan)
            _zonal_moments(labels, values, nd, use_nd, cnt, total, lo, hi)
            cnt, has = cnt[1:], cnt[1:] > 0
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = total[1:] / cnt
            counts[members] = cnt
            found = {
                "sum": np.where(has, total[1:], np.nan),
                "mean": mean,
                "min": lo[1:],
                "max": hi[1:],
                "range": hi[1:] - lo[1:],
            }
            if "std" in out:
                sq = np.zeros(k)
                _zonal_squares(labels, values, nd, use_nd, np.r_[0.0, mean], sq)
                with np.errstate(invalid="ignore", divide="ignore"):
                    found["std"] = np.sqrt(sq[1:] / cnt)
            if "median" in out:
                med = np.full(k, np.nan)
                # float rasters are grouped in their own dtype (float32 halves the memory and
                # gives the median rasterstats' np.median gives), integers in float64
                dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.float64
                grouped = np.empty(int(cnt.sum()), dtype=dtype)
                _zonal_medians(labels, values, nd, use_nd, np.r_[0, cnt], grouped, med)
                found["median"] = med[1:]
            for name in out:
                if name in found:
                    out[name][members] = found[name]
        frame = pd.DataFrame(out, index=self.index)
        if "count" in frame:
            frame["count"] = counts
        return frame

    def fraction_above(
        self, array: np.ndarray, threshold: float, *, nodata: float | None = None
    ) -> pd.Series:
        """Share (0-1) of each polygon's valid pixels whose value is ``> threshold``."""
        n = len(self.index)
        valid = np.zeros(n)
        above = np.zeros(n)
        for members, labels, values, nd, use_nd in self._windows(array, nodata):
            k = len(members) + 1
            v, a = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
            _zonal_above(labels, values, nd, use_nd, float(threshold), v, a)
            valid[members], above[members] = v[1:], a[1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(valid > 0, above / valid, np.nan)
        return pd.Series(share, index=self.index, name="fraction_above")


# The aggregation kernels walk the label window and the value window together (no boolean masks or
# gathered copies); a pixel counts when its label is > 0, its value is not NaN and not nodata.
@njit(cache=True)
def _zonal_moments(
    labels,
    values,
    nodata,
    use_nodata,
    count,
    total,
    lo,
    hi,
):  # pragma: no cover - compiled
    for i in range(labels.shape[0]):
        for j in range(labels.shape[1]):
            lab = labels[i, j]
            if lab == 0:
                continue
            v = values[i, j]
            if v != v or (use_nodata and v == nodata):
                continue
            x = np.float64(v)
            if count[lab] == 0:
                lo[lab] = x
                hi[lab] = x
            elif x < lo[lab]:
                lo[lab] = x
            elif x > hi[lab]:
                hi[lab] = x
            count[lab] += 1
            total[lab] += x


@njit(cache=True)
def _zonal_squares(labels, values, nodata, use_nodata, mean, sq):  # pragma: no cover - compiled
    for i in range(labels.shape[0]):
        for j in range(labels.shape[1]):
            lab = labels[i, j]
            if lab == 0:
                continue
            v = values[i, j]
            if v != v or (use_nodata and v == nodata):
                continue
            d = np.float64(v) - mean[lab]
            sq[lab] += d * d


@njit(cache=True)
def _zonal_medians(
    labels,
    values,
    nodata,
    use_nodata,
    count,
    grouped,
    med,
):  # pragma: no cover - compiled
    """Counting-sort the valid values by label into ``grouped``, then the median per group."""
    offsets = np.cumsum(count)
    fill = offsets - count
    for i in range(labels.shape[0]):
        for j in range(labels.shape[1]):
            lab = labels[i, j]
            if lab == 0:
                continue
            v = values[i, j]
            if v != v or (use_nodata and v == nodata):
                continue
            grouped[fill[lab]] = v
            fill[lab] += 1
    for g in range(1, len(count)):
        if count[g] > 0:
            med[g] = np.median(grouped[offsets[g] - count[g] : offsets[g]])


@njit(cache=True)
def _zonal_above(
    labels,
    values,
    nodata,
    use_nodata,
    threshold,
    valid,
    above,
):  # pragma: no cover - compiled
    for i in range(labels.shape[0]):
        for j in range(labels.shape[1]):
            lab = labels[i, j]
            if lab == 0:
                continue
            v = values[i, j]
            if v != v or (use_nodata and v == nodata):
                continue
            valid[lab] += 1
            if v > threshold:
                above[lab] += 1


def _check_stats(stats: Sequence[str] | str) -> list[str]:
    if isinstance(stats, str):
        stats = stats.split()
    unknown = [s for s in stats if s not in _KNOWN_STATS]
    if unknown:
        raise ValueError(
            f"unknown zonal statistic(s) {unknown}; choose from {sorted(_KNOWN_STATS)}"
        )
    return list(dict.fromkeys(stats))


def zonal_stats(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    array: np.ndarray,
    transform: Affine,
    *,
    stats: Sequence[str] = DEFAULT_STATS,
    nodata: float | None = None,
    all_touched: bool = False,
    crs: Any = None,
) -> pd.DataFrame:
    """Statistics of a raster within each polygon, as ``rasterstats.zonal_stats`` but fast.

    Parameters
    ----------
    polygons : GeoDataFrame or GeoSeries
        Zones (Polygon/MultiPolygon), in the raster's CRS. They may overlap: every polygon gets
        all its pixels, as with rasterstats.
    array : numpy.ndarray
        2-D raster values.
    transform : affine.Affine
        Transform of ``array``.
    stats : sequence of str, default ``DEFAULT_STATS``
        Any of ``count, mean, min, max, std, median, sum, range``.
    nodata : float, optional
        Value excluded from the statistics. NaN is always excluded. (rasterstats, unlike this
        function, treats ``-999`` as nodata when none is given.)
    all_touched : bool, default False
        Pixel-centre rule (False) or every touched pixel (True), as rasterstats.
    crs : CRS-like
        CRS of the raster; :class:`~kewaspadaan._errors.CRSError` if it differs from the
        polygons'.

    Returns
    -------
    pandas.DataFrame
        One row per polygon on ``polygons.index``, one column per statistic; ``count`` is int,
        the others float, NaN where a polygon has no valid pixel. Computed in float64 (rasterstats
        accumulates float32 rasters in float32, so the last digits may differ).
    """
    zones = Zones.from_polygons(
        polygons, np.shape(array), transform, crs=crs, all_touched=all_touched
    )
    return zones.stats(np.asarray(array), stats=stats, nodata=nodata)


def fraction_above(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    array: np.ndarray,
    transform: Affine,
    threshold: float,
    *,
    nodata: float | None = None,
    all_touched: bool = False,
    crs: Any = None,
) -> pd.Series:
    """Share (0-1) of each polygon's valid pixels above ``threshold`` (e.g. slope > 15 degrees).

    Parameters are as :func:`zonal_stats`; NaN where a polygon has no valid pixel. The Series is
    aligned to ``polygons.index`` and named ``"fraction_above"``.
    """
    zones = Zones.from_polygons(
        polygons, np.shape(array), transform, crs=crs, all_touched=all_touched
    )
    return zones.fraction_above(np.asarray(array), threshold, nodata=nodata)


# ================================================================================================
# Cost distance (Dijkstra on the 8-connected grid, numba)
# ================================================================================================
@njit(cache=True)
def _sift_up(heap_key, heap_node, pos, i):  # pragma: no cover - compiled
    key = heap_key[i]
    node = heap_node[i]
    while i > 0:
        parent = (i - 1) >> 1
        if heap_key[parent] <= key:
            break
        heap_key[i] = heap_key[parent]
        heap_node[i] = heap_node[parent]
        pos[heap_node[i]] = i
        i = parent
    heap_key[i] = key
    heap_node[i] = node
    pos[node] = i


@njit(cache=True)
def _sift_down(heap_key, heap_node, pos, i, size):  # pragma: no cover - compiled
    key = heap_key[i]
    node = heap_node[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap_key[child + 1] < heap_key[child]:
            child += 1
        if heap_key[child] >= key:
            break
        heap_key[i] = heap_key[child]
        heap_node[i] = heap_node[child]
        pos[heap_node[i]] = i
        i = child
    heap_key[i] = key
    heap_node[i] = node
    pos[node] = i


@njit(cache=True)
def _dijkstra_grid(
    cost,
    ncols,
    sources,
    acc,
    alloc,
    pos,
    heap_key,
    heap_node,
    max_cost,
):  # pragma: no cover - compiled
    """Multi-source Dijkstra on a flat 8-connected grid with an indexed binary heap.

    The grid is padded with a one-cell border that is marked settled, so neighbours need no
    bounds checks. ``pos[v]``: -1 never reached, -2 settled, else v's slot in the heap. Edge
    cost between neighbours a, b = length * 0.5 * (cost[a] + cost[b]), length 1 or sqrt(2) (as
    skimage's MCP_Geometric); non-finite cells are never entered.
    """
    size = 0
    for s in range(sources.shape[0]):
        u = sources[s]
        if pos[u] != -1:
            continue  # duplicate source: the first one keeps the cell
        acc[u] = 0.0
        alloc[u] = s
        heap_key[size] = 0.0
        heap_node[size] = u
        pos[u] = size
        size += 1
    r2 = np.sqrt(2.0)
    offs = (-ncols - 1, -ncols, -ncols + 1, -1, 1, ncols - 1, ncols, ncols + 1)
    ln = (r2, 1.0, r2, 1.0, 1.0, r2, 1.0, r2)
    while size > 0:
        d = heap_key[0]
        u = heap_node[0]
        pos[u] = -2
        size -= 1
        if size > 0:
            heap_key[0] = heap_key[size]
            heap_node[0] = heap_node[size]
            pos[heap_node[0]] = 0
            _sift_down(heap_key, heap_node, pos, 0, size)
        if d > max_cost:
            acc[u] = np.inf
            alloc[u] = -1
            continue
        cu = cost[u]
        if not np.isfinite(cu):
            continue  # a source on an impassable cell: reached, but nothing beyond it
        a = alloc[u]
        for k in range(8):
            v = u + offs[k]
            pv = pos[v]
            if pv == -2:
                continue
            cv = cost[v]
            if not np.isfinite(cv):
                continue
            nd = d + ln[k] * 0.5 * (cu + cv)
            if nd < acc[v]:
                acc[v] = nd
                alloc[v] = a
                if pv == -1:
                    heap_key[size] = nd
                    heap_node[size] = v
                    pos[v] = size
                    size += 1
                    _sift_up(heap_key, heap_node, pos, size - 1)
                else:
                    heap_key[pv] = nd
                    _sift_up(heap_key, heap_node, pos, pv)


def _source_cells(
    sources: np.ndarray | Sequence[Sequence[int]],
    shape: tuple[int, int],
) -> np.ndarray:
    """Flat indices of the sources (boolean mask or ``(row, col)`` pairs), validated."""
    arr = np.asarray(sources)
    if arr.dtype == bool:
        if arr.shape != shape:
            raise ValueError(f"source mask shape {arr.shape} differs from the cost raster {shape}")
        flat = np.flatnonzero(arr)
    else:
        arr = arr.reshape(-1, 2) if arr.size else np.empty((0, 2))
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.equal(np.mod(arr, 1), 0)):
                raise ValueError("sources must be integer (row, col) pairs or a boolean mask")
            arr = arr.astype(np.int64)
        outside = np.flatnonzero(
            (arr[:, 0] < 0) | (arr[:, 0] >= shape[0]) | (arr[:, 1] < 0) | (arr[:, 1] >= shape[1])
        )
        if len(outside):
            raise ValueError(
                f"source(s) {outside[:10].tolist()} lie outside the {shape} raster "
                f"(rows/cols {arr[outside[:10]].tolist()}); drop them or enlarge the raster."
            )
        flat = np.asarray(
            np.ravel_multi_index((arr[:, 0].astype(np.intp), arr[:, 1].astype(np.intp)), shape)
        )
    if len(flat) == 0:
        raise ValueError("cost_distance needs at least one source cell")
    return flat.astype(np.int64)


def cost_distance(
    cost: np.ndarray,
    sources: np.ndarray | Sequence[Sequence[int]],
    *,
    cellsize_m: float = 1.0,
    return_allocation: bool = False,
    max_cost: float | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Accumulated cost from the nearest source to every cell (8-connected Dijkstra).

    Same semantics as ``skimage.graph.MCP_Geometric(cost).find_costs(sources)``: moving between
    two neighbouring cells costs ``length x (cost_a + cost_b) / 2`` with length ``cellsize_m``
    (orthogonal) or ``sqrt(2) x cellsize_m`` (diagonal); ``inf``/NaN cells are impassable.

    Parameters
    ----------
    cost : numpy.ndarray
        2-D cost per unit length (e.g. hours per metre), ``>= 0``; ``inf``/NaN = barrier.
    sources : array of (row, col) or boolean mask
        Start cells (accumulated cost 0). Several sources: each cell gets the cheapest.
    cellsize_m : float, default 1.0
        Cell size (metres) multiplying every step; 1 reproduces MCP_Geometric's units.
    return_allocation : bool, default False
        Also return, per cell, the index of the source it is reached from (for a mask: sources
        numbered in row-major order), ``-1`` where unreachable.
    max_cost : float, optional
        Stop expanding beyond this accumulated cost; cells beyond are ``inf``.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        Accumulated cost (float64, ``inf`` where unreachable) and, if asked, the allocation
        (int32 or int64).
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f"cost must be a 2-D array, got {cost.ndim} dimension(s)")
    finite = np.isfinite(cost)
    if np.any(cost[finite] < 0):
        raise ValueError("cost has negative cells; costs must be >= 0 (use inf for barriers)")
    shape = (int(cost.shape[0]), int(cost.shape[1]))
    src = _source_cells(sources, shape)
    rows, cols = shape[0] + 2, shape[1] + 2  # padded with a settled border
    n = rows * cols
    itype = np.int32 if n < 2**31 - 1 else np.int64
    padded = np.full((rows, cols), np.inf)
    padded[1:-1, 1:-1] = cost
    padded[1:-1, 1:-1] *= float(cellsize_m)
    pos = np.full((rows, cols), -1, dtype=itype)
    pos[[0, -1], :] = -2
    pos[:, [0, -1]] = -2
    src_padded = (src // shape[1] + 1) * cols + src % shape[1] + 1
    acc = np.full(n, np.inf)
    alloc = np.full(n, -1, dtype=itype)
    heap_key = np.empty(n, dtype=np.float64)
    heap_node = np.empty(n, dtype=itype)
    limit = np.inf if max_cost is None else float(max_cost)
    _dijkstra_grid(
        padded.ravel(),
        cols,
        src_padded.astype(itype),
        acc,
        alloc,
        pos.ravel(),
        heap_key,
        heap_node,
        limit,
    )
    del heap_key, heap_node, pos, padded
    out = acc.reshape(rows, cols)[1:-1, 1:-1].copy()
    if return_allocation:
        return out, alloc.reshape(rows, cols)[1:-1, 1:-1].copy()
    return out


def rasterize_lines(
    lines: gpd.GeoDataFrame | gpd.GeoSeries | Sequence[Any],
    shape: tuple[int, int],
    transform: Affine,
    values: float | Sequence[float] | np.ndarray = 1.0,
    *,
    fill: float = 0.0,
    keep: str = "max",
    all_touched: bool = True,
    dtype: str = "float32",
) -> np.ndarray:
    """Burn lines (or any geometries) into a raster.

    Parameters
    ----------
    lines : GeoDataFrame, GeoSeries or sequence of geometries
        Already in the raster's CRS.
    shape, transform
        Grid of the output.
    values : float or array-like
        One value for all, or one per line.
    fill : float, default 0
        Value of cells no line touches.
    keep : {"max", "min", "last"}, default "max"
        Where lines cross: keep the largest value (e.g. the fastest road), the smallest, or the
        last in input order.
    all_touched : bool, default True
        Burn every touched cell, so a line stays 8-connected.
    dtype : str, default "float32"

    Returns
    -------
    numpy.ndarray
    """
    geoms = np.asarray(getattr(lines, "geometry", lines), dtype=object)
    vals = np.broadcast_to(np.asarray(values, dtype=np.float64), (len(geoms),))
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms, vals = geoms[ok], vals[ok]
    if keep not in ("max", "min", "last"):
        raise ValueError(f"keep must be 'max', 'min' or 'last', not {keep!r}")
    if keep != "last":
        order = np.argsort(vals if keep == "max" else -vals, kind="stable")
        geoms, vals = geoms[order], vals[order]
    out = np.full(shape, fill, dtype=dtype)
    if len(geoms) == 0:
        return out
    return rio_features.rasterize(
        zip(geoms, vals.tolist(), strict=True),
        out_shape=shape,
        transform=transform,
        out=out,
        all_touched=all_touched,
    )


def distance_to(mask: np.ndarray, cellsize_m: float | tuple[float, float]) -> np.ndarray:
    """Euclidean distance (metres) from each cell centre to the nearest ``True`` cell.

    Uses ``scipy.ndimage.distance_transform_edt``; ``inf`` everywhere when ``mask`` has no
    ``True`` cell. float64.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return np.full(mask.shape, np.inf)
    dx, dy = _pair(cellsize_m)
    sampling = (dy, dx)
    return ndimage.distance_transform_edt(~mask, sampling=sampling)
