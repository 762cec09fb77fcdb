"""Relief of a DEM cell by cell: slope (Horn 1981) and terrain ruggedness (Riley et al. 1999).

Each is one compiled pass over the grid with the neighbour rule of gdaldem ``-compute_edges``
(a neighbour outside the raster or NaN takes the centre cell's value), doing the same operations
in the same order as the whole-array NumPy formula, so the numbers are the same bit for bit
(the NumPy formulas are the tests' reference); public through :mod:`kewaspadaan.raster`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

__all__ = ["slope_deg", "terrain_ruggedness"]


def _pair(cellsize_m: Any) -> tuple[float, float]:
    """``(dx, dy)`` of a cell size given as one number or as ``(dx, dy)``, metres."""
    if isinstance(cellsize_m, int | float | np.integer | np.floating):
        return float(cellsize_m), float(cellsize_m)
    dx, dy = cellsize_m
    return float(dx), float(dy)


@njit(cache=True)
def _window(z: np.ndarray, r: int, c: int, nb: np.ndarray) -> None:  # pragma: no cover
    """The 3 x 3 window around ``(r, c)`` into ``nb`` (row-major, the centre at 4); a neighbour
    outside the raster or NaN takes the centre's value."""
    rows, cols = z.shape
    zc = z[r, c]
    k = 0
    for dr in range(-1, 2):
        for dc in range(-1, 2):
            rr, cc = r + dr, c + dc
            v = zc
            if 0 <= rr < rows and 0 <= cc < cols and not np.isnan(z[rr, cc]):
                v = z[rr, cc]
            nb[k] = v
            k += 1


@njit(cache=True)
def _horn_slope(z: np.ndarray, dx: float, dy: float, out: np.ndarray) -> None:  # pragma: no cover
    """Horn's slope in degrees per cell, one pass; the same operations in the same order as the
    whole-array NumPy formula (the tests' reference): the same numbers."""
    rows, cols = z.shape
    nb = np.empty(9)
    for r in range(rows):
        for c in range(cols):
            if np.isnan(z[r, c]):
                out[r, c] = np.nan
                continue
            _window(z, r, c, nb)
            a, b, c3, d, f, g, h, i = nb[0], nb[1], nb[2], nb[3], nb[5], nb[6], nb[7], nb[8]
            dzdx = ((c3 + 2 * f + i) - (a + 2 * d + g)) / (8.0 * dx)
            dzdy = ((g + 2 * h + i) - (a + 2 * b + c3)) / (8.0 * dy)
            out[r, c] = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))


@njit(cache=True)
def _ruggedness(z: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """Riley's TRI per cell, one pass (the neighbours summed in row-major order, as the NumPy
    reference of the tests sums them)."""
    rows, cols = z.shape
    nb = np.empty(9)
    for r in range(rows):
        for c in range(cols):
            zc = z[r, c]
            if np.isnan(zc):
                out[r, c] = np.nan
                continue
            _window(z, r, c, nb)
            total = 0.0
            for k in range(9):
                if k != 4:
                    total += (nb[k] - zc) ** 2
            out[r, c] = np.sqrt(total)


def slope_deg(dem: np.ndarray, cellsize_m: float | tuple[float, float]) -> np.ndarray:
    """Slope in degrees by Horn's (1981) method, NaN-aware.

    Parameters
    ----------
    dem : numpy.ndarray
        Elevation in metres; NaN = nodata.
    cellsize_m : float or (float, float)
        Cell size in metres, or ``(x, y)`` sizes.

    Returns
    -------
    numpy.ndarray
        float32 slope in degrees; NaN where the DEM is NaN. Neighbours outside the raster or
        NaN take the centre cell's value (so coasts and edges get a slope, as gdaldem
        ``-compute_edges``).
    """
    dx, dy = _pair(cellsize_m)
    z = np.ascontiguousarray(dem, dtype=np.float64)
    out = np.empty(z.shape, dtype=np.float64)
    _horn_slope(z, abs(float(dx)), abs(float(dy)), out)
    return out.astype(np.float32)


def terrain_ruggedness(dem: np.ndarray) -> np.ndarray:
    """Terrain Ruggedness Index (Riley et al. 1999) in metres.

    ``sqrt(sum over the 8 neighbours of (z_neighbour - z_centre)^2)``; NaN or outside
    neighbours are left out (they take the centre value), NaN centre gives NaN. float32.
    """
    z = np.ascontiguousarray(dem, dtype=np.float64)
    out = np.empty(z.shape, dtype=np.float64)
    _ruggedness(z, out)
    return out.astype(np.float32)
