"""Election logistics on a multimodal network (road, river, sea, air).

Kernel and registry (imported by everything else, importing nothing of the rest):

- :mod:`~kewaspadaan.network.graph`: the edges as arrays, CSR matrices, shortest paths.
- :mod:`~kewaspadaan.network.modes`: the registry of modes and vehicle types, the
  operating-hours clock.

Building and routing:

- :mod:`~kewaspadaan.network.build`: the networkx model from layers (:func:`build_network`),
  with :mod:`~kewaspadaan.network.lines`, :mod:`~kewaspadaan.network.rivers`,
  :mod:`~kewaspadaan.network.sea` and :mod:`~kewaspadaan.network.terminals`.
- :mod:`~kewaspadaan.network.routing`: fastest routes with deadline checks (:func:`route_all`).
- :mod:`~kewaspadaan.network.travel`: travel-time and distance matrices per vehicle type.

Planning:

- :mod:`~kewaspadaan.network.fleet`: the fleet table and its vehicles.
- :mod:`~kewaspadaan.network.plan`: the delivery plan by echelon (:func:`plan_deliveries`),
  solved by :mod:`~kewaspadaan.network.vrp` (OR-Tools) from :mod:`~kewaspadaan.network.savings`
  and judged by :mod:`~kewaspadaan.network.schedule`.

Disruption and security:

- :mod:`~kewaspadaan.network.disruption`: closures as data (:class:`Closure`), their impact.
- :mod:`~kewaspadaan.network.critical`: critical links (:func:`critical_links`).
- :mod:`~kewaspadaan.network.security`: hours in rawan kecamatan, escorts, personnel.
"""

from __future__ import annotations

from kewaspadaan.network import (
    build,
    critical,
    disruption,
    fleet,
    graph,
    modes,
    plan,
    rivers,
    routing,
    security,
    travel,
)
from kewaspadaan.network.build import build_network, graph_to_gdfs
from kewaspadaan.network.critical import critical_links
from kewaspadaan.network.delivery import DeliveryPlan
from kewaspadaan.network.disruption import (
    SCENARIOS,
    Closure,
    close_edges,
    close_low_water,
    disruption_report,
)
from kewaspadaan.network.fleet import validate_fleet
from kewaspadaan.network.graph import edge_table, to_csr, travel_time_matrix
from kewaspadaan.network.modes import VehicleType, WorkClock, vehicle_type, vehicle_types
from kewaspadaan.network.plan import plan_deliveries
from kewaspadaan.network.rivers import mark_riam, riam_reaches
from kewaspadaan.network.routing import (
    depot_table,
    destination_table,
    echelon_deadlines,
    route_all,
)
from kewaspadaan.network.security import allocate_personnel, escort_needs, route_risk_exposure
from kewaspadaan.network.travel import travel_matrices, vehicle_network

__all__ = [
    "SCENARIOS",
    "Closure",
    "DeliveryPlan",
    "VehicleType",
    "WorkClock",
    "allocate_personnel",
    "build",
    "build_network",
    "close_edges",
    "close_low_water",
    "critical",
    "critical_links",
    "depot_table",
    "destination_table",
    "disruption",
    "disruption_report",
    "echelon_deadlines",
    "edge_table",
    "escort_needs",
    "fleet",
    "graph",
    "graph_to_gdfs",
    "mark_riam",
    "modes",
    "plan",
    "plan_deliveries",
    "riam_reaches",
    "rivers",
    "route_all",
    "route_risk_exposure",
    "routing",
    "security",
    "to_csr",
    "travel",
    "travel_matrices",
    "travel_time_matrix",
    "validate_fleet",
    "vehicle_network",
    "vehicle_type",
    "vehicle_types",
]
