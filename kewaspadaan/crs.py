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

__all__ = [
    "MAP_CRS",
    "WIDE_EXTENT_DEG",
    "analysis_crs_for",
    "check_same_crs",
    "crs_label",
    "equal_area_crs",
    "require_crs",
    "to_analysis_crs",
]

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
        if len(data) == 0 or data.is_empty.all():
            return CRS.from_user_input("EPSG:3395")  # nothing to measure: any projected CRS
        west, _, east, _ = data.to_crs(MAP_CRS).total_bounds
        if east - west > WIDE_EXTENT_DEG:
            out = equal_area_crs((west + east) / 2)
            logger.info(
                "the data span %.0f degrees of longitude (more than one UTM zone can measure): "
                "areas and distances in %s",
                east - west,
                out.name,
            )
            return out
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


#: Extent (degrees of longitude) above which one UTM zone no longer measures well: the data get
#: an equal-area CRS instead (all Indonesia spans 95–141 °E, eight UTM zones).
WIDE_EXTENT_DEG = 12.0


def equal_area_crs(lon_0: float) -> CRS:
    """Cylindrical equal-area CRS true at the equator, centred on ``lon_0`` (degrees).

    For Indonesia (11 °S – 6 °N) areas are exact and distances within 2 % (scale factors
    cos φ and 1/cos φ at latitude φ), where one UTM zone would distort the far ends by more than
    10 %.
    """
    from pyproj.crs import GeographicCRS, ProjectedCRS
    from pyproj.crs.coordinate_operation import LambertCylindricalEqualAreaConversion

    lon = round(float(lon_0), 1)
    conversion = LambertCylindricalEqualAreaConversion(
        latitude_first_parallel=0.0, longitude_natural_origin=lon
    )
    return ProjectedCRS(
        conversion=conversion,
        geodetic_crs=GeographicCRS(datum="WGS84"),
        name=f"kewaspadaan equal-area (cylindrical, true at the equator, lon_0={lon})",
    )


def crs_label(crs: str | CRS | None) -> str:
    """Short label of a CRS: ``EPSG:32650`` when it has a code, else its name ("" for none)."""
    if crs is None:
        return ""
    c = CRS.from_user_input(crs)
    code = c.to_epsg()
    return f"EPSG:{code}" if code is not None else c.name


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
