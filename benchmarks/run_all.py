"""Run every ``benchmarks/bench_*.py`` and print their result lines (the ones with a ratio).

Usage: ``python benchmarks/run_all.py [extra args passed to every benchmark]``. Each benchmark
runs in its own process (so peak memory is per benchmark); the exit status is non-zero when any
benchmark fails (including a failed equality check against its reference library).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("no benchmarks/bench_*.py found")
        return 1
    summary: list[str] = []
    failed: list[str] = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(script), *extra], capture_output=True, text=True, check=False
        )
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            sys.stdout.write(proc.stderr)
            failed.append(script.name)
        summary += [
            f"{script.stem}: {line}" for line in proc.stdout.splitlines() if "ratio" in line
        ]
        print(
            f"== {script.name} done in {time.perf_counter() - t0:.0f} s (exit {proc.returncode})",
            flush=True,
        )
    print("\nSummary")
    for line in summary:
        print(line)
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
