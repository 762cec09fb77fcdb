"""Benchmark: the OR-Tools delivery plan vs the savings heuristic on the same instance.

Run ``python benchmarks/bench_plan.py [--size full] [--data FOLDER] [--budget 3] [--kaltim]``.

The demonstration province (generated in a temporary folder unless ``--data`` names one) is
planned by :func:`kewaspadaan.network.plan_deliveries` twice per scenario — ``planner="savings"``
(the savings heuristic alone) and ``planner="ortools"`` (OR-Tools started from that savings
plan) — and both plans are judged by the same simulated schedule: cost in rupiah,
vehicle-hours, boxes late, boxes not delivered, destinations late, wall time. Scenarios:

- ``default``: the demo's fleet, departure H-5 06:00, PPK deadline H-3 18:00, desa H-1 18:00;
- ``berangkat H-3``: departure two days later (less time: the fleet's limits show);
- ``truk separuh``: the KPU trucks halved.

The OR-Tools plan is checked to be never worse than the savings plan lexicographically (boxes
not delivered, boxes late, cost) and to be the same plan when run twice (determinism).
``--kaltim`` adds the real Kalimantan Timur case (needs ``../shared/data``): Samarinda → Long
Bagun by boat, the upper Mahakam Ulu (Long Apari, Long Pahangai) by river over the riam or by
air, and the helicopter sorties beside the 2019 operation (22 round trips for 37 TPS).
Timings are single runs on a shared machine: expect noise; the ratios are the result.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

from kewaspadaan import settings
from kewaspadaan.io import load_layers
from kewaspadaan.logistics import network_layers
from kewaspadaan.network import build_network, destination_table, plan_deliveries

HERE = Path(__file__).resolve().parent


def _run(G, fleet, dest, planner: str, departure=None) -> tuple[dict, float, object]:
    t0 = time.perf_counter()
    plan = plan_deliveries(G, fleet, destinations=dest, planner=planner, departure=departure)
    return plan.summary(), time.perf_counter() - t0, plan


def _row(name: str, planner: str, s: dict, secs: float) -> dict:
    return {
        "skenario": name,
        "planner": planner,
        "biaya_juta_rp": round(s["biaya_rp"] / 1e6, 1),
        "jam_kendaraan": round(s["jam_kendaraan"], 1),
        "kotak_terlambat": s["terlambat_kotak"],
        "kotak_tidak_terkirim": s["tidak_terkirim_kotak"],
        "desa_terlambat": s["tujuan_terlambat"],
        "desa_tidak_terjangkau": s["tujuan_tidak_terjangkau"],
        "perjalanan": s["perjalanan"],
        "detik": round(secs, 2),
    }


def demo(data: Path) -> None:
    lay = network_layers(load_layers(data))
    G = build_network(lay)
    dest = destination_table(G, "desa", units=lay["desa"])
    fleet = lay["armada"]
    half = fleet.copy()
    # the KPU kabupaten's own trucks: no kecamatan (read from the CSV as empty text)
    kpu_truck = (half["jenis"] == "truk") & (
        half["kode_kec"].fillna("").astype(str).str.strip() == ""
    )
    assert kpu_truck.any(), "no KPU trucks in the fleet table: the scenario would change nothing"
    half.loc[kpu_truck, "jumlah"] = (half.loc[kpu_truck, "jumlah"] // 2).clip(lower=1)
    day = pd.Timestamp(settings.voting_day).normalize()
    scenarios = [
        ("default", fleet, None),
        ("berangkat H-3", fleet, day - pd.Timedelta(days=3) + pd.Timedelta(hours=6)),
        ("truk separuh", half, None),
    ]
    rows = []
    for name, f, dep in scenarios:
        s_sav, t_sav, _ = _run(G, f, dest, "savings", dep)
        s_ort, t_ort, plan = _run(G, f, dest, "ortools", dep)
        key = ("tidak_terkirim_kotak", "terlambat_kotak")
        a, b = tuple(s_ort[k] for k in key), tuple(s_sav[k] for k in key)
        assert a <= b, (name, a, b)
        if a == b:
            assert s_ort["biaya_rp"] <= s_sav["biaya_rp"] + 1.0, name
        rows += [_row(name, "savings", s_sav, t_sav), _row(name, "ortools", s_ort, t_ort)]
        if name == "default":
            _, _, again = _run(G, f, dest, "ortools", dep)
            same = again.to_frame().equals(plan.to_frame())
            print(
                f"determinism: the OR-Tools plan run twice is {'the same' if same else 'DIFFERENT'}"
            )
        print(
            f"{name}: cost OR-Tools vs savings ratio {s_ort['biaya_rp'] / s_sav['biaya_rp']:.3f}x; "
            f"vehicle-hours ratio {s_ort['jam_kendaraan'] / s_sav['jam_kendaraan']:.3f}x; "
            f"boxes late {s_ort['terlambat_kotak']} vs {s_sav['terlambat_kotak']}; "
            f"not delivered {s_ort['tidak_terkirim_kotak']} vs {s_sav['tidak_terkirim_kotak']}; "
            f"time ratio {t_ort / max(t_sav, 1e-9):.1f}x",
            flush=True,
        )
    print(pd.DataFrame(rows).to_string(index=False))


def kaltim(shared: Path) -> None:
    sys.path.insert(0, str(HERE))
    from _kaltim import MAHULU, UPPER, kaltim_layers, mahulu_fleet

    from kewaspadaan.network import Closure, WorkClock, depot_table, vehicle_network, vehicle_type

    lay = kaltim_layers(shared)
    G = build_network(lay, riam_reaches=lay["riam"])
    nodes = pd.DataFrame([{**d, "node": n} for n, d in G.nodes(data=True)])
    sam = int(
        nodes.loc[(nodes["kind"] == "depot") & (nodes["kode_kab"] == "64.72"), "node"].iloc[0]
    )
    lb = int(nodes.loc[nodes["name"] == "Long Bagun Ulu", "node"].iloc[0])
    t0 = pd.Timestamp(settings.voting_day) - pd.Timedelta(days=7) + pd.Timedelta(hours=6)
    for jenis in ("kapal_sungai", "speedboat"):
        vt = vehicle_type(jenis)
        h, km = vehicle_network(G, vt).times([sam], [lb])
        arr = WorkClock(t0, *vt.jam_operasi).to_clock(float(h[0, 0]))
        hours = (arr - t0).total_seconds() / 3600
        print(
            f"Samarinda -> Long Bagun by {jenis}: {km[0, 0]:.0f} km, {h[0, 0]:.1f} h moving, "
            f"{hours:.1f} h door to door (operating hours {vt.jam_operasi})"
        )
    units = lay["desa"]
    dest = destination_table(G, "desa", units=units[units["kode_kab"] == MAHULU])
    dep = depot_table(G)
    dep = dep[dep["kode_kab"] == MAHULU]
    upper = dest[dest["kode_kec"].isin(list(UPPER))]
    print(f"upper Mahakam Ulu: {len(upper)} desa, {int(upper['tps'].sum())} TPS (2024)")
    two = pd.concat([mahulu_fleet()]).copy()
    two.loc[two["jenis"] == "helikopter", "jumlah"] = 2
    for label, closure, fleet in (
        ("riam terbuka", None, mahulu_fleet()),
        ("riam ditutup, 1 helikopter", "riam_ditutup", mahulu_fleet()),
        ("riam ditutup, 2 helikopter", "riam_ditutup", two),
    ):
        Gs = Closure(scenarios=(closure,)).apply(G) if closure else G
        plan = plan_deliveries(Gs, fleet, depots=dep, destinations=dest)
        d = plan.destinations.set_index("tujuan_kode").loc[upper["kode"]]
        heli = plan.trips.loc[plan.trips["jenis"] == "helikopter", "trip_id"]
        up_stops = plan.stops[plan.stops["kode_kec"].isin(list(UPPER))]
        up_sorties = int(up_stops.loc[up_stops["trip_id"].isin(heli), "trip_id"].nunique())
        boxes = int(up_stops.loc[up_stops["trip_id"].isin(heli), "muatan_kotak"].sum())
        riam = plan.trips["bahaya_riam"].sum()
        print(
            f"{label}: upper desa reached {int((d['status'] != 'tidak_terjangkau').sum())}"
            f"/{len(d)}, on time {int((d['status'] == 'tepat_waktu').sum())}; helicopter "
            f"sorties to the upper kecamatan {up_sorties} carrying {boxes} boxes (2019: about 22 "
            f"for 37 TPS); boat "
            f"trips through the riam {int(riam)}; modes {sorted(set(d['moda']))}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="full", choices=["small", "full"])
    ap.add_argument("--data", type=Path, default=None, help="a demo data folder (else generated)")
    ap.add_argument("--budget", type=float, default=None, help="OR-Tools time budget (s)")
    ap.add_argument("--kaltim", action="store_true", help="also the real Kalimantan Timur case")
    ap.add_argument("--shared", type=Path, default=HERE.parents[1] / "shared" / "data")
    args, _ = ap.parse_known_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore")
    if args.budget is not None:
        settings.plan_time_budget_s = args.budget
    if args.data is not None:
        demo(args.data)
    else:
        from kewaspadaan.demo import generate_province

        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            generate_province(tmp, size=args.size)
            print(f"demo province ({args.size}) generated in {time.perf_counter() - t0:.0f} s")
            demo(Path(tmp))
    if args.kaltim:
        if not (args.shared / "kaltim_desa_kelurahan_centroids.csv").exists():
            print(f"--kaltim: {args.shared} is absent, skipped")
        else:
            kaltim(args.shared)


if __name__ == "__main__":
    main()
