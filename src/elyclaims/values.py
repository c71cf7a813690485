"""Reading cell values in the forms finance officers write them.

Pure functions from a raw cell value (text, number, Excel date…) to a typed value. Each raises
:class:`CellValueError` naming the kind it expected, so that the caller can report WB-004 (or
WB-009 for an amount with more than two decimals) on the cell.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from elyclaims.identifiers import canonical_business_id
from elyclaims.vocabulary import normalize_label

__all__ = [
    "CENT",
    "EXCEL_ERRORS",
    "MAX_AMOUNT",
    "MAX_TOTAL",
    "CellValueError",
    "TooManyDecimals",
    "format_money",
    "parse_business_id",
    "parse_code",
    "parse_date",
    "parse_money",
    "parse_text",
    "parse_year",
    "parse_yes_no",
    "parse_yes_no_date",
    "quantize",
    "timestamp",
]

CENT = Decimal("0.01")
_NO_CENTS = Decimal("0.00")
# No cost line reaches a trillion euros; the bound keeps every sum far inside Decimal's
# 28 significant digits, so no arithmetic on amounts can ever overflow or round.
MAX_AMOUNT = Decimal(10**12)
# Totals of at most the read limit's rows of such amounts stay below this.
MAX_TOTAL = Decimal(10**20)
# Rounding needs room for every digit of any total, not Decimal's default 28.
_ROUNDING = Context(prec=60, rounding=ROUND_HALF_UP)
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_EXCEL_SERIAL = 2958465  # 9999-12-31
_FLOAT_NOISE = Decimal("0.000001")
_FLOAT_RELATIVE_NOISE = Decimal("1e-15")
# parse_money's fast path for floats: below MAX_AMOUNT, within a hundred-thousandth of a cent.
_FAST_LIMIT = float(10**12)
_WHOLE_LIMIT = 10**12
_FAST_NOISE = 1e-5
EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA",
     "#SPILL!", "#CALC!"}
)


class CellValueError(ValueError):
    """A value cannot be read as *kind* (``date``, ``money``, ``year``, ``yes_no``…)."""

    def __init__(self, kind: str, value: object) -> None:
        super().__init__(f"not a {kind}: {value!r}")
        self.kind = kind
        self.value = value


class TooManyDecimals(CellValueError):
    """An amount has a real third decimal (not float noise)."""

    def __init__(self, value: object) -> None:
        super().__init__("money", value)


def quantize(amount: Decimal) -> Decimal:
    """Round *amount* to cents, half up (the one place money is rounded)."""
    return amount.quantize(CENT, context=_ROUNDING)


def timestamp(moment: datetime) -> str:
    """A moment as packages, receipts and the ledger write it: UTC, whole seconds,
    ``2026-11-29T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment.tzinfo else (
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def format_money(amount: Decimal) -> str:
    """Format an amount with two decimals and a point: ``1234.50``."""
    text = str(amount)
    if text[-3:-2] == "." and "E" not in text:
        return text  # already in cents, as every amount a claim holds: its own digits
    return f"{quantize(amount):.2f}"


def _error_value(value: object) -> None:
    # Every Excel error value starts with "#": the cheap test first.
    if isinstance(value, str) and "#" in value and value.strip().upper() in EXCEL_ERRORS:
        raise CellValueError("error_value", value.strip())


# ------------------------------------------------------------------------------------ text


def parse_text(value: object) -> str | None:
    """Text with surrounding white space removed; numbers as written (``123`` not ``123.0``)."""
    _error_value(value)
    if value is None:
        return None
    if type(value) is str and value.isprintable() and value[:1] != " " and value[-1:] != " " \
            and "  " not in value:
        return value or None  # already single-spaced: most cells are
    if isinstance(value, bool):
        raise CellValueError("text", value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellValueError("text", value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        raise CellValueError("text", value)
    text = " ".join(str(value).split())
    return text or None


# ------------------------------------------------------------------------------------ dates

_DOTTED = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{2}|\d{4})\.?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?")


def parse_date(value: object) -> date | None:
    """A date from an Excel date or date-time cell (its date), an Excel serial number, or text.

    Text forms: ``d.M.yyyy``, ``dd.mm.yyyy``, ``d.M.yy`` (20yy), ``yyyy-mm-dd``. Text with a
    time of day (``15.7.2026 klo 12``) or in an ambiguous order (``7/9/2026``) is no date.
    """
    _error_value(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()  # a date-time cell (2.7.2026 14:30) counts as its date
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellValueError("date", value)
    if isinstance(value, (int, float)):
        return _from_serial(value)
    text = str(value).strip()
    if not text:
        return None
    if match := _DOTTED.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
        return _make_date(year, month, day, value)
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        return _make_date(year, month, day, value)
    if text.isdigit():
        return _from_serial(int(text))
    raise CellValueError("date", value)


def _make_date(year: int, month: int, day: int, original: object) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise CellValueError("date", original) from error


def _from_serial(serial: float) -> date:
    if not math.isfinite(serial) or not 1 <= serial <= _MAX_EXCEL_SERIAL or serial != int(serial):
        raise CellValueError("date", serial)
    return _EXCEL_EPOCH + timedelta(days=int(serial))


# ------------------------------------------------------------------------------------ money

_MONEY_TEXT = re.compile(r"[+-]?(\d+([ .,']\d{3})*|\d*)([.,]\d+)?")
_CURRENCY = re.compile(r"(?i)^\s*(€|eur)\s*|\s*(€|eur|euroa?)\s*$")
_MINUS_SIGNS = "\u2212\u2012\u2013"
# "640,-" (or "640,–" once the dash is a minus): whole euros.
_WHOLE_EUROS = re.compile(r"(.*\d)\s*[,.]\s*-")
_DASHES = frozenset({"-", "\u2013", "\u2014", "\u2012", "\u2212"})


def parse_money(value: object, *, decimal_comma: bool = True) -> Decimal | None:
    """An amount in euros as a Decimal with two places.

    Numbers (an Excel float goes through its shortest repr, so ``0.1+0.2`` noise is rounded
    away), or text such as ``1 234,56``, ``1234.56``, ``1 234,56 €``, ``-12,00``, ``(12,00)``,
    and the Finnish whole-euro forms ``640,-`` and ``640,–``. A cell holding only ``-`` or
    ``–`` is empty. With ``decimal_comma`` a lone comma is the decimal separator; otherwise it
    separates thousands (as in a comma-delimited CSV export).

    Raises:
        TooManyDecimals: when a real third decimal is present.
        CellValueError: when the value is not an amount.
    """
    if type(value) is int and -_WHOLE_LIMIT < value < _WHOLE_LIMIT:
        return Decimal(value * 100).scaleb(-2)  # whole euros: the cents are exact
    if type(value) is float and value and -_FAST_LIMIT < value < _FAST_LIMIT:
        # Nearly every amount cell: a float within a ten-millionth of a euro of whole cents,
        # read without the decimal arithmetic below (and to the same Decimal: such a value is
        # far from any half cent, and well inside the noise the general path allows).
        scaled = value * 100
        cents = round(scaled)
        if cents and abs(scaled - cents) < _FAST_NOISE:  # (a zero keeps its sign below)
            return Decimal(cents).scaleb(-2)
    _error_value(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellValueError("money", value)
    if isinstance(value, int):
        return _cents(Decimal(value), value, noise_allowed=False)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellValueError("money", value)
        return _cents(Decimal(repr(value)), value, noise_allowed=True)
    if isinstance(value, Decimal):
        return _cents(value, value, noise_allowed=False)
    if isinstance(value, (date, datetime)):
        raise CellValueError("money", value)
    text = str(value).strip()
    if not text or text in _DASHES:
        return None
    return _cents(_money_from_text(text, decimal_comma, value), value, noise_allowed=False)


def _money_from_text(text: str, decimal_comma: bool, original: object) -> Decimal:
    for sign in _MINUS_SIGNS:
        text = text.replace(sign, "-")
    text = _CURRENCY.sub("", text)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
        if text[:1] in ("-", "+"):  # "(-5)": a credit twice over, or none? Not an amount.
            raise CellValueError("money", original)
    whole = _WHOLE_EUROS.fullmatch(text)
    if whole is not None:
        text = whole.group(1)
    elif text.endswith("-") and not text.startswith("-"):
        negative, text = True, text[:-1].strip()
    compact = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2007", " ").strip()
    if not compact or not _MONEY_TEXT.fullmatch(compact) or not any(c.isdigit() for c in compact):
        raise CellValueError("money", original)
    digits = compact.replace(" ", "").replace("'", "")
    comma, point = digits.rfind(","), digits.rfind(".")
    if comma >= 0 and point >= 0:
        decimal_mark = "," if comma > point else "."
    elif comma >= 0:
        lone = digits.count(",") == 1 and not _thousands(digits, ",")
        decimal_mark = "," if decimal_comma or lone else ""
    elif point >= 0:
        decimal_mark = "." if digits.count(".") == 1 else ""
    else:
        decimal_mark = ""
    thousands = {",", "."} - {decimal_mark}
    if decimal_mark and digits.count(decimal_mark) > 1:
        raise CellValueError("money", original)
    for mark in thousands:
        digits = digits.replace(mark, "")
    digits = digits.replace(decimal_mark, ".") if decimal_mark else digits
    try:
        amount = Decimal(digits)
    except InvalidOperation as error:
        raise CellValueError("money", original) from error
    return -amount if negative else amount


def _thousands(digits: str, mark: str) -> bool:
    # "1,234" in a comma-delimited export: exactly three digits after the only comma.
    return len(digits) - digits.rfind(mark) - 1 == 3


def _cents(amount: Decimal, original: object, *, noise_allowed: bool) -> Decimal:
    if not amount.is_finite():
        raise CellValueError("money", original)
    if abs(amount) >= MAX_AMOUNT:
        raise CellValueError("money_range", original)
    rounded = quantize(amount)
    # A float's own error grows with its magnitude: a few units in its last place, far below
    # half a cent even at a billion euros.
    noise = max(_FLOAT_NOISE, abs(amount) * _FLOAT_RELATIVE_NOISE)
    if rounded != amount and not (noise_allowed and abs(rounded - amount) < noise):
        raise TooManyDecimals(original)
    # Zero has no sign: "-0,00" (or a float -0.0) is the amount 0.00, as every equal number is
    # one amount.
    return rounded if rounded else _NO_CENTS


# ------------------------------------------------------------------------ other kinds

_YES = frozenset({"kylla", "k", "ja", "j", "yes", "y", "x", "true", "1", "tosi", "sant"})
_NO = frozenset({"ei", "e", "nej", "n", "no", "false", "0", "epatosi", "falskt", "-"})


def parse_yes_no(value: object) -> bool | None:
    """``kyllä``/``ei``, ``ja``/``nej``, ``yes``/``no``, ``x``, booleans, 1/0."""
    _error_value(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = normalize_label(str(value))
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellValueError("yes_no", value)


def parse_yes_no_date(value: object) -> tuple[bool | None, date | None]:
    """Yes/no, or a date until which it holds: ``(True, 2026-03-31)`` for a date."""
    try:
        return parse_yes_no(value), None
    except CellValueError as error:
        if error.kind == "error_value":
            raise
    try:
        until = parse_date(value)
    except CellValueError as error:
        raise CellValueError("yes_no_date", value) from error
    return (None, None) if until is None else (True, until)


def parse_year(value: object) -> int | None:
    """A four-digit year (1900-2100), as a number or text; an Excel date gives its year."""
    _error_value(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellValueError("year", value)
    if isinstance(value, (datetime, date)):
        return value.year
    if isinstance(value, float):
        if not value.is_integer():
            raise CellValueError("year", value)
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= 2100:
        raise CellValueError("year", value)
    return int(text)


_CODE = re.compile(r"(?i)(hva\s*)?\d{1,3}")


def parse_code(value: object) -> str | None:
    """A municipality or county code as written (``91``, ``091``, ``HVA04``), or a name.

    Numbers become their digits (``91.0`` -> ``91``); padding is left to the reader of the
    code, who knows whether it is a 3-digit municipality or a 2-digit county code.
    """
    _error_value(value)
    if value is None:
        return None
    if isinstance(value, (bool, datetime, date)):
        raise CellValueError("code", value)
    if isinstance(value, float):
        if not value.is_integer():
            raise CellValueError("code", value)
        value = int(value)
    if isinstance(value, int):
        if not 0 <= value <= 999:
            raise CellValueError("code", value)
        return str(value)
    text = " ".join(str(value).split())
    if not text:
        return None
    if any(char.isdigit() for char in text) and not _CODE.fullmatch(text):
        raise CellValueError("code", value)
    return text


def parse_business_id(value: object) -> str | None:
    """A Business ID in the canonical form ``NNNNNNN-C`` when it is one in any form ERP
    exports write (``NNNNNNNC``, ``NNNNNNN C``, ``FINNNNNNNC``, an old six-digit ``NNNNNN-C``)
    and its check digit holds; otherwise the text as written, for CL-001/PV-001 to report."""
    text = parse_text(value)
    if text is None:
        return None
    return canonical_business_id(text) or text
