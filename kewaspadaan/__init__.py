"""kewaspadaan: early warning (kewaspadaan dini) for Indonesian local government.

Risk scoring per kecamatan/desa, election logistics on a multimodal network, offline maps and
reports. See the README for a tour.

Public modules (imported on first use, so the command line starts quickly):

- :mod:`kewaspadaan.io` — loaders (boundaries, ACLED/generic incidents, GeoTIFF, layer folders)
  and incident assignment with exact accounting;
- :mod:`kewaspadaan.features` — terrain, geography, remoteness and incident-history features;
- :mod:`kewaspadaan.raster`, :mod:`kewaspadaan.spatial` — zonal statistics, cost distance,
  spatial weights, spatial lag, Getis-Ord Gi*;
- :mod:`kewaspadaan.risk`, :mod:`kewaspadaan.scoring` — composite index (weights,
  normalisation, classes, drivers) and the scoring run;
- :mod:`kewaspadaan.forecast`, :mod:`kewaspadaan.model` — count forecasts to voting day with
  intervals, chosen and backtested out of sample against naive baselines;
- :mod:`kewaspadaan.network`, :mod:`kewaspadaan.logistics` — multimodal logistics network,
  routes, delivery plan, disruption, critical links, security on routes;
- :mod:`kewaspadaan.maps`, :mod:`kewaspadaan.report` — offline folium map and HTML report;
- :mod:`kewaspadaan.pipeline` — the main job end to end (``kewaspadaan run``);
- :mod:`kewaspadaan.demo` — the generated demonstration province (synthetic, not real);
- :mod:`kewaspadaan.settings`, :mod:`kewaspadaan.schema`, :mod:`kewaspadaan.crs`.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from kewaspadaan import crs, schema, settings

try:
    __version__ = version("kewaspadaan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

_LAZY_MODULES = (
    "demo",
    "features",
    "forecast",
    "io",
    "logistics",
    "maps",
    "model",
    "network",
    "pdf",
    "pipeline",
    "raster",
    "report",
    "risk",
    "scoring",
    "spatial",
    "static_map",
)

__all__ = ["__version__", "crs", "schema", "settings", *_LAZY_MODULES]

if TYPE_CHECKING:  # pragma: no cover
    from kewaspadaan import (  # noqa: F401
        demo,
        features,
        forecast,
        io,
        logistics,
        maps,
        model,
        network,
        pdf,
        pipeline,
        raster,
        report,
        risk,
        scoring,
        spatial,
        static_map,
    )


def __getattr__(name: str) -> Any:
    """Import a public submodule on first access (PEP 562)."""
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"kewaspadaan.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'kewaspadaan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES))
