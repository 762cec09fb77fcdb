"""Delivery plan: which vehicle carries how many ballot boxes where and when, echelon by echelon.

Echelons (``settings.plan_echelons``):

- ``ppk`` — KPU kabupaten → PPK (kecamatan) → PPS (desa) → TPS, as KPU distributes:
  1. each kecamatan's PPK sits at its capital (the kecamatan's destination node); its own
     fleet (fleet rows with ``kode_kec``) serves the desa it can reach; a desa no PPK vehicle
     reaches (or every desa of a kecamatan without a PPK fleet) is served by the KPU
     kabupaten fleet directly;
  2. the KPU fleet carries each PPK its boxes by the PPK deadline (H-3 18:00), and the direct
     desa theirs by the desa deadline (H-1 18:00), from the depot or from hubs
     (``pangkalan``: e.g. a helicopter at a helipad, supplied from the depot by the fastest
     ground or river path plus ``settings.hub_handling_h``);
  3. a PPK starts when its last box has arrived plus ``settings.hub_handling_h``; boxes it
     never received are short at its desa farthest away;
  4. a desa's boxes reach its TPS ``settings.pps_to_tps_h`` after the desa (TPS deadline H
     06:00);
- ``langsung`` — the KPU kabupaten fleet delivers every desa itself;
- ``auto`` — ``ppk`` when the fleet lists PPK vehicles, else ``langsung``.

Each origin's problem is solved by :func:`kewaspadaan.network.vrp.solve` (OR-Tools, savings as
the first solution and the fallback) or, with ``planner="savings"``, by the savings heuristic
alone (the benchmark's peer); both are judged by the same simulated schedule.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.network.delivery import DeliveryPlan
from kewaspadaan.network.fleet import FLEET_COLUMNS, Vehicle, fleet_vehicles, validate_fleet
from kewaspadaan.network.graph import travel_time_matrix
from kewaspadaan.network.modes import WorkClock
from kewaspadaan.network.plan_tables import assemble
from kewaspadaan.network.routing import (
    default_departure,
    depot_table,
    destination_table,
    echelon_deadlines,
)
from kewaspadaan.network.savings import savings_plan, to_solution
from kewaspadaan.network.schedule import Instance, merge, set_start, simulate
from kewaspadaan.network.travel import mode_nodes, vehicle_network
from kewaspadaan.network.vrp import solve

__all__ = ["FLEET_COLUMNS", "DeliveryPlan", "plan_deliveries", "validate_fleet"]

logger = logging.getLogger(__name__)

_DEST_COLS = ["kode", "nama", "node", "kode_kec", "kotak", "tenggat", "peran"]


def _demand(dest: pd.DataFrame, demand: pd.Series | None, per_tps: int) -> pd.Series:
    if demand is not None:
        s = pd.Series(demand)
        s.index = s.index.astype(str)
        return s
    if "tps" not in dest:
        raise MissingColumnError(
            "plan_deliveries: destinations have no 'tps' and no demand= "
            "was given; pass the desa/kecamatan table with tps"
        )
    tps = pd.to_numeric(dest["tps"], errors="coerce")
    bad = dest.loc[tps.isna() | (tps < 0), "kode"].tolist()
    if bad:
        raise ValidationError(
            "destinations",
            [
                f"kode {k!r}: tps missing or negative; give every "
                "destination a TPS count or pass demand="
                for k in bad[:20]
            ],
        )
    return pd.Series(
        (tps * per_tps).round().astype(int).to_numpy(), index=dest["kode"].astype(str).to_numpy()
    )


def _echelon_mode(echelons: str | None, vehicles: list[Vehicle]) -> str:
    mode = settings.plan_echelons if echelons is None else echelons
    if mode == "auto":
        mode = "ppk" if any(v.kode_kec for v in vehicles) else "langsung"
    if mode not in ("ppk", "langsung"):
        raise ValueError(f"echelons must be 'ppk', 'langsung' or 'auto', not {mode!r}")
    return mode


def _depot_of(G: nx.MultiDiGraph, dep: pd.DataFrame, dest: pd.DataFrame) -> np.ndarray:
    """The depot node of each destination: its kabupaten's, else the fastest reachable."""
    by_kab = dep.dropna(subset=["kode_kab"]).drop_duplicates("kode_kab")
    own = (
        dest["kode_kab"]
        .astype(str)
        .map(dict(zip(by_kab["kode_kab"].astype(str), by_kab["node"], strict=True)))
    )
    out = own.to_numpy(dtype=object)
    missing = own.isna().to_numpy() & (dest["node"].to_numpy() >= 0)
    if missing.any():
        nodes = dest.loc[missing, "node"].tolist()
        t = travel_time_matrix(G, dep["node"], nodes).to_numpy()
        out[missing] = dep["node"].to_numpy()[np.argmin(t, axis=0)]
    out[pd.isna(out)] = dep["node"].iloc[0]
    return out


def _ready_at_base(
    G: nx.MultiDiGraph, origin: Any, v: Vehicle, start: pd.Timestamp
) -> pd.Timestamp | None:
    """When loads reach a vehicle's hub from ``origin`` (feeder by the fastest path, on the
    operating hours of its slowest mode, plus the hub handling); ``None`` if no path."""
    if v.base is None or v.base == origin:
        return start
    times, sp = travel_time_matrix(G, [origin], [v.base], return_predecessors=True)
    h = float(times.iloc[0, 0])
    if not np.isfinite(h):
        return None
    path_modes = {G.edges[e]["mode"] for e in sp.edges(origin, v.base)}
    window = min(
        (
            settings.operating_hours.get(m, (0.0, 24.0))
            for m in path_modes
            if m in settings.operating_hours
        ),
        key=lambda w: w[1] - w[0],
        default=(0.0, 24.0),
    )
    arrive = WorkClock(start, *window).to_clock(h)
    return arrive + pd.Timedelta(hours=settings.hub_handling_h)


_BASES: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _auto_base(G: nx.MultiDiGraph, origin: Any, v: Vehicle, cache: dict[Any, Any]) -> Vehicle:
    """A vehicle whose network does not touch the origin waits at the terminal of its mode
    reached first from the origin (a boat at the nearest river port, an aircraft at the
    nearest airstrip), within ``settings.hub_search_h`` on the fastest path; named terminals
    before bare line nodes. Farther away it cannot serve this origin."""
    if v.base is not None:
        return v
    net = vehicle_network(G, v.vt)
    if net.direct:
        return v
    i = net.table.index[origin]
    if net.matrix is not None and net.matrix.indptr[i + 1] > net.matrix.indptr[i]:
        return v
    key = (v.vt.moda, origin, settings.hub_search_h)
    if key in cache:
        return replace(v, base=cache[key][0], base_name=cache[key][1]) if cache[key] else v
    table = net.table
    mine = mode_nodes(table, v.vt.moda)
    times = travel_time_matrix(G, [origin]).to_numpy()[0]
    cache[key] = None
    named = mine & (table.node_cols["name"] != "") & np.isin(table.kind, ["port", "airstrip"])
    near = np.isfinite(times) & (times <= settings.hub_search_h)
    for mask in (named, mine):
        cand = np.flatnonzero(mask & near)
        if len(cand):
            j = int(cand[np.argmin(times[cand])])
            name = table.node_cols["name"][j] or f"simpul {table.nodes[j]}"
            logger.info(
                "%s vehicles of %s wait at %s (their network does not reach it)",
                v.vt.jenis,
                origin,
                name,
            )
            cache[key] = (table.nodes[j], str(name))
            return replace(v, base=table.nodes[j], base_name=str(name))
    return v


def _instance(
    G: nx.MultiDiGraph,
    name: str,
    echelon: str,
    origin: Any,
    depot: str,
    start: pd.Timestamp,
    dests: pd.DataFrame,
    vehicles: list[Vehicle],
) -> Instance:
    ready, usable = [], []
    cache = _BASES.setdefault(G, {})
    for v in vehicles:
        v = _auto_base(G, origin, v, cache)
        r = _ready_at_base(G, origin, v, start)
        if r is None:
            logger.warning("%s: %s has no path to its base %s: not used", name, v.name, v.base_name)
            continue
        ready.append(r)
        usable.append(v)
    inst = Instance(
        name, echelon, origin, depot, start, dests.reset_index(drop=True), usable, ready
    )
    return inst.prepare(G)


def _solve(inst: Instance, planner: str, budget_s: float, solution_limit: int | None) -> Any:
    if not inst.vehicles or inst.dests["kotak"].sum() == 0:
        return [[] for _ in inst.vehicles], {"nama": inst.name, "planner": "none"}
    if planner == "savings":
        plan, _ = savings_plan(inst)
        return to_solution(plan), {"nama": inst.name, "tingkat": inst.echelon, "planner": "savings"}
    res = solve(inst, time_limit_s=budget_s, solution_limit=solution_limit)
    return to_solution(res.plan), {
        "nama": inst.name,
        "tingkat": inst.echelon,
        "planner": res.planner,
        **res.stats,
    }


def plan_deliveries(
    G: nx.MultiDiGraph,
    fleet: pd.DataFrame,
    *,
    depots: pd.DataFrame | None = None,
    destinations: pd.DataFrame | None = None,
    demand: pd.Series | None = None,
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    unloading_time_h: float | None = None,
    kotak_per_tps: int | None = None,
    echelons: str | None = None,
    planner: str = "ortools",
    time_budget_s: float | None = None,
    solution_limit: int | None = None,
) -> DeliveryPlan:
    """Plan the trips of the fleet to deliver every destination's ballot boxes in time.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network.
    fleet : DataFrame
        The fleet table (:mod:`kewaspadaan.network.fleet`: ``kode_kab``, ``moda``, ``jenis``,
        ``jumlah``, ``kapasitas_kotak`` and optionally ``kode_kec``, ``pangkalan``,
        ``muatan_kg``).
    depots, destinations : DataFrame, optional
        As :func:`~kewaspadaan.network.routing.route_all` (default every depot, every desa).
    demand : Series, optional
        Boxes per destination ``kode``; default ``tps x kotak_per_tps`` of ``destinations``.
    departure : str or Timestamp, optional
        Departure from the depots (default H-5 06:00).
    deadline : str or Timestamp, optional
        Deadline at the desa (default H-1 18:00); the PPK deadline is
        ``settings.ppk_deadline_*`` (not later than this one).
    unloading_time_h : float, optional
        Hours per stop and per loading (``settings.unloading_time_h``).
    kotak_per_tps : int, optional
        Boxes per TPS (``settings.kotak_per_tps``).
    echelons : {"ppk", "langsung", "auto"}, optional
        See the module doc (default ``settings.plan_echelons``).
    planner : {"ortools", "savings"}, default "ortools"
        OR-Tools from the savings plan, or the savings heuristic alone.
    time_budget_s : float, optional
        Total solver time cap, shared in proportion to the boxes of each problem (default
        ``settings.plan_time_budget_s``).
    solution_limit : int, optional
        Improving solutions per problem (default ``settings.plan_solution_limit``).

    Returns
    -------
    DeliveryPlan
    """
    if planner not in ("ortools", "savings"):
        raise ValueError(f"planner must be 'ortools' or 'savings', not {planner!r}")
    old_unload = settings.unloading_time_h
    if unloading_time_h is not None:
        settings.unloading_time_h = float(unloading_time_h)
    try:
        return _plan(
            G,
            fleet,
            depots,
            destinations,
            demand,
            departure,
            deadline,
            kotak_per_tps,
            echelons,
            planner,
            time_budget_s,
            solution_limit,
        )
    finally:
        settings.unloading_time_h = old_unload


def _plan(
    G: nx.MultiDiGraph,
    fleet: pd.DataFrame,
    depots: pd.DataFrame | None,
    destinations: pd.DataFrame | None,
    demand: pd.Series | None,
    departure: Any,
    deadline: Any,
    kotak_per_tps: int | None,
    echelons: str | None,
    planner: str,
    time_budget_s: float | None,
    solution_limit: int | None,
) -> DeliveryPlan:
    vehicles = fleet_vehicles(fleet, G)
    dep = depot_table(G) if depots is None else depots.reset_index(drop=True)
    dest = destination_table(G) if destinations is None else destinations.reset_index(drop=True)
    per_tps = settings.kotak_per_tps if kotak_per_tps is None else kotak_per_tps
    want = _demand(dest, demand, per_tps)
    dest = dest.assign(kotak=dest["kode"].astype(str).map(want).fillna(0).astype(int))
    dest["depot_node"] = _depot_of(G, dep, dest)
    start = pd.Timestamp(departure) if departure is not None else default_departure()
    dead = echelon_deadlines(deadline)
    mode = _echelon_mode(echelons, vehicles)
    budget = settings.plan_time_budget_s if time_budget_s is None else time_budget_s
    # both echelons carry every box once: the budget is shared over boxes x echelons
    total = max(int(dest["kotak"].sum()), 1) * (2 if mode == "ppk" else 1)
    ctx = _Context(G, dep, dest, vehicles, start, dead, planner, budget, total, solution_limit)
    runs = _run_ppk(ctx) if mode == "ppk" else _run_direct(ctx)
    plan = assemble(runs, dest, want, dead, mode, G)
    s = plan.summary()
    logger.info(
        "delivery plan (%s, %s): %d trips, %d of %d boxes on time, %d late, %d not delivered; "
        "Rp %.0f, %.1f vehicle-hours, %d helicopter sorties",
        mode,
        planner,
        s["perjalanan"],
        s["tepat_waktu_kotak"],
        s["permintaan_kotak"],
        s["terlambat_kotak"],
        s["tidak_terkirim_kotak"],
        s["biaya_rp"],
        s["jam_kendaraan"],
        s["sorti_helikopter"],
    )
    return plan


class _Context:
    def __init__(
        self,
        G: nx.MultiDiGraph,
        dep: pd.DataFrame,
        dest: pd.DataFrame,
        vehicles: list[Vehicle],
        start: pd.Timestamp,
        dead: Mapping[str, pd.Timestamp],
        planner: str,
        budget: float,
        total: int,
        solution_limit: int | None,
    ) -> None:
        self.G, self.dep, self.dest, self.vehicles = G, dep, dest, vehicles
        self.start, self.dead, self.planner = start, dead, planner
        self.budget, self.total, self.solution_limit = budget, total, solution_limit
        self.names = dict(zip(dep["node"], dep["nama"], strict=True))
        self._rows: pd.DataFrame | None = None
        self.kab = dict(zip(dep["node"], dep["kode_kab"].astype(str), strict=True))

    def run(self, inst: Instance, parts: list[Instance] | None = None) -> dict[str, Any]:
        """Solve ``inst`` (or each of its independent ``parts``: smaller models search much
        faster) and simulate the plan on ``inst``."""
        sol: list[list[list[tuple[int, int]]]] = []
        stats = []
        offset = 0  # destination rows of the parts are side by side in ``inst``
        for part in parts or [inst]:
            share = self.budget * float(part.dests["kotak"].sum()) / self.total
            cap = max(settings.plan_min_budget_s, share)
            part_sol, st = _solve(part, self.planner, cap, self.solution_limit)
            sol.extend([[[(d + offset, q) for d, q in trip] for trip in v] for v in part_sol])
            stats.append(st)
            offset += len(part.dests)
        trips, stops = simulate(inst, sol)
        return {"inst": inst, "trips": trips, "stops": stops, "stats": stats}

    def rows(self) -> pd.DataFrame:
        """Destinations with boxes and a node, as instance rows (deadline: the desa's)."""
        if self._rows is None:
            d = self.dest[(self.dest["kotak"] > 0) & (self.dest["node"] >= 0)]
            self._rows = pd.DataFrame(
                {
                    "kode": d["kode"].astype(str).to_numpy(),
                    "nama": d["nama"].to_numpy(),
                    "node": d["node"].to_numpy(),
                    "kode_kec": d["kode_kec"].astype(str).to_numpy(),
                    "kotak": d["kotak"].to_numpy(),
                    "tenggat": self.dead["pps"],
                    "peran": "desa",
                    "depot_node": d["depot_node"].to_numpy(),
                }
            )
        return self._rows

    def kpu_fleet(self, depot: Any) -> list[Vehicle]:
        kab = self.kab[depot]
        return [v for v in self.vehicles if not v.kode_kec and v.kode_kab == kab]


def _run_direct(ctx: _Context) -> list[dict[str, Any]]:
    runs = []
    for depot in ctx.dep["node"]:
        rows = ctx.rows()
        mine = rows.loc[rows["depot_node"] == depot, _DEST_COLS]
        if mine.empty:
            continue
        inst = _instance(
            ctx.G,
            f"KPU {ctx.kab[depot]}",
            "langsung",
            depot,
            ctx.names[depot],
            ctx.start,
            mine,
            ctx.kpu_fleet(depot),
        )
        runs.append(ctx.run(inst))
    return runs


def _run_ppk(ctx: _Context) -> list[dict[str, Any]]:
    """Rules 1-3 of the module doc."""
    kec = destination_table(ctx.G, "kecamatan").set_index("kode")
    ppk: dict[str, Instance] = {}
    direct: list[pd.DataFrame] = []
    by_kec: dict[str, list[Vehicle]] = {}
    for v in ctx.vehicles:
        if v.kode_kec:
            by_kec.setdefault(v.kode_kec, []).append(v)
    for k, group in ctx.rows().groupby("kode_kec", sort=True):
        rows = group[_DEST_COLS]
        depot = group["depot_node"].iloc[0]
        fleet = by_kec.get(str(k), [])
        if not fleet or str(k) not in kec.index or int(kec.loc[str(k), "node"]) < 0:
            direct.append(rows)
            continue
        hub = int(kec.loc[str(k), "node"])
        inst = _instance(ctx.G, f"PPK {k}", "pps", hub, ctx.names[depot], ctx.start, rows, fleet)
        reach = inst.reach.any(axis=0)
        if (~reach).any():
            direct.append(rows.iloc[np.flatnonzero(~reach)])
            inst = _instance(
                ctx.G,
                f"PPK {k}",
                "pps",
                hub,
                ctx.names[depot],
                ctx.start,
                rows.iloc[np.flatnonzero(reach)],
                fleet,
            )
        if len(inst.dests):
            ppk[str(k)] = inst
    runs: list[dict[str, Any]] = []
    arrivals: dict[str, list[tuple[int, pd.Timestamp]]] = {}
    direct_all = pd.concat(direct) if direct else ctx.rows().iloc[0:0][_DEST_COLS]
    kec_depot = ctx.dest.drop_duplicates("kode_kec").set_index("kode_kec")["depot_node"].to_dict()
    dest_depot = dict(zip(ctx.dest["kode"], ctx.dest["depot_node"], strict=True))
    for depot in ctx.dep["node"]:
        hubs = [
            {
                "kode": k,
                "nama": f"PPK {kec.loc[k, 'nama'] if k in kec.index else k}",
                "node": inst.origin,
                "kode_kec": k,
                "kotak": int(inst.dests["kotak"].sum()),
                "tenggat": ctx.dead["ppk"],
                "peran": "ppk",
            }
            for k, inst in ppk.items()
            if kec_depot.get(k) == depot
        ]
        own_direct = direct_all[direct_all["kode"].map(dest_depot) == depot]
        stage1 = pd.concat([pd.DataFrame(hubs, columns=_DEST_COLS), own_direct], ignore_index=True)
        if stage1.empty:
            continue
        inst = _instance(
            ctx.G,
            f"KPU {ctx.kab[depot]}",
            "ppk",
            depot,
            ctx.names[depot],
            ctx.start,
            stage1,
            ctx.kpu_fleet(depot),
        )
        run = ctx.run(inst)
        runs.append(run)
        for s in run["stops"]:
            code = str(inst.dests["kode"].iloc[s["dest"]])
            arrivals.setdefault(code, []).append((s["boxes"], s["tiba"]))
    by_kab: dict[Any, list[Instance]] = {}
    for k, inst in ppk.items():
        part = _stage2(ctx, inst, arrivals.get(k, []))
        if part is not None:
            by_kab.setdefault(kec_depot.get(k), []).append(part)
    for depot, parts in by_kab.items():  # one model per kabupaten: its PPK side by side
        runs.append(ctx.run(merge(parts, f"PPK {ctx.kab.get(depot, depot)}"), parts))
    return runs


def _stage2(ctx: _Context, inst: Instance, got: list[tuple[int, pd.Timestamp]]) -> Instance:
    """Rule 3: a PPK's instance from when its boxes are in (short boxes at the far desa; no
    boxes at all: nothing to deliver)."""
    received = sum(q for q, _ in got)
    need = int(inst.dests["kotak"].sum())
    kotak = inst.dests["kotak"].to_numpy().copy()
    if received == 0:
        inst.dests = inst.dests.assign(kotak=0)
        return inst
    ready = max(t for _, t in got) + pd.Timedelta(hours=settings.hub_handling_h)
    inst.ready = [ready + (r - inst.start) for r in inst.ready]
    set_start(inst, ready)
    short = need - received
    if short > 0:
        h = np.nanmin([inst.mats[v.vt][0][0, inst.loc_dest] for v in inst.vehicles], axis=0)
        for d in np.argsort(-np.nan_to_num(h, posinf=1e9), kind="stable"):
            cut = min(short, int(kotak[d]))
            kotak[d] -= cut
            short -= cut
            if short == 0:
                break
    inst.dests = inst.dests.assign(kotak=kotak)
    return inst
