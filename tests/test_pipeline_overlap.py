"""The logistics prepared beside the risk score (:func:`kewaspadaan.pipeline._overlapped`):
in a forked process where the platform forks, else in a thread; errors, a dead child and the
stage times all come back to the caller."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time

import pytest

from kewaspadaan import pipeline


class _Clock:
    def __init__(self) -> None:
        self.main: list[str] = []
        self.side: list[tuple[str, float]] = []

    def __call__(self, label: str) -> None:
        self.main.append(label)

    def concurrent(self, label: str, seconds: float) -> None:
        self.side.append((label, seconds))


def _prepare(step):
    time.sleep(0.05)
    step("jaringan")
    step("rencana")
    return {"pid": os.getpid(), "routes": list(range(5))}


@pytest.fixture(params=["fork", "thread"])
def mode(request, monkeypatch):
    if request.param == "fork" and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    if request.param == "thread":
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    return request.param


def test_overlap_returns_both_results_and_the_side_stages(mode):
    clock = _Clock()
    result, prep = pipeline._overlapped(lambda: "skor", _prepare, clock)
    assert result == "skor" and prep["routes"] == [0, 1, 2, 3, 4]
    # a child process prepared it when the platform forks; a thread of this process else
    assert (prep["pid"] != os.getpid()) == (mode == "fork")
    assert clock.main == ["skor risiko", "tunggu logistik"]
    assert [label for label, _ in clock.side] == ["jaringan", "rencana"]
    assert clock.side[0][1] >= 0.04  # the sleep before the first stage is its time


def test_overlap_raises_the_error_of_the_logistics(mode):
    from kewaspadaan._errors import ValidationError

    def broken(step):
        raise ValidationError("jalan.geojson", ["column 'kelas' missing: add it"])

    with pytest.raises(ValidationError, match="kelas") as err:
        pipeline._overlapped(lambda: "skor", broken, _Clock())
    assert err.value.source == "jalan.geojson"  # the same error, with its fields


def test_overlap_raises_the_error_of_the_score_first(mode):
    def score():
        raise KeyError("kode")

    with pytest.raises(KeyError, match="kode"):
        pipeline._overlapped(score, _prepare, _Clock())


def test_a_child_that_dies_is_reported_and_the_logistics_prepared_here(caplog):
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    parent = os.getpid()

    def dies_in_the_child(step):
        if os.getpid() != parent:
            os._exit(3)
        return _prepare(step)

    with caplog.at_level(logging.WARNING, logger="kewaspadaan._beside"):
        result, prep = pipeline._overlapped(lambda: "skor", dies_in_the_child, _Clock())
    assert prep["pid"] == parent and result == "skor"
    assert "exit code 3" in caplog.text
