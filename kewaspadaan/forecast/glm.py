"""Negative-binomial GLM (log link) on lagged counts, spatial lags, calendar and covariates.

``log λ_k(t) = β0 + z_k(t) · β`` with the features of :mod:`kewaspadaan.forecast.lags`
(count features as ``log1p``), ``N ~ NB2(λ, r)`` (variance λ + λ²/r). β (ridge prior, sd
``settings.glm["beta_sd"]`` on the standardised features) and ``log r`` are fitted together by
L-BFGS-B with the exact gradient; refits start from the previous fit. Only the last
``max_train_months`` months train (bounded memory at national scale).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

from kewaspadaan import settings
from kewaspadaan.forecast._base import LAMBDA_FLOOR, Prediction, count_probability
from kewaspadaan.forecast.lags import COUNT_FEATURES, LagState, feature_names, lag_features

__all__ = ["GlmFit", "GlmMethod"]

logger = logging.getLogger(__name__)

_N_COUNT = len(COUNT_FEATURES)


def _design(raw: np.ndarray, mean: np.ndarray | None = None, sd: np.ndarray | None = None):
    """log1p of the count features, then standardise (statistics from the training rows)."""
    z = raw.astype(float, copy=True)
    z[..., :_N_COUNT] = np.log1p(z[..., :_N_COUNT])
    flat = z.reshape(-1, z.shape[-1])
    if mean is None or sd is None:
        mean = flat.mean(axis=0)
        sd = flat.std(axis=0)
        sd[sd == 0] = 1.0
    return (flat - mean) / sd, mean, sd


@dataclass
class GlmFit:
    """A fitted :class:`GlmMethod`."""

    t_end: int
    coef: np.ndarray  # intercept first
    log_size: float
    mean: np.ndarray
    sd: np.ndarray
    features: list[str]
    loglik: float
    n_iter: int
    name: str = "glm"

    @property
    def size(self) -> float:
        """Negative-binomial size r."""
        return float(np.exp(self.log_size))

    def _lam(self, raw: np.ndarray) -> np.ndarray:
        z, _, _ = _design(raw, self.mean, self.sd)
        eta = self.coef[0] + z @ self.coef[1:]
        return np.maximum(np.exp(np.clip(eta, -30, 10)), LAMBDA_FLOOR).reshape(raw.shape[:-1])

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        """One-step-ahead NB predictions of months ``months``."""
        lam = self._lam(lag_features(panel, months))
        return Prediction(lam, count_probability(lam, self.size), self.size)

    def simulator(self, panel: Any, draws: int, horizon: int) -> _GlmSimulator:
        """Joint simulator of the months after the data."""
        return _GlmSimulator(self, LagState(panel, draws))

    def summary(self) -> dict[str, Any]:
        """Coefficients per feature and the NB size (JSON-ready)."""
        return {
            "size": round(self.size, 4),
            "coef": {
                f: round(float(c), 4) for f, c in zip(self.features, self.coef[1:], strict=True)
            },
            "loglik": round(self.loglik, 3),
            "n_iter": self.n_iter,
        }


class _GlmSimulator:
    def __init__(self, fit: GlmFit, state: LagState) -> None:
        self.fit, self.state = fit, state
        self.size: float | None = fit.size

    def intensity(self, t: int) -> np.ndarray:
        return self.fit._lam(self.state.features())

    def update(self, t: int, counts: np.ndarray) -> None:
        self.state.update(counts)


def nb_objective(y: np.ndarray, z: np.ndarray, prec: float):
    """Negative penalised NB2 log-likelihood and gradient in (β0, β, log r).

    The counts take few distinct values, so ``Σ log Γ(y + r)`` and ``Σ ψ(y + r)`` are summed
    over the distinct values weighted by their frequency (a handful of special-function calls
    per evaluation instead of one per row).
    """
    values, freq = np.unique(y, return_counts=True)
    freq = freq.astype(float)
    const = float(freq @ gammaln(values + 1.0))

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b0, beta, lr = theta[0], theta[1:-1], theta[-1]
        r = np.exp(lr)
        eta = np.clip(b0 + z @ beta, -30, 10)
        mu = np.exp(eta)
        log_rmu = np.log(r + mu)
        inv = 1.0 / (r + mu)
        ll = (
            float(freq @ gammaln(values + r))
            - len(y) * gammaln(r)
            - const
            + r * len(y) * lr
            + float(y @ eta)
            - float((r + y) @ log_rmu)
        )
        resid = r * (mu - y) * inv  # d(-ll)/d eta
        d_lr = -r * (
            float(freq @ digamma(values + r))
            - len(y) * digamma(r)
            + len(y) * (lr + 1.0)
            - log_rmu.sum()
            - float((r + y) @ inv)
        )
        grad = np.concatenate([[resid.sum()], z.T @ resid + prec * beta, [d_lr]])
        return float(-ll + 0.5 * prec * beta @ beta), grad

    return f


class GlmMethod:
    """Negative-binomial GLM candidate (see the module docstring)."""

    name = "glm"

    def __init__(self, **options: Any) -> None:
        opts = dict(settings.glm)
        unknown = sorted(set(options) - set(opts))
        if unknown:
            raise ValueError(f"unknown GLM option(s) {unknown}; known: {sorted(opts)}")
        opts.update(options)
        self.options = opts

    def fit(self, panel: Any, t_end: int, *, warm: GlmFit | None = None, seed: int = 0) -> GlmFit:
        """Fit on months ``[t_end - max_train_months, t_end)`` (after the first 12)."""
        o = self.options
        first = max(min(12, t_end // 3), t_end - int(o["max_train_months"]))
        months = np.arange(first, t_end)
        raw = lag_features(panel, months)
        same = warm is not None and len(warm.coef) == raw.shape[-1] + 1
        z, mean, sd = _design(raw, warm.mean, warm.sd) if same and warm else _design(raw)
        y = panel.counts[:, months].reshape(-1)
        names = feature_names(panel)
        f = nb_objective(y, z, 1.0 / float(o["beta_sd"]) ** 2)
        if same and warm is not None:
            theta0 = np.concatenate([warm.coef, [warm.log_size]])
        else:
            theta0 = np.zeros(z.shape[1] + 2)
            theta0[0] = np.log(max(y.mean(), 1e-4))
            theta0[-1] = 0.0
        bounds = [(-30.0, 10.0)] + [(-20.0, 20.0)] * z.shape[1] + [(-4.0, 10.0)]
        iters = int(o["warm_max_iter"] if same else o["max_iter"])
        res = minimize(
            f, theta0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": iters}
        )
        fit = GlmFit(
            t_end, res.x[:-1], float(res.x[-1]), mean, sd, names, -float(res.fun), int(res.nit)
        )
        logger.debug("glm fit to month %d: size %.3f, %d iterations", t_end, fit.size, res.nit)
        return fit
