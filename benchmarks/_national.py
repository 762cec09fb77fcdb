"""Generator of a national-size synthetic input for the scale benchmark (seeded, deterministic).

An Indonesia-like archipelago inside the national extent (95–141°E, 11°S–6°N): about thirty
"islands" (noisy ellipses placed and sized like Sumatra, Jawa, Kalimantan, Sulawesi, Papua, the
Nusa Tenggara chain, Maluku and smaller ones) tessellated into kecamatan by Voronoi cells, grouped
by k-means into 38 provinces and ~500 kabupaten with Kemendagri-style codes (``64``, ``64.01``,
``64.01.01``; desa ``64.01.01.2001``), plus incidents in ACLED export format.

Nothing here is real: names are made of syllables, populations are log-normal, conflict intensity
is a smooth field with hot spots. The shapes only need to be national-*sized* (counts, extent,
vertex counts, islands) for timing and memory.

Incidents mix what a real export holds: points inside kecamatan (most), on shared vertices (rule
``overlap``), just off the coast (rule ``nearest``), far at sea (rejected), and a few unusable rows
(empty date, unreadable coordinates, duplicated ``event_id_cnty``) that the loader rejects.

Use :func:`generate_national` (returns a :class:`NationalInput`, files written into a folder).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2

__all__ = [
    "ISLANDS",
    "NATIONAL_CRS",
    "NATIONAL_EXTENT",
    "PROVINCE_CODES",
    "NationalInput",
    "generate_national",
    "incidents_in_polygons",
]

logger = logging.getLogger(__name__)

#: Projected CRS of the whole archipelago (Lambert azimuthal equal-area centred on Indonesia):
#: one UTM zone cannot hold 46 degrees of longitude.
NATIONAL_CRS = "+proj=laea +lat_0=-2.5 +lon_0=118 +datum=WGS84 +units=m +no_defs"

#: Longitude/latitude extent of the generated land (the border with Papua New Guinea at 141°E).
NATIONAL_EXTENT: tuple[float, float, float, float] = (95.0, -11.0, 141.0, 6.0)

#: The 38 province codes of Kemendagri (2022), in the order the island groups take them.
PROVINCE_CODES: tuple[str, ...] = (
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "21",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "51",
    "52",
    "53",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "72",
    "73",
    "74",
    "75",
    "76",
    "81",
    "82",
    "91",
    "92",
    "93",
    "94",
    "95",
    "96",
)

#: Island: (group, centre lon, centre lat, half-length km, half-width km, rotation deg, share of
#: the kecamatan). Groups are the province groups (their number of provinces in ``_GROUPS``).
ISLANDS: dict[str, tuple[str, float, float, float, float, float, float]] = {
    "Sumatera": ("sumatera", 101.6, -0.4, 880, 190, -38, 0.205),
    "Nias": ("sumatera", 97.6, 1.1, 60, 22, -35, 0.006),
    "Mentawai": ("sumatera", 99.4, -1.9, 55, 18, -35, 0.003),
    "Simeulue": ("sumatera", 96.1, 2.6, 50, 14, -35, 0.002),
    "Bangka": ("babel", 106.1, -2.2, 110, 35, -40, 0.006),
    "Belitung": ("babel", 107.9, -2.9, 40, 35, 0, 0.003),
    "Batam-Bintan": ("kepri", 104.4, 1.0, 40, 25, 10, 0.004),
    "Natuna": ("kepri", 108.2, 3.9, 30, 18, 20, 0.002),
    "Jawa": ("jawa", 110.2, -7.3, 520, 70, -8, 0.300),
    "Madura": ("jawa", 113.3, -7.05, 80, 18, 0, 0.011),
    "Bali": ("bali", 115.1, -8.4, 70, 30, -10, 0.008),
    "Lombok": ("ntb", 116.3, -8.6, 40, 30, 0, 0.005),
    "Sumbawa": ("ntb", 117.8, -8.7, 130, 35, -5, 0.006),
    "Flores": ("ntt", 121.2, -8.6, 180, 28, -5, 0.012),
    "Sumba": ("ntt", 119.9, -9.7, 100, 32, -15, 0.005),
    "Timor": ("ntt", 124.3, -9.8, 150, 40, 30, 0.009),
    "Alor": ("ntt", 124.7, -8.3, 45, 14, 0, 0.002),
    "Kalimantan": ("kalimantan", 114.2, 0.3, 560, 420, 35, 0.085),
    "Sulawesi Utara-Tengah": ("sulawesi", 122.2, 0.7, 380, 45, -8, 0.040),
    "Sulawesi Selatan": ("sulawesi", 120.1, -3.6, 300, 75, -80, 0.050),
    "Sulawesi Tenggara": ("sulawesi", 122.4, -4.0, 170, 50, -60, 0.022),
    "Buton": ("sulawesi", 122.8, -5.2, 50, 20, -70, 0.003),
    "Halmahera": ("malut", 128.0, 1.0, 140, 40, -75, 0.008),
    "Ternate-Tidore": ("malut", 127.4, 0.75, 12, 10, 0, 0.001),
    "Seram": ("maluku", 129.5, -3.2, 170, 32, -5, 0.006),
    "Buru": ("maluku", 126.6, -3.4, 65, 40, 0, 0.003),
    "Ambon": ("maluku", 128.2, -3.7, 20, 8, 20, 0.002),
    "Kepulauan Kei-Aru": ("maluku", 134.4, -6.1, 90, 30, -80, 0.003),
    "Papua": ("papua", 137.6, -4.4, 660, 230, -12, 0.118),
    "Biak": ("papua", 136.1, -1.05, 40, 18, 0, 0.003),
    "Kepala Burung": ("papua", 132.6, -1.3, 190, 90, -10, 0.018),
}
#: Number of provinces per island group (sums to 38).
_GROUPS: dict[str, int] = {
    "sumatera": 8,
    "babel": 1,
    "kepri": 1,
    "jawa": 6,
    "bali": 1,
    "ntb": 1,
    "ntt": 1,
    "kalimantan": 5,
    "sulawesi": 6,
    "malut": 1,
    "maluku": 1,
    "papua": 6,
}
#: Conflict hot spots: (lon, lat, radius km, weight) — plausible, not real.
_HOT_SPOTS: tuple[tuple[float, float, float, float], ...] = (
    (96.5, 4.6, 150, 3.0),
    (138.9, -4.1, 250, 5.0),
    (136.5, -3.5, 150, 3.0),
    (120.7, -1.4, 90, 2.5),
    (128.2, -3.6, 60, 3.0),
    (106.8, -6.2, 60, 2.0),
    (112.7, -7.3, 50, 1.5),
    (98.7, 3.6, 60, 1.5),
    (119.4, -5.1, 50, 1.5),
    (113.0, -1.8, 120, 1.2),
)
_EVENT_TYPES = (
    "Protests",
    "Riots",
    "Violence against civilians",
    "Battles",
    "Strategic developments",
    "Explosions/Remote violence",
)
_EVENT_P = (0.46, 0.16, 0.14, 0.08, 0.12, 0.04)
_FATAL_MEAN = (0.01, 0.15, 0.5, 0.9, 0.0, 0.3)
_SUB_EVENT = {
    "Protests": "Peaceful protest",
    "Riots": "Violent demonstration",
    "Violence against civilians": "Attack",
    "Battles": "Armed clash",
    "Strategic developments": "Other",
    "Explosions/Remote violence": "Remote explosive/landmine/IED",
}
_SYLLABLES = (
    "ba",
    "ta",
    "ma",
    "ra",
    "sa",
    "ka",
    "la",
    "pa",
    "da",
    "ja",
    "nga",
    "lu",
    "ri",
    "wi",
    "no",
    "se",
    "ko",
    "tu",
    "gi",
    "be",
    "an",
    "ung",
    "ing",
    "ur",
    "bo",
    "si",
    "ke",
    "mu",
)


@dataclass
class NationalInput:
    """What :func:`generate_national` produced.

    Attributes
    ----------
    kecamatan : geopandas.GeoDataFrame
        EPSG:4326 polygons: kode, nama, kode_kab, nama_kab, kode_prov, nama_prov, pulau, penduduk.
    desa : geopandas.GeoDataFrame or None
        EPSG:4326 desa polygons (when requested).
    incidents_csv : pathlib.Path
        The ACLED-format CSV.
    kecamatan_file : pathlib.Path
        The kecamatan written as a GeoPackage (for :func:`kewaspadaan.io.load_boundaries`).
    counts : dict
        Rows written by kind (inside, vertex, near_coast, far_sea, bad rows).
    """

    kecamatan: gpd.GeoDataFrame
    desa: gpd.GeoDataFrame | None
    incidents_csv: Path
    kecamatan_file: Path
    counts: dict[str, int] = field(default_factory=dict)


def _name(rng: np.random.Generator, n: int) -> list[str]:
    syl = np.asarray(_SYLLABLES)
    parts = syl[rng.integers(0, len(syl), size=(n, 3))]
    k = rng.integers(2, 4, size=n)
    return ["".join(p[:m]).capitalize() for p, m in zip(parts, k, strict=True)]


def _island_shape(
    lon: float,
    lat: float,
    a_km: float,
    b_km: float,
    rot_deg: float,
    rng: np.random.Generator,
    to_xy,
) -> shapely.Polygon:
    """A noisy ellipse (low-order Fourier radius perturbation) in the national CRS."""
    x0, y0 = to_xy(lon, lat)
    t = np.linspace(0.0, 2 * np.pi, 400, endpoint=False)
    r = np.ones_like(t)
    for k in range(2, 9):
        r += rng.normal(0, 0.10 / k) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.55, 1.5)
    x, y = a_km * 1000 * r * np.cos(t), b_km * 1000 * r * np.sin(t)
    c, s = math.cos(math.radians(rot_deg)), math.sin(math.radians(rot_deg))
    poly = shapely.Polygon(np.column_stack([x0 + c * x - s * y, y0 + s * x + c * y]))
    return shapely.make_valid(poly) if not poly.is_valid else poly


def _points_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``geom`` (rejection sampling), (n, 2)."""
    xmin, ymin, xmax, ymax = geom.bounds
    shapely.prepare(geom)
    out = np.empty((0, 2))
    while len(out) < n:
        m = max(64, 2 * (n - len(out)))
        xy = np.column_stack([rng.uniform(xmin, xmax, m), rng.uniform(ymin, ymax, m)])
        out = np.vstack([out, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    return out[:n]


def _tessellate(shape, seeds: np.ndarray) -> np.ndarray:
    """Voronoi cells of ``seeds`` clipped to ``shape`` (one cell per seed, in seed order)."""
    if len(seeds) == 1:
        return np.array([shape], dtype=object)
    pts = shapely.multipoints(seeds)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=shape, ordered=True))
    return shapely.make_valid(shapely.intersection(cells, shape))


def _kecamatan_layer(
    n_kecamatan: int, rng: np.random.Generator, vertex_spacing_m: float
) -> gpd.GeoDataFrame:
    from pyproj import Transformer

    fwd = Transformer.from_crs("EPSG:4326", NATIONAL_CRS, always_xy=True).transform
    shares = np.array([v[-1] for v in ISLANDS.values()])
    per_island = np.maximum(1, np.round(shares / shares.sum() * n_kecamatan)).astype(int)
    per_island[np.argmax(per_island)] += n_kecamatan - per_island.sum()
    geoms, seeds, islands = [], [], []
    taken = shapely.Polygon()
    extent = shapely.segmentize(shapely.box(*NATIONAL_EXTENT), 0.1)  # the PNG border at 141°E
    extent = shapely.transform(extent, lambda xy: np.column_stack(fwd(xy[:, 0], xy[:, 1])))
    shapes = {
        name: shapely.intersection(_island_shape(lon, lat, a, b, rot, rng, fwd), extent)
        for name, (_, lon, lat, a, b, rot, _) in ISLANDS.items()
    }
    # smaller islands keep their land, larger ones lose what overlaps: no two kecamatan overlap
    for name in sorted(shapes, key=lambda k: shapes[k].area):
        shapes[name] = shapely.difference(shapes[name], taken)
        taken = shapely.union(taken, shapes[name])
    for name, n in zip(ISLANDS, per_island, strict=True):
        shape = shapes[name]
        xy = _points_in(shape, int(n), rng)
        geoms.extend(_tessellate(shape, xy))
        seeds.append(xy)
        islands.extend([name] * int(n))
    seeds_xy = np.vstack(seeds)
    geom = np.asarray(geoms, dtype=object)
    geom = np.asarray(
        [
            g
            if g.geom_type in ("Polygon", "MultiPolygon")
            else shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
            for g in geom
        ],
        dtype=object,
    )
    if vertex_spacing_m > 0:  # real boundaries have many vertices; point-in-polygon cost grows
        geom = shapely.segmentize(geom, vertex_spacing_m)
    kec = gpd.GeoDataFrame({"pulau": islands}, geometry=geom, crs=NATIONAL_CRS)
    kec["_x"], kec["_y"] = seeds_xy[:, 0], seeds_xy[:, 1]
    return kec


def _hierarchy(kec: gpd.GeoDataFrame, n_kabupaten: int, rng: np.random.Generator) -> None:
    """Provinces (k-means per island group) and kabupaten (k-means per province), with codes."""
    group = kec["pulau"].map({k: v[0] for k, v in ISLANDS.items()}).to_numpy()
    xy = kec[["_x", "_y"]].to_numpy()
    prov = np.empty(len(kec), dtype=object)
    codes = iter(PROVINCE_CODES)
    seed = int(rng.integers(0, 2**31 - 1))
    for g, k in _GROUPS.items():
        idx = np.flatnonzero(group == g)
        labels = _kmeans(xy[idx], k, seed)
        mapping = {lab: next(codes) for lab in _order_labels(xy[idx], labels)}
        prov[idx] = [mapping[lab] for lab in labels]
    kab = np.empty(len(kec), dtype=object)
    kec_code = np.empty(len(kec), dtype=object)
    for p in PROVINCE_CODES:
        idx = np.flatnonzero(prov == p)
        k = max(1, round(n_kabupaten * len(idx) / len(kec)))
        labels = _kmeans(xy[idx], min(k, len(idx)), seed)
        for j, lab in enumerate(_order_labels(xy[idx], labels), start=1):
            members = idx[labels == lab]
            kab[members] = f"{p}.{j:02d}"
            order = members[np.lexsort((xy[members, 0], -xy[members, 1]))]
            if len(order) > 99:
                raise ValueError(f"kabupaten {p}.{j:02d} has {len(order)} kecamatan (> 99)")
            kec_code[order] = [f"{p}.{j:02d}.{c:02d}" for c in range(1, len(order) + 1)]
    kec["kode"], kec["kode_kab"], kec["kode_prov"] = kec_code, kab, prov
    names = {c: n for c, n in zip(sorted(set(kab)), _name(rng, len(set(kab))), strict=True)}
    pnames = {c: f"Provinsi {n}" for c, n in zip(PROVINCE_CODES, _name(rng, 38), strict=True)}
    kec["nama"] = _name(rng, len(kec))
    kec["nama_kab"] = [f"Kabupaten {names[k]}" for k in kab]
    kec["nama_prov"] = [pnames[p] for p in prov]


def _kmeans(xy: np.ndarray, k: int, seed: int) -> np.ndarray:
    if k <= 1 or len(xy) <= k:
        return np.zeros(len(xy), dtype=int) if k <= 1 else np.arange(len(xy))
    _, labels = kmeans2(xy, k, seed=seed, minit="++")
    return labels


def _order_labels(xy: np.ndarray, labels: np.ndarray) -> list[int]:
    """Cluster labels ordered north-west first (codes follow a reading order)."""
    labs = np.unique(labels)
    cy = np.array([xy[labels == lab, 1].mean() for lab in labs])
    cx = np.array([xy[labels == lab, 0].mean() for lab in labs])
    return [int(labs[i]) for i in np.lexsort((cx, -np.round(cy, -5)))]


def _desa_layer(kec: gpd.GeoDataFrame, n_desa: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    per = rng.multinomial(n_desa - len(kec), kec["penduduk"] / kec["penduduk"].sum()) + 1
    rows = []
    cols = ["kode", "geometry", "nama", "kode_kab", "nama_kab"]
    for (kode, geom, nama, kab, nama_kab), n in zip(
        kec[cols].itertuples(index=False), per, strict=True
    ):
        cells = _tessellate(geom, _points_in(geom, int(n), rng))
        for j, cell in enumerate(cells, start=1):
            rows.append((f"{kode}.{2000 + j:04d}", kode, nama, kab, nama_kab, cell))
    frame = pd.DataFrame(
        rows, columns=["kode", "kode_kec", "nama_kec", "kode_kab", "nama_kab", "geometry"]
    )
    desa = gpd.GeoDataFrame(frame, geometry="geometry", crs=kec.crs)
    desa.insert(1, "nama", _name(rng, len(desa)))
    return desa


def _intensity(kec: gpd.GeoDataFrame) -> np.ndarray:
    """Expected share of incidents per kecamatan: population plus hot spots."""
    from pyproj import Transformer

    fwd = Transformer.from_crs("EPSG:4326", NATIONAL_CRS, always_xy=True).transform
    x, y = kec["_x"].to_numpy(), kec["_y"].to_numpy()
    lam = np.sqrt(kec["penduduk"].to_numpy() / 35_000.0)
    for lon, lat, r_km, w in _HOT_SPOTS:
        hx, hy = fwd(lon, lat)
        lam = lam + w * 4.0 * np.exp(-((x - hx) ** 2 + (y - hy) ** 2) / (2 * (r_km * 1000) ** 2))
    return lam / lam.sum()


def _incident_points(
    kec: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """(x, y) in the national CRS, a 'precise' flag (full-precision vertex points), counts."""
    n_vertex, n_coast, n_far = max(5, n // 1000), max(10, n // 400), max(5, n // 5000)
    n_in = n - n_vertex - n_coast - n_far
    which = rng.choice(len(kec), size=n_in, p=_intensity(kec))
    geoms = kec.geometry.to_numpy()
    shapely.prepare(geoms)
    xy = np.empty((n_in, 2))
    todo = np.arange(n_in)
    bounds = shapely.bounds(geoms)
    while len(todo):
        b = bounds[which[todo]]
        cx, cy = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.contains_xy(geoms[which[todo]], cx, cy)
        xy[todo[ok]] = np.column_stack([cx[ok], cy[ok]])
        todo = todo[~ok]
    # shared vertices of neighbouring kecamatan (overlap rule): filled in EPSG:4326 by the caller
    vxy = np.zeros((n_vertex, 2))
    land = shapely.union_all(geoms)
    # just off the coast (< ~1.5 km: many land outside every polygon -> nearest rule)
    coast = _push_off_coast(land, xy[rng.choice(n_in, size=n_coast)], rng)
    # far at sea: rejected (more than the assignment distance from every kecamatan)
    far = _far_at_sea(land, kec.total_bounds, n_far, rng)
    counts = {"inside": n_in, "vertex": n_vertex, "near_coast": n_coast, "far_sea": n_far}
    allxy = np.vstack([xy, vxy, coast, far])
    precise = np.r_[np.zeros(n_in, bool), np.ones(n_vertex, bool), np.zeros(n_coast + n_far, bool)]
    return allxy, precise, counts


def _push_off_coast(land, base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move points to the nearest coastline and 0–1.5 km beyond it."""
    coast = shapely.boundary(land)
    pts = shapely.points(base)
    near = shapely.shortest_line(pts, coast)
    end = shapely.get_coordinates(shapely.get_point(near, 1))
    vec = end - base
    norm = np.hypot(vec[:, 0], vec[:, 1])
    norm[norm == 0] = 1.0
    step = rng.uniform(0.0, 1500.0, len(base))
    return end + vec / norm[:, None] * step[:, None]


def _far_at_sea(land, bounds: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points more than 5 km from any land (rejected by the assignment)."""
    xmin, ymin, xmax, ymax = bounds
    land = shapely.buffer(land, 5_000.0)
    shapely.prepare(land)
    out = np.empty((0, 2))
    while len(out) < n:
        xy = np.column_stack([rng.uniform(xmin, xmax, 4 * n), rng.uniform(ymin, ymax, 4 * n)])
        out = np.vstack([out, xy[~shapely.contains_xy(land, xy[:, 0], xy[:, 1])]])
    return out[:n]


def _acled_frame(
    lon: np.ndarray,
    lat: np.ndarray,
    precise: np.ndarray,
    rng: np.random.Generator,
    start: str,
    end: str,
    dates: np.ndarray | None = None,
) -> pd.DataFrame:
    n = len(lon)
    if dates is None:
        d0, d1 = np.datetime64(start), np.datetime64(end)
        span = int((d1 - d0).astype(int))
        # rising trend: day drawn from a density growing linearly from 1 to 2 over the period
        u = rng.random(n)
        days = np.floor(span * (np.sqrt(1 + 3 * u) - 1)).astype(int)
        dates = (d0 + days.astype("timedelta64[D]")).astype(str)
    etype_i = rng.choice(len(_EVENT_TYPES), size=n, p=_EVENT_P)
    etype = np.asarray(_EVENT_TYPES, dtype=object)[etype_i]
    fatal = rng.poisson(np.asarray(_FATAL_MEAN)[etype_i])
    fmt_lat = np.char.mod("%.5f", lat).astype(object)
    fmt_lon = np.char.mod("%.5f", lon).astype(object)
    fmt_lat[precise] = [repr(float(v)) for v in lat[precise]]
    fmt_lon[precise] = [repr(float(v)) for v in lon[precise]]
    ids = np.char.add("IDN", np.arange(1, n + 1).astype(str))
    frame = pd.DataFrame(
        {
            "event_id_cnty": ids,
            "event_date": dates,
            "year": dates.astype("U4"),
            "time_precision": "1",
            "disorder_type": "Political violence",
            "event_type": etype,
            "sub_event_type": [_SUB_EVENT[t] for t in etype],
            "actor1": "Rioters (Indonesia)",
            "assoc_actor_1": "",
            "inter1": "5",
            "actor2": "",
            "assoc_actor_2": "",
            "inter2": "",
            "interaction": "50",
            "civilian_targeting": "",
            "iso": "360",
            "region": "Southeast Asia",
            "country": "Indonesia",
            "admin1": "",
            "admin2": "",
            "admin3": "",
            "location": "",
            "latitude": fmt_lat,
            "longitude": fmt_lon,
            "geo_precision": rng.choice(["1", "2", "3"], size=n, p=[0.7, 0.25, 0.05]),
            "source": "Synthetic",
            "source_scale": "National",
            "notes": "Generated event",
            "fatalities": fatal.astype(str),
            "tags": "",
            "timestamp": "1718000000",
        }
    )
    return frame


def _spoil(frame: pd.DataFrame, rng: np.random.Generator) -> dict[str, int]:
    """A few unusable rows, as real exports have: empty date, bad coordinates, duplicate id."""
    n = len(frame)
    k = max(1, n // 20_000)
    rows = rng.choice(n, size=3 * k, replace=False)
    empty_date, bad_xy, dup = rows[:k], rows[k : 2 * k], rows[2 * k :]
    frame.loc[empty_date, "event_date"] = ""
    frame.loc[bad_xy, "latitude"] = "n/a"
    src = rng.choice(np.setdiff1d(np.arange(n), dup), size=k)
    frame.loc[dup, "event_id_cnty"] = frame["event_id_cnty"].to_numpy()[src]
    return {"empty_date": k, "bad_coordinates": k, "duplicate_id": k}


def generate_national(
    folder: str | Path,
    *,
    n_kecamatan: int = 7300,
    n_incidents: int = 1_000_000,
    n_kabupaten: int = 514,
    n_desa: int | None = None,
    seed: int = 2045,
    start: str = "2015-01-01",
    end: str = "2024-12-31",
    vertex_spacing_m: float = 250.0,
) -> NationalInput:
    """Generate the national-size input into ``folder`` (see the module docstring).

    Parameters
    ----------
    folder : str or Path
        Output folder (created): ``kecamatan.gpkg``, ``insiden_acled.csv`` and, with ``n_desa``,
        ``desa.gpkg``.
    n_kecamatan, n_incidents, n_kabupaten : int
        Sizes (Indonesia: ~7,300 kecamatan, 514 kabupaten/kota).
    n_desa : int, optional
        Desa to generate (~84,000 for Indonesia); none by default.
    seed : int
        Seed of every random draw.
    start, end : str
        Period of the incident dates (ISO).
    vertex_spacing_m : float, default 250
        Kecamatan edges are densified to a vertex at least every this many metres (Voronoi
        cells have ~6 vertices, real boundaries hundreds); 0 keeps the bare cells.

    Returns
    -------
    NationalInput
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    kec = _kecamatan_layer(n_kecamatan, rng, vertex_spacing_m)
    kec["penduduk"] = np.round(rng.lognormal(np.log(30_000), 0.7, len(kec))).astype("int64")
    _hierarchy(kec, n_kabupaten, rng)
    desa = _desa_layer(kec, n_desa, rng) if n_desa else None
    xy, precise, counts = _incident_points(kec, n_incidents, rng)
    kec4326 = kec.to_crs("EPSG:4326")
    pts = gpd.GeoSeries(shapely.points(xy), crs=NATIONAL_CRS).to_crs("EPSG:4326")
    # vertex points must land exactly on the EPSG:4326 vertices the loader will read
    n_in = counts["inside"]
    verts = shapely.get_coordinates(
        shapely.get_exterior_ring(
            shapely.get_geometry(
                kec4326.geometry.to_numpy()[rng.choice(len(kec), size=counts["vertex"])], 0
            )
        )
    )
    lon, lat = pts.x.to_numpy().copy(), pts.y.to_numpy().copy()
    vsel = rng.choice(len(verts), size=counts["vertex"])
    lon[n_in : n_in + counts["vertex"]] = verts[vsel, 0]
    lat[n_in : n_in + counts["vertex"]] = verts[vsel, 1]
    order = rng.permutation(len(lon))
    frame = _acled_frame(lon[order], lat[order], precise[order], rng, start, end)
    counts.update(_spoil(frame, rng))
    csv = folder / "insiden_acled.csv"
    frame.to_csv(csv, index=False)
    cols = ["kode", "nama", "kode_kab", "nama_kab", "kode_prov", "nama_prov", "pulau", "penduduk"]
    kec4326 = kec4326[[*cols, "geometry"]].sort_values("kode").reset_index(drop=True)
    kec_file = folder / "kecamatan.gpkg"
    kec4326.to_file(kec_file, driver="GPKG")
    desa4326 = None
    if desa is not None:
        desa4326 = desa.to_crs("EPSG:4326")
        desa4326.to_file(folder / "desa.gpkg", driver="GPKG")
    logger.info(
        "national input: %d kecamatan, %d incidents -> %s", len(kec4326), len(frame), folder
    )
    return NationalInput(
        kecamatan=kec4326, desa=desa4326, incidents_csv=csv, kecamatan_file=kec_file, counts=counts
    )


def _clustered_months(
    weight: np.ndarray,
    n_months: int,
    n_events: int,
    rng: np.random.Generator,
    *,
    a_self: float = 0.35,
    delta: float = 0.6,
) -> np.ndarray:
    """Monthly event counts per unit of a self-exciting process, exactly ``n_events`` in all.

    ``λ_k(t) = μ_k · trend(t) + a_self · S_k(t)``, ``S`` the exponentially decaying memory of
    the unit's own events (decay ``delta`` per month): flare-ups that persist a few months, as
    conflict events do. ``μ_k ∝ weight`` is scaled so that the expected total is ``n_events``;
    the drawn total is then trimmed or topped up at random to exactly ``n_events``.
    """
    trend = np.linspace(1.0, 2.0, n_months)
    base = weight / weight.sum() * n_events * (1.0 - a_self) / trend.sum()
    counts = np.zeros((len(weight), n_months), dtype=np.int64)
    s = np.zeros(len(weight))
    for t in range(n_months):
        counts[:, t] = rng.poisson(base * trend[t] + a_self * s)
        s = delta * s + (1.0 - delta) * counts[:, t]
    flat = counts.ravel()
    diff = int(flat.sum()) - n_events
    if diff > 0:  # remove ``diff`` events, each cell chosen in proportion to its count
        drop = rng.choice(np.repeat(np.arange(flat.size), flat), size=diff, replace=False)
        np.subtract.at(flat, drop, 1)
    elif diff < 0:
        np.add.at(flat, rng.choice(flat.size, size=-diff, p=flat / flat.sum()), 1)
    return flat.reshape(counts.shape)


def incidents_in_polygons(
    boundaries_file: str | Path,
    folder: str | Path,
    *,
    n_incidents: int = 1_000_000,
    seed: int = 2045,
    start: str = "2015-01-01",
    end: str = "2023-12-31",
) -> Path:
    """Incidents in ACLED export format inside *given* polygons (e.g. the real kecamatan).

    Each unit gets a weight ``sqrt(area) + hot spots`` (the hot spots of :data:`_HOT_SPOTS`,
    real conflict regions); its monthly counts follow a self-exciting process with a rising
    trend (:func:`_clustered_months`: flare-ups that last a few months, as real conflict
    events do); each event falls on a uniform day of its month at a uniform point inside the
    unit (rejection sampling in the polygon's bounds). Columns as :func:`generate_national`,
    with the same few unusable rows. Written to ``folder / "insiden_acled.csv"`` (returned);
    the polygons are only read.
    """
    from pyproj import Transformer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    units = gpd.read_file(boundaries_file).to_crs("EPSG:4326")
    geoms = units.geometry.to_numpy()
    fwd = Transformer.from_crs("EPSG:4326", NATIONAL_CRS, always_xy=True).transform
    c = shapely.centroid(geoms)
    x, y = fwd(shapely.get_x(c), shapely.get_y(c))
    area = shapely.area(units.to_crs(NATIONAL_CRS).geometry.to_numpy()) / 1e6
    lam = np.sqrt(np.maximum(area, 1.0)) / 30.0
    for lon, lat, r_km, w in _HOT_SPOTS:
        hx, hy = fwd(lon, lat)
        lam = lam + w * 4.0 * np.exp(-((x - hx) ** 2 + (y - hy) ** 2) / (2 * (r_km * 1000) ** 2))
    lam = lam * rng.lognormal(0.0, 0.5, len(lam))  # unit heterogeneity
    months = pd.date_range(start, end, freq="MS")
    counts = _clustered_months(lam, len(months), n_incidents, rng)
    unit_i, month_i = np.nonzero(counts)
    reps = counts[unit_i, month_i]
    which = np.repeat(unit_i, reps)
    month_of = np.repeat(month_i, reps)
    days_in = months.days_in_month.to_numpy()[month_of]
    day = np.floor(rng.random(len(which)) * days_in).astype("timedelta64[D]")
    dates = (months.to_numpy().astype("datetime64[D]")[month_of] + day).astype(str)
    order = rng.permutation(len(which))
    which, dates = which[order], dates[order]
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    xy = np.empty((n_incidents, 2))
    todo = np.arange(n_incidents)
    while len(todo):
        b = bounds[which[todo]]
        cx, cy = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.contains_xy(geoms[which[todo]], cx, cy)
        xy[todo[ok]] = np.column_stack([cx[ok], cy[ok]])
        todo = todo[~ok]
    frame = _acled_frame(
        xy[:, 0], xy[:, 1], np.zeros(n_incidents, bool), rng, start, end, dates=dates
    )
    _spoil(frame, rng)
    csv = folder / "insiden_acled.csv"
    frame.to_csv(csv, index=False)
    logger.info("%d incidents in %d polygons -> %s", n_incidents, len(units), csv)
    return csv
