"""``kewaspadaan demo-data`` and ``kewaspadaan init``: the demonstration province, and a
project file for real data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kewaspadaan import settings
from kewaspadaan.cli._common import ConfigOption, DataDirOption, VerboseOption, app, guarded, setup

__all__ = ["demo_data", "init"]


@app.command("demo-data")
@guarded
def demo_data(
    data: DataDirOption = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of the generator (default: settings.demo_seed)."),
    ] = None,
    size: Annotated[
        str,
        typer.Option(
            "--size",
            help="full (the demo of `kewaspadaan run`) or small (a quick test province).",
            case_sensitive=False,
        ),
    ] = "full",
    force: Annotated[
        bool, typer.Option("--force", help="Regenerate even if MANIFEST.json already matches.")
    ] = False,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Generate the demonstration province: Provinsi Demonstrasi (data sintetis), code 99.

    Writes boundaries, DEM, rivers, roads, ports, airstrips, KPU warehouses, security posts, the
    fleet, nine years of incidents in ACLED format and their true intensity into DATA, with a
    MANIFEST.json (seed, sizes, sha256 of every file). Nothing is downloaded; the data is
    generated and describes no real place. A folder holding other files is refused.
    """
    from kewaspadaan.demo import (
        SYNTHETIC_NOTICE,
        ensure_demo_data,
        generate_province,
        read_manifest,
    )
    from kewaspadaan.demo._spec import SIZES
    from kewaspadaan.io.layers import _foreign_files

    setup(config, verbose=verbose)
    folder = Path(data) if data is not None else Path(settings.data_dir)
    size = size.lower()
    if size not in SIZES:
        raise ValueError(f"--size must be one of {sorted(SIZES)}, not {size!r}")
    if read_manifest(folder) is None and _foreign_files(folder):
        raise ValueError(
            f"{folder} holds files that are not the demonstration province; "
            "choose an empty folder with --data"
        )
    seed = settings.demo_seed if seed is None else seed
    if force:
        generate_province(folder, seed=seed, size=size, progress=True)
    else:
        ensure_demo_data(folder, seed=seed, size=size, progress=True)
    m = read_manifest(folder) or {}
    typer.echo(
        f"{folder}: {m.get('province', {}).get('nama', '?')} (seed {m.get('seed')}, "
        f"size {m.get('size')}, {len(m.get('files', []))} files)"
    )
    for f in m.get("files", []):
        typer.echo(f"  {f['path']:<34} {f['features']:>9}  sha256 {f['sha256'][:12]}")
    typer.echo(SYNTHETIC_NOTICE)


@app.command("init")
@guarded
def init(
    folder: Annotated[
        Path, typer.Argument(help="Folder of your data; kewaspadaan.toml is written there.")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing kewaspadaan.toml.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Write a commented project file kewaspadaan.toml into FOLDER, with the files found there
    entered under the layers their names suggest. Check it with `kewaspadaan check --config`."""
    from kewaspadaan.io.project import write_template

    setup(None, verbose=verbose)
    path = write_template(folder, force=force)
    typer.echo(f"Ditulis: {path}")
    typer.echo(f"Periksa: kewaspadaan check --config {path}")
    typer.echo(f"Jalankan: kewaspadaan run --config {path}")
