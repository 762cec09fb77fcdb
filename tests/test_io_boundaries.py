"""Tests of kewaspadaan.io.load_boundaries (and load_vector / load_layers / write_table)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from kewaspadaan._errors import (
    CRSError,
    DataFileError,
    EmptyDataError,
    MissingColumnError,
    ValidationError,
)
from kewaspadaan._io_utils import atomic_path, atomic_write, write_table
from kewaspadaan.io import load_boundaries, load_layers, load_vector, normalise_code
from kewaspadaan.schema import BOUNDARY_COLUMNS, DEMO_FILES

DATA = Path(__file__).parent / "data"
MINI = DATA / "kecamatan_mini.geojson"


@pytest.fixture
def mini() -> gpd.GeoDataFrame:
    return gpd.read_file(MINI)


def _kemendagri_style(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The mini layer with BIG/RBI-style column names and undotted codes."""
    out = gdf.rename(columns={"kode": "KDCPUM", "nama": "WADMKC", "nama_kab": "WADMKK"})
    out["KDCPUM"] = out["KDCPUM"].str.replace(".", "", regex=False)
    return out.drop(columns="kode_kab")


def test_geojson_schema_and_extras() -> None:
    gdf = load_boundaries(MINI)
    assert list(gdf.columns[:4]) == list(BOUNDARY_COLUMNS[:4])
    assert {"penduduk", "tps", "repaired"} <= set(gdf.columns)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.index.equals(pd.RangeIndex(4))
    assert gdf.attrs["source"] == str(MINI) and gdf.attrs["level"] == "kecamatan"
    # the provenance of the column mapping: schema column -> file column
    assert gdf.attrs["columns"]["kode"] == "kode" and gdf.attrs["repaired"] == []
    assert not gdf["repaired"].any()


def test_geopackage_layer_and_kemendagri_names(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    path = tmp_path / "batas.gpkg"
    _kemendagri_style(mini).to_file(path, layer="kecamatan", driver="GPKG")
    mini.to_file(path, layer="lain", driver="GPKG")
    gdf = load_boundaries(path, layer="kecamatan")
    assert gdf["kode"].tolist() == ["64.01.01", "64.01.02", "64.02.01", "64.02.02"]
    assert gdf["kode_kab"].tolist() == ["64.01", "64.01", "64.02", "64.02"]  # derived
    assert gdf["nama"].tolist() == ["Alfa", "Bravo", "Charlie", "Delta"]
    with pytest.raises(DataFileError, match=r"layer 'nope' not found.*kecamatan"):
        load_boundaries(path, layer="nope")


def test_shapefile_plain_and_zipped(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    shp = tmp_path / "kec.shp"
    mini.to_file(shp)
    assert load_boundaries(shp)["kode"].tolist() == mini["kode"].tolist()
    zpath = tmp_path / "kec.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for part in tmp_path.glob("kec.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    gdf = load_boundaries(zpath)
    assert len(gdf) == 4 and gdf.crs.to_epsg() == 4326


def test_code_normalisation() -> None:
    assert normalise_code("6401010", "kecamatan") == "64.01.01"
    assert normalise_code("640101", "kecamatan") == "64.01.01"
    assert normalise_code(640101.0, "kecamatan") == "64.01.01"
    assert normalise_code("64.01.01.2009", "desa") == "64.01.01.2009"
    assert normalise_code("6401012009", "desa") == "64.01.01.2009"
    assert normalise_code(" 64 01 ", "kabupaten") == "64.01"
    with pytest.raises(ValueError, match="5 digits; a kecamatan code has 6"):
        normalise_code("64010", "kecamatan")
    with pytest.raises(ValueError, match="characters other than digits"):
        normalise_code("64.01.AB", "kecamatan")


def test_wrong_code_names_row(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    mini.loc[2, "kode"] = "64.02.1"
    mini.to_file(tmp_path / "k.geojson")
    with pytest.raises(
        ValidationError,
        match=r"column 'kode'.*row 3: code '64\.02\.1' has 5 "
        r"digits",
    ):
        load_boundaries(tmp_path / "k.geojson")


def test_explicit_columns_mapping(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    mini.rename(columns={"kode": "id_wilayah", "nama": "label"}).to_file(tmp_path / "k.geojson")
    gdf = load_boundaries(tmp_path / "k.geojson", columns={"id_wilayah": "kode", "label": "nama"})
    assert gdf["nama"].iloc[0] == "Alfa"


def test_missing_columns_listed(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    mini.drop(columns=["nama", "nama_kab"]).rename(columns={"kode": "kodee"}).to_file(
        tmp_path / "k.geojson"
    )
    with pytest.raises(MissingColumnError) as err:
        load_boundaries(tmp_path / "k.geojson")
    msg = str(err.value)
    assert "k.geojson" in msg
    for col in ("'kode'", "'nama'"):
        assert col in msg
    assert "'nama_kab'" not in msg  # a parent name comes from the kabupaten layer when absent
    assert "nearest existing: kodee" in msg
    no_parent_name = load_boundaries(MINI.parent / "kecamatan_mini.geojson")
    assert no_parent_name["nama_kab"].notna().all()
    with pytest.raises(MissingColumnError, match="'nope'"):
        load_boundaries(MINI, columns={"nope": "nama"})


def test_no_crs_shapefile(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    shp = tmp_path / "tanpa_prj.shp"
    mini.to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"tanpa_prj\.shp.*no coordinate reference system"):
        load_boundaries(shp)
    gdf = load_boundaries(shp, crs="EPSG:4326")
    assert gdf.crs.to_epsg() == 4326


def test_explicit_crs_never_overrides(mini: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="declares CRS EPSG:4326 but crs=EPSG:32650"):
        load_boundaries(MINI, crs="EPSG:32650")
    assert load_boundaries(MINI, crs="EPSG:4326").crs.to_epsg() == 4326


def test_bowtie_repaired_and_reported(
    tmp_path: Path, mini: gpd.GeoDataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    bowtie = shapely.Polygon([(116.0, -1.0), (116.5, -0.5), (116.5, -1.0), (116.0, -0.5)])
    assert not bowtie.is_valid
    mini.loc[0, "geometry"] = bowtie
    mini.to_file(tmp_path / "k.geojson")
    with caplog.at_level("WARNING", logger="kewaspadaan.io.boundaries"):
        gdf = load_boundaries(tmp_path / "k.geojson")
    assert gdf["repaired"].tolist() == [True, False, False, False]
    assert gdf.geometry.is_valid.all()
    assert gdf.geometry.iloc[0].geom_type == "MultiPolygon"
    assert gdf.to_crs(32650).area.iloc[0] > 0
    assert "repaired 1 polygon" in caplog.text and "64.01.01" in caplog.text
    with pytest.raises(ValidationError, match=r"invalid polygon.*row 1 \(Self-intersection"):
        load_boundaries(tmp_path / "k.geojson", repair=False)


def test_duplicate_codes_and_all_problems_at_once(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    mini.loc[3, "kode"] = "64.01.01"
    mini.loc[1, "nama"] = None
    mini.loc[2, "geometry"] = None
    mini.to_file(tmp_path / "k.geojson")
    with pytest.raises(ValidationError) as err:
        load_boundaries(tmp_path / "k.geojson")
    problems = err.value.problems
    assert any("64.01.01 (rows 1, 4)" in p for p in problems)
    assert any("no or empty geometry: rows 3" in p for p in problems)
    assert any("'nama'" in p and "rows 2" in p for p in problems)
    assert str(tmp_path / "k.geojson") in str(err.value)


def test_empty_files(tmp_path: Path) -> None:
    (tmp_path / "nol.geojson").write_text("")
    with pytest.raises(EmptyDataError, match=r"nol\.geojson.*empty \(0 bytes\)"):
        load_boundaries(tmp_path / "nol.geojson")
    (tmp_path / "kosong.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(EmptyDataError, match=r"kosong\.geojson.*no features"):
        load_boundaries(tmp_path / "kosong.geojson")
    with pytest.raises(FileNotFoundError, match=r"tidak_ada\.geojson"):
        load_boundaries(tmp_path / "tidak_ada.geojson")


def test_points_refused(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    mini["geometry"] = mini.geometry.representative_point()
    mini.to_file(tmp_path / "titik.geojson")
    with pytest.raises(
        ValidationError,
        match=r"4 row\(s\) are not polygons \(Point\): rows "
        r"1, 2, 3, 4",
    ):
        load_boundaries(tmp_path / "titik.geojson")


def test_desa_and_kabupaten_levels(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    desa = mini.copy()
    desa["kode"] = ["6401012001", "6401022001", "6402012001", "6402022001"]
    desa["nama_kec"] = mini["nama"]
    desa["nama"] = ["Desa A", "Desa B", "Desa C", "Desa D"]
    desa.to_file(tmp_path / "desa.geojson")
    gdf = load_boundaries(tmp_path / "desa.geojson", level="desa")
    assert gdf["kode"].iloc[0] == "64.01.01.2001"
    assert gdf["kode_kec"].tolist() == mini["kode"].tolist()  # derived from the desa code
    kab = mini.dissolve("kode_kab", as_index=False)[["kode_kab", "nama_kab", "geometry"]]
    kab.to_file(tmp_path / "kab.geojson")
    gdf = load_boundaries(tmp_path / "kab.geojson", level="kabupaten")
    assert gdf["kode"].tolist() == ["64.01", "64.02"]
    assert gdf["nama_kab"].tolist() == ["Kabupaten Satu", "Kota Dua"]


def test_load_vector_and_layers(tmp_path: Path, mini: gpd.GeoDataFrame) -> None:
    pts = gpd.GeoDataFrame(
        {"nama": ["Pelabuhan X"], "kategori": ["laut"], "kode_kec": ["64.01.01"]},
        geometry=[shapely.Point(116.2, -0.7)],
        crs=4326,
    )
    (tmp_path / "boundaries").mkdir()
    (tmp_path / "network").mkdir()
    mini.to_file(tmp_path / DEMO_FILES["kecamatan"])
    pts.to_file(tmp_path / DEMO_FILES["pelabuhan"])
    # a folder of the user's files is never taken for the demonstration province
    with pytest.raises(DataFileError, match=r"not the demonstration province.*kewaspadaan init"):
        load_layers(tmp_path)
    layers = load_layers(
        paths={
            "kecamatan": tmp_path / DEMO_FILES["kecamatan"],
            "pelabuhan": tmp_path / DEMO_FILES["pelabuhan"],
        },
        derive=False,
    )
    assert layers.available() == ["kecamatan", "pelabuhan"]
    assert layers.desa is None and len(layers.pelabuhan) == 1
    with pytest.raises(ValidationError, match="are Point, not lines"):
        load_vector(tmp_path / DEMO_FILES["pelabuhan"], geometry="line")
    with pytest.raises(MissingColumnError, match="'kelas'"):
        load_vector(tmp_path / DEMO_FILES["pelabuhan"], ["nama", "kelas"])
    # explicit paths with other names; the demo folder is not needed
    explicit = load_layers(paths={"kecamatan": MINI, "insiden": DATA / "acled_mini.csv"})
    assert explicit.available() == ["kecamatan", "insiden"]
    assert explicit.incidents.n_read == 7 and explicit.incidents is explicit.incidents  # cached
    with pytest.raises(ValueError, match=r"unknown layer \(did you mean 'jalan'\?\)"):
        load_layers(paths={"jalan_raya": MINI})


def test_write_table_atomic_and_deterministic(tmp_path: Path) -> None:
    gdf = load_boundaries(MINI)
    for suffix in ("csv", "gpkg", "geojson"):
        out = tmp_path / f"t.{suffix}"
        write_table(gdf, out)
        first = out.read_bytes()
        write_table(gdf, out)
        assert out.read_bytes() == first, suffix
    back = load_boundaries(tmp_path / "t.gpkg")
    assert back["kode"].tolist() == gdf["kode"].tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.geojson", "t.gpkg"]
    target = tmp_path / "a.txt"
    target.write_text("lama")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("baru")
        raise RuntimeError("gagal")
    assert target.read_text() == "lama"
    with atomic_path(tmp_path / "b.bin") as tmp:
        tmp.write_bytes(b"ok")
    assert (tmp_path / "b.bin").read_bytes() == b"ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.txt",
        "b.bin",
        "t.csv",
        "t.geojson",
        "t.gpkg",
    ]
