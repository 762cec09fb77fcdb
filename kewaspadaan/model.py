"""Predictive model of incident occurrence next month per unit, with a rolling-origin backtest.

**Panel** (:func:`build_panel`): one row per unit × month. Features are computed at the month
start from events strictly before it (history features of :mod:`kewaspadaan.features.history`),
plus calendar features (``election_season``: the month overlaps the 3 months before or the month
after a scheduled election in ``settings.election_dates``; ``months_to_election``) and static
features (geography, remoteness). Target ``y`` = at least one event during that month.

**Model** (:func:`fit_model`): ``"hgb"`` (:class:`~sklearn.ensemble.HistGradientBoostingClassifier`)
or ``"logit"`` (signed log1p → standardise → cubic splines → logistic regression). The most recent
``settings.calibration_months`` months of the training window are held out: with ``"auto"`` both
models are fitted on the earlier months and the one with the lower Brier score on the held-out
months is kept; its probabilities are then calibrated on those months
(:class:`~sklearn.calibration.CalibratedClassifierCV` around a
:class:`~sklearn.frozen.FrozenEstimator`, Platt ``"sigmoid"`` by default). Only the past is used.

**Backtest** (:func:`backtest`): rolling origin over the last ``n_months`` months — for each month
the model is (re)fitted on every earlier month (refit every ``refit_every`` months to keep it
fast) and predicts that month. Side by side with two baselines:

- *bulan_lalu* (last period carried forward): p = 1 − s if the unit had ≥ 1 event last month,
  else s, with s = ``settings.persistence_smoothing`` (0.05) so the baseline is a probability and
  not a hard 0/1 guess;
- *rata_historis* (historical mean): p = share of all earlier months with ≥ 1 event in the unit.

Metrics, pooled over all predicted unit-months: Brier score, AUPR
(:func:`~sklearn.metrics.average_precision_score`), and for the top 5 / 10 / 20 % of units flagged
each month, the **hit rate** (share of that month's events inside flagged units) and **PAI**
(predictive accuracy index = hit rate / area share of the flagged units). Ties in p are broken
by a seeded random order (fair to the baselines, whose p has many ties).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, SplineTransformer, StandardScaler

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError

__all__ = [
    "METHODS",
    "Backtest",
    "FittedModel",
    "backtest",
    "build_panel",
    "calendar_features",
    "fit_model",
    "model_features",
]

logger = logging.getLogger(__name__)

#: Forecast methods compared in the backtest: the model and the two baselines.
METHODS: tuple[str, ...] = ("model", "bulan_lalu", "rata_historis")
_NOT_FEATURES = {"n_events", "y", "hotspot", "gi_p"}


def calendar_features(
    months: Iterable[pd.Timestamp], *, election_dates: Iterable[str] | None = None
) -> pd.DataFrame:
    """Election-calendar features of monthly periods starting at ``months``.

    Parameters
    ----------
    months : iterable of Timestamp
        Period starts (a period is one calendar month from its start).
    election_dates : iterable of str, optional
        Default ``settings.election_dates``.

    Returns
    -------
    DataFrame
        ``election_season`` (0/1) and ``months_to_election`` (0–36; 36 = none scheduled), indexed
        by the period starts.
    """
    dates = sorted(
        pd.Timestamp(d)
        for d in (settings.election_dates if election_dates is None else election_dates)
    )
    rows = []
    for m in months:
        m = pd.Timestamp(m)
        end = m + pd.DateOffset(months=1)
        season = any(
            end > d - pd.DateOffset(months=3) and m <= d + pd.DateOffset(months=1) for d in dates
        )
        ahead = [(d - m).days / 30.436875 for d in dates if d >= m]
        rows.append((float(season), min(36.0, ahead[0]) if ahead else 36.0))
    return pd.DataFrame(
        rows,
        columns=["election_season", "months_to_election"],
        index=pd.DatetimeIndex(list(months)),
    )


def build_panel(
    incidents: pd.DataFrame,
    boundaries: Any,
    *,
    end: str | pd.Timestamp,
    start: str | pd.Timestamp | None = None,
    static: pd.DataFrame | None = None,
    weights: Any = None,
    half_life_days: float | None = None,
) -> pd.DataFrame:
    """Monthly unit × month panel of features and target (see the module docstring).

    Parameters
    ----------
    incidents : DataFrame
        Assigned incidents (``event_date``, ``event_type``, ``fatalities``, ``kode``).
    boundaries : GeoDataFrame
        Units with ``kode`` (and optional ``penduduk``).
    end : str or Timestamp
        Months whose start is before ``end`` and that end on or before it are included (fully
        observed months only).
    start : str or Timestamp, optional
        First month; default the month of the first incident.
    static : DataFrame, optional
        Time-invariant features on ``boundaries.index`` (geography, remoteness).
    weights : libpysal.weights.W, optional
        Spatial weights; default fuzzy contiguity.
    half_life_days : float, optional
        Decay half-life; default ``settings.decay_half_life_days``.

    Returns
    -------
    DataFrame
        MultiIndex (unit, ``bulan``); feature columns, ``n_events`` and ``y`` (0/1).
    """
    from kewaspadaan.features.history import history_panel

    end = pd.Timestamp(end)
    if start is None:
        if len(incidents) == 0:
            raise ValidationError("incidents", ["no incidents: a panel needs an event history"])
        start = pd.to_datetime(incidents["event_date"]).min()
    first = pd.Timestamp(start).to_period("M").to_timestamp()
    last = (
        end.to_period("M").to_timestamp() - pd.DateOffset(months=1)
        if end != end.to_period("M").to_timestamp()
        else end - pd.DateOffset(months=1)
    )
    months = pd.date_range(first, last, freq="MS")
    if len(months) < 3:
        raise ValidationError(
            "panel",
            [
                f"only {len(months)} complete month(s) between {first:%Y-%m} "
                f"and {end:%Y-%m-%d}; the model needs a longer history"
            ],
        )
    panel = history_panel(
        incidents, boundaries, months=months, weights=weights, half_life_days=half_life_days
    )
    panel = _add_static_and_calendar(panel, static)
    panel["y"] = (panel["n_events"] > 0).astype(np.int8)
    return panel


def _add_static_and_calendar(panel: pd.DataFrame, static: pd.DataFrame | None) -> pd.DataFrame:
    months = panel.index.get_level_values("bulan")
    cal = calendar_features(months.unique())
    panel = panel.join(cal, on="bulan")
    if static is not None and len(static.columns):
        units = panel.index.get_level_values(0)
        num = static.select_dtypes("number")
        vals = num.reindex(units).to_numpy(dtype=float)
        for j, c in enumerate(num.columns):
            if c not in panel.columns:
                panel[c] = vals[:, j]
    return panel


def model_features(panel: pd.DataFrame) -> list[str]:
    """Numeric feature columns of a panel (everything but the target and labels)."""
    return [
        c
        for c in panel.columns
        if c not in _NOT_FEATURES and pd.api.types.is_numeric_dtype(panel[c])
    ]


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def _estimator(kind: str, seed: int):
    if kind == "hgb":
        return HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=200,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
    if kind == "logit":
        return make_pipeline(
            FunctionTransformer(_signed_log1p),
            StandardScaler(),
            SplineTransformer(n_knots=4, degree=3, extrapolation="constant"),
            LogisticRegression(C=0.5, max_iter=3000),
        )
    raise ValueError(f"model must be 'hgb', 'logit' or 'auto', not {kind!r}")


@dataclass
class FittedModel:
    """A calibrated classifier and what it was fitted on."""

    estimator: Any
    kind: str
    features: list[str]
    train_months: tuple[str, str]
    calibration: str
    validation_brier: dict[str, float] = field(default_factory=dict)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of ≥ 1 event in the period, per row of ``frame``."""
        missing = [c for c in self.features if c not in frame.columns]
        if missing:
            raise ValidationError("predict", [f"feature columns missing: {missing}"])
        x = frame[self.features].to_numpy(dtype=float)
        return self.estimator.predict_proba(np.nan_to_num(x))[:, 1]


def fit_model(
    panel: pd.DataFrame,
    *,
    model: str | None = None,
    calibration: str | None = None,
    calibration_months: int | None = None,
    warmup_months: int = 12,
    seed: int = 0,
) -> FittedModel:
    """Fit (choose, calibrate) the model on every row of ``panel`` (all must be in the past).

    Parameters
    ----------
    panel : DataFrame
        From :func:`build_panel` (rows whose month is fully observed).
    model : {"auto", "hgb", "logit"}, optional
        Default ``settings.model_choice``.
    calibration : {"sigmoid", "isotonic"}, optional
        Default ``settings.calibration_method``.
    calibration_months : int, optional
        Most recent months held out for choice and calibration; default
        ``settings.calibration_months``.
    warmup_months : int, default 12
        First months of the panel left out of training (their history features are truncated).
    seed : int, default 0
        Random state of the gradient boosting.

    Returns
    -------
    FittedModel
    """
    kind = model or settings.model_choice
    method = calibration or settings.calibration_method
    n_cal = int(settings.calibration_months if calibration_months is None else calibration_months)
    months = panel.index.get_level_values("bulan")
    uniq = months.unique().sort_values()
    keep = months >= uniq[min(warmup_months, max(len(uniq) - n_cal - 3, 0))]
    data = panel[keep]
    feats = model_features(data)
    m = data.index.get_level_values("bulan")
    u = m.unique().sort_values()
    if len(u) < n_cal + 3:
        raise ValidationError(
            "fit_model",
            [f"{len(u)} training months; at least {n_cal + 3} needed (calibration_months={n_cal})"],
        )
    cal_mask = m >= u[-n_cal]
    x = np.nan_to_num(data[feats].to_numpy(dtype=float))
    y = data["y"].to_numpy()
    if y[~cal_mask].min() == y[~cal_mask].max() or y[cal_mask].min() == y[cal_mask].max():
        raise ValidationError(
            "fit_model",
            [
                "the target has a single class in the training or "
                "calibration months (no or only events)"
            ],
        )
    kinds = ["hgb", "logit"] if kind == "auto" else [kind]
    scores: dict[str, float] = {}
    fitted = {}
    for k in kinds:
        est = _estimator(k, seed).fit(x[~cal_mask], y[~cal_mask])
        fitted[k] = est
        scores[k] = float(brier_score_loss(y[cal_mask], est.predict_proba(x[cal_mask])[:, 1]))
    best = min(scores, key=lambda k: scores[k])
    calibrated = CalibratedClassifierCV(FrozenEstimator(fitted[best]), method=method)
    calibrated.fit(x[cal_mask], y[cal_mask])
    logger.debug(
        "model %s chosen (validation Brier %s), calibrated (%s) on %d months",
        best,
        {k: round(v, 4) for k, v in scores.items()},
        method,
        n_cal,
    )
    return FittedModel(calibrated, best, feats, (f"{u[0]:%Y-%m}", f"{u[-1]:%Y-%m}"), method, scores)


def _baselines(panel: pd.DataFrame, smoothing: float) -> pd.DataFrame:
    """p of the two baselines for every panel row, from earlier months only."""
    y = panel["y"].unstack("bulan").sort_index(axis=1)
    prev = y.shift(1, axis=1)
    persist = prev.map(lambda v: np.nan if pd.isna(v) else (1 - smoothing if v > 0 else smoothing))
    past_sum = y.cumsum(axis=1).shift(1, axis=1)
    past_n = pd.Series(np.arange(y.shape[1]), index=y.columns)
    hist = past_sum.div(past_n.replace(0, np.nan), axis=1)
    return pd.DataFrame(
        {
            "bulan_lalu": persist.stack(future_stack=True),
            "rata_historis": hist.stack(future_stack=True),
        }
    )


@dataclass
class Backtest:
    """Rolling-origin backtest result.

    Attributes
    ----------
    predictions : DataFrame
        One row per unit-month predicted: ``y``, ``n_events`` and the p of every method.
    metrics : DataFrame
        One row per method (:data:`METHODS`): ``brier``, ``aupr``, ``hit_<k>``/``pai_<k>`` for each
        top share (e.g. ``hit_10`` = top 10 %).
    monthly : DataFrame
        Brier per month and method.
    models : list of dict
        Each refit: month, chosen model, validation Brier.
    """

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    monthly: pd.DataFrame
    models: list[dict[str, Any]]
    settings: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """Metrics table (methods × metrics) with the method as a column ``metode``."""
        return self.metrics.rename_axis("metode").reset_index()

    def summary(self) -> dict[str, Any]:
        """Headline numbers: metrics per method and whether the model beats both baselines."""
        mt = self.metrics
        base = [m for m in METHODS if m != "model"]
        return {
            "months": self.settings["months"],
            "n_predictions": len(self.predictions),
            "event_rate": float(self.predictions["y"].mean()),
            "metrics": {m: {k: round(float(v), 4) for k, v in mt.loc[m].items()} for m in mt.index},
            "model_beats_baselines_brier": bool(
                all(mt.loc["model", "brier"] < mt.loc[b, "brier"] for b in base)
            ),
            "model_beats_baselines_aupr": bool(
                all(mt.loc["model", "aupr"] > mt.loc[b, "aupr"] for b in base)
            ),
            "models": sorted({d["model"] for d in self.models}),
        }


def _flag_metrics(
    pred: pd.DataFrame, method: str, shares: tuple[float, ...], area: pd.Series | None, seed: int
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    out: dict[str, float] = {}
    for share in shares:
        hit_num = hit_den = area_share_sum = 0.0
        n_months = 0
        for _, g in pred.groupby("bulan", sort=True):
            k = max(1, math.ceil(share * len(g)))
            tiebreak = rng.random(len(g))
            order = np.lexsort((tiebreak, -g[method].to_numpy()))[:k]
            units = g.index.get_level_values(0)
            flagged = np.zeros(len(g), dtype=bool)
            flagged[order] = True
            hit_num += float(g["n_events"].to_numpy()[flagged].sum())
            hit_den += float(g["n_events"].sum())
            if area is not None:
                a = area.reindex(units).to_numpy(dtype=float)
                area_share_sum += a[flagged].sum() / a.sum()
            else:
                area_share_sum += k / len(g)
            n_months += 1
        hit = hit_num / hit_den if hit_den > 0 else np.nan
        pct = round(share * 100)
        out[f"hit_{pct}"] = hit
        out[f"pai_{pct}"] = hit / (area_share_sum / n_months) if n_months else np.nan
    return out


def backtest(
    panel: pd.DataFrame,
    *,
    n_months: int | None = None,
    refit_every: int | None = None,
    model: str | None = None,
    top_shares: tuple[float, ...] = (0.05, 0.10, 0.20),
    area_km2: pd.Series | None = None,
    warmup_months: int = 12,
    seed: int = 0,
    progress: bool = False,
) -> Backtest:
    """Rolling-origin backtest of the model against the two baselines (module docstring).

    Parameters
    ----------
    panel : DataFrame
        From :func:`build_panel`.
    n_months : int, optional
        Final months predicted one at a time; default ``settings.backtest_months``.
    refit_every : int, optional
        Refit the model every this many months; default ``settings.backtest_refit_every``.
    model : {"auto", "hgb", "logit"}, optional
        Default ``settings.model_choice``.
    top_shares : tuple of float, default (0.05, 0.10, 0.20)
        Shares of units flagged for hit rate and PAI.
    area_km2 : pandas.Series, optional
        Area per unit (index = the panel's unit level) for PAI; default equal areas.
    warmup_months : int, default 12
        First panel months never used for training.
    seed : int, default 0
        Seed of the model and of the tie-breaking.
    progress : bool, default False
        Show a tqdm progress bar.

    Returns
    -------
    Backtest
    """
    n_months = int(settings.backtest_months if n_months is None else n_months)
    refit_every = max(1, int(settings.backtest_refit_every if refit_every is None else refit_every))
    months = panel.index.get_level_values("bulan")
    uniq = months.unique().sort_values()
    if len(uniq) < n_months + warmup_months + settings.calibration_months + 3:
        raise ValidationError(
            "backtest",
            [
                f"{len(uniq)} months in the panel; {n_months} backtest months need at least "
                f"{n_months + warmup_months + settings.calibration_months + 3} (shorten n_months)"
            ],
        )
    test_months = uniq[-n_months:]
    base = _baselines(panel, float(settings.persistence_smoothing))
    rows, fits = [], []
    fitted: FittedModel | None = None
    iterator: Iterable = test_months
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(test_months, desc="backtest", unit="bulan")
    for i, t in enumerate(iterator):
        if fitted is None or i % refit_every == 0:
            fitted = fit_model(
                panel[months < t], model=model, warmup_months=warmup_months, seed=seed
            )
            fits.append(
                {
                    "bulan": f"{t:%Y-%m}",
                    "model": fitted.kind,
                    **{f"brier_validasi_{k}": v for k, v in fitted.validation_brier.items()},
                }
            )
        cur = panel[months == t]
        pred = cur[["y", "n_events"]].copy()
        pred["model"] = fitted.predict_proba(cur)
        pred = pred.join(base)
        rows.append(pred)
    pred = pd.concat(rows)
    metrics = {}
    for meth in METHODS:
        p = pred[meth].to_numpy(dtype=float)
        metrics[meth] = {
            "brier": brier_score_loss(pred["y"], p),
            "aupr": average_precision_score(pred["y"], p),
            **_flag_metrics(pred, meth, top_shares, area_km2, seed),
        }
    metrics_df = pd.DataFrame(metrics).T.loc[list(METHODS)]
    err = pred[list(METHODS)].sub(pred["y"], axis=0) ** 2
    monthly = err.groupby(level="bulan").mean().add_prefix("brier_")
    logger.info(
        "backtest over %d months: Brier model %.4f / bulan_lalu %.4f / rata_historis %.4f",
        n_months,
        *metrics_df["brier"],
    )
    return Backtest(
        pred,
        metrics_df,
        monthly,
        fits,
        {
            "months": [f"{test_months[0]:%Y-%m}", f"{test_months[-1]:%Y-%m}"],
            "refit_every": refit_every,
            "model": model or settings.model_choice,
            "persistence_smoothing": settings.persistence_smoothing,
        },
    )
