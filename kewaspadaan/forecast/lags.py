"""Lagged counts, spatial lags and calendar terms of each unit-month (GLM and GBM features).

For month ``t`` of unit ``k``, from the counts strictly before ``t``:

==================  ==================================================================
``n_1``             events in month t−1
``n_2_3``           events in months t−3 … t−2
``n_4_12``          events in months t−12 … t−4
``rate``            long-run mean events per month (all months before t)
``w_1``             mean ``n_1`` of the neighbours (row-standardised weights)
``w_2_12``          mean events of the neighbours in months t−12 … t−2
``season_pemilu``   month in a Pemilu season (0/1)
``season_pilkada``  month in a Pilkada season (0/1)
``to_election``     months to the next voting day / 36 (capped at 1)
covariates          the panel's standardised static covariates
==================  ==================================================================

:func:`lag_features` computes them for many months at once from cumulative sums (backtest);
:class:`LagState` keeps the last 12 months of simulated paths and gives the same features for the
next month (simulation). Both agree exactly (tested).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["COUNT_FEATURES", "LagState", "feature_names", "lag_features"]

#: Count-based features (log1p-transformed by the GLM).
COUNT_FEATURES: tuple[str, ...] = ("n_1", "n_2_3", "n_4_12", "rate", "w_1", "w_2_12")
_CALENDAR = ("season_pemilu", "season_pilkada", "to_election")


def feature_names(panel: Any) -> list[str]:
    """Names of the columns of :func:`lag_features` for ``panel``."""
    return [*COUNT_FEATURES, *_CALENDAR, *panel.covariate_names]


def _calendar(panel: Any, months: np.ndarray) -> np.ndarray:
    rows, kinds = panel.season(months)
    to_e = np.minimum(panel.months_to_election(months) / 36.0, 1.0)
    return np.column_stack(
        [((rows >= 0) & (kinds == 0)), ((rows >= 0) & (kinds == 1)), to_e]
    ).astype(float)


def _assemble(
    counts_feats: list[np.ndarray], cal: np.ndarray, cov: np.ndarray, dtype: type
) -> np.ndarray:
    """Stack (units, months) count features, (months, 3) calendar and (units, p) covariates."""
    n, m = counts_feats[0].shape
    out = np.empty((n, m, len(counts_feats) + cal.shape[1] + cov.shape[1]), dtype=dtype)
    for j, f in enumerate(counts_feats):
        out[:, :, j] = f
    j = len(counts_feats)
    out[:, :, j : j + cal.shape[1]] = cal[None, :, :]
    out[:, :, j + cal.shape[1] :] = cov[:, None, :]
    return out


def lag_features(panel: Any, months: np.ndarray, *, dtype: type = np.float64) -> np.ndarray:
    """Features of months ``months`` (each ≤ ``panel.n_months``) for every unit.

    Returns
    -------
    numpy.ndarray
        Shape (units, len(months), features), columns as :func:`feature_names`.
    """
    months = np.asarray(months, dtype=np.int64)
    counts = panel.counts
    n, big_t = counts.shape
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(counts, axis=1)], axis=1)

    def window(lo: int, hi: int) -> np.ndarray:  # events in months t-hi .. t-lo
        a = np.clip(months - hi, 0, big_t)
        b = np.clip(months - lo + 1, 0, big_t)
        return cum[:, b] - cum[:, a]

    n_1, n_2_3, n_4_12 = window(1, 1), window(2, 3), window(4, 12)
    rate = cum[:, np.clip(months, 0, big_t)] / np.maximum(months, 1)[None, :]
    w = panel.w
    feats = [n_1, n_2_3, n_4_12, rate, w @ n_1, w @ (n_2_3 + n_4_12)]
    return _assemble(feats, _calendar(panel, months), panel.covariates, dtype)


class LagState:
    """Rolling state of simulated paths giving the :func:`lag_features` of the next month.

    The last 12 months of every path are kept in a ring buffer (a month's update writes one
    slice instead of copying the whole history).

    Parameters
    ----------
    panel : CountPanel
        Observed history (its last 12 months and totals start every path).
    draws : int
        Number of paths.
    """

    def __init__(self, panel: Any, draws: int) -> None:
        n, big_t = panel.counts.shape
        hist = np.zeros((n, 12))
        k = min(12, big_t)
        hist[:, 12 - k :] = panel.counts[:, big_t - k :]
        self.panel = panel
        self.ring = np.repeat(hist.T[:, None, :], draws, axis=1)  # (12, draws, units)
        self.head = 0  # slot of month t - 12; slot (head - 1) % 12 is month t - 1
        self.total = np.repeat(panel.counts.sum(axis=1)[None, :], draws, axis=0)
        self.t = big_t

    @property
    def hist(self) -> np.ndarray:
        """The last 12 months of every path, oldest first: shape (draws, units, 12)."""
        order = (self.head + np.arange(12)) % 12
        return self.ring[order].transpose(1, 2, 0)

    def _slot(self, lag: int) -> np.ndarray:
        return self.ring[(self.head - lag) % 12]

    def features(self, dtype: type = np.float64) -> np.ndarray:
        """Features of month ``self.t`` for every path: shape (draws, units, features)."""
        n_1 = self._slot(1)
        n_2_3 = self._slot(3) + self._slot(2)
        n_4_12 = self._slot(12).copy()
        for months_back in range(11, 3, -1):  # oldest first, as a sum over the history axis
            n_4_12 += self._slot(months_back)
        rate = self.total / max(self.t, 1)
        w = self.panel.w
        lag = lambda v: (w @ v.T).T  # noqa: E731
        cal = _calendar(self.panel, np.array([self.t]))
        draws = n_1.shape[0]
        feats = [n_1, n_2_3, n_4_12, rate, lag(n_1), lag(n_2_3 + n_4_12)]
        # paths play the role of months in _assemble: units × paths
        out = _assemble(
            [f.T for f in feats], np.repeat(cal, draws, axis=0), self.panel.covariates, dtype
        )
        return out.transpose(1, 0, 2)

    def update(self, counts: np.ndarray) -> None:
        """Record the simulated counts of month ``self.t`` (draws, units) and advance."""
        self.ring[self.head] = counts
        self.head = (self.head + 1) % 12
        self.total = self.total + counts
        self.t += 1
