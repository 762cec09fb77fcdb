"""The derive step of the data layer: what real data lacks, derived from what it has.

:func:`derive_layers` runs after every layer is read (see its docstring for the order); the
helpers below are its rules, usable on their own.

Real provincial data rarely ship the settlement layer (``permukiman``) the engine uses; what
they have is the desa/kelurahan list (Kemendagri codes, ``jenis`` desa/kelurahan) with polygons
or centroids. These helpers turn that into the engine's layers, by documented rules:

**Settlements** (:func:`settlements_from_desa`): one point per desa/kelurahan — its centroid
(``lng_c``/``lat_c`` when the table has them, else the polygon's representative point).
``penduduk`` is unknown (NaN: analyses then weigh settlements equally) unless the table has a
``penduduk`` column.

**Kabupaten capital** (:func:`kabupaten_capitals`), first rule that applies:

1. ``flagged`` — a capital given by the caller (``capitals={kode_kab: kode_desa}``);
2. ``kota_ne`` — a town of a gazetteer (e.g. Natural Earth populated places) lying inside the
   kabupaten polygon: the kelurahan (else desa) centroid nearest to it; a town whose
   ``FEATURECLA`` is ``Admin-1 capital`` makes it the provincial capital;
3. ``kelurahan_terbanyak`` — the kecamatan with the most kelurahan (urban units cluster in the
   capital), ties broken by the most central one; in it, the kelurahan that is most central: the
   smallest summed straight-line distance to all the kabupaten's desa/kelurahan (the 1-median);
4. ``pusat_desa`` — no kelurahan at all: the most central desa, by the same 1-median.

Rules 3–4 are heuristics: the result table says which rule chose each capital, so an analyst
can check them and pass ``capitals=`` to correct any.

**Role** (``peran``) of each settlement: the capital desa → ``ibukota_kabupaten``
(``ibukota_provinsi`` where it is the provincial capital); the other kelurahan of the capital's
kecamatan → the same role (they are the capital town); in every other kecamatan that has
kelurahan, the most central kelurahan → ``ibukota_kecamatan`` (a kecamatan of desa only has no
known capital); everything else → ``desa``.

**Coastline** (:func:`coastline_from_polygons`), when no coastline layer exists: the outline of
the land polygons that meets no neighbouring polygon (other provinces, within a tolerance for
the simplified source geometry) is coast or a land border with another country. Closed rings
(islands, delta islands) are coast; an open piece is coast only when a sea port of a gazetteer
lies near it (e.g. Natural Earth ports), otherwise it is taken as a land border and left out.

**Depots** (:func:`depots_at_capitals`): without a KPU warehouse layer, one warehouse per
kabupaten/kota is *assumed* at its capital (the KPU kabupaten/kota office is in the capital);
the ``sumber`` column says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.crs import MAP_CRS, analysis_crs_for, require_crs
from kewaspadaan.io.provenance import LayerSource

__all__ = [
    "CAPITAL_RULES",
    "coastline_from_polygons",
    "depots_at_capitals",
    "derive_layers",
    "kabupaten_capitals",
    "settlements_from_desa",
]

logger = logging.getLogger(__name__)

#: Rules of :func:`kabupaten_capitals`, in the order they are tried.
CAPITAL_RULES: tuple[str, ...] = ("flagged", "kota_ne", "kelurahan_terbanyak", "pusat_desa")
_REQUIRED = ("kode", "nama", "kode_kec", "kode_kab")


def _points(desa: pd.DataFrame, crs: Any) -> gpd.GeoDataFrame:
    """One point per row: ``lng_c``/``lat_c`` (EPSG:4326) when present, else the geometry."""
    missing = [c for c in _REQUIRED if c not in desa.columns]
    if missing:
        raise MissingColumnError(
            f"desa table: column(s) {missing} missing (has "
            f"{list(desa.columns)}); the Kemendagri desa layer has them"
        )
    attrs = pd.DataFrame(desa.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    for c in _REQUIRED:
        attrs[c] = attrs[c].astype(str)
    if "lng_c" in desa.columns and "lat_c" in desa.columns:
        lng = pd.to_numeric(desa["lng_c"], errors="coerce").to_numpy()
        lat = pd.to_numeric(desa["lat_c"], errors="coerce").to_numpy()
        bad = np.flatnonzero(~(np.isfinite(lng) & np.isfinite(lat)))
        if len(bad):
            raise ValidationError(
                "desa table",
                [
                    f"{len(bad)} row(s) without a numeric "
                    f"lng_c/lat_c: rows {(bad + 1)[:10].tolist()}"
                ],
            )
        pts = gpd.GeoDataFrame(attrs, geometry=gpd.points_from_xy(lng, lat), crs=MAP_CRS)
    elif isinstance(desa, gpd.GeoDataFrame):
        require_crs(desa, "desa")
        geom = desa.geometry.reset_index(drop=True)
        pts = gpd.GeoDataFrame(attrs, geometry=geom.representative_point(), crs=desa.crs)
    else:
        raise MissingColumnError(
            "desa table: give polygons (a GeoDataFrame) or the centroid columns lng_c and lat_c"
        )
    return pts if crs is None else pts.to_crs(crs)


def _one_median(xy: np.ndarray, candidates: np.ndarray) -> int:
    """Index (into ``candidates``) of the candidate with the least summed distance to ``xy``."""
    d = np.hypot(xy[candidates, None, 0] - xy[None, :, 0], xy[candidates, None, 1] - xy[None, :, 1])
    return int(np.argmin(d.sum(axis=1)))


def _town_capitals(
    pts: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, kabupaten: gpd.GeoDataFrame
) -> dict[str, tuple[int, str, bool]]:
    """kode_kab → (row of the settlement nearest the gazetteer town inside it, town, is_prov)."""
    require_crs(towns, "towns")
    require_crs(kabupaten, "kabupaten")
    if "kode" not in kabupaten.columns:
        raise MissingColumnError(
            f"kabupaten layer: column 'kode' missing (has {list(kabupaten.columns)})"
        )
    kab = kabupaten.to_crs(pts.crs)
    tw = towns.to_crs(pts.crs).reset_index(drop=True)
    name_col = next((c for c in ("NAME", "nama", "name") if c in tw.columns), None)
    cls = tw["FEATURECLA"].astype(str) if "FEATURECLA" in tw.columns else None
    pop = (
        pd.to_numeric(tw["POP_MAX"], errors="coerce").fillna(0)
        if "POP_MAX" in tw.columns
        else pd.Series(0.0, index=tw.index)
    )
    it, ik = shapely.STRtree(kab.geometry.to_numpy()).query(
        tw.geometry.to_numpy(), predicate="within"
    )
    out: dict[str, tuple[int, str, bool]] = {}
    # the most populous town of a kabupaten wins; deterministic order
    order = sorted(zip(it, ik, strict=True), key=lambda p: (-float(pop.iloc[p[0]]), p[0]))
    for t, k in order:
        code = str(kab["kode"].iloc[k])
        sel = np.flatnonzero((pts["kode_kab"] == code).to_numpy())
        if code in out or len(sel) == 0:
            continue
        kel = sel[(pts["jenis"].iloc[sel] == "kelurahan").to_numpy()] if "jenis" in pts else sel
        cand = kel if len(kel) else sel
        d = shapely.distance(pts.geometry.to_numpy()[cand], tw.geometry.iloc[t])
        town = str(tw[name_col].iloc[t]) if name_col else f"town {t}"
        prov = bool(cls is not None and cls.iloc[t] == "Admin-1 capital")
        out[code] = (int(cand[int(np.argmin(d))]), town, prov)
    return out


def _central_capital(pts: gpd.GeoDataFrame, sel: np.ndarray, xy: np.ndarray) -> tuple[int, str]:
    """The capital of one kabupaten by rules 3–4 (rows ``sel`` of ``pts``)."""
    jenis = pts["jenis"].to_numpy()[sel] if "jenis" in pts.columns else np.full(len(sel), "")
    kel = sel[jenis == "kelurahan"]
    if len(kel) == 0:
        return int(sel[_one_median(xy[sel], np.arange(len(sel)))]), "pusat_desa"
    counts = pts["kode_kec"].iloc[kel].value_counts()
    top = sorted(counts.index[counts == counts.max()])
    cand = kel[pts["kode_kec"].iloc[kel].isin(top).to_numpy()]
    # summed distance from each candidate kelurahan to all of the kabupaten's settlements
    local = np.searchsorted(sel, cand)
    best = int(cand[_one_median(xy[sel], local)])
    return best, "kelurahan_terbanyak"


def kabupaten_capitals(
    desa: pd.DataFrame,
    *,
    capitals: Mapping[str, str] | None = None,
    towns: gpd.GeoDataFrame | None = None,
    kabupaten: gpd.GeoDataFrame | None = None,
    provincial_capital: str | None = None,
) -> pd.DataFrame:
    """The capital desa/kelurahan of each kabupaten/kota, with the rule that chose it.

    Parameters
    ----------
    desa : DataFrame or GeoDataFrame
        Desa/kelurahan with ``kode``, ``nama``, ``kode_kec``, ``kode_kab``, optional ``jenis``
        (``desa``/``kelurahan``), and polygons or ``lng_c``/``lat_c`` centroids (EPSG:4326).
    capitals : mapping, optional
        ``{kode_kab: kode_desa}`` of known capitals (rule ``flagged``); they win.
    towns : GeoDataFrame, optional
        Gazetteer towns (e.g. Natural Earth populated places: ``NAME``, ``FEATURECLA``,
        ``POP_MAX``); used with ``kabupaten`` (rule ``kota_ne``).
    kabupaten : GeoDataFrame, optional
        Kabupaten/kota polygons with ``kode``.
    provincial_capital : str, optional
        ``kode_kab`` of the kota/kabupaten holding the provincial capital (else taken from an
        ``Admin-1 capital`` town, if any).

    Returns
    -------
    DataFrame
        One row per ``kode_kab`` (sorted): ``kode_kab``, ``kode`` (desa), ``nama``, ``kode_kec``,
        ``aturan`` (one of :data:`CAPITAL_RULES`), ``kota`` (gazetteer town or ""),
        ``ibukota_provinsi`` (bool), ``geometry`` (EPSG:4326 point): a GeoDataFrame.
    """
    pts = _points(desa, None)
    crs = analysis_crs_for(pts)
    proj = pts.to_crs(crs)
    xy = shapely.get_coordinates(proj.geometry.to_numpy())
    by_town = (
        _town_capitals(proj, towns, kabupaten)
        if towns is not None and kabupaten is not None and len(towns)
        else {}
    )
    given = {str(k): str(v) for k, v in (capitals or {}).items()}
    unknown = sorted(v for v in given.values() if v not in set(pts["kode"]))
    if unknown:
        raise ValidationError("capitals", [f"desa code(s) {unknown} are not in the desa table"])
    rows = []
    for kab in sorted(pts["kode_kab"].unique()):
        sel = np.flatnonzero((pts["kode_kab"] == kab).to_numpy())
        town, prov = "", False
        if kab in given:
            i, rule = int(np.flatnonzero((pts["kode"] == given[kab]).to_numpy())[0]), "flagged"
        elif kab in by_town:
            i, town, prov = by_town[kab]
            rule = "kota_ne"
        else:
            i, rule = _central_capital(pts, sel, xy)
        rows.append(
            {
                "kode_kab": kab,
                "kode": pts["kode"].iloc[i],
                "nama": pts["nama"].iloc[i],
                "kode_kec": pts["kode_kec"].iloc[i],
                "aturan": rule,
                "kota": town,
                "ibukota_provinsi": prov,
                "geometry": pts.geometry.iloc[i],
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=pts.crs).to_crs(MAP_CRS)
    if provincial_capital is not None:
        if provincial_capital not in set(out["kode_kab"]):
            raise ValidationError(
                "provincial_capital", [f"kode_kab {provincial_capital!r} is not in the desa table"]
            )
        out["ibukota_provinsi"] = out["kode_kab"] == provincial_capital
    logger.info(
        "kabupaten capitals: %s",
        ", ".join(f"{r.kode_kab} {r.nama} ({r.aturan})" for r in out.itertuples()),
    )
    return out


def _kecamatan_capitals(pts: gpd.GeoDataFrame, xy: np.ndarray, skip: set[str]) -> list[int]:
    """Rows of the most central kelurahan of each kecamatan that has kelurahan (not ``skip``)."""
    if "jenis" not in pts.columns:
        return []
    out = []
    kel = pts["jenis"].to_numpy() == "kelurahan"
    for kec, rows in pts[kel].groupby("kode_kec", sort=True).groups.items():
        if str(kec) in skip:
            continue
        idx = np.asarray(rows)
        out.append(int(idx[_one_median(xy[idx], np.arange(len(idx)))]))
    return out


def settlements_from_desa(
    desa: pd.DataFrame, *, capitals: pd.DataFrame | None = None, crs: Any = None
) -> gpd.GeoDataFrame:
    """The settlement layer (``permukiman``) from a desa/kelurahan table, one point per desa.

    Parameters
    ----------
    desa : DataFrame or GeoDataFrame
        As :func:`kabupaten_capitals` (centroids ``lng_c``/``lat_c`` or polygons).
    capitals : DataFrame, optional
        From :func:`kabupaten_capitals` (default: computed from ``desa`` alone, rules 3–4).
    crs : CRS-like, optional
        Output CRS (default EPSG:4326).

    Returns
    -------
    GeoDataFrame
        Columns ``nama``, ``kode_desa``, ``kode_kec``, ``kode_kab``, ``penduduk`` (NaN unless the
        table has it), ``peran`` (see the module docstring), ``jenis``; same row order as
        ``desa``.
    """
    pts = _points(desa, None)
    caps = kabupaten_capitals(desa) if capitals is None else capitals
    xy = shapely.get_coordinates(pts.to_crs(analysis_crs_for(pts)).geometry.to_numpy())
    jenis = (
        pts["jenis"].astype(str) if "jenis" in pts.columns else pd.Series("desa", index=pts.index)
    )
    peran = pd.Series("desa", index=pts.index, dtype=object)
    for i in _kecamatan_capitals(pts, xy, set(caps["kode_kec"].astype(str))):
        peran.iloc[i] = "ibukota_kecamatan"
    for cap in caps.itertuples():
        role = "ibukota_provinsi" if cap.ibukota_provinsi else "ibukota_kabupaten"
        town = (pts["kode_kec"] == str(cap.kode_kec)) & (jenis == "kelurahan")
        peran[town.to_numpy() | (pts["kode"] == str(cap.kode)).to_numpy()] = role
    pop = (
        pd.to_numeric(pts["penduduk"], errors="coerce")
        if "penduduk" in pts.columns
        else pd.Series(np.nan, index=pts.index)
    )
    out = gpd.GeoDataFrame(
        {
            "nama": pts["nama"],
            "kode_desa": pts["kode"],
            "kode_kec": pts["kode_kec"],
            "kode_kab": pts["kode_kab"],
            "penduduk": pop.astype(float),
            "peran": peran.astype(str),
            "jenis": jenis,
        },
        geometry=pts.geometry,
        crs=pts.crs,
    )
    logger.info(
        "settlements from desa: %d points, roles %s",
        len(out),
        out["peran"].value_counts().to_dict(),
    )
    return out if crs is None else out.to_crs(crs)


def depots_at_capitals(
    capitals: pd.DataFrame, *, names: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame:
    """Assumed KPU warehouses (``gudang_kpu``): one per kabupaten/kota at its capital.

    Parameters
    ----------
    capitals : GeoDataFrame
        From :func:`kabupaten_capitals`.
    names : mapping, optional
        ``{kode_kab: nama_kab}`` for the warehouse names.

    Returns
    -------
    GeoDataFrame
        ``nama``, ``kode_kab``, ``sumber`` (says the location is an assumption), points in the
        capitals' CRS.
    """
    names = dict(names or {})
    rows = [
        {
            "nama": f"Gudang KPU {names.get(c.kode_kab, c.kode_kab)}",
            "kode_kab": c.kode_kab,
            "sumber": f"asumsi: di ibu kota ({c.nama}, aturan {c.aturan})",
        }
        for c in capitals.itertuples()
    ]
    return gpd.GeoDataFrame(rows, geometry=list(capitals.geometry), crs=capitals.crs)


def coastline_from_polygons(
    land: gpd.GeoDataFrame,
    *,
    neighbours: gpd.GeoDataFrame | None = None,
    sea_ports: gpd.GeoDataFrame | None = None,
    tolerance_m: float = 2000.0,
    port_max_km: float = 20.0,
    terrain: Any = None,
    coast_max_elev_m: float = 50.0,
) -> gpd.GeoDataFrame:
    """Coastline of ``land`` derived from its outline (see the module docstring).

    Parameters
    ----------
    land : GeoDataFrame
        The land polygons (e.g. the province), any CRS.
    neighbours : GeoDataFrame, optional
        Neighbouring land polygons (e.g. the other provinces): the outline within
        ``tolerance_m`` of them is a land boundary, not coast.
    sea_ports : GeoDataFrame, optional
        Sea-port points: an open outline piece is coast only with a port within
        ``port_max_km``. Without ports, open pieces are dropped (only islands remain).
    tolerance_m : float, default 2000
        Gap between simplified neighbouring polygons still counted as shared boundary.
    port_max_km : float, default 20
        Distance from a sea port that confirms an open piece as coast.
    terrain : Terrain, optional
        A DEM (ideally with bathymetry, like ETOPO): when given, an open piece is coast when the
        median elevation along it (sampled every 2 km) is at most ``coast_max_elev_m``, and a
        land border otherwise; ports are then not used (river ports far inland would confirm a
        mountain border as coast).
    coast_max_elev_m : float, default 50
        Highest median elevation of a coast piece, metres.

    Returns
    -------
    GeoDataFrame
        Lines with ``jenis`` (``pulau`` closed ring / ``pantai`` open piece) and ``panjang_km``,
        in ``land``'s CRS; ``attrs["excluded_km"]`` is the length of open pieces left out.
    """
    require_crs(land, "land")
    crs = analysis_crs_for(land)
    # exterior rings only: a hole in the land (a lake, an enclave) is no coast. Each polygon
    # part on its own: an island ring is coast whole; the ring of a part that meets a
    # neighbour loses the shared stretch, and what is left are open pieces to classify.
    polys = shapely.get_parts(shapely.union_all(land.to_crs(crs).geometry.to_numpy()))
    rings = shapely.get_exterior_ring(polys)
    other = None
    if neighbours is not None and len(neighbours):
        require_crs(neighbours, "neighbours")
        other = shapely.union_all(neighbours.to_crs(crs).geometry.to_numpy()).buffer(tolerance_m)
    pieces: list[Any] = []
    for ring in rings:
        if other is None or not ring.intersects(other):
            pieces.append(shapely.LineString(ring.coords))
            continue
        left = shapely.line_merge(ring.difference(other))
        pieces.extend(p for p in shapely.get_parts(left) if shapely.get_type_id(p) == 1)
    parts = np.asarray(pieces, dtype=object)
    parts = parts[shapely.get_type_id(parts) == 1] if len(parts) else parts
    closed = shapely.is_closed(parts)
    near = np.zeros(len(parts), dtype=bool)
    if terrain is not None:
        near = _low_lying(parts, crs, terrain, coast_max_elev_m)
    elif sea_ports is not None and len(sea_ports):
        require_crs(sea_ports, "sea_ports")
        ports = sea_ports.to_crs(crs).geometry.to_numpy()
        ip, _ = shapely.STRtree(ports).query(
            parts, predicate="dwithin", distance=port_max_km * 1000
        )
        near[np.unique(ip)] = True
    keep = closed | near
    lengths = shapely.length(parts) / 1000
    out = gpd.GeoDataFrame(
        {"jenis": np.where(closed[keep], "pulau", "pantai"), "panjang_km": lengths[keep]},
        geometry=parts[keep],
        crs=crs,
    )
    out.attrs["excluded_km"] = float(lengths[~keep].sum())
    # the open pieces not confirmed as coast: the land border with another country
    out.attrs["land_border"] = gpd.GeoSeries(parts[~keep], crs=crs).to_crs(land.crs)
    logger.info(
        "coastline derived: %.0f km kept (%d pieces), %.0f km of open outline left out "
        "as land border",
        lengths[keep].sum(),
        int(keep.sum()),
        out.attrs["excluded_km"],
    )
    return out.to_crs(land.crs)


# ----------------------------------------------------------------------------------------------
# The derive step of the data layer
# ----------------------------------------------------------------------------------------------
def derive_layers(layers: Any, *, level: str = "kecamatan") -> Any:
    """Complete a :class:`~kewaspadaan.io.Layers` by the documented rules; record each step.

    In order, each only where its inputs are present and its output is absent:

    1. kabupaten of other provinces (a Kalimantan-wide file) are left out when kecamatan are
       given; without a kabupaten layer, kabupaten are dissolved from the kecamatan;
    2. TPS and population tables are joined onto their units (``tps``/``penduduk`` columns) and
       summed up the hierarchy (desa → kecamatan → kabupaten) where every child has a value;
    3. settlements (``permukiman``) from the desa, with capitals and roles
       (:func:`kabupaten_capitals`, :func:`settlements_from_desa`; towns from ``kota``);
    4. KPU warehouses *assumed* at the kabupaten capitals (:func:`depots_at_capitals`);
    5. the coastline from the province polygons (:func:`coastline_from_polygons`).

    Parameters
    ----------
    layers : Layers
        Modified in place (and returned); ``layers.derived`` and ``layers.sources`` record what
        was derived and how.
    level : str
        The units of the analysis.

    Returns
    -------
    Layers
    """
    _kabupaten(layers, level)
    _parent_names(layers)
    _join_tables(layers)
    caps = _settlements(layers)
    if layers.gudang_kpu is None and caps is not None:
        names = {}
        if layers.kabupaten is not None:
            names = dict(
                zip(layers.kabupaten["kode"].astype(str), layers.kabupaten["nama"], strict=True)
            )
        layers.gudang_kpu = depots_at_capitals(caps, names=names)
        _record(
            layers,
            "gudang_kpu",
            layers.gudang_kpu,
            "asumsi: satu gudang KPU per kabupaten/kota di ibu kotanya",
            "permukiman",
        )
    _coast(layers)
    return layers


def _low_lying(parts: np.ndarray, crs: Any, terrain: Any, max_elev_m: float) -> np.ndarray:
    """True for each line whose median DEM elevation (every 2 km) is at most ``max_elev_m``."""
    from rasterio.transform import rowcol

    lines = gpd.GeoSeries(parts, crs=crs).to_crs(terrain.crs).to_numpy()
    elev = np.asarray(terrain.elevation_m)
    out = np.zeros(len(lines), dtype=bool)
    for i, line in enumerate(lines):
        n = max(2, int(shapely.length(line) // 2000))
        pts = shapely.line_interpolate_point(line, np.linspace(0, 1, n), normalized=True)
        rows, cols = rowcol(terrain.transform, shapely.get_x(pts), shapely.get_y(pts))
        rows, cols = np.asarray(rows), np.asarray(cols)
        ok = (rows >= 0) & (rows < elev.shape[0]) & (cols >= 0) & (cols < elev.shape[1])
        values = elev[rows[ok], cols[ok]]
        values = values[np.isfinite(values)]
        # no valid cell along it: the DEM's nodata is the sea (as in the demonstration DEM)
        out[i] = True if len(values) == 0 else bool(np.median(values) <= max_elev_m)
    return out


def _record(layers: Any, name: str, data: Any, rule: str, derived_from: str) -> None:
    layers.derived[name] = rule
    from kewaspadaan.crs import crs_label

    crs = crs_label(data.crs) if isinstance(data, gpd.GeoDataFrame) else ""
    layers.record(
        LayerSource(
            layer=name,
            path="",
            sha256="",
            rows=len(data),
            crs=crs,
            synthetic=layers.synthetic,
            note=rule,
            derived_from=derived_from,
        )
    )
    logger.info("derived %s from %s: %s", name, derived_from, rule)


def _kabupaten(layers: Any, level: str) -> None:
    kec, kab = layers.kecamatan, layers.kabupaten
    if kab is not None and kec is not None:
        inside = kab["kode"].astype(str).isin(set(kec["kode_kab"].astype(str)))
        if not inside.all() and inside.any():
            layers.kabupaten = kab[inside.to_numpy()].reset_index(drop=True)
            layers.derived["kabupaten"] = (
                f"{int((~inside).sum())} kabupaten/kota di luar wilayah kecamatan dilewati"
            )
    elif kab is None and kec is not None and level == "kabupaten":
        cols = ["kode_kab", "nama_kab", "geometry"]
        dissolved = kec[cols].dissolve(by="kode_kab", as_index=False, aggfunc="first")
        dissolved = dissolved.rename(columns={"kode_kab": "kode", "nama_kab": "nama"})
        dissolved["kode_kab"], dissolved["nama_kab"] = dissolved["kode"], dissolved["nama"]
        layers.kabupaten = gpd.GeoDataFrame(dissolved, geometry="geometry", crs=kec.crs)
        _record(
            layers,
            "kabupaten",
            layers.kabupaten,
            "gabungan (dissolve) kecamatan per kode_kab",
            "kecamatan",
        )


def _parent_names(layers: Any) -> None:
    """Fill ``nama_kec``/``nama_kab`` a boundary file lacks from the parent layer."""
    for child, parent_name, parent, key in (
        ("desa", "nama_kec", "kecamatan", "kode_kec"),
        ("desa", "nama_kab", "kabupaten", "kode_kab"),
        ("kecamatan", "nama_kab", "kabupaten", "kode_kab"),
    ):
        c, p = getattr(layers, child), getattr(layers, parent)
        if c is None or p is None or parent_name not in c.columns:
            continue
        gaps = c[parent_name].isna()
        if gaps.any():
            names = dict(zip(p["kode"].astype(str), p["nama"].astype(str), strict=True))
            c.loc[gaps, parent_name] = c.loc[gaps, key].astype(str).map(names)
            layers.derived[f"{child}.{parent_name}"] = f"nama dari lapisan {parent}"


def _join_tables(layers: Any) -> None:
    for name in ("tps", "penduduk"):
        table = getattr(layers, name)
        if table is None:
            continue
        level = table.attrs.get("level", "desa" if name == "tps" else "kecamatan")
        values = table.set_index("kode")[name]
        units = getattr(layers, level)
        units[name] = units["kode"].astype(str).map(values).to_numpy()
        # up the hierarchy, where every child has a value
        for child, parent, key in (
            ("desa", "kecamatan", "kode_kec"),
            ("kecamatan", "kabupaten", "kode_kab"),
        ):
            c, p = getattr(layers, child), getattr(layers, parent)
            if c is None or p is None or name not in c.columns or key not in c.columns:
                continue
            if c[name].isna().all():
                continue
            grouped = c.groupby(c[key].astype(str))[name]
            complete = grouped.apply(lambda s: s.notna().all())
            sums = grouped.sum(min_count=1).where(complete)
            filled = p["kode"].astype(str).map(sums)
            if name in p.columns:
                p[name] = p[name].where(p[name].notna(), filled)
            else:
                p[name] = filled.to_numpy()
        layers.derived[f"{name}_{level}"] = (
            f"tabel {name} digabung ke {level} (dan dijumlah ke atas)"
        )


def _settlements(layers: Any) -> pd.DataFrame | None:
    desa = layers.desa
    if desa is None:
        return None
    if layers.permukiman is not None and layers.gudang_kpu is not None:
        return None
    towns = layers.kota
    caps = kabupaten_capitals(
        desa, towns=towns, kabupaten=layers.kabupaten if towns is not None else None
    )
    if layers.permukiman is None:
        layers.permukiman = settlements_from_desa(desa, capitals=caps)
        rules = ", ".join(f"{r.kode_kab} {r.nama} ({r.aturan})" for r in caps.itertuples())
        _record(
            layers,
            "permukiman",
            layers.permukiman,
            f"titik pusat desa/kelurahan; ibu kota menurut aturan: {rules}",
            "desa",
        )
    return caps


def _coast(layers: Any) -> None:
    if layers.garis_pantai is not None or layers.provinsi is None:
        return
    prov = layers.provinsi
    units = next(
        (
            getattr(layers, n)
            for n in ("kecamatan", "desa", "kabupaten")
            if getattr(layers, n) is not None
        ),
        None,
    )
    if units is not None:
        own = {str(k)[:2] for k in units["kode"]}
        mine = prov["kode"].astype(str).str[:2].isin(own)
        land, others = prov[mine.to_numpy()], prov[~mine.to_numpy()]
    else:
        land, others = prov, prov.iloc[0:0]
    if len(land) == 0:
        return
    ports = layers.pelabuhan
    if ports is not None and "kategori" in ports.columns:
        ports = ports[ports["kategori"].astype(str) == "laut"]
    terrain = layers.terrain if layers.dem_files else None
    coast = coastline_from_polygons(
        land, neighbours=others if len(others) else None, sea_ports=ports, terrain=terrain
    )
    how = (
        "DEM (median ketinggian > 50 m)"
        if terrain is not None
        else "pelabuhan laut (tidak ada dalam 20 km)"
    )
    border = coast.attrs.pop("land_border", None)
    if layers.batas_negara is None and border is not None and len(border):
        km = coast.attrs.get("excluded_km", 0.0)
        layers.batas_negara = gpd.GeoDataFrame(
            {"nama": ["perbatasan negara (turunan)"] * len(border)},
            geometry=border.to_numpy(),
            crs=border.crs,
        )
        _record(
            layers,
            "batas_negara",
            layers.batas_negara,
            f"asumsi: batas luar provinsi yang tidak bersinggungan dengan provinsi lain dan "
            f"bukan pantai menurut {how} ({km:.0f} km)",
            "provinsi, " + ("dem" if terrain is not None else "pelabuhan"),
        )
    if len(coast):
        coast["nama"] = "garis pantai (turunan)"
        layers.garis_pantai = coast
        _record(
            layers,
            "garis_pantai",
            coast,
            f"turunan dari poligon provinsi: batas yang tidak bersinggungan dengan provinsi "
            f"lain; potongan terbuka dinilai menurut {how}",
            "provinsi, pelabuhan",
        )
