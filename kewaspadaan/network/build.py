"""Build the multimodal election-logistics graph (road, river, sea, air) on networkx.

The model is a :class:`networkx.MultiDiGraph` in a projected CRS (metres), one node layer per
mode plus the places where loads start, change mode or end:

========== ====================================================================================
node kind  what
========== ====================================================================================
road       end of a road segment (line ends, crossings and T-junctions merged within
           ``settings.network_snap_tolerance_m``; roads are split beside settlements)
river      end of a navigable river reach (same rule, rivers split beside settlements too)
port       a port (``kategori`` laut: sea lanes to other sea ports; sungai: on a river)
airstrip   an airport, airstrip or helipad (flights to the others within range)
settlement a settlement (``permukiman``): the destination of a desa/kecamatan
depot      a KPU warehouse (``gudang_kpu``): the origin of deliveries
========== ====================================================================================

Every edge is directed (both directions are added) and carries ``mode`` (road, river, sea,
air, transfer, access), ``kelas``, ``length_km``, ``speed_kmh``, ``travel_time_h``,
``capacity`` (NaN where unknown), ``cost`` (rupiah), ``id`` (the source feature), ``edge_id``
(shared by both directions), ``closed`` and ``geometry`` (projected, oriented from u to v).
River edges add ``hilir`` (this direction is downstream), ``arus_kmh`` (current at the water
stage), ``riam`` and ``bahaya`` (a rapid: hazard), ``surut_musiman``; their ``speed_kmh`` is the
reference boat's speed over ground in that direction (:mod:`kewaspadaan.network.rivers`).
Flight edges add ``landas_min_m`` (:mod:`kewaspadaan.network.terminals`). The graph attribute
``water_stage`` names the water stage the river times and closures are for.

Fallback for missing roads (documented): each settlement is linked to its ``k`` nearest
settlements within ``max_km`` by a straight track of class ``kelas`` (default ``setapak``: a
footpath or motorbike track between neighbouring villages) whose length is the straight
distance times ``detour_factor`` (``settings.road_fallback``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from kewaspadaan import settings
from kewaspadaan._errors import EmptyDataError, ValidationError
from kewaspadaan.crs import MAP_CRS, analysis_crs_for, require_crs
from kewaspadaan.network._builder import Builder
from kewaspadaan.network.lines import explode_lines, snap_nodes, split_lines
from kewaspadaan.network.modes import modes as registered_modes
from kewaspadaan.network.rivers import (
    drawn_downstream,
    mark_riam,
    reach_current_kmh,
    reach_is_riam,
    water_stage,
)
from kewaspadaan.network.terminals import build_points

__all__ = ["LAYER_ALIASES", "MODES", "build_network", "graph_to_gdfs"]

logger = logging.getLogger(__name__)

#: Transport modes of vehicles (``transfer`` and ``access`` edges join them).
MODES: tuple[str, ...] = registered_modes()
#: Layer names accepted by :func:`build_network` (demo names first, English aliases after).
LAYER_ALIASES: dict[str, str] = {
    "jalan": "roads",
    "roads": "roads",
    "sungai": "rivers",
    "rivers": "rivers",
    "pelabuhan": "ports",
    "ports": "ports",
    "bandara": "airstrips",
    "airstrips": "airstrips",
    "permukiman": "settlements",
    "settlements": "settlements",
    "gudang_kpu": "depots",
    "depots": "depots",
}
#: Polygon layers whose union is the land sea lanes must avoid (first one present is used).
LAND_LAYERS: tuple[str, ...] = ("provinsi", "kabupaten", "kecamatan", "desa")


def _check_classes(
    b: Builder,
    gdf: gpd.GeoDataFrame,
    layer: str,
    mode: str,
    class_col: str,
    speeds: Mapping[str, float],
    skip_classes: tuple[str, ...],
) -> bool:
    classes = gdf[class_col].astype("object")
    bad = ~classes.isin([*speeds, *skip_classes])
    for pos in np.flatnonzero(bad.to_numpy())[:20]:
        b.problems.append(
            f"{layer}: row {pos}: {class_col}={classes.iloc[pos]!r} has no speed; "
            f"use one of {sorted(speeds)} or add it to "
            f"settings.network_speeds_kmh[{mode!r}]"
        )
    if bad.sum() > 20:
        b.problems.append(f"{layer}: {int(bad.sum()) - 20} more rows with unknown {class_col}")
    return not bad.any()


def _line_layer(
    b: Builder,
    gdf: gpd.GeoDataFrame,
    *,
    layer: str,
    mode: str,
    class_col: str,
    speeds: Mapping[str, float],
    tol: float,
    split: bool = True,
    skip_classes: tuple[str, ...] = (),
    cut_points: np.ndarray | None = None,
    access_max_m: float = 0.0,
    river: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Add a line layer (roads or rivers) as nodes + edges; return its node ids.

    ``cut_points`` (projected x, y; e.g. settlements) split the nearest line within
    ``access_max_m`` at their closest point, giving each a node beside it. ``river`` holds the
    per-row river attributes (``down``, ``arus``, ``riam``) of a directional layer."""
    if not _check_classes(b, gdf, layer, mode, class_col, speeds, skip_classes):
        return np.zeros(0, dtype=np.int64)
    skip = gdf[class_col].astype("object").isin(skip_classes).to_numpy()
    if skip.any():
        b.excluded.append(
            {
                "layer": layer,
                "count": int(skip.sum()),
                "reason": f"{class_col} in {list(skip_classes)} (not navigable)",
            }
        )
        logger.info(
            "%s: %d features excluded: %s in %s",
            layer,
            int(skip.sum()),
            class_col,
            list(skip_classes),
        )
    gdf = gdf.loc[~skip]
    if river is not None:
        river = {k: v[~skip] for k, v in river.items()}
    geoms, parent = explode_lines(gdf)
    if split:
        geoms, sub = split_lines(geoms, tol, cut_points, access_max_m)
        parent = parent[sub]
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)),
        ]
    )
    labels, coords = snap_nodes(ends, tol)
    ids = b.add_nodes(coords, mode)
    n = len(geoms)
    u_all, v_all = ids[labels[:n]], ids[labels[n:]]
    ident = gdf["id"].astype(str).to_numpy() if "id" in gdf else gdf.index.astype(str).to_numpy()
    names = gdf["nama"].astype("object").to_numpy() if "nama" in gdf else np.full(len(gdf), None)
    factor = np.ones(len(gdf))
    for col in ("faktor_jalan", "faktor_kelokan"):
        if col in gdf:
            factor = pd.to_numeric(gdf[col], errors="coerce").fillna(1.0).to_numpy(float)
    cap = gdf["kapasitas"].to_numpy(float) if "kapasitas" in gdf else np.full(len(gdf), np.nan)
    flags = {
        c: gdf[c].fillna(False).astype(bool).to_numpy()
        for c in ("jembatan", "surut_musiman")
        if c in gdf
    }
    kel = gdf[class_col].astype(str).to_numpy()
    lengths_km = shapely.length(geoms) / 1000.0 * factor[parent]
    cost_km = settings.network_cost_rp_per_km.get(mode, 0.0)
    part_no: dict[int, int] = {}
    rgeoms = shapely.reverse(geoms)
    for j in range(n):
        u, v = int(u_all[j]), int(v_all[j])
        if u == v:
            continue  # a segment shorter than the snap tolerance
        p = int(parent[j])
        k = part_no[p] = part_no.get(p, -1) + 1
        extra: dict[str, Any] = {f: bool(vals[p]) for f, vals in flags.items()}
        speed = float(speeds[kel[p]])
        if river is not None:
            extra, back, speed = _river_attrs(extra, river, p, speed)
        else:
            back = None
        b.add_edge(
            u,
            v,
            geoms[j],
            mode=mode,
            kelas=kel[p],
            length_km=float(lengths_km[j]),
            speed_kmh=speed,
            cost=float(lengths_km[j]) * cost_km,
            id=ident[p],
            edge_id=f"{layer}:{ident[p]}:{k}",
            nama=names[p],
            capacity=float(cap[p]),
            reverse_geom=rgeoms[j],
            back=back,
            **extra,
        )
    return ids


def _river_attrs(
    extra: dict[str, Any], river: dict[str, np.ndarray], p: int, still_kmh: float
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Attributes of a river segment drawn u→v and of its reverse (v→u)."""
    from kewaspadaan.network.rivers import river_speed_kmh

    down = bool(river["down"][p])
    arus = float(river["arus"][p])
    riam = bool(river["riam"][p])
    sp = river_speed_kmh(
        still_kmh, np.array([arus, arus]), np.array([down, not down]), np.array([riam, riam])
    )
    closed = bool(river["closed"][p])
    extra = {
        **extra,
        "hilir": down,
        "arus_kmh": arus,
        "riam": riam,
        "bahaya": riam,
        "closed": closed,
    }
    back = {"hilir": not down, "speed_kmh": float(sp[1])}
    return extra, back, float(sp[0])


def _fallback_roads(settlements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Straight tracks from each settlement to its k nearest within range (no road layer)."""
    cfg = settings.road_fallback
    xy = shapely.get_coordinates(settlements.geometry.values)
    k = min(int(cfg["k"]) + 1, len(xy))
    dist, nb = cKDTree(xy).query(xy, k=k, distance_upper_bound=float(cfg["max_km"]) * 1000)
    dist, nb = np.atleast_2d(dist), np.atleast_2d(nb)
    pairs = {
        (min(i, j), max(i, j))
        for i in range(len(xy))
        for d, j in zip(dist[i], nb[i], strict=True)
        if np.isfinite(d) and j != i and d > 0
    }
    pairs_sorted = sorted(pairs)
    lines = [shapely.LineString([xy[i], xy[j]]) for i, j in pairs_sorted]
    logger.info(
        "no road layer: fallback tracks (k=%s nearest within %s km, kelas %r, detour x%s)"
        ": %d links between %d settlements",
        cfg["k"],
        cfg["max_km"],
        cfg["kelas"],
        cfg["detour_factor"],
        len(lines),
        len(xy),
    )
    return gpd.GeoDataFrame(
        {
            "id": [f"fallback_{i}_{j}" for i, j in pairs_sorted],
            "kelas": cfg["kelas"],
            "faktor_jalan": float(cfg["detour_factor"]),
            "jembatan": False,
        },
        geometry=lines,
        crs=settlements.crs,
    )


def _require(gdf: gpd.GeoDataFrame, layer: str, cols: tuple[str, ...], problems: list[str]) -> None:
    for c in cols:
        if c not in gdf:
            problems.append(
                f"{layer}: column {c!r} is missing (columns: {list(gdf.columns)}); "
                "add it or pass the default as a keyword argument"
            )


def _collect_layers(layers: Mapping[str, Any] | None, explicit: dict[str, Any]) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for name, value in (layers or {}).items():
        if name in LAYER_ALIASES and value is not None:
            got[LAYER_ALIASES[name]] = value
    got.update({k: v for k, v in explicit.items() if v is not None})
    return got


def _land(layers: Mapping[str, Any] | None, land: Any) -> gpd.GeoDataFrame | None:
    """Land polygons for the sea lanes: ``land`` or the first polygon layer of ``layers``."""
    if land is not None:
        return land
    for name in LAND_LAYERS:
        g = (layers or {}).get(name)
        if isinstance(g, gpd.GeoDataFrame) and len(g) and g.crs is not None:
            return g[["geometry"]]
    return None


def build_network(
    layers: Mapping[str, Any] | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
    airstrips: gpd.GeoDataFrame | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    depots: gpd.GeoDataFrame | None = None,
    land: gpd.GeoDataFrame | None = None,
    crs: Any = None,
    snap_tolerance_m: float | None = None,
    access_max_km: float | None = None,
    default_navigasi: str | None = None,
    default_road_kelas: str | None = None,
    riam_reaches: pd.DataFrame | None = None,
    water_stage_name: str | None = None,
) -> nx.MultiDiGraph:
    """Build the multimodal logistics graph from layers.

    Parameters
    ----------
    layers : mapping, optional
        Layers by name: ``jalan``/``roads``, ``sungai``/``rivers``, ``pelabuhan``/``ports``,
        ``bandara``/``airstrips``, ``permukiman``/``settlements``, ``gudang_kpu``/``depots``
        and a polygon layer for the land (``provinsi``, ``kabupaten``, ``kecamatan`` or
        ``desa``; e.g. :func:`kewaspadaan.logistics.network_layers` of the layers that
        :func:`kewaspadaan.io.load_layers` read). Other keys are ignored.
    roads, rivers, ports, airstrips, settlements, depots : GeoDataFrame, optional
        Explicit layers (win over ``layers``). Columns as ``schema.DEMO_LAYER_COLUMNS``; every
        layer needs a CRS. Without roads, the documented fallback tracks link settlements.
    land : GeoDataFrame, optional
        Land polygons sea lanes must go around (default: the polygon layer of ``layers``;
        without any, lanes are straight lines).
    crs : str or pyproj.CRS, optional
        Projected analysis CRS (default: ``settings.analysis_crs`` or the UTM zone of the data).
    snap_tolerance_m : float, optional
        Line ends/crossings closer than this share a node (``settings.network_snap_tolerance_m``).
    access_max_km : float, optional
        Maximum access/transfer link length (``settings.network_access_max_km``).
    default_navigasi : str, optional
        ``navigasi`` of every river reach when the river layer has no such column (e.g. Natural
        Earth rivers); without it a missing column is an error.
    default_road_kelas : str, optional
        ``kelas`` of every road when the road layer has no such column.
    riam_reaches : DataFrame, optional
        Riam reach list (:data:`kewaspadaan.network.rivers.RIAM_COLUMNS`, e.g.
        :func:`kewaspadaan.network.rivers.riam_reaches`) applied to the river layer.
    water_stage_name : str, optional
        Water stage (``normal``, ``surut``, ``banjir`` or ``auto``; default
        ``settings.water_stage``): currents, and the river reaches it closes.

    Returns
    -------
    networkx.MultiDiGraph
        Graph attributes ``crs`` (projected), ``excluded`` (features left out, with reasons),
        ``road_fallback`` (whether the fallback tracks were used), ``water_stage`` and
        ``closed`` (edge ids closed by the water stage).

    Raises
    ------
    ValidationError
        Listing every missing column and unknown class at once.
    """
    got = _collect_layers(
        layers,
        {
            "roads": roads,
            "rivers": rivers,
            "ports": ports,
            "airstrips": airstrips,
            "settlements": settlements,
            "depots": depots,
        },
    )
    if not got:
        raise EmptyDataError("build_network: no layer given; pass at least settlements or roads")
    land_gdf = _land(layers, land)
    if land_gdf is not None:
        got["land"] = land_gdf
    for name, g in got.items():
        require_crs(g, name)
    target = analysis_crs_for(next(iter(got.values())), crs)
    got = {k: (g if g.crs.equals(target) else g.to_crs(target)) for k, g in got.items()}
    if "land" in got:
        got["land"] = shapely.union_all(shapely.make_valid(got["land"].geometry.values))
    if riam_reaches is not None and got.get("rivers") is not None:
        got["rivers"] = mark_riam(got["rivers"], riam_reaches)
    stage = water_stage(water_stage_name)
    tol = settings.network_snap_tolerance_m if snap_tolerance_m is None else snap_tolerance_m
    max_m = (settings.network_access_max_km if access_max_km is None else access_max_km) * 1000
    b = Builder()
    road_ids, fallback = _build_roads(b, got, tol, default_road_kelas, max_m)
    river_ids = _build_rivers(b, got, tol, default_navigasi, stage, max_m)
    if b.problems:
        raise ValidationError("build_network", b.problems)
    build_points(b, got, road_ids, river_ids, max_m)
    if b.problems:
        raise ValidationError("build_network", b.problems)
    closed = sorted({str(d["edge_id"]) for *_, d in b.edges if d.get("closed")})
    G = nx.MultiDiGraph(
        crs=target.to_string(),
        excluded=b.excluded,
        road_fallback=fallback,
        water_stage=stage,
        closed=closed,
    )
    G.add_nodes_from(b.nodes)
    G.add_edges_from(b.edges)
    kinds = pd.Series([d["kind"] for _, d in b.nodes]).value_counts().to_dict()
    modes = pd.Series([d["mode"] for _, _, d in b.edges]).value_counts().to_dict()
    logger.info(
        "network built: %d nodes %s, %d directed edges %s (water stage %s, %d links closed)",
        G.number_of_nodes(),
        kinds,
        G.number_of_edges(),
        modes,
        stage,
        len(closed),
    )
    return G


def _build_roads(
    b: Builder,
    got: dict[str, Any],
    tol: float,
    default_kelas: str | None,
    access_max_m: float = 0.0,
) -> tuple[np.ndarray, bool]:
    given = got.get("roads")
    fallback = given is None or len(given) == 0
    if given is None or fallback:
        if "settlements" not in got:
            return np.zeros(0, dtype=np.int64), False
        roads = _fallback_roads(got["settlements"])
    else:
        roads = given
    if "kelas" not in roads and default_kelas is not None:
        roads = roads.assign(kelas=default_kelas)
    _require(roads, "jalan", ("kelas",), b.problems)
    if "kelas" not in roads:
        return np.zeros(0, dtype=np.int64), fallback
    points = [
        shapely.get_coordinates(got[k].geometry.values)
        for k in ("settlements", "depots")
        if got.get(k) is not None and len(got[k])
    ]
    ids = _line_layer(
        b,
        roads,
        layer="jalan",
        mode="road",
        class_col="kelas",
        speeds=settings.network_speeds_kmh["road"],
        tol=tol,
        split=not fallback,
        cut_points=np.vstack(points) if points else None,
        access_max_m=access_max_m,
    )
    return ids, fallback


def _build_rivers(
    b: Builder,
    got: dict[str, Any],
    tol: float,
    default_navigasi: str | None,
    stage: str,
    access_max_m: float,
) -> np.ndarray:
    rivers = got.get("rivers")
    if rivers is None or len(rivers) == 0:
        return np.zeros(0, dtype=np.int64)
    if "navigasi" not in rivers and default_navigasi is not None:
        logger.warning(
            "sungai has no 'navigasi' column: every reach treated as %r", default_navigasi
        )
        rivers = rivers.assign(navigasi=default_navigasi)
    _require(rivers, "sungai", ("navigasi",), b.problems)
    if "navigasi" not in rivers:
        return np.zeros(0, dtype=np.int64)
    rivers = rivers.reset_index(drop=True)
    effect = settings.water_stage_effects[stage]
    riam = reach_is_riam(rivers)
    closed = np.zeros(len(rivers), dtype=bool)
    if effect.get("tutup_surut_musiman") and "surut_musiman" in rivers:
        closed |= rivers["surut_musiman"].fillna(False).astype(bool).to_numpy()
    if effect.get("tutup_riam"):
        closed |= riam
    attrs = {
        "down": drawn_downstream(rivers),
        "arus": reach_current_kmh(rivers, stage),
        "riam": riam,
        "closed": closed,
    }
    points = [
        shapely.get_coordinates(got[k].geometry.values)
        for k in ("settlements", "depots")
        if got.get(k) is not None and len(got[k])
    ]
    return _line_layer(
        b,
        rivers,
        layer="sungai",
        mode="river",
        class_col="navigasi",
        speeds=settings.network_speeds_kmh["river"],
        tol=tol,
        skip_classes=("tidak",),
        cut_points=np.vstack(points) if points else None,
        access_max_m=access_max_m,
        river=attrs,
    )


def graph_to_gdfs(
    G: nx.MultiDiGraph, *, nodes: bool = True, edges: bool = True, to_map_crs: bool = False
) -> Any:
    """Nodes and/or edges of ``G`` as GeoDataFrames (like ``osmnx.graph_to_gdfs``).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`build_network`.
    nodes, edges : bool
        Which tables to return.
    to_map_crs : bool, default False
        Reproject to EPSG:4326 (for maps/GeoJSON); otherwise the projected CRS of ``G``.

    Returns
    -------
    GeoDataFrame or tuple of GeoDataFrame
        Nodes indexed by node id; edges indexed by ``(u, v, key)``.
    """
    out = []
    crs = G.graph["crs"]
    if nodes:
        ids, data = zip(*G.nodes(data=True), strict=True) if len(G) else ((), ())
        df = pd.DataFrame(list(data), index=pd.Index(list(ids), name="node"))
        geom = shapely.points(df["x"].to_numpy(float), df["y"].to_numpy(float)) if len(df) else []
        out.append(gpd.GeoDataFrame(df, geometry=geom, crs=crs))
    if edges:
        rows = list(G.edges(keys=True, data=True))
        idx = pd.MultiIndex.from_tuples([(u, v, k) for u, v, k, _ in rows], names=["u", "v", "key"])
        df = pd.DataFrame([d for *_, d in rows], index=idx)
        out.append(gpd.GeoDataFrame(df, geometry="geometry", crs=crs))
    if to_map_crs:
        out = [g.to_crs(MAP_CRS) for g in out]
    return out[0] if len(out) == 1 else tuple(out)
