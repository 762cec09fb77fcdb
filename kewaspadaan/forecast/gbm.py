"""Poisson gradient boosting on lagged counts, spatial lags, calendar and covariates.

:class:`~sklearn.ensemble.HistGradientBoostingRegressor` with the Poisson loss on the raw
features of :mod:`kewaspadaan.forecast.lags` (trees need no transform), trained on the last
``settings.gbm["max_train_months"]`` months. When the training rows exceed ``max_rows`` (national
scale, mostly zeros) every unit-month with an event is kept and the zero rows are subsampled,
weighted by the inverse of their sampling share — the Poisson loss stays unbiased. Threads are
capped by :mod:`kewaspadaan._threads` (never ``n_jobs=-1``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from kewaspadaan import settings
from kewaspadaan.forecast._base import LAMBDA_FLOOR, Prediction, count_probability
from kewaspadaan.forecast._trees import TreeEnsemble
from kewaspadaan.forecast.lags import LagState, lag_features

__all__ = ["GbmFit", "GbmMethod"]

logger = logging.getLogger(__name__)


@dataclass
class GbmFit:
    """A fitted :class:`GbmMethod` (``trees``: the same ensemble flattened for fast
    evaluation, :class:`~kewaspadaan.forecast._trees.TreeEnsemble`)."""

    t_end: int
    model: Any
    n_rows: int
    name: str = "gbm"
    trees: TreeEnsemble | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.trees is None:
            self.trees = TreeEnsemble.from_sklearn(self.model)

    def _lam(self, raw: np.ndarray, stats: dict[str, Any] | None = None) -> np.ndarray:
        """λ of the feature rows ``raw``; with ``stats`` (the simulator's), the trees are walked
        once per distinct row, and ``stats`` says how many were distinct and if they were grouped
        (see :meth:`TreeEnsemble.raw_predict`)."""
        if raw.ndim == 3 and not raw.flags.c_contiguous:
            base = raw.transpose(1, 0, 2)  # the simulator's (paths, units) view of a
            if base.flags.c_contiguous:  # (units, paths) array: rows are rows, no copy needed
                return np.ascontiguousarray(self._lam(base, stats).T)
        flat = raw.reshape(-1, raw.shape[-1])
        if self.trees is not None:  # the same numbers as model.predict (Poisson: exp link)
            raw_pred = self.trees.raw_predict(flat, distinct=stats is not None, stats=stats)
            lam = np.exp(raw_pred).reshape(raw.shape[:-1])
        else:
            lam = self.model.predict(flat).reshape(raw.shape[:-1])
        return np.maximum(lam, LAMBDA_FLOOR)

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        """One-step-ahead Poisson predictions of months ``months``."""
        lam = self._lam(lag_features(panel, months, dtype=np.float32))
        return Prediction(lam, count_probability(lam), None)

    def simulator(self, panel: Any, draws: int, horizon: int) -> _GbmSimulator:
        """Joint simulator of the months after the data."""
        return _GbmSimulator(self, LagState(panel, draws))

    def summary(self) -> dict[str, Any]:
        """Training size and number of trees."""
        return {"rows": self.n_rows, "trees": int(self.model.n_iter_)}


class _GbmSimulator:
    def __init__(self, fit: GbmFit, state: LagState) -> None:
        self.fit, self.state = fit, state
        self.size: float | None = None
        # The paths start from one history, so the first months repeat rows; once the paths
        # have diverged (the trees found too many distinct rows to group) it is switched off.
        self._stats: dict[str, Any] | None = {}

    def intensity(self, t: int) -> np.ndarray:
        lam = self.fit._lam(self.state.features(np.float32), self._stats)
        if self._stats is not None and not self._stats.get("grouped", True):
            self._stats = None
        return lam

    def update(self, t: int, counts: np.ndarray) -> None:
        self.state.update(counts)


class GbmMethod:
    """Poisson gradient-boosting candidate (see the module docstring)."""

    name = "gbm"

    def __init__(self, **options: Any) -> None:
        opts = dict(settings.gbm)
        unknown = sorted(set(options) - set(opts))
        if unknown:
            raise ValueError(f"unknown GBM option(s) {unknown}; known: {sorted(opts)}")
        opts.update(options)
        self.options = opts

    def fit(self, panel: Any, t_end: int, *, warm: GbmFit | None = None, seed: int = 0) -> GbmFit:
        """Fit on the last ``max_train_months`` months before ``t_end`` (no warm start)."""
        o = self.options
        first = max(min(12, t_end // 3), t_end - int(o["max_train_months"]))
        months = np.arange(first, t_end)
        x = lag_features(panel, months, dtype=np.float32).reshape(-1, 0 + _n_feat(panel))
        y = panel.counts[:, months].reshape(-1)
        weight = None
        rng = np.random.default_rng(seed)
        if len(y) > int(o["max_rows"]):
            pos = y > 0
            share = min(1.0, max(int(o["max_rows"]) - int(pos.sum()), 1) / max((~pos).sum(), 1))
            keep = pos | (rng.random(len(y)) < share)
            x, y = x[keep], y[keep]
            weight = np.where(y > 0, 1.0, 1.0 / share)
        model = HistGradientBoostingRegressor(
            loss="poisson",
            learning_rate=float(o["learning_rate"]),
            max_iter=int(o["max_iter"]),
            max_leaf_nodes=int(o["max_leaf_nodes"]),
            min_samples_leaf=int(o["min_samples_leaf"]),
            l2_regularization=float(o["l2_regularization"]),
            early_stopping=False,
            random_state=seed,
        )
        model.fit(x, y, sample_weight=weight)
        logger.debug("gbm fit to month %d on %d rows", t_end, len(y))
        return GbmFit(t_end, model, len(y))


def _n_feat(panel: Any) -> int:
    from kewaspadaan.forecast.lags import feature_names

    return len(feature_names(panel))
