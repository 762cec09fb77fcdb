"""Transparent composite risk index per kecamatan/desa: scores, classes, drivers, sensitivity.

How the index is built (every step is inspectable on the :class:`RiskIndex`):

1. **Features** — one column per feature (history, spill-over, remoteness, geography), each
   declared in :data:`FEATURE_SPEC` with its group and *direction* (+1: higher value = higher risk,
   -1: lower value = higher risk, e.g. distance to the border).
2. **Normalisation** to 0–1, per feature, direction applied:
   ``"rank"`` (default) — percentile rank ``(rank - 1) / (n - 1)`` with ties averaged: the share of
   units with a lower value; robust to outliers and skew. ``"minmax"`` — min–max of
   ``log1p(value)`` for non-negative features (counts, times, distances) and of the raw value for
   signed ones (trend, Gi* z). A constant feature normalises to 0 (it cannot rank anyone).
3. **Group score** = mean of the group's normalised features (equal weights within a group).
4. **Score** = 100 × Σ_g w_g · group_g with the group weights ``settings.composite_weights``
   renormalised over the groups that have at least one feature (missing groups are recorded in
   ``RiskIndex.missing``) — so 0 ≤ skor ≤ 100.
5. **Classes** by ``settings.class_breaks`` (25, 50, 75; right-closed): rendah ≤ 25 < sedang ≤ 50 <
   tinggi ≤ 75 < sangat tinggi. **Rank** 1 = highest score (ties: lower code first).
6. **Drivers** (``pendorong``): the three features with the largest weighted contribution
   ``100 · w_g / n_g · normalised_f`` — contributions add up to the score exactly.

:func:`sensitivity` moves each group weight by ±20 % (others renormalised) and reports rank
stability per unit; :func:`alerts` flags units whose score rose by more than a margin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError

__all__ = ["FEATURE_SPEC", "RiskIndex", "alerts", "classify", "composite_index", "sensitivity"]

logger = logging.getLogger(__name__)

#: feature → (group, direction, Bahasa label used in ``pendorong``). Only present columns are used.
FEATURE_SPEC: dict[str, tuple[str, int, str]] = {
    "events_decay": ("history", 1, "insiden (bobot waktu)"),
    "events_12m_per10k": ("history", 1, "insiden 12 bln per 10 rb penduduk"),
    "fatalities_decay": ("history", 1, "korban jiwa"),
    "events_3m": ("history", 1, "insiden 3 bulan terakhir"),
    "trend_6m": ("history", 1, "tren insiden naik"),
    "months_since_last": ("history", -1, "insiden baru-baru ini"),
    "lag_events_decay": ("spillover", 1, "insiden di wilayah tetangga"),
    "gi_z": ("spillover", 1, "hot spot (Gi*)"),
    "tt_kab_capital_h": ("remoteness", 1, "jauh dari ibu kota kabupaten"),
    "tt_prov_capital_h": ("remoteness", 1, "jauh dari ibu kota provinsi"),
    "tt_security_post_h": ("remoteness", 1, "jauh dari pos keamanan"),
    "border_distance_km": ("geography", -1, "dekat perbatasan negara"),
    "pop_density_per_km2": ("geography", 1, "kepadatan penduduk"),
    "penduduk": ("geography", 1, "jumlah penduduk"),
}


def _normalise(values: pd.Series, direction: int, method: str) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce").astype(float)
    if direction < 0:
        v = -v
    if method == "rank":
        n = v.notna().sum()
        out = (v.rank(method="average") - 1.0) / max(n - 1, 1)
        if v.nunique() <= 1:
            out[:] = 0.0
    elif method == "minmax":
        raw = -v if direction < 0 else v
        if raw.min() >= 0:
            raw = np.log1p(raw)
        x = -raw if direction < 0 else raw
        rng = x.max() - x.min()
        out = (x - x.min()) / rng if rng > 0 else x * 0.0
    else:
        raise ValueError(f"normalisation must be 'rank' or 'minmax', not {method!r}")
    return out.fillna(0.0)


def classify(
    score: pd.Series,
    *,
    breaks: tuple[float, ...] | None = None,
    labels: tuple[str, ...] | None = None,
) -> pd.Series:
    """Classes of a 0–100 score by right-closed ``breaks`` (default ``settings.class_breaks``).

    Parameters
    ----------
    score : pandas.Series
        Scores 0–100.
    breaks : tuple of float, optional
        Upper bounds of all classes but the last, increasing.
    labels : tuple of str, optional
        One more than ``breaks``; default ``settings.class_labels[settings.language]``.
    """
    breaks = tuple(settings.class_breaks if breaks is None else breaks)
    labels = tuple(settings.class_labels[settings.language] if labels is None else labels)
    if len(labels) != len(breaks) + 1 or list(breaks) != sorted(breaks):
        raise ValidationError(
            "class_breaks",
            [f"{len(breaks)} increasing breaks need {len(breaks) + 1} labels; got {labels}"],
        )
    idx = np.searchsorted(np.asarray(breaks, dtype=float), score.to_numpy(dtype=float), side="left")
    return pd.Series(np.asarray(labels, dtype=object)[idx], index=score.index, name="kelas")


@dataclass
class RiskIndex:
    """Composite index with every intermediate step (see the module docstring)."""

    features: pd.DataFrame
    normalised: pd.DataFrame
    contributions: pd.DataFrame
    group_scores: pd.DataFrame
    weights: dict[str, float]
    score: pd.Series
    kelas: pd.Series
    peringkat: pd.Series
    pendorong: pd.Series
    spec: dict[str, tuple[str, int, str]]
    normalisation: str
    boundaries: gpd.GeoDataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)
    extra: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """The risk table: :data:`kewaspadaan.schema.RISK_COLUMNS` then the feature columns.

        A GeoDataFrame when boundaries were given. ``prob_insiden``, ``perubahan_skor`` and
        ``peringatan`` come from :attr:`extra` (set by :func:`kewaspadaan.scoring.score`), else
        NaN/NaN/False.
        """
        from kewaspadaan.schema import RISK_COLUMNS

        idx = self.score.index
        out = pd.DataFrame(index=idx)
        b = self.boundaries
        for col in ("kode", "nama", "kode_kab", "nama_kab"):
            out[col] = b[col].reindex(idx) if b is not None and col in b.columns else pd.NA
        out["skor"] = self.score.round(2)
        out["kelas"] = self.kelas
        out["peringkat"] = self.peringkat
        out["pendorong"] = self.pendorong
        extra = self.extra if self.extra is not None else pd.DataFrame(index=idx)
        out["prob_insiden"] = extra.get("prob_insiden", pd.Series(np.nan, index=idx))
        out["perubahan_skor"] = extra.get("perubahan_skor", pd.Series(np.nan, index=idx))
        out["peringatan"] = extra.get("peringatan", pd.Series(False, index=idx)).astype(bool)
        feats = self.features.drop(
            columns=[c for c in self.features.columns if c in RISK_COLUMNS], errors="ignore"
        )
        if b is not None:
            geo = gpd.GeoDataFrame(out, geometry=b.geometry.reindex(idx).values, crs=b.crs)
            return pd.concat([geo, feats], axis=1)
        return pd.concat([out, feats], axis=1)

    def explore(self, m: Any = None, **kwargs: Any):
        """Interactive folium map of the classes with a tooltip per unit; needs boundaries.

        Fill colours come from ``settings.map_class_colors``; text from the data is HTML-escaped.
        ``kwargs`` go to :class:`folium.Map` when ``m`` (an existing map) is not given.
        """
        import html

        import folium

        frame = self._geo().to_crs("EPSG:4326")
        cols = ["kode", "nama", "skor", "kelas", "peringkat", "pendorong", "prob_insiden"]
        data = frame[[*cols, "geometry"]].copy()
        for c in ("kode", "nama", "kelas", "pendorong"):
            data[c] = data[c].astype(str).map(html.escape)
        data["prob_insiden"] = data["prob_insiden"].round(3)
        colors = getattr(settings, "map_class_colors", {})
        labels = settings.class_labels[settings.language]
        by_label = {
            lab: colors.get(key, "#999999")
            for lab, key in zip(labels, settings.class_labels["id"], strict=True)
        }
        if m is None:
            minx, miny, maxx, maxy = frame.total_bounds
            m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=8, **kwargs)
            m.fit_bounds([[miny, minx], [maxy, maxx]])
        folium.GeoJson(
            data.__geo_interface__,
            name="Skor risiko",
            style_function=lambda f: {
                "fillColor": by_label.get(f["properties"]["kelas"], "#999999"),
                "color": "#444444",
                "weight": 0.5,
                "fillOpacity": 0.7,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=cols,
                aliases=[
                    "Kode",
                    "Nama",
                    "Skor",
                    "Kelas",
                    "Peringkat",
                    "Pendorong",
                    "Peluang insiden",
                ],
            ),
        ).add_to(m)
        return m

    def plot(self, ax: Any = None, **kwargs: Any):
        """Static choropleth of the score (matplotlib, optional extra); needs boundaries."""
        try:
            import matplotlib  # noqa: F401
        except ImportError as exc:
            from kewaspadaan._errors import MissingDependencyError

            raise MissingDependencyError("matplotlib", "notebook", "RiskIndex.plot") from exc
        frame = self._geo()
        opts = {
            "column": "skor",
            "cmap": "YlOrRd",
            "vmin": 0,
            "vmax": 100,
            "legend": True,
            "edgecolor": "0.4",
            "linewidth": 0.3,
        }
        opts.update(kwargs)
        return frame.plot(ax=ax, **opts)

    def _geo(self) -> gpd.GeoDataFrame:
        if self.boundaries is None:
            raise ValueError(
                "this RiskIndex has no boundaries; pass boundaries= to composite_index to map it"
            )
        return self.to_frame()

    def with_weights(self, weights: dict[str, float]) -> RiskIndex:
        """The same features re-scored with other group weights."""
        return composite_index(
            self.features,
            weights=weights,
            spec=self.spec,
            normalisation=self.normalisation,
            boundaries=self.boundaries,
        )


def _resolve_weights(
    weights: dict[str, float] | None, groups: list[str], missing: dict[str, str]
) -> dict[str, float]:
    base = dict(settings.composite_weights)
    if weights:
        unknown = sorted(set(weights) - set(base) - set(groups))
        if unknown:
            raise ValidationError(
                "composite_weights",
                [f"unknown group(s) {unknown}; groups are {sorted(set(base) | set(groups))}"],
            )
        base.update(weights)
    bad = [f"{g}={v}" for g, v in base.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise ValidationError("composite_weights", [f"weights must be >= 0: {bad}"])
    for g in base:
        if g not in groups and base[g] > 0:
            missing.setdefault(
                f"group:{g}",
                "no feature of this group available; its weight is spread over the other groups",
            )
    used = {g: float(base.get(g, 0.0)) for g in groups}
    total = sum(used.values())
    if total <= 0:
        raise ValidationError(
            "composite_weights", [f"all weights of the available groups {groups} are 0"]
        )
    return {g: v / total for g, v in used.items()}


def composite_index(
    features: pd.DataFrame,
    *,
    weights: dict[str, float] | None = None,
    spec: dict[str, tuple[str, int, str]] | None = None,
    normalisation: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    n_drivers: int = 3,
) -> RiskIndex:
    """Score every unit 0–100 from its features (see the module docstring for the method).

    Parameters
    ----------
    features : DataFrame
        One row per unit; columns named as in ``spec`` (others are carried along unused).
    weights : dict, optional
        Group weights overriding ``settings.composite_weights`` key by key.
    spec : dict, optional
        feature → (group, direction, label); default :data:`FEATURE_SPEC`.
    normalisation : {"rank", "minmax"}, optional
        How features are brought to 0–1; default ``settings.risk_normalisation``.
    boundaries : GeoDataFrame, optional
        Same index as ``features``; gives codes, names and geometry to the table and maps.
    n_drivers : int, default 3
        Drivers listed in ``pendorong``.

    Returns
    -------
    RiskIndex
    """
    spec = dict(FEATURE_SPEC if spec is None else spec)
    method: str = normalisation or settings.risk_normalisation
    if boundaries is not None and not boundaries.index.equals(features.index):
        raise ValidationError(
            "composite_index",
            ["boundaries and features must share the same index (one row per unit, same order)"],
        )
    missing: dict[str, str] = {}
    present = {}
    for name, (group, direction, label) in spec.items():
        if name not in features.columns:
            missing[name] = "feature not computed (input layer absent)"
        elif pd.to_numeric(features[name], errors="coerce").isna().all():
            missing[name] = "feature is empty (all values missing)"
        else:
            present[name] = (group, direction, label)
    if not present:
        raise ValidationError(
            "composite_index",
            [f"none of the features {sorted(spec)} is available; compute history features first"],
        )
    groups = sorted({g for g, _, _ in present.values()})
    w = _resolve_weights(weights, groups, missing)
    norm = pd.DataFrame(
        {n: _normalise(features[n], d, method) for n, (_, d, _) in present.items()},
        index=features.index,
    )
    group_scores = pd.DataFrame(
        {g: norm[[n for n, s in present.items() if s[0] == g]].mean(axis=1) for g in groups},
        index=features.index,
    )
    n_in = {g: sum(1 for s in present.values() if s[0] == g) for g in groups}
    contrib = pd.DataFrame(
        {n: 100.0 * w[s[0]] / n_in[s[0]] * norm[n] for n, s in present.items()},
        index=features.index,
    )
    score = contrib.sum(axis=1).clip(0.0, 100.0).rename("skor")
    labels = {n: s[2] for n, s in present.items()}
    return RiskIndex(
        features=features,
        normalised=norm,
        contributions=contrib,
        group_scores=group_scores,
        weights=w,
        score=score,
        kelas=classify(score),
        peringkat=_rank(score, boundaries),
        pendorong=_drivers(contrib, labels, n_drivers),
        spec=spec,
        normalisation=method,
        boundaries=boundaries,
        missing=missing,
    )


def _rank(score: pd.Series, boundaries: pd.DataFrame | None) -> pd.Series:
    """1 = highest score; ties broken by code (or index) for determinism."""
    key = (
        boundaries["kode"].astype(str).to_numpy()
        if boundaries is not None and "kode" in boundaries.columns
        else np.arange(len(score))
    )
    order = np.lexsort((key, -score.to_numpy()))
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(1, len(score) + 1)
    return pd.Series(rank, index=score.index, name="peringkat")


def _drivers(contrib: pd.DataFrame, labels: dict[str, str], k: int) -> pd.Series:
    vals = contrib.to_numpy()
    names = np.asarray([labels[c] for c in contrib.columns], dtype=object)
    order = np.argsort(-vals, axis=1, kind="stable")[:, :k]
    out = []
    for i, row in enumerate(order):
        out.append("; ".join(names[j] for j in row if vals[i, j] > 0))
    return pd.Series(out, index=contrib.index, name="pendorong")


def sensitivity(index: RiskIndex, *, factors: tuple[float, ...] = (0.8, 1.2)) -> pd.DataFrame:
    """Rank stability when each group weight is multiplied by each factor (others renormalised).

    Parameters
    ----------
    index : RiskIndex
        The base index.
    factors : tuple of float, default (0.8, 1.2)
        Multipliers applied to one group weight at a time (±20 %).

    Returns
    -------
    DataFrame
        Per unit: ``peringkat`` (base), ``peringkat_min``/``peringkat_max`` over the runs,
        ``delta_peringkat_maks`` (max |Δrank|), ``delta_peringkat_rata`` (mean |Δrank|),
        ``kelas_berubah`` (share of runs whose class differs from the base class) and one
        ``peringkat_<group>_x<factor>`` column per run. ``attrs["runs"]`` lists the weights used.
    """
    base_rank = index.peringkat
    cols: dict[str, pd.Series] = {}
    class_change = []
    runs = {}
    for g in index.weights:
        for f in factors:
            w = dict(index.weights)
            w[g] *= f
            total = sum(w.values())
            w = {k: v / total for k, v in w.items()}
            score = (index.group_scores[list(w)] * pd.Series(w)).sum(axis=1) * 100.0
            name = f"peringkat_{g}_x{f:g}"
            cols[name] = _rank(score, index.boundaries)
            class_change.append(classify(score) != index.kelas)
            runs[name] = w
    ranks = pd.DataFrame(cols, index=base_rank.index)
    delta = ranks.sub(base_rank, axis=0).abs()
    out = pd.DataFrame(
        {
            "kode": (
                index.boundaries["kode"]
                if index.boundaries is not None and "kode" in index.boundaries.columns
                else base_rank.index.to_series()
            ),
            "peringkat": base_rank,
            "peringkat_min": ranks.min(axis=1).clip(upper=base_rank),
            "peringkat_max": ranks.max(axis=1).clip(lower=base_rank),
            "delta_peringkat_maks": delta.max(axis=1),
            "delta_peringkat_rata": delta.mean(axis=1),
            "kelas_berubah": pd.concat(class_change, axis=1).mean(axis=1),
        },
        index=base_rank.index,
    )
    out = pd.concat([out, ranks], axis=1)
    out.attrs["runs"] = runs
    return out


def alerts(current: pd.Series, previous: pd.Series, *, margin: float | None = None) -> pd.DataFrame:
    """Early-warning flags: units whose score rose by more than ``margin`` points.

    Parameters
    ----------
    current, previous : pandas.Series
        Scores (0–100) of this period and the previous one, same index.
    margin : float, optional
        Points of increase that trigger an alert; default ``settings.alert_margin``.

    Returns
    -------
    DataFrame
        ``skor``, ``skor_sebelumnya``, ``perubahan_skor`` and ``peringatan`` (bool), same index.
    """
    margin = settings.alert_margin if margin is None else float(margin)
    if not current.index.equals(previous.index):
        raise ValidationError("alerts", ["current and previous scores must share the index"])
    change = current - previous
    return pd.DataFrame(
        {
            "skor": current,
            "skor_sebelumnya": previous,
            "perubahan_skor": change,
            "peringatan": (change > margin).to_numpy(),
        },
        index=current.index,
    )
