"""The reader's error boundary: whatever a format engine raises becomes :class:`Unreadable`.

Each engine (zipfile and our sheet scan, openpyxl, the csv module) raises its own exceptions on
a damaged or hostile file. They are translated here, where they arise, into one exception that
names the WB-001 message to show; :func:`~elyclaims.reading.read_input` turns it into the
finding. Nothing else escapes the reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from elyclaims.archives import ZIP_ERRORS, ArchiveProblem
from elyclaims.limits import LimitExceeded

__all__ = ["Unreadable", "engine_boundary", "reason"]


@dataclass
class Unreadable(Exception):
    """The file cannot be read; ``variant`` picks the WB-001 message, ``params`` fill it."""

    variant: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def limit(cls, name: str, actual: int, maximum: int) -> Unreadable:
        """A read limit was exceeded: the message names it and how to raise it."""
        return cls("limit", {"limit": name, "limit_upper": name.upper(),
                             "actual": f"{actual:,}".replace(",", " "),
                             "maximum": f"{maximum:,}".replace(",", " ")})

    @classmethod
    def memory(cls, ceiling: int) -> Unreadable:
        """Reading the workbook needed more than the *ceiling* of memory its size allows."""
        return cls("memory", {"maximum": f"{ceiling // (1024 * 1024):,}".replace(",", " ")})

    @classmethod
    def from_problem(cls, problem: ArchiveProblem) -> Unreadable:
        """The first problem of a workbook's central directory."""
        if problem.is_limit:
            return cls.limit(problem.kind, problem.actual, problem.maximum)
        if problem.kind == "encrypted":
            return cls("encrypted")
        return cls("damaged", {"reason": f"{problem.kind} member {problem.name!r}"})


def reason(error: BaseException) -> str:
    """A short technical reason for the message: the exception's type and text."""
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@contextmanager
def engine_boundary() -> Iterator[None]:
    """Translate a limit or an archive error raised inside the block into :class:`Unreadable`."""
    try:
        yield
    except Unreadable:
        raise
    except LimitExceeded as exceeded:
        raise Unreadable.limit(exceeded.name, exceeded.actual, exceeded.maximum) from exceeded
    except ZIP_ERRORS as error:
        raise Unreadable("damaged", {"reason": reason(error)}) from error
