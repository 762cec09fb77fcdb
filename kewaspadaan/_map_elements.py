"""folium elements of our own, used by :mod:`kewaspadaan.maps` and its layers.

- :class:`Snippet` — one line of our JavaScript with ``{map}``/``{element}`` placeholders;
- :class:`HtmlBlock` — escaped HTML from our templates moved into the map by our script
  (legend, title);
- :class:`ScriptLayer` — a layer built by a factory of ``kewaspadaan.js`` (incidents);
- :func:`bind_info`, :func:`register`, :func:`stable_ids` — tooltips, the layer registry read by
  the tests and the screenshot script, and sequential element ids (same input, same bytes).
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode

from kewaspadaan._assets import js_json, render_template

__all__ = ["HtmlBlock", "ScriptLayer", "Snippet", "bind_info", "register", "stable_ids"]


def _parent_name(element: MacroElement) -> str:
    parent = element._parent
    if parent is None:
        raise RuntimeError(f"{element.get_name()} must be added to a map before rendering")
    return parent.get_name()


class Snippet(MacroElement):
    """A line of our JS; ``{map}`` and named ``{element}`` placeholders are filled at render."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str, **elements: Any) -> None:
        super().__init__()
        self._name = "KwSnippet"
        self._code = code
        self._elements = elements
        self.code = ""

    def render(self, **kwargs: Any) -> Any:
        names = {k: v.get_name() for k, v in self._elements.items()}
        self.code = self._code.format(map=_parent_name(self), **names)
        return super().render(**kwargs)


class HtmlBlock(MacroElement):
    """Escaped HTML (rendered by our autoescaping Jinja templates) moved into the map by JS."""

    _template = Template(
        "{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}"
        "{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}"
    )

    def __init__(self, template: str, js: str, **context: Any) -> None:
        super().__init__()
        self._name = "KwBlock"
        self._kw_template = template
        self._js = js
        self._context = context
        self.content = self.code = ""

    def render(self, **kwargs: Any) -> Any:
        element_id = self.get_name().replace("_", "-")
        self.content = render_template(self._kw_template, element_id=element_id, **self._context)
        self.code = self._js.format(map=_parent_name(self), id=json.dumps(element_id))
        return super().render(**kwargs)


class ScriptLayer(Layer):
    """A layer built by a factory of our script (``kewaspadaan.<factory>(map, spec)``)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = kewaspadaan.{{ this.factory }}("
        "{{ this._parent.get_name() }}, {{ this.payload }});\n"
        "kewaspadaan.register({{ this.key|tojson }}, {{ this.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(
        self, factory: str, spec: dict[str, Any], *, key: str, name: str, show: bool = True
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "KwLayer"
        self.factory = factory
        self.key = key
        self.payload = js_json(spec)


def bind_info(labels: list[str]) -> JsCode:
    """``onEachFeature`` binding our two-column tooltip card with ``labels``."""
    return JsCode(
        f"function (feature, layer) {{ kewaspadaan.bindInfo(feature, layer, {js_json(labels)}); }}"
    )


def register(m: folium.Map, key: str, layer: Any) -> None:
    """Register ``layer`` as ``kewaspadaan.layers[key]`` in the page."""
    m.add_child(Snippet("kewaspadaan.register(" + js_json(key) + ", {layer});", layer=layer))


def stable_ids(m: folium.Map) -> None:
    """Give every element a sequential id so the same input renders to the same bytes."""
    seen: set[int] = set()
    counter = 0

    def walk(el: Any) -> None:
        nonlocal counter
        if id(el) in seen:
            return
        seen.add(id(el))
        el._id = f"{counter:04d}"
        counter += 1
        for child in list(el._children.values()):
            walk(child)

    walk(m.get_root())
