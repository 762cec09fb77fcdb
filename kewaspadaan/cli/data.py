"""``kewaspadaan demo-data``: generate the demonstration province (synthetic data)."""

from __future__ import annotations

from typing import Annotated

import typer

from kewaspadaan import settings
from kewaspadaan.cli._common import ConfigOption, DataDirOption, app, resolve_dirs, setup

__all__ = ["demo_data"]


@app.command("demo-data")
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
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Generate the demonstration province: Provinsi Demonstrasi (data sintetis), code 99.

    Writes boundaries, DEM, rivers, roads, ports, airstrips, KPU warehouses, security posts, the
    fleet, nine years of incidents in ACLED format and their true intensity into DATA, with a
    MANIFEST.json (seed, sizes, sha256 of every file). Nothing is downloaded; the data is
    generated and describes no real place.
    """
    from kewaspadaan.demo import (
        SYNTHETIC_NOTICE,
        ensure_demo_data,
        generate_province,
        read_manifest,
    )
    from kewaspadaan.demo._spec import SIZES

    setup(config, verbose=verbose)
    folder, _ = resolve_dirs(data)
    size = size.lower()
    if size not in SIZES:
        raise typer.BadParameter(f"--size must be one of {sorted(SIZES)}, not {size!r}")
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
