"""Remoteness: travel time over a friction surface (in the spirit of Weiss et al. 2018).

A *friction surface* gives, for every cell of a projected grid, the hours needed to cross one
metre of it. Speeds come from ``kewaspadaan.settings.friction_speeds_kmh`` (keyword ``speeds_kmh``
wins):

================  ===================================================================  ========
key               where                                                                default
================  ===================================================================  ========
offroad_flat      walking off-road on flat land; slower on slopes (Tobler, below)       5 km/h
road_arteri       cells on an ``arteri`` road (``jalan.kelas``)                          60 km/h
road_kolektor     ``kolektor`` road                                                      40 km/h
road_lokal        ``lokal`` road (also roads without a ``kelas``)                        25 km/h
road_setapak      footpath (``setapak``)                                                 8 km/h
river_navigable   river reach with ``navigasi`` ``besar``/``kecil`` (boats)             20 km/h
river_rapids      reach with rapids (``navigasi = jeram``)                               6 km/h
sea               sea cells (DEM nodata, or ``sea_mask``): coastal boats                 25 km/h
water_barrier     river not navigable (``navigasi = tidak``): wading/swimming across     1 km/h
================  ===================================================================  ========

Off-road walking speed follows Tobler's hiking function ``6 exp(-3.5 |tan(slope) + 0.05|)``
km/h, averaged over walking up and down the slope (the surface is isotropic) and scaled so flat
land gives ``offroad_flat``. Where a road crosses another feature, the faster wins (a road over a
river is a bridge or ferry); rivers replace off-road walking (so a non-navigable river slows a
crossing), and sea cells keep the sea speed unless a road is on them.

Travel times (hours) are accumulated with :func:`kewaspadaan.raster.cost_distance` and sampled
at each kecamatan's settlements weighted by population (else its representative point).

Without a DEM there is no surface: :func:`remoteness_features` then estimates travel time as
straight-line distance x ``settings.remoteness_fallback["circuity"]`` /
``settings.remoteness_fallback["speed_kmh"]`` and records it in ``result.notes``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from pyproj import CRS
from rasterio import features as rio_features
from rasterio.warp import Resampling, reproject

from kewaspadaan import settings
from kewaspadaan._errors import CRSError, ValidationError
from kewaspadaan.crs import require_crs
from kewaspadaan.features.geography import FeatureResult, _weighted_by_kecamatan, sample_points
from kewaspadaan.features.terrain import as_terrain
from kewaspadaan.raster import cost_distance, rasterize_lines, slope_deg

__all__ = [
    "REMOTENESS_COLUMNS",
    "Friction",
    "RemotenessResult",
    "friction_surface",
    "remoteness_features",
    "tobler_speed_kmh",
    "travel_time_h",
]

logger = logging.getLogger(__name__)

#: Columns returned by :func:`remoteness_features`.
REMOTENESS_COLUMNS: tuple[str, ...] = (
    "tt_kab_capital_h",
    "tt_prov_capital_h",
    "tt_security_post_h",
)

_RIVER_CLASSES = {
    "besar": "river_navigable",
    "kecil": "river_navigable",
    "jeram": "river_rapids",
    "tidak": "water_barrier",
}
_ROAD_CLASSES = ("arteri", "kolektor", "lokal", "setapak")


class RemotenessResult(FeatureResult):
    """Result of :func:`remoteness_features`: a DataFrame with ``.missing`` and ``.notes``."""


@dataclass(frozen=True)
class Friction:
    """A friction surface: hours per metre on a square-celled projected grid.

    Attributes
    ----------
    h_per_m : numpy.ndarray
        float64 hours to cross one metre of each cell; ``inf`` = impassable.
    transform : affine.Affine
    crs : pyproj.CRS
        Projected.
    notes : dict
        How the surface was built where it departs from the defaults.
    """

    h_per_m: np.ndarray
    transform: Affine
    crs: CRS
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def resolution_m(self) -> float:
        """Cell size in metres."""
        return abs(self.transform.a)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        rows, cols = self.h_per_m.shape
        return int(rows), int(cols)

    @property
    def speed_kmh(self) -> np.ndarray:
        """The surface as speeds (km/h)."""
        with np.errstate(divide="ignore"):
            return 1.0 / (self.h_per_m * 1000.0)


def tobler_speed_kmh(
    slope_deg: np.ndarray | float, *, flat_speed_kmh: float | None = None
) -> np.ndarray:
    """Walking speed (km/h) on a slope, by Tobler's hiking function, direction-averaged.

    Parameters
    ----------
    slope_deg : array-like or float
        Slope in degrees (magnitude).
    flat_speed_kmh : float, optional
        Scale so that a flat cell gives this speed. Default: Tobler's own value at zero slope,
        ``6 exp(-0.175) = 5.04`` km/h.

    Returns
    -------
    numpy.ndarray
        ``0.5 x (v(+s) + v(-s))`` with ``v(s) = 6 exp(-3.5 |s + 0.05|)``, ``s = tan(slope)``.
    """
    s = np.tan(np.radians(np.asarray(slope_deg, dtype=np.float64)))
    speed = 3.0 * (np.exp(-3.5 * np.abs(s + 0.05)) + np.exp(-3.5 * np.abs(s - 0.05)))
    if flat_speed_kmh is not None:
        speed *= flat_speed_kmh / (6.0 * math.exp(-0.175))
    return speed


def _resample(
    elev: np.ndarray,
    transform: Affine,
    crs: CRS,
    resolution_m: float,
) -> tuple[np.ndarray, Affine]:
    """Average the DEM onto a square grid of ``resolution_m`` covering the same extent."""
    rows, cols = elev.shape
    west, north = transform @ (0, 0)
    east, south = transform @ (cols, rows)
    west, east = min(west, east), max(west, east)
    south, north = min(south, north), max(south, north)
    shape = (
        max(1, math.ceil((north - south) / resolution_m)),
        max(1, math.ceil((east - west) / resolution_m)),
    )
    dst_transform = Affine(resolution_m, 0.0, west, 0.0, -resolution_m, north)
    out = np.full(shape, np.nan, dtype=np.float32)
    reproject(
        elev,
        out,
        src_transform=transform,
        src_crs=crs,
        dst_transform=dst_transform,
        dst_crs=crs,
        resampling=Resampling.average,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    return out, dst_transform


def _sea_cells(elev: np.ndarray, sea_mask: Any, transform: Affine, crs: CRS) -> np.ndarray:
    sea = np.isnan(elev)
    if sea_mask is None:
        return sea
    if isinstance(sea_mask, gpd.GeoDataFrame | gpd.GeoSeries):
        require_crs(sea_mask, "sea_mask")
        geoms = sea_mask.geometry.to_crs(crs).to_numpy()
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if len(geoms) == 0:
            return sea
        burnt = rio_features.rasterize(
            ((g, 1) for g in geoms),
            out_shape=elev.shape,
            transform=transform,
            fill=0,
            dtype="uint8",
        )
        return sea | burnt.astype(bool)
    mask = np.asarray(sea_mask, dtype=bool)
    if mask.shape != elev.shape:
        raise ValueError(
            f"sea_mask shape {mask.shape} differs from the DEM grid {elev.shape}; "
            "pass resolution_m=None or a polygon layer instead"
        )
    return sea | mask


def _river_speeds(
    rivers: gpd.GeoDataFrame,
    speeds: Mapping[str, float],
    *,
    dry_season: bool,
    notes: dict[str, str],
) -> np.ndarray:
    if "navigasi" not in rivers.columns:
        notes["rivers"] = (
            "rivers have no 'navigasi' column: every reach treated as navigable "
            f"({speeds['river_navigable']} km/h)"
        )
        return np.full(len(rivers), float(speeds["river_navigable"]))
    nav = rivers["navigasi"].astype(str).str.strip().str.lower()
    unknown = sorted(set(nav) - set(_RIVER_CLASSES))
    if unknown:
        rows = [int(i) for i in np.flatnonzero(~nav.isin(list(_RIVER_CLASSES)))[:10]]
        raise ValidationError(
            "rivers (sungai)",
            [
                f"column 'navigasi' has unknown value(s) {unknown} at row(s) {rows}; use one of "
                f"{sorted(_RIVER_CLASSES)}"
            ],
        )
    key = nav.map(_RIVER_CLASSES)
    if dry_season and "surut_musiman" in rivers.columns:
        low = rivers["surut_musiman"].fillna(False).astype(bool).to_numpy()
        key = key.where(~low, "water_barrier")
        notes["rivers_dry_season"] = f"{int(low.sum())} reaches impassable at low water"
    return key.map(lambda k: float(speeds[k])).to_numpy(dtype=float)


def _road_speeds(
    roads: gpd.GeoDataFrame, speeds: Mapping[str, float], notes: dict[str, str]
) -> np.ndarray:
    if "kelas" not in roads.columns:
        notes["roads"] = (
            f"roads have no 'kelas' column: all treated as lokal ({speeds['road_lokal']} km/h)"
        )
        return np.full(len(roads), float(speeds["road_lokal"]))
    kelas = roads["kelas"].astype(str).str.strip().str.lower()
    bad = np.flatnonzero(~kelas.isin(_ROAD_CLASSES).to_numpy())
    if len(bad):
        raise ValidationError(
            "roads (jalan)",
            [
                f"column 'kelas' has unknown value(s) {sorted(set(kelas.iloc[bad]))} at row(s) "
                f"{bad[:10].tolist()}; use one of {list(_ROAD_CLASSES)}"
            ],
        )
    return kelas.map(lambda k: float(speeds[f"road_{k}"])).to_numpy(dtype=float)


def friction_surface(
    terrain: Any,
    *,
    roads: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    sea_mask: Any = None,
    resolution_m: float | None = None,
    speeds_kmh: Mapping[str, float] | None = None,
    dry_season: bool = False,
) -> Friction:
    """Build the friction surface (hours per metre) on the DEM grid.

    Parameters
    ----------
    terrain : Terrain-like or path
        DEM in a projected CRS (see :func:`kewaspadaan.features.terrain.as_terrain`); its nodata
        cells are sea.
    roads : GeoDataFrame, optional
        ``jalan`` lines with ``kelas`` (arteri | kolektor | lokal | setapak).
    rivers : GeoDataFrame, optional
        ``sungai`` lines with ``navigasi`` (besar | kecil | jeram | tidak) and optionally
        ``surut_musiman``.
    sea_mask : bool array on the output grid, or polygon GeoDataFrame, optional
        Extra sea cells besides the DEM's nodata.
    resolution_m : float, optional
        Resample the DEM (average) to square cells of this size first; default the DEM's own
        (which must then be square).
    speeds_kmh : mapping, optional
        Overrides of ``settings.friction_speeds_kmh`` (see the module docstring for the table).
    dry_season : bool, default False
        Reaches flagged ``surut_musiman`` become barriers (seasonal low water).

    Returns
    -------
    Friction
    """
    grid = as_terrain(terrain)
    speeds = {**settings.friction_speeds_kmh, **(speeds_kmh or {})}
    elev, transform = grid.elevation_m, grid.transform
    res_x, res_y = grid.resolution_m
    if resolution_m is None and not math.isclose(res_x, res_y, rel_tol=1e-9):
        resolution_m = max(res_x, res_y)
    if resolution_m is not None and not (
        math.isclose(resolution_m, res_x)
        and math.isclose(resolution_m, res_y)
        and transform.b == 0
        and transform.d == 0
    ):
        elev, transform = _resample(elev, transform, grid.crs, float(resolution_m))
    res = abs(transform.a)
    notes: dict[str, str] = {}
    speed = tobler_speed_kmh(slope_deg(elev, res), flat_speed_kmh=speeds["offroad_flat"])
    sea = _sea_cells(elev, sea_mask, transform, grid.crs)
    speed = np.where(sea, float(speeds["sea"]), speed)
    if rivers is not None and len(rivers):
        require_crs(rivers, "rivers (sungai)")
        lines = rivers.to_crs(grid.crs)
        burnt = rasterize_lines(
            lines,
            elev.shape,
            transform,
            _river_speeds(lines, speeds, dry_season=dry_season, notes=notes),
            keep="max",
            dtype="float64",
        )
        speed = np.where((burnt > 0) & ~sea, burnt, speed)
    if roads is not None and len(roads):
        require_crs(roads, "roads (jalan)")
        lines = roads.to_crs(grid.crs)
        burnt = rasterize_lines(
            lines,
            elev.shape,
            transform,
            _road_speeds(lines, speeds, notes),
            keep="max",
            dtype="float64",
        )
        speed = np.maximum(speed, burnt)
    with np.errstate(divide="ignore"):
        h_per_m = np.where(speed > 0, 1.0 / (speed * 1000.0), np.inf)
    return Friction(h_per_m, transform, grid.crs, notes)


def _cells(
    friction: Friction,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
) -> tuple[np.ndarray, np.ndarray]:
    """Row/col of each point on the friction grid and whether it is inside."""
    require_crs(points, "points")
    geoms = points.geometry.to_crs(friction.crs).to_numpy()
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    col, row = ~friction.transform @ (x, y)
    rc = np.column_stack([np.floor(row), np.floor(col)])
    ok = np.isfinite(rc).all(axis=1)
    ok &= (rc[:, 0] >= 0) & (rc[:, 0] < friction.shape[0])
    ok &= (rc[:, 1] >= 0) & (rc[:, 1] < friction.shape[1])
    return np.where(ok[:, None], rc, 0).astype(np.int64), ok


def travel_time_h(
    friction: Friction, targets: gpd.GeoDataFrame | gpd.GeoSeries, *, max_h: float | None = None
) -> np.ndarray:
    """Hours from every cell to the nearest target point, over the friction surface.

    Parameters
    ----------
    friction : Friction
    targets : GeoDataFrame or GeoSeries
        Points (any CRS, reprojected); all must fall on the grid.
    max_h : float, optional
        Stop at this travel time (cells beyond are ``inf``).

    Returns
    -------
    numpy.ndarray
        float64 hours on the friction grid; ``inf`` where unreachable.
    """
    if not isinstance(friction, Friction):
        raise TypeError("friction must be a Friction (see friction_surface)")
    if len(targets) == 0:
        raise ValueError("travel_time_h needs at least one target point")
    if shapely.get_type_id(targets.geometry.to_numpy()).max() != 0 or targets.geometry.isna().any():
        raise ValueError("targets must be Point geometries")
    rc, ok = _cells(friction, targets)
    if not ok.all():
        raise ValueError(
            f"target(s) at index {list(targets.index[~ok][:10])} fall outside the friction grid; "
            "drop them or build the surface over a larger DEM"
        )
    out = cost_distance(friction.h_per_m, rc, cellsize_m=friction.resolution_m, max_cost=max_h)
    return out[0] if isinstance(out, tuple) else out


# ------------------------------------------------------------------------------------------------
# Features per kecamatan
# ------------------------------------------------------------------------------------------------
def _grid_hours(friction: Friction, pts: gpd.GeoDataFrame):
    """``measure(targets, sel) -> hours`` at the sample points ``pts[sel]`` over the surface."""
    rc, inside = _cells(friction, pts)

    def measure(targets: gpd.GeoDataFrame, sel: np.ndarray) -> np.ndarray:
        hours = travel_time_h(friction, targets)
        out = np.where(inside[sel], hours[rc[sel, 0], rc[sel, 1]], np.nan)
        return out

    return measure


def _straight_hours(pts: gpd.GeoDataFrame):
    """``measure(targets, sel) -> hours``: straight-line distance x circuity / speed."""
    circuity = float(settings.remoteness_fallback["circuity"])
    speed = float(settings.remoteness_fallback["speed_kmh"])

    def measure(targets: gpd.GeoDataFrame, sel: np.ndarray) -> np.ndarray:
        require_crs(targets, "targets")
        tree = shapely.STRtree(targets.geometry.to_crs(pts.crs).to_numpy())
        geoms = pts.geometry.to_numpy()[sel]
        (ipt, _), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        out = np.full(len(geoms), np.nan)
        out[ipt] = dist / 1000.0 * circuity / speed
        return out

    return measure


def _kab_of(points: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, crs: Any) -> np.ndarray:
    """Kabupaten code (str) of each point: its ``kode_kab`` column, else the polygon it is in."""
    if "kode_kab" in points.columns:
        return points["kode_kab"].astype(str).to_numpy()
    tree = shapely.STRtree(boundaries.geometry.to_crs(crs).to_numpy())
    ipt, ipoly = tree.query(points.geometry.to_crs(crs).to_numpy(), predicate="within")
    out = np.full(len(points), "", dtype=object)
    codes = boundaries["kode_kab"].astype(str).to_numpy()
    for i, j in zip(ipt[::-1], ipoly[::-1], strict=True):  # first polygon wins
        out[i] = codes[j]
    return out


def _kab_capital_hours(
    boundaries: gpd.GeoDataFrame,
    pts: gpd.GeoDataFrame,
    measure: Any,
    capitals: gpd.GeoDataFrame,
    provincial: gpd.GeoDataFrame | None,
) -> tuple[np.ndarray, list[str]]:
    """Hours from each sample point to the capital of its own kabupaten (one run per kabupaten)."""
    kab_of_pt = boundaries["kode_kab"].astype(str).to_numpy()[pts["pos"].to_numpy()]
    cap_kab = _kab_of(capitals, boundaries, pts.crs)
    prov_kab = _kab_of(provincial, boundaries, pts.crs) if provincial is not None else None
    hours = np.full(len(pts), np.nan)
    without = []
    for kab in sorted(set(kab_of_pt)):
        caps = capitals[cap_kab == kab]
        if len(caps) == 0 and prov_kab is not None and provincial is not None:
            caps = provincial[prov_kab == kab]  # the provincial capital is its kota's capital
        if len(caps) == 0:
            without.append(kab)
            continue
        sel = kab_of_pt == kab
        hours[sel] = measure(caps, sel)
    return hours, without


def remoteness_features(
    boundaries: gpd.GeoDataFrame,
    friction: Friction | None,
    *,
    kabupaten_capitals: gpd.GeoDataFrame | None = None,
    provincial_capital: gpd.GeoDataFrame | None = None,
    security_posts: gpd.GeoDataFrame | None = None,
    settlements: gpd.GeoDataFrame | None = None,
) -> RemotenessResult:
    """Travel times (hours) from each kecamatan to its capitals and the nearest security post.

    Parameters
    ----------
    boundaries : GeoDataFrame
        Kecamatan polygons with ``kode_kab``.
    friction : Friction or None
        From :func:`friction_surface`. ``None`` (no DEM): straight-line fallback, see the module
        docstring; recorded in ``result.notes``.
    kabupaten_capitals : GeoDataFrame, optional
        Capital points of the kabupaten/kota, matched by their ``kode_kab`` column or else by
        location. A kabupaten without one uses a provincial capital point inside it, if any.
    provincial_capital : GeoDataFrame, optional
        The provincial capital point(s).
    security_posts : GeoDataFrame, optional
        Police/military posts (``pos_keamanan``); the nearest one counts.
    settlements : GeoDataFrame, optional
        ``permukiman`` with ``penduduk``: times are population-weighted over a kecamatan's
        settlements (else from its representative point).

    Returns
    -------
    RemotenessResult
        DataFrame on ``boundaries.index`` with ``tt_kab_capital_h`` (to the capital of its own
        kabupaten: one cost-distance run per kabupaten), ``tt_prov_capital_h`` and
        ``tt_security_post_h``; features that cannot be computed are in ``.missing`` with the
        reason, fallbacks in ``.notes``. Unreachable points are left out of the weighted mean
        (NaN when none is reachable).
    """
    require_crs(boundaries, "boundaries")
    result = RemotenessResult(index=boundaries.index)
    if friction is None:
        pts = sample_points(boundaries, settlements)
        measure = _straight_hours(pts)
        fb = settings.remoteness_fallback
        note = (
            f"no DEM/friction surface: straight-line distance x {fb['circuity']} at "
            f"{fb['speed_kmh']} km/h"
        )
    else:
        if not CRS.from_user_input(friction.crs).is_projected:
            raise CRSError("friction surface must be in a projected CRS")
        pts = sample_points(boundaries, settlements, crs=friction.crs)
        measure = _grid_hours(friction, pts)
        note = None
    n, every = len(boundaries), np.ones(len(pts), dtype=bool)
    for name, layer, label in (
        ("tt_prov_capital_h", provincial_capital, "provincial capital"),
        ("tt_security_post_h", security_posts, "security posts"),
    ):
        if layer is None or len(layer) == 0:
            result.missing[name] = f"no {label} point given"
            continue
        result[name] = _weighted_by_kecamatan(pts, measure(layer, every), n)
    if kabupaten_capitals is None or len(kabupaten_capitals) == 0:
        result.missing["tt_kab_capital_h"] = "no kabupaten capital points given"
    elif "kode_kab" not in boundaries.columns:
        result.missing["tt_kab_capital_h"] = "boundaries have no 'kode_kab' column"
    else:
        hours, without = _kab_capital_hours(
            boundaries, pts, measure, kabupaten_capitals, provincial_capital
        )
        result["tt_kab_capital_h"] = _weighted_by_kecamatan(pts, hours, n)
        if without:
            result.notes["tt_kab_capital_h"] = f"no capital point for kabupaten {without} (NaN)"
    result = result[[c for c in REMOTENESS_COLUMNS if c in result.columns]]
    for name in result.columns:
        if note is not None:
            result.notes[name] = note
        if result[name].isna().any() and name not in result.notes:
            result.notes[name] = (
                f"{int(result[name].isna().sum())} kecamatan unreachable or off the grid (NaN)"
            )
    if result.missing:
        logger.info("remoteness features not computed: %s", result.missing)
    return result
