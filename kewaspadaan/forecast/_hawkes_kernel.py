"""Compiled kernels of the Hawkes likelihood: the Poisson objective in two passes over the units.

The NumPy objective of :mod:`kewaspadaan.forecast.hawkes` (kept for the negative-binomial family
and as the reference of the tests) filters the counts twice per kernel with
:func:`scipy.signal.lfilter`, multiplies four (units × months) arrays by the spatial weights and
makes some twenty temporary arrays per evaluation; at national size the arrays leave the cache
and every pass costs memory traffic. Here each unit's row is finished while it is in the cache
and only two (units × months) arrays are written per evaluation:

- :func:`forward` — per unit, the neighbour-triggering state ``Σ_j a_nb,j S_j`` (first pass),
  then per unit the background, its own triggering, the neighbour sum ``W (Σ_j a_nb,j S_j)``
  (one sparse row times whole rows of months), λ, the Poisson negative log-likelihood,
  ``r = ∂/∂λ`` and the sums of ``r · background`` per unit and per month;
- :func:`backward` — per unit, ``(Wᵀ r)_k`` (gathered with the transposed weights, since
  ``Σ r ⊙ W S = Σ (Wᵀ r) ⊙ S``) and the gradients in ``a_self``, ``a_nb`` and ``δ`` from the
  recursions of ``S_j`` and ``∂S_j/∂δ_j``.

Equal to the NumPy objective to rounding (tested); about 5x faster on the national panel
(7,284 units × 100 months: 25 ms instead of 135 ms per evaluation).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["backward", "forward"]


@njit(cache=True, nogil=True)
def forward(
    counts: np.ndarray,
    t0: int,
    eta_u: np.ndarray,
    eta_t: np.ndarray,
    a_self: np.ndarray,
    a_nb: np.ndarray,
    delta: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    floor: float,
    snb: np.ndarray,
    r: np.ndarray,
    g_unit: np.ndarray,
    g_time: np.ndarray,
) -> float:  # pragma: no cover - compiled
    """Poisson NLL (without Σ log y!) of months ``t0 .. T − 1``; fills ``r`` and the sums.

    ``counts`` (units, T) are the months of the fit; ``snb`` and ``r`` are (units, T − t0)
    (``snb`` is scratch). The background ``exp(clip(η_u + η_t, −30, 10))`` is taken as
    ``exp(η_u) · exp(η_t)`` where no clipping applies (equal to rounding).
    """
    n = counts.shape[0]
    m = r.shape[1]
    k_n = delta.shape[0]
    for k in range(n):
        for c in range(m):
            snb[k, c] = 0.0
        for j in range(k_n):
            dj, bj = delta[j], a_nb[j]
            sv = 0.0
            for t in range(t0 + m):
                if t >= t0:
                    snb[k, t - t0] += bj * sv
                sv = (1.0 - dj) * counts[k, t] + dj * sv
    exp_t = np.empty(m)
    for c in range(m):
        exp_t[c] = np.exp(eta_t[c])
    bg = np.empty(m)
    lam = np.empty(m)
    value = 0.0
    for c in range(m):
        g_time[c] = 0.0
    for k in range(n):
        eu = eta_u[k]
        exp_u = np.exp(eu)
        for c in range(m):
            e = eu + eta_t[c]
            if e < -30.0 or e > 10.0:
                b = np.exp(min(max(e, -30.0), 10.0))
            else:
                b = exp_u * exp_t[c]
            bg[c] = b
            lam[c] = b
        for j in range(k_n):
            dj, aj = delta[j], a_self[j]
            sv = 0.0
            for t in range(t0 + m):
                if t >= t0:
                    lam[t - t0] += aj * sv
                sv = (1.0 - dj) * counts[k, t] + dj * sv
        for p in range(indptr[k], indptr[k + 1]):
            l_ = indices[p]
            wv = data[p]
            for c in range(m):
                lam[c] += wv * snb[l_, c]
        gu = 0.0
        for c in range(m):
            lv = lam[c]
            if lv < floor:
                lv = floor
            y = counts[k, t0 + c]
            value += lv
            rv = 1.0
            if y > 0.0:
                value -= y * np.log(lv)
                rv = 1.0 - y / lv
            r[k, c] = rv
            rb = rv * bg[c]
            gu += rb
            g_time[c] += rb
        g_unit[k] = gu
    return value


@njit(cache=True, nogil=True)
def backward(
    counts: np.ndarray,
    t0: int,
    r: np.ndarray,
    a_self: np.ndarray,
    a_nb: np.ndarray,
    delta: np.ndarray,
    t_indptr: np.ndarray,
    t_indices: np.ndarray,
    t_data: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Gradients Σ r·S_j (``out[0, j]``), Σ r·(W S_j) (``out[1, j]``), ∂/∂δ_j (``out[2, j]``).

    ``t_indptr``/``t_indices``/``t_data``: the transposed weights Wᵀ in CSR form.
    """
    n, m = r.shape
    k_n = delta.shape[0]
    rw = np.empty(m)
    g = np.zeros((3, k_n))
    for k in range(n):
        for c in range(m):
            rw[c] = 0.0
        for p in range(t_indptr[k], t_indptr[k + 1]):
            l_ = t_indices[p]
            wv = t_data[p]
            for c in range(m):
                rw[c] += wv * r[l_, c]
        for j in range(k_n):
            dj, aj, bj = delta[j], a_self[j], a_nb[j]
            g_s = 0.0
            g_n = 0.0
            g_d = 0.0
            sv = 0.0
            dv = 0.0
            for t in range(t0 + m):
                if t >= t0:
                    rv = r[k, t - t0]
                    rwv = rw[t - t0]
                    g_s += rv * sv
                    g_n += rwv * sv
                    g_d += (aj * rv + bj * rwv) * dv
                x = counts[k, t]
                dv = (sv - x) + dj * dv
                sv = (1.0 - dj) * x + dj * sv
            g[0, j] += g_s
            g[1, j] += g_n
            g[2, j] += g_d
    # element by element: a whole-array assignment costs seconds of compile time here
    for a in range(3):
        for j in range(k_n):
            out[a, j] = g[a, j]
