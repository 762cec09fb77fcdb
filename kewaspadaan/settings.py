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
    "air_leg_overhead_h",
    "air_max_range_km",
    "alert_margin",
    "analysis_crs",
    "assign_max_distance_m",
    "backend",
    "backtest_bootstrap",
    "backtest_months",
    "backtest_refit_every",
    "backtest_threads",
    "class_basis",
    "class_breaks",
    "class_thresholds",
    "cluster_radius_px",
    "composite_weights",
    "critical_links_all",
    "critical_links_max_candidates",
    "dask_workers",
    "data_dir",
    "deadline_days_before",
    "deadline_hour",
    "decay_half_life_days",
    "demo_seed",
    "departure_days_before",
    "election_calendar",
    "election_season_months",
    "escort_officers",
    "escort_riam_officers",
    "forecast_draws",
    "forecast_interval",
    "forecast_max_cells",
    "friction_speeds_kmh",
    "hawkes",
    "heatmap_bandwidth_m",
    "heatmap_max_pixels",
    "hotspots",
    "hub_handling_h",
    "hub_search_h",
    "kernel_threads",
    "kg_per_kotak",
    "kotak_per_tps",
    "language",
    "load_toml",
    "map_class_colors",
    "map_coordinate_decimals",
    "map_incident_months",
    "map_simplify_tolerance_m",
    "model_candidates",
    "model_choice",
    "model_selection_metric",
    "network_access_max_km",
    "network_access_split_gain_m",
    "network_cost_rp_per_km",
    "network_snap_tolerance_m",
    "network_speeds_kmh",
    "operating_hours",
    "output_dir",
    "overlap_logistics",
    "pai_area_shares",
    "personnel_norm",
    "plan_echelons",
    "plan_late_horizon_h",
    "plan_local_search",
    "plan_max_pieces_per_stop",
    "plan_max_trips_per_vehicle",
    "plan_min_budget_s",
    "plan_solution_limit",
    "plan_time_budget_s",
    "ppk_deadline_days_before",
    "ppk_deadline_hour",
    "pps_to_tps_h",
    "reliability_half_life_months",
    "reliability_weights",
    "remoteness_fallback",
    "report_classification",
    "report_watch_n",
    "risk_normalisation",
    "river_current_kmh",
    "river_riam_speed_kmh",
    "road_fallback",
    "score_friction_resolution_m",
    "sea_lane_detour_factor",
    "sea_lane_grid_km",
    "sea_lane_k",
    "sea_lane_max_km",
    "sea_lane_port_km",
    "sensitivity_concentration",
    "sensitivity_draws",
    "snapshot",
    "threads",
    "tps_deadline_days_before",
    "tps_deadline_hour",
    "transfer_cost_rp",
    "transfer_time_h",
    "unloading_time_h",
    "validation_months",
    "vehicle_types",
    "voting_day",
    "water_stage",
    "water_stage_by_month",
    "water_stage_effects",
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
#: Execution backend of the engine (``backend=`` of assign_incidents, history_features,
#: terrain_features; :mod:`kewaspadaan._dask`): ``"default"`` (in process) or ``"dask"``
#: (dask.distributed, optional extra ``pip install "kewaspadaan[dask]"``); same results.
backend: str = "default"
#: Threads each numeric library (BLAS, scikit-learn's OpenMP, numba) may use inside the engine
#: (see :mod:`kewaspadaan._threads`). The fits are small: one thread per library avoids
#: oversubscribing the cores; raise it on a big machine running one job.
threads: int = 1
#: Threads of the compiled kernels that run alone over millions of independent rows (the
#: gradient-boosting trees evaluated on every simulated path of the forecast): nothing else
#: runs beside them, so they may use every core; ``None`` = all cores. The results do not
#: depend on it (each row is computed on its own).
kernel_threads: int | None = None
#: Worker processes of the dask LocalCluster the CLI starts when ``backend = "dask"`` (one
#: thread each).
dask_workers: int = 2

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
# Logistics network (kewaspadaan.network, kewaspadaan.logistics). Times are naive local time
# (WITA in Kalimantan Timur). Sources of the figures are cited beside them.
# --------------------------------------------------------------------------------------------
#: Speeds of the routing graph by mode and class (km/h). Roads: the class speed. Rivers: the
#: still-water speed of a reference boat (a longboat); the current (``river_current_kmh``) is
#: subtracted upstream and added downstream, and riam reaches are capped at
#: ``river_riam_speed_kmh``. Vehicle types have their own speeds (``vehicle_types``).
network_speeds_kmh: dict[str, dict[str, float]] = {
    "road": {"arteri": 50.0, "kolektor": 35.0, "lokal": 25.0, "setapak": 8.0},
    "river": {"besar": 18.0, "kecil": 14.0, "jeram": 12.0},
    "sea": {"default": 22.0},
    "air": {"pesawat_kecil": 220.0, "helikopter": 180.0},
}
#: Speed of the current by river class at normal water (km/h). Lowland Kalimantan rivers flow at
#: 2-4 km/h; steep reaches faster.
river_current_kmh: dict[str, float] = {"besar": 3.0, "kecil": 4.0, "jeram": 6.0}
#: Speed over ground through a riam (rapid) reach, upstream and downstream (km/h): boats are
#: lined or run light while the passengers walk the bank (upper Mahakam practice).
river_riam_speed_kmh: dict[str, float] = {"hulu": 6.0, "hilir": 10.0}
#: Water stage: ``"auto"`` (from the month of voting day by ``water_stage_by_month``), or a
#: scenario name of ``water_stage_effects`` (``normal``, ``surut`` = low water, ``banjir``).
water_stage: str = "auto"
#: Water stage by month (1-12). Mahakam: low water in the dry season (about August-October).
water_stage_by_month: dict[str, str] = {
    str(m): ("surut" if m in (8, 9, 10) else "normal") for m in range(1, 13)
}
#: Effect of each water stage: current multiplier, reaches flagged ``surut_musiman`` closed,
#: riam closed to every boat.
water_stage_effects: dict[str, dict[str, Any]] = {
    "normal": {"arus": 1.0, "tutup_surut_musiman": False, "tutup_riam": False},
    "surut": {"arus": 0.7, "tutup_surut_musiman": True, "tutup_riam": False},
    "banjir": {"arus": 1.8, "tutup_surut_musiman": False, "tutup_riam": True},
}
#: Daily operating window of each mode (local hours, start and end): no river or air travel at
#: night; trucks drive 06-22; ships sail day and night. A vehicle type may override it.
operating_hours: dict[str, tuple[float, float]] = {
    "road": (6.0, 22.0),
    "river": (6.0, 18.0),
    "sea": (0.0, 24.0),
    "air": (7.0, 17.0),
}
#: Weight of one ballot box with its ballots, forms and share of booths and ink (kg).
kg_per_kotak: float = 15.0
#: Vehicle types (``armada.csv`` column ``jenis``): mode, boxes and kg per trip, speed, classes
#: of line allowed, riam, operating hours, cost and, for aircraft, runway, endurance and landing
#: at settlements. Costs are planning figures in rupiah (2024 prices, order of magnitude): a
#: truck Rp 12,000/km plus a day's hire; a longboat charter Ujoh Bilang-Long Pahangai about
#: Rp 18 million (Tribun Kaltim, 2018); a Bell 412-class helicopter about Rp 45 million per flight
#: hour. The helicopter's 8 boxes per sortie follow the 2019 Mahakam Ulu operation (37 TPS, 185
#: boxes, about 22 round trips from the Batu Majang helipad: Tribun Kaltim, Antara, April 2019).
vehicle_types: dict[str, dict[str, Any]] = {
    "truk": {
        "moda": "road",
        "kapasitas_kotak": 250,
        "muatan_kg": 8000.0,
        "kecepatan_kmh": 45.0,
        "kelas": ["arteri", "kolektor", "lokal"],
        "biaya_rp_per_km": 12_000.0,
        "biaya_rp_per_trip": 750_000.0,
    },
    "pickup": {
        "moda": "road",
        "kapasitas_kotak": 60,
        "muatan_kg": 1000.0,
        "kecepatan_kmh": 60.0,
        "kelas": ["arteri", "kolektor", "lokal", "setapak"],
        "biaya_rp_per_km": 6_000.0,
        "biaya_rp_per_trip": 400_000.0,
    },
    "kapal_sungai": {
        "moda": "river",
        "kapasitas_kotak": 400,
        "muatan_kg": 20000.0,
        "kecepatan_kmh": 18.0,
        "kelas": ["besar", "kecil"],
        "jam_operasi": [0.0, 24.0],
        "biaya_rp_per_km": 40_000.0,
        "biaya_rp_per_trip": 2_000_000.0,
    },
    "speedboat": {
        "moda": "river",
        "kapasitas_kotak": 20,
        "muatan_kg": 600.0,
        "kecepatan_kmh": 40.0,
        "kelas": ["besar", "kecil"],
        "biaya_rp_per_km": 45_000.0,
        "biaya_rp_per_trip": 500_000.0,
    },
    "longboat": {
        "moda": "river",
        "kapasitas_kotak": 30,
        "muatan_kg": 1500.0,
        "kecepatan_kmh": 28.0,
        "kelas": ["besar", "kecil", "jeram"],
        "riam": True,
        "biaya_rp_per_km": 60_000.0,
        "biaya_rp_per_trip": 1_000_000.0,
    },
    "ketinting": {
        "moda": "river",
        "kapasitas_kotak": 8,
        "muatan_kg": 300.0,
        "kecepatan_kmh": 12.0,
        "kelas": ["besar", "kecil", "jeram"],
        "riam": True,
        "biaya_rp_per_km": 10_000.0,
        "biaya_rp_per_trip": 200_000.0,
    },
    "kapal": {
        "moda": "sea",
        "kapasitas_kotak": 400,
        "muatan_kg": 30000.0,
        "kecepatan_kmh": 22.0,
        "biaya_rp_per_km": 45_000.0,
        "biaya_rp_per_trip": 5_000_000.0,
    },
    "pesawat_kecil": {
        "moda": "air",
        "kapasitas_kotak": 40,
        "muatan_kg": 1000.0,
        "kecepatan_kmh": 250.0,
        "landas_min_m": 600.0,
        "ketahanan_jam": 4.0,
        "biaya_rp_per_jam": 25_000_000.0,
        "biaya_rp_per_trip": 2_000_000.0,
    },
    "helikopter": {
        "moda": "air",
        "kapasitas_kotak": 8,
        "muatan_kg": 1200.0,
        "kecepatan_kmh": 200.0,
        "landas_min_m": 0.0,
        "ketahanan_jam": 2.5,
        "biaya_rp_per_jam": 45_000_000.0,
        "biaya_rp_per_trip": 1_000_000.0,
        "mendarat_di_permukiman": True,
    },
}
#: Take-off, landing and taxi time added to every flight leg (hours).
air_leg_overhead_h: float = 0.25
#: Handling time when a load changes mode at a hub (hours).
transfer_time_h: dict[str, float] = {
    "road-river": 1.0,
    "road-sea": 2.0,
    "road-air": 1.5,
    "river-sea": 1.5,
    "river-air": 1.5,
    "sea-air": 2.0,
}

#: Cost of moving one vehicle one kilometre, by mode (rupiah per km), for the routing graph's
#: ``cost`` (the plan uses the vehicle types' costs); access edges cost nothing.
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
#: A road or river is split beside a settlement (giving it a node there) when the nearest
#: existing node is more than this much farther than the line itself (metres).
network_access_split_gain_m: float = 1000.0
#: Sea lanes link each sea port to its ``sea_lane_k`` nearest sea ports within this range (km).
#: With land polygons (provinsi/kabupaten/kecamatan layers) a lane that would cross land runs
#: around it over a sea grid of ``sea_lane_grid_km`` cells; land within ``sea_lane_port_km`` of
#: a port is ignored (port positions are approximate). The straight or grid length is
#: multiplied by ``sea_lane_detour_factor``.
sea_lane_max_km: float = 250.0
sea_lane_k: int = 6
sea_lane_detour_factor: float = 1.1
sea_lane_grid_km: float = 2.0
sea_lane_port_km: float = 6.0
#: Flights link airstrips within range (km): small aircraft between runways long enough for
#: ``vehicle_types["pesawat_kecil"]["landas_min_m"]``, helicopters to and from the others.
air_max_range_km: dict[str, float] = {"pesawat_kecil": 600.0, "helikopter": 250.0}
#: Fallback when no road layer exists: each settlement links to its ``k`` nearest settlements
#: within ``max_km`` by a track of class ``kelas``; length = straight line x ``detour_factor``.
#: The tracks are footpaths and motorbike tracks between neighbouring villages (``setapak``:
#: no truck uses them), not an invented road network.
road_fallback: dict[str, Any] = {
    "k": 4,
    "max_km": 30.0,
    "kelas": "setapak",
    "detour_factor": 1.4,
}
#: Voting day (ISO date) and the delivery deadline at the desa (PPS): ``deadline_days_before``
#: days earlier (H-1) at ``deadline_hour`` o'clock local time. Default: the next national
#: election, Pemilu 2029, assumed on 14 February as in 2019 and 2024 — a planning assumption:
#: set the date KPU decides.
voting_day: str = "2029-02-14"
deadline_days_before: int = 1
deadline_hour: int = 18
#: Deadline at the PPK (kecamatan) of the echelon KPU kabupaten → PPK: days before voting day
#: and hour (H-3 18:00).
ppk_deadline_days_before: int = 3
ppk_deadline_hour: int = 18
#: Deadline at the TPS (H 06:00, before polling opens at 07:00) and the time a PPS needs to
#: bring the boxes from the desa office to its TPS (hours).
tps_deadline_days_before: int = 0
tps_deadline_hour: int = 6
pps_to_tps_h: float = 2.0
#: Default departure from the KPU warehouses: this many days before voting day, 06:00.
departure_days_before: int = 5
#: Ballot boxes (kotak suara) per TPS — Pemilu: 5 (presiden, DPR, DPD, DPRD I, DPRD II).
kotak_per_tps: int = 5
#: Unloading time at each delivery stop and loading time at the start of each trip (hours).
unloading_time_h: float = 0.5
#: Sorting, repacking and change of vehicle at a PPK or a hub (a helipad or port where the
#: loads move to other vehicles) before they go on (hours).
hub_handling_h: float = 2.0
#: A vehicle whose own network does not reach its depot or PPK (a boat at a depot away from
#: the river) waits at the terminal of its mode reached first, if within this many hours.
hub_search_h: float = 4.0
#: Echelons of the plan: ``"ppk"`` (KPU kabupaten → PPK → PPS → TPS: the kabupaten fleet
#: supplies each kecamatan's PPK, the PPK fleet (fleet rows with ``kode_kec``) the desa),
#: ``"langsung"`` (the kabupaten fleet delivers every desa itself) or ``"auto"`` (``ppk`` when
#: the fleet lists PPK vehicles, else ``langsung``).
plan_echelons: str = "auto"
#: OR-Tools delivery planner: total time budget (seconds, shared by the sub-problems in
#: proportion to their boxes, at least ``plan_min_budget_s`` each) — a safety cap: the search
#: normally stops first, at a local optimum or after ``plan_solution_limit`` improving
#: solutions (counts, not clock time: same input, same plan); the local search
#: (``greedy_descent`` is deterministic; ``guided_local_search`` finds better plans but only
#: stops at the budget); the most pieces a delivery is split into; the most trips one vehicle
#: makes; how late (hours after its deadline) a delivery may still be planned before it
#: counts as not delivered.
plan_time_budget_s: float = 6.0
plan_min_budget_s: float = 0.5
plan_solution_limit: int = 400
plan_local_search: str = "greedy_descent"
plan_max_pieces_per_stop: int = 24
plan_max_trips_per_vehicle: int = 40
plan_late_horizon_h: float = 72.0
#: Critical links: evaluate every link used by a fastest route and every bridge (``True``), or
#: only the ``critical_links_max_candidates`` most used (a number; faster on huge networks).
critical_links_all: bool = True
critical_links_max_candidates: int = 300
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
#: Threads of the rolling backtest: its two chains (the months before the validation window,
#: and the validation months, each started cold) run side by side with 2, one after the other
#: with 1; the same numbers either way (tested).
backtest_threads: int = 2
#: Month-bootstrap replicates of the backtest intervals and paired tests.
backtest_bootstrap: int = 1000
#: Shares of the total AREA flagged by the equal-area PAI (units ranked by expected events per
#: km²).
pai_area_shares: tuple[float, ...] = (0.05, 0.10, 0.20)
#: Joint Monte-Carlo paths of the forecast up to voting day, capped (at no fewer than 50) so
#: that the cells simulated, paths x units x months, stay below ``forecast_max_cells``: the
#: demonstration province keeps its 1,000 paths, all Indonesia five years ahead gets 88. The
#: expected counts and P(>= 1) average the paths' intensities (their Monte-Carlo error is small
#: even with few paths); the interval is the central ``forecast_interval`` of the paths' counts.
forecast_draws: int = 1000
forecast_max_cells: int = 40_000_000
forecast_interval: float = 0.80
#: Options of the Hawkes candidate: prior standard deviations (log scale) of the unit effects
#: ("auto": empirical Bayes, starting at ``eb_start_sd``, ``eb_steps`` updates per fit, at least
#: ``eb_min_sd`` and at most ``eb_max_sd``: units that never had an event would otherwise
#: drive it up without bound), of each election's deviation from its type, of the type multipliers, of the
#: trend (per decade) and of the covariate slopes; months that only feed the triggering; L-BFGS
#: iterations (cold / warm start; a cold start begins at each unit's smoothed log rate ratio,
#: from where 200 iterations on the national panel reach a higher likelihood than 500 from
#: zero did); the ranges of the monthly decay of each triggering kernel
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
    "max_iter": 200,
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
#: Refit cadence (months) of each method in the backtest and the rolling validation (every
#: month is still predicted one step ahead from the counts before it; only the parameters are
#: up to ``k - 1`` months old): the Hawkes model every month (quarterly refits, a third of the
#: cost, lost 0.15 of the Brier gap closed on demo seed 2: its parameters lag the election
#: seasons), the GLM every quarter, the gradient boosting (no warm start) once a year, the EWMA
#: grid every month. Methods not listed refit monthly.
refit_months: dict[str, int] = {"hawkes": 1, "glm": 3, "gbm": 12, "ewma": 1}
#: ``kewaspadaan run`` / :func:`kewaspadaan.pipeline.run`: prepare the logistics (network,
#: delivery plan, critical links: nothing of it needs the risk) beside the risk score, in a
#: forked process (Linux; a thread elsewhere or with the dask backend); the routes, escorts
#: and personnel follow the score. The same outputs either way (tested); on the demo's 2 cores
#: the run is about 3 s shorter. False: one after the other.
overlap_logistics: bool = True
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
#: Officers (water police / SAR) escorting a boat through riam reaches, whatever the risk
#: class (the hazard flag of the route feeds the escort table).
escort_riam_officers: int = 2
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
#: Months of incidents drawn on the interactive map, up to the assessment date (0: all). The
#: report's text counts the whole period; the map shows the recent picture and stays small.
map_incident_months: int = 24
#: Classification banner printed at the top and bottom of reports (e.g. ``"TERBATAS"``);
#: empty: none.
report_classification: str = ""
#: Kecamatan listed in the executive brief's watch list.
report_watch_n: int = 5

_TOML_TABLES = {
    "general": [
        "data_dir",
        "output_dir",
        "analysis_crs",
        "demo_seed",
        "language",
        "backend",
        "threads",
        "kernel_threads",
        "dask_workers",
        "overlap_logistics",
    ],
    "remoteness": ["friction_speeds_kmh", "remoteness_fallback"],
    "network": [
        "network_speeds_kmh",
        "river_current_kmh",
        "river_riam_speed_kmh",
        "water_stage",
        "water_stage_by_month",
        "water_stage_effects",
        "operating_hours",
        "kg_per_kotak",
        "vehicle_types",
        "air_leg_overhead_h",
        "transfer_time_h",
        "network_cost_rp_per_km",
        "transfer_cost_rp",
        "network_snap_tolerance_m",
        "network_access_max_km",
        "network_access_split_gain_m",
        "sea_lane_max_km",
        "sea_lane_k",
        "sea_lane_detour_factor",
        "sea_lane_grid_km",
        "sea_lane_port_km",
        "air_max_range_km",
        "road_fallback",
        "voting_day",
        "deadline_days_before",
        "deadline_hour",
        "ppk_deadline_days_before",
        "ppk_deadline_hour",
        "tps_deadline_days_before",
        "tps_deadline_hour",
        "pps_to_tps_h",
        "departure_days_before",
        "kotak_per_tps",
        "unloading_time_h",
        "hub_handling_h",
        "hub_search_h",
        "plan_echelons",
        "plan_time_budget_s",
        "plan_min_budget_s",
        "plan_solution_limit",
        "plan_local_search",
        "plan_max_pieces_per_stop",
        "plan_max_trips_per_vehicle",
        "plan_late_horizon_h",
        "critical_links_all",
        "critical_links_max_candidates",
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
        "backtest_threads",
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
        "map_incident_months",
        "heatmap_bandwidth_m",
        "heatmap_max_pixels",
        "cluster_radius_px",
        "map_incident_months",
        "report_classification",
        "report_watch_n",
    ],
    "personnel": ["personnel_norm", "escort_officers", "escort_riam_officers"],
}


def snapshot() -> dict[str, Any]:
    """Return a deep copy of every public setting, e.g. to record it beside an output."""
    g = globals()
    return {name: copy.deepcopy(g[name]) for names in _TOML_TABLES.values() for name in names}


#: Tables of a TOML file that are not settings (read by :mod:`kewaspadaan.io.project`).
PROJECT_TABLES: tuple[str, ...] = ("project", "data")
#: Allowed values of the text settings that have a fixed set.
_CHOICES: dict[str, tuple[str, ...]] = {
    "language": ("id", "en"),
    "backend": ("default", "dask"),
    "risk_normalisation": ("rank", "minmax"),
    "model_choice": ("auto", "hgb", "logit"),
    "calibration_method": ("sigmoid", "isotonic"),
}
#: Settings that must be > 0.
_POSITIVE = {
    "dask_workers",
    "decay_half_life_days",
    "assign_max_distance_m",
    "network_snap_tolerance_m",
    "network_access_max_km",
    "sea_lane_max_km",
    "sea_lane_k",
    "sea_lane_detour_factor",
    "heatmap_bandwidth_m",
    "heatmap_max_pixels",
    "cluster_radius_px",
    "threads",
    "kotak_per_tps",
    "backtest_months",
    "backtest_refit_every",
    "backtest_threads",
    "calibration_months",
    "map_simplify_tolerance_m",
}
_NONE_OK = {"analysis_crs", "kernel_threads", "score_friction_resolution_m"}


def load_toml(path: str | Path) -> dict[str, Any]:
    """Validate a TOML settings file, then apply it to this module; return what was changed.

    Tables and keys mirror the module: ``[risk] composite_weights = {history = 0.5, ...}``.
    Every value is checked against the type (and range) of its default first, and every problem
    is reported at once (:class:`~kewaspadaan._errors.SettingsError`); nothing is applied unless
    the whole file is valid. Tables (dicts) are merged key by key, at every depth: overriding one
    road speed keeps the others. The ``[project]`` and ``[data]`` tables of a project file are
    skipped here (see :mod:`kewaspadaan.io.project`).

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file.

    Returns
    -------
    dict
        ``{setting_name: new_value}`` for every setting changed.
    """
    from kewaspadaan._errors import SettingsError

    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise SettingsError(
            str(path), ["file not found; check the path given to --config"]
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(str(path), [f"not valid TOML: {exc}"]) from exc
    changes, problems = validate_settings(data)
    if problems:
        raise SettingsError(str(path), problems)
    g = globals()
    for key, value in changes.items():
        g[key] = value
    return changes


def validate_settings(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Check a parsed settings table; return ``(changes, problems)`` without applying anything.

    Parameters
    ----------
    data : dict
        ``{table: {key: value}}`` as read from TOML.

    Returns
    -------
    (dict, list of str)
        The new values (tables merged into the current ones), and one line per problem, each
        naming ``[table] key`` and what is expected.
    """
    g = globals()
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for table, values in data.items():
        if table in PROJECT_TABLES:
            continue
        allowed = _TOML_TABLES.get(table)
        if allowed is None or not isinstance(values, dict):
            problems.append(
                f"[{table}]: unknown table; known tables: "
                f"{', '.join(sorted(_TOML_TABLES) + list(PROJECT_TABLES))}"
            )
            continue
        for key, value in values.items():
            where = f"[{table}] {key}"
            if key not in allowed:
                problems.append(f"{where}: unknown key; keys of [{table}]: {', '.join(allowed)}")
                continue
            new = _coerce(where, value, g[key], problems, name=key)
            if new is not _BAD:
                before = len(problems)
                _check_range(where, key, new, problems)
                if len(problems) == before:
                    changes[key] = new
    return changes, problems


_BAD = object()


def _coerce(where: str, value: Any, current: Any, problems: list[str], *, name: str = "") -> Any:
    """``value`` in the type of ``current`` (dicts merged at every depth), or ``_BAD``."""
    if current is None and name in _NONE_OK:
        if isinstance(value, str) or (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            return value
        problems.append(f"{where} = {value!r}: must be text or a number")
        return _BAD
    if isinstance(current, dict):
        if not isinstance(value, dict):
            problems.append(f"{where} = {value!r}: must be a table {{ key = value, ... }}")
            return _BAD
        merged = copy.deepcopy(current)
        ok = True
        for k, v in value.items():
            if current and k not in current and not _OPEN_KEYS.get(name):
                problems.append(f"{where}.{k}: unknown key; known: {', '.join(map(str, current))}")
                ok = False
                continue
            template = current.get(k, next(iter(current.values()), None)) if current else None
            if template is None:
                merged[k] = v
                continue
            new = _coerce(f"{where}.{k}", v, template, problems)
            if new is _BAD:
                ok = False
            else:
                merged[k] = new
        return merged if ok else _BAD
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        problems.append(f"{where} = {value!r}: must be true or false")
        return _BAD
    if (
        isinstance(current, int)
        and not isinstance(current, bool)
        and name not in ("score_friction_resolution_m",)
    ):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        problems.append(f"{where} = {value!r}: must be a whole number")
        return _BAD
    if isinstance(current, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        problems.append(f"{where} = {value!r}: must be a number")
        return _BAD
    if isinstance(current, Path):
        if isinstance(value, str):
            return Path(value)
        problems.append(f"{where} = {value!r}: must be a folder path (text)")
        return _BAD
    if isinstance(current, str):
        if isinstance(value, str):
            return value
        problems.append(
            f"{where} = {value!r}: must be text"
            + (' in quotes, e.g. "2029-02-14"' if name == "voting_day" else "")
        )
        return _BAD
    if isinstance(current, tuple):
        if not isinstance(value, list | tuple):
            problems.append(f"{where} = {value!r}: must be a list [ ... ]")
            return _BAD
        if current and name == "class_breaks" and len(value) != len(current):
            problems.append(f"{where}: needs {len(current)} values, got {len(value)}")
            return _BAD
        template = current[0] if current else None
        out = []
        for i, v in enumerate(value):
            new = _coerce(f"{where}[{i}]", v, template, problems) if template is not None else v
            if new is _BAD:
                return _BAD
            out.append(new)
        return tuple(out)
    return value


#: Dict settings whose keys are open (new keys allowed).
_OPEN_KEYS: dict[str, bool] = {"transfer_time_h": False}


def _check_range(where: str, key: str, value: Any, problems: list[str]) -> None:
    import datetime as dt

    if key in _CHOICES and value not in _CHOICES[key]:
        problems.append(f"{where} = {value!r}: must be one of {', '.join(_CHOICES[key])}")
    if key in _POSITIVE and isinstance(value, int | float) and value <= 0:
        problems.append(f"{where} = {value!r}: must be greater than 0")
    if key == "voting_day" or key == "election_dates":
        for day in (value,) if key == "voting_day" else value:
            try:
                dt.date.fromisoformat(str(day))
            except ValueError:
                problems.append(f"{where}: {day!r} is not a date YYYY-MM-DD")
    if key == "class_breaks":
        b = list(value)
        if b != sorted(b) or len(set(b)) != len(b) or not all(0 < x < 100 for x in b):
            problems.append(f"{where} = {b}: must increase strictly, each between 0 and 100")
    if key == "composite_weights":
        bad = {k: v for k, v in value.items() if v < 0}
        if bad or sum(value.values()) <= 0:
            problems.append(f"{where}: weights must be >= 0 with a positive sum ({value})")
    if key in ("friction_speeds_kmh", "network_speeds_kmh"):
        flat = (
            [v for v in value.values()]
            if key == "friction_speeds_kmh"
            else [x for d in value.values() for x in d.values()]
        )
        if any(v <= 0 for v in flat):
            problems.append(f"{where}: speeds must be greater than 0 km/h")
    if key == "personnel_norm":
        for cls, norm in value.items():
            if any(norm.get(f, 0) <= 0 for f in ("officers", "per_tps")):
                problems.append(f"{where}.{cls}: officers and per_tps must be greater than 0")
