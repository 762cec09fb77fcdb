"""Offline web assets: Leaflet (from the ``django-js-lib-leaflet`` wheel), our JS/CSS, locale
strings and the (autoescaping) Jinja2 templates of maps and reports.

Nothing third-party is pasted into this repository: Leaflet 1.9.4 and its images are read at build
time from the installed PyPI package ``django-js-lib-leaflet`` (BSD-2-Clause) with
:mod:`importlib.resources`, the images are inlined into the CSS as ``data:`` URIs, and the whole is
inlined into each HTML file so a report opens with the network cut.

:func:`find_external_resources` lists every reference in an HTML page that a browser would fetch
from another machine (``<script src>``, ``<link href>``, ``<img src>``, CSS ``url()`` /
``@import``), and :func:`strip_external_resources` removes such tags, e.g. the CDN links folium
adds by default.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
from importlib import resources
from typing import Any

import jinja2

from kewaspadaan._errors import MissingDependencyError

__all__ = [
    "LEAFLET_VERSION",
    "find_external_resources",
    "js_json",
    "kewaspadaan_css",
    "kewaspadaan_js",
    "leaflet_css",
    "leaflet_js",
    "load_strings",
    "marker_icon_options",
    "offline_head",
    "render_template",
    "strip_external_resources",
]

logger = logging.getLogger(__name__)

#: The Leaflet version shipped by the pinned ``django-js-lib-leaflet`` wheel.
LEAFLET_VERSION = "1.9.4"

_PACKAGE = "js_lib_leaflet"
_STATIC = ("static", "js_lib_leaflet")

#: Tags and attributes whose URL a browser loads by itself.
_TAG_URL = re.compile(
    r"<(script|link|img|iframe|source|embed|object|audio|video|image)\b[^>]*?"
    r"\b(src|href|data|srcset|poster)\s*=\s*(['\"]?)\s*((?:https?:)?//[^'\"\s>]+)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(
    r"(?:url\(\s*['\"]?|@import\s+['\"])\s*((?:https?:)?//[^'\")\s]+)", re.IGNORECASE
)
_EXTERNAL_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*['\"]?(?:https?:)?//[^>]*>\s*</script\s*>"
    r"|<link\b[^>]*\bhref\s*=\s*['\"]?(?:https?:)?//[^>]*/?>",
    re.IGNORECASE,
)


def _static_file(*parts: str) -> resources.abc.Traversable:
    try:
        root = resources.files(_PACKAGE)
    except ModuleNotFoundError as exc:  # pragma: no cover - a dependency of the package
        raise MissingDependencyError(
            "django-js-lib-leaflet", "test", "Offline maps (Leaflet 1.9.4)"
        ) from exc
    node = root.joinpath(*_STATIC, *parts)
    if not node.is_file():  # pragma: no cover - a broken install
        raise FileNotFoundError(
            f"{node}: missing from the installed package django-js-lib-leaflet; reinstall it with "
            "pip install --force-reinstall django-js-lib-leaflet==1.9.4.1"
        )
    return node


def _data_uri(*parts: str) -> str:
    raw = _static_file(*parts).read_bytes()
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def _safe_inline_script(js: str) -> str:
    """Make JS text safe inside ``<script>``: no source-map fetch, no early ``</script>``."""
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


@functools.cache
def leaflet_js() -> str:
    """Return ``leaflet.js`` 1.9.4 ready to inline (source-map comment removed)."""
    js = _static_file("leaflet.js").read_text(encoding="utf-8")
    if f'version="{LEAFLET_VERSION}"' not in js:
        raise RuntimeError(
            f"the installed django-js-lib-leaflet does not ship Leaflet {LEAFLET_VERSION}; "
            "install the pinned version: pip install django-js-lib-leaflet==1.9.4.1"
        )
    return _safe_inline_script(js)


@functools.cache
def leaflet_css() -> str:
    """Return ``leaflet.css`` with its images inlined as ``data:`` URIs."""
    css = _static_file("leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        return f'url("{_data_uri("images", name)}")'

    css = re.sub(r"url\(\s*['\"]?images/([\w.-]+\.png)['\"]?\s*\)", inline, css)
    if "images/" in css:  # pragma: no cover - a changed upstream stylesheet
        raise RuntimeError("leaflet.css references an image that was not inlined")
    return css


@functools.cache
def marker_icon_options() -> dict[str, str]:
    """``L.Icon.Default`` options pointing at inlined marker images (no file fetch)."""
    return {
        "iconUrl": _data_uri("images", "marker-icon.png"),
        "iconRetinaUrl": _data_uri("images", "marker-icon-2x.png"),
        "shadowUrl": _data_uri("images", "marker-shadow.png"),
    }


def _own_file(name: str) -> str:
    return resources.files("kewaspadaan").joinpath("templates", name).read_text(encoding="utf-8")


@functools.cache
def kewaspadaan_js() -> str:
    """Return our own map script (tooltips, incident clusters, time slider, controls)."""
    return _safe_inline_script(_own_file("kewaspadaan.js"))


@functools.cache
def kewaspadaan_css() -> str:
    """Return our own map stylesheet (legend, title, tooltips, slider)."""
    return _own_file("map.css")


def offline_head() -> str:
    """HTML for ``<head>``: Leaflet CSS+JS, our CSS+JS, all inline. Trusted text, not data."""

    icons = js_json(marker_icon_options())
    return (
        f"<style>{leaflet_css()}</style>\n"
        f"<style>{kewaspadaan_css()}</style>\n"
        f"<script>{leaflet_js()}</script>\n"
        f"<script>L.Icon.Default.imagePath = '';"
        f"L.Icon.Default.mergeOptions({icons});</script>\n"
        f"<script>{kewaspadaan_js()}</script>\n"
    )


def find_external_resources(html: str) -> list[str]:
    """List the URLs in ``html`` that a browser would fetch from another machine.

    Anchors (``<a href>``) are not listed: they are only followed when clicked.

    Parameters
    ----------
    html : str
        An HTML document.

    Returns
    -------
    list of str
        The URLs found (``http://``, ``https://`` or protocol-relative ``//``), in order.

    Examples
    --------
    >>> find_external_resources('<script src="https://cdn.example/x.js"></script><a href="https://a.b">a</a>')
    ['https://cdn.example/x.js']
    """
    found = [m.group(4) for m in _TAG_URL.finditer(html)]
    for css in _css_parts(html):
        found += [m.group(1) for m in _CSS_URL.finditer(css)]
    return found


_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _css_parts(html: str) -> list[str]:
    """The CSS a browser applies: ``<style>`` blocks and ``style=""`` attributes of tags.

    Text (a kecamatan name or an incident note saying ``url(https://…)``) is not CSS: it is
    escaped into the page and never fetched, so it must not be reported.
    """
    parts = [m.group(1) for m in _STYLE_BLOCK.finditer(html)]
    outside = _STYLE_BLOCK.sub("", html)
    for tag in re.finditer(r"<[a-zA-Z][^<>]*>", outside):
        parts += [a or b for a, b in _STYLE_ATTR.findall(tag.group(0))]
    return [p.replace("&quot;", '"').replace("&#34;", '"').replace("&#39;", "'") for p in parts]


def strip_external_resources(html: str) -> str:
    """Remove ``<script src=...>`` and ``<link href=...>`` tags that point to another machine.

    Parameters
    ----------
    html : str
        An HTML document (e.g. rendered by folium, which links jQuery/Bootstrap from CDNs).

    Returns
    -------
    str
        The document without those tags. Each removal is logged at DEBUG level.
    """

    def drop(match: re.Match[str]) -> str:
        logger.debug("removed external resource tag %s", match.group(0)[:120])
        return ""

    return _EXTERNAL_TAG.sub(drop, html)


# ------------------------------------------------------------------------------------------
# Locale strings and templates
# ------------------------------------------------------------------------------------------
@functools.cache
def _strings(language: str) -> dict[str, Any]:
    path = resources.files("kewaspadaan").joinpath("locale", f"{language}.json")
    if not path.is_file():
        raise ValueError(
            f"language {language!r} is not available; use 'id' (Bahasa Indonesia) or 'en' (English)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def load_strings(language: str | None = None) -> dict[str, Any]:
    """Return the user-interface strings of ``language`` (default ``settings.language``).

    Parameters
    ----------
    language : {"id", "en"}, optional
        Bahasa Indonesia or English.

    Returns
    -------
    dict
        A copy of ``kewaspadaan/locale/<language>.json``.
    """
    from kewaspadaan import settings

    return dict(_strings(language or settings.language))


def js_json(obj: Any) -> str:
    r"""JSON safe inside ``<script>``: ``<``, ``>``, ``&`` escaped so no ``</script>`` or ``<!--``.

    Examples
    --------
    >>> print(js_json({"nama": "</script><b>"}))
    {"nama":"\u003c/script\u003e\u003cb\u003e"}
    """
    return (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@functools.cache
def _env() -> jinja2.Environment:
    root = resources.files("kewaspadaan").joinpath("templates")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_template(name: str, **context: Any) -> str:
    """Render ``kewaspadaan/templates/<name>`` with autoescaping (data is always escaped)."""
    return _env().get_template(name).render(**context)
