"""Panel, model, baselines and backtest; end-to-end validation on the demonstration province."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from kewaspadaan._errors import ValidationError
from kewaspadaan.model import (
    METHODS,
    _baselines,
    backtest,
    build_panel,
    calendar_features,
    fit_model,
)


def _synthetic(n: int = 40, months: int = 72, seed: int = 1):
    """Self-exciting monthly counts on a Voronoi province: background exp(-2 + 0.9 x) plus
    excitation 0.35 × last month's events decaying by 0.6 per month."""
    rng = np.random.default_rng(seed)
    box = shapely.box(0, 0, 150_000, 150_000)
    pts = shapely.multipoints(rng.uniform(0, 150_000, (n, 2)))
    cells = [
        shapely.intersection(g, box)
        for g in shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))
    ]
    b = gpd.GeoDataFrame(
        {"kode": [f"99.01.{i:02d}" for i in range(len(cells))]}, geometry=cells, crs="EPSG:32650"
    )
    mu = np.exp(-2.0 + 0.9 * rng.normal(size=len(b)))
    exc = np.zeros(len(b))
    rows = []
    for m in pd.date_range("2019-01-01", periods=months, freq="MS"):
        nk = rng.poisson(mu + exc)
        for k in np.repeat(np.arange(len(b)), nk):
            rows.append((m + pd.Timedelta(days=int(rng.integers(0, 28))), b.kode[k]))
        exc = exc * 0.6 + 0.35 * nk
    ev = pd.DataFrame(rows, columns=["event_date", "kode"])
    ev["event_type"] = "Riots"
    ev["fatalities"] = 0
    return b, ev


@pytest.fixture(scope="module")
def synth():
    b, ev = _synthetic()
    panel = build_panel(ev, b, end="2025-01-01")
    return b, ev, panel


def test_calendar_features():
    cal = calendar_features(
        pd.to_datetime(["2024-01-01", "2023-10-01", "2023-09-01", "2025-06-01"]),
        election_dates=["2024-02-14"],
    )
    assert cal["election_season"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert cal.loc["2024-01-01", "months_to_election"] == pytest.approx(44 / 30.436875)
    assert cal.loc["2025-06-01", "months_to_election"] == 36.0  # none scheduled ahead
    nov = calendar_features(pd.to_datetime(["2023-11-01"]), election_dates=["2024-02-14"])
    assert nov["election_season"].iloc[0] == 1.0  # the 3 months before overlap November


def test_panel_is_leak_free(synth):
    b, ev, panel = synth
    months = panel.index.get_level_values("bulan").unique()
    assert months[0] == pd.Timestamp("2019-01-01") and months[-1] == pd.Timestamp("2024-12-01")
    assert len(panel) == len(b) * len(months)
    assert ((panel["n_events"] > 0).astype(int) == panel["y"]).all()
    # features at a month start ignore that month's events: changing them changes nothing
    m = pd.Timestamp("2023-06-01")
    later = ev[ev.event_date >= m]
    earlier = ev[ev.event_date < m]
    shifted = pd.concat(
        [earlier, later.assign(kode=later.kode.sample(frac=1, random_state=2).to_numpy())]
    )
    p2 = build_panel(shifted, b, end="2023-07-01", start="2019-01-01")
    a = panel.xs(m, level="bulan")["events_decay"]
    np.testing.assert_allclose(p2.xs(m, level="bulan")["events_decay"], a)
    with pytest.raises(ValidationError, match="complete month"):
        build_panel(ev, b, end="2019-02-01")


def test_baselines_use_only_the_past():
    idx = pd.MultiIndex.from_product(
        [["a"], pd.date_range("2020-01-01", periods=4, freq="MS")], names=["unit", "bulan"]
    )
    panel = pd.DataFrame({"y": [1, 0, 0, 1]}, index=idx)
    base = _baselines(panel, 0.05)
    assert np.isnan(base["bulan_lalu"].iloc[0]) and np.isnan(base["rata_historis"].iloc[0])
    assert base["bulan_lalu"].iloc[1:].tolist() == [0.95, 0.05, 0.05]
    assert base["rata_historis"].iloc[1:].tolist() == pytest.approx([1.0, 0.5, 1 / 3])


def test_fit_model_is_calibrated_and_deterministic(synth):
    _, _, panel = synth
    past = panel[panel.index.get_level_values("bulan") < "2024-01-01"]
    a = fit_model(past, model="logit")
    b = fit_model(past, model="logit")
    p = a.predict_proba(past)
    np.testing.assert_array_equal(p, b.predict_proba(past))
    assert a.kind == "logit" and a.calibration == "sigmoid"
    assert ((p > 0) & (p < 1)).all()
    # calibrated: mean probability ≈ event rate on the calibration months
    cal = past.index.get_level_values("bulan") >= "2023-01-01"
    assert p[cal].mean() == pytest.approx(past["y"][cal].mean(), abs=0.03)
    with pytest.raises(ValidationError, match="training months"):
        fit_model(past.iloc[: 10 * 40])


def test_backtest_beats_baselines(synth):
    b, _, panel = synth
    area = b.geometry.area / 1e6
    bt = backtest(panel, n_months=12, refit_every=6, model="auto", area_km2=area)
    mt = bt.metrics
    assert list(mt.index) == list(METHODS)
    assert len(bt.predictions) == 12 * len(b)
    assert mt["brier"].between(0, 1).all() and mt["aupr"].between(0, 1).all()
    # flagging more units captures more events
    assert (mt["hit_5"] <= mt["hit_10"]).all() and (mt["hit_10"] <= mt["hit_20"]).all()
    s = bt.summary()
    assert s["model_beats_baselines_brier"] and s["model_beats_baselines_aupr"]
    assert set(s["models"]) <= {"hgb", "logit"} and len(bt.models) == 2
    frame = bt.to_frame()
    assert frame["metode"].tolist() == list(METHODS)
    with pytest.raises(ValidationError, match="shorten n_months"):
        backtest(panel, n_months=70)


# --- end to end on the generated demonstration province ---------------------------------------


@pytest.fixture(scope="module")
def demo_result(demo_full):
    from kewaspadaan.io import load_layers
    from kewaspadaan.scoring import score

    # as_of a year before the data end: the truth is the mean true intensity of the next 12
    # months, which the engine has not seen; the backtest covers the 24 months before as_of
    return score(load_layers(demo_full), as_of="2025-11-01", refit_every=3, backtest_months=24)


@pytest.mark.slow
def test_demo_ranking_and_backtest(demo_result):
    r = demo_result
    v = r.validation
    assert v["truth"].startswith("mean lambda_benar 2025-11") and v["n"] == len(r.table)
    # measured 0.74 (score) and 0.79 (probability) on the full demo, seed 2024
    assert v["spearman_skor"] > 0.6, v
    assert v["spearman_prob_insiden"] > 0.6, v
    s = r.backtest.summary()
    assert s["months"] == ["2023-11", "2025-10"]
    assert s["model_beats_baselines_brier"], s["metrics"]
    assert s["model_beats_baselines_aupr"], s["metrics"]
    t = r.table
    assert t["skor"].between(0, 100).all() and t["prob_insiden"].between(0, 1).all()
    assert r.accounting["n_read"] == r.accounting["n_assigned"] + r.accounting["n_rejected"]
    # every feature group available on the demo (DEM, roads, rivers, border, posts)
    assert set(r.risk.weights) == {"history", "spillover", "remoteness", "geography"}
    assert not r.missing, r.missing


@pytest.mark.slow
def test_score_cli_writes_outputs(demo_small, tmp_path):
    from typer.testing import CliRunner

    from kewaspadaan.cli import app

    res = CliRunner().invoke(
        app,
        [
            "score",
            "--data",
            str(demo_small),
            "--out",
            str(tmp_path),
            "--backtest-months",
            "6",
            "--refit-every",
            "6",
            "--as-of",
            "2026-06-01",
        ],
    )
    assert res.exit_code == 0, res.output
    # the small demo folder is used as it is, not regenerated at full size
    from kewaspadaan.demo import read_manifest

    assert read_manifest(demo_small)["size"] == "small"
    for name in (
        "risiko_kecamatan.gpkg",
        "risiko_kecamatan.csv",
        "sensitivitas.csv",
        "backtest.csv",
        "peringatan.csv",
        "insiden_ditolak.csv",
    ):
        assert (tmp_path / name).exists(), name
    table = gpd.read_file(tmp_path / "risiko_kecamatan.gpkg")
    assert list(table.columns[:11]) == [
        "kode",
        "nama",
        "kode_kab",
        "nama_kab",
        "skor",
        "kelas",
        "peringkat",
        "pendorong",
        "prob_insiden",
        "perubahan_skor",
        "peringatan",
    ]
    assert "Backtest" in res.output and "Spearman" in res.output
    csv = pd.read_csv(tmp_path / "risiko_kecamatan.csv")
    assert len(csv) == len(table) and "geometry" not in csv.columns
    assert csv["peringkat"].min() == 1 and csv["kelas"].notna().all()
    back = pd.read_csv(tmp_path / "backtest.csv")
    assert back["metode"].tolist() == list(METHODS)
    bad = CliRunner().invoke(
        app, ["score", "--data", str(demo_small), "--out", str(tmp_path), "--level", "provinsi"]
    )
    assert bad.exit_code == 2 and "'provinsi' is not a level" in bad.output
    assert "Traceback" not in bad.output
