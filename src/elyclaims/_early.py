"""The reader's child process, started as soon as the command line knows the workbook.

python-calamine reads a workbook in a child process of its own
(:mod:`elyclaims.reading._calamine`), which takes about half a second to load 100,000 lines.
The command line knows the workbook before it has imported the rest of elyclaims (a fifth of
a second): :func:`start` begins the child then, the reader takes it over for the same file
(:func:`take`) and tells it the read limits, and :func:`discard` stops a child that no reader
took (the file was refused before it was read, or openpyxl read it). The child reads nothing
but the file it was given, under the ceiling on its address space that the default limits give
a file of its size (:meth:`~elyclaims.limits.ReadLimits.reader_memory`) and the default
``cell_chars``, and waits for the other limits before it checks a sheet or sends a row. A
config that changes either has the reader start a child of its own instead.

Only the standard library (and :mod:`elyclaims.limits`, which imports nothing else) is imported
here, so that starting the child costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from typing import IO

__all__ = ["Bounds", "Started", "discard", "launch", "start", "stop", "take"]

#: A child process and the file its standard error goes to.
Started = tuple["subprocess.Popen[bytes]", IO[bytes]]

#: What a child is started with: the ceiling on its address space and the cell_chars limit.
Bounds = tuple[int, int]

#: The children started early, by file and format: each with the bounds it was given.
_STARTED: dict[tuple[str, str], tuple[Started, Bounds]] = {}


def launch(path: str, kind: str, bounds: Bounds) -> Started:
    """Start the child for the workbook *path* of format *kind* with *bounds*; it waits for its
    other limits on standard input (see :mod:`elyclaims._calamine_child`).

    Raises:
        OSError: when no process can be started.
    """
    command = [sys.executable, "-P", "-m", "elyclaims._calamine_child", path, kind,
               *map(str, bounds)]
    # Standard error to a file: a child that says much there can never block on a pipe.
    said = tempfile.TemporaryFile()  # noqa: SIM115  (the reader closes it)
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=said)
    except OSError:
        said.close()
        raise
    return process, said


def start(path: str) -> None:
    """Start reading the .xlsx or .xlsm workbook *path* now, where python-calamine is
    installed; anything else is left to the reader."""
    from importlib.util import find_spec
    from pathlib import PurePath

    path = str(PurePath(path))  # as the reader names it
    if not path.lower().endswith((".xlsx", ".xlsm")) or not os.path.isfile(path):
        return
    if (path, "xlsx") in _STARTED or find_spec("python_calamine") is None:
        return
    from elyclaims.limits import DEFAULT_LIMITS

    with contextlib.suppress(OSError):  # the reader starts its own, or reports why it cannot
        bounds = DEFAULT_LIMITS.reader_memory(os.path.getsize(path)), DEFAULT_LIMITS.cell_chars
        _STARTED[(path, "xlsx")] = launch(path, "xlsx", bounds), bounds


def take(path: str, kind: str, bounds: Bounds) -> Started | None:
    """The child started for *path* and *kind* with *bounds*, now the caller's, or None (a
    child started with other bounds is stopped)."""
    started = _STARTED.pop((path, kind), None)
    if started is None:
        return None
    if started[1] != bounds:
        stop(started[0])
        return None
    return started[0]


def stop(started: Started) -> None:
    """Stop the child if it still runs, and let go of its pipes and of its standard error."""
    process, said = started
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout, said):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def discard() -> None:
    """Stop every child that no reader took."""
    while _STARTED:
        stop(_STARTED.popitem()[1][0])
