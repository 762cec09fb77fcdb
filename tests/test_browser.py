"""The offline report in headless Chromium with the network blocked.

Debian's ``/usr/bin/chromium`` driven by Playwright (no ``playwright install``). Skipped when
Chromium is absent, unless ``KEWASPADAAN_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then it fails.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from test_maps import HOSTILE_NAME, HOSTILE_NOTE, synthetic_layers

from kewaspadaan import maps, report

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
REQUIRE = os.environ.get("KEWASPADAAN_REQUIRE_BROWSER") == "1"
LAYER_NAMES = [
    "Kelas risiko kecamatan",
    "Rute logistik",
    "Ruas kritis",
    "Gudang/depot logistik",
    "Kepadatan insiden (peta panas)",
    "Insiden (klaster)",
]


def _load_screenshot_script():
    spec = importlib.util.spec_from_file_location(
        "kw_screenshot", REPO / "scripts" / "screenshot.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


shot = _load_screenshot_script()


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"browser tests are required (KEWASPADAAN_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not shot.CHROMIUM.exists():
        _unavailable(f"{shot.CHROMIUM} is absent (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the playwright package is not installed")
    with shot.offline_browser() as b:
        yield b


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return synthetic_layers()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory, layers) -> Path:
    path = tmp_path_factory.mktemp("laporan") / "laporan_kewaspadaan.html"
    return report.write_report(
        path,
        layers["risk"],
        incidents=layers["incidents"],
        routes=layers["routes"],
        depots=layers["depots"],
        critical_links=layers["critical_links"],
        sources=["Kemendagri 2022"],
        run_date="2024-11-27",
    )


@pytest.fixture
def opened(browser, report_file):
    page, log = shot.open_offline(browser, report_file)
    yield page, log
    page.close()


def _assert_clean(log) -> None:
    assert log.external_requests == [], "requests left the machine"
    assert log.console_errors == [] and log.page_errors == []


def test_leaflet_and_one_polygon_per_kecamatan(opened, layers) -> None:
    page, log = opened
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("L.version") == "1.9.4"
    n = len(layers["risk"])
    assert page.evaluate("kewaspadaan.layers.kecamatan.getLayers().length") == n
    assert page.locator(".leaflet-kecamatan-pane path.leaflet-interactive").count() == n
    _assert_clean(log)


def test_legend_and_layer_control(opened) -> None:
    page, log = opened
    legend = page.locator(".leaflet-control-container .kw-legend")
    assert legend.is_visible()
    items = legend.locator(".kw-legend-classes li").all_inner_texts()
    assert [i.split(" (")[0] for i in items] == ["rendah", "sedang", "tinggi", "sangat tinggi"]
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [label.strip() for label in labels] == LAYER_NAMES
    assert page.locator(".kw-title").is_visible()
    assert "27 Nov 2024" in page.locator(".kw-title").inner_text()
    assert page.locator(".leaflet-control-scale-line").first.is_visible()
    _assert_clean(log)


def test_hostile_strings_are_text_and_never_run(opened) -> None:
    page, log = opened
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.evaluate("""() => {
        const k = kewaspadaan.layers.kecamatan.getLayers()
            .find(l => l.feature.properties.kode === '64.02.01');
        k.openTooltip(k.getBounds().getCenter());
    }""")
    tooltip = page.locator(".leaflet-tooltip.kw-tooltip")
    assert HOSTILE_NAME in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    page.evaluate("""() => {
        const k = kewaspadaan, g = k.layers.insiden;
        k.map.setZoom(g.kwSpec.maxClusterZoom + 1, {animate: false});
        g.kwRedraw();
        const first = g.getLayers().find(l => l.getLatLng &&
            l.getLatLng().lat === g.kwSpec.lat[0] && l.getLatLng().lng === g.kwSpec.lon[0]);
        first.openPopup();
    }""")
    popup = page.locator(".leaflet-popup-content")
    assert HOSTILE_NOTE in popup.inner_text()
    assert popup.locator("script").count() == 0
    cell = page.locator("#tabel-peringkat td", has_text="onerror")
    assert cell.count() == 1 and cell.inner_text() == HOSTILE_NAME
    page.wait_for_timeout(100)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    _assert_clean(log)


def test_clusters_break_apart_and_month_slider_filters(opened, layers) -> None:
    page, log = opened
    n = len(layers["incidents"])
    shown = page.evaluate("""() => kewaspadaan.layers.insiden.getLayers().reduce((s, l) =>
        s + (l.options.icon ? parseInt(l.options.icon.options.html, 10) : 1), 0)""")
    assert shown == n
    assert page.evaluate("kewaspadaan.layers.insiden.kwCount()") < n
    page.evaluate(
        "kewaspadaan.map.setZoom(kewaspadaan.layers.insiden.kwSpec.maxClusterZoom + 1,"
        " {animate: false})"
    )
    assert page.evaluate("kewaspadaan.layers.insiden.kwCount()") == n
    months = pd.to_datetime(layers["incidents"]["event_date"]).dt.to_period("M")
    expected = int((months == months.min()).sum())
    slider = page.locator(".kw-slider input[type=range]")
    slider.fill("1")
    assert page.evaluate("kewaspadaan.layers.insiden.kwCount()") == expected
    assert "Jan 2023" in page.locator(".kw-slider-label").inner_text()
    page.evaluate("kewaspadaan.layers.panas.addTo(kewaspadaan.map)")
    assert page.locator(".leaflet-panas-pane img.leaflet-image-layer").count() == 1
    _assert_clean(log)


def test_printable(opened) -> None:
    page, log = opened
    page.emulate_media(media="print")
    assert not page.locator("button.kw-print").is_visible()
    assert page.locator("#tabel-peringkat").is_visible()
    assert page.locator(".kw-map-frame").bounding_box()["height"] > 300
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    _assert_clean(log)


def test_standalone_map_and_screenshot(browser, tmp_path, layers) -> None:
    html = maps.save_map(
        maps.risk_map(layers["risk"], incidents=layers["incidents"], date="2024-11-27"),
        tmp_path / "peta_risiko.html",
    )
    png = tmp_path / "peta_risiko.png"
    log = shot.screenshot(html, png, width=1000, height=700, browser=browser)
    _assert_clean(log)
    from PIL import Image

    img = Image.open(png)
    assert img.size == (1000, 700)
    colours = np.asarray(img.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(colours, axis=0)) > 50  # a drawn map, not a blank page


@pytest.mark.realdata
def test_real_province_draws_105_polygons(browser, shared_data, tmp_path) -> None:
    kec = gpd.read_file(shared_data / "kaltim_kecamatan_kemendagri2022.geojson")
    skor = np.linspace(0, 100, len(kec))
    risk = kec[["kode", "nama", "kode_kab", "nama_kab", "geometry"]].assign(
        skor=skor,
        kelas=pd.cut(
            skor, [-1, 25, 50, 75, 100], labels=["rendah", "sedang", "tinggi", "sangat tinggi"]
        ).astype(str),
    )
    path = report.write_report(tmp_path / "kaltim.html", risk, run_date="2024-11-27")
    page, log = shot.open_offline(browser, path)
    assert page.locator(".leaflet-kecamatan-pane path.leaflet-interactive").count() == 105
    _assert_clean(log)
    page.close()
