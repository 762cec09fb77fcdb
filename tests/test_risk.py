"""Composite index: normalisation, weights, classes, drivers, sensitivity, alerts, outputs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError
from kewaspadaan.risk import alerts, classify, composite_index, sensitivity
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
    top = ri.contributions.loc[i].sort_values(ascending=False).index[0]
    assert ri.pendorong[i].split("; ")[0] == ri.spec[top][2]
    assert 1 <= len(ri.pendorong[i].split("; ")) <= 3


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


def test_sensitivity_reports_rank_stability(feats, bounds):
    ri = composite_index(feats, boundaries=bounds)
    sens = sensitivity(ri)
    runs = [c for c in sens.columns if c.startswith("peringkat_") and "_x" in c]
    assert len(runs) == 2 * len(ri.weights)
    assert (sens["peringkat_min"] <= sens["peringkat"]).all()
    assert (sens["peringkat_max"] >= sens["peringkat"]).all()
    assert sens["kelas_berubah"].between(0, 1).all()
    assert sens.loc[0, "delta_peringkat_maks"] == 0  # the worst unit stays first
    assert sens["delta_peringkat_maks"].max() > 0  # weights do move some ranks
    # one group only: moving its weight changes nothing
    solo = sensitivity(composite_index(feats[["events_decay"]]))
    assert (solo["delta_peringkat_maks"] == 0).all()


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
