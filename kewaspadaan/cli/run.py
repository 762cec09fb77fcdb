"""``kewaspadaan run``: the main job — risk scores, logistics, offline report — in one command."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from tqdm.auto import tqdm

from kewaspadaan import settings
from kewaspadaan._errors import KewaspadaanError
from kewaspadaan.cli._common import ConfigOption, DataDirOption, OutputDirOption, app, setup

__all__ = ["run_command"]

logger = logging.getLogger(__name__)

#: Stages reported by :func:`kewaspadaan.pipeline.run` through its ``step`` callback.
_STAGES = 7


@app.command("run")
def run_command(
    data: DataDirOption = None,
    out: OutputDirOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Assessment date YYYY-MM-DD (default: the month after the latest incident).",
        ),
    ] = None,
    departure: Annotated[
        str | None,
        typer.Option(
            "--departure", help="Ballot logistics departure, ISO date-time (default: settings)."
        ),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option(
            "--deadline", help="Delivery deadline, ISO date-time (default: H-1 of voting day)."
        ),
    ] = None,
    officers: Annotated[
        int | None,
        typer.Option("--officers", help="Security personnel to allocate across kecamatan."),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", "-l", help="Report language: id (Bahasa Indonesia) or en."),
    ] = None,
    backtest: Annotated[
        bool,
        typer.Option("--backtest/--no-backtest", help="Run the model's rolling-origin backtest."),
    ] = True,
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Score risk per kecamatan, plan ballot logistics and write the offline HTML report.

    Writes into the output folder: risiko_kecamatan.gpkg/.csv (scores, classes, drivers),
    backtest.csv, sensitivitas.csv, peringatan.csv, insiden_ditolak.csv, rute.gpkg/.csv/.geojson,
    rencana_pengiriman.csv, tautan_kritis.gpkg/.csv, laporan_kewaspadaan.html and ringkasan.json.
    """
    setup(config, verbose=verbose)
    from kewaspadaan.pipeline import run

    if language is not None and language not in settings.class_labels:
        typer.echo(
            f"Galat / error: --language must be one of {sorted(settings.class_labels)}", err=True
        )
        raise typer.Exit(code=2)
    bar = tqdm(total=_STAGES, desc="kewaspadaan run", unit="tahap", disable=None)

    def step(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update(1)

    try:
        result = run(
            data,
            out,
            as_of=as_of,
            departure=departure,
            deadline=deadline,
            officers=officers,
            language=language,
            backtest=backtest,
            step=step,
        )
    except (KewaspadaanError, FileNotFoundError, ValueError) as exc:
        bar.close()
        typer.echo(f"Galat / error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    bar.close()
    _echo(result.summary())


def _echo(s: dict) -> None:
    inc = s["insiden"]
    typer.echo(
        f"Penilaian risiko per {s['tingkat']} per {s['tanggal_penilaian']}: {s['unit']} unit"
    )
    typer.echo(
        f"Insiden: dibaca {inc.get('n_read')} = dipakai {inc.get('n_assigned')} + ditolak "
        f"{inc.get('n_rejected')}"
    )
    typer.echo(
        "Kelas: "
        + ", ".join(f"{k} {v}" for k, v in s["kelas"].items())
        + f"; peringatan {s['peringatan']}"
    )
    if "backtest" in s:
        for method, m in s["backtest"].items():
            typer.echo(f"  backtest {method:<14} Brier {m['brier']:.4f}  AUPR {m['aupr']:.3f}")
    if "validasi" in s:
        v = s["validasi"]
        typer.echo(
            "Validasi vs intensitas benar: Spearman skor "
            f"{v.get('spearman_skor', float('nan')):.3f}, prob "
            f"{v.get('spearman_prob_insiden', float('nan')):.3f}"
        )
    if "logistik" in s:
        lg = s["logistik"]
        typer.echo(
            f"Logistik: {lg['tujuan']} tujuan, terjangkau {lg['terjangkau']}, terlambat "
            f"{lg['terlambat']}, tidak terjangkau {lg['tidak_terjangkau']}"
        )
    if s["fitur_tidak_dihitung"]:
        typer.echo("Fitur tidak dihitung: " + ", ".join(s["fitur_tidak_dihitung"]))
    typer.echo(f"Laporan: {s['berkas'].get('laporan')}")
    typer.echo(f"Ringkasan: {s['berkas'].get('ringkasan')}")
