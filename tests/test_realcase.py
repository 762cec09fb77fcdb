"""The real Kalimantan Timur case end to end (examples/kaltim_nyata.py) and kewaspadaan.realdata.

Real data from ``../shared/data`` (skipped when absent): no incidents, DEM, roads or population,
so the engine must degrade gracefully and say what it could not compute.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.realdata import (
    CAPITAL_RULES,
    coastline_from_polygons,
    depots_at_capitals,
    kabupaten_capitals,
    settlements_from_desa,
)

REPO = Path(__file__).resolve().parents[1]


def _example():
    spec = importlib.util.spec_from_file_location(
        "kaltim_nyata", REPO / "examples" / "kaltim_nyata.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["kaltim_nyata"] = mod
    spec.loader.exec_module(mod)
    return mod


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
# the real province end to end
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    mod = _example()
    out = tmp_path_factory.mktemp("kaltim_nyata")
    result = mod.run_real(
        shared_data,
        out,
        as_of="2026-11-01",
        departure="2029-02-05 06:00",
        deadline="2029-02-13 18:00",
    )
    return mod, out, result


@pytest.mark.realdata
def test_real_score_degrades_gracefully(real_run) -> None:
    _, out, result = real_run
    t = result.score.table
    assert len(t) == 105 and t["kode"].is_unique
    assert t["kode"].str.match(r"^64\.\d{2}\.\d{2}$").all()
    assert set(t["kelas"]) <= set(settings.class_labels["id"])
    assert t["skor"].between(0, 100).all() and t["skor"].notna().all()
    assert t["prob_insiden"].isna().all() and not t["peringatan"].any()
    missing = result.score.missing
    assert "history" in missing and "no incident file" in missing["history"]
    assert "model not fitted" in missing["prob_insiden"]
    assert {
        "group:history",
        "group:spillover",
        "border_distance_km",
        "elev_mean_m",
        "tt_security_post_h",
    } <= set(missing)
    # only the groups present carry weight, renormalised to 1
    w = result.score.risk.weights
    assert "history" not in w and abs(sum(w.values()) - 1) < 1e-9
    assert {"tt_kab_capital_h", "tt_prov_capital_h"} <= set(result.score.risk.normalised)
    assert t["river_distance_km"].notna().all()  # the Natural Earth rivers are used
    # coast derived from the province polygons: Balikpapan/Samarinda coastal, the interior not
    coast = t.set_index("kode")["coast_distance_km"]
    assert coast.notna().all() and "coast_distance_km" not in missing
    assert coast[t.set_index("kode")["kode_kab"] == "64.71"].max() < 15
    assert coast[t.set_index("kode")["kode_kab"] == "64.11"].min() > 150  # Mahakam Ulu
    # the provincial capital's own kecamatan is the least remote to it
    assert t.loc[t["tt_prov_capital_h"].idxmin(), "kode_kab"] == "64.72"
    summary = json.loads((out / "ringkasan.json").read_text(encoding="utf-8"))
    assert summary["unit"] == 105 and "prob_insiden" in summary["fitur_tidak_dihitung"]
    feats = json.loads((out / "fitur.json").read_text(encoding="utf-8"))
    assert "history" in feats["tidak_dihitung"] and "area_km2" in feats["dihitung"]
    csv = pd.read_csv(out / "risiko_kecamatan.csv", dtype={"kode": str})
    assert sorted(csv["kode"]) == sorted(t["kode"])


@pytest.mark.realdata
def test_real_settlements_capitals_and_routes(real_run, shared_data: Path) -> None:
    _, out, result = real_run
    G = result.logistics.graph
    kinds = pd.Series(dict(G.nodes(data="kind"))).value_counts()
    assert kinds["settlement"] == 1038 and kinds["depot"] == 10
    assert G.graph["road_fallback"] is True
    mahakam = [
        d for *_, d in G.edges(data=True) if d["mode"] == "river" and d.get("nama") == "Mahakam"
    ]
    assert mahakam and sum(d["length_km"] for d in mahakam) / 2 > 300
    routes = pd.read_csv(out / "rute.csv", dtype={"tujuan_kode": str})
    desa = pd.read_csv(shared_data / "kaltim_desa_kelurahan_centroids.csv", dtype=str)["kode"]
    # one row per desa, none dropped, reachable or not
    assert len(routes) == 1038 and sorted(routes["tujuan_kode"]) == sorted(desa)
    reach = routes["terjangkau"].astype(bool)
    assert reach.mean() > 0.9 and (~reach).sum() == result.logistics.summary()["tidak_terjangkau"]
    caps = pd.read_csv(out / "ibukota_kabupaten.csv", dtype=str)
    assert len(caps) == 10 and set(caps["aturan"]) <= set(CAPITAL_RULES)
    by_kab = dict(zip(caps["kode_kab"], caps["kode_kec"], strict=True))
    # checked against the known capitals: Samarinda (kota_ne), Tenggarong, Tanjung Redeb
    assert by_kab["64.72"].startswith("64.72") and by_kab["64.02"] == "64.02.06"
    prov = caps[caps["ibukota_provinsi"] == "True"]
    assert list(prov["kode_kab"]) == ["64.72"]


@pytest.mark.realdata
def test_real_report_written(real_run) -> None:
    _, out, result = real_run
    report = out / "laporan_kewaspadaan.html"
    assert report.exists() and 10_000 < report.stat().st_size < 3 * 1024 * 1024
    html = report.read_text(encoding="utf-8")
    assert "Samarinda" in html and '<script src="http' not in html
    assert np.isfinite(result.score.table["skor"]).all()
