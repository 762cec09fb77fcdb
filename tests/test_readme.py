"""The README stays true: its Python tour runs, its commands match .ci/run and the CLI."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    commands = [
        line for line in _blocks("bash")[0].splitlines() if line and not line.startswith("#")
    ]
    assert len(commands) == 2, commands
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
    assert "kewaspadaan run" in commands[0]


def test_readme_commands_exist():
    from typer.testing import CliRunner

    from kewaspadaan.cli import app

    listed = set(re.findall(r"^kewaspadaan ([a-z-]+)", "\n".join(_blocks("bash")), flags=re.M))
    help_text = CliRunner().invoke(app, ["--help"]).output
    for command in listed - {"--help"}:
        assert f" {command} " in help_text, command


def test_readme_python_tour_runs(demo_small, tmp_path, monkeypatch):
    shutil.copytree(demo_small, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    # a short backtest keeps the test quick; everything else runs as written
    code = _blocks("python")[0].replace(
        'as_of="2026-11-01"', 'as_of="2026-11-01", backtest_months=4, refit_every=4'
    )
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert len(namespace["result"].table) > 0
    assert namespace["plan"].disruption is not None
    assert {"model", "persistensi", "rata_historis"} <= set(
        namespace["result"].backtest.metrics.index
    )


@pytest.mark.parametrize(
    "key", ["composite_weights", "class_breaks", "voting_day", "personnel_norm"]
)
def test_readme_toml_example_is_valid(key, tmp_path):
    from kewaspadaan import settings

    toml = next(block for block in _blocks("toml") if block.startswith("[risk]"))
    path = tmp_path / "s.toml"
    path.write_text(toml, encoding="utf-8")
    saved = settings.snapshot()
    try:
        changed = settings.load_toml(path)
        assert key in changed
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)


def test_package_imports_only_declared_dependencies():
    """Every third-party import of the package is a core dependency or a lazily imported extra
    (a fresh `pip install .` must run the main job)."""
    import ast
    import tomllib

    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=\[ ;]", d, maxsplit=1)[0].lower() for d in meta["dependencies"]}
    module_of = {
        "scikit-learn": "sklearn",
        "scikit-image": "skimage",
        "pillow": "PIL",
        "django-js-lib-leaflet": "js",
    }
    allowed = {module_of.get(d, d.replace("-", "_")) for d in declared}
    # folium brings markupsafe via jinja2; extras are imported inside functions only
    allowed |= {"markupsafe"}
    stdlib = set(__import__("sys").stdlib_module_names)
    problems = []
    for path in sorted((REPO / "kewaspadaan").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: lazy imports live inside functions
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top != "kewaspadaan" and top not in allowed:
                    problems.append(f"{path.relative_to(REPO)}: {name}")
    assert not problems, problems


def test_readme_project_file_example_is_valid(tmp_path):
    """The project file shown in the README parses: every table, key and column it names exists."""
    from kewaspadaan.io.project import read_project

    block = next(b for b in _blocks("toml") if b.startswith("# data_kaltim/kewaspadaan.toml"))
    path = tmp_path / "kewaspadaan.toml"
    path.write_text(block, encoding="utf-8")
    # only the files' existence is checked when the project file is read
    for name in re.findall(r'"([\w/]+\.(?:shp|tif|xlsx))"', block):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    project = read_project(path)
    assert project.options["level"] == "kecamatan"
    assert len(project.files["insiden"]) == 2
    assert project.files["insiden"][1].options["format"] == "laporan"
    assert len(project.files["dem"][0].paths) == 2
    assert project.files["kecamatan"][0].file_columns == {"KDCPUM": "kode", "WADMKC": "nama"}
