"""Shared pieces of the CLI: the Typer app, one option vocabulary, one error handler, and the
one place that decides where a command's data come from.

Every command is *parse → call → echo*: it parses its options, calls the library, and prints a
summary. :func:`guarded` turns every user error — a bad project or settings file, a missing
file, a malformed table, a CRS problem, an unwritable output folder — into one ``Galat: ...``
message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kewaspadaan import __version__, settings
from kewaspadaan._errors import KewaspadaanError

__all__ = [
    "AsOfOption",
    "BackendOption",
    "ConfigOption",
    "DataDirOption",
    "DemoOption",
    "LanguageOption",
    "LevelOption",
    "OutputDirOption",
    "ProfileOption",
    "StageClock",
    "VerboseOption",
    "app",
    "engine_backend",
    "guarded",
    "open_layers",
    "output_dir",
    "progress",
    "setup",
]

logger = logging.getLogger("kewaspadaan.cli")

app = typer.Typer(
    name="kewaspadaan",
    help=(
        "kewaspadaan — kewaspadaan dini (early warning) for Pemilu/Pilkada: kecamatan risk "
        "scores, election logistics routes, offline maps and reports. Name your data in a "
        "project file (`kewaspadaan init FOLDER`, then --config FOLDER/kewaspadaan.toml); with no "
        "data given, commands use the embedded demonstration province (generated, not real)."
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
        help="Project file kewaspadaan.toml ([data] names each layer's "
        "file; other tables are settings), or a settings-only TOML file.",
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        "-d",
        help="A folder holding kewaspadaan.toml, or a folder of the "
        "demonstration province (never written into when it holds other files).",
    ),
]
DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help="Use the demonstration province (synthetic data), even when a "
        "kewaspadaan.toml is in the working folder.",
    ),
]
OutputDirOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Output folder (default: [project] output_dir, else settings.output_dir = outputs/).",
    ),
]
LevelOption = Annotated[
    str | None,
    typer.Option(
        "--level",
        help="Units scored: kabupaten, kecamatan or desa (default: the "
        "project's level, else kecamatan).",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Assessment date YYYY-MM-DD (default: the project's as_of, else "
        "the month after the latest incident).",
    ),
]
LanguageOption = Annotated[
    str | None,
    typer.Option("--language", "-l", help="Report language: id (Bahasa Indonesia) or en."),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")]
BackendOption = Annotated[
    str | None,
    typer.Option(
        "--backend",
        help="Engine backend: default (in process) or dask (a "
        "LocalCluster of settings.dask_workers processes; pip install "
        '"kewaspadaan[dask]"). Same results.',
    ),
]
ProfileOption = Annotated[
    bool, typer.Option("--profile", help="Print the time of each stage of the run at the end.")
]

#: Errors that are the user's to fix: one line, exit status 2.
USER_ERRORS: tuple[type[BaseException], ...] = (
    KewaspadaanError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
    ValueError,
    KeyError,
    tomllib.TOMLDecodeError,
    UnicodeDecodeError,
)

F = TypeVar("F", bound=Callable[..., Any])


def guarded(func: F) -> F:
    """Run a command; a user error becomes ``Galat: <message>`` on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except USER_ERRORS as exc:
            text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
            typer.echo(f"Galat: {text.strip() or type(exc).__name__}", err=True)
            raise typer.Exit(code=2) from exc
        except OSError as exc:  # disk full, read-only folder, ...
            typer.echo(f"Galat: {exc.strerror or exc} ({exc.filename or ''})", err=True)
            raise typer.Exit(code=2) from exc

    return wrapper  # type: ignore[return-value]


def setup(config: Path | None = None, *, verbose: bool = False) -> None:
    """Configure logging for a CLI run and apply the settings tables of ``config``.

    The whole file is validated first; nothing is applied when it has a problem
    (:func:`kewaspadaan.settings.load_toml`).
    """
    level = logging.DEBUG if verbose else settings.log_level
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("kewaspadaan").setLevel(level)
    for noisy in ("numba", "fiona", "pyogrio", "rasterio", "matplotlib", "PIL", "distributed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if config is not None:
        if not Path(config).is_file():
            raise FileNotFoundError(f"{config}: --config file not found")
        changed = settings.load_toml(config)
        if changed:
            logger.info("settings from %s: %s", config, ", ".join(sorted(changed)))


def _has_data_table(config: Path) -> bool:
    with Path(config).open("rb") as fh:
        return "data" in tomllib.load(fh)


def open_layers(
    *,
    config: Path | None = None,
    data: Path | None = None,
    demo: bool = False,
    paths: dict[str, Any] | None = None,
    level: str | None = None,
) -> Any:
    """The layers of a command, from the one source its options name.

    In order: ``--demo`` → the demonstration province (in ``--data`` or
    ``settings.data_dir``); explicit files (``paths``) → exactly those; ``--config`` with a
    ``[data]`` table → that project; ``--data`` → the project or demonstration province in that
    folder; a ``kewaspadaan.toml`` in the working folder → that project; else the
    demonstration province. Sources are never merged.
    """
    from kewaspadaan.io import load_demo, load_layers
    from kewaspadaan.io.project import find_project, read_project

    if demo:
        if paths or (config is not None and _has_data_table(config)):
            raise ValueError(
                "--demo cannot be combined with files of your own (--config with a "
                "[data] table, --boundaries, --incidents)"
            )
        return load_demo(data)
    if paths:
        if config is not None and _has_data_table(config):
            raise ValueError(
                "--boundaries/--incidents name files, and --config names a project: "
                "give one of them (files are never merged with a project)"
            )
        return load_layers(paths=paths, level=level)
    if config is not None and _has_data_table(config):
        return load_layers(read_project(config), level=level)
    if data is not None:
        return load_layers(data, level=level)
    here = find_project(Path.cwd())
    if here is not None:
        logger.info("using the project file %s", here)
        return load_layers(read_project(here), level=level)
    return load_demo()


def output_dir(out: Path | None, layers: Any) -> Path:
    """``--out``, else the project's ``output_dir``, else ``settings.output_dir`` — checked
    writable before any work starts (:func:`kewaspadaan._io_utils.probe_output_dir`)."""
    from kewaspadaan._io_utils import probe_output_dir

    if out is not None:
        return probe_output_dir(out)
    project = getattr(layers, "project", None)
    if project is not None and project.path is not None:
        return probe_output_dir(project.output_dir(settings.output_dir))
    return probe_output_dir(settings.output_dir)


class StageClock:
    """Times between the ``step`` calls of a run: the stage breakdown of ``--profile``.

    Stages that ran beside the others (:func:`kewaspadaan.pipeline.run` prepares the
    logistics in a second process while the risk score runs) come through :meth:`concurrent` with
    their own duration; they are listed apart and not added to the total, which is the wall
    time."""

    def __init__(self) -> None:
        import time

        self._now = time.perf_counter
        self.start = self._now()
        self.last = self.start
        self.stages: list[tuple[str, float]] = []
        self.side: list[tuple[str, float]] = []

    def mark(self, label: str) -> None:
        """Close the stage that ends now under ``label``."""
        now = self._now()
        self.stages.append((label, now - self.last))
        self.last = now

    def concurrent(self, label: str, seconds: float) -> None:
        """Record a stage that ran beside the others and took ``seconds``."""
        self.side.append((label, float(seconds)))

    def table(self) -> str:
        """One line per stage: name, seconds, share of the total."""
        total = max(self.last - self.start, 1e-9)
        lines = ["Waktu per tahap (--profile):"]
        for label, sec in self.stages:
            lines.append(f"  {label:<16} {sec:7.2f} s  {100 * sec / total:5.1f} %")
        if self.side:
            lines.append("  bersamaan dengan skor risiko:")
            for label, sec in self.side:
                lines.append(f"    {label:<14} {sec:7.2f} s")
        lines.append(f"  {'total':<16} {total:7.2f} s")
        return "\n".join(lines)


class _Step:
    """The ``step`` callback of a run: advances the bar and marks the clock; the stages that
    ran beside the others go to :meth:`StageClock.concurrent`."""

    def __init__(self, bar: Any, clock: StageClock) -> None:
        self.bar, self.clock = bar, clock

    def __call__(self, label: str) -> None:
        self.clock.mark(label)
        self._advance(label)

    def concurrent(self, label: str, seconds: float) -> None:
        self.clock.concurrent(label, seconds)
        self._advance(label)

    def _advance(self, label: str) -> None:
        self.bar.set_postfix_str(label)
        self.bar.update(1)


def progress(
    total: int, desc: str, clock: StageClock | None = None
) -> tuple[Any, Callable[[str], None], StageClock]:
    """A progress bar (drawn on a terminal only, never into a redirected log), the ``step``
    callback that advances it, and the clock of the stages (``clock``: one already running)."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="tahap", disable=None, leave=False)
    clock = clock if clock is not None else StageClock()
    return bar, _Step(bar, clock), clock


@contextlib.contextmanager
def engine_backend(backend: str | None) -> Iterator[str]:
    """Apply ``--backend``; with dask, run the block on a LocalCluster of
    ``settings.dask_workers`` single-threaded worker processes."""
    from kewaspadaan._dask import backend_name

    name = backend_name(backend)
    before = settings.backend
    settings.backend = name
    try:
        if name != "dask":
            yield name
            return
        with _local_cluster():
            yield name
    finally:
        settings.backend = before


@contextlib.contextmanager
def _local_cluster() -> Iterator[None]:
    from kewaspadaan._dask import _import_dask

    _import_dask("--backend dask")
    from distributed import Client, LocalCluster

    for noisy in ("distributed", "dask"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    cluster = LocalCluster(
        n_workers=settings.dask_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    logger.info("dask LocalCluster: %d workers x 1 thread", settings.dask_workers)
    try:
        yield
    finally:
        client.close()
        cluster.close()


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
