"""Reading workbooks and CSV exports into raw rows with locations.

The pipeline's first stage. Whatever the file format, the rest of elyclaims sees only
:class:`RawInput`: raw cell values, each with the :class:`~elyclaims.findings.Location` it came
from, grouped into the claim's key/value entries, the clients table and the expenses table, plus
the WB findings met on the way. Nothing after this package touches openpyxl or the csv module.
"""

from __future__ import annotations

from elyclaims.reading._calamine import read_legacy
from elyclaims.reading._input import read_input
from elyclaims.reading._raw import (
    Column,
    RawCell,
    RawInput,
    RawRow,
    RawTotals,
    SheetRef,
    SourceFile,
)
from elyclaims.reading._xlsx import read_xlsx

__all__ = ["Column", "RawCell", "RawInput", "RawRow", "RawTotals", "SheetRef", "SourceFile",
           "read_input", "read_legacy", "read_xlsx"]
