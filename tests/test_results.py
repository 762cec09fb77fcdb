"""Results are the contract: run(), score() and logistics() write nothing; their result objects
have summary(), to_frame(), write(folder) and explore()."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kewaspadaan.pipeline import RunResult, run


@pytest.fixture(scope="module")
def result(demo_small: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    cwd = tmp_path_factory.mktemp("kosong")
    before = Path.cwd()
    os.chdir(cwd)
    try:
        res = run(demo_small, backtest=False)
    finally:
        os.chdir(before)
    return res, cwd


def test_run_writes_nothing(result, demo_small: Path) -> None:
    res, cwd = result
    assert list(cwd.iterdir()) == []  # no outputs/ and no data/ appeared
    assert res.outputs == {}
    assert not list(demo_small.glob("**/risiko_*"))


def test_summaries_are_json_and_agree(result) -> None:
    res, _ = result
    s = res.summary()
    json.dumps(s)  # JSON-ready
    score = res.score.summary()
    assert s["kelas"] == score["kelas"] and s["unit"] == score["unit"] == len(res.score.table)
    assert sum(s["kelas"].values()) == s["unit"]
    logi = res.logistics.summary()
    assert s["logistik"] == logi and logi["tujuan"] == len(res.logistics.routes)
    assert s["data_sintetis"] is True and s["sumber_data"]


def test_to_frame_joins_logistics_onto_units(result) -> None:
    res, _ = result
    frame = res.to_frame()
    assert len(frame) == len(res.score.table)
    assert {"tujuan", "terlambat", "tidak_terjangkau"} <= set(frame.columns)
    assert frame["tujuan"].sum() == len(res.logistics.routes)
    assert res.score.to_frame() is res.score.table
    assert len(res.logistics.to_frame()) > 0


def test_explore_maps(result) -> None:
    res, _ = result
    for m in (res.explore(), res.score.explore(), res.logistics.explore()):
        assert "leaflet" in m.get_root().render().lower()


def test_write_then_outputs_listed(result, tmp_path: Path) -> None:
    res, _ = result
    paths = res.write(tmp_path / "keluaran")
    assert paths["ringkasan"].exists() and paths["laporan"].exists()
    assert all(p.exists() and p.parent == tmp_path / "keluaran" for p in paths.values())
    summary = json.loads(paths["ringkasan"].read_text(encoding="utf-8"))
    assert summary["berkas"]["laporan"] == "laporan_kewaspadaan.html"
