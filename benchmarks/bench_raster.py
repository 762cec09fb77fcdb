"""Benchmark of the raster kernels against the reference libraries.

- ``kewaspadaan.raster.zonal_stats`` vs ``rasterstats.zonal_stats`` (same statistics) on a
  DEM-like raster with ~100 and ~1000 Voronoi polygons;
- the same zonal statistics vs ``exactextract`` (the fastest well-known peer; GeoTIFF on disk,
  as it reads it). exactextract weights each cell by the fraction of it inside the polygon where
  ours and rasterstats take the cells whose centre is inside, so the check is on the mean of the
  polygons of at least 1,000 cells (within 0.5 %), not on equality;
- ``kewaspadaan.raster.cost_distance`` vs ``skimage.graph.MCP_Geometric(cost).find_costs``.

Inputs are generated in the run (seeded). Each pair of results is checked equal (assert) before
the timings are printed. numba compile time is excluded from the timings (a warm-up on small
arrays runs first) and reported separately. Peak memory is what ``tracemalloc`` sees (numpy
arrays and Python objects; GDAL's own buffers are not counted) per call.

Run: ``python benchmarks/bench_raster.py`` (4000 x 4000, ~2-4 minutes on 2 cores), or
``python benchmarks/bench_raster.py --size 1000`` for a quick check.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

CRS = "EPSG:32650"
CELL_M = 30.0
STATS = ("count", "mean", "min", "max", "std", "median", "sum")


def dem_like(n: int, seed: int = 2024) -> np.ndarray:
    """Fractal (1/f^beta) terrain in metres with the lowest ~12 % as sea (NaN)."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :]
    amp = np.hypot(fx, fy)
    amp[0, 0] = np.inf
    spectrum = (rng.normal(size=amp.shape) + 1j * rng.normal(size=amp.shape)) * amp**-1.6
    z = np.fft.irfft2(spectrum, s=(n, n))
    z = (z - z.min()) / (z.max() - z.min()) * 2500.0
    z = z.astype(np.float32)
    z[z < np.quantile(z, 0.12)] = np.nan
    return z


def voronoi(n_polys: int, extent: tuple[float, float, float, float], seed: int) -> gpd.GeoDataFrame:
    """About ``n_polys`` Voronoi cells covering ``extent``."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = extent
    pts = shapely.points(rng.uniform(xmin, xmax, n_polys), rng.uniform(ymin, ymax, n_polys))
    box = shapely.box(*extent)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box))
    cells = shapely.intersection(cells, box)
    return gpd.GeoDataFrame(geometry=cells, crs=CRS)


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn`` once: result, wall seconds, peak traced memory in MB."""
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 1e6


def warm_up() -> float:
    """Compile (or load from cache) every numba kernel on tiny inputs; seconds taken."""
    from kewaspadaan.raster import cost_distance, zonal_stats

    t0 = time.perf_counter()
    arr = np.arange(100, dtype=np.float32).reshape(10, 10)
    poly = gpd.GeoDataFrame(geometry=[shapely.box(0, -10, 5, -5)], crs=CRS)
    zonal_stats(poly, arr, Affine(1, 0, 0, 0, -1, 0), crs=CRS)
    cost_distance(np.ones((10, 10)), [(0, 0)], return_allocation=True)
    return time.perf_counter() - t0


def bench_zonal(dem: np.ndarray, transform: Affine, n_polys: int) -> str:
    from rasterstats import zonal_stats as rs_zonal_stats

    from kewaspadaan.raster import zonal_stats

    n = dem.shape[0]
    extent = (transform.c, transform.f - n * CELL_M, transform.c + n * CELL_M, transform.f)
    polys = voronoi(n_polys, extent, seed=n_polys)
    ours, t_ours, m_ours = measure(lambda: zonal_stats(polys, dem, transform, stats=STATS, crs=CRS))

    def reference() -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rasterstats' "nodata -999" warning
            rows = rs_zonal_stats(
                list(polys.geometry), dem, affine=transform, stats=list(STATS), nodata=np.nan
            )
        return pd.DataFrame(rows).astype(float)

    ref, t_ref, m_ref = measure(reference)
    np.testing.assert_array_equal(ours["count"].to_numpy(), ref["count"].to_numpy())
    for stat in STATS[1:]:
        np.testing.assert_allclose(
            ours[stat].to_numpy(),
            ref[stat].to_numpy(),
            rtol=1e-4,
            atol=1e-3,
            equal_nan=True,
            err_msg=stat,
        )
    return (
        f"zonal_stats {n}x{n} {len(polys)} polys: ours {t_ours:.2f} s, rasterstats "
        f"{t_ref:.2f} s, ratio {t_ref / t_ours:.1f}x faster; peak memory ours {m_ours:.0f} MB, "
        f"rasterstats {m_ref:.0f} MB"
    )


def bench_exactextract(dem: np.ndarray, transform: Affine, n_polys: int) -> str:
    import tempfile

    import rasterio
    from exactextract import exact_extract

    from kewaspadaan.raster import zonal_stats

    n = dem.shape[0]
    extent = (transform.c, transform.f - n * CELL_M, transform.c + n * CELL_M, transform.f)
    polys = voronoi(n_polys, extent, seed=n_polys)
    ours, t_ours, _ = measure(lambda: zonal_stats(polys, dem, transform, stats=STATS, crs=CRS))
    ops = ["count", "mean", "min", "max", "stdev", "median", "sum"]
    with tempfile.TemporaryDirectory() as tmp:
        tif = f"{tmp}/dem.tif"
        profile = {"driver": "GTiff", "height": n, "width": n, "count": 1, "dtype": "float32"}
        with rasterio.open(tif, "w", **profile, crs=CRS, transform=transform, nodata=np.nan) as d:
            d.write(dem, 1)
        ref, t_ref, _ = measure(lambda: exact_extract(tif, polys, ops, output="pandas"))
    big = ours["count"].to_numpy() >= 1000
    rel = np.abs(ours["mean"].to_numpy()[big] / ref["mean"].to_numpy()[big] - 1)
    assert np.nanmax(rel) < 5e-3, np.nanmax(rel)
    return (
        f"zonal_stats {n}x{n} {len(polys)} polys: ours {t_ours:.2f} s, exactextract "
        f"{t_ref:.2f} s, ratio {t_ref / t_ours:.1f}x faster; means within "
        f"{100 * np.nanmax(rel):.2f} % on {int(big.sum())} polygons (fractional vs centre rule)"
    )


def bench_cost(dem: np.ndarray, n_sources: int) -> str:
    from skimage.graph import MCP_Geometric

    from kewaspadaan.raster import cost_distance, slope_deg

    n = dem.shape[0]
    cost = 1.0 + slope_deg(dem, CELL_M).astype(np.float64) / 5.0  # seconds-per-metre-like
    cost[np.isnan(cost)] = np.inf  # sea is a barrier
    rng = np.random.default_rng(n_sources)
    land = np.argwhere(np.isfinite(cost))
    sources = land[rng.choice(len(land), n_sources, replace=False)]
    ours, t_ours, m_ours = measure(lambda: cost_distance(cost, sources))
    (ref, _), t_ref, m_ref = measure(
        lambda: MCP_Geometric(cost).find_costs([tuple(s) for s in sources])
    )
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite], ref[finite], rtol=1e-9)
    return (
        f"cost_distance {n}x{n} {n_sources} sources: ours {t_ours:.2f} s, MCP_Geometric "
        f"{t_ref:.2f} s, ratio {t_ref / t_ours:.1f}x faster; peak memory ours {m_ours:.0f} MB, "
        f"MCP_Geometric {m_ref:.0f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000, help="raster side in cells (4000)")
    parser.add_argument(
        "--polys",
        type=int,
        nargs="+",
        default=[100, 1000],
        help="polygon counts for zonal_stats (100 1000)",
    )
    parser.add_argument("--sources", type=int, default=5, help="cost_distance sources (5)")
    args = parser.parse_args(argv)

    print(f"numba warm-up (compile or cache load, excluded below): {warm_up():.2f} s", flush=True)
    t0 = time.perf_counter()
    dem = dem_like(args.size)
    transform = Affine(CELL_M, 0.0, 400_000.0, 0.0, -CELL_M, 200_000.0)
    print(
        f"inputs: DEM-like {args.size}x{args.size} float32 raster generated in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    for n_polys in args.polys:
        print(bench_zonal(dem, transform, n_polys), flush=True)
        try:
            print(bench_exactextract(dem, transform, n_polys), flush=True)
        except ImportError:
            print("exactextract not installed (pip install exactextract): skipped", flush=True)
    print(bench_cost(dem, args.sources), flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
