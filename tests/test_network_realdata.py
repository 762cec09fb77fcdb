"""The network on the real Kalimantan Timur layers (no road layer there: documented fallback)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from kewaspadaan.network import build_network, destination_table, route_all, travel_time_matrix

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, gpd.GeoDataFrame]:
    d = pd.read_csv(shared_data / "kaltim_desa_kelurahan_centroids.csv", dtype=str)
    settlements = gpd.GeoDataFrame(
        {
            "nama": d["nama"],
            "kode_desa": d["kode"],
            "kode_kec": d["kode_kec"],
            "kode_kab": d["kode"].str[:5],
        },
        geometry=gpd.points_from_xy(d["lng_c"].astype(float), d["lat_c"].astype(float)),
        crs="EPSG:4326",
    )
    ports = gpd.read_file(shared_data / "pelabuhan_kaltim_dephub2017.geojson").rename(
        columns={"name": "nama"}
    )
    rivers = gpd.read_file(shared_data / "ne10m_rivers_borneo_east.geojson").rename(
        columns={"name": "nama"}
    )
    towns = gpd.read_file(shared_data / "ne10m_populated_places_borneo_east.geojson")
    depots = towns[towns["NAME"].isin(["Samarinda", "Balikpapan", "Bontang"])].rename(
        columns={"NAME": "nama"}
    )[["nama", "geometry"]]
    return {"permukiman": settlements, "pelabuhan": ports, "sungai": rivers, "gudang_kpu": depots}


def test_real_layers_build_with_the_road_fallback(real: dict[str, gpd.GeoDataFrame]) -> None:
    G = build_network(real, default_navigasi="kecil")
    assert G.graph["road_fallback"] is True
    assert G.graph["crs"] == "EPSG:32650"  # estimated UTM zone of Kalimantan Timur
    kinds = pd.Series(dict(G.nodes(data="kind"))).value_counts()
    assert kinds["settlement"] == 1038 and kinds["port"] == 282 and kinds["depot"] == 3
    modes = {d["mode"] for *_, d in G.edges(data=True)}
    assert {"road", "river", "sea", "access", "transfer"} <= modes
    mahakam = [
        d for *_, d in G.edges(data=True) if d["mode"] == "river" and d.get("nama") == "Mahakam"
    ]
    assert sum(d["length_km"] for d in mahakam) / 2 > 300  # the Mahakam is navigable far inland

    dest = destination_table(G, "desa")
    routes = route_all(
        G,
        destinations=dest,
        assign="fastest",
        departure="2024-11-22 06:00",
        deadline="2024-11-26 18:00",
    )
    assert len(routes) == 1038  # nobody dropped, unreachable ones included
    assert routes["terjangkau"].mean() > 0.95
    reached = routes[routes["terjangkau"]]
    assert reached.geometry.notna().all()
    assert reached.total_bounds[0] > 113.5 and reached.total_bounds[2] < 119.5

    # the fast matrix equals networkx on this real graph
    depot = int(routes["depot_node"].iloc[0])
    ref = nx.single_source_dijkstra_path_length(G, depot, weight="travel_time_h")
    got = travel_time_matrix(G, [depot], list(ref))
    np.testing.assert_allclose(got.to_numpy()[0], np.array(list(ref.values())), atol=1e-9)


# ------------------------------------------------------------------------------------------
# Kalimantan Timur: the upper Mahakam (benchmarks/_kaltim.py shapes the shared files)
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kaltim(shared_data: Path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import _kaltim

    lay = _kaltim.kaltim_layers(shared_data)
    G = build_network(lay, riam_reaches=lay["riam"], water_stage_name="normal")
    return _kaltim, lay, G


def _node(G: nx.MultiDiGraph, **attrs: str) -> int:
    return next(n for n, d in G.nodes(data=True) if all(d.get(k) == v for k, v in attrs.items()))


@pytest.mark.slow
def test_samarinda_to_long_bagun_by_boat_in_one_and_a_half_to_two_days(kaltim) -> None:
    """Reality: 1.5-2 days by boat (36 h: hulumahakam 2012). The river boat sails day and
    night; the speedboat only by day and moors for the night."""
    from kewaspadaan.network import WorkClock, vehicle_network, vehicle_type

    _, _, G = kaltim
    sam = _node(G, kind="depot", kode_kab="64.72")
    lb = _node(G, kind="settlement", name="Long Bagun Ulu")
    t0 = pd.Timestamp("2029-02-07 06:00")
    for jenis in ("kapal_sungai", "speedboat"):
        vt = vehicle_type(jenis)
        h, km = vehicle_network(G, vt).times([sam], [lb])
        door = (WorkClock(t0, *vt.jam_operasi).to_clock(float(h[0, 0])) - t0).total_seconds()
        assert 24 <= door / 3600 <= 48, (jenis, door / 3600)
        assert 500 < km[0, 0] < 700  # along the Mahakam, with its length factor
    # rivers are split beside settlements: the Mahakam has a node by each riverside village
    mahakam = [d for *_, d in G.edges(data=True) if d["mode"] == "river" and d["nama"] == "Mahakam"]
    assert len(mahakam) // 2 > 150
    # and no road: the fallback tracks are setapak, which no truck drives
    truck = vehicle_network(G, vehicle_type("truk"))
    h, _ = truck.times([sam], [_node(G, kind="settlement", name="Ujoh Bilang")])
    assert np.isinf(h[0, 0])


@pytest.mark.slow
def test_upper_mahakam_ulu_by_river_over_the_riam_or_by_air(kaltim) -> None:
    """Every desa of Long Apari and Long Pahangai is reached: longboats over the riam (hazard
    flagged for the escort) or the helicopter from the Batu Majang helipad."""
    from kewaspadaan.network import depot_table, plan_deliveries

    mod, lay, G = kaltim
    units = lay["desa"]
    dest = destination_table(G, "desa", units=units[units["kode_kab"] == mod.MAHULU])
    dep = depot_table(G)
    dep = dep[dep["kode_kab"] == mod.MAHULU]
    plan = plan_deliveries(G, mod.mahulu_fleet(), depots=dep, destinations=dest)
    upper = plan.destinations[plan.destinations["kode_kec"].isin(list(mod.UPPER))]
    assert len(upper) == 23 and (upper["status"] != "tidak_terjangkau").all()
    assert upper["moda"].str.contains("river|air").all()
    served = plan.stops.merge(plan.trips[["trip_id", "jenis", "bahaya_riam"]], on="trip_id")
    up = served[served["kode_kec"].isin(list(mod.UPPER))]
    assert up["bahaya_riam"].any() and set(up["jenis"]) >= {"helikopter"}
    boats = up[up["jenis"].isin(["longboat", "ketinting"])]
    assert boats["bahaya_riam"].any()  # the riam is run, and flagged


@pytest.mark.slow
def test_helicopter_sorties_beside_the_2019_operation(
    kaltim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2019 (Tribun Kaltim, Antara): 37 TPS of Long Apari and Long Pahangai, about 22 round
    trips of a Bell 412 from Batu Majang. With the riam closed to logistics (KPU's 2019
    choice) the plan flies the boxes: 185 boxes at 8 per sortie (the search runs to its local
    optimum: a budget that is not what stops it)."""
    from kewaspadaan import settings
    from kewaspadaan.network import Closure, depot_table, plan_deliveries

    monkeypatch.setattr(settings, "plan_time_budget_s", 120.0)
    mod, lay, G = kaltim
    units = lay["desa"]
    dest = destination_table(G, "desa", units=units[units["kode_kab"] == mod.MAHULU])
    dep = depot_table(G)
    dep = dep[dep["kode_kab"] == mod.MAHULU]
    closed = Closure(scenarios=("riam_ditutup",)).apply(G)
    plan = plan_deliveries(closed, mod.mahulu_fleet(), depots=dep, destinations=dest)
    upper = dest[dest["kode_kec"].isin(list(mod.UPPER))]
    assert int(upper["tps"].sum()) == 37
    heli = plan.trips.loc[plan.trips["jenis"] == "helikopter", "trip_id"]
    stops = plan.stops[plan.stops["kode_kec"].isin(list(mod.UPPER))]
    flown = stops[stops["trip_id"].isin(heli)]
    assert 170 <= flown["muatan_kotak"].sum() <= 185  # to the desa, or to their PPK
    assert 20 <= flown["trip_id"].nunique() <= 30  # 2019: about 22
    assert not plan.trips["bahaya_riam"].any()
    d = plan.destinations[plan.destinations["kode_kec"].isin(list(mod.UPPER))]
    assert (d["status"] != "tidak_terjangkau").all()
    # one helicopter in daylight cannot fly them all by the deadlines: the plan says so
    assert (d["status"] == "terlambat").any()
    assert d.loc[d["status"] == "terlambat", "alasan"].str.contains("armada|PPK").all()
