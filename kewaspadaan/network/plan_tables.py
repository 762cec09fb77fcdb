"""Turn the simulated runs of :mod:`kewaspadaan.network.plan` into a
:class:`~kewaspadaan.network.delivery.DeliveryPlan` (trips, stops, unmet, destinations).

Reasons (``alasan``) of a destination not served in time, first that applies:

1. no vehicle of the responsible fleet reaches it (for a desa served through its PPK: the PPK
   is out of reach of the KPU fleet) → ``tidak_terjangkau``;
2. even a direct trip from the origin at the start arrives after the deadline (the network is
   too slow: river against the current, riam, night stops) → ``terlambat``;
3. its PPK received its boxes late or short → ``terlambat``;
4. otherwise the fleet is too small for everything to arrive in time → ``terlambat``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan.network.delivery import (
    DESTINATION_COLUMNS,
    STOP_COLUMNS,
    TRIP_COLUMNS,
    UNMET_COLUMNS,
    DeliveryPlan,
    status_of,
)
from kewaspadaan.network.modes import modes
from kewaspadaan.network.schedule import Instance
from kewaspadaan.network.travel import vehicle_network

__all__ = ["assemble"]


def _reach(inst: Instance) -> tuple[np.ndarray, list[pd.Timestamp | None], list[set[str]]]:
    """Per destination: reachable by some vehicle, earliest direct arrival, modes that reach."""
    n = len(inst.dests)
    reach: np.ndarray = (
        np.asarray(inst.reach.any(axis=0)) if len(inst.vehicles) else np.zeros(n, dtype=bool)
    )
    first: list[pd.Timestamp | None] = [None] * n
    mode_sets: list[set[str]] = [set() for _ in range(n)]
    seen: set[tuple[Any, int, pd.Timestamp]] = set()
    for v, veh in enumerate(inst.vehicles):
        key = (veh.vt, int(inst.loc_vehicle[v]), inst.ready[v])
        if key in seen:
            continue
        seen.add(key)
        h, _ = inst.mats[veh.vt]
        clock = inst.clock(veh.vt)
        w0 = clock.to_work(inst.ready[v]) + inst.load_h
        row = h[inst.loc_vehicle[v], inst.loc_dest]
        for d in np.flatnonzero(inst.reach[v]):
            mode_sets[d].add(veh.vt.moda)
            _, w = clock.leg(w0, float(row[d]))
            t = clock.to_clock(w)
            if first[d] is None or t < first[d]:
                first[d] = t
    return reach, first, mode_sets


def _modes_str(found: set[str]) -> str:
    return "+".join(m for m in modes() if m in found)


def _riam(G: Any, inst: Instance, t: dict[str, Any]) -> bool:
    """Whether a river trip runs a riam reach (its fastest path between stops)."""
    veh = inst.vehicles[t["vehicle"]]
    if veh.vt.moda != "river" or not veh.vt.riam or G is None:
        return False
    net = vehicle_network(G, veh.vt)
    nodes = [inst.locs[int(inst.loc_vehicle[t["vehicle"]])]]
    nodes += [inst.locs[int(inst.loc_dest[s["dest"]])] for s in t["stops"]] + nodes[:1]
    riam = net.table["riam"]
    return any(riam[r] for a, b in itertools.pairwise(nodes) for r in net.path_rows(a, b))


def _tables(runs: list[dict[str, Any]], G: Any = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Trips and stops of every run, with global trip ids; per (run, dest) the stops."""
    trips: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    by_dest: dict[tuple[int, int], list[dict[str, Any]]] = {}
    kg = settings.kg_per_kotak
    for r, run in enumerate(runs):
        inst: Instance = run["inst"]
        rows = inst.dests.to_dict("records")
        ids = {}
        for i, t in enumerate(run["trips"]):
            tid = f"T{len(trips) + 1:04d}"
            ids[i] = tid
            veh = inst.vehicles[t["vehicle"]]
            asal = f"PPK {veh.kode_kec}" if inst.echelon == "pps" else inst.depot
            trips.append(
                {
                    "trip_id": tid,
                    "tingkat": inst.echelon,
                    "asal": asal,
                    "depot": inst.depot,
                    "kendaraan": veh.name,
                    "jenis": veh.vt.jenis,
                    "moda": veh.vt.moda,
                    "pangkalan": veh.base_name or asal,
                    "kapasitas_kotak": veh.capacity,
                    "muatan_kotak": t["muatan_kotak"],
                    "muatan_kg": t["muatan_kotak"] * kg,
                    "jumlah_tujuan": t["jumlah_tujuan"],
                    "berangkat": t["berangkat"],
                    "kembali": t["kembali"],
                    "jarak_km": round(t["jarak_km"], 3),
                    "jam_gerak": round(t["jam_gerak"], 4),
                    "jam_kendaraan": round(t["jam_kendaraan"], 4),
                    "biaya_rp": round(t["biaya_rp"], 0),
                    "bahaya_riam": _riam(G, inst, t),
                }
            )
            for k, s in enumerate(t["stops"], start=1):
                row = rows[s["dest"]]
                rec = {
                    "trip_id": tid,
                    "urutan": k,
                    "tingkat": inst.echelon,
                    "tujuan_kode": str(row["kode"]),
                    "tujuan_nama": row["nama"],
                    "kode_kec": row["kode_kec"],
                    "muatan_kotak": s["boxes"],
                    "tiba": s["tiba"],
                    "tenggat": row["tenggat"],
                    "terlambat": bool(s["tiba"] > row["tenggat"]),
                    "status": "terlambat" if s["tiba"] > row["tenggat"] else "tepat_waktu",
                    "_moda": veh.vt.moda,
                    "_heli": veh.vt.jenis == "helikopter",
                }
                stops.append(rec)
                by_dest.setdefault((r, s["dest"]), []).append(rec)
    t_df = pd.DataFrame(trips, columns=list(TRIP_COLUMNS))
    s_df = pd.DataFrame(stops, columns=[*STOP_COLUMNS, "_moda", "_heli"])
    return t_df, s_df, by_dest


def _served(
    stops: list[dict[str, Any]], demand: int, deadline: pd.Timestamp
) -> tuple[int, int, int, Any, set[str], int]:
    """On time, late, not delivered (also: arriving after the late horizon), last arrival,
    modes, helicopter sorties of one destination."""
    horizon = deadline + pd.Timedelta(hours=settings.plan_late_horizon_h)
    on = sum(s["muatan_kotak"] for s in stops if s["tiba"] <= deadline)
    late = sum(s["muatan_kotak"] for s in stops if deadline < s["tiba"] <= horizon)
    last = max((s["tiba"] for s in stops), default=pd.NaT)
    heli = len({s["trip_id"] for s in stops if s["_heli"]})
    return on, late, max(demand - on - late, 0), last, {s["_moda"] for s in stops}, heli


def _reason(
    reach: bool,
    first: pd.Timestamp | None,
    deadline: pd.Timestamp,
    ppk: str | None,
    fleet_modes: set[str],
    never: int,
    late: int,
) -> str:
    if not reach:
        where = f"PPK {ppk}" if ppk else "tujuan ini"
        have = ", ".join(sorted(fleet_modes)) or "tidak ada"
        return f"tidak ada kendaraan yang dapat mencapai {where} (armada: moda {have})"
    if first is not None and first > deadline:
        return f"perjalanan langsung tercepat pun tiba {first} setelah tenggat {deadline}"
    if never and not late:
        return (
            f"{never} kotak tidak terkirim dalam {settings.plan_late_horizon_h:.0f} jam "
            "setelah tenggat: armada tidak cukup"
        )
    return "armada tidak cukup: kendaraan berangkat ulang setelah perjalanan sebelumnya"


def assemble(
    runs: list[dict[str, Any]],
    dest: pd.DataFrame,
    want: pd.Series,
    dead: dict[str, pd.Timestamp],
    mode: str,
    G: Any = None,
) -> DeliveryPlan:
    """Build the plan's tables from the runs (rules in the module doc)."""
    trips, stops, by_dest = _tables(runs, G)
    info = {r: _reach(run["inst"]) for r, run in enumerate(runs)}
    where: dict[str, tuple[int, int]] = {}
    for r, run in enumerate(runs):
        for d, code in enumerate(run["inst"].dests["kode"].astype(str)):
            key = (run["inst"].echelon, code)
            where[f"{key[0]}|{code}"] = (r, d)
    dest_rows, unmet = [], []
    ppk_state: dict[str, dict[str, Any]] = {}
    for r, run in enumerate(runs):  # PPK rows of stage 1
        inst = run["inst"]
        if inst.echelon != "ppk":
            continue
        for d in range(len(inst.dests)):
            row = inst.dests.iloc[d]
            if row.get("peran") != "ppk":
                continue
            _on, late, never, last, used, _ = _served(
                by_dest.get((r, d), []), int(row["kotak"]), row["tenggat"]
            )
            reach, first, _ = info[r]
            fleet_modes = {v.vt.moda for v in inst.vehicles}
            ppk_state[str(row["kode"])] = {
                "reach": bool(reach[d]),
                "late": late,
                "never": never,
                "last": last,
                "modes": used,
            }
            if late or never:
                unmet.append(
                    _unmet_row(
                        row, inst, "ppk", late, never, used, bool(reach[d]), first[d], fleet_modes
                    )
                )
    for _, row in dest.iterrows():
        code, demand = str(row["kode"]), int(row["kotak"])
        rec = _destination(row, code, demand, runs, info, by_dest, where, ppk_state, dead)
        dest_rows.append(rec)
        if rec["terlambat_kotak"] or rec["tidak_terkirim_kotak"]:
            unmet.append(
                {
                    "tujuan_kode": code,
                    "tujuan_nama": row["nama"],
                    "kode_kec": row.get("kode_kec"),
                    "tingkat": rec.pop("_tingkat"),
                    "depot": rec["depot"],
                    "moda": rec["moda"],
                    "permintaan_kotak": demand,
                    "kurang_kotak": rec["terlambat_kotak"] + rec["tidak_terkirim_kotak"],
                    "tidak_terkirim_kotak": rec["tidak_terkirim_kotak"],
                    "status": rec["status"],
                    "alasan": rec["alasan"],
                }
            )
        else:
            rec.pop("_tingkat")
    dests = pd.DataFrame(dest_rows, columns=list(DESTINATION_COLUMNS))
    un = pd.DataFrame(unmet, columns=list(UNMET_COLUMNS))
    un = un.sort_values(["tingkat", "tujuan_kode"], kind="stable").reset_index(drop=True)
    stats = [st for run in runs for st in run["stats"]]
    return DeliveryPlan(trips, stops.drop(columns=["_moda", "_heli"]), un, dests, want, mode, stats)


def _unmet_row(
    row: pd.Series,
    inst: Instance,
    tingkat: str,
    late: int,
    never: int,
    used: set[str],
    reach: bool,
    first: pd.Timestamp | None,
    fleet_modes: set[str],
) -> dict[str, Any]:
    return {
        "tujuan_kode": str(row["kode"]),
        "tujuan_nama": row["nama"],
        "kode_kec": row["kode_kec"],
        "tingkat": tingkat,
        "depot": inst.depot,
        "moda": _modes_str(used),
        "permintaan_kotak": int(row["kotak"]),
        "kurang_kotak": late + never,
        "tidak_terkirim_kotak": never,
        "status": status_of(0, late, never, reach),
        "alasan": _reason(reach, first, row["tenggat"], None, fleet_modes, never, late),
    }


def _destination(
    row: pd.Series,
    code: str,
    demand: int,
    runs: list[dict[str, Any]],
    info: dict,
    by_dest: dict,
    where: dict,
    ppk_state: dict,
    dead: dict,
) -> dict[str, Any]:
    """One desa's row of the destinations table."""
    deadline = dead["pps"]
    base = {
        "tujuan_kode": code,
        "tujuan_nama": row["nama"],
        "kode_kec": row.get("kode_kec"),
        "permintaan_kotak": demand,
        "tenggat": deadline,
        "tenggat_tps": dead["tps"],
    }
    loc = where.get(f"pps|{code}") or where.get(f"ppk|{code}") or where.get(f"langsung|{code}")
    if loc is None:  # no demand, no node, or a kecamatan whose PPK never got boxes
        reach = demand == 0
        status = status_of(0, 0, demand, reach)
        return {
            **base,
            "depot": None,
            "tepat_waktu_kotak": 0,
            "terlambat_kotak": 0,
            "tidak_terkirim_kotak": demand,
            "tiba": pd.NaT,
            "tiba_tps": pd.NaT,
            "moda": "",
            "sorti_helikopter": 0,
            "status": status,
            "_tingkat": "pps",
            "alasan": "" if demand == 0 else "tidak ada simpul jaringan untuk desa ini",
        }
    r, d = loc
    inst = runs[r]["inst"]
    on, late, never, last, used, heli = _served(by_dest.get((r, d), []), demand, deadline)
    reach, first, _ = info[r]
    ok_reach, why_ppk = bool(reach[d]), None
    if inst.echelon == "pps":
        k = str(row.get("kode_kec"))
        st = ppk_state.get(k, {"reach": False, "late": 0, "never": 1, "modes": set()})
        used = used | st["modes"]
        if not st["reach"]:
            ok_reach = False
            why_ppk = k
        elif (st["late"] or st["never"]) and (late or never):
            why_ppk = k
    fleet_modes = {v.vt.moda for v in inst.vehicles}
    status = status_of(on, late, never, ok_reach)
    if status == "tepat_waktu":
        alasan = ""
    elif why_ppk is not None and ok_reach:
        alasan = (
            f"PPK {why_ppk} menerima kotaknya terlambat atau kurang (tenggat PPK {dead['ppk']})"
        )
    else:
        alasan = _reason(ok_reach, first[d], deadline, why_ppk, fleet_modes, never, late)
    tiba_tps = last + pd.Timedelta(hours=settings.pps_to_tps_h) if pd.notna(last) else pd.NaT
    return {
        **base,
        "depot": inst.depot,
        "tepat_waktu_kotak": on,
        "terlambat_kotak": late,
        "tidak_terkirim_kotak": never,
        "tiba": last,
        "tiba_tps": tiba_tps,
        "moda": _modes_str(used),
        "sorti_helikopter": heli,
        "status": status,
        "alasan": alasan,
        "_tingkat": inst.echelon,
    }
