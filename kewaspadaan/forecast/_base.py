"""What every forecast method (candidate or baseline) provides, so the backtest treats them alike.

A *method* is fitted on the months before ``t_end`` (:meth:`Method.fit`) and returns a *fit*
that predicts the one-step-ahead distribution of every month ``t ≤ T`` from the observed
counts before ``t`` (:meth:`Fitted.predict`): expected count λ (units × months), P(≥ 1) and the
negative-binomial size ``r`` (``None``: Poisson). Candidates also simulate the future months
jointly (:meth:`Fitted.simulator`), which gives the multi-month forecast and its intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["Fitted", "Method", "Prediction", "Simulator", "count_probability", "draw_counts"]

#: Smallest expected count used anywhere (keeps log P finite for units without any event).
LAMBDA_FLOOR = 1e-6


@dataclass
class Prediction:
    """One-step-ahead predictive distributions of months ``t`` (columns) per unit (rows).

    Attributes
    ----------
    lam : numpy.ndarray
        Expected events, shape (units, months).
    prob : numpy.ndarray
        P(≥ 1 event), same shape.
    size : float or None
        Negative-binomial size ``r`` (variance λ + λ²/r); ``None`` for Poisson.
    """

    lam: np.ndarray
    prob: np.ndarray
    size: float | None = None


def count_probability(lam: np.ndarray, size: float | None = None) -> np.ndarray:
    """P(N ≥ 1) of a Poisson (``size=None``) or negative binomial with mean ``lam``."""
    lam = np.maximum(np.asarray(lam, dtype=float), 0.0)
    if size is None or not np.isfinite(size):
        return -np.expm1(-lam)
    return 1.0 - np.exp(-size * np.log1p(lam / size))


def draw_counts(lam: np.ndarray, size: float | None, rng: np.random.Generator) -> np.ndarray:
    """Counts drawn from Poisson(λ) or a gamma–Poisson mixture with size ``size``."""
    lam = np.maximum(lam, 0.0)
    if size is not None and np.isfinite(size):
        lam = rng.gamma(size, lam / size)
    return rng.poisson(lam).astype(float)


class Simulator(Protocol):
    """Joint simulation of the months after the data, ``draws`` paths at once."""

    size: float | None

    def intensity(self, t: int) -> np.ndarray:
        """Expected counts of month ``t`` given each path's past, shape (draws, units)."""
        ...

    def update(self, t: int, counts: np.ndarray) -> None:
        """Record the simulated counts of month ``t`` (draws, units)."""
        ...


class Fitted(Protocol):
    """A method fitted on the months before ``t_end``."""

    name: str
    t_end: int

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        """One-step-ahead predictions of months ``months`` (each ≤ ``panel.n_months``)."""
        ...

    def summary(self) -> dict[str, Any]:
        """Fitted parameters worth recording (JSON-ready)."""
        ...


class Method(Protocol):
    """A forecast method: candidate model or baseline."""

    name: str

    def fit(self, panel: Any, t_end: int, *, warm: Any = None, seed: int = 0) -> Any:
        """Fit on months ``[0, t_end)`` of ``panel`` (``warm``: a previous fit to start from)."""
        ...
