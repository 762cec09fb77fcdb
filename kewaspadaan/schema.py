"""The normalised schemas every loader produces and every analysis consumes.

Loaders (``kewaspadaan.io``) turn whatever users have (Kemendagri GeoJSON/GeoPackage/Shapefile,
ACLED CSV exports, generic CSV/GeoJSON, GeoTIFF) into these; the rest of the engine relies on them.
"""

from __future__ import annotations

__all__ = [
    "BOUNDARY_COLUMNS",
    "DEMO_FILES",
    "DESA_COLUMNS",
    "INCIDENT_COLUMNS",
    "REJECTION_COLUMNS",
]

#: Kecamatan (or kabupaten) boundaries: Kemendagri codes with dots (``64.01.01``), names,
#: parent kabupaten code (``64.01``) and name. RangeIndex; ``kode`` is unique.
BOUNDARY_COLUMNS: tuple[str, ...] = ("kode", "nama", "kode_kab", "nama_kab", "geometry")

#: Desa/kelurahan boundaries add their kecamatan (``kode`` like ``64.01.01.2009``).
DESA_COLUMNS: tuple[str, ...] = (
    "kode", "nama", "kode_kec", "nama_kec", "kode_kab", "nama_kab", "geometry",
)

#: Normalised incidents (one row per event, point geometry in EPSG:4326).
#: ``event_date`` is datetime64 (day precision, no time zone); ``fatalities`` int;
#: ``geo_precision`` 1 (exact town) .. 3 (region), as ACLED; ``source_file``/``source_row`` point
#: back to the input (row = 1-based data row, header excluded). After assignment a ``kode`` column
#: (kecamatan code) and ``assign_rule`` (how it was assigned) are added.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "event_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2",
    "location", "fatalities", "geo_precision", "notes", "source_file", "source_row", "geometry",
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
    "dem": "terrain/dem.tif",
    "sungai": "network/sungai.geojson",
    "jalan": "network/jalan.geojson",
    "pelabuhan": "network/pelabuhan.geojson",
    "bandara": "network/bandara.geojson",
    "permukiman": "network/permukiman.geojson",
    "gudang_kpu": "network/gudang_kpu.geojson",
    "pos_keamanan": "network/pos_keamanan.geojson",
    "insiden": "incidents/insiden_acled.csv",
    "intensitas_benar": "incidents/intensitas_benar.csv",
    "manifest": "MANIFEST.json",
}
