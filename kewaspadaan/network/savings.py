"""The savings heuristic: the OR-Tools planner's first solution, its fallback, and the
benchmark's peer.

1. **Pieces** (:func:`split_demand`): each destination's boxes are split into pieces every
   vehicle that reaches it can carry a share of: pieces the size of each smaller vehicle, in
   proportion to its share of the capacity there (one truck of 100 and five pickups of 30:
   60 % of the boxes in pieces of 30), the rest in pieces that fill the largest well, at most
   ``settings.plan_max_pieces_per_stop`` pieces (the smallest vehicles' share shrinks first).
2. **Vehicle type** per destination: the group of vehicles (type and base) whose direct trip
   arrives by the deadline at the least cost; failing that the one arriving first; failing
   that the destination is out of reach. Then per piece (2b, fleet-aware): the cheapest
   on-time group that still has working hours left before the deadline, so pickups take
   pieces when the trucks are busy.
3. **Trips**: Clarke-Wright savings over the pieces of each group (pieces of one destination
   merge first, which makes full loads), never above the vehicle's capacity, never past a
   stop's deadline or the vehicle's endurance (a helicopter sortie).
4. **Vehicles**: trips, most urgent first, go to the vehicle of the group that is free
   earliest (working clock); a vehicle starts its next trip when it is back.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan.network.schedule import Instance, Solution

__all__ = ["Piece", "savings_plan", "split_demand"]


@dataclass(frozen=True)
class Piece:
    """Part of one destination's boxes carried as a unit."""

    dest: int
    boxes: int


def _piece_size(demand: int, caps: list[int], max_pieces: int) -> int:
    """Rule 1: the piece size that fills the capable vehicles best (a vehicle smaller than the
    piece counts as empty: every vehicle should be able to help), with at most
    ``max_pieces`` pieces; ties go to the larger piece (fewer nodes)."""
    if not caps or demand <= min(caps):
        return demand
    lo = max(1, min(math.ceil(demand / max_pieces), max(caps)))
    hi = max(lo, min(max(caps), demand))
    best, best_score = lo, -1.0
    for c in range(lo, hi + 1):
        score = sum((cap // c) * c / cap for cap in caps) / len(caps)
        if score > best_score + 1e-9 or (abs(score - best_score) <= 1e-9 and c > best):
            best, best_score = c, score
    return min(best, demand)


def _pieces(demand: int, fleet: list[tuple[int, int]], max_pieces: int) -> list[int]:
    """Rule 1 for one destination: piece sizes, from ``fleet`` = ``(capacity, count)``."""
    if not fleet or demand <= min(c for c, _ in fleet):
        return [demand]
    by_cap: dict[int, int] = {}
    for cap, n in fleet:
        by_cap[cap] = by_cap.get(cap, 0) + n
    caps = sorted(by_cap)
    total = sum(c * n for c, n in by_cap.items())
    small = {c: int(demand * c * by_cap[c] / total // c) for c in caps[:-1]}
    while True:
        rest = demand - sum(c * k for c, k in small.items())
        size = _piece_size(rest, [caps[-1]], max(1, max_pieces - sum(small.values())))
        n_big = -(-rest // size) if rest > 0 else 0
        if sum(small.values()) + n_big <= max_pieces or not any(small.values()):
            break
        c = next(c for c in caps[:-1] if small[c] > 0)  # the smallest vehicles' share first
        small[c] = max(0, small[c] - max(1, small[c] // 2))
    out: list[int] = [c for c in caps[:-1] for _ in range(small[c])]
    full, rem = divmod(rest, size) if rest > 0 else (0, 0)
    return out + [size] * full + ([rem] if rem else [])


def split_demand(
    inst: Instance, choice: dict[int, tuple[int, int] | None] | None = None
) -> list[Piece]:
    """Rule 1 for every destination of ``inst``. The sizes consider the vehicles of the mode
    the savings choice gives the destination (rule 2), so a helicopter able to reach a desa on
    a road does not cut its boxes into helicopter loads; a destination no vehicle reaches is
    one piece."""
    choice = choose_groups(inst) if choice is None else choice
    out: list[Piece] = []
    modes = [v.vt.moda for v in inst.vehicles]
    caps = [v.capacity for v in inst.vehicles]
    for d, demand in enumerate(inst.dests["kotak"].astype(int).tolist()):
        if demand <= 0:
            continue
        g = choice.get(d)
        mode = modes[g[0]] if g is not None else None
        fleet = [(caps[i], 1) for i in np.flatnonzero(inst.reach[:, d]) if modes[i] == mode]
        out.extend(Piece(d, q) for q in _pieces(demand, fleet, settings.plan_max_pieces_per_stop))
    return out


def _groups(inst: Instance) -> dict[tuple[int, int], list[int]]:
    """Vehicles by (type, base): key = (first vehicle index, base location)."""
    by: dict[tuple[object, int], list[int]] = {}
    for i, v in enumerate(inst.vehicles):
        by.setdefault((v.vt, int(inst.loc_vehicle[i])), []).append(i)
    return {(vs[0], key[1]): vs for key, vs in by.items()}


def choose_groups(
    inst: Instance, largest: dict[int, int] | None = None
) -> dict[int, tuple[int, int] | None]:
    """Rule 2: the vehicle group of each destination (``None``: no vehicle reaches it);
    ``largest`` = the biggest piece per destination (a group must carry it)."""
    groups = _groups(inst)
    n = len(inst.dests)
    big = np.zeros(n, dtype=np.int64)
    for d, q in (largest or {}).items():
        big[d] = q
    kotak = inst.dests["kotak"].to_numpy(dtype=float)
    best_ok = np.full(n, np.inf)
    ok_group: list[tuple[int, int] | None] = [None] * n
    best_any: list[tuple[pd.Timestamp, tuple[int, int]] | None] = [None] * n
    for g, vs in groups.items():
        v0 = vs[0]
        veh = inst.vehicles[v0]
        vt = veh.vt
        h, k = inst.mats[vt]
        b, j = int(inst.loc_vehicle[v0]), inst.loc_dest
        can = inst.reach[v0] & (veh.capacity >= big)
        clock = inst.clock(vt)
        start_w = clock.to_work(inst.ready[v0]) + inst.load_h
        arrive_w = start_w + h[b, j]
        if clock.atomic_legs:
            arrive_w = np.array([clock.leg(start_w, float(x))[1] for x in h[b, j]])
        on_time = can & (arrive_w <= inst.deadlines_w(vt) + 1e-9)
        trips = np.ceil(kotak / veh.capacity)
        rt = h[b, j] + h[j, b]
        km = np.nan_to_num(k[b, j] + k[j, b])
        hours = np.where(np.isfinite(rt), rt, 0.0)
        cost = trips * (
            vt.biaya_rp_per_trip + vt.biaya_rp_per_km * km + vt.biaya_rp_per_jam * hours
        )
        cost = np.where(np.isfinite(rt), cost, np.inf)
        better = on_time & (cost < best_ok)
        best_ok = np.where(better, cost, best_ok)
        for d in np.flatnonzero(better).tolist():
            ok_group[d] = g
        for d in np.flatnonzero(can & ~np.isfinite(best_ok)).tolist():
            t = clock.to_clock(float(arrive_w[d]))
            prev = best_any[d]
            if prev is None or t < prev[0]:
                best_any[d] = (t, g)
    out: dict[int, tuple[int, int] | None] = {}
    for d in range(n):
        pa = best_any[d]
        out[d] = ok_group[d] if ok_group[d] is not None else (pa[1] if pa is not None else None)
    return out


def _arrivals(inst: Instance, v0: int, route: list[Piece], start_w: float) -> list[float]:
    """Working-hour arrival at each piece's stop (consecutive pieces at one stop share it)."""
    h, _ = inst.mats[inst.vehicles[v0].vt]
    b = int(inst.loc_vehicle[v0])
    out, w, prev = [], start_w + inst.load_h, b
    for p in route:
        loc = int(inst.loc_dest[p.dest])
        if loc != prev:
            if prev != b:
                w += settings.unloading_time_h
            w += float(h[prev, loc])
        out.append(w)
        prev = loc
    return out


def _moving(inst: Instance, v0: int, route: list[Piece]) -> float:
    h, _ = inst.mats[inst.vehicles[v0].vt]
    b = int(inst.loc_vehicle[v0])
    locs = [b, *[int(inst.loc_dest[p.dest]) for p in route], b]
    return float(sum(h[a, c] for a, c in itertools.pairwise(locs) if a != c))


def _cw(
    inst: Instance, v0: int, pieces: list[Piece], deadlines_w: np.ndarray, start_w: float
) -> list[list[Piece]]:
    """Rule 3: Clarke-Wright savings over ``pieces`` for the group of vehicle ``v0``."""
    vt = inst.vehicles[v0].vt
    cap = inst.vehicles[v0].capacity
    h, _ = inst.mats[vt]
    b = int(inst.loc_vehicle[v0])
    loc = np.array([int(inst.loc_dest[p.dest]) for p in pieces], dtype=np.int64)
    n = len(pieces)
    route_of: dict[int, list[int]] = {i: [i] for i in range(n)}
    load = {i: pieces[i].boxes for i in range(n)}

    def ok(route: list[int]) -> bool:
        rp = [pieces[i] for i in route]
        arr = _arrivals(inst, v0, rp, start_w)
        if any(a > deadlines_w[p.dest] + 1e-9 for a, p in zip(arr, rp, strict=True)):
            return False
        return _moving(inst, v0, rp) <= vt.ketahanan_jam + 1e-9

    t_ij = np.where(loc[:, None] == loc[None, :], 0.0, h[np.ix_(loc, loc)])
    sav = h[b, loc][:, None] + h[loc, b][None, :] - t_ij
    np.fill_diagonal(sav, -np.inf)
    sav = np.where(np.isfinite(t_ij), sav, -np.inf)
    ii, jj = np.nonzero(sav >= 0)
    order = np.lexsort((jj, ii, -sav[ii, jj]))
    for i, j in zip(ii[order].tolist(), jj[order].tolist(), strict=True):
        ri, rj = route_of[i], route_of[j]
        if ri is rj or ri[-1] != i or rj[0] != j or load[ri[0]] + load[rj[0]] > cap:
            continue
        merged = ri + rj
        if not ok(merged):
            continue
        total = load[ri[0]] + load[rj[0]]
        for k in merged:
            route_of[k] = merged
        load[merged[0]] = total
    seen: set[int] = set()
    out = []
    for i in range(n):
        r = route_of[i]
        if id(r) not in seen:
            seen.add(id(r))
            out.append([pieces[k] for k in r])
    return out


def _assign(
    inst: Instance,
    pieces: list[Piece],
    choice: dict[int, tuple[int, int] | None],
    groups: dict[tuple[int, int], list[int]],
) -> list[tuple[int, int] | None]:
    """Rule 2b: the group of each piece, fleet-aware. Pieces, earliest deadline first, go to
    the cheapest group that brings them in time *and still has working hours left* before that
    deadline (its vehicles' hours, less the share of round trips already given to it); when
    none has, to the on-time group with the most hours left; failing that, the destination's
    rule-2 group. Big pieces go first: fewer vehicles can carry them."""
    info = {}
    for g, vs in groups.items():
        v0 = vs[0]
        veh = inst.vehicles[v0]
        h, k = inst.mats[veh.vt]
        b, j = int(inst.loc_vehicle[v0]), inst.loc_dest
        clock = inst.clock(veh.vt)
        ready = np.array([clock.to_work(inst.ready[v]) for v in vs])
        rt = h[b, j] + h[j, b]
        per_trip = rt + inst.load_h + settings.unloading_time_h
        rp = (
            veh.vt.biaya_rp_per_trip
            + veh.vt.biaya_rp_per_km * np.nan_to_num(k[b, j] + k[j, b])
            + veh.vt.biaya_rp_per_jam * np.where(np.isfinite(rt), rt, 0.0)
        )
        on_time = inst.reach[v0] & (ready.min() + inst.load_h + h[b, j] <= inst.deadlines_w(veh.vt))
        info[g] = (veh.capacity, ready, per_trip, rp, on_time, inst.deadlines_w(veh.vt))
    used = dict.fromkeys(groups, 0.0)
    cache: dict[tuple[tuple[int, int], int], float] = {}

    def hours_left(g: tuple[int, int], d: int) -> float:
        key = (g, d)
        if key not in cache:
            ready, dl = info[g][1], info[g][5]
            cache[key] = float(np.clip(dl[d] - ready, 0.0, None).sum())
        return cache[key]

    # earliest deadline first; big pieces (which fewer vehicles carry) before small ones
    due = pd.DatetimeIndex(inst.dests["tenggat"]).as_unit("ns").asi8
    order = sorted(range(len(pieces)), key=lambda i: (due[pieces[i].dest], -pieces[i].boxes, i))
    out: list[tuple[int, int] | None] = [choice.get(p.dest) for p in pieces]
    for i in order:
        p = pieces[i]
        best = None
        for g, (cap, _ready, per_trip, rp, on_time, _dl) in info.items():
            if cap < p.boxes or not on_time[p.dest]:
                continue
            need = per_trip[p.dest] * p.boxes / cap
            left = hours_left(g, p.dest) - used[g]
            key = (left < need, rp[p.dest] * p.boxes / cap if left >= need else -left / need)
            if best is None or key < best[0]:
                best = (key, g, need)
        if best is not None:
            out[i] = best[1]
            used[best[1]] += best[2]
    return out


def savings_plan(
    inst: Instance,
    pieces: list[Piece] | None = None,
    choice: dict[int, tuple[int, int] | None] | None = None,
) -> tuple[list[list[list[Piece]]], dict[int, tuple[int, int] | None]]:
    """Rules 1-4 on one instance.

    ``choice`` (the groups rule 2 gave the destinations when ``pieces`` were cut) is reused
    when every group still carries its destination's largest piece.

    Returns
    -------
    (list, dict)
        Per vehicle its trips (lists of :class:`Piece`), and the group chosen per destination
        (``None`` = no vehicle reaches it: its pieces are in no trip).
    """
    if pieces is None:
        choice = choose_groups(inst)
        pieces = split_demand(inst, choice)
    largest: dict[int, int] = {}
    for p in pieces:
        largest[p.dest] = max(largest.get(p.dest, 0), p.boxes)
    if choice is None or any(
        g is not None and inst.vehicles[g[0]].capacity < largest.get(d, 0)
        for d, g in choice.items()
    ):
        choice = choose_groups(inst, largest)
    groups = _groups(inst)
    assigned = _assign(inst, pieces, choice, groups)
    plan: list[list[list[Piece]]] = [[] for _ in inst.vehicles]
    for g, vs in groups.items():
        mine = [p for p, a in zip(pieces, assigned, strict=True) if a == g]
        if not mine:
            continue
        v0 = vs[0]
        vt = inst.vehicles[v0].vt
        start_w = inst.clock(vt).to_work(inst.ready[v0])
        deadlines = inst.deadlines_w(vt)
        trips = _cw(inst, v0, mine, deadlines, start_w)
        slack = [
            min(deadlines[p.dest] - a for p, a in zip(t, _arrivals(inst, v0, t, 0.0), strict=True))
            for t in trips
        ]
        order = sorted(range(len(trips)), key=lambda i: (slack[i], trips[i][0].dest))
        free = {v: inst.clock(vt).to_work(inst.ready[v]) for v in vs}
        for i in order:
            v = min(vs, key=lambda x: (free[x], x))
            plan[v].append(trips[i])
            free[v] += (
                _moving(inst, v, trips[i])
                + inst.load_h
                + settings.unloading_time_h * len({p.dest for p in trips[i]})
            )
    return plan, choice


def to_solution(plan: list[list[list[Piece]]]) -> Solution:
    """Trips of pieces → trips of ``(destination, boxes)`` (the simulator's input)."""
    return [[[(p.dest, p.boxes) for p in trip] for trip in trips] for trips in plan]
