"""Workbooks read by python-calamine in a child process of their own.

calamine is fast, but it trusts what a file claims: cells at A1 and XFD1048576, a cell without
a reference placed after sixteen thousand others, a shared-string table that declares four
trillion entries. Each makes it allocate without bound, and the process aborts, beyond any
``except``. No scan of the file's text can know every claim calamine acts on, so calamine never
runs in this process: a child reads the workbook under a ceiling on its address space
(:meth:`~elyclaims.limits.ReadLimits.reader_memory`, from the file's size) and sends the rows
back as they are read (:mod:`elyclaims._calamine_child`). Whatever the file does, this process
gets rows, a limit finding (the ceiling reached is the ``memory`` one) or a "damaged" finding,
never a crash.

For an .xlsx the child starts first and loads the workbook while this process scans the
sheets' XML (:mod:`elyclaims.reading._xlsx`): on two cores the scan costs no time. An .xls or
.ods (which cannot be scanned cheaply) is read whole before its rows are used. What calamine
does not give (error cells of .xls/.ods, hidden rows) is said in ``_xlsx`` and the spec.
"""

from __future__ import annotations

import contextlib
import io
import json
import pickle
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from elyclaims._calamine_child import BOOK, DAMAGED, END, LIMIT, MEMORY, OUT_OF_MEMORY, ROWS, SHEET
from elyclaims.limits import ReadLimits
from elyclaims.reading._errors import Unreadable
from elyclaims.reading._raw import RawSheet

__all__ = ["CalamineChild", "FrameUnpickler", "read_legacy"]

_TIMEOUT = 900
_TIMES = frozenset({"date", "datetime", "time", "timedelta"})


class FrameUnpickler(pickle.Unpickler):
    """Unpickles only what the child sends: lists, texts, numbers and the datetime types."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in _TIMES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def _launch(path: str, kind: str, address_space: int, limits: ReadLimits
            ) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start the child for the workbook *path* of format *kind*, under a ceiling of
    *address_space* bytes, with the read limits it checks (see :mod:`elyclaims._calamine_child`).

    Raises:
        OSError: when no process can be started.
    """
    command = [sys.executable, "-P", "-m", "elyclaims._calamine_child", path, kind,
               *map(str, (address_space, limits.cell_chars, limits.rows, limits.columns,
                          limits.cells))]
    # Standard error to a file: a child that says much there can never block on a pipe.
    said = tempfile.TemporaryFile()  # noqa: SIM115  (close() closes it)
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=said)
    except OSError:
        said.close()
        raise
    return process, said


class CalamineChild:
    """A workbook being read in a child process. Its sheets come in workbook order
    (:attr:`sheets`); :meth:`rows` gives one sheet's rows, passing over what is left of the
    sheets before it. A sheet passed over cannot be read again."""

    def __init__(self, path: Path, kind: str, limits: ReadLimits) -> None:
        try:
            self._ceiling = limits.reader_memory(path.stat().st_size)
        except OSError:  # the reader has already opened it; a file gone is calamine's to say
            self._ceiling = limits.memory_bytes
        try:
            self._process, self._said = _launch(str(path), kind, self._ceiling, limits)
        except OSError as error:
            raise Unreadable("damaged", {"reason": f"the reader could not start: {error}"}
                             ) from error
        self._watchdog = threading.Timer(_TIMEOUT, self._process.kill)
        self._watchdog.daemon = True
        self._watchdog.start()
        self._pending: tuple[Any, ...] | None = None
        self._current = -1
        self._sheets: list[tuple[str, bool]] | None = None
        #: Each sheet's merged ranges, ``(top, left, bottom, right)``, once its rows begin.
        self.merged: dict[int, tuple[tuple[int, int, int, int], ...]] = {}

    @property
    def sheets(self) -> list[tuple[str, bool]]:
        """The worksheets' names, and whether each is hidden, in workbook order.

        Raises:
            Unreadable: when the child refuses the file or stops.
        """
        if self._sheets is None:
            frame = self._next()
            if frame[0] != BOOK or not isinstance(frame[1], list):
                raise self._garbled()
            self._sheets = [(str(name), bool(hidden)) for name, hidden in frame[1]]
        return self._sheets

    def rows(self, index: int) -> Iterator[tuple[int, list[object]]]:
        """The rows of the *index*-th sheet, numbered from 1, each padded from column A.

        Raises:
            Unreadable: when the child refuses the file, stops, or a sheet is over a limit.
        """
        _ = self.sheets
        while True:
            frame = self._next()
            tag = frame[0]
            if tag == SHEET:
                if frame[1] > index:
                    self._pending = frame
                    return
                self._current = frame[1]
                self.merged[frame[1]] = tuple(tuple(span) for span in frame[2])
            elif tag == ROWS:
                if self._current > index:
                    self._pending = frame
                    return
                if self._current == index:
                    yield from enumerate(frame[2], start=frame[1])
            elif tag == END:
                self._pending = frame
                return
            else:
                raise self._garbled()

    def close(self) -> None:
        """Stop the child if it still runs, and let go of its pipes and its watchdog (whose
        thread would keep the rules from sharing the work with a copy of the process)."""
        self._watchdog.cancel()
        self._watchdog.join()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdout, self._said):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _next(self) -> tuple[Any, ...]:
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        stream = self._process.stdout
        assert stream is not None
        head = stream.read(4)
        if len(head) < 4:
            raise self._refusal()
        size = struct.unpack("<I", head)[0]
        body = stream.read(size)
        if len(body) < size:
            raise self._refusal()
        try:
            frame = FrameUnpickler(io.BytesIO(body)).load()
        except Exception as error:  # a garbled frame: anything the unpickler raises
            raise self._garbled() from error
        if not isinstance(frame, tuple) or not frame:
            raise self._garbled()
        return frame

    def _garbled(self) -> Unreadable:
        return Unreadable("damaged", {"reason": "the reader sent what it should not"})

    def _refusal(self) -> Unreadable:
        """What the child said when it stopped before the end."""
        code = self._process.wait()
        self._watchdog.cancel()
        self._said.seek(0)
        lines = self._said.read()[-4096:].decode("utf-8", "replace").strip().splitlines()
        try:
            said = json.loads(lines[-1]) if lines else None
        except ValueError:
            said = None
        if isinstance(said, dict) and said.get("error") == LIMIT:
            return Unreadable.limit(str(said["name"]), int(said["actual"]),
                                    int(said["maximum"]))
        if isinstance(said, dict) and said.get("error") == DAMAGED:
            return Unreadable("damaged", {"reason": str(said.get("reason", ""))[:200]})
        if (isinstance(said, dict) and said.get("error") == MEMORY) or any(
                OUT_OF_MEMORY in line for line in lines):
            return Unreadable.memory(self._ceiling)
        # Killed by a signal (an abort in calamine, the address-space ceiling) or a crash.
        reason = (f"the reader stopped (exit {code})" if code >= 0 else
                  f"the reader was stopped (signal {-code})")
        return Unreadable("damaged", {"reason": reason})


def read_legacy(path: Path, kind: str, limits: ReadLimits) -> list[RawSheet]:
    """The sheets of the .xls or .ods workbook *path* (``kind``), read whole in a child process.

    Raises:
        Unreadable: when the file is damaged, hostile or over a limit.
    """
    child = CalamineChild(path, kind, limits)
    try:
        sheets = []
        for index, (name, hidden) in enumerate(child.sheets):
            rows: list[tuple[int, Sequence[object]]] = list(child.rows(index))
            sheets.append(RawSheet(file=str(path), name=name, rows=rows, hidden=hidden,
                                   merged=child.merged.get(index, ()), size=len(rows),
                                   clean=True))
        return sheets
    finally:
        child.close()
