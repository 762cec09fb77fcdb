"""The real national score end to end: every kecamatan of Indonesia, 1,000,000 incidents.

Input: the real Kemendagri boundaries ``indonesia_kecamatan_kemendagri.geojson`` (7,284
kecamatan; ``--boundaries``, default ``../shared/data/``), and 1,000,000 incidents in ACLED
export format generated *inside those polygons* (``benchmarks/_national.py``
``incidents_in_polygons``: 2015–2023, monthly counts of a self-exciting process with a rising
trend, a few spoiled rows), written once to ``benchmarks/_work/natscore/``.

Stages, each timed (wall and CPU) with the process's peak RSS after it:

1. ``load_layers(paths={"kecamatan": ..., "insiden": ...})`` — boundaries read and checked;
2. ``layers.incidents`` — every incident validated and assigned to its kecamatan;
3. ``score(layers, as_of=2024-01-01)`` — features, spatial weights, count panel, the default
   backtest (24 months against five baselines), the model choice and fit, the forecast to voting
   day, classes and drivers.

The peer is the floor of what any tool must do on this input: ``pyarrow.csv.read_csv`` of the
same file plus ``geopandas.sjoin(points, kecamatan, predicate="within")``, measured in the same
run. Equality: the kecamatan of every point that lies inside exactly one polygon is the same in
both. The ratio printed is our score end to end over that floor.

Run: ``python benchmarks/bench_national_score.py`` (about 1 min here once the input exists;
generating it takes ~15 s more), ``--incidents 100000`` for a quick check, ``--model gbm`` to
time the forecast with the gradient boosting whatever the choice.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SHARED = HERE.parent.parent / "shared" / "data"
AS_OF = "2024-01-01"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage(name: str, func: Any, rows: list[dict[str, Any]]) -> Any:
    t, c = time.perf_counter(), time.process_time()
    out = func()
    rows.append(
        {
            "stage": name,
            "wall_s": time.perf_counter() - t,
            "cpu_s": time.process_time() - c,
            "peak_rss_mb": _rss_mb(),
        }
    )
    print(f"  {name:<52} {rows[-1]['wall_s']:7.1f} s wall  {rows[-1]['cpu_s']:7.1f} s CPU  "
          f"peak RSS {rows[-1]['peak_rss_mb']:6.0f} MB", flush=True)  # fmt: skip
    return out


def _floor(csv: Path, kecamatan: Any) -> tuple[float, Any]:
    """pyarrow read + sjoin within (polygons already in memory): the vectorised floor
    (seconds, the joined points)."""
    import geopandas as gpd
    import pandas as pd
    import pyarrow.csv as pacsv

    t = time.perf_counter()
    table = pacsv.read_csv(csv).to_pandas()
    lat = pd.to_numeric(table["latitude"], errors="coerce")
    lon = pd.to_numeric(table["longitude"], errors="coerce")
    ok = lat.notna() & lon.notna()
    pts = gpd.GeoDataFrame(
        {"event_id": table.loc[ok, "event_id_cnty"].to_numpy()},
        geometry=gpd.points_from_xy(lon[ok], lat[ok]),
        crs="EPSG:4326",
    ).to_crs(kecamatan.crs)
    joined = gpd.sjoin(pts, kecamatan[["kode", "geometry"]], predicate="within", how="inner")
    return time.perf_counter() - t, joined


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--boundaries", type=Path, default=SHARED / "indonesia_kecamatan_kemendagri.geojson"
    )
    ap.add_argument("--incidents", type=int, default=1_000_000)
    ap.add_argument("--no-floor", action="store_true", help="skip the pyarrow + sjoin floor")
    ap.add_argument(
        "--model",
        default=None,
        help="force the forecast model (hawkes, glm, gbm, ewma) instead of the choice on the past",
    )
    ap.add_argument("-v", "--verbose", action="store_true")
    args, _ = ap.parse_known_args()  # run_all.py passes its extra arguments to every benchmark
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if not args.boundaries.exists():
        print(f"skipped: {args.boundaries} not found (the real national boundaries)")
        return
    from _national import incidents_in_polygons

    from kewaspadaan._threads import thread_limits
    from kewaspadaan.io import assign_incidents, load_layers
    from kewaspadaan.scoring import score

    with thread_limits():
        _run(args, incidents_in_polygons, load_layers, assign_incidents, score)


def _run(args: Any, incidents_in_polygons: Any, load_layers: Any, assign: Any, score: Any) -> None:
    work = HERE / "_work" / f"natscore_{args.incidents}"
    csv = work / "insiden_acled.csv"
    if not csv.exists():
        t = time.perf_counter()
        incidents_in_polygons(args.boundaries, work, n_incidents=args.incidents)
        print(f"input generated in {time.perf_counter() - t:.0f} s: {csv}")
    print(f"national score: {args.boundaries.name}, {args.incidents:,} incidents, "
          f"as of {AS_OF}, {os.cpu_count()} cores")  # fmt: skip
    rows: list[dict[str, Any]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    layers = _stage(
        "load boundaries",
        lambda: load_layers(paths={"kecamatan": args.boundaries, "insiden": csv}),
        rows,
    )
    inc = _stage("load incidents (validated)", lambda: layers.incidents, rows)
    result = _stage(
        "score (assign, features, backtest, model, forecast)",
        lambda: score(layers, as_of=AS_OF, model=args.model),
        rows,
    )
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    acc = result.accounting
    print(f"  {'total':<52} {total:7.1f} s wall  {cpu:7.1f} s CPU  peak RSS {_rss_mb():6.0f} MB")
    print(f"  incidents read {acc.get('n_read')}, assigned {acc.get('n_assigned')}, "
          f"rejected {acc.get('n_rejected')}; units {len(result.table)}; "
          f"model {result.model.name if result.model else None}")  # fmt: skip
    if args.no_floor:
        return
    floor_s, joined = _floor(csv, layers.kecamatan)
    once = joined[~joined.index.duplicated(keep=False)]
    ours = assign(inc, layers.kecamatan).assigned.set_index("event_id")["kode"]
    common = once.set_index("event_id")["kode"]
    common = common[common.index.isin(ours.index)]
    same = float(np.mean(ours.loc[common.index].to_numpy() == common.to_numpy()))
    print(f"  equal: {same:.6%} of {len(common):,} points inside exactly one polygon")
    assert same > 0.9999, "our assignment differs from sjoin's"
    print(f"  floor (pyarrow read_csv + sjoin within) {floor_s:.1f} s; "
          f"score end to end vs floor ratio {total / floor_s:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
