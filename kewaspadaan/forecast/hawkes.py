"""Discrete-time self-exciting (Hawkes/ETAS) count model fitted by penalised maximum likelihood.

For unit ``k`` and month ``t`` the events are Poisson with mean

    λ_k(t) = μ_k · s(t) · exp(g · τ(t)) + Σ_j [a_self,j · S_jk(t) + a_nb,j · (W S_j)_k(t)]

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
- **triggering** ``S_jk(t) = Σ_{s<t} (1 − δ_j) δ_j^{t−1−s} N_k(s)``: each event adds
  ``a_self,j`` expected events to its own unit and ``a_nb,j`` to its neighbours
  (row-standardised weights ``W``) in total, decaying by ``δ_j`` per month; kernel ``j`` keeps
  its decay in the range ``settings.hawkes["kernels"][j]`` — by default a fast kernel (δ up to
  0.85, half-life below ~4 months: flare-ups) and a slow one (δ 0.85–0.995: the persistence of a
  long conflict). ``Σ_j (a_self,j + a_nb,j)`` is the branching ratio, kept below
  ``max_branching`` by a penalty (the forecast to voting day must not explode).

The negative penalised log-likelihood and its exact gradient are computed on whole arrays (the
recursions are :func:`scipy.signal.lfilter` along the months); L-BFGS-B with bounds
``0 ≤ a ≤ 0.99`` and the kernel ranges of δ; a refit starts from the previous fit (warm start). The
first ``warmup_months`` months only feed the triggering term (their past is unknown).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.signal import lfilter
from scipy.special import digamma, gammaln

from kewaspadaan import settings
from kewaspadaan.forecast._base import LAMBDA_FLOOR, Prediction, count_probability
from kewaspadaan.forecast.calendar import ELECTION_TYPES

__all__ = ["HawkesFit", "HawkesMethod", "excitation"]

logger = logging.getLogger(__name__)

_MONTHS_PER_DECADE = 120.0
#: Parameter blocks of the triggering kernels, in the order the compiled kernels take them.
KERNEL_PARTS: tuple[str, ...] = ("a_self", "a_nb", "delta")
#: log of the negative-binomial size at which the counts are taken as Poisson (r ≈ 22,000).
LOG_SIZE_POISSON = 10.0


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


#: Pseudo-events of the cold start's unit effects (:meth:`HawkesMethod._start`).
_START_PSEUDO_EVENTS = 2.0


@dataclass
class _Layout:
    n_cov: int
    n_units: int
    n_rows: int  # calendar rows (elections)
    kernels: tuple[tuple[float, float], ...] = ((0.02, 0.85), (0.85, 0.995))
    negbin: bool = False

    @property
    def n_k(self) -> int:
        return len(self.kernels)

    def parts(self) -> list[tuple[str, int]]:
        return [
            ("b0", 1),
            ("beta", self.n_cov),
            ("u", self.n_units),
            ("trend", 1),
            ("gamma_type", len(ELECTION_TYPES)),
            ("gamma_row", self.n_rows),
            ("a_self", self.n_k),
            ("a_nb", self.n_k),
            ("delta", self.n_k),
            ("log_size", 1),
        ]

    @property
    def size(self) -> int:
        return sum(n for _, n in self.parts())

    def offset(self, name: str) -> int:
        i = 0
        for part, n in self.parts():
            if part == name:
                return i
            i += n
        raise KeyError(name)

    def split(self, theta: np.ndarray) -> dict[str, Any]:
        i = 0
        out: dict[str, Any] = {}
        for name, n in self.parts():
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
            + [(0.0, 0.99)] * (2 * self.n_k)
            + [(float(a), float(b)) for a, b in self.kernels]
            + [(-3.0, LOG_SIZE_POISSON) if self.negbin else (LOG_SIZE_POISSON, LOG_SIZE_POISSON)]
        )

    def start(self) -> np.ndarray:
        theta = np.zeros(self.size)
        k = self.n_k
        a, d = self.offset("a_self"), self.offset("delta")
        theta[a : a + k] = 0.2 / k
        theta[a + k : a + 2 * k] = 0.1 / k
        theta[d : d + k] = [(lo + hi) / 2 for lo, hi in self.kernels]
        theta[-1] = 2.0 if self.negbin else LOG_SIZE_POISSON
        return theta


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
        """Expected events triggered in the unit itself per event (all kernels)."""
        return float(self.params["a_self"].sum())

    @property
    def a_nb(self) -> float:
        """Expected events triggered in the neighbours (in total) per event (all kernels)."""
        return float(self.params["a_nb"].sum())

    @property
    def delta(self) -> float:
        """Monthly decay of the fastest kernel."""
        return float(self.params["delta"][0])

    @property
    def size(self) -> float | None:
        """Negative-binomial size of the counts given λ (``None``: Poisson)."""
        ls = float(self.params["log_size"][0])
        return None if ls >= LOG_SIZE_POISSON - 1e-6 else float(np.exp(ls))

    def _excitations(self, counts: np.ndarray) -> list[np.ndarray]:
        return [excitation(counts, float(d))[0] for d in self.params["delta"]]

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
        p = self.params
        own = np.zeros((panel.n_units, len(months)))
        for a, s in zip(p["a_self"], self._excitations(panel.counts), strict=True):
            own += a * s[:, months]
        nb = np.zeros_like(own)
        for a, s in zip(p["a_nb"], self._excitations(panel.counts), strict=True):
            nb += a * s[:, months]
        return {
            "background": self.background(panel, months),
            "self": own,
            "neighbours": panel.w @ nb,
        }

    def predict(self, panel: Any, months: np.ndarray) -> Prediction:
        """One-step-ahead Poisson predictions of months ``months`` (≤ ``panel.n_months``)."""
        c = self.components(panel, months)
        lam = np.maximum(c["background"] + c["self"] + c["neighbours"], LAMBDA_FLOOR)
        return Prediction(lam, count_probability(lam, self.size), self.size)

    def simulator(self, panel: Any, draws: int, horizon: int) -> _HawkesSimulator:
        """Joint simulator of the ``horizon`` months after the data (``draws`` paths)."""
        t0 = panel.n_months
        s0 = [s[:, t0] for s in self._excitations(panel.counts)]
        bg = self.background(panel, np.arange(t0, t0 + horizon))
        return _HawkesSimulator(self, panel.w, s0, bg, t0, draws)

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
            "kernels": [
                {
                    "a_self": round(float(a), 4),
                    "a_nb": round(float(b), 4),
                    "delta": round(float(d), 4),
                }
                for a, b, d in zip(p["a_self"], p["a_nb"], p["delta"], strict=True)
            ],
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
        s0: list[np.ndarray],
        background: np.ndarray,
        t0: int,
        draws: int,
    ) -> None:
        self.fit, self.w, self.t0, self.bg = fit, w, t0, background
        self.s = [np.repeat(s[None, :], draws, axis=0) for s in s0]
        self.size: float | None = fit.size

    def intensity(self, t: int) -> np.ndarray:
        p = self.fit.params
        own = sum(a * s for a, s in zip(p["a_self"], self.s, strict=True))
        nb = sum(a * s for a, s in zip(p["a_nb"], self.s, strict=True))
        return self.bg[:, t - self.t0][None, :] + own + (self.w @ np.asarray(nb).T).T

    def update(self, t: int, counts: np.ndarray) -> None:
        for j, d in enumerate(self.fit.params["delta"]):
            self.s[j] = d * self.s[j] + (1.0 - d) * counts


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
            sd = float(
                np.clip(np.sqrt((u @ (q @ u) + qd @ v) / len(u)), o["eb_min_sd"], o["eb_max_sd"])
            )
            fit.unit_effect_sd = sd
        assert fit is not None
        return fit

    def _fit_once(
        self, panel: Any, t_end: int, warm: HawkesFit | None, o: dict[str, Any]
    ) -> HawkesFit:
        kernels = tuple(tuple(k) for k in o["kernels"])
        lay = _Layout(
            panel.covariates.shape[1],
            panel.n_units,
            len(panel.calendar),
            kernels,
            o["family"] == "negbin",
        )
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
        theta = lay.start()
        theta[0] = np.log(max(train.mean(), 1e-4) * 0.6)
        # each unit's log rate ratio to the mean, with _START_PSEUDO_EVENTS pseudo-events (a
        # unit without events starts finite), centred: L-BFGS starts near the unit effects
        # instead of at 0 (on the national panel 200 iterations from here reach a higher
        # likelihood than 500 from 0)
        if train.size:
            n = train.sum(axis=1)
            c = _START_PSEUDO_EVENTS
            u = np.log((n + c) / (train.mean() * train.shape[1] + c))
            i = lay.offset("u")
            theta[i : i + lay.n_units] = np.clip(u - u.mean(), -10.0, 10.0)
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
    *,
    compiled: bool | None = None,
):
    """Negative penalised log-likelihood and gradient as a function of θ.

    ``compiled`` (default: for the Poisson family) evaluates the likelihood with the kernels of
    :mod:`kewaspadaan.forecast._hawkes_kernel`; otherwise with whole-array NumPy (the
    reference, and the negative-binomial family).
    """
    use_kernel = (not lay.negbin) if compiled is None else bool(compiled and not lay.negbin)
    likelihood = (_likelihood_kernel if use_kernel else _likelihood_numpy)(
        counts, t0, x, w, rows, kinds, tau, lay
    )
    prec_u = 1.0 / o["unit_effect_sd"] ** 2
    prec = {
        "beta": 1.0 / o["beta_sd"] ** 2,
        "trend": 1.0 / o["trend_sd"] ** 2,
        "gamma_type": 1.0 / o["type_sd"] ** 2,
        "gamma_row": 1.0 / o["election_sd"] ** 2,
    }
    cap = float(o["max_branching"])
    i_a, k_n = lay.offset("a_self"), lay.n_k
    i_u = 1 + lay.n_cov

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p = lay.split(theta)
        value, g = likelihood(p)
        pen = 0.0
        for name, pr in prec.items():
            v = p[name]
            pen += 0.5 * pr * float(v @ v)
        g += _penalty_grad(lay, p, prec)
        qu = q @ p["u"]
        pen += 0.5 * prec_u * float(p["u"] @ qu)
        g[i_u : i_u + lay.n_units] += prec_u * qu
        excess = p["a_self"].sum() + p["a_nb"].sum() - cap
        if excess > 0:  # keep the process stationary: penalty on a branching ratio above cap
            pen += 1e4 * excess**2
            g[i_a : i_a + 2 * k_n] += 2e4 * excess
        return float(value + pen), g

    return f


def _season_masks(rows: np.ndarray, kinds: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The months of each election type's season, and the months in any season."""
    in_row = rows >= 0
    return [np.flatnonzero((kinds == k) & in_row) for k in range(len(ELECTION_TYPES))], in_row


def _gradient(
    lay: _Layout,
    x: np.ndarray,
    g_unit: np.ndarray,
    g_time: np.ndarray,
    tau: np.ndarray,
    season: tuple[list[np.ndarray], np.ndarray],
    rows: np.ndarray,
    g_kernel: np.ndarray,
    g_size: float,
) -> np.ndarray:
    """The gradient vector in the order of :meth:`_Layout.parts`: the parts that act through
    log μ·s(t) from the sums of ``r · background`` per unit and per month, then the kernels'
    (``g_kernel``: rows a_self, a_nb, delta) and the size's."""
    type_of, in_row = season
    return np.concatenate(
        [
            np.array([g_unit.sum()]),
            x.T @ g_unit,
            g_unit,
            np.array([g_time @ tau]),
            np.array([g_time[idx].sum() for idx in type_of]),
            np.bincount(rows[in_row], weights=g_time[in_row], minlength=lay.n_rows),
            np.asarray(g_kernel, dtype=float).ravel(),
            np.array([g_size]),
        ]
    )


def _likelihood_kernel(
    counts: np.ndarray,
    t0: int,
    x: np.ndarray,
    w: Any,
    rows: np.ndarray,
    kinds: np.ndarray,
    tau: np.ndarray,
    lay: _Layout,
) -> Callable[[dict[str, Any]], tuple[float, np.ndarray]]:
    """Poisson likelihood part through the compiled kernels (arrays allocated once per fit)."""
    from kewaspadaan.forecast import _hawkes_kernel as kern

    # numba's dispatchers are typed without the compiled signature
    forward: Any = kern.forward
    backward: Any = kern.backward

    counts = np.ascontiguousarray(counts, dtype=np.float64)
    n, m = counts.shape[0], counts.shape[1] - t0
    fwd, bwd = w.tocsr(), w.T.tocsr()
    csr = [
        (a.indptr.astype(np.int64), a.indices.astype(np.int64), a.data.astype(np.float64))
        for a in (fwd, bwd)
    ]
    snb, r = np.empty((n, m)), np.empty((n, m))
    g_unit, g_time = np.empty(n), np.empty(m)
    grads = np.empty((3, lay.n_k))
    season = _season_masks(rows, kinds)

    def part(p: dict[str, Any]) -> tuple[float, np.ndarray]:
        eta_u = p["b0"][0] + x @ p["beta"] + p["u"]
        eta_t = _time_effect(p, rows, kinds, tau)
        a_s, a_n, dl = (np.ascontiguousarray(p[k], dtype=np.float64) for k in KERNEL_PARTS)
        value = forward(
            counts, t0, eta_u, eta_t, a_s, a_n, dl, *csr[0], LAMBDA_FLOOR, snb, r, g_unit, g_time
        )
        backward(counts, t0, r, a_s, a_n, dl, *csr[1], grads)
        return float(value), _gradient(lay, x, g_unit, g_time, tau, season, rows, grads, 0.0)

    return part


def _likelihood_numpy(
    counts: np.ndarray,
    t0: int,
    x: np.ndarray,
    w: Any,
    rows: np.ndarray,
    kinds: np.ndarray,
    tau: np.ndarray,
    lay: _Layout,
) -> Callable[[dict[str, Any]], tuple[float, np.ndarray]]:
    """Likelihood part on whole arrays (reference; Poisson or negative binomial)."""
    n_obs = counts[:, t0:]
    pos = n_obs > 0
    season = _season_masks(rows, kinds)
    negbin = lay.negbin
    k_n = lay.n_k

    def part(p: dict[str, Any]) -> tuple[float, np.ndarray]:
        eta_u = p["b0"][0] + x @ p["beta"] + p["u"]
        eta_t = _time_effect(p, rows, kinds, tau)
        bg = np.exp(np.clip(eta_u[:, None] + eta_t[None, :], -30, 10))
        lam = bg.copy()
        kern = []
        for j in range(k_n):
            s_full, d_full = excitation(counts, float(p["delta"][j]))
            s, d = s_full[:, t0:-1], d_full[:, t0:-1]
            ws, wd = w @ s, w @ d
            lam += p["a_self"][j] * s + p["a_nb"][j] * ws
            kern.append((s, d, ws, wd))
        lam = np.maximum(lam, LAMBDA_FLOOR)
        value, r, g_size = _count_nll(n_obs, pos, lam, float(p["log_size"][0]), negbin)
        rb = r * bg
        g_kernel = np.array(
            [
                [
                    (r * s).sum(),
                    (r * ws).sum(),
                    (r * (p["a_self"][j] * d + p["a_nb"][j] * wd)).sum(),
                ]
                for j, (s, d, ws, wd) in enumerate(kern)
            ]
        ).T  # rows a_self, a_nb, delta
        return value, _gradient(
            lay, x, rb.sum(axis=1), rb.sum(axis=0), tau, season, rows, g_kernel, g_size
        )

    return part


def _count_nll(
    y: np.ndarray, pos: np.ndarray, lam: np.ndarray, log_r: float, negbin: bool
) -> tuple[float, np.ndarray, float]:
    """Negative log-likelihood of the counts, its derivative in λ per cell and in log r.

    Poisson, or NB2 with size ``r = exp(log_r)`` (variance λ + λ²/r): the burstiness of real
    event data (several events of one operation in one month) without changing the mean.
    The constant Σ log y! is left out.
    """
    if not negbin:
        return float(lam.sum() - (y[pos] * np.log(lam[pos])).sum()), 1.0 - y / lam, 0.0
    r = float(np.exp(log_r))
    log_rl = np.log(r + lam)
    ypos = y[pos]
    value = (
        -(gammaln(ypos + r) - gammaln(r)).sum()
        - r * lam.size * log_r
        + ((r + y) * log_rl).sum()
        - (ypos * np.log(lam[pos])).sum()
    )
    d_lam = (r + y) / (r + lam) - y / lam
    d_logr = -r * (
        (digamma(ypos + r) - digamma(r)).sum()
        + lam.size * (log_r + 1.0)
        - log_rl.sum()
        - ((r + y) / (r + lam)).sum()
    )
    return float(value), d_lam, float(d_logr)


def _unit_precision(w: Any, rho: float) -> Any:
    """Structure of the unit-effect prior: (1 − ρ) I + ρ L, L the contiguity graph Laplacian."""
    from scipy import sparse

    a = (w != 0).astype(float)
    a = ((a + a.T) > 0).astype(float)
    lap = sparse.diags(np.asarray(a.sum(axis=1)).ravel()) - a
    return ((1.0 - rho) * sparse.identity(w.shape[0]) + rho * lap).tocsr()


def _penalty_grad(lay: _Layout, p: dict[str, Any], prec: dict[str, float]) -> np.ndarray:
    out = np.zeros(lay.size)
    for name, pr in prec.items():
        i = lay.offset(name)
        out[i : i + len(p[name])] = pr * p[name]
    return out
