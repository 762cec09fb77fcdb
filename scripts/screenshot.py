"""Screenshot an offline kewaspadaan map/report in headless Chromium with the network blocked.

Used for the README pictures (``docs/img/peta_risiko.png``, ``docs/img/ringkasan_pimpinan.png``)
and by ``tests/test_browser.py``:

    kewaspadaan run                         # writes outputs/laporan_kewaspadaan.html, peta_risiko.html
    python scripts/screenshot.py            # -> docs/img/peta_risiko.png (the map as it opens)
    python scripts/screenshot.py outputs/laporan_kewaspadaan.html docs/img/ringkasan_pimpinan.png --brief

Chromium is Debian's ``/usr/bin/chromium`` (``apt-get install chromium``), driven by Playwright;
``playwright install`` is not needed. Every request that is not ``file:``, ``data:`` or
``about:`` is aborted and recorded: a map that needs the network shows it here.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


@dataclass
class PageLog:
    """What a page did: requests that tried to leave the machine, console and page errors."""

    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def offline_browser() -> Iterator[Any]:
    """Yield a headless Chromium browser (Playwright) launched from ``/usr/bin/chromium``."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_offline(
    browser: Any, html_path: Path, *, width: int = 1280, height: int = 900
) -> tuple[Any, PageLog]:
    """Open ``html_path`` with every non-local request aborted; return the page and its log."""
    log = PageLog()
    page = browser.new_page(viewport={"width": width, "height": height})

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            log.external_requests.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.goto(Path(html_path).resolve().as_uri())
    page.wait_for_function("window.kewaspadaan && window.kewaspadaan.map")
    page.wait_for_timeout(300)  # let Leaflet finish drawing
    return page, log


def screenshot(
    html_path: Path,
    png_path: Path,
    *,
    width: int = 1280,
    height: int = 900,
    heat: bool = False,
    brief: bool = False,
    show: tuple[str, ...] = (),
    browser: Any = None,
) -> PageLog:
    """Save a PNG of the map in ``html_path`` (the map element only) or, with ``brief``, of the
    report's first section (*Ringkasan pimpinan*); return the page log.

    ``heat`` also switches the incident heat map on (the map opens without it); ``show`` other
    layers by key (``rute``, ``ruas_kritis``, ``insiden``).
    ``browser``: an open browser from :func:`offline_browser` (one is launched if None).
    """
    if browser is None:
        with offline_browser() as own:
            return screenshot(
                html_path,
                png_path,
                width=width,
                height=height,
                heat=heat,
                brief=brief,
                show=show,
                browser=own,
            )
    page, log = open_offline(browser, html_path, width=width, height=height)
    if heat:
        page.evaluate(
            "() => { const k = window.kewaspadaan; "
            "if (k.layers.panas) { k.layers.panas.addTo(k.map); } }"
        )
        page.wait_for_timeout(200)
    for key in show:
        page.evaluate("(k) => kewaspadaan.layers[k].addTo(kewaspadaan.map)", key)
    if show:
        page.wait_for_timeout(200)
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    target = "#ringkasan" if brief else ".folium-map"
    page.locator(target).first.screenshot(path=str(png_path))
    page.close()
    _shrink_png(png_path)
    return log


def _shrink_png(path: Path) -> None:
    """Re-save with a 256-colour palette (about a third of the size, same look for a map)."""
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(path, format="PNG", optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", type=Path, default=Path("outputs/peta_risiko.html"))
    parser.add_argument("png", nargs="?", type=Path, default=Path("docs/img/peta_risiko.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=860)
    parser.add_argument("--brief", action="store_true", help="the report's first page section")
    parser.add_argument("--heat", action="store_true", help="switch the heat map on")
    parser.add_argument("--show", default="", help="layers to switch on, e.g. rute,ruas_kritis")
    args = parser.parse_args(argv)
    if not args.html.exists():
        print(f"{args.html} not found: run `kewaspadaan report` first", file=sys.stderr)
        return 2
    log = screenshot(
        args.html,
        args.png,
        width=args.width,
        height=args.height,
        heat=args.heat,
        brief=args.brief,
        show=tuple(k for k in args.show.split(",") if k),
    )
    problems = log.external_requests + log.console_errors + log.page_errors
    print(
        f"{args.png} written; external requests {len(log.external_requests)}, "
        f"console errors {len(log.console_errors)}, page errors {len(log.page_errors)}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
