"""Composite index: normalisation, weights, classes, drivers, sensitivity, alerts, outputs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError
from kewaspadaan.risk import (
    alerts,
    class_change_probability,
    classify,
    classify_probability,
    composite_index,
    jenks_breaks,
    reliability,
    sensitivity,
)
from kewaspadaan.schema import RISK_COLUMNS


@pytest.fixture
def feats() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 40
    f = pd.DataFrame(
        {
            "events_decay": rng.gamma(1.0, 2.0, n),
            "months_since_last": rng.uniform(0, 30, n),
            "lag_events_decay": rng.gamma(1.0, 2.0, n),
            "tt_kab_capital_h": rng.uniform(0.2, 30, n),
            "border_distance_km": rng.uniform(1, 300, n),
        },
        index=pd.RangeIndex(n),
    )
    # unit 0 is the worst on every feature
    f.loc[0] = [50.0, 0.0, 50.0, 100.0, 0.5]
    return f


@pytest.fixture
def bounds(feats) -> gpd.GeoDataFrame:
    polys = [shapely.box(i, 0, i + 1, 1) for i in range(len(feats))]
    return gpd.GeoDataFrame(
        {
            "kode": [f"99.01.{i:02d}" for i in range(len(feats))],
            "nama": [f"Kec <b>{i}</b>" for i in range(len(feats))],
            "kode_kab": "99.01",
            "nama_kab": "Kab",
        },
        geometry=polys,
        crs="EPSG:4326",
        index=feats.index,
    )


def test_scores_contributions_and_ranks(feats, bounds):
    ri = composite_index(feats, boundaries=bounds)
    assert ri.score.between(0, 100).all()
    np.testing.assert_allclose(ri.contributions.sum(axis=1), ri.score)
    assert ri.score[0] == pytest.approx(100.0)  # worst on all features, rank normalisation
    assert ri.peringkat[0] == 1
    assert sorted(ri.peringkat) == list(range(1, len(feats) + 1))
    assert sum(ri.weights.values()) == pytest.approx(1.0)
    # group score = mean of its normalised features; direction -1 respected
    assert ri.normalised.loc[0, "months_since_last"] == pytest.approx(1.0)
    assert ri.normalised.loc[0, "border_distance_km"] == pytest.approx(1.0)
    np.testing.assert_allclose(
        ri.group_scores["history"],
        ri.normalised[["events_decay", "months_since_last"]].mean(axis=1),
    )


def test_classes_by_documented_breaks():
    s = pd.Series([0.0, 25.0, 25.01, 50.0, 74.9, 75.0, 75.1, 100.0])
    got = classify(s).tolist()
    assert got == [
        "rendah",
        "rendah",
        "sedang",
        "sedang",
        "tinggi",
        "tinggi",
        "sangat tinggi",
        "sangat tinggi",
    ]
    assert classify(s, breaks=(50,), labels=("lo", "hi")).tolist()[3:5] == ["lo", "hi"]
    with pytest.raises(ValidationError, match="labels"):
        classify(s, breaks=(10, 20), labels=("a", "b"))


def test_drivers_are_largest_contributions(feats, bounds):
    ri = composite_index(feats, boundaries=bounds)
    i = 5
    labels = {s[2]: n for n, s in ri.spec.items()}
    named = [labels[x] for x in ri.pendorong[i].split("; ") if x]
    assert 1 <= len(named) <= 3
    contrib = ri.contributions.loc[i, named]
    assert list(contrib.sort_values(ascending=False).index) == named  # largest first
    med = ri.normalised.median()
    eligible = [
        n
        for n in ri.contributions.columns
        if feats.loc[i, n] != 0 and ri.normalised.loc[i, n] > med[n]
    ]
    assert named[0] == ri.contributions.loc[i, eligible].idxmax()


def test_drivers_only_raise_the_risk():
    rng = np.random.default_rng(8)
    n = 30
    f = pd.DataFrame(
        {
            "events_decay": np.where(rng.random(n) < 0.5, 0.0, rng.gamma(1.0, 2.0, n)),
            "fatalities_decay": np.where(rng.random(n) < 0.7, 0.0, rng.gamma(1.0, 1.0, n)),
            "trend_6m": rng.normal(0, 0.5, n),
            "tt_kab_capital_h": rng.uniform(0.2, 30, n),
        }
    )
    ri = composite_index(f)
    labels = {s[2]: name for name, s in ri.spec.items()}
    for i, text in ri.pendorong.items():
        for lab in filter(None, text.split("; ")):
            name = labels[lab]
            assert f.loc[i, name] != 0, (i, name)
            assert ri.normalised.loc[i, name] > ri.normalised[name].median(), (i, name)
    # a falling trend or no fatalities never normalises above 0
    assert (ri.normalised.loc[f["trend_6m"] <= 0, "trend_6m"] == 0).all()
    assert (ri.normalised.loc[f["fatalities_decay"] == 0, "fatalities_decay"] == 0).all()


def test_unit_without_events_is_low_not_middling():
    n = 40
    rng = np.random.default_rng(2)
    events = np.where(np.arange(n) < 25, 0.0, rng.gamma(2.0, 2.0, n))  # 25 quiet units
    f = pd.DataFrame(
        {
            "events_decay": events,
            "events_3m": np.where(events > 0, rng.integers(1, 5, n), 0),
            "months_since_last": np.where(events > 0, rng.uniform(0, 20, n), 108.0),
            "trend_6m": np.where(events > 0, rng.normal(0.2, 0.3, n), 0.0),
            "lag_events_decay": np.where(events > 0, rng.gamma(1.0, 1.0, n), 0.0),
        }
    )
    ri = composite_index(f)
    quiet = f["events_decay"] == 0
    assert (ri.score[quiet] == 0).all()  # no signal anywhere: 0, not the average rank
    assert (ri.kelas[quiet] == "rendah").all()
    assert (ri.score[~quiet] > 0).all()
    assert (ri.pendorong[quiet] == "").all()


def test_missing_groups_and_weight_overrides(feats):
    only_hist = feats[["events_decay", "months_since_last", "lag_events_decay"]]
    ri = composite_index(only_hist)
    assert set(ri.weights) == {"history", "spillover"}
    base = settings.composite_weights
    total = base["history"] + base["spillover"]
    assert ri.weights["history"] == pytest.approx(base["history"] / total)
    assert "group:remoteness" in ri.missing and "tt_kab_capital_h" in ri.missing
    ri2 = composite_index(only_hist, weights={"spillover": 0.0})
    assert ri2.weights == {"history": 1.0, "spillover": 0.0}
    np.testing.assert_allclose(ri2.score, 100 * ri2.group_scores["history"])
    with pytest.raises(ValidationError, match="unknown group"):
        composite_index(only_hist, weights={"cuaca": 1.0})
    with pytest.raises(ValidationError, match=">= 0"):
        composite_index(only_hist, weights={"history": -1.0})
    with pytest.raises(ValidationError, match="none of the features"):
        composite_index(pd.DataFrame({"x": [1, 2]}))


def test_minmax_normalisation_uses_log1p(feats):
    ri = composite_index(feats, normalisation="minmax")
    x = np.log1p(feats["events_decay"])
    expected = (x - x.min()) / (x.max() - x.min())
    np.testing.assert_allclose(ri.normalised["events_decay"], expected)
    with pytest.raises(ValueError, match="normalisation"):
        composite_index(feats, normalisation="zscore")


def test_sensitivity_is_monte_carlo_and_seeded(feats, bounds):
    ri = composite_index(feats, boundaries=bounds)
    sens = sensitivity(ri, draws=100, seed=3)
    assert (sens["peringkat_min"] <= sens["peringkat"]).all()
    assert (sens["peringkat_max"] >= sens["peringkat"]).all()
    assert sens["kelas_berubah"].between(0, 1).all() and sens["kelas_berubah"].max() > 0
    assert sens.loc[0, "peringkat_max"] <= 2  # the worst unit stays at the top
    assert len(sens.attrs["draws"]) == 100
    assert {d["norm"] for d in sens.attrs["draws"]} == {"rank", "minmax"}
    again = sensitivity(ri, draws=100, seed=3)
    pd.testing.assert_frame_equal(sens, again)
    loose = sensitivity(ri, draws=100, seed=3, concentration=2.0)
    assert loose["delta_peringkat_rata"].mean() > sens["delta_peringkat_rata"].mean()
    # one group only: weights cannot move; only the normalisation can
    solo = sensitivity(composite_index(feats[["events_decay"]]), draws=20)
    assert (solo["delta_peringkat_maks"] == 0).all()  # rank and minmax keep the order


def test_probability_classes_are_absolute_and_language_free(monkeypatch):
    p = pd.Series([0.0, 0.049, 0.05, 0.149, 0.15, 0.399, 0.40, 0.95])
    got = classify_probability(p, thresholds=(0.05, 0.15, 0.40)).tolist()
    assert got == [
        "rendah",
        "rendah",
        "sedang",
        "sedang",
        "tinggi",
        "tinggi",
        "sangat tinggi",
        "sangat tinggi",
    ]
    monkeypatch.setattr(settings, "language", "en")
    assert classify_probability(p).iloc[0] == "rendah"
    assert classify(pd.Series([90.0])).iloc[0] == "sangat tinggi"
    with pytest.raises(ValidationError, match="increasing probabilities"):
        classify_probability(p, thresholds=(0.5, 0.2, 0.9))


def test_jenks_breaks_find_the_groups():
    s = pd.Series([1, 2, 2, 3, 20, 21, 22, 50, 51, 90, 91, 92], dtype=float)
    b = jenks_breaks(s)
    assert b == (3.0, 22.0, 51.0)
    assert classify(s, breaks=b).value_counts().to_dict() == {
        "rendah": 4,
        "sedang": 3,
        "tinggi": 2,
        "sangat tinggi": 3,
    }
    few = jenks_breaks(pd.Series([0.0, 0.0, 5.0]))
    assert few == (0.0, 5.0, 5.0)
    mapclassify = pytest.importorskip("mapclassify")
    v = np.random.default_rng(6).gamma(2.0, 10.0, 120)
    ref = mapclassify.FisherJenks(v, k=4).bins[:-1]
    np.testing.assert_allclose(jenks_breaks(pd.Series(v)), ref)


def test_class_change_probability():
    p = pd.Series([0.01, 0.25, 0.9])
    assert (class_change_probability(p, np.zeros(3), np.ones(3)) == 0).all()
    moved = class_change_probability(p, np.full(3, 0.3), np.ones(3), draws=2000, seed=1)
    assert moved[1] == pytest.approx(0.5, abs=0.05)  # exactly on a threshold
    assert moved[0] < 0.01 and moved[2] < 0.01  # far from any threshold
    none_uncertain = class_change_probability(p, np.full(3, 0.3), np.zeros(3))
    assert (none_uncertain == 0).all()  # nothing uncertain in λ


def test_reliability(feats):
    as_of = pd.Timestamp("2025-01-01")
    full = reliability(feats, as_of=as_of, data_end=as_of, spec={c: ("g", 1, c) for c in feats})
    assert (full == 1.0).all()
    gappy = feats.copy()
    gappy.loc[3, "tt_kab_capital_h"] = np.nan
    part = reliability(gappy, as_of=as_of, data_end=as_of, spec={c: ("g", 1, c) for c in feats})
    w = settings.reliability_weights
    assert part[3] == pytest.approx(1 - w["fitur"] / sum(w.values()) / 5)
    old = reliability(
        feats,
        as_of=as_of,
        data_end=as_of - pd.DateOffset(years=1),
        spec={c: ("g", 1, c) for c in feats},
    )
    assert old.iloc[0] == pytest.approx(1 - 0.5 * w["umur_data"] / sum(w.values()), abs=0.01)
    vague = reliability(
        feats,
        as_of=as_of,
        data_end=as_of,
        spec={c: ("g", 1, c) for c in feats},
        precise_share=pd.Series(0.0, index=feats.index),
    )
    assert vague.iloc[0] == pytest.approx(1 - w["presisi_lokasi"] / sum(w.values()))


def test_alerts_margin():
    cur = pd.Series([50.0, 40.0, 30.0])
    prev = pd.Series([35.0, 35.0, 40.0])
    a = alerts(cur, prev, margin=10)
    assert a["peringatan"].tolist() == [True, False, False]
    assert a["perubahan_skor"].tolist() == [15.0, 5.0, -10.0]
    with pytest.raises(ValidationError, match="index"):
        alerts(cur, prev.iloc[:2])


def test_table_columns_and_maps(feats, bounds):
    ri = composite_index(feats, boundaries=bounds)
    table = ri.to_frame()
    assert isinstance(table, gpd.GeoDataFrame)
    assert tuple(table.columns[: len(RISK_COLUMNS)]) == RISK_COLUMNS
    assert table["prob_insiden"].isna().all() and not table["peringatan"].any()
    assert "events_decay" in table.columns
    m = ri.explore()
    html = m.get_root().render()
    # names are HTML-escaped (then JSON-encoded: & becomes \u0026)
    assert "Kec \\u0026lt;b\\u0026gt;1" in html and "Kec <b>1</b>" not in html
    assert settings.map_class_colors["sangat tinggi"] in html or "fillColor" in html
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from kewaspadaan._errors import MissingDependencyError

        with pytest.raises(MissingDependencyError, match="kewaspadaan\\[notebook\\]"):
            ri.plot()
    with pytest.raises(ValueError, match="no boundaries"):
        composite_index(feats).explore()
