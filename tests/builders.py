"""Builders of hand-made test inputs shared by several test modules: plain functions and
constants (not fixtures), so that no test module imports another.

- :func:`synthetic_layers` — a 4×3 grid of kecamatan with every map layer, hostile text for
  the escaping tests (maps, report, PDF, browser, locale);
- :func:`late_plan`, :func:`forecast_columns`, :data:`AS_OF` — a delivery plan with late and
  cut-off destinations and a forecast table (report, PDF, browser, locale);
- :func:`toy_layers`, :func:`toy_desa`, :func:`km`, :func:`line` — the small multimodal toy
  province of the network tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">'
HOSTILE_NOTE = "<script>window.__pwned=2</script>"
#: The longest kecamatan name of the synthetic province (tooltip layout tests).
LONG_NAME = "Sungai Kunjang Seberang Ulu Ilir Tengah Raya Baru Kecamatan Persiapan Pemekaran"
KELAS = ("rendah", "sedang", "tinggi", "sangat tinggi")


def synthetic_layers(n_incidents: int = 240, seed: int = 7) -> dict[str, gpd.GeoDataFrame]:
    """A 4×3 grid of 20 km kecamatan in UTM 50N near Samarinda, with every map layer.

    Kecamatan 0 carries a hostile name and incident 0 a hostile note (escaping tests).
    """
    rng = np.random.default_rng(seed)
    cells = [
        box(480_000 + 20_000 * i, -60_000 + 20_000 * j, 500_000 + 20_000 * i, -40_000 + 20_000 * j)
        for j in range(3)
        for i in range(4)
    ]
    n = len(cells)
    skor = np.linspace(95, 5, n)
    risk = gpd.GeoDataFrame(
        {
            "kode": [f"64.02.{i + 1:02d}" for i in range(n)],
            "nama": [HOSTILE_NAME]
            + [f"Kecamatan {i}" if i != 9 else LONG_NAME for i in range(1, n)],
            "kode_kab": "64.02",
            "nama_kab": "Kutai Kartanegara",
            "skor": skor,
            "kelas": [KELAS[min(3, int(s // 25))] for s in skor],
            "peringkat": np.arange(1, n + 1),
            "pendorong": "riwayat insiden; keterpencilan; limpahan",
            "prob_insiden": np.linspace(0.9, 0.05, n),
            "perubahan_skor": np.linspace(8, -4, n),
            "peringatan": [True, False, True] + [False] * (n - 3),
        },
        geometry=cells,
        crs="EPSG:32650",
    )
    pts = risk.sample_points(max(1, n_incidents // n), rng=rng).explode(index_parts=False)
    k = len(pts)
    incidents = gpd.GeoDataFrame(
        {
            "event_id": [f"IDN{i:04d}" for i in range(k)],
            "event_date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 540, k), "D"),
            "event_type": rng.choice(["Protests", "Riots", "Violence against civilians"], k),
            "location": "Desa Contoh",
            "fatalities": rng.integers(0, 3, k),
            "notes": [HOSTILE_NOTE] + ["Bentrokan antarpendukung & massa"] * (k - 1),
            "kode": risk["kode"].to_numpy()[pts.index.to_numpy()],
        },
        geometry=pts.to_numpy(),
        crs="EPSG:32650",
    ).to_crs("EPSG:4326")
    depot = Point(520_000, -30_000)
    cent = risk.geometry.centroid
    routes = gpd.GeoDataFrame(
        {
            "tujuan_kode": risk["kode"],
            "tujuan_nama": risk["nama"],
            "depot": "Gudang KPU Kukar",
            "waktu_tempuh_h": np.linspace(2, 30, n),
            "moda": "road+river",
            "berangkat": pd.Timestamp("2024-11-20 06:00"),
            "tiba": pd.Timestamp("2024-11-21 08:00"),
            "tenggat": pd.Timestamp("2024-11-26 12:00"),
            "terlambat": [False] * (n - 2) + [True, False],
            "terjangkau": [True] * (n - 1) + [False],
            "jam_zona_rawan_h": 1.5,
        },
        geometry=[LineString([depot, c]) for c in cent[:-1]] + [None],
        crs="EPSG:32650",
    )
    depots = gpd.GeoDataFrame(
        {"nama": ["Gudang KPU <b>Kukar</b>"], "kode_kab": ["64.02"]},
        geometry=[depot],
        crs="EPSG:32650",
    )
    critical = gpd.GeoDataFrame(
        {"nama": ["Jembatan Mahakam"], "mode": ["road"], "dampak_tps": [240]},
        geometry=[LineString([depot, cent.iloc[5]])],
        crs="EPSG:32650",
    )
    return {
        "risk": risk,
        "incidents": incidents,
        "routes": routes,
        "depots": depots,
        "critical_links": critical,
    }


AS_OF = "2024-11-27"


@dataclass
class Plan:
    """A delivery plan as kewaspadaan.network.plan.DeliveryPlan lays it out."""

    trips: pd.DataFrame
    stops: pd.DataFrame
    unmet: pd.DataFrame
    demand: pd.Series = field(repr=False)


def late_plan(routes: pd.DataFrame) -> Plan:
    """Three desa late (fleet), one cut off; one air trip and two road trips."""
    codes = routes["tujuan_kode"].tolist()
    trips = pd.DataFrame(
        {
            "trip_id": ["T0001", "T0002", "T0003"],
            "depot": ["Gudang KPU Kukar", "Gudang KPU Kukar", "Gudang KPU Mahulu"],
            "moda": ["road", "road", "air"],
            "jenis": ["truk", "truk", "helikopter"],
            "kendaraan": ["a", "b", "c"],
            "kapasitas_kotak": [250, 250, 40],
            "muatan_kotak": [200, 100, 30],
            "jumlah_tujuan": [6, 4, 2],
        }
    )
    stops = pd.DataFrame(
        {"trip_id": "T0001", "tujuan_kode": codes[:-1], "muatan_kotak": 10, "terlambat": False}
    )
    why = "tiba 2024-11-27 02:00:00 setelah tenggat (armada tidak cukup: kendaraan berangkat ulang)"
    unmet = pd.DataFrame(
        {
            "tujuan_kode": [codes[3], codes[4], codes[5], codes[-1]],
            "tujuan_nama": ["Kecamatan 3", "Kecamatan 4", "Kecamatan 5", "Kecamatan 11"],
            "depot": "Gudang KPU Kukar",
            "moda": "road",
            "permintaan_kotak": [40, 30, 20, 15],
            "kurang_kotak": [40, 30, 20, 15],
            "alasan": [why, why, why, "tidak terjangkau dari depot"],
        }
    )
    return Plan(trips, stops, unmet, pd.Series(10, index=codes))


def forecast_columns(risk: pd.DataFrame) -> pd.DataFrame:
    """The forecast table the forecast engineer adds (docs/INTERFACES.md), kecamatan 7 first."""
    n = len(risk)
    exp = np.linspace(0.5, 3.0, n)[::-1].copy()
    exp[7], exp[0] = 9.5, 0.2
    return pd.DataFrame(
        {
            "kode": risk["kode"],
            "ekspektasi_insiden": exp,
            "ekspektasi_hingga_pemilu": exp * 3,
            "ekspektasi_bawah80": exp * 3 * 0.5,  # the interval of the total to voting day
            "ekspektasi_atas80": exp * 3 * 1.8,
            "tren_hotspot": ["menguat"] + ["menetap"] * 6 + ["baru"] + ["bukan"] * (n - 8),
            "keandalan": np.linspace(0.9, 0.3, n),
            "prob_ganti_kelas": np.linspace(0.05, 0.4, n),
        }
    )


CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 100_000.0


def km(x: float, y: float) -> tuple[float, float]:
    """Toy coordinates in km → UTM metres."""
    return (X0 + x * 1000, Y0 + y * 1000)


def line(*pts: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([km(*p) for p in pts])


def toy_layers() -> dict[str, gpd.GeoDataFrame]:
    """A small province: coast road with a bridge and a slow detour, a river with a low-water
    upstream reach, a river port, an island reached by sea, two airstrips and an isolated
    village."""
    roads = gpd.GeoDataFrame(
        {
            "id": ["R1", "R2a", "BR", "R2c", "R3a", "R3b"],
            "nama": [
                "Jalan Pantai",
                "Jalan Utara",
                "Jembatan Besar",
                "Jalan Utara",
                "Setapak",
                "Setapak",
            ],
            "kelas": ["arteri", "lokal", "lokal", "lokal", "setapak", "setapak"],
            "jembatan": [False, False, True, False, False, False],
        },
        geometry=[
            line((0, 0), (50, 0)),
            line((50, 0), (50, 10)),
            line((50, 10), (50, 12)),
            line((50, 12), (50, 30)),
            line((0, 0), (0, 30)),
            line((0, 30), (50, 30)),
        ],
        crs=CRS,
    )
    rivers = gpd.GeoDataFrame(
        {
            "id": ["S1", "S2", "S3"],
            "nama": ["Sungai Besar", "Sungai Hulu", "Anak Sungai"],
            "orde": [5, 3, 1],
            "navigasi": ["besar", "jeram", "tidak"],
            "surut_musiman": [False, True, False],
        },
        geometry=[line((60, 0), (150, 0)), line((150, 0), (200, 0)), line((150, 0), (150, 40))],
        crs=CRS,
    )
    ports = gpd.GeoDataFrame(
        {
            "nama": ["Pelabuhan Sungai", "Pelabuhan Laut", "Pelabuhan Pulau"],
            "kategori": ["sungai", "laut", "laut"],
            "kode_kec": ["99.01.02", "99.01.01", "99.01.04"],
        },
        geometry=[shapely.Point(km(55, 0.5)), shapely.Point(km(5, -1)), shapely.Point(km(50, -80))],
        crs=CRS,
    )
    strips = gpd.GeoDataFrame(
        {
            "nama": ["Bandara Kota", "Lapangan Hulu"],
            "jenis": ["bandara", "lapangan_terbang"],
            "panjang_landas_m": [2500, 800],
            "kode_kec": ["99.01.01", "99.01.03"],
        },
        geometry=[shapely.Point(km(1, 1)), shapely.Point(km(200, 1))],
        crs=CRS,
    )
    settlements = gpd.GeoDataFrame(
        {
            "nama": ["Kota", "Desa Utara", "Desa Sungai", "Desa Hulu", "Desa Pulau", "Desa Jauh"],
            "kode_desa": [
                "99.01.01.1001",
                "99.01.01.2002",
                "99.01.02.2001",
                "99.01.03.2001",
                "99.01.04.2001",
                "99.01.05.2001",
            ],
            "kode_kec": ["99.01.01", "99.01.01", "99.01.02", "99.01.03", "99.01.04", "99.01.05"],
            "kode_kab": ["99.01"] * 6,
            "penduduk": [50_000, 2_000, 3_000, 800, 1_500, 300],
            "peran": [
                "ibukota_kabupaten",
                "desa",
                "ibukota_kecamatan",
                "ibukota_kecamatan",
                "ibukota_kecamatan",
                "ibukota_kecamatan",
            ],
        },
        geometry=[
            shapely.Point(km(0.5, 0.2)),
            shapely.Point(km(50, 30.05)),
            shapely.Point(km(150, 0.5)),
            shapely.Point(km(200, 0.5)),
            shapely.Point(km(50, -80.5)),
            shapely.Point(km(300, 300)),
        ],
        crs=CRS,
    )
    depots = gpd.GeoDataFrame(
        {"nama": ["Gudang KPU Kota"], "kode_kab": ["99.01"]},
        geometry=[shapely.Point(km(0, 0.1))],
        crs=CRS,
    )
    return {
        "jalan": roads,
        "sungai": rivers,
        "pelabuhan": ports,
        "bandara": strips,
        "permukiman": settlements,
        "gudang_kpu": depots,
    }


def toy_desa() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kode": [
                "99.01.01.1001",
                "99.01.01.2002",
                "99.01.02.2001",
                "99.01.03.2001",
                "99.01.04.2001",
                "99.01.05.2001",
            ],
            "nama": ["Kota", "Desa Utara", "Desa Sungai", "Desa Hulu", "Desa Pulau", "Desa Jauh"],
            "tps": [200, 8, 12, 3, 6, 1],
        }
    )
