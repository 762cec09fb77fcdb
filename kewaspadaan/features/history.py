"""Incident-history features per kecamatan (or desa) as of a date, without leakage.

Only events dated **strictly before** ``as_of`` count. For every unit of the boundaries:

==========================  ===================================================================
``events_decay``            exponentially time-decayed event count: Σ 0.5^(age_days / half-life)
``events_decay_<type>``     the same per ACLED event type (battles, explosions, protests, riots,
                            strategic, violence_civilians, other)
``fatalities_decay``        decayed fatalities
``events_3m``/``events_12m`` events in the last 3 / 12 calendar months before ``as_of``
``trend_6m``                log((events in the last 6 months + 1) / (mean events per 6 months in
                            the 24 months before those + 1)); > 0 rising, < 0 falling
``months_since_last``       months (30.44 days) since the latest event; units without any event
                            get the length of the record (months since the first event anywhere)
``events_per_month``        long-run rate: all events before ``as_of`` / months of record (from
                            the first event anywhere; at least 1)
``*_per10k``                ``events_12m`` and ``events_decay`` per 10,000 inhabitants (only when
                            the boundaries carry ``penduduk``)
``lag_events_decay``        spatial lag: mean ``events_decay`` of the neighbours (spill-over)
``gi_z``/``gi_p``           Getis-Ord Gi* z-score and conditional-permutation p of
                            ``events_decay``; ``hotspot`` "panas"/"dingin"/"" at p ≤ 0.05
==========================  ===================================================================

:func:`history_panel` computes the same features at every month start (for the model) with the
analytical Gi* z only, plus the number of events in that month (the model's target).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal import weights as lps

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.spatial import (
    getis_ord_gi_star,
    gi_star_z,
    spatial_weights,
    star_matrix,
    weights_matrix,
)

__all__ = [
    "EVENT_TYPES",
    "HISTORY_FEATURES",
    "event_type_slug",
    "history_features",
    "history_panel",
    "monthly_counts",
]

logger = logging.getLogger(__name__)

#: ACLED event types and the slug used in feature names.
EVENT_TYPES: dict[str, str] = {
    "Battles": "battles",
    "Explosions/Remote violence": "explosions",
    "Protests": "protests",
    "Riots": "riots",
    "Strategic developments": "strategic",
    "Violence against civilians": "violence_civilians",
}
_SLUGS: tuple[str, ...] = (*EVENT_TYPES.values(), "other")

#: Names of the history features (population rates and spatial ones depend on inputs).
HISTORY_FEATURES: tuple[str, ...] = (
    "events_decay",
    *(f"events_decay_{s}" for s in _SLUGS),
    "fatalities_decay",
    "events_3m",
    "events_12m",
    "trend_6m",
    "months_since_last",
    "events_per_month",
    "events_12m_per10k",
    "events_decay_per10k",
    "lag_events_decay",
    "gi_z",
    "gi_p",
)
_DAYS_PER_MONTH = 30.436875


def event_type_slug(event_type: str) -> str:
    """ACLED ``event_type`` → slug used in feature names (unknown types → ``"other"``)."""
    return EVENT_TYPES.get(str(event_type).strip(), "other")


class _Events:
    """Incidents reduced to numpy arrays aligned to the units of ``boundaries``."""

    def __init__(self, incidents: pd.DataFrame, units: pd.Index, unit_col: str) -> None:
        required = ("event_date", unit_col)
        missing = [c for c in required if c not in incidents.columns]
        if missing:
            raise MissingColumnError(
                f"incidents: missing column(s) {missing}; assign incidents to boundaries first "
                "(kewaspadaan.io.assign_incidents adds 'kode') and keep 'event_date'"
            )
        pos = pd.Series(np.arange(len(units)), index=units)
        unit = incidents[unit_col].map(pos)
        dates = pd.to_datetime(incidents["event_date"], errors="coerce")
        problems = []
        for label, bad in (
            ("is not a code of the boundaries", unit.isna()),
            ("has no valid event_date", dates.isna()),
        ):
            if bad.any():
                rows = _row_labels(incidents, bad)
                problems.append(
                    f"{int(bad.sum())} incident(s) whose {unit_col!r} {label}: "
                    f"rows {rows}; assign them with the same boundaries / fix dates"
                )
        if problems:
            raise ValidationError("incidents", problems)
        self.unit = unit.to_numpy(dtype=np.int64)
        self.day = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
        etype = (
            incidents["event_type"]
            if "event_type" in incidents.columns
            else pd.Series("", index=incidents.index)
        )
        slug_pos = {s: i for i, s in enumerate(_SLUGS)}
        codes, distinct = pd.factorize(etype.astype("object"), use_na_sentinel=False)
        by_type = np.array([slug_pos[event_type_slug(t)] for t in distinct], dtype=np.int64)
        self.etype = by_type[codes] if len(codes) else np.zeros(0, dtype=np.int64)
        fat = (
            pd.to_numeric(incidents["fatalities"], errors="coerce")
            if "fatalities" in incidents.columns
            else pd.Series(0, index=incidents.index)
        )
        self.fatal = fat.fillna(0).clip(lower=0).to_numpy(dtype=float)
        self.n_units = len(units)
        self.first_day = int(self.day.min()) if len(self.day) else None


def _row_labels(df: pd.DataFrame, mask: pd.Series) -> list:
    col = "source_row" if "source_row" in df.columns else None
    vals = df.loc[mask, col] if col else df.index[mask]
    return list(vals)[:10]


def _day(ts: pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(ts).normalize().date(), "D").astype(np.int64))


def _core(ev: _Events, as_of: pd.Timestamp, half_life_days: float) -> dict[str, np.ndarray]:
    """Non-spatial history features for one ``as_of`` (numpy, vectorised)."""
    n = ev.n_units
    d0 = _day(as_of)
    past = ev.day < d0
    unit, day, etype, fatal = ev.unit[past], ev.day[past], ev.etype[past], ev.fatal[past]
    decay = 0.5 ** ((d0 - day) / half_life_days)
    out: dict[str, np.ndarray] = {"events_decay": np.bincount(unit, decay, minlength=n)}
    for i, slug in enumerate(_SLUGS):
        sel = etype == i
        out[f"events_decay_{slug}"] = np.bincount(unit[sel], decay[sel], minlength=n)
    out["fatalities_decay"] = np.bincount(unit, decay * fatal, minlength=n)

    def since(months: int) -> np.ndarray:
        return np.bincount(
            unit[day >= _day(as_of - pd.DateOffset(months=months))], minlength=n
        ).astype(float)

    out["events_3m"] = since(3)
    out["events_12m"] = since(12)
    recent = since(6)
    earlier = (since(30) - recent) / 4.0
    out["trend_6m"] = np.log((recent + 1.0) / (earlier + 1.0))
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, unit, day)
    record_m = 0.0 if ev.first_day is None else max(0.0, (d0 - ev.first_day) / _DAYS_PER_MONTH)
    out["months_since_last"] = np.where(last >= 0, (d0 - last) / _DAYS_PER_MONTH, record_m)
    out["events_per_month"] = np.bincount(unit, minlength=n) / max(record_m, 1.0)
    return out


def _population(boundaries: pd.DataFrame) -> np.ndarray | None:
    if "penduduk" not in boundaries.columns:
        return None
    pop = pd.to_numeric(boundaries["penduduk"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(pop) & (pop > 0)):
        logger.warning(
            "column 'penduduk' has missing or non-positive values: rates per 10k are NaN there"
        )
        pop = np.where(np.isfinite(pop) & (pop > 0), pop, np.nan)
    return pop


def history_features(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    as_of: str | pd.Timestamp,
    half_life_days: float | None = None,
    weights: lps.W | None = None,
    unit_col: str = "kode",
    code_col: str = "kode",
    permutations: int = 999,
    seed: int = 0,
    backend: str | None = None,
    npartitions: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Incident-history features per unit as of ``as_of`` (see the module docstring).

    Parameters
    ----------
    incidents : DataFrame
        Assigned incidents: ``event_date``, ``event_type``, ``fatalities`` and the unit code
        ``unit_col`` (as written by :func:`kewaspadaan.io.assign_incidents`).
    boundaries : GeoDataFrame
        Units (kecamatan or desa) with a unique ``code_col``; optional ``penduduk``.
    as_of : str or Timestamp
        Date of the assessment; only events strictly before it count.
    half_life_days : float, optional
        Half-life of the time decay; default ``settings.decay_half_life_days``.
    weights : libpysal.weights.W, optional
        Spatial weights on ``boundaries.index``; default :func:`spatial_weights`.
    unit_col, code_col : str, default "kode"
        Code column in the incidents / the boundaries.
    permutations : int, default 999
        Permutations of the Gi* inference (0: analytical p only).
    seed : int, default 0
        Seed of the permutations.

    backend : {"default", "dask"}, optional
        Default ``settings.backend``. ``"dask"`` computes whole islands (connected components
        of the contiguity graph) on a dask cluster; Gi* stays global; the same result.
    npartitions, client : optional
        Dask partitions and client.

    Returns
    -------
    DataFrame
        One row per unit, on ``boundaries.index``.
    """
    from kewaspadaan._dask import backend_name, history_features_dask

    if backend_name(backend) == "dask":
        return history_features_dask(
            incidents,
            boundaries,
            engine=history_features,
            as_of=as_of,
            npartitions=npartitions,
            client=client,
            half_life_days=half_life_days,
            weights=weights,
            unit_col=unit_col,
            code_col=code_col,
            permutations=permutations,
            seed=seed,
        )
    as_of = pd.Timestamp(as_of)
    hl = settings.decay_half_life_days if half_life_days is None else float(half_life_days)
    codes = _codes(boundaries, code_col)
    ev = _Events(incidents, pd.Index(codes), unit_col)
    feats = pd.DataFrame(_core(ev, as_of, hl), index=boundaries.index)
    _add_rates(feats, _population(boundaries))
    w = spatial_weights(boundaries) if weights is None else weights
    feats["lag_events_decay"] = (
        weights_matrix(w, boundaries.index, transform="R") @ feats["events_decay"].to_numpy()
    )
    gi = getis_ord_gi_star(feats["events_decay"], w, permutations=permutations, seed=seed)
    feats["gi_z"] = gi["z"].fillna(0.0)
    feats["gi_p"] = gi["p_sim"] if permutations > 0 else gi["p_norm"]
    feats["hotspot"] = gi["hotspot"]
    feats.attrs["as_of"] = as_of.date().isoformat()
    return feats


def _codes(boundaries: pd.DataFrame, code_col: str) -> np.ndarray:
    if code_col not in boundaries.columns:
        raise MissingColumnError(
            f"boundaries: missing column {code_col!r} (the unit code); load "
            "them with kewaspadaan.io.load_boundaries"
        )
    codes = boundaries[code_col].astype(str)
    if not codes.is_unique:
        dup = sorted(codes[codes.duplicated()].unique())[:10]
        raise ValidationError("boundaries", [f"duplicate codes in {code_col!r}: {dup}"])
    return codes.to_numpy()


def _add_rates(feats: pd.DataFrame, pop: np.ndarray | None) -> None:
    if pop is None:
        return
    feats["events_12m_per10k"] = feats["events_12m"] / pop * 1e4
    feats["events_decay_per10k"] = feats["events_decay"] / pop * 1e4


def monthly_counts(
    incidents: pd.DataFrame,
    boundaries: pd.DataFrame,
    *,
    months: pd.DatetimeIndex,
    unit_col: str = "kode",
    code_col: str = "kode",
) -> pd.DataFrame:
    """Events per unit and calendar month: DataFrame (units × month starts) of counts.

    Parameters
    ----------
    incidents : DataFrame
        Assigned incidents (``event_date`` and ``unit_col``).
    boundaries : DataFrame
        Units with ``code_col``; rows of the result follow its index.
    months : DatetimeIndex
        Month starts (columns of the result).
    """
    codes = _codes(boundaries, code_col)
    ev = _Events(incidents, pd.Index(codes), unit_col)
    edges = [_day(m) for m in months] + [_day(months[-1] + pd.DateOffset(months=1))]
    col = np.searchsorted(np.asarray(edges), ev.day, side="right") - 1
    ok = (col >= 0) & (col < len(months))
    mat = np.zeros((ev.n_units, len(months)))
    np.add.at(mat, (ev.unit[ok], col[ok]), 1.0)
    return pd.DataFrame(mat, index=boundaries.index, columns=months)


def history_panel(
    incidents: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    months: pd.DatetimeIndex,
    half_life_days: float | None = None,
    weights: lps.W | None = None,
    unit_col: str = "kode",
    code_col: str = "kode",
) -> pd.DataFrame:
    """History features at every month start plus that month's event count.

    Parameters
    ----------
    incidents, boundaries, half_life_days, weights, unit_col, code_col
        As in :func:`history_features`.
    months : DatetimeIndex
        Month starts; features use only events before each month start.

    Returns
    -------
    DataFrame
        MultiIndex (unit index, ``bulan``) with the features, ``gi_z`` analytical (no
        permutations, no ``gi_p``), and ``n_events`` = events during that month.
    """
    hl = settings.decay_half_life_days if half_life_days is None else float(half_life_days)
    codes = _codes(boundaries, code_col)
    ev = _Events(incidents, pd.Index(codes), unit_col)
    w = spatial_weights(boundaries) if weights is None else weights
    lag_m = weights_matrix(w, boundaries.index, transform="R")
    gi_m = star_matrix(w, boundaries.index)
    pop = _population(boundaries)
    counts = monthly_counts(
        incidents, boundaries, months=months, unit_col=unit_col, code_col=code_col
    )
    frames = []
    for m in months:
        f = pd.DataFrame(_core(ev, m, hl), index=boundaries.index)
        _add_rates(f, pop)
        y = f["events_decay"].to_numpy()
        f["lag_events_decay"] = lag_m @ y
        f["gi_z"] = gi_star_z(y, gi_m)
        f["n_events"] = counts[m].to_numpy()
        f["bulan"] = m
        frames.append(f)
    panel = pd.concat(frames)
    panel.index.name = boundaries.index.name or "unit"
    return panel.set_index("bulan", append=True)
