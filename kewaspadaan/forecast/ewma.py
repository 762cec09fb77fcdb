"""Tuned exponentially weighted mean of each unit's monthly counts (candidate and baseline).

``λ_k(t) = (1 − w) · E_k(t) + w · Ē(t)``, with ``E_k(t)`` the bias-corrected exponentially
weighted mean of the unit's counts before ``t`` (half-life ``h`` months) and ``Ē(t)`` its mean
over all units (shrinkage towards the province-wide level). ``h`` and ``w`` are chosen on the
grid ``settings.ewma`` by the Poisson log-likelihood of the one-step-ahead predictions over the
training months — on the past only, at every refit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter

from kewaspadaan import settings
from kewaspadaan.forecast._base import LAMBDA_FLOOR, Prediction, count_probability

__all__ = ["EwmaFit", "EwmaMethod", "ewma", "monthly_loglik"]


def ewma(counts: np.ndarray, half_life: float) -> np.ndarray:
    """Bias-corrected EWMA of months before each ``t = 0..T``: shape (units, T + 1).

    Column 0 (no past) is 0.
    """
    d = 0.5 ** (1.0 / half_life)
    x = np.concatenate([counts, np.zeros((counts.shape[0], 1))], axis=1)
    s = lfilter([0.0, 1.0 - d], [1.0, -d], x, axis=1)
    norm = 1.0 - d ** np.arange(counts.shape[1] + 1)
    return np.divide(s, norm[None, :], out=np.zeros_like(s), where=norm[None, :] > 0)


def _blend(e: np.ndarray, shrink: float) -> np.ndarray:
    lam = (1.0 - shrink) * e + shrink * e.mean(axis=0, keepdims=True)
    return np.maximum(lam, LAMBDA_FLOOR)


@dataclass
class EwmaFit:
    """A fitted :class:`EwmaMethod`: the chosen half-life (months) and shrinkage."""

    t_end: int
    half_life: float
    shrink: float
    loglik: float
    name: str = "ewma"

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        """One-step-ahead Poisson predictions of months ``months``."""
        e = ewma(panel.counts, self.half_life)[:, np.asarray(months, dtype=np.int64)]
        lam = _blend(e, self.shrink)
        return Prediction(lam, count_probability(lam), None)

    def simulator(self, panel: Any, draws: int, horizon: int) -> _EwmaSimulator:
        """Paths that update the mean with their own simulated counts."""
        return _EwmaSimulator(self, panel, draws)

    def summary(self) -> dict[str, Any]:
        """Chosen half-life and shrinkage."""
        return {"half_life_months": self.half_life, "shrink": self.shrink}


class _EwmaSimulator:
    def __init__(self, fit: EwmaFit, panel: Any, draws: int) -> None:
        big_t = panel.n_months
        e = ewma(panel.counts, fit.half_life)[:, big_t]
        self.d = 0.5 ** (1.0 / fit.half_life)
        self.norm_prev = 1.0 - self.d**big_t
        self.s = np.repeat((e * self.norm_prev)[None, :], draws, axis=0)
        self.fit, self.t = fit, big_t
        self.size: float | None = None

    def intensity(self, t: int) -> np.ndarray:
        norm = 1.0 - self.d**self.t
        e = self.s / norm if norm > 0 else self.s * 0.0
        lam = (1.0 - self.fit.shrink) * e + self.fit.shrink * e.mean(axis=1, keepdims=True)
        return np.maximum(lam, LAMBDA_FLOOR)

    def update(self, t: int, counts: np.ndarray) -> None:
        self.s = self.d * self.s + (1.0 - self.d) * counts
        self.t += 1


class EwmaMethod:
    """Tuned EWMA (see the module docstring)."""

    name = "ewma"

    def fit(self, panel: Any, t_end: int, *, warm: Any = None, seed: int = 0) -> EwmaFit:
        """Choose half-life and shrinkage on the months before ``t_end``.

        The Poisson log-likelihood of every grid point in every month depends on the counts
        before that month only, so it is computed once per panel (:func:`monthly_loglik`) and
        each refit sums its months.
        """
        grid = settings.ewma
        halves = tuple(float(h) for h in grid["half_life_months"])
        shrinks = tuple(float(w) for w in grid["shrink"])
        first = min(int(grid["warmup_months"]), max(t_end // 4, 1))
        table = panel.memo(
            ("ewma_loglik", halves, shrinks), lambda: monthly_loglik(panel.counts, halves, shrinks)
        )
        ll = table[:, :, first:t_end].sum(axis=2)
        i, j = np.unravel_index(int(np.argmax(ll)), ll.shape)
        return EwmaFit(t_end, halves[i], shrinks[j], float(ll[i, j]))


def monthly_loglik(
    counts: np.ndarray, half_lives: tuple[float, ...], shrinks: tuple[float, ...]
) -> np.ndarray:
    """Poisson log-likelihood (without log y!) of the EWMA prediction of every month.

    Returns
    -------
    numpy.ndarray
        Shape (half-lives, shrinks, months): month ``t`` predicted from the months before it.
    """
    y = counts
    pos = y > 0
    out = np.empty((len(half_lives), len(shrinks), counts.shape[1]))
    for i, h in enumerate(half_lives):
        e = ewma(counts, h)[:, :-1]
        for j, w in enumerate(shrinks):
            lam = _blend(e, w)
            out[i, j] = np.where(pos, y * np.log(lam), 0.0).sum(axis=0) - lam.sum(axis=0)
    return out
