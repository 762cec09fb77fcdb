"""The offline report and map in headless Chromium with the network blocked: layout measured,
not only text.

Debian's ``/usr/bin/chromium`` driven by Playwright (no ``playwright install``). Skipped when
Chromium is absent, unless ``KEWASPADAAN_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then it fails.
Every test fails on a console error, a page error or a request that leaves the machine.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from pathlib import Path

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

from kewaspadaan import maps, report

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
REQUIRE = os.environ.get("KEWASPADAAN_REQUIRE_BROWSER") == "1"
LAYER_NAMES = [
    "Kelas risiko kecamatan",
    "Rute logistik (ruas unik)",
    "Ruas kritis",
    "Gudang/depot logistik",
    "Kepadatan insiden (peta panas)",
    "Insiden (klaster)",
]
#: A4 portrait minus the report's 12 mm side margins, in CSS pixels (96 per inch).
A4_CONTENT_W_PX = (210 - 24) / 25.4 * 96
A4_CONTENT_H_PX = (297 - 26) / 25.4 * 96


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


def _write(path: Path, layers, language: str = "id") -> Path:
    return report.write_report(
        path,
        layers["risk"],
        incidents=layers["incidents"],
        routes=layers["routes"],
        plan=late_plan(layers["routes"]),
        forecast=forecast_columns(layers["risk"]),
        depots=layers["depots"],
        critical_links=layers["critical_links"],
        sources=["Kemendagri 2022"],
        as_of=AS_OF,
        language=language,
        classification="TERBATAS",
    )


@pytest.fixture(scope="module")
def report_file(tmp_path_factory, layers) -> Path:
    return _write(tmp_path_factory.mktemp("laporan") / "laporan_kewaspadaan.html", layers)


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


def test_risk_first_other_layers_off(opened, layers) -> None:
    page, log = opened
    on = page.evaluate(
        "() => Object.fromEntries(Object.entries(kewaspadaan.layers)"
        ".map(([k, l]) => [k, kewaspadaan.map.hasLayer(l)]))"
    )
    assert on == {
        "kecamatan": True,
        "depot": True,
        "rute": False,
        "ruas_kritis": False,
        "panas": False,
        "insiden": False,
    }
    assert not page.locator(".kw-slider").is_visible()  # no incidents shown: no slider
    # depots are drawn above the choropleth, not under its fill
    assert page.locator(".leaflet-logistik-pane path.leaflet-interactive").count() == len(
        layers["depots"]
    )
    page.evaluate("kewaspadaan.layers.insiden.addTo(kewaspadaan.map)")
    assert page.locator(".kw-slider").is_visible()
    page.evaluate("kewaspadaan.layers.rute.addTo(kewaspadaan.map)")
    n_seg = page.evaluate("kewaspadaan.layers.rute.getLayers().length")
    assert 0 < n_seg <= len(layers["routes"])  # unique segments, not one line per desa
    _assert_clean(log)


def test_legend_counts_north_arrow_and_scale(opened, layers) -> None:
    page, log = opened
    legend = page.locator(".leaflet-control-container .kw-legend")
    assert legend.is_visible()
    labels = legend.locator(".kw-legend-classes .kw-label").all_inner_texts()
    counts = [int(c) for c in legend.locator(".kw-legend-classes .kw-n").all_inner_texts()]
    assert labels == ["rendah", "sedang", "tinggi", "sangat tinggi"]
    expected = layers["risk"]["kelas"].value_counts()
    assert counts == [int(expected.get(k, 0)) for k in labels]
    names = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [label.strip() for label in names] == LAYER_NAMES
    assert "27 Nov 2024" in page.locator(".kw-title").inner_text()
    assert page.locator(".leaflet-control-scale-line").first.is_visible()
    north = page.locator(".kw-north")
    assert north.is_visible() and north.inner_text().strip().endswith("U")
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Perbesar"
    _assert_clean(log)


def _open_tooltip(page, name: str) -> dict:
    page.evaluate(
        """(name) => {
        const k = kewaspadaan.layers.kecamatan.getLayers().find(l => l.feature.properties.t === name);
        kewaspadaan.map.fitBounds(kewaspadaan.layers.kecamatan.getBounds());
        k.openTooltip(k.getBounds().getCenter());
    }""",
        name,
    )
    tip = page.locator(".leaflet-tooltip.kw-tooltip")
    return {"box": tip.bounding_box(), "text": tip.inner_text()}


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("kind", ["report", "map"])
def test_tooltip_is_a_readable_card(browser, tmp_path, layers, kind, language) -> None:
    """The longest name: at least 200 px wide and at most 400 px tall (was 15 px × 2,000)."""
    if kind == "report":
        path = _write(tmp_path / "laporan.html", layers, language)
    else:
        m = maps.risk_map(
            layers["risk"].merge(forecast_columns(layers["risk"]), on="kode"),
            incidents=layers["incidents"],
            routes=layers["routes"],
            date=AS_OF,
            language=language,
        )
        path = maps.save_map(m, tmp_path / "peta.html")
    page, log = shot.open_offline(browser, path)
    tip = _open_tooltip(page, LONG_NAME)
    assert LONG_NAME.split()[0] in tip["text"]
    assert tip["box"]["width"] >= 200, tip
    assert tip["box"]["height"] <= 400, tip
    assert tip["box"]["width"] <= 400, tip
    # the value column is a column, not one character per line
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.kw-tooltip td')].map(td => td.offsetWidth)"
    )
    assert min(widths) >= 90, widths
    page.close()
    _assert_clean(log)


def test_hostile_strings_are_text_and_never_run(opened) -> None:
    page, log = opened
    assert page.evaluate("typeof window.__pwned") == "undefined"
    tip = _open_tooltip(page, HOSTILE_NAME)
    assert HOSTILE_NAME in tip["text"]
    assert page.locator(".leaflet-tooltip.kw-tooltip img").count() == 0
    page.evaluate("""() => {
        const k = kewaspadaan, g = k.layers.insiden;
        g.addTo(k.map);
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
    page.evaluate("kewaspadaan.layers.insiden.addTo(kewaspadaan.map)")
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


def _print_layout(page) -> dict:
    page.set_viewport_size({"width": round(A4_CONTENT_W_PX), "height": 1100})
    page.emulate_media(media="print")
    page.wait_for_timeout(100)
    return page.evaluate(
        """(w) => {
        const over = [];
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) { continue; }
            if (r.right > w + 0.5 || r.left < -0.5) {
                over.push(el.tagName + '#' + el.id + '.' + el.className + ' ' + r.left + '-' + r.right);
            }
        }
        const img = document.querySelector('#peta-cetak img');
        return {
            overflow: over.slice(0, 10),
            scroll: document.documentElement.scrollWidth,
            brief: document.querySelector('#ringkasan').getBoundingClientRect().height,
            frame: getComputedStyle(document.querySelector('.kw-map-frame')).display,
            img: {w: img.naturalWidth, h: img.naturalHeight, box: img.getBoundingClientRect().width},
            bounds: document.querySelector('#peta-cetak').dataset.bounds,
        };
    }""",
        A4_CONTENT_W_PX,
    )


def test_print_a4_fits_and_shows_the_whole_area(opened, layers) -> None:
    """Printed: nothing wider than the A4 page, the brief on one page, the static map of the
    whole area instead of the (cropped) Leaflet frame."""
    page, log = opened
    lay = _print_layout(page)
    assert lay["overflow"] == [] and lay["scroll"] <= A4_CONTENT_W_PX + 1, lay
    assert lay["brief"] <= A4_CONTENT_H_PX, lay
    assert lay["frame"] == "none" and not page.locator("button.kw-print").is_visible()
    assert lay["img"]["w"] >= 1000 and 0 < lay["img"]["box"] <= A4_CONTENT_W_PX + 0.5
    west, south, east, north = (float(v) for v in lay["bounds"].split(","))
    w, s, e, n = layers["risk"].to_crs(4326).total_bounds
    assert west <= w and south <= s and east >= e and north >= n  # the whole area is drawn
    _assert_clean(log)


def test_printed_pdf_has_the_brief_on_page_one(opened, layers) -> None:
    from pypdf import PdfReader

    page, log = opened
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4
    first = reader.pages[0].extract_text()
    assert "Ringkasan pimpinan" in first and "Kecamatan yang perlu diwaspadai" in first
    assert "1. Kecamatan 7" in first and "Rekomendasi utama" in first
    assert "I. Situasi" not in first  # the brief ends its page
    assert "I. Situasi" in reader.pages[1].extract_text()
    images = [
        x for p in reader.pages for x in p.images if x.image is not None and x.image.width >= 1000
    ]
    assert images, "the static map is printed"
    _assert_clean(log)


def test_standalone_map_and_screenshot(browser, tmp_path, layers) -> None:
    html = maps.save_map(
        maps.risk_map(layers["risk"], incidents=layers["incidents"], date=AS_OF),
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


def test_brief_screenshot(browser, tmp_path, report_file) -> None:
    png = tmp_path / "ringkasan.png"
    log = shot.screenshot(report_file, png, width=1100, height=900, browser=browser, brief=True)
    _assert_clean(log)
    from PIL import Image

    w, h = Image.open(png).size
    assert 900 <= w <= 1100 and h > 500


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
    path = report.write_report(tmp_path / "kaltim.html", risk, as_of=AS_OF)
    page, log = shot.open_offline(browser, path)
    assert page.locator(".leaflet-kecamatan-pane path.leaflet-interactive").count() == 105
    longest = max(risk["nama"], key=len)
    tip = _open_tooltip(page, longest)
    assert tip["box"]["width"] >= 200 and tip["box"]["height"] <= 400, tip
    lay = _print_layout(page)
    assert lay["overflow"] == [] and lay["brief"] <= A4_CONTENT_H_PX, lay
    _assert_clean(log)
    page.close()
