"""Terrain rasters (GeoTIFF DEM) → :class:`Terrain`, and atomic GeoTIFF writing.

Elevation is read as float32 metres with nodata as NaN. A raster without a CRS is refused; a
geographic one (degrees) too, unless ``reproject_to=`` names the projected CRS to warp it to
(slope and distances need metres).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.warp
from affine import Affine
from pyproj import CRS
from rasterio.transform import array_bounds
from rasterio.warp import Resampling, calculate_default_transform, reproject

from kewaspadaan._errors import CRSError, DataFileError, EmptyDataError
from kewaspadaan._io_utils import atomic_path
from kewaspadaan.io._common import check_file

__all__ = ["Terrain", "load_terrain", "load_terrain_tiles", "write_geotiff"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Terrain:
    """A DEM in memory.

    Attributes
    ----------
    elevation_m : numpy.ndarray
        2-D float32 elevations in metres; NaN where the raster has no data.
    transform : affine.Affine
        Pixel → CRS coordinates (upper-left corner of the upper-left cell).
    crs : pyproj.CRS
        Projected CRS of the grid.
    path : pathlib.Path
        The file read.
    """

    elevation_m: np.ndarray
    transform: Affine
    crs: CRS
    path: Path

    @property
    def resolution_m(self) -> tuple[float, float]:
        """Cell size ``(x, y)`` in metres (like rasterio's ``res``)."""
        return abs(self.transform.a), abs(self.transform.e)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` in the raster's CRS."""
        h, w = self.elevation_m.shape
        left, bottom, right, top = array_bounds(h, w, self.transform)
        return float(left), float(bottom), float(right), float(top)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)``."""
        return self.elevation_m.shape


def load_terrain(
    path: str | Path, *, band: int = 1, reproject_to: str | CRS | None = None
) -> Terrain:
    """Read one band of a GeoTIFF DEM.

    Parameters
    ----------
    path : str or pathlib.Path
        The raster (any GDAL format; GeoTIFF expected).
    band : int, default 1
        1-based band number.
    reproject_to : str or pyproj.CRS, optional
        Projected CRS to warp the DEM to (bilinear; cell size chosen by GDAL to preserve the
        resolution). Required when the raster is in a geographic CRS.

    Returns
    -------
    Terrain
        float32 elevations (NaN = nodata), transform, projected CRS, path.

    Raises
    ------
    FileNotFoundError, kewaspadaan._errors.DataFileError
        Missing or unreadable file; band out of range.
    kewaspadaan._errors.EmptyDataError
        Every cell is nodata.
    kewaspadaan._errors.CRSError
        No CRS; geographic CRS without ``reproject_to``; ``reproject_to`` not projected.
    """
    p = check_file(path, "terrain raster")
    try:
        src = rasterio.open(p)
    except rasterio.errors.RasterioIOError as exc:
        raise DataFileError(f"{p}: cannot read it as a raster ({exc}); give a GeoTIFF.") from exc
    with src:
        if not 1 <= band <= src.count:
            raise DataFileError(
                f"{p}: band {band} requested but the raster has {src.count} "
                f"band(s); pass band=1..{src.count}."
            )
        if src.crs is None:
            raise CRSError(
                f"{p}: the raster has no CRS. kewaspadaan never guesses one; assign "
                "it in a GIS or with `gdal_edit.py -a_srs EPSG:32650 file.tif`."
            )
        crs = CRS.from_user_input(src.crs)
        elev = src.read(band, masked=True).astype("float32").filled(np.nan)
        transform = src.transform
    if elev.size == 0 or not np.isfinite(elev).any():
        raise EmptyDataError(f"{p}: band {band} holds no valid elevation (all cells nodata).")
    target = CRS.from_user_input(reproject_to) if reproject_to is not None else None
    if target is not None and not target.is_projected:
        raise CRSError(
            f"reproject_to={target.to_string()} is geographic; give a projected CRS "
            "such as EPSG:32650 (UTM 50N)."
        )
    if target is None:
        if not crs.is_projected:
            raise CRSError(
                f"{p}: the raster is in a geographic CRS ({crs.to_string()}); slope "
                "and distances need metres. Pass reproject_to='EPSG:32650' (or the "
                "UTM zone of the area)."
            )
        return Terrain(elev, transform, crs, p)
    if target.equals(crs):
        return Terrain(elev, transform, crs, p)
    elev, transform = _warp(elev, transform, crs, target)
    logger.info(
        "%s: reprojected from %s to %s (%d x %d cells)",
        p,
        crs.to_string(),
        target.to_string(),
        elev.shape[1],
        elev.shape[0],
    )
    return Terrain(elev, transform, target, p)


def load_terrain_tiles(
    paths: str | Path | Sequence[str | Path],
    *,
    reproject_to: str | CRS | None = None,
    resolution_m: float | None = None,
    band: int = 1,
) -> Terrain:
    """Read one or several DEM tiles, in any CRS, as one mosaic in a projected CRS.

    Each tile is warped (bilinear) onto one grid in ``reproject_to`` covering all tiles; where
    tiles overlap, the first tile listed with data wins. One tile already in the target CRS is
    read as it is (:func:`load_terrain`).

    Parameters
    ----------
    paths : path or list of paths
        GeoTIFF tiles (SRTM, DEMNAS, ETOPO, Copernicus GLO-30 ...).
    reproject_to : str or pyproj.CRS, optional
        Projected CRS of the mosaic; required unless every tile is in the same projected CRS.
    resolution_m : float, optional
        Cell size of the mosaic, metres (default: the finest tile's, in metres).
    band : int, default 1
        Band read from every tile.

    Returns
    -------
    Terrain
        The mosaic (``path`` is the first tile; ``Terrain.tiles`` lists all).
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise DataFileError("no DEM tile given")
    if len(items) == 1 and resolution_m is None:
        return load_terrain(items[0], band=band, reproject_to=reproject_to)
    tiles = [_open_tile(check_file(t, "terrain raster"), band) for t in items]
    target = CRS.from_user_input(reproject_to) if reproject_to is not None else tiles[0][2]
    if not target.is_projected:
        raise CRSError(
            f"{items[0]}: the DEM tiles are in a geographic CRS ({target.to_string()}); pass "
            "reproject_to= a projected CRS (e.g. the UTM zone of the area)."
        )
    bounds = [
        rasterio.warp.transform_bounds(crs, target, *array_bounds(*e.shape, tr))
        for e, tr, crs, _ in tiles
    ]
    left, bottom = min(b[0] for b in bounds), min(b[1] for b in bounds)
    right, top = max(b[2] for b in bounds), max(b[3] for b in bounds)
    if resolution_m is None:
        resolution_m = min(_cell_m(e, tr, crs, target) for e, tr, crs, _ in tiles)
    res = float(resolution_m)
    width, height = (
        max(1, int(np.ceil((right - left) / res))),
        max(1, int(np.ceil((top - bottom) / res))),
    )
    transform = Affine(res, 0.0, left, 0.0, -res, top)
    out = np.full((height, width), np.nan, dtype="float32")
    for elev, tr, crs, _ in tiles:
        part = np.full_like(out, np.nan)
        reproject(
            elev,
            part,
            src_transform=tr,
            src_crs=crs,
            src_nodata=np.nan,
            dst_transform=transform,
            dst_crs=target,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
        out = np.where(np.isnan(out), part, out)
    if not np.isfinite(out).any():
        raise EmptyDataError(f"{items[0]}: the tiles hold no valid elevation.")
    logger.info(
        "DEM mosaic of %d tile(s): %d x %d cells of %.0f m in %s",
        len(tiles),
        width,
        height,
        res,
        target.to_string(),
    )
    terrain = Terrain(out, transform, target, Path(items[0]))
    object.__setattr__(terrain, "tiles", [Path(t) for t in items])
    return terrain


def _open_tile(p: Path, band: int) -> tuple[np.ndarray, Affine, CRS, Path]:
    try:
        src = rasterio.open(p)
    except rasterio.errors.RasterioIOError as exc:
        raise DataFileError(f"{p}: cannot read it as a raster ({exc}); give a GeoTIFF.") from exc
    with src:
        if src.crs is None:
            raise CRSError(
                f"{p}: the raster has no CRS. kewaspadaan never guesses one; assign "
                "it in a GIS or with `gdal_edit.py -a_srs EPSG:4326 file.tif`."
            )
        if not 1 <= band <= src.count:
            raise DataFileError(f"{p}: band {band} requested but the raster has {src.count}.")
        elev = src.read(band, masked=True).astype("float32").filled(np.nan)
        return elev, src.transform, CRS.from_user_input(src.crs), p


def _cell_m(elev: np.ndarray, transform: Affine, crs: CRS, target: CRS) -> float:
    """Cell size of a tile in metres of ``target`` (GDAL's default warp resolution)."""
    h, w = elev.shape
    dst, _, _ = calculate_default_transform(crs, target, w, h, *array_bounds(h, w, transform))
    return float(abs(dst.a))


def _warp(
    elev: np.ndarray, transform: Affine, src_crs: CRS, dst_crs: CRS
) -> tuple[np.ndarray, Affine]:
    h, w = elev.shape
    left, bottom, right, top = array_bounds(h, w, transform)
    dst_transform, dst_w, dst_h = calculate_default_transform(
        src_crs, dst_crs, w, h, left=left, bottom=bottom, right=right, top=top
    )
    out = np.full((dst_h, dst_w), np.nan, dtype="float32")
    reproject(
        elev,
        out,
        src_transform=transform,
        src_crs=src_crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    return out, dst_transform


def write_geotiff(
    path: str | Path,
    array: np.ndarray,
    transform: Affine,
    crs: str | CRS,
    nodata: float | None = None,
) -> Path:
    """Write a single-band (2-D) or multi-band (3-D, bands first) GeoTIFF atomically.

    NaN cells of a float array are written as ``nodata`` when it is given. DEFLATE-compressed,
    tiled when large; the bytes depend only on the inputs.

    Parameters
    ----------
    path : str or pathlib.Path
        Destination ``.tif``.
    array : numpy.ndarray
        ``(rows, cols)`` or ``(bands, rows, cols)``.
    transform : affine.Affine
        Pixel → CRS transform.
    crs : str or pyproj.CRS
        The CRS (required: kewaspadaan never writes a raster without one).
    nodata : float, optional
        Nodata value.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    if crs is None:
        raise CRSError(f"{path}: refusing to write a raster without a CRS")
    data = np.asarray(array)
    if data.ndim == 2:
        data = data[np.newaxis]
    if data.ndim != 3 or data.shape[1] == 0 or data.shape[2] == 0:
        raise ValueError(f"{path}: array must be 2-D or 3-D and non-empty, not {array.shape}")
    if nodata is not None and np.issubdtype(data.dtype, np.floating):
        data = np.where(np.isnan(data), nodata, data).astype(data.dtype)
    count, height, width = data.shape
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": count,
        "dtype": data.dtype,
        "crs": CRS.from_user_input(crs).to_wkt(),
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
    }
    if width >= 512 and height >= 512:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data)
    return Path(path)
