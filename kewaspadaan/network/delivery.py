"""The delivery plan as tables: trips, stops, unmet demand, per-destination status.

:class:`DeliveryPlan` is what :func:`~kewaspadaan.network.plan.plan_deliveries` returns. Every
figure in it comes from the simulated schedule (:func:`~kewaspadaan.network.schedule.simulate`):
arrival times, lateness, cost, vehicle-hours, helicopter sorties. For every destination
``demand = boxes on time + boxes late + boxes not delivered``; ``unmet`` lists the late and the
undelivered boxes with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kewaspadaan.schema import (
    DELIVERY_STATUS,
    PLAN_DESTINATION_COLUMNS,
    PLAN_STOP_COLUMNS,
    PLAN_TRIP_COLUMNS,
    PLAN_UNMET_COLUMNS,
)

TRIP_COLUMNS = PLAN_TRIP_COLUMNS
STOP_COLUMNS = PLAN_STOP_COLUMNS
UNMET_COLUMNS = PLAN_UNMET_COLUMNS
DESTINATION_COLUMNS = PLAN_DESTINATION_COLUMNS

__all__ = [
    "DESTINATION_COLUMNS",
    "STOP_COLUMNS",
    "TRIP_COLUMNS",
    "UNMET_COLUMNS",
    "DeliveryPlan",
]


@dataclass
class DeliveryPlan:
    """Result of :func:`~kewaspadaan.network.plan.plan_deliveries`.

    Attributes
    ----------
    trips : DataFrame
        :data:`TRIP_COLUMNS`.
    stops : DataFrame
        :data:`STOP_COLUMNS`.
    unmet : DataFrame
        :data:`UNMET_COLUMNS`: boxes not delivered by the deadline (late or never), per
        destination and echelon, with the reason.
    destinations : DataFrame
        :data:`DESTINATION_COLUMNS`.
    demand : Series
        Boxes wanted per destination code.
    echelons : str
        ``ppk`` or ``langsung``.
    stats : list of dict
        Per sub-problem: ``nama``, ``tingkat``, ``planner`` and the solver's statistics.
    """

    trips: pd.DataFrame
    stops: pd.DataFrame
    unmet: pd.DataFrame
    destinations: pd.DataFrame
    demand: pd.Series = field(repr=False)
    echelons: str = "langsung"
    stats: list[dict[str, Any]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Stops joined with their trip (one row per stop): ``rencana_pengiriman.csv``."""
        cols = [
            "trip_id",
            "asal",
            "depot",
            "kendaraan",
            "jenis",
            "moda",
            "kapasitas_kotak",
            "berangkat",
            "kembali",
            "biaya_rp",
        ]
        out = self.stops.merge(self.trips[cols], on="trip_id", how="left")
        order = [
            "trip_id",
            "tingkat",
            "asal",
            "depot",
            "kendaraan",
            "moda",
            "jenis",
            "kapasitas_kotak",
            "berangkat",
            "urutan",
            "tujuan_kode",
            "tujuan_nama",
            "kode_kec",
            "muatan_kotak",
            "tiba",
            "tenggat",
            "terlambat",
            "status",
            "kembali",
            "biaya_rp",
        ]
        return out[order]

    def per_depot(self) -> list[dict[str, Any]]:
        """Cost, vehicle-hours, trips, sorties, boxes late and unmet per KPU depot."""
        rows = []
        dest = self.destinations
        for depot in sorted(set(self.trips["depot"]) | set(dest["depot"].dropna())):
            t = self.trips[self.trips["depot"] == depot]
            d = dest[dest["depot"] == depot]
            rows.append(
                {
                    "depot": str(depot),
                    "perjalanan": len(t),
                    "biaya_rp": round(float(t["biaya_rp"].sum()), 0),
                    "jam_kendaraan": round(float(t["jam_kendaraan"].sum()), 2),
                    "sorti_helikopter": int((t["jenis"] == "helikopter").sum()),
                    "kotak_permintaan": int(d["permintaan_kotak"].sum()),
                    "kotak_terlambat": int(d["terlambat_kotak"].sum()),
                    "kotak_tidak_terpenuhi": int(
                        d["terlambat_kotak"].sum() + d["tidak_terkirim_kotak"].sum()
                    ),
                    "tujuan_terlambat": int((d["status"] == DELIVERY_STATUS[1]).sum()),
                    "tujuan_tidak_terjangkau": int((d["status"] == DELIVERY_STATUS[2]).sum()),
                }
            )
        return rows

    def summary(self) -> dict[str, Any]:
        """Totals from the plan: trips, boxes on time / late / not delivered, cost,
        vehicle-hours, helicopter sorties, destinations late and cut off, per depot."""
        d = self.destinations
        late = int(d["terlambat_kotak"].sum())
        never = int(d["tidak_terkirim_kotak"].sum())
        return {
            "perjalanan": len(self.trips),
            "permintaan_kotak": int(d["permintaan_kotak"].sum()),
            "tepat_waktu_kotak": int(d["tepat_waktu_kotak"].sum()),
            "terlambat_kotak": late,
            "tidak_terkirim_kotak": never,
            "kurang_kotak": late + never,
            "tujuan_tidak_terpenuhi": int((d["status"] != DELIVERY_STATUS[0]).sum()),
            "tujuan_terlambat": int((d["status"] == DELIVERY_STATUS[1]).sum()),
            "tujuan_tidak_terjangkau": int((d["status"] == DELIVERY_STATUS[2]).sum()),
            "biaya_rp": round(float(self.trips["biaya_rp"].sum()), 0),
            "jam_kendaraan": round(float(self.trips["jam_kendaraan"].sum()), 2),
            "sorti_helikopter": int((self.trips["jenis"] == "helikopter").sum()),
            "tingkat": self.echelons,
        }

    def sorties(self, jenis: str = "helikopter") -> pd.DataFrame:
        """Sorties (trips) of vehicles of type ``jenis`` per destination and echelon:
        ``tujuan_kode``, ``tujuan_nama``, ``tingkat``, ``sorti``, ``kotak``."""
        t = self.trips.loc[self.trips["jenis"] == jenis, ["trip_id"]]
        s = self.stops.merge(t, on="trip_id")
        if s.empty:
            return pd.DataFrame(columns=["tujuan_kode", "tujuan_nama", "tingkat", "sorti", "kotak"])
        g = s.groupby(["tujuan_kode", "tujuan_nama", "tingkat"], sort=True)
        out = g.agg(sorti=("trip_id", "nunique"), kotak=("muatan_kotak", "sum")).reset_index()
        return out


def status_of(delivered_on_time: int, late: int, never: int, reachable: bool) -> str:
    """``tepat_waktu`` / ``terlambat`` / ``tidak_terjangkau`` of one destination."""
    if never > 0 and not reachable:
        return DELIVERY_STATUS[2]
    if late > 0 or never > 0:
        return DELIVERY_STATUS[1]
    return DELIVERY_STATUS[0]


def empty_frame(cols: tuple[str, ...]) -> pd.DataFrame:
    """An empty table with these columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def nan_to_none(v: Any) -> Any:
    """NaN → None (for JSON)."""
    return None if isinstance(v, float) and np.isnan(v) else v
