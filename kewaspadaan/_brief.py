"""What a chief decides in five minutes: the content of the executive brief and of the
sections of the *laporan informasi dan rekomendasi*, computed from the run's tables.

Pure functions from tables to plain values (numbers, identifiers, short texts from the locale);
the template lays them out. Each states what it could not know: a missing input gives
``known=False`` (the brief then says it is absent), never a zero.

- :func:`watch_list` — kecamatan to watch, by forecast when the forecast columns exist;
- :func:`logistics_status` — destinations late or cut off *from the delivery plan* (its problems,
  or its stops and unmet demand), with the reasons; fastest routes only when there is no plan;
- :func:`personnel_status`, :func:`escort_status`, :func:`air_sorties`;
- :func:`situation` — incidents in the period, recent trend, types, kabupaten;
- :func:`recommendations` — sentences derived from all of the above.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kewaspadaan import settings
from kewaspadaan._labels import event_type_label, fmt_int, fmt_number, format_date, is_missing
from kewaspadaan._map_layers import drivers_text
from kewaspadaan.schema import RAWAN_CLASSES

__all__ = [
    "FORECAST_COLUMNS",
    "LogisticsStatus",
    "air_sorties",
    "escort_status",
    "logistics_status",
    "personnel_status",
    "reason_category",
    "recommendations",
    "situation",
    "watch_list",
]

#: Forecast columns of the risk table (docs/INTERFACES.md) the report uses when present.
FORECAST_COLUMNS = (
    "ekspektasi_insiden",
    "ekspektasi_hingga_pemilu",
    "ekspektasi_bawah80",
    "ekspektasi_atas80",
    "tren_hotspot",
    "keandalan",
    "prob_ganti_kelas",
)


def _has(df: pd.DataFrame | None, col: str) -> bool:
    return df is not None and col in df and bool(df[col].notna().any())


# ------------------------------------------------------------------------------------------
# Kecamatan to watch
# ------------------------------------------------------------------------------------------
def watch_list(risk: pd.DataFrame, n: int | None = None) -> tuple[pd.DataFrame, str]:
    """Top ``n`` kecamatan and the ordering used (``forecast``, ``probability`` or ``score``).

    By ``ekspektasi_insiden`` when the forecast is present, else ``prob_insiden``, else
    ``skor``; ties by score then code.
    """
    n = settings.report_watch_n if n is None else n
    key = next(
        (
            k
            for k, c in (("forecast", "ekspektasi_insiden"), ("probability", "prob_insiden"))
            if _has(risk, c)
        ),
        "score",
    )
    col = {"forecast": "ekspektasi_insiden", "probability": "prob_insiden", "score": "skor"}[key]
    order = risk.assign(_k=pd.to_numeric(risk[col], errors="coerce").fillna(-1.0))
    order = order.sort_values(["_k", "skor", "kode"], ascending=[False, False, True], kind="stable")
    return order.drop(columns="_k").head(n), key


def reason_text(rec: Mapping[str, Any], t: dict[str, Any]) -> str:
    """The reason a kecamatan is on the watch list, in the report's language."""
    parts = []
    drivers = drivers_text(rec.get("pendorong"), 3)
    if drivers:
        parts.append(drivers)
    change = rec.get("perubahan_skor")
    if (
        not is_missing(change)
        and bool(rec.get("peringatan"))
        and not is_missing(rec.get("peringatan"))
    ):
        parts.append(f"{t['change'].lower()} {fmt_number(change, 1, t, sign=True)}")
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------
# Logistics
# ------------------------------------------------------------------------------------------
@dataclass
class LogisticsStatus:
    """Delivery status of the destinations, from the best source available.

    ``source`` is ``"problems"`` (``LogisticsResult.problems()``), ``"plan"`` (the delivery
    plan's stops and unmet demand), ``"routes"`` (fastest routes, no fleet limit) or
    ``"summary"`` (counts only). ``rows`` holds the problem destinations with ``tujuan_kode``,
    ``tujuan_nama``, ``kode_kec``, ``depot``, ``status``, ``alasan``, ``kategori``, ``kotak``.
    """

    source: str
    n_total: int | None
    n_late: int
    n_unreachable: int
    boxes_short: float | None
    rows: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def n_on_time(self) -> int | None:
        if self.n_total is None:
            return None
        return self.n_total - self.n_late - self.n_unreachable

    def status_by_code(self) -> dict[str, str]:
        """Destination code → status of the problem destinations (for the map)."""
        return dict(zip(self.rows["tujuan_kode"].astype(str), self.rows["status"], strict=True))

    def reasons(self) -> list[tuple[str, str, int]]:
        """``(status, category, number of destinations)``, most frequent first."""
        if self.rows.empty:
            return []
        g = self.rows.groupby(["status", "kategori"], sort=True).size()
        return [
            (s, c, int(v)) for (s, c), v in g.sort_values(ascending=False, kind="stable").items()
        ]


def reason_category(reason: Any, status: Any = None) -> str:
    """Category of a delivery problem: ``fleet``, ``travel``, ``unreachable``, ``no_vehicle``,
    ``other`` (from the plan's ``alasan``)."""
    text = "" if is_missing(reason) else str(reason).lower()
    if status == "tidak_terjangkau" or "tidak terjangkau" in text or "unreachable" in text:
        return "unreachable"
    if "armada" in text or "fleet" in text:
        return "fleet"
    if "waktu tempuh" in text or "travel time" in text:
        return "travel"
    if "kendaraan" in text or "vehicle" in text:
        return "no_vehicle"
    return "other"


_PROBLEM_COLUMNS = ["tujuan_kode", "tujuan_nama", "kode_kec", "depot", "status", "alasan", "kotak"]


def _frame(rows: pd.DataFrame, routes: pd.DataFrame | None) -> pd.DataFrame:
    out = pd.DataFrame(rows).copy()
    if routes is not None and "tujuan_kode" in routes:
        info = pd.DataFrame(routes).drop(columns="geometry", errors="ignore")
        info = info.drop_duplicates("tujuan_kode").set_index("tujuan_kode")
        for col in ("tujuan_nama", "kode_kec", "depot", "waktu_tempuh_h", "moda"):
            if col in info and (col not in out or out[col].isna().all()):
                out[col] = out["tujuan_kode"].map(info[col])
    for col in _PROBLEM_COLUMNS:
        if col not in out:
            out[col] = None
    out["kategori"] = [
        reason_category(a, s) for a, s in zip(out["alasan"], out["status"], strict=True)
    ]
    order = out["status"].map({"tidak_terjangkau": 0, "terlambat": 1}).fillna(2)
    return (
        out.assign(_o=order)
        .sort_values(["_o", "tujuan_kode"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _from_plan(plan: Any, routes: pd.DataFrame | None) -> pd.DataFrame:
    unmet = pd.DataFrame(plan.unmet)
    if unmet.empty:
        return pd.DataFrame(columns=_PROBLEM_COLUMNS)
    status = [
        "tidak_terjangkau" if reason_category(a) == "unreachable" else "terlambat"
        for a in unmet["alasan"]
    ]
    return unmet.assign(status=status, kotak=unmet.get("kurang_kotak"))


def logistics_status(
    *,
    routes: pd.DataFrame | None = None,
    plan: Any = None,
    summary: Mapping[str, Any] | None = None,
    problems: pd.DataFrame | None = None,
) -> LogisticsStatus | None:
    """Destinations late or cut off, from ``problems``, else the plan, else the routes.

    Parameters
    ----------
    routes : DataFrame, optional
        Route table (``schema.ROUTE_COLUMNS``): names and depots of the destinations; the
        status itself only when there is neither problems nor plan.
    plan : DeliveryPlan, optional
        The delivery plan (``.unmet`` with ``alasan``, ``.stops``, ``.demand``).
    summary : mapping, optional
        ``LogisticsResult.summary()`` (keys of docs/INTERFACES.md): totals, cost, sorties.
    problems : DataFrame, optional
        ``LogisticsResult.problems()``: ``tujuan_kode``, ``tujuan_nama``, ``kode_kec``,
        ``status``, ``alasan``, ``kotak``.

    Returns
    -------
    LogisticsStatus or None
        None when no logistics input at all is given.
    """
    summ = dict(summary or {})
    if problems is not None:
        source, rows = "problems", _frame(problems, routes)
    elif plan is not None:
        source, rows = "plan", _frame(_from_plan(plan, routes), routes)
    elif routes is not None:
        from kewaspadaan._route_segments import route_status

        st = route_status(routes)
        bad = pd.DataFrame(routes[st != "tepat_waktu"]).drop(columns="geometry", errors="ignore")
        bad = bad.assign(status=st[st != "tepat_waktu"], alasan=None, kotak=None)
        source, rows = "routes", _frame(bad, routes)
        rows["kategori"] = [
            "unreachable" if s == "tidak_terjangkau" else "travel" for s in rows["status"]
        ]
    elif summ:
        source, rows = "summary", _frame(pd.DataFrame(columns=_PROBLEM_COLUMNS), None)
    else:
        return None
    n_total = summ.get("tujuan")
    if n_total is None:
        if routes is not None:
            n_total = len(routes)
        elif plan is not None:
            n_total = len(plan.demand)
    if source == "summary":
        n_late, n_cut = int(summ.get("terlambat", 0)), int(summ.get("tidak_terjangkau", 0))
    else:
        n_late = int((rows["status"] == "terlambat").sum())
        n_cut = int((rows["status"] == "tidak_terjangkau").sum())
    boxes = summ.get("kotak_tidak_terpenuhi")
    if boxes is None and plan is not None:
        boxes = float(pd.DataFrame(plan.unmet)["kurang_kotak"].sum())
    if boxes is None and source == "problems" and rows["kotak"].notna().any():
        boxes = float(pd.to_numeric(rows["kotak"], errors="coerce").sum())
    return LogisticsStatus(
        source,
        None if n_total is None else int(n_total),
        n_late,
        n_cut,
        None if boxes is None else float(boxes),
        rows,
        summ,
    )


def air_sorties(
    plan: Any = None, summary: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """Air sorties to book: total, destinations and depots (from the summary or the plan)."""
    if plan is not None and len(getattr(plan, "trips", [])):
        trips = plan.trips[plan.trips["moda"] == "air"]
        by_depot = trips.groupby("depot").size().sort_values(ascending=False)
        n = int(summary.get("sorti_helikopter", len(trips))) if summary else len(trips)
        dest = int(trips["jumlah_tujuan"].sum()) if "jumlah_tujuan" in trips else 0
        return {"n": n, "dest": dest, "depots": [(str(k), int(v)) for k, v in by_depot.items()]}
    if summary and summary.get("sorti_helikopter") is not None:
        return {"n": int(summary["sorti_helikopter"]), "dest": 0, "depots": []}
    return None


def escort_status(escorts: pd.DataFrame | None) -> dict[str, Any] | None:
    """Trips (or routes) needing an escort, officers, and the depot with the most."""
    if escorts is None or "perlu_pengawalan" not in escorts:
        return None
    need = escorts[escorts["perlu_pengawalan"].fillna(False).astype(bool)]
    depot = need["depot"].value_counts().index[0] if len(need) and "depot" in need else ""
    return {
        "n": len(need),
        "of": len(escorts),
        "officers": int(pd.to_numeric(need.get("personel_pengawal", 0), errors="coerce").sum()),
        "depot": str(depot),
        "per_trip": "trip_id" in escorts,
    }


def personnel_status(personnel: pd.DataFrame | None, k: int = 3) -> dict[str, Any] | None:
    """Need, allocation, shortfall, and the ``k`` kecamatan with the largest shortfall."""
    if personnel is None or "kebutuhan" not in personnel:
        return None
    attrs = personnel.attrs
    need = int(attrs.get("total_kebutuhan", personnel["kebutuhan"].sum()))
    alloc = int(attrs.get("total_alokasi", personnel["alokasi"].sum()))
    short = int(attrs.get("total_kekurangan", personnel["kekurangan"].sum()))
    top = personnel.sort_values(["kekurangan", "kode"], ascending=[False, True], kind="stable")
    top = top[top["kekurangan"] > 0].head(k)
    names = [
        (str(r.get("nama") or r["kode"]), int(r["kekurangan"])) for r in top.to_dict("records")
    ]
    return {"need": need, "alloc": alloc, "short": short, "top": names}


# ------------------------------------------------------------------------------------------
# Situation
# ------------------------------------------------------------------------------------------
def situation(
    incidents: pd.DataFrame | None, risk: pd.DataFrame, as_of: Any, t: dict[str, Any]
) -> dict[str, Any] | None:
    """Counts of the incident data: period, last 3 months against the 3 before, types and the
    kabupaten with most incidents in the last 12 months. None without incidents."""
    if incidents is None or "event_date" not in incidents or len(incidents) == 0:
        return None
    when = pd.to_datetime(incidents["event_date"], errors="coerce")
    end = pd.Timestamp(str(as_of)[:10]) if as_of is not None else when.max() + pd.Timedelta(days=1)
    ok = when.notna() & (when < end)
    recent = int((ok & (when >= end - pd.DateOffset(months=3))).sum())
    before = int(
        (
            ok & (when < end - pd.DateOffset(months=3)) & (when >= end - pd.DateOffset(months=6))
        ).sum()
    )
    types = (
        Counter(incidents.loc[ok, "event_type"].map(lambda v: event_type_label(v, t)))
        if "event_type" in incidents
        else Counter()
    )
    kab: list[tuple[str, int]] = []
    if "kode" in incidents and "nama_kab" in risk:
        names = risk.drop_duplicates("kode").set_index("kode")["nama_kab"]
        last = incidents.loc[ok & (when >= end - pd.DateOffset(months=12)), "kode"].map(names)
        kab = [(str(k), int(v)) for k, v in last.value_counts().head(3).items()]
    return {
        "n": int(ok.sum()),
        "start": format_date(when[ok].min(), t)[1] if ok.any() else "",
        "end": format_date(when[ok].max(), t)[1] if ok.any() else "",
        "recent": recent,
        "previous": before,
        "types": [(k, v) for k, v in types.most_common(3)],
        "kabupaten": kab,
    }


def data_period(incidents: pd.DataFrame | None, period: Any = None) -> tuple[Any, Any] | None:
    """``(first, last)`` date of the data: ``period`` when given, else the incident dates."""
    if period is not None:
        first, last = period
        return first, last
    if incidents is None or "event_date" not in incidents or len(incidents) == 0:
        return None
    when = pd.to_datetime(incidents["event_date"], errors="coerce").dropna()
    return (when.min(), when.max()) if len(when) else None


def drivers_among_rawan(risk: pd.DataFrame, k: int = 5) -> list[tuple[str, int]]:
    """The drivers named most often for kecamatan of class tinggi/sangat tinggi."""
    if "pendorong" not in risk:
        return []
    rawan = risk[risk["kelas"].isin(RAWAN_CLASSES)]
    counts: Counter[str] = Counter()
    for value in rawan["pendorong"].dropna():
        counts.update(s.strip() for s in str(value).split(";") if s.strip())
    return counts.most_common(k)


# ------------------------------------------------------------------------------------------
# Recommendations
# ------------------------------------------------------------------------------------------
def _names(values: list[str], k: int = 3) -> str:
    return ", ".join(values[:k]) + (" …" if len(values) > k else "")


def recommendations(
    *,
    risk: pd.DataFrame,
    watch: pd.DataFrame,
    alerts: pd.DataFrame,
    logistics: LogisticsStatus | None,
    escorts: dict[str, Any] | None,
    sorties: dict[str, Any] | None,
    personnel: dict[str, Any] | None,
    n_limitations: int,
    t: dict[str, Any],
) -> list[str]:
    """Recommendations derived from the results, most pressing first."""
    out: list[str] = []
    if len(watch):
        out.append(t["rec_watch"].format(names=_names(watch["nama"].astype(str).tolist())))
    if len(alerts):
        out.append(
            t["rec_alerts"].format(n=len(alerts), names=_names(alerts["nama"].astype(str).tolist()))
        )
    if "tren_hotspot" in risk:
        hot = risk[risk["tren_hotspot"].isin(("baru", "menguat"))].sort_values(
            "skor", ascending=False
        )
        if len(hot):
            out.append(t["rec_hotspot"].format(names=_names(hot["nama"].astype(str).tolist())))
    if escorts and escorts["n"]:
        key = "rec_escort" if escorts["per_trip"] else "rec_escort_routes"
        out.append(
            t[key].format(
                n=fmt_int(escorts["n"], t),
                officers=fmt_int(escorts["officers"], t),
                depot=escorts["depot"],
            )
        )
    if sorties and sorties["n"]:
        depots = ", ".join(f"{d} ({fmt_int(v, t)})" for d, v in sorties["depots"][:3])
        out.append(
            t["rec_heli"].format(
                n=fmt_int(sorties["n"], t), dest=fmt_int(sorties["dest"], t), depots=depots or "—"
            )
        )
    if logistics is not None and not logistics.rows.empty:
        rows = logistics.rows
        fleet = rows[rows["kategori"] == "fleet"]
        if len(fleet):
            depot, n = (
                fleet["depot"].value_counts().index[0],
                int(fleet["depot"].value_counts().iloc[0]),
            )
            out.append(t["rec_fleet"].format(depot=depot, n=fmt_int(n, t)))
        travel = rows[rows["kategori"] == "travel"]
        if len(travel):
            out.append(
                t["rec_travel"].format(
                    n=fmt_int(len(travel), t),
                    names=_names(travel["tujuan_nama"].astype(str).tolist()),
                )
            )
        cut = rows[rows["status"] == "tidak_terjangkau"]
        if len(cut):
            out.append(
                t["rec_unreachable"].format(
                    n=fmt_int(len(cut), t), names=_names(cut["tujuan_nama"].astype(str).tolist())
                )
            )
    if personnel and personnel["short"] > 0:
        out.append(
            t["rec_personnel"].format(
                short=fmt_int(personnel["short"], t),
                need=fmt_int(personnel["need"], t),
                alloc=fmt_int(personnel["alloc"], t),
            )
        )
    if n_limitations:
        out.append(t["rec_data"].format(n=n_limitations))
    return out or [t["rec_none"]]
