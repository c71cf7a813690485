"""Opening ZIP archives cautiously: workbooks (.xlsx is a ZIP) and claim packages alike.

The one place that knows what :mod:`zipfile` and :mod:`zlib` raise on a damaged archive
(:data:`ZIP_ERRORS`), and that checks an archive's central directory against the
:class:`~elyclaims.limits.ReadLimits` before a single member is decompressed. The workbook
reader turns a problem into WB-001, the package inspector into PK-003/PK-004/PK-008.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from elyclaims.limits import ReadLimits

__all__ = [
    "BLOCK",
    "ZIP_ERRORS",
    "ArchiveProblem",
    "archive_problems",
    "declares_entities",
    "read_blocks",
    "safe_member_name",
]

BLOCK = 1 << 20

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
