"""Incident loading and assignment at national size, against their floors, in one run.

Input (generated once into ``benchmarks/_work/nat1m`` by ``benchmarks/_national.py``, seeded):
7,300 kecamatan over 95–141°E and 1,000,000 incidents in ACLED export format (208 MB), with a
few hundred spoiled rows (bad dates, coordinates, duplicates) as real exports have.

- **load**: :func:`kewaspadaan.io.load_incidents` (every row validated, rejections with their
  reasons) against ``pyarrow.csv.read_csv`` of the same file — the raw read, no validation —
  and against the raw read plus a minimal validation written with pyarrow/pandas for the same
  rules (ISO date, numeric coordinates in range, unique id): its kept-row count must equal ours.
- **assign**: :func:`kewaspadaan.io.assign_incidents` (inside / overlap by nearest centroid /
  nearest within 2 km / rejected with the distance) against the vectorised floor
  ``geopandas.sjoin(points, polygons, predicate="within")``; every point inside exactly one
  polygon must get the same code.

Each timing is the median of ``--repeat`` runs, ours and the peer alternating in the same
process (the machine is shared: read the ratios). Run: ``python benchmarks/bench_io.py``.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
WORK = HERE / "_work" / "nat1m"


def _time(func: Any, repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def _peer_validate(path: Path) -> int:
    """pyarrow read + the same core rules, vectorised: rows kept."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={
                c: pa.string()
                for c in ("event_id_cnty", "event_date", "latitude", "longitude", "fatalities")
            }
        ),
    )
    import pandas as pd

    date = pc.strptime(t["event_date"], format="%Y-%m-%d", unit="s", error_is_null=True)
    # a real calendar day: it writes back as read (Arrow rolls 2024-02-31 over to March)
    real = pc.equal(pc.strftime(date, format="%Y-%m-%d"), t["event_date"])
    date = pc.if_else(real, date, pa.scalar(None, pa.timestamp("s")))
    lat = pd.to_numeric(t["latitude"].to_pandas(), errors="coerce").to_numpy()
    lon = pd.to_numeric(t["longitude"].to_pandas(), errors="coerce").to_numpy()
    fat = pd.to_numeric(t["fatalities"].to_pandas(), errors="coerce").to_numpy()
    ok = np.asarray(pc.is_valid(date)) & np.isfinite(lat) & np.isfinite(lon)
    ok &= (np.abs(lat) <= 90) & (np.abs(lon) <= 180) & ~((lat == 0) & (lon == 0))
    ok &= np.isfinite(fat) & (fat >= 0)
    dup = t["event_id_cnty"].to_pandas().duplicated().to_numpy()
    return int((ok & ~dup).sum())


def main() -> None:
    import geopandas as gpd
    import pyarrow.csv as pacsv

    from kewaspadaan.io import assign_incidents, load_boundaries, load_incidents

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--incidents", type=int, default=1_000_000)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    csv = WORK / "insiden_acled.csv"
    if not csv.exists():
        from _national import generate_national

        generate_national(WORK, n_incidents=args.incidents)
    kec = load_boundaries(WORK / "kecamatan.gpkg")

    t_ours, load = _time(lambda: load_incidents(csv, today="2025-06-01"), args.repeat)
    t_raw, raw = _time(lambda: pacsv.read_csv(csv), args.repeat)
    t_peer, kept = _time(lambda: _peer_validate(csv), args.repeat)
    print(f"load {raw.num_rows:,} rows ({csv.stat().st_size / 1e6:.0f} MB)")
    print(
        f"  kewaspadaan.load_incidents      {t_ours:6.2f} s  kept {len(load.incidents):,}, "
        f"rejected {len(load.rejected):,} with reasons"
    )
    print(f"  pyarrow.csv.read_csv (raw)      {t_raw:6.2f} s  ratio {t_ours / t_raw:4.2f}")
    print(
        f"  pyarrow + same core rules       {t_peer:6.2f} s  ratio {t_ours / t_peer:4.2f}  "
        f"kept {kept:,}  equal: {kept == len(load.incidents)}"
    )

    pts = load.incidents
    t_assign, result = _time(lambda: assign_incidents(load, kec), args.repeat)
    crs = result.assigned.crs
    poly = kec.to_crs(kec.estimate_utm_crs() if False else kec.crs)

    def floor() -> Any:
        return gpd.sjoin(
            pts[["geometry"]], poly[["kode", "geometry"]], predicate="within", how="inner"
        )

    t_floor, joined = _time(floor, args.repeat)
    once = joined.index.value_counts()
    single = joined[joined.index.isin(once.index[once == 1])]
    ours = result.assigned.set_index(result.assigned.index)["kode"]
    same = (ours.reindex(single.index) == single["kode"]).mean()
    print(f"assign {len(pts):,} points to {len(kec):,} kecamatan")
    print(
        f"  kewaspadaan.assign_incidents    {t_assign:6.2f} s  assigned {len(result.assigned):,},"
        f" rejected {len(result.rejected) - len(load.rejected):,} (+ loader's)"
    )
    print(
        f"  geopandas.sjoin within (floor)  {t_floor:6.2f} s  ratio {t_assign / t_floor:4.2f}  "
        f"same code for points in one polygon: {same:.4%}"
    )
    _ = crs


if __name__ == "__main__":
    main()
