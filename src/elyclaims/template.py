"""The blank claim workbook (``elyclaims template``): hard to fill in wrongly.

Three sheets named and headed in the officer's language; a dropdown wherever a cell takes one of
a few words (category, claimant type, purpose, yes/no), dates and amounts checked as they are
typed and shown as ``1.7.2026`` and ``1 234,56``; an input prompt on every header saying what
goes in; frozen header rows; and a hidden version stamp (a workbook-level defined name that
Excel and LibreOffice keep) by which the reader knows a workbook made from an older template
(WB-014).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from elyclaims.errors import OutputError
from elyclaims.files import save_atomically
from elyclaims.i18n import LANGUAGES, N_, translator
from elyclaims.vocabulary import (
    CLAIMANT_TYPE_NAMES,
    FIELDS_BY_ROLE,
    PURPOSE_NAMES,
    SHEET_TITLES,
    TEMPLATE_STAMP,
    TEMPLATE_VERSION,
    Category,
    FieldSpec,
    Kind,
    Role,
)

__all__ = ["TEMPLATE_LANGUAGES", "write_template"]

#: The languages a template is written in: every language elyclaims speaks.
TEMPLATE_LANGUAGES = LANGUAGES
_LABEL = {"fi": 0, "sv": 1, "en": 2}
_YES_NO = {"fi": ("kyllä", "ei"), "sv": ("ja", "nej"), "en": ("yes", "no")}
#: Rows of the clients and expenses sheets that get the dropdowns and checks.
_ROWS = 2000
_DATE_FORMAT = "d.m.yyyy"
_MONEY_FORMAT = "#,##0.00"
_HEADER_FILL = "DDEBF7"

# What each cell is for, shown as the header's input prompt (at most 255 characters).
_PROMPTS: dict[str, str] = {
    "claimant_name": N_("The claimant organisation's name, as in the Business Information "
                        "System."),
    "business_id": N_("The claimant's Business ID, e.g. 1234567-8."),
    "claimant_type": N_("Choose from the list: wellbeing services county, City of Helsinki, "
                        "municipality or ÅHS."),
    "claimant_code": N_("A municipality's three-digit code (e.g. 092) or a wellbeing services "
                        "county's code (e.g. 04)."),
    "period_start": N_("The first day of the period the costs are claimed for, e.g. 1.7.2026."),
    "period_end": N_("The last day of the period the costs are claimed for, e.g. 30.9.2026."),
    "purpose": N_("Choose from the list: a decision application, or a payment claim on a "
                  "decision already made."),
    "decision_reference": N_("The reference of the decision; required for a payment claim."),
    "decision_date": N_("The date of the decision; required for a payment claim."),
    "recipient": N_("The deciding authority's code or name. Leave it empty to send the claim "
                    "to the authority of your region."),
    "iban": N_("The account the reimbursement is paid to, e.g. FI21 1234 5600 0007 85."),
    "bic": N_("The BIC of the account's bank, e.g. NDEAFIHH."),
    "contact_person": N_("Who answers questions about this claim."),
    "email": N_("The contact person's email address."),
    "phone": N_("The contact person's telephone number."),
    "client_reference": N_("The client's pseudonymous reference, never a personal identity "
                           "code: the same reference on every expense line of the client."),
    "admission_date": N_("The day the client was admitted to the assistance system for victims "
                         "of human trafficking."),
    "removal_date": N_("The day the client was removed from the assistance system; empty while "
                       "the client is in it."),
    "home_municipality": N_("The client's home municipality: its three-digit code (e.g. 092) or "
                            "its name."),
    "home_municipality_since": N_("The day the client got the home municipality, if during "
                                  "the claim period."),
    "birth_year": N_("The client's year of birth, e.g. 2010; needed for the rules on "
                     "children."),
    "unaccompanied": N_("Choose yes for a child who came without a guardian."),
    "asylum_seeker": N_("Yes or no, or the date until which the client was an asylum "
                        "seeker."),
    "service_date": N_("The day the service was given, e.g. 14.7.2026."),
    "category": N_("Choose the cost category from the list."),
    "description": N_("What the service was, in a few words (no names, no identity codes)."),
    "justification": N_("Why the cost arises from the client's position as a victim; required "
                        "for the category of other services."),
    "provider": N_("The company or body that gave the service; empty for the claimant's own "
                   "staff."),
    "provider_business_id": N_("The provider's Business ID, e.g. 1234567-8."),
    "invoice_number": N_("The invoice's number; required unless the cost is the claimant's "
                         "own."),
    "invoice_date": N_("The date of the invoice."),
    "net_amount": N_("The amount without VAT, in euros; negative for a credit note."),
    "supply_type": N_("What was bought, when it is transport, accommodation, a meal or a "
                      "medicine: it decides the VAT rate. Optional."),
    "vat_amount": N_("The VAT in euros, if the cost carries VAT that is claimed."),
    "gross_amount": N_("The amount with VAT, in euros."),
    "credited_invoice": N_("For a credit note: the number of the invoice it credits."),
    "attachment": N_("The file name of the invoice copy, e.g. lasku-1234.pdf."),
    "acknowledged": N_("A written reason when a warning on this line is right as it is."),
}


def write_template(path: str | Path, lang: str = "fi", *, overwrite: bool = False) -> Path:
    """Write the blank claim workbook in *lang* (``fi``, ``sv`` or ``en``) to *path*.

    Raises:
        OutputError: when *path* exists (unless *overwrite*) or cannot be written; nothing is
            left behind.
    """
    target = Path(path)
    if lang not in TEMPLATE_LANGUAGES:
        raise ValueError(f"no template in {lang!r}; choose one of {TEMPLATE_LANGUAGES}")
    if target.exists() and not overwrite:
        raise OutputError("{target}: the file exists already; give another name (or --force "
                          "to replace it)", target=target)
    workbook = _workbook(lang)
    save_atomically(target, workbook.save)
    return target


def _workbook(lang: str) -> Any:
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName

    workbook = Workbook()
    claim = workbook.worksheets[0]
    claim.title = SHEET_TITLES[Role.CLAIM][lang]
    _claim_sheet(claim, lang)
    for role in (Role.CLIENTS, Role.EXPENSES):
        _table_sheet(workbook.create_sheet(SHEET_TITLES[role][lang]), role, lang)
    stamp = DefinedName(TEMPLATE_STAMP, attr_text=f'"{TEMPLATE_VERSION}"', hidden=True)
    workbook.defined_names[TEMPLATE_STAMP] = stamp
    workbook.properties.creator = "elyclaims"
    t = translator(lang)
    workbook.properties.title = t("elyclaims claim workbook")
    return workbook


def _claim_sheet(sheet: Any, lang: str) -> None:
    """Keys in column A, values in column B: one row per claim field."""
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for number, spec in enumerate(FIELDS_BY_ROLE[Role.CLAIM], start=1):
        key = sheet.cell(row=number, column=1, value=spec.labels[_LABEL[lang]])
        key.font = bold
        key.fill = fill
        value = sheet.cell(row=number, column=2)
        value.number_format = _number_format(spec)
        _validation(sheet, f"A{number}", spec, lang, check=False)
        _validation(sheet, f"B{number}", spec, lang, check=True)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 44


def _table_sheet(sheet: Any, role: Role, lang: str) -> None:
    """A header row, frozen, and the columns' formats, dropdowns and checks.

    Formats are the columns' own styles, so that a cell typed anywhere below takes them and
    the file holds no empty cells.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=_HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    fields = [spec for spec in FIELDS_BY_ROLE[role] if spec.name != "acknowledged"]
    for number, spec in enumerate(fields, start=1):
        letter = get_column_letter(number)
        header = sheet.cell(row=1, column=number, value=spec.labels[_LABEL[lang]])
        header.font = bold
        header.fill = fill
        header.alignment = wrap
        dimension = sheet.column_dimensions[letter]
        dimension.width = _width(spec, header.value, lang)
        dimension.number_format = _number_format(spec)
        _validation(sheet, f"{letter}1", spec, lang, check=False)
        _validation(sheet, f"{letter}2:{letter}{_ROWS + 1}", spec, lang, check=True)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _width(spec: FieldSpec, header: str, lang: str) -> float:
    """A column wide enough for its header and for the longest word of its dropdown (with
    room for the dropdown's arrow)."""
    wide = {"description": 40, "justification": 40, "provider": 28}
    if spec.name in wide:
        return float(wide[spec.name])
    choices = _choices(spec, lang) or ()
    longest = max((len(choice) + 4 for choice in choices), default=0)
    return float(min(max(len(header) + 2, longest, 12), 72))


def _number_format(spec: FieldSpec) -> str:
    if spec.kind is Kind.DATE:
        return _DATE_FORMAT
    if spec.kind is Kind.MONEY:
        return _MONEY_FORMAT
    if spec.kind is Kind.CODE or spec.name in _TEXT_FIELDS:
        return "@"  # codes keep their leading zeros, references stay text
    return "General"


_TEXT_FIELDS = frozenset({"business_id", "phone", "client_reference", "invoice_number",
                          "credited_invoice", "provider_business_id"})


def _choices(spec: FieldSpec, lang: str) -> tuple[str, ...] | None:
    """The words a dropdown offers for *spec*, or None for a free cell."""
    if spec.name == "category":
        from elyclaims.refdata import reference_data

        return tuple(reference_data().name("category", code.value, lang) for code in Category)
    if spec.name == "supply_type":
        from elyclaims.refdata import reference_data

        return tuple(supply.name(lang) for supply in reference_data().vat.supply_types.values())
    if spec.name == "claimant_type":
        return tuple(names[lang] for names in CLAIMANT_TYPE_NAMES.values())
    if spec.name == "purpose":
        return tuple(names[lang] for names in PURPOSE_NAMES.values())
    if spec.kind is Kind.YES_NO:
        return _YES_NO[lang]
    return None


def _validation(sheet: Any, cells: str, spec: FieldSpec, lang: str, *, check: bool) -> None:
    """The data validation of *cells*: the field's input prompt, and with *check* its
    dropdown, or its date, amount or year check. One validation per cell, as Excel wants."""
    from openpyxl.worksheet.datavalidation import DataValidation

    t = translator(lang)
    title = spec.labels[_LABEL[lang]][:32]
    prompt = t(_PROMPTS[spec.name])
    if spec.required:
        prompt = f"{prompt} {t('Required.')}"
    rule = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title,
                          prompt=prompt[:255])
    choices = _choices(spec, lang) if check else None
    if choices is not None:
        rule.type = "list"
        rule.formula1 = '"' + ",".join(choices) + '"'
        rule.error = t("Choose a value from the list.")
    elif check and spec.kind is Kind.DATE:
        rule.type, rule.operator = "date", "between"
        rule.formula1, rule.formula2 = "DATE(2000,1,1)", "DATE(2099,12,31)"
        rule.error = t("Write a date, e.g. 1.7.2026.")
    elif check and spec.kind is Kind.MONEY:
        rule.type, rule.operator = "decimal", "between"
        rule.formula1, rule.formula2 = "-1000000000", "1000000000"
        rule.error = t("Write an amount in euros, e.g. 1234,56.")
    elif check and spec.kind is Kind.YEAR:
        rule.type, rule.operator = "whole", "between"
        rule.formula1, rule.formula2 = "1900", "2099"
        rule.error = t("Write a year, e.g. 2010.")
    if rule.type is not None:
        rule.errorTitle = title
        rule.showErrorMessage = True
    rule.add(cells)
    sheet.add_data_validation(rule)
