"""Raster kernels against the reference libraries (rasterstats, scikit-image MCP_Geometric)."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from kewaspadaan._errors import CRSError, GeometryError
from kewaspadaan.raster import (
    DEFAULT_STATS,
    Zones,
    cost_distance,
    distance_to,
    fraction_above,
    rasterize_lines,
    slope_deg,
    terrain_ruggedness,
    zonal_stats,
)

rasterstats = pytest.importorskip("rasterstats")
skgraph = pytest.importorskip("skimage.graph")

CRS = "EPSG:32650"
NODATA = -9999.0
TRANSFORM = Affine(10.0, 0.0, 500_000.0, 0.0, -10.0, 9_000_000.0)


@pytest.fixture(scope="module")
def raster() -> np.ndarray:
    rng = np.random.default_rng(7)
    arr = rng.normal(100.0, 30.0, (160, 220)).astype("float32")
    arr[rng.random(arr.shape) < 0.04] = NODATA
    arr[rng.random(arr.shape) < 0.04] = np.nan
    arr[:20, :30] = NODATA  # a block with no data at all
    return arr


@pytest.fixture(scope="module")
def polygons() -> gpd.GeoDataFrame:
    """Voronoi cells (some reaching beyond the raster) plus overlapping circles and a far one."""
    rng = np.random.default_rng(11)
    x0, y1 = 500_000.0, 9_000_000.0
    x1, y0 = x0 + 2200.0, y1 - 1600.0
    pts = shapely.points(rng.uniform(x0 - 300, x1 + 300, 40), rng.uniform(y0 - 300, y1 + 300, 40))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(pts),
            extend_to=shapely.box(x0 - 1000, y0 - 1000, x1 + 1000, y1 + 1000),
        )
    )
    cells = [c.intersection(shapely.box(x0 - 500, y0 - 500, x1 + 500, y1 + 500)) for c in cells]
    extra = [
        shapely.Point(x0 + 1000, y0 + 800).buffer(400),  # grid-aligned bounds, overlaps cells
        shapely.Point(x0 + 1100, y0 + 700).buffer(250),  # overlaps the circle above
        shapely.Point(x0 + 150, y1 - 100).buffer(60),  # inside the no-data block
        shapely.box(x0 + 33, y0 + 41, x0 + 36, y0 + 44),  # smaller than a pixel
        shapely.MultiPolygon(
            [
                shapely.box(x0 + 100, y0 + 100, x0 + 300, y0 + 250),
                shapely.box(x0 + 1500, y0 + 900, x0 + 1713, y0 + 1111),
            ]
        ),
    ]
    kode = [f"64.01.{i:02d}" for i in range(len(cells) + len(extra))]
    return gpd.GeoDataFrame({"kode": kode}, geometry=list(cells) + extra, crs=CRS).set_index("kode")


def _reference(
    polys: gpd.GeoDataFrame,
    arr: np.ndarray,
    *,
    all_touched: bool,
    stats=DEFAULT_STATS,
    nodata: float = NODATA,
) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = rasterstats.zonal_stats(
            list(polys.geometry),
            arr,
            affine=TRANSFORM,
            nodata=nodata,
            all_touched=all_touched,
            stats=list(stats),
        )
    return pd.DataFrame(rows, index=polys.index).astype(float)


@pytest.mark.parametrize("all_touched", [False, True])
def test_zonal_stats_equals_rasterstats(raster, polygons, all_touched):
    ours = zonal_stats(polygons, raster, TRANSFORM, nodata=NODATA, all_touched=all_touched, crs=CRS)
    ref = _reference(polygons, raster, all_touched=all_touched)
    assert list(ours.index) == list(polygons.index)
    assert list(ours.columns) == list(DEFAULT_STATS)
    np.testing.assert_array_equal(ours["count"].to_numpy(), ref["count"].to_numpy())
    assert (ours["count"] > 0).sum() > 30 and (ours["count"] == 0).any()
    for stat in ("min", "max", "median", "mean", "sum", "std"):
        # rasterstats accumulates float32 in float32; we use float64
        np.testing.assert_allclose(
            ours[stat].to_numpy(),
            ref[stat].to_numpy(),
            rtol=2e-5,
            atol=1e-4,
            equal_nan=True,
            err_msg=stat,
        )


def test_overlapping_polygons_each_get_all_their_pixels(raster, polygons):
    ours = zonal_stats(polygons, raster, TRANSFORM, stats=("count",), nodata=NODATA, crs=CRS)
    big, small = polygons.index[-5], polygons.index[-4]
    alone = zonal_stats(
        polygons.loc[[big, small]], raster, TRANSFORM, stats=("count",), nodata=NODATA, crs=CRS
    )
    pd.testing.assert_series_equal(ours.loc[[big, small], "count"], alone["count"])
    assert ours.loc[big, "count"] > 3000


def test_zonal_stats_integer_raster_and_subset_of_stats(polygons):
    arr = np.arange(160 * 220, dtype=np.int32).reshape(160, 220) % 97
    ours = zonal_stats(polygons, arr, TRANSFORM, stats=("sum", "range", "count"), nodata=0, crs=CRS)
    ref = _reference(
        polygons, arr.astype(float), all_touched=False, stats=("sum", "count"), nodata=0
    )
    np.testing.assert_array_equal(ours["count"], ref["count"])
    np.testing.assert_allclose(ours["sum"], ref["sum"], equal_nan=True)
    assert list(ours.columns) == ["sum", "range", "count"]
    assert ours["range"].max() == 95  # values 1..96 once 0 is nodata


def test_fraction_above_matches_rasterstats(raster, polygons):
    share = fraction_above(polygons, raster, TRANSFORM, 120.0, nodata=NODATA, crs=CRS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = rasterstats.zonal_stats(
            list(polygons.geometry),
            raster,
            affine=TRANSFORM,
            nodata=NODATA,
            stats=["count"],
            add_stats={
                "frac": lambda x: float((x > 120.0).sum() / x.count()) if x.count() else None
            },
        )
    expected = np.array([r["frac"] if r["frac"] is not None else np.nan for r in ref])
    np.testing.assert_allclose(share.to_numpy(), expected, equal_nan=True)
    assert share.index.equals(polygons.index)
    assert 0.1 < np.nanmean(share) < 0.4


def test_zones_reused_for_several_rasters(raster, polygons):
    zones = Zones.from_polygons(polygons, raster.shape, TRANSFORM, crs=CRS)
    a = zones.stats(raster, stats=("mean",), nodata=NODATA)
    b = zones.stats(np.where(raster == NODATA, np.nan, raster * 2), stats=("mean",))
    np.testing.assert_allclose(b["mean"], 2 * a["mean"], rtol=1e-6, equal_nan=True)
    with pytest.raises(ValueError, match="shape"):
        zones.stats(raster[:10])


def test_crs_mismatch_and_missing_crs_raise(raster, polygons):
    with pytest.raises(CRSError, match="reproject"):
        zonal_stats(polygons.to_crs("EPSG:4326"), raster, TRANSFORM, crs=CRS)
    with pytest.raises(CRSError, match="crs="):
        zonal_stats(polygons, raster, TRANSFORM)
    with pytest.raises(CRSError, match="no CRS"):
        zonal_stats(polygons.set_crs(None, allow_override=True), raster, TRANSFORM, crs=CRS)


def test_non_polygon_geometry_and_unknown_stat_raise(raster, polygons):
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(500_100, 8_999_900)], crs=CRS)
    with pytest.raises(GeometryError, match="Polygon"):
        zonal_stats(pts, raster, TRANSFORM, crs=CRS)
    with pytest.raises(ValueError, match="unknown zonal statistic"):
        zonal_stats(polygons, raster, TRANSFORM, stats=("mean", "mode"), crs=CRS)


# ------------------------------------------------------------------------------------------------
# cost distance
# ------------------------------------------------------------------------------------------------
def _random_cost(seed: int, shape=(90, 120)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.2, 5.0, shape)
    cost[rng.random(shape) < 0.15] = np.inf  # scattered barriers
    cost[40, 10:110] = np.inf  # a wall with a gap at both ends
    return cost


@pytest.mark.parametrize("seed", [1, 2])
def test_cost_distance_equals_mcp_geometric(seed):
    cost = _random_cost(seed)
    sources = [(3, 4), (80, 100), (60, 15)]
    ours = cost_distance(cost, sources)
    ref, _ = skgraph.MCP_Geometric(cost).find_costs(sources)
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    finite = np.isfinite(ref)
    assert finite.sum() > 0.7 * cost.size
    np.testing.assert_allclose(ours[finite], ref[finite], rtol=1e-12)


def test_cost_distance_single_source_mask_and_nan_barrier():
    cost = _random_cost(3)
    cost[cost > 4.8] = np.nan  # NaN is a barrier too (MCP treats it inconsistently: use inf)
    mask = np.zeros(cost.shape, dtype=bool)
    mask[10, 10] = True
    ours = cost_distance(cost, mask)
    ref, _ = skgraph.MCP_Geometric(np.where(np.isnan(cost), np.inf, cost)).find_costs([(10, 10)])
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    assert np.isinf(ours[np.isnan(cost) & ~mask]).all()


def test_cost_distance_allocation_cellsize_and_max_cost():
    cost = _random_cost(4, shape=(50, 60))
    sources = np.array([[5, 5], [45, 50], [25, 30]])
    acc, alloc = cost_distance(cost, sources, cellsize_m=250.0, return_allocation=True)
    singles = np.stack([cost_distance(cost, [s]) * 250.0 for s in sources])
    np.testing.assert_allclose(acc, singles.min(axis=0), rtol=1e-12)
    finite = np.isfinite(acc)
    gap = np.sort(singles, axis=0)
    with np.errstate(invalid="ignore"):
        unique = finite & ~(gap[1] - gap[0] <= 1e-6)
    np.testing.assert_array_equal(alloc[unique], singles.argmin(axis=0)[unique])
    assert (alloc[~finite] == -1).all()
    assert set(np.unique(alloc[finite])) == {0, 1, 2}
    capped = cost_distance(cost, sources, cellsize_m=250.0, max_cost=1000.0)
    within = acc <= 1000.0
    np.testing.assert_allclose(capped[within], acc[within])
    assert np.isinf(capped[~within]).all()


def test_cost_distance_input_errors():
    cost = np.ones((5, 5))
    with pytest.raises(ValueError, match="outside"):
        cost_distance(cost, [(0, 0), (7, 1)])
    with pytest.raises(ValueError, match="negative"):
        cost_distance(-cost, [(0, 0)])
    with pytest.raises(ValueError, match="at least one"):
        cost_distance(cost, np.zeros((5, 5), dtype=bool))


# ------------------------------------------------------------------------------------------------
# terrain helpers
# ------------------------------------------------------------------------------------------------
def test_slope_of_tilted_plane_is_known_angle():
    cols = np.arange(40) * 30.0
    dem = np.tile(cols * math.tan(math.radians(20.0)), (30, 1))
    dem[5:8, 5:8] = np.nan
    slope = slope_deg(dem, 30.0)
    away = np.ones(dem.shape, dtype=bool)
    away[[0, -1], :] = away[:, [0, -1]] = False  # edges: missing neighbours take the centre
    away[4:9, 4:9] = False  # around the hole likewise
    np.testing.assert_allclose(slope[away], 20.0, atol=1e-4)
    assert np.isnan(slope[6, 6])
    assert 5.0 < slope[0, 0] < 20.0 and 5.0 < slope[6, 4] < 20.0
    # a plane tilted along y, anisotropic cells
    dem_y = np.tile((np.arange(30) * 10.0 * math.tan(math.radians(35.0)))[:, None], (1, 20))
    np.testing.assert_allclose(slope_deg(dem_y, (25.0, 10.0))[10, 10], 35.0, atol=1e-4)


def test_terrain_ruggedness_riley():
    dem = np.zeros((5, 5))
    dem[2, 2] = 10.0
    tri = terrain_ruggedness(dem)
    assert tri[2, 2] == pytest.approx(10.0 * math.sqrt(8))
    assert tri[1, 1] == pytest.approx(10.0)
    assert tri[0, 0] == 0.0
    dem[0, 0] = np.nan
    assert np.isnan(terrain_ruggedness(dem)[0, 0])


def test_rasterize_lines_keeps_fastest_and_distance_to():
    tr = Affine(10.0, 0, 0, 0, -10.0, 100.0)
    lines = gpd.GeoSeries(
        [shapely.LineString([(0, 55), (100, 55)]), shapely.LineString([(55, 0), (55, 100)])],
        crs=CRS,
    )
    burnt = rasterize_lines(lines, (10, 10), tr, [60.0, 25.0])
    assert burnt[4, 5] == 60.0 and burnt[0, 5] == 25.0 and burnt[0, 0] == 0.0
    assert rasterize_lines(lines, (10, 10), tr, [60.0, 25.0], keep="min")[4, 5] == 25.0
    dist = distance_to(burnt > 0, 10.0)
    assert dist[4, 5] == 0.0 and dist[0, 0] == 40.0 and dist[1, 2] == 30.0
    assert np.isinf(distance_to(np.zeros((3, 3), bool), 10.0)).all()


def _neighbours(dem):
    """The DEM (float64) and its 8 neighbour views (a..i without e, row-major); missing
    neighbours (outside, NaN) take the centre value."""
    z = np.asarray(dem, dtype=np.float64)
    padded = np.pad(z, 1, mode="constant", constant_values=np.nan)
    rows, cols = z.shape
    views = []
    for dr in (0, 1, 2):
        for dc in (0, 1, 2):
            if dr == 1 and dc == 1:
                continue
            v = padded[dr : dr + rows, dc : dc + cols]
            views.append(np.where(np.isnan(v), z, v))
    return z, views


def _slope_deg_numpy(dem, cellsize_m):
    """Horn's slope in whole-array NumPy: the reference of the compiled pass."""
    dx, dy = (cellsize_m, cellsize_m) if np.isscalar(cellsize_m) else cellsize_m
    z, (a, b, c, d, f, g, h, i) = _neighbours(dem)
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * abs(float(dx)))
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8.0 * abs(float(dy)))
    out = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    out[np.isnan(z)] = np.nan
    return out.astype(np.float32)


def _terrain_ruggedness_numpy(dem):
    """Riley's TRI in whole-array NumPy: the reference of the compiled pass."""
    z, views = _neighbours(dem)
    total = np.zeros_like(z)
    for v in views:
        total += (v - z) ** 2
    out = np.sqrt(total)
    out[np.isnan(z)] = np.nan
    return out.astype(np.float32)


def test_compiled_slope_and_ruggedness_are_the_numpy_formula_bit_for_bit():
    rng = np.random.default_rng(5)
    dem = np.cumsum(rng.normal(0, 5, (60, 45)), axis=0).astype(np.float32)
    dem[rng.random(dem.shape) < 0.1] = np.nan  # holes, and NaN on the edges
    dem[0, :] = np.nan
    for cell in (30.0, (25.0, 10.0), (-25.0, 10.0)):
        got, want = slope_deg(dem, cell), _slope_deg_numpy(dem, cell)
        assert got.dtype == np.float32 and np.array_equal(got, want, equal_nan=True)
    got, want = terrain_ruggedness(dem), _terrain_ruggedness_numpy(dem)
    assert got.dtype == np.float32 and np.array_equal(got, want, equal_nan=True)
    assert np.isnan(got[0]).all() and np.isfinite(got[1][~np.isnan(dem[1])]).all()
