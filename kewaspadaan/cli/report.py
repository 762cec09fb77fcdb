"""``kewaspadaan report``: the offline HTML report and map, built from the results of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kewaspadaan._io_utils import write_staged
from kewaspadaan.cli._common import (
    AsOfOption,
    ConfigOption,
    DataDirOption,
    DemoOption,
    LanguageOption,
    LevelOption,
    OutputDirOption,
    VerboseOption,
    app,
    guarded,
    open_layers,
    output_dir,
    progress,
    setup,
)

__all__ = ["MAP_NAME", "PDF_NAME", "REPORT_NAME", "report_command"]

#: File names written into the output folder.
REPORT_NAME = "laporan_kewaspadaan.html"
MAP_NAME = "peta_risiko.html"
PDF_NAME = "laporan_kewaspadaan.pdf"


@app.command("report")
@guarded
def report_command(
    config: ConfigOption = None,
    data: DataDirOption = None,
    demo: DemoOption = False,
    out: OutputDirOption = None,
    level: LevelOption = None,
    as_of: AsOfOption = None,
    language: LanguageOption = None,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf",
            help="Also write laporan_kewaspadaan.pdf (A4; WeasyPrint, or Chromium when present).",
        ),
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Score and plan from the data (without the backtest), then write the self-contained offline
    report (laporan_kewaspadaan.html) and map (peta_risiko.html) into the output folder."""
    from kewaspadaan.maps import risk_map, save_map
    from kewaspadaan.pipeline import run
    from kewaspadaan.report import logistics_status, report_inputs, write_report

    setup(config, verbose=verbose)
    if language is not None and language not in ("id", "en"):
        raise ValueError(f"--language must be id or en, not {language!r}")
    layers = open_layers(config=config, data=data, demo=demo, level=level)
    target = output_dir(out, layers)
    bar, step, _ = progress(7, "report")
    try:
        result = run(layers=layers, level=level, as_of=as_of, backtest=False, step=step)
    finally:
        bar.close()
    inputs = report_inputs(result)
    logi = result.logistics
    status: dict[str, str] | None = None
    if logi is not None:
        known = logistics_status(
            routes=logi.routes, plan=logi.plan, problems=inputs.get("problems")
        )
        status = known.status_by_code() if known is not None else None
    m = risk_map(
        result.score.table,
        title=title,
        date=result.score.as_of.date(),
        language=language,
        incidents=inputs.get("incidents"),
        routes=logi.routes if logi is not None else None,
        depots=layers.gudang_kpu,
        critical_links=logi.critical_links if logi is not None else None,
        route_status=status,
    )

    def write(stage: Path) -> dict[str, Path]:
        files = {
            "laporan": write_report(stage / REPORT_NAME, **inputs, language=language, title=title),
            "peta": save_map(m, stage / MAP_NAME),
        }
        if pdf:
            from kewaspadaan.pdf import html_to_pdf

            files["pdf"] = html_to_pdf(files["laporan"], stage / PDF_NAME)
        return files

    written = list(write_staged(target, write).values())
    for path in written:
        typer.echo(f"{path} ({path.stat().st_size / 1e6:.2f} MB)")
