"""Shared fixtures, and the two tiers of the suite.

The fast tier, ``pytest -m "not slow"``, is what one runs while working (under two minutes); the
full run adds the slow tests: browser tests (Chromium), real-data tests and the long end-to-end
runs. Browser and real-data tests are marked slow here, whatever their own markers.

- ``shared_data``: the real Kalimantan Timur layers in ``../shared/data`` (tests skip when absent).
- ``demo_small``: a small generated demonstration province (session-scoped, generated once).
- ``demo_full``: the full-size demonstration province, as ``kewaspadaan run`` uses it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser and real-data tests belong to the full run only."""
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("realdata"):
            item.add_marker(pytest.mark.slow)


SHARED_DATA = Path(os.environ.get("KEWASPADAAN_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real Kalimantan Timur data; skip the test when it is absent."""
    if not (SHARED_DATA / "kaltim_kecamatan_kemendagri2022.geojson").exists():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demonstration province generated once per test session."""
    from kewaspadaan.demo import generate_province

    out = tmp_path_factory.mktemp("demo_small")
    generate_province(out, size="small")
    return out


@pytest.fixture(scope="session")
def demo_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demonstration province generated once per test session."""
    from kewaspadaan.demo import generate_province

    out = tmp_path_factory.mktemp("demo_full")
    generate_province(out, size="full")
    return out
