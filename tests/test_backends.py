"""The dask backend inside the engine (``backend="dask"`` of assign_incidents, history_features,
terrain_features; ``settings.backend``) gives the same results as the default backend.

Input: a small national-style archipelago from ``benchmarks/_national.py`` (seeded): 300
kecamatan on ~30 islands, 4,000 ACLED-format incidents including shared-vertex points (overlap
rule), points just off the coast (nearest rule), points far at sea and unusable rows (rejected).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from geopandas.testing import assert_geodataframe_equal

from kewaspadaan import _dask, settings
from kewaspadaan._errors import MissingDependencyError, ValidationError
from kewaspadaan.features.history import history_features
from kewaspadaan.io import assign_incidents, load_boundaries, load_incidents
from kewaspadaan.raster import zonal_stats
from kewaspadaan.spatial import spatial_weights

#: every test needs the national-shaped input, most a dask LocalCluster: the full run
pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def _national_module():
    spec = importlib.util.spec_from_file_location("_national", REPO / "benchmarks" / "_national.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_national", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory):
    nat = _national_module()
    out = nat.generate_national(
        tmp_path_factory.mktemp("national"),
        n_kecamatan=300,
        n_incidents=4000,
        n_kabupaten=60,
        seed=7,
    )
    old = settings.analysis_crs
    settings.analysis_crs = nat.NATIONAL_CRS
    kec = load_boundaries(out.kecamatan_file)
    load = load_incidents(out.incidents_csv, today="2025-01-01")
    yield {"kec": kec, "load": load, "crs": nat.NATIONAL_CRS, "nat": nat}
    settings.analysis_crs = old


@pytest.fixture(scope="module")
def assigned(national):
    return assign_incidents(national["load"], national["kec"])


@pytest.fixture(scope="module")
def weights(national):
    return spatial_weights(national["kec"])


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("dask_geopandas")
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _assert_assignment_equal(a, b):
    assert a.n_read == b.n_read
    assert_geodataframe_equal(a.assigned, b.assigned)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    assert a.summary() == b.summary()


# -- generator and settings ----------------------------------------------------------------------
def test_generator_is_national_shaped(national, assigned):
    kec = national["kec"]
    assert kec["kode"].is_unique and len(kec) == 300
    assert kec["kode_prov"].nunique() == 38
    assert kec["kode"].str.fullmatch(r"\d{2}\.\d{2}\.\d{2}").all()
    minx, miny, maxx, maxy = kec.total_bounds
    assert 94.5 < minx < 100 and 135 < maxx < 141.5 and -11.5 < miny and maxy < 6.5
    s = assigned.summary()
    # every branch of the assignment rule is exercised, and the loader rejected spoiled rows
    assert s["by_rule"]["inside"] > 3500 and s["by_rule"]["overlap"] > 0
    assert s["by_rule"]["nearest"] > 0
    assert s["reasons"].get("di luar semua kecamatan", 0) > 0
    assert s["n_read"] == 4000 == s["n_assigned"] + s["n_rejected"]


def test_settings_backend_and_validation():
    assert settings.backend == "default"
    assert "backend" in settings._TOML_TABLES["general"]
    with pytest.raises(ValueError, match="backend must be one of"):
        assign_incidents(
            gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
            gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
            backend="spark",
        )


def test_missing_dask_names_the_extra(monkeypatch, national):
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)  # import raises ImportError
    with pytest.raises(MissingDependencyError, match=r'pip install "kewaspadaan\[dask\]"'):
        assign_incidents(national["load"], national["kec"], backend="dask")


def test_default_backend_is_the_engine(national, assigned):
    out = assign_incidents(national["load"], national["kec"])
    _assert_assignment_equal(out, assigned)


def test_spatial_partitions_cover_every_row_once(national):
    pts = national["load"].incidents.geometry
    parts = _dask.spatial_partitions(pts, 6)
    assert len(parts) == 6
    allpos = np.concatenate(parts)
    assert np.array_equal(np.sort(allpos), np.arange(len(pts)))
    # compact: each partition's bounding box is much smaller than the whole extent
    whole = shapely.area(shapely.box(*pts.total_bounds))
    boxes = [shapely.area(shapely.box(*pts.iloc[p].total_bounds)) for p in parts]
    assert np.mean(boxes) < 0.6 * whole


def test_island_partitions_keep_neighbours_together(weights):
    parts = _dask.island_partitions(weights, 4)
    assert len(parts) == 4
    where = np.empty(weights.n, dtype=int)
    for b, pos in enumerate(parts):
        where[pos] = b
    ids = list(weights.id_order)
    pos_of = {v: i for i, v in enumerate(ids)}
    for i in ids:
        assert all(where[pos_of[j]] == where[pos_of[i]] for j in weights.neighbors[i])
    assert sorted(np.concatenate(parts).tolist()) == list(range(weights.n))


def test_threaded_scheduler_without_client(national, assigned):
    pytest.importorskip("dask_geopandas")
    out = assign_incidents(national["load"], national["kec"], backend="dask", npartitions=3)
    _assert_assignment_equal(out, assigned)


# -- dask.distributed LocalCluster: equality with the default backend ---------------------------
def test_assign_dask_equals_default(national, assigned, client):
    out = assign_incidents(
        national["load"], national["kec"], backend="dask", npartitions=5, client=client
    )
    _assert_assignment_equal(out, assigned)


def test_assign_dask_uses_client_settings(national, client, monkeypatch):
    monkeypatch.setattr(settings, "assign_max_distance_m", 300.0)  # workers do not see this
    ref = assign_incidents(national["load"], national["kec"])
    default = assign_incidents(national["load"], national["kec"], max_distance_m=2000.0)
    assert ref.summary()["n_rejected"] > default.summary()["n_rejected"]
    out = assign_incidents(national["load"], national["kec"], backend="dask", client=client)
    _assert_assignment_equal(out, ref)


def test_assign_dask_plain_geodataframe(national, client):
    """No event_id/source_row columns, a labelled index, empty and non-point geometries."""
    pts = national["load"].incidents.geometry.iloc[:500].to_numpy().copy()
    pts[3] = None
    pts[10] = shapely.LineString([(110, -7), (110.1, -7.1)])
    pts[20] = shapely.Point(80.0, -20.0)  # far outside Indonesia
    gdf = gpd.GeoDataFrame(
        {"nilai": np.arange(500)},
        geometry=pts,
        crs="EPSG:4326",
        index=pd.Index([f"x{i}" for i in range(500)], name="id"),
    )
    gdf.attrs["source"] = "titik.gpkg"
    ref = assign_incidents(gdf, national["kec"])
    out = assign_incidents(gdf, national["kec"], backend="dask", npartitions=4, client=client)
    _assert_assignment_equal(out, ref)
    assert len(out.rejected) >= 3


def test_assign_dask_same_errors(national, assigned, client):
    with pytest.raises(ValidationError, match="already have a column"):
        assign_incidents(assigned.assigned, national["kec"], backend="dask", client=client)


@pytest.mark.parametrize("as_of", ["2015-09-01", "2023-06-15"])
def test_history_dask_equals_default(national, assigned, weights, client, as_of):
    kwargs = {"as_of": as_of, "weights": weights, "permutations": 99, "seed": 3}
    ref = history_features(assigned.assigned, national["kec"], **kwargs)
    out = history_features(
        assigned.assigned, national["kec"], backend="dask", npartitions=4, client=client, **kwargs
    )
    pd.testing.assert_frame_equal(out, ref)
    assert out.attrs["as_of"] == ref.attrs["as_of"]
    if as_of == "2015-09-01":  # early: units without a past event take the global record
        none = ref["events_decay"] == 0
        assert none.any() and ref.loc[none, "months_since_last"].nunique() == 1


def test_history_dask_same_errors(national, assigned, weights, client):
    bad = assigned.assigned.copy()
    bad.loc[bad.index[:2], "kode"] = "99.99.99"
    with pytest.raises(ValidationError, match="is not a code of the boundaries"):
        history_features(
            bad, national["kec"], as_of="2024-01-01", weights=weights, backend="dask", client=client
        )


def test_zonal_stats_dask_equals_default(national, client):
    kec = national["kec"].to_crs(national["crs"])
    xmin, ymin, xmax, ymax = kec.total_bounds
    cell = 10_000.0
    rows, cols = int((ymax - ymin) // cell) + 3, int((xmax - xmin) // cell) + 3
    transform = Affine(cell, 0, xmin - cell, 0, -cell, ymax + cell)
    rng = np.random.default_rng(1)
    dem = rng.gamma(2.0, 300.0, size=(rows, cols)).astype("float32")
    dem[rng.random(dem.shape) < 0.05] = -9999.0
    opts = {"nodata": -9999.0, "crs": kec.crs}
    ref = zonal_stats(kec, dem, transform, **opts)
    out = _dask.zonal_stats_dask(kec, dem, transform, npartitions=5, client=client, **opts)
    pd.testing.assert_frame_equal(out, ref)
    assert (ref["count"] > 0).mean() > 0.9
    touched = _dask.zonal_stats_dask(
        kec, dem, transform, npartitions=3, client=client, all_touched=True, **opts
    )
    pd.testing.assert_frame_equal(
        touched, zonal_stats(kec, dem, transform, all_touched=True, **opts)
    )


def test_assign_dask_empty_and_only_loader_rejections(national, client):
    load = national["load"]
    empty = type(load)(
        incidents=load.incidents.iloc[:0],
        rejected=load.rejected,
        n_read=len(load.rejected),
        source=load.source,
    )
    ref = assign_incidents(empty, national["kec"])
    out = assign_incidents(empty, national["kec"], backend="dask", client=client)
    _assert_assignment_equal(out, ref)
    assert len(out.assigned) == 0 and len(out.rejected) == len(load.rejected) > 0


def test_terrain_features_dask_equals_default(national, client):
    """``backend="dask"`` of terrain_features (zonal statistics per partition)."""
    from kewaspadaan.features.terrain import TerrainGrid, terrain_features

    kec = national["kec"].to_crs(national["crs"])
    xmin, ymin, xmax, ymax = kec.total_bounds
    cell = 10_000.0
    rows, cols = int((ymax - ymin) // cell) + 3, int((xmax - xmin) // cell) + 3
    rng = np.random.default_rng(2)
    elev = rng.gamma(2.0, 300.0, size=(rows, cols)).astype("float32")
    grid = TerrainGrid(elev, Affine(cell, 0, xmin - cell, 0, -cell, ymax + cell), kec.crs)
    ref = terrain_features(kec, grid, backend="default")
    out = terrain_features(kec, grid, backend="dask", npartitions=4, client=client)
    pd.testing.assert_frame_equal(out, ref, rtol=1e-6)


def test_settings_backend_reaches_the_engine(national, assigned, client, monkeypatch):
    """``settings.backend = "dask"`` (``[general] backend`` of a project) is what run uses."""
    monkeypatch.setattr(settings, "backend", "dask")
    out = assign_incidents(national["load"], national["kec"], client=client)
    pd.testing.assert_frame_equal(out.assigned, assigned.assigned)
