"""Sending a claim package as the claimant does it, the ledger kept on the way: what
``elyclaims submit`` and the officer's app both do, in one place.

:func:`checked_for_sending` inspects the package as the authority will and adds the DU-002
findings of its lines against the ledger (lines of another package submitted and still
counting); :func:`send_checked` records the package, marks it "sending" before the request goes
out (so that a stop after the authority stored it still counts its lines), sends it, and records
what the authority answered: the receipt, or "not-received" when the authority refused it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from elyclaims.ledger import Ledger
    from elyclaims.package import InspectedPackage
    from elyclaims.submission import Credentials, Receipt

__all__ = ["checked_for_sending", "record_package", "send_checked"]


def record_package(ledger: Ledger, inspected: InspectedPackage) -> None:
    """Record the package *inspected* read in *ledger* (again: the ledger keeps it once)."""
    packaged = inspected.packaged
    assert packaged is not None
    assert inspected.sha256 is not None
    ledger.record_package(sha256=inspected.sha256, package_id=packaged.package_id,
                          path=inspected.path, claim=packaged.claim,
                          recipient=packaged.claim.recipient, lines=len(packaged.claim.expenses),
                          claimed=packaged.claimed, created_at=packaged.created_at,
                          supersedes=packaged.supersedes)


def checked_for_sending(package: str | Path, *, ledger: Path,
                        today: date | None = None) -> InspectedPackage:
    """The package at *package* inspected as the authority will, with the DU-002 findings of
    its lines against the ledger at *ledger* (when there is one) less the submission this
    package supersedes."""
    from elyclaims.config import Config
    from elyclaims.ledger import Ledger
    from elyclaims.package import inspect_package
    from elyclaims.rules import RuleContext
    from elyclaims.rules.duplicates import claimed_before

    inspected = inspect_package(package, today=today)
    packaged = inspected.packaged
    if packaged is None or not ledger.is_file():
        return inspected
    with Ledger.open(ledger) as opened:
        claimed = opened.claimed_lines(excluding=inspected.sha256,
                                       superseding=packaged.supersedes)
    context = RuleContext(today=packaged.judged_on or packaged.created_at.date(),
                          config=Config(), claimed=claimed)
    inspected.report.findings.extend(claimed_before(packaged.claim, context))
    return inspected


def send_checked(inspected: InspectedPackage, *, endpoint: str, credentials: Credentials,
                 ca_bundle: str | None, ledger: Path) -> Receipt:
    """Send the package *inspected* (which must be ok) to *endpoint*, keeping *ledger*.

    Raises:
        SubmissionError: when it could not be sent or the authority refused it (recorded as
            "not-received" when the authority answered).
    """
    from elyclaims.ledger import SENDING, Ledger
    from elyclaims.submission import SubmissionError, submit

    assert inspected.ok
    assert inspected.sha256 is not None
    with Ledger.open(ledger, create=True) as opened:
        record_package(opened, inspected)
        # Recorded before the request goes out: a stop after the authority stored the package
        # leaves it "sending", its lines counted as claimed, until the next submit or status
        # asks the authority and records its answer.
        opened.record_status(inspected.sha256, SENDING, note=endpoint)
        try:
            receipt = submit(inspected.path, endpoint=endpoint, credentials=credentials,
                             ca_bundle=ca_bundle)
        except SubmissionError as error:
            if error.status_code is not None and error.status_code < 500:
                # The authority answered, and did not take the package.
                opened.record_status(inspected.sha256, "not-received",
                                     note=str(error.status_code))
            raise
        opened.record_submission(inspected.sha256, reference=receipt.submission_id,
                                 how="submit", submission_id=receipt.submission_id,
                                 endpoint=endpoint, receipt=receipt.to_json())
        superseded = inspected.packaged.supersedes if inspected.packaged else None
        replaced = opened.find(superseded) if superseded else None
        if replaced is not None and replaced.superseded_by is None:
            opened.supersede(replaced.sha256, by=receipt.package_id)
    return receipt
