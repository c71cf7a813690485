"""What of a claim goes into a package, in the form the package writes it.

A package carries codes, not the officer's spellings (``092`` for "Vanda", ``evk-1`` for
"Uudenmaan elinvoimakeskus", the default recipient when the workbook names none), and nothing
about a person that the claim does not need: no birth year (only whether the client is a
minor), no asylum or residence history, no source file paths.
Reading a package gives back exactly this normalized claim.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from elyclaims.identifiers import normalize_iban
from elyclaims.model import Claim, ClaimantType, Client, ExpenseLine, SourceRow, construct
from elyclaims.refdata import Authority, ReferenceData, reference_data

__all__ = ["combined", "minor_during", "normalize_claim", "normalize_line", "recipient"]


def minor_during(birth_year: int | None, claim: Claim) -> bool | None:
    """Whether a client born in *birth_year* is under 18 at any time in the claim period."""
    if birth_year is None or claim.period_start is None:
        return None
    return claim.period_start.year - birth_year < 18


def _claimant_code(claim: Claim, refdata: ReferenceData) -> str | None:
    code, kind = claim.claimant.code, claim.claimant.type
    if kind in {ClaimantType.CITY_OF_HELSINKI, ClaimantType.ALAND_HEALTH_CARE,
                ClaimantType.ALAND_SOCIAL_SERVICES}:
        identity = refdata.claimant_identity(kind, code)
        return identity[1] if identity else code
    if not code:
        return None
    if kind == ClaimantType.WELLBEING_SERVICES_COUNTY:
        county = refdata.county(code)
        return county.code if county else code
    municipality = refdata.municipality(code)
    return municipality.code if municipality else code


def combined(claim: Claim) -> bool:
    """True when the claim's lines come from more than one file."""
    return len({line.source.file for line in claim.expenses}) > 1


def normalize_line(line: ExpenseLine, *, several_files: bool = False) -> ExpenseLine:
    """An expense line as a package carries it: its sheet and row (and the file's name, not
    its path, when *several_files* were combined) and its table's cells, no acknowledgement
    text (acknowledgements travel per rule), the supply type as its code where it names one.
    Business IDs are already in their canonical form (the model's)."""
    file = PurePath(line.source.file).name if several_files and line.source.file else None
    source = SourceRow.of(file, line.source.sheet, line.source.row, line.source.cells,
                          frozenset())
    fields = {**line.__dict__, "source": source, "acknowledged": None}
    if line.supply_type:
        fields["supply_type"] = reference_data().supply_code(line.supply_type)
    return construct(ExpenseLine, fields)


def recipient(claim: Claim, refdata: ReferenceData, on: date) -> Authority | None:
    """The authority the claim goes to on *on*: the one it names, else the default of its
    purpose and the claimant's region."""
    if claim.recipient:
        return refdata.authority(claim.recipient)
    region = refdata.region(refdata.claimant_identity(claim.claimant.type,
                                                          claim.claimant.code))
    return refdata.default_recipient(claim.purpose, region, on)


def normalize_claim(claim: Claim, refdata: ReferenceData, on: date) -> Claim:
    """The claim as a package carries it on the claim date *on* (see the module's
    docstring)."""
    authority = recipient(claim, refdata, on)
    clients = tuple(
        Client(
            reference=client.reference,
            admission_date=client.admission_date,
            removal_date=client.removal_date,
            home_municipality=(
                municipality.code
                if (municipality := refdata.municipality(client.home_municipality))
                else client.home_municipality
            ),
            unaccompanied=client.unaccompanied,
            minor=client.minor if client.minor is not None
            else minor_during(client.birth_year, claim),
        )
        for client in claim.clients
    )
    several_files = combined(claim)
    expenses = tuple(normalize_line(line, several_files=several_files)
                     for line in claim.expenses)
    claimant = claim.claimant.model_copy(update={
        "code": _claimant_code(claim, refdata),
        "iban": normalize_iban(claim.claimant.iban) if claim.claimant.iban else None,
        "bic": claim.claimant.bic.replace(" ", "").upper() if claim.claimant.bic else None,
    })
    return Claim(
        claimant=claimant,
        period_start=claim.period_start,
        period_end=claim.period_end,
        purpose=claim.purpose,
        decision_reference=claim.decision_reference,
        # A decision is known by its reference; a date alone identifies nothing.
        decision_date=claim.decision_date if claim.decision_reference else None,
        recipient=authority.code if authority else claim.recipient,
        clients=clients,
        expenses=expenses,
    )

