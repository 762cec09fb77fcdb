"""Benchmark: the report of the full demonstration province — size, build time, PDF time, and
how much the unique route segments save over one line per desa.

Run ``python benchmarks/bench_report.py [--data DIR] [--size full|small]``. The province is
generated (seeded) into a temporary folder unless ``--data`` names one; ``pipeline.run`` scores
it and plans the logistics (about 2 minutes on the 2-core machine), then:

- :func:`kewaspadaan.report.build_report` from :func:`kewaspadaan.report.report_inputs` is timed
  and its size printed (the issue's budget: under 2 MB);
- the route vertices drawn by :func:`kewaspadaan.maps.route_segments` are compared with the
  vertices of the route table (``... ratio N.Nx``), their drawn length likewise;
- the PDF is printed with every available engine (:mod:`kewaspadaan.pdf`) and its pages counted.

Single runs on a shared machine: expect some noise.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import shapely

from kewaspadaan import maps, pdf, report
from kewaspadaan.demo import generate_province
from kewaspadaan.io import load_incidents
from kewaspadaan.pipeline import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--size", default="full", choices=["full", "small"])
    args, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "data"
            generate_province(data, size=args.size)
        t0 = time.perf_counter()
        result = run(data, backtest=False, officers=1500)
        print(f"pipeline.run (no backtest): {time.perf_counter() - t0:.1f} s")
        inc = load_incidents(data / "incidents" / "insiden_acled.csv").incidents
        kwargs = report.report_inputs(result, incidents=inc)
        t0 = time.perf_counter()
        page = report.build_report(**kwargs)
        build_s = time.perf_counter() - t0
        size_mb = len(page.encode("utf-8")) / 1e6
        print(f"build_report: {build_s:.1f} s, {size_mb:.2f} MB (budget 2 MB)")
        routes = result.logistics.routes
        seg = maps.route_segments(routes)
        n_in = len(shapely.get_coordinates(routes.geometry.dropna().to_numpy()))
        n_out = len(shapely.get_coordinates(seg.geometry.to_numpy()))
        km_in = routes.to_crs(32650).length.sum() / 1000
        km_out = seg.to_crs(32650).length.sum() / 1000
        print(f"route vertices: {n_in} per desa -> {n_out} unique, ratio {n_in / n_out:.1f}x")
        print(f"route length drawn: {km_in:.0f} km -> {km_out:.0f} km, ratio {km_in / km_out:.1f}x")
        html = Path(tmp) / "laporan.html"
        html.write_text(page, encoding="utf-8")
        for engine, problem in pdf.available_engines().items():
            if problem is not None:
                print(f"pdf {engine}: unavailable ({problem})")
                continue
            t0 = time.perf_counter()
            out = pdf.html_to_pdf(html, Path(tmp) / f"laporan_{engine}.pdf", engine=engine)
            from pypdf import PdfReader

            pages = len(PdfReader(str(out)).pages)
            print(
                f"pdf {engine}: {time.perf_counter() - t0:.1f} s, {pages} A4 pages, "
                f"{out.stat().st_size / 1e6:.2f} MB"
            )
    return 0 if size_mb < 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
