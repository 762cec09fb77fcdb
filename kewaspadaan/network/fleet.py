"""The fleet table (``armada.csv``) and the vehicles it lists.

One row per owner and vehicle type:

============== ======================================================================
column         meaning
============== ======================================================================
kode_kab       kabupaten/kota of the KPU office that owns or hires the vehicles
moda           road | river | sea | air (must match the type's mode)
jenis          vehicle type (``settings.vehicle_types``: truk, pickup, kapal_sungai,
               speedboat, longboat, ketinting, kapal, pesawat_kecil, helikopter, or
               the user's own: then a generic vehicle of ``moda``)
jumlah         number of vehicles (whole, >= 0)
kapasitas_kotak boxes per trip (whole, >= 1; wins over the type's)
kode_kec       optional: the kecamatan whose PPK uses the vehicles (empty = the KPU
               kabupaten fleet)
pangkalan      optional: name of the node the vehicles start from (a helipad, a port,
               an airstrip): a hub where loads change vehicle; empty = the depot or PPK
muatan_kg      optional: payload per trip, kg (wins over the type's)
============== ======================================================================
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.network.modes import VehicleType, modes, vehicle_type
from kewaspadaan.schema import FLEET_COLUMNS as _FLEET_COLUMNS
from kewaspadaan.schema import FLEET_OPTIONAL_COLUMNS

__all__ = ["FLEET_COLUMNS", "FLEET_OPTIONAL", "Vehicle", "fleet_vehicles", "validate_fleet"]

logger = logging.getLogger(__name__)

#: Required columns of the fleet table.
FLEET_COLUMNS: tuple[str, ...] = _FLEET_COLUMNS
#: Optional columns (see the module doc).
FLEET_OPTIONAL: tuple[str, ...] = FLEET_OPTIONAL_COLUMNS


def validate_fleet(fleet: pd.DataFrame, *, source: str = "armada.csv") -> pd.DataFrame:
    """Check the fleet table; return it with clean types (every problem listed at once)."""
    missing = [c for c in FLEET_COLUMNS if c not in fleet]
    if missing:
        raise MissingColumnError(
            f"{source}: column(s) {missing} missing; the fleet needs "
            f"{list(FLEET_COLUMNS)} (one row per depot and vehicle type)"
        )
    f = pd.DataFrame(fleet).copy()
    f["kode_kab"] = f["kode_kab"].astype(str)
    for c in ("kode_kec", "pangkalan"):
        f[c] = f[c].fillna("").astype(str) if c in f else ""
    f["kode_kec"] = f["kode_kec"].replace({"nan": ""})
    f["muatan_kg"] = pd.to_numeric(f["muatan_kg"], errors="coerce") if "muatan_kg" in f else np.nan
    problems = []
    known = set(modes())
    for i in np.flatnonzero(~f["moda"].isin(sorted(known)).to_numpy()):
        problems.append(f"row {i + 1}: moda {f['moda'].iloc[i]!r} is not one of {sorted(known)}")
    for col, low in (("jumlah", 0), ("kapasitas_kotak", 1)):
        val = pd.to_numeric(f[col], errors="coerce")
        bad = val.isna() | (val < low) | (val != val.round())
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                f"row {i + 1}: {col}={f[col].iloc[i]!r} must be a whole number >= {low}"
            )
    problems.sort(key=lambda p: int(p.split(":")[0].split()[1]))
    if problems:
        raise ValidationError(source, problems)
    return f.astype({"jumlah": np.int64, "kapasitas_kotak": np.int64})


@dataclass(frozen=True)
class Vehicle:
    """One vehicle of the fleet.

    Attributes
    ----------
    name : str
        ``<owner>/<moda>/<jenis>#<n>`` (owner: ``kode_kab`` or ``kode_kec``).
    vt : VehicleType
        Its type (with the fleet row's capacity and payload).
    kode_kab, kode_kec : str
        Owner: the KPU kabupaten, or the PPK of ``kode_kec`` ("" for the KPU fleet).
    base : Any
        Node the vehicle starts from and returns to (``None`` = the problem's origin).
    base_name : str
        Name of that node ("" for the origin).
    """

    name: str
    vt: VehicleType
    kode_kab: str
    kode_kec: str
    base: Any
    base_name: str

    @property
    def capacity(self) -> int:
        """Boxes per trip, after the weight limit."""
        return self.vt.kapasitas_efektif


def _node_by_name(G: nx.MultiDiGraph) -> dict[str, Any]:
    rank = {"airstrip": 0, "port": 1, "depot": 2, "settlement": 3}
    found: dict[str, tuple[int, Any]] = {}
    for n, d in G.nodes(data=True):
        name = d.get("name")
        if name is None:
            continue
        r = rank.get(d.get("kind", ""), 9)
        if str(name) not in found or r < found[str(name)][0]:
            found[str(name)] = (r, n)
    return {k: v[1] for k, v in found.items()}


def fleet_vehicles(
    fleet: pd.DataFrame, G: nx.MultiDiGraph | None = None, *, source: str = "armada.csv"
) -> list[Vehicle]:
    """Every vehicle of the (validated) fleet table, with its type and base node."""
    f = validate_fleet(fleet, source=source)
    names = _node_by_name(G) if G is not None else {}
    out, problems = [], []
    types: dict[tuple[Any, ...], VehicleType] = {}
    for i, r in enumerate(f.itertuples(index=False)):
        base, base_name = None, ""
        if r.pangkalan:
            base_name = r.pangkalan
            base = names.get(r.pangkalan)
            if base is None:
                problems.append(
                    f"row {i + 1}: pangkalan {r.pangkalan!r} is not the name of a node of the "
                    "network (an airstrip, port, depot or settlement)"
                )
                continue
        key = (r.jenis, r.moda, int(r.kapasitas_kotak), r.muatan_kg)
        if key not in types:
            extra: dict[str, Any] = {}
            if pd.notna(r.muatan_kg):
                extra["muatan_kg"] = float(r.muatan_kg)
            types[key] = vehicle_type(
                r.jenis, moda=r.moda, kapasitas_kotak=r.kapasitas_kotak, **extra
            )
        owner = r.kode_kec or r.kode_kab
        for n in range(int(r.jumlah)):
            out.append(
                Vehicle(
                    name=f"{owner}/{r.moda}/{r.jenis}#{n + 1}",
                    vt=types[key],
                    kode_kab=r.kode_kab,
                    kode_kec=r.kode_kec,
                    base=base,
                    base_name=base_name,
                )
            )
    if problems:
        raise ValidationError(source, problems)
    zero = [v.name for v in out if v.capacity < 1]
    if zero:
        raise ValidationError(
            source,
            [f"{n}: payload below one box (settings.kg_per_kotak); raise muatan_kg" for n in zero],
        )
    return out
