"""A static risk map of the whole area, rendered in Python, for print and PDF.

The interactive Leaflet map needs JavaScript and shows what fits its frame; printed, it was
cropped. :func:`static_map` draws the same choropleth with matplotlib (Agg, no display): every
kecamatan coloured by class in the projected analysis CRS (true shapes and distances),
kabupaten boundaries, depots, the numbers of the kecamatan to watch, a legend with counts, a
north arrow and a scale bar. The result is a PNG (256-colour palette, reproducible bytes) that the
report embeds as a ``data:`` URI and shows in its print stylesheet.
"""

from __future__ import annotations

import base64
import io
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from kewaspadaan import settings
from kewaspadaan._assets import load_strings
from kewaspadaan._errors import MissingDependencyError
from kewaspadaan._labels import class_label, fmt_number
from kewaspadaan.crs import MAP_CRS, require_crs, to_analysis_crs
from kewaspadaan.schema import RISK_CLASSES

__all__ = ["StaticMap", "static_map"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaticMap:
    """A rendered static map.

    Attributes
    ----------
    png : bytes
        The image.
    width_px, height_px : int
        Its size in pixels.
    bounds_lonlat : tuple of float
        ``(west, south, east, north)`` of the drawn area in degrees (EPSG:4326): the whole
        risk table plus a margin.
    """

    png: bytes
    width_px: int
    height_px: int
    bounds_lonlat: tuple[float, float, float, float]

    def data_uri(self) -> str:
        """The PNG as a ``data:image/png;base64,...`` URI."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _nice_length_m(span_m: float) -> float:
    """A round scale-bar length near a fifth of ``span_m`` (1, 2 or 5 × 10^k metres)."""
    target = span_m / 5
    k = 10 ** math.floor(math.log10(target))
    return float(max(m * k for m in (1, 2, 5) if m * k <= target))


def _north_arrow(ax: Any, letter: str) -> None:
    ax.annotate(
        letter,
        xy=(0.95, 0.97),
        xytext=(0.95, 0.88),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "#222222", "edgecolor": "#222222", "width": 4, "headwidth": 11},
    )


def _scale_bar(ax: Any, x0: float, y0: float, span_x: float, strings: dict[str, Any]) -> None:
    length = _nice_length_m(span_x)
    h = span_x * 0.008
    for i in range(2):
        ax.add_patch(
            _rect(x0 + i * length / 2, y0, length / 2, h, "#222222" if i == 0 else "#ffffff")
        )
    for at in (0.0, length / 2, length):
        km = at / 1000
        label = f"{fmt_number(km, 0 if km >= 1 or at == 0 else 1, strings)}"
        ax.text(x0 + at, y0 + 2.2 * h, label, ha="center", va="bottom", fontsize=7)
    ax.text(x0 + length * 1.05, y0 + 0.5 * h, "km", ha="left", va="center", fontsize=7)


def _rect(x: float, y: float, w: float, h: float, color: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=color, edgecolor="#222222", linewidth=0.6)


def static_map(
    risk: gpd.GeoDataFrame,
    *,
    depots: gpd.GeoDataFrame | None = None,
    marks: Mapping[str, str] | None = None,
    language: str | None = None,
    width_px: int = 1400,
    max_aspect: float = 1.25,
    dpi: int = 200,
) -> StaticMap:
    """Draw the risk classes of the whole area as a PNG for print.

    Parameters
    ----------
    risk : GeoDataFrame
        Risk table with ``kode``, ``kelas`` (identifiers of ``schema.RISK_CLASSES``), geometry;
        ``kode_kab`` draws kabupaten boundaries. Any CRS (drawn in the analysis CRS).
    depots : GeoDataFrame, optional
        Depot points, drawn as white circles.
    marks : mapping, optional
        ``kode`` → short label drawn on the kecamatan (e.g. ``{"64.02.01": "1"}`` for the watch
        list of the brief).
    language : {"id", "en"}, optional
        Labels of the legend (default ``settings.language``).
    width_px : int, default 1400
        Image width, pixels (the height follows the area's shape).
    max_aspect : float, default 1.25
        Largest height/width ratio; a taller area gets side margins.
    dpi : int, default 200
        Resolution used for font sizes (8 pt text is readable printed at 16 cm width).

    Returns
    -------
    StaticMap
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise MissingDependencyError("matplotlib", "", "The static print map") from exc
    require_crs(risk, "risk table")
    strings = load_strings(language)
    proj = to_analysis_crs(risk)
    x0, y0, x1, y1 = (float(v) for v in proj.total_bounds)
    pad = 0.03 * max(x1 - x0, y1 - y0)
    # a strip below the area for the legend and the scale bar: they never cover a kecamatan
    x0, y0, x1, y1 = x0 - pad, y0 - pad - 0.1 * (y1 - y0), x1 + pad, y1 + pad
    aspect = min(max_aspect, max(0.55, (y1 - y0) / (x1 - x0)))
    height_px = round(width_px * aspect)
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    colors = settings.map_class_colors
    proj.plot(
        ax=ax,
        color=[colors.get(k, "#999999") for k in proj["kelas"]],
        edgecolor="#555555",
        linewidth=0.3,
    )
    if "kode_kab" in proj:
        kab = proj[["kode_kab", proj.geometry.name]].dissolve(by="kode_kab")
        kab.boundary.plot(ax=ax, color="#111111", linewidth=0.9)
    if depots is not None and len(depots):
        require_crs(depots, "depots")
        pts = depots.to_crs(proj.crs)
        ax.scatter(
            pts.geometry.x,
            pts.geometry.y,
            s=14,
            c="#ffffff",
            edgecolors="#000000",
            linewidths=0.9,
            zorder=4,
        )
    for kode, label in (marks or {}).items():
        row = proj[proj["kode"].astype(str) == str(kode)]
        if row.empty:
            continue
        p = row.geometry.iloc[0].representative_point()
        ax.text(
            p.x,
            p.y,
            label,
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold",
            zorder=5,
            bbox={
                "boxstyle": "circle,pad=0.25",
                "facecolor": "#ffffff",
                "edgecolor": "#000000",
                "linewidth": 0.8,
            },
        )
    # equal scale in x and y: widen the shorter side so the whole area stays in view
    fig_ratio = height_px / width_px
    if (y1 - y0) / (x1 - x0) < fig_ratio:
        grow = ((x1 - x0) * fig_ratio - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = ((y1 - y0) / fig_ratio - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    counts = proj["kelas"].value_counts()
    handles = [
        Patch(
            facecolor=colors[c],
            edgecolor="#555555",
            label=f"{class_label(c, strings)} ({int(counts.get(c, 0))})",
        )
        for c in RISK_CLASSES
    ]
    ax.legend(
        handles=handles,
        title=strings["legend_classes"],
        loc="lower right",
        fontsize=7,
        title_fontsize=7,
        framealpha=0.92,
        ncol=2,
    )
    _north_arrow(ax, strings["north"])
    gx0, gx1 = ax.get_xlim()
    gy0, gy1 = ax.get_ylim()
    _scale_bar(ax, gx0 + 0.04 * (gx1 - gx0), gy0 + 0.03 * (gy1 - gy0), gx1 - gx0, strings)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    bounds = gpd.GeoSeries(gpd.points_from_xy([gx0, gx1], [gy0, gy1]), crs=proj.crs).to_crs(MAP_CRS)
    png = _palette(buf.getvalue())
    lon, lat = bounds.x.to_numpy(), bounds.y.to_numpy()
    return StaticMap(
        png=png,
        width_px=width_px,
        height_px=height_px,
        bounds_lonlat=(
            float(np.min(lon)),
            float(np.min(lat)),
            float(np.max(lon)),
            float(np.max(lat)),
        ),
    )


def _palette(png: bytes) -> bytes:
    """Re-encode as a 256-colour palette PNG (about a third of the size, same look)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()
