"""Reading dates, amounts, years, yes/no and codes as officers write them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
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
    quantize,
    timestamp,
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
@pytest.mark.parametrize("parse", [parse_money, parse_text, parse_date, parse_year, parse_code,
                                   parse_yes_no, parse_yes_no_date])
def test_excel_error_values_in_any_case(value: str, parse: Callable[[object], object]) -> None:
    """An Excel error value is one, however it is written (upper or lower case, with spaces):
    the cell reads as an error value (WB-004's own message), never as text or a bad amount."""
    with pytest.raises(CellValueError) as raised:
        parse(value)
    assert raised.value.kind == "error_value"
    assert raised.value.value == value.strip()


@pytest.mark.parametrize(("parse", "value", "kind"), [
    (parse_money, "abc", "money"),
    (parse_money, "1,2,3", "money"),            # marks in no known order
    (parse_money, "1,234,567", "money"),        # a decimal comma twice
    (parse_text, True, "text"),
    (parse_text, float("inf"), "text"),
    (parse_text, date(2026, 1, 1), "text"),
    (parse_code, True, "code"),
    (parse_code, 91.5, "code"),
    (parse_code, 1000, "code"),                 # no code has four digits
    (parse_code, -1, "code"),
    (parse_code, "9 1 x", "code"),
    (parse_money, "(-5)", "money"),             # brackets and a sign: which sign is meant?
    (parse_money, "(+5)", "money"),
    (parse_money, Decimal("NaN"), "money"),
    (parse_money, True, "money"),
    (parse_money, float("inf"), "money"),
    (parse_money, date(2026, 1, 1), "money"),
    (parse_money, Decimal("12.3400001"), "money"),   # TooManyDecimals: no float noise in a Decimal
    (parse_money, "12,3400001", "money"),            # nor in text
    (parse_money, Decimal("Infinity"), "money"),
    (parse_money, 10**12, "money_range"),       # a trillion euros: no cost line
    (parse_money, -(10**12), "money_range"),
    (parse_money, "12,345", "money"),           # TooManyDecimals, below
    (parse_date, 0, "date"),                    # before Excel's first day
    (parse_date, 2958466, "date"),              # after 31.12.9999
    (parse_date, "31.2.2026", "date"),
    (parse_date, "2026-02-30", "date"),         # a day no month has, written the ISO way
    (parse_date, True, "date"),
    (parse_date, "7/9/2026", "date"),           # no order can be told
    (parse_year, True, "year"),
    (parse_year, 1990.5, "year"),
    (parse_year, 1899, "year"),
    (parse_year, "2101", "year"),
    (parse_yes_no, 2, "yes_no"),
    (parse_yes_no, "ehkä", "yes_no"),
    (parse_yes_no_date, "ehkä", "yes_no_date"),
    (parse_yes_no_date, "#N/A", "error_value"),  # an error value stays one, not a bad date
])
def test_each_refusal_names_its_kind_and_the_value(
        parse: Callable[[object], object], value: object, kind: str) -> None:
    """Every refusal says what kind of value the cell should have held and what it held (the
    WB-004 message names both), in its message too."""
    with pytest.raises(CellValueError) as raised:
        parse(value)
    assert (raised.value.kind, raised.value.value) == (kind, value)
    assert str(raised.value) == f"not a {kind}: {value!r}"
    assert isinstance(raised.value, TooManyDecimals) == (
        value in ("12,345", "12,3400001") or value == Decimal("12.3400001"))


@pytest.mark.parametrize(("parse", "value", "expected"), [
    (parse_year, 1900, 1900), (parse_year, "2100", 2100), (parse_year, 1990.0, 1990),
    (parse_date, 1, date(1899, 12, 31)), (parse_date, 2958465, date(9999, 12, 31)),
    (parse_yes_no, 0.0, False), (parse_yes_no, 1.0, True), (parse_yes_no, 0, False),
    (parse_yes_no, 1, True), (parse_code, 0, "0"), (parse_code, 999, "999"),
    (parse_code, 91.0, "91"),
    (parse_text, 123, "123"), (parse_text, 2.0, "2"), (parse_text, 1.5, "1.5"),
    (parse_text, " a  b ", "a b"), (parse_text, " a", "a"), (parse_text, "a ", "a"),
    (parse_text, "a  b", "a b"), (parse_text, "a\tb", "a b"),
    (parse_money, 12.3400009, Decimal("12.34")),   # float noise below a millionth of a euro
])
def test_values_at_the_edges_are_read(parse: Callable[[object], object], value: object,
                                      expected: object) -> None:
    """The first and last values each reader takes: years 1900 and 2100, Excel's first and
    last day, 0 and 1 as numbers for no and yes, a float a hair from whole cents."""
    assert parse(value) == expected


def test_a_millionth_of_a_euro_is_a_decimal_not_noise() -> None:
    """A float a millionth of a euro from whole cents holds a real sixth decimal: refused, as
    the noise a float may carry is less than that."""
    with pytest.raises(TooManyDecimals) as raised:
        parse_money(12.340001)
    assert raised.value.value == 12.340001


@pytest.mark.parametrize(("text", "expected"), [
    (",50", Decimal("0.50")), (".50", Decimal("0.50")),        # a mark as the first character
    ("1\u202f234,50", Decimal("1234.50")),                      # narrow no-break space
    ("1\u2007234,50", Decimal("1234.50")),                      # figure space
    ("1'234,50", Decimal("1234.50")), ("1'234.50", Decimal("1234.50")),
    ("1.234.567", Decimal("1234567.00")),                       # points only as thousands
    ("1 234 567,5", Decimal("1234567.50")),
])
def test_money_text_forms(text: str, expected: Decimal) -> None:
    """Amounts as officers and exports write them, each mark in every place it may stand."""
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["(50", "50)", "-5-", "1e5", "1E5", "1,234.567,89",
                                  "1.234,567.89", "5.", "- 5"])
def test_money_text_that_is_no_amount(text: str) -> None:
    """Text no reading makes one amount of is WB-004's (not an amount), not WB-009's (too many
    decimals): an unclosed bracket, a sign at both ends, an exponent, marks in no order."""
    with pytest.raises(CellValueError) as raised:
        parse_money(text)
    assert raised.value.kind == "money"
    assert not isinstance(raised.value, TooManyDecimals)


def test_cents_are_rounded_half_up_at_any_size() -> None:
    """Money is rounded half up (0.125 to 0.13, -0.125 to -0.13), also where the amount has
    more digits than Decimal's default 28 (a total of many huge lines)."""
    assert quantize(Decimal("0.125")) == Decimal("0.13")
    assert quantize(Decimal("-0.125")) == Decimal("-0.13")
    assert quantize(Decimal(10**40) + Decimal("0.005")) == Decimal(10**40) + Decimal("0.01")


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="time.tzset is Unix's")
def test_timestamps_are_utc_wherever_the_machine_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """A moment with its zone is written in UTC; a moment without one is taken as UTC already
    (as the ledger stores them), not as the machine's local time."""
    monkeypatch.setenv("TZ", "Europe/Helsinki")
    time.tzset()
    try:
        helsinki = timezone(timedelta(hours=2))
        assert timestamp(datetime(2026, 11, 29, 14, 0, 5, tzinfo=helsinki)) == \
            "2026-11-29T12:00:05Z"
        assert timestamp(datetime(2026, 11, 29, 12, 0, 5)) == "2026-11-29T12:00:05Z"
    finally:
        monkeypatch.undo()
        time.tzset()
