"""Building the multimodal network from layers (hand-made toy province, UTM 50N, km grid)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from builders import CRS, km, line, toy_layers

from kewaspadaan import settings
from kewaspadaan._errors import CRSError, ValidationError
from kewaspadaan.network.build import build_network, graph_to_gdfs


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return build_network(toy_layers())


def test_every_edge_has_the_contract_attributes(G: nx.MultiDiGraph) -> None:
    need = {
        "mode",
        "kelas",
        "length_km",
        "speed_kmh",
        "travel_time_h",
        "capacity",
        "cost",
        "id",
        "edge_id",
        "closed",
        "geometry",
    }
    for u, v, d in G.edges(data=True):
        assert need <= set(d), (u, v, sorted(need - set(d)))
        assert d["travel_time_h"] >= d["length_km"] / d["speed_kmh"] - 1e-12
        assert d["closed"] is False
        start = shapely.get_coordinates(d["geometry"])[0]
        assert np.hypot(start[0] - G.nodes[u]["x"], start[1] - G.nodes[u]["y"]) < 50
    modes = {d["mode"] for *_, d in G.edges(data=True)}
    assert modes == {"road", "river", "sea", "air", "access", "transfer"}
    assert G.graph["crs"] == CRS
    for n, d in G.nodes(data=True):
        assert {"x", "y", "kind"} <= set(d), n


def test_speeds_and_lengths_follow_settings(G: nx.MultiDiGraph) -> None:
    r1 = [d for *_, d in G.edges(data=True) if d["id"] == "R1"]
    assert len(r1) == 2  # both directions of one segment
    assert r1[0]["length_km"] == pytest.approx(50.0)
    assert r1[0]["speed_kmh"] == settings.network_speeds_kmh["road"]["arteri"]
    assert r1[0]["travel_time_h"] == pytest.approx(50.0 / 50.0)
    assert r1[0]["cost"] == pytest.approx(50 * settings.network_cost_rp_per_km["road"])
    # the rapids reach S2 (drawn downstream, west to east): capped by the riam speeds, with
    # the current downstream and against it upstream
    jeram = [d for *_, d in G.edges(data=True) if d["id"] == "S2"]
    assert len(jeram) == 2 and all(d["surut_musiman"] and d["riam"] and d["bahaya"] for d in jeram)
    down = next(d for d in jeram if d["hilir"])
    up = next(d for d in jeram if not d["hilir"])
    assert down["speed_kmh"] == settings.river_riam_speed_kmh["hilir"]
    assert up["speed_kmh"] == settings.river_riam_speed_kmh["hulu"]
    big = [d for *_, d in G.edges(data=True) if d["id"] == "S1"]
    ref, cur = settings.network_speeds_kmh["river"]["besar"], settings.river_current_kmh["besar"]
    assert sorted(d["speed_kmh"] for d in big) == pytest.approx([ref - cur, ref + cur])
    assert {d["hilir"] for d in big} == {True, False}
    bridge = [d for *_, d in G.edges(data=True) if d["id"] == "BR"]
    assert bridge and all(d["jembatan"] for d in bridge)


def test_non_navigable_reach_is_excluded_and_recorded(G: nx.MultiDiGraph) -> None:
    assert not [d for *_, d in G.edges(data=True) if d["id"] == "S3"]
    assert G.graph["excluded"] == [
        {"layer": "sungai", "count": 1, "reason": "navigasi in ['tidak'] (not navigable)"}
    ]


def test_transfers_carry_handling_time(G: nx.MultiDiGraph) -> None:
    tr = [d for *_, d in G.edges(data=True) if d["mode"] == "transfer"]
    assert tr
    for d in tr:
        walk = d["length_km"] / settings.network_speeds_kmh["road"]["setapak"]
        assert d["travel_time_h"] - walk == pytest.approx(
            settings.transfer_time_h[d["kelas"]]
            if d["kelas"] in settings.transfer_time_h
            else settings.transfer_time_h["-".join(d["kelas"].split("-")[::-1])]
        )


def test_sea_lanes_and_flights(G: nx.MultiDiGraph) -> None:
    sea = [d for *_, d in G.edges(data=True) if d["mode"] == "sea"]
    assert len(sea) == 2  # one lane, both directions
    straight = np.hypot(45, 79)
    assert sea[0]["length_km"] == pytest.approx(straight * settings.sea_lane_detour_factor)
    air = [d for *_, d in G.edges(data=True) if d["mode"] == "air"]
    assert len(air) == 2 and air[0]["kelas"] == "pesawat_kecil"


def test_lines_split_at_crossings_and_t_junctions() -> None:
    roads = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "kelas": ["arteri", "kolektor", "lokal"]},
        geometry=[
            line((0, 0), (10, 0)),
            line((5, -5), (5, 5)),
            line((8, 0.01), (8, 6)),
        ],  # c ends 10 m from a: T-junction within tolerance
        crs=CRS,
    )
    G = build_network(roads=roads)
    # a split at x=5 (crossing) and x=8 (T): 3 pieces; b split at the crossing: 2; c: 1
    pieces = pd.Series([d["id"] for *_, d in G.edges(data=True)]).value_counts() // 2
    assert pieces.to_dict() == {"a": 3, "b": 2, "c": 1}
    assert G.number_of_nodes() == 7
    assert nx.is_strongly_connected(G)
    total = sum(d["length_km"] for *_, d in G.edges(data=True) if d["id"] == "a") / 2
    assert total == pytest.approx(10.0)


def test_validation_lists_every_problem() -> None:
    layers = toy_layers()
    layers["jalan"].loc[[1, 3], "kelas"] = ["tol", "jalan_raya"]
    layers["sungai"] = layers["sungai"].drop(columns="navigasi")
    with pytest.raises(ValidationError) as err:
        build_network(layers)
    msg = str(err.value)
    assert "row 1: kelas='tol'" in msg and "row 3: kelas='jalan_raya'" in msg
    assert "sungai: column 'navigasi' is missing" in msg
    assert len(err.value.problems) == 3


def test_layer_without_crs_is_refused() -> None:
    layers = toy_layers()
    layers["pelabuhan"] = layers["pelabuhan"].set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="ports"):
        build_network(layers)


def test_geographic_input_is_projected() -> None:
    layers = {k: v.to_crs("EPSG:4326") for k, v in toy_layers().items()}
    G = build_network(layers, crs=CRS)
    r1 = next(d for *_, d in G.edges(data=True) if d["id"] == "R1")
    assert G.graph["crs"] == CRS
    assert r1["length_km"] == pytest.approx(50.0, rel=1e-6)


def test_road_fallback_links_settlements() -> None:
    pts = [km(0, 0), km(10, 0), km(20, 0), km(200, 0)]
    st = gpd.GeoDataFrame(
        {"nama": list("ABCD"), "kode_desa": ["1", "2", "3", "4"]},
        geometry=shapely.points(pts),
        crs=CRS,
    )
    G = build_network(settlements=st)
    assert G.graph["road_fallback"] is True
    roads = [d for *_, d in G.edges(data=True) if d["mode"] == "road"]
    # A-B, B-C, A-C (all within 30 km); D is 180 km away: no link
    assert len(roads) == 6
    cfg = settings.road_fallback
    ab = min(d["length_km"] for d in roads)
    assert ab == pytest.approx(10 * cfg["detour_factor"])
    assert {d["kelas"] for d in roads} == {cfg["kelas"]}
    d_node = next(n for n, a in G.nodes(data=True) if a.get("name") == "D")
    assert G.degree(d_node) == 0


def test_graph_to_gdfs_round_trip(G: nx.MultiDiGraph) -> None:
    nodes, edges = graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    assert nodes.crs == CRS and edges.crs == CRS
    n4326 = graph_to_gdfs(G, edges=False, to_map_crs=True)
    assert n4326.crs == "EPSG:4326"
    assert n4326.geometry.x.between(116.9, 119.8).all()
    assert n4326.geometry.y.between(0.0, 3.7).all()


def test_settlement_beside_a_long_road_gets_a_node_there():
    """A village 100 m from the middle of a 40 km road is reached along the road, not left
    unreachable because both road ends are more than the access distance away."""
    from kewaspadaan.network import build_network, route_all

    road = gpd.GeoDataFrame(
        {"id": ["J1"], "nama": ["Jalan Panjang"], "kelas": ["kolektor"], "jembatan": [False]},
        geometry=[line((0, 0), (40, 0))],
        crs=CRS,
    )
    settlements = gpd.GeoDataFrame(
        {
            "nama": ["Kota", "Desa Tengah"],
            "kode_desa": ["99.01.01.1001", "99.01.02.2001"],
            "kode_kec": ["99.01.01", "99.01.02"],
            "kode_kab": ["99.01"] * 2,
            "penduduk": [10_000, 500],
            "peran": ["ibukota_kabupaten", "desa"],
        },
        geometry=[shapely.Point(km(0, 0.05)), shapely.Point(km(20, 0.1))],
        crs=CRS,
    )
    depots = gpd.GeoDataFrame(
        {"nama": ["Gudang"], "kode_kab": ["99.01"]}, geometry=[shapely.Point(km(0, 0.02))], crs=CRS
    )
    G = build_network(roads=road, settlements=settlements, depots=depots, access_max_km=5)
    r = route_all(G, departure="2029-02-09 06:00", deadline="2029-02-13 18:00")
    tengah = r.set_index("tujuan_nama").loc["Desa Tengah"]
    assert tengah["terjangkau"]
    # 20 km of kolektor road + 100 m on foot, not a 10 km walk
    speed = settings.network_speeds_kmh["road"]["kolektor"]
    assert tengah["waktu_tempuh_h"] < 20 / speed + 0.5


# ------------------------------------------------------------------------------------------
# Rivers as they are, sea lanes at sea, runways
# ------------------------------------------------------------------------------------------
def river_case(arah: str = "hilir") -> dict[str, gpd.GeoDataFrame]:
    """A 60 km river with a village beside its middle and a depot at its mouth."""
    geom = line((0, 0), (60, 0)) if arah == "hilir" else line((60, 0), (0, 0))
    rivers = gpd.GeoDataFrame(
        {"id": ["S1"], "nama": ["Sungai Uji"], "navigasi": ["besar"], "arah_digitasi": [arah]},
        geometry=[geom],
        crs=CRS,
    )
    settlements = gpd.GeoDataFrame(
        {
            "nama": ["Muara", "Tengah"],
            "kode_desa": ["99.01.01.1001", "99.01.02.2001"],
            "kode_kec": ["99.01.01", "99.01.02"],
            "kode_kab": ["99.01"] * 2,
        },
        geometry=[shapely.Point(km(60, 0.2)), shapely.Point(km(30, 2.0))],
        crs=CRS,
    )
    depots = gpd.GeoDataFrame(
        {"nama": ["Gudang"], "kode_kab": ["99.01"]}, geometry=[shapely.Point(km(60, 0.1))], crs=CRS
    )
    return {"sungai": rivers, "permukiman": settlements, "gudang_kpu": depots}


def test_river_split_beside_a_village_and_speed_by_direction() -> None:
    """The village 2 km from the middle of a 60 km river gets a river node beside it (it used
    to be unreachable: both ends are farther than the access distance), and going upstream
    against the current is slower than coming down."""
    from kewaspadaan.network import route_all

    G = build_network(river_case(), access_max_km=5)
    r = route_all(G, departure="2029-02-09 06:00").set_index("tujuan_nama")
    assert r.loc["Tengah", "terjangkau"] and r.loc["Tengah", "moda"] == "river"
    ref, cur = settings.network_speeds_kmh["river"]["besar"], settings.river_current_kmh["besar"]
    edges = [d for *_, d in G.edges(data=True) if d["mode"] == "river"]
    assert len(edges) == 4  # two segments, both directions
    up = sum(d["travel_time_h"] for d in edges if not d["hilir"])
    down = sum(d["travel_time_h"] for d in edges if d["hilir"])
    assert up == pytest.approx(60 / (ref - cur)) and down == pytest.approx(60 / (ref + cur))
    # the same river drawn the other way, said so in arah_digitasi: the same speeds
    H = build_network(river_case("hulu"), access_max_km=5)
    up2 = sum(
        d["travel_time_h"]
        for *_, d in H.edges(data=True)
        if d["mode"] == "river" and not d["hilir"]
    )
    assert up2 == pytest.approx(up)


def test_riam_reach_list_splits_and_flags_the_river() -> None:
    from kewaspadaan.network import mark_riam, riam_reaches

    layers = river_case()
    pts = gpd.GeoSeries([shapely.Point(km(20, 0)), shapely.Point(km(5, 0))], crs=CRS).to_crs(
        "EPSG:4326"
    )
    reaches = pd.DataFrame(
        {
            "sungai": ["sungai uji"],  # names match case-insensitively
            "nama_riam": ["Riam Uji"],
            "lon_hilir": [pts.x.iloc[0]],
            "lat_hilir": [pts.y.iloc[0]],
            "lon_hulu": [pts.x.iloc[1]],
            "lat_hulu": [pts.y.iloc[1]],
        }
    )
    marked = mark_riam(layers["sungai"], reaches).to_crs(CRS)
    assert sorted(marked["riam"].tolist()) == [False, False, True]
    assert marked.loc[marked["riam"], "geometry"].length.iloc[0] == pytest.approx(15_000, rel=1e-3)
    assert marked["id"].is_unique
    G = build_network(layers, riam_reaches=reaches, access_max_km=5)
    riam = [d for *_, d in G.edges(data=True) if d["mode"] == "river" and d["riam"]]
    assert riam and all(d["bahaya"] for d in riam)
    assert sum(d["length_km"] for d in riam) / 2 == pytest.approx(15, rel=1e-3)
    shipped = riam_reaches()
    assert {"Mahakam"} == set(shipped["sungai"]) and shipped["sumber"].str.len().min() > 40


def test_water_stage_closes_flagged_reaches() -> None:
    normal = build_network(toy_layers(), water_stage_name="normal")
    low = build_network(toy_layers(), water_stage_name="surut")
    flood = build_network(toy_layers(), water_stage_name="banjir")
    assert normal.graph["water_stage"] == "normal" and not normal.graph["closed"]
    low_closed = {d["id"] for *_, d in low.edges(data=True) if d["closed"]}
    assert low_closed == {"S2"} and low.graph["closed"] == ["sungai:S2:0"]
    # low water: the current is weaker on the open reaches
    s1 = {d["hilir"]: d["speed_kmh"] for *_, d in low.edges(data=True) if d["id"] == "S1"}
    s1n = {d["hilir"]: d["speed_kmh"] for *_, d in normal.edges(data=True) if d["id"] == "S1"}
    assert s1[True] < s1n[True] and s1[False] > s1n[False]
    assert {d["id"] for *_, d in flood.edges(data=True) if d["closed"]} == {"S2"}  # the riam
    with pytest.raises(ValueError, match="water stage"):
        build_network(toy_layers(), water_stage_name="kering")


def test_sea_lane_goes_around_a_peninsula() -> None:
    """Two ports on either side of a headland: the straight line crosses 30 km of land, the
    lane goes round it at sea."""
    ports = gpd.GeoDataFrame(
        {"nama": ["Barat", "Timur"], "kategori": ["laut", "laut"], "kode_kec": ["a", "b"]},
        geometry=[shapely.Point(km(0, 0)), shapely.Point(km(60, 0))],
        crs=CRS,
    )
    land = gpd.GeoDataFrame(geometry=[shapely.box(*km(15, -10), *km(45, 40))], crs=CRS)
    G = build_network(ports=ports, land=land)
    lane = next(d for *_, d in G.edges(data=True) if d["mode"] == "sea")
    assert shapely.intersection(lane["geometry"], land.geometry.iloc[0]).length < 3_000
    assert lane["length_km"] > 60 * settings.sea_lane_detour_factor + 5
    straight = build_network(ports=ports)
    plain = next(d for *_, d in straight.edges(data=True) if d["mode"] == "sea")
    assert plain["length_km"] == pytest.approx(60 * settings.sea_lane_detour_factor)


def test_flights_respect_runway_length() -> None:
    from kewaspadaan.network import vehicle_network, vehicle_type

    strips = gpd.GeoDataFrame(
        {
            "nama": ["Kota", "Pendek", "Panjang"],
            "jenis": ["bandara", "lapangan_terbang", "lapangan_terbang"],
            "panjang_landas_m": [2500, 450, 900],
            "kode_kec": ["a", "b", "c"],
        },
        geometry=[shapely.Point(km(0, 0)), shapely.Point(km(100, 0)), shapely.Point(km(0, 100))],
        crs=CRS,
    )
    G = build_network(airstrips=strips)
    by_pair = {
        frozenset((G.nodes[u]["name"], G.nodes[v]["name"])): d for u, v, d in G.edges(data=True)
    }
    short = by_pair[frozenset(("Kota", "Pendek"))]
    assert short["landas_min_m"] == 450 and short["kelas"] == "helikopter"
    assert by_pair[frozenset(("Kota", "Panjang"))]["kelas"] == "pesawat_kecil"
    plane = vehicle_network(G, vehicle_type("pesawat_kecil"))
    name = {n: d["name"] for n, d in G.nodes(data=True)}
    ids = {v: k for k, v in name.items()}
    h, _ = plane.times([ids["Kota"]], [ids["Pendek"], ids["Panjang"]])
    assert np.isinf(h[0, 0]) and np.isfinite(h[0, 1])
