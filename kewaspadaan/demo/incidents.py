"""Synthetic incident history in ACLED export format, with its known true intensity.

Incidents are a self-exciting (Hawkes) process on the monthly kecamatan panel:

    λ_k(t) = μ_k · s(t) + E_k(t),   N_k(t) ~ Poisson(λ_k(t))
    E(t+1) = δ · E(t) + (1 − δ) · α · K · N(t),   δ = exp(−1/τ)

- background ``μ_k = exp(β0 + β·x_k)`` with covariates: proximity to the international border,
  remoteness (travel time over the terrain/road/river surface to the nearest kabupaten capital),
  log population, and latent "hot" areas (land, plantation and mining disputes);
- ``s(t)`` the election-season multiplier: ×2.2 from three months before to one month after each
  Pemilu/Pilkada (2019-04-17, 2020-12-09, 2024-02-14, 2024-11-27);
- excitation: each event raises its own kecamatan (weight 1) and its neighbours (row-normalised
  contiguity, weight 0.35) by ``α = 0.3`` expected events in total, decaying with τ = 2.5 months.

``lambda_benar`` is λ_k(t): the expected count given the simulated past — the ground truth the
risk engine is validated against. Events are placed inside their kecamatan, near settlements.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from skimage.graph import MCP_Geometric

from kewaspadaan.demo._spec import UTM_EPSG
from kewaspadaan.demo.admin import Admin
from kewaspadaan.demo.hydrology import Hydrology
from kewaspadaan.demo.layers import Boundaries, Rivers
from kewaspadaan.demo.roads import Roads, _coarse
from kewaspadaan.demo.tables import Units
from kewaspadaan.demo.terrain import Terrain

__all__ = ["ACLED_COLUMNS", "ELECTIONS", "HAWKES", "simulate_incidents"]

logger = logging.getLogger(__name__)

#: Column names and order of an ACLED export.
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
#: Election days (Pemilu and Pilkada) that raise the background rate.
ELECTIONS = ("2019-04-17", "2020-12-09", "2024-02-14", "2024-11-27")
START, END = "2018-01-01", "2026-10-31"
#: Parameters of the true model (recorded in the manifest).
HAWKES = {
    "alpha": 0.3,
    "tau_months": 2.5,
    "neighbour_weight": 0.35,
    "season_multiplier": 2.2,
    "beta_border": 0.9,
    "beta_remote": 0.35,
    "beta_logpop": 0.55,
    "beta_hot": 1.4,
}

# sub-event -> (event type, disorder type, actor1, inter1, actor2, inter2, civilian targeting)
_POLICE, _MIL = "Police Forces of Indonesia", "Military Forces of Indonesia"
_PROT, _RIOT, _CIV = "Protesters (Indonesia)", "Rioters (Indonesia)", "Civilians (Indonesia)"
_UAG = "Unidentified Armed Group (Indonesia)"
_SUB = {
    "Peaceful protest": ("Protests", "Demonstrations", _PROT, "Protesters", "", "", ""),
    "Protest with intervention": (
        "Protests",
        "Demonstrations",
        _PROT,
        "Protesters",
        _POLICE,
        "State forces",
        "",
    ),
    "Excessive force against protesters": (
        "Protests",
        "Political violence; Demonstrations",
        _POLICE,
        "State forces",
        _PROT,
        "Protesters",
        "Civilian targeting",
    ),
    "Violent demonstration": ("Riots", "Demonstrations", _RIOT, "Rioters", "", "", ""),
    "Mob violence": (
        "Riots",
        "Political violence",
        _RIOT,
        "Rioters",
        _CIV,
        "Civilians",
        "Civilian targeting",
    ),
    "Attack": (
        "Violence against civilians",
        "Political violence",
        _UAG,
        "Political militia",
        _CIV,
        "Civilians",
        "Civilian targeting",
    ),
    "Abduction/forced disappearance": (
        "Violence against civilians",
        "Political violence",
        _UAG,
        "Political militia",
        _CIV,
        "Civilians",
        "Civilian targeting",
    ),
    "Armed clash": (
        "Battles",
        "Political violence",
        _MIL,
        "State forces",
        _UAG,
        "Political militia",
        "",
    ),
    "Remote explosive/landmine/IED": (
        "Explosions/Remote violence",
        "Political violence",
        _UAG,
        "Political militia",
        "",
        "",
        "",
    ),
    "Arrests": (
        "Strategic developments",
        "Strategic developments",
        _POLICE,
        "State forces",
        "",
        "",
        "",
    ),
    "Looting/property destruction": (
        "Strategic developments",
        "Strategic developments",
        _RIOT,
        "Rioters",
        "",
        "",
        "",
    ),
    "Agreement": (
        "Strategic developments",
        "Strategic developments",
        "Government of Indonesia",
        "State forces",
        "",
        "",
        "",
    ),
}
_BASE_P = {
    "Peaceful protest": 0.40,
    "Protest with intervention": 0.09,
    "Excessive force against protesters": 0.02,
    "Violent demonstration": 0.07,
    "Mob violence": 0.07,
    "Attack": 0.11,
    "Abduction/forced disappearance": 0.02,
    "Armed clash": 0.04,
    "Remote explosive/landmine/IED": 0.01,
    "Arrests": 0.08,
    "Looting/property destruction": 0.05,
    "Agreement": 0.04,
}
_ASSOC = (
    "",
    "",
    "",
    "Students (Indonesia)",
    "Labor Group (Indonesia)",
    "Farmers (Indonesia)",
    "Dayak Ethnic Group (Indonesia)",
    "Fishers (Indonesia)",
)
_SOURCES = (
    "Kaltim Pos Demo (sintetis)",
    "Tribun Demonstrasi (sintetis)",
    "Kabar Hulu (sintetis)",
    "Antara Demo (sintetis)",
)
_NOTE = {
    "Protests": "protesters gathered in {loc} ({kec}, {kab}) over {issue}",
    "Riots": "a crowd clashed in {loc} ({kec}, {kab}) over {issue}",
    "Violence against civilians": "unidentified assailants attacked residents in {loc} ({kec})",
    "Battles": "security forces clashed with an unidentified armed group near {loc} ({kec})",
    "Explosions/Remote violence": "an improvised explosive device went off in {loc} ({kec})",
    "Strategic developments": "authorities reported a development in {loc} ({kec}) over {issue}",
}
_ISSUES = (
    "a land dispute with a plantation company",
    "a mining concession",
    "election results",
    "voter list irregularities",
    "village funds",
    "a border crossing closure",
    "fuel prices",
    "a river transport permit",
)


def _months() -> pd.PeriodIndex:
    return pd.period_range(START[:7], END[:7], freq="M")


def season_multiplier(months: pd.PeriodIndex, *, factor: float) -> np.ndarray:
    """``factor`` from three months before to one month after each election, else 1."""
    out = np.ones(len(months))
    idx = months.year * 12 + months.month
    for e in ELECTIONS:
        m = pd.Period(e[:7], freq="M")
        em = m.year * 12 + m.month
        out[(idx >= em - 3) & (idx <= em + 1)] = factor
    return out


def _travel_time_h(t: Terrain, h: Hydrology, a: Admin, rd: Roads, rv: Rivers) -> np.ndarray:
    """Hours to the nearest kabupaten capital over terrain, roads and navigable rivers."""
    f = rd.factor
    z = _coarse(h.filled_m, f, "mean")
    gy, gx = np.gradient(z, t.spec.cell_m * f)
    slope = np.hypot(gx, gy)
    walk = 5.0 * np.exp(-3.5 * slope)  # Tobler, uphill/downhill averaged
    speed = np.where(rd.cells, 40.0, walk)
    nav = np.zeros(t.shape[0] * t.shape[1], dtype=bool)
    for cells, navigasi in zip(rv.cells, rv.navigasi, strict=True):
        if navigasi != "tidak":
            nav[cells] = True
    nav_c = _coarse(nav.reshape(t.shape), f, "any")
    speed = np.where(nav_c & ~rd.cells, 12.0, speed)
    land = _coarse(t.land, f, "any")
    speed = np.where(land, speed, 20.0)  # boats over the sea (to the islands)
    cost = np.where(_coarse(t.outside, f, "all"), np.inf, t.spec.cell_m * f / 1000.0 / speed)
    caps = np.minimum(a.desa_rc[a.kab_capital_desa] // f, np.array(cost.shape) - 1)
    cum, _ = MCP_Geometric(cost).find_costs([tuple(x) for x in caps.tolist()])
    kec_c = _coarse(np.where(t.land, a.kec, -1), f, "max")
    ok = np.isfinite(cum) & (kec_c >= 0)
    n = len(a.kec_kab)
    total = np.bincount(kec_c[ok], weights=cum[ok], minlength=n)
    cnt = np.bincount(kec_c[ok], minlength=n)
    tt = np.divide(total, cnt, out=np.full(n, np.nan), where=cnt > 0)
    return np.where(np.isfinite(tt), tt, np.nanmax(tt))


def _neighbours(kec_geoms: np.ndarray) -> np.ndarray:
    """Row-normalised contiguity matrix of the kecamatan (touching or within 1 m)."""
    n = len(kec_geoms)
    tree = shapely.STRtree(kec_geoms)
    i, j = tree.query(kec_geoms, predicate="dwithin", distance=1.0)
    w = np.zeros((n, n))
    w[i, j] = 1.0
    np.fill_diagonal(w, 0.0)
    rs = w.sum(axis=1, keepdims=True)
    return np.divide(w, rs, out=np.zeros_like(w), where=rs > 0)


def _background(
    t: Terrain,
    h: Hydrology,
    a: Admin,
    b: Boundaries,
    rd: Roads,
    rv: Rivers,
    rng: np.random.Generator,
) -> np.ndarray:
    """Background rate per kecamatan up to a constant: exp(β·x)."""
    cent = shapely.centroid(b.kec)
    d_border_km = shapely.distance(cent, b.border) / 1000.0
    prox = np.exp(-d_border_km / 40.0)
    tt = _travel_time_h(t, h, a, rd, rv)
    kec_pop = np.bincount(a.desa_kec, weights=a.desa_pop, minlength=len(a.kec_kab))
    lp = np.log(kec_pop)
    dens = a.dens.ravel()
    n_hot = 3 if t.spec.size == "small" else 5
    land_idx = np.flatnonzero(t.land.ravel() & (a.kab.ravel() >= 0))
    p = np.sqrt(dens[land_idx])
    hot_cells = rng.choice(land_idx, size=n_hot, replace=False, p=p / p.sum())
    hx, hy = t.xy(hot_cells // t.shape[1], hot_cells % t.shape[1])
    sigma = 0.05 * t.spec.width_m
    cx, cy = shapely.get_x(cent), shapely.get_y(cent)
    hot = np.exp(-((cx[:, None] - hx) ** 2 + (cy[:, None] - hy) ** 2) / (2 * sigma**2)).sum(1)
    z = lambda v: (v - v.mean()) / (v.std() + 1e-12)  # noqa: E731
    H = HAWKES
    return np.exp(
        H["beta_border"] * prox
        + H["beta_remote"] * z(tt)
        + H["beta_logpop"] * z(lp)
        + H["beta_hot"] * hot
    )


def _simulate(
    mu: np.ndarray, season: np.ndarray, w: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    H = HAWKES
    delta = np.exp(-1.0 / H["tau_months"])
    kmat = np.eye(len(mu)) + H["neighbour_weight"] * w
    lam = np.zeros((len(season), len(mu)))
    counts = np.zeros_like(lam, dtype=np.int64)
    exc = np.zeros(len(mu))
    for m in range(len(season)):
        lam[m] = mu * season[m] + exc
        counts[m] = rng.poisson(lam[m])
        exc = delta * exc + (1.0 - delta) * H["alpha"] * (kmat @ counts[m])
    return lam, counts


def simulate_incidents(
    t: Terrain,
    h: Hydrology,
    a: Admin,
    u: Units,
    b: Boundaries,
    rd: Roads,
    rv: Rivers,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the incident history and return ``(acled_events, true_intensity)``.

    Parameters
    ----------
    t, h, a, u, b, rd, rv
        The generated province (terrain, hydrology, admin units, names, boundaries, roads,
        rivers).
    rng : numpy.random.Generator
        Seeded generator.

    Returns
    -------
    events : DataFrame
        ACLED export columns (:data:`ACLED_COLUMNS`), sorted by date and id.
    truth : DataFrame
        ``kode``, ``bulan`` (``YYYY-MM``), ``lambda_benar`` per kecamatan and month.
    """
    months = _months()
    season = season_multiplier(months, factor=HAWKES["season_multiplier"])
    w = _neighbours(b.kec)
    mu0 = _background(t, h, a, b, rd, rv, rng)
    branching = HAWKES["alpha"] * (1.0 + HAWKES["neighbour_weight"])
    scale = t.spec.target_events * (1.0 - branching) / (mu0.sum() * season.sum())
    lam, counts = _simulate(mu0 * scale, season, w, rng)
    truth = (
        pd.DataFrame(
            {
                "kode": np.repeat(
                    np.asarray(u.kec_kode, dtype=object)[None, :], len(months), 0
                ).T.ravel(),
                "bulan": np.tile(months.strftime("%Y-%m").to_numpy(dtype=object), len(u.kec_kode)),
                "lambda_benar": np.round(lam.T.ravel(), 6),
            }
        )
        .sort_values(["kode", "bulan"], kind="stable")
        .reset_index(drop=True)
    )
    events = _events(t, a, u, b, months, season, counts, mu0, rng)
    logger.info(
        "incidents: %d events over %d months (expected %.0f)", len(events), len(months), lam.sum()
    )
    return events, truth


def _locations(
    a: Admin, b: Boundaries, t: Terrain, j: int, n: int, rng: np.random.Generator, u: Units
) -> tuple[np.ndarray, np.ndarray, list, list]:
    """UTM points, geo_precision and location names for ``n`` events in kecamatan ``j``."""
    desa = np.flatnonzero(a.desa_kec == j)
    p = a.desa_pop[desa] / a.desa_pop[desa].sum()
    sx, sy = t.xy(a.desa_rc[desa, 0], a.desa_rc[desa, 1])
    poly = b.kec[j]
    cent = shapely.centroid(poly)
    if not poly.contains(cent):
        cent = shapely.point_on_surface(poly)
    xs, ys, gps, locs = [], [], [], []
    for _ in range(n):
        gp = int(rng.choice([1, 2, 3], p=[0.6, 0.27, 0.13]))
        k = rng.choice(len(desa), p=p)
        x, y, loc = sx[k], sy[k], u.desa_nama[desa[k]]
        if gp == 3:
            x, y, loc = cent.x, cent.y, u.kec_nama[j]
        else:
            spread = 120.0 if gp == 1 else 3000.0
            for _try in range(8):
                qx, qy = x + rng.normal(0, spread), y + rng.normal(0, spread)
                if poly.contains(shapely.Point(qx, qy)):
                    x, y = qx, qy
                    break
        xs.append(x)
        ys.append(y)
        gps.append(gp)
        locs.append(loc)
    return np.array(xs), np.array(ys), gps, locs


def _events(
    t: Terrain,
    a: Admin,
    u: Units,
    b: Boundaries,
    months: pd.PeriodIndex,
    season: np.ndarray,
    counts: np.ndarray,
    mu0: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    subs = list(_BASE_P)
    base = np.array([_BASE_P[s] for s in subs])
    etype = np.array([_SUB[s][0] for s in subs])
    hot = np.log(mu0 / np.median(mu0))
    recs = []
    for m, period in enumerate(months):
        days = period.days_in_month
        for j in np.flatnonzero(counts[m]):
            n = int(counts[m, j])
            xs, ys, gps, locs = _locations(a, b, t, int(j), n, rng, u)
            day = rng.integers(1, days + 1, size=n)
            if n >= 2 and rng.random() < 0.2:  # ACLED quirk: same day, same place
                day[1], xs[1], ys[1], gps[1], locs[1] = day[0], xs[0], ys[0], gps[0], locs[0]
            w = base.copy()
            if season[m] > 1:
                w[np.isin(etype, ["Protests", "Riots"])] *= 1.6
            if hot[j] > 0.5:
                w[np.isin(etype, ["Riots", "Violence against civilians"])] *= 1.5
            w /= w.sum()
            for i in range(n):
                recs.append(
                    (
                        period.year,
                        period.month,
                        int(day[i]),
                        int(j),
                        subs[rng.choice(len(subs), p=w)],
                        xs[i],
                        ys[i],
                        gps[i],
                        locs[i],
                    )
                )
    return _acled_frame(recs, a, u, rng)


def _acled_frame(recs: list, a: Admin, u: Units, rng: np.random.Generator) -> pd.DataFrame:
    to_ll = Transformer.from_crs(UTM_EPSG, 4326, always_xy=True)
    recs.sort(key=lambda r: (r[0], r[1], r[2], u.kec_kode[r[3]], r[5], r[6]))
    rows = []
    for i, (yr, mo, dy, j, sub, x, y, gp, loc) in enumerate(recs, start=1):
        date = pd.Timestamp(year=yr, month=mo, day=dy)
        ev, disorder, a1, i1, a2, i2, civ = _SUB[sub]
        era = "(2014-2024)" if date < pd.Timestamp("2024-10-20") else "(2024-)"
        a1 = f"{a1} {era}" if a1 in (_POLICE, _MIL, "Government of Indonesia") else a1
        a2 = f"{a2} {era}" if a2 in (_POLICE, _MIL) else a2
        interaction = f"{i1} only" if not i2 else "-".join(sorted([i1, i2]))
        fat = _fatalities(sub, rng)
        lon, lat = to_ll.transform(x, y)
        kab = u.kab_nama[a.kec_kab[j]].replace("Kabupaten ", "").replace("Kota ", "")
        issue = _ISSUES[rng.integers(len(_ISSUES))]
        note = _NOTE[ev].format(loc=loc, kec=u.kec_nama[j], kab=kab, issue=issue)
        notes = (
            f"[SINTETIS] On {date:%d %B %Y}, {note}."
            + (f" {fat} fatalities reported." if fat else "")
            + " (generated event, not real)"
        )
        rows.append(
            {
                "event_id_cnty": f"DEMO{i:05d}",
                "event_date": date.strftime("%Y-%m-%d"),
                "year": yr,
                "time_precision": int(rng.choice([1, 2, 3], p=[0.82, 0.14, 0.04])),
                "disorder_type": disorder,
                "event_type": ev,
                "sub_event_type": sub,
                "actor1": a1,
                "assoc_actor_1": _ASSOC[rng.integers(len(_ASSOC))] if ev == "Protests" else "",
                "inter1": i1,
                "actor2": a2,
                "assoc_actor_2": "",
                "inter2": i2,
                "interaction": interaction,
                "civilian_targeting": civ,
                "iso": 360,
                "region": "South-eastern Asia",
                "country": "Indonesia",
                "admin1": "Provinsi Demonstrasi",
                "admin2": kab,
                "admin3": u.kec_nama[j],
                "location": loc,
                "latitude": round(lat, 6),
                "longitude": round(lon, 6),
                "geo_precision": gp,
                "source": _SOURCES[rng.integers(len(_SOURCES))],
                "source_scale": str(
                    rng.choice(["Subnational", "National", "Subnational-National"])
                ),
                "notes": notes,
                "fatalities": fat,
                "tags": "crowd size=no report" if ev in ("Protests", "Riots") else "",
                "timestamp": int((date + pd.Timedelta(days=9)).timestamp()) + i % 86400,
            }
        )
    return pd.DataFrame(rows, columns=list(ACLED_COLUMNS))


def _fatalities(sub: str, rng: np.random.Generator) -> int:
    if sub == "Armed clash":
        return int(rng.poisson(0.8))
    if sub == "Attack":
        return int(rng.random() < 0.35) + int(rng.poisson(0.15))
    if sub in ("Mob violence", "Excessive force against protesters"):
        return int(rng.random() < 0.1)
    if sub == "Remote explosive/landmine/IED":
        return int(rng.poisson(0.5))
    return 0
