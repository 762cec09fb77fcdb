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
4. fits the calibrated model on the monthly panel before ``as_of`` and predicts the probability
   of ≥ 1 incident in the month from ``as_of``; runs the rolling-origin backtest;
5. when the data carry the generator's ground truth (``intensitas_benar``), measures how well the
   score and the probability rank the true intensity (Spearman).
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
from kewaspadaan.features.history import history_features, history_panel
from kewaspadaan.model import Backtest, FittedModel, backtest, build_panel, calendar_features
from kewaspadaan.model import fit_model as _fit_model
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
        Rank stability under ±20 % weights (:func:`kewaspadaan.risk.sensitivity`).
    alerts : DataFrame
        Score change since the previous month and the alert flag, per unit.
    model : FittedModel or None
        The calibrated model used for ``prob_insiden``.
    backtest : Backtest or None
        Rolling-origin backtest (None when skipped or the history is too short).
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
    model: FittedModel | None
    backtest: Backtest | None
    rejected: pd.DataFrame
    accounting: dict[str, Any]
    as_of: pd.Timestamp
    level: str
    missing: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the outputs atomically into ``out_dir``; return ``{name: path}``.

        Files: ``risiko_<level>.gpkg`` (with geometry) and ``.csv`` (without), ``sensitivitas.csv``,
        ``backtest.csv`` (metrics per method) and ``backtest_prediksi.csv`` (every prediction),
        ``peringatan.csv`` (alerted units only), ``insiden_ditolak.csv``.
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


def _predict_at(
    model: FittedModel,
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    as_of: pd.Timestamp,
    static: pd.DataFrame,
    w: Any,
) -> pd.Series:
    rows = history_panel(incidents, boundaries, months=pd.DatetimeIndex([as_of]), weights=w)
    rows = rows.droplevel("bulan")
    cal = calendar_features([as_of])
    for c in cal.columns:
        rows[c] = cal[c].iloc[0]
    for c in static.select_dtypes("number").columns:
        if c not in rows.columns:
            rows[c] = static[c]
    return pd.Series(model.predict_proba(rows), index=boundaries.index, name="prob_insiden")


def validate_against_truth(
    truth: pd.DataFrame, table: pd.DataFrame, as_of: pd.Timestamp, *, horizon_months: int = 12
) -> dict[str, Any]:
    """Spearman of ``skor`` and ``prob_insiden`` with the true intensity (demo ground truth).

    The truth is the mean ``lambda_benar`` over the ``horizon_months`` months from ``as_of`` when
    available, else ``lambda_benar`` of the last month before ``as_of`` (the data end).
    """
    t = truth.copy()
    t["bulan"] = pd.PeriodIndex(t["bulan"].astype(str), freq="M")
    start = as_of.to_period("M")
    ahead = t[(t["bulan"] >= start) & (t["bulan"] < start + horizon_months)]
    if len(ahead):
        ref = ahead.groupby("kode")["lambda_benar"].mean()
        what = f"mean lambda_benar {ahead['bulan'].min()}..{ahead['bulan'].max()}"
    else:
        before = t[t["bulan"] < start]
        if before.empty:
            return {}
        lastm = before["bulan"].max()
        ref = before[before["bulan"] == lastm].groupby("kode")["lambda_benar"].mean()
        what = f"lambda_benar {lastm}"
    lam = table["kode"].map(ref)
    ok = lam.notna()
    out: dict[str, Any] = {"truth": what, "n": int(ok.sum())}
    for col in ("skor", "prob_insiden"):
        if col in table.columns and table[col].notna().any():
            out[f"spearman_{col}"] = float(spearmanr(table.loc[ok, col], lam[ok]).statistic)
    return out


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
    fitted, bt, prob = _model_part(
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
    risk.extra = pd.DataFrame(
        {
            "prob_insiden": prob,
            "perubahan_skor": warn["perubahan_skor"],
            "peringatan": warn["peringatan"],
        },
        index=boundaries.index,
    )
    table = _with_unit_context(risk.to_frame(), boundaries)
    missing.update({k: v for k, v in risk.missing.items() if k not in missing})
    result = ScoreResult(
        table=table,
        risk=risk,
        previous=previous,
        sensitivity=sensitivity(risk),
        alerts=warn,
        model=fitted,
        backtest=bt,
        rejected=assignment.rejected,
        accounting=assignment.summary(),
        as_of=as_of,
        level=level,
        missing=missing,
        notes=notes,
    )
    truth = getattr(layers, "intensitas_benar", None)
    if truth is not None and level == "kecamatan":
        result.validation = validate_against_truth(truth, table, as_of)
        logger.info("validation against the true intensity: %s", result.validation)
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
):
    """Fit the model before ``as_of``, predict the month from it, and backtest."""
    nan = pd.Series(np.nan, index=boundaries.index, name="prob_insiden")
    try:
        panel = build_panel(assigned, boundaries, end=as_of, static=static, weights=w)
        fitted = _fit_model(panel, model=model, seed=seed)
    except ValidationError as exc:
        notes["prob_insiden"] = f"model not fitted: {exc}"
        logger.warning("model not fitted: %s", exc)
        return None, None, nan
    prob = _predict_at(fitted, assigned, boundaries, as_of, static, w)
    bt = None
    if run_backtest:
        area = static["area_km2"] if "area_km2" in static.columns else None
        try:
            bt = backtest(
                panel,
                n_months=backtest_months,
                refit_every=refit_every,
                model=model,
                area_km2=area,
                seed=seed,
                progress=progress,
            )
        except ValidationError as exc:
            notes["backtest"] = f"backtest skipped: {exc}"
            logger.warning("backtest skipped: %s", exc)
    return fitted, bt, prob
