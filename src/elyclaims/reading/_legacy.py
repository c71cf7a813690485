"""Legacy Excel (.xls) and OpenDocument (.ods) workbooks, read by python-calamine in a child
process of their own.

Unlike an .xlsx, neither format can be scanned cheaply before a reader allocates what the file
claims (an .xls's dimensions record, an .ods's repeated rows and columns), and a crafted file
can make calamine allocate without bound and abort the process. So the reading happens in a
child process with a ceiling on its address space: whatever the file does, this process gets
rows, a limit finding or a "damaged" finding, never a crash. The child sends the rows back as
JSON lines, dates and times tagged.

What these formats do not give through calamine: error cells (``#DIV/0!``) read as empty, and
hidden rows are not reported; hidden sheets are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from elyclaims.limits import ReadLimits
from elyclaims.reading._errors import Unreadable
from elyclaims.reading._raw import RawSheet

__all__ = ["decode_value", "encode_value", "read_legacy"]

#: The child's address space: far above any real claim, far below what would hurt the machine.
ADDRESS_SPACE = 4 * 1024 * 1024 * 1024
_TIMEOUT = 900


def encode_value(value: object) -> object:
    """A cell value as JSON: None, text, numbers and booleans as they are, dates and times
    tagged (whole numbers as int, as the .xlsx engines give them)."""
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"h": value.isoformat()}
    if isinstance(value, timedelta):
        return {"s": value.total_seconds()}
    if value == "":
        return None
    if type(value) is float and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def decode_value(value: Any) -> object:
    """The cell value :func:`encode_value` encoded."""
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "h" in value:
            return time.fromisoformat(value["h"])
        return timedelta(seconds=float(value.get("s", 0)))
    return value


def read_legacy(path: Path, limits: ReadLimits) -> list[RawSheet]:
    """The sheets of the .xls or .ods workbook *path*, read in a child process.

    Raises:
        Unreadable: when the file is damaged, hostile or over a limit.
    """
    command = [sys.executable, "-m", "elyclaims.reading._legacy_child", str(path),
               str(limits.rows), str(limits.columns), str(limits.cells),
               str(limits.cell_chars), str(ADDRESS_SPACE)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as error:
        raise Unreadable("damaged", {"reason": "reading took too long"}) from error
    except OSError as error:
        raise Unreadable("damaged", {"reason": f"the reader could not start: {error}"}) from error
    if done.returncode != 0:
        raise _refusal(done.returncode, done.stderr)
    return list(_sheets(str(path), done.stdout))


def _refusal(code: int, stderr: bytes) -> Unreadable:
    """What the child said when it refused or failed."""
    last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    try:
        said = json.loads(last[0])
    except ValueError:
        said = None
    if isinstance(said, dict) and said.get("error") == "limit":
        return Unreadable.limit(str(said["name"]), int(said["actual"]), int(said["maximum"]))
    if isinstance(said, dict) and said.get("error") == "damaged":
        return Unreadable("damaged", {"reason": str(said.get("reason", ""))[:200]})
    # Killed by a signal (an abort in the reader, the address-space ceiling) or a crash.
    reason = f"the reader stopped (exit {code})" if code > 0 else f"the reader was stopped " \
             f"(signal {-code})"
    return Unreadable("damaged", {"reason": reason})


def _sheets(file: str, output: bytes) -> Iterator[RawSheet]:
    lines = iter(output.splitlines())
    sheet: dict[str, Any] | None = None
    rows: list[tuple[int, Sequence[object]]] = []
    for line in lines:
        item = json.loads(line)
        if isinstance(item, dict):
            if sheet is not None:
                yield _raw(file, sheet, rows)
            sheet, rows = item, []
            continue
        number, values = item
        rows.append((int(number), [decode_value(value) for value in values]))
    if sheet is not None:
        yield _raw(file, sheet, rows)


def _raw(file: str, sheet: dict[str, Any], rows: list[tuple[int, Sequence[object]]]) -> RawSheet:
    merged = tuple(tuple(int(n) for n in span) for span in sheet.get("merged", ()))
    return RawSheet(file=file, name=str(sheet["sheet"]), rows=rows,
                    hidden=bool(sheet.get("hidden")), merged=merged,  # type: ignore[arg-type]
                    size=len(rows))
