"""The real Kalimantan Timur case through the CLI only (examples/kaltim/kewaspadaan.toml), and
the derive rules of kewaspadaan.io.derive on small hand-made tables.

Real data from ``../shared/data`` (skipped when absent): Kemendagri boundaries, KPU TPS, BPS
population, ports, rivers, OurAirports, ETOPO5 and UCDP events — no roads, border, security posts
or fleet, so the engine must derive what it can and say what it could not compute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.io.derive import (
    CAPITAL_RULES,
    coastline_from_polygons,
    depots_at_capitals,
    kabupaten_capitals,
    settlements_from_desa,
)

REPO = Path(__file__).resolve().parents[1]


PROJECT = REPO / "examples" / "kaltim" / "kewaspadaan.toml"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed command line, as a planner types it (no Python glue)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "kewaspadaan", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# ------------------------------------------------------------------------------------------
# realdata helpers on small hand-made tables (no real data needed)
# ------------------------------------------------------------------------------------------
def _toy() -> pd.DataFrame:
    rows = [
        # kabupaten 01: kecamatan 01.01 has two kelurahan (the capital town), 01.02 one
        ("01.01.1001", "Kota A", "01.01", "01", "kelurahan", 0.00, 0.00),
        ("01.01.1002", "Kota B", "01.01", "01", "kelurahan", 0.01, 0.00),
        ("01.01.2001", "Desa C", "01.01", "01", "desa", 0.05, 0.05),
        ("01.02.1001", "Kota D", "01.02", "01", "kelurahan", 0.50, 0.00),
        ("01.02.2001", "Desa E", "01.02", "01", "desa", 0.60, 0.10),
        # kabupaten 02: desa only; the middle one is the most central
        ("02.01.2001", "Desa F", "02.01", "02", "desa", 2.00, 0.00),
        ("02.01.2002", "Desa G", "02.01", "02", "desa", 2.10, 0.00),
        ("02.02.2001", "Desa H", "02.02", "02", "desa", 2.20, 0.00),
    ]
    return pd.DataFrame(
        rows, columns=["kode", "nama", "kode_kec", "kode_kab", "jenis", "lng_c", "lat_c"]
    )


def test_capitals_by_rule_and_roles() -> None:
    d = _toy()
    caps = kabupaten_capitals(d)
    assert list(caps["kode_kab"]) == ["01", "02"]
    assert set(caps["aturan"]) <= set(CAPITAL_RULES)
    c1, c2 = caps.iloc[0], caps.iloc[1]
    assert c1["aturan"] == "kelurahan_terbanyak" and c1["kode_kec"] == "01.01"
    assert c2["aturan"] == "pusat_desa" and c2["kode"] == "02.01.2002"
    s = settlements_from_desa(d, capitals=caps)
    assert list(s.columns[:6]) == ["nama", "kode_desa", "kode_kec", "kode_kab", "penduduk", "peran"]
    assert s.crs == "EPSG:4326" and len(s) == len(d)
    peran = dict(zip(s["kode_desa"], s["peran"], strict=True))
    assert peran["01.01.1001"] == peran["01.01.1002"] == "ibukota_kabupaten"
    assert peran["01.01.2001"] == "desa"  # a desa in the capital kecamatan is not the town
    assert peran["01.02.1001"] == "ibukota_kecamatan"
    assert peran["02.01.2002"] == "ibukota_kabupaten"
    assert s["penduduk"].isna().all()  # unknown, not invented


def test_flagged_capital_wins_and_bad_input_is_named() -> None:
    d = _toy()
    caps = kabupaten_capitals(d, capitals={"01": "01.02.1001"}, provincial_capital="01")
    assert caps.iloc[0]["aturan"] == "flagged" and caps.iloc[0]["kode"] == "01.02.1001"
    assert bool(caps.iloc[0]["ibukota_provinsi"])
    s = settlements_from_desa(d, capitals=caps)
    assert s.loc[s["kode_desa"] == "01.02.1001", "peran"].item() == "ibukota_provinsi"
    dep = depots_at_capitals(caps, names={"01": "Kab Satu"})
    assert list(dep["nama"]) == ["Gudang KPU Kab Satu", "Gudang KPU 02"]
    assert dep["sumber"].str.startswith("asumsi").all()
    with pytest.raises(ValidationError, match="not in the desa table"):
        kabupaten_capitals(d, capitals={"01": "99.99.9999"})
    with pytest.raises(MissingColumnError, match="kode_kab"):
        settlements_from_desa(d.drop(columns="kode_kab"))
    bad = d.astype({"lng_c": object})
    bad.loc[3, "lng_c"] = "x"
    with pytest.raises(ValidationError, match="rows \\[4\\]"):
        settlements_from_desa(bad)


def test_polygons_without_centroid_columns() -> None:
    d = _toy()
    poly = gpd.GeoDataFrame(
        d.drop(columns=["lng_c", "lat_c"]),
        geometry=gpd.points_from_xy(d["lng_c"].astype(float), d["lat_c"].astype(float)).buffer(
            0.001
        ),
        crs="EPSG:4326",
    )
    s = settlements_from_desa(poly)
    assert (s.geom_type == "Point").all()
    assert s.geometry.within(poly.geometry.reset_index(drop=True)).all()


def test_coastline_from_polygons() -> None:
    from shapely.geometry import Point, box

    # land 0..10 km, neighbour to the west shares x=0; island offshore; port near x=10 km side
    crs = "EPSG:32650"
    land = gpd.GeoDataFrame(
        geometry=[box(0, 0, 10_000, 10_000).union(box(20_000, 0, 21_000, 1_000))], crs=crs
    )
    land = land.assign(geometry=land.geometry.difference(box(4_000, 4_000, 5_000, 5_000)))
    nb = gpd.GeoDataFrame(geometry=[box(-10_000, 0, 0, 10_000)], crs=crs)
    port = gpd.GeoDataFrame(geometry=[Point(10_500, 5_000)], crs=crs)
    c = coastline_from_polygons(land, neighbours=nb, sea_ports=port, tolerance_m=100)
    assert sorted(c["jenis"]) == ["pantai", "pulau"]  # the lake (hole) is not coast
    assert c.loc[c["jenis"] == "pulau", "panjang_km"].item() == pytest.approx(4.0)
    assert c.loc[c["jenis"] == "pantai", "panjang_km"].item() == pytest.approx(30.0, abs=0.3)
    assert c.attrs["excluded_km"] == 0
    far = gpd.GeoDataFrame(geometry=[Point(90_000, 90_000)], crs=crs)
    c2 = coastline_from_polygons(land, neighbours=nb, sea_ports=far, tolerance_m=100)
    assert list(c2["jenis"]) == ["pulau"] and c2.attrs["excluded_km"] > 29


# ------------------------------------------------------------------------------------------
# the real province end to end, through the CLI only
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """`kewaspadaan run --config examples/kaltim/kewaspadaan.toml` from another folder."""
    if Path(os.path.relpath(shared_data, PROJECT.parent)) != Path("../../../shared/data"):
        pytest.skip("the example project names ../shared/data next to the repository")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    out = tmp_path_factory.mktemp("kaltim")
    check = _cli("check", "--config", str(PROJECT), "--out", str(out), cwd=elsewhere)
    res = _cli("run", "--config", str(PROJECT), "--out", str(out), cwd=elsewhere)
    assert res.returncode == 0, res.stderr[-3000:]
    return check, res, out


@pytest.mark.realdata
@pytest.mark.slow
def test_real_check_table(real_run) -> None:
    check, _, _ = real_run
    assert check.returncode == 0, check.stderr[-2000:]
    lines = {ln.split()[0]: ln for ln in check.stdout.splitlines() if ln and ln[0].islower()}
    assert "105" in lines["kecamatan"] and "1038" in lines["desa"] and "1038" in lines["tps"]
    assert "turunan" in lines["permukiman"] and "turunan" in lines["gudang_kpu"]
    assert "turunan" in lines["garis_pantai"]
    assert "dilewati" in lines["jalan"] and "dilewati" in lines["pos_keamanan"]
    assert "EPSG:32650" in lines["dem"]  # ETOPO5 (EPSG:4326) warped to UTM 50N
    assert "Semua lapisan terbaca" in check.stdout


@pytest.mark.realdata
@pytest.mark.slow
def test_real_run_outputs_and_provenance(real_run, shared_data: Path) -> None:
    _, res, out = real_run
    summary = json.loads((out / "ringkasan.json").read_text(encoding="utf-8"))
    assert summary["unit"] == 105 and summary["data_sintetis"] is False
    assert summary["tanggal_penilaian"] == "2024-01-01"
    sources = {Path(s["path"]).name: s for s in summary["sumber_data"] if s["path"]}
    # every file named by the project, and nothing else, with its hash and rows
    named = {
        "kaltim_kecamatan_kemendagri2022.geojson",
        "kaltim_desa_kelurahan_kemendagri2022.geojson",
        "kpu_tps_per_desa_kaltim_pemilu2024.csv",
        "etopo5_kaltim_margin1deg.tif",
        "ucdp_ged_conflict_data_idn_1989-2019.csv",
        "ourairports_airports_kaltim_margin.csv",
    }
    assert named <= set(sources)
    assert all(Path(s["path"]).parent == shared_data.resolve() for s in sources.values())
    assert not any(s["synthetic"] for s in summary["sumber_data"])
    assert sources["kaltim_kecamatan_kemendagri2022.geojson"]["rows"] == 105
    assert len(sources["kpu_tps_per_desa_kaltim_pemilu2024.csv"]["sha256"]) == 64
    derived = {s["layer"]: s for s in summary["sumber_data"] if s["derived_from"]}
    assert {"permukiman", "gudang_kpu", "garis_pantai"} <= set(derived)
    assert "asumsi" in derived["gudang_kpu"]["note"]
    t = pd.read_csv(out / "risiko_kecamatan.csv", dtype={"kode": str, "kode_kab": str})
    assert len(t) == 105 and t["kode"].str.match(r"^64\.\d{2}\.\d{2}$").all()
    assert set(t["kelas"]) <= set(settings.class_labels["id"])
    assert t["skor"].between(0, 100).all()
    # ETOPO5 terrain and the derived coast are features now
    assert t["elev_mean_m"].notna().all() and t["coast_distance_km"].notna().all()
    coast = t.set_index("kode")["coast_distance_km"]
    assert coast[t.set_index("kode")["kode_kab"] == "64.71"].max() < 15  # Balikpapan
    assert coast[t.set_index("kode")["kode_kab"] == "64.11"].min() > 150  # Mahakam Ulu
    # TPS from the KPU table reach the kecamatan (sum of the desa): 11,441 in the province
    assert t["tps"].sum() == 11_441
    routes = pd.read_csv(out / "rute.csv", dtype={"tujuan_kode": str})
    desa = pd.read_csv(shared_data / "kaltim_desa_kelurahan_centroids.csv", dtype=str)["kode"]
    assert len(routes) == 1038 and sorted(routes["tujuan_kode"]) == sorted(desa)
    report = (out / "laporan_kewaspadaan.html").read_text(encoding="utf-8")
    assert "kpu_tps_per_desa_kaltim_pemilu2024.csv" in report and "2024-01-01" in report
    assert "Galat" not in res.stderr


@pytest.mark.realdata
@pytest.mark.slow
def test_real_run_ignores_a_demo_folder_in_the_working_directory(
    real_run, shared_data: Path, tmp_path: Path
) -> None:
    """The provenance guarantee: the same project gives byte-identical outputs whether or not
    the demonstration province sits in ./data of the working folder."""
    from kewaspadaan.demo import generate_province

    _, _, out_clean = real_run
    cwd = tmp_path / "dengan_demo"
    generate_province(cwd / "data", size="small")
    out = tmp_path / "out"
    res = _cli("run", "--config", str(PROJECT), "--out", str(out), cwd=cwd)
    assert res.returncode == 0, res.stderr[-3000:]
    names = sorted(p.name for p in out_clean.iterdir())
    assert names == sorted(p.name for p in out.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (out_clean / name).read_bytes(), name
    summary = (out / "ringkasan.json").read_text(encoding="utf-8")
    assert "demonstrasi" not in summary.lower() and '"synthetic": true' not in summary
    assert json.loads(summary)["data_sintetis"] is False
