"""Risk on routes: hours spent in kecamatan of class tinggi / sangat tinggi, escort needs, and
the allocation of a given number of security personnel by the planning norm.

The planning norm (``settings.personnel_norm``) follows Polri practice: 2 officers per 10 TPS
where safe, per 2 TPS where rawan, per 1 TPS where sangat rawan; the risk classes ``tinggi`` and
``sangat tinggi`` of the risk engine stand for rawan and sangat rawan.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.network.graph import to_csr

__all__ = [
    "RAWAN_CLASSES",
    "allocate_personnel",
    "escort_needs",
    "normalise_classes",
    "route_risk_exposure",
]

logger = logging.getLogger(__name__)

#: Classes whose kecamatan count as rawan on a route (hours reported in ``jam_zona_rawan_h``).
RAWAN_CLASSES: tuple[str, str] = ("tinggi", "sangat tinggi")


def normalise_classes(risk_table: pd.DataFrame, *, source: str = "risk table") -> pd.Series:
    """Risk classes in Bahasa Indonesia (``rendah`` .. ``sangat tinggi``), English mapped.

    Raises :class:`ValidationError` listing rows with an unknown class.
    """
    for col in ("kode", "kelas"):
        if col not in risk_table:
            raise MissingColumnError(
                f"{source}: column {col!r} is missing (has "
                f"{list(risk_table.columns)}); pass the table written by "
                "`kewaspadaan score` (risiko_kecamatan.gpkg)"
            )
    ids = settings.class_labels["id"]
    mapping = {
        lab: ids[i] for labels in settings.class_labels.values() for i, lab in enumerate(labels)
    }
    kelas = (
        risk_table["kelas"]
        .astype("object")
        .map(lambda v: mapping.get(str(v).strip().lower()) if v is not None else None)
    )
    bad = np.flatnonzero(kelas.isna().to_numpy())
    if len(bad):
        raise ValidationError(
            source,
            [
                f"row {i} (kode {risk_table['kode'].iloc[i]!r}): kelas "
                f"{risk_table['kelas'].iloc[i]!r} is not one of {list(ids)}"
                for i in bad[:20]
            ],
        )
    return pd.Series(kelas.to_numpy(), index=risk_table.index, name="kelas")


def _edge_fraction_by_class(
    G: nx.MultiDiGraph, edges: list[tuple[Any, Any, Any]], risk: pd.DataFrame, kelas: pd.Series
) -> dict[str, np.ndarray]:
    """Share of each edge lying in kecamatan of each rawan class."""
    out = {}
    if isinstance(risk, gpd.GeoDataFrame) and risk.geometry.notna().any():
        polys = risk.to_crs(G.graph["crs"]) if risk.crs is not None else None
        if polys is None:
            raise MissingColumnError("risk table has geometry but no CRS; set it")
        geoms = np.array([_edge_geom(G, e) for e in edges], dtype=object)
        lengths = shapely.length(geoms)
        for cls in RAWAN_CLASSES:
            area = shapely.union_all(polys.geometry.values[(kelas == cls).to_numpy()])
            shapely.prepare(area)
            inside = (
                shapely.length(shapely.intersection(geoms, area))
                if not area.is_empty
                else np.zeros(len(edges))
            )
            point_in = shapely.intersects(geoms, area).astype(float)
            out[cls] = np.where(lengths > 0, inside / np.where(lengths > 0, lengths, 1), point_in)
        return out
    # no geometry: the kecamatan of each end node (half each)
    cls_of = dict(zip(risk["kode"].astype(str), kelas, strict=True))
    missing_kec = sum(1 for u, v, _ in edges if G.nodes[u].get("kode_kec") is None)
    if missing_kec:
        logger.warning(
            "risk table without geometry: %d path edges start at nodes without "
            "kode_kec and count as outside rawan zones",
            missing_kec,
        )
    for cls in RAWAN_CLASSES:
        out[cls] = np.array(
            [
                (
                    0.5 * (cls_of.get(str(G.nodes[u].get("kode_kec"))) == cls)
                    + 0.5 * (cls_of.get(str(G.nodes[v].get("kode_kec"))) == cls)
                )
                for u, v, _ in edges
            ],
            dtype=float,
        )
    return out


def _edge_geom(G: nx.MultiDiGraph, e: tuple[Any, Any, Any]) -> Any:
    u, v, k = e
    g = G.edges[u, v, k].get("geometry")
    if g is None:
        g = shapely.LineString(
            [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
        )
    return g


def route_risk_exposure(
    G: nx.MultiDiGraph, paths: Mapping[str, list[Any]], risk_table: pd.DataFrame
) -> pd.DataFrame:
    """Hours each route spends in kecamatan of class tinggi and sangat tinggi.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network the paths run on.
    paths : mapping
        ``{tujuan_kode: [node, ...]}`` (``route_all(..., return_paths=True)``).
    risk_table : DataFrame or GeoDataFrame
        ``kode`` and ``kelas`` (rendah/sedang/tinggi/sangat tinggi); with polygons (any CRS) the
        share of each edge inside each class is measured; without, each edge counts half in
        the kecamatan (``kode_kec``) of each end node.

    Returns
    -------
    DataFrame
        Indexed by ``tujuan_kode``: ``jam_tinggi_h``, ``jam_sangat_tinggi_h``,
        ``jam_zona_rawan_h`` (their sum), ``kelas_tertinggi`` (``sangat tinggi``, ``tinggi`` or
        empty).
    """
    kelas = normalise_classes(risk_table)
    csr = to_csr(G)
    edges = sorted(
        {(u, v, csr.edge_key(u, v)) for p in paths.values() for u, v in itertools.pairwise(p)},
        key=str,
    )
    pos = {e: i for i, e in enumerate(edges)}
    hours = np.array([G.edges[e]["travel_time_h"] for e in edges], dtype=float)
    frac = (
        _edge_fraction_by_class(G, edges, risk_table, kelas)
        if edges
        else {c: np.zeros(0) for c in RAWAN_CLASSES}
    )
    rows = []
    for kode, p in paths.items():
        idx = [pos[(u, v, csr.edge_key(u, v))] for u, v in itertools.pairwise(p)]
        t = float((hours[idx] * frac["tinggi"][idx]).sum()) if idx else 0.0
        st = float((hours[idx] * frac["sangat tinggi"][idx]).sum()) if idx else 0.0
        top = "sangat tinggi" if st > 0 else ("tinggi" if t > 0 else "")
        rows.append(
            {
                "tujuan_kode": kode,
                "jam_tinggi_h": t,
                "jam_sangat_tinggi_h": st,
                "jam_zona_rawan_h": t + st,
                "kelas_tertinggi": top,
            }
        )
    cols = [
        "tujuan_kode",
        "jam_tinggi_h",
        "jam_sangat_tinggi_h",
        "jam_zona_rawan_h",
        "kelas_tertinggi",
    ]
    return pd.DataFrame(rows, columns=cols).set_index("tujuan_kode")


def escort_needs(
    routes: pd.DataFrame | None = None,
    *,
    plan: Any = None,
    officers: Mapping[str, int] | None = None,
    riam_trips: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Escort (pengawalan) per route, or per trip of a delivery plan.

    A route or trip needs an escort when it passes through a rawan kecamatan (escort size
    ``officers[highest class crossed]``, ``settings.escort_officers``) or, a trip, when its
    boat runs a riam reach (hazard: ``settings.escort_riam_officers`` water police / SAR more).

    Parameters
    ----------
    routes : DataFrame, optional
        Route table from ``route_all(..., risk=...)`` (``kelas_tertinggi``,
        ``jam_zona_rawan_h``); without it (no risk table) only riam hazards count.
    plan : DeliveryPlan, optional
        With a plan, one row per trip: the highest class over its stops.
    officers : mapping, optional
        Officers per convoy by class (default ``settings.escort_officers``).
    riam_trips : iterable of str, optional
        ``trip_id`` of the plan's trips that run a riam reach.

    Returns
    -------
    DataFrame
        Per route: ``tujuan_kode``, ``depot``, ``jam_zona_rawan_h``, ``kelas_tertinggi``,
        ``perlu_pengawalan``, ``personel_pengawal``; per trip: ``trip_id``, ``kendaraan``,
        ``depot``, the same risk columns and ``bahaya_riam``.
    """
    officers = dict(settings.escort_officers if officers is None else officers)
    if routes is not None and "kelas_tertinggi" not in routes:
        raise MissingColumnError(
            "escort_needs: the routes lack 'kelas_tertinggi'; compute them "
            "with route_all(..., risk=risk_table)"
        )
    if routes is None and plan is None:
        raise ValueError("escort_needs: give routes (with risk) or a plan")
    cols = ["tujuan_kode", "depot", "jam_zona_rawan_h", "kelas_tertinggi"]
    if routes is not None:
        r = pd.DataFrame(routes[cols])
        r["kelas_tertinggi"] = r["kelas_tertinggi"].fillna("")
    else:
        r = pd.DataFrame(columns=cols)
    if plan is None:
        r["perlu_pengawalan"] = r["kelas_tertinggi"].isin(list(officers))
        r["personel_pengawal"] = r["kelas_tertinggi"].map(officers).fillna(0).astype(int)
        return r.reset_index(drop=True)
    stops = plan.stops.merge(
        r[["tujuan_kode", "jam_zona_rawan_h", "kelas_tertinggi"]], on="tujuan_kode", how="left"
    )
    rank = {"": 0, "tinggi": 1, "sangat tinggi": 2}
    stops["_r"] = stops["kelas_tertinggi"].fillna("").map(rank).fillna(0)
    g = stops.groupby("trip_id")
    trips = plan.trips[["trip_id", "kendaraan", "depot"]].set_index("trip_id")
    trips["jam_zona_rawan_h"] = g["jam_zona_rawan_h"].max()
    inv = {v: k for k, v in rank.items()}
    trips["kelas_tertinggi"] = g["_r"].max().map(inv).reindex(trips.index).fillna("")
    trips["bahaya_riam"] = trips.index.isin(list(riam_trips) if riam_trips is not None else [])
    trips["perlu_pengawalan"] = trips["kelas_tertinggi"].isin(list(officers)) | trips["bahaya_riam"]
    trips["personel_pengawal"] = trips["kelas_tertinggi"].map(officers).fillna(0).astype(int) + (
        trips["bahaya_riam"].astype(int) * int(settings.escort_riam_officers)
    )
    return trips.reset_index()


def _largest_remainder(quota: np.ndarray, total: int, tiebreak: np.ndarray) -> np.ndarray:
    """Integer allocation summing to ``total`` (Hamilton's method; ties by ``tiebreak`` asc)."""
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    if left > 0:
        order = np.lexsort((tiebreak, -(quota - base)))
        base[order[:left]] += 1
    return base


def allocate_personnel(
    risk_table: pd.DataFrame,
    *,
    total_officers: int,
    tps: pd.DataFrame | pd.Series | None = None,
    norm: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Officers needed per kecamatan by the norm, and the allocation of a given total.

    Need = ceil(tps x officers / per_tps) for the kecamatan's class. The ``total_officers`` are
    shared in proportion to need by the largest-remainder method (deterministic: ties go to the
    higher class, then the lower ``kode``), so every kecamatan gets at least its need when the
    total covers the sum of needs; otherwise the shortfall is reported per kecamatan.

    Parameters
    ----------
    risk_table : DataFrame
        ``kode``, ``kelas`` (and ``tps`` unless given separately; ``nama`` kept if present).
    total_officers : int
        Officers available (>= 0).
    tps : DataFrame or Series, optional
        TPS per kecamatan: a Series indexed by ``kode`` or a DataFrame with ``kode``, ``tps``
        (e.g. the kecamatan layer); wins over a ``tps`` column of ``risk_table``.
    norm : mapping, optional
        ``{kelas: {"officers": 2, "per_tps": 10}}`` (default ``settings.personnel_norm``).

    Returns
    -------
    DataFrame
        ``kode``, ``nama``, ``kelas``, ``tps``, ``kebutuhan``, ``alokasi``, ``kekurangan``;
        ``attrs`` hold ``total_kebutuhan``, ``total_alokasi`` and ``total_kekurangan``.

    Examples
    --------
    >>> import pandas as pd
    >>> risk = pd.DataFrame({"kode": ["a", "b"], "kelas": ["rendah", "sangat tinggi"],
    ...                      "tps": [20, 3]})
    >>> allocate_personnel(risk, total_officers=8)[["kode", "kebutuhan", "alokasi"]]
      kode  kebutuhan  alokasi
    0    a          4        3
    1    b          6        5
    """
    norm = settings.personnel_norm if norm is None else norm
    if total_officers < 0:
        raise ValueError(f"total_officers must be >= 0, got {total_officers}")
    kelas = normalise_classes(risk_table)
    df = pd.DataFrame(
        {
            "kode": risk_table["kode"].astype(str).to_numpy(),
            "nama": (risk_table["nama"].to_numpy() if "nama" in risk_table else None),
            "kelas": kelas.to_numpy(),
        }
    )
    df["tps"] = _tps_for(df, risk_table, tps)
    missing_norm = sorted(set(df["kelas"]) - set(norm))
    if missing_norm:
        raise ValidationError(
            "personnel_norm",
            [f"no norm for class {c!r}; add {{officers=.., per_tps=..}}" for c in missing_norm],
        )
    per = df["kelas"].map(lambda c: norm[c]["officers"] / norm[c]["per_tps"])
    df["kebutuhan"] = [math.ceil(t * p - 1e-9) for t, p in zip(df["tps"], per, strict=True)]
    need = df["kebutuhan"].to_numpy(float)
    if need.sum() > 0:
        quota = total_officers * need / need.sum()
        cls_rank = df["kelas"].map({c: -i for i, c in enumerate(settings.class_labels["id"])})
        tie = np.argsort(np.lexsort((df["kode"].to_numpy(), cls_rank.to_numpy())))
        df["alokasi"] = _largest_remainder(quota, total_officers, tie)
    else:
        df["alokasi"] = 0
    df["kekurangan"] = (df["kebutuhan"] - df["alokasi"]).clip(lower=0)
    df.attrs.update(
        total_kebutuhan=int(need.sum()),
        total_alokasi=int(df["alokasi"].sum()),
        total_kekurangan=int(df["kekurangan"].sum()),
    )
    logger.info(
        "personnel: need %d, available %d, shortfall %d",
        int(need.sum()),
        total_officers,
        int(df["kekurangan"].sum()),
    )
    return df


def _tps_for(
    df: pd.DataFrame, risk_table: pd.DataFrame, tps: pd.DataFrame | pd.Series | None
) -> np.ndarray:
    if tps is not None:
        if isinstance(tps, pd.DataFrame):
            tps = tps.assign(kode=tps["kode"].astype(str)).set_index("kode")["tps"]
        s = pd.Series(tps)
        s.index = s.index.astype(str)
        vals = df["kode"].map(s)
    elif "tps" in risk_table:
        vals = pd.Series(risk_table["tps"].to_numpy(), index=df.index)
    else:
        raise MissingColumnError(
            "allocate_personnel: no 'tps' column in the risk table; pass "
            "tps= (the kecamatan layer with kode, tps)"
        )
    vals = pd.to_numeric(vals, errors="coerce")
    bad = np.flatnonzero(vals.isna().to_numpy() | (vals < 0).to_numpy())
    if len(bad):
        raise ValidationError(
            "tps",
            [
                f"kecamatan {df['kode'].iloc[i]!r}: tps missing or "
                "negative; give every kecamatan its TPS count"
                for i in bad[:20]
            ],
        )
    return vals.to_numpy(float)
