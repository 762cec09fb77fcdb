"""The readers of :func:`kewaspadaan.io.load_layers`, one per kind of layer in the registry
(:data:`kewaspadaan.io.registry.LAYERS`): boundaries, plain vector layers (with OSM roads and
waterways and OurAirports airports recognised), tables (fleet, TPS, population), incident files
of every format (:func:`read_incident_file`) and DEM tiles.

Each reader returns the layer normalised to the schema of :data:`kewaspadaan.schema.
DEMO_LAYER_COLUMNS` and its :class:`~kewaspadaan.io.layers.LayerSource` (file, sha256, rows, CRS,
column mapping, what was left out or filled by a documented default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from kewaspadaan._errors import DataFileError, ValidationError
from kewaspadaan.crs import crs_label
from kewaspadaan.io._common import (
    apply_crs,
    check_file,
    format_rows,
    missing_columns_error,
    read_vector,
    rename_columns,
)
from kewaspadaan.io.airports import read_airports
from kewaspadaan.io.boundaries import load_boundaries
from kewaspadaan.io.field_reports import load_field_reports
from kewaspadaan.io.incidents import combine_loads, load_incidents
from kewaspadaan.io.osm import read_osm_lines
from kewaspadaan.io.project import LayerFile
from kewaspadaan.io.provenance import LayerSource, sha256_of
from kewaspadaan.io.registry import LAYERS
from kewaspadaan.io.tables import read_table
from kewaspadaan.io.terrain import load_terrain_tiles
from kewaspadaan.io.unit_tables import read_population, read_tps
from kewaspadaan.schema import DEMO_LAYER_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    from kewaspadaan.io.layers import Layers

__all__ = ["LAYER_GEOMETRY", "VECTOR_ALIASES", "load_vector", "read_incident_file", "sha256_of"]

#: Geometry family each vector layer must have.
LAYER_GEOMETRY: dict[str, str] = {n: s.geometry for n, s in LAYERS.items() if s.geometry}
_BOUNDARY_LEVELS = ("kabupaten", "kecamatan", "desa")

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


# Readers, by kind of layer
# ----------------------------------------------------------------------------------------------
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
        level=lf.layer,  # type: ignore[arg-type]
        layer=lf.options.get("layer"),
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
        format=fmt,  # type: ignore[arg-type]
        date_format=opts.get("date_format"),
        encoding=opts.get("encoding"),
        columns=columns or None,
        swap_latlon=bool(opts.get("swap_latlon", False)),
        layer=opts.get("layer"),
        sheet=opts.get("sheet"),
        crs=opts.get("crs", "EPSG:4326"),
    )


def _read_incidents(layers: Layers) -> Any:

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

    lf = layers.dem_files[0]
    paths = [p for f in layers.dem_files for p in f.paths]
    target = layers.analysis_crs()
    terrain = load_terrain_tiles(
        paths, reproject_to=target, resolution_m=lf.options.get("resolution_m")
    )
    _check_dem_covers(terrain, layers, paths)
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


def _check_dem_covers(terrain: Any, layers: Layers, paths: Sequence[Path]) -> None:
    """The DEM must cover the boundaries (a tile of another area, or a wrong CRS, does not)."""
    import shapely

    units = next(
        (
            getattr(layers, n)
            for n in ("kecamatan", "desa", "kabupaten", "provinsi")
            if getattr(layers, n) is not None
        ),
        None,
    )
    if units is None:
        return
    area = shapely.box(*units.to_crs(terrain.crs).total_bounds)
    dem = shapely.box(*terrain.bounds)
    covered = area.intersection(dem).area / area.area if area.area > 0 else 1.0
    if covered == 0:
        far_km = area.distance(dem) / 1000
        raise DataFileError(
            f"{paths[0]}: the DEM does not cover the boundaries (it lies {far_km:,.0f} km away "
            f"in {crs_label(terrain.crs)}): a tile of another area, or a raster whose CRS is "
            "wrong. Give the DEM tiles of the area."
        )
    if covered < 0.5:
        import logging

        logging.getLogger(__name__).warning(
            "%s: the DEM covers only %.0f%% of the boundaries' extent; terrain features are NaN "
            "outside it",
            paths[0],
            100 * covered,
        )


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
