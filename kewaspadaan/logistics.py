"""Election logistics end to end: network, routes, delivery plan, critical links, escorts.

:func:`logistics` computes; it writes nothing. The :class:`LogisticsResult` it returns holds
every table and writes them only when asked (:meth:`LogisticsResult.write`). What it reports
as late or unmet comes from the delivery plan (the simulated schedule of real vehicles on their
operating hours), not from the fastest routes; without a fleet there is no plan and the
fastest routes are all it can say (``summary()["sumber_status"]`` tells which).

Closures are plain data (:class:`kewaspadaan.network.Closure`): edge or feature ids, node
names, modes or named scenarios (``surut``, ``riam_ditutup``, ``tanpa_udara``, ``jalan_saja``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan._errors import KewaspadaanWarning
from kewaspadaan._io_utils import write_table
from kewaspadaan.schema import DELIVERY_STATUS, PROBLEM_COLUMNS

__all__ = [
    "NETWORK_LAYERS",
    "LogisticsResult",
    "PreparedLogistics",
    "logistics",
    "network_layers",
    "prepare_logistics",
]

logger = logging.getLogger(__name__)

#: Layers the network builder uses, by their name in :class:`kewaspadaan.io.Layers`.
NETWORK_LAYERS = (
    "jalan",
    "sungai",
    "pelabuhan",
    "bandara",
    "permukiman",
    "gudang_kpu",
    "provinsi",
    "desa",
    "kecamatan",
    "armada",
)

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    return None


def network_layers(layers: Any) -> dict[str, Any]:
    """The layers :func:`kewaspadaan.network.build_network` uses, as a name → table mapping."""
    if isinstance(layers, Mapping):
        return {k: v for k, v in layers.items() if v is not None}
    return {
        name: getattr(layers, name)
        for name in NETWORK_LAYERS
        if getattr(layers, name, None) is not None
    }


@dataclass
class LogisticsResult:
    """Everything :func:`logistics` produced (nothing is written until :meth:`write`).

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        The multimodal network (with the closures applied).
    routes : GeoDataFrame
        :data:`kewaspadaan.schema.ROUTE_COLUMNS` plus ``status`` (``schema.DELIVERY_STATUS``),
        one row per destination. With a plan, ``tiba``, ``terlambat``, ``terjangkau`` and
        ``status`` are the plan's; ``waktu_tempuh_h``, ``moda`` and ``tiba_tercepat`` are the
        fastest route's (no operating hours, no fleet).
    critical_links : GeoDataFrame
        Links whose closure cuts off or delays the most TPS (every mode).
    critical_links_road : GeoDataFrame or None
        The same on the road network alone (scenario ``jalan_saja``).
    disruption : DataFrame or None
        Before/after report of the closures.
    plan : DeliveryPlan or None
        Vehicle trips; ``None`` when the data hold no fleet (``armada``).
    escorts : DataFrame or None
        Escorts per trip (rawan kecamatan with a risk table, riam hazards with a plan).
    personnel : DataFrame or None
        Allocation of security personnel (when ``officers`` was given).
    closure : Closure
        What was closed.
    """

    graph: nx.MultiDiGraph
    routes: gpd.GeoDataFrame
    critical_links: gpd.GeoDataFrame
    critical_links_road: gpd.GeoDataFrame | None = None
    disruption: pd.DataFrame | None = None
    plan: Any = None
    escorts: pd.DataFrame | None = None
    personnel: pd.DataFrame | None = None
    closure: Any = None
    options: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The figures the CLI, ``ringkasan.json`` and the report show (keys of
        ``docs/INTERFACES.md``): ``tujuan``, ``terjangkau``, ``tidak_terjangkau``,
        ``terlambat`` (from the plan), ``kotak_permintaan``, ``kotak_tidak_terpenuhi``,
        ``biaya_rp``, ``jam_kendaraan``, ``sorti_helikopter``, ``per_depot``, and more."""
        r = self.routes
        status = r["status"].astype(str)
        out: dict[str, Any] = {
            "tujuan": len(r),
            "terjangkau": int((status != DELIVERY_STATUS[2]).sum()),
            "tidak_terjangkau": int((status == DELIVERY_STATUS[2]).sum()),
            "terlambat": int((status == DELIVERY_STATUS[1]).sum()),
            "sumber_status": "rencana" if self.plan is not None else "rute_tercepat",
        }
        if self.plan is not None:
            s = self.plan.summary()
            out.update(
                kotak_permintaan=s["permintaan_kotak"],
                kotak_tepat_waktu=s["tepat_waktu_kotak"],
                kotak_terlambat=s["terlambat_kotak"],
                kotak_tidak_terkirim=s["tidak_terkirim_kotak"],
                kotak_tidak_terpenuhi=s["kurang_kotak"],
                biaya_rp=s["biaya_rp"],
                jam_kendaraan=s["jam_kendaraan"],
                sorti_helikopter=s["sorti_helikopter"],
                perjalanan=s["perjalanan"],
                tingkat=s["tingkat"],
                per_depot=self.plan.per_depot(),
            )
        else:
            kotak = pd.to_numeric(r.get("tps"), errors="coerce").fillna(0) * settings.kotak_per_tps
            bad = status != DELIVERY_STATUS[0]
            out.update(
                kotak_permintaan=int(kotak.sum()),
                kotak_tidak_terpenuhi=int(kotak[bad].sum()),
                biaya_rp=None,
                jam_kendaraan=None,
                sorti_helikopter=0,
                per_depot=[],
            )
        reach = r["terjangkau"].astype(bool)
        out["moda"] = {
            str(k): int(v) for k, v in r.loc[reach, "moda"].value_counts().sort_index().items()
        }
        out["muka_air"] = self.graph.graph.get("water_stage")
        out["penutupan"] = self.closure.describe() if self.closure is not None else ""
        if self.critical_links is not None and len(self.critical_links):
            out["tautan_memutus_tps"] = int((self.critical_links["tujuan_terputus"] > 0).sum())
        if self.personnel is not None:
            out["personel_kebutuhan"] = int(self.personnel.attrs.get("total_kebutuhan", 0))
            out["personel_kekurangan"] = int(self.personnel.attrs.get("total_kekurangan", 0))
        return out

    def problems(self) -> pd.DataFrame:
        """Destinations late or cut off: ``schema.PROBLEM_COLUMNS`` (``tujuan_kode``,
        ``tujuan_nama``, ``kode_kec``, ``status``, ``alasan``, ``kotak``, ``tingkat``)."""
        if self.plan is not None:
            u = self.plan.unmet
            out = pd.DataFrame(
                {
                    "tujuan_kode": u["tujuan_kode"],
                    "tujuan_nama": u["tujuan_nama"],
                    "kode_kec": u["kode_kec"],
                    "status": u["status"],
                    "alasan": u["alasan"],
                    "kotak": u["kurang_kotak"].astype(int),
                    "tingkat": u["tingkat"],
                }
            )
        else:
            r = pd.DataFrame(self.routes.drop(columns="geometry"))
            r = r[r["status"] != DELIVERY_STATUS[0]]
            kotak = pd.to_numeric(r.get("tps"), errors="coerce").fillna(0) * settings.kotak_per_tps
            out = pd.DataFrame(
                {
                    "tujuan_kode": r["tujuan_kode"],
                    "tujuan_nama": r["tujuan_nama"],
                    "kode_kec": r.get("kode_kec"),
                    "status": r["status"],
                    "alasan": np.where(
                        r["status"] == DELIVERY_STATUS[2],
                        "tidak terjangkau jaringan dari depot",
                        "rute tercepat tiba setelah tenggat (tanpa rencana armada)",
                    ),
                    "kotak": kotak.astype(int),
                    "tingkat": "pps",
                }
            )
        order = {s: i for i, s in enumerate(DELIVERY_STATUS)}
        out = out.assign(_o=out["status"].map(order)).sort_values(
            ["_o", "tujuan_kode"], kind="stable"
        )
        return out.drop(columns="_o").reset_index(drop=True)[list(PROBLEM_COLUMNS)]

    def to_frame(self) -> pd.DataFrame:
        """One row per destination (the routes without geometry, with the plan's status)."""
        return pd.DataFrame(self.routes.drop(columns="geometry"))

    def sorties(self) -> pd.DataFrame:
        """Helicopter sorties per destination and echelon (empty without a plan)."""
        if self.plan is None:
            return pd.DataFrame(columns=["tujuan_kode", "tujuan_nama", "tingkat", "sorti", "kotak"])
        return self.plan.sorties()

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write every table atomically into ``out_dir``; return ``{name: path}``."""
        out = Path(out_dir)
        r = self.routes
        paths = {
            "rute": write_table(r, out / "rute.gpkg"),
            "rute_csv": write_table(pd.DataFrame(r.drop(columns="geometry")), out / "rute.csv"),
            "rute_peta": write_table(r[r.geometry.notna()], out / "rute.geojson"),
            "masalah_logistik": write_table(self.problems(), out / "masalah_logistik.csv"),
        }
        for name, table in (
            ("tautan_kritis", self.critical_links),
            ("tautan_kritis_jalan", self.critical_links_road),
        ):
            if table is None:
                continue
            paths[name] = write_table(table, out / f"{name}.gpkg")
            paths[f"{name}_csv"] = write_table(
                pd.DataFrame(table.drop(columns="geometry")), out / f"{name}.csv"
            )
        if self.disruption is not None:
            paths["gangguan"] = write_table(self.disruption, out / "gangguan.csv")
        if self.plan is not None:
            paths["rencana_pengiriman"] = write_table(
                self.plan.to_frame(), out / "rencana_pengiriman.csv"
            )
            paths["perjalanan"] = write_table(self.plan.trips, out / "perjalanan.csv")
            paths["kebutuhan_tidak_terpenuhi"] = write_table(
                self.plan.unmet, out / "kebutuhan_tidak_terpenuhi.csv"
            )
            paths["sorti_helikopter"] = write_table(self.sorties(), out / "sorti_helikopter.csv")
        if self.escorts is not None:
            paths["pengawalan"] = write_table(self.escorts, out / "pengawalan.csv")
        if self.personnel is not None:
            paths["alokasi_personel"] = write_table(self.personnel, out / "alokasi_personel.csv")
        return paths

    def explore(self, **kwargs: Any) -> Any:
        """An interactive folium map of the routes by status and the critical links
        (``GeoDataFrame.explore``; keyword arguments go to the routes layer)."""
        r = self.routes[self.routes.geometry.notna()]
        m = r.explore(column="status", tooltip=["tujuan_nama", "status", "moda"], **kwargs)
        if self.critical_links is not None and len(self.critical_links):
            self.critical_links[self.critical_links.geometry.notna()].explore(
                m=m, color="black", tooltip=["peringkat", "nama", "tps_terputus"]
            )
        return m


def _closure(close: Any, G: nx.MultiDiGraph) -> tuple[Any, Any]:
    """(Closure, legacy callable or None)."""
    from kewaspadaan.network import Closure

    if close is None:
        return Closure(), None
    if callable(close) and not isinstance(close, Closure):
        warnings.warn(
            "logistics(close=<function>) is deprecated: pass the closure as data, e.g. "
            "close='surut' or close={'ids': ['J12'], 'nodes': ['Bandara X']}",
            KewaspadaanWarning,
            stacklevel=3,
        )
        return Closure(), close
    return Closure.from_value(close, G), None


def _final_routes(routes: gpd.GeoDataFrame, plan: Any) -> gpd.GeoDataFrame:
    """Routes with the plan's arrival, lateness and status (fastest-route values kept aside)."""
    out = routes.copy()
    out["tiba_tercepat"] = out["tiba"]
    out["terjangkau_jaringan"] = out["terjangkau"].astype(bool)
    if plan is None:
        out["status"] = np.where(
            ~out["terjangkau"].astype(bool),
            DELIVERY_STATUS[2],
            np.where(out["terlambat"].astype(bool), DELIVERY_STATUS[1], DELIVERY_STATUS[0]),
        )
        return out
    d = plan.destinations.set_index("tujuan_kode")
    code = out["tujuan_kode"].astype(str)
    out["status"] = code.map(d["status"]).fillna(DELIVERY_STATUS[2])
    out["tiba"] = pd.to_datetime(code.map(d["tiba"]))
    out["terjangkau"] = out["status"] != DELIVERY_STATUS[2]
    out["terlambat"] = out["status"] != DELIVERY_STATUS[0]
    out["moda_rencana"] = code.map(d["moda"]).fillna("")
    out["sorti_helikopter"] = code.map(d["sorti_helikopter"]).fillna(0).astype(int)
    out["alasan"] = code.map(d["alasan"]).fillna("")
    geom = out.pop("geometry")
    return gpd.GeoDataFrame(out.assign(geometry=geom), geometry="geometry", crs=routes.crs)


def logistics(
    layers: Any,
    *,
    risk: pd.DataFrame | None = None,
    level: str = "desa",
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    close: Any = None,
    officers: int | None = None,
    top: int = 20,
    network_options: Mapping[str, Any] | None = None,
    planner: str = "ortools",
    echelons: str | None = None,
    time_budget_s: float | None = None,
    water_stage: str | None = None,
    road_scenario: bool = True,
    step: Step = _no_step,
) -> LogisticsResult:
    """Plan election logistics on the multimodal network (writes nothing).

    Parameters
    ----------
    layers : kewaspadaan.io.Layers or mapping
        Network layers (roads, rivers, ports, airstrips, settlements, KPU warehouses, fleet,
        units, a polygon layer for the coast); see :func:`network_layers`.
    risk : DataFrame, optional
        Risk table with ``kode`` and ``kelas``: adds hours through kecamatan of class
        tinggi/sangat tinggi, escorts and personnel.
    level : {"desa", "kecamatan"}, default "desa"
        Destinations.
    departure, deadline : str or Timestamp, optional
        Departure from the warehouses and the desa deadline (defaults: settings, H-5 06:00 and
        H-1 18:00; the PPK deadline is ``settings.ppk_deadline_*``).
    close : Closure, mapping, str or list, optional
        Closures as data (:meth:`kewaspadaan.network.Closure.from_value`): a scenario name
        (``"surut"``), ids and node names (``"J12,Bandara Datah Dawai"``) or a mapping
        ``{"ids": [...], "nodes": [...], "modes": [...], "scenarios": [...]}``. The result's
        ``disruption`` compares routes before and after. (A function still works, with a
        deprecation warning.)
    officers : int, optional
        Security personnel to allocate across kecamatan (needs ``risk``).
    top : int, default 20
        Critical links listed.
    network_options : mapping, optional
        Keyword arguments of :func:`kewaspadaan.network.build_network` (e.g.
        ``{"default_navigasi": "kecil", "riam_reaches": riam_reaches()}``).
    planner : {"ortools", "savings"}, default "ortools"
        The delivery planner (:func:`kewaspadaan.network.plan_deliveries`).
    echelons : {"ppk", "langsung", "auto"}, optional
        Echelons of the plan (default ``settings.plan_echelons``).
    time_budget_s : float, optional
        Solver time cap (default ``settings.plan_time_budget_s``).
    water_stage : str, optional
        ``normal``, ``surut``, ``banjir`` or ``auto`` (default ``settings.water_stage``).
    road_scenario : bool, default True
        Also rank critical links on the road network alone.
    step : callable, optional
        Called with a short label after each stage (progress display).

    Returns
    -------
    LogisticsResult
    """
    prep = prepare_logistics(
        layers,
        level=level,
        departure=departure,
        deadline=deadline,
        close=close,
        top=top,
        network_options=network_options,
        planner=planner,
        echelons=echelons,
        time_budget_s=time_budget_s,
        water_stage=water_stage,
        road_scenario=road_scenario,
        step=step,
    )
    return prep.finish(risk=risk, officers=officers, step=step)


@dataclass
class PreparedLogistics:
    """What the logistics computes before the risk is known: the network, the destinations,
    the closure, the delivery plan and the critical links (:func:`prepare_logistics`).
    :meth:`finish` adds the routes with their hours in rawan kecamatan, the escorts and the
    personnel once the risk table exists, so the risk score and this part can run at the same
    time (:func:`kewaspadaan.pipeline.run`)."""

    layers: dict[str, Any]
    graph: nx.MultiDiGraph
    closed: nx.MultiDiGraph
    destinations: pd.DataFrame
    closure: Any
    legacy: Any
    plan: Any
    critical_links: gpd.GeoDataFrame
    critical_links_road: gpd.GeoDataFrame | None
    departure: str | pd.Timestamp | None
    deadline: str | pd.Timestamp | None
    planner: str
    level: str

    def finish(
        self,
        *,
        risk: pd.DataFrame | None = None,
        officers: int | None = None,
        step: Step = _no_step,
    ) -> LogisticsResult:
        """Routes (with ``risk``: hours through kecamatan of class tinggi/sangat tinggi),
        the disruption report, escorts and personnel: the :class:`LogisticsResult`."""
        from kewaspadaan import network as net

        dest, dep, end = self.destinations, self.departure, self.deadline
        routes = net.route_all(
            self.closed, destinations=dest, risk=risk, departure=dep, deadline=end
        )
        disruption = None
        if self.legacy is not None or not self.closure.empty:
            before = net.route_all(self.graph, destinations=dest, departure=dep, deadline=end)
            disruption = net.disruption_report(before, routes)
        step("rute")
        return LogisticsResult(
            graph=self.closed,
            routes=_final_routes(routes, self.plan),
            critical_links=self.critical_links,
            critical_links_road=self.critical_links_road,
            disruption=disruption,
            plan=self.plan,
            escorts=_escorts(net, routes, self.plan, risk),
            personnel=_personnel(net, self.layers, risk, officers),
            closure=self.closure,
            options={"planner": self.planner, "level": self.level},
        )


def prepare_logistics(
    layers: Any,
    *,
    level: str = "desa",
    departure: str | pd.Timestamp | None = None,
    deadline: str | pd.Timestamp | None = None,
    close: Any = None,
    top: int = 20,
    network_options: Mapping[str, Any] | None = None,
    planner: str = "ortools",
    echelons: str | None = None,
    time_budget_s: float | None = None,
    water_stage: str | None = None,
    road_scenario: bool = True,
    step: Step = _no_step,
) -> PreparedLogistics:
    """The part of :func:`logistics` that does not need the risk table (same parameters);
    :meth:`PreparedLogistics.finish` completes it."""
    from kewaspadaan import network as net

    if level not in ("desa", "kecamatan"):
        raise ValueError(f"level must be 'desa' or 'kecamatan', not {level!r}")
    lay = network_layers(layers)
    opts = dict(network_options or {})
    if water_stage is not None:
        opts["water_stage_name"] = water_stage
    G = net.build_network(lay, **opts)
    step("jaringan")
    dest = net.destination_table(G, level, units=lay.get(level))
    closure, legacy = _closure(close, G)
    Gc = legacy(G) if legacy is not None else closure.apply(G)
    plan = None
    if lay.get("armada") is not None:
        plan = net.plan_deliveries(
            Gc,
            lay["armada"],
            destinations=dest,
            departure=departure,
            deadline=deadline,
            planner=planner,
            echelons=echelons,
            time_budget_s=time_budget_s,
        )
    else:
        logger.warning("no fleet layer (armada): no delivery plan, status from fastest routes")
    step("rencana")
    critical = net.critical_links(
        Gc, destinations=dest, top=top, departure=departure, deadline=deadline
    )
    critical_road = None
    if road_scenario:
        critical_road = net.critical_links(
            Gc,
            destinations=dest,
            top=top,
            departure=departure,
            deadline=deadline,
            scenario="jalan_saja",
        )
    step("tautan kritis")
    return PreparedLogistics(
        layers=lay,
        graph=G,
        closed=Gc,
        destinations=dest,
        closure=closure,
        legacy=legacy,
        plan=plan,
        critical_links=critical,
        critical_links_road=critical_road,
        departure=departure,
        deadline=deadline,
        planner=planner,
        level=level,
    )


def _escorts(net: Any, routes: pd.DataFrame, plan: Any, risk: pd.DataFrame | None) -> Any:
    if plan is None:
        return net.escort_needs(routes) if risk is not None else None
    riam = plan.trips.loc[plan.trips["bahaya_riam"].astype(bool), "trip_id"].tolist()
    if risk is None and not riam:
        return None
    return net.escort_needs(routes if risk is not None else None, plan=plan, riam_trips=riam)


def _personnel(
    net: Any, lay: Mapping[str, Any], risk: pd.DataFrame | None, officers: int | None
) -> Any:
    if officers is None:
        return None
    if risk is None:
        raise ValueError("officers= needs a risk table (risk=) to allocate by risk class")
    kec = lay.get("kecamatan")
    tps = kec[["kode", "tps"]] if kec is not None and "tps" in kec else None
    return net.allocate_personnel(risk, total_officers=officers, tps=tps)
