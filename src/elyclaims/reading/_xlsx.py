"""The xlsx/xlsm engine: one streaming scan of each sheet's XML for the read limits and for
what the cell values do not tell (hidden rows, formulas without a cached value, error cells,
merged cells, the true extent of the data), and the values themselves from python-calamine in a
child process (``_calamine``) or from openpyxl in read-only mode.

The scan reads the sheet in blocks, never whole, and runs a precise pattern only where a marker
occurs (``<f``, ``hidden=``, ``<mergeCell``, a cell without a reference), so that it costs a
fraction of a parse.
"""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from elyclaims.archives import BLOCK, declares_entities, read_blocks, shared_texts_within
from elyclaims.findings import column_index
from elyclaims.limits import LimitExceeded, ReadLimits
from elyclaims.reading._calamine import CalamineChild
from elyclaims.reading._errors import Unreadable, engine_boundary, reason
from elyclaims.reading._raw import RawSheet
from elyclaims.vocabulary import TEMPLATE_STAMP

__all__ = ["SheetScan", "default_engine", "read_xlsx"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def read_xlsx(path: Path, closer: ExitStack, limits: ReadLimits, *,
              engine: str | None = None, scan_block: int = BLOCK) -> list[RawSheet]:
    """Open *path* and return its sheets, in workbook order, with lazily read rows.

    Every sheet is scanned first, so that a sheet over *limits* is refused before its rows are
    used. The cell values come from python-calamine in a child process (``engine="calamine"``,
    the default where it is installed; it loads the workbook while this process scans) or from
    openpyxl in read-only mode (``"openpyxl"``, the fallback); both give the same rows. The
    workbook stays open until *closer* closes it. Each sheet's XML is scanned *scan_block*
    bytes at a time (a test makes small sheets cross many blocks).

    Raises:
        Unreadable: when the workbook is damaged, hostile, or over a limit.
    """
    engine = engine or default_engine()
    child = None
    if engine == "calamine":
        try:
            child = CalamineChild(path, "xlsx", limits)
            closer.callback(child.close)
        except Unreadable:  # no child process can be started here: openpyxl reads
            child = None
    with engine_boundary():
        archive = closer.enter_context(zipfile.ZipFile(path))
        sheet_paths, stamp, shared = _workbook_parts(archive, limits)
        scans = {title: SheetScan.of(archive, member, limits, block=scan_block)
                 for title, member in sheet_paths.items()}
    if child is not None and scans and _calamine_can_read(child, scans):
        sheets = [_raw_sheet(path, name, scans[name], _calamine_rows(child, index, scans[name]),
                             hidden, clean=True)
                  for index, (name, hidden) in enumerate(child.sheets)]
    else:
        if child is not None:
            child.close()
        with engine_boundary():  # openpyxl loads the whole shared-string table first
            shared_texts_within(archive, limits.cell_chars, [shared] if shared else [])
        sheets = _openpyxl_sheets(path, closer, scans)
    return [replace(sheet, template=stamp) for sheet in sheets]


def default_engine() -> str:
    """``calamine`` where python-calamine is installed, else ``openpyxl``."""
    from importlib.util import find_spec

    return "calamine" if find_spec("python_calamine") is not None else "openpyxl"


def _openpyxl_sheets(path: Path, closer: ExitStack, scans: dict[str, SheetScan]) -> list[RawSheet]:
    import openpyxl  # deferred: it costs start-up time

    try:
        # Our own handle, so that it is closed even when openpyxl fails half-way.
        handle = closer.enter_context(path.open("rb"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                handle, read_only=True, data_only=True, keep_links=False
            )
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise Unreadable("damaged", {"reason": reason(error)}) from error
    closer.callback(workbook.close)
    sheets = []
    for worksheet in workbook.worksheets:
        scan = scans.get(worksheet.title) or SheetScan()
        sheets.append(_raw_sheet(path, worksheet.title, scan,
                                 _rows(worksheet, scan.max_row, scan.max_column),
                                 getattr(worksheet, "sheet_state", "visible") != "visible"))
    return sheets


def _raw_sheet(path: Path, title: str, scan: SheetScan,
               rows: Iterator[tuple[int, Sequence[object]]], hidden: bool, *,
               clean: bool = False) -> RawSheet:
    return RawSheet(file=str(path), name=title, rows=rows, hidden=hidden,
                    hidden_rows=frozenset(scan.hidden_rows),
                    uncalculated=frozenset(scan.uncalculated), merged=tuple(scan.merged),
                    size=scan.max_row, clean=clean)


def _calamine_can_read(child: CalamineChild, scans: dict[str, SheetScan]) -> bool:
    """Whether calamine's sheets are the scanned ones, none with a dimension claiming a grid
    calamine would reserve beyond reason (a stale dimension that openpyxl ignores)."""
    return all(name in scans and (scans[name].dimension or 0) <= _DIMENSION_CELLS
               for name, _ in child.sheets)


def _calamine_rows(child: CalamineChild, index: int,
                   scan: SheetScan) -> Iterator[tuple[int, Sequence[object]]]:
    """A sheet's rows from the child, as openpyxl gives them, up to the last row with content,
    error cells with their error value (calamine reads those as empty)."""
    if not scan.max_row or not scan.max_column:
        return
    last = scan.max_row
    errors: dict[int, list[tuple[int, str]]] = {}
    for (error_row, column), text in scan.errors.items():
        errors.setdefault(error_row, []).append((column, text))
    for number, row in child.rows(index):
        if number > last:
            return
        for column, text in errors.get(number, ()):
            row.extend([None] * (column - len(row)))
            row[column - 1] = text
        yield number, row


def _rows(
    worksheet: Any, max_row: int | None, max_column: int | None
) -> Iterator[tuple[int, Sequence[object]]]:
    if max_row and max_column:
        # Bounds from our own scan: the stored dimension may be stale, and without bounds
        # openpyxl parses the whole sheet once more just to find them.
        rows = worksheet.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_column,
                                   values_only=True)
    elif max_row is None:
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(values_only=True)
    else:
        return  # a sheet without a single value
    number = 0
    while True:
        # openpyxl warns about features it skips (data validation extensions…); those are not
        # the officer's problem. The filter is held only while openpyxl runs, never across yields.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as error:  # openpyxl's parse of a damaged sheet
                raise Unreadable("damaged", {"reason": reason(error)}) from error
        number += 1
        yield number, values


def _safe_tree(data: bytes, limits: ReadLimits) -> Any:
    """Parse a small XML part (workbook, relationships) with no entities and no network."""
    from lxml import etree

    if declares_entities(data[:65536]):
        raise Unreadable("entities", {"member": "workbook"})
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise Unreadable("damaged", {"reason": reason(error)}) from error
    depth = max((len(list(element.iterancestors())) for element in root.iter()), default=0)
    if depth >= limits.xml_depth:
        raise LimitExceeded("xml_depth", depth + 1, limits.xml_depth)
    return root


def _workbook_parts(archive: zipfile.ZipFile, limits: ReadLimits
                    ) -> tuple[dict[str, str], str | None, str | None]:
    """Each sheet title's XML member (through the workbook's relationships), the elyclaims
    template's version stamp when the workbook carries one, and the shared-string table's
    member when there is one."""
    rels_member = "xl/_rels/workbook.xml.rels"
    if rels_member not in archive.namelist() or "xl/workbook.xml" not in archive.namelist():
        return {}, None, None
    relationships = list(_safe_tree(archive.read(rels_member), limits).iter(f"{_RELS}Relationship"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relationships}
    shared = next((_member(rel.get("Target", "")) for rel in relationships
                   if rel.get("Type", "").endswith("/sharedStrings") and rel.get("Target")), None)
    workbook = _safe_tree(archive.read("xl/workbook.xml"), limits)
    stamp = next(((name.text or "").strip().strip('"') for name in
                  workbook.iter(f"{_MAIN}definedName") if name.get("name") == TEMPLATE_STAMP),
                 None)
    paths = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_OFFICE_REL}id"), "")
        if target:
            paths[sheet.get("name", "")] = _member(target)
    return paths, stamp, shared


def _member(target: str) -> str:
    """The ZIP member a relationship of the workbook names."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))




class _Markers:
    """The byte patterns of a sheet's elements, for its namespace prefix (usually none)."""

    __slots__ = ("cell", "cell_end", "cell_start", "cell_tag", "formula", "hidden_row", "merge",
                 "numbered", "row", "row_start", "value", "values")

    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.row_start = b"<" + prefix + b"row"
        self.row = re.compile(rb"<" + p + rb"row\b([^>]*)>")
        self.numbered = re.compile(rb"<" + p + rb"row\b[^>]*?\sr=\"(\d+)\"")
        self.hidden_row = re.compile(rb"<" + p + rb"row\b[^>]*\shidden=\"(?:1|true)\"[^>]*>")
        self.cell = b"<" + prefix + b"c "
        #: Any element whose name begins with c (in sheetData, only cells do).
        self.cell_start = b"<" + prefix + b"c"
        self.cell_tag = re.compile(rb"<" + p + rb"c(?=[\s/>])[^>]*>")
        self.cell_end = re.compile(rb"</" + p + rb"c>")
        self.formula = re.compile(rb"<" + p + rb"f[\s/>]")
        self.value = re.compile(rb"<" + p + rb"v>\s*[^<\s]")
        # Where a cell's content is: a cached value, an inline string or a formula.
        self.values = tuple(b"<" + prefix + tag for tag in (b"v>", b"is>", b"f>", b"f ", b"f/"))
        self.merge = re.compile(rb"<" + p + rb"mergeCell\b[^>]*\sref=\"([A-Z]{1,3})(\d+):"
                                rb"([A-Z]{1,3})(\d+)\"")


_PREFIX = re.compile(rb"<(\w+:)?sheetData\b")
_ROW_NUMBER = re.compile(rb"\sr=\"(\d+)\"")
_HIDDEN = re.compile(rb"\shidden=\"(?:1|true)\"")
_CELL_REF = re.compile(rb"\sr=\"([A-Z]{1,3})(\d+)\"")
_INLINE = re.compile(rb"\st=\"inlineStr\"")
_ANY_REF = re.compile(rb"\sr=\"([A-Za-z]+)(\d+)\"")
_SPACED_LETTERS = re.compile(rb" r=\"([A-Za-z]+)\d+\"")

_SPACED_ROWS = re.compile(rb" r=\"[A-Za-z]+(\d+)\"")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*\bref=\"([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?\"")
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*\st=\"e\"[^>]*)>(.*?)</(?:\w+:)?c>", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</")
#: The most column letters the scan searches for one by one (a sheet of wider rows has its
#: letters listed, as a crafted one with thousands of distinct letters would make each search
#: longer than the last).
_LETTERS_SEARCHED = 64


@lru_cache(maxsize=256)
def _letters_at(letters: bytes) -> re.Pattern[bytes]:
    """The search for a (space-led) cell reference in the column *letters*."""
    return re.compile(rb" r=\"" + letters + rb"\d+\"")


@lru_cache(maxsize=_LETTERS_SEARCHED + 1)
def _other_letters(known: frozenset[bytes]) -> re.Pattern[bytes]:
    """The search for a (space-led) cell reference whose column letters are none of *known*."""
    if not known:
        return _SPACED_LETTERS
    others = b"|".join(sorted(known))
    return re.compile(rb" r=\"(?!(?:" + others + rb")\d)([A-Za-z]+)\d+\"")


def _last(data: bytes, marks: tuple[bytes, ...], start: int, end: int) -> int:
    """Where the last of *marks* in ``data[start:end]`` begins (-1 for none): each mark after
    the first is looked for only past the last one found, not through the whole block."""
    last = -1
    for mark in marks:
        found = data.rfind(mark, max(start, last + 1), end)
        if found > last:
            last = found
    return last


def _spaced(data: bytes) -> bool:
    """Whether every ``r="…"`` attribute in *data* that follows white space follows a space (a
    tab or a line break there is legal XML, which no spreadsheet program writes)."""
    return all(byte not in data or byte + b'r="' not in data for byte in (b"\t", b"\n", b"\r"))


_LAST_COLUMN = 16_384  # XFD
_DIMENSION_CELLS = 100_000_000


def _column(letters: bytes) -> int:
    return column_index(letters[:4].decode("ascii").upper())


class SheetScan:
    """What read-only openpyxl does not tell of a sheet, found in its XML: hidden rows,
    formula cells without a cached value, merged ranges, and the true extent of the data (the
    last row and column with a value; cells that carry only formatting do not count)."""

    __slots__ = ("_letters", "_markers", "_row", "_rows", "_span", "dimension", "errors",
                 "hidden_rows", "max_column", "max_row", "merged", "uncalculated")

    def __init__(self) -> None:
        self.hidden_rows: set[int] = set()
        self.uncalculated: set[tuple[int, int]] = set()
        #: Error cells (``#DIV/0!``, ``#N/A``…) by (row, column): calamine reads them as empty.
        self.errors: dict[tuple[int, int], str] = {}
        self.merged: list[tuple[int, int, int, int]] = []
        self.max_row: int | None = None
        self.max_column: int | None = None
        self._rows = 0
        self._row = 0
        self._markers: _Markers | None = None
        #: The column letters of the references met so far (see :meth:`_references`).
        self._letters: frozenset[bytes] = frozenset()
        #: The first and last row and column of every cell reference of the sheet.
        self._span: list[int] | None = None
        #: The cells the sheet's ``<dimension>`` claims to span (None when it has none).
        self.dimension: int | None = None

    @property
    def spans(self) -> int:
        """The cells of the rectangle from the first to the last cell, by their references (a
        cell without one counts where it falls)."""
        if self._span is None:
            return 0
        top, bottom, left, right = self._span
        return (bottom - top + 1) * (right - left + 1)

    @classmethod
    def of(cls, archive: zipfile.ZipFile, member: str | None, limits: ReadLimits, *,
           block: int = BLOCK) -> SheetScan:
        """Scan *member* of *archive* in blocks of whole rows (read *block* bytes at a time).

        Raises:
            LimitExceeded: when the sheet has more rows or columns than *limits* allow.
            Unreadable: when the sheet declares entities.
            any of :data:`~elyclaims.archives.ZIP_ERRORS` when the member is damaged.
        """
        scan = cls()
        if member is None or member not in archive.NameToInfo:
            return scan
        carry = b""
        for read in read_blocks(archive, member, block):
            data = carry + read
            if scan._markers is None:
                # A document type (and with it any entity) can only be declared before the
                # root element; past the sheet's data, a declaration is bad XML, which no
                # parser expands, and the search of every block cost a twentieth of the scan.
                if declares_entities(data):
                    raise Unreadable("entities", {"member": member})
                found = _PREFIX.search(data)
                if found is None:
                    carry = data
                    continue
                scan._markers = _Markers(found.group(1) or b"")
                scan._dimension(data[:found.start()])
            # Only whole rows are scanned; the last row waits for the next block.
            cut = data.rfind(scan._markers.row_start)
            if cut <= 0:
                carry = data
                continue
            scan._scan(data[:cut], limits)
            carry = data[cut:]
        if scan._markers is not None:
            scan._scan(carry, limits)
        # A sheet cut short (a broken copy) is damaged: openpyxl fails on it, calamine would
        # read it as empty.
        if scan.spans > limits.cells:
            raise LimitExceeded("cells", scan.spans, limits.cells)
        if scan._markers is None or not re.search(rb"</(\w+:)?sheetData>|<(\w+:)?sheetData\s*/>",
                                                  carry if scan._markers else b""):
            raise Unreadable("damaged", {"reason": f"{member}: the sheet's XML ends early"})
        return scan

    def _dimension(self, head: bytes) -> None:
        found = _DIMENSION.search(head)
        if found is None:
            return
        first = (int(found.group(2)), _column(found.group(1)))
        last = (int(found.group(4)), _column(found.group(3))) if found.group(3) else first
        self.dimension = (abs(last[0] - first[0]) + 1) * (abs(last[1] - first[1]) + 1)

    def _references(self, data: bytes, limits: ReadLimits) -> tuple[int | None, int]:
        """Widen the span by every cell reference in *data*, whatever the cell holds: what a
        grid reader would allocate for; the right-most column and the number of references. A
        reference to row 0 or beyond Excel's last column is no workbook's."""
        if _spaced(data):
            # Searches led by a plain space, which the search engine finds fast: every
            # reference's row number (one per row, repeated), and the columns (see
            # _spaced_columns).
            numbers_found = _SPACED_ROWS.findall(data)
            count, numbers = len(numbers_found), set(numbers_found)
            if not count:
                return None, 0
            columns = self._spaced_columns(data)
        else:
            found = _ANY_REF.findall(data)
            count = len(found)
            numbers = {number for _, number in found}
            columns = [_column(text) for text in {letter for letter, _ in found}]
        if not count:
            return None, 0
        rows = [int(number) for number in numbers]
        top, bottom, left, right = min(rows), max(rows), min(columns), max(columns)
        if top < 1 or right > _LAST_COLUMN:
            raise Unreadable("damaged", {"reason": "a cell reference outside any sheet"})
        if bottom > limits.rows:
            raise LimitExceeded("rows", bottom, limits.rows)
        self._widen(top, bottom, left, right)
        return right, count

    def _spaced_columns(self, data: bytes) -> list[int]:
        """The left-most and right-most column of the (space-led) references in *data*: the
        letters of a reference whose letters were not met before (a million references repeat
        a few), each searched on from where it was found with those letters known too, then
        of the letters met, the first and last this block has. A sheet of more than
        :data:`_LETTERS_SEARCHED` letters has every reference's listed instead."""
        new: set[bytes] = set()
        at = 0
        while len(self._letters) + len(new) <= _LETTERS_SEARCHED and (
                other := _other_letters(self._letters | new).search(data, at)) is not None:
            new.add(other.group(1))
            at = other.start()
        self._letters |= new
        if len(self._letters) > _LETTERS_SEARCHED:
            return [_column(text) for text in set(_SPACED_LETTERS.findall(data))]
        ordered = sorted(self._letters, key=_column)

        def first_present(letters: Iterable[bytes]) -> bytes | None:
            return next((letter for letter in letters
                         if letter in new or _letters_at(letter).search(data)), None)

        left, right = first_present(ordered), first_present(reversed(ordered))
        if left is None or right is None:  # no reference at all: listed, to be sure
            return [_column(text) for text in set(_SPACED_LETTERS.findall(data))]
        return [_column(left), _column(right)]

    def _widen(self, top: int, bottom: int, left: int, right: int) -> None:
        if self._span is None:
            self._span = [top, bottom, left, right]
        else:
            span = self._span
            span[:] = [min(span[0], top), max(span[1], bottom), min(span[2], left),
                       max(span[3], right)]

    def _all_referenced(self, data: bytes, references: int) -> bool:
        """Whether every cell in *data* has its reference (what spreadsheet programs write; a
        cell without one follows the cell before it)."""
        markers = self._markers
        assert markers is not None
        starts = data.count(markers.cell_start)
        return starts == references or len(markers.cell_tag.findall(data)) == references

    def _scan(self, data: bytes, limits: ReadLimits) -> None:
        markers = self._markers
        assert markers is not None
        right, references = self._references(data, limits)
        count = len(markers.row.findall(data))
        numbers = markers.numbered.findall(data)
        if (count and len(numbers) == count and (right is None or right <= limits.columns)
                and self._all_referenced(data, references)):
            self._rows_at_once(data, count, numbers, right)
        else:
            self._rows_one_by_one(data, limits)
        if self._rows > limits.rows or self._row > limits.rows:
            raise LimitExceeded("rows", max(self._rows, self._row), limits.rows)
        if markers.formula.search(data):
            self._formulas(data)
        if b't="e"' in data:
            self._errors(data)
        if b"mergeCell" in data:
            for match in markers.merge.finditer(data):
                left, top, right_column, bottom = match.groups()
                self.merged.append((int(top), column_index(left.decode()),
                                    int(bottom), column_index(right_column.decode())))

    def _rows_at_once(self, data: bytes, count: int, numbers: list[bytes],
                      right: int | None) -> None:
        """The rows of a block where every row is numbered and no cell reference is past the
        columns limit (what every spreadsheet program writes): counted, their hidden ones and
        the last with content found by a few searches, not row by row. The right-most cell
        reference of the block bounds its columns."""
        markers = self._markers
        assert markers is not None
        self._rows += count
        self._row = int(numbers[-1])
        if b'hidden="1"' in data or b'hidden="true"' in data:  # not LibreOffice's "false"
            for match in markers.hidden_row.finditer(data):
                number = _ROW_NUMBER.search(match.group(0))
                if number is not None:
                    self.hidden_rows.add(int(number.group(1)))
        content = _last(data, markers.values, 0, len(data))
        if content < 0:
            return
        tag = data.rfind(markers.row_start, 0, content)
        number = _ROW_NUMBER.search(data, tag, data.find(b">", tag)) if tag >= 0 else None
        if number is not None:
            self.max_row = max(self.max_row or 0, int(number.group(1)))
        if right is not None and (self.max_column is None or right > self.max_column):
            self.max_column = right

    def _rows_one_by_one(self, data: bytes, limits: ReadLimits) -> None:
        """The rows of a block one at a time: rows without numbers, cells without references,
        or a cell reference past the columns limit (which only a cell with content makes an
        error)."""
        markers = self._markers
        assert markers is not None
        rows = list(markers.row.finditer(data))
        for index, match in enumerate(rows):
            attributes = match.group(1)
            number = _ROW_NUMBER.search(attributes)
            self._row = int(number.group(1)) if number else self._row + 1
            self._rows += 1
            if b"hidden" in attributes and _HIDDEN.search(attributes):
                self.hidden_rows.add(self._row)
            end = rows[index + 1].start() if index + 1 < len(rows) else len(data)
            self._extent(data, match.end(), end, limits)

    def _extent(self, data: bytes, start: int, end: int, limits: ReadLimits) -> None:
        """Widen the extent by the row in ``data[start:end]``: its right-most cell with content."""
        markers = self._markers
        assert markers is not None
        content = _last(data, markers.values, start, end)
        if content < 0:
            return
        self.max_row = self._row
        column, counted = self._column_at(data, start, content)
        # Cells placed by counting begin at column A.
        self._widen(self._row, self._row, 1 if counted else column, column)
        if column > limits.columns:
            raise LimitExceeded("columns", column, limits.columns)
        if self.max_column is None or column > self.max_column:
            self.max_column = column

    def _column_at(self, data: bytes, start: int, content: int) -> tuple[int, bool]:
        """The column of the cell that holds ``data[content]``, in the row from *start*: its
        reference, or where it falls after the cells before it (as every reader places a cell
        without a reference); and whether it was counted so."""
        markers = self._markers
        assert markers is not None
        cell = data.rfind(markers.cell, start, content)
        reference = _CELL_REF.search(data, cell, data.find(b">", cell)) if cell >= 0 else None
        if reference is not None and data.find(markers.cell_start, cell + 1, content) < 0:
            return column_index(reference.group(1).decode()), False  # the cell holding it
        column = 0
        for tag in markers.cell_tag.finditer(data, start, content):
            found = _ANY_REF.search(tag.group(0))
            column = _column(found.group(1)) if found else column + 1
        return column, True

    def _errors(self, data: bytes) -> None:
        """Cells of type ``e``: Excel's error values, as the cell shows them."""
        for match in _ERROR_CELL.finditer(data):
            value = _VALUE.search(match.group(2))
            place = self._cell_at(data, match.start(2)) if value is not None else None
            if value is not None and place is not None:
                self.errors[place[2:]] = value.group(1).decode("utf-8", "replace")

    def _formulas(self, data: bytes) -> None:
        """Formula cells whose cached value is missing or empty."""
        markers = self._markers
        assert markers is not None
        position = 0
        while (found := markers.formula.search(data, position)) is not None:
            close = markers.cell_end.search(data, found.end())
            position = close.end() if close else len(data)
            place = self._cell_at(data, found.start())
            if place is None or _INLINE.search(data, place[0], place[1]):
                continue
            if markers.value.search(data, found.start(), position) is None:
                self.uncalculated.add(place[2:])

    def _cell_at(self, data: bytes, inside: int) -> tuple[int, int, int, int] | None:
        """The cell whose content is at ``data[inside]``: where its start tag begins and ends,
        its row and its column, from its reference, or from its row's number and the cells
        before it (None for a cell in a row without a number)."""
        markers = self._markers
        assert markers is not None
        cell = data.rfind(markers.cell_start, 0, inside)  # inside a cell, no other tag is <c…
        if cell < 0:
            return None
        tag_end = data.find(b">", cell)
        reference = _CELL_REF.search(data, cell, tag_end)
        if reference is not None:
            return cell, tag_end, int(reference.group(2)), column_index(
                reference.group(1).decode())
        row = data.rfind(markers.row_start, 0, cell)
        number = _ROW_NUMBER.search(data, row, data.find(b">", row)) if row >= 0 else None
        if number is None:
            return None
        return cell, tag_end, int(number.group(1)), self._column_at(data, row, inside)[0]
