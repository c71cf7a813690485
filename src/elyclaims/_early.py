"""The reader's child process, started as soon as the command line knows the workbook.

python-calamine reads a workbook in a child process of its own
(:mod:`elyclaims.reading._calamine`), which takes about half a second to load 100,000 lines.
The command line knows the workbook before it has imported the rest of elyclaims (a fifth of
a second): :func:`start` begins the child then, the reader takes it over for the same file
(:func:`take`) and tells it the read limits, and :func:`discard` stops a child that no reader
took (the file was refused before it was read, or openpyxl read it). The child reads nothing
but the file it was given, under the same ceiling on its address space, and waits for the
limits before it checks a sheet or sends a row.

Only the standard library is imported here, so that starting the child costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from typing import IO

__all__ = ["ADDRESS_SPACE", "Started", "discard", "launch", "start", "stop", "take"]

#: The child's address space: far above any real claim (a million lines take about 0.8 GiB),
#: far below what would hurt the machine.
ADDRESS_SPACE = 4 * 1024 * 1024 * 1024

#: A child process and the file its standard error goes to.
Started = tuple["subprocess.Popen[bytes]", IO[bytes]]

_STARTED: dict[tuple[str, str], Started] = {}


def launch(path: str, kind: str) -> Started:
    """Start the child for the workbook *path* of format *kind*; it waits for its limits on
    standard input (see :mod:`elyclaims._calamine_child`).

    Raises:
        OSError: when no process can be started.
    """
    command = [sys.executable, "-P", "-m", "elyclaims._calamine_child", path, kind,
               str(ADDRESS_SPACE)]
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
    with contextlib.suppress(OSError):  # the reader starts its own, or reports why it cannot
        _STARTED[(path, "xlsx")] = launch(path, "xlsx")


def take(path: str, kind: str) -> Started | None:
    """The child started for *path* and *kind*, now the caller's, or None."""
    return _STARTED.pop((path, kind), None)


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
        stop(_STARTED.popitem()[1])
