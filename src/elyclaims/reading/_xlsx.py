"""The xlsx/xlsm engine: openpyxl in read-only mode, cached values, plus a scan of each sheet's
XML for what read-only openpyxl does not tell (hidden rows, formulas without a cached value)."""

from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from elyclaims.findings import column_index
from elyclaims.reading._raw import RawSheet
from elyclaims.reading._sniff import Unreadable

__all__ = ["read_xlsx"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def read_xlsx(path: Path, closer: ExitStack) -> list[RawSheet]:
    """Open *path* and return its sheets, in workbook order, with lazily read rows.

    The workbook stays open until *closer* closes it.

    Raises:
        Unreadable: when openpyxl cannot open the workbook.
    """
    import openpyxl  # deferred: it costs start-up time

    try:
        # One look into the archive serves the sheet paths and every sheet's scan.
        archive = closer.enter_context(zipfile.ZipFile(path))
        sheet_paths = _sheet_paths(archive)
        # Our own handle, so that it is closed even when openpyxl fails half-way.
        handle = closer.enter_context(path.open("rb"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                handle, read_only=True, data_only=True, keep_links=False
            )
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise Unreadable("damaged", {"reason": _reason(error)}) from error
    closer.callback(workbook.close)
    sheets = []
    for worksheet in workbook.worksheets:
        title = worksheet.title
        scan = _SheetScan(archive, sheet_paths.get(title))
        sheets.append(
            RawSheet(
                file=str(path),
                name=title,
                rows=_rows(worksheet, scan.max_row, scan.max_column),
                hidden=getattr(worksheet, "sheet_state", "visible") != "visible",
                hidden_rows=scan.hidden_rows,
                uncalculated=scan.uncalculated,
            )
        )
    return sheets


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _rows(
    worksheet: Any, max_row: int | None, max_column: int | None
) -> Iterator[tuple[int, Sequence[object]]]:
    if max_row and max_column:
        # Bounds from our own scan: the stored dimension may be stale, and without bounds
        # openpyxl parses the whole sheet once more just to find them.
        rows = worksheet.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_column,
                                   values_only=True)
    else:
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(values_only=True)
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
            except Exception as error:
                raise Unreadable("damaged", {"reason": _reason(error)}) from error
        number += 1
        yield number, values


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Map each sheet title to its XML member, through the workbook's relationships."""
    rels_member = "xl/_rels/workbook.xml.rels"
    if rels_member not in archive.namelist():
        return {}
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in ElementTree.fromstring(archive.read(rels_member)).iter(f"{_RELS}Relationship")
    }
    paths = {}
    for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_OFFICE_REL}id"), "")
        if not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target)
        )
        paths[sheet.get("name", "")] = member
    return paths


_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL_COLUMN = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,3})\d+\"")


class _SheetScan:
    """What read-only openpyxl does not tell of a sheet, found in its XML: hidden rows,
    formula cells without a cached value, and the true extent of the data."""

    def __init__(self, archive: zipfile.ZipFile, member: str | None) -> None:
        self.hidden_rows: frozenset[int] = frozenset()
        self.uncalculated: frozenset[tuple[int, int]] = frozenset()
        self.max_row: int | None = None
        self.max_column: int | None = None
        if member is None:
            return
        try:
            data = archive.read(member)
        except (KeyError, zipfile.BadZipFile, OSError):
            return
        rows = _ROW_NUMBER.findall(data)
        columns = set(_CELL_COLUMN.findall(data))
        if rows and columns:
            self.max_row = max(int(number) for number in rows)
            self.max_column = max(column_index(letters.decode("ascii")) for letters in columns)
        # Most sheets have neither; skip the parse when the bytes cannot contain them.
        if b"<f" not in data and b":f" not in data and b"hidden=" not in data:
            return
        hidden: set[int] = set()
        uncalculated: set[tuple[int, int]] = set()
        try:
            for _, element in ElementTree.iterparse(io.BytesIO(data), events=("end",)):
                tag = element.tag
                if tag == f"{_MAIN}c":
                    formula = element.find(f"{_MAIN}f")
                    value = element.find(f"{_MAIN}v")
                    cached = value is not None and (value.text or "").strip()
                    if formula is not None and not cached and element.get("t") != "inlineStr":
                        uncalculated.add(_coordinates(element.get("r", "")))
                    element.clear()
                elif tag == f"{_MAIN}row":
                    if element.get("hidden") in {"1", "true"}:
                        hidden.add(int(element.get("r", "0")))
                    element.clear()
        except ElementTree.ParseError:
            return  # openpyxl reports a damaged sheet on its own pass
        self.hidden_rows = frozenset(hidden)
        self.uncalculated = frozenset(uncalculated)


def _coordinates(reference: str) -> tuple[int, int]:
    match = _CELL_REF.fullmatch(reference)
    if not match:
        return (0, 0)
    letters, row = match.groups()
    return int(row), column_index(letters)
