"""One delivery sub-problem (an origin, its destinations and vehicles) and the clock.

:class:`Instance` is what both planners (:mod:`~kewaspadaan.network.savings` and
:mod:`~kewaspadaan.network.vrp`) solve: an origin (a KPU depot or a PPK), destinations with
boxes and a deadline each, the vehicles that serve them (starting from the origin or from a
hub), and per vehicle type the matrices of moving hours and km between its locations.

A solution is, per vehicle, a list of trips; a trip is a list of ``(destination, boxes)``.
:func:`simulate` is the single judge of both planners: it runs every vehicle's trips on its
working clock (:class:`~kewaspadaan.network.modes.WorkClock`: loading at the start of each
trip, unloading once per stop, night stops for road and river vehicles, aircraft legs only
inside the daylight window) and returns the trips and stops with their times, km, hours and
cost in rupiah. Lateness is read from these times, never from a fastest route.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan.network.fleet import Vehicle
from kewaspadaan.network.modes import VehicleType, WorkClock
from kewaspadaan.network.travel import travel_matrices

__all__ = ["Instance", "Solution", "simulate"]

#: A solution: per vehicle (index into ``Instance.vehicles``) its trips in order; a trip is a
#: list of ``(destination row, boxes)``.
Solution = list[list[list[tuple[int, int]]]]


@dataclass
class Instance:
    """One origin, its destinations and vehicles (see the module doc).

    Attributes
    ----------
    name : str
        Label, e.g. ``"KPU 99.01"`` or ``"PPK 99.01.03"``.
    echelon : str
        ``ppk`` (KPU → PPK), ``pps`` (PPK → desa) or ``langsung`` (KPU → desa).
    origin : Any
        Origin node.
    depot : str
        Name written in the ``depot`` column of the outputs.
    start : Timestamp
        When the loads are ready at the origin.
    dests : DataFrame
        ``kode``, ``nama``, ``node``, ``kode_kec``, ``kotak`` (int) and ``tenggat``.
    vehicles : list of Vehicle
        The vehicles serving them.
    ready : list of Timestamp
        When each vehicle's loads are ready at its base (origin: ``start``; a hub: after the
        feeder and the hub handling).
    """

    name: str
    echelon: str
    origin: Any
    depot: str
    start: pd.Timestamp
    dests: pd.DataFrame
    vehicles: list[Vehicle]
    ready: list[pd.Timestamp]
    locs: list[Any] = field(default_factory=list)
    loc_dest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    loc_vehicle: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_origins: int = 1
    mats: dict[VehicleType, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    reach: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    _clocks: dict[Any, WorkClock] = field(default_factory=dict, repr=False)
    _deadlines: dict[Any, np.ndarray] = field(default_factory=dict, repr=False)

    def prepare(self, G: nx.MultiDiGraph) -> Instance:
        """Compute the locations and each vehicle type's matrices; return ``self``."""
        bases = [v.base if v.base is not None else self.origin for v in self.vehicles]
        origins = list(dict.fromkeys([self.origin, *bases]))
        dest_nodes = [n for n in self.dests["node"].tolist() if n not in origins]
        self.locs = [*origins, *dict.fromkeys(dest_nodes)]
        pos = {n: i for i, n in enumerate(self.locs)}
        self.n_origins = len(origins)
        self.loc_dest = np.array([pos[n] for n in self.dests["node"]], dtype=np.int64)
        self.loc_vehicle = np.array([pos[b] for b in bases], dtype=np.int64)
        for vt in dict.fromkeys(v.vt for v in self.vehicles):
            self.mats[vt] = travel_matrices(G, vt, self.locs, origins=self.n_origins)
        self._reach_matrix()
        return self

    def _reach_matrix(self) -> None:
        """Whether each vehicle delivers each destination and is back within its endurance."""
        self.reach = np.zeros((len(self.vehicles), len(self.dests)), dtype=bool)
        for i, v in enumerate(self.vehicles):
            h, _ = self.mats[v.vt]
            b = self.loc_vehicle[i]
            rt = h[b, self.loc_dest] + h[self.loc_dest, b]
            self.reach[i] = np.isfinite(rt) & (rt <= v.vt.ketahanan_jam + 1e-9)

    def clock(self, vt: VehicleType) -> WorkClock:
        """The working clock of ``vt`` from the instance start."""
        key = (vt.jam_operasi, vt.moda == "air", self.start)
        c = self._clocks.get(key)
        if c is None:
            c = self._clocks[key] = vt.clock(self.start)
        return c

    def deadlines_w(self, vt: VehicleType, late_h: float = 0.0) -> np.ndarray:
        """Working hours of ``vt`` from the start to each destination's deadline (+ ``late_h``)."""
        key = (vt.jam_operasi, self.start, late_h)
        out = self._deadlines.get(key)
        if out is None:
            t = pd.DatetimeIndex(self.dests["tenggat"]) + pd.Timedelta(hours=late_h)
            out = self._deadlines[key] = self.clock(vt).to_work_many(t)
        return out

    @property
    def load_h(self) -> float:
        """Loading time at the start of a trip (hours)."""
        return float(settings.unloading_time_h)

    def round_trip_h(self, v: int, d: int) -> float:
        """Moving hours of a direct trip base → destination ``d`` → base for vehicle ``v``."""
        h, _ = self.mats[self.vehicles[v].vt]
        b, j = self.loc_vehicle[v], self.loc_dest[d]
        return float(h[b, j] + h[j, b])

    def reaches(self, v: int, d: int) -> bool:
        """Whether vehicle ``v`` can deliver to ``d`` and come back within its endurance."""
        return bool(self.reach[v, d])


def _trip(
    inst: Instance, v: int, trip: list[tuple[int, int]], clock: WorkClock, w: float
) -> tuple[dict[str, Any], list[dict[str, Any]], float]:
    """Run one trip from working time ``w``; return its record, its stops and the end time."""
    veh = inst.vehicles[v]
    vt = veh.vt
    h, k = inst.mats[vt]
    base = inst.loc_vehicle[v]
    unload = float(settings.unloading_time_h)
    start = w
    w += inst.load_h
    prev, moving, km, stops = base, 0.0, 0.0, []
    seq: list[tuple[int, int]] = []
    for d, q in trip:  # consecutive pieces of one destination are one stop
        if seq and seq[-1][0] == d:
            seq[-1] = (d, seq[-1][1] + q)
        else:
            seq.append((d, q))
    for d, q in seq:
        loc = int(inst.loc_dest[d])
        if loc != prev:
            _, w = clock.leg(w, float(h[prev, loc]))
            moving += float(h[prev, loc])
            km += float(np.nan_to_num(k[prev, loc]))
        stops.append({"dest": d, "boxes": int(q), "w": w, "tiba": clock.to_clock(w)})
        w += unload
        prev = loc
    if prev != base:
        _, w = clock.leg(w, float(h[prev, base]))
        moving += float(h[prev, base])
        km += float(np.nan_to_num(k[prev, base]))
    cost = vt.biaya_rp_per_trip + vt.biaya_rp_per_km * km + vt.biaya_rp_per_jam * moving
    rec = {
        "vehicle": v,
        "berangkat": clock.to_clock(start, leaving=True),
        "kembali": clock.to_clock(w),
        "muatan_kotak": int(sum(q for _, q in seq)),
        "jumlah_tujuan": len(seq),
        "jarak_km": km,
        "jam_gerak": moving,
        "jam_kendaraan": moving + inst.load_h + unload * len(seq),
        "biaya_rp": cost,
        "sorti": moving <= vt.ketahanan_jam + 1e-9,
    }
    return rec, stops, w


def simulate(inst: Instance, sol: Solution) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run every vehicle's trips in order on its working clock (see the module doc).

    Returns
    -------
    (list of dict, list of dict)
        Trips (``vehicle``, ``berangkat``, ``kembali``, ``muatan_kotak``, ``jumlah_tujuan``,
        ``jarak_km``, ``jam_gerak``, ``jam_kendaraan``, ``biaya_rp``, ``stops``) and stops
        (``trip`` index into the trips, ``dest``, ``boxes``, ``tiba``).
    """
    trips: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    for v, vtrips in enumerate(sol):
        if not vtrips:
            continue
        veh = inst.vehicles[v]
        clock = inst.clock(veh.vt)
        w = clock.to_work(inst.ready[v])
        for trip in vtrips:
            if not trip:
                continue
            rec, st, w = _trip(inst, v, trip, clock, w)
            for s in st:
                s["trip"] = len(trips)
            rec["stops"] = st
            trips.append(rec)
            stops.extend(st)
    return trips, stops


def merge(parts: list[Instance], name: str) -> Instance:
    """One instance made of independent ones (the PPK of one kabupaten): locations, vehicles
    and destinations side by side, matrices block-diagonal (a vehicle never leaves its own
    block), no new shortest paths. The start is the earliest part's."""
    locs: list[Any] = []
    loc_dest, loc_vehicle, vehicles, ready, dests = [], [], [], [], []
    for part in parts:
        off = len(locs)
        locs.extend(part.locs)
        loc_dest.append(part.loc_dest + off)
        loc_vehicle.append(part.loc_vehicle + off)
        vehicles.extend(part.vehicles)
        ready.extend(part.ready)
        dests.append(part.dests)
    n = len(locs)
    out = Instance(
        name,
        parts[0].echelon,
        parts[0].origin,
        parts[0].depot,
        min(p.start for p in parts),
        pd.concat(dests, ignore_index=True),
        vehicles,
        ready,
    )
    out.locs = locs
    out.loc_dest = np.concatenate(loc_dest)
    out.loc_vehicle = np.concatenate(loc_vehicle)
    for vt in dict.fromkeys(v.vt for v in vehicles):
        h, k = np.full((n, n), np.inf), np.full((n, n), np.nan)
        off = 0
        for part in parts:
            m = len(part.locs)
            if vt in part.mats:
                h[off : off + m, off : off + m], k[off : off + m, off : off + m] = part.mats[vt]
            off += m
        out.mats[vt] = (h, k)
    out.reach = np.zeros((len(vehicles), len(out.dests)), dtype=bool)
    r = c = 0
    for part in parts:
        nv, nd = part.reach.shape
        out.reach[r : r + nv, c : c + nd] = part.reach
        r, c = r + nv, c + nd
    return out


def set_start(inst: Instance, start: pd.Timestamp) -> None:
    """Move the instance start (a PPK whose boxes arrive later); clears the clock caches."""
    inst.start = start
    inst._clocks.clear()
    inst._deadlines.clear()


def deadline_work(inst: Instance, vt: VehicleType, when: pd.Timestamp) -> float:
    """Working hours of ``vt`` from the instance start to ``when``."""
    return inst.clock(vt).to_work(when)
