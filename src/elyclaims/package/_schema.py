"""The package schemas, loaded once.

The top-level ``schemas/`` folder is the one source; building the wheel copies it into
``elyclaims/schemas/`` (see ``setup.py``). A source checkout installed in editable mode has no
such copy and reads ``schemas/`` itself.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["CLAIM_NS", "CLAIM_SCHEMA", "MANIFEST_NS", "MANIFEST_SCHEMA", "claim_schema",
           "manifest_schema", "schema_text"]

CLAIM_NS = "urn:elyclaims:claim:1"
MANIFEST_NS = "urn:elyclaims:manifest:1"
CLAIM_SCHEMA = "claim-package-1.xsd"
MANIFEST_SCHEMA = "manifest-1.xsd"


def schema_text(name: str) -> bytes:
    """The bytes of a schema file shipped with elyclaims.

    Raises:
        FileNotFoundError: when neither the installed copy nor a source checkout has it.
    """
    packaged = resources.files("elyclaims").joinpath(f"schemas/{name}")
    if packaged.is_file():
        return packaged.read_bytes()
    return (Path(__file__).resolve().parents[3] / "schemas" / name).read_bytes()


#: One schema is parsed at a time: libxml2 sets up its built-in types on the first parse, and
#: two threads parsing at once (the intake's first two requests) fail ("Document is not
#: valid XML Schema") or crash the process in libxml2.
_PARSING = threading.Lock()


def _load(name: str) -> etree.XMLSchema:
    from elyclaims._xmlcheck import load_schema

    with _PARSING:
        schema: etree.XMLSchema = load_schema(schema_text(name))
    return schema


@cache  # a cache is no lock: two threads may each parse it once, one after the other
def claim_schema() -> etree.XMLSchema:
    """The XML schema of ``claim.xml``."""
    return _load(CLAIM_SCHEMA)


@cache
def manifest_schema() -> etree.XMLSchema:
    """The XML schema of ``manifest.xml``."""
    return _load(MANIFEST_SCHEMA)
