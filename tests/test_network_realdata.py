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
