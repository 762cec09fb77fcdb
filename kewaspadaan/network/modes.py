"""The registry of transport modes and vehicle types, and the operating-hours clock.

A **mode** (:class:`Mode`) says which layer holds its lines, which node kinds its vehicles load
and unload at, and its default operating hours. A **vehicle type** (:class:`VehicleType`) says
what one vehicle carries (boxes and kg), how fast it goes on which classes of line, whether it
passes riam (rapids), what runway it needs, how long a sortie may last and what it costs.

Adding a mode is one :func:`register_mode` call (plus its speeds in
``settings.network_speeds_kmh`` and, for a line layer, its file in ``schema.DEMO_FILES``);
adding a vehicle type is one entry of ``settings.vehicle_types`` (TOML ``[network]
vehicle_types``) — the builder, the per-vehicle travel times and the planner read these.

Operating hours (:class:`WorkClock`): vehicles of a mode move only inside a daily window (local
time, WITA for Kalimantan Timur). A road or river vehicle still under way when the window
closes stops for the night and goes on when it opens (a boat moors at a village); an aircraft
never starts a leg it cannot finish inside the window.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError

__all__ = [
    "Mode",
    "VehicleType",
    "WorkClock",
    "get_mode",
    "modes",
    "register_mode",
    "vehicle_type",
    "vehicle_types",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mode:
    """One transport mode.

    Attributes
    ----------
    name : str
        Fixed identifier (``schema.MODES``: road, river, sea, air).
    layer : str or None
        Line layer of the mode (``jalan``, ``sungai``); ``None`` when its links are built
        between terminals (sea lanes, flights).
    class_col : str or None
        Column of the line layer holding the class (``kelas``, ``navigasi``).
    node_kinds : tuple of str
        Node kinds of the mode's own network (``road``, ``river``).
    terminals : tuple of (str, str or None)
        ``(node kind, kategori)`` where its vehicles load and unload besides its line nodes
        (``("port", "sungai")``, ``("airstrip", None)`` = any airstrip).
    directional : bool
        Speeds depend on the direction of travel (rivers: with or against the current).
    """

    name: str
    layer: str | None = None
    class_col: str | None = None
    node_kinds: tuple[str, ...] = ()
    terminals: tuple[tuple[str, str | None], ...] = ()
    directional: bool = False

    @property
    def operating_hours(self) -> tuple[float, float]:
        """Default daily window ``(start, end)`` in local hours (``settings.operating_hours``)."""
        lo, hi = settings.operating_hours.get(self.name, (0.0, 24.0))
        return (float(lo), float(hi))


_MODES: dict[str, Mode] = {}


def register_mode(mode: Mode) -> Mode:
    """Add (or replace) a mode in the registry; return it."""
    _MODES[mode.name] = mode
    return mode


def get_mode(name: str) -> Mode:
    """The registered mode called ``name`` (``ValueError`` naming the known ones)."""
    try:
        return _MODES[name]
    except KeyError:
        raise ValueError(f"unknown mode {name!r}; registered modes: {sorted(_MODES)}") from None


def modes() -> tuple[str, ...]:
    """Names of the registered modes, in registration order."""
    return tuple(_MODES)


register_mode(Mode("road", layer="jalan", class_col="kelas", node_kinds=("road",)))
register_mode(
    Mode(
        "river",
        layer="sungai",
        class_col="navigasi",
        node_kinds=("river",),
        terminals=(("port", "sungai"),),
        directional=True,
    )
)
register_mode(Mode("sea", terminals=(("port", "laut"),)))
register_mode(Mode("air", terminals=(("airstrip", None),)))


@dataclass(frozen=True)
class VehicleType:
    """One type of vehicle (``armada.csv`` column ``jenis``).

    Attributes
    ----------
    jenis : str
        Name (``truk``, ``pickup``, ``kapal_sungai``, ``speedboat``, ``longboat``,
        ``ketinting``, ``kapal``, ``pesawat_kecil``, ``helikopter``, or one of the user's).
    moda : str
        Its mode.
    kapasitas_kotak : int
        Ballot boxes per trip (volume: assembled boxes with ballots, forms and booths).
    muatan_kg : float
        Payload per trip, kg (boxes weigh ``settings.kg_per_kotak`` each).
    kecepatan_kmh : float
        Top speed on roads, still-water speed on rivers, cruise speed at sea and in the air.
    kelas : tuple of str
        Classes of line it may use (road ``kelas``, river ``navigasi``); empty = all.
    riam : bool
        Passes riam (rapid) reaches.
    jam_operasi : tuple of float
        Daily operating window ``(start, end)``, local hours.
    biaya_rp_per_km, biaya_rp_per_jam, biaya_rp_per_trip : float
        Cost per km travelled, per hour moving (flight hour for aircraft) and per trip.
    ketahanan_jam : float
        Longest sortie (hours moving between two loadings; aircraft endurance with reserve).
    landas_min_m : float
        Runway length needed at both ends of a flight (0 = helicopter).
    mendarat_di_permukiman : bool
        Lands at any settlement (a prepared landing zone), not only at airstrips/helipads.
    """

    jenis: str
    moda: str
    kapasitas_kotak: int
    muatan_kg: float = math.inf
    kecepatan_kmh: float = 30.0
    kelas: tuple[str, ...] = ()
    riam: bool = False
    jam_operasi: tuple[float, float] = (0.0, 24.0)
    biaya_rp_per_km: float = 0.0
    biaya_rp_per_jam: float = 0.0
    biaya_rp_per_trip: float = 0.0
    ketahanan_jam: float = math.inf
    landas_min_m: float = 0.0
    mendarat_di_permukiman: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @functools.cached_property
    def kapasitas_efektif(self) -> int:
        """Boxes per trip after the weight limit (``muatan_kg / settings.kg_per_kotak``)."""
        by_kg = math.floor(self.muatan_kg / max(settings.kg_per_kotak, 1e-9))
        return int(max(0, min(self.kapasitas_kotak, by_kg)))

    def clock(self, start: pd.Timestamp) -> WorkClock:
        """The working clock of this vehicle type from ``start``."""
        return WorkClock(start, *self.jam_operasi, atomic_legs=self.moda == "air")

    def allows(self, kelas: str) -> bool:
        """Whether the vehicle may use a line of class ``kelas``."""
        return not self.kelas or kelas in self.kelas


_TYPE_FIELDS = {f for f in VehicleType.__dataclass_fields__ if f not in ("jenis", "extra")}


def _make_type(jenis: str, spec: Mapping[str, Any]) -> VehicleType:
    problems = []
    moda = spec.get("moda")
    if moda not in _MODES:
        problems.append(f"vehicle_types[{jenis!r}]: moda {moda!r} is not one of {modes()}")
    unknown = sorted(set(spec) - _TYPE_FIELDS)
    if unknown:
        problems.append(
            f"vehicle_types[{jenis!r}]: unknown key(s) {unknown}; known: {sorted(_TYPE_FIELDS)}"
        )
    if problems:
        raise ValidationError("settings.vehicle_types", problems)
    kw = dict(spec)
    hours = kw.pop("jam_operasi", None)
    kw["jam_operasi"] = (
        tuple(float(h) for h in hours) if hours is not None else get_mode(str(moda)).operating_hours
    )
    if "kelas" in kw:
        kw["kelas"] = tuple(kw["kelas"])
    kw["kapasitas_kotak"] = int(kw.get("kapasitas_kotak", 1))
    return VehicleType(jenis=jenis, **kw)


def vehicle_types() -> dict[str, VehicleType]:
    """Every vehicle type of ``settings.vehicle_types``, by ``jenis``."""
    return {j: _make_type(j, spec) for j, spec in settings.vehicle_types.items()}


def vehicle_type(
    jenis: str, *, moda: str | None = None, kapasitas_kotak: float | None = None, **overrides: Any
) -> VehicleType:
    """The vehicle type ``jenis``, with a fleet row's own values winning.

    An unknown ``jenis`` (a user's own vehicle) becomes a generic vehicle of ``moda``: the
    first registered type of that mode with the name and capacity given (logged).

    Parameters
    ----------
    jenis : str
        Type name.
    moda : str, optional
        Mode of the fleet row; must agree with the registered type's mode.
    kapasitas_kotak : float, optional
        Boxes per vehicle from the fleet row (wins over the type's).
    **overrides
        Other :class:`VehicleType` fields from the fleet row (e.g. ``muatan_kg``).
    """
    known = settings.vehicle_types.get(jenis)
    if known is None:
        if moda is None:
            raise ValidationError(
                "armada",
                [
                    f"jenis {jenis!r} is not a known vehicle type and has no moda; known: "
                    f"{sorted(settings.vehicle_types)} (or add it to settings.vehicle_types)"
                ],
            )
        base = next(
            (_make_type(j, s) for j, s in settings.vehicle_types.items() if s.get("moda") == moda),
            None,
        )
        if base is None:
            base = _make_type(jenis, {"moda": moda, "kapasitas_kotak": 1})
        logger.info("armada: jenis %r unknown, treated as a generic %s vehicle", jenis, base.jenis)
        vt = replace(base, jenis=jenis)
    else:
        vt = _make_type(jenis, known)
        if moda is not None and moda != vt.moda:
            raise ValidationError(
                "armada", [f"jenis {jenis!r} is a {vt.moda} vehicle, the fleet row says {moda!r}"]
            )
    if kapasitas_kotak is not None and not pd.isna(kapasitas_kotak):
        vt = replace(vt, kapasitas_kotak=int(kapasitas_kotak))
    clean = {k: v for k, v in overrides.items() if v is not None and not _isna(v)}
    return replace(vt, **clean) if clean else vt


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


class WorkClock:
    """Conversion between clock time and working hours of a daily operating window.

    Working hours count only the time inside ``[start_h, end_h)`` of each day, from ``origin``.
    A vehicle that may pause (road, river, sea) covers ``w`` working hours of travel by clock
    time :meth:`to_clock` ``(w)``; with ``atomic_legs`` (aircraft) a leg that does not fit in
    the rest of the day's window waits for the next one (:meth:`leg`).

    Parameters
    ----------
    origin : Timestamp
        Time zero (naive local time).
    start_h, end_h : float
        Daily window in local hours, ``0 <= start_h < end_h <= 24`` (``0, 24`` = always).
    atomic_legs : bool, default False
        Legs may not be interrupted by the night.

    Examples
    --------
    >>> c = WorkClock(pd.Timestamp("2029-02-09 06:00"), 6, 18)
    >>> str(c.to_clock(14.0))  # 12 h on day one, 2 h the next morning
    '2029-02-10 08:00:00'
    >>> c.to_work(pd.Timestamp("2029-02-10 08:00"))
    14.0
    """

    def __init__(
        self, origin: pd.Timestamp, start_h: float, end_h: float, *, atomic_legs: bool = False
    ) -> None:
        if not 0 <= start_h < end_h <= 24:
            raise ValueError(f"operating window must satisfy 0 <= start < end <= 24: {start_h}")
        self.origin = pd.Timestamp(origin)
        self.start_h, self.end_h = float(start_h), float(end_h)
        self.length_h = self.end_h - self.start_h
        self.atomic_legs = atomic_legs
        self._day0 = self.origin.normalize()
        self._day0_ns = int(self._day0.value)
        self._s = (self.origin - self._day0).total_seconds() / 3600.0
        self._f0 = self._cum(self._s)

    @property
    def always(self) -> bool:
        """Whether the window is the whole day."""
        return self.length_h >= 24.0

    def _cum(self, x: float) -> float:
        """Working hours in [day0, day0 + x h]."""
        if self.always:
            return x
        days = math.floor(x / 24.0)
        return days * self.length_h + min(max(x - days * 24.0 - self.start_h, 0.0), self.length_h)

    def _inv(self, f: float, leaving: bool = False) -> float:
        """Earliest x (hours after day0) with ``_cum(x) == f`` (``leaving``: the latest, so a
        departure at a window's end is the next window's start)."""
        if self.always:
            return f
        days = math.floor(f / self.length_h + 1e-12)
        rem = max(f - days * self.length_h, 0.0)
        if rem <= 1e-12 and days > 0 and not leaving:
            return (days - 1) * 24.0 + self.end_h
        return days * 24.0 + self.start_h + rem

    def to_work_many(self, times: Any) -> np.ndarray:
        """:meth:`to_work` of many times at once (array of hours)."""
        ns = pd.DatetimeIndex(times).as_unit("ns").asi8
        x = (ns - self._day0_ns) / 3.6e12
        if self.always:
            cum = x
        else:
            days = np.floor(x / 24.0)
            cum = days * self.length_h + np.clip(x - days * 24.0 - self.start_h, 0.0, self.length_h)
        return np.maximum(cum - self._f0, 0.0)

    def to_work(self, t: pd.Timestamp) -> float:
        """Working hours from ``origin`` to ``t`` (0 before the origin)."""
        x = (pd.Timestamp(t).value - self._day0_ns) / 3.6e12
        return max(self._cum(x) - self._f0, 0.0)

    def to_clock(self, w: float, *, leaving: bool = False) -> pd.Timestamp:
        """Clock time when ``w`` working hours after ``origin`` are done (``leaving``: when a
        vehicle ready at ``w`` sets off, i.e. the next window's start at a window's end)."""
        if not math.isfinite(w):
            return pd.NaT
        x = max(self._inv(self._f0 + max(w, 0.0), leaving), self._s)
        return pd.Timestamp(self._day0_ns + round(x * 3600.0) * 1_000_000_000)

    def leg(self, w_start: float, duration_h: float) -> tuple[float, float]:
        """Start and end (working hours) of a leg of ``duration_h`` ready at ``w_start``.

        A pausable leg starts at once; an atomic one (aircraft) waits for the next window when
        the rest of today's window is too short (a leg longer than a whole window starts at
        the opening and is allowed to run on: its time is then only a bound).
        """
        if not self.atomic_legs or self.always or duration_h <= 0:
            return w_start, w_start + duration_h
        used = (self._f0 + w_start) % self.length_h
        left = self.length_h - used if used > 1e-9 else self.length_h
        if duration_h <= left + 1e-9 or duration_h > self.length_h:
            return w_start, w_start + duration_h
        start = w_start + left
        return start, start + duration_h
