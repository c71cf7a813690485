"""The exceptions elyclaims raises when it cannot continue.

Bad *data* never raises: it becomes a :class:`~elyclaims.findings.Finding`. These exceptions are
for the few situations where there is nothing sensible to report on: a configuration that cannot
be read, an output that cannot be written, a usage that makes no sense, or a bug that one of
elyclaims' own checks caught. Each carries the exit code the command line gives for it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ElyclaimsError",
    "InternalError",
    "OutputError",
    "PackageError",
    "UsageError",
]


class ElyclaimsError(Exception):
    """Root of every exception elyclaims raises on purpose.

    Like a finding, it carries an English message template and its values, so that the command
    line can say it in the reader's language (:meth:`render`); ``str(error)`` is the English.
    """

    #: The command line's exit code for this error (cli.md, "Exit codes").
    exit_code = 2
    #: The kind of error, as the JSON error document names it.
    kind = "error"

    def __init__(self, message: str, **values: object) -> None:
        self.template = message
        self.values = values
        super().__init__(message.format(**values) if values else message)

    def render(self, lang: str) -> str:
        """The message in *lang*."""
        from elyclaims.i18n import translator

        return translator(lang)(self.template, **self.values)


class ConfigError(ElyclaimsError):
    """The configuration file or an ``ELYCLAIMS_*`` variable is invalid."""

    kind = "config"


class UsageError(ElyclaimsError):
    """The arguments make no sense together (e.g. the same input given twice)."""

    kind = "usage"


class OutputError(ElyclaimsError):
    """An output file cannot be written (the destination is left untouched)."""

    kind = "output"


class PackageError(ElyclaimsError):
    """A claim package cannot be built; the message says why."""

    kind = "package"


class InternalError(ElyclaimsError):
    """One of elyclaims' own checks found a bug (e.g. a package failing its own schema)."""

    exit_code = 70
    kind = "internal"
