"""``kewaspadaan check``: load, validate and assign an incident file; print the accounting."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from kewaspadaan._errors import KewaspadaanError
from kewaspadaan._io_utils import write_table
from kewaspadaan.cli._common import (
    ConfigOption,
    DataDirOption,
    OutputDirOption,
    app,
    resolve_dirs,
    setup,
)
from kewaspadaan.schema import DEMO_FILES

__all__ = ["check"]

logger = logging.getLogger(__name__)


@app.command("check")
def check(
    incidents: Annotated[
        Path,
        typer.Argument(
            help="Incident file: ACLED export CSV, generic "
            "CSV (lat/lon/tanggal) or GeoJSON/GeoPackage "
            "points."
        ),
    ],
    boundaries: Annotated[
        Path | None,
        typer.Option(
            "--boundaries",
            "-b",
            help="Kecamatan boundaries (GeoJSON/GeoPackage/Shapefile). "
            "Default: boundaries/kecamatan.geojson in the data folder.",
        ),
    ] = None,
    level: Annotated[
        str, typer.Option(help="Level of the boundaries: kecamatan, desa or kabupaten.")
    ] = "kecamatan",
    rejected: Annotated[
        Path | None,
        typer.Option(
            "--rejected",
            "-r",
            help="Where to write the rejection list (CSV). Default: "
            "<out>/<incident file stem>_ditolak.csv.",
        ),
    ] = None,
    out: OutputDirOption = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, acled or generic.")] = "auto",
    max_distance_m: Annotated[
        float | None,
        typer.Option(
            help="Assign points outside every polygon to the nearest one within this distance "
            "(metres). Default: settings.assign_max_distance_m."
        ),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of a CSV, e.g. cp1252.")
    ] = None,
    date_format: Annotated[
        str | None, typer.Option(help="strftime format of the dates, e.g. %d/%m/%Y.")
    ] = None,
    swap_latlon: Annotated[
        bool, typer.Option("--swap-latlon", help="The file has latitude and longitude exchanged.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with status 1 when any row is rejected.")
    ] = False,
    data: DataDirOption = None,
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Load, validate and assign INCIDENTS to kecamatan; print read = assigned + rejected."""
    setup(config, verbose=verbose)
    from kewaspadaan.io import assign_incidents, load_boundaries, load_incidents

    data_dir, out_dir = resolve_dirs(data, out)
    bpath = boundaries if boundaries is not None else data_dir / DEMO_FILES["kecamatan"]
    rej_path = rejected if rejected is not None else out_dir / f"{incidents.stem}_ditolak.csv"
    try:
        polys = load_boundaries(bpath, level=level)  # type: ignore[arg-type]
        load = load_incidents(
            incidents,
            format=fmt,
            encoding=encoding,  # type: ignore[arg-type]
            date_format=date_format,
            swap_latlon=swap_latlon,
        )
        result = assign_incidents(load, polys, max_distance_m=max_distance_m)
    except (KewaspadaanError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"Galat / error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    write_table(result.rejected, rej_path)
    s = result.summary()
    typer.echo(f"Berkas insiden  : {incidents}")
    typer.echo(f"Batas wilayah   : {bpath} ({len(polys)} {level})")
    typer.echo(f"Dibaca          : {s['n_read']}")
    rules = ", ".join(f"{k} {v}" for k, v in s["by_rule"].items())
    typer.echo(f"Ditugaskan      : {s['n_assigned']} ({rules})")
    typer.echo(f"Ditolak         : {s['n_rejected']}")
    for reason, n in s["reasons"].items():
        typer.echo(f"  - {reason}: {n}")
    typer.echo(f"Akuntansi       : {s['n_read']} = {s['n_assigned']} + {s['n_rejected']} (OK)")
    typer.echo(f"Daftar ditolak  : {rej_path}")
    if strict and s["n_rejected"]:
        raise typer.Exit(code=1)
