"""Identifiers: Business ID, IBAN and personal identity codes, by example and by property."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elyclaims.identifiers import (
    business_id_check_digit,
    expected_business_id,
    is_valid_business_id,
    is_valid_iban,
    is_valid_identity_code,
    normalize_iban,
)
from elyclaims.privacy import (
    binary_holds_code,
    contains_identity_code,
    find_identity_codes,
    mask,
    sanitize,
)

CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}


def identity_code(day: date, individual: int, sign: str) -> str:
    """A correct identity code for a birth date, individual number and century sign."""
    birth = f"{day:%d%m}{day.year % 100:02d}"
    return f"{birth}{sign}{individual:03d}{CHECK[int(f'{birth}{individual:03d}') % 31]}"


@pytest.mark.parametrize("code", ["131052-308T", "010101A123N", "131052Y308T", "131052X308T",
                                  "010101B123N", "010101F123N", "010101A900U"])
def test_valid_identity_codes(code: str) -> None:
    """Codes with every kind of century sign, and temporary numbers, are recognised."""
    if code == "010101A900U":
        code = identity_code(date(2001, 1, 1), 900, "A")
    assert is_valid_identity_code(code)


@pytest.mark.parametrize("code", ["131052-308X", "311352-308T", "131052Z308T", "131052-001F",
                                  "13105-2308T", "IHK-131052"])
def test_invalid_identity_codes(code: str) -> None:
    """Wrong check characters, impossible dates, unknown signs and individual numbers 000-001
    are not codes."""
    assert not is_valid_identity_code(code)


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)),
       st.integers(min_value=2, max_value=999), st.data())
def test_every_generated_identity_code_is_valid_and_masked(
    day: date, individual: int, data: st.DataObject
) -> None:
    """A correctly built code of any century and sign, in upper or lower case, is valid, found
    in text and masked, wherever it stands in the text."""
    sign = data.draw(st.sampled_from(SIGNS[day.year // 100 * 100]))
    code = identity_code(day, individual, sign)
    code = data.draw(st.sampled_from([code, code.lower(), code[:7].lower() + code[7:],
                                      code[:-1] + code[-1].lower()]))
    assert is_valid_identity_code(code)
    before = data.draw(st.sampled_from(["", "Asiakas ", "(", "hetu:", "\n", "ä "]))
    after = data.draw(st.sampled_from(["", " kävi", ")", ".", ", ", "\t"]))
    text = f"{before}{code}{after}"
    assert find_identity_codes(text) == [code]
    masked = sanitize(text)
    assert code.upper() not in masked.upper()
    assert masked == f"{before}{mask(code)}{after}"
    # The written files' check (bytes, as claim.xml is scanned) finds it too.
    assert contains_identity_code(text)
    assert contains_identity_code(text.encode("utf-8"))
    assert not contains_identity_code(masked.encode("utf-8"))


def _pieces_of_text() -> st.SearchStrategy[bytes]:
    """Bytes that come near identity codes: valid codes of every sign and case, code shapes
    with a wrong check character, runs of digits, century signs, letters and any other byte."""
    code = st.builds(identity_code, st.dates(min_value=date(1800, 1, 1),
                                             max_value=date(2099, 12, 31)),
                     st.integers(min_value=0, max_value=999),
                     st.sampled_from("+-YXWVUABCDEFyxwvuabcdef"))
    cased = st.tuples(code, st.booleans()).map(lambda c: c[0].lower() if c[1] else c[0])
    return st.lists(st.one_of(
        cased.map(str.encode),
        cased.map(lambda c: (c[:-1] + "Z").encode()),
        st.text("0123456789", min_size=1, max_size=13).map(str.encode),
        st.sampled_from([b"-", b"+", b"A", b"y", b"Z", b" ", b"\n", b"<", b"\xc3\xa4",
                         "\u2013".encode(), "\u2011".encode(), "\u2212".encode(), b" - ",
                         b"hetu"]),
        st.binary(max_size=4),
    ), max_size=12).map(b"".join)


@given(_pieces_of_text())
def test_bytes_are_searched_as_text_is(data: bytes) -> None:
    """The search of written bytes (claim.xml, by the shape of a code first) finds a code
    exactly where the text search finds one, whatever surrounds it."""
    assert contains_identity_code(data) == bool(
        find_identity_codes(data.decode("utf-8", errors="replace")))


def test_sanitize_leaves_what_is_not_a_code() -> None:
    """Invoice numbers, dates, ten-digit numbers and code-shaped texts with a wrong check
    character stay as written: the sanitiser changes only what PR-001 would report."""
    text = ("Lasku 131052-308X, 2026-07-01, IHK-131052, 1310523308T, 131052-3081x, 0401234567, "
            "FI5212345600007890, 131052 3080")
    assert sanitize(text) == text


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
       st.integers(min_value=2, max_value=999))
def test_a_wrong_check_character_is_refused(day: date, individual: int) -> None:
    """Changing the check character of a valid code makes it invalid."""
    sign = "-" if day.year < 2000 else "A"
    code = identity_code(day, individual, sign)
    wrong = CHECK[(CHECK.index(code[-1]) + 1) % 31]
    assert not is_valid_identity_code(code[:-1] + wrong)


@pytest.mark.parametrize("business_id", ["0201256-6", "3221308-6", "2345678-0", "1234567-1",
                                         "123456-2"])
def test_valid_business_ids(business_id: str) -> None:
    """Known-good Business IDs, including an old six-digit one, pass."""
    assert is_valid_business_id(business_id)


@pytest.mark.parametrize("business_id", ["0201256-5", "3456789-0", "02012566", "0201256 6",
                                         "A201256-6", ""])
def test_invalid_business_ids(business_id: str) -> None:
    """A wrong check digit, a never-issued number (remainder 1) and bad shapes fail."""
    assert not is_valid_business_id(business_id)


@given(st.integers(min_value=0, max_value=9_999_999))
def test_business_id_check_digit_property(number: int) -> None:
    """Every number that can take a check digit is valid with it and invalid with any other."""
    digits = f"{number:07d}"
    check = business_id_check_digit(digits)
    if check is None:
        assert not any(is_valid_business_id(f"{digits}-{d}") for d in range(10))
        return
    assert is_valid_business_id(f"{digits}-{check}")
    assert not is_valid_business_id(f"{digits}-{(check + 1) % 10}")


def finnish_iban(account: str) -> str:
    """The Finnish IBAN of a 14-digit account number."""
    return f"FI{98 - int(account + '151800') % 97:02d}{account}"


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_generated_finnish_ibans(account: str) -> None:
    """Every Finnish IBAN built by the standard passes, with or without spaces; a changed
    digit fails."""
    iban = finnish_iban(account)
    assert is_valid_iban(iban)
    spaced = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    assert is_valid_iban(spaced)
    assert normalize_iban(spaced) == iban
    changed = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    assert not is_valid_iban(changed)


@pytest.mark.parametrize("iban", ["FI52123456000078", "FI5212345600007890X", "XX", "",
                                  "FI52 1234 5600 0078 91"])
def test_invalid_ibans(iban: str) -> None:
    """Wrong length, stray characters and a failing mod-97 check are refused."""
    assert not is_valid_iban(iban)


#: Every separator people type between a code's birth date and individual number, besides the
#: century sign: the dashes and hyphens of Unicode, with and without spaces, a space, none.
TYPED_SEPARATORS = ["-", " ", "", " - ", "- ", " -", "\u2010", "\u2011", "\u2012", "\u2013",
                    "\u2014", "\u2015", "\u2212", " \u2013 ", "\u2011 "]


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)),
       st.integers(min_value=2, max_value=999), st.sampled_from(TYPED_SEPARATORS),
       st.booleans(), st.sampled_from(["", "hetu", "Potilas ", "(", "HETU:", "x"]),
       st.sampled_from(["", "x", " kävi", ")", "\n"]))
def test_codes_as_people_type_them_are_found_and_masked(
        day: date, individual: int, separator: str, lower: bool, before: str, after: str) -> None:
    """A code typed with another separator (any dash, spaces, none) in either case, even glued
    to letters, is found, masked in text and found in bytes, when its check character proves
    it (without any separator, a letter: ten digits in a row are left alone)."""
    code = identity_code(day, individual, "-")
    typed = code[:6] + separator + code[7:]
    if lower:
        typed = typed.lower()
    text = f"{before}{typed}{after}"
    proven = separator != "" or not code[-1].isdigit()
    assert find_identity_codes(text) == ([typed] if proven else [])
    assert contains_identity_code(text.encode("utf-8")) == proven
    masked = sanitize(text)
    if proven:
        assert masked == f"{before}{code[:6]}-****{after}"
        assert not contains_identity_code(masked.encode("utf-8"))
    else:
        assert masked == text


def test_ordinary_workbook_texts_are_never_taken_for_codes() -> None:
    """Ten thousand texts of a finance officer's workbook (invoice numbers, IBANs, Business
    IDs, dates in every format, phone numbers, amounts, references, times) hold no code."""
    import random

    rng = random.Random(2026)
    texts = []
    for _ in range(10_000):
        kind = rng.randrange(10)
        n = rng.randrange(10**10)
        texts.append([
            f"L-{n % 10**8}", f"{n % 10**10:010d}", f"FI{n % 100:02d} {n % 10**4:04d} "
            f"{n % 10**4:04d} {n % 10**4:04d} {n % 100:02d}", f"{n % 10**7:07d}-{n % 10}",
            f"{1 + n % 28}.{1 + n % 12}.20{n % 30:02d}", f"20{n % 30:02d}-{1 + n % 12:02d}-"
            f"{1 + n % 28:02d}", f"+358 40 {n % 10**7:07d}", f"{n % 10**6:,}.{n % 100:02d} €",
            f"IHK-{n % 10**6:06d}", f"klo {n % 24:02d}:{n % 60:02d}-{n % 24:02d}:{n % 60:02d}",
        ][kind])
    hits = [text for text in texts if find_identity_codes(text) or contains_identity_code(
        text.encode("utf-8"))]
    assert hits == []


@pytest.mark.parametrize(("code", "valid"), [
    ("290200-1239", False),  # 29 Feb 1900: not a leap year
    ("290200Y1239", False),
    ("290200+1239", False),  # 1800 neither
    ("290200A1239", True),   # 29 Feb 2000 was
    ("290200a1239", True),   # a sign in lower case is the same sign
    ("290200 1239", True),   # no sign: a date some century has
    ("290212-123C", True),   # 1912: the year's two digits decide, not its last
    ("290213-123M", False),  # no century has 29 Feb of a year 13
    ("290213 123M", False),
])
def test_the_century_sign_decides_whether_a_birth_date_exists(code: str, valid: bool) -> None:
    """A code's birth date must exist in its century (the sign's, or any for a code typed without
    one): 29 February shows it."""
    assert is_valid_identity_code(code) is valid
    assert bool(find_identity_codes(f"asiakas {code}")) is valid


def test_mask_of_a_text_that_is_no_code_keeps_only_its_start() -> None:
    """mask() of a text without a code's shape keeps its first seven characters, as of a code."""
    assert mask("ABCDEFGHIJ") == "ABCDEFG****"
    assert mask("131052-308T") == "131052-****"


@pytest.mark.parametrize(("data", "holds"), [
    (b"muistio 131052-308T", True),
    ("muistio 131052-308T".encode("utf-16-le"), True),  # a macro project's names
    ("muistio 131052-308X".encode("utf-16-le"), False),  # a wrong check character
    ("puhelin 0401234567".encode("utf-16-le"), False),
])
def test_binary_parts_are_searched_as_8_bit_text_and_as_utf_16(data: bytes, holds: bool) -> None:
    """binary_holds_code finds a code in a binary part's 8-bit text and in its UTF-16 text."""
    assert binary_holds_code(data) is holds


@pytest.mark.parametrize(("text", "expected"), [
    ("2345678-1", "2345678-0"),  # the right check digit for the same seven digits
    ("123456-3", "0123456-2"),   # the old six-digit form, with its leading zero
    ("2345678", "2345678-0"),
    ("12345", None),             # no seven digits
    ("1000008-1", None),         # seven digits no check digit fits (the remainder 1)
])
def test_expected_business_id_for_the_hint(text: str, expected: str | None) -> None:
    """The Business ID a wrong one's digits make with the right check digit, for CL-001's hint."""
    assert expected_business_id(text) == expected
