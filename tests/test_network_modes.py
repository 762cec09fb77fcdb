"""The mode and vehicle-type registry and the operating-hours clock."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kewaspadaan import settings
from kewaspadaan._errors import ValidationError
from kewaspadaan.network.modes import (
    Mode,
    WorkClock,
    get_mode,
    modes,
    register_mode,
    vehicle_type,
    vehicle_types,
)

T0 = pd.Timestamp("2029-02-09 06:00")


def test_clock_stops_at_night_and_inverts() -> None:
    c = WorkClock(T0, 6, 18)
    assert c.to_clock(0) == T0
    assert c.to_clock(12) == pd.Timestamp("2029-02-09 18:00")  # the window's end, same day
    assert c.to_clock(12.5) == pd.Timestamp("2029-02-10 06:30")  # night stop, next morning
    assert c.to_clock(30) == pd.Timestamp("2029-02-11 12:00")
    for w in (0.0, 3.25, 12.0, 17.5, 40.0):
        assert c.to_work(c.to_clock(w)) == pytest.approx(w, abs=1e-6)
    # time at night counts nothing
    assert c.to_work(pd.Timestamp("2029-02-09 23:00")) == c.to_work(
        pd.Timestamp("2029-02-10 05:00")
    )
    many = c.to_work_many(pd.to_datetime(["2029-02-09 18:00", "2029-02-10 07:00"]))
    assert many.tolist() == pytest.approx([12.0, 13.0])


def test_clock_from_outside_the_window_and_always_open() -> None:
    late = WorkClock(pd.Timestamp("2029-02-09 20:00"), 6, 18)
    assert late.to_clock(0) == pd.Timestamp("2029-02-09 20:00")
    assert late.to_clock(1) == pd.Timestamp("2029-02-10 07:00")
    early = WorkClock(pd.Timestamp("2029-02-09 04:00"), 6, 18)
    assert early.to_clock(2) == pd.Timestamp("2029-02-09 08:00")
    ship = WorkClock(T0, 0, 24)
    assert ship.always and ship.to_clock(30) == T0 + pd.Timedelta(hours=30)
    with pytest.raises(ValueError, match="operating window"):
        WorkClock(T0, 18, 6)


def test_aircraft_legs_never_cross_the_night() -> None:
    air = WorkClock(pd.Timestamp("2029-02-09 10:00"), 7, 17, atomic_legs=True)
    # 6.5 h flown: 16:30; a 1 h leg does not fit before 17:00 -> it starts at 07:00 next day
    start, end = air.leg(6.5, 1.0)
    assert air.to_clock(start, leaving=True) == pd.Timestamp("2029-02-10 07:00")
    assert air.to_clock(start) == pd.Timestamp("2029-02-09 17:00")  # the day's work is done
    assert air.to_clock(end) == pd.Timestamp("2029-02-10 08:00")
    assert air.leg(5.0, 1.0) == (5.0, 6.0)  # fits: no wait
    boat = WorkClock(pd.Timestamp("2029-02-09 10:00"), 6, 18)
    assert boat.leg(7.5, 1.0) == (7.5, 8.5)  # a boat moors for the night and goes on


def test_vehicle_types_come_from_settings() -> None:
    types = vehicle_types()
    assert set(types) == set(settings.vehicle_types)
    heli = types["helikopter"]
    assert heli.moda == "air" and heli.mendarat_di_permukiman and heli.landas_min_m == 0
    assert heli.jam_operasi == tuple(settings.operating_hours["air"])
    assert types["kapal_sungai"].jam_operasi == (0.0, 24.0)  # sails at night on the main river
    assert types["longboat"].riam and not types["speedboat"].riam
    assert "setapak" not in types["truk"].kelas and "setapak" in types["pickup"].kelas
    # boxes per trip after the weight limit
    assert heli.kapasitas_efektif == min(heli.kapasitas_kotak, int(1200 // settings.kg_per_kotak))
    light = vehicle_type("helikopter", muatan_kg=60.0)
    assert light.kapasitas_efektif == math.floor(60 / settings.kg_per_kotak)


def test_fleet_row_values_win_and_unknown_types_are_generic() -> None:
    assert vehicle_type("truk", kapasitas_kotak=180).kapasitas_kotak == 180
    own = vehicle_type("klotok", moda="river", kapasitas_kotak=12)
    assert own.moda == "river" and own.kapasitas_kotak == 12 and own.jenis == "klotok"
    with pytest.raises(ValidationError, match="no moda"):
        vehicle_type("klotok")
    with pytest.raises(ValidationError, match="is a road vehicle"):
        vehicle_type("truk", moda="river")


def test_a_new_vehicle_type_is_one_settings_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        settings.vehicle_types,
        "perahu_karet",
        {"moda": "river", "kapasitas_kotak": 4, "kecepatan_kmh": 10.0, "riam": True},
    )
    vt = vehicle_type("perahu_karet")
    assert vt.riam and vt.jam_operasi == tuple(settings.operating_hours["river"])
    monkeypatch.setitem(settings.vehicle_types, "rusak", {"moda": "kereta", "kapasitas": 1})
    with pytest.raises(ValidationError) as err:
        vehicle_types()
    assert "moda 'kereta'" in str(err.value) and "unknown key(s) ['kapasitas']" in str(err.value)


def test_mode_registry() -> None:
    assert modes()[:4] == ("road", "river", "sea", "air")
    river = get_mode("river")
    assert river.directional and ("port", "sungai") in river.terminals
    with pytest.raises(ValueError, match="registered modes"):
        get_mode("rail")
    try:
        register_mode(Mode("rail", layer="rel", class_col="kelas", node_kinds=("rail",)))
        assert "rail" in modes() and get_mode("rail").operating_hours == (0.0, 24.0)
    finally:
        from kewaspadaan.network import modes as m

        m._MODES.pop("rail", None)
