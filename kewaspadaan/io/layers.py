"""Every optional layer of an analysis, loaded at once: :func:`load_layers` → :class:`Layers`.

From a data folder laid out as the demonstration province (:data:`kewaspadaan.schema.DEMO_FILES`)
or from an explicit ``paths={"kecamatan": "...", ...}`` mapping (real data has other file names).
Absent layers are ``None``. Boundaries go through
:func:`~kewaspadaan.io.boundaries.load_boundaries`; other vector layers through
:func:`load_vector`, with the same CRS discipline.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError
from kewaspadaan.io._common import (
    apply_crs,
    check_file,
    format_rows,
    missing_columns_error,
    read_vector,
)
from kewaspadaan.io.boundaries import load_boundaries
from kewaspadaan.schema import DEMO_FILES, DEMO_LAYER_COLUMNS

__all__ = ["LAYER_GEOMETRY", "Layers", "load_layers", "load_vector"]

logger = logging.getLogger(__name__)

#: Geometry family each vector layer must have.
LAYER_GEOMETRY: dict[str, str] = {
    "provinsi": "polygon",
    "batas_negara": "line",
    "garis_pantai": "line",
    "sungai": "line",
    "jalan": "line",
    "pelabuhan": "point",
    "bandara": "point",
    "permukiman": "point",
    "gudang_kpu": "point",
    "pos_keamanan": "point",
}
_FAMILIES = {
    "point": {"Point", "MultiPoint"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
}
_BOUNDARY_LEVELS = {"kecamatan": "kecamatan", "desa": "desa", "kabupaten": "kabupaten"}
_TABLES = ("armada", "intensitas_benar")
#: Layer names accepted in ``paths=`` for the two path-only fields.
_PATH_KEYS = {
    "incidents_path": ("insiden", "incidents", "incidents_path"),
    "dem_path": ("dem", "dem_path", "terrain"),
}


@dataclass
class Layers:
    """All layers of one analysis; ``None`` where absent (see :meth:`available`).

    Vector layers are GeoDataFrames in their file's CRS; ``armada`` and ``intensitas_benar``
    are DataFrames; the incident list and the DEM are given as paths (read them with
    :func:`~kewaspadaan.io.load_incidents` / :func:`~kewaspadaan.io.load_terrain`).
    """

    kecamatan: gpd.GeoDataFrame | None = None
    desa: gpd.GeoDataFrame | None = None
    kabupaten: gpd.GeoDataFrame | None = None
    provinsi: gpd.GeoDataFrame | None = None
    batas_negara: gpd.GeoDataFrame | None = None
    garis_pantai: gpd.GeoDataFrame | None = None
    sungai: gpd.GeoDataFrame | None = None
    jalan: gpd.GeoDataFrame | None = None
    pelabuhan: gpd.GeoDataFrame | None = None
    bandara: gpd.GeoDataFrame | None = None
    permukiman: gpd.GeoDataFrame | None = None
    gudang_kpu: gpd.GeoDataFrame | None = None
    pos_keamanan: gpd.GeoDataFrame | None = None
    armada: pd.DataFrame | None = None
    incidents_path: Path | None = None
    dem_path: Path | None = None
    intensitas_benar: pd.DataFrame | None = None

    def available(self) -> list[str]:
        """Names of the layers present, in field order."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


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
        allowed = _FAMILIES[geometry]
        wrong = ~geom.geom_type.isin(allowed).to_numpy() & ~empty
        if wrong.any():
            rows = [int(i) + 1 for i, w in enumerate(wrong) if w]
            kinds = sorted(set(geom.geom_type[wrong]))
            problems.append(
                f"geometry: {len(rows)} row(s) are {', '.join(kinds)}, not "
                f"{geometry}s: rows {format_rows(rows)}."
            )
    if problems:
        raise ValidationError(source, problems)
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["source"] = source
    return gdf


def load_layers(
    data_dir: str | Path | None = None, *, paths: Mapping[str, str | Path] | None = None
) -> Layers:
    """Load every layer found in a data folder and/or given explicitly.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Folder laid out as :data:`kewaspadaan.schema.DEMO_FILES`. Default:
        ``settings.data_dir`` when ``paths`` is not given either. Files found there must have the
        columns of :data:`kewaspadaan.schema.DEMO_LAYER_COLUMNS`.
    paths : mapping, optional
        ``{layer: path}`` winning over the folder, e.g. ``{"kecamatan":
        "kaltim_kecamatan.geojson", "insiden": "acled.csv", "dem": "dem.tif"}``. Layer names are
        the :class:`Layers` fields (``incidents_path``/``dem_path`` also as ``insiden``/``dem``).
        Explicit files only need the columns the schema requires (boundaries) — a missing demo
        column is logged, as a hint.

    Returns
    -------
    Layers
        Absent layers are ``None``; :meth:`Layers.available` lists the others.
    """
    if data_dir is None and paths is None:
        data_dir = settings.data_dir
    folder = Path(data_dir) if data_dir is not None else None
    explicit = _normalise_keys(paths or {})
    found: dict[str, object] = {}
    for f in fields(Layers):
        key = f.name
        given = explicit.get(key)
        demo_key = _demo_key(key)
        path = (
            Path(given)
            if given is not None
            else (
                folder / DEMO_FILES[demo_key]
                if folder is not None and demo_key in DEMO_FILES
                else None
            )
        )
        if path is None or (given is None and not path.exists()):
            continue
        found[key] = _load_one(key, path, strict=given is None)
    layers = Layers(**found)  # type: ignore[arg-type]
    logger.info("layers available: %s", ", ".join(layers.available()) or "(none)")
    return layers


def _demo_key(field_name: str) -> str:
    return {"incidents_path": "insiden", "dem_path": "dem"}.get(field_name, field_name)


def _normalise_keys(paths: Mapping[str, str | Path]) -> dict[str, str | Path]:
    names = {f.name for f in fields(Layers)}
    out: dict[str, str | Path] = {}
    unknown = []
    for key, value in paths.items():
        target = next((f for f, aliases in _PATH_KEYS.items() if key in aliases), key)
        if target not in names:
            unknown.append(key)
        out[target] = value
    if unknown:
        raise ValueError(
            f"paths=: unknown layer name(s) {unknown}; known: {sorted(names)} "
            "(also 'insiden', 'dem')"
        )
    return out


def _load_one(key: str, path: Path, *, strict: bool) -> object:
    if key in _PATH_KEYS:
        return check_file(path, key.replace("_path", ""))
    if key in _TABLES:
        check_file(path, f"{key} table")
        table = pd.read_csv(path)
        _check_columns(key, table.columns, path, strict)
        return table
    if key in _BOUNDARY_LEVELS:
        return load_boundaries(path, level=_BOUNDARY_LEVELS[key])  # type: ignore[arg-type]
    gdf = load_vector(path, geometry=LAYER_GEOMETRY.get(key), name=key)
    _check_columns(key, gdf.columns, path, strict)
    return gdf


def _check_columns(key: str, columns: pd.Index, path: Path, strict: bool) -> None:
    expected = DEMO_LAYER_COLUMNS.get(key, ())
    missing = [c for c in expected if c not in columns]
    if not missing:
        return
    if strict:
        raise missing_columns_error(
            path,
            {c: (c,) for c in missing},
            list(columns),
            hint=f"The {key} layer of a kewaspadaan data folder needs "
            "these; regenerate the folder or fix the file.",
        )
    logger.info(
        "%s: %s layer lacks column(s) %s of the demo layout; analyses needing them will say so",
        path,
        key,
        missing,
    )
