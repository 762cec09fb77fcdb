"""Every bad input gets a clear answer (issue 13): settings files, CSV reading, geometry and CRS,
outputs; the CLI never shows a traceback for a user error; the loader never loses a row."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kewaspadaan import settings
from kewaspadaan._errors import CRSError, DataFileError, SettingsError
from kewaspadaan._io_utils import OutputDirError, staged_output, write_table
from kewaspadaan.cli import app
from kewaspadaan.io import assign_incidents, load_boundaries, load_incidents, load_layers

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "data" / "kecamatan_mini.geojson"
ACLED = REPO / "tests" / "data" / "acled_mini.csv"
HEADER = "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,fatalities\n"
TODAY = "2025-06-01"
runner = CliRunner()


def _galat(res) -> str:
    """The one error line of a CLI user error (exit 2, no traceback)."""
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("Galat:")]
    assert len(lines) == 1, res.output
    return lines[0]


def _csv(tmp: Path, name: str, body: str, header: str = HEADER) -> Path:
    path = tmp / name
    path.write_text(header + body, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------
# settings files: typed, all-or-nothing, every problem at once, deep merge
# ----------------------------------------------------------------------------------------------
@pytest.fixture
def restore_settings():
    before = settings.snapshot()
    yield
    for k, v in before.items():
        setattr(settings, k, v)


def test_settings_file_every_problem_and_nothing_applied(tmp_path, restore_settings) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text(
        '[risk]\nclass_breaks = "abc"\ncomposite_weights = { history = 0.5, spilover = 0.2 }\n'
        "[history]\ndecay_half_life_days = 0\n[network]\nvoting_day = 20290214\n"
        '[general]\nlanguage = "fr"\n[model]\nbacktest_months = 12\n',
        encoding="utf-8",
    )
    with pytest.raises(SettingsError) as err:
        settings.load_toml(cfg)
    msg = str(err.value)
    for expected in (
        "class_breaks = 'abc': must be a list",
        "composite_weights.spilover: unknown",
        "decay_half_life_days = 0.0: must be greater than 0",
        "voting_day = 20290214: must be text",
        "language = 'fr': must be one of",
    ):
        assert expected in msg
    assert settings.backtest_months != 12  # the valid value was not applied either
    res = runner.invoke(app, ["score", "--config", str(cfg)])
    assert res.exit_code == 2 and "Traceback" not in res.output and "5 problem(s)" in res.output


def test_settings_nested_tables_merge_at_every_depth(tmp_path, restore_settings) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text(
        "[network]\nnetwork_speeds_kmh = { road = { arteri = 70 } }\n"
        "[personnel]\npersonnel_norm = { tinggi = { per_tps = 3 } }\n",
        encoding="utf-8",
    )
    settings.load_toml(cfg)
    assert settings.network_speeds_kmh["road"] == {
        "arteri": 70.0,
        "kolektor": 35.0,
        "lokal": 25.0,
        "setapak": 8.0,
    }
    assert settings.network_speeds_kmh["river"]["besar"] == 18.0
    assert settings.personnel_norm["tinggi"] == {"officers": 2, "per_tps": 3}
    one = runner.invoke(app, ["check", "--config", str(tmp_path / "tidak_ada.toml")])
    assert "tidak_ada.toml" in _galat(one)


# ----------------------------------------------------------------------------------------------
# CSV reading
# ----------------------------------------------------------------------------------------------
def test_unbalanced_quote_refused_naming_the_line(tmp_path) -> None:
    path = _csv(
        tmp_path,
        "kutip.csv",
        'A1,2024-01-01,Protests,"damai,-0.5,117.1,0\nA2,2024-01-02,Protests,x,-0.5,117.1,0\n'
        'A3,2024-01-03,Protests,"x",-0.5,117.1,0\nA4,2024-01-04,Protests,x,-0.5,117.1,0\n',
    )
    with pytest.raises(DataFileError, match=r"kutip\.csv: data row 1.*swallowing 1 row.*Line 2"):
        load_incidents(path, today=TODAY)


def test_day_month_order_decided_per_file(tmp_path) -> None:
    us = _csv(
        tmp_path,
        "us.csv",
        "A1,3/5/2024,Protests,x,-0.5,117.1,0\nA2,12/13/2024,Protests,x,-0.5,117.1,0\n",
    )
    got = load_incidents(us, today=TODAY).incidents["event_date"].dt.strftime("%Y-%m-%d")
    assert got.tolist() == ["2024-03-05", "2024-12-13"]  # month first, proven by 12/13
    idn = _csv(
        tmp_path,
        "id.csv",
        "A1,3/5/2024,Protests,x,-0.5,117.1,0\nA2,13/12/2024,Protests,x,-0.5,117.1,0\n",
    )
    got = load_incidents(idn, today=TODAY).incidents["event_date"].dt.strftime("%Y-%m-%d")
    assert got.tolist() == ["2024-05-03", "2024-12-13"]
    amb = _csv(
        tmp_path,
        "ragu.csv",
        "A1,3/5/2024,Protests,x,-0.5,117.1,0\nA2,4/6/2024,Protests,x,-0.5,117.1,0\n",
    )
    with pytest.raises(
        DataFileError, match=r"ragu\.csv: dates like '3/5/2024' \(row 1\).*date_format"
    ):
        load_incidents(amb, today=TODAY)
    res = runner.invoke(app, ["check", str(amb), "-b", str(MINI), "--out", str(tmp_path)])
    assert "--date-format" in _galat(res)
    ok = load_incidents(amb, today=TODAY, date_format="%d/%m/%Y")
    assert ok.incidents["event_date"].dt.month.tolist() == [5, 6]
    mixed = _csv(
        tmp_path,
        "campur.csv",
        "A1,13/5/2024,Protests,x,-0.5,117.1,0\nA2,5/13/2024,Protests,x,-0.5,117.1,0\n",
    )
    with pytest.raises(DataFileError, match="mix two orders"):
        load_incidents(mixed, today=TODAY)


def test_date_forms_read_and_impossible_date_names_its_row(tmp_path) -> None:
    path = _csv(
        tmp_path,
        "bentuk.csv",
        "A1,45306,Protests,x,-0.5,117.1,0\nA2,20240115,Protests,x,-0.5,117.1,0\n"
        "A3,2024-01-15T23:30:00+08:00,Protests,x,-0.5,117.1,0\n"
        "A4,0001-01-01,Protests,x,-0.5,117.1,0\nA5,15 Januari 2024,Protests,x,-0.5,117.1,0\n",
    )
    load = load_incidents(path, today=TODAY)
    inc = load.incidents.set_index("event_id")["event_date"].dt.strftime("%Y-%m-%d")
    assert inc.to_dict() == {
        "A1": "2024-01-15",
        "A2": "2024-01-15",
        "A3": "2024-01-15",
        "A5": "2024-01-15",
    }
    rej = load.rejected
    assert rej["source_row"].tolist() == [4] and "'0001-01-01'" in rej["reason"].iloc[0]


def test_trailing_separator_extra_values_and_huge_numbers(tmp_path) -> None:
    trail = tmp_path / "koma.csv"
    trail.write_text(
        HEADER + "A1,2024-01-01,Protests,x,-0.5,117.1,0,\nA2,2024-01-02,Protests,x,-0.5,117.1,1,\n",
        encoding="utf-8",
    )
    load = load_incidents(trail, today=TODAY)
    assert load.incidents["fatalities"].tolist() == [0, 1] and load.rejected.empty
    extra = _csv(tmp_path, "lebih.csv", "A1,2024-01-01,Protests,x,-0.5,117.1,0,7\n")
    with pytest.raises(DataFileError, match=r"data row\(s\) 1 have more values"):
        load_incidents(extra, today=TODAY)
    huge = _csv(
        tmp_path,
        "besar.csv",
        "A1,2024-01-01,Protests,x,-0.5,117.1,99999999999999999999\n"
        "A2,2024-01-02,Protests,x,-0.5,117.1,3\n",
    )
    load = load_incidents(huge, today=TODAY)
    assert load.incidents["fatalities"].tolist() == [3]
    assert "tidak masuk akal" in load.rejected["reason"].iloc[0]


def test_utf16_xlsx_and_ods_read_natively(tmp_path) -> None:
    table = pd.read_csv(ACLED, dtype=str)
    (tmp_path / "u16.csv").write_bytes(ACLED.read_text(encoding="utf-8").encode("utf-16"))
    assert load_incidents(tmp_path / "u16.csv", today=TODAY).n_read == 7
    table.to_excel(tmp_path / "a.ods", index=False, engine="odf") if _has("odf") else None
    if _has("odf"):
        assert load_incidents(tmp_path / "a.ods", today=TODAY).n_read == 7
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "A1,2024-01-01,Protests,Café,-0.5,117.1,0\n").encode("cp1252"))
    with pytest.raises(DataFileError, match=r"latin\.csv: not UTF-8.*encoding='cp1252'.*\.xlsx"):
        load_incidents(latin, today=TODAY)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_generated_ids_never_collide_with_real_ones(tmp_path) -> None:
    path = _csv(
        tmp_path,
        "gen.csv",
        "gen#2,2024-01-01,-0.5,117.1\n,2024-01-02,-0.5,117.1\n",
        header="id,tanggal,lat,lon\n",
    )
    ids = load_incidents(path, today=TODAY).incidents["event_id"].tolist()
    assert len(set(ids)) == 2 and ids[0] == "gen#2"


# ----------------------------------------------------------------------------------------------
# geometry and CRS
# ----------------------------------------------------------------------------------------------
def test_coordinates_of_another_kind_than_the_crs(tmp_path) -> None:
    metres = _csv(
        tmp_path,
        "meter.csv",
        "A1,2024-01-01,Protests,x,9940000,500000,0\nA2,2024-01-02,Protests,x,9941000,501000,0\n",
    )
    with pytest.raises(DataFileError, match=r"look like metres.*crs="):
        load_incidents(metres, today=TODAY)
    assert load_incidents(metres, today=TODAY, crs="EPSG:32750").n_read == 2
    with pytest.raises(DataFileError, match=r"look like degrees.*EPSG:32650"):
        load_incidents(ACLED, today=TODAY, crs="EPSG:32650")
    far = _csv(
        tmp_path,
        "jauh.csv",
        "".join(f"A{i},2024-01-01,Protests,x,{9940000 + i},{500000 + i},0\n" for i in range(6)),
    )
    with pytest.raises(DataFileError, match=r"outside Indonesia.*EPSG:32750"):
        load_incidents(far, today=TODAY, crs="EPSG:32650")  # 50N instead of 50S
    kec = gpd.read_file(MINI)
    kec.to_crs(32750).set_crs(4326, allow_override=True).to_file(tmp_path / "m.geojson")
    with pytest.raises(CRSError, match=r"m\.geojson: the coordinates look like metres"):
        load_boundaries(tmp_path / "m.geojson")


def test_undefined_srs_and_multi_layer_geopackage_refused(tmp_path) -> None:
    kec = gpd.read_file(MINI)
    kec.to_file(tmp_path / "u.gpkg", layer="kec", driver="GPKG")
    con = sqlite3.connect(tmp_path / "u.gpkg")
    con.execute("update gpkg_geometry_columns set srs_id=0")
    con.execute("update gpkg_contents set srs_id=0")
    con.commit()
    con.close()
    with pytest.raises(CRSError, match=r"u\.gpkg: the layer has no coordinate reference system"):
        load_boundaries(tmp_path / "u.gpkg")
    kec.to_file(tmp_path / "dua.gpkg", layer="lama", driver="GPKG")
    kec.to_file(tmp_path / "dua.gpkg", layer="baru", driver="GPKG")
    with pytest.raises(DataFileError, match=r"2 layers \(lama, baru\).*layer = 'lama'"):
        load_boundaries(tmp_path / "dua.gpkg")
    assert len(load_boundaries(tmp_path / "dua.gpkg", layer="baru")) == 4
    text = kec.to_json().replace("Alfa", "Café")
    (tmp_path / "latin.geojson").write_bytes(text.encode("latin-1"))
    with pytest.raises(DataFileError, match=r"latin\.geojson: the text is not UTF-8"):
        load_boundaries(tmp_path / "latin.geojson")


def test_dem_of_another_area_refused(tmp_path) -> None:
    from affine import Affine

    from kewaspadaan.io import write_geotiff

    # a DEM around Jakarta (UTM 48S) for kecamatan in Kalimantan
    write_geotiff(
        tmp_path / "jakarta.tif",
        np.full((20, 20), 10.0, dtype="float32"),
        Affine(500, 0, 690_000, 0, -500, 9_320_000),
        "EPSG:32748",
    )
    layers = load_layers(paths={"kecamatan": MINI, "dem": tmp_path / "jakarta.tif"}, derive=False)
    with pytest.raises(DataFileError, match=r"jakarta\.tif: the DEM does not cover the boundaries"):
        layers.terrain  # noqa: B018


# ----------------------------------------------------------------------------------------------
# outputs
# ----------------------------------------------------------------------------------------------
def test_formula_cells_neutralised_in_every_csv(tmp_path) -> None:
    df = pd.DataFrame(
        {
            "nama": ['=HYPERLINK("http://x")', "+62 811", "@SUM(A1)", "Samarinda"],
            "skor": [-1.5, 2.0, 3.0, 4.0],
        }
    )
    write_table(df, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["nama"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+62 811",
        "'@SUM(A1)",
        "Samarinda",
    ]
    assert back["skor"].tolist() == [-1.5, 2.0, 3.0, 4.0]  # numbers untouched


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_fails_before_the_work(tmp_path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        res = runner.invoke(
            app, ["score", "--boundaries", str(MINI), "--incidents", str(ACLED), "--out", str(ro)]
        )
        assert "cannot write into the output folder" in _galat(res)
    finally:
        ro.chmod(stat.S_IRWXU)


def test_unwritable_output_folder_fails_before_the_work() -> None:
    """/proc takes no new folders, even for root (CI runs as root)."""
    res = runner.invoke(
        app,
        [
            "score",
            "--boundaries",
            str(MINI),
            "--incidents",
            str(ACLED),
            "--out",
            "/proc/kewaspadaan_keluaran",
        ],
    )
    assert "cannot write into the output folder" in _galat(res)


def test_output_folder_that_is_a_file(tmp_path) -> None:
    (tmp_path / "berkas").write_text("x", encoding="utf-8")
    res = runner.invoke(
        app,
        [
            "score",
            "--boundaries",
            str(MINI),
            "--incidents",
            str(ACLED),
            "--out",
            str(tmp_path / "berkas"),
        ],
    )
    assert "is a file" in _galat(res)


def test_staged_outputs_switch_whole_and_lock(tmp_path) -> None:
    out = tmp_path / "out"
    with staged_output(out) as stage:
        (stage / "a.csv").write_text("lama\n", encoding="utf-8")
        (stage / "ringkasan.json").write_text("{}\n", encoding="utf-8")
    assert (out / "a.csv").read_text() == "lama\n"
    with pytest.raises(RuntimeError), staged_output(out) as stage:  # a run that dies midway
        (stage / "a.csv").write_text("baru\n", encoding="utf-8")
        raise RuntimeError("killed")
    assert (out / "a.csv").read_text() == "lama\n"  # the previous outputs are whole
    assert not list(out.glob(".staging-*")) and not list(out.glob(".*tmp*"))
    with staged_output(out), pytest.raises(OutputDirError, match="another kewaspadaan run"):
        with staged_output(out):
            pass


def test_name_with_formula_reaches_csv_neutralised(tmp_path) -> None:
    kec = gpd.read_file(MINI)
    kec.loc[0, "nama"] = "=cmd|' /C calc'!A0"
    kec.to_file(tmp_path / "k.geojson", driver="GeoJSON")
    res = runner.invoke(
        app,
        [
            "score",
            "--boundaries",
            str(tmp_path / "k.geojson"),
            "--incidents",
            str(ACLED),
            "--out",
            str(tmp_path / "o"),
            "--no-backtest",
        ],
    )
    assert res.exit_code == 0, res.output
    text = (tmp_path / "o" / "risiko_kecamatan.csv").read_text(encoding="utf-8")
    assert "'=cmd|" in text and ",=cmd" not in text


# ----------------------------------------------------------------------------------------------
# the CLI never shows a traceback for a user error
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["run", "--data", "{tmp}/tidak_ada"],
        ["run", "--config", "{tmp}/tidak_ada.toml"],
        ["run", "--language", "fr", "--data", "{tmp}/tidak_ada"],
        ["score", "--boundaries", "{tmp}/x.geojson", "--incidents", str(ACLED)],
        ["score", "--incidents", str(ACLED)],
        ["score", "--boundaries", str(MINI), "--incidents", str(ACLED), "--level", "negara"],
        ["score", "--boundaries", str(MINI), "--incidents", str(ACLED), "--as-of", "kemarin"],
        ["routes", "--data", "{tmp}/tidak_ada"],
        ["routes", "--departure", "besok", "--data", "{tmp}/tidak_ada"],
        ["report", "--data", "{tmp}/tidak_ada"],
        ["check", "{tmp}/x.csv", "-b", str(MINI)],
        ["check", str(ACLED), "-b", str(ACLED)],
        ["check", "--config", "{tmp}/rusak.toml"],
        ["init", "{tmp}/sudah"],
        ["demo-data", "--size", "raksasa", "--data", "{tmp}/demo"],
    ],
)
def test_cli_user_errors_are_one_line(tmp_path, args) -> None:
    (tmp_path / "rusak.toml").write_text("[data.kecamatan\n", encoding="utf-8")
    (tmp_path / "sudah").mkdir()
    (tmp_path / "sudah" / "kewaspadaan.toml").write_text("[project]\n", encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    line = _galat(runner.invoke(app, argv))
    assert len(line) > len("Galat: ") + 10


# ----------------------------------------------------------------------------------------------
# property: for any generated file, read = assigned + rejected and no row is lost
# ----------------------------------------------------------------------------------------------
_cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "abc",
            "0",
            "-1",
            "1e9",
            "NaN",
            "2024-13-40",
            "2030-01-01",
            "15/01/2024",
            "2024-01-15",
            "-0.7",
            "116.2",
            "0,5",
        ]
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='",\r\n'),
        max_size=8,
    ),
)


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(_cell, _cell, _cell, _cell, _cell), min_size=1, max_size=25))
def test_property_no_row_lost(tmp_path, rows) -> None:
    kec = load_boundaries(MINI)
    lines = ["id,tanggal,lat,lon,korban_jiwa"] + [",".join(r) for r in rows]
    path = tmp_path / "acak.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load = load_incidents(path, today="2025-01-01")
    except DataFileError:
        return  # a file-level problem, reported as such (no silent loss possible)
    assert load.n_read == len(rows)
    a = assign_incidents(load, kec)
    assert a.n_read == len(a.assigned) + len(a.rejected)
    seen = sorted([*a.assigned["source_row"].tolist(), *a.rejected["source_row"].tolist()])
    assert seen == list(range(1, len(rows) + 1))  # every row exactly once
    _ = shapely
