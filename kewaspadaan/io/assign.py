"""Assign each incident to exactly one kecamatan (or desa/kabupaten), with full accounting.

Membership (inside, on an edge, in several) is decided in the boundaries' own CRS, where their
edges are straight as drawn; distances (the overlap tie-break, "nearest", the distance in a
rejection) in metres in the projected analysis CRS (:func:`kewaspadaan.crs.analysis_crs_for`),
for the few points that need one. The rule:

0. **kode** — a field report placed by its Kemendagri code (``place_code``, see
   :mod:`kewaspadaan.io.field_reports`) goes to the unit whose code it starts with; a code
   coarser than the units (a kecamatan when scoring desa) or absent from them is rejected.
1. **inside** — the point lies in (or on the edge of) exactly one polygon: that one.
2. **overlap** — it lies in or on several (simplified real boundaries overlap, e.g. Muara
   Ancalong and Busang; or it is on a shared edge): the polygon whose centroid is nearest to the
   point; equal distances (to the millimetre) go to the smallest code.
3. **nearest** — it lies outside every polygon but within ``max_distance_m`` of one (coastal or
   river points just off a simplified boundary): the nearest polygon; ties to the smallest code.
4. otherwise it is **rejected** with the reason ``"di luar semua kecamatan"`` and the distance to
   the nearest polygon.

``n_read == len(assigned) + len(rejected)`` is checked before the result is returned.

:func:`merge_duplicates` then merges the same event reported by two sources (same unit, same
event type, dates at most one day apart): the first source listed keeps it and counts the
reports (``n_laporan``); the others move to the rejections with the reason ``digabung``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from kewaspadaan import settings
from kewaspadaan._errors import GeometryError, ValidationError
from kewaspadaan.crs import analysis_crs_for, require_crs
from kewaspadaan.io._common import format_rows, missing_columns_error
from kewaspadaan.io.incidents import AccountingError, IncidentLoad, reason_counts
from kewaspadaan.schema import REJECTION_COLUMNS

__all__ = ["ASSIGN_RULES", "Assignment", "assign_incidents", "merge_duplicates"]

logger = logging.getLogger(__name__)

#: Values of the ``assign_rule`` column, in order of precedence.
ASSIGN_RULES: tuple[str, ...] = ("kode", "inside", "overlap", "nearest")


@dataclass
class Assignment:
    """Result of :func:`assign_incidents`.

    Attributes
    ----------
    assigned : geopandas.GeoDataFrame
        The incidents (input CRS and order) plus the polygon code column (``kode`` by default),
        ``assign_rule`` (see :data:`ASSIGN_RULES`) and ``distance_m`` (0 inside a polygon, else
        metres to the polygon it was assigned to).
    rejected : pandas.DataFrame
        :data:`~kewaspadaan.schema.REJECTION_COLUMNS`: rejections of the loader plus those of the
        assignment.
    n_read : int
        Rows read from the source file.
    source : str
        The source.
    level_col : str
        The code column.
    """

    assigned: gpd.GeoDataFrame
    rejected: pd.DataFrame
    n_read: int
    source: str = ""
    level_col: str = "kode"

    def check_accounting(self) -> None:
        """Raise :class:`~kewaspadaan.io.incidents.AccountingError` unless read = assigned +
        rejected, and each incident is assigned once."""
        if self.n_read != len(self.assigned) + len(self.rejected):
            raise AccountingError(
                f"{self.source}: read {self.n_read} but assigned "
                f"{len(self.assigned)} and rejected {len(self.rejected)}"
            )
        if self.assigned.index.has_duplicates:
            raise AccountingError(f"{self.source}: an incident was assigned more than once")

    def summary(self) -> dict[str, Any]:
        """Counts: read, assigned (per rule), rejected (per reason)."""
        rules = self.assigned["assign_rule"].value_counts()
        return {
            "source": self.source,
            "n_read": self.n_read,
            "n_assigned": len(self.assigned),
            "n_rejected": len(self.rejected),
            "by_rule": {r: int(rules.get(r, 0)) for r in ASSIGN_RULES},
            "reasons": reason_counts(self.rejected),
        }

    def counts(self, codes: pd.Series | list[str] | None = None) -> pd.Series:
        """Incidents per polygon code, including zeros for ``codes`` without any."""
        out = self.assigned[self.level_col].value_counts().sort_index()
        if codes is not None:
            out = out.reindex(pd.Index(list(codes), name=self.level_col), fill_value=0)
        return out.rename("n_insiden").astype("int64")


def assign_incidents(
    load_or_gdf: IncidentLoad | gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    level_col: str = "kode",
    max_distance_m: float | None = None,
    crs: str | CRS | None = None,
    backend: str | None = None,
    npartitions: int | None = None,
    client: Any = None,
) -> Assignment:
    """Assign every incident to exactly one polygon (rule in the module docstring).

    Parameters
    ----------
    load_or_gdf : IncidentLoad or geopandas.GeoDataFrame
        Result of :func:`~kewaspadaan.io.load_incidents` (its rejections are carried over), or
        a GeoDataFrame of points with a CRS.
    boundaries : geopandas.GeoDataFrame
        Polygons with a CRS and a unique ``level_col``, e.g. from
        :func:`~kewaspadaan.io.load_boundaries`.
    level_col : str, default "kode"
        Code column of ``boundaries`` copied onto each incident.
    max_distance_m : float, optional
        Points outside every polygon but within this many metres of one are assigned to the
        nearest; default ``settings.assign_max_distance_m`` (2000 m).
    crs : str or pyproj.CRS, optional
        Projected CRS for the geometry; default :func:`kewaspadaan.crs.analysis_crs_for`.
    backend : {"default", "dask"}, optional
        Default ``settings.backend``. ``"dask"`` assigns spatial partitions of the incidents on
        a dask cluster (the same result; ``pip install "kewaspadaan[dask]"``).
    npartitions, client : optional
        Dask partitions (default twice the worker threads) and client (default the current).

    Returns
    -------
    Assignment
        ``n_read == len(assigned) + len(rejected)`` (checked).
    """
    from kewaspadaan._dask import assign_incidents_dask, backend_name

    if backend_name(backend) == "dask":
        return assign_incidents_dask(
            load_or_gdf,
            boundaries,
            engine=assign_incidents,
            npartitions=npartitions,
            client=client,
            level_col=level_col,
            max_distance_m=max_distance_m,
            crs=crs,
        )
    max_d = settings.assign_max_distance_m if max_distance_m is None else float(max_distance_m)
    if max_d < 0:
        raise ValueError(f"max_distance_m must be >= 0, not {max_d}")
    points, prior, n_read, source = _unpack(load_or_gdf)
    _check_boundaries(boundaries, level_col)
    if level_col in points.columns or "assign_rule" in points.columns:
        raise ValidationError(
            source,
            [
                f"the incidents already have a column {level_col!r} or "
                "'assign_rule'; drop or rename it before assigning"
            ],
        )
    target = analysis_crs_for(boundaries, crs)
    frames = _Frames(require_crs(points, source).geometry, boundaries.geometry, target)
    pts = frames.pts
    codes = boundaries[level_col].astype("str").to_numpy()

    n = len(pts)
    choice = np.full(n, -1, dtype=np.int64)
    rule = np.full(n, "", dtype=object)
    dist = np.zeros(n, dtype="float64")
    usable = (
        ~pts.isna().to_numpy() & ~pts.is_empty.to_numpy() & (pts.geom_type.to_numpy() == "Point")
    )
    by_code = _by_code(points, codes, choice, rule)
    usable &= ~by_code.mask
    _inside(frames, codes, usable, choice, rule)
    far = _nearest(frames, codes, usable & (choice < 0), max_d, choice, rule, dist)

    reasons = _reasons(frames, usable | by_code.mask, far, codes, max_d)
    reasons.update(by_code.reasons)
    assigned = points.loc[choice >= 0].copy()
    assigned[level_col] = pd.array(codes[choice[choice >= 0]], dtype="str")
    assigned["assign_rule"] = pd.array(rule[choice >= 0], dtype="str")
    assigned["distance_m"] = np.round(dist[choice >= 0], 3)
    new_rej = _rejections(points, choice < 0, reasons)
    rejected = pd.concat([prior, new_rej], ignore_index=True) if len(prior) else new_rej
    # one list in file order, whichever stage rejected the row
    rejected = rejected.sort_values(["source_file", "source_row"], kind="stable")
    result = Assignment(
        assigned=assigned,
        rejected=rejected.reset_index(drop=True),
        n_read=n_read,
        source=source,
        level_col=level_col,
    )
    result.check_accounting()
    s = result.summary()
    logger.info(
        "%s: %d read, %d assigned (%s), %d rejected",
        source,
        n_read,
        s["n_assigned"],
        ", ".join(f"{k} {v}" for k, v in s["by_rule"].items()),
        s["n_rejected"],
    )
    return result


def _unpack(
    obj: IncidentLoad | gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, int, str]:
    empty = pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "source_row" else "str") for c in REJECTION_COLUMNS}
    )
    if isinstance(obj, IncidentLoad):
        obj.check_accounting()
        return obj.incidents, obj.rejected, obj.n_read, obj.source
    if isinstance(obj, gpd.GeoDataFrame):
        source = str(obj.attrs.get("source", "incidents GeoDataFrame"))
        return obj, empty, len(obj), source
    raise TypeError(
        f"assign_incidents needs an IncidentLoad or a GeoDataFrame, not {type(obj).__name__}"
    )


def _check_boundaries(boundaries: gpd.GeoDataFrame, level_col: str) -> None:
    source = str(boundaries.attrs.get("source", "boundaries"))
    if not isinstance(boundaries, gpd.GeoDataFrame):
        raise TypeError("boundaries must be a GeoDataFrame (see kewaspadaan.io.load_boundaries)")
    if level_col not in boundaries.columns:
        raise missing_columns_error(
            source,
            {level_col: (level_col,)},
            list(boundaries.columns),
            hint="Pass level_col= naming the code column.",
        )
    require_crs(boundaries, source)
    if len(boundaries) == 0:
        raise GeometryError(f"{source}: no boundary polygons to assign incidents to")
    dup = boundaries[level_col][boundaries[level_col].duplicated()]
    if len(dup):
        raise ValidationError(
            source,
            [
                f"column {level_col!r} has duplicated codes "
                f"{format_rows(sorted(map(str, dup.unique())))}; each "
                "incident must be assigned to exactly one polygon"
            ],
        )


@dataclass
class _CodeMatch:
    mask: np.ndarray  # rows placed by code (assigned or rejected here)
    reasons: dict[int, str]


def _by_code(
    points: gpd.GeoDataFrame, codes: np.ndarray, choice: np.ndarray, rule: np.ndarray
) -> _CodeMatch:
    """Rule 0: rows with a ``place_code`` go to the unit whose code prefixes it."""
    n = len(points)
    if "place_code" not in points.columns:
        return _CodeMatch(np.zeros(n, dtype=bool), {})
    place = points["place_code"].astype("str").fillna("").to_numpy()
    mask = np.array([bool(p) and p not in ("nan", "None", "<NA>") for p in place], dtype=bool)
    if not mask.any():
        return _CodeMatch(mask, {})
    width = max(len(c) for c in codes)
    position = {c: i for i, c in enumerate(codes)}
    reasons: dict[int, str] = {}
    for i in np.flatnonzero(mask):
        code = str(place[i])
        if len(code) < width:
            reasons[int(i)] = (
                f"lokasi laporan hanya sampai kode {code}: lebih kasar dari unit analisis "
                f"(kode {width} karakter); tempatkan laporan pada desa atau nilai di tingkat "
                "kecamatan"
            )
            continue
        j = position.get(code[:width])
        if j is None:
            reasons[int(i)] = f"kode lokasi {code} tidak ada di batas wilayah yang dianalisis"
            continue
        choice[i], rule[i] = j, "kode"
    return _CodeMatch(mask, reasons)


def merge_duplicates(assignment: Assignment, *, days: int = 1) -> Assignment:
    """Merge one event reported by several sources (rule in the module docstring).

    Parameters
    ----------
    assignment : Assignment
        From :func:`assign_incidents` over combined sources (``source_file`` tells them apart).
    days : int, default 1
        Largest difference between the dates of two reports of one event.

    Returns
    -------
    Assignment
        Kept events with ``n_laporan`` (reports merged into each, itself included); merged
        reports in ``rejected`` with the reason ``digabung: ...``. Accounting still holds.
    """
    a = assignment.assigned
    col = assignment.level_col
    if len(a) == 0 or a["source_file"].nunique() < 2:
        out = a.copy()
        out["n_laporan"] = np.ones(len(out), dtype="int64")
        return _with_assigned(assignment, out, assignment.rejected)
    files = list(dict.fromkeys(a["source_file"].astype(str)))
    rank = a["source_file"].astype(str).map({f: i for i, f in enumerate(files)}).to_numpy()
    dates = pd.to_datetime(a["event_date"]).to_numpy("datetime64[D]").astype("int64")
    key = a[col].astype(str) + "\x1f" + a["event_type"].astype(str).fillna("")
    order = np.lexsort((a["source_row"].to_numpy(), rank))
    kept: dict[str, list[tuple[int, int, int]]] = {}  # key -> [(date, position, rank)]
    into = np.full(len(a), -1, dtype=np.int64)
    keys = key.to_numpy()
    for pos in order:
        k = keys[pos]
        match = next(
            (p for d, p, r in kept.get(k, []) if abs(d - dates[pos]) <= days and r != rank[pos]),
            None,
        )
        if match is None:
            kept.setdefault(k, []).append((int(dates[pos]), int(pos), int(rank[pos])))
        else:
            into[pos] = match
    merged = into >= 0
    counts = np.bincount(into[merged], minlength=len(a)) + 1
    out = a.loc[~merged].copy()
    out["n_laporan"] = counts[~merged].astype("int64")
    target = a.iloc[into[merged]]
    rej = pd.DataFrame(
        {
            "source_file": a["source_file"].to_numpy()[merged].astype(str),
            "source_row": a["source_row"].to_numpy()[merged].astype("int64"),
            "event_id": a["event_id"].to_numpy()[merged].astype(str),
            "reason": [
                f"digabung: laporan yang sama dengan {eid} ({src} baris {row}): unit, jenis "
                f"sama, tanggal selisih <= {days} hari"
                for eid, src, row in zip(
                    target["event_id"], target["source_file"], target["source_row"], strict=True
                )
            ],
        }
    )[list(REJECTION_COLUMNS)]
    rejected = pd.concat([assignment.rejected, rej], ignore_index=True)
    rejected = rejected.sort_values(["source_file", "source_row"], kind="stable")
    if merged.any():
        logger.info("%d report(s) merged as duplicates of events from other sources", merged.sum())
    return _with_assigned(assignment, out, rejected.reset_index(drop=True))


def _with_assigned(a: Assignment, assigned: gpd.GeoDataFrame, rejected: pd.DataFrame) -> Assignment:
    out = Assignment(
        assigned=assigned,
        rejected=rejected,
        n_read=a.n_read,
        source=a.source,
        level_col=a.level_col,
    )
    out.check_accounting()
    return out


def _pick(
    pt_idx: np.ndarray, poly_idx: np.ndarray, d: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point the candidate with the smallest distance (mm), ties by smallest code."""
    if len(pt_idx) == 0:
        return pt_idx, poly_idx, d
    order = np.lexsort((codes[poly_idx], np.round(d, 3), pt_idx))
    pt_idx, poly_idx, d = pt_idx[order], poly_idx[order], d[order]
    first = np.r_[True, pt_idx[1:] != pt_idx[:-1]]
    return pt_idx[first], poly_idx[first], d[first]


class _Frames:
    """Points and polygons in the boundaries' CRS, and the metres of the analysis CRS for the
    subsets that need a distance (projected on demand, polygons cached)."""

    def __init__(self, points: gpd.GeoSeries, polys: gpd.GeoSeries, target: CRS) -> None:
        native = CRS.from_user_input(polys.crs)
        self.pts = (
            points if CRS.from_user_input(points.crs).equals(native) else points.to_crs(native)
        )
        self.polys = polys
        self.native = native
        self.target = target
        self.geom = np.asarray(self.pts.values)
        self.poly_geom = np.asarray(polys.values)
        self._projected: dict[int, Any] = {}

    def points_m(self, idx: np.ndarray) -> np.ndarray:
        """Points ``idx`` in the analysis CRS."""
        return np.asarray(gpd.GeoSeries(self.geom[idx], crs=self.native).to_crs(self.target).values)

    def polys_m(self, idx: np.ndarray) -> np.ndarray:
        """Polygons ``idx`` in the analysis CRS (each projected once)."""
        todo = np.array([i for i in np.unique(idx) if int(i) not in self._projected], dtype=int)
        if len(todo):
            done = gpd.GeoSeries(self.poly_geom[todo], crs=self.native).to_crs(self.target)
            self._projected.update(zip(todo.tolist(), done.values, strict=True))
        return np.array([self._projected[int(i)] for i in idx], dtype=object)

    def margin(self, idx: np.ndarray, metres: float) -> float:
        """``metres`` in native units around points ``idx`` (generous: a search window)."""
        if not self.native.is_geographic:
            return metres * 1.2
        lat = np.abs(shapely.get_y(self.geom[idx])).max() if len(idx) else 0.0
        return metres * 1.2 / (111_320.0 * max(np.cos(np.radians(min(lat, 85.0))), 0.05))


def _inside(
    f: _Frames, codes: np.ndarray, usable: np.ndarray, choice: np.ndarray, rule: np.ndarray
) -> None:
    idx = np.flatnonzero(usable)
    if not len(idx):
        return
    # a tree over the (many) points queried with the (few) polygons: the same pairs as
    # polys.sindex.query(points), about 5x faster for a million incidents
    poly_idx, pt_pos = shapely.STRtree(f.geom[idx]).query(f.poly_geom, predicate="intersects")
    pt_idx = idx[pt_pos]
    hits = np.bincount(pt_idx, minlength=len(choice))
    one = hits[pt_idx] == 1
    choice[pt_idx[one]] = poly_idx[one]
    rule[pt_idx[one]] = "inside"
    many = ~one
    if many.any():  # on an edge or in overlapping polygons: the nearest centroid, in metres
        p_idx, q_idx = pt_idx[many], poly_idx[many]
        centroids = shapely.centroid(f.polys_m(q_idx))
        d = shapely.distance(f.points_m(p_idx), centroids).astype("float64")
        p, q, _ = _pick(p_idx, q_idx, d, codes)
        choice[p] = q
        rule[p] = "overlap"


def _nearest(
    f: _Frames,
    codes: np.ndarray,
    todo: np.ndarray,
    max_d: float,
    choice: np.ndarray,
    rule: np.ndarray,
    dist: np.ndarray,
) -> np.ndarray:
    """Assign points within ``max_d`` metres of a polygon; return the indices still unassigned."""
    idx = np.flatnonzero(todo)
    if not len(idx) or max_d <= 0:  # max_distance_m=0: only points inside are assigned
        return idx
    window = shapely.buffer(f.geom[idx], f.margin(idx, max_d))
    pt_pos, poly_idx = shapely.STRtree(f.poly_geom).query(window, predicate="intersects")
    if len(pt_pos):
        d = shapely.distance(f.points_m(idx[pt_pos]), f.polys_m(poly_idx)).astype("float64")
        close = d <= max_d
        if close.any():
            p, q, dd = _pick(idx[pt_pos][close], poly_idx[close], d[close], codes)
            choice[p], rule[p], dist[p] = q, "nearest", dd
    return idx[choice[idx] < 0]


def _reasons(
    f: _Frames, usable: np.ndarray, far: np.ndarray, codes: np.ndarray, max_d: float
) -> dict[int, str]:
    reasons: dict[int, str] = {}
    geom = f.geom
    for i in np.flatnonzero(~usable):
        g = geom[i]
        kind = "kosong" if g is None or g.is_empty else f"bukan titik ({g.geom_type})"
        reasons[int(i)] = f"geometri {kind}"
    if len(far):
        (pt_pos, poly_idx) = f.polys.sindex.nearest(geom[far], return_all=False)
        d = shapely.distance(f.points_m(far[pt_pos]), f.polys_m(poly_idx))
        for i, q, dd in zip(far[pt_pos].tolist(), poly_idx.tolist(), d.tolist(), strict=True):
            reasons[int(i)] = (
                f"di luar semua kecamatan: terdekat {codes[q]} pada "
                f"{dd / 1000:.1f} km (batas {max_d:.0f} m)"
            )
    return reasons


def _rejections(
    points: gpd.GeoDataFrame, mask: np.ndarray, reasons: dict[int, str]
) -> pd.DataFrame:
    pos = np.flatnonzero(mask)
    source = str(points.attrs.get("source", ""))

    def col(name: str, default: Any) -> list[Any]:
        if name in points.columns:
            return points[name].iloc[pos].tolist()
        return [default(i) for i in pos]

    return pd.DataFrame(
        {
            "source_file": pd.Series(col("source_file", lambda i: source), dtype="str"),
            "source_row": pd.Series(col("source_row", lambda i: int(i) + 1), dtype="int64"),
            "event_id": pd.Series(col("event_id", lambda i: str(points.index[i])), dtype="str"),
            "reason": pd.Series([reasons[int(i)] for i in pos], dtype="str"),
        }
    )[list(REJECTION_COLUMNS)]
