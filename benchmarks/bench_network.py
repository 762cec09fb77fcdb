"""Benchmark: depot-to-all travel-time matrix, kewaspadaan (scipy csgraph) vs plain networkx.

Run ``python benchmarks/bench_network.py [--side 320] [--depots 10]``. A synthetic road grid of
``side x side`` junctions (>= 100,000 nodes at the default 320) with jittered coordinates and
random road classes is built with :func:`kewaspadaan.network.build_network` (lines split and
snapped like real layers), then travel times from ``--depots`` depots to every node are computed

- by networkx: ``single_source_dijkstra_path_length`` per depot on the same MultiDiGraph;
- by igraph (the compiled peer): ``Graph.distances(source=depots, weights=...)`` on the same
  edges (the graph built from the edge list outside the timing, then with it);
- by kewaspadaan: :func:`kewaspadaan.network.travel_time_matrix` (CSR conversion + csgraph),
  timed cold (conversion included) and warm (conversion cached).

Both results are checked equal to 1e-9 and the ratios printed (``... ratio N.Nx``). Timings are
single runs on a shared machine: expect some noise.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from kewaspadaan.network import build_network, travel_time_matrix
from kewaspadaan.network.routing import clear_cache

CLASSES = np.array(["arteri", "kolektor", "lokal", "setapak"])


def grid_roads(side: int, *, spacing_m: float = 500.0, seed: int = 0) -> gpd.GeoDataFrame:
    """Road segments between neighbouring junctions of a jittered grid (UTM 50N)."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = 400_000 + ii * spacing_m + rng.uniform(-100, 100, ii.shape)
    y = -50_000 + jj * spacing_m + rng.uniform(-100, 100, jj.shape)
    pts = np.stack([x, y], axis=-1)
    starts = np.concatenate([pts[:-1, :].reshape(-1, 2), pts[:, :-1].reshape(-1, 2)])
    ends = np.concatenate([pts[1:, :].reshape(-1, 2), pts[:, 1:].reshape(-1, 2)])
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))
    kelas = CLASSES[rng.choice(4, size=len(lines), p=[0.1, 0.2, 0.5, 0.2])]
    return gpd.GeoDataFrame(
        {"id": np.arange(len(lines)).astype(str), "kelas": kelas}, geometry=lines, crs="EPSG:32650"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=320, help="junctions per grid side")
    ap.add_argument("--depots", type=int, default=10, help="number of depots (sources)")
    args, _ = ap.parse_known_args()  # run_all.py passes its extra arguments to every benchmark

    t0 = time.perf_counter()
    roads = grid_roads(args.side)
    G = build_network(roads=roads)
    t_build = time.perf_counter() - t0
    print(
        f"graph: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} directed edges "
        f"(built from {len(roads):,} road lines in {t_build:.1f} s)"
    )
    rng = np.random.default_rng(1)
    nodes = np.array(list(G.nodes))
    depots = sorted(rng.choice(nodes, size=args.depots, replace=False).tolist())

    t0 = time.perf_counter()
    ref = [nx.single_source_dijkstra_path_length(G, d, weight="travel_time_h") for d in depots]
    t_nx = time.perf_counter() - t0

    clear_cache(G)
    t0 = time.perf_counter()
    cold = travel_time_matrix(G, depots)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = travel_time_matrix(G, depots)
    t_warm = time.perf_counter() - t0

    ig_line = ""
    try:
        import igraph as ig
    except ImportError:
        ig_line = "igraph not installed (pip install igraph): skipped"
    else:
        t0 = time.perf_counter()
        index = {node: i for i, node in enumerate(cold.columns)}
        edges, weights = [], []
        for u, v, w in G.edges(data="travel_time_h"):
            edges.append((index[u], index[v]))
            weights.append(w)
        g = ig.Graph(n=len(index), edges=edges, directed=True)
        t_ig_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        dist = np.array(g.distances(source=[index[d] for d in depots], weights=weights))
        t_ig = time.perf_counter() - t0
        np.testing.assert_allclose(dist, cold.to_numpy(), rtol=0, atol=1e-9)
        ig_line = (
            f"igraph distances (graph built in {t_ig_build:.2f} s): {t_ig:.3f} s; "
            f"kewaspadaan warm vs igraph ratio {t_ig / t_warm:.1f}x, cold vs igraph with its "
            f"build {(t_ig + t_ig_build) / t_cold:.1f}x (equal within 1e-9 h)"
        )

    worst = 0.0
    for i, r in enumerate(ref):
        got = cold.iloc[i].to_numpy()
        want = np.array([r.get(n, np.inf) for n in cold.columns])
        fin = np.isfinite(want)
        assert (np.isfinite(got) == fin).all(), "reachability differs from networkx"
        worst = max(worst, float(np.abs(got[fin] - want[fin]).max()))
    assert worst <= 1e-9, worst
    assert np.array_equal(cold.to_numpy(), warm.to_numpy())
    n = len(nodes)
    print(f"check: equal to networkx within {worst:.1e} h on {args.depots} x {n:,} pairs")
    print(f"networkx Dijkstra, {args.depots} depots to all: {t_nx:.2f} s")
    print(f"kewaspadaan cold (CSR build + csgraph): {t_cold:.2f} s")
    print(f"kewaspadaan warm (cached CSR): {t_warm:.3f} s")
    print(f"depot-to-all matrix cold vs networkx ratio {t_nx / t_cold:.1f}x")
    print(f"depot-to-all matrix warm vs networkx ratio {t_nx / t_warm:.1f}x")
    print(ig_line)


if __name__ == "__main__":
    main()
