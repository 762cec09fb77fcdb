"""Incident-history features: decay, windows, trend, no leakage, spatial parts, panel."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.features.history import (
    event_type_slug,
    history_features,
    history_panel,
    monthly_counts,
)


@pytest.fixture(scope="module")
def row() -> gpd.GeoDataFrame:
    """Five 10 km squares in a row (a chain of neighbours), with population."""
    polys = [shapely.box(i * 10_000, 0, (i + 1) * 10_000, 10_000) for i in range(5)]
    return gpd.GeoDataFrame(
        {
            "kode": [f"99.01.0{i + 1}" for i in range(5)],
            "penduduk": [10_000, 20_000, 5_000, 40_000, 10_000],
        },
        geometry=polys,
        crs="EPSG:32650",
        index=list("abcde"),
    )


def _events(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["event_date", "kode", "event_type", "fatalities"])
    df["event_date"] = pd.to_datetime(df["event_date"])
    df["source_row"] = np.arange(1, len(df) + 1)
    return df


def test_decay_and_no_leakage(row):
    ev = _events(
        [
            ("2024-01-01", "99.01.01", "Protests", 0),  # exactly as_of: excluded
            ("2023-12-31", "99.01.01", "Riots", 2),  # 1 day before
            ("2023-07-05", "99.01.02", "Battles", 1),
        ]
    )  # 180 days before
    f = history_features(ev, row, as_of="2024-01-01", half_life_days=180, permutations=0)
    assert f.index.equals(row.index)
    assert f.loc["a", "events_decay"] == pytest.approx(0.5 ** (1 / 180))
    assert f.loc["b", "events_decay"] == pytest.approx(0.5)
    assert f.loc["a", "events_decay_riots"] == pytest.approx(f.loc["a", "events_decay"])
    assert f.loc["a", "events_decay_protests"] == 0.0
    assert f.loc["a", "fatalities_decay"] == pytest.approx(2 * 0.5 ** (1 / 180))
    assert f.loc["c", "events_decay"] == 0.0
    # per-type columns add up to the total
    types = f.filter(like="events_decay_").drop(columns="events_decay_per10k")
    np.testing.assert_allclose(types.sum(axis=1), f["events_decay"])
    assert f.attrs["as_of"] == "2024-01-01"


def test_windows_trend_and_recency(row):
    ev = _events(
        [
            ("2023-11-15", "99.01.01", "Protests", 0),  # within 3 months
            ("2023-05-15", "99.01.01", "Protests", 0),  # within 12, not 6
            ("2022-03-01", "99.01.01", "Protests", 0),  # in the 24 months before
            ("2021-01-01", "99.01.03", "Riots", 0),
        ]
    )  # first event anywhere
    f = history_features(ev, row, as_of="2024-01-01", permutations=0)
    a = f.loc["a"]
    assert (a["events_3m"], a["events_12m"]) == (1, 2)
    # recent 6 months: 1 event; 24 months before: 2 events → 0.5 per 6 months
    assert a["trend_6m"] == pytest.approx(np.log(2 / 1.5))
    assert a["months_since_last"] == pytest.approx(47 / 30.436875)
    # a unit without events gets the length of the record (since the first event anywhere)
    assert f.loc["e", "months_since_last"] == pytest.approx(1095 / 30.436875)
    assert a["events_12m_per10k"] == pytest.approx(2.0)
    assert f.loc["c", "trend_6m"] == 0.0


def test_spatial_features_follow_neighbours(row):
    ev = _events(
        [("2023-12-01", "99.01.03", "Battles", 0)] * 30
        + [("2023-12-01", "99.01.01", "Protests", 0)]
    )
    f = history_features(ev, row, as_of="2024-01-01", permutations=99, seed=1)
    # neighbours of c are b and d: their lag is the mean over their own neighbours
    assert f.loc["b", "lag_events_decay"] == pytest.approx(
        (f.loc["a", "events_decay"] + f.loc["c", "events_decay"]) / 2
    )
    assert f["gi_z"].idxmax() in ("b", "c")  # b also sees a's event
    assert f.loc["c", "gi_z"] > 0 > f.loc["e", "gi_z"]
    assert f["gi_p"].between(0, 1).all()
    assert set(f["hotspot"]) <= {"panas", "dingin", ""}


def test_bad_codes_and_missing_columns_are_named(row):
    ev = _events(
        [("2023-12-01", "99.09.09", "Protests", 0), ("2023-12-02", "99.01.01", "Protests", 0)]
    )
    with pytest.raises(ValidationError, match=r"rows \[1\]"):
        history_features(ev, row, as_of="2024-01-01", permutations=0)
    with pytest.raises(MissingColumnError, match="event_date"):
        history_features(ev.drop(columns="event_date"), row, as_of="2024-01-01")


def test_event_type_slugs():
    assert event_type_slug("Violence against civilians") == "violence_civilians"
    assert event_type_slug(" Battles ") == "battles"
    assert event_type_slug("Something new") == "other"


def test_panel_matches_point_in_time_features(row):
    rng = np.random.default_rng(5)
    days = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, 300), unit="D")
    kode = rng.choice(row["kode"].to_numpy(), 300)
    ev = _events([(str(d.date()), k, "Riots", 0) for d, k in zip(days, kode, strict=True)])
    months = pd.date_range("2023-01-01", "2023-06-01", freq="MS")
    panel = history_panel(ev, row, months=months)
    assert len(panel) == len(row) * len(months)
    at = history_features(ev, row, as_of="2023-04-01", permutations=0)
    got = panel.xs(pd.Timestamp("2023-04-01"), level="bulan")
    for col in ("events_decay", "events_12m", "trend_6m", "lag_events_decay", "gi_z"):
        np.testing.assert_allclose(got[col], at[col], rtol=1e-12)
    # n_events = events during the month (the model's target)
    in_april = ev[(ev.event_date >= "2023-04-01") & (ev.event_date < "2023-05-01")]
    expected = in_april["kode"].value_counts().reindex(row["kode"], fill_value=0).to_numpy()
    np.testing.assert_array_equal(got["n_events"].to_numpy(), expected)
    counts = monthly_counts(ev, row, months=months)
    assert (
        counts.to_numpy().sum()
        == ((ev.event_date >= "2023-01-01") & (ev.event_date < "2023-07-01")).sum()
    )
