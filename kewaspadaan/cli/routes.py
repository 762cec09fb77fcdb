"""``kewaspadaan routes``: election logistics routes, delivery plan and critical links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from kewaspadaan._io_utils import write_staged
from kewaspadaan.cli._common import (
    ConfigOption,
    DataDirOption,
    DemoOption,
    OutputDirOption,
    VerboseOption,
    app,
    guarded,
    open_layers,
    output_dir,
    progress,
    setup,
)

__all__ = ["routes"]


def _timestamp(value: str | None, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except ValueError as exc:
        raise ValueError(
            f"{what}: {value!r} is not an ISO date-time such as 2024-11-22T06:00"
        ) from exc


@app.command("routes")
@guarded
def routes(
    config: ConfigOption = None,
    data: DataDirOption = None,
    demo: DemoOption = False,
    out: OutputDirOption = None,
    risk: Annotated[
        Path | None,
        typer.Option(
            "--risk",
            help="Risk table (kode, kelas) from `kewaspadaan score`. Default: scored now "
            "(without the backtest) from the same data.",
        ),
    ] = None,
    departure: Annotated[
        str | None,
        typer.Option(
            "--departure",
            help="Departure from the KPU warehouses, ISO (default: "
            "settings.departure_days_before days before voting day, 06:00).",
        ),
    ] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="Delivery deadline, ISO (default H-1 18:00).")
    ] = None,
    close: Annotated[
        str | None,
        typer.Option(
            "--close",
            help="Comma-separated edge ids (road/river feature id or edge_id) or node "
            "names (an airstrip, a port) to close; a before/after report is written.",
        ),
    ] = None,
    level: Annotated[
        str, typer.Option("--level", help="Destinations: desa or kecamatan.")
    ] = "desa",
    officers: Annotated[
        int | None,
        typer.Option(
            "--officers",
            help="Security personnel available: allocate them across kecamatan by "
            "risk class and TPS.",
        ),
    ] = None,
    top: Annotated[int, typer.Option(help="Critical links listed.")] = 20,
    verbose: VerboseOption = False,
) -> None:
    """Fastest routes from each KPU warehouse to every desa/kecamatan, the delivery plan and
    the critical links; writes rute.gpkg/.csv/.geojson, rencana_pengiriman.csv,
    tautan_kritis.gpkg/.csv (and gangguan.csv with --close)."""
    from kewaspadaan.io import load_vector
    from kewaspadaan.pipeline import logistics
    from kewaspadaan.scoring import score

    setup(config, verbose=verbose)
    if level not in ("desa", "kecamatan"):
        raise ValueError(f"--level must be desa or kecamatan, not {level!r}")
    dep, dl = _timestamp(departure, "--departure"), _timestamp(deadline, "--deadline")
    layers = open_layers(config=config, data=data, demo=demo)
    target = output_dir(out, layers)
    bar, step, _ = progress(5, "routes")
    try:
        if risk is not None:
            table = load_vector(risk, ["kode", "kelas"], name="risk table")
        elif layers.kecamatan is not None:
            table = score(layers, level="kecamatan", run_backtest=False).table
        else:
            table = None  # no kecamatan: routes without hours in rawan kecamatan
        step("risiko")
        result = logistics(
            layers,
            risk=table,
            level=level,
            departure=dep,
            deadline=dl,
            close=close,
            officers=officers,
            top=top,
            step=step,
        )
    finally:
        bar.close()
    if result.personnel is not None:
        alloc = result.personnel
        typer.echo(
            f"Personel: kebutuhan {alloc.attrs['total_kebutuhan']}, tersedia {officers}, "
            f"kekurangan {alloc.attrs['total_kekurangan']}"
        )
    s = result.summary()
    typer.echo(
        f"Tujuan: {s['tujuan']}; terjangkau {s['terjangkau']}; tidak terjangkau "
        f"{s['tidak_terjangkau']}; terlambat {s['terlambat']}"
    )
    if s.get("moda"):
        typer.echo("Moda: " + ", ".join(f"{k} {v}" for k, v in s["moda"].items()))
    for label, path in write_staged(target, result.write).items():
        typer.echo(f"{label:<24}: {path}")
