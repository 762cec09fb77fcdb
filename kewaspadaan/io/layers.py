"""Every layer of an analysis, loaded by one loader: :func:`load_layers` → :class:`Layers`.

Where the layers come from is decided once (:func:`load_layers`):

- a **project** — a ``kewaspadaan.toml`` (or a folder holding one, or a
  :class:`~kewaspadaan.io.project.Project`, or ``paths={layer: file}``): exactly the files it
  names, read by the readers of :data:`~kewaspadaan.io.registry.LAYERS`; nothing else is read,
  whatever folders sit in the working directory;
- the **demonstration province** — only when nothing is given at all, or when asked for
  (:func:`load_demo`, ``--demo``): generated (synthetic, labelled so) into ``settings.data_dir``
  the first time, or read from a folder that holds its ``MANIFEST.json``. It is never generated
  into a folder that holds other files, never merged with a user's files, and never regenerated
  over a demo folder of another size.

Every file read is recorded in :attr:`Layers.sources` (file, sha256, rows, CRS, the column
mapping, synthetic or not); layers derived from others (settlements from desa, assumed KPU
warehouses, the coastline from province polygons) too, with the rule used
(:mod:`kewaspadaan.io.derive`). Incidents and the DEM are read once, on first use, and cached
(:attr:`Layers.incidents`, :attr:`Layers.terrain`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from kewaspadaan import settings
from kewaspadaan._errors import DataFileError, KewaspadaanError
from kewaspadaan.io._common import (
    format_rows,
)
from kewaspadaan.io.project import (
    LayerFile,
    Project,
    find_project,
    project_from_paths,
    read_project,
)
from kewaspadaan.io.provenance import LayerSource
from kewaspadaan.io.readers import _READERS, _read_incidents, _read_terrain
from kewaspadaan.io.registry import LAYERS
from kewaspadaan.schema import DEMO_FILES

__all__ = [
    "LAYER_GEOMETRY",
    "LayerSource",
    "Layers",
    "load_demo",
    "load_layers",
]

logger = logging.getLogger(__name__)

#: Geometry family each vector layer must have.
LAYER_GEOMETRY: dict[str, str] = {n: s.geometry for n, s in LAYERS.items() if s.geometry}
_BOUNDARY_LEVELS = ("kabupaten", "kecamatan", "desa")


@dataclass
class Layers:
    """All layers of one analysis; ``None`` where absent (see :meth:`available`).

    Vector layers are GeoDataFrames in their file's CRS, normalised to the columns of
    :data:`kewaspadaan.schema.DEMO_LAYER_COLUMNS`; ``armada``, ``tps``, ``penduduk`` and
    ``intensitas_benar`` are DataFrames. :attr:`incidents` and :attr:`terrain` are read on
    first use and cached.
    """

    provinsi: gpd.GeoDataFrame | None = None
    kabupaten: gpd.GeoDataFrame | None = None
    kecamatan: gpd.GeoDataFrame | None = None
    desa: gpd.GeoDataFrame | None = None
    batas_negara: gpd.GeoDataFrame | None = None
    garis_pantai: gpd.GeoDataFrame | None = None
    sungai: gpd.GeoDataFrame | None = None
    jalan: gpd.GeoDataFrame | None = None
    pelabuhan: gpd.GeoDataFrame | None = None
    bandara: gpd.GeoDataFrame | None = None
    kota: gpd.GeoDataFrame | None = None
    permukiman: gpd.GeoDataFrame | None = None
    gudang_kpu: gpd.GeoDataFrame | None = None
    pos_keamanan: gpd.GeoDataFrame | None = None
    armada: pd.DataFrame | None = None
    tps: pd.DataFrame | None = None
    penduduk: pd.DataFrame | None = None
    intensitas_benar: pd.DataFrame | None = None
    #: Incident files and DEM tiles, read lazily.
    incident_files: list[LayerFile] = field(default_factory=list)
    dem_files: list[LayerFile] = field(default_factory=list)
    #: Provenance of every layer, in load order.
    sources: list[LayerSource] = field(default_factory=list)
    #: Problems found while loading with ``collect_errors=True``: ``{layer: message}``.
    problems: dict[str, str] = field(default_factory=dict)
    #: Derived layers: ``{layer: rule}``.
    derived: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False
    project: Project | None = None
    _incidents: Any = field(default=None, repr=False)
    _terrain: Any = field(default=None, repr=False)

    _VECTOR_FIELDS = (
        "provinsi",
        "kabupaten",
        "kecamatan",
        "desa",
        "batas_negara",
        "garis_pantai",
        "sungai",
        "jalan",
        "pelabuhan",
        "bandara",
        "kota",
        "permukiman",
        "gudang_kpu",
        "pos_keamanan",
        "armada",
        "tps",
        "penduduk",
        "intensitas_benar",
    )

    def available(self) -> list[str]:
        """Names of the layers present (``insiden``/``dem`` when files are given), in order."""
        out = [n for n in self._VECTOR_FIELDS if getattr(self, n) is not None]
        if self.incident_files or self._incidents is not None:
            out.append("insiden")
        if self.dem_files or self._terrain is not None:
            out.append("dem")
        return out

    @property
    def incidents(self) -> Any:
        """The incidents of every file, combined (:class:`~kewaspadaan.io.IncidentLoad`), or
        ``None``; read on first use."""
        if self._incidents is None and self.incident_files:
            self._incidents = _read_incidents(self)
        return self._incidents

    @incidents.setter
    def incidents(self, value: Any) -> None:
        self._incidents = value

    @property
    def terrain(self) -> Any:
        """The DEM (:class:`~kewaspadaan.io.Terrain`, projected, tiles mosaicked), or ``None``;
        read on first use."""
        if self._terrain is None and self.dem_files:
            self._terrain = _read_terrain(self)
        return self._terrain

    @terrain.setter
    def terrain(self, value: Any) -> None:
        self._terrain = value

    @property
    def incidents_path(self) -> Path | None:
        """The first incident file (compatibility; use :attr:`incidents`)."""
        return self.incident_files[0].path if self.incident_files else None

    @property
    def dem_path(self) -> Path | None:
        """The first DEM tile (compatibility; use :attr:`terrain`)."""
        return self.dem_files[0].path if self.dem_files else None

    def units(self, level: str) -> gpd.GeoDataFrame | None:
        """The boundaries of ``level`` (kabupaten, kecamatan or desa)."""
        if level not in _BOUNDARY_LEVELS:
            raise ValueError(f"level must be one of {_BOUNDARY_LEVELS}, not {level!r}")
        return getattr(self, level)

    def analysis_crs(self) -> CRS:
        """The projected CRS of distances and areas for these layers
        (:func:`kewaspadaan.crs.analysis_crs_for` of the finest boundaries present)."""
        from kewaspadaan.crs import analysis_crs_for

        for name in ("kecamatan", "desa", "kabupaten", "provinsi"):
            g = getattr(self, name)
            if g is not None:
                return analysis_crs_for(g)
        raise DataFileError("no boundary layer: give [data.kecamatan] (or desa/kabupaten)")

    def provenance(self) -> list[dict[str, Any]]:
        """Every source as a JSON-ready dict (``ringkasan.json``, the report's *Sumber data*)."""
        self.incidents  # noqa: B018 - reading them records their sources
        return [s.to_dict() for s in self.sources]

    def record(self, source: LayerSource) -> None:
        """Add (or replace) the provenance of a layer file."""
        self.sources = [
            s for s in self.sources if not (s.layer == source.layer and s.path == source.path)
        ]
        self.sources.append(source)


# ----------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------
def load_layers(
    source: str | Path | Project | None = None,
    *,
    paths: Mapping[str, Any] | None = None,
    derive: bool = True,
    collect_errors: bool = False,
    level: str | None = None,
) -> Layers:
    """Load the layers of an analysis from one source (see the module docstring).

    Parameters
    ----------
    source : str, pathlib.Path or Project, optional
        A project file ``kewaspadaan.toml``, a folder holding one, a folder holding the
        demonstration province (its ``MANIFEST.json``), or a :class:`Project`. With neither
        ``source`` nor ``paths``: the demonstration province (:func:`load_demo`).
    paths : mapping, optional
        ``{layer: path}`` (or ``{layer: {"path": ..., options}}``) instead of a project file,
        e.g. ``{"kecamatan": "kec.shp", "insiden": "acled.csv", "dem": "dem.tif"}``. Cannot be
        combined with ``source``.
    derive : bool, default True
        Derive what is missing and derivable (:func:`kewaspadaan.io.derive.derive_layers`).
    collect_errors : bool, default False
        Record each layer's problem in :attr:`Layers.problems` and go on (``kewaspadaan
        check``), instead of raising at the first.
    level : str, optional
        Units of the analysis (for the derive step; default the project's ``level`` or
        ``kecamatan``).

    Returns
    -------
    Layers
    """
    if source is not None and paths:
        raise ValueError(
            "give either a project (source=) or paths=, not both: explicit files "
            "are never merged with a folder"
        )
    if source is None and not paths:
        return load_demo(derive=derive)
    if paths:
        project = project_from_paths(paths)
    elif isinstance(source, Project):
        project = source
    else:
        found = _project_of(Path(source))  # type: ignore[arg-type]
        if found is None:
            return load_demo(Path(source), derive=derive, create=False)  # type: ignore[arg-type]
        project = found
    return _load_project(project, derive=derive, collect_errors=collect_errors, level=level)


def load_demo(
    folder: str | Path | None = None,
    *,
    derive: bool = True,
    create: bool = True,
    seed: int | None = None,
    size: str | None = None,
) -> Layers:
    """The demonstration province (synthetic data), generated into ``folder`` when needed.

    Parameters
    ----------
    folder : str or pathlib.Path, optional
        Default ``settings.data_dir``. Generated there when it is absent or empty (READMEs
        aside); read as it is when it holds the province's ``MANIFEST.json`` (regenerated with
        the same seed and size only when the generator version changed).
    derive : bool, default True
        Run the derive step (the demo has every layer, so it changes nothing but is checked).
    create : bool, default True
        Generate when absent; with ``False`` a folder without the manifest is an error.
    seed, size : optional
        For a new province (defaults: ``settings.demo_seed``, ``"full"``).

    Returns
    -------
    Layers
        ``synthetic=True``; every source is marked synthetic.
    """
    from kewaspadaan.demo import ensure_demo_data, read_manifest

    root = Path(folder) if folder is not None else Path(settings.data_dir)
    manifest = read_manifest(root)
    if manifest is None:
        others = _foreign_files(root)
        if others or not create:
            what = (
                f"holds {len(others)} file(s) that are not the demonstration province "
                f"({format_rows([str(o) for o in others], 3)})"
                if others
                else "holds no kewaspadaan.toml and no demonstration province"
            )
            raise DataFileError(
                f"{root}: {what}. kewaspadaan never writes the synthetic province into a folder "
                f"of yours: name your files in a project file (`kewaspadaan init {root}`, then "
                f"--config {root}/kewaspadaan.toml), or use --demo for the demonstration data."
            )
        logger.info("%s: generating the demonstration province (synthetic data, not real)", root)
        ensure_demo_data(root, seed=seed, size=size or "full")
    else:
        ensure_demo_data(root, seed=manifest.get("seed"), size=manifest.get("size", "full"))
    files: dict[str, list[LayerFile]] = {}
    for name, rel in DEMO_FILES.items():
        layer = name if name in LAYERS else None
        if layer is None:
            continue
        p = root / rel
        if p.exists():
            files[layer] = [LayerFile(layer, (p.resolve(),), {}, f"demo:{rel}", synthetic=True)]
    project = Project(files=files, synthetic=True, options={"level": "kecamatan"})
    layers = _load_project(project, derive=derive, collect_errors=False, level=None)
    layers.synthetic = True
    return layers


def _project_of(path: Path) -> Project | None:
    """The project a path names, or ``None`` when it is a demonstration folder."""
    if path.is_file():
        return read_project(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: not found. Give a kewaspadaan.toml or the folder that "
            "holds it (`kewaspadaan init FOLDER` writes one)."
        )
    found = find_project(path)
    if found is not None:
        return read_project(found)
    return None


def _foreign_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(
        p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.name != "README.md"
    )


def _load_project(
    project: Project, *, derive: bool, collect_errors: bool, level: str | None
) -> Layers:
    layers = Layers(project=project, synthetic=project.synthetic)
    for name, spec in LAYERS.items():
        entries = project.files.get(name, [])
        if not entries:
            continue
        if spec.kind == "incidents":
            layers.incident_files = list(entries)
            continue
        if spec.kind == "raster":
            layers.dem_files = list(entries)
            continue
        lf = entries[0]
        try:
            data, src = _READERS[spec.kind](lf, layers)
        except (KewaspadaanError, FileNotFoundError, ValueError, KeyError, OSError) as exc:
            if not collect_errors:
                raise
            layers.problems[name] = _one_line(exc)
            continue
        setattr(layers, name, data)
        layers.record(src)
    if collect_errors:
        for name, attr in (("insiden", "incidents"), ("dem", "terrain")):
            if getattr(layers, f"{'incident' if name == 'insiden' else 'dem'}_files"):
                try:
                    getattr(layers, attr)
                except (KewaspadaanError, FileNotFoundError, ValueError, KeyError, OSError) as exc:
                    layers.problems[name] = _one_line(exc)
    if derive:
        from kewaspadaan.io.derive import derive_layers

        derive_layers(layers, level=level or project.options.get("level", "kecamatan"))
    logger.info("layers available: %s", ", ".join(layers.available()) or "(none)")
    return layers


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split())


# ----------------------------------------------------------------------------------------------


# keep dataclass field order introspection available for tests and tools
LAYER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Layers) if not f.name.startswith("_"))
