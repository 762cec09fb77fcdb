"""Shared pieces of the CLI: the Typer app, logging set-up, common options."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from kewaspadaan import __version__, settings

__all__ = ["ConfigOption", "DataDirOption", "OutputDirOption", "app", "resolve_dirs", "setup"]

app = typer.Typer(
    name="kewaspadaan",
    help=(
        "kewaspadaan — kewaspadaan dini (early warning) for Pemilu/Pilkada: kecamatan risk "
        "scores, election logistics routes, offline maps and reports. With no data given, every "
        "command works on the embedded demonstration province (generated, not real)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML settings file (see kewaspadaan.settings).",
        exists=True,
        dir_okay=False,
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        "-d",
        help="Data folder (default: settings.data_dir = data/); the "
        "demonstration province is generated there when it holds no boundaries.",
    ),
]
OutputDirOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Output folder (default: settings.output_dir = outputs/)."),
]


def resolve_dirs(data: Path | None, out: Path | None = None) -> tuple[Path, Path]:
    """The data and output folders of a command: the options given, else the settings (call
    after :func:`setup`, so a ``--config`` file's ``[general]`` table counts)."""
    return (
        Path(data) if data is not None else Path(settings.data_dir),
        Path(out) if out is not None else Path(settings.output_dir),
    )


def setup(config: Path | None = None, *, verbose: bool = False) -> None:
    """Configure logging for a CLI run and apply a TOML settings file."""
    level = logging.DEBUG if verbose else settings.log_level
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("kewaspadaan").setLevel(level)
    for noisy in ("numba", "fiona", "pyogrio", "rasterio", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if config is not None:
        changed = settings.load_toml(config)
        logging.getLogger("kewaspadaan").info("settings from %s: %s", config, sorted(changed))


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kewaspadaan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """kewaspadaan command line."""
