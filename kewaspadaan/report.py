"""Self-contained offline HTML reports: map, ranking, alerts, logistics, sources, date.

:func:`build_report` is pure (data in, HTML text out); :func:`write_report` writes it atomically.
The report is one file: Leaflet, our scripts and styles, the map data and the heat-map image are
all inline, nothing is fetched, and it prints on A4 paper. Every text from data is escaped by the
autoescaping Jinja2 template (tables) or written with ``textContent`` (map).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from markupsafe import Markup

from kewaspadaan import __version__, settings
from kewaspadaan._assets import find_external_resources, load_strings, offline_head, render_template
from kewaspadaan._io_utils import atomic_write
from kewaspadaan.maps import (
    class_label,
    format_date,
    render_map_parts,
    risk_map,
)

__all__ = ["build_report", "logistics_summary", "write_report"]

logger = logging.getLogger(__name__)

Sources = Sequence[str] | Sequence[tuple[str, str]] | Mapping[str, str]


def _cell(text: Any = "", *, num: bool = False, color: str | None = None) -> dict[str, Any]:
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        text = ""
    return {"text": str(text), "num": num, "color": color}


def _fmt(value: Any, decimals: int, sep: str, *, sign: bool = False, scale: float = 1.0) -> str:
    if value is None or pd.isna(value):
        return ""
    text = (
        f"{float(value) * scale:+.{decimals}f}" if sign else f"{float(value) * scale:.{decimals}f}"
    )
    return text.replace(".", sep)


def _true(value: Any) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value)) and bool(value)


def _ranked(risk: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        risk.drop(columns=risk.geometry.name, errors="ignore")
        if isinstance(risk, gpd.GeoDataFrame)
        else risk
    ).copy()
    if "peringkat" not in out or out["peringkat"].isna().any():
        out["peringkat"] = out["skor"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["peringkat", "kode"], kind="stable")


def _risk_rows(table: pd.DataFrame, t: dict[str, Any], lang: str) -> list[list[dict[str, Any]]]:
    sep = t["decimal_sep"]
    rows = []
    for rec in table.to_dict("records"):
        kelas = rec.get("kelas")
        rows.append(
            [
                _cell(int(rec["peringkat"]), num=True),
                _cell(rec.get("kode")),
                _cell(rec.get("nama")),
                _cell(rec.get("nama_kab")),
                _cell(_fmt(rec.get("skor"), 1, sep), num=True),
                _cell(class_label(kelas, lang), color=settings.map_class_colors.get(kelas)),
                _cell(
                    _fmt(rec.get("prob_insiden"), 0, sep, scale=100.0)
                    + (" %" if not pd.isna(rec.get("prob_insiden", float("nan"))) else ""),
                    num=True,
                ),
                _cell(_fmt(rec.get("perubahan_skor"), 1, sep, sign=True), num=True),
                _cell(rec.get("pendorong")),
            ]
        )
    return rows


def _risk_header(t: dict[str, Any]) -> list[str]:
    return [
        t[k]
        for k in (
            "rank",
            "kode",
            "kecamatan",
            "kabupaten",
            "score",
            "class",
            "probability",
            "change",
            "drivers",
        )
    ]


def _alerts_table(risk: gpd.GeoDataFrame, alerts: pd.DataFrame | None) -> pd.DataFrame:
    if alerts is None:
        if "peringatan" not in risk:
            return risk.iloc[0:0]
        alerts = risk[risk["peringatan"].map(_true).astype(bool)]
    if len(alerts) and "skor" not in alerts:  # alert rows given by kode only: join the scores
        alerts = risk[risk["kode"].isin(alerts["kode"])]
    return alerts


def logistics_summary(
    routes: pd.DataFrame | None, *, language: str | None = None
) -> dict[str, Any] | None:
    """Counts of on-time, late and unreachable destinations, and the problem rows.

    Parameters
    ----------
    routes : DataFrame, optional
        Route table (``kewaspadaan.schema.ROUTE_COLUMNS``): ``terlambat`` (late) and
        ``terjangkau`` (reachable) booleans.
    language : {"id", "en"}, optional
        Language of the table header and status words.

    Returns
    -------
    dict or None
        ``n_total``, ``n_on_time``, ``n_late``, ``n_unreachable``, ``header`` and ``rows`` (late
        first by travel time, then unreachable); None without routes.
    """
    if routes is None:
        return None
    t = load_strings(language)
    sep = t["decimal_sep"]
    reach = (
        routes["terjangkau"].map(_true)
        if "terjangkau" in routes
        else pd.Series(True, index=routes.index)
    )
    late = (
        routes["terlambat"].map(_true)
        if "terlambat" in routes
        else pd.Series(False, index=routes.index)
    )
    late = late & reach
    problem = routes[late | ~reach].assign(_unreach=~reach[late | ~reach])
    if "waktu_tempuh_h" in problem:
        problem = problem.sort_values(
            ["_unreach", "waktu_tempuh_h"], ascending=[True, False], kind="stable"
        )
    rows = []
    for rec in pd.DataFrame(problem).to_dict("records"):
        status = t["status_unreachable"] if rec["_unreach"] else t["status_late"]
        rows.append(
            [
                _cell(rec.get("tujuan_kode")),
                _cell(rec.get("tujuan_nama")),
                _cell(rec.get("depot")),
                _cell("" if rec["_unreach"] else _fmt(rec.get("waktu_tempuh_h"), 1, sep), num=True),
                _cell(rec.get("moda")),
                _cell(_stamp(rec.get("tiba"))),
                _cell(_stamp(rec.get("tenggat"))),
                _cell(status),
            ]
        )
    header = [
        t[k]
        for k in (
            "kode",
            "destination",
            "depot",
            "travel_time_h",
            "mode",
            "arrival",
            "deadline",
            "status",
        )
    ]
    n_unreach, n_late = int((~reach).sum()), int(late.sum())
    return {
        "n_total": len(routes),
        "n_late": n_late,
        "n_unreachable": n_unreach,
        "n_on_time": len(routes) - n_late - n_unreach,
        "header": header,
        "rows": rows,
    }


def _stamp(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _sources(sources: Sources | None) -> list[tuple[str, str]]:
    if not sources:
        return []
    if isinstance(sources, Mapping):
        return [(str(k), str(v)) for k, v in sources.items()]
    out = []
    for item in sources:
        if isinstance(item, str):
            out.append((item, ""))
        else:
            name, detail = item
            out.append((str(name), str(detail)))
    return out


def build_report(
    risk: gpd.GeoDataFrame,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    depots: gpd.GeoDataFrame | None = None,
    critical_links: gpd.GeoDataFrame | None = None,
    alerts: pd.DataFrame | None = None,
    sources: Sources | None = None,
    run_date: dt.date | str | None = None,
    language: str | None = None,
    title: str | None = None,
    missing: Mapping[str, str] | None = None,
) -> str:
    """Build the self-contained HTML report of one run.

    Parameters
    ----------
    risk : GeoDataFrame
        Risk table (``kewaspadaan.schema.RISK_COLUMNS``) in any CRS.
    incidents, routes, depots, critical_links : GeoDataFrame, optional
        Map layers (see :func:`kewaspadaan.maps.risk_map`); ``routes`` also feeds the logistics
        summary (late = ``terlambat``, unreachable = ``terjangkau == False``).
    alerts : DataFrame, optional
        Alert rows (at least ``kode``); default: rows of ``risk`` with ``peringatan`` true.
    sources : sequence of str, of (name, detail) pairs, or mapping, optional
        Data sources listed in the report.
    run_date : datetime.date or str, optional
        Date of the run shown in the report (default: today).
    language : {"id", "en"}, optional
        Report language (default ``settings.language``).
    title : str, optional
        Report title (default from the locale).
    missing : mapping, optional
        Features that could not be computed and why (``ScoreResult.missing``), listed in a
        "data limitations" section so readers know what the score does not cover.

    Returns
    -------
    str
        The HTML document. It references no external resource (checked).
    """
    lang = language or settings.language
    t = load_strings(lang)
    date_iso, date_text = format_date(run_date, t)
    m = risk_map(
        risk,
        incidents=incidents,
        routes=routes,
        depots=depots,
        critical_links=critical_links,
        title=title or t["map_title"],
        date=date_iso,
        language=lang,
    )
    parts = render_map_parts(m)
    ranked = _ranked(risk)
    alert_rows = _ranked(_alerts_table(risk, alerts))
    counts = ranked["kelas"].value_counts()
    summary = {
        "n_kecamatan": len(ranked),
        "classes": [
            {
                "label": class_label(c, lang),
                "color": settings.map_class_colors[c],
                "n": int(counts.get(c, 0)),
            }
            for c in settings.class_labels["id"]
        ],
    }
    page = render_template(
        "report.html.j2",
        t=t,
        version=__version__,
        title=title or t["report_title"],
        date_iso=date_iso,
        date_text=date_text,
        summary=summary,
        assets=Markup(offline_head()),
        map_head=Markup(parts.head),
        map_body=Markup(parts.body),
        map_script=Markup(parts.script),
        alert_header=_risk_header(t),
        alerts=_risk_rows(alert_rows, t, lang),
        ranking_header=_risk_header(t),
        ranking=_risk_rows(ranked, t, lang),
        logistics=logistics_summary(routes, language=lang),
        sources=_sources(sources),
        missing=sorted((str(k), str(v)) for k, v in (missing or {}).items()),
    )
    external = find_external_resources(page)
    if external:
        raise RuntimeError(f"the report still references external resources: {external[:5]}")
    return page


def write_report(path: str | os.PathLike[str], risk: gpd.GeoDataFrame, **kwargs: Any) -> Path:
    """Build the report (see :func:`build_report`) and write it atomically to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.html`` (folders are created).
    risk : GeoDataFrame
        Risk table.
    **kwargs
        Keyword options of :func:`build_report`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    page = build_report(risk, **kwargs)
    path = Path(path)
    with atomic_write(path, "w", newline="\n") as fh:
        fh.write(page)
    logger.info("wrote report %s (%.0f kB)", path, len(page.encode()) / 1024)
    return path
