"""The child process in which python-calamine reads a workbook (see ``elyclaims.reading._calamine``).

    python -m elyclaims._calamine_child PATH FORMAT ADDRESS_SPACE CELL_CHARS ROWS COLUMNS CELLS

with the ceiling on its address space and the read limits. An .xlsx's shared-string tables
are measured against CELL_CHARS first, in blocks, since calamine holds them whole before the
first sheet. Writes frames to
standard output, each a 4-byte little-endian length and a pickle of a tuple:
``("book", [(name, hidden), …])`` first (the worksheets, in workbook order), then for each sheet
``("sheet", index, merged)`` and its rows in runs of ``("rows", first_row_number, [[values…]…])``,
and ``("end",)`` last; exits 0. The values are as openpyxl gives them: padded from column A,
whole numbers as int, dates and times as ``datetime`` objects; and as the table reader wants
them (``RawSheet.clean``): an empty cell or a text of white space only is None, and a text or
date repeated within a frame is one object (sent once). A sheet over a limit (a text longer
than CELL_CHARS too), or a file calamine refuses, exits 3 with a JSON line on standard error
saying why (``{"error": "memory"}`` when Python's own memory runs out under ADDRESS_SPACE); an
abort (a crafted file; calamine over the ceiling, which says "memory allocation of … failed")
ends the process, which the parent reports as a damaged file or as over the memory limit.
"""

from __future__ import annotations

import contextlib
import io
import json
import pickle
import struct
import sys
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn

# The protocol, here once for both sides (elyclaims.reading._calamine imports these): the tags of
# the frames on standard output, and the kinds of stop said on standard error.
BOOK, SHEET, ROWS, END = "book", "sheet", "rows", "end"
LIMIT, DAMAGED, MEMORY = "limit", "damaged", "memory"
#: What Rust's allocator says on standard error before it aborts (calamine over the ceiling).
OUT_OF_MEMORY = "memory allocation of "

#: Rows per frame: a frame is decoded at once, so a few hundred kilobytes.
RUN = 2048
_PLAIN = frozenset({str, int, bool, date, datetime, time, timedelta})


def _ceiling(address_space: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the process boundary alone protects the parent
        return
    # A platform that cannot set it (macOS): the process boundary still protects the parent.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_merged(path: str) -> dict[str, list[list[int]]]:
    """The merged ranges of an .ods workbook's sheets (calamine does not give them): each cell
    that spans rows or columns, its position counted through repeated rows and cells."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        if "content.xml" not in archive.NameToInfo:
            return {}
        with archive.open("content.xml") as content:
            head = content.read()
    if b"-spanned" not in head:
        return {}
    merged: dict[str, list[list[int]]] = {}
    table = f"{{{_TABLE}}}"
    sheet, row, column = "", 0, 0
    for event, element in etree.iterparse(
            io.BytesIO(head), events=("start", "end"), resolve_entities=False,
            no_network=True, load_dtd=False, huge_tree=False):
        tag = element.tag
        if event == "start":
            if tag == f"{table}table":
                sheet, row = element.get(f"{table}name", ""), 0
            elif tag == f"{table}table-row":
                column = 0
            elif tag in (f"{table}table-cell", f"{table}covered-table-cell"):
                rows = int(element.get(f"{table}number-rows-spanned", "1"))
                columns = int(element.get(f"{table}number-columns-spanned", "1"))
                if rows > 1 or columns > 1:
                    merged.setdefault(sheet, []).append(
                        [row + 1, column + 1, row + rows, column + columns])
            continue
        if tag == f"{table}table-row":
            row += int(element.get(f"{table}number-rows-repeated", "1"))
        elif tag in (f"{table}table-cell", f"{table}covered-table-cell"):
            column += int(element.get(f"{table}number-columns-repeated", "1"))
        element.clear()
    return merged


def _stop(**said: object) -> NoReturn:
    print(json.dumps(said), file=sys.stderr)
    sys.exit(3)


def _damaged(error: BaseException) -> NoReturn:
    _stop(error=DAMAGED, reason=f"{type(error).__name__}: {error}"[:200])


class _Frames:
    """Frames to standard output: a 4-byte length, then the pickled item."""

    def __init__(self) -> None:
        self._out = sys.stdout.buffer

    def send(self, *item: object) -> None:
        body = pickle.dumps(item, protocol=5)
        self._out.write(struct.pack("<I", len(body)))
        self._out.write(body)


class _Seen(dict[object, object]):
    """The texts and dates of one frame, each as the one object that stands for it: None for a
    text of white space only. A text over the length limit stops the child (each distinct text
    is measured once)."""

    __slots__ = ("longest",)

    def __init__(self, longest: int) -> None:
        super().__init__({"": None})
        self.longest = longest

    def __missing__(self, value: object) -> object:
        if type(value) is str:
            if len(value) > self.longest:
                _stop(error=LIMIT, name="cell_chars", actual=len(value), maximum=self.longest)
            if value.isspace():
                self[value] = None
                return None
        self[value] = value
        return value


def _values(values: list[Any], padding: list[None], seen: _Seen) -> list[object]:
    """A row's values as openpyxl gives them, each text and date as the frame's one object."""
    return [*padding, *[
        seen[value] if kind is str or kind is date or kind is datetime
        else (int(value) if value.is_integer() and abs(value) < 1e15 else value)
        if kind is float else value if kind in _PLAIN or value is None else str(value)
        for value in values for kind in (type(value),)]]


def _send_rows(frames: _Frames, sheet: Any, top: int, left: int, longest: int) -> None:
    """The sheet's rows from its first row, each padded with *left* empty cells.
    python-calamine's ``iter_rows`` gives the *top* rows above the data as empty rows, but
    leaves out the empty columns before it. Should a version begin at the data instead, the
    count at the end tells: a damaged read, never rows numbered wrongly."""
    padding = [None] * left
    run: list[list[object]] = []
    seen = _Seen(longest)
    first = 1
    number = 0
    for number, values in enumerate(sheet.iter_rows(), start=1):
        run.append(_values(values, padding, seen))
        if len(run) == RUN:
            frames.send(ROWS, first, run)
            run, seen, first = [], _Seen(longest), number + 1
    if run:
        frames.send(ROWS, first, run)
    if number != top + sheet.height:
        _stop(error=DAMAGED, reason=f"the reader gave {number} rows, not {top} above the "
              f"data and {sheet.height} of it")


def _shared_texts_within(path: str, longest: int) -> None:
    """Stop before calamine loads a shared-string table with a text over the limit (it holds
    the whole table before the first sheet)."""
    import zipfile

    from elyclaims.archives import ZIP_ERRORS, shared_texts_within
    from elyclaims.limits import LimitExceeded

    try:
        with zipfile.ZipFile(path) as archive:
            shared_texts_within(archive, longest)
    except LimitExceeded as over:
        _stop(error=LIMIT, name=over.name, actual=over.actual, maximum=over.maximum)
    except ZIP_ERRORS as error:
        _damaged(error)


def main(argv: list[str]) -> None:
    path, kind = argv[0], argv[1]
    address_space, longest, rows_limit, columns_limit, cells_limit = map(int, argv[2:7])
    _ceiling(address_space)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if kind == "xlsx":
        _shared_texts_within(path, longest)

    try:
        workbook = CalamineWorkbook.from_path(path)
        metadata = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except Exception as error:  # calamine's errors on a file it cannot read
        _damaged(error)
    frames = _Frames()
    frames.send(BOOK, [(item.name, item.visible != SheetVisibleEnum.Visible)
                         for item in metadata])
    ods_merged: dict[str, list[list[int]]] | None = None
    for index, item in enumerate(metadata):
        try:
            sheet = workbook.get_sheet_by_name(item.name)
        except Exception as error:
            _damaged(error)
        height, width = sheet.height, sheet.width
        top, left = sheet.start or (0, 0)
        for name, actual, maximum in (("rows", top + height, rows_limit),
                                      ("columns", left + width, columns_limit),
                                      ("cells", height * width, cells_limit)):
            if actual > maximum:
                _stop(error=LIMIT, name=name, actual=actual, maximum=maximum)
        merged = [[a + 1, b + 1, c + 1, d + 1] for (a, b), (c, d) in
                  (sheet.merged_cell_ranges or [])]
        if not merged and kind == "ods":
            try:
                if ods_merged is None:
                    ods_merged = _ods_merged(path)
            except Exception as error:  # a content.xml lxml cannot parse
                _damaged(error)
            merged = ods_merged.get(item.name, [])
        frames.send(SHEET, index, merged)
        if height and width:
            _send_rows(frames, sheet, top, left, longest)
    frames.send(END)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except MemoryError:  # Python's own allocation over the ceiling (calamine's aborts instead)
        _stop(error=MEMORY)
