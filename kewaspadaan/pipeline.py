"""The main job, end to end: data → risk scores → logistics → offline report.

:func:`run` is what ``kewaspadaan run`` calls; analysts call it (or its steps) from a notebook:

1. :func:`kewaspadaan.io.load_layers` — the layers named by a project file
   (``kewaspadaan.toml``) or ``paths=``; the demonstration province only when nothing is given;
2. :func:`kewaspadaan.scoring.score` — features, composite index, model, backtest, alerts;
3. :func:`logistics` — multimodal network, routes from the KPU warehouses with deadlines, the
   delivery plan, critical links, hours in rawan kecamatan, escorts, personnel;
4. :meth:`RunResult.write` — tables, the self-contained offline report and ``ringkasan.json``
   (with the provenance of every layer).

:func:`run` computes and writes nothing; the result object writes. Every output is written
atomically; the same input gives the same output (the report is dated by the assessment date,
not the wall clock).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kewaspadaan import settings
from kewaspadaan._io_utils import atomic_write, write_staged
from kewaspadaan._threads import capped
from kewaspadaan.io import Layers, load_layers
from kewaspadaan.logistics import (
    LogisticsResult,
    PreparedLogistics,
    logistics,
    network_layers,
    prepare_logistics,
)

__all__ = ["LogisticsResult", "RunResult", "logistics", "network_layers", "prepare_layers", "run"]

logger = logging.getLogger(__name__)

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    return None


def prepare_layers(
    data_dir: str | Path | None = None, *, paths: Mapping[str, Any] | None = None
) -> Layers:
    """The layers of an analysis: :func:`kewaspadaan.io.load_layers` under its older name.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        A project file, a folder holding ``kewaspadaan.toml``, or a folder of the
        demonstration province. With neither this nor ``paths``: the demonstration province.
    paths : mapping, optional
        Explicit files by layer name (``{"kecamatan": "kec.geojson", "insiden": "acled.csv"}``);
        never merged with a folder.

    Returns
    -------
    kewaspadaan.io.Layers
    """
    if paths:
        if data_dir is not None:
            raise ValueError(
                "give data_dir or paths=, not both (files are never merged with a folder)"
            )
        return load_layers(paths=paths)
    return load_layers(data_dir)


@dataclass
class RunResult:
    """Result of :func:`run`: the layers used, the score and the logistics plan.

    Nothing is written until :meth:`write`.
    """

    layers: Layers
    score: Any
    logistics: LogisticsResult | None = None
    outputs: dict[str, Path] = field(default_factory=dict)

    def data_period(self) -> tuple[str, str] | None:
        """First and last date of the incidents the score used (``YYYY-MM-DD``), or ``None``."""
        return getattr(self.score, "period", None)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (written as ``ringkasan.json``): the score's, the logistics',
        the data period and the provenance of every layer."""
        s = self.score.summary()
        out: dict[str, Any] = {
            "tanggal_penilaian": s.pop("tanggal_penilaian"),
            "tingkat": s.pop("tingkat"),
            "unit": s.pop("unit"),
            "data_sintetis": bool(self.layers.synthetic),
            "periode_data": list(self.data_period() or []),
            **s,
        }
        if self.logistics is not None:
            out["logistik"] = self.logistics.summary()
        out["sumber_data"] = self.layers.provenance()
        out["turunan"] = dict(sorted(self.layers.derived.items()))
        out["berkas"] = {k: v.name for k, v in sorted(self.outputs.items())}
        return out

    def to_frame(self) -> Any:
        """The risk table, with the logistics status of each unit's destinations when planned
        (``tujuan``, ``terlambat``, ``tidak_terjangkau`` per unit)."""
        table = self.score.table.copy()
        if self.logistics is None or "tujuan_kode" not in self.logistics.routes.columns:
            return table
        r = pd.DataFrame(self.logistics.routes.drop(columns="geometry", errors="ignore"))
        width = len(str(table["kode"].iloc[0])) if len(table) else 0
        unit = r["tujuan_kode"].astype(str).str.slice(0, width)
        status = r["status"].astype(str) if "status" in r.columns else pd.Series("", index=r.index)
        agg = pd.DataFrame(
            {
                "tujuan": unit.value_counts(),
                "terlambat": unit[status == "terlambat"].value_counts(),
                "tidak_terjangkau": unit[status == "tidak_terjangkau"].value_counts(),
            }
        )
        agg = agg.fillna(0).astype("int64")
        for col in agg.columns:
            table[col] = table["kode"].astype(str).map(agg[col]).fillna(0).astype("int64")
        return table

    def explore(self, **kwargs: Any) -> Any:
        """The offline risk map of the run (classes, routes off by default), for a notebook."""
        from kewaspadaan.maps import risk_map
        from kewaspadaan.report import report_inputs

        inputs = report_inputs(self)
        logi = self.logistics
        return risk_map(
            self.score.table,
            incidents=inputs.get("incidents"),
            routes=logi.routes if logi is not None else None,
            depots=self.layers.gudang_kpu,
            critical_links=logi.critical_links if logi is not None else None,
            date=self.score.as_of.date(),
            **kwargs,
        )

    def write(self, out_dir: str | Path, *, language: str | None = None) -> dict[str, Path]:
        """Write every table, the report and ``ringkasan.json`` into ``out_dir``; return
        ``{name: path}``.

        The files are written into a staging folder and switched in whole under a lock
        (:func:`kewaspadaan._io_utils.staged_output`): a killed run leaves the previous outputs
        complete, and two runs into one folder never interleave.
        """
        self.outputs = write_staged(out_dir, lambda stage: self._write_into(stage, language))
        return self.outputs

    def _write_into(self, out: Path, language: str | None) -> dict[str, Path]:
        from kewaspadaan.report import report_inputs, write_report

        outputs = dict(self.score.write(out))
        if self.logistics is not None:
            outputs.update(self.logistics.write(out))
        outputs["laporan"] = write_report(
            out / "laporan_kewaspadaan.html", **report_inputs(self), language=language
        )
        outputs["ringkasan"] = out / "ringkasan.json"
        self.outputs = outputs
        with atomic_write(outputs["ringkasan"]) as fh:
            json.dump(self.summary(), fh, ensure_ascii=False, indent=2, sort_keys=False)
            fh.write("\n")
        return outputs


@capped
def run(
    source: str | Path | None = None,
    *,
    paths: Mapping[str, Any] | None = None,
    layers: Layers | None = None,
    level: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    officers: int | None = None,
    backtest: bool = True,
    logistics_level: str | None = None,
    network_options: Mapping[str, Any] | None = None,
    step: Step = _no_step,
) -> RunResult:
    """Run the main job: score risk and plan logistics. Writes nothing (see
    :meth:`RunResult.write`).

    Parameters
    ----------
    source : str or pathlib.Path, optional
        A project file ``kewaspadaan.toml`` (or its folder) or a demonstration-province folder;
        with nothing given, the demonstration province (see :func:`kewaspadaan.io.load_layers`).
    paths : mapping, optional
        Explicit layer files instead of a project file.
    layers : kewaspadaan.io.Layers, optional
        Layers already loaded (then ``source``/``paths`` are not read).
    level : {"kabupaten", "kecamatan", "desa"}, optional
        Units scored (default: the project's ``level``, else kecamatan).
    as_of : str or Timestamp, optional
        Assessment date (default: the project's ``as_of``, else the month after the latest
        incident).
    departure, deadline : str or Timestamp, optional
        Logistics departure and deadline (defaults: settings, H-1 of voting day).
    officers : int, optional
        Security personnel to allocate.
    backtest : bool, default True
        Run the model's rolling-origin backtest.
    logistics_level : {"desa", "kecamatan"}, optional
        Logistics destinations (default: the project's, else desa).
    network_options : mapping, optional
        Keyword arguments of ``build_network``.
    step : callable, optional
        Called with a short label after each stage (the CLI draws a progress bar with it).

    Returns
    -------
    RunResult
    """
    from kewaspadaan.scoring import score

    if layers is None:
        layers = (
            load_layers(source, paths=paths) if (source is not None or paths) else load_layers()
        )
    opts = layers.project.options if layers.project is not None else {}
    level = level or opts.get("level", "kecamatan")
    as_of = as_of if as_of is not None else opts.get("as_of")
    officers = officers if officers is not None else opts.get("officers")
    logistics_level = logistics_level or opts.get("logistics_level", "desa")
    step("data")
    with_logistics = layers.permukiman is not None or layers.desa is not None
    if not with_logistics:
        logger.warning("no settlements or desa layer: logistics skipped")
    net_layers = network_layers(layers) if with_logistics else {}  # read here, in this thread

    def _score() -> Any:
        return score(layers, as_of=as_of, level=level, run_backtest=backtest)  # type: ignore[arg-type]

    def _prepare(stage: Step) -> PreparedLogistics:
        return prepare_logistics(
            net_layers,
            level=logistics_level,
            departure=departure,
            deadline=deadline,
            network_options=network_options,
            step=stage,
        )

    prep: PreparedLogistics | None = None
    if with_logistics and settings.overlap_logistics:
        result, prep = _overlapped(_score, _prepare, step)
    else:
        result = _score()
        step("skor risiko")
        if with_logistics:
            prep = _prepare(step)
    logi = None
    if prep is not None:
        risk = result.table if level == "kecamatan" else None
        logi = prep.finish(risk=risk, officers=officers if risk is not None else None, step=step)
    return RunResult(layers=layers, score=result, logistics=logi)


def _overlapped(
    score: Callable[[], Any], prepare: Callable[[Step], PreparedLogistics], step: Step
) -> tuple[Any, PreparedLogistics]:
    """The risk score here while the logistics is prepared beside it (network, delivery plan,
    critical links: nothing of it needs the risk), in a forked child or a second thread
    (:func:`kewaspadaan._beside.beside`; the result comes back pickled, 5 MB and a tenth of a
    second on the demo). ``prepare`` gets the network layers read beforehand, so no layer is
    read twice. The side's stages are reported through ``step.concurrent(label, seconds)``
    when the callback has it (the CLI's stage clock), else as plain ``step(label)`` calls."""
    from kewaspadaan._beside import beside

    def main() -> Any:
        out = score()
        step("skor risiko")
        return out

    result, (prep, times) = beside(lambda: _timed(prepare), main, name="kewaspadaan-logistik")
    step("tunggu logistik")
    concurrent = getattr(step, "concurrent", None)
    for label, seconds in times:
        if concurrent is not None:
            concurrent(label, seconds)
        else:
            step(label)
    return result, prep


def _timed(prepare: Callable[[Step], PreparedLogistics]) -> tuple[PreparedLogistics, list]:
    """``prepare`` with the seconds of each of its stages."""
    times: list[tuple[str, float]] = []
    last = time.perf_counter()

    def stage(label: str) -> None:
        nonlocal last
        now = time.perf_counter()
        times.append((label, now - last))
        last = now

    return prepare(stage), times
