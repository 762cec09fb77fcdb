"""Critical links: every used link and every bridge, exact against closing each one and
re-routing; grouped by road/river feature; the road-only scenario."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kewaspadaan.io import load_layers
from kewaspadaan.logistics import network_layers
from kewaspadaan.network import (
    Closure,
    build_network,
    close_edges,
    critical_links,
    destination_table,
    route_all,
)

DEPART = "2029-02-09 06:00"
DEADLINE = "2029-02-13 18:00"


@pytest.fixture(scope="module")
def small(demo_small: Path):
    lay = network_layers(load_layers(demo_small))
    G = build_network(lay)
    dest = destination_table(G, "desa", units=lay["desa"])
    return G, dest


def _brute(G, dest, ids: list[str]) -> dict[str, tuple[float, float]]:
    """TPS cut off and newly late when each feature closes: the slow, obvious way."""
    base = route_all(G, destinations=dest, departure=DEPART, deadline=DEADLINE, records=False)
    out = {}
    for i in ids:
        after = route_all(
            close_edges(G, ids=[i]),
            destinations=dest,
            departure=DEPART,
            deadline=DEADLINE,
            records=False,
        )
        cut = base["terjangkau"].to_numpy() & ~after["terjangkau"].to_numpy()
        late = ~base["terlambat"].to_numpy() & after["terlambat"].to_numpy() & ~cut
        tps = base["tps"].to_numpy(float)
        out[i] = (float(tps[cut].sum()), float(tps[late].sum()))
    return out


def test_every_used_link_is_tested_and_exact(small) -> None:
    G, dest = small
    crit = critical_links(G, destinations=dest, departure=DEPART, deadline=DEADLINE, top=0)
    assert crit["kelompok"].is_unique and len(crit) > 50
    # every link used by a fastest route is in the table (top=0: all of them)
    _base, paths = route_all(
        G, destinations=dest, departure=DEPART, deadline=DEADLINE, return_paths=True
    )
    used = {
        G.edges[u, v, k]["id"]
        for p in paths.values()
        for u, v in itertools.pairwise(p)
        for k in [min(G[u][v], key=lambda k: G[u][v][k]["travel_time_h"])]
        if G.edges[u, v, k]["mode"] in ("road", "river")
    }
    assert used <= set(crit["id"])
    bridges = {d["id"] for *_, d in G.edges(data=True) if d.get("jembatan")}
    assert bridges <= set(crit["id"])  # every bridge tested, used or not
    # exact: the cut-off and newly-late TPS of 12 links equal closing each and re-routing
    cut = crit[crit["tps_terputus"] > 0]["id"].head(6).tolist()
    rest = crit[crit["tps_terputus"] == 0]["id"].iloc[:: max(1, len(crit) // 6)].head(6).tolist()
    brute = _brute(G, dest, cut + rest)
    got = crit.set_index("id")
    for i, (c, late) in brute.items():
        assert got.loc[i, "tps_terputus"] == pytest.approx(c), i
        assert got.loc[i, "tps_terlambat_baru"] == pytest.approx(late), i
    assert crit["tps_terputus"].is_monotonic_decreasing


def test_groups_and_the_road_only_scenario(small) -> None:
    G, dest = small
    crit = critical_links(G, destinations=dest, departure=DEPART, deadline=DEADLINE, top=0)
    road = critical_links(
        G, destinations=dest, departure=DEPART, deadline=DEADLINE, top=0, scenario="jalan_saja"
    )
    assert set(road["mode"]) == {"road"} and set(road["skenario"]) == {"jalan_saja"}
    assert set(crit["skenario"]) == {"semua_moda"}
    # without rivers, sea and air many more roads cut TPS off
    assert (road["tps_terputus"] > 0).sum() > (crit["tps_terputus"] > 0).sum()
    # a link is a whole road feature: every segment of it, counted in ``ruas``
    multi = crit[crit["ruas"] > 1]
    assert len(multi) and (multi["kelompok"].str.startswith(("jalan:", "sungai:"))).all()
    segs = critical_links(
        G, destinations=dest, departure=DEPART, deadline=DEADLINE, top=0, group="segment"
    )
    assert len(segs) > len(crit) and (segs["ruas"] == 1).all()
    limited = critical_links(
        G, destinations=dest, departure=DEPART, deadline=DEADLINE, top=0, max_candidates=10
    )
    assert len(limited) == 10


def test_closures_are_data() -> None:
    c = Closure.from_value("surut, J00012")
    assert c.scenarios == ("surut",) and c.ids == ("J00012",)
    m = Closure.from_value({"nodes": ["Bandara X"], "scenario": "tanpa_udara"})
    assert m.nodes == ("Bandara X",) and m.scenarios == ("tanpa_udara",)
    assert Closure.from_value(m.to_dict()) == m
    assert "penerbangan dihentikan" in m.describe() and Closure().empty
    with pytest.raises(Exception, match="unknown closure scenario"):
        Closure(scenarios=("gempa",))


def test_scenarios_close_what_they_say(small) -> None:
    G, _ = small
    air = Closure(scenarios=("tanpa_udara",)).apply(G)
    assert all(d["closed"] for *_, d in air.edges(data=True) if d["mode"] == "air")
    road = Closure(scenarios=("jalan_saja",)).apply(G)
    modes = {d["mode"] for *_, d in road.edges(data=True) if not d["closed"]}
    assert modes == {"road", "access", "transfer"}
    low = Closure(scenarios=("surut",)).apply(G)
    shut = [d for *_, d in low.edges(data=True) if d["closed"]]
    assert shut and all(d.get("surut_musiman") for d in shut)
    assert not any(d["closed"] for *_, d in G.edges(data=True))  # the original is untouched
    assert sorted(low.graph["closed"]) == sorted({d["edge_id"] for d in shut})
