"""The dask backend of the engine: the same computations cut into independent pieces that run on
a dask cluster (a :class:`distributed.LocalCluster` on one machine, or a real one), with **the
same results** as the default backend.

Not called directly: the engine's functions take ``backend=`` (default ``settings.backend``) and
come here for ``"dask"`` — :func:`kewaspadaan.io.assign_incidents`,
:func:`kewaspadaan.features.history.history_features`,
:func:`kewaspadaan.features.terrain.terrain_features` (through :func:`zonal_stats_dask`):

- :func:`assign_incidents_dask` — incidents are partitioned spatially (sorted by Hilbert
  distance, cut into ``npartitions`` runs of nearby points) and each partition is assigned by
  :func:`kewaspadaan.io.assign_incidents` itself against *all* kecamatan (projected once), so the
  rule — inside / overlap with its tie-break / nearest / rejected with the distance to the nearest
  kecamatan — is literally the same; results are put back in input order and the accounting
  ``read = assigned + rejected`` is checked.
- :func:`history_features_dask` — kecamatan are partitioned by *island*: connected components
  of the contiguity graph, packed into ``npartitions`` bins, so no neighbour crosses a partition
  and the spatial lag is exact. Each bin runs :func:`kewaspadaan.features.history
  .history_features`. What is *global* by definition stays global: Getis-Ord Gi* (its mean,
  variance and permutation draws span all units) is computed on the client, and "the record"
  (months since the first event anywhere) is given to every bin by a stand-in unit carrying the
  first event of all incidents.
- :func:`zonal_stats_dask` — polygons partitioned spatially (Hilbert order of their centres),
  each partition with only the raster window it covers, through :func:`kewaspadaan.raster
  .zonal_stats`.

``backend="dask"`` needs the optional extra: ``pip install "kewaspadaan[dask]"`` (dask-geopandas,
distributed); dask is imported only then. With ``client=None`` the current distributed client is
used (``distributed.get_client()``; the CLI starts a LocalCluster of ``settings.dask_workers``),
else dask's local threaded scheduler.

Settings changed in the client session (``settings.analysis_crs``, ``assign_max_distance_m``,
``decay_half_life_days``) are resolved on the client and passed explicitly: worker processes do
not share the client's module state.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS
from scipy.sparse import csgraph

from kewaspadaan import settings
from kewaspadaan._errors import MissingDependencyError, ValidationError
from kewaspadaan.crs import analysis_crs_for

if TYPE_CHECKING:  # pragma: no cover
    from kewaspadaan.io.assign import Assignment
    from kewaspadaan.io.incidents import IncidentLoad

__all__ = [
    "BACKENDS",
    "assign_incidents_dask",
    "backend_name",
    "history_features_dask",
    "island_partitions",
    "spatial_partitions",
    "zonal_stats_dask",
]

logger = logging.getLogger(__name__)

#: Accepted values of ``backend=`` and ``settings.backend``.
BACKENDS: tuple[str, ...] = ("default", "dask")

#: Code and index label of the stand-in unit that carries the first event of the whole record
#: into every island partition (see :func:`history_features_dask`).
_ANCHOR = "__kewaspadaan_record_anchor__"


# ------------------------------------------------------------------------------------------------
# Backend plumbing
# ------------------------------------------------------------------------------------------------
def backend_name(backend: str | None) -> str:
    """``backend`` or ``settings.backend``, checked."""
    name = settings.backend if backend is None else backend
    if name not in BACKENDS:
        raise ValueError(
            f"backend must be one of {BACKENDS}, not {name!r} (settings.backend or backend=)"
        )
    return name


def _import_dask(purpose: str) -> Any:
    """Import dask lazily; :class:`MissingDependencyError` with the pip command if absent."""
    try:
        import dask
        import dask_geopandas  # noqa: F401  (the [dask] extra; checked as a whole)
        import distributed  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("dask-geopandas", "dask", purpose) from exc
    return dask


def _client(client: Any) -> Any:
    if client is not None:
        return client
    from distributed import get_client

    try:
        return get_client()
    except ValueError:  # no client in this session: dask's local scheduler is used
        return None


def _n_partitions(npartitions: int | None, client: Any) -> int:
    if npartitions is not None:
        if int(npartitions) < 1:
            raise ValueError(f"npartitions must be >= 1, not {npartitions}")
        return int(npartitions)
    if client is not None:
        workers = client.scheduler_info().get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values()) or 1
        return 2 * threads
    return 2 * (os.cpu_count() or 1)


def _run(
    func: Callable[..., Any],
    parts: Sequence[Any],
    shared: Sequence[Any],
    *,
    client: Any,
    purpose: str,
) -> list[Any]:
    """``[func(part, *shared) for part in parts]`` on dask, results in the order of ``parts``.

    With a distributed client the shared arguments are scattered once to every worker.
    """
    dask = _import_dask(purpose)
    client = _client(client)
    if client is not None:
        # lists: scatter would split a dict or a list into several futures
        shared_f = [client.scatter([s], broadcast=True, hash=False)[0] for s in shared]
        parts_f = client.scatter(list(parts), hash=False)
        futures = [client.submit(func, part, *shared_f, pure=False) for part in parts_f]
        try:
            return list(client.gather(futures))
        finally:
            for f in (*futures, *parts_f, *shared_f):
                f.release()
    shared_d = [dask.delayed(s, name=f"shared-{i}-{id(s)}") for i, s in enumerate(shared)]
    tasks = [dask.delayed(func, pure=False)(part, *shared_d) for part in parts]
    return list(dask.compute(*tasks, scheduler="threads"))


# ------------------------------------------------------------------------------------------------
# Partitions
# ------------------------------------------------------------------------------------------------
def spatial_partitions(geometry: gpd.GeoSeries, npartitions: int) -> list[np.ndarray]:
    """Cut a layer into ``npartitions`` spatially compact groups by Hilbert distance.

    Parameters
    ----------
    geometry : GeoSeries
        Any geometries; missing/empty ones go to the first group.
    npartitions : int
        Number of groups (fewer when the layer has fewer rows).

    Returns
    -------
    list of numpy.ndarray
        Sorted 0-based positions of each non-empty group; together they are every position once.
    """
    n = len(geometry)
    if n == 0:
        return []
    values = np.asarray(geometry.values, dtype=object)
    bounds = shapely.bounds(values)
    cx = (bounds[:, 0] + bounds[:, 2]) / 2.0
    cy = (bounds[:, 1] + bounds[:, 3]) / 2.0
    ok = np.isfinite(cx) & np.isfinite(cy)
    if not ok.any():
        return [np.arange(n)]
    cx, cy = np.where(ok, cx, np.nanmin(cx[ok])), np.where(ok, cy, np.nanmin(cy[ok]))
    total = (cx.min(), cy.min(), cx.max(), cy.max())
    key = gpd.GeoSeries(shapely.points(cx, cy)).hilbert_distance(total_bounds=total, level=16)
    key = np.where(ok, key.to_numpy(), -1)
    order = np.argsort(key, kind="stable")
    parts = np.array_split(order, min(int(npartitions), n))
    return [np.sort(p) for p in parts if len(p)]


def island_partitions(weights: Any, npartitions: int) -> list[np.ndarray]:
    """Group units into ``npartitions`` bins of whole islands (connected components).

    Parameters
    ----------
    weights : libpysal.weights.W
        Contiguity weights; positions refer to ``weights.id_order``.
    npartitions : int
        Number of bins; components are packed largest first into the lightest bin.

    Returns
    -------
    list of numpy.ndarray
        Sorted positions per non-empty bin. No neighbour pair is split between two bins.
    """
    from kewaspadaan.spatial import weights_matrix

    m = weights_matrix(weights)
    n_comp, label = csgraph.connected_components(m, directed=False)
    sizes = np.bincount(label, minlength=n_comp)
    bins: list[list[int]] = [[] for _ in range(max(1, min(int(npartitions), n_comp)))]
    load = np.zeros(len(bins), dtype=np.int64)
    for comp in np.lexsort((np.arange(n_comp), -sizes)):
        b = int(np.argmin(load))
        bins[b].append(int(comp))
        load[b] += sizes[comp]
    return [np.flatnonzero(np.isin(label, comps)) for comps in bins if comps]


# ------------------------------------------------------------------------------------------------
# Incident assignment
# ------------------------------------------------------------------------------------------------
def _is_load(obj: Any) -> bool:
    """An :class:`~kewaspadaan.io.IncidentLoad` (by its fields; no import of the engine)."""
    return hasattr(obj, "incidents") and hasattr(obj, "rejected") and hasattr(obj, "n_read")


def assign_incidents_dask(
    incidents: IncidentLoad | gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    engine: Callable[..., Any],
    npartitions: int | None = None,
    client: Any = None,
    level_col: str = "kode",
    max_distance_m: float | None = None,
    crs: str | CRS | None = None,
) -> Assignment:
    """:func:`kewaspadaan.io.assign_incidents`, optionally on dask (identical result).

    Parameters
    ----------
    incidents : IncidentLoad or GeoDataFrame
        As for :func:`~kewaspadaan.io.assign_incidents`.
    boundaries : GeoDataFrame
        Kecamatan (or desa) polygons with a unique ``level_col``.
    npartitions : int, optional
        Spatial partitions of the incidents (dask); default twice the worker threads.
    client : distributed.Client, optional
        Default: the current client, else dask's threaded scheduler.
    level_col, max_distance_m, crs
        As for :func:`~kewaspadaan.io.assign_incidents`; resolved on the client.

    Returns
    -------
    Assignment
        Equal to the default backend's: same rows, order, codes, rules, distances and
        rejections (``n_read == assigned + rejected``, checked).
    """
    max_d = settings.assign_max_distance_m if max_distance_m is None else float(max_distance_m)
    engine = functools.partial(engine, backend="default")  # each piece: the default engine
    _import_dask("assign_incidents_dask(backend='dask')")
    rows = (
        len(incidents.incidents)
        if _is_load(incidents)
        else len(incidents)
        if isinstance(incidents, gpd.GeoDataFrame)
        else 0
    )
    if rows == 0:  # nothing to distribute (or not incidents): the engine's own answer
        return engine(incidents, boundaries, level_col=level_col, max_distance_m=max_d, crs=crs)
    points: gpd.GeoDataFrame = incidents.incidents if _is_load(incidents) else incidents
    # validation (types, boundaries, CRS, column clashes) exactly as the default, on no rows
    check = engine(points.iloc[:0], boundaries, level_col=level_col, max_distance_m=max_d, crs=crs)
    if _is_load(incidents):
        load: Any = incidents
        load.check_accounting()
        prior, n_read, source = load.rejected, load.n_read, load.source
    else:
        prior, n_read = check.rejected, len(points)
        source = str(points.attrs.get("source", "incidents GeoDataFrame"))
    target = analysis_crs_for(boundaries, crs)
    # the polygons as given: membership is decided in their own CRS, as by the default
    polys = gpd.GeoDataFrame({level_col: boundaries[level_col]}, geometry=boundaries.geometry)
    polys.attrs = dict(boundaries.attrs)
    parts = [
        _assign_part_input(points, pos)
        for pos in spatial_partitions(points.geometry, _n_partitions(npartitions, _client(client)))
    ]
    results = _run(
        _assign_part,
        parts,
        [polys, level_col, max_d, target, engine],
        client=client,
        purpose="assign_incidents_dask(backend='dask')",
    )
    result = _assemble(
        points,
        prior,
        results,
        n_read,
        source,
        polys,
        level_col,
        max_d,
        target,
        engine=engine,
        result_type=type(check),
    )
    s = result.summary()
    logger.info(
        "%s: %d read, %d assigned (%s), %d rejected [dask, %d partitions]",
        source,
        n_read,
        s["n_assigned"],
        ", ".join(f"{k} {v}" for k, v in s["by_rule"].items()),
        s["n_rejected"],
        len(parts),
    )
    return result


def _assign_part_input(points: gpd.GeoDataFrame, pos: np.ndarray) -> gpd.GeoDataFrame:
    """The few columns the rule and the rejection table need, indexed by global position."""
    source = str(points.attrs.get("source", ""))
    keep = [c for c in ("source_file", "source_row", "event_id") if c in points.columns]
    frame = points.iloc[pos][[*keep, points.geometry.name]]
    frame.index = pd.RangeIndex(len(points))[pos]
    if "source_file" not in keep:
        frame["source_file"] = pd.array([source] * len(pos), dtype="str")
    if "source_row" not in keep:
        frame["source_row"] = pos + 1
    if "event_id" not in keep:
        frame["event_id"] = pd.array([str(v) for v in points.index[pos]], dtype="str")
    frame.attrs = {"source": source}
    return frame


def _assign_part(
    part: gpd.GeoDataFrame,
    polys: gpd.GeoDataFrame,
    level_col: str,
    max_d: float,
    target: CRS,
    engine: Callable[..., Any],
) -> tuple[pd.DataFrame, np.ndarray]:
    """Assign one partition (on a worker): code/rule/distance by position, rejected positions."""
    a = engine(part, polys, level_col=level_col, max_distance_m=max_d, crs=target)
    rejected_pos = np.setdiff1d(
        part.index.to_numpy(dtype=np.int64), a.assigned.index.to_numpy(dtype=np.int64)
    )
    return pd.DataFrame(a.assigned[[level_col, "assign_rule", "distance_m"]]), rejected_pos


def _assemble(
    points: gpd.GeoDataFrame,
    prior: pd.DataFrame,
    results: list,
    n_read: int,
    source: str,
    polys: gpd.GeoDataFrame,
    level_col: str,
    max_d: float,
    target: CRS,
    *,
    engine: Callable[..., Any],
    result_type: type,
) -> Assignment:
    """Put the partitions back in input order.

    The rejection table (reasons, and how the loader's rejections are merged and ordered) is the
    engine's own: the few rejected points are assigned once more, with the loader's rejections,
    by :func:`~kewaspadaan.io.assign_incidents` on the client.
    """
    done = pd.concat([r[0] for r in results]).sort_index(kind="stable")
    assigned = points.iloc[done.index.to_numpy()].copy()
    for col in (level_col, "assign_rule", "distance_m"):
        assigned[col] = done[col].array
    rej_pos = np.sort(np.concatenate([r[1] for r in results]))
    tiny = _assign_part_input(points, rej_pos)
    from kewaspadaan.io.incidents import IncidentLoad

    again = engine(
        IncidentLoad(incidents=tiny, rejected=prior, n_read=len(tiny) + len(prior), source=source),
        polys,
        level_col=level_col,
        max_distance_m=max_d,
        crs=target,
    )
    if len(again.assigned):  # pragma: no cover - the rule is per point
        raise RuntimeError("assign_incidents_dask: the rejected points changed on retry")
    result: Assignment = result_type(
        assigned=assigned,
        rejected=again.rejected,
        n_read=n_read,
        source=source,
        level_col=level_col,
    )
    result.check_accounting()
    return result


# ------------------------------------------------------------------------------------------------
# History features
# ------------------------------------------------------------------------------------------------
def history_features_dask(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    engine: Callable[..., Any],
    as_of: str | pd.Timestamp,
    npartitions: int | None = None,
    client: Any = None,
    half_life_days: float | None = None,
    weights: Any = None,
    unit_col: str = "kode",
    code_col: str = "kode",
    permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`kewaspadaan.features.history.history_features`, optionally per island on dask.

    Parameters
    ----------
    incidents, boundaries, as_of, half_life_days, weights, unit_col, code_col, permutations, seed
        As for :func:`~kewaspadaan.features.history.history_features`.
    npartitions : int, optional
        Bins of whole islands (dask); default twice the worker threads.
    client : distributed.Client, optional
        Default: the current client, else dask's threaded scheduler.

    Returns
    -------
    DataFrame
        Equal to the default backend's (same index, columns, values).
    """
    from kewaspadaan.spatial import getis_ord_gi_star, spatial_weights

    history_features = functools.partial(engine, backend="default")  # each piece: the default

    hl = settings.decay_half_life_days if half_life_days is None else float(half_life_days)
    kwargs: dict[str, Any] = {
        "as_of": as_of,
        "half_life_days": hl,
        "unit_col": unit_col,
        "code_col": code_col,
    }
    _import_dask("history_features_dask(backend='dask')")
    w = spatial_weights(boundaries) if weights is None else weights
    if not _history_input_ok(incidents, boundaries, unit_col, code_col):
        # the default raises the engine's own error naming the rows (or, if it accepts, is exact)
        return history_features(
            incidents, boundaries, weights=w, permutations=permutations, seed=seed, **kwargs
        )
    parts = _history_parts(
        incidents, boundaries, w, unit_col, code_col, _n_partitions(npartitions, _client(client))
    )
    frames = _run(
        _history_part,
        parts,
        [_anchor_event(incidents, unit_col), kwargs, history_features],
        client=client,
        purpose="history_features_dask(backend='dask')",
    )
    feats = pd.concat(frames).reindex(boundaries.index)
    gi = getis_ord_gi_star(feats["events_decay"], w, permutations=permutations, seed=seed)
    feats["gi_z"] = gi["z"].fillna(0.0)
    feats["gi_p"] = gi["p_sim"] if permutations > 0 else gi["p_norm"]
    feats["hotspot"] = gi["hotspot"]
    feats.attrs["as_of"] = pd.Timestamp(as_of).date().isoformat()
    logger.info(
        "history features of %d units in %d island partitions [dask]", len(feats), len(parts)
    )
    return feats


def _history_input_ok(
    incidents: pd.DataFrame, boundaries: pd.DataFrame, unit_col: str, code_col: str
) -> bool:
    if (
        unit_col not in incidents.columns
        or "event_date" not in incidents.columns
        or code_col not in boundaries.columns
    ):
        return False
    codes = boundaries[code_col].astype(str)
    if not codes.is_unique:
        return False
    known = incidents[unit_col].isin(codes.to_numpy())
    dates = pd.to_datetime(incidents["event_date"], errors="coerce")
    return bool(known.all() and dates.notna().all())


def _history_parts(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    w: Any,
    unit_col: str,
    code_col: str,
    npartitions: int,
) -> list[tuple]:
    """(incidents, units, neighbours) per bin of whole islands; no geometry is shipped."""
    if list(w.id_order) != list(boundaries.index):
        raise ValidationError(
            "spatial weights",
            [
                "the weights' ids must be the boundaries' "
                "index in the same order; rebuild them with "
                "spatial_weights(boundaries)"
            ],
        )
    keep = [
        c for c in ("event_date", "event_type", "fatalities", unit_col) if c in incidents.columns
    ]
    inc = pd.DataFrame(incidents[keep])
    units = pd.DataFrame(boundaries.drop(columns=boundaries.geometry.name))
    units = units[[c for c in (code_col, "penduduk") if c in units.columns]]
    codes = units[code_col].astype(str)
    group = pd.Series(-1, index=codes.to_numpy())
    bins = island_partitions(w, npartitions)
    for b, pos in enumerate(bins):
        group.iloc[pos] = b
    inc_group = inc[unit_col].astype(str).map(group).to_numpy()
    parts = []
    ids = list(w.id_order)
    for b, pos in enumerate(bins):
        members = [ids[i] for i in pos]
        neigh = {i: list(w.neighbors[i]) for i in members}
        parts.append((inc.loc[inc_group == b], units.iloc[pos], neigh))
    return parts


def _anchor_event(incidents: pd.DataFrame, unit_col: str) -> pd.DataFrame:
    """The earliest incident of the whole record, re-assigned to the stand-in unit."""
    if not len(incidents):
        return incidents.iloc[:0]
    dates = pd.to_datetime(incidents["event_date"])
    first = incidents.iloc[[int(np.argmin(dates.to_numpy()))]].copy()
    first[unit_col] = _ANCHOR
    return first


def _history_part(
    part: tuple, anchor: pd.DataFrame, kwargs: dict, history_features: Callable[..., Any]
) -> pd.DataFrame:
    """History features of one bin of islands (on a worker); Gi* is left to the client.

    Features measured over "the record" (months since the first event *anywhere*: units without
    events, long-run monthly rates) must see the first event of all incidents, not of this bin:
    a stand-in unit without neighbours carries that event and is dropped from the result. Every
    real unit's own counts, and its neighbours, are untouched.
    """
    from libpysal import weights as lps

    inc, units, neigh = part
    if len(anchor):
        code_col = kwargs["code_col"]
        extra = pd.DataFrame(
            {c: [1 if c == "penduduk" else _ANCHOR] for c in units.columns},
            index=pd.Index([_ANCHOR]),
        )
        extra[code_col] = _ANCHOR
        units = pd.concat([units, extra.astype(units.dtypes.to_dict())])
        inc = pd.concat([inc, anchor[inc.columns]])
        neigh = {**neigh, _ANCHOR: []}
    w = lps.W(neigh, id_order=list(units.index), silence_warnings=True)
    feats = history_features(inc, units, weights=w, permutations=0, **kwargs)
    return feats.drop(index=[_ANCHOR], errors="ignore")


# ------------------------------------------------------------------------------------------------
# Zonal statistics
# ------------------------------------------------------------------------------------------------
def zonal_stats_dask(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    array: np.ndarray,
    transform: Affine,
    *,
    npartitions: int | None = None,
    client: Any = None,
    stats: Sequence[str] | None = None,
    nodata: float | None = None,
    all_touched: bool = False,
    crs: Any = None,
) -> pd.DataFrame:
    """:func:`kewaspadaan.raster.zonal_stats`, optionally per spatial partition on dask.

    Each partition gets only its raster window (the bounds of its polygons plus one pixel), with
    the transform shifted by whole pixels, so the pixels of each polygon are the same.

    Parameters
    ----------
    polygons, array, transform, stats, nodata, all_touched, crs
        As for :func:`~kewaspadaan.raster.zonal_stats` (``stats`` default: its default).
    npartitions : int, optional
        Spatial partitions of the polygons (dask); default twice the worker threads.
    client : distributed.Client, optional
        Default: the current client, else dask's threaded scheduler.

    Returns
    -------
    DataFrame
        One row per polygon on ``polygons.index``, as the default backend.
    """
    from kewaspadaan.raster import DEFAULT_STATS, zonal_stats

    opts = {
        "stats": tuple(DEFAULT_STATS if stats is None else stats),
        "nodata": nodata,
        "all_touched": all_touched,
        "crs": crs,
    }
    rotated = transform.b != 0 or transform.d != 0
    if rotated:
        if rotated:
            logger.info("rotated raster transform: zonal statistics run on the default backend")
        return zonal_stats(polygons, array, transform, **opts)
    _import_dask("zonal_stats_dask(backend='dask')")
    geo = polygons.geometry if isinstance(polygons, gpd.GeoDataFrame) else polygons
    arr = np.asarray(array)
    positions = spatial_partitions(geo, _n_partitions(npartitions, _client(client)))
    if not positions:
        return zonal_stats(geo, arr, transform, **opts)
    parts = []
    for pos in positions:
        sub = geo.iloc[pos]
        rows, cols = _window(sub, arr.shape, transform)
        win_t = transform @ Affine.translation(cols.start, rows.start)
        parts.append((sub, np.ascontiguousarray(arr[rows, cols]), win_t))
    frames = _run(
        _zonal_part, parts, [opts], client=client, purpose="zonal_stats_dask(backend='dask')"
    )
    return pd.concat(frames).iloc[np.argsort(np.concatenate(positions), kind="stable")]


def _window(geo: gpd.GeoSeries, shape: tuple[int, ...], transform: Affine) -> tuple[slice, slice]:
    """Rows/cols of the raster covering ``geo`` plus one pixel, clipped to the raster."""
    bounds = shapely.bounds(np.asarray(geo.values, dtype=object))
    ok = np.all(np.isfinite(bounds), axis=1)
    if not ok.any():
        return slice(0, 1), slice(0, 1)
    xmin, ymin = bounds[ok, 0].min(), bounds[ok, 1].min()
    xmax, ymax = bounds[ok, 2].max(), bounds[ok, 3].max()
    inv = ~transform
    cs, rs = zip(*(inv @ (x, y) for x in (xmin, xmax) for y in (ymin, ymax)), strict=True)
    r0 = int(np.clip(np.floor(min(rs)) - 1, 0, shape[0] - 1))
    r1 = int(np.clip(np.ceil(max(rs)) + 1, r0 + 1, shape[0]))
    c0 = int(np.clip(np.floor(min(cs)) - 1, 0, shape[1] - 1))
    c1 = int(np.clip(np.ceil(max(cs)) + 1, c0 + 1, shape[1]))
    return slice(r0, r1), slice(c0, c1)


def _zonal_part(part: tuple, opts: dict) -> pd.DataFrame:
    from kewaspadaan.raster import zonal_stats

    geo, window, win_t = part
    return zonal_stats(geo, window, win_t, **opts)
