"""Findings: every problem elyclaims reports, as data.

A :class:`Finding` names one rule of the catalogue, where the problem is and the values needed to
phrase it. Its message is rendered in the reader's language only when shown, so the same finding
can be printed in Finnish, Swedish or English and carried in a package by its message key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from elyclaims.catalogue import catalogue
from elyclaims.formatting import Named, Param, Percent, from_wire, neutral, param, to_wire
from elyclaims.privacy import sanitize
from elyclaims.vocabulary import Severity

__all__ = ["Finding", "Location", "Named", "Param", "Percent", "Severity"]


def column_letter(index: int) -> str:
    """Return the Excel column letter of a 1-based column index (1 -> ``A``, 27 -> ``AA``)."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """Return the 1-based index of an Excel column letter (``AA`` -> 27)."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from: a cell of a sheet, a row, a sheet, a file or a config key.

    ``str(location)`` reads as an Excel user writes it: ``Kulut!J12 (Veroton summa)``, with any
    identity code in a sheet name or header masked (the fields keep the names as they are, so
    that the sheet can still be found by its name).
    """

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    field: str | None = None

    @property
    def cell(self) -> str | None:
        """The cell address (``J12``), when both column and row are known."""
        if self.column and self.row:
            return f"{self.column}{self.row}"
        return None

    def __str__(self) -> str:
        return self.text()

    def text(self, lang: str = "en") -> str:
        """The location as a reader of *lang* finds it: a cell of a workbook as Excel names it
        (the same in every language), a field of a CSV file by its line and column
        (``asiakkaat.csv: rivi 3, sarake Kotikunta``) and a line of a package's XML member
        (``claim.xml: rivi 13``), as a text editor shows the file."""
        text_file = self._text_file()
        if self.row and text_file:
            from elyclaims.i18n import translator

            t = translator(lang)
            text = t("{file}: line {row}", file=text_file, row=self.row)
            label = self.header or self.field
            if label:
                text = t("{where}, column {column}", where=text, column=label)
            return sanitize(text)
        where = self.sheet or (PurePath(self.file).name if self.file else "")
        if self.cell:
            text = f"{_quote_sheet(where)}!{self.cell}" if where else self.cell
        elif self.row:
            text = f"{_quote_sheet(where)}!{self.row}:{self.row}" if where else _row(self.row, lang)
        else:
            text = where
        label = self.header or (self.field if self.sheet is None else None)
        if label:
            text = f"{text} ({label})" if text else label
        return sanitize(text)

    def _text_file(self) -> str | None:
        """The name of the text file (a CSV file, a package's XML member) this location is
        in, or None for a workbook's sheet."""
        if self.sheet and self.sheet.lower().endswith(_TEXT_FILES):  # a CSV file's table
            return self.sheet
        if self.sheet is None and self.file and self.file.lower().endswith(".csv"):
            return PurePath(self.file).name
        return None


def _row(row: int, lang: str) -> str:
    from elyclaims.i18n import translator

    t = translator(lang)
    return t("row {row}", row=row)


#: The files whose places are lines and columns, not cells.
_TEXT_FILES = (".csv", ".xml")


def _quote_sheet(name: str) -> str:
    # Excel quotes sheet names that are not plain words in its references.
    if name and not name.replace("_", "").replace(".", "").isalnum():
        return "'" + name.replace("'", "''") + "'"
    return name


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or remark) about the input, tied to one rule and one place.

    ``key`` is the message key in the catalogue: the rule id, or ``RULE/variant`` for a rule
    with several phrasings. ``params`` fill the message's placeholders and ``value`` is the
    offending value: values, not words (a date, an amount, a municipality's code), put into
    the reader's language only when the message is rendered. Identity codes in text are
    masked when the finding is made.
    """

    rule: str
    severity: Severity
    location: Location = field(default_factory=Location)
    params: tuple[tuple[str, Param], ...] = ()
    value: Param | None = None
    key: str = ""
    line_id: str | None = None
    acknowledged: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.rule)
        if isinstance(self.value, str):
            object.__setattr__(self, "value", sanitize(self.value))
        object.__setattr__(
            self, "params",
            tuple((k, sanitize(v) if isinstance(v, str) else v) for k, v in self.params),
        )

    @classmethod
    def make(
        cls,
        rule: str,
        location: Location,
        *,
        variant: str | None = None,
        value: Any = None,
        line_id: str | None = None,
        severity: Severity | None = None,
        **params: Any,
    ) -> Finding:
        """Make a finding of *rule* with its catalogue severity (unless *severity* is given)."""
        return cls(
            rule=rule,
            severity=severity or catalogue()[rule].severity,
            location=location,
            params=tuple((name, _as_param(v)) for name, v in params.items()),
            value=None if value is None else _as_param(value),
            key=f"{rule}/{variant}" if variant else rule,
            line_id=line_id,
        )

    @property
    def parameters(self) -> Mapping[str, str]:
        """The message parameters as language-neutral text (ISO dates, ``1234.50``, codes)."""
        return {name: neutral(value) for name, value in self.params}

    @property
    def value_text(self) -> str | None:
        """The offending value as language-neutral text (the JSON report's ``value``)."""
        return None if self.value is None else neutral(self.value)

    @property
    def wire_parameters(self) -> dict[str, object]:
        """The message parameters as JSON that keeps their kinds (:func:`~elyclaims.formatting.
        to_wire`): what the intake sends so that its reader phrases the finding."""
        return {name: to_wire(value) for name, value in self.params}

    @classmethod
    def from_wire(cls, rule: str, severity: str, key: str | None,
                  params: Mapping[str, object] | None, value: object = None) -> Finding:
        """A finding that came over the wire as its rule, message key and parameters.

        Raises:
            KeyError: when the rule or its message key is not in this catalogue.
            ValueError: when a parameter is not what its kind says (or the severity none).
            ArithmeticError: when an amount is not a number.
        """
        key = key or rule
        catalogue().text(key)  # a key this version does not know: the sender's text is shown
        return cls(rule=rule, severity=Severity(severity), key=key,
                   params=tuple((name, from_wire(item)) for name, item in (params or {}).items()),
                   value=None if value is None else from_wire(value))

    def words(self, lang: str) -> Mapping[str, str]:
        """The message parameters (and ``value``) in *lang*: dates, amounts and rates in its
        format, named things by their names in it."""
        words = {name: param(value, lang) for name, value in self.params}
        if self.value is not None:
            words.setdefault("value", param(self.value, lang))
        return words

    def message(self, lang: str = "en") -> str:
        """The message in *lang* (``fi``, ``sv`` or ``en``)."""
        return catalogue().message(self.key, lang, self.words(lang))

    def hint(self, lang: str = "en") -> str:
        """The fix hint in *lang*."""
        return catalogue().hint(self.key, lang, self.words(lang))

    @property
    def blocks(self) -> bool:
        """True when this finding is an error (it blocks a package)."""
        return self.severity is Severity.ERROR


def _as_param(value: Any) -> Param:
    """A value kept as what it is (a date, an amount, a rate, a named thing), or as text."""
    if isinstance(value, datetime):
        return value.isoformat()  # a raw cell value: shown as the file gave it
    if isinstance(value, (str, Named, Percent, Decimal, date)) or (
            isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_as_param(item) for item in value)
    return str(value)
