"""The structure holds: no import cycle in the package, modules of a readable size, one error
handler for the CLI, the vocabulary of the data values defined once."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kewaspadaan"
#: Module size a reader can hold (the style guide says "well under ~800 lines"); the settings
#: module is a documented list of values and is allowed more.
MAX_LINES = 850
BIG_BY_NATURE = {"kewaspadaan.settings"}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        parts = list(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(path: Path, module: str, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """Package modules imported at module level, and inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rsplit(".", 1)[0] if "." in name else ""
        return name or None

    def targets(node: ast.AST) -> set[str]:
        found: set[str] = set()
        if isinstance(node, ast.Import):
            found = {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            subs = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules}
            # ``from pkg import submodule`` depends on the submodule, not on pkg/__init__
            found = subs if len(subs) == len(node.names) else {base, *subs}
        out = {resolve(t) for t in found if t.startswith("kewaspadaan")}
        return {t for t in out if t and t != module}

    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue  # annotations only
        top |= targets(node)
    lazy: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for sub in ast.walk(node):
                lazy |= targets(sub)
    return top, lazy


@pytest.fixture(scope="module")
def graphs() -> tuple[nx.DiGraph, nx.DiGraph]:
    modules = _modules()
    top, both = nx.DiGraph(), nx.DiGraph()
    for name, path in modules.items():
        top.add_node(name)
        both.add_node(name)
        t, lazy = _imports(path, name, modules)
        top.add_edges_from((name, m) for m in t)
        both.add_edges_from((name, m) for m in t | lazy)
    return top, both


def test_no_import_cycle(graphs) -> None:
    top, both = graphs
    assert not [c for c in nx.strongly_connected_components(top) if len(c) > 1]
    # not even through the imports deferred into functions (CLI start-up, optional extras)
    cycles = [sorted(c) for c in nx.strongly_connected_components(both) if len(c) > 1]
    assert cycles == [], cycles


def test_the_network_kernel_is_a_floor(graphs) -> None:
    """Routing, disruption, planning and security stand on the CSR kernel, not on each other
    in a loop; the kernel imports none of them."""
    top, both = graphs
    kernel = "kewaspadaan.network.graph"
    assert kernel in top
    users = {
        "kewaspadaan.network.routing",
        "kewaspadaan.network.critical",
        "kewaspadaan.network.plan",
        "kewaspadaan.network.security",
    }
    assert users <= set(nx.ancestors(both, kernel)) | {kernel}
    assert not {m for m in nx.descendants(both, kernel) if m.startswith("kewaspadaan.network")}


def test_the_cli_sits_on_top(graphs) -> None:
    """Nothing in the library imports the command line."""
    _, both = graphs
    library = [
        m for m in both if not m.startswith("kewaspadaan.cli") and m != "kewaspadaan.__main__"
    ]
    for m in library:
        assert not {d for d in both.successors(m) if d.startswith("kewaspadaan.cli")}, m


def test_modules_are_of_a_readable_size() -> None:
    big = {
        name: len(p.read_text(encoding="utf-8").splitlines())
        for name, p in _modules().items()
        if name not in BIG_BY_NATURE
    }
    assert {n: lines for n, lines in big.items() if lines > MAX_LINES} == {}


def test_every_command_has_the_one_error_handler() -> None:
    from kewaspadaan.cli import app

    for command in app.registered_commands:
        assert getattr(command.callback, "__wrapped__", None) is not None, command.name


def test_data_values_are_defined_once() -> None:
    """The class values of the data are the schema's, whatever the report language."""
    import pandas as pd

    from kewaspadaan import schema, settings
    from kewaspadaan.risk import classify

    before = settings.language
    try:
        settings.language = "en"
        got = classify(pd.Series([10.0, 40.0, 60.0, 90.0]), breaks=(25.0, 50.0, 75.0))
    finally:
        settings.language = before
    assert list(got) == list(schema.RISK_CLASSES)


def test_no_test_module_imports_another() -> None:
    """Shared test inputs live in ``tests/builders.py`` (and fixtures in ``conftest.py``): a
    test module importing another would run or break with it."""
    tests = Path(__file__).resolve().parent
    offenders = []
    for path in sorted(tests.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith("test_")]
    assert not offenders, offenders
