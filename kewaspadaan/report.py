"""The report a security chief trusts: a one-page brief, then the *laporan informasi dan
rekomendasi* (situasi, analisis, prakiraan, rekomendasi), logistics, data limitations and the
provenance of every layer, as one self-contained offline HTML file that prints on A4.

:func:`build_report` is pure (tables in, HTML text out; it never reads a file);
:func:`write_report` writes it atomically; :func:`report_inputs` turns the result objects of
:func:`kewaspadaan.pipeline.run` into its keyword arguments; :mod:`kewaspadaan.pdf` prints it.

The first page (*Ringkasan pimpinan*) holds what is decided in five minutes: the kecamatan to
watch with class, trend, reliability and reason; the alerts; the desa that will be late or cut off
and why (from the delivery plan, never from the fastest routes when a plan exists); personnel; the
key recommendations; the assessment date, the data period and the sources. The interactive map
is replaced in print by a static image of the whole area rendered in Python
(:mod:`kewaspadaan.static_map`), so the printout needs no JavaScript.

Every text from data is escaped by the autoescaping Jinja2 template or written with
``textContent`` (map). Labels come from ``kewaspadaan/locale/*.json``; values stay identifiers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from markupsafe import Markup

from kewaspadaan import __version__, settings
from kewaspadaan import _brief as brief
from kewaspadaan._assets import find_external_resources, load_strings, offline_head, render_template
from kewaspadaan._io_utils import atomic_write
from kewaspadaan._labels import (
    class_label,
    fmt_int,
    fmt_number,
    format_date,
    is_missing,
    mode_label,
    normalise_classes,
    status_label,
    trend_label,
)
from kewaspadaan._map_layers import (
    drivers_text,
    expected_text,
    percent,
    reliability_text,
    to_election_text,
)
from kewaspadaan.maps import render_map_parts, risk_map
from kewaspadaan.schema import RISK_CLASSES
from kewaspadaan.static_map import static_map

__all__ = ["LogisticsStatus", "build_report", "logistics_status", "report_inputs", "write_report"]

LogisticsStatus = brief.LogisticsStatus
logistics_status = brief.logistics_status

logger = logging.getLogger(__name__)

Sources = Sequence[str] | Sequence[tuple[str, str]] | Mapping[str, str]

#: Rows shown in the brief's lists before "and N more".
_BRIEF_ROWS = 5
_FORECAST_ROWS = 15


def _cell(text: Any = "", *, num: bool = False, color: str | None = None) -> dict[str, Any]:
    return {"text": "" if is_missing(text) else str(text), "num": num, "color": color}


def _ranked(risk: pd.DataFrame) -> pd.DataFrame:
    geom = risk.geometry.name if isinstance(risk, gpd.GeoDataFrame) else "geometry"
    out = pd.DataFrame(risk.drop(columns=geom, errors="ignore")).copy()
    if "peringkat" not in out or out["peringkat"].isna().any():
        out["peringkat"] = out["skor"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["peringkat", "kode"], kind="stable")


def _risk_rows(table: pd.DataFrame, t: dict[str, Any]) -> list[list[dict[str, Any]]]:
    colors = settings.map_class_colors
    return [
        [
            _cell(int(rec["peringkat"]), num=True),
            _cell(rec.get("kode")),
            _cell(rec.get("nama")),
            _cell(rec.get("nama_kab")),
            _cell(fmt_number(rec.get("skor"), 1, t), num=True),
            _cell(class_label(rec.get("kelas"), t), color=colors.get(rec.get("kelas"))),
            _cell(percent(rec.get("prob_insiden"), t), num=True),
            _cell(fmt_number(rec.get("perubahan_skor"), 1, t, sign=True), num=True),
            _cell(drivers_text(rec.get("pendorong"), 3)),
        ]
        for rec in table.to_dict("records")
    ]


_RISK_HEADER = ("rank", "kode", "kecamatan", "kabupaten", "score", "class", "probability_short",
                "change", "drivers")  # fmt: skip


def _alerts_table(risk: pd.DataFrame, alerts: pd.DataFrame | None) -> pd.DataFrame:
    if alerts is None:
        if "peringatan" not in risk:
            return risk.iloc[0:0]
        flag = risk["peringatan"].map(lambda v: not is_missing(v) and bool(v)).astype(bool)
        alerts = risk[flag]
    elif "kode" in alerts:
        alerts = risk[risk["kode"].isin(alerts["kode"])]
    if "perubahan_skor" in alerts:
        return alerts.sort_values(["perubahan_skor", "kode"], ascending=[False, True])
    return alerts


def _with_forecast(risk: gpd.GeoDataFrame, forecast: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The risk table with the forecast columns joined by ``kode`` when given separately."""
    out = risk.assign(kelas=normalise_classes(risk["kelas"])) if "kelas" in risk else risk
    if forecast is None:
        return out
    cols = [c for c in forecast.columns if c != "kode" and c not in out.columns]
    if not cols:
        return out
    extra = pd.DataFrame(forecast).drop_duplicates("kode").set_index("kode")[cols]
    return out.join(extra, on="kode")


def _sources(sources: Sources | None) -> list[dict[str, Any]]:
    if not sources:
        return []
    items = sources.items() if isinstance(sources, Mapping) else sources
    out = []
    for item in items:
        name, detail = (item, "") if isinstance(item, str) else item
        out.append(
            {"layer": "", "path": str(name), "rows": "", "crs": "", "sha": "", "kind": "",
             "synthetic": False, "note": str(detail)}
        )  # fmt: skip
    return out


def _provenance(
    provenance: Sequence[Mapping[str, Any]] | None, t: dict[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for p in provenance or []:
        sha = str(p.get("sha256") or "")
        derived = "" if is_missing(p.get("derived_from")) else str(p.get("derived_from") or "")
        path = str(p.get("path") or "") or (
            f"({t['sources_derived']}: {derived})" if derived else ""
        )
        rows.append(
            {
                "layer": str(p.get("layer", "")),
                "path": path,
                "rows": fmt_int(p.get("rows"), t),
                "crs": "" if is_missing(p.get("crs")) else str(p.get("crs")),
                "sha": sha[:12],
                "kind": t["sources_synthetic"] if p.get("synthetic") else t["sources_real"],
                "synthetic": bool(p.get("synthetic")),
                "note": "" if is_missing(p.get("note")) else str(p.get("note")),
            }
        )
    return rows


def _missing_reason(reason: str, t: dict[str, Any]) -> tuple[str, bool]:
    """The engine's reason in the report's language (known patterns), and whether it was."""
    for key, label in t["missing_reasons"].items():
        if key.lower() in reason.lower():
            return label, True
    return reason, t["lang"] == "en"


def _limitations(
    missing: Mapping[str, str] | None,
    absent: list[str],
    risk: pd.DataFrame,
    synthetic: bool,
    t: dict[str, Any],
) -> dict[str, Any]:
    features = []
    for name, reason in sorted((missing or {}).items()):
        text, translated = _missing_reason(str(reason), t)
        features.append({"name": str(name), "reason": text, "translated": translated})
    low = 0
    if "keandalan" in risk:
        low = int((pd.to_numeric(risk["keandalan"], errors="coerce") < 0.5).sum())
    return {
        "features": features,
        "absent": [t["absent"][k] for k in absent],
        "low_reliability": low,
        "synthetic": synthetic,
        "n": len(features) + len(absent) + (1 if low else 0),
    }


def _watch_rows(
    watch: pd.DataFrame, t: dict[str, Any]
) -> tuple[list[str], list[list[dict[str, Any]]]]:
    """Header and cells of the brief's watch list (forecast columns only when present)."""
    colors = settings.map_class_colors
    cols: list[tuple[str, str | None]] = [("kecamatan", None), ("class", None)]
    if brief._has(watch, "ekspektasi_insiden"):
        cols.append(("expected_short", None))
    elif brief._has(watch, "prob_insiden"):
        cols.append(("probability", None))
    if brief._has(watch, "ekspektasi_hingga_pemilu"):
        cols.append(("expected_to_election", None))
    for key, col in (("trend", "tren_hotspot"), ("reliability", "keandalan")):
        if brief._has(watch, col):
            cols.append((key, col))
    cols.append(("reason", None))
    rows = []
    for i, rec in enumerate(watch.to_dict("records"), start=1):
        cells = []
        for key, _ in cols:
            if key == "kecamatan":
                cells.append(_cell(f"{i}. {rec.get('nama')} ({rec.get('nama_kab')})"))
            elif key == "class":
                cells.append(
                    _cell(class_label(rec.get("kelas"), t), color=colors.get(rec.get("kelas")))
                )
            elif key == "expected_short":
                cells.append(_cell(expected_text(rec, t), num=True))
            elif key == "probability":
                cells.append(_cell(percent(rec.get("prob_insiden"), t), num=True))
            elif key == "expected_to_election":
                cells.append(_cell(to_election_text(rec, t), num=True))
            elif key == "trend":
                cells.append(_cell(trend_label(rec.get("tren_hotspot"), t)))
            elif key == "reliability":
                cells.append(_cell(reliability_text(rec.get("keandalan"), t)))
            else:
                cells.append(_cell(brief.reason_text(rec, t)))
        rows.append(cells)
    return [t[k] for k, _ in cols], rows


def _forecast_value(col: str, rec: Mapping[str, Any], t: dict[str, Any]) -> str:
    if col == "ekspektasi_insiden":
        return expected_text(dict(rec), t)
    if col == "ekspektasi_hingga_pemilu":
        return to_election_text(dict(rec), t)
    if col == "tren_hotspot":
        return trend_label(rec.get(col), t)
    if col == "keandalan":
        return reliability_text(rec.get(col), t)
    if col == "prob_ganti_kelas":
        return percent(rec.get(col), t)
    return fmt_number(rec.get(col), 1, t)


def _forecast_rows(risk: pd.DataFrame, t: dict[str, Any]) -> dict[str, Any]:
    present = [c for c in brief.FORECAST_COLUMNS if brief._has(risk, c)]
    absent = [c for c in brief.FORECAST_COLUMNS if c not in present]
    top, _ = brief.watch_list(risk, _FORECAST_ROWS)
    header, rows = [t["kecamatan"], t["class"], t["probability"]], []
    keys = [("ekspektasi_insiden", "expected"), ("ekspektasi_hingga_pemilu", "expected_to_election"),
            ("tren_hotspot", "trend"), ("keandalan", "reliability"), ("prob_ganti_kelas", "class_change")]  # fmt: skip
    header += [t[k] for c, k in keys if c in present]
    colors = settings.map_class_colors
    for rec in top.to_dict("records"):
        cells = [
            _cell(f"{rec.get('nama')} ({rec.get('nama_kab')})"),
            _cell(class_label(rec.get("kelas"), t), color=colors.get(rec.get("kelas"))),
            _cell(percent(rec.get("prob_insiden"), t), num=True),
        ]
        for c, _ in keys:
            if c not in present:
                continue
            value = _forecast_value(c, rec, t)
            cells.append(_cell(value, num=c not in ("tren_hotspot", "keandalan")))
        rows.append(cells)
    return {
        "header": header,
        "rows": rows,
        "absent": absent,
        "has_forecast": "ekspektasi_insiden" in present,
    }


def _logistics_rows(status: brief.LogisticsStatus, t: dict[str, Any]) -> list[list[dict[str, Any]]]:
    rows = []
    for rec in status.rows.to_dict("records"):
        reason = rec.get("alasan")
        if is_missing(reason) or t["lang"] != "id":
            reason = t["reasons"][rec["kategori"]]
        rows.append(
            [
                _cell(rec.get("tujuan_kode")),
                _cell(rec.get("tujuan_nama")),
                _cell(rec.get("depot")),
                _cell(mode_label(rec.get("moda"), t)),
                _cell(fmt_int(rec.get("kotak"), t), num=True),
                _cell(status_label(rec.get("status"), t)),
                _cell(reason),
            ]
        )
    return rows


_LOGISTICS_HEADER = ("kode", "destination", "depot", "mode", "boxes", "status", "reason")


def build_report(
    risk: gpd.GeoDataFrame,
    *,
    as_of: Any = None,
    incidents: gpd.GeoDataFrame | None = None,
    alerts: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    plan: Any = None,
    logistics: Mapping[str, Any] | None = None,
    problems: pd.DataFrame | None = None,
    escorts: pd.DataFrame | None = None,
    personnel: pd.DataFrame | None = None,
    depots: gpd.GeoDataFrame | None = None,
    critical_links: gpd.GeoDataFrame | None = None,
    provenance: Sequence[Mapping[str, Any]] | None = None,
    sources: Sources | None = None,
    period: tuple[Any, Any] | None = None,
    missing: Mapping[str, str] | None = None,
    language: str | None = None,
    title: str | None = None,
    classification: str | None = None,
    run_date: Any = None,
) -> str:
    """Build the self-contained HTML report of one assessment.

    Parameters
    ----------
    risk : GeoDataFrame
        Risk table (``schema.RISK_COLUMNS``, plus the forecast columns of docs/INTERFACES.md
        when present) in any CRS.
    as_of : date, Timestamp or str
        Assessment date shown on every page (``ScoreResult.as_of``). Never replaced by today's
        date: without it the report says the date was not given.
    incidents : GeoDataFrame, optional
        Incidents (``schema.INCIDENT_COLUMNS``): the situation section and the map.
    alerts : DataFrame, optional
        Alert rows (``kode``); default: rows of ``risk`` with ``peringatan`` true.
    forecast : DataFrame, optional
        Forecast table with ``kode`` and forecast columns, joined when ``risk`` lacks them.
    routes : GeoDataFrame, optional
        Route table (``schema.ROUTE_COLUMNS``): map segments; the delivery status only when
        there is neither ``problems`` nor ``plan``.
    plan : DeliveryPlan, optional
        The delivery plan (``.trips``, ``.stops``, ``.unmet``): late desa and air sorties.
    logistics : mapping, optional
        ``LogisticsResult.summary()``: totals, boxes, cost, sorties.
    problems : DataFrame, optional
        ``LogisticsResult.problems()``: destinations late or cut off with the reason.
    escorts : DataFrame, optional
        Escort needs (``perlu_pengawalan``, ``personel_pengawal``, ``depot``).
    personnel : DataFrame, optional
        Personnel allocation (``kebutuhan``, ``alokasi``, ``kekurangan``).
    depots, critical_links : GeoDataFrame, optional
        Map layers.
    provenance : sequence of mapping, optional
        ``Layers.provenance``: one dict per file (``layer``, ``path``, ``sha256``, ``rows``,
        ``crs``, ``synthetic``, ``note``).
    sources : sequence or mapping, optional
        Further sources as text (name, detail), listed after the provenance.
    period : (date, date), optional
        First and last date of the data (default: the incident dates).
    missing : mapping, optional
        Features not computed and why (``ScoreResult.missing``).
    language : {"id", "en"}, optional
        Report language (default ``settings.language``).
    title : str, optional
        Report title (default from the locale).
    classification : str, optional
        Banner such as ``"TERBATAS"`` (default ``settings.report_classification``; empty: none).
    run_date : date or str, optional
        Former name of ``as_of``.

    Returns
    -------
    str
        The HTML document. It references no external resource (checked).
    """
    ctx = _context(
        risk, as_of=as_of if as_of is not None else run_date, incidents=incidents, alerts=alerts,
        forecast=forecast, routes=routes, plan=plan, logistics=logistics, problems=problems,
        escorts=escorts, personnel=personnel, depots=depots, critical_links=critical_links,
        provenance=provenance, sources=sources, period=period, missing=missing,
        language=language, title=title, classification=classification,
    )  # fmt: skip
    page = render_template("report.html.j2", **ctx)
    external = find_external_resources(page)
    if external:
        raise RuntimeError(f"the report still references external resources: {external[:5]}")
    return page


def _absent(kw: Mapping[str, Any], table: pd.DataFrame, parts: Mapping[str, Any]) -> list[str]:
    """Inputs the report was not given (listed under *Keterbatasan data*)."""
    have = {
        "incidents": kw["incidents"] is not None,
        "forecast": brief._has(table, "ekspektasi_insiden"),
        "logistics": parts["logistics"] is not None,
        "plan": kw["plan"] is not None or kw["problems"] is not None or parts["logistics"] is None,
        "personnel": parts["personnel"] is not None,
        "escorts": parts["escorts"] is not None,
        "provenance": bool(kw["provenance"]),
    }
    return [k for k, ok in have.items() if not ok]


def _logistics_context(kw: Mapping[str, Any], t: dict[str, Any]) -> dict[str, Any]:
    """Delivery status (from the plan), escorts, air sorties and personnel for the template."""
    status = brief.logistics_status(
        routes=kw["routes"], plan=kw["plan"], summary=kw["logistics"], problems=kw["problems"]
    )
    return {
        "logistics": status,
        "logistics_rows": _logistics_rows(status, t) if status is not None else [],
        "logistics_header": [t[k] for k in _LOGISTICS_HEADER],
        "logistics_reasons": [
            (status_label(s, t), t["reasons"][c], n) for s, c, n in status.reasons()
        ]
        if status is not None
        else [],
        "escorts": brief.escort_status(kw["escorts"]),
        "sorties": brief.air_sorties(kw["plan"], kw["logistics"]),
        "personnel": brief.personnel_status(kw["personnel"]),
    }


def _map_context(
    table: gpd.GeoDataFrame,
    watch: pd.DataFrame,
    status: brief.LogisticsStatus | None,
    kw: Mapping[str, Any],
    t: dict[str, Any],
    as_iso: str | None,
) -> dict[str, Any]:
    """The interactive map (screen) and the static map of the whole area (print), the static
    one drawn beside the other (:func:`kewaspadaan._beside.beside`: a forked child where the
    platform forks)."""
    from kewaspadaan._beside import beside

    def interactive() -> Any:
        m = risk_map(
            table, incidents=kw["incidents"], routes=kw["routes"], depots=kw["depots"],
            critical_links=kw["critical_links"],
            route_status=status.status_by_code() if status is not None else None,
            title=kw["title"] or t["map_title"], date=as_iso, language=t["lang"],
        )  # fmt: skip
        return render_map_parts(m)

    marks = {str(k): str(i) for i, k in enumerate(watch["kode"], 1)}
    parts, still = beside(
        lambda: static_map(table, depots=kw["depots"], marks=marks, language=t["lang"]),
        interactive,
        name="kewaspadaan-peta-cetak",
    )
    return {
        "static_map": Markup(still.data_uri()),
        "static_bounds": still.bounds_lonlat,
        "assets": Markup(offline_head()),
        "map_head": Markup(parts.head),
        "map_body": Markup(parts.body),
        "map_script": Markup(parts.script),
    }


def _risk_context(ranked: pd.DataFrame, alerts: pd.DataFrame, t: dict[str, Any]) -> dict[str, Any]:
    """Class counts, drivers, forecast, alert and ranking tables."""
    counts = ranked["kelas"].value_counts()
    classes = [
        {"id": c, "label": class_label(c, t), "color": settings.map_class_colors[c],
         "n": int(counts.get(c, 0))}
        for c in RISK_CLASSES
    ]  # fmt: skip
    return {
        "n_kecamatan": len(ranked),
        "classes": classes,
        "class_sentence": t["analysis_classes"].format(
            n=len(ranked), counts=", ".join(f"{c['n']} {c['label']}" for c in classes)
        ),
        "drivers": brief.drivers_among_rawan(ranked),
        "forecast": _forecast_rows(ranked, t),
        "alerts": alerts.to_dict("records"),
        "alerts_shown": _BRIEF_ROWS,
        "alert_header": [t[k] for k in _RISK_HEADER],
        "alert_rows": _risk_rows(alerts, t),
        "ranking_header": [t[k] for k in _RISK_HEADER],
        "ranking": _risk_rows(ranked, t),
    }


def _context(risk: gpd.GeoDataFrame, **kw: Any) -> dict[str, Any]:
    t = load_strings(kw["language"] or settings.language)
    table = _with_forecast(risk, kw["forecast"])
    ranked = _ranked(table)
    as_iso, as_text = format_date(kw["as_of"], t)
    period = brief.data_period(kw["incidents"], kw["period"])
    watch, watch_key = brief.watch_list(ranked)
    alerts = _alerts_table(ranked, kw["alerts"])
    logi = _logistics_context(kw, t)
    prov = _provenance(kw["provenance"], t) + _sources(kw["sources"])
    synthetic = any(p["synthetic"] for p in prov) or any(
        "sintetis" in p["note"].lower() or "synthetic" in p["note"].lower() for p in prov
    )
    limits = _limitations(kw["missing"], _absent(kw, table, logi), table, synthetic, t)
    recs = brief.recommendations(
        risk=table, watch=watch, alerts=alerts, logistics=logi["logistics"],
        escorts=logi["escorts"], sorties=logi["sorties"], personnel=logi["personnel"],
        n_limitations=limits["n"], t=t,
    )  # fmt: skip
    watch_header, watch_rows = _watch_rows(watch, t)
    banner = (
        settings.report_classification if kw["classification"] is None else kw["classification"]
    )
    return {
        "t": t,
        "version": __version__,
        "title": kw["title"] or t["report_title"],
        "classification": banner or "",
        "as_of_iso": as_iso,
        "as_of_text": as_text or t["as_of_missing"],
        "period_text": (
            f"{format_date(period[0], t)[1]} – {format_date(period[1], t)[1]}"
            if period
            else t["data_period_missing"]
        ),
        "synthetic": synthetic,
        "watch_note": t[f"brief_watch_by_{watch_key}"],
        "watch_header": watch_header,
        "watch_rows": watch_rows,
        "recommendations": recs,
        "brief_recommendations": recs[:_BRIEF_ROWS],
        "situation": brief.situation(kw["incidents"], ranked, as_iso, t),
        "limits": limits,
        "provenance": prov,
        "fmt_int": lambda v: fmt_int(v, t),
        **logi,
        **_risk_context(ranked, alerts, t),
        **_map_context(table, watch, logi["logistics"], kw, t, as_iso),
    }


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


def report_inputs(
    run_result: Any,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    layers: Any = None,
) -> dict[str, Any]:
    """Keyword arguments of :func:`build_report` from the result objects of a run.

    Parameters
    ----------
    run_result : kewaspadaan.pipeline.RunResult
        ``.score`` (``ScoreResult``: table, as_of, missing, alerts) and ``.logistics``
        (``LogisticsResult``: routes, plan, escorts, personnel, critical links and, when
        present, ``summary()`` and ``problems()``).
    incidents : GeoDataFrame, optional
        The incidents scored (``layers.incidents.incidents`` or ``load_incidents(...)``).
    layers : kewaspadaan.io.Layers, optional
        Depots (``gudang_kpu``), provenance and, when ``incidents`` is not given, the cached
        incident load (``layers.incidents``). Nothing is read from disk here.

    Returns
    -------
    dict
        ``risk`` and the keyword options: ``write_report(path, **report_inputs(result))``.
    """
    score = run_result.score
    out: dict[str, Any] = {
        "risk": score.table,
        "as_of": score.as_of,
        "missing": dict(getattr(score, "missing", {}) or {}),
    }
    if layers is None:
        layers = getattr(run_result, "layers", None)
    if incidents is None and layers is not None:
        load = getattr(layers, "incidents", None)
        incidents = getattr(load, "incidents", None) if load is not None else None
    out["incidents"] = incidents
    if layers is not None:
        out["depots"] = getattr(layers, "gudang_kpu", None)
        prov = getattr(layers, "provenance", None)
        prov = prov() if callable(prov) else prov
        out["provenance"] = list(prov) if prov else None
    period = getattr(run_result, "data_period", None)
    if callable(period) and period() is not None:
        out["period"] = period()
    logi = getattr(run_result, "logistics", None)
    if logi is not None:
        out.update(
            routes=logi.routes,
            plan=logi.plan,
            escorts=logi.escorts,
            personnel=logi.personnel,
            critical_links=logi.critical_links,
        )
        problems = getattr(logi, "problems", None)
        if callable(problems):
            out["problems"] = problems()
            out["logistics"] = logi.summary()
    return out
