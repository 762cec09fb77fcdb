"""Discrete-time self-exciting (Hawkes/ETAS) count model fitted by penalised maximum likelihood.

For unit ``k`` and month ``t`` the events are Poisson with mean

    λ_k(t) = μ_k · s(t) · exp(g · τ(t)) + a_self · S_k(t) + a_nb · (W S)_k(t)

- **background** ``μ_k = exp(b0 + x_k·β + u_k)``: standardised static covariates ``x_k``
  (:func:`~kewaspadaan.forecast.panel.covariate_matrix`) and a unit effect ``u_k`` — the unit's
  own smoothed history — shrunk towards the covariates by a normal prior (sd
  ``settings.hawkes["unit_effect_sd"]``);
- **election calendar** ``s(t) = exp(γ_type + d_e)`` in the season of election ``e``
  (:func:`~kewaspadaan.forecast.calendar.season_index`), 1 outside: one multiplier per election
  type (Pemilu, Pilkada) plus a per-election deviation ``d_e`` shrunk to 0 (sd
  ``election_sd``); an election not yet seen in the training months gets its type's multiplier;
- **trend** ``τ(t)`` = decades from the last training month (frozen after it), slope ``g``
  shrunk to 0 (sd ``trend_sd``): follows growth of the recorded events without extrapolating it;
- **triggering** ``S_k(t) = Σ_{s<t} (1 − δ) δ^{t−1−s} N_k(s)``: each event adds ``a_self`` expected
  events to its own unit and ``a_nb`` to its neighbours (row-standardised weights ``W``) in
  total, decaying by ``δ`` per month (``a_self + a_nb`` is the branching ratio).

The negative penalised log-likelihood and its exact gradient are computed on whole arrays (the
recursions are :func:`scipy.signal.lfilter` along the months); L-BFGS-B with bounds
``0 ≤ a ≤ 0.99``, ``0.02 ≤ δ ≤ 0.98``; a refit starts from the previous fit (warm start). The
first ``warmup_months`` months only feed the triggering term (their past is unknown).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.signal import lfilter

from kewaspadaan import settings
from kewaspadaan.forecast._base import LAMBDA_FLOOR, Prediction, count_probability
from kewaspadaan.forecast.calendar import ELECTION_TYPES

__all__ = ["HawkesFit", "HawkesMethod", "excitation"]

logger = logging.getLogger(__name__)

_MONTHS_PER_DECADE = 120.0


def excitation(counts: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Triggering state ``S`` and its derivative in ``δ`` for months ``0..T``.

    Parameters
    ----------
    counts : numpy.ndarray
        Events per unit and month, shape (units, T).
    delta : float
        Monthly decay.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``S`` and ``dS/dδ``, shape (units, T + 1): column ``t`` uses months before ``t`` only.
    """
    x = np.concatenate([counts, np.zeros((counts.shape[0], 1))], axis=1)
    s = lfilter([0.0, 1.0 - delta], [1.0, -delta], x, axis=1)
    d = lfilter([0.0, 1.0], [1.0, -delta], s - x, axis=1)
    return s, d


@dataclass
class _Layout:
    n_cov: int
    n_units: int
    n_rows: int  # calendar rows (elections)

    @property
    def size(self) -> int:
        return 1 + self.n_cov + self.n_units + 1 + len(ELECTION_TYPES) + self.n_rows + 3

    def split(self, theta: np.ndarray) -> dict[str, Any]:
        i = 0
        out: dict[str, Any] = {}
        for name, n in (
            ("b0", 1),
            ("beta", self.n_cov),
            ("u", self.n_units),
            ("trend", 1),
            ("gamma_type", len(ELECTION_TYPES)),
            ("gamma_row", self.n_rows),
            ("a_self", 1),
            ("a_nb", 1),
            ("delta", 1),
        ):
            out[name] = theta[i : i + n]
            i += n
        return out

    def bounds(self) -> list[tuple[float, float]]:
        return (
            [(-30.0, 10.0)]
            + [(-10.0, 10.0)] * self.n_cov
            + [(-10.0, 10.0)] * self.n_units
            + [(-5.0, 5.0)]
            + [(-3.0, 3.0)] * (len(ELECTION_TYPES) + self.n_rows)
            + [(0.0, 0.99), (0.0, 0.99), (0.02, 0.98)]
        )


def _time_effect(
    p: dict[str, Any], rows: np.ndarray, kinds: np.ndarray, tau: np.ndarray
) -> np.ndarray:
    gam = np.where(
        rows >= 0,
        p["gamma_type"][np.maximum(kinds, 0)] + p["gamma_row"][np.maximum(rows, 0)],
        0.0,
    )
    return p["trend"][0] * tau + gam


@dataclass
class HawkesFit:
    """A fitted :class:`HawkesMethod` (parameters named as in the module docstring)."""

    t_end: int
    theta: np.ndarray
    layout: _Layout
    loglik: float
    n_iter: int
    converged: bool
    t0: int = 0
    unit_effect_sd: float = float("nan")
    spatial_rho: float = 0.0
    name: str = "hawkes"
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params = self.layout.split(self.theta)

    @property
    def a_self(self) -> float:
        """Expected events triggered in the unit itself per event."""
        return float(self.params["a_self"][0])

    @property
    def a_nb(self) -> float:
        """Expected events triggered in the neighbours (in total) per event."""
        return float(self.params["a_nb"][0])

    @property
    def delta(self) -> float:
        """Monthly decay of the triggering."""
        return float(self.params["delta"][0])

    def _tau(self, t: np.ndarray) -> np.ndarray:
        ref = self.t_end - 1
        return (np.minimum(t, ref) - ref) / _MONTHS_PER_DECADE

    def log_background(self, panel: Any) -> np.ndarray:
        """log μ_k per unit (without the calendar and trend)."""
        p = self.params
        return p["b0"][0] + panel.covariates @ p["beta"] + p["u"]

    def background(self, panel: Any, months: np.ndarray) -> np.ndarray:
        """Background rate μ_k · s(t) · exp(g τ(t)) of months ``months``, (units, months)."""
        months = np.asarray(months, dtype=np.int64)
        rows, kinds = panel.season(months)
        eta_t = _time_effect(self.params, rows, kinds, self._tau(months))
        return np.exp(np.clip(self.log_background(panel)[:, None] + eta_t[None, :], -30, 10))

    def season_factor(self, panel: Any, months: np.ndarray) -> np.ndarray:
        """Election multiplier s(t) of months ``months``."""
        rows, kinds = panel.season(np.asarray(months, dtype=np.int64))
        zero = np.zeros(len(rows))
        return np.exp(_time_effect(self.params, rows, kinds, zero))

    def components(self, panel: Any, months: np.ndarray) -> dict[str, np.ndarray]:
        """λ split into ``background``, ``self`` and ``neighbours`` (units, months)."""
        months = np.asarray(months, dtype=np.int64)
        s, _ = excitation(panel.counts, self.delta)
        s = s[:, months]
        return {
            "background": self.background(panel, months),
            "self": self.a_self * s,
            "neighbours": self.a_nb * (panel.w @ s),
        }

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        """One-step-ahead Poisson predictions of months ``months`` (≤ ``panel.n_months``)."""
        c = self.components(panel, months)
        lam = np.maximum(c["background"] + c["self"] + c["neighbours"], LAMBDA_FLOOR)
        return Prediction(lam, count_probability(lam), None)

    def simulator(self, panel: Any, draws: int, horizon: int) -> _HawkesSimulator:
        """Joint simulator of the ``horizon`` months after the data (``draws`` paths)."""
        t0 = panel.n_months
        s, _ = excitation(panel.counts, self.delta)
        bg = self.background(panel, np.arange(t0, t0 + horizon))
        return _HawkesSimulator(self, panel.w, s[:, t0], bg, t0, draws)

    def unit_effect_sd_posterior(self, panel: Any) -> np.ndarray:
        """Laplace posterior sd of each unit effect ``u_k`` (log scale, diagonal approximation)."""
        bg = self.background(panel, np.arange(self.t0, self.t_end)).sum(axis=1)
        qd = _unit_precision(panel.w, self.spatial_rho).diagonal()
        sd = self.unit_effect_sd if np.isfinite(self.unit_effect_sd) else 1.0
        return 1.0 / np.sqrt(bg + qd / sd**2)

    def summary(self) -> dict[str, Any]:
        """Headline parameters (JSON-ready)."""
        p = self.params
        return {
            "a_self": round(self.a_self, 4),
            "a_nb": round(self.a_nb, 4),
            "delta": round(self.delta, 4),
            "tau_months": round(-1.0 / np.log(self.delta), 3),
            "trend_per_decade": round(float(p["trend"][0]), 4),
            "season_multiplier": {
                k: round(float(np.exp(v)), 3)
                for k, v in zip(ELECTION_TYPES, p["gamma_type"], strict=True)
            },
            "unit_effect_sd": round(self.unit_effect_sd, 4),
            "loglik": round(self.loglik, 3),
            "n_iter": self.n_iter,
        }


class _HawkesSimulator:
    def __init__(
        self,
        fit: HawkesFit,
        w: Any,
        s0: np.ndarray,
        background: np.ndarray,
        t0: int,
        draws: int,
    ) -> None:
        self.fit, self.w, self.t0, self.bg = fit, w, t0, background
        self.s = np.repeat(s0[None, :], draws, axis=0)
        self.size: float | None = None

    def intensity(self, t: int) -> np.ndarray:
        nb = (self.w @ self.s.T).T
        return self.bg[:, t - self.t0][None, :] + self.fit.a_self * self.s + self.fit.a_nb * nb

    def update(self, t: int, counts: np.ndarray) -> None:
        d = self.fit.delta
        self.s = d * self.s + (1.0 - d) * counts


class HawkesMethod:
    """Discrete-time Hawkes/ETAS candidate (see the module docstring).

    Parameters
    ----------
    unit_effect_sd, election_sd, type_sd, trend_sd, beta_sd : float, optional
        Prior standard deviations (log scale); defaults in ``settings.hawkes``.
    warmup_months : int, optional
        First months that only feed the triggering; default ``settings.hawkes``.
    max_iter : int, optional
        L-BFGS-B iterations.
    """

    name = "hawkes"

    def __init__(self, **options: Any) -> None:
        opts = dict(settings.hawkes)
        unknown = sorted(set(options) - set(opts))
        if unknown:
            raise ValueError(f"unknown Hawkes option(s) {unknown}; known: {sorted(opts)}")
        opts.update(options)
        self.options = opts

    def fit(self, panel: Any, t_end: int, *, warm: HawkesFit | None = None, seed: int = 0):
        """Fit on months ``[0, t_end)`` of ``panel``; ``warm`` is a previous fit to start from.

        With ``unit_effect_sd="auto"`` the prior sd of the unit effects is estimated by
        empirical Bayes: ``σ² ← mean(u_k² + v_k)``, ``v_k = 1 / (Σ_t μ_k s(t) + 1/σ²)`` the
        Laplace posterior variance of ``u_k``, alternated with the fit ``eb_steps`` times
        (starting from the previous fit's σ).
        """
        o = dict(self.options)
        auto = o["unit_effect_sd"] == "auto"
        if not auto:
            fixed = self._fit_once(panel, t_end, warm, o)
            fixed.unit_effect_sd = float(o["unit_effect_sd"])
            return fixed
        sd = float(warm.unit_effect_sd if warm is not None else o["eb_start_sd"])
        fit: HawkesFit | None = warm
        q = _unit_precision(panel.w, float(o["spatial_rho"]))
        qd = q.diagonal()
        for _ in range(max(1, int(o["eb_steps"]))):
            o["unit_effect_sd"] = sd
            fit = self._fit_once(panel, t_end, fit, o)
            assert fit is not None
            bg = fit.background(panel, np.arange(fit.t0, t_end)).sum(axis=1)
            u = fit.params["u"]
            v = 1.0 / (bg + qd / sd**2)
            sd = float(np.clip(np.sqrt((u @ (q @ u) + qd @ v) / len(u)), o["eb_min_sd"], 3.0))
            fit.unit_effect_sd = sd
        assert fit is not None
        return fit

    def _fit_once(
        self, panel: Any, t_end: int, warm: HawkesFit | None, o: dict[str, Any]
    ) -> HawkesFit:
        lay = _Layout(panel.covariates.shape[1], panel.n_units, len(panel.calendar))
        t0 = int(min(o["warmup_months"], max(t_end // 4, 0)))
        counts = panel.counts[:, :t_end]
        months = np.arange(t0, t_end)
        rows, kinds = panel.season(months)
        tau = (months - (t_end - 1)) / _MONTHS_PER_DECADE
        q = _unit_precision(panel.w, float(o["spatial_rho"]))
        nll = _objective(counts, t0, panel.covariates, panel.w, rows, kinds, tau, lay, o, q)
        theta0 = self._start(warm, lay, counts[:, t0:])
        res = minimize(
            nll,
            theta0,
            jac=True,
            method="L-BFGS-B",
            bounds=lay.bounds(),
            options={
                "maxiter": int(o["warm_max_iter"] if warm is not None else o["max_iter"]),
                "maxcor": 20,
            },
        )
        fit = HawkesFit(
            t_end,
            res.x,
            lay,
            -float(res.fun),
            int(res.nit),
            bool(res.success),
            t0,
            spatial_rho=float(o["spatial_rho"]),
        )
        logger.debug("hawkes fit to month %d: %s", t_end, fit.summary())
        return fit

    @staticmethod
    def _start(warm: HawkesFit | None, lay: _Layout, train: np.ndarray) -> np.ndarray:
        if warm is not None and warm.layout == lay:
            return warm.theta.copy()
        theta = np.zeros(lay.size)
        theta[0] = np.log(max(train.mean(), 1e-4) * 0.6)
        theta[-3:] = (0.2, 0.1, 0.6)
        return theta


def _objective(
    counts: np.ndarray,
    t0: int,
    x: np.ndarray,
    w: Any,
    rows: np.ndarray,
    kinds: np.ndarray,
    tau: np.ndarray,
    lay: _Layout,
    o: dict[str, Any],
    q: Any,
):
    """Negative penalised log-likelihood and gradient as a function of θ."""
    n_obs = counts[:, t0:]
    pos = n_obs > 0
    type_of = [np.flatnonzero((kinds == k) & (rows >= 0)) for k in range(len(ELECTION_TYPES))]
    in_row = rows >= 0
    n_rows = lay.n_rows
    prec_u = 1.0 / o["unit_effect_sd"] ** 2
    prec = {
        "beta": 1.0 / o["beta_sd"] ** 2,
        "trend": 1.0 / o["trend_sd"] ** 2,
        "gamma_type": 1.0 / o["type_sd"] ** 2,
        "gamma_row": 1.0 / o["election_sd"] ** 2,
    }

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p = lay.split(theta)
        a_s, a_n, dl = p["a_self"][0], p["a_nb"][0], p["delta"][0]
        eta_u = p["b0"][0] + x @ p["beta"] + p["u"]
        eta_t = _time_effect(p, rows, kinds, tau)
        bg = np.exp(np.clip(eta_u[:, None] + eta_t[None, :], -30, 10))
        s_full, d_full = excitation(counts, dl)
        s, d = s_full[:, t0:-1], d_full[:, t0:-1]
        ws, wd = w @ s, w @ d
        lam = np.maximum(bg + a_s * s + a_n * ws, LAMBDA_FLOOR)
        value = lam.sum() - (n_obs[pos] * np.log(lam[pos])).sum()
        r = 1.0 - n_obs / lam
        rb = r * bg
        g_unit = rb.sum(axis=1)
        g_time = rb.sum(axis=0)
        grad = [
            np.array([g_unit.sum()]),
            x.T @ g_unit,
            g_unit,
            np.array([g_time @ tau]),
            np.array([g_time[idx].sum() for idx in type_of]),
            np.bincount(rows[in_row], weights=g_time[in_row], minlength=n_rows),
            np.array([(r * s).sum()]),
            np.array([(r * ws).sum()]),
            np.array([(r * (a_s * d + a_n * wd)).sum()]),
        ]
        g = np.concatenate(grad)
        pen = 0.0
        for name, pr in prec.items():
            v = p[name]
            pen += 0.5 * pr * float(v @ v)
        g += _penalty_grad(lay, p, prec)
        qu = q @ p["u"]
        pen += 0.5 * prec_u * float(p["u"] @ qu)
        g[1 + lay.n_cov : 1 + lay.n_cov + lay.n_units] += prec_u * qu
        return float(value + pen), g

    return f


def _unit_precision(w: Any, rho: float) -> Any:
    """Structure of the unit-effect prior: (1 − ρ) I + ρ L, L the contiguity graph Laplacian."""
    from scipy import sparse

    a = (w != 0).astype(float)
    a = ((a + a.T) > 0).astype(float)
    lap = sparse.diags(np.asarray(a.sum(axis=1)).ravel()) - a
    return ((1.0 - rho) * sparse.identity(w.shape[0]) + rho * lap).tocsr()


def _penalty_grad(lay: _Layout, p: dict[str, Any], prec: dict[str, float]) -> np.ndarray:
    out = np.zeros(lay.size)
    i = 0
    for name, n in (
        ("b0", 1),
        ("beta", lay.n_cov),
        ("u", lay.n_units),
        ("trend", 1),
        ("gamma_type", len(ELECTION_TYPES)),
        ("gamma_row", lay.n_rows),
    ):
        if name in prec:
            out[i : i + n] = prec[name] * p[name]
        i += n
    return out
