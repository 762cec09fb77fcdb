"""National-scale benchmark: every stage of the risk engine on a generated Indonesia-size input.

Input (``benchmarks/_national.py``, seeded): ~7,300 kecamatan on ~30 islands spread over
95–141°E, 11°S–6°N (38 provinces, ~514 kabupaten, Kemendagri-style codes) and 1,000,000
incidents in ACLED export format, written to a temporary folder. Optionally ~84,000 desa.

Stages, default backend: load kecamatan (GeoPackage), load incidents (CSV), assign incidents to
kecamatan, contiguity weights, history features (decay, trend, spatial lag, Gi* with
``--permutations``), composite index, zonal statistics of a national DEM-like raster (``--cell-m``,
default 1 km over the whole extent); with ``--desa``: load desa and assign incidents to desa.
Then the same assignment / history / zonal stages with the dask backend on a
``distributed.LocalCluster`` of single-threaded worker processes, once per worker count of
``--workers`` (default ``1,2``: the scaling from one worker to two is measured, not claimed), each
checked *equal* to the default result before its numbers are printed. On this 2-core machine a
third worker only shares the cores (``--workers 1,2,4`` shows it).

Memory, per stage (all in MB):

- ``py_peak``: peak of Python allocations seen by ``tracemalloc`` (numpy buffers included; GEOS,
  GDAL and Arrow allocations not) in this process. tracemalloc slows allocation-heavy code 2-4x,
  so each stage runs twice: once traced (``traced_s``, result discarded) for this peak, then
  untraced for ``time_s`` and the RSS figures. ``--no-tracemalloc`` skips the traced run.
- ``rss_peak``: peak resident set size of this process, sampled every 50 ms with psutil
  (``rss_start``: at the start of the stage). ``ru_maxrss`` (the process's lifetime maximum,
  from ``resource.getrusage``) is printed at the end.
- ``workers_rss``: peak of the summed RSS of the dask worker processes (dask stages only).

The machine is shared (2 cores, other people's jobs running): times are noisy; compare ratios
within one run. The analysis CRS is a Lambert azimuthal equal-area projection centred on
Indonesia (one UTM zone cannot span 46 degrees of longitude).

Run: ``python benchmarks/bench_scale.py`` (7,300 kecamatan, 1,000,000 incidents; ~4 min here,
``--no-tracemalloc`` ~2 min), or
``python benchmarks/bench_scale.py --kecamatan 1000 --incidents 100000`` for a quick check.
"""

from __future__ import annotations

import argparse
import gc
import logging
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
from affine import Affine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import NATIONAL_CRS, generate_national

AS_OF = "2025-01-01"


class Sampler:
    """Peak RSS of this process (and of its child processes) sampled in a background thread."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self.proc = psutil.Process()
        self._stop = threading.Event()
        self.peak = self.start = self.children_peak = 0.0

    def _children_rss(self) -> float:
        total = 0
        for child in self.proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total / 1e6

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss / 1e6)
            self.children_peak = max(self.children_peak, self._children_rss())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> Sampler:
        self.start = self.peak = self.proc.memory_info().rss / 1e6
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss / 1e6)


class Bench:
    """Runs stages, records time and memory, prints the table."""

    def __init__(self, use_tracemalloc: bool) -> None:
        self.use_tracemalloc = use_tracemalloc
        self.rows: list[dict[str, Any]] = []

    def stage(
        self, name: str, fn: Callable[[], Any], *, backend: str = "default", note: str = ""
    ) -> Any:
        py_peak = traced_s = np.nan
        if self.use_tracemalloc:  # a first, traced run (slower) for the Python peak only
            tracemalloc.start()
            t0 = time.perf_counter()
            fn()
            traced_s = time.perf_counter() - t0
            py_peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            gc.collect()
        with Sampler() as s:  # the timed run, not traced
            t0 = time.perf_counter()
            out = fn()
            seconds = time.perf_counter() - t0
        row = {
            "stage": name,
            "backend": backend,
            "time_s": seconds,
            "traced_s": traced_s,
            "py_peak_MB": py_peak,
            "rss_start_MB": s.start,
            "rss_peak_MB": s.peak,
            "workers_rss_MB": s.children_peak if backend.startswith("dask") else np.nan,
            "note": note,
        }
        self.rows.append(row)
        traced = f"py_peak {py_peak:7.0f} MB   " if self.use_tracemalloc else ""
        print(
            f"  {name:<22} [{backend:<7}] {seconds:8.2f} s   {traced}"
            f"rss {s.start:6.0f} -> {s.peak:6.0f} MB"
            + (f"   workers {s.children_peak:6.0f} MB" if backend.startswith("dask") else "")
            + (f"   {note}" if note else ""),
            flush=True,
        )
        return out

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def national_dem(bounds: np.ndarray, cell_m: float, seed: int = 11) -> tuple[np.ndarray, Affine]:
    """A fractal DEM-like float32 raster (metres, -9999 nodata below sea level) over ``bounds``."""
    xmin, ymin, xmax, ymax = bounds
    cols, rows = int(np.ceil((xmax - xmin) / cell_m)) + 2, int(np.ceil((ymax - ymin) / cell_m)) + 2
    rng = np.random.default_rng(seed)
    fy, fx = np.fft.fftfreq(rows)[:, None], np.fft.rfftfreq(cols)[None, :]
    amp = np.hypot(fx, fy)
    amp[0, 0] = np.inf
    spectrum = (rng.normal(size=amp.shape) + 1j * rng.normal(size=amp.shape)) * amp**-1.6
    z = np.fft.irfft2(spectrum, s=(rows, cols))
    z = ((z - z.min()) / (z.max() - z.min()) * 3500.0 - 300.0).astype(np.float32)
    z[z < 0] = -9999.0
    transform = Affine(cell_m, 0.0, xmin - cell_m, 0.0, -cell_m, ymax + cell_m)
    return z, transform


def warm_up() -> float:
    """Compile (or load from numba's cache) the raster kernels on a tiny input; seconds taken."""
    import geopandas as gpd
    import shapely

    from kewaspadaan.raster import zonal_stats

    t0 = time.perf_counter()
    poly = gpd.GeoDataFrame(geometry=[shapely.box(0, -10, 5, -5)], crs=NATIONAL_CRS)
    zonal_stats(
        poly,
        np.arange(100, dtype=np.float32).reshape(10, 10),
        Affine(1, 0, 0, 0, -1, 0),
        crs=NATIONAL_CRS,
    )
    return time.perf_counter() - t0


def run_default(b: Bench, data: Any, args: argparse.Namespace) -> dict[str, Any]:
    from kewaspadaan.features.history import history_features
    from kewaspadaan.io import assign_incidents, load_boundaries, load_incidents
    from kewaspadaan.raster import zonal_stats
    from kewaspadaan.risk import composite_index
    from kewaspadaan.spatial import spatial_weights

    r: dict[str, Any] = {}
    r["kec"] = b.stage(
        "load kecamatan",
        lambda: load_boundaries(data.kecamatan_file),
        note=f"{len(data.kecamatan)} polygons",
    )
    r["load"] = b.stage(
        "load incidents CSV",
        lambda: load_incidents(data.incidents_csv, today=AS_OF),
        note=f"{data.incidents_csv.stat().st_size / 1e6:.0f} MB file",
    )
    r["assign"] = b.stage("assign -> kecamatan", lambda: assign_incidents(r["load"], r["kec"]))
    s = r["assign"].summary()
    print(
        f"    read {s['n_read']} = assigned {s['n_assigned']} {s['by_rule']} + rejected "
        f"{s['n_rejected']} {s['reasons']}"
    )
    r["w"] = b.stage("contiguity weights", lambda: spatial_weights(r["kec"]))
    print(
        f"    {r['w'].n} units, mean {r['w'].mean_neighbors:.1f} / max "
        f"{r['w'].max_neighbors} neighbours"
    )
    r["hist"] = b.stage(
        "history features",
        lambda: history_features(
            r["assign"].assigned,
            r["kec"],
            as_of=AS_OF,
            weights=r["w"],
            permutations=args.permutations,
        ),
        note=f"Gi* {args.permutations} permutations",
    )
    b.stage("composite index", lambda: composite_index(r["hist"], boundaries=r["kec"]))
    if args.cell_m > 0:
        r["kec_proj"] = r["kec"].to_crs(NATIONAL_CRS)
        r["dem"], r["transform"] = national_dem(r["kec_proj"].total_bounds, args.cell_m)
        note = (
            f"{r['dem'].shape[0]}x{r['dem'].shape[1]} px at {args.cell_m:.0f} m "
            f"({r['dem'].nbytes / 1e6:.0f} MB)"
        )
        r["zonal"] = b.stage(
            "zonal stats DEM",
            lambda: zonal_stats(
                r["kec_proj"], r["dem"], r["transform"], nodata=-9999.0, crs=r["kec_proj"].crs
            ),
            note=note,
        )
    if data.desa is not None:
        desa_file = data.kecamatan_file.with_name("desa.gpkg")
        desa = b.stage(
            "load desa",
            lambda: load_boundaries(desa_file, level="desa"),
            note=f"{len(data.desa)} polygons",
        )
        a = b.stage("assign -> desa", lambda: assign_incidents(r["load"], desa))
        print(f"    desa: {a.summary()['by_rule']}, rejected {a.summary()['n_rejected']}")
    return r


def _warm_worker() -> None:
    import libpysal  # noqa: F401

    warm_up()


def run_dask(b: Bench, r: dict[str, Any], args: argparse.Namespace, n_workers: int) -> None:
    from distributed import Client, LocalCluster
    from geopandas.testing import assert_geodataframe_equal

    from kewaspadaan import _dask
    from kewaspadaan.features.history import history_features
    from kewaspadaan.io import assign_incidents

    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.WARNING)
    t0 = time.perf_counter()
    label = f"dask-{n_workers}w"
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    client.run(_warm_worker)  # imports and numba kernels loaded once per worker, not timed
    print(
        f"  LocalCluster ({n_workers} workers x 1 thread, processes) started and warmed up in "
        f"{time.perf_counter() - t0:.1f} s (not a stage)",
        flush=True,
    )
    try:
        a = b.stage(
            "assign -> kecamatan",
            lambda: assign_incidents(
                r["load"], r["kec"], backend="dask", client=client, npartitions=args.npartitions
            ),
            backend=label,
        )
        assert a.n_read == r["assign"].n_read
        assert_geodataframe_equal(a.assigned, r["assign"].assigned)
        pd.testing.assert_frame_equal(a.rejected, r["assign"].rejected)
        print("    equal to the default backend: assigned (codes, rules, distances), rejected")
        h = b.stage(
            "history features",
            lambda: history_features(
                r["assign"].assigned,
                r["kec"],
                as_of=AS_OF,
                weights=r["w"],
                permutations=args.permutations,
                backend="dask",
                client=client,
                npartitions=args.npartitions,
            ),
            backend=label,
            note="per island bins",
        )
        pd.testing.assert_frame_equal(h, r["hist"])
        print("    equal to the default backend: every history feature")
        if "zonal" in r:
            z = b.stage(
                "zonal stats DEM",
                lambda: _dask.zonal_stats_dask(
                    r["kec_proj"],
                    r["dem"],
                    r["transform"],
                    nodata=-9999.0,
                    crs=r["kec_proj"].crs,
                    client=client,
                    npartitions=args.npartitions,
                ),
                backend=label,
                note="per Hilbert partition",
            )
            pd.testing.assert_frame_equal(z, r["zonal"])
            print("    equal to the default backend: every zonal statistic")
    finally:
        client.close()
        cluster.close()


def report(b: Bench) -> None:
    t = b.table()
    cols = [
        "stage",
        "backend",
        "time_s",
        "traced_s",
        "py_peak_MB",
        "rss_start_MB",
        "rss_peak_MB",
        "workers_rss_MB",
    ]
    print(
        "\nPer stage (time_s: wall time of the untraced run; traced_s: wall time of the run "
        "under tracemalloc; py_peak_MB: tracemalloc peak of Python allocations; rss_*: psutil "
        "RSS of this process sampled every 50 ms; workers_rss_MB: summed RSS of the dask "
        "worker processes):"
    )
    print(t[cols].to_string(index=False, float_format=lambda v: f"{v:.1f}", na_rep="-"))
    default = t[t["backend"] == "default"].set_index("stage")
    dask = t[t["backend"].str.startswith("dask")]
    if len(dask):
        print(
            "\ndask vs default (time ratio dask/default; < 1 means dask is faster) and the "
            "scaling over worker counts (speed-up against one worker):"
        )
    one = dask[dask["backend"] == "dask-1w"].set_index("stage")["time_s"]
    for _, row in dask.iterrows():
        base = default.loc[row["stage"], "time_s"]
        scale = (
            f"   x{one[row['stage']] / row['time_s']:4.2f} vs 1 worker"
            if row["stage"] in one.index
            else ""
        )
        print(
            f"  {row['stage']:<22} [{row['backend']:<8}] default {base:7.2f} s   dask "
            f"{row['time_s']:7.2f} s   ratio {row['time_s'] / base:5.2f}{scale}"
        )
    total = default["time_s"].sum()
    print(
        f"\ndefault backend, all stages: {total:.1f} s; process ru_maxrss "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (lifetime peak)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kecamatan", type=int, default=7300, help="kecamatan (7300)")
    parser.add_argument("--incidents", type=int, default=1_000_000, help="incidents (1000000)")
    parser.add_argument("--desa", type=int, default=0, help="desa to generate and assign (0)")
    parser.add_argument("--permutations", type=int, default=99, help="Gi* permutations (99)")
    parser.add_argument(
        "--cell-m",
        type=float,
        default=1000.0,
        help="DEM cell size in metres for zonal stats; 0 skips (1000)",
    )
    parser.add_argument(
        "--npartitions",
        type=int,
        default=None,
        help="dask partitions (default: 2 x worker threads)",
    )
    parser.add_argument("--no-dask", action="store_true", help="skip the dask backend")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="dask LocalCluster worker counts to measure, comma-separated (1,2)",
    )
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="do not trace Python allocations (cleaner times)",
    )
    parser.add_argument("--seed", type=int, default=2045)
    parser.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="where to write the input (default: a temporary folder)",
    )
    args = parser.parse_args(argv)

    from kewaspadaan import settings

    settings.analysis_crs = NATIONAL_CRS
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="kewaspadaan_national_") as tmp:
        folder = args.folder or Path(tmp)
        t0 = time.perf_counter()
        data = generate_national(
            folder,
            n_kecamatan=args.kecamatan,
            n_incidents=args.incidents,
            n_kabupaten=max(38, round(514 * args.kecamatan / 7300)),
            n_desa=args.desa or None,
            seed=args.seed,
        )
        k = data.kecamatan
        print(
            f"input generated in {time.perf_counter() - t0:.1f} s (not a stage): {len(k)} "
            f"kecamatan, {k['kode_kab'].nunique()} kabupaten, {k['kode_prov'].nunique()} "
            f"provinces, {args.incidents} incidents {data.counts}"
            + (f", {len(data.desa)} desa" if data.desa is not None else "")
            + f"; {folder}",
            flush=True,
        )
        print(f"numba warm-up (compile or cache load, not a stage): {warm_up():.1f} s", flush=True)
        b = Bench(use_tracemalloc=not args.no_tracemalloc)
        print("default backend:", flush=True)
        r = run_default(b, data, args)
        if not args.no_dask:
            for n_workers in sorted({int(v) for v in str(args.workers).split(",") if v.strip()}):
                print(f"dask backend, {n_workers} worker(s):", flush=True)
                run_dask(b, r, args, n_workers)
        report(b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
