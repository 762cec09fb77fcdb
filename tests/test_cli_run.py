"""The main command end to end on a small generated province, and the command list."""

from __future__ import annotations

import json
import re
import shutil

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from kewaspadaan.cli import app

runner = CliRunner()


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "demo-data", "check", "score", "routes", "report"):
        assert f" {command} " in result.output


@pytest.fixture(scope="module")
def run_outputs(demo_small, tmp_path_factory):
    data = tmp_path_factory.mktemp("run") / "data"
    shutil.copytree(demo_small, data)
    out = data.parent / "outputs"
    result = runner.invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--officers", "300"]
    )
    assert result.exit_code == 0, result.output
    return data, out, result.output


def test_run_writes_table_map_and_summary(run_outputs):
    data, out, output = run_outputs
    risk = gpd.read_file(out / "risiko_kecamatan.gpkg")
    kec = gpd.read_file(data / "boundaries" / "kecamatan.geojson")
    assert sorted(risk["kode"]) == sorted(kec["kode"])
    assert set(risk["kelas"]) <= {"rendah", "sedang", "tinggi", "sangat tinggi"}
    assert risk["skor"].between(0, 100).all()
    html = (out / "laporan_kewaspadaan.html").read_text(encoding="utf-8")
    assert "leaflet" in html.lower() and '<script src="http' not in html
    summary = json.loads((out / "ringkasan.json").read_text(encoding="utf-8"))
    inc = summary["insiden"]
    assert inc["n_read"] == inc["n_assigned"] + inc["n_rejected"]
    routes = pd.read_csv(out / "rute.csv", dtype={"tujuan_kode": str})
    desa = gpd.read_file(data / "boundaries" / "desa.geojson")
    assert len(routes) == len(desa)  # every destination has a row, reachable or not
    alloc = pd.read_csv(out / "alokasi_personel.csv", dtype={"kode": str})
    assert alloc["alokasi"].sum() == 300
    assert "Laporan:" in output


@pytest.mark.slow
def test_run_is_deterministic(run_outputs, tmp_path, monkeypatch):
    data, out, _ = run_outputs
    again = tmp_path / "again"
    # the compared files do not depend on the backtest (the model is fitted either way); the
    # first run prepared the logistics in a second process beside the score, this one runs
    # everything in one thread: the same bytes
    from kewaspadaan import settings

    assert settings.overlap_logistics
    monkeypatch.setattr(settings, "overlap_logistics", False)
    result = runner.invoke(
        app, ["run", "--data", str(data), "--out", str(again), "--officers", "300", "--no-backtest"]
    )
    assert result.exit_code == 0, result.output
    for name in (
        "risiko_kecamatan.csv",
        "rute.csv",
        "laporan_kewaspadaan.html",
        "tautan_kritis.csv",
        "rencana_pengiriman.csv",
    ):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_run_reports_bad_config_clearly(tmp_path):
    bad = tmp_path / "salah.toml"
    bad.write_text("[risk]\nbobot = 1\n")
    result = runner.invoke(app, ["run", "--config", str(bad), "--data", str(tmp_path / "d")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Galat:")]
    assert len(errors) == 1 and "[risk] bobot: unknown key" in errors[0]
    assert not (tmp_path / "d").exists()  # nothing was generated before the check


@pytest.mark.slow
def test_run_profile_prints_every_stage(run_outputs):
    """--profile: the time of each stage of the run, in the order they ran."""
    data, out, _ = run_outputs
    result = runner.invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--profile", "--no-backtest"]
    )
    assert result.exit_code == 0, result.output
    table = result.output[result.output.index("Waktu per tahap") :].splitlines()[1:]
    side_at = next(i for i, line in enumerate(table) if line.strip().startswith("bersamaan"))
    main, side = table[:side_at] + table[-1:], table[side_at + 1 : -1]
    # the logistics is prepared in a second process while the score runs; the routes (they
    # need the risk) follow the score
    assert [line.split()[0] for line in main] == [
        "buka",
        "data",
        "skor",
        "tunggu",
        "rute",
        "tulis",
        "total",
    ]
    assert [line.split()[0] for line in side] == ["jaringan", "rencana", "tautan"]
    secs = [float(re.search(r"([\d.]+) s\b", line).group(1)) for line in main]
    assert abs(sum(secs[:-1]) - secs[-1]) < 0.05 and all(x >= 0 for x in secs)
    side_secs = [float(re.search(r"([\d.]+) s\b", line).group(1)) for line in side]
    assert all(x > 0 for x in side_secs) and sum(side_secs) < secs[-1]


@pytest.mark.slow
def test_score_backend_dask_equals_default(demo_small, tmp_path):
    """--backend dask (a LocalCluster of 2 workers) gives the same table as the default."""
    pytest.importorskip("distributed")
    outs = {}
    for backend in ("default", "dask"):
        out = tmp_path / backend
        res = runner.invoke(
            app,
            [
                "score",
                "--data",
                str(demo_small),
                "--out",
                str(out),
                "--no-backtest",
                "--backend",
                backend,
            ],
        )
        assert res.exit_code == 0, res.output
        outs[backend] = pd.read_csv(out / "risiko_kecamatan.csv", dtype={"kode": str})
    pd.testing.assert_frame_equal(outs["dask"], outs["default"])


@pytest.mark.parametrize("command", [["routes"], ["check", "INCIDENTS"]])
def test_config_folders_apply_to_every_command(command, demo_small, tmp_path):
    """`[general] data_dir/output_dir` of --config are the folders when no option is given."""
    from kewaspadaan import settings

    data, out = tmp_path / "data", tmp_path / "keluaran"
    shutil.copytree(demo_small, data)
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[general]\ndata_dir = "{data.as_posix()}"\noutput_dir = "{out.as_posix()}"\n')
    args = [
        str(data / "incidents" / "insiden_acled.csv") if a == "INCIDENTS" else a for a in command
    ]
    saved = settings.snapshot()
    try:
        result = runner.invoke(app, [*args, "--config", str(cfg)])
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
    assert result.exit_code == 0, result.output
    assert any(out.iterdir()), f"nothing written to {out}"
