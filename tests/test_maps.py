"""Offline folium risk maps (kewaspadaan.maps, kewaspadaan._assets)."""

from __future__ import annotations

import io
import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from builders import HOSTILE_NAME, HOSTILE_NOTE, KELAS, synthetic_layers
from shapely.geometry import LineString, Point, box

from kewaspadaan import _assets, maps, settings
from kewaspadaan._errors import CRSError, KewaspadaanWarning, MissingColumnError, ValidationError


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return synthetic_layers()


@pytest.fixture(scope="module")
def page(layers: dict[str, gpd.GeoDataFrame]) -> str:
    m = maps.risk_map(
        layers["risk"],
        incidents=layers["incidents"],
        routes=layers["routes"],
        depots=layers["depots"],
        critical_links=layers["critical_links"],
        date="2024-11-27",
    )
    return maps.render_map_html(m)


def test_page_is_offline(page: str) -> None:
    assert _assets.find_external_resources(page) == []
    for cdn in ("cdn.jsdelivr", "code.jquery", "bootstrapcdn", "cdnjs", "sourceMappingURL"):
        assert cdn not in page
    assert 'version="1.9.4"' in page  # Leaflet inlined from django-js-lib-leaflet
    assert "images/layers.png" not in page and "data:image/png;base64," in page
    assert page.count("<script src") == 0 and "<link " not in page


def test_find_and_strip_external_resources() -> None:
    html = (
        '<link rel="stylesheet" href="https://cdn.x/a.css"/><script src="//cdn.x/b.js">'
        '</script><style>p{background:url("http://x/i.png")}</style>'
        '<a href="https://leafletjs.com">Leaflet</a><img src="data:image/png;base64,AA">'
    )
    assert _assets.find_external_resources(html) == [
        "https://cdn.x/a.css",
        "//cdn.x/b.js",
        "http://x/i.png",
    ]
    stripped = _assets.strip_external_resources(html)
    assert _assets.find_external_resources(stripped) == ["http://x/i.png"]
    assert 'href="https://leafletjs.com"' in stripped


def test_layers_legend_title_and_date(page: str) -> None:
    for name in (
        "Kelas risiko kecamatan",
        "Insiden (klaster)",
        "Kepadatan insiden (peta panas)",
        "Rute logistik",
        "Gudang/depot logistik",
        "Ruas kritis",
    ):
        assert name in page
    legend = re.search(r'<div id="kw-block-\d+" class="kw-legend".*?</div>\s*$', page, re.S | re.M)
    assert legend is not None
    for kelas in KELAS:
        assert f'data-kelas="{kelas}"' in legend.group(0)
    assert "Peta Kewaspadaan Dini" in page and "27 Nov 2024" in page
    assert 'datetime="2024-11-27"' in page
    assert "L.control.scale(" in page and "L.control.layers(" in page


def test_hostile_text_is_escaped(page: str) -> None:
    assert HOSTILE_NAME not in page and HOSTILE_NOTE not in page
    assert page.count("src=x onerror=") == page.count("\\u003cimg src=x onerror=") > 0
    assert "<script>window.__pwned" not in page
    assert "\\u003cimg src=x onerror=" in page  # kept as data, rendered with textContent
    assert "Gudang KPU \\u003cb\\u003eKukar" in page
    assert "innerHTML" not in _assets.kewaspadaan_js().replace("never innerHTML", "")


def test_same_input_same_bytes(layers: dict[str, gpd.GeoDataFrame], page: str) -> None:
    again = maps.risk_map(
        layers["risk"],
        incidents=layers["incidents"],
        routes=layers["routes"],
        depots=layers["depots"],
        critical_links=layers["critical_links"],
        date="2024-11-27",
    )
    assert maps.render_map_html(again) == page


def test_prepare_risk_layer_simplifies_rounds_and_keeps_every_row() -> None:
    risk = synthetic_layers(n_incidents=0)["risk"]
    tiny = risk.iloc[[1]].copy()
    tiny["geometry"] = [box(500_000, -40_000, 500_030, -39_970)]  # 30 m: below the tolerance
    risk = pd.concat([risk, tiny.assign(kode="64.02.99")])
    out = maps.prepare_risk_layer(risk, tolerance_m=150)
    assert out.crs.to_epsg() == 4326 and len(out) == len(risk)
    assert list(out.index) == list(risk.index)
    assert not out.geometry.is_empty.any()
    coords = np.concatenate([np.asarray(g.exterior.coords) for g in out.geometry])
    assert np.allclose(coords, coords.round(5), atol=0, rtol=0)
    assert 116.7 < coords[:, 0].min() < coords[:, 0].max() < 117.6


def test_risk_validation_collects_every_problem() -> None:
    risk = synthetic_layers(n_incidents=0)["risk"]
    with pytest.raises(MissingColumnError, match=r"\['skor', 'kelas'\]"):
        maps.risk_map(risk.drop(columns=["skor", "kelas"]))
    with pytest.raises(CRSError, match="no coordinate reference system"):
        maps.risk_map(risk.set_crs(None, allow_override=True))
    bad = risk.copy()
    bad.loc[2, "kelas"] = "waspada"
    bad.loc[4, "skor"] = 140.0
    with pytest.raises(ValidationError) as err:
        maps.risk_map(bad)
    assert len(err.value.problems) == 2
    assert "row 2 (kode 64.02.03): column 'kelas'" in str(err.value)
    assert "140" in str(err.value)


def test_incident_clusters_conserve_counts_and_break_apart() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(500_000, 30_000, 500), rng.normal(-20_000, 30_000, 500)
    ll = gpd.GeoSeries(gpd.points_from_xy(x, y), crs="EPSG:32650").to_crs(4326)
    clusters, max_z = maps.incident_clusters(x, y, ll.y.to_numpy(), ll.x.to_numpy(), radius_px=60)
    assert 5 <= max_z <= 14 and set(clusters) == {str(z) for z in range(3, max_z + 1)}
    sizes = []
    for z, cl in clusters.items():
        assert sum(1 if isinstance(c, int) else c[2] for c in cl) == 500, z
        assert all(c[2] > 1 for c in cl if not isinstance(c, int))
        singles = [c for c in cl if isinstance(c, int)]
        assert all(0 <= i < 500 for i in singles) and len(set(singles)) == len(singles)
        sizes.append(len(cl))
    assert sizes == sorted(sizes) and sizes[0] < 10 < sizes[-1]
    assert (
        maps.incident_clusters(x, y, ll.y.to_numpy(), ll.x.to_numpy())[0]
        == maps.incident_clusters(x, y, ll.y.to_numpy(), ll.x.to_numpy())[0]
    )


def test_heat_png_is_hot_near_incidents_and_clear_far_away() -> None:
    from PIL import Image

    pts = gpd.GeoSeries([Point(117.0, -0.5)] * 5 + [Point(117.02, -0.48)], crs=4326)
    png, bounds = maps.incident_heat_png(
        pts, (116.5, -1.0, 117.5, 0.0), bandwidth_m=10_000, max_pixels=200
    )
    img = np.asarray(Image.open(io.BytesIO(png)))
    assert img.shape[2] == 4 and max(img.shape[:2]) == 200
    (s, w), (n, e) = bounds
    assert s < -1.0 and n > 0.0 and w < 116.5 and e > 117.5
    row = int((n - (-0.5)) / (n - s) * img.shape[0])  # ~linear in Mercator near the equator
    col = int((117.0 - w) / (e - w) * img.shape[1])
    assert img[row, col, 3] > 200
    assert img[5, 5, 3] == 0 and img[-5, -5, 3] == 0
    assert maps.incident_heat_png(pts.iloc[0:0], (116.5, -1.0, 117.5, 0.0)) is None


def test_english_and_options(layers: dict[str, gpd.GeoDataFrame]) -> None:
    m = maps.risk_map(
        layers["risk"],
        incidents=layers["incidents"],
        language="en",
        title="Kaltim <test>",
        date="2024-11-27",
        time_slider=False,
    )
    html = maps.render_map_html(m)
    assert "Kecamatan risk class" in html and "very high" in html and "Kelas risiko" not in html
    assert "Kaltim &lt;test&gt;" in html and "<test>" not in html
    assert "kewaspadaan.timeSlider" not in html
    with pytest.raises(ValueError, match="'fr' is not available"):
        maps.risk_map(layers["risk"], language="fr")


def test_incidents_without_location_warn(layers: dict[str, gpd.GeoDataFrame]) -> None:
    inc = layers["incidents"].copy()
    inc.loc[inc.index[3], "geometry"] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        maps.risk_map(layers["risk"], incidents=inc)
    msgs = [str(w.message) for w in caught if issubclass(w.category, KewaspadaanWarning)]
    assert any("IDN0003" in m for m in msgs)


def test_save_map_atomic(tmp_path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    m = maps.risk_map(layers["risk"], date="2024-11-27")
    path = maps.save_map(m, tmp_path / "sub" / "peta.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["peta.html"]
    assert settings.map_class_colors["sangat tinggi"] in path.read_text(encoding="utf-8")


def test_inline_display_is_offline():
    """Jupyter shows the map through _repr_html_: the page must carry Leaflet itself."""
    import html as _html

    layers = synthetic_layers()
    m = maps.risk_map(layers["risk"], date="2024-11-27")
    shown = m._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    page = _html.unescape(shown.split('srcdoc="', 1)[1].split('" sandbox', 1)[0])
    assert "L.version" in page or "Leaflet" in page
    assert _assets.find_external_resources(page) == []


def test_route_segments_draw_a_shared_trunk_once() -> None:
    """Two routes sharing a 20 km trunk: three unique pieces, the trunk counted twice."""
    trunk = [(500_000, 0), (510_000, 0), (520_000, 0)]
    routes = gpd.GeoDataFrame(
        {
            "tujuan_kode": ["a", "b", "c"],
            "terlambat": [False, True, False],
            "terjangkau": [True, True, False],
        },
        geometry=[
            LineString([*trunk, (520_000, 10_000)]),
            LineString([*trunk, (530_000, 0)]),
            None,
        ],
        crs="EPSG:32650",
    )
    seg = maps.route_segments(routes)
    assert seg.crs.to_epsg() == 4326
    length_km = seg.to_crs(32650).length.sum() / 1000
    assert length_km == pytest.approx(40.0, rel=1e-6)  # 20 trunk + 10 + 10, not 60
    trunk_row = seg[seg["n_tujuan"] == 2]
    assert len(trunk_row) == 1 and trunk_row["status"].iloc[0] == "terlambat"
    assert sorted(seg["n_tujuan"]) == [1, 1, 2]
    assert set(seg["status"]) == {"tepat_waktu", "terlambat"}
    # the plan's status wins over the fastest route's flags
    ok = maps.route_segments(routes, status=pd.Series(["tepat_waktu"] * 3, index=routes.index))
    assert set(ok["status"]) == {"tepat_waktu"} and len(ok) == 2


def test_routes_through_a_hub_are_deduplicated(layers) -> None:
    """Every route passes one hub: the depot–hub leg is drawn once, used by all of them."""
    import shapely

    depot, hub = Point(520_000, -30_000), Point(500_000, -45_000)
    cent = layers["risk"].geometry.centroid
    routes = gpd.GeoDataFrame(
        {"tujuan_kode": layers["risk"]["kode"], "terlambat": False, "terjangkau": True},
        geometry=[LineString([depot, hub, c]) for c in cent],
        crs="EPSG:32650",
    )
    seg = maps.route_segments(routes, tolerance_m=0)
    n_in = len(shapely.get_coordinates(routes.geometry.to_numpy()))
    n_out = len(shapely.get_coordinates(seg.geometry.to_numpy()))
    assert n_out < n_in
    assert seg["n_tujuan"].max() == len(routes)  # the shared leg


def test_tooltip_card_shows_forecast_when_present(layers) -> None:
    risk = layers["risk"].assign(
        ekspektasi_insiden=2.345,
        ekspektasi_hingga_pemilu=30.6,
        ekspektasi_bawah80=21.0,
        ekspektasi_atas80=40.0,
        tren_hotspot="menguat",
        keandalan=0.82,
    )
    page = maps.render_map_html(maps.risk_map(risk, date="2024-11-27"))
    assert "Prakiraan insiden bulan depan" in page and '"2,3"' in page
    # the 80 % interval is that of the total to voting day, shown beside it (not the month's)
    assert "30,6 (Rentang 80 %: 21,0\\u201340,0)" in page and "2,3 (Rentang" not in page
    assert '"menguat"' in page and "tinggi (0,82)" in page
    bare = maps.render_map_html(maps.risk_map(layers["risk"]))
    assert "Tanggal penilaian" not in bare  # no date given: none shown, never today's


def test_routes_incidents_and_heat_off_by_default(page: str) -> None:
    """Only the choropleth and the depots are added to the map when it opens."""
    added = set(re.findall(r"(\w+_\d{4})\.addTo\(map_\d{4}\)", page))
    names = dict(re.findall(r"kewaspadaan\.register\(\"(\w+)\", (\w+_\d{4})\)", page))
    assert names["kecamatan"] in added and names["depot"] in added
    for key in ("rute", "ruas_kritis", "panas"):
        assert names[key] not in added, key
    assert "kw_layer_" in page and "kw_layer_0" not in " ".join(added)


def test_translated_classes_are_read_back_with_a_warning(layers) -> None:
    en = dict(zip(settings.class_labels["id"], settings.class_labels["en"], strict=True))
    risk = layers["risk"].assign(kelas=layers["risk"]["kelas"].map(en))
    with pytest.warns(KewaspadaanWarning, match="translated class label"):
        out = maps.prepare_risk_layer(risk)
    assert list(out["kelas"]) == list(layers["risk"]["kelas"])


def test_recent_incidents_window(layers) -> None:
    inc = layers["incidents"]
    last = pd.to_datetime(inc["event_date"]).max()
    six = maps.recent_incidents(inc, last, 6)
    assert 0 < len(six) < len(inc)
    assert pd.to_datetime(six["event_date"]).min() >= last - pd.DateOffset(months=6)
    assert len(maps.recent_incidents(inc, last, 0)) == len(inc)
