"""The exceptions elyclaims raises when it cannot continue.

Bad *data* never raises: it becomes a :class:`~elyclaims.findings.Finding`. These exceptions are
for the few situations where there is nothing sensible to report on: a configuration that cannot
be read, an output that cannot be written, or a bug.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ElyclaimsError",
    "OutputError",
    "PackageError",
]


class ElyclaimsError(Exception):
    """Root of every exception elyclaims raises on purpose."""


class ConfigError(ElyclaimsError):
    """The configuration file or an ``ELYCLAIMS_*`` variable is invalid."""


class OutputError(ElyclaimsError):
    """An output file cannot be written (the destination is left untouched)."""


class PackageError(ElyclaimsError):
    """A claim package cannot be built; the message says why."""
