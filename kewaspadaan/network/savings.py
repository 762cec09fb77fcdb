"""The savings heuristic: the OR-Tools planner's first solution, its fallback, and the
benchmark's peer.

1. **Pieces** (:func:`split_demand`): each destination's boxes are split into pieces of one
   size, chosen so the vehicles that reach it fill up well (a truck of 250 takes five pieces
   of 50, a pickup one), with at most ``settings.plan_max_pieces_per_stop`` pieces.
2. **Vehicle type** per destination: the group of vehicles (type and base) whose direct trip
   arrives by the deadline at the least cost; failing that the one arriving first; failing
   that the destination is out of reach.
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

from kewaspadaan import settings
from kewaspadaan.network.schedule import Instance, Solution, deadline_work

__all__ = ["Piece", "savings_plan", "split_demand"]


@dataclass(frozen=True)
class Piece:
    """Part of one destination's boxes carried as a unit."""

    dest: int
    boxes: int


def _piece_size(demand: int, caps: list[int], max_pieces: int) -> int:
    """Rule 1: the piece size that fills the capable vehicles best."""
    if not caps or demand <= min(caps):
        return demand
    lo = max(1, min(math.ceil(demand / max_pieces), max(caps)))
    hi = max(lo, min(min(caps), demand))
    best, best_score = lo, -1.0
    for c in range(lo, hi + 1):
        score = float(np.mean([(cap // c) * c / cap for cap in caps if cap >= c] or [0.0]))
        if score > best_score + 1e-12 or (abs(score - best_score) <= 1e-12 and c > best):
            best, best_score = c, score
    return min(best, demand)


def split_demand(inst: Instance) -> list[Piece]:
    """Rule 1 for every destination of ``inst`` (destinations no vehicle reaches: one piece)."""
    out = []
    for d, demand in enumerate(inst.dests["kotak"].astype(int).tolist()):
        if demand <= 0:
            continue
        caps = sorted({v.capacity for i, v in enumerate(inst.vehicles) if inst.reaches(i, d)})
        size = _piece_size(demand, caps, settings.plan_max_pieces_per_stop)
        full, rest = divmod(demand, size)
        out.extend(Piece(d, size) for _ in range(full))
        if rest:
            out.append(Piece(d, rest))
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
    largest = largest or {}
    out: dict[int, tuple[int, int] | None] = {}
    for d in range(len(inst.dests)):
        deadline = inst.dests["tenggat"].iloc[d]
        best_ok, best_any = None, None
        for g, vs in groups.items():
            v0 = vs[0]
            if not inst.reaches(v0, d) or inst.vehicles[v0].capacity < largest.get(d, 0):
                continue
            vt = inst.vehicles[v0].vt
            h, k = inst.mats[vt]
            b, j = inst.loc_vehicle[v0], inst.loc_dest[d]
            clock = inst.clock(vt)
            arrive_w = clock.to_work(inst.ready[v0]) + inst.load_h + float(h[b, j])
            arrive = clock.to_clock(arrive_w)
            trips = math.ceil(int(inst.dests["kotak"].iloc[d]) / inst.vehicles[v0].capacity)
            km = float(np.nan_to_num(k[b, j] + k[j, b]))
            cost = trips * (
                vt.biaya_rp_per_trip
                + vt.biaya_rp_per_km * km
                + vt.biaya_rp_per_jam * inst.round_trip_h(v0, d)
            )
            if arrive <= deadline and (best_ok is None or cost < best_ok[0]):
                best_ok = (cost, g)
            if best_any is None or arrive < best_any[0]:
                best_any = (arrive, g)
        out[d] = best_ok[1] if best_ok else (best_any[1] if best_any else None)
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
    inst: Instance, v0: int, pieces: list[Piece], deadlines_w: dict[int, float], start_w: float
) -> list[list[Piece]]:
    """Rule 3: Clarke-Wright savings over ``pieces`` for the group of vehicle ``v0``."""
    vt = inst.vehicles[v0].vt
    cap = inst.vehicles[v0].capacity
    h, _ = inst.mats[vt]
    b = int(inst.loc_vehicle[v0])
    loc = [int(inst.loc_dest[p.dest]) for p in pieces]
    n = len(pieces)
    route_of: dict[int, list[int]] = {i: [i] for i in range(n)}
    load = {i: pieces[i].boxes for i in range(n)}

    def ok(route: list[int]) -> bool:
        rp = [pieces[i] for i in route]
        arr = _arrivals(inst, v0, rp, start_w)
        if any(a > deadlines_w[p.dest] + 1e-9 for a, p in zip(arr, rp, strict=True)):
            return False
        return _moving(inst, v0, rp) <= vt.ketahanan_jam + 1e-9

    sav = []
    for i, j in itertools.permutations(range(n), 2):
        t_ij = 0.0 if loc[i] == loc[j] else float(h[loc[i], loc[j]])
        if math.isfinite(t_ij):
            sav.append((float(h[b, loc[i]] + h[loc[j], b]) - t_ij, i, j))
    sav.sort(key=lambda s: (-s[0], s[1], s[2]))
    for s, i, j in sav:
        if s < 0:
            break
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


def savings_plan(
    inst: Instance, pieces: list[Piece] | None = None
) -> tuple[list[list[list[Piece]]], dict[int, tuple[int, int] | None]]:
    """Rules 1-4 on one instance.

    Returns
    -------
    (list, dict)
        Per vehicle its trips (lists of :class:`Piece`), and the group chosen per destination
        (``None`` = no vehicle reaches it: its pieces are in no trip).
    """
    pieces = split_demand(inst) if pieces is None else pieces
    largest: dict[int, int] = {}
    for p in pieces:
        largest[p.dest] = max(largest.get(p.dest, 0), p.boxes)
    choice = choose_groups(inst, largest)
    groups = _groups(inst)
    plan: list[list[list[Piece]]] = [[] for _ in inst.vehicles]
    for g, vs in groups.items():
        mine = [p for p in pieces if choice.get(p.dest) == g]
        if not mine:
            continue
        v0 = vs[0]
        vt = inst.vehicles[v0].vt
        start_w = inst.clock(vt).to_work(inst.ready[v0])
        deadlines = {
            p.dest: deadline_work(inst, vt, inst.dests["tenggat"].iloc[p.dest]) for p in mine
        }
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
