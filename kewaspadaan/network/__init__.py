"""Election logistics on a multimodal network (road, river, sea, air) — issue 4.

- :mod:`~kewaspadaan.network.build`: the networkx model from layers (:func:`build_network`).
- :mod:`~kewaspadaan.network.routing`: depot-to-all travel times on scipy csgraph, fastest
  routes with deadline checks (:func:`route_all`).
- :mod:`~kewaspadaan.network.plan`: vehicle trips with capacities (:func:`plan_deliveries`).
- :mod:`~kewaspadaan.network.disruption`: closures, their impact, critical links.
- :mod:`~kewaspadaan.network.security`: hours in rawan kecamatan, escorts, personnel allocation.
"""

from __future__ import annotations

from kewaspadaan.network import build, disruption, plan, routing, security
from kewaspadaan.network.build import build_network, graph_to_gdfs, read_network_layers
from kewaspadaan.network.disruption import (
    close_edges,
    close_low_water,
    critical_links,
    disruption_report,
)
from kewaspadaan.network.plan import DeliveryPlan, plan_deliveries
from kewaspadaan.network.routing import (
    depot_table,
    destination_table,
    route_all,
    travel_time_matrix,
)
from kewaspadaan.network.security import allocate_personnel, escort_needs, route_risk_exposure

__all__ = [
    "DeliveryPlan",
    "allocate_personnel",
    "build",
    "build_network",
    "close_edges",
    "close_low_water",
    "critical_links",
    "depot_table",
    "destination_table",
    "disruption",
    "disruption_report",
    "escort_needs",
    "graph_to_gdfs",
    "plan",
    "plan_deliveries",
    "read_network_layers",
    "route_all",
    "route_risk_exposure",
    "routing",
    "security",
    "travel_time_matrix",
]
