"""Offline folium risk maps that read at a glance.

:func:`risk_map` builds a :class:`folium.Map` with, first and alone by default, the kecamatan
coloured by risk class (legend with the number of kecamatan per class, a two-column tooltip card
of fixed maximum width, north arrow and scale bar, title and assessment date). The other layers
are in the layer control, off by default so the risk picture does not drown: logistics routes
drawn as unique merged segments (see :mod:`kewaspadaan._route_segments`), critical links,
incident clusters computed in Python (with a month slider) and the incident heat map. Depots are
shown.

:func:`save_map` / :func:`render_map_html` write it as one self-contained HTML file: Leaflet and
our scripts are inlined (see :mod:`kewaspadaan._assets`), folium's CDN links are removed, there is
no basemap unless ``tiles=`` asks for one, so the file opens with the network cut.

Every text that comes from data (names, notes) is escaped: it goes into the page as JSON with
``<`` escaped and is written into the DOM with ``textContent`` by our script, never as HTML. The
class, mode and status values stay the fixed identifiers of :mod:`kewaspadaan.schema`; labels
come from ``kewaspadaan/locale/*.json``.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure
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
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan._incident_layers import incident_clusters, incident_heat_png
from kewaspadaan._io_utils import atomic_write
from kewaspadaan._labels import class_label, format_date, normalise_classes
from kewaspadaan._map_elements import HtmlBlock, Snippet, stable_ids
from kewaspadaan._map_layers import (
    ROUTE_COLORS,
    add_critical_links,
    add_depots,
    add_incidents,
    add_kecamatan,
    add_routes,
    round_coords,
)
from kewaspadaan._route_segments import route_segments
from kewaspadaan._route_segments import route_status as _statuses
from kewaspadaan.crs import MAP_CRS, require_crs, to_analysis_crs
from kewaspadaan.schema import RISK_CLASSES

__all__ = [
    "DEFAULT_VISIBLE",
    "MapParts",
    "OfflineMap",
    "class_label",
    "format_date",
    "incident_clusters",
    "incident_heat_png",
    "prepare_risk_layer",
    "recent_incidents",
    "render_map_html",
    "render_map_parts",
    "risk_map",
    "route_segments",
    "save_map",
]

logger = logging.getLogger(__name__)

#: Columns the map needs in the risk table (the rest of ``schema.RISK_COLUMNS`` is optional).
REQUIRED_RISK_COLUMNS = ("kode", "nama", "nama_kab", "skor", "kelas", "geometry")
#: Layers shown when the map opens (the others are in the layer control, off).
DEFAULT_VISIBLE = ("kecamatan", "depot")


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
    ids = RISK_CLASSES
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
        Same rows and index, in EPSG:4326; ``kelas`` as identifiers of ``schema.RISK_CLASSES``.
    """
    if isinstance(risk, gpd.GeoDataFrame) and "kelas" in risk:
        risk = risk.assign(kelas=normalise_classes(risk["kelas"], source=source))
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
    out.geometry.values[:] = round_coords(out.geometry.values, ndig)
    return out


class OfflineMap(folium.Map):
    """A folium map that also displays offline in Jupyter: the page (Leaflet inline, no CDN
    link) is shown in a sandboxed iframe, as :func:`save_map` would write it."""

    def _repr_html_(self, **kwargs: Any) -> str:
        page = html.escape(render_map_html(self), quote=True)
        return (
            f'<iframe srcdoc="{page}" sandbox="allow-scripts" '
            'style="width:100%;height:620px;border:0"></iframe>'
        )


# ------------------------------------------------------------------------------------------
# The map
# ------------------------------------------------------------------------------------------
def _controls(m: folium.Map, strings: dict[str, Any]) -> None:
    """Zoom buttons with localised titles, scale bar and north arrow (our script)."""
    labels = {
        "zoomIn": strings["zoom_in"],
        "zoomOut": strings["zoom_out"],
        "north": strings["north"],
        "northTitle": strings["north_title"],
    }
    m.add_child(
        Snippet(
            "kewaspadaan.registerMap({map});"
            "kewaspadaan.addControls({map}, "
            + js_json(labels).replace("{", "{{").replace("}", "}}")
            + ");"
        )
    )


def _legend(
    m: folium.Map, layer: gpd.GeoDataFrame, strings: dict[str, Any], has: dict[str, Any]
) -> None:
    counts = layer["kelas"].value_counts()
    classes = [
        {
            "id": c,
            "label": class_label(c, strings),
            "color": settings.map_class_colors[c],
            "n": int(counts.get(c, 0)),
        }
        for c in RISK_CLASSES
    ]
    m.add_child(
        HtmlBlock(
            "legend.html.j2",
            'kewaspadaan.attachControl({map}, {id}, "bottomright");',
            t=strings,
            classes=classes,
            n_incidents=has["incidents"],
            incident_months=has.get("incident_months"),
            has_routes=has["routes"],
            has_depots=has["depots"],
            has_critical=has["critical"],
            route_colors=ROUTE_COLORS,
        )
    )


def recent_incidents(
    incidents: gpd.GeoDataFrame, date: Any = None, months: int | None = None
) -> gpd.GeoDataFrame:
    """Incidents of the last ``months`` months before ``date`` (default the latest incident).

    ``months`` defaults to ``settings.map_incident_months``; 0 or None keeps every incident.
    Rows without a date are kept.
    """
    months = settings.map_incident_months if months is None else months
    if not months or "event_date" not in incidents:
        return incidents
    when = pd.to_datetime(incidents["event_date"], errors="coerce")
    end = pd.Timestamp(str(date)[:10]) if date is not None else when.max()
    if pd.isna(end):
        return incidents
    start = end - pd.DateOffset(months=int(months))
    return incidents[when.isna() | ((when >= start) & (when <= end + pd.Timedelta(days=1)))]


def risk_map(
    risk: gpd.GeoDataFrame,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    depots: gpd.GeoDataFrame | None = None,
    critical_links: gpd.GeoDataFrame | None = None,
    route_status: Mapping[str, str] | None = None,
    title: str | None = None,
    date: dt.date | str | None = None,
    language: str | None = None,
    tiles: str | None = None,
    time_slider: bool = True,
    visible: Collection[str] | None = None,
    incident_months: int | None = None,
) -> folium.Map:
    """Build the offline risk map of a province.

    Parameters
    ----------
    risk : GeoDataFrame
        Risk table (``kewaspadaan.schema.RISK_COLUMNS``; at least kode, nama, nama_kab, skor,
        kelas, geometry; forecast columns ``ekspektasi_insiden``, ``tren_hotspot``,
        ``keandalan``, ... shown in the tooltip when present) in any CRS. Simplified in the
        analysis CRS, drawn in EPSG:4326.
    incidents : GeoDataFrame, optional
        Incidents (``schema.INCIDENT_COLUMNS``): clustered markers, a heat map, and the month
        slider. Rows without a location are not drawn (a warning names them).
    routes : GeoDataFrame, optional
        Route table (``schema.ROUTE_COLUMNS``), drawn as unique merged segments; segments used
        by a late delivery are dashed. Cut-off destinations have no line (the report lists
        them).
    depots : GeoDataFrame, optional
        Depot points with ``nama``.
    critical_links : GeoDataFrame, optional
        Lines with ``nama``, ``mode`` (or ``moda``) and ``dampak_tps`` (or ``tps_terputus``).
    route_status : mapping, optional
        Destination code → delivery status (``schema.DELIVERY_STATUS``), e.g. from the delivery
        plan; wins over the route table's own ``status``/``terlambat``.
    title : str, optional
        Map title (default from the locale).
    date : datetime.date or str, optional
        Assessment date shown under the title (none shown when not given: never today's date).
    language : {"id", "en"}, optional
        Interface language (default ``settings.language``).
    tiles : str, optional
        A folium tile provider or URL template. Default None: no basemap, nothing fetched. Tiles
        need the network, so a map with tiles is no longer fully offline.
    time_slider : bool, default True
        Add a slider filtering the incidents by month (shown while the incident layer is on).
    visible : collection of str, optional
        Layers shown when the map opens, among ``kecamatan``, ``depot``, ``rute``,
        ``ruas_kritis``, ``insiden``, ``panas`` (default :data:`DEFAULT_VISIBLE`).
    incident_months : int, optional
        Incidents of this many months up to ``date`` (or the latest incident) are drawn
        (default ``settings.map_incident_months``; 0 draws every incident). Bounds the file size;
        the report counts the whole period.

    Returns
    -------
    OfflineMap
        A ``folium.Map`` that displays offline in Jupyter; write it with :func:`save_map`
        (which inlines Leaflet and removes CDN links).
    """
    lang = language or settings.language
    strings = load_strings(lang)
    shown = set(DEFAULT_VISIBLE if visible is None else visible)
    layer = prepare_risk_layer(risk)
    west, south, east, north = (float(v) for v in layer.total_bounds)
    m = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        tiles=None,
        control_scale=False,
        zoom_control=False,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    m.default_js, m.default_css = [], []
    if tiles:
        logger.info("basemap %s requested: the map will load tiles from the network", tiles)
        folium.TileLayer(tiles, name="basemap", overlay=False, control=True).add_to(m)
    _controls(m, strings)
    add_kecamatan(m, layer, strings)
    status = None
    if routes is not None:
        status = _statuses(routes, route_status)
    has: dict[str, Any] = {
        "routes": routes is not None
        and add_routes(m, routes, strings, status=status, show="rute" in shown),
        "critical": critical_links is not None
        and add_critical_links(m, critical_links, strings, show="ruas_kritis" in shown),
        "depots": depots is not None and add_depots(m, depots, strings, show="depot" in shown),
    }
    has["incidents"] = (
        0
        if incidents is None
        else add_incidents(
            m,
            recent_incidents(incidents, date, incident_months),
            (west, south, east, north),
            strings,
            time_slider=time_slider,
            show="insiden" in shown,
            show_heat="panas" in shown,
        )
    )
    has["incident_months"] = (
        settings.map_incident_months if incident_months is None else incident_months
    )
    _legend(m, layer, strings, has)
    date_iso, date_text = format_date(date, strings)
    m.add_child(
        HtmlBlock(
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
    stable_ids(m)
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
    stable_ids(m)
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
