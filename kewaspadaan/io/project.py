"""The project file ``kewaspadaan.toml``: which file holds each layer of an analysis.

A Kesbangpol/KPU/Polda team keeps its layers under its own names. The ``[data]`` table names
them, one sub-table per layer of :data:`kewaspadaan.io.registry.LAYERS`::

    [project]
    name = "Kalimantan Timur"
    level = "kecamatan"               # kabupaten | kecamatan | desa
    output_dir = "keluaran"

    [data]
    root = "../data"                  # folder of relative paths (default: this file's folder)

    [data.kecamatan]
    path = "batas/kecamatan.shp"
    columns = { kode = "KDCPUM", nama = "WADMKC" }   # schema column = file column
    crs = "EPSG:4326"                 # only for a file that has no CRS

    [[data.insiden]]                  # several incident files: an array of tables
    path = "acled_2015_2024.xlsx"
    [[data.insiden]]
    path = "laporan_fkdm.xlsx"
    format = "laporan"

Paths are relative to ``root`` (itself relative to the project file), so the project runs from
any working folder; ``$VAR``/``${VAR}`` are expanded. The other tables (``[risk]``,
``[network]``, ...) are settings (:func:`kewaspadaan.settings.load_toml`).

:func:`read_project` validates the whole file before anything is read and reports every problem
at once, each naming its key and the fix (unknown layer or option, missing file, wrong type).
:func:`project_from_paths` builds the same object from a ``{layer: path}`` mapping, and
:func:`write_template` writes a commented file for ``kewaspadaan init``.
"""

from __future__ import annotations

import difflib
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kewaspadaan._errors import ProjectFileError
from kewaspadaan.io.registry import COMMON_OPTIONS, LAYERS, LayerSpec

__all__ = [
    "PROJECT_FILE",
    "PROJECT_OPTIONS",
    "LayerFile",
    "Project",
    "find_project",
    "project_from_paths",
    "read_project",
    "write_template",
]

logger = logging.getLogger(__name__)

#: Name of the project file looked for in a folder.
PROJECT_FILE = "kewaspadaan.toml"
#: Keys of the ``[project]`` table, with their type and meaning.
PROJECT_OPTIONS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "name": (str, "name of the analysis shown on the report"),
    "level": (str, "units scored: kabupaten, kecamatan or desa"),
    "as_of": (str, "assessment date YYYY-MM-DD"),
    "output_dir": (str, "output folder (relative to the project file)"),
    "logistics_level": (str, "logistics destinations: desa or kecamatan"),
    "officers": (int, "security personnel to allocate"),
}
_TOP_TABLES = ("project", "data")


@dataclass(frozen=True)
class LayerFile:
    """One file (or set of tiles) of one layer, with its options.

    Attributes
    ----------
    layer : str
        Layer name (a key of :data:`~kewaspadaan.io.registry.LAYERS`).
    paths : tuple of pathlib.Path
        Absolute paths (several for DEM tiles).
    options : dict
        The table's other keys (``columns``, ``crs``, ``layer``, ``format``, ...).
    key : str
        Where it was declared, for messages (``[data.kecamatan]``).
    synthetic : bool
        Part of the generated demonstration province.
    """

    layer: str
    paths: tuple[Path, ...]
    options: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    synthetic: bool = False

    @property
    def path(self) -> Path:
        """The first (usually only) path."""
        return self.paths[0]

    @property
    def file_columns(self) -> dict[str, str]:
        """The ``columns`` option as the loaders take it: ``{file column: schema column}``."""
        return {str(v): str(k) for k, v in dict(self.options.get("columns", {})).items()}


@dataclass
class Project:
    """The layers of an analysis and where they come from.

    Attributes
    ----------
    files : dict
        ``{layer: [LayerFile, ...]}`` (one entry, or several for ``insiden``).
    path : pathlib.Path or None
        The project file (``None`` when built from ``paths=`` or for the demo).
    options : dict
        The ``[project]`` table.
    synthetic : bool
        The generated demonstration province.
    """

    files: dict[str, list[LayerFile]]
    path: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False

    @property
    def folder(self) -> Path:
        """The project file's folder (the working folder without a file)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def output_dir(self, default: str | Path) -> Path:
        """``[project] output_dir`` resolved against the project folder, else ``default``."""
        out = self.options.get("output_dir")
        if out is None:
            return Path(default)
        p = Path(os.path.expandvars(str(out))).expanduser()
        return p if p.is_absolute() else (self.folder / p).resolve()


def find_project(folder: str | Path) -> Path | None:
    """The project file in ``folder``, or ``None``."""
    p = Path(folder) / PROJECT_FILE
    return p if p.is_file() else None


def read_project(path: str | Path) -> Project:
    """Read and validate a project file (see the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        ``kewaspadaan.toml``, or a folder holding one.

    Returns
    -------
    Project

    Raises
    ------
    kewaspadaan._errors.ProjectFileError
        Every problem of the file, each naming its key and the fix.
    """
    p = Path(path)
    if p.is_dir():
        found = find_project(p)
        if found is None:
            raise ProjectFileError(
                str(p), [f"no {PROJECT_FILE} in this folder; write one with `kewaspadaan init {p}`"]
            )
        p = found
    if not p.is_file():
        raise ProjectFileError(str(p), ["file not found; check the path given to --config"])
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectFileError(str(p), [f"not valid TOML: {exc}. Fix the line it names."]) from exc
    except UnicodeDecodeError as exc:
        raise ProjectFileError(str(p), ["not UTF-8 text; save it as UTF-8"]) from exc
    problems: list[str] = []
    options = _project_table(data.get("project", {}), problems)
    files = _data_table(data.get("data", {}), p.parent, problems)
    if problems:
        raise ProjectFileError(str(p), problems)
    return Project(files=files, path=p.resolve(), options=options)


def _project_table(table: Any, problems: list[str]) -> dict[str, Any]:
    if not isinstance(table, dict):
        problems.append("[project] must be a table of keys (name, level, ...)")
        return {}
    out = {}
    for key, value in table.items():
        if key not in PROJECT_OPTIONS:
            problems.append(
                f"[project] {key}: unknown key{_did_you_mean(key, PROJECT_OPTIONS)}; "
                f"known: {', '.join(PROJECT_OPTIONS)}"
            )
            continue
        kind, _ = PROJECT_OPTIONS[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"[project] {key} = {value!r}: must be {_type_name(kind)}")
            continue
        out[key] = value
    level = out.get("level")
    if level is not None and level not in ("kabupaten", "kecamatan", "desa"):
        problems.append(f"[project] level = {level!r}: must be kabupaten, kecamatan or desa")
    return out


def _data_table(table: Any, base: Path, problems: list[str]) -> dict[str, list[LayerFile]]:
    if not isinstance(table, dict):
        problems.append("[data] must be a table naming each layer's file")
        return {}
    root_value = table.get("root", ".")
    if not isinstance(root_value, str):
        problems.append(f"[data] root = {root_value!r}: must be a folder path (text)")
        root_value = "."
    root = _resolve(root_value, base)
    if not root.is_dir():
        problems.append(
            f"[data] root = {root_value!r}: folder {root} does not exist; fix the path "
            "(relative to the project file)"
        )
    files: dict[str, list[LayerFile]] = {}
    for name, value in table.items():
        if name == "root":
            continue
        spec = LAYERS.get(name)
        if spec is None:
            problems.append(
                f"[data.{name}]: unknown layer{_did_you_mean(name, LAYERS)}; known "
                f"layers: {', '.join(LAYERS)}"
            )
            continue
        entries = value if isinstance(value, list) else [value]
        if len(entries) > 1 and not spec.multiple:
            problems.append(
                f"[[data.{name}]]: only one {name} file is allowed; merge them or keep "
                "one table [data.{name}]"
            )
            continue
        for i, entry in enumerate(entries):
            key = f"[data.{name}]" if len(entries) == 1 else f"[[data.{name}]] #{i + 1}"
            lf = _layer_file(spec, entry, key, root, problems)
            if lf is not None:
                files.setdefault(name, []).append(lf)
    return files


def _layer_file(
    spec: LayerSpec, entry: Any, key: str, root: Path, problems: list[str]
) -> LayerFile | None:
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        problems.append(
            f'{key}: give a file path, e.g. {spec.name} = "file.geojson", or a '
            "table with path = ..."
        )
        return None
    allowed = {**COMMON_OPTIONS, **spec.options}
    ok = True
    for opt, value in entry.items():
        if opt == "path":
            continue
        if opt not in allowed:
            problems.append(
                f"{key} {opt}: unknown option{_did_you_mean(opt, allowed)}; options of "
                f"{spec.name}: path, {', '.join(allowed)}"
            )
            ok = False
            continue
        kind = allowed[opt][0]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            problems.append(f"{key} {opt} = {value!r}: must be {_type_name(kind)}")
            ok = False
    cols = entry.get("columns", {})
    if isinstance(cols, dict):
        for schema_col, file_col in cols.items():
            if spec.columns and schema_col not in spec.columns:
                problems.append(
                    f"{key} columns.{schema_col}: not a column of the {spec.name} "
                    f"layer{_did_you_mean(schema_col, spec.columns)}; known: "
                    f"{', '.join(spec.columns)}"
                )
                ok = False
            if not isinstance(file_col, str):
                problems.append(
                    f"{key} columns.{schema_col} = {file_col!r}: must be the file's "
                    "column name (text)"
                )
                ok = False
    raw = entry.get("path")
    if raw is None:
        problems.append(f'{key}: no path; add path = "..." (relative to the project file)')
        return None
    raw_paths = raw if isinstance(raw, list) else [raw]
    if not raw_paths or not all(isinstance(r, str) for r in raw_paths):
        problems.append(f"{key} path = {raw!r}: must be a file path (text) or a list of them")
        return None
    if len(raw_paths) > 1 and not spec.tiles:
        problems.append(f"{key} path: one file only for {spec.name} (a list is for DEM tiles)")
        return None
    paths = []
    for r in raw_paths:
        pth = _resolve(r, root)
        if not pth.exists():
            near = difflib.get_close_matches(
                pth.name, [c.name for c in pth.parent.glob("*")] if pth.parent.is_dir() else [], n=1
            )
            hint = f"; a file there is called {near[0]!r}" if near else ""
            problems.append(
                f"{key} path = {r!r}: file not found ({pth}){hint}; fix the path "
                "(relative to [data] root or the project file)"
            )
            ok = False
        paths.append(pth)
    if not ok:
        return None
    options = {k: v for k, v in entry.items() if k != "path"}
    return LayerFile(layer=spec.name, paths=tuple(paths), options=options, key=key)


def project_from_paths(paths: Mapping[str, Any], *, synthetic: bool = False) -> Project:
    """A :class:`Project` from ``{layer: path}`` (or ``{layer: {"path": ..., options}}``).

    Layer names are those of the registry; ``incidents``/``incidents_path`` and ``dem_path``/
    ``terrain`` are accepted as aliases of ``insiden`` and ``dem``.
    """
    aliases = {
        "incidents": "insiden",
        "incidents_path": "insiden",
        "dem_path": "dem",
        "terrain": "dem",
    }
    files: dict[str, list[LayerFile]] = {}
    problems: list[str] = []
    for name, value in paths.items():
        layer = aliases.get(name, name)
        spec = LAYERS.get(layer)
        if spec is None:
            problems.append(
                f"paths={{{name!r}: ...}}: unknown layer{_did_you_mean(name, LAYERS)}; "
                f"known layers: {', '.join(LAYERS)}"
            )
            continue
        entries = value if isinstance(value, list) and layer == "insiden" else [value]
        for entry in entries:
            if isinstance(entry, str | os.PathLike):
                entry = {"path": str(entry)}
            elif isinstance(entry, list):
                entry = {"path": [str(e) for e in entry]}
            elif isinstance(entry, Mapping):
                entry = dict(entry)
                entry["path"] = (
                    [str(e) for e in entry["path"]]
                    if isinstance(entry.get("path"), list)
                    else str(entry.get("path"))
                )
            lf = _layer_file(spec, entry, f"paths[{name!r}]", Path.cwd(), problems)
            if lf is not None:
                files.setdefault(layer, []).append(
                    LayerFile(lf.layer, lf.paths, lf.options, lf.key, synthetic=synthetic)
                )
    if problems:
        raise ProjectFileError("paths=", problems)
    return Project(files=files, synthetic=synthetic)


def _resolve(value: str, base: Path) -> Path:
    p = Path(os.path.expandvars(value)).expanduser()
    return (p if p.is_absolute() else base / p).resolve()


def _did_you_mean(name: str, known: Mapping[str, Any] | tuple[str, ...]) -> str:
    near = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        dict: "a table { ... }",
        list: "a list [ ... ]",
    }
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def write_template(folder: str | Path, *, force: bool = False) -> Path:
    """Write a commented ``kewaspadaan.toml`` into ``folder`` (``kewaspadaan init``).

    Files already in the folder are recognised by their names (``kecamatan``, ``desa``,
    ``acled``, ``tps``, ``.tif``, ``.osm.pbf`` ...) and entered; every other layer is listed
    commented out with its options.

    Parameters
    ----------
    folder : str or pathlib.Path
        Where the project file goes (created if needed).
    force : bool, default False
        Overwrite an existing project file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from kewaspadaan._io_utils import atomic_write
    from kewaspadaan.io.registry import guess_layer

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    target = out / PROJECT_FILE
    if target.exists() and not force:
        raise ProjectFileError(
            str(target), ["already exists; edit it, or pass --force to replace it"]
        )
    found: dict[str, list[str]] = {}
    for f in sorted(out.rglob("*")):
        if f.is_file() and f.name != PROJECT_FILE:
            layer = guess_layer(f.name)
            if layer is not None:
                found.setdefault(layer, []).append(f.relative_to(out).as_posix())
    lines = [
        "# kewaspadaan project file: which file holds each layer of the analysis.",
        "# Paths are relative to this file's folder (or to [data] root). Check it with",
        "#     kewaspadaan check --config kewaspadaan.toml",
        "# then run the analysis with",
        "#     kewaspadaan run --config kewaspadaan.toml",
        "# A layer left out is simply absent; `check` says what each layer enables.",
        "",
        "[project]",
        '# name = "Kalimantan Timur"',
        'level = "kecamatan"            # kabupaten | kecamatan | desa',
        '# as_of = "2024-01-01"         # assessment date (default: month after the last incident)',
        'output_dir = "keluaran"',
        "",
        "[data]",
        '# root = "."                    # folder of the relative paths below',
    ]
    for name, spec in LAYERS.items():
        if spec.demo_only:
            continue
        lines.append("")
        lines.append(f"# {spec.description}")
        lines.append(f"#   enables: {spec.enables}")
        paths = found.get(name, [])
        prefix = "" if paths else "# "
        if spec.multiple and len(paths) > 1:
            for pth in paths:
                lines += [f"[[data.{name}]]", f'path = "{pth}"']
            continue
        lines.append(f"{prefix}[data.{name}]")
        if spec.tiles and len(paths) > 1:
            lines.append("path = [" + ", ".join(f'"{p}"' for p in paths) + "]")
        else:
            lines.append(f'{prefix}path = "{paths[0] if paths else spec.example}"')
        for opt, (_, help_text) in {**spec.options}.items():
            lines.append(f"# {opt} = ...   # {help_text}")
        if spec.columns:
            cols = ", ".join(f'{c} = "..."' for c in spec.columns[:3])
            lines.append(f"# columns = {{ {cols} }}   # schema column = your file's column")
    text = "\n".join(lines) + "\n"
    with atomic_write(target) as fh:
        fh.write(text)
    logger.info("wrote %s (%d layer(s) recognised: %s)", target, len(found), ", ".join(found))
    return target
