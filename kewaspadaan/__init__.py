"""kewaspadaan: early warning (kewaspadaan dini) for Indonesian local government.

Risk scoring per kecamatan/desa, election logistics on a multimodal network, offline maps and
reports. See the README for a tour.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from kewaspadaan import _errors, crs, schema, settings

try:
    __version__ = version("kewaspadaan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__", "_errors", "crs", "schema", "settings"]
