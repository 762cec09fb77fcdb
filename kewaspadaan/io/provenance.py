"""Provenance of the layers of an analysis: what was read from which file, or derived how.

One :class:`LayerSource` per file read (its sha256, rows, CRS and column mapping) or per layer
derived from others (the rule in ``note``, the inputs in ``derived_from``); ``ringkasan.json``
and the report's *Sumber data* list them.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LayerSource", "sha256_of"]


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class LayerSource:
    """Provenance of one layer: the file read (or the rule that derived it).

    Attributes
    ----------
    layer : str
        Layer name.
    path : str
        The file (``""`` for a derived layer).
    sha256 : str
        Hash of the file's bytes (``""`` for a derived layer).
    rows : int
        Features or rows used.
    crs : str
        CRS of the file (``""`` for tables).
    columns : dict
        ``{schema column: file column}`` used.
    synthetic : bool
        Generated demonstration data (not real).
    note : str
        What else a reader must know (rows left out, matches, assumptions).
    derived_from : str
        Layers it was derived from, with the rule (``""`` when read from a file).
    """

    layer: str
    path: str
    sha256: str
    rows: int
    crs: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False
    note: str = ""
    derived_from: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (for ``ringkasan.json``)."""
        return asdict(self)
