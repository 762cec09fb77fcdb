"""Every benchmark script imports against the current library (a renamed or removed function
breaks the import here, not months later on the benchmark machine), and the report benchmark
runs end to end on the small demonstration province."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize("path", sorted(BENCH.glob("bench_*.py")), ids=lambda p: p.name)
def test_benchmark_imports(path: Path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the scripts run only under __main__
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"


@pytest.mark.slow
def test_report_benchmark_runs_on_the_small_demo(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench_report.py"), "--size", "small"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "build_report:" in done.stdout and "MB (budget 2 MB)" in done.stdout
