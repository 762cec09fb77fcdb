"""Delivery plan (fleet, capacity, operating hours, echelons, unmet demand), risk on routes,
escorts, personnel."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from builders import CRS, km, toy_desa, toy_layers

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.network.build import build_network
from kewaspadaan.network.fleet import validate_fleet
from kewaspadaan.network.plan import plan_deliveries
from kewaspadaan.network.routing import destination_table, route_all
from kewaspadaan.network.security import allocate_personnel, escort_needs
from kewaspadaan.schema import DELIVERY_STATUS, PLAN_TRIP_COLUMNS

DEPART = pd.Timestamp("2024-11-22 06:00")
DEADLINE = pd.Timestamp("2024-11-26 18:00")
COLS = ["kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak", "kode_kec", "pangkalan"]


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return build_network(toy_layers())


@pytest.fixture(scope="module")
def dest(G: nx.MultiDiGraph) -> pd.DataFrame:
    return destination_table(G, "desa", units=toy_desa())


def fleet_of(*rows: tuple) -> pd.DataFrame:
    full = [(*r, *([""] * (len(COLS) - len(r)))) for r in rows]
    return pd.DataFrame(full, columns=COLS)


def fleet() -> pd.DataFrame:
    return fleet_of(
        ("99.01", "road", "truk", 2, 100),
        ("99.01", "road", "pickup", 1, 30),
        ("99.01", "river", "longboat", 1, 40),
        ("99.01", "sea", "kapal", 1, 500),
    )


def check_accounting(plan, demand: pd.Series) -> None:
    """Capacity respected, stop loads add up, every box accounted for, trips chained."""
    t, s, d = plan.trips, plan.stops, plan.destinations.set_index("tujuan_kode")
    assert list(t.columns) == list(PLAN_TRIP_COLUMNS)
    assert (t["muatan_kotak"] <= t["kapasitas_kotak"]).all()
    per_trip = s.groupby("trip_id")["muatan_kotak"].sum()
    assert (per_trip.reindex(t["trip_id"]).to_numpy() == t["muatan_kotak"].to_numpy()).all()
    total = d["tepat_waktu_kotak"] + d["terlambat_kotak"] + d["tidak_terkirim_kotak"]
    assert (total.reindex(demand.index).to_numpy() == demand.to_numpy()).all()
    assert set(d["status"]) <= set(DELIVERY_STATUS)
    late = s[s["tiba"] > s["tenggat"]]
    assert late["terlambat"].all() and not s.loc[s["tiba"] <= s["tenggat"], "terlambat"].any()
    # a vehicle never starts a trip before it is back from the previous one
    for _, tv in t.sort_values(["berangkat", "trip_id"]).groupby("kendaraan"):
        assert (tv["berangkat"].iloc[1:].to_numpy() >= tv["kembali"].iloc[:-1].to_numpy()).all()


def demand_of(dest: pd.DataFrame) -> pd.Series:
    return pd.Series(dest["tps"].to_numpy() * settings.kotak_per_tps, index=dest["kode"])


def test_unmet_only_where_no_vehicle_can_reach(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    plan = plan_deliveries(G, fleet(), destinations=dest, departure=DEPART, deadline=DEADLINE)
    check_accounting(plan, demand_of(dest))
    unmet = plan.unmet.set_index("tujuan_kode")
    assert list(unmet.index) == ["99.01.05.2001"]  # Desa Jauh: no network node at all
    assert unmet.loc["99.01.05.2001", "status"] == "tidak_terjangkau"
    assert "tidak ada kendaraan" in unmet.loc["99.01.05.2001", "alasan"]
    d = plan.destinations.set_index("tujuan_kode")
    assert (d.drop(index="99.01.05.2001")["status"] == "tepat_waktu").all()
    # the boats wait at the river port (the depot is 55 km from the river); the truck never
    # drives the setapak; the island is served by sea
    by = plan.stops.merge(plan.trips, on="trip_id").set_index("tujuan_kode")
    assert set(by.loc[["99.01.02.2001", "99.01.03.2001"], "jenis"]) == {"longboat"}
    assert set(by.loc[["99.01.02.2001"], "pangkalan"]) == {"Pelabuhan Sungai"}
    assert set(by.loc[["99.01.04.2001"], "moda"]) == {"sea"}
    s = plan.summary()
    assert s["kurang_kotak"] == 5 and s["tujuan_tidak_terjangkau"] == 1 and s["biaya_rp"] > 0
    assert s["jam_kendaraan"] == pytest.approx(plan.trips["jam_kendaraan"].sum(), abs=0.01)


def test_river_boats_stop_at_night_and_riam_is_flagged(
    G: nx.MultiDiGraph, dest: pd.DataFrame
) -> None:
    plan = plan_deliveries(G, fleet(), destinations=dest, departure=DEPART, deadline=DEADLINE)
    boat = plan.trips[plan.trips["jenis"] == "longboat"]
    stops = plan.stops[plan.stops["trip_id"].isin(boat["trip_id"])]
    lo, hi = settings.operating_hours["river"]
    hours = stops["tiba"].dt.hour + stops["tiba"].dt.minute / 60
    assert ((hours >= lo) & (hours <= hi)).all()
    elapsed = (boat["kembali"] - boat["berangkat"]).dt.total_seconds() / 3600
    long = boat["jam_gerak"] > hi - lo
    assert long.any() and (elapsed[long] > boat.loc[long, "jam_gerak"] + 12 - 1e-6).all()
    # the trip up to Desa Hulu runs the rapids (S2): a hazard the escort table reads
    hulu = plan.stops.loc[plan.stops["tujuan_kode"] == "99.01.03.2001", "trip_id"]
    assert plan.trips.set_index("trip_id").loc[hulu, "bahaya_riam"].all()
    esc = escort_needs(plan=plan, riam_trips=plan.trips.loc[plan.trips["bahaya_riam"], "trip_id"])
    flagged = esc.set_index("trip_id").loc[hulu]
    assert flagged["perlu_pengawalan"].all()
    assert (flagged["personel_pengawal"] == settings.escort_riam_officers).all()


def test_small_vehicles_take_pieces_when_trucks_are_busy(
    G: nx.MultiDiGraph, dest: pd.DataFrame
) -> None:
    """1000 boxes for the town in 8 hours: one truck cannot; with five pickups it can."""
    kota = dest[dest["kode"] == "99.01.01.1001"]
    tight = DEPART + pd.Timedelta(hours=8)
    alone = plan_deliveries(
        G,
        fleet_of(("99.01", "road", "truk", 1, 100)),
        destinations=kota,
        departure=DEPART,
        deadline=tight,
    )
    mixed = plan_deliveries(
        G,
        fleet_of(("99.01", "road", "truk", 1, 100), ("99.01", "road", "pickup", 5, 30)),
        destinations=kota,
        departure=DEPART,
        deadline=tight,
    )
    check_accounting(mixed, demand_of(kota))
    assert alone.summary()["terlambat_kotak"] > 0
    assert "armada tidak cukup" in alone.unmet["alasan"].iloc[0]
    assert mixed.summary()["tepat_waktu_kotak"] == 1000
    assert set(mixed.trips["jenis"]) == {"truk", "pickup"}  # split delivery, mixed fleet
    assert (mixed.trips["muatan_kotak"] <= mixed.trips["kapasitas_kotak"]).all()


def test_helicopter_sorties_payload_endurance_and_daylight(
    G: nx.MultiDiGraph, dest: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    hulu = dest[dest["kode"] == "99.01.03.2001"]  # 3 TPS, 15 boxes, 200 km up the river
    heli = fleet_of(("99.01", "air", "helikopter", 1, 8, "", "Bandara Kota"))
    plan = plan_deliveries(G, heli, destinations=hulu, departure=DEPART, deadline=DEADLINE)
    check_accounting(plan, demand_of(hulu))
    assert plan.summary()["sorti_helikopter"] == 2  # 8 boxes per sortie
    so = plan.sorties()
    assert so[["tujuan_kode", "sorti", "kotak"]].values.tolist() == [["99.01.03.2001", 2, 15]]
    vt = settings.vehicle_types["helikopter"]
    assert (plan.trips["jam_gerak"] <= vt["ketahanan_jam"]).all()
    assert set(plan.trips["pangkalan"]) == {"Bandara Kota"}
    lo, hi = settings.operating_hours["air"]
    for col in ("berangkat", "kembali"):
        h = plan.trips[col].dt.hour + plan.trips[col].dt.minute / 60
        assert ((h >= lo) & (h <= hi)).all()
    cost = plan.trips["biaya_rp"].sum()
    expected = vt["biaya_rp_per_jam"] * plan.trips["jam_gerak"].sum() + 2 * vt["biaya_rp_per_trip"]
    assert cost == pytest.approx(expected, rel=1e-5)  # jam_gerak is rounded in the table
    # a helicopter that cannot fly there and back within its endurance does not go
    monkeypatch.setitem(settings.vehicle_types, "helikopter", {**vt, "ketahanan_jam": 1.0})
    short = plan_deliveries(G, heli, destinations=hulu, departure=DEPART, deadline=DEADLINE)
    assert short.destinations["status"].iloc[0] == "tidak_terjangkau"


def test_echelons_kpu_ppk_pps(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    """With a PPK fleet in 99.01.01 the KPU trucks bring its 1040 boxes to the PPK (the town)
    by the PPK deadline; the PPK pickups start after the last box and the handling; the other
    kecamatan have no PPK fleet and are served by the KPU directly."""
    f = pd.concat(
        [fleet(), fleet_of(("99.01", "road", "pickup", 2, 30, "99.01.01"))], ignore_index=True
    )
    plan = plan_deliveries(G, f, destinations=dest, departure=DEPART, deadline=DEADLINE)
    check_accounting(plan, demand_of(dest))
    assert plan.echelons == "ppk" and set(plan.trips["tingkat"]) == {"ppk", "pps"}
    s1 = plan.stops[plan.stops["tingkat"] == "ppk"]
    to_ppk = s1[s1["tujuan_kode"] == "99.01.01"]
    assert to_ppk["muatan_kotak"].sum() == 1040 and (to_ppk["tenggat"] < DEADLINE).all()
    assert (to_ppk["tiba"] <= to_ppk["tenggat"]).all()
    s2 = plan.trips[plan.trips["tingkat"] == "pps"]
    ready = to_ppk["tiba"].max() + pd.Timedelta(hours=settings.hub_handling_h)
    assert (s2["berangkat"] >= ready).all() and set(s2["asal"]) == {"PPK 99.01.01"}
    assert set(s2["jenis"]) == {"pickup"}
    direct = set(s1["tujuan_kode"]) - {"99.01.01"}
    assert direct == {"99.01.02.2001", "99.01.03.2001", "99.01.04.2001"}


def test_plan_is_deterministic_and_ortools_never_worse(
    G: nx.MultiDiGraph, dest: pd.DataFrame
) -> None:
    f = fleet()
    f.loc[0, "jumlah"] = 1  # one truck: the fleet is short
    tight = DEPART + pd.Timedelta(hours=30)
    a = plan_deliveries(G, f, destinations=dest, departure=DEPART, deadline=tight)
    b = plan_deliveries(G, f, destinations=dest, departure=DEPART, deadline=tight)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    sav = plan_deliveries(
        G, f, destinations=dest, departure=DEPART, deadline=tight, planner="savings"
    )
    sa, so = sav.summary(), a.summary()
    key = ("tidak_terkirim_kotak", "terlambat_kotak")
    assert tuple(so[k] for k in key) <= tuple(sa[k] for k in key)
    if tuple(so[k] for k in key) == tuple(sa[k] for k in key):
        assert so["biaya_rp"] <= sa["biaya_rp"] + 1.0
    assert {st["planner"] for st in a.stats} <= {"ortools", "savings"}
    assert all(st["planner"] == "savings" for st in sav.stats)


def test_fleet_validation_lists_every_row(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
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
    bad = fleet_of(("99.01", "air", "helikopter", 1, 8, "", "Helipad Hilang"))
    with pytest.raises(ValidationError, match="pangkalan 'Helipad Hilang'"):
        plan_deliveries(G, bad, destinations=dest, departure=DEPART, deadline=DEADLINE)


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
    from kewaspadaan.io import load_layers
    from kewaspadaan.logistics import network_layers
    from kewaspadaan.network import build_network, critical_links

    G = build_network(network_layers(load_layers(demo_small)))
    crit = critical_links(G, top=15, max_candidates=60)
    assert len(crit) > 0
    assert set(crit["mode"]) <= {"road", "river", "sea", "air"}
    only_roads = critical_links(G, top=5, max_candidates=30, modes=["road"])
    assert set(only_roads["mode"]) == {"road"}
