"""The fleet-aware delivery planner on OR-Tools (vehicle routing with time windows).

One :class:`~kewaspadaan.network.schedule.Instance` (an origin, its destinations, its mixed
fleet) becomes one OR-Tools routing model:

- **nodes**: each vehicle base (the origin, or a hub such as a helipad) and each *piece* of a
  destination's boxes (:func:`~kewaspadaan.network.savings.split_demand`: split deliveries),
  copied once per operating-hours class of the vehicles that reach it;
- **vehicles**: every physical vehicle gets trip slots (repeat trips), chained so a trip
  starts only after the previous one is back (``End(t) <= Start(t + 1)`` on the time
  dimension) — the fleet size is a hard limit;
- **time**: minutes on each vehicle class's *working clock* (only its operating hours count,
  :class:`~kewaspadaan.network.modes.WorkClock`), per-type travel-time matrices, loading at
  the base, unloading once per stop; each piece should arrive by its deadline (soft bound with
  a penalty far above any cost) and may not arrive later than ``settings.plan_late_horizon_h``
  after it (hard bound);
- **capacity**: boxes per trip after the weight limit (boxes and kg); **endurance**: moving
  time per sortie at most the aircraft's ``ketahanan_jam``;
- **cost**: rupiah (per km, per moving or flight hour, per trip) — minimised after lateness;
  a piece no vehicle can bring within the late horizon is dropped at a still higher penalty
  (unmet demand).

The savings plan is loaded as the first solution; local search
(``settings.plan_local_search``, default greedy descent) then improves it. Determinism: the
search is stopped by ``settings.plan_solution_limit`` improving solutions (a count, not a
clock) so the same input gives the same plan; ``settings.plan_time_budget_s`` is a safety cap
— if it is what stops a search, that is logged, and the plan may then differ between runs
(still valid, never worse than the savings plan it started from).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan.network.savings import Piece, choose_groups, savings_plan, split_demand
from kewaspadaan.network.schedule import Instance

__all__ = ["VRPResult", "solve"]

logger = logging.getLogger(__name__)

_BIG = 10**7  # minutes: an arc that cannot be driven
_LATE_PER_BOX_MIN = 10_000  # thousand rupiah per box per minute late
_OFF_OPERATORS = (
    "use_relocate_pair",
    "use_light_relocate_pair",
    "use_relocate_subtrip",
    "use_exchange_subtrip",
    "use_exchange_pair",
    "use_relocate_expensive_chain",
    "use_tsp_opt",
    "use_lin_kernighan",
    "use_tsp_lns",
    "use_path_lns",
    "use_full_path_lns",
    "use_inactive_lns",
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_expensive_chain_lns",
    "use_local_cheapest_insertion_expensive_chain_lns",
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
    "use_node_pair_swap_active",
)


@dataclass
class VRPResult:
    """Outcome of :func:`solve` on one instance.

    Attributes
    ----------
    plan : list
        Per vehicle its trips (lists of :class:`~kewaspadaan.network.savings.Piece`).
    planner : str
        ``ortools`` or ``savings`` (OR-Tools found nothing, or was not asked).
    stats : dict
        ``pieces``, ``slots``, ``first_solution`` (``savings`` or ``ortools``),
        ``stopped_by`` (``solution_limit``/``local_optimum``/``time_limit``), ``objective``.
    """

    plan: list[list[list[Piece]]]
    planner: str
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Model:
    pieces: list[Piece]
    copies: list[tuple[int, tuple[float, float]]]  # (piece, class) of each copy node
    n_starts: int
    start_of_vehicle: list[int]
    slots: list[int]  # vehicle of each slot
    node_loc: np.ndarray
    capable: np.ndarray  # (pieces x vehicles)


def _slots(inst: Instance, pieces: list[Piece], seed: list[list[list[Piece]]]) -> list[int]:
    """Trip slots per vehicle: its savings trips plus a spare one (two for a vehicle the
    savings plan left idle if it can carry something), at most
    ``settings.plan_max_trips_per_vehicle`` (never fewer than its savings trips)."""
    useful: np.ndarray = (
        np.asarray(_capable(inst, pieces).any(axis=0)) if pieces else np.zeros(len(seed), bool)
    )
    out = []
    for i in range(len(inst.vehicles)):
        k = len(seed[i]) + 1 if seed[i] else (2 if useful[i] else 0)
        out.append(max(min(k, settings.plan_max_trips_per_vehicle), len(seed[i])))
    return out


def _capable(inst: Instance, pieces: list[Piece]) -> np.ndarray:
    """(pieces x vehicles): the vehicle reaches the piece's stop and can carry it."""
    caps = np.array([v.capacity for v in inst.vehicles], dtype=np.int64)
    dest = np.array([p.dest for p in pieces], dtype=np.int64)
    boxes = np.array([p.boxes for p in pieces], dtype=np.int64)
    return inst.reach[:, dest].T & (boxes[:, None] <= caps[None, :])


def _build(inst: Instance, pieces: list[Piece], k_per_vehicle: list[int]) -> _Model:
    # only the bases of vehicles with slots are nodes: a base no vehicle starts from would be
    # a stop every vehicle must visit
    with_slots = [v for v, k in enumerate(k_per_vehicle) if k > 0]
    bases = list(dict.fromkeys(int(inst.loc_vehicle[v]) for v in with_slots))
    start_of_vehicle = [bases.index(int(b)) if int(b) in bases else -1 for b in inst.loc_vehicle]
    capable = _capable(inst, pieces)
    cls_of = [v.vt.jam_operasi for v in inst.vehicles]
    copies: list[tuple[int, tuple[float, float]]] = []
    for pi in range(len(pieces)):
        classes = sorted({cls_of[v] for v in np.flatnonzero(capable[pi])})
        copies.extend((pi, c) for c in classes)
    slots = [i for i, k in enumerate(k_per_vehicle) for _ in range(k)]
    node_loc = np.array(
        [*bases, *[int(inst.loc_dest[pieces[pi].dest]) for pi, _ in copies]], dtype=np.int64
    )
    return _Model(pieces, copies, len(bases), start_of_vehicle, slots, node_loc, capable)


def _minutes(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), np.round(x * 60.0), _BIG).astype(np.int64)


def _type_matrices(inst: Instance, m: _Model, vt: Any) -> tuple[list, list, list]:
    """Transit (travel + service), cost and moving-only matrices of one type (N x N)."""
    h, k = inst.mats[vt]
    loc = m.node_loc
    hh = h[np.ix_(loc, loc)]
    kk = np.nan_to_num(k[np.ix_(loc, loc)])
    is_start = np.arange(len(loc)) < m.n_starts
    moved = loc[:, None] != loc[None, :]
    service = np.where(is_start, inst.load_h, 0.0)[:, None] + np.where(
        ~is_start[:, None] & moved, settings.unloading_time_h, 0.0
    )
    transit = _minutes(hh + service)
    ok = np.isfinite(hh)
    rp = vt.biaya_rp_per_km * kk + vt.biaya_rp_per_jam * np.where(ok, hh, 0.0)
    cost = np.where(ok, np.round(rp / 1000), _BIG).astype(np.int64)
    return transit.tolist(), cost.tolist(), _minutes(hh).tolist()


def _routes_from_seed(m: _Model, seed: list[list[list[Piece]]], inst: Instance) -> list[list[int]]:
    """The savings trips as OR-Tools routes (node indices per slot)."""
    copy_of: dict[tuple[int, tuple[float, float]], list[int]] = {}
    piece_ids: dict[Piece, list[int]] = {}
    for pi, p in enumerate(m.pieces):
        piece_ids.setdefault(p, []).append(pi)
    for ci, (pi, c) in enumerate(m.copies):
        copy_of.setdefault((pi, c), []).append(m.n_starts + ci)
    used: set[int] = set()
    routes: list[list[int]] = [[] for _ in m.slots]
    slot_iter: dict[int, list[int]] = {}
    for s, v in enumerate(m.slots):
        slot_iter.setdefault(v, []).append(s)
    for v, trips in enumerate(seed):
        cls = inst.vehicles[v].vt.jam_operasi
        for t, trip in enumerate(trips):
            s = slot_iter[v][t]
            for p in trip:
                pi = next(i for i in piece_ids[p] if i not in used)
                used.add(pi)
                routes[s].append(copy_of[(pi, cls)][0])
    return routes


def solve(
    inst: Instance,
    *,
    time_limit_s: float | None = None,
    solution_limit: int | None = None,
    local_search: str | None = None,
) -> VRPResult:
    """Plan one instance with OR-Tools, starting from the savings plan (see the module doc).

    Parameters
    ----------
    inst : Instance
        A prepared instance.
    time_limit_s : float, optional
        Safety cap in seconds (default: ``settings.plan_time_budget_s``).
    solution_limit : int, optional
        Improving solutions before stopping (default ``settings.plan_solution_limit``).
    local_search : str, optional
        ``greedy_descent`` (default ``settings.plan_local_search``), ``guided_local_search``,
        ``simulated_annealing`` or ``tabu_search``.

    Returns
    -------
    VRPResult
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    choice = choose_groups(inst)
    pieces = split_demand(inst, choice)
    seed, _ = savings_plan(inst, pieces, choice)
    if not pieces or not inst.vehicles:
        return VRPResult(seed, "savings", {"pieces": len(pieces), "slots": 0})
    m = _build(inst, pieces, _slots(inst, pieces, seed))
    if not m.copies:
        return VRPResult(seed, "savings", {"pieces": len(pieces), "slots": len(m.slots)})
    n = m.n_starts + len(m.copies)
    starts = [m.start_of_vehicle[v] for v in m.slots]
    man = pywrapcp.RoutingIndexManager(n, len(m.slots), starts, starts)
    rt = pywrapcp.RoutingModel(man)
    time_dim, flight = _dimensions(inst, m, man, rt)
    _nodes(inst, m, man, rt, time_dim)
    _chain(m, rt, time_dim)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    name = (local_search or settings.plan_local_search).upper()
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, name)
    for op in _OFF_OPERATORS:
        if hasattr(params.local_search_operators, op):
            setattr(params.local_search_operators, op, 2)  # BOOL_FALSE
    limit = settings.plan_solution_limit if solution_limit is None else solution_limit
    params.solution_limit = int(limit)
    budget = settings.plan_time_budget_s if time_limit_s is None else time_limit_s
    params.time_limit.FromMilliseconds(max(1, int(budget * 1000)))
    rt.CloseModelWithParameters(params)
    initial = rt.ReadAssignmentFromRoutes(_routes_from_seed(m, seed, inst), True)
    if initial is None:  # savings trips past the late horizon: seed without them
        initial = rt.ReadAssignmentFromRoutes(_routes_from_seed(m, _trim(inst, seed), inst), True)
    t0 = time.perf_counter()
    sol = (
        rt.SolveFromAssignmentWithParameters(initial, params)
        if initial is not None
        else rt.SolveWithParameters(params)
    )
    elapsed = time.perf_counter() - t0
    stats = {
        "pieces": len(pieces),
        "slots": len(m.slots),
        "first_solution": "savings" if initial is not None else "ortools",
        "status": int(rt.status()),
    }
    if sol is None:
        logger.warning("%s: OR-Tools found no plan; the savings plan is used", inst.name)
        return VRPResult(seed, "savings", stats)
    stats["objective"] = int(sol.ObjectiveValue())
    stats["stopped_by"] = "time_limit" if elapsed >= budget * 0.98 else "local_optimum_or_limit"
    if stats["stopped_by"] == "time_limit":
        logger.warning(
            "%s: the time budget (%.1f s) stopped the search: the plan may differ between "
            "runs (raise settings.plan_time_budget_s)",
            inst.name,
            budget,
        )
    del flight
    plan = _extract(inst, m, man, rt, sol)
    if _score(inst, seed) < _score(inst, plan):  # e.g. an aircraft leg the night pushed back
        stats["kept"] = "savings"
        return VRPResult(seed, "savings", stats)
    stats["kept"] = "ortools"
    return VRPResult(plan, "ortools", stats)


def _score(inst: Instance, plan: list[list[list[Piece]]]) -> tuple[int, int, float]:
    """(boxes not delivered within the late horizon, boxes late, cost in rupiah) of a plan,
    from the simulated schedule: the order in which two plans are compared."""
    from kewaspadaan.network.savings import to_solution
    from kewaspadaan.network.schedule import simulate

    trips, stops = simulate(inst, to_solution(plan))
    due = pd.DatetimeIndex(inst.dests["tenggat"])
    horizon = pd.Timedelta(hours=settings.plan_late_horizon_h)
    late = never_in = 0
    for st in stops:
        t = st["tiba"]
        if t > due[st["dest"]] + horizon:
            never_in += st["boxes"]
        elif t > due[st["dest"]]:
            late += st["boxes"]
    planned = sum(st["boxes"] for st in stops)
    never = int(inst.dests["kotak"].sum()) - planned + never_in
    return never, late, float(sum(t["biaya_rp"] for t in trips))


def _trim(inst: Instance, seed: list[list[list[Piece]]]) -> list[list[list[Piece]]]:
    """The savings trips without the pieces that arrive after the late horizon (the rest only
    get earlier, so the seed becomes feasible for the model's hard bounds)."""
    from kewaspadaan.network.savings import to_solution
    from kewaspadaan.network.schedule import simulate

    trips, _ = simulate(inst, to_solution(seed))
    due = pd.DatetimeIndex(inst.dests["tenggat"]) + pd.Timedelta(hours=settings.plan_late_horizon_h)
    out: list[list[list[Piece]]] = [[] for _ in seed]
    k = 0
    for v, vtrips in enumerate(seed):
        for trip in vtrips:
            late = {s["dest"] for s in trips[k]["stops"] if s["tiba"] > due[s["dest"]]}
            k += 1
            kept = [p for p in trip if p.dest not in late]
            if kept:
                out[v].append(kept)
    return out


def _dimensions(inst: Instance, m: _Model, man: Any, rt: Any) -> tuple[Any, Any]:
    types = list(dict.fromkeys(inst.vehicles[v].vt for v in m.slots))
    idx: dict[Any, tuple[int, int, int]] = {}
    for vt in types:
        transit, cost, moving = _type_matrices(inst, m, vt)
        idx[vt] = (
            rt.RegisterTransitMatrix(transit),
            rt.RegisterTransitMatrix(cost),
            rt.RegisterTransitMatrix(moving),
        )
    horizon = 0
    for s, v in enumerate(m.slots):
        vt = inst.vehicles[v].vt
        rt.SetArcCostEvaluatorOfVehicle(idx[vt][1], s)
        rt.SetFixedCostOfVehicle(round(vt.biaya_rp_per_trip / 1000), s)
    for vt in types:
        late = inst.deadlines_w(vt, settings.plan_late_horizon_h)
        horizon = max(horizon, int(np.nanmax(late) * 60) if len(late) else 0)
    horizon = int(horizon + 24 * 60)
    rt.AddDimensionWithVehicleTransits(
        [idx[inst.vehicles[v].vt][0] for v in m.slots], horizon, horizon, False, "time"
    )
    time_dim = rt.GetDimensionOrDie("time")
    for s, v in enumerate(m.slots):
        vt = inst.vehicles[v].vt
        ready = round(inst.clock(vt).to_work(inst.ready[v]) * 60)
        time_dim.CumulVar(rt.Start(s)).SetMin(ready)
    demand = [0] * m.n_starts + [m.pieces[pi].boxes for pi, _ in m.copies]
    d_idx = rt.RegisterUnaryTransitVector(demand)
    caps = [inst.vehicles[v].capacity for v in m.slots]
    rt.AddDimensionWithVehicleCapacity(d_idx, 0, caps, True, "kotak")
    flight = None
    endurance = [inst.vehicles[v].vt.ketahanan_jam for v in m.slots]
    if any(math.isfinite(e) for e in endurance):
        caps_min = [int(e * 60) if math.isfinite(e) else horizon for e in endurance]
        rt.AddDimensionWithVehicleTransitAndCapacity(
            [idx[inst.vehicles[v].vt][2] for v in m.slots], 0, caps_min, True, "sorti"
        )
        flight = rt.GetDimensionOrDie("sorti")
    return time_dim, flight


def _nodes(inst: Instance, m: _Model, man: Any, rt: Any, time_dim: Any) -> None:
    """Allowed vehicles, soft and hard deadlines and drop penalties of the piece copies."""
    by_piece: dict[int, list[int]] = {}
    slots_of: dict[int, list[int]] = {}
    for s, v in enumerate(m.slots):
        slots_of.setdefault(v, []).append(s)
    cls_of = [v.vt.jam_operasi for v in inst.vehicles]
    rep = {cls_of[v]: inst.vehicles[v].vt for v in range(len(inst.vehicles))}
    soft_w = {c: inst.deadlines_w(vt) for c, vt in rep.items()}
    hard_w = {c: inst.deadlines_w(vt, settings.plan_late_horizon_h) for c, vt in rep.items()}
    for ci, (pi, cls) in enumerate(m.copies):
        index = man.NodeToIndex(m.n_starts + ci)
        p = m.pieces[pi]
        allowed = [
            s
            for v in np.flatnonzero(m.capable[pi]).tolist()
            if cls_of[v] == cls
            for s in slots_of.get(v, ())
        ]
        rt.VehicleVar(index).SetValues([-1, *allowed])  # -1: unperformed
        soft = round(float(soft_w[cls][p.dest]) * 60)
        hard = round(float(hard_w[cls][p.dest]) * 60)
        time_dim.CumulVar(index).SetMax(max(hard, soft))
        time_dim.SetCumulVarSoftUpperBound(index, soft, _LATE_PER_BOX_MIN * p.boxes)
        by_piece.setdefault(pi, []).append(index)
    drop = _LATE_PER_BOX_MIN * int(settings.plan_late_horizon_h * 60 + 1) * 10
    for pi, indices in by_piece.items():
        rt.AddDisjunction(indices, drop * m.pieces[pi].boxes, 1)


def _chain(m: _Model, rt: Any, time_dim: Any) -> None:
    """Repeat trips: a vehicle's next trip starts after its previous one is back."""
    solver = rt.solver()
    prev: dict[int, int] = {}
    for s, v in enumerate(m.slots):
        if v in prev:
            solver.Add(time_dim.CumulVar(rt.End(prev[v])) <= time_dim.CumulVar(rt.Start(s)))
        prev[v] = s


def _extract(inst: Instance, m: _Model, man: Any, rt: Any, sol: Any) -> list[list[list[Piece]]]:
    plan: list[list[list[Piece]]] = [[] for _ in inst.vehicles]
    for s, v in enumerate(m.slots):
        index = rt.Start(s)
        trip = []
        index = sol.Value(rt.NextVar(index))
        while not rt.IsEnd(index):
            node = man.IndexToNode(index)
            trip.append(m.pieces[m.copies[node - m.n_starts][0]])
            index = sol.Value(rt.NextVar(index))
        if trip:
            plan[v].append(trip)
    return plan
