"""What every output shares: the JSON writer, the finding as a dictionary, headings by sheet."""

from __future__ import annotations

import json
from typing import Any

from elyclaims.findings import Finding
from elyclaims.privacy import sanitize

__all__ = ["REPORT_VERSION", "finding_dict", "to_json"]

REPORT_VERSION = 1


def to_json(document: dict[str, Any]) -> str:
    """A JSON document as text (UTF-8, stable key order, a trailing newline), sanitised."""
    return sanitize(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def finding_dict(finding: Finding, lang: str) -> dict[str, Any]:
    """One finding as the JSON report writes it (cli.md's keys and a few more)."""
    location = finding.location
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message(lang),
        "hint": finding.hint(lang),
        "file": location.file,
        "sheet": location.sheet,
        "row": location.row,
        "column": location.column,
        "cell": location.cell,
        "header": location.header,
        "field": location.field,
        "value": finding.value_text,
        "line_id": finding.line_id,
        "message_key": finding.key,
        "acknowledged": finding.acknowledged,
    }
