"""Election calendar as data: shipped file, overrides, seasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kewaspadaan import settings
from kewaspadaan._errors import MissingColumnError, ValidationError
from kewaspadaan.forecast.calendar import calendar_features, load_calendar, season_index


def test_shipped_calendar_is_complete():
    cal = load_calendar()
    days = set(cal["tanggal"].dt.strftime("%Y-%m-%d"))
    pemilu = {"2014-04-09", "2014-07-09", "2019-04-17", "2024-02-14", "2029-02-14"}
    pilkada = {"2015-12-09", "2017-02-15", "2018-06-27", "2020-12-09", "2024-11-27"}
    assert pemilu | pilkada <= days
    kinds = cal.set_index(cal["tanggal"].dt.strftime("%Y-%m-%d"))["jenis"]
    assert (kinds[sorted(pemilu)] == "Pemilu").all()
    assert (kinds[sorted(pilkada)] == "Pilkada").all()
    assert cal["tanggal"].is_monotonic_increasing
    assert cal.loc[cal["tanggal"] == "2029-02-14", "status"].item() == "rencana"


def test_voting_day_replaces_the_planned_row(monkeypatch):
    monkeypatch.setattr(settings, "voting_day", "2029-04-18")
    cal = load_calendar()
    assert (cal["tanggal"] == "2029-04-18").sum() == 1
    assert not (cal["tanggal"] == "2029-02-14").any()
    later = load_calendar(voting_day="2034-02-14")
    assert later["tanggal"].iloc[-1] == pd.Timestamp("2034-02-14")
    assert later["status"].iloc[-1] == "rencana"


def test_user_calendar_file_and_errors(tmp_path, monkeypatch):
    own = tmp_path / "kalender.csv"
    own.write_text("tanggal,jenis\n2018-06-27,Pilkada\n2024-11-27,Pilkada\n", encoding="utf-8")
    monkeypatch.setattr(settings, "election_calendar", str(own))
    cal = load_calendar()
    assert cal["tanggal"].dt.year.tolist() == [2018, 2024, 2029]  # + the voting day
    assert set(cal["cakupan"]) == {"nasional"}
    bad = tmp_path / "salah.csv"
    bad.write_text("tanggal,jenis\n2018-13-01,Pilkada\n2019-04-17,Pileg\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"rows \[2\].*|rows \[3\]") as err:
        load_calendar(bad)
    assert "'tanggal': rows [2]" in str(err.value) and "'jenis': rows [3]" in str(err.value)
    with pytest.raises(MissingColumnError, match="jenis"):
        (tmp_path / "x.csv").write_text("tanggal\n2019-04-17\n", encoding="utf-8")
        load_calendar(tmp_path / "x.csv")


def test_seasons_follow_the_voting_month():
    cal = pd.DataFrame(
        {
            "tanggal": pd.to_datetime(["2014-04-09", "2014-07-09", "2024-02-14"]),
            "jenis": ["Pemilu", "Pemilu", "Pemilu"],
        }
    )
    months = pd.date_range("2013-12-01", "2014-09-01", freq="MS")
    rows = season_index(months, cal, before=3, after=1)
    # Jan-May 2014 (April season), Apr-Aug (July season): April and May are in both and go to
    # the nearer voting month (April); June-August to July
    expected = [-1, 0, 0, 0, 0, 0, 1, 1, 1, -1]
    assert rows.tolist() == expected
    feb = season_index(
        pd.to_datetime(["2023-10-01", "2023-11-01", "2024-03-01", "2024-04-01"]), cal
    )
    assert feb.tolist() == [-1, 2, 2, -1]


def test_calendar_features():
    cal = pd.DataFrame(
        {"tanggal": pd.to_datetime(["2024-02-14", "2024-11-27"]), "jenis": ["Pemilu", "Pilkada"]}
    )
    f = calendar_features(pd.to_datetime(["2024-01-01", "2024-09-01", "2025-06-01"]), calendar=cal)
    assert f["season_pemilu"].tolist() == [1.0, 0.0, 0.0]
    assert f["season_pilkada"].tolist() == [0.0, 1.0, 0.0]
    assert f["election_season"].tolist() == [1.0, 1.0, 0.0]
    assert f.loc["2024-01-01", "months_to_election"] == pytest.approx(44 / 30.436875)
    assert f.loc["2025-06-01", "months_to_election"] == 36.0  # none ahead
    assert np.isfinite(f.to_numpy()).all()
