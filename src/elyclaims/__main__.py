"""``python -m elyclaims`` runs the command line."""

from elyclaims.cli import run

run()
