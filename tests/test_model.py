"""Count panel, candidates, baselines, metrics, backtest and forecast on a known Hawkes process;
end-to-end validation on the demonstration province."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.optimize import approx_fprime

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError
from kewaspadaan.forecast import (
    METHODS,
    backtest,
    build_count_panel,
    fit_forecast_model,
    forecast_to_voting_day,
)
from kewaspadaan.forecast.baselines import baseline_methods
from kewaspadaan.forecast.glm import nb_objective
from kewaspadaan.forecast.hawkes import HawkesMethod, _Layout, _objective, _unit_precision
from kewaspadaan.forecast.lags import LagState, lag_features
from kewaspadaan.spatial import spatial_weights, weights_matrix

#: Parameters of the simulated province (Hawkes with neighbour triggering, election seasons).
TRUE = {"a_self": 0.30, "a_nb": 0.10, "delta": 0.60, "season": 2.0}
CAL = pd.DataFrame(
    {
        "tanggal": pd.to_datetime(["2019-04-17", "2020-12-09", "2024-02-14", "2029-02-14"]),
        "jenis": ["Pemilu", "Pilkada", "Pemilu", "Pemilu"],
        "cakupan": "nasional",
        "status": ["selesai", "selesai", "selesai", "rencana"],
        "keterangan": "",
    }
)


def _province(n: int = 60, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    box = shapely.box(0, 0, 200_000, 200_000)
    pts = shapely.multipoints(rng.uniform(0, 200_000, (n, 2)))
    cells = [
        shapely.intersection(g, box)
        for g in shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))
    ]
    kab = [f"99.0{1 + i % 3}" for i in range(len(cells))]
    return gpd.GeoDataFrame(
        {"kode": [f"{k}.{i:02d}" for i, k in enumerate(kab)], "kode_kab": kab},
        geometry=cells,
        crs="EPSG:32650",
    )


def _simulate(b: gpd.GeoDataFrame, months: pd.DatetimeIndex, seed: int = 2):
    """Events of a discrete-time Hawkes process with the parameters :data:`TRUE`."""
    from kewaspadaan.forecast.calendar import season_index

    rng = np.random.default_rng(seed)
    w = weights_matrix(spatial_weights(b), b.index, transform="R")
    x = rng.normal(size=len(b))
    mu = np.exp(-1.6 + 0.7 * x)
    season = np.where(season_index(months, CAL) >= 0, TRUE["season"], 1.0)
    s = np.zeros(len(b))
    lam = np.zeros((len(b), len(months)))
    counts = np.zeros_like(lam)
    for t in range(len(months)):
        lam[:, t] = mu * season[t] + TRUE["a_self"] * s + TRUE["a_nb"] * (w @ s)
        counts[:, t] = rng.poisson(lam[:, t])
        s = TRUE["delta"] * s + (1 - TRUE["delta"]) * counts[:, t]
    unit, month = np.nonzero(counts)
    reps = counts[unit, month].astype(int)
    days = rng.integers(0, 28, size=reps.sum())
    ev = pd.DataFrame(
        {
            "event_date": months[np.repeat(month, reps)] + pd.to_timedelta(days, unit="D"),
            "kode": b["kode"].to_numpy()[np.repeat(unit, reps)],
            "event_type": "Riots",
            "fatalities": 0,
        }
    )
    static = pd.DataFrame({"x": x, "area_km2": b.area / 1e6}, index=b.index)
    return ev, lam, static


@pytest.fixture(scope="module")
def synth():
    b = _province()
    months = pd.date_range("2018-01-01", "2025-12-01", freq="MS")
    ev, lam, static = _simulate(b, months)
    panel = build_count_panel(ev, b, end="2026-01-01", static=static, calendar=CAL)
    return b, ev, lam, static, panel


def test_panel_counts_and_leakage(synth):
    b, ev, _, _, panel = synth
    assert panel.counts.shape == (len(b), 96) and panel.counts.sum() == len(ev)
    assert panel.months[0] == pd.Timestamp("2018-01-01")
    assert panel.month_starts([96])[0] == pd.Timestamp("2026-01-01")
    assert set(panel.groups) == {"kabupaten", "provinsi"}
    assert panel.covariate_names == ["x", "area_km2"]
    np.testing.assert_allclose(panel.covariates.mean(axis=0), 0, atol=1e-12)
    # the features of a month never see that month: changing it changes nothing before it
    later = panel.subset_months(60)
    f_full = lag_features(panel, np.arange(40, 61))
    f_cut = lag_features(later, np.arange(40, 61))
    np.testing.assert_array_equal(f_full, f_cut)
    with pytest.raises(ValidationError, match="complete month"):
        build_count_panel(ev, b, end="2018-03-01")


def test_lag_state_matches_batch_features(synth):
    _, _, _, _, panel = synth
    state = LagState(panel.subset_months(70), draws=2)
    np.testing.assert_allclose(state.features()[0], lag_features(panel, np.array([70]))[:, 0])
    state.update(np.repeat(panel.counts[None, :, 70], 2, axis=0))
    np.testing.assert_allclose(state.features()[1], lag_features(panel, np.array([71]))[:, 0])


def _hawkes_objective(panel, **kwargs):
    """The penalised Hawkes objective on months 6..89 of ``panel`` (unit sd 0.5), its layout."""
    o = dict(settings.hawkes, unit_effect_sd=0.5)
    lay = _Layout(panel.covariates.shape[1], panel.n_units, len(panel.calendar))
    months = np.arange(6, 90)
    rows, kinds = panel.season(months)
    q = _unit_precision(panel.w, 0.9)
    args = (panel.counts[:, :90], 6, panel.covariates, panel.w, rows, kinds, (months - 89) / 120)
    return _objective(*args, lay, o, q, **kwargs), lay


def test_hawkes_gradient_and_recovery(synth):
    _, _, _, _, panel = synth
    f, lay = _hawkes_objective(panel)
    theta = lay.start() + np.random.default_rng(0).normal(0, 0.05, lay.size)
    theta[lay.offset("a_self") :] = lay.start()[lay.offset("a_self") :]
    _, grad = f(theta)
    num = approx_fprime(theta, lambda z: f(z)[0], 1e-6)
    np.testing.assert_allclose(grad, num, rtol=1e-3, atol=1e-2)
    fit = HawkesMethod().fit(panel, panel.n_months)
    assert fit.a_self == pytest.approx(TRUE["a_self"], abs=0.1)
    assert fit.a_nb == pytest.approx(TRUE["a_nb"], abs=0.1)
    assert fit.delta == pytest.approx(TRUE["delta"], abs=0.15)
    assert fit.summary()["season_multiplier"]["Pemilu"] == pytest.approx(TRUE["season"], rel=0.3)
    assert fit.params["beta"][0] > 0.4  # the covariate x raises the background


def test_glm_gradient():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(300, 3))
    y = rng.poisson(np.exp(-0.5 + z @ [0.4, -0.3, 0.0]))
    f = nb_objective(y.astype(float), z, 0.25)
    theta = np.array([-0.3, 0.2, 0.1, -0.1, 0.5])
    np.testing.assert_allclose(
        f(theta)[1], approx_fprime(theta, lambda t: f(t)[0], 1e-6), rtol=1e-4, atol=1e-3
    )


def test_baselines_use_only_the_past(synth):
    _, _, _, _, panel = synth
    months = np.arange(50, 60)
    cut = panel.subset_months(60)
    for name, method in baseline_methods().items():
        a = method.fit(panel, 50).predict(panel, months)
        b = method.fit(cut, 50).predict(cut, months)
        np.testing.assert_allclose(a.prob, b.prob, err_msg=name)
        assert ((a.prob > 0) & (a.prob < 1)).all(), name


def test_backtest_chains_side_by_side_give_the_same_numbers(synth, monkeypatch):
    """The chain before the validation window and the validation chain each start cold: run in
    two threads (the default) or one after the other, every prediction is the same number."""
    _, _, _, _, panel = synth
    assert settings.backtest_threads == 2
    two = backtest(panel, n_months=18, validation_months=12, bootstrap=50)
    monkeypatch.setattr(settings, "backtest_threads", 1)
    one = backtest(panel, n_months=18, validation_months=12, bootstrap=50)
    pd.testing.assert_frame_equal(two.predictions, one.predictions)
    pd.testing.assert_frame_equal(two.metrics, one.metrics)
    assert two.chosen.tolist() == one.chosen.tolist()


def test_persistence_transitions():
    from kewaspadaan.forecast.panel import CountPanel

    counts = np.array([[1, 0, 0, 1, 1, 0, 1, 1, 1, 0]], dtype=float)
    panel = CountPanel(
        index=pd.RangeIndex(1),
        codes=np.array(["a"]),
        months=pd.date_range("2020-01-01", periods=10, freq="MS"),
        counts=counts,
        covariates=np.zeros((1, 0)),
        covariate_names=[],
        w=weights_matrix_identity(1),
    )
    fit = baseline_methods()["persistensi"].fit(panel, 10)
    # transitions before month 10: after an event 3 of the 6 next months had one, after none
    # 2 of 3
    p = fit.predict(panel, np.array([10])).prob[0, 0]  # last month had none
    k = settings.baselines["prior_months"]
    assert fit.p_pool.tolist() == pytest.approx([2 / 3, 3 / 6])
    assert p == pytest.approx((2 + k * 2 / 3) / (3 + k))
    # month 9 (month 8 had an event) only counts the transitions before it: 3 of 5
    after_event = fit.predict(panel, np.array([9])).prob[0, 0]
    assert after_event == pytest.approx((3 + k * 0.5) / (5 + k))


def weights_matrix_identity(n: int):
    from scipy import sparse

    return sparse.csr_matrix((n, n))


def test_backtest_model_beats_every_baseline(synth):
    _, _, lam_true, _, panel = synth
    bt = backtest(panel, n_months=18, validation_months=12, bootstrap=300)
    assert list(bt.metrics.index) == list(METHODS)
    assert len(bt.predictions) == 18 * panel.n_units
    s = bt.summary()
    assert s["model_beats_baselines_brier"], bt.metrics["brier"]
    assert s["model_beats_baselines_log_loss"], bt.metrics["log_loss"]
    assert set(s["models"]) <= {"hawkes", "glm", "gbm", "ewma"}
    mt = bt.metrics
    assert (mt["brier_lo"] <= mt["brier"]).all() and (mt["brier"] <= mt["brier_hi"]).all()
    assert (mt["hit_5"] <= mt["hit_10"] + 1e-12).all() and (mt["hit_10"] <= mt["hit_20"]).all()
    assert set(bt.paired.index) == {
        "rata_historis",
        "rata_jendela",
        "ewma",
        "kalender",
        "persistensi",
    }
    assert (bt.paired["brier_diff"] < 0).all()
    truth = pd.DataFrame(
        {
            "kode": np.repeat(panel.codes, panel.n_months),
            "bulan": np.tile(panel.months.strftime("%Y-%m"), panel.n_units),
            "lambda_benar": lam_true.ravel(),
        }
    )
    skill = bt.skill(truth)
    assert skill.loc["rata_historis", "gap_brier"] == 0 and skill.loc["kebenaran", "gap_brier"] == 1
    assert skill.loc["model", "gap_brier"] > 0.6, skill
    with pytest.raises(ValidationError, match="shorten n_months"):
        backtest(panel, n_months=90)


def test_forecast_is_consistent_and_covers(synth):
    b, _, _, _, panel = synth
    past = panel.subset_months(84)
    choice = fit_forecast_model(past, model="hawkes")
    fc = forecast_to_voting_day(choice, past, voting_day="2025-12-14", draws=400, seed=1)
    units = fc.to_frame()
    assert units["horizon_bulan"].max() == 12 and len(units) == 12 * len(b)
    assert units["bulan"].iloc[0] == "2025-01"
    assert (units["bawah80"] <= units["atas80"]).all()
    assert units["prob_min1"].between(0, 1).all()
    kab = fc.aggregate("kabupaten")
    summed = units.assign(kab=units["kode"].str[:5]).groupby(["kab", "bulan"])["ekspektasi"].sum()
    got = kab.set_index(["kode", "bulan"])["ekspektasi"].sort_index()
    np.testing.assert_allclose(got.to_numpy(), summed.sort_index().to_numpy())
    prov = fc.aggregate("provinsi")
    np.testing.assert_allclose(
        prov["ekspektasi"].to_numpy(), units.groupby("bulan")["ekspektasi"].sum().to_numpy()
    )
    assert (prov["prob_min1"] >= kab.groupby("bulan")["prob_min1"].max().to_numpy() - 1e-12).all()
    tot = fc.totals()
    by_unit = units.groupby("kode", sort=False)["ekspektasi"].sum()
    np.testing.assert_allclose(tot.set_index("kode")["ekspektasi_hingga_pemilu"], by_unit)
    # one-month-ahead P is exact: equals the fit's prediction
    p1 = choice.fit.predict(past, np.array([84])).prob[:, 0]
    np.testing.assert_allclose(fc.month(1)["prob_min1"], p1)
    # 80 % intervals of the months that then happened cover about 80 % of the counts
    actual = panel.counts[:, 84:96].T.ravel()
    inside = (units["bawah80"].to_numpy() <= actual) & (actual <= units["atas80"].to_numpy())
    assert 0.75 <= inside.mean() <= 0.99, inside.mean()
    with pytest.raises(ValidationError, match="not available"):
        fc.aggregate("desa")


def test_forecast_paths_are_capped_by_the_cells_simulated(synth, monkeypatch):
    _, _, _, _, panel = synth
    past = panel.subset_months(84)
    choice = fit_forecast_model(past, model="hawkes")
    cells = past.n_units * 12  # units x months to voting day

    def forecast():
        return forecast_to_voting_day(choice, past, voting_day="2025-12-14", draws=400, seed=1)

    full = forecast()
    assert full.draws == 400 and "draws" not in full.notes
    monkeypatch.setattr(settings, "forecast_max_cells", 60 * cells + 5)
    few = forecast()
    assert few.draws == 60 and "x 12 months" in few.notes["draws"]
    # expected counts and P(>= 1) average the paths' intensities: 60 paths give the 400-path
    # province totals within a few per cent, and the first month exactly
    a, b = full.aggregate("provinsi"), few.aggregate("provinsi")
    np.testing.assert_allclose(b["ekspektasi"], a["ekspektasi"], rtol=0.05)
    np.testing.assert_allclose(few.month(1)["prob_min1"], full.month(1)["prob_min1"])
    monkeypatch.setattr(settings, "forecast_max_cells", 10)
    assert forecast().draws == 50  # never fewer paths than 50


# --- end to end on the generated demonstration province ---------------------------------------


@pytest.fixture(scope="module")
def demo_result(demo_full):
    from kewaspadaan.io import load_layers
    from kewaspadaan.scoring import score

    # as_of a year before the data end: the truth of the next 12 months is known to the test,
    # not to the engine; the backtest covers the 24 months before as_of
    return score(load_layers(demo_full), as_of="2025-11-01")


@pytest.mark.slow
def test_demo_forecast_and_validation(demo_result):
    r = demo_result
    v = r.validation
    assert v["truth"].startswith("mean lambda_benar 2025-11") and v["n"] == len(r.table)
    # measured on seed 2024: gap 0.96, Spearman of the forecast 0.94
    assert v["backtest_gap_brier"] > 0.8, v
    assert v["backtest_gap_log_loss"] > 0.8, v
    assert v["spearman_ekspektasi_prakiraan"] > 0.8, v
    s = r.backtest.summary()
    assert s["months"] == ["2023-11", "2025-10"]
    assert s["model_beats_baselines_brier"] and s["model_beats_baselines_log_loss"], s["metrics"]
    t = r.table
    assert t["prob_insiden"].between(0, 1).all() and t["keandalan"].between(0, 1).all()
    assert set(t["kelas"]) <= {"rendah", "sedang", "tinggi", "sangat tinggi"}
    assert (
        t["tren_hotspot"].isin(["baru", "menguat", "menetap", "melemah", "sporadis", "bukan"]).all()
    )
    assert (t["ekspektasi_bawah80"] <= t["ekspektasi_hingga_pemilu"]).all()
    assert (t["ekspektasi_hingga_pemilu"] <= t["ekspektasi_atas80"]).all()
    assert t["prob_ganti_kelas"].between(0, 1).all()
    fc = r.forecast
    assert fc.to_frame()["bulan"].iloc[-1] == "2029-02"
    assert r.accounting["n_read"] == r.accounting["n_assigned"] + r.accounting["n_rejected"]
    assert not r.missing, r.missing


@pytest.mark.slow
def test_demo_drivers_are_nonzero(demo_result):
    from kewaspadaan.risk import FEATURE_SPEC

    label_to_feature = {lab: f for f, (_, _, lab) in FEATURE_SPEC.items()}
    t = demo_result.table
    named = 0
    for _, row in t.iterrows():
        for lab in filter(None, row["pendorong"].split("; ")):
            value = row[label_to_feature[lab]]
            assert np.isfinite(value) and value != 0, (row["kode"], lab, value)
            named += 1
    assert named > len(t)  # most units have drivers


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
    from kewaspadaan.demo import read_manifest

    assert read_manifest(demo_small)["size"] == "small"
    for name in (
        "risiko_kecamatan.gpkg",
        "risiko_kecamatan.csv",
        "sensitivitas.csv",
        "backtest.csv",
        "backtest_uji.csv",
        "prakiraan_kecamatan.csv",
        "prakiraan_kabupaten.csv",
        "prakiraan_provinsi.csv",
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
    assert "Backtest" in res.output
    csv = pd.read_csv(tmp_path / "risiko_kecamatan.csv")
    assert len(csv) == len(table) and "geometry" not in csv.columns
    assert csv["peringkat"].min() == 1 and csv["kelas"].notna().all()
    back = pd.read_csv(tmp_path / "backtest.csv")
    assert back["metode"].tolist() == list(METHODS)
    fc = pd.read_csv(tmp_path / "prakiraan_kecamatan.csv")
    assert list(fc.columns) == [
        "kode",
        "bulan",
        "horizon_bulan",
        "ekspektasi",
        "prob_min1",
        "bawah80",
        "atas80",
    ]
    bad = CliRunner().invoke(
        app, ["score", "--data", str(demo_small), "--out", str(tmp_path), "--level", "provinsi"]
    )
    assert bad.exit_code == 2 and "'provinsi' is not a level" in bad.output
    assert "Traceback" not in bad.output


def test_compiled_hawkes_likelihood_equals_the_numpy_reference(synth):
    """The Poisson likelihood of the compiled kernels is the NumPy one (value and gradient)."""
    _, _, _, _, panel = synth
    fast, lay = _hawkes_objective(panel, compiled=True)
    slow, _ = _hawkes_objective(panel, compiled=False)
    rng = np.random.default_rng(3)
    for _ in range(3):
        theta = lay.start() + rng.normal(0, 0.05, lay.size)
        theta[lay.offset("a_self") :] = np.clip(
            lay.start()[lay.offset("a_self") :]
            + rng.uniform(0, 0.1, lay.size - lay.offset("a_self")),
            None,
            0.95,
        )
        v_fast, g_fast = fast(theta)
        v_slow, g_slow = slow(theta)
        assert v_fast == pytest.approx(v_slow, rel=1e-10)
        np.testing.assert_allclose(g_fast, g_slow, rtol=1e-8, atol=1e-8)


def test_flattened_trees_predict_as_sklearn():
    """TreeEnsemble gives the numbers of HistGradientBoostingRegressor.predict, NaN included."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    from kewaspadaan.forecast._trees import TreeEnsemble

    rng = np.random.default_rng(5)
    x = rng.normal(size=(2000, 6))
    x[rng.random(x.shape) < 0.05] = np.nan  # missing values go where the split sent them
    y = rng.poisson(np.exp(0.3 * np.nan_to_num(x[:, 0]) - 0.2 * np.nan_to_num(x[:, 3])))
    model = HistGradientBoostingRegressor(loss="poisson", max_iter=60, random_state=0).fit(x, y)
    trees = TreeEnsemble.from_sklearn(model)
    assert trees is not None
    new = rng.normal(size=(500, 6))
    new[rng.random(new.shape) < 0.1] = np.nan
    for rows in (new, new.astype(np.float32)):
        np.testing.assert_allclose(np.exp(trees.raw_predict(rows)), model.predict(rows), rtol=1e-9)
    # the parallel kernel gives the same numbers on one thread and on two
    from kewaspadaan import settings as s

    one, two = [], []
    for threads, out in ((1, one), (2, two)):
        before, s.kernel_threads = s.kernel_threads, threads
        try:
            out.append(trees.raw_predict(new))
        finally:
            s.kernel_threads = before
    np.testing.assert_array_equal(one[0], two[0])


def test_trees_walked_once_per_distinct_row_give_the_same_numbers(monkeypatch):
    """raw_predict(distinct=True) equals the row-by-row walk with repeats, NaN and collisions."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    from kewaspadaan.forecast import _trees

    rng = np.random.default_rng(11)
    x = rng.poisson(0.3, size=(3000, 5)).astype(np.float64)
    y = rng.poisson(np.exp(0.4 * x[:, 0]))
    trees = _trees.TreeEnsemble.from_sklearn(
        HistGradientBoostingRegressor(loss="poisson", max_iter=40, random_state=0).fit(x, y)
    )
    assert trees is not None
    # mostly repeated rows (quiet paths), some NaN, some distinct ones
    rows = np.repeat(rng.poisson(0.2, size=(400, 5)).astype(np.float32), 80, axis=0)
    rows[rng.random(rows.shape) < 0.01] = np.nan
    rows[:500] = rng.normal(size=(500, 5))
    first, group, exact = _trees.distinct_rows(rows)
    assert len(first) < 0.2 * len(rows) and exact.all()
    assert np.array_equal(rows[first[group]].view(np.uint32), rows.view(np.uint32))
    expect = trees.raw_predict(rows)
    np.testing.assert_array_equal(trees.raw_predict(rows, distinct=True), expect)
    # every row hashing alike (a forced collision): rows unlike their group's first are walked alone
    monkeypatch.setattr(_trees, "_HASH_MUL", np.zeros(256, dtype=np.int64))
    _first, _group, exact = _trees.distinct_rows(rows)
    assert not exact.all()
    monkeypatch.setattr(_trees, "_DISTINCT_MAX_SHARE", 2.0)
    np.testing.assert_array_equal(trees.raw_predict(rows, distinct=True), expect)


def test_gbm_simulator_groups_repeated_paths_then_switches_off(synth):
    """The simulator's intensities are those of the row-by-row walk, grouped or not; the
    grouping is used while the paths repeat and switched off once they have diverged."""
    from kewaspadaan.forecast._base import draw_counts
    from kewaspadaan.forecast.gbm import GbmMethod

    _, _, _, _, panel = synth
    fit = GbmMethod(max_iter=30).fit(panel.subset_months(80), 80)
    draws = 25_000 // panel.n_units + 1  # enough rows for the grouping to be tried
    sim = fit.simulator(panel.subset_months(80), draws, 6)
    rng = np.random.default_rng(3)
    grouped = []
    for t in range(80, 86):
        feats = sim.state.features(np.float32)
        plain = fit._lam(feats)  # no stats: the trees walked row by row
        stats = sim._stats
        lam = sim.intensity(t)
        grouped.append(stats is not None and bool(stats.get("grouped")))
        np.testing.assert_array_equal(lam, plain, err_msg=f"month {t}")
        sim.update(t, draw_counts(lam, None, rng))
    assert grouped[0] and not grouped[-1] and sim._stats is None


def test_lag_state_ring_buffer_over_many_months(synth):
    """Twenty updates of the ring buffer give the batch features of every month."""
    _, _, _, _, panel = synth
    state = LagState(panel.subset_months(60), draws=3)
    for t in range(60, 80):
        batch = lag_features(panel, np.array([t]))[:, 0]
        for d in range(3):
            np.testing.assert_allclose(state.features()[d], batch, err_msg=f"month {t}")
        np.testing.assert_array_equal(state.hist[0], panel.counts[:, t - 12 : t])
        state.update(np.repeat(panel.counts[None, :, t], 3, axis=0))


def test_ewma_fit_from_the_memo_equals_the_grid_search(synth):
    from kewaspadaan.forecast.ewma import EwmaMethod, _blend, ewma

    _, _, _, _, panel = synth
    grid = settings.ewma
    for t_end in (30, 75):
        fit = EwmaMethod().fit(panel, t_end)
        first = min(int(grid["warmup_months"]), max(t_end // 4, 1))
        y = panel.counts[:, first:t_end]
        best = max(
            (
                float((y * np.log(lam) - lam).sum()),
                float(h),
                float(w),
            )
            for h in grid["half_life_months"]
            for w in grid["shrink"]
            for lam in [_blend(ewma(panel.counts[:, :t_end], float(h))[:, first:t_end], float(w))]
        )
        assert (fit.half_life, fit.shrink) == (best[1], best[2])


def test_forecast_model_is_the_same_with_or_without_the_backtest(synth):
    """The backtest's last months are the validation of the model choice: reusing them gives
    the model fitted without the backtest."""
    _, _, _, _, panel = synth
    bt = backtest(panel, n_months=12)
    assert bt.validation is not None
    alone = fit_forecast_model(panel)
    reused = fit_forecast_model(panel, validation=bt.validation)
    assert reused.name == alone.name
    assert reused.scores == pytest.approx(alone.scores)
    months = np.array([panel.n_months - 1])
    np.testing.assert_allclose(
        reused.fit.predict(panel, months).prob, alone.fit.predict(panel, months).prob, rtol=1e-6
    )
