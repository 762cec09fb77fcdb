"""Geography features per kecamatan: area and distances to the coast, rivers and the border.

Every function takes the boundaries (GeoDataFrame, any CRS) and returns a Series on the same
index, named with its unit. Distances are measured in the projected analysis CRS
(:func:`kewaspadaan.crs.to_analysis_crs`) from the kecamatan's *settlement points weighted by
population* when settlements are given, else from its representative point (a point guaranteed
inside the polygon).

:func:`geography_features` computes all that the available layers allow and records in
``result.missing`` which features could not be computed and why (e.g. the real Kalimantan Timur
data has no DEM and no border layer).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kewaspadaan._errors import MissingColumnError
from kewaspadaan.crs import analysis_crs_for, require_crs

__all__ = [
    "FeatureResult",
    "GeographyResult",
    "area_km2",
    "border_distance_km",
    "coast_distance_km",
    "geography_features",
    "river_distance_km",
    "sample_points",
]

logger = logging.getLogger(__name__)


class FeatureResult(pd.DataFrame):
    """A feature table (a real DataFrame, aligned to the boundaries) that also says what is absent.

    ``missing`` maps a feature name to the reason it could not be computed; ``notes`` maps a
    feature name to how it was computed when that differs from the default (e.g. a fallback).
    Both live in ``DataFrame.attrs`` so they survive copies and slicing; :meth:`to_frame` gives a
    plain DataFrame.
    """

    _metadata: list[str] = []  # noqa: RUF012 - pandas subclassing protocol

    @property
    def _constructor(self) -> type[FeatureResult]:
        return type(self)

    @property
    def missing(self) -> dict[str, str]:
        """Features not computed: ``{name: reason}``."""
        return self.attrs.setdefault("missing", {})

    @property
    def notes(self) -> dict[str, str]:
        """How features were computed where it departs from the default: ``{name: note}``."""
        return self.attrs.setdefault("notes", {})

    def to_frame(self) -> pd.DataFrame:
        """The features as a plain :class:`pandas.DataFrame` (``attrs`` kept)."""
        out = pd.DataFrame(self)
        out.attrs = {"missing": dict(self.missing), "notes": dict(self.notes)}
        return out


class GeographyResult(FeatureResult):
    """Result of :func:`geography_features` (see :class:`FeatureResult`)."""


# ------------------------------------------------------------------------------------------------
# Sampling points: population-weighted settlements, else the representative point
# ------------------------------------------------------------------------------------------------
def sample_points(
    boundaries: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame | None = None, *, crs: Any = None
) -> gpd.GeoDataFrame:
    """Points standing for each kecamatan, with weights summing to 1 per kecamatan.

    Parameters
    ----------
    boundaries : GeoDataFrame
        Kecamatan polygons (any CRS).
    settlements : GeoDataFrame, optional
        Settlement points (``permukiman``). They are matched to kecamatan by ``kode_kec`` when
        both it and the boundaries' ``kode`` exist, else by location (point in polygon). Weights
        are ``penduduk`` (population) when present and positive, else equal.
    crs : CRS-like, optional
        Output CRS; default the analysis CRS of the boundaries.

    Returns
    -------
    GeoDataFrame
        Columns ``pos`` (0-based row position in ``boundaries``), ``weight``, ``geometry``.
        Kecamatan with no settlement get their representative point with weight 1.
    """
    require_crs(boundaries, "boundaries")
    target = analysis_crs_for(boundaries, crs)
    polys = boundaries.geometry.to_crs(target)
    parts = []
    covered = np.zeros(len(boundaries), dtype=bool)
    if settlements is not None and len(settlements):
        require_crs(settlements, "settlements")
        pts = settlements.to_crs(target)
        pos = _settlement_positions(boundaries, pts, polys)
        ok = pos >= 0
        if "penduduk" in pts.columns:
            w = pd.to_numeric(pts["penduduk"], errors="coerce").to_numpy(dtype=float)
            w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
        else:
            w = np.ones(len(pts))
        frame = pd.DataFrame({"pos": pos[ok], "w": w[ok]})
        total = frame.groupby("pos")["w"].transform("sum").to_numpy()
        n_here = frame.groupby("pos")["w"].transform("size").to_numpy()
        weight = np.where(
            total > 0, frame["w"].to_numpy() / np.where(total > 0, total, 1), 1.0 / n_here
        )
        parts.append(
            gpd.GeoDataFrame(
                {"pos": frame["pos"].to_numpy(), "weight": weight},
                geometry=pts.geometry.to_numpy()[ok],
                crs=target,
            )
        )
        covered[np.unique(frame["pos"].to_numpy())] = True
    rest = np.flatnonzero(~covered)
    if len(rest):
        rep = polys.iloc[rest].representative_point().to_numpy()
        parts.append(
            gpd.GeoDataFrame({"pos": rest, "weight": np.ones(len(rest))}, geometry=rep, crs=target)
        )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return out.sort_values("pos", kind="stable").reset_index(drop=True)


def _settlement_positions(
    boundaries: gpd.GeoDataFrame, pts: gpd.GeoDataFrame, polys: gpd.GeoSeries
) -> np.ndarray:
    """Position in ``boundaries`` of each settlement's kecamatan (-1 where none)."""
    if "kode_kec" in pts.columns and "kode" in boundaries.columns:
        lookup = pd.Series(np.arange(len(boundaries)), index=boundaries["kode"].astype(str))
        lookup = lookup[~lookup.index.duplicated()]
        pos = pts["kode_kec"].astype(str).map(lookup)
        return pos.fillna(-1).to_numpy(dtype=np.int64)
    tree = shapely.STRtree(polys.to_numpy())
    ipt, ipoly = tree.query(pts.geometry.to_numpy(), predicate="within")
    pos = np.full(len(pts), -1, dtype=np.int64)
    # a point in two overlapping polygons goes to the first (lowest position), deterministically
    order = np.lexsort((ipoly, ipt))
    ipt, ipoly = ipt[order], ipoly[order]
    first = np.r_[True, ipt[1:] != ipt[:-1]] if len(ipt) else np.array([], bool)
    pos[ipt[first]] = ipoly[first]
    return pos


def _weighted_by_kecamatan(points: gpd.GeoDataFrame, values: np.ndarray, n: int) -> np.ndarray:
    """Population-weighted mean of ``values`` (one per sample point) per kecamatan position;
    non-finite values are left out (NaN when none is finite)."""
    ok = np.isfinite(values)
    pos = points["pos"].to_numpy()[ok]
    w = points["weight"].to_numpy()[ok]
    num = np.bincount(pos, weights=w * values[ok], minlength=n)
    den = np.bincount(pos, weights=w, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


# ------------------------------------------------------------------------------------------------
# Features
# ------------------------------------------------------------------------------------------------
def area_km2(boundaries: gpd.GeoDataFrame, *, crs: Any = None) -> pd.Series:
    """Area of each polygon in km² (analysis CRS), named ``area_km2``."""
    require_crs(boundaries, "boundaries")
    geom = boundaries.geometry.to_crs(analysis_crs_for(boundaries, crs))
    return pd.Series(geom.area.to_numpy() / 1e6, index=boundaries.index, name="area_km2")


def _layer_lines(layer: gpd.GeoDataFrame | gpd.GeoSeries, target: Any, what: str) -> np.ndarray:
    require_crs(layer, what)
    geoms = layer.geometry.to_crs(target).to_numpy()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    # a polygon layer (e.g. land or sea areas) is measured to its outline
    poly = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms[poly] = shapely.boundary(geoms[poly])
    return geoms


def _distance_km(
    boundaries: gpd.GeoDataFrame,
    layer: gpd.GeoDataFrame | gpd.GeoSeries,
    name: str,
    *,
    settlements: gpd.GeoDataFrame | None,
    crs: Any,
) -> pd.Series:
    require_crs(boundaries, "boundaries")
    target = analysis_crs_for(boundaries, crs)
    lines = _layer_lines(layer, target, name)
    if len(lines) == 0:
        raise ValueError(f"{name}: the layer has no geometry to measure the distance to")
    pts = sample_points(boundaries, settlements, crs=target)
    tree = shapely.STRtree(lines)
    ipt, _, dist = _nearest(tree, pts.geometry.to_numpy())
    d = np.full(len(pts), np.nan)
    d[ipt] = dist
    values = _weighted_by_kecamatan(pts, d / 1000.0, len(boundaries))
    return pd.Series(values, index=boundaries.index, name=name)


def _nearest(
    tree: shapely.STRtree, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (ipt, iline), dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    return ipt, iline, dist


def coast_distance_km(
    boundaries: gpd.GeoDataFrame,
    coastline: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    settlements: gpd.GeoDataFrame | None = None,
    crs: Any = None,
) -> pd.Series:
    """Distance (km) from each kecamatan to the coastline, named ``coast_distance_km``.

    Parameters
    ----------
    boundaries : GeoDataFrame
        Kecamatan polygons.
    coastline : GeoDataFrame or GeoSeries
        Coastline lines (``garis_pantai``), or land/sea polygons (their outline is used).
    settlements : GeoDataFrame, optional
        Settlement points with ``penduduk``: the distance is their population-weighted mean;
        otherwise from the representative point. See :func:`sample_points`.
    crs : CRS-like, optional
        Projected CRS for measuring; default the analysis CRS.
    """
    return _distance_km(
        boundaries, coastline, "coast_distance_km", settlements=settlements, crs=crs
    )


def river_distance_km(
    boundaries: gpd.GeoDataFrame,
    rivers: gpd.GeoDataFrame,
    *,
    min_order: int | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    crs: Any = None,
) -> pd.Series:
    """Distance (km) to the nearest river, named ``river_distance_km``.

    ``min_order`` keeps only reaches with Strahler order ``orde >= min_order`` (the ``orde``
    column is then required). Other parameters as :func:`coast_distance_km`.
    """
    if min_order is not None:
        if "orde" not in rivers.columns:
            raise MissingColumnError(
                "rivers: min_order needs a Strahler order column 'orde', which the layer lacks; "
                "add it or call river_distance_km without min_order."
            )
        rivers = rivers[pd.to_numeric(rivers["orde"], errors="coerce") >= min_order]
    return _distance_km(boundaries, rivers, "river_distance_km", settlements=settlements, crs=crs)


def border_distance_km(
    boundaries: gpd.GeoDataFrame,
    border: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    settlements: gpd.GeoDataFrame | None = None,
    crs: Any = None,
) -> pd.Series:
    """Distance (km) to the international border (``batas_negara``), named
    ``border_distance_km``. Parameters as :func:`coast_distance_km`."""
    return _distance_km(boundaries, border, "border_distance_km", settlements=settlements, crs=crs)


def _absent(layer: Any) -> str | None:
    if layer is None:
        return "layer not given"
    if len(layer) == 0:
        return "layer is empty"
    return None


def geography_features(
    boundaries: gpd.GeoDataFrame,
    *,
    coastline: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    border: gpd.GeoDataFrame | None = None,
    terrain: Any = None,
    settlements: gpd.GeoDataFrame | None = None,
    river_min_order: int | None = None,
    steep_deg: float = 15.0,
    crs: Any = None,
) -> GeographyResult:
    """Every geography feature the given layers allow, aligned to ``boundaries.index``.

    Parameters
    ----------
    boundaries : GeoDataFrame
        Kecamatan polygons.
    coastline, rivers, border : GeoDataFrame, optional
        ``garis_pantai``, ``sungai``, ``batas_negara``. Absent: the feature is recorded in
        ``result.missing`` instead of computed.
    terrain : Terrain-like or path, optional
        DEM (see :func:`kewaspadaan.features.terrain.terrain_features`); absent: the terrain
        features are recorded as missing.
    settlements : GeoDataFrame, optional
        ``permukiman`` points with ``penduduk``; distances are population-weighted over them.
    river_min_order : int, optional
        Passed to :func:`river_distance_km` as ``min_order``.
    steep_deg : float, default 15
        Slope threshold of ``steep_share``.
    crs : CRS-like, optional
        Projected CRS for distances and areas.

    Returns
    -------
    GeographyResult
        DataFrame with ``area_km2`` and whichever of ``coast_distance_km``,
        ``river_distance_km``, ``border_distance_km``, ``elev_mean_m``, ``elev_max_m``,
        ``elev_std_m``, ``slope_mean_deg``, ``steep_share``, ``tri_mean_m`` could be computed;
        ``.missing`` names the others with the reason.
    """
    from kewaspadaan.features.terrain import TERRAIN_COLUMNS, terrain_features

    result = GeographyResult({"area_km2": area_km2(boundaries, crs=crs)}, index=boundaries.index)
    layers = {
        "coast_distance_km": (
            coastline,
            "coastline (garis_pantai)",
            lambda: coast_distance_km(boundaries, coastline, settlements=settlements, crs=crs),
        ),
        "river_distance_km": (
            rivers,
            "rivers (sungai)",
            lambda: river_distance_km(
                boundaries, rivers, min_order=river_min_order, settlements=settlements, crs=crs
            ),
        ),
        "border_distance_km": (
            border,
            "international border (batas_negara)",
            lambda: border_distance_km(boundaries, border, settlements=settlements, crs=crs),
        ),
    }
    for name, (layer, label, compute) in layers.items():
        reason = _absent(layer)
        if reason is None:
            result[name] = compute()
        else:
            result.missing[name] = f"no {label}: {reason}"
    if terrain is None:
        for name in TERRAIN_COLUMNS:
            result.missing[name] = "no DEM (terrain raster) given"
    else:
        terr = terrain_features(boundaries, terrain, steep_deg=steep_deg)
        for name in TERRAIN_COLUMNS:
            result[name] = terr[name]
        result.notes.update(terr.attrs.get("notes", {}))
    if result.missing:
        logger.info("geography features not computed: %s", sorted(result.missing))
    return result
