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
- the fleet (``armada``) per kabupaten depot scales with its polling stations and its modes.
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

#: Vehicle types: mode and capacity in ballot boxes (kotak suara).
FLEET: dict[str, tuple[str, int]] = {
    "truk": ("road", 250),
    "pickup": ("road", 60),
    "longboat": ("river", 30),
    "speedboat": ("river", 20),
    "kapal": ("sea", 400),
    "pesawat_kecil": ("air", 40),
    "helikopter": ("air", 15),
}


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
    armada = _fleet(a, u, rd, pelabuhan, bandara, desa_kab)
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


def _fleet(
    a: Admin,
    u: Units,
    rd: Roads,
    pelabuhan: gpd.GeoDataFrame,
    bandara: gpd.GeoDataFrame,
    desa_kab: np.ndarray,
) -> pd.DataFrame:
    tps = tps_for(a.desa_pop)
    rows = []
    for k, kode in enumerate(u.kab_kode):
        in_k = desa_kab == k
        tps_road = int(tps[in_k & rd.desa_connected].sum())
        tps_off = int(tps[in_k & ~rd.desa_connected].sum())
        kec_k = pelabuhan["kode_kec"].str.startswith(kode + ".")
        n_river = int((kec_k & (pelabuhan["kategori"] == "sungai")).sum())
        n_sea = int((kec_k & (pelabuhan["kategori"] == "laut")).sum())
        air = bandara[bandara["kode_kec"].str.startswith(kode + ".")]
        boxes = 5  # Pemilu: presiden, DPR, DPD, DPRD provinsi, DPRD kabupaten/kota
        counts = {
            "truk": max(2, int(np.ceil(tps_road * boxes / 250 / 6))),
            "pickup": max(3, int(np.ceil(tps_road * boxes / 60 / 10))),
            "longboat": int(np.ceil(n_river * 1.5 + tps_off * boxes / 30 / 4)) if n_river else 0,
            "speedboat": int(np.ceil(n_river / 2)) if n_river else 0,
            "kapal": int(np.ceil(n_sea / 3)) if n_sea else 0,
            "pesawat_kecil": 1 if (air["jenis"] == "lapangan_terbang").any() else 0,
            "helikopter": 1 if (a.kab_remote[k] or (air["jenis"] == "helipad").sum() >= 2) else 0,
        }
        for jenis, n in counts.items():
            if n > 0:
                moda, cap = FLEET[jenis]
                rows.append((kode, moda, jenis, n, cap))
    df = pd.DataFrame(rows, columns=["kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak"])
    return df.sort_values(["kode_kab", "moda", "jenis"], kind="stable").reset_index(drop=True)
