"""OpenStreetMap roads and waterways → the ``jalan`` and ``sungai`` layers.

Read what planners get from Geofabrik, HOT Export Tool, BBBike or osmnx:

- an ``.osm.pbf`` (or ``.osm``) extract, through GDAL's OSM driver (pyogrio, layer ``lines``;
  ``bridge``/``tunnel`` come from its ``other_tags``);
- an osmnx graph saved as GraphML (``ox.save_graphml``) or GeoPackage
  (``ox.save_graph_geopackage``, layer ``edges``), read with osmnx; the two directed edges of a
  two-way street become one road;
- any line layer with a ``highway`` (or ``waterway``) column, e.g. edges exported to GeoJSON.

OSM classes map to the engine's (:data:`HIGHWAY_CLASS`, :data:`WATERWAY_NAVIGATION`); a way
listing several classes (osmnx writes ``['residential', 'living_street']``) takes the highest.
Ways of no class the engine drives on (``construction``, ``proposed``, ``platform``, ...) are left
out and counted in ``attrs["excluded"]``, never dropped silently.
"""

from __future__ import annotations

import ast
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kewaspadaan._errors import DataFileError, MissingColumnError
from kewaspadaan.crs import require_crs
from kewaspadaan.io._common import check_file, find_column, read_vector

__all__ = ["HIGHWAY_CLASS", "OSM_SUFFIXES", "WATERWAY_NAVIGATION", "read_osm_lines"]

logger = logging.getLogger(__name__)

#: Suffixes read with GDAL's OSM driver.
OSM_SUFFIXES: tuple[str, ...] = (".pbf", ".osm")
#: OSM ``highway`` → road class (``jalan.kelas``), best first.
HIGHWAY_CLASS: dict[str, str] = {
    **dict.fromkeys(
        ("motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"), "arteri"
    ),
    **dict.fromkeys(("secondary", "tertiary", "secondary_link", "tertiary_link"), "kolektor"),
    **dict.fromkeys(
        ("unclassified", "residential", "living_street", "service", "road", "busway"), "lokal"
    ),
    **dict.fromkeys(
        ("track", "path", "footway", "bridleway", "cycleway", "steps", "pedestrian"), "setapak"
    ),
}
_CLASS_RANK = {"arteri": 0, "kolektor": 1, "lokal": 2, "setapak": 3}
#: OSM ``waterway`` → navigability (``sungai.navigasi``); ``None``: not a boat route. A river's
#: real navigability is not in OSM: the default is a setting of the layer (``navigasi =``).
WATERWAY_NAVIGATION: dict[str, str | None] = {
    "river": "default",
    "canal": "kecil",
    "stream": None,
    "ditch": None,
    "drain": None,
    "brook": None,
    "tidal_channel": "kecil",
}


def read_osm_lines(
    path: str | Path,
    *,
    kind: str = "jalan",
    layer: str | int | None = None,
    default_navigasi: str = "kecil",
) -> gpd.GeoDataFrame:
    """Read OSM roads (``kind="jalan"``) or waterways (``kind="sungai"``) into the layer schema.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.osm.pbf``/``.osm``, osmnx ``.graphml``, a GeoPackage saved by osmnx (layer ``edges``)
        or any line file with a ``highway``/``waterway`` column.
    kind : {"jalan", "sungai"}
        Roads or waterways.
    layer : str or int, optional
        Layer of a GeoPackage (default ``edges`` when present).
    default_navigasi : {"besar", "kecil", "jeram"}, default "kecil"
        Navigability of ``waterway=river`` ways (OSM does not say).

    Returns
    -------
    geopandas.GeoDataFrame
        ``jalan``: ``id``, ``nama``, ``kelas``, ``jembatan``, ``highway``; ``sungai``: ``id``,
        ``nama``, ``orde``, ``navigasi``, ``surut_musiman``, ``waterway``; lines in the file's CRS;
        ``attrs["excluded"]`` counts the ways left out by class.
    """
    if kind not in ("jalan", "sungai"):
        raise ValueError(f"kind must be 'jalan' or 'sungai', not {kind!r}")
    p = check_file(path, f"OSM {kind} file")
    suffix = "".join(p.suffixes[-2:]).lower() if p.suffix.lower() == ".pbf" else p.suffix.lower()
    if suffix.endswith(OSM_SUFFIXES):
        raw = _read_extract(p)
    elif p.suffix.lower() == ".graphml":
        raw = _read_graphml(p)
    else:
        if layer is None and p.suffix.lower() == ".gpkg":
            import pyogrio

            names = [str(n) for n, _ in pyogrio.list_layers(p)]
            layer = "edges" if "edges" in names else None
        raw = _one_per_street(
            require_crs(read_vector(p, layer=layer, what=f"OSM {kind} file"), str(p))
        )
    out = _to_roads(raw, p) if kind == "jalan" else _to_rivers(raw, p, default_navigasi)
    out.attrs["source"] = str(p)
    return out


def _read_extract(p: Path) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        gdf = pyogrio.read_dataframe(p, layer="lines")
    except Exception as exc:
        raise DataFileError(
            f"{p}: cannot read it as an OSM extract ({exc}). Give a .osm.pbf from Geofabrik or "
            "the HOT Export Tool, or an osmnx GraphML/GeoPackage."
        ) from exc
    if gdf.crs is None:  # GDAL's OSM driver always declares EPSG:4326
        raise DataFileError(f"{p}: the OSM driver returned no CRS; re-export the extract.")
    tags = (
        gdf["other_tags"].fillna("")
        if "other_tags" in gdf.columns
        else pd.Series("", index=gdf.index)
    )
    gdf["bridge"] = tags.str.extract(r'"bridge"=>"([^"]*)"', expand=False)
    return gdf


def _read_graphml(p: Path) -> gpd.GeoDataFrame:
    try:
        import osmnx as ox
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise DataFileError(f"{p}: reading GraphML needs osmnx (pip install osmnx)") from exc
    try:
        G = ox.load_graphml(p)
    except Exception as exc:
        raise DataFileError(
            f"{p}: cannot read it as an osmnx GraphML ({exc}); save the graph with "
            "osmnx.save_graphml."
        ) from exc
    if "crs" not in G.graph:
        raise DataFileError(f"{p}: the graph has no 'crs' attribute; save it with osmnx.")
    G = ox.convert.to_undirected(G)
    return ox.graph_to_gdfs(G, nodes=False).reset_index(drop=True)


def _one_per_street(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Edges exported from a directed osmnx graph (columns ``u``, ``v``): one row per street."""
    if not {"u", "v"} <= set(raw.columns):
        return raw
    u, v = raw["u"].astype(str), raw["v"].astype(str)
    key = np.where(u <= v, u + "|" + v, v + "|" + u)
    osmid = raw["osmid"].astype(str) if "osmid" in raw.columns else ""
    dup = pd.Series(key + "|" + osmid, index=raw.index).duplicated()
    if dup.any():
        logger.info("%d reversed duplicate(s) of two-way streets merged", int(dup.sum()))
    return raw.loc[~dup.to_numpy()].reset_index(drop=True)


def _values(value: Any) -> list[str]:
    """A tag value as a list: osmnx lists, their string form, or ``a;b`` multi-values."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v).strip() for v in value]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed]
    return [v.strip() for v in re.split(r"[;|]", text) if v.strip()]


def _to_roads(raw: gpd.GeoDataFrame, p: Path) -> gpd.GeoDataFrame:
    col = find_column(raw.columns, ["highway", "fclass", "kelas"])
    if col is None:
        raise MissingColumnError(
            f"{p}: no 'highway' column: this is not an OSM road layer. Give an .osm.pbf "
            "extract, an osmnx graph, or a line layer with the OSM highway tag."
        )
    classes: list[str | None] = []
    excluded: Counter[str] = Counter()
    for v in raw[col]:
        vals = _values(v)
        found = sorted(
            (HIGHWAY_CLASS[x] for x in vals if x in HIGHWAY_CLASS), key=lambda c: _CLASS_RANK[c]
        )
        if not found:
            excluded[",".join(vals) or "(kosong)"] += 1
        classes.append(found[0] if found else None)
    keep = np.array([c is not None for c in classes])
    geom_ok = raw.geometry.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    excluded.update(
        {"(bukan garis)": int((keep & ~geom_ok).sum())} if (keep & ~geom_ok).any() else {}
    )
    keep &= geom_ok
    g = raw.loc[keep].reset_index(drop=True)
    name_col = find_column(g.columns, ["name", "nama"])
    bridge = g["bridge"] if "bridge" in g.columns else pd.Series(None, index=g.index)
    osmid = (
        g[find_column(g.columns, ["osm_id", "osmid"])]
        if find_column(g.columns, ["osm_id", "osmid"])
        else pd.Series(range(len(g)))
    )
    out = gpd.GeoDataFrame(
        {
            "id": [f"osm{'_'.join(_values(o)) or i}" for i, o in enumerate(osmid)],
            "nama": (
                g[name_col].map(lambda v: ", ".join(_values(v))).astype(str)
                if name_col
                else pd.Series("", index=g.index)
            ),
            "kelas": [c for c, k in zip(classes, keep, strict=True) if k],
            "jembatan": [any(b not in ("no", "false", "0") for b in _values(v)) for v in bridge],
            "highway": g[col].map(lambda v: ";".join(_values(v))).astype(str),
        },
        geometry=g.geometry.to_numpy(),
        crs=raw.crs,
    )
    out["id"] = _unique_ids(out["id"])
    out.attrs["excluded"] = dict(excluded)
    if excluded:
        logger.info(
            "%s: %d way(s) without a drivable class left out: %s",
            p,
            sum(excluded.values()),
            dict(excluded.most_common(5)),
        )
    return out


def _to_rivers(raw: gpd.GeoDataFrame, p: Path, default: str) -> gpd.GeoDataFrame:
    col = find_column(raw.columns, ["waterway"])
    if col is None:
        raise MissingColumnError(f"{p}: no 'waterway' column: this is not an OSM waterway layer.")
    nav: list[str | None] = []
    excluded: Counter[str] = Counter()
    for v in raw[col]:
        vals = _values(v)
        n = next((WATERWAY_NAVIGATION[x] for x in vals if WATERWAY_NAVIGATION.get(x)), None)
        if n is None:
            excluded[",".join(vals) or "(kosong)"] += 1
        nav.append(default if n == "default" else n)
    keep = (
        np.array([n is not None for n in nav])
        & raw.geometry.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    )
    g = raw.loc[keep].reset_index(drop=True)
    name_col = find_column(g.columns, ["name", "nama"])
    out = gpd.GeoDataFrame(
        {
            "id": _unique_ids(pd.Series([f"osmw{i}" for i in range(len(g))])),
            "nama": (g[name_col].fillna("").astype(str) if name_col else ""),
            "orde": 0,
            "navigasi": [n for n, k in zip(nav, keep, strict=True) if k],
            "surut_musiman": False,
            "waterway": g[col].astype(str),
        },
        geometry=g.geometry.to_numpy(),
        crs=raw.crs,
    )
    out.attrs["excluded"] = dict(excluded)
    return out


def _unique_ids(ids: pd.Series) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for v in ids.astype(str):
        seen[v] += 1
        out.append(v if seen[v] == 1 else f"{v}_{seen[v]}")
    return out
