"""Vector layers of the demonstration province: boundaries, border, coastline, rivers, settlements.

Polygons come from the label rasters of :mod:`kewaspadaan.demo.admin` (``rasterio.features.shapes``)
and are simplified as one coverage (``shapely.coverage_simplify``) so that shared edges stay
shared: desa tile their kecamatan, kecamatan their kabupaten, with no gaps or overlaps. All
geometries here are in EPSG:32650 (UTM 50N) metres; the writer converts to EPSG:4326.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from shapely.geometry import LineString, MultiPolygon, shape

from kewaspadaan.demo.admin import Admin
from kewaspadaan.demo.hydrology import Hydrology, river_reaches
from kewaspadaan.demo.terrain import Terrain

__all__ = ["Boundaries", "Rivers", "boundaries", "grid_transform", "rivers"]

logger = logging.getLogger(__name__)


def grid_transform(t: Terrain) -> Affine:
    """Affine transform of the terrain grid (north-up, EPSG:32650)."""
    s = t.spec
    return Affine(s.cell_m, 0.0, s.x0_m, 0.0, -s.cell_m, s.y0_m + s.height_m)


@dataclass
class Boundaries:
    """Polygons per unit (index = unit number of :class:`Admin`), plus the lines around them."""

    desa: np.ndarray
    kec: np.ndarray
    kab: np.ndarray
    province: shapely.Geometry
    border: shapely.Geometry  # international border (MultiLineString)
    coast: shapely.Geometry  # coastline, islands included


def _lines_only(g: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("LineString", "MultiLineString")]
    return shapely.line_merge(shapely.union_all(parts)) if parts else shapely.MultiLineString()


def _union(geoms: np.ndarray) -> shapely.Geometry:
    """Union of adjacent polygons of a coverage (fast path), falling back to a full overlay."""
    try:
        out = shapely.coverage_union_all(geoms)
        if shapely.is_valid(out):
            return out
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(geoms)


def boundaries(t: Terrain, a: Admin) -> Boundaries:
    """Polygonise and simplify the administrative units as one coverage.

    Parameters
    ----------
    t : Terrain
        Terrain grid (sea and neighbouring-country cells become polygons of the coverage too).
    a : Admin
        Label rasters.
    """
    n = len(a.desa_rc)
    lab = a.desa.astype(np.int32)
    lab[t.sea] = n
    lab[t.outside] = n + 1
    parts: list[list] = [[] for _ in range(n + 2)]
    for geom, val in rasterio.features.shapes(lab, connectivity=4, transform=grid_transform(t)):
        parts[int(val)].append(shape(geom))
    geoms = np.array([p[0] if len(p) == 1 else MultiPolygon(p) for p in parts], dtype=object)
    simp = shapely.coverage_simplify(geoms, tolerance=1.2 * t.spec.cell_m)
    bad = ~shapely.is_valid(simp)
    if bad.any():
        simp[bad] = shapely.make_valid(simp[bad])
    desa = simp[:n]
    kec = np.array([_union(desa[a.desa_kec == j]) for j in range(len(a.kec_kab))], dtype=object)
    desa_kab = a.kec_kab[a.desa_kec]
    kab = np.array([_union(desa[desa_kab == k]) for k in range(len(a.kab_jenis))], dtype=object)
    province = _union(kab)
    border = _lines_only(shapely.intersection(province.boundary, simp[n + 1].boundary))
    coast = _lines_only(shapely.intersection(province.boundary, simp[n].boundary))
    logger.debug(
        "boundaries: province %.0f km², border %.0f km, coast %.0f km",
        province.area / 1e6,
        border.length / 1e3,
        coast.length / 1e3,
    )
    return Boundaries(desa=desa, kec=kec, kab=kab, province=province, border=border, coast=coast)


@dataclass
class Rivers:
    """River reaches as lines with their attributes (UTM), and the cells they occupy."""

    lines: list[LineString]
    cells: list[np.ndarray]  # flat cell indices of each reach
    orde: np.ndarray
    navigasi: list[str]
    surut_musiman: np.ndarray
    nama: list[str]
    stem: np.ndarray
    main_name: str


def _navigasi(
    orde: np.ndarray, slope_m_per_km: np.ndarray, z_start: np.ndarray, max_order: int
) -> tuple[list[str], np.ndarray]:
    nav = []
    for o, s in zip(orde, slope_m_per_km, strict=True):
        if o >= max_order - 1 and s <= 0.6:
            nav.append("besar")
        elif (o >= max_order - 2 and s <= 2.5) or (o >= max_order - 3 and s <= 0.8):
            nav.append("kecil")
        elif o >= max_order - 2 and s <= 25.0:
            nav.append("jeram")
        else:
            nav.append("tidak")
    navs = np.array(nav)
    surut = ((navs == "jeram") | ((navs == "kecil") & (z_start > 40.0))) & (navs != "tidak")
    return nav, surut


def rivers(t: Terrain, h: Hydrology, names: Any) -> Rivers:
    """Vectorise the channel network into reaches with order, navigability and names.

    Parameters
    ----------
    t : Terrain
    h : Hydrology
    names : NameGenerator
        Used to name each river (a stem followed upstream by its largest tributary).
    """
    reaches = river_reaches(h)
    nc = t.shape[1]
    z = h.filled_m.ravel()
    start_of = {int(r[0]): i for i, r in enumerate(reaches)}
    down = np.array([start_of.get(int(r[-1]), -1) if len(r) else -1 for r in reaches])
    # the main upstream reach of each reach: largest accumulation just above the confluence
    best_up: dict[int, tuple[float, int]] = {}
    for i, r in enumerate(reaches):
        d = int(down[i])
        if d >= 0:
            acc = float(h.acc_cells[r[-2]])
            if d not in best_up or acc > best_up[d][0]:
                best_up[d] = (acc, i)
    stem = np.full(len(reaches), -1)
    order = np.argsort(np.array([z[r[-1]] for r in reaches]), kind="stable")
    n_stem = 0
    for i in order:  # downstream ends first; a reach's downstream reach is always lower
        d = int(down[i])
        if d >= 0 and stem[d] >= 0 and best_up.get(d, (0, -1))[1] == i:
            stem[i] = stem[d]
        else:
            stem[i] = n_stem
            n_stem += 1
    # name stems by size at their outlet, largest first
    outlet_acc = np.zeros(n_stem)
    for i, r in enumerate(reaches):
        outlet_acc[stem[i]] = max(outlet_acc[stem[i]], h.acc_cells[r[-1]])
    stem_name = {}
    for s in np.argsort(-outlet_acc, kind="stable"):
        stem_name[int(s)] = names.river()
    rows = [np.asarray(r) // nc for r in reaches]
    cols = [np.asarray(r) % nc for r in reaches]
    lines = []
    for rr, cc in zip(rows, cols, strict=True):
        x, y = t.xy(rr, cc)
        lines.append(LineString(np.column_stack([x, y])).simplify(0.5 * t.spec.cell_m))
    orde = np.array([int(h.strahler[r[0]]) for r in reaches])
    length_km = np.array([ln.length / 1000.0 for ln in lines])
    z0 = np.array([z[r[0]] for r in reaches])
    z1 = np.array([z[r[-1]] for r in reaches])
    slope = (z0 - z1) / np.maximum(length_km, 0.1)
    nav, surut = _navigasi(orde, slope, z0, int(orde.max()))
    main = stem_name[int(np.argmax(outlet_acc))]
    logger.debug("rivers: %d reaches, %d named rivers, main %s", len(lines), n_stem, main)
    return Rivers(
        lines=lines,
        cells=reaches,
        orde=orde,
        navigasi=nav,
        surut_musiman=surut,
        nama=[stem_name[int(s)] for s in stem],
        stem=stem,
        main_name=main,
    )
