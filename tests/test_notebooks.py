"""The analyst notebooks: committed without outputs, and the walkthrough runs top to bottom.

The walkthrough is executed with nbclient on the ``python3`` kernel (ipykernel) in a temporary
working directory, so it never writes into the repository's ``data/`` or ``outputs/``. The full
demonstration province of the ``demo_full`` fixture is copied there as ``data/``, exactly what
``ensure_demo_data("data")`` in the notebook would generate (same seed, size and version: the
notebook's call then finds it up to date). The same check runs with
``python -m pytest --nbmake notebooks/`` (nbmake's working directory is ``notebooks/``).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

nbformat = pytest.importorskip("nbformat")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
WALKTHROUGH = REPO / "notebooks" / "01_walkthrough_analis.ipynb"
#: Files only the notebook writes (``kewaspadaan run`` does not): they must land in the temp dir.
NOTEBOOK_ONLY_OUTPUTS = ("peta_risiko.html", "contoh_insiden_rusak.csv")


def test_notebooks_exist():
    assert WALKTHROUGH in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    """Outputs are stripped (``nbstripout notebooks/*.ipynb``) before committing."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} have outputs or execution counts; "
        f"run `nbstripout notebooks/{path.name}` before committing"
    )
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def _text(nb) -> str:
    """Every text output of an executed notebook, joined (stream and text/plain)."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out["text"])
            elif "data" in out:
                parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(demo_full, tmp_path_factory):
    """The walkthrough executed in a temporary working directory: (notebook, directory)."""
    nbclient = pytest.importorskip("nbclient")
    work = tmp_path_factory.mktemp("notebook")
    shutil.copytree(demo_full, work / "data")
    before = {name: _mtime(REPO / "outputs" / name) for name in NOTEBOOK_ONLY_OUTPUTS}
    nb = nbformat.read(WALKTHROUGH, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    after = {name: _mtime(REPO / "outputs" / name) for name in NOTEBOOK_ONLY_OUTPUTS}
    assert before == after, "the notebook wrote into the repository's outputs/"
    return nb, work


def _mtime(path: Path) -> float | None:
    return path.stat().st_mtime if path.exists() else None


@pytest.mark.slow
def test_walkthrough_runs_without_errors(executed):
    nb, _ = executed
    errors = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    text = _text(nb)
    assert "SINTETIS" in text  # the synthetic-data notice is printed, not only in markdown
    # the deliberately broken copy: every kind of rejection shows up with its reason
    for reason in (
        "tanggal tidak terbaca",
        "koordinat kosong",
        "di luar semua kecamatan",
        "event_id ganda",
    ):
        assert reason in text, reason


@pytest.mark.slow
def test_walkthrough_summary_is_consistent(executed, demo_full):
    nb, work = executed
    out = work / "outputs"
    summary = json.loads((out / "ringkasan.json").read_text(encoding="utf-8"))
    manifest = json.loads((demo_full / "MANIFEST.json").read_text(encoding="utf-8"))
    assert summary["tanggal_penilaian"] == "2026-11-01"
    assert summary["unit"] == manifest["parameters"]["grid"]["n_kec"]
    acc = summary["insiden"]
    assert acc["n_read"] == acc["n_assigned"] + acc["n_rejected"] > 0
    assert sum(summary["kelas"].values()) == summary["unit"]
    bt = summary["backtest"]
    from kewaspadaan.forecast import METHODS

    assert set(bt) == set(METHODS)
    assert all(0 < bt[m]["brier"] < 1 and 0 < bt[m]["aupr"] <= 1 for m in bt)
    assert summary["validasi"]["spearman_skor"] > 0.5
    logi = summary["logistik"]
    assert logi["tujuan"] == logi["terjangkau"] + logi["tidak_terjangkau"] > 0
    assert logi["personel_kebutuhan"] > 0
    # the explained kecamatan is the top-ranked one of the written table
    table = pd.read_csv(out / "risiko_kecamatan.csv", dtype={"kode": str})
    assert len(table) == summary["unit"]
    top = table.loc[table["peringkat"] == 1].iloc[0]
    assert f"Peringkat 1: {top['nama']} ({top['kode']})" in _text(nb)
    personnel = pd.read_csv(out / "alokasi_personel.csv")
    assert personnel["alokasi"].sum() == 1500  # JUMLAH_PERSONEL in the notebook
    assert (out / "gangguan.csv").stat().st_size > 0


@pytest.mark.slow
def test_walkthrough_map_is_offline_and_inline(executed):
    nb, work = executed
    page = (work / "outputs" / "peta_risiko.html").read_text(encoding="utf-8")
    assert "leaflet" in page.lower()
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)=[\"']?(https?:)?//", page)
    inline = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "<iframe srcdoc=" in out.get("data", {}).get("text/html", "")
    ]
    assert len(inline) == 1
