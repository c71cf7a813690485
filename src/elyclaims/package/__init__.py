"""The claim package: building it, and checking one (built here or received).

A package is a ZIP archive with ``claim.xml`` (valid against ``schemas/claim-package-1.xsd``),
``manifest.xml`` (every other member's size and SHA-256) and the invoice copies under
``attachments/``. The same code that builds a package checks it on the receiving side.
"""

from __future__ import annotations

from elyclaims._xmlcheck import (
    PROLOG_BYTES,
    WHOLE_BYTES,
    SchemaCheckInChild,
    declares_document_type,
)
from elyclaims.limits import ReadLimits
from elyclaims.package._archive import Member, manifest_xml
from elyclaims.package._build import (
    BuildRefused,
    BuiltPackage,
    build_package,
    creation_time,
    with_attachments,
)
from elyclaims.package._inspect import InspectedPackage, inspect_package
from elyclaims.package._normalize import normalize_claim, recipient
from elyclaims.package._reader import (
    CHILD_CHECK_BYTES,
    InvalidXml,
    PackagedClaim,
    read_claim_xml,
    validate_xml,
)
from elyclaims.package._schema import (
    CLAIM_NS,
    CLAIM_SCHEMA,
    MANIFEST_NS,
    claim_schema,
    manifest_schema,
    schema_text,
)
from elyclaims.package._writer import LEAST_LINE_BYTES, write_claim_xml

Limits = ReadLimits  # the limits a package is inspected within (the same as a workbook's)

__all__ = [
    "CHILD_CHECK_BYTES",
    "CLAIM_NS",
    "CLAIM_SCHEMA",
    "LEAST_LINE_BYTES",
    "MANIFEST_NS",
    "PROLOG_BYTES",
    "WHOLE_BYTES",
    "BuildRefused",
    "BuiltPackage",
    "InspectedPackage",
    "InvalidXml",
    "Limits",
    "Member",
    "PackagedClaim",
    "ReadLimits",
    "SchemaCheckInChild",
    "build_package",
    "claim_schema",
    "creation_time",
    "declares_document_type",
    "inspect_package",
    "manifest_schema",
    "manifest_xml",
    "normalize_claim",
    "read_claim_xml",
    "recipient",
    "schema_text",
    "validate_xml",
    "with_attachments",
    "write_claim_xml",
]
