"""``kewaspadaan routes``: election logistics routes, delivery plan and critical links."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import geopandas as gpd
import pandas as pd
import typer
from tqdm.auto import tqdm

from kewaspadaan._errors import KewaspadaanError, NetworkError
from kewaspadaan.cli._common import (
    ConfigOption,
    DataDirOption,
    OutputDirOption,
    app,
    resolve_dirs,
    setup,
)
from kewaspadaan.schema import DEMO_FILES

__all__ = ["routes"]

logger = logging.getLogger(__name__)

_NETWORK_LAYERS = ("jalan", "sungai", "pelabuhan", "bandara", "permukiman", "gudang_kpu")


def _ensure_data(data: Path) -> None:
    """Generate the demonstration province into ``data`` when it holds no network layer."""
    if any((data / DEMO_FILES[name]).exists() for name in _NETWORK_LAYERS):
        return
    from kewaspadaan.demo import ensure_demo_data

    logger.info("%s holds no network layers: generating the demonstration province", data)
    ensure_demo_data(data)


def _read_risk(risk: Path | None, out: Path) -> gpd.GeoDataFrame | None:
    path = risk if risk is not None else out / "risiko_kecamatan.gpkg"
    if not path.exists():
        if risk is not None:
            raise FileNotFoundError(
                f"{path}: risk table not found; run `kewaspadaan score` or "
                "give --risk FILE (kode, kelas[, geometry])"
            )
        logger.info(
            "no risk table (%s absent): routes computed without jam_zona_rawan_h; run "
            "`kewaspadaan score` first to add it",
            path,
        )
        return None
    logger.info("risk table: %s", path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype={"kode": str})
    return gpd.read_file(path)


def _closures(G: Any, close: str | None) -> Any:
    from kewaspadaan.network import close_edges

    if not close:
        return G
    tokens = [t.strip() for t in close.split(",") if t.strip()]
    edge_ids = {str(d.get(k)) for *_, d in G.edges(data=True) for k in ("id", "edge_id")}
    names = {str(n) for n in G.nodes} | {str(v) for _, v in G.nodes(data="name") if v}
    unknown = [t for t in tokens if t not in edge_ids and t not in names]
    if unknown:
        raise NetworkError(
            f"--close: {unknown} are neither edge ids (road/river feature id or "
            "edge_id, see rute.csv jalur) nor node names (airstrip, port, "
            "settlement)"
        )
    ids = [t for t in tokens if t in edge_ids]
    nodes = [t for t in tokens if t not in edge_ids]
    return close_edges(G, ids=ids, nodes=nodes)


def _timestamp(value: str | None, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{what}: {value!r} is not an ISO date-time such as 2024-11-22T06:00"
        ) from exc


@app.command("routes")
def routes(
    data: DataDirOption = None,
    out: OutputDirOption = None,
    risk: Annotated[
        Path | None,
        typer.Option(
            "--risk",
            help="Risk table (kode, kelas, geometry) from `kewaspadaan score`. Default: "
            "<out>/risiko_kecamatan.gpkg when present.",
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
    level: Annotated[str, typer.Option(help="Destinations: desa or kecamatan.")] = "desa",
    officers: Annotated[
        int | None,
        typer.Option(
            "--officers",
            help="Security personnel available: allocate them across kecamatan by "
            "risk class and TPS (needs a risk table).",
        ),
    ] = None,
    top: Annotated[int, typer.Option(help="Critical links listed.")] = 20,
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Fastest routes from each KPU warehouse to every desa/kecamatan, the delivery plan and
    the critical links; writes rute.gpkg/.csv/.geojson, rencana_pengiriman.csv,
    tautan_kritis.gpkg/.csv (and gangguan.csv with --close)."""
    setup(config, verbose=verbose)
    if level not in ("desa", "kecamatan"):
        raise typer.BadParameter(f"--level must be desa or kecamatan, not {level!r}")
    try:
        written = _run(
            *resolve_dirs(data, out),
            risk,
            _timestamp(departure, "--departure"),
            _timestamp(deadline, "--deadline"),
            close,
            level,
            officers,
            top,
        )
    except (KewaspadaanError, FileNotFoundError) as exc:
        typer.echo(f"Galat / error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    for label, path in written:
        typer.echo(f"{label:<24}: {path}")


def _run(
    data: Path,
    out: Path,
    risk_path: Path | None,
    departure: pd.Timestamp | None,
    deadline: pd.Timestamp | None,
    close: str | None,
    level: str,
    officers: int | None,
    top: int,
) -> list[tuple[str, Path]]:
    from kewaspadaan.network import read_network_layers
    from kewaspadaan.pipeline import logistics

    bar = tqdm(total=5, desc="routes", unit="langkah", disable=None)

    def step(msg: str) -> None:
        bar.set_postfix_str(msg)
        bar.update(1)

    _ensure_data(data)
    layers = read_network_layers(data)
    step("data")
    risk = _read_risk(risk_path, out)
    if officers is not None and risk is None:
        raise FileNotFoundError(
            "--officers needs a risk table: run `kewaspadaan score` first or give --risk FILE"
        )
    closure = (lambda G: _closures(G, close)) if close else None
    result = logistics(
        layers,
        risk=risk,
        level=level,
        departure=departure,
        deadline=deadline,
        close=closure,
        officers=officers,
        top=top,
        step=step,
    )
    bar.close()
    if result.personnel is not None:
        alloc = result.personnel
        typer.echo(
            f"Personel: kebutuhan {alloc.attrs['total_kebutuhan']}, tersedia {officers}, "
            f"kekurangan {alloc.attrs['total_kekurangan']}"
        )
    _echo_summary(result.routes)
    return list(result.write(out).items())


def _echo_summary(rts: gpd.GeoDataFrame) -> None:
    n = len(rts)
    reach = int(rts["terjangkau"].sum())
    late = int((rts["terlambat"] & rts["terjangkau"]).sum())
    typer.echo(
        f"Tujuan: {n}; terjangkau {reach}; tidak terjangkau {n - reach}; terlambat "
        f"{late} (tenggat {rts['tenggat'].iloc[0] if n else '-'})"
    )
    if n:
        by_mode = rts.loc[rts["terjangkau"], "moda"].value_counts().to_dict()
        typer.echo("Moda: " + ", ".join(f"{k} {v}" for k, v in by_mode.items()))
