"""All Indonesia, real: 514 kabupaten/kota and 7,284 kecamatan of Kemendagri, UCDP GED events
(CC BY 4.0), scored at both levels through a project file (skipped without ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kewaspadaan.io import load_layers

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(scope="module")
def national(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("nasional")
    (folder / "kewaspadaan.toml").write_text(
        f'[project]\nas_of = "2020-01-01"\n[data]\nroot = "{shared_data.as_posix()}"\n'
        '[data.kabupaten]\npath = "indonesia_kabkota_kemendagri.geojson"\n'
        '[data.kecamatan]\npath = "indonesia_kecamatan_kemendagri.geojson"\n'
        '[data.insiden]\npath = "ucdp_ged_conflict_data_idn_1989-2019.csv"\n',
        encoding="utf-8",
    )
    return load_layers(folder / "kewaspadaan.toml")


def test_national_boundaries_load_in_an_equal_area_crs(national) -> None:
    assert len(national.kecamatan) == 7284 and len(national.kabupaten) == 514
    assert national.kecamatan["kode"].is_unique and national.kabupaten["kode"].is_unique
    # two GeometryCollections of the source keep their polygon parts
    assert national.kecamatan.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert national.kecamatan["repaired"].sum() >= 2
    crs = national.analysis_crs()
    assert "equal-area" in crs.name  # eight UTM zones wide: not one UTM zone
    area_km2 = national.kabupaten.to_crs(crs).area.sum() / 1e6
    assert area_km2 == pytest.approx(1_892_000, rel=0.02)  # BPS: about 1.9 million km²


@pytest.mark.parametrize("level", ["kabupaten", "kecamatan"])
def test_national_score(national, level: str) -> None:
    from kewaspadaan.scoring import score

    result = score(national, level=level, as_of="2020-01-01", run_backtest=False)
    t = result.table
    assert len(t) == len(national.units(level))
    acc = result.accounting
    assert acc["n_read"] == acc["n_assigned"] + acc["n_rejected"] == national.incidents.n_read
    # UCDP events placed only at a province or the country are rejected, not assigned
    assert acc["reasons"].get("lokasi terlalu kasar", 0) > 100
    assert t["skor"].between(0, 100).all()
    # the UCDP violence of the last years before 2020 is in Papua (province codes 91-96); the
    # rest of the top ten is in regions of earlier conflict (Aceh 11, Maluku 81, Sulawesi 7x)
    top = t.sort_values("peringkat").head(10)
    assert (top["kode"].str[0].head(3) == "9").all(), top[["kode", "nama", "skor"]]
    assert (
        top["kode"]
        .str[:2]
        .isin(["11", "72", "73", "81", "82", "91", "92", "94", "95", "96", "97"])
        .all()
    ), top[["kode", "nama", "skor"]]
