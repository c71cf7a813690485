"""Recognising and masking Finnish personal identity codes (henkilötunnus).

Identity codes must never reach any output, log or message. Everything that echoes user data
passes it through :func:`mask_identity_codes` first.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "IDENTITY_CODE_PATTERN",
    "find_identity_codes",
    "is_valid_identity_code",
    "mask",
    "mask_identity_codes",
]

_CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_CENTURIES = {
    "+": 1800,
    "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900,
    "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000,
}  # fmt: skip

# Anything shaped like an identity code is masked, valid checksum or not: a mistyped code is
# still personal data.
IDENTITY_CODE_PATTERN = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})([-+ABCDEFUVWXY])(\d{3})([0-9A-Ya-y])(?![0-9A-Za-z])"
)


def is_valid_identity_code(code: str) -> bool:
    """Tell whether *code* is a well-formed identity code with a correct check character.

    Accepts every century sign, including those introduced in 2023, and temporary numbers
    (individual number 900-999). The birth date must exist.
    """
    match = IDENTITY_CODE_PATTERN.fullmatch(code.strip().upper())
    if match is None:
        return False
    birth, sign, individual, check = match.groups()
    day, month, year = int(birth[:2]), int(birth[2:4]), int(birth[4:])
    try:
        date(_CENTURIES[sign] + year, month, day)
    except ValueError:
        return False
    if int(individual) < 2:
        return False
    return _CHECK_CHARACTERS[int(birth + individual) % 31] == check.upper()


def find_identity_codes(text: str) -> list[str]:
    """Return the valid identity codes in *text*, in order of appearance."""
    return [m.group(0) for m in IDENTITY_CODE_PATTERN.finditer(text)
            if is_valid_identity_code(m.group(0))]


def mask(code: str) -> str:
    """Mask one identity code: ``131052-308T`` becomes ``131052-****``."""
    return code[:7] + "****"


def mask_identity_codes(text: str) -> str:
    """Return *text* with everything shaped like an identity code masked."""
    return IDENTITY_CODE_PATTERN.sub(lambda m: mask(m.group(0)), text)
