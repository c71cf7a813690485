"""Telling what a file really is before any parser sees it.

Officers rename files, save PDFs with the wrong ending, keep legacy ``.xls`` files and protect
workbooks with passwords. Each of these gets one clear WB-001 finding instead of a parser's
traceback, which is why the format is decided from the file's first bytes, not its name.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from elyclaims.archives import ZIP_ERRORS, archive_problems, declares_entities
from elyclaims.limits import ReadLimits
from elyclaims.reading._errors import Unreadable, reason

__all__ = ["sniff"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_HEAD = 64 * 1024


def sniff(path: Path, limits: ReadLimits) -> str:
    """Return ``"xlsx"``, ``"xls"``, ``"ods"`` or ``"csv"`` for a file elyclaims can read
    within *limits*.

    Raises:
        Unreadable: for anything else, with the variant that explains what the file is.
    """
    try:
        if path.is_dir():
            raise Unreadable("not_readable", {"path": path.name, "reason": "it is a folder"})
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError as error:
        raise Unreadable("not_found", {"path": str(path)}) from error
    except (OSError, ValueError) as error:
        raise Unreadable(
            "not_readable", {"path": path.name, "reason": getattr(error, "strerror", None)
                             or str(error)}
        ) from error
    suffix = path.suffix.lower() or "(none)"
    if size == 0:
        raise Unreadable("empty")
    if size > limits.file_bytes:
        raise Unreadable.limit("file_bytes", size, limits.file_bytes)
    if head.startswith(b"%PDF"):
        raise Unreadable("pdf", {"suffix": suffix})
    if head.startswith(_OLE_MAGIC):
        if _is_encrypted(path):
            raise Unreadable("encrypted")
        return "xls"
    if head.startswith(b"PK"):
        return _check_zip(path, limits)
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        if _looks_like_text(head):
            raise Unreadable("text_as_workbook", {"suffix": suffix})
        raise Unreadable("unknown_format")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_text(head) or (
            suffix in {".csv", ".txt", ".tsv"} and b"\x00" not in head):
        return "csv"  # the CSV reader reports an encoding it cannot decode
    raise Unreadable("unknown_format")


def _is_encrypted(path: Path) -> bool:
    # An encrypted OOXML workbook is an OLE compound file holding these two streams; a legacy
    # .xls is an OLE file without them. The directory sits anywhere in the file, so read it all
    # (the size was already bounded).
    data = path.read_bytes()
    return any(marker in data for marker in _ENCRYPTED_MARKERS)


def _check_ods(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo],
               limits: ReadLimits) -> str:
    """An OpenDocument spreadsheet within *limits*, its XML without entity declarations."""
    problems = archive_problems(infos, limits)
    if problems:
        raise Unreadable.from_problem(problems[0])
    if "content.xml" not in archive.NameToInfo:
        raise Unreadable("damaged", {"reason": "no content.xml"})
    for info in infos:
        if info.filename.endswith(".xml") and info.file_size:
            with archive.open(info) as member:
                if declares_entities(member.read(_HEAD)):
                    raise Unreadable("entities", {"member": info.filename})
    return "ods"


def _check_zip(path: Path, limits: ReadLimits) -> str:
    """What kind of ZIP *path* is, after checking its central directory against *limits* and
    the prologue of each XML member for entity declarations."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
                if "opendocument.spreadsheet" in mimetype:
                    return _check_ods(archive, infos, limits)
                raise Unreadable("not_workbook_zip", {"kind": mimetype.strip() or "OpenDocument"})
            if {"manifest.xml", "claim.xml"} <= names:
                raise Unreadable("claim_package")
            if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
                raise Unreadable("not_workbook_zip", {"kind": _zip_kind(names)})
            problems = archive_problems(infos, limits)
            if problems:
                raise Unreadable.from_problem(problems[0])
            for info in infos:
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    with archive.open(info) as member:
                        if declares_entities(member.read(_HEAD)):
                            raise Unreadable("entities", {"member": info.filename})
    except Unreadable:
        raise
    except zipfile.BadZipFile as error:
        raise Unreadable("truncated") from error
    except ZIP_ERRORS as error:
        raise Unreadable("damaged", {"reason": reason(error)}) from error
    return "xlsx"


def _zip_kind(names: set[str]) -> str:
    if any(name.startswith("word/") for name in names):
        return "Word document"
    if any(name.startswith("ppt/") for name in names):
        return "PowerPoint presentation"
    return "ZIP archive"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8":
                # The 8 KiB head may cut a multi-byte character in two.
                try:
                    text = head[:-3].decode("utf-8")
                except UnicodeDecodeError:
                    continue
            else:
                continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(len(text), 1)
    return False
