"""Command-line interface: ``kewaspadaan --help`` lists the commands.

Each command lives in its own module under ``kewaspadaan.cli`` and registers itself on :data:`app`.
"""

from __future__ import annotations

import importlib

from kewaspadaan.cli._common import app

__all__ = ["app", "main"]

#: Command modules, in the order their commands appear in ``--help``.
_COMMAND_MODULES = ("run", "data", "check", "score", "routes", "report")

for _name in _COMMAND_MODULES:
    importlib.import_module(f"kewaspadaan.cli.{_name}")


def main() -> None:
    """Entry point of the ``kewaspadaan`` console script."""
    app()
