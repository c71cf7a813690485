"""Numbers, money, percents, dates and names in the reader's language.

Findings carry values (a date, an amount in euros, a rate, a municipality's code); this is
where they become words, per locale: ``1 234,56 €``, ``1.7.2026`` and ``13,5 %`` in Finnish and
Swedish (Finland's Swedish, ``sv_FI``), ``€1,234.56``, ``1 Jul 2026`` and ``13.5%`` in English,
with no-break spaces in Finnish and Swedish numbers, as CLDR has them. Numbers, amounts and
dates are written here from each locale's symbols (:data:`~elyclaims.i18n.NUMBER_SYMBOLS`,
:data:`_MONTHS`), exactly as Babel writes them (a property test compares the two), since
loading Babel's locale data costs a small claim's validate 30-70 ms; month names, times and
words come from Babel.

Language-neutral text (the JSON report's ``value``, the package) uses :func:`neutral` instead:
ISO dates, amounts with two decimals and a point, codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from elyclaims.i18n import LANGUAGES, LOCALES, NUMBER_SYMBOLS, translator
from elyclaims.values import format_money

__all__ = ["LOCALES", "Named", "Param", "Percent", "amount_in_words", "day", "from_wire", "iso_day",
           "moment", "money", "month", "neutral", "number", "param", "percent", "shown_value",
           "to_wire"]



@dataclass(frozen=True, slots=True)
class Named:
    """Something of the reference data that a message names (an authority, a county, a
    municipality, a category, a legal regime, a key of the claim sheet: ``claim_field``):
    carried by its code, put into words in the reader's language only when the message is
    rendered."""

    kind: str
    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class Percent:
    """A rate in percent (``Decimal("13.5")``), as a message shows it."""

    value: Decimal

    def __str__(self) -> str:
        return f"{self.value.normalize():f} %"


#: A value a message shows: text as it was written, an amount in euros (Decimal), a date, a
#: count, a rate, a named thing, or several of them.
Param = str | int | Decimal | date | Percent | Named | tuple[Any, ...]


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["en"])


#: English (en_GB) month abbreviations, as CLDR has them.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec")


def _decimal(value: int | Decimal, lang: str, *, most: int, least: int = 0) -> str:
    """*value* with *lang*'s grouping and decimal sign, rounded half to even to at most *most*
    decimals and written with at least *least*; ``-`` before a signed value (even one that
    rounds to zero), as Babel's number patterns write it."""
    number = Decimal(value)
    negative = number.is_signed()
    rounded = abs(number).quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_EVEN)
    whole, _, fraction = format(rounded, "f").partition(".")
    fraction = fraction.rstrip("0").ljust(least, "0")
    group, decimal_sign, _ = NUMBER_SYMBOLS.get(lang, NUMBER_SYMBOLS["en"])
    text = f"{int(whole):,}".replace(",", group)
    if fraction:
        text = f"{text}{decimal_sign}{fraction}"
    return f"-{text}" if negative else text


def money(amount: Decimal, lang: str) -> str:
    """An amount in euros: ``1 234,56 €`` (fi, sv), ``€1,234.56`` (en)."""
    text = _decimal(amount, lang, most=2, least=2)
    if lang in ("fi", "sv"):
        return f"{text}\u00a0€"
    return f"-€{text[1:]}" if text.startswith("-") else f"€{text}"


def day(value: date, lang: str) -> str:
    """A date: ``1.7.2026`` (fi, sv), ``1 Jul 2026`` (en)."""
    if lang in ("fi", "sv"):
        return f"{value.day}.{value.month}.{value.year}"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


#: The time zone of every moment a person reads (the claimants and the authority are in Finland).
TIME_ZONE = "Europe/Helsinki"


def moment(value: datetime | str, lang: str) -> str:
    """A moment (a receipt's, the ledger's: UTC, ``2026-12-06T23:18:39Z``) in Finland's time:
    ``7.12.2026 1.18`` (fi, sv), ``7 Dec 2026 01:18`` (en). Text that is no moment is shown as
    it is."""
    from babel.dates import format_time

    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        when = value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(_zone())
    return f"{day(local.date(), lang)} {format_time(local, 'short', locale=_locale(lang))}"


@cache
def _zone() -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(TIME_ZONE)
    except ZoneInfoNotFoundError:  # a system without the time zone database: the machine's own
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC


def iso_day(text: str | None, lang: str) -> str:
    """A date kept as ISO text (the ledger's), in *lang*; ``?`` when there is none, other text
    as it is."""
    if not text:
        return "?"
    try:
        return day(date.fromisoformat(text), lang)
    except ValueError:
        return text


def month(value: date, lang: str) -> str:
    """The month of a date, standing alone: ``heinäkuu 2026``, ``juli 2026``, ``July 2026``."""
    from babel.dates import format_date

    return str(format_date(value, "LLLL yyyy", locale=_locale(lang)))


def amount_in_words(amount: Decimal, lang: str) -> str:
    """An amount in euros written out, as on a payment order: ``kaksituhatta
    kuusisataaviisikymmentä euroa ja 00 senttiä`` (num2words: Finnish, Swedish and English
    number words, which neither Babel nor the standard library has); empty past the largest
    number it has words for."""
    from num2words import num2words

    t = translator(lang)
    euros, cents = divmod(int((abs(amount) * 100).to_integral_value()), 100)
    try:
        words = num2words(euros, lang=lang)
    except (OverflowError, NotImplementedError, ValueError):  # past its largest number word
        return ""
    text = t("{euros} euros and {cents} cents", euros=words, cents=f"{cents:02d}")
    return t("minus {amount}", amount=text) if amount < 0 else text


def percent(rate: Decimal, lang: str) -> str:
    """A rate in percent with as many decimals as it has: ``13,5 %`` (fi, sv), ``13.5%`` (en)."""
    text = _decimal(rate, lang, most=2)
    return f"{text}%" if lang == "en" else f"{text}\u00a0%"


def number(value: int | Decimal, lang: str) -> str:
    """A plain number with the locale's grouping (``1 234``), at most three decimals."""
    return _decimal(value, lang, most=3)


def shown_value(value: object, lang: str) -> str:
    """A cell's value as a reader of *lang* reads it: a date as a date, a number with the
    locale's decimal sign and every digit it has (none rounded away), text as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return day(value.date(), lang) if value.time() == datetime.min.time() else \
            f"{day(value.date(), lang)} {value.time().isoformat(timespec='minutes')}"
    if isinstance(value, date):
        return day(value, lang)
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float, Decimal)):
        return _every_digit(Decimal(repr(value)) if isinstance(value, float) else Decimal(value),
                            lang)
    return str(value)


def _every_digit(amount: Decimal, lang: str) -> str:
    """*amount* with the language's grouping, decimal sign and minus, every digit kept (a
    pattern's formatting rounds, and Babel's fails past 28 digits)."""
    group, decimal_sign, minus = NUMBER_SYMBOLS.get(lang, NUMBER_SYMBOLS["en"])
    whole, _, fraction = format(amount.copy_abs(), "f").partition(".")  # exact: no context
    grouped = f"{int(whole):,}".replace(",", group)
    text = f"{grouped}{decimal_sign}{fraction}" if fraction else grouped
    return f"{minus}{text}" if amount < 0 else text


@cache
def _names() -> Any:
    from elyclaims.refdata import reference_data

    return reference_data()


def param(value: Param, lang: str) -> str:
    """*value* as the message in *lang* shows it."""
    if isinstance(value, str):
        return value
    if isinstance(value, Named):
        if value.kind == "total" and value.code in {"overall", "claimed"}:
            t = translator(lang)
            return t("overall total") if value.code == "overall" else t("claimed amount")
        if value.kind == "claim_field":
            from elyclaims.vocabulary import Role, field_spec

            return field_spec(Role.CLAIM, value.code).labels[LANGUAGES.index(lang)]
        if value.kind == "sheet":
            from elyclaims.vocabulary import SHEET_TITLES, Role

            return SHEET_TITLES[Role(value.code)][lang]
        kind = "category" if value.kind == "total" else value.kind
        return str(_names().name(kind, value.code, lang))
    if isinstance(value, Percent):
        return percent(value.value, lang)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return money(value, lang)
    if isinstance(value, date):
        return day(value, lang)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        separator = " / " if value and all(isinstance(item, Named) and item.kind != "claim_field"
                                           for item in value) else ", "
        return separator.join(param(item, lang) for item in value)
    return str(value)


def neutral(value: Param) -> str:
    """*value* as language-neutral text: ISO dates, ``1234.50``, codes."""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        separator = " / " if value and all(isinstance(item, Named) and item.kind != "claim_field"
                                           for item in value) else ", "
        return separator.join(neutral(item) for item in value)
    return str(value)


def to_wire(value: Param) -> object:
    """*value* as JSON that keeps what it is, so that a finding sent over the wire (the
    intake's) is put into words by its reader, in the reader's language: text and counts as
    they are, ``{"amount": "1234.50"}``, ``{"date": "2026-07-01"}``, ``{"percent": "13.5"}``,
    ``{"named": "category", "code": "HEALTH"}``, lists for several."""
    if isinstance(value, Decimal):
        return {"amount": format_money(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Percent):
        return {"percent": f"{value.value.normalize():f}"}
    if isinstance(value, Named):
        return {"named": value.kind, "code": value.code}
    if isinstance(value, tuple):
        return [to_wire(item) for item in value]
    return value


def from_wire(data: object) -> Param:
    """The value :func:`to_wire` wrote (anything else as text).

    Raises:
        ValueError: when an amount, a date or a rate is not one.
    """
    if isinstance(data, dict):
        if "amount" in data:
            return Decimal(str(data["amount"]))
        if "date" in data:
            return date.fromisoformat(str(data["date"]))
        if "percent" in data:
            return Percent(Decimal(str(data["percent"])))
        if "named" in data:
            return Named(str(data["named"]), str(data.get("code", "")))
        raise ValueError("not a value of a finding")
    if isinstance(data, list):
        return tuple(from_wire(item) for item in data)
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    return "" if data is None else str(data)
