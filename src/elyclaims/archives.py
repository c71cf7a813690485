"""Opening ZIP archives cautiously: workbooks (.xlsx is a ZIP) and claim packages alike.

The one place that knows what :mod:`zipfile` and :mod:`zlib` raise on a damaged archive
(:data:`ZIP_ERRORS`), and that checks an archive's central directory against the
:class:`~elyclaims.limits.ReadLimits` before a single member is decompressed. The workbook
reader turns a problem into WB-001, the package inspector into PK-003/PK-004/PK-008.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from elyclaims.limits import LimitExceeded, ReadLimits

__all__ = [
    "BLOCK",
    "ZIP_ERRORS",
    "ArchiveProblem",
    "archive_problems",
    "declares_entities",
    "read_blocks",
    "safe_member_name",
    "shared_texts_within",
]

BLOCK = 1 << 20

_EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
#: Bytes per character beyond which a text still going is over ``cell_chars`` whatever it holds
#: (the longest character reference a spreadsheet program writes, ``&#x10FFFF;``, is ten).
_RUN_BYTES = 16
_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b[^>]*>")
_PART_NAME = re.compile(rb"""PartName\s*=\s*["']([^"']*)""")

# What reading a damaged, truncated or crafted ZIP can raise, from the central directory to the
# last byte of a member: bad headers, a deflate stream that does not inflate, an unsupported
# compression method, an encrypted member, a CRC mismatch, a name that is not text.
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
    struct.error, UnicodeDecodeError, OSError, KeyError,
)


@dataclass(frozen=True, slots=True)
class ArchiveProblem:
    """One reason to refuse an archive.

    ``kind`` is ``unsafe``, ``duplicate`` or ``encrypted`` (about the member ``name``), or the
    name of the :class:`ReadLimits` field that was exceeded, with ``actual`` and ``maximum``.
    """

    kind: str
    name: str | None = None
    actual: int = 0
    maximum: int = 0

    @property
    def is_limit(self) -> bool:
        """True when a limit was exceeded (rather than a member being unsafe)."""
        return self.kind not in {"unsafe", "duplicate", "encrypted"}


def safe_member_name(name: str) -> bool:
    """True for a relative POSIX path that stays inside the archive."""
    if not name or "\\" in name or name.startswith("/") or ":" in name.split("/", 1)[0]:
        return False
    parts = PurePosixPath(name).parts
    return all(part not in {"", ".", ".."} for part in parts) and "\x00" not in name


def archive_problems(
    infos: Sequence[zipfile.ZipInfo], limits: ReadLimits
) -> list[ArchiveProblem]:
    """Every problem of the archive's central directory: member count, unsafe, duplicated or
    encrypted members, and sizes and compression ratios over *limits*. Reads no member."""
    if len(infos) > limits.members:
        return [ArchiveProblem("members", actual=len(infos), maximum=limits.members)]
    problems = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if not safe_member_name(name):
            problems.append(ArchiveProblem("unsafe", name))
            continue
        if name in seen:
            problems.append(ArchiveProblem("duplicate", name))
        seen.add(name)
        if info.flag_bits & 0x1:
            problems.append(ArchiveProblem("encrypted", name))
        total += info.file_size
        if info.file_size > limits.member_bytes:
            problems.append(ArchiveProblem("member_bytes", name, info.file_size,
                                           limits.member_bytes))
        elif info.file_size > limits.ratio_floor and (
                info.file_size > limits.ratio * max(info.compress_size, 1)):
            problems.append(ArchiveProblem("ratio", name,
                                           info.file_size // max(info.compress_size, 1),
                                           limits.ratio))
    if total > limits.total_bytes:
        problems.append(ArchiveProblem("total_bytes", None, total, limits.total_bytes))
    return problems


def read_blocks(archive: zipfile.ZipFile, name: str, size: int = BLOCK) -> Iterator[bytes]:
    """The bytes of member *name*, in blocks; zipfile stops at the size the central directory
    declares (checked against the limits) and checks the CRC at the end.

    Raises:
        any of :data:`ZIP_ERRORS` on a damaged member.
    """
    with archive.open(name) as handle:
        yield from iter(lambda: handle.read(size), b"")


def declares_entities(head: bytes) -> bool:
    """True when an XML document's first bytes declare a DTD or entities.

    Spreadsheet programs and elyclaims never write either; a document with them is refused
    rather than parsed, so that no entity is ever expanded or fetched.
    """
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


@lru_cache(maxsize=4)
def _long_text(longest: int) -> re.Pattern[bytes]:
    # A text (what follows a tag's ">") of more bytes than a cell may have characters.
    return re.compile(rb"(?<=>)[^<]{%d}" % (longest + 1))


def _characters(text: bytes) -> int:
    """How many characters the XML text *text* stands for (entities and Excel's ``_xHHHH_``
    escapes each one)."""
    unescaped = html.unescape(text.decode("utf-8", "replace"))
    return len(_EXCEL_ESCAPE.sub("x", unescaped))


def shared_texts_within(archive: zipfile.ZipFile, cell_chars: int,
                        named: Sequence[str] = ()) -> None:
    """Refuse a workbook whose shared-string table holds a text of more than *cell_chars*
    characters before any reader holds it (calamine and openpyxl each load the whole table
    first): the tables are the members *named* (a workbook's relationship), those the content
    types call one (openpyxl's), and any ``sharedStrings.xml`` (calamine's).

    Raises:
        LimitExceeded: for the first text over the limit.
        any of :data:`ZIP_ERRORS` when a member is damaged.
    """
    for member in dict.fromkeys([*named, *_shared_string_members(archive)]):
        if member in archive.NameToInfo:
            _texts_within(archive, member, cell_chars)


def _shared_string_members(archive: zipfile.ZipFile) -> list[str]:
    found = [name for name in archive.NameToInfo
             if name.rsplit("/", 1)[-1].lower() == "sharedstrings.xml"]
    types = archive.NameToInfo.get("[Content_Types].xml")
    if types is not None and types.file_size <= BLOCK:
        for override in _OVERRIDE.findall(archive.read(types)):
            part = _PART_NAME.search(override)
            if b"sharedStrings+xml" in override and part is not None:
                found.append(part.group(1).decode("utf-8", "replace").lstrip("/"))
    return found


def _texts_within(archive: zipfile.ZipFile, member: str, longest: int) -> None:
    """Every character is at least one byte, so only a text of more bytes than *longest* is
    decoded and counted; the member is read in blocks, never whole."""
    pattern = _long_text(longest)
    carry = b""
    for block in read_blocks(archive, member):
        data = carry + block
        cut = data.rfind(b"<")
        whole, carry = (data[:cut], data[cut:]) if cut >= 0 else (b"", data)
        for found in pattern.finditer(whole):
            end = whole.find(b"<", found.end())
            chars = _characters(whole[found.start():end if end >= 0 else len(whole)])
            if chars > longest:
                raise LimitExceeded("cell_chars", chars, longest)
        if len(carry) > _RUN_BYTES * (longest + 1):  # one text, still going: over, surely
            opened = carry.find(b">")
            chars = _characters(carry[opened + 1:])
            raise LimitExceeded("cell_chars", max(chars, longest + 1), longest)
    for found in pattern.finditer(carry):
        chars = _characters(carry[found.start():])
        if chars > longest:
            raise LimitExceeded("cell_chars", chars, longest)
