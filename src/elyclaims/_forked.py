"""Work done in a forked copy of this process, beside this process's own.

A check is Python code from end to end, and one process uses one core. Where the work splits
into parts that only read what both processes hold (the rules read the claim, none changes
it), a copy made by ``fork`` does one part while this process does the other, and sends back
what it found. The two share their memory until either writes a page, and then hold that page
twice; Python writes a reference count into every object it goes through, so when both go
through the lines of a claim the copy comes to about three quarters of what this process
holds (measured: 650 MiB beside 884 MiB for a million lines). It is made only where that is
safe and the memory allows:

- on Linux (elsewhere ``fork`` is missing, or unsafe beside the system's own libraries);
- when this process runs no other thread: a copy gets the memory of every thread, with any
  lock one of them held, but none of the threads to release it;
- while this process holds less than :data:`MEMORY_CEILING`, so that both together stay
  well within 1.5 GiB (a claim of several hundred thousand lines; a larger one is checked
  in this process alone).

The copy never returns into the caller's code: it does its part, writes the result to a pipe
and ends with ``os._exit`` (no ``atexit``, no buffers of this process flushed twice). Where
no copy can be made, or the copy fails, the caller does the part itself, so that what comes
out is the same, and an error in the work is raised here, as it would be without a copy.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["MEMORY_CEILING", "Beside"]

T = TypeVar("T")

#: The resident memory from which no copy is made: with three quarters of it again for the
#: copy, 1.3 GiB at most.
MEMORY_CEILING = 768 * 1024 * 1024


def _resident() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def can_fork() -> bool:
    """Whether a copy of this process may be made now (see the module's description)."""
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return False
    if threading.active_count() != 1:
        return False
    resident = _resident()
    return resident is not None and resident < MEMORY_CEILING


class Beside(Generic[T]):
    """*work* being done in a forked copy of this process (:meth:`start`); :meth:`result`
    waits for it."""

    def __init__(self, pid: int, reader: int) -> None:
        self._pid: int | None = pid
        self._reader: int | None = reader

    @classmethod
    def start(cls, work: Callable[[], T]) -> Beside[T] | None:
        """Start *work* in a copy of this process; None where no copy can be made."""
        if not can_fork():
            return None
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return None
        if pid == 0:  # the copy: never returns
            _do(work, reader, writer)
        os.close(writer)
        return cls(pid, reader)

    def result(self) -> tuple[T] | None:
        """What the work gave (in a tuple), or None when the copy failed: the caller then does
        the work itself."""
        reader, self._reader = self._reader, None
        if reader is None:
            return None
        with open(reader, "rb") as stream:
            data = stream.read()
        if not self._reap():
            return None
        try:
            given = pickle.loads(data)
        except Exception:  # a copy cut short: the caller does the work again
            return None
        return given if isinstance(given, tuple) and len(given) == 1 else None

    def cancel(self) -> None:
        """Stop the copy if it still runs (when this process's own part failed)."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None

    def _reap(self) -> bool:
        """Wait for the copy to end; True when it ended well."""
        if self._pid is None:
            return False
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return os.waitstatus_to_exitcode(status) == 0


def _do(work: Callable[[], T], reader: int, writer: int) -> None:
    code = 1
    try:
        os.close(reader)
        data = pickle.dumps((work(),), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(writer, view):]
        code = 0
    except BaseException:  # the parent does the work again, and raises what it raises
        code = 1
    finally:
        os._exit(code)
