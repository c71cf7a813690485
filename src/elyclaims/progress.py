"""How far a long read, check or build has come, for whoever shows it.

The reader, the rules and the package writer report their progress here with :func:`tick`;
nothing listens unless a caller set a listener with :func:`reporting` (the command line's
progress bar does, on a terminal). Ticks are cheap and come every few thousand rows, so that a
listener never slows the work down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["EVERY", "Listener", "reporting", "tick"]

#: A stage's name (``read``, ``check``, ``write``), how much is done, and of how much (None
#: when not known).
Listener = Callable[[str, int, "int | None"], None]

#: Rows or lines between two ticks of a loop.
EVERY = 2048

_LISTENER: ContextVar[Listener | None] = ContextVar("elyclaims_progress", default=None)


@contextmanager
def reporting(listener: Listener) -> Iterator[None]:
    """Send the progress of the work done inside the block to *listener*."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def tick(stage: str, done: int, total: int | None = None) -> None:
    """Say that *done* of *total* units of *stage* are done."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(stage, done, total)
