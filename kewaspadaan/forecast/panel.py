"""The monthly count panel every forecast method works on: units × months, as numpy arrays.

:func:`build_count_panel` turns assigned incidents into a dense matrix ``counts`` (units × fully
observed months, events per unit and calendar month) and gathers what the methods need beside
it: standardised static covariates, the row-standardised spatial weights (neighbour
triggering, spatial lags), the unit areas (equal-area PAI), the parent units (kabupaten,
province) for aggregation and the election calendar. Nothing is computed per unit in Python:
every method reads these arrays and works on whole columns (months) at once.

Month ``t`` is an integer: ``t = 0`` is ``months[0]``; ``t = T`` (one past the last observed
month) is the month that starts at the assessment date. Features of month ``t`` only ever use
``counts[:, :t]`` (the strict past).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from kewaspadaan._errors import ValidationError
from kewaspadaan.forecast.calendar import ELECTION_TYPES, load_calendar, season_index

__all__ = ["CountPanel", "build_count_panel", "covariate_matrix", "parent_codes"]

logger = logging.getLogger(__name__)

#: Months after the data covered by the cached calendar (50 years).
_CALENDAR_AHEAD = 600
#: Static columns never used as covariates (identifiers, labels, the target itself).
_NOT_COVARIATES = {"n_events", "y", "hotspot", "gi_p", "kode", "bulan"}


@dataclass
class CountPanel:
    """Monthly event counts per unit and everything the forecast methods use beside them.

    Attributes
    ----------
    index : pandas.Index
        Index of the boundaries (rows of every per-unit array follow it).
    codes : numpy.ndarray of str
        Unit codes (``kode``).
    months : pandas.DatetimeIndex
        Month starts of the observed months (columns of ``counts``).
    counts : numpy.ndarray
        Events per unit and month, shape (units, months), float.
    covariates : numpy.ndarray
        Standardised static covariates, shape (units, p) (see :func:`covariate_matrix`).
    covariate_names : list of str
        Their names.
    w : scipy.sparse.csr_matrix
        Row-standardised spatial weights (units × units).
    area_km2 : numpy.ndarray or None
        Area of each unit (km²).
    groups : dict
        Parent level (``"kecamatan"``, ``"kabupaten"``, ``"provinsi"``) → parent code per unit.
    calendar : DataFrame
        Election calendar (:func:`kewaspadaan.forecast.calendar.load_calendar`).
    """

    index: pd.Index
    codes: np.ndarray
    months: pd.DatetimeIndex
    counts: np.ndarray
    covariates: np.ndarray
    covariate_names: list[str]
    w: sparse.csr_matrix
    area_km2: np.ndarray | None = None
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    calendar: pd.DataFrame = field(default_factory=load_calendar)
    _cal_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: Any, make: Any) -> Any:
        """``make()`` computed once per panel and ``key`` (what the methods derive from the
        counts alone and reuse at every refit, e.g. the EWMA log-likelihood per month). Safe
        from two threads (the backtest's two chains): both may compute it, the first stored is
        the one both use."""
        if key not in self._memo:
            self._memo.setdefault(key, make())
        return self._memo[key]

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(self.counts.shape[0])

    @property
    def n_months(self) -> int:
        """Number of observed months ``T``."""
        return int(self.counts.shape[1])

    def month_starts(self, t: np.ndarray | list[int]) -> pd.DatetimeIndex:
        """Month start of each month number ``t`` (any integer, also beyond the data)."""
        ordinal = self.months[0].to_period("M").ordinal + np.atleast_1d(
            np.asarray(t, dtype=np.int64)
        )
        return pd.DatetimeIndex(pd.PeriodIndex.from_ordinals(ordinal, freq="M").to_timestamp())

    def _calendar_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Season row, type and months to election of months 0 … T + 600 (computed once)."""
        if self._cal_cache is None:
            from kewaspadaan.forecast.calendar import calendar_features

            t = np.arange(self.n_months + _CALENDAR_AHEAD)
            starts = self.month_starts(t)
            rows = season_index(starts, self.calendar)
            kinds = self.calendar["jenis"].map({k: i for i, k in enumerate(ELECTION_TYPES)})
            kind = np.where(rows >= 0, kinds.to_numpy()[np.maximum(rows, 0)], -1)
            ahead = calendar_features(starts, calendar=self.calendar)["months_to_election"]
            self._cal_cache = (rows, kind.astype(np.int64), ahead.to_numpy())
        return self._cal_cache

    def season(self, t: np.ndarray | list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Election season of months ``t``: (calendar row or -1, type index or -1).

        The type index follows :data:`~kewaspadaan.forecast.calendar.ELECTION_TYPES`.
        """
        rows, kinds, _ = self._calendar_table()
        t = np.asarray(t, dtype=np.int64)
        return rows[t], kinds[t]

    def months_to_election(self, t: np.ndarray | list[int]) -> np.ndarray:
        """Months from the start of month ``t`` to the next voting day (capped at 36)."""
        return self._calendar_table()[2][np.asarray(t, dtype=np.int64)]

    def subset_months(self, t_end: int) -> CountPanel:
        """The same panel truncated to its first ``t_end`` months (what was known then)."""
        return CountPanel(
            index=self.index,
            codes=self.codes,
            months=self.months[:t_end],
            counts=self.counts[:, :t_end],
            covariates=self.covariates,
            covariate_names=self.covariate_names,
            w=self.w,
            area_km2=self.area_km2,
            groups=self.groups,
            calendar=self.calendar,
            _cal_cache=self._cal_cache,
        )


def covariate_matrix(static: pd.DataFrame | None, index: pd.Index) -> tuple[np.ndarray, list[str]]:
    """Static features → standardised covariates (units × p).

    Numeric columns only; non-negative columns (distances, times, counts, population, area) are
    taken as ``log1p``; every column is centred and scaled to unit variance; missing values
    become 0 (the mean); constant columns are dropped.
    """
    if static is None or not len(static.columns):
        return np.zeros((len(index), 0)), []
    num = static.reindex(index).select_dtypes("number")
    cols, names = [], []
    for c in num.columns:
        if c in _NOT_COVARIATES:
            continue
        v = num[c].to_numpy(dtype=float)
        ok = np.isfinite(v)
        if ok.sum() < 2:
            continue
        if np.nanmin(v) >= 0:
            v = np.log1p(v)
        sd = np.nanstd(v)
        if not sd > 0:
            continue
        cols.append(np.where(ok, (v - np.nanmean(v)) / sd, 0.0))
        names.append(str(c))
    if not cols:
        return np.zeros((len(index), 0)), []
    return np.column_stack(cols), names


def parent_codes(boundaries: pd.DataFrame) -> dict[str, np.ndarray]:
    """Parent unit codes of every unit: kecamatan (for desa), kabupaten, provinsi.

    From ``kode_kec``/``kode_kab``/``kode_prov`` when present, else from the Kemendagri code
    prefix (``64.01.01`` → kabupaten ``64.01``, province ``64``).
    """
    kode = boundaries["kode"].astype(str)
    parts = kode.str.split(".")
    depth = int(parts.str.len().max())
    out: dict[str, np.ndarray] = {}
    for level, col, n in (("kecamatan", "kode_kec", 3), ("kabupaten", "kode_kab", 2)):
        if depth > n:
            src = boundaries[col] if col in boundaries.columns else parts.str[:n].str.join(".")
            out[level] = src.astype(str).to_numpy()
    prov = boundaries["kode_prov"] if "kode_prov" in boundaries.columns else parts.str[0]
    out["provinsi"] = prov.astype(str).to_numpy()
    return out


def _monthly_counts(
    incidents: pd.DataFrame, codes: np.ndarray, months: pd.DatetimeIndex
) -> np.ndarray:
    pos = pd.Series(np.arange(len(codes)), index=pd.Index(codes))
    unit = incidents["kode"].astype(str).map(pos)
    dates = pd.to_datetime(incidents["event_date"], errors="coerce")
    bad = unit.isna() | dates.isna()
    if bad.any():
        rows = list(incidents.index[bad.to_numpy()][:10])
        raise ValidationError(
            "incidents",
            [
                f"{int(bad.sum())} incident(s) without a unit code of the boundaries or a valid "
                f"event_date (rows {rows}); assign them with the same boundaries and fix dates"
            ],
        )
    m = dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1
    m0 = months[0].year * 12 + months[0].month - 1
    col = m - m0
    ok = (col >= 0) & (col < len(months))
    mat = np.zeros((len(codes), len(months)))
    np.add.at(mat, (unit.to_numpy()[ok].astype(np.int64), col[ok]), 1.0)
    return mat


def build_count_panel(
    incidents: pd.DataFrame,
    boundaries: Any,
    *,
    end: str | pd.Timestamp,
    start: str | pd.Timestamp | None = None,
    static: pd.DataFrame | None = None,
    weights: Any = None,
    calendar: pd.DataFrame | None = None,
) -> CountPanel:
    """Monthly counts per unit of every fully observed month before ``end``.

    Parameters
    ----------
    incidents : DataFrame
        Assigned incidents (``event_date`` and the unit code ``kode``).
    boundaries : GeoDataFrame
        Units with a unique ``kode`` (and ``kode_kab``/``kode_prov`` when available).
    end : str or Timestamp
        Assessment date: months ending on or before it are observed; ``end`` itself is rounded
        down to its month start.
    start : str or Timestamp, optional
        First month; default the month of the first incident.
    static : DataFrame, optional
        Time-invariant features on ``boundaries.index`` (covariates; ``area_km2`` also gives
        the areas of the equal-area PAI).
    weights : libpysal.weights.W, optional
        Spatial weights; default :func:`kewaspadaan.spatial.spatial_weights`.
    calendar : DataFrame, optional
        Election calendar; default :func:`~kewaspadaan.forecast.calendar.load_calendar`.

    Returns
    -------
    CountPanel
    """
    from kewaspadaan.spatial import spatial_weights, weights_matrix

    end_m = pd.Timestamp(end).to_period("M").to_timestamp()
    if start is None:
        if len(incidents) == 0:
            raise ValidationError("incidents", ["no incidents: a panel needs an event history"])
        start = pd.to_datetime(incidents["event_date"]).min()
    first = pd.Timestamp(start).to_period("M").to_timestamp()
    months = pd.date_range(first, end_m - pd.DateOffset(months=1), freq="MS")
    if len(months) < 3:
        raise ValidationError(
            "panel",
            [
                f"only {len(months)} complete month(s) between {first:%Y-%m} and "
                f"{pd.Timestamp(end):%Y-%m-%d}; the forecast needs a longer history"
            ],
        )
    codes = boundaries["kode"].astype(str).to_numpy()
    if len(set(codes)) != len(codes):
        raise ValidationError("boundaries", ["duplicate codes in 'kode'"])
    counts = _monthly_counts(incidents, codes, months)
    w = spatial_weights(boundaries) if weights is None else weights
    wm = weights_matrix(w, boundaries.index, transform="R")
    cov, names = covariate_matrix(static, boundaries.index)
    area = None
    if static is not None and "area_km2" in static.columns:
        area = static["area_km2"].reindex(boundaries.index).to_numpy(dtype=float)
    logger.debug(
        "count panel: %d units x %d months (%s..%s), %d events, %d covariates",
        len(codes),
        len(months),
        f"{months[0]:%Y-%m}",
        f"{months[-1]:%Y-%m}",
        int(counts.sum()),
        len(names),
    )
    return CountPanel(
        index=boundaries.index,
        codes=codes,
        months=months,
        counts=counts,
        covariates=cov,
        covariate_names=names,
        w=wm,
        area_km2=area,
        groups=parent_codes(boundaries),
        calendar=load_calendar() if calendar is None else calendar,
    )
