"""Features per kecamatan: terrain, geography and remoteness (history lives in ``history``).

Every feature function takes the boundaries and returns a Series/DataFrame aligned to their
index, with units in the column names.
"""

from __future__ import annotations

from kewaspadaan.features import geography, remoteness, terrain

__all__ = ["geography", "remoteness", "terrain"]
