"""The data layer: one loader, readers for what users hold, validation and assignment.

- :func:`load_layers` — every layer of an analysis from a project file (``kewaspadaan.toml``),
  ``paths=``, or the demonstration province when nothing is given → :class:`Layers` (with the
  provenance of every file, incidents and DEM read once and cached);
- :mod:`~kewaspadaan.io.project` — the project file; :mod:`~kewaspadaan.io.registry` — the
  layers it may name; :mod:`~kewaspadaan.io.derive` — what is derived from what (settlements,
  capitals, assumed warehouses, coastline, TPS and population onto units);
- readers: :func:`load_boundaries` (Kemendagri kabupaten/kecamatan/desa), :func:`load_incidents`
  (ACLED CSV/xlsx, UCDP GED, generic tables, point layers), :func:`load_field_reports`
  (Kesbangpol/FKDM reports placed by name or code), :func:`read_osm_lines` (OSM ``.osm.pbf``,
  osmnx GraphML/GeoPackage), :func:`read_airports` (OurAirports), :func:`read_tps` /
  :func:`read_population` (KPU/BPS tables), :func:`load_terrain_tiles` (GeoTIFF tiles, any
  CRS), :func:`read_table` (CSV in any common encoding, XLSX, ODS);
- :func:`assign_incidents` — each incident to exactly one unit → :class:`Assignment`;
  :func:`merge_duplicates` — one event reported by several sources counted once.

Accounting is exact everywhere: ``incidents read = assigned + rejected``.
"""

from __future__ import annotations

from kewaspadaan.io import acled, ucdp
from kewaspadaan.io.airports import read_airports
from kewaspadaan.io.assign import ASSIGN_RULES, Assignment, assign_incidents, merge_duplicates
from kewaspadaan.io.boundaries import load_boundaries, normalise_code
from kewaspadaan.io.field_reports import load_field_reports
from kewaspadaan.io.incidents import (
    AccountingError,
    IncidentLoad,
    combine_loads,
    load_incidents,
    parse_dates,
)
from kewaspadaan.io.layers import Layers, LayerSource, load_demo, load_layers
from kewaspadaan.io.osm import read_osm_lines
from kewaspadaan.io.project import PROJECT_FILE, Project, read_project, write_template
from kewaspadaan.io.readers import load_vector, read_incident_file
from kewaspadaan.io.registry import LAYERS
from kewaspadaan.io.tables import read_table
from kewaspadaan.io.terrain import Terrain, load_terrain, load_terrain_tiles, write_geotiff
from kewaspadaan.io.unit_tables import read_population, read_tps

__all__ = [
    "ASSIGN_RULES",
    "LAYERS",
    "PROJECT_FILE",
    "AccountingError",
    "Assignment",
    "IncidentLoad",
    "LayerSource",
    "Layers",
    "Project",
    "Terrain",
    "acled",
    "assign_incidents",
    "combine_loads",
    "load_boundaries",
    "load_demo",
    "load_field_reports",
    "load_incidents",
    "load_layers",
    "load_terrain",
    "load_terrain_tiles",
    "load_vector",
    "merge_duplicates",
    "normalise_code",
    "parse_dates",
    "read_airports",
    "read_incident_file",
    "read_osm_lines",
    "read_population",
    "read_project",
    "read_table",
    "read_tps",
    "ucdp",
    "write_geotiff",
    "write_template",
]
