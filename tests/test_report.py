"""Self-contained HTML reports (kewaspadaan.report) and the ``kewaspadaan report`` command."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString
from test_maps import HOSTILE_NAME, HOSTILE_NOTE, synthetic_layers
from typer.testing import CliRunner

from kewaspadaan import _assets, report
from kewaspadaan.cli import app

SOURCES = [
    ("Batas kecamatan: Kemendagri 2022", "cahyadsn/wilayah_boundaries <MIT>"),
    ("ACLED", "ekspor 2023–2024"),
]


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return synthetic_layers()


@pytest.fixture(scope="module")
def html(layers: dict[str, gpd.GeoDataFrame]) -> str:
    return report.build_report(
        layers["risk"],
        incidents=layers["incidents"],
        routes=layers["routes"],
        depots=layers["depots"],
        critical_links=layers["critical_links"],
        sources=SOURCES,
        run_date="2024-11-27",
    )


def _table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(
        rf'<table class="kw-table" id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    assert body is not None, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_report_sections_and_offline(html: str) -> None:
    for section in (
        "Ringkasan",
        "Peta risiko",
        "Peringatan",
        "Peringkat kecamatan",
        "Ringkasan logistik",
        "Sumber data",
    ):
        assert f"<h2>{section}" in html
    assert _assets.find_external_resources(html) == []
    assert "@media print" in html and "@page" in html
    assert 'datetime="2024-11-27"' in html and "27 Nov 2024" in html
    assert html.count('class="folium-map"') == 1 and 'version="1.9.4"' in html


def test_ranking_table_ordered_with_classes(html: str, layers) -> None:
    rows = _table(html, "tabel-peringkat")
    risk = layers["risk"]
    assert len(rows) == len(risk)
    assert [int(r[0]) for r in rows] == sorted(risk["peringkat"])
    assert rows[0][1] == "64.02.01" and rows[0][4] == "95,0" and rows[0][5] == "sangat tinggi"
    assert rows[-1][5] == "rendah" and rows[0][8].startswith("riwayat insiden")


def test_alerts_and_logistics(html: str, layers) -> None:
    alerts = _table(html, "tabel-peringatan")
    assert [r[1] for r in alerts] == list(layers["risk"].loc[layers["risk"]["peringatan"], "kode"])
    logistics = _table(html, "tabel-logistik")
    assert [(r[1], r[7]) for r in logistics] == [
        ("Kecamatan 10", "terlambat"),
        ("Kecamatan 11", "tidak terjangkau"),
    ]
    summary = report.logistics_summary(layers["routes"])
    assert (
        summary["n_total"],
        summary["n_on_time"],
        summary["n_late"],
        summary["n_unreachable"],
    ) == (12, 10, 1, 1)


def test_hostile_text_shows_as_text(html: str) -> None:
    assert HOSTILE_NAME not in html and HOSTILE_NOTE not in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html  # ranking table
    assert "cahyadsn/wilayah_boundaries &lt;MIT&gt;" in html


def test_no_alerts_no_routes_and_english(layers) -> None:
    risk = layers["risk"].assign(peringatan=False)
    html = report.build_report(risk, language="en", run_date="2024-11-27")
    assert "No alerts in this period." in html and "No logistics plan in this report." in html
    assert "<h2>Kecamatan ranking" in html and "very high" in html
    assert "No data sources recorded." in html


def test_write_report_atomic_and_deterministic(tmp_path, layers) -> None:
    kwargs = {"routes": layers["routes"], "run_date": "2024-11-27", "sources": ["Kemendagri"]}
    path = report.write_report(tmp_path / "laporan.html", layers["risk"], **kwargs)
    assert [p.name for p in tmp_path.iterdir()] == ["laporan.html"]
    assert path.read_text(encoding="utf-8") == report.build_report(layers["risk"], **kwargs)


def test_cli_report_writes_outputs(tmp_path, demo_small) -> None:
    """The report is built from the results of the data, dated by the assessment date."""
    out = tmp_path / "outputs"
    result = CliRunner().invoke(
        app, ["report", "--out", str(out), "--data", str(demo_small), "--as-of", "2026-06-01"]
    )
    assert result.exit_code == 0, result.output
    page = (out / "laporan_kewaspadaan.html").read_text(encoding="utf-8")
    assert "kecamatan.geojson" in page and "sintetis" in page
    assert "2026-06-01" in page or "1 Juni 2026" in page
    assert (out / "peta_risiko.html").stat().st_size > 100_000
    english = CliRunner().invoke(
        app, ["report", "--out", str(out), "--data", str(demo_small), "-l", "en"]
    )
    assert english.exit_code == 0 and "Early Warning Report" in (
        out / "laporan_kewaspadaan.html"
    ).read_text(encoding="utf-8")


def test_cli_report_without_data_says_what_to_do(tmp_path) -> None:
    (tmp_path / "kosong").mkdir()
    (tmp_path / "kosong" / "catatan.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["report", "--out", str(tmp_path / "o"), "--data", str(tmp_path / "kosong")]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "not the demonstration province" in result.output and "kewaspadaan init" in result.output
    assert not (tmp_path / "kosong" / "MANIFEST.json").exists()  # never generated into it


@pytest.mark.realdata
def test_full_province_report_under_3_mb(shared_data) -> None:
    """The 105 real Kaltim kecamatan, a synthetic score, and every layer: under 3 MB."""
    kec = gpd.read_file(shared_data / "kaltim_kecamatan_kemendagri2022.geojson")
    rng = np.random.default_rng(11)
    skor = rng.uniform(0, 100, len(kec))
    risk = kec[["kode", "nama", "kode_kab", "nama_kab", "geometry"]].assign(
        skor=skor,
        kelas=pd.cut(
            skor, [-1, 25, 50, 75, 100], labels=["rendah", "sedang", "tinggi", "sangat tinggi"]
        ).astype(str),
        peringkat=pd.Series(skor).rank(ascending=False, method="min").astype(int).to_numpy(),
        pendorong="riwayat insiden; keterpencilan; limpahan",
        prob_insiden=rng.uniform(0, 1, len(kec)),
        perubahan_skor=rng.normal(0, 5, len(kec)),
        peringatan=rng.uniform(size=len(kec)) < 0.1,
    )
    pts = risk.to_crs(32650).sample_points(40, rng=rng).explode(index_parts=False).to_crs(4326)
    n = len(pts)
    incidents = gpd.GeoDataFrame(
        {
            "event_id": [f"IDN{i}" for i in range(n)],
            "event_type": "Protests",
            "event_date": pd.Timestamp("2022-01-01")
            + pd.to_timedelta(rng.integers(0, 1000, n), "D"),
            "notes": [
                "On 12 March, supporters of two candidates clashed in the village market; "
                "police dispersed the crowd and two people were injured."
            ]
            * n,
            "location": "Pasar",
            "fatalities": 0,
        },
        geometry=pts.to_numpy(),
        crs=4326,
    )
    centres = risk.geometry.representative_point()
    depot = centres.iloc[0]
    routes = gpd.GeoDataFrame(
        {
            "tujuan_kode": risk["kode"],
            "tujuan_nama": risk["nama"],
            "depot": "Gudang KPU",
            "waktu_tempuh_h": rng.uniform(1, 60, len(risk)),
            "moda": "road+river",
            "tiba": pd.Timestamp("2024-11-21"),
            "tenggat": pd.Timestamp("2024-11-26"),
            "terlambat": rng.uniform(size=len(risk)) < 0.1,
            "terjangkau": True,
            "jam_zona_rawan_h": 2.0,
        },
        geometry=[LineString(np.linspace(depot.coords[0], c.coords[0], 200)) for c in centres],
        crs=4326,
    )
    depots = gpd.GeoDataFrame({"nama": ["Gudang KPU"]}, geometry=[depot], crs=4326)
    html = report.build_report(
        risk,
        incidents=incidents,
        routes=routes,
        depots=depots,
        critical_links=routes.head(10).assign(nama="ruas", mode="road", dampak_tps=10),
        run_date="2024-11-27",
    )
    size = len(html.encode("utf-8"))
    assert n > 4000 and size < 3_000_000, f"{n} incidents, {size / 1e6:.2f} MB"


def test_missing_features_listed_and_escaped():
    """Features that could not be computed are listed, as text, in their own section."""
    from shapely.geometry import box

    risk = gpd.GeoDataFrame(
        {
            "kode": ["64.01.01", "64.01.02"],
            "nama": ["A", "B"],
            "kode_kab": ["64.01"] * 2,
            "nama_kab": ["Paser"] * 2,
            "skor": [80.0, 20.0],
            "kelas": ["sangat tinggi", "rendah"],
            "peringkat": [1, 2],
            "pendorong": ["x", "y"],
            "prob_insiden": [float("nan")] * 2,
            "perubahan_skor": [float("nan")] * 2,
            "peringatan": [False, False],
        },
        geometry=[box(116, -1, 116.1, -0.9), box(116.1, -1, 116.2, -0.9)],
        crs="EPSG:4326",
    )
    html = report.build_report(
        risk,
        run_date="2026-11-01",
        missing={"history": "no incident file given", "elev_mean_m": "<b>no DEM</b>"},
    )
    assert 'id="keterbatasan"' in html and "Keterbatasan data" in html
    assert "no incident file given" in html
    assert "&lt;b&gt;no DEM&lt;/b&gt;" in html and "<b>no DEM</b>" not in html
    assert 'id="keterbatasan"' not in report.build_report(risk, run_date="2026-11-01")
