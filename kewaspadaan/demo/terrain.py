"""Terrain of the demonstration province: relief, land/sea, islands, and the main river valley.

The relief is spectral fractional Brownian motion (fBm) shaped by a mountain range along the
western international border, interior hills, a lowland coastal plain with a delta in the east,
and a carved main valley (like the Mahakam) from the western mountains to the delta. Everything is
on a regular grid in EPSG:32650 (UTM 50N, metres), row 0 in the north.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from kewaspadaan.demo._spec import DemoSpec

__all__ = ["Terrain", "fbm", "make_terrain"]

logger = logging.getLogger(__name__)

#: Elevation value of cells outside the province (sea, the neighbouring country).
NODATA = -9999.0


@dataclass
class Terrain:
    """The generated terrain grid (row 0 = north).

    Attributes
    ----------
    elev_m : ndarray (float64)
        Elevation in metres; meaningful on ``land`` only.
    land : ndarray (bool)
        Cells inside the province (mainland and islands).
    sea : ndarray (bool)
        Sea cells.
    outside : ndarray (bool)
        Cells west of the international border (the neighbouring country).
    island_id : ndarray (int32)
        0 on the mainland and elsewhere, ``k`` (1..) on the k-th island.
    main_path_rc : ndarray (n, 2)
        Row/column of the carved main valley, source first.
    border_col : ndarray (float64)
        Column of the international border for every row.
    """

    spec: DemoSpec
    elev_m: np.ndarray
    land: np.ndarray
    sea: np.ndarray
    outside: np.ndarray
    island_id: np.ndarray
    main_path_rc: np.ndarray
    border_col: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Grid shape (rows, columns)."""
        return self.land.shape

    def xy(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """UTM coordinates (metres) of the centres of cells ``rows``, ``cols``."""
        s = self.spec
        x = s.x0_m + (np.asarray(cols, dtype=float) + 0.5) * s.cell_m
        y = s.y0_m + s.height_m - (np.asarray(rows, dtype=float) + 0.5) * s.cell_m
        return x, y

    def rc(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row/column of the cells containing UTM points ``x``, ``y`` (clipped to the grid)."""
        s = self.spec
        c = np.floor((np.asarray(x, dtype=float) - s.x0_m) / s.cell_m).astype(np.int64)
        r = np.floor((s.y0_m + s.height_m - np.asarray(y, dtype=float)) / s.cell_m).astype(np.int64)
        return np.clip(r, 0, s.nrows - 1), np.clip(c, 0, s.ncols - 1)


def fbm(
    shape: tuple[int, int],
    rng: np.random.Generator,
    *,
    beta: float = 2.0,
    min_wavelength_cells: float = 2.0,
    max_wavelength_cells: float | None = None,
) -> np.ndarray:
    """Spectral fractional Brownian motion noise, standardised to mean 0 and std 1.

    Parameters
    ----------
    shape : (rows, cols)
        Grid shape.
    rng : numpy.random.Generator
        Seeded generator.
    beta : float
        Spectral exponent: power ∝ f**-beta (2 gives rough terrain, 3 smooth).
    min_wavelength_cells, max_wavelength_cells : float
        Band limits of the noise in cells (``None``: no upper limit).
    """
    white = rng.standard_normal(shape)
    spec = np.fft.rfft2(white)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    amp = f ** (-beta / 2.0)
    amp[f > 1.0 / min_wavelength_cells] = 0.0
    if max_wavelength_cells is not None:
        amp[f < 1.0 / max_wavelength_cells] = 0.0
    amp[0, 0] = 0.0
    out = np.fft.irfft2(spec * amp, s=shape)
    return (out - out.mean()) / (out.std() + 1e-12)


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _coast_u(v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Normalised easting of the coast as a function of normalised northing ``v``."""
    phase = rng.uniform(0, 2 * np.pi)
    wobble = 0.035 * np.sin(2 * np.pi * 0.9 * v + phase) + 0.02 * np.sin(2 * np.pi * 2.3 * v)
    delta = 0.06 * np.exp(-(((v - 0.45) / 0.06) ** 2))  # the delta lobe
    bay = -0.05 * np.exp(-(((v - 0.22) / 0.05) ** 2))  # a bay like Balikpapan's
    return 0.80 + wobble + delta + bay


def _main_path(spec: DemoSpec, rng: np.random.Generator, coast_u: np.ndarray) -> np.ndarray:
    """Row/col polyline of the main river from the western mountains to the delta."""
    v_mouth = 0.45
    row_mouth = round((1 - v_mouth) * spec.nrows)
    u_mouth = coast_u[min(row_mouth, spec.nrows - 1)] + 0.01
    ctrl_u = np.array([0.07, 0.16, 0.27, 0.40, 0.52, 0.62, 0.70, u_mouth])
    ctrl_v = np.array([0.68, 0.63, 0.52, 0.45, 0.37, 0.41, 0.455, v_mouth])
    ctrl_v[1:-2] += rng.uniform(-0.025, 0.025, len(ctrl_v) - 3)
    t_ctrl = np.linspace(0, 1, len(ctrl_u))
    t = np.linspace(0, 1, 4 * max(spec.nrows, spec.ncols))
    u = np.interp(t, t_ctrl, ctrl_u)
    v = np.interp(t, t_ctrl, ctrl_v)
    u = ndimage.gaussian_filter1d(u, len(t) / 60, mode="nearest")
    v = ndimage.gaussian_filter1d(v, len(t) / 60, mode="nearest")
    # meanders
    v = v + 0.012 * np.sin(2 * np.pi * 9 * t + rng.uniform(0, 6)) * np.sin(np.pi * t)
    rows = np.clip(np.round((1 - v) * spec.nrows), 0, spec.nrows - 1).astype(np.int64)
    cols = np.clip(np.round(u * spec.ncols), 0, spec.ncols - 1).astype(np.int64)
    keep = np.ones(len(rows), dtype=bool)
    keep[1:] = (np.diff(rows) != 0) | (np.diff(cols) != 0)
    return np.column_stack([rows[keep], cols[keep]])


def _valley_floor_m(s: np.ndarray) -> np.ndarray:
    """Elevation profile of the main valley floor along its normalised length ``s``."""
    return np.interp(s, [0.0, 0.18, 0.33, 0.55, 0.8, 1.0], [750.0, 260.0, 120.0, 35.0, 6.0, 0.5])


def make_terrain(spec: DemoSpec, rng: np.random.Generator) -> Terrain:
    """Generate relief, land/sea, islands and the main valley for ``spec``.

    Parameters
    ----------
    spec : DemoSpec
        Size of the province.
    rng : numpy.random.Generator
        Seeded generator (the only source of randomness).

    Returns
    -------
    Terrain
    """
    nr, nc = spec.nrows, spec.ncols
    vv = 1.0 - (np.arange(nr)[:, None] + 0.5) / nr  # 1 in the north
    uu = (np.arange(nc)[None, :] + 0.5) / nc
    km_per_u = spec.width_m / 1000.0
    cells_per_km = 1000.0 / spec.cell_m

    coast_u = _coast_u(vv[:, 0], rng)
    coast_noise = fbm((nr, nc), rng, beta=2.6, min_wavelength_cells=3 * cells_per_km)
    land_raw = uu < coast_u[:, None] + 0.012 * coast_noise

    phase = rng.uniform(0, 2 * np.pi)
    border_u = 0.018 + 0.012 * np.sin(2 * np.pi * 1.4 * vv[:, 0] + phase)
    border_col = border_u * nc
    outside = uu < border_u[:, None]

    t = np.clip(
        (coast_u[:, None] - uu) / np.maximum(coast_u[:, None] - border_u[:, None], 1e-6), 0.0, 1.0
    )  # 0 at the coast, 1 at the border
    n_hills = fbm((nr, nc), rng, beta=2.2, min_wavelength_cells=2.0)
    n_ridge = fbm((nr, nc), rng, beta=2.8, min_wavelength_cells=4.0)
    n_fine = fbm((nr, nc), rng, beta=1.8, min_wavelength_cells=2.0)
    plain = _smoothstep(0.03, 0.30, t)
    hills = 520.0 * t**1.2 * np.clip(0.55 + 0.35 * n_hills, 0.05, None)
    ridge_w = 22.0 / km_per_u  # ~22 km half-width of the border range
    ridge = 1950.0 * np.exp(-(((uu - border_u[:, None] - 0.9 * ridge_w) / ridge_w) ** 2))
    ridge *= np.clip(0.65 + 0.25 * n_ridge, 0.1, 1.05)
    elev = 1.0 + 10.0 * t + plain * (hills + ridge + 25.0 * n_fine)

    # provincial boundaries in the north and south follow watershed divides
    edge_km = np.minimum(np.arange(nr), nr - 1 - np.arange(nr))[:, None] * spec.cell_m / 1000.0
    elev = elev + plain * 380.0 * np.exp(-((edge_km / 14.0) ** 2))
    path = _main_path(spec, rng, coast_u)
    elev = _carve_valley(elev, path, spec, plain)
    land, island_id = _land_and_islands(land_raw & ~outside, spec, rng, coast_u, elev)
    elev = np.where(island_id > 0, _island_relief(island_id, n_fine, spec), elev)
    elev = np.maximum(elev, 0.5)
    sea = ~land & ~outside
    logger.debug(
        "terrain: %d land cells, %d islands, max %.0f m",
        land.sum(),
        island_id.max(),
        elev[land].max(),
    )
    return Terrain(
        spec=spec,
        elev_m=elev,
        land=land,
        sea=sea,
        outside=outside,
        island_id=island_id,
        main_path_rc=path,
        border_col=border_col,
    )


def _carve_valley(
    elev: np.ndarray, path: np.ndarray, spec: DemoSpec, plain: np.ndarray
) -> np.ndarray:
    """Tilt the interior towards the main path (a large basin) and carve its valley floor."""
    mask = np.ones(elev.shape, dtype=bool)
    mask[path[:, 0], path[:, 1]] = False
    dist, (ir, ic) = ndimage.distance_transform_edt(mask, return_indices=True)
    s_of_cell = np.zeros(elev.shape)
    seg = np.sqrt((np.diff(path, axis=0) ** 2).sum(axis=1))
    s_path = np.concatenate([[0.0], np.cumsum(seg)])
    s_path /= s_path[-1]
    s_of_cell[path[:, 0], path[:, 1]] = s_path
    s_near = s_of_cell[ir, ic]
    dist_km = dist * spec.cell_m / 1000.0
    basin_km = 0.22 * spec.width_m / 1000.0
    elev = elev + plain * 2.2 * np.minimum(dist_km, basin_km) * np.clip(1.2 - s_near, 0.2, 1.0)
    floor = _valley_floor_m(s_near)
    width_cells = 9000.0 / spec.cell_m
    w = 1.0 - np.exp(-((dist / width_cells) ** 2))
    carved = floor + (elev - floor) * w
    return np.where(elev > floor, carved, elev)


def _land_and_islands(
    land_raw: np.ndarray,
    spec: DemoSpec,
    rng: np.random.Generator,
    coast_u: np.ndarray,
    elev: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the mainland, drop islets, and add ``spec.n_islands`` offshore islands."""
    nr, nc = land_raw.shape
    lab, n = ndimage.label(land_raw)
    sizes = np.bincount(lab.ravel(), minlength=n + 1)
    sizes[0] = 0
    mainland = lab == int(np.argmax(sizes))
    mainland = ndimage.binary_fill_holes(mainland)  # inland "sea" pockets become land
    island_id = np.zeros((nr, nc), dtype=np.int32)
    cells_per_km = 1000.0 / spec.cell_m
    yy, xx = np.mgrid[0:nr, 0:nc]
    far_from_main = ndimage.distance_transform_edt(~mainland) > 6.0 * cells_per_km
    vs = np.linspace(0.90, 0.74, spec.n_islands) + rng.uniform(-0.01, 0.01, spec.n_islands)
    for k, v in enumerate(vs, start=1):
        row = int((1 - v) * nr)
        r_km = spec.island_radius_km * rng.uniform(0.8, 1.15)
        gap_km = 14.0 + 6.0 * k + r_km
        u = min(coast_u[row] + 0.02 + gap_km / (spec.width_m / 1000.0), 0.975)
        col = int(u * nc)
        rad = r_km * cells_per_km
        ang = np.arctan2(yy - row, xx - col)
        wob = 1.0 + 0.25 * np.sin(3 * ang + rng.uniform(0, 6)) + 0.1 * np.sin(5 * ang + k)
        blob = np.hypot(yy - row, xx - col) < rad * wob
        blob &= far_from_main & (island_id == 0)
        lab_b, nb = ndimage.label(blob)
        if nb > 1:
            big = np.bincount(lab_b.ravel())[1:].argmax() + 1
            blob = lab_b == big
        island_id[blob] = k
    land = mainland | (island_id > 0)
    return land, island_id


def _island_relief(island_id: np.ndarray, noise: np.ndarray, spec: DemoSpec) -> np.ndarray:
    """Low island relief (a few tens of metres) rising from the shore."""
    d = ndimage.distance_transform_edt(island_id > 0) * spec.cell_m / 1000.0
    return 2.0 + 18.0 * d * np.clip(1.0 + 0.3 * noise, 0.3, None)
