"""Delivery plan: which vehicle carries how many ballot boxes to which destination, when.

The heuristic (documented, deterministic; OR-Tools is not required):

1. Choose the cheapest mode that works: each destination is routed from its depot
   (:func:`~kewaspadaan.network.routing.route_all`) on the road network only, then with rivers,
   then with sea lanes, then with flights; the first of these whose fastest route arrives by
   the deadline *and* whose vehicle the depot has is used (failing that, the fastest route
   with an available vehicle, failing that the fastest route). The vehicle mode is the
   "hardest" mode on that path (air > sea > river > road): a load flown to Mahakam Ulu needs
   an aircraft, the road feeder leg to the airport is not the binding constraint.
   Unreachable destinations and depots without a vehicle of that mode go to ``unmet`` with
   the reason.
2. Loads larger than the biggest vehicle of the mode are split into full direct trips.
3. The rest are grouped into multi-stop trips by Clarke-Wright savings on the network travel
   times (stop-to-stop times from the same multimodal graph), never above the capacity of the
   biggest vehicle, merging only when every stop still arrives by the deadline.
4. Trips, most urgent first (least slack), go to the vehicle that is free earliest among those
   big enough (smallest such vehicle on ties); a vehicle starts its next trip when it is back.
   Each stop costs ``settings.unloading_time_h``, the depot the same for loading.
5. Stops arriving after the deadline stay in the plan (``terlambat=True``) and their boxes are
   reported in ``unmet`` with the reason; so for every destination
   ``demand = boxes delivered on time + unmet``.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.network.routing import (
    default_deadline,
    default_departure,
    depot_table,
    destination_table,
    route_all,
    travel_time_matrix,
)

__all__ = ["DeliveryPlan", "plan_deliveries", "validate_fleet"]

logger = logging.getLogger(__name__)

_MODE_PRIORITY = ("air", "sea", "river", "road")
FLEET_COLUMNS = ("kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak")


@dataclass
class DeliveryPlan:
    """Result of :func:`plan_deliveries`.

    Attributes
    ----------
    trips : DataFrame
        One row per trip: ``trip_id``, ``depot``, ``moda``, ``jenis``, ``kendaraan``,
        ``kapasitas_kotak``, ``muatan_kotak``, ``jumlah_tujuan``, ``berangkat``, ``kembali``.
    stops : DataFrame
        One row per stop: ``trip_id``, ``urutan``, ``tujuan_kode``, ``tujuan_nama``,
        ``muatan_kotak``, ``tiba``, ``tenggat``, ``terlambat``.
    unmet : DataFrame
        Boxes not delivered by the deadline: ``tujuan_kode``, ``tujuan_nama``, ``depot``,
        ``moda``, ``permintaan_kotak``, ``kurang_kotak``, ``alasan``.
    demand : Series
        Boxes wanted per destination code.
    """

    trips: pd.DataFrame
    stops: pd.DataFrame
    unmet: pd.DataFrame
    demand: pd.Series = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Stops joined with their trip (one row per stop), the delivery table written to CSV."""
        cols = [
            "trip_id",
            "depot",
            "moda",
            "jenis",
            "kendaraan",
            "kapasitas_kotak",
            "berangkat",
            "kembali",
        ]
        return self.stops.merge(self.trips[cols], on="trip_id", how="left")[
            [
                "trip_id",
                "depot",
                "kendaraan",
                "moda",
                "jenis",
                "kapasitas_kotak",
                "berangkat",
                "urutan",
                "tujuan_kode",
                "tujuan_nama",
                "muatan_kotak",
                "tiba",
                "tenggat",
                "terlambat",
                "kembali",
            ]
        ]

    def summary(self) -> dict[str, Any]:
        """Totals: trips, boxes wanted, delivered on time, late, unmet."""
        on_time = float(self.stops.loc[~self.stops["terlambat"], "muatan_kotak"].sum())
        return {
            "perjalanan": len(self.trips),
            "permintaan_kotak": float(self.demand.sum()),
            "tepat_waktu_kotak": on_time,
            "terlambat_kotak": float(self.stops.loc[self.stops["terlambat"], "muatan_kotak"].sum()),
            "kurang_kotak": float(self.unmet["kurang_kotak"].sum()),
            "tujuan_tidak_terpenuhi": int(self.unmet["tujuan_kode"].nunique()),
        }


def validate_fleet(fleet: pd.DataFrame, *, source: str = "armada.csv") -> pd.DataFrame:
    """Check the fleet table; return it with clean types (every problem listed at once)."""
    missing = [c for c in FLEET_COLUMNS if c not in fleet]
    if missing:
        raise MissingColumnError(
            f"{source}: column(s) {missing} missing; the fleet needs "
            f"{list(FLEET_COLUMNS)} (one row per depot and vehicle type)"
        )
    f = pd.DataFrame(fleet).copy()
    f["kode_kab"] = f["kode_kab"].astype(str)
    problems = []
    for i, r in enumerate(f.itertuples(index=False)):
        if r.moda not in _MODE_PRIORITY:
            problems.append(f"row {i + 1}: moda {r.moda!r} is not one of {list(_MODE_PRIORITY)}")
        for col in ("jumlah", "kapasitas_kotak"):
            val = pd.to_numeric(pd.Series([getattr(r, col)]), errors="coerce").iloc[0]
            if pd.isna(val) or val < (1 if col == "kapasitas_kotak" else 0) or val != int(val):
                problems.append(
                    f"row {i + 1}: {col}={getattr(r, col)!r} must be a whole number "
                    f"{'>= 1' if col == 'kapasitas_kotak' else '>= 0'}"
                )
    if problems:
        raise ValidationError(source, problems)
    return f.astype({"jumlah": np.int64, "kapasitas_kotak": np.int64})


def _vehicle_mode(moda: str) -> str | None:
    parts = set(moda.split("+")) if moda else set()
    return next((m for m in _MODE_PRIORITY if m in parts), "road" if moda == "akses" else None)


def _savings_trips(
    loads: dict[int, int], t: np.ndarray, cap: int, arrive_ok: Any
) -> list[list[int]]:
    """Clarke-Wright (parallel) savings; stops are indices 1..n of ``t`` (0 is the depot)."""
    route_of = {i: [i] for i in loads}
    load = {i: loads[i] for i in loads}
    stops = sorted(loads)
    sav = [
        (t[0, i] + t[j, 0] - t[i, j], i, j)
        for i, j in itertools.permutations(stops, 2)
        if np.isfinite(t[i, j])
    ]
    sav.sort(key=lambda s: (-s[0], s[1], s[2]))
    for s, i, j in sav:
        if s <= 0:
            break
        ri, rj = route_of[i], route_of[j]
        if ri is rj or ri[-1] != i or rj[0] != j or load[ri[0]] + load[rj[0]] > cap:
            continue
        merged = ri + rj
        if not arrive_ok(merged):
            continue
        total = load[ri[0]] + load[rj[0]]
        for k in merged:
            route_of[k] = merged
        load[merged[0]] = total
    seen, out = set(), []
    for i in stops:
        r = route_of[i]
        if id(r) not in seen:
            seen.add(id(r))
            out.append(r)
    return out


def _arrivals(route: list[int], t: np.ndarray, start_h: float, unload_h: float) -> list[float]:
    """Hours after departure of each stop's arrival (loading at the depot first)."""
    out, now, prev = [], start_h + unload_h, 0
    for k in route:
        now += t[prev, k]
        out.append(now)
        now += unload_h
        prev = k
    return out


def _group_plan(
    G: nx.MultiDiGraph,
    group: pd.DataFrame,
    vehicles: pd.DataFrame,
    depot_node: Any,
    deadline_h: float,
    unload_h: float,
) -> list[dict[str, Any]]:
    """Trips of one depot and mode; returns trip dicts with stops (no times of day yet)."""
    cap_max = int(vehicles["kapasitas_kotak"].max())
    nodes = [depot_node, *group["tujuan_node"].tolist()]
    t = (
        travel_time_matrix(G, list(dict.fromkeys(nodes)), list(dict.fromkeys(nodes)))
        .reindex(index=nodes, columns=nodes)
        .to_numpy()
    )
    trips: list[list[tuple[int, int]]] = []
    loads: dict[int, int] = {}
    for k, d in enumerate(group["permintaan_kotak"].astype(int).tolist(), start=1):
        while d >= cap_max:
            trips.append([(k, cap_max)])
            d -= cap_max
        if d > 0:
            loads[k] = d

    def ok(route: list[int]) -> bool:
        return bool(_arrivals(route, t, 0.0, unload_h)[-1] <= deadline_h)

    for r in _savings_trips(loads, t, cap_max, ok):
        # savings fix the sequence, not its direction: visit so that stops wait least in total
        if sum(_arrivals(r[::-1], t, 0.0, unload_h)) < sum(_arrivals(r, t, 0.0, unload_h)) and (
            ok(r[::-1]) or not ok(r)
        ):
            r = r[::-1]
        trips.append([(k, loads[k]) for k in r])
    fleet = []
    for v in vehicles.sort_values(["kapasitas_kotak", "jenis"]).itertuples(index=False):
        for n in range(int(v.jumlah)):
            fleet.append(
                {
                    "jenis": v.jenis,
                    "cap": int(v.kapasitas_kotak),
                    "free": 0.0,
                    "name": f"{v.kode_kab}/{v.moda}/{v.jenis}#{n + 1}",
                }
            )
    slack = [deadline_h - _arrivals([k for k, _ in tr], t, 0.0, unload_h)[-1] for tr in trips]
    order = sorted(range(len(trips)), key=lambda i: (slack[i], trips[i][0][0]))
    out = []
    for i in order:
        tr = trips[i]
        load = sum(q for _, q in tr)
        fit = [v for v in fleet if v["cap"] >= load]
        veh = min(fit, key=lambda v: (v["free"], v["cap"], v["name"]))
        route = [k for k, _ in tr]
        arr = _arrivals(route, t, veh["free"], unload_h)
        back = arr[-1] + unload_h + t[route[-1], 0]
        out.append(
            {
                "vehicle": veh,
                "start": veh["free"],
                "back": back,
                "load": load,
                "stops": [(group.iloc[k - 1], q, a) for (k, q), a in zip(tr, arr, strict=True)],
            }
        )
        veh["free"] = back if np.isfinite(back) else veh["free"] + arr[-1] * 2
    return out


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
) -> DeliveryPlan:
    """Plan trips of the depots' vehicles to deliver ballot boxes before the deadline.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network.
    fleet : DataFrame
        ``kode_kab``, ``moda`` (road/river/sea/air), ``jenis``, ``jumlah`` (count) and
        ``kapasitas_kotak`` (boxes per vehicle), per depot (``armada.csv``).
    depots, destinations : DataFrame, optional
        As :func:`~kewaspadaan.network.routing.route_all` (default every depot, every desa).
    demand : Series, optional
        Boxes per destination ``kode``; default ``tps x kotak_per_tps`` of ``destinations``.
    departure, deadline : str or Timestamp, optional
        Departure from the depots and delivery deadline (default H-5 06:00 and H-1 18:00).
    unloading_time_h : float, optional
        Hours per stop (``settings.unloading_time_h``).
    kotak_per_tps : int, optional
        Boxes per TPS (``settings.kotak_per_tps``).

    Returns
    -------
    DeliveryPlan
        Trips and stops (no vehicle above its capacity) and the ``unmet`` table with reasons.
    """
    fleet = validate_fleet(fleet)
    depots = depot_table(G) if depots is None else depots
    dest = destination_table(G) if destinations is None else destinations.reset_index(drop=True)
    dep_t = pd.Timestamp(departure) if departure is not None else default_departure()
    dead_t = pd.Timestamp(deadline) if deadline is not None else default_deadline()
    unload = settings.unloading_time_h if unloading_time_h is None else unloading_time_h
    want = _demand(dest, demand, settings.kotak_per_tps if kotak_per_tps is None else kotak_per_tps)
    dep_kab = dict(zip(depots["node"], depots["kode_kab"].astype(str), strict=True))
    graphs, routes = _choose_tiers(G, depots, dest, fleet, dep_kab, dep_t, dead_t)
    routes["permintaan_kotak"] = routes["tujuan_kode"].map(want).fillna(0).astype(int)
    deadline_h = (dead_t - dep_t).total_seconds() / 3600
    unmet: list[dict[str, Any]] = []
    trips: list[dict[str, Any]] = []
    todo = routes[routes["permintaan_kotak"] > 0]
    for row in todo[~todo["terjangkau"]].itertuples(index=False):
        unmet.append(_unmet(row, row.permintaan_kotak, "tidak terjangkau dari depot"))
    todo = todo[todo["terjangkau"]]
    for (dnode, mode, tier), group in todo.groupby(
        ["depot_node", "moda_kendaraan", "tier"], sort=True
    ):
        veh = fleet[
            (fleet["kode_kab"] == dep_kab.get(dnode))
            & (fleet["moda"] == mode)
            & (fleet["jumlah"] > 0)
        ]
        if veh.empty:
            for row in group.itertuples(index=False):
                unmet.append(
                    _unmet(
                        row,
                        row.permintaan_kotak,
                        f"depot {row.depot} tidak punya "
                        f"armada moda {mode} (armada.csv kode_kab "
                        f"{dep_kab.get(dnode)})",
                    )
                )
            continue
        for tr in _group_plan(
            graphs[tier], group.sort_values("tujuan_kode"), veh, dnode, deadline_h, unload
        ):
            tr.update(mode=mode)
            trips.append(tr)
    return _assemble(trips, unmet, want, dep_t, dead_t)


_TIERS: tuple[tuple[str, ...], ...] = (
    ("road",),
    ("road", "river"),
    ("road", "river", "sea"),
    ("road", "river", "sea", "air"),
)


def _choose_tiers(
    G: nx.MultiDiGraph,
    depots: pd.DataFrame,
    dest: pd.DataFrame,
    fleet: pd.DataFrame,
    dep_kab: dict[Any, str],
    dep_t: pd.Timestamp,
    dead_t: pd.Timestamp,
) -> tuple[list[nx.MultiDiGraph], pd.DataFrame]:
    """Route on each mode tier; pick per destination the cheapest tier that works."""
    from kewaspadaan.network.disruption import close_edges

    have = {
        (k, m)
        for k, m, n in zip(fleet["kode_kab"], fleet["moda"], fleet["jumlah"], strict=True)
        if n > 0
    }
    graphs, tables = [], []
    for tier in _TIERS:
        off = [m for m in _MODE_PRIORITY if m not in tier]
        Gt = close_edges(G, modes=off) if off else G
        r = pd.DataFrame(route_all(Gt, depots, dest, departure=dep_t, deadline=dead_t))
        r["moda_kendaraan"] = r["moda"].map(_vehicle_mode)
        r["_fleet"] = [
            (dep_kab.get(d), m) in have
            for d, m in zip(r["depot_node"], r["moda_kendaraan"], strict=True)
        ]
        graphs.append(Gt)
        tables.append(r)
    choice = np.full(len(dest), len(_TIERS) - 1)
    for i in range(len(dest)):
        rows = [t.iloc[i] for t in tables]
        good = [
            k for k, r in enumerate(rows) if r["terjangkau"] and not r["terlambat"] and r["_fleet"]
        ]
        usable = [k for k, r in enumerate(rows) if r["terjangkau"] and r["_fleet"]]
        if good:
            choice[i] = good[0]
        elif usable:
            choice[i] = min(usable, key=lambda k: (rows[k]["waktu_tempuh_h"], k))
    out = pd.concat([tables[k].iloc[[i]] for i, k in enumerate(choice)], ignore_index=True)
    out["tier"] = choice
    logger.info(
        "vehicle modes chosen: %s",
        out.loc[out["terjangkau"], "moda_kendaraan"].value_counts().to_dict(),
    )
    return graphs, out.drop(columns="_fleet")


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


def _unmet(row: Any, boxes: int, reason: str) -> dict[str, Any]:
    return {
        "tujuan_kode": row.tujuan_kode,
        "tujuan_nama": row.tujuan_nama,
        "depot": row.depot,
        "moda": row.moda_kendaraan,
        "permintaan_kotak": int(row.permintaan_kotak),
        "kurang_kotak": int(boxes),
        "alasan": reason,
    }


def _assemble(
    trips: list[dict[str, Any]],
    unmet: list[dict[str, Any]],
    want: pd.Series,
    dep_t: pd.Timestamp,
    dead_t: pd.Timestamp,
) -> DeliveryPlan:
    trip_rows, stop_rows = [], []
    late: dict[str, dict[str, Any]] = {}
    for n, tr in enumerate(trips, start=1):
        tid = f"T{n:04d}"
        veh = tr["vehicle"]
        first = tr["stops"][0][0]
        trip_rows.append(
            {
                "trip_id": tid,
                "depot": first.depot,
                "moda": tr["mode"],
                "jenis": veh["jenis"],
                "kendaraan": veh["name"],
                "kapasitas_kotak": veh["cap"],
                "muatan_kotak": tr["load"],
                "jumlah_tujuan": len(tr["stops"]),
                "berangkat": (dep_t + pd.to_timedelta(tr["start"], unit="h")).round("s"),
                "kembali": (dep_t + pd.to_timedelta(tr["back"], unit="h")).round("s"),
            }
        )
        for k, (row, q, arr_h) in enumerate(tr["stops"], start=1):
            tiba = (dep_t + pd.to_timedelta(arr_h, unit="h")).round("s")
            is_late = bool(tiba > dead_t)
            stop_rows.append(
                {
                    "trip_id": tid,
                    "urutan": k,
                    "tujuan_kode": row.tujuan_kode,
                    "tujuan_nama": row.tujuan_nama,
                    "muatan_kotak": int(q),
                    "tiba": tiba,
                    "tenggat": dead_t,
                    "terlambat": is_late,
                }
            )
            if is_late:
                why = (
                    "armada tidak cukup: kendaraan berangkat ulang setelah perjalanan sebelumnya"
                    if tr["start"] > 0
                    else "waktu tempuh melebihi tenggat"
                )
                rec = late.setdefault(
                    row.tujuan_kode, _unmet(row, 0, f"tiba {tiba} setelah tenggat ({why})")
                )
                rec["kurang_kotak"] += int(q)
    unmet.extend(late.values())
    trip_cols = [
        "trip_id",
        "depot",
        "moda",
        "jenis",
        "kendaraan",
        "kapasitas_kotak",
        "muatan_kotak",
        "jumlah_tujuan",
        "berangkat",
        "kembali",
    ]
    stop_cols = [
        "trip_id",
        "urutan",
        "tujuan_kode",
        "tujuan_nama",
        "muatan_kotak",
        "tiba",
        "tenggat",
        "terlambat",
    ]
    unmet_cols = [
        "tujuan_kode",
        "tujuan_nama",
        "depot",
        "moda",
        "permintaan_kotak",
        "kurang_kotak",
        "alasan",
    ]
    plan = DeliveryPlan(
        pd.DataFrame(trip_rows, columns=trip_cols),
        pd.DataFrame(stop_rows, columns=stop_cols).astype({"terlambat": bool}),
        pd.DataFrame(unmet, columns=unmet_cols).sort_values("tujuan_kode").reset_index(drop=True),
        want,
    )
    s = plan.summary()
    logger.info(
        "delivery plan: %d trips, %.0f of %.0f boxes on time, %.0f unmet (%d destinations)",
        s["perjalanan"],
        s["tepat_waktu_kotak"],
        s["permintaan_kotak"],
        s["kurang_kotak"],
        s["tujuan_tidak_terpenuhi"],
    )
    return plan
