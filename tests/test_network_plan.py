"""Delivery plan (capacity, deadlines, unmet demand), risk on routes, escorts, personnel."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from test_network_build import CRS, km, toy_desa, toy_layers

from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.network.build import build_network
from kewaspadaan.network.plan import plan_deliveries, validate_fleet
from kewaspadaan.network.routing import destination_table, route_all
from kewaspadaan.network.security import allocate_personnel, escort_needs

DEPART = pd.Timestamp("2024-11-22 06:00")
DEADLINE = pd.Timestamp("2024-11-26 18:00")


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return build_network(toy_layers())


@pytest.fixture(scope="module")
def dest(G: nx.MultiDiGraph) -> pd.DataFrame:
    return destination_table(G, "desa", units=toy_desa())


def fleet() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kode_kab": ["99.01"] * 4,
            "moda": ["road", "road", "river", "sea"],
            "jenis": ["truk", "pickup", "longboat", "kapal"],
            "jumlah": [2, 1, 1, 1],
            "kapasitas_kotak": [100, 30, 40, 500],
        }
    )


def check_accounting(plan, demand: pd.Series) -> None:
    """Capacity respected, stop loads add up, demand = on time + unmet for every destination."""
    assert (plan.trips["muatan_kotak"] <= plan.trips["kapasitas_kotak"]).all()
    per_trip = plan.stops.groupby("trip_id")["muatan_kotak"].sum()
    assert (
        per_trip.reindex(plan.trips["trip_id"]).to_numpy() == plan.trips["muatan_kotak"].to_numpy()
    ).all()
    on_time = plan.stops[~plan.stops["terlambat"]].groupby("tujuan_kode")["muatan_kotak"].sum()
    unmet = plan.unmet.groupby("tujuan_kode")["kurang_kotak"].sum()
    total = on_time.add(unmet, fill_value=0).reindex(demand.index).fillna(0)
    assert (total.to_numpy() == demand.to_numpy()).all()
    # a vehicle never starts a trip before it is back from the previous one
    for _, t in plan.trips.sort_values("berangkat").groupby("kendaraan"):
        assert (t["berangkat"].iloc[1:].to_numpy() >= t["kembali"].iloc[:-1].to_numpy()).all()


def test_plan_respects_capacity_and_reports_unmet(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    plan = plan_deliveries(G, fleet(), destinations=dest, departure=DEPART, deadline=DEADLINE)
    demand = pd.Series(dest["tps"].to_numpy() * 5, index=dest["kode"])
    check_accounting(plan, demand)
    unmet = plan.unmet.set_index("tujuan_kode")
    assert "tidak terjangkau" in unmet.loc["99.01.05.2001", "alasan"]
    assert set(unmet.index) == {"99.01.05.2001"}
    # Desa Hulu is fastest by air, but there is no aircraft: the longboat goes up the rapids
    hulu = plan.stops[plan.stops["tujuan_kode"] == "99.01.03.2001"]
    assert hulu["muatan_kotak"].sum() == 15
    assert plan.trips.set_index("trip_id").loc[hulu["trip_id"], "moda"].eq("river").all()
    # 1000 boxes for the town: ten full truck loads, shared by the two trucks
    kota = plan.stops[plan.stops["tujuan_kode"] == "99.01.01.1001"]
    assert kota["muatan_kotak"].sum() == 1000 and (kota["muatan_kotak"] <= 100).all()
    trips = plan.trips.set_index("trip_id").loc[kota["trip_id"]]
    assert set(trips["jenis"]) == {"truk"} and trips["kendaraan"].nunique() == 2
    assert (
        plan.trips.set_index("trip_id")
        .loc[plan.stops.loc[plan.stops["tujuan_kode"] == "99.01.04.2001", "trip_id"], "moda"]
        .eq("sea")
        .all()
    )
    table = plan.to_frame()
    assert len(table) == len(plan.stops) and {"kendaraan", "tiba", "kembali"} <= set(table)
    assert plan.summary()["kurang_kotak"] == 5


def test_cheapest_mode_first_and_missing_vehicles(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    f = fleet()
    no_sea = f[f["moda"] != "sea"]
    plan = plan_deliveries(G, no_sea, destinations=dest, departure=DEPART, deadline=DEADLINE)
    unmet = plan.unmet.set_index("tujuan_kode")
    assert "tidak punya armada moda sea" in unmet.loc["99.01.04.2001", "alasan"]
    assert unmet.loc["99.01.04.2001", "kurang_kotak"] == 30
    # with an aircraft too, the boat still goes upstream: on time and cheaper than flying
    with_air = pd.concat(
        [
            f,
            pd.DataFrame(
                {
                    "kode_kab": ["99.01"],
                    "moda": ["air"],
                    "jenis": ["pesawat_kecil"],
                    "jumlah": [1],
                    "kapasitas_kotak": [40],
                }
            ),
        ],
        ignore_index=True,
    )
    plan = plan_deliveries(G, with_air, destinations=dest, departure=DEPART, deadline=DEADLINE)
    hulu = plan.stops[plan.stops["tujuan_kode"] == "99.01.03.2001"]
    assert plan.trips.set_index("trip_id").loc[hulu["trip_id"], "moda"].eq("river").all()
    # a deadline only the aircraft can meet: now it flies
    tight = DEPART + pd.Timedelta(hours=6)
    plan = plan_deliveries(G, with_air, destinations=dest, departure=DEPART, deadline=tight)
    hulu = plan.stops[plan.stops["tujuan_kode"] == "99.01.03.2001"]
    assert plan.trips.set_index("trip_id").loc[hulu["trip_id"], "moda"].eq("air").all()
    assert not hulu["terlambat"].any()


def test_nearby_small_loads_share_one_trip(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    demand = pd.Series({"99.01.01.1001": 10, "99.01.01.2002": 15})
    plan = plan_deliveries(
        G,
        fleet(),
        destinations=dest[dest["kode"].isin(demand.index)],
        demand=demand,
        departure=DEPART,
        deadline=DEADLINE,
    )
    check_accounting(plan, demand)
    assert len(plan.trips) == 1
    trip = plan.trips.iloc[0]
    assert trip["muatan_kotak"] == 25 and trip["jumlah_tujuan"] == 2
    assert trip["jenis"] == "pickup"  # the smallest vehicle that fits
    assert list(plan.stops["tujuan_kode"]) == ["99.01.01.1001", "99.01.01.2002"]
    assert plan.stops["tiba"].is_monotonic_increasing


def test_tight_deadline_and_too_few_vehicles_are_reported(
    G: nx.MultiDiGraph, dest: pd.DataFrame
) -> None:
    f = fleet()
    f.loc[0, "jumlah"] = 1  # one truck for ten town loads
    deadline = DEPART + pd.Timedelta(hours=8)
    plan = plan_deliveries(G, f, destinations=dest, departure=DEPART, deadline=deadline)
    demand = pd.Series(dest["tps"].to_numpy() * 5, index=dest["kode"])
    check_accounting(plan, demand)
    late = plan.stops[plan.stops["terlambat"]]
    assert len(late) > 0 and (late["tiba"] > deadline).all()
    assert (plan.stops.loc[~plan.stops["terlambat"], "tiba"] <= deadline).all()
    unmet = plan.unmet.set_index("tujuan_kode")
    assert "armada tidak cukup" in unmet.loc["99.01.01.1001", "alasan"]
    assert "waktu tempuh melebihi tenggat" in unmet.loc["99.01.04.2001", "alasan"]


def test_fleet_validation_lists_every_row() -> None:
    f = fleet()
    f.loc[1, "moda"] = "kereta"
    f.loc[2, "jumlah"] = -1
    f.loc[3, "kapasitas_kotak"] = 0
    with pytest.raises(ValidationError) as err:
        validate_fleet(f)
    msg = str(err.value)
    assert "row 2: moda 'kereta'" in msg and "row 3: jumlah" in msg and "row 4: kapasitas" in msg
    with pytest.raises(MissingColumnError, match="jumlah"):
        validate_fleet(f.drop(columns="jumlah"))


# ------------------------------------------------------------------------------------------
# Risk on routes and escorts
# ------------------------------------------------------------------------------------------
def risk_polygons() -> gpd.GeoDataFrame:
    """tinggi over 25 km of the coast road, sangat tinggi over 10 km of the north road."""
    boxes = [
        shapely.box(*km(10, -5), *km(35, 5)),
        shapely.box(*km(45, 15), *km(55, 25)),
        shapely.box(*km(-20, -20), *km(-10, -10)),
    ]
    return gpd.GeoDataFrame(
        {"kode": ["a", "b", "c"], "kelas": ["tinggi", "sangat tinggi", "rendah"]},
        geometry=boxes,
        crs=CRS,
    ).to_crs("EPSG:4326")


def test_hours_in_rawan_zones(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    r = route_all(G, destinations=dest, departure=DEPART, risk=risk_polygons())
    r = r.set_index("tujuan_kode")
    # Desa Utara: 25 km arteri at 50 km/h (tinggi) + 10 km lokal at 25 km/h (sangat tinggi)
    assert r.loc["99.01.01.2002", "jam_zona_rawan_h"] == pytest.approx(0.5 + 0.4, abs=1e-6)
    assert r.loc["99.01.01.2002", "kelas_tertinggi"] == "sangat tinggi"
    assert r.loc["99.01.01.1001", "jam_zona_rawan_h"] == 0.0
    esc = escort_needs(r.reset_index()).set_index("tujuan_kode")
    assert esc.loc["99.01.01.2002", "personel_pengawal"] == 4
    assert esc.loc["99.01.01.1001", "personel_pengawal"] == 0
    assert not esc.loc["99.01.01.1001", "perlu_pengawalan"]
    plan = plan_deliveries(G, fleet(), destinations=dest, departure=DEPART, deadline=DEADLINE)
    per_trip = escort_needs(r.reset_index(), plan=plan)
    assert len(per_trip) == len(plan.trips)
    utara_trip = plan.stops.loc[plan.stops["tujuan_kode"] == "99.01.01.2002", "trip_id"].iloc[0]
    assert per_trip.set_index("trip_id").loc[utara_trip, "personel_pengawal"] == 4


def test_risk_without_geometry_uses_node_kecamatan(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    risk = pd.DataFrame({"kode": ["99.01.01", "99.01.02"], "kelas": ["very high", "low"]})
    r = route_all(G, destinations=dest, departure=DEPART, risk=risk).set_index("tujuan_kode")
    # only the last access edge (0.05 km at 8 km/h) touches a node with kode_kec 99.01.01
    assert r.loc["99.01.01.2002", "jam_zona_rawan_h"] == pytest.approx(0.5 * 0.05 / 8)
    assert r.loc["99.01.02.2001", "jam_zona_rawan_h"] == 0.0


def test_escorts_need_risk_columns(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    with pytest.raises(MissingColumnError, match="risk"):
        escort_needs(route_all(G, destinations=dest, departure=DEPART))


# ------------------------------------------------------------------------------------------
# Personnel allocation
# ------------------------------------------------------------------------------------------
def risk_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kode": ["k1", "k2", "k3", "k4"],
            "nama": ["A", "B", "C", "D"],
            "kelas": ["rendah", "sedang", "tinggi", "sangat tinggi"],
            "tps": [100, 45, 30, 7],
        }
    )


def test_need_follows_the_norm() -> None:
    out = allocate_personnel(risk_table(), total_officers=1000)
    # 2 per 10 TPS, 2 per 10, 2 per 2, 2 per 1 (rounded up)
    assert list(out["kebutuhan"]) == [20, 9, 30, 14]
    assert out["alokasi"].sum() == 1000 and (out["alokasi"] >= out["kebutuhan"]).all()
    assert out["kekurangan"].sum() == 0 and out.attrs["total_kebutuhan"] == 73


def test_shortfall_is_shared_by_largest_remainder() -> None:
    out = allocate_personnel(risk_table(), total_officers=50)
    assert out["alokasi"].sum() == 50
    quota = 50 * out["kebutuhan"] / 73
    assert (out["alokasi"] >= np.floor(quota)).all() and (out["alokasi"] <= np.ceil(quota)).all()
    assert out["kekurangan"].sum() == 73 - 50 == out.attrs["total_kekurangan"]
    again = allocate_personnel(risk_table().iloc[::-1], total_officers=50)
    assert (
        again.set_index("kode")["alokasi"].to_dict() == out.set_index("kode")["alokasi"].to_dict()
    )


def test_ties_go_to_the_higher_class() -> None:
    risk = pd.DataFrame({"kode": ["a", "b"], "kelas": ["rendah", "tinggi"], "tps": [10, 2]})
    out = allocate_personnel(risk, total_officers=3)  # need 2 and 2: quota 1.5 each
    assert out.set_index("kode")["alokasi"].to_dict() == {"a": 1, "b": 2}


def test_norm_is_a_setting_and_bad_input_is_named() -> None:
    norm = {
        c: {"officers": 1, "per_tps": 1} for c in ("rendah", "sedang", "tinggi", "sangat tinggi")
    }
    out = allocate_personnel(risk_table(), total_officers=10, norm=norm)
    assert list(out["kebutuhan"]) == [100, 45, 30, 7]
    with pytest.raises(ValidationError, match="kelas 'ungu'"):
        allocate_personnel(
            risk_table().assign(kelas=["rendah", "ungu", "tinggi", "tinggi"]), total_officers=5
        )
    with pytest.raises(MissingColumnError, match="tps="):
        allocate_personnel(risk_table().drop(columns="tps"), total_officers=5)
    tps = pd.DataFrame({"kode": ["k1", "k2", "k3", "k4"], "tps": [10, 10, 10, 10]})
    out = allocate_personnel(risk_table().drop(columns="tps"), total_officers=5, tps=tps)
    assert list(out["kebutuhan"]) == [2, 2, 10, 20]


def test_critical_links_rank_only_physical_links(demo_small):
    """Connectors of the model (access, transfer) are not infrastructure that can close."""
    from kewaspadaan.network import build_network, critical_links, read_network_layers

    G = build_network(read_network_layers(demo_small))
    crit = critical_links(G, top=15, max_candidates=60)
    assert len(crit) > 0
    assert set(crit["mode"]) <= {"road", "river", "sea", "air"}
    only_roads = critical_links(G, top=5, max_candidates=30, modes=["road"])
    assert set(only_roads["mode"]) == {"road"}
