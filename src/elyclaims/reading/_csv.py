"""The CSV engine: ERP exports, one table per file.

Delimiter (``;``, ``,`` or tab) is sniffed, the encoding is UTF-8 (with or without BOM),
UTF-16 with a BOM (Excel's "Unicode text") or Windows-1252, and a ``;``-delimited (or
tab-delimited) file uses the decimal comma.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from elyclaims.limits import LimitExceeded, ReadLimits
from elyclaims.reading._errors import Unreadable
from elyclaims.reading._raw import RawSheet
from elyclaims.vocabulary import Role, normalize_label

__all__ = ["read_csv"]

_DELIMITERS = (";", "\t", ",")
_ROLE_BY_NAME = {
    Role.CLAIM: ("hakemus", "ansokan", "claim"),
    Role.CLIENTS: ("asiakkaat", "asiakas", "klienter", "clients"),
    Role.EXPENSES: ("kulut", "kustannukset", "kostnader", "expenses", "costs"),
}


def read_csv(path: Path, limits: ReadLimits) -> list[RawSheet]:
    """Read *path* as one sheet named after the file.

    Raises:
        Unreadable: when the encoding is none of those above, or the file is damaged.
    """
    data = path.read_bytes()
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    # The csv module's own field limit is global; it is only ever raised to ours.
    csv.field_size_limit(max(csv.field_size_limit(), limits.cell_chars + 1))
    return [
        RawSheet(
            file=str(path),
            name=path.name,
            rows=_rows(text, delimiter, limits),
            decimal_comma=delimiter != ",",
            role_hint=_role_from_name(path),
            typed=False,
        )
    ]


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise Unreadable("csv_encoding") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise Unreadable("csv_encoding") from error


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most, and most even, columns."""
    sample = text[:65536].splitlines()[:30]
    best, best_score = ";", (-1, -1)
    for delimiter in _DELIMITERS:
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter) if any(row)]
        if not widths:
            continue
        wide = [w for w in widths if w > 1]
        most_common = max(set(widths), key=widths.count)
        score = (len(wide), most_common if most_common > 1 else 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _rows(
    text: str, delimiter: str, limits: ReadLimits
) -> Iterator[tuple[int, Sequence[object]]]:
    # A quoted field may span lines: the row number is the record number, as a spreadsheet
    # program that opens the file shows it.
    reader = csv.reader(_bounded_lines(text, delimiter, limits), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if number > limits.rows:
                raise LimitExceeded("rows", number, limits.rows)
            if len(row) > limits.columns and any(row[limits.columns:]):
                raise LimitExceeded("columns", len(row), limits.columns)
            yield number, row
    except csv.Error as error:
        raise Unreadable("damaged", {"reason": f"CSV: {error}"}) from error


def _bounded_lines(text: str, delimiter: str, limits: ReadLimits) -> Iterator[str]:
    """The lines of *text*, each refused (the columns limit) before the csv module splits it
    when it holds far more delimiters than the limit allows columns: a line of fifty million
    delimiters would otherwise become fifty million strings (1.3 GB) before the row's width
    could be checked. Delimiters inside quotes count too, so a line is refused only well past
    the limit (four times it)."""
    most = 4 * limits.columns + 16
    for line in io.StringIO(text, newline=""):
        count = line.count(delimiter)
        if count > most:
            raise LimitExceeded("columns", count + 1, limits.columns)
        yield line


def _role_from_name(path: Path) -> Role | None:
    stem = normalize_label(path.stem)
    for role, words in _ROLE_BY_NAME.items():
        if any(word in stem for word in words):
            return role
    return None
