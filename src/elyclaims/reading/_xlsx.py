"""The xlsx/xlsm engine: openpyxl in read-only mode for the cached values, plus one streaming
scan of each sheet's XML for what read-only openpyxl does not tell (hidden rows, formulas
without a cached value, merged cells, the true extent of the data) and for the read limits.

The scan reads the sheet in blocks, never whole, and runs a precise pattern only where a marker
occurs (``<f``, ``hidden=``, ``<mergeCell``), so that it costs a fraction of a parse.
"""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from elyclaims.archives import declares_entities, read_blocks
from elyclaims.findings import column_index
from elyclaims.limits import LimitExceeded, ReadLimits
from elyclaims.reading._errors import Unreadable, engine_boundary, reason
from elyclaims.reading._raw import RawSheet
from elyclaims.vocabulary import TEMPLATE_STAMP

__all__ = ["SheetScan", "read_xlsx"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def read_xlsx(path: Path, closer: ExitStack, limits: ReadLimits) -> list[RawSheet]:
    """Open *path* and return its sheets, in workbook order, with lazily read rows.

    Each sheet is scanned first, so that a sheet over *limits* is refused before openpyxl
    reads it. The workbook stays open until *closer* closes it.

    Raises:
        Unreadable: when the workbook is damaged, hostile, or over a limit.
    """
    import openpyxl  # deferred: it costs start-up time

    with engine_boundary():
        archive = closer.enter_context(zipfile.ZipFile(path))
        sheet_paths, stamp = _workbook_parts(archive, limits)
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
        title = worksheet.title
        with engine_boundary():
            scan = SheetScan.of(archive, sheet_paths.get(title), limits)
        sheets.append(
            RawSheet(
                file=str(path),
                name=title,
                rows=_rows(worksheet, scan.max_row, scan.max_column),
                hidden=getattr(worksheet, "sheet_state", "visible") != "visible",
                hidden_rows=frozenset(scan.hidden_rows),
                uncalculated=frozenset(scan.uncalculated),
                merged=tuple(scan.merged),
                template=stamp,
                size=scan.max_row,
            )
        )
    return sheets


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


def _workbook_parts(archive: zipfile.ZipFile, limits: ReadLimits) -> tuple[dict[str, str],
                                                                            str | None]:
    """Each sheet title's XML member (through the workbook's relationships), and the elyclaims
    template's version stamp when the workbook carries one."""
    rels_member = "xl/_rels/workbook.xml.rels"
    if rels_member not in archive.namelist() or "xl/workbook.xml" not in archive.namelist():
        return {}, None
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in _safe_tree(archive.read(rels_member), limits).iter(f"{_RELS}Relationship")
    }
    workbook = _safe_tree(archive.read("xl/workbook.xml"), limits)
    stamp = next(((name.text or "").strip().strip('"') for name in
                  workbook.iter(f"{_MAIN}definedName") if name.get("name") == TEMPLATE_STAMP),
                 None)
    paths = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_OFFICE_REL}id"), "")
        if not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target)
        )
        paths[sheet.get("name", "")] = member
    return paths, stamp


class _Markers:
    """The byte patterns of a sheet's elements, for its namespace prefix (usually none)."""

    __slots__ = ("cell", "cell_end", "formula", "merge", "row", "row_start", "value",
                 "values")

    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.row_start = b"<" + prefix + b"row"
        self.row = re.compile(rb"<" + p + rb"row\b([^>]*)>")
        self.cell = b"<" + prefix + b"c "
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


class SheetScan:
    """What read-only openpyxl does not tell of a sheet, found in its XML: hidden rows,
    formula cells without a cached value, merged ranges, and the true extent of the data (the
    last row and column with a value; cells that carry only formatting do not count)."""

    __slots__ = ("_markers", "_row", "_rows", "hidden_rows", "max_column", "max_row", "merged",
                 "uncalculated")

    def __init__(self) -> None:
        self.hidden_rows: set[int] = set()
        self.uncalculated: set[tuple[int, int]] = set()
        self.merged: list[tuple[int, int, int, int]] = []
        self.max_row: int | None = None
        self.max_column: int | None = None
        self._rows = 0
        self._row = 0
        self._markers: _Markers | None = None

    @classmethod
    def of(cls, archive: zipfile.ZipFile, member: str | None, limits: ReadLimits) -> SheetScan:
        """Scan *member* of *archive* in blocks of whole rows.

        Raises:
            LimitExceeded: when the sheet has more rows or columns than *limits* allow.
            Unreadable: when the sheet declares entities.
            any of :data:`~elyclaims.archives.ZIP_ERRORS` when the member is damaged.
        """
        scan = cls()
        if member is None or member not in archive.NameToInfo:
            return scan
        carry = b""
        for block in read_blocks(archive, member):
            data = carry + block
            if declares_entities(data):
                raise Unreadable("entities", {"member": member})
            if scan._markers is None:
                found = _PREFIX.search(data)
                if found is None:
                    carry = data
                    continue
                scan._markers = _Markers(found.group(1) or b"")
            # Only whole rows are scanned; the last row waits for the next block.
            cut = data.rfind(scan._markers.row_start)
            if cut <= 0:
                carry = data
                continue
            scan._scan(data[:cut], limits)
            carry = data[cut:]
        if scan._markers is not None:
            scan._scan(carry, limits)
        return scan

    def _scan(self, data: bytes, limits: ReadLimits) -> None:
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
        if self._rows > limits.rows or self._row > limits.rows:
            raise LimitExceeded("rows", max(self._rows, self._row), limits.rows)
        if markers.formula.search(data):
            self._formulas(data)
        if b"mergeCell" in data:
            for match in markers.merge.finditer(data):
                left, top, right, bottom = match.groups()
                self.merged.append((int(top), column_index(left.decode()),
                                    int(bottom), column_index(right.decode())))

    def _extent(self, data: bytes, start: int, end: int, limits: ReadLimits) -> None:
        """Widen the extent by the row in ``data[start:end]``: its right-most cell with content."""
        markers = self._markers
        assert markers is not None
        content = max(data.rfind(mark, start, end) for mark in markers.values)
        if content < 0:
            return
        self.max_row = self._row
        cell = data.rfind(markers.cell, start, content)
        reference = _CELL_REF.search(data, cell, data.find(b">", cell)) if cell >= 0 else None
        if reference is None:
            return
        column = column_index(reference.group(1).decode())
        if column > limits.columns:
            raise LimitExceeded("columns", column, limits.columns)
        if self.max_column is None or column > self.max_column:
            self.max_column = column

    def _formulas(self, data: bytes) -> None:
        """Formula cells whose cached value is missing or empty."""
        markers = self._markers
        assert markers is not None
        position = 0
        while (found := markers.formula.search(data, position)) is not None:
            close = markers.cell_end.search(data, found.end())
            position = close.end() if close else len(data)
            cell = data.rfind(markers.cell, 0, found.start())
            if cell < 0:
                continue
            tag_end = data.find(b">", cell)
            if _INLINE.search(data, cell, tag_end):
                continue
            if markers.value.search(data, found.start(), position) is None:
                reference = _CELL_REF.search(data, cell, tag_end)
                if reference is not None:
                    self.uncalculated.add((int(reference.group(2)),
                                           column_index(reference.group(1).decode())))
