"""Exceptions and warnings raised by kewaspadaan.

Every error subclasses a builtin so callers can catch it the usual way, and every message names
the file, column or row at fault and says how to fix it. Validation code collects all problems
first and raises once (see :class:`ValidationError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "CRSError",
    "DataFileError",
    "EmptyDataError",
    "GeometryError",
    "KewaspadaanError",
    "KewaspadaanWarning",
    "MissingColumnError",
    "MissingDependencyError",
    "NetworkError",
    "ProjectFileError",
    "SettingsError",
    "ValidationError",
]


class KewaspadaanError(Exception):
    """Base class of every error raised by kewaspadaan."""


class KewaspadaanWarning(UserWarning):
    """Base class of every warning issued by kewaspadaan."""


class DataFileError(KewaspadaanError, ValueError):
    """A data file cannot be read (format, encoding, unreadable content)."""


class EmptyDataError(DataFileError):
    """A data file holds no rows or features."""


class MissingColumnError(KewaspadaanError, KeyError):
    """A required column is absent.

    ``KeyError`` quotes its message with ``repr``; ``__str__`` is overridden so the fix reads well.
    """

    def __str__(self) -> str:  # pragma: no cover - trivial
        return str(self.args[0]) if self.args else ""


class CRSError(KewaspadaanError, ValueError):
    """A layer has no CRS, the wrong kind of CRS, or two layers disagree."""


class GeometryError(KewaspadaanError, ValueError):
    """Geometry is missing, empty, of the wrong type, or cannot be repaired."""


class NetworkError(KewaspadaanError, ValueError):
    """The transport network is malformed (no depot, disconnected where it must not be, ...)."""


class MissingDependencyError(KewaspadaanError, ImportError):
    """An optional dependency is not installed; the message gives the exact ``pip install``."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self._parts = (package, extra, purpose)
        super().__init__(
            f"{purpose} needs the optional package {package!r}. "
            f'Install it with: pip install "kewaspadaan[{extra}]"'
        )

    def __reduce__(self) -> tuple[Any, ...]:  # picklable: sent back from worker processes
        return (type(self), self._parts)


class ValidationError(KewaspadaanError, ValueError):
    """Several problems found while validating one input; all are listed at once.

    Parameters
    ----------
    source : str
        The file (or object) validated.
    problems : iterable of str
        One line per problem, each naming the column/row and the fix.
    """

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) found:\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable: sent back from worker processes
        return (type(self), (self.source, self.problems))


class ProjectFileError(ValidationError):
    """A project file (``kewaspadaan.toml``) or a ``paths=`` mapping is wrong; every problem is
    listed, each naming its key (``[data.kecamatan] path``) and the fix. One problem reads as one
    line."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        super().__init__(source, problems)
        if len(self.problems) == 1:
            self.args = (f"{source}: {self.problems[0]}",)


class SettingsError(ValidationError):
    """A settings file or value is wrong (unknown key, wrong type, out of range); every problem
    is listed and nothing is applied."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        super().__init__(source, problems)
        if len(self.problems) == 1:
            self.args = (f"{source}: {self.problems[0]}",)
