"""Checking a package, on either side: limits, names, digests, schemas, totals, rules.

A package may come from anywhere, so every step reads only what the previous steps proved safe:
the file's size, then the ZIP's central directory against the read limits, then the manifest,
then each member against its digest, then claim.xml against its schema, and last the claim
itself (header, totals, rules). What :mod:`zipfile`, :mod:`zlib` or lxml raise on a damaged
archive is translated into a finding where it arises; :func:`inspect_package` never raises.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from elyclaims._memory import cycle_collector_paused
from elyclaims._xmlcheck import PROLOG_BYTES, declares_document_type
from elyclaims.archives import ZIP_ERRORS, ArchiveProblem, archive_problems, read_blocks
from elyclaims.config import Config
from elyclaims.files import file_sha256
from elyclaims.findings import Finding, Location, Named
from elyclaims.limits import DEFAULT_LIMITS, ReadLimits
from elyclaims.package._archive import CLAIM, MANIFEST
from elyclaims.package._reader import (
    InvalidXml,
    PackagedClaim,
    read_claim_xml,
)
from elyclaims.package._schema import MANIFEST_NS, manifest_schema
from elyclaims.reading import SourceFile
from elyclaims.report import CategoryTotal, Report, Summary, summarize
from elyclaims.rules import RuleContext, override_and_acknowledge, run_rules
from elyclaims.values import timestamp

__all__ = ["InspectedPackage", "inspect_package"]

#: How far a package's judged-on date may lie after the receiver's: Finland is two or three
#: hours ahead of UTC, so a package judged there after midnight is a day ahead of a receiver
#: that keeps UTC.
_GRACE = timedelta(days=1)
_READ_ERROR: tuple[type[BaseException], ...] = (*ZIP_ERRORS, InvalidXml)


@dataclass(slots=True)
class InspectedPackage:
    """The result of checking a package: the report, and what could be read of the package.

    ``report.opened`` is False only when the file itself could not be read (missing, a folder,
    no permission); a file that is read but is no valid package is ``opened`` and not ``ok``.
    """

    report: Report
    path: Path
    sha256: str | None = None
    packaged: PackagedClaim | None = None
    members: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the package is valid: it opened and no error was found."""
        return self.report.ok


def _at(package: Path, member: str | None, rule: str, *, variant: str | None = None,
        row: int | None = None, **params: Any) -> Finding:
    return Finding.make(rule, Location(file=str(package), sheet=member, row=row),
                        variant=variant, member=member or "", **params)


def _problem(package: Path, problem: ArchiveProblem) -> Finding:
    if not problem.is_limit:
        if problem.kind == "encrypted":
            return _at(package, problem.name, "PK-003", variant="encrypted")
        return _at(package, problem.name, "PK-004", variant=problem.kind)
    return _at(package, problem.name, "PK-008", variant="limit", limit=problem.kind,
               limit_upper=problem.kind.upper(), actual=problem.actual,
               maximum=problem.maximum, where=f" ({problem.name})" if problem.name else "")


def _reason(error: BaseException) -> str:
    if isinstance(error, InvalidXml):
        return error.message
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _Inspection:
    """One inspection: each step adds findings and says whether the next step may run."""

    def __init__(self, package: Path, limits: ReadLimits, today: date | None,
                 received_on: date, sent_by: str | None = None) -> None:
        self.package = package
        self.sent_by = sent_by
        self.limits = limits
        self.today = today
        self.received_on = received_on
        self.findings: list[Finding] = []
        self.readable = True
        self.sha256: str | None = None
        self.manifest: dict[str, str] = {}
        self.listed: dict[str, tuple[int, str]] = {}
        self.names: set[str] = set()
        self.members: dict[str, int] = {}
        #: The first and the last bytes of each member, as its digest was made.
        self.heads: dict[str, bytes] = {}
        self.tails: dict[str, bytes] = {}
        self.packaged: PackagedClaim | None = None
        self.summary: Summary | None = None

    def run(self) -> InspectedPackage:
        if self._file():
            try:
                with zipfile.ZipFile(self.package) as archive:
                    steps: tuple[Callable[[zipfile.ZipFile], bool], ...] = (
                        self._directory, self._manifest, self._digests, self._claim_xml)
                    for step in steps:
                        if not step(archive):
                            break
            except zipfile.BadZipFile as error:
                self.findings.append(_at(self.package, None, "PK-003", variant="not_zip",
                                         reason=_reason(error)))
            except _READ_ERROR as error:
                self.findings.append(_at(self.package, None, "PK-003", reason=_reason(error)))
        if self.packaged is not None:
            self._claim(self.packaged)
        claim = self.packaged.claim if self.packaged else None
        report = Report(self.findings, self.summary or summarize(claim),
                        [SourceFile(str(self.package), self.sha256 or "")],
                        [(str(self.package), MANIFEST), (str(self.package), CLAIM)],
                        opened=self.readable, claim=claim)
        return InspectedPackage(report=report, path=self.package, sha256=self.sha256,
                                packaged=self.packaged, members=self.members)

    def _file(self) -> bool:
        """The file on disk: readable, within the size limit, and its digest."""
        try:
            if self.package.is_dir():
                raise IsADirectoryError(21, "it is a folder")
            size = self.package.stat().st_size
            if size > self.limits.file_bytes:
                self.findings.append(_at(self.package, None, "PK-003", variant="limit",
                                         limit="file_bytes", limit_upper="FILE_BYTES",
                                         actual=size, maximum=self.limits.file_bytes))
                return False
            self.sha256 = file_sha256(self.package)
        except OSError as error:
            self.readable = False
            self.findings.append(_at(self.package, None, "PK-003", variant="unreadable",
                                     reason=error.strerror or str(error)))
            return False
        return True

    def _directory(self, archive: zipfile.ZipFile) -> bool:
        """Names, counts, sizes and ratios, from the central directory only; and nothing
        before the first member or after the archive's end (a package is the ZIP alone: bytes
        around it would travel unchecked)."""
        infos = archive.infolist()
        if _framed_by_other_bytes(self.package, infos, archive.comment):
            self.findings.append(_at(self.package, None, "PK-003", variant="framing"))
            return False
        problems = archive_problems(infos, self.limits)
        self.findings.extend(_problem(self.package, problem) for problem in problems)
        self.names = {info.filename for info in infos}
        if problems:
            return False
        if MANIFEST not in self.names:
            self.findings.append(_at(self.package, MANIFEST, "PK-004", variant="no_manifest"))
            return False
        return True

    def _manifest(self, archive: zipfile.ZipFile) -> bool:
        """The manifest, valid against its schema: its header and its members. It is small
        (the limits bound it): parsed once, whole, and its tree validated, so that whatever
        the bytes are, the verdict is a finding."""
        try:
            data = b"".join(read_blocks(archive, MANIFEST))
        except ZIP_ERRORS as error:
            self.findings.append(_at(self.package, MANIFEST, "PK-005", variant="damaged",
                                     reason=_reason(error)))
            return False
        if declares_document_type(data[:PROLOG_BYTES]):
            self.findings.append(_at(self.package, MANIFEST, "PK-006", variant="doctype"))
            return False
        try:
            root = _valid_tree(data, manifest_schema())
        except InvalidXml as error:
            self.findings.append(_at(self.package, MANIFEST, "PK-006", row=error.line,
                                     reason=error.message))
            return False
        # The schema made every attribute below present and well formed.
        self.listed = {
            str(member.get("path")): (int(str(member.get("size"))), str(member.get("sha256")))
            for member in root.iterfind(f"{{{MANIFEST_NS}}}Member")
        }
        self.manifest = {str(k): str(v) for k, v in root.attrib.items()}
        return True

    def _digests(self, archive: zipfile.ZipFile) -> bool:
        """Every member against the manifest: none unlisted, none missing, each digest equal."""
        for name in sorted(self.names - {MANIFEST} - set(self.listed)):
            self.findings.append(_at(self.package, name, "PK-004", variant="unexpected"))
        for name in sorted(set(self.listed) - self.names):
            self.findings.append(_at(self.package, name, "PK-004", variant="missing"))
        for name in sorted(set(self.listed) & self.names):
            size, sha256 = self.listed[name]
            digest = hashlib.sha256()
            actual = 0
            head = tail = b""
            try:
                for block in read_blocks(archive, name):
                    digest.update(block)
                    actual += len(block)
                    head = head or block[:PROLOG_BYTES]  # a block is longer than a prolog
                    tail = (tail + block)[-_TAIL_BYTES:]
            except ZIP_ERRORS as error:
                self.findings.append(_at(self.package, name, "PK-005", variant="damaged",
                                         reason=_reason(error)))
                continue
            self.members[name] = actual
            self.heads[name], self.tails[name] = head, tail
            if actual != size or digest.hexdigest() != sha256:
                self.findings.append(_at(self.package, name, "PK-005", expected=sha256[:12],
                                         actual=digest.hexdigest()[:12]))
        return CLAIM in self.names

    def _claim_xml(self, archive: zipfile.ZipFile) -> bool:
        """claim.xml, free of a document type declaration, validated against its schema
        while it is read back into the model."""
        try:
            if declares_document_type(self.heads.get(CLAIM, b"")):
                self.findings.append(_at(self.package, CLAIM, "PK-006", variant="doctype"))
                return False
            if not _ENDS_WITH_ROOT.search(self.tails.get(CLAIM, b"")):
                # libxml2's streaming check with a schema lets a document cut off at the end
                # of its input pass (the elements left open are closed for it), so the end is
                # checked here.
                self.findings.append(_at(self.package, CLAIM, "PK-006", variant="unended"))
                return False
            with archive.open(CLAIM) as handle:
                self.packaged = read_claim_xml(handle, origin=str(self.package),
                                               size=archive.getinfo(CLAIM).file_size)
        except InvalidXml as error:
            self.findings.append(_at(self.package, CLAIM, "PK-006", row=error.line,
                                     reason=error.message))
            return False
        except ZIP_ERRORS as error:
            self.findings.append(_at(self.package, CLAIM, "PK-005", variant="damaged",
                                     reason=_reason(error)))
            return False
        return True

    def _claim(self, packaged: PackagedClaim) -> None:
        """The claim read back: header against the manifest, totals, attachments, rules."""
        self.findings.extend(_compare_headers(self.package, self.manifest, packaged))
        self.summary = summarize(packaged.claim)
        self.findings.extend(_check_totals(self.package, packaged, self.summary))
        for line in packaged.claim.expenses:
            if line.attachment and f"attachments/{line.attachment}" not in self.listed:
                self.findings.append(Finding.make(
                    "PK-002", line.source.location("attachment"), variant="not_packed",
                    value=line.attachment, line_id=line.line_id))
        judged_on = packaged.judged_on
        if judged_on is not None and judged_on > self.received_on + _GRACE:
            self.findings.append(_at(self.package, CLAIM, "PK-010", judged=judged_on,
                                     received=self.received_on))
        claimant = packaged.claim.claimant.business_id
        if self.sent_by is not None and claimant != self.sent_by:
            self.findings.append(_at(self.package, CLAIM, "PK-011", claimant=claimant,
                                     sender=self.sent_by))
        context = RuleContext(today=self.today or judged_on or packaged.created_at.date(),
                              config=Config(), clients_given=True)
        self.findings.extend(override_and_acknowledge(
            run_rules(packaged.claim, context), None, context.config, packaged.acknowledgements))


def _valid_tree(data: bytes, schema: Any) -> Any:
    """The root of the document *data*, parsed without entities, DTDs or network, and valid
    against *schema*.

    Raises:
        InvalidXml: it is not well-formed (truncated, malformed) or not valid.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise InvalidXml(str(error.msg or error), error.lineno or None) from error
    if not schema.validate(etree.ElementTree(root)):
        first = schema.error_log[0]
        raise InvalidXml(first.message, first.line or None)
    return root


#: How much of each member's end is kept (:attr:`_Inspection.tails`).
_TAIL_BYTES = 256
#: How claim.xml ends: its root's end tag, then nothing but white space.
_ENDS_WITH_ROOT = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?ClaimPackage\s*>\s*\Z")
#: The end of central directory record: its signature and its length without the comment.
_END_RECORD = b"PK\x05\x06"
_END_RECORD_BYTES = 22


def _framed_by_other_bytes(package: Path, infos: list[zipfile.ZipInfo], comment: bytes) -> bool:
    """Whether the file holds bytes before its first member (zipfile reads past a prefix: a
    self-extracting program, junk) or after its end record."""
    if infos and min(info.header_offset for info in infos) != 0:
        return True
    tail = _END_RECORD_BYTES + len(comment)
    with package.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() < tail:
            return True
        handle.seek(-tail, 2)
        return not handle.read(tail).startswith(_END_RECORD)


def inspect_package(
    path: str | Path, *, limits: ReadLimits | None = None, today: date | None = None,
    received_on: date | None = None, sent_by: str | None = None,
) -> InspectedPackage:
    """Check the package at *path* within *limits* and read its claim back.

    The rules run as on *today*, by default the day the claimant's rules were judged on
    (claim.xml's ``judgedOn``; in a package without it, the day it was built): a package valid
    when built stays valid when received, and an authority that was in operation then is no
    error later. A package judged on a day after *received_on* (by default the system date)
    with more than a day's grace for time zones is PK-010, a package from the future. An
    intake gives *sent_by*, the Business ID of the claimant who sent it: a package of another
    claimant's is PK-011. Never raises on a bad package: every problem is a finding in the
    returned report.
    """
    with cycle_collector_paused():
        return _Inspection(Path(path), limits or DEFAULT_LIMITS, today,
                           received_on or date.today(), sent_by).run()


def _compare_headers(
    package: Path, manifest: dict[str, str], packaged: PackagedClaim
) -> list[Finding]:
    """The manifest repeats claim.xml's header; any difference means one of them was altered."""
    claim = {
        "packageId": packaged.package_id,
        "createdAt": timestamp(packaged.created_at),
        "generator": packaged.generator,
        "generatorVersion": packaged.generator_version,
        "ruleset": packaged.ruleset,
    }
    return [
        _at(package, MANIFEST, "PK-009", field=name, claim_value=value,
            manifest_value=manifest.get(name, ""))
        for name, value in claim.items() if manifest.get(name) != value
    ]


def _check_totals(package: Path, packaged: PackagedClaim, computed: Summary) -> list[Finding]:
    """Each stated total (per category, overall, claimed) against *computed*, the sums of the
    lines; a finding gives that total's own figures."""
    overall = CategoryTotal(lines=computed.lines, net=computed.net_total,
                            vat=computed.vat_total, gross=computed.gross_total)
    compared: list[tuple[str, CategoryTotal, CategoryTotal]] = [
        (category, computed.by_category.get(category, CategoryTotal()),
         packaged.totals.get(category, CategoryTotal()))
        for category in sorted({*computed.by_category, *packaged.totals})
    ]
    compared.append(("Overall", overall, packaged.overall))
    compared.append(("Claimed", CategoryTotal(net=computed.net_total),
                     CategoryTotal(net=packaged.claimed)))
    findings = []
    for name, lines, stated in compared:
        if (name == "Claimed" and lines.net == stated.net) or (name != "Claimed" and lines == stated):
            continue
        total = (Named("total", name.lower()) if name in {"Overall", "Claimed"}
                 else Named("category", name))
        findings.append(_at(package, CLAIM, "PK-007", total=total,
                            computed=lines.net, stated=stated.net))
    return findings
