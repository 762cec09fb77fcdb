"""Rebuild the tiny synthetic fixtures of the io tests: ``python tests/data/make_io_fixtures.py``.

The data are invented (square "kecamatan", made-up events); only the formats are real.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import shapely

HERE = Path(__file__).resolve().parent

ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

# (id, date, type, sub type, lat, lon, precision, fatalities, admin3)
EVENTS = [
    ("IDN1001", "2024-01-15", "Protests", "Peaceful protest", -0.75, 116.25, 1, 0, "Alfa"),
    ("IDN1002", "15 January 2024", "Riots", "Mob violence", -0.70, 116.75, 1, 1, "Bravo"),
    (
        "IDN1003",
        "2023-11-02",
        "Violence against civilians",
        "Attack",
        -0.25,
        116.20,
        2,
        2,
        "Charlie",
    ),
    (
        "IDN1004",
        "03 March 2023",
        "Protests",
        "Peaceful protest",
        -0.25,
        116.48,
        1,
        0,
        "Charlie",
    ),  # in Charlie and Delta: Charlie's centroid is nearer
    (
        "IDN1005",
        "2024-02-29",
        "Riots",
        "Violent demonstration",
        -0.25,
        116.49,
        1,
        0,
        "Delta",
    ),  # in Charlie and Delta: Delta's centroid is nearer
    (
        "IDN1006",
        "2024-05-01",
        "Strategic developments",
        "Other",
        -0.80,
        117.01,
        3,
        0,
        "Bravo",
    ),  # ~1.1 km east of Bravo: nearest
    (
        "IDN1007",
        "2024-06-10",
        "Battles",
        "Armed clash",
        -0.80,
        117.30,
        2,
        3,
        "Bravo",
    ),  # ~33 km east of every polygon: rejected
]


def kecamatan() -> gpd.GeoDataFrame:
    rows = [
        ("64.01.01", "Alfa", "64.01", "Kabupaten Satu", (116.0, -1.0, 116.5, -0.5), 12000, 40),
        ("64.01.02", "Bravo", "64.01", "Kabupaten Satu", (116.5, -1.0, 117.0, -0.5), 8000, 30),
        ("64.02.01", "Charlie", "64.02", "Kota Dua", (116.0, -0.5, 116.5, 0.0), 30000, 90),
        ("64.02.02", "Delta", "64.02", "Kota Dua", (116.45, -0.5, 117.0, 0.0), 25000, 70),
    ]
    return gpd.GeoDataFrame(
        {
            "kode": [r[0] for r in rows],
            "nama": [r[1] for r in rows],
            "kode_kab": [r[2] for r in rows],
            "nama_kab": [r[3] for r in rows],
            "penduduk": [r[5] for r in rows],
            "tps": [r[6] for r in rows],
        },
        geometry=[shapely.box(*r[4]) for r in rows],
        crs="EPSG:4326",
    )


def main() -> None:
    kecamatan().to_file(HERE / "kecamatan_mini.geojson", driver="GeoJSON")
    with open(HERE / "acled_mini.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for eid, date, etype, sub, lat, lon, prec, fat, adm3 in EVENTS:
            year = date[-4:] if " " in date else date[:4]
            writer.writerow(
                {
                    "event_id_cnty": eid,
                    "event_date": date,
                    "year": year,
                    "time_precision": 1,
                    "disorder_type": "Demonstrations"
                    if etype in ("Protests", "Riots")
                    else "Political violence",
                    "event_type": etype,
                    "sub_event_type": sub,
                    "actor1": "Protesters (Indonesia)",
                    "assoc_actor_1": "",
                    "inter1": 6,
                    "actor2": "",
                    "assoc_actor_2": "",
                    "inter2": 0,
                    "interaction": 60,
                    "civilian_targeting": "",
                    "iso": 360,
                    "region": "Southeast Asia",
                    "country": "Indonesia",
                    "admin1": "Kalimantan Timur",
                    "admin2": "Kabupaten Satu",
                    "admin3": adm3,
                    "location": f"Desa {adm3}",
                    "latitude": lat,
                    "longitude": lon,
                    "geo_precision": prec,
                    "source": "Synthetic",
                    "source_scale": "Local",
                    "notes": f"Synthetic test event {eid}, invented for kewaspadaan tests.",
                    "fatalities": fat,
                    "tags": "",
                    "timestamp": 1718000000,
                }
            )


if __name__ == "__main__":
    main()
