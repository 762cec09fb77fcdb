"""Helpers shared by the loaders: column matching, file checks, vector reading."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
from pyproj import CRS

from kewaspadaan._errors import CRSError, DataFileError, EmptyDataError, MissingColumnError
from kewaspadaan.crs import require_crs

__all__ = [
    "apply_crs",
    "check_extent",
    "check_file",
    "column_key",
    "find_column",
    "format_rows",
    "missing_columns_error",
    "read_vector",
    "rename_columns",
]

logger = logging.getLogger(__name__)

#: At most this many rows are listed in one problem line (the count is always given).
MAX_ROWS_LISTED = 10


def check_file(path: str | Path, what: str = "data file") -> Path:
    """Return ``path`` as a Path if it is an existing, non-empty file; else raise."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(
            f"{p}: {what} not found. Check the path (working folder: {Path.cwd()})."
        )
    if p.is_dir():
        raise DataFileError(f"{p}: is a folder; give the path of the {what} itself.")
    if p.stat().st_size == 0:
        raise EmptyDataError(
            f"{p}: the {what} is empty (0 bytes). Export it again from its source."
        )
    return p


def format_rows(rows: Sequence[Any], limit: int = MAX_ROWS_LISTED) -> str:
    """``"rows 3, 7 and 9"`` style listing, truncated after ``limit`` entries."""
    items = [str(r) for r in rows[:limit]]
    more = len(rows) - len(items)
    text = ", ".join(items)
    if more > 0:
        text += f" (and {more} more)"
    return text


def column_key(name: Any) -> str:
    """Comparable form of a column name: lower case, runs of other characters as one ``_``.

    Examples
    --------
    >>> column_key(" Desa/Kelurahan "), column_key("EVENT_ID_CNTY"), column_key("Jenis Kejadian")
    ('desa_kelurahan', 'event_id_cnty', 'jenis_kejadian')
    """
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def find_column(columns: Iterable[str], candidates: Sequence[str]) -> str | None:
    """First column matching one of ``candidates`` (compared by :func:`column_key`, in
    candidate order)."""
    lower: dict[str, str] = {}
    for col in columns:
        lower.setdefault(column_key(col), col)
    for cand in candidates:
        key = column_key(cand)
        if key in lower:
            return lower[key]
    return None


def missing_columns_error(
    source: str | Path,
    missing: Mapping[str, Sequence[str]],
    columns: Sequence[str],
    *,
    hint: str = "",
) -> MissingColumnError:
    """Build a :class:`MissingColumnError` listing every missing column.

    Parameters
    ----------
    source : str or Path
        The file.
    missing : mapping
        ``{schema_column: accepted_names}`` for every column not found.
    columns : sequence of str
        The columns the file has (nearest names are suggested from these).
    hint : str
        Extra advice appended to the message.
    """
    cols = [str(c) for c in columns if str(c) != "geometry"]
    lines = []
    for target, accepted in missing.items():
        near: list[str] = []
        for name in [target, *accepted]:
            for match in difflib.get_close_matches(
                name.lower(), [c.lower() for c in cols], n=3, cutoff=0.6
            ):
                orig = next(c for c in cols if c.lower() == match)
                if orig not in near:
                    near.append(orig)
        nearest = f"; nearest existing: {', '.join(near[:3])}" if near else ""
        lines.append(f"  - {target!r} (accepted names: {', '.join(accepted)}){nearest}")
    msg = (
        f"{source}: missing required column(s) {', '.join(repr(m) for m in missing)}:\n"
        + "\n".join(lines)
        + f"\n  The file has: {', '.join(cols) or '(no columns)'}."
        + (f"\n  {hint}" if hint else "")
    )
    return MissingColumnError(msg)


def rename_columns(
    columns: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    explicit: Mapping[str, str] | None,
    source: str | Path,
) -> dict[str, str]:
    """Map file columns to schema names: explicit mapping first, then known aliases.

    Returns ``{file_column: schema_column}`` for the columns found. Raises
    :class:`MissingColumnError` if an explicit mapping names a column the file lacks.
    """
    mapping: dict[str, str] = {}
    explicit = dict(explicit or {})
    absent = [c for c in explicit if c not in columns]
    if absent:
        raise missing_columns_error(
            source,
            {c: [c] for c in absent},
            columns,
            hint="The columns= mapping names these, but the file lacks "
            "them; fix the mapping (keys are file columns).",
        )
    mapping.update(explicit)
    taken = set(mapping.values())
    used = set(mapping)
    for target, candidates in aliases.items():
        if target in taken:
            continue
        free = [c for c in columns if c not in used]
        col = find_column(free, [target, *candidates])
        if col is not None:
            mapping[col] = target
            used.add(col)
            taken.add(target)
    return mapping


def read_vector(
    path: str | Path,
    *,
    layer: str | int | None = None,
    what: str = "vector file",
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a GeoJSON / GeoPackage / Shapefile (also ``.zip``) with pyogrio.

    Raises :class:`FileNotFoundError`, :class:`EmptyDataError` (0 bytes or no features) or
    :class:`DataFileError` (unreadable) naming the file.
    """
    import pyogrio

    p = check_file(path, what)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(p)]
    except Exception as exc:
        raise DataFileError(
            f"{p}: cannot read it as a vector file ({exc}). Supported: GeoJSON, GeoPackage, "
            "Shapefile (.shp with .shx/.dbf/.prj, or all zipped)."
        ) from exc
    if layer is not None and isinstance(layer, str) and layer not in layers:
        raise DataFileError(
            f"{p}: layer {layer!r} not found; the file has layers: "
            f"{', '.join(layers)}. Pass one of them as layer=."
        )
    if layer is None and len(layers) > 1:
        raise DataFileError(
            f"{p}: the file holds {len(layers)} layers ({', '.join(layers)}); kewaspadaan does "
            f"not guess which is the {what}. Name it: layer = {layers[0]!r} in the project file "
            "(or layer=, --layer)."
        )
    try:
        gdf = pyogrio.read_dataframe(p, layer=layer, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{p}: the text is not UTF-8 (byte {exc.object[exc.start : exc.start + 1]!r}); "
            "GeoJSON must be UTF-8. Re-save it as UTF-8, or give its encoding "
            '(project file: encoding = "latin-1").'
        ) from exc
    except pyogrio.errors.DataSourceError as exc:
        raise DataFileError(
            f"{p}: cannot read it as a vector file ({exc}). Supported: GeoJSON, "
            "GeoPackage (give layer=), Shapefile (.shp with .shx/.dbf/.prj, or "
            "all zipped)."
        ) from exc
    except pyogrio.errors.DataLayerError as exc:
        raise DataFileError(f"{p}: cannot read layer {layer!r} ({exc}).") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise DataFileError(
            f"{p}: no geometry in this file; the {what} must be GeoJSON, "
            "GeoPackage or Shapefile with geometries."
        )
    if len(gdf) == 0:
        raise EmptyDataError(f"{p}: the {what} holds no features. Export it again from its source.")
    if gdf.crs is not None and "undefined" in CRS.from_user_input(gdf.crs).name.lower():
        gdf = gdf.set_crs(None, allow_override=True)  # "Undefined geographic SRS": no CRS at all
    return gdf


def check_extent(
    gdf: gpd.GeoDataFrame, source: str, *, given_crs: bool = False
) -> gpd.GeoDataFrame:
    """Refuse coordinates of another kind than the CRS says: metres declared as degrees (a UTM
    or TM-3 layer with a wrong .prj), or degrees declared as metres."""
    geom = gdf.geometry
    valid = geom[~(geom.isna() | geom.is_empty)]
    if len(valid) == 0:
        return gdf
    west, south, east, north = valid.total_bounds
    crs = CRS.from_user_input(gdf.crs)
    where = "crs=" if given_crs else "the file's CRS"
    if crs.is_geographic and (
        abs(west) > 180 or abs(east) > 180 or abs(south) > 90 or abs(north) > 90
    ):
        raise CRSError(
            f"{source}: the coordinates look like metres (x {west:.0f}..{east:.0f}, y "
            f"{south:.0f}..{north:.0f}) but {where} is {crs.to_string()} (degrees). The layer is "
            "in a projected CRS (a UTM zone such as EPSG:32750, or TM-3): fix its .prj, or give "
            "that CRS with crs= when the file has none."
        )
    if crs.is_projected and max(abs(west), abs(east)) <= 180 and max(abs(south), abs(north)) <= 90:
        raise CRSError(
            f"{source}: the coordinates look like degrees (x {west:.3f}..{east:.3f}) but {where} "
            f"is the projected {crs.to_string()} (metres). Fix the declared CRS (degrees are "
            "EPSG:4326)."
        )
    return gdf


def apply_crs(gdf: gpd.GeoDataFrame, crs: str | CRS | None, source: str) -> gpd.GeoDataFrame:
    """Check the layer's CRS: use ``crs`` only where the file has none, never override one."""
    if crs is None:
        return check_extent(require_crs(gdf, source), source)
    given = CRS.from_user_input(crs)
    if gdf.crs is None:
        logger.info("%s: no CRS in the file; using %s as given by crs=", source, given.to_string())
        return check_extent(gdf.set_crs(given), source, given_crs=True)
    if not CRS.from_user_input(gdf.crs).equals(given):
        raise CRSError(
            f"{source}: the file declares CRS {gdf.crs.to_string()} but crs={given.to_string()} "
            "was given. kewaspadaan never overrides a CRS: drop crs= (the file's own CRS is "
            "used), or fix the file if its CRS is wrong."
        )
    return check_extent(gdf, source)
