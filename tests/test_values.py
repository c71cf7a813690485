"""Reading dates, amounts, years, yes/no and codes as officers write them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elyclaims.values import (
    CENT,
    MAX_AMOUNT,
    CellValueError,
    TooManyDecimals,
    format_money,
    parse_code,
    parse_date,
    parse_money,
    parse_text,
    parse_year,
    parse_yes_no,
    parse_yes_no_date,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 3, 14), date(2026, 3, 14)),
        (datetime(2026, 3, 14), date(2026, 3, 14)),
        (datetime(2026, 3, 14, 14, 30), date(2026, 3, 14)),
        ("14.3.2026", date(2026, 3, 14)),
        ("14.03.2026", date(2026, 3, 14)),
        ("4.3.26", date(2026, 3, 4)),
        ("2026-03-14", date(2026, 3, 14)),
        (" 14.3.2026 ", date(2026, 3, 14)),
        (46095, date(2026, 3, 14)),
        (46095.0, date(2026, 3, 14)),
        ("46095", date(2026, 3, 14)),
        (None, None),
        ("", None),
    ],
)
def test_dates_in_every_accepted_form(value: object, expected: date | None) -> None:
    """Excel dates, serial numbers and the four text forms all give the same date."""
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["31.2.2026", "14/3/2026", "7/9/2026", "March 14", "2026-13-01", True, 0, -5,
              46095.5, "15.7.2026 klo 12", "2026-07-02T14:30:00", "#REF!"]
)
def test_not_a_date(value: object) -> None:
    """Impossible dates, ambiguous or other formats and text with a time of day are refused."""
    with pytest.raises(CellValueError):
        parse_date(value)


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)))
def test_date_text_forms_agree(day: date) -> None:
    """A date written d.M.yyyy, dd.mm.yyyy or ISO reads back as the same date."""
    assert parse_date(f"{day.day}.{day.month}.{day.year}") == day
    assert parse_date(f"{day:%d.%m.%Y}") == day
    assert parse_date(day.isoformat()) == day
    assert parse_date((day - date(1899, 12, 30)).days) == day


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.56, "1234.56"),
        (480, "480.00"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56 €", "1234.56"),
        ("1234.56", "1234.56"),
        ("-12,00", "-12.00"),
        ("\u221212,00", "-12.00"),
        ("(12,00)", "-12.00"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("12,5", "12.50"),
        ("€ 99", "99.00"),
        (0.1 + 0.2, "0.30"),
        (Decimal("7.1"), "7.10"),
    ],
)
def test_money_in_every_accepted_form(value: object, expected: str) -> None:
    """Numbers and text amounts read as the same Decimal with two places."""
    amount = parse_money(value)
    assert amount is not None
    assert str(amount) == expected


@pytest.mark.parametrize("value", [0, 0.0, -0.0, "0", "-0,00", "(0,00)", "0,-", "0-",
                                   Decimal("-0"), Decimal("-0.000"), -1e-9])
def test_zero_has_no_sign(value: object) -> None:
    """Every zero is the amount 0.00, never -0.00: equal numbers are one amount (the column
    reader reads each distinct value once, and -0.0 == 0), and no package says -0.00."""
    amount = parse_money(value)
    assert amount is not None
    assert str(amount) == "0.00"
    assert not amount.is_signed()


def test_comma_delimited_export_uses_comma_for_thousands() -> None:
    """Without the decimal comma, ``1,234`` is one thousand two hundred and thirty-four."""
    assert parse_money("1,234", decimal_comma=False) == Decimal("1234.00")
    assert parse_money("12,50", decimal_comma=False) == Decimal("12.50")
    assert parse_money("1,2", decimal_comma=False) == Decimal("1.20")
    # Four digits after the only comma are no thousands: a fourth decimal (WB-009).
    with pytest.raises(TooManyDecimals):
        parse_money("1,2345", decimal_comma=False)


@pytest.mark.parametrize("value", [12.345, "12,345", "0.001", Decimal("1.005")])
def test_third_decimal_is_reported(value: object) -> None:
    """A real third decimal is TooManyDecimals, never silently rounded."""
    with pytest.raises(TooManyDecimals):
        parse_money(value)


@pytest.mark.parametrize("value", ["abc", "12 eur 5", "1,2,3", "--5", True, date(2026, 1, 1),
                                   float("nan"), "#DIV/0!", "#n/a", " #Value! "])
def test_not_money(value: object) -> None:
    """Text that is not an amount is refused."""
    with pytest.raises(CellValueError):
        parse_money(value)


@given(st.decimals(min_value=-(MAX_AMOUNT - CENT), max_value=MAX_AMOUNT - CENT, places=2,
                   allow_nan=False))
def test_money_round_trips_through_text_and_float(amount: Decimal) -> None:
    """An amount of any size a cost can have, written as Finnish text, as a point decimal or as
    an Excel float, reads back exactly."""
    finnish = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    assert parse_money(finnish) == amount
    assert parse_money(format_money(amount)) == amount
    assert parse_money(float(amount)) == amount


@given(st.floats(min_value=-1e9, max_value=1e9), st.floats(min_value=-1e9, max_value=1e9))
def test_float_sums_of_cents_are_not_flagged(a: float, b: float) -> None:
    """Excel's sum of two cent amounts (up to a billion euros each: far beyond any cost line,
    where a float still holds every cent) never counts as a third decimal."""
    cents_a, cents_b = round(a, 2), round(b, 2)
    total = parse_money(cents_a + cents_b)
    assert total == parse_money(cents_a) + parse_money(cents_b)


@given(st.one_of(st.decimals(allow_nan=False, allow_infinity=False),
                 st.decimals(allow_nan=False, allow_infinity=False, places=2),
                 st.integers(min_value=-10**20, max_value=10**20).map(
                     lambda cents: Decimal(cents).scaleb(-2))))
def test_format_money_is_the_amount_rounded_to_cents(amount: Decimal) -> None:
    """Any Decimal, in cents or not, of any size and exponent: two decimals, half up."""
    from decimal import ROUND_HALF_UP, localcontext

    with localcontext() as context:
        context.prec = 60
        expected = f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"
    if abs(amount) < 10**20:
        assert format_money(amount) == expected


@given(st.one_of(st.integers(), st.integers(min_value=-10**13, max_value=10**13),
                 st.sampled_from([0, 1, -1, 10**12 - 1, 10**12, -(10**12 - 1), -(10**12)])))
def test_every_whole_number_reads_as_documented(value: int) -> None:
    """Whole numbers of any size: the euros with two zero decimals, refused from a trillion."""
    if abs(value) >= MAX_AMOUNT:
        with pytest.raises(CellValueError):
            parse_money(value)
        return
    assert str(parse_money(value)) == f"{value}.00"


def _money_as_documented(value: float) -> Decimal | None:
    """parse_money's rule for a float, written out: its shortest decimal form rounded half up
    to cents, refused when further from whole cents than a float's noise (a millionth of a
    euro, or 1e-15 of the amount), zero without a sign; None for a refused value."""
    from decimal import ROUND_HALF_UP

    if value != value or value in (float("inf"), float("-inf")):
        return None
    exact = Decimal(repr(value))
    if abs(exact) >= MAX_AMOUNT:
        return None
    rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    noise = max(Decimal("0.000001"), abs(exact) * Decimal("1e-15"))
    if rounded != exact and abs(rounded - exact) >= noise:
        return None
    return rounded if rounded else Decimal("0.00")


@given(st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1.5e12, max_value=1.5e12),
    st.integers(min_value=-10**14, max_value=10**14).map(lambda cents: cents / 100),
    st.integers(min_value=-10**14, max_value=10**14).map(lambda cents: cents / 100 + 1e-7),
    st.integers(min_value=-10**14, max_value=10**14).map(lambda cents: cents / 100 + 0.005),
    st.integers(min_value=-10**9, max_value=10**9).map(lambda mills: mills / 1000),
))
def test_every_float_reads_as_documented(value: float) -> None:
    """Any float, of any magnitude, noisy or with a real third decimal, zero of either sign:
    parse_money gives exactly the documented amount (the same digits and exponent, so the
    same text in every output), or refuses it."""
    expected = _money_as_documented(value)
    if expected is None:
        with pytest.raises(CellValueError):
            parse_money(value)
        return
    amount = parse_money(value)
    assert str(amount) == str(expected), (value, amount, expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("kyllä", True), ("Kyllä", True), ("ei", False), ("ja", True), ("nej", False),
     ("yes", True), ("no", False), ("x", True), ("X", True), (True, True), (0, False),
     (None, None), ("", None)],
)
def test_yes_no(value: object, expected: bool | None) -> None:
    """Yes/no reads in three languages, as x, and as Excel booleans."""
    assert parse_yes_no(value) is expected


def test_yes_no_or_date() -> None:
    """The asylum-seeker column takes yes/no or a date until which."""
    assert parse_yes_no_date("ei") == (False, None)
    assert parse_yes_no_date("31.3.2026") == (True, date(2026, 3, 31))
    with pytest.raises(CellValueError) as raised:
        parse_yes_no_date("maybe")
    assert raised.value.kind == "yes_no_date"


@pytest.mark.parametrize(("value", "expected"), [(2009, 2009), ("1987", 1987), (1990.0, 1990)])
def test_year(value: object, expected: int) -> None:
    """Years read from numbers and text."""
    assert parse_year(value) == expected


@pytest.mark.parametrize("value", ["87", 3000, 1990.5, "vuosi"])
def test_not_a_year(value: object) -> None:
    """Two-digit, implausible and fractional years are refused."""
    with pytest.raises(CellValueError):
        parse_year(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(91, "91"), (91.0, "91"), ("091", "091"), ("HVA04", "HVA04"), ("Vantaa", "Vantaa")],
)
def test_codes(value: object, expected: str) -> None:
    """Codes keep their digits as written; names pass through for the classification."""
    assert parse_code(value) == expected


@pytest.mark.parametrize("value", [91.5, "12345", "09-1", date(2026, 1, 1)])
def test_not_a_code(value: object) -> None:
    """Fractions, long numbers and dates are not codes."""
    with pytest.raises(CellValueError):
        parse_code(value)


@pytest.mark.parametrize("value", ["#DIV/0!", "#n/a", " #Value! ", "#spill!"])
@pytest.mark.parametrize("parse", [parse_money, parse_text, parse_date])
def test_excel_error_values_in_any_case(value: str, parse: Callable[[object], object]) -> None:
    """An Excel error value is one, however it is written (upper or lower case, with spaces):
    the cell reads as an error value (WB-004's own message), never as text or a bad amount."""
    with pytest.raises(CellValueError) as raised:
        parse(value)
    assert raised.value.kind == "error_value"
    assert raised.value.value == value.strip()
