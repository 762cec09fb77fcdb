"""Offline folium risk maps: kecamatan choropleth, incidents, heat map, logistics layers.

:func:`risk_map` builds a :class:`folium.Map` with the kecamatan coloured by risk class (legend,
tooltips with name, kabupaten, score, class and top drivers), incidents as clusters computed here
in Python (they break apart as one zooms in; a slider filters them by month), an incident heat map
(a kernel density raster rendered to PNG and laid over the map as a ``data:`` URI), logistics
routes, depots and critical links, a layer control, a scale bar, the title and the date.

:func:`save_map` / :func:`render_map_html` write it as one self-contained HTML file: Leaflet and
our scripts are inlined (see :mod:`kewaspadaan._assets`), folium's CDN links are removed, there is
no basemap unless ``tiles=`` asks for one, so the file opens with the network cut.

Every text that comes from data (names, notes) is escaped: it goes into the page as JSON with
``<`` escaped and is written into the DOM with ``textContent`` by our script, never as HTML.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode
from markupsafe import Markup

from kewaspadaan import settings
from kewaspadaan._assets import (
    find_external_resources,
    js_json,
    load_strings,
    offline_head,
    render_template,
    strip_external_resources,
)
from kewaspadaan._errors import KewaspadaanWarning, MissingColumnError, ValidationError
from kewaspadaan._incident_layers import incident_clusters, incident_heat_png
from kewaspadaan._io_utils import atomic_write
from kewaspadaan.crs import MAP_CRS, require_crs, to_analysis_crs

__all__ = [
    "MapParts",
    "OfflineMap",
    "class_label",
    "format_date",
    "incident_clusters",
    "incident_heat_png",
    "prepare_risk_layer",
    "render_map_html",
    "render_map_parts",
    "risk_map",
    "save_map",
]

logger = logging.getLogger(__name__)

#: Columns the map needs in the risk table (the rest of ``schema.RISK_COLUMNS`` is optional).
REQUIRED_RISK_COLUMNS = ("kode", "nama", "nama_kab", "skor", "kelas", "geometry")
ROUTE_COLORS = {"ok": "#2166ac", "late": "#e66101", "critical": "#7b3294"}
_NOTE_MAX_CHARS = 400


# ------------------------------------------------------------------------------------------
# Strings, formatting, templates
# ------------------------------------------------------------------------------------------
def class_label(kelas: str, language: str | None = None) -> str:
    """Translate a class id (``"rendah"`` … ``"sangat tinggi"``) into ``language``."""
    ids = settings.class_labels["id"]
    labels = settings.class_labels.get(language or settings.language, ids)
    return labels[ids.index(kelas)] if kelas in ids else str(kelas)


def format_date(date: dt.date | str | None, strings: dict[str, Any]) -> tuple[str, str]:
    """Return ``(iso, text)`` of a date, e.g. ``("2024-11-27", "27 Nov 2024")``; today if None."""
    if date is None:
        day = dt.date.today()
    elif isinstance(date, str):
        day = dt.date.fromisoformat(date[:10])
    elif isinstance(date, dt.datetime):
        day = date.date()
    else:
        day = date
    return day.isoformat(), f"{day.day} {strings['months'][day.month - 1]} {day.year}"


def _num(value: Any, decimals: int, strings: dict[str, Any], *, sign: bool = False) -> str:
    if value is None or pd.isna(value):
        return ""
    text = f"{float(value):+.{decimals}f}" if sign else f"{float(value):.{decimals}f}"
    return text.replace(".", strings["decimal_sep"])


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _truthy(value: Any) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value)) and bool(value)


def _records(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_dict("records")


# ------------------------------------------------------------------------------------------
# Input preparation
# ------------------------------------------------------------------------------------------
def _validate_risk(risk: gpd.GeoDataFrame, source: str) -> None:
    if not isinstance(risk, gpd.GeoDataFrame):
        raise TypeError(
            f"{source}: expected a GeoDataFrame (kewaspadaan.schema.RISK_COLUMNS), "
            f"got {type(risk).__name__}"
        )
    missing = [c for c in REQUIRED_RISK_COLUMNS if c not in risk.columns]
    if missing:
        raise MissingColumnError(
            f"{source}: missing column(s) {missing}; the risk table needs "
            f"{list(REQUIRED_RISK_COLUMNS)} (see kewaspadaan.schema.RISK_COLUMNS) — run "
            "`kewaspadaan score` or rename your columns"
        )
    require_crs(risk, source)
    problems: list[str] = []
    ids = settings.class_labels["id"]
    for label, mask, what in (
        ("kelas", ~risk["kelas"].isin(ids), f"is not one of {list(ids)}"),
        (
            "skor",
            ~pd.to_numeric(risk["skor"], errors="coerce").between(0, 100),
            "is not a number between 0 and 100",
        ),
        ("geometry", risk.geometry.isna() | risk.geometry.is_empty, "is missing or empty"),
    ):
        bad = risk.index[np.asarray(mask, dtype=bool)]
        for row in bad[:10]:
            value = risk.at[row, label] if label != "geometry" else None
            problems.append(
                f"row {row} (kode {risk.at[row, 'kode']!s}): column {label!r} "
                f"{what}" + (f" (value {value!r})" if label != "geometry" else "")
            )
        if len(bad) > 10:
            problems.append(f"... and {len(bad) - 10} more rows with a bad {label!r}")
    if problems:
        raise ValidationError(source, problems)


def prepare_risk_layer(
    risk: gpd.GeoDataFrame,
    *,
    tolerance_m: float | None = None,
    decimals: int | None = None,
    source: str = "risk table",
) -> gpd.GeoDataFrame:
    """Validate, simplify (in the analysis CRS) and reproject the risk table for a web map.

    Polygons are simplified as a coverage (shared edges stay shared) with a tolerance in metres in
    the projected analysis CRS, then reprojected to EPSG:4326 and rounded to ``decimals``. A
    polygon that would vanish keeps its original shape: no kecamatan is ever dropped.

    Parameters
    ----------
    risk : GeoDataFrame
        Risk table (``kewaspadaan.schema.RISK_COLUMNS``) in any CRS.
    tolerance_m : float, optional
        Simplification tolerance, metres (default ``settings.map_simplify_tolerance_m``).
    decimals : int, optional
        Decimal places of the lon/lat (default ``settings.map_coordinate_decimals``).
    source : str
        Name used in error messages.

    Returns
    -------
    GeoDataFrame
        Same rows and index, in EPSG:4326.
    """
    _validate_risk(risk, source)
    tol = settings.map_simplify_tolerance_m if tolerance_m is None else tolerance_m
    ndig = settings.map_coordinate_decimals if decimals is None else decimals
    projected = to_analysis_crs(risk)
    geoms = projected.geometry
    if tol > 0:
        try:
            simple = geoms.simplify_coverage(tol)
        except Exception as exc:  # an invalid coverage: fall back per polygon
            logger.debug("coverage simplification failed (%s); simplifying polygon by polygon", exc)
            simple = geoms.simplify(tol, preserve_topology=True)
        keep = simple.is_empty | simple.isna()
        geoms = simple.where(~keep, geoms)
    out = risk.copy()
    out = out.set_geometry(
        gpd.GeoSeries(geoms, crs=projected.crs).to_crs(MAP_CRS).values, crs=MAP_CRS
    )
    out.geometry.values[:] = _round(out.geometry.values, ndig)
    return out


def _round(geoms: Any, decimals: int) -> Any:
    return shapely.transform(np.asarray(geoms), lambda xy: np.round(xy, decimals))


def _to_map_lines(
    gdf: gpd.GeoDataFrame, source: str, tolerance_m: float | None = None
) -> gpd.GeoDataFrame:
    require_crs(gdf, source)
    ok = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if ok.empty:
        return ok.to_crs(MAP_CRS)
    tol = settings.map_simplify_tolerance_m if tolerance_m is None else tolerance_m
    simple = to_analysis_crs(ok).geometry.simplify(tol).to_crs(MAP_CRS)
    out = ok.to_crs(MAP_CRS)
    out = out.set_geometry(_round(simple.values, settings.map_coordinate_decimals), crs=MAP_CRS)
    return out


def _feature_collection(gdf: gpd.GeoDataFrame, props: list[dict[str, Any]]) -> dict[str, Any]:
    geoms = [json.loads(g) for g in shapely.to_geojson(np.asarray(gdf.geometry.values))]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": i, "geometry": g, "properties": p}
            for i, (g, p) in enumerate(zip(geoms, props, strict=True))
        ],
    }


# ------------------------------------------------------------------------------------------
# Incidents: clusters per zoom level, heat map
# ------------------------------------------------------------------------------------------
def _incident_points(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
            stacklevel=3,
        )
    out = incidents[~bad]
    if not out.geom_type.eq("Point").all():
        out = out.set_geometry(out.geometry.representative_point())
    return out


def _incident_spec(incidents: gpd.GeoDataFrame, strings: dict[str, Any]) -> dict[str, Any]:
    pts = _incident_points(incidents)
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
    types = sorted({_text(t) for t in col("event_type")})
    type_index = {t: i for i, t in enumerate(types)}
    notes = [_text(x) for x in col("notes")]
    notes = [x if len(x) <= _NOTE_MAX_CHARS else x[: _NOTE_MAX_CHARS - 1] + "…" for x in notes]
    clusters, max_cz = incident_clusters(xy.x.to_numpy(), xy.y.to_numpy(), lat, lon)
    return {
        "lat": [round(float(a), 5) for a in lat],
        "lon": [round(float(a), 5) for a in lon],
        "date": ["" if pd.isna(d) else d.strftime("%Y-%m-%d") for d in dates],
        "month": [month_index.get(p, -1) if not pd.isna(p) else -1 for p in period],
        "type": [type_index[_text(t)] for t in col("event_type")],
        "types": types,
        "loc": [_text(x) for x in col("location")],
        "fat": [
            "" if pd.isna(x) else str(int(x))
            for x in pd.to_numeric(col("fatalities"), errors="coerce")
        ],
        "note": notes,
        "monthLabels": [f"{strings['months'][p.month - 1]} {p.year}" for p in months],
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
                strings[k]
                for k in (
                    "incident_date",
                    "incident_type",
                    "incident_location",
                    "incident_fatalities",
                    "incident_notes",
                )
            ],
            "incident": strings["incident"],
            "month": strings["month"],
            "all": strings["all_months"],
        },
    }


# ------------------------------------------------------------------------------------------
# folium elements of our own
# ------------------------------------------------------------------------------------------
def _parent_name(element: MacroElement) -> str:
    parent = element._parent
    if parent is None:
        raise RuntimeError(f"{element.get_name()} must be added to a map before rendering")
    return parent.get_name()


class OfflineMap(folium.Map):
    """A folium map that also displays offline in Jupyter: the page (Leaflet inline, no CDN
    link) is shown in a sandboxed iframe, as :func:`save_map` would write it."""

    def _repr_html_(self, **kwargs: Any) -> str:
        page = html.escape(render_map_html(self), quote=True)
        return (
            f'<iframe srcdoc="{page}" sandbox="allow-scripts" '
            'style="width:100%;height:620px;border:0"></iframe>'
        )


class _Snippet(MacroElement):
    """A line of our JS; ``{map}`` and named ``{element}`` placeholders are filled at render."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str, **elements: Any) -> None:
        super().__init__()
        self._name = "KwSnippet"
        self._code = code
        self._elements = elements
        self.code = ""

    def render(self, **kwargs: Any) -> Any:
        names = {k: v.get_name() for k, v in self._elements.items()}
        self.code = self._code.format(map=_parent_name(self), **names)
        return super().render(**kwargs)


class _HtmlBlock(MacroElement):
    """Escaped HTML (rendered by our autoescaping Jinja templates) moved into the map by JS."""

    _template = Template(
        "{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}"
        "{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}"
    )

    def __init__(self, template: str, js: str, **context: Any) -> None:
        super().__init__()
        self._name = "KwBlock"
        self._kw_template = template
        self._js = js
        self._context = context
        self.content = self.code = ""

    def render(self, **kwargs: Any) -> Any:
        element_id = self.get_name().replace("_", "-")
        self.content = render_template(self._kw_template, element_id=element_id, **self._context)
        self.code = self._js.format(map=_parent_name(self), id=json.dumps(element_id))
        return super().render(**kwargs)


class _ScriptLayer(Layer):
    """A layer built by a factory of our script (``kewaspadaan.<factory>(map, spec)``)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = kewaspadaan.{{ this.factory }}("
        "{{ this._parent.get_name() }}, {{ this.payload }});\n"
        "kewaspadaan.register({{ this.key|tojson }}, {{ this.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(
        self, factory: str, spec: dict[str, Any], *, key: str, name: str, show: bool = True
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "KwLayer"
        self.factory = factory
        self.key = key
        self.payload = js_json(spec)


def _bind_info(labels: list[str]) -> JsCode:
    return JsCode(
        f"function (feature, layer) {{ kewaspadaan.bindInfo(feature, layer, {js_json(labels)}); }}"
    )


def _register(m: folium.Map, key: str, layer: Any) -> None:
    m.add_child(_Snippet("kewaspadaan.register(" + js_json(key) + ", {layer});", layer=layer))


def _stable_ids(m: folium.Map) -> None:
    """Give every element a sequential id so the same input renders to the same bytes."""
    seen: set[int] = set()
    counter = 0

    def walk(el: Any) -> None:
        nonlocal counter
        if id(el) in seen:
            return
        seen.add(id(el))
        el._id = f"{counter:04d}"
        counter += 1
        for child in list(el._children.values()):
            walk(child)

    walk(m.get_root())


# ------------------------------------------------------------------------------------------
# Layers
# ------------------------------------------------------------------------------------------
def _kecamatan_layer(
    m: folium.Map, layer: gpd.GeoDataFrame, strings: dict[str, Any], language: str
) -> None:
    n = len(layer)
    rank = (
        layer["peringkat"]
        if "peringkat" in layer
        else layer["skor"].rank(ascending=False, method="min")
    )
    props = []
    for i, rec in enumerate(_records(layer)):
        props.append(
            {
                "kode": _text(rec["kode"]),
                "kelas": rec["kelas"],
                "v": [
                    _text(rec["nama"]),
                    _text(rec["nama_kab"]),
                    _num(rec["skor"], 1, strings),
                    class_label(rec["kelas"], language),
                    "" if pd.isna(rank.iloc[i]) else f"{int(rank.iloc[i])} / {n}",
                    _text(rec.get("pendorong")),
                    ""
                    if pd.isna(rec.get("prob_insiden", np.nan))
                    else _num(100 * float(rec["prob_insiden"]), 0, strings) + " %",
                    _num(rec.get("perubahan_skor"), 1, strings, sign=True),
                    strings["yes"] if _truthy(rec.get("peringatan")) else "",
                ],
            }
        )
    labels = [
        strings[k]
        for k in (
            "kecamatan",
            "kabupaten",
            "score",
            "class",
            "rank",
            "drivers",
            "probability",
            "change",
            "alert",
        )
    ]
    colors = settings.map_class_colors
    folium.map.CustomPane("kecamatan", z_index=410).add_to(m)
    gj = folium.GeoJson(
        _feature_collection(layer, props),
        name=html.escape(strings["layer_kecamatan"]),
        style_function=lambda f: {
            "fillColor": colors.get(f["properties"]["kelas"], "#999999"),
            "color": "#3a3a3a",
            "weight": 0.8,
            "fillOpacity": 0.7,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000", "fillOpacity": 0.85},
        on_each_feature=_bind_info(labels),
        pane="kecamatan",
    ).add_to(m)
    _register(m, "kecamatan", gj)


def _route_layer(m: folium.Map, routes: gpd.GeoDataFrame, strings: dict[str, Any]) -> bool:
    lines = _to_map_lines(routes, "routes")
    if lines.empty:
        return False
    props = []
    for rec in _records(lines):
        late = _truthy(rec.get("terlambat"))
        status = "status_late" if late else "status_ok"
        props.append(
            {
                "s": "late" if late else "ok",
                "v": [
                    _text(rec.get("tujuan_nama")),
                    _text(rec.get("depot")),
                    _num(rec.get("waktu_tempuh_h"), 1, strings),
                    _text(rec.get("moda")),
                    _stamp(rec.get("tiba")),
                    _stamp(rec.get("tenggat")),
                    strings[status],
                    _num(rec.get("jam_zona_rawan_h"), 1, strings),
                ],
            }
        )
    labels = [
        strings[k]
        for k in (
            "destination",
            "depot",
            "travel_time_h",
            "mode",
            "arrival",
            "deadline",
            "status",
            "risk_zone_h",
        )
    ]
    gj = folium.GeoJson(
        _feature_collection(lines, props),
        name=html.escape(strings["layer_routes"]),
        style_function=lambda f: {
            "color": ROUTE_COLORS[f["properties"]["s"]],
            "weight": 2,
            "opacity": 0.75,
            "dashArray": "6 5" if f["properties"]["s"] == "late" else None,
        },
        on_each_feature=_bind_info(labels),
        pane=_logistics_pane(m),
    ).add_to(m)
    _register(m, "rute", gj)
    return True


def _logistics_pane(m: folium.Map) -> str:
    """The pane above the heat map for lines and points (created once per map)."""
    if not getattr(m, "_kw_logistics_pane", False):
        folium.map.CustomPane("logistik", z_index=430).add_to(m)
        setattr(m, "_kw_logistics_pane", True)  # noqa: B010 - not a declared folium attribute
    return "logistik"


def _stamp(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d %H:%M")


def _critical_layer(m: folium.Map, links: gpd.GeoDataFrame, strings: dict[str, Any]) -> bool:
    lines = _to_map_lines(links, "critical links")
    if lines.empty:
        return False
    mode_col = "mode" if "mode" in lines else "moda"
    tps_col = next((c for c in ("dampak_tps", "tps_terputus") if c in lines), None)
    props = [
        {
            "v": [
                _text(r.get("nama")),
                _text(r.get(mode_col)),
                _text(r.get(tps_col)) if tps_col else "",
            ]
        }
        for r in _records(lines)
    ]
    labels = [strings["link"], strings["mode"], strings["affected_tps"]]
    gj = folium.GeoJson(
        _feature_collection(lines, props),
        name=html.escape(strings["layer_critical"]),
        style_function=lambda f: {"color": ROUTE_COLORS["critical"], "weight": 5, "opacity": 0.85},
        on_each_feature=_bind_info(labels),
        pane=_logistics_pane(m),
    ).add_to(m)
    _register(m, "ruas_kritis", gj)
    return True


def _depot_layer(m: folium.Map, depots: gpd.GeoDataFrame, strings: dict[str, Any]) -> bool:
    require_crs(depots, "depots")
    pts = depots[depots.geometry.notna() & ~depots.geometry.is_empty].to_crs(MAP_CRS)
    if pts.empty:
        return False
    pts = pts.set_geometry(
        _round(pts.geometry.representative_point().values, settings.map_coordinate_decimals),
        crs=MAP_CRS,
    )
    props = [
        {"v": [_text(r.get("nama")), _text(r.get("nama_kab", r.get("kode_kab")))]}
        for r in _records(pts)
    ]
    gj = folium.GeoJson(
        _feature_collection(pts, props),
        name=html.escape(strings["layer_depots"]),
        marker=folium.CircleMarker(
            radius=7,
            weight=2,
            color="#000000",
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            pane=_logistics_pane(m),
        ),
        on_each_feature=_bind_info([strings["depot"], strings["kabupaten"]]),
    ).add_to(m)
    _register(m, "depot", gj)
    return True


def _incident_layers(
    m: folium.Map,
    incidents: gpd.GeoDataFrame,
    bounds: Any,
    strings: dict[str, Any],
    *,
    time_slider: bool,
) -> int:
    spec = _incident_spec(incidents, strings)
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
            name=html.escape(strings["layer_heat"]),
            opacity=0.8,
            pixelated=False,
            show=False,
            pane="panas",
            interactive=False,
        )
        overlay.add_to(m)
        _register(m, "panas", overlay)
    _logistics_pane(m)
    layer = _ScriptLayer(
        "incidentLayer", spec, key="insiden", name=html.escape(strings["layer_incidents"])
    )
    layer.add_to(m)
    if time_slider and spec["monthLabels"]:
        m.add_child(
            _Snippet("kewaspadaan.timeSlider({map}, {layer}, {layer}.kwSpec);", layer=layer)
        )
    return n


# ------------------------------------------------------------------------------------------
# The map
# ------------------------------------------------------------------------------------------
def risk_map(
    risk: gpd.GeoDataFrame,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    depots: gpd.GeoDataFrame | None = None,
    critical_links: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    date: dt.date | str | None = None,
    language: str | None = None,
    tiles: str | None = None,
    time_slider: bool = True,
) -> folium.Map:
    """Build the offline risk map of a province.

    Parameters
    ----------
    risk : GeoDataFrame
        Risk table (``kewaspadaan.schema.RISK_COLUMNS``; at least kode, nama, nama_kab, skor,
        kelas, geometry) in any CRS. Simplified in the analysis CRS, drawn in EPSG:4326.
    incidents : GeoDataFrame, optional
        Incidents (``schema.INCIDENT_COLUMNS``): clustered markers, a heat map, and the month
        slider. Rows without a location are not drawn (a warning names them).
    routes : GeoDataFrame, optional
        Route table (``schema.ROUTE_COLUMNS``); late routes are dashed. Unreachable rows have no
        line (the report lists them).
    depots : GeoDataFrame, optional
        Depot points with ``nama``.
    critical_links : GeoDataFrame, optional
        Lines with ``nama``, ``mode`` (or ``moda``) and ``dampak_tps``.
    title : str, optional
        Map title (default from the locale).
    date : datetime.date or str, optional
        Date shown under the title (default: today).
    language : {"id", "en"}, optional
        Interface language (default ``settings.language``).
    tiles : str, optional
        A folium tile provider or URL template. Default None: no basemap, nothing fetched. Tiles
        need the network, so a map with tiles is no longer fully offline.
    time_slider : bool, default True
        Add a slider filtering the incidents by month.

    Returns
    -------
    OfflineMap
        A ``folium.Map`` that displays offline in Jupyter; write it with :func:`save_map`
        (which inlines Leaflet and removes CDN links).
    """
    lang = language or settings.language
    strings = load_strings(lang)
    layer = prepare_risk_layer(risk)
    west, south, east, north = (float(v) for v in layer.total_bounds)
    m = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    m.default_js, m.default_css = [], []
    if tiles:
        logger.info("basemap %s requested: the map will load tiles from the network", tiles)
        folium.TileLayer(tiles, name="basemap", overlay=False, control=True).add_to(m)
    m.add_child(
        _Snippet(
            "kewaspadaan.registerMap({map});"
            "L.control.scale({{imperial: false, maxWidth: 160}}).addTo({map});"
        )
    )
    _kecamatan_layer(m, layer, strings, lang)
    has = {
        "routes": routes is not None and _route_layer(m, routes, strings),
        "critical": critical_links is not None and _critical_layer(m, critical_links, strings),
        "depots": depots is not None and _depot_layer(m, depots, strings),
    }
    n_incidents = (
        0
        if incidents is None
        else _incident_layers(
            m, incidents, (west, south, east, north), strings, time_slider=time_slider
        )
    )
    counts = layer["kelas"].value_counts()
    classes = [
        {
            "id": c,
            "label": class_label(c, lang),
            "color": settings.map_class_colors[c],
            "n": int(counts.get(c, 0)),
        }
        for c in settings.class_labels["id"]
    ]
    m.add_child(
        _HtmlBlock(
            "legend.html.j2",
            'kewaspadaan.attachControl({map}, {id}, "bottomright");',
            t=strings,
            classes=classes,
            has_incidents=n_incidents > 0,
            n_incidents=n_incidents,
            has_routes=has["routes"],
            has_depots=has["depots"],
            has_critical=has["critical"],
            route_colors=ROUTE_COLORS,
        )
    )
    date_iso, date_text = format_date(date, strings)
    m.add_child(
        _HtmlBlock(
            "title.html.j2",
            "kewaspadaan.attachOverlay({map}, {id});",
            t=strings,
            title=title or strings["map_title"],
            date_iso=date_iso,
            date_text=date_text,
        )
    )
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    setattr(m, "kw_title", title or strings["map_title"])  # noqa: B010 - read by render_map_html
    setattr(m, "kw_language", lang)  # noqa: B010
    _stable_ids(m)
    return m


@dataclass(frozen=True)
class MapParts:
    """A rendered map split for embedding: ``head`` (styles), ``body`` (divs), ``script``."""

    head: str
    body: str
    script: str


def render_map_parts(m: folium.Map) -> MapParts:
    """Render a folium map into head/body/script HTML without any external resource link.

    Element ids are renumbered first so the same map renders to the same bytes.

    Parameters
    ----------
    m : folium.Map
        Usually from :func:`risk_map`.

    Returns
    -------
    MapParts
        Trusted HTML fragments (data inside them is already escaped).
    """
    _stable_ids(m)
    m.default_js, m.default_css = [], []
    fig = cast(Figure, m.get_root())
    for child in fig._children.values():
        child.render()
    return MapParts(
        head=strip_external_resources(fig.header.render()),
        body=strip_external_resources(fig.html.render()),
        script=fig.script.render(),
    )


def render_map_html(m: folium.Map) -> str:
    """Render a map as one self-contained HTML page (Leaflet and our scripts inline).

    Raises
    ------
    RuntimeError
        If an external resource reference is left (a bug: it would break offline use). Tiles
        asked for with ``tiles=`` are loaded by script, not by tag, and are allowed.
    """
    parts = render_map_parts(m)
    page = render_template(
        "map_page.html.j2",
        lang=getattr(m, "kw_language", settings.language),
        title=getattr(m, "kw_title", "kewaspadaan"),
        assets=Markup(offline_head()),
        map_head=Markup(parts.head),
        map_body=Markup(parts.body),
        map_script=Markup(parts.script),
    )
    external = find_external_resources(page)
    if external:
        raise RuntimeError(f"the map still references external resources: {external[:5]}")
    return page


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map as a self-contained offline HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        Usually from :func:`risk_map`.
    path : str or os.PathLike
        Destination ``.html``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    page = render_map_html(m)
    path = Path(path)
    with atomic_write(path, "w", newline="\n") as fh:
        fh.write(page)
    logger.info("wrote map %s (%.0f kB)", path, len(page.encode()) / 1024)
    return path
