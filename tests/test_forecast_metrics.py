"""Scores of count forecasts: CRPS of counts, equal-area PAI, month bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kewaspadaan.forecast.metrics import (
    brier,
    crps_counts,
    equal_area_pai,
    log_loss,
    month_bootstrap,
)


def _crps_brute(n: float, dist) -> float:
    j = np.arange(0, 400)
    return float(((dist.cdf(j) - (n <= j)) ** 2).sum())


def test_crps_of_counts_matches_its_definition():
    lam = np.array([0.05, 0.8, 3.0, 12.0])
    n = np.array([0, 2, 0, 15])
    got = crps_counts(n, lam)
    want = [_crps_brute(k, stats.poisson(m)) for k, m in zip(n, lam, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    r = 0.7
    got_nb = crps_counts(n, lam, r)
    want_nb = [_crps_brute(k, stats.nbinom(r, r / (r + m))) for k, m in zip(n, lam, strict=True)]
    np.testing.assert_allclose(got_nb, want_nb, rtol=1e-4)
    # proper: the true distribution scores best in expectation
    rng = np.random.default_rng(0)
    draws = rng.poisson(2.0, 20_000)
    right = crps_counts(draws, np.full(len(draws), 2.0)).mean()
    wrong = crps_counts(draws, np.full(len(draws), 3.0)).mean()
    assert right < wrong


def test_crps_recurrence_equals_the_cdf_grid_and_falls_back_where_p0_underflows():
    from kewaspadaan.forecast.metrics import _rps_grid

    rng = np.random.default_rng(3)
    lam = rng.gamma(0.5, 4.0, 5_000)
    n = rng.poisson(lam * rng.uniform(0.5, 1.5, len(lam))).astype(float)
    # exp(-λ) underflows beyond λ ≈ 600: those cells take the incomplete-gamma grid
    lam[:3], n[:3] = [650.0, 900.0, 0.0], [640.0, 905.0, 3.0]
    for r in (None, 0.7, 5.0):
        got = crps_counts(n, lam, r)
        top = stats.nbinom(r, r / (r + lam.max())) if r else stats.poisson(lam.max())
        max_count = int(max(n.max(), min(top.ppf(1 - 1e-6), n.max() + 500)))
        np.testing.assert_allclose(got, _rps_grid(n, lam, r, max_count), rtol=1e-12, atol=1e-12)
    assert crps_counts(np.array([3.0]), np.array([0.0]))[0] == pytest.approx(3.0)


def test_binary_scores():
    y = np.array([1, 0, 1])
    p = np.array([0.9, 0.2, 0.5])
    np.testing.assert_allclose(brier(y, p), [0.01, 0.04, 0.25])
    np.testing.assert_allclose(log_loss(y, p), -np.log([0.9, 0.8, 0.5]))
    assert np.isfinite(log_loss(np.array([1]), np.array([0.0]))).all()


def test_equal_area_pai_flags_by_density_and_area():
    # unit 0 is small and dense, unit 1 large; flag 10 % of the area
    lam = np.array([[1.0], [5.0], [0.1]])
    area = np.array([10.0, 80.0, 10.0])
    n = np.array([[2.0], [6.0], [0.0]])
    hits, events = equal_area_pai(lam, n, area, 0.10)
    # densities 0.1, 0.0625, 0.01: unit 0 (10 % of the area) is flagged alone
    assert hits.tolist() == [2.0] and events.tolist() == [8.0]
    hits20, _ = equal_area_pai(lam, n, area, 0.20)
    # 20 %: unit 0 and 1/8 of unit 1 (its events counted pro rata)
    assert hits20[0] == pytest.approx(2.0 + 6.0 / 8)
    # flagging the whole area catches every event: hit rate 1, PAI 1
    all_hits, all_events = equal_area_pai(lam, n, area, 1.0)
    assert all_hits.sum() == all_events.sum()


def test_month_bootstrap_intervals_and_paired_test():
    rng = np.random.default_rng(1)
    months = 30
    good = rng.normal(10.0, 1.0, months)
    bad = good + rng.normal(2.0, 0.5, months)  # worse every month
    sums = pd.DataFrame({"model": good, "base": bad})
    ci, paired = month_bootstrap(sums, np.full(months, 100.0), reference="model", replicates=500)
    assert (ci["lo"] < sums.sum() / 3000).all() and (ci["hi"] > sums.sum() / 3000).all()
    assert paired.loc["base", "diff"] < 0 and paired.loc["base", "hi"] < 0
    assert paired.loc["base", "p"] == 0.0
    again = month_bootstrap(sums, np.full(months, 100.0), reference="model", replicates=500)
    pd.testing.assert_frame_equal(ci, again[0])


def test_negative_binomial_cdf_grid_equals_scipy():
    """The pmf recurrence of the CRPS equals scipy.stats.nbinom.cdf, heavy tails and the
    underflow fallback (large size × large mean) included."""
    from scipy import stats

    from kewaspadaan.forecast.metrics import _nbinom_cdf_grid

    lam = np.array([1e-3, 0.4, 5.0, 80.0, 900.0, 3000.0])
    for r in (0.3, 2.0, 40.0, 2e4):
        grid = _nbinom_cdf_grid(600, r, lam)
        ref = stats.nbinom.cdf(np.arange(601)[None, :], r, (r / (r + lam))[:, None])
        np.testing.assert_allclose(grid, ref, rtol=0, atol=1e-11, err_msg=str(r))
