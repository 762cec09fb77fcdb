"""The main job, end to end: data → risk scores → logistics → offline report.

:func:`run` is what ``kewaspadaan run`` calls; analysts call it (or its steps) from a notebook:

1. :func:`prepare_layers` — the layers of a data folder (the demonstration province is generated
   there when the folder holds no boundaries), or explicit files (``paths=``) for real data;
2. :func:`kewaspadaan.scoring.score` — features, composite index, model, backtest, alerts;
3. :func:`logistics` — multimodal network, routes from the KPU warehouses with deadlines, the
   delivery plan, critical links, hours in rawan kecamatan, escorts, personnel;
4. :func:`kewaspadaan.report.write_report` — the self-contained offline HTML report and map.

Every output is written atomically; the same input gives the same output (the report is dated
by the assessment date, not the wall clock).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kewaspadaan import settings
from kewaspadaan._io_utils import atomic_write
from kewaspadaan._threads import capped
from kewaspadaan.io import Layers, load_incidents, load_layers
from kewaspadaan.logistics import LogisticsResult, logistics
from kewaspadaan.schema import DEMO_FILES

__all__ = ["LogisticsResult", "RunResult", "logistics", "network_layers", "prepare_layers", "run"]

logger = logging.getLogger(__name__)

#: Layers the network builder uses, by their name in :class:`kewaspadaan.io.Layers`.
NETWORK_LAYERS = (
    "jalan",
    "sungai",
    "pelabuhan",
    "bandara",
    "permukiman",
    "gudang_kpu",
    "desa",
    "kecamatan",
    "armada",
)

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    return None


def prepare_layers(
    data_dir: str | Path | None = None, *, paths: Mapping[str, str | Path] | None = None
) -> Layers:
    """Load the layers of an analysis, generating the demonstration province when needed.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Folder laid out like :data:`kewaspadaan.schema.DEMO_FILES` (default
        ``settings.data_dir``). When it holds no kecamatan boundaries and no ``paths`` are given,
        the demonstration province (generated, not real) is written there first.
    paths : mapping, optional
        Explicit files by layer name (``{"kecamatan": "kec.geojson", "insiden": "acled.csv"}``);
        they win over the folder. Real data has other file names than the demo layout.

    Returns
    -------
    kewaspadaan.io.Layers
    """
    folder = Path(data_dir) if data_dir is not None else Path(settings.data_dir)
    if not paths and not (folder / DEMO_FILES["kecamatan"]).exists():
        from kewaspadaan.demo import ensure_demo_data

        logger.info(
            "%s holds no kecamatan boundaries: generating the demonstration province "
            "(synthetic data, not real)",
            folder,
        )
        ensure_demo_data(folder)
    elif (folder / DEMO_FILES["manifest"]).exists() and not paths:
        from kewaspadaan.demo import ensure_demo_data

        ensure_demo_data(folder)  # regenerates only if the manifest records another version
    return load_layers(folder if folder.exists() else None, paths=paths)


def network_layers(layers: Layers) -> dict[str, Any]:
    """The layers :func:`kewaspadaan.network.build_network` uses, as a name → table mapping."""
    return {
        name: getattr(layers, name)
        for name in NETWORK_LAYERS
        if getattr(layers, name, None) is not None
    }


@dataclass
class RunResult:
    """Result of :func:`run`: the score, the logistics plan and the files written."""

    score: Any
    logistics: LogisticsResult | None
    outputs: dict[str, Path] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (also written as ``ringkasan.json``)."""
        s = self.score
        table = s.table
        out: dict[str, Any] = {
            "tanggal_penilaian": f"{s.as_of:%Y-%m-%d}",
            "tingkat": s.level,
            "unit": len(table),
            "insiden": {
                k: int(v) if isinstance(v, int | float) else v for k, v in s.accounting.items()
            },
            "kelas": {
                str(k): int((table["kelas"] == k).sum()) for k in settings.class_labels["id"]
            },
            "peringatan": int(table["peringatan"].astype(bool).sum()),
            "fitur_tidak_dihitung": dict(sorted(s.missing.items())),
        }
        if s.backtest is not None:
            mt = s.backtest.metrics
            out["backtest"] = {
                m: {c: round(float(mt.loc[m, c]), 4) for c in mt.columns} for m in mt.index
            }
        if s.validation:
            out["validasi"] = {
                k: round(v, 4) if isinstance(v, float) else v for k, v in s.validation.items()
            }
        if self.logistics is not None:
            out["logistik"] = self.logistics.summary()
        out["berkas"] = {k: str(v) for k, v in sorted(self.outputs.items())}
        return out


@capped
def run(
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    paths: Mapping[str, str | Path] | None = None,
    as_of: str | pd.Timestamp | None = None,
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    officers: int | None = None,
    language: str | None = None,
    backtest: bool = True,
    logistics_level: str = "desa",
    layers: Layers | None = None,
    network_options: Mapping[str, Any] | None = None,
    step: Step = _no_step,
) -> RunResult:
    """Run the main job: score risk, plan logistics, write tables, map and report.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Data folder (default ``settings.data_dir``; the demonstration province is generated
        there when it holds no boundaries).
    out_dir : str or pathlib.Path, optional
        Output folder (default ``settings.output_dir``).
    paths : mapping, optional
        Explicit layer files (see :func:`prepare_layers`).
    as_of : str or Timestamp, optional
        Assessment date (default: the month after the latest incident).
    departure, deadline : str or Timestamp, optional
        Logistics departure and deadline (defaults: settings, H-1 of voting day).
    officers : int, optional
        Security personnel to allocate (default: the sum of the norm's needs is reported only).
    language : {"id", "en"}, optional
        Report language (default ``settings.language``).
    backtest : bool, default True
        Run the model's rolling-origin backtest.
    logistics_level : {"desa", "kecamatan"}, default "desa"
        Logistics destinations.
    layers : kewaspadaan.io.Layers, optional
        Layers already loaded (and completed, e.g. settlements derived from the desa with
        :mod:`kewaspadaan.realdata`); then ``data_dir``/``paths`` only name the sources.
    network_options : mapping, optional
        Passed to :func:`logistics` (keyword arguments of ``build_network``).
    step : callable, optional
        Called with a short label after each stage (the CLI draws a progress bar with it).

    Returns
    -------
    RunResult
    """
    from kewaspadaan.report import write_report
    from kewaspadaan.scoring import score

    out = Path(out_dir) if out_dir is not None else Path(settings.output_dir)
    if layers is None:
        layers = prepare_layers(data_dir, paths=paths)
    step("data")
    # read once: scored, then drawn on the map
    load = load_incidents(layers.incidents_path) if layers.incidents_path is not None else None
    result = score(layers, as_of=as_of, run_backtest=backtest, incidents=load)
    outputs = dict(result.write(out))
    step("skor risiko")
    logi = None
    if layers.permukiman is not None or layers.desa is not None:
        logi = logistics(
            layers,
            risk=result.table,
            level=logistics_level,
            departure=departure,
            deadline=deadline,
            officers=officers,
            network_options=network_options,
            step=step,
        )
        outputs.update(logi.write(out))
    else:
        logger.warning("no settlements or desa layer: logistics skipped")
    incidents = load.incidents if load is not None else None
    report = write_report(
        out / "laporan_kewaspadaan.html",
        result.table,
        incidents=incidents,
        routes=logi.routes if logi is not None else None,
        depots=layers.gudang_kpu,
        critical_links=logi.critical_links if logi is not None else None,
        sources=_sources(layers, data_dir, paths),
        run_date=result.as_of.date(),
        language=language,
        missing=result.missing,
    )
    outputs["laporan"] = report
    step("laporan")
    run_result = RunResult(score=result, logistics=logi, outputs=outputs)
    summary_path = out / "ringkasan.json"
    run_result.outputs["ringkasan"] = summary_path
    with atomic_write(summary_path) as fh:
        json.dump(run_result.summary(), fh, ensure_ascii=False, indent=2, sort_keys=False)
        fh.write("\n")
    return run_result


def _sources(
    layers: Layers, data_dir: str | Path | None, paths: Mapping[str, str | Path] | None
) -> list[tuple[str, str]]:
    """Data sources listed in the report: each layer file used, and whether it is synthetic."""
    folder = Path(data_dir) if data_dir is not None else Path(settings.data_dir)
    out: list[tuple[str, str]] = []
    manifest = folder / DEMO_FILES["manifest"]
    if not paths and manifest.exists():
        info = json.loads(manifest.read_text(encoding="utf-8"))
        out.append(
            (
                str(manifest),
                "provinsi demonstrasi hasil generator kewaspadaan (data "
                f"sintetis, bukan data nyata), seed {info.get('seed', '?')}",
            )
        )
    for name in layers.available():
        if paths and name in paths:
            out.append((str(paths[name]), name))
        elif name in DEMO_FILES and (folder / DEMO_FILES[name]).exists():
            out.append((str(folder / DEMO_FILES[name]), name))
        elif isinstance(getattr(getattr(layers, name), "attrs", None), dict) and getattr(
            layers, name
        ).attrs.get("source"):
            out.append((str(getattr(layers, name).attrs["source"]), name))
    if layers.incidents_path is not None:
        out.append((str(layers.incidents_path), "insiden (format ACLED / CSV)"))
    if layers.dem_path is not None:
        out.append((str(layers.dem_path), "model elevasi digital (GeoTIFF)"))
    return out
