"""The chosen model and its forecast of every month up to voting day, per unit and aggregated.

:func:`fit_forecast_model` picks the candidate with the same rule as the backtest (best mean
score over the rolling validation months, nothing but the past) and refits it on every observed
month. :func:`forecast_to_voting_day` then simulates ``draws`` joint paths of the months from
the assessment month to the month of ``settings.voting_day``: each path draws every unit's
events of a month from the model given the path's own past (so triggering and spill-over
compound), which gives per unit and month

- ``ekspektasi`` — expected events (mean of the paths' intensities),
- ``prob_min1`` — P(≥ 1 event) (mean over paths of P(N ≥ 1 | path)),
- ``bawah80``/``atas80`` — the central ``settings.forecast_interval`` interval of the count,

and the same for kecamatan/kabupaten/province from the **sums of the same joint paths**: the
aggregate expectation is exactly the sum of its units', and its interval accounts for the
dependence between neighbours. The totals from the assessment date to voting day are summed
the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError
from kewaspadaan.forecast._base import count_probability, draw_counts

__all__ = [
    "FORECAST_COLUMNS",
    "Forecast",
    "ModelChoice",
    "fit_forecast_model",
    "forecast_to_voting_day",
    "unit_uncertainty",
]

logger = logging.getLogger(__name__)

#: Columns of :meth:`Forecast.to_frame` and :meth:`Forecast.aggregate`.
FORECAST_COLUMNS: tuple[str, ...] = (
    "kode",
    "bulan",
    "horizon_bulan",
    "ekspektasi",
    "prob_min1",
    "bawah80",
    "atas80",
)
#: Columns of :meth:`Forecast.totals`.
TOTAL_COLUMNS: tuple[str, ...] = (
    "kode",
    "ekspektasi_hingga_pemilu",
    "bawah80",
    "atas80",
    "prob_min1",
)


@dataclass
class ModelChoice:
    """The candidate chosen on the past and refitted on every observed month.

    Attributes
    ----------
    name : str
        Chosen candidate.
    fit : object
        Its fit on months ``[0, T)``.
    scores : dict
        Mean validation score of every candidate (the choice is the lowest).
    metric : str
        The score.
    months : tuple of str
        First and last validation month.
    """

    name: str
    fit: Any
    scores: dict[str, float]
    metric: str
    months: tuple[str, str]

    @property
    def kind(self) -> str:
        """The chosen candidate's name (kept for the former ``FittedModel.kind``)."""
        return self.name


def fit_forecast_model(
    panel: Any,
    *,
    candidates: Any = None,
    model: str | None = None,
    metric: str | None = None,
    validation_months: int | None = None,
    seed: int = 0,
    validation: Any = None,
) -> ModelChoice:
    """Choose the candidate on the past and fit it on all of ``panel``.

    Every candidate predicts each of the last ``validation_months`` months one step ahead
    (fitted cold at the first of them on all earlier months, then refitted at its cadence
    ``settings.refit_months``, warm-started;
    :func:`~kewaspadaan.forecast.backtest.validation_predictions`); the one with the lowest mean
    ``metric`` is refitted on every month, starting from its last validation fit — the same
    kind of refit the backtest measures. With a fixed ``model`` it is fitted from a cold start.

    ``validation`` is those predictions when already made (``Backtest.validation``: the
    backtest makes them as its last months); they are the same computation, so the result
    does not depend on whether a backtest was run.
    """
    from kewaspadaan.forecast.backtest import (
        LOSSES,
        _cell_scores,
        candidate_methods,
        choose_candidates,
        validation_predictions,
    )

    metric = metric or settings.model_selection_metric
    if metric not in LOSSES:
        raise ValidationError("model_selection_metric", [f"{metric!r} is not one of {LOSSES}"])
    choice = model or settings.model_choice
    cands = candidate_methods(candidates)
    names = list(cands)
    if choice != "auto" and choice not in names:
        raise ValidationError("model_choice", [f"{choice!r} is not 'auto' or one of {names}"])
    big_t = panel.n_months
    window = int(settings.validation_months if validation_months is None else validation_months)
    window = max(1, min(window, big_t - 12))
    warm = None
    if choice == "auto":
        rp = validation
        if rp is None or not _same_validation(rp, names, big_t, window):
            rp = validation_predictions(panel, cands, window, seed=seed)
        cells = _cell_scores(panel, rp, names)
        pick = int(choose_candidates(cells, names, window=window, metric=metric)[-1])
        scores = {n: float(cells[n][metric].mean()) for n in names}
        warm = rp.fits.get(names[pick])
    else:
        pick, scores = names.index(choice), {}
    name = names[pick]
    fit = cands[name].fit(panel, big_t, warm=warm, seed=seed)
    months = panel.months[big_t - window :]
    logger.info(
        "forecast model: %s (mean %s %s)", name, metric, {k: round(v, 4) for k, v in scores.items()}
    )
    return ModelChoice(name, fit, scores, metric, (f"{months[0]:%Y-%m}", f"{months[-1]:%Y-%m}"))


def _same_validation(rp: Any, names: list[str], big_t: int, window: int) -> bool:
    """Whether ``rp`` holds the validation months of ``names`` for a panel of ``big_t``."""
    months = np.asarray(rp.months)
    return (
        set(names) <= set(rp.lam)
        and len(months) == window
        and window > 0
        and int(months[0]) == big_t - window
        and int(months[-1]) == big_t - 1
    )


@dataclass
class Forecast:
    """Monthly forecast up to voting day, per unit and aggregated (see the module docstring).

    Attributes
    ----------
    units : DataFrame
        :data:`FORECAST_COLUMNS`, one row per unit × month.
    groups : dict
        Level → the same columns per parent unit (``kode`` = parent code).
    unit_totals : DataFrame
        :data:`TOTAL_COLUMNS` per unit (events from the assessment month to voting day).
    group_totals : dict
        Level → the same per parent unit.
    model : str
        Candidate simulated.
    as_of, voting_day : Timestamp
        First month forecast; voting day (its month is the last).
    draws : int
        Joint paths.
    interval : float
        Coverage of ``bawah80``/``atas80``.
    """

    units: pd.DataFrame
    groups: dict[str, pd.DataFrame]
    unit_totals: pd.DataFrame
    group_totals: dict[str, pd.DataFrame]
    model: str
    as_of: pd.Timestamp
    voting_day: pd.Timestamp
    draws: int
    interval: float
    notes: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit × month (:data:`FORECAST_COLUMNS`)."""
        return self.units.copy()

    def aggregate(self, level: str) -> pd.DataFrame:
        """One row per parent unit of ``level`` × month, from the joint paths.

        Parameters
        ----------
        level : {"kecamatan", "kabupaten", "provinsi"}
            A level above the units (``kecamatan`` only when the units are desa).
        """
        if level not in self.groups:
            raise ValidationError(
                "Forecast.aggregate",
                [f"level {level!r} not available; choose one of {sorted(self.groups)}"],
            )
        return self.groups[level].copy()

    def totals(self, level: str | None = None) -> pd.DataFrame:
        """Events from the assessment month to voting day (:data:`TOTAL_COLUMNS`)."""
        if level is None:
            return self.unit_totals.copy()
        if level not in self.group_totals:
            raise ValidationError(
                "Forecast.totals", [f"level {level!r} not available: {sorted(self.group_totals)}"]
            )
        return self.group_totals[level].copy()

    def month(self, horizon: int = 1) -> pd.DataFrame:
        """The unit rows of one horizon (1 = the month from the assessment date)."""
        u = self.units
        return u[u["horizon_bulan"] == horizon].reset_index(drop=True)


def _horizon(first: pd.Timestamp, voting_day: pd.Timestamp) -> int:
    vm = voting_day.to_period("M")
    return max(1, (vm - first.to_period("M")).n + 1)


def _summaries(
    lam: np.ndarray, n: np.ndarray, size: float | None, q: tuple[float, float]
) -> np.ndarray:
    """Per column: expected, P(≥ 1), lower, upper — shape (4, columns)."""
    lo, hi = np.quantile(n, q, axis=0, method="inverted_cdf")
    prob = count_probability(lam, size).mean(axis=0)
    return np.vstack([lam.mean(axis=0), prob, lo, hi])


def _group_prob(lam: np.ndarray, member: sparse.csr_matrix, size: float | None) -> np.ndarray:
    """P(group sum ≥ 1 | path) averaged over paths (units independent given the path)."""
    if size is None or not np.isfinite(size):
        log_p0 = -(lam @ member)
    else:
        log_p0 = -size * (np.log1p(lam / size) @ member)
    return (-np.expm1(log_p0)).mean(axis=0)


def forecast_to_voting_day(
    choice: ModelChoice,
    panel: Any,
    *,
    voting_day: str | pd.Timestamp | None = None,
    draws: int | None = None,
    interval: float | None = None,
    seed: int = 0,
) -> Forecast:
    """Simulate the chosen model from the assessment month to the voting month.

    Parameters
    ----------
    choice : ModelChoice
        From :func:`fit_forecast_model` (fitted on all of ``panel``).
    panel : CountPanel
        The observed months; the first forecast month is the one after them.
    voting_day : str or Timestamp, optional
        Default ``settings.voting_day``.
    draws : int, optional
        Joint paths; default ``settings.forecast_draws``, capped (at no fewer than 50) so
        that paths × units × months ≤ ``settings.forecast_max_cells``.
    interval : float, optional
        Central coverage of the count interval; default ``settings.forecast_interval``.
    seed : int, default 0
        Seed of the paths.

    Returns
    -------
    Forecast
    """
    day = pd.Timestamp(settings.voting_day if voting_day is None else voting_day)
    first = panel.month_starts([panel.n_months])[0]
    horizon = _horizon(first, day)
    notes = {}
    if day < first:
        notes["voting_day"] = f"voting day {day.date()} is before {first:%Y-%m}: one month forecast"
    n_draws = int(settings.forecast_draws if draws is None else draws)
    cap = max(50, int(settings.forecast_max_cells) // max(panel.n_units * horizon, 1))
    if n_draws > cap:
        notes["draws"] = (
            f"{n_draws} paths capped at {cap} ({panel.n_units} units x {horizon} months)"
        )
        n_draws = cap
    cover = float(settings.forecast_interval if interval is None else interval)
    q = ((1 - cover) / 2, 1 - (1 - cover) / 2)
    rng = np.random.default_rng(seed)
    sim = choice.fit.simulator(panel, n_draws, horizon)
    members = {
        level: _membership(codes)
        for level, codes in panel.groups.items()
        if len(set(codes)) < panel.n_units
    }
    unit_rows: list[np.ndarray] = []
    group_rows: dict[str, list[np.ndarray]] = {lv: [] for lv in members}
    tot_lam = np.zeros((n_draws, panel.n_units))
    tot_n = np.zeros((n_draws, panel.n_units))
    log_p0 = np.zeros((n_draws, panel.n_units))
    for h in range(horizon):
        t = panel.n_months + h
        lam = np.maximum(sim.intensity(t), 0.0)
        n = draw_counts(lam, sim.size, rng)
        sim.update(t, n)
        unit_rows.append(_summaries(lam, n, sim.size, q))
        for lv, (m, _) in members.items():
            g = _summaries(lam @ m, n @ m, None, q)
            g[1] = _group_prob(lam, m, sim.size)
            group_rows[lv].append(g)
        tot_lam += lam
        tot_n += n
        log_p0 += np.log1p(-np.minimum(count_probability(lam, sim.size), 1 - 1e-15))
    months = panel.month_starts(np.arange(panel.n_months, panel.n_months + horizon))
    units = _frame(panel.codes, months, unit_rows)
    groups = {lv: _frame(members[lv][1], months, rows) for lv, rows in group_rows.items()}
    unit_totals = _totals(panel.codes, tot_lam, tot_n, -np.expm1(log_p0).mean(axis=0), q)
    group_totals = {
        lv: _totals(codes, tot_lam @ m, tot_n @ m, -np.expm1(log_p0 @ m).mean(axis=0), q)
        for lv, (m, codes) in members.items()
    }
    logger.info(
        "forecast %s..%s (%d months, %d paths, model %s): %.1f expected events",
        f"{months[0]:%Y-%m}",
        f"{months[-1]:%Y-%m}",
        horizon,
        n_draws,
        choice.name,
        float(tot_lam.mean(axis=0).sum()),
    )
    return Forecast(
        units, groups, unit_totals, group_totals, choice.name, first, day, n_draws, cover, notes
    )


def _membership(codes: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    uniq, inv = np.unique(np.asarray(codes).astype(str), return_inverse=True)
    m = sparse.csr_matrix(
        (np.ones(len(inv)), (np.arange(len(inv)), inv)), shape=(len(inv), len(uniq))
    )
    return m, uniq


def _frame(codes: np.ndarray, months: pd.DatetimeIndex, rows: list[np.ndarray]) -> pd.DataFrame:
    """Stack per-month (4, units) summaries into the long :data:`FORECAST_COLUMNS` table."""
    arr = np.stack(rows)  # months × 4 × units
    h, _, n = arr.shape
    return pd.DataFrame(
        {
            "kode": np.tile(np.asarray(codes, dtype=object), h),
            "bulan": np.repeat(months.strftime("%Y-%m").to_numpy(dtype=object), n),
            "horizon_bulan": np.repeat(np.arange(1, h + 1), n),
            "ekspektasi": arr[:, 0, :].ravel(),
            "prob_min1": arr[:, 1, :].ravel(),
            "bawah80": arr[:, 2, :].ravel(),
            "atas80": arr[:, 3, :].ravel(),
        },
        columns=list(FORECAST_COLUMNS),
    )


def _totals(
    codes: np.ndarray, lam: np.ndarray, n: np.ndarray, prob: np.ndarray, q: tuple[float, float]
) -> pd.DataFrame:
    lo, hi = np.quantile(n, q, axis=0, method="inverted_cdf")
    return pd.DataFrame(
        {
            "kode": np.asarray(codes, dtype=object),
            "ekspektasi_hingga_pemilu": lam.mean(axis=0),
            "bawah80": lo,
            "atas80": hi,
            "prob_min1": prob,
        },
        columns=list(TOTAL_COLUMNS),
    )


def unit_uncertainty(choice: ModelChoice, panel: Any) -> tuple[np.ndarray, np.ndarray]:
    """How uncertain each unit's expected count is: (sd of log background, background share).

    Hawkes: the Laplace posterior sd of the unit effect and the share of the next month's λ
    that is background (triggering is known from the observed events). Other candidates: the
    Poisson uncertainty of a rate estimated from the unit's own events, ``1 / √(n_k + 1)`` with
    ``n_k`` the events of its last 24 months, applied to the whole λ.
    """
    fit = choice.fit
    if hasattr(fit, "unit_effect_sd_posterior"):
        comp = fit.components(panel, np.array([panel.n_months]))
        total = comp["background"] + comp["self"] + comp["neighbours"]
        share = np.divide(comp["background"], total, out=np.ones_like(total), where=total > 0)
        return fit.unit_effect_sd_posterior(panel), share[:, 0]
    recent = panel.counts[:, -24:].sum(axis=1)
    return 1.0 / np.sqrt(recent + 1.0), np.ones(panel.n_units)
