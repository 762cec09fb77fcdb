"""The normalised schemas every loader produces and every analysis consumes.

Loaders (``kewaspadaan.io``) turn whatever users have (Kemendagri GeoJSON/GeoPackage/Shapefile,
ACLED CSV exports, generic CSV/GeoJSON, GeoTIFF) into these; the rest of the engine relies on them.
"""

from __future__ import annotations

__all__ = [
    "BOUNDARY_COLUMNS",
    "DELIVERY_STATUS",
    "DEMO_FILES",
    "DEMO_LAYER_COLUMNS",
    "DESA_COLUMNS",
    "ECHELONS",
    "FLEET_COLUMNS",
    "FLEET_OPTIONAL_COLUMNS",
    "HOTSPOT_TRENDS",
    "INCIDENT_COLUMNS",
    "LEVELS",
    "MODES",
    "NETWORK_OPTIONAL_COLUMNS",
    "PLAN_DESTINATION_COLUMNS",
    "PLAN_STOP_COLUMNS",
    "PLAN_TRIP_COLUMNS",
    "PLAN_UNMET_COLUMNS",
    "PROBLEM_COLUMNS",
    "RAWAN_CLASSES",
    "REJECTION_COLUMNS",
    "RISK_CLASSES",
    "RISK_COLUMNS",
    "ROUTE_COLUMNS",
]

# --------------------------------------------------------------------------------------------
# Fixed identifiers: the values users see in the data (tables, GeoPackages, JSON). They never
# depend on the report language; labels for display live in ``kewaspadaan/locale/*.json``.
# --------------------------------------------------------------------------------------------
#: Administrative levels that can be scored, largest first.
LEVELS: tuple[str, ...] = ("kabupaten", "kecamatan", "desa")
#: Risk classes, lowest first (column ``kelas``).
RISK_CLASSES: tuple[str, ...] = ("rendah", "sedang", "tinggi", "sangat tinggi")
#: Classes counted as *rawan* (vulnerable): escorts, personnel norm, hours in rawan areas.
RAWAN_CLASSES: tuple[str, ...] = ("tinggi", "sangat tinggi")
#: Transport modes of vehicles (column ``moda``; a route's modes are joined with ``+``).
MODES: tuple[str, ...] = ("road", "river", "sea", "air")
#: Delivery status of a destination (column ``status`` of routes and of the delivery plan).
DELIVERY_STATUS: tuple[str, ...] = ("tepat_waktu", "terlambat", "tidak_terjangkau")
#: Echelons of the delivery plan (column ``tingkat``): KPU kabupaten → PPK (``ppk``), PPK →
#: PPS/desa (``pps``), KPU kabupaten → desa directly (``langsung``).
ECHELONS: tuple[str, ...] = ("ppk", "pps", "langsung")

#: Emerging hot-spot categories per unit (column ``tren_hotspot``): Gi* per month with a
#: Mann–Kendall trend test (baru = new, menguat = intensifying, menetap = persistent,
#: melemah = diminishing, sporadis = sporadic, bukan = not a hot spot).
HOTSPOT_TRENDS: tuple[str, ...] = ("baru", "menguat", "menetap", "melemah", "sporadis", "bukan")

#: Kecamatan (or kabupaten) boundaries: Kemendagri codes with dots (``64.01.01``), names,
#: parent kabupaten code (``64.01``) and name. RangeIndex; ``kode`` is unique.
BOUNDARY_COLUMNS: tuple[str, ...] = ("kode", "nama", "kode_kab", "nama_kab", "geometry")

#: Desa/kelurahan boundaries add their kecamatan (``kode`` like ``64.01.01.2009``).
DESA_COLUMNS: tuple[str, ...] = (
    "kode",
    "nama",
    "kode_kec",
    "nama_kec",
    "kode_kab",
    "nama_kab",
    "geometry",
)

#: Normalised incidents (one row per event, point geometry in EPSG:4326).
#: ``event_date`` is datetime64 (day precision, no time zone); ``fatalities`` int;
#: ``geo_precision`` 1 (exact town) .. 3 (region), as ACLED; ``source_file``/``source_row`` point
#: back to the input (row = 1-based data row, header excluded); ``source_kind`` is the format
#: (acled, ucdp, generic, laporan); ``reliability`` the grade of a field report (Admiralty code
#: such as ``B2``; empty for event datasets); ``place_code`` the Kemendagri code a field report was
#: placed by (desa or kecamatan; empty for geocoded events). After assignment a ``kode`` column (unit code) and
#: ``assign_rule`` (how it was assigned) are added.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "fatalities",
    "geo_precision",
    "notes",
    "source_file",
    "source_row",
    "source_kind",
    "reliability",
    "place_code",
    "geometry",
)

#: Rejected incidents: where they came from and why; ``incidents read = assigned + rejected``.
REJECTION_COLUMNS: tuple[str, ...] = ("source_file", "source_row", "event_id", "reason")

#: Files of the generated demonstration province, relative to the data folder.
DEMO_FILES: dict[str, str] = {
    "provinsi": "boundaries/provinsi.geojson",
    "kabupaten": "boundaries/kabupaten.geojson",
    "kecamatan": "boundaries/kecamatan.geojson",
    "desa": "boundaries/desa.geojson",
    "batas_negara": "boundaries/batas_negara.geojson",
    "garis_pantai": "boundaries/garis_pantai.geojson",
    "dem": "terrain/dem.tif",
    "sungai": "network/sungai.geojson",
    "jalan": "network/jalan.geojson",
    "pelabuhan": "network/pelabuhan.geojson",
    "bandara": "network/bandara.geojson",
    "permukiman": "network/permukiman.geojson",
    "gudang_kpu": "network/gudang_kpu.geojson",
    "pos_keamanan": "network/pos_keamanan.geojson",
    "armada": "network/armada.csv",
    "insiden": "incidents/insiden_acled.csv",
    "intensitas_benar": "incidents/intensitas_benar.csv",
    "manifest": "MANIFEST.json",
}

#: Columns of each demonstration layer (beyond ``geometry``). Vector layers are EPSG:4326 GeoJSON;
#: the DEM is a GeoTIFF in EPSG:32650 (UTM 50N), float32 metres, nodata over the sea.
DEMO_LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "provinsi": ("kode", "nama"),
    "kabupaten": ("kode", "nama", "jenis", "ibukota"),  # jenis: kabupaten | kota
    "kecamatan": (
        "kode",
        "nama",
        "kode_kab",
        "nama_kab",
        "kode_prov",
        "nama_prov",
        "ibukota",
        "penduduk",
        "tps",
    ),
    "desa": (
        "kode",
        "nama",
        "kode_kec",
        "nama_kec",
        "kode_kab",
        "nama_kab",
        "jenis",
        "penduduk",
        "tps",
    ),  # jenis: desa | kelurahan
    "batas_negara": ("nama",),  # LineString: the international border
    "garis_pantai": ("nama",),  # LineString(s): the coastline, islands included
    # navigasi: besar | kecil | jeram (rapids) | tidak (not navigable);
    # surut_musiman: the reach is impassable at seasonal low water (optional columns:
    # NETWORK_OPTIONAL_COLUMNS)
    "sungai": ("id", "nama", "orde", "navigasi", "surut_musiman"),
    # kelas: arteri | kolektor | lokal | setapak; jembatan: the segment is a bridge
    "jalan": ("id", "nama", "kelas", "jembatan"),
    "pelabuhan": ("nama", "kategori", "kode_kec"),  # kategori: laut | sungai
    # jenis: bandara | lapangan_terbang | helipad; panjang_landas_m runway length in metres
    # (OurAirports runways length_ft x 0.3048; helipad 0; empty = unknown: helicopters only)
    "bandara": ("nama", "jenis", "panjang_landas_m", "kode_kec"),
    # peran: ibukota_provinsi | ibukota_kabupaten | ibukota_kecamatan | desa
    "permukiman": ("nama", "kode_desa", "kode_kec", "kode_kab", "penduduk", "peran"),
    "gudang_kpu": ("nama", "kode_kab"),
    "pos_keamanan": (
        "nama",
        "jenis",
        "kode_kec",
    ),  # jenis: polda | polres | polsek | kodim | koramil
    # one row per owner and vehicle type (FLEET_COLUMNS; optional: FLEET_OPTIONAL_COLUMNS)
    "armada": ("kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak"),
    # ground truth of the generator, for validation only: expected events per kecamatan per month
    "intensitas_benar": ("kode", "bulan", "lambda_benar"),
}

#: Optional columns of network layers (read when present; readers may produce them):
#:
#: - ``sungai``: ``riam`` (bool: a rapid reach only longboats and ketinting pass; navigasi
#:   ``jeram`` implies it), ``arah_digitasi`` (``hilir``: the line is drawn downstream, the
#:   default; ``hulu``: drawn upstream), ``arus_kmh`` (current at normal water, km/h; default
#:   by navigasi), ``faktor_kelokan`` (length factor of a generalised line: real length /
#:   drawn length);
#: - ``jalan``: ``faktor_jalan`` (length factor), ``kapasitas``;
#: - ``pelabuhan``: ``hub`` is not needed: any named port, airstrip or settlement can be a
#:   vehicle base (``armada.pangkalan``);
#: - ``armada``: :data:`FLEET_OPTIONAL_COLUMNS`.
NETWORK_OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "sungai": ("riam", "arah_digitasi", "arus_kmh", "faktor_kelokan"),
    "jalan": ("faktor_jalan", "kapasitas"),
    "armada": ("kode_kec", "pangkalan", "muatan_kg"),
}

#: The risk table written by ``kewaspadaan score`` (one row per kecamatan/desa, index aligned to
#: the boundaries). Feature columns follow these; ``pendorong`` lists the top drivers, most
#: important first, separated by "; ".
RISK_COLUMNS: tuple[str, ...] = (
    "kode",
    "nama",
    "kode_kab",
    "nama_kab",
    "skor",
    "kelas",
    "peringkat",
    "pendorong",
    "prob_insiden",
    "perubahan_skor",
    "peringatan",
    "geometry",
)

#: The route table written by ``kewaspadaan routes`` (one row per destination; LineString in
#: EPSG:4326 of the path; times in hours; ``tiba``/``tenggat`` timestamps; ``moda`` like
#: ``"road+river"``; ``jam_zona_rawan_h`` hours through kecamatan of class tinggi/sangat tinggi).
ROUTE_COLUMNS: tuple[str, ...] = (
    "tujuan_kode",
    "tujuan_nama",
    "depot",
    "waktu_tempuh_h",
    "moda",
    "berangkat",
    "tiba",
    "tenggat",
    "terlambat",
    "terjangkau",
    "jam_zona_rawan_h",
    "geometry",
)

#: The fleet table (``armada.csv``): required columns, one row per owner and vehicle type.
#: ``kode_kab`` KPU kabupaten/kota; ``moda`` road | river | sea | air; ``jenis`` a vehicle type
#: of ``settings.vehicle_types`` (truk, pickup, kapal_sungai, speedboat, longboat, ketinting,
#: kapal, pesawat_kecil, helikopter) or the user's own; ``jumlah`` count; ``kapasitas_kotak``
#: boxes per trip.
FLEET_COLUMNS: tuple[str, ...] = ("kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak")
#: Optional fleet columns: ``kode_kec`` (the PPK that uses the vehicles; empty = the KPU
#: kabupaten fleet), ``pangkalan`` (name of the node they start from: a hub), ``muatan_kg``
#: (payload per trip, kg).
FLEET_OPTIONAL_COLUMNS: tuple[str, ...] = ("kode_kec", "pangkalan", "muatan_kg")

#: Destinations late or cut off (``LogisticsResult.problems()``, ``masalah_logistik.csv``; the
#: CLI, ``ringkasan.json`` and the report use them): ``status`` in ``DELIVERY_STATUS``, ``kotak``
#: the boxes not delivered by the deadline, ``tingkat`` in ``ECHELONS``.
PROBLEM_COLUMNS: tuple[str, ...] = (
    "tujuan_kode",
    "tujuan_nama",
    "kode_kec",
    "status",
    "alasan",
    "kotak",
    "tingkat",
)

# Delivery plan tables (kewaspadaan.network.DeliveryPlan; written as perjalanan.csv,
# rencana_pengiriman.csv, kebutuhan_tidak_terpenuhi.csv). Times are naive local timestamps.
#: Columns of :attr:`kewaspadaan.network.DeliveryPlan.trips` (one row per vehicle trip or helicopter sortie;
#: ``bahaya_riam``: the boat runs a riam reach).
PLAN_TRIP_COLUMNS: tuple[str, ...] = (
    "trip_id",
    "tingkat",
    "asal",
    "depot",
    "kendaraan",
    "jenis",
    "moda",
    "pangkalan",
    "kapasitas_kotak",
    "muatan_kotak",
    "muatan_kg",
    "jumlah_tujuan",
    "berangkat",
    "kembali",
    "jarak_km",
    "jam_gerak",
    "jam_kendaraan",
    "biaya_rp",
    "bahaya_riam",
)
#: Columns of :attr:`kewaspadaan.network.DeliveryPlan.stops` (one row per stop of a trip).
PLAN_STOP_COLUMNS: tuple[str, ...] = (
    "trip_id",
    "urutan",
    "tingkat",
    "tujuan_kode",
    "tujuan_nama",
    "kode_kec",
    "muatan_kotak",
    "tiba",
    "tenggat",
    "terlambat",
    "status",
)
#: Columns of :attr:`kewaspadaan.network.DeliveryPlan.unmet` (boxes late or not delivered, with the reason).
PLAN_UNMET_COLUMNS: tuple[str, ...] = (
    "tujuan_kode",
    "tujuan_nama",
    "kode_kec",
    "tingkat",
    "depot",
    "moda",
    "permintaan_kotak",
    "kurang_kotak",
    "tidak_terkirim_kotak",
    "status",
    "alasan",
)
#: Columns of :attr:`kewaspadaan.network.DeliveryPlan.destinations` (one row per final destination, desa or
#: kecamatan): ``status`` in ``schema.DELIVERY_STATUS``; ``tiba`` = arrival of the last box,
#: ``tiba_tps`` = that plus ``settings.pps_to_tps_h``; ``moda`` = modes of the vehicles that
#: carried its boxes (all echelons).
PLAN_DESTINATION_COLUMNS: tuple[str, ...] = (
    "tujuan_kode",
    "tujuan_nama",
    "kode_kec",
    "depot",
    "permintaan_kotak",
    "tepat_waktu_kotak",
    "terlambat_kotak",
    "tidak_terkirim_kotak",
    "tiba",
    "tenggat",
    "tiba_tps",
    "tenggat_tps",
    "moda",
    "sorti_helikopter",
    "status",
    "alasan",
)
