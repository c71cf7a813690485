"""Checking a package, on either side: limits, names, digests, schemas, totals, rules."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from elyclaims.config import Config
from elyclaims.findings import Finding, Location
from elyclaims.package._archive import CLAIM, MANIFEST, Limits, read_member, safe_member_name
from elyclaims.package._reader import (
    InvalidXml,
    PackagedClaim,
    read_claim_xml,
    validate_xml,
)
from elyclaims.package._schema import MANIFEST_NS, manifest_schema
from elyclaims.reading import SourceFile
from elyclaims.report import CategoryTotal, Report, Summary, summarize
from elyclaims.rules import RuleContext, run_rules, settle
from elyclaims.values import format_money

__all__ = ["InspectedPackage", "inspect_package"]


@dataclass(slots=True)
class InspectedPackage:
    """The result of checking a package: the report, and what could be read of the package."""

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


def _digest(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def inspect_package(path: str | Path, *, limits: Limits | None = None) -> InspectedPackage:
    """Check the package at *path* and read its claim back. Never raises on a bad package."""
    package = Path(path)
    limits = limits or Limits()
    findings: list[Finding] = []
    result = InspectedPackage(report=Report([], Summary()), path=package, sha256=_digest(package))

    def done(opened: bool = True) -> InspectedPackage:
        claim = result.packaged.claim if result.packaged else None
        sources = [SourceFile(str(package), result.sha256 or "")]
        result.report = Report(findings, summarize(claim), sources, [MANIFEST, CLAIM],
                               opened=opened)
        return result

    try:
        size = package.stat().st_size
    except OSError as error:
        findings.append(_at(package, None, "PK-003", variant="unreadable",
                            reason=error.strerror or str(error)))
        return done(False)
    if size > limits.package_bytes:
        findings.append(_at(package, None, "PK-003", variant="too_large", size=size,
                            limit=limits.package_bytes))
        return done(False)
    try:
        archive = zipfile.ZipFile(package)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        findings.append(_at(package, None, "PK-003", variant="not_zip",
                            reason=str(error) or type(error).__name__))
        return done(False)
    with archive:
        infos = archive.infolist()
        if not _check_entries(package, infos, limits, findings):
            return done(False)
        names = {info.filename for info in infos}
        if MANIFEST not in names:
            findings.append(_at(package, MANIFEST, "PK-004", variant="no_manifest"))
            return done(False)
        listed = _read_manifest(package, archive, findings)
        if listed is None:
            return done(False)
        header, expected = listed
        _check_members(package, archive, names, expected, findings, result)
        if CLAIM not in names:
            return done()
        try:
            with archive.open(CLAIM) as handle:
                result.packaged = read_claim_xml(handle, origin=str(package))
        except InvalidXml as error:
            findings.append(_at(package, CLAIM, "PK-006", row=error.line, reason=error.message))
            return done()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            findings.append(_at(package, CLAIM, "PK-005", variant="damaged", reason=str(error)))
            return done()
    packaged = result.packaged
    findings.extend(_compare_headers(package, header, packaged))
    findings.extend(_check_totals(package, packaged))
    for line in packaged.claim.expenses:
        if line.attachment and f"attachments/{line.attachment}" not in expected:
            findings.append(Finding.make("PK-002", line.source.location("attachment"),
                                         variant="not_packed", value=line.attachment,
                                         line_id=line.line_id))
    context = RuleContext(today=packaged.created_at.date(), config=Config(),
                          clients_given=True)
    findings.extend(settle(run_rules(packaged.claim, context), None, context.config,
                           packaged.acknowledgements))
    return done()


def _check_entries(
    package: Path, infos: list[zipfile.ZipInfo], limits: Limits, findings: list[Finding]
) -> bool:
    """Names, counts and sizes, from the central directory, before decompressing anything."""
    if len(infos) > limits.members:
        findings.append(_at(package, None, "PK-008", variant="members", count=len(infos),
                            limit=limits.members))
        return False
    seen: set[str] = set()
    total = 0
    fatal = False
    for info in infos:
        name = info.filename
        if not safe_member_name(name):
            findings.append(_at(package, name, "PK-004", variant="unsafe"))
            fatal = True
            continue
        if name in seen:
            findings.append(_at(package, name, "PK-004", variant="duplicate"))
            fatal = True
        seen.add(name)
        if info.flag_bits & 0x1:
            findings.append(_at(package, name, "PK-003", variant="encrypted"))
            fatal = True
        total += info.file_size
        expands = info.file_size > limits.ratio_floor and (
            info.file_size > limits.ratio * max(info.compress_size, 1))
        if info.file_size > limits.member_bytes or expands:
            findings.append(_at(package, name, "PK-008", size=info.file_size,
                                compressed=info.compress_size))
            fatal = True
    if total > limits.total_bytes:
        findings.append(_at(package, None, "PK-008", variant="total", size=total,
                            limit=limits.total_bytes))
        fatal = True
    return not fatal


def _read_manifest(
    package: Path, archive: zipfile.ZipFile, findings: list[Finding]
) -> tuple[dict[str, str], dict[str, tuple[int, str]]] | None:
    """The manifest's header attributes and its members (path -> size, digest), or None."""
    from lxml import etree

    try:
        data = archive.read(MANIFEST)
        validate_xml(BytesIO(data), manifest_schema())
    except InvalidXml as error:
        findings.append(_at(package, MANIFEST, "PK-006", row=error.line, reason=error.message))
        return None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        findings.append(_at(package, MANIFEST, "PK-005", variant="damaged", reason=str(error)))
        return None
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    # The schema made every attribute below present and well formed.
    members = {
        str(member.get("path")): (int(str(member.get("size"))), str(member.get("sha256")))
        for member in root.iterfind(f"{{{MANIFEST_NS}}}Member")
    }
    return {str(k): str(v) for k, v in root.attrib.items()}, members


def _check_members(
    package: Path,
    archive: zipfile.ZipFile,
    names: set[str],
    expected: dict[str, tuple[int, str]],
    findings: list[Finding],
    result: InspectedPackage,
) -> None:
    for name in sorted(names - {MANIFEST} - set(expected)):
        findings.append(_at(package, name, "PK-004", variant="unexpected"))
    for name in sorted(set(expected) - names):
        findings.append(_at(package, name, "PK-004", variant="missing"))
    for name in sorted(set(expected) & names):
        size, sha256 = expected[name]
        digest = hashlib.sha256()
        actual = 0
        try:
            for block in read_member(archive, name):
                digest.update(block)
                actual += len(block)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            findings.append(_at(package, name, "PK-005", variant="damaged", reason=str(error)))
            continue
        result.members[name] = actual
        if actual != size or digest.hexdigest() != sha256:
            findings.append(_at(package, name, "PK-005", expected=sha256[:12],
                                actual=digest.hexdigest()[:12]))


def _compare_headers(
    package: Path, manifest: dict[str, str], packaged: PackagedClaim
) -> list[Finding]:
    """The manifest repeats claim.xml's header; any difference means one of them was altered."""
    claim = {
        "packageId": packaged.package_id,
        "createdAt": packaged.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": packaged.generator,
        "generatorVersion": packaged.generator_version,
        "ruleset": packaged.ruleset,
    }
    return [
        _at(package, MANIFEST, "PK-009", field=name, claim_value=value,
            manifest_value=manifest.get(name, ""))
        for name, value in claim.items() if manifest.get(name) != value
    ]


def _check_totals(package: Path, packaged: PackagedClaim) -> list[Finding]:
    computed = summarize(packaged.claim)
    problems = []
    stated = {**packaged.totals}
    for category, total in computed.by_category.items():
        if stated.pop(category, CategoryTotal()) != total:
            problems.append(category)
    problems.extend(stated)  # categories stated but with no lines
    overall = CategoryTotal(lines=computed.lines, net=computed.net_total,
                            vat=computed.vat_total, gross=computed.gross_total)
    if packaged.overall != overall:
        problems.append("Overall")
    if packaged.claimed != computed.net_total:
        problems.append("Claimed")
    return [
        _at(package, CLAIM, "PK-007", total=name,
            computed=format_money(computed.net_total), stated=format_money(packaged.claimed))
        for name in problems
    ]
