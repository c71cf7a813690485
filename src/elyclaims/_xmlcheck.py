"""Checking an XML document against its schema while streaming through it, here or in a child.

The build checks its ``claim.xml`` in a child process (:class:`SchemaCheckInChild`) that reads
the document as it is written, and this process hashes the file and writes the ZIP while the
check ends. The two meet before the package is put in place. (lxml releases Python's lock while
libxml2 parses and validates, so a thread was tried too: at 100,000 lines it cost more CPU and
wall time than the child and raised this process's peak by the tree; docs/architecture.md.)

The child parses a document of up to :data:`WHOLE_BYTES` whole, as it comes, and validates the
tree once the document has ended: twice as fast as libxml2's streaming check (a claim.xml of
100,000 lines, 43 MB: parsed in 0.33 s as it is written, validated in 0.34 s, against 1.03 s
streaming), for a tree of about eight times the document's size. A longer document is checked
streaming, in memory that does not grow with it: from its start when the caller says it
will be longer, else from the bytes kept while the tree was being made.

    python -P -m elyclaims._xmlcheck XML_FILE RELEASE_TAG WHOLE_BYTES

reads from standard input the schema's length (4 bytes, little-endian), the schema, then the
document until the end of the input; exits 0 for a valid document, and 3 with
``{"message": …, "line": …}`` on standard output for one that is not (the rest of the input
read first, so that the writer never blocks; a problem whose line the stream cannot tell is
located in XML_FILE, by then complete). This module imports nothing of elyclaims, so that the
child starts at once.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import os
import struct
import subprocess
import sys
from collections import deque
from typing import IO, Any

__all__ = [
    "PROLOG_BYTES",
    "WHOLE_BYTES",
    "InvalidXml",
    "SchemaCheckInChild",
    "declares_document_type",
    "free_element",
    "load_schema",
    "locate_problem",
    "placed",
    "validate_xml",
]

#: The longest document the check parses whole (a tree of about 530 MB); longer ones stream.
WHOLE_BYTES = 64 << 20

# How a document is parsed, streaming or whole: no entities, no network, libxml2's limits.
_PARSING: dict[str, Any] = {"resolve_entities": False, "no_network": True, "huge_tree": False,
                            "remove_blank_text": True, "load_dtd": False}


#: How much of a document's start :func:`declares_document_type` reads: the prolog (the XML
#: declaration, comments, processing instructions) of any document elyclaims writes is a few
#: dozen bytes; one longer than this is no package's.
PROLOG_BYTES = 64 << 10


def declares_document_type(head: bytes) -> bool:
    """Whether the document that starts with *head* (its first :data:`PROLOG_BYTES`) declares a
    document type (``<!DOCTYPE``: a DTD, internal or external, its entities and parameter
    entities), which no package member may; also True for a prolog longer than *head*, which
    cannot be shown free of one. The prolog is the only place XML allows a declaration, so
    only it is read: a ``<!DOCTYPE`` in a text or a comment is no declaration. (The workbook
    reader's :func:`elyclaims.archives.declares_entities` searches any block of a streamed
    part for the words instead, a document's start or not.)"""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        # Markup is ASCII in UTF-8 (and in the encodings that extend ASCII).
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    text = text.removeprefix("\ufeff")
    unended = len(head) >= PROLOG_BYTES
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        for opening, closing in (("<?", "?>"), ("<!--", "-->")):
            if text.startswith(opening, at):
                end = text.find(closing, at + len(opening))
                if end < 0:
                    return unended
                at = end + len(closing)
                break
        else:
            return text.startswith("<!", at) or (at >= len(text) and unended)


class InvalidXml(Exception):
    """A member is not well-formed or not valid against its schema."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def free_element(element: Any) -> None:
    """Free a processed element and the siblings before it, so memory stays flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def validate_xml(source: IO[bytes], schema: Any, *, release: str | None = None) -> None:
    """Check *source* against *schema* while streaming through it.

    libxml2 validates every element as it parses; only the elements named *release* (a
    Clark-notation tag such as a claim's ``{urn:elyclaims:claim:1}Expense``) come back to
    Python, to be freed, so that a large file costs neither memory nor a Python step per
    element. (Validation happens in the parser either way; a parser target would skip it.)

    Raises:
        InvalidXml: at the first problem, with its line number.
    """
    from lxml import etree

    try:
        for _, element in etree.iterparse(source, events=("end",), tag=release,
                                          schema=schema, **_PARSING):
            free_element(element)
    except (etree.XMLSyntaxError, etree.DocumentInvalid) as error:
        raise placed(error, source, schema) from error


def _check_whole(source: IO[bytes], schema: Any, *, release: str | None, whole: int) -> None:
    """Check the document *source* gives: parsed whole and its tree validated while it is at
    most *whole* bytes long; streaming (:func:`validate_xml`) from its start, the bytes kept
    so far and then the rest, once it is longer.

    Raises:
        InvalidXml: at the first problem, with its line number.
    """
    from lxml import etree

    parser = etree.XMLParser(**_PARSING)
    kept: list[bytes] = []
    size = 0
    try:
        for block in iter(lambda: source.read(SchemaCheckInChild.BLOCK), b""):
            size += len(block)
            kept.append(block)
            if size > whole:
                del parser  # and the tree it made so far
                validate_xml(io.BufferedReader(_Replay(kept, source)), schema, release=release)
                return
            parser.feed(block)
        root = parser.close()
    except etree.XMLSyntaxError as error:
        raise placed(error, None, None) from error
    del kept
    if not schema.validate(etree.ElementTree(root)):
        first = schema.error_log[0]
        raise InvalidXml(first.message, first.line or None)


class _Replay(io.RawIOBase):
    """The blocks *kept* of a document, then the rest of it from *rest*."""

    def __init__(self, kept: list[bytes], rest: IO[bytes]) -> None:
        super().__init__()
        self._kept: deque[memoryview] = deque(memoryview(block) for block in kept)
        kept.clear()
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._kept:
            head = self._kept[0]
            if len(head):
                count = min(len(buffer), len(head))
                buffer[:count] = head[:count]
                self._kept[0] = head[count:]
                return count
            self._kept.popleft()
        return self._rest.readinto(buffer)  # type: ignore[attr-defined,no-any-return]


def placed(error: Any, source: IO[bytes] | None, schema: Any) -> InvalidXml:
    """The parser's *error* at its line: a schema error that came without one (libxml2's
    streaming check does not tell) is looked for in *source* read again, when there is one to
    read again and a *schema* to check it with."""
    message, line = str(error.msg or error), error.lineno
    if not line and source is not None and schema is not None:
        message, line = locate_problem(source, schema) or (message, line)
    return InvalidXml(message, line)


def locate_problem(source: IO[bytes], schema: Any) -> tuple[str, int] | None:
    """The first problem and its line, which a streaming check cannot always tell (libxml2
    validates the parser's events, which carry no line): the document is read again from
    the start of *source*, whole, and validated as a tree. Only on the way to reporting a
    problem; None when the source cannot be read twice."""
    from lxml import etree

    try:
        source.seek(0)
        tree = etree.parse(source, etree.XMLParser(resolve_entities=False, no_network=True,
                                                   huge_tree=False, load_dtd=False))
    except etree.XMLSyntaxError as error:
        return str(error.msg or error), error.lineno or 0
    except (OSError, ValueError):
        return None
    if schema.validate(tree) or not schema.error_log:
        return None
    first = schema.error_log[0]
    return first.message, int(first.line)


def load_schema(text: bytes) -> Any:
    """An XML schema from its text (no entities, no network)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(text, parser))


class SchemaCheckInChild:
    """:func:`validate_xml` of a document against the schema *schema_text*, in a child process
    started at once. The document is given as it is written (:meth:`write`), or, when nothing
    was written, read from the file *path* by :meth:`result`, which waits for the verdict.
    *path* is also where a problem's line is looked up, so it must hold the same document
    (the build writes the one to both); without a *path* (a document that is no file) such a
    problem comes back without its line. Where no child can be started, the check runs here,
    on the file, in :meth:`result` (there is none without a *path*: :attr:`in_child` says
    whether the check runs in the child, before anything is written)."""

    #: Bytes sent to the child at a time when the file is sent.
    BLOCK = 1 << 20

    def __init__(self, path: str | None, schema_text: bytes, release_tag: str, *,
                 whole: int = WHOLE_BYTES) -> None:
        self._path, self._schema_text, self._release_tag = path, schema_text, release_tag
        self._written = False
        self._process: subprocess.Popen[bytes] | None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", "elyclaims._xmlcheck", path or "-", release_tag,
                 str(whole)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self._process = None
            return
        _widen(self._process.stdin)
        if not self._send(struct.pack("<I", len(schema_text)) + schema_text):
            self.cancel()  # the child ended at once: the check runs here instead
            self._process = None

    @property
    def in_child(self) -> bool:
        """Whether the check runs in its child process (False: it could not be started)."""
        return self._process is not None

    def write(self, data: bytes) -> None:
        """The next bytes of the document."""
        self._written = True
        self._send(data)

    def end(self) -> None:
        """The document written is complete: the check ends while the caller goes on
        (:meth:`result` gives its verdict)."""
        if self._written:
            self._end_input()

    def result(self) -> None:
        """End the document (the file *path*, when nothing was written) and wait for the check.

        Raises:
            InvalidXml: the document is not valid (or the check could not tell).
        """
        process = self._process
        if process is None:
            if self._path is None:
                raise InvalidXml("the schema check could not be started", None)
            with open(self._path, "rb") as handle:
                validate_xml(handle, load_schema(self._schema_text), release=self._release_tag)
            return
        if not self._written and self._path is not None:
            with open(self._path, "rb") as handle:
                for block in iter(lambda: handle.read(self.BLOCK), b""):
                    if not self._send(block):
                        break
        self._end_input()
        assert process.stdout is not None
        with process.stdout:
            said = process.stdout.read()
        process.wait()
        if process.returncode == 0:
            return
        try:
            problem = json.loads(said)
            message, line = str(problem["message"]), problem["line"]
        except (ValueError, KeyError, TypeError):
            message, line = f"the schema check stopped (exit {process.returncode})", None
        raise InvalidXml(message, line if isinstance(line, int) else None)

    def cancel(self) -> None:
        """Stop the check, when the build fails before it ends."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.kill()
            process.wait()
        self._end_input()
        if process.stdout is not None:
            process.stdout.close()

    def _send(self, data: bytes) -> bool:
        """Give *data* to the child; False when it no longer reads (it ended: its exit
        status says why)."""
        stdin = self._process.stdin if self._process is not None else None
        if stdin is None or stdin.closed:
            return False
        try:
            stdin.write(data)
        except OSError:  # a broken pipe: the child is gone
            self._end_input()
            return False
        return True

    def _end_input(self) -> None:
        stdin = self._process.stdin if self._process is not None else None
        if stdin is not None and not stdin.closed:
            with contextlib.suppress(OSError):
                stdin.close()


#: The pipe's buffer, where the system lets it be set (Linux): a batch of lines fits in it, so
#: that the writer goes on writing while the check reads, instead of waiting for it.
PIPE_BYTES = 1 << 20


def _widen(pipe: IO[bytes] | None) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        return
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)
    if pipe is not None and setting is not None:
        with contextlib.suppress(OSError):  # over the system's maximum: the default stays
            fcntl.fcntl(pipe.fileno(), setting, PIPE_BYTES)


def main(argv: list[str]) -> None:
    path, release_tag, whole = argv[0], argv[1], int(argv[2])
    stream = sys.stdin.buffer
    size = struct.unpack("<I", stream.read(4))[0]
    schema = load_schema(stream.read(size))
    try:
        _check_whole(stream, schema, release=release_tag, whole=whole)
    except InvalidXml as problem:
        while stream.read(1 << 20):  # the rest of the document: the writer never blocks
            pass
        message, line = problem.message, problem.line
        if not line and path != "-":  # the stream could not tell; the file is complete now
            with contextlib.suppress(OSError), open(path, "rb") as handle:
                message, line = locate_problem(handle, schema) or (message, line)
        sys.stdout.write(json.dumps({"message": message, "line": line}))
        sys.stdout.flush()
        os._exit(3)
    os._exit(0)  # the verdict is given: a tree is not worth freeing (0.2 s at 43 MB)


if __name__ == "__main__":
    main(sys.argv[1:])
