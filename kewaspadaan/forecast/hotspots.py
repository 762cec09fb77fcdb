"""Emerging hot spots: Getis-Ord Gi* per time step and a Mann–Kendall trend test per unit.

Following the emerging hot spot analysis of space-time cubes (ArcGIS Pro; esda has none:
pysal/esda#221), for the last ``settings.hotspots["months"]`` months before the assessment date
grouped in steps of ``bin_months``:

1. the analytical Gi* z-score of every unit's events in every step
   (:func:`kewaspadaan.spatial.gi_star_z_panel`; star weights, self included); a unit is *hot*
   in a step when z ≥ the one-sided normal quantile of ``1 − alpha``;
2. the Mann–Kendall test of each unit's z-scores over the steps (tie-corrected variance,
   continuity correction, two-sided p);
3. the category (:data:`kewaspadaan.schema.HOTSPOT_TRENDS`), first rule that applies:

   ============  ============================================================================
   ``bukan``     never hot
   ``baru``      hot in the last step only
   ``menguat``   hot in ≥ ``persistent_share`` of the steps, the last included, and the z-scores
                 rise significantly (MK p ≤ ``trend_alpha``, S > 0)
   ``melemah``   hot in ≥ ``persistent_share`` of the steps and the z-scores fall
                 significantly, or not hot in the last step any more
   ``menetap``   hot in ≥ ``persistent_share`` of the steps, no significant trend
   ``sporadis``  hot in some steps, on and off
   ============  ============================================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kewaspadaan import settings
from kewaspadaan.schema import HOTSPOT_TRENDS

__all__ = ["emerging_hotspots", "mann_kendall"]


def mann_kendall(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mann–Kendall trend test of every row of ``x`` (units × time steps).

    Returns
    -------
    (S, z, p)
        The statistic ``S = Σ_{i<j} sign(x_j − x_i)``, its normal score with the tie-corrected
        variance ``(n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)) / 18`` and continuity correction,
        and the two-sided p-value (1 where the variance is 0).
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[1]
    diff = x[:, None, :] - x[:, :, None]  # [k, i, j] = x_j - x_i
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    s = np.sign(diff[:, upper]).sum(axis=1)
    # tie groups: each element's group size t_i; Σ_g f(t_g) = Σ_i f(t_i) / t_i
    t_i = (diff == 0).sum(axis=1).astype(float)
    ties = ((t_i - 1.0) * (2.0 * t_i + 5.0)).sum(axis=1)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
    p = np.where(var > 0, 2.0 * stats.norm.sf(np.abs(z)), 1.0)
    return s, z, p


def _bins(counts: np.ndarray, months: int, bin_months: int) -> np.ndarray:
    k = max(1, int(bin_months))
    steps = max(1, int(months) // k)
    use = counts[:, -steps * k :] if counts.shape[1] >= steps * k else counts
    usable = (use.shape[1] // k) * k
    use = use[:, use.shape[1] - usable :]
    return use.reshape(use.shape[0], -1, k).sum(axis=2)


def emerging_hotspots(
    counts: np.ndarray,
    star: Any,
    *,
    index: pd.Index | None = None,
    months: int | None = None,
    bin_months: int | None = None,
    alpha: float | None = None,
    trend_alpha: float | None = None,
    persistent_share: float | None = None,
) -> pd.DataFrame:
    """Emerging hot-spot category of every unit (see the module docstring).

    Parameters
    ----------
    counts : numpy.ndarray
        Events per unit and month, shape (units, months); the last column is the month before
        the assessment date.
    star : scipy.sparse.csr_matrix
        Gi* weights from :func:`kewaspadaan.spatial.star_matrix`.
    index : pandas.Index, optional
        Index of the result (the boundaries').
    months, bin_months, alpha, trend_alpha, persistent_share : optional
        Defaults in ``settings.hotspots``.

    Returns
    -------
    DataFrame
        ``tren_hotspot`` (:data:`~kewaspadaan.schema.HOTSPOT_TRENDS`), ``langkah_panas``
        (hot steps), ``langkah`` (steps), ``gi_z_terakhir`` (z of the last step), ``mk_z``,
        ``mk_p``.
    """
    from kewaspadaan.spatial import gi_star_z_panel

    o = settings.hotspots
    y = _bins(
        np.asarray(counts, dtype=float),
        int(o["months"] if months is None else months),
        int(o["bin_months"] if bin_months is None else bin_months),
    )
    z = gi_star_z_panel(y, star)
    crit = stats.norm.isf(float(o["alpha"] if alpha is None else alpha))
    hot = z >= crit
    _, mk_z, mk_p = mann_kendall(z)
    ta = float(o["trend_alpha"] if trend_alpha is None else trend_alpha)
    share = float(o["persistent_share"] if persistent_share is None else persistent_share)
    n_hot = hot.sum(axis=1)
    last = hot[:, -1]
    persistent = n_hot >= np.ceil(share * hot.shape[1])
    up, down = (mk_p <= ta) & (mk_z > 0), (mk_p <= ta) & (mk_z < 0)
    cat = np.select(
        [
            n_hot == 0,
            last & (n_hot == 1),
            persistent & last & up,
            persistent & (down | ~last),
            persistent,
        ],
        ["bukan", "baru", "menguat", "melemah", "menetap"],
        default="sporadis",
    )
    assert set(cat) <= set(HOTSPOT_TRENDS)
    return pd.DataFrame(
        {
            "tren_hotspot": cat,
            "langkah_panas": n_hot,
            "langkah": hot.shape[1],
            "gi_z_terakhir": z[:, -1],
            "mk_z": mk_z,
            "mk_p": mk_p,
        },
        index=index,
    )
