"""Write the generated layers: GeoJSON (EPSG:4326, 6 decimals), CSV, the DEM GeoTIFF, manifest.

Every file is written atomically (``kewaspadaan._io_utils``) and reproducibly: same input, same
bytes. No timestamps anywhere.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from affine import Affine

from kewaspadaan._io_utils import atomic_path, atomic_write, write_table
from kewaspadaan.crs import MAP_CRS
from kewaspadaan.demo._spec import UTM_EPSG, DemoSpec
from kewaspadaan.demo.terrain import NODATA
from kewaspadaan.schema import DEMO_FILES, DEMO_LAYER_COLUMNS, NETWORK_OPTIONAL_COLUMNS

__all__ = ["sha256", "write_all", "write_dem", "write_manifest"]

#: Decimal places of written coordinates (1e-6 degree ≈ 11 cm).
DECIMALS = 6
_ACLED_KEY = "insiden"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _to_map(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.to_crs(MAP_CRS)
    geom = shapely.transform(out.geometry.values, lambda c: np.round(c, DECIMALS))
    return out.set_geometry(gpd.GeoSeries(geom, index=out.index, crs=MAP_CRS))


def write_dem(path: Path, dem: np.ndarray, spec: DemoSpec) -> None:
    """Float32 GeoTIFF in EPSG:32650, nodata over the sea, deflate-compressed, tiled."""
    transform = Affine(spec.cell_m, 0.0, spec.x0_m, 0.0, -spec.cell_m, spec.y0_m + spec.height_m)
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "width": dem.shape[1],
        "height": dem.shape[0],
        "crs": f"EPSG:{UTM_EPSG}",
        "transform": transform,
        "nodata": NODATA,
        "compress": "deflate",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with atomic_path(path) as tmp:
        tmp.unlink()
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(dem.astype(np.float32), 1)
            dst.update_tags(SINTETIS="Data sintetis - Provinsi Demonstrasi (kewaspadaan.demo)")


def write_all(
    out: Path, layers: dict[str, Any], dem: np.ndarray, spec: DemoSpec
) -> dict[str, dict[str, Any]]:
    """Write every layer under ``out``; return ``{key: {path, sha256, features}}``."""
    files: dict[str, dict[str, Any]] = {}
    for key, rel in DEMO_FILES.items():
        if key == "manifest":
            continue
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if key == "dem":
            write_dem(path, dem, spec)
            n = int(dem.size)
            extra = {"land_pixels": int((dem != NODATA).sum()), "shape": list(dem.shape)}
        else:
            df = layers[key]
            if key in DEMO_LAYER_COLUMNS:
                optional = [c for c in NETWORK_OPTIONAL_COLUMNS.get(key, ()) if c in df]
                cols = [*DEMO_LAYER_COLUMNS[key], *optional]
                df = df[[*cols, "geometry"]] if isinstance(df, gpd.GeoDataFrame) else df[cols]
            if isinstance(df, gpd.GeoDataFrame):
                write_table(_to_map(df), path)
                _check_crs(path)
            else:
                _write_csv(df, path, acled=key == _ACLED_KEY)
            n = len(df)
            extra = {}
        files[key] = {"path": rel, "sha256": sha256(path), "features": n, **extra}
    return files


def _write_csv(df: pd.DataFrame, path: Path, *, acled: bool) -> None:
    if acled:  # ACLED exports: plain text, coordinates with their own decimals
        with atomic_write(path, "w", newline="") as fh:
            df.to_csv(fh, index=False, lineterminator="\n")
    else:
        write_table(df, path)


def _check_crs(path: Path) -> None:
    info = pyogrio.read_info(path)
    crs = info.get("crs")
    if crs is None or "4326" not in str(crs):
        raise RuntimeError(f"{path}: written without EPSG:4326 ({crs}); pyogrio/GDAL changed?")


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write ``MANIFEST.json`` (sorted keys, no timestamps)."""
    with atomic_write(path, "w") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
