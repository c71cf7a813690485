"""Rendering: every output a person or a script reads, in one language each.

The text and JSON reports of a check, a build and an inspection, the rule catalogue, receipts
and the ledger. Findings carry values; this is where they become words. Library users can call
these directly; the CLI only picks one.
"""

from __future__ import annotations

from elyclaims.render._common import REPORT_VERSION, to_json
from elyclaims.render._html import html_to_pdf, report_tables, report_to_html
from elyclaims.render._report import (
    built_to_json,
    built_to_text,
    catalogue_to_json,
    catalogue_to_text,
    inspected_to_json,
    inspected_to_text,
    report_to_dict,
    report_to_json,
    report_to_text,
    severity_word,
)
from elyclaims.render._sending import (
    claimed_to_json,
    claimed_to_text,
    ledger_to_json,
    ledger_to_text,
    receipt_to_json,
    receipt_to_text,
    refusal_to_json,
    refusal_to_text,
    server_finding,
    status_word,
)

__all__ = [
    "REPORT_VERSION",
    "built_to_json",
    "built_to_text",
    "catalogue_to_json",
    "catalogue_to_text",
    "claimed_to_json",
    "claimed_to_text",
    "html_to_pdf",
    "inspected_to_json",
    "inspected_to_text",
    "ledger_to_json",
    "ledger_to_text",
    "receipt_to_json",
    "receipt_to_text",
    "refusal_to_json",
    "refusal_to_text",
    "report_tables",
    "report_to_dict",
    "report_to_html",
    "report_to_json",
    "report_to_text",
    "server_finding",
    "severity_word",
    "status_word",
    "to_json",
]
