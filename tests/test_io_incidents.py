"""Tests of kewaspadaan.io.load_incidents / assign_incidents and the ``check`` command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from kewaspadaan._errors import DataFileError, EmptyDataError, MissingColumnError
from kewaspadaan.io import (
    AccountingError,
    IncidentLoad,
    assign_incidents,
    load_boundaries,
    load_incidents,
    parse_dates,
)
from kewaspadaan.schema import INCIDENT_COLUMNS, REJECTION_COLUMNS

DATA = Path(__file__).parent / "data"
ACLED = DATA / "acled_mini.csv"
TODAY = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def kec() -> gpd.GeoDataFrame:
    return load_boundaries(DATA / "kecamatan_mini.geojson")


def _accounting(load: IncidentLoad) -> None:
    load.check_accounting()
    assert load.n_read == len(load.incidents) + len(load.rejected)


def _csv(tmp_path: Path, text: str, name: str = "insiden.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_acled_full_column_set(kec: gpd.GeoDataFrame) -> None:
    load = load_incidents(ACLED, today=TODAY)
    _accounting(load)
    inc = load.incidents
    assert list(inc.columns) == list(INCIDENT_COLUMNS)
    assert load.n_read == 7 and load.rejected.empty
    assert inc.crs.to_epsg() == 4326
    assert inc["event_id"].tolist()[:2] == ["IDN1001", "IDN1002"]
    # both ACLED date formats: ISO and "15 January 2024"
    assert inc["event_date"].iloc[0] == inc["event_date"].iloc[1] == pd.Timestamp("2024-01-15")
    assert str(inc["event_date"].dtype) == "datetime64[ns]"
    assert inc["fatalities"].tolist() == [0, 1, 2, 0, 0, 0, 3]
    assert inc["source_row"].tolist() == list(range(1, 8))
    assert set(inc["source_file"]) == {"acled_mini.csv"}
    assert inc.geometry.iloc[0].equals(shapely.Point(116.25, -0.75))


def test_assignment_rules(kec: gpd.GeoDataFrame) -> None:
    result = assign_incidents(load_incidents(ACLED, today=TODAY), kec)
    result.check_accounting()
    a = result.assigned.set_index("event_id")
    assert a.loc["IDN1001", "kode"] == "64.01.01" and a.loc["IDN1001", "assign_rule"] == "inside"
    # in both Charlie (64.02.01) and Delta (64.02.02): the nearer centroid wins, once
    assert a.loc["IDN1004", ["kode", "assign_rule"]].tolist() == ["64.02.01", "overlap"]
    assert a.loc["IDN1005", ["kode", "assign_rule"]].tolist() == ["64.02.02", "overlap"]
    # just outside Bravo (about 1.1 km): nearest
    assert a.loc["IDN1006", ["kode", "assign_rule"]].tolist() == ["64.01.02", "nearest"]
    assert 900 < a.loc["IDN1006", "distance_m"] < 1300
    # far outside: rejected with the reason, row and nearest polygon
    rej = result.rejected
    assert list(rej.columns) == list(REJECTION_COLUMNS)
    assert rej["event_id"].tolist() == ["IDN1007"] and rej["source_row"].tolist() == [7]
    assert rej["reason"].iloc[0].startswith("di luar semua kecamatan: terdekat 64.01.02")
    assert result.n_read == 7 and len(result.assigned) == 6
    assert not result.assigned.index.has_duplicates
    assert result.summary()["by_rule"] == {"kode": 0, "inside": 3, "overlap": 2, "nearest": 1}
    counts = result.counts(kec["kode"])
    assert counts.tolist() == [1, 2, 2, 1] and counts.sum() == 6
    # a larger tolerance takes the far event too
    wide = assign_incidents(load_incidents(ACLED, today=TODAY), kec, max_distance_m=40_000)
    assert len(wide.assigned) == 7 and wide.rejected.empty


def test_missing_columns_named(tmp_path: Path) -> None:
    df = pd.read_csv(ACLED, dtype=str).drop(columns=["latitude", "fatalities"])
    df = df.rename(columns={"event_date": "event_dat"})
    df.to_csv(tmp_path / "acled_rusak.csv", index=False)
    with pytest.raises(MissingColumnError) as err:
        load_incidents(tmp_path / "acled_rusak.csv")
    msg = str(err.value)
    assert "acled_rusak.csv" in msg
    for col in ("'event_date'", "'latitude'", "'fatalities'"):
        assert col in msg
    assert "nearest existing: event_dat" in msg
    path = _csv(tmp_path, "id,tanggal,lintang\n1,2024-01-01,-0.5\n")
    with pytest.raises(MissingColumnError, match=r"'longitude'.*bujur"):
        load_incidents(path)


def test_generic_csv_ids_dates_and_rejections(tmp_path: Path, kec: gpd.GeoDataFrame) -> None:
    path = _csv(
        tmp_path,
        (
            "tanggal;lintang;bujur;jenis;korban_jiwa\n"
            "15/01/2024;-0,75;116,25;bentrok;1\n"  # day-first date, comma decimals, ';' sep
            "3 Agustus 2023;-0.7;116.75;demo;\n"  # Indonesian month; empty fatalities -> 0
            "2024-13-45;-0.7;116.75;demo;0\n"  # unparsable date
            "2030-01-01;-0.7;116.75;demo;0\n"  # future date
            ";-0.7;116.75;demo;0\n"  # no date
            "2024-01-01;abc;116.75;demo;0\n"  # unreadable latitude
            "2024-01-01;-0.7;116.75;demo;-2\n"  # negative fatalities
            "2024-01-01;0;0;demo;0\n"  # 0,0
        ),
    )
    load = load_incidents(path, today=TODAY)
    _accounting(load)
    assert load.n_read == 8 and len(load.incidents) == 2
    assert load.incidents["event_id"].tolist() == ["insiden#1", "insiden#2"]  # stable ids
    assert load.incidents["event_date"].tolist() == [
        pd.Timestamp("2024-01-15"),
        pd.Timestamp("2023-08-03"),
    ]
    assert load.incidents["fatalities"].tolist() == [1, 0]
    reasons = dict(zip(load.rejected["source_row"], load.rejected["reason"], strict=True))
    assert reasons[3].startswith("tanggal tidak terbaca: '2024-13-45'")
    assert reasons[4].startswith("tanggal di masa depan: 2030-01-01 > 2025-01-01")
    assert reasons[5] == "tanggal kosong"
    assert reasons[6].startswith("koordinat tidak terbaca: latitude='abc'")
    assert reasons[7] == "fatalities negatif: -2"
    assert reasons[8].startswith("koordinat 0,0")
    assert load.summary()["reasons"]["tanggal tidak terbaca"] == 1
    result = assign_incidents(load, kec)
    result.check_accounting()
    assert result.n_read == 8 and len(result.rejected) == 6
    assert result.assigned["kode"].tolist() == ["64.01.01", "64.01.02"]


def test_explicit_date_format(tmp_path: Path) -> None:
    path = _csv(tmp_path, "date,lat,lon\n01/02/2024,-0.7,116.7\n")
    us = load_incidents(path, date_format="%m/%d/%Y", today=TODAY)
    _accounting(us)
    assert us.incidents["event_date"].iloc[0] == pd.Timestamp("2024-01-02")
    parsed = parse_dates(pd.Series(["15 Des 2023", "7 Mei 2024", "tgl 7", ""]))
    assert parsed.iloc[:2].tolist() == [pd.Timestamp("2023-12-15"), pd.Timestamp("2024-05-07")]
    assert parsed.iloc[2:].isna().all()


def test_impossible_calendar_days_are_rejected_not_rolled_over() -> None:
    """2024-02-31 is not 2 March: a day the month does not have is unreadable, in every form."""
    values = ["2024-02-31", "2023-02-29", "2024-02-29", "2024-04-31", "31/04/2024", "20240230"]
    parsed = parse_dates(pd.Series(values))
    assert parsed.isna().tolist() == [True, True, False, True, True, True]
    assert parsed.iloc[2] == pd.Timestamp("2024-02-29")  # a real leap day


def test_duplicate_event_ids(tmp_path: Path) -> None:
    df = pd.read_csv(ACLED, dtype=str)
    df = pd.concat([df, df.iloc[[1, 1]]], ignore_index=True)
    df.to_csv(tmp_path / "ganda.csv", index=False)
    load = load_incidents(tmp_path / "ganda.csv", today=TODAY)
    _accounting(load)
    assert load.n_read == 9 and len(load.incidents) == 7
    assert load.rejected["source_row"].tolist() == [8, 9]
    assert set(load.rejected["reason"]) == {"event_id ganda: 'IDN1002' sudah ada di baris 2"}


def test_latlon_swapped_whole_file_and_one_row(tmp_path: Path, kec: gpd.GeoDataFrame) -> None:
    df = pd.read_csv(ACLED, dtype=str)
    swapped = df.rename(columns={"latitude": "longitude", "longitude": "latitude"})
    swapped.to_csv(tmp_path / "tertukar.csv", index=False)
    with pytest.raises(
        DataFileError,
        match=r"tertukar\.csv: latitude and longitude look "
        r"swapped in 7 of 7 rows.*swap_latlon=True",
    ):
        load_incidents(tmp_path / "tertukar.csv", today=TODAY)
    fixed = load_incidents(tmp_path / "tertukar.csv", today=TODAY, swap_latlon=True)
    _accounting(fixed)
    assert len(fixed.incidents) == 7
    assert fixed.incidents.geometry.iloc[0].equals(shapely.Point(116.25, -0.75))
    one = df.copy()
    one.loc[2, ["latitude", "longitude"]] = [df.loc[2, "longitude"], df.loc[2, "latitude"]]
    one.to_csv(tmp_path / "satu.csv", index=False)
    load = load_incidents(tmp_path / "satu.csv", today=TODAY)
    _accounting(load)
    assert load.rejected["source_row"].tolist() == [3]
    assert load.rejected["reason"].iloc[0].startswith("lintang/bujur tertukar?")
    assert assign_incidents(load, kec).n_read == 7


def test_empty_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(EmptyDataError, match=r"kosong\.csv.*empty \(0 bytes\)"):
        load_incidents(_csv(tmp_path, "", "kosong.csv"))
    with pytest.raises(EmptyDataError, match=r"spasi\.csv.*only whitespace"):
        load_incidents(_csv(tmp_path, "\n\n  \n", "spasi.csv"))
    header = ",".join(pd.read_csv(ACLED, nrows=0).columns) + "\n"
    with pytest.raises(
        EmptyDataError,
        match=r"header\.csv: the file has a header "
        r"\(event_id_cnty.*but no data rows",
    ):
        load_incidents(_csv(tmp_path, header, "header.csv"))
    with pytest.raises(FileNotFoundError, match=r"tidak_ada\.csv"):
        load_incidents(tmp_path / "tidak_ada.csv")


def test_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "id,tanggal,lat,lon,lokasi\n1,2024-01-01,-0.7,116.7,Pasar\n"
        "2,2024-01-02,-0.7,116.7,Caf\u00e9 Sungai\n".encode("cp1252")
    )
    with pytest.raises(DataFileError) as err:
        load_incidents(path)
    msg = str(err.value)
    assert "excel.csv" in msg and "offset 83" in msg and "line 3" in msg
    assert "encoding='cp1252'" in msg
    load = load_incidents(path, encoding="cp1252", today=TODAY)
    _accounting(load)
    assert load.incidents["location"].tolist() == ["Pasar", "Caf\u00e9 Sungai"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffid,tanggal,lat,lon\n1,2024-01-01,-0.7,116.7\n".encode())
    assert len(load_incidents(bom, today=TODAY).incidents) == 1


def test_geojson_points(tmp_path: Path, kec: gpd.GeoDataFrame) -> None:
    gdf = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "tanggal": ["2024-01-01", "2024-02-01", "2024-03-01"]},
        geometry=[
            shapely.Point(116.25, -0.75),
            shapely.box(116, -1, 116.1, -0.9),
            shapely.Point(116.75, -0.75),
        ],
        crs=4326,
    ).to_crs(32650)
    gdf.to_file(tmp_path / "titik.gpkg", driver="GPKG")
    load = load_incidents(tmp_path / "titik.gpkg", today=TODAY)
    _accounting(load)
    assert load.incidents["event_id"].tolist() == ["a", "c"]
    assert load.incidents.crs.to_epsg() == 4326
    assert load.incidents.geometry.iloc[0].distance(shapely.Point(116.25, -0.75)) < 1e-9
    assert load.rejected["reason"].tolist() == ["geometri bukan titik: Polygon"]
    result = assign_incidents(load, kec)
    assert result.assigned["kode"].tolist() == ["64.01.01", "64.01.02"]


def test_assign_plain_geodataframe_and_accounting_guard(kec: gpd.GeoDataFrame) -> None:
    pts = gpd.GeoDataFrame(
        {"x": [1, 2, 3]},
        geometry=[shapely.Point(116.25, -0.75), None, shapely.Point(120, 5)],
        crs=4326,
    )
    result = assign_incidents(pts, kec)
    result.check_accounting()
    assert result.n_read == 3 and len(result.assigned) == 1
    assert result.rejected["reason"].str.slice(0, 16).tolist() == [
        "geometri kosong",
        "di luar semua ke",
    ]
    assert result.rejected["source_row"].tolist() == [2, 3]
    broken = IncidentLoad(result.assigned, result.rejected, n_read=5, source="x")
    with pytest.raises(AccountingError, match="read 5"):
        broken.check_accounting()


def test_check_command(tmp_path: Path) -> None:
    from kewaspadaan.cli import app

    rej = tmp_path / "ditolak.csv"
    res = CliRunner().invoke(
        app,
        [
            "check",
            str(ACLED),
            "--boundaries",
            str(DATA / "kecamatan_mini.geojson"),
            "--rejected",
            str(rej),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Dibaca          : 7" in res.output
    assert "Ditugaskan      : 6 (inside 3, overlap 2, nearest 1)" in res.output
    assert "7 = 6 + 1 (OK)" in res.output
    table = pd.read_csv(rej)
    assert table["event_id"].tolist() == ["IDN1007"]
    res = CliRunner().invoke(
        app,
        [
            "check",
            str(ACLED),
            "-b",
            str(DATA / "kecamatan_mini.geojson"),
            "-r",
            str(rej),
            "--strict",
        ],
    )
    assert res.exit_code == 1
    res = CliRunner().invoke(
        app, ["check", str(tmp_path / "x.csv"), "-b", str(DATA / "kecamatan_mini.geojson")]
    )
    assert res.exit_code == 2 and "x.csv: incident file not found" in res.output
    assert "Traceback" not in res.output and res.output.count("Galat:") == 1
    res = CliRunner().invoke(app, ["check", str(ACLED), "-b", str(rej)])
    assert res.exit_code == 2 and "ditolak.csv: no geometry" in res.output


@pytest.fixture
def one_kec() -> gpd.GeoDataFrame:
    """One square kecamatan, 116.0–116.1 °E, 0.0–0.1 °N."""
    return gpd.GeoDataFrame(
        {"kode": ["64.01.01"], "nama": ["A"], "kode_kab": ["64.01"], "nama_kab": ["Paser"]},
        geometry=[shapely.box(116, 0, 116.1, 0.1)],
        crs="EPSG:4326",
    )


def test_rejections_listed_in_file_order(tmp_path, one_kec):
    """Loader and assignment rejections form one list sorted by source row."""
    csv = tmp_path / "campur.csv"
    csv.write_text(
        "id,tanggal,lat,lon\n"
        "a,2024-01-01,0.05,116.05\n"  # row 1: inside
        "b,2024-01-02,3.5,125.0\n"  # row 2: far outside every polygon (assignment)
        "c,bukan-tanggal,0.05,116.05\n"  # row 3: bad date (loader)
        "d,2024-01-04,3.6,125.1\n",  # row 4: outside (assignment)
        encoding="utf-8",
    )
    result = assign_incidents(load_incidents(csv, today="2026-11-01"), one_kec)
    assert list(result.rejected["source_row"]) == [2, 3, 4]
    assert result.n_read == len(result.assigned) + len(result.rejected)


def test_no_point_inside_any_polygon_is_rejected_not_a_crash(tmp_path, one_kec):
    csv = tmp_path / "luar.csv"
    csv.write_text(
        "id,tanggal,lat,lon\na,2024-01-01,3.5,125.0\nb,2024-01-02,0.05,116.11\n", encoding="utf-8"
    )
    result = assign_incidents(load_incidents(csv, today="2026-11-01"), one_kec)
    assert len(result.rejected) == 1 and result.rejected["source_row"].tolist() == [1]
    assert result.assigned["assign_rule"].tolist() == ["nearest"]  # ~1.1 km off, within 2 km


def test_max_distance_zero_assigns_only_points_inside(tmp_path, one_kec):
    csv = tmp_path / "dekat.csv"
    csv.write_text(
        "id,tanggal,lat,lon\na,2024-01-01,0.05,116.05\nb,2024-01-02,0.05,116.11\n", encoding="utf-8"
    )
    result = assign_incidents(load_incidents(csv, today="2026-11-01"), one_kec, max_distance_m=0)
    assert result.assigned["assign_rule"].tolist() == ["inside"]
    assert result.rejected["source_row"].tolist() == [2]
