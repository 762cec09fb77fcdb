"""The data layer: loaders, validation and incident assignment.

- :func:`load_boundaries` — Kemendagri kecamatan/desa/kabupaten boundaries → normalised schema.
- :func:`load_incidents` — ACLED export / generic CSV / point file → :class:`IncidentLoad`
  (valid incidents + rejections with reasons).
- :func:`assign_incidents` — each incident to exactly one kecamatan → :class:`Assignment`.
- :func:`load_terrain` / :func:`write_geotiff` — GeoTIFF DEM ↔ :class:`Terrain`.
- :func:`load_layers` / :func:`load_vector` — every layer of an analysis → :class:`Layers`.

Accounting is exact everywhere: ``incidents read = assigned + rejected``.
"""

from __future__ import annotations

from kewaspadaan.io import acled
from kewaspadaan.io.assign import ASSIGN_RULES, Assignment, assign_incidents
from kewaspadaan.io.boundaries import load_boundaries, normalise_code
from kewaspadaan.io.incidents import AccountingError, IncidentLoad, load_incidents, parse_dates
from kewaspadaan.io.layers import Layers, load_layers, load_vector
from kewaspadaan.io.terrain import Terrain, load_terrain, write_geotiff

__all__ = [
    "ASSIGN_RULES",
    "AccountingError",
    "Assignment",
    "IncidentLoad",
    "Layers",
    "Terrain",
    "acled",
    "assign_incidents",
    "load_boundaries",
    "load_incidents",
    "load_layers",
    "load_terrain",
    "load_vector",
    "normalise_code",
    "parse_dates",
    "write_geotiff",
]
