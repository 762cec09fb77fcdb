"""CRS discipline: refuse data without a CRS, measure in a projected CRS, map in EPSG:4326.

Never set a CRS silently: :func:`require_crs` raises when a layer has none, and
:func:`analysis_crs_for` chooses (and logs) the projected CRS used for distances and areas.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import geopandas as gpd
from pyproj import CRS

from kewaspadaan import settings
from kewaspadaan._errors import CRSError

__all__ = ["MAP_CRS", "analysis_crs_for", "check_same_crs", "require_crs", "to_analysis_crs"]

logger = logging.getLogger(__name__)

#: The CRS of web maps (folium/Leaflet) and of GeoJSON files.
MAP_CRS = "EPSG:4326"

G = TypeVar("G", gpd.GeoDataFrame, gpd.GeoSeries)


def require_crs(data: G, source: str) -> G:
    """Return ``data`` unchanged if it has a CRS, else raise :class:`CRSError` naming ``source``.

    Parameters
    ----------
    data : GeoDataFrame or GeoSeries
        The layer.
    source : str
        File name or description used in the message.
    """
    if data.crs is None:
        raise CRSError(
            f"{source}: the layer has no coordinate reference system (CRS). kewaspadaan never "
            "guesses one. Fix the file (e.g. add a .prj next to a Shapefile), or pass the CRS "
            "explicitly: load_boundaries(path, crs='EPSG:4326') if the coordinates are lon/lat."
        )
    return data


def analysis_crs_for(data: gpd.GeoDataFrame | gpd.GeoSeries, crs: str | CRS | None = None) -> CRS:
    """Choose the projected CRS for distances and areas.

    Parameters
    ----------
    data : GeoDataFrame or GeoSeries
        Layer with a CRS; its extent picks the UTM zone when no CRS is given.
    crs : str or pyproj.CRS, optional
        Explicit choice; wins over ``settings.analysis_crs``. Must be projected.

    Returns
    -------
    pyproj.CRS
        A projected CRS.
    """
    choice = crs if crs is not None else settings.analysis_crs
    if choice is None:
        require_crs(data, "layer")
        if data.crs.is_projected:
            return CRS.from_user_input(data.crs)
        out = data.estimate_utm_crs()
        logger.debug("analysis CRS estimated from the data: %s", out.to_string())
        return out
    out = CRS.from_user_input(choice)
    if not out.is_projected:
        raise CRSError(
            f"analysis CRS {out.to_string()} is geographic (degrees); distances and areas need a "
            "projected CRS such as EPSG:32650 (UTM 50N) — set settings.analysis_crs or pass crs=."
        )
    return out


def to_analysis_crs(data: G, crs: str | CRS | None = None) -> G:
    """Reproject ``data`` to the analysis CRS (see :func:`analysis_crs_for`)."""
    require_crs(data, "layer")
    target = analysis_crs_for(data, crs)
    if CRS.from_user_input(data.crs) == target:
        return data
    return data.to_crs(target)


def check_same_crs(
    left: gpd.GeoDataFrame | gpd.GeoSeries,
    right: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    what: str = "layers",
) -> None:
    """Raise :class:`CRSError` unless both sides of a join/overlay share a CRS."""
    if left.crs is None or right.crs is None or not CRS.from_user_input(left.crs).equals(right.crs):
        raise CRSError(
            f"{what}: the two sides have different CRS ({left.crs} vs {right.crs}); reproject one "
            "with .to_crs() before joining."
        )
