"""Baselines the forecast must beat, each estimated on the months before the predicted one.

=================  ===========================================================================
``rata_historis``  historical mean: P(≥ 1) = share of all earlier months with an event,
                   (k + ½) / (t + 1); expected count = mean count (same prior)
``rata_jendela``   trend-aware windowed mean: mean count of the last ``W`` months, with one
                   month of the province-wide mean as prior; ``W`` (``settings.baselines``
                   grid) chosen by the Poisson log-likelihood on the past — it follows growth
                   or decline of the recorded events by forgetting the older months
``ewma``           the tuned EWMA of :mod:`kewaspadaan.forecast.ewma` (also a candidate)
``kalender``       calendar rate: the unit's mean count × the province-wide ratio of the mean
                   count in months of the same election state (Pemilu season, Pilkada season,
                   none) to the overall mean
``persistensi``    persistence with transition probabilities: P(event | event last month) and
                   P(event | none last month) per unit, shrunk towards the pooled ones with a
                   prior of ``prior_months`` months
=================  ===========================================================================

A baseline's count distribution is Poisson with its expected count (for ``rata_historis`` and
``persistensi``, whose P(≥ 1) is estimated directly, λ = −log(1 − P) is used for the counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kewaspadaan import settings
from kewaspadaan.forecast._base import LAMBDA_FLOOR, Prediction, count_probability
from kewaspadaan.forecast.ewma import EwmaMethod

__all__ = ["BASELINES", "baseline_methods"]

#: Baseline names, in the order of the backtest table.
BASELINES: tuple[str, ...] = ("rata_historis", "rata_jendela", "ewma", "kalender", "persistensi")


def _cum(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)


def _from_prob(p: np.ndarray) -> Prediction:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return Prediction(np.maximum(-np.log1p(-p), LAMBDA_FLOOR), p, None)


@dataclass
class _HistFit:
    t_end: int
    name: str = "rata_historis"

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        m = np.asarray(months, dtype=np.int64)
        k = _cum(panel.counts > 0)[:, m]
        return _from_prob((k + 0.5) / (m + 1.0)[None, :])

    def summary(self) -> dict[str, Any]:
        return {}


@dataclass
class _WindowFit:
    t_end: int
    window: int
    name: str = "rata_jendela"

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        lam = _window_mean(panel.counts, np.asarray(months, dtype=np.int64), self.window)
        return Prediction(lam, count_probability(lam), None)

    def summary(self) -> dict[str, Any]:
        return {"window_months": self.window}


def _window_mean(counts: np.ndarray, months: np.ndarray, window: int) -> np.ndarray:
    cum = _cum(counts)
    big_t = counts.shape[1]
    a = np.clip(months - window, 0, big_t)
    b = np.clip(months, 0, big_t)
    total = cum[:, b] - cum[:, a]
    span = np.maximum(b - a, 0)
    prior = total.mean(axis=0, keepdims=True) / np.maximum(span, 1)[None, :]
    return np.maximum((total + prior) / (span + 1.0)[None, :], LAMBDA_FLOOR)


@dataclass
class _CalendarFit:
    t_end: int
    ratio: np.ndarray  # by state: none, Pemilu, Pilkada
    name: str = "kalender"

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        m = np.asarray(months, dtype=np.int64)
        cum = _cum(panel.counts)[:, m]
        mean = (cum + 0.5 * cum.mean(axis=0, keepdims=True)) / (m + 0.5)[None, :]
        lam = np.maximum(mean * self.ratio[_state(panel, m)][None, :], LAMBDA_FLOOR)
        return Prediction(lam, count_probability(lam), None)

    def summary(self) -> dict[str, Any]:
        return {
            "ratio": {
                k: round(float(v), 4)
                for k, v in zip(("none", "Pemilu", "Pilkada"), self.ratio, strict=True)
            }
        }


def _state(panel: Any, months: np.ndarray) -> np.ndarray:
    rows, kinds = panel.season(months)
    return np.where(rows >= 0, kinds + 1, 0)


@dataclass
class _PersistFit:
    t_end: int
    p_pool: np.ndarray  # P(1 | previous state 0/1), pooled
    name: str = "persistensi"

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        m = np.asarray(months, dtype=np.int64)
        y = (panel.counts > 0).astype(float)
        prev = np.concatenate([np.zeros((y.shape[0], 1)), y[:, :-1]], axis=1)
        # transition counts up to month t: from state s at month j-1 to y at month j, j < t
        one_after_one = _cum(prev * y)[:, m]
        after_one = _cum(prev)[:, m]
        one_after_zero = _cum((1 - prev) * y)[:, m] - y[:, :1] * (m > 0)[None, :]
        after_zero = _cum(1 - prev)[:, m] - (m > 0)[None, :]
        k = float(settings.baselines["prior_months"])
        p1 = (one_after_one + k * self.p_pool[1]) / (after_one + k)
        p0 = (one_after_zero + k * self.p_pool[0]) / (np.maximum(after_zero, 0) + k)
        last = y[:, np.clip(m - 1, 0, y.shape[1] - 1)] * (m > 0)[None, :]
        return _from_prob(np.where(last > 0, p1, p0))

    def summary(self) -> dict[str, Any]:
        return {
            "p_after_none": round(float(self.p_pool[0]), 4),
            "p_after_event": round(float(self.p_pool[1]), 4),
        }


class _Simple:
    def __init__(self, name: str) -> None:
        self.name = name

    def fit(self, panel: Any, t_end: int, *, warm: Any = None, seed: int = 0) -> Any:
        counts = panel.counts[:, :t_end]
        if self.name == "rata_historis":
            return _HistFit(t_end)
        if self.name == "rata_jendela":
            return _WindowFit(t_end, _best_window(counts))
        if self.name == "kalender":
            state = _state(panel, np.arange(t_end))
            per_month = counts.mean(axis=0)
            overall = max(per_month.mean(), LAMBDA_FLOOR)
            ratio = np.array(
                [
                    per_month[state == s].mean() / overall if (state == s).any() else 1.0
                    for s in range(3)
                ]
            )
            return _CalendarFit(t_end, np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0))
        y = counts > 0
        prev, cur = y[:, :-1], y[:, 1:]
        p0 = (cur & ~prev).sum() / max((~prev).sum(), 1)
        p1 = (cur & prev).sum() / max(prev.sum(), 1)
        return _PersistFit(t_end, np.array([p0, p1 if prev.any() else p0]))


def _best_window(counts: np.ndarray) -> int:
    big_t = counts.shape[1]
    months = np.arange(min(12, big_t // 2), big_t)
    y = counts[:, months]
    best, best_w = -np.inf, 12
    for w in settings.baselines["window_months"]:
        lam = _window_mean(counts, months, int(w))
        ll = float((y * np.log(lam) - lam).sum())
        if ll > best:
            best, best_w = ll, int(w)
    return best_w


def baseline_methods() -> dict[str, Any]:
    """One method object per name of :data:`BASELINES` (``fit`` on the past, then ``predict``)."""
    out: dict[str, Any] = {}
    for name in BASELINES:
        out[name] = EwmaMethod() if name == "ewma" else _Simple(name)
    return out
