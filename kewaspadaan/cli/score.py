"""``kewaspadaan score``: risk scores, classes, drivers, model probability, backtest, alerts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from kewaspadaan import settings
from kewaspadaan._errors import KewaspadaanError
from kewaspadaan.cli._common import (
    ConfigOption,
    DataDirOption,
    OutputDirOption,
    app,
    resolve_dirs,
    setup,
)
from kewaspadaan.schema import DEMO_FILES

__all__ = ["score_command"]

logger = logging.getLogger(__name__)


def _layers(data: Path, level: str, batas: Path | None, insiden: Path | None):
    """Layers of the data folder (the demonstration province is generated there when the folder
    holds no boundaries of ``level``), with explicit files winning."""
    from kewaspadaan.io import load_layers

    paths = {}
    if batas is not None:
        paths[level] = batas
    if insiden is not None:
        paths["insiden"] = insiden
    if batas is None:
        from kewaspadaan.demo import ensure_demo_data, read_manifest

        manifest = read_manifest(data)
        if manifest is not None:
            # a generated folder: keep its seed and size, refresh only if stale/incomplete
            ensure_demo_data(data, seed=manifest.get("seed"), size=manifest.get("size", "full"))
        elif not (data / DEMO_FILES[level]).exists():
            ensure_demo_data(data)  # nothing there: generate the full demonstration province
    return load_layers(data if data.exists() else None, paths=paths or None)


@app.command("score")
def score_command(
    data: DataDirOption = None,
    out: OutputDirOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Assessment date YYYY-MM-DD (only incidents before it count). Default: "
            "the month after the latest incident.",
        ),
    ] = None,
    level: Annotated[str, typer.Option(help="Units scored: kecamatan or desa.")] = "kecamatan",
    batas: Annotated[
        Path | None,
        typer.Option(
            "--batas", help="Boundary file of the chosen level (overrides the data folder)."
        ),
    ] = None,
    insiden: Annotated[
        Path | None,
        typer.Option(
            "--insiden",
            help="Incident file: ACLED export or generic CSV (overrides the data folder).",
        ),
    ] = None,
    backtest: Annotated[
        bool, typer.Option("--backtest/--no-backtest", help="Run the rolling-origin backtest.")
    ] = True,
    backtest_months: Annotated[
        int | None, typer.Option(help="Months in the backtest (default settings.backtest_months).")
    ] = None,
    refit_every: Annotated[
        int | None,
        typer.Option(
            help="Refit the model every N backtest months (default settings.backtest_refit_every)."
        ),
    ] = None,
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Score conflict risk per kecamatan/desa and write risiko_<level>.gpkg/.csv,
    sensitivitas.csv, backtest.csv, peringatan.csv and insiden_ditolak.csv."""
    setup(config, verbose=verbose)
    from kewaspadaan.scoring import score

    if level not in ("kecamatan", "desa"):
        typer.echo(f"Galat / error: --level must be kecamatan or desa, not {level!r}", err=True)
        raise typer.Exit(code=2)
    data_dir, out_dir = resolve_dirs(data, out)
    try:
        layers = _layers(data_dir, level, batas, insiden)
        result = score(
            layers,
            as_of=as_of,
            level=level,  # type: ignore[arg-type]
            run_backtest=backtest,
            backtest_months=backtest_months,
            refit_every=refit_every,
            progress=True,
        )
        paths = result.write(out_dir)
    except (KewaspadaanError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"Galat / error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    _report(result, paths)


def _report(result, paths: dict[str, Path]) -> None:
    t = result.table
    acc = result.accounting
    typer.echo(f"Penilaian risiko per {result.level} per {result.as_of:%Y-%m-%d}: {len(t)} unit")
    typer.echo(
        f"Insiden: dibaca {acc['n_read']} = dipakai {acc['n_assigned']} + ditolak "
        f"{acc['n_rejected']}"
    )
    counts = t["kelas"].value_counts()
    labels = settings.class_labels[settings.language]
    typer.echo("Kelas: " + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in labels))
    top = t.sort_values("peringkat").head(5)
    for _, r in top.iterrows():
        typer.echo(
            f"  {r['peringkat']:>3}. {r['nama']} ({r['kode']}): skor {r['skor']:.1f} "
            f"{r['kelas']} — {r['pendorong']}"
        )
    typer.echo(
        f"Peringatan (skor naik > {settings.alert_margin:g} poin): {int(t['peringatan'].sum())}"
    )
    if result.backtest is not None:
        mt = result.backtest.metrics
        typer.echo("Backtest " + " .. ".join(result.backtest.settings["months"]) + ":")
        for meth in mt.index:
            typer.echo(
                f"  {meth:<14} Brier {mt.loc[meth, 'brier']:.4f}  AUPR "
                f"{mt.loc[meth, 'aupr']:.3f}  hit@10% {mt.loc[meth, 'hit_10']:.3f}  "
                f"PAI@10% {mt.loc[meth, 'pai_10']:.2f}"
            )
    if result.validation:
        v = result.validation
        typer.echo(
            f"Validasi vs intensitas benar ({v['truth']}): Spearman skor "
            f"{v.get('spearman_skor', float('nan')):.3f}, prob "
            f"{v.get('spearman_prob_insiden', float('nan')):.3f}"
        )
    if result.missing:
        typer.echo("Fitur tidak dihitung: " + ", ".join(sorted(result.missing)))
    for name, path in paths.items():
        typer.echo(f"  {name}: {path}")
