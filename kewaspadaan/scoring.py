"""Orchestration of a risk assessment: layers → features → index, model, backtest, alerts.

:func:`score` is what ``kewaspadaan score`` and ``kewaspadaan run`` call. It

1. loads and assigns the incidents to the units (kecamatan or desa) with full accounting
   (read = assigned + rejected; rejections are kept with their reason);
2. computes every feature the available layers allow — incident history and spill-over
   (:mod:`kewaspadaan.features.history`), geography and terrain
   (:func:`~kewaspadaan.features.geography.geography_features`), remoteness
   (:func:`~kewaspadaan.features.remoteness.remoteness_features`, friction surface when a DEM is
   present, straight-line fallback otherwise), population density — and records the ones it
   could not compute and why;
3. builds the composite index (:mod:`kewaspadaan.risk`) as of ``as_of`` and one month earlier,
   flags alerts, runs the weight-sensitivity analysis;
4. builds the monthly count panel before ``as_of`` (:mod:`kewaspadaan.forecast`), runs the
   rolling-origin backtest of the candidate count models against the baselines, chooses the
   model on the past only, forecasts every month up to voting day (expected events, P(≥ 1),
   80 % interval, per unit and aggregated), classes the units from the forecast, adds the
   emerging hot-spot trend, the reliability and the probability that the class changes;
5. when the data carry the generator's ground truth (``intensitas_benar``), validates against
   the *future*: the skill of every backtest prediction against the true intensity of the month
   it predicted, and (when the truth goes beyond ``as_of``) the ranking of the forecast against
   the true intensity of the following months.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from kewaspadaan import settings
from kewaspadaan._errors import DataFileError, ValidationError
from kewaspadaan._threads import capped
from kewaspadaan.features.history import history_features
from kewaspadaan.forecast import (
    Backtest,
    CountPanel,
    Forecast,
    ModelChoice,
    backtest,
    build_count_panel,
    fit_forecast_model,
    forecast_to_voting_day,
)
from kewaspadaan.risk import RiskIndex, alerts, composite_index, sensitivity
from kewaspadaan.schema import LEVELS
from kewaspadaan.spatial import spatial_weights

__all__ = ["ScoreResult", "score", "static_features", "validate_against_truth"]

logger = logging.getLogger(__name__)


@dataclass
class ScoreResult:
    """Everything :func:`score` produced.

    Attributes
    ----------
    table : GeoDataFrame
        :data:`~kewaspadaan.schema.RISK_COLUMNS` + feature columns, one row per unit.
    risk, previous : RiskIndex
        Composite index as of ``as_of`` and one month earlier.
    sensitivity : DataFrame
        Rank and class stability of the score under Monte-Carlo weights and normalisation
        (:func:`kewaspadaan.risk.sensitivity`).
    alerts : DataFrame
        Score change since the previous month and the alert flag, per unit.
    model : ModelChoice or None
        The count model chosen on the past (``model.name``) and fitted on every month.
    backtest : Backtest or None
        Rolling-origin backtest (None when skipped or the history is too short).
    forecast : Forecast or None
        Every month up to ``settings.voting_day``: ``forecast.to_frame()`` per unit,
        ``forecast.aggregate("kabupaten" | "provinsi")``, ``forecast.totals()``.
    hotspots : DataFrame or None
        Emerging hot spots per unit (:func:`kewaspadaan.forecast.hotspots.emerging_hotspots`).
    rejected : DataFrame
        Incidents not used, with the reason (loader + assignment).
    accounting : dict
        Read / assigned / rejected counts.
    missing : dict
        Features not computed and why; ``notes`` holds fallbacks used.
    validation : dict
        Spearman against the ground truth when ``intensitas_benar`` is present.
    """

    table: gpd.GeoDataFrame
    risk: RiskIndex
    previous: RiskIndex
    sensitivity: pd.DataFrame
    alerts: pd.DataFrame
    model: ModelChoice | None
    backtest: Backtest | None
    rejected: pd.DataFrame
    accounting: dict[str, Any]
    as_of: pd.Timestamp
    level: str
    missing: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    forecast: Forecast | None = None
    hotspots: pd.DataFrame | None = None
    #: First and last date of the incidents used (assigned, before ``as_of``), ISO.
    period: tuple[str, str] | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-ready totals: date, level, units, incident accounting, classes, alerts, the
        backtest metrics, validation and the features not computed."""
        from kewaspadaan.schema import RISK_CLASSES

        t = self.table
        out: dict[str, Any] = {
            "tanggal_penilaian": f"{self.as_of:%Y-%m-%d}",
            "tingkat": self.level,
            "unit": len(t),
            "insiden": {
                k: int(v) if isinstance(v, int | float) else v for k, v in self.accounting.items()
            },
            "kelas": {str(k): int((t["kelas"] == k).sum()) for k in RISK_CLASSES},
            "peringatan": int(t["peringatan"].astype(bool).sum()),
            "fitur_tidak_dihitung": dict(sorted(self.missing.items())),
        }
        if self.backtest is not None:
            mt = self.backtest.metrics
            out["backtest"] = {
                m: {c: round(float(mt.loc[m, c]), 4) for c in mt.columns} for m in mt.index
            }
        if self.validation:
            out["validasi"] = {
                k: round(v, 4) if isinstance(v, float) else v for k, v in self.validation.items()
            }
        return out

    def to_frame(self) -> gpd.GeoDataFrame:
        """The risk table (one row per unit; :data:`~kewaspadaan.schema.RISK_COLUMNS` first)."""
        return self.table

    def explore(self, **kwargs: Any) -> Any:
        """An interactive folium map of the classes (:meth:`RiskIndex.explore`)."""
        return self.risk.explore(**kwargs)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the outputs atomically into ``out_dir``; return ``{name: path}``.

        Files: ``risiko_<level>.gpkg`` (with geometry) and ``.csv`` (without), ``sensitivitas.csv``,
        ``backtest.csv`` (metrics per method), ``backtest_uji.csv`` (model minus each baseline,
        bootstrap intervals) and ``backtest_prediksi.csv`` (every prediction),
        ``prakiraan_<level>.csv`` / ``prakiraan_kabupaten.csv`` / ``prakiraan_provinsi.csv``
        (every month up to voting day), ``peringatan.csv`` (alerted units only),
        ``insiden_ditolak.csv``.
        """
        from kewaspadaan._io_utils import write_table

        out = Path(out_dir)
        paths: dict[str, Path] = {}
        stem = f"risiko_{self.level}"
        paths["gpkg"] = write_table(self.table, out / f"{stem}.gpkg", layer=stem)
        paths["csv"] = write_table(
            pd.DataFrame(self.table.drop(columns="geometry")), out / f"{stem}.csv"
        )
        paths["sensitivitas"] = write_table(self.sensitivity, out / "sensitivitas.csv")
        if self.backtest is not None:
            paths["backtest"] = write_table(self.backtest.to_frame(), out / "backtest.csv")
            pred = self.backtest.predictions.reset_index()
            pred["bulan"] = pred["bulan"].dt.strftime("%Y-%m")
            paths["backtest_prediksi"] = write_table(pred, out / "backtest_prediksi.csv")
        paths.update(self._write_forecast(out))
        cols = [
            "kode",
            "nama",
            "kode_kab",
            "nama_kab",
            "skor",
            "kelas",
            "perubahan_skor",
            "prob_insiden",
            "pendorong",
        ]
        flagged = pd.DataFrame(self.table.loc[self.table["peringatan"], cols])
        paths["peringatan"] = write_table(
            flagged.sort_values("perubahan_skor", ascending=False), out / "peringatan.csv"
        )
        paths["insiden_ditolak"] = write_table(self.rejected, out / "insiden_ditolak.csv")
        logger.info("risk outputs written to %s", out)
        return paths

    def _write_forecast(self, out: Path) -> dict[str, Path]:
        """The backtest tests and the forecast tables (see :meth:`write`)."""
        from kewaspadaan._io_utils import write_table

        paths: dict[str, Path] = {}
        if self.backtest is not None:
            paired = self.backtest.paired.rename_axis("pembanding").reset_index()
            paths["backtest_uji"] = write_table(paired, out / "backtest_uji.csv")
        if self.forecast is not None:
            fc = self.forecast
            paths["prakiraan"] = write_table(fc.to_frame(), out / f"prakiraan_{self.level}.csv")
            for level in ("kabupaten", "provinsi"):
                if level in fc.groups:
                    paths[f"prakiraan_{level}"] = write_table(
                        fc.aggregate(level), out / f"prakiraan_{level}.csv"
                    )
        return paths


def _boundaries(layers: Any, level: str) -> gpd.GeoDataFrame:
    if level not in LEVELS:
        raise ValidationError("level", [f"{level!r} is not a level; use one of {list(LEVELS)}"])
    b = getattr(layers, level, None)
    if b is None:
        raise DataFileError(
            f"no {level} boundaries in the layers; name the {level} file in the project file "
            f"([data.{level}] path = ...) or choose another level"
        )
    return b.reset_index(drop=True)


def _incidents(layers: Any, boundaries: gpd.GeoDataFrame, incidents: Any) -> Any:
    from kewaspadaan.io import assign_incidents, merge_duplicates

    if incidents is None:
        incidents = getattr(layers, "incidents", None)
        if incidents is None:
            return None  # no history: score() falls back to the static features
    assignment = merge_duplicates(assign_incidents(incidents, boundaries))
    assignment.check_accounting()
    return assignment


def static_features(
    layers: Any, boundaries: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """Geography, terrain, remoteness and population-density features from whatever is present.

    Returns
    -------
    (DataFrame, dict, dict)
        Features on ``boundaries.index``; features not computed → reason; notes (fallbacks).
    """
    from kewaspadaan.features.geography import geography_features
    from kewaspadaan.features.remoteness import friction_surface, remoteness_features

    terrain = getattr(layers, "terrain", None)
    settlements = getattr(layers, "permukiman", None)
    geo = geography_features(
        boundaries,
        coastline=getattr(layers, "garis_pantai", None),
        rivers=getattr(layers, "sungai", None),
        border=getattr(layers, "batas_negara", None),
        terrain=terrain,
        settlements=settlements,
    )
    missing, notes = dict(geo.missing), dict(geo.notes)
    friction = None
    if terrain is not None:
        friction = friction_surface(
            terrain,
            roads=getattr(layers, "jalan", None),
            rivers=getattr(layers, "sungai", None),
            resolution_m=settings.score_friction_resolution_m,
        )
    kab_cap = prov_cap = None
    if settlements is not None and "peran" in settlements.columns:
        kab_cap = settlements[settlements["peran"].isin(["ibukota_kabupaten", "ibukota_provinsi"])]
        prov_cap = settlements[settlements["peran"] == "ibukota_provinsi"]
    rem = remoteness_features(
        boundaries,
        friction,
        kabupaten_capitals=kab_cap,
        provincial_capital=prov_cap,
        security_posts=getattr(layers, "pos_keamanan", None),
        settlements=settlements,
    )
    missing.update(rem.missing)
    notes.update(rem.notes)
    out = pd.concat([pd.DataFrame(geo), pd.DataFrame(rem)], axis=1)
    if "penduduk" in boundaries.columns:
        pop = pd.to_numeric(boundaries["penduduk"], errors="coerce")
        out["penduduk"] = pop
        if "area_km2" in out.columns:
            out["pop_density_per_km2"] = pop / out["area_km2"]
    else:
        for name in ("penduduk", "pop_density_per_km2"):
            missing[name] = "boundaries have no 'penduduk' column"
    return out, missing, notes


def _period(assigned: pd.DataFrame, as_of: pd.Timestamp) -> tuple[str, str] | None:
    """First and last date of the incidents the score used (those before ``as_of``)."""
    if len(assigned) == 0:
        return None
    d = pd.to_datetime(assigned["event_date"])
    d = d[d < as_of]
    return (f"{d.min():%Y-%m-%d}", f"{d.max():%Y-%m-%d}") if len(d) else None


#: Columns of the boundaries carried into the risk table when present (planning context).
UNIT_CONTEXT_COLUMNS: tuple[str, ...] = ("tps", "penduduk")


def _with_unit_context(table: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the TPS count of each unit (and its population when not already a feature)."""
    for col in UNIT_CONTEXT_COLUMNS:
        if col in boundaries.columns and col not in table.columns:
            table.insert(len(table.columns) - 1, col, boundaries[col].to_numpy())
    return table


def _default_as_of(assigned: pd.DataFrame) -> pd.Timestamp:
    last = pd.to_datetime(assigned["event_date"]).max()
    return (last.to_period("M") + 1).to_timestamp()


def _predict_at(choice: ModelChoice, panel: CountPanel) -> pd.Series:
    """P(≥ 1 event) in the month from the assessment date, per unit (one step ahead: exact)."""
    pred = choice.fit.predict(panel, np.array([panel.n_months]))
    return pd.Series(pred.prob[:, 0], index=panel.index, name="prob_insiden")


def validate_against_truth(
    truth: pd.DataFrame,
    table: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    horizon_months: int = 12,
    backtest: Backtest | None = None,
    forecast: Forecast | None = None,
) -> dict[str, Any]:
    """Validation against the generator's true intensity — the *future* of a forecast.

    - **Backtest** (when given): every backtest prediction was made before the month it
      predicts; :meth:`~kewaspadaan.forecast.Backtest.skill` scores them and the truth
      (``backtest_gap_brier``/``backtest_gap_log_loss`` of the model: share of the gap between
      the historical mean and the truth closed), and ``backtest_spearman_bulanan`` is the mean
      over backtest months of the Spearman correlation of the model's expected events with the
      true intensity of that month.
    - **After** ``as_of`` (when the truth covers months from ``as_of``): Spearman of ``skor``,
      ``prob_insiden`` and the forecast's expected events with the mean true intensity of the
      ``horizon_months`` months from ``as_of`` (``truth_masa = "sesudah"``).
    - Without truth after ``as_of`` the same Spearman correlations are taken against the true
      intensity of the last month *before* ``as_of`` and labelled ``truth_masa = "sebelum"``:
      agreement with the present state, not a validation of a forecast.

    Returns an empty dict when the truth covers nothing; ``truth`` says which months were used.
    """
    t = truth.copy()
    t["bulan"] = pd.PeriodIndex(t["bulan"].astype(str), freq="M")
    start = as_of.to_period("M")
    out: dict[str, Any] = {}
    ahead = t[(t["bulan"] >= start) & (t["bulan"] < start + horizon_months)]
    before = t[t["bulan"] < start]
    if len(ahead):
        ref = ahead.groupby("kode")["lambda_benar"].mean()
        out["truth"] = f"mean lambda_benar {ahead['bulan'].min()}..{ahead['bulan'].max()}"
        out["truth_masa"] = "sesudah"
        months = {str(m) for m in ahead["bulan"].unique()}
    elif len(before):
        last = before["bulan"].max()
        ref = before[before["bulan"] == last].groupby("kode")["lambda_benar"].mean()
        out["truth"] = f"lambda_benar {last} (before as_of: agreement, not a forecast check)"
        out["truth_masa"] = "sebelum"
        months = set()
    else:
        return out
    lam = table["kode"].map(ref)
    ok = lam.notna()
    out["n"] = int(ok.sum())
    cols = {"skor": table.get("skor"), "prob_insiden": table.get("prob_insiden")}
    if forecast is not None and months:
        fc = forecast.to_frame()
        mean_fc = fc[fc["bulan"].isin(months)].groupby("kode")["ekspektasi"].mean()
        cols["ekspektasi_prakiraan"] = table["kode"].map(mean_fc)
    for col, vals in cols.items():
        if vals is not None and pd.Series(vals)[ok].notna().sum() > 2:
            out[f"spearman_{col}"] = float(spearmanr(vals[ok], lam[ok]).statistic)
    if backtest is not None:
        out.update(_backtest_truth(truth, backtest))
    return out


def _backtest_truth(truth: pd.DataFrame, bt: Backtest) -> dict[str, Any]:
    try:
        skill = bt.skill(truth)
    except ValidationError as exc:
        logger.warning("backtest not validated against the truth: %s", exc)
        return {}
    t = truth.copy()
    t["bulan"] = pd.PeriodIndex(t["bulan"].astype(str), freq="M").to_timestamp()
    lam = t.set_index(["kode", "bulan"])["lambda_benar"]
    exp = bt.expected["model"]
    units = exp.index.get_level_values(0)
    months = exp.index.get_level_values("bulan")
    true = lam.reindex(pd.MultiIndex.from_arrays([bt.codes.reindex(units).to_numpy(), months]))
    frame = pd.DataFrame({"m": exp.to_numpy(), "t": true.to_numpy(), "bulan": months})
    rho = frame.groupby("bulan").apply(
        lambda g: spearmanr(g["m"], g["t"]).statistic, include_groups=False
    )
    return {
        "backtest_gap_brier": float(skill.loc["model", "gap_brier"]),
        "backtest_gap_log_loss": float(skill.loc["model", "gap_log_loss"]),
        "backtest_brier_kebenaran": float(skill.loc["kebenaran", "brier"]),
        "backtest_spearman_bulanan": float(rho.mean()),
        "backtest_skill": {
            m: {k: round(float(v), 4) for k, v in row.items()} for m, row in skill.iterrows()
        },
    }


@capped
def score(
    layers: Any,
    *,
    as_of: str | pd.Timestamp | None = None,
    level: Literal["kabupaten", "kecamatan", "desa"] = "kecamatan",
    weights: dict[str, float] | None = None,
    incidents: Any = None,
    run_backtest: bool = True,
    backtest_months: int | None = None,
    refit_every: int | None = None,
    model: str | None = None,
    seed: int = 0,
    progress: bool = False,
) -> ScoreResult:
    """Score conflict risk per unit as of a date (see the module docstring).

    Parameters
    ----------
    layers : kewaspadaan.io.Layers
        From :func:`kewaspadaan.io.load_layers` (needs boundaries of ``level``). Without an
        incident file (and no ``incidents=``) the score degrades gracefully: see
        :func:`_score_without_incidents` — history, spill-over, model and backtest are recorded
        in ``result.missing`` and the composite uses the static groups only.
    as_of : str or Timestamp, optional
        Assessment date; default the first day of the month after the latest incident.
    level : {"kabupaten", "kecamatan", "desa"}, default "kecamatan"
        Units scored.
    weights : dict, optional
        Composite group weights overriding ``settings.composite_weights``.
    incidents : IncidentLoad or GeoDataFrame, optional
        Incidents already loaded (else read from ``layers.incidents_path``).
    run_backtest : bool, default True
        Run the rolling-origin backtest.
    backtest_months, refit_every, model
        Backtest options (defaults in :mod:`kewaspadaan.settings`).
    seed : int, default 0
        Seed of Gi* permutations, the model and tie-breaking.
    progress : bool, default False
        Progress bar for the backtest.

    Returns
    -------
    ScoreResult
    """
    boundaries = _boundaries(layers, level)
    assignment = _incidents(layers, boundaries, incidents)
    if assignment is None:
        return _score_without_incidents(
            layers, boundaries, as_of=as_of, level=level, weights=weights
        )
    assigned = assignment.assigned
    if as_of is None:
        if len(assigned) == 0:
            raise ValidationError(
                "incidents",
                ["no incident could be assigned; give as_of= and check insiden_ditolak.csv"],
            )
        as_of = _default_as_of(assigned)
    as_of = pd.Timestamp(as_of)
    if not isinstance(as_of, pd.Timestamp) or pd.isna(as_of):
        raise ValidationError("as_of", [f"not a date: {as_of!r}; use YYYY-MM-DD"])
    logger.info(
        "scoring %d %s as of %s from %d incidents (%d rejected)",
        len(boundaries),
        level,
        as_of.date(),
        len(assigned),
        len(assignment.rejected),
    )
    w = spatial_weights(boundaries)
    static, missing, notes = static_features(layers, boundaries)
    hist = history_features(assigned, boundaries, as_of=as_of, weights=w, seed=seed)
    prev_as_of = as_of - pd.DateOffset(months=1)
    hist_prev = history_features(assigned, boundaries, as_of=prev_as_of, weights=w, permutations=0)
    feats = pd.concat([hist, static], axis=1)
    risk = composite_index(feats, weights=weights, boundaries=boundaries)
    previous = composite_index(
        pd.concat([hist_prev, static], axis=1), weights=weights, boundaries=boundaries
    )
    warn = alerts(risk.score, previous.score)
    part = _model_part(
        assigned,
        boundaries,
        as_of,
        static,
        w,
        run_backtest,
        backtest_months,
        refit_every,
        model,
        seed,
        progress,
        notes,
    )
    _attach_forecast(risk, part, warn, assigned, as_of, notes, seed)
    sens = sensitivity(risk, seed=seed)
    if risk.extra is not None and risk.extra["prob_ganti_kelas"].isna().all():
        risk.extra["prob_ganti_kelas"] = sens["kelas_berubah"]
    table = _with_unit_context(risk.to_frame(), boundaries)
    missing.update({k: v for k, v in risk.missing.items() if k not in missing})
    result = ScoreResult(
        table=table,
        risk=risk,
        previous=previous,
        sensitivity=sens,
        alerts=warn,
        model=part.choice,
        backtest=part.backtest,
        rejected=assignment.rejected,
        accounting=assignment.summary(),
        as_of=as_of,
        level=level,
        missing=missing,
        notes=notes,
        forecast=part.forecast,
        hotspots=part.hotspots,
        period=_period(assigned, as_of),
    )
    truth = getattr(layers, "intensitas_benar", None)
    if truth is not None and level == "kecamatan":
        result.validation = validate_against_truth(
            truth, table, as_of, backtest=part.backtest, forecast=part.forecast
        )
        logger.info(
            "validation against the true intensity: %s",
            {k: v for k, v in result.validation.items() if k != "backtest_skill"},
        )
    return result


#: Reasons recorded in ``ScoreResult.missing`` when no incident data is given.
NO_INCIDENTS_MISSING: dict[str, str] = {
    "history": "no incident file given (paths={'insiden': ...}): history features not computed",
    "spillover": "no incident file given: spill-over (neighbour incidents, Gi*) not computed",
    "prob_insiden": "no incidents: model not fitted (prob_insiden is NaN)",
    "backtest": "no incidents: no backtest",
    "peringatan": "no incidents: no score change over time, no alerts",
}


def _score_without_incidents(
    layers: Any,
    boundaries: gpd.GeoDataFrame,
    *,
    as_of: str | pd.Timestamp | None,
    level: str,
    weights: dict[str, float] | None,
) -> ScoreResult:
    """Score from the static features only (no incident history).

    The composite index renormalises the group weights over the groups that have a feature
    (``RiskIndex.missing`` names the others as ``group:<name>``); ``prob_insiden`` and
    ``perubahan_skor`` are NaN, no unit is alerted; ``missing`` says why (see
    :data:`NO_INCIDENTS_MISSING`). ``as_of`` defaults to today's month start (it only dates the
    report: nothing here changes with time).
    """
    if as_of is None:
        month = pd.Timestamp.today().normalize().replace(day=1)
        logger.warning(
            "no incidents and no as_of: the assessment is dated %s (this month)", month.date()
        )
        as_of = month
    as_of = pd.Timestamp(as_of)
    if not isinstance(as_of, pd.Timestamp) or pd.isna(as_of):
        raise ValidationError("as_of", [f"not a date: {as_of!r}; use YYYY-MM-DD"])
    static, missing, notes = static_features(layers, boundaries)
    risk = composite_index(static, weights=weights, boundaries=boundaries)
    nan = pd.Series(np.nan, index=boundaries.index)
    warn = alerts(risk.score, nan.rename("skor"))
    risk.extra = pd.DataFrame(
        {
            "prob_insiden": nan,
            "perubahan_skor": nan,
            "peringatan": np.zeros(len(boundaries), dtype=bool),
        },
        index=boundaries.index,
    )
    missing.update(NO_INCIDENTS_MISSING)
    missing.update({k: v for k, v in risk.missing.items() if k not in missing})
    logger.warning(
        "no incident data: scoring %d %s from static features only; groups used "
        "%s (weights renormalised), not computed: %s",
        len(boundaries),
        level,
        {g: round(v, 3) for g, v in risk.weights.items()},
        sorted(missing),
    )
    from kewaspadaan.schema import REJECTION_COLUMNS

    rejected = pd.DataFrame({c: pd.Series([], dtype=object) for c in REJECTION_COLUMNS})
    accounting: dict[str, Any] = {
        "source": None,
        "n_read": 0,
        "n_assigned": 0,
        "n_rejected": 0,
        "by_rule": {},
        "reasons": {},
    }
    return ScoreResult(
        table=_with_unit_context(risk.to_frame(), boundaries),
        risk=risk,
        previous=risk,
        sensitivity=sensitivity(risk),
        alerts=warn,
        model=None,
        backtest=None,
        rejected=rejected,
        accounting=accounting,
        as_of=as_of,
        level=level,
        missing=missing,
        notes=notes,
    )


@dataclass
class _ForecastPart:
    """What :func:`_model_part` produced (all None/NaN when the history is too short)."""

    prob: pd.Series
    choice: ModelChoice | None = None
    backtest: Backtest | None = None
    forecast: Forecast | None = None
    panel: CountPanel | None = None
    hotspots: pd.DataFrame | None = None
    uncertainty: tuple[np.ndarray, np.ndarray] | None = None


#: Fewest incidents before the assessment date with which a count model is fitted.
MIN_EVENTS_FOR_MODEL = 20


def _model_part(
    assigned,
    boundaries,
    as_of,
    static,
    w,
    run_backtest,
    backtest_months,
    refit_every,
    model,
    seed,
    progress,
    notes,
) -> _ForecastPart:
    """Count panel before ``as_of``; backtest; model chosen on the past; forecast; hot spots."""
    from kewaspadaan.forecast.hotspots import emerging_hotspots
    from kewaspadaan.forecast.simulate import unit_uncertainty
    from kewaspadaan.spatial import star_matrix

    part = _ForecastPart(pd.Series(np.nan, index=boundaries.index, name="prob_insiden"))
    try:
        panel = build_count_panel(assigned, boundaries, end=as_of, static=static, weights=w)
    except ValidationError as exc:
        notes["prob_insiden"] = f"no forecast: {exc}"
        logger.warning("no forecast: %s", exc)
        return part
    part.panel = panel
    n_events = int(np.asarray(panel.counts).sum())
    if n_events < MIN_EVENTS_FOR_MODEL:
        why = (
            f"only {n_events} incident(s) before {as_of:%Y-%m-%d} in these units: too few to "
            f"fit or backtest a count model (at least {MIN_EVENTS_FOR_MODEL}); the score "
            "uses the history features only"
        )
        notes["prob_insiden"] = f"model not fitted: {why}"
        notes["backtest"] = f"backtest skipped: {why}"
        logger.warning("no forecast: %s", why)
        return part
    part.hotspots = emerging_hotspots(
        panel.counts, star_matrix(w, boundaries.index), index=boundaries.index
    )
    if run_backtest:
        try:
            part.backtest = backtest(
                panel,
                n_months=backtest_months,
                refit_every=refit_every,
                model=model,
                seed=seed,
                progress=progress,
            )
        except ValidationError as exc:
            notes["backtest"] = f"backtest skipped: {exc}"
            logger.warning("backtest skipped: %s", exc)
    try:
        part.choice = fit_forecast_model(
            panel,
            model=model,
            seed=seed,
            validation=part.backtest.validation if part.backtest is not None else None,
        )
    except ValidationError as exc:
        notes["prob_insiden"] = f"model not fitted: {exc}"
        logger.warning("model not fitted: %s", exc)
        return part
    part.prob = _predict_at(part.choice, panel)
    part.forecast = forecast_to_voting_day(part.choice, panel, seed=seed)
    part.uncertainty = unit_uncertainty(part.choice, panel)
    notes.update({f"prakiraan_{k}": v for k, v in part.forecast.notes.items()})
    return part


def _attach_forecast(
    risk: RiskIndex,
    part: _ForecastPart,
    warn: pd.DataFrame,
    assigned: pd.DataFrame,
    as_of: pd.Timestamp,
    notes: dict[str, str],
    seed: int,
) -> None:
    """Forecast columns, classes, hot-spot trend, reliability and class stability on ``risk``.

    The classes follow ``settings.class_basis`` (see :mod:`kewaspadaan.risk`); without a
    forecast the classes of the score stay and ``notes["kelas"]`` says so.
    """
    from kewaspadaan.risk import class_change_probability, classify_probability, reliability

    idx = risk.score.index
    extra = pd.DataFrame(
        {
            "prob_insiden": part.prob,
            "perubahan_skor": warn["perubahan_skor"],
            "peringatan": warn["peringatan"],
        },
        index=idx,
    )
    basis = settings.class_basis
    fc = part.forecast
    if fc is not None:
        first = fc.month(1).set_index("kode")
        last = fc.month(int(fc.units["horizon_bulan"].max())).set_index("kode")
        tot = fc.totals().set_index("kode")
        codes = risk.boundaries["kode"].astype(str) if risk.boundaries is not None else None
        if codes is not None:
            extra["ekspektasi_insiden"] = codes.map(first["ekspektasi"]).to_numpy()
            extra["ekspektasi_hingga_pemilu"] = codes.map(
                tot["ekspektasi_hingga_pemilu"]
            ).to_numpy()
            extra["ekspektasi_bawah80"] = codes.map(tot["bawah80"]).to_numpy()
            extra["ekspektasi_atas80"] = codes.map(tot["atas80"]).to_numpy()
            extra["prob_bulan_pemilu"] = codes.map(last["prob_min1"]).to_numpy()
    if part.hotspots is not None:
        extra["tren_hotspot"] = part.hotspots["tren_hotspot"].reindex(idx)
    precise = None
    if "geo_precision" in assigned.columns and len(assigned):
        gp = pd.to_numeric(assigned["geo_precision"], errors="coerce")
        share = (gp <= 2).groupby(assigned["kode"].astype(str)).mean()
        if risk.boundaries is not None:
            precise = pd.Series(
                risk.boundaries["kode"].astype(str).map(share).to_numpy(), index=idx
            )
    data_end = pd.to_datetime(assigned["event_date"]).max() if len(assigned) else None
    extra["keandalan"] = reliability(
        risk.features, as_of=as_of, data_end=data_end, precise_share=precise
    )
    quantity = {"prob_insiden": "prob_insiden", "prob_bulan_pemilu": "prob_bulan_pemilu"}
    if (
        basis in quantity
        and quantity[basis] in extra.columns
        and extra[quantity[basis]].notna().all()
    ):
        prob = extra[quantity[basis]]
        risk.kelas = classify_probability(prob)
        n = len(prob)
        sd, share_b = part.uncertainty or (np.zeros(n), np.zeros(n))
        extra["prob_ganti_kelas"] = class_change_probability(prob, sd, share_b, seed=seed)
    else:
        if basis in quantity:
            notes["kelas"] = (
                f"class_basis {basis!r} needs the forecast, which is not available: "
                "classes from the composite score (Jenks breaks)"
            )
        extra["prob_ganti_kelas"] = None
    risk.extra = extra
