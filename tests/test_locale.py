"""Language at the edge only: both locale files carry the same keys, values stay identifiers,
and an Indonesian page shows no English string from the code."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest
from builders import AS_OF, late_plan, synthetic_layers

from kewaspadaan import _assets, _labels, maps, report
from kewaspadaan.schema import DELIVERY_STATUS, HOTSPOT_TRENDS, MODES, RISK_CLASSES


def _load(lang: str) -> dict[str, Any]:
    path = resources.files("kewaspadaan").joinpath("locale", f"{lang}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _shape(obj: Any, prefix: str = "") -> dict[str, str]:
    """Every key path and the type of its value (lists by their length)."""
    if isinstance(obj, dict):
        out: dict[str, str] = {}
        for k, v in obj.items():
            out.update(_shape(v, f"{prefix}{k}."))
        return out
    if isinstance(obj, list):
        return {prefix: f"list[{len(obj)}]"}
    return {prefix: type(obj).__name__}


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return [obj] if isinstance(obj, str) else []


def test_same_keys_and_shapes() -> None:
    ids, en = _shape(_load("id")), _shape(_load("en"))
    assert sorted(set(ids) ^ set(en)) == []
    assert ids == en


def test_every_identifier_has_a_label() -> None:
    for lang in ("id", "en"):
        t = _load(lang)
        assert set(t["classes"]) == set(RISK_CLASSES)
        assert set(MODES) <= set(t["modes"])
        assert set(t["statuses"]) == set(DELIVERY_STATUS)
        assert set(t["trends"]) == set(HOTSPOT_TRENDS)
        assert len(t["months"]) == 12
    assert _labels.mode_label("road+river", "id") == "darat + sungai"
    assert _labels.status_label("tidak_terjangkau", "en") == "cut off"
    assert _labels.fmt_number(1234567.891, 1, "id") == "1.234.567,9"
    assert _labels.fmt_number(-1234.5, 1, "en", sign=True) == "-1,234.5"
    assert _labels.fmt_number(3.25, 1, "id", sign=True) == "+3,2"


def test_templates_use_only_existing_keys() -> None:
    """A ``t.key`` in a template that the locale lacks would fail at render time."""
    keys = set(_load("id"))
    root = resources.files("kewaspadaan").joinpath("templates")
    used: set[str] = set()
    for name in ("report.html.j2", "legend.html.j2", "title.html.j2"):
        used |= set(re.findall(r"\bt\.([a-z_0-9]+)", root.joinpath(name).read_text("utf-8")))
    assert used and used <= keys, sorted(used - keys)


def _english_only() -> set[str]:
    """English strings of en.json that are not also Indonesian (long enough to be words)."""
    ids = set(_strings(_load("id")))
    en = {s for s in _strings(_load("en")) if s not in ids}
    return {s for s in en if len(s) >= 5 and "{" not in s} | {
        part.strip()
        for s in en
        if "{" in s
        for part in re.split(r"\{[^}]*\}", s)
        if len(part.strip()) >= 12
    }


@pytest.fixture(scope="module")
def indonesian_page() -> str:
    layers = synthetic_layers()
    plan = late_plan(layers["routes"])
    return report.build_report(
        layers["risk"],
        incidents=layers["incidents"],
        routes=layers["routes"],
        plan=plan,
        depots=layers["depots"],
        critical_links=layers["critical_links"],
        as_of=AS_OF,
        missing={"elev_mean_m": "no DEM (terrain raster) given"},
    )


def test_indonesian_page_shows_no_english_from_the_code(indonesian_page: str) -> None:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", indonesian_page, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    # the map's labels and values travel as JSON inside our script: check them too (Leaflet's
    # own defaults, e.g. its zoom button titles, are replaced by ours and not searched)
    ours = indonesian_page.replace(_assets.leaflet_js(), "")
    data = " ".join(re.findall(r'"(?:[^"\\]|\\.)*"', ours))
    leaks = sorted(s for s in _english_only() if s in text or f'"{s}"' in data)
    assert leaks == []


def test_map_language_changes_labels_never_values() -> None:
    layers = synthetic_layers(n_incidents=0)
    page_en = maps.render_map_html(maps.risk_map(layers["risk"], language="en"))
    page_id = maps.render_map_html(maps.risk_map(layers["risk"], language="id"))
    for kelas in RISK_CLASSES:  # the data value is the same in both
        assert f'"kelas": "{kelas}"' in page_en and f'"kelas": "{kelas}"' in page_id
    assert "very high" in page_en and "very high" not in page_id
