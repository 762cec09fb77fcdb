"""Tests of the generated demonstration province (``kewaspadaan.demo``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from scipy import stats

from kewaspadaan.demo import ensure_demo_data, generate_province, read_manifest
from kewaspadaan.demo._spec import get_spec
from kewaspadaan.demo.incidents import ACLED_COLUMNS
from kewaspadaan.schema import DEMO_FILES, DEMO_LAYER_COLUMNS

UTM = "EPSG:32650"
VECTOR = [k for k, rel in DEMO_FILES.items() if rel.endswith(".geojson")]


def _read(folder: Path, key: str) -> gpd.GeoDataFrame:
    return gpd.read_file(folder / DEMO_FILES[key])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_file_and_column_present(demo_small: Path) -> None:
    for rel in DEMO_FILES.values():
        assert (demo_small / rel).is_file(), rel
    for key, cols in DEMO_LAYER_COLUMNS.items():
        path = demo_small / DEMO_FILES[key]
        df = pd.read_csv(path) if path.suffix == ".csv" else gpd.read_file(path)
        missing = set(cols) - set(df.columns)
        assert not missing, f"{key}: missing {missing}"
        assert len(df) > 0, key
        if path.suffix == ".geojson":
            assert df.crs is not None and df.crs.to_epsg() == 4326, key


def test_same_seed_gives_identical_files(demo_small: Path, tmp_path: Path) -> None:
    again = generate_province(tmp_path / "again", size="small")
    for rel in DEMO_FILES.values():
        if rel.endswith((".csv", ".geojson", ".json")):
            assert (demo_small / rel).read_bytes() == (again / rel).read_bytes(), rel
    with (
        rasterio.open(demo_small / DEMO_FILES["dem"]) as a,
        rasterio.open(again / DEMO_FILES["dem"]) as b,
    ):
        np.testing.assert_array_equal(a.read(1), b.read(1))


def test_other_seed_gives_other_province(demo_small: Path, tmp_path: Path) -> None:
    other = generate_province(tmp_path / "other", seed=7, size="small")
    assert _sha(other / DEMO_FILES["kecamatan"]) != _sha(demo_small / DEMO_FILES["kecamatan"])
    assert read_manifest(other)["seed"] == 7


def test_manifest_hashes_and_counts(demo_small: Path) -> None:
    m = json.loads((demo_small / DEMO_FILES["manifest"]).read_text())
    assert m["synthetic"] is True and "SINTETIS" in m["notice"]
    assert m["seed"] == 2024 and m["size"] == "small"
    assert "timestamp" not in json.dumps(m).lower()
    listed = {f["path"]: f for f in m["files"]}
    assert set(listed) == {rel for k, rel in DEMO_FILES.items() if k != "manifest"}
    for rel, f in listed.items():
        assert _sha(demo_small / rel) == f["sha256"], rel
    assert listed[DEMO_FILES["kecamatan"]]["features"] == len(_read(demo_small, "kecamatan"))


def test_nesting_and_tiling(demo_small: Path) -> None:
    desa = _read(demo_small, "desa").to_crs(UTM)
    kec = _read(demo_small, "kecamatan").to_crs(UTM).set_index("kode")
    kab = _read(demo_small, "kabupaten").to_crs(UTM).set_index("kode")
    prov = _read(demo_small, "provinsi").to_crs(UTM).geometry.iloc[0]
    assert desa.is_valid.all() and kec.is_valid.all() and kab.is_valid.all()
    # every desa lies in its kecamatan
    parent = kec.geometry.reindex(desa["kode_kec"]).to_numpy()
    inside = shapely.area(shapely.intersection(desa.geometry.to_numpy(), parent))
    np.testing.assert_allclose(inside, desa.area.to_numpy(), rtol=1e-5)
    # desa tile their kecamatan and kecamatan tile their kabupaten: areas add up, no overlap
    by_kec = desa.groupby("kode_kec").geometry.apply(lambda g: g.area.sum())
    np.testing.assert_allclose(by_kec.sort_index(), kec.area.sort_index(), rtol=1e-5)
    by_kab = kec.groupby("kode_kab").geometry.apply(lambda g: g.area.sum())
    np.testing.assert_allclose(by_kab.sort_index(), kab.area.sort_index(), rtol=1e-5)
    assert kec.area.sum() == pytest.approx(prov.area, rel=1e-5)
    assert shapely.union_all(kec.geometry.to_numpy()).area == pytest.approx(prov.area, rel=1e-5)


def test_codes_well_formed_and_unique(demo_small: Path) -> None:
    kab = _read(demo_small, "kabupaten")
    kec = _read(demo_small, "kecamatan")
    desa = _read(demo_small, "desa")
    assert kab["kode"].str.fullmatch(r"99\.(0[1-9]|7[1-9])").all()
    assert kec["kode"].str.fullmatch(r"99\.\d{2}\.\d{2}").all()
    assert desa["kode"].str.fullmatch(r"99\.\d{2}\.\d{2}\.[12]\d{3}").all()
    for df in (kab, kec, desa):
        assert df["kode"].is_unique and df["nama"].is_unique
    assert (kec["kode"].str[:5] == kec["kode_kab"]).all()
    assert (desa["kode"].str[:8] == desa["kode_kec"]).all()
    kel = desa["kode"].str[9] == "1"
    assert ((desa["jenis"] == "kelurahan") == kel).all()
    assert set(kab["jenis"]) == {"kabupaten", "kota"}
    assert (kec["penduduk"] > 0).all() and (desa["tps"] >= 1).all()
    assert (
        kec.set_index("kode")["tps"].sort_index().tolist()
        == desa.groupby("kode_kec")["tps"].sum().sort_index().tolist()
    )


def test_rivers_flow_downhill(demo_small: Path) -> None:
    rivers = _read(demo_small, "sungai").to_crs(UTM)
    start = [ln.coords[0] for ln in rivers.geometry]
    end = [ln.coords[-1] for ln in rivers.geometry]
    with rasterio.open(demo_small / DEMO_FILES["dem"]) as src:
        assert src.crs.to_epsg() == 32650 and src.dtypes[0] == "float32"
        assert src.nodata is not None and src.profile["tiled"]
        assert src.compression.value.lower() == "deflate"
        z0 = np.array([v[0] for v in src.sample(start)])
        z1 = np.array([v[0] for v in src.sample(end)])
    land = (z0 != src.nodata) & (z1 != src.nodata)
    assert land.mean() > 0.95
    assert (z0[land] >= z1[land]).mean() > 0.95
    assert {"besar", "kecil", "jeram", "tidak"} <= set(rivers["navigasi"])
    assert rivers["nama"].str.startswith("Sungai ").all()
    assert rivers["orde"].max() >= 3


def test_island_kecamatan_not_touching_mainland(demo_small: Path) -> None:
    kec = _read(demo_small, "kecamatan").to_crs(UTM)
    prov = _read(demo_small, "provinsi").to_crs(UTM).geometry.iloc[0]
    parts = list(shapely.get_parts(prov))
    mainland = max(parts, key=lambda p: p.area)
    islands = kec[kec.distance(mainland) > 1000.0]
    assert len(islands) >= 2
    ports = _read(demo_small, "pelabuhan")
    assert set(islands["kode"]) <= set(ports.loc[ports["kategori"] == "laut", "kode_kec"])


def test_remote_kabupaten_has_no_road_link(demo_small: Path) -> None:
    m = read_manifest(demo_small)
    kab = _read(demo_small, "kabupaten").to_crs(UTM)
    remote = kab.loc[kab["nama"].isin(m["summary"]["kabupaten_terpencil"])].geometry
    assert len(remote) == 1
    remote = remote.iloc[0]
    roads = _read(demo_small, "jalan").to_crs(UTM)
    inside = roads.intersects(remote)
    assert inside.any() and (~inside).any()
    assert roads[inside].within(remote.buffer(1.0)).all()
    assert (
        shapely.union_all(roads[inside].geometry.to_numpy()).distance(
            shapely.union_all(roads[~inside].geometry.to_numpy())
        )
        > 500.0
    )
    assert roads["jembatan"].any() and set(roads["kelas"]) <= {
        "arteri",
        "kolektor",
        "lokal",
        "setapak",
    }


def test_facilities(demo_small: Path) -> None:
    kab = _read(demo_small, "kabupaten")
    gudang = _read(demo_small, "gudang_kpu")
    assert sorted(gudang["kode_kab"]) == sorted(kab["kode"])
    pos = _read(demo_small, "pos_keamanan")
    assert (pos["jenis"] == "polda").sum() == 1
    assert (pos["jenis"] == "polres").sum() == len(kab)
    bandara = _read(demo_small, "bandara")
    assert (bandara["jenis"] == "bandara").sum() >= 1
    armada = pd.read_csv(demo_small / DEMO_FILES["armada"], dtype={"kode_kab": str})
    assert set(armada["moda"]) <= {"road", "river", "sea", "air"}
    assert (armada["jumlah"] > 0).all() and (armada["kapasitas_kotak"] > 0).all()
    settl = _read(demo_small, "permukiman")
    assert (settl["peran"] == "ibukota_provinsi").sum() == 1
    assert len(settl) == len(_read(demo_small, "desa"))


def test_incidents_are_acled_and_inside(demo_small: Path) -> None:
    ev = pd.read_csv(demo_small / DEMO_FILES["insiden"], keep_default_na=False)
    assert tuple(ev.columns) == ACLED_COLUMNS
    assert ev["event_id_cnty"].is_unique and ev["event_id_cnty"].str.startswith("DEMO").all()
    assert ev["notes"].str.startswith("[SINTETIS]").all()
    assert (ev["admin1"] == "Provinsi Demonstrasi").all() and (ev["iso"] == 360).all()
    dates = pd.to_datetime(ev["event_date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2018-01-01") and dates.max() <= pd.Timestamp("2026-10-31")
    assert ev["geo_precision"].isin([1, 2, 3]).all()
    assert 250 <= len(ev) <= 600
    prov = _read(demo_small, "provinsi").geometry.iloc[0]
    pts = gpd.points_from_xy(ev["longitude"], ev["latitude"], crs="EPSG:4326")
    assert shapely.covers(prov.buffer(1e-5), np.asarray(pts)).all()


def test_incidents_follow_true_intensity(demo_small: Path) -> None:
    ev = pd.read_csv(demo_small / DEMO_FILES["insiden"], keep_default_na=False)
    truth = pd.read_csv(demo_small / DEMO_FILES["intensitas_benar"], dtype={"kode": str})
    kec = _read(demo_small, "kecamatan")
    assert len(truth) == len(kec) * 106 and (truth["lambda_benar"] > 0).all()
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(ev["longitude"], ev["latitude"]), crs="EPSG:4326"
    )
    joined = gpd.sjoin(pts, kec[["kode", "geometry"]], predicate="within")
    counts = joined["kode"].value_counts().reindex(kec["kode"], fill_value=0)
    expected = truth.groupby("kode")["lambda_benar"].sum().reindex(kec["kode"])
    rho = stats.spearmanr(counts, expected).statistic
    assert rho > 0.5
    assert counts.sum() == pytest.approx(expected.sum(), rel=0.25)


def test_ensure_demo_data_only_generates_when_needed(
    demo_small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    monkeypatch.setattr(
        "kewaspadaan.demo.generate_province", lambda path, **kw: calls.append(kw) or Path(path)
    )
    assert ensure_demo_data(demo_small, seed=2024, size="small") == demo_small
    assert calls == []
    ensure_demo_data(demo_small, seed=5, size="small")
    ensure_demo_data(tmp_path / "empty", size="small")
    assert [c["seed"] for c in calls] == [5, 2024]


def test_overwrite_false_refuses(demo_small: Path) -> None:
    with pytest.raises(FileExistsError, match="overwrite=True"):
        generate_province(demo_small, size="small", overwrite=False)


def test_unknown_size_names_the_choices() -> None:
    with pytest.raises(Exception, match="small"):
        get_spec("huge")


def test_cli_demo_data_reports_manifest(demo_small: Path) -> None:
    from typer.testing import CliRunner

    from kewaspadaan.cli import app

    res = CliRunner().invoke(app, ["demo-data", "--data", str(demo_small), "--size", "small"])
    assert res.exit_code == 0, res.output
    assert "sintetis" in res.output and "incidents/insiden_acled.csv" in res.output


@pytest.mark.slow
def test_full_size_counts(demo_full: Path) -> None:
    kab = _read(demo_full, "kabupaten")
    kec = _read(demo_full, "kecamatan")
    desa = _read(demo_full, "desa")
    assert 8 <= len(kab) <= 10 and (kab["jenis"] == "kota").sum() >= 2
    assert 80 <= len(kec) <= 100
    assert 700 <= len(desa) <= 1000
    ev = pd.read_csv(demo_full / DEMO_FILES["insiden"])
    assert 2500 <= len(ev) <= 8000
    with rasterio.open(demo_full / DEMO_FILES["dem"]) as src:
        assert src.res == (250.0, 250.0)
        assert 380_000 <= src.width * 250 <= 420_000 and 430_000 <= src.height * 250 <= 470_000
        z = src.read(1, masked=True)
        assert 1800 <= z.max() <= 2800
    area_km2 = _read(demo_full, "provinsi").to_crs(UTM).area.iloc[0] / 1e6
    assert 100_000 <= area_km2 <= 160_000
