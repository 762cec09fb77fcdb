"""Forecast benchmark: skill against the demo generator's truth, backtest on real UCDP events.

**Demo** (``--seeds``, default 2024 1 2 3 4 5): the full demonstration province of each seed is
generated once into ``benchmarks/_work/demo_full_<seed>`` (git-ignored) and scored with
:func:`kewaspadaan.scoring.score` as of 2025-11-01 (a year before the data end) with the default
settings: 24 backtest months (2023-11 .. 2025-10, both 2024 elections) after 12 validation
months. Printed per seed and on average:

- the share of the Brier / log-loss gap between the historical mean and the generator's true
  intensity (P = 1 − exp(−λ)) that the chosen model and every other method close over the
  backtest months, and whether the model beats every baseline on Brier and log loss;
- the Spearman correlation of the forecast's expected events of 2025-11 .. 2026-10 (made at
  2025-11-01) with the mean true intensity of those months (the *future*);
- the class counts, the number of drivers named with a zero value (must be 0), the hot-spot
  categories, the mean probability of a class change, and the seconds of the backtest and of
  the fit + joint forecast to voting day (measured separately on the same panel).

**Real data** (skipped with ``--skip-real`` or when ``../shared/data`` is absent): UCDP GED
events of Indonesia 1989-2019 (CC BY 4.0) on the Kemendagri kabupaten/kota (514) and kecamatan
(7,284) boundaries. UCDP locates events with ``where_prec`` 1 (exact) to 7 (country): kab/kota
uses events with ``where_prec`` ≤ 3 (located to the kabupaten or better), kecamatan ≤ 2 (within
25 km). Events in Timor-Leste fall outside every polygon and are rejected by
:func:`kewaspadaan.io.assign_incidents` (accounted). The events are concentrated in 1999-2004
(Aceh, Maluku, Poso): the backtest covers ``--real-months`` months before ``--real-as-of``
(default 48 months, 2001-01 .. 2004-12) with every method refitted every ``--real-refit``
months. Printed: the table of every method with month-bootstrap 95 % intervals and the paired
differences of the model against every baseline.

Tables are written to ``benchmarks/_work/forecast_*.csv``. Run time here (2 shared cores):
demo ~1 min per seed, kab/kota ~1.5 min, kecamatan ~15 min.

Run: ``python benchmarks/bench_forecast.py`` or ``--seeds 2024 --skip-real`` for a quick check.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
sys.path.insert(0, str(HERE))

AS_OF_DEMO = "2025-11-01"
UCDP = "ucdp_ged_conflict_data_idn_1989-2019.csv"

logger = logging.getLogger("bench_forecast")


def _demo_folder(seed: int) -> Path:
    from kewaspadaan.demo import generate_province, read_manifest

    folder = WORK / f"demo_full_{seed}"
    m = read_manifest(folder) or {}
    if m.get("seed") == seed and m.get("size") == "full":
        return folder
    t0 = time.perf_counter()
    generate_province(folder, seed=seed, size="full")
    print(f"  generated demo seed {seed} in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def _zero_drivers(table: pd.DataFrame) -> int:
    from kewaspadaan.risk import FEATURE_SPEC

    by_label = {lab: f for f, (_, _, lab) in FEATURE_SPEC.items()}
    bad = 0
    for _, row in table.iterrows():
        for lab in filter(None, str(row["pendorong"]).split("; ")):
            v = row[by_label[lab]]
            bad += int(not np.isfinite(v) or v == 0)
    return bad


def _time_forecast(layers: Any) -> tuple[float, float]:
    """Seconds of the default backtest and of the fit + forecast to voting day (same panel)."""
    from kewaspadaan._threads import thread_limits
    from kewaspadaan.forecast import (
        backtest,
        build_count_panel,
        fit_forecast_model,
        forecast_to_voting_day,
    )
    from kewaspadaan.io import assign_incidents, load_incidents
    from kewaspadaan.scoring import static_features

    b = layers.kecamatan.reset_index(drop=True)
    assigned = assign_incidents(load_incidents(layers.incidents_path), b).assigned
    panel = build_count_panel(assigned, b, end=AS_OF_DEMO, static=static_features(layers, b)[0])
    with thread_limits():
        t0 = time.perf_counter()
        backtest(panel)
        t1 = time.perf_counter()
        forecast_to_voting_day(fit_forecast_model(panel), panel)
    return t1 - t0, time.perf_counter() - t1


def run_demo(seeds: list[int]) -> pd.DataFrame:
    from kewaspadaan.io import load_layers
    from kewaspadaan.scoring import score

    rows = []
    for seed in seeds:
        folder = _demo_folder(seed)
        layers = load_layers(folder)
        t0 = time.perf_counter()
        r = score(layers, as_of=AS_OF_DEMO)
        t_score = time.perf_counter() - t0
        t_bt, t_fc = _time_forecast(layers)
        v, bt, t = r.validation, r.backtest, r.table
        skill = pd.DataFrame(v["backtest_skill"]).T
        classes = t["kelas"].value_counts()
        row = {
            "seed": seed,
            "model": ",".join(f"{k}:{n}" for k, n in bt.chosen.value_counts().items()),
            "gap_brier": v["backtest_gap_brier"],
            "gap_log_loss": v["backtest_gap_log_loss"],
            **{f"gap_brier_{m}": skill.loc[m, "gap_brier"] for m in skill.index if m != "model"},
            "beats_brier": bt.beats_baselines("brier"),
            "beats_log_loss": bt.beats_baselines("log_loss"),
            "beats_crps": bt.beats_baselines("crps"),
            "brier_model": bt.metrics.loc["model", "brier"],
            "brier_best_baseline": bt.metrics.loc[bt.baselines, "brier"].min(),
            "spearman_future": v.get("spearman_ekspektasi_prakiraan", np.nan),
            "spearman_skor_future": v.get("spearman_skor", np.nan),
            **{
                f"kelas_{c}": int(classes.get(c, 0))
                for c in ("rendah", "sedang", "tinggi", "sangat tinggi")
            },
            "prob_min": t["prob_insiden"].min(),
            "zero_drivers": _zero_drivers(t),
            "hotspots": ",".join(f"{k}:{n}" for k, n in t["tren_hotspot"].value_counts().items()),
            "prob_ganti_kelas_mean": t["prob_ganti_kelas"].mean(),
            "keandalan_min": t["keandalan"].min(),
            "seconds_score": t_score,
            "seconds_backtest": t_bt,
            "seconds_forecast": t_fc,
        }
        rows.append(row)
        print(
            f"  seed {seed}: gap closed Brier {row['gap_brier']:.3f} log loss "
            f"{row['gap_log_loss']:.3f} (model {row['model']}); beats every baseline: Brier "
            f"{row['beats_brier']}, log loss {row['beats_log_loss']}; Spearman vs future "
            f"{row['spearman_future']:.3f}; classes "
            f"{[row[f'kelas_{c}'] for c in ('rendah', 'sedang', 'tinggi', 'sangat tinggi')]}; "
            f"zero drivers {row['zero_drivers']}; backtest {t_bt:.1f} s, forecast {t_fc:.1f} s",
            flush=True,
        )
    return pd.DataFrame(rows)


def _ucdp_incidents(max_prec: int):
    import geopandas as gpd

    u = pd.read_csv(SHARED / UCDP, skiprows=[1])  # row 2 is the HXL tag row
    u = u[u["where_prec"] <= max_prec].reset_index(drop=True)
    kinds = {1: "Battles", 2: "Battles", 3: "Violence against civilians"}
    return gpd.GeoDataFrame(
        {
            "event_id": u["id"].astype(str),
            "event_date": pd.to_datetime(u["date_start"].str[:10]),
            "event_type": u["type_of_violence"].map(kinds),
            "sub_event_type": "",
            "actor1": u["side_a"],
            "actor2": u["side_b"],
            "location": u["where_coordinates"],
            "fatalities": u["best"].astype(int),
            "geo_precision": u["where_prec"].clip(upper=3).astype(int),
            "notes": u["source_headline"].fillna(""),
            "source_file": UCDP,
            "source_row": np.arange(1, len(u) + 1),
        },
        geometry=gpd.points_from_xy(u["longitude"], u["latitude"]),
        crs="EPSG:4326",
    )


def _boundaries(level: str):
    """The national boundaries; two kecamatan are GeometryCollections in the source: their
    polygonal parts are kept (written to benchmarks/_work, the source stays untouched)."""
    import geopandas as gpd
    import shapely

    from kewaspadaan.io import load_boundaries

    name = {
        "kabupaten": "indonesia_kabkota_kemendagri",
        "kecamatan": "indonesia_kecamatan_kemendagri",
    }[level]
    fixed = WORK / f"{name}.gpkg"
    if not fixed.exists():
        raw = gpd.read_file(SHARED / f"{name}.geojson")
        gc = raw.geometry.geom_type == "GeometryCollection"
        raw.loc[gc, "geometry"] = [
            shapely.union_all([p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")])
            for g in raw.geometry[gc]
        ]
        raw.to_file(fixed)
    return load_boundaries(fixed, level=level)


def run_real(level: str, *, as_of: str, months: int, refit: int, bootstrap: int) -> pd.DataFrame:
    from _national import NATIONAL_CRS

    from kewaspadaan import settings
    from kewaspadaan._threads import thread_limits
    from kewaspadaan.forecast import backtest, build_count_panel
    from kewaspadaan.io import assign_incidents

    settings.analysis_crs = NATIONAL_CRS
    b = _boundaries(level)
    assigned = assign_incidents(_ucdp_incidents(3 if level == "kabupaten" else 2), b)
    assigned.check_accounting()
    acc = assigned.summary()
    static = pd.DataFrame(
        {
            "area_km2": b.to_crs(NATIONAL_CRS).area / 1e6,
            "lat": pd.to_numeric(b["lat_c"], errors="coerce"),
            "lon": pd.to_numeric(b["lng_c"], errors="coerce"),
        },
        index=b.index,
    )
    panel = build_count_panel(assigned.assigned, b, end=as_of, start="1989-01-01", static=static)
    t0 = time.perf_counter()
    with thread_limits():
        bt = backtest(panel, n_months=months, refit_every=refit, bootstrap=bootstrap)
    secs = time.perf_counter() - t0
    print(
        f"  {level}: {len(b)} units, events read {acc['n_read']} = assigned {acc['n_assigned']} "
        f"+ rejected {acc['n_rejected']}; backtest {bt.settings['months'][0]}.."
        f"{bt.settings['months'][1]} ({int(panel.counts[:, -months:].sum())} events, event rate "
        f"{bt.predictions['y'].mean():.4f}) in {secs:.0f} s; model {bt.chosen.value_counts().to_dict()}",
        flush=True,
    )
    cols = [
        "brier",
        "brier_lo",
        "brier_hi",
        "log_loss",
        "log_loss_lo",
        "log_loss_hi",
        "crps",
        "crps_lo",
        "crps_hi",
        "aupr",
        "hit_10",
        "pai_10",
    ]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(bt.metrics[cols].round(5).to_string())
        print(bt.paired.round(5).to_string())
    out = bt.to_frame()
    out.insert(0, "tingkat", level)
    bt.paired.rename_axis("pembanding").reset_index().assign(tingkat=level).to_csv(
        WORK / f"forecast_ucdp_{level}_uji.csv", index=False
    )
    for loss in ("brier", "log_loss", "crps"):
        ratio = bt.metrics.loc["model", loss] / bt.metrics.loc[bt.baselines, loss].min()
        print(f"  {level}: model / best baseline {loss} ratio {ratio:.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[2024, 1, 2, 3, 4, 5])
    p.add_argument("--skip-demo", action="store_true")
    p.add_argument("--skip-real", action="store_true")
    p.add_argument("--levels", nargs="+", default=["kabupaten", "kecamatan"])
    p.add_argument("--real-as-of", default="2005-01-01")
    p.add_argument("--real-months", type=int, default=48)
    p.add_argument("--real-refit", type=int, default=3)
    p.add_argument("--bootstrap", type=int, default=1000)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore")
    WORK.mkdir(exist_ok=True)
    if not args.skip_demo:
        print("== demo: skill against the generator's true intensity", flush=True)
        demo = run_demo(args.seeds)
        demo.to_csv(WORK / "forecast_demo.csv", index=False)
        print(
            f"  mean of {len(demo)} seeds: gap closed Brier {demo['gap_brier'].mean():.3f} "
            f"(min {demo['gap_brier'].min():.3f}), log loss {demo['gap_log_loss'].mean():.3f}; "
            f"model beats every baseline on Brier in {int(demo['beats_brier'].sum())}/{len(demo)} "
            f"seeds, on log loss in {int(demo['beats_log_loss'].sum())}/{len(demo)}; "
            f"zero-valued drivers {int(demo['zero_drivers'].sum())}"
        )
        print(f"  demo gap closed (Brier) ratio {demo['gap_brier'].mean():.3f}")
        print(
            "  demo backtest / (fit + forecast to voting day) seconds ratio "
            f"{demo['seconds_backtest'].mean() / demo['seconds_forecast'].mean():.2f} "
            f"({demo['seconds_backtest'].mean():.1f} s / {demo['seconds_forecast'].mean():.1f} s)"
        )
    if not args.skip_real:
        if not (SHARED / UCDP).exists():
            print(f"== real data skipped: {SHARED / UCDP} absent")
        else:
            print("== real UCDP events, Indonesia", flush=True)
            tables = [
                run_real(
                    level,
                    as_of=args.real_as_of,
                    months=args.real_months,
                    refit=args.real_refit,
                    bootstrap=args.bootstrap,
                )
                for level in args.levels
            ]
            pd.concat(tables).to_csv(WORK / "forecast_ucdp.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
