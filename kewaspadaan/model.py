"""Former home of the predictive model; the forecast now lives in :mod:`kewaspadaan.forecast`.

Kept so that ``import kewaspadaan.model`` keeps working: it re-exports the public names of the
forecast package (the calibrated classifier of P(≥ 1) was replaced by count models chosen on
the past — see :mod:`kewaspadaan.forecast.backtest`).
"""

from kewaspadaan.forecast import (
    CANDIDATES,
    METHODS,
    Backtest,
    CountPanel,
    Forecast,
    ModelChoice,
    backtest,
    build_count_panel,
    calendar_features,
    fit_forecast_model,
    forecast_to_voting_day,
)

__all__ = [
    "CANDIDATES",
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
]
