"""Incident layers computed in Python for the offline map (no Leaflet plugin JavaScript).

- :func:`incident_clusters` — grid clusters per zoom level (what Leaflet.markercluster does);
- :func:`incident_heat_png` — a kernel-density PNG for an ``ImageOverlay`` (what Leaflet.heat
  does), computed in metres.
"""

from __future__ import annotations

import io
import math
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import Transformer

from kewaspadaan import settings
from kewaspadaan.crs import MAP_CRS, to_analysis_crs

__all__ = ["incident_clusters", "incident_heat_png"]

_WEB_MERCATOR_M_PER_PX = 156_543.033_92  # at zoom 0 on the equator


def incident_clusters(
    x_m: np.ndarray,
    y_m: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    radius_px: int | None = None,
    min_zoom: int = 3,
    max_zoom: int = 14,
) -> tuple[dict[str, list[Any]], int]:
    """Grid clusters of points for each web-map zoom level.

    At zoom ``z`` the cell side is ``radius_px`` screen pixels in metres
    (``156543.03 m × cos(latitude) / 2**z`` per pixel). Clustering stops at the first zoom where
    every point is alone.

    Parameters
    ----------
    x_m, y_m : ndarray
        Coordinates in a projected CRS, metres.
    lat, lon : ndarray
        The same points in EPSG:4326 (cluster positions are the mean lat/lon of the members).
    radius_px : int, optional
        Cell size in pixels (default ``settings.cluster_radius_px``).
    min_zoom, max_zoom : int
        Zoom levels computed.

    Returns
    -------
    clusters : dict
        ``{str(zoom): [[lat, lon, count], ..., index, ...]}`` sorted by cell: a cluster of two or
        more points is ``[lat, lon, count]``, a single point is its index (an int).
    max_cluster_zoom : int
        Highest zoom with at least one cluster of two or more points (``min_zoom - 1`` if none).
    """
    radius = settings.cluster_radius_px if radius_px is None else radius_px
    n = len(x_m)
    clusters: dict[str, list[Any]] = {}
    max_cluster_zoom = min_zoom - 1
    if n == 0:
        return clusters, max_cluster_zoom
    coslat = math.cos(math.radians(float(np.mean(lat))))
    for z in range(min_zoom, max_zoom + 1):
        cell = radius * _WEB_MERCATOR_M_PER_PX * coslat / 2**z
        keys = np.column_stack([np.floor(x_m / cell), np.floor(y_m / cell)]).astype(np.int64)
        _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        if len(counts) == n:
            break
        mlat = np.bincount(inverse, lat) / counts
        mlon = np.bincount(inverse, lon) / counts
        first = np.full(len(counts), n)
        np.minimum.at(first, inverse, np.arange(n))
        clusters[str(z)] = [
            int(f) if c == 1 else [round(float(a), 5), round(float(b), 5), int(c)]
            for a, b, c, f in zip(mlat, mlon, counts, first, strict=True)
        ]
        max_cluster_zoom = z
    return clusters, max_cluster_zoom


_HEAT_STOPS = np.array(
    [[255, 255, 178], [254, 204, 92], [253, 141, 60], [240, 59, 32], [189, 0, 38]], dtype=float
)


def incident_heat_png(
    points: gpd.GeoSeries,
    bounds_lonlat: tuple[float, float, float, float],
    *,
    bandwidth_m: float | None = None,
    max_pixels: int | None = None,
) -> tuple[bytes, list[list[float]]] | None:
    """Kernel density of incidents as a transparent PNG for a Leaflet ``ImageOverlay``.

    The raster grid is regular in Web Mercator (so Leaflet stretches it exactly); the quartic
    kernel is evaluated with distances in metres in the projected analysis CRS.

    Parameters
    ----------
    points : GeoSeries
        Incident points with a CRS.
    bounds_lonlat : tuple
        ``(west, south, east, north)`` in degrees; padded by the bandwidth.
    bandwidth_m : float, optional
        Kernel radius, metres (default ``settings.heatmap_bandwidth_m``).
    max_pixels : int, optional
        Largest side of the image (default ``settings.heatmap_max_pixels``).

    Returns
    -------
    (bytes, list) or None
        PNG bytes and ``[[south, west], [north, east]]``; None without points.
    """
    from PIL import Image
    from scipy.spatial import cKDTree

    h = settings.heatmap_bandwidth_m if bandwidth_m is None else float(bandwidth_m)
    side = settings.heatmap_max_pixels if max_pixels is None else int(max_pixels)
    points = gpd.GeoSeries(points)
    points = points[points.notna() & ~points.is_empty]
    if len(points) == 0:
        return None
    pts = to_analysis_crs(points)
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    to_merc = Transformer.from_crs(MAP_CRS, "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_merc.transform(
        [bounds_lonlat[0], bounds_lonlat[2]], [bounds_lonlat[1], bounds_lonlat[3]]
    )
    x0, y0, x1, y1 = x0 - h, y0 - h, x1 + h, y1 + h
    size = max(x1 - x0, y1 - y0) / side
    nx, ny = max(1, math.ceil((x1 - x0) / size)), max(1, math.ceil((y1 - y0) / size))
    gx, gy = np.meshgrid(x0 + (np.arange(nx) + 0.5) * size, y1 - (np.arange(ny) + 0.5) * size)
    to_m = Transformer.from_crs("EPSG:3857", pts.crs, always_xy=True)
    cx, cy = to_m.transform(gx.ravel(), gy.ravel())
    pairs = cKDTree(xy).sparse_distance_matrix(
        cKDTree(np.column_stack([cx, cy])), h, output_type="coo_matrix"
    )
    kernel = (1.0 - (pairs.data / h) ** 2) ** 2
    density = np.bincount(pairs.col, kernel, minlength=nx * ny)
    if density.max() <= 0:
        return None
    v = np.sqrt(density / density.max())
    pos = v * (len(_HEAT_STOPS) - 1)
    lo = np.minimum(pos.astype(int), len(_HEAT_STOPS) - 2)
    frac = (pos - lo)[:, None]
    rgb = _HEAT_STOPS[lo] * (1 - frac) + _HEAT_STOPS[lo + 1] * frac
    alpha = np.where(v < 0.08, 0.0, 90 + 150 * v)
    rgba = np.column_stack([rgb, alpha]).round().astype(np.uint8).reshape(ny, nx, 4)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    to_ll = Transformer.from_crs("EPSG:3857", MAP_CRS, always_xy=True)
    (w, e), (s, n) = to_ll.transform([x0, x0 + nx * size], [y1 - ny * size, y1])
    return buf.getvalue(), [[round(s, 6), round(w, 6)], [round(n, 6), round(e, 6)]]
