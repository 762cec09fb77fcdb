"""Atomic writes: the final file appears whole, with normal permissions, or not at all."""

from __future__ import annotations

import os
import stat

import pytest

from kewaspadaan._io_utils import atomic_write


def test_atomic_write_uses_umask_permissions(tmp_path):
    out = tmp_path / "tabel.csv"
    with atomic_write(out) as fh:
        fh.write("a,b\n1,2\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    assert out.read_text() == "a,b\n1,2\n"


def test_atomic_write_failure_leaves_old_file_and_no_temp(tmp_path):
    out = tmp_path / "tabel.csv"
    out.write_text("lama\n")
    with pytest.raises(RuntimeError), atomic_write(out) as fh:
        fh.write("baru, setengah")
        raise RuntimeError("gagal di tengah")
    assert out.read_text() == "lama\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tabel.csv"]
