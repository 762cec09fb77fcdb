"""``kewaspadaan report``: the offline HTML report and map of a run, written into ``outputs/``."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import geopandas as gpd
import typer

from kewaspadaan import settings
from kewaspadaan._errors import DataFileError, KewaspadaanError
from kewaspadaan.cli._common import (
    ConfigOption,
    DataDirOption,
    OutputDirOption,
    app,
    resolve_dirs,
    setup,
)
from kewaspadaan.schema import DEMO_FILES

__all__ = ["MAP_NAME", "REPORT_NAME", "report_command"]

logger = logging.getLogger(__name__)

#: File names written into the output folder.
REPORT_NAME = "laporan_kewaspadaan.html"
MAP_NAME = "peta_risiko.html"


def _read_layer(path: Path, what: str) -> gpd.GeoDataFrame:
    if not path.exists():
        raise DataFileError(f"{path}: {what} file not found")
    gdf = gpd.read_file(path)
    if gdf.crs is None:
        raise DataFileError(f"{path}: {what} has no CRS; write it again with its CRS")
    return gdf


def _risk_table(
    risk: Path | None, data: Path, out: Path, sources: list[tuple[str, str]]
) -> gpd.GeoDataFrame:
    """The risk table: --risk, else outputs/risiko_kecamatan.gpkg, else computed by scoring."""
    path = risk if risk is not None else out / "risiko_kecamatan.gpkg"
    if path.exists():
        sources.append((str(path), "tabel risiko (kewaspadaan score)"))
        return _read_layer(path, "risk table")
    if risk is not None:
        raise DataFileError(f"{risk}: risk table not found; check the path given to --risk")
    try:
        from kewaspadaan.io import load_layers
        from kewaspadaan.scoring import score
    except ImportError as exc:
        raise DataFileError(
            f"{path} does not exist and the scoring engine is not available; run "
            "`kewaspadaan score` first (or give --risk FILE)"
        ) from exc
    if not (data / DEMO_FILES["kecamatan"]).exists():
        raise DataFileError(
            f"{path} does not exist and {data} holds no kecamatan boundaries; run "
            "`kewaspadaan score` first (it prepares the demonstration data), or give --risk FILE"
        )
    logger.info("%s absent: scoring now (as `kewaspadaan score --no-backtest`)", path)
    result = score(load_layers(data), run_backtest=False)
    result.write(out)
    sources.append((str(path), "tabel risiko, dihitung oleh kewaspadaan report"))
    return result.table


def _optional_layer(
    path: Path | None, what: str, hint: str, sources: list[tuple[str, str]]
) -> gpd.GeoDataFrame | None:
    if path is None or not path.exists():
        logger.info("no %s (%s): %s", what, path, hint)
        return None
    sources.append((str(path), what))
    return _read_layer(path, what)


def _incidents(data: Path, sources: list[tuple[str, str]]) -> gpd.GeoDataFrame | None:
    path = data / DEMO_FILES["insiden"]
    if not path.exists():
        logger.info("no incident file %s: the map shows no incidents", path)
        return None
    try:
        from kewaspadaan.io import load_incidents
    except ImportError:  # pragma: no cover - the IO module ships with the package
        logger.warning("kewaspadaan.io is unavailable: incidents are not drawn")
        return None
    load = load_incidents(path)
    sources.append(
        (
            str(path),
            f"insiden (format ACLED): {len(load.incidents)} dipakai, {len(load.rejected)} ditolak",
        )
    )
    return load.incidents


def _demo_note(data: Path, sources: list[tuple[str, str]]) -> None:
    manifest = data / DEMO_FILES["manifest"]
    if manifest.exists():
        info: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        sources.insert(
            0,
            (
                str(manifest),
                "provinsi demonstrasi hasil generator (data sintetis, "
                f"bukan data nyata), seed {info.get('seed', '?')}",
            ),
        )


@app.command("report")
def report_command(
    data: DataDirOption = None,
    out: OutputDirOption = None,
    risk: Annotated[
        Path | None,
        typer.Option(
            "--risk",
            help="Risk table (GeoPackage/GeoJSON). Default: <out>/risiko_kecamatan.gpkg, "
            "computed by the scoring engine when absent.",
        ),
    ] = None,
    routes: Annotated[
        Path | None,
        typer.Option("--routes", help="Route table. Default: <out>/rute.gpkg when present."),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="id (Bahasa Indonesia) or en (English).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    date: Annotated[
        str | None, typer.Option(help="Date shown in the report, YYYY-MM-DD (default: today).")
    ] = None,
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Write the self-contained offline report (laporan_kewaspadaan.html) and map
    (peta_risiko.html) into the output folder."""
    setup(config, verbose=verbose)
    from kewaspadaan.maps import risk_map, save_map
    from kewaspadaan.report import write_report

    lang = language or settings.language
    if lang not in ("id", "en"):
        typer.echo(f"Galat / error: --language must be id or en, not {lang!r}", err=True)
        raise typer.Exit(code=2)
    data_dir, out_dir = resolve_dirs(data, out)
    sources: list[tuple[str, str]] = []
    try:
        run_date = dt.date.fromisoformat(date) if date else dt.date.today()
        _demo_note(data_dir, sources)
        table = _risk_table(risk, data_dir, out_dir, sources)
        layers: dict[str, Any] = {
            "routes": _optional_layer(
                routes or out_dir / "rute.gpkg",
                "rute logistik",
                "run `kewaspadaan routes` for the logistics plan",
                sources,
            ),
            "depots": _optional_layer(
                data_dir / DEMO_FILES["gudang_kpu"], "gudang KPU", "no depots drawn", sources
            ),
            "critical_links": _optional_layer(
                out_dir / "tautan_kritis.gpkg", "ruas kritis", "no critical links drawn", sources
            ),
            "incidents": _incidents(data_dir, sources),
        }
        report_path = write_report(
            out_dir / REPORT_NAME,
            table,
            sources=sources,
            run_date=run_date,
            language=lang,
            title=title,
            **layers,
        )
        m = risk_map(table, title=title, date=run_date, language=lang, **layers)
        map_path = save_map(m, out_dir / MAP_NAME)
    except (KewaspadaanError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"Galat / error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    for path in (report_path, map_path):
        typer.echo(f"{path} ({path.stat().st_size / 1e6:.2f} MB)")
