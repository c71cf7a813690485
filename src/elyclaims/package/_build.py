"""Building a package: attachments, the package id, the self-check, the atomic write."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

from elyclaims._memory import cycle_collector_paused
from elyclaims._xmlcheck import WHOLE_BYTES, InvalidXml, SchemaCheckInChild, validate_xml
from elyclaims.archives import safe_member_name
from elyclaims.catalogue import catalogue
from elyclaims.errors import ConfigError, InternalError, OutputError, PackageError
from elyclaims.files import atomic_output, scratch_file
from elyclaims.findings import Finding
from elyclaims.ledger import DEFAULT_LEDGER, DefaultLedger, Ledger, chosen_ledger
from elyclaims.model import Claim, ExpenseLine
from elyclaims.package._archive import CLAIM, REPORT, Member, manifest_xml, write_zip
from elyclaims.package._attachments import identity_codes_in
from elyclaims.package._normalize import combined, normalize_claim
from elyclaims.package._schema import CLAIM_NS, CLAIM_SCHEMA, manifest_schema, schema_text
from elyclaims.package._writer import LEAST_LINE_BYTES, findings_to_carry, write_claim_xml
from elyclaims.privacy import contains_identity_code, mask
from elyclaims.refdata import ReferenceData, reference_data
from elyclaims.report import Report
from elyclaims.rules import acknowledgements_from_lines
from elyclaims.vocabulary import Severity

__all__ = ["BuildRefused", "BuiltPackage", "build_package", "check_attachments",
           "creation_time"]

_MEDIA_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg", ".tif": "image/tiff", ".tiff": "image/tiff",
                ".xml": "application/xml", ".txt": "text/plain"}


class BuildRefused(PackageError):
    """The claim has errors (or, with ``strict``, open warnings): no package was written."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{report.errors} errors remain; the package was not written")
        self.report = report


@dataclass(frozen=True, slots=True)
class BuiltPackage:
    """A package that was written, and the report it was built from."""

    path: Path
    package_id: str
    sha256: str
    size: int
    created_at: datetime
    lines: int
    claimed: Decimal
    members: tuple[Member, ...]
    report: Report
    recipient: str | None = None
    #: The date the rules were judged on (claim.xml's ``judgedOn``).
    judged_on: date | None = None
    #: The submission this package replaces (claim.xml's ``Supersedes``), when it names one.
    supersedes: str | None = None


def creation_time(environ: Mapping[str, str] | None = None) -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now; UTC, whole seconds.

    Raises:
        ConfigError: when ``SOURCE_DATE_EPOCH`` is not a whole number of seconds.
    """
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError) as error:
            raise ConfigError('SOURCE_DATE_EPOCH is not a Unix time: {epoch}', epoch=repr(epoch)) from error
    return datetime.now(UTC).replace(microsecond=0)


def check_attachments(claim: Claim, folder: Path | None) -> tuple[list[Finding], list[Member]]:
    """Find each attachment named in the expenses in *folder*.

    Returns the findings (PK-001 for a missing or unsafe name, PK-002 when names were given but
    no folder, PR-004 for an identity code in an attachment or a PDF that cannot be read for
    one) and the members to pack.
    """
    findings: list[Finding] = []
    members: dict[str, Member] = {}
    codes: dict[str, list[str] | None] = {}
    # Only an acknowledgement that names PR-004 lets a code travel: a reason for every warning
    # of a line does not.
    acknowledged = {a.line: a.reason for a in acknowledgements_from_lines(claim)
                    if a.line is not None and a.rules is not None and "PR-004" in a.rules}
    named = [line for line in claim.expenses if line.attachment]
    if named and folder is None:
        findings.append(Finding.make("PK-002", named[0].source.location("attachment"),
                                     count=len(named)))
        return findings, []
    for line in named:
        name = line.attachment or ""
        location = line.source.location("attachment")
        if not safe_member_name(name) or "/" in name:
            findings.append(Finding.make("PK-001", location, variant="unsafe", value=name,
                                         line_id=line.line_id))
            continue
        path = (folder or Path()) / name
        if not path.is_file():
            findings.append(Finding.make("PK-001", location, value=name, line_id=line.line_id,
                                         folder=str(folder)))
            continue
        if name not in members:
            media_type = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
            members[name] = Member.from_file(f"attachments/{name}", path, media_type)
            codes[name] = identity_codes_in(path)
        findings.extend(_codes_found(line, name, codes[name], acknowledged))
    return findings, [members[name] for name in sorted(members)]


def _codes_found(line: ExpenseLine, name: str, codes: list[str] | None,
                 acknowledged: dict[str, str]) -> list[Finding]:
    """PR-004 for the identity codes in the attachment *name* of *line*: an error, unless the
    line acknowledges PR-004 with a reason (an invoice may have to carry one; the authority
    then knows), a warning so acknowledged; a remark for a PDF that cannot be read."""
    location = line.source.location("attachment")
    if codes is None:
        return [Finding.make("PR-004", location, variant="unreadable", value=name,
                             line_id=line.line_id, severity=Severity.INFO)]
    reason = acknowledged.get(line.line_id)
    found = [Finding.make("PR-004", location, value=name, line_id=line.line_id, code=mask(code),
                          severity=Severity.WARNING if reason else None)
             for code in dict.fromkeys(codes)]
    return [dataclasses.replace(finding, acknowledged=reason) for finding in found] if reason \
        else found


class _ContentDigest:
    """The SHA-256 of a claim's content, from which its package id is made: the header, each
    expense line as claim.xml carries it (its bytes, digested as they are written: see
    :meth:`write`), the warnings carried, the attachments."""

    def __init__(self, header: Claim, supersedes: str | None) -> None:
        self._digest = hashlib.sha256(_canonical(header.model_dump(
            mode="json", exclude={"locations", "origin", "expenses", "unreadable"})))
        if supersedes:
            # A claim that replaces another is other content (an id without it is unchanged).
            self._digest.update(_canonical({"supersedes": supersedes}))
        self._lines = 0
        self._expected = 0

    def lines(self, claim: Claim) -> Iterator[ExpenseLine]:
        """The claim's lines, counted on their way to the writer (whose bytes of them come
        to :meth:`write`)."""
        self._expected = len(claim.expenses)
        for line in claim.expenses:
            self._lines += 1
            yield line

    def write(self, data: bytes) -> None:
        """The next bytes of the expense lines, as claim.xml carries them."""
        self._digest.update(data)

    def package_id(self, findings: list[Finding], attachments: list[Member]) -> str:
        """The package id, once every line went through :meth:`lines`."""
        if self._lines != self._expected:
            raise InternalError("bug: the package id was asked for before every line was "
                                "written; no package was written. Please report this.")
        self._digest.update(_canonical([[f.rule, f.key, f.line_id, f.acknowledged]
                                        for f in findings]))
        self._digest.update(_canonical([[m.path, m.sha256] for m in attachments]))
        return str(uuid.UUID(bytes=self._digest.digest()[:16], version=5))


#: The package id's place in claim.xml while the lines that make it are being written.
_PENDING_ID = "00000000-0000-5000-8000-000000000000"
#: Where in claim.xml the package id's place is looked for: the root element's start.
_HEAD_BYTES = 4096


def _fill_in_package_id(claim_file: Path, package_id: str) -> None:
    """Write *package_id* over the placeholder in claim.xml's root element (the first element
    of the file, so the placeholder is within its first bytes)."""
    with claim_file.open("r+b") as handle:
        head = handle.read(_HEAD_BYTES)
        at = head.find(f'packageId="{_PENDING_ID}"'.encode())
        if at < 0 or len(package_id) != len(_PENDING_ID):
            raise InternalError("bug: claim.xml has no place for its package id; no package "
                                "was written. Please report this.")
        handle.seek(at + len('packageId="'))
        handle.write(package_id.encode("ascii"))


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def build_package(
    claim: Claim,
    report: Report,
    output: str | Path,
    *,
    attachments: str | Path | None = None,
    created_at: datetime | None = None,
    strict: bool = False,
    refdata: ReferenceData | None = None,
    today: date | None = None,
    report_page: Callable[[Report, str], str] | None = None,
    supersedes: str | None = None,
    ledger: Ledger | str | Path | DefaultLedger | None = DEFAULT_LEDGER,
) -> BuiltPackage:
    """Write the package of *claim* to *output*, atomically.

    *report* is the claim's report from :func:`elyclaims.read_claim`; the attachment checks
    add to it. A report made for another claim object (or none at all) is not trusted: the
    claim is checked again on its own. Nothing is written while an error remains. *today* is
    the claim date (the rules' today, which decides the default recipient); by default the
    date of *created_at*. *report_page*, given the final report and the package id, returns
    the HTML summary to carry as ``report.html`` (see :func:`elyclaims.render.report_to_html`).
    *supersedes* names the submission this claim replaces (claim.xml carries it; the receiver
    marks that one superseded). The package is recorded in *ledger* (by default the one the
    command line would use, created when missing; ``ledger=None``: nowhere).

    Raises:
        BuildRefused: errors remain (the report says which); *output* is untouched.
        OutputError: *output* cannot be written.
        ConfigError: ``SOURCE_DATE_EPOCH`` is not a Unix time.
        InternalError: the package failed one of its own checks: a bug in elyclaims.
        LedgerError: the ledger cannot be opened or written (the package was written).
    """
    with cycle_collector_paused():
        created_at = created_at or creation_time()
        today = today or created_at.date()
        report, attachment_members = _final_report(claim, report, today, attachments, ledger,
                                                   supersedes)
        if not report.passes(strict=strict):
            raise BuildRefused(report)
        # The package is recorded before it is put in place, so that whatever stops the build,
        # no package the ledger does not know is left at the output (one it knows but that is
        # not there was only built: no line of it counts as claimed).

        def record(built: BuiltPackage) -> None:
            with chosen_ledger(ledger, create=True) as recording:
                if recording is not None:
                    recording.record_built(built, claim)

        return _build(claim, report, attachment_members, Path(output),
                      created_at=created_at, refdata=refdata, today=today,
                      report_page=report_page, supersedes=supersedes, record=record)


def _build(
    claim: Claim, report: Report, attachment_members: list[Member], target: Path, *,
    created_at: datetime, refdata: ReferenceData | None, today: date,
    report_page: Callable[[Report, str], str] | None, supersedes: str | None,
    record: Callable[[BuiltPackage], None],
) -> BuiltPackage:
    refdata = refdata or reference_data()
    # The claim's header and clients are copied once; the lines stream into claim.xml and into
    # the digest that makes the package id (which is filled in last) as the package carries
    # them, without a normalized copy of each.
    header = normalize_claim(claim.model_copy(update={"expenses": ()}), refdata, today)
    content = _ContentDigest(header, supersedes)
    ruleset = catalogue().ruleset
    with scratch_file(target, ".claim.xml") as claim_file, \
            scratch_file(target, ".report.html") as page_file, atomic_output(target) as part:
        # The schema check runs in a child process (measured faster than a thread: docs/
        # architecture.md), reading claim.xml as it is written, and ends while the rest is
        # done; the package is put in place only once it has passed. It checks the file with
        # the package id's placeholder, which the id then replaces: 36 characters of the same
        # pattern, written by uuid.
        check = SchemaCheckInChild(str(claim_file), schema_text(CLAIM_SCHEMA),
                                   f"{{{CLAIM_NS}}}Expense",
                                   whole=WHOLE_BYTES if _may_be_whole(claim) else 0)
        try:
            with _writing(target):
                with claim_file.open("wb") as handle:
                    files = combined(claim)
                    write_claim_xml(_ScannedTee(handle, check), header,
                                    lines=content.lines(claim), files=files, lines_to=content,
                                    package_id=_PENDING_ID, created_at=created_at,
                                    ruleset=ruleset, findings=report.findings, refdata=refdata,
                                    service_dates=(line.service_date for line in claim.expenses),
                                    judged_on=today, supersedes=supersedes,
                                    tables=claim.expenses)
                check.end()
                package_id = content.package_id(findings_to_carry(report.findings),
                                                attachment_members)
                _fill_in_package_id(claim_file, package_id)
            _no_identity_code_at_head(claim_file)
            members = (Member.from_file(CLAIM, claim_file, "application/xml"),
                       *_report_member(report_page, report, package_id, page_file),
                       *attachment_members)
            manifest = manifest_xml(members, package_id=package_id, ruleset=ruleset,
                                    created_at=created_at)
            _check_manifest(manifest)
            with _writing(target), part.open("wb") as handle:
                write_zip(handle, manifest, members)
            digest = Member.from_file(target.name, part, "application/zip")
            _schema_verdict(check)
            summary = report.summary  # made for this very claim (see _final_report)
            built = BuiltPackage(
                path=target, package_id=package_id, sha256=digest.sha256, size=digest.size,
                created_at=created_at, lines=summary.lines, claimed=summary.net_total,
                members=tuple(members), report=report, recipient=header.recipient,
                judged_on=today, supersedes=supersedes,
            )
            record(built)
        finally:
            check.cancel()
    return built


def _may_be_whole(claim: Claim) -> bool:
    """Whether claim.xml may be short enough for the check to parse it whole (see
    :data:`~elyclaims._xmlcheck.WHOLE_BYTES`): a claim of more lines than that holds at their
    shortest is checked streaming from its start."""
    return len(claim.expenses) * LEAST_LINE_BYTES <= WHOLE_BYTES


def _final_report(claim: Claim, report: Report, today: date, attachments: str | Path | None,
                  ledger: Ledger | str | Path | DefaultLedger | None,
                  supersedes: str | None) -> tuple[Report, list[Member]]:
    """The report the build decides on: *report* when it was made for this very claim (else
    the claim checked again, against *ledger*), with the attachment checks added; and the
    attachments to pack."""
    from elyclaims.pipeline import check_claim

    if report.claim is not claim:
        report = check_claim(claim, today=today, ledger=ledger, supersedes=supersedes)
    return with_attachments(report, claim, attachments)


def with_attachments(report: Report, claim: Claim, attachments: str | Path | None,
                     ) -> tuple[Report, list[Member]]:
    """*report* with the checks of the invoice copies in the folder *attachments* added
    (:func:`check_attachments`), as ``build`` makes them and ``validate --attachments`` shows
    them before a build; and the attachments to pack."""
    findings, members = check_attachments(
        claim, Path(attachments) if attachments is not None else None)
    report = Report([*report.findings, *findings], report.summary, report.sources,
                    report.sheet_order, report.opened, claim=claim)
    return report, members


@contextmanager
def _writing(target: Path) -> Iterator[None]:
    """A failure to write becomes an :class:`OutputError` naming *target*."""
    try:
        yield
    except OSError as error:
        raise OutputError('{target}: cannot be written: {reason}',
                          target=target, reason=error.strerror or error) from error


def _report_member(report_page: Callable[[Report, str], str] | None, report: Report,
                   package_id: str, page_file: Path) -> tuple[Member, ...]:
    """``report.html``, when a page was asked for; it passes the identity-code check too."""
    if report_page is None:
        return ()
    page = report_page(report, package_id).encode("utf-8")
    if contains_identity_code(page):
        raise InternalError("bug: an identity code would have reached report.html; no package "
                            "was written. Please report this.")
    with _writing(page_file):
        page_file.write_bytes(page)
    return (Member.from_file(REPORT, page_file, "text/html"),)


class _ScannedTee:
    """Writes to the file and to the schema check in its child, each block found free of identity
    codes first (PR-001 keeps them out of the claim, so one here is a bug): the scan runs
    while the check catches up, not after it."""

    def __init__(self, handle: IO[bytes], check: SchemaCheckInChild) -> None:
        self._handle, self._check = handle, check
        self._tail = b""  # the end of the block before: a code may span two blocks

    def write(self, data: bytes) -> int:
        _no_identity_code(self._tail + data)
        self._tail = data[-_CODE_SPAN:]
        self._check.write(data)
        return self._handle.write(data)


#: More than an identity code's length: the bytes of one block scanned again with the next.
_CODE_SPAN = 16


def _no_identity_code(data: bytes) -> None:
    if contains_identity_code(data):
        raise InternalError(
            "bug: an identity code would have reached claim.xml although PR-001 passed; no "
            "package was written. Please report this.")


def _no_identity_code_at_head(claim_file: Path) -> None:
    """The head of claim.xml again, now that the package id is in it (the rest of the file
    was scanned as it was written, and the id changed nothing else)."""
    with claim_file.open("rb") as handle:
        _no_identity_code(handle.read(_HEAD_BYTES + _CODE_SPAN))


def _schema_verdict(check: SchemaCheckInChild) -> None:
    """claim.xml against its schema, as the check in its child found it."""
    try:
        check.result()
    except InvalidXml as error:
        raise InternalError(
            'bug: the claim.xml elyclaims wrote fails its own schema at line {line}: {reason}. '
            'Please report this; no package was written.',
            line=error.line, reason=error.message) from error


def _check_manifest(manifest: bytes) -> None:
    from io import BytesIO

    try:
        validate_xml(BytesIO(manifest), manifest_schema())
    except InvalidXml as error:
        raise InternalError(
            'bug: the manifest fails its own schema: {reason}',
            reason=error.message) from error
