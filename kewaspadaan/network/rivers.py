"""Rivers as they are: direction of flow, current, riam (rapid) reaches and water stage.

Rules (each a setting or a data column, none hidden in code):

1. **Direction.** A river line is drawn downstream (source first), the hydrological convention
   (the demo's reaches, Natural Earth's Mahakam). A layer drawn the other way says so per row
   in column ``arah_digitasi`` = ``"hulu"`` (``"hilir"`` = drawn downstream, the default).
2. **Current.** ``arus_kmh`` per reach if the layer has it, else
   ``settings.river_current_kmh[navigasi]``; times the water stage's ``arus`` factor. A boat's
   speed over ground is its still-water speed minus the current upstream, plus it downstream.
3. **Riam.** A reach is riam when the layer's ``riam`` column is true, its ``navigasi`` is
   ``jeram``, or it lies on a reach of an explicit list (:func:`mark_riam`; the list shipped
   for Kalimantan Timur is :func:`riam_reaches`). Only vehicle types with ``riam=True``
   (longboat, ketinting) pass them, at most ``settings.river_riam_speed_kmh``; riam edges carry
   ``bahaya=True``, which the escort table reads.
4. **Water stage** (:func:`water_stage`): ``normal``, ``surut`` (low water: reaches flagged
   ``surut_musiman`` close) or ``banjir`` (high water: riam close), from a scenario name or the
   month of voting day (``settings.water_stage_by_month``).
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError

__all__ = [
    "RIAM_COLUMNS",
    "mark_riam",
    "riam_reaches",
    "river_speed_kmh",
    "water_stage",
    "water_stage_effect",
]

logger = logging.getLogger(__name__)

#: Columns of a riam reach list (one row per reach of a named river): ``sungai`` (the river's
#: ``nama``), ``nama_riam``, the downstream limit ``lon_hilir``/``lat_hilir`` and the upstream
#: limit ``lon_hulu``/``lat_hulu`` (EPSG:4326; empty = up to the source), ``sumber``.
RIAM_COLUMNS: tuple[str, ...] = (
    "sungai",
    "nama_riam",
    "lon_hilir",
    "lat_hilir",
    "lon_hulu",
    "lat_hulu",
    "sumber",
)


def riam_reaches() -> pd.DataFrame:
    """The riam reach list shipped for Kalimantan Timur (``network/data/riam_kaltim.csv``).

    The upper Mahakam above Long Bagun: Riam Haloq, Udang and Panjang between Long Bagun and
    Long Pahangai, and the riam of Long Pahangai and Long Apari up to Riam Enam Sebelas above
    Tiong Ohang (sources in the ``sumber`` column).
    """
    with (
        resources.files("kewaspadaan.network")
        .joinpath("data/riam_kaltim.csv")
        .open(encoding="utf-8") as fh
    ):
        return pd.read_csv(fh)


def water_stage(stage: str | None = None, *, date: Any = None) -> str:
    """Name of the water stage: ``stage`` itself, or the month of ``date`` (voting day).

    Parameters
    ----------
    stage : str, optional
        A key of ``settings.water_stage_effects`` or ``"auto"`` (default
        ``settings.water_stage``).
    date : date-like, optional
        Used with ``"auto"`` (default ``settings.voting_day``).
    """
    stage = settings.water_stage if stage is None else stage
    if stage == "auto":
        month = pd.Timestamp(settings.voting_day if date is None else date).month
        stage = settings.water_stage_by_month.get(str(month), "normal")
    if stage not in settings.water_stage_effects:
        raise ValueError(
            f"water stage {stage!r} is not one of {sorted(settings.water_stage_effects)} "
            "or 'auto' (settings.water_stage_effects)"
        )
    return stage


def water_stage_effect(stage: str | None = None) -> dict[str, Any]:
    """The effects of a water stage (``arus``, ``tutup_surut_musiman``, ``tutup_riam``)."""
    return dict(settings.water_stage_effects[water_stage(stage)])


def river_speed_kmh(
    still_kmh: np.ndarray | float,
    arus_kmh: np.ndarray,
    downstream: np.ndarray,
    riam: np.ndarray,
) -> np.ndarray:
    """Speed over ground (km/h) of a boat of still-water speed ``still_kmh`` on river edges.

    ``still - current`` upstream, ``still + current`` downstream, capped on riam reaches at
    ``settings.river_riam_speed_kmh``; 0 where the boat cannot stem the current.

    Examples
    --------
    >>> river_speed_kmh(20.0, np.array([3.0, 3.0]), np.array([True, False]),
    ...                 np.array([False, False])).tolist()
    [23.0, 17.0]
    """
    v = np.asarray(still_kmh, dtype=float) + np.where(downstream, arus_kmh, -arus_kmh)
    cap = np.where(
        downstream, settings.river_riam_speed_kmh["hilir"], settings.river_riam_speed_kmh["hulu"]
    )
    v = np.where(riam, np.minimum(v, cap), v)
    return np.maximum(v, 0.0)


def drawn_downstream(rivers: pd.DataFrame) -> np.ndarray:
    """Rule 1: whether each row's line is drawn downstream (``arah_digitasi`` != ``hulu``)."""
    if "arah_digitasi" not in rivers:
        return np.ones(len(rivers), dtype=bool)
    arah = rivers["arah_digitasi"].fillna("hilir").astype(str).str.lower()
    bad = ~arah.isin(["hilir", "hulu"])
    if bad.any():
        raise ValidationError(
            "sungai",
            [
                f"row {i}: arah_digitasi={arah.iloc[i]!r}; use 'hilir' (drawn downstream) "
                "or 'hulu' (drawn upstream)"
                for i in np.flatnonzero(bad.to_numpy())[:20]
            ],
        )
    return (arah != "hulu").to_numpy()


def reach_current_kmh(rivers: pd.DataFrame, stage: str) -> np.ndarray:
    """Rule 2: current of each row at the water stage (km/h)."""
    factor = float(settings.water_stage_effects[stage].get("arus", 1.0))
    by_class = rivers["navigasi"].astype(str).map(settings.river_current_kmh)
    if "arus_kmh" in rivers:
        by_class = pd.to_numeric(rivers["arus_kmh"], errors="coerce").fillna(by_class)
    return by_class.fillna(0.0).to_numpy(float) * factor


def reach_is_riam(rivers: pd.DataFrame) -> np.ndarray:
    """Rule 3 (layer part): the ``riam`` column, or ``navigasi == "jeram"``."""
    riam = rivers["navigasi"].astype(str).eq("jeram").to_numpy().copy()
    if "riam" in rivers:
        riam |= rivers["riam"].fillna(False).astype(bool).to_numpy()
    return riam


def mark_riam(
    rivers: gpd.GeoDataFrame, reaches: pd.DataFrame, *, max_snap_km: float = 30.0
) -> gpd.GeoDataFrame:
    """Rule 3 (list part): split river lines at the limits of listed riam reaches, flag them.

    Each reach names a river (``sungai`` = the layer's ``nama``, case-insensitive) and two
    limits; both are projected onto every line of that river within ``max_snap_km``, and the
    part between them becomes a row with ``riam=True`` (ids get a ``-r`` suffix so every piece
    keeps a unique ``id``). An empty upstream limit means up to the source (the upstream end of
    the line by rule 1). Reaches naming a river absent from the layer are logged and skipped.

    Parameters
    ----------
    rivers : GeoDataFrame
        River layer (``nama``; any CRS, measured in its projected UTM zone).
    reaches : DataFrame
        Columns :data:`RIAM_COLUMNS` (e.g. :func:`riam_reaches`).
    max_snap_km : float, default 30
        A limit farther than this from a line does not cut it.

    Returns
    -------
    GeoDataFrame
        The layer, with riam pieces split off and a boolean ``riam`` column.
    """
    missing = [c for c in RIAM_COLUMNS[:4] if c not in reaches]
    if missing or "nama" not in rivers:
        raise MissingColumnError(
            f"mark_riam: reaches lack {missing} or the river layer lacks 'nama'; "
            f"a reach list has {list(RIAM_COLUMNS)}"
        )
    crs = rivers.crs if rivers.crs.is_projected else rivers.estimate_utm_crs()
    riv = rivers.to_crs(crs).reset_index(drop=True)
    riv = riv.assign(riam=reach_is_riam(riv) if "navigasi" in riv else False)
    for r in reaches.itertuples(index=False):
        riv = _apply_reach(riv, r, crs, max_snap_km)
    return gpd.GeoDataFrame(riv, geometry="geometry", crs=crs).to_crs(rivers.crs)


def _apply_reach(riv: gpd.GeoDataFrame, r: Any, crs: Any, max_km: float) -> gpd.GeoDataFrame:
    """Split the lines of one listed reach's river at its limits; flag the middle piece."""
    names = riv["nama"].astype(str).str.strip().str.lower()
    sel = np.flatnonzero((names == str(r.sungai).strip().lower()).to_numpy())
    if len(sel) == 0:
        logger.info("riam %s: no river named %r in the layer", r.nama_riam, r.sungai)
        return riv
    down = drawn_downstream(riv)
    lo = gpd.GeoSeries([shapely.Point(r.lon_hilir, r.lat_hilir)], crs="EPSG:4326")
    lo_pt = lo.to_crs(crs).iloc[0]
    hi_pt = None
    if pd.notna(r.lon_hulu) and pd.notna(r.lat_hulu):
        hi_pt = gpd.GeoSeries([shapely.Point(r.lon_hulu, r.lat_hulu)], crs="EPSG:4326")
        hi_pt = hi_pt.to_crs(crs).iloc[0]
    rows: list[dict[str, Any]] = []
    hit = np.zeros(len(riv), dtype=bool)
    for i in sel:
        pieces = _cut_reach(riv.geometry.iloc[i], lo_pt, hi_pt, bool(down[i]), max_km)
        if pieces is None:
            continue
        hit[i] = True
        base = riv.iloc[i].to_dict()
        for j, (geom, is_riam) in enumerate(pieces):
            rows.append(
                {
                    **base,
                    "id": f"{base.get('id', i)}-r{j}",
                    "riam": bool(base["riam"]) or is_riam,
                    "geometry": geom,
                }
            )
        logger.info("riam %s marked on %s (%s)", r.nama_riam, r.sungai, base.get("id", i))
    if not hit.any():
        return riv
    new = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    return gpd.GeoDataFrame(
        pd.concat([riv[~hit], new], ignore_index=True), geometry="geometry", crs=crs
    )


def _cut_reach(
    geom: Any, lo: Any, hi: Any, downstream: bool, max_km: float
) -> list[tuple[Any, bool]] | None:
    """Pieces of the single-part ``geom`` below, within and above a riam reach."""
    line = shapely.line_merge(geom)
    if line.geom_type != "LineString" or line.distance(lo) > max_km * 1000:
        return None
    length = line.length
    p_lo = line.project(lo)
    if hi is None:
        p_hi = 0.0 if downstream else length
    elif line.distance(hi) > max_km * 1000:
        return None
    else:
        p_hi = line.project(hi)
    a, b = sorted((p_lo, p_hi))
    pieces = [(0.0, a, False), (a, b, True), (b, length, False)]
    return [(substring(line, s, e), flag) for s, e, flag in pieces if e - s > 1.0]
