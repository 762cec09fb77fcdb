"""Emerging hot spots: Mann-Kendall and the categories on planted patterns."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import stats

from kewaspadaan.forecast.hotspots import emerging_hotspots, mann_kendall
from kewaspadaan.schema import HOTSPOT_TRENDS
from kewaspadaan.spatial import spatial_weights, star_matrix


def test_mann_kendall_against_its_definition():
    rng = np.random.default_rng(3)
    x = np.vstack([np.arange(12.0), rng.normal(size=12), np.r_[np.zeros(6), np.ones(6)]])
    s, z, p = mann_kendall(x)
    for k in range(3):
        brute = sum(np.sign(x[k, j] - x[k, i]) for i in range(12) for j in range(i + 1, 12))
        assert s[k] == brute
    tau = stats.kendalltau(np.arange(12), x[1])
    assert np.sign(s[1]) == np.sign(tau.statistic)
    # tie-corrected variance: 6 zeros and 6 ones
    n = 12
    var = (n * (n - 1) * (2 * n + 5) - 2 * 6 * 5 * 17) / 18
    assert z[2] == pytest.approx((s[2] - 1) / np.sqrt(var))
    assert p[0] < 0.001 and 0 <= p[1] <= 1
    flat = mann_kendall(np.zeros((1, 8)))
    assert flat[0][0] == 0 and flat[2][0] == 1.0


@pytest.fixture(scope="module")
def grid():
    cells = [shapely.box(i, j, i + 1, j + 1) for j in range(8) for i in range(8)]
    b = gpd.GeoDataFrame(
        {"kode": [f"99.01.{i:02d}" for i in range(64)]}, geometry=cells, crs="EPSG:32650"
    )
    b.geometry = b.geometry.scale(10_000, 10_000, origin=(0, 0))
    return b, star_matrix(spatial_weights(b), b.index)


def _category(star, index, fill, cells, months=24, seed=5, noise=0.3):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(noise, (len(index), months)).astype(float)
    for u in cells:
        fill(counts, u)
    h = emerging_hotspots(counts, star, index=index, months=months, bin_months=1)
    assert set(h["tren_hotspot"]) <= set(HOTSPOT_TRENDS)
    return h


def test_categories_of_planted_patterns(grid):
    b, star = grid
    block = [27, 28, 35, 36]  # a 2 x 2 block in the middle of the 8 x 8 grid

    def persistent(c, u):
        c[u] = 6

    def rising(c, u):  # over a busy background, so that its share (and Gi* z) rises
        c[u] = np.linspace(4, 16, c.shape[1]).round()

    def new(c, u):
        c[u] = 0
        c[u, -1] = 12

    def stopped(c, u):
        c[u, :-2] = 8
        c[u, -2:] = 0

    def now_and_then(c, u):
        c[u, ::3] = 10

    got = {
        name: _category(star, b.index, fill, block, noise=noise).loc[block[0], "tren_hotspot"]
        for name, fill, noise in (
            ("menetap", persistent, 0.3),
            ("menguat", rising, 2.0),
            ("baru", new, 0.3),
            ("melemah", stopped, 0.3),
            ("sporadis", now_and_then, 0.3),
        )
    }
    assert got == {k: k for k in got}
    quiet = _category(star, b.index, persistent, [])
    assert (quiet["tren_hotspot"].isin(["bukan", "sporadis", "baru"])).all()
    assert quiet["langkah"].eq(24).all()
    rng = np.random.default_rng(0)
    quarters = emerging_hotspots(rng.poisson(1.0, (64, 24)), star, months=24, bin_months=3)
    assert quarters["langkah"].iloc[0] == 8
