"""``python -m kewaspadaan`` runs the command line."""

from kewaspadaan.cli import main

main()
