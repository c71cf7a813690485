"""Writing to a console, pipe or redirected file: whatever its encoding, and never an identity
code.

Finance officers run elyclaims in Windows consoles (code page 850 or 1252) and ERP scripts send
its output to files and pipes whose encoding may be plain ASCII. Text output then degrades
readably (``€`` becomes ``EUR``, ``ä`` becomes ``a``) instead of raising, and JSON stays valid
JSON: UTF-8 where the stream takes it, otherwise ASCII with ``\\u`` escapes. Files elyclaims
writes are always UTF-8; this module is only about the standard streams.

While the command line runs, standard output and error pass every text through
:func:`~elyclaims.privacy.sanitize`, whatever wrote it (a report, an error message, argparse).
"""

from __future__ import annotations

import codecs
import io
import re
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from elyclaims.privacy import sanitize

__all__ = ["ERRORS", "guarded_streams", "json_for", "takes_unicode"]

ERRORS = "elyclaims.degrade"

# Readable ASCII for characters that elyclaims' own texts use and that narrow code pages lack.
_FALLBACKS = {
    "€": "EUR",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'",
    "\u2013": "-", "\u2012": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u2192": "->", "\u2190": "<-", "\u00d7": "x",
    "\u2264": "<=", "\u2265": ">=",
}  # fmt: skip
_UNICODE_CODECS = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                             "utf-32", "utf-32-le", "utf-32-be", "gb18030"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _readable(character: str, encoding: str) -> str:
    fallback = _FALLBACKS.get(character)
    if fallback is None:
        base = "".join(c for c in unicodedata.normalize("NFKD", character)
                       if not unicodedata.combining(c))
        fallback = base if base and base.isascii() and base.isprintable() else "?"
    try:
        fallback.encode(encoding)
    except (UnicodeError, LookupError):
        return "?"
    return fallback


def _degrade(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(_readable(c, error.encoding) for c in text), error.end


codecs.register_error(ERRORS, _degrade)


def takes_unicode(stream: TextIO | Any) -> bool:
    """True when *stream* can write every character (its encoding is a Unicode one)."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        return codecs.lookup(encoding).name in _UNICODE_CODECS
    except LookupError:
        return False


class _Sanitizing:
    """A text stream that masks identity codes in everything written to it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(sanitize(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def guarded_streams() -> Iterator[None]:
    """Within the block, standard output and error degrade instead of raising on characters
    their encoding lacks, and mask every identity code written to them."""
    saved = sys.stdout, sys.stderr
    for stream in saved:
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=ERRORS)
    sys.stdout, sys.stderr = _Sanitizing(saved[0]), _Sanitizing(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_for(stream: TextIO | Any, document: str) -> str:
    """*document* (JSON written with ``ensure_ascii=False``) as *stream* can take it.

    Outside strings a JSON document is ASCII, so escaping every other character gives the same
    document in pure ASCII.
    """
    return document if takes_unicode(stream) else _NON_ASCII.sub(_escape, document)
