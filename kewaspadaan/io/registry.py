"""The layers an analysis can use, in one registry: what each is, its options, its columns and
what it enables.

:data:`LAYERS` is read by the project file (which keys are valid), by ``kewaspadaan check``
(what a layer enables or what is skipped without it), by ``kewaspadaan init`` (the template) and
by :func:`kewaspadaan.io.layers.load_layers` (which reader reads it). A new kind of layer is one
entry here and one reader in :mod:`kewaspadaan.io.layers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["COMMON_OPTIONS", "LAYERS", "LayerSpec", "guess_layer"]

#: Options every layer accepts: ``{option: (type, help)}``.
COMMON_OPTIONS: dict[str, tuple[Any, str]] = {
    "columns": (dict, 'schema column = your file\'s column, e.g. { kode = "KDCPUM" }'),
    "crs": (str, 'CRS of a file that has none, e.g. "EPSG:4326" (never overrides one)'),
    "layer": ((str, int), "layer of a GeoPackage holding several"),
    "sheet": ((str, int), "sheet of a workbook holding several"),
    "encoding": (str, 'text encoding of a CSV, e.g. "cp1252"'),
    "note": (str, "a note on the source, shown in the report's data sources"),
}


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the registry.

    Attributes
    ----------
    name : str
        The key in ``[data]`` (Indonesian, as the data vocabulary).
    description : str
        One line for people.
    kind : str
        ``boundary``, ``vector``, ``table``, ``incidents`` or ``raster``.
    geometry : str or None
        Required geometry family of a vector layer.
    columns : tuple of str
        Schema columns a ``columns =`` mapping may name.
    options : dict
        Layer-specific options: ``{option: (type, help)}``.
    enables : str
        What the layer enables (shown by ``check`` and ``init``).
    without : str
        What happens without it.
    multiple : bool
        Several files allowed (``[[data.insiden]]``).
    tiles : bool
        A list of paths allowed (DEM tiles).
    demo_only : bool
        Only the generated demonstration province has it (validation truth).
    example : str
        Example file name for the template.
    """

    name: str
    description: str
    kind: str
    geometry: str | None = None
    columns: tuple[str, ...] = ()
    options: dict[str, tuple[Any, str]] = field(default_factory=dict)
    enables: str = ""
    without: str = ""
    multiple: bool = False
    tiles: bool = False
    demo_only: bool = False
    example: str = ""


_BOUNDARY_OPTIONS = {
    "prefix": (str, 'keep only units whose code starts with this, e.g. "64" for Kaltim'),
    "repair": (bool, "repair invalid polygons with make_valid (default true)"),
}

#: Every layer, in load order (boundaries first: other layers are matched to them).
LAYERS: dict[str, LayerSpec] = {
    s.name: s
    for s in (
        LayerSpec(
            "provinsi",
            "batas provinsi (poligon)",
            "vector",
            "polygon",
            ("kode", "nama"),
            {"prefix": _BOUNDARY_OPTIONS["prefix"]},
            "garis pantai turunan (bila tidak ada lapisan garis pantai)",
            "garis pantai hanya dari lapisan garis_pantai",
            example="provinsi.geojson",
        ),
        LayerSpec(
            "kabupaten",
            "batas kabupaten/kota (poligon, kode Kemendagri 64.01)",
            "boundary",
            "polygon",
            ("kode", "nama"),
            dict(_BOUNDARY_OPTIONS),
            "penilaian tingkat kabupaten; nama kabupaten bagi laporan lapangan; ibu kota",
            "tingkat kabupaten diturunkan dari kecamatan",
            example="kabupaten.geojson",
        ),
        LayerSpec(
            "kecamatan",
            "batas kecamatan (poligon, kode Kemendagri 64.01.01)",
            "boundary",
            "polygon",
            ("kode", "nama", "kode_kab", "nama_kab"),
            dict(_BOUNDARY_OPTIONS),
            "penilaian risiko per kecamatan; penugasan insiden; tujuan logistik",
            "tidak ada penilaian tingkat kecamatan",
            example="kecamatan.geojson",
        ),
        LayerSpec(
            "desa",
            "batas desa/kelurahan (poligon, kode 64.01.01.2001)",
            "boundary",
            "polygon",
            ("kode", "nama", "kode_kec", "nama_kec", "kode_kab", "nama_kab"),
            dict(_BOUNDARY_OPTIONS),
            "penilaian per desa; permukiman dan ibu kota turunan; tujuan logistik per desa; "
            "penempatan laporan lapangan per desa",
            "logistik hanya ke kecamatan; permukiman dari lapisan permukiman",
            example="desa.geojson",
        ),
        LayerSpec(
            "batas_negara",
            "perbatasan negara (garis)",
            "vector",
            "line",
            ("nama",),
            enables="fitur jarak ke perbatasan negara",
            without="border_distance_km tidak dihitung",
            example="batas_negara.geojson",
        ),
        LayerSpec(
            "garis_pantai",
            "garis pantai (garis)",
            "vector",
            "line",
            ("nama",),
            enables="fitur jarak ke pantai",
            without="diturunkan dari poligon provinsi bila "
            "ada; jika tidak, coast_distance_km tidak dihitung",
            example="garis_pantai.geojson",
        ),
        LayerSpec(
            "sungai",
            "sungai (garis; OSM .osm.pbf/GraphML atau vektor)",
            "vector",
            "line",
            ("id", "nama", "orde", "navigasi", "surut_musiman"),
            {
                "navigasi": (str, "navigability when the file has none: besar, kecil, jeram"),
                "format": (str, "osm to read an OSM extract's waterways; default: by file"),
            },
            "jarak ke sungai; jaringan logistik sungai; permukaan gesekan",
            "tanpa moda sungai",
            example="sungai.geojson",
        ),
        LayerSpec(
            "jalan",
            "jalan (garis; OSM .osm.pbf/GraphML/GeoPackage osmnx atau vektor)",
            "vector",
            "line",
            ("id", "nama", "kelas", "jembatan"),
            {
                "kelas": (
                    str,
                    "road class when the file has none: arteri, kolektor, lokal, setapak",
                ),
                "format": (str, "osm to read an OSM extract's roads; default: by file"),
            },
            "jaringan logistik jalan; jembatan; permukaan gesekan",
            "jalan cadangan (lintasan antar permukiman terdekat, terdokumentasi)",
            example="jalan.osm.pbf",
        ),
        LayerSpec(
            "pelabuhan",
            "pelabuhan (titik)",
            "vector",
            "point",
            ("nama", "kategori"),
            {"kategori": (str, "laut or sungai when the file has no kategori")},
            "jalur laut antar pelabuhan; konfirmasi garis pantai turunan",
            "tanpa moda laut",
            example="pelabuhan.geojson",
        ),
        LayerSpec(
            "bandara",
            "bandara/lapangan terbang/helipad (OurAirports CSV atau titik)",
            "vector",
            "point",
            ("nama", "jenis", "panjang_landas_m", "latitude", "longitude"),
            {"runways": (str, "OurAirports runways.csv for runway lengths")},
            "moda udara (pesawat kecil, helikopter) dengan panjang landasan",
            "tanpa moda udara",
            example="airports.csv",
        ),
        LayerSpec(
            "kota",
            "kota/pusat permukiman gazetir (mis. Natural Earth populated places)",
            "vector",
            "point",
            ("nama",),
            enables="ibu kota kabupaten/provinsi turunan",
            without="ibu kota menurut aturan kelurahan terbanyak",
            example="populated_places.geojson",
        ),
        LayerSpec(
            "permukiman",
            "permukiman (titik: nama, kode_desa, peran)",
            "vector",
            "point",
            ("nama", "kode_desa", "kode_kec", "kode_kab", "penduduk", "peran"),
            enables="tujuan logistik; keterpencilan berbobot penduduk",
            without="diturunkan dari desa (titik pusat, peran menurut aturan)",
            example="permukiman.geojson",
        ),
        LayerSpec(
            "gudang_kpu",
            "gudang logistik KPU (titik)",
            "vector",
            "point",
            ("nama", "kode_kab"),
            enables="asal pengiriman logistik",
            without="diasumsikan satu gudang di ibu kota tiap kabupaten/kota",
            example="gudang_kpu.geojson",
        ),
        LayerSpec(
            "pos_keamanan",
            "pos keamanan (Polres/Polsek/Kodim/Koramil, titik)",
            "vector",
            "point",
            ("nama", "jenis"),
            enables="waktu tempuh ke pos keamanan",
            without="tt_security_post_h tidak dihitung",
            example="pos_keamanan.geojson",
        ),
        LayerSpec(
            "armada",
            "armada logistik (tabel: kode_kab, moda, jenis, jumlah, kapasitas)",
            "table",
            None,
            ("kode_kab", "moda", "jenis", "jumlah", "kapasitas_kotak"),
            enables="rencana pengiriman dengan kapasitas",
            without="tanpa rencana pengiriman (hanya rute tercepat)",
            example="armada.csv",
        ),
        LayerSpec(
            "tps",
            "jumlah TPS per desa atau kecamatan (tabel KPU)",
            "table",
            None,
            ("kode", "kode_kpu", "nama", "nilai"),
            {"level": (str, "desa (default) or kecamatan")},
            "kebutuhan logistik (kotak suara) dan norma personel",
            "kebutuhan dari kolom tps batas wilayah, bila ada",
            example="tps_per_desa.csv",
        ),
        LayerSpec(
            "penduduk",
            "jumlah penduduk per unit (tabel BPS/Kemendagri)",
            "table",
            None,
            ("kode", "nama", "nama_kab", "nilai"),
            {"level": (str, "kecamatan (default), desa or kabupaten")},
            "kepadatan penduduk; insiden per 10 rb penduduk",
            "fitur penduduk tidak dihitung",
            example="penduduk.csv",
        ),
        LayerSpec(
            "insiden",
            "insiden: ACLED (CSV/xlsx), UCDP GED, tabel umum, laporan lapangan",
            "incidents",
            None,
            (
                "event_id",
                "event_date",
                "event_type",
                "latitude",
                "longitude",
                "fatalities",
                "notes",
                "place_code",
                "desa",
                "kecamatan",
                "kabupaten",
                "reliability",
            ),
            {
                "format": (str, "auto, acled, ucdp, generic or laporan (field reports)"),
                "date_format": (str, "strftime format of the dates, e.g. %d/%m/%Y"),
                "swap_latlon": (bool, "the file has latitude and longitude exchanged"),
            },
            "riwayat insiden, limpahan, model prakiraan, backtest, peringatan",
            "hanya kelompok statis (geografi, keterpencilan); tanpa model",
            multiple=True,
            example="acled_export.csv",
        ),
        LayerSpec(
            "dem",
            "model elevasi (GeoTIFF; satu atau beberapa tile, CRS apa pun)",
            "raster",
            None,
            (),
            {"resolution_m": ((int, float), "cell size of the mosaic, metres")},
            "fitur medan (elevasi, lereng, kekasaran); keterpencilan lewat permukaan gesekan",
            "fitur medan tidak dihitung; keterpencilan garis lurus",
            tiles=True,
            example="dem.tif",
        ),
        LayerSpec(
            "intensitas_benar",
            "intensitas benar generator (hanya provinsi demonstrasi)",
            "table",
            None,
            ("kode", "bulan", "lambda_benar"),
            enables="validasi terhadap kebenaran (hanya data sintetis)",
            without="tanpa validasi kebenaran",
            demo_only=True,
        ),
    )
}

_GUESSES: tuple[tuple[str, str], ...] = (
    (r"acled|ucdp|insiden|incident|kejadian|ged_", "insiden"),
    (r"laporan|fkdm|kesbang", "insiden"),
    (r"runway", ""),
    (r"airport|bandara|bandar_udara", "bandara"),
    (r"pelabuhan|port", "pelabuhan"),
    (r"sungai|river|waterway", "sungai"),
    (r"jalan|road|\.osm\.pbf$|\.graphml$|osm_drive", "jalan"),
    (r"\btps\b|_tps|tps_", "tps"),
    (r"penduduk|populasi|population", "penduduk"),
    (r"populated_place|gazetteer", "kota"),
    (r"permukiman|settlement", "permukiman"),
    (r"desa|kelurahan|village", "desa"),
    (r"kecamatan|district|_kec", "kecamatan"),
    (r"kab|kota|regency", "kabupaten"),
    (r"prov", "provinsi"),
    (r"\.tif+$|dem|srtm|etopo", "dem"),
    (r"armada|fleet", "armada"),
    (r"gudang|depot|warehouse", "gudang_kpu"),
    (r"polres|polsek|koramil|pos_keamanan", "pos_keamanan"),
)
_DATA_SUFFIX = re.compile(r"\.(geojson|json|gpkg|shp|zip|csv|xlsx|xls|ods|tif|tiff|pbf|graphml)$")


def guess_layer(filename: str) -> str | None:
    """The layer a file name suggests (for the ``init`` template), or ``None``.

    Examples
    --------
    >>> guess_layer("kaltim_kecamatan_kemendagri2022.geojson")
    'kecamatan'
    >>> guess_layer("ourairports_runways.csv") is None
    True
    """
    name = filename.lower()
    if not _DATA_SUFFIX.search(name) or name.endswith(".aux.xml"):
        return None
    for pattern, layer in _GUESSES:
        if re.search(pattern, name):
            return layer or None
    return None
