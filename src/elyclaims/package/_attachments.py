"""Reading the invoice copies a package carries for identity codes.

An invoice copy may carry a client's identity code (a hospital's invoice names its patient):
the authority must know, and the officer must decide, before it travels. The text of a PDF
(pypdf: pure Python, maintained, already the reference for reading PDF text without a system
library) and of a plain text or XML file is searched as every other text is; a PDF with no
text (a scanned image) or one that cannot be opened cannot be searched, which the officer is
told. Other files (images) are not read.
"""

from __future__ import annotations

from pathlib import Path

from elyclaims.privacy import find_identity_codes

__all__ = ["UNREADABLE", "identity_codes_in"]

#: What :func:`identity_codes_in` answers for a PDF whose text cannot be read.
UNREADABLE = None
_TEXT_SUFFIXES = frozenset({".txt", ".xml", ".csv"})


def identity_codes_in(path: Path) -> list[str] | None:
    """The identity codes in the attachment at *path*, in order (empty for a file that holds
    none, or that is not read: images); None for a PDF whose text cannot be read (scanned
    images only, protected, damaged). Never raises on the file's content.

    Raises:
        OSError: when the file cannot be read at all.
    """
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        return find_identity_codes(path.read_bytes().decode("utf-8", errors="replace"))
    if suffix != ".pdf":
        return []
    text = _pdf_text(path)
    return None if text is None else find_identity_codes(text)


def _pdf_text(path: Path) -> str | None:
    """The text of every page of the PDF at *path*; None when it has none or cannot be read."""
    import logging

    from pypdf import PdfReader

    # pypdf says on its logger what it repairs in a damaged file; the finding says enough.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    data = path.read_bytes()
    try:
        from io import BytesIO

        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception:
        return None
    return text if text.strip() else None
