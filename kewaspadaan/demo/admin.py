"""Administrative hierarchy of the demonstration province, on the terrain grid.

Kota are compact areas around the big coastal towns; kabupaten, kecamatan and desa are grown from
seed points by multi-source Dijkstra over a terrain cost surface (steep slopes and big rivers are
expensive), each level restricted to its parent unit. Boundaries therefore follow ridges and
rivers, and nesting is exact by construction: a desa is a set of cells of one kecamatan, a
kecamatan a set of cells of one kabupaten. Every desa has one settlement at its seed.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field

import numba
import numpy as np
from scipy import ndimage

from kewaspadaan.demo._spec import DemoSpec
from kewaspadaan.demo.hydrology import Hydrology
from kewaspadaan.demo.terrain import Terrain, fbm

__all__ = ["Admin", "build_admin", "grow_regions", "settlement_density"]

logger = logging.getLogger(__name__)


@numba.njit(cache=True)
def _grow(
    cost: np.ndarray, parent: np.ndarray, seed_idx: np.ndarray, seed_parent: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    nr, nc = cost.shape
    label = np.full(nr * nc, -1, dtype=np.int32)
    dist = np.full(nr * nc, np.inf)
    heap = [(0.0, np.int64(0), np.int64(0))]
    heap.pop()
    for s0 in range(seed_idx.size):
        i0 = seed_idx[s0]
        if parent.ravel()[i0] == seed_parent[s0] and dist[i0] > 0.0:
            dist[i0] = 0.0
            heapq.heappush(heap, (0.0, np.int64(i0), np.int64(s0)))
    pr = parent.ravel()
    cr = cost.ravel()
    while len(heap) > 0:
        d, i, s = heapq.heappop(heap)
        if label[i] != -1:
            continue
        label[i] = s
        r = i // nc
        c = i % nc
        for k in range(4):
            rr = r + (-1, 1, 0, 0)[k]
            cc = c + (0, 0, -1, 1)[k]
            if rr < 0 or rr >= nr or cc < 0 or cc >= nc:
                continue
            j = rr * nc + cc
            if label[j] != -1 or pr[j] != seed_parent[s]:
                continue
            nd = d + 0.5 * (cr[i] + cr[j])
            if nd < dist[j]:
                dist[j] = nd
                heapq.heappush(heap, (nd, np.int64(j), np.int64(s)))
    return label.reshape(nr, nc)


def grow_regions(cost: np.ndarray, parent: np.ndarray, seeds_rc: np.ndarray) -> np.ndarray:
    """Label every cell with its cheapest seed, never crossing into another parent unit.

    Parameters
    ----------
    cost : ndarray (rows, cols)
        Positive cost of crossing each cell.
    parent : ndarray of int (rows, cols)
        Parent unit of every cell (``-1`` off land); a seed only claims cells of its own parent.
    seeds_rc : ndarray (n, 2)
        Row/column of the seeds.

    Returns
    -------
    ndarray of int32
        Seed index per cell, ``-1`` where no seed of the same parent can reach (e.g. islands);
        see :func:`_fill_unreached`.
    """
    nc = cost.shape[1]
    seed_idx = (seeds_rc[:, 0] * nc + seeds_rc[:, 1]).astype(np.int64)
    seed_parent = parent.ravel()[seed_idx].astype(np.int64)
    label = _grow(cost.astype(np.float64), parent.astype(np.int64), seed_idx, seed_parent)
    return _fill_unreached(label, parent, seeds_rc)


def _label_sum(values: np.ndarray, label: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` per label ``0 .. n - 1`` (``-1``: no unit), as ``ndimage.sum`` gives it
    (one ``bincount`` in pixel order, the same numbers) without its sort of the labels."""
    sums = np.bincount(label.ravel() + 1, weights=values.ravel(), minlength=n + 1)
    return sums[1 : n + 1]


def _fill_unreached(label: np.ndarray, parent: np.ndarray, seeds_rc: np.ndarray) -> np.ndarray:
    """Give unreached pieces the most common neighbouring label of the same parent, else the
    nearest seed of that parent (offshore islands)."""
    un = (parent >= 0) & (label < 0)
    if not un.any():
        return label
    label = label.copy()
    seed_parent = parent[seeds_rc[:, 0], seeds_rc[:, 1]]
    comps, _n = ndimage.label(un)
    for k, sl in enumerate(ndimage.find_objects(comps), start=1):
        sl = tuple(slice(max(s.start - 1, 0), s.stop + 1) for s in sl)
        piece_all = comps[sl] == k
        for p in np.unique(parent[sl][piece_all]):
            piece = piece_all & (parent[sl] == p)
            ring = ndimage.binary_dilation(piece) & ~piece & (parent[sl] == p) & (label[sl] >= 0)
            if ring.any():
                new = np.bincount(label[sl][ring]).argmax()
            else:
                rr, cc = np.nonzero(piece)
                cand = np.flatnonzero(seed_parent == p)
                if cand.size == 0:
                    continue
                d = np.hypot(
                    seeds_rc[cand, 0] - (rr.mean() + sl[0].start),
                    seeds_rc[cand, 1] - (cc.mean() + sl[1].start),
                )
                new = cand[np.argmin(d)]
            sub = label[sl]
            sub[piece] = new
    return label


def settlement_density(t: Terrain, h: Hydrology, rng: np.random.Generator) -> np.ndarray:
    """Relative settlement density: high along big rivers and the coast, low in the mountains."""
    spec = t.spec
    km = spec.cell_m / 1000.0
    so = h.strahler.reshape(t.shape)
    big = so >= max(2, so.max() - 2)
    d_river = ndimage.distance_transform_edt(~big) * km
    d_coast = ndimage.distance_transform_edt(~t.sea) * km
    noise = fbm(t.shape, rng, beta=2.4, min_wavelength_cells=3.0)
    dens = (
        np.exp(-np.maximum(t.elev_m, 0) / 220.0)
        * (0.25 + 3.0 * np.exp(-d_river / 1.2) + 2.0 * np.exp(-d_coast / 1.5))
        * np.exp(0.6 * noise)
    )
    return np.where(t.land, dens, 0.0)


def _cost_surface(t: Terrain, h: Hydrology, rng: np.random.Generator) -> np.ndarray:
    gy, gx = np.gradient(h.filled_m, t.spec.cell_m)
    slope = np.hypot(gx, gy)
    so = h.strahler.reshape(t.shape)
    river = np.where(so >= max(2, so.max() - 1), 6.0, 0.0)
    noise = fbm(t.shape, rng, beta=2.2, min_wavelength_cells=4.0)
    return (1.0 + slope / 0.04 + river) * np.exp(0.35 * noise)


def sample_seeds(
    mask: np.ndarray,
    dens: np.ndarray,
    n: int,
    rng: np.random.Generator,
    *,
    min_sep_cells: float,
    fixed: list[tuple[int, int]] | None = None,
) -> np.ndarray:
    """Draw ``n`` seed cells in ``mask`` proportional to ``dens``, at least ``min_sep`` apart.

    ``fixed`` seeds are kept first. Returns an (n, 2) array of row/col.
    """
    chosen = list(fixed or [])
    idx = np.flatnonzero(mask)
    if idx.size == 0 or n <= len(chosen):
        return np.asarray(chosen[: max(n, len(chosen))], dtype=np.int64).reshape(-1, 2)
    w = dens.ravel()[idx] + 1e-9
    nc = mask.shape[1]
    sep = float(min_sep_cells)
    while len(chosen) < n and sep >= 0.5:
        cand = rng.choice(idx, size=min(idx.size, 30 * n + 50), p=w / w.sum())
        for i in cand:
            r, c = divmod(int(i), nc)
            if all((r - a) ** 2 + (c - b) ** 2 >= sep * sep for a, b in chosen):
                chosen.append((r, c))
                if len(chosen) >= n:
                    break
        sep /= 2.0
    return np.asarray(chosen, dtype=np.int64).reshape(-1, 2)


@dataclass
class Admin:
    """Label rasters (``-1`` off the province) and per-unit facts, in code order."""

    kab: np.ndarray
    kec: np.ndarray
    desa: np.ndarray
    kab_jenis: list[str]  # "kabupaten" | "kota"
    kab_remote: np.ndarray  # bool per kab
    kab_capital_desa: np.ndarray  # desa index of each kab/kota capital
    prov_capital_desa: int
    kec_kab: np.ndarray
    kec_capital_desa: np.ndarray
    kec_island: np.ndarray  # bool: the kecamatan is an island not touching the mainland
    desa_kec: np.ndarray
    desa_rc: np.ndarray  # settlement cell of each desa
    desa_pop: np.ndarray
    desa_kelurahan: np.ndarray  # bool
    dens: np.ndarray = field(repr=False)


def _nearest_cell(mask: np.ndarray, r: float, c: float) -> tuple[int, int]:
    rr, cc = np.nonzero(mask)
    k = np.argmin((rr - r) ** 2 + (cc - c) ** 2)
    return int(rr[k]), int(cc[k])


def _kota_regions(t: Terrain, spec: DemoSpec, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Compact kota areas around towns on the main river or the coast."""
    mainland = t.land & (t.island_id == 0)
    kota = np.full(t.shape, -1, dtype=np.int32)
    centres = []
    yy, xx = np.ogrid[0 : spec.nrows, 0 : spec.ncols]
    cpk = 1000.0 / spec.cell_m
    for k, (where, pos, radius_km) in enumerate(spec.kota):
        if where == "river":
            path = t.main_path_rc
            r, c = path[min(int(pos * len(path)), len(path) - 1)]
            r, c = _nearest_cell(mainland, r, c)
        else:
            r = int((1 - pos) * spec.nrows)
            cols = np.flatnonzero(mainland[r])
            c = int(cols.max() - 1.5 * cpk)
            r, c = _nearest_cell(mainland, r, c)
        noise = 1.0 + 0.15 * np.sin(np.arctan2(yy - r, xx - c) * 3 + rng.uniform(0, 6))
        disc = (np.hypot(yy - r, xx - c) < radius_km * cpk * noise) & mainland & (kota < 0)
        lab, _ = ndimage.label(disc)
        kota[lab == lab[r, c]] = k
        centres.append((r, c))
    return kota, centres


def _capital_cell(region: np.ndarray, dens: np.ndarray, cpk: float) -> tuple[int, int]:
    """Densest cell of the largest piece of ``region``, away from its edge.

    Computed on the region's bounding box with one cell of margin inside the raster: the
    nearest cell outside the region is always within it, so the distances, and the first
    maximum in row order, are those of the whole raster.
    """
    rows, cols = np.nonzero(np.any(region, axis=1))[0], np.nonzero(np.any(region, axis=0))[0]
    if len(rows) == 0:
        return _capital_cell_full(region, dens, cpk)
    r0, r1 = max(int(rows[0]) - 1, 0), min(int(rows[-1]) + 2, region.shape[0])
    c0, c1 = max(int(cols[0]) - 1, 0), min(int(cols[-1]) + 2, region.shape[1])
    r, c = _capital_cell_full(region[r0:r1, c0:c1], dens[r0:r1, c0:c1], cpk)
    return r + r0, c + c0


def _capital_cell_full(region: np.ndarray, dens: np.ndarray, cpk: float) -> tuple[int, int]:
    lab, n = ndimage.label(region)
    if n > 1:
        region = lab == np.bincount(lab.ravel())[1:].argmax() + 1
    edt = ndimage.distance_transform_edt(region)
    score = np.where(region, dens * np.minimum(1.0, edt / (4.0 * cpk)), -1.0)
    r, c = np.unravel_index(int(np.argmax(score)), region.shape)
    return int(r), int(c)


def _allocate(weights: np.ndarray, total: int, minimum: np.ndarray) -> np.ndarray:
    """Integer allocation of ``total`` proportional to ``weights`` with per-unit minima."""
    w = np.asarray(weights, dtype=float)
    raw = w / w.sum() * max(total, int(minimum.sum()))
    out = np.maximum(np.floor(raw).astype(int), minimum)
    rem = total - out.sum()
    if rem > 0:
        for i in np.argsort(-(raw - np.floor(raw)), kind="stable")[:rem]:
            out[i] += 1
    return out


def build_admin(t: Terrain, h: Hydrology, rng: np.random.Generator) -> Admin:
    """Grow kabupaten/kota, kecamatan and desa over the terrain (see the module docstring).

    Parameters
    ----------
    t : Terrain
        The terrain grid.
    h : Hydrology
        Flow routing (rivers attract settlements and make boundaries).
    rng : numpy.random.Generator
        Seeded generator.
    """
    spec = t.spec
    1000.0 / spec.cell_m
    dens = settlement_density(t, h, rng)
    cost = _cost_surface(t, h, rng)
    kota, kota_centres = _kota_regions(t, spec, rng)
    kab, remote, kab_cap = _kabupaten(t, dens, cost, kota, kota_centres, rng)
    n_units = len(kab_cap)
    kec_seeds, kec_kab = _kec_seeds(t, kab, kab_cap, remote, dens, rng)
    kec = grow_regions(cost, kab, kec_seeds)
    kec[~t.land] = -1
    desa_seeds, desa_kec = _desa_seeds(t, kec, kec_seeds, kec_kab, n_units, dens, rng)
    desa = grow_regions(cost, kec, desa_seeds)
    desa[~t.land] = -1
    n_kec = len(kec_seeds)
    kec_capital_desa = np.array([int(np.flatnonzero(desa_kec == j)[0]) for j in range(n_kec)])
    kab_capital_desa = kec_capital_desa[
        [int(np.flatnonzero(kec_kab == k)[0]) for k in range(n_units)]
    ]
    n_kabu = spec.n_kab
    prov_cap = int(kab_capital_desa[n_kabu] if spec.n_kota else kab_capital_desa[0])
    pop, urban = _population(
        t,
        desa,
        desa_seeds,
        desa_kec,
        kec_kab,
        kab_capital_desa,
        kec_capital_desa,
        prov_cap,
        remote,
        dens,
        rng,
    )
    is_kota = np.arange(n_units) >= n_kabu
    kel = is_kota[kec_kab[desa_kec]] | ((urban > 0.5 * pop) & (pop > 2500))
    island_of_kec = np.array([bool((t.island_id[kec == j] > 0).all()) for j in range(n_kec)])
    logger.info(
        "admin: %d kabupaten/kota, %d kecamatan, %d desa/kelurahan, population %d",
        n_units,
        n_kec,
        len(desa_seeds),
        int(pop.sum()),
    )
    return Admin(
        kab=kab,
        kec=kec,
        desa=desa,
        kab_jenis=["kota" if x else "kabupaten" for x in is_kota],
        kab_remote=remote,
        kab_capital_desa=kab_capital_desa,
        prov_capital_desa=prov_cap,
        kec_kab=kec_kab,
        kec_capital_desa=kec_capital_desa,
        kec_island=island_of_kec,
        desa_kec=desa_kec,
        desa_rc=desa_seeds,
        desa_pop=pop,
        desa_kelurahan=kel,
        dens=dens,
    )


def _kabupaten(
    t: Terrain,
    dens: np.ndarray,
    cost: np.ndarray,
    kota: np.ndarray,
    kota_centres: list,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, list]:
    """Kabupaten regions (anchors first, the remote upstream one last), then the kota."""
    spec = t.spec
    cpk = 1000.0 / spec.cell_m
    free = t.land & (t.island_id == 0) & (kota < 0)
    seeds = [_nearest_cell(free, (1 - v) * spec.nrows, u * spec.ncols) for u, v in spec.kab_anchors]
    path = t.main_path_rc
    r, c = path[int(0.17 * len(path))]
    seeds.append(_nearest_cell(free, r, c))
    seeds_rc = np.asarray(seeds, dtype=np.int64)
    parent = np.where(t.land & (kota < 0), 0, -1)
    kab = grow_regions(cost, parent, seeds_rc)
    n_kabu = len(seeds)
    kab = np.where(kota >= 0, n_kabu + kota, kab).astype(np.int32)
    kab[~t.land] = -1
    n_units = n_kabu + len(kota_centres)
    remote = np.zeros(n_units, dtype=bool)
    remote[n_kabu - 1] = True
    on_path = np.zeros(t.shape, dtype=bool)
    on_path[path[:, 0], path[:, 1]] = True
    on_path = ndimage.binary_dilation(on_path, iterations=2)
    caps = []
    for k in range(n_units):
        region = kab == k
        if k >= n_kabu:
            caps.append(kota_centres[k - n_kabu])
            continue
        if remote[k] and (region & on_path).any():
            region = region & on_path
        caps.append(_capital_cell(region, dens, cpk))
    return kab, remote, caps


def _kec_seeds(
    t: Terrain,
    kab: np.ndarray,
    kab_cap: list,
    remote: np.ndarray,
    dens: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Kecamatan seeds: the kabupaten capital first, one per island, the rest by density."""
    spec = t.spec
    cpk = 1000.0 / spec.cell_m
    n_units = len(kab_cap)
    km2 = (spec.cell_m / 1000.0) ** 2
    idx = np.arange(n_units)
    area = _label_sum(t.land, kab, n_units) * km2
    dsum = _label_sum(dens, kab, n_units)
    comps = [ndimage.label(kab == k) for k in range(n_units)]
    ncomp = np.array([n for _, n in comps])
    is_kota = idx >= spec.n_kab
    n_kota_kec = np.clip(np.round(area / 90.0), 3, 10).astype(int)
    weights = np.sqrt(area) * np.sqrt(dsum) * np.where(remote, 0.6, 1.0)
    minimum = np.maximum(ncomp, np.where(remote, 3, 2))
    n_kec = np.where(is_kota, np.maximum(n_kota_kec, ncomp), 0)
    n_kec[~is_kota] = _allocate(
        weights[~is_kota], spec.n_kec - int(n_kec[is_kota].sum()), minimum[~is_kota]
    )
    seeds, owner = [], []
    for k in range(n_units):
        lab, n = comps[k]
        sizes = np.bincount(lab.ravel())[1:]
        main = int(np.argmax(sizes)) + 1
        n_main = int(n_kec[k]) - (n - 1)
        region = lab == main
        sep = np.sqrt(sizes[main - 1] / max(n_main, 1)) * 0.6
        cap = tuple(kab_cap[k])
        s = sample_seeds(region, dens, n_main, rng, min_sep_cells=sep, fixed=[cap])
        rest = sorted(s[1:].tolist(), key=lambda rc: (rc[0] - cap[0]) ** 2 + (rc[1] - cap[1]) ** 2)
        unit = [list(cap), *rest]
        for j in range(1, n + 1):
            if j != main:
                unit.append(list(_capital_cell(lab == j, dens, cpk)))
        seeds.extend(unit)
        owner.extend([k] * len(unit))
    return np.asarray(seeds, dtype=np.int64), np.asarray(owner, dtype=np.int64)


def _desa_seeds(
    t: Terrain,
    kec: np.ndarray,
    kec_seeds: np.ndarray,
    kec_kab: np.ndarray,
    n_units: int,
    dens: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Desa seeds per kecamatan: the kecamatan capital first, the rest by density."""
    spec = t.spec
    n_kec = len(kec_seeds)
    cells = _label_sum(t.land, kec, n_kec)
    dsum = _label_sum(dens, kec, n_kec)
    kota_kec = kec_kab >= spec.n_kab
    w = dsum**0.75 * cells**0.25 * np.where(kota_kec, 1.6, 1.0)
    n_desa = _allocate(w, spec.n_desa, np.full(n_kec, 2))
    seeds, owner = [], []
    for j, sl in enumerate(ndimage.find_objects(kec + 1)[:n_kec]):
        region = kec[sl] == j
        off = np.array([sl[0].start, sl[1].start])
        cap_rc = kec_seeds[j] - off
        cap = (int(cap_rc[0]), int(cap_rc[1]))
        sep = np.sqrt(region.sum() / n_desa[j]) * 0.55
        s = sample_seeds(region, dens[sl], int(n_desa[j]), rng, min_sep_cells=sep, fixed=[cap])
        rest = sorted(s[1:].tolist(), key=lambda rc: (rc[0] - cap[0]) ** 2 + (rc[1] - cap[1]) ** 2)
        for rc in [list(cap), *rest]:
            seeds.append([rc[0] + off[0], rc[1] + off[1]])
            owner.append(j)
    return np.asarray(seeds, dtype=np.int64), np.asarray(owner, dtype=np.int64)


def _population(
    t: Terrain,
    desa: np.ndarray,
    desa_rc: np.ndarray,
    desa_kec: np.ndarray,
    kec_kab: np.ndarray,
    kab_cap: np.ndarray,
    kec_cap: np.ndarray,
    prov_cap: int,
    remote: np.ndarray,
    dens: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Population per desa: rural (density × log-normal) plus urban kernels around towns."""
    spec = t.spec
    total = spec.population
    cpk = 1000.0 / spec.cell_m
    towns: dict[int, tuple[float, float]] = {}  # desa -> (share of total, sigma km)
    for j in kec_cap:
        towns[int(j)] = (0.004, 1.0)
    for k, j in enumerate(kab_cap):
        if k >= spec.n_kab:
            towns[int(j)] = (0.17 if k > spec.n_kab else 0.2, 5.0)
        else:
            towns[int(j)] = (0.005 if remote[k] else 0.025, 2.5)
    towns[prov_cap] = (0.22, 6.0)
    if spec.n_kota > 2:
        towns[int(kab_cap[spec.n_kab + 2])] = (0.05, 3.0)
    urban = np.zeros(t.shape)
    for j, (share, sigma_km) in towns.items():
        r0, c0 = desa_rc[j]
        w = int(4 * sigma_km * cpk) + 1
        sl = (
            slice(max(r0 - w, 0), min(r0 + w + 1, spec.nrows)),
            slice(max(c0 - w, 0), min(c0 + w + 1, spec.ncols)),
        )
        yy, xx = np.ogrid[sl[0], sl[1]]
        g = np.exp(-((yy - r0) ** 2 + (xx - c0) ** 2) / (2 * (sigma_km * cpk) ** 2))
        g = np.where(t.land[sl], g, 0.0)
        urban[sl] += share * total * g / g.sum()
    n = len(desa_rc)
    urban_desa = _label_sum(urban, desa, n)
    rural_total = max(total - urban.sum(), 0.2 * total)
    dsum = _label_sum(dens, desa, n)
    rural = dsum / dsum.sum() * rural_total * rng.lognormal(0.0, 0.35, n)
    pop = np.maximum(np.round(rural + urban_desa), 150).astype(np.int64)
    return pop, urban_desa
