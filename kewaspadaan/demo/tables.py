"""Names, Kemendagri-style codes and the GeoDataFrames of the boundary and network layers.

Codes follow Kemendagri: kabupaten ``99.01``.., kota ``99.71``.., kecamatan ``99.01.01``, desa
``99.01.01.2001`` (kelurahan ``...1001``). Every GeoDataFrame here is in EPSG:32650; rows are in
code order so the written files are stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from kewaspadaan.demo._names import NameGenerator
from kewaspadaan.demo._spec import PROVINCE_CODE, PROVINCE_NAME, UTM_EPSG
from kewaspadaan.demo.admin import Admin
from kewaspadaan.demo.layers import Boundaries, Rivers
from kewaspadaan.demo.roads import Roads
from kewaspadaan.demo.terrain import Terrain

__all__ = [
    "VOTERS_PER_TPS",
    "VOTER_SHARE",
    "Units",
    "boundary_frames",
    "name_units",
    "network_frames",
    "settlement_frame",
    "tps_for",
]

#: Share of the population on the voter list (DPT) and voters per polling station (TPS).
VOTER_SHARE = 0.71
VOTERS_PER_TPS = 240

CRS = f"EPSG:{UTM_EPSG}"


def tps_for(penduduk: np.ndarray) -> np.ndarray:
    """Polling stations for a population: ``ceil(0.71 × penduduk / 240)``, at least 1."""
    voters = np.round(np.asarray(penduduk) * VOTER_SHARE)
    return np.maximum(1, np.ceil(voters / VOTERS_PER_TPS)).astype(np.int64)


@dataclass
class Units:
    """Names and codes of every unit (index = unit number of :class:`Admin`)."""

    desa_nama: list[str]
    desa_kode: list[str]
    kec_nama: list[str]
    kec_kode: list[str]
    kab_nama: list[str]  # "Kabupaten X" / "Kota Y"
    kab_kode: list[str]
    names: NameGenerator


def name_units(a: Admin, rng: np.random.Generator) -> Units:
    """Generate unique names and codes (see the module docstring)."""
    ng = NameGenerator(rng)
    desa_nama = [ng.place() for _ in range(len(a.desa_rc))]
    kec_nama = [desa_nama[d] for d in a.kec_capital_desa]
    n_kabu = sum(1 for j in a.kab_jenis if j == "kabupaten")
    kab_nama, kab_kode = [], []
    for k, jenis in enumerate(a.kab_jenis):
        if jenis == "kota":
            kab_nama.append(f"Kota {desa_nama[a.kab_capital_desa[k]]}")
            kab_kode.append(f"{PROVINCE_CODE}.{71 + k - n_kabu:02d}")
        else:
            kab_nama.append(f"Kabupaten {ng.kabupaten()}")
            kab_kode.append(f"{PROVINCE_CODE}.{k + 1:02d}")
    kec_kode = [""] * len(a.kec_kab)
    for k in range(len(a.kab_jenis)):
        for i, j in enumerate(np.flatnonzero(a.kec_kab == k).tolist(), start=1):
            kec_kode[j] = f"{kab_kode[k]}.{i:02d}"
    desa_kode = [""] * len(a.desa_rc)
    for j in range(len(a.kec_kab)):
        n_kel = n_desa = 0
        for d in np.flatnonzero(a.desa_kec == j):
            if a.desa_kelurahan[d]:
                n_kel += 1
                desa_kode[d] = f"{kec_kode[j]}.{1000 + n_kel}"
            else:
                n_desa += 1
                desa_kode[d] = f"{kec_kode[j]}.{2000 + n_desa}"
    return Units(
        desa_nama=desa_nama,
        desa_kode=desa_kode,
        kec_nama=kec_nama,
        kec_kode=kec_kode,
        kab_nama=kab_nama,
        kab_kode=kab_kode,
        names=ng,
    )


def _sorted(gdf: gpd.GeoDataFrame, by: str = "kode") -> gpd.GeoDataFrame:
    return gdf.sort_values(by, kind="stable").reset_index(drop=True)


def boundary_frames(t: Terrain, a: Admin, u: Units, b: Boundaries) -> dict[str, gpd.GeoDataFrame]:
    """Province, kabupaten, kecamatan, desa, border and coastline layers (EPSG:32650)."""
    desa_kab = a.kec_kab[a.desa_kec]
    desa_tps = tps_for(a.desa_pop)
    n_kec = len(a.kec_kab)
    kec_pop = np.bincount(a.desa_kec, weights=a.desa_pop, minlength=n_kec).astype(np.int64)
    kec_tps = np.bincount(a.desa_kec, weights=desa_tps, minlength=n_kec).astype(np.int64)
    desa = gpd.GeoDataFrame(
        {
            "kode": u.desa_kode,
            "nama": u.desa_nama,
            "kode_kec": [u.kec_kode[j] for j in a.desa_kec],
            "nama_kec": [u.kec_nama[j] for j in a.desa_kec],
            "kode_kab": [u.kab_kode[k] for k in desa_kab],
            "nama_kab": [u.kab_nama[k] for k in desa_kab],
            "jenis": np.where(a.desa_kelurahan, "kelurahan", "desa"),
            "penduduk": a.desa_pop.astype(np.int64),
            "tps": desa_tps,
        },
        geometry=list(b.desa),
        crs=CRS,
    )
    kec = gpd.GeoDataFrame(
        {
            "kode": u.kec_kode,
            "nama": u.kec_nama,
            "kode_kab": [u.kab_kode[k] for k in a.kec_kab],
            "nama_kab": [u.kab_nama[k] for k in a.kec_kab],
            "kode_prov": PROVINCE_CODE,
            "nama_prov": PROVINCE_NAME,
            "ibukota": [u.desa_nama[d] for d in a.kec_capital_desa],
            "penduduk": kec_pop,
            "tps": kec_tps,
        },
        geometry=list(b.kec),
        crs=CRS,
    )
    kab = gpd.GeoDataFrame(
        {
            "kode": u.kab_kode,
            "nama": u.kab_nama,
            "jenis": a.kab_jenis,
            "ibukota": [u.desa_nama[d] for d in a.kab_capital_desa],
        },
        geometry=list(b.kab),
        crs=CRS,
    )
    prov = gpd.GeoDataFrame(
        {"kode": [PROVINCE_CODE], "nama": [PROVINCE_NAME]}, geometry=[b.province], crs=CRS
    )
    border = gpd.GeoDataFrame({"nama": ["Batas negara (sintetis)"]}, geometry=[b.border], crs=CRS)
    coast_parts = [g for g in shapely.get_parts(b.coast) if g.length > 0]
    coast = gpd.GeoDataFrame(
        {"nama": ["Garis pantai (sintetis)"] * len(coast_parts)}, geometry=coast_parts, crs=CRS
    )
    coast = coast.iloc[np.lexsort((coast.geometry.bounds["miny"], coast.geometry.bounds["minx"]))]
    return {
        "provinsi": prov,
        "kabupaten": _sorted(kab),
        "kecamatan": _sorted(kec),
        "desa": _sorted(desa),
        "batas_negara": border,
        "garis_pantai": coast.reset_index(drop=True),
    }


def settlement_frame(t: Terrain, a: Admin, u: Units) -> gpd.GeoDataFrame:
    """One settlement per desa at its seed cell, with its role (``peran``)."""
    x, y = t.xy(a.desa_rc[:, 0], a.desa_rc[:, 1])
    peran = np.full(len(a.desa_rc), "desa", dtype=object)
    peran[a.kec_capital_desa] = "ibukota_kecamatan"
    peran[a.kab_capital_desa] = "ibukota_kabupaten"
    peran[a.prov_capital_desa] = "ibukota_provinsi"
    desa_kab = a.kec_kab[a.desa_kec]
    gdf = gpd.GeoDataFrame(
        {
            "nama": u.desa_nama,
            "kode_desa": u.desa_kode,
            "kode_kec": [u.kec_kode[j] for j in a.desa_kec],
            "kode_kab": [u.kab_kode[k] for k in desa_kab],
            "penduduk": a.desa_pop.astype(np.int64),
            "peran": peran.astype(str),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=CRS,
    )
    return _sorted(gdf, "kode_desa")


def network_frames(rv: Rivers, rd: Roads) -> dict[str, gpd.GeoDataFrame]:
    """River and road layers (EPSG:32650) with stable ids."""
    sungai = gpd.GeoDataFrame(
        {
            "id": [f"S{i + 1:05d}" for i in range(len(rv.lines))],
            "nama": rv.nama,
            "orde": rv.orde.astype(np.int64),
            "navigasi": rv.navigasi,
            "surut_musiman": rv.surut_musiman.astype(bool),
            "riam": np.array([n == "jeram" for n in rv.navigasi], dtype=bool),
        },
        geometry=rv.lines,
        crs=CRS,
    )
    order = np.lexsort(
        (
            [ln.coords[0][1] for ln in rd.lines],
            [ln.coords[0][0] for ln in rd.lines],
            [ln.length for ln in rd.lines],
        )
    )
    jalan = gpd.GeoDataFrame(
        {
            "nama": [rd.nama[i] for i in order],
            "kelas": [rd.kelas[i] for i in order],
            "jembatan": [bool(rd.jembatan[i]) for i in order],
        },
        geometry=[rd.lines[i] for i in order],
        crs=CRS,
    )
    jalan.insert(0, "id", [f"J{i + 1:05d}" for i in range(len(jalan))])
    return {"sungai": sungai, "jalan": jalan}
