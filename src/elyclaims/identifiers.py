"""Finnish identifiers: Business ID (Y-tunnus), IBAN, and personal identity codes.

Pure functions, no I/O. Identity-code checks live in :mod:`elyclaims.privacy`, which is also
what masks them; they are re-exported here so that every identifier is found in one place.
"""

from __future__ import annotations

import re

from elyclaims.privacy import is_valid_identity_code

__all__ = [
    "business_id_check_digit",
    "is_valid_business_id",
    "is_valid_iban",
    "is_valid_identity_code",
    "normalize_iban",
]

_BUSINESS_ID = re.compile(r"(\d{6,7})-(\d)")
_BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
# ISO 13616 lengths of the countries a Finnish claimant's account plausibly is in.
_IBAN_LENGTHS = {"FI": 18, "AX": 18, "SE": 24, "EE": 20, "DE": 22, "NO": 15, "DK": 18}


def business_id_check_digit(seven_digits: str) -> int | None:
    """The check digit for the first seven digits of a Business ID, or None when the
    remainder is 1 (such numbers are never issued)."""
    total = sum(int(d) * w for d, w in zip(seven_digits, _BUSINESS_ID_WEIGHTS, strict=True))
    remainder = total % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def is_valid_business_id(text: str) -> bool:
    """Tell whether *text* is a Business ID ``NNNNNNN-C`` with a correct check digit.

    Old six-digit IDs are accepted with a leading zero added, as the registry does.
    """
    match = _BUSINESS_ID.fullmatch(text.strip())
    if match is None:
        return False
    digits, check = match.group(1).zfill(7), int(match.group(2))
    return business_id_check_digit(digits) == check


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
