"""The real Kalimantan Timur case, end to end, with whatever real layers are present.

Run::

    python examples/kaltim_nyata.py [--shared ../shared/data] [--out outputs/kaltim_nyata]
                                    [--as-of 2026-11-01]

Inputs (``--shared``, see its README.md; nothing is copied into the project): the 105 kecamatan
and 1,038 desa/kelurahan of Kemendagri 2022 with their centroids, the kabupaten/kota and
province polygons, the Dephub ports (positions poor), Natural Earth rivers and towns.
There is **no** incident history, DEM, road network, security-post or population layer, so:

- the risk score uses only the static feature groups that can be computed (remoteness by the
  straight-line fallback to the kabupaten and provincial capitals); history, spill-over, the model
  (``prob_insiden`` is NaN), the backtest and alerts are listed as not computed, and the group
  weights are renormalised over the groups present (printed);
- the settlement nodes are the desa/kelurahan centroids, with capitals and roles by the rules of
  :mod:`kewaspadaan.realdata` (the rule that chose each capital is printed);
- the coastline is derived from the province polygons (:func:`kewaspadaan.realdata.
  coastline_from_polygons`: outline shared with no other province, open pieces confirmed by a
  Natural Earth sea port; the land border with Sarawak is left out), so ``coast_distance_km``
  is computed (it is not a composite feature);
- the KPU warehouses are *assumed* at the kabupaten capitals (no warehouse layer exists);
- the network uses the documented road fallback (tracks between neighbouring settlements), the
  Natural Earth rivers (navigability unknown: treated as ``kecil``) and the ports.

Writes into ``--out``: ``risiko_kecamatan.{gpkg,csv}``, ``rute.{gpkg,csv,geojson}``,
``tautan_kritis.*``, ``laporan_kewaspadaan.html`` (offline), ``ringkasan.json``,
``ibukota_kabupaten.csv`` (capitals and their rule) and ``fitur.json`` (features computed / not
computed and why).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from kewaspadaan._io_utils import atomic_write, write_table
from kewaspadaan.pipeline import RunResult, prepare_layers, run
from kewaspadaan.realdata import (
    coastline_from_polygons,
    depots_at_capitals,
    kabupaten_capitals,
    settlements_from_desa,
)

__all__ = ["FILES", "NETWORK_OPTIONS", "default_shared", "main", "real_layers", "run_real"]

logger = logging.getLogger("kaltim_nyata")

#: Files of the shared real-data folder, by layer.
FILES = {
    "kecamatan": "kaltim_kecamatan_kemendagri2022.geojson",
    "desa": "kaltim_desa_kelurahan_kemendagri2022.geojson",
    "desa_titik": "kaltim_desa_kelurahan_centroids.csv",
    "kabupaten": "kalimantan_kabkota_kemendagri2022.geojson",
    "provinsi": "kalimantan_provinsi_kemendagri2022.geojson",
    "pelabuhan": "pelabuhan_kaltim_dephub2017.geojson",
    "sungai": "ne10m_rivers_borneo_east.geojson",
    "kota": "ne10m_populated_places_borneo_east.geojson",
}
#: Natural Earth rivers carry no navigability: every reach is taken as small-boat navigable.
NETWORK_OPTIONS: dict[str, Any] = {"default_navigasi": "kecil"}
_LAYER_PATHS = ("kecamatan", "desa", "kabupaten", "provinsi", "pelabuhan", "sungai")


def default_shared() -> Path:
    """``$KEWASPADAAN_SHARED_DATA``, else ``../shared/data`` next to the repository."""
    env = os.environ.get("KEWASPADAAN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def real_layers(shared: Path) -> tuple[Any, dict[str, Path], gpd.GeoDataFrame]:
    """Load the real layers present and derive the settlements and assumed depots.

    Returns
    -------
    (Layers, dict, GeoDataFrame)
        The layers, the files used (by layer name) and the kabupaten capitals table.
    """
    paths = {k: shared / FILES[k] for k in _LAYER_PATHS if (shared / FILES[k]).exists()}
    if "kecamatan" not in paths:
        raise FileNotFoundError(
            f"{shared / FILES['kecamatan']}: the kecamatan boundaries are "
            "needed; give --shared the folder of the real data"
        )
    # Kabupaten polygons of the other Kalimantan provinces are not this province's units.
    layers = prepare_layers(None, paths={k: v for k, v in paths.items() if k != "kabupaten"})
    for name in ("sungai", "pelabuhan"):  # Natural Earth / Dephub name their features "name"
        g = getattr(layers, name)
        if g is not None and "nama" not in g.columns and "name" in g.columns:
            setattr(layers, name, g.rename(columns={"name": "nama"}))
    desa_src = shared / FILES["desa_titik"]
    if desa_src.exists():
        desa = pd.read_csv(desa_src, dtype=str)
    elif layers.desa is not None:
        desa_src = paths["desa"]
        desa = layers.desa
    else:
        raise FileNotFoundError(f"neither {desa_src} nor the desa polygons: no settlement nodes")
    towns = kab = None
    if (shared / FILES["kota"]).exists() and "kabupaten" in paths:
        towns = gpd.read_file(shared / FILES["kota"])
        kab = gpd.read_file(paths["kabupaten"])
    capitals = kabupaten_capitals(desa, towns=towns, kabupaten=kab)
    settlements = settlements_from_desa(desa, capitals=capitals)
    settlements.attrs["source"] = (
        f"{desa_src} (titik pusat desa/kelurahan; peran dan ibu kota "
        "menurut aturan kewaspadaan.realdata; penduduk tidak ada)"
    )
    names = {}
    if "nama_kab" in desa.columns:
        names = dict(zip(desa["kode_kab"].astype(str), desa["nama_kab"], strict=True))
    depots = depots_at_capitals(capitals, names=names)
    depots.attrs["source"] = "asumsi: satu gudang KPU per kabupaten/kota di ibu kotanya"
    coast = _coastline(shared, paths)
    layers = dataclasses.replace(
        layers, permukiman=settlements, gudang_kpu=depots, garis_pantai=coast
    )
    return layers, paths, capitals


def _coastline(shared: Path, paths: dict[str, Path]) -> gpd.GeoDataFrame | None:
    """The coast of Kalimantan Timur derived from the province polygons (None if impossible)."""
    ne_ports = shared / "ne10m_ports_borneo_east.geojson"
    if "provinsi" not in paths or not ne_ports.exists():
        logger.warning("no province polygons or sea ports: the coastline is not derived")
        return None
    prov = gpd.read_file(paths["provinsi"])
    land = prov[prov["kode"].astype(str) == "64"]
    coast = coastline_from_polygons(
        land, neighbours=prov[prov["kode"].astype(str) != "64"], sea_ports=gpd.read_file(ne_ports)
    )
    coast.attrs["source"] = (
        f"{paths['provinsi']} (garis pantai diturunkan: batas provinsi yang "
        "tidak bersinggungan dengan provinsi lain, dikonfirmasi pelabuhan "
        f"laut Natural Earth; {coast.attrs['excluded_km']:.0f} km batas "
        "darat dikeluarkan)"
    )
    return coast


def run_real(
    shared: Path,
    out: Path,
    *,
    as_of: str | None = None,
    departure: str | None = None,
    deadline: str | None = None,
) -> RunResult:
    """Score, route and report the real province into ``out`` (see the module docstring)."""
    layers, paths, capitals = real_layers(shared)
    result = run(
        None,
        out,
        paths=paths,
        layers=layers,
        as_of=as_of,
        departure=departure,
        deadline=deadline,
        network_options=NETWORK_OPTIONS,
    )
    s = result.score
    cap = pd.DataFrame(capitals.drop(columns="geometry"))
    result.outputs["ibukota_kabupaten"] = write_table(cap, out / "ibukota_kabupaten.csv")
    feats = {
        "dihitung": sorted(c for c in s.risk.features.columns if s.risk.features[c].notna().any()),
        "dipakai_dalam_skor": sorted(s.risk.normalised.columns),
        "bobot_kelompok": {g: round(w, 4) for g, w in s.risk.weights.items()},
        "tidak_dihitung": dict(sorted(s.missing.items())),
        "catatan": dict(sorted(s.notes.items())),
    }
    path = out / "fitur.json"
    with atomic_write(path) as fh:
        json.dump(feats, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    result.outputs["fitur"] = path
    return result


def _print_summary(result: RunResult, capitals: pd.DataFrame | None = None) -> None:
    s = result.score
    print(f"Kecamatan dinilai: {len(s.table)} (tanggal penilaian {s.as_of:%Y-%m-%d})")
    print("Kelas:", s.table["kelas"].value_counts().to_dict())
    print(
        "Bobot kelompok (dinormalkan ulang):", {g: round(w, 3) for g, w in s.risk.weights.items()}
    )
    print("Fitur dihitung:", ", ".join(sorted(s.risk.normalised.columns)))
    print("Fitur TIDAK dihitung:")
    for name, why in sorted(s.missing.items()):
        print(f"  - {name}: {why}")
    for name, note in sorted(s.notes.items()):
        print(f"  catatan {name}: {note}")
    if result.logistics is not None:
        print("Logistik:", result.logistics.summary())
    print("Berkas:")
    for name, path in sorted(result.outputs.items()):
        print(f"  {name}: {path}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--shared",
        type=Path,
        default=default_shared(),
        help="folder of the real data (default ../shared/data)",
    )
    ap.add_argument("--out", type=Path, default=Path("outputs/kaltim_nyata"))
    ap.add_argument(
        "--as-of",
        default=None,
        help="assessment date YYYY-MM-DD (default: "
        "this month; without incidents it only dates the report)",
    )
    ap.add_argument("--departure", default=None)
    ap.add_argument("--deadline", default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not (args.shared / FILES["kecamatan"]).exists():
        print(f"real data absent: {args.shared / FILES['kecamatan']} not found", file=sys.stderr)
        return 2
    result = run_real(
        args.shared, args.out, as_of=args.as_of, departure=args.departure, deadline=args.deadline
    )
    _print_summary(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
