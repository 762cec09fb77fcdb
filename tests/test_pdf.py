"""PDF of the report (kewaspadaan.pdf) and the static print map (kewaspadaan.static_map)."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from builders import AS_OF, forecast_columns, late_plan, synthetic_layers

from kewaspadaan import pdf, report, settings, static_map


@pytest.fixture(scope="module")
def layers():
    return synthetic_layers()


@pytest.fixture(scope="module")
def html(layers) -> str:
    return report.build_report(
        layers["risk"],
        incidents=layers["incidents"],
        routes=layers["routes"],
        plan=late_plan(layers["routes"]),
        forecast=forecast_columns(layers["risk"]),
        depots=layers["depots"],
        as_of=AS_OF,
        classification="TERBATAS",
    )


def _pages(path) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    for p in reader.pages:
        box = p.mediabox
        assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4
    return [p.extract_text() for p in reader.pages]


def _engine(name: str) -> None:
    problem = pdf.available_engines()[name]
    if problem is not None:
        if os.environ.get("KEWASPADAAN_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.mark.slow
@pytest.mark.parametrize(
    "engine", ["weasyprint", pytest.param("chromium", marks=pytest.mark.browser)]
)
def test_pdf_opens_with_the_brief_on_page_one(tmp_path, html, engine) -> None:
    _engine(engine)
    out = pdf.html_to_pdf(html, tmp_path / "laporan.pdf", engine=engine)
    assert out.read_bytes().startswith(b"%PDF") and [p.name for p in tmp_path.iterdir()] == [
        "laporan.pdf"
    ]
    pages = _pages(out)
    assert len(pages) >= 3
    first = " ".join(pages[0].split())
    assert "Ringkasan pimpinan" in first and "TERBATAS" in first.replace(" ", "")
    assert "Tanggal penilaian: 27 Nov 2024" in first
    assert "1. Kecamatan 7" in first and "3 desa terlambat" in first
    assert "I. Situasi" not in first and "I. Situasi" in pages[1]


@pytest.mark.slow
def test_write_report_pdf_from_tables(tmp_path, layers) -> None:
    _engine("weasyprint")
    out = pdf.write_report_pdf(
        tmp_path / "a" / "laporan.pdf", layers["risk"], as_of=AS_OF, language="en"
    )
    assert "Executive brief" in _pages(out)[0]


def test_no_engine_names_what_to_install(monkeypatch, tmp_path, html) -> None:
    monkeypatch.setattr(pdf, "_weasyprint_problem", lambda: "WeasyPrint is not installed (x)")
    monkeypatch.setattr(pdf, "_chromium_problem", lambda: "Chromium is absent at /nowhere")
    with pytest.raises(
        pdf.PdfEngineError,
        match=r"weasyprint: WeasyPrint is not installed.*"
        r"chromium: Chromium is absent",
    ):
        pdf.html_to_pdf(html, tmp_path / "x.pdf")
    with pytest.raises(pdf.PdfEngineError, match="chromium: Chromium is absent"):
        pdf.write_report_pdf(tmp_path / "x.pdf", synthetic_layers(0)["risk"], engine="chromium")
    with pytest.raises(ValueError, match="engine must be"):
        pdf.html_to_pdf(html, tmp_path / "x.pdf", engine="word")
    assert not (tmp_path / "x.pdf").exists()


def test_static_map_shows_the_whole_area(layers) -> None:
    from PIL import Image

    risk = layers["risk"]
    still = static_map.static_map(risk, depots=layers["depots"], marks={"64.02.01": "1"})
    img = Image.open(io.BytesIO(still.png))
    assert img.size == (still.width_px, still.height_px) and still.width_px == 1400
    west, south, east, north = still.bounds_lonlat
    w, s, e, n = risk.to_crs(4326).total_bounds
    assert west < w and south < s and east > e and north > n
    rgb = np.asarray(img.convert("RGB")).reshape(-1, 3)
    for kelas, hex_ in settings.map_class_colors.items():  # every class colour is drawn
        target = np.array([int(hex_[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(rgb.astype(int) - target).sum(axis=1) < 12).mean() > 0.001, kelas
    again = static_map.static_map(risk, depots=layers["depots"], marks={"64.02.01": "1"})
    assert again.png == still.png  # reproducible bytes (the report is deterministic)
    assert still.data_uri().startswith("data:image/png;base64,iVBOR")
