"""The data layer: one loader, one demo policy, the project file, provenance and the readers of
what users hold (field reports, UCDP, OSM, OurAirports, TPS/population tables, DEM tiles)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from kewaspadaan._errors import DataFileError
from kewaspadaan.cli import app
from kewaspadaan.io import (
    assign_incidents,
    load_boundaries,
    load_demo,
    load_field_reports,
    load_incidents,
    load_layers,
    merge_duplicates,
    read_project,
    read_tps,
)
from kewaspadaan.schema import DEMO_FILES

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "data" / "kecamatan_mini.geojson"
ACLED = REPO / "tests" / "data" / "acled_mini.csv"
runner = CliRunner()


def _project(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kewaspadaan.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _one_line_error(res) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Galat:")]
    assert len(errors) == 1, res.output
    return errors[0]


# ----------------------------------------------------------------------------------------------
# one demo policy
# ----------------------------------------------------------------------------------------------
def test_explicit_files_never_read_a_demo_folder(tmp_path: Path, demo_small: Path, monkeypatch):
    """paths=/a project read exactly their files, even with a demo data/ folder in the cwd."""
    monkeypatch.chdir(demo_small.parent)
    os.symlink(demo_small, demo_small.parent / "data", target_is_directory=True) if not (
        demo_small.parent / "data"
    ).exists() else None
    layers = load_layers(paths={"kecamatan": MINI, "insiden": ACLED}, derive=False)
    assert layers.available() == ["kecamatan", "insiden"]
    assert layers.batas_negara is None and layers.jalan is None and layers.dem_files == []
    assert not layers.synthetic
    paths = {Path(s.path).name for s in layers.sources}
    assert paths == {"kecamatan_mini.geojson"}  # incidents are recorded once read
    assert layers.incidents.n_read == 7
    assert {Path(s["path"]).name for s in layers.provenance()} == {
        "kecamatan_mini.geojson",
        "acled_mini.csv",
    }
    with pytest.raises(ValueError, match="never merged"):
        load_layers(demo_small, paths={"kecamatan": MINI})


def test_demo_never_written_into_a_users_folder(tmp_path: Path) -> None:
    user = tmp_path / "punya_saya"
    user.mkdir()
    (user / "kecamatan.geojson").write_bytes(MINI.read_bytes())
    with pytest.raises(DataFileError, match=r"not the demonstration province.*kewaspadaan init"):
        load_demo(user)
    res = runner.invoke(app, ["score", "--data", str(user), "--out", str(tmp_path / "o")])
    assert "kewaspadaan init" in _one_line_error(res)
    res = runner.invoke(app, ["demo-data", "--data", str(user)])
    _one_line_error(res)
    assert sorted(p.name for p in user.iterdir()) == ["kecamatan.geojson"]


def test_small_demo_is_not_regenerated_as_full(demo_small: Path) -> None:
    manifest = json.loads((demo_small / DEMO_FILES["manifest"]).read_text(encoding="utf-8"))
    before = {p: p.stat().st_mtime_ns for p in demo_small.rglob("*") if p.is_file()}
    layers = load_layers(demo_small)
    assert layers.synthetic and all(s.synthetic for s in layers.sources)
    after = {p: p.stat().st_mtime_ns for p in demo_small.rglob("*") if p.is_file()}
    assert before == after
    assert json.loads((demo_small / DEMO_FILES["manifest"]).read_text())["size"] == manifest["size"]
    assert len(layers.kecamatan) == manifest["files"][0]["features"] or len(layers.kecamatan) > 0


# ----------------------------------------------------------------------------------------------
# the project file
# ----------------------------------------------------------------------------------------------
def test_project_file_relative_to_itself_and_column_mapping(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    mini = gpd.read_file(MINI).rename(columns={"kode": "KDCPUM", "nama": "WADMKC"})
    mini.to_file(data / "batas kecamatan.gpkg", layer="kec", driver="GPKG")
    mini.to_file(data / "batas kecamatan.gpkg", layer="lain", driver="GPKG")
    (data / "kejadian.csv").write_bytes(ACLED.read_bytes())
    proj = _project(
        tmp_path / "proyek",
        '[data]\nroot = "../data"\n'
        '[data.kecamatan]\npath = "batas kecamatan.gpkg"\nlayer = "kec"\n'
        'columns = { kode = "KDCPUM", nama = "WADMKC" }\n'
        '[[data.insiden]]\npath = "kejadian.csv"\n',
    )
    layers = load_layers(proj, derive=False)
    assert layers.kecamatan["kode"].tolist()[:2] == ["64.01.01", "64.01.02"]
    src = next(s for s in layers.sources if s.layer == "kecamatan")
    assert src.columns["kode"] == "KDCPUM" and src.columns["nama"] == "WADMKC"
    assert len(src.sha256) == 64 and src.rows == 4 and src.crs == "EPSG:4326"
    assert layers.incidents.n_read == 7
    assert read_project(proj.parent).path == proj.resolve()  # a folder finds its file


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[data.kecamtan]\npath = "k.geojson"\n',
            r"\[data.kecamtan\]: unknown layer \(did you mean 'kecamatan'\?\)",
        ),
        (
            '[data.kecamatan]\npath = "tidak_ada.geojson"\n',
            r"\[data.kecamatan\] path = 'tidak_ada.geojson': file not found",
        ),
        (
            '[data.kecamatan]\npath = "k.geojson"\ncolumns = { kode = "KDCPUMX" }\n',
            r"KDCPUMX.*nearest existing: KDCPUM",
        ),
        (
            '[data.kecamatan]\npath = "k.geojson"\ncolumn = { kode = "KDCPUM" }\n',
            r"\[data.kecamatan\] column: unknown option \(did you mean 'columns'\?\)",
        ),
        (
            '[data.kecamatan]\npath = "k.geojson"\ncolumns = { kod = "KDCPUM" }\n',
            r"columns.kod: not a column of the kecamatan layer \(did you mean 'kode'\?\)",
        ),
        (
            '[project]\nlevel = "provinsi"\n[data.kecamatan]\npath = "k.geojson"\n',
            r"\[project\] level = 'provinsi': must be kabupaten, kecamatan or desa",
        ),
        ('[data.kecamatan\npath = "k.geojson"\n', r"not valid TOML"),
        ('[data.tps]\npath = "k.geojson"\nlevel = 3\n', r"\[data.tps\] level = 3: must be text"),
    ],
)
def test_bad_project_file_one_line_naming_the_key(tmp_path: Path, body: str, expected: str):
    mini = gpd.read_file(MINI).rename(columns={"kode": "KDCPUM"})
    mini.to_file(tmp_path / "k.geojson", driver="GeoJSON")
    proj = _project(tmp_path, body)
    res = runner.invoke(app, ["check", "--config", str(proj)])
    line = _one_line_error(res) if "KDCPUMX" not in body else res.output
    if "KDCPUMX" in body:  # a reading problem: shown in the layer table, then one Galat line
        assert res.exit_code == 2 and "Traceback" not in res.output
    import re

    assert re.search(expected, line), line
    assert str(proj) in res.output or "kewaspadaan.toml" in res.output


def test_init_writes_a_project_that_check_accepts(tmp_path: Path) -> None:
    data = tmp_path / "data_kaltim"
    data.mkdir()
    gpd.read_file(MINI).to_file(data / "batas_kecamatan.geojson", driver="GeoJSON")
    (data / "acled_2024.csv").write_bytes(ACLED.read_bytes())
    res = runner.invoke(app, ["init", str(data)])
    assert res.exit_code == 0, res.output
    text = (data / "kewaspadaan.toml").read_text(encoding="utf-8")
    assert '[data.kecamatan]\npath = "batas_kecamatan.geojson"' in text
    assert '[data.insiden]\npath = "acled_2024.csv"' in text
    assert "# [data.dem]" in text  # the others are listed, commented
    again = runner.invoke(app, ["init", str(data)])
    assert "--force" in _one_line_error(again)
    check = runner.invoke(
        app, ["check", "--config", str(data / "kewaspadaan.toml"), "--out", str(tmp_path / "o")]
    )
    assert check.exit_code == 0, check.output
    assert "Insiden: dibaca 7 = ditugaskan 6 + ditolak 1" in check.output
    row = next(ln for ln in check.output.splitlines() if ln.startswith("dem "))
    assert "dilewati" in row and "fitur medan tidak dihitung" in row


def test_check_reports_every_bad_layer_at_once(tmp_path: Path) -> None:
    gpd.read_file(MINI).to_file(tmp_path / "k.geojson", driver="GeoJSON")
    pts = gpd.GeoDataFrame({"nama": ["x"]}, geometry=[shapely.Point(116, -1)], crs=4326)
    pts.to_file(tmp_path / "titik.geojson", driver="GeoJSON")
    (tmp_path / "tps.csv").write_text("kode,jumlah_tps\n64.01.01,abc\n", encoding="utf-8")
    proj = _project(
        tmp_path,
        '[data.kecamatan]\npath = "k.geojson"\n[data.jalan]\npath = "titik.geojson"\n'
        '[data.tps]\npath = "tps.csv"\nlevel = "kecamatan"\n',
    )
    res = runner.invoke(app, ["check", "--config", str(proj)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "2 lapisan bermasalah: jalan, tps" in res.output
    jalan = next(ln for ln in res.output.splitlines() if ln.startswith("jalan "))
    assert "are Point, not lines" in jalan
    tps = next(ln for ln in res.output.splitlines() if ln.startswith("tps "))
    assert "not a number" in tps and "row 1" in tps


# ----------------------------------------------------------------------------------------------
# readers of what users hold
# ----------------------------------------------------------------------------------------------
@pytest.fixture
def kec() -> gpd.GeoDataFrame:
    return load_boundaries(MINI)


def _desa(kec: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Two desa per kecamatan of the mini layer (halves of the polygon); a name repeats."""
    rows = []
    for k in kec.itertuples():
        x0, y0, x1, y1 = k.geometry.bounds
        xm = (x0 + x1) / 2
        for i, box in enumerate((shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1))):
            name = "Sungai Baru" if i == 0 else f"Desa {k.nama} {i}"
            rows.append(
                {
                    "kode": f"{k.kode}.200{i + 1}",
                    "nama": name,
                    "kode_kec": k.kode,
                    "nama_kec": k.nama,
                    "kode_kab": k.kode_kab,
                    "nama_kab": k.nama_kab,
                    "geometry": box.intersection(k.geometry),
                }
            )
    return gpd.GeoDataFrame(rows, crs=kec.crs)


def test_field_reports_placed_by_code_name_or_rejected_with_candidates(tmp_path, kec) -> None:
    desa = load_boundaries(_write(tmp_path, _desa(kec), "desa.geojson"), level="desa")
    nama_kab = kec["nama_kab"].iloc[0]
    table = pd.DataFrame(
        {
            "No": ["L1", "L2", "L3", "L4", "L5", "L6"],
            "Tanggal": [
                "02/01/2024",
                "03/01/2024",
                "04/01/2024",
                "05/01/2024",
                "06/01/2024",
                "07/01/2024",
            ],
            "Kabupaten/Kota": [nama_kab, nama_kab, "", nama_kab, "Kab. Tidak Ada", nama_kab],
            "Kecamatan": ["", "Kec. Alfa", "", "", "", ""],
            "Desa/Kelurahan": ["", "SUNGAI BARU", "", "Sungai Baru", "x", "Desa Alpha 1"],
            "Kode Wilayah": ["64.01.02", "", "6401012002", "", "", ""],
            "Jenis Kejadian": [
                "Unjuk rasa",
                "bentrok massa",
                "intimidasi",
                "kerusuhan",
                "demo",
                "demo",
            ],
            "Uraian": ["<script>alert(1)</script>", "a", "b", "c", "d", "e"],
            "Sumber": ["FKDM", "Babinsa", "Kesbangpol", "Panwascam", "?", "?"],
            "Keandalan": ["B2", "c-3", "A1", "", "", "Z9"],
        }
    )
    path = tmp_path / "laporan.xlsx"
    table.to_excel(path, index=False)
    load = load_field_reports(
        path, {"kecamatan": kec, "desa": desa}, today="2025-01-01", date_format="%d/%m/%Y"
    )
    load.check_accounting()
    got = load.incidents.set_index("event_id")
    assert got.loc["L1", "place_code"] == "64.01.02" and got.loc["L1", "geo_precision"] == 3
    assert got.loc["L2", "place_code"] == "64.01.01.2001" and got.loc["L2", "reliability"] == "C3"
    assert got.loc["L3", "place_code"] == "64.01.01.2002"
    assert (
        got.loc["L1", "event_type"] == "Protests"
        and got.loc["L1", "sub_event_type"] == "Unjuk rasa"
    )
    assert got.loc["L2", "event_type"] == "Riots"
    rej = load.rejected.set_index("event_id")["reason"]
    # "Sungai Baru" is in two kecamatan of that kabupaten: ambiguous, both listed
    assert "ambigu" in rej["L4"] and "64.01.01.2001" in rej["L4"] and "64.01.02.2001" in rej["L4"]
    assert "kabupaten 'Kab. Tidak Ada' tidak dikenal" in rej["L5"]
    assert "keandalan tidak valid" in rej["L6"]
    assert load.n_read == 6 and len(load.incidents) == 3
    # placed by code: assigned by rule "kode"
    a = assign_incidents(load, kec)
    assert set(a.assigned["assign_rule"]) == {"kode"} and len(a.assigned) == 3
    d = assign_incidents(load, desa)
    assert (
        len(d.assigned) == 2 and "lebih kasar" in d.rejected.set_index("event_id")["reason"]["L1"]
    )


def _write(tmp: Path, gdf: gpd.GeoDataFrame, name: str) -> Path:
    gdf.to_file(tmp / name, driver="GeoJSON")
    return tmp / name


def test_field_report_and_acled_duplicate_merged_and_counted(tmp_path, kec) -> None:
    from kewaspadaan.io import combine_loads

    acled = load_incidents(ACLED, today="2025-01-01")
    first = acled.incidents.iloc[0]
    code = (
        assign_incidents(acled, kec).assigned.set_index("event_id").loc[first["event_id"], "kode"]
    )
    day = (pd.Timestamp(first["event_date"]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    pd.DataFrame(
        {
            "tanggal": [day, day],
            "kode_kecamatan": [code, code],
            "jenis": [
                "unjuk rasa" if first["event_type"] == "Protests" else "kerusuhan",
                "penangkapan",
            ],
            "uraian": ["sama", "lain"],
        }
    ).to_csv(tmp_path / "laporan.csv", index=False)
    reports = load_field_reports(tmp_path / "laporan.csv", {"kecamatan": kec}, today="2025-01-01")
    both = combine_loads([acled, reports])
    merged = merge_duplicates(assign_incidents(both, kec))
    merged.check_accounting()
    assert merged.n_read == 9
    kept = merged.assigned.set_index("event_id")
    assert kept.loc[first["event_id"], "n_laporan"] == 2
    reasons = merged.rejected["reason"]
    assert reasons.str.startswith("digabung").sum() == 1
    assert (merged.assigned["n_laporan"] >= 1).all()


def test_ucdp_hxl_row_and_coarse_locations(tmp_path: Path) -> None:
    text = (
        "id,date_start,latitude,longitude,where_prec,best,type_of_violence,side_a,side_b\n"
        ",#date+start,#geo+lat,#geo+lon,,#affected+killed,,,\n"
        "1,2019-05-01 00:00:00.000,-0.5,117.1,1,2,1,Government of Indonesia,OPM\n"
        "2,2019-05-02 00:00:00.000,-0.5,117.1,4,0,3,X,Civilians\n"
        "3,2019-05-03 00:00:00.000,-0.5,117.1,2,1,9,X,Y\n"
    )
    (tmp_path / "ged.csv").write_text(text, encoding="utf-8")
    load = load_incidents(tmp_path / "ged.csv", today="2025-01-01")
    assert load.kind == "ucdp" and load.n_read == 3
    inc = load.incidents.set_index("event_id")
    assert inc.loc["1", "event_type"] == "Battles" and inc.loc["1", "source_row"] == 2
    rej = load.rejected.set_index("event_id")["reason"]
    assert "where_prec 4" in rej["2"] and "type_of_violence tidak dikenal" in rej["3"]


def test_acled_upper_case_xlsx_export(tmp_path: Path) -> None:
    table = pd.read_csv(ACLED, dtype=str)
    table.columns = [c.upper() for c in table.columns]
    table.to_excel(tmp_path / "acled.xlsx", index=False, sheet_name="Data")
    load = load_incidents(tmp_path / "acled.xlsx", today="2025-01-01")
    ref = load_incidents(ACLED, today="2025-01-01")
    assert load.kind == "acled" and load.n_read == ref.n_read
    assert load.incidents["event_id"].tolist() == ref.incidents["event_id"].tolist()
    with pd.ExcelWriter(tmp_path / "dua.xlsx") as xw:
        table.to_excel(xw, index=False, sheet_name="2023")
        table.to_excel(xw, index=False, sheet_name="2024")
    with pytest.raises(DataFileError, match=r"2 sheets \(2023, 2024\).*sheet = '2023'"):
        load_incidents(tmp_path / "dua.xlsx")
    assert load_incidents(tmp_path / "dua.xlsx", sheet="2024", today="2025-01-01").n_read == 7


def test_tps_by_code_kpu_code_and_the_rest_reported(tmp_path: Path, kec) -> None:
    desa = load_boundaries(_write(tmp_path, _desa(kec), "desa.geojson"), level="desa")
    pd.DataFrame(
        {
            "kode": ["64.01.01.2001", "", "64.99.01.2001", "64.01"],
            "kode_kpu": ["", "6401012002", "", ""],
            "jumlah_tps": ["3", "5", "2", "8"],
        }
    ).to_csv(tmp_path / "tps.csv", index=False)
    out = read_tps(tmp_path / "tps.csv", desa)
    assert out.values.to_dict() == {"64.01.01.2001": 3, "64.01.01.2002": 5}
    r = out.report
    assert r["matched"] == {"kode": 1, "kode_kpu": 1, "nama": 0} and r["other_level"] == 1
    assert len(r["unmatched"]) == 1 and "row 3" in r["unmatched"][0]
    assert len(r["units_without_value"]) == 6


def test_osm_pbf_roads_mapped_to_classes(tmp_path: Path) -> None:
    osmium = pytest.importorskip("osmium")
    from kewaspadaan.io import read_osm_lines

    path = tmp_path / "jalan.osm.pbf"
    w = osmium.SimpleWriter(str(path))
    coords = [(116.80, -1.26), (116.81, -1.26), (116.82, -1.26), (116.83, -1.25)]
    for i, (x, y) in enumerate(coords, start=1):
        w.add_node(osmium.osm.mutable.Node(id=i, location=(x, y), tags={}))
    ways = [
        {"highway": "trunk", "name": "Jalan Jenderal Sudirman"},
        {"highway": "residential", "bridge": "yes"},
        {"highway": "construction"},
    ]
    for i, tags in enumerate(ways, start=1):
        w.add_way(osmium.osm.mutable.Way(id=i, nodes=[i, i + 1], tags=tags))
    w.close()
    roads = read_osm_lines(path)
    assert roads["kelas"].tolist() == ["arteri", "lokal"]
    assert roads["jembatan"].tolist() == [False, True]
    assert roads.attrs["excluded"] == {"construction": 1} and roads.crs.to_epsg() == 4326


def test_dem_tiles_in_two_crs_mosaicked(tmp_path: Path, demo_small: Path) -> None:
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from kewaspadaan.io import load_terrain, load_terrain_tiles

    src_path = demo_small / DEMO_FILES["dem"]
    whole = load_terrain(src_path)
    with rasterio.open(src_path) as src:
        half = src.width // 2
        left = src.read(1, window=((0, src.height), (0, half + 2)))
        prof = dict(src.profile, width=half + 2)
        with rasterio.open(tmp_path / "barat.tif", "w", **prof) as dst:
            dst.write(left, 1)
        right = src.read(1, window=((0, src.height), (half, src.width)))
        r_tr = src.window_transform(((0, src.height), (half, src.width)))
        tr, w, h = calculate_default_transform(
            src.crs,
            "EPSG:4326",
            right.shape[1],
            right.shape[0],
            *rasterio.transform.array_bounds(right.shape[0], right.shape[1], r_tr),
        )
        out = np.full((h, w), src.nodata, dtype=right.dtype)
        reproject(
            right,
            out,
            src_transform=r_tr,
            src_crs=src.crs,
            dst_transform=tr,
            dst_crs="EPSG:4326",
            resampling=Resampling.bilinear,
            src_nodata=src.nodata,
            dst_nodata=src.nodata,
        )
        with rasterio.open(
            tmp_path / "timur.tif",
            "w",
            **dict(prof, width=w, height=h, transform=tr, crs="EPSG:4326"),
        ) as d:
            d.write(out, 1)
    mosaic = load_terrain_tiles(
        [tmp_path / "barat.tif", tmp_path / "timur.tif"],
        reproject_to=whole.crs,
        resolution_m=whole.resolution_m[0],
    )
    assert mosaic.crs.equals(whole.crs)
    a, b = np.nanmean(whole.elevation_m), np.nanmean(mosaic.elevation_m)
    assert abs(a - b) / a < 0.03
    assert np.isfinite(mosaic.elevation_m).sum() > 0.9 * np.isfinite(whole.elevation_m).sum()


def test_geometry_collection_keeps_polygon_parts(tmp_path: Path) -> None:
    poly = shapely.box(116, -1, 116.1, -0.9)
    gc = shapely.GeometryCollection([poly, shapely.LineString([(116, -1), (117, -1)])])
    gdf = gpd.GeoDataFrame(
        {"kode": ["64.01.01", "64.01.02"], "nama": ["A", "B"], "nama_kab": ["K", "K"]},
        geometry=[gc, shapely.box(116.1, -1, 116.2, -0.9)],
        crs=4326,
    )
    gdf.to_file(tmp_path / "gc.geojson", driver="GeoJSON")
    out = load_boundaries(tmp_path / "gc.geojson")
    assert out.geometry.iloc[0].equals(poly) and out["repaired"].tolist() == [True, False]


# ----------------------------------------------------------------------------------------------
# levels
# ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_score_at_every_level(demo_small: Path) -> None:
    from kewaspadaan.scoring import score

    layers = load_layers(demo_small)
    n = {lv: len(layers.units(lv)) for lv in ("kabupaten", "kecamatan", "desa")}
    for lv in ("kabupaten", "kecamatan", "desa"):
        r = score(layers, level=lv, run_backtest=False)  # type: ignore[arg-type]
        assert len(r.table) == n[lv] and r.level == lv
        assert r.accounting["n_read"] == r.accounting["n_assigned"] + r.accounting["n_rejected"]
        assert r.table["skor"].between(0, 100).all()
