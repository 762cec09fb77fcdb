"""The report (kewaspadaan.report): brief on page 1, true logistics status, sections, language,
limitations, provenance, escaping; and the ``kewaspadaan report`` command."""

from __future__ import annotations

import datetime as dt
import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from builders import (
    AS_OF,
    HOSTILE_NAME,
    HOSTILE_NOTE,
    LONG_NAME,
    forecast_columns,
    late_plan,
    synthetic_layers,
)
from shapely.geometry import LineString
from typer.testing import CliRunner

from kewaspadaan import _assets, report, settings
from kewaspadaan._errors import KewaspadaanWarning
from kewaspadaan.cli import app

SOURCES = [
    ("Batas kecamatan: Kemendagri 2022", "cahyadsn/wilayah_boundaries <MIT>"),
    ("ACLED", "ekspor 2023–2024"),
]


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return synthetic_layers()


@pytest.fixture(scope="module")
def full_kwargs(layers) -> dict:
    plan = late_plan(layers["routes"])
    escorts = pd.DataFrame(
        {
            "trip_id": ["T0001", "T0002", "T0003"],
            "depot": ["Gudang KPU Kukar", "Gudang KPU Kukar", "Gudang KPU Mahulu"],
            "perlu_pengawalan": [True, True, False],
            "personel_pengawal": [4, 2, 0],
        }
    )
    personnel = pd.DataFrame(
        {
            "kode": layers["risk"]["kode"],
            "nama": layers["risk"]["nama"],
            "kebutuhan": 20,
            "alokasi": 15,
            "kekurangan": 5,
        }
    )
    personnel.attrs.update(total_kebutuhan=240, total_alokasi=180, total_kekurangan=60)
    return {
        "incidents": layers["incidents"],
        "routes": layers["routes"],
        "plan": plan,
        "escorts": escorts,
        "personnel": personnel,
        "depots": layers["depots"],
        "critical_links": layers["critical_links"],
        "forecast": forecast_columns(layers["risk"]),
        "provenance": [
            {
                "layer": "kecamatan",
                "path": "/data/kec.geojson",
                "sha256": "ab" * 32,
                "rows": 12,
                "crs": "EPSG:32650",
                "synthetic": False,
                "note": "Kemendagri 2022",
            }
        ],
        "sources": SOURCES,
        "as_of": AS_OF,
    }


@pytest.fixture(scope="module")
def html(layers, full_kwargs) -> str:
    return report.build_report(layers["risk"], **full_kwargs)


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


def _section(html: str, section_id: str) -> str:
    m = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert m is not None, section_id
    return m.group(0)


def _visible_text(html: str) -> str:
    """The text of the page outside scripts and styles, tags removed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", text)


def test_sections_in_order_and_offline(html: str) -> None:
    ids = re.findall(r'<section id="([a-z]+)"', html)
    assert ids == [
        "ringkasan",
        "situasi",
        "analisis",
        "prakiraan",
        "rekomendasi",
        "logistik",
        "keterbatasan",
        "sumber",
    ]
    for h in ("I. Situasi", "II. Analisis", "III. Prakiraan", "IV. Rekomendasi"):
        assert f"<h2>{h}</h2>" in html
    assert _assets.find_external_resources(html) == []
    assert "@media print" in html and "@page" in html and "A4" in html
    assert html.count('class="folium-map"') == 1 and 'version="1.9.4"' in html
    assert re.search(
        r'<figure class="kw-static-map".*?<img src="data:image/png;base64,', html, re.S
    )


def test_assessment_date_and_period_never_today(layers, html) -> None:
    brief = _section(html, "ringkasan")
    assert 'datetime="2024-11-27"' in brief and "27 Nov 2024" in brief
    start = pd.to_datetime(layers["incidents"]["event_date"]).min()
    assert f"{start.day} Jan 2023" in brief  # the period of the incident data
    undated = report.build_report(layers["risk"])
    today = dt.date.today()
    assert "tanggal penilaian tidak diberikan" in undated
    assert today.isoformat() not in undated
    assert report.build_report(layers["risk"], run_date=AS_OF).count('datetime="2024-11-27"') >= 1


def test_watch_list_by_forecast_with_trend_and_reliability(html) -> None:
    rows = _table(html, "tabel-waspada")
    assert len(rows) == settings.report_watch_n
    assert rows[0][0] == "1. Kecamatan 7 (Kutai Kartanegara)"  # highest ekspektasi_insiden
    assert "9,5" in rows[0][2] and "hot spot baru" in rows[0]
    # the 80 % interval belongs to the total to voting day (28,5 expected: 14,2–51,3), not
    # to the next month's 9,5
    assert rows[0][2] == "9,5" and rows[0][3] == "28,5 (Rentang 80 %: 14,2–51,3)"
    assert any(c.startswith("tinggi (0,") or c.startswith("sedang (0,") for c in rows[0])
    assert "riwayat insiden" in rows[0][-1]
    assert "menurut prakiraan jumlah insiden" in _section(html, "ringkasan")
    assert 'id="prakiraan-absen"' not in html


def test_watch_list_without_forecast_says_so(layers) -> None:
    page = report.build_report(layers["risk"], as_of=AS_OF)
    brief = _section(page, "ringkasan")
    assert "Prakiraan jumlah insiden belum tersedia" in brief
    assert _table(page, "tabel-waspada")[0][0].startswith("1. ")
    assert "ekspektasi_insiden" in _section(page, "prakiraan")  # the absent columns are named
    assert "prakiraan jumlah insiden" in _section(page, "keterbatasan")


def test_logistics_from_the_plan_never_zero_when_late(layers, html) -> None:
    routes = layers["routes"].assign(terlambat=False, terjangkau=True)  # fastest routes all fine
    page = report.build_report(
        layers["risk"], routes=routes, plan=late_plan(layers["routes"]), as_of=AS_OF
    )
    brief = _section(page, "ringkasan")
    late = re.search(r'id="kw-card-late"><div class="kw-n">(\d+)<', brief)
    assert late is not None and late.group(1) == "3"
    assert "3 desa terlambat dan 1 desa tidak terjangkau dari 12 tujuan" in brief
    assert "105 kotak suara" in brief
    assert "armada tidak cukup" in brief
    rows = _table(page, "tabel-logistik")
    assert [r[5] for r in rows] == ["tidak terjangkau", "terlambat", "terlambat", "terlambat"]
    assert "Gudang KPU Kukar" in _section(page, "rekomendasi")


def test_logistics_from_problems_and_from_routes_only(layers) -> None:
    problems = pd.DataFrame(
        {
            "tujuan_kode": ["64.02.05"],
            "tujuan_nama": ["Kecamatan 4"],
            "kode_kec": ["64.02.05"],
            "status": ["terlambat"],
            "alasan": ["waktu tempuh melebihi tenggat"],
            "kotak": [25],
        }
    )
    summary = {"tujuan": 12, "terlambat": 1, "tidak_terjangkau": 0, "kotak_tidak_terpenuhi": 25}
    page = report.build_report(
        layers["risk"], routes=layers["routes"], problems=problems, logistics=summary, as_of=AS_OF
    )
    assert "1 desa terlambat dan 0 desa tidak terjangkau dari 12 tujuan" in page
    assert "Majukan keberangkatan ke 1 desa" in _section(page, "rekomendasi")
    only = report.build_report(layers["risk"], routes=layers["routes"], as_of=AS_OF)
    assert "tanpa batas armada" in _section(only, "ringkasan")
    assert "1 desa terlambat dan 1 desa tidak terjangkau" in only
    none = report.build_report(layers["risk"], as_of=AS_OF)
    assert "status pengiriman tidak diketahui" in _section(none, "ringkasan")
    assert re.search(r'id="kw-card-late"><div class="kw-n">—', none)


def test_recommendations_derived_from_results(html) -> None:
    recs = _section(html, "rekomendasi")
    assert "Kawal 2 perjalanan logistik" in recs and "6 personel pengawal" in recs
    assert "Pesan 1 sorti udara" in recs and "Gudang KPU Mahulu (1)" in recs
    assert "Minta bantuan kendali operasi (BKO) 60 personel" in recs
    assert "Siapkan jalur alternatif" in recs and "Kecamatan 11" in recs
    assert "hot spot baru atau menguat" in recs
    brief = _section(html, "ringkasan")
    assert brief.count("<li>") >= 5 and "Prioritaskan kegiatan intelijen" in brief
    assert "Kebutuhan menurut norma 240 personel; tersedia 180; kekurangan 60" in brief


def test_ranking_table_ordered_with_classes(html: str, layers) -> None:
    rows = _table(html, "tabel-peringkat")
    risk = layers["risk"]
    assert len(rows) == len(risk)
    assert [int(r[0]) for r in rows] == sorted(risk["peringkat"])
    assert rows[0][1] == "64.02.01" and rows[0][4] == "95,0" and rows[0][5] == "sangat tinggi"
    assert rows[-1][5] == "rendah" and rows[0][8].startswith("riwayat insiden")
    alerts = _table(html, "tabel-peringatan")
    assert sorted(r[1] for r in alerts) == sorted(risk.loc[risk["peringatan"], "kode"])


def test_situation_counts_incidents(layers, html) -> None:
    sit = _section(html, "situasi")
    n = len(layers["incidents"])
    assert f"{n} insiden tercatat" in sit
    assert "Unjuk rasa" in sit or "Kerusuhan" in sit  # ACLED types in Bahasa
    assert "Protests" not in sit and "Riots" not in sit


def test_hostile_text_shows_as_text(html: str) -> None:
    assert HOSTILE_NAME not in html and HOSTILE_NOTE not in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html
    assert "cahyadsn/wilayah_boundaries &lt;MIT&gt;" in html


def test_url_and_script_in_names_and_notes_do_not_stop_the_report(layers) -> None:
    risk = layers["risk"].copy()
    risk.loc[1, "nama"] = "Pasar url(https://evil.example/x.png) </script><script>alert(1)"
    risk.loc[2, "pendorong"] = "background:url(//evil.example/y)"
    inc = layers["incidents"].copy()
    inc.loc[inc.index[1], "notes"] = "lihat url(https://evil.example/z) </script>"
    page = report.build_report(risk, incidents=inc, sources=["url(https://x.example)"], as_of=AS_OF)
    assert _assets.find_external_resources(page) == []
    assert "</script><script>alert(1)" not in page
    assert "Pasar url(https://evil.example/x.png) &lt;/script&gt;" in page


def test_english_labels_keep_identifier_values(layers, full_kwargs) -> None:
    risk = layers["risk"].copy()
    page = report.build_report(risk, **{**full_kwargs, "language": "en"})
    assert list(risk["kelas"]) == list(layers["risk"]["kelas"])  # the data are untouched
    assert "very high" in page and "<h2>I. Situation</h2>" in page
    assert "Executive brief" in page and "3 desa late and 1 desa cut off" in page
    assert "Protests" in page or "Riots" in page
    translated = layers["risk"].assign(
        kelas=layers["risk"]["kelas"].map(
            dict(zip(settings.class_labels["id"], settings.class_labels["en"], strict=True))
        )
    )
    with pytest.warns(KewaspadaanWarning, match="translated class label"):
        again = report.build_report(translated, as_of=AS_OF, language="en")
    assert _table(again, "tabel-peringkat")[0][5] == "very high"


def test_limitations_always_present_and_translated(layers) -> None:
    page = report.build_report(
        layers["risk"],
        as_of=AS_OF,
        missing={"elev_mean_m": "no DEM (terrain raster) given", "x_feature": "<b>odd</b> reason"},
    )
    lim = _section(page, "keterbatasan")
    assert "Keterbatasan data" in lim
    assert "tidak ada DEM (raster elevasi)" in lim and "no DEM" not in lim
    assert "&lt;b&gt;odd&lt;/b&gt; reason" in lim and 'lang="en"' in lim
    assert "data insiden" in lim and "rencana logistik" in lim and "alokasi personel" in lim
    bare = _section(report.build_report(layers["risk"], as_of=AS_OF), "keterbatasan")
    assert "Semua fitur skor risiko dapat dihitung" in bare


def test_provenance_table_and_synthetic_warning(layers, html) -> None:
    rows = _table(html, "tabel-sumber")
    assert rows[0] == [
        "kecamatan",
        "/data/kec.geojson",
        "12",
        "EPSG:32650",
        "abababababab",
        "nyata",
        "Kemendagri 2022",
    ]
    assert "Data sintetis" not in html
    synthetic = report.build_report(
        layers["risk"],
        as_of=AS_OF,
        provenance=[{"layer": "kecamatan", "path": "demo/kec.geojson", "synthetic": True}],
    )
    assert "Data sintetis (provinsi demonstrasi)" in _section(synthetic, "ringkasan")


def test_classification_banner(layers, monkeypatch) -> None:
    assert 'id="kw-klasifikasi"' not in report.build_report(layers["risk"], as_of=AS_OF)
    monkeypatch.setattr(settings, "report_classification", "TERBATAS")
    page = report.build_report(layers["risk"], as_of=AS_OF)
    assert page.count('class="kw-banner') == 2 and ">TERBATAS</div>" in page
    assert ">RAHASIA</div>" in report.build_report(
        layers["risk"], as_of=AS_OF, classification="RAHASIA"
    )


def test_write_report_atomic_and_deterministic(tmp_path, layers) -> None:
    kwargs = {"routes": layers["routes"], "as_of": AS_OF, "sources": ["Kemendagri"]}
    path = report.write_report(tmp_path / "laporan.html", layers["risk"], **kwargs)
    assert [p.name for p in tmp_path.iterdir()] == ["laporan.html"]
    assert path.read_text(encoding="utf-8") == report.build_report(layers["risk"], **kwargs)


def test_longest_name_wraps_in_tables(layers, html) -> None:
    assert LONG_NAME in html
    assert "table-layout: fixed" in html  # tables never widen past the page


@pytest.mark.slow
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


@pytest.mark.slow
def test_report_from_a_real_engine_run(tmp_path, demo_small) -> None:
    """Today's engine on the small demo province: the brief shows the plan's own numbers."""
    from kewaspadaan.io import load_incidents
    from kewaspadaan.pipeline import run

    result = run(demo_small, backtest=False, officers=200)
    inc = load_incidents(demo_small / "incidents" / "insiden_acled.csv").incidents
    kwargs = report.report_inputs(result, incidents=inc)
    assert kwargs["as_of"] == result.score.as_of and kwargs["plan"] is result.logistics.plan
    page = report.build_report(**kwargs)
    brief = _section(page, "ringkasan")
    as_of = result.score.as_of
    assert f'datetime="{as_of:%Y-%m-%d}"' in brief
    unmet = result.logistics.plan.unmet
    cut = unmet["alasan"].str.contains("tidak terjangkau").sum()
    late = re.search(r'id="kw-card-late"><div class="kw-n">([\d.]+)<', brief)
    assert late is not None and int(late.group(1).replace(".", "")) == len(unmet) - cut
    assert "Kebutuhan menurut norma" in brief
    assert len(page.encode()) < 2_000_000
    assert _assets.find_external_resources(page) == []


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
            "event_date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 690, n), "D"),
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
            "terlambat": rng.uniform(size=len(risk)) < 0.1,
            "terjangkau": True,
        },
        geometry=[LineString(np.linspace(depot.coords[0], c.coords[0], 200)) for c in centres],
        crs=4326,
    )
    depots = gpd.GeoDataFrame({"nama": ["Gudang KPU"]}, geometry=[depot], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = report.build_report(
            risk,
            incidents=incidents,
            routes=routes,
            depots=depots,
            critical_links=routes.head(10).assign(nama="ruas", mode="road", dampak_tps=10),
            as_of=AS_OF,
        )
    size = len(html.encode("utf-8"))
    assert n > 4000 and size < 3_000_000, f"{n} incidents, {size / 1e6:.2f} MB"


def test_print_map_drawn_in_a_child_gives_the_same_page(layers, full_kwargs, html, monkeypatch):
    """The static (print) map is drawn beside the interactive one, in a forked child where the
    platform forks: the page is the same bytes as when both are drawn here."""
    from kewaspadaan import _beside

    monkeypatch.setattr(_beside, "can_fork", lambda: False)
    assert report.build_report(layers["risk"], **full_kwargs) == html
