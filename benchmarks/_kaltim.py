"""The real Kalimantan Timur layers shaped for the logistics network (tests and benchmarks).

Files from the shared real-data folder (read-only, never copied into the repository), read with
pandas/geopandas and shaped into the layer columns of ``kewaspadaan.schema``:

- settlements: the 1,038 desa/kelurahan centroids (Kemendagri 2022) with capitals by
  :mod:`kewaspadaan.io.derive` (rules documented there); TPS per desa from the KPU Pemilu 2024
  table (``kode`` = Kemendagri desa code, ``jumlah_tps``);
- depots: one KPU warehouse per kabupaten/kota *assumed* at its capital
  (:func:`kewaspadaan.io.derive.depots_at_capitals`);
- rivers: Natural Earth 1:10m (``name`` only). Rules, each stated here: every river
  ``navigasi = "kecil"`` except the Mahakam ``"besar"`` (big river boats reach Long Bagun,
  36 h from Samarinda: hulumahakam.wordpress.com 2012); lines drawn downstream (checked for the
  Mahakam: source at 114.36E 1.36N, mouth at 117.44E 0.52S); the Mahakam's length factor
  ``faktor_kelokan`` = 920 / 677 (its length, about 920 km, over the Natural Earth line's 677 km:
  the 1:10m line is generalised); the riam reaches of the shipped list
  (:func:`kewaspadaan.network.riam_reaches`);
- ports: Dephub 2017 points (positions poor), ``kategori`` inferred (within the access
  distance of a river: ``sungai``);
- airstrips: OurAirports (closed ones left out), ``jenis`` bandara (medium airport) /
  lapangan_terbang (small airport) / helipad (heliport), ``panjang_landas_m`` = the longest
  runway ``length_ft`` x 0.3048. Mahakam Ulu's airstrips are mostly missing from OurAirports
  (Datah Dawai is there); the Batu Majang helipad the 2019 helicopter flew from (Antara,
  2019-04-14) is added by hand at the Batu Majang desa centroid — how a user adds one;
- land: the kecamatan polygons (sea lanes stay at sea).

The fleet of Mahakam Ulu (:func:`mahulu_fleet`) is an *assumption* for the demonstration of
the planner (no fleet data is public): the numbers are stated there.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from kewaspadaan.io.derive import depots_at_capitals, kabupaten_capitals, settlements_from_desa
from kewaspadaan.network import riam_reaches

__all__ = ["MAHULU", "kaltim_layers", "mahulu_fleet"]

#: Kemendagri code of Kabupaten Mahakam Ulu and of its two kecamatan above the riam.
MAHULU = "64.11"
UPPER = {"64.11.04": "Long Apari", "64.11.05": "Long Pahangai"}
#: Length of the Mahakam (km) over the Natural Earth line's length (km).
MAHAKAM_FACTOR = 920.0 / 677.5


def _airstrips(shared: Path, desa: pd.DataFrame) -> gpd.GeoDataFrame:
    ap = pd.read_csv(shared / "ourairports_airports_kaltim_margin.csv")
    rw = pd.read_csv(shared / "ourairports_runways_kaltim_margin.csv")
    ap = ap[ap["type"].isin(["small_airport", "medium_airport", "heliport"])]
    longest = rw[rw["closed"] != 1].groupby("airport_ident")["length_ft"].max() * 0.3048
    jenis = ap["type"].map(
        {"medium_airport": "bandara", "small_airport": "lapangan_terbang", "heliport": "helipad"}
    )
    gdf = gpd.GeoDataFrame(
        {
            "nama": ap["name"].to_numpy(),
            "jenis": jenis.to_numpy(),
            "panjang_landas_m": ap["ident"].map(longest).to_numpy(),
            "kode_kec": "",
        },
        geometry=gpd.points_from_xy(ap["longitude_deg"], ap["latitude_deg"]),
        crs="EPSG:4326",
    )
    bm = desa[desa["nama"] == "Batu Majang"].iloc[0]
    added = gpd.GeoDataFrame(
        {
            "nama": ["Helipad Batu Majang"],
            "jenis": ["helipad"],
            "panjang_landas_m": [0.0],
            "kode_kec": [bm["kode_kec"]],
        },
        geometry=gpd.points_from_xy([float(bm["lng_c"])], [float(bm["lat_c"])]),
        crs="EPSG:4326",
    )
    return pd.concat([gdf, added], ignore_index=True)


def _rivers(shared: Path) -> gpd.GeoDataFrame:
    r = gpd.read_file(shared / "ne10m_rivers_borneo_east.geojson").rename(columns={"name": "nama"})
    mahakam = r["nama"] == "Mahakam"
    return gpd.GeoDataFrame(
        {
            "id": [f"NE{i}" for i in range(len(r))],
            "nama": r["nama"],
            "navigasi": np.where(mahakam, "besar", "kecil"),
            "surut_musiman": False,
            "arah_digitasi": "hilir",
            "faktor_kelokan": np.where(mahakam, MAHAKAM_FACTOR, 1.0),
        },
        geometry=r.geometry,
        crs=r.crs,
    )


def kaltim_layers(shared: Path) -> dict[str, object]:
    """The layers above, by name, plus ``desa`` (``kode``, ``nama``, ``tps``)."""
    desa = pd.read_csv(shared / "kaltim_desa_kelurahan_centroids.csv", dtype=str)
    tps = pd.read_csv(shared / "kpu_tps_per_desa_kaltim_pemilu2024.csv", dtype={"kode": str})
    towns = gpd.read_file(shared / "ne10m_populated_places_borneo_east.geojson")
    kab = gpd.read_file(shared / "kalimantan_kabkota_kemendagri2022.geojson")
    kab = kab[kab["kode"].astype(str).str.startswith("64.")]
    # Mahakam Ulu's capital is Ujoh Bilang (UU 2/2013): a known fact the rules cannot find
    ujoh = desa.loc[(desa["kode_kab"] == MAHULU) & (desa["nama"] == "Ujoh Bilang"), "kode"]
    caps = kabupaten_capitals(
        desa, towns=towns, kabupaten=kab, capitals={MAHULU: str(ujoh.iloc[0])}
    )
    settlements = settlements_from_desa(desa, capitals=caps)
    # capitals of Mahakam Ulu's kecamatan, known facts a user adds (io.derive finds no capital
    # in a kecamatan of desa only): the PPK sits there
    known = {"Tiong Ohang", "Long Pahangai I", "Long Hubung", "Laham"}
    mahulu = settlements["kode_kab"] == MAHULU
    settlements.loc[mahulu & settlements["nama"].isin(known), "peran"] = "ibukota_kecamatan"
    names = dict(zip(desa["kode_kab"], desa["nama_kab"], strict=True))
    depots = depots_at_capitals(caps, names=names)
    ports = gpd.read_file(shared / "pelabuhan_kaltim_dephub2017.geojson").rename(
        columns={"name": "nama"}
    )[["nama", "kode_kec", "geometry"]]
    units = desa[["kode", "nama", "kode_kec", "kode_kab"]].merge(
        tps[["kode", "jumlah_tps"]], on="kode", how="left"
    )
    units["tps"] = pd.to_numeric(units.pop("jumlah_tps"), errors="coerce").fillna(0).astype(int)
    return {
        "permukiman": settlements,
        "gudang_kpu": depots,
        "sungai": _rivers(shared),
        "pelabuhan": ports,
        "bandara": _airstrips(shared, desa),
        "kecamatan": gpd.read_file(shared / "kaltim_kecamatan_kemendagri2022.geojson"),
        "desa": units,
        "riam": riam_reaches(),
    }


def mahulu_fleet() -> pd.DataFrame:
    """An *assumed* fleet for Mahakam Ulu (no fleet data is public), stated here:

    - KPU Mahakam Ulu (at Ujoh Bilang): 2 river boats (kapal_sungai), 6 longboats,
      4 speedboats, 2 pickups, and one Bell 412-class helicopter based at the Batu Majang
      helipad (the 2019 operation: Kodam VI/Mulawarman);
    - each PPK: 3 longboats and 4 ketinting hired locally; the PPK of Long Bagun (the capital's
      kecamatan) also 2 pickups.
    """
    rows = [
        ("64.11", "river", "kapal_sungai", 2, 400, "", ""),
        ("64.11", "river", "longboat", 6, 30, "", ""),
        ("64.11", "river", "speedboat", 4, 20, "", ""),
        ("64.11", "road", "pickup", 2, 60, "", ""),
        ("64.11", "air", "helikopter", 1, 8, "", "Helipad Batu Majang"),
    ]
    for kec in ("64.11.01", "64.11.02", "64.11.03", "64.11.04", "64.11.05"):
        rows.append(("64.11", "river", "longboat", 3, 30, kec, ""))
        rows.append(("64.11", "river", "ketinting", 4, 8, kec, ""))
    rows.append(("64.11", "road", "pickup", 2, 60, "64.11.01", ""))
    return pd.DataFrame(
        rows,
        columns=["kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak", "kode_kec", "pangkalan"],
    )
