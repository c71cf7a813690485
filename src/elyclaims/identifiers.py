"""Finnish identifiers: Business ID (Y-tunnus), IBAN, and personal identity codes.

Pure functions, no I/O. Identity-code checks live in :mod:`elyclaims.privacy`, which is also
what masks them; they are re-exported here so that every identifier is found in one place.
"""

from __future__ import annotations

import re
from functools import lru_cache

from elyclaims.privacy import is_valid_identity_code

__all__ = [
    "business_id_check_digit",
    "canonical_business_id",
    "expected_business_id",
    "is_valid_business_id",
    "is_valid_iban",
    "is_valid_identity_code",
    "normalize_iban",
]

_BUSINESS_ID = re.compile(r"(\d{6,7})-(\d)")
# The forms ERP exports write: with or without the hyphen, a space instead of it, or as the
# VAT number FI + eight digits.
_BUSINESS_ID_FORMS = re.compile(r"(?:FI\s*)?(\d{7})\s*[-\u2010\u2011\u2013]?\s*(\d)|(\d{6})-(\d)",
                                re.IGNORECASE)
_BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
# ISO 13616 lengths of the countries a Finnish claimant's account plausibly is in.
_IBAN_LENGTHS = {"FI": 18, "AX": 18, "SE": 24, "EE": 20, "DE": 22, "NO": 15, "DK": 18}


@lru_cache(maxsize=8192)
def business_id_check_digit(seven_digits: str) -> int | None:
    """The check digit for the first seven digits of a Business ID, or None when the
    remainder is 1 (such numbers are never issued)."""
    total = sum(int(d) * w for d, w in zip(seven_digits, _BUSINESS_ID_WEIGHTS, strict=True))
    remainder = total % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


@lru_cache(maxsize=4096)  # a claim names a few providers on many lines
def is_valid_business_id(text: str) -> bool:
    """Tell whether *text* is a Business ID ``NNNNNNN-C`` with a correct check digit.

    Old six-digit IDs are accepted with a leading zero added, as the registry does.
    """
    match = _BUSINESS_ID.fullmatch(text.strip())
    if match is None:
        return False
    digits, check = match.group(1).zfill(7), int(match.group(2))
    return business_id_check_digit(digits) == check


@lru_cache(maxsize=8192)  # a claim names the same few providers on thousands of lines
def canonical_business_id(text: str) -> str | None:
    """The Business ID in *text* as ``NNNNNNN-C`` when *text* is one in an accepted form and
    its check digit holds (``23456780``, ``2345678 0``, ``FI23456780`` and ``2345678-0`` all
    give ``2345678-0``; the old six-digit ``123456-2`` gives ``0123456-2``); else None."""
    match = _BUSINESS_ID_FORMS.fullmatch(text.strip())
    if match is None:
        return None
    digits, check = (match.group(1), match.group(2)) if match.group(1) else (
        match.group(3).zfill(7), match.group(4))
    if business_id_check_digit(digits) != int(check):
        return None
    return f"{digits}-{check}"


def expected_business_id(text: str) -> str | None:
    """For a Business ID whose check digit is wrong, the ID its first seven digits make with
    the right one (for the hint); None when *text* has no seven such digits."""
    old = _BUSINESS_ID.fullmatch(text.strip())
    digits = old.group(1).zfill(7) if old else "".join(c for c in text if c.isdigit())
    if len(digits) not in {7, 8}:
        return None
    check = business_id_check_digit(digits[:7])
    return None if check is None else f"{digits[:7]}-{check}"


def normalize_iban(text: str) -> str:
    """The IBAN without spaces, in capitals (``fi49 1234…`` -> ``FI491234…``)."""
    return re.sub(r"[\s\u00a0-]", "", text).upper()


def is_valid_iban(text: str) -> bool:
    """Tell whether *text* is a well-formed IBAN whose ISO 7064 mod-97 check holds.

    Finnish IBANs must have 18 characters; other countries' lengths are checked where known.
    """
    iban = normalize_iban(text)
    if not _IBAN.fullmatch(iban):
        return False
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1
