"""How much elyclaims reads before it refuses: the limits on workbooks, CSV files and packages.

A workbook or a package may come from anywhere. Every reader takes a :class:`ReadLimits`, checks
what it can before decompressing or parsing anything (file size, the ZIP's central directory),
and refuses a file over a limit with one finding that names the limit and how to raise it
(``[limits]`` in ``elyclaims.toml``, ``ELYCLAIMS_LIMITS__ROWS=…``, or a ``ReadLimits`` passed
to the API). The defaults are far above any real claim and far below what would exhaust an
ordinary office computer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["DEFAULT_LIMITS", "LimitExceeded", "ReadLimits"]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """The limits on everything elyclaims reads (sizes in bytes).

    The config's ``[limits]`` table sets any of these fields by name; unknown names are an error.
    """

    __pydantic_config__ = {"extra": "forbid"}  # noqa: RUF012  (read by pydantic, not us)

    #: Size of an input file (workbook, CSV file or package) on disk.
    file_bytes: int = 256 * _MIB
    #: Uncompressed size of one member of a ZIP (a sheet of a workbook, claim.xml).
    member_bytes: int = 1024 * _MIB
    #: Uncompressed size of all members of a ZIP together.
    total_bytes: int = 2048 * _MIB
    #: Number of members in a ZIP.
    members: int = 10_000
    #: How many times its compressed size a member may expand to (once over ``ratio_floor``).
    ratio: int = 200
    ratio_floor: int = _MIB
    #: Rows of one sheet or CSV file.
    rows: int = 2_000_000
    #: Columns of one sheet or CSV file (Excel's own maximum is 16,384).
    columns: int = 1024
    #: Cells of the rectangle a sheet's cells span (first to last row, times first to last
    #: column): what a reader that holds the sheet as a grid allocates.
    cells: int = 40_000_000
    #: Characters in one cell (Excel's own maximum is 32,767).
    cell_chars: int = 32_767
    #: Nesting depth of the XML that elyclaims parses itself.
    xml_depth: int = 64
    #: Address space of the child process that reads a workbook (:meth:`reader_memory`): this
    #: much for any workbook, and ``memory_ratio`` times the file's size on disk besides.
    memory_bytes: int = 256 * _MIB
    #: How many times its size on disk a workbook adds to the reader's address space (measured:
    #: an .xlsx needs about 20 times its size, an .ods about 55 times, an .xls less than its size).
    memory_ratio: int = 64

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"limit {item.name} must be a whole number of 1 or more")

    def reader_memory(self, file_bytes: int) -> int:
        """The address space the reader's child process may use for a workbook of *file_bytes*
        on disk: ``memory_bytes + memory_ratio * file_bytes`` (under 1 GiB by default for any
        workbook up to 12 MiB, a claim of some 200,000 lines)."""
        return self.memory_bytes + self.memory_ratio * max(file_bytes, 0)


DEFAULT_LIMITS = ReadLimits()


class LimitExceeded(Exception):
    """A file is over one of the :class:`ReadLimits`: *name* is the limit, *actual* what was
    found (at least), *maximum* the limit's value."""

    def __init__(self, name: str, actual: int, maximum: int) -> None:
        super().__init__(f"{name}: {actual} > {maximum}")
        self.name = name
        self.actual = actual
        self.maximum = maximum
