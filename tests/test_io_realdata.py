"""kewaspadaan.io on the real Kalimantan Timur layers (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kewaspadaan.io import assign_incidents, load_boundaries, load_incidents

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def kecamatan(shared_data: Path):
    return load_boundaries(shared_data / "kaltim_kecamatan_kemendagri2022.geojson")


def test_kecamatan(kecamatan) -> None:
    assert len(kecamatan) == 105
    assert kecamatan["kode_kab"].nunique() == 10
    assert kecamatan["kode"].str.fullmatch(r"64\.\d{2}\.\d{2}").all()
    assert kecamatan["kode"].is_unique
    area_km2 = kecamatan.to_crs("EPSG:32650").area.sum() / 1e6
    assert area_km2 == pytest.approx(126_800, rel=0.01)
    per_kab = kecamatan.groupby("nama_kab").size()
    assert per_kab["Kabupaten Kutai Kartanegara"] == 20 and per_kab["Kota Bontang"] == 3


def test_desa(shared_data: Path, kecamatan) -> None:
    desa = load_boundaries(
        shared_data / "kaltim_desa_kelurahan_kemendagri2022.geojson", level="desa"
    )
    assert len(desa) == 1038
    assert desa["kode"].str.fullmatch(r"64\.\d{2}\.\d{2}\.\d{4}").all()
    assert desa["kode_kec"].isin(kecamatan["kode"]).all()
    assert (desa["kode"].str.slice(0, 8) == desa["kode_kec"]).all()


def test_desa_centroids_assigned_once(shared_data: Path, tmp_path: Path, kecamatan) -> None:
    # the centroid file has no date; give every point one so it reads as an incident list
    table = pd.read_csv(shared_data / "kaltim_desa_kelurahan_centroids.csv", dtype=str)
    table["tanggal"] = "2024-01-01"
    table.to_csv(tmp_path / "desa_centroid.csv", index=False)
    load = load_incidents(
        tmp_path / "desa_centroid.csv", columns={"kode": "event_id"}, today="2025-01-01"
    )
    load.check_accounting()
    assert load.n_read == 1038 and load.rejected.empty

    # default tolerance (2 km): two island desa of Berau lie 2.8 and 6.9 km off the
    # simplified kecamatan polygons -> rejected with the reason, none lost
    default = assign_incidents(load, kecamatan)
    default.check_accounting()
    assert sorted(default.rejected["event_id"]) == ["64.03.07.2004", "64.03.12.2006"]
    assert default.rejected["reason"].str.startswith("di luar semua kecamatan").all()

    result = assign_incidents(load, kecamatan, max_distance_m=10_000)
    result.check_accounting()
    a = result.assigned
    assert len(a) == 1038 and result.rejected.empty
    assert a["event_id"].is_unique and not a.index.has_duplicates
    rules = result.summary()["by_rule"]
    assert rules["overlap"] >= 1  # real overlaps exist and were resolved once
    own = (a["event_id"].str.slice(0, 8) == a["kode"]).mean()
    assert own >= 0.95
