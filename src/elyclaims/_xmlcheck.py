"""Checking an XML document against its schema while streaming through it, here or beside.

libxml2 checks every element as it parses, and holds Python's lock while it does: a check in a
thread runs no faster than one after the other. So the build checks its ``claim.xml`` in a
child process (:class:`CheckBeside`) while this one scans the file for identity codes, hashes
it and writes the ZIP; the two meet before the package is put in place.

    python -P -m elyclaims._xmlcheck XML_FILE RELEASE_TAG   (the schema on standard input)

exits 0 for a valid document, and 3 with ``{"message": …, "line": …}`` on standard output for
one that is not. This module imports nothing of elyclaims, so that the child starts at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import IO, Any

__all__ = ["CheckBeside", "InvalidXml", "free_element", "load_schema", "validate_xml"]


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
                                          schema=schema, resolve_entities=False,
                                          no_network=True, huge_tree=False,
                                          remove_blank_text=True, load_dtd=False):
            free_element(element)
    except etree.XMLSyntaxError as error:
        message, line = str(error.msg or error), error.lineno
        if not line:
            message, line = _locate_problem(source, schema) or (message, line)
        raise InvalidXml(message, line) from error


def _locate_problem(source: IO[bytes], schema: Any) -> tuple[str, int] | None:
    """The first problem and its line, which a streaming check cannot always tell (libxml2
    validates the parser's events, which carry no line): the file is read again, whole, and
    validated as a tree. Only on the way to reporting a problem; None when the source cannot
    be read twice."""
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


class CheckBeside:
    """:func:`validate_xml` of the file *path* against the schema *schema_text*, in a child
    process started at once; :meth:`result` waits for it. Where no child can be started, the
    check runs here, in :meth:`result`."""

    def __init__(self, path: str, schema_text: bytes, release_tag: str) -> None:
        self._path, self._schema_text, self._release_tag = path, schema_text, release_tag
        self._process: subprocess.Popen[bytes] | None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", "elyclaims._xmlcheck", path, release_tag],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self._process = None
            return
        try:
            assert self._process.stdin is not None
            with self._process.stdin:
                self._process.stdin.write(schema_text)  # a schema fits in the pipe's buffer
        except OSError:  # the child ended at once: the check runs here instead
            self.cancel()
            self._process = None

    def result(self) -> None:
        """Wait for the check.

        Raises:
            InvalidXml: the document is not valid (or the check could not tell).
        """
        process = self._process
        if process is None:
            with open(self._path, "rb") as handle:
                validate_xml(handle, load_schema(self._schema_text), release=self._release_tag)
            return
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
        if process.stdout is not None:
            process.stdout.close()


def main(argv: list[str]) -> None:
    path, release_tag = argv[0], argv[1]
    schema = load_schema(sys.stdin.buffer.read())
    try:
        with open(path, "rb") as handle:
            validate_xml(handle, schema, release=release_tag)
    except InvalidXml as problem:
        sys.stdout.write(json.dumps({"message": problem.message, "line": problem.line}))
        sys.exit(3)


if __name__ == "__main__":
    main(sys.argv[1:])
