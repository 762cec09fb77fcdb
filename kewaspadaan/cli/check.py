"""``kewaspadaan check``: validate every layer of a project at once (a table: layer, file, rows,
CRS, problems, what it enables or what is skipped), or one incident file against boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kewaspadaan._io_utils import write_table
from kewaspadaan.cli._common import (
    ConfigOption,
    DataDirOption,
    DemoOption,
    LevelOption,
    OutputDirOption,
    VerboseOption,
    app,
    guarded,
    open_layers,
    output_dir,
    setup,
)

__all__ = ["check", "layer_table"]


@app.command("check")
@guarded
def check(
    incidents: Annotated[
        Path | None,
        typer.Argument(
            help="Optional: one incident file (ACLED/UCDP/generic/field reports) to validate and "
            "assign. Without it, every layer of the project is checked."
        ),
    ] = None,
    config: ConfigOption = None,
    data: DataDirOption = None,
    demo: DemoOption = False,
    boundaries: Annotated[
        Path | None,
        typer.Option(
            "--boundaries",
            "--batas",
            "-b",
            help="Boundaries to assign INCIDENTS to (default: the project's).",
        ),
    ] = None,
    level: LevelOption = None,
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
    fmt: Annotated[
        str, typer.Option("--format", help="auto, acled, ucdp, generic or laporan.")
    ] = "auto",
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
    verbose: VerboseOption = False,
) -> None:
    """Check a project's layers (table of layer, file, rows, CRS, problems, enables/skipped), or
    validate and assign one INCIDENTS file: read = assigned + rejected."""
    setup(config, verbose=verbose)
    lv = level or "kecamatan"
    if incidents is None:
        _check_project(config, data, demo, lv, out, strict)
        return
    from kewaspadaan.io import assign_incidents, load_boundaries, merge_duplicates
    from kewaspadaan.io.readers import read_incident_file

    if boundaries is not None:
        units = load_boundaries(boundaries, level=lv)  # type: ignore[arg-type]
        layers: Any = None
        where = str(boundaries)
        gazetteer = {lv: units}
    else:
        layers = open_layers(config=config, data=data, demo=demo)
        units = layers.units(lv)
        if units is None:
            raise ValueError(
                f"no {lv} boundaries to assign {incidents} to: give --boundaries or "
                f"a project with [data.{lv}]"
            )
        where = f"{lv} dari proyek"
        gazetteer = {n: layers.units(n) for n in ("kabupaten", "kecamatan", "desa")}
    opts: dict[str, Any] = {
        "format": fmt,
        "swap_latlon": swap_latlon,
        "encoding": encoding,
        "date_format": date_format,
    }
    load = read_incident_file(incidents, boundaries=gazetteer, options=opts)
    result = merge_duplicates(assign_incidents(load, units, max_distance_m=max_distance_m))
    target = output_dir(out, layers)
    rej_path = rejected if rejected is not None else target / f"{incidents.stem}_ditolak.csv"
    write_table(result.rejected, rej_path)
    s = result.summary()
    typer.echo(f"Berkas insiden  : {incidents} (format {load.kind})")
    typer.echo(f"Batas wilayah   : {where} ({len(units)} {lv})")
    typer.echo(f"Dibaca          : {s['n_read']}")
    rules = ", ".join(f"{k} {v}" for k, v in s["by_rule"].items() if v)
    typer.echo(f"Ditugaskan      : {s['n_assigned']} ({rules})")
    typer.echo(f"Ditolak         : {s['n_rejected']}")
    for reason, n in s["reasons"].items():
        typer.echo(f"  - {reason}: {n}")
    typer.echo(f"Akuntansi       : {s['n_read']} = {s['n_assigned']} + {s['n_rejected']} (OK)")
    typer.echo(f"Daftar ditolak  : {rej_path}")
    if strict and s["n_rejected"]:
        raise typer.Exit(code=1)


def layer_table(layers: Any) -> list[dict[str, str]]:
    """One row per registry layer: file, rows, CRS, problem, enables / skipped and why."""
    from kewaspadaan.io.registry import LAYERS

    by_layer: dict[str, list[Any]] = {}
    for src in layers.sources:
        by_layer.setdefault(src.layer, []).append(src)
    rows = []
    for name, spec in LAYERS.items():
        if spec.demo_only and name not in by_layer:
            continue
        problem = layers.problems.get(name, "")
        srcs = by_layer.get(name, [])
        if srcs:
            files = ", ".join(
                Path(s.path).name if s.path else f"(turunan: {s.derived_from})" for s in srcs
            )
            rows_n = str(sum(s.rows for s in srcs))
            crs = srcs[0].crs
            use = ("memungkinkan: " + spec.enables) if not problem else "—"
            if any(s.synthetic for s in srcs):
                use = "[sintetis] " + use
        else:
            given = name in (layers.project.files if layers.project else {})
            files = "(bermasalah)" if given else "(tidak ada)"
            rows_n, crs = "", ""
            use = "dilewati: " + spec.without if not problem else "—"
        rows.append(
            {
                "lapisan": name,
                "berkas": files,
                "baris": rows_n,
                "crs": crs,
                "masalah": problem,
                "keterangan": use,
            }
        )
    return rows


def _check_project(
    config: Path | None, data: Path | None, demo: bool, level: str, out: Path | None, strict: bool
) -> None:
    from kewaspadaan.io import assign_incidents, load_demo, load_layers, merge_duplicates
    from kewaspadaan.io.project import find_project, read_project

    if demo:
        layers = load_demo(data)
    elif config is not None:
        layers = load_layers(read_project(config), collect_errors=True, level=level)
    elif data is not None and find_project(data) is not None:
        layers = load_layers(read_project(data), collect_errors=True, level=level)
    elif data is not None:
        layers = load_layers(data, level=level)
    elif find_project(Path.cwd()) is not None:
        layers = load_layers(read_project(Path.cwd()), collect_errors=True, level=level)
    else:
        layers = load_demo()
    rows = layer_table(layers)
    title = layers.project.path if layers.project and layers.project.path else "demonstrasi"
    typer.echo(f"Proyek: {title}" + (" (DATA SINTETIS)" if layers.synthetic else ""))
    widths = {"lapisan": 16, "berkas": 44, "baris": 7, "crs": 11}
    typer.echo("  ".join(k.upper().ljust(w) for k, w in widths.items()) + "  MASALAH / KETERANGAN")
    for r in rows:
        tail = f"MASALAH: {r['masalah']}" if r["masalah"] else r["keterangan"]
        typer.echo("  ".join(_cut(r[k], w).ljust(w) for k, w in widths.items()) + "  " + tail)
    units = layers.units(level) if level in ("kabupaten", "kecamatan", "desa") else None
    if layers.incident_files and units is not None and "insiden" not in layers.problems:
        a = merge_duplicates(assign_incidents(layers.incidents, units))
        s = a.summary()
        typer.echo(
            f"Insiden: dibaca {s['n_read']} = ditugaskan {s['n_assigned']} + ditolak "
            f"{s['n_rejected']} (ke {len(units)} {level})"
        )
        write_table(a.rejected, output_dir(out, layers) / "insiden_ditolak.csv")
    if layers.problems:
        typer.echo(
            f"Galat: {len(layers.problems)} lapisan bermasalah: {', '.join(layers.problems)}",
            err=True,
        )
        raise typer.Exit(code=2)
    typer.echo("Semua lapisan terbaca.")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
