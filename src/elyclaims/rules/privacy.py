"""PR: personal data that must not be in a claim: identity codes, emails, phone numbers.

The findings never carry what they found: identity codes are masked by the finding itself, and
emails and phone numbers are not echoed at all.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from typing import Protocol

from elyclaims.findings import Finding, Location
from elyclaims.model import Claim, remember
from elyclaims.privacy import find_identity_codes, is_valid_identity_code, mask
from elyclaims.rules._registry import RuleContext, rule

_CLAIM_TEXT = ("name", "business_id", "iban", "bic", "contact_person", "email", "phone")
_CLAIM_LEVEL_TEXT = ("decision_reference", "recipient")
_CLIENT_TEXT = ("home_municipality",)
_LINE_TEXT = ("description", "justification", "provider", "provider_business_id",
              "invoice_number", "credited_invoice", "attachment", "acknowledged")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w.,/-])(\+358|00358|0)[ -]?\(?\d{1,3}\)?([ -]?\d){5,8}(?![\w.,/-])")


class _At:
    """A place whose location is already made (a label, a config key)."""

    __slots__ = ("_location",)

    def __init__(self, location: Location) -> None:
        self._location = location

    def location(self, field: str | None = None) -> Location:
        return self._location


class _Where(Protocol):
    def location(self, field: str) -> Location: ...


def _texts(claim: Claim, context: RuleContext,
           known_clean: Container[str] = ()) -> Iterator[tuple[str, _Where, str, str | None]]:
    """Every text of the claim and of its input that may reach a report or a package, with
    where it is (its location is made only for a finding) and its line id: the claim's fields,
    sheet names and headers, the config's acknowledgement reasons. A line's text that is in
    *known_clean* (as it stands when the text comes) is passed over: lines repeat their texts."""
    for field in _CLAIM_TEXT:
        value = getattr(claim.claimant, field)
        if value:
            yield value, claim, field, None
    for field in _CLAIM_LEVEL_TEXT:
        value = getattr(claim, field)
        if value:
            yield value, claim, field, None
    for client in claim.clients:
        if client.reference:
            yield client.reference, client.source, "reference", None
        for field in _CLIENT_TEXT:
            value = getattr(client, field)
            if value:
                yield value, client.source, field, None
    for line in claim.expenses:
        source, line_id = line.source, line.line_id
        reference = line.client_reference
        if reference and reference not in known_clean:
            yield reference, source, "client_reference", line_id
        for field in _LINE_TEXT:
            value = getattr(line, field)
            if value and value not in known_clean:
                yield value, source, field, line_id
    for text, location in context.labels:
        yield text, _At(location), "", None
    for number, entry in enumerate(context.config.acknowledge, start=1):
        yield entry.reason, _At(Location(file=context.config.path,
                                         field=f"acknowledge[{number}].reason")), "", None


_REFERENCES = frozenset({"reference", "client_reference"})


@rule("PR-001")
def no_identity_codes(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """No cell, header, sheet name or config reason may hold a personal identity code (a client
    reference that is nothing but a code is PR-003's)."""
    clean: dict[str, bool] = {}  # texts found clean: a provider's name is checked once, not per line
    for text, where, field, line_id in _texts(claim, context, clean):
        if text in clean:
            continue
        codes = find_identity_codes(text)
        if not codes:
            remember(clean, text, True)
            continue
        if field in _REFERENCES and is_valid_identity_code(text):
            continue
        for code in codes:
            yield Finding.make("PR-001", where.location(field), line_id=line_id,
                               value=mask(code))


@rule("PR-002")
def no_contact_details(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Descriptions and justifications should not hold email addresses or phone numbers."""
    clean: dict[str, bool] = {}  # texts found clean: a repeated description is checked once
    for line in claim.expenses:
        for field in ("description", "justification"):
            text = getattr(line, field)
            if not text or text in clean:
                continue
            kinds = [kind for kind, pattern, sign in (("email", _EMAIL, "@"),
                                                      ("phone", _PHONE, "0"))
                     if sign in text and pattern.search(text)]
            if not kinds:
                remember(clean, text, True)
            else:
                yield Finding.make("PR-002", line.source.location(field), line_id=line.line_id,
                                   variant=kinds[0])


@rule("PR-003")
def reference_not_identity_code(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A client reference must be pseudonymous, never an identity code."""
    for client in claim.clients:
        if client.reference and is_valid_identity_code(client.reference):
            yield Finding.make("PR-003", client.source.location("reference"),
                               value=mask(client.reference.strip()))
    for line in claim.expenses:
        if line.client_reference and is_valid_identity_code(line.client_reference):
            yield Finding.make("PR-003", line.source.location("client_reference"),
                               line_id=line.line_id, value=mask(line.client_reference.strip()))
