"""``kewaspadaan.logistics``: the result object, the summary contract, truthful outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from kewaspadaan._errors import KewaspadaanWarning
from kewaspadaan.io import load_layers
from kewaspadaan.logistics import LogisticsResult, logistics
from kewaspadaan.network import close_low_water
from kewaspadaan.schema import DELIVERY_STATUS, PROBLEM_COLUMNS, ROUTE_COLUMNS

#: summary() keys the CLI, ringkasan.json and the report use (docs/INTERFACES.md)
SUMMARY_KEYS = {
    "tujuan",
    "terjangkau",
    "tidak_terjangkau",
    "terlambat",
    "kotak_permintaan",
    "kotak_tidak_terpenuhi",
    "biaya_rp",
    "jam_kendaraan",
    "sorti_helikopter",
    "per_depot",
}


@pytest.fixture(scope="module")
def result(demo_small: Path, tmp_path_factory: pytest.TempPathFactory) -> LogisticsResult:
    cwd = tmp_path_factory.mktemp("cwd")
    here = Path.cwd()
    os.chdir(cwd)
    try:
        res = logistics(load_layers(demo_small), top=10)
    finally:
        os.chdir(here)
    assert list(cwd.iterdir()) == []  # logistics() writes nothing
    return res


def test_summary_follows_the_contract_and_the_plan(result: LogisticsResult) -> None:
    s = result.summary()
    assert SUMMARY_KEYS <= set(s)
    assert s["sumber_status"] == "rencana" and s["tingkat"] == "ppk"
    json.dumps(s, default=str)  # JSON-ready (ringkasan.json)
    r = result.routes
    assert list(r.columns[: len(ROUTE_COLUMNS) - 1]) == list(ROUTE_COLUMNS[:-1])
    assert set(r["status"]) <= set(DELIVERY_STATUS)
    # lateness and reach come from the plan, not from the fastest routes
    d = result.plan.destinations
    assert s["terlambat"] == int((d["status"] == "terlambat").sum())
    assert s["tidak_terjangkau"] == int((d["status"] == "tidak_terjangkau").sum())
    assert s["tujuan"] == s["terjangkau"] + s["tidak_terjangkau"] == len(r)
    plan = result.plan.summary()
    assert s["kotak_tidak_terpenuhi"] == plan["kurang_kotak"]
    assert s["biaya_rp"] == plan["biaya_rp"] > 0 and s["jam_kendaraan"] > 0
    per = pd.DataFrame(s["per_depot"])
    assert per["biaya_rp"].sum() == pytest.approx(s["biaya_rp"], rel=1e-6)
    assert per["kotak_permintaan"].sum() == s["kotak_permintaan"]
    assert (r["terlambat"] == (r["status"] != "tepat_waktu")).all()


def test_problems_are_the_late_and_cut_off(result: LogisticsResult) -> None:
    p = result.problems()
    assert list(p.columns) == list(PROBLEM_COLUMNS)
    assert set(p["status"]) <= {"terlambat", "tidak_terjangkau"}
    assert p["kotak"].sum() == result.summary()["kotak_tidak_terpenuhi"]
    assert (p["alasan"].str.len() > 10).all()


@pytest.mark.slow
def test_write_and_explore(result: LogisticsResult, tmp_path: Path) -> None:
    paths = result.write(tmp_path)
    for key in (
        "rute",
        "rute_csv",
        "masalah_logistik",
        "tautan_kritis",
        "tautan_kritis_jalan",
        "rencana_pengiriman",
        "perjalanan",
        "kebutuhan_tidak_terpenuhi",
        "sorti_helikopter",
    ):
        assert paths[key].exists() and paths[key].stat().st_size > 0, key
    trips = pd.read_csv(paths["perjalanan"])
    assert len(trips) == len(result.plan.trips)
    crit = pd.read_csv(paths["tautan_kritis_jalan_csv"])
    assert set(crit["skenario"]) == {"jalan_saja"}
    import folium

    assert isinstance(result.explore(), folium.Map)


def test_closures_as_data(demo_small: Path) -> None:
    lay = load_layers(demo_small)
    res = logistics(lay, close="surut", road_scenario=False, top=3)
    assert res.disruption is not None and res.closure.scenarios == ("surut",)
    assert "surut" in res.summary()["penutupan"]
    assert all(d["closed"] for *_, d in res.graph.edges(data=True) if d.get("surut_musiman"))
    with pytest.warns(KewaspadaanWarning, match="deprecated"):
        old = logistics(lay, close=close_low_water, road_scenario=False, top=3)
    assert old.routes["waktu_tempuh_h"].equals(res.routes["waktu_tempuh_h"])


def test_without_a_fleet_the_fastest_routes_say_it(demo_small: Path) -> None:
    lay = load_layers(demo_small)
    lay.armada = None
    res = logistics(lay, road_scenario=False, top=3)
    s = res.summary()
    assert res.plan is None and s["sumber_status"] == "rute_tercepat" and s["biaya_rp"] is None
    assert set(res.problems()["tingkat"]) <= {"pps"}


@pytest.mark.slow
def test_demo_unmet_only_where_no_vehicle_reaches(demo_full: Path) -> None:
    """The full demonstration province with its own fleet: every destination a vehicle can
    reach gets its boxes by the deadline; what is unmet is unreachable, with the reason."""
    res = logistics(load_layers(demo_full), road_scenario=False, top=5)
    p = res.problems()
    assert len(p) >= 1 and set(p["status"]) == {"tidak_terjangkau"}
    assert p["alasan"].str.contains("tidak ada kendaraan|tidak ada simpul").all()
    s = res.summary()
    assert s["terlambat"] == 0 and s["kotak_tidak_terpenuhi"] == p["kotak"].sum()
    assert s["tingkat"] == "ppk" and s["perjalanan"] > 500
    # the mixed fleet is used: pickups and boats, not only trucks
    used = set(res.plan.trips["jenis"])
    assert {"truk", "pickup", "longboat"} <= used
