"""The child process that reads an .xls or .ods workbook (see ``_legacy``).

    python -m elyclaims.reading._legacy_child PATH ROWS COLUMNS CELLS CELL_CHARS ADDRESS_SPACE

Prints each sheet as a JSON line (its name, whether it is hidden, its merged ranges) followed
by its rows, ``[number, [values…]]``; exits 0. A file over a limit, or one calamine refuses,
exits 3 with a JSON line on standard error saying why; an abort (a crafted file, the
address-space ceiling) ends the process, which the parent reports as a damaged file.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


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


def _stop(**said: object) -> None:
    print(json.dumps(said), file=sys.stderr)
    sys.exit(3)


def _is_zip(path: str) -> bool:
    import zipfile

    return zipfile.is_zipfile(path)


def main(argv: list[str]) -> None:
    path = argv[0]
    rows_limit, columns_limit, cells_limit, chars_limit, address_space = map(int, argv[1:6])
    _ceiling(address_space)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    from elyclaims.reading._legacy import encode_value

    try:
        workbook = CalamineWorkbook.from_path(path)
        metadata = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except Exception as error:  # calamine's errors on a file it cannot read
        _stop(error="damaged", reason=f"{type(error).__name__}: {error}"[:200])
    try:
        ods_merged = _ods_merged(path) if path.lower().endswith(".ods") or _is_zip(path) else {}
    except Exception as error:  # a content.xml lxml cannot parse
        _stop(error="damaged", reason=f"{type(error).__name__}: {error}"[:200])
    out = sys.stdout.buffer  # UTF-8 whatever the console's encoding
    for item in metadata:
        try:
            sheet = workbook.get_sheet_by_name(item.name)
        except Exception as error:
            _stop(error="damaged", reason=f"{type(error).__name__}: {error}"[:200])
        height, width = sheet.height, sheet.width
        top, left = sheet.start or (0, 0)
        for name, actual, maximum in (("rows", top + height, rows_limit),
                                      ("columns", left + width, columns_limit),
                                      ("cells", height * width, cells_limit)):
            if actual > maximum:
                _stop(error="limit", name=name, actual=actual, maximum=maximum)
        merged = [[a + 1, b + 1, c + 1, d + 1] for (a, b), (c, d) in
                  (sheet.merged_cell_ranges or [])] or ods_merged.get(item.name, [])
        out.write(json.dumps({"sheet": item.name, "merged": merged,
                              "hidden": item.visible != SheetVisibleEnum.Visible}).encode()
                  + b"\n")
        padding = [None] * left
        for number, values in enumerate(sheet.iter_rows(), start=top + 1):
            row = [*padding, *(encode_value(value) for value in values)]
            for value in row:
                if isinstance(value, str) and len(value) > chars_limit:
                    _stop(error="limit", name="cell_chars", actual=len(value),
                          maximum=chars_limit)
            out.write(json.dumps([number, row], ensure_ascii=False, default=str).encode("utf-8")
                      + b"\n")
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
