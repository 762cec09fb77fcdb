"""Shortest paths against networkx, deadlines, closures and critical links."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from builders import toy_desa, toy_layers

from kewaspadaan._errors import NetworkError
from kewaspadaan.network.build import build_network
from kewaspadaan.network.critical import critical_links
from kewaspadaan.network.disruption import (
    close_edges,
    close_low_water,
    disruption_report,
)
from kewaspadaan.network.routing import (
    clear_cache,
    destination_table,
    route_all,
    to_csr,
    travel_time_matrix,
)
from kewaspadaan.schema import ROUTE_COLUMNS

DEPART = pd.Timestamp("2024-11-22 06:00")


def random_multigraph(seed: int, n: int = 60, m: int = 240) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for _ in range(m):
        u, v = rng.randrange(n), rng.randrange(n)
        w = 0.0 if rng.random() < 0.05 else rng.uniform(0.1, 10)
        G.add_edge(u, v, travel_time_h=w, closed=rng.random() < 0.1)
    return G


def open_simple(G: nx.MultiDiGraph) -> nx.DiGraph:
    """The open edges of ``G``, parallel edges reduced to the fastest: what networkx should see."""
    H = nx.DiGraph()
    H.add_nodes_from(G)
    for u, v, d in G.edges(data=True):
        if d.get("closed"):
            continue
        if not H.has_edge(u, v) or d["travel_time_h"] < H[u][v]["travel_time_h"]:
            H.add_edge(u, v, travel_time_h=d["travel_time_h"])
    return H


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matrix_equals_networkx_on_random_multigraphs(seed: int) -> None:
    G = random_multigraph(seed)
    H = open_simple(G)
    sources = [0, 5, 17, 42]
    times, sp = travel_time_matrix(G, sources, return_predecessors=True)
    for s in sources:
        ref = nx.single_source_dijkstra_path_length(H, s, weight="travel_time_h")
        for t in G.nodes:
            got = times.at[s, t]
            if t in ref:
                assert got == pytest.approx(ref[t], abs=1e-9)
                path = sp.path(s, t)
                assert path[0] == s and path[-1] == t
                assert nx.path_weight(H, path, "travel_time_h") == pytest.approx(ref[t], abs=1e-9)
            else:
                assert np.isinf(got) and sp.path(s, t) == []


def test_matrix_equals_networkx_on_built_network() -> None:
    G = build_network(toy_layers())
    H = open_simple(G)
    depot = next(n for n, k in G.nodes(data="kind") if k == "depot")
    times = travel_time_matrix(G, [depot])
    ref = nx.single_source_dijkstra_path_length(H, depot, weight="travel_time_h")
    assert len(ref) < G.number_of_nodes()  # the isolated village is unreachable
    for t, val in ref.items():
        assert times.at[depot, t] == pytest.approx(val, abs=1e-9)


def test_csr_cache_and_unknown_nodes() -> None:
    G = random_multigraph(5)
    assert to_csr(G) is to_csr(G)
    G.add_edge(0, 999, travel_time_h=0.25)  # a new node: rebuilt
    assert travel_time_matrix(G, [0]).at[0, 999] == pytest.approx(0.25)
    for d in G[0][999].values():
        d["travel_time_h"] = 0.5  # in-place weight edit: the documented clear_cache
    clear_cache(G)
    assert travel_time_matrix(G, [0]).at[0, 999] == pytest.approx(0.5)
    with pytest.raises(NetworkError, match="not in the graph"):
        travel_time_matrix(G, ["nope"])
    G.add_edge(2, 3, travel_time_h=-1.0)
    with pytest.raises(NetworkError, match="non-negative"):
        to_csr(G)


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return build_network(toy_layers())


@pytest.fixture(scope="module")
def dest(G: nx.MultiDiGraph) -> pd.DataFrame:
    return destination_table(G, "desa", units=toy_desa())


def test_route_table_contract(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    r = route_all(G, destinations=dest, departure=DEPART, deadline="2024-11-26 18:00")
    assert list(r.columns[: len(ROUTE_COLUMNS) - 1]) == list(ROUTE_COLUMNS[:-1])
    assert r.columns[-1] == "geometry" and r.crs == "EPSG:4326"
    assert len(r) == len(dest)  # nobody dropped
    r = r.set_index("tujuan_kode")
    far = r.loc["99.01.05.2001"]
    assert not far["terjangkau"] and far["terlambat"] and pd.isna(far["tiba"])
    assert far["geometry"] is None
    assert r.loc["99.01.02.2001", "moda"] == "road+river"
    assert r.loc["99.01.04.2001", "moda"] == "sea"  # the sea port is within reach of the depot
    ok = r[r["terjangkau"]]
    assert ok["geometry"].notna().all() and not ok.geometry.is_empty.any()
    hours = (ok["tiba"] - ok["berangkat"]).dt.total_seconds() / 3600
    np.testing.assert_allclose(hours, ok["waktu_tempuh_h"], atol=1 / 3600)
    assert ok["tps"].sum() == 200 + 8 + 12 + 3 + 6


def test_deadline_logic(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    base = route_all(G, destinations=dest, departure=DEPART).set_index("tujuan_kode")
    t = base.loc["99.01.02.2001", "waktu_tempuh_h"]
    arrive = DEPART + pd.to_timedelta(t, unit="h")
    just_after = route_all(
        G, destinations=dest, departure=DEPART, deadline=arrive + pd.Timedelta(minutes=1)
    ).set_index("tujuan_kode")
    just_before = route_all(
        G, destinations=dest, departure=DEPART, deadline=arrive - pd.Timedelta(minutes=1)
    ).set_index("tujuan_kode")
    assert not just_after.loc["99.01.02.2001", "terlambat"]
    assert just_before.loc["99.01.02.2001", "terlambat"]
    # later departure, same deadline: arrival shifts by exactly the delay
    later = route_all(
        G,
        destinations=dest,
        departure=DEPART + pd.Timedelta(hours=5),
        deadline=arrive + pd.Timedelta(minutes=1),
    ).set_index("tujuan_kode")
    assert later.loc["99.01.02.2001", "tiba"] == just_after.loc[
        "99.01.02.2001", "tiba"
    ] + pd.Timedelta(hours=5)
    assert later.loc["99.01.02.2001", "terlambat"]


def test_closed_bridge_makes_destination_late(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    deadline = DEPART + pd.Timedelta(hours=3)
    before = route_all(G, destinations=dest, departure=DEPART, deadline=deadline)
    after = route_all(
        close_edges(G, ids=["BR"]), destinations=dest, departure=DEPART, deadline=deadline
    )
    rep = disruption_report(before, after).set_index("tujuan_kode")
    assert list(rep.index) == ["99.01.01.2002"]  # only the village behind the bridge
    row = rep.loc["99.01.01.2002"]
    assert row["status"] == "terlambat" and row["terjangkau_sesudah"]
    # detour by the setapak: 30 + 50 km at 8 km/h instead of arteri 50 + lokal 30
    assert row["tambahan_h"] == pytest.approx(80 / 8 - (50 / 50 + 30 / 25), abs=1e-6)
    assert not any(d["closed"] for *_, d in G.edges(data=True))  # original untouched


def test_grounded_aircraft_and_low_water_cut_upstream(
    G: nx.MultiDiGraph, dest: pd.DataFrame
) -> None:
    before = route_all(G, destinations=dest, departure=DEPART).set_index("tujuan_kode")
    assert before.loc["99.01.03.2001", "moda"] == "air"  # flown upstream from the town
    grounded = close_edges(G, modes=["air"])
    mid = route_all(grounded, destinations=dest, departure=DEPART)
    rep = disruption_report(before.reset_index(), mid).set_index("tujuan_kode")
    assert list(rep.index) == ["99.01.03.2001"]
    assert (
        rep.loc["99.01.03.2001", "tambahan_h"] > 0
        and rep.loc["99.01.03.2001", "terjangkau_sesudah"]
    )
    assert mid.set_index("tujuan_kode").loc["99.01.03.2001", "moda"] == "road+river"
    both = close_low_water(grounded)
    rep2 = disruption_report(
        before.reset_index(), route_all(both, destinations=dest, departure=DEPART)
    )
    row = rep2.set_index("tujuan_kode").loc["99.01.03.2001"]
    assert row["status"] == "tidak terjangkau" and np.isinf(row["tambahan_h"])
    assert len(rep2) == 1
    assert len(both.graph["closed"]) > len(grounded.graph["closed"])
    # low water alone changes nothing: the aircraft still fly
    assert disruption_report(
        before.reset_index(), route_all(close_low_water(G), destinations=dest, departure=DEPART)
    ).empty


def test_close_edges_rejects_unknown_ids(G: nx.MultiDiGraph) -> None:
    with pytest.raises(NetworkError, match="JX"):
        close_edges(G, ids=["BR", "JX"])
    with pytest.raises(NetworkError, match="Bandara Hilang"):
        close_edges(G, nodes=["Bandara Hilang"])


def test_critical_links_rank_by_tps_cut_off(G: nx.MultiDiGraph, dest: pd.DataFrame) -> None:
    crit = critical_links(
        G,
        destinations=dest,
        departure=DEPART,
        deadline=DEPART + pd.Timedelta(hours=3),
        top=50,
        modes=("road", "river", "sea", "air", "access", "transfer"),
    )
    assert crit.crs == "EPSG:4326"
    assert list(crit["peringkat"]) == list(range(1, len(crit) + 1))
    assert crit["tps_terputus"].is_monotonic_decreasing
    top = crit.iloc[0]
    by_id = crit.set_index("edge_id")
    # Desa Sungai (12 TPS) hangs on its landing; the island (6 TPS) on the sea lane
    assert top["tps_terputus"] == 12 and top["jembatan_graf"] and top["simpul_artikulasi"]
    sea = by_id[by_id["mode"] == "sea"].iloc[0]
    assert sea["tps_terputus"] == 6 and sea["jembatan_graf"]
    # without the main river Desa Sungai is still served (flown upstream, then down the rapids)
    river_main = by_id[by_id["id"] == "S1"].iloc[0]
    assert river_main["tps_terputus"] == 0 and river_main["tambahan_maks_h"] > 1
    bridge = by_id[by_id["id"] == "BR"].iloc[0]
    assert bridge["tps_terputus"] == 0 and bridge["tps_terlambat_baru"] == 8
    assert bridge["tambahan_maks_h"] == pytest.approx(7.8, abs=1e-6)
    assert not bridge["jembatan_graf"]  # the setapak detour exists
    # by default only physical links are ranked: the landing connector drops out
    physical = critical_links(
        G, destinations=dest, departure=DEPART, deadline=DEPART + pd.Timedelta(hours=3), top=50
    )
    assert set(physical["mode"]) <= {"road", "river", "sea", "air"}
    assert physical["tps_terputus"].iloc[0] < 12
    assert set(physical["edge_id"]) < set(crit["edge_id"])
