"""Point layers of the network: ports, airstrips, settlements and depots, the access and
transfer edges that join them to the lines, sea lanes and flights.

- A port or airstrip is linked to the nearest road and river node by an edge whose time is the
  walk at ``setapak`` speed plus the handling time of ``settings.transfer_time_h`` for the pair
  of modes; a settlement or depot is linked the same way to the road (no handling) and to the
  river, port and airstrip (with handling, so a village is never a free mode change).
- Sea lanes join sea ports and stay at sea (:mod:`kewaspadaan.network.sea`).
- Flights join airstrips within range. Each flight edge carries ``landas_min_m``, the shorter
  runway of its two ends (0 for a helipad; NaN when unknown): a small aircraft flies it only
  when both runways are at least its ``landas_min_m`` (``settings.vehicle_types``); its
  ``kelas`` is ``pesawat_kecil`` then, else ``helikopter``.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from kewaspadaan import settings
from kewaspadaan.network._builder import Builder
from kewaspadaan.network.modes import modes
from kewaspadaan.network.sea import sea_lanes

__all__ = ["build_points", "infer_port_kategori"]

logger = logging.getLogger(__name__)

_RUNWAY = ("bandara", "lapangan_terbang")


def _point_attrs(gdf: gpd.GeoDataFrame, cols: tuple[str, ...]) -> list[dict[str, Any]]:
    present = [c for c in cols if c in gdf]
    recs = pd.DataFrame(gdf[present]).astype("object").to_dict("records")
    for r in recs:
        if "nama" in r:
            r["name"] = r.pop("nama")
    return recs


def _nearest(
    src_xy: np.ndarray, dst_ids: np.ndarray, dst_xy: np.ndarray, max_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target node per source point within ``max_m`` (-1 where none)."""
    if len(dst_ids) == 0 or len(src_xy) == 0:
        return np.full(len(src_xy), -1), np.full(len(src_xy), np.inf)
    d, j = cKDTree(dst_xy).query(src_xy, k=1, distance_upper_bound=max_m)
    ok = np.isfinite(d)
    out = np.full(len(src_xy), -1)
    out[ok] = dst_ids[j[ok]]
    return out, d


def _handling_h(a: str, b: str) -> float:
    if a == b or "access" in (a, b):
        return 0.0
    order = modes()
    key = "-".join(sorted((a, b), key=order.index))
    return float(settings.transfer_time_h.get(key, 0.0))


def _link(
    b: Builder,
    src: np.ndarray,
    dst_ids: np.ndarray,
    *,
    max_m: float,
    mode_a: str,
    mode_b: str,
    kind: str,
) -> np.ndarray:
    """Access/transfer edges from each ``src`` node to its nearest ``dst`` node; return the
    mask of the sources linked."""
    src_xy, dst_xy = b.xy(src), b.xy(dst_ids)
    near, dist = _nearest(src_xy, dst_ids, dst_xy, max_m)
    walk = settings.network_speeds_kmh["road"]["setapak"]
    handling = _handling_h(mode_a, mode_b)
    for s, t, d in zip(src.tolist(), near.tolist(), dist.tolist(), strict=True):
        if t < 0:
            continue
        geom = shapely.LineString([b.xy(np.array([s]))[0], b.xy(np.array([t]))[0]])
        mode = "transfer" if handling > 0 else "access"
        b.add_edge(
            s,
            t,
            geom,
            mode=mode,
            kelas=f"{mode_a}-{mode_b}" if handling else kind,
            length_km=d / 1000.0,
            speed_kmh=walk,
            extra_time_h=handling,
            cost=settings.transfer_cost_rp if handling > 0 else 0.0,
            id=f"{kind}:{s}-{t}",
            edge_id=f"{kind}:{s}-{t}",
        )
    return near >= 0


def _add_sea_lanes(b: Builder, ports: np.ndarray, land: Any) -> None:
    xy = b.xy(ports)
    lanes, lost = sea_lanes(xy, land)
    if lost:
        b.excluded.append(
            {"layer": "pelabuhan", "count": lost, "reason": "port pairs with no sea lane at sea"}
        )
    speed = settings.network_speeds_kmh["sea"]["default"]
    for (i, j), geom in sorted(lanes.items()):
        u, v = int(ports[i]), int(ports[j])
        length = geom.length / 1000.0 * settings.sea_lane_detour_factor
        b.add_edge(
            u,
            v,
            geom,
            mode="sea",
            kelas="default",
            length_km=length,
            speed_kmh=speed,
            cost=length * settings.network_cost_rp_per_km["sea"],
            id=f"laut:{u}-{v}",
            edge_id=f"laut:{u}-{v}",
        )


def _runway_m(strips: gpd.GeoDataFrame) -> np.ndarray:
    """Runway length per airstrip (m): the column, 0 for helipads, NaN when unknown."""
    jenis = strips["jenis"].astype(str).to_numpy()
    if "panjang_landas_m" in strips:
        length = pd.to_numeric(strips["panjang_landas_m"], errors="coerce").to_numpy(float)
    else:
        length = np.full(len(strips), np.nan)
    length = np.where(jenis == "helipad", 0.0, length)
    unknown = np.isnan(length) & np.isin(jenis, _RUNWAY)
    if unknown.any():
        logger.warning(
            "bandara: %d airstrips without panjang_landas_m: only helicopters fly there; "
            "add the runway length (m) to let aircraft land",
            int(unknown.sum()),
        )
    return length


def _add_flights(b: Builder, strips: np.ndarray, runway_m: np.ndarray) -> None:
    xy = b.xy(strips)
    speeds = settings.network_speeds_kmh["air"]
    need = float(settings.vehicle_types.get("pesawat_kecil", {}).get("landas_min_m", 0.0))
    for i in range(len(strips)):
        for j in range(i + 1, len(strips)):
            shortest = float(np.fmin(runway_m[i], runway_m[j]))
            if np.isnan(runway_m[i]) or np.isnan(runway_m[j]):
                shortest = np.nan
            kelas = "pesawat_kecil" if shortest >= need > 0 else "helikopter"
            geom = shapely.LineString([xy[i], xy[j]])
            length = geom.length / 1000.0
            if length > settings.air_max_range_km[kelas]:
                continue
            u, v = int(strips[i]), int(strips[j])
            b.add_edge(
                u,
                v,
                geom,
                mode="air",
                kelas=kelas,
                length_km=length,
                speed_kmh=speeds[kelas],
                extra_time_h=settings.air_leg_overhead_h,
                cost=length * settings.network_cost_rp_per_km["air"],
                id=f"udara:{u}-{v}",
                edge_id=f"udara:{u}-{v}",
                landas_min_m=shortest,
            )


def infer_port_kategori(
    ports: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame | None, max_m: float
) -> gpd.GeoDataFrame:
    """``kategori`` for ports lacking it: ``sungai`` within ``max_m`` of a river, else ``laut``."""
    ports = ports.copy()
    if rivers is None or len(rivers) == 0:
        ports["kategori"] = "laut"
    else:
        d = shapely.distance(ports.geometry.values, shapely.union_all(rivers.geometry.values))
        ports["kategori"] = np.where(d <= max_m, "sungai", "laut")
    logger.warning(
        "pelabuhan has no 'kategori' column: %d ports within %.0f km of a river set "
        "to 'sungai', the rest 'laut'",
        int((ports["kategori"] == "sungai").sum()),
        max_m / 1000,
    )
    return ports


def _ports(
    b: Builder, got: dict[str, Any], road_ids: np.ndarray, river_ids: np.ndarray, max_m: float
) -> np.ndarray:
    ports = got.get("ports")
    if ports is None or len(ports) == 0:
        return np.zeros(0, dtype=np.int64)
    if "kategori" not in ports:
        ports = infer_port_kategori(ports, got.get("rivers"), max_m)
    xy = shapely.get_coordinates(ports.geometry.values)
    port_ids = b.add_nodes(xy, "port", _point_attrs(ports, ("nama", "kategori", "kode_kec")))
    laut = (ports["kategori"].astype(str) == "laut").to_numpy()
    sea_ids = port_ids[laut]
    river_port = port_ids[~laut]
    _link(b, river_port, road_ids, max_m=max_m, mode_a="road", mode_b="river", kind="pelabuhan")
    _link(b, river_port, river_ids, max_m=max_m, mode_a="river", mode_b="river", kind="pelabuhan")
    _link(b, sea_ids, road_ids, max_m=max_m, mode_a="road", mode_b="sea", kind="pelabuhan")
    _link(b, sea_ids, river_ids, max_m=max_m, mode_a="river", mode_b="sea", kind="pelabuhan")
    _add_sea_lanes(b, sea_ids, got.get("land"))
    return port_ids


def _airstrips(
    b: Builder, got: dict[str, Any], road_ids: np.ndarray, river_ids: np.ndarray, max_m: float
) -> np.ndarray:
    strips = got.get("airstrips")
    if strips is None or len(strips) == 0:
        return np.zeros(0, dtype=np.int64)
    if "jenis" not in strips:
        b.problems.append(
            f"bandara: column 'jenis' is missing (columns: {list(strips.columns)}); "
            "add it (bandara | lapangan_terbang | helipad)"
        )
        return np.zeros(0, dtype=np.int64)
    runway = _runway_m(strips)
    attrs = _point_attrs(strips, ("nama", "jenis", "kode_kec"))
    for r, length in zip(attrs, runway.tolist(), strict=True):
        r["panjang_landas_m"] = length
    strip_ids = b.add_nodes(shapely.get_coordinates(strips.geometry.values), "airstrip", attrs)
    _link(b, strip_ids, road_ids, max_m=max_m, mode_a="road", mode_b="air", kind="bandara")
    _link(b, strip_ids, river_ids, max_m=max_m, mode_a="river", mode_b="air", kind="bandara")
    _add_flights(b, strip_ids, runway)
    return strip_ids


def build_points(
    b: Builder, got: dict[str, Any], road_ids: np.ndarray, river_ids: np.ndarray, max_m: float
) -> None:
    """Add ports, airstrips, settlements and depots with their links, lanes and flights."""
    port_ids = _ports(b, got, road_ids, river_ids, max_m)
    strip_ids = _airstrips(b, got, road_ids, river_ids, max_m)
    for layer, kind, cols in (
        (
            "settlements",
            "settlement",
            ("nama", "kode_desa", "kode_kec", "kode_kab", "penduduk", "peran"),
        ),
        ("depots", "depot", ("nama", "kode_kab")),
    ):
        gdf = got.get(layer)
        if gdf is None or len(gdf) == 0:
            continue
        xy = shapely.get_coordinates(gdf.geometry.values)
        ids = b.add_nodes(xy, kind, _point_attrs(gdf, cols))
        linked = np.zeros(len(ids), dtype=bool)
        for dst, ma, mb in (
            (road_ids, "road", "road"),
            (river_ids, "road", "river"),
            (port_ids, "road", "sea"),
            (strip_ids, "road", "air"),
        ):
            linked |= _link(b, ids, dst, max_m=max_m, mode_a=ma, mode_b=mb, kind=f"akses_{kind}")
        if (~linked).any():
            logger.warning(
                "%s: %d of %d have no network node within %.1f km and stay unreachable",
                layer,
                int((~linked).sum()),
                len(ids),
                max_m / 1000,
            )
