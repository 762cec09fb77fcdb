"""``kewaspadaan score``: risk scores, classes, drivers, model probability, backtest, alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kewaspadaan._io_utils import write_staged
from kewaspadaan.cli._common import (
    AsOfOption,
    BackendOption,
    ConfigOption,
    DataDirOption,
    DemoOption,
    LevelOption,
    OutputDirOption,
    VerboseOption,
    app,
    engine_backend,
    guarded,
    open_layers,
    output_dir,
    setup,
)
from kewaspadaan.schema import RISK_CLASSES

__all__ = ["score_command"]

BoundariesOption = Annotated[
    Path | None,
    typer.Option(
        "--boundaries",
        "--batas",
        "-b",
        help="Boundary file of the chosen level "
        "(GeoJSON/GeoPackage/Shapefile); with --incidents, instead of a project.",
    ),
]
LayerOption = Annotated[
    str | None,
    typer.Option(
        "--layer",
        help="Layer of a GeoPackage given with --boundaries that holds "
        "several (kewaspadaan never guesses which).",
    ),
]
IncidentsOption = Annotated[
    Path | None,
    typer.Option(
        "--incidents",
        "--insiden",
        "-i",
        help="Incident file (ACLED CSV/xlsx, UCDP, "
        "generic table); with --boundaries, instead of a project.",
    ),
]


@app.command("score")
@guarded
def score_command(
    config: ConfigOption = None,
    data: DataDirOption = None,
    demo: DemoOption = False,
    boundaries: BoundariesOption = None,
    layer: LayerOption = None,
    incidents: IncidentsOption = None,
    out: OutputDirOption = None,
    level: LevelOption = None,
    as_of: AsOfOption = None,
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
    backend: BackendOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Score conflict risk per kabupaten/kecamatan/desa and write risiko_<level>.gpkg/.csv,
    sensitivitas.csv, backtest.csv, peringatan.csv and insiden_ditolak.csv."""
    from kewaspadaan.scoring import score

    setup(config, verbose=verbose)
    paths: dict[str, Any] = {}
    if boundaries is not None:
        paths[level or "kecamatan"] = (
            {"path": str(boundaries), "layer": layer} if layer else boundaries
        )
    if incidents is not None:
        paths["insiden"] = incidents
    if incidents is not None and boundaries is None:
        raise ValueError(
            "--incidents needs --boundaries (the units to assign them to), or name "
            "both in a project file"
        )
    layers = open_layers(config=config, data=data, demo=demo, paths=paths or None, level=level)
    target = output_dir(out, layers)
    opts = layers.project.options if layers.project is not None else {}
    lv = level or opts.get("level", "kecamatan")
    with engine_backend(backend):
        result = score(
            layers,
            as_of=as_of or opts.get("as_of"),
            level=lv,  # type: ignore[arg-type]
            run_backtest=backtest,
            backtest_months=backtest_months,
            refit_every=refit_every,
            progress=True,
        )
    paths_out = write_staged(target, result.write)
    _report(result, paths_out, synthetic=layers.synthetic)


def _report(result: Any, paths: dict[str, Path], *, synthetic: bool) -> None:
    t = result.table
    acc = result.accounting
    note = " (DATA SINTETIS: provinsi demonstrasi)" if synthetic else ""
    typer.echo(
        f"Penilaian risiko per {result.level} per {result.as_of:%Y-%m-%d}: {len(t)} unit{note}"
    )
    typer.echo(
        f"Insiden: dibaca {acc['n_read']} = dipakai {acc['n_assigned']} + ditolak "
        f"{acc['n_rejected']}"
    )
    counts = t["kelas"].value_counts()
    typer.echo("Kelas: " + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in RISK_CLASSES))
    for _, r in t.sort_values("peringkat").head(5).iterrows():
        typer.echo(
            f"  {r['peringkat']:>3}. {r['nama']} ({r['kode']}): skor {r['skor']:.1f} "
            f"{r['kelas']} — {r['pendorong']}"
        )
    typer.echo(f"Peringatan: {int(t['peringatan'].sum())}")
    if result.backtest is not None:
        mt = result.backtest.metrics
        typer.echo("Backtest " + " .. ".join(result.backtest.settings["months"]) + ":")
        for meth in mt.index:
            typer.echo(
                f"  {meth:<14} Brier {mt.loc[meth, 'brier']:.4f}  AUPR {mt.loc[meth, 'aupr']:.3f}"
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
