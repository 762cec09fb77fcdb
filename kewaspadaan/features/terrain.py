"""Terrain features per kecamatan from a DEM: elevation, slope, steep share, ruggedness.

``terrain`` is anything with the attributes ``elevation_m`` (2-D float array, NaN = nodata),
``transform`` (affine) and ``crs`` — e.g. ``kewaspadaan.io.load_terrain(path)`` — or a path to a
single-band GeoTIFF in a projected CRS, which is then read here with rasterio.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS

from kewaspadaan._errors import CRSError, DataFileError
from kewaspadaan.crs import require_crs
from kewaspadaan.raster import Zones, slope_deg, terrain_ruggedness

__all__ = ["TERRAIN_COLUMNS", "TerrainGrid", "as_terrain", "terrain_features"]

logger = logging.getLogger(__name__)

#: Columns returned by :func:`terrain_features`.
TERRAIN_COLUMNS: tuple[str, ...] = (
    "elev_mean_m",
    "elev_max_m",
    "elev_std_m",
    "slope_mean_deg",
    "steep_share",
    "tri_mean_m",
)


@dataclass(frozen=True)
class TerrainGrid:
    """A DEM in memory: elevation (float32 metres, NaN = nodata), transform and projected CRS."""

    elevation_m: np.ndarray
    transform: Affine
    crs: CRS

    @property
    def resolution_m(self) -> tuple[float, float]:
        """Cell size ``(x, y)`` in metres."""
        return abs(self.transform.a), abs(self.transform.e)


def as_terrain(terrain: Any) -> TerrainGrid:
    """Return a :class:`TerrainGrid` from a Terrain-like object or a GeoTIFF path.

    Raises :class:`~kewaspadaan._errors.CRSError` when the raster has no CRS or a geographic one
    (slope needs metres: reproject it, e.g. ``load_terrain(path, reproject_to="EPSG:32650")``).
    """
    if isinstance(terrain, str | Path):
        from kewaspadaan.io.terrain import load_terrain  # the one DEM reader

        terrain = load_terrain(terrain)
    missing = [a for a in ("elevation_m", "transform", "crs") if not hasattr(terrain, a)]
    if missing:
        raise TypeError(
            f"terrain must be a path or have elevation_m, transform and crs; "
            f"{type(terrain).__name__} lacks {missing}"
        )
    if terrain.crs is None:
        raise CRSError("terrain: the DEM has no CRS; kewaspadaan never guesses one")
    elev = np.asarray(terrain.elevation_m, dtype=np.float32)
    grid = TerrainGrid(elev, terrain.transform, CRS.from_user_input(terrain.crs))
    source = str(getattr(terrain, "path", "terrain"))
    if not grid.crs.is_projected:
        raise CRSError(
            f"{source}: the DEM is in a geographic CRS ({grid.crs.to_string()}); slope and "
            "distances need metres. Reproject it, e.g. load_terrain(path, "
            "reproject_to='EPSG:32650')."
        )
    if grid.elevation_m.ndim != 2:
        raise DataFileError(f"{source}: the DEM must be a single 2-D band")
    return grid


def terrain_features(
    boundaries: gpd.GeoDataFrame,
    terrain: Any,
    *,
    steep_deg: float = 15.0,
    backend: str | None = None,
    npartitions: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Elevation, slope and ruggedness statistics per kecamatan.

    Parameters
    ----------
    boundaries : GeoDataFrame
        Kecamatan polygons (any CRS; reprojected to the DEM's).
    terrain : Terrain-like or path
        See :func:`as_terrain`.
    steep_deg : float, default 15
        Slope (degrees) above which a cell counts as steep.
    backend : {"default", "dask"}, optional
        Default ``settings.backend``. ``"dask"`` computes the zonal statistics of spatial
        partitions of the polygons, each with its raster window, on a dask cluster (the same
        result).
    npartitions, client : optional
        Dask partitions and client.

    Returns
    -------
    pandas.DataFrame
        On ``boundaries.index``: ``elev_mean_m``, ``elev_max_m``, ``elev_std_m``,
        ``slope_mean_deg`` (Horn), ``steep_share`` (0-1 share of cells steeper than
        ``steep_deg``), ``tri_mean_m`` (Riley's Terrain Ruggedness Index). Cells are those whose
        centre is inside the polygon; a kecamatan too small to contain a cell centre uses every
        cell it touches (recorded in ``attrs["notes"]``). NaN where no DEM cell is valid.
    """
    require_crs(boundaries, "boundaries")
    grid = as_terrain(terrain)
    polys = boundaries.geometry.to_crs(grid.crs)
    elev = grid.elevation_m
    slope = slope_deg(elev, grid.resolution_m)
    tri = terrain_ruggedness(elev)
    from kewaspadaan._dask import backend_name

    stats = (
        _terrain_stats if backend_name(backend) == "default" else _dask_stats(npartitions, client)
    )
    out = stats(polys, elev, slope, tri, grid, steep_deg, all_touched=False)
    small = out["elev_mean_m"].isna().to_numpy()
    notes = {}
    if small.any():
        touched = stats(polys[small], elev, slope, tri, grid, steep_deg, all_touched=True)
        out.loc[small, list(TERRAIN_COLUMNS)] = touched.to_numpy()
        notes["terrain"] = (
            f"{int(small.sum())} kecamatan contain no DEM cell centre; their "
            "terrain features use every cell they touch"
        )
    out.attrs["notes"] = notes
    return out


def _terrain_stats(
    polys: gpd.GeoSeries,
    elev: np.ndarray,
    slope: np.ndarray,
    tri: np.ndarray,
    grid: TerrainGrid,
    steep_deg: float,
    *,
    all_touched: bool,
) -> pd.DataFrame:
    zones = Zones.from_polygons(
        polys, elev.shape, grid.transform, crs=grid.crs, all_touched=all_touched
    )
    e = zones.stats(elev, stats=("mean", "max", "std"))
    out = pd.DataFrame(
        {
            "elev_mean_m": e["mean"],
            "elev_max_m": e["max"],
            "elev_std_m": e["std"],
            "slope_mean_deg": zones.stats(slope, stats=("mean",))["mean"],
            "steep_share": zones.fraction_above(slope, steep_deg),
            "tri_mean_m": zones.stats(tri, stats=("mean",))["mean"],
        },
        index=polys.index,
    )
    return out


def _dask_stats(npartitions: int | None, client: Any) -> Any:
    """:func:`_terrain_stats` with the zonal statistics on dask (the same numbers)."""
    from kewaspadaan._dask import zonal_stats_dask

    def stats(
        polys: gpd.GeoSeries,
        elev: np.ndarray,
        slope: np.ndarray,
        tri: np.ndarray,
        grid: TerrainGrid,
        steep_deg: float,
        *,
        all_touched: bool,
    ) -> pd.DataFrame:
        def z(arr: np.ndarray, which: tuple[str, ...]) -> pd.DataFrame:
            return zonal_stats_dask(
                polys,
                arr,
                grid.transform,
                npartitions=npartitions,
                client=client,
                stats=which,
                all_touched=all_touched,
                crs=grid.crs,
            )

        steep = np.where(np.isfinite(slope), (slope > steep_deg).astype("float32"), np.nan)
        e = z(elev, ("mean", "max", "std"))
        return pd.DataFrame(
            {
                "elev_mean_m": e["mean"],
                "elev_max_m": e["max"],
                "elev_std_m": e["std"],
                "slope_mean_deg": z(slope, ("mean",))["mean"],
                "steep_share": z(steep, ("mean",))["mean"],
                "tri_mean_m": z(tri, ("mean",))["mean"],
            },
            index=polys.index,
        )

    return stats
