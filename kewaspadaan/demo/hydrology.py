"""Rivers that follow the terrain: depression filling, D8 flow, accumulation, Strahler order.

- :func:`priority_flood` fills depressions with the priority-flood algorithm plus an epsilon
  gradient (Barnes, Lehman & Mulla 2014), so every land cell drains to the sea.
- :func:`d8_receivers` gives each cell its steepest-descent neighbour (D8, O'Callaghan & Mark 1984).
- :func:`accumulate` and :func:`strahler` walk cells from the highest to the lowest.
- :func:`river_reaches` vectorises the channel network into reaches between confluences.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass

import numba
import numpy as np

__all__ = [
    "Hydrology",
    "accumulate",
    "d8_receivers",
    "hydrology",
    "priority_flood",
    "river_reaches",
    "strahler",
]

logger = logging.getLogger(__name__)

_DR = np.array([-1, -1, -1, 0, 0, 1, 1, 1], dtype=np.int64)
_DC = np.array([-1, 0, 1, -1, 1, -1, 0, 1], dtype=np.int64)


@numba.njit(cache=True)
def _priority_flood(
    z: np.ndarray, land: np.ndarray, outlet_mask: np.ndarray, eps: float
) -> np.ndarray:  # pragma: no cover - compiled
    nr, nc = z.shape
    filled = z.copy()
    closed = np.zeros((nr, nc), dtype=np.bool_)
    heap = [(0.0, np.int64(0))]
    heap.pop()
    for r in range(nr):
        for c in range(nc):
            if land[r, c] and outlet_mask[r, c]:
                closed[r, c] = True
                heapq.heappush(heap, (filled[r, c], np.int64(r * nc + c)))
    while len(heap) > 0:
        h, idx = heapq.heappop(heap)
        r = idx // nc
        c = idx % nc
        for k in range(8):
            rr = r + _DR[k]
            cc = c + _DC[k]
            if rr < 0 or rr >= nr or cc < 0 or cc >= nc:
                continue
            if closed[rr, cc] or not land[rr, cc]:
                continue
            closed[rr, cc] = True
            if filled[rr, cc] <= h + eps:
                filled[rr, cc] = h + eps
            heapq.heappush(heap, (filled[rr, cc], np.int64(rr * nc + cc)))
    return filled


def priority_flood(
    elev_m: np.ndarray, land: np.ndarray, sea: np.ndarray, *, eps_m: float = 1e-3
) -> np.ndarray:
    """Fill depressions so every land cell has a strictly descending path to the sea.

    Parameters
    ----------
    elev_m : ndarray
        Elevation (metres).
    land : ndarray of bool
        Cells to process.
    sea : ndarray of bool
        Sea cells; land cells touching them (8-neighbourhood) are the outlets.
    eps_m : float
        Minimum drop between a filled cell and the cell it drains to.

    Returns
    -------
    ndarray
        Filled elevation (metres), equal to ``elev_m`` outside depressions.
    """
    from scipy import ndimage

    touches_sea = ndimage.binary_dilation(sea, structure=np.ones((3, 3), dtype=bool))
    return _priority_flood(elev_m.astype(np.float64), land, touches_sea, eps_m)


@numba.njit(cache=True)
def _d8(
    z: np.ndarray, land: np.ndarray, sea: np.ndarray, cell_m: float
) -> np.ndarray:  # pragma: no cover - compiled
    nr, nc = z.shape
    rcv = np.full(nr * nc, -2, dtype=np.int64)  # -2: not land, -1: outlet to the sea
    for r in range(nr):
        for c in range(nc):
            if not land[r, c]:
                continue
            best = 0.0
            best_k = -1
            to_sea = False
            for k in range(8):
                rr = r + _DR[k]
                cc = c + _DC[k]
                if rr < 0 or rr >= nr or cc < 0 or cc >= nc:
                    continue
                dist = cell_m * (1.4142135623730951 if _DR[k] != 0 and _DC[k] != 0 else 1.0)
                if sea[rr, cc]:
                    slope = (z[r, c] + 1.0) / dist
                elif land[rr, cc]:
                    slope = (z[r, c] - z[rr, cc]) / dist
                else:
                    continue
                if slope > best:
                    best = slope
                    best_k = k
                    to_sea = sea[rr, cc]
            if best_k < 0 or to_sea:
                rcv[r * nc + c] = -1
            else:
                rcv[r * nc + c] = (r + _DR[best_k]) * nc + (c + _DC[best_k])
    return rcv


def d8_receivers(
    filled_m: np.ndarray, land: np.ndarray, sea: np.ndarray, cell_m: float
) -> np.ndarray:
    """Flat index of the steepest-descent neighbour of every cell.

    Returns
    -------
    ndarray of int64
        ``-1`` where the cell drains into the sea, ``-2`` off land.
    """
    return _d8(filled_m, land, sea, float(cell_m))


@numba.njit(cache=True)
def _accumulate(order: np.ndarray, rcv: np.ndarray, weight: np.ndarray) -> np.ndarray:
    acc = weight.copy()  # pragma: no cover - compiled
    for i in range(order.size):
        c = order[i]
        r = rcv[c]
        if r >= 0:
            acc[r] += acc[c]
    return acc


def accumulate(
    filled_m: np.ndarray, rcv: np.ndarray, land: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Upstream cell count of every cell, and the land cells ordered from high to low.

    Returns
    -------
    acc : ndarray of float64, flat
        Number of cells draining through each cell (itself included).
    order : ndarray of int64
        Flat indices of land cells, highest filled elevation first (a topological order).
    """
    flat = filled_m.ravel()
    land_idx = np.flatnonzero(land.ravel())
    order = land_idx[np.argsort(-flat[land_idx], kind="stable")]
    weight = land.ravel().astype(np.float64)
    return _accumulate(order, rcv, weight), order


@numba.njit(cache=True)
def _strahler(
    order: np.ndarray, rcv: np.ndarray, channel: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    n = rcv.size
    so = np.zeros(n, dtype=np.int64)
    maxo = np.zeros(n, dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    for i in range(order.size):
        c = order[i]
        if not channel[c]:
            continue
        if maxo[c] == 0:
            so[c] = 1
        elif cnt[c] >= 2:
            so[c] = maxo[c] + 1
        else:
            so[c] = maxo[c]
        r = rcv[c]
        if r >= 0 and channel[r]:
            if so[c] > maxo[r]:
                maxo[r] = so[c]
                cnt[r] = 1
            elif so[c] == maxo[r]:
                cnt[r] += 1
    return so


def strahler(order: np.ndarray, rcv: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Strahler stream order of every channel cell (0 elsewhere), flat."""
    return _strahler(order, rcv, channel.ravel())


@dataclass
class Hydrology:
    """Flow routing on the filled DEM (flat arrays indexed ``row * ncols + col``)."""

    filled_m: np.ndarray  # 2-D filled elevation
    rcv: np.ndarray
    acc_cells: np.ndarray
    order: np.ndarray
    channel: np.ndarray  # flat bool
    strahler: np.ndarray  # flat int


def hydrology(
    elev_m: np.ndarray, land: np.ndarray, sea: np.ndarray, *, cell_m: float, channel_km2: float
) -> Hydrology:
    """Fill, route, accumulate and order the drainage network.

    Parameters
    ----------
    elev_m : ndarray
        Raw elevation (metres).
    land, sea : ndarray of bool
        Land and sea masks.
    cell_m : float
        Cell size (metres).
    channel_km2 : float
        Upstream area above which a cell is a channel.
    """
    filled = priority_flood(elev_m, land, sea)
    rcv = d8_receivers(filled, land, sea, cell_m)
    acc, order = accumulate(filled, rcv, land)
    cell_km2 = (cell_m / 1000.0) ** 2
    channel = (acc * cell_km2 >= channel_km2) & land.ravel()
    so = strahler(order, rcv, channel)
    logger.debug("hydrology: %d channel cells, max Strahler order %d", channel.sum(), so.max())
    return Hydrology(
        filled_m=filled, rcv=rcv, acc_cells=acc, order=order, channel=channel, strahler=so
    )


def river_reaches(h: Hydrology) -> list[np.ndarray]:
    """Split the channel network into reaches (flat cell indices, upstream first).

    A reach starts at a channel head or at a confluence (a cell with two or more channel donors)
    and runs downstream until the next confluence (included as its last cell, shared with the
    next reach) or the sea.
    """
    ch = h.channel
    rcv = h.rcv
    cells = np.flatnonzero(ch)
    down = rcv[cells]
    valid = down >= 0
    ndonors = np.bincount(down[valid][ch[down[valid]]], minlength=ch.size)
    starts = cells[(ndonors[cells] == 0) | (ndonors[cells] >= 2)]
    # deterministic order: by flat index (north-west first)
    reaches = []
    for s in np.sort(starts):
        path = [int(s)]
        c = int(s)
        while True:
            r = int(rcv[c])
            if r < 0 or not ch[r]:
                break
            path.append(r)
            if ndonors[r] >= 2:
                break
            c = r
        if len(path) >= 2:
            reaches.append(np.asarray(path, dtype=np.int64))
    return reaches
