"""The validated claim: claimant, period, clients and expense lines, as typed, frozen models.

Raw cell values become these models only through :mod:`elyclaims.assemble`. Every field that a
rule may find missing is optional here: *required* is a rule's business (AM-001, CT-003 …), so
that a line with one bad cell is still checked on all the others.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import PydanticCustomError

from elyclaims import values
from elyclaims.findings import Location
from elyclaims.vocabulary import (
    CLAIMANT_TYPE_NAMES,
    PURPOSE_NAMES,
    Category,
    ClaimantType,
    Purpose,
    fold_key,
    match_key,
)

__all__ = [
    "AMOUNT_FIELDS",
    "AsylumStatus",
    "Category",
    "CellMemo",
    "CellProblem",
    "CellRef",
    "Claim",
    "Claimant",
    "ClaimantType",
    "ClaimedLine",
    "Client",
    "ExpenseLine",
    "Purpose",
    "SourceRow",
    "category_of",
    "claimed_by_key",
    "client_key",
    "construct",
    "duplicate_key",
    "fast_constructor",
    "own_party",
    "read_cells",
    "read_rows",
    "read_values",
    "remember",
    "shared_fields_set",
]

AMOUNT_FIELDS = frozenset({"net_amount", "vat_amount", "gross_amount"})
ModelT = TypeVar("ModelT", bound=BaseModel)
ValueT = TypeVar("ValueT")


@lru_cache(maxsize=1 << 14)  # rules ask it of every line's reference, and references repeat
def client_key(reference: str | None) -> str:
    """How client references compare: without regard to case or white space, so that
    ``IHK-1``, ``ihk-1`` and ``IHK -1`` are one client."""
    return "".join((reference or "").split()).casefold()


# Each claimant type and purpose is read from its names in the three languages (the words the
# template's dropdowns offer) and from the other words officers write for it.
CLAIMANT_TYPE_LABELS: dict[ClaimantType, tuple[str, ...]] = {
    kind: (*CLAIMANT_TYPE_NAMES[kind].values(), *aliases) for kind, aliases in {
        ClaimantType.WELLBEING_SERVICES_COUNTY: ("hva",),
        ClaimantType.CITY_OF_HELSINKI: ("helsinki",),
        ClaimantType.MUNICIPALITY: ("kaupunki", "stad", "city"),
        ClaimantType.ALAND_HEALTH_CARE: ("Ålands hälso- och sjukvård", "AHS",
                                         "Ahvenanmaan terveyden- ja sairaanhoito",
                                         "Åland health and medical care", "Åland health care"),
        ClaimantType.ALAND_SOCIAL_SERVICES: ("Kommunernas socialtjänst",
                                             "Kommunernas socialtjänst k.f.",
                                             "Kommunernas socialtjänst kf",
                                             "Ahvenanmaan kuntien sosiaalipalvelut",
                                             "Åland social services"),
    }.items()
}

PURPOSE_LABELS: dict[Purpose, tuple[str, ...]] = {
    purpose: (*PURPOSE_NAMES[purpose].values(), *aliases) for purpose, aliases in {
        Purpose.DECISION_APPLICATION: ("hakemus", "ansökan"),
        Purpose.PAYMENT_CLAIM: ("maksatus", "utbetalning"),
    }.items()
}


Lookup = Callable[[str], "str | None"]


def _lookup(table: dict[Any, tuple[str, ...]]) -> Lookup:
    index: dict[str, str] = {}
    for code, labels in table.items():
        for label in (code.value, code.name, *labels):
            index[match_key(label)] = code.value
    return lambda text: index.get(match_key(text))


def _category(text: str) -> str | None:
    # The category names live in the reference data (data/categories.toml).
    from elyclaims.refdata import reference_data

    return reference_data().category(text)


_CLAIMANT_TYPES = _lookup(CLAIMANT_TYPE_LABELS)
_PURPOSES = _lookup(PURPOSE_LABELS)


# ------------------------------------------------------------------ cell readers for pydantic


def _cell_error(error: values.CellValueError) -> PydanticCustomError:
    if isinstance(error, values.TooManyDecimals):
        return PydanticCustomError("elyclaims_decimals", "more than two decimals",
                                   {"kind": "money"})
    return PydanticCustomError("elyclaims_cell", "cannot read as {kind}", {"kind": error.kind})


def _reader(parse: Any) -> BeforeValidator:
    def read(value: object, info: ValidationInfo) -> object:
        try:
            if parse is values.parse_money:
                decimal_comma = bool((info.context or {}).get("decimal_comma", True))
                return values.parse_money(value, decimal_comma=decimal_comma)
            return parse(value)
        except values.CellValueError as error:
            raise _cell_error(error) from error

    read.cell_parser = parse  # type: ignore[attr-defined]  # the reader's fast path calls it
    return BeforeValidator(read)


def _choice(lookup: Lookup, kind: str, keep_unknown: bool) -> BeforeValidator:
    def read(value: object) -> object:
        try:
            text = values.parse_text(value)
        except values.CellValueError as error:
            raise _cell_error(error) from error
        if text is None:
            return None
        code = lookup(text)
        if code is not None:
            return code
        if keep_unknown:
            return text  # a rule reports it, with the accepted values
        raise PydanticCustomError("elyclaims_cell", "cannot read as {kind}", {"kind": kind})

    return BeforeValidator(read)


def _asylum(value: object) -> object:
    if isinstance(value, AsylumStatus) or value is None:
        return value
    try:
        seeker, until = values.parse_yes_no_date(value)
    except values.CellValueError as error:
        raise _cell_error(error) from error
    return None if seeker is None else AsylumStatus(seeker=seeker, until=until)


Text = Annotated[str | None, _reader(values.parse_text)]
Day = Annotated[date | None, _reader(values.parse_date)]
Money = Annotated[Decimal | None, _reader(values.parse_money)]
Year = Annotated[int | None, _reader(values.parse_year)]
YesNo = Annotated[bool | None, _reader(values.parse_yes_no)]
Code = Annotated[str | None, _reader(values.parse_code)]
BusinessId = Annotated[str | None, _reader(values.parse_business_id)]
CategoryText = Annotated[str | None, _choice(_category, "category", keep_unknown=True)]
ClaimantTypeText = Annotated[str | None, _choice(_CLAIMANT_TYPES, "claimant_type", keep_unknown=True)]
PurposeCode = Annotated[Purpose | None, _choice(_PURPOSES, "purpose", keep_unknown=False)]


#: Each model's validator is built when it first validates, not when elyclaims is imported: a
#: command that only reads a workbook's lines (constructed, never validated) builds few.
_CONFIG = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class _Model(BaseModel):
    model_config = _CONFIG


class CellRef(_Model):
    """Where one field's cell stands: its column letter and the header as written."""

    column: str
    header: str | None = None


@pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid", defer_build=True))
class SourceRow:
    """The row a client or expense line was read from, with each field's cell.

    A dataclass with slots rather than a model: every line holds one, and a million of them
    in dictionaries would cost two hundred megabytes more. It validates, compares and dumps
    (in ``model_dump`` of its line) as a model does.
    """

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    cells: dict[str, CellRef] = Field(default_factory=dict)
    unreadable: frozenset[str] = frozenset()

    @classmethod
    def of(cls, file: str | None, sheet: str | None, row: int | None,
           cells: dict[str, CellRef], unreadable: frozenset[str]) -> SourceRow:
        """A source row of elyclaims' own reader, made without validation (trusted data)."""
        source = object.__new__(cls)
        put = object.__setattr__
        put(source, "file", file)
        put(source, "sheet", sheet)
        put(source, "row", row)
        put(source, "cells", cells)
        put(source, "unreadable", unreadable)
        return source

    def location(self, field: str | None = None) -> Location:
        """The location of *field*'s cell (or of the row when it had no cell)."""
        cell = self.cells.get(field) if field else None
        return Location(
            file=self.file,
            sheet=self.sheet,
            row=self.row,
            column=cell.column if cell else None,
            header=cell.header if cell else None,
            field=field,
        )


class AsylumStatus(_Model):
    """Whether a client is an asylum seeker, and until when when a date was given."""

    seeker: bool
    until: date | None = None

    def on(self, day: date) -> bool:
        """True when the client was an asylum seeker on *day*."""
        return self.seeker and (self.until is None or day <= self.until)


class Claimant(_Model):
    """The organisation that claims: name, type, identifiers, account and contact."""

    name: Text = None
    type: ClaimantTypeText = None
    business_id: BusinessId = None
    code: Code = None
    iban: Text = None
    bic: Text = None
    contact_person: Text = None
    email: Text = None
    phone: Text = None


class Client(_Model):
    """One client, known by a pseudonymous reference only.

    ``minor`` is set when the claim is read from a package, which carries it instead of the
    birth year.
    """

    reference: Text = None
    admission_date: Day = None
    removal_date: Day = None
    home_municipality: Code = None
    home_municipality_since: Day = None
    birth_year: Year = None
    unaccompanied: YesNo = None
    asylum_seeker: Annotated[AsylumStatus | None, BeforeValidator(_asylum)] = None
    minor: YesNo = None
    source: SourceRow = Field(default_factory=SourceRow)

    @property
    def dates_reversed(self) -> bool:
        """True when the removal date is before the admission date (one of them is wrong, and
        no service date can be judged against them)."""
        return bool(self.admission_date and self.removal_date
                    and self.removal_date < self.admission_date)


#: Category codes by their value (the model keeps the category as text).
_CATEGORY_CODES = {category.value: category for category in Category}


class ExpenseLine(_Model):
    """One cost line of the expenses table."""

    line_id: str
    source: SourceRow = Field(default_factory=SourceRow)
    service_date: Day = None
    client_reference: Text = None
    category: CategoryText = None
    description: Text = None
    justification: Text = None
    provider: Text = None
    provider_business_id: BusinessId = None
    invoice_number: Text = None
    invoice_date: Day = None
    net_amount: Money = None
    supply_type: Text = None
    vat_amount: Money = None
    gross_amount: Money = None
    credited_invoice: Text = None
    attachment: Text = None
    acknowledged: Text = None

    @property
    def totalled(self) -> bool:
        """True when the line's amounts were read, so that it counts in every total; a line
        with an unreadable amount is checked but left out of all of them."""
        unreadable = self.source.unreadable
        return not unreadable or AMOUNT_FIELDS.isdisjoint(unreadable)

    @property
    def category_code(self) -> Category | None:
        """The category as a :class:`Category`, or None when it is not a known one."""
        return category_of(self.category)


class Claim(_Model):
    """A whole claim: who claims, for which period and purpose, for whom, and what.

    ``locations`` tells where each claim-level value was given (a claim-sheet cell or a config
    key), under its claim key and, for the claimant's fields, under the claimant field's name;
    ``origin`` is where a missing claim value belongs (the claim sheet, or the config);
    ``unreadable`` names the claim-level fields (claimant fields by their own name) whose value
    was given but could not be read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True,
                              defer_build=True)

    claimant: Claimant = Field(default_factory=Claimant)
    period_start: Day = None
    period_end: Day = None
    purpose: PurposeCode = None
    decision_reference: Text = None
    decision_date: Day = None
    recipient: Text = None
    clients: tuple[Client, ...] = ()
    expenses: tuple[ExpenseLine, ...] = ()
    locations: dict[str, Location] = Field(default_factory=dict)
    origin: Location = Field(default_factory=Location)
    unreadable: frozenset[str] = frozenset()

    def location(self, field: str) -> Location:
        """Where the claim-level *field* (``business_id``, ``period_start``…) was given."""
        given = self.locations.get(field)
        if given is not None:
            return given
        return Location(file=self.origin.file, sheet=self.origin.sheet, field=field)


def category_of(text: str | None) -> Category | None:
    """The :class:`Category` a line's category text names (the model keeps the code as text),
    or None when it is no known one."""
    return _CATEGORY_CODES.get(text) if text else None


def own_party(claim: Claim) -> str:
    """Who provided a line that names no provider: the claimant itself (its Business ID, else
    its name, folded), as an uninvoiced line's duplicate key names it."""
    claimant = claim.claimant
    return claimant.business_id or match_key(claimant.name or "")


#: The first part of an uninvoiced line's duplicate key (an invoiced key has four parts, this
#: one seven, so the two kinds never meet).
OWN_KEY = "own"


@dataclass(frozen=True, slots=True)
class ClaimedLine:
    """A line of a package that was submitted: which package, its reference (the submission
    id, or the reference given when it was handed in another way) and when."""

    package_id: str
    reference: str
    submitted_on: date
    line_id: str
    #: How many lines of this duplicate key were claimed (two identical sessions: 2).
    count: int = 1


def claimed_by_key(lines: Iterable[tuple[str, ClaimedLine]]) -> dict[str, ClaimedLine]:
    """What DU-002 reads, from the claimed *lines* (duplicate key, line) in the order they were
    claimed: the first line of each key, with how many lines of that key there were."""
    claimed: dict[str, ClaimedLine] = {}
    counts: dict[str, int] = {}
    for key, line in lines:
        if key in claimed:
            counts[key] = counts.get(key, 1) + 1
        else:
            claimed[key] = line
    for key, count in counts.items():
        claimed[key] = replace(claimed[key], count=count)
    return claimed


def duplicate_key(line: ExpenseLine, own: str = "") -> str | None:
    """What the same cost claimed twice has in common, as a text; None for a line without a
    net amount (it is an error of its own, AM-001).

    An invoiced line: the provider (its Business ID when the line gives one, else its name),
    the invoice number, the client and the net amount, folded (``2345678-0|t-1|ihk-1|480.00``).
    A line without an invoice number (the claimant's own services, internal charges): ``own``,
    the client, the service date, the category, the net amount, the provider (or *own*, the
    claimant itself: :func:`own_party`) and a digest of the description folded, so that the
    ledger keeps no free text (``own|ihk-1|2026-03-02|HEALTH_CARE|120.00|0201256-6|3f0c…``).
    docs/duplicates.md says why these fields. DU-001 compares the keys within a claim, DU-002
    with the lines of packages already submitted (the ledger keeps these keys)."""
    net = line.net_amount
    if net is None:
        return None
    invoice = line.invoice_number
    if invoice:
        provider = line.provider_business_id or match_key(line.provider or "")
        # Invoice numbers hardly repeat: folded as match_key folds, without its cache.
        return "|".join((provider, fold_key(invoice), client_key(line.client_reference),
                         values.format_money(net)))
    provider = line.provider_business_id or match_key(line.provider or "") or own
    served = line.service_date
    description = fold_key(line.description) if line.description else ""
    return "|".join((OWN_KEY, client_key(line.client_reference),
                     served.isoformat() if served is not None else "", line.category or "",
                     values.format_money(net), provider,
                     hashlib.sha256(description.encode()).hexdigest()[:16]))


# ------------------------------------------------------------- fast construction


@cache
def _defaults(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A model's field defaults: the plain values, and the factories (called per instance)."""
    plain, factories = {}, {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif not info.is_required():
            plain[name] = info.default
    return plain, factories


_FIELDS_SETS: dict[tuple[type[BaseModel], frozenset[str]], set[str]] = {}


def _fields_set(model: type[BaseModel], fields: Iterable[str]) -> set[str]:
    """One set of given field names shared by every instance given the same ones (a set per
    line would cost more than the line's amounts): frozen models never change it, and pydantic
    copies it before changing a copy's."""
    key = (model, frozenset(fields))
    shared = _FIELDS_SETS.get(key)
    if shared is None:
        shared = _FIELDS_SETS[key] = set(key[1])
    return shared


def construct(model: type[ModelT], fields: dict[str, Any]) -> ModelT:
    """What ``model.model_construct(**fields)`` makes, without its per-call overhead (a tenth
    of the time of a line): the fields over the defaults, nothing validated. Only for values
    elyclaims' own cell readers (or a model of its own) made."""
    make: Callable[[dict[str, Any], set[str] | None], ModelT] = fast_constructor(model)
    return make(fields, None)


@cache
def fast_constructor(model: type[ModelT]) -> Callable[[dict[str, Any], set[str] | None], ModelT]:
    """:func:`construct` for *model*, as a function to call for each of many rows: with the
    fields, and the set of the names given (:func:`shared_fields_set`), or None to take the fields' own."""
    plain, factories = _defaults(model)
    layout = _shared_layout(model, plain)
    required = tuple(name for name in model.model_fields
                     if name not in plain and name not in factories)
    new = model.__new__
    put = object.__setattr__

    def make(fields: dict[str, Any], names: set[str] | None) -> ModelT:
        if layout is None or any(name not in fields for name in required):
            data = {**plain, **fields}  # a field required but not given is left out
        else:
            data = layout.copy()
            data.update(fields)
        for name, factory in factories.items():
            if name not in fields:
                data[name] = factory()
        instance: ModelT = new(model)
        put(instance, "__dict__", data)
        put(instance, "__pydantic_fields_set__", names if names is not None else
            _fields_set(model, fields))
        put(instance, "__pydantic_extra__", None)
        put(instance, "__pydantic_private__", None)
        return instance

    return make


def _shared_layout(model: type[BaseModel], plain: dict[str, Any]) -> dict[str, Any] | None:
    """A dictionary of every field of *model* (its plain default, or None) whose copies share
    one table of keys, as CPython's dictionaries of a class's instances do: a line's 17 fields
    in 300 bytes instead of 460, a sixth of a million-line claim. None where that saves
    nothing (a model of a few fields: the shared table leaves room for more)."""
    holder = type(f"_{model.__name__}Fields", (), {})()
    for name in model.model_fields:
        setattr(holder, name, plain.get(name))
    layout: dict[str, Any] = holder.__dict__
    return layout if sys.getsizeof(layout.copy()) < sys.getsizeof(dict(layout)) else None


def shared_fields_set(model: type[BaseModel], names: Iterable[str]) -> set[str]:
    """The one set of given field *names* that every instance of *model* given them shares
    (for :func:`fast_constructor`'s functions)."""
    return _fields_set(model, names)



# ------------------------------------------------------------------- reading cells


class _Context:
    """What a cell reader is given in place of pydantic's ValidationInfo."""

    __slots__ = ("context",)

    def __init__(self, decimal_comma: bool) -> None:
        self.context = {"decimal_comma": decimal_comma}


_COMMA, _POINT = _Context(True), _Context(False)
# How a cell reader is called: with the value only, with pydantic's context, or (a plain
# parser of elyclaims.values under the model's wrapper) directly, money with its decimal comma.
_VALUE, _CONTEXT, _PARSER, _MONEY = range(4)


@dataclass(frozen=True, slots=True)
class CellProblem:
    """Why a value cannot be a field's: the kind it should be, or more than two decimals."""

    kind: str | None
    decimals: bool = False


@cache
def _cell_readers(model: type[BaseModel]) -> dict[str, tuple[Any, int]]:
    """Each field's cell reader, taken from the model's own annotations (the BeforeValidator
    that turns a cell into the field's value), and how to call it."""
    readers: dict[str, tuple[Any, int]] = {}
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            if not isinstance(meta, BeforeValidator):
                continue
            parser = getattr(meta.func, "cell_parser", None)
            if parser is values.parse_money:
                readers[name] = (parser, _MONEY)
            elif parser is not None:
                readers[name] = (parser, _PARSER)
            else:
                wants = len(inspect.signature(meta.func).parameters) > 1
                readers[name] = (meta.func, _CONTEXT if wants else _VALUE)
    return readers


class CellMemo:
    """What the cells of one claim gave, kept while it is read, so that a value the workbook
    repeats (a provider's name, a category, a date, an amount) goes through its reader once
    and is held as one object: texts and dates by field, for the readers that need nothing
    but the value; amounts across the money fields (a line's gross is often its net). Only the
    most recent values are kept, so that columns that never repeat cost little."""

    __slots__ = ("amounts", "plans", "texts")

    #: Values kept per field (and amounts in all) before the oldest are forgotten.
    SIZE = 1 << 14

    def __init__(self) -> None:
        self.amounts: dict[object, Any] = {}
        self.texts: dict[str, dict[object, Any]] = {}
        #: Each table's fields with their readers and remembered values, by model and names.
        self.plans: dict[tuple[type[BaseModel], tuple[str, ...]], list[_Step]] = {}


def remember(seen: dict[Any, ValueT], key: object, value: ValueT) -> ValueT:
    """Keep *value* under *key* in *seen* and return it; a dictionary that reached
    :attr:`CellMemo.SIZE` is emptied first (the recent values are the ones that repeat), so
    that remembering never grows without bound."""
    if len(seen) >= CellMemo.SIZE:
        seen.clear()
    seen[key] = value
    return value


#: One field of a row: its name, its reader, how to call the reader, the texts it remembers.
_Step = tuple[str, Any, int, dict[object, Any]]
_MISSING = object()


def _plan(model: type[BaseModel], names: tuple[str, ...], memo: CellMemo | None) -> list[_Step]:
    """The steps that read a row of *names*: made once per table where there is a memo."""
    plan = memo.plans.get((model, names)) if memo is not None else None
    if plan is None:
        readers = _cell_readers(model)
        plan = [(name, *readers.get(name, (None, _VALUE)),
                 memo.texts.setdefault(name, {}) if memo is not None else {})
                for name in names]
        if memo is not None:
            memo.plans[model, names] = plan
    return plan


def read_cells(model: type[BaseModel], cells: Mapping[str, object], *, decimal_comma: bool,
               memo: CellMemo | None = None,
               ) -> tuple[dict[str, Any], dict[str, CellProblem]]:
    """Each value of *cells* through its field's own cell reader (the functions pydantic
    calls when it validates *model*): the fields read, and the problem of each field that
    could not be. With :func:`construct`, a model made as validation makes it, without the
    cost of validation. *memo* (see :class:`CellMemo`) spares repeated values their reading:
    a number's amount does not depend on the decimal mark, and zero is never remembered, for
    its sign; a text or date only where the reader takes nothing but the value."""
    return read_values(model, tuple(cells), tuple(cells.values()),
                       decimal_comma=decimal_comma, memo=memo)


def read_values(model: type[BaseModel], names: tuple[str, ...], cells: tuple[object, ...], *,
                decimal_comma: bool, memo: CellMemo | None = None,
                ) -> tuple[dict[str, Any], dict[str, CellProblem]]:
    """:func:`read_cells` for a row held as its table's field *names* and its *cells* in the
    same order (None for an empty cell, which is left out)."""
    plan = _plan(model, names, memo)
    fields: dict[str, Any] = {}
    problems: dict[str, CellProblem] = {}
    for step, value in zip(plan, cells, strict=True):
        if value is None:
            continue
        if step[1] is None:
            fields[step[0]] = value
            continue
        try:
            fields[step[0]] = _read_value(step, value, decimal_comma, memo)
        except (values.CellValueError, PydanticCustomError) as error:
            problems[step[0]] = _problem(error)
    return fields, problems


def _read_value(step: _Step, value: object, decimal_comma: bool, memo: CellMemo | None) -> Any:
    """*value* through its field's cell reader (*step*), as validation would read it: a text or
    date remembered by field, a number's amount across the money fields (it does not depend on
    the decimal mark; zero is never remembered), where there is a *memo*.

    Raises:
        CellValueError, PydanticCustomError: the value cannot be the field's.
    """
    _, function, call, seen = step
    kind = type(value)
    if call in (_PARSER, _VALUE):
        if memo is None or (kind is not str and kind is not date):
            return function(value)
        result = seen.get(value, _MISSING)
        return result if result is not _MISSING else remember(seen, value, function(value))
    if call == _MONEY:
        amounts = memo.amounts if memo is not None else None
        if amounts is None or (kind is not float and kind is not int) or not value:
            return function(value, decimal_comma=decimal_comma)
        amount = amounts.get(value)
        return amount if amount is not None else remember(
            amounts, value, function(value, decimal_comma=decimal_comma))
    return function(value, _COMMA if decimal_comma else _POINT)


def _problem(error: values.CellValueError | PydanticCustomError) -> CellProblem:
    if isinstance(error, values.CellValueError):
        return CellProblem(error.kind, isinstance(error, values.TooManyDecimals))
    return CellProblem((error.context or {}).get("kind"), error.type == "elyclaims_decimals")


def read_rows(model: type[BaseModel], names: tuple[str, ...], rows: list[tuple[object, ...]], *,
              decimal_comma: bool, memo: CellMemo,
              ) -> tuple[list[dict[str, Any]], dict[int, dict[str, CellProblem]]]:
    """:func:`read_values` for many rows of one table at once (each a tuple in the order of
    *names*): each row's fields, and the problems of the rows that have any, by index.

    Read column by column, each distinct value of a column once: a claim's columns repeat
    their providers, categories, dates and amounts. Equal values read alike in every reader
    (``1`` and ``1.0`` are one amount, one text, one year), except where a column mixes
    booleans with numbers (``True == 1``): such rows are read one by one.
    """
    if not rows:
        return [], {}
    columns = list(zip(*rows, strict=True))
    read: list[list[object]] = []
    problems: dict[int, dict[str, CellProblem]] = {}
    for step, column in zip(_plan(model, names, memo), columns, strict=True):
        distinct = dict.fromkeys(column)
        kinds = set(map(type, distinct))
        if bool in kinds and (int in kinds or float in kinds):
            return _one_by_one(model, names, rows, decimal_comma=decimal_comma, memo=memo)
        # A column of texts that hardly repeat (invoice numbers) is not remembered: the memo
        # would cost more than it spares. Amounts are, for a line's gross is often its net.
        results, failed = _read_distinct(step, distinct, decimal_comma,
                                         memo if step[2] == _MONEY or 2 * len(distinct) <=
                                         len(column) else None)
        read.append(list(map(results.__getitem__, column)))
        if failed:
            for index, value in enumerate(column):
                problem = failed.get(value) if value is not None else None
                if problem is not None:
                    problems.setdefault(index, {})[step[0]] = problem
    ordered = {index: {name: found[name] for name in names if name in found}
               for index, found in sorted(problems.items())}
    plain, _ = _defaults(model)
    if all(name in plain and plain[name] is None for name in names):
        # An empty cell's None is the field's default: each row's fields are its cells.
        return [dict(zip(names, values, strict=True)) for values in zip(*read, strict=True)
                ], ordered
    fields = [{name: value for name, value in zip(names, values, strict=True) if value is not None}
              for values in zip(*read, strict=True)]
    return fields, ordered


def _one_by_one(model: type[BaseModel], names: tuple[str, ...], rows: list[tuple[object, ...]],
                *, decimal_comma: bool, memo: CellMemo,
                ) -> tuple[list[dict[str, Any]], dict[int, dict[str, CellProblem]]]:
    fields, problems = [], {}
    for index, cells in enumerate(rows):
        read, failed = read_values(model, names, cells, decimal_comma=decimal_comma, memo=memo)
        fields.append({name: value for name, value in read.items() if value is not None})
        if failed:
            problems[index] = failed
    return fields, problems


def _read_distinct(step: _Step, distinct: dict[object, None], decimal_comma: bool,
                   memo: CellMemo | None) -> tuple[dict[object, object], dict[object, CellProblem]]:
    """Each distinct value of a column read by the column's reader, as :func:`read_values`
    reads a cell (remembered where it remembers, when there is a *memo*): the results (None for
    an empty cell, and for one that cannot be read), and the problems by value."""
    results: dict[object, object] = {None: None}
    failed: dict[object, CellProblem] = {}
    if step[1] is None:
        results.update((value, value) for value in distinct)
        return results, failed
    for value in distinct:
        if value is None:
            continue
        try:
            results[value] = _read_value(step, value, decimal_comma, memo)
        except (values.CellValueError, PydanticCustomError) as error:
            results[value] = None
            failed[value] = _problem(error)
    return results, failed
