"""The election calendar (Pemilu and Pilkada) as data, and the election season of each month.

The calendar ships with the package as ``kewaspadaan/data_files/pemilihan.csv`` (one row per
voting day: ``tanggal`` ISO date, ``jenis`` Pemilu/Pilkada, ``cakupan`` nasional/sebagian,
``status`` selesai/rencana, ``keterangan``). It holds every Pemilu since 1999 (legislative and
presidential rounds) and the simultaneous Pilkada waves 2015, 2017, 2018, 2020 and 2024, plus the
planned Pemilu 2029. ``settings.election_calendar`` (a path) replaces it with the user's own file
of the same columns; ``settings.voting_day`` replaces the date of a *planned* row of the same
year (or is added as a planned Pemilu when no row of that year is planned).

- :func:`load_calendar` — the calendar as a DataFrame (validated, sorted).
- :func:`season_index` — for monthly periods, the election whose *season* each month belongs to:
  from ``before`` months before to ``after`` months after the month of its voting day
  (``settings.election_season_months``, default 3 and 1); a month in two seasons belongs to the
  election with the nearer voting day.
- :func:`calendar_features` — ``election_season`` (0/1) and ``months_to_election`` per month.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError

__all__ = [
    "CALENDAR_COLUMNS",
    "ELECTION_TYPES",
    "calendar_features",
    "load_calendar",
    "season_index",
]

logger = logging.getLogger(__name__)

#: Columns of the calendar file.
CALENDAR_COLUMNS: tuple[str, ...] = ("tanggal", "jenis", "cakupan", "status", "keterangan")
#: Election types (column ``jenis``).
ELECTION_TYPES: tuple[str, ...] = ("Pemilu", "Pilkada")
#: ``months_to_election`` when no election is scheduled ahead (months).
MONTHS_TO_ELECTION_CAP = 36.0
_DAYS_PER_MONTH = 30.436875


def _shipped() -> Path:
    return Path(str(resources.files("kewaspadaan") / "data_files" / "pemilihan.csv"))


def load_calendar(
    path: str | Path | None = None, *, voting_day: str | pd.Timestamp | None = None
) -> pd.DataFrame:
    """The election calendar, validated and sorted by date.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A CSV with :data:`CALENDAR_COLUMNS` (``status`` and ``keterangan`` optional); default
        ``settings.election_calendar`` or, when that is ``None``, the shipped file.
    voting_day : str or Timestamp, optional
        The planned voting day (default ``settings.voting_day``): it replaces the date of the
        planned row of its year, or is added as a planned Pemilu.

    Returns
    -------
    DataFrame
        ``tanggal`` (Timestamp), ``jenis``, ``cakupan``, ``status``, ``keterangan``; RangeIndex.
    """
    src = path if path is not None else settings.election_calendar
    file = Path(src) if src is not None else _shipped()
    table = pd.read_csv(file, dtype=str, keep_default_na=False)
    missing = [c for c in ("tanggal", "jenis") if c not in table.columns]
    if missing:
        raise MissingColumnError(
            f"{file}: missing column(s) {missing}; an election calendar needs at least "
            f"'tanggal' (YYYY-MM-DD) and 'jenis' ({'/'.join(ELECTION_TYPES)})"
        )
    for col, default in (("cakupan", "nasional"), ("status", "selesai"), ("keterangan", "")):
        if col not in table.columns:
            table[col] = default
    dates = pd.to_datetime(table["tanggal"], format="%Y-%m-%d", errors="coerce")
    problems = []
    bad = dates.isna()
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad)][:10]
        problems.append(f"column 'tanggal': rows {rows} are not dates YYYY-MM-DD")
    wrong = ~table["jenis"].isin(ELECTION_TYPES)
    if wrong.any():
        rows = [int(i) + 2 for i in np.flatnonzero(wrong)][:10]
        problems.append(f"column 'jenis': rows {rows} are not one of {list(ELECTION_TYPES)}")
    if problems:
        raise ValidationError(str(file), problems)
    table["tanggal"] = dates
    table = _with_voting_day(table, voting_day)
    return (
        table[list(CALENDAR_COLUMNS)].sort_values("tanggal", kind="stable").reset_index(drop=True)
    )


def _with_voting_day(table: pd.DataFrame, voting_day: str | pd.Timestamp | None) -> pd.DataFrame:
    day = pd.Timestamp(settings.voting_day if voting_day is None else voting_day)
    if (table["tanggal"] == day).any():
        return table
    planned = (table["status"] == "rencana") & (table["tanggal"].dt.year == day.year)
    if planned.any():
        table = table.copy()
        table.loc[planned.idxmax(), "tanggal"] = day
        return table
    row = {
        "tanggal": day,
        "jenis": "Pemilu",
        "cakupan": "nasional",
        "status": "rencana",
        "keterangan": "settings.voting_day",
    }
    return pd.concat([table, pd.DataFrame([row])], ignore_index=True)


def _month_number(ts: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    return np.asarray(ts.year * 12 + ts.month - 1, dtype=np.int64)


def season_index(
    months: Iterable[pd.Timestamp],
    calendar: pd.DataFrame | None = None,
    *,
    before: int | None = None,
    after: int | None = None,
) -> np.ndarray:
    """Row of ``calendar`` whose election season each month belongs to (-1: none).

    Parameters
    ----------
    months : iterable of Timestamp
        Month starts.
    calendar : DataFrame, optional
        From :func:`load_calendar` (default: that function's result).
    before, after : int, optional
        Season length before / after the voting month; default ``settings.election_season_months``.

    Returns
    -------
    numpy.ndarray of int
        One entry per month.
    """
    cal = load_calendar() if calendar is None else calendar
    b_def, a_def = settings.election_season_months
    b = int(b_def if before is None else before)
    a = int(a_def if after is None else after)
    m = _month_number(pd.DatetimeIndex(list(months)))
    e = _month_number(pd.DatetimeIndex(cal["tanggal"]))
    if len(e) == 0:
        return np.full(len(m), -1, dtype=np.int64)
    lag = m[:, None] - e[None, :]  # months after the voting month (negative: before)
    inside = (lag >= -b) & (lag <= a)
    # nearest voting day wins; among equals the later election (ties go to the upcoming one)
    dist = np.where(inside, np.abs(lag) * 2 - (lag < 0), np.iinfo(np.int64).max)
    best = np.argmin(dist, axis=1)
    return np.where(inside.any(axis=1), best, -1).astype(np.int64)


def calendar_features(
    months: Iterable[pd.Timestamp], *, calendar: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Election-calendar features of monthly periods starting at ``months``.

    Parameters
    ----------
    months : iterable of Timestamp
        Period starts (a period is one calendar month).
    calendar : DataFrame, optional
        From :func:`load_calendar`.

    Returns
    -------
    DataFrame
        ``election_season`` (0/1), ``season_pemilu``/``season_pilkada`` (0/1) and
        ``months_to_election`` (months from the period start to the next voting day, capped at
        36), indexed by the period starts.
    """
    idx = pd.DatetimeIndex(list(months))
    cal = load_calendar() if calendar is None else calendar
    season = season_index(idx, cal)
    kind = np.where(season >= 0, cal["jenis"].to_numpy()[np.maximum(season, 0)], "")
    days = cal["tanggal"].to_numpy()
    ahead = (days[None, :] - idx.to_numpy()[:, None]) / np.timedelta64(1, "D")
    ahead = np.where(ahead >= 0, ahead, np.inf).min(axis=1) / _DAYS_PER_MONTH
    return pd.DataFrame(
        {
            "election_season": (season >= 0).astype(float),
            "season_pemilu": (kind == "Pemilu").astype(float),
            "season_pilkada": (kind == "Pilkada").astype(float),
            "months_to_election": np.minimum(ahead, MONTHS_TO_ELECTION_CAP),
        },
        index=idx,
    )
