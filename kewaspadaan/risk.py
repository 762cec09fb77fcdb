"""Transparent composite risk index per kecamatan/desa: scores, classes, drivers, stability.

How the index is built (every step is inspectable on the :class:`RiskIndex`):

1. **Features** — one column per feature (history, spill-over, remoteness, geography), each
   declared in :data:`FEATURE_SPEC` with its group and *direction* (+1: higher value = higher risk,
   -1: lower value = higher risk, e.g. distance to the border).
2. **Normalisation** to 0–1, per feature, direction applied. A unit without *signal* on a
   feature (:data:`NO_SIGNAL`: no events, no fatalities, a trend or Gi* z ≤ 0, no event ever for
   the recency) gets 0 — it is low, not middling. ``"rank"`` (default): the units with a signal
   get their percentile among themselves, ``rank / n_signal`` (the highest 1; ties averaged).
   ``"minmax"``: min–max of ``log1p(value)`` for non-negative features (counts, times,
   distances) and of the raw value for signed ones. A constant feature normalises to 0.
3. **Group score** = mean of the group's normalised features (equal weights within a group).
4. **Score** = 100 × Σ_g w_g · group_g with the group weights ``settings.composite_weights``
   renormalised over the groups that have at least one feature (missing groups are recorded in
   ``RiskIndex.missing``) — so 0 ≤ skor ≤ 100.
5. **Classes** (:data:`kewaspadaan.schema.RISK_CLASSES`, never translated): from the forecast
   (:func:`classify_probability`, absolute thresholds ``settings.class_thresholds`` on P(≥ 1
   event), set by :func:`kewaspadaan.scoring.score`), or from the score by Fisher–Jenks breaks
   (``settings.class_basis = "jenks"``, data-driven, :func:`jenks_breaks`) or fixed
   ``settings.class_breaks`` (``"breaks"``). The index alone (no forecast) uses Jenks unless
   ``"breaks"`` is chosen. **Rank** 1 = highest score (ties: lower code first).
6. **Drivers** (``pendorong``): the (up to) three features with the largest weighted contribution
   ``100 · w_g / n_g · normalised_f`` among those that *raise* the unit's risk: value present and
   non-zero, and normalised above the median unit's (contributions add up to the score).

:func:`sensitivity` draws the group weights (Dirichlet around the base weights) and the
normalisation (rank or minmax) at random and reports, per unit, the rank range and the
probability that the class changes; :func:`alerts` flags units whose score rose by more than a
margin; :func:`reliability` scores how much each unit's result can be trusted (share of features
present, data age, location precision of its incidents), in the spirit of INFORM's reliability
index.
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

__all__ = [
    "FEATURE_SPEC",
    "FORECAST_TABLE_COLUMNS",
    "NO_SIGNAL",
    "RiskIndex",
    "alerts",
    "class_change_probability",
    "classify",
    "classify_probability",
    "composite_index",
    "jenks_breaks",
    "reliability",
    "sensitivity",
]

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


#: Columns the forecast adds to the risk table (after the schema columns, before the features).
FORECAST_TABLE_COLUMNS: tuple[str, ...] = (
    "ekspektasi_insiden",
    "ekspektasi_hingga_pemilu",
    "ekspektasi_bawah80",
    "ekspektasi_atas80",
    "prob_bulan_pemilu",
    "tren_hotspot",
    "keandalan",
    "prob_ganti_kelas",
)
#: Features whose value can mean "no signal", and the rule: ``"nonpositive"`` (≤ 0: no events,
#: no fatalities, no rising trend, not a hot spot) or ``"max"`` (the largest value: months since
#: the last event of a unit that never had one — the length of the record).
NO_SIGNAL: dict[str, str] = {
    "events_decay": "nonpositive",
    "events_12m_per10k": "nonpositive",
    "fatalities_decay": "nonpositive",
    "events_3m": "nonpositive",
    "trend_6m": "nonpositive",
    "months_since_last": "max",
    "lag_events_decay": "nonpositive",
    "gi_z": "nonpositive",
}


def _no_signal(name: str, v: pd.Series) -> pd.Series:
    rule = NO_SIGNAL.get(name)
    if rule == "nonpositive":
        return v.fillna(0.0) <= 0
    if rule == "max":
        return v.isna() | (v >= v.max())
    return v.isna()


def _normalise(values: pd.Series, direction: int, method: str, name: str = "") -> pd.Series:
    v = pd.to_numeric(values, errors="coerce").astype(float)
    silent = _no_signal(name, v)
    x = -v if direction < 0 else v
    if method == "rank":
        sig = x[~silent]
        out = pd.Series(0.0, index=v.index)
        if len(sig) and (sig.nunique() > 1 or name in NO_SIGNAL):
            out[~silent] = sig.rank(method="average") / len(sig)
    elif method == "minmax":
        raw = v.copy()
        if raw.min() >= 0:
            raw = np.log1p(raw)
        x = -raw if direction < 0 else raw
        rng = x.max() - x.min()
        out = (x - x.min()) / rng if rng > 0 else x * 0.0
        out[silent] = 0.0
    else:
        raise ValueError(f"normalisation must be 'rank' or 'minmax', not {method!r}")
    return out.fillna(0.0)


def classify(
    score: pd.Series,
    *,
    breaks: tuple[float, ...] | None = None,
    labels: tuple[str, ...] | None = None,
) -> pd.Series:
    """Classes of a value by right-closed ``breaks`` (default ``settings.class_breaks``).

    Parameters
    ----------
    score : pandas.Series
        Values (a 0–100 score, or probabilities with probability breaks).
    breaks : tuple of float, optional
        Upper bounds of all classes but the last, increasing.
    labels : tuple of str, optional
        One more than ``breaks``; default :data:`kewaspadaan.schema.RISK_CLASSES` (the fixed
        identifiers — display labels come from ``settings.class_labels``).
    """
    from kewaspadaan.schema import RISK_CLASSES

    breaks = tuple(settings.class_breaks if breaks is None else breaks)
    labels = tuple(RISK_CLASSES if labels is None else labels)
    if len(labels) != len(breaks) + 1 or list(breaks) != sorted(breaks):
        raise ValidationError(
            "class_breaks",
            [f"{len(breaks)} increasing breaks need {len(breaks) + 1} labels; got {labels}"],
        )
    idx = np.searchsorted(np.asarray(breaks, dtype=float), score.to_numpy(dtype=float), side="left")
    return pd.Series(np.asarray(labels, dtype=object)[idx], index=score.index, name="kelas")


def classify_probability(
    prob: pd.Series, *, thresholds: tuple[float, ...] | None = None
) -> pd.Series:
    """Classes of P(≥ 1 event) on absolute thresholds (default ``settings.class_thresholds``).

    A unit is ``rendah`` below the first threshold, ``sangat tinggi`` at or above the last
    (left-closed: P = 0.05 with thresholds (0.05, 0.25, 0.60) is ``sedang``).
    """
    from kewaspadaan.schema import RISK_CLASSES

    th = tuple(settings.class_thresholds if thresholds is None else thresholds)
    if len(th) != len(RISK_CLASSES) - 1 or list(th) != sorted(th) or not 0 < th[0] <= th[-1] < 1:
        raise ValidationError(
            "class_thresholds",
            [f"need {len(RISK_CLASSES) - 1} increasing probabilities in (0, 1), got {th}"],
        )
    idx = np.searchsorted(np.asarray(th, dtype=float), prob.to_numpy(dtype=float), side="right")
    return pd.Series(np.asarray(RISK_CLASSES, dtype=object)[idx], index=prob.index, name="kelas")


def class_change_probability(
    prob: pd.Series,
    sd_log: np.ndarray,
    share: np.ndarray,
    *,
    thresholds: tuple[float, ...] | None = None,
    draws: int | None = None,
    seed: int = 0,
) -> pd.Series:
    """Probability that a forecast class changes under draws of the uncertain part of λ.

    The expected count behind ``prob`` (λ = −log(1 − P)) is drawn as
    ``λ · (1 − b + b · exp(ε))``, ``ε ~ N(0, sd_log²)``, with ``b`` the uncertain share (the
    background) — see :func:`kewaspadaan.forecast.simulate.unit_uncertainty` — and re-classed
    with :func:`classify_probability`; the result is the share of draws (default
    ``settings.sensitivity_draws``) whose class differs from the class of ``prob``.
    """
    n_draws = int(settings.sensitivity_draws if draws is None else draws)
    rng = np.random.default_rng(seed)
    th = np.asarray(settings.class_thresholds if thresholds is None else thresholds, dtype=float)
    classify_probability(prob, thresholds=tuple(th))  # validates the thresholds
    p = np.clip(prob.to_numpy(dtype=float), 0.0, 1 - 1e-12)
    lam = -np.log1p(-p)
    base = np.searchsorted(th, -np.expm1(-lam), side="right")  # same round trip as the draws
    eps = rng.normal(size=(n_draws, len(p))) * np.asarray(sd_log)[None, :]
    b = np.clip(np.asarray(share, dtype=float), 0.0, 1.0)[None, :]
    drawn = -np.expm1(-lam[None, :] * (1.0 - b + b * np.exp(eps)))
    changed = np.searchsorted(th, drawn, side="right") != base[None, :]
    out = pd.Series(changed.mean(axis=0), index=prob.index, name="prob_ganti_kelas")
    return out.where(prob.notna())


def jenks_breaks(score: pd.Series, *, k: int = 4) -> tuple[float, ...]:
    """Fisher–Jenks natural breaks of ``score`` (``k`` classes): the ``k − 1`` upper bounds.

    The optimal grouping of the sorted values into ``k`` runs that minimises the summed
    within-class squared deviations (Fisher 1958; Jenks), by dynamic programming over the
    matrix of segment costs — the same breaks as ``mapclassify.FisherJenks`` without its JIT
    compilation. Above 500 values the DP runs on 300 evenly spaced quantiles (deterministic,
    a few milliseconds). With ``k`` or fewer distinct values the breaks repeat the largest value
    (the upper classes stay empty).
    """
    v = np.sort(pd.to_numeric(score, errors="coerce").dropna().to_numpy(dtype=float))
    uniq = np.unique(v)
    if len(uniq) <= k:
        if not len(uniq):
            return (0.0,) * (k - 1)
        padded = [float(x) for x in uniq[:-1]] + [float(uniq[-1])] * (k - len(uniq))
        return tuple(padded[: k - 1])
    if len(v) > 500:
        v = np.quantile(v, np.linspace(0.0, 1.0, 300))
    n = len(v)
    s1 = np.concatenate([[0.0], np.cumsum(v)])
    s2 = np.concatenate([[0.0], np.cumsum(v**2)])
    i, j = np.triu_indices(n + 1, k=1)  # segment v[i:j]
    ssd = np.full((n + 1, n + 1), np.inf)
    ssd[i, j] = s2[j] - s2[i] - (s1[j] - s1[i]) ** 2 / (j - i)
    cost = ssd[0].copy()  # one class covering v[:j]
    back = []
    for _ in range(1, k):
        total = cost[:, None] + ssd  # last class v[i:j] after optimal classes of v[:i]
        arg = np.argmin(total, axis=0)
        cost = total[arg, np.arange(n + 1)]
        back.append(arg)
    ends, j_end = [], n
    for arg in reversed(back):
        j_end = int(arg[j_end])
        ends.append(j_end)
    return tuple(float(v[e - 1]) for e in sorted(ends))


def _score_classes(score: pd.Series, basis: str | None = None) -> pd.Series:
    basis = basis or settings.class_basis
    if basis == "breaks":
        return classify(score)
    return classify(score, breaks=jenks_breaks(score))


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
        NaN/NaN/False; the :data:`FORECAST_TABLE_COLUMNS` present in :attr:`extra` follow the
        schema columns.
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
        fc = extra[[c for c in FORECAST_TABLE_COLUMNS if c in extra.columns]]
        feats = self.features.drop(
            columns=[c for c in self.features.columns if c in RISK_COLUMNS or c in fc.columns],
            errors="ignore",
        )
        if b is not None:
            geo = gpd.GeoDataFrame(out, geometry=b.geometry.reindex(idx).values, crs=b.crs)
            return pd.concat([geo, fc, feats], axis=1)
        return pd.concat([out, fc, feats], axis=1)

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
        display = dict(
            zip(settings.class_labels["id"], settings.class_labels[settings.language], strict=True)
        )
        data["kelas"] = [display.get(k, k) for k in frame["kelas"]]
        fill = dict(
            zip(frame.index, frame["kelas"].map(lambda k: colors.get(k, "#999999")), strict=True)
        )
        data["_warna"] = [fill[i] for i in frame.index]
        if m is None:
            minx, miny, maxx, maxy = frame.total_bounds
            m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=8, **kwargs)
            m.fit_bounds([[miny, minx], [maxy, maxx]])
        folium.GeoJson(
            data.__geo_interface__,
            name="Skor risiko",
            style_function=lambda f: {
                "fillColor": f["properties"]["_warna"],
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
        {n: _normalise(features[n], d, method, n) for n, (_, d, _) in present.items()},
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
        kelas=_score_classes(score),
        peringkat=_rank(score, boundaries),
        pendorong=_drivers(contrib, norm, features, labels, n_drivers),
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


def _drivers(
    contrib: pd.DataFrame,
    norm: pd.DataFrame,
    features: pd.DataFrame,
    labels: dict[str, str],
    k: int,
) -> pd.Series:
    """Top-``k`` contributions among the features that raise each unit's risk.

    A feature is a driver of a unit only when its value is present and non-zero and its
    normalised value is above the median unit's (it raises the risk compared with a typical
    unit); contributions of 0 never count.
    """
    cols = list(contrib.columns)
    raw = features[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    nv = norm[cols].to_numpy()
    vals = contrib.to_numpy()
    ok = np.isfinite(raw) & (raw != 0) & (nv > np.median(nv, axis=0)[None, :]) & (vals > 0)
    score = np.where(ok, vals, -np.inf)
    names = np.asarray([labels[c] for c in cols], dtype=object)
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    out = [
        "; ".join(names[j] for j in row if np.isfinite(score[i, j])) for i, row in enumerate(order)
    ]
    return pd.Series(out, index=contrib.index, name="pendorong")


def sensitivity(
    index: RiskIndex,
    *,
    draws: int | None = None,
    concentration: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank and class stability under Monte-Carlo draws of the weights and the normalisation.

    Each draw takes group weights from a Dirichlet distribution centred on the base weights
    (``concentration`` × base weights as parameters; larger = closer to the base) and the
    normalisation ``"rank"`` or ``"minmax"`` with equal probability, re-scores every unit and
    re-classes the score the way the base classes of the score were made
    (``settings.class_basis = "breaks"``: fixed breaks, else Jenks breaks of the drawn score).

    Parameters
    ----------
    index : RiskIndex
        The base index.
    draws : int, optional
        Monte-Carlo draws; default ``settings.sensitivity_draws``.
    concentration : float, optional
        Dirichlet concentration; default ``settings.sensitivity_concentration``.
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    DataFrame
        Per unit: ``kode``, ``peringkat`` (base), ``peringkat_min``/``peringkat_max`` (5 % and
        95 % of the drawn ranks, base included), ``delta_peringkat_maks`` (max |Δrank|),
        ``delta_peringkat_rata`` (mean |Δrank|), ``kelas_berubah`` (share of draws whose class
        of the score differs from the base class of the score). ``attrs["draws"]`` holds the
        weights and normalisation of each draw.
    """
    n_draws = int(settings.sensitivity_draws if draws is None else draws)
    conc = float(settings.sensitivity_concentration if concentration is None else concentration)
    rng = np.random.default_rng(seed)
    groups = list(index.weights)
    base_w = np.array([index.weights[g] for g in groups])
    gs = {m: _group_matrix(index, groups, m) for m in ("rank", "minmax")}
    base_class = _score_classes(index.score)
    ranks, changed, record = [], [], []
    alpha = np.maximum(conc * base_w, 1e-3)
    for _ in range(n_draws):
        w = rng.dirichlet(alpha) if len(groups) > 1 else np.ones(1)
        m = "rank" if rng.random() < 0.5 else "minmax"
        score = pd.Series(100.0 * gs[m] @ w, index=index.score.index)
        ranks.append(_rank(score, index.boundaries).to_numpy())
        changed.append((_score_classes(score) != base_class).to_numpy())
        record.append(
            {"weights": dict(zip(groups, np.round(w, 4).tolist(), strict=True)), "norm": m}
        )
    b = index.peringkat.to_numpy()
    r = np.column_stack(ranks) if ranks else b[:, None]
    delta = np.abs(r - b[:, None])
    out = pd.DataFrame(
        {
            "kode": (
                index.boundaries["kode"]
                if index.boundaries is not None and "kode" in index.boundaries.columns
                else index.peringkat.index.to_series()
            ),
            "peringkat": index.peringkat,
            "peringkat_min": np.minimum(np.floor(np.quantile(r, 0.05, axis=1)), b).astype(int),
            "peringkat_max": np.maximum(np.ceil(np.quantile(r, 0.95, axis=1)), b).astype(int),
            "delta_peringkat_maks": delta.max(axis=1),
            "delta_peringkat_rata": delta.mean(axis=1),
            "kelas_berubah": np.column_stack(changed).mean(axis=1) if changed else 0.0,
        },
        index=index.peringkat.index,
    )
    out.attrs["draws"] = record
    return out


def _group_matrix(index: RiskIndex, groups: list[str], method: str) -> np.ndarray:
    """Group scores (units × groups) of the index's features under ``method``."""
    present = {n: s for n, s in index.spec.items() if n in index.normalised.columns}
    norm = pd.DataFrame(
        {n: _normalise(index.features[n], d, method, n) for n, (_, d, _) in present.items()},
        index=index.features.index,
    )
    return np.column_stack(
        [norm[[n for n, s in present.items() if s[0] == g]].mean(axis=1) for g in groups]
    )


def reliability(
    features: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    data_end: pd.Timestamp | None,
    precise_share: pd.Series | None = None,
    spec: dict[str, tuple[str, int, str]] | None = None,
) -> pd.Series:
    """Reliability 0–1 of each unit's result (``keandalan``), INFORM-style.

    ``keandalan = (w_f · present + w_a · age + w_p · precise) / (w_f + w_a + w_p)`` with the
    weights ``settings.reliability_weights`` (``fitur``, ``umur_data``, ``presisi_lokasi``):

    - *present*: share of the features of ``spec`` (default :data:`FEATURE_SPEC`) with a value
      for the unit (a feature whose input layer is absent counts as missing for everyone);
    - *age*: ``0.5 ** (months from the last incident in the data to as_of / half-life)``
      (``settings.reliability_half_life_months``; no incident data: 0);
    - *precise*: share of the unit's incidents located to the town or better (ACLED
      geo_precision 1–2); 1 for a unit without incidents.
    """
    spec = dict(FEATURE_SPEC if spec is None else spec)
    cols = [c for c in spec if c in features.columns]
    vals = features.reindex(columns=cols).apply(pd.to_numeric, errors="coerce")
    present = vals.notna().sum(axis=1) / max(len(spec), 1)
    if data_end is None or pd.isna(data_end):
        age = 0.0
    else:
        months = max(0.0, (pd.Timestamp(as_of) - pd.Timestamp(data_end)).days / 30.436875)
        age = 0.5 ** (months / float(settings.reliability_half_life_months))
    precise = (
        pd.Series(1.0, index=features.index)
        if precise_share is None
        else precise_share.reindex(features.index).fillna(1.0)
    )
    w = settings.reliability_weights
    total = w["fitur"] + w["umur_data"] + w["presisi_lokasi"]
    out = (w["fitur"] * present + w["umur_data"] * age + w["presisi_lokasi"] * precise) / total
    return out.clip(0.0, 1.0).rename("keandalan")


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
