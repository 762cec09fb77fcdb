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

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from kewaspadaan import settings
from kewaspadaan._errors import DataFileError, KewaspadaanError, ValidationError
from kewaspadaan.crs import crs_label
from kewaspadaan.io._common import (
    apply_crs,
    check_file,
    format_rows,
    missing_columns_error,
    read_vector,
    rename_columns,
)
from kewaspadaan.io.boundaries import load_boundaries
from kewaspadaan.io.project import (
    LayerFile,
    Project,
    find_project,
    project_from_paths,
    read_project,
)
from kewaspadaan.io.registry import LAYERS
from kewaspadaan.schema import DEMO_FILES, DEMO_LAYER_COLUMNS

__all__ = [
    "LAYER_GEOMETRY",
    "LayerSource",
    "Layers",
    "load_demo",
    "load_layers",
    "load_vector",
    "read_incident_file",
]

logger = logging.getLogger(__name__)

#: Geometry family each vector layer must have.
LAYER_GEOMETRY: dict[str, str] = {n: s.geometry for n, s in LAYERS.items() if s.geometry}
_FAMILIES = {
    "point": {"Point", "MultiPoint"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
}
#: Accepted file column names of the plain vector layers, by schema column.
VECTOR_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "provinsi": {
        "kode": ("kode_prov", "kd_prov", "kdppum"),
        "nama": ("nama_prov", "name", "provinsi", "wadmpr"),
    },
    "batas_negara": {"nama": ("name", "namobj")},
    "garis_pantai": {"nama": ("name", "namobj")},
    "sungai": {
        "id": ("fid", "osm_id", "objectid"),
        "nama": ("name", "namobj", "nama_sungai"),
        "orde": ("strahler", "order", "orde_sungai"),
        "navigasi": ("navigability",),
        "surut_musiman": (),
    },
    "jalan": {
        "id": ("fid", "osm_id", "objectid"),
        "nama": ("name", "namobj", "nama_jalan"),
        "kelas": ("fungsi", "class", "kelas_jalan"),
        "jembatan": ("bridge",),
    },
    "pelabuhan": {"nama": ("name", "nama_pelabuhan", "namobj"), "kategori": ("jenis_pelabuhan",)},
    "kota": {"nama": ("name", "nama_kota", "namobj")},
    "permukiman": {
        "nama": ("name",),
        "kode_desa": ("kode",),
        "kode_kec": (),
        "kode_kab": (),
        "penduduk": ("pop", "population"),
        "peran": ("role",),
    },
    "gudang_kpu": {"nama": ("name",), "kode_kab": ("kd_kab",)},
    "pos_keamanan": {"nama": ("name",), "jenis": ("type", "tipe")},
}
_BOUNDARY_LEVELS = ("kabupaten", "kecamatan", "desa")


@dataclass(frozen=True)
class LayerSource:
    """Provenance of one layer: the file read (or the rule that derived it).

    Attributes
    ----------
    layer : str
        Layer name.
    path : str
        The file (``""`` for a derived layer).
    sha256 : str
        Hash of the file's bytes (``""`` for a derived layer).
    rows : int
        Features or rows used.
    crs : str
        CRS of the file (``""`` for tables).
    columns : dict
        ``{schema column: file column}`` used.
    synthetic : bool
        Generated demonstration data (not real).
    note : str
        What else a reader must know (rows left out, matches, assumptions).
    derived_from : str
        Layers it was derived from, with the rule (``""`` when read from a file).
    """

    layer: str
    path: str
    sha256: str
    rows: int
    crs: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False
    note: str = ""
    derived_from: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (for ``ringkasan.json``)."""
        return asdict(self)


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
        project = _project_of(Path(source))  # type: ignore[arg-type]
        if project is None:
            return load_demo(Path(source), derive=derive, create=False)  # type: ignore[arg-type]
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
# Readers, by kind of layer
# ----------------------------------------------------------------------------------------------
def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source(
    lf: LayerFile, data: Any, columns: Mapping[str, str], note: str = "", path: Path | None = None
) -> LayerSource:
    p = path or lf.path
    crs = ""
    if isinstance(data, gpd.GeoDataFrame) and data.crs is not None:
        crs = crs_label(data.crs)
    user_note = str(lf.options.get("note", ""))
    return LayerSource(
        layer=lf.layer,
        path=str(p),
        sha256=sha256_of(p),
        rows=len(data),
        crs=crs,
        columns=dict(columns),
        synthetic=lf.synthetic,
        note="; ".join(n for n in (user_note, note) if n),
    )


def _read_boundary(lf: LayerFile, layers: Layers) -> tuple[Any, LayerSource]:
    gdf = load_boundaries(
        lf.path,
        level=lf.layer,
        layer=lf.options.get("layer"),  # type: ignore[arg-type]
        crs=lf.options.get("crs"),
        columns=lf.file_columns or None,
        repair=bool(lf.options.get("repair", True)),
    )
    note = ""
    prefix = lf.options.get("prefix")
    if prefix:
        keep = gdf["kode"].astype(str).str.startswith(str(prefix))
        if not keep.any():
            raise ValidationError(
                lf.key,
                [
                    f"prefix = {prefix!r}: no {lf.layer} code starts with "
                    f"it (codes look like {gdf['kode'].iloc[0]})"
                ],
            )
        note = f"prefix {prefix}: {int(keep.sum())} dari {len(gdf)} unit dipakai"
        gdf = gdf[keep].reset_index(drop=True)
    if gdf.attrs.get("repaired"):
        note = "; ".join(
            n for n in (note, f"{len(gdf.attrs['repaired'])} poligon diperbaiki (make_valid)") if n
        )
    if lf.synthetic:
        _check_demo_columns(lf, gdf.columns)
    return gdf, _source(lf, gdf, gdf.attrs.get("columns", {}), note)


def _read_vector_layer(lf: LayerFile, layers: Layers) -> tuple[Any, LayerSource]:
    name = lf.layer
    fmt = str(lf.options.get("format", "")).lower()
    if name in ("jalan", "sungai") and (fmt == "osm" or _looks_osm(lf.path)):
        from kewaspadaan.io.osm import read_osm_lines

        gdf = read_osm_lines(
            lf.path,
            kind=name,
            layer=lf.options.get("layer"),
            default_navigasi=str(lf.options.get("navigasi", "kecil")),
        )
        excluded = gdf.attrs.get("excluded", {})
        note = (
            f"OpenStreetMap; {sum(excluded.values())} way tanpa kelas yang dipakai "
            f"dilewati ({', '.join(f'{k} {v}' for k, v in sorted(excluded.items())[:5])})"
            if excluded
            else "OpenStreetMap"
        )
        mapping = {"kelas": "highway"} if name == "jalan" else {"navigasi": "waterway"}
        return gdf, _source(lf, gdf, mapping, note)
    if name == "bandara":
        from kewaspadaan.io.airports import read_airports

        runways = lf.options.get("runways")
        rw_path = None
        if runways:
            rw_path = Path(runways) if Path(runways).is_absolute() else lf.path.parent / runways
            check_file(rw_path, "runway table")
        gdf = read_airports(lf.path, runways=rw_path, columns=dict(lf.options.get("columns", {})))
        excluded = gdf.attrs.get("excluded", {})
        note = f"dilewati: {', '.join(f'{k} {v}' for k, v in excluded.items())}" if excluded else ""
        if rw_path is not None:
            note = "; ".join(n for n in (note, f"landasan dari {rw_path.name}") if n)
        return gdf, _source(lf, gdf, {}, note)
    geometry = LAYER_GEOMETRY.get(name)
    raw = read_vector(lf.path, layer=lf.options.get("layer"), what=f"{name} layer")
    raw = apply_crs(raw, lf.options.get("crs"), str(lf.path))
    aliases = VECTOR_ALIASES.get(name, {})
    names = [c for c in raw.columns if c != raw.geometry.name]
    mapping = rename_columns(names, aliases, lf.file_columns or None, lf.path)
    gdf = raw.rename(columns=mapping)
    gdf = _check_vector(gdf, lf, geometry)
    gdf, note = _fill_defaults(gdf, lf)
    if lf.synthetic:
        _check_demo_columns(lf, gdf.columns)
    return gdf, _source(lf, gdf, {v: k for k, v in mapping.items()}, note)


def _looks_osm(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith((".osm.pbf", ".pbf", ".osm", ".graphml")):
        return True
    if path.suffix.lower() in (".gpkg", ".geojson", ".json", ".shp", ".zip"):
        try:
            import pyogrio

            info = pyogrio.read_info(path)
            return any(str(f).lower() in ("highway", "waterway") for f in info["fields"])
        except Exception:  # unreadable here: the generic reader names the problem
            return False
    return False


def _check_vector(gdf: gpd.GeoDataFrame, lf: LayerFile, geometry: str | None) -> gpd.GeoDataFrame:
    problems: list[str] = []
    geom = gdf.geometry
    empty = (geom.isna() | geom.is_empty).to_numpy()
    if empty.any():
        rows = [int(i) + 1 for i, e in enumerate(empty) if e]
        problems.append(
            f"geometry: {len(rows)} row(s) without geometry: rows "
            f"{format_rows(rows)}. Remove them or add the geometry."
        )
    if geometry is not None:
        wrong = ~geom.geom_type.isin(_FAMILIES[geometry]).to_numpy() & ~empty
        if wrong.any():
            rows = [int(i) + 1 for i, w in enumerate(wrong) if w]
            kinds = sorted(set(geom.geom_type[wrong]))
            problems.append(
                f"geometry: {len(rows)} row(s) are {', '.join(kinds)}, not "
                f"{geometry}s: rows {format_rows(rows)} (is this the {lf.layer} "
                "layer?)"
            )
    if problems:
        raise ValidationError(f"{lf.key} {lf.path}", problems)
    gdf = gdf.reset_index(drop=True)
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    gdf.attrs["source"] = str(lf.path)
    return gdf


def _fill_defaults(gdf: gpd.GeoDataFrame, lf: LayerFile) -> tuple[gpd.GeoDataFrame, str]:
    """Columns a real file may lack, filled by a documented default (said in the note)."""
    name, notes = lf.layer, []
    gdf = gdf.copy()
    if "nama" not in gdf.columns and name in VECTOR_ALIASES and "nama" in VECTOR_ALIASES[name]:
        gdf["nama"] = [f"{name} {i + 1}" for i in range(len(gdf))]
        notes.append("tanpa kolom nama: diberi nomor")
    if name in ("sungai", "jalan") and "id" not in gdf.columns:
        prefix = "S" if name == "sungai" else "J"
        gdf["id"] = [f"{prefix}{i + 1:05d}" for i in range(len(gdf))]
    defaults = {
        "sungai": {
            "orde": 0,
            "navigasi": lf.options.get("navigasi", "kecil"),
            "surut_musiman": False,
        },
        "jalan": {"kelas": lf.options.get("kelas", "lokal"), "jembatan": False},
        "pelabuhan": {"kategori": lf.options.get("kategori", "laut")},
    }.get(name, {})
    for col, value in defaults.items():
        if col not in gdf.columns:
            gdf[col] = value
            if col in ("navigasi", "kelas", "kategori"):
                how = "option" if col in lf.options else "bawaan"
                notes.append(
                    f"kolom {col} tidak ada: semua {value!r} ({how}; ubah dengan {col} = ...)"
                )
    if name == "pelabuhan":
        bad = ~gdf["kategori"].astype(str).isin(["laut", "sungai"])
        if bad.any():
            given = lf.options.get("kategori", "laut")
            notes.append(
                f"kategori {sorted(set(gdf.loc[bad, 'kategori'].astype(str)))[:3]} bukan "
                f"laut/sungai: dibaca sebagai {given!r}"
            )
            gdf.loc[bad, "kategori"] = given
    return gdf, "; ".join(notes)


def _check_demo_columns(lf: LayerFile, columns: Sequence[str]) -> None:
    expected = DEMO_LAYER_COLUMNS.get(lf.layer, ())
    missing = [c for c in expected if c not in columns]
    if missing:
        raise missing_columns_error(
            lf.path,
            {c: (c,) for c in missing},
            list(columns),
            hint="The demonstration province is incomplete; "
            "regenerate it with `kewaspadaan demo-data --force`.",
        )


def _read_table_layer(lf: LayerFile, layers: Layers) -> tuple[Any, LayerSource]:
    from kewaspadaan.io.tables import read_table

    name = lf.layer
    if name in ("tps", "penduduk"):
        return _read_unit_values(lf, layers)
    table = read_table(
        lf.path,
        sheet=lf.options.get("sheet"),
        encoding=lf.options.get("encoding"),
        what=f"{name} table",
    )
    if lf.file_columns:
        table = table.rename(columns=lf.file_columns)
    expected = DEMO_LAYER_COLUMNS.get(name, ())
    missing = [c for c in expected if c not in table.columns]
    if missing:
        raise missing_columns_error(
            lf.path,
            {c: (c,) for c in missing},
            list(table.columns),
            hint=f"The {name} table needs these; map yours with "
            "columns = {...} in the project file.",
        )
    for col in table.columns:  # numbers stay numbers
        converted = pd.to_numeric(table[col], errors="coerce")
        if converted.notna().all():
            table[col] = converted
    return table, _source(lf, table, {c: c for c in expected})


def _read_unit_values(lf: LayerFile, layers: Layers) -> tuple[Any, LayerSource]:
    from kewaspadaan.io.unit_tables import read_population, read_tps

    level = str(lf.options.get("level", "desa" if lf.layer == "tps" else "kecamatan"))
    units = getattr(layers, level, None) if level in _BOUNDARY_LEVELS else None
    if units is None:
        raise DataFileError(
            f"{lf.key}: the {lf.layer} table is per {level}, so the {level} "
            f"boundaries are needed: add [data.{level}] (or set level = ...)"
        )
    reader: Callable[..., Any] = read_tps if lf.layer == "tps" else read_population
    out = reader(
        lf.path,
        units,
        level=level,
        columns=dict(lf.options.get("columns", {})) or None,
        sheet=lf.options.get("sheet"),
        encoding=lf.options.get("encoding"),
        kabupaten=layers.kabupaten,
    )
    r = out.report
    matched = ", ".join(f"{k} {v}" for k, v in r["matched"].items() if v)
    note = (
        f"{sum(r['matched'].values())} dari {r['n_rows']} baris cocok ({matched}); "
        f"{len(r['unmatched'])} tidak cocok; {len(r['units_without_value'])} {level} tanpa "
        "nilai"
    )
    if r["other_level"]:
        note += f"; {r['other_level']} baris tingkat lain dilewati"
    table = out.values.rename(lf.layer).reset_index()
    table.attrs["level"] = level
    table.attrs["report"] = r
    return table, _source(lf, table, out.mapping, note)


_READERS: dict[str, Callable[[LayerFile, Layers], tuple[Any, LayerSource]]] = {
    "boundary": _read_boundary,
    "vector": _read_vector_layer,
    "table": _read_table_layer,
}


def read_incident_file(
    path: str | Path,
    *,
    boundaries: Mapping[str, gpd.GeoDataFrame | None] | None = None,
    options: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
) -> Any:
    """Read one incident file of any format: the one entry of every incident reader.

    Parameters
    ----------
    path : str or pathlib.Path
        ACLED/UCDP/generic table or point layer, or field reports (``format="laporan"``).
    boundaries : mapping, optional
        ``{"kabupaten"|"kecamatan"|"desa": GeoDataFrame}``: the gazetteer of field reports.
    options : mapping, optional
        The options of an ``[[data.insiden]]`` table: ``format``, ``date_format``,
        ``encoding``, ``swap_latlon``, ``layer``, ``sheet``, ``crs``.
    columns : mapping, optional
        ``{file column: schema column}``.

    Returns
    -------
    IncidentLoad
    """
    from kewaspadaan.io.field_reports import load_field_reports
    from kewaspadaan.io.incidents import load_incidents

    opts = dict(options or {})
    fmt = str(opts.get("format", "auto"))
    if fmt == "laporan":
        return load_field_reports(
            path,
            dict(boundaries or {}),
            date_format=opts.get("date_format"),
            encoding=opts.get("encoding"),
            sheet=opts.get("sheet"),
            columns=columns or None,
        )
    return load_incidents(
        path,
        format=fmt,
        date_format=opts.get("date_format"),  # type: ignore[arg-type]
        encoding=opts.get("encoding"),
        columns=columns or None,
        swap_latlon=bool(opts.get("swap_latlon", False)),
        layer=opts.get("layer"),
        sheet=opts.get("sheet"),
        crs=opts.get("crs", "EPSG:4326"),
    )


def _read_incidents(layers: Layers) -> Any:
    from kewaspadaan.io.incidents import combine_loads

    loads = []
    units = {lv: getattr(layers, lv) for lv in _BOUNDARY_LEVELS}
    for lf in layers.incident_files:
        load = read_incident_file(
            lf.path, boundaries=units, options=lf.options, columns=lf.file_columns
        )
        loads.append(load)
        note = f"format {load.kind}: {len(load.incidents)} valid, {len(load.rejected)} ditolak"
        layers.record(_source(lf, load.incidents, {}, note))
    return combine_loads(loads)


def _read_terrain(layers: Layers) -> Any:
    from kewaspadaan.io.terrain import load_terrain_tiles

    lf = layers.dem_files[0]
    paths = [p for f in layers.dem_files for p in f.paths]
    target = layers.analysis_crs()
    terrain = load_terrain_tiles(
        paths, reproject_to=target, resolution_m=lf.options.get("resolution_m")
    )
    for p in paths:
        layers.record(
            LayerSource(
                layer="dem",
                path=str(p),
                sha256=sha256_of(p),
                rows=int(terrain.elevation_m.size),
                crs=crs_label(target),
                synthetic=lf.synthetic,
                note=f"mosaik {len(paths)} tile, sel "
                f"{terrain.resolution_m[0]:.0f} m di {crs_label(target)}",
            )
        )
    return terrain


def load_vector(
    path: str | Path,
    required_columns: Sequence[str] = (),
    *,
    geometry: str | None = None,
    layer: str | int | None = None,
    crs: str | CRS | None = None,
    name: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer with the CRS and geometry checks of every kewaspadaan loader.

    Parameters
    ----------
    path : str or pathlib.Path
        GeoJSON, GeoPackage or (zipped) Shapefile.
    required_columns : sequence of str
        Columns that must exist (all missing ones are listed).
    geometry : {"point", "line", "polygon"}, optional
        Required geometry family.
    layer : str or int, optional
        Layer of a GeoPackage.
    crs : str or pyproj.CRS, optional
        CRS of a file that has none; never overrides a different one.
    name : str, optional
        Layer name used in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer (its own CRS, RangeIndex, ``attrs["source"]``).
    """
    source = str(path)
    gdf = read_vector(path, layer=layer, what=f"{name or 'vector'} layer")
    gdf = apply_crs(gdf, crs, source)
    missing = [c for c in required_columns if c not in gdf.columns]
    if missing:
        raise missing_columns_error(source, {c: (c,) for c in missing}, list(gdf.columns))
    lf = LayerFile(name or "vector", (Path(path),), key=source)
    return _check_vector(gdf, lf, geometry)


# keep dataclass field order introspection available for tests and tools
LAYER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Layers) if not f.name.startswith("_"))
