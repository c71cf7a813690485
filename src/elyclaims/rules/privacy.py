"""PR: personal data that must not be in a claim: identity codes, emails, phone numbers.

The findings never carry what they found: identity codes are masked by the finding itself, and
emails and phone numbers are not echoed at all.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from itertools import chain
from operator import attrgetter
from typing import Protocol, cast

from elyclaims.findings import Finding, Location
from elyclaims.model import Claim
from elyclaims.privacy import (
    find_identity_codes,
    holding_identity_codes,
    is_valid_identity_code,
    mask,
)
from elyclaims.rules._registry import RuleContext, RuleFunction

_CLAIM_TEXT = ("name", "business_id", "iban", "bic", "contact_person", "email", "phone")
_CLAIM_LEVEL_TEXT = ("decision_reference", "recipient")
_CLIENT_TEXT = ("home_municipality",)
_LINE_TEXT = ("description", "justification", "provider", "provider_business_id",
              "invoice_number", "credited_invoice", "attachment", "acknowledged", "supply_type")
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
           suspect: Container[str]) -> Iterator[tuple[str, _Where, str, str | None]]:
    """Every text of the claim and of its input that may reach a report or a package, with
    where it is (its location is made only for a finding) and its line id: the claim's fields,
    sheet names and headers, the config's acknowledgement reasons. A line's text is given only
    where it is in *suspect*: lines repeat their texts, which are checked once each
    beforehand (:func:`_line_texts`)."""
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
    if suspect:
        for line in claim.expenses:
            source, line_id = line.source, line.line_id
            for field in ("client_reference", *_LINE_TEXT):
                value = getattr(line, field)
                if value and value in suspect:
                    yield value, source, field, line_id
    for text, location in context.labels:
        yield text, _At(location), "", None
    for number, entry in enumerate(context.config.acknowledge, start=1):
        yield entry.reason, _At(Location(file=context.config.path,
                                         field=f"acknowledge[{number}].reason")), "", None


def _line_texts(claim: Claim, fields: tuple[str, ...]) -> set[str]:
    """The distinct texts of the expense lines' *fields* (one pass in C: lines repeat their
    providers, descriptions and references)."""
    lines = claim.expenses
    found: set[str | None] = (set(chain.from_iterable(map(attrgetter(*fields), lines)))
                              if len(fields) > 1 else set(map(attrgetter(fields[0]), lines)))
    found.discard(None)  # an empty cell
    return cast("set[str]", found)


_REFERENCES = frozenset({"reference", "client_reference"})


def no_identity_codes(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """No cell, header, sheet name or config reason may hold a personal identity code (a client
    reference that is nothing but a code is PR-003's)."""
    # Each distinct text of the lines is searched once; only the lines with a text that holds
    # something like a code are gone through again, for its places.
    suspect = holding_identity_codes(_line_texts(claim, ("client_reference", *_LINE_TEXT)))
    for text, where, field, line_id in _texts(claim, context, suspect):
        codes = find_identity_codes(text)
        if not codes:
            continue
        if field in _REFERENCES and is_valid_identity_code(text):
            continue
        for code in codes:
            yield Finding.make("PR-001", where.location(field), line_id=line_id,
                               value=mask(code))


def no_contact_details(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """Descriptions and justifications should not hold email addresses or phone numbers."""
    # Each distinct text once; the lines only where some text holds contact details.
    kinds = {text: found[0] for text in _line_texts(claim, ("description", "justification"))
             if (found := [kind for kind, pattern, sign in (("email", _EMAIL, "@"),
                                                            ("phone", _PHONE, "0"))
                           if sign in text and pattern.search(text)])}
    if not kinds:
        return
    for line in claim.expenses:
        for field in ("description", "justification"):
            text = getattr(line, field)
            if text and text in kinds:
                yield Finding.make("PR-002", line.source.location(field), line_id=line.line_id,
                                   variant=kinds[text])


def reference_not_identity_code(claim: Claim, context: RuleContext) -> Iterator[Finding]:
    """A client reference must be pseudonymous, never an identity code."""
    for client in claim.clients:
        if client.reference and is_valid_identity_code(client.reference):
            yield Finding.make("PR-003", client.source.location("reference"),
                               value=mask(client.reference.strip()))
    codes = {text for text in _line_texts(claim, ("client_reference",))
             if is_valid_identity_code(text)}
    if not codes:
        return
    for line in claim.expenses:
        if line.client_reference in codes:
            assert line.client_reference is not None
            yield Finding.make("PR-003", line.source.location("client_reference"),
                               line_id=line.line_id, value=mask(line.client_reference.strip()))


#: The family's rules by id (they run in the catalogue's order).
RULES: dict[str, RuleFunction] = {
    "PR-001": no_identity_codes,
    "PR-002": no_contact_details,
    "PR-003": reference_not_identity_code,
}
