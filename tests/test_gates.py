"""The gates of every change, run by the README's test command (and so by ``.ci/run``): ruff
lint and format, mypy on the package. The package's doctests are collected by pytest itself
(``--doctest-modules``, see ``pyproject.toml``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TREE = ["kewaspadaan", "tests", "benchmarks", "scripts"]


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return [str(exe)]
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' installs it")
    return [found]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_check() -> None:
    res = _run([*_tool("ruff"), "check", *TREE])
    assert res.returncode == 0, res.stdout[-4000:]


def test_ruff_format() -> None:
    res = _run([*_tool("ruff"), "format", "--check", *TREE])
    assert res.returncode == 0, res.stdout[-4000:]


@pytest.mark.slow
def test_mypy_on_the_package() -> None:
    res = _run([*_tool("mypy")])
    assert res.returncode == 0, res.stdout[-4000:]
