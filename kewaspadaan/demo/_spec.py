"""Sizes of the demonstration province and the grid it is generated on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kewaspadaan._errors import KewaspadaanError

__all__ = ["GENERATOR_VERSION", "PROVINCE_CODE", "PROVINCE_NAME", "SIZES", "DemoSpec", "get_spec"]

#: Bump whenever the generated data changes for the same seed (``ensure_demo_data`` regenerates).
GENERATOR_VERSION = "1.1"
#: Kemendagri-style code and name of the generated province (99 is not a real province code).
PROVINCE_CODE = "99"
PROVINCE_NAME = "Provinsi Demonstrasi (data sintetis)"
#: EPSG code of the DEM and of every internal computation (UTM zone 50N, metres).
UTM_EPSG = 32650


@dataclass(frozen=True)
class DemoSpec:
    """Parameters of one size of the demonstration province.

    The grid is in EPSG:32650 (UTM 50N); ``x0_m``/``y0_m`` are the west and south edges.
    """

    size: str
    cell_m: float
    ncols: int
    nrows: int
    x0_m: float
    y0_m: float
    n_kab: int  # kabupaten, the remote interior one included
    n_kota: int
    n_kec: int  # target number of kecamatan (islands add at least one each)
    n_desa: int  # target number of desa/kelurahan
    n_islands: int
    island_radius_km: float
    channel_km2: float  # upstream area above which a cell is a river channel
    road_factor: int  # road grid cell = road_factor * DEM cell
    target_events: int  # expected number of incidents over the whole history
    population: int  # approximate total population
    kab_anchors: tuple[tuple[float, float], ...]  # (u, v) in 0..1 of the non-remote kabupaten
    kota: tuple[tuple[str, float, float], ...]  # (where, v or s, radius_km); see admin.py

    @property
    def width_m(self) -> float:
        """Grid width in metres."""
        return self.ncols * self.cell_m

    @property
    def height_m(self) -> float:
        """Grid height in metres."""
        return self.nrows * self.cell_m

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (for the manifest)."""
        return asdict(self)


SIZES: dict[str, DemoSpec] = {
    "full": DemoSpec(
        size="full",
        cell_m=250.0,
        ncols=1600,
        nrows=1800,
        x0_m=255_000.0,
        y0_m=-225_000.0,
        n_kab=7,
        n_kota=3,
        n_kec=90,
        n_desa=880,
        n_islands=3,
        island_radius_km=6.0,
        channel_km2=120.0,
        road_factor=2,
        target_events=4200,
        population=3_800_000,
        kab_anchors=(
            (0.24, 0.32),
            (0.52, 0.45),
            (0.58, 0.74),
            (0.52, 0.93),
            (0.33, 0.09),
            (0.62, 0.16),
        ),
        # kota: ("river", s along the main river, radius) or ("coast", v, radius)
        kota=(("river", 0.93, 15.0), ("coast", 0.22, 17.0), ("coast", 0.60, 9.0)),
    ),
    "small": DemoSpec(
        size="small",
        cell_m=500.0,
        ncols=300,
        nrows=300,
        x0_m=400_000.0,
        y0_m=-75_000.0,
        n_kab=3,
        n_kota=1,
        n_kec=15,
        n_desa=100,
        n_islands=2,
        island_radius_km=4.5,
        channel_km2=60.0,
        road_factor=1,
        target_events=400,
        population=450_000,
        kab_anchors=((0.50, 0.74), (0.50, 0.20)),
        kota=(("river", 0.92, 8.0),),
    ),
}


def get_spec(size: str) -> DemoSpec:
    """Return the :class:`DemoSpec` of ``size`` ("full" or "small")."""
    try:
        return SIZES[size]
    except KeyError:
        raise KewaspadaanError(
            f"unknown demonstration size {size!r}; choose one of {sorted(SIZES)} "
            "(e.g. --size small for a quick test province)"
        ) from None
