"""The layers of the risk map: kecamatan choropleth, route segments, critical links, depots and
incidents (clusters, heat map, month slider).

Each ``add_*`` function draws one layer on a :class:`folium.Map` and registers it under a fixed
key (``kecamatan``, ``rute``, ``ruas_kritis``, ``depot``, ``insiden``, ``panas``) read by our
script, the browser tests and the screenshot script. Every text from data goes into the page as
JSON (``<`` escaped) and is written with ``textContent``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import warnings
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kewaspadaan import settings
from kewaspadaan._errors import KewaspadaanWarning
from kewaspadaan._incident_layers import incident_clusters, incident_heat_png
from kewaspadaan._labels import (
    class_label,
    event_type_label,
    fmt_int,
    fmt_number,
    format_month,
    is_missing,
    mode_label,
    status_label,
    trend_label,
)
from kewaspadaan._map_elements import ScriptLayer, Snippet, bind_info, register
from kewaspadaan._route_segments import route_segments
from kewaspadaan.crs import MAP_CRS, require_crs, to_analysis_crs

__all__ = [
    "ROUTE_COLORS",
    "add_critical_links",
    "add_depots",
    "add_incidents",
    "add_kecamatan",
    "add_routes",
    "kecamatan_card",
    "round_coords",
]

ROUTE_COLORS = {"tepat_waktu": "#2166ac", "terlambat": "#e66101", "critical": "#7b3294"}
_NOTE_MAX_CHARS = 240
_DRIVERS_SHOWN = 3


def text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def truthy(value: Any) -> bool:
    return not is_missing(value) and bool(value)


def records(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_dict("records")


def round_coords(geoms: Any, decimals: int) -> Any:
    """Round the coordinates of ``geoms`` to ``decimals`` places."""
    return shapely.transform(np.asarray(geoms), lambda xy: np.round(xy, decimals))


def feature_collection(gdf: gpd.GeoDataFrame, props: list[dict[str, Any]]) -> dict[str, Any]:
    geoms = [json.loads(g) for g in shapely.to_geojson(np.asarray(gdf.geometry.values))]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": i, "geometry": g, "properties": p}
            for i, (g, p) in enumerate(zip(geoms, props, strict=True))
        ],
    }


def to_map_lines(gdf: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    require_crs(gdf, source)
    ok = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if ok.empty:
        return ok.to_crs(MAP_CRS)
    simple = to_analysis_crs(ok).geometry.simplify(settings.map_simplify_tolerance_m)
    out = ok.to_crs(MAP_CRS)
    return out.set_geometry(
        round_coords(simple.to_crs(MAP_CRS).values, settings.map_coordinate_decimals), crs=MAP_CRS
    )


def logistics_pane(m: folium.Map) -> str:
    """The pane above the heat map for lines and points (created once per map)."""
    if not getattr(m, "_kw_logistics_pane", False):
        folium.map.CustomPane("logistik", z_index=430).add_to(m)
        setattr(m, "_kw_logistics_pane", True)  # noqa: B010 - not a declared folium attribute
    return "logistik"


def stamp(value: Any) -> str:
    return "" if is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------------------------------
# Kecamatan
# ------------------------------------------------------------------------------------------
_CARD_FIELDS = (
    "kabupaten",
    "class",
    "score",
    "rank",
    "expected",
    "expected_to_election",
    "probability",
    "trend",
    "reliability",
    "class_change",
    "change",
    "alert",
    "drivers",
)


def reliability_text(value: Any, t: dict[str, Any]) -> str:
    """``"tinggi (0,82)"``: the reliability in words and its value."""
    if is_missing(value):
        return ""
    v = float(value)
    word = (
        t["reliability_high"]
        if v >= 0.75
        else t["reliability_mid"]
        if v >= 0.5
        else t["reliability_low"]
    )
    return f"{word} ({fmt_number(v, 2, t)})"


def expected_text(rec: dict[str, Any], t: dict[str, Any]) -> str:
    """``"2,3"``: the expected events of the next month (``ekspektasi_insiden``)."""
    value = rec.get("ekspektasi_insiden")
    return "" if is_missing(value) else fmt_number(value, 1, t)


def to_election_text(rec: dict[str, Any], t: dict[str, Any]) -> str:
    """``"30,6 (Rentang 80 %: 21,0–40,0)"``: the expected events up to voting day
    (``ekspektasi_hingga_pemilu``) and *its* 80 % interval (``ekspektasi_bawah80``/``atas80``,
    the interval of that total in the joint simulation)."""
    value = rec.get("ekspektasi_hingga_pemilu")
    if is_missing(value):
        return ""
    out = fmt_number(value, 1, t)
    lo, hi = rec.get("ekspektasi_bawah80"), rec.get("ekspektasi_atas80")
    if not is_missing(lo) and not is_missing(hi):
        out += f" ({t['interval80']}: {fmt_number(lo, 1, t)}–{fmt_number(hi, 1, t)})"
    return out


def drivers_text(value: Any, k: int = _DRIVERS_SHOWN) -> str:
    """The first ``k`` drivers of ``pendorong`` (``"a; b; c; d"`` → ``"a, b, c"``)."""
    items = [s.strip() for s in text(value).split(";") if s.strip()]
    return ", ".join(items[:k])


def percent(value: Any, t: dict[str, Any]) -> str:
    return "" if is_missing(value) else fmt_number(100 * float(value), 0, t) + " %"


def kecamatan_card(rec: dict[str, Any], rank: Any, n: int, t: dict[str, Any]) -> list[str]:
    """Values of the tooltip card of one kecamatan, in the order of ``_CARD_FIELDS``."""
    return [
        text(rec.get("nama_kab")),
        class_label(rec.get("kelas"), t),
        fmt_number(rec.get("skor"), 1, t),
        "" if is_missing(rank) else f"{int(rank)} / {n}",
        expected_text(rec, t),
        to_election_text(rec, t),
        percent(rec.get("prob_insiden"), t),
        trend_label(rec.get("tren_hotspot"), t),
        reliability_text(rec.get("keandalan"), t),
        percent(rec.get("prob_ganti_kelas"), t),
        fmt_number(rec.get("perubahan_skor"), 1, t, sign=True),
        t["yes"] if truthy(rec.get("peringatan")) else "",
        drivers_text(rec.get("pendorong")),
    ]


def add_kecamatan(m: folium.Map, layer: gpd.GeoDataFrame, t: dict[str, Any]) -> None:
    """The choropleth of risk classes with a two-column tooltip card per kecamatan."""
    n = len(layer)
    rank = (
        layer["peringkat"]
        if "peringkat" in layer
        else layer["skor"].rank(ascending=False, method="min")
    ).to_numpy()
    colors = settings.map_class_colors
    props = [
        {
            "kode": text(rec["kode"]),
            "kelas": rec["kelas"],
            "t": text(rec["nama"]),
            "c": colors.get(rec["kelas"], "#999999"),
            "v": kecamatan_card(rec, rank[i], n, t),
        }
        for i, rec in enumerate(records(layer))
    ]
    folium.map.CustomPane("kecamatan", z_index=410).add_to(m)
    gj = folium.GeoJson(
        feature_collection(layer, props),
        name=html.escape(t["layer_kecamatan"]),
        style_function=lambda f: {
            "fillColor": f["properties"]["c"],
            "color": "#3a3a3a",
            "weight": 0.8,
            "fillOpacity": 0.72,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000", "fillOpacity": 0.85},
        on_each_feature=bind_info([t[k] for k in _CARD_FIELDS]),
        pane="kecamatan",
    ).add_to(m)
    register(m, "kecamatan", gj)


# ------------------------------------------------------------------------------------------
# Logistics
# ------------------------------------------------------------------------------------------
def add_routes(
    m: folium.Map,
    routes: gpd.GeoDataFrame,
    t: dict[str, Any],
    *,
    status: pd.Series | None = None,
    show: bool = False,
) -> bool:
    """Unique route segments (:func:`~kewaspadaan._route_segments.route_segments`), the line
    width growing with the destinations served through it; off by default."""
    seg = route_segments(routes, status=status)
    if seg.empty:
        return False
    seg = seg.set_geometry(
        round_coords(seg.geometry.values, settings.map_coordinate_decimals), crs=MAP_CRS
    )
    props = [
        {
            "s": r["status"],
            "w": round(1.5 + 1.2 * math.log10(max(1, int(r["n_tujuan"]))), 2),
            "t": t["link"],
            "v": [status_label(r["status"], t), fmt_int(r["n_tujuan"], t)],
        }
        for r in records(seg)
    ]
    style = lambda f: {  # noqa: E731
        "color": ROUTE_COLORS[f["properties"]["s"]],
        "weight": f["properties"]["w"],
        "opacity": 0.85,
        "dashArray": "6 5" if f["properties"]["s"] == "terlambat" else None,
    }
    labels = [t["status"], t["routes_through"]]
    return _logistics_lines(m, seg, props, t["layer_routes"], style, labels, "rute", show)


def _logistics_lines(
    m: folium.Map,
    lines: gpd.GeoDataFrame,
    props: list[dict[str, Any]],
    name: str,
    style: Any,
    labels: list[str],
    key: str,
    show: bool,
) -> bool:
    """A GeoJSON layer of lines in the logistics pane with its info card, registered as
    ``key`` (routes, critical links)."""
    gj = folium.GeoJson(
        feature_collection(lines, props),
        name=html.escape(name),
        style_function=style,
        on_each_feature=bind_info(labels),
        pane=logistics_pane(m),
        show=show,
    ).add_to(m)
    register(m, key, gj)
    return True


def add_critical_links(
    m: folium.Map, links: gpd.GeoDataFrame, t: dict[str, Any], *, show: bool = False
) -> bool:
    lines = to_map_lines(links, "critical links")
    if lines.empty:
        return False
    mode_col = "mode" if "mode" in lines else "moda"
    tps_col = next((c for c in ("dampak_tps", "tps_terputus", "pemakai_tps") if c in lines), None)
    props = [
        {
            "t": text(r.get("nama")),
            "v": [mode_label(r.get(mode_col), t), fmt_int(r.get(tps_col), t) if tps_col else ""],
        }
        for r in records(lines)
    ]
    style = lambda f: {"color": ROUTE_COLORS["critical"], "weight": 5, "opacity": 0.85}  # noqa: E731
    labels = [t["mode"], t["affected_tps"]]
    return _logistics_lines(
        m, lines, props, t["layer_critical"], style, labels, "ruas_kritis", show
    )


def add_depots(
    m: folium.Map, depots: gpd.GeoDataFrame, t: dict[str, Any], *, show: bool = True
) -> bool:
    require_crs(depots, "depots")
    pts = depots[depots.geometry.notna() & ~depots.geometry.is_empty].to_crs(MAP_CRS)
    if pts.empty:
        return False
    pts = pts.set_geometry(
        round_coords(pts.geometry.representative_point().values, settings.map_coordinate_decimals),
        crs=MAP_CRS,
    )
    props = [
        {"t": text(r.get("nama")), "v": [text(r.get("nama_kab", r.get("kode_kab")))]}
        for r in records(pts)
    ]
    pane = logistics_pane(m)  # above the choropleth (folium drops a marker's own pane)
    gj = folium.GeoJson(
        feature_collection(pts, props),
        name=html.escape(t["layer_depots"]),
        marker=folium.CircleMarker(
            radius=6,
            weight=2,
            color="#000000",
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            pane=logistics_pane(m),
        ),
        style_function=lambda f: {
            "color": "#000000",
            "weight": 2,
            "fillColor": "#ffffff",
            "fillOpacity": 1.0,
            "opacity": 1.0,
            "pane": pane,
        },
        on_each_feature=bind_info([t["kabupaten"]]),
        show=show,
    ).add_to(m)
    register(m, "depot", gj)
    return True


# ------------------------------------------------------------------------------------------
# Incidents: clusters per zoom level, heat map, month slider
# ------------------------------------------------------------------------------------------
def incident_points(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    require_crs(incidents, "incidents")
    bad = incidents.geometry.isna() | incidents.geometry.is_empty
    if bad.any():
        ids = (
            incidents.loc[bad, "event_id"].astype(str).tolist()
            if "event_id" in incidents
            else [str(i) for i in incidents.index[bad]]
        )
        warnings.warn(
            f"incidents: {int(bad.sum())} event(s) without a location are not drawn "
            f"on the map: {ids[:10]}",
            KewaspadaanWarning,
            stacklevel=4,
        )
    out = incidents[~bad]
    if not out.geom_type.eq("Point").all():
        out = out.set_geometry(out.geometry.representative_point())
    return out


def incident_spec(incidents: gpd.GeoDataFrame, t: dict[str, Any]) -> dict[str, Any]:
    """The data of the incident layer of ``kewaspadaan.js`` (points, clusters, months)."""
    pts = incident_points(incidents)
    ll = pts.geometry.to_crs(MAP_CRS)
    xy = to_analysis_crs(pts.geometry)
    lat, lon = ll.y.to_numpy(), ll.x.to_numpy()

    def col(name: str) -> pd.Series:
        return pts[name] if name in pts.columns else pd.Series([None] * len(pts), index=pts.index)

    dates = pd.to_datetime(col("event_date"), errors="coerce")
    period = dates.dt.to_period("M")
    months: list[pd.Period] = []
    if period.notna().any():
        months = list(pd.period_range(period.min(), period.max(), freq="M"))
    month_index = {p: i for i, p in enumerate(months)}
    types = sorted({text(v) for v in col("event_type")})
    type_index = {v: i for i, v in enumerate(types)}
    notes = [text(x) for x in col("notes")]
    notes = [x if len(x) <= _NOTE_MAX_CHARS else x[: _NOTE_MAX_CHARS - 1] + "…" for x in notes]
    clusters, max_cz = incident_clusters(xy.x.to_numpy(), xy.y.to_numpy(), lat, lon)
    return {
        "lat": [round(float(a), 5) for a in lat],
        "lon": [round(float(a), 5) for a in lon],
        "date": ["" if pd.isna(d) else d.strftime("%Y-%m-%d") for d in dates],
        "month": [month_index.get(p, -1) if not pd.isna(p) else -1 for p in period],
        "type": [type_index[text(v)] for v in col("event_type")],
        "types": [event_type_label(v, t) for v in types],
        "loc": [text(x) for x in col("location")],
        "fat": [
            "" if pd.isna(x) else str(int(x))
            for x in pd.to_numeric(col("fatalities"), errors="coerce")
        ],
        "note": notes,
        "monthLabels": [format_month(p.to_timestamp(), t) for p in months],
        "clusters": clusters,
        "minClusterZoom": 3,
        "maxClusterZoom": max_cz,
        "pointStyle": {
            "pane": "logistik",
            "radius": 5,
            "color": "#ffffff",
            "weight": 1,
            "fillColor": "#a50026",
            "fillOpacity": 0.9,
        },
        "labels": {
            "fields": [
                t[k]
                for k in (
                    "incident_date",
                    "incident_type",
                    "incident_location",
                    "incident_fatalities",
                    "incident_notes",
                )
            ],
            "incident": t["incident"],
            "month": t["month"],
            "all": t["all_months"],
        },
    }


def add_incidents(
    m: folium.Map,
    incidents: gpd.GeoDataFrame,
    bounds: Any,
    t: dict[str, Any],
    *,
    time_slider: bool,
    show: bool = False,
    show_heat: bool = False,
) -> int:
    """Incident clusters (with the month slider) and the density heat map; off by default."""
    if len(incidents) == 0:
        return 0
    spec = incident_spec(incidents, t)
    n = len(spec["lat"])
    if n == 0:
        return 0
    pts = gpd.GeoSeries(gpd.points_from_xy(spec["lon"], spec["lat"]), crs=MAP_CRS)
    heat = incident_heat_png(pts, tuple(bounds))
    if heat is not None:
        folium.map.CustomPane("panas", z_index=420, pointer_events=False).add_to(m)
        png, heat_bounds = heat
        overlay = folium.raster_layers.ImageOverlay(
            "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            heat_bounds,
            name=html.escape(t["layer_heat"]),
            opacity=0.8,
            pixelated=False,
            show=show_heat,
            pane="panas",
            interactive=False,
        )
        overlay.add_to(m)
        register(m, "panas", overlay)
    logistics_pane(m)
    layer = ScriptLayer(
        "incidentLayer", spec, key="insiden", name=html.escape(t["layer_incidents"]), show=show
    )
    layer.add_to(m)
    if time_slider and spec["monthLabels"]:
        m.add_child(Snippet("kewaspadaan.timeSlider({map}, {layer}, {layer}.kwSpec);", layer=layer))
    return n
