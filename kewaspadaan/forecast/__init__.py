"""Event forecasts per unit and month: count models chosen on the past, honest backtest.

One module per concern:

- :mod:`~kewaspadaan.forecast.calendar` — the election calendar (data file) and seasons;
- :mod:`~kewaspadaan.forecast.panel` — the monthly count panel (units × months, numpy);
- candidates :mod:`~kewaspadaan.forecast.hawkes` (self-exciting), :mod:`~kewaspadaan.forecast.glm`
  (negative binomial on lags), :mod:`~kewaspadaan.forecast.gbm` (Poisson boosting),
  :mod:`~kewaspadaan.forecast.ewma` (tuned EWMA), on the features of
  :mod:`~kewaspadaan.forecast.lags`;
- :mod:`~kewaspadaan.forecast.baselines` — what the model must beat;
- :mod:`~kewaspadaan.forecast.metrics` — Brier, log loss, CRPS of counts, equal-area PAI,
  month bootstrap;
- :mod:`~kewaspadaan.forecast.backtest` — rolling-origin backtest and choice of the model;
- :mod:`~kewaspadaan.forecast.simulate` — the chosen model's forecast to voting day, per unit
  and aggregated;
- :mod:`~kewaspadaan.forecast.hotspots` — emerging hot spots (Gi* per month, Mann–Kendall).
"""

from kewaspadaan.forecast.backtest import CANDIDATES, METHODS, Backtest, backtest
from kewaspadaan.forecast.baselines import BASELINES
from kewaspadaan.forecast.calendar import calendar_features, load_calendar, season_index
from kewaspadaan.forecast.panel import CountPanel, build_count_panel
from kewaspadaan.forecast.simulate import (
    FORECAST_COLUMNS,
    Forecast,
    ModelChoice,
    fit_forecast_model,
    forecast_to_voting_day,
)

__all__ = [
    "BASELINES",
    "CANDIDATES",
    "FORECAST_COLUMNS",
    "METHODS",
    "Backtest",
    "CountPanel",
    "Forecast",
    "ModelChoice",
    "backtest",
    "build_count_panel",
    "calendar_features",
    "fit_forecast_model",
    "forecast_to_voting_day",
    "load_calendar",
    "season_index",
]
