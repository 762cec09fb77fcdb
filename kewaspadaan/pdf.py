"""PDF of the report, A4, with the brief on page 1.

The report's print stylesheet does the layout (A4 pages, the static map of the whole area, no
JavaScript needed); this module only prints it, with one of two well-kept engines:

- ``"weasyprint"`` — WeasyPrint (``pip install "kewaspadaan[pdf]"``; needs the Pango library,
  Debian ``libpango-1.0-0 libpangoft2-1.0-0``, present on most desktops and in the CI image);
- ``"chromium"`` — Chromium's own ``page.pdf`` through Playwright (``pip install playwright``
  and Debian's ``chromium`` at ``/usr/bin/chromium``; no ``playwright install``), with every
  request that would leave the machine blocked.

``engine="auto"`` takes WeasyPrint when it imports, else Chromium; when neither works the
error names what to install.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from kewaspadaan._errors import KewaspadaanError
from kewaspadaan._io_utils import atomic_write

__all__ = ["CHROMIUM", "PdfEngineError", "available_engines", "html_to_pdf", "write_report_pdf"]

logger = logging.getLogger(__name__)

#: Chromium used by the ``"chromium"`` engine (Debian's package).
CHROMIUM = Path(os.environ.get("KEWASPADAAN_CHROMIUM", "/usr/bin/chromium"))
_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
_LOCAL = ("file:", "data:", "about:", "blob:")


class PdfEngineError(KewaspadaanError, RuntimeError):
    """No PDF engine can run here; the message names what to install."""


def _weasyprint_problem() -> str | None:
    if importlib.util.find_spec("weasyprint") is None:
        return 'WeasyPrint is not installed (pip install "kewaspadaan[pdf]")'
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # the Python package is there, the Pango library is not
        return (
            f"WeasyPrint cannot load its system libraries ({exc}); install Pango: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        )
    return None


def _chromium_problem() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install playwright)"
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return f"Chromium is absent at {CHROMIUM} (apt-get install chromium)"
    return None


def available_engines() -> dict[str, str | None]:
    """``{engine: None if it can run, else why not}`` for ``"weasyprint"`` and ``"chromium"``."""
    return {"weasyprint": _weasyprint_problem(), "chromium": _chromium_problem()}


def _pick(engine: str) -> str:
    problems = available_engines()
    if engine not in ("auto", *problems):
        raise ValueError(f"engine must be 'auto', 'weasyprint' or 'chromium', not {engine!r}")
    order = list(problems) if engine == "auto" else [engine]
    for name in order:
        if problems[name] is None:
            return name
    raise PdfEngineError(
        "no PDF engine is available: "
        + "; ".join(f"{n}: {problems[n]}" for n in order)
        + ". Install one of them, or open the HTML report and print it to PDF from a browser."
    )


def _offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that only reads ``file:`` and ``data:`` URLs."""
    import weasyprint

    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint >= 68

        return URLFetcher(allowed_protocols={"file", "data"})
    except (ImportError, TypeError):
        fetch = getattr(weasyprint, "default_url_fetcher")  # noqa: B009 - WeasyPrint < 68

        def no_network(url: str, *args: Any, **kwargs: Any) -> Any:
            if url.startswith(_LOCAL):
                return fetch(url, *args, **kwargs)
            raise ValueError(f"blocked request to {url}: the report must print offline")

        return no_network


def _weasyprint(html: str, base_url: str | None) -> bytes:
    import weasyprint

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    doc = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_offline_fetcher())
    return bytes(doc.write_pdf())


def _chromium(html_path: Path) -> bytes:
    from playwright.sync_api import sync_playwright

    exe = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=_CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(_LOCAL) else r.abort(),
            )
            page.goto(html_path.resolve().as_uri())
            page.emulate_media(media="print")
            return bytes(page.pdf(format="A4", print_background=True, prefer_css_page_size=True))
        finally:
            browser.close()


def html_to_pdf(
    html: str | os.PathLike[str], path: str | os.PathLike[str], *, engine: str = "auto"
) -> Path:
    """Print an HTML report (text, or the path of an ``.html`` file) to an A4 PDF, atomically.

    Parameters
    ----------
    html : str or os.PathLike
        The document (``build_report``'s result) or the path of a written report.
    path : str or os.PathLike
        Destination ``.pdf`` (folders are created).
    engine : {"auto", "weasyprint", "chromium"}, default "auto"
        See the module docstring.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    PdfEngineError
        When the engine asked for (or, with "auto", every engine) cannot run; the message names
        the missing package or library.
    """
    name = _pick(engine)
    src = (
        Path(html)
        if isinstance(html, os.PathLike)
        or (isinstance(html, str) and not html.lstrip().startswith("<") and Path(html).is_file())
        else None
    )
    path = Path(path)
    if name == "weasyprint":
        text = src.read_text(encoding="utf-8") if src is not None else str(html)
        data = _weasyprint(text, str(src.parent) if src is not None else None)
    elif src is not None:
        data = _chromium(src)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.html")
        tmp.write_text(str(html), encoding="utf-8")
        try:
            data = _chromium(tmp)
        finally:
            tmp.unlink(missing_ok=True)
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    logger.info("wrote PDF %s with %s (%.0f kB)", path, name, len(data) / 1024)
    return path


def write_report_pdf(
    path: str | os.PathLike[str], risk: Any, *, engine: str = "auto", **kwargs: Any
) -> Path:
    """Build the report (:func:`kewaspadaan.report.build_report`) and print it to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.pdf``.
    risk : GeoDataFrame
        Risk table.
    engine : {"auto", "weasyprint", "chromium"}, default "auto"
        PDF engine.
    **kwargs
        Keyword options of :func:`~kewaspadaan.report.build_report`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from kewaspadaan.report import build_report

    _pick(engine)  # fail before the report is built when no engine can run
    return html_to_pdf(build_report(risk, **kwargs), path, engine=engine)
