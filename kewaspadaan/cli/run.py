"""``kewaspadaan run``: the main job — risk scores, logistics, offline report — in one command."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kewaspadaan.cli._common import (
    AsOfOption,
    BackendOption,
    ConfigOption,
    DataDirOption,
    DemoOption,
    LanguageOption,
    LevelOption,
    OutputDirOption,
    ProfileOption,
    StageClock,
    VerboseOption,
    app,
    engine_backend,
    guarded,
    open_layers,
    output_dir,
    progress,
    setup,
)

__all__ = ["echo_summary", "run_command"]

#: Stages reported by :func:`kewaspadaan.pipeline.run` through its ``step`` callback.
_STAGES = 8


@app.command("run")
@guarded
def run_command(
    config: ConfigOption = None,
    data: DataDirOption = None,
    demo: DemoOption = False,
    out: OutputDirOption = None,
    level: LevelOption = None,
    as_of: AsOfOption = None,
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
    language: LanguageOption = None,
    backtest: Annotated[
        bool,
        typer.Option("--backtest/--no-backtest", help="Run the model's rolling-origin backtest."),
    ] = True,
    backend: BackendOption = None,
    profile: ProfileOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Score risk, plan ballot logistics and write the offline HTML report.

    Data: the project file of --config (or kewaspadaan.toml in the working folder); with none,
    the demonstration province. Writes into the output folder: risiko_<level>.gpkg/.csv,
    backtest.csv, sensitivitas.csv, peringatan.csv, insiden_ditolak.csv, rute.*, rencana_
    pengiriman.csv, tautan_kritis.*, laporan_kewaspadaan.html and ringkasan.json (with the
    provenance of every layer).
    """
    from kewaspadaan.pipeline import run

    setup(config, verbose=verbose)
    _check_language(language)
    clock = StageClock()  # from the start: opening the layers may generate the demo
    layers = open_layers(config=config, data=data, demo=demo, level=level)
    clock.mark("buka lapisan")
    target = output_dir(out, layers)
    bar, step, clock = progress(_STAGES, "kewaspadaan run", clock)
    try:
        with engine_backend(backend):
            result = run(
                layers=layers,
                level=level,
                as_of=as_of,
                departure=departure,
                deadline=deadline,
                officers=officers,
                backtest=backtest,
                step=step,
            )
        result.write(target, language=language)
        clock.mark("tulis + laporan")
    finally:
        bar.close()
    echo_summary(result.summary(), target)
    if profile:
        typer.echo(clock.table())


def _check_language(language: str | None) -> None:
    if language is not None and language not in ("id", "en"):
        raise ValueError(f"--language must be id or en, not {language!r}")


def echo_summary(s: dict[str, Any], target: Any) -> None:
    """The few lines a planner reads after a run."""
    inc = s["insiden"]
    sintetis = " (DATA SINTETIS: provinsi demonstrasi)" if s.get("data_sintetis") else ""
    typer.echo(
        f"Penilaian risiko per {s['tingkat']} per {s['tanggal_penilaian']}: {s['unit']} "
        f"unit{sintetis}"
    )
    if s.get("periode_data"):
        typer.echo(f"Periode data insiden: {s['periode_data'][0]} s.d. {s['periode_data'][1]}")
    typer.echo(
        f"Insiden: dibaca {inc.get('n_read')} = dipakai {inc.get('n_assigned')} + ditolak "
        f"{inc.get('n_rejected')}"
    )
    typer.echo(
        "Kelas: "
        + ", ".join(f"{k} {v}" for k, v in s["kelas"].items())
        + f"; peringatan {s['peringatan']}"
    )
    for method, m in s.get("backtest", {}).items():
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
    typer.echo(f"Sumber data: {len(s.get('sumber_data', []))} lapisan (lihat ringkasan.json)")
    typer.echo(f"Laporan: {target}/{s['berkas'].get('laporan')}")
    typer.echo(f"Ringkasan: {target}/{s['berkas'].get('ringkasan')}")
