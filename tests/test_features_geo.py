"""Terrain, geography and remoteness features on a small synthetic province (and the demo one)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from pyproj import CRS

from kewaspadaan import settings
from kewaspadaan._errors import CRSError, MissingColumnError, ValidationError
from kewaspadaan.features.geography import (
    area_km2,
    coast_distance_km,
    geography_features,
    river_distance_km,
    sample_points,
)
from kewaspadaan.features.remoteness import (
    Friction,
    friction_surface,
    remoteness_features,
    tobler_speed_kmh,
    travel_time_h,
)
from kewaspadaan.features.terrain import TERRAIN_COLUMNS, terrain_features

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 50_000.0  # south-west corner of the synthetic province (~0.45 N, 117 E)
CELL = 100.0
SIZE = 20_000.0  # 20 x 20 km; the sea is the western 2 km strip


@dataclass
class FakeTerrain:
    """Duck-typed like kewaspadaan.io.Terrain."""

    elevation_m: np.ndarray
    transform: Affine
    crs: CRS


@pytest.fixture(scope="module")
def terrain() -> FakeTerrain:
    n = int(SIZE / CELL)
    x = X0 + (np.arange(n) + 0.5) * CELL
    # a plane rising eastwards at 10 degrees from the coast at X0 + 2 km; sea west of it
    row = (x - (X0 + 2000.0)) * math.tan(math.radians(10.0))
    dem = np.tile(row, (n, 1)).astype("float32")
    dem[:, x < X0 + 2000.0] = np.nan
    return FakeTerrain(dem, Affine(CELL, 0, X0, 0, -CELL, Y0 + SIZE), CRS.from_user_input(UTM))


@pytest.fixture(scope="module")
def kecamatan() -> gpd.GeoDataFrame:
    """4 x 4 kecamatan of 4.5 km over the land part, two kabupaten (west/east), kode index."""
    rows = []
    for j in range(4):  # south to north
        for i in range(4):  # west (coast) to east
            x, y = X0 + 2000.0 + i * 4500.0, Y0 + j * 5000.0
            kab = "99.01" if i < 2 else "99.02"
            rows.append(
                {
                    "kode": f"{kab}.{j * 4 + i + 1:02d}",
                    "kode_kab": kab,
                    "geometry": shapely.box(x, y, x + 4500.0, y + 5000.0),
                }
            )
    gdf = gpd.GeoDataFrame(rows, crs=UTM).set_index("kode", drop=False)
    gdf.index.name = None
    return gdf.to_crs("EPSG:4326")  # features must cope with lon/lat input


@pytest.fixture(scope="module")
def coastline() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"nama": ["pantai"]},
        geometry=[shapely.LineString([(X0 + 2000.0, Y0), (X0 + 2000.0, Y0 + SIZE)])],
        crs=UTM,
    )


@pytest.fixture(scope="module")
def settlements(kecamatan) -> gpd.GeoDataFrame:
    """Two settlements in the first kecamatan (weights 3:1), none elsewhere."""
    first = kecamatan.iloc[0]
    return gpd.GeoDataFrame(
        {"kode_kec": [first["kode"]] * 2, "penduduk": [3000, 1000]},
        geometry=[shapely.Point(X0 + 2500.0, Y0 + 1000.0), shapely.Point(X0 + 4500.0, Y0 + 1000.0)],
        crs=UTM,
    ).to_crs("EPSG:4326")


# ------------------------------------------------------------------------------------------------
# geography
# ------------------------------------------------------------------------------------------------
def test_area_and_coast_distance_aligned_to_kode_index(kecamatan, coastline, settlements):
    area = area_km2(kecamatan)
    assert area.name == "area_km2" and area.index.equals(kecamatan.index)
    np.testing.assert_allclose(area, 22.5, rtol=1e-3)
    dist = coast_distance_km(kecamatan, coastline)
    assert dist.index.equals(kecamatan.index)
    # representative point of a box is its centre: 2.25 km + column x 4.5 km from the coast
    expected = [2.25 + 4.5 * (k % 4) for k in range(16)]
    np.testing.assert_allclose(dist.to_numpy(), expected, rtol=1e-3)
    weighted = coast_distance_km(kecamatan, coastline, settlements=settlements)
    assert weighted.iloc[0] == pytest.approx((3 * 0.5 + 1 * 2.5) / 4, rel=1e-3)
    np.testing.assert_allclose(weighted.iloc[1:], dist.iloc[1:])


def test_sample_points_weights_sum_to_one(kecamatan, settlements):
    pts = sample_points(kecamatan, settlements)
    assert pts.crs.is_projected
    sums = pts.groupby("pos")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert sorted(sums.index) == list(range(len(kecamatan)))
    # without kode_kec the settlements are matched by location
    by_location = sample_points(kecamatan, settlements.drop(columns="kode_kec"))
    pd.testing.assert_frame_equal(
        pts.drop(columns="geometry"), by_location.drop(columns="geometry")
    )


def test_river_distance_min_order(kecamatan):
    rivers = gpd.GeoDataFrame(
        {"orde": [1, 3]},
        geometry=[
            shapely.LineString([(X0 + 2000.0, Y0 + 2500.0), (X0 + SIZE, Y0 + 2500.0)]),
            shapely.LineString([(X0 + 2000.0, Y0 + 17_500.0), (X0 + SIZE, Y0 + 17_500.0)]),
        ],
        crs=UTM,
    )
    all_rivers = river_distance_km(kecamatan, rivers)
    big = river_distance_km(kecamatan, rivers, min_order=2)
    assert all_rivers.iloc[0] == pytest.approx(0.0, abs=1e-6)  # centre on the first river
    assert big.iloc[0] == pytest.approx(15.0, rel=1e-3)
    with pytest.raises(MissingColumnError, match="orde"):
        river_distance_km(kecamatan, rivers.drop(columns="orde"), min_order=2)


def test_geography_features_records_missing_layers(kecamatan, coastline):
    res = geography_features(kecamatan, coastline=coastline, rivers=coastline.iloc[:0])
    assert list(res.columns) == ["area_km2", "coast_distance_km"]
    assert res.index.equals(kecamatan.index)
    assert set(res.missing) == {"river_distance_km", "border_distance_km", *TERRAIN_COLUMNS}
    assert "empty" in res.missing["river_distance_km"]
    assert "DEM" in res.missing["elev_mean_m"]
    frame = res.to_frame()
    assert type(frame) is pd.DataFrame and frame.attrs["missing"] == res.missing
    assert res.iloc[:3].missing == res.missing  # survives slicing


def test_geography_features_with_terrain(kecamatan, coastline, terrain):
    res = geography_features(kecamatan, coastline=coastline, border=coastline, terrain=terrain)
    assert set(res.missing) == {"river_distance_km"}
    assert {"elev_mean_m", "slope_mean_deg", "border_distance_km"} <= set(res.columns)


# ------------------------------------------------------------------------------------------------
# terrain
# ------------------------------------------------------------------------------------------------
def test_terrain_features_on_tilted_plane(kecamatan, terrain):
    feats = terrain_features(kecamatan, terrain, steep_deg=5.0)
    assert list(feats.columns) == list(TERRAIN_COLUMNS)
    assert feats.index.equals(kecamatan.index)
    tan10 = math.tan(math.radians(10.0))
    first_col = feats.iloc[[0, 4, 8, 12]]  # the coastal column of kecamatan
    np.testing.assert_allclose(first_col["elev_mean_m"], 2250.0 * tan10, rtol=0.02)
    inner = feats.iloc[[5, 6]]  # away from the coast and the raster's edges
    np.testing.assert_allclose(inner["slope_mean_deg"], 10.0, atol=1e-3)
    np.testing.assert_allclose(inner["steep_share"], 1.0)
    assert (feats["slope_mean_deg"] < 10.01).all() and (feats["slope_mean_deg"] > 5).all()
    assert (feats["elev_max_m"] > feats["elev_mean_m"]).all()
    assert feats["tri_mean_m"].iloc[6] == pytest.approx(
        math.sqrt(6) * CELL * tan10, rel=1e-3
    )  # 6 of 8 neighbours differ by one cell's rise
    assert (feats["elev_std_m"] > 0).all()


def test_terrain_refuses_geographic_crs(kecamatan, terrain):
    bad = FakeTerrain(terrain.elevation_m, Affine(0.001, 0, 117, 0, -0.001, 0), CRS.from_epsg(4326))
    with pytest.raises(CRSError, match="geographic"):
        terrain_features(kecamatan, bad)


# ------------------------------------------------------------------------------------------------
# remoteness
# ------------------------------------------------------------------------------------------------
def test_tobler_speed():
    assert tobler_speed_kmh(0.0) == pytest.approx(5.04, abs=0.01)
    assert tobler_speed_kmh(0.0, flat_speed_kmh=5.0) == pytest.approx(5.0)
    assert tobler_speed_kmh(20.0) < tobler_speed_kmh(5.0) < tobler_speed_kmh(0.0)


def _flat_terrain(n: int = 60) -> FakeTerrain:
    dem = np.zeros((n, n), dtype="float32")
    return FakeTerrain(dem, Affine(CELL, 0, X0, 0, -CELL, Y0 + n * CELL), CRS.from_user_input(UTM))


def test_travel_time_across_road_faster_than_offroad():
    flat = _flat_terrain()
    y = Y0 + 3050.0  # centre of row 29
    road = gpd.GeoDataFrame(
        {"kelas": ["arteri"]}, geometry=[shapely.LineString([(X0, y), (X0 + 6000.0, y)])], crs=UTM
    )
    start = gpd.GeoSeries([shapely.Point(X0 + 50.0, y)], crs=UTM)
    offroad = travel_time_h(friction_surface(flat), start)
    onroad = travel_time_h(friction_surface(flat, roads=road), start)
    far = (29, 59)  # the road's row, the far end
    assert offroad[far] == pytest.approx(
        5.9 / settings.friction_speeds_kmh["offroad_flat"], rel=0.02
    )
    assert onroad[far] == pytest.approx(5.9 / settings.friction_speeds_kmh["road_arteri"], rel=0.05)
    assert onroad[far] < offroad[far] / 5


def test_friction_rivers_barriers_and_sea():
    flat = _flat_terrain()
    flat.elevation_m[:, :5] = np.nan  # sea on the west
    x = X0 + 3000.0
    rivers = gpd.GeoDataFrame(
        {"navigasi": ["tidak", "besar"]},
        geometry=[
            shapely.LineString([(x, Y0), (x, Y0 + 6000.0)]),
            shapely.LineString([(X0 + 4000.0, Y0), (X0 + 4000.0, Y0 + 6000.0)]),
        ],
        crs=UTM,
    )
    fr = friction_surface(flat, rivers=rivers)
    assert isinstance(fr, Friction) and fr.h_per_m.dtype == np.float64
    speed = fr.speed_kmh
    assert speed[10, 2] == settings.friction_speeds_kmh["sea"]
    assert speed[10, 30] == settings.friction_speeds_kmh["water_barrier"]
    assert speed[10, 40] == settings.friction_speeds_kmh["river_navigable"]
    assert speed[10, 20] == pytest.approx(settings.friction_speeds_kmh["offroad_flat"])
    with pytest.raises(ValidationError, match="navigasi"):
        friction_surface(flat, rivers=rivers.assign(navigasi=["tidak", "kapal"]))
    coarse = friction_surface(flat, resolution_m=300.0)
    assert coarse.shape == (20, 20) and coarse.resolution_m == 300.0
    with pytest.raises(ValueError, match="outside"):
        travel_time_h(fr, gpd.GeoSeries([shapely.Point(X0 - 500, Y0)], crs=UTM))


def _capitals(kecamatan):
    caps = gpd.GeoDataFrame(
        {"kode_kab": ["99.01", "99.02"]},
        geometry=[
            shapely.Point(X0 + 4250.0, Y0 + 2500.0),
            shapely.Point(X0 + 17_750.0, Y0 + 17_500.0),
        ],
        crs=UTM,
    )
    return caps, caps.iloc[[0]]


def test_remoteness_features_on_friction(kecamatan, terrain):
    caps, prov = _capitals(kecamatan)
    fr = friction_surface(terrain)
    res = remoteness_features(
        kecamatan, fr, kabupaten_capitals=caps, provincial_capital=prov, security_posts=caps
    )
    assert list(res.columns) == ["tt_kab_capital_h", "tt_prov_capital_h", "tt_security_post_h"]
    assert res.index.equals(kecamatan.index)
    assert res.notna().all().all() and not res.missing
    # the capital's own kecamatan is the closest to it; own-kabupaten capital, not the nearest one
    assert res["tt_kab_capital_h"].iloc[0] == res["tt_kab_capital_h"].min()
    assert res["tt_kab_capital_h"].iloc[15] < res["tt_prov_capital_h"].iloc[15]
    # 99.02.03 (kabupaten 2, south): 15.7 km from its own capital (NE), 9 km from kabupaten 1's
    own, nearest = res.loc["99.02.03", ["tt_kab_capital_h", "tt_security_post_h"]]
    assert own > 1.5 * nearest
    # in kabupaten 1 its capital is the provincial one; posts = both capitals (multi-source)
    kab1 = kecamatan["kode_kab"] == "99.01"
    np.testing.assert_allclose(
        res.loc[kab1, "tt_kab_capital_h"], res.loc[kab1, "tt_prov_capital_h"]
    )
    kab2 = ~kab1  # there, the two capitals are its own and the provincial one
    np.testing.assert_allclose(
        res.loc[kab2, "tt_security_post_h"],
        np.minimum(res.loc[kab2, "tt_kab_capital_h"], res.loc[kab2, "tt_prov_capital_h"]),
    )
    assert (res["tt_security_post_h"] <= res["tt_kab_capital_h"] + 1e-12).all()
    assert (res.loc[kab1, "tt_security_post_h"] < res.loc[kab1, "tt_kab_capital_h"]).any()


def test_remoteness_without_dem_falls_back_and_records(kecamatan):
    caps, prov = _capitals(kecamatan)
    res = remoteness_features(kecamatan, None, kabupaten_capitals=caps, provincial_capital=prov)
    assert res.missing == {"tt_security_post_h": "no security posts point given"}
    assert "straight-line" in res.notes["tt_kab_capital_h"]
    fb = settings.remoteness_fallback
    assert res["tt_prov_capital_h"].iloc[0] == pytest.approx(
        0.0 * fb["circuity"] / fb["speed_kmh"], abs=1e-6
    )  # the capital sits at its centre
    assert res["tt_prov_capital_h"].iloc[1] == pytest.approx(
        4.5 * fb["circuity"] / fb["speed_kmh"], rel=1e-3
    )


# ------------------------------------------------------------------------------------------------
# on the generated demonstration province
# ------------------------------------------------------------------------------------------------
def _demo_available() -> bool:
    try:
        from kewaspadaan.demo import generate_province  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _demo_available(), reason="kewaspadaan.demo not available yet")
def test_all_features_on_demo_province(demo_small):
    from kewaspadaan.schema import DEMO_FILES

    def read(name):
        return gpd.read_file(demo_small / DEMO_FILES[name])

    kec = read("kecamatan").set_index("kode", drop=False)
    kec.index.name = None
    permukiman = read("permukiman")
    dem = demo_small / DEMO_FILES["dem"]
    geo = geography_features(
        kec,
        coastline=read("garis_pantai"),
        rivers=read("sungai"),
        border=read("batas_negara"),
        terrain=dem,
        settlements=permukiman,
    )
    assert not geo.missing, geo.missing
    assert geo.index.equals(kec.index)
    assert geo.notna().all().all()
    assert (geo["slope_mean_deg"].between(0, 60)).all()
    assert (geo["steep_share"].between(0, 1)).all()
    fr = friction_surface(dem, roads=read("jalan"), rivers=read("sungai"))
    peran = permukiman["peran"].astype(str)
    rem = remoteness_features(
        kec,
        fr,
        kabupaten_capitals=permukiman[peran == "ibukota_kabupaten"],
        provincial_capital=permukiman[peran == "ibukota_provinsi"],
        security_posts=read("pos_keamanan"),
        settlements=permukiman,
    )
    assert not rem.missing
    assert (rem >= 0).all().all() and rem.notna().mean().min() > 0.9
    # the provincial capital's own kecamatan is quicker to it than the median kecamatan
    prov = permukiman[peran == "ibukota_provinsi"].iloc[0]
    own = rem.loc[prov["kode_kec"], "tt_prov_capital_h"]
    assert own < rem["tt_prov_capital_h"].median()
    assert rem["tt_prov_capital_h"].max() > 2 * own
