"""Global settings of kewaspadaan, in one place (in the spirit of ``osmnx.settings``).

Every value here is a documented default. Functions take keyword arguments that win over these;
the CLI reads a TOML file (``--config``) whose tables override them (see :func:`load_toml`).
Change a value for the whole session with ``kewaspadaan.settings.<name> = ...``.

Units are in the names: ``_kmh`` km per hour, ``_h`` hours, ``_km`` kilometres, ``_m`` metres.
"""

from __future__ import annotations

import copy
import logging
import tomllib
from pathlib import Path
from typing import Any

__all__ = [
    "air_max_range_km",
    "alert_margin",
    "analysis_crs",
    "assign_max_distance_m",
    "backend",
    "backtest_bootstrap",
    "backtest_months",
    "backtest_refit_every",
    "class_basis",
    "class_breaks",
    "class_thresholds",
    "cluster_radius_px",
    "composite_weights",
    "data_dir",
    "deadline_days_before",
    "deadline_hour",
    "decay_half_life_days",
    "demo_seed",
    "departure_days_before",
    "election_calendar",
    "election_season_months",
    "escort_officers",
    "forecast_draws",
    "forecast_interval",
    "forecast_max_cells",
    "friction_speeds_kmh",
    "hawkes",
    "heatmap_bandwidth_m",
    "heatmap_max_pixels",
    "hotspots",
    "kotak_per_tps",
    "language",
    "load_toml",
    "map_class_colors",
    "map_coordinate_decimals",
    "map_simplify_tolerance_m",
    "model_candidates",
    "model_choice",
    "model_selection_metric",
    "network_access_max_km",
    "network_access_split_gain_m",
    "network_cost_rp_per_km",
    "network_snap_tolerance_m",
    "network_speeds_kmh",
    "output_dir",
    "pai_area_shares",
    "personnel_norm",
    "reliability_half_life_months",
    "reliability_weights",
    "remoteness_fallback",
    "risk_normalisation",
    "road_fallback",
    "score_friction_resolution_m",
    "sea_lane_detour_factor",
    "sea_lane_k",
    "sea_lane_max_km",
    "sensitivity_concentration",
    "sensitivity_draws",
    "snapshot",
    "threads",
    "transfer_cost_rp",
    "transfer_time_h",
    "unloading_time_h",
    "validation_months",
    "voting_day",
]

# --------------------------------------------------------------------------------------------
# General
# --------------------------------------------------------------------------------------------
#: Default folder of input data (the embedded demonstration province is generated here).
data_dir: Path = Path("data")
#: Default folder for outputs (tables, maps, reports).
output_dir: Path = Path("outputs")
#: Projected CRS used for every distance and area. ``None``: the UTM zone of the data is
#: estimated with ``GeoDataFrame.estimate_utm_crs()``. Kalimantan Timur: EPSG:32650 (UTM 50N).
analysis_crs: str | None = None
#: Seed of the generated demonstration province.
demo_seed: int = 2024
#: Language of maps and reports: ``"id"`` (Bahasa Indonesia) or ``"en"``.
language: str = "id"
#: Logging level of the ``kewaspadaan`` logger used by the CLI.
log_level: int = logging.INFO
#: Execution backend of :mod:`kewaspadaan.parallel`: ``"default"`` (in process) or ``"dask"``
#: (dask.distributed, optional extra ``pip install "kewaspadaan[dask]"``); same results.
backend: str = "default"
#: Threads each numeric library (BLAS, scikit-learn's OpenMP, numba) may use inside the engine
#: (see :mod:`kewaspadaan._threads`). The fits are small: one thread per library avoids
#: oversubscribing the cores; raise it on a big machine running one job.
threads: int = 1

# --------------------------------------------------------------------------------------------
# Remoteness: friction surface (Weiss et al. 2018 style). Speeds over each land-cover / feature.
# --------------------------------------------------------------------------------------------
#: Walking / off-road speed by terrain and the speed along features burnt into the friction
#: surface. Slope slows walking with Tobler's hiking function (see features.remoteness).
friction_speeds_kmh: dict[str, float] = {
    "offroad_flat": 5.0,  # walking on flat land (Tobler's function at 0 slope gives ~5 km/h)
    "road_arteri": 60.0,
    "road_kolektor": 40.0,
    "road_lokal": 25.0,
    "road_setapak": 8.0,
    "river_navigable": 20.0,  # longboat / speedboat on navigable river reaches
    "river_rapids": 6.0,  # reaches with rapids (riam), e.g. upper Mahakam
    "sea": 25.0,  # coastal boat
    "water_barrier": 1.0,  # swimming/wading across non-navigable water
}
#: Remoteness without a DEM (no friction surface): travel time = straight-line distance x
#: ``circuity`` / ``speed_kmh`` (35 km/h = a kolektor road of ``network_speeds_kmh``). The result
#: of ``remoteness_features`` records in ``.notes`` that this fallback was used.
remoteness_fallback: dict[str, float] = {"circuity": 1.4, "speed_kmh": 35.0}

# --------------------------------------------------------------------------------------------
# Logistics network speeds by mode and class; transfer (handling) times at hubs.
# --------------------------------------------------------------------------------------------
network_speeds_kmh: dict[str, dict[str, float]] = {
    "road": {"arteri": 50.0, "kolektor": 35.0, "lokal": 25.0, "setapak": 8.0},
    "river": {"besar": 18.0, "kecil": 12.0, "jeram": 5.0},
    "sea": {"default": 22.0},
    "air": {"pesawat_kecil": 220.0, "helikopter": 180.0},
}
#: Handling time when a load changes mode at a hub (hours).
transfer_time_h: dict[str, float] = {
    "road-river": 1.0,
    "road-sea": 2.0,
    "road-air": 1.5,
    "river-sea": 1.5,
    "river-air": 1.5,
    "sea-air": 2.0,
}

#: Cost of moving one vehicle one kilometre, by mode (rupiah per km); access edges cost nothing.
network_cost_rp_per_km: dict[str, float] = {
    "road": 12_000.0,
    "river": 30_000.0,
    "sea": 45_000.0,
    "air": 180_000.0,
    "access": 0.0,
}
#: Fixed cost of one handling (loading/unloading) at a transfer hub (rupiah).
transfer_cost_rp: float = 250_000.0
#: Road line ends, crossings and T-junctions closer than this are one network node (metres).
network_snap_tolerance_m: float = 25.0
#: Settlements, depots, ports and airstrips connect to the nearest network node within this
#: distance (km) by an access edge at ``network_speeds_kmh["road"]["setapak"]``.
network_access_max_km: float = 10.0
#: A road is split beside a settlement (giving it a node there) when the nearest existing road
#: node is more than this much farther than the road itself (metres).
network_access_split_gain_m: float = 1000.0
#: Sea lanes link each sea port to its ``sea_lane_k`` nearest sea ports within this range (km);
#: lane length = straight line x ``sea_lane_detour_factor``.
sea_lane_max_km: float = 250.0
sea_lane_k: int = 6
sea_lane_detour_factor: float = 1.25
#: Flights link airstrips within range (km): small aircraft between runways, helicopters to
#: and from helipads.
air_max_range_km: dict[str, float] = {"pesawat_kecil": 600.0, "helikopter": 250.0}
#: Fallback when no road layer exists: each settlement links to its ``k`` nearest settlements
#: within ``max_km`` by a track of class ``kelas``; length = straight line x ``detour_factor``.
road_fallback: dict[str, Any] = {"k": 4, "max_km": 30.0, "kelas": "lokal", "detour_factor": 1.4}
#: Voting day (ISO date) and the delivery deadline: ``deadline_days_before`` days earlier (H-1)
#: at ``deadline_hour`` o'clock local time. Default: the next national election, Pemilu 2029,
#: assumed on 14 February as in 2019 and 2024 — a planning assumption: set the date KPU decides.
voting_day: str = "2029-02-14"
deadline_days_before: int = 1
deadline_hour: int = 18
#: Default departure from the KPU warehouses: this many days before voting day, 06:00.
departure_days_before: int = 5
#: Ballot boxes (kotak suara) per TPS — Pemilu: 5 (presiden, DPR, DPD, DPRD I, DPRD II).
kotak_per_tps: int = 5
#: Unloading time at each delivery stop (hours).
unloading_time_h: float = 0.5
#: Escort officers per convoy by the highest risk class a route crosses (none below these).
escort_officers: dict[str, int] = {"tinggi": 2, "sangat tinggi": 4}

# --------------------------------------------------------------------------------------------
# Incident assignment (kewaspadaan.io.assign_incidents)
# --------------------------------------------------------------------------------------------
#: An incident outside every kecamatan polygon is assigned to the nearest one when it lies within
#: this distance (metres): coastal/river points just off a simplified boundary. Farther: rejected.
assign_max_distance_m: float = 2000.0

# --------------------------------------------------------------------------------------------
# Incident history
# --------------------------------------------------------------------------------------------
#: Half-life (days) of the exponential time decay applied to incident counts.
decay_half_life_days: float = 180.0
#: Emerging hot spots (kewaspadaan.forecast.hotspots): the last ``months`` months in steps of
#: ``bin_months``; hot when the Gi* z of a step reaches the one-sided ``alpha`` level; trend
#: significant at ``trend_alpha`` (Mann-Kendall); persistent when hot in ``persistent_share``
#: of the steps.
hotspots: dict[str, Any] = {
    "months": 24,
    "bin_months": 1,
    "alpha": 0.05,
    "trend_alpha": 0.05,
    "persistent_share": 0.9,
}

# --------------------------------------------------------------------------------------------
# Composite index
# --------------------------------------------------------------------------------------------
#: Weights of the composite index by feature group (renormalised to sum to 1).
composite_weights: dict[str, float] = {
    "history": 0.45,
    "spillover": 0.15,
    "remoteness": 0.20,
    "geography": 0.20,
}
#: What the risk classes (column ``kelas``, values ``schema.RISK_CLASSES``) are made from:
#: ``"prob_insiden"`` — the forecast P(>= 1 event) in the month from the assessment date on the
#: absolute ``class_thresholds``; ``"prob_bulan_pemilu"`` — the same for the month of
#: ``voting_day``; ``"jenks"`` — Fisher-Jenks natural breaks of the composite score
#: (data-driven); ``"breaks"`` — the fixed ``class_breaks`` on the score. Without a forecast (no
#: incidents) the score classes are used (Jenks unless "breaks").
class_basis: str = "prob_insiden"
#: P(>= 1 event in the month) at which a unit becomes sedang / tinggi / sangat tinggi
#: (left-closed): below 5 % rendah (an incident in less than one month in twenty); 5-25 % sedang
#: (up to one month in four); 25-60 % tinggi; 60 % or more sangat tinggi (incidents in most
#: months).
class_thresholds: tuple[float, float, float] = (0.05, 0.25, 0.60)
#: Breaks on the 0-100 score between the four classes (right-closed), for class_basis "breaks".
class_breaks: tuple[float, float, float] = (25.0, 50.0, 75.0)
#: Class labels for display, lowest first, per language (the data keep ``schema.RISK_CLASSES``).
class_labels: dict[str, tuple[str, str, str, str]] = {
    "id": ("rendah", "sedang", "tinggi", "sangat tinggi"),
    "en": ("low", "medium", "high", "very high"),
}
#: Monte-Carlo stability of the classes: draws, and the Dirichlet concentration of the drawn
#: composite weights around the base weights (larger = closer; 20 gives a weight of 0.45 a
#: standard deviation of about 0.1).
sensitivity_draws: int = 200
sensitivity_concentration: float = 20.0
#: Reliability (``keandalan``): weights of the share of features present, the data age and the
#: location precision of the unit's incidents; half-life (months) of the data-age score.
reliability_weights: dict[str, float] = {"fitur": 0.5, "umur_data": 0.3, "presisi_lokasi": 0.2}
reliability_half_life_months: float = 12.0
#: Normalisation of features in the composite index: "rank" (percentile) or "minmax" (of log1p).
risk_normalisation: str = "rank"
#: Early warning: a unit is flagged when its score rose by more than this many points (0-100
#: scale) since the previous period (month).
alert_margin: float = 10.0

# --------------------------------------------------------------------------------------------
# Forecast: count models, rolling-origin backtest, forecast to voting day (kewaspadaan.forecast)
# --------------------------------------------------------------------------------------------
#: Candidate count models compared on the past (rolling-origin validation): "hawkes"
#: (self-exciting, kewaspadaan.forecast.hawkes), "glm" (negative-binomial GLM on lags and
#: spatial lags), "gbm" (Poisson gradient boosting), "ewma" (tuned exponentially weighted mean).
model_candidates: tuple[str, ...] = ("hawkes", "glm", "gbm", "ewma")
#: "auto": each month the candidate with the best score over the previous
#: ``validation_months`` one-step-ahead predictions (made by fits on earlier months only) is
#: used; or the name of one candidate to always use it.
model_choice: str = "auto"
#: Score that chooses the candidate: "log_loss" (of P(>= 1)), "brier" or "crps" (counts).
model_selection_metric: str = "log_loss"
#: One-step-ahead months the choice is made on (rolling validation, nothing thrown away: every
#: fit uses all months before its origin): the first ``validation_months`` months before the
#: backtest and, with ``validation_window = "expanding"``, every later month (a steadier choice
#: than the sliding window of the last ``validation_months``, ``"rolling"``).
validation_months: int = 12
validation_window: str = "expanding"
#: Rolling-origin backtest: number of final months predicted, one month ahead each.
backtest_months: int = 24
#: One refit cadence (months) for every method in the backtest; ``None`` = each method's own
#: cadence ``refit_months`` (warm starts in between).
backtest_refit_every: int | None = None
#: Month-bootstrap replicates of the backtest intervals and paired tests.
backtest_bootstrap: int = 1000
#: Shares of the total AREA flagged by the equal-area PAI (units ranked by expected events per
#: km²).
pai_area_shares: tuple[float, ...] = (0.05, 0.10, 0.20)
#: Joint Monte-Carlo paths of the forecast up to voting day (capped so that paths x units stays
#: below ``forecast_max_cells``); the interval is the central ``forecast_interval`` of them.
forecast_draws: int = 1000
forecast_max_cells: int = 2_000_000
forecast_interval: float = 0.80
#: Options of the Hawkes candidate: prior standard deviations (log scale) of the unit effects
#: ("auto": empirical Bayes, starting at ``eb_start_sd``, ``eb_steps`` updates per fit, at least
#: ``eb_min_sd`` and at most ``eb_max_sd``: units that never had an event would otherwise
#: drive it up without bound), of each election's deviation from its type, of the type multipliers, of the
#: trend (per decade) and of the covariate slopes; months that only feed the triggering; L-BFGS
#: iterations (cold / warm start); the ranges of the monthly decay of each triggering kernel
#: (fast flare-ups, slow persistence); the largest branching ratio allowed; the count family
#: given λ ("poisson", or "negbin" with a fitted size: better log-likelihood on bursty real
#: data, but its lower P(>= 1) for active units scored worse on the UCDP backtest).
hawkes: dict[str, Any] = {
    "unit_effect_sd": "auto",
    "eb_start_sd": 0.5,
    "eb_min_sd": 0.05,
    "eb_max_sd": 1.0,
    "eb_steps": 1,
    "spatial_rho": 0.9,
    "election_sd": 0.3,
    "type_sd": 1.0,
    "trend_sd": 1.0,
    "beta_sd": 2.0,
    "warmup_months": 6,
    "max_iter": 500,
    "warm_max_iter": 30,
    "kernels": ((0.02, 0.85), (0.85, 0.995)),
    "max_branching": 0.99,
    "family": "poisson",
}
#: Options of the GLM (ridge sd of the standardised coefficients, training months, iterations)
#: and of the Poisson gradient boosting (scikit-learn HistGradientBoostingRegressor; above
#: ``max_rows`` training rows the zero rows are subsampled and reweighted).
glm: dict[str, Any] = {
    "beta_sd": 2.0,
    "max_train_months": 120,
    "max_iter": 300,
    "warm_max_iter": 40,
}
gbm: dict[str, Any] = {
    "learning_rate": 0.1,
    "max_iter": 80,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 50,
    "l2_regularization": 1.0,
    "max_train_months": 120,
    "max_rows": 300_000,
}
#: Grid of the tuned EWMA (half-lives in months, shrinkage towards the province-wide mean) and
#: the first months it is not scored on.
ewma: dict[str, Any] = {
    "half_life_months": (0.5, 1, 2, 3, 4, 6, 9, 12, 18, 24, 36),
    "shrink": (0.0, 0.05, 0.1, 0.2, 0.4),
    "warmup_months": 6,
}
#: Baselines: windows (months) the windowed mean chooses from; prior strength (months) of the
#: persistence transition probabilities.
baselines: dict[str, Any] = {"window_months": (3, 6, 12, 24, 36), "prior_months": 2.0}
#: Refit cadence (months) of each method in the backtest and the rolling validation: the
#: warm-started parametric models refit often (each refit takes a fraction of a second), the
#: gradient boosting (no warm start) once a year. Methods not listed refit monthly.
refit_months: dict[str, int] = {"hawkes": 1, "glm": 3, "gbm": 12, "ewma": 1}
#: Cell size (m) of the friction surface used for the remoteness features of the risk score
#: (the DEM is averaged to it; ``None`` keeps the DEM's own cells). 500 m gives travel times
#: within a few minutes of the 250 m demo DEM at a fraction of the cost.
score_friction_resolution_m: float | None = 500.0
#: Election calendar file (CSV: tanggal, jenis Pemilu/Pilkada, cakupan, status, keterangan);
#: ``None`` = the shipped ``kewaspadaan/data_files/pemilihan.csv`` (Pemilu 1999-2029, Pilkada
#: 2015, 2017, 2018, 2020, 2024). ``voting_day`` replaces the planned row of its year.
election_calendar: str | None = None
#: Election season: from this many months before to this many after the voting month.
election_season_months: tuple[int, int] = (3, 1)

# --------------------------------------------------------------------------------------------
# Security personnel planning norm: officers per TPS by risk class
# (Polri planning norm: 2 officers per 10 TPS where safe, per 2 TPS where rawan, per 1 TPS where
# sangat rawan).
# --------------------------------------------------------------------------------------------
personnel_norm: dict[str, dict[str, float]] = {
    "rendah": {"officers": 2, "per_tps": 10},
    "sedang": {"officers": 2, "per_tps": 10},
    "tinggi": {"officers": 2, "per_tps": 2},
    "sangat tinggi": {"officers": 2, "per_tps": 1},
}

# --------------------------------------------------------------------------------------------
# Maps and reports (kewaspadaan.maps, kewaspadaan.report)
# --------------------------------------------------------------------------------------------
#: Fill colour of each risk class on maps and in reports (keys: the Indonesian class ids).
map_class_colors: dict[str, str] = {
    "rendah": "#1a9850",
    "sedang": "#fee08b",
    "tinggi": "#fc8d59",
    "sangat tinggi": "#d73027",
}
#: Simplification tolerance of kecamatan polygons on maps, metres (applied in the analysis CRS).
map_simplify_tolerance_m: float = 150.0
#: Decimal places of map coordinates in EPSG:4326 (5 decimals ~ 1.1 m).
map_coordinate_decimals: int = 5
#: Bandwidth (radius) of the quartic kernel of the incident heat map, metres.
heatmap_bandwidth_m: float = 15_000.0
#: Largest side of the heat-map raster, pixels (bounds the report size).
heatmap_max_pixels: int = 480
#: Size of the incident cluster grid cells in screen pixels (per zoom level).
cluster_radius_px: int = 60

_TOML_TABLES = {
    "general": [
        "data_dir",
        "output_dir",
        "analysis_crs",
        "demo_seed",
        "language",
        "backend",
        "threads",
    ],
    "remoteness": ["friction_speeds_kmh", "remoteness_fallback"],
    "network": [
        "network_speeds_kmh",
        "transfer_time_h",
        "network_cost_rp_per_km",
        "transfer_cost_rp",
        "network_snap_tolerance_m",
        "network_access_max_km",
        "network_access_split_gain_m",
        "sea_lane_max_km",
        "sea_lane_k",
        "sea_lane_detour_factor",
        "air_max_range_km",
        "road_fallback",
        "voting_day",
        "deadline_days_before",
        "deadline_hour",
        "departure_days_before",
        "kotak_per_tps",
        "unloading_time_h",
        "escort_officers",
    ],
    "history": ["decay_half_life_days", "hotspots"],
    "io": ["assign_max_distance_m"],
    "risk": [
        "composite_weights",
        "class_basis",
        "class_thresholds",
        "class_breaks",
        "risk_normalisation",
        "alert_margin",
        "sensitivity_draws",
        "sensitivity_concentration",
        "reliability_weights",
        "reliability_half_life_months",
    ],
    "model": [
        "model_candidates",
        "model_choice",
        "model_selection_metric",
        "validation_months",
        "backtest_months",
        "backtest_refit_every",
        "backtest_bootstrap",
        "pai_area_shares",
        "forecast_draws",
        "forecast_max_cells",
        "forecast_interval",
        "hawkes",
        "election_calendar",
        "election_season_months",
        "score_friction_resolution_m",
    ],
    "maps": [
        "map_class_colors",
        "map_simplify_tolerance_m",
        "map_coordinate_decimals",
        "heatmap_bandwidth_m",
        "heatmap_max_pixels",
        "cluster_radius_px",
    ],
    "personnel": ["personnel_norm"],
}


def snapshot() -> dict[str, Any]:
    """Return a deep copy of every public setting, e.g. to record it beside an output."""
    g = globals()
    return {name: copy.deepcopy(g[name]) for names in _TOML_TABLES.values() for name in names}


def load_toml(path: str | Path) -> dict[str, Any]:
    """Apply a TOML settings file to this module and return what was changed.

    Tables and keys mirror the module: ``[risk] composite_weights = {history = 0.5, ...}``.
    Dictionaries are merged key by key; unknown tables or keys raise a ``ValueError`` naming them.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file.

    Returns
    -------
    dict
        ``{setting_name: new_value}`` for every setting changed.
    """
    path = Path(path)
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    g = globals()
    changed: dict[str, Any] = {}
    problems = []
    for table, values in data.items():
        allowed = _TOML_TABLES.get(table)
        if allowed is None or not isinstance(values, dict):
            problems.append(f"unknown table [{table}]; known tables: {sorted(_TOML_TABLES)}")
            continue
        for key, value in values.items():
            if key not in allowed:
                problems.append(f"unknown key {key!r} in [{table}]; known keys: {allowed}")
                continue
            current = g[key]
            if isinstance(current, dict) and isinstance(value, dict):
                merged = copy.deepcopy(current)
                merged.update(value)
                value = merged
            elif isinstance(current, tuple):
                value = tuple(value)
            elif isinstance(current, Path):
                value = Path(value)
            g[key] = value
            changed[key] = value
    if problems:
        from kewaspadaan._errors import ValidationError

        raise ValidationError(str(path), problems)
    return changed
