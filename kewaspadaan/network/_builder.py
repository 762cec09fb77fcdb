"""The accumulator the network builder fills before one bulk insert into networkx (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = ["Builder", "present"]


def present(v: Any) -> bool:
    """Whether a table value is present (not None/NaN)."""
    if v is None:
        return False
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


class Builder:
    """Accumulates nodes and edges (both directions) before one bulk insert into networkx."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, dict[str, Any]]] = []
        self.edges: list[tuple[int, int, dict[str, Any]]] = []
        self.problems: list[str] = []
        self.excluded: list[dict[str, Any]] = []

    def add_nodes(
        self, xy: np.ndarray, kind: str, attrs: list[dict[str, Any]] | None = None
    ) -> np.ndarray:
        """Add nodes at ``xy`` of one kind; return their ids."""
        start = len(self.nodes)
        for i, (x, y) in enumerate(xy.tolist()):
            d = {"x": x, "y": y, "kind": kind}
            if attrs is not None:
                d.update({k: v for k, v in attrs[i].items() if present(v)})
            self.nodes.append((start + i, d))
        return np.arange(start, start + len(xy))

    def add_edge(
        self,
        u: int,
        v: int,
        geom: Any,
        *,
        mode: str,
        kelas: str,
        length_km: float,
        speed_kmh: float,
        extra_time_h: float = 0.0,
        cost: float = 0.0,
        reverse_geom: Any = None,
        back: dict[str, Any] | None = None,
        **attrs: Any,
    ) -> None:
        """Add the edge u→v and v→u; ``back`` overrides attributes of v→u (a river's
        ``speed_kmh`` and ``hilir`` against the current)."""
        d: dict[str, Any] = {
            "mode": mode,
            "kelas": kelas,
            "length_km": length_km,
            "speed_kmh": speed_kmh,
            "extra_time_h": extra_time_h,
            "capacity": np.nan,
            "cost": cost,
            "closed": False,
        }
        d.update(attrs)
        rev = {**d, **(back or {})}
        for e in (d, rev):
            sp, length = float(e["speed_kmh"]), float(e["length_km"])
            move = length / sp if length > 0 and sp > 0 else 0.0
            if length > 0 and not sp > 0:
                move, e["closed"] = np.inf, True  # a boat that cannot stem the current
            e["travel_time_h"] = move + float(e["extra_time_h"])
        self.edges.append((u, v, {**d, "geometry": geom}))
        bgeom = shapely.reverse(geom) if reverse_geom is None else reverse_geom
        self.edges.append((v, u, {**rev, "geometry": bgeom}))

    def xy(self, ids: np.ndarray) -> np.ndarray:
        """Coordinates of nodes ``ids``."""
        return np.array(
            [[self.nodes[i][1]["x"], self.nodes[i][1]["y"]] for i in ids.tolist()], dtype=float
        ).reshape(-1, 2)
