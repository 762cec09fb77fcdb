"""Tests of kewaspadaan.io.load_terrain / write_geotiff."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from kewaspadaan._errors import CRSError, DataFileError, EmptyDataError
from kewaspadaan.io import Terrain, load_terrain, write_geotiff

UTM = Affine(100.0, 0.0, 500_000.0, 0.0, -100.0, 9_950_000.0)


def _dem() -> np.ndarray:
    elev = np.arange(30, dtype="float32").reshape(5, 6) * 10.0
    elev[0, 0] = -9999.0
    return elev


def test_roundtrip_nodata_to_nan(tmp_path: Path) -> None:
    path = write_geotiff(tmp_path / "dem.tif", _dem(), UTM, "EPSG:32650", nodata=-9999.0)
    t = load_terrain(path)
    assert isinstance(t, Terrain) and t.path == path
    assert t.elevation_m.dtype == np.float32 and t.shape == (5, 6)
    assert np.isnan(t.elevation_m[0, 0]) and np.isnan(t.elevation_m).sum() == 1
    assert t.elevation_m[4, 5] == pytest.approx(290.0)
    assert t.resolution_m == (100.0, 100.0)
    assert t.bounds == (500_000.0, 9_949_500.0, 500_600.0, 9_950_000.0)
    assert t.crs.to_epsg() == 32650
    first = path.read_bytes()
    write_geotiff(path, _dem(), UTM, "EPSG:32650", nodata=-9999.0)
    assert path.read_bytes() == first  # deterministic
    assert [p.name for p in tmp_path.iterdir()] == ["dem.tif"]  # no temp files left


def test_nan_written_as_nodata(tmp_path: Path) -> None:
    elev = _dem()
    elev[2, 2] = np.nan
    path = write_geotiff(tmp_path / "d.tif", elev, UTM, "EPSG:32650", nodata=-32768.0)
    with rasterio.open(path) as src:
        assert src.nodata == -32768.0 and src.read(1)[2, 2] == -32768.0
    assert np.isnan(load_terrain(path).elevation_m[2, 2])


def test_no_crs_refused(tmp_path: Path) -> None:
    path = tmp_path / "tanpa_crs.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=6, height=5, count=1, dtype="float32", transform=UTM
    ) as dst:
        dst.write(_dem()[np.newaxis])
    with pytest.raises(CRSError, match=r"tanpa_crs\.tif: the raster has no CRS"):
        load_terrain(path)
    with pytest.raises(CRSError, match="without a CRS"):
        write_geotiff(tmp_path / "x.tif", _dem(), UTM, None)  # type: ignore[arg-type]


def test_geographic_needs_reproject(tmp_path: Path) -> None:
    geo = Affine(0.001, 0.0, 117.0, 0.0, -0.001, -0.5)
    path = write_geotiff(tmp_path / "geo.tif", _dem(), geo, "EPSG:4326", nodata=-9999.0)
    with pytest.raises(
        CRSError,
        match=r"geo\.tif: the raster is in a geographic CRS.*"
        "reproject_to=",
    ):
        load_terrain(path)
    t = load_terrain(path, reproject_to="EPSG:32650")
    assert t.crs.to_epsg() == 32650
    assert t.resolution_m[0] == pytest.approx(111.0, abs=2.0)
    valid = t.elevation_m[np.isfinite(t.elevation_m)]
    assert 0 < valid.min() and valid.max() <= 290.0
    with pytest.raises(CRSError, match="is geographic"):
        load_terrain(path, reproject_to="EPSG:4326")


def test_band_range_and_empty(tmp_path: Path) -> None:
    stack = np.stack([_dem(), _dem() + 1])
    path = write_geotiff(tmp_path / "dua.tif", stack, UTM, "EPSG:32650", nodata=-9999.0)
    assert load_terrain(path, band=2).elevation_m[4, 5] == pytest.approx(291.0)
    with pytest.raises(DataFileError, match=r"dua\.tif: band 3 requested but the raster has 2"):
        load_terrain(path, band=3)
    empty = write_geotiff(
        tmp_path / "kosong.tif",
        np.full((3, 3), -9999.0, "float32"),
        UTM,
        "EPSG:32650",
        nodata=-9999.0,
    )
    with pytest.raises(EmptyDataError, match=r"kosong\.tif: band 1 holds no valid elevation"):
        load_terrain(empty)
    (tmp_path / "bukan.tif").write_text("bukan raster")
    with pytest.raises(DataFileError, match=r"bukan\.tif: cannot read it as a raster"):
        load_terrain(tmp_path / "bukan.tif")
