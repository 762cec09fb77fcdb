"""Honest rolling-origin backtest of the candidates, the chosen model and the baselines.

1. **Rolling one-step-ahead predictions.** Every method is fitted on all months before an
   origin and predicts the months up to the next origin (its refit cadence,
   ``settings.refit_months``; warm starts in between); the counts before each predicted month
   are the observed ones. Nothing is held out and thrown away: every fit uses the whole past.
2. **Choice on the past only.** The candidates start ``validation_months`` months before the
   first backtest month. For each backtest month the *model* is the candidate with the best
   mean score (``settings.model_selection_metric``) over the previous ``validation_months``
   one-step-ahead predictions — the same rule that chooses the model of the forecast.
3. **Scores** per method over the backtest months (:mod:`kewaspadaan.forecast.metrics`): Brier
   and log loss of P(≥ 1), AUPR, CRPS of the counts, hit rate and equal-area PAI; month-bootstrap
   95 % intervals and paired differences of the model against every baseline.
4. On the demonstration province, :meth:`Backtest.skill` scores the generator's true intensity
   too and gives the share of the gap between the historical mean and the truth that each
   method closes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError
from kewaspadaan.forecast.baselines import BASELINES, baseline_methods
from kewaspadaan.forecast.metrics import (
    brier,
    crps_counts,
    equal_area_pai,
    log_loss,
    month_bootstrap,
)

__all__ = [
    "CANDIDATES",
    "METHODS",
    "Backtest",
    "RollingPredictions",
    "backtest",
    "candidate_methods",
    "choose_candidates",
    "rolling_predictions",
    "validation_predictions",
]

logger = logging.getLogger(__name__)

#: Candidate count models.
CANDIDATES: tuple[str, ...] = ("hawkes", "glm", "gbm", "ewma")
#: Rows of the backtest table: the chosen model, the candidates, then the other baselines.
METHODS: tuple[str, ...] = ("model", *CANDIDATES, *(b for b in BASELINES if b not in CANDIDATES))
#: Additive scores (mean over unit-months), lower is better.
LOSSES: tuple[str, ...] = ("brier", "log_loss", "crps")


def candidate_methods(names: Iterable[str] | None = None) -> dict[str, Any]:
    """Candidate method objects by name (default ``settings.model_candidates``)."""
    from kewaspadaan.forecast.ewma import EwmaMethod
    from kewaspadaan.forecast.gbm import GbmMethod
    from kewaspadaan.forecast.glm import GlmMethod
    from kewaspadaan.forecast.hawkes import HawkesMethod

    known = {"hawkes": HawkesMethod, "glm": GlmMethod, "gbm": GbmMethod, "ewma": EwmaMethod}
    names = list(settings.model_candidates if names is None else names)
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise ValidationError(
            "model_candidates", [f"unknown candidate(s) {bad}; choose from {sorted(known)}"]
        )
    return {n: known[n]() for n in names}


@dataclass
class RollingPredictions:
    """One-step-ahead predictions of a run of months by each method.

    ``lam``/``prob``: method → (units, months); ``size``: method → (months,) NB size (NaN =
    Poisson); ``fits``: method → the last fit (warm start of the next); ``log``: every refit.
    """

    months: np.ndarray
    lam: dict[str, np.ndarray] = field(default_factory=dict)
    prob: dict[str, np.ndarray] = field(default_factory=dict)
    size: dict[str, np.ndarray] = field(default_factory=dict)
    fits: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    tail: RollingPredictions | None = None

    def then(self, later: RollingPredictions) -> RollingPredictions:
        """These months followed by ``later``'s (consecutive); ``tail`` is ``later``."""
        out = RollingPredictions(np.concatenate([self.months, later.months]), tail=later)
        for name in later.lam:
            out.lam[name] = np.concatenate([self.lam[name], later.lam[name]], axis=1)
            out.prob[name] = np.concatenate([self.prob[name], later.prob[name]], axis=1)
            out.size[name] = np.concatenate([self.size[name], later.size[name]])
        out.fits = dict(later.fits)
        out.log = [*self.log, *later.log]
        return out


def _cadence(name: str, refit_every: int | None) -> int:
    if refit_every is not None:
        return max(1, int(refit_every))
    return max(1, int(settings.refit_months.get(name, 1)))


def rolling_predictions(
    panel: Any,
    methods: dict[str, Any],
    months: np.ndarray,
    *,
    refit_every: int | None = None,
    warm: dict[str, Any] | None = None,
    seed: int = 0,
    progress: bool = False,
) -> RollingPredictions:
    """Fit every method at its origins and predict ``months`` (consecutive) one step ahead.

    Parameters
    ----------
    panel : CountPanel
        All observed months (``months`` must be ≤ ``panel.n_months``).
    methods : dict
        Name → method object (``fit(panel, t_end, warm=, seed=)``).
    months : numpy.ndarray
        Consecutive month numbers to predict.
    refit_every : int, optional
        Refit cadence of every method; default per method from ``settings.refit_months``.
    warm : dict, optional
        Name → a fit to start the first refit from.
    seed : int, default 0
        Seed of the stochastic fits.
    progress : bool, default False
        tqdm bar over the methods.
    """
    months = np.asarray(months, dtype=np.int64)
    out = RollingPredictions(months)
    n, m = panel.n_units, len(months)
    items: Iterable[tuple[str, Any]] = methods.items()
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(list(items), desc="backtest", unit="metode")
    for name, method in items:
        lam, prob, size = np.empty((n, m)), np.empty((n, m)), np.full(m, np.nan)
        fit = (warm or {}).get(name)
        k = _cadence(name, refit_every)
        for start in range(0, m, k):
            origin = int(months[start])
            fit = method.fit(panel, origin, warm=fit, seed=seed)
            block = months[start : start + k]
            pred = fit.predict(panel, block)
            lam[:, start : start + len(block)] = pred.lam
            prob[:, start : start + len(block)] = pred.prob
            size[start : start + len(block)] = np.nan if pred.size is None else pred.size
            out.log.append({"metode": name, "asal": origin, **_short(fit.summary())})
        out.lam[name], out.prob[name], out.size[name] = lam, prob, size
        out.fits[name] = fit
    return out


def validation_predictions(
    panel: Any, methods: dict[str, Any], window: int, *, seed: int = 0, progress: bool = False
) -> RollingPredictions:
    """One-step-ahead predictions of the last ``window`` months, every method started cold.

    This is what chooses the forecast model (:func:`~kewaspadaan.forecast.fit_forecast_model`)
    and the last stretch of the backtest's rolling predictions: computed once when both run,
    the same whether or not the backtest ran.
    """
    big_t = panel.n_months
    return rolling_predictions(
        panel, methods, np.arange(big_t - window, big_t), seed=seed, progress=progress
    )


def _backtest_rolling(
    panel: Any,
    methods: dict[str, Any],
    first: int,
    window: int,
    refit_every: int | None,
    seed: int,
    progress: bool,
) -> RollingPredictions:
    """Rolling predictions of months ``first .. T − 1``: the months before the last ``window``
    as one warm-started chain, then the validation months of the forecast started cold
    (:func:`validation_predictions`; with ``refit_every`` at that cadence instead)."""
    big_t = panel.n_months

    def head() -> RollingPredictions:
        return rolling_predictions(
            panel,
            methods,
            np.arange(first, big_t - window),
            refit_every=refit_every,
            seed=seed,
            progress=progress,
        )

    def tail() -> RollingPredictions:
        if refit_every is None:
            return validation_predictions(panel, methods, window, seed=seed)
        return rolling_predictions(
            panel, methods, np.arange(big_t - window, big_t), refit_every=refit_every, seed=seed
        )

    if int(settings.backtest_threads) < 2 or first >= big_t - window:
        return head().then(tail())
    # the two chains start cold and share nothing but the panel: one runs in a second thread
    # (the compiled likelihoods, BLAS and the boosting release the GIL), the same numbers
    from kewaspadaan._beside import beside

    panel.season(np.arange(big_t))  # the calendar table, built once before the threads
    earlier, later = beside(tail, head, name="kewaspadaan-backtest", fork=False)
    return earlier.then(later)


def _short(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if not isinstance(v, dict)}


def _cell_scores(
    panel: Any, rp: RollingPredictions, names: Iterable[str]
) -> dict[str, dict[str, np.ndarray]]:
    """Per method: brier, log_loss and crps per cell (units, months)."""
    counts = panel.counts[:, rp.months]
    y = counts > 0
    out: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        lam, prob, size = rp.lam[name], rp.prob[name], rp.size[name]
        crps = np.empty_like(lam)
        for j in range(len(rp.months)):
            sz = None if np.isnan(size[j]) else float(size[j])
            crps[:, j] = crps_counts(counts[:, j], lam[:, j], sz)
        out[name] = {"brier": brier(y, prob), "log_loss": log_loss(y, prob), "crps": crps}
    return out


def choose_candidates(
    scores: dict[str, dict[str, np.ndarray]],
    names: list[str],
    *,
    window: int,
    metric: str,
    fixed: str | None = None,
    expanding: bool | None = None,
) -> np.ndarray:
    """Index into ``names`` of the chosen candidate for every month after the first ``window``.

    Month ``i`` (≥ ``window``) gets the candidate with the lowest mean ``metric`` over the
    months ``i − window … i − 1`` (``expanding=False``) or over every scored month before ``i``
    (``expanding=True``, default ``settings.validation_window == "expanding"``: the first
    ``window`` months and all backtest months since — a steadier choice). The returned array
    has one entry per month from ``window`` on and one more: the choice after the last month.
    """
    if expanding is None:
        expanding = settings.validation_window == "expanding"
    if fixed is not None:
        m = next(iter(scores.values()))[metric].shape[1]
        return np.full(m - window + 1, names.index(fixed))
    monthly = np.stack([scores[n][metric].mean(axis=0) for n in names])  # candidates × months
    cum = np.concatenate([np.zeros((len(names), 1)), np.cumsum(monthly, axis=1)], axis=1)
    m = monthly.shape[1]
    ends = np.arange(window, m + 1)
    win = cum[:, ends] - (0.0 if expanding else cum[:, ends - window])
    return np.argmin(win, axis=0)


@dataclass
class Backtest:
    """Rolling-origin backtest result.

    Attributes
    ----------
    predictions : DataFrame
        One row per unit-month predicted (MultiIndex unit, ``bulan``): ``y``, ``n_events`` and
        P(≥ 1) of every method (column = method name).
    expected : DataFrame
        The same rows: expected events of every method.
    metrics : DataFrame
        One row per method (:data:`METHODS`): ``brier``, ``log_loss``, ``aupr``, ``crps``,
        ``hit_<k>``/``pai_<k>`` (equal-area, k = % of the area), and ``<loss>_lo``/``_hi``
        95 % month-bootstrap intervals.
    paired : DataFrame
        Model minus each baseline (rows ``<baseline>``, columns ``<loss>_diff``, ``_lo``,
        ``_hi``, ``_p``; p = bootstrap share of months-resamples where the model is not
        better).
    monthly : DataFrame
        Brier per month and method.
    chosen : pandas.Series
        Candidate used as the model in each backtest month.
    models : list of dict
        Every refit: method, origin, headline parameters.
    settings : dict
        Months, cadences, metric, window.
    """

    predictions: pd.DataFrame
    expected: pd.DataFrame
    metrics: pd.DataFrame
    paired: pd.DataFrame
    monthly: pd.DataFrame
    chosen: pd.Series
    models: list[dict[str, Any]]
    settings: dict[str, Any]
    codes: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    rolling: RollingPredictions | None = None
    validation_scores: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    validation: RollingPredictions | None = None

    @property
    def baselines(self) -> list[str]:
        """Baselines in the table."""
        return [b for b in BASELINES if b in self.metrics.index]

    def to_frame(self) -> pd.DataFrame:
        """Metrics table (methods × metrics) with the method as a column ``metode``."""
        return self.metrics.rename_axis("metode").reset_index()

    def beats_baselines(self, metric: str) -> bool:
        """Whether the model is strictly better than every baseline on ``metric``."""
        mt = self.metrics
        higher = metric == "aupr" or metric.startswith(("hit", "pai"))
        model = mt.loc["model", metric]
        others = mt.loc[self.baselines, metric]
        return bool((model > others).all() if higher else (model < others).all())

    def summary(self) -> dict[str, Any]:
        """Headline numbers: metrics per method, whether the model beats every baseline."""
        mt = self.metrics
        return {
            "months": self.settings["months"],
            "n_predictions": len(self.predictions),
            "event_rate": float(self.predictions["y"].mean()),
            "metrics": {m: {k: round(float(v), 4) for k, v in mt.loc[m].items()} for m in mt.index},
            "model_beats_baselines_brier": self.beats_baselines("brier"),
            "model_beats_baselines_log_loss": self.beats_baselines("log_loss"),
            "model_beats_baselines_crps": self.beats_baselines("crps"),
            "model_beats_baselines_aupr": self.beats_baselines("aupr"),
            "models": sorted(set(self.chosen)),
            "chosen_months": self.chosen.value_counts().to_dict(),
        }

    def skill(self, truth: pd.DataFrame) -> pd.DataFrame:
        """Scores of the true intensity and the gap each method closes (demo ground truth).

        Parameters
        ----------
        truth : DataFrame
            ``kode``, ``bulan`` (YYYY-MM), ``lambda_benar`` (expected events per unit-month).

        Returns
        -------
        DataFrame
            One row per method plus ``kebenaran`` (the truth as P = 1 − exp(−λ)): ``brier``,
            ``log_loss``, ``gap_brier`` = (Brier(rata_historis) − Brier(m)) /
            (Brier(rata_historis) − Brier(truth)), ``gap_log_loss`` likewise.
        """
        t = truth.copy()
        t["bulan"] = pd.PeriodIndex(t["bulan"].astype(str), freq="M").to_timestamp()
        lam = t.set_index(["kode", "bulan"])["lambda_benar"]
        units = self.predictions.index.get_level_values(0)
        months = self.predictions.index.get_level_values("bulan")
        key = pd.MultiIndex.from_arrays([self.codes.reindex(units).to_numpy(), months])
        true_lam = lam.reindex(key).to_numpy()
        if np.isnan(true_lam).any():
            raise ValidationError("truth", ["the truth does not cover every backtest unit-month"])
        y = self.predictions["y"].to_numpy()
        rows = {}
        for m in [*self.metrics.index, "kebenaran"]:
            p = -np.expm1(-true_lam) if m == "kebenaran" else self.predictions[m].to_numpy()
            rows[m] = {"brier": brier(y, p).mean(), "log_loss": log_loss(y, p).mean()}
        out = pd.DataFrame(rows).T
        for s in ("brier", "log_loss"):
            ref, best = out.loc["rata_historis", s], out.loc["kebenaran", s]
            out[f"gap_{s}"] = (ref - out[s]) / (ref - best)
        return out


def _flag_scores(
    panel: Any, lam: np.ndarray, months: np.ndarray, seed: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    counts = panel.counts[:, months]
    return {
        f"{round(s * 100)}": equal_area_pai(lam, counts, panel.area_km2, s, seed=seed)
        for s in settings.pai_area_shares
    }


def _metrics_table(
    panel: Any,
    months: np.ndarray,
    lam: dict[str, np.ndarray],
    prob: dict[str, np.ndarray],
    cells: dict[str, dict[str, np.ndarray]],
    *,
    seed: int,
    replicates: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = panel.counts[:, months]
    y = (counts > 0).ravel()
    names = list(lam)
    rows: dict[str, dict[str, float]] = {}
    hits: dict[str, dict[str, np.ndarray]] = {}
    for m in names:
        r = {s: float(cells[m][s].mean()) for s in LOSSES}
        r["aupr"] = float(average_precision_score(y, prob[m].ravel())) if y.any() else np.nan
        flags = _flag_scores(panel, lam[m], months, seed)
        hits[m] = {k: h for k, (h, _) in flags.items()}
        events = next(iter(flags.values()))[1]
        for k, (h, _) in flags.items():
            rate = h.sum() / events.sum() if events.sum() > 0 else np.nan
            r[f"hit_{k}"] = rate
            r[f"pai_{k}"] = rate / (int(k) / 100.0)
        rows[m] = r
    metrics = pd.DataFrame(rows).T.loc[names]
    per_month_n = np.full(len(months), float(panel.n_units))
    paired = pd.DataFrame(index=[n for n in names if n in BASELINES])
    for s in LOSSES:
        sums = pd.DataFrame({m: cells[m][s].sum(axis=0) for m in names})
        ci, diff = month_bootstrap(
            sums, per_month_n, reference="model", replicates=replicates, seed=seed
        )
        metrics[f"{s}_lo"], metrics[f"{s}_hi"] = ci["lo"], ci["hi"]
        for c in ("diff", "lo", "hi", "p"):
            paired[f"{s}_{c}"] = diff[c].reindex(paired.index)
    return metrics, paired


def _check_length(panel: Any, n_months: int, window: int) -> None:
    need = n_months + window + 12
    if panel.n_months < need:
        raise ValidationError(
            "backtest",
            [
                f"{panel.n_months} months in the panel; {n_months} backtest months with "
                f"{window} validation months need at least {need} (shorten n_months)"
            ],
        )


def backtest(
    panel: Any,
    *,
    n_months: int | None = None,
    refit_every: int | None = None,
    candidates: Iterable[str] | None = None,
    model: str | None = None,
    metric: str | None = None,
    validation_months: int | None = None,
    bootstrap: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> Backtest:
    """Rolling-origin backtest over the last ``n_months`` months of ``panel`` (module docstring).

    Parameters
    ----------
    panel : CountPanel
        From :func:`~kewaspadaan.forecast.panel.build_count_panel`.
    n_months : int, optional
        Backtest months; default ``settings.backtest_months``.
    refit_every : int, optional
        One refit cadence for every method (default per method, ``settings.refit_months``).
    candidates : iterable of str, optional
        Default ``settings.model_candidates``.
    model : str, optional
        ``"auto"`` (choose on the past) or a candidate name; default ``settings.model_choice``.
    metric : str, optional
        Choice score; default ``settings.model_selection_metric``.
    validation_months : int, optional
        Window of the choice; default ``settings.validation_months``.
    bootstrap : int, optional
        Replicates; default ``settings.backtest_bootstrap``.
    seed : int, default 0
        Seed of the GBM, the tie-breaking and the bootstrap.
    progress : bool, default False
        Progress bar.

    Returns
    -------
    Backtest
    """
    n_months = int(settings.backtest_months if n_months is None else n_months)
    window = int(settings.validation_months if validation_months is None else validation_months)
    metric = metric or settings.model_selection_metric
    choice = model or settings.model_choice
    _check_length(panel, n_months, window)
    cands = candidate_methods(candidates)
    names = list(cands)
    if choice not in ("auto", *names):
        raise ValidationError("model_choice", [f"{choice!r} is not 'auto' or one of {names}"])
    big_t = panel.n_months
    test = np.arange(big_t - n_months, big_t)
    rp = _backtest_rolling(panel, cands, test[0] - window, window, refit_every, seed, progress)
    cells_all = _cell_scores(panel, rp, names)
    pick = choose_candidates(
        cells_all, names, window=window, metric=metric, fixed=None if choice == "auto" else choice
    )[:-1]
    base = {k: v for k, v in baseline_methods().items() if k not in cands}
    rb = rolling_predictions(panel, base, test, refit_every=refit_every, seed=seed)
    lam, prob, cells = _assemble(rp, rb, cells_all, pick, names, window, panel)
    replicates = int(settings.backtest_bootstrap if bootstrap is None else bootstrap)
    metrics, paired = _metrics_table(
        panel, test, lam, prob, cells, seed=seed, replicates=replicates
    )
    months_ts = panel.months[test]
    chosen = pd.Series(np.asarray(names)[pick], index=months_ts, name="model")
    result = Backtest(
        predictions=_long(panel, test, prob, with_target=True),
        expected=_long(panel, test, lam, with_target=False),
        metrics=metrics,
        paired=paired,
        monthly=pd.DataFrame(
            {m: cells[m]["brier"].mean(axis=0) for m in lam}, index=months_ts
        ).add_prefix("brier_"),
        chosen=chosen,
        models=rp.log + rb.log,
        settings={
            "months": [f"{months_ts[0]:%Y-%m}", f"{months_ts[-1]:%Y-%m}"],
            "validation_months": window,
            "metric": metric,
            "model": choice,
            "refit_every": refit_every,
            "refit_months": {n: _cadence(n, refit_every) for n in [*names, *base]},
            "bootstrap": replicates,
        },
        codes=pd.Series(panel.codes, index=panel.index, name="kode"),
        rolling=rp,
        validation_scores=cells_all,
        validation=rp.tail if refit_every is None else None,
    )
    logger.info(
        "backtest %s..%s: Brier model %.4f (%s), best baseline %.4f",
        *result.settings["months"],
        metrics.loc["model", "brier"],
        ", ".join(f"{k} {v}" for k, v in chosen.value_counts().items()),
        metrics.loc[result.baselines, "brier"].min(),
    )
    return result


def _assemble(
    rp: RollingPredictions,
    rb: RollingPredictions,
    cells_all: dict[str, dict[str, np.ndarray]],
    pick: np.ndarray,
    names: list[str],
    window: int,
    panel: Any,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Backtest-month arrays of the model (chosen per month), candidates and baselines."""
    sl = slice(window, None)
    cols = np.arange(len(pick))
    lam = {"model": np.stack([rp.lam[n][:, sl] for n in names])[pick, :, cols].T}
    prob = {"model": np.stack([rp.prob[n][:, sl] for n in names])[pick, :, cols].T}
    cells = {
        "model": {
            s: np.stack([cells_all[n][s][:, sl] for n in names])[pick, :, cols].T for s in LOSSES
        }
    }
    for n in names:
        lam[n], prob[n] = rp.lam[n][:, sl], rp.prob[n][:, sl]
        cells[n] = {s: cells_all[n][s][:, sl] for s in LOSSES}
    cells.update(_cell_scores(panel, rb, list(rb.lam)))
    for n in rb.lam:
        lam[n], prob[n] = rb.lam[n], rb.prob[n]
    order = [m for m in METHODS if m in lam]
    return {m: lam[m] for m in order}, {m: prob[m] for m in order}, cells


def _long(
    panel: Any, months: np.ndarray, values: dict[str, np.ndarray], *, with_target: bool
) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product(
        [panel.index, panel.months[months]], names=[panel.index.name or "unit", "bulan"]
    )
    data: dict[str, np.ndarray] = {}
    if with_target:
        counts = panel.counts[:, months]
        data["y"] = (counts > 0).astype(np.int8).ravel()
        data["n_events"] = counts.ravel()
    for m, v in values.items():
        data[m] = v.ravel()
    return pd.DataFrame(data, index=idx)
