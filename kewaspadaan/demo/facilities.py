"""Ports, airstrips, KPU warehouses, security posts and the logistics fleet.

Placement rules (deterministic given the seed):

- sea ports (``laut``) on the coastline next to coastal kabupaten/kota capitals, coastal kecamatan
  capitals and every island kecamatan capital;
- river ports (``sungai``) on the nearest navigable reach (besar/kecil/jeram) next to capitals
  and next to desa without a road;
- the provincial capital and the largest other kota get a ``bandara``; the remote and interior
  kabupaten capitals, roadless kecamatan capitals and the largest island get a
  ``lapangan_terbang``; mountain/remote kecamatan capitals get a ``helipad``;
- one KPU warehouse per kabupaten/kota capital; polda in the provincial capital, polres and kodim
  in every kabupaten/kota capital, polsek and koramil in most kecamatan capitals;
- the fleet (``armada``): per kabupaten depot (the KPU fleet, echelon KPU → PPK) and per
  kecamatan (the PPK fleet, echelon PPK → desa), scaled to the polling stations it serves and
  its modes; the helicopter of a remote kabupaten is based at its airstrip nearest the depot
  (a Batu Majang-style hub); capacities from ``settings.vehicle_types``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from kewaspadaan.demo.admin import Admin
from kewaspadaan.demo.layers import Boundaries, Rivers
from kewaspadaan.demo.roads import Roads
from kewaspadaan.demo.tables import CRS, Units, tps_for
from kewaspadaan.demo.terrain import Terrain

__all__ = ["FLEET", "facility_frames"]

#: Vehicle types of the generated fleet: mode and capacity in ballot boxes (kotak suara), as
#: the defaults of ``settings.vehicle_types`` (fixed here so the demo does not change with a
#: user's settings).
FLEET: dict[str, tuple[str, int]] = {
    "truk": ("road", 250),
    "pickup": ("road", 60),
    "kapal_sungai": ("river", 400),
    "longboat": ("river", 30),
    "speedboat": ("river", 20),
    "ketinting": ("river", 8),
    "kapal": ("sea", 400),
    "pesawat_kecil": ("air", 40),
    "helikopter": ("air", 8),
}
#: Boxes per TPS in the demo fleet sizing (Pemilu: five ballots).
_BOXES = 5


def _settlement_points(t: Terrain, a: Admin) -> np.ndarray:
    x, y = t.xy(a.desa_rc[:, 0], a.desa_rc[:, 1])
    return shapely.points(x, y)


def _near_point(p: Point, g: shapely.Geometry) -> Point:
    """Closest point of ``g`` to ``p``."""
    return shapely.get_point(shapely.shortest_line(p, g), 1)


def _offset_inside(
    p: Point, poly: shapely.Geometry, rng: np.random.Generator, dist_m: float
) -> Point:
    for _ in range(10):
        ang = rng.uniform(0, 2 * np.pi)
        q = Point(p.x + dist_m * np.cos(ang), p.y + dist_m * np.sin(ang))
        if poly.contains(q):
            return q
    return p


def facility_frames(
    t: Terrain, a: Admin, u: Units, b: Boundaries, rv: Rivers, rd: Roads, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """Build ``pelabuhan``, ``bandara``, ``gudang_kpu``, ``pos_keamanan`` and ``armada``."""
    pts = _settlement_points(t, a)
    d_coast = shapely.distance(pts, b.coast)
    nav = [ln for ln, n in zip(rv.lines, rv.navigasi, strict=True) if n != "tidak"]
    nav_geom = shapely.union_all(nav) if nav else shapely.MultiLineString()
    d_nav = shapely.distance(pts, nav_geom) if nav else np.full(len(pts), np.inf)
    kec_of = a.desa_kec
    kab_caps = set(int(d) for d in a.kab_capital_desa)
    kec_caps = [int(d) for d in a.kec_capital_desa]
    island_caps = {int(a.kec_capital_desa[j]) for j in np.flatnonzero(a.kec_island)}
    ports = []
    for d in sorted(kab_caps | set(kec_caps)):
        if d in island_caps or (d in kab_caps and d_coast[d] <= 8000) or d_coast[d] <= 2500:
            ports.append((f"Pelabuhan {u.desa_nama[d]}", "laut", d, _near_point(pts[d], b.coast)))
    roadless = np.flatnonzero(~rd.desa_connected)
    for d in sorted(kab_caps | set(kec_caps) | set(roadless.tolist())):
        if d_nav[d] <= 2000 and d not in island_caps:
            ports.append(
                (f"Dermaga Sungai {u.desa_nama[d]}", "sungai", d, _near_point(pts[d], nav_geom))
            )
    pelabuhan = gpd.GeoDataFrame(
        {
            "nama": [p[0] for p in ports],
            "kategori": [p[1] for p in ports],
            "kode_kec": [u.kec_kode[kec_of[p[2]]] for p in ports],
        },
        geometry=[p[3] for p in ports],
        crs=CRS,
    )
    bandara = _airstrips(t, a, u, b, rd, pts, d_coast, rng)
    desa_kab = a.kec_kab[a.desa_kec]
    gudang = gpd.GeoDataFrame(
        {
            "nama": [f"Gudang KPU {u.kab_nama[k]}" for k in range(len(a.kab_jenis))],
            "kode_kab": u.kab_kode,
        },
        geometry=[
            _offset_inside(pts[d], b.kab[k], rng, 400.0) for k, d in enumerate(a.kab_capital_desa)
        ],
        crs=CRS,
    )
    pos = _security_posts(a, u, b, rd, pts, rng)
    armada = _fleet(a, u, rd, pelabuhan, bandara, desa_kab, gudang, d_nav)
    return {
        "pelabuhan": pelabuhan.sort_values(["kode_kec", "nama"], kind="stable").reset_index(
            drop=True
        ),
        "bandara": bandara,
        "gudang_kpu": gudang.sort_values("kode_kab").reset_index(drop=True),
        "pos_keamanan": pos,
        "armada": armada,
    }


def _airstrips(
    t: Terrain,
    a: Admin,
    u: Units,
    b: Boundaries,
    rd: Roads,
    pts: np.ndarray,
    d_coast: np.ndarray,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    rows = []
    kota = [k for k, j in enumerate(a.kab_jenis) if j == "kota"]
    prov = a.prov_capital_desa
    rows.append(("Bandara", prov, 2500))
    if len(kota) > 1:
        rows.append(("Bandara", int(a.kab_capital_desa[kota[1]]), 2700))
    for k, d in enumerate(a.kab_capital_desa):
        if a.kab_jenis[k] == "kabupaten" and (a.kab_remote[k] or d_coast[d] > 30000):
            rows.append(("Lapangan Terbang", int(d), 1200 if a.kab_remote[k] else 1400))
    used = {r[1] for r in rows}
    elev = t.elev_m[a.desa_rc[:, 0], a.desa_rc[:, 1]]
    island_kec = np.flatnonzero(a.kec_island)
    if island_kec.size:
        cells = np.array([np.sum(a.kec == j) for j in island_kec])
        rows.append(
            ("Lapangan Terbang", int(a.kec_capital_desa[island_kec[np.argmax(cells)]]), 1000)
        )
    for j, d in enumerate(a.kec_capital_desa):
        d = int(d)
        if d in used or a.kec_island[j]:
            continue
        remote = bool(a.kab_remote[a.kec_kab[j]])
        if not rd.desa_connected[d] or (remote and elev[d] > 150):
            rows.append(("Lapangan Terbang", d, int(rng.choice([600, 750, 900]))))
        elif elev[d] > 250 or remote:
            rows.append(("Helipad", d, 0))
    jenis = {"Bandara": "bandara", "Lapangan Terbang": "lapangan_terbang", "Helipad": "helipad"}
    geoms = [
        _offset_inside(pts[d], b.kec[a.desa_kec[d]], rng, 1500.0 if n != "Helipad" else 200.0)
        for n, d, _ in rows
    ]
    gdf = gpd.GeoDataFrame(
        {
            "nama": [f"{n} {u.desa_nama[d]}" for n, d, _ in rows],
            "jenis": [jenis[n] for n, _, _ in rows],
            "panjang_landas_m": [int(m) for _, _, m in rows],
            "kode_kec": [u.kec_kode[a.desa_kec[d]] for _, d, _ in rows],
        },
        geometry=geoms,
        crs=CRS,
    )
    return gdf.sort_values(["kode_kec", "nama"], kind="stable").reset_index(drop=True)


def _security_posts(
    a: Admin, u: Units, b: Boundaries, rd: Roads, pts: np.ndarray, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    rows = [("polda", "Polda Provinsi Demonstrasi", a.prov_capital_desa)]
    for k, d in enumerate(a.kab_capital_desa):
        base = u.kab_nama[k].replace("Kabupaten ", "").replace("Kota ", "")
        rows.append(("polres", f"Polres{'ta' if a.kab_jenis[k] == 'kota' else ''} {base}", d))
        rows.append(("kodim", f"Kodim {base}", d))
    for j, d in enumerate(a.kec_capital_desa):
        remote = bool(a.kab_remote[a.kec_kab[j]]) or not rd.desa_connected[d]
        if rng.random() < (0.55 if remote else 0.95):
            rows.append(("polsek", f"Polsek {u.kec_nama[j]}", d))
        if rng.random() < (0.45 if remote else 0.8):
            rows.append(("koramil", f"Koramil {u.kec_nama[j]}", d))
    geoms = [_offset_inside(pts[d], b.kec[a.desa_kec[d]], rng, 300.0) for _, _, d in rows]
    gdf = gpd.GeoDataFrame(
        {
            "nama": [r[1] for r in rows],
            "jenis": [r[0] for r in rows],
            "kode_kec": [u.kec_kode[a.desa_kec[r[2]]] for r in rows],
        },
        geometry=geoms,
        crs=CRS,
    )
    return gdf.sort_values(["kode_kec", "jenis", "nama"], kind="stable").reset_index(drop=True)


def _kpu_fleet(
    a: Admin,
    u: Units,
    rd: Roads,
    pelabuhan: gpd.GeoDataFrame,
    bandara: gpd.GeoDataFrame,
    desa_kab: np.ndarray,
    tps: np.ndarray,
    k: int,
) -> dict[str, int]:
    """Vehicles of the KPU kabupaten ``k`` (echelon KPU → PPK: big loads, few stops)."""
    kode = u.kab_kode[k]
    in_k = desa_kab == k
    boxes_road = int(tps[in_k & rd.desa_connected].sum()) * _BOXES
    boxes_off = int(tps[in_k & ~rd.desa_connected].sum()) * _BOXES
    kec_k = pelabuhan["kode_kec"].str.startswith(kode + ".")
    n_river = int((kec_k & (pelabuhan["kategori"] == "sungai")).sum())
    n_sea = int((kec_k & (pelabuhan["kategori"] == "laut")).sum())
    air = bandara[bandara["kode_kec"].str.startswith(kode + ".")]
    remote = bool(a.kab_remote[k])
    return {
        "truk": max(2, int(np.ceil(boxes_road / 250 / 4))),
        "pickup": max(2, int(np.ceil(boxes_road / 60 / 16))),
        "kapal_sungai": 1 + n_river // 8 if n_river else 0,
        "longboat": int(np.ceil(n_river + boxes_off / 30 / 3)) if n_river else 0,
        "speedboat": int(np.ceil(n_river / 3)) if n_river else 0,
        "kapal": int(np.ceil(n_sea / 3)) if n_sea else 0,
        "pesawat_kecil": 1 if (air["jenis"] == "lapangan_terbang").any() else 0,
        "helikopter": (2 if remote else 1)
        if (remote or (air["jenis"] == "helipad").sum() >= 2)
        else 0,
    }


def _heli_base(bandara: gpd.GeoDataFrame, kode: str, depot: Point) -> str:
    """Name of the kabupaten's airstrip or helipad nearest its depot ("" = the depot)."""
    mine = bandara[bandara["kode_kec"].str.startswith(kode + ".")]
    if mine.empty:
        return ""
    d = mine.to_crs(CRS).distance(gpd.GeoSeries([depot], crs=CRS).iloc[0])
    return str(mine.loc[d.idxmin(), "nama"]) if float(d.min()) <= 60_000 else ""


def _ppk_fleet(
    a: Admin, u: Units, rd: Roads, tps: np.ndarray, j: int, near_river: np.ndarray
) -> dict[str, int]:
    """Vehicles a PPK hires for its desa (echelon PPK → desa: small loads, many stops)."""
    in_j = a.desa_kec == j
    road = int(tps[in_j & rd.desa_connected].sum()) * _BOXES
    off = in_j & ~rd.desa_connected
    river_off = int(tps[off & near_river].sum()) * _BOXES
    return {
        "pickup": int(np.ceil(road / 60 / 5)) if road else 0,
        "longboat": int(np.ceil(river_off / 30 / 3)) if river_off else 0,
        "ketinting": 2 if (off & near_river).any() else 0,
    }


def _fleet(
    a: Admin,
    u: Units,
    rd: Roads,
    pelabuhan: gpd.GeoDataFrame,
    bandara: gpd.GeoDataFrame,
    desa_kab: np.ndarray,
    gudang: gpd.GeoDataFrame | None = None,
    d_nav: np.ndarray | None = None,
) -> pd.DataFrame:
    tps = tps_for(a.desa_pop)
    near_river = d_nav <= 10_000 if d_nav is not None else np.zeros(len(tps), dtype=bool)
    rows = []
    for k, kode in enumerate(u.kab_kode):
        counts = _kpu_fleet(a, u, rd, pelabuhan, bandara, desa_kab, tps, k)
        depot = gudang.geometry.iloc[k] if gudang is not None else None
        for jenis, n in counts.items():
            if n > 0:
                moda, cap = FLEET[jenis]
                base = _heli_base(bandara, kode, depot) if jenis == "helikopter" and depot else ""
                rows.append((kode, moda, jenis, n, cap, "", base))
    for j, kec in enumerate(u.kec_kode):
        kab = u.kab_kode[a.kec_kab[j]]
        for jenis, n in _ppk_fleet(a, u, rd, tps, j, near_river).items():
            if n > 0:
                moda, cap = FLEET[jenis]
                rows.append((kab, moda, jenis, n, cap, kec, ""))
    cols = ["kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak", "kode_kec", "pangkalan"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["kode_kab", "kode_kec", "moda", "jenis"], kind="stable").reset_index(
        drop=True
    )
