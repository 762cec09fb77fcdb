"""Scores of probabilistic forecasts of events per unit and month, and their uncertainty.

- :func:`brier`, :func:`log_loss` — of P(≥ 1 event) against whether an event happened;
- :func:`crps_counts` — the ranked probability score of the whole count distribution
  (Poisson or negative binomial): ``Σ_j (F(j) − 1{N ≤ j})²`` over j = 0, 1, …, i.e. the CRPS of
  an integer-valued forecast;
- :func:`equal_area_pai` — units ranked by expected events **per km²**, flagged until a fixed
  share of the total area is covered (the last unit counted fractionally): hit rate = share of
  the month's events inside the flagged area, PAI = hit rate / area share. Ranking by density
  and flagging a fixed area makes PAI compare like with like (flagging many small units no
  longer inflates it);
- :func:`month_bootstrap` — resamples whole months (events of one month are dependent) to give
  intervals of every additive score and paired differences against a reference method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit
from scipy import special, stats

__all__ = [
    "brier",
    "crps_counts",
    "equal_area_pai",
    "log_loss",
    "month_bootstrap",
]

_EPS = 1e-12
#: Counts summed by :func:`crps_counts` beyond the highest observed count, at most.
MAX_COUNT = 500


def brier(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Squared error of P(≥ 1) per cell."""
    return (np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2


def log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Negative log-likelihood (natural log) of the binary outcome per cell."""
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    y = np.asarray(y, dtype=float)
    return -(y * np.log(p) + (1 - y) * np.log1p(-p))


def crps_counts(
    n: np.ndarray, lam: np.ndarray, size: float | None = None, *, max_count: int | None = None
) -> np.ndarray:
    """Ranked probability score of count forecasts per cell (lower is better).

    Parameters
    ----------
    n : numpy.ndarray
        Observed counts.
    lam : numpy.ndarray
        Expected counts (same shape).
    size : float, optional
        Negative-binomial size; ``None``: Poisson.
    max_count : int, optional
        Highest count summed over; default the larger of the highest observed count and the
        99.9999 % quantile of the largest forecast (the rest of the sum is below 1e-6), but at
        most :data:`MAX_COUNT` beyond the highest observed count (heavy negative-binomial tails).
    """
    n = np.asarray(n, dtype=float).ravel()
    lam = np.maximum(np.asarray(lam, dtype=float).ravel(), 0.0)
    r = float(size) if size is not None and np.isfinite(size) else None
    if max_count is None:
        top = float(np.max(lam)) if len(lam) else 0.0
        q = stats.nbinom(r, r / (r + top)) if r is not None else stats.poisson(top)
        top_n = float(n.max()) if len(n) else 0.0
        max_count = int(max(top_n, min(q.ppf(1 - 1e-6), top_n + MAX_COUNT)))
    # the pmf recurrence, cell by cell, stopped where the rest of the sum is negligible; the
    # cells whose P(N = 0) underflows go through the CDF grid below
    out, done = _rps_recurrence(n, lam, -1.0 if r is None else r, int(max_count))
    rest = np.flatnonzero(~done)
    if len(rest):
        out[rest] = _rps_grid(n[rest], lam[rest], r, int(max_count))
    return out


def _rps_grid(n: np.ndarray, lam: np.ndarray, r: float | None, max_count: int) -> np.ndarray:
    """The sum over ``0 .. max_count`` from the CDF on the whole grid (incomplete gamma or
    beta functions): the cells the recurrence cannot start."""
    out = np.zeros(len(n))
    chunk = max(1, 2_000_000 // (max_count + 1))
    j = np.arange(max_count + 1)
    for s in range(0, len(n), chunk):
        sl = slice(s, s + chunk)
        cdf = (
            _nbinom_cdf_grid(max_count, r, lam[sl])
            if r is not None
            else special.pdtr(j[None, :], lam[sl][:, None])  # Poisson Q(j + 1, λ), as scipy.stats
        )
        out[sl] = ((cdf - (n[sl, None] <= j[None, :])) ** 2).sum(axis=1)
    return out


@njit(cache=True)
def _rps_recurrence(
    n: np.ndarray, lam: np.ndarray, r: float, max_count: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``Σ_j (F(j) − 1{n ≤ j})²`` per cell from the pmf recurrence (Poisson ``p_j = p_(j-1)
    λ / j``; negative binomial with size ``r > 0``: ``p_j = p_(j-1) (j - 1 + r) / j · λ /
    (r + λ)``), from ``j = 0`` until ``j ≥ n``, past the mean and ``1 − F(j) < 1e-10`` (the
    rest of the sum is below 1e-19), at most ``max_count``. ``done`` is False where
    ``P(N = 0)`` underflows (log below -600)."""
    m = len(n)
    out = np.zeros(m)
    done = np.ones(m, dtype=np.bool_)
    for i in range(m):
        mu = lam[i]
        if r > 0.0:
            ratio = mu / (r + mu)
            log_p0 = r * np.log(r / (r + mu))
        else:
            ratio = 0.0
            log_p0 = -mu
        if log_p0 < -600.0:
            done[i] = False
            continue
        k = n[i]
        pmf = np.exp(log_p0)
        cdf = min(pmf, 1.0)
        acc = 0.0
        for j in range(max_count + 1):
            if j > 0:
                if r > 0.0:
                    pmf *= (j - 1 + r) / j * ratio
                else:
                    pmf *= mu / j
                cdf = min(cdf + pmf, 1.0)
            d = cdf - 1.0 if k <= j else cdf
            acc += d * d
            if j >= k and j >= mu and 1.0 - cdf < 1e-10:
                break
        out[i] = acc
    return out, done


def _nbinom_cdf_grid(max_count: int, r: float, lam: np.ndarray) -> np.ndarray:
    """NB2 CDF at ``0 .. max_count`` per mean (rows): the pmf by its recurrence
    ``p_j = p_(j-1) (j - 1 + r) / j · λ / (r + λ)`` summed, where ``p_0 = (r / (r + λ))^r``
    does not underflow; elsewhere ``I_p(r, j + 1)`` (what scipy.stats evaluates). Equal to
    ``scipy.stats.nbinom.cdf`` to ~1e-13, one multiply-add per count instead of an incomplete
    beta function."""
    lam = np.asarray(lam, dtype=float)
    p = r / (r + lam)
    log_p0 = r * np.log(p)
    safe = log_p0 > -600.0
    out = np.empty((len(lam), max_count + 1))
    if safe.any():
        q = 1.0 - p[safe]
        pmf = np.exp(log_p0[safe])
        acc = pmf.copy()
        block = np.empty((len(pmf), max_count + 1))
        block[:, 0] = acc
        for k in range(1, max_count + 1):
            pmf *= (k - 1 + r) / k * q
            acc += pmf
            block[:, k] = acc
        out[safe] = np.minimum(block, 1.0)
    if (~safe).any():
        j = np.arange(max_count + 1, dtype=float)
        out[~safe] = special.betainc(r, j[None, :] + 1.0, p[~safe][:, None])
    return out


def equal_area_pai(
    lam: np.ndarray,
    n: np.ndarray,
    area_km2: np.ndarray | None,
    share: float,
    *,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Events inside the flagged area per month, and the month's events.

    Parameters
    ----------
    lam, n : numpy.ndarray
        Expected and observed events, shape (units, months).
    area_km2 : numpy.ndarray or None
        Area per unit (equal areas when ``None``).
    share : float
        Share of the total area flagged each month (0–1).
    seed : int, default 0
        Tie-breaking order (ties in density are common for baselines).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Hits (events in the flagged area, fractional for the boundary unit) and events, per
        month. Hit rate = Σ hits / Σ events; PAI = hit rate / ``share``.
    """
    units, months = lam.shape
    area = np.ones(units) if area_km2 is None else np.asarray(area_km2, dtype=float)
    area = np.where(np.isfinite(area) & (area > 0), area, np.nanmedian(area))
    frac = area / area.sum()
    rng = np.random.default_rng(seed)
    density = lam / area[:, None]
    order = np.lexsort((rng.random((units, months)), -density), axis=0)
    f_sorted = frac[order]
    before = np.cumsum(f_sorted, axis=0) - f_sorted
    flagged = np.clip((share - before) / f_sorted, 0.0, 1.0)
    n_sorted = np.take_along_axis(np.asarray(n, dtype=float), order, axis=0)
    return (flagged * n_sorted).sum(axis=0), np.asarray(n, dtype=float).sum(axis=0)


def month_bootstrap(
    monthly_sum: pd.DataFrame,
    monthly_n: np.ndarray,
    *,
    reference: str,
    replicates: int,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals of mean scores and paired differences by resampling months.

    Parameters
    ----------
    monthly_sum : DataFrame
        Sum of a per-cell score per month (rows) and method (columns).
    monthly_n : numpy.ndarray
        Cells per month (the denominator).
    reference : str
        Method the others are compared with (``reference − other``: negative = the
        reference is better for a loss).
    replicates : int
        Bootstrap replicates.
    seed : int, default 0
        Seed of the resampling.
    level : float, default 0.95
        Interval level.

    Returns
    -------
    (DataFrame, DataFrame)
        Per method: ``lo``/``hi``; per other method: ``diff`` (reference − method), ``lo``,
        ``hi`` and ``p`` = share of replicates where the reference is not better (diff ≥ 0).
    """
    rng = np.random.default_rng(seed)
    sums = monthly_sum.to_numpy(dtype=float)
    t = len(sums)
    idx = rng.integers(0, t, size=(replicates, t))
    boot = sums[idx].sum(axis=1) / monthly_n[idx].sum(axis=1)[:, None]  # replicates × methods
    a = (1 - level) / 2
    cols = list(monthly_sum.columns)
    ci = pd.DataFrame(
        {"lo": np.quantile(boot, a, axis=0), "hi": np.quantile(boot, 1 - a, axis=0)}, index=cols
    )
    ref = cols.index(reference)
    point = sums.sum(axis=0) / monthly_n.sum()
    rows = {}
    for j, c in enumerate(cols):
        if j == ref:
            continue
        d = boot[:, ref] - boot[:, j]
        rows[c] = {
            "diff": point[ref] - point[j],
            "lo": float(np.quantile(d, a)),
            "hi": float(np.quantile(d, 1 - a)),
            "p": float((d >= 0).mean()),
        }
    return ci, pd.DataFrame(rows).T
